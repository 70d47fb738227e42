/* The engine's request API end to end on one partition: users, mailboxes,
 * append/read, copy/move, flags (with UNCHANGEDSINCE), expunge and the
 * vanished history, renames, errors, watchers, group commit, reopen. */
#include <fcntl.h>

#include "tests/unit/test_store_util.h"

static const char msg1[] = "From: a@example.org\r\nSubject: one\r\n\r\nbody one\r\n";
static const char msg2[] = "From: b@example.org\r\nSubject: two\r\n\r\nbody two\r\n";

static void test_user_defaults(struct tenv *e)
{
	uint64_t u = t_user(e, "Alice@Example.ORG");
	CHECK(u == 1);
	struct store_view *v;
	struct store_user user;
	CHECK_OK(store_view_begin(e->part, &v));
	CHECK_OK(store_view_user(v, "alice@example.org", 17, &user));
	CHECK(user.id == u && user.login_len == 17 && memcmp(user.login, "alice@example.org", 17) == 0);
	struct store_iter *it;
	struct store_mailbox mb;
	CHECK_OK(store_view_mailboxes(v, u, &it));
	unsigned n = 0, uses = 0;
	while (store_iter_mailbox(it, &mb) == 1) {
		n++;
		uses |= mb.special_use;
		CHECK(mb.subscribed && mb.uidnext == 1 && mb.uidvalidity > 0 && mb.messages == 0);
	}
	store_iter_free(&it);
	CHECK(n == 6);
	CHECK(uses == (STORE_USE_DRAFTS | STORE_USE_SENT | STORE_USE_TRASH | STORE_USE_JUNK |
		       STORE_USE_ARCHIVE));
	CHECK_OK(store_view_mailbox(v, u, "Sent", 4, &mb));
	CHECK(mb.special_use == STORE_USE_SENT);
	store_view_end(&v);
	/* A second user with the same login (any case) is refused. */
	struct store_user_create rq = { .req.done = t_done, .login = "ALICE@example.org",
					.login_len = 17 };
	store_user_create(e->part, &rq);
	t_wait(e, 1);
	CHECK(rq.req.err == RM_ERR_EXISTS);
}

static void test_append_read(struct tenv *e, uint64_t u)
{
	uint64_t inbox = t_mbox_id(e, u, "INBOX");
	CHECK(inbox != 0);
	uint32_t uid1 = t_append(e, u, inbox, msg1);
	uint32_t uid2 = t_append(e, u, inbox, msg2);
	CHECK(uid1 == 1 && uid2 == 2);
	struct store_msg m;
	CHECK(t_msg(e, inbox, uid2, &m));
	CHECK(m.size_bytes == strlen(msg2) && m.internal_date_s == 1700000000 && m.modseq > 0);
	char buf[256];
	CHECK(t_read(e, m.blob_lsn, 0, sizeof(buf), buf) == (long)strlen(msg2));
	CHECK(memcmp(buf, msg2, strlen(msg2)) == 0);
	/* A byte range, and a range running past the end. */
	CHECK(t_read(e, m.blob_lsn, 6, 5, buf) == 5 && memcmp(buf, msg2 + 6, 5) == 0);
	CHECK(t_read(e, m.blob_lsn, strlen(msg2) - 3, 100, buf) == 3);
	CHECK(t_read(e, m.blob_lsn, strlen(msg2) + 10, 100, buf) == 0);
	CHECK(t_read(e, 999999, 0, 10, buf) == -1);
	struct store_view *v;
	struct store_mailbox mb;
	CHECK_OK(store_view_begin(e->part, &v));
	CHECK_OK(store_view_mailbox_by_id(v, inbox, &mb));
	CHECK(mb.messages == 2 && mb.unseen == 2 && mb.uidnext == 3);
	CHECK(mb.size_bytes == strlen(msg1) + strlen(msg2));
	CHECK(mb.highestmodseq == m.modseq);
	store_view_end(&v);
}

