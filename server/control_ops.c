/*
 * Control requests on the worker that owns the user's partition: index
 * reads for USER-SHOW and MAILBOX-LIST, store requests for USER-ENSURE,
 * MAILBOX-CREATE/DELETE and APPEND (a user the passwd-file knows but the
 * store does not is created first, as at a first login), KICK, which
 * ends the user's IMAP sessions (all of them live on this worker), and
 * USER-DELETE, which kicks and then deletes the user from the store.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "server/auth/passwd.h"
#include "server/control.h"
#include "server/imap/recent.h"
#include "server/imap/session.h"
#include "server/worker.h"

static void finish(struct control_req *r, enum rm_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void finish(struct control_req *r, enum rm_err err, const char *fmt, ...)
{
	rm_buf_puts(&r->out, err == RM_OK ? "OK" : "NO ");
	if (err != RM_OK)
		rm_buf_printf(&r->out, "%s", rm_err_str(err));
	if (fmt[0]) {
		rm_buf_putc(&r->out, ' ');
		va_list ap;
		va_start(ap, fmt);
		rm_buf_vprintf(&r->out, fmt, ap);
		va_end(ap);
	}
	rm_buf_putc(&r->out, '\n');
	hop_return(&r->hop);
}

static struct part *req_part(const struct control_req *r)
{
	return hop_part(&r->hop, r->partition);
}

static const char *req_login(const struct control_req *r, size_t *len_r)
{
	*len_r = r->entry ? r->entry->login_len : r->lens[1];
	return r->entry ? r->entry->login : r->argv[1];
}

static void mailbox_line(struct rm_buf *o, const struct store_mailbox *mb)
{
	rm_buf_puts(o, "* mailbox ");
	control_arg_put(o, mb->name, mb->name_len);
	/* vanished_floor: QRESYNC from a MODSEQ below it gets every absent UID
	 * (the history of older expunges was trimmed, config vanished_keep). */
	rm_buf_printf(o, " id=%llu uidvalidity=%u uidnext=%llu messages=%llu unseen=%llu "
		      "size=%llu special_use=%u highestmodseq=%llu vanished=%llu "
		      "vanished_floor=%llu\n", (unsigned long long)mb->id, mb->uidvalidity,
		      (unsigned long long)mb->uidnext, (unsigned long long)mb->messages,
		      (unsigned long long)mb->unseen, (unsigned long long)mb->size_bytes,
		      mb->special_use, (unsigned long long)mb->highestmodseq,
		      (unsigned long long)mb->vanished_count,
		      (unsigned long long)mb->vanished_floor_modseq);
}

static enum rm_err list_mailboxes(struct control_req *r, struct store_view *v, uint64_t user_id)
{
	struct store_iter *it;
	enum rm_err err = store_view_mailboxes(v, user_id, &it);
	if (err != RM_OK)
		return err;
	struct store_mailbox mb;
	int rc;
	while ((rc = store_iter_mailbox(it, &mb)) == 1)
		mailbox_line(&r->out, &mb);
	store_iter_free(&it);
	return rc < 0 ? RM_ERR_IO : RM_OK;
}

static void user_line(struct control_req *r, const struct store_user *u)
{
	size_t ll;
	const char *login = req_login(r, &ll);
	rm_buf_puts(&r->out, "* user ");
	control_arg_put(&r->out, login, ll);
	rm_buf_printf(&r->out, " partition=%u in_passwd=%d in_store=%d messages=%llu bytes=%llu "
		      "quota_bytes=%llu quota_messages=%llu\n", r->partition, r->entry != NULL,
		      u != NULL, (unsigned long long)(u ? u->messages : 0),
		      (unsigned long long)(u ? u->size_bytes : 0),
		      (unsigned long long)(r->entry ? r->entry->quota_storage_bytes : 0),
		      (unsigned long long)(r->entry ? r->entry->quota_messages : 0));
}

static void created(struct store_req *req)
{
	struct control_req *r = RM_CONTAINER_OF(req, struct control_req, rq.uc.req);
	if (req->err != RM_OK && req->err != RM_ERR_EXISTS) {
		finish(r, req->err, "creating the user");
		return;
	}
	r->user_created = true;
	control_ops_run(&r->hop);
}

static void mutation_done(struct store_req *req)
{
	struct control_req *r = RM_CONTAINER_OF(req, struct control_req, rq);
	finish(r, req->err, "%s", "");
}

static void append_done(struct store_req *req)
{
	struct control_req *r = RM_CONTAINER_OF(req, struct control_req, rq.ap.req);
	r->msg = NULL; /* the store took it */
	enum rm_err err = req->err != RM_OK ? req->err : r->rcpt.err;
	if (err == RM_OK)
		recent_arrived(r->hop.target->recent, recent_key(r->partition, r->rcpt.mailbox_id),
			       r->rcpt.uid);
	finish(r, err, "%u", r->rcpt.uid);
}

