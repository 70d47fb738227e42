#include "server/imap/flags.h"

#include <string.h>

#include "common/limits.h"
#include "common/util.h"

static const struct {
	const char *name;
	uint32_t bit;
} sysflags[] = {
	{ "\\Seen", IMAP_FLAG_SEEN },       { "\\Answered", IMAP_FLAG_ANSWERED },
	{ "\\Flagged", IMAP_FLAG_FLAGGED }, { "\\Deleted", IMAP_FLAG_DELETED },
	{ "\\Draft", IMAP_FLAG_DRAFT },
};

const char *flags_sys_name(uint32_t bit)
{
	for (size_t i = 0; i < RM_ARRAY_LEN(sysflags); i++)
		if (sysflags[i].bit == bit)
			return sysflags[i].name;
	return NULL;
}

void flags_write_sys(struct rm_buf *out, uint32_t sys)
{
	bool first = true;
	for (size_t i = 0; i < RM_ARRAY_LEN(sysflags); i++) {
		if (!(sys & sysflags[i].bit))
			continue;
		if (!first)
			rm_buf_putc(out, ' ');
		rm_buf_puts(out, sysflags[i].name);
		first = false;
	}
}

bool flags_parse_list(struct imap_parser *p, struct imap_flag_list *out)
{
	memset(out, 0, sizeof(*out));
	if (!imap_parse_lparen(p))
		return false;
	if (imap_parse_try_rparen(p))
		return true;
	unsigned cap = 8;
	out->keywords = rm_arena_alloc(p->arena, cap * sizeof(*out->keywords));
	do {
		struct imap_str w;
		bool system = imap_parse_try_char(p, '\\');
		if (!imap_parse_atom(p, &w))
			return false;
		if (system) {
			size_t i;
			for (i = 0; i < RM_ARRAY_LEN(sysflags); i++)
				if (rm_word_eq(w.s, w.len, sysflags[i].name + 1))
					break;
			if (i == RM_ARRAY_LEN(sysflags))
				return imap_parse_fail(p, rm_word_eq(w.s, w.len, "Recent")
					? "\\Recent cannot be set" : "Invalid system flag");
			out->sys |= sysflags[i].bit;
			continue;
		}
		if (w.len > RM_KEYWORD_MAX_BYTES)
			return imap_parse_fail(p, "Keyword too long");
		bool dup = false;
		for (unsigned k = 0; k < out->nkeywords && !dup; k++)
			dup = rm_word_eq(w.s, w.len, out->keywords[k]);
		if (dup)
			continue;
		if (out->nkeywords == cap) {
			if (cap >= RM_KEYWORDS_MAX)
				return imap_parse_fail(p, "Too many keywords");
			const char **n = rm_arena_alloc(p->arena, cap * 2 * sizeof(*n));
			memcpy(n, out->keywords, cap * sizeof(*n));
			out->keywords = n;
			cap *= 2;
		}
		out->keywords[out->nkeywords++] = imap_str_dup(p, &w);
	} while (imap_parse_try_sp(p));
	return imap_parse_rparen(p);
}
