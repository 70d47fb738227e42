/* Per-worker counters and their collection; see metrics.h. */
#include "server/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "server/control.h"
#include "server/imap/session.h"
#include "server/lmtp/lmtp.h"
#include "server/server.h"

const uint64_t metrics_lat_bounds_ms[METRICS_LAT_BUCKETS] = {
	1, 2, 5, 10, 25, 50, 100, 250, 1000, 5000,
};

struct metrics_worker *metrics_worker_new(void)
{
	return rm_calloc(1, sizeof(struct metrics_worker));
}

void metrics_conn_accepted(struct worker *w, const struct conn_proto *proto)
{
	enum metrics_proto p = proto == &imap_proto ? METRICS_P_IMAP
		: proto == &lmtp_proto ? METRICS_P_LMTP
		: proto == &metrics_http_proto ? METRICS_P_HTTP
		: proto == &control_proto ? METRICS_P_CONTROL : METRICS_P_OTHER;
	w->metrics->accepted[p]++;
}

static struct metrics_hist *cmd_hist(struct metrics_worker *m, const char *name)
{
	for (unsigned i = 0; i < m->ncmds; i++)
		if (m->cmd_names[i] == name)
			return &m->cmds[i];
	if (m->ncmds == RM_METRICS_COMMANDS_MAX)
		return &m->cmds[RM_METRICS_COMMANDS_MAX];
	m->cmd_names[m->ncmds] = name;
	return &m->cmds[m->ncmds++];
}

void metrics_imap_command(struct conn *c, const char *name, const char *status,
			  uint64_t start_ms, const char *user)
{
	uint64_t ms = rm_now_ms() - start_ms;
	struct metrics_hist *h = cmd_hist(c->w->metrics, name);
	unsigned b = 0;
	while (b < METRICS_LAT_BUCKETS && ms > metrics_lat_bounds_ms[b])
		b++;
	h->le[b]++;
	h->count++;
	h->sum_ms += ms;
	rm_log_debug("command", "session=%llu user=%s cmd=%s status=%s ms=%llu",
		     (unsigned long long)c->id, user ? user : "-", name, status,
		     (unsigned long long)ms);
}

void metrics_lmtp_delivery(struct worker *w, unsigned rcpts, unsigned ok, uint64_t bytes)
{
	struct metrics_worker *m = w->metrics;
	m->lmtp_transactions++;
	m->lmtp_rcpts_ok += ok;
	m->lmtp_rcpts_failed += rcpts - ok;
	m->lmtp_bytes += bytes;
}

void metrics_collect(struct worker *w, struct metrics_snapshot *snap)
{
	struct server *srv = w->srv;
	snap->workers[w->index] = *w->metrics;
	for (unsigned p = w->index; p < snap->nparts; p += srv->nworkers) {
		struct metrics_part *mp = &snap->parts[p];
		if (!w->parts || !w->parts[p])
			continue;
		store_part_metrics(w->parts[p], &mp->m);
		/* A directory listing and an LMDB stat: cheap, and a scrape
		 * comes every few seconds at most. */
		mp->present = store_part_stats(w->parts[p], &mp->st) == RM_OK;
	}
}
