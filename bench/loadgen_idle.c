/*
 * loadgen_idle.c — workload "idle": opens K sessions (LOGIN, SELECT, IDLE)
 * for each K of cfg.idle_steps, then measures the server's memory (VmRSS
 * and Pss summed over the given pids and their descendants) and the latency
 * of an IDLE notification: a separate session APPENDs to one user's INBOX
 * and every idler of that user times the arrival of its "* N EXISTS" from
 * the moment the APPEND's literal was sent.  Sessions stay open from one
 * step to the next; every wait is bounded in time.
 */
#include "bench/loadgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define LG_IDLE_NOTIFIER_ID    0xffffffffu

enum { ID_LOGIN = 1, ID_SELECT, ID_WAIT_CONT, ID_IDLING, ID_FAILED, ID_APPEND, ID_LOGOUT, ID_DONE };

struct lg_idle {
	unsigned setting_up;   /* sessions between connect and IDLE's "+" */
	unsigned idling;
	unsigned failed;
	unsigned dropped;      /* idlers whose connection closed later */
	struct lg_sess notifier;  /* its lit_sent_us is the notification's t0 */
	unsigned notify_user;
	unsigned notify_got;
	struct rm_buf msg;     /* the notifier's message */
	struct lg_hist notify; /* this step's notification latencies */
	uint64_t round_max_us; /* latest arrival of the current round */
	struct lg_hist last;   /* per complete round: time until the last idler had it */
	unsigned rounds_incomplete; /* rounds where some idler never saw it */
};

static struct lg_idle *lg_idle_of(struct lg_sess *s)
{
	return s->run->wl_state;
}

static void lg_idle_ready(struct lg_sess *s)
{
	s->phase = ID_LOGIN;
	lg_sess_login(s);
}

static void lg_idle_fail(struct lg_sess *s)
{
	struct lg_idle *st = lg_idle_of(s);
	if (s->id == LG_IDLE_NOTIFIER_ID) {
		s->phase = ID_DONE;
	} else if (s->phase == ID_IDLING) {
		st->idling--;
		st->dropped++;
	} else if (s->phase != ID_FAILED) {
		st->setting_up--;
		st->failed++;
	}
	if (s->id != LG_IDLE_NOTIFIER_ID)
		s->phase = ID_FAILED;
	lg_sess_close(s);
}

static void lg_idle_notifier_done(struct lg_sess *s, enum lg_status st)
{
	struct lg_idle *is = lg_idle_of(s);
	if (st != LG_ST_OK || s->phase == ID_LOGOUT) {
		lg_sess_close(s);
		s->phase = ID_DONE;
		return;
	}
	if (s->phase == ID_LOGIN) {
		s->phase = ID_APPEND;
		lg_sess_cmd_literal(s, LG_K_APPEND, "APPEND \"INBOX\"", is->msg.data, is->msg.len);
		return;
	}
	s->phase = ID_LOGOUT;
	lg_sess_logout(s);
}

static void lg_idle_done(struct lg_sess *s, enum lg_status st)
{
	if (s->id == LG_IDLE_NOTIFIER_ID) {
		lg_idle_notifier_done(s, st);
		return;
	}
	if (st != LG_ST_OK) {
		lg_idle_fail(s);
		return;
	}
	if (s->phase == ID_LOGIN) {
		s->phase = ID_SELECT;
		lg_sess_cmd(s, LG_K_SELECT, "SELECT \"%s\"", s->run->cfg.mailbox);
	} else if (s->phase == ID_SELECT) {
		s->phase = ID_WAIT_CONT;
		lg_sess_cmd(s, LG_K_IDLE, "IDLE");
	}
}

static void lg_idle_cont(struct lg_sess *s)
{
	struct lg_idle *st = lg_idle_of(s);
	if (s->phase != ID_WAIT_CONT)
		return;
	s->phase = ID_IDLING;
	st->setting_up--;
	st->idling++;
	/* IDLE stays in flight for the rest of the run; not a latency sample. */
	s->busy = false;
}

static void lg_idle_untagged(struct lg_sess *s, const struct lg_imap_reader *r)
{
	struct lg_idle *st = lg_idle_of(s);
	uint32_t n;
	if (!lg_imap_untagged_num(r, "EXISTS", &n))
		return;
	uint64_t t0 = st->notifier.lit_sent_us;
	if (s->phase == ID_IDLING && n > s->exists && s->user == st->notify_user && t0 != 0) {
		uint64_t us = lg_now_us() - t0;
		lg_hist_record(&st->notify, us);
		st->round_max_us = RM_MAX(st->round_max_us, us);
		lg_hist_record(&s->run->stats.hist[LG_K_NOTIFY], us);
		st->notify_got++;
	}
	s->exists = n;
}

