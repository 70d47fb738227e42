/* Sizes and counts of a partition (`ringmail stats`, metrics). */
#include "storage/store_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "storage/log_segment.h"

static enum rm_err log_sizes(struct part *part, struct store_part_stats *r)
{
	uint32_t *segs;
	size_t n;
	enum rm_err err = log_seg_list(part->logdir, false, &segs, &n);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		char path[STORE_PATH_MAX];
		struct stat st;
		log_seg_path(path, sizeof(path), part->logdir, segs[i], false);
		if (stat(path, &st) == 0)
			r->log_bytes += (uint64_t)st.st_size;
	}
	r->segments = n;
	free(segs);
	return RM_OK;
}

static enum rm_err index_counts(struct meta_txn *t, struct store_part_stats *r)
{
	struct meta_iter *it;
	enum rm_err err = meta_iter_segments(t, &it);
	if (err)
		return err;
	struct meta_segment s;
	while (meta_iter_segment(it, &s) == 1)
		r->live_bytes += s.live_bytes;
	meta_iter_free(&it);
	if (meta_iter_blobs(t, 0, UINT64_MAX, &it) == RM_OK) {
		struct meta_blob b;
		while (meta_iter_blob(it, &b) == 1)
			r->blob_bytes += b.size_bytes;
		meta_iter_free(&it);
	}
	err = meta_fts_size(t, &r->fts_bytes, &r->fts_docs);
	if (err)
		return err;
	struct meta_counts c;
	err = meta_counts(t, &c);
	r->users = c.users;
	r->mailboxes = c.mailboxes;
	r->messages = c.messages;
	r->blobs = c.blobs;
	return err;
}

enum rm_err store_part_stats(struct part *part, struct store_part_stats *r)
{
	memset(r, 0, sizeof(*r));
	enum rm_err err = log_sizes(part, r);
	struct meta_txn *t = NULL;
	if (err == RM_OK)
		err = meta_txn_begin(part->meta, false, &t);
	if (err == RM_OK) {
		r->applied_lsn = meta_applied_lsn(t);
		err = index_counts(t, r);
	}
	meta_txn_abort(&t);
	r->index_bytes = meta_used_bytes(part->meta);
	return err;
}
