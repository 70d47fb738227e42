/*
 * store.h — the storage engine: a data directory of P partitions, each an
 * append-only log (the truth) plus an LMDB index (a view of it).
 *
 * THREADS.  struct store is shared and read-only after store_open().  A
 * partition (struct part) belongs to the thread that drives its loop (the
 * worker p % W); every other function below must be called on that thread.
 * Offline tools open partitions with loop == NULL: then reads, views,
 * verify, reindex and compaction work, mutations fail with RM_ERR_PERM.
 *
 * MUTATIONS are asynchronous.  The caller fills a request struct (which
 * embeds struct store_req as `req`), sets req.done and passes it to one of
 * the store_* functions below.  Nothing is done at once: at the end of the
 * loop turn the partition executes every queued request against the index
 * (inside an LMDB write transaction that stays open), assigns UIDs, MODSEQs
 * and ids, appends the records to the batch, writes the batch with one
 * writev linked to one fdatasync, and only when that completes commits the
 * transaction and calls every done callback in request order (then the
 * watchers).  So:
 *   - done is never called from inside the submitting call;
 *   - when done runs with req.err == RM_OK the change is durable and visible
 *     to every reader; results (uid, modseq, ids) are in the request struct;
 *   - the request struct, and every array and string it points to, must
 *     stay valid and unchanged until done has run (the IMAP command's arena
 *     lives until its tagged reply, which comes after done);
 *   - errors per request: RM_ERR_NOTFOUND (user, mailbox), RM_ERR_EXISTS,
 *     RM_ERR_LIMIT (a bound of common/limits.h: name length, UIDs exhausted,
 *     keywords), RM_ERR_PERM (offline partition, INBOX delete/rename),
 *     RM_ERR_INVAL (bad argument), RM_ERR_BUSY (queue full), RM_ERR_IO (the
 *     partition failed a write or fsync and is read-only from then on:
 *     fsyncs are never retried).
 *
 * READS of the index are synchronous: store_view_begin() opens an LMDB read
 * transaction; every pointer a view function returns points into the map
 * and is valid until store_view_end().  Keep views short (a long-lived read
 * transaction keeps old pages from reuse and holds a reader slot, of which
 * there are 1024 per partition).
 *
 * MESSAGE BYTES are read through io_uring (store_read_msg), never blocking.
 */
#ifndef RM_STORE_H
#define RM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/loop.h"
#include "storage/store_types.h"

struct store;
struct part;
struct store_view;
struct store_iter;

/* ---- data directory and partitions (store.c, store_part.c) -------------- */

/** Tunables; store_opts_default() fills the defaults from common/limits.h. */
struct store_opts {
	uint64_t segment_max_bytes;
	uint64_t lmdb_map_bytes;
	uint64_t checkpoint_idle_ms;     /* 0: checkpoint only at close */
	unsigned compact_live_percent;   /* background compaction threshold */
	uint64_t compact_check_ms;       /* 0: no background compaction */
	uint64_t vanished_keep;          /* expunged UIDs per mailbox; 0: all */
};
void store_opts_default(struct store_opts *o);

/** Creates a data directory: DIR/meta (format, partition count), DIR/lock,
 * DIR/parts/NNN/log/00000001.seg for every partition.  RM_ERR_EXISTS when
 * DIR/meta exists, RM_ERR_INVAL for a partition count outside
 * 1..RM_PARTITIONS_MAX, RM_ERR_IO. */
enum rm_err store_init(const char *dir, unsigned partitions);

/** Opens a data directory and takes an exclusive flock on DIR/lock (the
 * server and the CLI never both open it).  opts may be NULL (defaults).
 * On RM_OK *r is owned by the caller (store_close).  RM_ERR_BUSY (locked by
 * another process), RM_ERR_NOTFOUND (no DIR/meta), RM_ERR_CORRUPT (meta
 * unreadable or another format version), RM_ERR_IO. */
