/*
 * mime_charset.c — charset to UTF-8 through glibc iconv, and UTF-8 repair.
 *
 * A descriptor is opened and closed per call: once glibc has loaded a
 * converter, the pair costs about 0.25 us (measured), less than keeping a
 * per-thread cache correct.
 */
#include "index/mime_decode.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include "common/util.h"

#define MIME_CHARSET_NAME_MAX 48

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* How many bytes at s (n > 0) follow the UTF-8 pattern their lead byte
 * starts (RFC 3629 table: no overlongs, surrogates or values past
 * U+10FFFF), and in *total_r how many the sequence needs.  A lead byte
 * that cannot start a sequence matches 0 of 1. */
static size_t utf8_match(const unsigned char *s, size_t n, size_t *total_r)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;
	*total_r = 1;
	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c >= 0xf5)
		return 0;
	if (c < 0xe0) {
		need = 1;
	} else if (c < 0xf0) {
		need = 2;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else {
		need = 3;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	}
	*total_r = need + 1;
	size_t k = 1;
	while (k <= need && k < n && s[k] >= lo && s[k] <= hi) {
		k++;
		lo = 0x80;
		hi = 0xbf;
	}
	return k;
}

void mime_charset_utf8_repair(const char *in, size_t len, struct rm_buf *out)
{
	const unsigned char *s = (const unsigned char *)in;
	rm_buf_reserve(out, len);
	size_t i = 0;
	while (i < len) {
		size_t run = i;
		while (run < len && s[run] < 0x80)
			run++;
		rm_buf_append(out, in + i, run - i);
		i = run;
		if (i == len)
			break;
		size_t total, got = utf8_match(s + i, len - i, &total);
		if (got == total) {
			rm_buf_append(out, in + i, got);
		} else {
			/* One U+FFFD per maximal invalid subpart. */
			rm_buf_append(out, replacement, 3);
		}
		i += got ? got : 1;
	}
}

/* Charset labels mail uses that glibc knows under another name. */
static const char *const aliases[][2] = {
	{ "ks_c_5601-1987", "CP949" },
	{ "ks_c_5601", "CP949" },
	{ "x-sjis", "SHIFT_JIS" },
	{ "shift-jis", "SHIFT_JIS" },
	{ "iso-8859-8-i", "ISO-8859-8" },
	{ "x-gbk", "GBK" },
	{ "x-euc-jp", "EUC-JP" },
	{ "latin1", "ISO-8859-1" },
	{ "x-mac-roman", "MACINTOSH" },
	{ "unicode-1-1-utf-7", "UTF-7" },
};

/* Lower-cased, trimmed name into buf; false when empty, too long, or
 * holding a character no charset label has ("//TRANSLIT" suffixes and
 * paths never reach iconv_open). */
static bool normalize(const char *cs, size_t n, char *buf)
{
	while (n > 0 && (cs[0] == ' ' || cs[0] == '"'))
		cs++, n--;
	while (n > 0 && (cs[n - 1] == ' ' || cs[n - 1] == '"'))
		n--;
	if (n == 0 || n >= MIME_CHARSET_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = rm_lower(cs[i]);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.' || c == ':' || c == '+'))
			return false;
		buf[i] = c;
	}
	buf[n] = '\0';
	return true;
}

static bool is_utf8_like(const char *name)
{
	static const char *const names[] = { "utf-8", "utf8", "us-ascii", "ascii",
		"x-unknown", "unknown-8bit", "unknown", "default", "7bit", "8bit" };
	for (size_t i = 0; i < RM_ARRAY_LEN(names); i++) {
		if (strcmp(name, names[i]) == 0)
			return true;
	}
	return false;
}

/* The iconv name for a normalized label (aliases resolved). */
static const char *iconv_name(const char *name)
{
	for (size_t i = 0; i < RM_ARRAY_LEN(aliases); i++) {
		if (strcmp(name, aliases[i][0]) == 0)
			return aliases[i][1];
	}
	return name;
}

static void convert(iconv_t cd, const char *in, size_t len, struct rm_buf *out)
{
	char *ip = (char *)in;
	size_t ileft = len;
	while (ileft > 0) {
		rm_buf_reserve(out, ileft * 2 + 16);
		char *op = out->data + out->len;
		size_t oleft = out->cap - out->len - 1;
		size_t r = iconv(cd, &ip, &ileft, &op, &oleft);
		out->len = (size_t)(op - out->data);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		/* EILSEQ or EINVAL (truncated at the end): one replacement per
		 * bad byte, then carry on. */
		rm_buf_append(out, replacement, 3);
		ip++;
		ileft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	/* Flush any shift state (ISO-2022-JP returns to ASCII). */
	rm_buf_reserve(out, 16);
	char *op = out->data + out->len;
	size_t oleft = out->cap - out->len - 1;
	iconv(cd, NULL, NULL, &op, &oleft);
	out->len = (size_t)(op - out->data);
}

bool mime_charset_to_utf8(const char *charset, size_t charset_len,
	const char *in, size_t len, struct rm_buf *out)
{
	char name[MIME_CHARSET_NAME_MAX];
	if (!normalize(charset, charset_len, name)) {
		mime_charset_utf8_repair(in, len, out);
		return false;
	}
	if (is_utf8_like(name)) {
		mime_charset_utf8_repair(in, len, out);
		return true;
	}
	iconv_t cd = iconv_open("UTF-8", iconv_name(name));
	if (cd == (iconv_t)-1) {
		mime_charset_utf8_repair(in, len, out);
		return false;
	}
	convert(cd, in, len, out);
	iconv_close(cd);
	return true;
}
