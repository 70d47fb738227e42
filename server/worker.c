#include "server/worker.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "server/server.h"
#include "server/server_init.h"

#define TICK_MS 1000u
/* How long a stopping worker waits for sessions to finish their commands. */
#define STOP_GRACE_MS 10000u

static void worker_on_accept(struct rm_op *op, int res, uint32_t flags);

static bool listeners_armed(const struct worker *w)
{
	for (unsigned i = 0; i < w->nlisteners; i++)
		if (w->listeners[i].armed)
			return true;
	return false;
}

static void listener_arm(struct listener *l)
{
	struct io_uring_sqe *sqe = rm_loop_sqe(&l->w->loop);
	io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL, SOCK_CLOEXEC);
	l->op.fn = worker_on_accept;
	io_uring_sqe_set_data(sqe, &l->op);
	l->armed = true;
}

static void worker_on_accept(struct rm_op *op, int res, uint32_t flags)
{
	struct listener *l = RM_CONTAINER_OF(op, struct listener, op);
	struct worker *w = l->w;
	if (!(flags & IORING_CQE_F_MORE))
		l->armed = false;
	if (res >= 0) {
		if (l->failures) {
			rm_log(RM_LOG_WARN, "accept_recovered", "worker=%u failures=%u", w->index, l->failures);
			l->failures = 0;
		}
		if (w->stopping)
			close(res);
		else
			conn_accept(w, res, l->tls, l->proto);
	} else if (res != -ECANCELED) {
		/* ENFILE/ENOMEM (EMFILE only if descriptors leak past the
		 * clamp in main.c): the tick re-arms after a pause; one line per
		 * minute of failures. */
		if (l->failures++ % 60 == 0)
			rm_log(RM_LOG_WARN, "accept_failed", "worker=%u errno=%d failures=%u",
			       w->index, -res, l->failures);
		return;
	}
	if (!l->armed && !w->stopping && res >= 0)
		listener_arm(l);
}

void worker_buf_return(struct worker *w, unsigned bid)
{
	io_uring_buf_ring_add(w->br, worker_buf(w, bid), RM_RECV_BUF_BYTES, (unsigned short)bid,
			      (int)w->br_mask, 0);
	io_uring_buf_ring_advance(w->br, 1);
}

static int worker_setup_buffers(struct worker *w)
{
	size_t ring_bytes = RM_RECV_BUF_COUNT * sizeof(struct io_uring_buf);
	void *mem = NULL;
	if (posix_memalign(&mem, 4096, ring_bytes) != 0)
		return -ENOMEM;
	memset(mem, 0, ring_bytes);
	w->br = mem;
	io_uring_buf_ring_init(w->br);
	struct io_uring_buf_reg reg;
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (unsigned long)(uintptr_t)w->br;
	reg.ring_entries = RM_RECV_BUF_COUNT;
	reg.bgid = 0;
	int rc = io_uring_register_buf_ring(&w->loop.ring, &reg, 0);
	if (rc < 0)
		return rc;
	w->bgid = 0;
	w->br_mask = (unsigned)io_uring_buf_ring_mask(RM_RECV_BUF_COUNT);
	/* Reserved, not touched: pages become resident only once posted. */
	w->bufs = rm_malloc((size_t)RM_RECV_BUF_COUNT * RM_RECV_BUF_BYTES);
	w->bufs_posted = 0;
	worker_bufs_grow(w);
	return 0;
}

bool worker_bufs_grow(struct worker *w)
{
	unsigned n = RM_MIN(RM_RECV_BUF_INITIAL, RM_RECV_BUF_COUNT - w->bufs_posted);
	for (unsigned i = 0; i < n; i++) {
		unsigned bid = w->bufs_posted + i;
		io_uring_buf_ring_add(w->br, worker_buf(w, bid), RM_RECV_BUF_BYTES,
				      (unsigned short)bid, (int)w->br_mask, (int)i);
	}
	io_uring_buf_ring_advance(w->br, (int)n);
	w->bufs_posted += n;
	return n > 0;
}

/* End of every loop turn: flush output, re-arm receives that ran out of
 * buffers. */
static void worker_turn_end(struct rm_loop *loop, void *arg)
{
	struct worker *w = arg;
	conn_flush_dirty(w);
	if (w->nobufs_len)
		conn_rearm_nobufs(w);
	if (w->stopping && (w->conns == 0 || rm_now_ms() > w->stop_deadline_ms)) {
		if (w->conns)
			rm_log(RM_LOG_WARN, "stop_deadline", "worker=%u conns=%llu", w->index, (unsigned long long)w->conns);
		loop->stop = true;
	}
}

static void worker_on_tick(struct rm_op *op, int res, uint32_t flags)
{
	struct worker *w = RM_CONTAINER_OF(op, struct worker, tick.op);
	uint64_t now = rm_now_ms();
	conn_check_timeouts(w, now);
	for (unsigned i = 0; i < w->nlisteners; i++)
		if (!w->listeners[i].armed && !w->stopping)
			listener_arm(&w->listeners[i]);
	rm_loop_timer_arm(&w->loop, &w->tick, worker_on_tick, TICK_MS);
}

