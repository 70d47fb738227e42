#include "server/imap/mailbox_name.h"

#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "server/imap/quote.h"

bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		unsigned c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		unsigned need;
		uint32_t cp;
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + need >= len)
			return false;
		for (unsigned k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

/* ---- modified UTF-7 ------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

static void utf8_put(struct rm_buf *out, uint32_t cp)
{
	char b[4];
	size_t n;
	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	rm_buf_append(out, b, n);
}

/* Decodes one "&...-" shift (without the delimiters) into UTF-8. */
static enum rm_err mutf7_shift(const char *s, size_t n, struct rm_buf *out)
{
	uint32_t bits = 0;
	unsigned nbits = 0;
	uint32_t high = 0; /* pending high surrogate */
	size_t units = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64_val((unsigned char)s[i]);
		if (v < 0)
			return RM_ERR_SYNTAX;
		bits = bits << 6 | (uint32_t)v;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		uint32_t u = (bits >> nbits) & 0xffff;
		bits &= (1u << nbits) - 1;
		units++;
		if (high) {
			if (u < 0xdc00 || u > 0xdfff)
				return RM_ERR_SYNTAX;
			utf8_put(out, 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00));
			high = 0;
		} else if (u >= 0xd800 && u <= 0xdbff) {
			high = u;
		} else if (u >= 0xdc00 && u <= 0xdfff) {
			return RM_ERR_SYNTAX;
		} else if (u >= 0x20 && u <= 0x7e) {
			/* RFC 3501 §5.1.3: printable ASCII must represent itself. */
			return RM_ERR_SYNTAX;
		} else {
			utf8_put(out, u);
		}
	}
	/* Leftover bits must be zero padding of less than one sextet... of a
	 * 16-bit unit: fewer than 6 bits, all zero. */
	if (high || nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0 || units == 0)
		return RM_ERR_SYNTAX;
	return RM_OK;
}

enum rm_err mutf7_decode(const char *in, size_t len, struct rm_buf *out)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)in[i];
		if (c >= 0x80 || c < 0x20 || c == 0x7f)
			return RM_ERR_SYNTAX;
		if (c != '&') {
			rm_buf_putc(out, (char)c);
			i++;
			continue;
		}
		const char *dash = memchr(in + i + 1, '-', len - i - 1);
		if (!dash)
			return RM_ERR_SYNTAX;
		size_t n = (size_t)(dash - (in + i + 1));
		if (n == 0) {
			rm_buf_putc(out, '&');
		} else {
			enum rm_err e = mutf7_shift(in + i + 1, n, out);
			if (e)
				return e;
		}
		i += n + 2;
	}
	return RM_OK;
}

static void mutf7_flush_units(struct rm_buf *out, const uint16_t *u, size_t n)
{
	rm_buf_putc(out, '&');
	uint32_t bits = 0;
	unsigned nbits = 0;
	for (size_t i = 0; i < n; i++) {
		bits = bits << 16 | u[i];
		nbits += 16;
		while (nbits >= 6) {
			nbits -= 6;
			rm_buf_putc(out, b64[(bits >> nbits) & 0x3f]);
		}
		bits &= (1u << nbits) - 1;
	}
	if (nbits)
		rm_buf_putc(out, b64[(bits << (6 - nbits)) & 0x3f]);
	rm_buf_putc(out, '-');
}

/* Next code point of valid UTF-8 (callers validated it). */
static uint32_t utf8_next(const unsigned char *p, size_t len, size_t *i)
{
	unsigned c = p[*i];
	if (c < 0x80) {
		(*i)++;
		return c;
	}
	unsigned need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
	uint32_t cp = c & (0x3f >> need);
	for (unsigned k = 1; k <= need && *i + k < len; k++)
		cp = cp << 6 | (p[*i + k] & 0x3f);
	*i += need + 1;
	return cp;
}

void mutf7_encode(const char *utf8, size_t len, struct rm_buf *out)
{
	const unsigned char *p = (const unsigned char *)utf8;
	uint16_t units[128];
	size_t nu = 0;
	size_t i = 0;
	while (i < len) {
		uint32_t cp = utf8_next(p, len, &i);
		if (cp >= 0x20 && cp <= 0x7e) {
			if (nu) {
				mutf7_flush_units(out, units, nu);
				nu = 0;
			}
			if (cp == '&')
				rm_buf_append(out, "&-", 2);
			else
				rm_buf_putc(out, (char)cp);
			continue;
		}
		if (nu + 2 > RM_ARRAY_LEN(units)) {
			mutf7_flush_units(out, units, nu);
			nu = 0;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			units[nu++] = (uint16_t)(0xd800 + (cp >> 10));
			units[nu++] = (uint16_t)(0xdc00 + (cp & 0x3ff));
		} else {
			units[nu++] = (uint16_t)cp;
		}
	}
	if (nu)
		mutf7_flush_units(out, units, nu);
}

/* ---- names ---------------------------------------------------------------- */

