/* LMTP command syntax; see lmtp_parse.h. */
#include "server/lmtp/lmtp_parse.h"

#include <string.h>

#include "common/util.h"

static const struct {
	const char *name;
	enum lmtp_verb verb;
} verbs[] = {
	{ "LHLO", LMTP_V_LHLO }, { "HELO", LMTP_V_HELO }, { "EHLO", LMTP_V_EHLO },
	{ "MAIL", LMTP_V_MAIL }, { "RCPT", LMTP_V_RCPT }, { "DATA", LMTP_V_DATA },
	{ "RSET", LMTP_V_RSET }, { "NOOP", LMTP_V_NOOP }, { "QUIT", LMTP_V_QUIT },
	{ "VRFY", LMTP_V_VRFY },
};

enum lmtp_verb lmtp_parse_verb(const char *line, size_t len, const char **args_r,
			       size_t *args_len_r)
{
	size_t n = 0;
	while (n < len && line[n] != ' ')
		n++;
	*args_r = line + n + (n < len);
	*args_len_r = len - n - (n < len);
	for (size_t i = 0; i < RM_ARRAY_LEN(verbs); i++)
		if (rm_word_eq(line, n, verbs[i].name))
			return verbs[i].verb;
	return LMTP_V_UNKNOWN;
}

/* Bytes allowed in an address: printable ASCII except the brackets, and
 * UTF-8 (RFC 6531); never controls or spaces outside a quoted local part. */
static bool addr_byte_ok(unsigned char c, bool quoted)
{
	if (c == 0x7f || c < 0x20)
		return false;
	return quoted || (c != ' ' && c != '<' && c != '>');
}

const char *lmtp_parse_path(const char *args, size_t len, const char *prefix, bool allow_empty,
			    const char **addr_r, size_t *addr_len_r, const char **params_r,
			    size_t *params_len_r)
{
	size_t pl = strlen(prefix);
	if (len < pl || rm_strncasecmp_ascii(args, prefix, pl) != 0)
		return "5.5.4 Syntax: expected MAIL FROM:<address> or RCPT TO:<address>";
	size_t i = pl;
	if (i < len && args[i] == ' ')
		i++;
	if (i >= len || args[i] != '<')
		return "5.5.4 Syntax: the address must be in <>";
	size_t start = ++i;
	bool quoted = false;
	while (i < len && (quoted || args[i] != '>')) {
		unsigned char c = (unsigned char)args[i];
		if (c == '"')
			quoted = !quoted;
		else if (c == '\\' && quoted && i + 1 < len)
			i++;
		else if (!addr_byte_ok(c, quoted))
			return "5.5.4 Syntax: bad character in address";
		i++;
	}
	if (i >= len)
		return "5.5.4 Syntax: missing >";
	const char *addr = args + start;
	size_t alen = i - start;
	/* RFC 5321 §4.1.2 A-d-l: "@relay1,@relay2:user@host" — ignored. */
	if (alen && addr[0] == '@') {
		const char *colon = memchr(addr, ':', alen);
		if (!colon)
			return "5.5.4 Syntax: bad source route";
		alen -= (size_t)(colon + 1 - addr);
		addr = colon + 1;
	}
	if (alen == 0 && !allow_empty)
		return "5.5.4 Syntax: empty address";
	i++;
	if (i < len && args[i] != ' ')
		return "5.5.4 Syntax: junk after address";
	while (i < len && args[i] == ' ')
		i++;
	*addr_r = addr;
	*addr_len_r = alen;
	*params_r = args + i;
	*params_len_r = len - i;
	return NULL;
}

static bool parse_u64(const char *s, size_t n, uint64_t *r)
{
	uint64_t v = 0;
	if (n == 0 || n > 19)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*r = v;
	return true;
}

static const char *mail_param(const char *k, size_t kl, const char *v, size_t vl, bool has_v,
			      struct lmtp_mail_params *r)
{
	if (rm_word_eq(k, kl, "SIZE")) {
		if (!has_v || !parse_u64(v, vl, &r->size_bytes))
			return "5.5.4 Bad SIZE value";
	} else if (rm_word_eq(k, kl, "BODY")) {
		if (has_v && rm_word_eq(v, vl, "8BITMIME"))
			r->body_8bit = true;
		else if (!has_v || !rm_word_eq(v, vl, "7BIT"))
			return "5.5.4 Unsupported BODY value";
	} else if (rm_word_eq(k, kl, "SMTPUTF8")) {
		if (has_v)
			return "5.5.4 SMTPUTF8 takes no value";
		r->smtputf8 = true;
	} else {
		return "5.5.4 Unsupported MAIL parameter";
	}
	return NULL;
}

const char *lmtp_parse_mail_params(const char *p, size_t len, struct lmtp_mail_params *r)
{
	memset(r, 0, sizeof(*r));
	size_t i = 0;
	while (i < len) {
		size_t s = i;
		while (i < len && p[i] != ' ')
			i++;
		const char *eq = memchr(p + s, '=', i - s);
		size_t kl = eq ? (size_t)(eq - (p + s)) : i - s;
		const char *v = eq ? eq + 1 : NULL;
		size_t vl = eq ? (size_t)(p + i - v) : 0;
		const char *why = mail_param(p + s, kl, v, vl, eq != NULL, r);
		if (why)
			return why;
		while (i < len && p[i] == ' ')
			i++;
	}
	return NULL;
}

bool lmtp_addr_split(const char *addr, size_t len, struct lmtp_addr_parts *r)
{
	memset(r, 0, sizeof(*r));
	size_t at = len;
	for (size_t i = len; i > 0; i--) {
		if (addr[i - 1] == '@') {
			at = i - 1;
			break;
		}
	}
	r->local = addr;
	r->local_len = at;
	if (at < len) {
		r->domain = addr + at + 1;
		r->domain_len = len - at - 1;
	}
	const char *plus = memchr(addr, '+', at);
	if (plus) {
		r->local_len = (size_t)(plus - addr);
		r->detail = plus + 1;
		r->detail_len = at - r->local_len - 1;
	}
	return r->local_len > 0;
}
