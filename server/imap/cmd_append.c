/*
 * APPEND (RFC 9051 §6.3.12) with MULTIAPPEND (RFC 3502), the UTF8 literal
 * form (RFC 6855 §4), literal8 (RFC 3516 §4.4) and UIDPLUS's APPENDUID
 * (RFC 4315 §3); REPLACE and UID REPLACE (RFC 8508), which append one
 * message and then expunge one of the selected mailbox.
 *
 * REPLACE runs as two store requests, the expunge queued only once the
 * append is durable: a failed append changes nothing, and a crash between
 * the two leaves both messages (never neither).  The EXPUNGE and EXISTS
 * responses come from the view sync before the tagged OK, so the client
 * sees one step (RFC 8508 §3.4).
 *
 * Message literals are read by the framer straight into store message
 * buffers (append_literal_alloc), which store_append takes over: the bytes
 * are copied once, from the socket buffer into the buffer the log writes.
 * All messages of one command are queued together and become durable in
 * the same group commit; the tagged OK comes after it.
 */
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/flags.h"
#include "server/imap/imap_date.h"
#include "server/imap/recent.h"
#include "server/imap/view.h"
#include "server/worker.h"
#include "server/imap/select.h"
#include "storage/store.h"

char *append_literal_alloc(uint64_t len, void **owner_r)
{
	struct store_msgbuf *mb = store_msgbuf_alloc((size_t)len);
	*owner_r = mb;
	return store_msgbuf_data(mb);
}

void append_literal_free(void *owner)
{
	struct store_msgbuf *mb = owner;
	store_msgbuf_free(&mb);
}

struct append_ctx;

struct append_msg {
	struct store_append rq;
	struct store_rcpt rcpt;
	struct imap_flag_list flags;
	size_t *kw_lens;
	struct append_ctx *ctx;
};

struct append_ctx {
	struct imap_cmd *cmd;
	struct append_msg *msgs;
	unsigned n;
	unsigned pending;
	uint32_t uidvalidity;
	uint32_t replace_uid;       /* REPLACE: the message to remove, else 0 */
	uint64_t replace_bytes;     /* its size: quota counts the net change */
	struct store_expunge ex;    /* REPLACE: the removal */
};

static void replace_expunged(struct store_req *req)
{
	struct append_ctx *a = RM_CONTAINER_OF(req, struct append_ctx, ex.req);
	struct imap_cmd *cmd = a->cmd;
	if (req->err != RM_OK)
		imap_cmd_reply(cmd, "NO", "[UNAVAILABLE] REPLACE: the new message is stored "
			       "(APPENDUID %u %u) but the old one could not be removed: %s",
			       a->uidvalidity, a->msgs[0].rcpt.uid, rm_err_str(req->err));
	else
		imap_cmd_reply(cmd, "OK", "Replace completed");
	imap_cmd_async_end(cmd);
}

/* The new message is durable: say so (RFC 8508 §3.2 example), then remove
 * the old one. */
static void replace_stored(struct append_ctx *a)
{
	struct imap_session *s = a->cmd->s;
	struct rm_buf *out = imap_out(s);
	rm_buf_printf(out, "* OK [APPENDUID %u %u] Replacement Message ready\r\n", a->uidvalidity,
		      a->msgs[0].rcpt.uid);
	if (!s->view) {   /* the mailbox was closed under the command */
		imap_cmd_reply(a->cmd, "OK", "Replace completed");
		imap_cmd_async_end(a->cmd);
		return;
	}
	a->ex.req.done = replace_expunged;
	a->ex.user_id = s->user_id;
	a->ex.mailbox_id = s->view->mailbox_id;
	a->ex.uids = &a->replace_uid;
	a->ex.nuids = 1;
	store_expunge(session_part(s), &a->ex);
}

static void append_reply(struct append_ctx *a)
{
	struct imap_cmd *cmd = a->cmd;
	enum rm_err err = RM_OK;
	for (unsigned i = 0; i < a->n && err == RM_OK; i++) {
		err = a->msgs[i].rq.req.err;
		if (err == RM_OK)
			err = a->msgs[i].rcpt.err;
	}
	if (err == RM_OK && a->replace_uid) {
		replace_stored(a);
		return;
	}
	if (err == RM_ERR_NOTFOUND) {
		imap_cmd_reply(cmd, "NO", "[TRYCREATE] Mailbox vanished");
	} else if (err == RM_ERR_LIMIT) {
		imap_cmd_reply(cmd, "NO", "[LIMIT] Mailbox is full (UIDs or keywords exhausted)");
	} else if (err == RM_ERR_QUOTA) {
		imap_cmd_reply(cmd, "NO", "[OVERQUOTA] Quota exceeded");
	} else if (err != RM_OK) {
		imap_reply_store_failure(cmd, "APPEND", err);
	} else {
		/* APPENDUID with the UIDs in order (RFC 4315 §3; a uid-set for
		 * MULTIAPPEND, RFC 3502 §6.3.11). */
		struct rm_buf set = { 0 };
		for (unsigned i = 0; i < a->n; i++) {
			uint32_t u = a->msgs[i].rcpt.uid;
			unsigned j = i;
			while (j + 1 < a->n && a->msgs[j + 1].rcpt.uid == a->msgs[j].rcpt.uid + 1)
				j++;
			if (set.len)
				rm_buf_putc(&set, ',');
			rm_buf_put_u64(&set, u);
			if (j > i) {
				rm_buf_putc(&set, ':');
				rm_buf_put_u64(&set, a->msgs[j].rcpt.uid);
			}
			i = j;
		}
		imap_cmd_reply(cmd, "OK", "[APPENDUID %u %s] APPEND completed", a->uidvalidity,
			       rm_buf_cstr(&set));
		rm_buf_free(&set);
	}
	imap_cmd_async_end(cmd);
}

