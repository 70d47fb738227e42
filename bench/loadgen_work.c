/*
 * loadgen_work.c — the single-purpose workloads: login, append, sync,
 * search (mixed and idle have their own files).  Each is a small state
 * machine over lg_sess: on_ready starts it, on_done moves it on.
 */
#include "bench/loadgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

enum { PH_LOGIN = 1, PH_SELECT, PH_WORK, PH_BODIES, PH_LOGOUT, PH_DONE };

/* Ends a session politely (LOGOUT) when logged in, else closes it. */
static void lg_work_finish(struct lg_sess *s)
{
	s->phase = PH_LOGOUT;
	lg_sess_logout(s);
}

static void lg_work_start_login(struct lg_sess *s)
{
	s->phase = PH_LOGIN;
	lg_sess_login(s);
}

/* Common failure path: a NO/BAD/drop ends the session; the driver
 * reconnects it unless the run is stopping. */
static void lg_work_fail(struct lg_sess *s)
{
	lg_sess_close(s);
	if (!lg_run_should_stop(s->run))
		(void)lg_sess_connect(s);
}

static void lg_work_logged_out(struct lg_sess *s)
{
	lg_sess_close(s);
	if (!lg_run_should_stop(s->run))
		(void)lg_sess_connect(s);
}

/* The part every workload's on_done shares: a LOGOUT's completion closes
 * (and reconnects unless stopping), a failed command drops the session.
 * Returns true when it handled the completion. */
static bool lg_work_settled(struct lg_sess *s, enum lg_status st)
{
	if (s->phase == PH_LOGOUT)
		lg_work_logged_out(s);
	else if (st != LG_ST_OK)
		lg_work_fail(s);
	else
		return false;
	return true;
}

/* ---- login: connect, LOGIN, LOGOUT, again ------------------------------ */

static void lg_login_ready(struct lg_sess *s)
{
	if (!lg_run_take_op(s->run)) {
		lg_sess_close(s);
		return;
	}
	lg_work_start_login(s);
}

static void lg_login_done(struct lg_sess *s, enum lg_status st)
{
	if (st != LG_ST_OK)
		lg_work_fail(s);
	else if (s->phase == PH_LOGIN)
		lg_work_finish(s);
	else {
		lg_hist_record(&s->run->stats.hist[LG_K_SESSION], lg_now_us() - s->connect_start_us);
		lg_work_logged_out(s);
	}
}

const struct lg_workload lg_wl_login = {
	.name = "login", .primary = LG_K_LOGIN,
	.on_ready = lg_login_ready, .on_done = lg_login_done,
};

/* ---- append: APPEND messages of the size mix, each waiting for its OK --- */

enum rm_err lg_work_load_sizes(struct lg_run *run)
{
	const struct lg_config *cfg = &run->cfg;
	if (cfg->size_fixed_bytes > 0) {
		run->sizes = datagen_sizes_fixed(cfg->size_fixed_bytes);
		return RM_OK;
	}
	enum rm_err err = datagen_sizes_load(cfg->sizes_csv, &run->sizes);
	if (err != RM_OK)
		fprintf(stderr, "loadgen: cannot read sizes from %s: %s\n", cfg->sizes_csv,
			rm_err_str(err));
	return err;
}

struct lg_pool *lg_work_pool_make(struct lg_run *run)
{
	if (!run->sizes && lg_work_load_sizes(run) != RM_OK)
		return NULL;
	struct lg_pool *p = rm_calloc(1, sizeof(*p));
	p->count = LG_POOL_MAX;
	if (run->cfg.ops_max > 0 && run->cfg.ops_max < p->count)
		p->count = (unsigned)run->cfg.ops_max;
	for (unsigned i = 0; i < p->count; i++)
		datagen_message(run->cfg.seed, i,
				datagen_size_of(run->sizes, run->cfg.seed, i, run->cfg.size_max_bytes),
				&p->msgs[i]);
	return p;
}

