/*
 * test_mime.c — the MIME parser against hand-written expectations:
 *  - every case in tests/data/mime (NAME.eml with NAME.envelope,
 *    NAME.bodystructure and sometimes NAME.body, see make_cases.py there):
 *    exact ENVELOPE / BODYSTRUCTURE / BODY text, RFC 9051 grammar, sane
 *    part ranges;
 *  - section specs (BODY[1.2], BODY[2.HEADER], BODY[1.MIME] ...) resolved
 *    on several of those messages to exact bytes;
 *  - BODY[HEADER.FIELDS (...)] and .NOT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "index/mime.h"
#include "tests/unit/test_mime_check.h"


static const char *const cases[] = {
	"rfc3501_example", "no_content_type", "multipart_mixed", "nested_multipart",
	"message_rfc822", "rfc2231_params", "encoded_words", "missing_close_boundary",
	"boundary_never_found", "boundary_inside_line", "preamble_epilogue", "empty_parts",
	"digest_default_type", "header_8bit", "nul_bytes", "bare_lf", "folded_headers",
	"group_address", "missing_from", "comments_and_obsolete", "route_and_quoted_local",
	"deep_nesting", "many_parts", "header_only", "no_header", "one_byte",
	"cr_without_lf", "multipart_no_boundary", "message_global", "encoded_message",
	"extension_fields", "encodings", "invalid_content_type", "outer_closes_inner",
	"mixed_case_fields", "empty_fields", "header_ends_at_boundary", "repeated_fields",
	"toplevel_message",
};

struct msg {
	char *data;
	size_t len;
	struct rm_buf blob;
};

static char *data_file(const char *name, const char *ext, size_t *len_r)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.%s", RM_MIME_TEST_DATA, name, ext);
	return test_read_file(path, len_r);
}

static bool load(const char *name, struct msg *m)
{
	memset(m, 0, sizeof(*m));
	m->data = data_file(name, "eml", &m->len);
	if (!m->data) {
		CHECK(0, "%s.eml missing", name);
		return false;
	}
	enum rm_err err = mime_parse(m->data, m->len, &m->blob);
	CHECK(err == RM_OK, "%s: mime_parse: %s", name, rm_err_str(err));
	return err == RM_OK;
}

static void unload(struct msg *m)
{
	free(m->data);
	rm_buf_free(&m->blob);
}

/* Expectation files end with one '\n' that is not part of the text. */
static void expect_text(const char *name, const char *ext, const char *got, size_t got_len,
	bool required)
{
	size_t len;
	char *want = data_file(name, ext, &len);
	if (!want) {
		CHECK(!required, "%s.%s missing", name, ext);
		return;
	}
	if (len > 0 && want[len - 1] == '\n')
		len--;
	CHECK(len == got_len && memcmp(want, got, len) == 0,
	      "%s.%s:\n  want %.*s\n  got  %.*s", name, ext, (int)RM_MIN(len, 2000), want,
	      (int)RM_MIN(got_len, 2000), got);
	free(want);
}

static void check_grammar(const char *name, const char *what, bool ok, const char *err, size_t at)
{
	CHECK(ok, "%s: %s does not follow RFC 9051: %s at %zu", name, what, err, at);
}

/* Every part lies inside its parent and inside the message. */
static void check_parts(const char *name, const struct msg *m)
{
	uint32_t count;
	CHECK(mime_cache_part_count(m->blob.data, m->blob.len, &count) == RM_OK, "%s: count", name);
	for (uint32_t i = 0; i < count; i++) {
		struct mime_part p, parent;
		if (mime_cache_part(m->blob.data, m->blob.len, i, &p) != RM_OK) {
			CHECK(0, "%s: part %u unreadable", name, i);
			continue;
		}
		CHECK(p.header_start <= p.body_start && p.body_start <= p.body_end &&
		      p.body_end <= m->len, "%s: part %u range", name, i);
		if (p.parent == MIME_PART_NONE)
			continue;
		CHECK(mime_cache_part(m->blob.data, m->blob.len, p.parent, &parent) == RM_OK &&
		      parent.body_start <= p.header_start && p.body_end <= parent.body_end,
		      "%s: part %u outside its parent", name, i);
	}
}

