/* Log records and segment scanning: encode/decode of every record type,
 * checksum failures detected at every byte, payload structure checks, a
 * corrupt record in the middle skipped and reported at its offset, a torn or
 * damaged last batch cut at its start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "storage/log_record.h"
#include "storage/log_scan.h"
#include "storage/log_segment.h"

#define CHECK(c) \
	do { if (!(c)) { fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)

static uint64_t next_lsn = 1;

/* Appends one record of each type to b; returns the number appended. */
static unsigned build_all(struct rm_buf *b, uint16_t last_flags)
{
	size_t s;
	unsigned n = 0;
	s = log_rec_begin(b, LOG_T_USER_CREATE);
	log_rec_put_u64(b, 7);
	log_rec_put_name(b, "bob@example.org", 15);
	log_rec_seal(b, s, next_lsn++, 0), n++;
	s = log_rec_begin(b, LOG_T_MBOX_CREATE);
	log_rec_put_u64(b, 7);
	log_rec_put_u64(b, UINT64_MAX);
	log_rec_put_u32(b, 1700000000);
	log_rec_put_u32(b, 0x20);
	log_rec_put_name(b, "Sent", 4);
	log_rec_seal(b, s, next_lsn++, 0), n++;
	s = log_rec_begin(b, LOG_T_BLOB);
	rm_buf_append(b, "Subject: x\r\n\r\nhello\r\n", 21);
	log_rec_seal(b, s, next_lsn++, 0), n++;
	s = log_rec_msg_begin(b, LOG_T_MSG_ADD, 7, UINT64_MAX);
	uint16_t kw[] = { 0, 5, 4095 };
	struct log_entry e = { .uid = UINT32_MAX, .flags = 3, .modseq = LOG_MODSEQ_MAX,
			       .internal_date_s = -5, .save_date_s = INT64_MAX, .blob_lsn = 3,
			       .size_bytes = 21, .nkw = 3 };
	log_rec_msg_entry(b, s, &e, kw);
	e.uid = 1;
	e.nkw = 0;
	log_rec_msg_entry(b, s, &e, NULL);
	log_rec_seal(b, s, next_lsn++, 0), n++;
	s = log_rec_msg_begin(b, LOG_T_MSG_FLAGS, 7, UINT64_MAX);
	e = (struct log_entry){ .uid = 9, .flags = 1, .modseq = 12, .nkw = 1 };
	log_rec_msg_entry(b, s, &e, kw + 1);
	log_rec_seal(b, s, next_lsn++, 0), n++;
	s = log_rec_msg_begin(b, LOG_T_MSG_EXPUNGE, 7, UINT64_MAX);
	e = (struct log_entry){ .uid = 9, .modseq = 13 };
	log_rec_msg_entry(b, s, &e, NULL);
	log_rec_seal(b, s, next_lsn++, 0), n++;
	s = log_rec_begin(b, LOG_T_SUBSCRIBE);
	log_rec_put_u64(b, 7);
	rm_buf_putc(b, 1);
	log_rec_put_name(b, "Nowhere", 7);
	log_rec_seal(b, s, next_lsn++, 0), n++;
	s = log_rec_begin(b, LOG_T_KEYWORD);
	log_rec_put_u64(b, 7);
	log_rec_put_u16(b, 4095);
	log_rec_put_name(b, "$Junk", 5);
	log_rec_seal(b, s, next_lsn++, 0), n++;
	s = log_rec_begin(b, LOG_T_MBOX_RENAME);
	log_rec_put_u64(b, 7);
	log_rec_put_u64(b, 1);
	log_rec_put_name(b, "Old", 3);
	log_rec_seal(b, s, next_lsn++, 0), n++;
	s = log_rec_begin(b, LOG_T_MBOX_DELETE);
	log_rec_put_u64(b, 7);
	log_rec_put_u64(b, 1);
	log_rec_seal(b, s, next_lsn++, 0), n++;
	s = log_rec_begin(b, LOG_T_USER_DELETE);
	log_rec_put_u64(b, 7);
	uint64_t h = log_rec_seal(b, s, next_lsn++, 0);
	n++;
	if (last_flags)
		log_rec_set_flags((uint8_t *)b->data + s, last_flags, h);
	return n;
}

