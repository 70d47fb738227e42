/* The searchable text of a message: building, walking and matching the
 * FTS document (layout in fts_doc.h). */
#include "index/fts_doc.h"

#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "index/mime.h"
#include "index/mime_cache.h"
#include "index/mime_decode.h"
#include "index/mime_header.h"

size_t fts_varint_put(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

size_t fts_varint_get(const uint8_t *p, const uint8_t *end, uint64_t *v_r)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 10 && p + i < end; i++) {
		uint64_t b = p[i] & 0x7f;
		if (i == 9 && b > 1)
			return 0;
		v |= b << (7 * i);
		if (!(p[i] & 0x80)) {
			*v_r = v;
			return i + 1;
		}
	}
	return 0;
}

/* ---- building ------------------------------------------------------------ */

struct builder {
	struct rm_buf *out;
	struct rm_buf tmp, fold;
	size_t start;            /* where this document starts in out */
};

static bool room(const struct builder *b, size_t more)
{
	return b->out->len - b->start + more + 24 <= RM_FTS_DOC_MAX_BYTES;
}

static void put_unit(struct builder *b, enum fts_unit_kind kind, const char *name,
		     size_t name_len, const char *value, size_t value_len)
{
	size_t text_len = name_len ? name_len + 2 + value_len : value_len;
	if (!room(b, text_len)) {
		/* Past the cap the rest of the message is not searchable; both
		 * search paths build the same truncated document. */
		if (!room(b, 0))
			return;
		size_t cut = RM_FTS_DOC_MAX_BYTES - 24 - (b->out->len - b->start);
		if (cut <= name_len + 2)
			return;
		value_len = cut - (name_len ? name_len + 2 : 0);
		/* Do not cut a UTF-8 sequence. */
		while (value_len && ((unsigned char)value[value_len] & 0xc0) == 0x80)
			value_len--;
		text_len = name_len ? name_len + 2 + value_len : value_len;
	}
	uint8_t hdr[21];
	size_t n = 0;
	hdr[n++] = (uint8_t)kind;
	n += fts_varint_put(hdr + n, name_len);
	n += fts_varint_put(hdr + n, text_len);
	rm_buf_append(b->out, hdr, n);
	for (size_t i = 0; i < name_len; i++)
		rm_buf_putc(b->out, rm_lower(name[i]));
	if (name_len)
		rm_buf_append(b->out, ": ", 2);
	rm_buf_append(b->out, value, value_len);
}

/* Every field of the header block [p, p+len) as units of kind. */
static void add_header(struct builder *b, enum fts_unit_kind kind, const char *p, size_t len)
{
	len = RM_MIN(len, (size_t)RM_MIME_HEADER_MAX_BYTES);
	struct mime_header_line l;
	for (size_t pos = 0; pos < len; pos = l.end) {
		mime_header_next(p, len, pos, &l);
		if (l.item == MIME_HEADER_EOF || l.item == MIME_HEADER_BLANK || l.end <= pos)
			break;
		if (l.item != MIME_HEADER_FIELD)
			continue;
		rm_buf_reset(&b->tmp);
		rm_buf_reset(&b->fold);
		mime_decode_header(p + l.value_start, l.value_end - l.value_start, &b->tmp);
		mime_fold_utf8(b->tmp.data ? b->tmp.data : "", b->tmp.len, &b->fold);
		/* Trim the spaces after the colon and at the end. */
		const char *v = b->fold.data ? b->fold.data : "";
		size_t vl = b->fold.len;
		while (vl && (*v == ' ' || *v == '\t')) {
			v++;
			vl--;
		}
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		put_unit(b, kind, p + l.start, l.name_len, v, vl);
	}
}

static bool texty(const struct mime_part *pt)
{
	return (pt->type_len == 4 && memcmp(pt->type, "text", 4) == 0) ||
	       (pt->type_len == 7 && memcmp(pt->type, "message", 7) == 0);
}

static void add_body(struct builder *b, const struct mime_part *pt, const char *msg)
{
	if (pt->body_end <= pt->body_start)
		return;
	rm_buf_reset(&b->tmp);
	rm_buf_reset(&b->fold);
	mime_decode_part(pt, msg + pt->body_start, pt->body_end - pt->body_start, &b->tmp);
	mime_fold_utf8(b->tmp.data ? b->tmp.data : "", b->tmp.len, &b->fold);
	if (b->fold.len)
		put_unit(b, FTS_U_BODY, NULL, 0, b->fold.data, b->fold.len);
}

