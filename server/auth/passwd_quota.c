#include "server/auth/passwd_quota.h"

#include <string.h>

#include "common/log.h"
#include "common/util.h"

/* "<digits>[suffix]" with suffix B, K, M, G, T (case-insensitive; "KB"…
 * too) scaling by 1 .. 2^40, and bare digits scaled by unit.  -1 on anything else
 * (relative "+10M", percentages, overflow). */
static int quota_size(const char *v, size_t n, uint64_t unit, uint64_t *r)
{
	size_t i = 0;
	uint64_t x = 0;
	for (; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
		if (x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	/* "1GB" is "1G". */
	if (n - i == 2 && rm_lower(v[n - 1]) == 'b' && rm_lower(v[i]) != 'b')
		n--;
	if (i == 0 || n - i > 1)
		return -1;
	if (i < n) {
		static const char units[] = "bkmgt";
		const char *u = strchr(units, rm_lower(v[i]));
		if (!u || v[i] == '\0')
			return -1;
		unit = 1ull << (10 * (u - units));
	}
	if (x != 0 && unit > UINT64_MAX / x)
		return -1;
	*r = x * unit;
	return 0;
}

/* One limit "key=value" of a "*" rule. */
static int quota_limit(const char *kv, size_t n, uint64_t *storage, uint64_t *messages)
{
	const char *eq = memchr(kv, '=', n);
	if (!eq)
		return rm_word_eq(kv, n, "ignore") || rm_word_eq(kv, n, "noenforcing") ? 0 : -1;
	size_t klen = (size_t)(eq - kv), vlen = n - klen - 1;
	if (rm_word_eq(kv, klen, "storage"))
		return quota_size(eq + 1, vlen, 1024, storage);
	if (rm_word_eq(kv, klen, "bytes"))
		return quota_size(eq + 1, vlen, 1, storage);
	if (rm_word_eq(kv, klen, "messages"))
		return quota_size(eq + 1, vlen, 1, messages);
	return -1;
}

/* The value of a quota_rule field: "*:limit[:limit…]". */
static int quota_rule(const char *v, size_t n, uint64_t *storage, uint64_t *messages)
{
	if (n < 2 || v[0] != '*' || v[1] != ':')
		return -1;
	uint64_t s = *storage, m = *messages;
	size_t start = 2;
	for (size_t i = 2; i <= n; i++) {
		if (i < n && v[i] != ':')
			continue;
		if (quota_limit(v + start, i - start, &s, &m) < 0)
			return -1;
		start = i + 1;
	}
	*storage = s;
	*messages = m;
	return 0;
}

/* True for quota_rule, quota_rule2, … with or without "userdb_". */
static int quota_is_rule_key(const char *k, size_t n)
{
	if (n > 7 && memcmp(k, "userdb_", 7) == 0) {
		k += 7;
		n -= 7;
	}
	if (n < 10 || memcmp(k, "quota_rule", 10) != 0)
		return 0;
	for (size_t i = 10; i < n; i++)
		if (k[i] < '0' || k[i] > '9')
			return 0;
	return 1;
}

void passwd_quota_parse(const char *extra, unsigned line, uint64_t *storage_bytes_r,
			uint64_t *messages_r)
{
	*storage_bytes_r = 0;
	*messages_r = 0;
	const char *p = extra;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, " \t");
		const char *eq = memchr(p, '=', n);
		if (n && eq && quota_is_rule_key(p, (size_t)(eq - p)) &&
		    quota_rule(eq + 1, n - (size_t)(eq + 1 - p), storage_bytes_r, messages_r) < 0) {
			char q[128];
			rm_log(RM_LOG_WARN, "passwd_quota_ignored", "line=%u rule=%s", line,
			       rm_log_quote(q, sizeof(q), p, n));
		}
		p += n;
	}
}
