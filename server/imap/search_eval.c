/* SEARCH program evaluation: message facts from the index, the keys that
 * need no text, three-valued combination (search_eval.h). */
#include "server/imap/search_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "index/fts_doc.h"
#include "index/mime.h"
#include "server/imap/objectid.h"

/* ---- setup ------------------------------------------------------------------ */

static bool is_text_key(const struct search_key *k)
{
	return k->kind == SK_HEADER || k->kind == SK_BODY || k->kind == SK_TEXT;
}

static bool needs_sent_date(const struct search_key *k)
{
	return k->kind == SK_SENTBEFORE || k->kind == SK_SENTON || k->kind == SK_SENTSINCE;
}

/* EMAILID (RFC 8474 §6): k->num becomes the stored bytes' LSN, k->date 1
 * when the id is one of this partition's ("M" + 4 + 16 hex digits, as
 * objectid_email writes it), 0 when it can match nothing.  THREADID:
 * k->num is the hash the messages' thread ids are compared by. */
static void prepare_objectid(struct search_state *st, struct search_key *k)
{
	if (k->kind == SK_THREADID) {
		k->num = rm_hash64(k->str, k->str_len);
		st->want_threads = true;
		return;
	}
	k->date = 0;
	if (k->str_len != 21 || k->str[0] != 'M')
		return;
	uint64_t part = 0, lsn = 0;
	for (size_t i = 1; i < 21; i++) {
		int d = rm_hex_digit(k->str[i]);
		if (d < 0 || (k->str[i] >= 'A' && k->str[i] <= 'F'))
			return;      /* ids are written in lower case */
		if (i < 5)
			part = part << 4 | (unsigned)d;
		else
			lsn = lsn << 4 | (unsigned)d;
	}
	if (part != (st->r->partition & 0xffffu))
		return;
	k->num = lsn;
	k->date = 1;
}

/* Walks the tree: numbers text keys, resolves sets, notes SENT* keys,
 * decodes object ids. */
static void prepare_keys(struct search_state *st, struct search_key *k, bool *sent)
{
	for (; k; k = k->next) {
		if (k->kind == SK_EMAILID || k->kind == SK_THREADID)
			prepare_objectid(st, k);
		if (k->kind == SK_AND || k->kind == SK_OR || k->kind == SK_NOT)
			prepare_keys(st, k->child, sent);
		if (k->kind == SK_SEQSET && !k->set.dollar)
			seqset_resolve(&k->set, st->r->n);
		if (k->kind == SK_UID && !k->set.dollar)
			seqset_resolve(&k->set, st->uid_star);
		*sent |= needs_sent_date(k);
		if (is_text_key(k))
			k->text_id = st->ntexts++;
	}
}

static void prepare_texts(struct search_state *st, const struct search_key *k)
{
	for (; k; k = k->next) {
		if (k->kind == SK_AND || k->kind == SK_OR || k->kind == SK_NOT)
			prepare_texts(st, k->child);
		if (!is_text_key(k))
			continue;
		struct search_text *t = &st->texts[k->text_id];
		t->k = k;
		t->kinds = k->kind == SK_TEXT ? FTS_M_TEXT : k->kind == SK_BODY ? FTS_M_BODY
										 : FTS_M_HEADER;
		if (k->kind == SK_HEADER) {
			t->header = k->header;
			t->header_len = strlen(k->header);
		}
		fts_fold_needle(k->str ? k->str : "", k->str_len, &t->needle);
	}
}

/* Copies the index entries of the universe's messages (one pass over the
 * mailbox in UID order). */
