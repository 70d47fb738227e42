/* Whole-index views: a canonical dump (the rebuilt == live tests) and
 * entry counts (`ringmail stats`). */
#include "common/util.h"
#include "index/meta_db.h"

static enum rm_err dump_one(void *arg, const MDB_val *k, const MDB_val *v)
{
	struct rm_buf *out = arg;
	uint8_t n[4];
	rm_le32_put(n, (uint32_t)k->mv_size);
	rm_buf_append(out, n, 4);
	rm_buf_append(out, k->mv_data, k->mv_size);
	rm_le32_put(n, (uint32_t)v->mv_size);
	rm_buf_append(out, n, 4);
	rm_buf_append(out, v->mv_data, v->mv_size);
	return RM_OK;
}

enum rm_err meta_dump(struct meta_txn *t, struct rm_buf *out)
{
	for (int i = 0; i < META_DB__COUNT; i++) {
		rm_buf_printf(out, "\n[%s]\n", meta_db_names[i]);
		/* Posting chunk boundaries depend on batch sizes: the postings
		 * are dumped by content (meta_fts.c). */
		enum rm_err err = i == META_DB_FTS ? meta_fts_dump(t, out)
			: meta_db_each(t, (enum meta_db)i, NULL, 0, dump_one, out);
		if (err)
			return err;
	}
	return RM_OK;
}

static enum rm_err entries(struct meta_txn *t, enum meta_db db, uint64_t *r)
{
	MDB_stat st;
	int rc = mdb_stat(t->txn, t->m->dbi[db], &st);
	*r = rc ? 0 : st.ms_entries;
	return rc ? meta_db_err(rc, "stat") : RM_OK;
}

enum rm_err meta_counts(struct meta_txn *t, struct meta_counts *r)
{
	enum rm_err err = entries(t, META_DB_USERS, &r->users);
	if (err == RM_OK)
		err = entries(t, META_DB_MBOXIDS, &r->mailboxes);
	if (err == RM_OK)
		err = entries(t, META_DB_MESSAGES, &r->messages);
	if (err == RM_OK)
		err = entries(t, META_DB_BLOBS, &r->blobs);
	if (err == RM_OK)
		err = entries(t, META_DB_SEGMENTS, &r->segments);
	return err;
}
