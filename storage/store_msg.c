/* Messages in: APPEND / LMTP delivery (one blob, many targets) and
 * COPY / MOVE (new entries sharing the source blobs). */
#include "storage/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* Targets of one delivery: an LMTP transaction's recipients of one
 * partition, or one APPEND. */
#define STORE_RCPTS_MAX 1000u

void store_append(struct part *part, struct store_append *rq)
{
	store_submit(part, &rq->req, STORE_OP_APPEND);
}

void store_copy(struct part *part, struct store_copy *rq)
{
	store_submit(part, &rq->req, STORE_OP_COPY);
}

/* The mailbox must exist and belong to the user. */
static enum rm_err rcpt_check(struct store_exec *x, struct store_rcpt *rc)
{
	struct store_mailbox mb;
	if (rc->flags & ~STORE_F_ALL)
		return RM_ERR_INVAL;
	enum rm_err err = store_exec_mailbox(x, rc->user_id, rc->mailbox_id, &mb);
	if (err)
		return err;
	if (mb.uidnext > STORE_UID_MAX)
		return RM_ERR_LIMIT;
	return store_exec_keywords_check(x, rc->user_id, rc->keywords, rc->keyword_lens,
					 rc->nkeywords, true);
}

/* One MSG_ADD entry for a delivered blob. */
static enum rm_err add_delivered(struct store_exec *x, struct store_rcpt *rc, uint64_t blob_lsn,
				 uint64_t size)
{
	uint16_t kw[RM_KEYWORDS_MAX];
	unsigned nkw;
	enum rm_err err = store_exec_keywords(x, rc->user_id, rc->keywords, rc->keyword_lens,
					      rc->nkeywords, true, kw, &nkw);
	struct store_mailbox mb;
	struct meta_counters c;
	if (err == RM_OK)
		err = store_exec_mailbox(x, rc->user_id, rc->mailbox_id, &mb);
	if (err == RM_OK)
		err = store_exec_counters(x, &c);
	if (err)
		return err;
	int64_t now = rm_wall_s();
	struct log_entry e = {
		.uid = (uint32_t)mb.uidnext, .flags = rc->flags, .modseq = c.modseq + 1,
		.internal_date_s = rc->internal_date_s ? rc->internal_date_s : now,
		.save_date_s = now, .blob_lsn = blob_lsn, .size_bytes = size, .nkw = (uint16_t)nkw,
	};
	size_t start = log_rec_msg_begin(&x->b->recs, LOG_T_MSG_ADD, rc->user_id, mb.id);
	log_rec_msg_entry(&x->b->recs, start, &e, kw);
	rc->uid = e.uid;
	rc->modseq = e.modseq;
	store_exec_touch(x, mb.id);
	return store_exec_emit(x, start);
}

enum rm_err store_msg_exec_append(struct store_exec *x, struct store_req *req)
{
	struct store_append *rq = RM_CONTAINER_OF(req, struct store_append, req);
	struct store_msgbuf *msg = rq->msg;
	rq->msg = NULL;
	enum rm_err first = RM_OK;
	unsigned ok = 0;
	if (!msg || rq->nrcpts == 0)
		first = RM_ERR_INVAL;
	else if (rq->nrcpts > STORE_RCPTS_MAX)
		first = RM_ERR_LIMIT;
	for (unsigned i = 0; first == RM_OK && i < rq->nrcpts; i++) {
		struct store_rcpt *rc = &rq->rcpts[i];
		rc->err = rcpt_check(x, rc);
		rc->uid = 0;
		rc->modseq = 0;
		ok += rc->err == RM_OK;
	}
	for (unsigned i = 0; first == RM_OK && ok == 0 && i < rq->nrcpts; i++)
		if (rq->rcpts[i].err)
			first = rq->rcpts[i].err;
	if (first) {
		store_msgbuf_free(&msg);
		return first;
	}
	uint64_t size = msg->size_bytes;
	enum rm_err err = store_exec_emit_blob(x, msg, &rq->blob_lsn);
	for (unsigned i = 0; err == RM_OK && i < rq->nrcpts; i++)
		if (rq->rcpts[i].err == RM_OK)
			err = add_delivered(x, &rq->rcpts[i], rq->blob_lsn, size);
	return err;
}

