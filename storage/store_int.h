/*
 * store_int.h — internals shared by storage/store*.c and compact.c: the
 * partition, the batch (one group commit), request execution helpers.
 * Nothing outside storage/ includes this.
 */
#ifndef RM_STORE_INT_H
#define RM_STORE_INT_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/loop.h"
#include "index/meta.h"
#include "storage/log_format.h"
#include "storage/log_record.h"
#include "storage/store.h"

#define STORE_FORMAT_VERSION 1u
#define STORE_WATCH_BUCKETS  256u
#define STORE_PATH_MAX       PATH_MAX

/* Request kinds; index into the exec table (store_exec.c). */
enum store_op {
	STORE_OP_USER_CREATE = 1,
	STORE_OP_USER_DELETE,
	STORE_OP_MBOX_CREATE,
	STORE_OP_MBOX_RENAME,
	STORE_OP_MBOX_DELETE,
	STORE_OP_SUBSCRIBE,
	STORE_OP_APPEND,
	STORE_OP_COPY,
	STORE_OP_FLAGS,
	STORE_OP_EXPUNGE,
	STORE_OP_COMPACT_SWAP,    /* internal: index update after compaction */
	STORE_OP__COUNT
};
#define STORE_OP_MASK        0xffu
#define STORE_OP_F_REFUSED   0x100u  /* refused at submission; err set */
#define STORE_OP_F_EXECUTED  0x200u  /* exec ran (it owns cleanup then) */

struct store_msgbuf {
	size_t size_bytes;
	uint8_t hdr[LOG_REC_HEADER_BYTES];
	char data[];              /* right after hdr: one contiguous record */
};

/* A loop that owns partitions: one turn hook flushes all of them. */
struct store_loop {
	struct rm_loop *loop;
	struct part **parts;
	unsigned nparts;
	unsigned cap;
};

struct store {
	char *dir;
	unsigned partitions;
	int lock_fd;
	struct store_opts opts;
	pthread_mutex_t mu;       /* guards loops */
	struct store_loop **loops;
	unsigned nloops;
};

/* An open read descriptor of one generation of a segment. */
struct store_segfd {
	uint32_t seg_no;
	uint32_t generation;
	int fd;
	unsigned users;           /* reads in flight + pins */
	bool retired;             /* replaced by compaction: close at users 0 */
	struct store_segfd *next;
};

/* Piece of a batch's writev: a range of batch->recs or a message buffer. */
struct store_piece {
	struct store_msgbuf *mb;  /* NULL: recs[off, off+len) */
	size_t off;
	size_t len;
};

enum store_ckpt { STORE_CKPT_DIRTY, STORE_CKPT_RUNNING, STORE_CKPT_CLEAN };

/* One group commit: records of one loop turn, one writev + one fdatasync. */
struct store_batch {
	struct part *part;
	struct rm_op op_write, op_fsync, op_dirsync, op_mark, op_mark_fsync;
	unsigned pending;         /* completions still expected */
	int fail_res;             /* first negative result */
	struct meta_txn *txn;
	struct rm_buf recs;       /* encoded records other than BLOBs */
	struct store_piece *pieces;
	unsigned npieces, cap_pieces;
	struct iovec *iov;
	unsigned niov;
	struct store_req *head, *tail;
	unsigned nreqs;
	uint64_t first_lsn;
	uint32_t nrecords;
	uint64_t bytes;           /* record bytes (not the segment header) */
	uint64_t *touched;        /* mailbox ids, for watchers */
	unsigned ntouched, cap_touched;
	bool dirty;               /* the transaction changed something */
	bool seg_header;          /* the write starts with a segment header */
	uint8_t seg_header_buf[LOG_SEG_HEADER_BYTES];
	bool mark_dirty;          /* the state file is rewritten as dirty */
	uint8_t state_buf[64];
	/* The last record, to set LOG_F_BATCH_END on before writing. */
	uint8_t *last_hdr_mb;     /* in a msgbuf, or NULL: recs + last_off */
	size_t last_off;
	uint64_t last_hash;
	uint64_t submit_ns;
};

struct part {
	struct store *store;
	unsigned p;
	struct rm_loop *loop;
	char dir[STORE_PATH_MAX];
	char logdir[STORE_PATH_MAX];
	struct meta *meta;

	/* Writer: the active segment. */
	int seg_fd;
	int logdir_fd;
	uint32_t seg_no;
	uint32_t seg_gen;
	uint64_t seg_base_lsn;
	uint64_t tail;            /* file size of the active segment */
	bool seg_header_pending;  /* created, header not yet written */
	uint64_t next_lsn;

	/* Requests. */
	struct store_req *q_head, *q_tail;
	unsigned q_len;
	struct store_batch *inflight;
	bool read_only;
	struct rm_op wake_op;     /* a NOP so the turn that queued work ends */