static void test_flags(struct tenv *e, uint64_t u)
{
	uint64_t inbox = t_mbox_id(e, u, "INBOX");
	uint32_t uids[] = { 1, 2, 77 };
	struct store_flag_result res[3];
	const char *kw[] = { "$Forwarded", "Work" };
	CHECK_OK(t_flags(e, u, inbox, uids, 3, STORE_FLAGS_ADD, STORE_F_SEEN, kw, 2, 0, res));
	CHECK(res[0].status == STORE_FLAG_CHANGED && res[0].flags == STORE_F_SEEN);
	CHECK(res[1].status == STORE_FLAG_CHANGED && res[1].modseq > res[0].modseq);
	CHECK(res[2].status == STORE_FLAG_ABSENT);
	/* Same again: nothing changes, no new MODSEQ. */
	struct store_flag_result again[3];
	CHECK_OK(t_flags(e, u, inbox, uids, 2, STORE_FLAGS_ADD, STORE_F_SEEN, kw, 2, 0, again));
	CHECK(again[0].status == STORE_FLAG_UNCHANGED && again[0].modseq == res[0].modseq);
	/* Keywords match case-insensitively and keep their first spelling. */
	const char *kw_lower[] = { "work" };
	CHECK_OK(t_flags(e, u, inbox, uids, 1, STORE_FLAGS_REMOVE, 0, kw_lower, 1, 0, again));
	CHECK(again[0].status == STORE_FLAG_CHANGED);
	struct store_view *v;
	struct store_msg m;
	CHECK_OK(store_view_begin(e->part, &v));
	CHECK_OK(store_view_msg(v, inbox, 1, &m));
	CHECK(m.nkeywords == 1);
	const char *name;
	size_t len;
	CHECK_OK(store_view_keyword_name(v, u, store_msg_keyword(&m, 0), &name, &len));
	CHECK(len == 10 && memcmp(name, "$Forwarded", 10) == 0);
	CHECK_OK(store_view_msg(v, inbox, 2, &m));
	CHECK(m.nkeywords == 2);
	CHECK_OK(store_view_keyword_name(v, u, 1, &name, &len));
	CHECK(len == 4 && memcmp(name, "Work", 4) == 0);
	struct store_mailbox mb;
	CHECK_OK(store_view_mailbox_by_id(v, inbox, &mb));
	CHECK(mb.unseen == 0);
	uint64_t modseq2 = m.modseq;
	store_view_end(&v);
	/* UNCHANGEDSINCE (RFC 7162): UID 2 changed after modseq2 - 1. */
	CHECK_OK(t_flags(e, u, inbox, uids, 2, STORE_FLAGS_REPLACE, STORE_F_FLAGGED, NULL, 0,
			 modseq2 - 1, res));
	/* UID 1 changed (keyword removed) after UID 2 did. */
	CHECK(res[0].status == STORE_FLAG_MODIFIED && res[0].modseq > modseq2);
	CHECK(res[1].status == STORE_FLAG_MODIFIED && res[1].modseq == modseq2);
	CHECK_OK(t_flags(e, u, inbox, uids + 1, 1, STORE_FLAGS_REPLACE, STORE_F_FLAGGED, NULL, 0,
			 modseq2, res));
	CHECK(res[0].status == STORE_FLAG_CHANGED && res[0].flags == STORE_F_FLAGGED);
	/* Messages changed since a MODSEQ, in MODSEQ order. */
	struct store_iter *it;
	CHECK_OK(store_view_begin(e->part, &v));
	CHECK_OK(store_view_changed(v, inbox, modseq2, &it));
	CHECK(store_iter_msg(it, &m) == 1 && m.uid == 1 && m.flags == STORE_F_SEEN);
	CHECK(store_iter_msg(it, &m) == 1 && m.uid == 2 && m.flags == STORE_F_FLAGGED);
	CHECK(store_iter_msg(it, &m) == 0);
	store_iter_free(&it);
	store_view_end(&v);
	/* Bad flag bits are refused. */
	CHECK(t_flags(e, u, inbox, uids, 1, STORE_FLAGS_ADD, 0x100, NULL, 0, 0, res) == RM_ERR_INVAL);
}

