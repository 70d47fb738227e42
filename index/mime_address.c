/*
 * mime_address.c — address-list (RFC 5322 §3.4, with the obsolete forms of
 * §4.4) to IMAP address structures.
 *
 * A tolerant recursive-descent-free parser: tokens are read one at a time
 * and an item (mailbox or group) is decided by the first special that
 * follows its words: '<' starts an angle address, '@' turns the words into
 * a local part, ':' opens a group, ',' or ';' or the end finishes a bare
 * word list (an address without a domain).  Junk is skipped, never fatal.
 */
#include "index/mime_address.h"

#include <stdbool.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "index/mime_imap.h"
#include "index/mime_lex.h"

enum tok_kind { T_END, T_WORD, T_QUOTED, T_DLITERAL, T_SPECIAL };

struct tok {
	enum tok_kind kind;
	char c;               /* T_SPECIAL */
	const char *raw;      /* the token as written */
	size_t raw_len;
	bool ws_before;       /* white space or a comment came before it */
};

struct lexer {
	struct mime_lex x;
	struct mime_str comment;  /* last comment seen */
	struct tok peeked;
	bool has_peeked;
};

/* RFC 5322 specials. */
static bool is_special(char c)
{
	switch (c) {
	case '(': case ')': case '<': case '>': case '[': case ']': case ':':
	case ';': case '@': case '\\': case ',': case '.': case '"':
		return true;
	default:
		return false;
	}
}

static void skip_quoted(struct mime_lex *x)
{
	x->i++;
	while (x->i < x->len && x->p[x->i] != '"')
		x->i += (x->p[x->i] == '\\' && x->i + 1 < x->len) ? 2 : 1;
	if (x->i < x->len)
		x->i++;
}

static struct tok lex_next(struct lexer *lx)
{
	if (lx->has_peeked) {
		lx->has_peeked = false;
		return lx->peeked;
	}
	struct mime_lex *x = &lx->x;
	struct tok t = { .ws_before = mime_lex_skip_cfws(x, &lx->comment) };
	t.raw = x->p + x->i;
	if (mime_lex_eof(x)) {
		t.kind = T_END;
		return t;
	}
	char c = x->p[x->i];
	size_t start = x->i;
	if (c == '"') {
		t.kind = T_QUOTED;
		skip_quoted(x);
	} else if (c == '[') {
		t.kind = T_DLITERAL;
		while (x->i < x->len && x->p[x->i] != ']')
			x->i++;
		if (x->i < x->len)
			x->i++;
	} else if (is_special(c)) {
		t.kind = T_SPECIAL;
		t.c = c;
		x->i++;
	} else {
		t.kind = T_WORD;
		while (x->i < x->len && !is_special(x->p[x->i]) && !mime_lex_is_wsp(x->p[x->i]))
			x->i++;
	}
	t.raw_len = x->i - start;
	return t;
}

static struct tok lex_peek(struct lexer *lx)
{
	if (!lx->has_peeked) {
		lx->peeked = lex_next(lx);
		lx->has_peeked = true;
	}
	return lx->peeked;
}

static bool is_sp(const struct tok *t, char c)
{
	return t->kind == T_SPECIAL && t->c == c;
}

/* Words of a display name or group name: single spaces where the source
 * had white space, quoted strings undone. */
static void phrase_add(struct rm_buf *b, const struct tok *t)
{
	if (t->ws_before && b->len > 0)
		rm_buf_putc(b, ' ');
	if (t->kind == T_QUOTED) {
		struct mime_lex q = { t->raw, t->raw_len, 0 };
		mime_lex_quoted(&q, b);
	} else {
		mime_lex_unfold(t->raw, t->raw_len, b);
	}
}

/* Local parts and domains: tokens as written, white space dropped. */
static void raw_add(struct rm_buf *b, const struct tok *t)
{
	mime_lex_unfold(t->raw, t->raw_len, b);
}

struct list {
	struct rm_buf *out;
	size_t count;
};

static void put_part(struct rm_buf *out, const struct rm_buf *s)
{
	if (!s)
		rm_buf_append(out, "NIL", 3);
	else
		mime_imap_string(out, s->data ? s->data : "", s->len);
}

static void emit(struct list *l, const struct rm_buf *name, const struct rm_buf *adl,
	const struct rm_buf *mailbox, const struct rm_buf *host)
{
	if (l->count >= RM_MIME_ADDRESSES_MAX)
		return;
	if (l->count == 0)
		rm_buf_putc(l->out, '(');
	rm_buf_putc(l->out, '(');
	put_part(l->out, name && name->len ? name : NULL);
	rm_buf_putc(l->out, ' ');
	put_part(l->out, adl && adl->len ? adl : NULL);
	rm_buf_putc(l->out, ' ');
	put_part(l->out, mailbox);
	rm_buf_putc(l->out, ' ');
	put_part(l->out, host);
	rm_buf_putc(l->out, ')');
	l->count++;
}

/* Domain tokens (atoms, dots, literals) up to anything else. */
static void parse_domain(struct lexer *lx, struct rm_buf *host)
{
	for (;;) {
		struct tok t = lex_peek(lx);
		if (t.kind == T_WORD || t.kind == T_DLITERAL || is_sp(&t, '.')) {
			raw_add(host, &t);
			lex_next(lx);
		} else {
			return;
		}
	}
}

