/*
 * view.h — a session's picture of its selected mailbox: the message
 * sequence numbers (seq i is uids[i-1]), what it has been told of flags and
 * expunges (as MODSEQs), its \Recent claims, and the store watch that wakes
 * an IDLE.
 *
 * Keeping a session's picture in step (RFC 9051 §7.5.1, §5.5): view_sync()
 * compares the picture with the store and writes the untagged responses
 * that close the gap — EXPUNGE (or VANISHED with QRESYNC) only where
 * allow_expunge, then EXISTS/RECENT for new messages, then FETCH FLAGS for
 * flag changes.  The dispatcher calls it before every tagged reply in the
 * selected state; IDLE calls it whenever the store reports a change.
 *
 * Flags and expunges are tracked by MODSEQ separately, so expunges held
 * back during FETCH/STORE/SEARCH are still reported at the next allowed
 * point.
 */
#ifndef RM_IMAP_VIEW_H
#define RM_IMAP_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "storage/store.h"

struct imap_session;

struct uid_range {
	uint32_t lo, hi;
};

struct imap_view {
	struct imap_session *s;
	uint64_t mailbox_id;
	uint32_t uidvalidity;
	bool readonly;             /* EXAMINE */
	bool idling;               /* IDLE in progress: sync on every change */
	uint32_t *uids;            /* ascending; seq = index + 1 */
	uint32_t n;
	uint32_t cap;
	uint64_t uidnext;          /* UIDs below it are known to the session */
	uint64_t flags_modseq;     /* flag changes up to here are reported */
	uint64_t expunge_modseq;   /* expunges up to here are reported */
	/* UIDs at or above this were announced with EXISTS after the last
	 * flag sync (0: none): their flags are the client's to fetch. */
	uint64_t announced_from;
	uint32_t recent_reported;  /* last RECENT count sent */
	uint32_t first_unseen;     /* at view_open: seq of the first message
				    * without \Seen, 0 when none ([UNSEEN n]) */
	/* \Recent (IMAP4rev1): UID ranges this session claimed. */
	struct uid_range *recent;
	unsigned nrecent;
	/* STORE .SILENT: (uid, modseq) pairs the next sync must not report. */
	struct { uint32_t uid; uint64_t modseq; } *silent;
	unsigned nsilent;
	/* Keywords used in this mailbox, by id: what FLAGS lists (RFC 9051
	 * §7.3.5 "flags defined in the mailbox"); a new one is announced
	 * with a fresh FLAGS response before it is used. */
	uint64_t *kwbits;
	unsigned kwwords;
	bool kw_dirty;
	struct store_watch watch;
};

/** Builds the view of mb (open in v) for s->view: every UID, \Recent
 * claims (not when readonly), the watch.  Returns RM_OK or the store's
 * error. */
enum rm_err view_open(struct imap_session *s, struct store_view *v,
		      const struct store_mailbox *mb, bool readonly);
/** Drops the view (remove the watch, free). */
void view_close(struct imap_session *s);

/** Index of the first UID >= uid in the view, searching from index from. */
uint32_t view_lower_bound(const struct imap_view *view, uint32_t from, uint64_t uid);
/** Sequence number of uid (0 when not in the view). */
uint32_t view_seq(const struct imap_view *view, uint32_t uid);
/** True when uid is \Recent in this session. */
bool view_is_recent(const struct imap_view *view, uint32_t uid);
/** \Recent count among the view's messages. */
uint32_t view_recent_count(const struct imap_view *view);

/** Brings the session up to date (see above).  send_uid adds UID to
 * unsolicited FETCH responses (UID commands, QRESYNC). */
void view_sync(struct imap_session *s, bool allow_expunge, bool send_uid);

/** The HIGHESTMODSEQ this session has been told everything up to (both
 * flag changes and expunges), at least 1. */
uint64_t view_known_modseq(const struct imap_view *view);

/** Announces new messages (EXISTS) before a command runs, so sequence
 * numbers the client may already have heard of elsewhere are valid; never
 * expunges, so every number the client knows keeps its meaning. */
void view_sync_new(struct imap_session *s);

/** Remembers a change this session made with STORE .SILENT so the next
 * sync does not report it back. */
void view_silent_add(struct imap_view *view, uint32_t uid, uint64_t modseq);

/** Writes "* FLAGS (...)" and "* OK [PERMANENTFLAGS (...)]" with the
 * user's keywords. */
void view_write_flag_lists(struct imap_session *s, struct store_view *v, bool readonly);
/** Marks the keywords of m as used in the mailbox (kw_dirty when new). */
void view_kw_note(struct imap_view *view, const struct store_msg *m);
/** Marks one keyword id. */
void view_kw_mark(struct imap_view *view, uint16_t id);
/** Writes the flag lists again when kw_dirty. */
void view_sync_keywords(struct imap_session *s, struct store_view *v);

/** Appends "(\Seen \Flagged $Label1)" for a message: system flags,
 * \Recent when recent, keyword names looked up in v. */
void view_write_flags(struct rm_buf *out, struct store_view *v, uint64_t user_id,
		      const struct store_msg *m, bool recent);

#endif
