#include "server/imap/fetch_write.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "index/mime.h"
#include "index/mime_decode.h"
#include "server/imap/imap_date.h"
#include "server/imap/objectid.h"
#include "server/imap/session.h"
#include "server/imap/view.h"

int fetch_u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static enum mime_section_kind section_kind(enum fetch_section_text t)
{
	switch (t) {
	case FS_HEADER:
	case FS_HEADER_FIELDS:
	case FS_HEADER_FIELDS_NOT:
		return MIME_SECTION_HEADER;
	case FS_TEXT:
		return MIME_SECTION_TEXT;
	case FS_MIME:
		return MIME_SECTION_MIME;
	case FS_ALL:
	default:
		return MIME_SECTION_NONE;
	}
}

/* The message range an item covers; false when the section does not
 * exist.  A missing cache means "the whole message" (re-parsed later). */
static bool item_range(const struct fetch_item *it, const struct fetch_msg *m,
		       struct mime_range *r)
{
	if (!m->cache || (it->depth == 0 && it->text == FS_ALL)) {
		r->start = 0;
		r->len = (size_t)m->meta.size_bytes;
		r->encoding = MIME_ENC_BINARY;
		r->part = MIME_PART_NONE;
		return true;
	}
	enum mime_section_kind kind = it->kind == FI_SECTION ? section_kind(it->text) : MIME_SECTION_NONE;
	return mime_section_find(m->cache, m->cache_len, it->part, it->depth, kind, r) == RM_OK;
}

/* Partial fetches of plain sections only need the slice. */
static void item_slice(const struct fetch_item *it, struct mime_range *r)
{
	if (!it->partial || it->kind != FI_SECTION || it->text == FS_HEADER_FIELDS ||
	    it->text == FS_HEADER_FIELDS_NOT)
		return;
	size_t off = RM_MIN((size_t)it->offset, r->len);
	r->start += off;
	r->len = RM_MIN(r->len - off, (size_t)it->length);
}

bool fetch_range(const struct fetch_req *req, const struct fetch_msg *m, size_t *off_r,
		 size_t *len_r)
{
	size_t lo = SIZE_MAX, hi = 0;
	for (unsigned i = 0; i < req->n; i++) {
		const struct fetch_item *it = &req->items[i];
		if (it->kind != FI_SECTION && it->kind != FI_BINARY && it->kind != FI_BINARY_SIZE)
			continue;
		struct mime_range r;
		if (!item_range(it, m, &r))
			continue;
		item_slice(it, &r);
		lo = RM_MIN(lo, r.start);
		hi = RM_MAX(hi, r.start + r.len);
	}
	/* ENVELOPE/BODYSTRUCTURE without a cache: parse the whole message. */
	if (!m->cache) {
		for (unsigned i = 0; i < req->n; i++) {
			enum fetch_item_kind k = req->items[i].kind;
			if (k == FI_ENVELOPE || k == FI_BODY || k == FI_BODYSTRUCTURE) {
				lo = 0;
				hi = RM_MAX(hi, (size_t)m->meta.size_bytes);
			}
		}
	}
	if (lo == SIZE_MAX || hi <= lo) {
		*off_r = *len_r = 0;
		return lo != SIZE_MAX;
	}
	*off_r = lo;
	*len_r = hi - lo;
	return true;
}

static void write_literal(struct rm_buf *out, const char *p, size_t n, bool binary)
{
	bool nul = binary && memchr(p, '\0', n) != NULL;
	rm_buf_printf(out, "%s{%zu}\r\n", nul ? "~" : "", n);
	rm_buf_append(out, p, n);
}

/* The bytes of [start, start+len) of the message from what was read. */
static const char *bytes_at(const struct fetch_msg *m, size_t start, size_t len)
{
	if (len == 0)
		return "";
	if (!m->body || start < m->body_off || start + len > m->body_off + m->body_len)
		return NULL;
	return m->body + (start - m->body_off);
}