static void test_roundtrip(void)
{
	struct rm_buf b = {0};
	next_lsn = 1;
	unsigned n = build_all(&b, LOG_F_BATCH_END);
	size_t off = 0;
	struct log_rec r;
	for (unsigned i = 0; i < n; i++) {
		CHECK(log_rec_decode((uint8_t *)b.data + off, b.len - off, &r) == RM_OK);
		CHECK(r.lsn == i + 1);
		if (r.type == LOG_T_MBOX_CREATE)
			CHECK(r.user_id == 7 && r.mailbox_id == UINT64_MAX && r.uidvalidity == 1700000000 &&
			      r.special_use == 0x20 && r.name_len == 4 && memcmp(r.name, "Sent", 4) == 0);
		if (r.type == LOG_T_MSG_ADD) {
			struct log_entry_iter it;
			struct log_entry e;
			log_entry_iter_init(&it, &r);
			CHECK(r.count == 2 && log_entry_next(&it, &e) == 1);
			CHECK(e.uid == UINT32_MAX && e.modseq == LOG_MODSEQ_MAX && e.internal_date_s == -5 &&
			      e.save_date_s == INT64_MAX && e.blob_lsn == 3 && e.nkw == 3 &&
			      log_entry_kw(&e, 2) == 4095);
			CHECK(log_entry_next(&it, &e) == 1 && e.uid == 1 && e.nkw == 0);
			CHECK(log_entry_next(&it, &e) == 0);
		}
		if (r.type == LOG_T_KEYWORD)
			CHECK(r.kw_id == 4095 && r.name_len == 5);
		CHECK((r.flags == LOG_F_BATCH_END) == (i + 1 == n));
		off += LOG_REC_HEADER_BYTES + r.len;
	}
	CHECK(off == b.len);
	/* Not enough bytes yet. */
	CHECK(log_rec_decode((uint8_t *)b.data, 10, &r) == RM_ERR_AGAIN);
	CHECK(log_rec_decode((uint8_t *)b.data, LOG_REC_HEADER_BYTES + 1, &r) == RM_ERR_AGAIN);
	rm_buf_free(&b);
}

/* Every single-bit flip anywhere in a record makes it fail to decode. */
static void test_bitflips(void)
{
	struct rm_buf b = {0};
	size_t s = log_rec_msg_begin(&b, LOG_T_MSG_FLAGS, 1, 2);
	uint16_t kw[] = { 3 };
	struct log_entry e = { .uid = 5, .flags = 1, .modseq = 9, .nkw = 1 };
	log_rec_msg_entry(&b, s, &e, kw);
	log_rec_seal(&b, s, 44, 0);
	struct log_rec r;
	CHECK(log_rec_decode((uint8_t *)b.data, b.len, &r) == RM_OK);
	for (size_t i = 0; i < b.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			b.data[i] ^= (char)(1 << bit);
			CHECK(log_rec_decode((uint8_t *)b.data, b.len, &r) != RM_OK);
			b.data[i] ^= (char)(1 << bit);
		}
	}
	rm_buf_free(&b);
}

