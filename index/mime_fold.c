/*
 * mime_fold.c — simple lower-case folding of UTF-8 for search.
 *
 * The mapping covers the scripts most mail here is written in (see
 * mime_decode.h); ranges follow the Unicode code charts, where capitals
 * and small letters alternate or sit at a fixed distance.
 */
#include "index/mime_decode.h"

#include <stdint.h>

static uint32_t fold_latin(uint32_t c)
{
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 0x20;
	if (c == 0xb5)
		return 0x3bc;              /* micro sign folds to mu */
	if (c == 0x130)
		return 'i';                /* capital I with dot */
	if (c == 0x178)
		return 0xff;
	if (c == 0x17f)
		return 's';                /* long s */
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14a && c <= 0x177))
		return (c & 1) ? c : c + 1;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
		return (c & 1) ? c + 1 : c;
	return c;
}

static uint32_t fold_greek(uint32_t c)
{
	if (c == 0x386)
		return 0x3ac;
	if (c >= 0x388 && c <= 0x38a)
		return c + 37;
	if (c == 0x38c)
		return 0x3cc;
	if (c == 0x38e || c == 0x38f)
		return c + 63;
	if ((c >= 0x391 && c <= 0x3a1) || (c >= 0x3a3 && c <= 0x3ab))
		return c + 32;
	if (c == 0x3c2)
		return 0x3c3;              /* final sigma */
	return c;
}

static uint32_t fold_cyrillic(uint32_t c)
{
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;
	if (c == 0x4c0)
		return 0x4cf;
	if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) || (c >= 0x4d0 && c <= 0x52f))
		return (c & 1) ? c : c + 1;
	if (c >= 0x4c1 && c <= 0x4ce)
		return (c & 1) ? c + 1 : c;
	return c;
}

static uint32_t fold(uint32_t c)
{
	if (c < 0x370)
		return fold_latin(c);
	if (c < 0x400)
		return fold_greek(c);
	if (c < 0x530)
		return fold_cyrillic(c);
	return c;
}

/* Decodes a two-byte sequence: every folded range lies in U+0080-U+07FF. */
static size_t decode2(const unsigned char *s, size_t n, uint32_t *c_r)
{
	if (n >= 2 && s[0] >= 0xc2 && s[0] < 0xe0 && (s[1] & 0xc0) == 0x80) {
		*c_r = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	return 0;
}

void mime_fold_utf8(const char *in, size_t len, struct rm_buf *out)
{
	const unsigned char *s = (const unsigned char *)in;
	rm_buf_reserve(out, len);
	size_t i = 0;
	while (i < len) {
		unsigned char b = s[i];
		if (b < 0x80) {
			out->data[out->len++] = (char)((b >= 'A' && b <= 'Z') ? b + 32 : b);
			i++;
			continue;
		}
		uint32_t c;
		size_t used = decode2(s + i, len - i, &c);
		if (used == 0) {
			/* Three- and four-byte characters (and stray bytes) are
			 * outside the folded ranges: copy. */
			out->data[out->len++] = (char)b;
			i++;
			continue;
		}
		uint32_t f = fold(c);
		if (f < 0x80) {
			out->data[out->len++] = (char)f;
		} else {
			/* Every folded result below U+0800 stays two bytes. */
			out->data[out->len++] = (char)(0xc0 | f >> 6);
			out->data[out->len++] = (char)(0x80 | (f & 0x3f));
		}
		i += used;
	}
}
