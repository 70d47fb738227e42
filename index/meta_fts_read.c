/* Reading the full-text index (format and merging in meta_fts.c): a
 * trigram's postings for search and verify, and the canonical dump, which
 * adds the tail's documents so that it does not depend on when merges
 * ran. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "index/fts_doc.h"
#include "index/meta_db.h"
#include "index/meta_fts_gen.h"

struct lsn_vec {
	uint64_t *v;
	size_t n, cap;
};

static void vec_reserve(struct lsn_vec *l, size_t more)
{
	if (l->n + more <= l->cap)
		return;
	l->cap = RM_MAX(l->n + more, l->cap ? l->cap * 2 : 64);
	l->v = rm_realloc(l->v, l->cap * sizeof(*l->v));
}

static void vec_push(void *arg, uint64_t lsn)
{
	struct lsn_vec *l = arg;
	vec_reserve(l, 1);
	l->v[l->n++] = lsn;
}

/* Appends the chunks of tri to l. */
static enum rm_err add_stored(struct meta_txn *t, fts_tri tri, struct lsn_vec *l)
{
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->m->dbi[META_DB_FTS], &c);
	if (rc)
		return meta_db_err(rc, "cursor_open");
	uint8_t k[FTS_KEY_BYTES];
	meta_fts_key_put(k, tri, 0);
	MDB_val kv = { sizeof(k), k }, vv;
	enum rm_err err = RM_OK;
	for (rc = mdb_cursor_get(c, &kv, &vv, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &kv, &vv, MDB_NEXT)) {
		uint64_t last;
		if (kv.mv_size != FTS_KEY_BYTES || meta_fts_key_tri(&kv) != tri)
			break;
		if (!meta_fts_chunk_walk(&kv, &vv, vec_push, l, &last)) {
			err = RM_ERR_CORRUPT;
			break;
		}
	}
	mdb_cursor_close(c);
	if (err == RM_OK && rc != 0 && rc != MDB_NOTFOUND)
		err = meta_db_err(rc, "fts_get");
	return err;
}

static enum rm_err vec_out(struct lsn_vec *l, enum rm_err err, uint64_t **lsns_r, size_t *n_r)
{
	if (err) {
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
	*lsns_r = l->v;
	*n_r = l->n;
	return err;
}

enum rm_err meta_fts_postings(struct meta_txn *t, fts_tri tri, uint64_t **lsns_r, size_t *n_r)
{
	struct lsn_vec l = { 0 };
	return vec_out(&l, add_stored(t, tri, &l), lsns_r, n_r);
}

/* ---- dump (the rebuilt == live tests) --------------------------------------------- */

struct dump_state {
	struct meta_txn *t;
	struct rm_buf *out;
	struct meta_fts_gen **tail;  /* the tail's documents, inverted */
	unsigned ntail;
	fts_tri tri;
	bool have;
	struct lsn_vec lsns;
};

/* Adds the tail's lists of `tri` (each generation's, when it is the one it
 * hands out next). */
static void dump_add_tail(struct dump_state *d, fts_tri tri)
{
	for (unsigned i = 0; i < d->ntail; i++) {
		fts_tri next;
		const uint64_t *v;
		size_t n;
		if (!meta_fts_gen_peek(d->tail[i], &next) || next != tri)
			continue;
		meta_fts_gen_next(d->tail[i], &next, &v, &n);
		for (size_t j = 0; j < n; j++)
			vec_push(&d->lsns, v[j]);
	}
}

/* The lowest trigram the tail hands out next; false when none is left. */
static bool dump_tail_peek(struct dump_state *d, fts_tri *tri_r)
{
	bool any = false;
	for (unsigned i = 0; i < d->ntail; i++) {
		fts_tri next;
		if (meta_fts_gen_peek(d->tail[i], &next) && (!any || next < *tri_r)) {
			*tri_r = next;
			any = true;
		}
	}
	return any;
}

static int lsn_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Prints d->tri's LSNs that still have a document: stale postings (blobs
 * gone) depend on history the log may no longer hold after compaction. */
