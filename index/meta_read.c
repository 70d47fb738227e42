/* Point lookups in the index, and the few writes outside meta_apply
 * (counters, compaction's blob moves). */
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "index/meta_db.h"

static const char key_counters[] = "counters";
static const char key_applied[] = "applied";

enum rm_err meta_counters_get(struct meta_txn *t, struct meta_counters *r)
{
	memset(r, 0, sizeof(*r));
	MDB_val v;
	enum rm_err err = meta_db_get(t, META_DB_META, key_counters, sizeof(key_counters) - 1, &v);
	if (err == RM_ERR_NOTFOUND)
		return RM_OK;
	if (err)
		return err;
	if (v.mv_size != META_COUNTERS_BYTES)
		return RM_ERR_CORRUPT;
	const uint8_t *p = v.mv_data;
	r->user_id = rm_le64_get(p);
	r->mailbox_id = rm_le64_get(p + 8);
	r->modseq = rm_le64_get(p + 16);
	r->uidvalidity = rm_le32_get(p + 24);
	return RM_OK;
}

enum rm_err meta_counters_put(struct meta_txn *t, const struct meta_counters *c)
{
	uint8_t p[META_COUNTERS_BYTES];
	rm_le64_put(p, c->user_id);
	rm_le64_put(p + 8, c->mailbox_id);
	rm_le64_put(p + 16, c->modseq);
	rm_le32_put(p + 24, c->uidvalidity);
	return meta_db_put(t, META_DB_META, key_counters, sizeof(key_counters) - 1, p, sizeof(p));
}

uint64_t meta_applied_lsn(struct meta_txn *t)
{
	MDB_val v;
	if (meta_db_get(t, META_DB_META, key_applied, sizeof(key_applied) - 1, &v) != RM_OK ||
	    v.mv_size != 8)
		return 0;
	return rm_le64_get(v.mv_data);
}

enum rm_err meta_applied_put(struct meta_txn *t, uint64_t lsn)
{
	uint8_t p[8];
	rm_le64_put(p, lsn);
	return meta_db_put(t, META_DB_META, key_applied, sizeof(key_applied) - 1, p, sizeof(p));
}

enum rm_err meta_user_get(struct meta_txn *t, const char *login, size_t len, struct store_user *r)
{
	MDB_val v;
	if (len == 0)
		return RM_ERR_NOTFOUND;
	enum rm_err err = meta_db_get(t, META_DB_USERS, login, len, &v);
	if (err)
		return err;
	err = meta_user_dec(&v, r);
	r->login = login;
	r->login_len = len;
	return err;
}

enum rm_err meta_user_by_id(struct meta_txn *t, uint64_t user_id, struct store_user *r)
{
	uint8_t k[8];
	rm_be64_put(k, user_id);
	MDB_val v;
	enum rm_err err = meta_db_get(t, META_DB_USERIDS, k, sizeof(k), &v);
	if (err)
		return err;
	err = meta_user_get(t, v.mv_data, v.mv_size, r);
	return err == RM_ERR_NOTFOUND ? RM_ERR_CORRUPT : err;
}

enum rm_err meta_mailbox_get(struct meta_txn *t, uint64_t user_id, const char *name, size_t len,
			     struct store_mailbox *r)
{
	uint8_t k[META_UKEY_MAX];
	if (len == 0 || len > META_UKEY_MAX - 8)
		return RM_ERR_NOTFOUND;
	size_t klen = meta_key_uname(k, user_id, name, len);
	MDB_val v;
	enum rm_err err = meta_db_get(t, META_DB_MAILBOXES, k, klen, &v);
	if (err)
		return err;
	err = meta_mailbox_dec(&v, r);
	r->user_id = user_id;
	r->name = name;
	r->name_len = len;
	r->subscribed = meta_subscribed(t, user_id, name, len);
	return err;
}

enum rm_err meta_mailbox_by_id(struct meta_txn *t, uint64_t mailbox_id, struct store_mailbox *r)
{
	uint8_t k[8];
	rm_be64_put(k, mailbox_id);
	MDB_val v;
	enum rm_err err = meta_db_get(t, META_DB_MBOXIDS, k, sizeof(k), &v);
	if (err)
		return err;
	if (v.mv_size <= 8)
		return RM_ERR_CORRUPT;
	const uint8_t *p = v.mv_data;
	err = meta_mailbox_get(t, rm_be64_get(p), (const char *)p + 8, v.mv_size - 8, r);
	if (err == RM_OK && r->id != mailbox_id)
		err = RM_ERR_CORRUPT;
	return err == RM_ERR_NOTFOUND ? RM_ERR_CORRUPT : err;
}

