/*
 * thread.h — THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §3),
 * over the matched messages loaded by search_sort.c.
 */
#ifndef RM_IMAP_THREAD_H
#define RM_IMAP_THREAD_H

#include <stdint.h>

#include "common/buf.h"
#include "server/imap/search_sort.h"

/** Appends the thread-lists (RFC 5256 §5 thread-data without "THREAD")
 * of m[0..n) to out.  m is reordered. */
void thread_orderedsubject(struct sort_msg *m, uint32_t n, struct rm_buf *out);
void thread_references(struct sort_msg *m, uint32_t n, struct rm_buf *out);

#endif
