/*
 * search_index.c — the index path of SEARCH's text keys.
 *
 * For each text key: the trigrams of its folded needle (for HEADER keys
 * also those of "name: ", which every field of that name starts with) are
 * looked up, their posting lists intersected into candidate blobs, the
 * candidates mapped to the universe's messages, and each candidate's FTS
 * document matched.  A needle with no trigram (under 3 bytes) makes every
 * indexed message a candidate, and so is every message of the tail (blob
 * at or above the merge mark: its trigrams may not be posted yet).
 * Messages whose blob predates the index (LSN below fts_from) or lacks a
 * document stay unknown for the scan.
 */
#include "server/imap/search_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "index/fts_doc.h"

struct lsn_idx {
	uint64_t lsn;
	uint32_t idx;
};

static int lsn_idx_cmp(const void *a, const void *b)
{
	const struct lsn_idx *x = a, *y = b;
	if (x->lsn != y->lsn)
		return x->lsn < y->lsn ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

struct list {
	uint64_t *v;
	size_t n;
};

static int list_len_cmp(const void *a, const void *b)
{
	const struct list *x = a, *y = b;
	return x->n < y->n ? -1 : x->n > y->n;
}

/* a = a ∩ b (both ascending; duplicates collapse). */
static void intersect(struct list *a, const struct list *b)
{
	size_t i = 0, j = 0, w = 0;
	while (i < a->n && j < b->n) {
		if (a->v[i] < b->v[j]) {
			i++;
		} else if (a->v[i] > b->v[j]) {
			j++;
		} else {
			if (w == 0 || a->v[w - 1] != a->v[i])
				a->v[w++] = a->v[i];
			i++;
			j++;
		}
	}
	a->n = w;
}

/* The trigrams a matching document must contain. */
static size_t key_trigrams(const struct search_text *t, fts_tri **tris_r)
{
	size_t cap = t->needle.len + t->header_len + 4;
	fts_tri *tris = rm_malloc(cap * sizeof(*tris));
	size_t n = fts_needle_trigrams(t->needle.data ? t->needle.data : "", t->needle.len, tris);
	if (t->header) {
		/* Header units are "name: value" with the name lower-cased. */
		char *pre = rm_malloc(t->header_len + 2);
		for (size_t i = 0; i < t->header_len; i++)
			pre[i] = rm_lower(t->header[i]);
		memcpy(pre + t->header_len, ": ", 2);
		n += fts_needle_trigrams(pre, t->header_len + 2, tris + n);
		free(pre);
	}
	*tris_r = tris;
	return n;
}

/* Candidate blob LSNs for a key: *all_r when every document is one. */
static enum rm_err candidates(struct store_view *v, const struct search_text *t,
			      struct list *out, bool *all_r)
{
	fts_tri *tris;
	size_t n = key_trigrams(t, &tris);
	*all_r = n == 0;
	out->v = NULL;
	out->n = 0;
	struct list *lists = rm_calloc(n ? n : 1, sizeof(*lists));
	enum rm_err err = RM_OK;
	size_t got = 0;
	for (size_t i = 0; i < n && err == RM_OK; i++, got++) {
		err = store_view_fts_postings(v, tris[i], &lists[i].v, &lists[i].n);
		if (err == RM_OK && lists[i].n == 0) {
			got++;
			break;         /* a trigram nobody has: no candidate */
		}
	}
	free(tris);
	if (err == RM_OK && n) {
		qsort(lists, got, sizeof(*lists), list_len_cmp);
		*out = lists[0];
		lists[0].v = NULL;
		for (size_t i = 1; i < got && out->n; i++)
			intersect(out, &lists[i]);
	}
	for (size_t i = 0; i < got; i++)
		free(lists[i].v);
	free(lists);
	return err;
}

/* Verifies one candidate message against its document. */
static enum search_tv verify(struct search_state *st, struct store_view *v,
			     const struct search_text *t, uint32_t idx)
{
	const void *doc;
	size_t len;
	if (store_view_fts_doc(v, st->r->msgs[idx].blob_lsn, &doc, &len) != RM_OK)
		return TV_UNKNOWN;
	st->r->verified++;
	return fts_doc_match(doc, len, t->kinds, t->header, t->header_len, t->needle.data,
			     t->needle.len) ? TV_YES : TV_NO;
}

static enum rm_err run_key(struct search_state *st, struct store_view *v, struct search_text *t,
			   const struct lsn_idx *map, size_t nmap, uint64_t merged)
{
	struct search_run *r = st->r;
	t->res = rm_malloc(r->n ? r->n : 1);
	/* Indexed messages (those in map) are "no" unless a candidate
	 * verifies; the rest wait for the scan. */
	memset(t->res, TV_UNKNOWN, r->n);
	for (size_t q = 0; q < nmap; q++)
		t->res[map[q].idx] = TV_NO;
	struct list c;
	bool all;
	enum rm_err err = candidates(v, t, &c, &all);
	if (err)
		return err;
	/* map is in LSN order: the tail is its end. */
	size_t tail = nmap;
	while (tail > 0 && (all || map[tail - 1].lsn >= merged))
		tail--;
	for (size_t q = tail; q < nmap; q++)
		t->res[map[q].idx] = (uint8_t)verify(st, v, t, map[q].idx);
	size_t j = 0;
	for (size_t i = 0; i < c.n; i++) {
		while (j < tail && map[j].lsn < c.v[i])
			j++;
		for (size_t q = j; q < tail && map[q].lsn == c.v[i]; q++)
			t->res[map[q].idx] = (uint8_t)verify(st, v, t, map[q].idx);
	}
	free(c.v);
	return RM_OK;
}

enum rm_err search_index_run(struct search_state *st, struct store_view *v)
{
	struct search_run *r = st->r;
	uint64_t from = store_view_fts_from(v);
	if (from == UINT64_MAX)
		return RM_OK;          /* no index: everything is scanned */
	struct lsn_idx *map = rm_malloc((r->n ? r->n : 1) * sizeof(*map));
	size_t nmap = 0;
	for (uint32_t i = 0; i < r->n; i++)
		if (r->msgs[i].present && r->msgs[i].blob_lsn >= from)
			map[nmap++] = (struct lsn_idx){ r->msgs[i].blob_lsn, i };
	qsort(map, nmap, sizeof(*map), lsn_idx_cmp);
	enum rm_err err = RM_OK;
	uint64_t merged = store_view_fts_merged(v);
	for (unsigned i = 0; i < st->ntexts && err == RM_OK; i++)
		err = run_key(st, v, &st->texts[i], map, nmap, merged);
	free(map);
	return err;
}