static enum rm_err load_msgs(struct search_state *st, struct store_view *v, bool sent)
{
	struct search_run *r = st->r;
	struct store_iter *it;
	size_t kw_n = 0, kw_cap = 0;
	if (r->n == 0)
		return RM_OK;
	enum rm_err err = store_view_msgs(v, r->mailbox_id, r->uids[0], &it);
	if (err)
		return err;
	struct store_msg m;
	uint32_t i = 0;
	int rc;
	while (i < r->n && (rc = store_iter_msg(it, &m)) == 1) {
		while (i < r->n && r->uids[i] < m.uid)
			i++;          /* expunged meanwhile: not present */
		if (i == r->n || r->uids[i] != m.uid)
			continue;
		struct search_msg *sm = &r->msgs[i++];
		*sm = (struct search_msg){
			.blob_lsn = m.blob_lsn, .modseq = m.modseq, .size_bytes = m.size_bytes,
			.internal_date_s = m.internal_date_s, .save_date_s = m.save_date_s,
			.sent_date_s = -1, .flags = m.flags, .kw_off = (uint32_t)kw_n,
			.nkw = m.nkeywords, .present = true,
		};
		if (kw_n + m.nkeywords > kw_cap) {
			kw_cap = RM_MAX(kw_cap * 2, kw_n + m.nkeywords + 256);
			r->kw = rm_realloc(r->kw, kw_cap * sizeof(*r->kw));
		}
		for (unsigned j = 0; j < m.nkeywords; j++)
			r->kw[kw_n++] = store_msg_keyword(&m, j);
		const void *cache = NULL;
		size_t clen = 0;
		if ((sent || st->want_threads) &&
		    store_view_cache(v, m.blob_lsn, &cache, &clen) != RM_OK)
			cache = NULL;
		int zone_min;
		if (sent && cache && mime_cache_date(cache, clen, &sm->sent_date_s) == RM_OK &&
		    mime_cache_date_zone(cache, clen, &zone_min) == RM_OK)
			sm->sent_zone_s = zone_min * 60;
		if (st->want_threads) {
			/* The same text FETCH THREADID writes, hashed. */
			struct rm_buf id = { 0 };
			objectid_thread(&id, r->partition, m.blob_lsn, cache, clen);
			sm->thread_key = rm_hash64(id.data, id.len);
			rm_buf_free(&id);
		}
	}
	store_iter_free(&it);
	return RM_OK;
}

/* ---- evaluation ------------------------------------------------------------- */

static int64_t day_of(int64_t t)
{
	int64_t d = t / 86400;
	return (t % 86400 < 0 ? d - 1 : d) * 86400;
}

static bool has_keyword(const struct search_state *st, const struct search_msg *m,
			const struct search_key *k)
{
	uint16_t id;
	struct search_run *r = st->r;
	/* k->num caches the id: 0 unknown, id + 1 otherwise (set at start). */
	if (k->num == 0)
		return false;
	id = (uint16_t)(k->num - 1);
	for (unsigned i = 0; i < m->nkw; i++)
		if (r->kw[m->kw_off + i] == id)
			return true;
	return false;
}

static bool in_saved(const struct search_state *st, uint32_t uid)
{
	return st->r->saved && seqset_contains(st->r->saved, uid);
}

static bool flag_key(const struct search_key *k, uint32_t flags, bool *res)
{
	static const struct { enum search_key_kind kind; uint32_t flag; bool set; } t[] = {
		{ SK_ANSWERED, STORE_F_ANSWERED, true }, { SK_DELETED, STORE_F_DELETED, true },
		{ SK_DRAFT, STORE_F_DRAFT, true }, { SK_FLAGGED, STORE_F_FLAGGED, true },
		{ SK_SEEN, STORE_F_SEEN, true }, { SK_UNANSWERED, STORE_F_ANSWERED, false },
		{ SK_UNDELETED, STORE_F_DELETED, false }, { SK_UNDRAFT, STORE_F_DRAFT, false },
		{ SK_UNFLAGGED, STORE_F_FLAGGED, false }, { SK_UNSEEN, STORE_F_SEEN, false },
	};
	for (size_t i = 0; i < RM_ARRAY_LEN(t); i++)
		if (t[i].kind == k->kind) {
			*res = ((flags & t[i].flag) != 0) == t[i].set;
			return true;
		}
	return false;
}

static bool date_key(const struct search_key *k, const struct search_msg *m, bool *res)
{
	/* RFC 9051 §6.4.4: SENT* compare the Date header's date "disregarding
	 * time and timezone": the day as the sender wrote it, so the wall
	 * clock of the header's own zone. */
	int64_t sent = m->sent_date_s >= 0 ? m->sent_date_s + m->sent_zone_s : m->internal_date_s;
	switch (k->kind) {
	case SK_BEFORE: *res = day_of(m->internal_date_s) < k->date; return true;
	case SK_ON: *res = day_of(m->internal_date_s) == k->date; return true;
	case SK_SINCE: *res = day_of(m->internal_date_s) >= k->date; return true;
	case SK_SENTBEFORE: *res = day_of(sent) < k->date; return true;
	case SK_SENTON: *res = day_of(sent) == k->date; return true;
	case SK_SENTSINCE: *res = day_of(sent) >= k->date; return true;
	case SK_SAVEDBEFORE: *res = day_of(m->save_date_s) < k->date; return true;
	case SK_SAVEDON: *res = day_of(m->save_date_s) == k->date; return true;
	case SK_SAVEDSINCE: *res = day_of(m->save_date_s) >= k->date; return true;
	default: return false;
	}
}

