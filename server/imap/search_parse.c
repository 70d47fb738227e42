#include "server/imap/search_parse.h"

#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "server/imap/imap_date.h"

struct sp_state {
	struct imap_parser *p;
	struct search_program *prog;
};

static bool parse_key(struct sp_state *st, struct search_key **out);

static struct search_key *key_new(struct sp_state *st, enum search_key_kind kind)
{
	if (++st->prog->nkeys > RM_ARGS_MAX) {
		imap_parse_fail(st->p, "Search program too large");
		return NULL;
	}
	struct search_key *k = rm_arena_alloc(st->p->arena, sizeof(*k));
	memset(k, 0, sizeof(*k));
	k->kind = kind;
	return k;
}

static bool arg_string(struct sp_state *st, struct search_key *k)
{
	struct imap_str s;
	if (!imap_parse_sp(st->p) || !imap_parse_astring(st->p, &s))
		return false;
	k->str = imap_str_dup(st->p, &s);
	k->str_len = s.len;
	return true;
}

/* Keys without arguments. */
static const struct {
	const char *name;
	enum search_key_kind kind;
} plain_keys[] = {
	{ "ALL", SK_ALL }, { "ANSWERED", SK_ANSWERED }, { "DELETED", SK_DELETED },
	{ "DRAFT", SK_DRAFT }, { "FLAGGED", SK_FLAGGED }, { "SEEN", SK_SEEN },
	{ "UNANSWERED", SK_UNANSWERED }, { "UNDELETED", SK_UNDELETED }, { "UNDRAFT", SK_UNDRAFT },
	{ "UNFLAGGED", SK_UNFLAGGED }, { "UNSEEN", SK_UNSEEN }, { "NEW", SK_NEW },
	{ "OLD", SK_OLD }, { "RECENT", SK_RECENT }, { "SAVEDATESUPPORTED", SK_SAVEDATESUPPORTED },
};

/* Keys with a date argument. */
static const struct {
	const char *name;
	enum search_key_kind kind;
} date_keys[] = {
	{ "BEFORE", SK_BEFORE }, { "ON", SK_ON }, { "SINCE", SK_SINCE },
	{ "SENTBEFORE", SK_SENTBEFORE }, { "SENTON", SK_SENTON }, { "SENTSINCE", SK_SENTSINCE },
	{ "SAVEDBEFORE", SK_SAVEDBEFORE }, { "SAVEDON", SK_SAVEDON }, { "SAVEDSINCE", SK_SAVEDSINCE },
};

/* Keys that search one header field. */
static const char *const header_keys[] = { "FROM", "TO", "CC", "BCC", "SUBJECT" };
static const char *const header_names[] = { "From", "To", "Cc", "Bcc", "Subject" };

