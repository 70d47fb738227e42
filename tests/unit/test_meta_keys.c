/* The index on its own: keys are big-endian so ranges scan in numeric order
 * (UIDs across byte boundaries, MODSEQs up to 2^63-1, ids up to 2^64-1),
 * and meta_apply skips records already applied. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "index/meta.h"

#define CHECK(c) \
	do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_OK(e) CHECK((e) == RM_OK)

static uint64_t lsn;
static struct meta_pos pos = { 1, 0, 64 };

static void apply(struct meta_txn *t, struct rm_buf *b, size_t start)
{
	log_rec_seal(b, start, ++lsn, 0);
	struct log_rec r;
	CHECK_OK(log_rec_decode((uint8_t *)b->data + start, b->len - start, &r));
	CHECK_OK(meta_apply(t, &r, &pos));
	pos.offset += b->len - start;
	rm_buf_reset(b);
}

static const uint64_t USER = UINT64_MAX - 1;
static const uint64_t MBOX = UINT64_MAX;

static void setup(struct meta_txn *t, struct rm_buf *b)
{
	size_t s = log_rec_begin(b, LOG_T_USER_CREATE);
	log_rec_put_u64(b, USER);
	log_rec_put_name(b, "edge", 4);
	apply(t, b, s);
	s = log_rec_begin(b, LOG_T_MBOX_CREATE);
	log_rec_put_u64(b, USER);
	log_rec_put_u64(b, MBOX);
	log_rec_put_u32(b, UINT32_MAX);
	log_rec_put_u32(b, 0);
	log_rec_put_name(b, "INBOX", 5);
	apply(t, b, s);
	/* A neighbouring mailbox id whose keys must not mix in. */
	s = log_rec_begin(b, LOG_T_MBOX_CREATE);
	log_rec_put_u64(b, USER);
	log_rec_put_u64(b, MBOX - 1);
	log_rec_put_u32(b, 1);
	log_rec_put_u32(b, 0);
	log_rec_put_name(b, "Other", 5);
	apply(t, b, s);
	s = log_rec_begin(b, LOG_T_BLOB);
	rm_buf_append(b, "x", 1);
	apply(t, b, s);
}

/* UIDs whose little-endian order differs from numeric order. */
static const uint32_t uids[] = { 256, 1, UINT32_MAX, 65536, 255, 0x80000000u, 65535, 0x01000000u };
static const uint64_t modseqs[] = { 1ull << 32, 2, (uint64_t)INT64_MAX, 255, 256, 1ull << 56,
				    (1ull << 32) - 1, 3 };

static void add_messages(struct meta_txn *t, struct rm_buf *b, uint64_t mailbox, uint64_t blob)
{
	size_t s = log_rec_msg_begin(b, LOG_T_MSG_ADD, USER, mailbox);
	for (size_t i = 0; i < RM_ARRAY_LEN(uids); i++) {
		struct log_entry e = { .uid = uids[i], .modseq = modseqs[i], .blob_lsn = blob,
				       .size_bytes = 1 };
		log_rec_msg_entry(b, s, &e, NULL);
	}
	apply(t, b, s);
}

