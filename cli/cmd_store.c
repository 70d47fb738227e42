/* ringmail verify | reindex | compact | stats: offline maintenance of the
 * storage engine, partition by partition, with a line of progress each and a
 * summary at the end.  The dispatcher has opened (and locked) the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "common/limits.h"
#include "common/util.h"
#include "storage/compact.h"
#include "storage/store.h"

struct store_args {
	int partition;            /* -1: all */
	unsigned live_percent;
	bool quiet;
};

static bool parse_uint(const char *s, unsigned max, unsigned *r)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || v > max)
		return false;
	*r = (unsigned)v;
	return true;
}

static int parse_args(struct cli_ctx *ctx, struct store_args *a)
{
	*a = (struct store_args){ -1, RM_STORE_COMPACT_LIVE_DEFAULT_PERCENT, false };
	unsigned v;
	for (int i = 0; i < ctx->argc; i++) {
		const char *o = ctx->argv[i];
		bool has_value = i + 1 < ctx->argc;
		if (!strcmp(o, "-P") && has_value && parse_uint(ctx->argv[++i], RM_PARTITIONS_MAX, &v))
			a->partition = (int)v;
		else if (!strcmp(o, "-l") && has_value && parse_uint(ctx->argv[++i], 100, &v))
			a->live_percent = v;
		else if (!strcmp(o, "-q"))
			a->quiet = true;
		else
			return cli_fail("bad argument %s", o);
	}
	if (a->partition >= (int)store_partitions(ctx->store))
		return cli_fail("partition %d does not exist (%u partitions)", a->partition,
				store_partitions(ctx->store));
	return 0;
}

typedef int part_fn(struct part *part, unsigned p, const struct store_args *a, void *sum);

/* Opens each selected partition offline (running its recovery), calls fn,
 * closes it.  Returns the worst exit status. */
static int each_partition(struct cli_ctx *ctx, const struct store_args *a, part_fn *fn, void *sum,
			  const char *what)
{
	unsigned n = store_partitions(ctx->store);
	int worst = 0;
	struct progress prog;
	progress_start(&prog, what, "partitions", a->partition >= 0 ? 1 : n);
	for (unsigned p = 0; p < n; p++) {
		if (a->partition >= 0 && (unsigned)a->partition != p)
			continue;
		struct part *part;
		enum rm_err err = store_part_open(ctx->store, p, NULL, &part);
		if (err) {
			cli_fail("partition %03u: open failed: %s", p, rm_err_str(err));
			worst = 3;
			continue;
		}
		int rc = fn(part, p, a, sum);
		worst = RM_MAX(worst, rc);
		store_part_close(&part);
		progress_step(&prog, 1);
	}
	progress_clear(&prog);
	return worst;
}

/* ---- verify ------------------------------------------------------------------ */

static int verify_one(struct part *part, unsigned p, const struct store_args *a, void *sum)
{
	struct store_verify_stats st, *tot = sum;
	enum rm_err err = store_part_verify(part, &st);
	if (err) {
		cli_fail("partition %03u: verify failed: %s", p, rm_err_str(err));
		return 3;
	}
	uint64_t problems = st.corrupt_regions + st.blob_errors + st.index_errors + st.fts_errors;
	if (!a->quiet || problems)
		printf("partition %03u: segments=%llu records=%llu corrupt_regions=%llu "
		       "corrupt_bytes=%llu messages=%llu blobs=%llu blob_errors=%llu "
		       "index_errors=%llu fts_docs=%llu fts_stale=%llu fts_errors=%llu %s\n", p,
		       (unsigned long long)st.segments,
		       (unsigned long long)st.records, (unsigned long long)st.corrupt_regions,
		       (unsigned long long)st.corrupt_bytes, (unsigned long long)st.messages,
		       (unsigned long long)st.blobs, (unsigned long long)st.blob_errors,
		       (unsigned long long)st.index_errors, (unsigned long long)st.fts_docs,
		       (unsigned long long)st.fts_stale, (unsigned long long)st.fts_errors,
		       problems ? "PROBLEMS" : "ok");
	tot->segments += st.segments;
	tot->records += st.records;
	tot->corrupt_regions += st.corrupt_regions;
	tot->blob_errors += st.blob_errors;
	tot->index_errors += st.index_errors;
	tot->fts_errors += st.fts_errors;
	tot->messages += st.messages;
	return problems ? 1 : 0;
}

