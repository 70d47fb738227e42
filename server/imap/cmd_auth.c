/*
 * LOGIN (RFC 9051 §6.2.3) and AUTHENTICATE (§6.2.2, SASL-IR RFC 4959).
 *
 * Both end in one of two paths.  Failure: the address's failure count
 * grows and the tagged NO [AUTHENTICATIONFAILED] waits for the growing delay
 * (addr.c); RM_AUTH_FAILS_PER_SESSION failures end the session.  Success:
 * the session moves to the worker that owns the user's partition
 * (conn_handoff), opens the user there, and only then answers OK.
 * Password hashes are checked on the auth pool, never on the worker; a
 * per-worker cache of verified credentials skips repeated hashing.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "common/base64.h"
#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "server/auth/auth_cache.h"
#include "server/auth/auth_pool.h"
#include "server/auth/passwd.h"
#include "server/auth/pwscheme.h"
#include "server/auth/sasl.h"
#include "server/imap/command.h"
#include "server/metrics.h"
#include "server/server.h"
#include "server/server_init.h"
#include "server/worker.h"

struct auth_ctx {
	struct imap_cmd *cmd;
	struct passwd_db *db;            /* reference held during the command */
	const struct passwd_entry *entry;
	struct sasl *sasl;               /* AUTHENTICATE */
	struct auth_job job;
	struct rm_timer delay;
	char *password;                  /* LOGIN / SASL_VERIFY copy, wiped */
	size_t password_len;
	bool job_pending;
	const char *mech;
};

static void auth_ctx_release(struct auth_ctx *a)
{
	if (a->password) {
		OPENSSL_cleanse(a->password, a->password_len);
		free(a->password);
		a->password = NULL;
	}
	sasl_destroy(&a->sasl);
	auth_job_clear(&a->job);
	passwd_db_unref(&a->db);
}

static void auth_abort(struct imap_cmd *cmd)
{
	auth_ctx_release(cmd->ctx);
}

static struct auth_ctx *auth_ctx_new(struct imap_cmd *cmd)
{
	struct auth_ctx *a = rm_arena_alloc(&cmd->s->arena, sizeof(*a));
	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->db = server_passwd_get(cmd->s->c->w->srv);
	cmd->ctx = a;
	cmd->on_abort = auth_abort;
	return a;
}

/* ---- failure --------------------------------------------------------------- */

static void auth_fail_reply(struct rm_op *op, int res, uint32_t flags)
{
	struct auth_ctx *a = RM_CONTAINER_OF(op, struct auth_ctx, delay.op);
	struct imap_cmd *cmd = a->cmd;
	struct imap_session *s = cmd->s;
	auth_ctx_release(a);
	imap_cmd_reply(cmd, "NO", "[AUTHENTICATIONFAILED] Authentication failed");
	if (s->auth_failures >= RM_AUTH_FAILS_PER_SESSION)
		imap_bye(s, "Too many authentication failures");
	imap_cmd_async_end(cmd);
}

static void auth_fail(struct auth_ctx *a, const char *why)
{
	struct imap_cmd *cmd = a->cmd;
	struct imap_session *s = cmd->s;
	struct conn *c = s->c;
	s->auth_failures++;
	metrics_auth(c->w, false);
	uint32_t delay_ms = addr_auth_failed(c->w->srv->addrs, &c->peer);
	char ip[64];
	addr_format(&c->peer, ip, sizeof(ip));
	rm_log(RM_LOG_INFO, "auth_failed", "session=%llu ip=%s mech=%s reason=%s delay_ms=%u",
	       (unsigned long long)c->id, ip, a->mech, why, delay_ms);
	if (!cmd->async)
		imap_cmd_async_begin(cmd);
	rm_loop_timer_arm(&c->w->loop, &a->delay, auth_fail_reply, delay_ms);
}

/* ---- success ---------------------------------------------------------------- */

