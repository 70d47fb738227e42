/* The index checked against itself (`ringmail verify`): every mailbox's
 * counters against its messages, every message's MODSEQ entry and blob,
 * every blob's reference count against the messages that use it, every
 * user's totals. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "index/meta_db.h"

struct lsn_list {
	uint64_t *v;
	size_t n, cap;
};

static void lsn_push(struct lsn_list *l, uint64_t lsn)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->v = rm_realloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = lsn;
}

static int lsn_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(struct meta_verify_stats *st, const char *what, uint64_t a, uint64_t b)
{
	st->errors++;
	rm_log(RM_LOG_ERROR, "verify_index", "what=%s id=%llu detail=%llu", what,
	       (unsigned long long)a, (unsigned long long)b);
}

static bool modseq_entry_ok(struct meta_txn *t, const struct store_msg *m)
{
	uint8_t k[16];
	rm_be64_put(k, m->mailbox_id);
	rm_be64_put(k + 8, m->modseq);
	MDB_val v;
	return meta_db_get(t, META_DB_MODSEQ, k, 16, &v) == RM_OK && v.mv_size == 4 &&
	       rm_be32_get(v.mv_data) == m->uid;
}

static enum rm_err verify_mailbox(struct meta_txn *t, const struct store_mailbox *mb,
				  struct lsn_list *refs, struct store_user *sum,
				  struct meta_verify_stats *st)
{
	struct meta_iter *it;
	enum rm_err err = meta_iter_msgs(t, mb->id, 0, &it);
	if (err)
		return err;
	struct store_msg m;
	uint64_t n = 0, unseen = 0, deleted = 0, size = 0, maxms = 0;
	int rc;
	while ((rc = meta_iter_msg(it, &m)) == 1) {
		n++;
		unseen += !(m.flags & STORE_F_SEEN);
		deleted += !!(m.flags & STORE_F_DELETED);
		size += m.size_bytes;
		maxms = RM_MAX(maxms, m.modseq);
		if (m.uid >= mb->uidnext)
			report(st, "uid_not_below_uidnext", mb->id, m.uid);
		if (!modseq_entry_ok(t, &m))
			report(st, "modseq_entry", mb->id, m.uid);
		lsn_push(refs, m.blob_lsn);
	}
	meta_iter_free(&it);
	st->messages += n;
	if (rc < 0)
		report(st, "messages_unreadable", mb->id, 0);
	if (n != mb->messages || unseen != mb->unseen || deleted != mb->deleted ||
	    size != mb->size_bytes)
		report(st, "mailbox_counters", mb->id, n);
	if (maxms > mb->highestmodseq)
		report(st, "highestmodseq", mb->id, maxms);
	/* The vanished history: counted, and nothing at or below the floor. */
	uint64_t nv = 0;
	uint32_t uid;
	uint64_t ms;
	err = meta_iter_vanished(t, mb->id, 0, &it);
	if (err)
		return err;
	while ((rc = meta_iter_vanished_next(it, &uid, &ms)) == 1) {
		nv++;
		if (ms <= mb->vanished_floor_modseq || ms > mb->highestmodseq)
			report(st, "vanished_modseq", mb->id, uid);
	}
	meta_iter_free(&it);
	if (rc < 0 || nv != mb->vanished_count)
		report(st, "vanished_count", mb->id, nv);
	sum->messages += n;
	sum->size_bytes += size;
	return RM_OK;
}

static enum rm_err verify_user(struct meta_txn *t, const struct store_user *u,
			       struct lsn_list *refs, struct meta_verify_stats *st)
{
	struct meta_iter *it;
	enum rm_err err = meta_iter_mailboxes(t, u->id, &it);
	if (err)
		return err;
	struct store_user sum = {0};
	struct store_mailbox mb;
	int rc;
	while (err == RM_OK && (rc = meta_iter_mailbox(it, &mb)) == 1) {
		st->mailboxes++;
		struct store_mailbox by_id;
		if (meta_mailbox_by_id(t, mb.id, &by_id) != RM_OK || by_id.user_id != u->id)
			report(st, "mailbox_id_entry", mb.id, u->id);
		err = verify_mailbox(t, &mb, refs, &sum, st);
	}
	meta_iter_free(&it);
	if (sum.messages != u->messages || sum.size_bytes != u->size_bytes)
		report(st, "user_counters", u->id, sum.messages);
	st->users++;
	return err;
}

/* Walks the blobs database beside the sorted message references. */
static enum rm_err verify_refs(struct meta_txn *t, struct lsn_list *refs,
			       struct meta_verify_stats *st)
{
	if (refs->n)
		qsort(refs->v, refs->n, sizeof(*refs->v), lsn_cmp);
	struct meta_iter *it;
	enum rm_err err = meta_iter_blobs(t, 0, UINT64_MAX, &it);
	if (err)
		return err;
	size_t i = 0;
	struct meta_blob b;
	while (meta_iter_blob(it, &b) == 1) {
		st->blobs++;
		for (; i < refs->n && refs->v[i] < b.lsn; i++)
			report(st, "message_without_blob", refs->v[i], 0);
		uint32_t count = 0;
		for (; i < refs->n && refs->v[i] == b.lsn; i++)
			count++;
		if (count != b.refs)
			report(st, "blob_refs", b.lsn, count);
	}
	for (; i < refs->n; i++)
		report(st, "message_without_blob", refs->v[i], 0);
	meta_iter_free(&it);
	return RM_OK;
}

enum rm_err meta_verify(struct meta_txn *t, struct meta_verify_stats *st)
{
	memset(st, 0, sizeof(*st));
	struct lsn_list refs = {0};
	struct meta_iter *it;
	enum rm_err err = meta_iter_users(t, &it);
	if (err)
		return err;
	struct store_user u;
	int rc;
	while (err == RM_OK && (rc = meta_iter_user(it, &u)) == 1)
		err = verify_user(t, &u, &refs, st);
	meta_iter_free(&it);
	if (err == RM_OK)
		err = verify_refs(t, &refs, st);
	free(refs.v);
	return err;
}
