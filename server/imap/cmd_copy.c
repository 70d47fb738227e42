/*
 * COPY, MOVE (RFC 6851) and their UID forms, with UIDPLUS's COPYUID
 * (RFC 4315 §3).  Copies share the stored bytes (no message is written
 * again); MOVE copies and expunges in one group commit, so a crash leaves
 * either the source or the target holding each message, never neither.
 */
#include <string.h>

#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/recent.h"
#include "server/worker.h"
#include "server/imap/select.h"
#include "server/imap/view.h"
#include "storage/store.h"

struct copy_ctx {
	struct imap_cmd *cmd;
	struct store_copy rq;
};

/* "src-uids dst-uids" of what was copied, both in source order. */
static void write_uid_pairs(const struct store_copy *rq, struct rm_buf *src, struct rm_buf *dst)
{
	for (unsigned i = 0; i < rq->nuids; i++) {
		if (!rq->new_uids[i])
			continue;
		unsigned j = i;
		while (j + 1 < rq->nuids && rq->new_uids[j + 1] &&
		       rq->uids[j + 1] == rq->uids[j] + 1 && rq->new_uids[j + 1] == rq->new_uids[j] + 1)
			j++;
		if (src->len) {
			rm_buf_putc(src, ',');
			rm_buf_putc(dst, ',');
		}
		rm_buf_put_u64(src, rq->uids[i]);
		rm_buf_put_u64(dst, rq->new_uids[i]);
		if (j > i) {
			rm_buf_putc(src, ':');
			rm_buf_put_u64(src, rq->uids[j]);
			rm_buf_putc(dst, ':');
			rm_buf_put_u64(dst, rq->new_uids[j]);
		}
		i = j;
	}
}

static void copy_done(struct store_req *req)
{
	struct copy_ctx *cc = RM_CONTAINER_OF(req, struct copy_ctx, rq.req);
	struct imap_cmd *cmd = cc->cmd;
	const char *verb = cc->rq.move ? "MOVE" : "COPY";
	if (req->err == RM_ERR_NOTFOUND) {
		imap_cmd_reply(cmd, "NO", "[TRYCREATE] No such mailbox");
	} else if (req->err == RM_ERR_LIMIT) {
		imap_cmd_reply(cmd, "NO", "[LIMIT] Target mailbox is full");
	} else if (req->err == RM_ERR_QUOTA) {
		imap_cmd_reply(cmd, "NO", "[OVERQUOTA] Quota exceeded");
	} else if (req->err != RM_OK) {
		imap_reply_store_failure(cmd, verb, req->err);
	} else if (cc->rq.copied == 0) {
		imap_cmd_reply(cmd, "OK", "%s completed (nothing to copy)", verb);
	} else {
		for (unsigned i = 0; i < cc->rq.nuids; i++)
			if (cc->rq.new_uids[i]) {
				recent_arrived(cmd->s->c->w->recent,
					       recent_key(cmd->s->partition, cc->rq.dst_mailbox_id),
					       cc->rq.new_uids[i]);
				break;
			}
		struct rm_buf src = { 0 }, dst = { 0 };
		write_uid_pairs(&cc->rq, &src, &dst);
		if (cc->rq.move) {
			/* RFC 6851 §4.3: COPYUID in an untagged OK before the
			 * EXPUNGEs, which the reply's sync sends. */
			imap_untagged(cmd->s, "OK [COPYUID %u %s %s] Moved", cc->rq.dst_uidvalidity,
				      rm_buf_cstr(&src), rm_buf_cstr(&dst));
			imap_cmd_reply(cmd, "OK", "MOVE completed");
		} else {
			imap_cmd_reply(cmd, "OK", "[COPYUID %u %s %s] COPY completed",
				       cc->rq.dst_uidvalidity, rm_buf_cstr(&src), rm_buf_cstr(&dst));
		}
		rm_buf_free(&src);
		rm_buf_free(&dst);
	}
	imap_cmd_async_end(cmd);
}

static bool copy_over_quota(struct imap_cmd *cmd, const uint32_t *uids, unsigned n)
{
	struct imap_session *s = cmd->s;
	struct store_view *v;
	if (store_view_begin(session_part(s), &v) != RM_OK)
		return false;
	uint64_t bytes = 0;
	for (unsigned i = 0; i < n; i++) {
		struct store_msg m;
		if (store_view_msg(v, s->view->mailbox_id, uids[i], &m) == RM_OK)
			bytes += m.size_bytes;
	}
	store_view_end(&v);
	return imap_quota_check(s, bytes, n) == RM_ERR_QUOTA;
}

static void copy_common(struct imap_cmd *cmd, bool move)
{
	struct imap_session *s = cmd->s;
	struct imap_parser *p = &cmd->p;
	struct seqset set;
	struct imap_str mbox;
	if (!imap_parse_sp(p) || !seqset_parse(p, true, &set) || !imap_parse_sp(p) ||
	    !imap_parse_astring(p, &mbox) || !imap_parse_eol(p))
		return;
	if (move && s->view->readonly) {
		imap_cmd_reply(cmd, "NO", "Mailbox is read-only");
		return;
	}
	struct rm_buf name = { 0 };
	if (!imap_mailbox_arg(cmd, &mbox, &name)) {
		rm_buf_free(&name);
		return;
	}
	uint32_t *uids;
	unsigned n;
	if (!select_set_uids(cmd, &set, cmd->uid, &uids, &n)) {
		rm_buf_free(&name);
		return;
	}
	struct store_mailbox mb;
	enum rm_err err = session_mailbox_find(s, name.data, name.len, &mb);
	rm_buf_free(&name);
	if (err == RM_ERR_NOTFOUND) {
		imap_cmd_reply(cmd, "NO", "[TRYCREATE] No such mailbox");
		return;
	}
	if (err != RM_OK) {
		imap_cmd_reply(cmd, "NO", "[SERVERBUG] Mailbox cannot be opened now");
		return;
	}
	if (n == 0) {
		imap_cmd_reply(cmd, "OK", "%s completed (no messages)", move ? "MOVE" : "COPY");
		return;
	}
	/* A COPY adds to the user's usage (a MOVE between the user's own
	 * mailboxes does not): RFC 9208 §4.2. */
	if (!move && copy_over_quota(cmd, uids, n)) {
		imap_cmd_reply(cmd, "NO", "[OVERQUOTA] Quota exceeded");
		return;
	}
	struct copy_ctx *cc = rm_arena_alloc(&s->arena, sizeof(*cc));
	memset(cc, 0, sizeof(*cc));
	cc->cmd = cmd;
	cc->rq.req.done = copy_done;
	cc->rq.user_id = s->user_id;
	cc->rq.src_mailbox_id = s->view->mailbox_id;
	cc->rq.dst_mailbox_id = mb.id;
	cc->rq.uids = uids;
	cc->rq.nuids = n;
	cc->rq.move = move;
	cc->rq.new_uids = rm_arena_alloc(&s->arena, n * sizeof(uint32_t));
	imap_cmd_async_begin(cmd);
	store_copy(session_part(s), &cc->rq);
}

void cmd_copy(struct imap_cmd *cmd)
{
	copy_common(cmd, false);
}

void cmd_move(struct imap_cmd *cmd)
{
	copy_common(cmd, true);
}