static void worker_on_stop(struct rm_op *op, int res, uint32_t flags)
{
	struct worker *w = RM_CONTAINER_OF(op, struct worker, stop_op);
	if (w->stopping)
		return;
	w->stopping = true;
	w->stop_deadline_ms = rm_now_ms() + STOP_GRACE_MS;
	for (unsigned i = 0; i < w->nlisteners; i++) {
		struct io_uring_sqe *sqe = rm_loop_sqe(&w->loop);
		io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)&w->listeners[i].op, 0);
		io_uring_sqe_set_data(sqe, NULL);
	}
	/* Every session says goodbye once its current command is done. */
	for (unsigned k = 0; k < CONN_TO__COUNT; k++) {
		struct conn *c = w->lru_head[k];
		while (c) {
			struct conn *next = c->lru_next;
			if (c->proto->shutdown)
				c->proto->shutdown(c);
			else
				conn_close(c, "shutdown");
			c = next;
		}
	}
}

/* Ring, buffers and partitions are set up on the worker's own thread:
 * IORING_SETUP_SINGLE_ISSUER binds the ring to the task that creates it. */
static int worker_setup(struct worker *w)
{
	int rc = rm_loop_init(&w->loop, RM_RING_ENTRIES, (int)w->index);
	if (rc < 0) {
		rm_log(RM_LOG_CRIT, "io_uring_setup_failed", "worker=%u errno=%d", w->index, -rc);
		return rc;
	}
	w->loop_ready = true;
	rc = worker_setup_buffers(w);
	if (rc < 0) {
		rm_log(RM_LOG_CRIT, "buffer_ring_failed", "worker=%u errno=%d", w->index, -rc);
		return rc;
	}
	rm_loop_add_hook(&w->loop, worker_turn_end, w);
	return server_worker_open(w->srv, w);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	if (w->srv->cfg.pin_workers) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(w->index % (unsigned)CPU_SETSIZE, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
			rm_log(RM_LOG_WARN, "pin_failed", "worker=%u", w->index);
	}
	int rc = worker_setup(w);
	server_worker_ready(w->srv, rc);
	if (rc < 0)
		return NULL;
	for (unsigned i = 0; i < w->nlisteners; i++)
		listener_arm(&w->listeners[i]);
	rm_loop_timer_arm(&w->loop, &w->tick, worker_on_tick, TICK_MS);
	rc = rm_loop_run(&w->loop);
	if (rc < 0)
		rm_log(RM_LOG_CRIT, "worker_failed", "worker=%u errno=%d", w->index, -rc);
	/* The stop queued cancels of the listeners' accepts, which the last
	 * turn may not have submitted: a multishot accept left in the ring
	 * keeps its socket accepting until the ring is torn down, after the
	 * process is gone, and a server started then loses connections to it. */
	for (unsigned n = 0; rc >= 0 && n < 200 && listeners_armed(w); n++) {
		/* DEFER_TASKRUN: completions are only run by a GETEVENTS enter. */
		io_uring_submit(&w->loop.ring);
		io_uring_get_events(&w->loop.ring);
		rm_loop_turn(&w->loop, 0);
		if (listeners_armed(w))
			usleep(1000);
	}
	server_worker_close(w->srv, w);
	return NULL;
}

int worker_create(struct server *srv, unsigned index, struct worker **r)
{
	struct worker *w = rm_calloc(1, sizeof(*w));
	w->srv = srv;
	w->index = index;
	w->stop_op.fn = worker_on_stop;
	*r = w;
	return 0;
}

void worker_kick_note(struct worker *w, const char *login, size_t len, uint64_t now_ns)
{
	struct worker_kick *k = &w->kicks[w->kick_next++ % RM_KICK_MARKS];
	k->len = RM_MIN(len, sizeof(k->login));
	memcpy(k->login, login, k->len);
	k->at_ns = now_ns;
}

bool worker_kicked_since(const struct worker *w, const char *login, size_t len,
			 uint64_t since_ns, uint64_t now_ns)
{
	for (unsigned i = 0; i < RM_KICK_MARKS; i++) {
		const struct worker_kick *k = &w->kicks[i];
		/* Nanoseconds: a LOGIN right after a kick may share its
		 * millisecond, and must not be taken for an older one. */
		if (k->at_ns && k->at_ns > since_ns &&
		    now_ns - k->at_ns <= (uint64_t)RM_KICK_MARK_MS * 1000000u &&
		    k->len == len && rm_strncasecmp_ascii(k->login, login, len) == 0)
			return true;
	}
	return false;
}

void worker_add_listener(struct worker *w, int fd, bool tls, const struct conn_proto *proto)
{
	RM_ASSERT(w->nlisteners < WORKER_LISTENERS_MAX);
	struct listener *l = &w->listeners[w->nlisteners++];
	l->w = w;
	l->fd = fd;
	l->tls = tls;
	l->proto = proto;
}

int worker_start(struct worker *w)
{
	return -pthread_create(&w->thread, NULL, worker_main, w);
}

void worker_request_stop(struct worker *w)
{
	int rc;
	while ((rc = rm_loop_post(NULL, &w->loop, &w->stop_op, 0)) != 0) {
		rm_log(RM_LOG_ERROR, "stop_post_failed", "worker=%u errno=%d", w->index, -rc);
		usleep(100 * 1000);
	}
}

void worker_join(struct worker *w)
{
	pthread_join(w->thread, NULL);
}

void worker_destroy(struct worker **wp)
{
	struct worker *w = *wp;
	if (!w)
		return;
	for (unsigned i = 0; i < w->nlisteners; i++)
		close(w->listeners[i].fd);
	if (w->loop_ready)
		rm_loop_fini(&w->loop);
	free(w->br);
	free(w->bufs);
	free(w->nobufs);
	free(w->parts);
	free(w);
	*wp = NULL;
}