/* Well-checksummed payloads that lie about their structure are refused. */
static void test_structure(void)
{
	struct rm_buf b = {0};
	struct log_rec r;
	/* Count says 2, one entry present. */
	size_t s = log_rec_msg_begin(&b, LOG_T_MSG_EXPUNGE, 1, 2);
	struct log_entry e = { .uid = 5, .modseq = 9 };
	log_rec_msg_entry(&b, s, &e, NULL);
	rm_le32_put((uint8_t *)b.data + s + LOG_REC_HEADER_BYTES + 16, 2);
	log_rec_seal(&b, s, 1, 0);
	CHECK(log_rec_decode((uint8_t *)b.data, b.len, &r) == RM_ERR_CORRUPT);
	/* A MODSEQ over 2^63-1 (RFC 7162 §7), UID 0, unsorted keywords. */
	rm_buf_reset(&b);
	s = log_rec_msg_begin(&b, LOG_T_MSG_EXPUNGE, 1, 2);
	rm_buf_append(&b, "\x05\0\0\0\0\0\0\0\0\0\0\x80", 12);
	rm_le32_put((uint8_t *)b.data + s + LOG_REC_HEADER_BYTES + 16, 1);
	log_rec_seal(&b, s, 1, 0);
	CHECK(log_rec_decode((uint8_t *)b.data, b.len, &r) == RM_ERR_CORRUPT);
	rm_buf_reset(&b);
	s = log_rec_msg_begin(&b, LOG_T_MSG_FLAGS, 1, 2);
	e = (struct log_entry){ .uid = 0, .modseq = 1 };
	log_rec_msg_entry(&b, s, &e, NULL);
	log_rec_seal(&b, s, 1, 0);
	CHECK(log_rec_decode((uint8_t *)b.data, b.len, &r) == RM_ERR_CORRUPT);
	rm_buf_reset(&b);
	s = log_rec_msg_begin(&b, LOG_T_MSG_FLAGS, 1, 2);
	log_rec_put_u32(&b, 1);
	log_rec_put_u32(&b, 0);
	log_rec_put_u64(&b, 1);
	log_rec_put_u16(&b, 2);
	log_rec_put_u16(&b, 9);
	log_rec_put_u16(&b, 3);
	rm_le32_put((uint8_t *)b.data + s + LOG_REC_HEADER_BYTES + 16, 1);
	log_rec_seal(&b, s, 1, 0);
	CHECK(log_rec_decode((uint8_t *)b.data, b.len, &r) == RM_ERR_CORRUPT);
	/* Trailing garbage after a user id. */
	rm_buf_reset(&b);
	s = log_rec_begin(&b, LOG_T_USER_DELETE);
	log_rec_put_u64(&b, 1);
	rm_buf_putc(&b, 0);
	log_rec_seal(&b, s, 1, 0);
	CHECK(log_rec_decode((uint8_t *)b.data, b.len, &r) == RM_ERR_CORRUPT);
	rm_buf_free(&b);
}

/* ---- scanning ------------------------------------------------------------------ */

struct seen {
	uint64_t lsns[256];
	unsigned n;
	uint64_t bad_off[8], bad_len[8];
	unsigned nbad;
};

static enum rm_err on_rec(void *arg, const struct log_rec *r, uint64_t off)
{
	struct seen *s = arg;
	s->lsns[s->n++] = r->lsn;
	return RM_OK;
}

static void on_bad(void *arg, uint64_t off, uint64_t len)
{
	struct seen *s = arg;
	s->bad_off[s->nbad] = off;
	s->bad_len[s->nbad++] = len;
}

/* A segment of three batches: build_all, then two more of build_all. */
static void build_segment(struct rm_buf *seg, size_t *batch_start)
{
	struct log_seg_header h = { 1, 0, 0, 1 };
	rm_buf_reset(seg);
	rm_buf_reserve(seg, LOG_SEG_HEADER_BYTES);
	log_seg_header_encode(&h, (uint8_t *)seg->data);
	seg->len = LOG_SEG_HEADER_BYTES;
	next_lsn = 1;
	for (int i = 0; i < 3; i++) {
		batch_start[i] = seg->len;
		build_all(seg, LOG_F_BATCH_END);
	}
	batch_start[3] = seg->len;
}

static void test_scan_middle_corruption(void)
{
	struct rm_buf seg = {0};
	size_t bs[4];
	build_segment(&seg, bs);
	struct seen s = {0};
	struct log_scan_ops ops = { on_rec, on_bad };
	struct log_scan_stats st;
	CHECK(log_scan((uint8_t *)seg.data, seg.len, 0, &ops, &s, &st) == RM_OK);
	CHECK(s.n == 33 && s.nbad == 0 && st.last_lsn == 33 && st.end == seg.len);
	CHECK(log_scan_tail((uint8_t *)seg.data, seg.len) == seg.len);
	/* Damage the payload of the 3rd record of batch 2 (the BLOB). */
	struct log_rec r;
	size_t off = bs[1];
	for (int i = 0; i < 2; i++) {
		CHECK(log_rec_decode((uint8_t *)seg.data + off, seg.len - off, &r) == RM_OK);
		off += LOG_REC_HEADER_BYTES + r.len;
	}
	CHECK(log_rec_decode((uint8_t *)seg.data + off, seg.len - off, &r) == RM_OK && r.type == LOG_T_BLOB);
	seg.data[off + LOG_REC_HEADER_BYTES + 3] ^= 0x40;
	memset(&s, 0, sizeof(s));
	CHECK(log_scan((uint8_t *)seg.data, seg.len, 0, &ops, &s, &st) == RM_OK);
	CHECK(s.n == 32 && s.nbad == 1 && s.bad_off[0] == off);
	CHECK(s.bad_len[0] == LOG_REC_HEADER_BYTES + r.len);
	for (unsigned i = 0; i < s.n; i++)
		CHECK(s.lsns[i] != r.lsn && (i == 0 || s.lsns[i] > s.lsns[i - 1]));
	/* The last batch is intact: nothing to cut. */
	CHECK(log_scan_tail((uint8_t *)seg.data, seg.len) == seg.len);
	/* Now a damaged length field in the header: the scanner searches for the
	 * next record and still finds every later one. */
	seg.data[off + LOG_REC_HEADER_BYTES + 3] ^= 0x40;
	seg.data[off + 9] ^= 0x7f;
	memset(&s, 0, sizeof(s));
	CHECK(log_scan((uint8_t *)seg.data, seg.len, 0, &ops, &s, &st) == RM_OK);
	CHECK(s.n == 32 && s.nbad == 1 && s.bad_off[0] == off);
	/* Records at or below after_lsn are checked but not delivered. */
	seg.data[off + 9] ^= 0x7f;
	memset(&s, 0, sizeof(s));
	CHECK(log_scan((uint8_t *)seg.data, seg.len, 30, &ops, &s, &st) == RM_OK);
	CHECK(s.n == 3 && s.lsns[0] == 31 && st.records == 33);
	rm_buf_free(&seg);
}

