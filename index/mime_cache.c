/*
 * mime_cache.c — the cache blob: format, writer, readers.
 *
 * Layout (integers little-endian, offsets from the blob's first byte):
 *
 *   off  size  field
 *   0    4     magic "RMMC"
 *   4    1     format version (MIME_CACHE_VERSION)
 *   5    1     flags, 0
 *   6    2     S, number of sections
 *   8    4     blob length in bytes
 *   12   4     message length in bytes
 *   16   4     header end: body start of the root (where BODY[TEXT] starts)
 *   20   4     P, number of parts
 *   24   8     Date field as signed seconds since the epoch, -1 if none
 *   32   12*S  directory, one entry per section:
 *                tag u16, 0 u16, offset u32, length u32
 *   ...        section contents, in directory order
 *
 * Sections by tag:
 *   1  ENVELOPE       rendered IMAP text of the top-level ENVELOPE
 *   2  BODY           rendered BODY
 *   3  BODYSTRUCTURE  rendered BODYSTRUCTURE
 *   4  PARTS          P records of PART_BYTES (below), pre-order, root first
 *   5  STRINGS        the type, subtype and charset bytes PARTS refer to
 *   6  ZONE           i16: the Date field's zone, minutes east of UTC
 *                     (present when the Date parsed; added after version 1
 *                     blobs were written, so older blobs lack it)
 *   16+f              raw value of enum mime_field f; absent fields have no
 *                     section
 * A reader skips tags it does not know, so sections can be added without
 * a version change; any change to the header or a record is a new version.
 *
 * PARTS record:
 *   0  u32 header_start     4  u32 body_start     8  u32 body_end
 *   12 u32 lines            16 u32 parent         20 u32 first_child
 *   24 u32 next_sibling     28 u32 number
 *   32 u8 kind  33 u8 encoding  34 u8 flags  35 u8 depth
 *   36 u32 offset in STRINGS of type, then subtype, then charset
 *   40 u8 type length  41 u8 subtype length  42 u8 charset length  43 u8 0
 * Missing links are 0xffffffff.  Strings are lower-cased, cut at 255 bytes.
 */
#include "index/mime_cache.h"

#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "index/bodystructure.h"
#include "index/envelope.h"
#include "index/mime_date.h"
#include "index/mime_lex.h"
#include "index/mime_param.h"

#define HEAD_BYTES 32u
#define DIR_BYTES 12u
#define PART_BYTES 44u

enum tag {
	TAG_ENVELOPE = 1,
	TAG_BODY = 2,
	TAG_BODYSTRUCTURE = 3,
	TAG_PARTS = 4,
	TAG_STRINGS = 5,
	TAG_ZONE = 6,
	TAG_FIELD = 16,
};

static const char magic[4] = { 'R', 'M', 'M', 'C' };

/* ---- writer --------------------------------------------------------------- */

struct section {
	uint16_t tag;
	struct rm_buf data;
};

static uint8_t put_lower(struct rm_buf *b, const char *s, size_t len)
{
	len = RM_MIN(len, 255u);
	for (size_t i = 0; i < len; i++)
		rm_buf_putc(b, rm_lower(s[i]));
	return (uint8_t)len;
}

static void write_part(const struct mime_node *n, struct rm_buf *parts, struct rm_buf *strings)
{
	uint8_t rec[PART_BYTES] = { 0 };
	const uint32_t v[8] = { n->header_start, n->body_start, n->body_end, n->lines,
		n->parent, n->first_child, n->next_sibling, n->number };
	for (int i = 0; i < 8; i++)
		rm_le32_put(rec + 4 * i, v[i]);
	rec[32] = n->kind;
	rec[33] = n->encoding;
	rec[34] = n->flags;
	rec[35] = n->depth;
	rm_le32_put(rec + 36, (uint32_t)strings->len);
	rec[40] = put_lower(strings, n->type.p, n->type.len);
	rec[41] = put_lower(strings, n->subtype.p, n->subtype.len);
	const struct mime_param *cs = mime_param_find(&n->params, "CHARSET");
	rec[42] = cs ? put_lower(strings, cs->value.p, cs->value.len) : 0;
	rm_buf_append(parts, rec, sizeof(rec));
}

