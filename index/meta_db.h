/*
 * meta_db.h — internals shared by index/meta*.c: the environment and
 * transaction structs, database handles, key builders and value codecs.
 * Not for use outside index/ (it includes lmdb.h).
 *
 * Value layouts (little-endian; keys are big-endian, see meta.h):
 *   user      u64 id, u64 messages, u64 bytes, u32 keywords            28
 *   mailbox   u64 id, u32 uidvalidity, u32 special-use, u64 uidnext,
 *             u64 highestmodseq, u64 messages, u64 unseen, u64 deleted,
 *             u64 size, u64 vanished floor, u64 vanished count         80
 *   message   u64 modseq, i64 internal date, i64 save date, u64 size,
 *             u64 blob LSN, u32 flags, u16 nkw, nkw x u16          46+2n
 *   blob      u32 segment, u32 generation, u64 offset, u64 size, u32 refs 28
 *   segment   u32 generation, u64 first LSN, u64 last LSN, u64 records,
 *             u64 total bytes, u64 live bytes                          44
 *   counters  u64 user, u64 mailbox, u64 modseq, u32 uidvalidity       28
 */
#ifndef RM_META_DB_H
#define RM_META_DB_H

#include <lmdb.h>

#include "common/limits.h"
#include "index/meta.h"

/* 2: mailbox values carry the vanished count (VANISHED_TRIM). */
#define META_FORMAT_VERSION 2u

enum meta_db {
	META_DB_META,
	META_DB_USERS,
	META_DB_USERIDS,
	META_DB_MAILBOXES,
	META_DB_MBOXIDS,
	META_DB_SUBS,
	META_DB_KEYWORDS,
	META_DB_MESSAGES,
	META_DB_MODSEQ,
	META_DB_VANISHED,
	META_DB_CACHE,
	META_DB_BLOBS,
	META_DB_SEGMENTS,
	META_DB_FTS,          /* full-text postings (meta_fts.c) */
	META_DB_FTSDOC,       /* blob LSN -> FTS document */
	META_DB__COUNT
};

extern const char *const meta_db_names[META_DB__COUNT];

struct meta_fts_tail;

struct meta {
	MDB_env *env;
	MDB_dbi dbi[META_DB__COUNT];
	struct meta_fts_tail *fts_tail; /* unmerged postings (meta_fts.c) */
};

struct meta_txn {
	struct meta *m;
	MDB_txn *txn;
	bool write;
};

#define META_USER_BYTES     28u
#define META_MAILBOX_BYTES  80u
#define META_MSG_BYTES      46u
#define META_BLOB_BYTES     28u
#define META_SEGMENT_BYTES  44u
#define META_COUNTERS_BYTES 28u
/* (user, name) keys: 8 bytes of user id then the name. */
#define META_UKEY_MAX       (8u + RM_STORE_MAILBOX_NAME_MAX_BYTES)

/** Logs an LMDB error and maps it: MDB_NOTFOUND -> RM_ERR_NOTFOUND,
 * MDB_MAP_FULL -> RM_ERR_LIMIT, MDB_READERS_FULL -> RM_ERR_BUSY, others
 * RM_ERR_IO. */
enum rm_err meta_db_err(int rc, const char *what);

/** Value of key in db: RM_OK with *v set (valid until the txn ends),
 * RM_ERR_NOTFOUND, RM_ERR_IO. */
enum rm_err meta_db_get(struct meta_txn *t, enum meta_db db, const void *key, size_t klen,
			MDB_val *v);
enum rm_err meta_db_put(struct meta_txn *t, enum meta_db db, const void *key, size_t klen,
			const void *val, size_t vlen);
/** Deleting an absent key is RM_OK. */
enum rm_err meta_db_del(struct meta_txn *t, enum meta_db db, const void *key, size_t klen);

/** Calls fn for every (key, value) whose key starts with prefix, in order;
 * fn returning non-RM_OK stops the walk with that result.  fn must not
 * write to db itself. */
typedef enum rm_err meta_db_each_fn(void *arg, const MDB_val *k, const MDB_val *v);
enum rm_err meta_db_each(struct meta_txn *t, enum meta_db db, const void *prefix, size_t plen,
			 meta_db_each_fn *fn, void *arg);
