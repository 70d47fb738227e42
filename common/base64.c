#include "common/base64.h"

static const char b64_alphabet[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63 for alphabet characters, B64_PAD for '=', B64_BAD otherwise. */
enum { B64_BAD = 0xff, B64_PAD = 0xfe };

static uint8_t b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (uint8_t)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (uint8_t)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (uint8_t)(c - '0' + 52);
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return c == '=' ? B64_PAD : B64_BAD;
}

size_t base64_encode(const void *in, size_t n, char *out)
{
	const uint8_t *p = in;
	size_t o = 0;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

void base64_encode_buf(struct rm_buf *b, const void *in, size_t n)
{
	size_t need = BASE64_ENCODED_LEN(n);
	rm_buf_reserve(b, need + 1);
	b->len += base64_encode(in, n, b->data + b->len);
}

/* Emits the bytes of `count` accumulated sextets held in acc. */
static size_t b64_flush(uint32_t acc, unsigned count, uint8_t *out)
{
	size_t o = 0;
	if (count == 4) {
		out[o++] = (uint8_t)(acc >> 16);
		out[o++] = (uint8_t)(acc >> 8);
		out[o++] = (uint8_t)acc;
	} else if (count == 3) {
		out[o++] = (uint8_t)(acc >> 10);
		out[o++] = (uint8_t)(acc >> 2);
	} else if (count == 2) {
		out[o++] = (uint8_t)(acc >> 4);
	}
	return o;
}

static enum rm_err b64_decode_strict(const char *in, size_t n, uint8_t *out, size_t *out_len_r)
{
	if (n % 4 != 0)
		return RM_ERR_SYNTAX;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		uint8_t v[4];
		for (unsigned k = 0; k < 4; k++)
			v[k] = b64_value((unsigned char)in[i + k]);
		unsigned count = 4;
		if (v[3] == B64_PAD)
			count = v[2] == B64_PAD ? 2 : 3;
		if (count < 4 && i + 4 != n)
			return RM_ERR_SYNTAX; /* padding before the last group */
		for (unsigned k = 0; k < count; k++)
			if (v[k] >= 64)
				return RM_ERR_SYNTAX;
		uint32_t acc = 0;
		for (unsigned k = 0; k < count; k++)
			acc = acc << 6 | v[k];
		/* Non-zero bits that padding discards: a second spelling. */
		if ((count == 3 && (acc & 3)) || (count == 2 && (acc & 15)))
			return RM_ERR_SYNTAX;
		o += b64_flush(acc, count, out + o);
	}
	*out_len_r = o;
	return RM_OK;
}

static void b64_decode_tolerant(const char *in, size_t n, uint8_t *out, size_t *out_len_r)
{
	size_t o = 0;
	uint32_t acc = 0;
	unsigned count = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t v = b64_value((unsigned char)in[i]);
		if (v == B64_PAD)
			break;
		if (v == B64_BAD)
			continue;
		acc = acc << 6 | v;
		if (++count == 4) {
			o += b64_flush(acc, 4, out + o);
			acc = 0;
			count = 0;
		}
	}
	o += b64_flush(acc, count, out + o);
	*out_len_r = o;
}

enum rm_err base64_decode(const char *in, size_t n, uint8_t *out, size_t *out_len_r,
			  enum base64_mode mode)
{
	if (mode == BASE64_STRICT)
		return b64_decode_strict(in, n, out, out_len_r);
	b64_decode_tolerant(in, n, out, out_len_r);
	return RM_OK;
}
