/* Cursor-based iterators over key ranges of the index. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "index/meta_db.h"

struct meta_iter {
	struct meta_txn *t;
	MDB_cursor *c;
	enum meta_db db;
	uint8_t prefix[16];
	size_t plen;
	uint64_t upper;        /* blobs: last LSN */
	bool started;
	bool done;
	MDB_val start;         /* first seek key */
	uint8_t start_buf[16];
};

static enum rm_err iter_new(struct meta_txn *t, enum meta_db db, const uint8_t *prefix, size_t plen,
			    const uint8_t *start, size_t slen, struct meta_iter **r)
{
	struct meta_iter *it = rm_calloc(1, sizeof(*it));
	RM_ASSERT(plen <= sizeof(it->prefix) && slen <= sizeof(it->start_buf));
	int rc = mdb_cursor_open(t->txn, t->m->dbi[db], &it->c);
	if (rc) {
		free(it);
		*r = NULL;
		return meta_db_err(rc, "cursor_open");
	}
	it->t = t;
	it->db = db;
	if (plen)
		memcpy(it->prefix, prefix, plen);
	it->plen = plen;
	if (slen)
		memcpy(it->start_buf, start, slen);
	it->start.mv_size = slen;
	it->start.mv_data = it->start_buf;
	it->upper = UINT64_MAX;
	*r = it;
	return RM_OK;
}

void meta_iter_free(struct meta_iter **itp)
{
	struct meta_iter *it = *itp;
	if (!it)
		return;
	mdb_cursor_close(it->c);
	free(it);
	*itp = NULL;
}

/* 1 with the next (key, value) inside the prefix, 0 at the end, -1 error. */
static int iter_step(struct meta_iter *it, MDB_val *k, MDB_val *v)
{
	if (it->done)
		return 0;
	int rc;
	if (!it->started) {
		it->started = true;
		*k = it->start;
		rc = mdb_cursor_get(it->c, k, v, k->mv_size ? MDB_SET_RANGE : MDB_FIRST);
	} else {
		rc = mdb_cursor_get(it->c, k, v, MDB_NEXT);
	}
	if (rc == MDB_NOTFOUND || (rc == 0 && (k->mv_size < it->plen ||
					       memcmp(k->mv_data, it->prefix, it->plen) != 0))) {
		it->done = true;
		return 0;
	}
	if (rc) {
		meta_db_err(rc, "cursor_get");
		it->done = true;
		return -1;
	}
	return 1;
}

static int iter_fail(struct meta_iter *it, const char *what)
{
	rm_log(RM_LOG_ERROR, "meta_iter_corrupt", "db=%s what=%s", meta_db_names[it->db], what);
	it->done = true;
	return -1;
}

enum rm_err meta_iter_mailboxes(struct meta_txn *t, uint64_t user_id, struct meta_iter **r)
{
	uint8_t p[8];
	rm_be64_put(p, user_id);
	return iter_new(t, META_DB_MAILBOXES, p, 8, p, 8, r);
}

int meta_iter_mailbox(struct meta_iter *it, struct store_mailbox *mb)
{
	MDB_val k, v;
	int rc = iter_step(it, &k, &v);
	if (rc <= 0)
		return rc;
	if (meta_mailbox_dec(&v, mb) != RM_OK)
		return iter_fail(it, "mailbox");
	mb->user_id = rm_be64_get(k.mv_data);
	mb->name = (const char *)k.mv_data + 8;
	mb->name_len = k.mv_size - 8;
	mb->subscribed = meta_subscribed(it->t, mb->user_id, mb->name, mb->name_len);
	return 1;
}

enum rm_err meta_iter_msgs(struct meta_txn *t, uint64_t mailbox_id, uint32_t from_uid,
			   struct meta_iter **r)
{
	uint8_t s[12];
	rm_be64_put(s, mailbox_id);
	rm_be32_put(s + 8, from_uid);
	return iter_new(t, META_DB_MESSAGES, s, 8, s, 12, r);
}

enum rm_err meta_iter_changed(struct meta_txn *t, uint64_t mailbox_id, uint64_t since,
			      struct meta_iter **r)
{
	uint8_t s[16];
	rm_be64_put(s, mailbox_id);
	/* since == UINT64_MAX would wrap: nothing is above it anyway. */
	rm_be64_put(s + 8, since == UINT64_MAX ? since : since + 1);
	enum rm_err err = iter_new(t, META_DB_MODSEQ, s, 8, s, 16, r);
	if (err == RM_OK && since == UINT64_MAX)
		(*r)->done = true;
	return err;
}

