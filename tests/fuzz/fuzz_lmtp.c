/*
 * libFuzzer target for LMTP input: every line through the verb, path,
 * parameter and address parsers, and the whole input through the DATA
 * decoder split at a point the first byte picks, checked against the
 * unsplit decode (the result must not depend on how bytes arrive).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/util.h"
#include "server/lmtp/lmtp_data.h"
#include "server/lmtp/lmtp_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void lines(const char *p, size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) : n;
		const char *args, *addr, *params;
		size_t al, adl, pl;
		struct lmtp_mail_params mp;
		struct lmtp_addr_parts parts;
		lmtp_parse_verb(p, len, &args, &al);
		if (!lmtp_parse_path(args, al, "FROM:", true, &addr, &adl, &params, &pl))
			lmtp_parse_mail_params(params, pl, &mp);
		if (!lmtp_parse_path(args, al, "TO:", false, &addr, &adl, &params, &pl) &&
		    lmtp_addr_split(addr, adl, &parts))
			RM_ASSERT(parts.local_len <= adl);
		size_t used = len + (nl != NULL);
		p += used;
		n -= used;
	}
}

static int decode(const char *p, size_t n, size_t split, struct lmtp_data *d, size_t *used_r)
{
	size_t u1 = 0, u2 = 0;
	lmtp_data_begin(d, 1 << 16);
	int r = lmtp_data_feed(d, p, split, &u1);
	if (r == 0 && split < n)
		r = lmtp_data_feed(d, p + split, n - split, &u2);
	*used_r = u1 + u2;
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	lines(p, n);
	struct lmtp_data a = { 0 }, b = { 0 };
	size_t ua, ub;
	int ra = decode(p, n, n, &a, &ua);
	int rb = decode(p, n, data[0] % (n + 1), &b, &ub);
	RM_ASSERT(ra == rb && ua == ub && a.too_big == b.too_big && a.body.len == b.body.len);
	RM_ASSERT(a.body.len == 0 || !memcmp(a.body.data, b.body.data, a.body.len));
	lmtp_data_fini(&a);
	lmtp_data_fini(&b);
	return 0;
}
