/*
 * mime_decode.c — base64, quoted-printable and RFC 2047 encoded words.
 */
#include "index/mime_decode.h"

#include <string.h>

#include "common/base64.h"
#include "common/util.h"
#include "index/mime_lex.h"

size_t mime_decode_base64(const char *in, size_t len, struct rm_buf *out)
{
	size_t n;
	rm_buf_reserve(out, BASE64_DECODED_MAX(len));
	base64_decode(in, len, (uint8_t *)out->data + out->len, &n, BASE64_TOLERANT);
	out->len += n;
	return n;
}

void mime_decode_part(const struct mime_part *part, const char *body, size_t len,
	struct rm_buf *out)
{
	struct rm_buf raw = { 0 }, utf8 = { 0 };
	if (part->encoding == MIME_ENC_BASE64)
		mime_decode_base64(body, len, &raw);
	else if (part->encoding == MIME_ENC_QP)
		mime_decode_qp(body, len, &raw);
	else
		rm_buf_append(&raw, body, len);
	bool html = part->subtype_len == 4 && memcmp(part->subtype, "html", 4) == 0;
	mime_charset_to_utf8(part->charset, part->charset_len, raw.data ? raw.data : "", raw.len,
			     html ? &utf8 : out);
	if (html)
		mime_html_to_text(utf8.data ? utf8.data : "", utf8.len, out);
	rm_buf_free(&raw);
	rm_buf_free(&utf8);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "=XX" at s[i] (i < n): the byte, or -1. */
static int hex_pair(const char *s, size_t i, size_t n)
{
	if (i + 2 >= n)
		return -1;
	int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
	return (hi < 0 || lo < 0) ? -1 : hi << 4 | lo;
}

/* One quoted-printable line [s, s+n) without its line end. Returns true
 * when it ends with a soft line break. */
static bool qp_line(const char *s, size_t n, struct rm_buf *out)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '=') {
			out->data[out->len++] = s[i];
			continue;
		}
		if (i + 1 == n)
			return true;
		int b = hex_pair(s, i, n);
		if (b < 0) {
			out->data[out->len++] = '=';
			continue;
		}
		out->data[out->len++] = (char)b;
		i += 2;
	}
	return false;
}

size_t mime_decode_qp(const char *in, size_t len, struct rm_buf *out)
{
	size_t before = out->len;
	rm_buf_reserve(out, len);
	size_t pos = 0;
	while (pos < len) {
		const char *lf = memchr(in + pos, '\n', len - pos);
		size_t end = lf ? (size_t)(lf - in) : len;
		size_t text_end = (end > pos && lf && in[end - 1] == '\r') ? end - 1 : end;
		bool soft = qp_line(in + pos, text_end - pos, out);
		if (!soft && lf) {
			memcpy(out->data + out->len, in + text_end, end + 1 - text_end);
			out->len += end + 1 - text_end;
		}
		pos = lf ? end + 1 : len;
	}
	return out->len - before;
}

/* ---- RFC 2047 ------------------------------------------------------------ */

struct eword {
	const char *charset;
	size_t charset_len;
	char enc;           /* 'B' or 'Q' */
	const char *text;
	size_t text_len;
	size_t end;         /* past "?=" */
};

/* Parses "=?charset?e?text?=" at s[i]. */
static bool eword_parse(const char *s, size_t i, size_t n, struct eword *w)
{
	if (i + 1 >= n || s[i] != '=' || s[i + 1] != '?')
		return false;
	size_t c = i + 2, c_end = c;
	while (c_end < n && s[c_end] != '?' && s[c_end] > ' ' && s[c_end] != 0x7f)
		c_end++;
	if (c_end == c || c_end + 2 >= n || s[c_end] != '?' || s[c_end + 2] != '?')
		return false;
	char e = rm_upper(s[c_end + 1]);
	if (e != 'B' && e != 'Q')
		return false;
	size_t t = c_end + 3;
	size_t t_end = t;
	while (t_end + 1 < n && !(s[t_end] == '?' && s[t_end + 1] == '='))
		t_end++;
	if (t_end + 1 >= n)
		return false;
	const char *star = memchr(s + c, '*', c_end - c);
	w->charset = s + c;
	w->charset_len = star ? (size_t)(star - (s + c)) : c_end - c;
	w->enc = e;
	w->text = s + t;
	w->text_len = t_end - t;
	w->end = t_end + 2;
	return true;
}

static void eword_decode(const struct eword *w, struct rm_buf *out)
{
	if (w->enc == 'B') {
		mime_decode_base64(w->text, w->text_len, out);
		return;
	}
	for (size_t i = 0; i < w->text_len; i++) {
		char c = w->text[i];
		int b;
		if (c == '_')
			rm_buf_putc(out, ' ');
		else if (c == '=' && (b = hex_pair(w->text, i, w->text_len)) >= 0) {
			rm_buf_putc(out, (char)b);
			i += 2;
		} else
			rm_buf_putc(out, c);
	}
}

/* Encoded bytes of adjacent words of one charset, converted together. */
struct eword_run {
	const char *charset;
	size_t charset_len;
	struct rm_buf bytes;
	bool open;
};

static void run_flush(struct eword_run *run, struct rm_buf *out)
{
	if (!run->open)
		return;
	mime_charset_to_utf8(run->charset, run->charset_len,
		run->bytes.data ? run->bytes.data : "", run->bytes.len, out);
	rm_buf_reset(&run->bytes);
	run->open = false;
}

static void header_decode(const char *s, size_t n, struct rm_buf *out)
{
	struct eword_run run = { 0 };
	size_t i = 0, ws_start = 0, ws_len = 0;
	bool after_word = false;
	while (i < n) {
		struct eword w;
		if (s[i] == '=' && eword_parse(s, i, n, &w)) {
			if (!run.open || run.charset_len != w.charset_len ||
			    rm_strncasecmp_ascii(run.charset, w.charset, w.charset_len) != 0) {
				run_flush(&run, out);
				if (!after_word)
					rm_buf_append(out, s + ws_start, ws_len);
				run.charset = w.charset;
				run.charset_len = w.charset_len;
				run.open = true;
			}
			eword_decode(&w, &run.bytes);
			i = w.end;
			ws_len = 0;
			after_word = true;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t') {
			size_t j = i;
			while (j < n && (s[j] == ' ' || s[j] == '\t'))
				j++;
			if (ws_len == 0)
				ws_start = i;
			ws_len = j - ws_start;
			i = j;
			continue;
		}
		/* Plain text up to the next space or "=?". */
		run_flush(&run, out);
		rm_buf_append(out, s + ws_start, ws_len);
		ws_len = 0;
		after_word = false;
		size_t j = i + 1;
		while (j < n && s[j] != ' ' && s[j] != '\t' && !(s[j] == '=' && j + 1 < n && s[j + 1] == '?'))
			j++;
		mime_charset_utf8_repair(s + i, j - i, out);
		i = j;
	}
	run_flush(&run, out);
	rm_buf_append(out, s + ws_start, ws_len);
	rm_buf_free(&run.bytes);
}

void mime_decode_header(const char *in, size_t len, struct rm_buf *out)
{
	struct rm_buf unfolded = { 0 };
	mime_lex_unfold(in, len, &unfolded);
	header_decode(unfolded.data ? unfolded.data : "", unfolded.len, out);
	rm_buf_free(&unfolded);
}
