#include "server/imap/frame.h"

#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"

void frame_init(struct imap_frame *fr)
{
	memset(fr, 0, sizeof(*fr));
}

static void lits_free(struct imap_frame *fr)
{
	for (unsigned i = 0; i < fr->nlits; i++) {
		struct imap_literal *l = &fr->lits[i];
		if (l->stolen || !l->owner)
			continue;
		if (l->free_fn)
			l->free_fn(l->owner);
		else
			free(l->owner);
	}
	fr->nlits = 0;
}

void frame_reset(struct imap_frame *fr, bool keep_memory)
{
	lits_free(fr);
	if (!keep_memory || fr->text.cap > 4 * RM_LINE_PREAUTH_MAX_BYTES) {
		rm_buf_free(&fr->text);
		free(fr->lits);
		fr->lits = NULL;
		fr->lits_cap = 0;
	}
	fr->text.len = 0;
	fr->seg_start = 0;
	fr->total_bytes = 0;
	/* A command being skipped (over-long line, rejected non-synchronizing
	 * literal) stays skipped until its end is seen. */
	if (!fr->discarding) {
		fr->state = FRAME_ST_LINE;
		fr->discard_left = 0;
	}
}

void frame_fini(struct imap_frame *fr)
{
	frame_reset(fr, false);
}

/* Does the line text[seg_start..len) end in {N}, {N+}, {N-} or ~{N}? */
static bool line_literal_marker(struct imap_frame *fr)
{
	const char *s = fr->text.data + fr->seg_start;
	size_t n = fr->text.len - fr->seg_start;
	if (n < 3 || s[n - 1] != '}')
		return false;
	size_t i = n - 1;
	bool nonsync = false;
	if (s[i - 1] == '+' || s[i - 1] == '-') {
		nonsync = true;
		i--;
	}
	size_t digits_end = i;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == digits_end || i == 0 || s[i - 1] != '{')
		return false;
	/* Literal length: at most 20 digits, checked for overflow digit by
	 * digit (nginx does the same). */
	uint64_t v = 0;
	for (size_t k = i; k < digits_end; k++) {
		uint64_t d = (uint64_t)(s[k] - '0');
		if (v > (UINT64_MAX - d) / 10)
			v = UINT64_MAX; /* saturate: rejected as too large */
		else
			v = v * 10 + d;
	}
	fr->pending_len = v;
	fr->pending_nonsync = nonsync;
	fr->pending_binary = (i >= 2 && s[i - 2] == '~');
	return true;
}

static enum frame_result feed_line(struct imap_frame *fr, const char *data, size_t len,
				   size_t max_line, size_t *used)
{
	const char *lf = memchr(data, '\n', len);
	size_t take = lf ? (size_t)(lf - data) + 1 : len;
	size_t seg_len = fr->text.len - fr->seg_start;
	if (seg_len + take > max_line + 2) {
		/* Keep what we have (the tag is at its start) but take no more
		 * of the line into memory. */
		*used = take;
		fr->discarding = !lf;
		fr->state = lf ? FRAME_ST_LINE : FRAME_ST_DISCARD_LINE;
		return FRAME_LINE_TOO_LONG;
	}
	rm_buf_append(&fr->text, data, take);
	*used = take;
	if (!lf)
		return FRAME_MORE;
	/* Drop LF and a CR before it. */
	fr->text.len--;
	if (fr->text.len > fr->seg_start && fr->text.data[fr->text.len - 1] == '\r')
		fr->text.len--;
	if (line_literal_marker(fr))
		return FRAME_LITERAL;
	return FRAME_COMMAND;
}

static enum frame_result feed_discard_line(struct imap_frame *fr, const char *data, size_t len,
					   size_t *used)
{
	const char *lf = memchr(data, '\n', len);
	if (!lf) {
		/* Keep only a short tail to recognise a literal marker. */
		*used = len;
		rm_buf_append(&fr->text, data, len);
		if (fr->text.len > 64)
			rm_buf_consume(&fr->text, fr->text.len - 64);
		fr->seg_start = 0;
		return FRAME_MORE;
	}
	*used = (size_t)(lf - data) + 1;
	rm_buf_append(&fr->text, data, (size_t)(lf - data));
	if (fr->text.len && fr->text.data[fr->text.len - 1] == '\r')
		fr->text.len--;
	fr->seg_start = 0;
	if (line_literal_marker(fr) && fr->pending_nonsync) {
		/* The client will send these bytes without waiting: skip them. */
		fr->state = FRAME_ST_DISCARD_LITERAL;
		fr->discard_left = fr->pending_len;
		fr->text.len = 0;
		return FRAME_MORE;
	}
	fr->text.len = 0;
	fr->state = FRAME_ST_LINE;
	fr->discarding = false;
	return FRAME_DISCARDED;
}