static void auth_success(struct auth_ctx *a)
{
	struct imap_cmd *cmd = a->cmd;
	struct imap_session *s = cmd->s;
	struct conn *c = s->c;
	struct server *srv = c->w->srv;
	addr_auth_succeeded(srv->addrs, &c->peer);
	metrics_auth(c->w, true);
	free(s->login);
	/* The canonical spelling from the passwd-file names the user. */
	s->login = rm_strndup(a->entry->login, a->entry->login_len);
	s->partition = server_partition_of(srv, s->login, a->entry->login_len);
	s->auth_ns = rm_now_ns();
	char ip[64];
	addr_format(&c->peer, ip, sizeof(ip));
	rm_log(RM_LOG_INFO, "login", "session=%llu user=%s ip=%s mech=%s tls=%d partition=%u",
	       (unsigned long long)c->id, s->login, ip, a->mech, c->tls != NULL, s->partition);
	auth_ctx_release(a);
	if (!cmd->async)
		imap_cmd_async_begin(cmd);
	struct worker *owner = srv->workers[server_partition_owner(srv, s->partition)];
	if (owner != c->w)
		conn_handoff(c, owner);
	else
		imap_auth_arrived(s);
}

/* On the owner worker: open the user, then answer. */
static void auth_user_ready(struct imap_session *s, enum rm_err err)
{
	struct imap_cmd *cmd = &s->cmd;
	if (err != RM_OK) {
		rm_log(RM_LOG_ERROR, "user_open_failed", "session=%llu user=%s err=%s",
		       (unsigned long long)s->c->id, s->login, rm_err_str(err));
		imap_cmd_reply(cmd, "NO", "[UNAVAILABLE] Mailbox store unavailable, try again later");
		imap_cmd_async_end(cmd);
		return;
	}
	s->state = IMAP_ST_AUTH;
	conn_set_timeout_class(s->c, CONN_TO_AUTH);
	struct rm_buf *out = imap_out(s);
	rm_buf_puts(out, cmd->tag);
	rm_buf_puts(out, " OK [CAPABILITY ");
	imap_capability_write(s, out);
	rm_buf_puts(out, "] Logged in\r\n");
	conn_mark_dirty(s->c);
	/* The OK is written; finish without a second reply line. */
	imap_cmd_finish_silent(cmd);
	imap_cmd_async_end(cmd);
}

void imap_auth_arrived(struct imap_session *s)
{
	if (!s || !s->cmd.active)
		return;
	/* A kick (or user deletion) that ran on this worker while the session
	 * was on its way here did not see it: it ends now. */
	if (s->login && worker_kicked_since(s->c->w, s->login, strlen(s->login), s->auth_ns,
					    rm_now_ns())) {
		imap_cmd_reply(&s->cmd, "NO", "[UNAVAILABLE] Disconnected by the administrator");
		imap_cmd_async_end(&s->cmd);
		imap_bye(s, "[UNAVAILABLE] Disconnected by the administrator");
		return;
	}
	session_user_open(s, auth_user_ready);
}

/* ---- password check ----------------------------------------------------------- */

static void auth_verify_done(struct rm_op *op, int res, uint32_t flags)
{
	struct auth_ctx *a = RM_CONTAINER_OF(op, struct auth_ctx, job.op);
	struct imap_cmd *cmd = a->cmd;
	a->job_pending = false;
	auth_job_clear(&a->job);
	if (imap_cmd_dead(cmd)) {
		auth_ctx_release(a);
		imap_cmd_reply(cmd, "NO", "Connection gone");
		imap_cmd_async_end(cmd);
		return;
	}
	imap_cmd_async_end(cmd); /* the job's reference; success/fail take their own */
	cmd->async = false;
	if (res == PWSCHEME_MATCH) {
		struct auth_cache_cred cred = {
			a->entry->login, a->entry->login_len, a->password, a->password_len,
			a->entry->password, passwd_db_generation(a->db),
		};
		auth_cache_add(cmd->s->c->w->auth_cache, &cred, rm_now_ms());
		auth_success(a);
	} else {
		auth_fail(a, res == PWSCHEME_MISMATCH ? "password" : "scheme");
	}
}

/* Checks login/password against the passwd db: cache, then the pool. */
static void auth_verify(struct auth_ctx *a, const char *login, size_t login_len,
			const char *password, size_t password_len)
{
	struct imap_cmd *cmd = a->cmd;
	struct worker *w = cmd->s->c->w;
	a->entry = a->db ? passwd_lookup(a->db, login, login_len) : NULL;
	if (!a->entry || !a->entry->password[0]) {
		auth_fail(a, "unknown_user");
		return;
	}
	a->password = rm_strndup(password, password_len);
	a->password_len = password_len;
	struct auth_cache_cred cred = {
		a->entry->login, a->entry->login_len, password, password_len,
		a->entry->password, passwd_db_generation(a->db),
	};
	if (auth_cache_check(w->auth_cache, &cred, rm_now_ms())) {
		auth_success(a);
		return;
	}
	auth_job_init_verify(&a->job, &w->loop, auth_verify_done, a->entry->password, password,
			     password_len);
	enum rm_err e = auth_pool_submit(w->srv->auth_pool, &a->job);
	if (e != RM_OK) {
		auth_ctx_release(a);
		imap_cmd_reply(cmd, "NO", "[UNAVAILABLE] Authentication is busy, try again");
		return;
	}
	a->job_pending = true;
	imap_cmd_async_begin(cmd);
}

