/* RFC 5256 §2.1 base subject extraction (grammar in §5). */
#include "server/imap/basesubject.h"

#include <string.h>

#include "common/util.h"
#include "index/mime_decode.h"

struct subj {
	const char *s;
	size_t len;
	bool reply;
};

static bool wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* (2) subj-trailer = "(fwd)" / WSP, repeated. */
static void strip_trailers(struct subj *x)
{
	for (;;) {
		if (x->len && wsp(x->s[x->len - 1])) {
			x->len--;
		} else if (x->len >= 5 && !rm_strncasecmp_ascii(x->s + x->len - 5, "(fwd)", 5)) {
			x->len -= 5;
			x->reply = true;
		} else {
			return;
		}
	}
}

/* subj-blob = "[" *BLOBCHAR "]" *WSP; returns its length at p or 0. */
static size_t blob_at(const char *p, size_t n)
{
	if (n == 0 || p[0] != '[')
		return 0;
	size_t i = 1;
	while (i < n && p[i] != '[' && p[i] != ']')
		i++;
	if (i == n || p[i] != ']')
		return 0;
	i++;
	while (i < n && wsp(p[i]))
		i++;
	return i;
}

/* subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":" */
static size_t refwd_at(const char *p, size_t n)
{
	size_t i;
	if (n >= 2 && !rm_strncasecmp_ascii(p, "re", 2))
		i = 2;
	else if (n >= 3 && !rm_strncasecmp_ascii(p, "fwd", 3))
		i = 3;
	else if (n >= 2 && !rm_strncasecmp_ascii(p, "fw", 2))
		i = 2;
	else
		return 0;
	while (i < n && wsp(p[i]))
		i++;
	i += blob_at(p + i, n - i);
	return i < n && p[i] == ':' ? i + 1 : 0;
}

/* (3) subj-leader = (*subj-blob subj-refwd) / WSP, one at a time.  Returns
 * true when something was removed. */
static bool strip_leader(struct subj *x)
{
	if (x->len && wsp(x->s[0])) {
		x->s++;
		x->len--;
		return true;
	}
	size_t i = 0, b;
	while ((b = blob_at(x->s + i, x->len - i)) > 0)
		i += b;
	size_t r = refwd_at(x->s + i, x->len - i);
	if (r == 0)
		return false;
	x->s += i + r;
	x->len -= i + r;
	x->reply = true;
	return true;
}

/* (4) a leading subj-blob goes when something non-empty remains. */
static bool strip_blob(struct subj *x)
{
	size_t b = blob_at(x->s, x->len);
	if (b == 0 || b == x->len)
		return false;
	x->s += b;
	x->len -= b;
	return true;
}

static void extract(struct subj *x)
{
	for (;;) {
		strip_trailers(x);                           /* (2) */
		bool more = true;
		while (more)                                 /* (5) repeats (3), (4) */
			more = strip_leader(x) || strip_blob(x);
		/* (6) "[fwd:" subject "]" */
		if (x->len >= 6 && !rm_strncasecmp_ascii(x->s, "[fwd:", 5) &&
		    x->s[x->len - 1] == ']') {
			x->s += 5;
			x->len -= 6;
			x->reply = true;
			continue;
		}
		return;
	}
}

void basesubject(const char *raw, size_t len, struct rm_buf *out, bool *reply_r)
{
	struct rm_buf dec = { 0 }, norm = { 0 };
	mime_decode_header(raw, len, &dec);            /* (1): decoded, unfolded */
	for (size_t i = 0; i < dec.len; i++) {
		char c = dec.data[i];
		if (c == '\t' || c == '\r' || c == '\n')
			c = ' ';
		if (c == ' ' && norm.len && norm.data[norm.len - 1] == ' ')
			continue;
		rm_buf_putc(&norm, c);
	}
	struct subj x = { norm.data ? norm.data : "", norm.len, false };
	extract(&x);
	mime_fold_utf8(x.s, x.len, out);
	if (reply_r)
		*reply_r = x.reply;
	rm_buf_free(&dec);
	rm_buf_free(&norm);
}
