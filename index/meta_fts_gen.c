/* A merge generation: documents inverted into per-trigram LSN lists
 * (layout and use in meta_fts_gen.h). */
#include "index/meta_fts_gen.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "index/meta_db.h"

#define GEN_BUCKETS 256u
/* A pair: the trigram's low 16 bits << 16 | the document's index, so a
 * generation holds at most GEN_DOCS_MAX documents (the cutoff moves down
 * when the tail has more; the next generation takes the rest). */
#define GEN_DOCS_MAX 65536u

struct gen_bucket {
	uint32_t *v;
	uint32_t n, cap;
};

/* Generations alive in the process (meta_fts_gen_new with force unset
 * counts against RM_FTS_MERGE_GENS_MAX). */
static _Atomic unsigned gens_alive;

struct meta_fts_gen {
	uint64_t from, cutoff;
	uint64_t next;               /* the next document LSN to read */
	bool collected;
	bool counted;                /* holds a place in gens_alive */
	uint64_t *docs;              /* LSNs of the documents read, ascending */
	uint64_t ndocs, cap_docs;
	uint64_t bytes, pairs;
	struct gen_bucket b[GEN_BUCKETS];
	/* The walk: bucket wb, sorted when `sorted`, at position wpos. */
	unsigned wb;
	uint32_t wpos;
	bool sorted;
	uint32_t *tmp;               /* radix scratch */
	uint64_t cap_tmp;
	uint64_t *lsns;              /* the list handed out */
	uint64_t cap_lsns;
};

struct meta_fts_gen *meta_fts_gen_new(uint64_t from, uint64_t cutoff, bool force)
{
	if (!force) {
		unsigned n = atomic_fetch_add(&gens_alive, 1);
		if (n >= RM_FTS_MERGE_GENS_MAX) {
			atomic_fetch_sub(&gens_alive, 1);
			return NULL;
		}
	}
	struct meta_fts_gen *g = rm_calloc(1, sizeof(*g));
	g->from = g->next = from;
	g->cutoff = cutoff;
	g->counted = !force;
	return g;
}

void meta_fts_gen_free(struct meta_fts_gen **gp)
{
	struct meta_fts_gen *g = *gp;
	if (!g)
		return;
	for (unsigned i = 0; i < GEN_BUCKETS; i++)
		free(g->b[i].v);
	free(g->docs);
	free(g->tmp);
	free(g->lsns);
	if (g->counted)
		atomic_fetch_sub(&gens_alive, 1);
	free(g);
	*gp = NULL;
}

bool meta_fts_gen_collected(const struct meta_fts_gen *g) { return g->collected; }
uint64_t meta_fts_gen_docs(const struct meta_fts_gen *g) { return g->ndocs; }
uint64_t meta_fts_gen_bytes(const struct meta_fts_gen *g) { return g->bytes; }
uint64_t meta_fts_gen_pairs(const struct meta_fts_gen *g) { return g->pairs; }
uint64_t meta_fts_gen_cutoff(const struct meta_fts_gen *g) { return g->cutoff; }

/* ---- collecting ------------------------------------------------------------ */

static void bucket_push(struct gen_bucket *b, uint32_t pair)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->v = rm_realloc(b->v, (size_t)b->cap * sizeof(*b->v));
	}
	b->v[b->n++] = pair;
}

static void add_doc(struct meta_fts_gen *g, uint64_t lsn, const void *doc, size_t len)
{
	if (g->ndocs == g->cap_docs) {
		g->cap_docs = g->cap_docs ? g->cap_docs * 2 : 256;
		g->docs = rm_realloc(g->docs, g->cap_docs * sizeof(*g->docs));
	}
	uint32_t idx = (uint32_t)g->ndocs++;
	RM_ASSERT(idx < GEN_DOCS_MAX);
	g->docs[idx] = lsn;
	g->bytes += len;
	fts_tri *tris;
	size_t n;
	fts_doc_trigrams(doc, len, &tris, &n);
	for (size_t i = 0; i < n; i++)
		bucket_push(&g->b[tris[i] >> 16], (tris[i] & 0xffffu) << 16 | idx);
	g->pairs += n;
	free(tris);
}