static void lg_idle_closed(struct lg_sess *s)
{
	if (s->id == LG_IDLE_NOTIFIER_ID) {
		s->phase = ID_DONE;
		return;
	}
	if (s->phase != ID_FAILED)
		lg_idle_fail(s);
}

/* Opens sessions up to k, at most connect_parallel being set up at once,
 * until all idle or the setup time (cfg.duration_s) runs out. */
static void lg_idle_open(struct lg_run *run, unsigned *opened, unsigned k)
{
	struct lg_idle *st = run->wl_state;
	uint64_t deadline = lg_now_us() + (uint64_t)(run->cfg.duration_s * 1e6);
	uint64_t last_tick = 0;
	while (lg_now_us() < deadline) {
		while (*opened < k && st->setting_up < run->cfg.connect_parallel) {
			struct lg_sess *s = &run->sess[(*opened)++];
			st->setting_up++;
			if (lg_sess_connect(s) != RM_OK) {
				st->setting_up--;
				st->failed++;
				s->phase = ID_FAILED;
			}
		}
		if (*opened >= k && st->setting_up == 0)
			return;
		lg_engine_poll(&run->eng, 50);
		uint64_t now = lg_now_us();
		if (now - last_tick > 200000) {
			last_tick = now;
			for (unsigned i = 0; i < *opened; i++)
				if (run->sess[i].phase != ID_IDLING)
					lg_sess_check_timeout(&run->sess[i], now);
		}
	}
}

static void lg_idle_pump(struct lg_run *run, uint64_t ms)
{
	uint64_t end = lg_now_us() + ms * 1000u;
	while (lg_now_us() < end)
		lg_engine_poll(&run->eng, 50);
}

/* One notification round for user u: returns idlers of u that were waited for. */
static unsigned lg_idle_notify_round(struct lg_run *run, unsigned u)
{
	struct lg_idle *st = run->wl_state;
	unsigned expect = 0;
	for (unsigned i = 0; i < run->sess_count; i++)
		expect += run->sess[i].phase == ID_IDLING && run->sess[i].user == u;
	if (expect == 0)
		return 0;
	struct lg_sess *n = &st->notifier;
	n->user = u;
	st->notify_user = u;
	st->notify_got = 0;
	st->round_max_us = 0;
	n->lit_sent_us = 0;
	if (lg_sess_connect(n) != RM_OK)
		return expect;
	/* Bounded twice: the APPEND by the command timeout, the notifications
	 * by cfg.notify_wait_ms after its literal went out (later: lost). */
	uint64_t wait_us = (uint64_t)run->cfg.notify_wait_ms * 1000u;
	uint64_t end = lg_now_us() + (uint64_t)run->cfg.timeout_ms * 1000u + wait_us;
	while (lg_now_us() < end && (st->notify_got < expect || n->phase != ID_DONE)) {
		if (n->lit_sent_us != 0)
			end = RM_MIN(end, n->lit_sent_us + wait_us);
		lg_engine_poll(&run->eng, 10);
	}
	if (n->conn.state != LG_CONN_CLOSED)
		lg_sess_close(n);
	run->stats.errors[LG_K_NOTIFY] += expect - RM_MIN(st->notify_got, expect);
	if (st->notify_got >= expect)
		lg_hist_record(&st->last, st->round_max_us);
	else
		st->rounds_incomplete++;
	st->notify_user = 0;
	return expect;
}

/* Server memory of this step, read after the settle time and before the
 * notification rounds wake idlers up. */
struct lg_idle_mem {
	uint64_t rss, pss, base_rss, base_pss;
	unsigned procs;
};

