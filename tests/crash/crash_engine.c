/*
 * crash_engine — kill -9 the storage engine at random moments and check that
 * nothing acknowledged is lost.
 *
 * Cycle: a child opens the data directory (running recovery), then keeps 16
 * APPENDs and 4 flag STOREs in flight on one partition; it writes each
 * acknowledgement (and each STORE before it is submitted) to a pipe.  The
 * parent kills it with SIGKILL after a random 1-60 ms, opens the directory
 * itself and checks that every acknowledged message is there byte for byte
 * with flags equal to the last acknowledged value or one issued after it,
 * and that every message present (acknowledged or not) has valid bytes.
 *
 * Then compaction is killed after each of its steps (compact.h) and the same
 * checks run, and finally the index rebuilt from the log equals the live one.
 *
 * Usage: crash_engine [cycles] [data-dir]  (defaults: 60, a temp dir).
 * CRASH_SEED=<n> repeats a run's kill schedule.  Exit 0 on success.
 * Run by `meson test --suite crash` (scripts/test runs every suite).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "storage/compact.h"
#include "storage/store.h"

#define FAIL(...) do { fprintf(stderr, "crash_engine: " __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)
#define APPENDERS 16
#define STORERS 4
#define UID_MAX_TRACK 200000
#define ISSUES_MAX 64

/* One line of the child->parent protocol (written atomically: < PIPE_BUF). */
struct ack {
	char kind;          /* 'A' append acked, 'I' store issued, 'F' store acked */
	uint32_t uid;
	uint32_t flags;
	uint64_t seq;       /* A: content id; I/F: issue number */
};

struct uidstate {
	bool acked;
	bool expunged;                   /* by the parent, acknowledged */
	uint64_t seq;
	uint32_t acked_flags;
	uint64_t acked_issue;            /* issue number of the acked store */
	unsigned nissued;
	uint32_t issued_flags[ISSUES_MAX];
	uint64_t issued_no[ISSUES_MAX];
};

static struct uidstate *uids;
static char datadir[512];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Message bytes: a pure function of seq. */
static size_t content(uint64_t seq, char *out, size_t cap)
{
	size_t len = 120 + (size_t)((seq * 2654435761u) % 9000);
	if (len > cap)
		len = cap;
	int h = snprintf(out, cap, "Subject: crash %llu\r\n\r\n", (unsigned long long)seq);
	for (size_t i = (size_t)h; i < len; i++)
		out[i] = (char)(' ' + (i * 31 + seq) % 90);
	return len;
}

/* ---- child: the workload ----------------------------------------------------- */

struct child {
	struct part *part;
	int ackfd;
	uint64_t user, inbox;
	uint64_t next_seq;
	uint64_t next_issue;
	uint32_t known[UID_MAX_TRACK];
	unsigned nknown;
};

struct c_append {
	struct store_append rq;
	struct store_rcpt rc;
	struct child *c;
	uint64_t seq;
};

struct c_store {
	struct store_flags rq;
	struct store_flag_result res;
	uint32_t uid;
	struct child *c;
	uint64_t issue;
};

static void send_ack(struct child *c, char kind, uint32_t uid, uint32_t flags, uint64_t seq)
{
	struct ack a = { kind, uid, flags, seq };
	if (write(c->ackfd, &a, sizeof(a)) != (ssize_t)sizeof(a))
		_exit(3);
}

static void append_next(struct c_append *a);
static void store_next(struct c_store *s);

static void on_appended(struct store_req *req)
{
	struct c_append *a = RM_CONTAINER_OF(req, struct c_append, rq.req);
	if (req->err)
		_exit(4);
	send_ack(a->c, 'A', a->rc.uid, 0, a->seq);
	if (a->c->nknown < UID_MAX_TRACK)
		a->c->known[a->c->nknown++] = a->rc.uid;
	append_next(a);
}

static void append_next(struct c_append *a)
{
	static char buf[16384];
	a->seq = a->c->next_seq++;
	size_t len = content(a->seq, buf, sizeof(buf));
	struct store_msgbuf *mb = store_msgbuf_alloc(len);
	memcpy(store_msgbuf_data(mb), buf, len);
	a->rc = (struct store_rcpt){ .user_id = a->c->user, .mailbox_id = a->c->inbox };
	a->rq = (struct store_append){ .req.done = on_appended, .msg = mb, .rcpts = &a->rc,
				       .nrcpts = 1 };
	store_append(a->c->part, &a->rq);
}

