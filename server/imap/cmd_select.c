/*
 * SELECT and EXAMINE (RFC 9051 §6.3.2-3, RFC 7162 §3.1.8 CONDSTORE
 * parameter), CLOSE (§6.4.1), UNSELECT (RFC 3691), CHECK (RFC 3501 §6.4.1:
 * a NOOP here, every change is already durable).
 */
#include <string.h>

#include "common/util.h"

#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/fetch_write.h"
#include "server/imap/flags.h"
#include "server/imap/mailbox_name.h"
#include "server/imap/objectid.h"
#include "server/imap/select.h"
#include "server/imap/view.h"
#include "storage/store.h"

struct select_params {
	bool condstore;
	bool qresync;
	uint32_t uidvalidity;
	uint64_t modseq;
	struct seqset known;      /* known UIDs; n == 0: not given */
	struct seqset match_seqs, match_uids;   /* seq-match-data; n == 0: none */
};

/* qresync-params (RFC 7162 §7):
 * "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
 *     [SP seq-match-data] ")" — the match data matters only when the
 * client's MODSEQ is older than the vanished history (§3.2.5.2). */
static bool parse_qresync(struct imap_cmd *cmd, struct select_params *sp)
{
	struct imap_parser *p = &cmd->p;
	if (!(cmd->s->enabled & IMAP_EN_QRESYNC))
		return imap_parse_fail(p, "QRESYNC needs ENABLE QRESYNC first");
	if (!imap_parse_sp(p) || !imap_parse_lparen(p) || !imap_parse_nz_number(p, &sp->uidvalidity) ||
	    !imap_parse_sp(p) || !imap_parse_number64(p, &sp->modseq))
		return false;
	if (sp->modseq == 0)
		return imap_parse_fail(p, "mod-sequence-value must be positive");
	sp->qresync = true;
	if (imap_parse_try_sp(p)) {
		if (imap_parse_peek(p) != '(' && !seqset_parse(p, false, &sp->known))
			return false;
		if (sp->known.n && !imap_parse_try_sp(p))
			return imap_parse_rparen(p);
		if (imap_parse_peek(p) == '(') {
			if (!imap_parse_lparen(p) || !seqset_parse(p, false, &sp->match_seqs) ||
			    !imap_parse_sp(p) || !seqset_parse(p, false, &sp->match_uids) ||
			    !imap_parse_rparen(p))
				return false;
		}
	}
	return imap_parse_rparen(p);
}

/* select-params: "(" CONDSTORE / QRESYNC (...) *(SP ...) ")" */
static bool parse_select_params(struct imap_cmd *cmd, struct select_params *sp)
{
	struct imap_parser *p = &cmd->p;
	memset(sp, 0, sizeof(*sp));
	if (!imap_parse_try_sp(p))
		return true;
	if (!imap_parse_lparen(p))
		return false;
	do {
		struct imap_str w;
		if (!imap_parse_atom(p, &w))
			return false;
		if (imap_str_eq(&w, "CONDSTORE"))
			sp->condstore = true;
		else if (imap_str_eq(&w, "QRESYNC")) {
			if (!parse_qresync(cmd, sp))
				return false;
		} else
			return imap_parse_fail(p, "Unknown SELECT parameter");
	} while (imap_parse_try_sp(p));
	return imap_parse_rparen(p);
}

/* Walks a parsed (unresolved, client-ordered) set value by value. */
struct set_walk {
	const struct seqset *s;
	size_t r;
	uint64_t next;
};

static bool set_walk_next(struct set_walk *w, uint32_t *v)
{
	while (w->r < w->s->n) {
		const struct seq_range *r = &w->s->r[w->r];
		uint32_t lo = RM_MIN(r->lo, r->hi), hi = RM_MAX(r->lo, r->hi);
		if (w->next < lo)
			w->next = lo;
		if (w->next <= hi) {
			*v = (uint32_t)w->next++;
			return true;
		}
		w->r++;
		w->next = 0;
	}
	return false;
}

/* RFC 7162 §3.2.5.2: the client knows every expunge up to the UID of the
 * last (sequence number, UID) pair that still matches the mailbox, walking
 * the pairs in order until the first that does not. */
