/* Unit tests for common/base64: RFC 4648 §10 vectors, the strict decoder's
 * refusals (RFC 9051 §6.2.2 examples), the tolerant decoder, round trips. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"

static int failures;

#define CHECK(cond) \
	do { if (!(cond)) { fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

static const struct { const char *raw, *enc; } vectors[] = {
	{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		char enc[64];
		size_t n = base64_encode(vectors[i].raw, strlen(vectors[i].raw), enc);
		CHECK(n == strlen(vectors[i].enc));
		CHECK(strcmp(enc, vectors[i].enc) == 0);
		CHECK(n == BASE64_ENCODED_LEN(strlen(vectors[i].raw)));
		uint8_t dec[64];
		size_t dlen = 99;
		CHECK(base64_decode(enc, n, dec, &dlen, BASE64_STRICT) == RM_OK);
		CHECK(dlen == strlen(vectors[i].raw));
		CHECK(memcmp(dec, vectors[i].raw, dlen) == 0);
	}
	struct rm_buf b = {0};
	rm_buf_puts(&b, "x:");
	base64_encode_buf(&b, "foobar", 6);
	CHECK(b.len == 10 && memcmp(b.data, "x:Zm9vYmFy", 10) == 0);
	rm_buf_free(&b);
}

static const char *const strict_bad[] = {
	"=AAA", "AAA=BBB", "AAA=BBBB", "A", "AA", "AAA", "AA=A", "A===", "====",
	"AB==", "AAB=", "Zm9v\r\n", "Zm 9v", "Zm9v*AAA", "Zm9-", "Zm9_", "AA==AA==",
};

static void test_strict_rejects(void)
{
	for (size_t i = 0; i < sizeof(strict_bad) / sizeof(strict_bad[0]); i++) {
		uint8_t out[32];
		size_t n;
		enum rm_err e = base64_decode(strict_bad[i], strlen(strict_bad[i]), out, &n,
					      BASE64_STRICT);
		if (e != RM_ERR_SYNTAX)
			fprintf(stderr, "accepted bad input \"%s\"\n", strict_bad[i]);
		CHECK(e == RM_ERR_SYNTAX);
	}
	/* The canonical neighbours of the refused "AB==" / "AAB=" pass. */
	uint8_t out[8];
	size_t n;
	CHECK(base64_decode("AA==", 4, out, &n, BASE64_STRICT) == RM_OK && n == 1 && out[0] == 0);
	CHECK(base64_decode("AAA=", 4, out, &n, BASE64_STRICT) == RM_OK && n == 2);
	CHECK(base64_decode("+/+/", 4, out, &n, BASE64_STRICT) == RM_OK && n == 3 &&
	      out[0] == 0xfb && out[1] == 0xff && out[2] == 0xbf);
}

static void test_tolerant(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "Zm9v\r\nYmFy", "foobar" }, { "Zm9vYg", "foob" }, { "Zm9vYmE", "fooba" },
		{ " Z m 9 v ", "foo" }, { "Zm9v*Ym-Fy!", "foobar" }, { "Zm8=Zm9v", "fo" },
		{ "Z", "" }, { "", "" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t out[32];
		size_t n = 99;
		CHECK(base64_decode(cases[i].in, strlen(cases[i].in), out, &n, BASE64_TOLERANT) == RM_OK);
		CHECK(n == strlen(cases[i].out) && memcmp(out, cases[i].out, n) == 0);
	}
}

static void test_round_trip_in_place(void)
{
	srand(42);
	for (size_t len = 0; len < 300; len++) {
		uint8_t raw[300];
		for (size_t i = 0; i < len; i++)
			raw[i] = (uint8_t)rand();
		char enc[404];
		size_t n = base64_encode(raw, len, enc);
		size_t dlen;
		CHECK(base64_decode(enc, n, (uint8_t *)enc, &dlen, BASE64_STRICT) == RM_OK);
		CHECK(dlen == len && memcmp(enc, raw, len) == 0);
		CHECK(BASE64_DECODED_MAX(n) >= len);
	}
}

int main(void)
{
	test_vectors();
	test_strict_rejects();
	test_tolerant();
	test_round_trip_in_place();
	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("base64: all passed\n");
	return 0;
}
