/* Mailbox names: modified UTF-7 both ways (RFC 3501 §5.1.3 examples),
 * normalization, validation limits at N and N+1, LIST pattern matching. */
#include <stdio.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "common/limits.h"
#include "server/imap/mailbox_name.h"


static void test_mutf7(void)
{
	static const struct {
		const char *wire;
		const char *utf8;
	} ok[] = {
		{ "~peter/mail/&U,BTFw-/&ZeVnLIqe-",
		  "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" },
		{ "&-", "&" },
		{ "A&-B", "A&B" },
		{ "Entw&APw-rfe", "Entw\xc3\xbcrfe" },
		{ "&2D3eAA-", "\xf0\x9f\x98\x80" },   /* U+1F600, a surrogate pair */
		{ "plain", "plain" },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct rm_buf out = { 0 };
		CHECK(mutf7_decode(ok[i].wire, strlen(ok[i].wire), &out) == RM_OK, "decode %s", ok[i].wire);
		rm_buf_cstr(&out);
		CHECK(strcmp(out.data, ok[i].utf8) == 0, "decode %s -> %s", ok[i].wire, out.data);
		rm_buf_reset(&out);
		mutf7_encode(ok[i].utf8, strlen(ok[i].utf8), &out);
		rm_buf_cstr(&out);
		CHECK(strcmp(out.data, ok[i].wire) == 0, "encode -> %s want %s", out.data, ok[i].wire);
		rm_buf_free(&out);
	}
	static const char *bad[] = {
		"&", "&U,BTFw", "&AGE-",   /* "a" encoded: printable ASCII must be literal */
		"&2D0-",                   /* lone high surrogate */
		"&U,BTF-",                 /* nonzero padding bits */
		"caf\xc3\xa9",             /* 8-bit */
		"&=-", "a\x01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rm_buf out = { 0 };
		CHECK(mutf7_decode(bad[i], strlen(bad[i]), &out) != RM_OK, "bad %s accepted", bad[i]);
		rm_buf_free(&out);
	}
}

static void test_from_client(void)
{
	static const struct {
		const char *in;
		int utf8;
		const char *want; /* NULL: rejected */
	} cases[] = {
		{ "inbox", 0, "INBOX" },
		{ "InBoX/Sub", 0, "INBOX/Sub" },
		{ "INBOXES", 0, "INBOXES" },
		{ "Sent/", 0, "Sent" },
		{ "a//b", 0, NULL },
		{ "/a", 0, NULL },
		{ "", 0, NULL },
		{ "caf\xc3\xa9", 1, "caf\xc3\xa9" },
		{ "caf\xc3\xa9", 0, NULL },
		{ "caf\xc3", 1, NULL },
		{ "tab\there", 0, NULL },
		{ "Entw&APw-rfe", 0, "Entw\xc3\xbcrfe" },
		{ "Entw&APw-rfe", 1, "Entw&APw-rfe" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rm_buf out = { 0 };
		const char *why;
		enum rm_err e = mbox_name_from_client(cases[i].in, strlen(cases[i].in), cases[i].utf8,
						      &out, &why);
		if (!cases[i].want) {
			CHECK(e != RM_OK, "%s accepted", cases[i].in);
		} else {
			rm_buf_cstr(&out);
			CHECK(e == RM_OK && strcmp(out.data, cases[i].want) == 0, "%s -> %s (%s)",
			      cases[i].in, e == RM_OK ? out.data : "error", why);
		}
		rm_buf_free(&out);
	}
	/* Limits at N and N+1. */
	char name[RM_MAILBOX_NAME_MAX_BYTES + 2];
	memset(name, 'n', sizeof(name));
	for (size_t n = RM_MAILBOX_NAME_MAX_BYTES; n <= RM_MAILBOX_NAME_MAX_BYTES + 1; n++) {
		struct rm_buf out = { 0 };
		const char *why;
		enum rm_err e = mbox_name_from_client(name, n, 0, &out, &why);
		CHECK((e == RM_OK) == (n <= RM_MAILBOX_NAME_MAX_BYTES), "length %zu", n);
		rm_buf_free(&out);
	}
	for (unsigned depth = RM_MAILBOX_DEPTH_MAX; depth <= RM_MAILBOX_DEPTH_MAX + 1; depth++) {
		struct rm_buf in = { 0 }, out = { 0 };
		for (unsigned d = 0; d < depth; d++)
			rm_buf_puts(&in, d ? "/x" : "x");
		const char *why;
		enum rm_err e = mbox_name_from_client(in.data, in.len, 0, &out, &why);
		CHECK((e == RM_OK) == (depth <= RM_MAILBOX_DEPTH_MAX), "depth %u", depth);
		rm_buf_free(&in);
		rm_buf_free(&out);
	}
}

static void test_pattern(void)
{
	static const struct {
		const char *pat, *name;
		int match;
	} cases[] = {
		{ "*", "INBOX", 1 },
		{ "*", "a/b/c", 1 },
		{ "%", "a", 1 },
		{ "%", "a/b", 0 },
		{ "a/%", "a/b", 1 },
		{ "a/%", "a/b/c", 0 },
		{ "a/*", "a/b/c", 1 },
		{ "a*c", "a/b/c", 1 },
		{ "a%c", "a/b/c", 0 },
		{ "a%c", "abc", 1 },
		{ "%/%", "a/b", 1 },
		{ "%/%", "a/b/c", 0 },
		{ "*%", "a/b", 1 },
		{ "INBOX", "INBOX", 1 },
		{ "INBOX", "INBOX/x", 0 },
		{ "", "", 1 },
		{ "", "a", 0 },
		{ "*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool m = mbox_pattern_match(cases[i].pat, strlen(cases[i].pat), cases[i].name,
					    strlen(cases[i].name));
		CHECK(m == (cases[i].match != 0), "pattern %s name %s", cases[i].pat, cases[i].name);
	}
}

int main(void)
{
	test_mutf7();
	test_from_client();
	test_pattern();
	return unit_done();
}
