/*
 * search_scan.c — the scan path: messages whose text keys the index could
 * not answer are read through io_uring, RM_SEARCH_SCAN_BATCH at a time (or
 * fewer when they hold over RM_SEARCH_SCAN_BATCH_BYTES), their FTS document
 * built from the bytes exactly as at delivery (fts_doc_build), and the
 * program evaluated again with the document at hand.
 */
#include "server/imap/search_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "index/fts_doc.h"

static void scan_continue(struct search_state *st);

static void batch_free(struct search_state *st)
{
	for (unsigned i = 0; i < st->bn; i++) {
		free(st->batch[i].bytes);
		free(st->batch[i].cache);
	}
	st->bn = 0;
}

/* Copies the next batch's cache blobs out of one view; returns false when
 * no view could be opened (the rest counts as unreadable). */
static bool batch_load(struct search_state *st)
{
	struct search_run *r = st->r;
	struct store_view *v;
	if (store_view_begin(r->part, &v) != RM_OK)
		return false;
	size_t bytes = 0;
	while (st->next < st->ntodo && st->bn < RM_SEARCH_SCAN_BATCH &&
	       (st->bn == 0 || bytes < RM_SEARCH_SCAN_BATCH_BYTES)) {
		uint32_t idx = st->todo[st->next++];
		struct search_scan_msg *m = &st->batch[st->bn++];
		memset(m, 0, sizeof(*m));
		m->st = st;
		m->idx = idx;
		m->len = (size_t)r->msgs[idx].size_bytes;
		bytes += m->len;
		const void *cache;
		size_t clen;
		if (store_view_cache(v, r->msgs[idx].blob_lsn, &cache, &clen) == RM_OK && clen) {
			m->cache = rm_malloc(clen);
			memcpy(m->cache, cache, clen);
			m->cache_len = clen;
		}
	}
	store_view_end(&v);
	return true;
}

static void batch_eval(struct search_state *st)
{
	struct rm_buf doc = { 0 };
	for (unsigned i = 0; i < st->bn; i++) {
		struct search_scan_msg *m = &st->batch[i];
		if (!m->ok) {
			search_eval_set(st, m->idx, false);
			continue;
		}
		rm_buf_reset(&doc);
		fts_doc_build(m->bytes, m->len, m->cache, m->cache_len, &doc);
		enum search_tv tv = search_eval_msg(st, m->idx, doc.data, doc.len);
		search_eval_set(st, m->idx, tv == TV_YES);
		st->r->scanned++;
	}
	rm_buf_free(&doc);
	batch_free(st);
}

static void read_done(struct store_read *rd, enum rm_err err, size_t got)
{
	struct search_scan_msg *m = RM_CONTAINER_OF(rd, struct search_scan_msg, rd);
	struct search_state *st = m->st;
	if (err == RM_OK) {
		m->ok = true;
		m->len = got;
	} else if (err != RM_ERR_NOTFOUND) {
		/* Expunged meanwhile (NOTFOUND) just does not match; anything
		 * else is reported. */
		rm_log(RM_LOG_ERROR, "search_read_failed", "blob=%llu err=%s",
		       (unsigned long long)st->r->msgs[m->idx].blob_lsn, rm_err_str(err));
		st->r->err = RM_ERR_IO;
	}
	if (--st->reads == 0 && !st->issuing) {
		batch_eval(st);
		scan_continue(st);
	}
}

/* Runs batches until one waits for reads or all are done. */
static void scan_continue(struct search_state *st)
{
	struct search_run *r = st->r;
	while (st->next < st->ntodo) {
		if (!batch_load(st)) {
			r->err = RM_ERR_IO;
			while (st->next < st->ntodo)
				search_eval_set(st, st->todo[st->next++], false);
			break;
		}
		st->reads = st->bn;
		st->issuing = true;
		/* Offline partitions complete reads inline: count first. */
		for (unsigned i = 0; i < st->bn; i++) {
			struct search_scan_msg *m = &st->batch[i];
			m->bytes = rm_malloc(m->len ? m->len : 1);
			if (m->len == 0) {
				m->ok = true;
				st->reads--;
				continue;
			}
			store_read_msg(r->part, r->msgs[m->idx].blob_lsn, 0, m->len, m->bytes, &m->rd,
				       read_done);
		}
		st->issuing = false;
		if (st->reads > 0)
			return;
		batch_eval(st);
	}
	search_eval_finish(st);
}

void search_scan_start(struct search_state *st)
{
	st->next = 0;
	scan_continue(st);
}
