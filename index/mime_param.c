/*
 * mime_param.c — Content-Type / Content-Disposition values and their
 * parameters, with RFC 2231 continuations and charsets.
 */
#include "index/mime_param.h"

#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "index/mime_decode.h"
#include "index/mime_lex.h"

/* tspecials of RFC 2045 §5.1; 8-bit bytes are accepted in tokens. */
static bool is_token(unsigned char c)
{
	switch (c) {
	case '(': case ')': case '<': case '>': case '@': case ',': case ';':
	case ':': case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
		return false;
	default:
		return c > 0x20 && c != 0x7f;
	}
}

static struct mime_str lex_token(struct mime_lex *x)
{
	struct mime_str t = { x->p + x->i, 0 };
	while (x->i < x->len && is_token((unsigned char)x->p[x->i]))
		x->i++;
	t.len = (size_t)(x->p + x->i - t.p);
	return t;
}

/* A parameter as written, before RFC 2231 merging. */
struct raw_param {
	struct mime_str attr;   /* without the "*N*" suffix */
	struct mime_str value;  /* arena: quoted-string already undone */
	int section;            /* -1: none */
	bool extended;          /* had a trailing '*' */
	bool used;
};

/* Splits "name*12*" into name, section 12, extended. */
static void split_attr(struct raw_param *rp)
{
	const char *a = rp->attr.p;
	size_t n = rp->attr.len;
	rp->section = -1;
	if (n > 1 && a[n - 1] == '*') {
		rp->extended = true;
		n--;
	}
	size_t d = n;
	while (d > 0 && a[d - 1] >= '0' && a[d - 1] <= '9')
		d--;
	if (d < n && d > 1 && a[d - 1] == '*' && n - d <= 4) {
		int s = 0;
		for (size_t i = d; i < n; i++)
			s = s * 10 + (a[i] - '0');
		rp->section = s;
		n = d - 1;
	} else if (rp->extended && n > 0 && a[n - 1] == '*') {
		n--;
	}
	rp->attr.len = n;
}

/* Unquoted values run to ';' or white space: real mail leaves tspecials
 * such as '=' and '/' unquoted ("boundary=----=_Part_1"). */
static void lex_value(struct mime_lex *x, struct rm_buf *scratch)
{
	if (x->i < x->len && x->p[x->i] == '"') {
		mime_lex_quoted(x, scratch);
		return;
	}
	size_t start = x->i;
	while (x->i < x->len) {
		unsigned char c = (unsigned char)x->p[x->i];
		if (c == ';' || c == '"' || mime_lex_is_wsp((char)c))
			break;
		x->i++;
	}
	rm_buf_append(scratch, x->p + start, x->i - start);
}

static void skip_to_semicolon(struct mime_lex *x)
{
	while (x->i < x->len && x->p[x->i] != ';') {
		if (x->p[x->i] == '"') {
			struct rm_buf junk = { 0 };
			mime_lex_quoted(x, &junk);
			rm_buf_free(&junk);
		} else {
			x->i++;
		}
	}
}

/* Reads "; attr=value" pairs into raw (at most RM_MIME_PARAMS_MAX). */
static size_t lex_params(struct rm_arena *a, struct mime_lex *x, struct raw_param *raw)
{
	size_t n = 0;
	struct rm_buf scratch = { 0 };
	while (n < RM_MIME_PARAMS_MAX) {
		mime_lex_skip_cfws(x, NULL);
		if (mime_lex_eof(x))
			break;
		if (x->p[x->i] == ';') {
			x->i++;
			continue;
		}
		struct mime_str attr = lex_token(x);
		mime_lex_skip_cfws(x, NULL);
		if (attr.len == 0 || mime_lex_eof(x) || x->p[x->i] != '=') {
			if (attr.len == 0 && !mime_lex_eof(x) && x->p[x->i] != ';')
				x->i++;
			skip_to_semicolon(x);
			continue;
		}
		x->i++;
		mime_lex_skip_cfws(x, NULL);
		rm_buf_reset(&scratch);
		lex_value(x, &scratch);
		raw[n] = (struct raw_param){ .attr = attr };
		raw[n].value.p = rm_arena_strndup(a, scratch.data ? scratch.data : "", scratch.len);
		raw[n].value.len = scratch.len;
		split_attr(&raw[n]);
		n++;
		skip_to_semicolon(x);
	}
	rm_buf_free(&scratch);
	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = rm_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void percent_decode(const char *s, size_t n, struct rm_buf *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			rm_buf_putc(out, (char)(hi << 4 | lo));
			i += 2;
		} else {
			rm_buf_putc(out, s[i]);
		}
	}
}

static bool same_name(const struct raw_param *x, const struct raw_param *y)
{
	return x->attr.len == y->attr.len &&
	       rm_strncasecmp_ascii(x->attr.p, y->attr.p, x->attr.len) == 0;
}

/* The unused RFC 2231 piece of raw[first]'s name with the lowest section
 * ("x*" counts as -1), or n. */
static size_t next_piece(struct raw_param *raw, size_t n, size_t first)
{
	size_t pick = n;
	for (size_t i = first; i < n; i++) {
		if (raw[i].used || (raw[i].section < 0 && !raw[i].extended) ||
		    !same_name(&raw[first], &raw[i]))
			continue;
		if (pick == n || raw[i].section < raw[pick].section)
			pick = i;
	}
	return pick;
}

/* "charset'language'value": splits off the charset, true when present. */
static bool split_charset(struct mime_str *v, struct mime_str *charset_r)
{
	const char *q1 = memchr(v->p, '\'', v->len);
	if (!q1)
		return false;
	size_t rest = v->len - (size_t)(q1 + 1 - v->p);
	const char *q2 = memchr(q1 + 1, '\'', rest);
	if (!q2)
		return false;
	*charset_r = (struct mime_str){ v->p, (size_t)(q1 - v->p) };
	v->len -= (size_t)(q2 + 1 - v->p);
	v->p = q2 + 1;
	return true;
}

