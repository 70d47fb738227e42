/*
 * Reading an mbox file (RFC 4155): a message starts at a "From " line at
 * the start of the file or after an empty line; the date on that line is
 * the internal date (asctime form, taken as UTC).  Lines ">From ", ">>From "
 * are unescaped by one '>' (mboxrd).  The mail-store headers mbox writers
 * keep in the message are read and removed: Status (R: \Seen), X-Status
 * (A: \Answered, F: \Flagged, T: \Draft, D: \Deleted), X-Keywords, X-UID,
 * X-IMAP, X-IMAPbase.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/import.h"
#include "common/util.h"
#include "storage/store_types.h"

static bool is_from_line(const char *p, const char *end)
{
	return end - p >= 5 && !memcmp(p, "From ", 5);
}

/* The next message start at or after p (a From line at a line start
 * after an empty line), or end. */
static const char *next_from(const char *p, const char *end)
{
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return end;
		const char *next = nl + 1;
		bool empty = nl == p || (nl == p + 1 && p[0] == '\r');
		if (empty && is_from_line(next, end))
			return next;
		p = next;
	}
	return end;
}

static int64_t from_line_date(const char *p, const char *eol)
{
	char line[256];
	snprintf(line, sizeof(line), "%.*s", (int)RM_MIN((size_t)(eol - p), sizeof(line) - 1), p);
	/* "From sender Wed Nov 25 10:00:00 2026": the date is the last 5
	 * fields. */
	char *f[16];
	int n = 0;
	for (char *save = NULL, *t = strtok_r(line, " \t\r", &save); t && n < 16;
	     t = strtok_r(NULL, " \t\r", &save))
		f[n++] = t;
	if (n < 7)
		return 0;
	char date[128];
	snprintf(date, sizeof(date), "%s %s %s %s %s", f[n - 5], f[n - 4], f[n - 3], f[n - 2], f[n - 1]);
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	char *rest = strptime(date, "%a %b %d %H:%M:%S %Y", &tm);
	return rest && !*rest ? (int64_t)timegm(&tm) : 0;
}

static bool header_is(const char *p, size_t n, const char *name)
{
	size_t l = strlen(name);
	return n > l && p[l] == ':' && rm_strncasecmp_ascii(p, name, l) == 0;
}

/* Reads one store header line into m; true when it is one to drop. */
static bool store_header(const char *p, size_t n, struct import_msg *m, char *kwbuf, size_t cap)
{
	static const char *const drop[] = { "X-UID", "X-IMAP", "X-IMAPbase" };
	const char *v = memchr(p, ':', n);
	size_t vl = v ? n - (size_t)(v + 1 - p) : 0;
	if (header_is(p, n, "Status")) {
		if (memchr(v + 1, 'R', vl))
			m->flags |= STORE_F_SEEN;
		return true;
	}
	if (header_is(p, n, "X-Status")) {
		static const struct { char c; uint32_t f; } xs[] = {
			{ 'A', STORE_F_ANSWERED }, { 'F', STORE_F_FLAGGED }, { 'T', STORE_F_DRAFT },
			{ 'D', STORE_F_DELETED },
		};
		for (size_t i = 0; i < 4; i++)
			if (memchr(v + 1, xs[i].c, vl))
				m->flags |= xs[i].f;
		return true;
	}
	if (header_is(p, n, "X-Keywords")) {
		snprintf(kwbuf, cap, "%.*s", (int)vl, v + 1);
		for (char *save = NULL, *t = strtok_r(kwbuf, " ,\t\r\n", &save);
		     t && m->nkeywords < IMPORT_KEYWORDS_MAX; t = strtok_r(NULL, " ,\t\r\n", &save))
			m->keywords[m->nkeywords++] = t;
		return true;
	}
	for (size_t i = 0; i < RM_ARRAY_LEN(drop); i++)
		if (header_is(p, n, drop[i]))
			return true;
	return false;
}

/* Copies one message's lines [p, end) into out: store headers out,
 * mboxrd unescaping in the body and header alike. */
static void message_body(const char *p, const char *end, struct import_msg *m, struct rm_buf *out,
			 char *kwbuf, size_t cap)
{
	bool in_header = true;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		size_t n = (size_t)(next - p);
		if (in_header && (n == 1 || (n == 2 && p[0] == '\r')))
			in_header = false;
		else if (in_header && store_header(p, n, m, kwbuf, cap)) {
			p = next;
			continue;
		}
		const char *q = p;
		while (q < next && *q == '>')
			q++;
		if (q > p && is_from_line(q, next))
			p++;  /* ">From " -> "From " */
		rm_buf_append(out, p, (size_t)(next - p));
		p = next;
	}
}

/* Imports the message whose From line starts at p; returns where the
 * next one starts. */
static const char *import_one(struct import_sink *s, const char *mailbox, const char *p,
			      const char *end, struct rm_buf *msg)
{
	char kwbuf[2048];
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	const char *body = eol ? eol + 1 : end;
	const char *next = next_from(body, end);
	/* The empty line before the next From line (and the one writers
	 * leave at the end) is the separator, not message content. */
	const char *stop = next;
	if (stop - body >= 2 && stop[-1] == '\n' && stop[-2] == '\n')
		stop--;
	else if (stop - body >= 3 && !memcmp(stop - 3, "\n\r\n", 3))
		stop -= 2;
	struct import_msg m = { .internal_date_s = from_line_date(p, eol ? eol : end) };
	rm_buf_reset(msg);
	message_body(body, stop, &m, msg, kwbuf, sizeof(kwbuf));
	m.data = msg->data;
	m.len = msg->len;
	import_message(s, mailbox, &m);
	return next;
}

int import_mbox(struct import_sink *s, struct admin *a, const char *login, const char *path,
		const char *mailbox)
{
	struct rm_buf file = { 0 };
	if (!import_read_file(path, &file)) {
		rm_buf_free(&file);
		return cli_fail("cannot read %s", path);
	}
	const char *start = file.data, *end = file.data + file.len;
	if (!file.len || !is_from_line(start, end)) {
		rm_buf_free(&file);
		return cli_fail("%s: not an mbox file (no From line first)", path);
	}
	uint64_t total = 0;
	for (const char *p = start; p < end; p = next_from(p + 1, end))
		total++;
	int rc = 1;
	if (import_begin(s, a, login, total) == RM_OK) {
		if (import_mailbox(s, mailbox) == RM_OK) {
			struct rm_buf msg = { 0 };
			for (const char *p = start; p < end;)
				p = import_one(s, mailbox, p, end, &msg);
			rm_buf_free(&msg);
			import_subscribe(s, mailbox);   /* visible in clients that list subscriptions */
		} else {
			s->failed = total;
		}
		rc = import_end(s);
	}
	rm_buf_free(&file);
	return rc;
}
