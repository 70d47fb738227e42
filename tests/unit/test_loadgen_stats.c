/*
 * test_loadgen_stats.c — log-linear histogram: bucket layout, quantiles
 * against exact sorted samples, merge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/datagen.h"
#include "bench/loadgen_stats.h"

static int failures;
#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	failures++; } } while (0)

static void test_buckets(void)
{
	for (uint64_t v = 0; v < LG_HIST_SUB; v++)
		CHECK(lg_hist_bucket(v) == v && lg_hist_bucket_low_us((unsigned)v) == v);
	unsigned prev = 0;
	uint64_t rng = 42;
	for (int i = 0; i < 200000; i++) {
		uint64_t v = datagen_rand(&rng) >> (datagen_rand(&rng) % 64);
		v &= (1ull << (LG_HIST_EXP_MAX + 1)) - 1;
		unsigned b = lg_hist_bucket(v);
		CHECK(b < LG_HIST_BUCKETS);
		CHECK(lg_hist_bucket_low_us(b) <= v);
		if (b + 1 < LG_HIST_BUCKETS)
			CHECK(v < lg_hist_bucket_low_us(b + 1));
	}
	for (uint64_t v = 0; v < 100000; v++) {
		unsigned b = lg_hist_bucket(v);
		CHECK(b >= prev); /* monotonic */
		prev = b;
	}
	/* clamped, not out of range */
	CHECK(lg_hist_bucket(UINT64_MAX) == LG_HIST_BUCKETS - 1);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_quantiles(void)
{
	enum { N = 100000 };
	static uint64_t v[N];
	static struct lg_hist h, h1, h2;
	uint64_t rng = 7;
	for (int i = 0; i < N; i++) {
		/* a long-tailed latency mix: mostly ~1 ms, some 10-500 ms */
		uint64_t r = datagen_rand(&rng);
		v[i] = r % 100 < 95 ? 500 + r % 1500 : 10000 + r % 490000;
		lg_hist_record(&h, v[i]);
		lg_hist_record(i % 2 ? &h1 : &h2, v[i]);
	}
	qsort(v, N, sizeof(v[0]), cmp_u64);
	const double qs[] = {0.0, 0.5, 0.9, 0.99, 0.999, 1.0};
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		size_t rank = (size_t)(qs[i] * N + 0.999999);
		uint64_t exact = v[rank ? rank - 1 : 0];
		uint64_t got = lg_hist_quantile_us(&h, qs[i]);
		double err = (double)(got > exact ? got - exact : exact - got) / (double)exact;
		CHECK(err <= 1.0 / LG_HIST_SUB);
	}
	CHECK(lg_hist_quantile_us(&h, 0) == v[0]);
	CHECK(lg_hist_quantile_us(&h, 1) == v[N - 1]);
	CHECK(h.total == N && h.min_us == v[0] && h.max_us == v[N - 1]);
	lg_hist_merge(&h1, &h2);
	CHECK(memcmp(h1.counts, h.counts, sizeof(h.counts)) == 0);
	CHECK(h1.total == h.total && h1.sum_us == h.sum_us && h1.min_us == h.min_us &&
	      h1.max_us == h.max_us);
	static struct lg_hist empty;
	CHECK(lg_hist_quantile_us(&empty, 0.5) == 0);
	struct lg_hist one;
	memset(&one, 0, sizeof(one));
	lg_hist_record(&one, 123456);
	CHECK(lg_hist_quantile_us(&one, 0.5) == 123456); /* clamped to min/max */
}

int main(void)
{
	test_buckets();
	test_quantiles();
	CHECK(strcmp(lg_kind_name(LG_K_FETCH_BODY), "FETCH_BODY") == 0);
	CHECK(strcmp(lg_kind_name(LG_K__COUNT), "?") == 0);
	for (unsigned k = 0; k < LG_K__COUNT; k++)
		CHECK(lg_kind_name((enum lg_kind)k) != NULL);
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures ? 1 : 0;
}
