#include "index/meta_db.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

const char *const meta_db_names[META_DB__COUNT] = {
	[META_DB_META] = "meta",
	[META_DB_USERS] = "users",
	[META_DB_USERIDS] = "userids",
	[META_DB_MAILBOXES] = "mailboxes",
	[META_DB_MBOXIDS] = "mboxids",
	[META_DB_SUBS] = "subs",
	[META_DB_KEYWORDS] = "keywords",
	[META_DB_MESSAGES] = "messages",
	[META_DB_MODSEQ] = "modseq",
	[META_DB_VANISHED] = "vanished",
	[META_DB_CACHE] = "cache",
	[META_DB_BLOBS] = "blobs",
	[META_DB_SEGMENTS] = "segments",
	[META_DB_FTS] = "fts",
	[META_DB_FTSDOC] = "ftsdoc",
};

meta_cache_fn *meta_cache_builder;

/* Read transactions the owner may hold at once (sessions iterating while a
 * batch commits); each holds one reader slot under MDB_NOTLS. */
#define META_MAX_READERS 1024u

enum rm_err meta_db_err(int rc, const char *what)
{
	switch (rc) {
	case MDB_SUCCESS: return RM_OK;
	case MDB_NOTFOUND: return RM_ERR_NOTFOUND;
	default: break;
	}
	rm_log(RM_LOG_ERROR, "lmdb_error", "op=%s rc=%d msg=\"%s\"", what, rc, mdb_strerror(rc));
	switch (rc) {
	case MDB_MAP_FULL: return RM_ERR_LIMIT;
	case MDB_READERS_FULL: return RM_ERR_BUSY;
	case MDB_CORRUPTED: case MDB_INVALID: case MDB_VERSION_MISMATCH: return RM_ERR_CORRUPT;
	default: return RM_ERR_IO;
	}
}

/* Opens every named database and checks (or writes) the format version. */
static enum rm_err meta_open_dbs(struct meta *m)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(m->env, NULL, 0, &txn);
	if (rc)
		return meta_db_err(rc, "txn_begin");
	for (int i = 0; i < META_DB__COUNT && rc == 0; i++)
		rc = mdb_dbi_open(txn, meta_db_names[i], MDB_CREATE, &m->dbi[i]);
	MDB_val k = { 6, (void *)"format" }, v;
	uint8_t ver[4];
	if (rc == 0) {
		rc = mdb_get(txn, m->dbi[META_DB_META], &k, &v);
		if (rc == MDB_NOTFOUND) {
			rm_le32_put(ver, META_FORMAT_VERSION);
			v.mv_size = 4;
			v.mv_data = ver;
			rc = mdb_put(txn, m->dbi[META_DB_META], &k, &v, 0);
		} else if (rc == 0 && (v.mv_size != 4 || rm_le32_get(v.mv_data) != META_FORMAT_VERSION)) {
			/* An index of another version (an upgrade): the caller
			 * rebuilds it from the log. */
			unsigned have = v.mv_size == 4 ? rm_le32_get(v.mv_data) : 0;
			mdb_txn_abort(txn);
			rm_log(RM_LOG_WARN, "meta_format_mismatch", "have=%u want=%u", have,
			       META_FORMAT_VERSION);
			return RM_ERR_CORRUPT;
		}
	}
	if (rc) {
		mdb_txn_abort(txn);
		return meta_db_err(rc, "dbi_open");
	}
	return meta_db_err(mdb_txn_commit(txn), "txn_commit");
}

/* The full-text index's coverage mark (meta_fts.c). */
static enum rm_err meta_open_fts(struct meta *m)
{
	struct meta_txn *t;
	enum rm_err err = meta_txn_begin(m, true, &t);
	if (err == RM_OK)
		err = meta_fts_open(t);
	return err ? (meta_txn_abort(&t), err) : meta_txn_commit(&t);
}

