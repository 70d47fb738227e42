/*
 * loop.h — one io_uring per thread and the completion dispatch every layer
 * shares.
 *
 * Every submission carries a pointer to a struct rm_op as its user_data; the
 * op's fn runs when the completion arrives.  The owner of an op keeps it
 * alive until its last completion (for multishot operations: the completion
 * without IORING_CQE_F_MORE).  Connections count their in-flight ops and are
 * freed only when that count reaches zero, so a late completion can never
 * land on reused memory.  user_data 0 means "nobody cares" (cancel requests,
 * fire-and-forget closes).
 *
 * A loop turn: submit queued SQEs and wait for at least one completion,
 * dispatch every completion that is ready, then run the turn hooks (the
 * storage layer's group commit is one: everything produced during the turn
 * is flushed with one write and one fdatasync).
 *
 * Threads: a loop is driven by exactly one thread (IORING_SETUP_SINGLE_ISSUER).
 * Other threads reach it only through rm_loop_post() (IORING_OP_MSG_RING).
 */
#ifndef RM_LOOP_H
#define RM_LOOP_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

struct rm_op;
/** Completion callback.  res is cqe->res (negative errno on failure), flags
 * cqe->flags (IORING_CQE_F_MORE, IORING_CQE_F_BUFFER…). */
typedef void rm_op_fn(struct rm_op *op, int res, uint32_t flags);

struct rm_op {
	rm_op_fn *fn;
};

struct rm_loop;
typedef void rm_loop_hook_fn(struct rm_loop *loop, void *arg);

#define RM_LOOP_HOOKS_MAX 8

struct rm_loop {
	struct io_uring ring;
	int id;                 /* worker index, -1 for tools */
	bool stop;              /* set to leave rm_loop_run() after this turn */
	unsigned setup_flags;   /* what io_uring_queue_init_params accepted */
	uint64_t turns;
	uint64_t cqes;
	struct {
		rm_loop_hook_fn *fn;
		void *arg;
	} hooks[RM_LOOP_HOOKS_MAX];
	unsigned hook_count;
};

/** Creates the ring with `entries` SQEs.  Tries SINGLE_ISSUER|DEFER_TASKRUN
 * and falls back to plain setup (older kernels) .  Returns 0 or -errno. */
int rm_loop_init(struct rm_loop *loop, unsigned entries, int id);
void rm_loop_fini(struct rm_loop *loop);

/** A free SQE; when the submission queue is full, submits what is queued
 * first.  Never returns NULL (asserts instead: a flushed queue has room). */
struct io_uring_sqe *rm_loop_sqe(struct rm_loop *loop);

/** Registers fn to run at the end of every turn (group commit, deferred
 * output flush).  Order of registration is order of calls. */
void rm_loop_add_hook(struct rm_loop *loop, rm_loop_hook_fn *fn, void *arg);

/** One turn: submit, wait for min_wait completions (0: don't block),
 * dispatch, run hooks.  Returns the number of completions dispatched or
 * -errno when io_uring_enter failed with something other than EINTR. */
int rm_loop_turn(struct rm_loop *loop, unsigned min_wait);

/** Turns until loop->stop is set. */
int rm_loop_run(struct rm_loop *loop);

/** Delivers `op` with result `res` on `to`'s thread (IORING_OP_MSG_RING).
 * `from` is the caller's own loop, or NULL from a thread without one (a
 * helper thread), which then uses a lazily created private ring and waits
 * for the message to be posted.  Returns 0 or -errno. */
int rm_loop_post(struct rm_loop *from, struct rm_loop *to, struct rm_op *op, int res);

/** Creates the calling thread's private posting ring now.  A thread that
 * must be able to post later (the main thread's stop request, the
 * compaction thread) calls this at start: at the descriptor limit a ring
 * could no longer be created.  Returns 0 or -errno. */
int rm_loop_post_prepare(void);

/** Arms a one-shot timeout that completes `op` with -ETIME after ms. */
struct rm_timer {
	struct rm_op op;
	struct __kernel_timespec ts;
};
void rm_loop_timer_arm(struct rm_loop *loop, struct rm_timer *t, rm_op_fn *fn, uint64_t ms);

#endif