	/* State file and checkpoints (store_state.c). */
	int state_fd;
	enum store_ckpt ckpt;
	struct rm_op ckpt_op;
	unsigned ckpt_pending;
	int ckpt_fail;
	uint8_t ckpt_buf[64];
	uint64_t ckpt_start_ns;
	uint64_t last_commit_ms;

	/* Reads (store_read.c). */
	struct store_segfd *segfds;
	unsigned reads_inflight;
	struct store_read *rq_head, *rq_tail;

	/* Watchers (store_watch.c). */
	struct store_watch *watch[STORE_WATCH_BUCKETS];

	/* Background compaction (compact.c). */
	struct compact_job *compact;
	uint64_t compact_next_ms;

	/* Full-text merge policy (store_fts.c); 0 = the limits.h default. */
	uint64_t fts_merge_bytes;
	uint64_t fts_merge_idle_ms;   /* UINT64_MAX: never for idleness */
	uint64_t fts_step_lists, fts_step_pairs;
	bool fts_waiting;             /* the last step found no generation place */

	struct store_metrics m;
	struct store_replay_stats recovery;
};

/* ---- store.c ------------------------------------------------------------- */

/** "DIR/parts/NNN". */
void store_part_dir(const struct store *s, unsigned p, char *out, size_t cap);
/** Registers the partition with its loop (one hook per loop). */
void store_loop_attach(struct part *part);
void store_loop_detach(struct part *part);

/* ---- store_recover.c ------------------------------------------------------ */

/** Opens the index and replays the log into it (rebuild: from scratch).
 * Sets the writer state (active segment, tail, next LSN). */
enum rm_err store_recover(struct part *part, bool rebuild, struct store_replay_stats *st);

/* ---- store_state.c -------------------------------------------------------- */

/** Reads the state file: 1 clean, 0 dirty in this boot (process crash),
 * -1 dirty in another boot or damaged (rebuild), -2 empty (a partition
 * never opened: its log is empty, so building the index is free). */
int store_state_load(struct part *part);
/** Writes and fsyncs the state synchronously (open, close, recovery). */
enum rm_err store_state_write_sync(struct part *part, bool clean);
/** Fills buf (64 bytes) with a state record. */
void store_state_encode(uint8_t *buf, bool clean);
/** Turn hook part: starts a checkpoint of an idle dirty partition. */
void store_state_maybe_checkpoint(struct part *part, uint64_t now_ms);

/* ---- store_commit.c ------------------------------------------------------- */

/** Queues a request (owner thread); the turn hook executes it. */
void store_submit(struct part *part, struct store_req *req, enum store_op op);
/** Turn hook body for one partition: executes the queue into a batch and
 * submits it when none is in flight. */
void store_commit_flush(struct part *part);
/** Completes a request list: err for those without one, and frees what
 * never-executed requests own. */
void store_commit_fail_list(struct store_req *head, enum rm_err err);

/* ---- store_exec.c --------------------------------------------------------- */

struct store_exec {
	struct part *part;
	struct store_batch *b;
	struct meta_txn *t;
	bool emitted;             /* this request wrote a record */
};

/** Executes one request into the batch: RM_OK or its validation error (no
 * record written); a failure after a record was written is returned with
 * x->emitted set and fails the whole batch. */
enum rm_err store_exec_req(struct store_exec *x, struct store_req *req);
/** Seals the record that starts at `start` in b->recs with the next LSN,
 * checks it by decoding, applies it to the index and queues it. */
enum rm_err store_exec_emit(struct store_exec *x, size_t start);
/** The same for a BLOB record in a message buffer (ownership moves to the
 * batch).  Returns the LSN through lsn_r. */
enum rm_err store_exec_emit_blob(struct store_exec *x, struct store_msgbuf *mb, uint64_t *lsn_r);
/** Frees what a request owns (an APPEND's buffer) when it fails without
 * being executed. */
void store_exec_refuse(struct store_req *req);
/** Sorted, duplicate-free copy of uids (malloc'd, caller frees); returns
 * its length. */
unsigned store_exec_uniq_uids(const uint32_t *uids, unsigned n, uint32_t **out_r);
/** After an expunge: forgets the oldest expunges of a mailbox whose vanished
 * history passed opts.vanished_keep (plus slack), with a VANISHED_TRIM
 * record in the same batch. */
enum rm_err store_exec_vanished_trim(struct store_exec *x, uint64_t user_id, uint64_t mailbox_id);
/** Records a mailbox touched by the batch (watchers). */
void store_exec_touch(struct store_exec *x, uint64_t mailbox_id);
/** The mailbox, which must exist and belong to the user (else
 * RM_ERR_NOTFOUND); mb_r may be NULL. */
enum rm_err store_exec_mailbox(struct store_exec *x, uint64_t user_id, uint64_t mailbox_id,
			       struct store_mailbox *mb_r);
