/*
 * store_recover.c — bringing the index up to the log at open, and rebuilding
 * it from scratch (ringmail reindex, or after a machine crash).
 *
 * Per segment, in order: check the header; when the index knows the segment
 * under another generation (compaction renamed the file but its index update
 * was lost) rescan it to repoint its blobs; on the last segment cut a torn
 * last batch; then replay every record above the applied LSN through
 * meta_apply(), committing every RECOVER_TXN_RECORDS records (each commit
 * stores the applied LSN, so an interrupted replay resumes).
 */
#include "storage/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "storage/log_scan.h"
#include "storage/log_segment.h"

#define RECOVER_TXN_RECORDS 20000u

struct replay {
	struct part *part;
	struct meta_txn *t;
	struct meta_pos pos;
	uint32_t in_txn;
	struct store_replay_stats *st;
};

static enum rm_err replay_rec(void *arg, const struct log_rec *r, uint64_t off)
{
	struct replay *rp = arg;
	rp->pos.offset = off;
	enum rm_err err = meta_apply(rp->t, r, &rp->pos);
	if (err == RM_ERR_CORRUPT) {
		rm_log(RM_LOG_WARN, "replay_rejected", "part=%u seg=%u offset=%llu lsn=%llu type=%s",
		       rp->part->p, rp->pos.seg_no, (unsigned long long)off,
		       (unsigned long long)r->lsn, log_type_name(r->type));
		rp->st->rejected++;
	} else if (err) {
		return err;
	} else {
		rp->st->applied++;
	}
	if (++rp->in_txn < RECOVER_TXN_RECORDS)
		return RM_OK;
	rp->in_txn = 0;
	err = meta_txn_commit(&rp->t);
	return err ? err : meta_txn_begin(rp->part->meta, true, &rp->t);
}

static void replay_bad(void *arg, uint64_t off, uint64_t len)
{
	struct replay *rp = arg;
	rm_log(RM_LOG_ERROR, "log_corrupt_record", "part=%u seg=%u offset=%llu bytes=%llu action=skip",
	       rp->part->p, rp->pos.seg_no, (unsigned long long)off, (unsigned long long)len);
	rp->st->corrupt_regions++;
}

/* ---- compaction repair ------------------------------------------------------ */

struct rescan {
	struct meta_txn *t;
	struct meta_segment s;
	uint32_t generation;
};

static enum rm_err rescan_rec(void *arg, const struct log_rec *r, uint64_t off)
{
	struct rescan *rs = arg;
	uint64_t bytes = LOG_REC_HEADER_BYTES + (uint64_t)r->len;
	if (rs->s.records++ == 0)
		rs->s.first_lsn = r->lsn;
	rs->s.last_lsn = r->lsn;
	rs->s.total_bytes += bytes;
	if (r->type != LOG_T_BLOB) {
		rs->s.live_bytes += bytes;
		return RM_OK;
	}
	enum rm_err err = meta_blob_move(rs->t, r->lsn, rs->generation, off);
	if (err == RM_ERR_NOTFOUND)
		return RM_OK;         /* dead since: not live */
	rs->s.live_bytes += bytes;
	return err;
}

/* The file is a newer generation than the index knows: repoint its blobs. */
static enum rm_err rescan_segment(struct replay *rp, const struct log_seg_map *m)
{
	rm_log(RM_LOG_WARN, "segment_rescan", "part=%u seg=%u generation=%u", rp->part->p,
	       m->h.seg_no, m->h.generation);
	struct rescan rs = { .t = rp->t, .generation = m->h.generation };
	rs.s.seg_no = m->h.seg_no;
	rs.s.generation = m->h.generation;
	struct log_scan_ops ops = { rescan_rec, NULL };
	enum rm_err err = log_scan(m->base, m->len, 0, &ops, &rs, NULL);
	if (err)
		return err;
	/* A segment without records has no entry (as a rebuild would find). */
	if (rs.s.records == 0)
		return meta_segment_del(rp->t, rs.s.seg_no);
	return meta_segment_put(rp->t, &rs.s);
}

/* ---- one segment ------------------------------------------------------------ */

static enum rm_err cut_tail(struct part *part, const char *path, uint64_t cut, uint64_t len)
{
	rm_log(RM_LOG_WARN, "log_torn_tail", "part=%u path=%s offset=%llu bytes=%llu action=truncate",
	       part->p, path, (unsigned long long)cut, (unsigned long long)(len - cut));
	int fd = open(path, O_RDWR | O_CLOEXEC);
	bool ok = fd >= 0 && ftruncate(fd, (off_t)cut) == 0 && fdatasync(fd) == 0;
	if (fd >= 0)
		close(fd);
	return ok ? RM_OK : RM_ERR_IO;
}

