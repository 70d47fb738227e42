/*
 * metrics.h — counters for the Prometheus endpoint (metrics_http.c).
 *
 * Each worker owns one struct metrics_worker (w->metrics, allocated in
 * server_worker_open) and is the only thread that writes it: the hooks
 * below are plain increments, no atomics, no locks.  A scrape sends a hop
 * to every worker, which copies its counters and its partitions' storage
 * metrics into the scrape's snapshot on its own thread, so nothing is ever
 * read across threads either.
 *
 * Hooks live where events happen (conn.c, imap/session.c, imap/cmd_auth.c,
 * lmtp/); each is one line there.
 */
#ifndef RM_METRICS_H
#define RM_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/limits.h"
#include "server/conn.h"
#include "server/worker.h"
#include "storage/store.h"

/* Command latency buckets, upper bounds in ms (then +Inf). */
#define METRICS_LAT_BUCKETS 10
extern const uint64_t metrics_lat_bounds_ms[METRICS_LAT_BUCKETS];

struct metrics_hist {
	uint64_t le[METRICS_LAT_BUCKETS + 1];   /* last: over every bound */
	uint64_t count;
	uint64_t sum_ms;
};

enum metrics_proto { METRICS_P_IMAP, METRICS_P_LMTP, METRICS_P_HTTP, METRICS_P_CONTROL,
		     METRICS_P_OTHER, METRICS_P__COUNT };

struct metrics_worker {
	uint64_t conns[CONN_TO__COUNT];         /* open, by timeout class */
	uint64_t accepted[METRICS_P__COUNT];
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t auth_ok;
	uint64_t auth_failed;
	uint64_t tls_started;
	uint64_t tls_failed;
	uint64_t lmtp_transactions;
	uint64_t lmtp_rcpts_ok;
	uint64_t lmtp_rcpts_failed;
	uint64_t lmtp_bytes;
	/* IMAP commands: names seen on this worker (pointers to the command
	 * table's strings), the last slot counts the rest. */
	unsigned ncmds;
	const char *cmd_names[RM_METRICS_COMMANDS_MAX];
	struct metrics_hist cmds[RM_METRICS_COMMANDS_MAX + 1];
};

/** Allocates a zeroed struct (free() it). */
struct metrics_worker *metrics_worker_new(void);

/** conn.c: a connection entered (+1) or left (-1) its worker's timeout
 * list of class cls. */
static inline void metrics_conn_listed(struct worker *w, enum conn_timeout_class cls, int delta)
{
	w->metrics->conns[cls] += (uint64_t)(int64_t)delta;
}
static inline void metrics_bytes_in(struct worker *w, uint64_t n) { w->metrics->bytes_in += n; }
static inline void metrics_bytes_out(struct worker *w, uint64_t n) { w->metrics->bytes_out += n; }
/** A TLS handshake began (implicit TLS or STARTTLS) or failed. */
static inline void metrics_tls(struct worker *w, bool failed)
{
	if (failed)
		w->metrics->tls_failed++;
	else
		w->metrics->tls_started++;
}
/** imap/cmd_auth.c: a login succeeded or failed. */
static inline void metrics_auth(struct worker *w, bool ok)
{
	if (ok)
		w->metrics->auth_ok++;
	else
		w->metrics->auth_failed++;
}
/** conn.c: a connection was accepted for proto. */
void metrics_conn_accepted(struct worker *w, const struct conn_proto *proto);
/** imap/session.c: a command finished with status ("OK", "NO", "BAD");
 * also writes the debug log line event=command with session, user,
 * command and duration.  name must be a string that lives for ever. */
void metrics_imap_command(struct conn *c, const char *name, const char *status,
			  uint64_t start_ms, const char *user);
/** lmtp: one DATA transaction with rcpts recipients, ok of them stored. */
void metrics_lmtp_delivery(struct worker *w, unsigned rcpts, unsigned ok, uint64_t bytes);

/* ---- scrape ----------------------------------------------------------------- */

struct metrics_part {
	bool present;
	struct store_metrics m;
	struct store_part_stats st;
};

/** Everything one scrape reports, gathered worker by worker. */
struct metrics_snapshot {
	unsigned nworkers;
	unsigned nparts;
	struct metrics_worker *workers;   /* nworkers copies */
	struct metrics_part *parts;       /* nparts */
	uint64_t conns_total;
};

/** On worker w's own thread: copies its counters and its partitions'
 * storage metrics and sizes into snap. */
void metrics_collect(struct worker *w, struct metrics_snapshot *snap);

/** Writes snap in the Prometheus text format (version 0.0.4). */
void metrics_render(const struct metrics_snapshot *snap, struct rm_buf *out);

/** The HTTP/1.0 responder for metrics listeners (GET /metrics). */
extern const struct conn_proto metrics_http_proto;

#endif
