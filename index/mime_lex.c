/*
 * mime_lex.c — white space, comments and quoted strings in header values.
 */
#include "index/mime_lex.h"

#include <string.h>

/* Past the comment starting at x->i ('('); nesting is counted, not
 * recursed.  An unclosed comment runs to the end of the value. */
static void skip_comment(struct mime_lex *x, struct mime_str *comment_r)
{
	size_t start = ++x->i;
	unsigned depth = 1;
	while (x->i < x->len) {
		char c = x->p[x->i];
		if (c == '\\' && x->i + 1 < x->len) {
			x->i += 2;
			continue;
		}
		x->i++;
		if (c == '(') {
			depth++;
		} else if (c == ')' && --depth == 0) {
			if (comment_r) {
				comment_r->p = x->p + start;
				comment_r->len = x->i - 1 - start;
			}
			return;
		}
	}
	if (comment_r) {
		comment_r->p = x->p + start;
		comment_r->len = x->len - start;
	}
}

bool mime_lex_skip_cfws(struct mime_lex *x, struct mime_str *comment_r)
{
	size_t start = x->i;
	while (x->i < x->len) {
		char c = x->p[x->i];
		if (mime_lex_is_wsp(c))
			x->i++;
		else if (c == '(')
			skip_comment(x, comment_r);
		else
			break;
	}
	return x->i != start;
}

void mime_lex_quoted(struct mime_lex *x, struct rm_buf *out)
{
	x->i++; /* the opening quote */
	while (x->i < x->len) {
		char c = x->p[x->i++];
		if (c == '"')
			return;
		if (c == '\\' && x->i < x->len)
			c = x->p[x->i++];
		else if (c == '\r' || c == '\n')
			continue;
		rm_buf_putc(out, c);
	}
}

void mime_lex_unfold(const char *s, size_t len, struct rm_buf *out)
{
	rm_buf_reserve(out, len);
	size_t i = 0;
	while (i < len) {
		const char *lf = memchr(s + i, '\n', len - i);
		size_t stop = lf ? (size_t)(lf - s) : len;
		/* Only line ends go; a lone CR inside a line is data. */
		size_t keep = (lf && stop > i && s[stop - 1] == '\r') ? stop - 1 : stop;
		memcpy(out->data + out->len, s + i, keep - i);
		out->len += keep - i;
		i = stop + 1;
	}
}

void mime_lex_unfold_trim(const char *s, size_t len, struct rm_buf *out)
{
	while (len > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	                   s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	mime_lex_unfold(s, len, out);
}
