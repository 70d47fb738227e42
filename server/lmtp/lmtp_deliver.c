/*
 * LMTP delivery across partitions: the hop to a partition's owner and
 * back, RCPT's quota check there, and DATA's grouped single-instance
 * append (see lmtp.h for the design).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/util.h"
#include "server/auth/passwd.h"
#include "server/imap/recent.h"
#include "server/lmtp/lmtp.h"
#include "server/quota.h"
#include "server/server.h"
#include "server/worker.h"
#include "storage/store.h"

/* ---- recipients --------------------------------------------------------------- */

const struct passwd_entry *lmtp_rcpt_lookup(const struct passwd_db *db, const char *addr,
					    size_t len, struct lmtp_addr_parts *parts_r)
{
	if (!lmtp_addr_split(addr, len, parts_r))
		return NULL;
	const struct lmtp_addr_parts *p = parts_r;
	const struct passwd_entry *e = passwd_lookup(db, addr, len);
	if (e)
		return e;
	char buf[512];
	if (p->detail && p->domain && p->local_len + 1 + p->domain_len < sizeof(buf)) {
		memcpy(buf, p->local, p->local_len);
		buf[p->local_len] = '@';
		memcpy(buf + p->local_len + 1, p->domain, p->domain_len);
		e = passwd_lookup(db, buf, p->local_len + 1 + p->domain_len);
		if (e)
			return e;
	}
	e = passwd_lookup(db, p->local, p->local_len);
	if (e || !p->detail)
		return e;
	/* The whole local part, '+' included, may be the login. */
	return passwd_lookup(db, p->local, p->local_len + 1 + p->detail_len);
}

/* ---- RCPT: quota by SIZE ------------------------------------------------------ */

static enum rm_err view_user(struct part *part, const struct passwd_entry *e, struct store_user *u,
			     bool *found_r)
{
	struct store_view *v;
	enum rm_err err = store_view_begin(part, &v);
	if (err != RM_OK)
		return err;
	err = store_view_user(v, e->login, e->login_len, u);
	store_view_end(&v);
	*found_r = err == RM_OK;
	return err == RM_ERR_NOTFOUND ? RM_OK : err;
}

static void check_remote(struct hop *h)
{
	struct lmtp_session *s = RM_CONTAINER_OF(h, struct lmtp_session, check);
	struct lmtp_rcpt *r = &s->rcpts[s->nrcpts];
	struct store_user u;
	bool found = false;
	/* Only counters are used: the view's pointers die with it. */
	struct part *part = hop_part(h, r->partition);
	s->check_err = part ? view_user(part, r->entry, &u, &found) : RM_ERR_CLOSED;
	if (s->check_err == RM_OK)
		s->check_err = quota_check(r->entry, found ? &u : NULL, s->params.size_bytes, 1);
	hop_return(h);
}

static void check_back(struct hop *h)
{
	struct lmtp_session *s = RM_CONTAINER_OF(h, struct lmtp_session, check);
	struct conn *c = s->c;
	lmtp_session_checked(s);
	conn_unref(c);
}

void lmtp_rcpt_check_start(struct lmtp_session *s, struct lmtp_rcpt *r)
{
	conn_ref(s->c);
	s->check.home = s->c->w;
	s->check.target = hop_owner(s->c->w, r->partition);
	s->check.remote = check_remote;
	s->check.back = check_back;
	hop_go(&s->check);
}

/* ---- DATA: one group per partition ---------------------------------------------- */

struct delivery;
struct group;

/* A user first seen by this delivery, created before the append. */
struct group_uc {
	struct store_user_create rq;
	struct group *g;
};

struct group {
	struct hop hop;
	struct delivery *dl;
	unsigned partition;
	unsigned *idx;                /* session recipients in this group */
	unsigned n;
	struct store_rcpt *st;        /* store targets, st_of[k] = idx slot */
	unsigned *st_of;
	struct store_append rq;
	struct group_uc *uc;          /* users first seen here */
	unsigned nuc;
	unsigned uc_pending;
	bool created;
	uint64_t size_bytes;
};

struct delivery {
	struct lmtp_session *s;
	struct group *g;
	unsigned ng;
	unsigned pending;
};

static void group_resolve(struct group *g);

static struct part *group_part(const struct group *g)
{
	return hop_part(&g->hop, g->partition);
}

static struct lmtp_rcpt *group_rcpt(const struct group *g, unsigned k)
{
	return &g->dl->s->rcpts[g->idx[k]];
}

