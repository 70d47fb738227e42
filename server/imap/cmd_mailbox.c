/*
 * Mailbox management: CREATE (RFC 9051 §6.3.4, with RFC 6154 §3 USE),
 * DELETE (§6.3.5), RENAME (§6.3.6), SUBSCRIBE and UNSUBSCRIBE (§6.3.7-8).
 *
 * The storage engine knows single mailboxes; the IMAP rules are built here
 * from its requests.  A command may queue several requests in one loop turn
 * (they execute in order in the same group commit): the missing superiors
 * of a new name, then the mailbox itself.  Each request is a struct mbox_op
 * in the command's arena; when the last one is done the command replies
 * from the error of its "main" requests (a superior that another session
 * created meanwhile is not an error).
 *
 * RENAME INBOX (§6.3.6) creates the new mailbox and then moves every
 * message of INBOX into it with the engine's MOVE, leaving INBOX empty and
 * its inferiors where they are.  RENAME of a name that does not exist
 * itself but has inferiors (a \NonExistent superior in LIST) renames those
 * inferiors, as the §6.3.6 example does for a \Noselect "foo".
 */
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/objectid.h"
#include "server/imap/recent.h"
#include "server/worker.h"
#include "server/imap/list_parse.h"
#include "server/imap/mailbox_name.h"
#include "server/imap/select.h"
#include "storage/store.h"

struct mbox_ctx;

struct mbox_op {
	struct mbox_ctx *mc;
	bool main;                 /* its error decides the reply */
	bool is_copy;              /* u.copy: RENAME INBOX moving messages */
	union {                    /* every request starts with its store_req */
		struct store_req req;
		struct store_mbox_create create;
		struct store_mbox_rename rename;
		struct store_mbox_delete del;
		struct store_subscribe sub;
		struct store_copy copy;
	} u;
};

struct mbox_ctx {
	struct imap_cmd *cmd;
	const char *verb;          /* "CREATE", ... for the reply */
	unsigned pending;
	enum rm_err err;
	void (*finish)(struct mbox_ctx *mc);
	struct mbox_op *target;    /* RENAME INBOX: the created mailbox */
};

static struct mbox_ctx *mbox_ctx_new(struct imap_cmd *cmd, const char *verb)
{
	struct mbox_ctx *mc = rm_arena_alloc(&cmd->s->arena, sizeof(*mc));
	memset(mc, 0, sizeof(*mc));
	mc->cmd = cmd;
	mc->verb = verb;
	cmd->ctx = mc;
	return mc;
}

/* Replies from mc->err and ends the asynchronous command.  The arena (and
 * mc with it) is gone after imap_cmd_reply. */
static void mbox_reply(struct mbox_ctx *mc)
{
	struct imap_cmd *cmd = mc->cmd;
	const char *verb = mc->verb;
	switch (mc->err) {
	case RM_OK:
		if (!strcmp(verb, "CREATE") && mc->target) {
			/* RFC 8474 §4.1: the new mailbox's id in the OK. */
			struct rm_buf id = { 0 };
			objectid_mailbox(&id, cmd->s->partition, mc->target->u.create.mailbox_id);
			imap_cmd_reply(cmd, "OK", "[MAILBOXID (%s)] CREATE completed", rm_buf_cstr(&id));
			rm_buf_free(&id);
			break;
		}
		imap_cmd_reply(cmd, "OK", "%s completed", verb);
		break;
	case RM_ERR_NOTFOUND:
		imap_cmd_reply(cmd, "NO", "[NONEXISTENT] No such mailbox");
		break;
	case RM_ERR_EXISTS:
		imap_cmd_reply(cmd, "NO", "[ALREADYEXISTS] Mailbox already exists");
		break;
	case RM_ERR_LIMIT:
		imap_cmd_reply(cmd, "NO", "[LIMIT] Mailbox name too long or too many mailboxes");
		break;
	case RM_ERR_PERM:
	case RM_ERR_INVAL:
		imap_cmd_reply(cmd, "NO", "[CANNOT] %s not allowed for this name", verb);
		break;
	default:
		imap_reply_store_failure(cmd, verb, mc->err);
		break;
	}
	imap_cmd_async_end(cmd);
}

