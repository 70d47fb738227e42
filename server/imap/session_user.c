/*
 * Attaching an authenticated session to its user in the store: runs on the
 * worker that owns the user's partition (after the hand-off).  A user known
 * to the passwd-file but not yet to the store is created on the first
 * login, with the default mailboxes (INBOX, Drafts, Sent, Trash, Junk,
 * Archive).
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "server/imap/session.h"
#include "server/worker.h"
#include "storage/store.h"

struct user_open {
	struct store_user_create rq;
	struct imap_session *s;
	void (*done)(struct imap_session *s, enum rm_err err);
};

struct part *session_part(const struct imap_session *s)
{
	return s->c->w->parts[s->partition];
}

enum rm_err session_mailbox_find(struct imap_session *s, const char *name, size_t len,
				 struct store_mailbox *mb_r)
{
	struct store_view *v;
	enum rm_err err = store_view_begin(session_part(s), &v);
	if (err == RM_OK) {
		err = store_view_mailbox(v, s->user_id, name, len, mb_r);
		store_view_end(&v);
	}
	mb_r->name = NULL;
	mb_r->name_len = 0;
	return err;
}

static enum rm_err lookup(struct imap_session *s)
{
	struct store_view *v;
	enum rm_err err = store_view_begin(session_part(s), &v);
	if (err != RM_OK)
		return err;
	struct store_user u;
	err = store_view_user(v, s->login, strlen(s->login), &u);
	if (err == RM_OK)
		s->user_id = u.id;
	store_view_end(&v);
	return err;
}

static void user_created(struct store_req *req)
{
	struct user_open *uo = RM_CONTAINER_OF(req, struct user_open, rq.req);
	struct imap_session *s = uo->s;
	enum rm_err err = req->err;
	if (err == RM_OK) {
		s->user_id = uo->rq.user_id;
		rm_log(RM_LOG_INFO, "user_created", "user=%s partition=%u", s->login, s->partition);
	} else if (err == RM_ERR_EXISTS) {
		/* Another session of the same user created it first. */
		err = lookup(s);
	}
	void (*done)(struct imap_session *, enum rm_err) = uo->done;
	free(uo);
	done(s, err);
	conn_unref(s->c);
}

void session_user_open(struct imap_session *s, void (*done)(struct imap_session *s, enum rm_err err))
{
	enum rm_err err = lookup(s);
	if (err != RM_ERR_NOTFOUND) {
		done(s, err);
		return;
	}
	struct user_open *uo = rm_calloc(1, sizeof(*uo));
	uo->s = s;
	uo->done = done;
	uo->rq.req.done = user_created;
	uo->rq.login = s->login;
	uo->rq.login_len = strlen(s->login);
	conn_ref(s->c);
	store_user_create(session_part(s), &uo->rq);
}