int cli_verify(struct cli_ctx *ctx)
{
	struct store_args a;
	if (parse_args(ctx, &a))
		return 2;
	struct store_verify_stats tot = {0};
	int rc = each_partition(ctx, &a, verify_one, &tot, "verify");
	printf("verify: segments=%llu records=%llu messages=%llu corrupt_regions=%llu "
	       "blob_errors=%llu index_errors=%llu fts_errors=%llu -> %s\n",
	       (unsigned long long)tot.segments,
	       (unsigned long long)tot.records, (unsigned long long)tot.messages,
	       (unsigned long long)tot.corrupt_regions, (unsigned long long)tot.blob_errors,
	       (unsigned long long)tot.index_errors, (unsigned long long)tot.fts_errors,
	       rc == 0 ? "ok" : "PROBLEMS");
	return rc;
}

/* ---- reindex ------------------------------------------------------------------ */

static int reindex_one(struct part *part, unsigned p, const struct store_args *a, void *sum)
{
	struct store_replay_stats st, *tot = sum;
	uint64_t t0 = rm_now_ms();
	enum rm_err err = store_part_reindex(part, &st);
	if (err) {
		cli_fail("partition %03u: reindex failed: %s", p, rm_err_str(err));
		return 3;
	}
	if (!a->quiet)
		printf("partition %03u: segments=%llu records=%llu applied=%llu corrupt_regions=%llu "
		       "rejected=%llu truncated_bytes=%llu ms=%llu\n", p,
		       (unsigned long long)st.segments, (unsigned long long)st.records,
		       (unsigned long long)st.applied, (unsigned long long)st.corrupt_regions,
		       (unsigned long long)st.rejected, (unsigned long long)st.truncated_bytes,
		       (unsigned long long)(rm_now_ms() - t0));
	tot->segments += st.segments;
	tot->records += st.records;
	tot->applied += st.applied;
	tot->corrupt_regions += st.corrupt_regions;
	tot->rejected += st.rejected;
	return st.corrupt_regions || st.rejected ? 1 : 0;
}

int cli_reindex(struct cli_ctx *ctx)
{
	struct store_args a;
	if (parse_args(ctx, &a))
		return 2;
	struct store_replay_stats tot = {0};
	uint64_t t0 = rm_now_ms();
	int rc = each_partition(ctx, &a, reindex_one, &tot, "reindex");
	printf("reindex: segments=%llu records=%llu applied=%llu corrupt_regions=%llu "
	       "rejected=%llu ms=%llu\n", (unsigned long long)tot.segments,
	       (unsigned long long)tot.records, (unsigned long long)tot.applied,
	       (unsigned long long)tot.corrupt_regions, (unsigned long long)tot.rejected,
	       (unsigned long long)(rm_now_ms() - t0));
	return rc;
}

/* ---- compact ------------------------------------------------------------------ */

static int compact_one(struct part *part, unsigned p, const struct store_args *a, void *sum)
{
	struct compact_stats st, *tot = sum;
	enum rm_err err = compact_part_offline(part, a->live_percent, &st);
	if (err) {
		cli_fail("partition %03u: compaction failed: %s", p, rm_err_str(err));
		return 3;
	}
	if (!a->quiet && st.segments_rewritten)
		printf("partition %03u: segments_checked=%llu rewritten=%llu bytes %llu -> %llu "
		       "blobs_dropped=%llu\n", p, (unsigned long long)st.segments_checked,
		       (unsigned long long)st.segments_rewritten, (unsigned long long)st.bytes_before,
		       (unsigned long long)st.bytes_after, (unsigned long long)st.blobs_dropped);
	tot->segments_checked += st.segments_checked;
	tot->segments_rewritten += st.segments_rewritten;
	tot->bytes_before += st.bytes_before;
	tot->bytes_after += st.bytes_after;
	tot->blobs_dropped += st.blobs_dropped;
	return 0;
}

