/*
 * test_mime_check.c — a recursive-descent checker for the RFC 9051 §9
 * productions envelope and body, written from the grammar, independent of
 * the renderer.  Strings must be quoted (7-bit, escaped) or literals
 * without NUL; numbers must fit their production.
 */
#include "tests/unit/test_mime_check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int test_failures;

struct chk {
	const char *s;
	size_t n, i;
	const char *err;
	unsigned depth;
};

static bool fail(struct chk *c, const char *why)
{
	if (!c->err)
		c->err = why;
	return false;
}

static bool lit(struct chk *c, const char *w)
{
	size_t l = strlen(w);
	if (c->i + l > c->n || memcmp(c->s + c->i, w, l) != 0)
		return fail(c, w);
	c->i += l;
	return true;
}

static bool peek(struct chk *c, char ch)
{
	return c->i < c->n && c->s[c->i] == ch;
}

static bool sp(struct chk *c)
{
	return lit(c, " ");
}

static bool is_nil(struct chk *c)
{
	return c->i + 3 <= c->n && memcmp(c->s + c->i, "NIL", 3) == 0;
}

/* string = quoted / literal; the decoded value (cut at cap-1) into v. */
static bool string(struct chk *c, char *v, size_t cap)
{
	size_t o = 0;
	if (peek(c, '"')) {
		c->i++;
		for (;;) {
			if (c->i >= c->n)
				return fail(c, "unterminated quoted string");
			unsigned char ch = (unsigned char)c->s[c->i++];
			if (ch == '"')
				break;
			if (ch == '\\') {
				if (c->i >= c->n || (c->s[c->i] != '"' && c->s[c->i] != '\\'))
					return fail(c, "bad quoted-pair");
				ch = (unsigned char)c->s[c->i++];
			} else if (ch == 0 || ch == '\r' || ch == '\n' || ch >= 0x80) {
				return fail(c, "bad byte in quoted string");
			}
			if (v && o + 1 < cap)
				v[o++] = (char)ch;
		}
	} else if (peek(c, '{')) {
		c->i++;
		uint64_t len = 0;
		size_t digits = 0;
		while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9' && digits < 19) {
			len = len * 10 + (uint64_t)(c->s[c->i++] - '0');
			digits++;
		}
		if (digits == 0 || !lit(c, "}\r\n") || len > c->n - c->i)
			return fail(c, "bad literal");
		for (size_t k = 0; k < len; k++) {
			char ch = c->s[c->i + k];
			if (ch == 0)
				return fail(c, "NUL in literal");
			if (v && o + 1 < cap)
				v[o++] = ch;
		}
		c->i += len;
	} else {
		return fail(c, "string expected");
	}
	if (v)
		v[o] = '\0';
	return true;
}

static bool nstring(struct chk *c)
{
	if (is_nil(c))
		return lit(c, "NIL");
	return string(c, NULL, 0);
}

static bool number(struct chk *c, uint64_t max)
{
	uint64_t v = 0;
	size_t start = c->i;
	while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
		v = v * 10 + (uint64_t)(c->s[c->i++] - '0');
		if (v > max)
			return fail(c, "number too large");
	}
	return c->i > start || fail(c, "number expected");
}

static bool address(struct chk *c)
{
	return lit(c, "(") && nstring(c) && sp(c) && nstring(c) && sp(c) && nstring(c) &&
	       sp(c) && nstring(c) && lit(c, ")");
}

/* "(" 1*address ")" / nil */
static bool address_list(struct chk *c)
{
	if (is_nil(c))
		return lit(c, "NIL");
	if (!lit(c, "("))
		return false;
	do {
		if (!address(c))
			return false;
	} while (peek(c, '('));
	return lit(c, ")");
}

static bool envelope(struct chk *c)
{
	if (!lit(c, "(") || !nstring(c) || !sp(c) || !nstring(c))
		return false;
	for (int k = 0; k < 6; k++) {
		if (!sp(c) || !address_list(c))
			return false;
	}
	return sp(c) && nstring(c) && sp(c) && nstring(c) && lit(c, ")");
}