static void test_case(const char *name)
{
	struct msg m;
	if (!load(name, &m))
		return;
	const char *p, *err = NULL;
	size_t len, at = 0;
	CHECK(mime_cache_envelope(m.blob.data, m.blob.len, &p, &len) == RM_OK, "%s", name);
	expect_text(name, "envelope", p, len, true);
	check_grammar(name, "ENVELOPE", check_envelope(p, len, &err, &at), err, at);
	CHECK(mime_cache_body(m.blob.data, m.blob.len, true, &p, &len) == RM_OK, "%s", name);
	expect_text(name, "bodystructure", p, len, true);
	check_grammar(name, "BODYSTRUCTURE", check_body(p, len, true, &err, &at), err, at);
	CHECK(mime_cache_body(m.blob.data, m.blob.len, false, &p, &len) == RM_OK, "%s", name);
	expect_text(name, "body", p, len, false);
	check_grammar(name, "BODY", check_body(p, len, false, &err, &at), err, at);
	check_parts(name, &m);
	unload(&m);
}

/* ---- sections ------------------------------------------------------------ */

struct section_case {
	const char *file;
	const char *spec;      /* IMAP section spec without brackets */
	const char *want;      /* NULL: the whole message */
	enum rm_err err;
	int encoding;          /* -1: not checked */
};

#define S(file, spec, want) { file, spec, want, RM_OK, -1 }
#define SE(file, spec, want, enc) { file, spec, want, RM_OK, enc }
#define SX(file, spec, err) { file, spec, "", err, -1 }