int cli_compact(struct cli_ctx *ctx)
{
	struct store_args a;
	if (parse_args(ctx, &a))
		return 2;
	struct compact_stats tot = {0};
	int rc = each_partition(ctx, &a, compact_one, &tot, "compact");
	printf("compact: live_percent=%u segments_checked=%llu rewritten=%llu bytes %llu -> %llu "
	       "reclaimed=%llu blobs_dropped=%llu\n", a.live_percent,
	       (unsigned long long)tot.segments_checked, (unsigned long long)tot.segments_rewritten,
	       (unsigned long long)tot.bytes_before, (unsigned long long)tot.bytes_after,
	       (unsigned long long)(tot.bytes_before - tot.bytes_after),
	       (unsigned long long)tot.blobs_dropped);
	return rc;
}

/* ---- stats -------------------------------------------------------------------- */

static int stats_one(struct part *part, unsigned p, const struct store_args *a, void *sum)
{
	struct store_part_stats st, *tot = sum;
	enum rm_err err = store_part_stats(part, &st);
	if (err) {
		cli_fail("partition %03u: stats failed: %s", p, rm_err_str(err));
		return 3;
	}
	if (!a->quiet)
		printf("partition %03u: users=%llu mailboxes=%llu messages=%llu blobs=%llu "
		       "segments=%llu log_bytes=%llu live_bytes=%llu index_bytes=%llu lsn=%llu "
		       "mail_bytes=%llu fts_bytes=%llu fts_docs=%llu\n", p,
		       (unsigned long long)st.users, (unsigned long long)st.mailboxes,
		       (unsigned long long)st.messages, (unsigned long long)st.blobs,
		       (unsigned long long)st.segments, (unsigned long long)st.log_bytes,
		       (unsigned long long)st.live_bytes, (unsigned long long)st.index_bytes,
		       (unsigned long long)st.applied_lsn, (unsigned long long)st.blob_bytes,
		       (unsigned long long)st.fts_bytes, (unsigned long long)st.fts_docs);
	tot->users += st.users;
	tot->mailboxes += st.mailboxes;
	tot->messages += st.messages;
	tot->blobs += st.blobs;
	tot->segments += st.segments;
	tot->log_bytes += st.log_bytes;
	tot->live_bytes += st.live_bytes;
	tot->index_bytes += st.index_bytes;
	tot->blob_bytes += st.blob_bytes;
	tot->fts_bytes += st.fts_bytes;
	tot->fts_docs += st.fts_docs;
	return 0;
}

int cli_stats(struct cli_ctx *ctx)
{
	struct store_args a;
	if (parse_args(ctx, &a))
		return 2;
	struct store_part_stats tot = {0};
	int rc = each_partition(ctx, &a, stats_one, &tot, "stats");
	printf("total: partitions=%u users=%llu mailboxes=%llu messages=%llu blobs=%llu "
	       "segments=%llu log_bytes=%llu live_bytes=%llu index_bytes=%llu\n",
	       store_partitions(ctx->store), (unsigned long long)tot.users,
	       (unsigned long long)tot.mailboxes, (unsigned long long)tot.messages,
	       (unsigned long long)tot.blobs, (unsigned long long)tot.segments,
	       (unsigned long long)tot.log_bytes, (unsigned long long)tot.live_bytes,
	       (unsigned long long)tot.index_bytes);
	/* The full-text index's size against the mail it covers. */
	double gib = (double)tot.blob_bytes / (1024.0 * 1024 * 1024);
	printf("fts: docs=%llu bytes=%llu mail_bytes=%llu per_gib_of_mail=%.1f MiB\n",
	       (unsigned long long)tot.fts_docs, (unsigned long long)tot.fts_bytes,
	       (unsigned long long)tot.blob_bytes,
	       gib > 0 ? (double)tot.fts_bytes / (1024.0 * 1024) / gib : 0.0);
	return rc;
}
