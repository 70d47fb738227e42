#include "server/auth/saslprep.h"

#include <stdbool.h>
#include <stdint.h>

struct cp_range {
	uint32_t lo, hi;
};

/* RFC 3454 B.1: commonly mapped to nothing. */
static const struct cp_range map_to_nothing[] = {
	{ 0x00AD, 0x00AD }, { 0x034F, 0x034F }, { 0x1806, 0x1806 }, { 0x180B, 0x180D },
	{ 0x200B, 0x200D }, { 0x2060, 0x2060 }, { 0xFE00, 0xFE0F }, { 0xFEFF, 0xFEFF },
};

/* RFC 3454 C.1.2: non-ASCII space characters. */
static const struct cp_range non_ascii_space[] = {
	{ 0x00A0, 0x00A0 }, { 0x1680, 0x1680 }, { 0x2000, 0x200B }, { 0x202F, 0x202F },
	{ 0x205F, 0x205F }, { 0x3000, 0x3000 },
};

/* RFC 3454 C.2.1-C.9 without C.1.2 (mapped away before the check) and
 * without the per-plane non-characters of C.4 (tested arithmetically). */
static const struct cp_range prohibited[] = {
	{ 0x0000, 0x001F }, { 0x007F, 0x009F },                     /* C.2.1, C.2.2 */
	{ 0x0340, 0x0341 },                                          /* C.8 */
	{ 0x06DD, 0x06DD }, { 0x070F, 0x070F }, { 0x180E, 0x180E },  /* C.2.2 */
	{ 0x200C, 0x200F },                                          /* C.2.2, C.8 */
	{ 0x2028, 0x202E },                                          /* C.2.2, C.8 */
	{ 0x2060, 0x2063 }, { 0x206A, 0x206F },                      /* C.2.2, C.8 */
	{ 0x2FF0, 0x2FFB },                                          /* C.7 */
	{ 0xD800, 0xDFFF },                                          /* C.5 */
	{ 0xE000, 0xF8FF },                                          /* C.3 */
	{ 0xFDD0, 0xFDEF },                                          /* C.4 */
	{ 0xFEFF, 0xFEFF }, { 0xFFF9, 0xFFFD },                      /* C.2.2, C.6 */
	{ 0x1D173, 0x1D17A },                                        /* C.2.2 */
	{ 0xE0001, 0xE0001 }, { 0xE0020, 0xE007F },                  /* C.9 */
	{ 0xF0000, 0xFFFFD }, { 0x100000, 0x10FFFD },                /* C.3 */
};

static bool in_table(const struct cp_range *t, size_t n, uint32_t cp)
{
	for (size_t i = 0; i < n; i++)
		if (cp >= t[i].lo && cp <= t[i].hi)
			return true;
	return false;
}

#define IN_TABLE(t, cp) in_table(t, sizeof(t) / sizeof(t[0]), cp)

/* Decodes one UTF-8 sequence at s (n bytes left).  Returns its length and
 * sets *cp_r, or 0 for an invalid, overlong or truncated sequence. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp_r)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp, min;
	if (c < 0x80) {
		*cp_r = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		len = 2, cp = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, cp = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	*cp_r = cp;
	return len;
}

static bool saslprep_prohibited(uint32_t cp)
{
	if ((cp & 0xFFFE) == 0xFFFE)
		return true; /* C.4: U+nFFFE and U+nFFFF in every plane */
	return IN_TABLE(prohibited, cp);
}

enum rm_err saslprep(const char *in, size_t n, char *out, size_t *out_len_r)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = utf8_next(s + i, n - i, &cp);
		if (len == 0)
			return RM_ERR_SYNTAX;
		if (cp >= 0x80 && IN_TABLE(map_to_nothing, cp)) {
			i += len;
			continue;
		}
		if (cp >= 0x80 && IN_TABLE(non_ascii_space, cp)) {
			out[o++] = ' ';
			i += len;
			continue;
		}
		if (saslprep_prohibited(cp))
			return RM_ERR_SYNTAX;
		/* Copy byte by byte: out may equal in and o <= i. */
		for (size_t k = 0; k < len; k++)
			out[o++] = (char)s[i + k];
		i += len;
	}
	*out_len_r = o;
	return RM_OK;
}
