/* lmtp_data: dot-unstuffing across every split of the input, the end line,
 * and the size limit. */
#include <string.h>

#include "server/lmtp/lmtp_data.h"
#include "tests/unit/unit.h"

struct tcase {
	const char *wire;     /* DATA bytes up to and including the end line */
	const char *body;     /* expected message */
	const char *after;    /* bytes after the end line (next command) */
};

static const struct tcase cases[] = {
	{ "a\r\nb\r\n.\r\n", "a\r\nb\r\n", "" },
	{ "..x\r\n.\r\nQUIT\r\n", ".x\r\n", "QUIT\r\n" },
	{ "...\r\n..\r\n.\r\n", "..\r\n.\r\n", "" },
	{ ".\r\n", "", "" },
	{ "x.\r\n.y\r\n.\r\n", "x.\r\ny\r\n", "" },
	{ "bare\n.\n", "bare\n", "" },
	{ ".\rx\r\n.\r\n", "\rx\r\n", "" },
	{ "no end\r\n", NULL, NULL },
};

/* Feeds wire split at every position; checks body and leftover. */
static void run_split(const struct tcase *t, size_t split)
{
	struct lmtp_data d = { 0 };
	lmtp_data_begin(&d, 1 << 20);
	size_t n = strlen(t->wire), used = 0, total = 0;
	int r = lmtp_data_feed(&d, t->wire, split, &used);
	total = used;
	if (r == 0) {
		CHECK(used == split, "all of the first part used");
		r = lmtp_data_feed(&d, t->wire + split, n - split, &used);
		total += used;
	}
	if (!t->body) {
		CHECK(r == 0, "%s: no end line", t->wire);
	} else {
		CHECK(r == 1, "%s split %zu: ended", t->wire, split);
		CHECK(d.body.len == strlen(t->body) &&
		      (!d.body.len || !memcmp(d.body.data, t->body, d.body.len)),
		      "%s split %zu: body %.*s", t->wire, split, (int)d.body.len, d.body.data);
		CHECK(!strcmp(t->wire + total, t->after), "%s split %zu: leftover", t->wire, split);
	}
	lmtp_data_fini(&d);
}

static void test_limit(void)
{
	struct lmtp_data d = { 0 };
	lmtp_data_begin(&d, 4);
	size_t used;
	CHECK(lmtp_data_feed(&d, "abcd.\r\n.\r\n", 10, &used) == 1 && d.too_big, "over 4 bytes");
	lmtp_data_begin(&d, 6);
	CHECK(lmtp_data_feed(&d, "abcd\r\n.\r\n", 9, &used) == 1 && !d.too_big && d.body.len == 6,
	      "exactly 6 bytes");
	lmtp_data_fini(&d);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t k = 0; k <= strlen(cases[i].wire); k++)
			run_split(&cases[i], k);
	test_limit();
	return unit_done();
}
