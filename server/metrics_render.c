/* The Prometheus text format (exposition format 0.0.4) of a snapshot. */
#include <stddef.h>
#include <string.h>

#include "common/util.h"
#include "server/metrics.h"

#define SUM_WORKERS(snap, field, r) do { \
	(r) = 0; \
	for (unsigned i_ = 0; i_ < (snap)->nworkers; i_++) \
		(r) += (snap)->workers[i_].field; \
} while (0)

static void head(struct rm_buf *o, const char *name, const char *type, const char *help)
{
	rm_buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(struct rm_buf *o, const char *name, const char *type, const char *help,
		uint64_t v)
{
	head(o, name, type, help);
	rm_buf_printf(o, "%s %llu\n", name, (unsigned long long)v);
}

/* A counter with two values of the label "result". */
static void two(struct rm_buf *o, const char *name, const char *help, const char *r1, uint64_t v1,
		const char *r2, uint64_t v2)
{
	head(o, name, "counter", help);
	rm_buf_printf(o, "%s{result=\"%s\"} %llu\n%s{result=\"%s\"} %llu\n", name, r1,
		      (unsigned long long)v1, name, r2, (unsigned long long)v2);
}

static void render_conns(const struct metrics_snapshot *s, struct rm_buf *o)
{
	static const char *const states[CONN_TO__COUNT] = { "preauth", "authenticated" };
	static const char *const protos[METRICS_P__COUNT] = { "imap", "lmtp", "http", "control",
							      "other" };
	head(o, "ringmail_connections", "gauge",
	     "Open connections by state (LMTP, HTTP and control ones count as preauth).");
	for (unsigned k = 0; k < CONN_TO__COUNT; k++) {
		uint64_t n;
		SUM_WORKERS(s, conns[k], n);
		rm_buf_printf(o, "ringmail_connections{state=\"%s\"} %llu\n", states[k],
			      (unsigned long long)n);
	}
	head(o, "ringmail_connections_accepted_total", "counter", "Connections accepted by protocol.");
	for (unsigned p = 0; p < METRICS_P__COUNT; p++) {
		uint64_t n;
		SUM_WORKERS(s, accepted[p], n);
		rm_buf_printf(o, "ringmail_connections_accepted_total{protocol=\"%s\"} %llu\n",
			      protos[p], (unsigned long long)n);
	}
}

static void render_hist(struct rm_buf *o, const char *name, const char *cmd,
			const struct metrics_hist *h)
{
	uint64_t cum = 0;
	for (unsigned b = 0; b <= METRICS_LAT_BUCKETS; b++) {
		cum += h->le[b];
		if (b < METRICS_LAT_BUCKETS)
			rm_buf_printf(o, "%s_bucket{command=\"%s\",le=\"%g\"} %llu\n", name, cmd,
				      (double)metrics_lat_bounds_ms[b] / 1000.0, (unsigned long long)cum);
		else
			rm_buf_printf(o, "%s_bucket{command=\"%s\",le=\"+Inf\"} %llu\n", name, cmd,
				      (unsigned long long)cum);
	}
	rm_buf_printf(o, "%s_sum{command=\"%s\"} %g\n%s_count{command=\"%s\"} %llu\n", name, cmd,
		      (double)h->sum_ms / 1000.0, name, cmd, (unsigned long long)h->count);
}

static void hist_add(struct metrics_hist *to, const struct metrics_hist *h)
{
	for (unsigned b = 0; b <= METRICS_LAT_BUCKETS; b++)
		to->le[b] += h->le[b];
	to->count += h->count;
	to->sum_ms += h->sum_ms;
}

/* Commands: one series per name, summed over the workers that saw it. */
static void render_commands(const struct metrics_snapshot *s, struct rm_buf *o)
{
	const char *names[RM_METRICS_COMMANDS_MAX + 1];
	struct metrics_hist sums[RM_METRICS_COMMANDS_MAX + 1];
	unsigned n = 0;
	memset(sums, 0, sizeof(sums));
	for (unsigned i = 0; i < s->nworkers; i++) {
		const struct metrics_worker *m = &s->workers[i];
		for (unsigned k = 0; k <= m->ncmds; k++) {
			const char *name = k < m->ncmds ? m->cmd_names[k] : "other";
			const struct metrics_hist *h = k < m->ncmds ? &m->cmds[k]
				: &m->cmds[RM_METRICS_COMMANDS_MAX];
			if (h->count == 0)
				continue;
			unsigned j = 0;
			while (j < n && strcmp(names[j], name) != 0)
				j++;
			if (j == n && n <= RM_METRICS_COMMANDS_MAX)
				names[n++] = name;
			if (j < n)
				hist_add(&sums[j], h);
		}
	}
	head(o, "ringmail_imap_commands_total", "counter", "IMAP commands completed, by name.");
	for (unsigned j = 0; j < n; j++)
		rm_buf_printf(o, "ringmail_imap_commands_total{command=\"%s\"} %llu\n", names[j],
			      (unsigned long long)sums[j].count);
	head(o, "ringmail_imap_command_duration_seconds", "histogram",
	     "IMAP command latency from dispatch to tagged reply.");
	for (unsigned j = 0; j < n; j++)
		render_hist(o, "ringmail_imap_command_duration_seconds", names[j], &sums[j]);
}

static void render_workers(const struct metrics_snapshot *s, struct rm_buf *o)
{
	uint64_t a, b;
	SUM_WORKERS(s, auth_ok, a);
	SUM_WORKERS(s, auth_failed, b);
	two(o, "ringmail_auth_total", "Authentication attempts by result.", "success", a,
	    "failure", b);
	SUM_WORKERS(s, bytes_in, a);
	one(o, "ringmail_bytes_received_total", "counter", "Bytes received from clients.", a);
	SUM_WORKERS(s, bytes_out, a);
	one(o, "ringmail_bytes_sent_total", "counter", "Bytes sent to clients.", a);
	SUM_WORKERS(s, tls_started, a);
	SUM_WORKERS(s, tls_failed, b);
	two(o, "ringmail_tls_handshakes_total", "TLS handshakes started and failed.", "started", a,
	    "failed", b);
	SUM_WORKERS(s, lmtp_transactions, a);
	one(o, "ringmail_lmtp_transactions_total", "counter", "LMTP DATA transactions.", a);
	SUM_WORKERS(s, lmtp_rcpts_ok, a);
	SUM_WORKERS(s, lmtp_rcpts_failed, b);
	two(o, "ringmail_lmtp_recipients_total", "LMTP recipients after DATA, by result.",
	    "delivered", a, "failed", b);
	SUM_WORKERS(s, lmtp_bytes, a);
	one(o, "ringmail_lmtp_bytes_total", "counter", "Message bytes received over LMTP.", a);
}

#define SUM_PARTS(snap, field, r) do { \
	(r) = 0; \
	for (unsigned p_ = 0; p_ < (snap)->nparts; p_++) \
		(r) += (snap)->parts[p_].field; \
} while (0)

