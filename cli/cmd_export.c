/*
 * ringmail export LOGIN maildir DIR | LOGIN mbox DIR: writes every mailbox
 * of a user out of the data directory (the server must be stopped: export
 * reads the store directly).  Line ends become LF, as in the files Dovecot
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
#include "storage/store.h"

struct exp_box {
	char *name;
	uint64_t id;
	uint32_t uidvalidity;
	uint64_t uidnext;
};

struct exporter {
	struct admin *admin;
	struct part *part;
	struct store_view *v;
	uint64_t user_id;
	const char *dir;
	bool maildir;
	struct progress prog;
	struct rm_buf msg;
	struct rm_buf out;
	uint64_t failed;
	uint64_t bytes;
	/* Maildir: this folder's keywords, letter = 'a' + index. */
	const char *kw[26];
	size_t kw_lens[26];
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

struct exp_read {
	struct store_read rd;
	enum rm_err err;
	size_t got;
	bool done;
};

static void read_done(struct store_read *rd, enum rm_err err, size_t got)
{
	struct exp_read *x = RM_CONTAINER_OF(rd, struct exp_read, rd);
	x->err = err;
	x->got = got;
	x->done = true;
}

/* The message's bytes, LF line ends, into e->msg (offline: synchronous). */
static enum rm_err load(struct exporter *e, const struct store_msg *m)
{
	char *raw = rm_malloc(m->size_bytes ? m->size_bytes : 1);
	struct exp_read x = { .err = RM_ERR_IO };
	store_read_msg(e->part, m->blob_lsn, 0, m->size_bytes, raw, &x.rd, read_done);
	admin_wait(e->admin, &x.done);
	rm_buf_reset(&e->msg);
	if (x.err == RM_OK)
		to_lf(&e->msg, raw, x.got);
	free(raw);
	return x.err;
}

static int write_file(const char *path, const struct rm_buf *b, const char *mode, int64_t mtime)
{
	FILE *fp = fopen(path, mode);
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
		if (e->kw_lens[i] == len && !memcmp(e->kw[i], name, len))
			return (char)('a' + i);
	if (e->nkw == 26)
		return 0;  /* Dovecot's Maildir has 26 keyword letters */
	e->kw[e->nkw] = name;
	e->kw_lens[e->nkw] = len;
	return (char)('a' + e->nkw++);
}

static void maildir_message(struct exporter *e, const char *fdir, const struct store_msg *m,
			    struct rm_buf *uidlist)
{
	char letters[40];
	size_t n = 0;
	static const struct { uint32_t f; char c; } sys[] = {
		{ STORE_F_DRAFT, 'D' }, { STORE_F_FLAGGED, 'F' }, { STORE_F_ANSWERED, 'R' },
		{ STORE_F_SEEN, 'S' }, { STORE_F_DELETED, 'T' },
	};
	for (size_t i = 0; i < 5; i++)
		if (m->flags & sys[i].f)
			letters[n++] = sys[i].c;
	char kws[27];
	size_t nk = 0;
	for (unsigned k = 0; k < m->nkeywords; k++) {
		const char *name;
		size_t len;
		char c;
		if (nk < sizeof(kws) &&
		    store_view_keyword_name(e->v, e->user_id, store_msg_keyword(m, k), &name, &len) == RM_OK &&
		    (c = kw_letter(e, name, len)))
			kws[nk++] = c;
	}
	/* Keyword letters in order after the system flags (Maildir wants
	 * the info letters sorted). */
	for (char c = 'a'; c <= 'z'; c++)
		if (memchr(kws, c, nk))
			letters[n++] = c;
	letters[n] = '\0';
	char base[128], path[4096 + 256];
	snprintf(base, sizeof(base), "%lld.M%uP%d.ringmail", (long long)m->internal_date_s, m->uid,
		 (int)getpid());
	snprintf(path, sizeof(path), "%s/cur/%s:2,%s", fdir, base, letters);
	if (load(e, m) != RM_OK || write_file(path, &e->msg, "wb", m->internal_date_s) < 0) {
		e->failed++;
		fprintf(stderr, "ringmail: message uid %u not exported\n", m->uid);
		return;
	}
	e->bytes += e->msg.len;
	rm_buf_printf(uidlist, "%u :%s\n", m->uid, base);
}

