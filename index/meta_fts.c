/*
 * meta_fts.c — the full-text index inside the partition's LMDB environment.
 *
 * Two databases:
 *   ftsdoc  blob LSN (u64 BE) -> FTS document (index/fts_doc.h): the
 *           decoded, folded text search verifies candidates against.
 *   fts     trigram (u24 BE) + first LSN (u64 BE) -> posting chunk: the
 *           LSNs after the first as varint deltas, ascending.  A trigram's
 *           chunks follow each other in key order; a chunk grows until
 *           FTS_CHUNK_BYTES, then the next one starts.
 * and one key in `meta`: "fts_from" (u64 LE), the LSN from which every
 * blob has a document; older blobs (an index from before FTS, or applied
 * without a cache builder) are searched by reading the message.
 *
 * A document is written when its BLOB record is applied (meta_apply, live
 * and replay alike); its trigrams wait in the transaction and are merged
 * into the posting chunks once per transaction (meta_fts_flush), so a group
 * commit touches each trigram's last chunk once, not once per message.
 * When the last reference to a blob goes, its document is deleted; its
 * LSN stays in the postings (stale) and search drops it because no message
 * of the mailbox has that blob.  Postings are a superset of the truth;
 * search verifies every candidate against the document, which is what
 * makes the indexed result exact.
 */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "index/fts_doc.h"
#include "index/meta_db.h"

#define FTS_KEY_BYTES   11u
/* A chunk stays well inside one LMDB page (no overflow pages). */
#define FTS_CHUNK_BYTES 1024u

static const char key_fts_from[] = "fts_from";

bool meta_fts_enabled = true;

struct meta_fts_pair {
	fts_tri tri;
	uint64_t lsn;
};

struct meta_fts_pending {
	struct meta_fts_pair *v;
	size_t n, cap;
};

static void key_put(uint8_t *k, fts_tri t, uint64_t lsn)
{
	k[0] = (uint8_t)(t >> 16);
	k[1] = (uint8_t)(t >> 8);
	k[2] = (uint8_t)t;
	rm_be64_put(k + 3, lsn);
}

static fts_tri key_tri(const MDB_val *k)
{
	const uint8_t *p = k->mv_data;
	return (fts_tri)p[0] << 16 | (fts_tri)p[1] << 8 | p[2];
}

/* ---- fts_from ------------------------------------------------------------ */

uint64_t meta_fts_from(struct meta_txn *t)
{
	MDB_val v;
	if (meta_db_get(t, META_DB_META, key_fts_from, sizeof(key_fts_from) - 1, &v) != RM_OK ||
	    v.mv_size != 8)
		return UINT64_MAX;
	return rm_le64_get(v.mv_data);
}

static enum rm_err fts_from_put(struct meta_txn *t, uint64_t lsn)
{
	uint8_t p[8];
	rm_le64_put(p, lsn);
	return meta_db_put(t, META_DB_META, key_fts_from, sizeof(key_fts_from) - 1, p, 8);
}

enum rm_err meta_fts_open(struct meta_txn *t)
{
	if (meta_fts_from(t) != UINT64_MAX)
		return RM_OK;
	/* A fresh index covers everything; one from before FTS covers what
	 * is applied from now on. */
	return fts_from_put(t, meta_applied_lsn(t) + 1);
}

/* ---- documents ------------------------------------------------------------- */

static void pending_add(struct meta_txn *t, const fts_tri *tris, size_t n, uint64_t lsn)
{
	if (!t->fts)
		t->fts = rm_calloc(1, sizeof(*t->fts));
	struct meta_fts_pending *p = t->fts;
	if (p->n + n > p->cap) {
		p->cap = RM_MAX(p->cap * 2, p->n + n + 1024);
		p->v = rm_realloc(p->v, p->cap * sizeof(*p->v));
	}
	for (size_t i = 0; i < n; i++)
		p->v[p->n++] = (struct meta_fts_pair){ tris[i], lsn };
}

void meta_fts_pending_free(struct meta_txn *t)
{
	if (!t->fts)
		return;
	free(t->fts->v);
	free(t->fts);
	t->fts = NULL;
}