/* Keys answered from the index entry alone. */
static bool plain_key(const struct search_state *st, const struct search_key *k, uint32_t idx)
{
	const struct search_run *r = st->r;
	const struct search_msg *m = &r->msgs[idx];
	uint32_t uid = r->uids[idx];
	bool res;
	if (flag_key(k, m->flags, &res) || date_key(k, m, &res))
		return res;
	bool recent = r->is_recent && r->is_recent(r->recent_arg, uid);
	switch (k->kind) {
	case SK_ALL: case SK_SAVEDATESUPPORTED: return true;
	case SK_SEQSET: return k->set.dollar ? in_saved(st, uid) : seqset_contains(&k->set, idx + 1);
	case SK_UID: return k->set.dollar ? in_saved(st, uid) : seqset_contains(&k->set, uid);
	case SK_NEW: return recent && !(m->flags & STORE_F_SEEN);
	case SK_OLD: return !recent;
	case SK_RECENT: return recent;
	case SK_KEYWORD: return has_keyword(st, m, k);
	case SK_UNKEYWORD: return !has_keyword(st, m, k);
	case SK_LARGER: return m->size_bytes > k->num;
	case SK_SMALLER: return m->size_bytes < k->num;
	case SK_OLDER: return m->internal_date_s <= r->now_s - (int64_t)k->num;
	case SK_YOUNGER: return m->internal_date_s >= r->now_s - (int64_t)k->num;
	case SK_MODSEQ: return m->modseq >= k->num;
	case SK_EMAILID: return k->date && m->blob_lsn == k->num;
	case SK_THREADID: return m->thread_key == k->num;
	default: return false;
	}
}

static enum search_tv eval_key(struct search_state *st, const struct search_key *k, uint32_t idx,
			       const void *doc, size_t doc_len);

/* An AND list (and = true) or the two operands of OR. */
static enum search_tv eval_list(struct search_state *st, const struct search_key *k, bool and,
				uint32_t idx, const void *doc, size_t doc_len)
{
	enum search_tv acc = and ? TV_YES : TV_NO;
	for (; k; k = k->next) {
		enum search_tv v = eval_key(st, k, idx, doc, doc_len);
		if (v == (and ? TV_NO : TV_YES))
			return v;
		if (v == TV_UNKNOWN)
			acc = TV_UNKNOWN;
	}
	return acc;
}

static enum search_tv eval_text(struct search_state *st, const struct search_key *k, uint32_t idx,
				const void *doc, size_t doc_len)
{
	const struct search_text *t = &st->texts[k->text_id];
	if (t->res && t->res[idx] != TV_UNKNOWN)
		return (enum search_tv)t->res[idx];
	if (!doc)
		return TV_UNKNOWN;
	return fts_doc_match(doc, doc_len, t->kinds, t->header, t->header_len, t->needle.data,
			     t->needle.len) ? TV_YES : TV_NO;
}

static enum search_tv eval_key(struct search_state *st, const struct search_key *k, uint32_t idx,
			       const void *doc, size_t doc_len)
{
	switch (k->kind) {
	case SK_AND: return eval_list(st, k->child, true, idx, doc, doc_len);
	case SK_OR: {
		/* OR's operands are child and child->next only. */
		enum search_tv a = eval_key(st, k->child, idx, doc, doc_len);
		if (a == TV_YES)
			return a;
		enum search_tv b = eval_key(st, k->child->next, idx, doc, doc_len);
		return b == TV_YES ? b : (a == TV_UNKNOWN || b == TV_UNKNOWN) ? TV_UNKNOWN : TV_NO;
	}
	case SK_NOT: {
		enum search_tv a = eval_key(st, k->child, idx, doc, doc_len);
		return a == TV_UNKNOWN ? a : a == TV_YES ? TV_NO : TV_YES;
	}
	case SK_HEADER: case SK_BODY: case SK_TEXT:
		return eval_text(st, k, idx, doc, doc_len);
	default:
		return plain_key(st, k, idx) ? TV_YES : TV_NO;
	}
}