static void render_store(const struct metrics_snapshot *s, struct rm_buf *o)
{
	uint64_t v;
	SUM_PARTS(s, m.commits, v);
	one(o, "ringmail_store_commits_total", "counter", "Group commits made durable.", v);
	SUM_PARTS(s, m.fsyncs, v);
	one(o, "ringmail_store_fsyncs_total", "counter", "fdatasync calls on the logs.", v);
	SUM_PARTS(s, m.bytes, v);
	one(o, "ringmail_store_log_written_bytes_total", "counter", "Log bytes written.", v);
	SUM_PARTS(s, m.checkpoints, v);
	one(o, "ringmail_store_checkpoints_total", "counter", "Index checkpoints.", v);
	SUM_PARTS(s, m.compactions, v);
	one(o, "ringmail_store_compactions_total", "counter", "Segments rewritten by compaction.", v);
	SUM_PARTS(s, m.reads, v);
	one(o, "ringmail_store_message_reads_total", "counter", "Message byte reads.", v);
	head(o, "ringmail_store_fsync_batch_records", "histogram",
	     "Log records made durable by one fdatasync (group commit size).");
	uint64_t cum = 0;
	for (unsigned b = 0; b < STORE_HIST_BUCKETS; b++) {
		SUM_PARTS(s, m.records_per_fsync[b], v);
		cum += v;
		if (b + 1 < STORE_HIST_BUCKETS)
			rm_buf_printf(o, "ringmail_store_fsync_batch_records_bucket{le=\"%u\"} %llu\n",
				      1u << b, (unsigned long long)cum);
		else
			rm_buf_printf(o, "ringmail_store_fsync_batch_records_bucket{le=\"+Inf\"} %llu\n",
				      (unsigned long long)cum);
	}
	SUM_PARTS(s, m.records, v);
	rm_buf_printf(o, "ringmail_store_fsync_batch_records_sum %llu\n", (unsigned long long)v);
	rm_buf_printf(o, "ringmail_store_fsync_batch_records_count %llu\n", (unsigned long long)cum);
}

