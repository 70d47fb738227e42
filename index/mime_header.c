/*
 * mime_header.c — header field walking and BODY[HEADER.FIELDS (...)].
 */
#include "index/mime_header.h"

#include <stdbool.h>
#include <string.h>

#include "common/util.h"
#include "index/mime.h"

/* ftext (RFC 5322 §3.6.8): printable ASCII except colon and space. */
static inline bool is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/* Position just past the LF ending the line at pos, or len. */
static inline size_t line_end(const char *p, size_t len, size_t pos)
{
	const char *lf = memchr(p + pos, '\n', len - pos);
	return lf ? (size_t)(lf - p) + 1 : len;
}

/* Length of the line end that [start, end) finishes with (0, 1 or 2). */
static inline size_t eol_len(const char *p, size_t start, size_t end)
{
	if (end == start || p[end - 1] != '\n')
		return 0;
	return (end - start >= 2 && p[end - 2] == '\r') ? 2 : 1;
}

void mime_header_next(const char *p, size_t len, size_t pos, struct mime_header_line *r)
{
	RM_ASSERT(pos <= len);
	memset(r, 0, sizeof(*r));
	r->start = pos;
	if (pos == len) {
		r->item = MIME_HEADER_EOF;
		r->end = len;
		return;
	}
	size_t end = line_end(p, len, pos);
	r->lf_count = p[end - 1] == '\n';
	if (end - pos == eol_len(p, pos, end)) {
		r->item = MIME_HEADER_BLANK;
		r->end = end;
		return;
	}
	size_t i = pos;
	while (i < end && is_ftext((unsigned char)p[i]))
		i++;
	size_t name_len = i - pos;
	while (i < end && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (name_len > 0 && i < end && p[i] == ':') {
		r->item = MIME_HEADER_FIELD;
		r->name_len = name_len;
		r->value_start = i + 1;
	} else {
		r->item = MIME_HEADER_BROKEN;
	}
	/* Continuation lines. */
	while (end < len && (p[end] == ' ' || p[end] == '\t')) {
		end = line_end(p, len, end);
		r->lf_count += p[end - 1] == '\n';
	}
	r->end = end;
	r->value_end = end - eol_len(p, pos, end);
	if (r->item == MIME_HEADER_FIELD && r->value_end < r->value_start)
		r->value_end = r->value_start;
}

static bool name_listed(const char *name, size_t name_len, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (rm_word_eq(name, name_len, names[i]))
			return true;
	}
	return false;
}

void mime_header_fields(const char *hdr, size_t len, const char *const *names,
	size_t n, bool not, struct rm_buf *out)
{
	size_t pos = 0;
	for (;;) {
		struct mime_header_line l;
		mime_header_next(hdr, len, pos, &l);
		if (l.item == MIME_HEADER_EOF)
			return;
		if (l.item == MIME_HEADER_BLANK) {
			rm_buf_append(out, hdr + l.start, l.end - l.start);
			return;
		}
		if (l.item == MIME_HEADER_FIELD &&
		    name_listed(hdr + l.start, l.name_len, names, n) != not)
			rm_buf_append(out, hdr + l.start, l.end - l.start);
		pos = l.end;
	}
}
