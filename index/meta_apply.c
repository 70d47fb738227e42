/*
 * meta_apply.c — the index as a function of the log: one function per
 * record type.  The live path (storage/store_exec.c) and replay call the same
 * code, which is what makes `ringmail reindex` give the live index back.
 *
 * A record that contradicts the index (a message that already exists, a
 * mailbox that does not) has its bad entries skipped and makes meta_apply
 * return RM_ERR_CORRUPT; everything else in it is applied.
 */
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "index/meta_db.h"

/* State shared by the handlers of one record. */
struct apply {
	struct meta_txn *t;
	const struct log_rec *r;
	const struct meta_pos *pos;
	struct meta_counters ctr;
	struct rm_buf val;          /* message value scratch */
	uint32_t skipped;
	/* Copies of the names of the loaded mailbox and user: pointers into the
	 * map do not survive the writes that follow. */
	char name[RM_STORE_MAILBOX_NAME_MAX_BYTES];
	char login[RM_AUTH_LOGIN_MAX_BYTES];
};

static enum rm_err put_user(struct meta_txn *t, const struct store_user *u)
{
	uint8_t v[META_USER_BYTES];
	meta_user_enc(v, u);
	return meta_db_put(t, META_DB_USERS, u->login, u->login_len, v, sizeof(v));
}

static enum rm_err put_mailbox(struct meta_txn *t, const struct store_mailbox *mb)
{
	uint8_t k[META_UKEY_MAX], v[META_MAILBOX_BYTES];
	meta_mailbox_enc(v, mb);
	size_t klen = meta_key_uname(k, mb->user_id, mb->name, mb->name_len);
	return meta_db_put(t, META_DB_MAILBOXES, k, klen, v, sizeof(v));
}

static void key_mbox_u64(uint8_t *k, uint64_t mailbox_id, uint64_t v)
{
	rm_be64_put(k, mailbox_id);
	rm_be64_put(k + 8, v);
}

/* The user by id, with its login copied into a->login. */
static enum rm_err load_user(struct apply *a, uint64_t user_id, struct store_user *u)
{
	enum rm_err err = meta_user_by_id(a->t, user_id, u);
	if (err)
		return err;
	if (u->login_len > sizeof(a->login))
		return RM_ERR_CORRUPT;
	memcpy(a->login, u->login, u->login_len);
	u->login = a->login;
	return RM_OK;
}

/* ---- segments and blobs ------------------------------------------------- */

static enum rm_err account_segment(struct apply *a)
{
	struct meta_segment s;
	enum rm_err err = meta_segment_get(a->t, a->pos->seg_no, &s);
	if (err == RM_ERR_NOTFOUND) {
		memset(&s, 0, sizeof(s));
		s.seg_no = a->pos->seg_no;
		s.generation = a->pos->generation;
		s.first_lsn = a->r->lsn;
	} else if (err) {
		return err;
	}
	uint64_t bytes = LOG_REC_HEADER_BYTES + (uint64_t)a->r->len;
	s.last_lsn = a->r->lsn;
	s.records++;
	s.total_bytes += bytes;
	s.live_bytes += bytes;
	return meta_segment_put(a->t, &s);
}

static enum rm_err apply_blob(struct apply *a)
{
	struct meta_blob b = {
		.lsn = a->r->lsn, .seg_no = a->pos->seg_no, .generation = a->pos->generation,
		.offset = a->pos->offset, .size_bytes = a->r->len, .refs = 0,
	};
	uint8_t k[8], v[META_BLOB_BYTES];
	rm_be64_put(k, b.lsn);
	meta_blob_enc(v, &b);
	enum rm_err err = meta_db_put(a->t, META_DB_BLOBS, k, sizeof(k), v, sizeof(v));
	if (err)
		return err;
	struct rm_buf cache = {0};
	if (meta_cache_builder &&
	    meta_cache_builder((const char *)a->r->payload, a->r->len, &cache) != RM_OK)
		rm_buf_reset(&cache);   /* unparsable MIME: FETCH falls back to the bytes */
	err = meta_db_put(a->t, META_DB_CACHE, k, sizeof(k), cache.data, cache.len);
	if (err == RM_OK)
		err = meta_fts_apply_blob(a->t, b.lsn, (const char *)a->r->payload, a->r->len,
					  cache.data, cache.len, meta_cache_builder != NULL);
	rm_buf_free(&cache);
	return err;
}

