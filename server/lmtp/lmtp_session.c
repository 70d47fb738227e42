/*
 * The LMTP session: greeting, line framing, the command state machine and
 * the replies (RFC 2033, RFC 5321 §4.1, enhanced codes RFC 3463).  Commands
 * are taken one at a time; while a hop is out (RCPT's quota check, DATA's
 * delivery) further pipelined input stays queued in the connection.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "server/auth/passwd.h"
#include "server/lmtp/lmtp.h"
#include "server/metrics.h"
#include "server/server.h"
#include "server/server_init.h"
#include "server/worker.h"

static void reply(struct lmtp_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void vreply(struct lmtp_session *s, const char *fmt, va_list ap)
{
	struct rm_buf *out = conn_out(s->c);
	rm_buf_vprintf(out, fmt, ap);
	rm_buf_append(out, "\r\n", 2);
	conn_mark_dirty(s->c);
}

static void reply(struct lmtp_session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
}

/* Forgets the mail transaction (RSET, after DATA, a new LHLO). */
static void tx_reset(struct lmtp_session *s)
{
	for (unsigned i = 0; i < s->nrcpts; i++) {
		free(s->rcpts[i].addr);
		free(s->rcpts[i].detail);
	}
	free(s->rcpts);
	s->rcpts = NULL;
	s->nrcpts = 0;
	free(s->from);
	s->from = NULL;
	s->in_mail = false;
	s->in_data = false;
	passwd_db_unref(&s->db);
}