/** Next MODSEQ / ids from the counters as the transaction sees them. */
enum rm_err store_exec_counters(struct store_exec *x, struct meta_counters *c);
/** UIDVALIDITY for a new mailbox. */
uint32_t store_exec_uidvalidity(const struct meta_counters *c);
/** Validation half of store_exec_keywords: names well-formed (RM_ERR_INVAL),
 * room for the missing ones when create (RM_ERR_LIMIT).  Emits nothing. */
enum rm_err store_exec_keywords_check(struct store_exec *x, uint64_t user_id,
				      const char *const *names, const size_t *lens, unsigned n,
				      bool create);
/** Keyword names -> sorted unique ids, defining missing ones (KEYWORD
 * records) when create, unknown ones skipped otherwise; ids_r has room for
 * RM_KEYWORDS_MAX.  Call after store_exec_keywords_check. */
enum rm_err store_exec_keywords(struct store_exec *x, uint64_t user_id, const char *const *names,
				const size_t *lens, unsigned n, bool create, uint16_t *ids_r,
				unsigned *nids_r);

/** MBOX_CREATE for a validated (user, name): next mailbox id, new
 * UIDVALIDITY (RM_ERR_LIMIT when exhausted). */
enum rm_err store_user_emit_mailbox(struct store_exec *x, uint64_t user_id, const char *name,
				    size_t len, uint32_t use, uint64_t *id_r, uint32_t *uidvalidity_r);

/* Exec functions, one per op (store_user.c, store_mailbox.c, store_msg.c,
 * store_flags.c, compact.c). */
enum rm_err store_user_exec_create(struct store_exec *x, struct store_req *req);
enum rm_err store_user_exec_delete(struct store_exec *x, struct store_req *req);
enum rm_err store_mailbox_exec_create(struct store_exec *x, struct store_req *req);
enum rm_err store_mailbox_exec_rename(struct store_exec *x, struct store_req *req);
enum rm_err store_mailbox_exec_delete(struct store_exec *x, struct store_req *req);
enum rm_err store_mailbox_exec_subscribe(struct store_exec *x, struct store_req *req);
enum rm_err store_msg_exec_append(struct store_exec *x, struct store_req *req);
enum rm_err store_msg_exec_copy(struct store_exec *x, struct store_req *req);
enum rm_err store_flags_exec_store(struct store_exec *x, struct store_req *req);
enum rm_err store_flags_exec_expunge(struct store_exec *x, struct store_req *req);
enum rm_err compact_exec_swap(struct store_exec *x, struct store_req *req);

/* ---- store_read.c / store_watch.c ---------------------------------------- */

/** The read descriptor for (seg, generation), opened on demand; users++. */
struct store_segfd *store_read_segfd_get(struct part *part, uint32_t seg_no, uint32_t generation);
void store_read_segfd_put(struct part *part, struct store_segfd *sfd);
/** Marks every descriptor of seg_no older than generation as retired. */
void store_read_segfd_retire(struct part *part, uint32_t seg_no, uint32_t generation);
void store_read_close_all(struct part *part);
/** Calls the watchers of the mailboxes a committed batch touched. */
void store_watch_notify(struct part *part, const uint64_t *mailbox_ids, unsigned n);

/* ---- store_view.c / store_fts.c ------------------------------------------- */

/** The read transaction under a view. */
struct meta_txn *store_view_txn(struct store_view *v);
/** Whether the partition should merge its full-text tail now: a
 * generation is under way, the tail reached its threshold, or the
 * partition has been idle long enough with something unmerged. */
bool store_fts_merge_due(struct part *part, uint64_t now_ms);
/** One bounded merge step inside the batch's transaction (marks it dirty). */
void store_fts_merge_step(struct part *part, struct store_batch *b);
/** Turn hook part for an idle partition (no queue, no batch in flight):
 * runs a merge step as a batch of its own when one is due, and asks for
 * another turn when more remain. */
void store_fts_maybe_merge(struct part *part, uint64_t now_ms);
/** Tests: merging starts at merge_bytes of tail text or after idle_ms
 * without a commit (RM_FTS_MERGE_IDLE_SMALL_MS for a tail under
 * merge_bytes / RM_FTS_MERGE_IDLE_MIN_DIV), in steps of step_lists lists /
 * step_pairs pairs (0: the limits.h defaults; idle UINT64_MAX: never). */
void store_fts_set_policy(struct part *part, uint64_t merge_bytes, uint64_t idle_ms,
			  uint64_t step_lists, uint64_t step_pairs);

/* ---- compact.c ------------------------------------------------------------ */

/** Background policy, from the turn hook. */
void compact_maybe_start(struct part *part, uint64_t now_ms);
/** True while a background compaction is running. */
bool compact_busy(const struct part *part);

#endif
