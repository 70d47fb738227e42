/*
 * log_segment.h — segment files of a partition's log: names, the 64-byte
 * segment header (log_format.h), listing, and read-only mappings for the
 * blocking paths (recovery, verify, reindex, compaction).  The server's
 * appends and message reads go through io_uring (store_commit.c,
 * store_read.c) and use only the names and headers from here.
 */
#ifndef RM_LOG_SEGMENT_H
#define RM_LOG_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "storage/log_format.h"

/* "SSSSSSSS.seg.tmp" plus a directory: callers use PATH_MAX buffers. */
#define LOG_SEG_NAME_MAX 24

struct log_seg_header {
	uint32_t seg_no;
	uint32_t generation;
	uint32_t partition;
	uint64_t base_lsn;
};

/** Writes the 64-byte header (with its checksum) into out. */
void log_seg_header_encode(const struct log_seg_header *h, uint8_t *out);
/** Checks magic, version and checksum; RM_ERR_CORRUPT when wrong. */
enum rm_err log_seg_header_decode(const uint8_t *in, struct log_seg_header *h);

/** "<logdir>/SSSSSSSS.seg" (or ".seg.tmp") into out; asserts it fits. */
void log_seg_path(char *out, size_t cap, const char *logdir, uint32_t seg_no, bool tmp);

/** Segment numbers present in logdir, ascending.  *segs_r is malloc'd and
 * owned by the caller (free()); NULL when *n_r == 0.  Names that are not
 * segments are ignored; "*.seg.tmp" files are removed when remove_tmp
 * (compaction output whose rename never happened: the old file is still
 * authoritative).  RM_ERR_IO when the directory cannot be read. */
enum rm_err log_seg_list(const char *logdir, bool remove_tmp, uint32_t **segs_r, size_t *n_r);

/** Creates segment seg_no (O_EXCL), writes its header, fdatasyncs it and the
 * directory.  Blocking: for `ringmail init` and offline tools. */
enum rm_err log_seg_create_sync(const char *logdir, const struct log_seg_header *h);

/** fsync of a directory (after create, rename, unlink).  RM_ERR_IO. */
enum rm_err log_dir_sync(const char *dir);

/** A read-only mapping of a whole segment.  base is NULL for an empty file. */
struct log_seg_map {
	int fd;
	uint8_t *base;
	size_t len;
	struct log_seg_header h;
};

/** Maps the segment read-only and checks its header.  On error nothing is
 * left open.  RM_ERR_IO (open/mmap), RM_ERR_CORRUPT (header). */
enum rm_err log_seg_map_open(const char *path, struct log_seg_map *m);
/** Unmaps and closes; safe on a zeroed or already closed map. */
void log_seg_map_close(struct log_seg_map *m);

#endif