static bool parse_named(struct sp_state *st, const struct imap_str *w, struct search_key **out)
{
	struct imap_parser *p = st->p;
	struct search_key *k;
	for (size_t i = 0; i < RM_ARRAY_LEN(plain_keys); i++)
		if (imap_str_eq(w, plain_keys[i].name))
			return (*out = key_new(st, plain_keys[i].kind)) != NULL;
	for (size_t i = 0; i < RM_ARRAY_LEN(date_keys); i++) {
		if (!imap_str_eq(w, date_keys[i].name))
			continue;
		return (*out = k = key_new(st, date_keys[i].kind)) && imap_parse_sp(p) &&
		       imap_parse_date(p, &k->date);
	}
	for (size_t i = 0; i < RM_ARRAY_LEN(header_keys); i++) {
		if (!imap_str_eq(w, header_keys[i]))
			continue;
		if (!(*out = k = key_new(st, SK_HEADER)))
			return false;
		k->header = header_names[i];
		return arg_string(st, k);
	}
	if (imap_str_eq(w, "HEADER")) {
		struct imap_str name;
		if (!(*out = k = key_new(st, SK_HEADER)) || !imap_parse_sp(p) ||
		    !imap_parse_astring(p, &name))
			return false;
		if (name.len == 0 || memchr(name.s, ':', name.len))
			return imap_parse_fail(p, "Invalid header field name");
		k->header = imap_str_dup(p, &name);
		return arg_string(st, k);
	}
	if (imap_str_eq(w, "BODY") || imap_str_eq(w, "TEXT")) {
		return (*out = k = key_new(st, w->len == 4 && (w->s[0] | 0x20) == 'b' ? SK_BODY : SK_TEXT)) &&
		       arg_string(st, k);
	}
	if (imap_str_eq(w, "KEYWORD") || imap_str_eq(w, "UNKEYWORD")) {
		struct imap_str kw;
		if (!(*out = k = key_new(st, w->len == 7 ? SK_KEYWORD : SK_UNKEYWORD)) ||
		    !imap_parse_sp(p) || !imap_parse_atom(p, &kw))
			return false;
		k->str = imap_str_dup(p, &kw);
		k->str_len = kw.len;
		return true;
	}
	if (imap_str_eq(w, "LARGER") || imap_str_eq(w, "SMALLER"))
		return (*out = k = key_new(st, w->len == 6 ? SK_LARGER : SK_SMALLER)) &&
		       imap_parse_sp(p) && imap_parse_number64(p, &k->num);
	if (imap_str_eq(w, "OLDER") || imap_str_eq(w, "YOUNGER")) {
		uint32_t n;
		if (!(*out = k = key_new(st, w->len == 5 ? SK_OLDER : SK_YOUNGER)) ||
		    !imap_parse_sp(p) || !imap_parse_nz_number(p, &n))
			return false;
		k->num = n;
		return true;
	}
	if (imap_str_eq(w, "UID")) {
		if (!(*out = k = key_new(st, SK_UID)) || !imap_parse_sp(p) ||
		    !seqset_parse(p, true, &k->set))
			return false;
		st->prog->uses_dollar |= k->set.dollar;
		return true;
	}
	if (imap_str_eq(w, "MODSEQ")) {
		/* RFC 7162 §3.1.5: MODSEQ [entry-name entry-type-req] value;
		 * the entry only narrows per-flag MODSEQ, which we do not
		 * keep, so it is parsed and the mailbox-wide value used. */
		if (!(*out = k = key_new(st, SK_MODSEQ)) || !imap_parse_sp(p))
			return false;
		st->prog->has_modseq = true;
		if (imap_parse_peek(p) == '"') {
			struct imap_str entry, type;
			if (!imap_parse_string(p, &entry) || !imap_parse_sp(p) ||
			    !imap_parse_atom(p, &type) || !imap_parse_sp(p))
				return false;
			if (!imap_str_eq(&type, "priv") && !imap_str_eq(&type, "shared") &&
			    !imap_str_eq(&type, "all"))
				return imap_parse_fail(p, "Invalid MODSEQ entry type");
		}
		return imap_parse_number64(p, &k->num);
	}
	if (imap_str_eq(w, "EMAILID") || imap_str_eq(w, "THREADID")) {
		struct imap_str id;
		if (!(*out = k = key_new(st, w->len == 7 ? SK_EMAILID : SK_THREADID)) ||
		    !imap_parse_sp(p) || !imap_parse_atom(p, &id))
			return false;
		k->str = imap_str_dup(p, &id);
		k->str_len = id.len;
		return true;
	}
	if (imap_str_eq(w, "NOT")) {
		if (!(*out = k = key_new(st, SK_NOT)) || !imap_parse_sp(p))
			return false;
		return parse_key(st, &k->child);
	}
	if (imap_str_eq(w, "OR")) {
		if (!(*out = k = key_new(st, SK_OR)) || !imap_parse_sp(p) || !parse_key(st, &k->child) ||
		    !imap_parse_sp(p))
			return false;
		return parse_key(st, &k->child->next);
	}
	return imap_parse_fail(p, "Unknown search key");
}

