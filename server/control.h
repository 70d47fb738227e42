/*
 * control.h — the control socket: a UNIX socket the running server serves
 * so that `ringmail` can change and inspect it while it owns the data
 * directory (the CLI sees RM_ERR_BUSY from store_open and comes here).
 * The line protocol is in control_wire.h.
 *
 * A request runs on the worker that accepted it until it names a user;
 * then it hops (server/hop.h) to the owner of the user's partition, which
 * reads the index, queues store requests, or walks its connections (KICK),
 * builds the response text in the request, and hops back.  Requests run
 * one at a time per connection, except consecutive APPENDs, which run
 * together (up to RM_CONTROL_PIPELINE_MAX) and so share group commits;
 * the store queues them in order, so UIDs follow the request order.
 * Responses go out in request order.  The socket is created mode 0600
 * (root or the server's user only: it can read and change every mailbox).
 */
#ifndef RM_CONTROL_H
#define RM_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "server/conn.h"
#include "server/control_wire.h"
#include "server/auth/auth_pool.h"
#include "server/hop.h"
#include "storage/store.h"

struct passwd_db;
struct passwd_entry;

/** The protocol table given to conn_accept for the control listener. */
extern const struct conn_proto control_proto;

enum control_verb { CTL_PING, CTL_USER_SHOW, CTL_USER_ENSURE, CTL_MAILBOX_LIST,
		    CTL_MAILBOX_CREATE, CTL_MAILBOX_DELETE, CTL_APPEND, CTL_KICK, CTL_MSG_LIST,
		    CTL_MSG_GET, CTL_USER_DELETE, CTL_SUBSCRIBE };

/** One request in flight (control.c builds it, control_ops.c runs it on
 * the owner).  Strings point into the connection's line buffer, which is
 * kept until the reply. */
struct control_req {
	struct hop hop;
	struct conn *c;
	struct control_req *next;      /* the connection's queue, in order */
	char *text;                    /* the request line (argv points here) */
	bool started;
	bool done;                     /* out holds the whole response */
	enum control_verb verb;
	char *argv[CONTROL_ARGS_MAX];
	size_t lens[CONTROL_ARGS_MAX];
	int argc;
	struct passwd_db *db;          /* reference while the request runs */
	const struct passwd_entry *entry;
	unsigned partition;
	bool user_created;             /* the user was created by this request */
	bool reloaded;                 /* USER-DELETE: passwd-file read again */
	struct auth_job reload;        /* USER-DELETE: the re-read, off the worker */
	unsigned kicked;               /* USER-DELETE: sessions ended */
	uint64_t deleted_messages;     /* USER-DELETE: what the user had */
	struct store_msgbuf *msg;      /* APPEND payload, given to the store */
	uint32_t flags;                /* APPEND: STORE_F_* */
	const char *kw[64];            /* APPEND keywords (point into argv) */
	size_t kw_lens[64];
	unsigned nkw;
	int64_t date_s;
	size_t payload_bytes;          /* APPEND: bytes that follow the line */
	union {
		struct store_user_create uc;
		struct store_mbox_create mc;
		struct store_mbox_delete md;
		struct store_user_delete ud;
		struct store_subscribe sub;
		struct store_append ap;
	} rq;
	struct store_rcpt rcpt;
	struct store_read rd;          /* MSG-GET */
	char *body;                    /* MSG-GET: the bytes being read */
	struct rm_buf out;             /* the response, written on the owner */
};

/** Parses a request line (control_wire.h) into r, which must be zeroed
 * but for r->c.  Fields point into line, which must stay alive and
 * unchanged until the request ends.  Takes a reference to db (may be
 * NULL) for the request.  Returns NULL, or the "NO ..." answer for a
 * request that cannot run.  For APPEND, r->payload_bytes says how many
 * bytes the caller must read into r->msg (store_msgbuf_alloc). */
const char *control_req_parse(struct control_req *r, char *line, size_t len,
			      struct passwd_db *db, const struct store *store,
			      uint64_t append_max_bytes);

/** On the owner: runs the request and calls hop_return when the response
 * is in req->out (control_ops.c). */
void control_ops_run(struct hop *h);

#endif