enum rm_err store_open(const char *dir, const struct store_opts *opts, struct store **r);
/** Releases the lock and frees; every partition must be closed, and a loop
 * that served partitions must not turn again (its turn hook points into the
 * store).  Do not close a partition from inside one of its done callbacks. */
void store_close(struct store **s);
unsigned store_partitions(const struct store *s);
/** The partition of a login: xxh3_64(ASCII-lower-cased login) % P. */
unsigned store_partition_of(const struct store *s, const char *login, size_t len);

/** Opens partition p and runs recovery (blocking: before serving).  loop is
 * the owner's loop (NULL offline).  Recovery: detect a machine crash (state
 * file: unclean stop with another boot id -> rebuild the index from the
 * log), drop compaction leftovers, repair a compacted segment whose index
 * update was lost, cut a torn last batch, replay records above the applied
 * LSN, report (segment, offset) of every corrupt record and skip it.
 * On RM_OK *r is owned by the caller (store_part_close). */
enum rm_err store_part_open(struct store *s, unsigned p, struct rm_loop *loop, struct part **r);
/** Waits for the batch in flight (driving the loop), fails queued requests
 * with RM_ERR_CLOSED, checkpoints (LMDB sync + clean mark) and frees. */
void store_part_close(struct part **part);
/** True when nothing is queued or in flight (requests, reads, checkpoint,
 * compaction). */
bool store_part_idle(const struct part *part);
/** True when the partition waits for an io_uring completion, so a driver
 * may block in rm_loop_turn(loop, 1).  Queued requests alone need a turn
 * without waiting: the turn hook submits them. */
bool store_part_expecting(const struct part *part);
/** Forces a rebuild of the index from the log (ringmail reindex); offline
 * partitions only.  Prints nothing; returns the replay summary. */
struct store_replay_stats {
	uint64_t segments;
	uint64_t records;          /* valid records seen */
	uint64_t applied;          /* records replayed into the index */
	uint64_t corrupt_regions;  /* skipped bad regions */
	uint64_t rejected;         /* valid records the index refused */
	uint64_t truncated_bytes;  /* torn tail cut */
	bool rebuilt;              /* the index was rebuilt from scratch */
};
enum rm_err store_part_reindex(struct part *part, struct store_replay_stats *r);
struct store_verify_stats {
	uint64_t segments;
	uint64_t records;          /* records whose checksum verified */
	uint64_t corrupt_regions;  /* each logged with segment and offset */
	uint64_t corrupt_bytes;
	uint64_t users;
	uint64_t mailboxes;
	uint64_t messages;
	uint64_t blobs;
	uint64_t blob_errors;      /* index pointers not leading to their record */
	uint64_t index_errors;     /* counters, MODSEQ entries, reference counts */
	uint64_t fts_docs;         /* full-text index: documents */
	uint64_t fts_stale;        /* posted LSNs of deleted blobs (not errors) */
	uint64_t fts_errors;       /* documents, chunks, missing postings */
};
/** Checks every record's checksum in every segment, that every blob the
 * index knows points at its BLOB record (segment, generation, offset, LSN,
 * size), and the index's own consistency.  Offline partitions only.
 * RM_OK when the checks ran (look at the counters), RM_ERR_PERM online,
 * RM_ERR_IO. */
enum rm_err store_part_verify(struct part *part, struct store_verify_stats *r);
struct store_part_stats {
	uint64_t segments;
	uint64_t log_bytes;        /* segment files on disk */
	uint64_t live_bytes;       /* of which records still needed */
	uint64_t index_bytes;      /* LMDB pages in use */
	uint64_t applied_lsn;
	uint64_t users;
	uint64_t mailboxes;
	uint64_t messages;
	uint64_t blobs;            /* distinct stored message bodies */
	uint64_t blob_bytes;       /* their sizes: the mail the index covers */
	uint64_t fts_bytes;        /* pages of the full-text index (postings + documents) */
	uint64_t fts_docs;
};
/** Sizes and counts of a partition (any partition, online or offline). */
enum rm_err store_part_stats(struct part *part, struct store_part_stats *r);
/** What the last open's recovery did. */
void store_part_recovery(const struct part *part, struct store_replay_stats *r);