static void on_stored(struct store_req *req)
{
	struct c_store *s = RM_CONTAINER_OF(req, struct c_store, rq.req);
	if (req->err)
		_exit(5);
	send_ack(s->c, 'F', s->uid, s->rq.flags, s->issue);
	store_next(s);
}

static void store_next(struct c_store *s)
{
	struct child *c = s->c;
	if (c->nknown == 0) {
		/* Nothing to flag yet: an append in its place keeps us busy. */
		s->uid = 0;
	} else {
		s->uid = c->known[rnd() % c->nknown];
	}
	s->issue = c->next_issue++;
	s->rq = (struct store_flags){ .req.done = on_stored, .user_id = c->user,
				      .mailbox_id = c->inbox, .uids = &s->uid, .nuids = 1,
				      .mode = STORE_FLAGS_REPLACE,
				      .flags = (uint32_t)rnd() & STORE_F_ALL, .results = &s->res };
	if (s->uid)
		send_ack(c, 'I', s->uid, s->rq.flags, s->issue);
	store_flags(c->part, &s->rq);
}

static void child_setup(struct child *c)
{
	struct store_view *v;
	struct store_user u;
	if (store_view_begin(c->part, &v) != RM_OK)
		_exit(6);
	bool exists = store_view_user(v, "crash@example.org", 17, &u) == RM_OK;
	store_view_end(&v);
	if (!exists)
		_exit(7);     /* the parent creates the user */
	c->user = u.id;
	struct store_mailbox mb;
	struct store_iter *it;
	struct store_msg m;
	if (store_view_begin(c->part, &v) != RM_OK ||
	    store_view_mailbox(v, c->user, "INBOX", 5, &mb) != RM_OK)
		_exit(8);
	c->inbox = mb.id;
	if (store_view_msgs(v, c->inbox, 1, &it) != RM_OK)
		_exit(9);
	while (store_iter_msg(it, &m) == 1 && c->nknown < UID_MAX_TRACK)
		c->known[c->nknown++] = m.uid;
	store_iter_free(&it);
	store_view_end(&v);
}

static _Noreturn void child_main(int ackfd, uint64_t first_seq, uint64_t first_issue)
{
	static struct child c;
	static struct c_append apps[APPENDERS];
	static struct c_store stores[STORERS];
	struct store *s;
	struct rm_loop loop;
	c.ackfd = ackfd;
	c.next_seq = first_seq;
	c.next_issue = first_issue;
	rng ^= (uint64_t)getpid() << 20;
	if (store_open(datadir, NULL, &s) != RM_OK || rm_loop_init(&loop, 1024, 0) != 0 ||
	    store_part_open(s, 0, &loop, &c.part) != RM_OK)
		_exit(2);
	child_setup(&c);
	for (int i = 0; i < APPENDERS; i++) {
		apps[i].c = &c;
		append_next(&apps[i]);
	}
	for (int i = 0; i < STORERS; i++) {
		stores[i].c = &c;
		store_next(&stores[i]);
	}
	for (;;)
		rm_loop_turn(&loop, store_part_expecting(c.part) ? 1 : 0);
}

/* ---- parent: bookkeeping and checks ----------------------------------------- */

static void record(const struct ack *a)
{
	if (a->uid >= UID_MAX_TRACK)
		FAIL("uid %u beyond the tracked range", a->uid);
	struct uidstate *u = &uids[a->uid];
	if (a->kind == 'A') {
		u->acked = true;
		u->seq = a->seq;
	} else if (a->kind == 'I') {
		if (u->nissued == ISSUES_MAX) {   /* keep the newest */
			memmove(u->issued_flags, u->issued_flags + 1, (ISSUES_MAX - 1) * 4);
			memmove(u->issued_no, u->issued_no + 1, (ISSUES_MAX - 1) * 8);
			u->nissued--;
		}
		u->issued_flags[u->nissued] = a->flags;
		u->issued_no[u->nissued++] = a->seq;
	} else if (a->kind == 'F') {
		u->acked_flags = a->flags;
		u->acked_issue = a->seq;
		/* Issues up to this one are settled. */
		unsigned k = 0;
		for (unsigned i = 0; i < u->nissued; i++)
			if (u->issued_no[i] > a->seq) {
				u->issued_flags[k] = u->issued_flags[i];
				u->issued_no[k++] = u->issued_no[i];
			}
		u->nissued = k;
	}
}