bool mbox_name_is_inbox(const char *name, size_t len)
{
	return len >= 5 && memcmp(name, "INBOX", 5) == 0 && (len == 5 || name[5] == MBOX_DELIM);
}

size_t mbox_name_parent_len(const char *name, size_t len)
{
	while (len > 0 && name[len - 1] != MBOX_DELIM)
		len--;
	return len ? len - 1 : 0;
}

static enum rm_err name_check(struct rm_buf *out, const char **why_r)
{
	if (out->len == 0) {
		*why_r = "Empty mailbox name";
		return RM_ERR_SYNTAX;
	}
	if (out->len > 1 && out->data[out->len - 1] == MBOX_DELIM)
		out->len--;
	if (out->len > RM_MAILBOX_NAME_MAX_BYTES) {
		*why_r = "Mailbox name too long";
		return RM_ERR_LIMIT;
	}
	unsigned depth = 1;
	for (size_t i = 0; i < out->len; i++) {
		unsigned char c = (unsigned char)out->data[i];
		if (c < 0x20 || c == 0x7f) {
			*why_r = "Control characters in mailbox name";
			return RM_ERR_SYNTAX;
		}
		if (c == MBOX_DELIM) {
			if (i == 0 || out->data[i - 1] == MBOX_DELIM || i + 1 == out->len) {
				*why_r = "Empty hierarchy level in mailbox name";
				return RM_ERR_SYNTAX;
			}
			depth++;
		}
	}
	if (depth > RM_MAILBOX_DEPTH_MAX) {
		*why_r = "Mailbox hierarchy too deep";
		return RM_ERR_LIMIT;
	}
	/* INBOX is case-insensitive, as the first level of a name too. */
	if (out->len >= 5 && rm_strncasecmp_ascii(out->data, "INBOX", 5) == 0 &&
	    (out->len == 5 || out->data[5] == MBOX_DELIM))
		memcpy(out->data, "INBOX", 5);
	return RM_OK;
}

enum rm_err mbox_name_from_client(const char *in, size_t len, bool utf8, struct rm_buf *out,
				  const char **why_r)
{
	rm_buf_reset(out);
	*why_r = "Invalid mailbox name";
	if (utf8) {
		if (!utf8_valid(in, len)) {
			*why_r = "Mailbox name is not valid UTF-8";
			return RM_ERR_SYNTAX;
		}
		rm_buf_append(out, in, len);
	} else {
		for (size_t i = 0; i < len; i++) {
			if ((unsigned char)in[i] >= 0x80) {
				*why_r = "8-bit mailbox name without UTF8=ACCEPT";
				return RM_ERR_SYNTAX;
			}
		}
		if (mutf7_decode(in, len, out) != RM_OK) {
			*why_r = "Invalid modified UTF-7 in mailbox name";
			return RM_ERR_SYNTAX;
		}
	}
	return name_check(out, why_r);
}

void mbox_name_to_client(const char *name, size_t len, bool utf8, struct rm_buf *out)
{
	if (utf8)
		rm_buf_append(out, name, len);
	else
		mutf7_encode(name, len, out);
}

void mbox_name_write(const char *name, size_t len, bool utf8, struct rm_buf *out)
{
	struct rm_buf tmp = { 0 };
	mbox_name_to_client(name, len, utf8, &tmp);
	imap_write_astring(out, tmp.data ? tmp.data : "", tmp.len, utf8);
	rm_buf_free(&tmp);
}

bool mbox_pattern_match(const char *pat, size_t plen, const char *name, size_t nlen)
{
	/* Dynamic programming over one row: row[n] says whether the pattern
	 * so far matches name[0..n).  O(plen * nlen) time, no backtracking
	 * blow-up whatever the wildcards. */
	unsigned char stack_row[2][RM_MAILBOX_NAME_MAX_BYTES + 2];
	unsigned char *cur = stack_row[0], *next = stack_row[1];
	unsigned char *heap = NULL;
	if (nlen + 1 > sizeof(stack_row[0])) {
		heap = rm_malloc(2 * (nlen + 1));
		cur = heap;
		next = heap + nlen + 1;
	}
	memset(cur, 0, nlen + 1);
	cur[0] = 1;
	for (size_t p = 0; p < plen; p++) {
		char c = pat[p];
		if (c == '*') {
			next[0] = cur[0];
			for (size_t n = 1; n <= nlen; n++)
				next[n] = (unsigned char)(next[n - 1] | cur[n]);
		} else if (c == '%') {
			next[0] = cur[0];
			for (size_t n = 1; n <= nlen; n++)
				next[n] = (unsigned char)(cur[n] ||
					  (next[n - 1] && name[n - 1] != MBOX_DELIM));
		} else {
			next[0] = 0;
			for (size_t n = 1; n <= nlen; n++)
				next[n] = (unsigned char)(cur[n - 1] && name[n - 1] == c);
		}
		unsigned char *t = cur;
		cur = next;
		next = t;
	}
	bool ok = cur[nlen] != 0;
	free(heap);
	return ok;
}