static void check_orders(struct meta_txn *t)
{
	struct meta_iter *it;
	struct store_msg m;
	uint64_t prev = 0;
	unsigned n = 0;
	CHECK_OK(meta_iter_msgs(t, MBOX, 0, &it));
	while (meta_iter_msg(it, &m) == 1) {
		CHECK(n == 0 || m.uid > prev);
		CHECK(m.mailbox_id == MBOX);
		prev = m.uid;
		n++;
	}
	meta_iter_free(&it);
	CHECK(n == RM_ARRAY_LEN(uids) && prev == UINT32_MAX);
	/* From a UID in the middle. */
	CHECK_OK(meta_iter_msgs(t, MBOX, 65536, &it));
	CHECK(meta_iter_msg(it, &m) == 1 && m.uid == 65536);
	meta_iter_free(&it);
	/* MODSEQ order, and "changed since" at the edges. */
	CHECK_OK(meta_iter_changed(t, MBOX, 0, &it));
	prev = 0;
	n = 0;
	while (meta_iter_msg(it, &m) == 1) {
		CHECK(m.modseq > prev);
		prev = m.modseq;
		n++;
	}
	meta_iter_free(&it);
	CHECK(n == RM_ARRAY_LEN(uids) && prev == (uint64_t)INT64_MAX);
	CHECK_OK(meta_iter_changed(t, MBOX, (uint64_t)INT64_MAX - 1, &it));
	CHECK(meta_iter_msg(it, &m) == 1 && m.uid == UINT32_MAX && meta_iter_msg(it, &m) == 0);
	meta_iter_free(&it);
	CHECK_OK(meta_iter_changed(t, MBOX, UINT64_MAX, &it));
	CHECK(meta_iter_msg(it, &m) == 0);
	meta_iter_free(&it);
	struct store_mailbox mb;
	CHECK_OK(meta_mailbox_by_id(t, MBOX, &mb));
	CHECK(mb.uidnext == (uint64_t)UINT32_MAX + 1 && mb.highestmodseq == (uint64_t)INT64_MAX);
	CHECK(mb.messages == RM_ARRAY_LEN(uids) && mb.uidvalidity == UINT32_MAX);
}

int main(void)
{
	rm_log_threshold = RM_LOG_CRIT;
	char dir[] = "/tmp/rmmeta.XXXXXX";
	CHECK(mkdtemp(dir));
	struct meta *m;
	CHECK_OK(meta_open(dir, 1ull << 30, &m));
	struct meta_txn *t;
	struct rm_buf b = {0};
	CHECK_OK(meta_txn_begin(m, true, &t));
	setup(t, &b);
	add_messages(t, &b, MBOX, 4);
	add_messages(t, &b, MBOX - 1, 4);
	check_orders(t);
	CHECK_OK(meta_txn_commit(&t));
	/* The same in a read transaction after commit. */
	CHECK_OK(meta_txn_begin(m, false, &t));
	check_orders(t);
	CHECK(meta_applied_lsn(t) == lsn);
	struct meta_counters c;
	CHECK_OK(meta_counters_get(t, &c));
	CHECK(c.mailbox_id == MBOX && c.user_id == USER && c.modseq == (uint64_t)INT64_MAX);
	struct meta_blob blob;
	CHECK_OK(meta_blob_get(t, 4, &blob));
	CHECK(blob.refs == 2 * RM_ARRAY_LEN(uids));
	meta_txn_abort(&t);
	/* A record at or below the applied LSN changes nothing. */
	struct rm_buf before = {0}, after = {0};
	CHECK_OK(meta_txn_begin(m, true, &t));
	CHECK_OK(meta_dump(t, &before));
	size_t s = log_rec_msg_begin(&b, LOG_T_MSG_EXPUNGE, USER, MBOX);
	struct log_entry e = { .uid = 1, .modseq = 5 };
	log_rec_msg_entry(&b, s, &e, NULL);
	log_rec_seal(&b, s, lsn, 0);
	struct log_rec r;
	CHECK_OK(log_rec_decode((uint8_t *)b.data, b.len, &r));
	CHECK_OK(meta_apply(t, &r, &pos));
	CHECK_OK(meta_dump(t, &after));
	CHECK(before.len == after.len && memcmp(before.data, after.data, before.len) == 0);
	/* A record contradicting the index is refused (an expunge of a UID
	 * that does not exist), yet counted as applied. */
	rm_buf_reset(&b);
	s = log_rec_msg_begin(&b, LOG_T_MSG_EXPUNGE, USER, MBOX);
	e.uid = 77;
	log_rec_msg_entry(&b, s, &e, NULL);
	log_rec_seal(&b, s, lsn + 1, 0);
	CHECK_OK(log_rec_decode((uint8_t *)b.data, b.len, &r));
	CHECK(meta_apply(t, &r, &pos) == RM_ERR_CORRUPT);
	CHECK(meta_applied_lsn(t) == lsn + 1);
	meta_txn_abort(&t);
	rm_buf_free(&b);
	rm_buf_free(&before);
	rm_buf_free(&after);
	meta_close(&m);
	CHECK_OK(meta_remove(dir));
	CHECK(rmdir(dir) == 0);
	return 0;
}