/* refs +1 or -1.  A blob missing from the index was reclaimed by compaction
 * after its last reference went away, which replay of a compacted log meets
 * before the expunge that freed it: nothing to count then. */
static enum rm_err blob_ref(struct apply *a, uint64_t lsn, int delta)
{
	struct meta_blob b;
	enum rm_err err = meta_blob_get(a->t, lsn, &b);
	if (err == RM_ERR_NOTFOUND)
		return RM_OK;
	if (err)
		return err;
	uint8_t k[8];
	rm_be64_put(k, lsn);
	if (delta > 0 || b.refs > 1) {
		b.refs = delta > 0 ? b.refs + 1 : b.refs - 1;
		uint8_t v[META_BLOB_BYTES];
		meta_blob_enc(v, &b);
		return meta_db_put(a->t, META_DB_BLOBS, k, sizeof(k), v, sizeof(v));
	}
	/* Last reference gone: the bytes are dead and compaction may drop them. */
	struct meta_segment s;
	err = meta_segment_get(a->t, b.seg_no, &s);
	if (err == RM_OK) {
		s.live_bytes -= RM_MIN(s.live_bytes, LOG_REC_HEADER_BYTES + b.size_bytes);
		err = meta_segment_put(a->t, &s);
	}
	if (err == RM_OK)
		err = meta_db_del(a->t, META_DB_CACHE, k, sizeof(k));
	if (err == RM_OK)
		err = meta_fts_drop_doc(a->t, lsn);
	return err ? err : meta_db_del(a->t, META_DB_BLOBS, k, sizeof(k));
}

/* ---- messages ----------------------------------------------------------- */

/* Loads the mailbox and user of a message record; both must exist and
 * belong together. */
static enum rm_err load_owner(struct apply *a, struct store_mailbox *mb, struct store_user *u)
{
	enum rm_err err = meta_mailbox_by_id(a->t, a->r->mailbox_id, mb);
	if (err == RM_OK && mb->user_id != a->r->user_id)
		err = RM_ERR_CORRUPT;
	if (err == RM_OK)
		err = load_user(a, a->r->user_id, u);
	if (err)
		return err == RM_ERR_NOTFOUND ? RM_ERR_CORRUPT : err;
	RM_ASSERT(mb->name_len <= sizeof(a->name));
	memcpy(a->name, mb->name, mb->name_len);
	mb->name = a->name;
	return RM_OK;
}

static void count_msg(struct store_mailbox *mb, struct store_user *u, uint32_t flags,
		      uint64_t size, int dir)
{
	uint64_t d = (uint64_t)(int64_t)dir;   /* +1 or wraps to -1 */
	mb->messages += d;
	mb->unseen += (flags & STORE_F_SEEN) ? 0 : d;
	mb->deleted += (flags & STORE_F_DELETED) ? d : 0;
	mb->size_bytes += d * size;
	u->messages += d;
	u->size_bytes += d * size;
}

static enum rm_err put_msg(struct apply *a, const struct store_msg *m, const struct log_entry *e)
{
	uint16_t kw[RM_KEYWORDS_MAX];
	for (unsigned i = 0; i < e->nkw; i++)
		kw[i] = log_entry_kw(e, i);
	meta_msg_enc(&a->val, m, kw);
	uint8_t k[16];
	rm_be64_put(k, m->mailbox_id);
	rm_be32_put(k + 8, m->uid);
	enum rm_err err = meta_db_put(a->t, META_DB_MESSAGES, k, 12, a->val.data, a->val.len);
	if (err)
		return err;
	uint8_t uid[4];
	rm_be32_put(uid, m->uid);
	key_mbox_u64(k, m->mailbox_id, m->modseq);
	return meta_db_put(a->t, META_DB_MODSEQ, k, 16, uid, 4);
}

static void bump_modseq(struct apply *a, struct store_mailbox *mb, uint64_t modseq)
{
	mb->highestmodseq = RM_MAX(mb->highestmodseq, modseq);
	a->ctr.modseq = RM_MAX(a->ctr.modseq, modseq);
}

