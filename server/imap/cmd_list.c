/*
 * LIST (RFC 9051 §6.3.9 with LIST-EXTENDED RFC 5258, CHILDREN RFC 3348,
 * SPECIAL-USE RFC 6154, LIST-STATUS RFC 5819), LSUB (RFC 3501 §6.3.9) and
 * NAMESPACE (RFC 2342).
 *
 * One pass over the user's mailboxes (and subscriptions when asked) builds
 * a list of names in hierarchical order — '/' sorts before every other
 * byte, so a name's inferiors follow it contiguously — with every superior
 * of every name present, as a "virtual" entry when no mailbox has that
 * name.  Each entry knows whether it exists, is subscribed, satisfies the
 * selection criteria and matches a pattern; one backward pass gives each
 * entry what its inferiors have (an existing one: \HasChildren; one that
 * satisfies the criteria without matching a pattern: the reason to list a
 * superior, RFC 5258 §3.3 rule 2B).
 *
 * What is listed, for a name that matches a pattern:
 *   - it satisfies the criteria: listed with its attributes;
 *   - it does not, but an inferior does without matching a pattern:
 *       LSUB: "\Noselect" (RFC 3501 §6.3.9, "foo" for a subscribed "foo/bar");
 *       RECURSIVEMATCH: with CHILDINFO (RFC 5258 §3.5);
 *       plain criteria (the name exists): the name is a superior that does
 *       not exist: "\NonExistent \HasChildren" (RFC 5258 §3.5 note), or
 *       "\Noselect" for IMAP4rev1 clients using the basic syntax, which do
 *       not know \NonExistent (RFC 3501 §6.3.8 "%" rule);
 *       SUBSCRIBED or SPECIAL-USE without RECURSIVEMATCH: not listed
 *       (RFC 5258 example 7A).
 * \HasChildren/\HasNoChildren and special-use attributes are always
 * returned (RFC 3348 and RFC 6154 §2 allow it; CHILDREN and SPECIAL-USE
 * return options are accepted and change nothing); \Subscribed only with
 * the SUBSCRIBED option.  INBOX matches patterns case-insensitively.
 *
 * The whole reply is built with one read view open (the names point into
 * it) and appended to the output at once: bounded by
 * RM_MAILBOXES_PER_USER_MAX names, a few MiB at most.
 */
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/list_parse.h"
#include "server/imap/mailbox_name.h"
#include "server/imap/status.h"
#include "storage/store.h"

struct list_ent {
	const char *name;          /* into the view, or a prefix of another name */
	size_t len;
	int32_t mb;                /* index in list_ctx.mbs, -1: no such mailbox */
	int32_t parent;            /* index of the superior entry, -1: top level */
	bool subscribed;
	bool sel;                  /* satisfies the selection criteria */
	bool match;                /* matches a pattern */
	bool has_child;            /* an existing inferior */
	bool child_sel;            /* an inferior satisfies the criteria */
	bool child_sel_unmatched;  /* ... and matches no pattern */
};

struct list_ctx {
	struct imap_session *s;
	const struct list_args *a;
	bool lsub;
	bool utf8;
	struct list_pattern *pats;
	unsigned npats;
	struct store_mailbox *mbs;
	size_t nmbs;
	struct list_ent *e;        /* heap arrays, freed at the end */
	size_t n, cap;
};

