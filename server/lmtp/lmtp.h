/*
 * lmtp.h — LMTP delivery (RFC 2033) on a worker's connections.
 *
 * A session runs on the worker that accepted it and never moves: its
 * recipients usually live in several partitions owned by different
 * workers.  Work on a partition goes to its owner as a *hop*
 * (server/hop.h): an op posted with IORING_OP_MSG_RING that runs a function
 * on the owner and comes back the same way (a direct call when the owner
 * is this worker).  Two hops exist:
 *   - RCPT: the owner checks the user's quota against the store's counters
 *     (552 5.2.2 when the message, by its SIZE parameter, would not fit);
 *   - DATA: recipients are grouped by partition; each group gets one copy
 *     of the message (store_msgbuf) and one store_append with a store_rcpt
 *     per recipient, so recipients of one partition share one stored blob
 *     (single-instance storage).  The owner creates store users first seen
 *     here, checks quota again with the real size, resolves +detail to a
 *     mailbox (INBOX when absent), appends, and hops back.  When every
 *     group is back the session writes one reply per accepted RCPT, in
 *     order (RFC 2033 §4.2), after the commit made them durable.
 * The session holds a connection reference for each hop in flight, so its
 * state outlives a client that hangs up meanwhile.
 */
#ifndef RM_LMTP_H
#define RM_LMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/loop.h"
#include "server/conn.h"
#include "server/hop.h"
#include "server/lmtp/lmtp_data.h"
#include "server/lmtp/lmtp_parse.h"

struct worker;
struct passwd_db;
struct passwd_entry;

/** The protocol table given to conn_accept for LMTP listeners. */
extern const struct conn_proto lmtp_proto;

/** One accepted RCPT.  Strings are heap copies owned by the session. */
struct lmtp_rcpt {
	char *addr;                /* as the client wrote it */
	size_t addr_len;
	const struct passwd_entry *entry;   /* valid while the session holds db */
	char *detail;              /* +detail, NUL-terminated, or NULL */
	size_t detail_len;
	unsigned partition;
	enum rm_err err;           /* delivery result */
	uint32_t uid;
};

struct lmtp_session {
	struct conn *c;
	bool lhlo_done;
	bool in_mail;              /* after a successful MAIL FROM */
	bool in_data;
	bool busy;                 /* a hop is out: input waits */
	bool bye_after;            /* shutdown asked while busy */
	char helo[128];
	char *from;                /* reverse-path, NUL-terminated */
	struct lmtp_mail_params params;
	struct lmtp_rcpt *rcpts;
	unsigned nrcpts;
	struct rm_buf line;        /* command line being framed */
	bool line_too_long;
	struct lmtp_data data;
	unsigned bad;
	struct passwd_db *db;      /* reference for the transaction */
	uint64_t tx;               /* transactions in this session */
	uint64_t start_ms;         /* of the DATA delivery, for the log */
	/* RCPT quota hop. */
	struct hop check;
	enum rm_err check_err;
	bool check_found;          /* the store knows the user */
};

/** Delivers s->data.body to every recipient (DATA hop); calls
 * lmtp_session_delivered(s) on the session's worker when all are back.
 * Takes a connection reference until then. */
void lmtp_deliver_start(struct lmtp_session *s);
/** Every recipient's err/uid is set: write the replies, resume input. */
void lmtp_session_delivered(struct lmtp_session *s);
/** The RCPT quota hop: on return s->check_err is RM_OK or RM_ERR_QUOTA;
 * then lmtp_session_checked(s) runs on the session's worker. */
void lmtp_rcpt_check_start(struct lmtp_session *s, struct lmtp_rcpt *r);
void lmtp_session_checked(struct lmtp_session *s);

/** The passwd entry an address names: the whole address, then without
 * +detail, then the local part alone (with and without detail).  Fills
 * *parts_r.  NULL when no login matches. */
const struct passwd_entry *lmtp_rcpt_lookup(const struct passwd_db *db, const char *addr,
					    size_t len, struct lmtp_addr_parts *parts_r);

#endif
