/*
 * crash_fts — kill -9 while the full-text index merges, and check that
 * search stays exact (index/meta_fts.c: the tail, generations, the merge
 * mark).
 *
 * Cycle: a child opens the data directory (running recovery) with merging
 * made constant — a generation every few KiB of document text, steps of a
 * few dozen lists, so one generation spans dozens of group commits — and
 * keeps 8 APPENDs in flight, each message carrying a word of its own; it
 * writes each acknowledged (UID, word) to a pipe.  The parent kills it
 * with SIGKILL after a random 5-100 ms, opens the directory itself and
 * checks: `verify` is clean (every document below the merge mark has all
 * its trigrams posted), and SEARCH BODY <word> through the index path
 * finds exactly its message for every message acknowledged in the cycle
 * and a sample of older ones (the scan path agrees on a few).  It counts
 * the cycles that were killed in the middle of a generation (documents of
 * the tail already posted) and requires some.  Finally the index rebuilt
 * from the log dumps the same as the live one, and again after both merged
 * everything.
 *
 * Usage: crash_fts [cycles] [data-dir]  (defaults: 40, a temp dir).
 * CRASH_SEED=<n> repeats a run's kill schedule.  Exit 0 on success.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) \
	do { if (!(c)) { fprintf(stderr, "crash_fts: %s:%d: CHECK failed: %s\n", __FILE__, \
				 __LINE__, #c); exit(1); } } while (0)
#define CHECK_OK(e) \
	do { enum rm_err e_ = (e); if (e_ != RM_OK) { fprintf(stderr, "crash_fts: %s:%d: %s -> %s\n", \
				 __FILE__, __LINE__, #e, rm_err_str(e_)); exit(1); } } while (0)

#include "common/log.h"
#include "common/util.h"
#include "index/fts_doc.h"
#include "index/mime.h"
#include "storage/store_int.h"
#include "tests/unit/test_search_util.h"

#define APPENDERS 8
#define UID_MAX_TRACK 100000
#define SAMPLE_OLD 20
#define SCAN_CHECKS 2

struct ack {
	uint32_t uid;
	uint32_t word;
};

static char datadir[512];
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t word_of[UID_MAX_TRACK];   /* acknowledged UID -> word + 1 */

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A message with word `w`: its text has no x, q, z or digit elsewhere, so
 * "xq<hex>zx" occurs in this message only. */
static size_t content(uint32_t w, char *out, size_t cap)
{
	static const char fill[] = "abcdefghijklmnoprstuvwy  ";
	size_t len = 200 + (size_t)((w * 2654435761u) % 1800);
	int h = snprintf(out, cap, "Subject: fts %u\r\n\r\nxq%08xzx ", w, w);
	for (size_t i = (size_t)h; i < len && i < cap; i++)
		out[i] = fill[(i * 7 + w) % (sizeof(fill) - 1)];
	return len < cap ? len : cap;
}

/* ---- child -------------------------------------------------------------------- */

struct c_append {
	struct store_append rq;
	struct store_rcpt rc;
	struct part *part;
	int ackfd;
	uint64_t user, inbox;
	uint32_t word;
};

static uint32_t next_word;

static void append_next(struct c_append *a);

static void on_appended(struct store_req *req)
{
	struct c_append *a = RM_CONTAINER_OF(req, struct c_append, rq.req);
	if (req->err)
		_exit(4);
	struct ack k = { a->rc.uid, a->word };
	if (write(a->ackfd, &k, sizeof(k)) != (ssize_t)sizeof(k))
		_exit(3);
	append_next(a);
}

static void append_next(struct c_append *a)
{
	char buf[4096];
	a->word = next_word++;
	size_t len = content(a->word, buf, sizeof(buf));
	struct store_msgbuf *mb = store_msgbuf_alloc(len);
	memcpy(store_msgbuf_data(mb), buf, len);
	a->rc = (struct store_rcpt){ .user_id = a->user, .mailbox_id = a->inbox };
	a->rq = (struct store_append){ .req.done = on_appended, .msg = mb, .rcpts = &a->rc,
				       .nrcpts = 1 };
	store_append(a->part, &a->rq);
}

static void ids(struct part *part, uint64_t *user_r, uint64_t *inbox_r)
{
	struct store_view *v;
	struct store_user u;
	struct store_mailbox mb;
	CHECK_OK(store_view_begin(part, &v));
	CHECK_OK(store_view_user(v, "fts@example.org", 15, &u));
	CHECK_OK(store_view_mailbox(v, u.id, "INBOX", 5, &mb));
	store_view_end(&v);
	*user_r = u.id;
	*inbox_r = mb.id;
}

