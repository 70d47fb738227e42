/* The full-text index through the engine: reads for search, the switch,
 * and when the in-memory postings are merged into LMDB (index/meta_fts.c
 * holds the format and the work).
 *
 * Policy, per partition: a merge generation starts when the tail holds
 * fts_merge_bytes of document text, or when the partition has gone
 * fts_merge_idle_ms without a commit (10 minutes for a tail under 1/16 of
 * fts_merge_bytes); then every group commit carries one
 * bounded step, run after its log write is submitted so it overlaps the
 * fdatasync, and an idle partition runs steps alone, one per loop turn
 * (store_fts_maybe_merge).  Steps grow when the tail outgrows a generation
 * while one is still being merged, so merging keeps up with any rate. */
#include "storage/store_int.h"

#include "common/log.h"
#include "common/util.h"

void store_set_fts_index(bool on)
{
	meta_fts_enabled = on;
}

uint64_t store_view_fts_from(struct store_view *v)
{
	return meta_fts_from(store_view_txn(v));
}

uint64_t store_view_fts_merged(struct store_view *v)
{
	return meta_fts_merged(store_view_txn(v));
}

enum rm_err store_view_fts_doc(struct store_view *v, uint64_t blob_lsn, const void **p_r,
			       size_t *len_r)
{
	return meta_fts_doc_get(store_view_txn(v), blob_lsn, p_r, len_r);
}

enum rm_err store_view_fts_postings(struct store_view *v, uint32_t trigram, uint64_t **lsns_r,
				    size_t *n_r)
{
	return meta_fts_postings(store_view_txn(v), trigram, lsns_r, n_r);
}

/* ---- merge policy ----------------------------------------------------------- */

void store_fts_set_policy(struct part *part, uint64_t merge_bytes, uint64_t idle_ms,
			  uint64_t step_lists, uint64_t step_pairs)
{
	part->fts_merge_bytes = merge_bytes;
	part->fts_merge_idle_ms = idle_ms;
	part->fts_step_lists = step_lists;
	part->fts_step_pairs = step_pairs;
}

static uint64_t merge_bytes(const struct part *part)
{
	return part->fts_merge_bytes ? part->fts_merge_bytes : RM_FTS_MERGE_BYTES;
}

bool store_fts_merge_due(struct part *part, uint64_t now_ms)
{
	if (part->read_only || !part->loop)
		return false;
	struct meta_fts_tail_stats st;
	meta_fts_tail_stats(part->meta, &st);
	if (st.merging || st.bytes >= merge_bytes(part) || st.docs >= RM_FTS_MERGE_DOCS)
		return true;
	uint64_t idle = part->fts_merge_idle_ms ? part->fts_merge_idle_ms : RM_FTS_MERGE_IDLE_MS;
	if ((!st.docs && !st.recount) || idle == UINT64_MAX)
		return false;
	/* A small tail is cheap to search and dear to merge (each of its
	 * distinct trigrams rewrites a posting chunk, ~1000 pages for a few
	 * messages): idleness merges it only after the long wait. */
	if (!st.recount && st.bytes < merge_bytes(part) / RM_FTS_MERGE_IDLE_MIN_DIV)
		idle = RM_FTS_MERGE_IDLE_SMALL_MS;
	return now_ms - part->last_commit_ms >= idle;
}

void store_fts_merge_step(struct part *part, struct store_batch *b)
{
	/* A tail that outgrew a generation while one is under way: bigger
	 * steps, so merging keeps up with any delivery rate. */
	struct meta_fts_tail_stats st;
	meta_fts_tail_stats(part->meta, &st);
	uint64_t scale = 1 + st.bytes / merge_bytes(part);
	bool wrote, done;
	uint64_t lists = part->fts_step_lists ? part->fts_step_lists : RM_FTS_MERGE_STEP_LISTS;
	uint64_t pairs = part->fts_step_pairs ? part->fts_step_pairs : RM_FTS_MERGE_STEP_PAIRS;
	enum rm_err err = meta_fts_merge_step(b->txn, scale * lists, scale * pairs, &wrote, &done);
	b->dirty |= wrote;
	part->fts_waiting = err == RM_ERR_BUSY;
	if (err && err != RM_ERR_BUSY)
		rm_log(RM_LOG_ERROR, "fts_merge_failed", "part=%u err=%s", part->p, rm_err_str(err));
	/* A failed step leaves the transaction unusable: its commit fails the
	 * batch like any other LMDB error. */
}

static void on_wake(struct rm_op *op, int res, uint32_t flags)
{
}

/* Shared by every partition and thread: the op is never written, and its
 * completion only makes the loop turn again. */
static struct rm_op wake_op = { .fn = on_wake };

void store_fts_maybe_merge(struct part *part, uint64_t now_ms)
{
	if (part->inflight || part->q_head || part->ckpt == STORE_CKPT_RUNNING ||
	    !store_fts_merge_due(part, now_ms))
		return;
	store_commit_flush(part);
	if (!part->inflight && !part->fts_waiting && store_fts_merge_due(part, now_ms)) {
		/* The step committed at once and more remain: another turn.
		 * (A partition waiting for a generation's place tries again at
		 * the next turn that comes anyway.) */
		struct io_uring_sqe *sqe = rm_loop_sqe(part->loop);
		io_uring_prep_nop(sqe);
		io_uring_sqe_set_data(sqe, &wake_op);
	}
}
