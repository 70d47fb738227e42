/*
 * meta_fts.c — the full-text index inside the partition's LMDB environment:
 * documents, the posting chunks, and merging documents into them.
 *
 * Two databases:
 *   ftsdoc  blob LSN (u64 BE) -> FTS document (index/fts_doc.h): the
 *           decoded, folded text search verifies candidates against.
 *   fts     trigram (u24 BE) + first LSN (u64 BE) -> posting chunk: the
 *           LSNs after the first as varint deltas, ascending.  A trigram's
 *           chunks follow each other in key order; a chunk grows until
 *           FTS_CHUNK_BYTES, then the next one starts.
 *           One more key, the single byte 0x00 (before every chunk): the
 *           merge mark M, u64 LE.  Every document below M has all its
 *           trigrams posted; documents from M on (the *tail*) may not.  M
 *           depends on when merges ran, so it lives here, where meta_dump
 *           compares content only.
 * and one key in `meta`: "fts_from" (u64 LE), the LSN from which every
 * blob has a document; older blobs (an index from before FTS, or applied
 * without a cache builder) are searched by reading the message.
 *
 * A document is written when its BLOB record is applied (meta_apply, live
 * and replay alike), in the same transaction as the message; nothing else
 * happens then, so the group commit does not wait for postings.  Search
 * reads M from the same snapshot as the postings and matches every tail
 * document directly (server/imap/search_index.c), so the tail is always
 * searched exactly.
 *
 * Merging runs in *generations* (meta_fts_gen.h): a generation takes the
 * tail's documents below a cutoff, inverts them into one LSN list per
 * trigram, and appends the lists in trigram order to each trigram's last
 * chunk, then raises M to the cutoff.  Each step of it is bounded (so many
 * documents read, or so many lists appended) and runs inside whatever
 * write transaction the caller has: the store runs one per group commit
 * or alone on an idle partition (storage/store_fts.c).  A trigram's last
 * chunk is thus rewritten once per generation, not once per message.
 *
 * Appending is idempotent: LSNs not above a trigram's last posted LSN are
 * skipped.  That keeps failures simple: when a write transaction that
 * touched a generation aborts, the generation is dropped, and a later one
 * starts again from M (as after a crash); lists appended twice are
 * skipped the second time.  When the tail reaches RM_FTS_PENDING_MAX_BYTES
 * of text or RM_FTS_PENDING_MAX_DOCS documents (a replay, or merges that
 * cannot keep up), the document that crosses it merges the whole tail in
 * its own transaction.
 *
 * When the last reference to a blob goes, its document is deleted; its LSN
 * stays in the postings (stale) and search drops it because no message of
 * the mailbox has that blob.  Postings are a superset of the truth; search
 * verifies every candidate against the document, which is what makes the
 * indexed result exact.
 */
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "index/fts_doc.h"
#include "index/meta_db.h"
#include "index/meta_fts_gen.h"

static const char key_fts_from[] = "fts_from";
static const uint8_t key_merged[1] = { 0 };

bool meta_fts_enabled = true;

void meta_fts_key_put(uint8_t *k, fts_tri t, uint64_t lsn)
{
	k[0] = (uint8_t)(t >> 16);
	k[1] = (uint8_t)(t >> 8);
	k[2] = (uint8_t)t;
	rm_be64_put(k + 3, lsn);
}

fts_tri meta_fts_key_tri(const MDB_val *k)
{
	const uint8_t *p = k->mv_data;
	return (fts_tri)p[0] << 16 | (fts_tri)p[1] << 8 | p[2];
}

/* ---- marks ----------------------------------------------------------------- */

static uint64_t mark_get(struct meta_txn *t, enum meta_db db, const void *key, size_t len)
{
	MDB_val v;
	if (meta_db_get(t, db, key, len, &v) != RM_OK || v.mv_size != 8)
		return UINT64_MAX;
	return rm_le64_get(v.mv_data);
}

static enum rm_err mark_put(struct meta_txn *t, enum meta_db db, const void *key, size_t len,
			    uint64_t lsn)
{
	uint8_t p[8];
	rm_le64_put(p, lsn);
	return meta_db_put(t, db, key, len, p, 8);
}

