/*
 * test_mime_decode.c — the decoding helpers of index/mime_decode.h, table
 * by table: base64, quoted-printable, RFC 2047 header words (the RFC's own
 * §8 examples), charsets through iconv and UTF-8 repair, HTML to text,
 * case folding.
 */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "index/mime_decode.h"

static int failures;

struct pair {
	const char *in;
	size_t in_len;   /* 0: strlen(in) */
	const char *out;
	size_t out_len;  /* 0: strlen(out) */
};

typedef void decode_fn(const char *in, size_t len, struct rm_buf *out);

static void run(const char *what, decode_fn *fn, const struct pair *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t in_len = t[i].in_len ? t[i].in_len : strlen(t[i].in);
		size_t out_len = t[i].out_len ? t[i].out_len : strlen(t[i].out);
		struct rm_buf out = { 0 };
		rm_buf_puts(&out, "^"); /* output is appended, never replaced */
		fn(t[i].in, in_len, &out);
		if (out.len != out_len + 1 || out.data[0] != '^' ||
		    memcmp(out.data + 1, t[i].out, out_len) != 0) {
			failures++;
			fprintf(stderr, "%s #%zu (\"%.*s\"): got \"%.*s\"\n", what, i, (int)in_len,
				t[i].in, (int)out.len - 1, out.data + 1);
		}
		rm_buf_free(&out);
	}
}

static void base64(const char *in, size_t len, struct rm_buf *out)
{
	mime_decode_base64(in, len, out);
}

static const struct pair base64_cases[] = {
	{ "SGVsbG8gV29ybGQ=", 0, "Hello World", 0 },
	{ "SGVs\r\nbG8g*V29y bGQ=\r\n", 0, "Hello World", 0 },
	{ "SGVsbG8", 0, "Hello", 0 },
	{ "SGVsbA", 0, "Hell", 0 },
	{ "SGVsb", 0, "Hel", 0 },            /* a lone last character is dropped */
	{ "SGk=SGk=", 0, "Hi", 0 },          /* stops at the pad */
	{ "AP8A", 0, "\x00\xff\x00", 3 },
	{ "", 0, "", 0 },
};

static void qp(const char *in, size_t len, struct rm_buf *out)
{
	mime_decode_qp(in, len, out);
}

static const struct pair qp_cases[] = {
	{ "a=3Db", 0, "a=b", 0 },
	{ "caf=C3=A9 caf=c3=a9", 0, "caf\xc3\xa9 caf\xc3\xa9", 0 },
	{ "soft=\r\nbreak", 0, "softbreak", 0 },
	{ "soft= \t\r\nbreak", 0, "softbreak", 0 },
	{ "soft=\nbreak\n", 0, "softbreak\n", 0 },
	{ "trailing  \r\nspace\t\r\n", 0, "trailing\r\nspace\r\n", 0 },
	{ "bad =ZZ and =4", 0, "bad =ZZ and =4", 0 },
	{ "two\r\nlines", 0, "two\r\nlines", 0 },
	{ "end=", 0, "end", 0 },
	{ "nul=00x", 0, "nul\0x", 5 },
};

static void header(const char *in, size_t len, struct rm_buf *out)
{
	mime_decode_header(in, len, out);
}