static enum rm_err add_entry(struct apply *a, struct store_mailbox *mb, struct store_user *u,
			     const struct log_entry *e, struct store_msg *old)
{
	struct store_msg m = {
		.mailbox_id = mb->id, .uid = e->uid, .flags = e->flags & STORE_F_ALL,
		.modseq = e->modseq, .internal_date_s = e->internal_date_s,
		.save_date_s = e->save_date_s, .size_bytes = e->size_bytes,
		.blob_lsn = e->blob_lsn, .nkeywords = e->nkw,
	};
	enum rm_err err = blob_ref(a, e->blob_lsn, +1);
	if (err == RM_OK)
		err = put_msg(a, &m, e);
	count_msg(mb, u, m.flags, m.size_bytes, +1);
	mb->uidnext = RM_MAX(mb->uidnext, (uint64_t)e->uid + 1);
	bump_modseq(a, mb, e->modseq);
	return err;
}

static enum rm_err del_modseq_key(struct apply *a, uint64_t mailbox_id, uint64_t modseq)
{
	uint8_t k[16];
	key_mbox_u64(k, mailbox_id, modseq);
	return meta_db_del(a->t, META_DB_MODSEQ, k, sizeof(k));
}

static enum rm_err flags_entry(struct apply *a, struct store_mailbox *mb, struct store_user *u,
			       const struct log_entry *e, struct store_msg *old)
{
	struct store_msg m = *old;
	enum rm_err err = del_modseq_key(a, mb->id, m.modseq);
	count_msg(mb, u, m.flags, 0, -1);
	m.flags = e->flags & STORE_F_ALL;
	m.modseq = e->modseq;
	m.nkeywords = e->nkw;
	count_msg(mb, u, m.flags, 0, +1);
	bump_modseq(a, mb, e->modseq);
	return err ? err : put_msg(a, &m, e);
}

static enum rm_err expunge_entry(struct apply *a, struct store_mailbox *mb, struct store_user *u,
				 const struct log_entry *e, struct store_msg *old)
{
	struct store_msg m = *old;
	uint8_t k[16], uid[4];
	rm_be64_put(k, mb->id);
	rm_be32_put(k + 8, e->uid);
	enum rm_err err = meta_db_del(a->t, META_DB_MESSAGES, k, 12);
	if (err == RM_OK)
		err = del_modseq_key(a, mb->id, m.modseq);
	if (err == RM_OK)
		err = blob_ref(a, m.blob_lsn, -1);
	key_mbox_u64(k, mb->id, e->modseq);
	rm_be32_put(uid, e->uid);
	if (err == RM_OK)
		err = meta_db_put(a->t, META_DB_VANISHED, k, 16, uid, 4);
	mb->vanished_count++;
	count_msg(mb, u, m.flags, m.size_bytes, -1);
	bump_modseq(a, mb, e->modseq);
	return err;
}

/* old: the message as it is (MSG_FLAGS, MSG_EXPUNGE: must exist; MSG_ADD:
 * must not). */
typedef enum rm_err entry_fn(struct apply *a, struct store_mailbox *mb, struct store_user *u,
			     const struct log_entry *e, struct store_msg *old);

static enum rm_err apply_msgs(struct apply *a, entry_fn *fn)
{
	struct store_mailbox mb;
	struct store_user u;
	enum rm_err err = load_owner(a, &mb, &u);
	if (err == RM_ERR_CORRUPT) {
		a->skipped += a->r->count;
		return RM_OK;
	}
	struct log_entry_iter it;
	struct log_entry e;
	log_entry_iter_init(&it, a->r);
	bool want = a->r->type != LOG_T_MSG_ADD;
	while (err == RM_OK && log_entry_next(&it, &e) == 1) {
		struct store_msg old;
		err = meta_msg_get(a->t, mb.id, e.uid, &old);
		if (err != RM_OK && err != RM_ERR_NOTFOUND)
			break;
		if ((err == RM_OK) != want) {
			a->skipped++;      /* a double add, or a change of nothing */
			err = RM_OK;
			continue;
		}
		err = fn(a, &mb, &u, &e, &old);
	}
	if (err == RM_OK)
		err = put_mailbox(a->t, &mb);
	return err ? err : put_user(a->t, &u);
}

