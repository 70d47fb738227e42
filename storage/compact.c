/*
 * compact.c — choosing segments, the index half of compaction (step 5), the
 * offline driver (`ringmail compact`) and the background policy of the
 * server: every compact_check_ms an idle partition picks one sealed segment
 * under the threshold; a helper thread copies it (steps 1-4);
 * the owner then applies the index update as an internal request, so it
 * commits with the next batch (and its dirty mark) like every other change.
 */
#include "storage/compact.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "storage/store_int.h"

struct compact_job {
	struct rm_op op;              /* helper -> owner: copy finished */
	struct store_req req;         /* the index update (STORE_OP_COMPACT_SWAP) */
	struct part *part;
	struct compact_copy copy;
	uint64_t *live;
	struct store_segfd *pin;      /* the old generation stays readable */
	enum rm_err err;
	struct compact_job *next;
};

/* The helper thread for segment copies. */
struct compact_worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct compact_job *head, *tail;
};

/* ---- choosing and the index half ------------------------------------------- */

static bool wants_compaction(const struct meta_segment *s, uint32_t active, unsigned percent)
{
	return s->seg_no < active && s->live_bytes < s->total_bytes &&
	       s->live_bytes * 100 < s->total_bytes * percent;
}

/* Referenced BLOBs of a segment (sorted: the blobs database is in LSN order). */
static enum rm_err live_blobs(struct meta_txn *t, const struct meta_segment *s, uint64_t **live_r,
			      size_t *n_r)
{
	struct meta_iter *it;
	enum rm_err err = meta_iter_blobs(t, s->first_lsn, s->last_lsn, &it);
	if (err)
		return err;
	uint64_t *live = NULL;
	size_t n = 0, cap = 0;
	struct meta_blob b;
	int rc;
	while ((rc = meta_iter_blob(it, &b)) == 1) {
		if (b.refs == 0 || b.seg_no != s->seg_no)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			live = rm_realloc(live, cap * sizeof(*live));
		}
		live[n++] = b.lsn;
	}
	meta_iter_free(&it);
	*live_r = live;
	*n_r = n;
	return rc < 0 ? RM_ERR_IO : RM_OK;
}

/* Unreferenced blob entries of the old range go with their bytes. */
static enum rm_err drop_unreferenced(struct meta_txn *t, const struct meta_segment *old)
{
	uint64_t *dead = NULL;
	size_t n = 0;
	struct meta_iter *it;
	enum rm_err err = meta_iter_blobs(t, old->first_lsn, old->last_lsn, &it);
	if (err)
		return err;
	struct meta_blob b;
	int rc;
	while ((rc = meta_iter_blob(it, &b)) == 1) {
		if (b.refs != 0 || b.seg_no != old->seg_no)
			continue;
		dead = rm_realloc(dead, (n + 1) * sizeof(*dead));
		dead[n++] = b.lsn;
	}
	meta_iter_free(&it);
	for (size_t i = 0; rc == 0 && err == RM_OK && i < n; i++)
		err = meta_blob_drop(t, dead[i]);
	free(dead);
	return rc < 0 ? RM_ERR_IO : err;
}

/* Step 5: blobs point into the new generation, the segment entry follows. */
static enum rm_err swap_index(struct meta_txn *t, uint32_t seg_no, const struct compact_copy *c)
{
	struct meta_segment s;
	enum rm_err err = meta_segment_get(t, seg_no, &s);
	if (err)
		return err;
	for (size_t i = 0; err == RM_OK && i < c->nmoves; i++) {
		err = meta_blob_move(t, c->moves[i].lsn, c->generation, c->moves[i].offset);
		if (err == RM_ERR_NOTFOUND)
			err = RM_OK;      /* died after the copy; compacted next time */
	}
	if (err == RM_OK)
		err = drop_unreferenced(t, &s);
	if (err || c->records == 0)
		return err ? err : meta_segment_del(t, seg_no);
	s.generation = c->generation;
	s.first_lsn = c->first_lsn;
	s.last_lsn = c->last_lsn;
	s.records = c->records;
	s.total_bytes = c->bytes_after;
	s.live_bytes = RM_MIN(s.live_bytes, c->bytes_after);
	return meta_segment_put(t, &s);
}

/* ---- offline --------------------------------------------------------------- */

