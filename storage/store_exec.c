/*
 * store_exec.c — turning a request into records.  Each op's exec function
 * validates against the index as the batch's write transaction sees it
 * (earlier requests of the same batch included), then emits records; every
 * emitted record is sealed, decoded again (the check before writing), and
 * applied to the index by the same meta_apply() that replay uses.
 */
#include "storage/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

_Static_assert(offsetof(struct store_msgbuf, data) ==
	       offsetof(struct store_msgbuf, hdr) + LOG_REC_HEADER_BYTES, "msgbuf layout");

typedef enum rm_err exec_fn(struct store_exec *x, struct store_req *req);

static exec_fn *const exec_table[STORE_OP__COUNT] = {
	[STORE_OP_USER_CREATE] = store_user_exec_create,
	[STORE_OP_USER_DELETE] = store_user_exec_delete,
	[STORE_OP_MBOX_CREATE] = store_mailbox_exec_create,
	[STORE_OP_MBOX_RENAME] = store_mailbox_exec_rename,
	[STORE_OP_MBOX_DELETE] = store_mailbox_exec_delete,
	[STORE_OP_SUBSCRIBE] = store_mailbox_exec_subscribe,
	[STORE_OP_APPEND] = store_msg_exec_append,
	[STORE_OP_COPY] = store_msg_exec_copy,
	[STORE_OP_FLAGS] = store_flags_exec_store,
	[STORE_OP_EXPUNGE] = store_flags_exec_expunge,
	[STORE_OP_COMPACT_SWAP] = compact_exec_swap,
};

enum rm_err store_exec_req(struct store_exec *x, struct store_req *req)
{
	unsigned op = req->op_ & STORE_OP_MASK;
	RM_ASSERT(op < STORE_OP__COUNT);
	if (req->op_ & STORE_OP_F_REFUSED) {
		store_exec_refuse(req);
		req->op_ |= STORE_OP_F_EXECUTED;
		return req->err;
	}
	req->op_ |= STORE_OP_F_EXECUTED;
	return exec_table[op](x, req);
}

static void add_piece(struct store_batch *b, struct store_msgbuf *mb, size_t off, size_t len)
{
	if (!mb && b->npieces > 0) {
		struct store_piece *last = &b->pieces[b->npieces - 1];
		if (!last->mb && last->off + last->len == off) {
			last->len += len;
			return;
		}
	}
	if (b->npieces == b->cap_pieces) {
		b->cap_pieces = b->cap_pieces ? b->cap_pieces * 2 : 16;
		b->pieces = rm_realloc(b->pieces, b->cap_pieces * sizeof(*b->pieces));
	}
	b->pieces[b->npieces++] = (struct store_piece){ mb, off, len };
}

static enum rm_err apply_emitted(struct store_exec *x, const struct log_rec *r)
{
	struct part *part = x->part;
	struct meta_pos pos = { part->seg_no, part->seg_gen, part->tail + x->b->bytes };
	x->emitted = true;
	enum rm_err err = meta_apply(x->t, r, &pos);
	if (err == RM_ERR_CORRUPT) {
		/* The request was validated against this same transaction. */
		rm_log(RM_LOG_CRIT, "store_apply_rejected", "part=%u lsn=%llu type=%s", part->p,
		       (unsigned long long)r->lsn, log_type_name(r->type));
	}
	if (err)
		return err;
	x->b->bytes += LOG_REC_HEADER_BYTES + r->len;
	x->b->nrecords++;
	x->b->dirty = true;
	return RM_OK;
}

enum rm_err store_exec_emit(struct store_exec *x, size_t start)
{
	struct store_batch *b = x->b;
	uint64_t lsn = x->part->next_lsn++;
	uint64_t hash = log_rec_seal(&b->recs, start, lsn, 0);
	struct log_rec r;
	enum rm_err err = log_rec_decode((const uint8_t *)b->recs.data + start, b->recs.len - start, &r);
	RM_ASSERT(err == RM_OK && r.lsn == lsn);
	err = apply_emitted(x, &r);
	if (err)
		return err;
	add_piece(b, NULL, start, b->recs.len - start);
	b->last_hdr_mb = NULL;
	b->last_off = start;
	b->last_hash = hash;
	return RM_OK;
}

