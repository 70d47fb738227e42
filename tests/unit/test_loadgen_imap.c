/*
 * test_loadgen_imap.c — the load generator's IMAP response splitter:
 * responses with literals, continuations, tagged completion, split at every
 * byte boundary, and its bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/loadgen_imap.h"

static int failures;
#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
	failures++; } } while (0)

struct seen {
	enum lg_resp_type type;
	char head[LG_IMAP_HEAD_MAX + 1];
	size_t spaces;
	unsigned long long literal_bytes;
};

/* Feeds stream in pieces of `step` bytes the way the engine does (keeping
 * unconsumed bytes), collecting completed responses.  Returns their count or
 * -1 on a reader error. */
static int feed(const char *stream, size_t len, size_t step, struct seen *out, int max)
{
	struct lg_imap_reader r;
	memset(&r, 0, sizeof(r));
	char *buf = malloc(len + 1);
	size_t have = 0, off = 0, given = 0;
	int n = 0;
	while (given < len || off < have) {
		size_t take = given + step <= len ? step : len - given;
		memcpy(buf + have, stream + given, take);
		have += take;
		given += take;
		for (;;) {
			size_t used = 0;
			int rc = lg_imap_read(&r, buf + off, have - off, &used);
			off += used;
			if (rc < 0) {
				free(buf);
				return -1;
			}
			if (rc == 0)
				break;
			if (n < max) {
				out[n].type = r.type;
				memcpy(out[n].head, r.head, r.head_len + 1);
				out[n].spaces = r.spaces;
				out[n].literal_bytes = r.literal_bytes;
			}
			n++;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
		off = 0;
		if (take == 0)
			break;
	}
	free(buf);
	return n;
}

static const char stream[] =
	"* OK [CAPABILITY IMAP4rev1] ready\r\n"
	"+ go ahead\r\n"
	"* 3 FETCH (UID 9 BODY[] {11}\r\nhello\r\nworld FLAGS (\\Seen))\r\n"
	"* 4 FETCH (BODY[HEADER] {0}\r\n BODY[TEXT] ~{3}\r\n\r\n} RFC822.SIZE 3)\r\n"
	"* SEARCH 2 4 6\r\n"
	"* 12 EXISTS\r\n"
	"a17 OK [READ-WRITE] SELECT completed\r\n"
	"a18 NO [TRYCREATE] no such mailbox\n";

static void test_stream_every_split(void)
{
	size_t len = strlen(stream);
	for (size_t step = 1; step <= len; step++) {
		struct seen s[16];
		int n = feed(stream, len, step, s, 16);
		CHECK(n == 8);
		if (n != 8)
			return;
		CHECK(s[0].type == LG_RESP_UNTAGGED && strncmp(s[0].head, "* OK", 4) == 0);
		CHECK(s[1].type == LG_RESP_CONT);
		CHECK(s[2].type == LG_RESP_UNTAGGED && s[2].literal_bytes == 11);
		CHECK(strcmp(s[2].head, "* 3 FETCH (UID 9 BODY[] {11}") == 0);
		CHECK(s[3].literal_bytes == 3);
		CHECK(s[4].spaces == 4); /* "* SEARCH 2 4 6": 3 hits */
		CHECK(s[6].type == LG_RESP_TAGGED && strncmp(s[6].head, "a17 OK", 6) == 0);
		CHECK(s[7].type == LG_RESP_TAGGED && strcmp(s[7].head, "a18 NO [TRYCREATE] no such mailbox") == 0);
	}
}

static int read_one(struct lg_imap_reader *r, const char *line)
{
	size_t used;
	memset(r, 0, sizeof(*r));
	return lg_imap_read(r, line, strlen(line), &used);
}

static void test_helpers(void)
{
	struct lg_imap_reader r;
	uint32_t n = 0;
	CHECK(read_one(&r, "a5 OK done\r\n") == 1);
	CHECK(lg_imap_is_tagged(&r, "a5"));
	CHECK(!lg_imap_is_tagged(&r, "a"));
	CHECK(!lg_imap_is_tagged(&r, "a50"));
	CHECK(lg_imap_status_of(&r) == LG_IMAP_OK);
	CHECK(read_one(&r, "a6 bad what\r\n") == 1 && lg_imap_status_of(&r) == LG_IMAP_BAD);
	CHECK(read_one(&r, "* BYE logging out\r\n") == 1 && lg_imap_status_of(&r) == LG_IMAP_BYE);
	CHECK(read_one(&r, "* 4294967295 EXISTS\r\n") == 1);
	CHECK(lg_imap_untagged_num(&r, "EXISTS", &n) == 1 && n == 4294967295u);
	CHECK(read_one(&r, "* 4294967296 EXISTS\r\n") == 1);
	CHECK(lg_imap_untagged_num(&r, "EXISTS", &n) == 0);
	CHECK(read_one(&r, "* 7 FETCH (FLAGS ())\r\n") == 1);
	CHECK(lg_imap_untagged_num(&r, "FETCH", &n) == 1 && n == 7);
	CHECK(lg_imap_untagged_num(&r, "EXISTS", &n) == 0);
	CHECK(read_one(&r, "* 7 EXISTSX\r\n") == 1 && lg_imap_untagged_num(&r, "EXISTS", &n) == 0);
	CHECK(read_one(&r, "* OK still here\r\n") == 1 && lg_imap_untagged_num(&r, "OK", &n) == 0);
	/* "{5}" inside a line is not a literal; at the end it is */
	CHECK(read_one(&r, "* OK {5} x\r\n") == 1);
	CHECK(read_one(&r, "* 1 FETCH (BODY[] {5+}\r\n") == 0);
}

static void test_bounds(void)
{
	struct lg_imap_reader r;
	size_t used;
	/* a literal count past LG_IMAP_LITERAL_MAX_BYTES */
	CHECK(read_one(&r, "* 1 FETCH (BODY[] {99999999999999}\r\n") == -1);
	char ok[64];
	snprintf(ok, sizeof(ok), "* 1 FETCH (BODY[] {%llu}\r\n", LG_IMAP_LITERAL_MAX_BYTES);
	CHECK(read_one(&r, ok) == 0 && r.literal_left == LG_IMAP_LITERAL_MAX_BYTES);
	/* an unterminated line: more input wanted up to the bound, error past it */
	size_t n = LG_IMAP_LINE_MAX_BYTES + 1;
	char *big = malloc(n);
	memset(big, 'x', n);
	memset(&r, 0, sizeof(r));
	CHECK(lg_imap_read(&r, big, n - 1, &used) == 0 && used == 0);
	CHECK(lg_imap_read(&r, big, n, &used) == -1);
	free(big);
	/* head is cut at LG_IMAP_HEAD_MAX but spaces are counted over the line */
	size_t long_n = LG_IMAP_HEAD_MAX * 4;
	char *line = malloc(long_n + 3);
	for (size_t i = 0; i < long_n; i++)
		line[i] = i % 2 ? ' ' : '1';
	memcpy(line, "* SEARCH", 8);
	memcpy(line + long_n, "\r\n", 3);
	CHECK(read_one(&r, line) == 1 && r.head_len == LG_IMAP_HEAD_MAX && r.line_bytes == long_n);
	size_t spaces = 0;
	for (size_t i = 0; i < long_n; i++)
		spaces += line[i] == ' ';
	CHECK(r.spaces == spaces);
	free(line);
}

int main(void)
{
	test_stream_every_split();
	test_helpers();
	test_bounds();
	if (failures)
		fprintf(stderr, "%d checks failed\n", failures);
	return failures ? 1 : 0;
}