static bool flags_allowed(const struct uidstate *u, uint32_t flags)
{
	if (flags == u->acked_flags)
		return true;
	for (unsigned i = 0; i < u->nissued; i++)
		if (u->issued_flags[i] == flags)
			return true;
	return false;
}

struct sync_read {
	struct store_read rd;
	enum rm_err err;
	size_t n;
};

static void on_read(struct store_read *rd, enum rm_err err, size_t n)
{
	struct sync_read *s = RM_CONTAINER_OF(rd, struct sync_read, rd);
	s->err = err;
	s->n = n;
}

/* Offline partitions read synchronously: done has run on return. */
static void check_msg(struct part *part, const struct store_msg *m)
{
	static char got[16384], want[16384];
	struct sync_read r = {0};
	store_read_msg(part, m->blob_lsn, 0, sizeof(got), got, &r.rd, on_read);
	if (r.err || r.n != m->size_bytes)
		FAIL("uid %u: read failed (%s, %zu of %llu bytes)", m->uid, rm_err_str(r.err), r.n,
		     (unsigned long long)m->size_bytes);
	unsigned long long seq;
	if (sscanf(got, "Subject: crash %llu", &seq) != 1)
		FAIL("uid %u: bytes are not a message of ours", m->uid);
	size_t len = content(seq, want, sizeof(want));
	if (len != r.n || memcmp(got, want, len) != 0)
		FAIL("uid %u: bytes differ from message %llu", m->uid, seq);
	const struct uidstate *u = &uids[m->uid];
	if (u->acked && u->seq != seq)
		FAIL("uid %u holds message %llu, acknowledged %llu", m->uid, seq,
		     (unsigned long long)u->seq);
}

/* Every acknowledged message present with allowed flags; every present
 * message valid.  Returns the number of messages. */
static unsigned verify(struct part *part, uint64_t user, uint64_t inbox)
{
	static bool present[UID_MAX_TRACK];
	memset(present, 0, sizeof(present));
	struct store_view *v;
	struct store_iter *it;
	struct store_msg m;
	unsigned n = 0;
	if (store_view_begin(part, &v) || store_view_msgs(v, inbox, 1, &it))
		FAIL("view");
	while (store_iter_msg(it, &m) == 1) {
		if (m.uid >= UID_MAX_TRACK)
			FAIL("uid %u out of range", m.uid);
		present[m.uid] = true;
		check_msg(part, &m);
		const struct uidstate *u = &uids[m.uid];
		if (u->acked && !u->expunged && !flags_allowed(u, m.flags))
			FAIL("uid %u: flags %u, acknowledged %u", m.uid, m.flags, u->acked_flags);
		n++;
	}
	store_iter_free(&it);
	store_view_end(&v);
	for (uint32_t uid = 1; uid < UID_MAX_TRACK; uid++) {
		if (uids[uid].acked && !uids[uid].expunged && !present[uid])
			FAIL("acknowledged uid %u is missing", uid);
		if (uids[uid].expunged && present[uid])
			FAIL("expunged uid %u is back", uid);
	}
	(void)user;
	return n;
}

/* ---- parent: driving ---------------------------------------------------------- */

static struct store_opts opts;

struct env {
	struct store *s;
	struct rm_loop loop;
	bool online;
	struct part *part;
	uint64_t user, inbox;
};

static void env_open(struct env *e, bool online)
{
	e->online = online;
	if (store_open(datadir, &opts, &e->s) != RM_OK)
		FAIL("store_open");
	if (online && rm_loop_init(&e->loop, 256, 0) != 0)
		FAIL("loop");
	if (store_part_open(e->s, 0, online ? &e->loop : NULL, &e->part) != RM_OK)
		FAIL("store_part_open");
	struct store_view *v;
	struct store_user u;
	struct store_mailbox mb;
	if (store_view_begin(e->part, &v) != RM_OK)
		FAIL("view");
	if (store_view_user(v, "crash@example.org", 17, &u) == RM_OK &&
	    store_view_mailbox(v, u.id, "INBOX", 5, &mb) == RM_OK) {
		e->user = u.id;
		e->inbox = mb.id;
	}
	store_view_end(&v);
}