static bool write_section(struct rm_buf *out, const struct fetch_item *it,
			  const struct fetch_msg *m)
{
	struct mime_range r;
	rm_buf_puts(out, it->resp_name);
	if (it->partial)
		rm_buf_printf(out, "<%u>", it->offset);
	rm_buf_putc(out, ' ');
	if (!item_range(it, m, &r)) {
		/* A section that does not exist reads as empty (as other
		 * servers answer it; nstring allows NIL too). */
		rm_buf_puts(out, "{0}\r\n");
		return true;
	}
	struct rm_buf tmp = { 0 };
	const char *data;
	size_t len;
	if (it->kind == FI_SECTION &&
	    (it->text == FS_HEADER_FIELDS || it->text == FS_HEADER_FIELDS_NOT)) {
		const char *hdr = bytes_at(m, r.start, r.len);
		if (hdr)
			mime_header_fields(hdr, r.len, it->fields, it->nfields,
					   it->text == FS_HEADER_FIELDS_NOT, &tmp);
		data = tmp.data ? tmp.data : "";
		len = tmp.len;
		if (it->partial) {
			size_t off = RM_MIN((size_t)it->offset, len);
			data += off;
			len = RM_MIN(len - off, (size_t)it->length);
		}
	} else {
		item_slice(it, &r);
		data = bytes_at(m, r.start, r.len);
		len = r.len;
		if (!data) {
			data = "";
			len = 0;
		}
	}
	write_literal(out, data, len, false);
	rm_buf_free(&tmp);
	return true;
}

/* BINARY[...] and BINARY.SIZE[...]: the section with its transfer encoding
 * undone (RFC 3516). */
static bool write_binary(struct rm_buf *out, const struct fetch_item *it,
			 const struct fetch_msg *m)
{
	struct mime_range r;
	if (!item_range(it, m, &r)) {
		rm_buf_puts(out, it->resp_name);
		rm_buf_puts(out, it->kind == FI_BINARY_SIZE ? " 0" : " NIL");
		return true;
	}
	if (r.encoding == MIME_ENC_UNKNOWN)
		return false;
	const char *raw = bytes_at(m, r.start, r.len);
	struct rm_buf dec = { 0 };
	const char *data = raw ? raw : "";
	size_t len = raw ? r.len : 0;
	if (raw && (r.encoding == MIME_ENC_BASE64 || r.encoding == MIME_ENC_QP)) {
		if (r.encoding == MIME_ENC_BASE64)
			mime_decode_base64(raw, r.len, &dec);
		else
			mime_decode_qp(raw, r.len, &dec);
		data = dec.data ? dec.data : "";
		len = dec.len;
	}
	rm_buf_puts(out, it->resp_name);
	if (it->kind == FI_BINARY_SIZE) {
		rm_buf_printf(out, " %zu", len);
	} else {
		if (it->partial) {
			rm_buf_printf(out, "<%u>", it->offset);
			size_t off = RM_MIN((size_t)it->offset, len);
			data += off;
			len = RM_MIN(len - off, (size_t)it->length);
		}
		rm_buf_putc(out, ' ');
		write_literal(out, data, len, true);
	}
	rm_buf_free(&dec);
	return true;
}

