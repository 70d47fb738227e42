/*
 * Unit tests for server/auth/pwscheme: known-answer hashes for every scheme,
 * wrong passwords, unknown and malformed entries, pwscheme_make round trips,
 * and the cost of one verification per scheme on this machine (printed).
 *
 * How the constants were made (password "correct horse"):
 *   SHA512-CRYPT  openssl passwd -6 -salt Ringmail6salt 'correct horse'
 *   SHA256-CRYPT  openssl passwd -5 -salt Ringmail5salt 'correct horse'
 *   MD5-CRYPT     openssl passwd -1 -salt md5salt 'correct horse'
 *   BLF-CRYPT $2b$ mkpasswd -m bcrypt -R 5 'correct horse'
 *   BLF-CRYPT $2y$ python3 crypt.crypt('correct horse', '$2y$05$abcdefghijklmnopqrstuu')
 *   CRYPT (DES)   python3 crypt.crypt('correct horse', 'ab')
 *   ARGON2ID      echo -n 'correct horse' | argon2 ringmailsalt0001 -id -t 2 -m 12 -p 1 -e
 *   ARGON2I       echo -n 'correct horse' | argon2 ringmailsalt0002 -i -t 2 -m 12 -p 1 -e
 *   SHA256, SSHA256, SSHA512, SSHA, SHA512.HEX: python3 hashlib, salt bytes 01..08,
 *                 base64(digest(password || salt) || salt)
 *   SCRAM-SHA-256 RFC 7677 §3's user: password "pencil", salt
 *                 W22ZaJ0SNY7soEsUEjb6gQ==, 4096 iterations; keys computed with
 *                 python3 hashlib.pbkdf2_hmac and hmac.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/limits.h"
#include "common/util.h"
#include "server/auth/pwscheme.h"

static int failures;

#define CHECK(cond) \
	do { if (!(cond)) { fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

#define PW "correct horse"

static const struct known {
	const char *label, *stored, *password;
	size_t significant; /* bytes of the password the scheme reads; 0: all */
} known[] = {
	{ "SHA512-CRYPT", "{SHA512-CRYPT}$6$Ringmail6salt$hGWhBQoPH8aA6xX8XrighwuNev.qCFpqHp.4OJjxiXznCU5oSelUsmBLyVXC20JRZWXtKS3W7vogWgap1f4wO.", PW, 0 },
	{ "SHA256-CRYPT", "{SHA256-CRYPT}$5$Ringmail5salt$kG/oj.FJrB5XZjvNC0/NbZTfy0X2NH3PrQfdXABL6b1", PW, 0 },
	{ "MD5-CRYPT", "{MD5-CRYPT}$1$md5salt$uD9FtsynJUVFmcr65qpr71", PW, 0 },
	{ "BLF-CRYPT 2b", "{BLF-CRYPT}$2b$05$9SfEcSKyof7hSHW7KERV9ebsIcjSKfadlVCpHiJsy2leFvaxiAXXS", PW, 0 },
	{ "BLF-CRYPT 2y", "{BLF-CRYPT}$2y$05$abcdefghijklmnopqrstuuHNbAKRhpaujgo33bRWs.NLUTJO3lOy2", PW, 0 },
	{ "CRYPT DES", "{CRYPT}abhfCpXqd4GrI", PW, 8 },
	{ "no prefix", "$6$Ringmail6salt$hGWhBQoPH8aA6xX8XrighwuNev.qCFpqHp.4OJjxiXznCU5oSelUsmBLyVXC20JRZWXtKS3W7vogWgap1f4wO.", PW, 0 },
	{ "lower-case name", "{sha512-crypt}$6$Ringmail6salt$hGWhBQoPH8aA6xX8XrighwuNev.qCFpqHp.4OJjxiXznCU5oSelUsmBLyVXC20JRZWXtKS3W7vogWgap1f4wO.", PW, 0 },
	{ "ARGON2ID", "{ARGON2ID}$argon2id$v=19$m=4096,t=2,p=1$cmluZ21haWxzYWx0MDAwMQ$mPCJFGb8QAYVFCTuM5t8T9qi9HzSTJg7gr0tNJL15hQ", PW, 0 },
	{ "ARGON2I", "{ARGON2I}$argon2i$v=19$m=4096,t=2,p=1$cmluZ21haWxzYWx0MDAwMg$6egCRvBJsQQib1d/Ys7TZe75H1mD5bIQYP+ruyfds04", PW, 0 },
	{ "SHA256", "{SHA256}QQTTb42iwlQ0n4WDZ5Pr4CngyVcGOjTJHC6SAxh7VjE=", PW, 0 },
	{ "SSHA256", "{SSHA256}CFsq5JPfiBQ0W3uR5Dnao+9mknEq9a739V+FPkJ6yjABAgMEBQYHCA==", PW, 0 },
	{ "SSHA512", "{SSHA512}ggObOJHDWCqgI5uFv/j9yDNYMvdTgt+Toj8d6cGrSG/e+E9GbH4DkQ8y5jY3NblhoGens+zNVX1mZaFy0qwRwwECAwQFBgcI", PW, 0 },
	{ "SSHA", "{SSHA}NSZEu/ZzEMKdBO5ESNEYml3qKRYBAgMEBQYHCA==", PW, 0 },
	{ "SHA512.HEX", "{SHA512.HEX}56b698defedb5a435b634afe3320bbaf3fdcd920b6c503a446fc7b7a776b298d479d1ba6a8b617808eb0bf579ce9a95d668347bcab7149085ac93cb27995197b", PW, 0 },
	{ "PLAIN", "{PLAIN}" PW, PW, 0 },
	{ "CLEARTEXT", "{CLEARTEXT}" PW, PW, 0 },
	{ "SCRAM-SHA-256", "{SCRAM-SHA-256}4096,W22ZaJ0SNY7soEsUEjb6gQ==,WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=", "pencil", 0 },
};

