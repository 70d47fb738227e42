/*
 * loadgen_stats.c — log-linear latency histograms (see loadgen_stats.h).
 */
#include "bench/loadgen_stats.h"

#include <string.h>
#include <time.h>

#include "common/util.h"

static const char *const lg_kind_names[LG_K__COUNT] = {
	[LG_K_CONNECT] = "CONNECT", [LG_K_LOGIN] = "LOGIN", [LG_K_LOGOUT] = "LOGOUT",
	[LG_K_SELECT] = "SELECT", [LG_K_EXAMINE] = "EXAMINE", [LG_K_UNSELECT] = "UNSELECT",
	[LG_K_FETCH_META] = "FETCH_META", [LG_K_FETCH_HDR] = "FETCH_HDR",
	[LG_K_FETCH_BODY] = "FETCH_BODY", [LG_K_STORE] = "STORE", [LG_K_APPEND] = "APPEND",
	[LG_K_EXPUNGE] = "EXPUNGE", [LG_K_SEARCH] = "SEARCH", [LG_K_SEARCH_TEXT] = "SEARCH_TEXT",
	[LG_K_SEARCH_BODY] = "SEARCH_BODY", [LG_K_SEARCH_FROM] = "SEARCH_FROM",
	[LG_K_NOOP] = "NOOP", [LG_K_STATUS] = "STATUS", [LG_K_LIST] = "LIST",
	[LG_K_CHECK] = "CHECK", [LG_K_CAPABILITY] = "CAPABILITY", [LG_K_IDLE] = "IDLE",
	[LG_K_SYNC] = "SYNC", [LG_K_SESSION] = "SESSION", [LG_K_NOTIFY] = "NOTIFY",
	[LG_K_ANY] = "ALL",
};

const char *lg_kind_name(enum lg_kind k)
{
	return (unsigned)k < LG_K__COUNT ? lg_kind_names[k] : "?";
}

uint64_t lg_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

unsigned lg_hist_bucket(uint64_t us)
{
	if (us >= (1ull << (LG_HIST_EXP_MAX + 1)))
		us = (1ull << (LG_HIST_EXP_MAX + 1)) - 1;
	if (us < LG_HIST_SUB)
		return (unsigned)us;
	unsigned exp = 63u - (unsigned)__builtin_clzll(us);        /* >= SUB_BITS */
	unsigned sub = (unsigned)(us >> (exp - LG_HIST_SUB_BITS)) & (LG_HIST_SUB - 1);
	return (exp - LG_HIST_SUB_BITS + 1) * LG_HIST_SUB + sub;
}

uint64_t lg_hist_bucket_low_us(unsigned bucket)
{
	RM_ASSERT(bucket < LG_HIST_BUCKETS);
	if (bucket < LG_HIST_SUB)
		return bucket;
	unsigned exp = bucket / LG_HIST_SUB - 1 + LG_HIST_SUB_BITS;
	uint64_t sub = bucket % LG_HIST_SUB;
	return (1ull << exp) + (sub << (exp - LG_HIST_SUB_BITS));
}

void lg_hist_record(struct lg_hist *h, uint64_t us)
{
	h->counts[lg_hist_bucket(us)]++;
	if (h->total == 0 || us < h->min_us)
		h->min_us = us;
	if (us > h->max_us)
		h->max_us = us;
	h->total++;
	h->sum_us += us;
}

uint64_t lg_hist_quantile_us(const struct lg_hist *h, double q)
{
	if (h->total == 0)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	/* rank of the wanted value, 1-based */
	uint64_t rank = (uint64_t)(q * (double)h->total + 0.999999);
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned b = 0; b < LG_HIST_BUCKETS; b++) {
		seen += h->counts[b];
		if (seen < rank)
			continue;
		uint64_t lo = lg_hist_bucket_low_us(b);
		uint64_t hi = b + 1 < LG_HIST_BUCKETS ? lg_hist_bucket_low_us(b + 1) : lo + 1;
		uint64_t mid = lo + (hi - lo - 1) / 2;
		return RM_MIN(RM_MAX(mid, h->min_us), h->max_us);
	}
	return h->max_us;
}

void lg_hist_merge(struct lg_hist *dst, const struct lg_hist *src)
{
	if (src->total == 0)
		return;
	for (unsigned b = 0; b < LG_HIST_BUCKETS; b++)
		dst->counts[b] += src->counts[b];
	if (dst->total == 0 || src->min_us < dst->min_us)
		dst->min_us = src->min_us;
	dst->max_us = RM_MAX(dst->max_us, src->max_us);
	dst->total += src->total;
	dst->sum_us += src->sum_us;
}

void lg_stats_print_table(const struct lg_stats *s, double seconds, FILE *out)
{
	fprintf(out, "%-12s %10s %10s %9s %9s %9s %9s %7s\n", "command", "count", "ops/s",
		"p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors");
	for (unsigned k = 0; k < LG_K__COUNT; k++) {
		const struct lg_hist *h = &s->hist[k];
		if (h->total == 0 && s->errors[k] == 0)
			continue;
		fprintf(out, "%-12s %10llu %10.1f %9.3f %9.3f %9.3f %9.3f %7llu\n",
			lg_kind_name((enum lg_kind)k), (unsigned long long)h->total,
			seconds > 0 ? (double)h->total / seconds : 0.0,
			(double)lg_hist_quantile_us(h, 0.5) / 1000.0,
			(double)lg_hist_quantile_us(h, 0.99) / 1000.0,
			(double)lg_hist_quantile_us(h, 0.999) / 1000.0,
			(double)h->max_us / 1000.0, (unsigned long long)s->errors[k]);
	}
}