enum rm_err meta_fts_gen_collect(struct meta_fts_gen *g, struct meta_txn *t, uint64_t max_pairs,
				 bool *all_r)
{
	*all_r = g->collected;
	if (g->collected)
		return RM_OK;
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->m->dbi[META_DB_FTSDOC], &c);
	if (rc)
		return meta_db_err(rc, "cursor_open");
	uint8_t k[8];
	rm_be64_put(k, g->next);
	MDB_val kv = { sizeof(k), k }, vv;
	uint64_t added = g->pairs;
	bool end = false;
	for (rc = mdb_cursor_get(c, &kv, &vv, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &kv, &vv, MDB_NEXT)) {
		if (kv.mv_size != 8)
			continue;
		uint64_t lsn = rm_be64_get(kv.mv_data);
		if (lsn >= g->cutoff) {
			end = true;
			break;
		}
		add_doc(g, lsn, vv.mv_data, vv.mv_size);
		g->next = lsn + 1;
		if (g->ndocs == GEN_DOCS_MAX) {
			g->cutoff = g->next;     /* the rest is the next one's */
			end = true;
			break;
		}
		if (g->pairs - added >= max_pairs)
			break;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return meta_db_err(rc, "fts_collect");
	g->collected = end || rc == MDB_NOTFOUND;
	*all_r = g->collected;
	return RM_OK;
}

/* ---- handing out ------------------------------------------------------------- */

/* Stable LSD radix sort of b by the pair's top 16 bits (two byte passes). */
static void bucket_sort(struct meta_fts_gen *g, struct gen_bucket *b)
{
	if (b->n > g->cap_tmp) {
		free(g->tmp);
		g->cap_tmp = RM_MAX((uint64_t)b->n, g->cap_tmp * 2);
		g->tmp = rm_malloc(g->cap_tmp * sizeof(*g->tmp));
	}
	uint32_t *src = b->v, *dst = g->tmp;
	for (unsigned shift = 16; shift < 32; shift += 8) {
		uint32_t count[257] = { 0 };
		for (uint32_t i = 0; i < b->n; i++)
			count[((src[i] >> shift) & 0xff) + 1]++;
		for (unsigned i = 0; i < 256; i++)
			count[i + 1] += count[i];
		for (uint32_t i = 0; i < b->n; i++)
			dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		uint32_t *x = src;
		src = dst;
		dst = x;
	}
	/* Two passes: the sorted pairs are back in b->v. */
	RM_ASSERT(src == b->v);
}

/* Moves the walk to a non-empty, sorted bucket; false at the end. */
static bool walk_ready(struct meta_fts_gen *g)
{
	RM_ASSERT(g->collected);
	while (g->wb < GEN_BUCKETS) {
		struct gen_bucket *b = &g->b[g->wb];
		if (g->wpos < b->n) {
			if (!g->sorted)
				bucket_sort(g, b);
			g->sorted = true;
			return true;
		}
		free(b->v);
		b->v = NULL;
		b->n = b->cap = 0;
		g->wb++;
		g->wpos = 0;
		g->sorted = false;
	}
	return false;
}

bool meta_fts_gen_peek(struct meta_fts_gen *g, fts_tri *tri_r)
{
	if (!walk_ready(g))
		return false;
	*tri_r = (fts_tri)g->wb << 16 | (fts_tri)(g->b[g->wb].v[g->wpos] >> 16);
	return true;
}

bool meta_fts_gen_next(struct meta_fts_gen *g, fts_tri *tri_r, const uint64_t **lsns_r,
		       size_t *n_r)
{
	if (!meta_fts_gen_peek(g, tri_r))
		return false;
	struct gen_bucket *b = &g->b[g->wb];
	uint32_t lo = b->v[g->wpos] >> 16;
	uint32_t end = g->wpos;
	while (end < b->n && b->v[end] >> 16 == lo)
		end++;
	size_t n = end - g->wpos;
	if (n > g->cap_lsns) {
		free(g->lsns);
		g->cap_lsns = RM_MAX((uint64_t)n, g->cap_lsns * 2);
		g->lsns = rm_malloc(g->cap_lsns * sizeof(*g->lsns));
	}
	for (size_t i = 0; i < n; i++)
		g->lsns[i] = g->docs[b->v[g->wpos + i] & 0xffffu];
	g->wpos = end;
	*lsns_r = g->lsns;
	*n_r = n;
	return true;
}
