#include "server/imap/quote.h"

#include <string.h>

enum form { FORM_ATOM, FORM_QUOTED, FORM_LITERAL };

static enum form pick_form(const char *s, size_t len, bool utf8, bool atom_ok)
{
	enum form f = (atom_ok && len > 0) ? FORM_ATOM : FORM_QUOTED;
	/* Quoted strings stay short: a long value reads better as a literal
	 * and costs no escaping. */
	if (len > 1024)
		f = FORM_LITERAL;
	for (size_t i = 0; i < len && f != FORM_LITERAL; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\0' || c == '\r' || c == '\n')
			return FORM_LITERAL;
		if (c >= 0x80) {
			if (!utf8)
				return FORM_LITERAL;
			f = FORM_QUOTED;
			continue;
		}
		if (f == FORM_ATOM) {
			if (c <= 0x20 || c == 0x7f || strchr("(){%*\"\\", c))
				f = FORM_QUOTED;
		}
	}
	/* "NIL" as an atom would read as nil. */
	if (f == FORM_ATOM && len == 3 && (s[0] | 0x20) == 'n' && (s[1] | 0x20) == 'i' &&
	    (s[2] | 0x20) == 'l')
		f = FORM_QUOTED;
	return f;
}

static void write_form(struct rm_buf *out, const char *s, size_t len, enum form f)
{
	switch (f) {
	case FORM_ATOM:
		rm_buf_append(out, s, len);
		break;
	case FORM_QUOTED:
		rm_buf_reserve(out, len + 2);
		rm_buf_putc(out, '"');
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '"' || s[i] == '\\')
				rm_buf_putc(out, '\\');
			rm_buf_putc(out, s[i]);
		}
		rm_buf_putc(out, '"');
		break;
	case FORM_LITERAL:
		rm_buf_putc(out, '{');
		rm_buf_put_u64(out, len);
		rm_buf_append(out, "}\r\n", 3);
		rm_buf_append(out, s, len);
		break;
	}
}

void imap_write_string(struct rm_buf *out, const char *s, size_t len, bool utf8)
{
	write_form(out, s, len, pick_form(s, len, utf8, false));
}

void imap_write_astring(struct rm_buf *out, const char *s, size_t len, bool utf8)
{
	write_form(out, s, len, pick_form(s, len, utf8, true));
}

void imap_write_nstring(struct rm_buf *out, const char *s, size_t len, bool utf8)
{
	if (!s) {
		rm_buf_append(out, "NIL", 3);
		return;
	}
	imap_write_string(out, s, len, utf8);
}