enum rm_err store_exec_emit_blob(struct store_exec *x, struct store_msgbuf *mb, uint64_t *lsn_r)
{
	struct store_batch *b = x->b;
	uint64_t lsn = x->part->next_lsn++;
	uint64_t hash = log_rec_seal_at(mb->hdr, LOG_T_BLOB, lsn, 0, mb->data,
					(uint32_t)mb->size_bytes);
	struct log_rec r;
	enum rm_err err = log_rec_header_parse(mb->hdr, RM_RECORD_MAX_BYTES, &r);
	RM_ASSERT(err == RM_OK && r.lsn == lsn && r.len == mb->size_bytes);
	r.payload = (const uint8_t *)mb->data;
	/* The batch owns the buffer from here, whatever happens next. */
	add_piece(b, mb, 0, LOG_REC_HEADER_BYTES + mb->size_bytes);
	err = apply_emitted(x, &r);
	if (err)
		return err;
	b->last_hdr_mb = mb->hdr;
	b->last_hash = hash;
	*lsn_r = lsn;
	return RM_OK;
}

void store_exec_touch(struct store_exec *x, uint64_t mailbox_id)
{
	struct store_batch *b = x->b;
	for (unsigned i = 0; i < b->ntouched; i++)
		if (b->touched[i] == mailbox_id)
			return;
	if (b->ntouched == b->cap_touched) {
		b->cap_touched = b->cap_touched ? b->cap_touched * 2 : 16;
		b->touched = rm_realloc(b->touched, b->cap_touched * sizeof(*b->touched));
	}
	b->touched[b->ntouched++] = mailbox_id;
}

enum rm_err store_exec_mailbox(struct store_exec *x, uint64_t user_id, uint64_t mailbox_id,
			       struct store_mailbox *mb_r)
{
	struct store_mailbox mb;
	enum rm_err err = meta_mailbox_by_id(x->t, mailbox_id, &mb);
	if (err == RM_OK && mb.user_id != user_id)
		err = RM_ERR_NOTFOUND;
	if (err == RM_OK && mb_r)
		*mb_r = mb;
	return err;
}

enum rm_err store_exec_counters(struct store_exec *x, struct meta_counters *c)
{
	return meta_counters_get(x->t, c);
}

uint32_t store_exec_uidvalidity(const struct meta_counters *c)
{
	if (c->uidvalidity == UINT32_MAX)
		return 0;
	int64_t now = rm_wall_s();
	uint64_t v = (uint64_t)c->uidvalidity + 1;
	if (now > 0 && (uint64_t)now > v && (uint64_t)now <= UINT32_MAX)
		v = (uint64_t)now;
	return (uint32_t)v;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

unsigned store_exec_uniq_uids(const uint32_t *uids, unsigned n, uint32_t **out_r)
{
	uint32_t *v = rm_malloc((n ? n : 1) * sizeof(*v));
	if (n)
		memcpy(v, uids, n * sizeof(*v));
	qsort(v, n, sizeof(*v), u32_cmp);
	unsigned j = 0;
	for (unsigned i = 0; i < n; i++)
		if (j == 0 || v[i] != v[j - 1])
			v[j++] = v[i];
	*out_r = v;
	return j;
}

/* ---- keywords ------------------------------------------------------------- */

static int u16_cmp(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Sorts ids and drops duplicates; returns the new count. */
static unsigned ids_normalize(uint16_t *ids, unsigned n)
{
	if (n < 2)
		return n;
	qsort(ids, n, sizeof(*ids), u16_cmp);
	unsigned j = 1;
	for (unsigned i = 1; i < n; i++)
		if (ids[i] != ids[j - 1])
			ids[j++] = ids[i];
	return j;
}

enum rm_err store_exec_vanished_trim(struct store_exec *x, uint64_t user_id, uint64_t mailbox_id)
{
	uint64_t keep = x->part->store->opts.vanished_keep;
	struct store_mailbox mb;
	if (keep == 0)
		return RM_OK;
	enum rm_err err = meta_mailbox_by_id(x->t, mailbox_id, &mb);
	if (err || mb.vanished_count <= keep + keep / RM_VANISHED_TRIM_SLACK_DIV)
		return err;
	/* The MODSEQ of the (count - keep)th oldest expunge becomes the floor:
	 * every expunge has a MODSEQ of its own, so exactly keep remain. */
	uint64_t drop = mb.vanished_count - keep, seen = 0, floor = 0;
	struct meta_iter *it;
	err = meta_iter_vanished(x->t, mailbox_id, mb.vanished_floor_modseq, &it);
	if (err)
		return err;
	uint32_t uid;
	int rc;
	while (seen < drop && (rc = meta_iter_vanished_next(it, &uid, &floor)) == 1)
		seen++;
	meta_iter_free(&it);
	if (seen < drop) {
		/* The count disagrees with the history (`ringmail verify` says
		 * so, `reindex` repairs it): keep everything, fail nothing. */
		rm_log(RM_LOG_WARN, "vanished_count_mismatch", "part=%u mailbox=%llu count=%llu seen=%llu",
		       x->part->p, (unsigned long long)mailbox_id,
		       (unsigned long long)mb.vanished_count, (unsigned long long)seen);
		return RM_OK;
	}
	size_t start = log_rec_begin(&x->b->recs, LOG_T_VANISHED_TRIM);
	log_rec_put_u64(&x->b->recs, user_id);
	log_rec_put_u64(&x->b->recs, mailbox_id);
	log_rec_put_u64(&x->b->recs, floor);
	return store_exec_emit(x, start);
}

static bool keyword_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > RM_KEYWORD_MAX_BYTES)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] <= 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