static void mbox_op_done(struct store_req *req)
{
	struct mbox_op *op = RM_CONTAINER_OF(req, struct mbox_op, u.req);
	struct mbox_ctx *mc = op->mc;
	/* Messages moved out of INBOX arrive in the new mailbox: they are
	 * \Recent for the next session that looks (recent.h). */
	if (op->is_copy && req->err == RM_OK && op->u.copy.copied) {
		struct imap_session *s = mc->cmd->s;
		for (unsigned i = 0; i < op->u.copy.nuids; i++)
			if (op->u.copy.new_uids[i]) {
				recent_arrived(s->c->w->recent,
					       recent_key(s->partition, op->u.copy.dst_mailbox_id),
					       op->u.copy.new_uids[i]);
				break;
			}
	}
	/* A superior created by someone else in between is fine. */
	bool counts = op->main || req->err != RM_ERR_EXISTS;
	if (mc->err == RM_OK && counts)
		mc->err = req->err;
	RM_ASSERT(mc->pending > 0);
	if (--mc->pending == 0)
		mc->finish(mc);
}

/* A request of the command; the caller fills it and submits it. */
static struct mbox_op *mbox_op_new(struct mbox_ctx *mc, bool main)
{
	struct mbox_op *op = rm_arena_alloc(&mc->cmd->s->arena, sizeof(*op));
	memset(op, 0, sizeof(*op));
	op->mc = mc;
	op->main = main;
	op->u.req.done = mbox_op_done;
	mc->pending++;
	return op;
}

static void mbox_create(struct mbox_ctx *mc, bool main, const char *name, size_t len,
			uint32_t use)
{
	struct imap_session *s = mc->cmd->s;
	struct mbox_op *op = mbox_op_new(mc, main);
	op->u.create.user_id = s->user_id;
	op->u.create.name = name;
	op->u.create.name_len = len;
	op->u.create.special_use = use;
	if (main)
		mc->target = op;
	store_mbox_create(session_part(s), &op->u.create);
}

static bool mbox_exists(struct imap_session *s, struct store_view *v, const char *name,
			size_t len, enum rm_err *err_r)
{
	struct store_mailbox mb;
	enum rm_err err = store_view_mailbox(v, s->user_id, name, len, &mb);
	if (err != RM_OK && err != RM_ERR_NOTFOUND && *err_r == RM_OK)
		*err_r = err;
	return err == RM_OK;
}

/* Queues the creation of every missing superior of name (RFC 9051 §6.3.4
 * and §6.3.6: "SHOULD create any superior hierarchical names"); name lives
 * in the arena. */
static enum rm_err mbox_create_superiors(struct mbox_ctx *mc, struct store_view *v,
					 const char *name, size_t len)
{
	enum rm_err err = RM_OK;
	for (size_t i = 1; i < len; i++) {
		if (name[i] == MBOX_DELIM && !mbox_exists(mc->cmd->s, v, name, i, &err) && !err)
			mbox_create(mc, false, name, i, 0);
	}
	return err;
}

/* The mailbox argument as an internal name in the arena, or NULL after
 * replying. */
static char *mbox_arg(struct imap_cmd *cmd, const struct imap_str *arg, size_t *len_r)
{
	struct rm_buf b = { 0 };
	char *name = NULL;
	if (imap_mailbox_arg(cmd, arg, &b)) {
		name = rm_arena_strndup(&cmd->s->arena, b.data, b.len);
		*len_r = b.len;
	}
	rm_buf_free(&b);
	return name;
}

static bool is_inbox(const char *name, size_t len)
{
	return len == 5 && memcmp(name, "INBOX", 5) == 0;
}