static void group_finish(struct group *g)
{
	if (g->rq.msg)
		store_msgbuf_free(&g->rq.msg);
	hop_return(&g->hop);
}

static void append_done(struct store_req *req)
{
	struct group *g = RM_CONTAINER_OF(req, struct group, rq.req);
	struct worker *w = g->hop.target;
	for (unsigned k = 0; k < g->rq.nrcpts; k++) {
		struct store_rcpt *t = &g->st[k];
		struct lmtp_rcpt *r = group_rcpt(g, g->st_of[k]);
		r->err = req->err != RM_OK && t->err == RM_OK ? req->err : t->err;
		r->uid = t->uid;
		if (r->err == RM_OK)
			recent_arrived(w->recent, recent_key(g->partition, t->mailbox_id), t->uid);
	}
	g->rq.msg = NULL; /* the store took it */
	group_finish(g);
}

static void user_created(struct store_req *req)
{
	struct group *g = RM_CONTAINER_OF(req, struct group_uc, rq.req)->g;
	if (--g->uc_pending == 0) {
		g->created = true;
		group_resolve(g);
	}
}

/* The mailbox a recipient's copy goes to: +detail when it exists. */
static enum rm_err rcpt_mailbox(struct store_view *v, uint64_t user_id, const struct lmtp_rcpt *r,
				uint64_t *mailbox_id_r)
{
	struct store_mailbox mb;
	if (r->detail && store_view_mailbox(v, user_id, r->detail, r->detail_len, &mb) == RM_OK) {
		*mailbox_id_r = mb.id;
		return RM_OK;
	}
	enum rm_err err = store_view_mailbox(v, user_id, "INBOX", 5, &mb);
	*mailbox_id_r = mb.id;
	return err;
}

/* Looks each recipient up; returns how many users must be created first
 * (their logins are queued in g->uc). */
static unsigned group_lookup(struct group *g, struct store_view *v)
{
	unsigned missing = 0;
	g->rq.nrcpts = 0;
	for (unsigned k = 0; k < g->n; k++) {
		struct lmtp_rcpt *r = group_rcpt(g, k);
		struct store_user u;
		enum rm_err err = store_view_user(v, r->entry->login, r->entry->login_len, &u);
		if (err == RM_ERR_NOTFOUND && !g->created) {
			struct group_uc *uc = &g->uc[missing++];
			memset(uc, 0, sizeof(*uc));
			uc->g = g;
			uc->rq.login = r->entry->login;
			uc->rq.login_len = r->entry->login_len;
			continue;
		}
		if (err == RM_OK)
			err = quota_check(r->entry, &u, g->size_bytes, 1);
		uint64_t mailbox_id = 0;
		if (err == RM_OK)
			err = rcpt_mailbox(v, u.id, r, &mailbox_id);
		r->err = err;
		if (err != RM_OK)
			continue;
		struct store_rcpt *t = &g->st[g->rq.nrcpts];
		memset(t, 0, sizeof(*t));
		t->user_id = u.id;
		t->mailbox_id = mailbox_id;
		g->st_of[g->rq.nrcpts++] = k;
	}
	return missing;
}

static void group_create_users(struct group *g, unsigned missing)
{
	/* Duplicates (one user twice) create once: the second gets EXISTS,
	 * which is fine; resolve runs again after all. */
	g->uc_pending = missing;
	for (unsigned i = 0; i < missing; i++) {
		g->uc[i].rq.req.done = user_created;
		store_user_create(group_part(g), &g->uc[i].rq);
	}
}

static void group_resolve(struct group *g)
{
	struct store_view *v;
	enum rm_err err = group_part(g) ? store_view_begin(group_part(g), &v) : RM_ERR_CLOSED;
	if (err != RM_OK) {
		for (unsigned k = 0; k < g->n; k++)
			group_rcpt(g, k)->err = err;
		group_finish(g);
		return;
	}
	unsigned missing = group_lookup(g, v);
	store_view_end(&v);
	if (missing) {
		group_create_users(g, missing);
		return;
	}
	if (g->rq.nrcpts == 0) {
		group_finish(g);
		return;
	}
	g->rq.rcpts = g->st;
	g->rq.req.done = append_done;
	store_append(group_part(g), &g->rq);
}

static void group_remote(struct hop *h)
{
	group_resolve(RM_CONTAINER_OF(h, struct group, hop));
}

