/*
 * select.h — helpers shared by the commands of the selected state: mailbox
 * arguments, and sequence sets resolved against the session's view into
 * UID lists (arena memory, valid until the command ends).
 */
#ifndef RM_IMAP_SELECT_H
#define RM_IMAP_SELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "server/imap/session.h"
#include "server/imap/seqset.h"

/** Converts a mailbox argument into the internal name (out is reset).  On
 * failure it has replied (NO [CANNOT]/[LIMIT], BAD) and returns false. */
bool imap_mailbox_arg(struct imap_cmd *cmd, const struct imap_str *arg, struct rm_buf *out);

/** Resolves set (sequence numbers, or UIDs when uid) against the view into
 * ascending UIDs of messages in the view.  Sequence numbers past the
 * mailbox's end are an error: it replies BAD and returns false (RFC 9051
 * §9: seq-number <= EXISTS).  UIDs that do not exist are skipped. */
bool select_set_uids(struct imap_cmd *cmd, struct seqset *set, bool uid, uint32_t **uids_r,
		     unsigned *n_r);

/** UIDs (ascending) of the view's messages flagged \Deleted, limited to
 * the UIDs in filter when it is not NULL (UID EXPUNGE). */
unsigned select_deleted_uids(struct imap_session *s, const struct seqset *filter,
			     uint32_t **uids_r);

#endif
