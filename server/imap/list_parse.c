#include "server/imap/list_parse.h"

#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "server/imap/mailbox_name.h"
#include "server/imap/status.h"
#include "storage/store_types.h"

struct list_opt {
	const char *name;
	unsigned bit;
};

/* RFC 5258 §3.1 and RFC 6154 §6. */
static const struct list_opt select_opts[] = {
	{ "SUBSCRIBED", LIST_SEL_SUBSCRIBED },
	{ "REMOTE", LIST_SEL_REMOTE },
	{ "RECURSIVEMATCH", LIST_SEL_RECURSIVEMATCH },
	{ "SPECIAL-USE", LIST_SEL_SPECIAL_USE },
};

/* RFC 5258 §3.2, RFC 6154 §6, RFC 5819 §4. */
static const struct list_opt return_opts[] = {
	{ "SUBSCRIBED", LIST_RET_SUBSCRIBED },
	{ "CHILDREN", LIST_RET_CHILDREN },
	{ "SPECIAL-USE", LIST_RET_SPECIAL_USE },
	{ "STATUS", LIST_RET_STATUS },
};

/* One option name from a table; 0 with the parser's error otherwise. */
static unsigned parse_opt(struct imap_parser *p, const struct list_opt *opts, size_t n,
			  const char *what)
{
	struct imap_str w;
	if (!imap_parse_atom(p, &w))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (imap_str_eq(&w, opts[i].name))
			return opts[i].bit;
	imap_parse_fail(p, what);
	return 0;
}

/* "(" [opt *(SP opt)] ")" after the "(" */
static bool parse_select_opts(struct imap_parser *p, struct list_args *a)
{
	if (!imap_parse_try_rparen(p)) {
		do {
			unsigned bit = parse_opt(p, select_opts, RM_ARRAY_LEN(select_opts),
						 "Unknown LIST selection option");
			if (!bit)
				return false;
			a->select |= bit;
		} while (imap_parse_try_sp(p));
		if (!imap_parse_rparen(p))
			return false;
	}
	/* RFC 5258 §3.1: RECURSIVEMATCH needs a base option (SUBSCRIBED). */
	if ((a->select & LIST_SEL_RECURSIVEMATCH) && !(a->select & LIST_SEL_SUBSCRIBED))
		return imap_parse_fail(p, "RECURSIVEMATCH needs SUBSCRIBED");
	if (a->select & LIST_SEL_SUBSCRIBED)
		a->ret |= LIST_RET_SUBSCRIBED;
	if (a->select & LIST_SEL_SPECIAL_USE)
		a->ret |= LIST_RET_SPECIAL_USE;
	return true;
}

static bool parse_return_opts(struct imap_parser *p, struct list_args *a)
{
	struct imap_str w;
	if (!imap_parse_atom(p, &w))
		return false;
	if (!imap_str_eq(&w, "RETURN"))
		return imap_parse_fail(p, "Expected RETURN");
	if (!imap_parse_sp(p) || !imap_parse_lparen(p))
		return false;
	if (imap_parse_try_rparen(p))
		return true;
	do {
		unsigned bit = parse_opt(p, return_opts, RM_ARRAY_LEN(return_opts),
					 "Unknown LIST return option");
		if (!bit)
			return false;
		uint32_t items;
		if (bit == LIST_RET_STATUS &&
		    (!imap_parse_sp(p) || !cmd_status_items_parse(p, &items)))
			return false;
		if (bit == LIST_RET_STATUS)
			a->status_items |= items;
		a->ret |= bit;
	} while (imap_parse_try_sp(p));
	return imap_parse_rparen(p);
}

/* list-mailbox = 1*list-char / string (RFC 9051 §9): list-char is
 * ATOM-CHAR, the wildcards and ']'. */
static bool parse_list_mailbox(struct imap_parser *p, struct imap_str *out)
{
	int c = imap_parse_peek(p);
	if (c == '"' || c == '{')
		return imap_parse_string(p, out);
	return imap_parse_word(p, "(){\"\\", out);
}

static bool parse_patterns(struct imap_parser *p, struct list_args *a)
{
	if (!imap_parse_try_lparen(p)) {
		a->pats = rm_arena_alloc(p->arena, sizeof(*a->pats));
		a->npats = 1;
		return parse_list_mailbox(p, &a->pats[0]);
	}
	a->extended = true;
	a->pats = rm_arena_alloc(p->arena, RM_LIST_PATTERNS_MAX * sizeof(*a->pats));
	do {
		if (a->npats == RM_LIST_PATTERNS_MAX)
			return imap_parse_fail(p, "Too many LIST patterns");
		if (!parse_list_mailbox(p, &a->pats[a->npats++]))
			return false;
	} while (imap_parse_try_sp(p));
	return imap_parse_rparen(p);
}

bool list_parse_args(struct imap_parser *p, bool lsub, struct list_args *a)
{
	memset(a, 0, sizeof(*a));
	if (!imap_parse_sp(p))
		return false;
	if (!lsub && imap_parse_try_lparen(p)) {
		a->extended = true;
		if (!parse_select_opts(p, a) || !imap_parse_sp(p))
			return false;
	}
	if (!imap_parse_astring(p, &a->ref) || !imap_parse_sp(p))
		return false;
	if (lsub) {
		a->pats = rm_arena_alloc(p->arena, sizeof(*a->pats));
		a->npats = 1;
		if (!parse_list_mailbox(p, &a->pats[0]))
			return false;
	} else if (!parse_patterns(p, a)) {
		return false;
	}
	if (!lsub && imap_parse_try_sp(p)) {
		a->extended = true;
		if (!parse_return_opts(p, a))
			return false;
	}
	return imap_parse_eol(p);
}

