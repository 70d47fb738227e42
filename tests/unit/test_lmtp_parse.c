/* lmtp_parse: verbs, paths, MAIL parameters, address split. */
#include <string.h>

#include "server/lmtp/lmtp_parse.h"
#include "tests/unit/unit.h"

static void test_verbs(void)
{
	const char *a;
	size_t n;
	CHECK(lmtp_parse_verb("lhlo host", 9, &a, &n) == LMTP_V_LHLO && n == 4 && !memcmp(a, "host", 4),
	      "lhlo");
	CHECK(lmtp_parse_verb("DATA", 4, &a, &n) == LMTP_V_DATA && n == 0, "data");
	CHECK(lmtp_parse_verb("EHLO x", 6, &a, &n) == LMTP_V_EHLO, "ehlo");
	CHECK(lmtp_parse_verb("DATAX", 5, &a, &n) == LMTP_V_UNKNOWN, "prefix is not a verb");
	CHECK(lmtp_parse_verb("", 0, &a, &n) == LMTP_V_UNKNOWN && n == 0, "empty");
}

static const char *path(const char *args, const char *prefix, bool empty_ok, char *addr_out,
			char *params_out)
{
	const char *a, *p;
	size_t al, pl;
	const char *why = lmtp_parse_path(args, strlen(args), prefix, empty_ok, &a, &al, &p, &pl);
	if (!why) {
		memcpy(addr_out, a, al);
		addr_out[al] = '\0';
		memcpy(params_out, p, pl);
		params_out[pl] = '\0';
	}
	return why;
}

static void test_paths(void)
{
	char a[256], p[256];
	CHECK(!path("FROM:<a@b> SIZE=10", "FROM:", true, a, p) && !strcmp(a, "a@b") &&
	      !strcmp(p, "SIZE=10"), "from with params");
	CHECK(!path("from: <a@b>", "FROM:", true, a, p) && !strcmp(a, "a@b") && !p[0],
	      "case and one space");
	CHECK(!path("FROM:<>", "FROM:", true, a, p) && !a[0], "null reverse-path");
	CHECK(path("TO:<>", "TO:", false, a, p) != NULL, "empty forward-path");
	CHECK(!path("TO:<@r1,@r2:u@h>", "TO:", false, a, p) && !strcmp(a, "u@h"), "source route");
	CHECK(!path("TO:<\"a b>c\"@h>", "TO:", false, a, p) && !strcmp(a, "\"a b>c\"@h"),
	      "quoted local part keeps '>' and space");
	CHECK(path("TO:u@h", "TO:", false, a, p) != NULL, "no brackets");
	CHECK(path("TO:<u@h", "TO:", false, a, p) != NULL, "no closing bracket");
	CHECK(path("TO:<u@h>x", "TO:", false, a, p) != NULL, "junk after");
	CHECK(path("TO:<u\x01@h>", "TO:", false, a, p) != NULL, "control byte");
	CHECK(!path("TO:<\xc3\xa9@h>", "TO:", false, a, p), "UTF-8 (SMTPUTF8)");
	CHECK(path("FROM:<a@b>", "TO:", false, a, p) != NULL, "wrong prefix");
}

static void test_params(void)
{
	struct lmtp_mail_params mp;
	const char *s = "SIZE=12345 BODY=8BITMIME SMTPUTF8";
	CHECK(!lmtp_parse_mail_params(s, strlen(s), &mp) && mp.size_bytes == 12345 && mp.body_8bit &&
	      mp.smtputf8, "all three");
	s = "body=7bit";
	CHECK(!lmtp_parse_mail_params(s, strlen(s), &mp) && !mp.body_8bit, "7bit");
	s = "SIZE=12a";
	CHECK(lmtp_parse_mail_params(s, strlen(s), &mp) != NULL, "bad size");
	s = "SIZE=99999999999999999999";
	CHECK(lmtp_parse_mail_params(s, strlen(s), &mp) != NULL, "size over 19 digits");
	s = "BODY=BINARYMIME";
	CHECK(lmtp_parse_mail_params(s, strlen(s), &mp) != NULL, "binarymime not offered");
	s = "SMTPUTF8=yes";
	CHECK(lmtp_parse_mail_params(s, strlen(s), &mp) != NULL, "smtputf8 with a value");
	s = "RET=FULL";
	CHECK(lmtp_parse_mail_params(s, strlen(s), &mp) != NULL, "DSN not offered");
	CHECK(!lmtp_parse_mail_params("", 0, &mp) && mp.size_bytes == 0, "none");
}

static void test_split(void)
{
	struct lmtp_addr_parts p;
	const char *a = "alice+lists@example.net";
	CHECK(lmtp_addr_split(a, strlen(a), &p) && p.local_len == 5 && p.detail_len == 5 &&
	      !memcmp(p.detail, "lists", 5) && p.domain_len == 11, "detail");
	a = "bob@x";
	CHECK(lmtp_addr_split(a, strlen(a), &p) && p.local_len == 3 && !p.detail, "no detail");
	a = "postmaster";
	CHECK(lmtp_addr_split(a, strlen(a), &p) && p.local_len == 10 && !p.domain, "no domain");
	a = "\"a@b\"@c";
	CHECK(lmtp_addr_split(a, strlen(a), &p) && p.local_len == 5 && p.domain_len == 1, "last @");
	a = "+x@h";
	CHECK(!lmtp_addr_split(a, strlen(a), &p), "empty local part");
	a = "u+@h";
	CHECK(lmtp_addr_split(a, strlen(a), &p) && p.detail && p.detail_len == 0, "empty detail");
}

int main(void)
{
	test_verbs();
	test_paths();
	test_params();
	test_split();
	return unit_done();
}