static const struct section_case sections[] = {
	SE("multipart_mixed", "", NULL, MIME_ENC_BINARY),
	S("multipart_mixed", "HEADER",
	  "From: a@example.com\r\nTo: b@example.com\r\nSubject: report\r\n"
	  "Date: Tue, 1 Mar 2022 10:00:00 +0000\r\nMessage-ID: <m3@example.com>\r\n"
	  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XyZ\"\r\n\r\n"),
	SE("multipart_mixed", "1", "See attached.", MIME_ENC_7BIT),
	SE("multipart_mixed", "2", "JVBERi0xLjQK\r\nAAAA", MIME_ENC_BASE64),
	S("multipart_mixed", "1.MIME",
	  "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"),
	SX("multipart_mixed", "3", RM_ERR_NOTFOUND),
	SX("multipart_mixed", "2.1", RM_ERR_NOTFOUND),
	SX("multipart_mixed", "1.HEADER", RM_ERR_NOTFOUND),
	SX("multipart_mixed", "1.TEXT", RM_ERR_NOTFOUND),
	SX("multipart_mixed", "MIME", RM_ERR_INVAL),
	SX("multipart_mixed", "0", RM_ERR_INVAL),
	SE("nested_multipart", "1.2", "<p>html=20text</p>", MIME_ENC_QP),
	S("nested_multipart", "1",
	  "--inner\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nplain text\r\n"
	  "--inner\r\nContent-Type: text/html; charset=us-ascii\r\n"
	  "Content-Transfer-Encoding: quoted-printable\r\n\r\n<p>html=20text</p>\r\n--inner--\r\n"),
	S("nested_multipart", "1.2.MIME",
	  "Content-Type: text/html; charset=us-ascii\r\n"
	  "Content-Transfer-Encoding: quoted-printable\r\n\r\n"),
	S("nested_multipart", "1.MIME", "Content-Type: multipart/alternative; boundary=inner\r\n\r\n"),
	SE("nested_multipart", "2", "iVBORw0KGgo=", MIME_ENC_BASE64),
	SX("nested_multipart", "1.3", RM_ERR_NOTFOUND),
	S("message_rfc822", "2",
	  "From: Inner Sender <inner@example.org>\r\nTo: outer@example.com\r\nSubject: hello\r\n"
	  "Date: Fri, 2 Apr 2021 08:00:00 +0200\r\nMessage-ID: <inner@example.org>\r\n"
	  "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
	  "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi there\r\n"
	  "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<b>hi there</b>\r\n--alt--"),
	S("message_rfc822", "2.HEADER",
	  "From: Inner Sender <inner@example.org>\r\nTo: outer@example.com\r\nSubject: hello\r\n"
	  "Date: Fri, 2 Apr 2021 08:00:00 +0200\r\nMessage-ID: <inner@example.org>\r\n"
	  "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"),
	S("message_rfc822", "2.TEXT",
	  "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi there\r\n"
	  "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<b>hi there</b>\r\n--alt--"),
	S("message_rfc822", "2.1", "hi there"),
	S("message_rfc822", "2.2", "<b>hi there</b>"),
	S("message_rfc822", "2.2.MIME", "Content-Type: text/html; charset=utf-8\r\n\r\n"),
	S("message_rfc822", "2.MIME", "Content-Type: message/rfc822\r\n\r\n"),
	S("message_rfc822", "1", "See below."),
	SX("message_rfc822", "2.3", RM_ERR_NOTFOUND),
	SX("message_rfc822", "1.TEXT", RM_ERR_NOTFOUND),
	SX("message_rfc822", "2.1.1", RM_ERR_NOTFOUND),
	S("rfc3501_example", "1", "Hello\r\nWorld\r\n"),
	S("rfc3501_example", "TEXT", "Hello\r\nWorld\r\n"),
	S("rfc3501_example", "1.MIME",
	  "From: Terry Gray <gray@cac.washington.edu>\r\nTo: imap@cac.washington.edu\r\n"
	  "Subject: IMAP4rev1 WG mtg summary and minutes\r\n"
	  "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
	  "Cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n"
	  "Message-Id: <B27397-0100000@cac.washington.edu>\r\nMIME-Version: 1.0\r\n"
	  "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n"),
	SX("rfc3501_example", "2", RM_ERR_NOTFOUND),
	SX("rfc3501_example", "1.1", RM_ERR_NOTFOUND),
	SX("rfc3501_example", "1.HEADER", RM_ERR_NOTFOUND),
	S("digest_default_type", "1.TEXT", "one"),
	S("digest_default_type", "1.HEADER", "From: m1@example.com\r\nSubject: first\r\n\r\n"),
	S("digest_default_type", "1.1", "one"),
	S("digest_default_type", "1.MIME", "\r\n"),
	S("digest_default_type", "2", "not a message"),
	S("toplevel_message", "1", "Subject: inside\r\n\r\ninner body\r\n"),
	S("toplevel_message", "1.1", "inner body\r\n"),
	S("toplevel_message", "1.HEADER", "Subject: inside\r\n\r\n"),
	S("toplevel_message", "1.TEXT", "inner body\r\n"),
	SX("toplevel_message", "2", RM_ERR_NOTFOUND),
	SX("toplevel_message", "1.2", RM_ERR_NOTFOUND),
	S("boundary_never_found", "1", ""),
	S("boundary_never_found", "1.MIME", ""),
	S("boundary_never_found", "TEXT",
	  "--other\r\nContent-Type: text/plain\r\n\r\ntext\r\n--other--\r\n"),
	SX("boundary_never_found", "2", RM_ERR_NOTFOUND),
	SX("boundary_never_found", "1.1", RM_ERR_NOTFOUND),
	S("empty_parts", "1.MIME", "\r\n"),
	S("empty_parts", "2.MIME", ""),
	S("empty_parts", "2", ""),
	S("empty_parts", "3.MIME", "Content-Type: text/html\r\n\r\n"),
	SE("encoded_message", "1", "RnJvbTogYUBiLmM=\r\n", MIME_ENC_BASE64),
	S("encoded_message", "1.HEADER", ""),
	S("encoded_message", "1.TEXT", "RnJvbTogYUBiLmM=\r\n"),
	SX("encoded_message", "1.1", RM_ERR_NOTFOUND),
	S("header_ends_at_boundary", "1.MIME", "Content-Type: text/plain\r\n"),
	S("header_ends_at_boundary", "1", ""),
	S("header_ends_at_boundary", "2", "ok"),
	S("bare_lf", "1", "one\ntwo"),
	S("bare_lf", "2", "<i>one two</i>"),
	S("bare_lf", "2.MIME", "Content-Type: text/html\n\n"),
	S("header_only", "HEADER", "Subject: header only\r\nFrom: a@example.com\r\n"),
	S("header_only", "TEXT", ""),
	S("no_header", "HEADER", "\r\n"),
	S("one_byte", "HEADER", "x"),
	S("one_byte", "1", ""),
};

/* "2.1.MIME" -> path {2, 1}, kind MIME. */
static void parse_spec(const char *spec, uint32_t *path, size_t *depth_r, enum mime_section_kind *kind_r)
{
	*depth_r = 0;
	*kind_r = MIME_SECTION_NONE;
	while (*spec) {
		if (*spec >= '0' && *spec <= '9') {
			path[(*depth_r)++] = (uint32_t)strtoul(spec, (char **)&spec, 10);
		} else {
			*kind_r = strcmp(spec, "HEADER") == 0 ? MIME_SECTION_HEADER :
				  strcmp(spec, "TEXT") == 0   ? MIME_SECTION_TEXT :
								MIME_SECTION_MIME;
			return;
		}
		if (*spec == '.')
			spec++;
	}
}