/** Deletes every key starting with prefix. */
enum rm_err meta_db_del_prefix(struct meta_txn *t, enum meta_db db, const void *prefix, size_t plen);
/** The same for the keys with prefix that sort at or below `last` (NULL:
 * all of them); *deleted_r (may be NULL) counts them. */
enum rm_err meta_db_del_upto(struct meta_txn *t, enum meta_db db, const void *prefix, size_t plen,
			     const void *last, size_t last_len, uint64_t *deleted_r);

/** (user id, name) key into out (META_UKEY_MAX); returns its length. */
size_t meta_key_uname(uint8_t *out, uint64_t user_id, const char *name, size_t len);

/* Value codecs: *_dec return RM_ERR_CORRUPT on a wrong length. */
void meta_user_enc(uint8_t *out, const struct store_user *u);
enum rm_err meta_user_dec(const MDB_val *v, struct store_user *u);
void meta_mailbox_enc(uint8_t *out, const struct store_mailbox *mb);
enum rm_err meta_mailbox_dec(const MDB_val *v, struct store_mailbox *mb);
/** Message value into b (reset first); keywords from kw (host order). */
void meta_msg_enc(struct rm_buf *b, const struct store_msg *m, const uint16_t *kw);
enum rm_err meta_msg_dec(const MDB_val *v, struct store_msg *m);
void meta_blob_enc(uint8_t *out, const struct meta_blob *b);
enum rm_err meta_blob_dec(const MDB_val *v, struct meta_blob *b);
void meta_segment_enc(uint8_t *out, const struct meta_segment *s);
enum rm_err meta_segment_dec(const MDB_val *v, struct meta_segment *s);

/** Writes the counters and the applied LSN (meta_apply). */
enum rm_err meta_counters_put(struct meta_txn *t, const struct meta_counters *c);
enum rm_err meta_applied_put(struct meta_txn *t, uint64_t lsn);

/* ---- full-text index internals (meta_fts*.c) ----------------------------- */

/* fts keys: trigram (3 bytes) + first LSN (8). */
#define FTS_KEY_BYTES   11u
/* A chunk stays well inside one LMDB page (no overflow pages). */
#define FTS_CHUNK_BYTES 1024u

/** Writes "fts_from" and the merge mark when the index has none (at open). */
enum rm_err meta_fts_open(struct meta_txn *t);
/** At a BLOB record: the message's FTS document, which joins the tail
 * (have_cache: a cache builder ran; without one the blob stays unindexed
 * and fts_from moves past it). */
enum rm_err meta_fts_apply_blob(struct meta_txn *t, uint64_t lsn, const char *msg, size_t len,
				const void *cache, size_t cache_len, bool have_cache);
/** The blob's last reference went: its document goes (postings stay). */
enum rm_err meta_fts_drop_doc(struct meta_txn *t, uint64_t lsn);
/** The end of a write transaction (meta_txn_commit, meta_txn_abort): one
 * that touched a generation and did not commit drops it. */
void meta_fts_txn_end(struct meta *m, bool committed);
/** Frees the tail (meta_close). */
void meta_fts_tail_free(struct meta *m);
/** The postings in canonical form for meta_dump: per trigram the LSNs
 * that have a document, from the chunks and from the tail's documents, so
 * the dump does not depend on when merges ran. */
enum rm_err meta_fts_dump(struct meta_txn *t, struct rm_buf *out);
/** Whether an fts key is the merge mark's (not a chunk). */
bool meta_fts_is_mark(const MDB_val *k);

/* Shared by meta_fts*.c. */
void meta_fts_key_put(uint8_t *k, fts_tri t, uint64_t lsn);
fts_tri meta_fts_key_tri(const MDB_val *k);
/** Decodes a chunk: the first LSN from the key, then the deltas; calls fn
 * (may be NULL) for each LSN.  False when it does not decode or ascend. */
typedef void meta_fts_chunk_fn(void *arg, uint64_t lsn);
bool meta_fts_chunk_walk(const MDB_val *k, const MDB_val *v, meta_fts_chunk_fn *fn, void *arg,
			 uint64_t *last_r);

#endif