uint64_t meta_fts_from(struct meta_txn *t)
{
	return mark_get(t, META_DB_META, key_fts_from, sizeof(key_fts_from) - 1);
}

static enum rm_err from_put(struct meta_txn *t, uint64_t lsn)
{
	return mark_put(t, META_DB_META, key_fts_from, sizeof(key_fts_from) - 1, lsn);
}

uint64_t meta_fts_merged(struct meta_txn *t)
{
	uint64_t m = mark_get(t, META_DB_FTS, key_merged, sizeof(key_merged));
	return m == UINT64_MAX ? 0 : m;
}

bool meta_fts_is_mark(const MDB_val *k)
{
	return k->mv_size == sizeof(key_merged) && !memcmp(k->mv_data, key_merged, k->mv_size);
}

static enum rm_err merged_raise(struct meta_txn *t, uint64_t lsn)
{
	if (meta_fts_merged(t) >= lsn)
		return RM_OK;
	return mark_put(t, META_DB_FTS, key_merged, sizeof(key_merged), lsn);
}

enum rm_err meta_fts_open(struct meta_txn *t)
{
	/* A fresh index covers everything; one from before FTS covers what
	 * is applied from now on.  An index without the merge mark merged
	 * every transaction's trigrams before its commit. */
	enum rm_err err = RM_OK;
	if (meta_fts_from(t) == UINT64_MAX)
		err = from_put(t, meta_applied_lsn(t) + 1);
	if (err == RM_OK && mark_get(t, META_DB_FTS, key_merged, sizeof(key_merged)) == UINT64_MAX)
		err = mark_put(t, META_DB_FTS, key_merged, sizeof(key_merged),
			       meta_applied_lsn(t) + 1);
	return err;
}

/* ---- the tail ------------------------------------------------------------------ */

/* What the partition's thread knows of the tail: its size (for the merge
 * policy: documents applied since M, including deleted ones until the next
 * count) and the generation being merged. */
struct meta_fts_tail {
	uint64_t docs, bytes;
	struct meta_fts_gen *gen;
	bool recount;                  /* count the tail at the next use */
	bool touched;                  /* the open write transaction changed it */
};

void meta_fts_tail_free(struct meta *m)
{
	if (!m->fts_tail)
		return;
	meta_fts_gen_free(&m->fts_tail->gen);
	free(m->fts_tail);
	m->fts_tail = NULL;
}

/* Documents and bytes from M on, as t sees them (keys and sizes only:
 * LMDB knows a value's size without reading it). */
static enum rm_err tail_count(struct meta_txn *t, struct meta_fts_tail *tl)
{
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->m->dbi[META_DB_FTSDOC], &c);
	if (rc)
		return meta_db_err(rc, "cursor_open");
	uint8_t k[8];
	rm_be64_put(k, meta_fts_merged(t));
	MDB_val kv = { sizeof(k), k }, vv;
	tl->docs = tl->bytes = 0;
	for (rc = mdb_cursor_get(c, &kv, &vv, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &kv, &vv, MDB_NEXT)) {
		tl->docs++;
		tl->bytes += vv.mv_size;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return meta_db_err(rc, "fts_count");
	tl->recount = false;
	return RM_OK;
}

static enum rm_err tail_get(struct meta_txn *t, struct meta_fts_tail **r)
{
	struct meta *m = t->m;
	if (!m->fts_tail) {
		m->fts_tail = rm_calloc(1, sizeof(*m->fts_tail));
		m->fts_tail->recount = true;
	}
	*r = m->fts_tail;
	return m->fts_tail->recount ? tail_count(t, m->fts_tail) : RM_OK;
}

void meta_fts_txn_end(struct meta *m, bool committed)
{
	struct meta_fts_tail *tl = m->fts_tail;
	if (!tl || !tl->touched)
		return;
	tl->touched = false;
	if (committed)
		return;
	/* The generation may hold documents of the lost transaction, whose
	 * LSNs will be handed out again: start over from M. */
	meta_fts_gen_free(&tl->gen);
	tl->recount = true;
}

