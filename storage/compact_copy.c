/* The file half of compaction (steps 1-4 of compact.h): copy the kept
 * records of a segment into SSSSSSSS.seg.tmp, sync, rename over, sync the
 * directory.  No index access, so it can run on a helper thread. */
#include "storage/compact.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "storage/log_scan.h"
#include "storage/log_segment.h"

void (*compact_step_hook)(enum compact_step step, uint32_t seg_no);

#define COPY_BUF_BYTES (1u << 20)

struct copier {
	struct compact_copy *c;
	int fd;
	uint64_t off;             /* file offset of the next record */
	uint8_t *buf;
	size_t used;
	size_t cap_moves;
	bool failed;
};

static void step(struct compact_copy *c, enum compact_step s)
{
	if (compact_step_hook)
		compact_step_hook(s, c->seg_no);
}

static bool flush(struct copier *cp)
{
	size_t done = 0;
	while (done < cp->used) {
		ssize_t n = write(cp->fd, cp->buf + done, cp->used - done);
		if (n <= 0) {
			cp->failed = true;
			return false;
		}
		done += (size_t)n;
	}
	cp->used = 0;
	return true;
}

static bool put(struct copier *cp, const void *p, size_t n)
{
	if (n > COPY_BUF_BYTES - cp->used && !flush(cp))
		return false;
	if (n >= COPY_BUF_BYTES) {          /* a large message: write through */
		ssize_t w = write(cp->fd, p, n);
		cp->failed |= w != (ssize_t)n;
		return !cp->failed;
	}
	memcpy(cp->buf + cp->used, p, n);
	cp->used += n;
	return true;
}

static bool is_live(const struct compact_copy *c, uint64_t lsn)
{
	size_t lo = 0, hi = c->nlive;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->live[mid] < lsn)
			lo = mid + 1;
		else if (c->live[mid] > lsn)
			hi = mid;
		else
			return true;
	}
	return false;
}

static enum rm_err copy_rec(void *arg, const struct log_rec *r, uint64_t off)
{
	struct copier *cp = arg;
	struct compact_copy *c = cp->c;
	if (r->type == LOG_T_BLOB && !is_live(c, r->lsn)) {
		c->dropped++;
		return RM_OK;
	}
	if (r->type == LOG_T_BLOB) {
		if (c->nmoves == cp->cap_moves) {
			cp->cap_moves = cp->cap_moves ? cp->cap_moves * 2 : 64;
			c->moves = rm_realloc(c->moves, cp->cap_moves * sizeof(*c->moves));
		}
		c->moves[c->nmoves++] = (struct compact_move){ r->lsn, cp->off };
	}
	size_t len = LOG_REC_HEADER_BYTES + r->len;
	if (!put(cp, r->payload - LOG_REC_HEADER_BYTES, len))
		return RM_ERR_IO;
	if (c->records++ == 0)
		c->first_lsn = r->lsn;
	c->last_lsn = r->lsn;
	c->bytes_after += len;
	cp->off += len;
	return RM_OK;
}

/* Step 1: the kept records into the .tmp file, under generation + 1. */
static enum rm_err write_tmp(struct compact_copy *c, const struct log_seg_map *m,
			     const char *tmp)
{
	struct copier cp = { .c = c, .off = LOG_SEG_HEADER_BYTES };
	cp.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (cp.fd < 0)
		return RM_ERR_IO;
	cp.buf = rm_malloc(COPY_BUF_BYTES);
	struct log_seg_header h = m->h;
	h.generation = c->generation;
	uint8_t hdr[LOG_SEG_HEADER_BYTES];
	log_seg_header_encode(&h, hdr);
	struct log_scan_ops ops = { copy_rec, NULL };
	enum rm_err err = put(&cp, hdr, sizeof(hdr)) ? RM_OK : RM_ERR_IO;
	if (err == RM_OK)
		err = log_scan(m->base, m->len, 0, &ops, &cp, NULL);
	if (err == RM_OK && !flush(&cp))
		err = RM_ERR_IO;
	step(c, COMPACT_STEP_WRITTEN);
	/* Step 2. */
	if (err == RM_OK && fdatasync(cp.fd) != 0)
		err = RM_ERR_IO;
	free(cp.buf);
	close(cp.fd);
	return err;
}

enum rm_err compact_copy_run(struct compact_copy *c)
{
	char path[4096], tmp[4096];
	log_seg_path(path, sizeof(path), c->logdir, c->seg_no, false);
	log_seg_path(tmp, sizeof(tmp), c->logdir, c->seg_no, true);
	struct log_seg_map m;
	enum rm_err err = log_seg_map_open(path, &m);
	if (err)
		return err;
	c->generation = m.h.generation + 1;
	c->bytes_before = m.len - LOG_SEG_HEADER_BYTES;
	err = write_tmp(c, &m, tmp);
	log_seg_map_close(&m);
	if (err == RM_OK)
		step(c, COMPACT_STEP_SYNCED);
	/* Step 3: from here the new file is the segment. */
	if (err == RM_OK && rename(tmp, path) != 0)
		err = RM_ERR_IO;
	c->renamed = err == RM_OK;
	if (err == RM_OK)
		step(c, COMPACT_STEP_RENAMED);
	if (err == RM_OK)
		err = log_dir_sync(c->logdir);
	if (err == RM_OK)
		step(c, COMPACT_STEP_DIRSYNCED);
	if (err) {
		rm_log(RM_LOG_ERROR, "compact_copy_failed", "path=%s errno=%d", path, errno);
		if (!c->renamed)
			(void)unlink(tmp);
	}
	return err;
}

void compact_copy_free(struct compact_copy *c)
{
	free(c->moves);
	c->moves = NULL;
	c->nmoves = 0;
}
