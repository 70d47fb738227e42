/*
 * session.h — one IMAP session on a connection: its state (RFC 9051 §3),
 * the command in progress, enabled extensions, the authenticated user.
 *
 * Input flows frame.c → command.c (dispatch) → one handler in cmd_*.c.  One
 * command runs at a time; while it runs (it may wait for the auth pool or a
 * commit) further input stays queued in the connection.  A handler finishes
 * with imap_cmd_reply(); a handler that waits sets cmd->async and replies
 * later from its completion.
 */
#ifndef RM_IMAP_SESSION_H
#define RM_IMAP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/limits.h"
#include "common/loop.h"
#include "server/conn.h"
#include "server/imap/frame.h"
#include "server/imap/parse.h"
#include "server/imap/seqset.h"

enum imap_state {
	IMAP_ST_NOTAUTH = 1 << 0,
	IMAP_ST_AUTH = 1 << 1,
	IMAP_ST_SELECTED = 1 << 2,
	IMAP_ST_LOGOUT = 1 << 3,
};

/* Extensions a client turned on with ENABLE (RFC 5161). */
enum imap_enabled {
	IMAP_EN_UTF8 = 1 << 0,       /* UTF8=ACCEPT (RFC 6855) */
	IMAP_EN_CONDSTORE = 1 << 1,  /* RFC 7162 */
	IMAP_EN_QRESYNC = 1 << 2,    /* RFC 7162 */
	IMAP_EN_REV2 = 1 << 3,       /* IMAP4rev2 (RFC 9051) */
};

struct imap_session;
struct imap_command_def;
struct imap_view;
struct uid_range;
struct imap_cmd;

typedef void imap_line_fn(struct imap_cmd *cmd, const char *line, size_t len);

struct imap_cmd {
	struct imap_session *s;
	const struct imap_command_def *def;
	char tag[RM_TAG_MAX_BYTES + 1];
	struct imap_parser p;
	bool uid;              /* UID prefix */
	bool async;            /* the handler will reply later */
	bool active;
	/* When set, each further input line goes here (AUTHENTICATE
	 * responses, IDLE's DONE) instead of being framed as a command. */
	imap_line_fn *on_line;
	/* The connection closed while the command waits: release what the
	 * command holds.  The completion that follows must not reply. */
	void (*on_abort)(struct imap_cmd *cmd);
	/* Output fell under the soft limit after conn_wait_drain() (FETCH
	 * streaming a large result). */
	void (*on_drained)(struct imap_cmd *cmd);
	void *ctx;             /* handler state, in the arena */
	uint64_t start_ms;
};

struct imap_session {
	struct conn *c;
	enum imap_state state;
	uint32_t enabled;          /* enum imap_enabled */
	struct imap_frame fr;
	struct rm_arena arena;     /* per command; released when it ends */
	struct imap_cmd cmd;
	bool in_dispatch;
	bool waiting_drain;        /* input paused until output drains */
	bool bye_pending;          /* server stopping: BYE after this command */
	unsigned bad_count;
	unsigned auth_failures;
	/* Set once authenticated. */
	char *login;
	unsigned partition;
	uint64_t auth_ns;             /* when LOGIN/AUTHENTICATE succeeded (rm_now_ns) */
	uint64_t user_id;
	/* Selected state. */
	struct imap_view *view;
	/* \Recent claims of the last mailbox closed, for a re-SELECT. */
	struct uid_range *recent_kept;
	unsigned recent_kept_n;
	uint64_t recent_kept_mailbox;
	/* SEARCHRES (RFC 5182): the last saved result, UIDs; heap memory. */
	struct seqset searchres;
};

/** The protocol table given to conn_accept for IMAP listeners. */
extern const struct conn_proto imap_proto;

static inline struct imap_session *imap_session_of(struct conn *c)
{
	return c->proto_state;
}

/** Finishes the command: "tag status text\r\n" (status "OK", "NO",
 * "BAD"; text may start with a [CODE]), then takes the next command. */
void imap_cmd_reply(struct imap_cmd *cmd, const char *status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** NO for a store request that failed for a reason of the server's, not
 * the client's: [UNAVAILABLE] when the store cannot write now (the
 * partition went read-only after a disk error such as a full disk, the
 * server is stopping, memory ran out: RFC 5530 §3, try again later),
 * [SERVERBUG] otherwise.  what names the command ("APPEND"). */
void imap_reply_store_failure(struct imap_cmd *cmd, const char *what, enum rm_err err);
/** Finishes the command when the handler wrote its tagged line itself. */
void imap_cmd_finish_silent(struct imap_cmd *cmd);
/** Writes an untagged line "* <fmt>\r\n". */
void imap_untagged(struct imap_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/** The response buffer (for handlers building responses piece by piece). */
static inline struct rm_buf *imap_out(struct imap_session *s)
{
	return conn_out(s->c);
}
/** True once the command may not reply any more (connection gone). */
static inline bool imap_cmd_dead(const struct imap_cmd *cmd)
{
	return cmd->s->c->closing;
}
/** The command continues with client lines (AUTHENTICATE challenges, IDLE):
 * each further line goes to fn.  Call only after the handler has finished
 * with its parsed arguments (the command text is released). */
void imap_cmd_wait_line(struct imap_cmd *cmd, imap_line_fn *fn);
/** For async completions: drops the reference the command took. */
void imap_cmd_async_begin(struct imap_cmd *cmd);
void imap_cmd_async_end(struct imap_cmd *cmd);

/** Ends the session with "* BYE <text>" and closes after the flush. */
void imap_bye(struct imap_session *s, const char *text);

/** Opens (creating on first login) the authenticated user s->login in
 * its partition on this worker, then calls done (session_user.c). */
void session_user_open(struct imap_session *s, void (*done)(struct imap_session *s, enum rm_err err));

/** The partition of the session's user (owned by this worker). */
struct part *session_part(const struct imap_session *s);
/** The session user's mailbox by internal name, looked up in a view that
 * ends before the return: mb_r->name is NULL (counts, ids and UIDs are
 * what it is for).  RM_ERR_NOTFOUND when there is no such mailbox. */
struct store_mailbox;
enum rm_err session_mailbox_find(struct imap_session *s, const char *name, size_t len,
				 struct store_mailbox *mb_r);

/** Runs on the owner worker after a login's hand-off (cmd_auth.c). */
void imap_auth_arrived(struct imap_session *s);

/** A CONDSTORE enabling command ran (RFC 7162 §3.1): from now on untagged
 * FETCH responses carry MODSEQ; the first one with a mailbox selected
 * reports its HIGHESTMODSEQ (view.c). */
void imap_condstore_enable(struct imap_session *s);

/** True when plaintext mechanisms (LOGIN, PLAIN) are allowed here. */
bool imap_plaintext_auth_ok(const struct imap_session *s);

#endif