static void append_done(struct store_req *req)
{
	struct append_msg *m = RM_CONTAINER_OF(req, struct append_msg, rq.req);
	struct append_ctx *a = m->ctx;
	if (req->err == RM_OK && m->rcpt.err == RM_OK)
		recent_arrived(a->cmd->s->c->w->recent,
			       recent_key(a->cmd->s->partition, m->rcpt.mailbox_id), m->rcpt.uid);
	if (--a->pending == 0)
		append_reply(a);
}

/* One message: [SP flag-list] [SP date-time] SP (literal / literal8 /
 * "UTF8" SP "(" literal8 ")"). */
static bool parse_message(struct imap_cmd *cmd, struct append_msg *m)
{
	struct imap_parser *p = &cmd->p;
	if (!imap_parse_sp(p))
		return false;
	if (imap_parse_peek(p) == '(') {
		if (!flags_parse_list(p, &m->flags) || !imap_parse_sp(p))
			return false;
	}
	if (imap_parse_peek(p) == '"') {
		int zone;
		if (!imap_parse_datetime(p, &m->rcpt.internal_date_s, &zone) || !imap_parse_sp(p))
			return false;
		if (m->rcpt.internal_date_s <= 0)
			return imap_parse_fail(p, "Date before 1970 not supported");
	}
	bool utf8_form = false;
	if (imap_parse_peek(p) == 'U' || imap_parse_peek(p) == 'u') {
		struct imap_str w;
		if (!imap_parse_atom(p, &w) || !imap_str_eq(&w, "UTF8") || !imap_parse_sp(p) ||
		    !imap_parse_lparen(p))
			return imap_parse_fail(p, "Expected a message literal");
		utf8_form = true;
	}
	struct imap_str lit;
	if (!imap_parse_string(p, &lit))
		return false;
	if (lit.kind != IMAP_STR_LITERAL || !lit.lit->owner)
		return imap_parse_fail(p, "The message must be a literal");
	if (utf8_form && (!lit.lit->binary || !imap_parse_rparen(p)))
		return imap_parse_fail(p, "UTF8 needs a literal8 in parentheses");
	/* RFC 3501 §4.3: NUL is not allowed in a plain literal; literal8
	 * (BINARY) may carry it. */
	if (lit.lit->has_nul && !lit.lit->binary)
		return imap_parse_fail(p, "NUL in message literal (use literal8)");
	m->rq.msg = lit.lit->owner;
	lit.lit->stolen = true;
	return true;
}

/* Frees the message buffers taken from the framer when the command fails
 * before they reach the store. */
static void append_release(struct append_ctx *a)
{
	for (unsigned i = 0; i < a->n; i++)
		if (a->msgs[i].rq.msg)
			store_msgbuf_free(&a->msgs[i].rq.msg);
}

static void append_start(struct append_ctx *a, const struct imap_str *mbox);

static struct append_ctx *append_ctx_new(struct imap_cmd *cmd)
{
	struct append_ctx *a = rm_arena_alloc(&cmd->s->arena, sizeof(*a));
	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	return a;
}

void cmd_append(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_parser *p = &cmd->p;
	struct imap_str mbox;
	if (!imap_parse_sp(p) || !imap_parse_astring(p, &mbox))
		return;
	struct append_ctx *a = append_ctx_new(cmd);
	unsigned cap = 4;
	a->msgs = rm_arena_alloc(&s->arena, cap * sizeof(*a->msgs));
	do {
		if (a->n == RM_MULTIAPPEND_MAX) {
			imap_parse_fail(p, "Too many messages in one APPEND");
			append_release(a);
			return;
		}
		if (a->n == cap) {
			struct append_msg *nm = rm_arena_alloc(&s->arena, cap * 2 * sizeof(*nm));
			memcpy(nm, a->msgs, cap * sizeof(*nm));
			a->msgs = nm;
			cap *= 2;
		}
		struct append_msg *m = &a->msgs[a->n];
		memset(m, 0, sizeof(*m));
		if (!parse_message(cmd, m)) {
			append_release(a);
			return;
		}
		a->n++;
	} while (!imap_parse_at_end(p));
	append_start(a, &mbox);
}