static uint32_t seq_match_above(const struct imap_view *view, const struct select_params *sp)
{
	struct set_walk ws = { &sp->match_seqs, 0, 0 }, wu = { &sp->match_uids, 0, 0 };
	uint32_t seq, uid, above = 0;
	for (uint32_t i = 0; i < view->n && set_walk_next(&ws, &seq) && set_walk_next(&wu, &uid);
	     i++) {
		if (seq == 0 || seq > view->n || view->uids[seq - 1] != uid)
			break;
		above = uid;
	}
	return above;
}

/* QRESYNC resynchronization (RFC 7162 §3.2.5.1): what changed since the
 * client's MODSEQ among the UIDs it knows, as VANISHED (EARLIER) and FETCH
 * with UID, FLAGS and MODSEQ. */
static void select_qresync(struct imap_session *s, struct store_view *v,
			   const struct store_mailbox *mb, struct select_params *sp)
{
	if (sp->uidvalidity != mb->uidvalidity)
		return;   /* §3.2.5: mismatch: behave as if nothing changed */
	if (!sp->known.n) {
		if (mb->uidnext <= 1)
			return;
		sp->known.r = rm_arena_alloc(&s->arena, sizeof(*sp->known.r));
		sp->known.r[0].lo = 1;
		sp->known.r[0].hi = (uint32_t)RM_MIN(mb->uidnext - 1, (uint64_t)UINT32_MAX);
		sp->known.n = 1;
	} else {
		seqset_resolve(&sp->known, (uint32_t)RM_MIN(mb->uidnext - 1, (uint64_t)UINT32_MAX));
	}
	fetch_write_vanished(s, &sp->known, sp->modseq, seq_match_above(s->view, sp));
	struct store_iter *it;
	if (store_view_changed(v, mb->id, sp->modseq, &it) != RM_OK)
		return;
	struct rm_buf *out = imap_out(s);
	struct store_msg m;
	while (store_iter_msg(it, &m) == 1) {
		uint32_t seq = view_seq(s->view, m.uid);
		if (!seq || !seqset_contains(&sp->known, m.uid))
			continue;
		rm_buf_printf(out, "* %u FETCH (UID %u FLAGS ", seq, m.uid);
		view_write_flags(out, v, s->user_id, &m, view_is_recent(s->view, m.uid));
		rm_buf_printf(out, " MODSEQ (%llu))\r\n", (unsigned long long)m.modseq);
	}
	store_iter_free(&it);
}

static void select_common(struct imap_cmd *cmd, bool readonly)
{
	struct imap_session *s = cmd->s;
	struct imap_parser *p = &cmd->p;
	struct imap_str arg;
	struct select_params sp;
	if (!imap_parse_sp(p) || !imap_parse_astring(p, &arg) || !parse_select_params(cmd, &sp) ||
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
	if (sp.condstore)
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
	view_write_flag_lists(s, v, readonly);
	struct rm_buf *out = imap_out(s);
	rm_buf_printf(out, "* %u EXISTS\r\n", s->view->n);
	if (!rev2) {
		s->view->recent_reported = view_recent_count(s->view);
		rm_buf_printf(out, "* %u RECENT\r\n", s->view->recent_reported);
		/* IMAP4rev1 [UNSEEN n], found while the view was built. */
		if (s->view->first_unseen)
			rm_buf_printf(out, "* OK [UNSEEN %u] First unseen\r\n",
				      s->view->first_unseen);
	}
	rm_buf_puts(out, "* OK [MAILBOXID (");
	objectid_mailbox(out, s->partition, mb.id);
	rm_buf_puts(out, ")] Ok\r\n");
	rm_buf_printf(out, "* OK [UIDVALIDITY %u] UIDs valid\r\n", mb.uidvalidity);
	rm_buf_printf(out, "* OK [UIDNEXT %llu] Predicted next UID\r\n",
		      (unsigned long long)mb.uidnext);
	if (s->enabled & (IMAP_EN_CONDSTORE | IMAP_EN_QRESYNC))
		rm_buf_printf(out, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
			      (unsigned long long)view_known_modseq(s->view));
	if (rev2) {
		/* RFC 9051 §6.3.2: a LIST response with the mailbox name. */
		rm_buf_puts(out, "* LIST () \"/\" ");
		mbox_name_write(mb.name, mb.name_len, true, out);
		rm_buf_append(out, "\r\n", 2);
	}
	if (sp.qresync)
		select_qresync(s, v, &mb, &sp);
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
