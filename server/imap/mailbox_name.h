/*
 * mailbox_name.h — mailbox names between the wire and the store.
 *
 * Inside ringmail a name is UTF-8 (NFC is not enforced: we compare bytes),
 * levels separated by '/', and the inbox is spelled "INBOX" whatever case
 * the client used (RFC 9051 §5.1: INBOX is case-insensitive), including as
 * the first level of its children ("inbox/x" is "INBOX/x").
 *
 * On the wire a name is modified UTF-7 (RFC 3501 §5.1.3) unless the client
 * enabled UTF8=ACCEPT or IMAP4rev2, when it is UTF-8 (RFC 6855 §3,
 * RFC 9051 §5.1).
 */
#ifndef RM_IMAP_MAILBOX_NAME_H
#define RM_IMAP_MAILBOX_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/err.h"

#define MBOX_DELIM '/'

/** Converts a name from the client into the internal form in out (which is
 * reset first).  Fails with RM_ERR_SYNTAX for bad modified UTF-7, invalid
 * UTF-8, 8-bit bytes in a non-UTF-8 session, control characters, empty
 * levels ("a//b", "/a"), and RM_ERR_LIMIT past RM_MAILBOX_NAME_MAX_BYTES or
 * RM_MAILBOX_DEPTH_MAX levels.  One trailing delimiter is dropped (RFC 9051
 * §6.3.4: "foo/" creates "foo").  *why_r gets a reason for the reply. */
enum rm_err mbox_name_from_client(const char *in, size_t len, bool utf8, struct rm_buf *out,
				  const char **why_r);

/** Appends the wire form of an internal name (modified UTF-7 unless utf8),
 * without quoting. */
void mbox_name_to_client(const char *name, size_t len, bool utf8, struct rm_buf *out);

/** Appends the wire form as an astring (atom, quoted or literal). */
void mbox_name_write(const char *name, size_t len, bool utf8, struct rm_buf *out);

/** Modified UTF-7 (RFC 3501 §5.1.3) both ways.  Decoding fails on
 * malformed input (bad base64, unpadded bits, a shift that encodes
 * printable ASCII, a non-closed '&'). */
enum rm_err mutf7_decode(const char *in, size_t len, struct rm_buf *out);
void mutf7_encode(const char *utf8, size_t len, struct rm_buf *out);

/** Validates UTF-8 (shortest form, no surrogates, <= U+10FFFF). */
bool utf8_valid(const char *s, size_t len);

/** LIST pattern match (RFC 9051 §6.3.9): '*' matches anything, '%'
 * anything but the delimiter.  Pattern and name are internal form. */
bool mbox_pattern_match(const char *pattern, size_t plen, const char *name, size_t nlen);

/** True when name is INBOX or one of its children's first level. */
bool mbox_name_is_inbox(const char *name, size_t len);

/** Length of the parent's name (0 for a top-level name). */
size_t mbox_name_parent_len(const char *name, size_t len);

#endif
