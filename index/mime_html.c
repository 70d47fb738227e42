/*
 * mime_html.c — HTML to plain text for search (not for display).
 *
 * A single pass: text is copied with white space collapsed, tags become
 * nothing or a line break, the content of script and style elements is
 * skipped, comments and declarations vanish, character references are
 * decoded.  Malformed markup never stops it: an unclosed tag or comment
 * runs to the end of the input.
 */
#include "index/mime_decode.h"

#include <stdint.h>
#include <string.h>

#include "common/util.h"

/* HTML 4 Latin-1 entities, U+00A0 to U+00FF in order. */
static const char *const latin1_names[96] = {
	"nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect",
	"uml", "copy", "ordf", "laquo", "not", "shy", "reg", "macr",
	"deg", "plusmn", "sup2", "sup3", "acute", "micro", "para", "middot",
	"cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
	"Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil",
	"Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml",
	"ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times",
	"Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN", "szlig",
	"agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
	"egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml",
	"eth", "ntilde", "ograve", "oacute", "ocirc", "otilde", "ouml", "divide",
	"oslash", "ugrave", "uacute", "ucirc", "uuml", "yacute", "thorn", "yuml",
};

/* HTML 4 special entities and a few common symbols. */
static const struct {
	const char *name;
	uint32_t cp;
} other_names[] = {
	{ "quot", 34 }, { "amp", 38 }, { "apos", 39 }, { "lt", 60 }, { "gt", 62 },
	{ "OElig", 338 }, { "oelig", 339 }, { "Scaron", 352 }, { "scaron", 353 },
	{ "Yuml", 376 }, { "fnof", 402 }, { "circ", 710 }, { "tilde", 732 },
	{ "ensp", 8194 }, { "emsp", 8195 }, { "thinsp", 8201 }, { "zwnj", 8204 },
	{ "zwj", 8205 }, { "lrm", 8206 }, { "rlm", 8207 }, { "ndash", 8211 },
	{ "mdash", 8212 }, { "lsquo", 8216 }, { "rsquo", 8217 }, { "sbquo", 8218 },
	{ "ldquo", 8220 }, { "rdquo", 8221 }, { "bdquo", 8222 }, { "dagger", 8224 },
	{ "Dagger", 8225 }, { "bull", 8226 }, { "hellip", 8230 }, { "permil", 8240 },
	{ "prime", 8242 }, { "Prime", 8243 }, { "lsaquo", 8249 }, { "rsaquo", 8250 },
	{ "euro", 8364 }, { "trade", 8482 }, { "larr", 8592 }, { "rarr", 8594 },
	{ "uarr", 8593 }, { "darr", 8595 }, { "harr", 8596 }, { "minus", 8722 },
};

/* Elements whose tags separate text: they become a line break. */
static const char *const block_tags[] = {
	"address", "article", "aside", "blockquote", "body", "br", "center", "dd",
	"div", "dl", "dt", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
	"head", "header", "hr", "html", "li", "nav", "ol", "p", "pre", "section",
	"table", "td", "th", "title", "tr", "ul",
};

enum gap { GAP_NONE, GAP_SPACE, GAP_LINE };

struct html {
	const char *s;
	size_t n, i;
	struct rm_buf *out;
	size_t out_start;
	enum gap gap;
};

