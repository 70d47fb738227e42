/*
 * bench_store_append — durable appends per second through the storage engine
 * with 1, 16 and 256 concurrent appenders and 4 KiB / 64 KiB messages, next
 * to the fdatasync rate this machine sustains alone (measured first, in the
 * same directory): the ratio says how much group commit buys.
 *
 * After each run the partition idles until its checkpoint (LMDB fsync and
 * clean mark) has run, and that checkpoint's duration is printed.
 *
 * Each appender keeps one APPEND in flight and submits the next from the
 * completion of the previous, like one IMAP client.  Everything runs on one
 * loop and one partition (one worker's share).
 *
 * Usage: bench_store_append [-s SECONDS] [-d DIR]   (default 3 s, /var/tmp)
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "storage/store.h"

#define MAX_APPENDERS 256

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* write(4 KiB) + fdatasync in a loop: the baseline. */
static double fdatasync_rate(const char *dir, double seconds)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/fsync-baseline", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	static char buf[4096];
	memset(buf, 'x', sizeof(buf));
	uint64_t n = 0;
	off_t off = 0;
	double t0 = now_s(), t;
	do {
		if (pwrite(fd, buf, sizeof(buf), off) != (ssize_t)sizeof(buf) || fdatasync(fd) != 0) {
			perror("baseline");
			exit(1);
		}
		off += (off_t)sizeof(buf);
		n++;
	} while ((t = now_s()) - t0 < seconds);
	close(fd);
	unlink(path);
	return (double)n / (t - t0);
}

/* The same through io_uring, as the engine does it: a write linked to a
 * datasync fsync, one pair at a time. */
static double uring_fdatasync_rate(const char *dir, double seconds)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/uring-baseline", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	struct rm_loop loop;          /* the engine's ring set-up */
	if (fd < 0 || rm_loop_init(&loop, 8, 0) != 0) {
		perror("uring baseline");
		exit(1);
	}
	struct io_uring *ring = &loop.ring;
	static char buf[4096];
	memset(buf, 'y', sizeof(buf));
	uint64_t n = 0;
	double t0 = now_s(), t;
	do {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
		io_uring_prep_write(sqe, fd, buf, sizeof(buf), n * sizeof(buf));
		sqe->flags |= IOSQE_IO_LINK;
		sqe = io_uring_get_sqe(ring);
		io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
		io_uring_submit_and_wait(ring, 2);
		for (int i = 0; i < 2; i++) {
			struct io_uring_cqe *cqe;
			if (io_uring_wait_cqe(ring, &cqe) != 0 || cqe->res < 0) {
				fprintf(stderr, "uring baseline failed\n");
				exit(1);
			}
			io_uring_cqe_seen(ring, cqe);
		}
		n++;
	} while ((t = now_s()) - t0 < seconds);
	rm_loop_fini(&loop);
	close(fd);
	unlink(path);
	return (double)n / (t - t0);
}

struct appender {
	struct store_append rq;
	struct store_rcpt rc;
	struct bench *b;
};

struct bench {
	struct part *part;
	uint64_t user, inbox;
	size_t size;
	const char *payload;
	bool stop;
	uint64_t done;
	unsigned inflight;
	struct appender ap[MAX_APPENDERS];
};

static void submit(struct appender *a);

static void on_done(struct store_req *req)
{
	struct appender *a = RM_CONTAINER_OF(req, struct appender, rq.req);
	if (req->err) {
		fprintf(stderr, "append failed: %s\n", rm_err_str(req->err));
		exit(1);
	}
	a->b->done++;
	a->b->inflight--;
	if (!a->b->stop)
		submit(a);
}

static void submit(struct appender *a)
{
	struct bench *b = a->b;
	struct store_msgbuf *mb = store_msgbuf_alloc(b->size);
	memcpy(store_msgbuf_data(mb), b->payload, b->size);
	a->rc = (struct store_rcpt){ .user_id = b->user, .mailbox_id = b->inbox };
	a->rq = (struct store_append){ .req.done = on_done, .msg = mb, .rcpts = &a->rc, .nrcpts = 1 };
	b->inflight++;
	store_append(b->part, &a->rq);
}

static unsigned completed;
static double checkpoint_ms;
static void on_setup(struct store_req *req) { (void)req; completed++; }

static void setup_user(struct bench *b, struct rm_loop *loop)
{
	struct store_user_create rq = { .req.done = on_setup, .login = "bench", .login_len = 5 };
	store_user_create(b->part, &rq);
	while (!completed)
		rm_loop_turn(loop, store_part_expecting(b->part) ? 1 : 0);
	struct store_view *v;
	struct store_mailbox mb;
	if (rq.req.err || store_view_begin(b->part, &v) ||
	    store_view_mailbox(v, rq.user_id, "INBOX", 5, &mb)) {
		fprintf(stderr, "setup failed\n");
		exit(1);
	}
	store_view_end(&v);
	b->user = rq.user_id;
	b->inbox = mb.id;
}