/* ---- CREATE ----------------------------------------------------------------- */

/* RFC 6154 §2: \All and \Flagged name virtual mailboxes, which the store
 * does not have. */
#define USE_REFUSED (STORE_USE_ALL | STORE_USE_FLAGGED)

/* "USE" SP "(" [use-attr *(SP use-attr)] ")" after USE.  A use we do not
 * keep goes to *refused_r (the reply is NO [USEATTR], RFC 6154 §3). */
static bool parse_use(struct imap_parser *p, uint32_t *use_r, struct imap_str *refused_r)
{
	if (!imap_parse_sp(p) || !imap_parse_lparen(p))
		return false;
	if (imap_parse_try_rparen(p))
		return true;
	do {
		struct imap_str w;
		if (!imap_parse_word(p, "()", &w))
			return false;
		if (w.s[0] != '\\' || w.len < 2)
			return imap_parse_fail(p, "Expected a special-use attribute");
		uint32_t bit = list_parse_use_bit(w.s, w.len);
		if (bit && !(bit & USE_REFUSED))
			*use_r |= bit;
		else if (!refused_r->s)
			*refused_r = w;
	} while (imap_parse_try_sp(p));
	return imap_parse_rparen(p);
}

/* create-params (RFC 4466 §2.2); USE is the only parameter we know. */
static bool parse_create_params(struct imap_parser *p, uint32_t *use_r,
				struct imap_str *refused_r)
{
	if (!imap_parse_try_sp(p))
		return true;
	if (!imap_parse_lparen(p))
		return false;
	do {
		struct imap_str w;
		if (!imap_parse_atom(p, &w))
			return false;
		if (!imap_str_eq(&w, "USE"))
			return imap_parse_fail(p, "Unknown CREATE parameter");
		if (!parse_use(p, use_r, refused_r))
			return false;
	} while (imap_parse_try_sp(p));
	return imap_parse_rparen(p);
}

void cmd_create(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_parser *p = &cmd->p;
	struct imap_str arg, refused = { 0 };
	uint32_t use = 0;
	if (!imap_parse_sp(p) || !imap_parse_astring(p, &arg) ||
	    !parse_create_params(p, &use, &refused) || !imap_parse_eol(p))
		return;
	size_t len;
	char *name = mbox_arg(cmd, &arg, &len);
	if (!name)
		return;
	if (refused.s) {
		imap_cmd_reply(cmd, "NO", "[USEATTR] %.*s is not supported", (int)refused.len,
			       refused.s);
		return;
	}
	if (is_inbox(name, len)) {
		imap_cmd_reply(cmd, "NO", "[ALREADYEXISTS] INBOX always exists");
		return;
	}
	struct store_view *v;
	enum rm_err err = store_view_begin(session_part(s), &v);
	if (err == RM_OK && mbox_exists(s, v, name, len, &err)) {
		store_view_end(&v);
		imap_cmd_reply(cmd, "NO", "[ALREADYEXISTS] Mailbox already exists");
		return;
	}
	struct mbox_ctx *mc = mbox_ctx_new(cmd, "CREATE");
	mc->finish = mbox_reply;
	imap_cmd_async_begin(cmd);
	if (err == RM_OK)
		err = mbox_create_superiors(mc, v, name, len);
	store_view_end(&v);
	if (err != RM_OK) {
		/* Nothing queued yet when the view failed; otherwise the
		 * queued superiors still finish and reply. */
		mc->err = err;
		if (mc->pending == 0)
			mbox_reply(mc);
		return;
	}
	mbox_create(mc, true, name, len, use);
}

/* ---- DELETE, SUBSCRIBE, UNSUBSCRIBE ---------------------------------------- */

/* "SP mailbox" and the end of the command: the internal name in the arena,
 * or NULL after a reply or with the parser's error. */
