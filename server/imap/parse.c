#include "server/imap/parse.h"

#include <string.h>

#include "common/limits.h"
#include "common/util.h"

void imap_parser_init(struct imap_parser *p, const char *text, size_t len,
		      struct imap_literal *lits, unsigned nlits, struct rm_arena *arena)
{
	memset(p, 0, sizeof(*p));
	p->p = text;
	p->end = text + len;
	p->lits = lits;
	p->nlits = nlits;
	p->arena = arena;
}

bool imap_parse_fail(struct imap_parser *p, const char *msg)
{
	if (!p->error)
		p->error = msg;
	return false;
}

int imap_parse_peek(const struct imap_parser *p)
{
	return p->p < p->end ? (unsigned char)*p->p : -1;
}

bool imap_parse_at_end(const struct imap_parser *p)
{
	return p->p >= p->end;
}

/* The grammar has exactly one SP between arguments; clients that send
 * two (Apache James's own tests do) are understood: nothing an argument
 * can start with is a space, so this is never ambiguous. */
static void skip_extra_spaces(struct imap_parser *p)
{
	while (p->p < p->end && *p->p == ' ' && p->p + 1 < p->end)
		p->p++;
}

bool imap_parse_sp(struct imap_parser *p)
{
	if (p->p < p->end && *p->p == ' ') {
		p->p++;
		skip_extra_spaces(p);
		return true;
	}
	return imap_parse_fail(p, p->p >= p->end ? "Missing argument" : "Expected a space");
}

bool imap_parse_try_sp(struct imap_parser *p)
{
	if (p->p < p->end && *p->p == ' ') {
		/* Spaces before ')' end a list rather than separate two of
		 * its elements: imap_parse_try_rparen takes them. */
		const char *q = p->p;
		while (q < p->end && *q == ' ')
			q++;
		if (q < p->end && *q == ')')
			return false;
		p->p++;
		skip_extra_spaces(p);
		return true;
	}
	return false;
}

bool imap_parse_eol(struct imap_parser *p)
{
	if (p->p == p->end)
		return true;
	return imap_parse_fail(p, "Unexpected extra arguments");
}

bool imap_parse_try_char(struct imap_parser *p, char c)
{
	if (p->p < p->end && *p->p == c) {
		p->p++;
		return true;
	}
	return false;
}

bool imap_parse_char(struct imap_parser *p, char c, const char *what)
{
	if (imap_parse_try_char(p, c))
		return true;
	return imap_parse_fail(p, what);
}

bool imap_parse_try_lparen(struct imap_parser *p)
{
	if (p->p < p->end && *p->p == '(') {
		if (p->depth >= RM_NEST_MAX)
			return imap_parse_fail(p, "Too deeply nested");
		p->p++;
		p->depth++;
		/* "(  MESSAGES" — the same leniency as between arguments. */
		while (p->p < p->end && *p->p == ' ')
			p->p++;
		return true;
	}
	return false;
}

bool imap_parse_lparen(struct imap_parser *p)
{
	if (imap_parse_try_lparen(p))
		return true;
	return imap_parse_fail(p, "Expected '('");
}

bool imap_parse_try_rparen(struct imap_parser *p)
{
	/* "(UNSEEN RECENT )": spaces before a closing parenthesis are
	 * skipped too (never ambiguous: no list element is a space). */
	const char *q = p->p;
	while (q < p->end && *q == ' ')
		q++;
	if (q < p->end && *q == ')') {
		p->p = q;
		if (p->depth)
			p->depth--;
		p->p++;
		return true;
	}
	return false;
}

bool imap_parse_rparen(struct imap_parser *p)
{
	if (imap_parse_try_rparen(p))
		return true;
	return imap_parse_fail(p, "Expected ')'");
}

/* RFC 9051 §9: ATOM-CHAR is any CHAR except atom-specials:
 * "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials /
 * resp-specials. */
static bool is_atom_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return false;
	switch (c) {
	case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']':
		return false;
	default:
		return true;
	}
}

static bool scan_atom(struct imap_parser *p, struct imap_str *out, bool allow_bracket)
{
	const char *s = p->p;
	while (p->p < p->end) {
		unsigned char c = (unsigned char)*p->p;
		if (!(is_atom_char(c) || (allow_bracket && c == ']')))
			break;
		p->p++;
	}
	if (p->p == s) {
		if (p->p < p->end && (unsigned char)*p->p >= 0x80)
			return imap_parse_fail(p, "8-bit characters are not allowed in atoms");
		return imap_parse_fail(p, p->p >= p->end ? "Missing argument" : "Invalid characters in atom");
	}
	if (p->p < p->end && (unsigned char)*p->p >= 0x80)
		return imap_parse_fail(p, "8-bit characters are not allowed in atoms");
	out->s = s;
	out->len = (size_t)(p->p - s);
	out->kind = IMAP_STR_ATOM;
	out->lit = NULL;
	return true;
}

bool imap_parse_atom(struct imap_parser *p, struct imap_str *out)
{
	return scan_atom(p, out, false);
}

bool imap_parse_astring_atom(struct imap_parser *p, struct imap_str *out)
{
	return scan_atom(p, out, true);
}

