/*
 * quota.h — the one place that decides whether a user may receive more
 * mail: the passwd-file entry's limits (quota_storage_bytes, quota_messages,
 * 0 = unlimited) against the store's counters of the user.  LMTP uses it
 * for 552 5.2.2; IMAP APPEND/COPY will use it for [OVERQUOTA].
 */
#ifndef RM_QUOTA_H
#define RM_QUOTA_H

#include <stdint.h>

#include "common/err.h"

struct passwd_entry;
struct store_user;

/** RM_OK when the user stays within both limits after adding
 * adding_bytes and adding_messages; RM_ERR_QUOTA when either would be
 * exceeded.  entry NULL means no limits; user NULL means a user the store
 * does not know yet (nothing used).  Pure: reads its arguments only. */
enum rm_err quota_check(const struct passwd_entry *entry, const struct store_user *user,
			uint64_t adding_bytes, uint64_t adding_messages);

#endif
