#include "storage/log_scan.h"

#include <string.h>

#include "common/limits.h"
#include "common/util.h"

/* A cursor over one segment's bytes. */
struct walker {
	const uint8_t *base;
	size_t len;
	uint64_t off;
	uint64_t last_lsn;
};

enum step { STEP_END, STEP_REC, STEP_BAD };

/* Decodes a fully checked record at off with LSN above last_lsn. */
static bool valid_at(const struct walker *w, uint64_t off, struct log_rec *r)
{
	if (off > w->len)
		return false;
	if (log_rec_decode(w->base + off, w->len - off, r) != RM_OK)
		return false;
	return r->lsn > w->last_lsn;
}

/* Where the next valid record after a bad one at `off` starts (w->len when
 * none).  A sane header is trusted for its length first so that a damaged
 * message body is skipped whole instead of searched for magic numbers. */
static uint64_t resync(const struct walker *w, uint64_t off)
{
	struct log_rec r;
	if (w->len - off >= LOG_REC_HEADER_BYTES &&
	    log_rec_header_parse(w->base + off, RM_RECORD_MAX_BYTES, &r) == RM_OK) {
		uint64_t next = off + LOG_REC_HEADER_BYTES + r.len;
		if (next == w->len)
			return next;
		if (next < w->len && valid_at(w, next, &r))
			return next;
	}
	uint8_t magic[4];
	rm_le32_put(magic, LOG_REC_MAGIC);
	uint64_t pos = off + 1;
	while (pos + LOG_REC_HEADER_BYTES <= w->len) {
		const uint8_t *hit = memmem(w->base + pos, w->len - pos, magic, sizeof(magic));
		if (!hit)
			break;
		pos = (uint64_t)(hit - w->base);
		if (valid_at(w, pos, &r))
			return pos;
		pos++;
	}
	return w->len;
}

static enum step walk_next(struct walker *w, struct log_rec *r, uint64_t *at_r, uint64_t *bad_len_r)
{
	if (w->off >= w->len)
		return STEP_END;
	*at_r = w->off;
	if (valid_at(w, w->off, r)) {
		w->off += LOG_REC_HEADER_BYTES + r->len;
		w->last_lsn = r->lsn;
		return STEP_REC;
	}
	uint64_t next = resync(w, w->off);
	*bad_len_r = next - w->off;
	w->off = next;
	return STEP_BAD;
}

enum rm_err log_scan(const uint8_t *base, size_t len, uint64_t after_lsn,
		     const struct log_scan_ops *ops, void *arg, struct log_scan_stats *stats_r)
{
	struct walker w = { base, len, LOG_SEG_HEADER_BYTES, 0 };
	struct log_scan_stats st;
	memset(&st, 0, sizeof(st));
	st.end = LOG_SEG_HEADER_BYTES;
	enum rm_err err = RM_OK;
	struct log_rec r;
	uint64_t at, bad_len;
	enum step s;
	while ((s = walk_next(&w, &r, &at, &bad_len)) != STEP_END) {
		if (s == STEP_BAD) {
			st.bad_regions++;
			st.bad_bytes += bad_len;
			if (ops->bad)
				ops->bad(arg, at, bad_len);
			continue;
		}
		st.records++;
		st.last_lsn = r.lsn;
		st.end = w.off;
		if (r.lsn > after_lsn && ops->rec) {
			err = ops->rec(arg, &r, at);
			if (err)
				break;
		}
	}
	if (stats_r)
		*stats_r = st;
	return err;
}

uint64_t log_scan_tail(const uint8_t *base, size_t len)
{
	struct walker w = { base, len, LOG_SEG_HEADER_BYTES, 0 };
	/* The open batch: where it starts and whether it holds anything. */
	uint64_t open_start = LOG_SEG_HEADER_BYTES;
	bool open_used = false, open_bad = false;
	/* The last batch that ended with LOG_F_BATCH_END. */
	uint64_t done_start = LOG_SEG_HEADER_BYTES;
	bool done_bad = false;
	struct log_rec r;
	uint64_t at, bad_len;
	enum step s;
	while ((s = walk_next(&w, &r, &at, &bad_len)) != STEP_END) {
		open_used = true;
		if (s == STEP_BAD) {
			open_bad = true;
			continue;
		}
		if (r.flags & LOG_F_BATCH_END) {
			done_start = open_start;
			done_bad = open_bad;
			open_start = w.off;
			open_used = open_bad = false;
		}
	}
	if (open_used)
		return open_start;      /* unterminated batch: never acknowledged */
	if (done_bad)
		return done_start;      /* the last batch was damaged in flight */
	return len;
}
