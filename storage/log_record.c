#include "storage/log_record.h"

#include <string.h>

#include "common/limits.h"
#include "common/util.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

static const char *const type_names[] = {
	[LOG_T_BLOB] = "BLOB",
	[LOG_T_MSG_ADD] = "MSG_ADD",
	[LOG_T_MSG_FLAGS] = "MSG_FLAGS",
	[LOG_T_MSG_EXPUNGE] = "MSG_EXPUNGE",
	[LOG_T_MBOX_CREATE] = "MBOX_CREATE",
	[LOG_T_MBOX_RENAME] = "MBOX_RENAME",
	[LOG_T_MBOX_DELETE] = "MBOX_DELETE",
	[LOG_T_SUBSCRIBE] = "SUBSCRIBE",
	[LOG_T_USER_CREATE] = "USER_CREATE",
	[LOG_T_USER_DELETE] = "USER_DELETE",
	[LOG_T_KEYWORD] = "KEYWORD",
	[LOG_T_VANISHED_TRIM] = "VANISHED_TRIM",
};

const char *log_type_name(unsigned type)
{
	if (type == 0 || type > LOG_T__MAX)
		return "?";
	return type_names[type];
}

/* ---- encoding ----------------------------------------------------------- */

size_t log_rec_begin(struct rm_buf *b, enum log_type type)
{
	size_t start = b->len;
	uint8_t hdr[LOG_REC_HEADER_BYTES] = {0};
	hdr[5] = (uint8_t)type;
	rm_buf_append(b, hdr, sizeof(hdr));
	return start;
}

void log_rec_put_u16(struct rm_buf *b, uint16_t v)
{
	uint8_t p[2];
	rm_le16_put(p, v);
	rm_buf_append(b, p, sizeof(p));
}

void log_rec_put_u32(struct rm_buf *b, uint32_t v)
{
	uint8_t p[4];
	rm_le32_put(p, v);
	rm_buf_append(b, p, sizeof(p));
}

void log_rec_put_u64(struct rm_buf *b, uint64_t v)
{
	uint8_t p[8];
	rm_le64_put(p, v);
	rm_buf_append(b, p, sizeof(p));
}

void log_rec_put_name(struct rm_buf *b, const char *s, size_t len)
{
	RM_ASSERT(len <= UINT16_MAX);
	log_rec_put_u16(b, (uint16_t)len);
	rm_buf_append(b, s, len);
}

size_t log_rec_msg_begin(struct rm_buf *b, enum log_type type, uint64_t user_id,
			 uint64_t mailbox_id)
{
	RM_ASSERT(type == LOG_T_MSG_ADD || type == LOG_T_MSG_FLAGS || type == LOG_T_MSG_EXPUNGE);
	size_t start = log_rec_begin(b, type);
	log_rec_put_u64(b, user_id);
	log_rec_put_u64(b, mailbox_id);
	log_rec_put_u32(b, 0);
	return start;
}

static void put_keywords(struct rm_buf *b, const struct log_entry *e, const uint16_t *kw)
{
	log_rec_put_u16(b, e->nkw);
	for (unsigned i = 0; i < e->nkw; i++) {
		RM_DEBUG_ASSERT(i == 0 || kw[i - 1] < kw[i]);
		log_rec_put_u16(b, kw[i]);
	}
}

void log_rec_msg_entry(struct rm_buf *b, size_t start, const struct log_entry *e,
		       const uint16_t *kw)
{
	uint8_t type = (uint8_t)b->data[start + 5];
	RM_ASSERT(e->modseq <= LOG_MODSEQ_MAX);
	log_rec_put_u32(b, e->uid);
	if (type == LOG_T_MSG_EXPUNGE) {
		log_rec_put_u64(b, e->modseq);
	} else if (type == LOG_T_MSG_FLAGS) {
		log_rec_put_u32(b, e->flags);
		log_rec_put_u64(b, e->modseq);
		put_keywords(b, e, kw);
	} else {
		log_rec_put_u32(b, e->flags);
		log_rec_put_u64(b, e->modseq);
		log_rec_put_u64(b, (uint64_t)e->internal_date_s);
		log_rec_put_u64(b, (uint64_t)e->save_date_s);
		log_rec_put_u64(b, e->blob_lsn);
		log_rec_put_u64(b, e->size_bytes);
		put_keywords(b, e, kw);
	}
	uint8_t *cnt = (uint8_t *)b->data + start + LOG_REC_HEADER_BYTES + 16;
	rm_le32_put(cnt, rm_le32_get(cnt) + 1);
}

static uint64_t header_checksum(const uint8_t *hdr, uint64_t payload_hash)
{
	return XXH3_64bits_withSeed(hdr, 24, payload_hash);
}

