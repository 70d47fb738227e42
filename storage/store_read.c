/*
 * store_read.c — message bytes out of the log through io_uring.  A read
 * looks up the blob's location in the index, then reads through a
 * descriptor of that segment generation (kept open; a compacted segment's
 * old descriptor lives until its reads drain).  A whole-message read also
 * reads the record header and checks the checksum.
 */
#include "storage/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "storage/log_segment.h"

/* ---- descriptors ------------------------------------------------------------ */

struct store_segfd *store_read_segfd_get(struct part *part, uint32_t seg_no, uint32_t generation)
{
	for (struct store_segfd *s = part->segfds; s; s = s->next) {
		if (s->seg_no == seg_no && s->generation == generation && !s->retired) {
			s->users++;
			return s;
		}
	}
	char path[STORE_PATH_MAX];
	log_seg_path(path, sizeof(path), part->logdir, seg_no, false);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t hdr[LOG_SEG_HEADER_BYTES];
	struct log_seg_header h;
	if (fd < 0 || pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    log_seg_header_decode(hdr, &h) != RM_OK || h.generation != generation) {
		rm_log(RM_LOG_ERROR, "segment_read_open_failed", "part=%u seg=%u generation=%u errno=%d",
		       part->p, seg_no, generation, errno);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct store_segfd *s = rm_calloc(1, sizeof(*s));
	*s = (struct store_segfd){ seg_no, generation, fd, 1, false, part->segfds };
	part->segfds = s;
	return s;
}

static void segfd_unlink(struct part *part, struct store_segfd *sfd)
{
	for (struct store_segfd **pp = &part->segfds; *pp; pp = &(*pp)->next) {
		if (*pp == sfd) {
			*pp = sfd->next;
			close(sfd->fd);
			free(sfd);
			return;
		}
	}
}

void store_read_segfd_put(struct part *part, struct store_segfd *sfd)
{
	RM_ASSERT(sfd->users > 0);
	if (--sfd->users == 0 && sfd->retired)
		segfd_unlink(part, sfd);
}

void store_read_segfd_retire(struct part *part, uint32_t seg_no, uint32_t generation)
{
	struct store_segfd *s = part->segfds, *next;
	for (; s; s = next) {
		next = s->next;
		if (s->seg_no != seg_no || s->generation >= generation)
			continue;
		s->retired = true;
		if (s->users == 0)
			segfd_unlink(part, s);
	}
}

void store_read_close_all(struct part *part)
{
	while (part->segfds) {
		struct store_segfd *s = part->segfds;
		part->segfds = s->next;
		close(s->fd);
		free(s);
	}
}

/* ---- one read ---------------------------------------------------------------- */

static void read_start(struct store_read *rd);

/* Moves the iovecs past n bytes; returns how many remain in use. */
static unsigned iov_advance(struct iovec *iov, unsigned n_iov, size_t n)
{
	unsigned i = 0;
	while (i < n_iov && n >= iov[i].iov_len)
		n -= iov[i++].iov_len;
	if (i < n_iov) {
		iov[i].iov_base = (char *)iov[i].iov_base + n;
		iov[i].iov_len -= n;
	}
	memmove(iov, iov + i, (n_iov - i) * sizeof(*iov));
	return n_iov - i;
}

static enum rm_err read_check(struct store_read *rd)
{
	struct log_rec r;
	if (log_rec_header_parse(rd->hdr, RM_RECORD_MAX_BYTES, &r) != RM_OK || r.type != LOG_T_BLOB ||
	    r.lsn != rd->blob_lsn || r.len != rd->want || !log_rec_verify(rd->hdr, rd->buf, r.len)) {
		rm_log(RM_LOG_ERROR, "message_read_corrupt", "part=%u seg=%u lsn=%llu",
		       rd->part->p, rd->sfd ? rd->sfd->seg_no : 0, (unsigned long long)rd->blob_lsn);
		return RM_ERR_CORRUPT;
	}
	return RM_OK;
}

static void read_finish(struct store_read *rd, enum rm_err err)
{
	struct part *part = rd->part;
	if (rd->sfd) {
		store_read_segfd_put(part, rd->sfd);
		rd->sfd = NULL;
		part->reads_inflight--;
	}
	if (err == RM_OK) {
		part->m.reads++;
		part->m.read_bytes += rd->want;
	}
	rd->done(rd, err, err ? 0 : rd->want);
	/* A slot is free: start the next queued read. */
	while (part->rq_head && part->reads_inflight < RM_STORE_READS_MAX) {
		struct store_read *next = part->rq_head;
		part->rq_head = next->next;
		if (!part->rq_head)
			part->rq_tail = NULL;
		read_start(next);
	}
}

static void on_read(struct rm_op *op, int res, uint32_t flags)
{
	struct store_read *rd = RM_CONTAINER_OF(op, struct store_read, op);
	if (!rd->sfd) {           /* a result delivered through a NOP */
		read_finish(rd, rd->pending_err);
		return;
	}
	if (res <= 0) {
		rm_log(RM_LOG_ERROR, "message_read_failed", "part=%u seg=%u errno=%d", rd->part->p,
		       rd->sfd->seg_no, res ? -res : 0);
		read_finish(rd, res ? RM_ERR_IO : RM_ERR_CORRUPT);
		return;
	}
	rd->got += (size_t)res;
	rd->file_off += (uint64_t)res;
	size_t total = rd->want + (rd->whole ? LOG_REC_HEADER_BYTES : 0);
	if (rd->got < total) {
		rd->niov = iov_advance(rd->iov, rd->niov, (size_t)res);
		struct io_uring_sqe *sqe = rm_loop_sqe(rd->part->loop);
		io_uring_prep_readv(sqe, rd->sfd->fd, rd->iov, rd->niov, rd->file_off);
		io_uring_sqe_set_data(sqe, &rd->op);
		return;
	}
	read_finish(rd, rd->whole ? read_check(rd) : RM_OK);
}

/* Reads synchronously (offline tools). */
static enum rm_err read_sync(struct store_read *rd)
{
	size_t total = rd->want + (rd->whole ? LOG_REC_HEADER_BYTES : 0);
	while (rd->got < total) {
		ssize_t r = preadv(rd->sfd->fd, rd->iov, (int)rd->niov, (off_t)rd->file_off);
		if (r <= 0)
			return r < 0 ? RM_ERR_IO : RM_ERR_CORRUPT;
		rd->got += (size_t)r;
		rd->file_off += (uint64_t)r;
		rd->niov = iov_advance(rd->iov, rd->niov, (size_t)r);
	}
	return rd->whole ? read_check(rd) : RM_OK;
}

static void read_start(struct store_read *rd)
{
	struct part *part = rd->part;
	part->reads_inflight++;
	if (!part->loop) {
		read_finish(rd, read_sync(rd));
		return;
	}
	struct io_uring_sqe *sqe = rm_loop_sqe(part->loop);
	io_uring_prep_readv(sqe, rd->sfd->fd, rd->iov, rd->niov, rd->file_off);
	io_uring_sqe_set_data(sqe, &rd->op);
}

/* Completes rd with err from the loop (never inside the caller's call). */
static void read_fail_async(struct store_read *rd, enum rm_err err)
{
	if (!rd->part->loop) {
		rd->done(rd, err, 0);
		return;
	}
	rd->pending_err = err;
	struct io_uring_sqe *sqe = rm_loop_sqe(rd->part->loop);
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data(sqe, &rd->op);
}

void store_read_msg(struct part *part, uint64_t blob_lsn, uint64_t offset, size_t len,
		    void *buf, struct store_read *rd, store_read_fn *done)
{
	memset(rd, 0, sizeof(*rd));
	rd->op.fn = on_read;
	rd->done = done;
	rd->part = part;
	rd->buf = buf;
	rd->blob_lsn = blob_lsn;
	struct meta_txn *t;
	struct meta_blob b;
	enum rm_err err = meta_txn_begin(part->meta, false, &t);
	if (err == RM_OK) {
		err = meta_blob_get(t, blob_lsn, &b);
		meta_txn_abort(&t);
	}
	if (err) {
		read_fail_async(rd, err);
		return;
	}
	rd->want = offset >= b.size_bytes ? 0 : (size_t)RM_MIN((uint64_t)len, b.size_bytes - offset);
	rd->whole = offset == 0 && rd->want == b.size_bytes;
	if (!rd->whole && rd->want == 0) {
		read_fail_async(rd, RM_OK);     /* past the end: zero bytes */
		return;
	}
	rd->file_off = b.offset + LOG_REC_HEADER_BYTES + offset;
	rd->niov = 1;
	if (rd->whole) {
		rd->file_off = b.offset;
		rd->iov[0] = (struct iovec){ rd->hdr, LOG_REC_HEADER_BYTES };
		rd->iov[1] = (struct iovec){ buf, rd->want };
		rd->niov = 2;
	} else {
		rd->iov[0] = (struct iovec){ buf, rd->want };
	}
	rd->sfd = store_read_segfd_get(part, b.seg_no, b.generation);
	if (!rd->sfd) {
		read_fail_async(rd, RM_ERR_IO);
		return;
	}
	if (part->reads_inflight >= RM_STORE_READS_MAX && part->loop) {
		rd->next = NULL;
		if (part->rq_tail)
			part->rq_tail->next = rd;
		else
			part->rq_head = rd;
		part->rq_tail = rd;
		return;
	}
	read_start(rd);
}
