/* Commands valid in any state: CAPABILITY, NOOP, LOGOUT, ID (RFC 2971),
 * and ENABLE (RFC 5161) for authenticated states. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "server/config.h"
#include "server/imap/command.h"
#include "server/imap/quote.h"
#include "server/imap/view.h"
#include "server/server.h"
#include "server/worker.h"

void cmd_capability(struct imap_cmd *cmd)
{
	if (!imap_parse_eol(&cmd->p))
		return;
	struct rm_buf *out = imap_out(cmd->s);
	rm_buf_puts(out, "* CAPABILITY ");
	imap_capability_write(cmd->s, out);
	rm_buf_append(out, "\r\n", 2);
	imap_cmd_reply(cmd, "OK", "CAPABILITY completed");
}

void cmd_noop(struct imap_cmd *cmd)
{
	if (!imap_parse_eol(&cmd->p))
		return;
	imap_cmd_reply(cmd, "OK", "NOOP completed");
}

void cmd_logout(struct imap_cmd *cmd)
{
	if (!imap_parse_eol(&cmd->p))
		return;
	struct imap_session *s = cmd->s;
	/* RFC 9051 §6.1.3: BYE, then the tagged OK, then close. */
	imap_untagged(s, "BYE Logging out");
	s->state = IMAP_ST_LOGOUT;
	imap_cmd_reply(cmd, "OK", "LOGOUT completed");
	conn_close_after_flush(s->c);
}

/* RFC 2971 §3.3: at most 30 field-value pairs, fields up to 30 octets,
 * values up to 1024. */
#define ID_PAIRS_MAX 30
#define ID_FIELD_MAX_BYTES 30
#define ID_VALUE_MAX_BYTES 1024

void cmd_id(struct imap_cmd *cmd)
{
	struct imap_parser *p = &cmd->p;
	if (!imap_parse_sp(p))
		return;
	struct imap_str v;
	if (imap_parse_try_lparen(p)) {
		unsigned pairs = 0;
		if (imap_parse_peek(p) == ')') {
			imap_parse_fail(p, "Empty ID list must be NIL");
			return;
		}
		do {
			struct imap_str field;
			if (!imap_parse_string(p, &field) || !imap_parse_sp(p) ||
			    !imap_parse_nstring(p, &v))
				return;
			if (++pairs > ID_PAIRS_MAX || field.len > ID_FIELD_MAX_BYTES ||
			    v.len > ID_VALUE_MAX_BYTES) {
				imap_parse_fail(p, "ID list too large (RFC 2971 3.3)");
				return;
			}
		} while (imap_parse_try_sp(p));
		if (!imap_parse_rparen(p))
			return;
	} else if (!imap_parse_nstring(p, &v) || v.kind != IMAP_STR_NIL) {
		imap_parse_fail(p, "Expected a parenthesized list or NIL");
		return;
	}
	if (!imap_parse_eol(p))
		return;
	imap_untagged(cmd->s, "ID (\"name\" \"ringmail\" \"version\" \"%s\")", RM_VERSION);
	imap_cmd_reply(cmd, "OK", "ID completed");
}

/* What ENABLE can turn on, and the session bit it sets.  RFC 5161 §3.1:
 * unknown names are ignored; only those actually enabled are listed in
 * the untagged ENABLED response. */
static const struct {
	const char *name;
	uint32_t bit;
	uint32_t also;      /* implied (QRESYNC implies CONDSTORE, RFC 7162 §3.2.3) */
} enableable[] = {
	/* RFC 6855 §3: UTF-8 mailbox names and strings from now on. */
	{ "UTF8=ACCEPT", IMAP_EN_UTF8, 0 },
	{ "CONDSTORE", IMAP_EN_CONDSTORE, 0 },
	{ "QRESYNC", IMAP_EN_QRESYNC, IMAP_EN_CONDSTORE },
	/* RFC 9051 §6.3.1: IMAP4rev2 behaviour (no \Recent, ESEARCH for
	 * SEARCH, UTF-8 names, LIST in SELECT, \NonExistent). */
	{ "IMAP4rev2", IMAP_EN_REV2, 0 },
};

void cmd_enable(struct imap_cmd *cmd)
{
	struct imap_parser *p = &cmd->p;
	struct imap_session *s = cmd->s;
	struct rm_buf *out = imap_out(s);
	size_t mark = out->len;
	rm_buf_puts(out, "* ENABLED");
	if (!imap_parse_sp(p)) {
		out->len = mark;
		return;
	}
	do {
		struct imap_str cap;
		if (!imap_parse_atom(p, &cap)) {
			out->len = mark;
			return;
		}
		for (size_t i = 0; i < RM_ARRAY_LEN(enableable); i++) {
			if (!imap_str_eq(&cap, enableable[i].name))
				continue;
			if (!(s->enabled & enableable[i].bit)) {
				s->enabled |= enableable[i].bit | enableable[i].also;
				rm_buf_putc(out, ' ');
				rm_buf_puts(out, enableable[i].name);
			}
		}
	} while (imap_parse_try_sp(p));
	if (!imap_parse_eol(p)) {
		out->len = mark;
		return;
	}
	rm_buf_append(out, "\r\n", 2);
	imap_cmd_reply(cmd, "OK", "ENABLE completed");
}

/* UNAUTHENTICATE (RFC 8437): back to the not-authenticated state with
 * everything of the login forgotten (selected mailbox without expunges,
 * ENABLEd extensions, \Recent claims, the saved search); TLS stays.  The
 * session stays on this worker; a next login hands it over again when its
 * user lives elsewhere. */
void cmd_unauthenticate(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	if (!imap_parse_eol(&cmd->p))
		return;
	view_close(s);
	free(s->recent_kept);
	s->recent_kept = NULL;
	s->recent_kept_n = 0;
	free(s->searchres.r);
	memset(&s->searchres, 0, sizeof(s->searchres));
	free(s->login);
	s->login = NULL;
	s->user_id = 0;
	s->enabled = 0;
	s->auth_failures = 0;
	s->state = IMAP_ST_NOTAUTH;
	conn_set_timeout_class(s->c, CONN_TO_PREAUTH);
	imap_cmd_reply(cmd, "OK", "UNAUTHENTICATE completed");
}