/* obs-route "@a,@b:" just after '<'; leaves the route in adl. */
static void parse_route(struct lexer *lx, struct rm_buf *adl)
{
	for (;;) {
		struct tok t = lex_peek(lx);
		if (is_sp(&t, '@')) {
			lex_next(lx);
			rm_buf_putc(adl, '@');
			parse_domain(lx, adl);
		} else if (is_sp(&t, ',')) {
			lex_next(lx);
			rm_buf_putc(adl, ',');
		} else {
			if (is_sp(&t, ':'))
				lex_next(lx);
			return;
		}
	}
}

struct item {
	struct rm_buf phrase, local, adl, mailbox, host;
};

static void item_reset(struct item *it)
{
	rm_buf_reset(&it->phrase);
	rm_buf_reset(&it->local);
	rm_buf_reset(&it->adl);
	rm_buf_reset(&it->mailbox);
	rm_buf_reset(&it->host);
}

/* After '<': [route] local-part ["@" domain] ">". */
static void parse_angle(struct lexer *lx, struct list *l, struct item *it)
{
	struct tok t = lex_peek(lx);
	if (is_sp(&t, '@'))
		parse_route(lx, &it->adl);
	bool at = false;
	for (;;) {
		t = lex_next(lx);
		if (t.kind == T_END || is_sp(&t, '>'))
			break;
		if (is_sp(&t, ',') || is_sp(&t, ';')) {
			lx->peeked = t;      /* unclosed '<': let the list see it */
			lx->has_peeked = true;
			break;
		}
		if (is_sp(&t, '@') && !at) {
			at = true;
			parse_domain(lx, &it->host);
		} else if (!at && (t.kind == T_WORD || t.kind == T_QUOTED || is_sp(&t, '.'))) {
			raw_add(&it->mailbox, &t);
		}
	}
	emit(l, &it->phrase, &it->adl, &it->mailbox, &it->host);
}

/* Skips what is left of an item up to ',' ';' or the end (not eaten). */
static void skip_rest(struct lexer *lx)
{
	for (;;) {
		struct tok t = lex_peek(lx);
		if (t.kind == T_END || is_sp(&t, ',') || is_sp(&t, ';'))
			return;
		lex_next(lx);
	}
}

/* The words of one item, then whatever decides what it is.  Returns the
 * special that ended it (',' ';' ':' or 0 at the end). */
static char parse_item(struct lexer *lx, struct list *l, struct item *it, bool in_group)
{
	bool words = false;
	lx->comment = (struct mime_str){ NULL, 0 };
	for (;;) {
		struct tok t = lex_next(lx);
		if (t.kind == T_WORD || t.kind == T_QUOTED || is_sp(&t, '.')) {
			phrase_add(&it->phrase, &t);
			raw_add(&it->local, &t);
			words = true;
		} else if (is_sp(&t, '<')) {
			parse_angle(lx, l, it);
			skip_rest(lx);
			return 'a';
		} else if (is_sp(&t, '@')) {
			lx->comment = (struct mime_str){ NULL, 0 };
			parse_domain(lx, &it->host);
			skip_rest(lx);
			struct rm_buf name = { 0 };
			if (lx->comment.p)
				mime_lex_unfold_trim(lx->comment.p, lx->comment.len, &name);
			emit(l, &name, NULL, &it->local, &it->host);
			rm_buf_free(&name);
			return 'a';
		} else if (is_sp(&t, ':') && !in_group) {
			return ':';
		} else if (t.kind == T_END || is_sp(&t, ',') || is_sp(&t, ';')) {
			if (words)
				emit(l, NULL, NULL, &it->phrase, &it->host);
			return t.kind == T_END ? 0 : t.c;
		}
		/* Anything else (stray '>', ']', '\') is junk. */
	}
}

static void emit_group_start(struct list *l, const struct rm_buf *name)
{
	struct rm_buf empty = { 0 };
	emit(l, NULL, NULL, name->len ? name : &empty, NULL);
}

size_t mime_address_write_list(const char *v, size_t len, struct rm_buf *out)
{
	struct lexer lx = { .x = { v, len, 0 } };
	struct list l = { out, 0 };
	struct item it = { 0 };
	bool in_group = false;
	for (;;) {
		item_reset(&it);
		char end = parse_item(&lx, &l, &it, in_group);
		if (end == 'a') {
			struct tok t = lex_next(&lx);
			end = t.kind == T_END ? 0 : t.c;
		}
		if (end == ':') {
			emit_group_start(&l, &it.phrase);
			in_group = true;
		} else if ((end == ';' || end == 0) && in_group) {
			emit(&l, NULL, NULL, NULL, NULL);
			in_group = false;
		}
		if (end == 0)
			break;
	}
	if (l.count > 0)
		rm_buf_putc(out, ')');
	rm_buf_free(&it.phrase);
	rm_buf_free(&it.local);
	rm_buf_free(&it.adl);
	rm_buf_free(&it.mailbox);
	rm_buf_free(&it.host);
	return l.count;
}