static void test_known(void)
{
	static const char *const wrong[] = { "correct horsE", "correct hors", "correct horse ",
					     "Correct horse", "", "x" };
	for (size_t i = 0; i < RM_ARRAY_LEN(known); i++) {
		const struct known *k = &known[i];
		enum pwscheme_result r = pwscheme_verify(k->stored, k->password, strlen(k->password));
		if (r != PWSCHEME_MATCH)
			fprintf(stderr, "%s: expected match, got %d\n", k->label, r);
		CHECK(r == PWSCHEME_MATCH);
		for (size_t w = 0; w < RM_ARRAY_LEN(wrong); w++) {
			/* DES reads 8 bytes: "correct horsE" is "correct " to it. */
			int same = k->significant && strlen(wrong[w]) >= k->significant &&
				   memcmp(wrong[w], k->password, k->significant) == 0;
			r = pwscheme_verify(k->stored, wrong[w], strlen(wrong[w]));
			if (same) {
				CHECK(r == PWSCHEME_MATCH);
				continue;
			}
			if (r != PWSCHEME_MISMATCH)
				fprintf(stderr, "%s: \"%s\" gave %d\n", k->label, wrong[w], r);
			CHECK(r == PWSCHEME_MISMATCH);
		}
	}
}

static void test_bad_entries(void)
{
	static const struct { const char *stored; enum pwscheme_result want; } cases[] = {
		{ "{FOO}bar", PWSCHEME_UNKNOWN },
		{ "{}bar", PWSCHEME_UNKNOWN },
		{ "{SHA256.ROT13}QQTTb42iwlQ0n4WDZ5Pr4CngyVcGOjTJHC6SAxh7VjE=", PWSCHEME_UNKNOWN },
		{ "{ARGON2ID.HEX}x", PWSCHEME_UNKNOWN },
		{ "{SHA256}not base64!", PWSCHEME_INVALID },
		{ "{SHA256}Zm9v", PWSCHEME_INVALID },           /* wrong digest length */
		{ "{SSHA256}QQTTb42iwlQ0n4WDZ5Pr4CngyVcGOjTJHC6SAxh7VjE=", PWSCHEME_INVALID }, /* no salt */
		{ "{SHA512.HEX}zz", PWSCHEME_INVALID },
		{ "{ARGON2ID}$argon2id$garbage", PWSCHEME_INVALID },
		{ "{ARGON2I}$argon2id$v=19$m=4096,t=2,p=1$cmluZ21haWxzYWx0MDAwMQ$mPCJFGb8QAYVFCTuM5t8T9qi9HzSTJg7gr0tNJL15hQ", PWSCHEME_INVALID },
		{ "{SCRAM-SHA-256}4096,W22ZaJ0SNY7soEsUEjb6gQ==", PWSCHEME_INVALID },
		{ "{SCRAM-SHA-256}0,W22ZaJ0SNY7soEsUEjb6gQ==,WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=", PWSCHEME_INVALID },
		{ "{SCRAM-SHA-256}99999999,W22ZaJ0SNY7soEsUEjb6gQ==,WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=", PWSCHEME_INVALID },
		{ "{CRYPT}*", PWSCHEME_INVALID },
		{ "", PWSCHEME_MISMATCH },
		{ "{PLAIN}", PWSCHEME_MISMATCH },
		{ "{SHA512-CRYPT}", PWSCHEME_MISMATCH },
	};
	for (size_t i = 0; i < RM_ARRAY_LEN(cases); i++) {
		enum pwscheme_result r = pwscheme_verify(cases[i].stored, PW, strlen(PW));
		if (r != cases[i].want)
			fprintf(stderr, "\"%s\": expected %d, got %d\n", cases[i].stored, cases[i].want, r);
		CHECK(r == cases[i].want);
	}
	/* An empty password never matches an empty stored password. */
	CHECK(pwscheme_verify("", "", 0) == PWSCHEME_MISMATCH);
	CHECK(pwscheme_verify("{PLAIN}", "", 0) == PWSCHEME_MISMATCH);
	/* crypt(3) cannot see past a NUL: "correct horse\0x" must not match. */
	CHECK(pwscheme_verify(known[0].stored, PW "\0x", sizeof(PW) + 1) == PWSCHEME_MISMATCH);
	CHECK(pwscheme_verify("{PLAIN}" PW, PW "\0x", sizeof(PW) + 1) == PWSCHEME_MISMATCH);
	/* Over the length limit: refused even when it would match. */
	char big[RM_AUTH_PASSWORD_MAX_BYTES + 16];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	struct rm_buf st = {0};
	rm_buf_puts(&st, "{PLAIN}");
	rm_buf_append(&st, big, RM_AUTH_PASSWORD_MAX_BYTES + 1);
	CHECK(pwscheme_verify(rm_buf_cstr(&st), big, RM_AUTH_PASSWORD_MAX_BYTES + 1) == PWSCHEME_MISMATCH);
	st.len = 7 + RM_AUTH_PASSWORD_MAX_BYTES;
	CHECK(pwscheme_verify(rm_buf_cstr(&st), big, RM_AUTH_PASSWORD_MAX_BYTES) == PWSCHEME_MATCH);
	rm_buf_free(&st);
}

