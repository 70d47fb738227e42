/* control_wire (percent-encoded fields) and quota_check. */
#include <string.h>

#include "server/auth/passwd.h"
#include "server/control_wire.h"
#include "server/quota.h"
#include "storage/store_types.h"
#include "tests/unit/unit.h"

static void test_roundtrip(void)
{
	const char *fields[] = { "alice", "My Folder/Sub", "", "100%", "tab\there", "\xc3\xa9t\xc3\xa9" };
	struct rm_buf b = { 0 };
	for (size_t i = 0; i < 6; i++) {
		if (i)
			rm_buf_putc(&b, ' ');
		control_arg_put(&b, fields[i], strlen(fields[i]));
	}
	CHECK(!memchr(b.data, '\t', b.len), "no raw tab");
	char *argv[8];
	size_t lens[8];
	rm_buf_reserve(&b, 1);
	int n = control_args_split(b.data, b.len, argv, lens, 8);
	CHECK(n == 6, "6 fields, got %d", n);
	for (int i = 0; i < n && i < 6; i++)
		CHECK(lens[i] == strlen(fields[i]) && !memcmp(argv[i], fields[i], lens[i]),
		      "field %d: %s", i, argv[i]);
	rm_buf_free(&b);
	char bad[] = "a %4";
	CHECK(control_args_split(bad, strlen(bad), argv, lens, 8) == -1, "truncated escape");
	char bad2[] = "%zz";
	CHECK(control_args_split(bad2, strlen(bad2), argv, lens, 8) == -1, "bad hex");
	char many[] = "a b c";
	CHECK(control_args_split(many, strlen(many), argv, lens, 2) == -1, "over max");
}

static void test_flags(void)
{
	const char *kw[] = { "$Forwarded", "two words", "a,b", "Work" };
	size_t kwl[] = { 10, 9, 3, 4 };
	struct rm_buf b = { 0 };
	control_flags_put(&b, STORE_F_SEEN | STORE_F_DRAFT, kw, kwl, 4);
	char *argv[2];
	size_t lens[2];
	rm_buf_reserve(&b, 1);
	CHECK(control_args_split(b.data, b.len, argv, lens, 2) == 1, "one field: %s", b.data);
	uint32_t flags;
	const char *got[8];
	size_t gl[8];
	unsigned n;
	CHECK(control_flags_parse(argv[0], &flags, got, gl, 8, &n), "parses");
	CHECK(flags == (STORE_F_SEEN | STORE_F_DRAFT), "flags %x", flags);
	CHECK(n == 3 && !strcmp(got[0], "$Forwarded") && !strcmp(got[1], "two words") &&
	      !strcmp(got[2], "Work"), "keywords (the one with ',' is left out), n=%u", n);
	rm_buf_reset(&b);
	control_flags_put(&b, 0, NULL, NULL, 0);
	CHECK(b.len == 1 && b.data[0] == '-', "empty is -");
	char none[] = "-";
	CHECK(control_flags_parse(none, &flags, got, gl, 8, &n) && flags == 0 && n == 0, "-");
	char bad[] = "\\Seen,\\Recent";
	CHECK(!control_flags_parse(bad, &flags, got, gl, 8, &n), "unknown system flag");
	char many[] = "a,b,c";
	CHECK(!control_flags_parse(many, &flags, got, gl, 2, &n), "over max");
	rm_buf_free(&b);
}

static void test_quota(void)
{
	struct passwd_entry e = { .login = "u", .login_len = 1, .quota_storage_bytes = 1000,
				  .quota_messages = 3 };
	struct store_user u = { .messages = 2, .size_bytes = 900 };
	CHECK(quota_check(&e, &u, 100, 1) == RM_OK, "exactly at both limits");
	CHECK(quota_check(&e, &u, 101, 1) == RM_ERR_QUOTA, "one byte over");
	CHECK(quota_check(&e, &u, 0, 2) == RM_ERR_QUOTA, "one message over");
	CHECK(quota_check(&e, NULL, 1000, 3) == RM_OK, "new user at the limit");
	CHECK(quota_check(&e, NULL, UINT64_MAX, 1) == RM_ERR_QUOTA, "no overflow");
	CHECK(quota_check(NULL, &u, UINT64_MAX, UINT64_MAX) == RM_OK, "no entry: no limits");
	struct passwd_entry unl = { .login = "v", .login_len = 1 };
	CHECK(quota_check(&unl, &u, UINT64_MAX, UINT64_MAX) == RM_OK, "0 = unlimited");
}

int main(void)
{
	test_roundtrip();
	test_flags();
	test_quota();
	return unit_done();
}
