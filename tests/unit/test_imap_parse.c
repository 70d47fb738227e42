/*
 * Unit tests for the IMAP framer, tokenizer, sequence sets and quoting:
 * table-driven, with adversarial input (unterminated literals, huge literal
 * sizes, deep nesting, NUL bytes, 8-bit in atoms) and limits at N and N+1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "common/limits.h"
#include "server/imap/frame.h"
#include "server/imap/parse.h"
#include "server/imap/quote.h"
#include "server/imap/seqset.h"


/* Feeds input in pieces of `step` bytes, accepting every literal, and
 * returns the result that ended framing plus the bytes consumed. */
static enum frame_result feed_all(struct imap_frame *fr, const char *in, size_t len, size_t step,
				  size_t max_line, size_t *consumed_r)
{
	size_t pos = 0;
	enum frame_result r = FRAME_MORE;
	while (pos < len) {
		size_t n = step < len - pos ? step : len - pos;
		size_t used = 0;
		r = frame_feed(fr, in + pos, n, max_line, &used);
		pos += used;
		if (r == FRAME_LITERAL) {
			frame_literal_accept(fr, NULL, NULL);
			continue;
		}
		if (r != FRAME_MORE)
			break;
	}
	*consumed_r = pos;
	return r;
}

static void test_frame_basic(void)
{
	static const struct {
		const char *in;
		size_t step;
		enum frame_result want;
		const char *text;     /* expected text when COMMAND */
		unsigned lits;
	} cases[] = {
		{ "a NOOP\r\n", 100, FRAME_COMMAND, "a NOOP", 0 },
		{ "a NOOP\n", 100, FRAME_COMMAND, "a NOOP", 0 },
		{ "a NOOP\r\n", 1, FRAME_COMMAND, "a NOOP", 0 },
		{ "a NOOP", 100, FRAME_MORE, NULL, 0 },
		/* Literal bytes live in lits[], not in text. */
		{ "a LOGIN {3}\r\nbob {4+}\r\npass\r\n", 100, FRAME_COMMAND,
		  "a LOGIN {3}\r\n {4+}\r\n", 2 },
		{ "a LOGIN {3}\r\nbob {4+}\r\npass\r\n", 1, FRAME_COMMAND,
		  "a LOGIN {3}\r\n {4+}\r\n", 2 },
		{ "a X {0}\r\n\r\n", 3, FRAME_COMMAND, "a X {0}\r\n", 1 },
		{ "a APPEND x ~{2}\r\n\0\0\r\n", 100, FRAME_COMMAND, "a APPEND x ~{2}\r\n", 1 },
		/* Unterminated literal: waits for more, never completes. */
		{ "a X {10}\r\nabc", 100, FRAME_MORE, NULL, 1 },
		/* "{" not at line end is just text. */
		{ "a X {3} y\r\n", 100, FRAME_COMMAND, "a X {3} y", 0 },
		{ "a X {}\r\n", 100, FRAME_COMMAND, "a X {}", 0 },
		{ "a X {+}\r\n", 100, FRAME_COMMAND, "a X {+}", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct imap_frame fr;
		frame_init(&fr);
		size_t len = strlen(cases[i].in);
		if (strstr(cases[i].in, "~{2}"))
			len += 4; /* the two NULs and CRLF after them */
		size_t used;
		enum frame_result r = feed_all(&fr, cases[i].in, len, cases[i].step, 1000, &used);
		CHECK(r == cases[i].want, "case %zu: result %d want %d", i, r, cases[i].want);
		if (r == FRAME_COMMAND && cases[i].text) {
			CHECK(fr.text.len == strlen(cases[i].text) &&
			      memcmp(fr.text.data, cases[i].text, fr.text.len) == 0,
			      "case %zu: text '%.*s'", i, (int)fr.text.len, fr.text.data);
			CHECK(used == len, "case %zu: used %zu of %zu", i, used, len);
		}
		CHECK(fr.nlits == cases[i].lits, "case %zu: %u literals", i, fr.nlits);
		frame_fini(&fr);
	}
}

static void test_frame_literal_content(void)
{
	struct imap_frame fr;
	frame_init(&fr);
	const char in[] = "t APPEND INBOX {5}\r\nab\0de\r\n";
	size_t used;
	enum frame_result r = feed_all(&fr, in, sizeof(in) - 1, 2, 1000, &used);
	CHECK(r == FRAME_COMMAND, "result %d", r);
	CHECK(fr.nlits == 1 && fr.lits[0].len == 5 && memcmp(fr.lits[0].data, "ab\0de", 5) == 0,
	      "literal content");
	CHECK(fr.lits[0].has_nul, "NUL noticed");
	frame_fini(&fr);
}

static void test_frame_huge_literal(void)
{
	/* Sizes past 2^64 saturate and are reported for rejection, never
	 * allocated. */
	const char *in[] = { "a X {99999999999999999999999}\r\n", "a X {18446744073709551615}\r\n" };
	for (size_t i = 0; i < 2; i++) {
		struct imap_frame fr;
		frame_init(&fr);
		size_t used;
		enum frame_result r = frame_feed(&fr, in[i], strlen(in[i]), 1000, &used);
		CHECK(r == FRAME_LITERAL, "huge %zu: %d", i, r);
		CHECK(fr.pending_len == UINT64_MAX, "huge %zu: saturated %llu", i,
		      (unsigned long long)fr.pending_len);
		frame_literal_reject(&fr);
		frame_reset(&fr, false);
		/* A synchronizing literal rejected: the next line is a new
		 * command. */
		r = frame_feed(&fr, "b NOOP\r\n", 8, 1000, &used);
		CHECK(r == FRAME_COMMAND, "after reject %zu: %d", i, r);
		frame_fini(&fr);
	}
}

static void test_frame_reject_nonsync(void)
{
	struct imap_frame fr;
	frame_init(&fr);
	size_t used;
	const char in[] = "a X {5+}\r\n";
	enum frame_result r = frame_feed(&fr, in, sizeof(in) - 1, 1000, &used);
	CHECK(r == FRAME_LITERAL && fr.pending_nonsync, "nonsync marker");
	frame_literal_reject(&fr);
	frame_reset(&fr, false);
	/* The 5 literal bytes and the rest of that command are skipped. */
	const char rest[] = "hello more args\r\nb NOOP\r\n";
	r = feed_all(&fr, rest, sizeof(rest) - 1, 3, 1000, &used);
	CHECK(r == FRAME_DISCARDED, "discarded end: %d", r);
	frame_reset(&fr, false);
	r = frame_feed(&fr, rest + used, sizeof(rest) - 1 - used, 1000, &used);
	CHECK(r == FRAME_COMMAND && fr.text.len == 6 && memcmp(fr.text.data, "b NOOP", 6) == 0,
	      "next command after skip: %d", r);
	frame_fini(&fr);
}

static void test_frame_line_limit(void)
{
	/* Exactly max_line bytes of text plus CRLF is fine; one more is not. */
	size_t max = 64;
	char ok[128], bad[128];
	memset(ok, 'x', sizeof(ok));
	memcpy(ok, "a ", 2);
	memcpy(ok + max, "\r\n", 2);
	memset(bad, 'x', sizeof(bad));
	memcpy(bad, "a ", 2);
	memcpy(bad + max + 1, "\r\n", 2);
	struct imap_frame fr;
	frame_init(&fr);
	size_t used;
	enum frame_result r = frame_feed(&fr, ok, max + 2, max, &used);
	CHECK(r == FRAME_COMMAND && fr.text.len == max, "line at limit: %d", r);
	frame_reset(&fr, false);
	r = frame_feed(&fr, bad, max + 3, max, &used);
	CHECK(r == FRAME_LINE_TOO_LONG, "line over limit: %d", r);
	frame_reset(&fr, false);
	/* Without the CRLF in sight: report once, then skip to the CRLF. */
	char head[200];
	memset(head, 'x', sizeof(head));
	memcpy(head, "t ", 2);
	enum frame_result first = FRAME_MORE;
	for (size_t pos = 0; pos < sizeof(head) && first == FRAME_MORE; pos += 10)
		first = frame_feed(&fr, head + pos, 10, max, &used);
	CHECK(first == FRAME_LINE_TOO_LONG, "long partial: %d", first);
	frame_reset(&fr, false);
	const char tail[] = "yyyy\r\nb NOOP\r\n";
	r = frame_feed(&fr, tail, sizeof(tail) - 1, max, &used);
	CHECK(r == FRAME_DISCARDED && used == 6, "rest of long line discarded: %d", r);
	frame_reset(&fr, false);
	size_t pos = used;
	r = frame_feed(&fr, tail + pos, sizeof(tail) - 1 - pos, max, &used);
	CHECK(r == FRAME_COMMAND && fr.text.len == 6, "next after long line: %d", r);
	frame_fini(&fr);
}

/* ---- tokenizer ---------------------------------------------------------- */

struct parsed {
	struct imap_frame fr;
	struct rm_arena arena;
	struct imap_parser p;
};

static void parse_setup(struct parsed *ps, const char *in, size_t len)
{
	frame_init(&ps->fr);
	rm_arena_init(&ps->arena, 1024);
	size_t used;
	enum frame_result r = feed_all(&ps->fr, in, len, 1000, RM_LINE_MAX_BYTES, &used);
	if (r != FRAME_COMMAND) {
		fprintf(stderr, "setup: framing failed for %s\n", in);
		exit(1);
	}
	imap_parser_init(&ps->p, ps->fr.text.data, ps->fr.text.len, ps->fr.lits, ps->fr.nlits,
			 &ps->arena);
}

static void parse_done(struct parsed *ps)
{
	frame_fini(&ps->fr);
	rm_arena_fini(&ps->arena);
}

static void test_tokens(void)
{
	struct parsed ps;
	const char in[] = "atom \"quo\\\"ted\\\\\" {3}\r\nlit NIL 42 ]x\r\n";
	parse_setup(&ps, in, sizeof(in) - 1);
	struct imap_str s;
	CHECK(imap_parse_atom(&ps.p, &s) && s.len == 4 && !memcmp(s.s, "atom", 4), "atom");
	CHECK(imap_parse_sp(&ps.p), "sp");
	CHECK(imap_parse_astring(&ps.p, &s) && s.kind == IMAP_STR_QUOTED && s.len == 8 &&
	      !memcmp(s.s, "quo\"ted\\", 8), "quoted unescaped: %.*s", (int)s.len, s.s);
	CHECK(imap_parse_sp(&ps.p), "sp");
	CHECK(imap_parse_astring(&ps.p, &s) && s.kind == IMAP_STR_LITERAL && s.len == 3 &&
	      !memcmp(s.s, "lit", 3), "literal");
	CHECK(imap_parse_sp(&ps.p), "sp");
	CHECK(imap_parse_nstring(&ps.p, &s) && s.kind == IMAP_STR_NIL, "NIL");
	uint32_t n;
	CHECK(imap_parse_sp(&ps.p) && imap_parse_number(&ps.p, &n) && n == 42, "number");
	CHECK(imap_parse_sp(&ps.p), "sp");
	/* "]" is an ASTRING-CHAR but not an ATOM-CHAR. */
	CHECK(imap_parse_astring(&ps.p, &s) && s.len == 2, "astring with ]");
	CHECK(imap_parse_eol(&ps.p), "eol");
	parse_done(&ps);
}

static void test_token_errors(void)
{
	static const struct {
		const char *in;
		const char *what;
	} cases[] = {
		{ "\"unterminated\r\n", "unterminated quoted" },
		{ "\"bad\\escape\"\r\n", "bad escape" },
		{ "at\xc3\xa9m\r\n", "8-bit in atom" },
		{ "\xc3\xa9\r\n", "8-bit atom start" },
		{ "(x\r\n", "atom with paren" },
		{ "\r\n", "empty" },
		{ "%\r\n", "wildcard not an atom" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parsed ps;
		parse_setup(&ps, cases[i].in, strlen(cases[i].in));
		struct imap_str s;
		bool ok = imap_parse_astring(&ps.p, &s) && imap_parse_eol(&ps.p);
		CHECK(!ok && ps.p.error != NULL, "%s should fail", cases[i].what);
		parse_done(&ps);
	}
}

static void test_numbers(void)
{
	static const struct {
		const char *in;
		bool ok32;
		bool ok64;
	} cases[] = {
		{ "0", true, true },
		{ "4294967295", true, true },
		{ "4294967296", false, true },
		{ "9223372036854775807", false, true },
		{ "9223372036854775808", false, false },
		{ "99999999999999999999999", false, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[64];
		snprintf(line, sizeof(line), "%s\r\n", cases[i].in);
		struct parsed ps;
		parse_setup(&ps, line, strlen(line));
		uint32_t v32;
		CHECK(imap_parse_number(&ps.p, &v32) == cases[i].ok32, "number32 %s", cases[i].in);
		parse_done(&ps);
		parse_setup(&ps, line, strlen(line));
		uint64_t v64;
		CHECK(imap_parse_number64(&ps.p, &v64) == cases[i].ok64, "number64 %s", cases[i].in);
		parse_done(&ps);
	}
}

static void test_nesting(void)
{
	char buf[256];
	for (unsigned depth = RM_NEST_MAX; depth <= RM_NEST_MAX + 1; depth++) {
		size_t o = 0;
		for (unsigned i = 0; i < depth; i++)
			buf[o++] = '(';
		for (unsigned i = 0; i < depth; i++)
			buf[o++] = ')';
		memcpy(buf + o, "\r\n", 3);
		struct parsed ps;
		parse_setup(&ps, buf, o + 2);
		bool ok = true;
		for (unsigned i = 0; i < depth && ok; i++)
			ok = imap_parse_lparen(&ps.p);
		for (unsigned i = 0; i < depth && ok; i++)
			ok = imap_parse_rparen(&ps.p);
		CHECK(ok == (depth <= RM_NEST_MAX), "nesting %u: ok=%d", depth, ok);
		parse_done(&ps);
	}
}

static void test_nul_in_literal_flag(void)
{
	struct parsed ps;
	const char in[] = "{3}\r\na\0b\r\n";
	parse_setup(&ps, in, sizeof(in) - 1);
	struct imap_str s;
	CHECK(imap_parse_astring(&ps.p, &s) && s.lit && s.lit->has_nul, "NUL flagged");
	parse_done(&ps);
}

/* ---- sequence sets ------------------------------------------------------ */

static void test_seqset(void)
{
	static const struct {
		const char *in;
		uint32_t star;
		const char *resolved;
		uint64_t count;
	} cases[] = {
		{ "1", 10, "1", 1 },
		{ "1:*", 10, "1:10", 10 },
		{ "*:1", 10, "1:10", 10 },
		{ "5:3,1,2", 10, "1:5", 5 },
		{ "7,3:4,9:*", 8, "3:4,7:9", 5 },
		{ "1:*", 0, "", 0 },
		{ "*", 0, "", 0 },
		{ "1,1,1", 5, "1", 1 },
		{ "4294967294:4294967295", 4294967295u, "4294967294:4294967295", 2 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[64];
		snprintf(line, sizeof(line), "%s\r\n", cases[i].in);
		struct parsed ps;
		parse_setup(&ps, line, strlen(line));
		struct seqset set;
		CHECK(seqset_parse(&ps.p, false, &set), "parse %s", cases[i].in);
		seqset_resolve(&set, cases[i].star);
		struct rm_buf out = { 0 };
		seqset_write(&set, &out);
		rm_buf_cstr(&out);
		CHECK(strcmp(out.data, cases[i].resolved) == 0, "%s resolved to '%s'", cases[i].in,
		      out.data);
		CHECK(seqset_count(&set) == cases[i].count, "%s count", cases[i].in);
		rm_buf_free(&out);
		parse_done(&ps);
	}
	static const char *bad[] = { "0", "1:0", ",1", "1,", "a", "1::2", "$" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[64];
		snprintf(line, sizeof(line), "%s\r\n", bad[i]);
		struct parsed ps;
		parse_setup(&ps, line, strlen(line));
		struct seqset set;
		bool ok = seqset_parse(&ps.p, false, &set) && imap_parse_eol(&ps.p);
		CHECK(!ok, "bad set %s accepted", bad[i]);
		parse_done(&ps);
	}
}

static void test_seqset_limit(void)
{
	/* RM_SEQSET_MAX_RANGES ranges parse; one more does not. */
	for (unsigned n = RM_SEQSET_MAX_RANGES; n <= RM_SEQSET_MAX_RANGES + 1; n++) {
		struct rm_buf line = { 0 };
		for (unsigned i = 0; i < n; i++) {
			if (i)
				rm_buf_putc(&line, ',');
			rm_buf_put_u64(&line, (uint64_t)i * 2 + 1);
		}
		rm_buf_append(&line, "\r\n", 2);
		struct imap_frame fr;
		frame_init(&fr);
		size_t used;
		/* The line is longer than RM_LINE_MAX_BYTES: frame it with a
		 * larger bound, this test is about the set. */
		enum frame_result r = frame_feed(&fr, line.data, line.len, line.len, &used);
		CHECK(r == FRAME_COMMAND, "frame big set");
		struct rm_arena arena;
		rm_arena_init(&arena, 4096);
		struct imap_parser p;
		imap_parser_init(&p, fr.text.data, fr.text.len, NULL, 0, &arena);
		struct seqset set;
		bool ok = seqset_parse(&p, false, &set);
		CHECK(ok == (n <= RM_SEQSET_MAX_RANGES), "%u ranges: ok=%d", n, ok);
		rm_arena_fini(&arena);
		frame_fini(&fr);
		rm_buf_free(&line);
	}
}

/* ---- quoting ------------------------------------------------------------ */

static void test_quote(void)
{
	static const struct {
		const char *in;
		size_t len;
		bool utf8;
		const char *astring;
	} cases[] = {
		{ "INBOX", 5, false, "INBOX" },
		{ "a b", 3, false, "\"a b\"" },
		{ "q\"s\\", 4, false, "\"q\\\"s\\\\\"" },
		{ "", 0, false, "\"\"" },
		{ "NIL", 3, false, "\"NIL\"" },
		{ "caf\xc3\xa9", 5, false, "{5}\r\ncaf\xc3\xa9" },
		{ "caf\xc3\xa9", 5, true, "\"caf\xc3\xa9\"" },
		{ "a\r\nb", 4, true, "{4}\r\na\r\nb" },
		{ "x]", 2, false, "x]" },
		{ "50%", 3, false, "\"50%\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rm_buf out = { 0 };
		imap_write_astring(&out, cases[i].in, cases[i].len, cases[i].utf8);
		rm_buf_cstr(&out);
		CHECK(strcmp(out.data, cases[i].astring) == 0, "astring %zu: got '%s'", i, out.data);
		rm_buf_free(&out);
	}
	struct rm_buf out = { 0 };
	imap_write_nstring(&out, NULL, 0, false);
	rm_buf_cstr(&out);
	CHECK(strcmp(out.data, "NIL") == 0, "nstring NIL");
	rm_buf_free(&out);
}

int main(void)
{
	test_frame_basic();
	test_frame_literal_content();
	test_frame_huge_literal();
	test_frame_reject_nonsync();
	test_frame_line_limit();
	test_tokens();
	test_token_errors();
	test_numbers();
	test_nesting();
	test_nul_in_literal_flag();
	test_seqset();
	test_seqset_limit();
	test_quote();
	return unit_done();
}
