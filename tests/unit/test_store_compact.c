/*
 * Compaction keeps exactly the live records: after it, the log holds every
 * non-BLOB record and exactly the BLOBs some message still references (with
 * their LSNs), every message reads back byte for byte, and an index rebuilt
 * from the compacted log equals the live one.  Then the same through the
 * background policy of a running partition.
 */
#include "storage/compact.h"
#include "storage/log_scan.h"
#include "storage/log_segment.h"
#include "tests/unit/test_store_util.h"

#define NMSG 120

static char *bodies[NMSG + 1];

static char *make_body(unsigned i)
{
	size_t len = 200 + (i * 37) % 1500;
	char *b = rm_malloc(len + 1);
	int h = snprintf(b, len + 1, "Subject: c%u\r\n\r\n", i);
	for (size_t k = (size_t)h; k < len; k++)
		b[k] = (char)('A' + (k + i) % 23);
	b[len] = '\0';
	return b;
}

struct logset {
	uint64_t lsn[8192];
	uint8_t type[8192];
	uint32_t seg[8192];
	uint32_t cur_seg;
	unsigned n;
};

static enum rm_err collect(void *arg, const struct log_rec *r, uint64_t off)
{
	struct logset *s = arg;
	CHECK(s->n < 8192);
	s->lsn[s->n] = r->lsn;
	s->seg[s->n] = s->cur_seg;
	s->type[s->n++] = r->type;
	return RM_OK;
}

static void scan_log(struct tenv *e, struct logset *s)
{
	uint32_t *segs;
	size_t n;
	s->n = 0;
	CHECK_OK(log_seg_list(e->part->logdir, false, &segs, &n));
	for (size_t i = 0; i < n; i++) {
		char path[STORE_PATH_MAX];
		struct log_seg_map m;
		log_seg_path(path, sizeof(path), e->part->logdir, segs[i], false);
		CHECK_OK(log_seg_map_open(path, &m));
		s->cur_seg = segs[i];
		struct log_scan_ops ops = { collect, NULL };
		struct log_scan_stats st;
		CHECK_OK(log_scan(m.base, m.len, 0, &ops, s, &st));
		CHECK(st.bad_regions == 0);
		log_seg_map_close(&m);
	}
	free(segs);
}

static bool blob_live(struct tenv *e, uint64_t lsn)
{
	struct meta_txn *t;
	struct meta_blob b;
	CHECK_OK(meta_txn_begin(e->part->meta, false, &t));
	enum rm_err err = meta_blob_get(t, lsn, &b);
	meta_txn_abort(&t);
	return err == RM_OK && b.refs > 0;
}

/* Every message of both mailboxes reads back as what was appended. */
static void check_messages(struct tenv *e, uint64_t user)
{
	static const char *const names[] = { "INBOX", "Archive" };
	unsigned seen = 0;
	for (int k = 0; k < 2; k++) {
		uint64_t mbox = t_mbox_id(e, user, names[k]);
		for (uint32_t uid = 1; uid <= 2 * NMSG; uid++) {
			struct store_msg m;
			if (!t_msg(e, mbox, uid, &m))
				continue;
			static char buf[4096];
			long got = t_read(e, m.blob_lsn, 0, sizeof(buf), buf);
			CHECK(got == (long)m.size_bytes);
			CHECK(memcmp(buf, "Subject: c", 10) == 0);
			unsigned idx = (unsigned)atoi(buf + 10);
			CHECK(idx < NMSG && memcmp(buf, bodies[idx], (size_t)got) == 0);
			seen++;
		}
	}
	CHECK(seen > 0);
}

static void build(struct tenv *e, uint64_t *user_r)
{
	uint64_t u = t_user(e, "compact@example.org");
	uint64_t inbox = t_mbox_id(e, u, "INBOX"), arch = t_mbox_id(e, u, "Archive");
	for (unsigned i = 0; i < NMSG; i++) {
		bodies[i] = make_body(i);
		t_append(e, u, inbox, bodies[i]);
	}
	/* Shared blobs: copies of every 5th message. */
	uint32_t uids[NMSG], nu[NMSG];
	unsigned n = 0;
	for (uint32_t uid = 1; uid <= NMSG; uid += 5)
		uids[n++] = uid;
	CHECK(t_copy(e, u, inbox, arch, uids, n, false, nu) == n);
	/* Expunge two of every three: shared blobs keep their Archive copy. */
	n = 0;
	for (uint32_t uid = 1; uid <= NMSG; uid++)
		if (uid % 3)
			uids[n++] = uid;
	CHECK(t_expunge(e, u, inbox, uids, n) == n);
	*user_r = u;
}

