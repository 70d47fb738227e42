/*
 * saslprep.h — the SASLprep profile of stringprep (RFC 4013) as far as it
 * goes without Unicode tables, for SCRAM user names and passwords.
 *
 * Done: UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing
 * past U+10FFFF); mapping (RFC 3454 B.1 "commonly mapped to nothing" deleted,
 * C.1.2 non-ASCII spaces mapped to U+0020; a code point in both, U+200B, is
 * deleted); the prohibited-output tables C.1.2-C.9 (controls, private use,
 * non-characters, surrogates, inappropriate for plain text or canonical
 * representation, display-changing, tagging).
 *
 * Not done (documented gap): NFKC normalization and the bidirectional check,
 * which need the Unicode 3.2 character database.  ASCII strings, which are
 * what nearly every login and password is, come out exactly as the full
 * algorithm would produce them (NFKC leaves printable ASCII alone); a string
 * with characters that NFKC changes (compatibility forms such as U+2168 or
 * U+00AA, or decomposed accents) keeps them, so a client that normalizes and
 * one that does not derive different SCRAM keys for it.  Unassigned code
 * points are allowed (SCRAM prepares strings as "queries", RFC 5802 §5.1).
 */
#ifndef RM_SASLPREP_H
#define RM_SASLPREP_H

#include <stddef.h>

#include "common/err.h"

/** Prepares n bytes of UTF-8 in into out, which must hold n bytes (the
 * output is never longer than the input; out may equal in).  *out_len_r
 * receives the prepared length, which may be 0: callers that need a
 * non-empty result check it.  Returns RM_OK, or RM_ERR_SYNTAX for invalid
 * UTF-8 or a prohibited character (out then holds garbage the caller must
 * still wipe if in was secret). */
enum rm_err saslprep(const char *in, size_t n, char *out, size_t *out_len_r);

#endif
