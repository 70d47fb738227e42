/*
 * meta.h — the LMDB index of one partition: a materialized view of the log.
 * index/meta*.c are the only files that include lmdb.h.
 *
 * One environment per partition (parts/NNN/index.lmdb/), opened with
 * MDB_NOSYNC (the log is the truth; see storage/store_state.c for how a
 * machine crash is detected) and MDB_NOTLS (the owner thread may hold read
 * transactions while it commits a write transaction).  Named databases, all
 * keys big-endian so that ranges scan in numeric order (layouts in
 * ARCHITECTURE.md §4):
 *
 *   meta      "counters", "applied"         partition counters, applied LSN
 *   users     login -> user                 userids   user id -> login
 *   mailboxes (user, name) -> mailbox       mboxids   mailbox id -> (user, name)
 *   subs      (user, name) -> ""            keywords  (user,'i',id)->name, (user,'n',name)->id
 *   messages  (mailbox, uid) -> message     modseq    (mailbox, modseq) -> uid
 *   vanished  (mailbox, modseq) -> uid      cache     blob LSN -> MIME cache blob
 *   blobs     blob LSN -> location, refs    segments  segment -> generation, sizes
 *
 * Transactions: one write transaction at a time (the owner's batch); read
 * transactions any time.  After an error inside a write transaction the
 * caller must abort it.  Every pointer returned by a lookup or an iterator
 * points into the map and is valid until the transaction ends.
 */
#ifndef RM_META_H
#define RM_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "storage/log_record.h"
#include "storage/store_types.h"

struct meta;
struct meta_txn;
struct meta_iter;

/** Partition-wide counters; each is the highest value any applied record
 * carried, so the next id is counter + 1. */
struct meta_counters {
	uint64_t user_id;
	uint64_t mailbox_id;
	uint64_t modseq;
	uint32_t uidvalidity;
};

/** Where a message's bytes are: the BLOB record's header offset. */
struct meta_blob {
	uint64_t lsn;
	uint32_t seg_no;
	uint32_t generation;
	uint64_t offset;
	uint64_t size_bytes;      /* payload (message) bytes */
	uint32_t refs;            /* MSG_ADD entries pointing at it */
};

struct meta_segment {
	uint32_t seg_no;
	uint32_t generation;
	uint64_t first_lsn;
	uint64_t last_lsn;
	uint64_t records;
	uint64_t total_bytes;     /* record bytes (headers included) */
	uint64_t live_bytes;      /* minus dead blobs */
};

/** Where a record being applied sits in the log. */
struct meta_pos {
	uint32_t seg_no;
	uint32_t generation;
	uint64_t offset;
};

/** Builds the MIME cache blob of a message (ENVELOPE, BODYSTRUCTURE, part
 * offsets) by appending to cache_r.  The MIME parser's mime_parse() has this
 * shape; until it is wired (store_set_cache_builder) cache entries are empty. */
typedef enum rm_err meta_cache_fn(const char *msg, size_t len, struct rm_buf *cache_r);
extern meta_cache_fn *meta_cache_builder;

/* ---- environment and transactions (meta.c) ------------------------------ */

/** Opens (creating when absent) the environment directory `path`.  On
 * RM_OK *r is owned by the caller (meta_close).  RM_ERR_IO, RM_ERR_CORRUPT
 * (LMDB refused the files, or the stored format version differs). */
enum rm_err meta_open(const char *path, uint64_t map_bytes, struct meta **r);
/** Closes and sets *m to NULL; no transaction may be open. */
void meta_close(struct meta **m);
/** Removes the environment's files (for a rebuild); absent files are fine. */
enum rm_err meta_remove(const char *path);
/** Flushes the environment to disk (mdb_env_sync force).  Blocking. */
enum rm_err meta_sync(struct meta *m);
/** The data file's descriptor (for an io_uring fsync checkpoint). */
int meta_data_fd(struct meta *m);
/** Bytes used by the data file (pages in use x page size). */
uint64_t meta_used_bytes(struct meta *m);

/** Begins a transaction; *r owned by the caller until commit/abort.
 * RM_ERR_IO (LMDB error, logged), RM_ERR_BUSY (reader slots exhausted). */
