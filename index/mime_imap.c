/*
 * mime_imap.c — quoted strings and literals for rendered IMAP text.
 */
#include "index/mime_imap.h"

#include <stdbool.h>
#include <string.h>

#include "common/util.h"
#include "index/mime_lex.h"

static bool quotable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0 || c >= 0x80 || c == '\r' || c == '\n')
			return false;
	}
	return true;
}

/* A literal; NUL, which no IMAP string can carry (CHAR8 is %x01-ff),
 * becomes U+FFFD. */
static void write_literal(struct rm_buf *out, const char *s, size_t len, bool upper)
{
	static const char fffd[3] = { '\xef', '\xbf', '\xbd' };
	size_t nuls = 0;
	for (const char *p = s; (p = memchr(p, '\0', len - (size_t)(p - s))) != NULL; p++)
		nuls++;
	rm_buf_putc(out, '{');
	rm_buf_put_u64(out, len + 2 * nuls);
	rm_buf_append(out, "}\r\n", 3);
	rm_buf_reserve(out, len + 2 * nuls);
	char *d = out->data + out->len;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\0') {
			memcpy(d, fffd, 3);
			d += 3;
		} else {
			*d++ = upper ? rm_upper(s[i]) : s[i];
		}
	}
	out->len = (size_t)(d - out->data);
}

static void write_string(struct rm_buf *out, const char *s, size_t len, bool upper)
{
	if (!quotable(s, len)) {
		write_literal(out, s, len, upper);
		return;
	}
	/* Worst case every byte is escaped. */
	rm_buf_reserve(out, 2 * len + 2);
	char *d = out->data + out->len;
	*d++ = '"';
	for (size_t i = 0; i < len; i++) {
		char c = upper ? rm_upper(s[i]) : s[i];
		if (c == '"' || c == '\\')
			*d++ = '\\';
		*d++ = c;
	}
	*d++ = '"';
	out->len = (size_t)(d - out->data);
}

void mime_imap_string(struct rm_buf *out, const char *s, size_t len)
{
	write_string(out, s, len, false);
}

void mime_imap_string_upper(struct rm_buf *out, const char *s, size_t len)
{
	write_string(out, s, len, true);
}

void mime_imap_nstring(struct rm_buf *out, struct mime_str s)
{
	if (!s.p)
		rm_buf_append(out, "NIL", 3);
	else
		write_string(out, s.p, s.len, false);
}

void mime_imap_field(struct rm_buf *out, struct mime_str raw)
{
	if (!raw.p) {
		rm_buf_append(out, "NIL", 3);
		return;
	}
	struct rm_buf tmp = { 0 };
	mime_lex_unfold_trim(raw.p, raw.len, &tmp);
	write_string(out, tmp.data ? tmp.data : "", tmp.len, false);
	rm_buf_free(&tmp);
}