uint64_t log_rec_seal_at(uint8_t *hdr, enum log_type type, uint64_t lsn, uint16_t flags,
			 const void *payload, uint32_t len)
{
	RM_ASSERT(len <= RM_RECORD_MAX_BYTES);
	rm_le32_put(hdr, LOG_REC_MAGIC);
	hdr[4] = LOG_VERSION;
	hdr[5] = (uint8_t)type;
	rm_le16_put(hdr + 6, flags);
	rm_le32_put(hdr + 8, len);
	rm_le32_put(hdr + 12, 0);
	rm_le64_put(hdr + 16, lsn);
	uint64_t ph = XXH3_64bits(payload, len);
	rm_le64_put(hdr + 24, header_checksum(hdr, ph));
	return ph;
}

uint64_t log_rec_seal(struct rm_buf *b, size_t start, uint64_t lsn, uint16_t flags)
{
	RM_ASSERT(b->len >= start + LOG_REC_HEADER_BYTES);
	uint8_t *hdr = (uint8_t *)b->data + start;
	size_t len = b->len - start - LOG_REC_HEADER_BYTES;
	return log_rec_seal_at(hdr, (enum log_type)hdr[5], lsn, flags,
			       hdr + LOG_REC_HEADER_BYTES, (uint32_t)len);
}

void log_rec_set_flags(uint8_t *hdr, uint16_t flags, uint64_t payload_hash)
{
	rm_le16_put(hdr + 6, flags);
	rm_le64_put(hdr + 24, header_checksum(hdr, payload_hash));
}

/* ---- decoding ----------------------------------------------------------- */

enum rm_err log_rec_header_parse(const uint8_t *hdr, uint32_t max_len, struct log_rec *r)
{
	memset(r, 0, sizeof(*r));
	if (rm_le32_get(hdr) != LOG_REC_MAGIC || hdr[4] != LOG_VERSION)
		return RM_ERR_CORRUPT;
	if (hdr[5] == 0 || hdr[5] > LOG_T__MAX)
		return RM_ERR_CORRUPT;
	uint16_t flags = rm_le16_get(hdr + 6);
	if ((flags & ~LOG_F_BATCH_END) != 0 || rm_le32_get(hdr + 12) != 0)
		return RM_ERR_CORRUPT;
	uint32_t len = rm_le32_get(hdr + 8);
	if (len > max_len || len > RM_RECORD_MAX_BYTES)
		return RM_ERR_CORRUPT;
	r->type = hdr[5];
	r->flags = flags;
	r->len = len;
	r->lsn = rm_le64_get(hdr + 16);
	r->checksum = rm_le64_get(hdr + 24);
	return r->lsn == 0 ? RM_ERR_CORRUPT : RM_OK;
}

bool log_rec_verify(const uint8_t *hdr, const uint8_t *payload, uint32_t len)
{
	uint64_t ph = XXH3_64bits(payload, len);
	return header_checksum(hdr, ph) == rm_le64_get(hdr + 24);
}

/* A bounds-checked reader over a payload. */
struct rd {
	const uint8_t *p;
	const uint8_t *end;
	bool bad;
};

static const uint8_t *rd_take(struct rd *d, size_t n)
{
	if (d->bad || (size_t)(d->end - d->p) < n) {
		d->bad = true;
		return NULL;
	}
	const uint8_t *p = d->p;
	d->p += n;
	return p;
}

static uint64_t rd_u64(struct rd *d)
{
	const uint8_t *p = rd_take(d, 8);
	return p ? rm_le64_get(p) : 0;
}

static uint32_t rd_u32(struct rd *d)
{
	const uint8_t *p = rd_take(d, 4);
	return p ? rm_le32_get(p) : 0;
}

static uint16_t rd_u16(struct rd *d)
{
	const uint8_t *p = rd_take(d, 2);
	return p ? rm_le16_get(p) : 0;
}

static const char *rd_name(struct rd *d, uint16_t *len_r)
{
	*len_r = rd_u16(d);
	return (const char *)rd_take(d, *len_r);
}

static size_t entry_fixed_bytes(uint8_t type)
{
	switch (type) {
	case LOG_T_MSG_ADD: return LOG_ADD_ENTRY_BYTES;
	case LOG_T_MSG_FLAGS: return LOG_FLAGS_ENTRY_BYTES;
	default: return LOG_EXPUNGE_ENTRY_BYTES;
	}
}

/* Walks every entry once so that later iteration cannot run out of bounds;
 * keyword ids must be sorted, unique and below RM_KEYWORDS_MAX. */
static bool entries_check(struct rd *d, uint8_t type, uint32_t count)
{
	size_t fixed = entry_fixed_bytes(type);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = rd_take(d, fixed);
		if (!e)
			return false;
		if (type == LOG_T_MSG_EXPUNGE) {
			if (rm_le64_get(e + 4) > LOG_MODSEQ_MAX || rm_le32_get(e) == 0)
				return false;
			continue;
		}
		if (rm_le32_get(e) == 0 || rm_le64_get(e + 8) > LOG_MODSEQ_MAX)
			return false;
		uint16_t nkw = rm_le16_get(e + fixed - 2);
		const uint8_t *kw = rd_take(d, 2u * nkw);
		if (!kw || nkw > RM_KEYWORDS_MAX)
			return false;
		for (unsigned k = 0; k < nkw; k++) {
			uint16_t id = rm_le16_get(kw + 2 * k);
			if (id >= RM_KEYWORDS_MAX || (k > 0 && rm_le16_get(kw + 2 * k - 2) >= id))
				return false;
		}
	}
	return true;
}

