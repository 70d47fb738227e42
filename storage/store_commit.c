/*
 * store_commit.c — group commit.  Requests queue on the partition; the turn
 * hook executes them into one batch (inside an LMDB write transaction that
 * stays open), writes the batch with one writev linked to one fdatasync
 * (plus a directory fsync after a segment roll, plus a dirty mark of the
 * state file after a checkpoint), and when every completion is in, commits
 * the transaction and completes the requests in order.  At most one batch
 * is in flight per partition; requests arriving meanwhile form the next.
 */
#include "storage/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "storage/log_segment.h"

static void on_wake(struct rm_op *op, int res, uint32_t flags)
{
}

/* Requests queued where no completion follows (from another turn hook, or
 * from a done callback run inside ours) must not wait for an unrelated
 * wake-up: a NOP completes at once, and the turn after it runs our hook. */
static void wake(struct part *part)
{
	part->wake_op.fn = on_wake;
	struct io_uring_sqe *sqe = rm_loop_sqe(part->loop);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data(sqe, &part->wake_op);
}

void store_submit(struct part *part, struct store_req *req, enum store_op op)
{
	req->next_ = NULL;
	req->op_ = op;
	req->err = RM_OK;
	if (!part->loop) {
		/* Offline partitions take no mutations; no loop will ever run
		 * the hook, so the answer comes now. */
		req->err = RM_ERR_PERM;
		store_exec_refuse(req);
		req->done(req);
		return;
	}
	if (part->q_len >= RM_STORE_QUEUE_MAX) {
		req->op_ |= STORE_OP_F_REFUSED;
		req->err = RM_ERR_BUSY;
	}
	if (part->q_tail)
		part->q_tail->next_ = req;
	else
		part->q_head = req;
	part->q_tail = req;
	part->q_len++;
	part->m.requests++;
	if (part->q_len == 1 && !part->inflight)
		wake(part);
}

void store_commit_fail_list(struct store_req *head, enum rm_err err)
{
	while (head) {
		struct store_req *next = head->next_;
		if (head->err == RM_OK)
			head->err = err;
		if (!(head->op_ & STORE_OP_F_EXECUTED))
			store_exec_refuse(head);
		head->done(head);
		head = next;
	}
}

static void complete_list(struct store_req *head)
{
	while (head) {
		struct store_req *next = head->next_;
		head->done(head);
		head = next;
	}
}

static void batch_free(struct store_batch *b)
{
	for (unsigned i = 0; i < b->npieces; i++)
		free(b->pieces[i].mb);
	free(b->pieces);
	free(b->iov);
	free(b->touched);
	rm_buf_free(&b->recs);
	meta_txn_abort(&b->txn);
	free(b);
}

/* ---- segment roll -------------------------------------------------------- */

/* Starts the next segment when the active one is full.  The file is created
 * here (a blocking open, once per segment); its header goes out with the
 * first batch written to it, followed by a directory fsync. */
static enum rm_err maybe_roll(struct part *part)
{
	if (part->seg_header_pending || part->tail < part->store->opts.segment_max_bytes)
		return RM_OK;
	char path[STORE_PATH_MAX];
	log_seg_path(path, sizeof(path), part->logdir, part->seg_no + 1, false);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		rm_log(RM_LOG_CRIT, "log_roll_failed", "part=%u path=%s errno=%d", part->p, path, errno);
		return RM_ERR_IO;
	}
	close(part->seg_fd);
	part->seg_fd = fd;
	part->seg_no++;
	part->seg_gen = 0;
	part->seg_base_lsn = part->next_lsn;
	part->tail = LOG_SEG_HEADER_BYTES;
	part->seg_header_pending = true;
	return RM_OK;
}

/* ---- completion ----------------------------------------------------------- */

static void hist_add(struct store_metrics *m, uint32_t records)
{
	unsigned i = 0;
	while (i + 1 < STORE_HIST_BUCKETS && records > (1u << i))
		i++;
	m->records_per_fsync[i]++;
}

static void batch_failed(struct part *part, struct store_batch *b)
{
	rm_log(RM_LOG_CRIT, "log_write_failed",
	       "part=%u seg=%u errno=%d records=%u action=read_only", part->p, part->seg_no,
	       -b->fail_res, b->nrecords);
	part->read_only = true;
	part->m.read_only = true;
	meta_txn_abort(&b->txn);
	store_commit_fail_list(b->head, RM_ERR_IO);
}

