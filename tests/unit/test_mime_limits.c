/*
 * test_mime_limits.c — the MIME parser's bounds at N and N+1 (depth, parts,
 * header bytes, parameters, addresses, SORT field bytes), the cache blob's
 * own checks (corruption, version), part paths, and Date parsing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "index/mime.h"
#include "index/mime_date.h"
#include "tests/unit/test_mime_check.h"


static void parse(const struct rm_buf *msg, struct rm_buf *blob)
{
	rm_buf_reset(blob);
	enum rm_err err = mime_parse(msg->data, msg->len, blob);
	RM_ASSERT(err == RM_OK);
}

static uint32_t part_count(const struct rm_buf *blob)
{
	uint32_t n = 0;
	CHECK(mime_cache_part_count(blob->data, blob->len, &n) == RM_OK, "part count");
	return n;
}

static size_t count_str(const char *s, size_t len, const char *needle)
{
	size_t n = 0, nl = strlen(needle);
	for (const char *p = s; (p = memmem(p, len - (size_t)(p - s), needle, nl)) != NULL; p += nl)
		n++;
	return n;
}

/* A multipart at depth 0..levels-1 each holding the next, and a text leaf at
 * depth `levels`. */
static void nested(struct rm_buf *m, unsigned levels)
{
	rm_buf_reset(m);
	rm_buf_puts(m, "Content-Type: multipart/mixed; boundary=b0\r\n\r\n");
	for (unsigned i = 1; i < levels; i++)
		rm_buf_printf(m, "--b%u\r\nContent-Type: multipart/mixed; boundary=b%u\r\n\r\n", i - 1, i);
	rm_buf_printf(m, "--b%u\r\nContent-Type: text/plain\r\n\r\nleaf\r\n", levels - 1);
	for (unsigned i = levels; i-- > 0;)
		rm_buf_printf(m, "--b%u--\r\n", i);
}

static void test_depth(void)
{
	struct rm_buf m = { 0 }, blob = { 0 };
	struct mime_part p;
	/* N: the leaf sits exactly at RM_MIME_DEPTH_MAX and exists. */
	nested(&m, RM_MIME_DEPTH_MAX);
	parse(&m, &blob);
	CHECK(part_count(&blob) == RM_MIME_DEPTH_MAX + 1, "depth N: %u parts", part_count(&blob));
	CHECK(mime_cache_part(blob.data, blob.len, RM_MIME_DEPTH_MAX, &p) == RM_OK &&
	      p.depth == RM_MIME_DEPTH_MAX && p.kind == MIME_KIND_LEAF && p.lines == 1,
	      "depth N: leaf");
	/* N+1: the multipart at depth RM_MIME_DEPTH_MAX is kept flat. */
	nested(&m, RM_MIME_DEPTH_MAX + 1);
	parse(&m, &blob);
	CHECK(part_count(&blob) == RM_MIME_DEPTH_MAX + 1, "depth N+1: %u parts", part_count(&blob));
	CHECK(mime_cache_part(blob.data, blob.len, RM_MIME_DEPTH_MAX, &p) == RM_OK &&
	      p.kind == MIME_KIND_MULTIPART && (p.flags & MIME_PART_F_NOT_EXPANDED),
	      "depth N+1: last multipart not expanded");
	rm_buf_free(&m);
	rm_buf_free(&blob);
}

static void many(struct rm_buf *m, unsigned parts)
{
	rm_buf_reset(m);
	rm_buf_puts(m, "Content-Type: multipart/mixed; boundary=m\r\n\r\n");
	for (unsigned i = 0; i < parts; i++)
		rm_buf_printf(m, "--m\r\n\r\n%u\r\n", i);
	rm_buf_puts(m, "--m--\r\n");
}

static void test_parts(void)
{
	struct rm_buf m = { 0 }, blob = { 0 };
	struct mime_part p;
	const char *bs;
	size_t len;
	/* N: root + (N-1) parts is exactly the budget; the last part is whole. */
	many(&m, RM_MIME_PARTS_MAX - 1);
	parse(&m, &blob);
	CHECK(part_count(&blob) == RM_MIME_PARTS_MAX, "parts N: %u", part_count(&blob));
	CHECK(mime_cache_part(blob.data, blob.len, RM_MIME_PARTS_MAX - 1, &p) == RM_OK &&
	      p.body_end - p.body_start == 4, "parts N: last part \"4998\"");
	/* N+1: one part more; it is not created, its bytes are epilogue. */
	many(&m, RM_MIME_PARTS_MAX);
	parse(&m, &blob);
	CHECK(part_count(&blob) == RM_MIME_PARTS_MAX, "parts N+1: %u", part_count(&blob));
	CHECK(mime_cache_body(blob.data, blob.len, false, &bs, &len) == RM_OK &&
	      count_str(bs, len, "\"TEXT\"") == RM_MIME_PARTS_MAX - 1, "parts N+1: BODY");
	CHECK(mime_cache_part(blob.data, blob.len, 0, &p) == RM_OK && p.body_end == m.len,
	      "parts N+1: the root still covers everything");
	rm_buf_free(&m);
	rm_buf_free(&blob);
}