/** Installs the MIME cache builder used when a message is stored or
 * replayed (index/mime.h mime_parse); NULL stores empty cache entries.  Set
 * once at start-up, before any partition opens. */
void store_set_cache_builder(enum rm_err (*fn)(const char *msg, size_t len,
					       struct rm_buf *cache_r));

/** Turns the full-text index on (default) or off for blobs applied from
 * now on; set once at start-up like the cache builder.  Blobs applied
 * while it is off (or without a cache builder) have no FTS document:
 * search reads their bytes instead. */
void store_set_fts_index(bool on);

/* ---- requests (store_exec.c and one file per family) --------------------- */

struct store_req;
typedef void store_done_fn(struct store_req *req);

/** Common head of every request.  Set done before submitting; err holds the
 * result when done runs.  The rest is private. */
struct store_req {
	store_done_fn *done;
	enum rm_err err;
	struct store_req *next_;
	unsigned op_;
};

/* users (store_user.c) */

struct store_user_create {
	struct store_req req;
	const char *login;         /* lower-cased by the engine */
	size_t login_len;
	uint64_t user_id;          /* out */
};
/** Creates a user with INBOX, Drafts, Sent, Trash, Junk and Archive (the
 * last five with their special-use attribute), all subscribed, in one
 * atomic group.  RM_ERR_EXISTS, RM_ERR_LIMIT (login too long). */
void store_user_create(struct part *part, struct store_user_create *rq);

struct store_user_delete {
	struct store_req req;
	uint64_t user_id;
};
/** Deletes a user with every mailbox, message, subscription and keyword. */
void store_user_delete(struct part *part, struct store_user_delete *rq);

/* mailboxes (store_mailbox.c) */

struct store_mbox_create {
	struct store_req req;
	uint64_t user_id;
	const char *name;          /* normalized by the IMAP layer */
	size_t name_len;
	uint32_t special_use;      /* STORE_USE_* */
	uint64_t mailbox_id;       /* out */
	uint32_t uidvalidity;      /* out */
};
/** Creates one mailbox (superiors are the caller's business).  UIDVALIDITY
 * is max(now, last assigned + 1): unique over time within the partition.
 * RM_ERR_EXISTS, RM_ERR_LIMIT (name over RM_STORE_MAILBOX_NAME_MAX_BYTES,
 * more than RM_MAILBOXES_PER_USER_MAX). */
void store_mbox_create(struct part *part, struct store_mbox_create *rq);

struct store_mbox_rename {
	struct store_req req;
	uint64_t user_id;
	const char *from;
	size_t from_len;
	const char *to;
	size_t to_len;
	unsigned renamed;          /* out: mailboxes renamed (with inferiors) */
};
/** Renames a mailbox and its inferiors ("a" -> "b" also moves "a/x" to
 * "b/x"), keeping ids, UIDVALIDITY and messages; subscriptions are left
 * alone.  RM_ERR_NOTFOUND, RM_ERR_EXISTS (any target name taken),
 * RM_ERR_PERM (from or to is INBOX: RFC 9051 §6.3.6 gives INBOX its own
 * semantics, which the IMAP layer builds from create + move). */
void store_mbox_rename(struct part *part, struct store_mbox_rename *rq);

struct store_mbox_delete {
	struct store_req req;
	uint64_t user_id;
	const char *name;
	size_t name_len;
};
/** Deletes one mailbox and its messages (inferiors stay).  RM_ERR_PERM for
 * INBOX. */
void store_mbox_delete(struct part *part, struct store_mbox_delete *rq);

struct store_subscribe {
	struct store_req req;
	uint64_t user_id;
	const char *name;          /* need not exist (RFC 9051 §6.3.9) */
	size_t name_len;
	bool on;
};
void store_subscribe(struct part *part, struct store_subscribe *rq);

