/*
 * loadgen_sess.c — one IMAP client session: tags, command timing, literal
 * synchronisation, routing of responses to the workload (see loadgen.h).
 * One command is in flight per session at a time.
 */
#include "bench/loadgen.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"

/* A session that could not connect or got no greeting waits this long
 * before trying again, so a server that is down is not hammered. */
#define LG_RECONNECT_DELAY_MS 200u

static struct lg_sess *lg_sess_of(struct lg_conn *c)
{
	return RM_CONTAINER_OF(c, struct lg_sess, conn);
}

void lg_sess_username(const struct lg_sess *s, char *out, size_t cap)
{
	snprintf(out, cap, s->run->cfg.user_fmt, s->user);
}

/* Standard driver only (workloads with their own on_closed decide
 * themselves): try again after LG_RECONNECT_DELAY_MS. */
static void lg_sess_retry_later(struct lg_sess *s)
{
	if (s->run->wl->on_closed || s->retry_at_us != 0)
		return;
	s->retry_at_us = lg_now_us() + LG_RECONNECT_DELAY_MS * 1000u;
	s->run->retry_pending++;
}

enum rm_err lg_sess_connect(struct lg_sess *s)
{
	struct lg_run *run = s->run;
	const struct in_addr *src = NULL;
	if (run->cfg.src_addrs > 0) {
		src = &run->src[run->src_next];
		run->src_next = (run->src_next + 1) % run->cfg.src_addrs;
	}
	s->greeted = false;
	s->busy = false;
	s->selected = false;
	s->lit = NULL;
	s->phase = 0;
	memset(&s->rd, 0, sizeof(s->rd));
	s->connect_start_us = lg_now_us();
	enum rm_err err = lg_conn_connect(&run->eng, &s->conn, &run->dst, src);
	if (err != RM_OK) {
		run->stats.errors[LG_K_CONNECT]++;
		lg_sess_retry_later(s);
	}
	return err;
}

static void lg_sess_begin(struct lg_sess *s, enum lg_kind kind)
{
	RM_ASSERT(!s->busy);
	s->busy = true;
	s->kind = kind;
	s->count = 0;
	s->cmd_start_us = lg_now_us();
	snprintf(s->tag, sizeof(s->tag), "a%u", ++s->tag_seq);
}

void lg_sess_cmd(struct lg_sess *s, enum lg_kind kind, const char *fmt, ...)
{
	lg_sess_begin(s, kind);
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s ", s->tag);
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap);
	va_end(ap);
	RM_ASSERT(m >= 0 && (size_t)(n + m) < sizeof(line) - 2);
	memcpy(line + n + m, "\r\n", 2);
	lg_conn_send(&s->run->eng, &s->conn, line, (size_t)(n + m + 2));
}

void lg_sess_cmd_literal(struct lg_sess *s, enum lg_kind kind, const char *prefix,
			 const char *lit, size_t len)
{
	lg_sess_begin(s, kind);
	char line[1024];
	int n = snprintf(line, sizeof(line), "%s %s {%zu}\r\n", s->tag, prefix, len);
	RM_ASSERT(n > 0 && (size_t)n < sizeof(line));
	s->lit = lit;
	s->lit_len = len;
	lg_conn_send(&s->run->eng, &s->conn, line, (size_t)n);
}

void lg_sess_send_raw(struct lg_sess *s, const char *text)
{
	lg_conn_send(&s->run->eng, &s->conn, text, strlen(text));
}

void lg_sess_login(struct lg_sess *s)
{
	char user[128];
	lg_sess_username(s, user, sizeof(user));
	lg_sess_cmd(s, LG_K_LOGIN, "LOGIN \"%s\" \"%s\"", user, s->run->cfg.password);
}

void lg_sess_logout(struct lg_sess *s)
{
	lg_sess_cmd(s, LG_K_LOGOUT, "LOGOUT");
}

void lg_sess_close(struct lg_sess *s)
{
	s->busy = false;
	lg_conn_close(&s->run->eng, &s->conn);
}

static void lg_sess_closed(struct lg_sess *s)
{
	struct lg_run *run = s->run;
	/* A LOGOUT too must end with its tagged OK (RFC 9051 6.1.3) before the
	 * server closes: a close while it is in flight is an error. */
	if (s->busy)
		run->stats.errors[s->kind]++;
	else if (!s->greeted)
		run->stats.errors[LG_K_CONNECT]++;
	s->busy = false;
	if (run->wl->on_closed) {
		run->wl->on_closed(s);
		return;
	}
	if (lg_run_should_stop(run))
		return;
	if (!s->greeted) {
		lg_sess_retry_later(s);
		return;
	}
	(void)lg_sess_connect(s);
}

