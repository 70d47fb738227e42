/*
 * envelope.h — rendering the IMAP ENVELOPE of a message in the part tree
 * (RFC 9051 §7.5.2).  Internal to index/; the top-level envelope is stored
 * in the cache blob, nested ones inside BODY/BODYSTRUCTURE.
 */
#ifndef RM_ENVELOPE_H
#define RM_ENVELOPE_H

#include "common/buf.h"
#include "index/mime_tree.h"

/** Appends "(" date subject from sender reply-to to cc bcc in-reply-to
 * message-id ")" for node n (a message: the root or the child of a
 * message/rfc822 part).  n == NULL writes the envelope of ten NILs used for
 * a message part that was not expanded. */
void envelope_write(const struct mime_node *n, struct rm_buf *out);

#endif