static char *mbox_only_arg(struct imap_cmd *cmd, size_t *len_r)
{
	struct imap_parser *p = &cmd->p;
	struct imap_str arg;
	if (!imap_parse_sp(p) || !imap_parse_astring(p, &arg) || !imap_parse_eol(p))
		return NULL;
	return mbox_arg(cmd, &arg, len_r);
}

/* The one request of a command that mbox_reply answers; the caller fills
 * it and submits it. */
static struct mbox_op *mbox_single(struct imap_cmd *cmd, const char *verb)
{
	struct mbox_ctx *mc = mbox_ctx_new(cmd, verb);
	mc->finish = mbox_reply;
	imap_cmd_async_begin(cmd);
	return mbox_op_new(mc, true);
}

void cmd_delete(struct imap_cmd *cmd)
{
	size_t len;
	char *name = mbox_only_arg(cmd, &len);
	if (!name)
		return;
	if (is_inbox(name, len)) {
		imap_cmd_reply(cmd, "NO", "[CANNOT] INBOX cannot be deleted");
		return;
	}
	/* Inferiors stay (§6.3.5 "MUST NOT remove inferior hierarchical
	 * names"); LIST then shows the name as a non-existent superior. */
	struct mbox_op *op = mbox_single(cmd, "DELETE");
	op->u.del.user_id = cmd->s->user_id;
	op->u.del.name = name;
	op->u.del.name_len = len;
	store_mbox_delete(session_part(cmd->s), &op->u.del);
}

static void subscribe_common(struct imap_cmd *cmd, bool on)
{
	size_t len;
	char *name = mbox_only_arg(cmd, &len);
	if (!name)
		return;
	/* The name need not exist (§6.3.7); subscribing twice, or
	 * unsubscribing a name not subscribed, is OK (§6.3.8). */
	struct mbox_op *op = mbox_single(cmd, on ? "SUBSCRIBE" : "UNSUBSCRIBE");
	op->u.sub.user_id = cmd->s->user_id;
	op->u.sub.name = name;
	op->u.sub.name_len = len;
	op->u.sub.on = on;
	store_subscribe(session_part(cmd->s), &op->u.sub);
}

void cmd_subscribe(struct imap_cmd *cmd)
{
	subscribe_common(cmd, true);
}

void cmd_unsubscribe(struct imap_cmd *cmd)
{
	subscribe_common(cmd, false);
}

/* ---- RENAME ----------------------------------------------------------------- */

/* RENAME INBOX, second step: move every message of INBOX into the new
 * mailbox, in requests of at most RM_STORE_UIDS_PER_REQ_MAX UIDs. */
static enum rm_err rename_inbox_move(struct mbox_ctx *mc)
{
	struct imap_session *s = mc->cmd->s;
	struct store_view *v;
	enum rm_err err = store_view_begin(session_part(s), &v);
	struct store_mailbox inbox;
	if (err == RM_OK)
		err = store_view_mailbox(v, s->user_id, "INBOX", 5, &inbox);
	struct store_iter *it = NULL;
	if (err == RM_OK)
		err = store_view_msgs(v, inbox.id, 1, &it);
	uint32_t *uids = NULL;
	size_t n = 0;
	if (err == RM_OK) {
		uids = rm_arena_alloc(&s->arena, (inbox.messages + 1) * sizeof(*uids));
		struct store_msg m;
		while (n < inbox.messages && store_iter_msg(it, &m) == 1)
			uids[n++] = m.uid;
		store_iter_free(&it);
	}
	store_view_end(&v);
	for (size_t at = 0; err == RM_OK && at < n; at += RM_STORE_UIDS_PER_REQ_MAX) {
		unsigned chunk = (unsigned)RM_MIN(n - at, (size_t)RM_STORE_UIDS_PER_REQ_MAX);
		struct mbox_op *op = mbox_op_new(mc, true);
		op->u.copy.user_id = s->user_id;
		op->u.copy.src_mailbox_id = inbox.id;
		op->u.copy.dst_mailbox_id = mc->target->u.create.mailbox_id;
		op->u.copy.uids = uids + at;
		op->u.copy.nuids = chunk;
		op->u.copy.move = true;
		op->is_copy = true;
		op->u.copy.new_uids = rm_arena_alloc(&s->arena, chunk * sizeof(uint32_t));
		store_copy(session_part(s), &op->u.copy);
	}
	return err;
}

