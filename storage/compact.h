/*
 * compact.h — reclaiming dead message bytes.  A sealed segment whose live
 * bytes fall under a threshold is rewritten with the same records minus the
 * BLOBs nobody references any more (same LSNs, same order, record bytes
 * copied verbatim), under generation + 1.
 *
 * Crash safety, step by step (COMPACT_STEP_*):
 *   1 writing SSSSSSSS.seg.tmp   the old file is authoritative; recovery
 *                                removes the .tmp
 *   2 tmp fdatasync'd            same
 *   3 rename(tmp, seg)           the new file is authoritative; its records
 *                                are a superset of every live one
 *   4 directory fsync'd          same, and the rename survives a power cut
 *   5 index updated              blobs point into the new generation; when
 *                                this update is lost (crash before an LMDB
 *                                sync) recovery sees generation != index and
 *                                rescans the segment to repoint its blobs
 * Readers holding the old file keep their descriptor until they finish.
 */
#ifndef RM_COMPACT_H
#define RM_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct part;
struct store;

enum compact_step {
	COMPACT_STEP_WRITTEN = 1,
	COMPACT_STEP_SYNCED = 2,
	COMPACT_STEP_RENAMED = 3,
	COMPACT_STEP_DIRSYNCED = 4,
	COMPACT_STEP_INDEXED = 5,
};

/** Test hook: called after each step (NULL in production).  The crash test
 * sets it to _exit at a chosen step. */
extern void (*compact_step_hook)(enum compact_step step, uint32_t seg_no);

/** Where one kept BLOB moved to. */
struct compact_move {
	uint64_t lsn;
	uint64_t offset;
};

/** One segment rewrite: inputs, then results of compact_copy_run(). */
struct compact_copy {
	const char *logdir;
	uint32_t seg_no;
	const uint64_t *live;        /* sorted LSNs of BLOBs to keep */
	size_t nlive;
	/* results */
	uint32_t generation;         /* the new one */
	struct compact_move *moves;  /* malloc'd; compact_copy_free */
	size_t nmoves;
	uint64_t records;
	uint64_t bytes_before;
	uint64_t bytes_after;        /* record bytes kept */
	uint64_t first_lsn;
	uint64_t last_lsn;
	uint64_t dropped;            /* BLOB records dropped */
	bool renamed;                /* step 3 happened: the index must follow */
};

/** Steps 1-4 (blocking; any thread, no index access).  RM_ERR_IO,
 * RM_ERR_CORRUPT (the old segment's header).  On an error with renamed set
 * (the directory sync failed) the new file is in place all the same. */
enum rm_err compact_copy_run(struct compact_copy *c);
void compact_copy_free(struct compact_copy *c);

struct compact_stats {
	uint64_t segments_checked;
	uint64_t segments_rewritten;
	uint64_t bytes_before;
	uint64_t bytes_after;
	uint64_t blobs_dropped;
};

/** `ringmail compact`: rewrites every sealed segment of an offline
 * partition whose live bytes are under live_percent of its bytes (100:
 * every segment holding a dead blob). */
enum rm_err compact_part_offline(struct part *part, unsigned live_percent,
				 struct compact_stats *r);

#endif