/* A Subject field that starts at offset `at` of the header block. */
static void test_header_bytes(void)
{
	struct rm_buf m = { 0 }, blob = { 0 };
	const char *env;
	size_t len;
	for (int extra = 0; extra <= 1; extra++) {
		rm_buf_reset(&m);
		size_t filler = RM_MIME_HEADER_MAX_BYTES - 1 + (size_t)extra - strlen("X: \r\n");
		rm_buf_puts(&m, "X: ");
		for (size_t i = 0; i < filler; i++)
			rm_buf_putc(&m, 'a');
		rm_buf_puts(&m, "\r\nSubject: late\r\n\r\nbody\r\n");
		/* The Subject starts at offset MAX-1 (seen) or MAX (cut). */
		parse(&m, &blob);
		CHECK(mime_cache_envelope(blob.data, blob.len, &env, &len) == RM_OK, "envelope");
		bool seen = memmem(env, len, "\"late\"", 6) != NULL;
		CHECK(seen == (extra == 0), "header bytes %s: subject %s", extra ? "N+1" : "N",
		      seen ? "seen" : "not seen");
		size_t end;
		CHECK(mime_cache_header_end(blob.data, blob.len, &end) == RM_OK && end == m.len - 6,
		      "the header block still ends at its blank line");
	}
	rm_buf_free(&m);
	rm_buf_free(&blob);
}

static void test_params(void)
{
	struct rm_buf m = { 0 }, blob = { 0 };
	const char *bs;
	size_t len;
	for (unsigned n = RM_MIME_PARAMS_MAX; n <= RM_MIME_PARAMS_MAX + 1; n++) {
		rm_buf_reset(&m);
		rm_buf_puts(&m, "Content-Type: application/x-test");
		for (unsigned i = 0; i < n; i++)
			rm_buf_printf(&m, ";\r\n p%u=v%u", i, i);
		rm_buf_puts(&m, "\r\n\r\nx");
		parse(&m, &blob);
		CHECK(mime_cache_body(blob.data, blob.len, false, &bs, &len) == RM_OK, "body");
		CHECK(count_str(bs, len, "\" \"v") == RM_MIME_PARAMS_MAX, "params %u: %zu kept", n,
		      count_str(bs, len, "\" \"v"));
	}
	rm_buf_free(&m);
	rm_buf_free(&blob);
}

static void test_addresses(void)
{
	struct rm_buf m = { 0 }, blob = { 0 };
	const char *env;
	size_t len;
	for (unsigned n = RM_MIME_ADDRESSES_MAX; n <= RM_MIME_ADDRESSES_MAX + 1; n++) {
		rm_buf_reset(&m);
		rm_buf_puts(&m, "To: ");
		for (unsigned i = 0; i < n; i++)
			rm_buf_printf(&m, "%su%u@example.com", i ? ",\r\n " : "", i);
		rm_buf_puts(&m, "\r\n\r\n");
		parse(&m, &blob);
		CHECK(mime_cache_envelope(blob.data, blob.len, &env, &len) == RM_OK, "envelope");
		CHECK(count_str(env, len, "\"example.com\"") == RM_MIME_ADDRESSES_MAX,
		      "addresses %u: %zu rendered", n, count_str(env, len, "\"example.com\""));
	}
	rm_buf_free(&m);
	rm_buf_free(&blob);
}