int meta_iter_msg(struct meta_iter *it, struct store_msg *m)
{
	MDB_val k, v;
	int rc = iter_step(it, &k, &v);
	if (rc <= 0)
		return rc;
	if (it->db == META_DB_MESSAGES) {
		if (k.mv_size != 12 || meta_msg_dec(&v, m) != RM_OK)
			return iter_fail(it, "message");
		m->mailbox_id = rm_be64_get(k.mv_data);
		m->uid = rm_be32_get((const uint8_t *)k.mv_data + 8);
		return 1;
	}
	/* MODSEQ order: the modseq entry names the UID. */
	if (k.mv_size != 16 || v.mv_size != 4)
		return iter_fail(it, "modseq");
	uint64_t mailbox_id = rm_be64_get(k.mv_data);
	if (meta_msg_get(it->t, mailbox_id, rm_be32_get(v.mv_data), m) != RM_OK)
		return iter_fail(it, "modseq target");
	return 1;
}

enum rm_err meta_iter_vanished(struct meta_txn *t, uint64_t mailbox_id, uint64_t since,
			       struct meta_iter **r)
{
	uint8_t s[16];
	rm_be64_put(s, mailbox_id);
	rm_be64_put(s + 8, since == UINT64_MAX ? since : since + 1);
	enum rm_err err = iter_new(t, META_DB_VANISHED, s, 8, s, 16, r);
	if (err == RM_OK && since == UINT64_MAX)
		(*r)->done = true;
	return err;
}

int meta_iter_vanished_next(struct meta_iter *it, uint32_t *uid_r, uint64_t *modseq_r)
{
	MDB_val k, v;
	int rc = iter_step(it, &k, &v);
	if (rc <= 0)
		return rc;
	if (k.mv_size != 16 || v.mv_size != 4)
		return iter_fail(it, "vanished");
	*modseq_r = rm_be64_get((const uint8_t *)k.mv_data + 8);
	*uid_r = rm_be32_get(v.mv_data);
	return 1;
}

enum rm_err meta_iter_subs(struct meta_txn *t, uint64_t user_id, struct meta_iter **r)
{
	uint8_t p[8];
	rm_be64_put(p, user_id);
	return iter_new(t, META_DB_SUBS, p, 8, p, 8, r);
}

int meta_iter_name(struct meta_iter *it, const char **name_r, size_t *len_r)
{
	MDB_val k, v;
	int rc = iter_step(it, &k, &v);
	if (rc <= 0)
		return rc;
	*name_r = (const char *)k.mv_data + 8;
	*len_r = k.mv_size - 8;
	return 1;
}

enum rm_err meta_iter_keywords(struct meta_txn *t, uint64_t user_id, struct meta_iter **r)
{
	uint8_t p[9];
	rm_be64_put(p, user_id);
	p[8] = 'i';
	return iter_new(t, META_DB_KEYWORDS, p, 9, p, 9, r);
}

int meta_iter_keyword(struct meta_iter *it, uint16_t *id_r, const char **name_r, size_t *len_r)
{
	MDB_val k, v;
	int rc = iter_step(it, &k, &v);
	if (rc <= 0)
		return rc;
	if (k.mv_size != 11)
		return iter_fail(it, "keyword");
	const uint8_t *p = k.mv_data;
	*id_r = (uint16_t)(p[9] << 8 | p[10]);
	*name_r = v.mv_data;
	*len_r = v.mv_size;
	return 1;
}

enum rm_err meta_iter_blobs(struct meta_txn *t, uint64_t first, uint64_t last, struct meta_iter **r)
{
	uint8_t s[8];
	rm_be64_put(s, first);
	enum rm_err err = iter_new(t, META_DB_BLOBS, s, 0, s, 8, r);
	if (err == RM_OK)
		(*r)->upper = last;
	return err;
}

int meta_iter_blob(struct meta_iter *it, struct meta_blob *b)
{
	MDB_val k, v;
	int rc = iter_step(it, &k, &v);
	if (rc <= 0)
		return rc;
	if (k.mv_size != 8 || meta_blob_dec(&v, b) != RM_OK)
		return iter_fail(it, "blob");
	b->lsn = rm_be64_get(k.mv_data);
	if (b->lsn > it->upper) {
		it->done = true;
		return 0;
	}
	return 1;
}

enum rm_err meta_iter_segments(struct meta_txn *t, struct meta_iter **r)
{
	return iter_new(t, META_DB_SEGMENTS, NULL, 0, NULL, 0, r);
}

int meta_iter_segment(struct meta_iter *it, struct meta_segment *s)
{
	MDB_val k, v;
	int rc = iter_step(it, &k, &v);
	if (rc <= 0)
		return rc;
	if (k.mv_size != 4 || meta_segment_dec(&v, s) != RM_OK)
		return iter_fail(it, "segment");
	s->seg_no = rm_be32_get(k.mv_data);
	return 1;
}

enum rm_err meta_iter_users(struct meta_txn *t, struct meta_iter **r)
{
	return iter_new(t, META_DB_USERS, NULL, 0, NULL, 0, r);
}

int meta_iter_user(struct meta_iter *it, struct store_user *u)
{
	MDB_val k, v;
	int rc = iter_step(it, &k, &v);
	if (rc <= 0)
		return rc;
	if (meta_user_dec(&v, u) != RM_OK)
		return iter_fail(it, "user");
	u->login = k.mv_data;
	u->login_len = k.mv_size;
	return 1;
}