enum rm_err meta_txn_begin(struct meta *m, bool write, struct meta_txn **r);
/** Commits (write) or ends (read) and sets *t to NULL.  A failed commit
 * (RM_ERR_IO, RM_ERR_LIMIT when the map is full) discards the changes. */
enum rm_err meta_txn_commit(struct meta_txn **t);
/** Discards and sets *t to NULL; NULL *t is allowed. */
void meta_txn_abort(struct meta_txn **t);

/* ---- applying log records (meta_apply.c) -------------------------------- */

/** Applies one record; records with LSN <= the applied LSN are skipped, so
 * replaying a log twice changes nothing.  Stores the record's LSN as the
 * applied LSN.  RM_ERR_CORRUPT when the record contradicts the index (a
 * replay reports it and goes on; the live path validated before creating
 * the record, so there it is a bug).  RM_ERR_IO / RM_ERR_LIMIT from LMDB. */
enum rm_err meta_apply(struct meta_txn *t, const struct log_rec *r, const struct meta_pos *pos);

/* ---- lookups (meta_read.c) ---------------------------------------------- */

enum rm_err meta_counters_get(struct meta_txn *t, struct meta_counters *r);
/** Highest applied LSN (0 for an empty index). */
uint64_t meta_applied_lsn(struct meta_txn *t);
/** By lower-cased login.  RM_ERR_NOTFOUND. */
enum rm_err meta_user_get(struct meta_txn *t, const char *login, size_t len, struct store_user *r);
enum rm_err meta_user_by_id(struct meta_txn *t, uint64_t user_id, struct store_user *r);
/** By (user, name); fills subscribed too; r->name is the caller's `name`.
 * RM_ERR_NOTFOUND. */
enum rm_err meta_mailbox_get(struct meta_txn *t, uint64_t user_id, const char *name, size_t len,
			     struct store_mailbox *r);
/** By id; r->name points into the map.  RM_ERR_NOTFOUND. */
enum rm_err meta_mailbox_by_id(struct meta_txn *t, uint64_t mailbox_id, struct store_mailbox *r);
enum rm_err meta_msg_get(struct meta_txn *t, uint64_t mailbox_id, uint32_t uid, struct store_msg *r);
bool meta_subscribed(struct meta_txn *t, uint64_t user_id, const char *name, size_t len);
/** Keyword names match ASCII-case-insensitively; the first spelling is
 * kept (meta_keyword_name). */
enum rm_err meta_keyword_id(struct meta_txn *t, uint64_t user_id, const char *name, size_t len,
			    uint16_t *id_r);
enum rm_err meta_keyword_name(struct meta_txn *t, uint64_t user_id, uint16_t id,
			      const char **name_r, size_t *len_r);
enum rm_err meta_blob_get(struct meta_txn *t, uint64_t lsn, struct meta_blob *r);
enum rm_err meta_segment_get(struct meta_txn *t, uint32_t seg_no, struct meta_segment *r);
/** The cache blob of a message's bytes; *p_r may be NULL with *len_r 0 (no
 * MIME parser wired).  RM_ERR_NOTFOUND. */
enum rm_err meta_cache_get(struct meta_txn *t, uint64_t blob_lsn, const void **p_r, size_t *len_r);

/** A lookup object for many point reads in one read transaction
 * (messages, cache blobs): it holds LMDB cursors, and LMDB compares a key
 * with the leaf page a cursor is on before descending from the root, so
 * lookups in ascending key order (a FETCH of a UID range) stay page-local.
 * Results are as from meta_msg_get / meta_cache_get and valid until the
 * transaction ends.  Freed (meta_lookup_free) before the transaction ends. */
struct meta_lookup;
enum rm_err meta_lookup_open(struct meta_txn *t, struct meta_lookup **r);
enum rm_err meta_lookup_msg(struct meta_lookup *l, uint64_t mailbox_id, uint32_t uid,
			    struct store_msg *r);
enum rm_err meta_lookup_cache(struct meta_lookup *l, uint64_t blob_lsn, const void **p_r,
			      size_t *len_r);
