/*
 * test_datagen.c — benchmark message generator: size list parsing and
 * draws, determinism, sizes close to the target, well-formed RFC 5322/MIME
 * output (CRLF only, short lines, closed multiparts), planted needles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/datagen.h"

static int failures;
#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	failures++; } } while (0)

static char tmpdir[] = "/tmp/test_datagen_XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_sizes_csv(void)
{
	struct datagen_sizes *s = NULL;
	/* the size column found by name, wherever it stands; bad rows skipped */
	CHECK(datagen_sizes_load(write_file("a.csv", "mailbox,size,pos\nx,100,0\ny,abc,1\n"
					    "z,5000000,2\nw,7,3\n"), &s) == RM_OK);
	CHECK(s && s->count == 3 && s->sizes_bytes[0] == 100 && s->sizes_bytes[1] == 5000000 &&
	      s->sizes_bytes[2] == 7);
	uint64_t rng = 1;
	int seen_big = 0, seen_min = 0;
	for (int i = 0; i < 1000; i++) {
		uint32_t v = datagen_size_draw(s, &rng, 1u << 20);
		CHECK(v >= DATAGEN_MIN_BYTES && v <= (1u << 20));
		seen_big += v == (1u << 20);
		seen_min += v == DATAGEN_MIN_BYTES;
	}
	CHECK(seen_big > 200 && seen_min > 400); /* 1/3 clamped high, 2/3 low */
	datagen_sizes_free(&s);
	CHECK(s == NULL);
	datagen_sizes_free(&s); /* NULL is fine */
	CHECK(datagen_sizes_load(write_file("b.csv", "pos,bytes\n0,1\n"), &s) == RM_ERR_SYNTAX &&
	      s == NULL);
	CHECK(datagen_sizes_load(write_file("c.csv", "size\n"), &s) == RM_ERR_SYNTAX);
	CHECK(datagen_sizes_load("/nonexistent/sizes.csv", &s) == RM_ERR_IO && s == NULL);
	s = datagen_sizes_fixed(4096);
	CHECK(datagen_size_of(s, 1, 2, DATAGEN_MAX_BYTES) == 4096);
	datagen_sizes_free(&s);
}

/* Structure checks on one message; returns 0 when well formed. */
static int check_message(struct rm_buf *m)
{
	rm_buf_cstr(m); /* the string searches below need the NUL */
	size_t line = 0;
	for (size_t i = 0; i < m->len; i++) {
		if (m->data[i] == '\n' && (i == 0 || m->data[i - 1] != '\r'))
			return 1; /* bare LF */
		if (m->data[i] == '\r' && (i + 1 == m->len || m->data[i + 1] != '\n'))
			return 2; /* bare CR */
		if (m->data[i] == '\n')
			line = 0;
		else if (++line > 998)
			return 3; /* RFC 5322 2.1.1 */
	}
	const char *hdr_end = strstr(m->data, "\r\n\r\n");
	if (!hdr_end || !strstr(m->data, "\r\nMessage-ID: <") || !strstr(m->data, "\r\nDate: "))
		return 4;
	const char *b = strstr(m->data, "boundary=\"");
	while (b && b < hdr_end + 1000000) {
		char name[64], close[80];
		if (sscanf(b + 10, "%63[^\"]", name) != 1)
			return 5;
		snprintf(close, sizeof(close), "\r\n--%s--\r\n", name);
		if (!memmem(m->data, m->len, close, strlen(close)))
			return 6; /* multipart not closed */
		b = strstr(b + 10, "boundary=\"");
	}
	return 0;
}

static void test_messages(void)
{
	struct rm_buf a = {0}, b = {0};
	const size_t targets[] = {0, 1024, 1500, 3000, 8000, 16384, 20000, 100000, 1u << 20,
				  DATAGEN_MAX_BYTES};
	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		for (uint64_t idx = 0; idx < 40; idx++) {
			rm_buf_reset(&a);
			rm_buf_reset(&b);
			datagen_message(9, idx, targets[t], &a);
			datagen_message(9, idx, targets[t], &b);
			CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
			size_t want = targets[t] < DATAGEN_MIN_BYTES ? DATAGEN_MIN_BYTES : targets[t];
			size_t slack = want / 50 + 400;
			CHECK(a.len + slack >= want && a.len <= want + slack);
			int bad = check_message(&a);
			if (bad)
				fprintf(stderr, "message %llu of %zu bytes: defect %d\n",
					(unsigned long long)idx, targets[t], bad);
			CHECK(bad == 0);
			if (t > 6 && idx > 3)
				break; /* large ones: a few are enough */
		}
	}
	rm_buf_reset(&b);
	datagen_message(9, 1, 5000, &b);
	rm_buf_reset(&a);
	datagen_message(9, 2, 5000, &a);
	CHECK(a.len != b.len || memcmp(a.data, b.data, a.len) != 0);
	rm_buf_free(&a);
	rm_buf_free(&b);
}

static void test_needles_and_variety(void)
{
	struct rm_buf m = {0};
	unsigned rare_from = 0, multipart = 0, attach = 0, qp = 0, b64 = 0, rfc2047 = 0;
	const unsigned n = 4000;
	for (uint64_t i = 0; i < n; i++) {
		rm_buf_reset(&m);
		datagen_message(3, i, i % 3 ? 2000 : 40000, &m);
		rm_buf_cstr(&m);
		rare_from += strstr(m.data, "From: \"" DATAGEN_FROM_RARE " ") != NULL;
		multipart += strstr(m.data, "multipart/") != NULL;
		attach += strstr(m.data, "Content-Disposition: attachment") != NULL;
		qp += strstr(m.data, "quoted-printable") != NULL;
		b64 += strstr(m.data, "Transfer-Encoding: base64") != NULL;
		rfc2047 += strstr(m.data, "Subject: =?") != NULL;
		/* the sender needle never appears outside From/Return-Path */
		const char *p = strstr(m.data, DATAGEN_FROM_RARE);
		if (p && !strstr(m.data, "From: \"" DATAGEN_FROM_RARE " "))
			CHECK(!"needle outside the From header");
	}
	CHECK(rare_from > n / 100 && rare_from < n / 25);   /* about 1 in 50 */
	CHECK(multipart > n / 5 && attach > n / 10 && qp > n / 10 && b64 > n / 10);
	CHECK(rfc2047 > n / 5 && rfc2047 < n * 3 / 4);
	rm_buf_free(&m);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 77;
	test_sizes_csv();
	test_messages();
	test_needles_and_variety();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures ? 1 : 0;
}