enum rm_err meta_msg_get(struct meta_txn *t, uint64_t mailbox_id, uint32_t uid, struct store_msg *r)
{
	uint8_t k[12];
	rm_be64_put(k, mailbox_id);
	rm_be32_put(k + 8, uid);
	MDB_val v;
	enum rm_err err = meta_db_get(t, META_DB_MESSAGES, k, sizeof(k), &v);
	if (err)
		return err;
	r->mailbox_id = mailbox_id;
	r->uid = uid;
	return meta_msg_dec(&v, r);
}

bool meta_subscribed(struct meta_txn *t, uint64_t user_id, const char *name, size_t len)
{
	uint8_t k[META_UKEY_MAX];
	if (len == 0 || len > META_UKEY_MAX - 8)
		return false;
	MDB_val v;
	return meta_db_get(t, META_DB_SUBS, k, meta_key_uname(k, user_id, name, len), &v) == RM_OK;
}

enum rm_err meta_keyword_id(struct meta_txn *t, uint64_t user_id, const char *name, size_t len,
			    uint16_t *id_r)
{
	uint8_t k[9 + RM_KEYWORD_MAX_BYTES];
	if (len == 0 || len > RM_KEYWORD_MAX_BYTES)
		return RM_ERR_NOTFOUND;
	rm_be64_put(k, user_id);
	k[8] = 'n';
	for (size_t i = 0; i < len; i++)
		k[9 + i] = (uint8_t)rm_lower(name[i]);
	MDB_val v;
	enum rm_err err = meta_db_get(t, META_DB_KEYWORDS, k, 9 + len, &v);
	if (err)
		return err;
	if (v.mv_size != 2)
		return RM_ERR_CORRUPT;
	const uint8_t *p = v.mv_data;
	*id_r = (uint16_t)(p[0] << 8 | p[1]);
	return RM_OK;
}

enum rm_err meta_keyword_name(struct meta_txn *t, uint64_t user_id, uint16_t id,
			      const char **name_r, size_t *len_r)
{
	uint8_t k[11];
	rm_be64_put(k, user_id);
	k[8] = 'i';
	k[9] = (uint8_t)(id >> 8);
	k[10] = (uint8_t)id;
	MDB_val v;
	enum rm_err err = meta_db_get(t, META_DB_KEYWORDS, k, sizeof(k), &v);
	if (err)
		return err;
	*name_r = v.mv_data;
	*len_r = v.mv_size;
	return RM_OK;
}

enum rm_err meta_blob_get(struct meta_txn *t, uint64_t lsn, struct meta_blob *r)
{
	uint8_t k[8];
	rm_be64_put(k, lsn);
	MDB_val v;
	enum rm_err err = meta_db_get(t, META_DB_BLOBS, k, sizeof(k), &v);
	if (err)
		return err;
	r->lsn = lsn;
	return meta_blob_dec(&v, r);
}

enum rm_err meta_blob_move(struct meta_txn *t, uint64_t lsn, uint32_t generation, uint64_t offset)
{
	struct meta_blob b;
	enum rm_err err = meta_blob_get(t, lsn, &b);
	if (err)
		return err;
	b.generation = generation;
	b.offset = offset;
	uint8_t k[8], v[META_BLOB_BYTES];
	rm_be64_put(k, lsn);
	meta_blob_enc(v, &b);
	return meta_db_put(t, META_DB_BLOBS, k, sizeof(k), v, sizeof(v));
}

enum rm_err meta_segment_get(struct meta_txn *t, uint32_t seg_no, struct meta_segment *r)
{
	uint8_t k[4];
	rm_be32_put(k, seg_no);
	MDB_val v;
	enum rm_err err = meta_db_get(t, META_DB_SEGMENTS, k, sizeof(k), &v);
	if (err)
		return err;
	r->seg_no = seg_no;
	return meta_segment_dec(&v, r);
}

enum rm_err meta_segment_put(struct meta_txn *t, const struct meta_segment *s)
{
	uint8_t k[4], v[META_SEGMENT_BYTES];
	rm_be32_put(k, s->seg_no);
	meta_segment_enc(v, s);
	return meta_db_put(t, META_DB_SEGMENTS, k, sizeof(k), v, sizeof(v));
}

enum rm_err meta_cache_get(struct meta_txn *t, uint64_t blob_lsn, const void **p_r, size_t *len_r)
{
	uint8_t k[8];
	rm_be64_put(k, blob_lsn);
	MDB_val v;
	enum rm_err err = meta_db_get(t, META_DB_CACHE, k, sizeof(k), &v);
	if (err)
		return err;
	*p_r = v.mv_size ? v.mv_data : NULL;
	*len_r = v.mv_size;
	return RM_OK;
}