/* messages (store_msg.c) */

/** A message buffer with room for the record header in front, so that the
 * IMAP layer reads a literal straight into it and the log writes it without
 * a copy. */
struct store_msgbuf;
/** Allocates room for size_bytes (<= RM_RECORD_MAX_BYTES); aborts on OOM.
 * Owned by the caller until passed to store_append (which takes it). */
struct store_msgbuf *store_msgbuf_alloc(size_t size_bytes);
/** Where the caller writes the message bytes (size_bytes of them). */
char *store_msgbuf_data(struct store_msgbuf *mb);
size_t store_msgbuf_size(const struct store_msgbuf *mb);
/** Frees (when the caller gives up before store_append); sets *mb NULL. */
void store_msgbuf_free(struct store_msgbuf **mb);

/** One target of a delivery: a mailbox of a user of this partition. */
struct store_rcpt {
	uint64_t user_id;
	uint64_t mailbox_id;
	uint32_t flags;            /* STORE_F_* */
	const char *const *keywords;   /* names, created on first use */
	const size_t *keyword_lens;
	unsigned nkeywords;
	int64_t internal_date_s;   /* 0: now */
	uint32_t uid;              /* out */
	uint64_t modseq;           /* out */
	enum rm_err err;           /* out: NOTFOUND, LIMIT ... per target */
};

struct store_append {
	struct store_req req;
	struct store_msgbuf *msg;  /* taken: freed by the engine */
	struct store_rcpt *rcpts;
	unsigned nrcpts;
	uint64_t blob_lsn;         /* out: the stored bytes (one copy) */
};
/** Stores the bytes once and adds them to every target mailbox (APPEND:
 * one target; LMTP: one per recipient, single-instance).  req.err is RM_OK
 * when at least one target took the message; see each rcpt's err. */
void store_append(struct part *part, struct store_append *rq);

struct store_copy {
	struct store_req req;
	uint64_t user_id;
	uint64_t src_mailbox_id;
	uint64_t dst_mailbox_id;
	const uint32_t *uids;      /* source UIDs, in the order of the result */
	unsigned nuids;
	bool move;                 /* expunge the sources in the same group */
	uint32_t *new_uids;        /* out, nuids entries: 0 = source absent */
	unsigned copied;           /* out */
	uint32_t dst_uidvalidity;  /* out: for COPYUID */
};
/** COPY / MOVE (RFC 6851): new MSG_ADD entries share the source blobs.
 * RM_ERR_NOTFOUND (a mailbox), RM_ERR_LIMIT (UIDs of the target exhausted). */
void store_copy(struct part *part, struct store_copy *rq);

enum store_flags_mode { STORE_FLAGS_ADD, STORE_FLAGS_REMOVE, STORE_FLAGS_REPLACE };

enum store_flag_status {
	STORE_FLAG_CHANGED,        /* new flags, new MODSEQ */
	STORE_FLAG_UNCHANGED,      /* already so; current flags and MODSEQ */
	STORE_FLAG_MODIFIED,       /* MODSEQ above unchangedsince (RFC 7162) */
	STORE_FLAG_ABSENT,         /* no such UID */
};

struct store_flag_result {
	uint32_t flags;
	uint64_t modseq;
	enum store_flag_status status;
};

struct store_flags {
	struct store_req req;
	uint64_t user_id;
	uint64_t mailbox_id;
	const uint32_t *uids;
	unsigned nuids;
	enum store_flags_mode mode;
	uint32_t flags;            /* STORE_F_* */
	const char *const *keywords;
	const size_t *keyword_lens;
	unsigned nkeywords;
	uint64_t unchangedsince;   /* 0: none */
	struct store_flag_result *results;   /* out, nuids entries */
};
/** STORE: only messages whose flags change get a new MODSEQ. */
void store_flags(struct part *part, struct store_flags *rq);

