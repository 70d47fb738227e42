/*
 * recent.h — IMAP4rev1's \Recent flag (RFC 3501 §2.3.2): a message is recent
 * in exactly one session, the first to be told about it.  The store does not
 * keep it (IMAP4rev2 dropped it): each worker remembers, per mailbox, the
 * first UID no session has claimed yet.  All sessions of a mailbox's user
 * live on the owning worker, so the table needs no lock.  After a restart
 * nothing is recent until new mail arrives (the RFC allows a server to
 * forget).
 */
#ifndef RM_IMAP_RECENT_H
#define RM_IMAP_RECENT_H

#include <stdint.h>

struct recent_table;
struct imap_session;
struct store_mailbox;

struct recent_table *recent_table_new(void);
void recent_table_free(struct recent_table **t);

/* Keys: mailbox ids are unique within a partition, and one worker owns
 * several partitions; recent_key() combines both. */
static inline uint64_t recent_key(unsigned partition, uint64_t mailbox_id)
{
	return (uint64_t)partition << 48 ^ mailbox_id;
}

/** Claims UIDs [first unclaimed, uidnext) of a mailbox for the caller and
 * returns the first claimed UID (== uidnext when nothing was left).  A
 * mailbox seen for the first time starts at uidnext: nothing is recent. */
uint32_t recent_claim(struct recent_table *t, uint64_t key, uint64_t uidnext);

/** Notes that uid arrived (APPEND, COPY, MOVE on this server): a mailbox not
 * yet in the table starts there, so the next session to look gets it as
 * \Recent. */
void recent_arrived(struct recent_table *t, uint64_t key, uint32_t uid);

/** Forgets a mailbox (deleted). */
void recent_forget(struct recent_table *t, uint64_t key);

/** \Recent count for STATUS: messages not yet claimed by any session. */
uint32_t imap_recent_count(struct imap_session *s, const struct store_mailbox *mb);

#endif
