/*
 * loadgen_load.c — workload "load": fills users user_first.. with
 * cfg.messages datagen messages each through IMAP APPEND, so that two
 * servers loaded with the same seed hold the same messages with the same
 * flags and INTERNALDATE.  Sessions beyond one per user share a user's
 * counter (parallel APPENDs into one mailbox: the set is identical, the UID
 * order may differ between servers).
 */
#include "bench/loadgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"

enum { LD_LOGIN = 1, LD_CREATE, LD_APPEND, LD_LOGOUT, LD_SWITCH, LD_DONE };

struct lg_load_state {
	uint64_t *next;        /* per user: next message index */
	struct rm_buf *msg;    /* per session: the literal in flight */
	uint64_t bytes;
	uint64_t done;
};

static enum rm_err lg_load_prepare(struct lg_run *run)
{
	const struct lg_config *cfg = &run->cfg;
	if (cfg->messages == 0) {
		fprintf(stderr, "loadgen: load needs --messages N\n");
		return RM_ERR_INVAL;
	}
	if (lg_work_load_sizes(run) != RM_OK)
		return RM_ERR_IO;
	struct lg_load_state *ls = rm_calloc(1, sizeof(*ls));
	ls->next = rm_calloc(RM_MAX(cfg->users, 1u), sizeof(uint64_t));
	ls->msg = rm_calloc(cfg->clients, sizeof(struct rm_buf));
	run->wl_state = ls;
	return RM_OK;
}

/* Seed of one user's message stream: users differ, runs with one seed not. */
static uint64_t lg_load_user_seed(const struct lg_run *run, unsigned user)
{
	return run->cfg.seed ^ ((uint64_t)user * 0x9e3779b97f4a7c15ull);
}

static void lg_load_next(struct lg_sess *s)
{
	struct lg_run *run = s->run;
	struct lg_load_state *ls = run->wl_state;
	unsigned u = s->user - run->cfg.user_first;
	if (ls->next[u] >= run->cfg.messages || lg_run_should_stop(run)) {
		/* This user is full: move on to the next user this session
		 * serves (users id, id + clients, ...) that still needs some. */
		unsigned v = u + run->cfg.clients;
		while (v < run->cfg.users && ls->next[v] >= run->cfg.messages)
			v += run->cfg.clients;
		s->phase = v < run->cfg.users && !lg_run_should_stop(run) ? LD_SWITCH : LD_LOGOUT;
		if (s->phase == LD_SWITCH)
			s->user = run->cfg.user_first + v;
		lg_sess_logout(s);
		return;
	}
	uint64_t idx = ls->next[u]++;
	uint64_t seed = lg_load_user_seed(run, s->user);
	struct rm_buf *m = &ls->msg[s->id];
	rm_buf_reset(m);
	datagen_message(seed, idx, datagen_size_of(run->sizes, seed, idx, run->cfg.size_max_bytes), m);
	/* Deterministic flags: 70 % seen, 5 % flagged; INTERNALDATE = Date:. */
	uint64_t r = seed ^ (idx * 0xd6e8feb86659fd93ull);
	r = datagen_rand(&r);
	const char *flags = r % 100 < 5 ? "\\Seen \\Flagged" : r % 100 < 70 ? "\\Seen" : "";
	char date[40], prefix[400];
	time_t t = (time_t)(1704067200 + (int64_t)idx * 600);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%d-%b-%Y %H:%M:%S +0000", &tm);
	snprintf(prefix, sizeof(prefix), "APPEND \"%s\" (%s) \"%s\"", run->cfg.mailbox, flags, date);
	ls->bytes += m->len;
	s->phase = LD_APPEND;
	lg_sess_cmd_literal(s, LG_K_APPEND, prefix, m->data, m->len);
}

static void lg_load_ready(struct lg_sess *s)
{
	s->phase = LD_LOGIN;
	lg_sess_login(s);
}

static void lg_load_done(struct lg_sess *s, enum lg_status st)
{
	struct lg_load_state *ls = s->run->wl_state;
	switch (s->phase) {
	case LD_LOGOUT:
		s->phase = LD_DONE;
		lg_sess_close(s);
		return;
	case LD_SWITCH:
		lg_sess_close(s);
		(void)lg_sess_connect(s);
		return;
	case LD_LOGIN:
		if (st != LG_ST_OK) {
			s->phase = LD_DONE; /* a bad password will not get better */
			lg_sess_close(s);
			return;
		}
		if (strcmp(s->run->cfg.mailbox, "INBOX") != 0) {
			s->phase = LD_CREATE; /* NO when it exists: fine */
			lg_sess_cmd(s, LG_K_NOOP, "CREATE \"%s\"", s->run->cfg.mailbox);
			return;
		}
		break;
	case LD_APPEND:
		ls->done += st == LG_ST_OK; /* failures are counted as APPEND errors */
		break;
	default:
		break;
	}
	lg_load_next(s);
}

static void lg_load_closed(struct lg_sess *s)
{
	if (s->phase != LD_DONE && !lg_run_should_stop(s->run))
		(void)lg_sess_connect(s);
}

static void lg_load_extra(struct lg_run *run, char *out, size_t cap)
{
	struct lg_load_state *ls = run->wl_state;
	double secs = run->elapsed_s > 0 ? run->elapsed_s : 1;
	snprintf(out, cap, "appended=%llu bytes=%llu mb_per_s=%.2f msgs_per_s=%.1f",
		 (unsigned long long)ls->done, (unsigned long long)ls->bytes,
		 (double)ls->bytes / 1e6 / secs, (double)ls->done / secs);
	for (unsigned i = 0; i < run->cfg.clients; i++)
		rm_buf_free(&ls->msg[i]);
	free(ls->msg);
	free(ls->next);
	free(ls);
	run->wl_state = NULL;
}

const struct lg_workload lg_wl_load = {
	.name = "load", .primary = LG_K_APPEND, .prepare = lg_load_prepare,
	.on_ready = lg_load_ready, .on_done = lg_load_done, .on_closed = lg_load_closed,
	.result_extra = lg_load_extra,
};
