/*
 * meta_fts_verify.c — `ringmail verify` for the full-text index: documents
 * against blobs, chunks against their format, and every document's
 * trigrams against the postings (those below the merge mark; the tail is
 * matched directly by search).  The last check inverts
 * the documents; to bound memory it runs in passes, each over the trigrams
 * of one hash class, with at most VERIFY_PAIRS_MAX (trigram, LSN) pairs a
 * pass.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "index/meta_db.h"

#define VERIFY_PAIRS_MAX (16u * 1024 * 1024)

struct pair {
	fts_tri tri;
	uint64_t lsn;
};

struct vstate {
	struct meta_txn *t;
	struct meta_fts_verify_stats *st;
	uint64_t text_bytes;        /* sum of document sizes: bounds the pairs */
	unsigned pass, passes;
	struct pair *v;
	size_t n, cap;
	uint64_t merged;            /* the merge mark */
};

static void report(struct meta_fts_verify_stats *st, const char *what, uint64_t a, uint64_t b)
{
	st->errors++;
	rm_log(RM_LOG_ERROR, "verify_fts", "what=%s id=%llu detail=%llu", what,
	       (unsigned long long)a, (unsigned long long)b);
}

static unsigned tri_class(fts_tri t, unsigned passes)
{
	return (unsigned)(((uint64_t)t * 0x9E3779B97F4A7C15ull) >> 40) % passes;
}

/* Pass 0 over the documents: each decodes and has its blob. */
static enum rm_err doc_check(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct vstate *s = arg;
	uint64_t lsn = k->mv_size == 8 ? rm_be64_get(k->mv_data) : 0;
	struct meta_blob b;
	s->st->docs++;
	s->text_bytes += v->mv_size;
	if (!fts_doc_valid(v->mv_data, v->mv_size))
		report(s->st, "doc_format", lsn, v->mv_size);
	if (meta_blob_get(s->t, lsn, &b) != RM_OK)
		report(s->st, "doc_without_blob", lsn, 0);
	return RM_OK;
}

/* Every live blob from fts_from on has a document. */
static enum rm_err blobs_check(struct vstate *s)
{
	uint64_t from = meta_fts_from(s->t);
	struct meta_iter *it;
	enum rm_err err = meta_iter_blobs(s->t, from == UINT64_MAX ? UINT64_MAX : from,
					  UINT64_MAX, &it);
	if (err)
		return err;
	struct meta_blob b;
	int rc;
	while ((rc = meta_iter_blob(it, &b)) == 1) {
		const void *p;
		size_t len;
		if (meta_fts_doc_get(s->t, b.lsn, &p, &len) != RM_OK)
			report(s->st, "blob_without_doc", b.lsn, 0);
	}
	meta_iter_free(&it);
	return rc < 0 ? RM_ERR_IO : RM_OK;
}

static enum rm_err doc_pairs(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct vstate *s = arg;
	fts_tri *tris;
	size_t n;
	uint64_t lsn = rm_be64_get(k->mv_data);
	if (lsn >= s->merged)
		return RM_OK;        /* the tail: search matches it directly */
	fts_doc_trigrams(v->mv_data, v->mv_size, &tris, &n);
	for (size_t i = 0; i < n; i++) {
		if (tri_class(tris[i], s->passes) != s->pass)
			continue;
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 4096;
			s->v = rm_realloc(s->v, s->cap * sizeof(*s->v));
		}
		s->v[s->n++] = (struct pair){ tris[i], lsn };
	}
	free(tris);
	return RM_OK;
}

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->tri != y->tri)
		return x->tri < y->tri ? -1 : 1;
	return x->lsn < y->lsn ? -1 : x->lsn > y->lsn;
}

/* Whether ascending lsns[0..n) holds lsn, from *at on (advanced). */
static bool has_lsn(const uint64_t *lsns, size_t n, size_t *at, uint64_t lsn)
{
	while (*at < n && lsns[*at] < lsn)
		(*at)++;
	return *at < n && lsns[*at] == lsn;
}

/* The pairs of one pass against the postings of their trigrams (only
 * documents below the merge mark need to be posted). */
static enum rm_err pairs_check(struct vstate *s)
{
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), pair_cmp);
	for (size_t i = 0; i < s->n;) {
		uint64_t *lsns;
		size_t n, j = i, at = 0;
		fts_tri tri = s->v[i].tri;
		if (meta_fts_postings(s->t, tri, &lsns, &n) != RM_OK) {
			report(s->st, "chunk_format", tri, 0);
			lsns = NULL;
			n = 0;
		}
		for (; j < s->n && s->v[j].tri == tri; j++)
			if (!has_lsn(lsns, n, &at, s->v[j].lsn))
				report(s->st, "trigram_not_posted", s->v[j].lsn, tri);
		free(lsns);
		i = j;
	}
	s->n = 0;
	return RM_OK;
}

/* Chunks: decodable and ascending within a trigram; counts stale LSNs. */
struct chunk_state {
	struct vstate *s;
	fts_tri tri;
	uint64_t last;
	bool have;
};

static enum rm_err chunk_check(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct chunk_state *c = arg;
	struct meta_fts_verify_stats *st = c->s->st;
	if (meta_fts_is_mark(k))
		return RM_OK;
	st->chunks++;
	if (k->mv_size != FTS_KEY_BYTES) {
		report(st, "chunk_key", k->mv_size, 0);
		return RM_OK;
	}
	const uint8_t *kp = k->mv_data;
	fts_tri tri = (fts_tri)kp[0] << 16 | (fts_tri)kp[1] << 8 | kp[2];
	uint64_t lsn = rm_be64_get(kp + 3);
	if (c->have && c->tri == tri && lsn <= c->last)
		report(st, "chunk_order", tri, lsn);
	const uint8_t *p = v->mv_data, *end = p + v->mv_size;
	for (;;) {
		const void *doc;
		size_t dl;
		st->postings++;
		if (meta_fts_doc_get(c->s->t, lsn, &doc, &dl) != RM_OK)
			st->stale++;
		if (p >= end)
			break;
		uint64_t d;
		size_t n = fts_varint_get(p, end, &d);
		if (n == 0 || d == 0) {
			report(st, "chunk_format", tri, lsn);
			break;
		}
		lsn += d;
		p += n;
	}
	c->tri = tri;
	c->last = lsn;
	c->have = true;
	return RM_OK;
}

enum rm_err meta_fts_verify(struct meta_txn *t, struct meta_fts_verify_stats *st)
{
	memset(st, 0, sizeof(*st));
	struct vstate s = { .t = t, .st = st, .merged = meta_fts_merged(t) };
	enum rm_err err = meta_db_each(t, META_DB_FTSDOC, NULL, 0, doc_check, &s);
	if (err == RM_OK)
		err = blobs_check(&s);
	struct chunk_state c = { .s = &s };
	if (err == RM_OK)
		err = meta_db_each(t, META_DB_FTS, NULL, 0, chunk_check, &c);
	/* At most one pair per byte of document text. */
	s.passes = (unsigned)(s.text_bytes / VERIFY_PAIRS_MAX) + 1;
	for (s.pass = 0; err == RM_OK && s.pass < s.passes; s.pass++) {
		err = meta_db_each(t, META_DB_FTSDOC, NULL, 0, doc_pairs, &s);
		if (err == RM_OK)
			err = pairs_check(&s);
	}
	free(s.v);
	return err;
}
