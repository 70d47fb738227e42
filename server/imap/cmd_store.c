/*
 * STORE and UID STORE (RFC 9051 §6.4.6) with UNCHANGEDSINCE (RFC 7162
 * §3.1.3): one store request; when it is durable, an untagged FETCH with the
 * flags of every message of the set (unless .SILENT), and the view is told
 * not to report these changes again.
 */
#include <string.h>

#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/flags.h"
#include "server/imap/select.h"
#include "server/imap/view.h"
#include "storage/store.h"

struct store_ctx {
	struct imap_cmd *cmd;
	struct store_flags rq;
	size_t *kw_lens;
	bool silent;
};

static void store_done(struct store_req *req)
{
	struct store_ctx *sc = RM_CONTAINER_OF(req, struct store_ctx, rq.req);
	struct imap_cmd *cmd = sc->cmd;
	struct imap_session *s = cmd->s;
	if (req->err != RM_OK || imap_cmd_dead(cmd) || !s->view) {
		if (req->err == RM_ERR_LIMIT)
			imap_cmd_reply(cmd, "NO", "[LIMIT] Too many keywords");
		else if (req->err != RM_OK)
			imap_reply_store_failure(cmd, "STORE", req->err);
		else
			imap_cmd_reply(cmd, "OK", "STORE completed");
		imap_cmd_async_end(cmd);
		return;
	}
	struct imap_view *view = s->view;
	struct store_view *v = NULL;
	bool modseq = s->enabled & (IMAP_EN_CONDSTORE | IMAP_EN_QRESYNC);
	bool send_uid = cmd->uid || (s->enabled & IMAP_EN_QRESYNC);
	struct rm_buf *out = imap_out(s);
	struct rm_buf modified = { 0 };
	if (store_view_begin(session_part(s), &v) == RM_OK) {
		/* Keywords this STORE put into the mailbox for the first time
		 * are announced before the FETCH responses. */
		if (sc->rq.mode != STORE_FLAGS_REMOVE) {
			for (unsigned k = 0; k < sc->rq.nkeywords; k++) {
				uint16_t id;
				if (store_view_keyword_id(v, s->user_id, sc->rq.keywords[k],
							  sc->rq.keyword_lens[k], &id) == RM_OK)
					view_kw_mark(view, id);
			}
		}
		view_sync_keywords(s, v);
		if (sc->silent)
			store_view_end(&v);
	} else {
		v = NULL;
	}
	for (unsigned i = 0; i < sc->rq.nuids; i++) {
		const struct store_flag_result *r = &sc->rq.results[i];
		uint32_t uid = sc->rq.uids[i];
		if (r->status == STORE_FLAG_MODIFIED) {
			if (modified.len)
				rm_buf_putc(&modified, ',');
			rm_buf_put_u64(&modified, cmd->uid ? uid : view_seq(view, uid));
			continue;
		}
		if (r->status == STORE_FLAG_ABSENT)
			continue;
		if (r->status == STORE_FLAG_CHANGED) {
			view_silent_add(view, uid, r->modseq);
			/* RFC 7162 §3.1.3: a conditional STORE reports the new
			 * MODSEQ even when .SILENT. */
			if (!v && sc->rq.unchangedsince) {
				rm_buf_printf(out, "* %u FETCH (", view_seq(view, uid));
				if (send_uid)
					rm_buf_printf(out, "UID %u ", uid);
				rm_buf_printf(out, "MODSEQ (%llu))\r\n", (unsigned long long)r->modseq);
			}
		}
		if (!v)
			continue;
		struct store_msg m;
		if (store_view_msg(v, view->mailbox_id, uid, &m) != RM_OK)
			continue;
		rm_buf_printf(out, "* %u FETCH (", view_seq(view, uid));
		if (send_uid)
			rm_buf_printf(out, "UID %u ", uid);
		rm_buf_puts(out, "FLAGS ");
		view_write_flags(out, v, s->user_id, &m, view_is_recent(view, uid));
		if (modseq)
			rm_buf_printf(out, " MODSEQ (%llu)", (unsigned long long)m.modseq);
		rm_buf_append(out, ")\r\n", 3);
	}
	if (v)
		store_view_end(&v);
	conn_mark_dirty(s->c);
	if (modified.len)
		imap_cmd_reply(cmd, "OK", "[MODIFIED %s] Conditional STORE failed for some messages",
			       rm_buf_cstr(&modified));
	else
		imap_cmd_reply(cmd, "OK", "STORE completed");
	rm_buf_free(&modified);
	imap_cmd_async_end(cmd);
}

/* [SP "(" UNCHANGEDSINCE n ")"] (RFC 7162 §3.1.3, store-modifiers). */
static bool parse_modifiers(struct imap_parser *p, uint64_t *unchangedsince, bool *given)
{
	if (imap_parse_peek(p) != '(')
		return true;
	imap_parse_lparen(p);
	do {
		struct imap_str w;
		if (!imap_parse_atom(p, &w))
			return false;
		if (!imap_str_eq(&w, "UNCHANGEDSINCE"))
			return imap_parse_fail(p, "Unknown STORE modifier");
		if (!imap_parse_sp(p) || !imap_parse_number64(p, unchangedsince))
			return false;
		*given = true;
	} while (imap_parse_try_sp(p));
	return imap_parse_rparen(p) && imap_parse_sp(p);
}

