/*
 * basesubject.h — the "base subject" of RFC 5256 §2.1, used by SORT
 * (SUBJECT) and THREAD (both algorithms).
 */
#ifndef RM_IMAP_BASESUBJECT_H
#define RM_IMAP_BASESUBJECT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/**
 * Appends the base subject of a raw Subject field value to out: RFC 2047
 * words decoded to UTF-8, white space runs made one space, then steps
 * (2)-(6) of RFC 5256 §2.1 (trailers "(fwd)" and spaces, leaders "re:",
 * "fw:", "fwd:" with "[blob]"s, "[fwd: ... ]" wrappers), and finally
 * case-folded (mime_fold_utf8) so comparing bytes is i;unicode-casemap.
 * *reply_r (may be NULL) tells whether a subj-refwd, a "(fwd)" trailer
 * or a "[fwd: ...]" wrapper was removed (a reply or forward, RFC 5256
 * REFERENCES step 5).
 */
void basesubject(const char *raw, size_t len, struct rm_buf *out, bool *reply_r);

#endif
