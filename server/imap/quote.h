/*
 * quote.h — writes strings into responses in the form the grammar allows:
 * an atom when every byte is an ASTRING-CHAR (astring positions only), a
 * quoted string when it is 7-bit (or UTF-8 with utf8 set) with no CR, LF or
 * NUL, otherwise a literal "{n}\r\n<bytes>".
 */
#ifndef RM_IMAP_QUOTE_H
#define RM_IMAP_QUOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/** string = quoted / literal. */
void imap_write_string(struct rm_buf *out, const char *s, size_t len, bool utf8);
/** astring: an atom when possible ("INBOX", "Sent"), else string. */
void imap_write_astring(struct rm_buf *out, const char *s, size_t len, bool utf8);
/** nstring: NIL for s == NULL. */
void imap_write_nstring(struct rm_buf *out, const char *s, size_t len, bool utf8);

#endif