enum frame_result frame_feed(struct imap_frame *fr, const char *data, size_t len,
			     size_t max_line, size_t *consumed_r)
{
	size_t pos = 0;
	enum frame_result res = FRAME_MORE;
	while (pos < len) {
		size_t used = 0;
		switch (fr->state) {
		case FRAME_ST_LINE:
			res = feed_line(fr, data + pos, len - pos, max_line, &used);
			break;
		case FRAME_ST_LITERAL: {
			struct imap_literal *l = &fr->lits[fr->nlits - 1];
			uint64_t want = l->len - l->fill;
			used = (size_t)RM_MIN((uint64_t)(len - pos), want);
			memcpy(l->data + l->fill, data + pos, used);
			if (!l->has_nul && memchr(data + pos, '\0', used))
				l->has_nul = true;
			l->fill += used;
			if (l->fill == l->len) {
				fr->state = FRAME_ST_LINE;
				fr->seg_start = fr->text.len;
			}
			res = FRAME_MORE;
			break;
		}
		case FRAME_ST_DISCARD_LITERAL:
			used = (size_t)RM_MIN((uint64_t)(len - pos), fr->discard_left);
			fr->discard_left -= used;
			if (fr->discard_left == 0)
				fr->state = FRAME_ST_DISCARD_LINE;
			res = FRAME_MORE;
			break;
		case FRAME_ST_DISCARD_LINE:
			res = feed_discard_line(fr, data + pos, len - pos, &used);
			break;
		}
		pos += used;
		if (res != FRAME_MORE)
			break;
	}
	/* A literal of length 0 completes without input. */
	if (res == FRAME_MORE && fr->state == FRAME_ST_LITERAL &&
	    fr->lits[fr->nlits - 1].len == 0) {
		fr->state = FRAME_ST_LINE;
		fr->seg_start = fr->text.len;
	}
	*consumed_r = pos;
	return res;
}

void frame_literal_accept(struct imap_frame *fr,
			  char *(*alloc)(uint64_t len, void **owner_r),
			  void (*free_fn)(void *owner))
{
	if (fr->nlits == fr->lits_cap) {
		fr->lits_cap = fr->lits_cap ? fr->lits_cap * 2 : 4;
		fr->lits = rm_realloc(fr->lits, fr->lits_cap * sizeof(*fr->lits));
	}
	struct imap_literal *l = &fr->lits[fr->nlits++];
	memset(l, 0, sizeof(*l));
	l->len = fr->pending_len;
	l->nonsync = fr->pending_nonsync;
	l->binary = fr->pending_binary;
	if (alloc) {
		l->data = alloc(l->len, &l->owner);
		l->free_fn = free_fn;
	} else {
		l->data = rm_malloc((size_t)l->len + 1);
		l->owner = l->data;
	}
	fr->total_bytes += l->len;
	/* The marker's line ends here; the CRLF stays in text so the parser
	 * sees "{N}\r\n" and takes the next literal. */
	rm_buf_append(&fr->text, "\r\n", 2);
	fr->state = FRAME_ST_LITERAL;
	if (l->len == 0) {
		fr->state = FRAME_ST_LINE;
		fr->seg_start = fr->text.len;
	}
}

void frame_literal_reject(struct imap_frame *fr)
{
	fr->text.len = 0;
	fr->seg_start = 0;
	if (fr->pending_nonsync) {
		fr->state = FRAME_ST_DISCARD_LITERAL;
		fr->discard_left = fr->pending_len;
		fr->discarding = true;
		if (fr->discard_left == 0)
			fr->state = FRAME_ST_DISCARD_LINE;
	} else {
		fr->state = FRAME_ST_LINE;
		fr->discarding = false;
	}
}

void frame_peek(const struct imap_frame *fr, const char **tag_r, size_t *tag_len_r,
		const char **cmd_r, size_t *cmd_len_r)
{
	const char *s = fr->text.data;
	size_t n = fr->text.len;
	size_t i = 0;
	*tag_r = s;
	*tag_len_r = 0;
	*cmd_r = NULL;
	*cmd_len_r = 0;
	if (!s)
		return;
	while (i < n && s[i] != ' ' && s[i] != '\r')
		i++;
	*tag_len_r = i;
	if (i >= n || s[i] != ' ')
		return;
	size_t c = ++i;
	while (i < n && s[i] != ' ' && s[i] != '\r')
		i++;
	*cmd_r = s + c;
	*cmd_len_r = i - c;
}