static void test_scan_torn_tail(void)
{
	struct rm_buf seg = {0};
	size_t bs[4];
	build_segment(&seg, bs);
	/* Cut anywhere inside the last batch: back to its start. */
	for (size_t cut = bs[2] + 1; cut < bs[3]; cut += 7)
		CHECK(log_scan_tail((uint8_t *)seg.data, cut) == bs[2]);
	/* Cut exactly at a batch boundary: nothing to do. */
	CHECK(log_scan_tail((uint8_t *)seg.data, bs[2]) == bs[2]);
	/* Zeros after the end (a file extended but never written). */
	rm_buf_reserve(&seg, 4096);
	memset(seg.data + seg.len, 0, 4096);
	CHECK(log_scan_tail((uint8_t *)seg.data, seg.len + 4096) == bs[3]);
	/* A page of the last batch never reached the disk, its end did: the
	 * batch was not acknowledged, cut it whole. */
	memset(seg.data + bs[2] + 40, 0, 30);
	CHECK(log_scan_tail((uint8_t *)seg.data, seg.len) == bs[2]);
	/* The same damage in batch 2 of 3 is middle corruption: no cut. */
	build_segment(&seg, bs);
	memset(seg.data + bs[1] + 40, 0, 30);
	CHECK(log_scan_tail((uint8_t *)seg.data, seg.len) == seg.len);
	/* An unterminated last batch (records without LOG_F_BATCH_END). */
	build_segment(&seg, bs);
	seg.len = bs[3];
	size_t s = log_rec_begin(&seg, LOG_T_USER_DELETE);
	log_rec_put_u64(&seg, 1);
	log_rec_seal(&seg, s, 100, 0);
	CHECK(log_scan_tail((uint8_t *)seg.data, seg.len) == bs[3]);
	/* An empty segment and one with only its header. */
	CHECK(log_scan_tail((uint8_t *)seg.data, LOG_SEG_HEADER_BYTES) == LOG_SEG_HEADER_BYTES);
	rm_buf_free(&seg);
}

static void test_segment_header(void)
{
	uint8_t hdr[LOG_SEG_HEADER_BYTES];
	struct log_seg_header h = { 0xfffffffe, 7, 63, UINT64_MAX }, g;
	log_seg_header_encode(&h, hdr);
	CHECK(log_seg_header_decode(hdr, &g) == RM_OK);
	CHECK(g.seg_no == h.seg_no && g.generation == 7 && g.partition == 63 && g.base_lsn == UINT64_MAX);
	hdr[17] ^= 1;
	CHECK(log_seg_header_decode(hdr, &g) == RM_ERR_CORRUPT);
	char path[64];
	log_seg_path(path, sizeof(path), "/d", 0x1a, true);
	CHECK(strcmp(path, "/d/0000001a.seg.tmp") == 0);
}

int main(void)
{
	test_roundtrip();
	test_bitflips();
	test_structure();
	test_scan_middle_corruption();
	test_scan_torn_tail();
	test_segment_header();
	return 0;
}