static void batch_done(struct store_batch *b)
{
	struct part *part = b->part;
	part->inflight = NULL;
	if (b->fail_res < 0) {
		batch_failed(part, b);
		batch_free(b);
		return;
	}
	enum rm_err err = meta_txn_commit(&b->txn);
	if (err) {
		/* The records are durable; a restart replays them. */
		b->fail_res = -EIO;
		batch_failed(part, b);
		batch_free(b);
		return;
	}
	if (b->nrecords) {
		part->tail += b->bytes;
		if (b->seg_header)
			part->seg_header_pending = false;
		part->m.fsyncs++;
		part->m.records += b->nrecords;
		part->m.bytes += b->bytes;
		part->m.fsync_ns_total += rm_now_ns() - b->submit_ns;
		hist_add(&part->m, b->nrecords);
	}
	if (b->dirty) {
		part->m.commits++;
		part->last_commit_ms = rm_now_ms();
	}
	part->m.applied_lsn = part->next_lsn - 1;
	complete_list(b->head);
	store_watch_notify(part, b->touched, b->ntouched);
	batch_free(b);
}

static void batch_op_done(struct store_batch *b, int res)
{
	if (res < 0 && b->fail_res == 0)
		b->fail_res = res;
	RM_ASSERT(b->pending > 0);
	if (--b->pending == 0)
		batch_done(b);
}

static void on_write(struct rm_op *op, int res, uint32_t flags)
{
	struct store_batch *b = RM_CONTAINER_OF(op, struct store_batch, op_write);
	uint64_t want = b->bytes + (b->seg_header ? LOG_SEG_HEADER_BYTES : 0);
	/* A short write to a regular file means the file system (or a size
	 * or quota limit) is full; the linked fsync was cancelled. */
	if (res >= 0 && (uint64_t)res != want)
		res = -ENOSPC;
	batch_op_done(b, res);
}

static void on_fsync(struct rm_op *op, int res, uint32_t flags)
{
	batch_op_done(RM_CONTAINER_OF(op, struct store_batch, op_fsync), res);
}

static void on_dirsync(struct rm_op *op, int res, uint32_t flags)
{
	batch_op_done(RM_CONTAINER_OF(op, struct store_batch, op_dirsync), res);
}

static void on_mark(struct rm_op *op, int res, uint32_t flags)
{
	struct store_batch *b = RM_CONTAINER_OF(op, struct store_batch, op_mark);
	batch_op_done(b, res >= 0 && res != 64 ? -EIO : res);
}

static void on_mark_fsync(struct rm_op *op, int res, uint32_t flags)
{
	batch_op_done(RM_CONTAINER_OF(op, struct store_batch, op_mark_fsync), res);
}

/* ---- submission ----------------------------------------------------------- */

/* A linked chain must not be split by a submit in the middle. */
static void sq_reserve(struct rm_loop *loop, unsigned n)
{
	if (io_uring_sq_space_left(&loop->ring) < n)
		io_uring_submit(&loop->ring);
	RM_ASSERT(io_uring_sq_space_left(&loop->ring) >= n);
}

static void build_iov(struct store_batch *b)
{
	b->iov = rm_malloc((b->npieces + 1) * sizeof(*b->iov));
	b->niov = 0;
	if (b->seg_header)
		b->iov[b->niov++] = (struct iovec){ b->seg_header_buf, LOG_SEG_HEADER_BYTES };
	for (unsigned i = 0; i < b->npieces; i++) {
		struct store_piece *pc = &b->pieces[i];
		void *base = pc->mb ? (void *)pc->mb->hdr : (void *)(b->recs.data + pc->off);
		b->iov[b->niov++] = (struct iovec){ base, pc->len };
	}
}