enum rm_err meta_fts_apply_blob(struct meta_txn *t, uint64_t lsn, const char *msg, size_t len,
				const void *cache, size_t cache_len, bool have_cache)
{
	uint8_t k[8];
	rm_be64_put(k, lsn);
	if (!meta_fts_enabled || !have_cache) {
		/* Not indexed: every blob up to this one is searched by scan. */
		uint64_t from = meta_fts_from(t);
		return from != UINT64_MAX && from > lsn ? RM_OK : fts_from_put(t, lsn + 1);
	}
	struct rm_buf doc = { 0 };
	fts_doc_build(msg, len, cache, cache_len, &doc);
	enum rm_err err = meta_db_put(t, META_DB_FTSDOC, k, sizeof(k), doc.data, doc.len);
	if (err == RM_OK) {
		fts_tri *tris;
		size_t n;
		fts_doc_trigrams(doc.data, doc.len, &tris, &n);
		pending_add(t, tris, n, lsn);
		free(tris);
	}
	rm_buf_free(&doc);
	return err;
}

enum rm_err meta_fts_drop_doc(struct meta_txn *t, uint64_t lsn)
{
	uint8_t k[8];
	rm_be64_put(k, lsn);
	return meta_db_del(t, META_DB_FTSDOC, k, sizeof(k));
}

enum rm_err meta_fts_doc_get(struct meta_txn *t, uint64_t lsn, const void **p_r, size_t *len_r)
{
	uint8_t k[8];
	rm_be64_put(k, lsn);
	MDB_val v;
	enum rm_err err = meta_db_get(t, META_DB_FTSDOC, k, sizeof(k), &v);
	*p_r = err ? NULL : v.mv_data;
	*len_r = err ? 0 : v.mv_size;
	return err;
}

/* ---- posting chunks ---------------------------------------------------------- */

/* Decodes a chunk: first LSN from the key, then deltas.  Calls fn for each
 * LSN; returns false when the bytes do not decode or do not ascend. */
typedef void chunk_fn(void *arg, uint64_t lsn);

static bool chunk_walk(const MDB_val *k, const MDB_val *v, chunk_fn *fn, void *arg,
		       uint64_t *last_r)
{
	if (k->mv_size != FTS_KEY_BYTES)
		return false;
	uint64_t lsn = rm_be64_get((const uint8_t *)k->mv_data + 3);
	if (fn)
		fn(arg, lsn);
	const uint8_t *p = v->mv_data, *end = p + v->mv_size;
	while (p < end) {
		uint64_t d;
		size_t n = fts_varint_get(p, end, &d);
		if (n == 0 || d == 0 || lsn + d < lsn)
			return false;
		lsn += d;
		p += n;
		if (fn)
			fn(arg, lsn);
	}
	*last_r = lsn;
	return true;
}

/* Appends lsns[0..n) (ascending) to trigram t's last chunk, starting new
 * chunks as they fill.  LSNs not above the last one stored are skipped. */
static enum rm_err append_tri(struct meta_txn *t, MDB_cursor *c, fts_tri tri,
			      const uint64_t *lsns, size_t n)
{
	uint8_t k[FTS_KEY_BYTES], buf[FTS_CHUNK_BYTES + 16];
	key_put(k, tri, UINT64_MAX);
	MDB_val kv = { sizeof(k), k }, vv;
	int rc = mdb_cursor_get(c, &kv, &vv, MDB_SET_RANGE);
	rc = mdb_cursor_get(c, &kv, &vv, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
	size_t len = 0;
	uint64_t last = 0;
	bool open = false;       /* k names a chunk that buf continues */
	if (rc == 0 && kv.mv_size == FTS_KEY_BYTES && key_tri(&kv) == tri) {
		if (!chunk_walk(&kv, &vv, NULL, NULL, &last) || vv.mv_size > FTS_CHUNK_BYTES)
			return RM_ERR_CORRUPT;
		memcpy(k, kv.mv_data, FTS_KEY_BYTES);
		memcpy(buf, vv.mv_data, vv.mv_size);
		len = vv.mv_size;
		open = true;
	} else if (rc != 0 && rc != MDB_NOTFOUND) {
		return meta_db_err(rc, "fts_seek");
	}
	bool dirty = false;
	for (size_t i = 0; i < n; i++) {
		if (open && lsns[i] <= last)
			continue;
		if (!open || len + 10 > FTS_CHUNK_BYTES) {
			if (dirty) {
				enum rm_err err = meta_db_put(t, META_DB_FTS, k, sizeof(k), buf, len);
				if (err)
					return err;
			}
			key_put(k, tri, lsns[i]);
			len = 0;
			open = true;
		} else {
			len += fts_varint_put(buf + len, lsns[i] - last);
		}
		last = lsns[i];
		dirty = true;
	}
	return dirty ? meta_db_put(t, META_DB_FTS, k, sizeof(k), buf, len) : RM_OK;
}

static int pair_cmp(const void *a, const void *b)
{
	const struct meta_fts_pair *x = a, *y = b;
	if (x->tri != y->tri)
		return x->tri < y->tri ? -1 : 1;
	return x->lsn < y->lsn ? -1 : x->lsn > y->lsn;
}

enum rm_err meta_fts_flush(struct meta_txn *t)
{
	struct meta_fts_pending *p = t->fts;
	if (!p || p->n == 0)
		return RM_OK;
	RM_ASSERT(t->write);
	qsort(p->v, p->n, sizeof(*p->v), pair_cmp);
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->m->dbi[META_DB_FTS], &c);
	if (rc)
		return meta_db_err(rc, "cursor_open");
	uint64_t *lsns = rm_malloc(p->n * sizeof(*lsns));
	enum rm_err err = RM_OK;
	for (size_t i = 0; i < p->n && err == RM_OK;) {
		size_t j = i, m = 0;
		for (; j < p->n && p->v[j].tri == p->v[i].tri; j++)
			if (m == 0 || lsns[m - 1] != p->v[j].lsn)
				lsns[m++] = p->v[j].lsn;
		err = append_tri(t, c, p->v[i].tri, lsns, m);
		i = j;
	}
	free(lsns);
	mdb_cursor_close(c);
	p->n = 0;
	return err;
}