/* ---- mailboxes ---------------------------------------------------------- */

static bool name_ok(const struct log_rec *r)
{
	return r->name_len > 0 && r->name_len <= RM_STORE_MAILBOX_NAME_MAX_BYTES;
}

static enum rm_err apply_mbox_create(struct apply *a)
{
	struct store_user u;
	struct store_mailbox mb;
	const struct log_rec *r = a->r;
	if (!name_ok(r) || load_user(a, r->user_id, &u) != RM_OK ||
	    meta_mailbox_get(a->t, r->user_id, r->name, r->name_len, &mb) != RM_ERR_NOTFOUND ||
	    meta_mailbox_by_id(a->t, r->mailbox_id, &mb) != RM_ERR_NOTFOUND)
		return RM_ERR_CORRUPT;
	mb = (struct store_mailbox){
		.id = r->mailbox_id, .user_id = r->user_id, .name = r->name,
		.name_len = r->name_len, .uidvalidity = r->uidvalidity, .uidnext = 1,
		.special_use = r->special_use & STORE_USE_MASK,
	};
	enum rm_err err = put_mailbox(a->t, &mb);
	uint8_t k[8], v[META_UKEY_MAX];
	rm_be64_put(k, mb.id);
	size_t vlen = meta_key_uname(v, mb.user_id, mb.name, mb.name_len);
	if (err == RM_OK)
		err = meta_db_put(a->t, META_DB_MBOXIDS, k, sizeof(k), v, vlen);
	a->ctr.mailbox_id = RM_MAX(a->ctr.mailbox_id, mb.id);
	a->ctr.uidvalidity = RM_MAX(a->ctr.uidvalidity, mb.uidvalidity);
	return err;
}

static enum rm_err apply_mbox_rename(struct apply *a)
{
	struct store_mailbox mb, other;
	const struct log_rec *r = a->r;
	if (!name_ok(r) || meta_mailbox_by_id(a->t, r->mailbox_id, &mb) != RM_OK ||
	    mb.user_id != r->user_id ||
	    meta_mailbox_get(a->t, r->user_id, r->name, r->name_len, &other) != RM_ERR_NOTFOUND)
		return RM_ERR_CORRUPT;
	uint8_t k[META_UKEY_MAX];
	size_t klen = meta_key_uname(k, mb.user_id, mb.name, mb.name_len);
	enum rm_err err = meta_db_del(a->t, META_DB_MAILBOXES, k, klen);
	mb.name = r->name;
	mb.name_len = r->name_len;
	if (err == RM_OK)
		err = put_mailbox(a->t, &mb);
	uint8_t idk[8];
	rm_be64_put(idk, mb.id);
	klen = meta_key_uname(k, mb.user_id, mb.name, mb.name_len);
	return err ? err : meta_db_put(a->t, META_DB_MBOXIDS, idk, sizeof(idk), k, klen);
}

/* What removing a message needs after its key is gone. */
struct gone {
	uint64_t blob_lsn;
	uint64_t size_bytes;
};

struct gone_list {
	struct gone *v;
	size_t n, cap;
};

static enum rm_err collect_gone(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct gone_list *l = arg;
	struct store_msg m;
	if (meta_msg_dec(v, &m) != RM_OK)
		return RM_ERR_CORRUPT;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = rm_realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = (struct gone){ m.blob_lsn, m.size_bytes };
	return RM_OK;
}

/* Drops a mailbox with its messages, MODSEQ and vanished history. */
static enum rm_err drop_mailbox(struct apply *a, uint64_t mailbox_id, struct store_user *u)
{
	struct store_mailbox mb;
	enum rm_err err = meta_mailbox_by_id(a->t, mailbox_id, &mb);
	if (err)
		return err;
	uint8_t k[META_UKEY_MAX];
	size_t klen = meta_key_uname(k, mb.user_id, mb.name, mb.name_len);
	err = meta_db_del(a->t, META_DB_MAILBOXES, k, klen);
	uint8_t pre[8];
	rm_be64_put(pre, mailbox_id);
	struct gone_list l = {0};
	if (err == RM_OK)
		err = meta_db_each(a->t, META_DB_MESSAGES, pre, 8, collect_gone, &l);
	for (size_t i = 0; err == RM_OK && i < l.n; i++) {
		err = blob_ref(a, l.v[i].blob_lsn, -1);
		u->messages--;
		u->size_bytes -= l.v[i].size_bytes;
	}
	free(l.v);
	static const enum meta_db dbs[] = { META_DB_MESSAGES, META_DB_MODSEQ, META_DB_VANISHED };
	for (size_t i = 0; err == RM_OK && i < RM_ARRAY_LEN(dbs); i++)
		err = meta_db_del_prefix(a->t, dbs[i], pre, 8);
	return err ? err : meta_db_del(a->t, META_DB_MBOXIDS, pre, 8);
}

