/* STORE (flags and keywords, with RFC 7162 UNCHANGEDSINCE) and EXPUNGE. */
#include "storage/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

void store_flags(struct part *part, struct store_flags *rq)
{
	store_submit(part, &rq->req, STORE_OP_FLAGS);
}

void store_expunge(struct part *part, struct store_expunge *rq)
{
	store_submit(part, &rq->req, STORE_OP_EXPUNGE);
}

/* The keyword set after the operation; both inputs sorted and unique. */
static unsigned kw_merge(enum store_flags_mode mode, const struct store_msg *m,
			 const uint16_t *ids, unsigned nids, uint16_t *out)
{
	if (mode == STORE_FLAGS_REPLACE) {
		memcpy(out, ids, nids * sizeof(*ids));
		return nids;
	}
	unsigned i = 0, j = 0, n = 0;
	while (i < m->nkeywords || (mode == STORE_FLAGS_ADD && j < nids)) {
		uint16_t a = i < m->nkeywords ? store_msg_keyword(m, i) : UINT16_MAX;
		uint16_t b = j < nids ? ids[j] : UINT16_MAX;
		if (i < m->nkeywords && a < b) {
			out[n++] = a;
			i++;
		} else if (a == b) {
			if (mode == STORE_FLAGS_ADD)
				out[n++] = a;
			i++;
			j++;
		} else {
			if (mode == STORE_FLAGS_ADD)
				out[n++] = b;
			j++;
		}
	}
	return n;
}

static bool kw_equal(const struct store_msg *m, const uint16_t *kw, unsigned n)
{
	if (m->nkeywords != n)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (store_msg_keyword(m, i) != kw[i])
			return false;
	return true;
}

static uint32_t flags_apply(enum store_flags_mode mode, uint32_t old, uint32_t f)
{
	switch (mode) {
	case STORE_FLAGS_ADD: return old | f;
	case STORE_FLAGS_REMOVE: return old & ~f;
	default: return f;
	}
}

/* Fills one result and, when the message changes, appends its entry. */
static enum rm_err flags_one(struct store_exec *x, struct store_flags *rq, unsigned i, size_t start,
			     const uint16_t *ids, unsigned nids, uint64_t *modseq)
{
	struct store_flag_result *res = &rq->results[i];
	struct store_msg m;
	enum rm_err err = meta_msg_get(x->t, rq->mailbox_id, rq->uids[i], &m);
	*res = (struct store_flag_result){ 0, 0, STORE_FLAG_ABSENT };
	if (err == RM_ERR_NOTFOUND)
		return RM_OK;
	if (err)
		return err;
	res->flags = m.flags;
	res->modseq = m.modseq;
	if (rq->unchangedsince && m.modseq > rq->unchangedsince) {
		res->status = STORE_FLAG_MODIFIED;
		return RM_OK;
	}
	uint16_t kw[RM_KEYWORDS_MAX];
	unsigned nkw = kw_merge(rq->mode, &m, ids, nids, kw);
	uint32_t flags = flags_apply(rq->mode, m.flags, rq->flags);
	if (flags == m.flags && kw_equal(&m, kw, nkw)) {
		res->status = STORE_FLAG_UNCHANGED;
		return RM_OK;
	}
	struct log_entry e = { .uid = rq->uids[i], .flags = flags, .modseq = (*modseq)++,
			       .nkw = (uint16_t)nkw };
	log_rec_msg_entry(&x->b->recs, start, &e, kw);
	*res = (struct store_flag_result){ flags, e.modseq, STORE_FLAG_CHANGED };
	return RM_OK;
}

enum rm_err store_flags_exec_store(struct store_exec *x, struct store_req *req)
{
	struct store_flags *rq = RM_CONTAINER_OF(req, struct store_flags, req);
	bool create = rq->mode != STORE_FLAGS_REMOVE;
	if ((rq->flags & ~STORE_F_ALL) || rq->mode > STORE_FLAGS_REPLACE)
		return RM_ERR_INVAL;
	if (rq->nuids > RM_STORE_UIDS_PER_REQ_MAX)
		return RM_ERR_LIMIT;
	enum rm_err err = store_exec_mailbox(x, rq->user_id, rq->mailbox_id, NULL);
	if (err == RM_OK)
		err = store_exec_keywords_check(x, rq->user_id, rq->keywords, rq->keyword_lens,
						rq->nkeywords, create);
	if (err)
		return err;
	uint16_t ids[RM_KEYWORDS_MAX];
	unsigned nids;
	struct meta_counters c;
	err = store_exec_keywords(x, rq->user_id, rq->keywords, rq->keyword_lens, rq->nkeywords,
				  create, ids, &nids);
	if (err == RM_OK)
		err = store_exec_counters(x, &c);
	if (err)
		return err;
	uint64_t modseq = c.modseq + 1;
	size_t start = log_rec_msg_begin(&x->b->recs, LOG_T_MSG_FLAGS, rq->user_id, rq->mailbox_id);
	for (unsigned i = 0; err == RM_OK && i < rq->nuids; i++)
		err = flags_one(x, rq, i, start, ids, nids, &modseq);
	if (err == RM_OK && x->b->recs.len - start - LOG_REC_HEADER_BYTES > RM_RECORD_MAX_BYTES)
		err = RM_ERR_LIMIT;
	if (err || modseq == c.modseq + 1) {
		x->b->recs.len = start;        /* no change: no record */
		return err;
	}
	store_exec_touch(x, rq->mailbox_id);
	return store_exec_emit(x, start);
}

enum rm_err store_flags_exec_expunge(struct store_exec *x, struct store_req *req)
{
	struct store_expunge *rq = RM_CONTAINER_OF(req, struct store_expunge, req);
	struct meta_counters c;
	rq->expunged = 0;
	if (rq->nuids > RM_STORE_UIDS_PER_REQ_MAX)
		return RM_ERR_LIMIT;
	enum rm_err err = store_exec_mailbox(x, rq->user_id, rq->mailbox_id, NULL);
	if (err == RM_OK)
		err = store_exec_counters(x, &c);
	if (err)
		return err;
	/* A UID named twice must not be expunged twice. */
	uint32_t *uids;
	unsigned n = store_exec_uniq_uids(rq->uids, rq->nuids, &uids);
	size_t start = log_rec_msg_begin(&x->b->recs, LOG_T_MSG_EXPUNGE, rq->user_id,
					 rq->mailbox_id);
	unsigned count = 0;
	for (unsigned i = 0; err == RM_OK && i < n; i++) {
		struct store_msg m;
		err = meta_msg_get(x->t, rq->mailbox_id, uids[i], &m);
		if (err == RM_ERR_NOTFOUND) {
			err = RM_OK;
			continue;
		}
		struct log_entry e = { .uid = uids[i], .modseq = c.modseq + 1 + count++ };
		if (err == RM_OK)
			log_rec_msg_entry(&x->b->recs, start, &e, NULL);
	}
	free(uids);
	if (err || count == 0) {
		x->b->recs.len = start;
		return err;
	}
	rq->expunged = count;
	store_exec_touch(x, rq->mailbox_id);
	err = store_exec_emit(x, start);
	return err ? err : store_exec_vanished_trim(x, rq->user_id, rq->mailbox_id);
}
