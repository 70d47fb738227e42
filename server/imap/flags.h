/*
 * flags.h — message flags on the wire (RFC 9051 §2.3.2, §9 flag-list).
 * System flags are bits; keywords are atoms kept by name here and mapped to
 * per-user keyword ids by the store.
 */
#ifndef RM_IMAP_FLAGS_H
#define RM_IMAP_FLAGS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "server/imap/parse.h"

enum imap_sysflag {
	IMAP_FLAG_SEEN = 1u << 0,
	IMAP_FLAG_ANSWERED = 1u << 1,
	IMAP_FLAG_FLAGGED = 1u << 2,
	IMAP_FLAG_DELETED = 1u << 3,
	IMAP_FLAG_DRAFT = 1u << 4,
};
#define IMAP_FLAGS_ALL 0x1fu

struct imap_flag_list {
	uint32_t sys;
	const char **keywords;   /* arena */
	unsigned nkeywords;
};

/** flag-list = "(" [flag *(SP flag)] ")".  \Recent is refused (it cannot be
 * set, RFC 3501 §2.3.2) as is any unknown \-flag.  Keywords up to
 * RM_KEYWORD_MAX_BYTES, duplicates dropped. */
bool flags_parse_list(struct imap_parser *p, struct imap_flag_list *out);

/** Appends "\Seen \Flagged" (space separated, no parentheses). */
void flags_write_sys(struct rm_buf *out, uint32_t sys);
/** Name of one system flag bit ("\Seen"). */
const char *flags_sys_name(uint32_t bit);

#endif