static enum rm_err apply_mbox_delete(struct apply *a)
{
	struct store_mailbox mb;
	struct store_user u;
	enum rm_err err = load_owner(a, &mb, &u);
	if (err)
		return err;
	err = drop_mailbox(a, mb.id, &u);
	return err ? err : put_user(a->t, &u);
}

static enum rm_err apply_subscribe(struct apply *a)
{
	struct store_user u;
	const struct log_rec *r = a->r;
	if (!name_ok(r) || load_user(a, r->user_id, &u) != RM_OK)
		return RM_ERR_CORRUPT;
	uint8_t k[META_UKEY_MAX];
	size_t klen = meta_key_uname(k, r->user_id, r->name, r->name_len);
	if (r->on)
		return meta_db_put(a->t, META_DB_SUBS, k, klen, "", 0);
	return meta_db_del(a->t, META_DB_SUBS, k, klen);
}

/* ---- users and keywords ------------------------------------------------- */

static enum rm_err apply_user_create(struct apply *a)
{
	struct store_user u;
	const struct log_rec *r = a->r;
	if (r->name_len == 0 || r->name_len > RM_AUTH_LOGIN_MAX_BYTES ||
	    meta_user_get(a->t, r->name, r->name_len, &u) != RM_ERR_NOTFOUND ||
	    meta_user_by_id(a->t, r->user_id, &u) != RM_ERR_NOTFOUND)
		return RM_ERR_CORRUPT;
	u = (struct store_user){ .id = r->user_id, .login = r->name, .login_len = r->name_len };
	enum rm_err err = put_user(a->t, &u);
	uint8_t k[8];
	rm_be64_put(k, u.id);
	if (err == RM_OK)
		err = meta_db_put(a->t, META_DB_USERIDS, k, sizeof(k), r->name, r->name_len);
	a->ctr.user_id = RM_MAX(a->ctr.user_id, u.id);
	return err;
}

struct id_list {
	uint64_t *v;
	size_t n, cap;
};

static enum rm_err collect_mailbox_id(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct id_list *l = arg;
	if (v->mv_size != META_MAILBOX_BYTES)
		return RM_ERR_CORRUPT;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = rm_realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = rm_le64_get(v->mv_data);
	return RM_OK;
}

static enum rm_err apply_user_delete(struct apply *a)
{
	struct store_user u;
	if (load_user(a, a->r->user_id, &u) != RM_OK)
		return RM_ERR_CORRUPT;
	uint8_t pre[8];
	rm_be64_put(pre, u.id);
	struct id_list l = {0};
	enum rm_err err = meta_db_each(a->t, META_DB_MAILBOXES, pre, 8, collect_mailbox_id, &l);
	for (size_t i = 0; err == RM_OK && i < l.n; i++)
		err = drop_mailbox(a, l.v[i], &u);
	free(l.v);
	if (err == RM_OK)
		err = meta_db_del_prefix(a->t, META_DB_SUBS, pre, 8);
	if (err == RM_OK)
		err = meta_db_del_prefix(a->t, META_DB_KEYWORDS, pre, 8);
	if (err == RM_OK)
		err = meta_db_del(a->t, META_DB_USERS, u.login, u.login_len);
	return err ? err : meta_db_del(a->t, META_DB_USERIDS, pre, 8);
}