static void test_sort_fields(void)
{
	struct rm_buf m = { 0 }, blob = { 0 };
	const char *v;
	size_t len;
	for (size_t n = RM_MIME_SORT_FIELD_MAX_BYTES; n <= RM_MIME_SORT_FIELD_MAX_BYTES + 1; n++) {
		rm_buf_reset(&m);
		rm_buf_puts(&m, "Subject: ");
		for (size_t i = 0; i < n; i++)
			rm_buf_putc(&m, (char)('a' + i % 26));
		rm_buf_puts(&m, "\r\nReferences:");
		for (unsigned i = 0; i < 100; i++)
			rm_buf_printf(&m, " <id%u@example.com>\r\n", i);
		rm_buf_puts(&m, "\r\n");
		parse(&m, &blob);
		CHECK(mime_cache_field(blob.data, blob.len, MIME_FIELD_SUBJECT, &v, &len) == RM_OK &&
		      len == RM_MIME_SORT_FIELD_MAX_BYTES && memcmp(v, m.data + 9, len) == 0,
		      "subject of %zu bytes kept as %zu", n, len);
	}
	/* References keeps its newest ids, from a '<'. */
	CHECK(mime_cache_field(blob.data, blob.len, MIME_FIELD_REFERENCES, &v, &len) == RM_OK &&
	      len <= RM_MIME_SORT_FIELD_MAX_BYTES && v[0] == '<' &&
	      len >= 18 && memcmp(v + len - 18, "<id99@example.com>", 18) == 0,
	      "references tail: %.*s", (int)RM_MIN(len, 60u), v);
	CHECK(mime_cache_field(blob.data, blob.len, MIME_FIELD_CC, &v, &len) == RM_ERR_NOTFOUND,
	      "absent field");
	CHECK(mime_cache_field(blob.data, blob.len, MIME_FIELD__COUNT, &v, &len) == RM_ERR_INVAL,
	      "bad field");
	rm_buf_free(&m);
	rm_buf_free(&blob);
}

static void test_blob_checks(void)
{
	static const char msg[] = "Subject: s\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
				  "--x\r\n\r\na\r\n--x\r\n\r\nb\r\n--x--\r\n";
	struct rm_buf blob = { 0 };
	const char *p;
	size_t len;
	struct mime_part part;
	RM_ASSERT(mime_parse(msg, sizeof(msg) - 1, &blob) == RM_OK);
	CHECK(mime_cache_envelope(blob.data, blob.len, &p, &len) == RM_OK, "intact");
	CHECK(mime_cache_envelope(blob.data, blob.len - 1, &p, &len) == RM_ERR_CORRUPT, "cut");
	CHECK(mime_cache_envelope(NULL, 0, &p, &len) == RM_ERR_CORRUPT, "empty");
	CHECK(mime_cache_part(blob.data, blob.len, 3, &part) == RM_ERR_NOTFOUND, "part 3");
	CHECK(mime_cache_part(blob.data, blob.len, 2, &part) == RM_OK && part.number == 2 &&
	      part.parent == 0, "part 2");
	blob.data[4]++;
	CHECK(mime_cache_body(blob.data, blob.len, true, &p, &len) == RM_ERR_UNSUPPORTED, "version");
	blob.data[4]--;
	blob.data[0] = 'X';
	CHECK(mime_cache_body(blob.data, blob.len, true, &p, &len) == RM_ERR_CORRUPT, "magic");
	blob.data[0] = 'R';
	/* A part's body end past the message end. */
	blob.data[12]--;
	CHECK(mime_cache_part(blob.data, blob.len, 0, &part) == RM_ERR_CORRUPT, "range");
	blob.data[12]++;
	/* mime_parse appends: an earlier blob in the buffer stays. */
	size_t first = blob.len;
	RM_ASSERT(mime_parse(msg, sizeof(msg) - 1, &blob) == RM_OK);
	CHECK(blob.len == 2 * first && memcmp(blob.data, blob.data + first, first) == 0, "append");
	rm_buf_free(&blob);
}

