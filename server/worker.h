/*
 * worker.h — a worker thread: pinned to one CPU, one io_uring, its own
 * SO_REUSEPORT listening sockets with multishot accept, a provided-buffer
 * ring for receives, a one-second tick for timeouts, and the partitions
 * p with p % W == index.
 */
#ifndef RM_WORKER_H
#define RM_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/limits.h"
#include "common/loop.h"
#include "server/conn.h"

struct server;
struct conn_proto;
struct part;

struct listener {
	struct rm_op op;
	struct worker *w;
	int fd;
	bool tls;
	bool armed;
	unsigned failures;   /* accept failures in a row */
	const struct conn_proto *proto;
};

#define WORKER_LISTENERS_MAX 16

struct worker {
	struct rm_loop loop;
	bool loop_ready;
	unsigned index;
	pthread_t thread;
	struct server *srv;

	struct listener listeners[WORKER_LISTENERS_MAX];
	unsigned nlisteners;

	/* Provided buffers for multishot receive. */
	struct io_uring_buf_ring *br;
	char *bufs;
	unsigned br_mask;
	unsigned bgid;
	unsigned bufs_posted;     /* buffers handed to the ring so far */

	struct rm_timer tick;
	struct rm_op stop_op;
	bool stopping;
	uint64_t stop_deadline_ms;

	/* Connections: every live one is in exactly one timeout list. */
	struct conn *lru_head[CONN_TO__COUNT];
	struct conn *lru_tail[CONN_TO__COUNT];
	uint64_t conns;
	struct conn *dirty;        /* flush at end of turn */
	struct conn *busy;         /* output queued (stall check) */
	struct conn **nobufs;      /* receives to re-arm when buffers return */
	unsigned nobufs_len, nobufs_cap;

	/* Partitions owned (index p / W ... sparse array by partition). */
	struct part **parts;

	/* Thread-local caches (auth verifications). */
	void *auth_cache;
	struct recent_table *recent;   /* IMAP \Recent claims (imap/recent.c) */
	struct metrics_worker *metrics; /* this worker's counters (metrics.h) */

	/* Counters (read by metrics). */
	uint64_t accepted;
	uint64_t closed;
	uint64_t rejected;

	/* Recent kicks of this worker's users (control_ops.c), for the
	 * sessions that were in the middle of their hand-off to this worker
	 * when the kick walked its lists (imap_auth_arrived). */
	struct worker_kick {
		char login[RM_AUTH_LOGIN_MAX_BYTES];
		size_t len;
		uint64_t at_ns;       /* rm_now_ns() */
	} kicks[RM_KICK_MARKS];
	unsigned kick_next;
};

/** Notes a kick of login at now_ns (the owner worker's thread). */
void worker_kick_note(struct worker *w, const char *login, size_t len, uint64_t now_ns);
/** Whether login was kicked after since_ns (rm_now_ns), within
 * RM_KICK_MARK_MS of now_ns. */
bool worker_kicked_since(const struct worker *w, const char *login, size_t len,
			 uint64_t since_ns, uint64_t now_ns);

/** Creates the worker's ring and buffers and adopts the listening fds
 * (created by the main thread so bind errors surface before start). */
int worker_create(struct server *srv, unsigned index, struct worker **r);
void worker_add_listener(struct worker *w, int fd, bool tls, const struct conn_proto *proto);
/** Starts the thread. */
int worker_start(struct worker *w);
/** Asks the worker to drain and stop (from the main thread). */
void worker_request_stop(struct worker *w);
void worker_join(struct worker *w);
void worker_destroy(struct worker **w);

/** Posts more never-used buffers after -ENOBUFS; false when all are out. */
bool worker_bufs_grow(struct worker *w);
/** Returns a receive buffer to the ring. */
void worker_buf_return(struct worker *w, unsigned bid);
static inline char *worker_buf(struct worker *w, unsigned bid)
{
	return w->bufs + (size_t)bid * RM_RECV_BUF_BYTES;
}

#endif