bool imap_parse_word(struct imap_parser *p, const char *stop, struct imap_str *out)
{
	const char *s = p->p;
	while (p->p < p->end) {
		unsigned char c = (unsigned char)*p->p;
		if (c == ' ' || c < 0x20 || c >= 0x7f || strchr(stop, c))
			break;
		p->p++;
	}
	if (p->p == s)
		return imap_parse_fail(p, p->p >= p->end ? "Missing argument" : "Invalid token");
	out->s = s;
	out->len = (size_t)(p->p - s);
	out->kind = IMAP_STR_ATOM;
	out->lit = NULL;
	return true;
}

static bool parse_quoted(struct imap_parser *p, struct imap_str *out)
{
	RM_ASSERT(*p->p == '"');
	p->p++;
	const char *s = p->p;
	bool escaped = false;
	while (p->p < p->end && *p->p != '"') {
		unsigned char c = (unsigned char)*p->p;
		if (c == '\\') {
			if (p->p + 1 >= p->end || (p->p[1] != '"' && p->p[1] != '\\'))
				return imap_parse_fail(p, "Invalid escape in quoted string");
			escaped = true;
			p->p += 2;
			continue;
		}
		if (c == '\r' || c == '\n' || c == '\0')
			return imap_parse_fail(p, "CR, LF or NUL in quoted string");
		p->p++;
	}
	if (p->p >= p->end)
		return imap_parse_fail(p, "Unterminated quoted string");
	size_t n = (size_t)(p->p - s);
	p->p++;
	out->kind = IMAP_STR_QUOTED;
	out->lit = NULL;
	if (!escaped) {
		out->s = s;
		out->len = n;
		return true;
	}
	char *d = rm_arena_alloc(p->arena, n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\')
			i++;
		d[o++] = s[i];
	}
	d[o] = '\0';
	out->s = d;
	out->len = o;
	return true;
}

static bool parse_literal(struct imap_parser *p, struct imap_str *out)
{
	/* The framer guaranteed "{digits[+-]}\r\n" here for every literal it
	 * accepted; check again rather than trust it. */
	const char *q = p->p;
	if (q < p->end && *q == '~')
		q++;
	if (q >= p->end || *q != '{')
		return imap_parse_fail(p, "Expected literal");
	const char *close = memchr(q, '}', (size_t)(p->end - q));
	if (!close || close + 3 > p->end ||
	    close[1] != '\r' || close[2] != '\n')
		return imap_parse_fail(p, "Malformed literal");
	if (p->lit_next >= p->nlits)
		return imap_parse_fail(p, "Malformed literal");
	struct imap_literal *l = &p->lits[p->lit_next++];
	p->p = close + 3;
	out->s = l->data;
	out->len = (size_t)l->len;
	out->kind = IMAP_STR_LITERAL;
	out->lit = l;
	return true;
}

bool imap_parse_string(struct imap_parser *p, struct imap_str *out)
{
	int c = imap_parse_peek(p);
	if (c == '"')
		return parse_quoted(p, out);
	if (c == '{' || c == '~')
		return parse_literal(p, out);
	return imap_parse_fail(p, c < 0 ? "Missing argument" : "Expected a string");
}

bool imap_parse_astring(struct imap_parser *p, struct imap_str *out)
{
	int c = imap_parse_peek(p);
	if (c == '"' || c == '{')
		return imap_parse_string(p, out);
	return imap_parse_astring_atom(p, out);
}

bool imap_parse_nstring(struct imap_parser *p, struct imap_str *out)
{
	if (p->end - p->p >= 3 && rm_strncasecmp_ascii(p->p, "NIL", 3) == 0 &&
	    (p->end - p->p == 3 || !is_atom_char((unsigned char)p->p[3]))) {
		p->p += 3;
		out->s = NULL;
		out->len = 0;
		out->kind = IMAP_STR_NIL;
		out->lit = NULL;
		return true;
	}
	return imap_parse_string(p, out);
}

bool imap_parse_number64(struct imap_parser *p, uint64_t *out)
{
	const char *s = p->p;
	uint64_t v = 0;
	while (p->p < p->end && *p->p >= '0' && *p->p <= '9') {
		uint64_t d = (uint64_t)(*p->p - '0');
		/* number64 is 0..2^63-1 (RFC 9051 §9). */
		if (v > (((uint64_t)1 << 63) - 1 - d) / 10)
			return imap_parse_fail(p, "Number too large");
		v = v * 10 + d;
		p->p++;
	}
	if (p->p == s)
		return imap_parse_fail(p, p->p >= p->end ? "Missing argument" : "Expected a number");
	*out = v;
	return true;
}

bool imap_parse_number(struct imap_parser *p, uint32_t *out)
{
	uint64_t v;
	if (!imap_parse_number64(p, &v))
		return false;
	if (v > UINT32_MAX)
		return imap_parse_fail(p, "Number too large");
	*out = (uint32_t)v;
	return true;
}

bool imap_parse_nz_number(struct imap_parser *p, uint32_t *out)
{
	if (!imap_parse_number(p, out))
		return false;
	if (*out == 0)
		return imap_parse_fail(p, "Number must not be zero");
	return true;
}

char *imap_str_dup(struct imap_parser *p, const struct imap_str *s)
{
	return rm_arena_strndup(p->arena, s->s ? s->s : "", s->len);
}

bool imap_str_eq(const struct imap_str *s, const char *w)
{
	return s->kind != IMAP_STR_NIL && rm_word_eq(s->s, s->len, w);
}