void meta_lookup_free(struct meta_lookup **l);

/* ---- maintenance (meta_read.c) ------------------------------------------ */

/** Moves a blob after compaction (new generation and offset). */
enum rm_err meta_blob_move(struct meta_txn *t, uint64_t lsn, uint32_t generation, uint64_t offset);
/** Overwrites a segment's entry (compaction, rescan). */
enum rm_err meta_segment_put(struct meta_txn *t, const struct meta_segment *s);
/** Removes a segment's entry (compaction left no record in it). */
enum rm_err meta_segment_del(struct meta_txn *t, uint32_t seg_no);
/** Removes a blob and its cache entry (a blob nobody references, dropped by
 * compaction).  Absent is fine. */
enum rm_err meta_blob_drop(struct meta_txn *t, uint64_t lsn);

/* ---- iterators (meta_iter.c) -------------------------------------------- */

/** Each constructor returns an iterator owned by the caller (meta_iter_free,
 * before the transaction ends).  The matching next function returns 1 with
 * the item filled, 0 at the end, -1 on an LMDB or format error (logged). */
enum rm_err meta_iter_mailboxes(struct meta_txn *t, uint64_t user_id, struct meta_iter **r);
int meta_iter_mailbox(struct meta_iter *it, struct store_mailbox *mb);
/** Messages in UID order with uid >= from_uid. */
enum rm_err meta_iter_msgs(struct meta_txn *t, uint64_t mailbox_id, uint32_t from_uid,
			   struct meta_iter **r);
/** Messages with MODSEQ > since, in MODSEQ order. */
enum rm_err meta_iter_changed(struct meta_txn *t, uint64_t mailbox_id, uint64_t since,
			      struct meta_iter **r);
int meta_iter_msg(struct meta_iter *it, struct store_msg *m);
/** Expunged UIDs with MODSEQ > since, in MODSEQ order. */
enum rm_err meta_iter_vanished(struct meta_txn *t, uint64_t mailbox_id, uint64_t since,
			       struct meta_iter **r);
int meta_iter_vanished_next(struct meta_iter *it, uint32_t *uid_r, uint64_t *modseq_r);
/** Subscribed names of a user, in byte order. */
enum rm_err meta_iter_subs(struct meta_txn *t, uint64_t user_id, struct meta_iter **r);
int meta_iter_name(struct meta_iter *it, const char **name_r, size_t *len_r);
/** Keywords of a user in id order. */
enum rm_err meta_iter_keywords(struct meta_txn *t, uint64_t user_id, struct meta_iter **r);
int meta_iter_keyword(struct meta_iter *it, uint16_t *id_r, const char **name_r, size_t *len_r);
/** Live blobs with first <= LSN <= last. */
enum rm_err meta_iter_blobs(struct meta_txn *t, uint64_t first, uint64_t last, struct meta_iter **r);
int meta_iter_blob(struct meta_iter *it, struct meta_blob *b);
/** Every segment entry, ascending. */
enum rm_err meta_iter_segments(struct meta_txn *t, struct meta_iter **r);
int meta_iter_segment(struct meta_iter *it, struct meta_segment *s);
/** Users in login order. */
enum rm_err meta_iter_users(struct meta_txn *t, struct meta_iter **r);
int meta_iter_user(struct meta_iter *it, struct store_user *u);
void meta_iter_free(struct meta_iter **it);

/* ---- full-text index (meta_fts.c, layout there) --------------------------- */

#include "index/fts_doc.h"

/** FTS documents and postings are built at BLOB apply when true (default)
 * and a cache builder is set; store_set_fts_index() switches it. */
extern bool meta_fts_enabled;

/* Documents from the merge mark on (the tail) may not be in the postings
 * yet: search matches them directly (meta_fts.c). */