static void delivery_free(struct delivery *dl)
{
	for (unsigned i = 0; i < dl->ng; i++) {
		struct group *g = &dl->g[i];
		free(g->idx);
		free(g->st);
		free(g->st_of);
		free(g->uc);
	}
	free(dl->g);
	free(dl);
}

static void group_back(struct hop *h)
{
	struct group *g = RM_CONTAINER_OF(h, struct group, hop);
	struct delivery *dl = g->dl;
	if (--dl->pending)
		return;
	struct lmtp_session *s = dl->s;
	struct conn *c = s->c;
	delivery_free(dl);
	lmtp_session_delivered(s);
	conn_unref(c);
}

/* ---- the copy each group stores ----------------------------------------------- */

/* Trace headers in front of the message, laid out as Dovecot's LMTP
 * writes them (checked against Debian's dovecot-lmtpd 2.3.19): Return-Path
 * always; Delivered-To and "for <rcpt>" only with a single recipient,
 * since one stored copy serves every recipient of the transaction. */
static void trace_headers(struct lmtp_session *s, struct rm_buf *h)
{
	struct conn *c = s->c;
	char ip[64], date[64];
	addr_format(&c->peer, ip, sizeof(ip));
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	const char *one = s->nrcpts == 1 ? s->rcpts[0].addr : NULL;
	rm_buf_printf(h, "Return-Path: <%s>\r\n", s->from);
	if (one)
		rm_buf_printf(h, "Delivered-To: %s\r\n", one);
	rm_buf_printf(h, "Received: from %s ([%s])\r\n\tby %s with LMTP\r\n\tid %llu.%llu\r\n"
		      "\t(envelope-from <%s>)", s->helo, ip, c->w->srv->cfg.greeting_name,
		      (unsigned long long)c->id, (unsigned long long)s->tx, s->from);
	if (one)
		rm_buf_printf(h, "\r\n\tfor <%s>; %s\r\n", one, date);
	else
		rm_buf_printf(h, "; %s\r\n", date);
}

/* Groups the recipients by partition. */
static struct delivery *delivery_plan(struct lmtp_session *s)
{
	struct delivery *dl = rm_calloc(1, sizeof(*dl));
	dl->s = s;
	dl->g = rm_calloc(s->nrcpts, sizeof(*dl->g));
	for (unsigned i = 0; i < s->nrcpts; i++) {
		struct group *g = NULL;
		for (unsigned k = 0; k < dl->ng && !g; k++)
			if (dl->g[k].partition == s->rcpts[i].partition)
				g = &dl->g[k];
		if (!g) {
			g = &dl->g[dl->ng++];
			g->dl = dl;
			g->partition = s->rcpts[i].partition;
			g->idx = rm_calloc(s->nrcpts, sizeof(*g->idx));
		}
		g->idx[g->n++] = i;
		s->rcpts[i].err = RM_OK;
		s->rcpts[i].uid = 0;
	}
	return dl;
}

void lmtp_deliver_start(struct lmtp_session *s)
{
	struct delivery *dl = delivery_plan(s);
	struct rm_buf hdr = { 0 };
	trace_headers(s, &hdr);
	const struct rm_buf *body = &s->data.body;
	conn_ref(s->c);
	dl->pending = dl->ng;
	for (unsigned k = 0; k < dl->ng; k++) {
		struct group *g = &dl->g[k];
		g->st = rm_calloc(g->n, sizeof(*g->st));
		g->st_of = rm_calloc(g->n, sizeof(*g->st_of));
		g->uc = rm_calloc(g->n, sizeof(*g->uc));
		g->size_bytes = hdr.len + body->len;
		g->rq.msg = store_msgbuf_alloc(g->size_bytes);
		char *dst = store_msgbuf_data(g->rq.msg);
		memcpy(dst, hdr.data, hdr.len);
		if (body->len)
			memcpy(dst + hdr.len, body->data, body->len);
		g->hop.home = s->c->w;
		g->hop.target = hop_owner(s->c->w, g->partition);
		g->hop.remote = group_remote;
		g->hop.back = group_back;
	}
	rm_buf_free(&hdr);
	/* Started after every group is built: a group on this worker may
	 * come back before the loop ends only through the store (never
	 * synchronously with a successful append), but a failed view can. */
	for (unsigned k = 0, n = dl->ng; k < n; k++)
		hop_go(&dl->g[k].hop);
}
