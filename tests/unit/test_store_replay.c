/*
 * Recovery: replaying a log twice changes nothing; a process crash loses no
 * acknowledged change; a dirty stop across a reboot rebuilds the index and
 * gets the same index; a torn tail is cut; a corrupt record in the middle is
 * reported and skipped, and its message reads as an error, never as wrong
 * bytes.
 */
#include <fcntl.h>
#include <sys/wait.h>

#include "storage/log_scan.h"
#include "storage/log_segment.h"
#include "tests/unit/test_store_util.h"

static const char body[] = "Subject: replay\r\n\r\n0123456789abcdefghijklmnopqrstuvwxyz\r\n";

static void populate(struct tenv *e, unsigned n)
{
	uint64_t u = t_user(e, "rep@example.org");
	uint64_t inbox = t_mbox_id(e, u, "INBOX"), arch = t_mbox_id(e, u, "Archive");
	for (unsigned i = 0; i < n; i++)
		t_append(e, u, inbox, body);
	uint32_t uids[] = { 1, 3, 5 }, nu[3];
	struct store_flag_result res[3];
	const char *kw[] = { "$Label1" };
	CHECK_OK(t_flags(e, u, inbox, uids, 3, STORE_FLAGS_ADD, STORE_F_SEEN, kw, 1, 0, res));
	CHECK(t_copy(e, u, inbox, arch, uids, 3, true, nu) == 3);
	uint32_t ex[] = { 2 };
	CHECK(t_expunge(e, u, inbox, ex, 1) == 1);
}

struct reapply {
	struct meta_txn *t;
	struct meta_pos pos;
};

static enum rm_err reapply_rec(void *arg, const struct log_rec *r, uint64_t off)
{
	struct reapply *ra = arg;
	ra->pos.offset = off;
	return meta_apply(ra->t, r, &ra->pos);
}

/* Applies every record of every segment again to the live index. */
static void replay_everything(struct tenv *e)
{
	uint32_t *segs;
	size_t n;
	CHECK_OK(log_seg_list(e->part->logdir, false, &segs, &n));
	struct reapply ra;
	CHECK_OK(meta_txn_begin(e->part->meta, true, &ra.t));
	for (size_t i = 0; i < n; i++) {
		char path[STORE_PATH_MAX];
		struct log_seg_map m;
		log_seg_path(path, sizeof(path), e->part->logdir, segs[i], false);
		CHECK_OK(log_seg_map_open(path, &m));
		ra.pos = (struct meta_pos){ segs[i], m.h.generation, 0 };
		struct log_scan_ops ops = { reapply_rec, NULL };
		CHECK_OK(log_scan(m.base, m.len, 0, &ops, &ra, NULL));
		log_seg_map_close(&m);
	}
	CHECK_OK(meta_txn_commit(&ra.t));
	free(segs);
}