/* ---- copy and move --------------------------------------------------------- */

/* Appends one entry per present source UID to the MSG_ADD at `start`.
 * Reads only: the map pointers stay valid while the entries are built. */
static enum rm_err copy_entries(struct store_exec *x, struct store_copy *rq, size_t start,
				uint64_t uidnext, uint64_t modseq)
{
	int64_t now = rm_wall_s();
	uint16_t kw[RM_KEYWORDS_MAX];
	rq->copied = 0;
	for (unsigned i = 0; i < rq->nuids; i++) {
		struct store_msg m;
		rq->new_uids[i] = 0;
		enum rm_err err = meta_msg_get(x->t, rq->src_mailbox_id, rq->uids[i], &m);
		if (err == RM_ERR_NOTFOUND)
			continue;
		if (err)
			return err;
		if (uidnext + rq->copied > STORE_UID_MAX)
			return RM_ERR_LIMIT;
		struct log_entry e = {
			.uid = (uint32_t)(uidnext + rq->copied), .flags = m.flags,
			.modseq = modseq + rq->copied, .internal_date_s = m.internal_date_s,
			.save_date_s = now, .blob_lsn = m.blob_lsn, .size_bytes = m.size_bytes,
			.nkw = m.nkeywords,
		};
		for (unsigned k = 0; k < m.nkeywords; k++)
			kw[k] = store_msg_keyword(&m, k);
		log_rec_msg_entry(&x->b->recs, start, &e, kw);
		rq->new_uids[i] = e.uid;
		rq->copied++;
	}
	if (x->b->recs.len - start - LOG_REC_HEADER_BYTES > RM_RECORD_MAX_BYTES)
		return RM_ERR_LIMIT;
	return RM_OK;
}

/* MSG_EXPUNGE of the sources of a MOVE, MODSEQs after the copies'. */
static enum rm_err move_expunge(struct store_exec *x, struct store_copy *rq, uint64_t modseq)
{
	uint32_t *moved = rm_malloc(rq->copied * sizeof(*moved));
	unsigned k = 0;
	for (unsigned i = 0; i < rq->nuids; i++)
		if (rq->new_uids[i] != 0)
			moved[k++] = rq->uids[i];
	uint32_t *uids;
	unsigned n = store_exec_uniq_uids(moved, k, &uids);
	free(moved);
	size_t start = log_rec_msg_begin(&x->b->recs, LOG_T_MSG_EXPUNGE, rq->user_id,
					 rq->src_mailbox_id);
	for (unsigned i = 0; i < n; i++) {
		struct log_entry e = { .uid = uids[i], .modseq = modseq + i };
		log_rec_msg_entry(&x->b->recs, start, &e, NULL);
	}
	free(uids);
	store_exec_touch(x, rq->src_mailbox_id);
	enum rm_err err = store_exec_emit(x, start);
	return err ? err : store_exec_vanished_trim(x, rq->user_id, rq->src_mailbox_id);
}

enum rm_err store_msg_exec_copy(struct store_exec *x, struct store_req *req)
{
	struct store_copy *rq = RM_CONTAINER_OF(req, struct store_copy, req);
	struct store_mailbox src, dst;
	struct meta_counters c;
	if (rq->nuids > RM_STORE_UIDS_PER_REQ_MAX)
		return RM_ERR_LIMIT;
	enum rm_err err = store_exec_mailbox(x, rq->user_id, rq->src_mailbox_id, &src);
	if (err == RM_OK)
		err = store_exec_mailbox(x, rq->user_id, rq->dst_mailbox_id, &dst);
	if (err == RM_OK)
		err = store_exec_counters(x, &c);
	if (err)
		return err;
	rq->dst_uidvalidity = dst.uidvalidity;
	size_t start = log_rec_msg_begin(&x->b->recs, LOG_T_MSG_ADD, rq->user_id, dst.id);
	err = copy_entries(x, rq, start, dst.uidnext, c.modseq + 1);
	if (err || rq->copied == 0) {
		x->b->recs.len = start;       /* nothing emitted: drop the draft */
		return err;
	}
	store_exec_touch(x, dst.id);
	err = store_exec_emit(x, start);
	if (err == RM_OK && rq->move)
		err = move_expunge(x, rq, c.modseq + 1 + rq->copied);
	return err;
}
