/*
 * bench_store_rebuild — how long `ringmail reindex` takes per million
 * messages: fills one partition with N realistic messages (bench/datagen.h,
 * flags changed on a tenth of them), then rebuilds the index from the log
 * twice, without the MIME cache (log scan + index writes alone) and with
 * mime_parse() as the server and the CLI run it.
 *
 * Usage: bench_store_rebuild [-n MESSAGES] [-d DIR]  (default 200000, /var/tmp)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/datagen.h"
#include "common/log.h"
#include "common/util.h"
#include "index/mime.h"
#include "storage/store.h"

#define INFLIGHT 256

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct filler {
	struct part *part;
	uint64_t user, inbox;
	uint64_t next, target, done;
	struct rm_buf msg;
};

struct slot {
	struct store_append rq;
	struct store_rcpt rc;
	struct filler *f;
};

static void fill_next(struct slot *s);

static void on_appended(struct store_req *req)
{
	struct slot *s = RM_CONTAINER_OF(req, struct slot, rq.req);
	if (req->err) {
		fprintf(stderr, "append: %s\n", rm_err_str(req->err));
		exit(1);
	}
	s->f->done++;
	if (s->f->next < s->f->target)
		fill_next(s);
}

static void fill_next(struct slot *s)
{
	struct filler *f = s->f;
	uint64_t i = f->next++;
	rm_buf_reset(&f->msg);
	datagen_message(42, i, 1024 + (size_t)(i * 2654435761u % 7168), &f->msg);
	struct store_msgbuf *mb = store_msgbuf_alloc(f->msg.len);
	memcpy(store_msgbuf_data(mb), f->msg.data, f->msg.len);
	s->rc = (struct store_rcpt){ .user_id = f->user, .mailbox_id = f->inbox,
				     .flags = i % 3 ? STORE_F_SEEN : 0 };
	s->rq = (struct store_append){ .req.done = on_appended, .msg = mb, .rcpts = &s->rc,
				       .nrcpts = 1 };
	store_append(f->part, &s->rq);
}

static unsigned setup_done;
static void on_setup(struct store_req *req) { (void)req; setup_done++; }

static void drive(struct rm_loop *loop, struct part *part, bool (*until)(void *), void *arg)
{
	while (!until(arg))
		rm_loop_turn(loop, store_part_expecting(part) ? 1 : 0);
}

static bool setup_finished(void *arg) { return setup_done == *(unsigned *)arg; }
static bool fill_finished(void *arg)
{
	struct filler *f = arg;
	return f->done == f->target;
}

/* Fills the partition; returns messages per second. */
static double fill(const char *dir, uint64_t n)
{
	struct store *s;
	struct rm_loop loop;
	static struct filler f;
	static struct slot slots[INFLIGHT];
	if (store_open(dir, NULL, &s) || rm_loop_init(&loop, 4096, 0) ||
	    store_part_open(s, 0, &loop, &f.part)) {
		fprintf(stderr, "open failed\n");
		exit(1);
	}
	struct store_user_create uc = { .req.done = on_setup, .login = "rebuild", .login_len = 7 };
	store_user_create(f.part, &uc);
	unsigned want = 1;
	drive(&loop, f.part, setup_finished, &want);
	struct store_view *v;
	struct store_mailbox mb;
	if (uc.req.err || store_view_begin(f.part, &v) ||
	    store_view_mailbox(v, uc.user_id, "INBOX", 5, &mb))
		exit(1);
	store_view_end(&v);
	f.user = uc.user_id;
	f.inbox = mb.id;
	f.target = n;
	double t0 = now_s();
	for (unsigned i = 0; i < INFLIGHT && f.next < n; i++) {
		slots[i].f = &f;
		fill_next(&slots[i]);
	}
	drive(&loop, f.part, fill_finished, &f);
	/* Flags on a tenth of the messages: MSG_FLAGS records to replay too. */
	uint32_t *uids = rm_malloc(sizeof(*uids) * (size_t)(n / 10 + 1));
	unsigned k = 0;
	for (uint64_t uid = 1; uid <= n; uid += 10)
		uids[k++] = (uint32_t)uid;
	struct store_flag_result *res = rm_malloc(sizeof(*res) * k);
	struct store_flags fl = { .req.done = on_setup, .user_id = f.user, .mailbox_id = f.inbox,
				  .uids = uids, .nuids = k, .mode = STORE_FLAGS_ADD,
				  .flags = STORE_F_FLAGGED, .results = res };
	store_flags(f.part, &fl);
	want = 2;
	drive(&loop, f.part, setup_finished, &want);
	double rate = (double)n / (now_s() - t0);
	free(uids);
	free(res);
	rm_buf_free(&f.msg);
	store_part_close(&f.part);
	store_close(&s);
	rm_loop_fini(&loop);
	return rate;
}

static double rebuild(const char *dir, struct store_replay_stats *st)
{
	struct store *s;
	struct part *part;
	if (store_open(dir, NULL, &s) || store_part_open(s, 0, NULL, &part))
		exit(1);
	double t0 = now_s();
	if (store_part_reindex(part, st) != RM_OK)
		exit(1);
	double t = now_s() - t0;
	struct store_part_stats ps;
	if (store_part_stats(part, &ps) == RM_OK)
		printf("  log %.1f MiB, index %.1f MiB, %llu messages\n", (double)ps.log_bytes / 1048576.0,
		       (double)ps.index_bytes / 1048576.0, (unsigned long long)ps.messages);
	store_part_close(&part);
	store_close(&s);
	return t;
}

int main(int argc, char **argv)
{
	uint64_t n = 200000;
	const char *parent = "/var/tmp";
	int c;
	while ((c = getopt(argc, argv, "n:d:")) != -1) {
		if (c == 'n')
			n = strtoull(optarg, NULL, 10);
		else if (c == 'd')
			parent = optarg;
		else {
			fprintf(stderr, "usage: bench_store_rebuild [-n MESSAGES] [-d DIR]\n");
			return 2;
		}
	}
	rm_log_threshold = RM_LOG_ERROR;
	char base[600], dir[700];
	snprintf(base, sizeof(base), "%s/bench_rebuild.XXXXXX", parent);
	if (!mkdtemp(base))
		return 1;
	snprintf(dir, sizeof(dir), "%s/data", base);
	if (store_init(dir, 1) != RM_OK)
		return 1;
	double rate = fill(dir, n);
	printf("filled %llu messages (1-8 KiB, datagen) at %.0f durable appends/s, 256 in flight\n",
	       (unsigned long long)n, rate);
	struct store_replay_stats st;
	store_set_cache_builder(NULL);
	double t = rebuild(dir, &st);
	printf("rebuild without MIME cache: %.2f s for %llu records = %.1f s per million messages\n",
	       t, (unsigned long long)st.records, t * 1e6 / (double)n);
	store_set_cache_builder(mime_parse);
	t = rebuild(dir, &st);
	printf("rebuild with mime_parse:    %.2f s for %llu records = %.1f s per million messages\n",
	       t, (unsigned long long)st.records, t * 1e6 / (double)n);
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : 1;
}
