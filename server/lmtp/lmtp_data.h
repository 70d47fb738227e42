/*
 * lmtp_data.h — the DATA phase of LMTP (RFC 5321 §4.1.1.4, §4.5.2): reads
 * the message up to the line ".", removing the dot that the client added in
 * front of every line starting with one (dot-stuffing).  Incremental: bytes
 * arrive in any split; nothing is parsed twice.
 *
 * The end marker is "." alone on a line ending in CRLF; a bare LF is
 * accepted as a line end too (lenient, as Postfix and Dovecot are).  Past
 * max_bytes the rest is read and dropped and too_big is set, so the session
 * can answer 552 for every recipient and stay in sync with the client.
 */
#ifndef RM_LMTP_DATA_H
#define RM_LMTP_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum lmtp_data_state { LMTP_DATA_BOL, LMTP_DATA_MID, LMTP_DATA_DOT, LMTP_DATA_DOTCR };

struct lmtp_data {
	struct rm_buf body;        /* the message, unstuffed; owned */
	uint64_t max_bytes;
	bool too_big;
	enum lmtp_data_state state;
};

/** Starts a message; keeps body's memory from the previous one. */
void lmtp_data_begin(struct lmtp_data *d, uint64_t max_bytes);

/** Consumes n bytes of p.  Returns 1 when the end line was read (*used_r
 * bytes of p were used, the rest is the next command), 0 when every byte
 * was used and more are needed. */
int lmtp_data_feed(struct lmtp_data *d, const char *p, size_t n, size_t *used_r);

/** Frees body. */
void lmtp_data_fini(struct lmtp_data *d);

#endif
