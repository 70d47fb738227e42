/*
 * log_scan.h — walking the records of one segment with every check: header,
 * checksum, payload structure, increasing LSNs.  Used by recovery, verify,
 * reindex and compaction, on memory (a log_seg_map).
 *
 * Corruption: a record that fails a check starts a bad region.  The scanner
 * looks for the next valid record — first right after the bad record when
 * its header still looks sane (payload bit rot), else at the next magic
 * whose record verifies and whose LSN is above the last good one — and
 * reports the region [off, next) through the `bad` callback.  Bad records
 * are never passed to `rec`.
 *
 * Torn tail (only meaningful for the last segment): at most one batch is in
 * flight per partition, so a crash can only damage the last batch.
 * log_scan_tail() finds where the last complete, clean batch ends; bytes after
 * it (a partial batch, or a batch with a bad record) were never acknowledged
 * and are cut by recovery.
 */
#ifndef RM_LOG_SCAN_H
#define RM_LOG_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "storage/log_record.h"

struct log_scan_ops {
	/** A valid record at byte offset off.  A non-RM_OK return stops the scan
	 * and is returned by log_scan(). */
	enum rm_err (*rec)(void *arg, const struct log_rec *r, uint64_t off);
	/** A bad region [off, off+len) that was skipped.  May be NULL. */
	void (*bad)(void *arg, uint64_t off, uint64_t len);
};

struct log_scan_stats {
	uint64_t records;
	uint64_t bad_regions;
	uint64_t bad_bytes;
	uint64_t last_lsn;      /* highest valid LSN seen (0: none) */
	uint64_t end;           /* offset after the last valid record */
};

/** Scans base[LOG_SEG_HEADER_BYTES, len) in order.  Records with
 * LSN <= after_lsn are checked but not passed to ops->rec (replay from a
 * checkpoint).  stats_r may be NULL.  Returns RM_OK or what ops->rec
 * returned. */
enum rm_err log_scan(const uint8_t *base, size_t len, uint64_t after_lsn,
		     const struct log_scan_ops *ops, void *arg, struct log_scan_stats *stats_r);

/** Offset at which the last segment must be cut: len when its last batch is
 * complete and clean, else the start of that batch.  Checks every record. */
uint64_t log_scan_tail(const uint8_t *base, size_t len);

#endif
