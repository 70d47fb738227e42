/*
 * control_wire.h — the control socket's line protocol, shared by the server
 * (control.c) and the `ringmail` command (cli/admin_remote.c).
 *
 * Request:  VERB SP arg SP arg ... LF
 *           APPEND is followed by exactly <size> raw message bytes.
 * Response: zero or more data lines "* ..." LF, then one of
 *           "OK[ text]" LF   or   "NO <error> <text>" LF
 *           (<error> is rm_err_str: notfound, exists, quota ...).
 * Arguments and data fields are percent-encoded: bytes <= 0x20, '%' and
 * 0x7f become %XX, so a mailbox name with spaces stays one field; an empty
 * argument is a lone "%".
 *
 * Verbs: PING; USER-SHOW login; USER-ENSURE login; MAILBOX-LIST login;
 * MAILBOX-CREATE login name; MAILBOX-DELETE login name;
 * APPEND login mailbox flags internal_date_s size; KICK login;
 * MSG-LIST login mailbox ("* msg uid flags internal_date_s size" lines);
 * MSG-GET login mailbox uid (a "* body <size>" line followed by exactly
 * <size> raw message bytes and a LF, then the final line);
 * USER-DELETE login (ends the user's sessions and deletes every mailbox and
 * message; refused while the passwd-file, read again first, still has the
 * login: remove it there before); SUBSCRIBE login name (the name need not
 * exist, RFC 9051 §6.3.9).
 */
#ifndef RM_CONTROL_WIRE_H
#define RM_CONTROL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define CONTROL_ARGS_MAX 8

/** Appends s (n bytes) percent-encoded; an empty s is written as "%". */
void control_arg_put(struct rm_buf *b, const char *s, size_t n);

/** Appends a flags field as one argument: "-" when empty, else a comma
 * list of the system flags ("\\Seen" ...) then the keyword names.  A
 * keyword holding ',' cannot be written and is left out. */
void control_flags_put(struct rm_buf *b, uint32_t flags, const char *const *kw,
		       const size_t *kw_lens, unsigned nkw);

/** Parses a decoded flags field in place (commas become NULs): STORE_F_*
 * bits into *flags_r, keyword names into kw/kw_lens (*nkw_r of them).
 * False for an unknown \\flag, more than max keywords, or a keyword over
 * RM_KEYWORD_MAX_BYTES. */
bool control_flags_parse(char *field, uint32_t *flags_r, const char **kw, size_t *kw_lens,
			 unsigned max, unsigned *nkw_r);

/** Splits a request or data line (without LF) at spaces and decodes each
 * field in place (the line is modified; fields are NUL-terminated and
 * point into it, so line must have len + 1 writable bytes).  Returns the field count, or -1 for more than max
 * fields or a bad %XX. */
int control_args_split(char *line, size_t len, char **argv, size_t *lens, unsigned max);

#endif
