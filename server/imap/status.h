/*
 * status.h — the STATUS data items (RFC 9051 §6.3.11, RFC 3501 RECENT,
 * RFC 8438 SIZE, RFC 7162 HIGHESTMODSEQ, RFC 7889 APPENDLIMIT), shared by
 * the STATUS command and LIST's STATUS return option (RFC 5819), both in
 * cmd_status.c.
 */
#ifndef RM_IMAP_STATUS_H
#define RM_IMAP_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "server/imap/session.h"
#include "storage/store_types.h"

/* Requested items, one bit each. */
enum cmd_status_item {
	STATUS_MESSAGES = 1u << 0,
	STATUS_RECENT = 1u << 1,
	STATUS_UIDNEXT = 1u << 2,
	STATUS_UIDVALIDITY = 1u << 3,
	STATUS_UNSEEN = 1u << 4,
	STATUS_DELETED = 1u << 5,
	STATUS_SIZE = 1u << 6,
	STATUS_HIGHESTMODSEQ = 1u << 7,
	STATUS_APPENDLIMIT = 1u << 8,
	STATUS_MAILBOXID = 1u << 9,     /* RFC 8474 §4.2 */
	STATUS_DELETED_STORAGE = 1u << 10, /* RFC 9208 §4.2 (QUOTA=RES-STORAGE) */
};

/** Parses "(" status-att *(SP status-att) ")" into a set of enum
 * cmd_status_item bits (*items_r, never 0 on success; repeated items count
 * once).  On failure the parser holds the error (BAD) and false is
 * returned.  Allocates nothing. */
bool cmd_status_items_parse(struct imap_parser *p, uint32_t *items_r);

/** Appends "* STATUS <name> (<item value> ...)\r\n" for mb to the session's
 * output, the name in the session's wire form.  mb comes from the store
 * view v, still open (its name points into the view; DELETED-STORAGE reads
 * the messages through it).  Items are written in a fixed order whatever
 * order the client asked them in. */
struct store_view;
void cmd_status_write(struct imap_session *s, struct store_view *v,
		      const struct store_mailbox *mb, uint32_t items);

#endif