static enum rm_err apply_keyword(struct apply *a)
{
	struct store_user u;
	const struct log_rec *r = a->r;
	uint16_t id;
	if (r->name_len == 0 || r->name_len > RM_KEYWORD_MAX_BYTES ||
	    load_user(a, r->user_id, &u) != RM_OK || r->kw_id != u.keywords ||
	    meta_keyword_id(a->t, r->user_id, r->name, r->name_len, &id) != RM_ERR_NOTFOUND)
		return RM_ERR_CORRUPT;
	uint8_t k[9 + RM_KEYWORD_MAX_BYTES], idv[2] = { (uint8_t)(r->kw_id >> 8), (uint8_t)r->kw_id };
	rm_be64_put(k, r->user_id);
	k[8] = 'n';      /* keywords match case-insensitively, keep their case */
	for (size_t i = 0; i < r->name_len; i++)
		k[9 + i] = (uint8_t)rm_lower(r->name[i]);
	enum rm_err err = meta_db_put(a->t, META_DB_KEYWORDS, k, 9u + r->name_len, idv, 2);
	k[8] = 'i';
	memcpy(k + 9, idv, 2);
	if (err == RM_OK)
		err = meta_db_put(a->t, META_DB_KEYWORDS, k, 11, r->name, r->name_len);
	u.keywords++;
	return err ? err : put_user(a->t, &u);
}

/* ---- vanished history --------------------------------------------------- */

/* The history forgets expunges at or below the floor (RFC 7162 §5.3 lets a
 * server bound it; QRESYNC below the floor falls back to "every UID not
 * present", server/imap/fetch_write.c). */
static enum rm_err apply_vanished_trim(struct apply *a)
{
	struct store_mailbox mb;
	struct store_user u;
	enum rm_err err = load_owner(a, &mb, &u);
	if (err)
		return err;
	if (a->r->modseq <= mb.vanished_floor_modseq)
		return RM_OK;
	uint8_t pre[8], last[16];
	rm_be64_put(pre, mb.id);
	key_mbox_u64(last, mb.id, a->r->modseq);
	uint64_t gone = 0;
	err = meta_db_del_upto(a->t, META_DB_VANISHED, pre, 8, last, 16, &gone);
	if (err)
		return err;
	mb.vanished_floor_modseq = a->r->modseq;
	mb.vanished_count -= RM_MIN(gone, mb.vanished_count);
	return put_mailbox(a->t, &mb);
}

/* ---- dispatch ----------------------------------------------------------- */

static enum rm_err apply_type(struct apply *a)
{
	switch (a->r->type) {
	case LOG_T_BLOB: return apply_blob(a);
	case LOG_T_MSG_ADD: return apply_msgs(a, add_entry);
	case LOG_T_MSG_FLAGS: return apply_msgs(a, flags_entry);
	case LOG_T_MSG_EXPUNGE: return apply_msgs(a, expunge_entry);
	case LOG_T_MBOX_CREATE: return apply_mbox_create(a);
	case LOG_T_MBOX_RENAME: return apply_mbox_rename(a);
	case LOG_T_MBOX_DELETE: return apply_mbox_delete(a);
	case LOG_T_SUBSCRIBE: return apply_subscribe(a);
	case LOG_T_USER_CREATE: return apply_user_create(a);
	case LOG_T_USER_DELETE: return apply_user_delete(a);
	case LOG_T_KEYWORD: return apply_keyword(a);
	case LOG_T_VANISHED_TRIM: return apply_vanished_trim(a);
	default: return RM_ERR_CORRUPT;
	}
}

enum rm_err meta_apply(struct meta_txn *t, const struct log_rec *r, const struct meta_pos *pos)
{
	RM_ASSERT(t->write);
	if (r->lsn <= meta_applied_lsn(t))
		return RM_OK;
	struct apply a = { .t = t, .r = r, .pos = pos };
	enum rm_err err = meta_counters_get(t, &a.ctr);
	if (err == RM_OK)
		err = account_segment(&a);
	enum rm_err verdict = err ? err : apply_type(&a);
	rm_buf_free(&a.val);
	if (verdict != RM_OK && verdict != RM_ERR_CORRUPT)
		return verdict;      /* LMDB failed: the caller aborts */
	err = meta_counters_put(t, &a.ctr);
	if (err == RM_OK)
		err = meta_applied_put(t, r->lsn);
	if (err)
		return err;
	return verdict == RM_OK && a.skipped == 0 ? RM_OK : RM_ERR_CORRUPT;
}