static bool plaintext_refused(struct imap_cmd *cmd)
{
	if (imap_plaintext_auth_ok(cmd->s))
		return false;
	/* RFC 9051 §6.2.3 / RFC 5530: plaintext needs TLS here. */
	imap_cmd_reply(cmd, "NO", "[PRIVACYREQUIRED] Plaintext authentication needs TLS");
	return true;
}

void cmd_login(struct imap_cmd *cmd)
{
	struct imap_parser *p = &cmd->p;
	struct imap_str user, pass;
	if (!imap_parse_sp(p) || !imap_parse_astring(p, &user) || !imap_parse_sp(p) ||
	    !imap_parse_astring(p, &pass) || !imap_parse_eol(p))
		return;
	if (plaintext_refused(cmd))
		return;
	struct auth_ctx *a = auth_ctx_new(cmd);
	a->mech = "LOGIN-CMD";
	if (user.len == 0 || user.len > RM_AUTH_LOGIN_MAX_BYTES ||
	    pass.len > RM_AUTH_PASSWORD_MAX_BYTES || memchr(user.s, '\0', user.len) ||
	    memchr(pass.s, '\0', pass.len)) {
		auth_fail(a, "malformed");
		return;
	}
	auth_verify(a, user.s, user.len, pass.s, pass.len);
}

/* ---- AUTHENTICATE -------------------------------------------------------------- */

static void sasl_drive(struct auth_ctx *a, struct sasl_result *r);

static void sasl_keys_done(struct rm_op *op, int res, uint32_t flags)
{
	struct auth_ctx *a = RM_CONTAINER_OF(op, struct auth_ctx, job.op);
	struct imap_cmd *cmd = a->cmd;
	a->job_pending = false;
	if (imap_cmd_dead(cmd)) {
		auth_ctx_release(a);
		imap_cmd_reply(cmd, "NO", "Connection gone");
		imap_cmd_async_end(cmd);
		return;
	}
	imap_cmd_async_end(cmd);
	cmd->async = false;
	struct sasl_result r;
	sasl_set_keys(a->sasl, res == RM_OK ? &a->job.keys : NULL, &r);
	auth_job_clear(&a->job);
	sasl_drive(a, &r);
	/* The exchange continues with the client: input flows again. */
	if (cmd->active && !cmd->async)
		conn_input_resume(cmd->s->c);
}

static void sasl_need_keys(struct auth_ctx *a, const struct sasl_result *r)
{
	struct imap_cmd *cmd = a->cmd;
	struct worker *w = cmd->s->c->w;
	struct sasl_result next;
	a->entry = a->db ? passwd_lookup(a->db, r->login, r->login_len) : NULL;
	if (!a->entry || !a->entry->password[0]) {
		/* Unknown users get mock keys: the exchange fails at the proof,
		 * exactly like a wrong password. */
		sasl_set_keys(a->sasl, NULL, &next);
		sasl_drive(a, &next);
		return;
	}
	if (!scram_keys_costly(a->entry->password)) {
		struct scram_keys keys;
		enum rm_err e = scram_keys_from_stored(a->entry->login, a->entry->login_len,
						       a->entry->password, &keys);
		sasl_set_keys(a->sasl, e == RM_OK ? &keys : NULL, &next);
		OPENSSL_cleanse(&keys, sizeof(keys));
		sasl_drive(a, &next);
		return;
	}
	auth_job_init_scram_keys(&a->job, &w->loop, sasl_keys_done, a->entry->login,
				 a->entry->login_len, a->entry->password);
	if (auth_pool_submit(w->srv->auth_pool, &a->job) != RM_OK) {
		auth_ctx_release(a);
		imap_cmd_reply(cmd, "NO", "[UNAVAILABLE] Authentication is busy, try again");
		return;
	}
	a->job_pending = true;
	imap_cmd_async_begin(cmd);
}