/* RFC 6154 §2. */
static const struct list_opt use_attrs[] = {
	{ "\\All", STORE_USE_ALL },
	{ "\\Archive", STORE_USE_ARCHIVE },
	{ "\\Drafts", STORE_USE_DRAFTS },
	{ "\\Flagged", STORE_USE_FLAGGED },
	{ "\\Junk", STORE_USE_JUNK },
	{ "\\Sent", STORE_USE_SENT },
	{ "\\Trash", STORE_USE_TRASH },
};

uint32_t list_parse_use_bit(const char *name, size_t len)
{
	for (size_t i = 0; i < RM_ARRAY_LEN(use_attrs); i++)
		if (rm_word_eq(name, len, use_attrs[i].name))
			return use_attrs[i].bit;
	return 0;
}

void list_parse_use_write(struct rm_buf *out, uint32_t use)
{
	for (size_t i = 0; i < RM_ARRAY_LEN(use_attrs); i++) {
		if (use & use_attrs[i].bit) {
			rm_buf_putc(out, ' ');
			rm_buf_puts(out, use_attrs[i].name);
		}
	}
}

/* ---- canonical patterns ------------------------------------------------------ */

static bool has_nul(const struct imap_str *s)
{
	return s->lit && s->lit->has_nul;
}

/* Decodes ref + pattern into out; false when it does not decode. */
static bool pattern_decode(const struct imap_str *ref, const struct imap_str *pat, bool utf8,
			   struct rm_buf *raw, struct rm_buf *out)
{
	if (has_nul(ref) || has_nul(pat))
		return false;
	rm_buf_reset(raw);
	rm_buf_reset(out);
	rm_buf_append(raw, ref->s, ref->len);
	rm_buf_append(raw, pat->s, pat->len);
	if (utf8) {
		if (!utf8_valid(raw->data, raw->len))
			return false;
		rm_buf_append(out, raw->data, raw->len);
		return true;
	}
	for (size_t i = 0; i < raw->len; i++)
		if ((unsigned char)raw->data[i] >= 0x80)
			return false;
	return mutf7_decode(raw->data, raw->len, out) == RM_OK;
}

/* Collapses runs of wildcards ("%*%" matches what "*" matches) in place
 * and fills len and literals. */
static void pattern_collapse(char *s, struct list_pattern *lp, size_t len)
{
	size_t o = 0;
	lp->literals = 0;
	for (size_t i = 0; i < len; i++) {
		bool wild = s[i] == '*' || s[i] == '%';
		if (!wild) {
			s[o++] = s[i];
			lp->literals++;
			continue;
		}
		if (o > 0 && (s[o - 1] == '*' || s[o - 1] == '%')) {
			if (s[i] == '*')
				s[o - 1] = '*';
			continue;
		}
		s[o++] = s[i];
	}
	lp->len = o;
}

/* For INBOX: the pattern with its leading literal bytes upper-cased when
 * they are the start of "INBOX" in some case ("inbox/%", "In*"), else NULL.
 * A pattern like "*o*" does not match INBOX: RFC 9051 §6.3.9 matches the
 * upper-case string, case-insensitivity is for the name INBOX itself. */
static const char *pattern_inbox(struct rm_arena *arena, const char *pat, size_t len)
{
	size_t k = 0;
	while (k < len && pat[k] != '*' && pat[k] != '%' && pat[k] != MBOX_DELIM)
		k++;
	if (k == 0 || k > 5 || rm_strncasecmp_ascii(pat, "INBOX", k) != 0 ||
	    memcmp(pat, "INBOX", k) == 0)
		return NULL;
	char *up = rm_arena_strndup(arena, pat, len);
	memcpy(up, "INBOX", k);
	return up;
}

unsigned list_parse_patterns(const struct list_args *a, bool utf8, struct rm_arena *arena,
			     struct list_pattern **pats_r)
{
	struct list_pattern *pats = rm_arena_alloc(arena, (a->npats ? a->npats : 1) * sizeof(*pats));
	struct rm_buf raw = { 0 }, dec = { 0 };
	unsigned n = 0;
	for (unsigned i = 0; i < a->npats; i++) {
		if (a->extended && a->pats[i].len == 0)
			continue;   /* RFC 5258 §3: empty patterns are ignored */
		if (!pattern_decode(&a->ref, &a->pats[i], utf8, &raw, &dec))
			continue;
		struct list_pattern *lp = &pats[n];
		char *s = rm_arena_strndup(arena, dec.data ? dec.data : "", dec.len);
		pattern_collapse(s, lp, dec.len);
		if (lp->literals > RM_MAILBOX_NAME_MAX_BYTES)
			continue;   /* longer than any name */
		lp->pat = s;
		lp->inbox_pat = pattern_inbox(arena, s, lp->len);
		n++;
	}
	rm_buf_free(&raw);
	rm_buf_free(&dec);
	*pats_r = pats;
	return n;
}

bool list_parse_match(const struct list_pattern *pats, unsigned n, const char *name, size_t len)
{
	bool inbox = mbox_name_is_inbox(name, len);
	for (unsigned i = 0; i < n; i++) {
		const struct list_pattern *lp = &pats[i];
		if (lp->literals > len)
			continue;
		if (mbox_pattern_match(lp->pat, lp->len, name, len))
			return true;
		if (inbox && lp->inbox_pat && mbox_pattern_match(lp->inbox_pat, lp->len, name, len))
			return true;
	}
	return false;
}
