/*
 * list_parse.h — the arguments of LIST (RFC 9051 §6.3.9, LIST-EXTENDED
 * RFC 5258 §3 and §6, SPECIAL-USE RFC 6154 §6, LIST-STATUS RFC 5819 §4) and
 * LSUB (RFC 3501 §6.3.9), and the canonical patterns built from the
 * reference and the mailbox patterns.
 *
 * Syntax:  LIST [SP "(" select-opts ")"] SP mailbox SP
 *               (list-mailbox / "(" list-mailbox *(SP list-mailbox) ")")
 *               [SP "RETURN" SP "(" [return-opt *(SP return-opt)] ")"]
 */
#ifndef RM_IMAP_LIST_PARSE_H
#define RM_IMAP_LIST_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "server/imap/parse.h"

enum list_select {
	LIST_SEL_SUBSCRIBED = 1u << 0,
	LIST_SEL_REMOTE = 1u << 1,       /* accepted; there are no remote mailboxes */
	LIST_SEL_RECURSIVEMATCH = 1u << 2,
	LIST_SEL_SPECIAL_USE = 1u << 3,
};

enum list_return {
	LIST_RET_SUBSCRIBED = 1u << 0,
	LIST_RET_CHILDREN = 1u << 1,
	LIST_RET_SPECIAL_USE = 1u << 2,
	LIST_RET_STATUS = 1u << 3,
};

struct list_args {
	bool extended;             /* any of the three RFC 5258 §3 forms */
	unsigned select;           /* enum list_select */
	unsigned ret;              /* enum list_return */
	uint32_t status_items;     /* enum cmd_status_item, with LIST_RET_STATUS */
	struct imap_str ref;
	struct imap_str *pats;     /* arena array, as sent */
	unsigned npats;
};

/** A canonical pattern: reference + mailbox pattern in the internal form
 * (UTF-8, '/'), and for INBOX and its inferiors the same with a leading
 * "inbox" in any case upper-cased (INBOX is case-insensitive, RFC 9051
 * §5.1; "inbox/%" lists INBOX's inferiors). */
struct list_pattern {
	const char *pat;
	size_t len;
	const char *inbox_pat;     /* NULL when the same as pat */
	size_t literals;           /* bytes that are not wildcards */
};

/** Parses what follows "LIST" (lsub: "LSUB", which has only the basic
 * form).  Strings in *a point into the command or its arena.  Returns false
 * with the parser's error for BAD: bad syntax, an unknown option,
 * RECURSIVEMATCH without a base option (RFC 5258 §3.1), more than
 * RM_LIST_PATTERNS_MAX patterns. */
bool list_parse_args(struct imap_parser *p, bool lsub, struct list_args *a);

/** Builds the canonical patterns (arena memory, *pats_r valid until the
 * command ends): the reference and the pattern concatenated, decoded, runs
 * of wildcards collapsed ("%*" is "*").  Patterns that do not decode (bad
 * modified UTF-7, invalid UTF-8, NUL), that need more than
 * RM_MAILBOX_NAME_MAX_BYTES literal bytes and, in the extended syntax,
 * empty ones are dropped: RFC 9051 §6.3.9 says a pattern the server does
 * not accept is silently ignored.  Returns the number kept. */
unsigned list_parse_patterns(const struct list_args *a, bool utf8, struct rm_arena *arena,
			     struct list_pattern **pats_r);

/** The STORE_USE_* bit of a special-use attribute name ("\\Sent", any
 * case; RFC 6154 §2), 0 when it is none of them. */
uint32_t list_parse_use_bit(const char *name, size_t len);

/** Appends " \\Archive \\Sent ..." for every bit of use (RFC 6154 order). */
void list_parse_use_write(struct rm_buf *out, uint32_t use);

/** True when name (internal form) matches one of the patterns. */
bool list_parse_match(const struct list_pattern *pats, unsigned n, const char *name, size_t len);

#endif
