/*
 * command.h — the IMAP command table and dispatcher.
 *
 * Each command is described once: name, the states it is allowed in, flags,
 * handler.  The dispatcher checks tag, name, state and UID-prefix use before
 * the handler runs, so handlers never re-check them; it answers BAD for
 * what the handler's parser rejected, counts consecutive BADs, and sends
 * pending untagged mailbox updates at the points RFC 9051 §7.5.1 allows.
 */
#ifndef RM_IMAP_COMMAND_H
#define RM_IMAP_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#include "server/imap/session.h"

enum imap_cmd_flags {
	CMD_F_UID = 1 << 0,          /* has a UID form ("UID FETCH") */
	CMD_F_UID_ONLY = 1 << 1,     /* only as "UID EXPUNGE" */
	CMD_F_USES_SEQS = 1 << 2,    /* sequence numbers: no EXPUNGE during it */
	CMD_F_APPEND_LITERAL = 1 << 3, /* literals up to append_max_bytes */
	CMD_F_NO_SYNC = 1 << 4,      /* send no untagged updates around it */
};

typedef void imap_handler_fn(struct imap_cmd *cmd);

struct imap_command_def {
	const char *name;
	unsigned states;             /* enum imap_state bits */
	unsigned flags;              /* enum imap_cmd_flags */
	imap_handler_fn *handler;
};

/** Looks a command name up (case-insensitive). */
const struct imap_command_def *imap_command_find(const char *name, size_t len);

/** Runs the framed command in s->fr. */
void imap_dispatch(struct imap_session *s);

/** Literal size limit for the command being framed, in the current state. */
uint64_t imap_literal_limit(const struct imap_session *s, const struct imap_command_def *def,
			    bool nonsync);

/* Handlers (one file per family). */
imap_handler_fn cmd_capability, cmd_noop, cmd_logout, cmd_id, cmd_enable, cmd_unauthenticate;
imap_handler_fn cmd_starttls, cmd_login, cmd_authenticate, cmd_compress;
imap_handler_fn cmd_getquota, cmd_getquotaroot;
imap_handler_fn cmd_append, cmd_replace, cmd_fetch, cmd_store, cmd_copy, cmd_move, cmd_expunge;
imap_handler_fn cmd_select, cmd_examine, cmd_close, cmd_unselect, cmd_check, cmd_idle;
imap_handler_fn cmd_create, cmd_delete, cmd_rename, cmd_subscribe, cmd_unsubscribe;
imap_handler_fn cmd_list, cmd_lsub, cmd_namespace, cmd_status;
imap_handler_fn cmd_search, cmd_sort, cmd_thread;

/** NO [OVERQUOTA] decision for adding bytes/messages to the session's
 * user (cmd_quota.c; RM_ERR_QUOTA when a limit would be passed). */
enum rm_err imap_quota_check(struct imap_session *s, uint64_t adding_bytes,
			     uint64_t adding_messages);

/** APPEND's literals go straight into store message buffers (cmd_append.c). */
char *append_literal_alloc(uint64_t len, void **owner_r);
void append_literal_free(void *owner);

/** Writes the capability list for the session's state (no "* CAPABILITY"
 * prefix, no CRLF). */
void imap_capability_write(const struct imap_session *s, struct rm_buf *out);

#endif