static void check_exactly_live(struct tenv *e, const struct logset *before, const struct logset *after)
{
	unsigned j = 0, dropped = 0;
	for (unsigned i = 0; i < before->n; i++) {
		/* The active segment is never rewritten. */
		bool keep = before->type[i] != LOG_T_BLOB || blob_live(e, before->lsn[i]) ||
			    before->seg[i] == e->part->seg_no;
		if (!keep) {
			dropped++;
			continue;
		}
		CHECK(j < after->n && after->lsn[j] == before->lsn[i] && after->type[j] == before->type[i]);
		j++;
	}
	CHECK(j == after->n && dropped > 0);
}

static void test_offline(struct tenv *e, uint64_t u)
{
	struct logset *before = rm_calloc(1, sizeof(*before)), *after = rm_calloc(1, sizeof(*after));
	t_close(e);
	t_open(e, false);
	scan_log(e, before);
	struct compact_stats st;
	CHECK_OK(compact_part_offline(e->part, 100, &st));
	CHECK(st.segments_rewritten > 0 && st.bytes_after < st.bytes_before && st.blobs_dropped > 0);
	scan_log(e, after);
	check_exactly_live(e, before, after);
	/* A second pass finds nothing to do. */
	struct compact_stats st2;
	CHECK_OK(compact_part_offline(e->part, 100, &st2));
	CHECK(st2.segments_rewritten == 0);
	struct store_verify_stats vs;
	CHECK_OK(store_part_verify(e->part, &vs));
	CHECK(vs.corrupt_regions == 0 && vs.blob_errors == 0 && vs.index_errors == 0 && vs.blobs > 0);
	/* Rebuilt from the compacted log == live. */
	struct rm_buf live = {0}, rebuilt = {0};
	t_dump(e, &live);
	struct store_replay_stats rs;
	CHECK_OK(store_part_reindex(e->part, &rs));
	CHECK(rs.corrupt_regions == 0 && rs.rejected == 0);
	t_dump(e, &rebuilt);
	CHECK(live.len == rebuilt.len && memcmp(live.data, rebuilt.data, live.len) == 0);
	t_close(e);
	t_open(e, true);
	check_messages(e, u);
	rm_buf_free(&live);
	rm_buf_free(&rebuilt);
	free(before);
	free(after);
}

/* The server's policy: a running partition compacts on its own. */
static void test_background(struct tenv *e, uint64_t u)
{
	t_close(e);
	e->opts.compact_check_ms = 1;
	e->opts.compact_live_percent = 100;
	t_open(e, true);
	uint64_t inbox = t_mbox_id(e, u, "INBOX");
	uint32_t uids[NMSG];
	unsigned n = 0;
	for (uint32_t uid = 3; uid <= NMSG; uid += 6)
		uids[n++] = uid;
	CHECK(t_expunge(e, u, inbox, uids, n) == n);
	/* Fill a few more segments so the expunged ones are sealed. */
	for (unsigned i = 0; i < 10; i++)
		t_append(e, u, inbox, bodies[i]);
	struct store_metrics m;
	uint64_t deadline = rm_now_ms() + 20000;
	do {
		rm_loop_turn(&e->loop, store_part_expecting(e->part) ? 1 : 0);
		usleep(1000);
		store_part_metrics(e->part, &m);
	} while (m.compactions < 2 && rm_now_ms() < deadline);
	CHECK(m.compactions >= 2);
	check_messages(e, u);
	struct rm_buf live = {0}, rebuilt = {0};
	t_close(e);
	e->opts.compact_check_ms = 0;
	t_open(e, false);
	t_dump(e, &live);
	struct store_replay_stats rs;
	CHECK_OK(store_part_reindex(e->part, &rs));
	t_dump(e, &rebuilt);
	CHECK(live.len == rebuilt.len && memcmp(live.data, rebuilt.data, live.len) == 0);
	rm_buf_free(&live);
	rm_buf_free(&rebuilt);
}

int main(void)
{
	struct tenv e;
	t_init(&e, 1, 8192);
	uint64_t u;
	build(&e, &u);
	CHECK(e.part->seg_no > 5);
	check_messages(&e, u);
	test_offline(&e, u);
	test_background(&e, u);
	for (unsigned i = 0; i < NMSG; i++)
		free(bodies[i]);
	t_destroy(&e);
	return 0;
}