static void rename_inbox_created(struct mbox_ctx *mc)
{
	if (mc->err != RM_OK || imap_cmd_dead(mc->cmd)) {
		mbox_reply(mc);
		return;
	}
	mc->finish = mbox_reply;
	mc->err = rename_inbox_move(mc);
	if (mc->pending == 0)
		mbox_reply(mc);
}

/* What a RENAME of a name other than INBOX does. */
struct rename_plan {
	const char *from, *to;
	size_t from_len, to_len;
	bool from_exists;
	const char **roots;        /* arena copies of the names to rename */
	size_t *root_lens;
	unsigned nroots;
};

/* Whether mb (inside from) is renamed by its own request. */
static bool rename_is_root(struct imap_session *s, struct store_view *v,
			   const struct rename_plan *rp, const struct store_mailbox *mb,
			   enum rm_err *err_r)
{
	if (rp->from_exists)
		return mb->name_len == rp->from_len;
	for (size_t i = rp->from_len + 1; i < mb->name_len; i++)
		if (mb->name[i] == MBOX_DELIM && mbox_exists(s, v, mb->name, i, err_r))
			return false;
	return true;
}

/* Existing mailboxes to rename for "from": from itself, or when it does
 * not exist, its topmost existing inferiors.  Fails with RM_ERR_EXISTS when
 * a new name is taken, RM_ERR_NOTFOUND when there is nothing to rename. */
static enum rm_err rename_plan_make(struct imap_session *s, struct store_view *v,
				    struct rename_plan *rp)
{
	enum rm_err err = RM_OK;
	rp->from_exists = mbox_exists(s, v, rp->from, rp->from_len, &err);
	struct store_iter *it;
	if (err == RM_OK)
		err = store_view_mailboxes(v, s->user_id, &it);
	if (err != RM_OK)
		return err;
	struct rm_buf newname = { 0 };
	struct store_mailbox mb;
	unsigned cap = 0;
	int rc = 0;
	while (err == RM_OK && (rc = store_iter_mailbox(it, &mb)) == 1) {
		if (mb.name_len < rp->from_len || memcmp(mb.name, rp->from, rp->from_len) != 0 ||
		    (mb.name_len > rp->from_len && mb.name[rp->from_len] != MBOX_DELIM))
			continue;
		rm_buf_reset(&newname);
		rm_buf_append(&newname, rp->to, rp->to_len);
		rm_buf_append(&newname, mb.name + rp->from_len, mb.name_len - rp->from_len);
		if (mbox_exists(s, v, newname.data, newname.len, &err))
			err = RM_ERR_EXISTS;
		if (err != RM_OK || !rename_is_root(s, v, rp, &mb, &err) || err != RM_OK)
			continue;
		if (rp->nroots == cap) {
			cap = cap ? 2 * cap : 4;
			const char **roots = rm_arena_alloc(&s->arena, cap * sizeof(*roots));
			size_t *lens = rm_arena_alloc(&s->arena, cap * sizeof(*lens));
			if (rp->nroots) {
				memcpy(roots, rp->roots, rp->nroots * sizeof(*roots));
				memcpy(lens, rp->root_lens, rp->nroots * sizeof(*lens));
			}
			rp->roots = roots;
			rp->root_lens = lens;
		}
		rp->roots[rp->nroots] = rm_arena_strndup(&s->arena, mb.name, mb.name_len);
		rp->root_lens[rp->nroots++] = mb.name_len;
	}
	if (err == RM_OK && rc < 0)
		err = RM_ERR_IO;
	store_iter_free(&it);
	rm_buf_free(&newname);
	if (err == RM_OK && rp->nroots == 0)
		err = RM_ERR_NOTFOUND;
	if (err == RM_OK && mbox_exists(s, v, rp->to, rp->to_len, &err))
		err = RM_ERR_EXISTS;
	return err;
}