struct store_expunge {
	struct store_req req;
	uint64_t user_id;
	uint64_t mailbox_id;
	const uint32_t *uids;
	unsigned nuids;
	unsigned expunged;         /* out */
};
/** Removes messages; each expunged UID is kept in the vanished history with
 * its MODSEQ (QRESYNC). */
void store_expunge(struct part *part, struct store_expunge *rq);

/* ---- index reads (store_view.c) ------------------------------------------ */

/** Opens a read view.  RM_ERR_BUSY (reader slots), RM_ERR_IO.  *r owned by
 * the caller until store_view_end. */
enum rm_err store_view_begin(struct part *part, struct store_view **r);
void store_view_end(struct store_view **v);

/** RM_ERR_NOTFOUND.  Login compared lower-cased. */
enum rm_err store_view_user(struct store_view *v, const char *login, size_t len,
			    struct store_user *r);
enum rm_err store_view_mailbox(struct store_view *v, uint64_t user_id, const char *name,
			       size_t len, struct store_mailbox *r);
enum rm_err store_view_mailbox_by_id(struct store_view *v, uint64_t mailbox_id,
				     struct store_mailbox *r);
enum rm_err store_view_msg(struct store_view *v, uint64_t mailbox_id, uint32_t uid,
			   struct store_msg *r);
/** The MIME cache blob of a message's bytes (may be empty: *p_r NULL). */
enum rm_err store_view_cache(struct store_view *v, uint64_t blob_lsn, const void **p_r,
			     size_t *len_r);
enum rm_err store_view_keyword_name(struct store_view *v, uint64_t user_id, uint16_t id,
				    const char **name_r, size_t *len_r);
enum rm_err store_view_keyword_id(struct store_view *v, uint64_t user_id, const char *name,
				  size_t len, uint16_t *id_r);

/** Iterators: created on a view, freed with store_iter_free before the view
 * ends.  The next functions return 1 (item filled), 0 (end), -1 (error). */
enum rm_err store_view_mailboxes(struct store_view *v, uint64_t user_id, struct store_iter **r);
int store_iter_mailbox(struct store_iter *it, struct store_mailbox *mb);
/** Messages of a mailbox in UID order from from_uid. */
enum rm_err store_view_msgs(struct store_view *v, uint64_t mailbox_id, uint32_t from_uid,
			    struct store_iter **r);
/** Messages whose MODSEQ > since, in MODSEQ order (CONDSTORE, view sync). */
enum rm_err store_view_changed(struct store_view *v, uint64_t mailbox_id, uint64_t since,
			       struct store_iter **r);
int store_iter_msg(struct store_iter *it, struct store_msg *m);
/** UIDs expunged with MODSEQ > since (QRESYNC VANISHED).  The history is
 * complete for since >= the mailbox's vanished_floor_modseq. */
enum rm_err store_view_vanished(struct store_view *v, uint64_t mailbox_id, uint64_t since,
				struct store_iter **r);
int store_iter_vanished(struct store_iter *it, uint32_t *uid_r, uint64_t *modseq_r);
/** Subscribed names of a user (LSUB, LIST (SUBSCRIBED)). */
enum rm_err store_view_subscriptions(struct store_view *v, uint64_t user_id,
				     struct store_iter **r);
int store_iter_name(struct store_iter *it, const char **name_r, size_t *len_r);
/** The user's keyword table, in id order. */
enum rm_err store_view_keywords(struct store_view *v, uint64_t user_id, struct store_iter **r);
int store_iter_keyword(struct store_iter *it, uint16_t *id_r, const char **name_r,
		       size_t *len_r);
void store_iter_free(struct store_iter **it);

/* ---- full-text index reads (store_fts.c; format in index/meta_fts.c) ------ */

/** Blobs with an LSN at or above this have an FTS document; older ones
 * must be searched by reading the message (UINT64_MAX: none has). */
uint64_t store_view_fts_from(struct store_view *v);
/** The FTS document of a blob (index/fts_doc.h), pointing into the map:
 * valid until store_view_end.  RM_ERR_NOTFOUND. */