void lg_sess_check_timeout(struct lg_sess *s, uint64_t now_us)
{
	uint64_t limit_us = (uint64_t)s->run->cfg.timeout_ms * 1000u;
	bool late;
	if (s->retry_at_us != 0 && now_us >= s->retry_at_us) {
		s->retry_at_us = 0;
		s->run->retry_pending--;
		if (!lg_run_should_stop(s->run))
			(void)lg_sess_connect(s);
		return;
	}
	if (s->conn.state == LG_CONN_CLOSED)
		return;
	if (!s->greeted)
		late = now_us - s->connect_start_us > limit_us;
	else
		late = s->busy && now_us - s->cmd_start_us > limit_us;
	if (!late)
		return;
	lg_conn_close(&s->run->eng, &s->conn);
	lg_sess_closed(s);
}

static enum lg_status lg_sess_status(const struct lg_imap_reader *r)
{
	switch (lg_imap_status_of(r)) {
	case LG_IMAP_OK: return LG_ST_OK;
	case LG_IMAP_NO: return LG_ST_NO;
	default: return LG_ST_BAD;
	}
}

static void lg_sess_greeting(struct lg_sess *s, const struct lg_imap_reader *r)
{
	struct lg_run *run = s->run;
	if (r->type != LG_RESP_UNTAGGED || lg_imap_status_of(r) == LG_IMAP_BYE) {
		lg_conn_close(&run->eng, &s->conn);
		lg_sess_closed(s);
		return;
	}
	s->greeted = true;
	lg_hist_record(&run->stats.hist[LG_K_CONNECT], lg_now_us() - s->connect_start_us);
	run->wl->on_ready(s);
}

static void lg_sess_tagged(struct lg_sess *s, const struct lg_imap_reader *r)
{
	struct lg_run *run = s->run;
	if (!s->busy || !lg_imap_is_tagged(r, s->tag))
		return;
	enum lg_status st = lg_sess_status(r);
	s->busy = false;
	s->lit = NULL;
	if (st == LG_ST_OK)
		lg_hist_record(&run->stats.hist[s->kind], lg_now_us() - s->cmd_start_us);
	else
		run->stats.errors[s->kind]++;
	run->wl->on_done(s, st);
}

/* Routes one complete response.  Returns false when the session's
 * connection changed under it (closed, reconnected). */
static bool lg_sess_dispatch(struct lg_sess *s, const struct lg_imap_reader *r)
{
	uint32_t gen = s->conn.gen;
	const struct lg_workload *wl = s->run->wl;
	if (!s->greeted) {
		lg_sess_greeting(s, r);
	} else if (r->type == LG_RESP_CONT) {
		if (s->lit) {
			lg_conn_send(&s->run->eng, &s->conn, s->lit, s->lit_len);
			lg_conn_send(&s->run->eng, &s->conn, "\r\n", 2);
			s->lit = NULL;
			s->lit_sent_us = lg_now_us();
		} else if (wl->on_cont) {
			wl->on_cont(s);
		}
	} else if (r->type == LG_RESP_UNTAGGED) {
		s->count++;
		if (wl->on_untagged)
			wl->on_untagged(s, r);
	} else {
		lg_sess_tagged(s, r);
	}
	return s->conn.gen == gen;
}

static void lg_sess_on_input(struct lg_engine *e, struct lg_conn *c)
{
	struct lg_sess *s = lg_sess_of(c);
	for (;;) {
		size_t used = 0;
		int r = lg_imap_read(&s->rd, c->in.data + c->in_off, c->in.len - c->in_off, &used);
		c->in_off += used;
		if (r == 0)
			return;
		if (r < 0) {
			lg_conn_close(e, c);
			lg_sess_closed(s);
			return;
		}
		if (!lg_sess_dispatch(s, &s->rd))
			return;
	}
}

static void lg_sess_on_open(struct lg_engine *e, struct lg_conn *c)
{
	(void)e;
	(void)c; /* the greeting starts the session */
}

static void lg_sess_on_close(struct lg_engine *e, struct lg_conn *c, enum rm_err why)
{
	(void)e;
	(void)why;
	lg_sess_closed(lg_sess_of(c));
}

void lg_sess_bind_engine(struct lg_run *run)
{
	run->eng.on_open = lg_sess_on_open;
	run->eng.on_input = lg_sess_on_input;
	run->eng.on_close = lg_sess_on_close;
}