enum rm_err log_rec_parse(struct log_rec *r)
{
	struct rd d = { r->payload, r->payload + r->len, false };
	switch (r->type) {
	case LOG_T_BLOB:
		return RM_OK;
	case LOG_T_MSG_ADD:
	case LOG_T_MSG_FLAGS:
	case LOG_T_MSG_EXPUNGE:
		r->user_id = rd_u64(&d);
		r->mailbox_id = rd_u64(&d);
		r->count = rd_u32(&d);
		r->entries = d.p;
		if (d.bad || !entries_check(&d, r->type, r->count))
			return RM_ERR_CORRUPT;
		break;
	case LOG_T_MBOX_CREATE:
		r->user_id = rd_u64(&d);
		r->mailbox_id = rd_u64(&d);
		r->uidvalidity = rd_u32(&d);
		r->special_use = rd_u32(&d);
		r->name = rd_name(&d, &r->name_len);
		break;
	case LOG_T_MBOX_RENAME:
		r->user_id = rd_u64(&d);
		r->mailbox_id = rd_u64(&d);
		r->name = rd_name(&d, &r->name_len);
		break;
	case LOG_T_MBOX_DELETE:
		r->user_id = rd_u64(&d);
		r->mailbox_id = rd_u64(&d);
		break;
	case LOG_T_SUBSCRIBE: {
		r->user_id = rd_u64(&d);
		const uint8_t *on = rd_take(&d, 1);
		r->on = on ? *on : 0;
		r->name = rd_name(&d, &r->name_len);
		if (r->on > 1)
			return RM_ERR_CORRUPT;
		break;
	}
	case LOG_T_USER_CREATE:
		r->user_id = rd_u64(&d);
		r->name = rd_name(&d, &r->name_len);
		break;
	case LOG_T_USER_DELETE:
		r->user_id = rd_u64(&d);
		break;
	case LOG_T_VANISHED_TRIM:
		r->user_id = rd_u64(&d);
		r->mailbox_id = rd_u64(&d);
		r->modseq = rd_u64(&d);
		break;
	case LOG_T_KEYWORD:
		r->user_id = rd_u64(&d);
		r->kw_id = rd_u16(&d);
		r->name = rd_name(&d, &r->name_len);
		if (r->kw_id >= RM_KEYWORDS_MAX)
			return RM_ERR_CORRUPT;
		break;
	default:
		return RM_ERR_CORRUPT;
	}
	/* Trailing bytes mean the writer and reader disagree on the layout. */
	if (d.bad || d.p != d.end)
		return RM_ERR_CORRUPT;
	return RM_OK;
}

enum rm_err log_rec_decode(const uint8_t *p, size_t avail, struct log_rec *r)
{
	if (avail < LOG_REC_HEADER_BYTES)
		return RM_ERR_AGAIN;
	enum rm_err err = log_rec_header_parse(p, RM_RECORD_MAX_BYTES, r);
	if (err)
		return err;
	if (avail - LOG_REC_HEADER_BYTES < r->len)
		return RM_ERR_AGAIN;
	r->payload = p + LOG_REC_HEADER_BYTES;
	if (!log_rec_verify(p, r->payload, r->len))
		return RM_ERR_CORRUPT;
	return log_rec_parse(r);
}

void log_entry_iter_init(struct log_entry_iter *it, const struct log_rec *r)
{
	it->p = r->entries;
	it->end = r->payload + r->len;
	it->left = r->count;
	it->type = r->type;
}

int log_entry_next(struct log_entry_iter *it, struct log_entry *e)
{
	if (it->left == 0)
		return 0;
	memset(e, 0, sizeof(*e));
	const uint8_t *p = it->p;
	e->uid = rm_le32_get(p);
	if (it->type == LOG_T_MSG_EXPUNGE) {
		e->modseq = rm_le64_get(p + 4);
		it->p = p + LOG_EXPUNGE_ENTRY_BYTES;
	} else if (it->type == LOG_T_MSG_FLAGS) {
		e->flags = rm_le32_get(p + 4);
		e->modseq = rm_le64_get(p + 8);
		e->nkw = rm_le16_get(p + 16);
		e->kw_le = p + LOG_FLAGS_ENTRY_BYTES;
		it->p = e->kw_le + 2u * e->nkw;
	} else {
		e->flags = rm_le32_get(p + 4);
		e->modseq = rm_le64_get(p + 8);
		e->internal_date_s = (int64_t)rm_le64_get(p + 16);
		e->save_date_s = (int64_t)rm_le64_get(p + 24);
		e->blob_lsn = rm_le64_get(p + 32);
		e->size_bytes = rm_le64_get(p + 40);
		e->nkw = rm_le16_get(p + 48);
		e->kw_le = p + 50;
		it->p = e->kw_le + 2u * e->nkw;
	}
	RM_ASSERT(it->p <= it->end);
	it->left--;
	return 1;
}