static void build_parts(struct builder *b, const char *msg, size_t len, const void *cache,
			size_t clen)
{
	uint32_t count;
	if (mime_cache_part_count(cache, clen, &count) != RM_OK)
		return;
	for (uint32_t i = 0; i < count && room(b, 0); i++) {
		struct mime_part pt;
		if (mime_cache_part(cache, clen, i, &pt) != RM_OK || pt.body_end > len ||
		    pt.header_start > pt.body_start || pt.body_start > pt.body_end)
			break;
		enum fts_unit_kind hk = i == 0 ? FTS_U_HEADER
			: (pt.flags & MIME_PART_F_MESSAGE) ? FTS_U_EMBED : FTS_U_MIME;
		add_header(b, hk, msg + pt.header_start, pt.body_start - pt.header_start);
		uint32_t child, sibling;
		bool leaf = pt.kind == MIME_KIND_LEAF ||
			    (pt.kind == MIME_KIND_MESSAGE &&
			     mime_cache_links(cache, clen, i, &child, &sibling) == RM_OK &&
			     child == MIME_PART_NONE);
		if (leaf && texty(&pt))
			add_body(b, &pt, msg);
	}
}

void fts_doc_build(const char *msg, size_t len, const void *cache, size_t cache_len,
		   struct rm_buf *doc_r)
{
	struct builder b = { .out = doc_r, .start = doc_r->len };
	rm_buf_putc(doc_r, (char)FTS_DOC_VERSION);
	uint32_t count;
	struct rm_buf own = { 0 };
	if (!cache || mime_cache_part_count(cache, cache_len, &count) != RM_OK) {
		if (mime_parse(msg, len, &own) == RM_OK) {
			cache = own.data;
			cache_len = own.len;
		} else {
			cache = NULL;
		}
	}
	if (cache)
		build_parts(&b, msg, len, cache, cache_len);
	else
		add_header(&b, FTS_U_HEADER, msg, len);
	rm_buf_free(&own);
	rm_buf_free(&b.tmp);
	rm_buf_free(&b.fold);
}

/* ---- reading --------------------------------------------------------------- */

int fts_doc_next(const void *doc, size_t len, size_t *pos, struct fts_unit *u)
{
	const uint8_t *p = doc, *end = p + len;
	if (*pos == 0) {
		if (len == 0 || p[0] != FTS_DOC_VERSION)
			return -1;
		*pos = 1;
	}
	if (*pos >= len)
		return 0;
	const uint8_t *q = p + *pos;
	uint64_t nl, tl;
	unsigned kind = *q++;
	size_t n = fts_varint_get(q, end, &nl);
	if (kind < FTS_U_HEADER || kind > FTS_U_BODY || n == 0)
		return -1;
	q += n;
	n = fts_varint_get(q, end, &tl);
	if (n == 0 || tl > (uint64_t)(end - q - n) || (nl && nl + 2 > tl))
		return -1;
	q += n;
	u->kind = (enum fts_unit_kind)kind;
	u->text = (const char *)q;
	u->text_len = (size_t)tl;
	u->name = u->text;
	u->name_len = (size_t)nl;
	u->value = nl ? u->text + nl + 2 : u->text;
	u->value_len = nl ? (size_t)(tl - nl - 2) : (size_t)tl;
	*pos = (size_t)(q - p) + (size_t)tl;
	return 1;
}

bool fts_doc_valid(const void *doc, size_t len)
{
	size_t pos = 0;
	struct fts_unit u;
	int rc;
	while ((rc = fts_doc_next(doc, len, &pos, &u)) == 1)
		;
	return rc == 0;
}

static bool contains(const char *h, size_t hl, const char *n, size_t nl)
{
	if (nl == 0)
		return true;
	return hl >= nl && memmem(h, hl, n, nl) != NULL;
}