enum search_tv search_eval_msg(struct search_state *st, uint32_t idx, const void *doc,
			       size_t doc_len)
{
	if (!st->r->msgs[idx].present)
		return TV_NO;
	return eval_list(st, st->r->prog->keys, true, idx, doc, doc_len);
}

void search_eval_set(struct search_state *st, uint32_t idx, bool match)
{
	struct search_run *r = st->r;
	r->match[idx] = match;
	if (match)
		r->max_modseq = RM_MAX(r->max_modseq, r->msgs[idx].modseq);
}

void search_eval_finish(struct search_state *st)
{
	st->r->done(st->r);
}

/* KEYWORD names to ids, cached in k->num (0: no such keyword). */
static void resolve_keywords(struct search_state *st, struct store_view *v, struct search_key *k)
{
	for (; k; k = k->next) {
		if (k->kind == SK_AND || k->kind == SK_OR || k->kind == SK_NOT)
			resolve_keywords(st, v, k->child);
		uint16_t id;
		if (k->kind == SK_KEYWORD || k->kind == SK_UNKEYWORD)
			k->num = store_view_keyword_id(v, st->user_id, k->str, k->str_len, &id) == RM_OK
				? (uint64_t)id + 1 : 0;
	}
}

/* ---- the run ----------------------------------------------------------------- */

static enum rm_err prepare(struct search_state *st, struct store_view *v)
{
	struct search_run *r = st->r;
	struct store_mailbox mb;
	enum rm_err err = store_view_mailbox_by_id(v, r->mailbox_id, &mb);
	if (err == RM_ERR_NOTFOUND) {
		memset(r->msgs, 0, r->n * sizeof(*r->msgs));   /* deleted: nothing matches */
		return RM_OK;
	}
	if (err)
		return err;
	st->user_id = mb.user_id;
	bool sent = r->want_sent_dates;
	prepare_keys(st, r->prog->keys, &sent);
	st->texts = rm_calloc(st->ntexts ? st->ntexts : 1, sizeof(*st->texts));
	prepare_texts(st, r->prog->keys);
	resolve_keywords(st, v, r->prog->keys);
	err = load_msgs(st, v, sent);
	if (err == RM_OK && r->path != SEARCH_PATH_SCAN && st->ntexts)
		err = search_index_run(st, v);
	return err;
}

enum rm_err search_run_start(struct search_run *r)
{
	struct search_state *st = rm_calloc(1, sizeof(*st));
	st->r = r;
	r->st = st;
	r->match = rm_calloc(r->n ? r->n : 1, 1);
	r->msgs = rm_calloc(r->n ? r->n : 1, sizeof(*r->msgs));
	r->max_modseq = 0;
	r->err = RM_OK;
	st->uid_star = r->n ? r->uids[r->n - 1] : 0;
	struct store_view *v;
	enum rm_err err = store_view_begin(r->part, &v);
	if (err)
		return err;
	err = prepare(st, v);
	store_view_end(&v);
	if (err)
		return err;
	st->todo = rm_malloc((r->n ? r->n : 1) * sizeof(*st->todo));
	for (uint32_t i = 0; i < r->n; i++) {
		enum search_tv tv = search_eval_msg(st, i, NULL, 0);
		if (tv == TV_UNKNOWN)
			st->todo[st->ntodo++] = i;
		else
			search_eval_set(st, i, tv == TV_YES);
	}
	search_scan_start(st);
	return RM_OK;
}

void search_run_free(struct search_run *r)
{
	struct search_state *st = r->st;
	if (st) {
		for (unsigned i = 0; i < st->ntexts; i++) {
			rm_buf_free(&st->texts[i].needle);
			free(st->texts[i].res);
		}
		free(st->texts);
		free(st->todo);
		free(st);
	}
	free(r->match);
	free(r->msgs);
	free(r->kw);
	r->st = NULL;
	r->match = NULL;
	r->msgs = NULL;
	r->kw = NULL;
}
