#include "server/imap/select.h"

#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "server/imap/mailbox_name.h"
#include "server/imap/view.h"
#include "storage/store.h"

/* Resolves a mailbox argument from the client into the internal name in
 * out.  On failure replies (NO/BAD) and returns false. */
bool imap_mailbox_arg(struct imap_cmd *cmd, const struct imap_str *arg, struct rm_buf *out)
{
	const char *why;
	bool utf8 = cmd->s->enabled & (IMAP_EN_UTF8 | IMAP_EN_REV2);
	if (arg->lit && arg->lit->has_nul) {
		imap_cmd_reply(cmd, "BAD", "NUL in mailbox name");
		return false;
	}
	enum rm_err err = mbox_name_from_client(arg->s, arg->len, utf8, out, &why);
	if (err == RM_OK)
		return true;
	if (err == RM_ERR_LIMIT)
		imap_cmd_reply(cmd, "NO", "[LIMIT] %s", why);
	else
		imap_cmd_reply(cmd, "NO", "[CANNOT] %s", why);
	return false;
}

bool select_set_resolve(struct imap_cmd *cmd, struct seqset *set, bool *uid)
{
	struct imap_view *view = cmd->s->view;
	if (set->dollar) {
		/* SEARCHRES: the saved result (UIDs), RFC 5182 §2.1. */
		const struct seqset *saved = &cmd->s->searchres;
		set->r = rm_arena_alloc(&cmd->s->arena, (saved->n ? saved->n : 1) * sizeof(*set->r));
		memcpy(set->r, saved->r, saved->n * sizeof(*set->r));
		set->n = saved->n;
		set->dollar = false;
		*uid = true;
	}
	if (*uid) {
		seqset_resolve(set, view->n ? view->uids[view->n - 1] : 0);
	} else {
		seqset_resolve(set, view->n);
		if (set->n && set->r[set->n - 1].hi > view->n) {
			imap_cmd_reply(cmd, "BAD", "Invalid sequence number (past the last message)");
			return false;
		}
	}
	return true;
}

bool select_set_next(const struct imap_view *view, const struct seqset *set, bool uid,
		     struct select_walk *w)
{
	while (w->r < set->n && w->vi < view->n) {
		const struct seq_range *r = &set->r[w->r];
		if (uid) {
			uint32_t u = view->uids[w->vi];
			if (u < r->lo)
				w->vi = view_lower_bound(view, w->vi, r->lo);
			else if (u > r->hi)
				w->r++;
			else
				return true;
		} else if (w->vi < r->lo - 1) {
			w->vi = r->lo - 1;
		} else if (w->vi <= r->hi - 1) {
			return true;
		} else {
			w->r++;
		}
	}
	return false;
}

bool select_set_uids(struct imap_cmd *cmd, struct seqset *set, bool uid, uint32_t **uids_r,
		     unsigned *n_r)
{
	struct imap_view *view = cmd->s->view;
	*uids_r = NULL;
	*n_r = 0;
	if (!select_set_resolve(cmd, set, &uid))
		return false;
	uint64_t cap = uid ? RM_MIN(seqset_count(set), (uint64_t)view->n) : seqset_count(set);
	uint32_t *uids = rm_arena_alloc(&cmd->s->arena, (size_t)(cap ? cap : 1) * sizeof(*uids));
	unsigned n = 0;
	struct select_walk w = { 0 };
	for (; select_set_next(view, set, uid, &w); w.vi++)
		uids[n++] = view->uids[w.vi];
	*uids_r = uids;
	*n_r = n;
	return true;
}

unsigned select_deleted_uids(struct imap_session *s, const struct seqset *filter,
			     uint32_t **uids_r)
{
	struct imap_view *view = s->view;
	*uids_r = NULL;
	struct store_view *v;
	if (store_view_begin(session_part(s), &v) != RM_OK)
		return 0;
	struct store_iter *it;
	unsigned n = 0, cap = 0;
	uint32_t *uids = NULL;
	if (store_view_msgs(v, view->mailbox_id, 1, &it) == RM_OK) {
		struct store_msg m;
		while (store_iter_msg(it, &m) == 1) {
			if (!(m.flags & STORE_F_DELETED) || !view_seq(view, m.uid))
				continue;
			if (filter && !seqset_contains(filter, m.uid))
				continue;
			if (n == cap) {
				unsigned ncap = cap ? cap * 2 : 64;
				uint32_t *nu = rm_arena_alloc(&s->arena, ncap * sizeof(*nu));
				if (n)
					memcpy(nu, uids, n * sizeof(*nu));
				uids = nu;
				cap = ncap;
			}
			uids[n++] = m.uid;
		}
		store_iter_free(&it);
	}
	store_view_end(&v);
	*uids_r = uids;
	return n;
}
