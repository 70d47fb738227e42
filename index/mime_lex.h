/*
 * mime_lex.h — the lexical pieces RFC 5322 and RFC 2045 structured header
 * values share: white space with folding, comments, quoted strings.
 * Internal to index/; used by mime_param.c and mime_address.c.
 */
#ifndef RM_MIME_LEX_H
#define RM_MIME_LEX_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "index/mime_tree.h"

/** A cursor over one raw (possibly folded) header value. */
struct mime_lex {
	const char *p;
	size_t len;
	size_t i;
};

/** Space, tab, CR or LF: white space in a possibly folded value. */
static inline bool mime_lex_is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/** True when the cursor has reached the end of the value. */
static inline bool mime_lex_eof(const struct mime_lex *x)
{
	return x->i >= x->len;
}

/**
 * Skips white space (CR and LF included: the value may be folded) and
 * comments, nested or not, with quoted-pairs inside them.  When comment_r
 * is not NULL it receives the content of the last top-level comment
 * skipped (pointing into the value), or keeps its value if there was none.
 * Returns true when anything was skipped.
 */
bool mime_lex_skip_cfws(struct mime_lex *x, struct mime_str *comment_r);

/**
 * At a '"': appends the string's content to out with quoted-pairs undone
 * and CR/LF removed (unfolded), and moves past the closing quote (or to the
 * end when there is none).
 */
void mime_lex_quoted(struct mime_lex *x, struct rm_buf *out);

/** Appends [s, s+len) to out without CR and LF (header unfolding). */
void mime_lex_unfold(const char *s, size_t len, struct rm_buf *out);

/** Unfolds [s, s+len) and trims surrounding spaces and tabs into out. */
void mime_lex_unfold_trim(const char *s, size_t len, struct rm_buf *out);

#endif