/* body-fld-param = "(" string SP string *(SP string SP string) ")" / nil */
static bool param(struct chk *c)
{
	if (is_nil(c))
		return lit(c, "NIL");
	if (!lit(c, "(") || !string(c, NULL, 0) || !sp(c) || !string(c, NULL, 0))
		return false;
	while (peek(c, ' ')) {
		if (!sp(c) || !string(c, NULL, 0) || !sp(c) || !string(c, NULL, 0))
			return false;
	}
	return lit(c, ")");
}

static bool dsp(struct chk *c)
{
	if (is_nil(c))
		return lit(c, "NIL");
	return lit(c, "(") && string(c, NULL, 0) && sp(c) && param(c) && lit(c, ")");
}

static bool lang(struct chk *c)
{
	if (!peek(c, '('))
		return nstring(c);
	if (!lit(c, "(") || !string(c, NULL, 0))
		return false;
	while (peek(c, ' ')) {
		if (!sp(c) || !string(c, NULL, 0))
			return false;
	}
	return lit(c, ")");
}

/* SP body-fld-dsp SP body-fld-lang SP body-fld-loc */
static bool ext_tail(struct chk *c)
{
	return sp(c) && dsp(c) && sp(c) && lang(c) && sp(c) && nstring(c);
}

static bool body(struct chk *c, bool extended);

static bool body_mpart(struct chk *c, bool extended)
{
	while (peek(c, '(')) {
		if (!body(c, extended))
			return false;
	}
	if (!sp(c) || !string(c, NULL, 0))
		return false;
	if (extended)
		return sp(c) && param(c) && ext_tail(c);
	return true;
}

static bool body_1part(struct chk *c, bool extended)
{
	char type[64], subtype[64];
	if (!string(c, type, sizeof(type)) || !sp(c) || !string(c, subtype, sizeof(subtype)))
		return false;
	/* body-fields */
	if (!sp(c) || !param(c) || !sp(c) || !nstring(c) || !sp(c) || !nstring(c) || !sp(c) ||
	    !string(c, NULL, 0) || !sp(c) || !number(c, UINT32_MAX))
		return false;
	bool message = strcasecmp(type, "MESSAGE") == 0 &&
		       (strcasecmp(subtype, "RFC822") == 0 || strcasecmp(subtype, "GLOBAL") == 0);
	if (message && !(sp(c) && envelope(c) && sp(c) && body(c, extended)))
		return false;
	if ((message || strcasecmp(type, "TEXT") == 0) && !(sp(c) && number(c, INT64_MAX)))
		return false;
	if (extended)
		return sp(c) && nstring(c) && ext_tail(c);
	return true;
}

static bool body(struct chk *c, bool extended)
{
	if (++c->depth > 200)
		return fail(c, "nesting too deep");
	if (!lit(c, "("))
		return false;
	bool ok = peek(c, '(') ? body_mpart(c, extended) : body_1part(c, extended);
	c->depth--;
	return ok && lit(c, ")");
}

static bool finish(struct chk *c, bool ok, const char **err_r, size_t *at_r)
{
	if (ok && c->i != c->n)
		ok = fail(c, "trailing bytes");
	if (!ok) {
		*err_r = c->err ? c->err : "syntax";
		*at_r = c->i;
	}
	return ok;
}

bool check_envelope(const char *s, size_t len, const char **err_r, size_t *at_r)
{
	struct chk c = { s, len, 0, NULL, 0 };
	return finish(&c, envelope(&c), err_r, at_r);
}

bool check_body(const char *s, size_t len, bool extended, const char **err_r, size_t *at_r)
{
	struct chk c = { s, len, 0, NULL, 0 };
	return finish(&c, body(&c, extended), err_r, at_r);
}

char *test_read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
	}
	fclose(f);
	if (!buf)
		return NULL;
	buf[len] = '\0';
	*len_r = len;
	return buf;
}