static void ent_push(struct list_ctx *lc, const char *name, size_t len, int32_t mb, bool sub)
{
	if (lc->n == lc->cap) {
		lc->cap = lc->cap ? 2 * lc->cap : 64;
		lc->e = rm_realloc(lc->e, lc->cap * sizeof(*lc->e));
	}
	struct list_ent *e = &lc->e[lc->n++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	e->len = len;
	e->mb = mb;
	e->parent = -1;
	e->subscribed = sub;
}

/* Byte order with the delimiter below every other byte (names hold no
 * control characters): a mailbox is followed by its inferiors. */
static int hier_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = RM_MIN(alen, blen);
	for (size_t i = 0; i < n; i++) {
		unsigned ca = a[i] == MBOX_DELIM ? 1u : (unsigned char)a[i];
		unsigned cb = b[i] == MBOX_DELIM ? 1u : (unsigned char)b[i];
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen;
}

static int ent_cmp(const void *x, const void *y)
{
	const struct list_ent *a = x, *b = y;
	int c = hier_cmp(a->name, a->len, b->name, b->len);
	/* Equal names: the existing mailbox first, so merging keeps it. */
	return c ? c : (a->mb < 0) - (b->mb < 0);
}

/* True when anc is name or one of its superiors. */
static bool is_within(const char *anc, size_t alen, const char *name, size_t len)
{
	return len >= alen && memcmp(anc, name, alen) == 0 &&
	       (len == alen || name[alen] == MBOX_DELIM);
}

/* Mailboxes, and subscriptions when the command needs them. */
static enum rm_err list_load(struct list_ctx *lc, struct store_view *v, bool subs)
{
	struct store_iter *it;
	enum rm_err err = store_view_mailboxes(v, lc->s->user_id, &it);
	if (err)
		return err;
	size_t cap = 0;
	int rc;
	struct store_mailbox mb;
	while ((rc = store_iter_mailbox(it, &mb)) == 1) {
		if (lc->nmbs == cap) {
			cap = cap ? 2 * cap : 16;
			lc->mbs = rm_realloc(lc->mbs, cap * sizeof(*lc->mbs));
		}
		lc->mbs[lc->nmbs] = mb;
		ent_push(lc, mb.name, mb.name_len, (int32_t)lc->nmbs, mb.subscribed);
		lc->nmbs++;
	}
	store_iter_free(&it);
	if (rc < 0 || !subs)
		return rc < 0 ? RM_ERR_IO : RM_OK;
	if ((err = store_view_subscriptions(v, lc->s->user_id, &it)) != RM_OK)
		return err;
	const char *name;
	size_t len;
	while ((rc = store_iter_name(it, &name, &len)) == 1)
		ent_push(lc, name, len, -1, true);
	store_iter_free(&it);
	return rc < 0 ? RM_ERR_IO : RM_OK;
}

/* Sorts, merges a subscription into its mailbox, and inserts the missing
 * superiors: a superior A of entry i is missing unless the entry before i
 * is A or inside A (inferiors of A are contiguous). */
static void list_arrange(struct list_ctx *lc)
{
	qsort(lc->e, lc->n, sizeof(*lc->e), ent_cmp);
	struct list_ent *in = lc->e;
	size_t n_in = lc->n;
	lc->e = NULL;
	lc->n = lc->cap = 0;
	for (size_t i = 0; i < n_in; i++) {
		const struct list_ent *x = &in[i];
		if (lc->n && lc->e[lc->n - 1].len == x->len &&
		    memcmp(lc->e[lc->n - 1].name, x->name, x->len) == 0) {
			lc->e[lc->n - 1].subscribed |= x->subscribed;
			continue;
		}
		for (size_t k = 1; k < x->len; k++) {
			if (x->name[k] != MBOX_DELIM)
				continue;
			const struct list_ent *prev = lc->n ? &lc->e[lc->n - 1] : NULL;
			if (!prev || !is_within(x->name, k, prev->name, prev->len))
				ent_push(lc, x->name, k, -1, false);
		}
		ent_push(lc, x->name, x->len, x->mb, x->subscribed);
	}
	free(in);
}

static bool list_selects(const struct list_ctx *lc, const struct list_ent *e)
{
	bool subscribed_only = lc->lsub || (lc->a->select & LIST_SEL_SUBSCRIBED);
	if (subscribed_only ? !e->subscribed : e->mb < 0)
		return false;
	if (lc->a->select & LIST_SEL_SPECIAL_USE)
		return e->mb >= 0 && lc->mbs[e->mb].special_use != 0;
	return true;
}

/* sel, match, parents (a stack of the open superiors), then what each
 * entry's inferiors have, children before parents. */
static void list_compute(struct list_ctx *lc)
{
	/* A stored name has at most one level per two bytes. */
	int32_t stack[RM_STORE_MAILBOX_NAME_MAX_BYTES / 2 + 1];
	unsigned depth = 0;
	for (size_t i = 0; i < lc->n; i++) {
		struct list_ent *e = &lc->e[i];
		e->sel = list_selects(lc, e);
		e->match = list_parse_match(lc->pats, lc->npats, e->name, e->len);
		while (depth && !is_within(lc->e[stack[depth - 1]].name, lc->e[stack[depth - 1]].len,
					   e->name, e->len))
			depth--;
		e->parent = depth ? stack[depth - 1] : -1;
		if (depth < RM_ARRAY_LEN(stack))
			stack[depth++] = (int32_t)i;
	}
	for (size_t i = lc->n; i-- > 0;) {
		const struct list_ent *e = &lc->e[i];
		if (e->parent < 0)
			continue;
		struct list_ent *p = &lc->e[e->parent];
		p->has_child |= e->mb >= 0 || e->has_child;
		p->child_sel |= e->sel || e->child_sel;
		p->child_sel_unmatched |= (e->sel && !e->match) || e->child_sel_unmatched;
	}
}

/* Whether entry e is listed (see the top of the file). */
static bool list_shows(const struct list_ctx *lc, const struct list_ent *e)
{
	if (!e->match)
		return false;
	if (e->sel)
		return true;
	if (!e->child_sel_unmatched)
		return false;
	if (lc->lsub || (lc->a->select & LIST_SEL_RECURSIVEMATCH))
		return true;
	return !(lc->a->select & (LIST_SEL_SUBSCRIBED | LIST_SEL_SPECIAL_USE));
}

static void list_write_attrs(const struct list_ctx *lc, const struct list_ent *e,
			     struct rm_buf *out)
{
	size_t start = out->len;
	if (lc->lsub) {
		if (!e->sel)
			rm_buf_puts(out, " \\Noselect");
	} else {
		bool rev2 = lc->s->enabled & IMAP_EN_REV2;
		if (e->mb < 0)
			rm_buf_puts(out, lc->a->extended || rev2 ? " \\NonExistent" : " \\Noselect");
		rm_buf_puts(out, e->has_child ? " \\HasChildren" : " \\HasNoChildren");
		if (e->mb >= 0)
			list_parse_use_write(out, lc->mbs[e->mb].special_use);
		if ((lc->a->ret & LIST_RET_SUBSCRIBED) && e->subscribed)
			rm_buf_puts(out, " \\Subscribed");
	}
	/* The list is "(" [flags] ")": drop the first separator. */
	if (out->len > start)
		memmove(out->data + start, out->data + start + 1, --out->len - start);
}

static void list_write(struct list_ctx *lc, struct store_view *v, const struct list_ent *e)
{
	struct rm_buf *out = imap_out(lc->s);
	rm_buf_puts(out, lc->lsub ? "* LSUB (" : "* LIST (");
	list_write_attrs(lc, e, out);
	rm_buf_puts(out, ") \"/\" ");
	mbox_name_write(e->name, e->len, lc->utf8, out);
	/* RFC 5258 §3.5: CHILDINFO only under RECURSIVEMATCH. */
	if ((lc->a->select & LIST_SEL_RECURSIVEMATCH) && e->child_sel)
		rm_buf_puts(out, " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
	rm_buf_puts(out, "\r\n");
	/* RFC 5819 §2: STATUS for listed mailboxes that satisfy the criteria
	 * and can be selected. */
	if ((lc->a->ret & LIST_RET_STATUS) && e->sel && e->mb >= 0)
		cmd_status_write(lc->s, v, &lc->mbs[e->mb], lc->a->status_items);
}

static enum rm_err list_run(struct list_ctx *lc)
{
	struct store_view *v;
	enum rm_err err = store_view_begin(session_part(lc->s), &v);
	bool subs = lc->lsub || (lc->a->ret & LIST_RET_SUBSCRIBED);
	if (err == RM_OK)
		err = list_load(lc, v, subs);
	if (err == RM_OK) {
		list_arrange(lc);
		list_compute(lc);
		for (size_t i = 0; i < lc->n; i++)
			if (list_shows(lc, &lc->e[i]))
				list_write(lc, v, &lc->e[i]);
	}
	store_view_end(&v);
	free(lc->e);
	free(lc->mbs);
	return err;
}

static void list_common(struct imap_cmd *cmd, bool lsub)
{
	struct imap_session *s = cmd->s;
	struct list_args a;
	if (!list_parse_args(&cmd->p, lsub, &a))
		return;
	const char *verb = lsub ? "LSUB" : "LIST";
	if (!a.extended && a.pats[0].len == 0) {
		/* RFC 9051 §6.3.9: the delimiter and the (empty) root. */
		imap_untagged(s, "%s (\\Noselect) \"/\" \"\"", verb);
		imap_cmd_reply(cmd, "OK", "%s completed", verb);
		return;
	}
	struct list_ctx lc = {
		.s = s,
		.a = &a,
		.lsub = lsub,
		.utf8 = (s->enabled & (IMAP_EN_UTF8 | IMAP_EN_REV2)) != 0,
	};
	lc.npats = list_parse_patterns(&a, lc.utf8, &s->arena, &lc.pats);
	enum rm_err err = lc.npats ? list_run(&lc) : RM_OK;
	if (err != RM_OK)
		imap_cmd_reply(cmd, "NO", "[SERVERBUG] %s failed: %s", verb, rm_err_str(err));
	else
		imap_cmd_reply(cmd, "OK", "%s completed", verb);
}

void cmd_list(struct imap_cmd *cmd)
{
	list_common(cmd, false);
}

void cmd_lsub(struct imap_cmd *cmd)
{
	list_common(cmd, true);
}

void cmd_namespace(struct imap_cmd *cmd)
{
	if (!imap_parse_eol(&cmd->p))
		return;
	/* RFC 2342 §5: one personal namespace, no other users', no shared. */
	imap_untagged(cmd->s, "NAMESPACE ((\"\" \"/\")) NIL NIL");
	imap_cmd_reply(cmd, "OK", "NAMESPACE completed");
}