/* Flags as a list "(\Seen x)" or bare "\Seen x" (RFC 9051 §9 store-att-flags). */
static bool parse_store_flags(struct imap_parser *p, struct imap_flag_list *fl)
{
	if (imap_parse_peek(p) == '(')
		return flags_parse_list(p, fl);
	/* Wrap the bare form: parse "(" ... ")" over the rest of the line. */
	size_t n = (size_t)(p->end - p->p);
	char *wrapped = rm_arena_alloc(p->arena, n + 3);
	wrapped[0] = '(';
	memcpy(wrapped + 1, p->p, n);
	wrapped[n + 1] = ')';
	wrapped[n + 2] = '\0';
	struct imap_parser sub = *p;
	sub.p = wrapped;
	sub.end = wrapped + n + 2;
	bool ok = flags_parse_list(&sub, fl);
	p->error = sub.error;
	p->depth = sub.depth;
	if (ok)
		p->p = p->end;
	return ok;
}

void cmd_store(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_parser *p = &cmd->p;
	struct store_ctx *sc = rm_arena_alloc(&s->arena, sizeof(*sc));
	memset(sc, 0, sizeof(*sc));
	sc->cmd = cmd;
	struct seqset set;
	struct imap_str op;
	struct imap_flag_list fl;
	uint64_t unchangedsince = 0;
	bool has_unchangedsince = false;
	if (!imap_parse_sp(p) || !seqset_parse(p, true, &set) || !imap_parse_sp(p) ||
	    !parse_modifiers(p, &unchangedsince, &has_unchangedsince) || !imap_parse_word(p, "()", &op) ||
	    !imap_parse_sp(p) || !parse_store_flags(p, &fl) || !imap_parse_eol(p))
		return;
	const char *o = op.s;
	size_t olen = op.len;
	enum store_flags_mode mode = STORE_FLAGS_REPLACE;
	if (olen && (o[0] == '+' || o[0] == '-')) {
		mode = o[0] == '+' ? STORE_FLAGS_ADD : STORE_FLAGS_REMOVE;
		o++;
		olen--;
	}
	if (olen == 12 && rm_strncasecmp_ascii(o, "FLAGS.SILENT", 12) == 0)
		sc->silent = true;
	else if (!(olen == 5 && rm_strncasecmp_ascii(o, "FLAGS", 5) == 0)) {
		imap_parse_fail(p, "Expected FLAGS, +FLAGS or -FLAGS");
		return;
	}
	if (s->view->readonly) {
		imap_cmd_reply(cmd, "NO", "Mailbox is read-only");
		return;
	}
	if (has_unchangedsince)
		imap_condstore_enable(s);
	uint32_t *uids;
	unsigned n;
	if (!select_set_uids(cmd, &set, cmd->uid, &uids, &n))
		return;
	if (n == 0) {
		imap_cmd_reply(cmd, "OK", "STORE completed (no messages)");
		return;
	}
	if (has_unchangedsince && unchangedsince == 0) {
		/* RFC 7162 §3.1.3: UNCHANGEDSINCE 0 fails for every message
		 * (its flags exist).  The store reads 0 as "no condition". */
		struct rm_buf set_out = { 0 };
		for (unsigned i = 0; i < n; i++) {
			if (i)
				rm_buf_putc(&set_out, ',');
			rm_buf_put_u64(&set_out, cmd->uid ? uids[i] : view_seq(s->view, uids[i]));
		}
		imap_cmd_reply(cmd, "OK", "[MODIFIED %s] Conditional STORE failed", rm_buf_cstr(&set_out));
		rm_buf_free(&set_out);
		return;
	}
	sc->rq.req.done = store_done;
	sc->rq.user_id = s->user_id;
	sc->rq.mailbox_id = s->view->mailbox_id;
	sc->rq.uids = uids;
	sc->rq.nuids = n;
	sc->rq.mode = mode;
	sc->rq.flags = fl.sys;
	if (fl.nkeywords) {
		sc->kw_lens = rm_arena_alloc(&s->arena, fl.nkeywords * sizeof(size_t));
		for (unsigned k = 0; k < fl.nkeywords; k++)
			sc->kw_lens[k] = strlen(fl.keywords[k]);
		sc->rq.keywords = fl.keywords;
		sc->rq.keyword_lens = sc->kw_lens;
		sc->rq.nkeywords = fl.nkeywords;
	}
	sc->rq.unchangedsince = unchangedsince;
	sc->rq.results = rm_arena_alloc(&s->arena, n * sizeof(*sc->rq.results));
	imap_cmd_async_begin(cmd);
	store_flags(session_part(s), &sc->rq);
}