static void env_close(struct env *e)
{
	store_part_close(&e->part);
	store_close(&e->s);
	if (e->online)
		rm_loop_fini(&e->loop);
}

static unsigned done_count;
static void on_done(struct store_req *req) { (void)req; done_count++; }

static void env_wait(struct env *e, unsigned target)
{
	while (done_count < target)
		rm_loop_turn(&e->loop, store_part_expecting(e->part) ? 1 : 0);
}

static void create_user(void)
{
	struct env e;
	env_open(&e, true);
	struct store_user_create rq = { .req.done = on_done, .login = "crash@example.org",
					.login_len = 17 };
	store_user_create(e.part, &rq);
	env_wait(&e, done_count + 1);
	if (rq.req.err)
		FAIL("user create: %s", rm_err_str(rq.req.err));
	env_close(&e);
}

static void read_acks(int fd)
{
	struct ack a;
	ssize_t n;
	while ((n = read(fd, &a, sizeof(a))) == (ssize_t)sizeof(a))
		record(&a);
	if (n != 0)
		FAIL("ack pipe: short read %zd errno %d", n, errno);
}

static uint64_t torn_tails, replayed;

static unsigned kill_cycle(unsigned cycle)
{
	int fds[2];
	if (pipe(fds) != 0)
		FAIL("pipe");
	pid_t pid = fork();
	if (pid < 0)
		FAIL("fork");
	if (pid == 0) {
		close(fds[0]);
		uint64_t base = (uint64_t)(cycle + 1) * 10000000u;
		child_main(fds[1], base, base);
	}
	close(fds[1]);
	/* Mostly mid-workload; now and then during the child's recovery. */
	unsigned delay_us = rnd() % 8 == 0 ? (unsigned)(rnd() % 3000) : 1000 + (unsigned)(rnd() % 60000);
	usleep(delay_us);
	kill(pid, SIGKILL);
	read_acks(fds[0]);
	close(fds[0]);
	int status;
	if (waitpid(pid, &status, 0) != pid)
		FAIL("waitpid");
	if (!WIFSIGNALED(status))
		FAIL("cycle %u: child exited with %d before the kill", cycle, WEXITSTATUS(status));
	struct env e;
	env_open(&e, false);
	struct store_replay_stats rs;
	store_part_recovery(e.part, &rs);
	torn_tails += rs.truncated_bytes > 0;
	replayed += rs.applied;
	if (rs.rebuilt || rs.corrupt_regions)
		FAIL("cycle %u: recovery rebuilt=%d corrupt=%llu", cycle, rs.rebuilt,
		     (unsigned long long)rs.corrupt_regions);
	unsigned n = verify(e.part, e.user, e.inbox);
	env_close(&e);
	return n;
}

/* ---- compaction killed after each step ----------------------------------------- */

static enum compact_step die_step;

static void die_at(enum compact_step step, uint32_t seg_no)
{
	if (step == die_step)
		_exit(0);
}

/* Expunges a third of the messages and appends a few more (to seal the
 * segments holding the dead bytes). */
static void make_garbage(unsigned round)
{
	struct env e;
	env_open(&e, true);
	uint32_t *ex = rm_malloc(UID_MAX_TRACK * sizeof(*ex));
	unsigned n = 0;
	for (uint32_t uid = 1; uid < UID_MAX_TRACK; uid++)
		if (uids[uid].acked && !uids[uid].expunged && (uid * 7 + round) % 5 == 0)
			ex[n++] = uid;
	struct store_expunge rq = { .req.done = on_done, .user_id = e.user, .mailbox_id = e.inbox,
				    .uids = ex, .nuids = n };
	store_expunge(e.part, &rq);
	env_wait(&e, done_count + 1);
	if (rq.req.err)
		FAIL("expunge: %s", rm_err_str(rq.req.err));
	for (unsigned i = 0; i < n; i++)
		uids[ex[i]].expunged = true;
	free(ex);
	static char buf[16384];
	for (unsigned i = 0; i < 40; i++) {
		uint64_t seq = 900000000ull + round * 1000 + i;
		size_t len = content(seq, buf, sizeof(buf));
		struct store_msgbuf *mb = store_msgbuf_alloc(len);
		memcpy(store_msgbuf_data(mb), buf, len);
		struct store_rcpt rc = { .user_id = e.user, .mailbox_id = e.inbox };
		struct store_append ap = { .req.done = on_done, .msg = mb, .rcpts = &rc, .nrcpts = 1 };
		store_append(e.part, &ap);
		env_wait(&e, done_count + 1);
		if (ap.req.err)
			FAIL("append");
		struct ack a = { 'A', rc.uid, 0, seq };
		record(&a);
	}
	env_close(&e);
}

