/* Value codecs of the index (layouts in meta_db.h). */
#include <string.h>

#include "common/util.h"
#include "index/meta_db.h"

void meta_user_enc(uint8_t *out, const struct store_user *u)
{
	rm_le64_put(out, u->id);
	rm_le64_put(out + 8, u->messages);
	rm_le64_put(out + 16, u->size_bytes);
	rm_le32_put(out + 24, u->keywords);
}

enum rm_err meta_user_dec(const MDB_val *v, struct store_user *u)
{
	if (v->mv_size != META_USER_BYTES)
		return RM_ERR_CORRUPT;
	const uint8_t *p = v->mv_data;
	u->id = rm_le64_get(p);
	u->messages = rm_le64_get(p + 8);
	u->size_bytes = rm_le64_get(p + 16);
	u->keywords = rm_le32_get(p + 24);
	return RM_OK;
}

void meta_mailbox_enc(uint8_t *out, const struct store_mailbox *mb)
{
	rm_le64_put(out, mb->id);
	rm_le32_put(out + 8, mb->uidvalidity);
	rm_le32_put(out + 12, mb->special_use);
	rm_le64_put(out + 16, mb->uidnext);
	rm_le64_put(out + 24, mb->highestmodseq);
	rm_le64_put(out + 32, mb->messages);
	rm_le64_put(out + 40, mb->unseen);
	rm_le64_put(out + 48, mb->deleted);
	rm_le64_put(out + 56, mb->size_bytes);
	rm_le64_put(out + 64, mb->vanished_floor_modseq);
	rm_le64_put(out + 72, mb->vanished_count);
}

enum rm_err meta_mailbox_dec(const MDB_val *v, struct store_mailbox *mb)
{
	if (v->mv_size != META_MAILBOX_BYTES)
		return RM_ERR_CORRUPT;
	const uint8_t *p = v->mv_data;
	mb->id = rm_le64_get(p);
	mb->uidvalidity = rm_le32_get(p + 8);
	mb->special_use = rm_le32_get(p + 12);
	mb->uidnext = rm_le64_get(p + 16);
	mb->highestmodseq = rm_le64_get(p + 24);
	mb->messages = rm_le64_get(p + 32);
	mb->unseen = rm_le64_get(p + 40);
	mb->deleted = rm_le64_get(p + 48);
	mb->size_bytes = rm_le64_get(p + 56);
	mb->vanished_floor_modseq = rm_le64_get(p + 64);
	mb->vanished_count = rm_le64_get(p + 72);
	return RM_OK;
}

void meta_msg_enc(struct rm_buf *b, const struct store_msg *m, const uint16_t *kw)
{
	rm_buf_reset(b);
	rm_buf_reserve(b, META_MSG_BYTES + 2u * m->nkeywords);
	uint8_t *p = (uint8_t *)b->data;
	rm_le64_put(p, m->modseq);
	rm_le64_put(p + 8, (uint64_t)m->internal_date_s);
	rm_le64_put(p + 16, (uint64_t)m->save_date_s);
	rm_le64_put(p + 24, m->size_bytes);
	rm_le64_put(p + 32, m->blob_lsn);
	rm_le32_put(p + 40, m->flags);
	rm_le16_put(p + 44, m->nkeywords);
	for (unsigned i = 0; i < m->nkeywords; i++)
		rm_le16_put(p + META_MSG_BYTES + 2 * i, kw[i]);
	b->len = META_MSG_BYTES + 2u * m->nkeywords;
}

enum rm_err meta_msg_dec(const MDB_val *v, struct store_msg *m)
{
	if (v->mv_size < META_MSG_BYTES)
		return RM_ERR_CORRUPT;
	const uint8_t *p = v->mv_data;
	m->modseq = rm_le64_get(p);
	m->internal_date_s = (int64_t)rm_le64_get(p + 8);
	m->save_date_s = (int64_t)rm_le64_get(p + 16);
	m->size_bytes = rm_le64_get(p + 24);
	m->blob_lsn = rm_le64_get(p + 32);
	m->flags = rm_le32_get(p + 40);
	m->nkeywords = rm_le16_get(p + 44);
	m->keywords_le = p + META_MSG_BYTES;
	if (v->mv_size != META_MSG_BYTES + 2u * m->nkeywords)
		return RM_ERR_CORRUPT;
	return RM_OK;
}

void meta_blob_enc(uint8_t *out, const struct meta_blob *b)
{
	rm_le32_put(out, b->seg_no);
	rm_le32_put(out + 4, b->generation);
	rm_le64_put(out + 8, b->offset);
	rm_le64_put(out + 16, b->size_bytes);
	rm_le32_put(out + 24, b->refs);
}

enum rm_err meta_blob_dec(const MDB_val *v, struct meta_blob *b)
{
	if (v->mv_size != META_BLOB_BYTES)
		return RM_ERR_CORRUPT;
	const uint8_t *p = v->mv_data;
	b->seg_no = rm_le32_get(p);
	b->generation = rm_le32_get(p + 4);
	b->offset = rm_le64_get(p + 8);
	b->size_bytes = rm_le64_get(p + 16);
	b->refs = rm_le32_get(p + 24);
	return RM_OK;
}

void meta_segment_enc(uint8_t *out, const struct meta_segment *s)
{
	rm_le32_put(out, s->generation);
	rm_le64_put(out + 4, s->first_lsn);
	rm_le64_put(out + 12, s->last_lsn);
	rm_le64_put(out + 20, s->records);
	rm_le64_put(out + 28, s->total_bytes);
	rm_le64_put(out + 36, s->live_bytes);
}

enum rm_err meta_segment_dec(const MDB_val *v, struct meta_segment *s)
{
	if (v->mv_size != META_SEGMENT_BYTES)
		return RM_ERR_CORRUPT;
	const uint8_t *p = v->mv_data;
	s->generation = rm_le32_get(p);
	s->first_lsn = rm_le64_get(p + 4);
	s->last_lsn = rm_le64_get(p + 12);
	s->records = rm_le64_get(p + 20);
	s->total_bytes = rm_le64_get(p + 28);
	s->live_bytes = rm_le64_get(p + 36);
	return RM_OK;
}