/* A field kept for SORT/THREAD: unfolded, trimmed, cut to the limit. */
static void write_field(enum mime_field f, struct mime_str raw, struct rm_buf *out)
{
	struct rm_buf v = { 0 };
	mime_lex_unfold_trim(raw.p, raw.len, &v);
	const char *p = v.data ? v.data : "";
	size_t len = v.len;
	if (len > RM_MIME_SORT_FIELD_MAX_BYTES) {
		if (f == MIME_FIELD_REFERENCES) {
			/* The newest ids are last: keep the end, from a '<'. */
			const char *cut = p + len - RM_MIME_SORT_FIELD_MAX_BYTES;
			const char *lt = memchr(cut, '<', (size_t)(p + len - cut));
			p = lt ? lt : cut;
			len = v.len - (size_t)(p - v.data);
		} else {
			len = RM_MIME_SORT_FIELD_MAX_BYTES;
		}
	}
	rm_buf_append(out, p, len);
	rm_buf_free(&v);
}

static const enum mime_hdr field_hdr[MIME_FIELD__COUNT] = {
	[MIME_FIELD_SUBJECT] = MIME_H_SUBJECT, [MIME_FIELD_FROM] = MIME_H_FROM,
	[MIME_FIELD_TO] = MIME_H_TO, [MIME_FIELD_CC] = MIME_H_CC,
	[MIME_FIELD_MESSAGE_ID] = MIME_H_MESSAGE_ID,
	[MIME_FIELD_IN_REPLY_TO] = MIME_H_IN_REPLY_TO,
	[MIME_FIELD_REFERENCES] = MIME_H_REFERENCES,
};

#define MAX_SECTIONS (6 + MIME_FIELD__COUNT)

static unsigned build_sections(struct mime_tree *t, struct section *s)
{
	unsigned n = 0;
	s[n].tag = TAG_ENVELOPE;
	envelope_write(&t->nodes[0], &s[n++].data);
	s[n].tag = TAG_BODY;
	bodystructure_write(t, 0, false, &s[n++].data);
	s[n].tag = TAG_BODYSTRUCTURE;
	bodystructure_write(t, 0, true, &s[n++].data);
	s[n].tag = TAG_PARTS;
	s[n + 1].tag = TAG_STRINGS;
	for (uint32_t i = 0; i < t->count; i++)
		write_part(&t->nodes[i], &s[n].data, &s[n + 1].data);
	n += 2;
	for (unsigned f = 0; f < MIME_FIELD__COUNT; f++) {
		struct mime_str raw = t->nodes[0].hdr[field_hdr[f]];
		if (!raw.p)
			continue;
		s[n].tag = (uint16_t)(TAG_FIELD + f);
		write_field((enum mime_field)f, raw, &s[n++].data);
	}
	return n;
}

void mime_cache_write(struct mime_tree *t, struct rm_buf *out)
{
	struct section s[MAX_SECTIONS] = { 0 };
	unsigned n = build_sections(t, s);
	const struct mime_node *root = &t->nodes[0];
	int64_t date = -1;
	int zone = 0;
	if (!root->hdr[MIME_H_DATE].p ||
	    !mime_date_parse_zone(root->hdr[MIME_H_DATE].p, root->hdr[MIME_H_DATE].len, &date,
				  &zone)) {
		date = -1;
	} else {
		uint8_t z[2];
		rm_le16_put(z, (uint16_t)(int16_t)zone);
		s[n].tag = TAG_ZONE;
		rm_buf_append(&s[n++].data, z, sizeof(z));
	}
	size_t total = HEAD_BYTES + DIR_BYTES * n;
	for (unsigned i = 0; i < n; i++)
		total += s[i].data.len;
	RM_ASSERT(total < UINT32_MAX);
	uint8_t head[HEAD_BYTES] = { 0 };
	memcpy(head, magic, 4);
	head[4] = MIME_CACHE_VERSION;
	rm_le16_put(head + 6, (uint16_t)n);
	rm_le32_put(head + 8, (uint32_t)total);
	rm_le32_put(head + 12, (uint32_t)t->len);
	rm_le32_put(head + 16, root->body_start);
	rm_le32_put(head + 20, t->count);
	rm_le64_put(head + 24, (uint64_t)date);
	rm_buf_reserve(out, total);
	rm_buf_append(out, head, sizeof(head));
	uint32_t off = HEAD_BYTES + DIR_BYTES * n;
	for (unsigned i = 0; i < n; i++) {
		uint8_t d[DIR_BYTES] = { 0 };
		rm_le16_put(d, s[i].tag);
		rm_le32_put(d + 4, off);
		rm_le32_put(d + 8, (uint32_t)s[i].data.len);
		rm_buf_append(out, d, sizeof(d));
		off += (uint32_t)s[i].data.len;
	}
	for (unsigned i = 0; i < n; i++) {
		rm_buf_append(out, s[i].data.data, s[i].data.len);
		rm_buf_free(&s[i].data);
	}
}

/* ---- readers -------------------------------------------------------------- */

