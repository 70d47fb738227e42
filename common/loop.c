#include "common/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

int rm_loop_init(struct rm_loop *loop, unsigned entries, int id)
{
	memset(loop, 0, sizeof(*loop));
	loop->id = id;
	struct io_uring_params p;
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
		  IORING_SETUP_SUBMIT_ALL | IORING_SETUP_CQSIZE;
	p.cq_entries = entries * 4;
	int rc = io_uring_queue_init_params(entries, &loop->ring, &p);
	if (rc == -EINVAL) {
		/* Kernels before 6.1 know neither flag; COOP_TASKRUN is 5.19. */
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = entries * 4;
		rc = io_uring_queue_init_params(entries, &loop->ring, &p);
	}
	if (rc < 0)
		return rc;
	loop->setup_flags = p.flags;
	return 0;
}

void rm_loop_fini(struct rm_loop *loop)
{
	io_uring_queue_exit(&loop->ring);
}

struct io_uring_sqe *rm_loop_sqe(struct rm_loop *loop)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&loop->ring);
	if (RM_UNLIKELY(!sqe)) {
		int rc;
		do {
			rc = io_uring_submit(&loop->ring);
		} while (rc == -EINTR);
		sqe = io_uring_get_sqe(&loop->ring);
		RM_ASSERT(sqe != NULL);
	}
	return sqe;
}

void rm_loop_add_hook(struct rm_loop *loop, rm_loop_hook_fn *fn, void *arg)
{
	RM_ASSERT(loop->hook_count < RM_LOOP_HOOKS_MAX);
	loop->hooks[loop->hook_count].fn = fn;
	loop->hooks[loop->hook_count].arg = arg;
	loop->hook_count++;
}

static unsigned loop_dispatch(struct rm_loop *loop)
{
	struct io_uring_cqe *cqes[256];
	unsigned total = 0;
	for (;;) {
		unsigned n = io_uring_peek_batch_cqe(&loop->ring, cqes, RM_ARRAY_LEN(cqes));
		if (n == 0)
			break;
		for (unsigned i = 0; i < n; i++) {
			struct rm_op *op = io_uring_cqe_get_data(cqes[i]);
			int res = cqes[i]->res;
			uint32_t flags = cqes[i]->flags;
			/* Mark seen before the callback: it may submit and wait. */
			io_uring_cqe_seen(&loop->ring, cqes[i]);
			if (op)
				op->fn(op, res, flags);
		}
		total += n;
	}
	return total;
}

int rm_loop_turn(struct rm_loop *loop, unsigned min_wait)
{
	int rc = io_uring_submit_and_wait(&loop->ring, min_wait);
	if (rc < 0 && rc != -EINTR && rc != -ETIME && rc != -EBUSY)
		return rc;
	unsigned n = loop_dispatch(loop);
	for (unsigned i = 0; i < loop->hook_count; i++)
		loop->hooks[i].fn(loop, loop->hooks[i].arg);
	loop->turns++;
	loop->cqes += n;
	return (int)n;
}

int rm_loop_run(struct rm_loop *loop)
{
	while (!loop->stop) {
		int rc = rm_loop_turn(loop, 1);
		if (rc < 0) {
			rm_log(RM_LOG_ERROR, "loop_enter_failed", "worker=%d errno=%d", loop->id, -rc);
			return rc;
		}
	}
	return 0;
}

/* A thread without a loop of its own (helper threads) posts through this
 * private ring.  Created on first use, never destroyed (threads live as
 * long as the process). */
static _Thread_local struct io_uring *post_ring;

int rm_loop_post_prepare(void)
{
	if (post_ring)
		return 0;
	struct io_uring *r = rm_calloc(1, sizeof(*r));
	int rc = io_uring_queue_init(8, r, 0);
	if (rc < 0) {
		free(r);
		return rc;
	}
	post_ring = r;
	return 0;
}

int rm_loop_post(struct rm_loop *from, struct rm_loop *to, struct rm_op *op, int res)
{
	if (from) {
		struct io_uring_sqe *sqe = rm_loop_sqe(from);
		io_uring_prep_msg_ring(sqe, to->ring.ring_fd, (unsigned)res, (uint64_t)(uintptr_t)op, 0);
		/* The sender needs no completion of its own. */
		sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
		io_uring_sqe_set_data(sqe, NULL);
		return 0;
	}
	int rc = rm_loop_post_prepare();
	if (rc < 0)
		return rc;
	struct io_uring_sqe *sqe = io_uring_get_sqe(post_ring);
	RM_ASSERT(sqe != NULL);
	io_uring_prep_msg_ring(sqe, to->ring.ring_fd, (unsigned)res, (uint64_t)(uintptr_t)op, 0);
	io_uring_sqe_set_data(sqe, NULL);
	do {
		rc = io_uring_submit_and_wait(post_ring, 1);
	} while (rc == -EINTR);
	if (rc < 0)
		return rc;
	struct io_uring_cqe *cqe;
	rc = io_uring_peek_cqe(post_ring, &cqe);
	if (rc < 0)
		return rc;
	int r = cqe->res;
	io_uring_cqe_seen(post_ring, cqe);
	return r < 0 ? r : 0;
}

void rm_loop_timer_arm(struct rm_loop *loop, struct rm_timer *t, rm_op_fn *fn, uint64_t ms)
{
	t->op.fn = fn;
	t->ts.tv_sec = (long long)(ms / 1000);
	t->ts.tv_nsec = (long long)(ms % 1000) * 1000000;
	struct io_uring_sqe *sqe = rm_loop_sqe(loop);
	io_uring_prep_timeout(sqe, &t->ts, 0, 0);
	io_uring_sqe_set_data(sqe, &t->op);
}