static enum rm_err recover_segment(struct replay *rp, uint32_t seg_no, bool last,
				   uint64_t applied, uint64_t *max_lsn, struct log_seg_header *h_r)
{
	struct part *part = rp->part;
	char path[STORE_PATH_MAX];
	log_seg_path(path, sizeof(path), part->logdir, seg_no, false);
	struct log_seg_map m;
	enum rm_err err = log_seg_map_open(path, &m);
	if (err)
		return err;
	*h_r = m.h;
	if (m.h.seg_no != seg_no || m.h.partition != part->p) {
		rm_log(RM_LOG_ERROR, "segment_misplaced", "path=%s seg=%u partition=%u", path,
		       m.h.seg_no, m.h.partition);
		log_seg_map_close(&m);
		return RM_ERR_CORRUPT;
	}
	struct meta_segment known;
	enum rm_err kerr = meta_segment_get(rp->t, seg_no, &known);
	if (kerr == RM_OK && known.generation != m.h.generation)
		err = rescan_segment(rp, &m);
	uint64_t len = m.len;
	if (err == RM_OK && last) {
		uint64_t cut = log_scan_tail(m.base, m.len);
		if (cut < m.len) {
			rp->st->truncated_bytes += m.len - cut;
			err = cut_tail(part, path, cut, m.len);
			len = cut;
		}
	}
	bool done = kerr == RM_OK && known.last_lsn <= applied && !last;
	if (err == RM_OK && !done) {
		struct log_scan_ops ops = { replay_rec, replay_bad };
		struct log_scan_stats ss;
		rp->pos = (struct meta_pos){ seg_no, m.h.generation, 0 };
		err = log_scan(m.base, len, applied, &ops, rp, &ss);
		rp->st->records += ss.records;
		*max_lsn = RM_MAX(*max_lsn, ss.last_lsn);
	} else if (kerr == RM_OK) {
		*max_lsn = RM_MAX(*max_lsn, known.last_lsn);
	}
	rp->st->segments++;
	log_seg_map_close(&m);
	if (last && err == RM_OK)
		part->tail = len;
	return err;
}

/* A roll whose batch never completed leaves a last segment without a valid
 * header; nothing in it was acknowledged. */
static bool drop_torn_roll(struct part *part, uint32_t seg_no)
{
	char path[STORE_PATH_MAX];
	log_seg_path(path, sizeof(path), part->logdir, seg_no, false);
	struct log_seg_map m;
	if (log_seg_map_open(path, &m) != RM_ERR_CORRUPT) {
		log_seg_map_close(&m);
		return false;
	}
	rm_log(RM_LOG_WARN, "log_torn_roll", "part=%u path=%s action=remove", part->p, path);
	return unlink(path) == 0 && log_dir_sync(part->logdir) == RM_OK;
}

/* ---- whole partition -------------------------------------------------------- */

static enum rm_err open_writer(struct part *part, const struct log_seg_header *h, uint64_t max_lsn,
			       uint64_t applied)
{
	char path[STORE_PATH_MAX];
	log_seg_path(path, sizeof(path), part->logdir, h->seg_no, false);
	part->seg_fd = open(path, O_WRONLY | O_CLOEXEC);
	part->logdir_fd = open(part->logdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (part->seg_fd < 0 || part->logdir_fd < 0) {
		rm_log(RM_LOG_ERROR, "log_open_failed", "path=%s errno=%d", path, errno);
		return RM_ERR_IO;
	}
	part->seg_no = h->seg_no;
	part->seg_gen = h->generation;
	part->seg_base_lsn = h->base_lsn;
	part->seg_header_pending = false;
	part->next_lsn = RM_MAX(RM_MAX(max_lsn, applied) + 1, h->base_lsn);
	return RM_OK;
}

static enum rm_err open_index(struct part *part, bool rebuild)
{
	char path[STORE_PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/index.lmdb", part->dir);
	RM_ASSERT(n > 0 && (size_t)n < sizeof(path));
	meta_close(&part->meta);
	enum rm_err err = rebuild ? meta_remove(path) : RM_OK;
	if (err == RM_OK)
		err = meta_open(path, part->store->opts.lmdb_map_bytes, &part->meta);
	if (err && !rebuild) {
		rm_log(RM_LOG_WARN, "index_unusable", "part=%u err=%s action=rebuild", part->p,
		       rm_err_str(err));
		return open_index(part, true);
	}
	return err;
}

enum rm_err store_recover(struct part *part, bool rebuild, struct store_replay_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->rebuilt = rebuild;
	enum rm_err err = open_index(part, rebuild);
	uint32_t *segs = NULL;
	size_t nsegs = 0;
	if (err == RM_OK)
		err = log_seg_list(part->logdir, true, &segs, &nsegs);
	while (err == RM_OK && nsegs > 1 && drop_torn_roll(part, segs[nsegs - 1]))
		nsegs--;
	if (err == RM_OK && nsegs == 0)
		err = RM_ERR_CORRUPT;      /* `ringmail init` creates segment 1 */
	struct replay rp = { .part = part, .st = st };
	if (err == RM_OK)
		err = meta_txn_begin(part->meta, true, &rp.t);
	uint64_t applied = err ? 0 : meta_applied_lsn(rp.t), max_lsn = 0;
	struct log_seg_header h = {0};
	for (size_t i = 0; err == RM_OK && i < nsegs; i++) {
		err = recover_segment(&rp, segs[i], i + 1 == nsegs, applied, &max_lsn, &h);
		if (err == RM_ERR_CORRUPT && i + 1 < nsegs) {
			rm_log(RM_LOG_ERROR, "segment_skipped", "part=%u seg=%u", part->p, segs[i]);
			st->corrupt_regions++;
			err = RM_OK;
		}
	}
	if (err == RM_OK)
		err = meta_txn_commit(&rp.t);
	meta_txn_abort(&rp.t);
	if (err == RM_OK)
		err = open_writer(part, &h, max_lsn, applied);
	free(segs);
	part->m.applied_lsn = part->next_lsn - 1;
	return err;
}
