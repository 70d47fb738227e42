/* SEARCH programs and IMAP dates: the tree each program parses into,
 * RETURN options, CHARSET, nesting limits, malformed programs. */
#include <stdio.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "common/limits.h"
#include "server/imap/imap_date.h"
#include "server/imap/search_parse.h"


/* Renders a tree back as a compact string: kinds by number, children in
 * brackets, so structure is compared exactly. */
static void render(const struct search_key *k, char *out, size_t cap)
{
	for (; k; k = k->next) {
		char tmp[64];
		snprintf(tmp, sizeof(tmp), "%d", (int)k->kind);
		strncat(out, tmp, cap - strlen(out) - 1);
		if (k->str) {
			strncat(out, "=", cap - strlen(out) - 1);
			strncat(out, k->str, cap - strlen(out) - 1);
		}
		if (k->header) {
			strncat(out, "@", cap - strlen(out) - 1);
			strncat(out, k->header, cap - strlen(out) - 1);
		}
		if (k->child) {
			strncat(out, "[", cap - strlen(out) - 1);
			render(k->child, out, cap);
			strncat(out, "]", cap - strlen(out) - 1);
		}
		if (k->next)
			strncat(out, ",", cap - strlen(out) - 1);
	}
}

static bool parse(const char *text, struct search_program *prog, struct rm_arena *a,
		  struct imap_parser *p)
{
	imap_parser_init(p, text, strlen(text), NULL, 0, a);
	return search_parse(p, true, prog);
}

