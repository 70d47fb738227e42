/*
 * objectid.h — OBJECTID (RFC 8474) identifiers.  objectid = 1*255(ALPHA /
 * DIGIT / "_" / "-").
 *
 * MAILBOXID "F" + partition (4 hex) + mailbox id (12 hex): mailbox ids are
 * unique within a partition and kept by RENAME, so the id is unique on the
 * server and stable.  EMAILID "M" + partition + the LSN of the stored
 * bytes: COPY and MOVE share the bytes, so copies share the EMAILID, which
 * RFC 8474 §5.1 allows ("the same EMAILID ... in different mailboxes" for
 * the same message).  THREADID "T" + a hash of the thread's first
 * message id: the first <id> of References, else of In-Reply-To, else the
 * message's own Message-ID (the way mail clients root a conversation);
 * a message without any of them is a thread of its own (its EMAILID).
 */
#ifndef RM_IMAP_OBJECTID_H
#define RM_IMAP_OBJECTID_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

void objectid_mailbox(struct rm_buf *out, unsigned partition, uint64_t mailbox_id);
void objectid_email(struct rm_buf *out, unsigned partition, uint64_t blob_lsn);
/** THREADID from the message's MIME cache blob (NULL: none). */
void objectid_thread(struct rm_buf *out, unsigned partition, uint64_t blob_lsn,
		     const void *cache, size_t cache_len);

#endif
