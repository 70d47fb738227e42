#include "server/imap/objectid.h"

#include <string.h>

#include "common/util.h"
#include "index/mime.h"

void objectid_mailbox(struct rm_buf *out, unsigned partition, uint64_t mailbox_id)
{
	rm_buf_printf(out, "F%04x%012llx", partition & 0xffffu,
		      (unsigned long long)(mailbox_id & 0xffffffffffffull));
}

void objectid_email(struct rm_buf *out, unsigned partition, uint64_t blob_lsn)
{
	rm_buf_printf(out, "M%04x%016llx", partition & 0xffffu, (unsigned long long)blob_lsn);
}

/* The first "<...>" of a header value, without the brackets. */
static bool first_msgid(const char *v, size_t n, const char **id_r, size_t *len_r)
{
	const char *lt = memchr(v, '<', n);
	if (!lt)
		return false;
	const char *gt = memchr(lt, '>', (size_t)(v + n - lt));
	if (!gt || gt == lt + 1)
		return false;
	*id_r = lt + 1;
	*len_r = (size_t)(gt - lt - 1);
	return true;
}

void objectid_thread(struct rm_buf *out, unsigned partition, uint64_t blob_lsn,
		     const void *cache, size_t cache_len)
{
	static const enum mime_field order[] = { MIME_FIELD_REFERENCES, MIME_FIELD_IN_REPLY_TO,
						 MIME_FIELD_MESSAGE_ID };
	for (size_t i = 0; cache && i < RM_ARRAY_LEN(order); i++) {
		const char *v, *id;
		size_t n, idlen;
		if (mime_cache_field(cache, cache_len, order[i], &v, &n) == RM_OK &&
		    first_msgid(v, n, &id, &idlen)) {
			rm_buf_printf(out, "T%016llx", (unsigned long long)rm_hash64(id, idlen));
			return;
		}
	}
	rm_buf_printf(out, "T%04x%016llx", partition & 0xffffu, (unsigned long long)blob_lsn);
}