static const struct pair header_cases[] = {
	/* RFC 2047 §8 */
	{ "(=?ISO-8859-1?Q?a?=)", 0, "(a)", 0 },
	{ "(=?ISO-8859-1?Q?a?= b)", 0, "(a b)", 0 },
	{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", 0, "(ab)", 0 },
	{ "(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", 0, "(ab)", 0 },
	{ "(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", 0, "(ab)", 0 },
	{ "(=?ISO-8859-1?Q?a_b?=)", 0, "(a b)", 0 },
	{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", 0, "(a b)", 0 },
	{ "=?ISO-8859-1?Q?Andr=E9?= Pirard", 0, "Andr\xc3\xa9 Pirard", 0 },
	{ "=?US-ASCII*EN?Q?Keith_Moore?=", 0, "Keith Moore", 0 },
	{ "=?UTF-8?B?SGVsbG8gV29ybGQ=?= =?UTF-8?Q?_again?=", 0, "Hello World again", 0 },
	/* a character split over two words of one charset */
	{ "=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=", 0, "\xc3\xa9", 0 },
	{ "=?utf-8?b?w6k=?=", 0, "\xc3\xa9", 0 },
	/* malformed words stay text */
	{ "=?UTF-8?X?abc?= x", 0, "=?UTF-8?X?abc?= x", 0 },
	{ "=?UTF-8?Q?unterminated", 0, "=?UTF-8?Q?unterminated", 0 },
	{ "a =?? b", 0, "a =?? b", 0 },
	/* plain text around words keeps its spaces */
	{ "Re:  =?UTF-8?Q?x?=  end ", 0, "Re:  x  end ", 0 },
	/* raw 8-bit is UTF-8 (RFC 6532); invalid bytes become U+FFFD */
	{ "Gr\xc3\xbc\xc3\x9f" "e a\xff" "b", 0, "Gr\xc3\xbc\xc3\x9f" "e a\xef\xbf\xbd" "b", 0 },
	{ "=?x-unknown?Q?caf=E9?=", 0, "caf\xef\xbf\xbd", 0 },
};

static void html(const char *in, size_t len, struct rm_buf *out)
{
	mime_html_to_text(in, len, out);
}

static const struct pair html_cases[] = {
	{ "<p>Hello&nbsp;<b>World</b></p><script>var x = '</p>';</script><style>p{}</style>"
	  "a &amp; b &lt;c&gt; &#233; &#xE9; &eacute; &unknown;", 0,
	  "Hello World\na & b <c> \xc3\xa9 \xc3\xa9 \xc3\xa9 &unknown;", 0 },
	{ "<html><head><title>T</title></head><body>one<br>two<div>three</div></body></html>", 0,
	  "T\none\ntwo\nthree", 0 },
	{ "a <!-- hidden <b>x</b> --> b", 0, "a b", 0 },
	{ "<!DOCTYPE html>x < y and y>z", 0, "x < y and y>z", 0 },
	{ "<a href=\"x>y\" title='>'>link</a>   text\r\n\tmore", 0, "link text more", 0 },
	{ "&euro;&trade;&mdash;&#0;&#x110000;&#65", 0,
	  "\xe2\x82\xac\xe2\x84\xa2\xe2\x80\x94\xef\xbf\xbd\xef\xbf\xbd" "A", 0 },
	{ "<td>a</td><td>b</td>", 0, "a\nb", 0 },
	{ "unclosed <b", 0, "unclosed", 0 },
};

static void fold(const char *in, size_t len, struct rm_buf *out)
{
	mime_fold_utf8(in, len, out);
}

static const struct pair fold_cases[] = {
	{ "ABC xyz 123", 0, "abc xyz 123", 0 },
	{ "\xc3\x80\xc3\x89\xc3\x8e \xc3\x95\xc3\x9c \xc3\x97", 0,      /* ÀÉÎ ÕÜ × */
	  "\xc3\xa0\xc3\xa9\xc3\xae \xc3\xb5\xc3\xbc \xc3\x97", 0 },    /* àéî õü × */
	{ "\xc5\x81\xc3\x93" "D\xc5\xb9 \xc5\xb8 \xc4\xb0", 0,           /* ŁÓDŹ Ÿ İ */
	  "\xc5\x82\xc3\xb3" "d\xc5\xba \xc3\xbf i", 0 },                /* łódź ÿ i */
	{ "\xce\x91\xce\x92\xce\x93 \xce\xa3\xce\x91\xce\xa3 \xcf\x82 \xce\x86", 0,  /* ΑΒΓ ΣΑΣ ς Ά */
	  "\xce\xb1\xce\xb2\xce\xb3 \xcf\x83\xce\xb1\xcf\x83 \xcf\x83 \xce\xac", 0 },
	{ "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2 \xd0\x81\xd0\xb6", 0, /* ПРИВЕТ Ёж */
	  "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xd1\x91\xd0\xb6", 0 },
	{ "\xe1\xba\x9e \xe2\x82\xac \xff", 0, "\xe1\xba\x9e \xe2\x82\xac \xff", 0 }, /* ẞ € junk */
	{ "\xc2\xb5", 0, "\xce\xbc", 0 },                                /* micro -> mu */
};

struct charset_case {
	const char *charset;
	const char *in;
	size_t in_len;
	const char *out;
	bool known;
};

static const struct charset_case charset_cases[] = {
	{ "iso-8859-1", "caf\xe9", 0, "caf\xc3\xa9", true },
	{ "ISO_8859-1", "caf\xe9", 0, "caf\xc3\xa9", true },
	{ "\"Windows-1252\"", "\x80 \x93q\x94", 0, "\xe2\x82\xac \xe2\x80\x9cq\xe2\x80\x9d", true },
	{ "koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", 0, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", true },
	{ "shift_jis", "\x82\xa0", 0, "\xe3\x81\x82", true },
	{ "iso-2022-jp", "\x1b$B$\"\x1b(B!", 0, "\xe3\x81\x82!", true },
	{ "ks_c_5601-1987", "\xb0\xa1", 0, "\xea\xb0\x80", true },
	{ "euc-jp", "a\xff" "b", 0, "a\xef\xbf\xbd" "b", true },
	{ "utf-8", "ok \xe2\x82\xac \xe2\x82" "a \xc0\xaf \xed\xa0\x80", 0,
	  "ok \xe2\x82\xac \xef\xbf\xbd" "a \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", true },
	{ "us-ascii", "plain", 0, "plain", true },
	{ "x-no-such-charset", "abc\xff", 0, "abc\xef\xbf\xbd", false },
	{ "", "\xf0\x9f\x98\x80", 0, "\xf0\x9f\x98\x80", false },
};

static void test_charsets(void)
{
	for (size_t i = 0; i < RM_ARRAY_LEN(charset_cases); i++) {
		const struct charset_case *c = &charset_cases[i];
		struct rm_buf out = { 0 };
		size_t in_len = c->in_len ? c->in_len : strlen(c->in);
		bool known = mime_charset_to_utf8(c->charset, strlen(c->charset), c->in, in_len, &out);
		if (known != c->known || out.len != strlen(c->out) ||
		    memcmp(out.data, c->out, out.len) != 0) {
			failures++;
			fprintf(stderr, "charset %s: known %d, got \"%.*s\"\n", c->charset, known,
				(int)out.len, out.data);
		}
		rm_buf_free(&out);
	}
}

static void test_decode_part(void)
{
	/* base64 of ISO-8859-1 HTML: "<p>caf\xe9 &amp; cr\xe8me</p>" */
	static const char body[] = "PHA+Y2Fm6SAmYW1w\r\nOyBjcuhtZTwvcD4=\r\n";
	struct mime_part p = { .encoding = MIME_ENC_BASE64, .type = "text", .type_len = 4,
			       .subtype = "html", .subtype_len = 4, .charset = "iso-8859-1",
			       .charset_len = 10 };
	static const char want[] = "caf\xc3\xa9 & cr\xc3\xa8me";
	struct rm_buf out = { 0 };
	mime_decode_part(&p, body, sizeof(body) - 1, &out);
	if (out.len != sizeof(want) - 1 || memcmp(out.data, want, out.len) != 0) {
		failures++;
		fprintf(stderr, "decode_part html: got \"%.*s\"\n", (int)out.len, out.data);
	}
	/* quoted-printable plain text keeps its markup-like bytes */
	static const char qp_body[] = "a <b>=3D=C3=A9</b>=\r\n!";
	p = (struct mime_part){ .encoding = MIME_ENC_QP, .subtype = "plain", .subtype_len = 5,
				.charset = "utf-8", .charset_len = 5 };
	rm_buf_reset(&out);
	mime_decode_part(&p, qp_body, sizeof(qp_body) - 1, &out);
	static const char qp_want[] = "a <b>=\xc3\xa9</b>!";
	if (out.len != sizeof(qp_want) - 1 || memcmp(out.data, qp_want, out.len) != 0) {
		failures++;
		fprintf(stderr, "decode_part qp: got \"%.*s\"\n", (int)out.len, out.data);
	}
	rm_buf_free(&out);
}

int main(void)
{
	test_decode_part();
	run("base64", base64, base64_cases, RM_ARRAY_LEN(base64_cases));
	run("qp", qp, qp_cases, RM_ARRAY_LEN(qp_cases));
	run("header", header, header_cases, RM_ARRAY_LEN(header_cases));
	run("html", html, html_cases, RM_ARRAY_LEN(html_cases));
	run("fold", fold, fold_cases, RM_ARRAY_LEN(fold_cases));
	test_charsets();
	if (failures) {
		fprintf(stderr, "%d failures\n", failures);
		return 1;
	}
	printf("ok\n");
	return 0;
}