enum rm_err store_view_fts_doc(struct store_view *v, uint64_t blob_lsn, const void **p_r,
			       size_t *len_r);
/** The merge mark: blobs from here on (the tail) may be missing from the
 * postings, so search matches their documents directly.  Read from the
 * view's snapshot, consistent with its postings. */
uint64_t store_view_fts_merged(struct store_view *v);
/** Blob LSNs posted for a trigram, ascending; a superset of the blobs
 * below the merge mark whose document contains it (deleted blobs may
 * remain, and some of the tail).  *lsns_r is malloc'd, owned by the
 * caller (NULL when empty). */
enum rm_err store_view_fts_postings(struct store_view *v, uint32_t trigram, uint64_t **lsns_r,
				    size_t *n_r);

/* ---- message bytes (store_read.c) ---------------------------------------- */

struct store_read;
typedef void store_read_fn(struct store_read *rd, enum rm_err err, size_t got_bytes);

/** One read in flight.  Caller-owned; keep it alive until done runs.  The
 * fields are private. */
struct store_read {
	struct rm_op op;
	store_read_fn *done;
	struct part *part;
	struct store_read *next;
	struct store_segfd *sfd;
	uint8_t *buf;
	size_t want;
	size_t got;
	uint64_t file_off;
	uint64_t blob_lsn;
	bool whole;                 /* verify the record checksum */
	enum rm_err pending_err;
	unsigned niov;
	uint8_t hdr[32];
	struct iovec iov[2];
};

/** Reads len bytes at offset of the message stored as blob_lsn into buf,
 * through io_uring; done runs on the owner thread with the bytes read
 * (shorter than len only at the message's end).  Reading the whole message
 * (offset 0, len >= size) also verifies the record checksum
 * (RM_ERR_CORRUPT when it fails).  Errors: RM_ERR_NOTFOUND (no such blob),
 * RM_ERR_IO.  Up to RM_STORE_READS_MAX reads run at once per partition; more
 * wait their turn.  Offline partitions (loop NULL) read synchronously and
 * call done before returning. */
void store_read_msg(struct part *part, uint64_t blob_lsn, uint64_t offset, size_t len,
		    void *buf, struct store_read *rd, store_read_fn *done);

/* ---- change notification (store_watch.c) --------------------------------- */

struct store_watch;
typedef void store_watch_fn(struct store_watch *w, uint64_t mailbox_id);

/** Caller-owned, alive until removed.  fn runs once per committed batch that
 * touched the mailbox, after every done callback of that batch.  fn may
 * remove its own watch (not others). */
struct store_watch {
	store_watch_fn *fn;
	uint64_t mailbox_id;
	struct store_watch *next_;
	struct store_watch **pprev_;
};
void store_watch_add(struct part *part, uint64_t mailbox_id, struct store_watch *w);
void store_watch_remove(struct part *part, struct store_watch *w);

/* ---- metrics (store_commit.c) --------------------------------------------- */

/* Records-per-fsync histogram buckets: <=1, <=2, <=4, ... <=1024, more. */
#define STORE_HIST_BUCKETS 12

struct store_metrics {
	uint64_t requests;
	uint64_t commits;          /* batches made durable */
	uint64_t fsyncs;           /* fdatasync calls on the log */
	uint64_t records;
	uint64_t bytes;            /* log bytes written */
	uint64_t fsync_ns_total;   /* submit to completion of write+fsync */
	uint64_t checkpoints;
	uint64_t checkpoint_ns_total;  /* LMDB fsync + clean mark, end to end */
	uint64_t compactions;      /* segments rewritten */
	uint64_t reads;
	uint64_t read_bytes;
	uint64_t records_per_fsync[STORE_HIST_BUCKETS];
	uint64_t applied_lsn;
	bool read_only;
};
/** Copies the partition's counters (owner thread). */
void store_part_metrics(const struct part *part, struct store_metrics *r);

#endif