static _Noreturn void child_main(int ackfd, uint32_t first_word)
{
	static struct c_append apps[APPENDERS];
	struct store *s;
	struct rm_loop loop;
	struct part *part;
	next_word = first_word;
	if (store_open(datadir, NULL, &s) != RM_OK || rm_loop_init(&loop, 1024, 0) != 0 ||
	    store_part_open(s, 0, &loop, &part) != RM_OK)
		_exit(2);
	/* A generation every 16 KiB of text (~16 messages), in steps of 64
	 * lists or 1024 pairs. */
	store_fts_set_policy(part, 16384, UINT64_MAX, 8, 128);
	uint64_t user, inbox;
	ids(part, &user, &inbox);
	for (int i = 0; i < APPENDERS; i++) {
		apps[i] = (struct c_append){ .part = part, .ackfd = ackfd, .user = user,
					     .inbox = inbox };
		append_next(&apps[i]);
	}
	for (;;)
		rm_loop_turn(&loop, store_part_expecting(part) ? 1 : 0);
}

/* ---- parent ---------------------------------------------------------------------- */

struct env {
	struct store *s;
	struct rm_loop loop;
	bool online;
	struct part *part;
};

static void env_open(struct env *e, bool online)
{
	e->online = online;
	CHECK_OK(store_open(datadir, NULL, &e->s));
	if (online)
		CHECK(rm_loop_init(&e->loop, 256, 0) == 0);
	CHECK_OK(store_part_open(e->s, 0, online ? &e->loop : NULL, &e->part));
}

static void env_close(struct env *e)
{
	store_part_close(&e->part);
	store_close(&e->s);
	if (e->online)
		rm_loop_fini(&e->loop);
}

static bool user_done;
static void on_user(struct store_req *req) { (void)req; user_done = true; }

static void create_user(void)
{
	struct env e;
	env_open(&e, true);
	struct store_user_create rq = { .req.done = on_user, .login = "fts@example.org",
					.login_len = 15 };
	store_user_create(e.part, &rq);
	while (!user_done)
		rm_loop_turn(&e.loop, store_part_expecting(e.part) ? 1 : 0);
	CHECK_OK(rq.req.err);
	env_close(&e);
}

static void read_acks(int fd)
{
	struct ack a;
	ssize_t n;
	while ((n = read(fd, &a, sizeof(a))) == (ssize_t)sizeof(a)) {
		CHECK(a.uid < UID_MAX_TRACK);
		word_of[a.uid] = a.word + 1;
	}
	CHECK(n == 0);
}

/* The mailbox's UIDs, ascending (malloc'd). */
static uint32_t *all_uids(struct part *part, uint64_t inbox, uint32_t *n_r)
{
	struct store_view *v;
	struct store_iter *it;
	struct store_msg m;
	uint32_t *u = rm_malloc(UID_MAX_TRACK * sizeof(*u)), n = 0;
	CHECK_OK(store_view_begin(part, &v));
	CHECK_OK(store_view_msgs(v, inbox, 1, &it));
	while (store_iter_msg(it, &m) == 1 && n < UID_MAX_TRACK)
		u[n++] = m.uid;
	store_iter_free(&it);
	store_view_end(&v);
	*n_r = n;
	return u;
}

/* SEARCH BODY <word of uid> matches uid and nothing else. */
static void check_found(struct part *part, uint64_t inbox, const uint32_t *uids, uint32_t n,
			uint32_t uid, enum search_path path)
{
	char text[64];
	snprintf(text, sizeof(text), " BODY xq%08xzx", word_of[uid] - 1);
	uint32_t scanned, verified;
	uint8_t *m = t_search(part, NULL, inbox, uids, n, text, path, &scanned, &verified);
	for (uint32_t i = 0; i < n; i++)
		if (m[i] != (uids[i] == uid)) {
			fprintf(stderr, "crash_fts: %s: uid %u %s\n", text, uids[i],
				m[i] ? "matches too" : "not found");
			exit(1);
		}
	CHECK(path == SEARCH_PATH_SCAN || scanned == 0);
	free(m);
}

/* Whether some document of the tail has a posting already: the kill came
 * in the middle of a generation. */
static bool killed_mid_generation(struct part *part)
{
	struct store_view *v;
	CHECK_OK(store_view_begin(part, &v));
	uint64_t mark = store_view_fts_merged(v);
	bool posted = false;
	for (uint64_t lsn = mark; lsn < mark + 64 && !posted; lsn++) {
		const void *doc;
		size_t len;
		if (store_view_fts_doc(v, lsn, &doc, &len) != RM_OK)
			continue;
		fts_tri *tris;
		size_t nt;
		fts_doc_trigrams(doc, len, &tris, &nt);
		if (getenv("TEST_VERBOSE")) fprintf(stderr, "DBG lsn %llu mark %llu ntris %zu\n", (unsigned long long)lsn, (unsigned long long)mark, nt);
		for (size_t i = 0; i < nt && !posted; i++) {
			uint64_t *lsns;
			size_t np;
			CHECK_OK(store_view_fts_postings(v, tris[i], &lsns, &np));
			for (size_t j = 0; j < np; j++)
				posted |= lsns[j] == lsn;
			free(lsns);
		}
		free(tris);
	}
	store_view_end(&v);
	return posted;
}

static unsigned mid_generation;

