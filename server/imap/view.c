#include "server/imap/view.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/flags.h"
#include "server/imap/recent.h"
#include "server/imap/session.h"
#include "server/worker.h"

static void view_on_change(struct store_watch *w, uint64_t mailbox_id);

static void uids_push(struct imap_view *view, uint32_t uid)
{
	if (view->n == view->cap) {
		view->cap = view->cap ? view->cap * 2 : 64;
		view->uids = rm_realloc(view->uids, view->cap * sizeof(*view->uids));
	}
	view->uids[view->n++] = uid;
}

static void recent_add(struct imap_view *view, uint32_t lo, uint32_t hi)
{
	if (lo > hi)
		return;
	if (view->nrecent && view->recent[view->nrecent - 1].hi + 1 == lo) {
		view->recent[view->nrecent - 1].hi = hi;
		return;
	}
	view->recent = rm_realloc(view->recent, (view->nrecent + 1) * sizeof(*view->recent));
	view->recent[view->nrecent].lo = lo;
	view->recent[view->nrecent].hi = hi;
	view->nrecent++;
}

/* Claims \Recent for UIDs below uidnext not yet claimed by anyone. */
static void recent_claim_upto(struct imap_session *s, uint64_t uidnext)
{
	struct imap_view *view = s->view;
	if (view->readonly)
		return;
	uint32_t first = recent_claim(s->c->w->recent, recent_key(s->partition, view->mailbox_id),
				      uidnext);
	if ((uint64_t)first < uidnext)
		recent_add(view, first, (uint32_t)(uidnext - 1));
}

enum rm_err view_open(struct imap_session *s, struct store_view *v,
		      const struct store_mailbox *mb, bool readonly)
{
	struct imap_view *view = rm_calloc(1, sizeof(*view));
	view->s = s;
	view->mailbox_id = mb->id;
	view->uidvalidity = mb->uidvalidity;
	view->readonly = readonly;
	view->uidnext = mb->uidnext;
	view->flags_modseq = mb->highestmodseq;
	view->expunge_modseq = mb->highestmodseq;
	if (mb->messages) {
		view->cap = (uint32_t)RM_MIN(mb->messages + 16, (uint64_t)UINT32_MAX / 8);
		view->uids = rm_malloc(view->cap * sizeof(*view->uids));
	}
	struct store_iter *it;
	enum rm_err err = store_view_msgs(v, mb->id, 1, &it);
	if (err != RM_OK) {
		free(view->uids);
		free(view);
		return err;
	}
	struct store_msg m;
	int rc;
	while ((rc = store_iter_msg(it, &m)) == 1) {
		uids_push(view, m.uid);
		if (!view->first_unseen && !(m.flags & STORE_F_SEEN))
			view->first_unseen = view->n;
		if (m.nkeywords)
			view_kw_note(view, &m);
	}
	store_iter_free(&it);
	view->kw_dirty = false;
	if (rc < 0) {
		free(view->uids);
		free(view);
		return RM_ERR_IO;
	}
	s->view = view;
	/* \Recent claims survive a re-SELECT of the same mailbox in the same
	 * session: the session is still the first one told (RFC 3501 §2.3.2). */
	if (s->recent_kept_mailbox == mb->id && s->recent_kept) {
		view->recent = s->recent_kept;
		view->nrecent = s->recent_kept_n;
		s->recent_kept = NULL;
		s->recent_kept_n = 0;
	}
	recent_claim_upto(s, mb->uidnext);
	view->watch.fn = view_on_change;
	store_watch_add(session_part(s), mb->id, &view->watch);
	return RM_OK;
}