static void lg_idle_step_report(struct lg_run *run, unsigned k, const struct lg_idle_mem *m)
{
	struct lg_idle *st = run->wl_state;
	uint64_t rss = m->rss, pss = m->pss, base_rss = m->base_rss, base_pss = m->base_pss;
	unsigned procs = m->procs;
	unsigned live = RM_MAX(st->idling, 1u);
	printf("idle k=%u: %u idling, %u failed, %u dropped; server %u procs rss %.1f MB pss %.1f MB "
	       "(%.1f KiB/conn over baseline); notify p50 %.3f ms p99 %.3f ms (%llu samples)\n",
	       k, st->idling, st->failed, st->dropped, procs, (double)rss / 1e6, (double)pss / 1e6,
	       (double)(pss > base_pss ? pss - base_pss : 0) / live / 1024.0,
	       (double)lg_hist_quantile_us(&st->notify, 0.5) / 1000.0,
	       (double)lg_hist_quantile_us(&st->notify, 0.99) / 1000.0,
	       (unsigned long long)st->notify.total);
	printf("idle k=%u: notify max %.3f ms; time to the last idler p50 %.3f ms max %.3f ms "
	       "(%llu complete rounds, %u incomplete)\n", k, (double)st->notify.max_us / 1000.0,
	       (double)lg_hist_quantile_us(&st->last, 0.5) / 1000.0,
	       (double)st->last.max_us / 1000.0, (unsigned long long)st->last.total,
	       st->rounds_incomplete);
	printf("RESULT workload=idle k=%u idling=%u failed=%u dropped=%u procs=%u rss_bytes=%llu "
	       "pss_bytes=%llu rss_per_conn_bytes=%llu rss_delta_per_conn_bytes=%llu "
	       "pss_delta_per_conn_bytes=%llu notify_p50_ms=%.3f notify_p99_ms=%.3f notify_n=%llu "
	       "notify_lost=%llu notify_max_ms=%.3f last_p50_ms=%.3f last_max_ms=%.3f "
	       "rounds_complete=%llu rounds_incomplete=%u\n", k, st->idling, st->failed, st->dropped, procs,
	       (unsigned long long)rss, (unsigned long long)pss, (unsigned long long)(rss / live),
	       (unsigned long long)((rss > base_rss ? rss - base_rss : 0) / live),
	       (unsigned long long)((pss > base_pss ? pss - base_pss : 0) / live),
	       (double)lg_hist_quantile_us(&st->notify, 0.5) / 1000.0,
	       (double)lg_hist_quantile_us(&st->notify, 0.99) / 1000.0,
	       (unsigned long long)st->notify.total,
	       (unsigned long long)run->stats.errors[LG_K_NOTIFY],
	       (double)st->notify.max_us / 1000.0,
	       (double)lg_hist_quantile_us(&st->last, 0.5) / 1000.0,
	       (double)st->last.max_us / 1000.0, (unsigned long long)st->last.total,
	       st->rounds_incomplete);
	fflush(stdout);
}

static int lg_idle_drive(struct lg_run *run)
{
	struct lg_idle *st = rm_calloc(1, sizeof(*st));
	run->wl_state = st;
	st->notifier.run = run;
	st->notifier.id = LG_IDLE_NOTIFIER_ID;
	st->notifier.conn.fd = -1;
	datagen_message(run->cfg.seed, 7, 2048, &st->msg);
	struct lg_idle_mem m = {0};
	unsigned opened = 0;
	/* Consecutive sessions share a user (sessions / users each), so every
	 * step has the same number of idlers per user. */
	unsigned per_user = (run->sess_count + run->cfg.users - 1) / RM_MAX(run->cfg.users, 1u);
	per_user = RM_MAX(per_user, 1u);
	for (unsigned i = 0; i < run->sess_count; i++)
		run->sess[i].user = run->cfg.user_first + i / per_user;
	/* the baseline too after a settle: processes a previous workload left
	 * (spare workers, caches being dropped) should be gone */
	lg_idle_pump(run, run->cfg.idle_settle_ms);
	if (run->cfg.server_pid_count)
		lg_run_server_memory(run, &m.base_rss, &m.base_pss, &m.procs);
	printf("idle: server baseline %u procs rss %.1f MB pss %.1f MB\n", m.procs,
	       (double)m.base_rss / 1e6, (double)m.base_pss / 1e6);
	for (unsigned i = 0; i < run->cfg.idle_step_count; i++) {
		unsigned k = RM_MIN(run->cfg.idle_steps[i], run->sess_count);
		lg_idle_open(run, &opened, k);
		lg_idle_pump(run, run->cfg.idle_settle_ms);
		if (run->cfg.server_pid_count)
			lg_run_server_memory(run, &m.rss, &m.pss, &m.procs);
		memset(&st->notify, 0, sizeof(st->notify));
		memset(&st->last, 0, sizeof(st->last));
		st->rounds_incomplete = 0;
		/* a different user each round, spread over the users idling */
		unsigned users = RM_MAX((k + per_user - 1) / per_user, 1u);
		for (unsigned r = 0; r < run->cfg.notify_rounds; r++)
			lg_idle_notify_round(run, run->cfg.user_first +
					     (unsigned)((uint64_t)r * 7919u % users));
		lg_idle_step_report(run, k, &m);
	}
	run->elapsed_s = (double)(lg_now_us() - run->start_us) / 1e6;
	int rc = st->idling > 0 ? 0 : 1;
	lg_conn_close(&run->eng, &st->notifier.conn);
	lg_conn_free_buffers(&st->notifier.conn);
	rm_buf_free(&st->msg);
	free(st);
	run->wl_state = NULL;
	return rc;
}

const struct lg_workload lg_wl_idle = {
	.name = "idle", .primary = LG_K_NOTIFY,
	.on_ready = lg_idle_ready, .on_done = lg_idle_done, .on_untagged = lg_idle_untagged,
	.on_cont = lg_idle_cont, .on_closed = lg_idle_closed, .drive = lg_idle_drive,
};