static void rename_queue(struct mbox_ctx *mc, const struct rename_plan *rp)
{
	struct imap_session *s = mc->cmd->s;
	for (unsigned i = 0; i < rp->nroots; i++) {
		size_t to_len = rp->to_len + rp->root_lens[i] - rp->from_len;
		char *to = rm_arena_alloc(&s->arena, to_len);
		memcpy(to, rp->to, rp->to_len);
		memcpy(to + rp->to_len, rp->roots[i] + rp->from_len, rp->root_lens[i] - rp->from_len);
		struct mbox_op *op = mbox_op_new(mc, true);
		op->u.rename.user_id = s->user_id;
		op->u.rename.from = rp->roots[i];
		op->u.rename.from_len = rp->root_lens[i];
		op->u.rename.to = to;
		op->u.rename.to_len = to_len;
		store_mbox_rename(session_part(s), &op->u.rename);
	}
}

/* Checks that need no index: returns false after replying. */
static bool rename_args_ok(struct imap_cmd *cmd, const struct rename_plan *rp)
{
	if (is_inbox(rp->to, rp->to_len)) {
		imap_cmd_reply(cmd, "NO", "[ALREADYEXISTS] INBOX always exists");
		return false;
	}
	if (is_inbox(rp->from, rp->from_len))
		return true;   /* INBOX's inferiors do not move: "INBOX/x" is fine */
	if (rp->to_len >= rp->from_len && memcmp(rp->to, rp->from, rp->from_len) == 0 &&
	    (rp->to_len == rp->from_len || rp->to[rp->from_len] == MBOX_DELIM)) {
		if (rp->to_len == rp->from_len)
			imap_cmd_reply(cmd, "NO", "[ALREADYEXISTS] Same name");
		else
			imap_cmd_reply(cmd, "NO", "[CANNOT] Cannot move a mailbox inside itself");
		return false;
	}
	return true;
}

void cmd_rename(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_parser *p = &cmd->p;
	struct imap_str a_from, a_to;
	if (!imap_parse_sp(p) || !imap_parse_astring(p, &a_from) || !imap_parse_sp(p) ||
	    !imap_parse_astring(p, &a_to) || !imap_parse_eol(p))
		return;
	struct rename_plan rp = { 0 };
	char *from = mbox_arg(cmd, &a_from, &rp.from_len);
	char *to = from ? mbox_arg(cmd, &a_to, &rp.to_len) : NULL;
	if (!to)
		return;
	rp.from = from;
	rp.to = to;
	if (!rename_args_ok(cmd, &rp))
		return;
	bool inbox = is_inbox(from, rp.from_len);
	struct mbox_ctx *mc = mbox_ctx_new(cmd, "RENAME");
	mc->finish = inbox ? rename_inbox_created : mbox_reply;
	imap_cmd_async_begin(cmd);
	struct store_view *v;
	enum rm_err err = store_view_begin(session_part(s), &v);
	if (err == RM_OK && inbox) {
		if (mbox_exists(s, v, to, rp.to_len, &err))
			err = RM_ERR_EXISTS;
	} else if (err == RM_OK) {
		err = rename_plan_make(s, v, &rp);
	}
	if (err == RM_OK)
		err = mbox_create_superiors(mc, v, to, rp.to_len);
	store_view_end(&v);
	if (err != RM_OK) {
		mc->finish = mbox_reply;
		mc->err = err;
		if (mc->pending == 0)
			mbox_reply(mc);
		return;
	}
	if (inbox)
		mbox_create(mc, true, to, rp.to_len, 0);
	else
		rename_queue(mc, &rp);
}