void meta_fts_tail_stats(struct meta *m, struct meta_fts_tail_stats *r)
{
	memset(r, 0, sizeof(*r));
	struct meta_fts_tail *tl = m->fts_tail;
	if (!tl || tl->recount) {
		r->recount = true;
		return;
	}
	r->docs = tl->docs;
	r->bytes = tl->bytes;
	r->merging = tl->gen != NULL;
}

/* ---- documents ------------------------------------------------------------- */

enum rm_err meta_fts_apply_blob(struct meta_txn *t, uint64_t lsn, const char *msg, size_t len,
				const void *cache, size_t cache_len, bool have_cache)
{
	uint8_t k[8];
	rm_be64_put(k, lsn);
	if (!meta_fts_enabled || !have_cache) {
		/* Not indexed: every blob up to this one is searched by scan. */
		uint64_t from = meta_fts_from(t);
		return from != UINT64_MAX && from > lsn ? RM_OK : from_put(t, lsn + 1);
	}
	struct meta_fts_tail *tl;
	enum rm_err err = tail_get(t, &tl);
	if (err)
		return err;
	struct rm_buf doc = { 0 };
	fts_doc_build(msg, len, cache, cache_len, &doc);
	err = meta_db_put(t, META_DB_FTSDOC, k, sizeof(k), doc.data, doc.len);
	if (err == RM_OK) {
		tl->touched = true;
		tl->docs++;
		tl->bytes += doc.len;
		if (tl->bytes >= RM_FTS_PENDING_MAX_BYTES || tl->docs >= RM_FTS_PENDING_MAX_DOCS)
			err = meta_fts_merge_all(t);
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

bool meta_fts_chunk_walk(const MDB_val *k, const MDB_val *v, meta_fts_chunk_fn *fn, void *arg,
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

/* Writes chunk (k, buf[0..len)): over the cursor's entry when it is that
 * chunk, as a new entry otherwise. */
static enum rm_err chunk_put(MDB_cursor *c, const uint8_t *k, const uint8_t *buf, size_t len,
			     bool current)
{
	MDB_val kv = { FTS_KEY_BYTES, (void *)k }, vv = { len, (void *)buf };
	int rc = mdb_cursor_put(c, &kv, &vv, current ? MDB_CURRENT : 0);
	return rc ? meta_db_err(rc, "fts_put") : RM_OK;
}

/* Appends lsns[0..n) (ascending) to trigram tri's last chunk, starting new
 * chunks as they fill.  LSNs not above the last one stored are skipped. */
static enum rm_err append_tri(MDB_cursor *c, fts_tri tri, const uint64_t *lsns, size_t n)
{
	uint8_t k[FTS_KEY_BYTES], buf[FTS_CHUNK_BYTES + 16];
	meta_fts_key_put(k, tri, UINT64_MAX);
	MDB_val kv = { sizeof(k), k }, vv;
	int rc = mdb_cursor_get(c, &kv, &vv, MDB_SET_RANGE);
	rc = mdb_cursor_get(c, &kv, &vv, rc == MDB_NOTFOUND ? MDB_LAST : MDB_PREV);
	size_t len = 0;
	uint64_t last = 0;
	bool open = false;       /* k names a chunk that buf continues */
	bool current = false;    /* ... and the cursor is on it */
	if (rc == 0 && kv.mv_size == FTS_KEY_BYTES && meta_fts_key_tri(&kv) == tri) {
		if (!meta_fts_chunk_walk(&kv, &vv, NULL, NULL, &last) ||
		    vv.mv_size > FTS_CHUNK_BYTES)
			return RM_ERR_CORRUPT;
		memcpy(k, kv.mv_data, FTS_KEY_BYTES);
		memcpy(buf, vv.mv_data, vv.mv_size);
		len = vv.mv_size;
		open = current = true;
	} else if (rc != 0 && rc != MDB_NOTFOUND) {
		return meta_db_err(rc, "fts_seek");
	}
	bool dirty = false;
	for (size_t i = 0; i < n; i++) {
		if (open && lsns[i] <= last)
			continue;
		if (!open || len + 10 > FTS_CHUNK_BYTES) {
			if (dirty) {
				enum rm_err err = chunk_put(c, k, buf, len, current);
				if (err)
					return err;
			}
			current = false;
			meta_fts_key_put(k, tri, lsns[i]);
			len = 0;
			open = true;
		} else {
			len += fts_varint_put(buf + len, lsns[i] - last);
		}
		last = lsns[i];
		dirty = true;
	}
	return dirty ? chunk_put(c, k, buf, len, current) : RM_OK;
}

/* ---- merging ------------------------------------------------------------------- */

/* Appends up to max_lists of the generation's lists (stopping after
 * max_pairs LSNs) to their chunks. */
static enum rm_err append_lists(struct meta_txn *t, struct meta_fts_gen *g, uint64_t max_lists,
				uint64_t max_pairs)
{
	RM_ASSERT(t->write);
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->m->dbi[META_DB_FTS], &c);
	if (rc)
		return meta_db_err(rc, "cursor_open");
	enum rm_err err = RM_OK;
	uint64_t lists = 0, pairs = 0;
	fts_tri tri;
	const uint64_t *lsns;
	size_t n;
	while (err == RM_OK && lists < max_lists && pairs < max_pairs &&
	       meta_fts_gen_next(g, &tri, &lsns, &n)) {
		err = append_tri(c, tri, lsns, n);
		if (err == RM_ERR_CORRUPT) {
			/* The trigram's postings were unreadable before this
			 * merge too (verify reports the chunk); the others
			 * still merge. */
			rm_log(RM_LOG_ERROR, "fts_chunk_corrupt", "tri=%06x", tri);
			err = RM_OK;
		}
		lists++;
		pairs += n;
	}
	mdb_cursor_close(c);
	return err;
}

/* The generation is appended: M moves to its cutoff, the tail shrinks. */
static enum rm_err gen_finish(struct meta_txn *t, struct meta_fts_tail *tl)
{
	enum rm_err err = merged_raise(t, meta_fts_gen_cutoff(tl->gen));
	meta_fts_gen_free(&tl->gen);
	return err ? err : tail_count(t, tl);
}

enum rm_err meta_fts_merge_step(struct meta_txn *t, uint64_t max_lists, uint64_t max_pairs,
				bool *wrote_r, bool *done_r)
{
	struct meta_fts_tail *tl;
	enum rm_err err = tail_get(t, &tl);
	*wrote_r = *done_r = false;
	if (err)
		return err;
	if (!tl->gen) {
		if (tl->docs == 0) {
			*done_r = true;
			return RM_OK;
		}
		/* Every document applied so far, committed or in t. */
		tl->gen = meta_fts_gen_new(meta_fts_merged(t), meta_applied_lsn(t) + 1, false);
		if (!tl->gen)
			return RM_ERR_BUSY;
	}
	tl->touched = true;
	bool all;
	fts_tri tri;
	if (!meta_fts_gen_collected(tl->gen))
		/* Reading documents writes nothing; the lists go next step. */
		return meta_fts_gen_collect(tl->gen, t, max_pairs, &all);
	*wrote_r = true;
	if (meta_fts_gen_peek(tl->gen, &tri)) {
		err = append_lists(t, tl->gen, max_lists, max_pairs);
		if (err || meta_fts_gen_peek(tl->gen, &tri))
			return err;
	}
	err = gen_finish(t, tl);
	*done_r = err == RM_OK && tl->docs == 0;
	return err;
}

enum rm_err meta_fts_merge_all(struct meta_txn *t)
{
	struct meta_fts_tail *tl;
	enum rm_err err = tail_get(t, &tl);
	if (err)
		return err;
	/* A generation under way is replaced by ones for the whole tail; the
	 * lists it appended are skipped. */
	meta_fts_gen_free(&tl->gen);
	tl->touched = true;
	uint64_t end = meta_applied_lsn(t) + 1;
	while (err == RM_OK && meta_fts_merged(t) < end && tl->docs) {
		tl->gen = meta_fts_gen_new(meta_fts_merged(t), end, true);
		bool all;
		err = meta_fts_gen_collect(tl->gen, t, UINT64_MAX, &all);
		if (err == RM_OK)
			err = append_lists(t, tl->gen, UINT64_MAX, UINT64_MAX);
		if (err == RM_OK)
			err = gen_finish(t, tl);
	}
	meta_fts_gen_free(&tl->gen);
	return err;
}
