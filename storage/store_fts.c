/* The full-text index through the engine: reads for search, the switch,
 * and moving a batch's posting merge off its commit (index/meta_fts.c
 * holds the format and the work). */
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

void store_fts_batch_flush(struct part *part, struct store_batch *b)
{
	/* The log write and its fdatasync start now; the merge runs while the
	 * disk works, and the commit that follows finds nothing left to do. */
	io_uring_submit(&part->loop->ring);
	enum rm_err err = meta_fts_flush(b->txn);
	if (err)
		rm_log(RM_LOG_ERROR, "fts_flush_failed", "part=%u err=%s", part->p, rm_err_str(err));
	/* On failure the pending trigrams stay and the commit retries; its
	 * error then fails the batch like any other LMDB error. */
}
