/*
 * ringmail export LOGIN maildir DIR | LOGIN mbox DIR: writes every mailbox
 * of a user through the admin backend (cli/admin.h: the running server's
 * control socket, or the data directory): MAILBOX-LIST, then MSG-LIST and
 * one MSG-GET per message.  Line ends become LF, as in the files Dovecot
 * and mail tools write.
 *   maildir: Maildir++ (INBOX at DIR, other mailboxes in ".a.b" folders with
 *     modified UTF-7 names), flags in the file names (":2,DFRST" plus
 *     keyword letters a-z listed in each folder's dovecot-keywords), the
 *     internal date as the file's mtime, UIDs in dovecot-uidlist.
 *   mbox: one file per mailbox (DIR/INBOX.mbox, DIR/a/b.mbox), mboxrd "From "
 *     escaping, flags in Status / X-Status / X-Keywords headers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "common/util.h"
#include "server/imap/mailbox_name.h"
#include "server/control_wire.h"
#include "storage/store_types.h"

struct exp_box {
	char *name;
	uint32_t uidvalidity;
	uint64_t uidnext;
	uint64_t messages;
};

/* One message as MSG-LIST describes it; kw point into the row's text. */
struct exp_msg {
	uint32_t uid;
	uint32_t flags;
	int64_t date_s;
	const char *kw[64];
	size_t kw_lens[64];
	unsigned nkw;
};

struct exporter {
	struct admin *admin;
	const char *login;
	const char *dir;
	bool maildir;
	struct progress prog;
	struct rm_buf req;
	struct rm_buf resp;
	struct rm_buf msg;        /* the current message, LF line ends */
	struct rm_buf out;
	uint64_t failed;
	uint64_t bytes;
	/* Maildir: this folder's keywords, letter = 'a' + index. */
	char *kw[26];
	unsigned nkw;
};

static int mkdirs(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

static void to_lf(struct rm_buf *out, const char *p, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		if (p[i] != '\r' || p[i + 1] != '\n')
			continue;
		rm_buf_append(out, p + start, i - start);
		start = i + 1;
	}
	rm_buf_append(out, p + start, n - start);
}

/* VERB login [mailbox [uid]] into e->resp. */
static enum rm_err request(struct exporter *e, const char *verb, const char *mailbox, uint32_t uid)
{
	rm_buf_reset(&e->req);
	rm_buf_reset(&e->resp);
	rm_buf_printf(&e->req, "%s ", verb);
	control_arg_put(&e->req, e->login, strlen(e->login));
	if (mailbox) {
		rm_buf_putc(&e->req, ' ');
		control_arg_put(&e->req, mailbox, strlen(mailbox));
	}
	if (uid)
		rm_buf_printf(&e->req, " %u", uid);
	return admin_call(e->admin, e->req.data, e->req.len, NULL, 0, &e->resp);
}

/* MSG-GET: the message's bytes, LF line ends, into e->msg. */
static enum rm_err load(struct exporter *e, const char *mailbox, uint32_t uid)
{
	enum rm_err err = request(e, "MSG-GET", mailbox, uid);
	rm_buf_reset(&e->msg);
	if (err != RM_OK)
		return err;
	char *nl = memchr(e->resp.data, '\n', e->resp.len);
	if (!nl || e->resp.len < 7 || memcmp(e->resp.data, "* body ", 7))
		return RM_ERR_CORRUPT;
	size_t n = (size_t)strtoull(e->resp.data + 7, NULL, 10);
	if ((size_t)(e->resp.data + e->resp.len - (nl + 1)) < n)
		return RM_ERR_CORRUPT;
	to_lf(&e->msg, nl + 1, n);
	return RM_OK;
}

static int write_file(const char *path, const struct rm_buf *b, int64_t mtime)
{
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(b->data, 1, b->len, fp) != b->len || fclose(fp) != 0)
		return -1;
	if (mtime > 0) {
		struct timeval tv[2] = { { (time_t)mtime, 0 }, { (time_t)mtime, 0 } };
		utimes(path, tv);
	}
	return 0;
}