static void check_cycle(uint32_t first_word, uint32_t end_word, bool all)
{
	struct env e;
	env_open(&e, false);
	struct store_verify_stats vs;
	CHECK_OK(store_part_verify(e.part, &vs));
	if (vs.fts_errors || vs.index_errors || vs.blob_errors) {
		fprintf(stderr, "crash_fts: verify: fts_errors=%llu index_errors=%llu\n",
			(unsigned long long)vs.fts_errors, (unsigned long long)vs.index_errors);
		exit(1);
	}
	bool mid = killed_mid_generation(e.part);
	mid_generation += mid;
	if (getenv("TEST_VERBOSE")) {
		struct store_view *v;
		CHECK_OK(store_view_begin(e.part, &v));
		printf("cycle words %u..: mark %llu docs %llu mid %d\n", first_word,
		       (unsigned long long)store_view_fts_merged(v), (unsigned long long)vs.fts_docs, mid);
		store_view_end(&v);
	}
	uint64_t user, inbox;
	ids(e.part, &user, &inbox);
	uint32_t n;
	uint32_t *uids = all_uids(e.part, inbox, &n);
	unsigned scans = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t uid = uids[i];
		if (!word_of[uid])
			continue;       /* never acknowledged: may be there or not */
		uint32_t w = word_of[uid] - 1;
		bool fresh = w >= first_word && w < end_word;
		if (!all && !fresh && rnd() % (n / SAMPLE_OLD + 1) != 0)
			continue;
		check_found(e.part, inbox, uids, n, uid, SEARCH_PATH_AUTO);
		if (fresh && scans < SCAN_CHECKS) {
			check_found(e.part, inbox, uids, n, uid, SEARCH_PATH_SCAN);
			scans++;
		}
	}
	for (uint32_t uid = 1; uid < UID_MAX_TRACK; uid++) {
		bool present = false;
		for (uint32_t i = 0; i < n && !present && word_of[uid]; i++)
			present = uids[i] == uid;
		CHECK(!word_of[uid] || present);
	}
	free(uids);
	env_close(&e);
}

static void kill_cycle(unsigned cycle)
{
	int fds[2];
	CHECK(pipe(fds) == 0);
	uint32_t first = (cycle + 1) * 100000u;
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child_main(fds[1], first);
	}
	close(fds[1]);
	usleep(5000 + (unsigned)(rnd() % 95000));
	kill(pid, SIGKILL);
	read_acks(fds[0]);
	close(fds[0]);
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status));
	check_cycle(first, first + 100000u, false);
}

/* The index rebuilt from the log dumps as the live one; both again after
 * merging everything. */
static void check_rebuilt(void)
{
	struct env e;
	env_open(&e, false);
	struct rm_buf live = { 0 }, rebuilt = { 0 };
	for (int round = 0; round < 2; round++) {
		if (round == 1) {
			struct meta_txn *t;
			CHECK_OK(meta_txn_begin(e.part->meta, true, &t));
			CHECK_OK(meta_fts_merge_all(t));
			CHECK_OK(meta_txn_commit(&t));
		}
		rm_buf_reset(&live);
		rm_buf_reset(&rebuilt);
		struct meta_txn *t;
		CHECK_OK(meta_txn_begin(e.part->meta, false, &t));
		CHECK_OK(meta_dump(t, &live));
		meta_txn_abort(&t);
		struct store_replay_stats rs;
		CHECK_OK(store_part_reindex(e.part, &rs));
		CHECK_OK(meta_txn_begin(e.part->meta, false, &t));
		CHECK_OK(meta_dump(t, &rebuilt));
		meta_txn_abort(&t);
		CHECK(live.len == rebuilt.len && !memcmp(live.data, rebuilt.data, live.len));
	}
	rm_buf_free(&live);
	rm_buf_free(&rebuilt);
	env_close(&e);
}

int main(int argc, char **argv)
{
	unsigned cycles = argc > 1 ? (unsigned)atoi(argv[1]) : 40;
	char tmp[] = "/tmp/crash_fts.XXXXXX";
	if (argc > 2) {
		snprintf(datadir, sizeof(datadir), "%s", argv[2]);
	} else {
		CHECK(mkdtemp(tmp) != NULL);
		snprintf(datadir, sizeof(datadir), "%s/data", tmp);
	}
	const char *seed = getenv("CRASH_SEED");
	rng = seed ? strtoull(seed, NULL, 10) : (uint64_t)time(NULL);
	printf("crash_fts: seed %llu\n", (unsigned long long)rng);
	rng = rng * 0x9e3779b97f4a7c15ull + 1;
	rm_log_threshold = getenv("TEST_VERBOSE") ? RM_LOG_DEBUG : RM_LOG_CRIT;
	store_set_cache_builder(mime_parse);
	CHECK_OK(store_init(datadir, 1));
	create_user();
	for (unsigned c = 0; c < cycles; c++)
		kill_cycle(c);
	check_cycle(0, 0, true);
	check_rebuilt();
	printf("crash_fts: %u cycles, %u killed in the middle of a generation\n", cycles,
	       mid_generation);
	CHECK(cycles < 10 || mid_generation > 0);
	if (argc <= 2) {
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		CHECK(system(cmd) == 0);
	}
	return 0;
}
