/*
 * parse.h — the IMAP command tokenizer (RFC 9051 §9 formal syntax), over a
 * command assembled by frame.c: `text` holds the lines with literal markers
 * ("{5}\r\n"), the literal bytes are in lits[] in order.
 *
 * Handlers parse their arguments by calling these functions in the order the
 * grammar gives.  Each returns true on success; on failure it records a
 * message in p->error (once: the first error wins) and returns false, and
 * the dispatcher answers "tag BAD <error>".  Strings returned point into the
 * command's text or literals and stay valid until the command ends; strings
 * that needed unescaping are copied to the command's arena.
 */
#ifndef RM_IMAP_PARSE_H
#define RM_IMAP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "server/imap/frame.h"

struct imap_parser {
	const char *p;
	const char *end;
	struct imap_literal *lits;
	unsigned nlits;
	unsigned lit_next;
	unsigned depth;          /* open parentheses */
	struct rm_arena *arena;
	const char *error;       /* first error, static or arena string */
	bool utf8;               /* UTF8=ACCEPT / IMAP4rev2: 8-bit in quoted ok */
};

enum imap_str_kind { IMAP_STR_ATOM, IMAP_STR_QUOTED, IMAP_STR_LITERAL, IMAP_STR_NIL };

struct imap_str {
	const char *s;
	size_t len;
	enum imap_str_kind kind;
	struct imap_literal *lit;   /* for IMAP_STR_LITERAL: the buffer */
};

void imap_parser_init(struct imap_parser *p, const char *text, size_t len,
		      struct imap_literal *lits, unsigned nlits, struct rm_arena *arena);

/** Records an error (first one wins) and returns false. */
bool imap_parse_fail(struct imap_parser *p, const char *msg);

/** The next byte without consuming it; -1 at the end. */
int imap_parse_peek(const struct imap_parser *p);
bool imap_parse_at_end(const struct imap_parser *p);
/** Exactly one SP. */
bool imap_parse_sp(struct imap_parser *p);
/** Consumes one SP when present. */
bool imap_parse_try_sp(struct imap_parser *p);
/** End of the command: nothing left. */
bool imap_parse_eol(struct imap_parser *p);
/** Consumes byte c if it is next. */
bool imap_parse_try_char(struct imap_parser *p, char c);
bool imap_parse_char(struct imap_parser *p, char c, const char *what);

/** "(" and ")" with the nesting limit (RM_NEST_MAX). */
bool imap_parse_lparen(struct imap_parser *p);
bool imap_parse_rparen(struct imap_parser *p);
bool imap_parse_try_lparen(struct imap_parser *p);
bool imap_parse_try_rparen(struct imap_parser *p);

/** atom = 1*ATOM-CHAR. */
bool imap_parse_atom(struct imap_parser *p, struct imap_str *out);
/** An atom that may also contain ']' (astring's ASTRING-CHAR). */
bool imap_parse_astring_atom(struct imap_parser *p, struct imap_str *out);
/** A run of bytes up to SP, ')' or the end, for tokens like section specs
 * and flag names ("\Seen", "BODY.PEEK[HEADER.FIELDS"); stops before the
 * characters in `stop`. */
bool imap_parse_word(struct imap_parser *p, const char *stop, struct imap_str *out);
/** quoted / literal. */
bool imap_parse_string(struct imap_parser *p, struct imap_str *out);
/** atom / string (ASTRING). */
bool imap_parse_astring(struct imap_parser *p, struct imap_str *out);
/** string / NIL. */
bool imap_parse_nstring(struct imap_parser *p, struct imap_str *out);
/** number (32-bit) and number64 (63-bit, RFC 9051). */
bool imap_parse_number(struct imap_parser *p, uint32_t *out);
bool imap_parse_nz_number(struct imap_parser *p, uint32_t *out);
bool imap_parse_number64(struct imap_parser *p, uint64_t *out);

/** Returns a NUL-terminated arena copy of s (strings may contain NUL only
 * as literals; callers that need C strings check has_nul first). */
char *imap_str_dup(struct imap_parser *p, const struct imap_str *s);
/** True when s equals the word w, ASCII case-insensitively. */
bool imap_str_eq(const struct imap_str *s, const char *w);

#endif