static void compaction_steps(void)
{
	for (die_step = COMPACT_STEP_WRITTEN; die_step <= COMPACT_STEP_INDEXED; die_step++) {
		make_garbage(die_step);
		pid_t pid = fork();
		if (pid == 0) {
			struct env e;
			env_open(&e, false);
			compact_step_hook = die_at;
			struct compact_stats st;
			compact_part_offline(e.part, 100, &st);
			_exit(9);        /* the step was never reached */
		}
		int status;
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			FAIL("compaction child for step %d did not stop at it", die_step);
		struct env e;
		env_open(&e, false);
		verify(e.part, e.user, e.inbox);
		struct compact_stats st;
		if (compact_part_offline(e.part, 100, &st) != RM_OK)
			FAIL("compaction after a kill at step %d", die_step);
		verify(e.part, e.user, e.inbox);
		env_close(&e);
	}
}

static int rm_tree(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(int argc, char **argv)
{
	unsigned cycles = argc > 1 ? (unsigned)atoi(argv[1]) : 60;
	bool temp = argc <= 2;
	rm_log_threshold = getenv("TEST_VERBOSE") ? RM_LOG_INFO : RM_LOG_CRIT;
	rng ^= getenv("CRASH_SEED") ? strtoull(getenv("CRASH_SEED"), NULL, 10) : (uint64_t)time(NULL);
	printf("seed=%llu (CRASH_SEED reproduces the kill schedule)\n", (unsigned long long)rng);
	if (temp) {
		snprintf(datadir, sizeof(datadir), "/tmp/rmcrash.XXXXXX");
		if (!mkdtemp(datadir))
			FAIL("mkdtemp");
		strcat(datadir, "/data");
	} else {
		snprintf(datadir, sizeof(datadir), "%s", argv[2]);
	}
	store_opts_default(&opts);
	opts.segment_max_bytes = 512 * 1024;
	opts.compact_check_ms = 0;
	uids = calloc(UID_MAX_TRACK, sizeof(*uids));
	if (!uids || store_init(datadir, 2) != RM_OK)
		FAIL("init %s", datadir);
	create_user();
	uint64_t start = rm_now_ms();
	unsigned n = 0;
	for (unsigned c = 0; c < cycles; c++)
		n = kill_cycle(c);
	unsigned acked = 0;
	for (uint32_t uid = 1; uid < UID_MAX_TRACK; uid++)
		acked += uids[uid].acked;
	printf("kill cycles=%u messages=%u acknowledged=%u torn_tails_cut=%llu "
	       "records_replayed=%llu ms=%llu\n", cycles, n, acked, (unsigned long long)torn_tails,
	       (unsigned long long)replayed, (unsigned long long)(rm_now_ms() - start));
	compaction_steps();
	/* A full rebuild from the log gives the same messages. */
	struct env e;
	env_open(&e, false);
	struct store_replay_stats st;
	if (store_part_reindex(e.part, &st) != RM_OK || st.corrupt_regions || st.rejected)
		FAIL("reindex: corrupt=%llu rejected=%llu", (unsigned long long)st.corrupt_regions,
		     (unsigned long long)st.rejected);
	n = verify(e.part, e.user, e.inbox);
	env_close(&e);
	printf("compaction steps=5 reindex ok messages=%u total_ms=%llu\n", n,
	       (unsigned long long)(rm_now_ms() - start));
	if (temp) {
		*strrchr(datadir, '/') = '\0';
		rm_tree(datadir);
	}
	free(uids);
	return 0;
}