static void bad_command(struct lmtp_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void bad_command(struct lmtp_session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreply(s, fmt, ap);
	va_end(ap);
	if (++s->bad >= RM_LMTP_BAD_COMMANDS_MAX) {
		reply(s, "421 4.7.0 Too many errors, closing");
		conn_close_after_flush(s->c);
	}
}

static void cmd_lhlo(struct lmtp_session *s, const char *args, size_t len)
{
	if (len == 0) {
		bad_command(s, "501 5.5.4 Syntax: LHLO hostname");
		return;
	}
	tx_reset(s);
	s->lhlo_done = true;
	size_t n = RM_MIN(len, sizeof(s->helo) - 1);
	memcpy(s->helo, args, n);
	s->helo[n] = '\0';
	const struct rm_config *cfg = &s->c->w->srv->cfg;
	reply(s, "250-%s", cfg->greeting_name);
	reply(s, "250-PIPELINING");
	reply(s, "250-ENHANCEDSTATUSCODES");
	reply(s, "250-8BITMIME");
	reply(s, "250-SMTPUTF8");
	reply(s, "250 SIZE %llu", (unsigned long long)cfg->append_max_bytes);
}

static void cmd_mail(struct lmtp_session *s, const char *args, size_t len)
{
	if (!s->lhlo_done) {
		bad_command(s, "503 5.5.1 Send LHLO first");
		return;
	}
	if (s->in_mail) {
		bad_command(s, "503 5.5.1 Nested MAIL command");
		return;
	}
	const char *addr, *params;
	size_t alen, plen;
	const char *why = lmtp_parse_path(args, len, "FROM:", true, &addr, &alen, &params, &plen);
	if (why) {
		bad_command(s, "501 %s", why);
		return;
	}
	why = lmtp_parse_mail_params(params, plen, &s->params);
	if (why) {
		bad_command(s, "555 %s", why);
		return;
	}
	if (s->params.size_bytes > s->c->w->srv->cfg.append_max_bytes) {
		reply(s, "552 5.3.4 Message too big for this server");
		return;
	}
	s->from = rm_strndup(addr, alen);
	s->db = server_passwd_get(s->c->w->srv);
	s->in_mail = true;
	s->bad = 0;
	reply(s, "250 2.1.0 Ok");
}

static void cmd_rcpt(struct lmtp_session *s, const char *args, size_t len)
{
	if (!s->in_mail) {
		bad_command(s, "503 5.5.1 Send MAIL first");
		return;
	}
	const char *addr, *params;
	size_t alen, plen;
	const char *why = lmtp_parse_path(args, len, "TO:", false, &addr, &alen, &params, &plen);
	if (why) {
		bad_command(s, "501 %s", why);
		return;
	}
	if (plen) {
		bad_command(s, "555 5.5.4 Unsupported RCPT parameter");
		return;
	}
	if (s->nrcpts >= RM_LMTP_RCPTS_MAX) {
		reply(s, "452 4.5.3 Too many recipients");
		return;
	}
	struct lmtp_addr_parts parts;
	const struct passwd_entry *e = s->db ? lmtp_rcpt_lookup(s->db, addr, alen, &parts) : NULL;
	if (!e) {
		reply(s, "550 5.1.1 <%.*s> User unknown", (int)RM_MIN(alen, 256), addr);
		return;
	}
	s->rcpts = rm_realloc(s->rcpts, (s->nrcpts + 1) * sizeof(*s->rcpts));
	struct lmtp_rcpt *r = &s->rcpts[s->nrcpts];
	memset(r, 0, sizeof(*r));
	r->addr = rm_strndup(addr, alen);
	r->addr_len = alen;
	r->entry = e;
	if (parts.detail && parts.detail_len) {
		r->detail = rm_strndup(parts.detail, parts.detail_len);
		r->detail_len = parts.detail_len;
	}
	r->partition = server_partition_of(s->c->w->srv, e->login, e->login_len);
	s->busy = true;
	lmtp_rcpt_check_start(s, r);
}

void lmtp_session_checked(struct lmtp_session *s)
{
	struct lmtp_rcpt *r = &s->rcpts[s->nrcpts];
	s->busy = false;
	if (s->check_err == RM_OK) {
		s->nrcpts++;
		s->bad = 0;
		reply(s, "250 2.1.5 Ok");
	} else {
		if (s->check_err == RM_ERR_QUOTA)
			reply(s, "552 5.2.2 <%s> Mailbox is full", r->addr);
		else
			reply(s, "451 4.3.0 <%s> Temporary failure: %s", r->addr,
			      rm_err_str(s->check_err));
		free(r->addr);
		free(r->detail);
	}
	conn_input_resume(s->c);
}

static void cmd_data(struct lmtp_session *s, size_t len)
{
	if (len) {
		bad_command(s, "501 5.5.4 DATA takes no arguments");
		return;
	}
	if (!s->in_mail || s->nrcpts == 0) {
		/* RFC 2033 §4.2: no successful RCPT, 503. */
		bad_command(s, "503 5.5.1 No valid recipients");
		return;
	}
	lmtp_data_begin(&s->data, s->c->w->srv->cfg.append_max_bytes);
	s->in_data = true;
	reply(s, "354 Start mail input; end with <CRLF>.<CRLF>");
}

static void data_end(struct lmtp_session *s)
{
	s->in_data = false;
	if (s->data.too_big) {
		for (unsigned i = 0; i < s->nrcpts; i++)
			reply(s, "552 5.3.4 <%s> Message too big", s->rcpts[i].addr);
		tx_reset(s);
		return;
	}
	s->busy = true;
	s->start_ms = rm_now_ms();
	lmtp_deliver_start(s);
}

static const char *result_reply(enum rm_err err)
{
	switch (err) {
	case RM_OK: return "250 2.0.0";
	case RM_ERR_QUOTA: return "552 5.2.2";
	case RM_ERR_NOTFOUND: return "550 5.1.1";
	case RM_ERR_LIMIT: return "552 5.2.2";
	default: return "451 4.3.0";
	}
}

void lmtp_session_delivered(struct lmtp_session *s)
{
	struct conn *c = s->c;
	unsigned ok = 0;
	uint64_t ms = rm_now_ms() - s->start_ms;
	for (unsigned i = 0; i < s->nrcpts; i++) {
		struct lmtp_rcpt *r = &s->rcpts[i];
		char to[300];
		rm_log_quote(to, sizeof(to), r->addr, r->addr_len);
		rm_log(RM_LOG_INFO, "lmtp_rcpt", "session=%llu to=%s user=%s uid=%u result=%s ms=%llu",
		       (unsigned long long)c->id, to, r->entry->login, r->uid,
		       r->err == RM_OK ? "delivered" : rm_err_str(r->err), (unsigned long long)ms);
		if (r->err == RM_OK) {
			ok++;
			reply(s, "250 2.0.0 <%s> Saved", r->addr);
		} else {
			reply(s, "%s <%s> %s", result_reply(r->err), r->addr,
			      r->err == RM_ERR_QUOTA || r->err == RM_ERR_LIMIT ? "Mailbox is full"
			      : r->err == RM_ERR_NOTFOUND ? "User unknown" : "Temporary failure");
		}
	}
	metrics_lmtp_delivery(c->w, s->nrcpts, ok, s->data.body.len);
	s->tx++;
	tx_reset(s);
	if (s->data.body.cap > 1024 * 1024)
		rm_buf_free(&s->data.body);
	s->busy = false;
	if (s->bye_after) {
		reply(s, "421 4.3.2 Server shutting down");
		conn_close_after_flush(c);
		return;
	}
	conn_input_resume(c);
}

static void command(struct lmtp_session *s, const char *line, size_t len)
{
	const char *args;
	size_t alen;
	switch (lmtp_parse_verb(line, len, &args, &alen)) {
	case LMTP_V_LHLO: cmd_lhlo(s, args, alen); break;
	case LMTP_V_HELO:
	case LMTP_V_EHLO: bad_command(s, "500 5.5.1 This is LMTP: use LHLO"); break;
	case LMTP_V_MAIL: cmd_mail(s, args, alen); break;
	case LMTP_V_RCPT: cmd_rcpt(s, args, alen); break;
	case LMTP_V_DATA: cmd_data(s, alen); break;
	case LMTP_V_RSET: tx_reset(s); reply(s, "250 2.0.0 Ok"); break;
	case LMTP_V_NOOP: reply(s, "250 2.0.0 Ok"); break;
	case LMTP_V_VRFY: reply(s, "252 2.5.2 Cannot VRFY; try RCPT"); break;
	case LMTP_V_QUIT:
		reply(s, "221 2.0.0 Bye");
		conn_close_after_flush(s->c);
		break;
	case LMTP_V_UNKNOWN: bad_command(s, "500 5.5.2 Unknown command"); break;
	}
}

/* One command line: framed up to LF, bounded, CR LF stripped. */
static size_t take_line(struct lmtp_session *s, const char *p, size_t n)
{
	const char *nl = memchr(p, '\n', n);
	size_t span = nl ? (size_t)(nl - p) + 1 : n;
	if (!s->line_too_long && s->line.len + span > RM_LMTP_LINE_MAX_BYTES) {
		s->line_too_long = true;
		rm_buf_reset(&s->line);
	}
	if (!s->line_too_long)
		rm_buf_append(&s->line, p, span);
	if (!nl)
		return span;
	if (s->line_too_long) {
		s->line_too_long = false;
		bad_command(s, "500 5.5.2 Line too long");
		return span;
	}
	size_t len = s->line.len - 1;
	if (len && s->line.data[len - 1] == '\r')
		len--;
	command(s, s->line.data, len);
	rm_buf_reset(&s->line);
	return span;
}

static void greet(struct conn *c)
{
	struct lmtp_session *s = rm_calloc(1, sizeof(*s));
	s->c = c;
	c->proto_state = s;
	reply(s, "220 %s LMTP ready", c->w->srv->cfg.greeting_name);
}

static size_t lmtp_input(struct conn *c, const char *data, size_t len)
{
	struct lmtp_session *s = c->proto_state;
	if (!s) {
		greet(c);
		return 0;
	}
	size_t pos = 0;
	while (pos < len && !c->closing && !c->close_after_flush && !s->busy) {
		if (s->in_data) {
			size_t used;
			int r = lmtp_data_feed(&s->data, data + pos, len - pos, &used);
			pos += used;
			if (r == 1)
				data_end(s);
			continue;
		}
		pos += take_line(s, data + pos, len - pos);
	}
	if (c->close_after_flush)
		return len; /* QUIT or too many errors: the rest is dropped */
	return pos;
}

static void lmtp_timeout(struct conn *c)
{
	struct lmtp_session *s = c->proto_state;
	if (s && s->busy)
		return; /* a delivery is committing: give it time */
	if (s)
		reply(s, "421 4.4.2 Idle for too long, closing");
	conn_close_after_flush(c);
}

static void lmtp_shutdown(struct conn *c)
{
	struct lmtp_session *s = c->proto_state;
	if (s && s->busy) {
		s->bye_after = true;
		return;
	}
	if (s)
		reply(s, "421 4.3.2 Server shutting down");
	conn_close_after_flush(c);
}

static void lmtp_drained(struct conn *c)
{
	(void)c;
}

static void lmtp_closed(struct conn *c)
{
	struct lmtp_session *s = c->proto_state;
	if (!s)
		return;
	tx_reset(s);
	rm_buf_free(&s->line);
	lmtp_data_fini(&s->data);
	free(s);
	c->proto_state = NULL;
}

const struct conn_proto lmtp_proto = {
	.name = "lmtp",
	.refusal = "421 4.3.2 Too many connections, try again later\r\n",
	.input = lmtp_input,
	.drained = lmtp_drained,
	.timeout = lmtp_timeout,
	.shutdown = lmtp_shutdown,
	.closed = lmtp_closed,
};
