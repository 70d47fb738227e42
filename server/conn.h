/*
 * conn.h — one client connection on a worker's ring: receive (multishot
 * recv from the worker's provided-buffer ring, so an idle connection holds no
 * receive buffer), optional TLS, an output queue with one send in flight,
 * timeouts, close, and hand-off to another worker.
 *
 * The protocol on top (IMAP now, LMTP later) sees plaintext only, through
 * struct conn_proto.  It writes responses into conn_out(c) and the bytes go
 * out at the end of the loop turn (one send for everything a turn produced).
 *
 * Lifetime: a connection lives while refs > 0.  It holds one reference for
 * being open, one for an armed receive, one for a send in flight; the
 * protocol takes one for each asynchronous operation it starts
 * (conn_ref/conn_unref).  proto->closed runs when the last is dropped, so a
 * late completion never finds freed memory.
 */
#ifndef RM_CONN_H
#define RM_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/loop.h"
#include "server/addr.h"

struct conn;
struct worker;
struct tls_conn;

struct conn_proto {
	const char *name;
	/** Plaintext input.  Returns the bytes used; the rest is kept in the
	 * connection and offered again after conn_input_resume(). */
	size_t (*input)(struct conn *c, const char *data, size_t len);
	/** Queued output fell under RM_OUTQ_SOFT_BYTES after conn_wait_drain(). */
	void (*drained)(struct conn *c);
	/** The connection timed out (autologout): say goodbye and close. */
	void (*timeout)(struct conn *c);
	/** The server is stopping: say goodbye when convenient. */
	void (*shutdown)(struct conn *c);
	/** The connection now runs on another worker (after conn_handoff). */
	void (*arrived)(struct conn *c);
	/** Last reference dropped: free protocol state. */
	void (*closed)(struct conn *c);
	/** Sent in plaintext to a connection refused for capacity
	 * (max_connections, max_connections_per_ip), then it is closed; NULL
	 * sends nothing. */
	const char *refusal;
};

struct outq_block;

enum conn_timeout_class { CONN_TO_PREAUTH, CONN_TO_AUTH, CONN_TO__COUNT };

struct conn {
	struct worker *w;
	const struct conn_proto *proto;
	void *proto_state;
	int fd;
	uint32_t refs;
	uint64_t id;
	struct rm_addr peer;
	uint16_t peer_port;
	bool tls_port;            /* accepted on an implicit-TLS listener */
	bool secure;              /* TLS or loopback: plaintext auth allowed? see imap */

	bool recv_armed;
	bool recv_paused;         /* input backlog over its limit */
	bool recv_nobufs;         /* waiting for provided buffers */
	bool sending;
	bool closing;
	bool close_after_flush;
	bool in_input;            /* inside proto->input (no re-entry) */
	bool resume_wanted;
	bool discard_input;       /* STARTTLS: drop what was pipelined after it */
	bool want_drain;
	bool dirty;
	bool handing_off;
	bool handoff_posted;
	bool counted;             /* in conns_total / addr table */

	struct rm_op recv_op;
	struct rm_op send_op;
	struct rm_op handoff_op;
	struct worker *handoff_to;

	struct rm_buf pending;    /* plaintext responses of this turn */
	struct rm_buf in;         /* plaintext input not yet used */
	struct outq_block *out_head;
	struct outq_block *out_tail;
	uint64_t out_bytes;
	uint64_t send_progress_ms;
	struct tls_conn *tls;
	struct compress *z;       /* COMPRESS=DEFLATE, above TLS */
	bool z_started;           /* just turned on: the rest of this input is compressed */

	struct conn *dirty_next;
	struct conn *lru_prev, *lru_next;
	enum conn_timeout_class to_class;
	uint64_t active_ms;
	struct conn *busy_prev, *busy_next;   /* worker's list of conns with output */
};

/** Creates the connection for an accepted socket and lets proto greet.
 * Takes the fd.  Called by the worker's accept handler. */
void conn_accept(struct worker *w, int fd, bool tls_port, const struct conn_proto *proto);

/** The response buffer; write into it, then conn_mark_dirty(). */
static inline struct rm_buf *conn_out(struct conn *c) { return &c->pending; }
/** Schedules an output flush at the end of this loop turn. */
void conn_mark_dirty(struct conn *c);
void conn_write(struct conn *c, const void *data, size_t len);
/** Sends what is queued now (before a state change such as STARTTLS). */
void conn_flush(struct conn *c);
/** Asks for proto->drained once queued output falls under the soft limit;
 * returns false (and asks nothing) when it already is under it. */
bool conn_wait_drain(struct conn *c);
uint64_t conn_queued_bytes(const struct conn *c);

/** The protocol finished an asynchronous step and can take input again. */
void conn_input_resume(struct conn *c);

/** Starts TLS (STARTTLS): flushes queued plaintext first, drops input that
 * arrived after the command (RFC 9051 §6.2.1), then speaks TLS. */
bool conn_start_tls(struct conn *c);

/** Starts COMPRESS=DEFLATE (RFC 4978): what is queued goes out as it is
 * (the tagged OK); every byte after it, both ways, is deflated, including
 * input the client sent right behind the command. */
void conn_start_compress(struct conn *c);

void conn_ref(struct conn *c);
void conn_unref(struct conn *c);

/** Closes now (queued output may be lost).  reason goes to the log. */
void conn_close(struct conn *c, const char *reason);
/** Closes once everything queued has been sent. */
void conn_close_after_flush(struct conn *c);

/** Moves the timeout class (pre-auth → authenticated) and resets the clock. */
void conn_set_timeout_class(struct conn *c, enum conn_timeout_class cls);
void conn_touch(struct conn *c);

/** Moves the connection to worker `to` (the owner of the user's partition):
 * stops receiving here, waits for output in flight, then posts it with
 * IORING_OP_MSG_RING; proto->arrived runs on `to`.  Input that arrived in the
 * meantime is kept. */
void conn_handoff(struct conn *c, struct worker *to);

/* Worker-side entry points (worker.c). */
void conn_flush_dirty(struct worker *w);
void conn_check_timeouts(struct worker *w, uint64_t now_ms);
void conn_rearm_nobufs(struct worker *w);

#endif