bool fts_doc_match(const void *doc, size_t len, unsigned kinds, const char *header_name,
		   size_t header_name_len, const char *needle, size_t needle_len)
{
	size_t pos = 0;
	struct fts_unit u;
	while (fts_doc_next(doc, len, &pos, &u) == 1) {
		if (!(kinds & (1u << u.kind)))
			continue;
		if (header_name) {
			if (u.name_len != header_name_len ||
			    rm_strncasecmp_ascii(u.name, header_name, header_name_len) != 0)
				continue;
			if (contains(u.value, u.value_len, needle, needle_len))
				return true;
		} else if (contains(u.text, u.text_len, needle, needle_len)) {
			return true;
		}
	}
	return false;
}

void fts_fold_needle(const char *s, size_t len, struct rm_buf *out)
{
	mime_fold_utf8(s, len, out);
}

/* ---- trigrams ---------------------------------------------------------------- */

static int tri_cmp(const void *a, const void *b)
{
	fts_tri x = *(const fts_tri *)a, y = *(const fts_tri *)b;
	return x < y ? -1 : x > y;
}

static size_t tri_uniq(fts_tri *t, size_t n)
{
	if (n == 0)
		return 0;
	qsort(t, n, sizeof(*t), tri_cmp);
	size_t w = 1;
	for (size_t i = 1; i < n; i++)
		if (t[i] != t[w - 1])
			t[w++] = t[i];
	return w;
}

static size_t tri_of(const char *s, size_t len, fts_tri *out)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t n = 0;
	for (size_t i = 0; i + 3 <= len; i++)
		out[n++] = (fts_tri)p[i] << 16 | (fts_tri)p[i + 1] << 8 | p[i + 2];
	return n;
}

/* The distinct trigrams of a document come from a hash set of trigram + 1
 * (0 marks a free slot), kept at most half full.  A document of n text
 * bytes has under n trigrams, so sorting them (the former way) cost
 * n log n comparisons; the set costs about one probe per byte. */
struct tri_set {
	uint32_t *slot;
	uint32_t bits;
	uint32_t count;
};

static uint32_t tri_hash(uint32_t key, uint32_t bits)
{
	return (key * 0x9E3779B1u) >> (32 - bits);
}

static void tri_set_grow(struct tri_set *s)
{
	uint32_t bits = s->bits + 1, mask = (1u << bits) - 1;
	uint32_t *slot = rm_calloc((size_t)1 << bits, sizeof(*slot));
	for (uint32_t i = 0; i < (1u << s->bits); i++) {
		if (!s->slot[i])
			continue;
		uint32_t h = tri_hash(s->slot[i], bits);
		while (slot[h])
			h = (h + 1) & mask;
		slot[h] = s->slot[i];
	}
	free(s->slot);
	s->slot = slot;
	s->bits = bits;
}

/* Adds t; true when it was not there yet. */
static bool tri_set_add(struct tri_set *s, fts_tri t)
{
	uint32_t key = t + 1, mask = (1u << s->bits) - 1;
	for (uint32_t h = tri_hash(key, s->bits);; h = (h + 1) & mask) {
		if (s->slot[h] == key)
			return false;
		if (!s->slot[h])
			break;
	}
	if (2 * (s->count + 1) > (1u << s->bits))
		tri_set_grow(s);
	mask = (1u << s->bits) - 1;
	uint32_t h = tri_hash(key, s->bits);
	while (s->slot[h])
		h = (h + 1) & mask;
	s->slot[h] = key;
	s->count++;
	return true;
}

void fts_doc_trigrams(const void *doc, size_t len, fts_tri **tris_r, size_t *n_r)
{
	size_t pos = 0, n = 0;
	struct fts_unit u;
	fts_tri *t = rm_malloc((len + 1) * sizeof(*t));
	struct tri_set set = { .bits = 12 };
	set.slot = rm_calloc((size_t)1 << set.bits, sizeof(*set.slot));
	while (fts_doc_next(doc, len, &pos, &u) == 1) {
		if (u.text_len < 3)
			continue;
		const uint8_t *p = (const uint8_t *)u.text;
		fts_tri tri = (fts_tri)p[0] << 8 | p[1];
		for (size_t i = 2; i < u.text_len; i++) {
			tri = (tri << 8 | p[i]) & 0xffffffu;
			if (tri_set_add(&set, tri))
				t[n++] = tri;
		}
	}
	free(set.slot);
	*n_r = n;
	*tris_r = t;
}

size_t fts_needle_trigrams(const char *needle, size_t len, fts_tri *tris)
{
	return tri_uniq(tris, tri_of(needle, len, tris));
}