static void sasl_line(struct imap_cmd *cmd, const char *line, size_t len)
{
	struct auth_ctx *a = cmd->ctx;
	if (len == 1 && line[0] == '*') {
		auth_ctx_release(a);
		imap_cmd_reply(cmd, "BAD", "AUTHENTICATE cancelled");
		return;
	}
	if (len > BASE64_ENCODED_LEN(RM_SASL_MSG_MAX_BYTES)) {
		auth_ctx_release(a);
		imap_cmd_reply(cmd, "BAD", "SASL response too long");
		return;
	}
	uint8_t buf[BASE64_DECODED_MAX(BASE64_ENCODED_LEN(RM_SASL_MSG_MAX_BYTES))];
	size_t n = 0;
	/* An empty line is an empty response (RFC 9051 §6.2.2). */
	if (len && base64_decode(line, len, buf, &n, BASE64_STRICT) != RM_OK) {
		auth_ctx_release(a);
		imap_cmd_reply(cmd, "BAD", "Invalid base64 in SASL response");
		return;
	}
	cmd->on_line = NULL;
	struct sasl_result r;
	sasl_step(a->sasl, buf, n, &r);
	OPENSSL_cleanse(buf, n);
	sasl_drive(a, &r);
}

static void sasl_drive(struct auth_ctx *a, struct sasl_result *r)
{
	struct imap_cmd *cmd = a->cmd;
	switch (r->status) {
	case SASL_CHALLENGE: {
		struct rm_buf *out = imap_out(cmd->s);
		rm_buf_append(out, "+ ", 2);
		base64_encode_buf(out, r->data, r->data_len);
		rm_buf_append(out, "\r\n", 2);
		conn_mark_dirty(cmd->s->c);
		imap_cmd_wait_line(cmd, sasl_line);
		break;
	}
	case SASL_NEED_KEYS:
		sasl_need_keys(a, r);
		break;
	case SASL_VERIFY:
		auth_verify(a, r->login, r->login_len, r->password, r->password_len);
		break;
	case SASL_SUCCESS:
		a->entry = a->db ? passwd_lookup(a->db, r->login, r->login_len) : NULL;
		if (!a->entry) {
			auth_fail(a, "unknown_user");
			break;
		}
		auth_success(a);
		break;
	case SASL_FAIL:
		auth_fail(a, r->detail ? r->detail : "sasl");
		break;
	}
}

void cmd_authenticate(struct imap_cmd *cmd)
{
	struct imap_parser *p = &cmd->p;
	struct imap_str mech, ir = { 0 };
	bool has_ir = false;
	if (!imap_parse_sp(p) || !imap_parse_atom(p, &mech))
		return;
	if (imap_parse_try_sp(p)) {
		/* SASL-IR (RFC 4959): base64, or "=" for an empty response. */
		if (!imap_parse_word(p, "", &ir))
			return;
		has_ir = true;
	}
	if (!imap_parse_eol(p))
		return;
	bool plain = rm_word_eq(mech.s, mech.len, "PLAIN") || rm_word_eq(mech.s, mech.len, "LOGIN");
	if (plain && plaintext_refused(cmd))
		return;
	struct auth_ctx *a = auth_ctx_new(cmd);
	if (sasl_start(mech.s, mech.len, &a->sasl) != RM_OK) {
		auth_ctx_release(a);
		imap_cmd_reply(cmd, "NO", "Unsupported authentication mechanism");
		return;
	}
	a->mech = rm_word_eq(mech.s, mech.len, "PLAIN") ? "PLAIN"
		: rm_word_eq(mech.s, mech.len, "LOGIN") ? "LOGIN" : "SCRAM-SHA-256";
	struct sasl_result r;
	if (!has_ir) {
		sasl_step(a->sasl, NULL, 0, &r);
	} else if (ir.len == 1 && ir.s[0] == '=') {
		sasl_step(a->sasl, (const uint8_t *)"", 0, &r);
	} else {
		uint8_t buf[BASE64_DECODED_MAX(BASE64_ENCODED_LEN(RM_SASL_MSG_MAX_BYTES))];
		size_t n = 0;
		if (ir.len > BASE64_ENCODED_LEN(RM_SASL_MSG_MAX_BYTES) ||
		    base64_decode(ir.s, ir.len, buf, &n, BASE64_STRICT) != RM_OK) {
			auth_ctx_release(a);
			imap_cmd_reply(cmd, "BAD", "Invalid initial response");
			return;
		}
		sasl_step(a->sasl, buf, n, &r);
		OPENSSL_cleanse(buf, n);
	}
	sasl_drive(a, &r);
}