/* Per-partition gauges: one family at a time (the format wants a family's
 * samples together). */
static void render_parts(const struct metrics_snapshot *s, struct rm_buf *o)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fams[] = {
		{ "ringmail_partition_log_bytes", "Log segment bytes on disk.",
		  offsetof(struct store_part_stats, log_bytes) },
		{ "ringmail_partition_live_bytes", "Log bytes still referenced.",
		  offsetof(struct store_part_stats, live_bytes) },
		{ "ringmail_partition_index_bytes", "LMDB index pages in use, in bytes.",
		  offsetof(struct store_part_stats, index_bytes) },
		{ "ringmail_partition_messages", "Messages stored.",
		  offsetof(struct store_part_stats, messages) },
		{ "ringmail_partition_users", "Users stored.",
		  offsetof(struct store_part_stats, users) },
		{ "ringmail_partition_search_index_bytes", "Full-text index pages, in bytes.",
		  offsetof(struct store_part_stats, fts_bytes) },
	};
	for (size_t f = 0; f < RM_ARRAY_LEN(fams); f++) {
		head(o, fams[f].name, "gauge", fams[f].help);
		for (unsigned p = 0; p < s->nparts; p++) {
			if (!s->parts[p].present)
				continue;
			uint64_t v;
			memcpy(&v, (const char *)&s->parts[p].st + fams[f].off, sizeof(v));
			rm_buf_printf(o, "%s{partition=\"%u\"} %llu\n", fams[f].name, p,
				      (unsigned long long)v);
		}
	}
	/* The full-text index is written in the commit that stores a
	 * message, so its lag is a count, not a time: stored bodies without
	 * a search document (indexed while the index was off); search reads
	 * their bytes instead. */
	head(o, "ringmail_partition_search_index_lag_messages", "gauge",
	     "Stored message bodies the full-text index does not cover.");
	for (unsigned p = 0; p < s->nparts; p++) {
		const struct store_part_stats *st = &s->parts[p].st;
		if (s->parts[p].present)
			rm_buf_printf(o, "ringmail_partition_search_index_lag_messages{partition=\"%u\"} %llu\n",
				      p, (unsigned long long)(st->blobs > st->fts_docs
							      ? st->blobs - st->fts_docs : 0));
	}
	head(o, "ringmail_partition_read_only", "gauge",
	     "1 when the partition failed a write or fsync and refuses changes.");
	for (unsigned p = 0; p < s->nparts; p++)
		if (s->parts[p].present)
			rm_buf_printf(o, "ringmail_partition_read_only{partition=\"%u\"} %d\n", p,
				      s->parts[p].m.read_only ? 1 : 0);
}

void metrics_render(const struct metrics_snapshot *s, struct rm_buf *o)
{
	render_conns(s, o);
	one(o, "ringmail_connections_total", "gauge", "Open connections counted against max_connections.",
	    s->conns_total);
	render_commands(s, o);
	render_workers(s, o);
	render_store(s, o);
	render_parts(s, o);
}