struct meta_fts_tail_stats {
	uint64_t docs;            /* tail documents (deleted ones may count) */
	uint64_t bytes;           /* their text */
	bool merging;             /* a generation is under way */
	bool recount;             /* not counted yet: counted at its next use */
};
void meta_fts_tail_stats(struct meta *m, struct meta_fts_tail_stats *r);
/**
 * One merge step inside write transaction t: starts a generation for the
 * tail when none is under way, then either reads its next documents
 * (until their trigrams make max_pairs pairs) or appends up to max_lists
 * of its trigram lists (stopping after max_pairs LSNs) to the chunks; the
 * step that appends the last one raises the merge mark.  *wrote_r: t was
 * written to; *done_r: the tail is empty.  RM_ERR_BUSY: no generation
 * could start (RM_FTS_MERGE_GENS_MAX are under way in the process; t is
 * untouched).  RM_ERR_IO / RM_ERR_LIMIT from LMDB (the transaction must
 * then be aborted); a chunk that does not decode is logged and its
 * trigram left as it is (verify reports it).
 */
enum rm_err meta_fts_merge_step(struct meta_txn *t, uint64_t max_lists, uint64_t max_pairs,
				bool *wrote_r, bool *done_r);
/** The merge mark: documents below it have every trigram posted. */
uint64_t meta_fts_merged(struct meta_txn *t);
/** Merges the whole tail inside write transaction t, whatever else is
 * under way (errors as above, never RM_ERR_BUSY); apply does it when the
 * tail reaches RM_FTS_PENDING_MAX_BYTES or RM_FTS_PENDING_MAX_DOCS. */
enum rm_err meta_fts_merge_all(struct meta_txn *t);
/** The LSN from which every blob has a document (UINT64_MAX: unknown). */
uint64_t meta_fts_from(struct meta_txn *t);
/** The document of a blob, pointing into the map (valid until the
 * transaction ends).  RM_ERR_NOTFOUND. */
enum rm_err meta_fts_doc_get(struct meta_txn *t, uint64_t lsn, const void **p_r, size_t *len_r);
/** Every LSN posted for trigram tri, ascending: a superset of the
 * documents below the merge mark that contain it (may hold LSNs of blobs
 * since deleted, and some of the tail).  *lsns_r is malloc'd (caller
 * frees; NULL when none). */
enum rm_err meta_fts_postings(struct meta_txn *t, fts_tri tri, uint64_t **lsns_r, size_t *n_r);
/** Bytes of pages used by the postings and documents, and the number of
 * documents. */
enum rm_err meta_fts_size(struct meta_txn *t, uint64_t *bytes_r, uint64_t *docs_r);

struct meta_fts_verify_stats {
	uint64_t docs;
	uint64_t chunks;
	uint64_t postings;
	uint64_t stale;           /* posted LSNs whose blob is gone */
	uint64_t errors;          /* each one logged (event=verify_fts) */
};
/** Checks the full-text index: every document decodes and belongs to a
 * live blob, every live blob from fts_from on has one, every chunk
 * decodes and ascends, and every trigram of every document is posted for
 * it.  RM_OK when the checks ran (see st->errors). */
enum rm_err meta_fts_verify(struct meta_txn *t, struct meta_fts_verify_stats *st);

/* ---- consistency (meta_verify.c) ------------------------------------------ */

struct meta_verify_stats {
	uint64_t users;
	uint64_t mailboxes;
	uint64_t messages;
	uint64_t blobs;
	uint64_t errors;          /* each one logged (event=verify_index) */
};

/** Checks the index against itself: mailbox and user counters against the
 * messages, each message's MODSEQ entry, UIDs below UIDNEXT, blob reference
 * counts against the messages using them.  RM_OK even when errors were
 * found (see st->errors); RM_ERR_IO when LMDB failed. */
enum rm_err meta_verify(struct meta_txn *t, struct meta_verify_stats *st);

/* ---- whole-index views (meta_dump.c) ------------------------------------ */

/** Appends every key and value of every database, in order, to out (a
 * canonical image: two indexes are equal iff their dumps are). */
enum rm_err meta_dump(struct meta_txn *t, struct rm_buf *out);
struct meta_counts {
	uint64_t users;
	uint64_t mailboxes;
	uint64_t messages;
	uint64_t blobs;
	uint64_t segments;
};
/** Entry counts of the main databases (LMDB keeps them: O(1)). */
enum rm_err meta_counts(struct meta_txn *t, struct meta_counts *r);

#endif
