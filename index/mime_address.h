/*
 * mime_address.h — RFC 5322 address lists rendered as IMAP address
 * structures (RFC 9051 §7.5.2 ENVELOPE).  Internal to index/.
 */
#ifndef RM_MIME_ADDRESS_H
#define RM_MIME_ADDRESS_H

#include <stddef.h>

#include "common/buf.h"

/**
 * Parses the raw (folded) value of an address field and appends
 * "(" 1*address ")" to out.  Returns how many address structures it wrote;
 * when 0, nothing was appended and the caller writes NIL.  At most
 * RM_MIME_ADDRESSES_MAX structures are written.  See mime.h for how names,
 * groups, routes and broken addresses come out.
 */
size_t mime_address_write_list(const char *v, size_t len, struct rm_buf *out);

#endif