/* The RFC 2231 pieces of one name in section order, decoded to UTF-8. */
static struct mime_str merge_2231(struct rm_arena *a, struct raw_param *raw, size_t n, size_t first)
{
	struct rm_buf bytes = { 0 }, utf8 = { 0 };
	struct mime_str charset = { "", 0 };
	bool converted = false, first_piece = true;
	size_t i;
	while ((i = next_piece(raw, n, first)) < n) {
		struct raw_param *rp = &raw[i];
		struct mime_str v = rp->value;
		rp->used = true;
		if (rp->extended && first_piece)
			converted = split_charset(&v, &charset);
		first_piece = false;
		if (rp->extended)
			percent_decode(v.p, v.len, &bytes);
		else
			rm_buf_append(&bytes, v.p, v.len);
	}
	const char *b = bytes.data ? bytes.data : "";
	if (converted)
		mime_charset_to_utf8(charset.p, charset.len, b, bytes.len, &utf8);
	else
		mime_charset_utf8_repair(b, bytes.len, &utf8);
	struct mime_str r = { rm_arena_strndup(a, utf8.data ? utf8.data : "", utf8.len), utf8.len };
	rm_buf_free(&bytes);
	rm_buf_free(&utf8);
	return r;
}

static struct mime_str upper_dup(struct rm_arena *a, struct mime_str s)
{
	char *d = rm_arena_strndup(a, s.p, s.len);
	for (size_t i = 0; i < s.len; i++)
		d[i] = rm_upper(d[i]);
	return (struct mime_str){ d, s.len };
}

/* Folds the raw list into final parameters: one per name, in order of
 * first appearance; RFC 2231 forms win over a plain one. */
static void merge_params(struct rm_arena *a, struct raw_param *raw, size_t n, struct mime_params *out)
{
	out->v = rm_arena_alloc(a, (n ? n : 1) * sizeof(*out->v));
	out->n = 0;
	for (size_t i = 0; i < n; i++) {
		if (raw[i].used)
			continue;
		bool has_2231 = false;
		for (size_t j = i; j < n && !has_2231; j++)
			has_2231 = !raw[j].used && same_name(&raw[i], &raw[j]) &&
				   (raw[j].section >= 0 || raw[j].extended);
		struct mime_param *p = &out->v[out->n++];
		p->name = upper_dup(a, raw[i].attr);
		if (has_2231)
			p->value = merge_2231(a, raw, n, i);
		else
			p->value = raw[i].value;
		for (size_t j = i; j < n; j++) {
			if (same_name(&raw[i], &raw[j]))
				raw[j].used = true;
		}
	}
}

/* "token [/ token] *(; parameter)": subtype_r NULL for a disposition. */
static bool parse_value(struct rm_arena *a, const char *v, size_t len, struct mime_str *type_r,
	struct mime_str *subtype_r, struct mime_params *params_r)
{
	struct mime_lex x = { v, len, 0 };
	mime_lex_skip_cfws(&x, NULL);
	struct mime_str type = lex_token(&x), subtype = { NULL, 0 };
	if (type.len == 0)
		return false;
	if (subtype_r) {
		mime_lex_skip_cfws(&x, NULL);
		if (mime_lex_eof(&x) || v[x.i] != '/')
			return false;
		x.i++;
		mime_lex_skip_cfws(&x, NULL);
		subtype = lex_token(&x);
		if (subtype.len == 0)
			return false;
		*subtype_r = subtype;
	}
	*type_r = type;
	skip_to_semicolon(&x);
	struct raw_param raw[RM_MIME_PARAMS_MAX];
	size_t n = lex_params(a, &x, raw);
	merge_params(a, raw, n, params_r);
	return true;
}

bool mime_param_content_type(struct rm_arena *a, const char *v, size_t len,
	struct mime_str *type_r, struct mime_str *subtype_r, struct mime_params *params_r)
{
	return parse_value(a, v, len, type_r, subtype_r, params_r);
}

bool mime_param_disposition(struct rm_arena *a, const char *v, size_t len,
	struct mime_str *type_r, struct mime_params *params_r)
{
	return parse_value(a, v, len, type_r, NULL, params_r);
}

size_t mime_param_tokens(const char *v, size_t len, mime_param_token_fn *fn, void *arg)
{
	struct mime_lex x = { v, len, 0 };
	size_t count = 0;
	for (;;) {
		mime_lex_skip_cfws(&x, NULL);
		if (mime_lex_eof(&x))
			return count;
		if (v[x.i] == ',') {
			x.i++;
			continue;
		}
		struct mime_str t = lex_token(&x);
		if (t.len == 0) {
			x.i++; /* a stray special */
			continue;
		}
		fn(arg, t.p, t.len);
		count++;
	}
}

struct first_token {
	const char *p;
	size_t len;
};

static void keep_first(void *arg, const char *tok, size_t len)
{
	struct first_token *f = arg;
	if (!f->p) {
		f->p = tok;
		f->len = len;
	}
}

bool mime_param_first_token(const char *v, size_t len, const char **tok_r, size_t *len_r)
{
	struct first_token f = { NULL, 0 };
	mime_param_tokens(v, len, keep_first, &f);
	*tok_r = f.p;
	*len_r = f.len;
	return f.p != NULL;
}

const struct mime_param *mime_param_find(const struct mime_params *ps, const char *name)
{
	for (uint32_t i = 0; i < ps->n; i++) {
		if (rm_word_eq(ps->v[i].name.p, ps->v[i].name.len, name))
			return &ps->v[i];
	}
	return NULL;
}