static void write_structure(struct rm_buf *out, const struct fetch_item *it,
			    const struct fetch_msg *m)
{
	const char *p = NULL;
	size_t n = 0;
	enum rm_err err;
	if (it->kind == FI_ENVELOPE)
		err = mime_cache_envelope(m->cache, m->cache_len, &p, &n);
	else
		err = mime_cache_body(m->cache, m->cache_len, it->kind == FI_BODYSTRUCTURE, &p, &n);
	rm_buf_puts(out, it->resp_name);
	rm_buf_putc(out, ' ');
	if (err == RM_OK)
		rm_buf_append(out, p, n);
	else if (it->kind == FI_ENVELOPE)
		rm_buf_puts(out, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	else
		rm_buf_puts(out, "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0)");
}

bool fetch_write(struct imap_session *s, struct store_view *v, const struct fetch_req *req,
		 bool uid_cmd, const struct fetch_msg *m, struct rm_buf *out)
{
	size_t mark = out->len;
	rm_buf_append(out, "* ", 2);
	rm_buf_put_u64(out, m->seq);
	rm_buf_append(out, " FETCH (", 8);
	bool first = true;
	bool has_uid = false, has_flags = false;
	for (unsigned i = 0; i < req->n; i++) {
		has_uid |= req->items[i].kind == FI_UID;
		has_flags |= req->items[i].kind == FI_FLAGS;
	}
	/* UID FETCH always reports UID (RFC 9051 §6.4.9); a FETCH that set
	 * \Seen reports the new FLAGS (§6.4.5). */
	if (uid_cmd && !has_uid) {
		rm_buf_append(out, "UID ", 4);
		rm_buf_put_u64(out, m->uid);
		first = false;
	}
	if (m->seen_set && !has_flags) {
		/* RFC 7162 §3.2.4: with CONDSTORE, the FETCH that reports an
		 * implicit \Seen also carries UID (QRESYNC) and MODSEQ. */
		if ((s->enabled & IMAP_EN_QRESYNC) && !has_uid && !uid_cmd) {
			rm_buf_printf(out, "%sUID %u", first ? "" : " ", m->uid);
			first = false;
		}
		rm_buf_puts(out, first ? "FLAGS " : " FLAGS ");
		view_write_flags(out, v, s->user_id, &m->meta, m->recent);
		if ((s->enabled & IMAP_EN_CONDSTORE) && !fetch_req_has(req, FI_MODSEQ))
			rm_buf_printf(out, " MODSEQ (%llu)", (unsigned long long)m->meta.modseq);
		first = false;
	}
	for (unsigned i = 0; i < req->n; i++) {
		const struct fetch_item *it = &req->items[i];
		if (!first)
			rm_buf_putc(out, ' ');
		first = false;
		switch (it->kind) {
		case FI_UID:
			rm_buf_append(out, "UID ", 4);
			rm_buf_put_u64(out, m->uid);
			break;
		case FI_FLAGS:
			rm_buf_puts(out, "FLAGS ");
			view_write_flags(out, v, s->user_id, &m->meta, m->recent);
			break;
		case FI_INTERNALDATE:
			rm_buf_puts(out, "INTERNALDATE ");
			imap_write_datetime(out, m->meta.internal_date_s, 0);
			break;
		case FI_SAVEDATE:
			rm_buf_puts(out, "SAVEDATE ");
			imap_write_datetime(out, m->meta.save_date_s, 0);
			break;
		case FI_RFC822_SIZE:
			rm_buf_append(out, "RFC822.SIZE ", 12);
			rm_buf_put_u64(out, m->meta.size_bytes);
			break;
		case FI_MODSEQ:
			rm_buf_append(out, "MODSEQ (", 8);
			rm_buf_put_u64(out, m->meta.modseq);
			rm_buf_putc(out, ')');
			break;
		case FI_EMAILID:
			rm_buf_puts(out, "EMAILID (");
			objectid_email(out, s->partition, m->meta.blob_lsn);
			rm_buf_putc(out, ')');
			break;
		case FI_THREADID:
			rm_buf_puts(out, "THREADID (");
			objectid_thread(out, s->partition, m->meta.blob_lsn, m->cache, m->cache_len);
			rm_buf_putc(out, ')');
			break;
		case FI_ENVELOPE:
		case FI_BODY:
		case FI_BODYSTRUCTURE:
			write_structure(out, it, m);
			break;
		case FI_SECTION:
			write_section(out, it, m);
			break;
		case FI_BINARY:
		case FI_BINARY_SIZE:
			if (!write_binary(out, it, m)) {
				out->len = mark;
				return false;
			}
			break;
		}
	}
	rm_buf_append(out, ")\r\n", 3);
	return true;
}

/* UIDs of set (resolved), above `above` and below uidnext, that are not in
 * the mailbox: what a client older than the history's floor must be told
 * (RFC 7162 §5.1; a UID that never existed may be named, §3.2.5.1).
 * Appended to ranges as ascending, disjoint seq_ranges: one per gap
 * between messages, so memory follows the mailbox, not the UID space. */
static void vanished_absent(struct store_view *v, uint64_t mailbox_id, uint64_t uidnext,
			    const struct seqset *set, uint32_t above, struct rm_buf *ranges)
{
	uint32_t last = (uint32_t)RM_MIN(uidnext - 1, (uint64_t)UINT32_MAX);
	if (uidnext <= 1 || above >= last)
		return;
	struct store_iter *it;
	if (store_view_msgs(v, mailbox_id, above + 1, &it) != RM_OK)
		return;
	struct store_msg m;
	int rc = store_iter_msg(it, &m);
	for (size_t i = 0; i < set->n && rc >= 0; i++) {
		uint64_t u = RM_MAX(set->r[i].lo, (uint64_t)above + 1);
		uint64_t hi = RM_MIN(set->r[i].hi, last);
		while (u <= hi) {
			while (rc == 1 && m.uid < u)
				rc = store_iter_msg(it, &m);
			if (rc < 0) {
				ranges->len = 0;   /* unreadable: name nothing rather than too much */
				break;
			}
			uint64_t gap_end = rc == 1 && m.uid <= hi ? (uint64_t)m.uid - 1 : hi;
			if (gap_end >= u) {
				struct seq_range r = { (uint32_t)u, (uint32_t)gap_end };
				struct seq_range *prev = ranges->len ?
					(struct seq_range *)(void *)(ranges->data + ranges->len - sizeof(r)) : NULL;
				if (prev && (uint64_t)prev->hi + 1 == r.lo)
					prev->hi = r.hi;
				else
					rm_buf_append(ranges, &r, sizeof(r));
			}
			u = gap_end + 2;   /* past the message at gap_end + 1, or past hi */
		}
	}
	store_iter_free(&it);
}

static void write_vanished_earlier(struct imap_session *s, const struct seqset *vs)
{
	struct rm_buf *out = imap_out(s);
	rm_buf_puts(out, "* VANISHED (EARLIER) ");
	seqset_write(vs, out);
	rm_buf_append(out, "\r\n", 2);
	conn_mark_dirty(s->c);
}

void fetch_write_vanished(struct imap_session *s, const struct seqset *set, uint64_t since,
			  uint32_t above)
{
	struct store_view *v;
	if (store_view_begin(session_part(s), &v) != RM_OK)
		return;
	struct store_iter *it;
	struct rm_buf uids = { 0 };
	struct store_mailbox mb;
	if (store_view_mailbox_by_id(v, s->view->mailbox_id, &mb) != RM_OK) {
		store_view_end(&v);
		return;
	}
	if (since < mb.vanished_floor_modseq) {
		/* The history was trimmed past what the client knows. */
		struct rm_buf ranges = { 0 };
		vanished_absent(v, mb.id, mb.uidnext, set, above, &ranges);
		store_view_end(&v);
		if (ranges.len) {
			struct seqset vs = { .r = (struct seq_range *)(void *)ranges.data,
					     .n = ranges.len / sizeof(struct seq_range) };
			write_vanished_earlier(s, &vs);
		}
		rm_buf_free(&ranges);
		return;
	}
	if (store_view_vanished(v, mb.id, since, &it) == RM_OK) {
		/* Collected, sorted and compressed: the history is in MODSEQ
		 * order, the response wants a UID set. */
		uint32_t uid;
		uint64_t modseq;
		while (store_iter_vanished(it, &uid, &modseq) == 1)
			if (seqset_contains(set, uid))
				rm_buf_append(&uids, &uid, sizeof(uid));
		store_iter_free(&it);
	}
	store_view_end(&v);
	size_t n = uids.len / sizeof(uint32_t);
	if (n) {
		uint32_t *u = (uint32_t *)(void *)uids.data;
		qsort(u, n, sizeof(*u), fetch_u32_cmp);
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (!k || u[k - 1] != u[i])
				u[k++] = u[i];
		struct seqset vs;
		seqset_from_sorted(&vs, u, k, &s->arena);
		write_vanished_earlier(s, &vs);
	}
	rm_buf_free(&uids);
}