static enum rm_err compact_one_offline(struct part *part, const struct meta_segment *s,
				       struct compact_stats *st)
{
	struct meta_txn *t;
	struct compact_copy c = { .logdir = part->logdir, .seg_no = s->seg_no };
	uint64_t *live = NULL;
	enum rm_err err = meta_txn_begin(part->meta, false, &t);
	if (err == RM_OK) {
		err = live_blobs(t, s, &live, &c.nlive);
		meta_txn_abort(&t);
	}
	c.live = live;
	if (err == RM_OK)
		err = compact_copy_run(&c);
	if (c.renamed) {
		enum rm_err e = meta_txn_begin(part->meta, true, &t);
		if (e == RM_OK)
			e = swap_index(t, s->seg_no, &c);
		e = e ? e : meta_txn_commit(&t);
		meta_txn_abort(&t);
		err = err ? err : e;
		if (compact_step_hook)
			compact_step_hook(COMPACT_STEP_INDEXED, s->seg_no);
		store_read_segfd_retire(part, s->seg_no, c.generation);
		st->segments_rewritten++;
		st->bytes_before += c.bytes_before;
		st->bytes_after += c.bytes_after;
		st->blobs_dropped += c.dropped;
		part->m.compactions++;
	}
	compact_copy_free(&c);
	free(live);
	return err;
}

static enum rm_err sealed_segments(struct part *part, struct meta_segment **segs_r, size_t *n_r)
{
	struct meta_txn *t;
	struct meta_iter *it = NULL;
	enum rm_err err = meta_txn_begin(part->meta, false, &t);
	if (err == RM_OK)
		err = meta_iter_segments(t, &it);
	struct meta_segment *segs = NULL, s;
	size_t n = 0;
	int rc = 0;
	while (err == RM_OK && (rc = meta_iter_segment(it, &s)) == 1) {
		if (s.seg_no >= part->seg_no)
			continue;
		segs = rm_realloc(segs, (n + 1) * sizeof(*segs));
		segs[n++] = s;
	}
	meta_iter_free(&it);
	meta_txn_abort(&t);
	*segs_r = segs;
	*n_r = n;
	return err ? err : rc < 0 ? RM_ERR_IO : RM_OK;
}

enum rm_err compact_part_offline(struct part *part, unsigned live_percent,
				 struct compact_stats *r)
{
	memset(r, 0, sizeof(*r));
	if (part->loop)
		return RM_ERR_PERM;
	struct meta_segment *segs;
	size_t n;
	enum rm_err err = sealed_segments(part, &segs, &n);
	if (err == RM_OK)
		err = store_state_write_sync(part, false);
	for (size_t i = 0; err == RM_OK && i < n; i++) {
		r->segments_checked++;
		if (wants_compaction(&segs[i], part->seg_no, live_percent))
			err = compact_one_offline(part, &segs[i], r);
	}
	free(segs);
	enum rm_err e = meta_sync(part->meta);
	if (e == RM_OK)
		e = store_state_write_sync(part, true);
	return err ? err : e;
}

/* ---- background ------------------------------------------------------------- */

static void *compact_thread(void *arg)
{
	struct compact_worker *cw = arg;
	(void)rm_loop_post_prepare(); /* retried by rm_loop_post if it failed */
	pthread_mutex_lock(&cw->mu);
	for (;;) {
		while (!cw->head)
			pthread_cond_wait(&cw->cv, &cw->mu);
		struct compact_job *job = cw->head;
		cw->head = job->next;
		if (!cw->head)
			cw->tail = NULL;
		pthread_mutex_unlock(&cw->mu);
		job->err = compact_copy_run(&job->copy);
		/* The owner waits for this job to close, so the completion must
		 * get through: retried while descriptors are short. */
		int rc;
		while ((rc = rm_loop_post(NULL, job->part->loop, &job->op, 0)) != 0) {
			rm_log(RM_LOG_WARN, "compact_post_failed", "errno=%d", -rc);
			usleep(100 * 1000);
		}
		pthread_mutex_lock(&cw->mu);
	}
	return NULL;
}

/* One copy thread for the process, started on first use and never stopped:
 * it posts completions through rm_loop_post(), whose per-thread ring lives
 * as long as the thread (common/loop.c).  Jobs never outlive their
 * partition: store_part_close() waits for them. */