void view_close(struct imap_session *s)
{
	struct imap_view *view = s->view;
	if (!view)
		return;
	store_watch_remove(session_part(s), &view->watch);
	/* RFC 5182 §2.1: the saved result ($) is reset when the mailbox is
	 * left (CLOSE, UNSELECT) or another one selected. */
	free(s->searchres.r);
	s->searchres = (struct seqset){ 0 };
	free(view->uids);
	free(view->kwbits);
	free(s->recent_kept);
	s->recent_kept = view->recent;
	s->recent_kept_n = view->nrecent;
	s->recent_kept_mailbox = view->mailbox_id;
	free(view->silent);
	free(view);
	s->view = NULL;
}

uint32_t view_lower_bound(const struct imap_view *view, uint32_t from, uint64_t uid)
{
	uint32_t lo = from, hi = view->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (view->uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t view_seq(const struct imap_view *view, uint32_t uid)
{
	uint32_t i = view_lower_bound(view, 0, uid);
	return i < view->n && view->uids[i] == uid ? i + 1 : 0;
}

bool view_is_recent(const struct imap_view *view, uint32_t uid)
{
	/* IMAP4rev2 has no \Recent (RFC 9051 Appendix E). */
	if (view->s->enabled & IMAP_EN_REV2)
		return false;
	for (unsigned i = 0; i < view->nrecent; i++)
		if (uid >= view->recent[i].lo && uid <= view->recent[i].hi)
			return true;
	return false;
}

uint32_t view_recent_count(const struct imap_view *view)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < view->nrecent; i++)
		n += view_lower_bound(view, 0, (uint64_t)view->recent[i].hi + 1) -
		     view_lower_bound(view, 0, view->recent[i].lo);
	return n;
}

uint64_t view_known_modseq(const struct imap_view *view)
{
	uint64_t m = RM_MIN(view->flags_modseq, view->expunge_modseq);
	return m ? m : 1;
}

void imap_condstore_enable(struct imap_session *s)
{
	if (s->enabled & IMAP_EN_CONDSTORE)
		return;
	s->enabled |= IMAP_EN_CONDSTORE;
	if (s->view)
		imap_untagged(s, "OK [HIGHESTMODSEQ %llu] Highest",
			      (unsigned long long)view_known_modseq(s->view));
}

void view_silent_add(struct imap_view *view, uint32_t uid, uint64_t modseq)
{
	view->silent = rm_realloc(view->silent, (view->nsilent + 1) * sizeof(*view->silent));
	view->silent[view->nsilent].uid = uid;
	view->silent[view->nsilent].modseq = modseq;
	view->nsilent++;
}

static bool silent_skip(const struct imap_view *view, uint32_t uid, uint64_t modseq)
{
	for (unsigned i = 0; i < view->nsilent; i++)
		if (view->silent[i].uid == uid && view->silent[i].modseq == modseq)
			return true;
	return false;
}

void view_write_flags(struct rm_buf *out, struct store_view *v, uint64_t user_id,
		      const struct store_msg *m, bool recent)
{
	rm_buf_putc(out, '(');
	size_t start = out->len;
	flags_write_sys(out, m->flags);
	if (recent) {
		if (out->len > start)
			rm_buf_putc(out, ' ');
		rm_buf_puts(out, "\\Recent");
	}
	for (unsigned i = 0; i < m->nkeywords; i++) {
		const char *name;
		size_t len;
		if (store_view_keyword_name(v, user_id, store_msg_keyword(m, i), &name, &len) != RM_OK)
			continue;
		if (out->len > start)
			rm_buf_putc(out, ' ');
		rm_buf_append(out, name, len);
	}
	rm_buf_putc(out, ')');
}

void view_kw_mark(struct imap_view *view, uint16_t id)
{
	unsigned w = id / 64u;
	if (w >= view->kwwords) {
		unsigned n = RM_MAX(w + 1, view->kwwords * 2);
		view->kwbits = rm_realloc(view->kwbits, n * sizeof(*view->kwbits));
		memset(view->kwbits + view->kwwords, 0, (n - view->kwwords) * sizeof(*view->kwbits));
		view->kwwords = n;
	}
	uint64_t bit = (uint64_t)1 << (id % 64u);
	if (!(view->kwbits[w] & bit)) {
		view->kwbits[w] |= bit;
		view->kw_dirty = true;
	}
}

