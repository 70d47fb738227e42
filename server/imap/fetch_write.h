/*
 * fetch_write.h — one message's FETCH response, from what cmd_fetch.c
 * gathered: the index entry, the MIME cache blob, and (when a body item
 * needs them) the bytes of the message range the items cover.
 */
#ifndef RM_IMAP_FETCH_WRITE_H
#define RM_IMAP_FETCH_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "server/imap/fetch_parse.h"
#include "server/imap/seqset.h"
#include "storage/store.h"

struct imap_session;

/** A message as FETCH sees it (copied out of the index: valid after the
 * view ends). */
struct fetch_msg {
	uint32_t seq;
	uint32_t uid;
	bool gone;                 /* expunged meanwhile */
	bool recent;
	bool seen_set;             /* this FETCH just set \Seen: report FLAGS */
	struct store_msg meta;     /* keywords_le points to kw */
	uint8_t *kw;
	void *cache;               /* MIME cache blob copy, or NULL */
	size_t cache_len;
	/* Message bytes [body_off, body_off + body_len) when needed. */
	char *body;
	size_t body_off;
	size_t body_len;
	size_t want_off;           /* the range to read */
	size_t want_len;
	bool need_read;
	struct store_read rd;
	void *ctx;                 /* the command's state (cmd_fetch.c) */
};

/** The message range the body items need (offset, length), computed from
 * the cache blob; false when no item needs message bytes. */
bool fetch_range(const struct fetch_req *req, const struct fetch_msg *m, size_t *off_r,
		 size_t *len_r);

/** Writes "* seq FETCH (...)\r\n".  v is an open view (keyword names).
 * Returns false when an item cannot be produced (BINARY of an unknown
 * transfer encoding: the caller answers NO [UNKNOWN-CTE]). */
bool fetch_write(struct imap_session *s, struct store_view *v, const struct fetch_req *req,
		 bool uid_cmd, const struct fetch_msg *m, struct rm_buf *out);

/** qsort comparator for uint32_t, ascending. */
int fetch_u32_cmp(const void *a, const void *b);

/** Writes "* VANISHED (EARLIER) <uids>" for the UIDs in set expunged with
 * a MODSEQ above since (RFC 7162 §3.2.6, §3.2.10.1); nothing when none.
 * When since is below the mailbox's vanished floor (the history was
 * trimmed, config vanished_keep) it names every UID of set above `above`
 * and below UIDNEXT that is not in the mailbox instead (§5.1); `above`
 * comes from SELECT's seq-match-data (§3.2.5.2), else 0. */
void fetch_write_vanished(struct imap_session *s, const struct seqset *set, uint64_t since,
			  uint32_t above);

#endif