static void test_copy_move_expunge(struct tenv *e, uint64_t u)
{
	uint64_t inbox = t_mbox_id(e, u, "INBOX"), arch = t_mbox_id(e, u, "Archive");
	uint32_t uids[] = { 2, 1, 42 }, nu[3];
	CHECK(t_copy(e, u, inbox, arch, uids, 3, false, nu) == 2);
	CHECK(nu[0] == 1 && nu[1] == 2 && nu[2] == 0);
	struct store_msg a, b;
	CHECK(t_msg(e, inbox, 2, &a) && t_msg(e, arch, 1, &b));
	CHECK(a.blob_lsn == b.blob_lsn && a.flags == b.flags);   /* one copy of the bytes */
	uint32_t mv[] = { 1 };
	CHECK(t_copy(e, u, arch, inbox, mv, 1, true, nu) == 1 && nu[0] == 3);
	CHECK(!t_msg(e, arch, 1, &a) && t_msg(e, inbox, 3, &a));
	/* Expunge, twice the same UID in one request. */
	uint32_t ex[] = { 3, 3, 99 };
	CHECK(t_expunge(e, u, inbox, ex, 3) == 1);
	struct store_view *v;
	struct store_iter *it;
	struct store_mailbox mb;
	uint32_t uid;
	uint64_t ms;
	CHECK_OK(store_view_begin(e->part, &v));
	CHECK_OK(store_view_mailbox_by_id(v, arch, &mb));
	CHECK(mb.messages == 1 && mb.uidnext == 3);
	CHECK_OK(store_view_vanished(v, arch, 0, &it));
	CHECK(store_iter_vanished(it, &uid, &ms) == 1 && uid == 1);
	CHECK(store_iter_vanished(it, &uid, &ms) == 0);
	store_iter_free(&it);
	CHECK_OK(store_view_vanished(v, inbox, 0, &it));
	CHECK(store_iter_vanished(it, &uid, &ms) == 1 && uid == 3);
	store_iter_free(&it);
	store_view_end(&v);
	/* The bytes stay readable while one reference remains. */
	char buf[128];
	CHECK(t_msg(e, inbox, 2, &a));
	CHECK(t_read(e, a.blob_lsn, 0, sizeof(buf), buf) == (long)strlen(msg2));
}

static void test_mailboxes(struct tenv *e, uint64_t u)
{
	uint64_t a;
	CHECK_OK(t_mbox(e, u, "Lists", &a));
	CHECK_OK(t_mbox(e, u, "Lists/rust", NULL));
	CHECK_OK(t_mbox(e, u, "Lists/rust/users", NULL));
	CHECK_OK(t_mbox(e, u, "Listsx", NULL));
	CHECK(t_mbox(e, u, "Lists", NULL) == RM_ERR_EXISTS);
	char longname[RM_STORE_MAILBOX_NAME_MAX_BYTES + 2];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK(t_mbox(e, u, longname, NULL) == RM_ERR_LIMIT);
	longname[RM_STORE_MAILBOX_NAME_MAX_BYTES] = '\0';
	CHECK_OK(t_mbox(e, u, longname, NULL));
	t_append(e, u, a, msg1);
	struct store_mbox_rename rn = { .req.done = t_done, .user_id = u, .from = "Lists",
					.from_len = 5, .to = "Groups", .to_len = 6 };
	store_mbox_rename(e->part, &rn);
	t_wait(e, 1);
	CHECK_OK(rn.req.err);
	CHECK(rn.renamed == 3);
	CHECK(t_mbox_id(e, u, "Groups") == a && t_mbox_id(e, u, "Groups/rust/users") != 0);
	CHECK(t_mbox_id(e, u, "Listsx") != 0 && t_mbox_id(e, u, "Lists/rust") == 0);
	struct store_msg m;
	CHECK(t_msg(e, a, 1, &m));
	rn.from = "INBOX";
	rn.from_len = 5;
	store_mbox_rename(e->part, &rn);
	t_wait(e, 1);
	CHECK(rn.req.err == RM_ERR_PERM);
	struct store_mbox_delete del = { .req.done = t_done, .user_id = u, .name = "Groups",
					 .name_len = 6 };
	store_mbox_delete(e->part, &del);
	t_wait(e, 1);
	CHECK_OK(del.req.err);
	CHECK(t_mbox_id(e, u, "Groups") == 0 && t_mbox_id(e, u, "Groups/rust") != 0);
	store_mbox_delete(e->part, &del);
	t_wait(e, 1);
	CHECK(del.req.err == RM_ERR_NOTFOUND);
	struct store_subscribe sub = { .req.done = t_done, .user_id = u, .name = "Nowhere",
				       .name_len = 7, .on = true };
	store_subscribe(e->part, &sub);
	t_wait(e, 1);
	CHECK_OK(sub.req.err);
	struct store_view *v;
	struct store_iter *it;
	CHECK_OK(store_view_begin(e->part, &v));
	CHECK_OK(store_view_subscriptions(v, u, &it));
	const char *name;
	size_t len;
	bool found = false;
	while (store_iter_name(it, &name, &len) == 1)
		found |= len == 7 && memcmp(name, "Nowhere", 7) == 0;
	store_iter_free(&it);
	store_view_end(&v);
	CHECK(found);
}

struct t_watch {
	struct store_watch w;
	unsigned calls;
};