static void maildir_box(struct exporter *e, const struct exp_box *b, struct store_iter *it)
{
	char fdir[4096];
	if (!strcmp(b->name, "INBOX")) {
		snprintf(fdir, sizeof(fdir), "%s", e->dir);
	} else {
		struct rm_buf enc = { 0 };
		mutf7_encode(b->name, strlen(b->name), &enc);
		for (size_t i = 0; i < enc.len; i++)
			if (enc.data[i] == MBOX_DELIM)
				enc.data[i] = '.';
		snprintf(fdir, sizeof(fdir), "%s/.%.*s", e->dir, (int)enc.len, enc.data);
		rm_buf_free(&enc);
	}
	const char *subs[] = { "cur", "new", "tmp" };
	for (size_t i = 0; i < 3; i++) {
		char d[4200];
		snprintf(d, sizeof(d), "%s/%s", fdir, subs[i]);
		mkdirs(d);
	}
	e->nkw = 0;
	struct rm_buf uidlist = { 0 };
	rm_buf_printf(&uidlist, "3 V%u N%llu\n", b->uidvalidity, (unsigned long long)b->uidnext);
	struct store_msg m;
	while (store_iter_msg(it, &m) == 1) {
		maildir_message(e, fdir, &m, &uidlist);
		progress_step(&e->prog, 1);
	}
	char path[4200];
	snprintf(path, sizeof(path), "%s/dovecot-uidlist", fdir);
	write_file(path, &uidlist, "wb", 0);
	rm_buf_reset(&uidlist);
	for (unsigned i = 0; i < e->nkw; i++)
		rm_buf_printf(&uidlist, "%u %.*s\n", i, (int)e->kw_lens[i], e->kw[i]);
	snprintf(path, sizeof(path), "%s/dovecot-keywords", fdir);
	if (e->nkw)
		write_file(path, &uidlist, "wb", 0);
	rm_buf_free(&uidlist);
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

static void mbox_status(struct exporter *e, const struct store_msg *m, struct rm_buf *o)
{
	if (m->flags & STORE_F_SEEN)
		rm_buf_puts(o, "Status: RO\n");
	else
		rm_buf_puts(o, "Status: O\n");
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
	for (unsigned k = 0; k < m->nkeywords; k++) {
		const char *name;
		size_t len;
		if (store_view_keyword_name(e->v, e->user_id, store_msg_keyword(m, k), &name, &len) != RM_OK)
			continue;
		rm_buf_puts(o, k ? " " : "X-Keywords: ");
		rm_buf_append(o, name, len);
		if (k + 1 == m->nkeywords)
			rm_buf_putc(o, '\n');
	}
}

static void mbox_message(struct exporter *e, const struct store_msg *m)
{
	if (load(e, m) != RM_OK) {
		e->failed++;
		fprintf(stderr, "ringmail: message uid %u not exported\n", m->uid);
		return;
	}
	time_t t = (time_t)m->internal_date_s;
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
	mbox_status(e, m, &e->out);
	mboxrd_escape(&e->out, split, end);
	if (e->msg.len && end[-1] != '\n')
		rm_buf_putc(&e->out, '\n');
	rm_buf_putc(&e->out, '\n');
	e->bytes += e->msg.len;
}

static void mbox_box(struct exporter *e, const struct exp_box *b, struct store_iter *it)
{
	char path[4096];
	/* "a.mbox" beside the directory "a/" of its children: a mailbox may
	 * hold messages and have inferiors. */
	snprintf(path, sizeof(path), "%s/%s.mbox", e->dir, b->name);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdirs(path);
	*slash = '/';
	rm_buf_reset(&e->out);
	struct store_msg m;
	while (store_iter_msg(it, &m) == 1) {
		mbox_message(e, &m);
		progress_step(&e->prog, 1);
	}
	if (write_file(path, &e->out, "wb", 0) < 0) {
		e->failed++;
		fprintf(stderr, "ringmail: cannot write %s\n", path);
	}
}

/* Copies the user's mailboxes out of the view; returns how many. */
static size_t list_boxes(struct exporter *e, struct exp_box **r, uint64_t *messages_r)
{
	struct store_iter *it;
	struct exp_box *boxes = NULL;
	size_t n = 0;
	*messages_r = 0;
	if (store_view_mailboxes(e->v, e->user_id, &it) != RM_OK)
		return 0;
	struct store_mailbox mb;
	while (store_iter_mailbox(it, &mb) == 1) {
		boxes = rm_realloc(boxes, (n + 1) * sizeof(*boxes));
		boxes[n++] = (struct exp_box){ rm_strndup(mb.name, mb.name_len), mb.id, mb.uidvalidity,
					       mb.uidnext };
		*messages_r += mb.messages;
	}
	store_iter_free(&it);
	*r = boxes;
	return n;
}

static int export_user(struct exporter *e, const char *login)
{
	struct store_user u;
	if (store_view_user(e->v, login, strlen(login), &u) != RM_OK)
		return cli_fail("no user %s in the store", login);
	e->user_id = u.id;
	struct exp_box *boxes = NULL;
	uint64_t total;
	size_t n = list_boxes(e, &boxes, &total);
	progress_start(&e->prog, "export", "messages", total);
	for (size_t i = 0; i < n; i++) {
		struct store_iter *it;
		if (store_view_msgs(e->v, boxes[i].id, 1, &it) == RM_OK) {
			if (e->maildir)
				maildir_box(e, &boxes[i], it);
			else
				mbox_box(e, &boxes[i], it);
			store_iter_free(&it);
		}
		free(boxes[i].name);
	}
	free(boxes);
	progress_end(&e->prog, ", %llu bytes, %zu mailboxes, %llu failed",
		     (unsigned long long)e->bytes, n, (unsigned long long)e->failed);
	return e->failed ? 1 : 0;
}

int cli_export(struct cli_ctx *ctx)
{
	if (ctx->argc != 3 || (strcmp(ctx->argv[1], "maildir") && strcmp(ctx->argv[1], "mbox")))
		return cli_fail("usage: export LOGIN maildir|mbox DIR");
	if (admin_online(ctx->admin))
		return cli_fail("export reads the data directory: stop ringmaild first");
	const char *login = ctx->argv[0];
	struct store *st = admin_store(ctx->admin);
	struct exporter e = { .admin = ctx->admin, .dir = ctx->argv[2],
			      .maildir = !strcmp(ctx->argv[1], "maildir") };
	e.part = admin_part(ctx->admin, store_partition_of(st, login, strlen(login)));
	if (!e.part || mkdirs(e.dir) < 0)
		return cli_fail("cannot open the partition or create %s", e.dir);
	if (store_view_begin(e.part, &e.v) != RM_OK)
		return cli_fail("cannot read the index");
	int rc = export_user(&e, login);
	store_view_end(&e.v);
	rm_buf_free(&e.msg);
	rm_buf_free(&e.out);
	return rc;
}