static char kw_letter(struct exporter *e, const char *name, size_t len)
{
	for (unsigned i = 0; i < e->nkw; i++)
		if (strlen(e->kw[i]) == len && !memcmp(e->kw[i], name, len))
			return (char)('a' + i);
	if (e->nkw == 26)
		return 0;  /* Dovecot's Maildir has 26 keyword letters */
	e->kw[e->nkw] = rm_strndup(name, len);
	return (char)('a' + e->nkw++);
}

static void failed(struct exporter *e, const char *mailbox, uint32_t uid, enum rm_err err)
{
	e->failed++;
	fprintf(stderr, "ringmail: %s uid %u not exported: %s\n", mailbox, uid, rm_err_str(err));
}

static void maildir_message(struct exporter *e, const struct exp_box *b, const char *fdir,
			    const struct exp_msg *m, struct rm_buf *uidlist)
{
	static const struct { uint32_t f; char c; } sys[] = {
		{ STORE_F_DRAFT, 'D' }, { STORE_F_FLAGGED, 'F' }, { STORE_F_ANSWERED, 'R' },
		{ STORE_F_SEEN, 'S' }, { STORE_F_DELETED, 'T' },
	};
	char letters[40], kws[27];
	size_t n = 0, nk = 0;
	for (size_t i = 0; i < 5; i++)
		if (m->flags & sys[i].f)
			letters[n++] = sys[i].c;
	for (unsigned k = 0; k < m->nkw && nk < sizeof(kws); k++) {
		char c = kw_letter(e, m->kw[k], m->kw_lens[k]);
		if (c)
			kws[nk++] = c;
	}
	/* Keyword letters in order after the system flags (Maildir wants
	 * the info letters sorted). */
	for (char c = 'a'; c <= 'z'; c++)
		if (memchr(kws, c, nk))
			letters[n++] = c;
	letters[n] = '\0';
	char base[128], path[4096 + 256];
	snprintf(base, sizeof(base), "%lld.M%uP%d.ringmail", (long long)m->date_s, m->uid,
		 (int)getpid());
	snprintf(path, sizeof(path), "%s/cur/%s:2,%s", fdir, base, letters);
	enum rm_err err = load(e, b->name, m->uid);
	if (err == RM_OK && write_file(path, &e->msg, m->date_s) < 0)
		err = RM_ERR_IO;
	if (err != RM_OK) {
		failed(e, b->name, m->uid, err);
		return;
	}
	e->bytes += e->msg.len;
	rm_buf_printf(uidlist, "%u :%s\n", m->uid, base);
}

/* The folder of a mailbox: DIR for INBOX, else DIR/.a.b in modified UTF-7. */
static void maildir_folder(const struct exporter *e, const char *name, char *out, size_t cap)
{
	if (!strcmp(name, "INBOX")) {
		snprintf(out, cap, "%s", e->dir);
		return;
	}
	struct rm_buf enc = { 0 };
	mutf7_encode(name, strlen(name), &enc);
	for (size_t i = 0; i < enc.len; i++)
		if (enc.data[i] == MBOX_DELIM)
			enc.data[i] = '.';
	snprintf(out, cap, "%s/.%.*s", e->dir, (int)enc.len, enc.data);
	rm_buf_free(&enc);
}

static void maildir_begin(struct exporter *e, const struct exp_box *b, char *fdir, size_t cap,
			  struct rm_buf *uidlist)
{
	maildir_folder(e, b->name, fdir, cap);
	const char *subs[] = { "cur", "new", "tmp" };
	for (size_t i = 0; i < 3; i++) {
		char d[4200];
		snprintf(d, sizeof(d), "%s/%s", fdir, subs[i]);
		mkdirs(d);
	}
	for (unsigned i = 0; i < e->nkw; i++)
		free(e->kw[i]);
	e->nkw = 0;
	rm_buf_printf(uidlist, "3 V%u N%llu\n", b->uidvalidity, (unsigned long long)b->uidnext);
}

static void maildir_end(struct exporter *e, const char *fdir, struct rm_buf *uidlist)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/dovecot-uidlist", fdir);
	write_file(path, uidlist, 0);
	rm_buf_reset(uidlist);
	for (unsigned i = 0; i < e->nkw; i++)
		rm_buf_printf(uidlist, "%u %s\n", i, e->kw[i]);
	snprintf(path, sizeof(path), "%s/dovecot-keywords", fdir);
	if (e->nkw)
		write_file(path, uidlist, 0);
}