enum rm_err meta_open(const char *path, uint64_t map_bytes, struct meta **r)
{
	*r = NULL;
	if (mkdir(path, 0750) != 0 && errno != EEXIST) {
		rm_log(RM_LOG_ERROR, "meta_mkdir_failed", "path=%s errno=%d", path, errno);
		return RM_ERR_IO;
	}
	struct meta *m = rm_calloc(1, sizeof(*m));
	int rc = mdb_env_create(&m->env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(m->env, META_DB__COUNT);
	if (rc == 0)
		rc = mdb_env_set_mapsize(m->env, (size_t)map_bytes);
	if (rc == 0)
		rc = mdb_env_set_maxreaders(m->env, META_MAX_READERS);
	if (rc == 0)
		rc = mdb_env_open(m->env, path, MDB_NOSYNC | MDB_NOTLS | MDB_NORDAHEAD, 0640);
	enum rm_err err = rc ? meta_db_err(rc, "env_open") : meta_open_dbs(m);
	if (err == RM_OK)
		err = meta_open_fts(m);
	if (err) {
		if (m->env)
			mdb_env_close(m->env);
		free(m);
		return err == RM_ERR_NOTFOUND ? RM_ERR_IO : err;
	}
	*r = m;
	return RM_OK;
}

void meta_close(struct meta **mp)
{
	struct meta *m = *mp;
	if (!m)
		return;
	mdb_env_close(m->env);
	meta_fts_tail_free(m);
	free(m);
	*mp = NULL;
}

enum rm_err meta_remove(const char *path)
{
	char file[4096];
	static const char *const names[] = { "data.mdb", "lock.mdb" };
	for (size_t i = 0; i < RM_ARRAY_LEN(names); i++) {
		int n = snprintf(file, sizeof(file), "%s/%s", path, names[i]);
		RM_ASSERT(n > 0 && (size_t)n < sizeof(file));
		if (unlink(file) != 0 && errno != ENOENT) {
			rm_log(RM_LOG_ERROR, "meta_remove_failed", "path=%s errno=%d", file, errno);
			return RM_ERR_IO;
		}
	}
	return RM_OK;
}

enum rm_err meta_sync(struct meta *m)
{
	return meta_db_err(mdb_env_sync(m->env, 1), "env_sync");
}

int meta_data_fd(struct meta *m)
{
	mdb_filehandle_t fd = -1;
	(void)mdb_env_get_fd(m->env, &fd);
	return fd;
}

uint64_t meta_used_bytes(struct meta *m)
{
	MDB_envinfo info;
	MDB_stat st;
	if (mdb_env_info(m->env, &info) != 0 || mdb_env_stat(m->env, &st) != 0)
		return 0;
	return (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
}

enum rm_err meta_txn_begin(struct meta *m, bool write, struct meta_txn **r)
{
	MDB_txn *txn;
	*r = NULL;
	int rc = mdb_txn_begin(m->env, NULL, write ? 0 : MDB_RDONLY, &txn);
	if (rc)
		return meta_db_err(rc, "txn_begin");
	struct meta_txn *t = rm_malloc(sizeof(*t));
	t->m = m;
	t->txn = txn;
	t->write = write;
	*r = t;
	return RM_OK;
}

enum rm_err meta_txn_commit(struct meta_txn **tp)
{
	struct meta_txn *t = *tp;
	*tp = NULL;
	int rc = mdb_txn_commit(t->txn);
	if (t->write)
		meta_fts_txn_end(t->m, rc == 0);
	free(t);
	return meta_db_err(rc, "txn_commit");
}

void meta_txn_abort(struct meta_txn **tp)
{
	struct meta_txn *t = *tp;
	if (!t)
		return;
	mdb_txn_abort(t->txn);
	if (t->write)
		meta_fts_txn_end(t->m, false);
	free(t);
	*tp = NULL;
}

enum rm_err meta_db_get(struct meta_txn *t, enum meta_db db, const void *key, size_t klen,
			MDB_val *v)
{
	MDB_val k = { klen, (void *)key };
	return meta_db_err(mdb_get(t->txn, t->m->dbi[db], &k, v), meta_db_names[db]);
}

enum rm_err meta_db_put(struct meta_txn *t, enum meta_db db, const void *key, size_t klen,
			const void *val, size_t vlen)
{
	RM_ASSERT(t->write);
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	return meta_db_err(mdb_put(t->txn, t->m->dbi[db], &k, &v, 0), meta_db_names[db]);
}

enum rm_err meta_db_del(struct meta_txn *t, enum meta_db db, const void *key, size_t klen)
{
	RM_ASSERT(t->write);
	MDB_val k = { klen, (void *)key };
	enum rm_err err = meta_db_err(mdb_del(t->txn, t->m->dbi[db], &k, NULL), meta_db_names[db]);
	return err == RM_ERR_NOTFOUND ? RM_OK : err;
}

size_t meta_key_uname(uint8_t *out, uint64_t user_id, const char *name, size_t len)
{
	RM_ASSERT(len <= META_UKEY_MAX - 8);
	rm_be64_put(out, user_id);
	memcpy(out + 8, name, len);
	return 8 + len;
}

enum rm_err meta_db_each(struct meta_txn *t, enum meta_db db, const void *prefix, size_t plen,
			 meta_db_each_fn *fn, void *arg)
{
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->m->dbi[db], &c);
	if (rc)
		return meta_db_err(rc, "cursor_open");
	MDB_val k = { plen, (void *)prefix }, v;
	enum rm_err err = RM_OK;
	rc = mdb_cursor_get(c, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
	while (rc == 0 && err == RM_OK) {
		if (plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
			break;
		err = fn(arg, &k, &v);
		if (err == RM_OK)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (err)
		return err;
	return rc == 0 || rc == MDB_NOTFOUND ? RM_OK : meta_db_err(rc, "cursor_get");
}

enum rm_err meta_db_del_prefix(struct meta_txn *t, enum meta_db db, const void *prefix, size_t plen)
{
	return meta_db_del_upto(t, db, prefix, plen, NULL, 0, NULL);
}

enum rm_err meta_db_del_upto(struct meta_txn *t, enum meta_db db, const void *prefix, size_t plen,
			     const void *last, size_t last_len, uint64_t *deleted_r)
{
	RM_ASSERT(t->write);
	uint64_t deleted = 0;
	MDB_cursor *c;
	int rc = mdb_cursor_open(t->txn, t->m->dbi[db], &c);
	if (rc)
		return meta_db_err(rc, "cursor_open");
	MDB_val k = { plen, (void *)prefix }, v;
	rc = mdb_cursor_get(c, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
	while (rc == 0) {
		if (plen && (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
			break;
		if (last) {
			int cmp = memcmp(k.mv_data, last, RM_MIN(k.mv_size, last_len));
			if (cmp > 0 || (cmp == 0 && k.mv_size > last_len))
				break;
		}
		deleted++;
		/* Seek again rather than trust the cursor's position after a
		 * delete at the end of a page. */
		rc = mdb_cursor_del(c, 0);
		k.mv_size = plen;
		k.mv_data = (void *)prefix;
		if (rc == 0)
			rc = mdb_cursor_get(c, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST);
	}
	mdb_cursor_close(c);
	if (deleted_r)
		*deleted_r = deleted;
	return rc == 0 || rc == MDB_NOTFOUND ? RM_OK : meta_db_err(rc, "cursor_del");
}