static void on_watch(struct store_watch *w, uint64_t mailbox_id)
{
	RM_CONTAINER_OF(w, struct t_watch, w)->calls++;
}

/* Many requests in one turn: one batch, one fdatasync; watchers once. */
static void test_group_commit(struct tenv *e, uint64_t u)
{
	uint64_t inbox = t_mbox_id(e, u, "INBOX");
	struct t_watch tw = { .w.fn = on_watch };
	store_watch_add(e->part, inbox, &tw.w);
	struct store_metrics before, after;
	store_part_metrics(e->part, &before);
	enum { N = 50 };
	static struct store_append rq[N];
	static struct store_rcpt rc[N];
	for (unsigned i = 0; i < N; i++) {
		struct store_msgbuf *mb = store_msgbuf_alloc(strlen(msg1));
		memcpy(store_msgbuf_data(mb), msg1, strlen(msg1));
		rc[i] = (struct store_rcpt){ .user_id = u, .mailbox_id = inbox };
		rq[i] = (struct store_append){ .req.done = t_done, .msg = mb, .rcpts = &rc[i],
					       .nrcpts = 1 };
		store_append(e->part, &rq[i]);
	}
	t_wait(e, N);
	store_part_metrics(e->part, &after);
	CHECK(after.fsyncs == before.fsyncs + 1);
	CHECK(after.records == before.records + 2 * N);
	CHECK(tw.calls == 1);
	for (unsigned i = 1; i < N; i++)
		CHECK(rc[i].uid == rc[i - 1].uid + 1 && rc[i].modseq > rc[i - 1].modseq);
	store_watch_remove(e->part, &tw.w);
	t_append(e, u, inbox, msg2);
	CHECK(tw.calls == 1);
}

/* A failed write makes the partition read-only: that batch and every later
 * request fail with RM_ERR_IO (the fsync is never retried), reads go on,
 * and after a restart nothing of the failed batch is there. */
static void test_write_failure(struct tenv *e, uint64_t u)
{
	uint64_t inbox = t_mbox_id(e, u, "INBOX");
	struct store_mailbox before, after;
	struct store_view *v;
	CHECK_OK(store_view_begin(e->part, &v));
	CHECK_OK(store_view_mailbox_by_id(v, inbox, &before));
	store_view_end(&v);
	int ro = open("/dev/null", O_RDONLY);
	CHECK(ro >= 0 && dup2(ro, e->part->seg_fd) == e->part->seg_fd);
	close(ro);
	enum rm_err err;
	t_append_kw(e, u, inbox, msg1, strlen(msg1), 0, NULL, 0, &err);
	CHECK(err == RM_ERR_IO);
	t_append_kw(e, u, inbox, msg1, strlen(msg1), 0, NULL, 0, &err);
	CHECK(err == RM_ERR_IO);
	struct store_metrics m;
	store_part_metrics(e->part, &m);
	CHECK(m.read_only);
	struct store_msg msg;
	char buf[128];
	CHECK(t_msg(e, inbox, 2, &msg) && t_read(e, msg.blob_lsn, 0, sizeof(buf), buf) > 0);
	t_close(e);
	t_open(e, true);
	CHECK_OK(store_view_begin(e->part, &v));
	CHECK_OK(store_view_mailbox_by_id(v, inbox, &after));
	store_view_end(&v);
	CHECK(after.messages == before.messages && after.uidnext == before.uidnext);
	CHECK(t_append(e, u, inbox, msg2) == before.uidnext);
}

int main(void)
{
	struct tenv e;
	t_init(&e, 1, 1u << 20);
	test_user_defaults(&e);
	test_append_read(&e, 1);
	test_flags(&e, 1);
	test_copy_move_expunge(&e, 1);
	test_mailboxes(&e, 1);
	test_group_commit(&e, 1);
	/* Everything survives a clean close and reopen, byte for byte. */
	struct rm_buf a = {0}, b = {0};
	t_dump(&e, &a);
	t_close(&e);
	t_open(&e, true);
	t_dump(&e, &b);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	struct store_msg m;
	char buf[128];
	CHECK(t_msg(&e, t_mbox_id(&e, 1, "INBOX"), 2, &m));
	CHECK(t_read(&e, m.blob_lsn, 0, sizeof(buf), buf) == (long)strlen(msg2));
	rm_buf_free(&a);
	rm_buf_free(&b);
	test_write_failure(&e, 1);
	t_destroy(&e);
	return 0;
}