static void dump_print(struct dump_state *d)
{
	qsort(d->lsns.v, d->lsns.n, sizeof(*d->lsns.v), lsn_cmp);
	bool header = false;
	uint64_t prev = 0;
	for (size_t i = 0; i < d->lsns.n; i++) {
		const void *p;
		size_t len;
		uint64_t lsn = d->lsns.v[i];
		if (lsn == prev || meta_fts_doc_get(d->t, lsn, &p, &len) != RM_OK)
			continue;
		if (!header)
			rm_buf_printf(d->out, "%06x:", d->tri);
		header = true;
		rm_buf_printf(d->out, " %llu", (unsigned long long)lsn);
		prev = lsn;
	}
	if (header)
		rm_buf_putc(d->out, '\n');
	d->lsns.n = 0;
}

/* Prints the tail's trigrams below `below` (they have no chunk). */
static void dump_tail_below(struct dump_state *d, uint64_t below)
{
	fts_tri next = 0;
	while (dump_tail_peek(d, &next) && next < below) {
		d->tri = next;
		dump_add_tail(d, next);
		dump_print(d);
	}
}

/* Prints the trigram whose chunks were gathered, with its tail list. */
static void dump_flush(struct dump_state *d)
{
	if (!d->have)
		return;
	dump_add_tail(d, d->tri);
	dump_print(d);
	d->have = false;
}

static enum rm_err dump_chunk(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct dump_state *d = arg;
	if (meta_fts_is_mark(k))
		return RM_OK;
	if (k->mv_size != FTS_KEY_BYTES)
		return RM_ERR_CORRUPT;
	if (!d->have || meta_fts_key_tri(k) != d->tri) {
		dump_flush(d);
		dump_tail_below(d, meta_fts_key_tri(k));
	}
	d->tri = meta_fts_key_tri(k);
	d->have = true;
	uint64_t last;
	return meta_fts_chunk_walk(k, v, vec_push, &d->lsns, &last) ? RM_OK : RM_ERR_CORRUPT;
}

/* The tail as generations of up to 65,536 documents each. */
static enum rm_err dump_collect(struct dump_state *d)
{
	uint64_t from = meta_fts_merged(d->t);
	for (;;) {
		struct meta_fts_gen *g = meta_fts_gen_new(from, UINT64_MAX, true);
		d->tail = rm_realloc(d->tail, (d->ntail + 1) * sizeof(*d->tail));
		d->tail[d->ntail++] = g;
		bool all;
		enum rm_err err = meta_fts_gen_collect(g, d->t, UINT64_MAX, &all);
		if (err || meta_fts_gen_cutoff(g) == UINT64_MAX)
			return err;
		from = meta_fts_gen_cutoff(g);
	}
}

enum rm_err meta_fts_dump(struct meta_txn *t, struct rm_buf *out)
{
	struct dump_state d = { .t = t, .out = out };
	enum rm_err err = dump_collect(&d);
	if (err == RM_OK)
		err = meta_db_each(t, META_DB_FTS, NULL, 0, dump_chunk, &d);
	if (err == RM_OK) {
		dump_flush(&d);
		dump_tail_below(&d, UINT64_MAX);
	}
	for (unsigned i = 0; i < d.ntail; i++)
		meta_fts_gen_free(&d.tail[i]);
	free(d.tail);
	free(d.lsns.v);
	return err;
}

/* ---- size ------------------------------------------------------------------------- */

enum rm_err meta_fts_size(struct meta_txn *t, uint64_t *bytes_r, uint64_t *docs_r)
{
	*bytes_r = *docs_r = 0;
	static const enum meta_db dbs[] = { META_DB_FTS, META_DB_FTSDOC };
	for (size_t i = 0; i < RM_ARRAY_LEN(dbs); i++) {
		MDB_stat st;
		int rc = mdb_stat(t->txn, t->m->dbi[dbs[i]], &st);
		if (rc)
			return meta_db_err(rc, "stat");
		*bytes_r += (uint64_t)(st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages) *
			    st.ms_psize;
		if (dbs[i] == META_DB_FTSDOC)
			*docs_r = st.ms_entries;
	}
	return RM_OK;
}