static bool same(const struct rm_buf *a, const struct rm_buf *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static void test_idempotent(struct tenv *e)
{
	struct rm_buf a = {0}, b = {0};
	t_dump(e, &a);
	replay_everything(e);
	t_dump(e, &b);
	CHECK(same(&a, &b));
	/* Recovery on a clean index replays nothing. */
	t_close(e);
	t_open(e, true);
	struct store_replay_stats st;
	store_part_recovery(e->part, &st);
	CHECK(!st.rebuilt && st.applied == 0 && st.truncated_bytes == 0);
	t_dump(e, &b);
	CHECK(same(&a, &b));
	rm_buf_free(&a);
	rm_buf_free(&b);
}

/* A child appends, gets acknowledgements, and dies without closing. */
static void test_process_crash(struct tenv *e)
{
	t_close(e);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		t_open(e, true);
		uint64_t inbox = t_mbox_id(e, 1, "INBOX");
		for (int i = 0; i < 20; i++)
			t_append(e, 1, inbox, body);
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	t_open(e, true);
	struct store_replay_stats st;
	store_part_recovery(e->part, &st);
	CHECK(!st.rebuilt);
	struct store_view *v;
	struct store_mailbox mb;
	CHECK_OK(store_view_begin(e->part, &v));
	CHECK_OK(store_view_mailbox(v, 1, "INBOX", 5, &mb));
	CHECK(mb.messages == 10 - 3 - 1 + 20 && mb.uidnext == 31);
	store_view_end(&v);
}

/* The state file says dirty, written in another boot: a machine crash.
 * The index is rebuilt and comes out equal. */
static void test_machine_crash(struct tenv *e)
{
	struct rm_buf a = {0}, b = {0};
	t_dump(e, &a);
	char path[STORE_PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/state", e->part->dir);
	t_close(e);
	uint8_t st[64];
	store_state_encode(st, false);
	memcpy(st + 16, "00000000-0000-0000-0000-000000000000", 36);
	rm_le64_put(st + 56, rm_hash64(st, 56));
	int fd = open(path, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, st, 64, 0) == 64);
	close(fd);
	t_open(e, true);
	struct store_replay_stats rs;
	store_part_recovery(e->part, &rs);
	CHECK(rs.rebuilt && rs.applied > 0 && rs.corrupt_regions == 0);
	t_dump(e, &b);
	CHECK(same(&a, &b));
	rm_buf_free(&a);
	rm_buf_free(&b);
}

static void last_segment(struct tenv *e, char *path, size_t cap)
{
	log_seg_path(path, cap, e->part->logdir, e->part->seg_no, false);
}

/* Half a record at the end (a batch whose write never finished). */
static void test_torn_tail(struct tenv *e)
{
	struct rm_buf a = {0}, b = {0};
	t_dump(e, &a);
	char path[STORE_PATH_MAX];
	last_segment(e, path, sizeof(path));
	t_close(e);
	struct rm_buf rec = {0};
	size_t s = log_rec_begin(&rec, LOG_T_BLOB);
	rm_buf_append(&rec, body, sizeof(body) - 1);
	log_rec_seal(&rec, s, 1000000, LOG_F_BATCH_END);
	int fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, rec.data, rec.len / 2) == (ssize_t)(rec.len / 2));
	close(fd);
	t_open(e, true);
	struct store_replay_stats st;
	store_part_recovery(e->part, &st);
	CHECK(st.truncated_bytes == rec.len / 2 && !st.rebuilt);
	t_dump(e, &b);
	CHECK(same(&a, &b));
	/* Appends continue where the cut was. */
	uint64_t inbox = t_mbox_id(e, 1, "INBOX");
	uint32_t uid = t_append(e, 1, inbox, body);
	struct store_msg m;
	char buf[128];
	CHECK(t_msg(e, inbox, uid, &m));
	CHECK(t_read(e, m.blob_lsn, 0, sizeof(buf), buf) == (long)strlen(body));
	rm_buf_free(&rec);
	rm_buf_free(&a);
	rm_buf_free(&b);
}

/* One bit of an old message's bytes flips on disk. */
static void test_middle_corruption(struct tenv *e)
{
	uint64_t inbox = t_mbox_id(e, 1, "INBOX");
	struct store_msg m;
	CHECK(t_msg(e, inbox, 4, &m));
	struct meta_txn *t;
	struct meta_blob blob;
	CHECK_OK(meta_txn_begin(e->part->meta, false, &t));
	CHECK_OK(meta_blob_get(t, m.blob_lsn, &blob));
	meta_txn_abort(&t);
	char path[STORE_PATH_MAX];
	log_seg_path(path, sizeof(path), e->part->logdir, blob.seg_no, false);
	t_close(e);
	int fd = open(path, O_RDWR);
	char c;
	off_t at = (off_t)(blob.offset + LOG_REC_HEADER_BYTES + 20);
	CHECK(fd >= 0 && pread(fd, &c, 1, at) == 1);
	c ^= 0x10;
	CHECK(pwrite(fd, &c, 1, at) == 1);
	close(fd);
	/* Reading it now fails the checksum instead of returning bad bytes. */
	t_open(e, true);
	char buf[128];
	CHECK(t_read(e, m.blob_lsn, 0, sizeof(buf), buf) == -1);
	t_close(e);
	/* A rebuild reports the record and skips it; everything else is there. */
	t_open(e, false);
	struct store_replay_stats st;
	CHECK_OK(store_part_reindex(e->part, &st));
	CHECK(st.corrupt_regions == 1 && st.rejected == 0);
	/* verify names the damage: the record, and the message left without
	 * its bytes. */
	struct store_verify_stats vs;
	CHECK_OK(store_part_verify(e->part, &vs));
	CHECK(vs.corrupt_regions == 1 && vs.index_errors == 1 && vs.blob_errors == 0);
	t_close(e);
	t_open(e, true);
	CHECK(t_read(e, m.blob_lsn, 0, sizeof(buf), buf) == -1);
	struct store_msg other;
	CHECK(t_msg(e, inbox, 6, &other));
	CHECK(t_read(e, other.blob_lsn, 0, sizeof(buf), buf) == (long)strlen(body));
}

int main(void)
{
	struct tenv e;
	t_init(&e, 1, 512);           /* small segments: several of them */
	populate(&e, 10);
	CHECK(e.part->seg_no > 2);
	struct store_verify_stats vs;
	CHECK(store_part_verify(e.part, &vs) == RM_ERR_PERM);
	test_idempotent(&e);
	test_process_crash(&e);
	test_machine_crash(&e);
	test_torn_tail(&e);
	test_middle_corruption(&e);
	t_destroy(&e);
	return 0;
}