struct view {
	const uint8_t *b;
	size_t len;
	unsigned sections;
	uint32_t parts;
};

static enum rm_err view_open(const void *blob, size_t len, struct view *v)
{
	const uint8_t *b = blob;
	if (!b || len < HEAD_BYTES || memcmp(b, magic, 4) != 0)
		return RM_ERR_CORRUPT;
	if (b[4] != MIME_CACHE_VERSION)
		return RM_ERR_UNSUPPORTED;
	v->b = b;
	v->len = len;
	v->sections = rm_le16_get(b + 6);
	v->parts = rm_le32_get(b + 20);
	if (rm_le32_get(b + 8) != len || HEAD_BYTES + (size_t)DIR_BYTES * v->sections > len ||
	    v->parts == 0)
		return RM_ERR_CORRUPT;
	return RM_OK;
}

/* The section with tag: RM_OK, RM_ERR_NOTFOUND, or RM_ERR_CORRUPT. */
static enum rm_err view_section(const struct view *v, unsigned tag, const uint8_t **p_r, size_t *len_r)
{
	for (unsigned i = 0; i < v->sections; i++) {
		const uint8_t *d = v->b + HEAD_BYTES + DIR_BYTES * i;
		if (rm_le16_get(d) != tag)
			continue;
		uint32_t off = rm_le32_get(d + 4), n = rm_le32_get(d + 8);
		if (off > v->len || n > v->len - off)
			return RM_ERR_CORRUPT;
		*p_r = v->b + off;
		*len_r = n;
		return RM_OK;
	}
	return RM_ERR_NOTFOUND;
}

static enum rm_err text_section(const void *blob, size_t len, unsigned tag,
	const char **ptr_r, size_t *len_r)
{
	struct view v;
	const uint8_t *p;
	enum rm_err err = view_open(blob, len, &v);
	if (err == RM_OK)
		err = view_section(&v, tag, &p, len_r);
	if (err == RM_OK)
		*ptr_r = (const char *)p;
	return err;
}

enum rm_err mime_cache_envelope(const void *blob, size_t len, const char **ptr_r, size_t *len_r)
{
	enum rm_err err = text_section(blob, len, TAG_ENVELOPE, ptr_r, len_r);
	return err == RM_ERR_NOTFOUND ? RM_ERR_CORRUPT : err;
}

enum rm_err mime_cache_body(const void *blob, size_t len, bool extended,
	const char **ptr_r, size_t *len_r)
{
	enum rm_err err = text_section(blob, len, extended ? TAG_BODYSTRUCTURE : TAG_BODY,
				       ptr_r, len_r);
	return err == RM_ERR_NOTFOUND ? RM_ERR_CORRUPT : err;
}

enum rm_err mime_cache_field(const void *blob, size_t len, enum mime_field f,
	const char **ptr_r, size_t *len_r)
{
	if ((unsigned)f >= MIME_FIELD__COUNT)
		return RM_ERR_INVAL;
	return text_section(blob, len, TAG_FIELD + (unsigned)f, ptr_r, len_r);
}

static enum rm_err head_u32(const void *blob, size_t len, size_t off, size_t *v_r)
{
	struct view v;
	enum rm_err err = view_open(blob, len, &v);
	if (err == RM_OK)
		*v_r = rm_le32_get(v.b + off);
	return err;
}

enum rm_err mime_cache_header_end(const void *blob, size_t len, size_t *end_r)
{
	return head_u32(blob, len, 16, end_r);
}

enum rm_err mime_cache_message_size(const void *blob, size_t len, size_t *size_r)
{
	return head_u32(blob, len, 12, size_r);
}

enum rm_err mime_cache_date_zone(const void *blob, size_t len, int *zone_min_r)
{
	struct view v;
	const uint8_t *p;
	size_t n;
	enum rm_err err = view_open(blob, len, &v);
	if (err == RM_OK)
		err = view_section(&v, TAG_ZONE, &p, &n);
	if (err == RM_OK && n != 2)
		err = RM_ERR_CORRUPT;
	if (err == RM_OK)
		*zone_min_r = (int16_t)rm_le16_get(p);
	return err;
}

enum rm_err mime_cache_date(const void *blob, size_t len, int64_t *date_r)
{
	struct view v;
	enum rm_err err = view_open(blob, len, &v);
	if (err == RM_OK)
		*date_r = (int64_t)rm_le64_get(v.b + 24);
	return err;
}

enum rm_err mime_cache_part_count(const void *blob, size_t len, uint32_t *count_r)
{
	struct view v;
	enum rm_err err = view_open(blob, len, &v);
	if (err == RM_OK)
		*count_r = v.parts;
	return err;
}