static void append(struct control_req *r, struct store_view *v, uint64_t user_id)
{
	struct store_mailbox mb;
	enum rm_err err = store_view_mailbox(v, user_id, r->argv[2], r->lens[2], &mb);
	store_view_end(&v);
	if (err != RM_OK) {
		finish(r, err, "no such mailbox");
		return;
	}
	r->rcpt.user_id = user_id;
	r->rcpt.mailbox_id = mb.id;
	r->rcpt.flags = r->flags;
	r->rcpt.keywords = r->kw;
	r->rcpt.keyword_lens = r->kw_lens;
	r->rcpt.nkeywords = r->nkw;
	r->rcpt.internal_date_s = r->date_s;
	r->rq.ap.msg = r->msg;
	r->rq.ap.rcpts = &r->rcpt;
	r->rq.ap.nrcpts = 1;
	r->rq.ap.req.done = append_done;
	store_append(req_part(r), &r->rq.ap);
}

/* "* msg uid flags date size" for every message of the mailbox. */
static enum rm_err msg_list(struct control_req *r, struct store_view *v, uint64_t user_id,
			    uint64_t mailbox_id)
{
	struct store_iter *it;
	enum rm_err err = store_view_msgs(v, mailbox_id, 1, &it);
	if (err != RM_OK)
		return err;
	struct store_msg m;
	int rc;
	const char *kw[64];
	size_t kwl[64];
	while ((rc = store_iter_msg(it, &m)) == 1) {
		unsigned n = 0;
		for (unsigned k = 0; k < m.nkeywords && n < 64; k++)
			if (store_view_keyword_name(v, user_id, store_msg_keyword(&m, k), &kw[n],
						    &kwl[n]) == RM_OK)
				n++;
		rm_buf_printf(&r->out, "* msg %u ", m.uid);
		control_flags_put(&r->out, m.flags, kw, kwl, n);
		rm_buf_printf(&r->out, " %lld %llu\n", (long long)m.internal_date_s,
			      (unsigned long long)m.size_bytes);
	}
	store_iter_free(&it);
	return rc < 0 ? RM_ERR_IO : RM_OK;
}

static void get_done(struct store_read *rd, enum rm_err err, size_t got)
{
	struct control_req *r = RM_CONTAINER_OF(rd, struct control_req, rd);
	if (err == RM_OK) {
		rm_buf_printf(&r->out, "* body %zu\n", got);
		rm_buf_append(&r->out, r->body, got);
		rm_buf_putc(&r->out, '\n');
	}
	free(r->body);
	r->body = NULL;
	finish(r, err, "%s", "");
}

/* MSG-GET: the message's bytes, read through the store (io_uring). */
static void msg_get(struct control_req *r, struct store_view *v, uint64_t mailbox_id)
{
	char *end;
	unsigned long uid = strtoul(r->argv[3], &end, 10);
	struct store_msg m;
	enum rm_err err = *end || !uid || uid > UINT32_MAX ? RM_ERR_SYNTAX
		: store_view_msg(v, mailbox_id, (uint32_t)uid, &m);
	store_view_end(&v);
	if (err != RM_OK) {
		finish(r, err, "no such message");
		return;
	}
	r->body = rm_malloc(m.size_bytes ? m.size_bytes : 1);
	store_read_msg(req_part(r), m.blob_lsn, 0, m.size_bytes, r->body, &r->rd, get_done);
}

/* MSG-LIST and MSG-GET: the mailbox by name first. */
static void with_mailbox(struct control_req *r, struct store_view *v, uint64_t user_id)
{
	struct store_mailbox mb;
	enum rm_err err = store_view_mailbox(v, user_id, r->argv[2], r->lens[2], &mb);
	if (err == RM_OK && r->verb == CTL_MSG_GET) {
		msg_get(r, v, mb.id);
		return;
	}
	if (err == RM_OK)
		err = msg_list(r, v, user_id, mb.id);
	store_view_end(&v);
	finish(r, err, "%s", err == RM_ERR_NOTFOUND ? "no such mailbox" : "");
}

static void user_delete(struct control_req *r, struct store_view *v,
			const struct store_user *u);

