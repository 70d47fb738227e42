/*
 * loadgen_imap.c — resumable IMAP response splitter (see loadgen_imap.h).
 */
#include "bench/loadgen_imap.h"

#include <string.h>

#include "common/util.h"

/* Literal announcement at the end of a line: "{123}", "{123+}", "~{123}".
 * Returns 1 and the count, 0 when the line does not end with one, -1 when
 * it does but the count is out of bounds. */
static int lg_imap_literal_at_end(const char *line, size_t n, uint64_t *count_r)
{
	if (n < 3 || line[n - 1] != '}')
		return 0;
	size_t i = n - 1;
	if (line[i - 1] == '+')
		i--;
	size_t end = i;
	while (i > 0 && line[i - 1] >= '0' && line[i - 1] <= '9')
		i--;
	if (i == end || i == 0 || line[i - 1] != '{')
		return 0;
	uint64_t v = 0;
	for (size_t k = i; k < end; k++) {
		v = v * 10 + (uint64_t)(line[k] - '0');
		if (v > LG_IMAP_LITERAL_MAX_BYTES)
			return -1;
	}
	*count_r = v;
	return 1;
}

static void lg_imap_first_fragment(struct lg_imap_reader *r, const char *line, size_t n)
{
	r->in_resp = true;
	r->type = line[0] == '*' ? LG_RESP_UNTAGGED :
		  line[0] == '+' ? LG_RESP_CONT : LG_RESP_TAGGED;
	r->head_len = RM_MIN(n, (size_t)LG_IMAP_HEAD_MAX);
	memcpy(r->head, line, r->head_len);
	r->head[r->head_len] = '\0';
	r->line_bytes = n;
	r->spaces = 0;
	for (size_t i = 0; i < n; i++)
		r->spaces += line[i] == ' ';
	r->literal_bytes = 0;
}

int lg_imap_read(struct lg_imap_reader *r, const char *data, size_t len, size_t *used_r)
{
	size_t off = 0;
	if (r->in_resp == false)
		r->literal_left = 0;
	for (;;) {
		if (r->literal_left > 0) {
			size_t take = (size_t)RM_MIN((uint64_t)(len - off), r->literal_left);
			off += take;
			r->literal_left -= take;
			r->literal_bytes += take;
			if (r->literal_left > 0)
				break;
		}
		const char *nl = memchr(data + off, '\n', len - off);
		if (!nl) {
			*used_r = off;
			return len - off > LG_IMAP_LINE_MAX_BYTES ? -1 : 0;
		}
		size_t n = (size_t)(nl - (data + off));
		size_t line_n = n > 0 && data[off + n - 1] == '\r' ? n - 1 : n;
		if (!r->in_resp)
			lg_imap_first_fragment(r, data + off, line_n);
		uint64_t lit = 0;
		int has = lg_imap_literal_at_end(data + off, line_n, &lit);
		off += n + 1;
		if (has < 0) {
			*used_r = off;
			return -1;
		}
		if (has == 0) {
			r->in_resp = false;
			*used_r = off;
			return 1;
		}
		r->literal_left = lit;
		if (lit == 0)
			continue;
	}
	*used_r = off;
	return 0;
}

bool lg_imap_is_tagged(const struct lg_imap_reader *r, const char *tag)
{
	size_t tl = strlen(tag);
	return r->type == LG_RESP_TAGGED && r->head_len > tl &&
	       memcmp(r->head, tag, tl) == 0 && r->head[tl] == ' ';
}

enum lg_imap_status lg_imap_status_of(const struct lg_imap_reader *r)
{
	const char *sp = memchr(r->head, ' ', r->head_len);
	if (!sp)
		return LG_IMAP_OTHER;
	const char *w = sp + 1;
	size_t left = r->head_len - (size_t)(w - r->head);
	size_t wl = 0;
	while (wl < left && w[wl] != ' ')
		wl++;
	if (rm_word_eq(w, wl, "OK"))
		return LG_IMAP_OK;
	if (rm_word_eq(w, wl, "NO"))
		return LG_IMAP_NO;
	if (rm_word_eq(w, wl, "BAD"))
		return LG_IMAP_BAD;
	if (rm_word_eq(w, wl, "BYE"))
		return LG_IMAP_BYE;
	return LG_IMAP_OTHER;
}

int lg_imap_untagged_num(const struct lg_imap_reader *r, const char *word, uint32_t *n_r)
{
	if (r->type != LG_RESP_UNTAGGED || r->head_len < 4 || r->head[1] != ' ')
		return 0;
	const char *p = r->head + 2;
	const char *end = r->head + r->head_len;
	uint64_t v = 0;
	const char *digits = p;
	while (p < end && *p >= '0' && *p <= '9' && v <= UINT32_MAX)
		v = v * 10 + (uint64_t)(*p++ - '0');
	if (p == digits || p >= end || *p != ' ' || v > UINT32_MAX)
		return 0;
	p++;
	size_t wl = 0;
	while (p + wl < end && p[wl] != ' ' && p[wl] != '(')
		wl++;
	if (!rm_word_eq(p, wl, word))
		return 0;
	*n_r = (uint32_t)v;
	return 1;
}