/* ---- lookups -------------------------------------------------------------------- */

struct lsn_vec {
	uint64_t *v;
	size_t n, cap;
};

static void vec_push(void *arg, uint64_t lsn)
{
	struct lsn_vec *l = arg;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = rm_realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = lsn;
}

enum rm_err meta_fts_postings(struct meta_txn *t, fts_tri tri, uint64_t **lsns_r, size_t *n_r)
{
	struct lsn_vec l = { 0 };
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->m->dbi[META_DB_FTS], &c);
	if (rc)
		return meta_db_err(rc, "cursor_open");
	uint8_t k[FTS_KEY_BYTES];
	key_put(k, tri, 0);
	MDB_val kv = { sizeof(k), k }, vv;
	enum rm_err err = RM_OK;
	for (rc = mdb_cursor_get(c, &kv, &vv, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &kv, &vv, MDB_NEXT)) {
		uint64_t last;
		if (kv.mv_size != FTS_KEY_BYTES || key_tri(&kv) != tri)
			break;
		if (!chunk_walk(&kv, &vv, vec_push, &l, &last)) {
			err = RM_ERR_CORRUPT;
			break;
		}
	}
	mdb_cursor_close(c);
	if (err == RM_OK && rc != 0 && rc != MDB_NOTFOUND)
		err = meta_db_err(rc, "fts_get");
	if (err) {
		free(l.v);
		l.v = NULL;
		l.n = 0;
	}
	*lsns_r = l.v;
	*n_r = l.n;
	return err;
}

/* ---- dump (the rebuilt == live tests) --------------------------------------------- */

struct dump_state {
	struct meta_txn *t;
	struct rm_buf *out;
	fts_tri tri;
	bool have;
	struct lsn_vec lsns;
};

static void dump_flush(struct dump_state *d)
{
	if (!d->have)
		return;
	bool header = false;
	uint64_t prev = 0;
	for (size_t i = 0; i < d->lsns.n; i++) {
		const void *p;
		size_t len;
		uint64_t lsn = d->lsns.v[i];
		/* Stale postings (blobs gone) depend on history the log may
		 * no longer hold after compaction: leave them out. */
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
	d->have = false;
}

static enum rm_err dump_chunk(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct dump_state *d = arg;
	if (k->mv_size != FTS_KEY_BYTES)
		return RM_ERR_CORRUPT;
	if (d->have && key_tri(k) != d->tri)
		dump_flush(d);
	d->tri = key_tri(k);
	d->have = true;
	uint64_t last;
	return chunk_walk(k, v, vec_push, &d->lsns, &last) ? RM_OK : RM_ERR_CORRUPT;
}

enum rm_err meta_fts_dump(struct meta_txn *t, struct rm_buf *out)
{
	struct dump_state d = { .t = t, .out = out };
	enum rm_err err = meta_db_each(t, META_DB_FTS, NULL, 0, dump_chunk, &d);
	if (err == RM_OK)
		dump_flush(&d);
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
