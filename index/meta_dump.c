/* Whole-index views: a canonical dump (rebuilt == live tests, `ringmail
 * verify`) and per-database entry counts (`ringmail stats`). */
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
		enum rm_err err = meta_db_each(t, (enum meta_db)i, NULL, 0, dump_one, out);
		if (err)
			return err;
	}
	return RM_OK;
}

enum rm_err meta_stat(struct meta_txn *t, struct rm_buf *out)
{
	for (int i = 0; i < META_DB__COUNT; i++) {
		MDB_stat st;
		int rc = mdb_stat(t->txn, t->m->dbi[i], &st);
		if (rc)
			return meta_db_err(rc, "stat");
		rm_buf_printf(out, "%s%s=%zu", i ? " " : "", meta_db_names[i], st.ms_entries);
	}
	return RM_OK;
}