void lg_work_pool_free(struct lg_pool **pool)
{
	if (!*pool)
		return;
	for (unsigned i = 0; i < (*pool)->count; i++)
		rm_buf_free(&(*pool)->msgs[i]);
	free(*pool);
	*pool = NULL;
}

static enum rm_err lg_append_prepare(struct lg_run *run)
{
	run->wl_state = lg_work_pool_make(run);
	return run->wl_state ? RM_OK : RM_ERR_IO;
}

static void lg_append_next(struct lg_sess *s)
{
	struct lg_pool *p = s->run->wl_state;
	if (!lg_run_take_op(s->run)) {
		lg_work_finish(s);
		return;
	}
	const struct rm_buf *m = &p->msgs[(s->id * 7 + s->seq++) % p->count];
	char prefix[300];
	snprintf(prefix, sizeof(prefix), "APPEND \"%s\" (\\Seen)", s->run->cfg.mailbox);
	p->bytes_sent += m->len;
	s->phase = PH_WORK;
	lg_sess_cmd_literal(s, LG_K_APPEND, prefix, m->data, m->len);
}

static void lg_append_done(struct lg_sess *s, enum lg_status st)
{
	if (!lg_work_settled(s, st))
		lg_append_next(s);
}

static void lg_append_extra(struct lg_run *run, char *out, size_t cap)
{
	struct lg_pool *p = run->wl_state;
	uint64_t total = 0;
	for (unsigned i = 0; i < p->count; i++)
		total += p->msgs[i].len;
	snprintf(out, cap, "mb_per_s=%.2f pool_mean_bytes=%llu",
		 (double)p->bytes_sent / 1e6 / (run->elapsed_s > 0 ? run->elapsed_s : 1),
		 (unsigned long long)(total / RM_MAX(p->count, 1u)));
	lg_work_pool_free(&p);
	run->wl_state = NULL;
}

const struct lg_workload lg_wl_append = {
	.name = "append", .primary = LG_K_APPEND, .prepare = lg_append_prepare,
	.on_ready = lg_work_start_login, .on_done = lg_append_done,
	.result_extra = lg_append_extra,
};

/* ---- sync: SELECT, UID FETCH 1:* metadata, newest bodies, LOGOUT --------- */

static void lg_sync_untagged(struct lg_sess *s, const struct lg_imap_reader *r)
{
	uint32_t n;
	if (lg_imap_untagged_num(r, "EXISTS", &n))
		s->exists = n;
	else if (lg_imap_untagged_num(r, "FETCH", &n))
		s->hits++;
}

static void lg_sync_body(struct lg_sess *s)
{
	uint32_t newest = s->run->cfg.sync_bodies;
	uint32_t first = s->exists > newest ? s->exists - newest + 1 : 1;
	if (s->seq < first || s->seq == 0) {
		lg_hist_record(&s->run->stats.hist[LG_K_SYNC], lg_now_us() - s->t0_us);
		lg_work_finish(s);
		return;
	}
	s->phase = PH_BODIES;
	lg_sess_cmd(s, LG_K_FETCH_BODY, "FETCH %llu BODY.PEEK[]", (unsigned long long)s->seq--);
}

static void lg_sync_done(struct lg_sess *s, enum lg_status st)
{
	if (lg_work_settled(s, st))
		return;
	switch (s->phase) {
	case PH_LOGIN:
		if (!lg_run_take_op(s->run)) {
			lg_work_finish(s);
			return;
		}
		s->phase = PH_SELECT;
		s->exists = 0;
		s->t0_us = lg_now_us();
		lg_sess_cmd(s, LG_K_SELECT, "SELECT \"%s\"", s->run->cfg.mailbox);
		return;
	case PH_SELECT:
		s->phase = PH_WORK;
		s->hits = 0;
		lg_sess_cmd(s, LG_K_FETCH_META, "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE "
			    "ENVELOPE BODYSTRUCTURE)");
		return;
	case PH_WORK:
		if (s->hits != s->exists) /* every message must come back */
			s->run->stats.errors[LG_K_FETCH_META]++;
		s->seq = s->exists;
		/* fall through */
	default:
		lg_sync_body(s);
	}
}