static struct compact_worker compactor = {
	.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
};
static pthread_once_t compactor_once = PTHREAD_ONCE_INIT;

static void compactor_start(void)
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	RM_ASSERT(pthread_create(&compactor.thread, &attr, compact_thread, &compactor) == 0);
	pthread_attr_destroy(&attr);
}

static void worker_enqueue(struct compact_job *job)
{
	struct compact_worker *cw = &compactor;
	pthread_once(&compactor_once, compactor_start);
	pthread_mutex_lock(&cw->mu);
	job->next = NULL;
	if (cw->tail)
		cw->tail->next = job;
	else
		cw->head = job;
	cw->tail = job;
	pthread_cond_signal(&cw->cv);
	pthread_mutex_unlock(&cw->mu);
}

static void job_free(struct compact_job *job)
{
	struct part *part = job->part;
	if (job->pin)
		store_read_segfd_put(part, job->pin);
	compact_copy_free(&job->copy);
	free(job->live);
	free(job);
	part->compact = NULL;
}

static void on_swapped(struct store_req *req)
{
	struct compact_job *job = RM_CONTAINER_OF(req, struct compact_job, req);
	struct part *part = job->part;
	if (req->err == RM_OK) {
		part->m.compactions++;
		rm_log(RM_LOG_INFO, "compacted", "part=%u seg=%u bytes_before=%llu bytes_after=%llu",
		       part->p, job->copy.seg_no, (unsigned long long)job->copy.bytes_before,
		       (unsigned long long)job->copy.bytes_after);
	}
	/* On failure the file is new and the index old: the next start
	 * rescans the segment.  The pinned old descriptor keeps reads right
	 * until then only if it stays open, so it is kept (not retired). */
	if (req->err == RM_OK)
		store_read_segfd_retire(part, job->copy.seg_no, job->copy.generation);
	else
		job->pin = NULL;
	job_free(job);
}

static void on_copied(struct rm_op *op, int res, uint32_t flags)
{
	struct compact_job *job = RM_CONTAINER_OF(op, struct compact_job, op);
	if (!job->copy.renamed) {
		job_free(job);
		return;
	}
	job->req.done = on_swapped;
	store_submit(job->part, &job->req, STORE_OP_COMPACT_SWAP);
}

enum rm_err compact_exec_swap(struct store_exec *x, struct store_req *req)
{
	struct compact_job *job = RM_CONTAINER_OF(req, struct compact_job, req);
	enum rm_err err = swap_index(x->t, job->copy.seg_no, &job->copy);
	/* A half-applied update must not commit: fail the whole batch. */
	x->emitted = err != RM_OK;
	x->b->dirty = true;
	return err;
}

bool compact_busy(const struct part *part)
{
	return part->compact != NULL;
}

static struct compact_job *job_prepare(struct part *part, const struct meta_segment *s)
{
	struct compact_job *job = rm_calloc(1, sizeof(*job));
	job->part = part;
	job->op.fn = on_copied;
	job->copy.logdir = part->logdir;
	job->copy.seg_no = s->seg_no;
	struct meta_txn *t;
	enum rm_err err = meta_txn_begin(part->meta, false, &t);
	if (err == RM_OK) {
		err = live_blobs(t, s, &job->live, &job->copy.nlive);
		meta_txn_abort(&t);
	}
	job->copy.live = job->live;
	job->pin = err ? NULL : store_read_segfd_get(part, s->seg_no, s->generation);
	if (!job->pin) {
		free(job->live);
		free(job);
		return NULL;
	}
	return job;
}

void compact_maybe_start(struct part *part, uint64_t now_ms)
{
	const struct store_opts *o = &part->store->opts;
	if (!part->loop || part->compact || o->compact_check_ms == 0 || part->read_only ||
	    now_ms < part->compact_next_ms)
		return;
	part->compact_next_ms = now_ms + o->compact_check_ms;
	struct meta_segment *segs;
	size_t n;
	if (sealed_segments(part, &segs, &n) != RM_OK)
		return;
	for (size_t i = 0; i < n && !part->compact; i++) {
		if (!wants_compaction(&segs[i], part->seg_no, o->compact_live_percent))
			continue;
		part->compact = job_prepare(part, &segs[i]);
		if (part->compact)
			worker_enqueue(part->compact);
	}
	free(segs);
}