/* Appends lines [p, end) with ">*From " lines escaped by one more '>'. */
static void mboxrd_escape(struct rm_buf *out, const char *p, const char *end)
{
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		const char *q = p;
		while (q < next && *q == '>')
			q++;
		if (next - q >= 5 && !memcmp(q, "From ", 5))
			rm_buf_putc(out, '>');
		rm_buf_append(out, p, (size_t)(next - p));
		p = next;
	}
}

static void mbox_status(const struct exp_msg *m, struct rm_buf *o)
{
	rm_buf_puts(o, m->flags & STORE_F_SEEN ? "Status: RO\n" : "Status: O\n");
	static const struct { uint32_t f; char c; } xs[] = {
		{ STORE_F_ANSWERED, 'A' }, { STORE_F_FLAGGED, 'F' }, { STORE_F_DRAFT, 'T' },
		{ STORE_F_DELETED, 'D' },
	};
	char x[8];
	size_t n = 0;
	for (size_t i = 0; i < 4; i++)
		if (m->flags & xs[i].f)
			x[n++] = xs[i].c;
	if (n)
		rm_buf_printf(o, "X-Status: %.*s\n", (int)n, x);
	for (unsigned k = 0; k < m->nkw; k++) {
		rm_buf_puts(o, k ? " " : "X-Keywords: ");
		rm_buf_append(o, m->kw[k], m->kw_lens[k]);
	}
	if (m->nkw)
		rm_buf_putc(o, '\n');
}

static void mbox_message(struct exporter *e, const struct exp_box *b, const struct exp_msg *m)
{
	enum rm_err err = load(e, b->name, m->uid);
	if (err != RM_OK) {
		failed(e, b->name, m->uid, err);
		return;
	}
	time_t t = (time_t)m->date_s;
	struct tm tm;
	gmtime_r(&t, &tm);
	char date[64];
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	rm_buf_printf(&e->out, "From MAILER-DAEMON %s\n", date);
	const char *p = e->msg.data, *end = p + e->msg.len;
	const char *hend = e->msg.len ? memmem(p, e->msg.len, "\n\n", 2) : NULL;
	const char *split = hend ? hend + 1 : end;
	mboxrd_escape(&e->out, p, split);
	if (!hend && e->msg.len && end[-1] != '\n')
		rm_buf_putc(&e->out, '\n');
	mbox_status(m, &e->out);
	mboxrd_escape(&e->out, split, end);
	if (e->msg.len && end[-1] != '\n')
		rm_buf_putc(&e->out, '\n');
	rm_buf_putc(&e->out, '\n');
	e->bytes += e->msg.len;
}

/* "* msg uid flags date size" (fields decoded in place). */
static bool parse_msg(char *line, size_t len, struct exp_msg *m)
{
	char *argv[7];
	size_t lens[7];
	if (control_args_split(line, len, argv, lens, 7) != 6 || strcmp(argv[1], "msg"))
		return false;
	m->uid = (uint32_t)strtoul(argv[2], NULL, 10);
	m->date_s = strtoll(argv[4], NULL, 10);
	return m->uid && control_flags_parse(argv[3], &m->flags, m->kw, m->kw_lens, 64, &m->nkw);
}

