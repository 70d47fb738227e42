/*
 * search_parse.h — SEARCH programs (RFC 9051 §6.4.4 and §9 search-key,
 * RFC 3501's NEW/OLD/RECENT, RFC 7162 MODSEQ, RFC 8474 EMAILID/THREADID,
 * RFC 8514 SAVED*, RFC 5032 OLDER/YOUNGER, RFC 5182 "$") parsed into a tree,
 * plus ESEARCH return options (RFC 4731) and CHARSET.  Syntax only: the
 * search code evaluates the tree.
 *
 * The top level is an implicit AND: a list of keys linked by `next`.
 */
#ifndef RM_IMAP_SEARCH_PARSE_H
#define RM_IMAP_SEARCH_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "server/imap/parse.h"
#include "server/imap/seqset.h"

enum search_key_kind {
	SK_ALL,
	SK_SEQSET,          /* set (message sequence numbers) */
	SK_UID,             /* set */
	SK_AND,             /* child list: a parenthesized group */
	SK_OR,              /* child and child->next */
	SK_NOT,             /* child */
	/* flags: flag holds the flag bit name, negated for UN* */
	SK_ANSWERED, SK_DELETED, SK_DRAFT, SK_FLAGGED, SK_SEEN,
	SK_UNANSWERED, SK_UNDELETED, SK_UNDRAFT, SK_UNFLAGGED, SK_UNSEEN,
	SK_NEW, SK_OLD, SK_RECENT,          /* IMAP4rev1 only */
	SK_KEYWORD, SK_UNKEYWORD,           /* str */
	SK_LARGER, SK_SMALLER,              /* num */
	SK_BEFORE, SK_ON, SK_SINCE,         /* date: internal date */
	SK_SENTBEFORE, SK_SENTON, SK_SENTSINCE, /* date: Date header */
	SK_SAVEDBEFORE, SK_SAVEDON, SK_SAVEDSINCE, SK_SAVEDATESUPPORTED,
	SK_OLDER, SK_YOUNGER,               /* num seconds (RFC 5032) */
	SK_HEADER,          /* header name + str (FROM, TO, CC, BCC, SUBJECT map here) */
	SK_BODY,            /* str */
	SK_TEXT,            /* str */
	SK_MODSEQ,          /* num */
	SK_EMAILID, SK_THREADID, /* str */
};

struct search_key {
	enum search_key_kind kind;
	struct search_key *next;    /* next key of the enclosing AND list */
	struct search_key *child;   /* AND, OR, NOT */
	struct seqset set;          /* SEQSET, UID (may be "$") */
	uint64_t num;
	int64_t date;               /* 00:00:00 UTC of the day, seconds since epoch */
	const char *header;         /* HEADER field name; "From", "To", "Cc", "Bcc", "Subject" */
	const char *str;            /* the string argument (arena, NUL-terminated) */
	size_t str_len;
	unsigned text_id;           /* search_eval.c: index of a text key's state */
};

enum search_return {
	SR_MIN = 1 << 0,
	SR_MAX = 1 << 1,
	SR_ALL = 1 << 2,
	SR_COUNT = 1 << 3,
	SR_SAVE = 1 << 4,
};

struct search_program {
	struct search_key *keys;    /* implicit AND */
	bool esearch;               /* RETURN (...) was given: answer ESEARCH */
	unsigned ret;               /* enum search_return bits; RETURN () means ALL */
	const char *charset;        /* NULL when absent */
	bool uses_dollar;
	bool has_modseq;            /* a MODSEQ key: results carry MODSEQ (RFC 7162 §3.1.5) */
	unsigned nkeys;
};

/** Parses "[RETURN (...)] [CHARSET x] key *(SP key)" starting at the SP
 * after SEARCH.  Limits: RM_NEST_MAX nesting (shared with the parser),
 * RM_ARGS_MAX keys.  utf8_allowed: 8-bit strings accepted without CHARSET
 * (IMAP4rev2 / UTF8=ACCEPT). */
bool search_parse(struct imap_parser *p, bool esearch_allowed, struct search_program *prog);

/** SORT and THREAD's search-criteria (RFC 5256 §5): SP charset 1*(SP
 * search-key), the charset mandatory and without the word CHARSET. */
bool search_parse_criteria(struct imap_parser *p, struct search_program *prog);

#endif