static void expect_path(const struct rm_buf *blob, uint32_t idx, const char *want)
{
	uint32_t path[8];
	size_t depth;
	char got[64] = "";
	CHECK(mime_cache_part_path(blob->data, blob->len, idx, path, 8, &depth) == RM_OK, "path");
	for (size_t i = 0; i < depth; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%u", i ? "." : "", path[i]);
	CHECK(strcmp(got, want) == 0, "part %u path \"%s\", want \"%s\"", idx, got, want);
}

static void test_paths(void)
{
	/* RFC 9051 §6.4.5.1's example shape: 3 is message/rfc822 holding a
	 * multipart, 4 a multipart holding an image and a message/rfc822. */
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=o\r\n\r\n"
		"--o\r\n\r\none\r\n"
		"--o\r\nContent-Type: application/octet-stream\r\n\r\ntwo\r\n"
		"--o\r\nContent-Type: message/rfc822\r\n\r\n"
		"Content-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\n\r\n3.1\r\n--i\r\n\r\n3.2\r\n--i--\r\n"
		"--o\r\nContent-Type: multipart/mixed; boundary=f\r\n\r\n"
		"--f\r\nContent-Type: image/gif\r\n\r\nGIF\r\n"
		"--f\r\nContent-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\n4.2.1\r\n--f--\r\n"
		"--o--\r\n";
	struct rm_buf blob = { 0 };
	RM_ASSERT(mime_parse(msg, sizeof(msg) - 1, &blob) == RM_OK);
	const char *const want[] = { "", "1", "2", "3", "3", "3.1", "3.2", "4", "4.1", "4.2", "4.2.1" };
	CHECK(part_count(&blob) == RM_ARRAY_LEN(want), "%u parts", part_count(&blob));
	for (uint32_t i = 0; i < RM_ARRAY_LEN(want) && i < part_count(&blob); i++)
		expect_path(&blob, i, want[i]);
	uint32_t path[1];
	size_t depth;
	CHECK(mime_cache_part_path(blob.data, blob.len, 10, path, 1, &depth) == RM_ERR_LIMIT, "cap");
	rm_buf_free(&blob);
}

static const struct {
	const char *s;
	bool ok;
	int64_t t;
} dates[] = {
	{ "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)", true, 837595405 },
	{ "17 Jul 96 02:23 PDT", true, 837595380 },
	{ "Thu, 13 Feb 1969 23:32:54 -0330", true, -27723426 },
	{ "Wed Jul 17 02:23:25 1996", true, 837570205 },
	{ "Mon, 1 Jan 2024 00:00:00 +0000", true, 1704067200 },
	{ "1 Jan 2024", true, 1704067200 },
	{ "Sat, 29 Feb 2020 12:00:00 GMT", true, 1582977600 },
	{ "Mon, 02-Sep-2002 07:30:37 -0400", true, 1030966237 },
	{ "Mon, 2 Sep 2002 07:30:37 EDT", true, 1030966237 },
	{ "Mon,  2 Sep 2002\r\n 07:30:37 +0530 (IST)", true, 1030932037 },
	{ "Mon, 2 Sep 2002 07:30:37", true, 1030951837 },
	{ "Mon, 2 Sep 2002 07:30:37 A", true, 1030951837 },
	{ "2 September 2002 07:30:37 +0000", true, 1030951837 },
	{ "31 Dec 49 23:59:59 +0000", true, 2524607999 },
	{ "1 Jan 50 00:00:00 +0000", true, -631152000 },
	{ "2 Sep 102 07:30:37 +0000", true, 1030951837 },
	{ "Fri, 29 Feb 2019 12:00:00 GMT", false, 0 },
	{ "Tue, 1 Jan 2002 24:00:00 +0000", false, 0 },
	{ "Tue, 1 Foo 2002 10:00:00 +0000", false, 0 },
	{ "garbage", false, 0 },
	{ "", false, 0 },
};

static void test_dates(void)
{
	for (size_t i = 0; i < RM_ARRAY_LEN(dates); i++) {
		int64_t t = 0;
		bool ok = mime_date_parse(dates[i].s, strlen(dates[i].s), &t);
		CHECK(ok == dates[i].ok && (!ok || t == dates[i].t), "date \"%s\": %d %lld", dates[i].s,
		      ok, (long long)t);
	}
	/* Through the blob: parsed, absent, unparsable. */
	struct rm_buf blob = { 0 };
	int64_t t = 0;
	static const char with[] = "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n";
	RM_ASSERT(mime_parse(with, sizeof(with) - 1, &blob) == RM_OK);
	CHECK(mime_cache_date(blob.data, blob.len, &t) == RM_OK && t == 1704067200, "blob date");
	rm_buf_reset(&blob);
	RM_ASSERT(mime_parse("Subject: x\r\n\r\n", 14, &blob) == RM_OK);
	CHECK(mime_cache_date(blob.data, blob.len, &t) == RM_OK && t == -1, "no date");
	rm_buf_reset(&blob);
	RM_ASSERT(mime_parse("Date: soon\r\n\r\n", 14, &blob) == RM_OK);
	CHECK(mime_cache_date(blob.data, blob.len, &t) == RM_OK && t == -1, "bad date");
	rm_buf_free(&blob);
}

int main(void)
{
	test_depth();
	test_parts();
	test_header_bytes();
	test_params();
	test_addresses();
	test_sort_fields();
	test_blob_checks();
	test_paths();
	test_dates();
	if (test_failures) {
		fprintf(stderr, "%d failures\n", test_failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