static void export_box(struct exporter *e, const struct exp_box *b)
{
	enum rm_err err = request(e, "MSG-LIST", b->name, 0);
	if (err != RM_OK) {
		e->failed += b->messages;
		fprintf(stderr, "ringmail: %s: %s", b->name, rm_buf_cstr(&e->resp));
		return;
	}
	/* The list is kept: MSG-GET reuses e->resp. */
	struct rm_buf list = e->resp;
	memset(&e->resp, 0, sizeof(e->resp));
	char fdir[4096];
	struct rm_buf uidlist = { 0 };
	if (e->maildir)
		maildir_begin(e, b, fdir, sizeof(fdir), &uidlist);
	rm_buf_reset(&e->out);
	for (char *p = list.data, *end = list.data + list.len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct exp_msg m;
		if (ll > 6 && !memcmp(p, "* msg ", 6) && parse_msg(p, ll, &m)) {
			if (e->maildir)
				maildir_message(e, b, fdir, &m, &uidlist);
			else
				mbox_message(e, b, &m);
			progress_step(&e->prog, 1);
		}
		p += ll + 1;
	}
	if (e->maildir)
		maildir_end(e, fdir, &uidlist);
	rm_buf_free(&uidlist);
	rm_buf_free(&list);
	if (!e->maildir) {
		/* "a.mbox" beside the directory "a/" of its children: a
		 * mailbox may hold messages and have inferiors. */
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s.mbox", e->dir, b->name);
		char *slash = strrchr(path, '/');
		*slash = '\0';
		mkdirs(path);
		*slash = '/';
		FILE *fp = fopen(path, "wb");
		if (!fp || fwrite(e->out.data, 1, e->out.len, fp) != e->out.len || fclose(fp) != 0) {
			e->failed++;
			fprintf(stderr, "ringmail: cannot write %s\n", path);
		}
	}
}

/* MAILBOX-LIST into boxes; returns how many (0 with an error printed). */
static size_t list_boxes(struct exporter *e, struct exp_box **r, uint64_t *messages_r)
{
	*r = NULL;
	*messages_r = 0;
	if (request(e, "MAILBOX-LIST", NULL, 0) != RM_OK) {
		fprintf(stderr, "ringmail: %s", rm_buf_cstr(&e->resp));
		return 0;
	}
	size_t n = 0;
	char *save = NULL;
	for (char *line = strtok_r(rm_buf_cstr(&e->resp), "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		/* "* mailbox NAME id=.. uidvalidity=.. uidnext=.. messages=.." */
		char *sp = strncmp(line, "* mailbox ", 10) ? NULL : strchr(line + 10, ' ');
		char *uv, *un, *ms, *name;
		size_t name_len;
		if (!sp || !(uv = strstr(sp, " uidvalidity=")) || !(un = strstr(uv, " uidnext=")) ||
		    !(ms = strstr(un, " messages=")))
			continue;
		*sp = '\0';
		if (control_args_split(line + 10, (size_t)(sp - line - 10), &name, &name_len, 1) != 1)
			continue;
		uv++, un++, ms++;
		*r = rm_realloc(*r, (n + 1) * sizeof(**r));
		(*r)[n++] = (struct exp_box){ rm_strndup(name, name_len),
					      (uint32_t)strtoul(uv + 12, NULL, 10),
					      strtoull(un + 8, NULL, 10), strtoull(ms + 9, NULL, 10) };
		*messages_r += (*r)[n - 1].messages;
	}
	return n;
}

int cli_export(struct cli_ctx *ctx)
{
	if (ctx->argc != 3 || (strcmp(ctx->argv[1], "maildir") && strcmp(ctx->argv[1], "mbox")))
		return cli_fail("usage: export LOGIN maildir|mbox DIR");
	struct exporter e = { .admin = ctx->admin, .login = ctx->argv[0], .dir = ctx->argv[2],
			      .maildir = !strcmp(ctx->argv[1], "maildir") };
	if (mkdirs(e.dir) < 0)
		return cli_fail("cannot create %s", e.dir);
	struct exp_box *boxes;
	uint64_t total;
	size_t n = list_boxes(&e, &boxes, &total);
	int rc = n ? 0 : 1;
	progress_start(&e.prog, "export", "messages", total);
	for (size_t i = 0; i < n; i++) {
		export_box(&e, &boxes[i]);
		free(boxes[i].name);
	}
	free(boxes);
	if (n)
		progress_end(&e.prog, ", %llu bytes, %zu mailboxes, %llu failed",
			     (unsigned long long)e.bytes, n, (unsigned long long)e.failed);
	for (unsigned i = 0; i < e.nkw; i++)
		free(e.kw[i]);
	rm_buf_free(&e.req);
	rm_buf_free(&e.resp);
	rm_buf_free(&e.msg);
	rm_buf_free(&e.out);
	return rc || e.failed ? 1 : 0;
}
