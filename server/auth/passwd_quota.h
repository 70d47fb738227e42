/*
 * passwd_quota.h — Dovecot quota rules in passwd-file extra fields (the
 * format is described in passwd.h).  Only rules for all mailboxes ("*") with
 * absolute values are understood; the others are ignored with a warning.
 */
#ifndef RM_PASSWD_QUOTA_H
#define RM_PASSWD_QUOTA_H

#include <stdint.h>

/** Parses the quota rules out of extra_fields (NUL-terminated) into
 * *storage_bytes_r and *messages_r, which are set to 0 (unlimited) first.
 * Later rules override earlier ones.  line is used in warnings only
 * ("passwd_quota_ignored line=N rule=…"). */
void passwd_quota_parse(const char *extra, unsigned line, uint64_t *storage_bytes_r,
			uint64_t *messages_r);

#endif