/* Verbs that need the user in the store (it exists by now). */
static void with_user(struct control_req *r, struct store_view *v, const struct store_user *u)
{
	uint64_t uid = u->id;
	switch (r->verb) {
	case CTL_USER_SHOW: {
		user_line(r, u);
		enum rm_err err = list_mailboxes(r, v, uid);
		store_view_end(&v);
		finish(r, err, "%s", "");
		return;
	}
	case CTL_MAILBOX_LIST: {
		enum rm_err err = list_mailboxes(r, v, uid);
		store_view_end(&v);
		finish(r, err, "%s", "");
		return;
	}
	case CTL_APPEND:
		append(r, v, uid);
		return;
	case CTL_USER_DELETE:
		user_delete(r, v, u);
		return;
	case CTL_MSG_LIST:
	case CTL_MSG_GET:
		with_mailbox(r, v, uid);
		return;
	default:
		break;
	}
	store_view_end(&v);
	switch (r->verb) {
	case CTL_USER_ENSURE:
		finish(r, RM_OK, "%s", r->user_created ? "created" : "exists");
		return;
	case CTL_MAILBOX_CREATE:
		r->rq.mc.user_id = uid;
		r->rq.mc.name = r->argv[2];
		r->rq.mc.name_len = r->lens[2];
		r->rq.mc.req.done = mutation_done;
		store_mbox_create(req_part(r), &r->rq.mc);
		return;
	case CTL_SUBSCRIBE:
		r->rq.sub.user_id = uid;
		r->rq.sub.name = r->argv[2];
		r->rq.sub.name_len = r->lens[2];
		r->rq.sub.on = true;
		r->rq.sub.req.done = mutation_done;
		store_subscribe(req_part(r), &r->rq.sub);
		return;
	case CTL_MAILBOX_DELETE:
		r->rq.md.user_id = uid;
		r->rq.md.name = r->argv[2];
		r->rq.md.name_len = r->lens[2];
		r->rq.md.req.done = mutation_done;
		store_mbox_delete(req_part(r), &r->rq.md);
		return;
	default:
		RM_ASSERT(!"unhandled control verb");
	}
}

static void user_deleted(struct store_req *req)
{
	struct control_req *r = RM_CONTAINER_OF(req, struct control_req, rq.ud.req);
	finish(r, req->err, "sessions=%u messages=%llu", r->kicked,
	       (unsigned long long)r->deleted_messages);
}

static unsigned kick_sessions(struct control_req *r);

/* USER-DELETE: sessions end first (their views must not outlive the
 * user), then one atomic store request removes everything. */
static void user_delete(struct control_req *r, struct store_view *v, const struct store_user *u)
{
	r->deleted_messages = u->messages;
	store_view_end(&v);
	r->rq.ud.user_id = u->id;
	r->rq.ud.req.done = user_deleted;
	store_user_delete(req_part(r), &r->rq.ud);
}

/* Ends every IMAP session of the user on this worker. */
static void kick(struct control_req *r)
{
	finish(r, RM_OK, "%u", kick_sessions(r));
}

static unsigned kick_sessions(struct control_req *r)
{
	size_t ll;
	const char *login = req_login(r, &ll);
	struct worker *w = r->hop.target;
	unsigned n = 0;
	for (unsigned k = 0; k < CONN_TO__COUNT; k++) {
		for (struct conn *c = w->lru_head[k], *next; c; c = next) {
			next = c->lru_next;
			struct imap_session *s = c->proto == &imap_proto ? imap_session_of(c) : NULL;
			if (!s || !s->login || strlen(s->login) != ll ||
			    rm_strncasecmp_ascii(s->login, login, ll) != 0)
				continue;
			n++;
			/* Between commands or waiting for a client line (IDLE):
			 * a BYE; in the middle of a command: just close. */
			if (s->cmd.active && !s->cmd.on_line)
				conn_close(c, "kicked");
			else
				imap_bye(s, "[UNAVAILABLE] Disconnected by the administrator");
		}
	}
	worker_kick_note(w, login, ll, rm_now_ns());
	rm_log(RM_LOG_INFO, "kick", "user=%.*s sessions=%u", (int)ll, login, n);
	return n;
}

void control_ops_run(struct hop *h)
{
	struct control_req *r = RM_CONTAINER_OF(h, struct control_req, hop);
	if (r->verb == CTL_PING) {
		finish(r, RM_OK, "pong");
		return;
	}
	if (r->verb == CTL_KICK) {
		kick(r);
		return;
	}
	if (r->verb == CTL_USER_DELETE)
		r->kicked = kick_sessions(r);
	struct store_view *v;
	enum rm_err err = req_part(r) ? store_view_begin(req_part(r), &v) : RM_ERR_CLOSED;
	if (err != RM_OK) {
		finish(r, err, "index unavailable");
		return;
	}
	size_t ll;
	const char *login = req_login(r, &ll);
	struct store_user u;
	err = store_view_user(v, login, ll, &u);
	if (err == RM_OK) {
		with_user(r, v, &u);
		return;
	}
	store_view_end(&v);
	if (err != RM_ERR_NOTFOUND || r->user_created) {
		finish(r, err, "user lookup");
		return;
	}
	if (r->verb == CTL_USER_SHOW && r->entry) {
		user_line(r, NULL);
		finish(r, RM_OK, "%s", "");
		return;
	}
	if (r->verb == CTL_USER_DELETE) {
		finish(r, RM_OK, "sessions=%u messages=0 not in the store", r->kicked);
		return;
	}
	if (!r->entry || r->verb == CTL_MAILBOX_LIST || r->verb == CTL_MAILBOX_DELETE ||
	    r->verb == CTL_MSG_LIST || r->verb == CTL_MSG_GET) {
		finish(r, RM_ERR_NOTFOUND, "no such user");
		return;
	}
	r->rq.uc.login = r->entry->login;
	r->rq.uc.login_len = r->entry->login_len;
	r->rq.uc.req.done = created;
	store_user_create(req_part(r), &r->rq.uc);
}