void view_kw_note(struct imap_view *view, const struct store_msg *m)
{
	for (unsigned i = 0; i < m->nkeywords; i++)
		view_kw_mark(view, store_msg_keyword(m, i));
}

void view_write_flag_lists(struct imap_session *s, struct store_view *v, bool readonly)
{
	struct rm_buf *out = imap_out(s);
	struct rm_buf kw = { 0 };
	struct imap_view *view = s->view;
	for (unsigned w = 0; view && w < view->kwwords; w++) {
		for (unsigned b = 0; b < 64; b++) {
			if (!(view->kwbits[w] & ((uint64_t)1 << b)))
				continue;
			const char *name;
			size_t len;
			if (store_view_keyword_name(v, s->user_id, (uint16_t)(w * 64 + b), &name, &len) != RM_OK)
				continue;
			rm_buf_putc(&kw, ' ');
			rm_buf_append(&kw, name, len);
		}
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
	if (view)
		view->kw_dirty = false;
	conn_mark_dirty(s->c);
}

void view_sync_keywords(struct imap_session *s, struct store_view *v)
{
	if (s->view && s->view->kw_dirty)
		view_write_flag_lists(s, v, s->view->readonly);
}

/* ---- sync ----------------------------------------------------------------- */

static int u32_cmp_desc(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

static void seq_push(uint32_t **seqs, size_t *n, size_t *cap, uint32_t seq)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*seqs = rm_realloc(*seqs, *cap * sizeof(**seqs));
	}
	(*seqs)[(*n)++] = seq;
}

/* Sequence numbers of the view's messages that are gone: from the vanished
 * history since the view's MODSEQ, or, when the history was trimmed past it
 * (vanished_floor_modseq, config vanished_keep), by walking the mailbox
 * against the view. */
static enum rm_err gone_seqs(struct imap_view *view, struct store_view *v, uint64_t floor,
			     uint32_t **seqs, size_t *n)
{
	size_t cap = 0;
	struct store_iter *it;
	if (view->expunge_modseq < floor) {
		if (!view->n || store_view_msgs(v, view->mailbox_id, view->uids[0], &it) != RM_OK)
			return view->n ? RM_ERR_IO : RM_OK;
		struct store_msg m;
		int rc = store_iter_msg(it, &m);
		for (uint32_t i = 0; i < view->n; i++) {
			while (rc == 1 && m.uid < view->uids[i])
				rc = store_iter_msg(it, &m);
			if (rc < 0)
				break;
			if (rc == 0 || m.uid != view->uids[i])
				seq_push(seqs, n, &cap, i + 1);
		}
		store_iter_free(&it);
		return rc < 0 ? RM_ERR_IO : RM_OK;
	}
	if (store_view_vanished(v, view->mailbox_id, view->expunge_modseq, &it) != RM_OK)
		return RM_ERR_IO;
	uint32_t uid;
	uint64_t modseq;
	while (store_iter_vanished(it, &uid, &modseq) == 1) {
		uint32_t seq = view_seq(view, uid);
		if (seq)
			seq_push(seqs, n, &cap, seq);
	}
	store_iter_free(&it);
	return RM_OK;
}

/* Expunges reported: EXPUNGE per message (highest sequence number first,
 * so every number is valid when sent) or one VANISHED (RFC 7162 §3.2.10). */