/* REPLACE seq-number / UID REPLACE uid, then APPEND's arguments for one
 * message (RFC 8508 §3.2, §3.3). */
void cmd_replace(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_parser *p = &cmd->p;
	struct seqset set;
	struct imap_str mbox;
	if (!imap_parse_sp(p) || !seqset_parse(p, false, &set))
		return;
	if (set.n != 1 || set.r[0].lo != set.r[0].hi) {
		imap_parse_fail(p, "REPLACE takes one message");
		return;
	}
	if (!imap_parse_sp(p) || !imap_parse_astring(p, &mbox))
		return;
	struct append_ctx *a = append_ctx_new(cmd);
	a->msgs = rm_arena_alloc(&s->arena, sizeof(*a->msgs));
	memset(a->msgs, 0, sizeof(*a->msgs));
	if (!parse_message(cmd, &a->msgs[0]))
		return;
	a->n = 1;
	uint32_t *uids;
	unsigned n;
	if (!imap_parse_eol(p)) {
		append_release(a);
		return;
	}
	/* A bad sequence number is answered inside select_set_uids, which
	 * ends the command and frees its arena (and `a` with it): keep the
	 * message buffer in a local. */
	struct store_msgbuf *msg = a->msgs[0].rq.msg;
	if (!select_set_uids(cmd, &set, cmd->uid, &uids, &n)) {
		store_msgbuf_free(&msg);
		return;
	}
	if (n == 0 || s->view->readonly) {
		append_release(a);
		imap_cmd_reply(cmd, "NO", n == 0 ? "[NONEXISTENT] No such message"
			       : "[CANNOT] Mailbox is read-only: nothing can be removed from it");
		return;
	}
	a->replace_uid = uids[0];
	struct store_view *v;
	struct store_msg old;
	if (store_view_begin(session_part(s), &v) == RM_OK) {
		if (store_view_msg(v, s->view->mailbox_id, a->replace_uid, &old) == RM_OK)
			a->replace_bytes = old.size_bytes;
		store_view_end(&v);
	}
	append_start(a, &mbox);
}

static void append_start(struct append_ctx *a, const struct imap_str *mbox)
{
	struct imap_cmd *cmd = a->cmd;
	struct imap_session *s = cmd->s;
	struct rm_buf name = { 0 };
	if (!imap_mailbox_arg(cmd, mbox, &name)) {
		append_release(a);
		rm_buf_free(&name);
		return;
	}
	struct store_mailbox mb;
	enum rm_err err = session_mailbox_find(s, name.data, name.len, &mb);
	rm_buf_free(&name);
	if (err != RM_OK) {
		append_release(a);
		if (err == RM_ERR_NOTFOUND)
			imap_cmd_reply(cmd, "NO", "[TRYCREATE] No such mailbox");
		else
			imap_cmd_reply(cmd, "NO", "[SERVERBUG] Mailbox cannot be opened now");
		return;
	}
	a->uidvalidity = mb.uidvalidity;
	/* RFC 9208 §4.2: a quota that would be passed refuses the APPEND;
	 * for REPLACE only the net change counts (RFC 8508 §3.4). */
	uint64_t bytes = 0;
	for (unsigned i = 0; i < a->n; i++)
		bytes += store_msgbuf_size(a->msgs[i].rq.msg);
	bytes = bytes > a->replace_bytes ? bytes - a->replace_bytes : 0;
	if (imap_quota_check(s, bytes, a->replace_uid ? 0 : a->n) == RM_ERR_QUOTA) {
		append_release(a);
		imap_cmd_reply(cmd, "NO", "[OVERQUOTA] Quota exceeded");
		return;
	}
	imap_cmd_async_begin(cmd);
	a->pending = a->n;
	for (unsigned i = 0; i < a->n; i++) {
		struct append_msg *m = &a->msgs[i];
		m->ctx = a;
		m->rcpt.user_id = s->user_id;
		m->rcpt.mailbox_id = mb.id;
		m->rcpt.flags = m->flags.sys;
		if (m->flags.nkeywords) {
			m->kw_lens = rm_arena_alloc(&s->arena, m->flags.nkeywords * sizeof(size_t));
			for (unsigned k = 0; k < m->flags.nkeywords; k++)
				m->kw_lens[k] = strlen(m->flags.keywords[k]);
			m->rcpt.keywords = m->flags.keywords;
			m->rcpt.keyword_lens = m->kw_lens;
			m->rcpt.nkeywords = m->flags.nkeywords;
		}
		m->rq.req.done = append_done;
		m->rq.rcpts = &m->rcpt;
		m->rq.nrcpts = 1;
		/* store_append takes the buffer. */
		store_append(session_part(s), &m->rq);
	}
}
