/*
 * lmtp_parse.h — the syntax of LMTP commands (RFC 2033 over RFC 5321 §4.1):
 * verbs, the <path> of MAIL FROM / RCPT TO with their ESMTP parameters
 * (SIZE RFC 1870, BODY RFC 6152, SMTPUTF8 RFC 6531), and the split of a
 * recipient address into local part, +detail and domain.
 *
 * Pure functions over caller-owned bytes: nothing allocates, returned
 * pointers point into the input and live as long as it does.
 */
#ifndef RM_LMTP_PARSE_H
#define RM_LMTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum lmtp_verb {
	LMTP_V_UNKNOWN,
	LMTP_V_LHLO,
	LMTP_V_HELO,     /* HELO and EHLO are not LMTP: 500 (RFC 2033 §4.1) */
	LMTP_V_EHLO,
	LMTP_V_MAIL,
	LMTP_V_RCPT,
	LMTP_V_DATA,
	LMTP_V_RSET,
	LMTP_V_NOOP,
	LMTP_V_QUIT,
	LMTP_V_VRFY,
};

/** The verb of a command line (without its CRLF), case-insensitive.
 * *args_r and *args_len_r receive what follows the verb and one space
 * (empty when nothing follows). */
enum lmtp_verb lmtp_parse_verb(const char *line, size_t len, const char **args_r,
			       size_t *args_len_r);

/** ESMTP parameters of MAIL FROM. */
struct lmtp_mail_params {
	uint64_t size_bytes;       /* SIZE=, 0 when absent */
	bool body_8bit;            /* BODY=8BITMIME */
	bool smtputf8;             /* SMTPUTF8 */
};

/** Parses `prefix<path>[ params]` (prefix "FROM:" or "TO:", matched
 * case-insensitively; RFC 5321 allows no space after the colon but
 * Postfix and others send none, some clients one: both are accepted).
 * On success *addr_r and *addr_len_r is the address inside the brackets with
 * an RFC 5321 source route ("@a,@b:") dropped, and *params_r and
 * *params_len_r
 * the rest after one space.  Returns NULL or a reply text for 501
 * ("5.5.4 ..."): the static reason the line is malformed.  An empty path
 * "<>" is accepted only when allow_empty (the null reverse-path). */
const char *lmtp_parse_path(const char *args, size_t len, const char *prefix, bool allow_empty,
			    const char **addr_r, size_t *addr_len_r, const char **params_r,
			    size_t *params_len_r);

/** Parses MAIL FROM's parameters.  Returns NULL or a static "5.5.4 ..."
 * text for 555 (unknown parameter, bad value). */
const char *lmtp_parse_mail_params(const char *p, size_t len, struct lmtp_mail_params *r);

/** A recipient address split for the user lookup: local part without the
 * detail, the detail (after the first '+', may be empty), the domain
 * (may be empty: "postmaster" has none). */
struct lmtp_addr_parts {
	const char *local;
	size_t local_len;
	const char *detail;        /* NULL when the local part has no '+' */
	size_t detail_len;
	const char *domain;
	size_t domain_len;
};

/** Splits addr at its last '@' and the local part at its first '+'.
 * Returns false for an empty local part. */
bool lmtp_addr_split(const char *addr, size_t len, struct lmtp_addr_parts *r);

#endif