static void sync_expunges(struct imap_session *s, struct store_view *v,
			  const struct store_mailbox *mb)
{
	struct imap_view *view = s->view;
	uint32_t *seqs = NULL;
	size_t n = 0;
	if (gone_seqs(view, v, mb->vanished_floor_modseq, &seqs, &n) != RM_OK) {
		free(seqs);
		return;
	}
	view->expunge_modseq = mb->highestmodseq;
	if (!n)
		return;
	qsort(seqs, n, sizeof(*seqs), u32_cmp_desc);
	struct rm_buf *out = imap_out(s);
	if (s->enabled & IMAP_EN_QRESYNC) {
		/* seqs descend, so their UIDs descend: write ranges ascending. */
		rm_buf_puts(out, "* VANISHED ");
		for (size_t i = n; i-- > 0;) {
			uint32_t lo = view->uids[seqs[i] - 1], hi = lo;
			while (i > 0 && view->uids[seqs[i - 1] - 1] == hi + 1)
				hi = view->uids[seqs[--i] - 1];
			if (out->data[out->len - 1] != ' ')
				rm_buf_putc(out, ',');
			rm_buf_put_u64(out, lo);
			if (hi != lo) {
				rm_buf_putc(out, ':');
				rm_buf_put_u64(out, hi);
			}
		}
		rm_buf_append(out, "\r\n", 2);
	} else {
		for (size_t i = 0; i < n; i++)
			rm_buf_printf(out, "* %u EXPUNGE\r\n", seqs[i]);
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t seq = seqs[i];
		memmove(view->uids + seq - 1, view->uids + seq, (view->n - seq) * sizeof(*view->uids));
		view->n--;
	}
	/* RFC 3501 §7.3.2: RECENT follows a change of the count; when new
	 * messages follow (sync_new), once after their EXISTS. */
	if (!(s->enabled & IMAP_EN_REV2) && mb->uidnext <= view->uidnext &&
	    view_recent_count(view) != view->recent_reported) {
		view->recent_reported = view_recent_count(view);
		rm_buf_printf(out, "* %u RECENT\r\n", view->recent_reported);
	}
	free(seqs);
	conn_mark_dirty(s->c);
}

static void sync_new(struct imap_session *s, struct store_view *v, const struct store_mailbox *mb)
{
	struct imap_view *view = s->view;
	if (mb->uidnext <= view->uidnext)
		return;
	struct store_iter *it;
	if (store_view_msgs(v, view->mailbox_id, (uint32_t)view->uidnext, &it) != RM_OK)
		return;
	uint32_t before = view->n;
	if (!view->announced_from)
		view->announced_from = view->uidnext;
	struct store_msg m;
	while (store_iter_msg(it, &m) == 1) {
		if (m.uid >= view->uidnext) {
			uids_push(view, m.uid);
			view_kw_note(view, &m);
		}
	}
	store_iter_free(&it);
	view->uidnext = mb->uidnext;
	recent_claim_upto(s, mb->uidnext);
	bool grew = view->n != before;
	struct rm_buf *out = imap_out(s);
	if (grew)
		rm_buf_printf(out, "* %u EXISTS\r\n", view->n);
	if (!(s->enabled & IMAP_EN_REV2) &&
	    (grew || view_recent_count(view) != view->recent_reported)) {
		view->recent_reported = view_recent_count(view);
		rm_buf_printf(out, "* %u RECENT\r\n", view->recent_reported);
	}
	conn_mark_dirty(s->c);
}

/* A first pass over the flag changes: keywords new to the mailbox are
 * announced (FLAGS) before the FETCH responses that use them. */
static void sync_flags_keywords(struct imap_session *s, struct store_view *v)
{
	struct imap_view *view = s->view;
	struct store_iter *it;
	if (store_view_changed(v, view->mailbox_id, view->flags_modseq, &it) != RM_OK)
		return;
	struct store_msg m;
	while (store_iter_msg(it, &m) == 1)
		if (view_seq(view, m.uid))
			view_kw_note(view, &m);
	store_iter_free(&it);
}