static void lg_sync_extra(struct lg_run *run, char *out, size_t cap)
{
	uint32_t exists = run->sess_count ? run->sess[0].exists : 0;
	const struct lg_hist *h = run->stats.hist;
	snprintf(out, cap, "messages=%u fetch_meta_p50_ms=%.3f select_p50_ms=%.3f "
		 "fetch_body_p50_ms=%.3f",
		 exists, (double)lg_hist_quantile_us(&h[LG_K_FETCH_META], 0.5) / 1000.0,
		 (double)lg_hist_quantile_us(&h[LG_K_SELECT], 0.5) / 1000.0,
		 (double)lg_hist_quantile_us(&h[LG_K_FETCH_BODY], 0.5) / 1000.0);
}

const struct lg_workload lg_wl_sync = {
	.name = "sync", .primary = LG_K_SYNC,
	.on_ready = lg_work_start_login, .on_done = lg_sync_done,
	.on_untagged = lg_sync_untagged, .result_extra = lg_sync_extra,
};

/* ---- search: SEARCH TEXT / BODY / FROM in turn over one mailbox -------- */

struct lg_search_state {
	uint32_t hits[3];
	uint32_t exists;
};
static const enum lg_kind lg_search_kinds[3] = {LG_K_SEARCH_TEXT, LG_K_SEARCH_BODY, LG_K_SEARCH_FROM};

static enum rm_err lg_search_prepare(struct lg_run *run)
{
	run->wl_state = rm_calloc(1, sizeof(struct lg_search_state));
	return RM_OK;
}

static void lg_search_untagged(struct lg_sess *s, const struct lg_imap_reader *r)
{
	uint32_t n;
	if (lg_imap_untagged_num(r, "EXISTS", &n))
		s->exists = n;
	else if (r->head_len >= 8 && rm_strncasecmp_ascii(r->head, "* SEARCH", 8) == 0)
		s->hits += (uint32_t)(r->spaces - 1);
}

static void lg_search_next(struct lg_sess *s)
{
	if (!lg_run_take_op(s->run)) {
		lg_work_finish(s);
		return;
	}
	static const char *const progs[3] = {
		"SEARCH TEXT \"" DATAGEN_WORD_RARE "\"", "SEARCH BODY \"" DATAGEN_WORD_RARE "\"",
		"SEARCH FROM \"" DATAGEN_FROM_RARE "\"",
	};
	unsigned k = (unsigned)(s->seq++ % 3);
	s->phase = PH_WORK;
	s->hits = 0;
	lg_sess_cmd(s, lg_search_kinds[k], "%s", progs[k]);
}

static void lg_search_done(struct lg_sess *s, enum lg_status st)
{
	struct lg_search_state *ss = s->run->wl_state;
	if (lg_work_settled(s, st))
		return;
	if (s->phase == PH_LOGIN) {
		s->phase = PH_SELECT;
		lg_sess_cmd(s, LG_K_SELECT, "EXAMINE \"%s\"", s->run->cfg.mailbox);
		return;
	}
	if (s->phase == PH_WORK) {
		unsigned k = (unsigned)((s->seq - 1) % 3);
		ss->hits[k] = s->hits;
		lg_hist_record(&s->run->stats.hist[LG_K_SEARCH], lg_now_us() - s->cmd_start_us);
	}
	ss->exists = s->exists;
	lg_search_next(s);
}

static void lg_search_extra(struct lg_run *run, char *out, size_t cap)
{
	struct lg_search_state *ss = run->wl_state;
	snprintf(out, cap, "messages=%u text_hits=%u body_hits=%u from_hits=%u", ss->exists,
		 ss->hits[0], ss->hits[1], ss->hits[2]);
	free(ss);
	run->wl_state = NULL;
}

const struct lg_workload lg_wl_search = {
	.name = "search", .primary = LG_K_SEARCH, .prepare = lg_search_prepare,
	.on_ready = lg_work_start_login, .on_done = lg_search_done,
	.on_untagged = lg_search_untagged, .result_extra = lg_search_extra,
};
