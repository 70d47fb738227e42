/* Quota decisions; see quota.h. */
#include "server/quota.h"

#include <stddef.h>

#include "server/auth/passwd.h"
#include "storage/store_types.h"

/* used + adding > limit, without overflow; limit 0 = unlimited. */
static int over(uint64_t used, uint64_t adding, uint64_t limit)
{
	return limit != 0 && (adding > limit || used > limit - adding);
}

enum rm_err quota_check(const struct passwd_entry *entry, const struct store_user *user,
			uint64_t adding_bytes, uint64_t adding_messages)
{
	if (!entry)
		return RM_OK;
	uint64_t bytes = user ? user->size_bytes : 0;
	uint64_t msgs = user ? user->messages : 0;
	if (over(bytes, adding_bytes, entry->quota_storage_bytes) ||
	    over(msgs, adding_messages, entry->quota_messages))
		return RM_ERR_QUOTA;
	return RM_OK;
}