static enum rm_err define_keyword(struct store_exec *x, uint64_t user_id, const char *name,
				  size_t len, uint16_t *id_r)
{
	struct store_user u;
	enum rm_err err = meta_user_by_id(x->t, user_id, &u);
	if (err)
		return err;
	if (u.keywords >= RM_KEYWORDS_MAX)
		return RM_ERR_LIMIT;
	size_t start = log_rec_begin(&x->b->recs, LOG_T_KEYWORD);
	log_rec_put_u64(&x->b->recs, user_id);
	log_rec_put_u16(&x->b->recs, (uint16_t)u.keywords);
	log_rec_put_name(&x->b->recs, name, len);
	*id_r = (uint16_t)u.keywords;
	return store_exec_emit(x, start);
}

enum rm_err store_exec_keywords_check(struct store_exec *x, uint64_t user_id,
				      const char *const *names, const size_t *lens, unsigned n,
				      bool create)
{
	if (n > RM_KEYWORDS_MAX)
		return RM_ERR_LIMIT;
	unsigned missing = 0;
	for (unsigned i = 0; i < n; i++) {
		uint16_t id;
		if (!keyword_name_ok(names[i], lens[i]))
			return RM_ERR_INVAL;
		enum rm_err err = meta_keyword_id(x->t, user_id, names[i], lens[i], &id);
		if (err && err != RM_ERR_NOTFOUND)
			return err;
		missing += err == RM_ERR_NOTFOUND;
	}
	struct store_user u;
	enum rm_err err = meta_user_by_id(x->t, user_id, &u);
	if (err)
		return err;
	return create && u.keywords + missing > RM_KEYWORDS_MAX ? RM_ERR_LIMIT : RM_OK;
}

enum rm_err store_exec_keywords(struct store_exec *x, uint64_t user_id, const char *const *names,
				const size_t *lens, unsigned n, bool create, uint16_t *ids_r,
				unsigned *nids_r)
{
	unsigned k = 0;
	for (unsigned i = 0; i < n; i++) {
		uint16_t id;
		enum rm_err err = meta_keyword_id(x->t, user_id, names[i], lens[i], &id);
		if (err == RM_ERR_NOTFOUND && !create)
			continue;
		if (err == RM_ERR_NOTFOUND)
			err = define_keyword(x, user_id, names[i], lens[i], &id);
		if (err)
			return err;
		ids_r[k++] = id;
	}
	*nids_r = ids_normalize(ids_r, k);
	return RM_OK;
}

void store_exec_refuse(struct store_req *req)
{
	if ((req->op_ & STORE_OP_MASK) == STORE_OP_APPEND) {
		struct store_append *rq = RM_CONTAINER_OF(req, struct store_append, req);
		store_msgbuf_free(&rq->msg);
	}
}
