/* FETCH attribute lists: every item form of RFC 9051 §6.4.5, macros,
 * partials, header lists, modifiers, and malformed lists. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tests/unit/unit.h"
#include "server/imap/fetch_parse.h"
#include "server/imap/imap_date.h"


static bool parse(const char *text, struct fetch_req *req, struct rm_arena *a,
		  struct imap_parser *p)
{
	imap_parser_init(p, text, strlen(text), NULL, 0, a);
	return fetch_parse(p, req);
}

static void test_items(void)
{
	static const struct {
		const char *in;
		unsigned n;
		const char *names;   /* response names joined by '|' */
		int needs_body, sets_seen;
	} cases[] = {
		{ " FLAGS", 1, "FLAGS", 0, 0 },
		{ " ALL", 4, "FLAGS|INTERNALDATE|RFC822.SIZE|ENVELOPE", 0, 0 },
		{ " FAST", 3, "FLAGS|INTERNALDATE|RFC822.SIZE", 0, 0 },
		{ " FULL", 5, "FLAGS|INTERNALDATE|RFC822.SIZE|ENVELOPE|BODY", 0, 0 },
		{ " (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To \"X-A\")])", 4,
		  "UID|RFC822.SIZE|FLAGS|BODY[HEADER.FIELDS (From To X-A)]", 1, 0 },
		{ " BODY[]", 1, "BODY[]", 1, 1 },
		{ " body.peek[1.2.mime]", 1, "BODY[1.2.MIME]", 1, 0 },
		{ " BODY[3.HEADER.FIELDS.NOT (Received)]<0.100>", 1,
		  "BODY[3.HEADER.FIELDS.NOT (Received)]", 1, 1 },
		{ " BODY[TEXT]<10.20>", 1, "BODY[TEXT]", 1, 1 },
		{ " (RFC822 RFC822.HEADER RFC822.TEXT)", 3, "RFC822|RFC822.HEADER|RFC822.TEXT", 1, 1 },
		{ " RFC822.HEADER", 1, "RFC822.HEADER", 1, 0 },
		{ " (BINARY[1] BINARY.PEEK[2.3]<0.5> BINARY.SIZE[1] BINARY[])", 4,
		  "BINARY[1]|BINARY[2.3]|BINARY.SIZE[1]|BINARY[]", 1, 1 },
		{ " (BODY BODYSTRUCTURE ENVELOPE INTERNALDATE)", 4,
		  "BODY|BODYSTRUCTURE|ENVELOPE|INTERNALDATE", 0, 0 },
		{ " (FLAGS) (CHANGEDSINCE 12345)", 1, "FLAGS", 0, 0 },
		{ " (MODSEQ EMAILID THREADID SAVEDATE)", 4, "MODSEQ|EMAILID|THREADID|SAVEDATE", 0, 0 },
		/* Extra spaces between arguments are tolerated (parse.c). */
		{ " (FLAGS  UID)", 2, "FLAGS|UID", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rm_arena a;
		rm_arena_init(&a, 1024);
		struct imap_parser p;
		struct fetch_req req;
		bool ok = parse(cases[i].in, &req, &a, &p);
		CHECK(ok, "%s: %s", cases[i].in, p.error ? p.error : "");
		if (ok) {
			char joined[512] = "";
			for (unsigned k = 0; k < req.n; k++) {
				if (k)
					strcat(joined, "|");
				strcat(joined, req.items[k].resp_name);
			}
			CHECK(req.n == cases[i].n, "%s: %u items", cases[i].in, req.n);
			CHECK(strcmp(joined, cases[i].names) == 0, "%s: names %s", cases[i].in, joined);
			CHECK(req.needs_body == (cases[i].needs_body != 0), "%s: needs_body", cases[i].in);
			CHECK(req.sets_seen == (cases[i].sets_seen != 0), "%s: sets_seen", cases[i].in);
		}
		rm_arena_fini(&a);
	}
}

static void test_details(void)
{
	struct rm_arena a;
	rm_arena_init(&a, 1024);
	struct imap_parser p;
	struct fetch_req req;
	CHECK(parse(" BODY.PEEK[1.2.HEADER.FIELDS (A B)]<5.10>", &req, &a, &p), "parse");
	struct fetch_item *it = &req.items[0];
	CHECK(it->depth == 2 && it->part[0] == 1 && it->part[1] == 2, "parts");
	CHECK(it->text == FS_HEADER_FIELDS && it->nfields == 2 && !strcmp(it->fields[1], "B"), "fields");
	CHECK(it->partial && it->offset == 5 && it->length == 10 && it->peek, "partial");
	CHECK(parse(" (UID) (CHANGEDSINCE 9223372036854775807 VANISHED)", &req, &a, &p), "mods");
	CHECK(req.changedsince && req.changedsince_modseq == 9223372036854775807ull && req.vanished,
	      "modifiers");
	rm_arena_fini(&a);
}

static void test_errors(void)
{
	static const char *bad[] = {
		"", " ", " ()", " (FLAGS", " FLAGS)", " BOGUS", " BODY[", " BODY[1.]", " BODY[0]",
		" BODY[MIME]", " BODY[HEADER.FIELDS]", " BODY[HEADER.FIELDS ()]", " BODY[]<1>",
		" BODY[]<1.0>", " BINARY[TEXT]", " BINARY[1.]", " BINARY.SIZE[1]<0.1>",
		" (FLAGS) (CHANGEDSINCE)", " (FLAGS) (NOPE 1)", " FLAGS extra",
		" BODY[1]x", " BODY[HEADER.FIELDS (a:b)]",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rm_arena a;
		rm_arena_init(&a, 1024);
		struct imap_parser p;
		struct fetch_req req;
		CHECK(!parse(bad[i], &req, &a, &p) && p.error, "'%s' accepted", bad[i]);
		rm_arena_fini(&a);
	}
}

/* INTERNALDATE as FETCH writes it: the hand-written digits agree with
 * printf over days of every month, times of day, zones and years. */
static void test_datetime(void)
{
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const int zones[] = { 0, 60, -420, 330, -(11 * 60 + 59), 14 * 60 };
	struct rm_buf out = { 0 };
	unsigned checked = 0;
	/* 1970 .. 2100 in steps of 7 days + 3h 1m 7s */
	for (int64_t t = 0; t < 4102444800LL; t += 7 * 86400 + 3 * 3600 + 67) {
		for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
			int64_t local = t + (int64_t)zones[z] * 60;
			time_t lt = (time_t)local;
			struct tm tm;
			gmtime_r(&lt, &tm);
			int a = zones[z] < 0 ? -zones[z] : zones[z];
			char want[64];
			snprintf(want, sizeof(want), "\"%02d-%s-%04d %02d:%02d:%02d %c%02d%02d\"",
				 tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
				 tm.tm_min, tm.tm_sec, zones[z] < 0 ? '-' : '+', a / 60, a % 60);
			rm_buf_reset(&out);
			imap_write_datetime(&out, t, zones[z]);
			rm_buf_cstr(&out);
			if (strcmp(out.data, want) != 0) {
				CHECK(false, "t=%lld zone=%d: %s, want %s", (long long)t, zones[z],
				      out.data, want);
				goto done;
			}
			checked++;
		}
	}
	CHECK(checked > 30000, "checked %u", checked);
done:
	rm_buf_free(&out);
}

int main(void)
{
	test_items();
	test_datetime();
	test_details();
	test_errors();
	return unit_done();
}