static enum rm_err decode_part(const struct view *v, uint32_t idx, struct mime_part *r)
{
	const uint8_t *parts, *strings;
	size_t parts_len, strings_len;
	if (view_section(v, TAG_PARTS, &parts, &parts_len) != RM_OK ||
	    view_section(v, TAG_STRINGS, &strings, &strings_len) != RM_OK ||
	    parts_len != (size_t)v->parts * PART_BYTES)
		return RM_ERR_CORRUPT;
	const uint8_t *p = parts + (size_t)idx * PART_BYTES;
	size_t msg_len = rm_le32_get(v->b + 12);
	*r = (struct mime_part){
		.header_start = rm_le32_get(p), .body_start = rm_le32_get(p + 4),
		.body_end = rm_le32_get(p + 8), .lines = rm_le32_get(p + 12),
		.parent = rm_le32_get(p + 16), .number = rm_le32_get(p + 28),
		.kind = (enum mime_kind)p[32], .encoding = (enum mime_encoding)p[33],
		.flags = p[34], .depth = p[35],
		.type_len = p[40], .subtype_len = p[41], .charset_len = p[42],
	};
	size_t s = rm_le32_get(p + 36);
	if (r->header_start > r->body_start || r->body_start > r->body_end || r->body_end > msg_len ||
	    p[32] > MIME_KIND_MESSAGE || p[33] > MIME_ENC_UNKNOWN ||
	    (r->parent != MIME_PART_NONE && r->parent >= idx) || (idx == 0) != (r->parent == MIME_PART_NONE) ||
	    s > strings_len || r->type_len + r->subtype_len + r->charset_len > strings_len - s)
		return RM_ERR_CORRUPT;
	r->type = (const char *)strings + s;
	r->subtype = r->type + r->type_len;
	r->charset = r->subtype + r->subtype_len;
	return RM_OK;
}

enum rm_err mime_cache_links(const void *blob, size_t len, uint32_t idx,
	uint32_t *first_child_r, uint32_t *next_sibling_r)
{
	struct view v;
	const uint8_t *parts;
	size_t parts_len;
	enum rm_err err = view_open(blob, len, &v);
	if (err != RM_OK)
		return err;
	if (idx >= v.parts)
		return RM_ERR_NOTFOUND;
	if (view_section(&v, TAG_PARTS, &parts, &parts_len) != RM_OK ||
	    parts_len != (size_t)v.parts * PART_BYTES)
		return RM_ERR_CORRUPT;
	const uint8_t *p = parts + (size_t)idx * PART_BYTES;
	*first_child_r = rm_le32_get(p + 20);
	*next_sibling_r = rm_le32_get(p + 24);
	if ((*first_child_r != MIME_PART_NONE && (*first_child_r <= idx || *first_child_r >= v.parts)) ||
	    (*next_sibling_r != MIME_PART_NONE && (*next_sibling_r <= idx || *next_sibling_r >= v.parts)))
		return RM_ERR_CORRUPT;
	return RM_OK;
}

enum rm_err mime_cache_part(const void *blob, size_t len, uint32_t idx, struct mime_part *part_r)
{
	struct view v;
	enum rm_err err = view_open(blob, len, &v);
	if (err != RM_OK)
		return err;
	if (idx >= v.parts)
		return RM_ERR_NOTFOUND;
	return decode_part(&v, idx, part_r);
}

enum rm_err mime_cache_part_path(const void *blob, size_t len, uint32_t idx,
	uint32_t *path_r, size_t cap, size_t *depth_r)
{
	uint32_t rev[RM_MIME_DEPTH_MAX + 2];
	size_t n = 0;
	struct mime_part p, parent;
	enum rm_err err = mime_cache_part(blob, len, idx, &p);
	while (err == RM_OK) {
		bool multipart = p.kind == MIME_KIND_MULTIPART;
		if (p.parent == MIME_PART_NONE) {
			if (!multipart)
				rev[n++] = 1;
			break;
		}
		if ((err = mime_cache_part(blob, len, p.parent, &parent)) != RM_OK)
			break;
		if (n + 1 >= RM_ARRAY_LEN(rev))
			return RM_ERR_CORRUPT;
		if (parent.kind == MIME_KIND_MULTIPART)
			rev[n++] = p.number;
		else if (!multipart)
			rev[n++] = 1; /* a non-multipart message is part 1 of itself */
		p = parent;
	}
	if (err != RM_OK)
		return err;
	if (n > cap)
		return RM_ERR_LIMIT;
	for (size_t i = 0; i < n; i++)
		path_r[i] = rev[n - 1 - i];
	*depth_r = n;
	return RM_OK;
}
