/*
 * loadgen_stats.h — latency histograms with log-linear buckets and the
 * per-command counters of one load generator run.
 *
 * Values are microseconds.  Below LG_HIST_SUB they are counted exactly; above,
 * every power of two is split into LG_HIST_SUB equal buckets, so a reported
 * percentile is within 1/LG_HIST_SUB (3 %) of the true value.  Recording is
 * O(1) with no allocation; a histogram is a plain struct that may be zeroed.
 */
#ifndef RM_BENCH_LOADGEN_STATS_H
#define RM_BENCH_LOADGEN_STATS_H

#include <stdint.h>
#include <stdio.h>

#define LG_HIST_SUB_BITS 5u
#define LG_HIST_SUB      (1u << LG_HIST_SUB_BITS)
/* Exponents up to 2^40 us (12 days): every value a run can produce. */
#define LG_HIST_EXP_MAX  40u
#define LG_HIST_BUCKETS  ((LG_HIST_EXP_MAX - LG_HIST_SUB_BITS + 2) * LG_HIST_SUB)

struct lg_hist {
	uint64_t counts[LG_HIST_BUCKETS];
	uint64_t total;
	uint64_t sum_us;
	uint64_t min_us;
	uint64_t max_us;
};

/** Adds one value (microseconds; larger than 2^40 is clamped). */
void lg_hist_record(struct lg_hist *h, uint64_t us);
/** Value at quantile q in [0, 1] (0.5 = median): the midpoint of the bucket
 * holding it, clamped to the recorded min and max.  0 when empty. */
uint64_t lg_hist_quantile_us(const struct lg_hist *h, double q);
/** Adds every count of src into dst. */
void lg_hist_merge(struct lg_hist *dst, const struct lg_hist *src);
/** Bucket index of a value and the smallest value of a bucket (exposed for
 * the unit test). */
unsigned lg_hist_bucket(uint64_t us);
uint64_t lg_hist_bucket_low_us(unsigned bucket);

/* Command kinds measured by the workloads. */
enum lg_kind {
	LG_K_CONNECT,     /* TCP (+TLS) connect until the greeting */
	LG_K_LOGIN,
	LG_K_LOGOUT,
	LG_K_SELECT,
	LG_K_EXAMINE,
	LG_K_UNSELECT,
	LG_K_FETCH_META,  /* UID FETCH 1:* (UID FLAGS ... BODYSTRUCTURE) */
	LG_K_FETCH_HDR,   /* header fields of a window of messages */
	LG_K_FETCH_BODY,  /* BODY.PEEK[] of one message */
	LG_K_STORE,
	LG_K_APPEND,
	LG_K_EXPUNGE,
	LG_K_SEARCH,
	LG_K_SEARCH_TEXT,
	LG_K_SEARCH_BODY,
	LG_K_SEARCH_FROM,
	LG_K_NOOP,
	LG_K_STATUS,
	LG_K_LIST,
	LG_K_CHECK,
	LG_K_CAPABILITY,
	LG_K_IDLE,        /* IDLE, "+", DONE, tagged OK */
	LG_K_SYNC,        /* a whole first sync: SELECT through the last body */
	LG_K_SESSION,     /* connect, LOGIN, LOGOUT */
	LG_K_NOTIFY,      /* APPEND sent until an idler sees * N EXISTS */
	LG_K_ANY,         /* every command of the mixed workload */
	LG_K__COUNT
};

/** Upper-case name of a kind ("FETCH_BODY"); never NULL. */
const char *lg_kind_name(enum lg_kind k);

struct lg_stats {
	struct lg_hist hist[LG_K__COUNT];
	uint64_t errors[LG_K__COUNT];  /* NO, BAD, timeouts, drops */
	uint64_t bytes_in;             /* response bytes received */
};

/** Prints one row per kind that saw traffic: count, ops/s over seconds,
 * p50/p99/p99.9/max in ms, errors. */
void lg_stats_print_table(const struct lg_stats *s, double seconds, FILE *out);

/** Monotonic clock in microseconds. */
uint64_t lg_now_us(void);

#endif