static void test_programs(void)
{
	char want[256];
	static const struct {
		const char *in;
		const char *tree;
	} cases[] = {
		{ " ALL", "0" },
		{ " FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"", "%FLAGGED,%SINCE,%NOT[%HEADER=Smith@From]" },
		{ " OR SEEN (DELETED UNDRAFT)", "%OR[%SEEN,%AND[%DELETED,%UNDRAFT]]" },
		{ " 1:3,5 UID 7:*", "1,2" },
		{ " HEADER X-Foo bar BODY {3}", NULL },
		{ " TEXT hello", "%TEXT=hello" },
		{ " CHARSET UTF-8 SUBJECT caf", "%HEADER=caf@Subject" },
		{ " RETURN (MIN COUNT) UNSEEN", "%UNSEEN" },
		{ " RETURN () ALL", "0" },
		{ " KEYWORD $Junk LARGER 100", "%KEYWORD=$Junk,%LARGER" },
		{ " MODSEQ \"/flags/\\\\draft\" all 620162338", "%MODSEQ" },
		{ " $", "1" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rm_arena a;
		rm_arena_init(&a, 1024);
		struct imap_parser p;
		struct search_program prog;
		bool ok = parse(cases[i].in, &prog, &a, &p);
		if (!cases[i].tree) {
			/* The literal has no data (no framer): parse must fail
			 * cleanly, not crash. */
			CHECK(!ok, "%s: literal without data accepted", cases[i].in);
			rm_arena_fini(&a);
			continue;
		}
		CHECK(ok, "%s: %s", cases[i].in, p.error ? p.error : "");
		if (ok) {
			/* Expand %NAME to kind numbers. */
			char exp[256] = "";
			const char *s = cases[i].tree;
			static const struct { const char *n; int k; } names[] = {
				{ "FLAGGED", SK_FLAGGED }, { "SINCE", SK_SINCE }, { "NOT", SK_NOT },
				{ "HEADER", SK_HEADER }, { "OR", SK_OR }, { "SEEN", SK_SEEN },
				{ "AND", SK_AND }, { "DELETED", SK_DELETED }, { "UNDRAFT", SK_UNDRAFT },
				{ "TEXT", SK_TEXT }, { "UNSEEN", SK_UNSEEN }, { "KEYWORD", SK_KEYWORD },
				{ "LARGER", SK_LARGER }, { "MODSEQ", SK_MODSEQ },
			};
			while (*s) {
				if (*s == '%') {
					s++;
					size_t best = 0;
					int kind = -1;
					for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
						size_t l = strlen(names[k].n);
						if (!strncmp(s, names[k].n, l) && l > best) {
							best = l;
							kind = names[k].k;
						}
					}
					char tmp[16];
					snprintf(tmp, sizeof(tmp), "%d", kind);
					strcat(exp, tmp);
					s += best;
				} else {
					strncat(exp, s, 1);
					s++;
				}
			}
			want[0] = '\0';
			render(prog.keys, want, sizeof(want));
			CHECK(strcmp(want, exp) == 0, "%s: tree %s want %s", cases[i].in, want, exp);
		}
		rm_arena_fini(&a);
	}
}

static void test_program_details(void)
{
	struct rm_arena a;
	rm_arena_init(&a, 1024);
	struct imap_parser p;
	struct search_program prog;
	CHECK(parse(" RETURN (MIN MAX SAVE) CHARSET US-ASCII SEEN", &prog, &a, &p), "parse");
	CHECK(prog.esearch && prog.ret == (SR_MIN | SR_MAX | SR_SAVE), "return opts");
	CHECK(prog.charset && !strcmp(prog.charset, "US-ASCII"), "charset");
	CHECK(parse(" RETURN () SEEN", &prog, &a, &p) && prog.ret == SR_ALL, "RETURN () = ALL");
	CHECK(parse(" SINCE 1-Feb-1994", &prog, &a, &p) &&
	      prog.keys->date == imap_days_from_civil(1994, 2, 1) * 86400, "date value");
	CHECK(parse(" $ UID $", &prog, &a, &p) && prog.uses_dollar, "dollar");
	rm_arena_fini(&a);
}

static void test_errors(void)
{
	static const char *bad[] = {
		"", " ", " FOO", " FROM", " SINCE 32-Jan-2020", " SINCE 1-Foo-2020", " SINCE 1-Jan-20",
		" 29-Feb-2021", " OR SEEN", " NOT", " (SEEN", " SEEN)", " LARGER x", " UID",
		" RETURN (BOGUS) ALL", " RETURN ALL", " CHARSET", " HEADER a:b x",
		" SINCE 29-Feb-2021", " 0", " KEYWORD",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rm_arena a;
		rm_arena_init(&a, 1024);
		struct imap_parser p;
		struct search_program prog;
		CHECK(!parse(bad[i], &prog, &a, &p) && p.error, "'%s' accepted", bad[i]);
		rm_arena_fini(&a);
	}
	/* Nesting at the limit and one past it. */
	for (unsigned depth = RM_NEST_MAX; depth <= RM_NEST_MAX + 1; depth++) {
		char buf[512] = " ";
		for (unsigned i = 0; i < depth; i++)
			strcat(buf, "(");
		strcat(buf, "SEEN");
		for (unsigned i = 0; i < depth; i++)
			strcat(buf, ")");
		struct rm_arena a;
		rm_arena_init(&a, 1024);
		struct imap_parser p;
		struct search_program prog;
		bool ok = parse(buf, &prog, &a, &p);
		CHECK(ok == (depth <= RM_NEST_MAX), "depth %u ok=%d", depth, ok);
		rm_arena_fini(&a);
	}
	/* NOT NOT NOT ... deep recursion without parentheses is bounded by
	 * the key count, and a long chain parses. */
	struct rm_buf b = { 0 };
	for (int i = 0; i < 1000; i++)
		rm_buf_puts(&b, " NOT");
	rm_buf_puts(&b, " SEEN");
	struct rm_arena a;
	rm_arena_init(&a, 4096);
	struct imap_parser p;
	struct search_program prog;
	imap_parser_init(&p, b.data, b.len, NULL, 0, &a);
	CHECK(search_parse(&p, true, &prog), "NOT chain");
	rm_arena_fini(&a);
	rm_buf_free(&b);
}

static void test_dates(void)
{
	struct rm_arena a;
	rm_arena_init(&a, 1024);
	struct imap_parser p;
	const char *dt = "\"17-Jul-1996 02:44:25 -0700\"";
	imap_parser_init(&p, dt, strlen(dt), NULL, 0, &a);
	int64_t t;
	int zone;
	CHECK(imap_parse_datetime(&p, &t, &zone), "datetime");
	CHECK(t == 837596665 && zone == -420, "datetime value %lld zone %d", (long long)t, zone);
	struct rm_buf out = { 0 };
	imap_write_datetime(&out, t, zone);
	rm_buf_cstr(&out);
	CHECK(strcmp(out.data, dt) == 0, "round trip %s", out.data);
	rm_buf_reset(&out);
	const char *dt2 = "\" 1-Jan-2000 00:00:00 +0000\"";
	imap_parser_init(&p, dt2, strlen(dt2), NULL, 0, &a);
	CHECK(imap_parse_datetime(&p, &t, &zone) && t == 946684800, "fixed day");
	imap_write_datetime(&out, t, 0);
	rm_buf_cstr(&out);
	CHECK(strcmp(out.data, "\"01-Jan-2000 00:00:00 +0000\"") == 0, "write %s", out.data);
	static const char *bad[] = { "\"1-Jan-2000 00:00:00 +0000\"", "\"01-Jan-2000 24:00:00 +0000\"",
				     "\"01-Jan-2000 00:00:00 0000\"", "01-Jan-2000 00:00:00 +0000" };
	for (size_t i = 0; i < 4; i++) {
		imap_parser_init(&p, bad[i], strlen(bad[i]), NULL, 0, &a);
		CHECK(!imap_parse_datetime(&p, &t, &zone), "bad datetime %s", bad[i]);
	}
	rm_buf_free(&out);
	rm_arena_fini(&a);
}

int main(void)
{
	test_programs();
	test_program_details();
	test_errors();
	test_dates();
	return unit_done();
}