struct result {
	double appends_per_s;
	double fsyncs_per_s;
	double records_per_fsync;
	double fsync_ms;
};

static struct result run(const char *base, unsigned appenders, size_t size, double seconds)
{
	char dir[700];
	snprintf(dir, sizeof(dir), "%s/a%u-s%zu", base, appenders, size);
	if (store_init(dir, 1) != RM_OK) {
		fprintf(stderr, "store_init %s failed\n", dir);
		exit(1);
	}
	struct store *s;
	struct rm_loop loop;
	static struct bench b;
	memset(&b, 0, sizeof(b));
	char *payload = rm_malloc(size);
	for (size_t i = 0; i < size; i++)
		payload[i] = (char)('a' + i % 26);
	memcpy(payload, "Subject: bench\r\n\r\n", 18);
	b.payload = payload;
	b.size = size;
	completed = 0;
	if (store_open(dir, NULL, &s) || rm_loop_init(&loop, 4096, 0) ||
	    store_part_open(s, 0, &loop, &b.part)) {
		fprintf(stderr, "open failed\n");
		exit(1);
	}
	setup_user(&b, &loop);
	for (unsigned i = 0; i < appenders; i++) {
		b.ap[i].b = &b;
		submit(&b.ap[i]);
	}
	struct store_metrics m0, m1;
	store_part_metrics(b.part, &m0);
	uint64_t done0 = b.done;
	double t0 = now_s(), t;
	while ((t = now_s()) - t0 < seconds)
		rm_loop_turn(&loop, store_part_expecting(b.part) ? 1 : 0);
	store_part_metrics(b.part, &m1);
	uint64_t done = b.done - done0;
	b.stop = true;
	while (b.inflight)
		rm_loop_turn(&loop, store_part_expecting(b.part) ? 1 : 0);
	/* Idle: the checkpoint (LMDB fsync + clean mark) follows. */
	struct store_metrics m2;
	double idle0 = now_s();
	do {
		usleep(10000);
		rm_loop_turn(&loop, store_part_expecting(b.part) ? 1 : 0);
		store_part_metrics(b.part, &m2);
	} while (m2.checkpoints == m1.checkpoints && now_s() - idle0 < 10);
	checkpoint_ms = m2.checkpoints > m1.checkpoints ?
		(double)(m2.checkpoint_ns_total - m1.checkpoint_ns_total) / 1e6 : -1;
	store_part_close(&b.part);
	store_close(&s);
	rm_loop_fini(&loop);
	free(payload);
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	double el = t - t0;
	uint64_t fs = m1.fsyncs - m0.fsyncs;
	return (struct result){
		.appends_per_s = (double)done / el,
		.fsyncs_per_s = (double)fs / el,
		.records_per_fsync = fs ? (double)(m1.records - m0.records) / (double)fs : 0,
		.fsync_ms = fs ? (double)(m1.fsync_ns_total - m0.fsync_ns_total) / 1e6 / (double)fs : 0,
	};
}

int main(int argc, char **argv)
{
	double seconds = 3;
	const char *parent = "/var/tmp";
	int c;
	while ((c = getopt(argc, argv, "s:d:")) != -1) {
		if (c == 's')
			seconds = atof(optarg);
		else if (c == 'd')
			parent = optarg;
		else {
			fprintf(stderr, "usage: bench_store_append [-s SECONDS] [-d DIR]\n");
			return 2;
		}
	}
	rm_log_threshold = RM_LOG_ERROR;
	char base[600];
	snprintf(base, sizeof(base), "%s/bench_store.XXXXXX", parent);
	if (!mkdtemp(base)) {
		perror(base);
		return 1;
	}
	double baseline = fdatasync_rate(base, seconds);
	printf("fdatasync alone (4 KiB pwrite + fdatasync, %s): %.0f/s\n", parent, baseline);
	printf("the same through io_uring (write linked to fsync DATASYNC): %.0f/s\n",
	       uring_fdatasync_rate(base, seconds));
	printf("%-10s %-8s %12s %11s %14s %12s %16s %14s\n", "appenders", "size", "appends/s",
	       "fsyncs/s", "records/fsync", "ms/commit", "appends/fsync-rate", "checkpoint_ms");
	static const unsigned counts[] = { 1, 16, 256 };
	static const size_t sizes[] = { 4096, 65536 };
	for (size_t si = 0; si < 2; si++) {
		for (size_t ci = 0; ci < 3; ci++) {
			struct result r = run(base, counts[ci], sizes[si], seconds);
			printf("%-10u %-8s %12.0f %11.0f %14.1f %12.2f %16.2f %14.1f\n", counts[ci],
			       sizes[si] == 4096 ? "4KiB" : "64KiB", r.appends_per_s, r.fsyncs_per_s,
			       r.records_per_fsync, r.fsync_ms, r.appends_per_s / baseline,
			       checkpoint_ms);
			fflush(stdout);
		}
	}
	rmdir(base);
	return 0;
}