enum rm_err meta_segment_del(struct meta_txn *t, uint32_t seg_no)
{
	uint8_t k[4];
	rm_be32_put(k, seg_no);
	return meta_db_del(t, META_DB_SEGMENTS, k, sizeof(k));
}

enum rm_err meta_blob_drop(struct meta_txn *t, uint64_t lsn)
{
	uint8_t k[8];
	rm_be64_put(k, lsn);
	enum rm_err err = meta_db_del(t, META_DB_CACHE, k, sizeof(k));
	if (err == RM_OK)
		err = meta_fts_drop_doc(t, lsn);
	return err ? err : meta_db_del(t, META_DB_BLOBS, k, sizeof(k));
}

/* ---- lookup cursors ------------------------------------------------------- */

struct meta_lookup {
	struct meta_txn *t;
	MDB_cursor *msgs;
	MDB_cursor *cache;
};

enum rm_err meta_lookup_open(struct meta_txn *t, struct meta_lookup **r)
{
	struct meta_lookup *l = rm_calloc(1, sizeof(*l));
	l->t = t;
	*r = l;
	return RM_OK;
}

void meta_lookup_free(struct meta_lookup **lp)
{
	struct meta_lookup *l = *lp;
	if (!l)
		return;
	if (l->msgs)
		mdb_cursor_close(l->msgs);
	if (l->cache)
		mdb_cursor_close(l->cache);
	free(l);
	*lp = NULL;
}

/* Steps a lookup may take forward from the cursor's key before it seeks:
 * the next message of a mailbox is usually the next key (cache blobs of
 * one mailbox interleave with other users' only), and a step is a move on
 * the leaf page or to its sibling, where a seek descends from the root:
 * the cache database holds one or two entries per leaf page. */
#define LOOKUP_STEPS 8

/* key in the cursor's database, through the cursor.  Keys of both
 * databases are fixed-length big-endian, so memcmp is LMDB's order. */
static enum rm_err lookup_get(struct meta_lookup *l, MDB_cursor **c, enum meta_db db,
			      const void *key, size_t klen, MDB_val *v)
{
	MDB_val k;
	if (!*c) {
		int rc = mdb_cursor_open(l->t->txn, l->t->m->dbi[db], c);
		if (rc) {
			*c = NULL;
			return meta_db_err(rc, "cursor_open");
		}
	} else if (mdb_cursor_get(*c, &k, v, MDB_GET_CURRENT) == 0 && k.mv_size == klen) {
		int cmp = memcmp(k.mv_data, key, klen);
		for (int i = 0; cmp < 0 && i < LOOKUP_STEPS; i++) {
			if (mdb_cursor_get(*c, &k, v, MDB_NEXT) != 0 || k.mv_size != klen)
				break;
			cmp = memcmp(k.mv_data, key, klen);
			if (cmp > 0)   /* walked past it: not there */
				return RM_ERR_NOTFOUND;
		}
		if (cmp == 0)
			return RM_OK;
	}
	/* LMDB compares the key with the cursor's leaf page before it
	 * descends from the root. */
	k.mv_size = klen;
	k.mv_data = (void *)key;
	return meta_db_err(mdb_cursor_get(*c, &k, v, MDB_SET_KEY), meta_db_names[db]);
}

enum rm_err meta_lookup_msg(struct meta_lookup *l, uint64_t mailbox_id, uint32_t uid,
			    struct store_msg *r)
{
	uint8_t k[12];
	rm_be64_put(k, mailbox_id);
	rm_be32_put(k + 8, uid);
	MDB_val v;
	enum rm_err err = lookup_get(l, &l->msgs, META_DB_MESSAGES, k, sizeof(k), &v);
	if (err)
		return err;
	r->mailbox_id = mailbox_id;
	r->uid = uid;
	return meta_msg_dec(&v, r);
}

enum rm_err meta_lookup_cache(struct meta_lookup *l, uint64_t blob_lsn, const void **p_r,
			      size_t *len_r)
{
	uint8_t k[8];
	rm_be64_put(k, blob_lsn);
	MDB_val v;
	enum rm_err err = lookup_get(l, &l->cache, META_DB_CACHE, k, sizeof(k), &v);
	if (err)
		return err;
	*p_r = v.mv_size ? v.mv_data : NULL;
	*len_r = v.mv_size;
	return RM_OK;
}