static void submit_log_write(struct part *part, struct store_batch *b)
{
	uint8_t *last = b->last_hdr_mb ? b->last_hdr_mb : (uint8_t *)b->recs.data + b->last_off;
	log_rec_set_flags(last, LOG_F_BATCH_END, b->last_hash);
	b->seg_header = part->seg_header_pending;
	if (b->seg_header) {
		struct log_seg_header h = { part->seg_no, part->seg_gen, part->p, part->seg_base_lsn };
		log_seg_header_encode(&h, b->seg_header_buf);
	}
	build_iov(b);
	uint64_t off = b->seg_header ? 0 : part->tail;
	sq_reserve(part->loop, 3);
	struct io_uring_sqe *sqe = rm_loop_sqe(part->loop);
	io_uring_prep_writev(sqe, part->seg_fd, b->iov, b->niov, off);
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_sqe_set_data(sqe, &b->op_write);
	sqe = rm_loop_sqe(part->loop);
	io_uring_prep_fsync(sqe, part->seg_fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data(sqe, &b->op_fsync);
	b->pending += 2;
	if (b->seg_header) {
		/* The new file's name must be durable too. */
		sqe->flags |= IOSQE_IO_LINK;
		sqe = rm_loop_sqe(part->loop);
		io_uring_prep_fsync(sqe, part->logdir_fd, 0);
		io_uring_sqe_set_data(sqe, &b->op_dirsync);
		b->pending++;
	}
}

/* The first commit after a checkpoint: the state file must say "dirty"
 * before LMDB pages change, so the mark rides along with the batch. */
static void submit_dirty_mark(struct part *part, struct store_batch *b)
{
	store_state_encode(b->state_buf, false);
	sq_reserve(part->loop, 2);
	struct io_uring_sqe *sqe = rm_loop_sqe(part->loop);
	io_uring_prep_write(sqe, part->state_fd, b->state_buf, 64, 0);
	sqe->flags |= IOSQE_IO_LINK;
	io_uring_sqe_set_data(sqe, &b->op_mark);
	sqe = rm_loop_sqe(part->loop);
	io_uring_prep_fsync(sqe, part->state_fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data(sqe, &b->op_mark_fsync);
	b->pending += 2;
	part->ckpt = STORE_CKPT_DIRTY;
}

static void batch_submit(struct part *part, struct store_batch *b)
{
	b->op_write.fn = on_write;
	b->op_fsync.fn = on_fsync;
	b->op_dirsync.fn = on_dirsync;
	b->op_mark.fn = on_mark;
	b->op_mark_fsync.fn = on_mark_fsync;
	b->submit_ns = rm_now_ns();
	part->inflight = b;
	if (b->nrecords)
		submit_log_write(part, b);
	if (b->dirty && part->ckpt == STORE_CKPT_CLEAN)
		submit_dirty_mark(part, b);
	if (b->pending == 0)
		batch_done(b);       /* nothing to make durable */
}

/* ---- execution ------------------------------------------------------------ */

static bool batch_has_room(const struct store_batch *b)
{
	if (b->nreqs == 0)
		return true;
	/* Each request adds at most a blob and a run of metadata records. */
	return b->npieces + 4 <= RM_COMMIT_MAX_RECORDS && b->bytes < RM_STORE_BATCH_MAX_BYTES;
}

/* An LMDB failure after records were applied: nothing was written, so the
 * batch is dropped and its LSNs are handed out again. */
static void batch_abort(struct part *part, struct store_batch *b, enum rm_err err)
{
	rm_log(RM_LOG_ERROR, "store_batch_aborted", "part=%u err=%s requests=%u", part->p,
	       rm_err_str(err), b->nreqs);
	part->next_lsn = b->first_lsn;
	meta_txn_abort(&b->txn);
	store_commit_fail_list(b->head, err);
	batch_free(b);
}

static void batch_add_req(struct store_batch *b, struct store_req *req)
{
	req->next_ = NULL;
	if (b->tail)
		b->tail->next_ = req;
	else
		b->head = req;
	b->tail = req;
	b->nreqs++;
}

static struct store_req *queue_pop(struct part *part)
{
	struct store_req *req = part->q_head;
	part->q_head = req->next_;
	if (!part->q_head)
		part->q_tail = NULL;
	part->q_len--;
	return req;
}

void store_commit_flush(struct part *part)
{
	if (part->inflight || part->ckpt == STORE_CKPT_RUNNING)
		return;
	/* A full-text merge step rides along with the batch, or makes one. */
	bool merge = store_fts_merge_due(part, rm_now_ms());
	if (!part->q_head && !merge)
		return;
	enum rm_err err = part->read_only ? RM_ERR_IO : maybe_roll(part);
	struct store_batch *b = rm_calloc(1, sizeof(*b));
	b->part = part;
	if (err == RM_OK)
		err = meta_txn_begin(part->meta, true, &b->txn);
	if (err) {
		struct store_req *head = part->q_head;
		part->q_head = part->q_tail = NULL;
		part->q_len = 0;
		store_commit_fail_list(head, err);
		batch_free(b);
		return;
	}
	b->first_lsn = part->next_lsn;
	struct store_exec x = { part, b, b->txn, false };
	while (part->q_head && batch_has_room(b)) {
		struct store_req *req = queue_pop(part);
		batch_add_req(b, req);
		x.emitted = false;
		err = store_exec_req(&x, req);
		if (err && x.emitted) {
			batch_abort(part, b, err);
			return;
		}
		req->err = err;
	}
	if (merge && b->nrecords == 0)
		store_fts_merge_step(part, b);   /* no log write to overlap with */
	batch_submit(part, b);
	if (merge && part->inflight == b && b->nrecords) {
		/* The log write and its fdatasync start now; the step runs
		 * while the disk works. */
		io_uring_submit(&part->loop->ring);
		store_fts_merge_step(part, b);
	}
}

void store_part_metrics(const struct part *part, struct store_metrics *r)
{
	*r = part->m;
}
