/*
 * SELECT and EXAMINE (RFC 9051 §6.3.2-3, RFC 7162 §3.1.8 CONDSTORE
 * parameter), CLOSE (§6.4.1), UNSELECT (RFC 3691), CHECK (RFC 3501 §6.4.1:
 * a NOOP here, every change is already durable).
 */
#include <string.h>

#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/flags.h"
#include "server/imap/mailbox_name.h"
#include "server/imap/select.h"
#include "server/imap/view.h"
#include "storage/store.h"

static void write_flag_lists(struct imap_session *s, struct store_view *v, bool readonly)
{
	struct rm_buf *out = imap_out(s);
	struct rm_buf kw = { 0 };
	struct store_iter *it;
	if (store_view_keywords(v, s->user_id, &it) == RM_OK) {
		uint16_t id;
		const char *name;
		size_t len;
		while (store_iter_keyword(it, &id, &name, &len) == 1) {
			rm_buf_putc(&kw, ' ');
			rm_buf_append(&kw, name, len);
		}
		store_iter_free(&it);
	}
	rm_buf_puts(out, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	rm_buf_append(out, kw.data, kw.len);
	rm_buf_puts(out, ")\r\n");
	if (readonly) {
		rm_buf_puts(out, "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n");
	} else {
		rm_buf_puts(out, "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft");
		rm_buf_append(out, kw.data, kw.len);
		rm_buf_puts(out, " \\*)] Flags permitted\r\n");
	}
	rm_buf_free(&kw);
}

/* The first unseen message's sequence number (IMAP4rev1 [UNSEEN n]). */
static uint32_t first_unseen(struct imap_session *s, struct store_view *v, uint64_t mailbox_id)
{
	struct store_iter *it;
	if (store_view_msgs(v, mailbox_id, 1, &it) != RM_OK)
		return 0;
	struct store_msg m;
	uint32_t seq = 0, found = 0;
	while (store_iter_msg(it, &m) == 1) {
		seq++;
		if (!(m.flags & STORE_F_SEEN)) {
			found = seq;
			break;
		}
	}
	store_iter_free(&it);
	return found;
}

/* select-params: ( CONDSTORE ) — QRESYNC arrives with its issue. */
static bool parse_select_params(struct imap_cmd *cmd, bool *condstore)
{
	struct imap_parser *p = &cmd->p;
	*condstore = false;
	if (!imap_parse_try_sp(p))
		return true;
	if (!imap_parse_lparen(p))
		return false;
	do {
		struct imap_str w;
		if (!imap_parse_atom(p, &w))
			return false;
		if (imap_str_eq(&w, "CONDSTORE"))
			*condstore = true;
		else
			return imap_parse_fail(p, "Unknown SELECT parameter");
	} while (imap_parse_try_sp(p));
	return imap_parse_rparen(p);
}

static void select_common(struct imap_cmd *cmd, bool readonly)
{
	struct imap_session *s = cmd->s;
	struct imap_parser *p = &cmd->p;
	struct imap_str arg;
	bool condstore;
	if (!imap_parse_sp(p) || !imap_parse_astring(p, &arg) || !parse_select_params(cmd, &condstore) ||
	    !imap_parse_eol(p))
		return;
	/* RFC 9051 §6.3.2: a SELECT first closes the selected mailbox, even
	 * if the new one cannot be opened. */
	if (s->view) {
		view_close(s);
		s->state = IMAP_ST_AUTH;
		imap_untagged(s, "OK [CLOSED] Previous mailbox is now closed");
	}
	struct rm_buf name = { 0 };
	if (!imap_mailbox_arg(cmd, &arg, &name)) {
		rm_buf_free(&name);
		return;
	}
	if (condstore)
		s->enabled |= IMAP_EN_CONDSTORE;
	struct store_view *v;
	enum rm_err err = store_view_begin(session_part(s), &v);
	struct store_mailbox mb;
	if (err == RM_OK)
		err = store_view_mailbox(v, s->user_id, name.data, name.len, &mb);
	if (err != RM_OK) {
		if (err == RM_ERR_NOTFOUND)
			imap_cmd_reply(cmd, "NO", "[NONEXISTENT] No such mailbox");
		else
			imap_cmd_reply(cmd, "NO", "[SERVERBUG] Mailbox cannot be opened now");
		if (v)
			store_view_end(&v);
		rm_buf_free(&name);
		return;
	}
	err = view_open(s, v, &mb, readonly);
	if (err != RM_OK) {
		store_view_end(&v);
		rm_buf_free(&name);
		imap_cmd_reply(cmd, "NO", "[SERVERBUG] Mailbox cannot be opened now");
		return;
	}
	s->state = IMAP_ST_SELECTED;
	bool rev2 = s->enabled & IMAP_EN_REV2;
	write_flag_lists(s, v, readonly);
	struct rm_buf *out = imap_out(s);
	rm_buf_printf(out, "* %u EXISTS\r\n", s->view->n);
	if (!rev2) {
		rm_buf_printf(out, "* %u RECENT\r\n", view_recent_count(s->view));
		uint32_t unseen = first_unseen(s, v, mb.id);
		if (unseen)
			rm_buf_printf(out, "* OK [UNSEEN %u] First unseen\r\n", unseen);
	}
	rm_buf_printf(out, "* OK [UIDVALIDITY %u] UIDs valid\r\n", mb.uidvalidity);
	rm_buf_printf(out, "* OK [UIDNEXT %llu] Predicted next UID\r\n",
		      (unsigned long long)mb.uidnext);
	if (s->enabled & (IMAP_EN_CONDSTORE | IMAP_EN_QRESYNC))
		rm_buf_printf(out, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
			      (unsigned long long)(mb.highestmodseq ? mb.highestmodseq : 1));
	if (rev2) {
		/* RFC 9051 §6.3.2: a LIST response with the mailbox name. */
		rm_buf_puts(out, "* LIST () \"/\" ");
		mbox_name_write(mb.name, mb.name_len, true, out);
		rm_buf_append(out, "\r\n", 2);
	}
	store_view_end(&v);
	rm_buf_free(&name);
	imap_cmd_reply(cmd, "OK", "[%s] %s completed", readonly ? "READ-ONLY" : "READ-WRITE",
		       readonly ? "EXAMINE" : "SELECT");
}

void cmd_select(struct imap_cmd *cmd)
{
	select_common(cmd, false);
}

void cmd_examine(struct imap_cmd *cmd)
{
	select_common(cmd, true);
}

void cmd_unselect(struct imap_cmd *cmd)
{
	if (!imap_parse_eol(&cmd->p))
		return;
	view_close(cmd->s);
	cmd->s->state = IMAP_ST_AUTH;
	imap_cmd_reply(cmd, "OK", "Returned to authenticated state");
}

void cmd_check(struct imap_cmd *cmd)
{
	if (!imap_parse_eol(&cmd->p))
		return;
	imap_cmd_reply(cmd, "OK", "CHECK completed");
}

/* CLOSE: expunge \Deleted messages silently (no EXPUNGE responses, RFC 9051
 * §6.4.1), then leave the selected state. */
struct close_ctx {
	struct store_expunge rq;
	struct imap_cmd *cmd;
};

static void close_done(struct store_req *req)
{
	struct close_ctx *cc = RM_CONTAINER_OF(req, struct close_ctx, rq.req);
	struct imap_cmd *cmd = cc->cmd;
	view_close(cmd->s);
	cmd->s->state = IMAP_ST_AUTH;
	if (req->err != RM_OK)
		imap_cmd_reply(cmd, "NO", "[SERVERBUG] Expunge failed, mailbox closed");
	else
		imap_cmd_reply(cmd, "OK", "CLOSE completed");
	imap_cmd_async_end(cmd);
}

void cmd_close(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	if (!imap_parse_eol(&cmd->p))
		return;
	struct imap_view *view = s->view;
	uint32_t *uids = NULL;
	unsigned n = 0;
	if (!view->readonly)
		n = select_deleted_uids(s, NULL, &uids);
	if (n == 0) {
		view_close(s);
		s->state = IMAP_ST_AUTH;
		imap_cmd_reply(cmd, "OK", "CLOSE completed");
		return;
	}
	struct close_ctx *cc = rm_arena_alloc(&s->arena, sizeof(*cc));
	memset(cc, 0, sizeof(*cc));
	cc->cmd = cmd;
	cc->rq.req.done = close_done;
	cc->rq.user_id = s->user_id;
	cc->rq.mailbox_id = view->mailbox_id;
	cc->rq.uids = uids;
	cc->rq.nuids = n;
	imap_cmd_async_begin(cmd);
	store_expunge(session_part(s), &cc->rq);
}