static bool parse_key(struct sp_state *st, struct search_key **out)
{
	struct imap_parser *p = st->p;
	int c = imap_parse_peek(p);
	if (c == '(') {
		if (!imap_parse_lparen(p))
			return false;
		struct search_key *k = key_new(st, SK_AND);
		if (!k)
			return false;
		*out = k;
		struct search_key **tail = &k->child;
		do {
			if (!parse_key(st, tail))
				return false;
			tail = &(*tail)->next;
		} while (imap_parse_try_sp(p));
		return imap_parse_rparen(p);
	}
	if ((c >= '0' && c <= '9') || c == '*' || c == '$') {
		struct search_key *k = key_new(st, SK_SEQSET);
		if (!k)
			return false;
		*out = k;
		if (!seqset_parse(p, true, &k->set))
			return false;
		st->prog->uses_dollar |= k->set.dollar;
		return true;
	}
	struct imap_str w;
	if (!imap_parse_atom(p, &w))
		return false;
	return parse_named(st, &w, out);
}

/* key *(SP key) up to the end of the command: the implicit AND. */
static bool parse_keys(struct sp_state *st)
{
	struct search_key **tail = &st->prog->keys;
	do {
		if (!parse_key(st, tail))
			return false;
		tail = &(*tail)->next;
	} while (imap_parse_try_sp(st->p));
	return imap_parse_eol(st->p);
}

/* RETURN (MIN MAX ALL COUNT SAVE), RFC 4731 §3.1 and RFC 5182 §2. */
static bool parse_return(struct sp_state *st)
{
	struct imap_parser *p = st->p;
	st->prog->esearch = true;
	if (!imap_parse_sp(p) || !imap_parse_lparen(p))
		return false;
	if (!imap_parse_try_rparen(p)) {
		static const struct {
			const char *name;
			unsigned bit;
		} opts[] = { { "MIN", SR_MIN }, { "MAX", SR_MAX }, { "ALL", SR_ALL },
			     { "COUNT", SR_COUNT }, { "SAVE", SR_SAVE } };
		do {
			struct imap_str w;
			if (!imap_parse_atom(p, &w))
				return false;
			size_t i;
			for (i = 0; i < RM_ARRAY_LEN(opts); i++)
				if (imap_str_eq(&w, opts[i].name))
					break;
			if (i == RM_ARRAY_LEN(opts))
				return imap_parse_fail(p, "Unknown RETURN option");
			st->prog->ret |= opts[i].bit;
		} while (imap_parse_try_sp(p));
		if (!imap_parse_rparen(p))
			return false;
	}
	/* RFC 4731 §3.1: RETURN () is RETURN (ALL). */
	if (st->prog->ret == 0)
		st->prog->ret = SR_ALL;
	return imap_parse_sp(p);
}

bool search_parse(struct imap_parser *p, bool esearch_allowed, struct search_program *prog)
{
	memset(prog, 0, sizeof(*prog));
	struct sp_state st = { p, prog };
	if (!imap_parse_sp(p))
		return false;
	struct imap_parser save = *p;
	struct imap_str w;
	if (imap_parse_atom(p, &w) && imap_str_eq(&w, "RETURN")) {
		if (!esearch_allowed)
			return imap_parse_fail(p, "RETURN needs ESEARCH");
		if (!parse_return(&st))
			return false;
		save = *p;
		if (!imap_parse_atom(p, &w))
			*p = save;
	}
	if (p->p != save.p && imap_str_eq(&w, "CHARSET")) {
		struct imap_str cs;
		if (!imap_parse_sp(p) || !imap_parse_astring(p, &cs) || !imap_parse_sp(p))
			return false;
		prog->charset = imap_str_dup(p, &cs);
	} else {
		*p = save;
	}
	return parse_keys(&st);
}

bool search_parse_criteria(struct imap_parser *p, struct search_program *prog)
{
	memset(prog, 0, sizeof(*prog));
	struct sp_state st = { p, prog };
	struct imap_str cs;
	if (!imap_parse_sp(p) || !imap_parse_astring(p, &cs) || !imap_parse_sp(p))
		return false;
	prog->charset = imap_str_dup(p, &cs);
	return parse_keys(&st);
}
