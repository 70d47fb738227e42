/*
 * mime_imap.c — quoted strings and literals for rendered IMAP text.
 */
#include "index/mime_imap.h"

#include <stdbool.h>

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

static void write_string(struct rm_buf *out, const char *s, size_t len, bool upper)
{
	if (!quotable(s, len)) {
		rm_buf_putc(out, '{');
		rm_buf_put_u64(out, len);
		rm_buf_append(out, "}\r\n", 3);
		size_t at = out->len;
		rm_buf_append(out, s, len);
		for (size_t i = 0; upper && i < len; i++)
			out->data[at + i] = rm_upper(out->data[at + i]);
		return;
	}
	rm_buf_reserve(out, len + 2);
	rm_buf_putc(out, '"');
	for (size_t i = 0; i < len; i++) {
		char c = upper ? rm_upper(s[i]) : s[i];
		if (c == '"' || c == '\\')
			rm_buf_putc(out, '\\');
		rm_buf_putc(out, c);
	}
	rm_buf_putc(out, '"');
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
