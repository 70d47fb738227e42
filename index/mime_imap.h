/*
 * mime_imap.h — IMAP string syntax for the rendered ENVELOPE and
 * BODYSTRUCTURE text (RFC 9051 §4.3).  Internal to index/.
 *
 * The cache is rendered once per message, before any session asks for it,
 * so the form does not depend on UTF8=ACCEPT: a string is quoted when every
 * byte is 0x01-0x7f other than CR and LF, and a literal otherwise.  No IMAP
 * string can carry NUL (a literal holds CHAR8, %x01-ff), so a NUL byte is
 * written as U+FFFD.
 */
#ifndef RM_MIME_IMAP_H
#define RM_MIME_IMAP_H

#include <stddef.h>

#include "common/buf.h"
#include "index/mime_tree.h"

/** string: "..." with '"' and '\' escaped, or {n}\r\n<bytes>. */
void mime_imap_string(struct rm_buf *out, const char *s, size_t len);

/** nstring: NIL when s.p is NULL. */
void mime_imap_nstring(struct rm_buf *out, struct mime_str s);

/** A string upper-cased on the way (ASCII letters only). */
void mime_imap_string_upper(struct rm_buf *out, const char *s, size_t len);

/** nstring of a header value unfolded and trimmed (NIL when absent). */
void mime_imap_field(struct rm_buf *out, struct mime_str raw);

#endif
