/* EXPUNGE (RFC 9051 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1): the EXPUNGE
 * responses come from the view sync before the tagged reply. */
#include <string.h>

#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/select.h"
#include "server/imap/view.h"
#include "storage/store.h"

struct expunge_ctx {
	struct imap_cmd *cmd;
	struct store_expunge rq;
};

static void expunge_done(struct store_req *req)
{
	struct expunge_ctx *ec = RM_CONTAINER_OF(req, struct expunge_ctx, rq.req);
	struct imap_cmd *cmd = ec->cmd;
	struct imap_session *s = cmd->s;
	uint64_t highest = 0;
	if (req->err == RM_OK && ec->rq.expunged && (s->enabled & IMAP_EN_QRESYNC) && s->view) {
		/* RFC 7162 §3.2.7: the new HIGHESTMODSEQ in the tagged OK; the
		 * sync before the reply brings the view exactly there. */
		struct store_view *v;
		struct store_mailbox mb;
		if (store_view_begin(session_part(s), &v) == RM_OK) {
			if (store_view_mailbox_by_id(v, s->view->mailbox_id, &mb) == RM_OK)
				highest = mb.highestmodseq;
			store_view_end(&v);
		}
	}
	if (req->err != RM_OK)
		imap_reply_store_failure(cmd, "EXPUNGE", req->err);
	else if (highest)
		imap_cmd_reply(cmd, "OK", "[HIGHESTMODSEQ %llu] EXPUNGE completed",
			       (unsigned long long)highest);
	else
		imap_cmd_reply(cmd, "OK", "EXPUNGE completed");
	imap_cmd_async_end(cmd);
}

void cmd_expunge(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_parser *p = &cmd->p;
	struct seqset set;
	bool filtered = false;
	if (cmd->uid) {
		if (!imap_parse_sp(p) || !seqset_parse(p, true, &set))
			return;
		filtered = true;
	}
	if (!imap_parse_eol(p))
		return;
	if (s->view->readonly) {
		imap_cmd_reply(cmd, "NO", "Mailbox is read-only");
		return;
	}
	if (filtered) {
		uint32_t *u;
		unsigned n;
		/* Resolve "$" and "*" the same way every UID set is. */
		if (!select_set_uids(cmd, &set, true, &u, &n))
			return;
		seqset_from_sorted(&set, u, n, &s->arena);
	}
	uint32_t *uids;
	unsigned n = select_deleted_uids(s, filtered ? &set : NULL, &uids);
	if (n == 0) {
		imap_cmd_reply(cmd, "OK", "EXPUNGE completed");
		return;
	}
	struct expunge_ctx *ec = rm_arena_alloc(&s->arena, sizeof(*ec));
	memset(ec, 0, sizeof(*ec));
	ec->cmd = cmd;
	ec->rq.req.done = expunge_done;
	ec->rq.user_id = s->user_id;
	ec->rq.mailbox_id = s->view->mailbox_id;
	ec->rq.uids = uids;
	ec->rq.nuids = n;
	imap_cmd_async_begin(cmd);
	store_expunge(session_part(s), &ec->rq);
}