static void test_sections(void)
{
	for (size_t i = 0; i < RM_ARRAY_LEN(sections); i++) {
		const struct section_case *c = &sections[i];
		struct msg m;
		if (!load(c->file, &m))
			continue;
		uint32_t path[16];
		size_t depth;
		enum mime_section_kind kind;
		parse_spec(c->spec, path, &depth, &kind);
		struct mime_range r;
		enum rm_err err = mime_section_find(m.blob.data, m.blob.len, path, depth, kind, &r);
		CHECK(err == c->err, "%s BODY[%s]: %s, want %s", c->file, c->spec, rm_err_str(err),
		      rm_err_str(c->err));
		if (err == RM_OK && c->err == RM_OK) {
			const char *want = c->want ? c->want : m.data;
			size_t want_len = c->want ? strlen(c->want) : m.len;
			CHECK(r.start + r.len <= m.len && r.len == want_len &&
			      memcmp(m.data + r.start, want, want_len) == 0,
			      "%s BODY[%s]: got \"%.*s\"", c->file, c->spec,
			      (int)RM_MIN(r.len, 300u), m.data + RM_MIN(r.start, m.len));
			CHECK(c->encoding < 0 || (int)r.encoding == c->encoding,
			      "%s BODY[%s]: encoding %d", c->file, c->spec, r.encoding);
		}
		unload(&m);
	}
}

/* ---- HEADER.FIELDS --------------------------------------------------------- */

static void expect_fields(const char *hdr, const char *const *names, size_t n, bool not,
	const char *want)
{
	struct rm_buf out = { 0 };
	mime_header_fields(hdr, strlen(hdr), names, n, not, &out);
	CHECK(out.len == strlen(want) && (out.len == 0 || memcmp(out.data, want, out.len) == 0),
	      "HEADER.FIELDS%s (%s...): got \"%.*s\"", not ? ".NOT" : "", names[0],
	      (int)out.len, out.data ? out.data : "");
	rm_buf_free(&out);
}

static void test_header_fields(void)
{
	const char *hdr =
		"From: Terry Gray <gray@cac.washington.edu>\r\nTo: imap@cac.washington.edu\r\n"
		"Subject: IMAP4rev1 WG\r\n meeting\r\nDate: Wed, 17 Jul 1996 02:23:25 -0700\r\n"
		"X-Odd : spaced name\r\nnot a field\r\n\r\n";
	const char *const subj_from[] = { "SUBJECT", "from" };
	expect_fields(hdr, subj_from, 2, false,
		      "From: Terry Gray <gray@cac.washington.edu>\r\n"
		      "Subject: IMAP4rev1 WG\r\n meeting\r\n\r\n");
	const char *const many[] = { "from", "To", "SUBJECT" };
	expect_fields(hdr, many, 3, true,
		      "Date: Wed, 17 Jul 1996 02:23:25 -0700\r\nX-Odd : spaced name\r\n\r\n");
	const char *const odd[] = { "x-odd" };
	expect_fields(hdr, odd, 1, false, "X-Odd : spaced name\r\n\r\n");
	const char *const absent[] = { "X-Absent" };
	expect_fields(hdr, absent, 1, false, "\r\n");
	/* No blank line (a message without body): none is added. */
	const char *const from[] = { "FROM" };
	expect_fields("Subject: s\r\nFrom: a@b\r\n", from, 1, false, "From: a@b\r\n");
	expect_fields("Subject: s\nFrom: a@b\n\nbody\n", from, 1, true, "Subject: s\n\n");
	/* A prefix is not a match. */
	const char *const sub[] = { "SUBJ" };
	expect_fields(hdr, sub, 1, false, "\r\n");
	expect_fields("", from, 1, false, "");
}

int main(void)
{
	for (size_t i = 0; i < RM_ARRAY_LEN(cases); i++)
		test_case(cases[i]);
	test_sections();
	test_header_fields();
	if (test_failures) {
		fprintf(stderr, "%d failures\n", test_failures);
		return 1;
	}
	printf("ok: %zu cases, %zu sections\n", RM_ARRAY_LEN(cases), RM_ARRAY_LEN(sections));
	return 0;
}