static void test_split(void)
{
	struct pwscheme_stored s;
	pwscheme_split("{SHA256}abc", &s);
	CHECK(s.name_len == 6 && memcmp(s.name, "SHA256", 6) == 0 && strcmp(s.data, "abc") == 0);
	CHECK(pwscheme_name_is(&s, "sha256") && !pwscheme_name_is(&s, "SHA25"));
	pwscheme_split("$6$x$y", &s);
	CHECK(pwscheme_name_is(&s, "CRYPT") && strcmp(s.data, "$6$x$y") == 0);
	pwscheme_split("{broken", &s);
	CHECK(pwscheme_name_is(&s, "CRYPT") && strcmp(s.data, "{broken") == 0);
}

static void test_make(void)
{
	static const char *const schemes[] = {
		"ARGON2ID", "SHA512-CRYPT", "BLF-CRYPT", "SCRAM-SHA-256", "PLAIN", "scram-sha-256",
	};
	for (size_t i = 0; i < RM_ARRAY_LEN(schemes); i++) {
		struct rm_buf a = {0}, b = {0};
		rm_buf_puts(&a, "keep:");
		CHECK(pwscheme_make(schemes[i], PW, strlen(PW), &a) == RM_OK);
		CHECK(pwscheme_make(schemes[i], PW, strlen(PW), &b) == RM_OK);
		const char *sa = rm_buf_cstr(&a) + 5, *sb = rm_buf_cstr(&b);
		CHECK(memcmp(a.data, "keep:{", 6) == 0);
		CHECK(rm_strncasecmp_ascii(sa + 1, schemes[i], strlen(schemes[i])) == 0);
		CHECK(pwscheme_verify(sa, PW, strlen(PW)) == PWSCHEME_MATCH);
		CHECK(pwscheme_verify(sa, "correct horsE", 13) == PWSCHEME_MISMATCH);
		/* Fresh salt every time, except for the clear text. */
		CHECK((strcmp(sa, sb) == 0) == (strcmp(schemes[i], "PLAIN") == 0));
		rm_buf_free(&a);
		rm_buf_free(&b);
	}
	struct rm_buf out = {0};
	CHECK(pwscheme_make("ARGON2ID", "x", 1, &out) == RM_OK);
	CHECK(strstr(rm_buf_cstr(&out), "$argon2id$v=19$m=32768,t=2,p=1$") != NULL);
	rm_buf_reset(&out);
	CHECK(pwscheme_make("BLF-CRYPT", "x", 1, &out) == RM_OK);
	CHECK(strncmp(rm_buf_cstr(&out), "{BLF-CRYPT}$2y$10$", 18) == 0);
	rm_buf_reset(&out);
	CHECK(pwscheme_make("SCRAM-SHA-256", "x", 1, &out) == RM_OK);
	CHECK(strncmp(rm_buf_cstr(&out), "{SCRAM-SHA-256}4096,", 20) == 0);
	rm_buf_reset(&out);
	CHECK(pwscheme_make("SHA256", "x", 1, &out) == RM_ERR_UNSUPPORTED && out.len == 0);
	CHECK(pwscheme_make("NOPE", "x", 1, &out) == RM_ERR_UNSUPPORTED && out.len == 0);
	CHECK(pwscheme_make("PLAIN", "a:b", 3, &out) == RM_ERR_INVAL && out.len == 0);
	CHECK(pwscheme_make("PLAIN", "a\nb", 3, &out) == RM_ERR_INVAL && out.len == 0);
	CHECK(pwscheme_make("SHA512-CRYPT", "a\0b", 3, &out) == RM_ERR_INVAL && out.len == 0);
	CHECK(pwscheme_make("SCRAM-SHA-256", "a\x07", 2, &out) == RM_ERR_INVAL && out.len == 0);
	CHECK(pwscheme_make("SCRAM-SHA-256", "\xff", 1, &out) == RM_ERR_INVAL && out.len == 0);
	rm_buf_free(&out);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Verifies until 300 ms have passed (at least 3 times) and prints the mean. */
static void measure(const char *label, const char *stored, const char *pw)
{
	double start = now_ms(), end;
	unsigned n = 0;
	do {
		CHECK(pwscheme_verify(stored, pw, strlen(pw)) == PWSCHEME_MATCH);
		n++;
		end = now_ms();
	} while (end - start < 300 || n < 3);
	printf("  %-28s %9.3f ms/verify (%u runs)\n", label, (end - start) / n, n);
}

static void test_timing(void)
{
	printf("verification cost on this machine:\n");
	static const char *const made[] = { "ARGON2ID", "BLF-CRYPT", "SHA512-CRYPT", "SCRAM-SHA-256", "PLAIN" };
	for (size_t i = 0; i < RM_ARRAY_LEN(made); i++) {
		struct rm_buf b = {0};
		RM_ASSERT(pwscheme_make(made[i], PW, strlen(PW), &b) == RM_OK);
		char label[64];
		snprintf(label, sizeof(label), "%s (pwscheme_make)", made[i]);
		measure(label, rm_buf_cstr(&b), PW);
		rm_buf_free(&b);
	}
	for (size_t i = 0; i < RM_ARRAY_LEN(known); i++)
		measure(known[i].label, known[i].stored, known[i].password);
}

int main(void)
{
	test_split();
	test_known();
	test_bad_entries();
	test_make();
	test_timing();
	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("pwscheme: all passed\n");
	return 0;
}