static void put_utf8(struct rm_buf *out, uint32_t cp)
{
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		rm_buf_putc(out, (char)cp);
	} else if (cp < 0x800) {
		rm_buf_putc(out, (char)(0xc0 | cp >> 6));
		rm_buf_putc(out, (char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		rm_buf_putc(out, (char)(0xe0 | cp >> 12));
		rm_buf_putc(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		rm_buf_putc(out, (char)(0x80 | (cp & 0x3f)));
	} else {
		rm_buf_putc(out, (char)(0xf0 | cp >> 18));
		rm_buf_putc(out, (char)(0x80 | ((cp >> 12) & 0x3f)));
		rm_buf_putc(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
		rm_buf_putc(out, (char)(0x80 | (cp & 0x3f)));
	}
}

/* Writes the pending gap before visible text. */
static void flush_gap(struct html *h)
{
	if (h->out->len > h->out_start) {
		if (h->gap == GAP_LINE)
			rm_buf_putc(h->out, '\n');
		else if (h->gap == GAP_SPACE)
			rm_buf_putc(h->out, ' ');
	}
	h->gap = GAP_NONE;
}

static void add_gap(struct html *h, enum gap g)
{
	if (g > h->gap)
		h->gap = g;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static uint32_t named_entity(const char *name, size_t len)
{
	for (size_t k = 0; k < RM_ARRAY_LEN(latin1_names); k++) {
		if (strlen(latin1_names[k]) == len && memcmp(latin1_names[k], name, len) == 0)
			return 0xa0 + (uint32_t)k;
	}
	for (size_t k = 0; k < RM_ARRAY_LEN(other_names); k++) {
		if (strlen(other_names[k].name) == len && memcmp(other_names[k].name, name, len) == 0)
			return other_names[k].cp;
	}
	return 0;
}

static uint32_t numeric_entity(const char *s, size_t n, size_t *used_r)
{
	size_t i = 0;
	unsigned base = 10;
	uint32_t v = 0;
	if (i < n && (s[i] == 'x' || s[i] == 'X')) {
		base = 16;
		i++;
	}
	size_t digits = i;
	for (; i < n && i < 12; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && rm_lower(c) >= 'a' && rm_lower(c) <= 'f')
			d = (unsigned)(rm_lower(c) - 'a' + 10);
		else
			break;
		v = v * base + d;
		if (v > 0x10ffff)
			v = 0x110000;
	}
	*used_r = i;
	return i > digits ? (v ? v : 0xfffd) : 0;
}

/* At '&': decodes a character reference, or copies the '&'. */
static void entity(struct html *h)
{
	const char *s = h->s + h->i + 1;
	size_t n = h->n - h->i - 1, used = 0;
	uint32_t cp = 0;
	if (n > 0 && s[0] == '#') {
		cp = numeric_entity(s + 1, n - 1, &used);
		used++;
	} else {
		while (used < n && used < 10 && is_alnum(s[used]))
			used++;
		cp = named_entity(s, used);
	}
	if (cp == 0) {
		flush_gap(h);
		rm_buf_putc(h->out, '&');
		h->i++;
		return;
	}
	if (used < n && s[used] == ';')
		used++;
	h->i += 1 + used;
	if (cp == 0xa0 || cp == ' ') {
		add_gap(h, GAP_SPACE);
		return;
	}
	flush_gap(h);
	put_utf8(h->out, cp);
}

static bool starts_with_ci(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);
	return n >= wl && rm_strncasecmp_ascii(s, w, wl) == 0;
}

/* Moves past the next occurrence of `w` (case-insensitive) or to the end. */
static void skip_past(struct html *h, const char *w)
{
	size_t wl = strlen(w);
	while (h->i < h->n) {
		if (starts_with_ci(h->s + h->i, h->n - h->i, w)) {
			h->i += wl;
			return;
		}
		h->i++;
	}
}

/* Moves past the '>' closing a tag, skipping quoted attribute values. */
static void skip_tag_rest(struct html *h)
{
	char quote = 0;
	while (h->i < h->n) {
		char c = h->s[h->i++];
		if (quote) {
			if (c == quote)
				quote = 0;
		} else if (c == '"' || c == '\'') {
			quote = c;
		} else if (c == '>') {
			return;
		}
	}
}

static bool is_block(const char *name, size_t len)
{
	for (size_t k = 0; k < RM_ARRAY_LEN(block_tags); k++) {
		if (rm_word_eq(name, len, block_tags[k]))
			return true;
	}
	return false;
}

/* At '<'. */
static void tag(struct html *h)
{
	const char *s = h->s + h->i;
	size_t n = h->n - h->i;
	if (starts_with_ci(s, n, "<!--")) {
		h->i += 4;
		skip_past(h, "-->");
		return;
	}
	size_t k = 1;
	bool closing = k < n && s[k] == '/';
	if (closing)
		k++;
	size_t name = k;
	while (k < n && is_alnum(s[k]))
		k++;
	if (k == name && !(n > 1 && (s[1] == '!' || s[1] == '?'))) {
		/* "a < b": not a tag. */
		flush_gap(h);
		rm_buf_putc(h->out, '<');
		h->i++;
		return;
	}
	h->i += k;
	skip_tag_rest(h);
	if (is_block(s + name, k - name))
		add_gap(h, GAP_LINE);
	if (closing)
		return;
	const char *end = rm_word_eq(s + name, k - name, "script") ? "</script" :
			  rm_word_eq(s + name, k - name, "style") ? "</style" : NULL;
	if (end) {
		skip_past(h, end);
		skip_tag_rest(h);
	}
}

void mime_html_to_text(const char *in, size_t len, struct rm_buf *out)
{
	struct html h = { .s = in, .n = len, .out = out, .out_start = out->len };
	rm_buf_reserve(out, len);
	while (h.i < h.n) {
		char c = in[h.i];
		if (c == '<') {
			tag(&h);
		} else if (c == '&') {
			entity(&h);
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
			add_gap(&h, GAP_SPACE);
			h.i++;
		} else {
			size_t j = h.i + 1;
			while (j < h.n && !strchr("<& \t\r\n\f", in[j]))
				j++;
			flush_gap(&h);
			rm_buf_append(out, in + h.i, j - h.i);
			h.i = j;
		}
	}
}
