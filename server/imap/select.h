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

struct imap_view;

/** Converts a mailbox argument into the internal name (out is reset).  On
 * failure it has replied (NO [CANNOT]/[LIMIT], BAD) and returns false. */
bool imap_mailbox_arg(struct imap_cmd *cmd, const struct imap_str *arg, struct rm_buf *out);

/** Resolves set (sequence numbers, or UIDs when *uid) against the view:
 * "$" becomes the saved SEARCHRES UIDs (*uid set to true), "*" the last
 * message, ranges sorted and merged.  Sequence numbers past the mailbox's
 * end are an error: it replies BAD and returns false. */
bool select_set_resolve(struct imap_cmd *cmd, struct seqset *set, bool *uid);

/** A position in a walk over the view's messages of a resolved set. */
struct select_walk {
	size_t r;      /* current range of the set */
	uint32_t vi;   /* index into view->uids: sequence number - 1 */
};

/** Moves w to the first message at or after w->vi that the set names and
 * returns true, or false past the last; the caller steps w->vi past the
 * message it took.  Holds no per-message memory: a FETCH of a whole
 * mailbox walks the view itself. */
bool select_set_next(const struct imap_view *view, const struct seqset *set, bool uid,
		     struct select_walk *w);

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