static void sync_flags(struct imap_session *s, struct store_view *v, uint64_t upto,
		       uint32_t new_from_uid, bool send_uid)
{
	struct imap_view *view = s->view;
	struct store_iter *it;
	if (store_view_changed(v, view->mailbox_id, view->flags_modseq, &it) != RM_OK)
		return;
	struct rm_buf *out = imap_out(s);
	bool modseq = s->enabled & (IMAP_EN_CONDSTORE | IMAP_EN_QRESYNC);
	struct store_msg m;
	while (store_iter_msg(it, &m) == 1) {
		/* New messages were announced with EXISTS; the client fetches
		 * their flags itself. */
		if (m.uid >= new_from_uid)
			continue;
		uint32_t seq = view_seq(view, m.uid);
		if (!seq || silent_skip(view, m.uid, m.modseq))
			continue;
		rm_buf_printf(out, "* %u FETCH (", seq);
		if (send_uid)
			rm_buf_printf(out, "UID %u ", m.uid);
		rm_buf_puts(out, "FLAGS ");
		view_write_flags(out, v, s->user_id, &m, view_is_recent(view, m.uid));
		if (modseq)
			rm_buf_printf(out, " MODSEQ (%llu)", (unsigned long long)m.modseq);
		rm_buf_append(out, ")\r\n", 3);
		conn_mark_dirty(s->c);
	}
	store_iter_free(&it);
	view->flags_modseq = upto;
	view->nsilent = 0;
}

void view_sync(struct imap_session *s, bool allow_expunge, bool send_uid)
{
	struct imap_view *view = s->view;
	if (!view)
		return;
	struct store_view *v;
	if (store_view_begin(session_part(s), &v) != RM_OK)
		return;
	struct store_mailbox mb;
	enum rm_err err = store_view_mailbox_by_id(v, view->mailbox_id, &mb);
	if (err == RM_ERR_NOTFOUND) {
		store_view_end(&v);
		/* Deleted.  By this session's own DELETE: it simply leaves the
		 * selected state (RFC 9051 §6.3.5 permits deleting any
		 * mailbox).  By another session: nothing sensible is left to
		 * show, so BYE, as Dovecot and James do. */
		bool own = s->cmd.active && s->cmd.def && !strcmp(s->cmd.def->name, "DELETE");
		view_close(s);
		s->state = IMAP_ST_AUTH;
		if (!own)
			imap_bye(s, "Selected mailbox was deleted, have to disconnect");
		return;
	}
	if (err != RM_OK) {
		store_view_end(&v);
		return;
	}
	if (allow_expunge && mb.highestmodseq > view->expunge_modseq)
		sync_expunges(s, v, &mb);
	sync_new(s, v, &mb);
	if (mb.highestmodseq > view->flags_modseq)
		sync_flags_keywords(s, v);
	view_sync_keywords(s, v);
	if (mb.highestmodseq > view->flags_modseq)
		sync_flags(s, v, mb.highestmodseq,
			   (uint32_t)RM_MIN(view->announced_from ? view->announced_from : view->uidnext,
					    (uint64_t)UINT32_MAX), send_uid);
	view->announced_from = 0;
	store_view_end(&v);
}

void view_sync_new(struct imap_session *s)
{
	struct imap_view *view = s->view;
	if (!view)
		return;
	struct store_view *v;
	if (store_view_begin(session_part(s), &v) != RM_OK)
		return;
	struct store_mailbox mb;
	if (store_view_mailbox_by_id(v, view->mailbox_id, &mb) == RM_OK && mb.uidnext > view->uidnext) {
		sync_new(s, v, &mb);
		view_sync_keywords(s, v);
	}
	store_view_end(&v);
}

static void view_on_change(struct store_watch *w, uint64_t mailbox_id)
{
	struct imap_view *view = RM_CONTAINER_OF(w, struct imap_view, watch);
	struct imap_session *s = view->s;
	if (view->idling && !s->c->closing) {
		view_sync(s, true, (s->enabled & IMAP_EN_QRESYNC) != 0);
		conn_mark_dirty(s->c);
	}
}
