/* ringmail import LOGIN maildir DIR | LOGIN mbox FILE [MAILBOX]: the sink
 * that stores what the readers find (see import.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/import.h"
#include "server/control_wire.h"
#include "storage/store_types.h"

bool import_read_file(const char *path, struct rm_buf *out)
{
	rm_buf_reset(out);
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return false;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		rm_buf_append(out, chunk, n);
	bool ok = !ferror(fp);
	fclose(fp);
	return ok;
}

void import_to_crlf(struct rm_buf *out, const char *data, size_t len)
{
	rm_buf_reserve(out, len + len / 16 + 2);
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\n' || (i > 0 && data[i - 1] == '\r'))
			continue;
		rm_buf_append(out, data + start, i - start);
		rm_buf_append(out, "\r\n", 2);
		start = i + 1;
	}
	rm_buf_append(out, data + start, len - start);
}

static enum rm_err call(struct import_sink *s)
{
	rm_buf_reset(&s->resp);
	return admin_call(s->admin, s->line.data, s->line.len, NULL, 0, &s->resp);
}

enum rm_err import_begin(struct import_sink *s, struct admin *a, const char *login,
			 uint64_t total_messages)
{
	memset(s, 0, sizeof(*s));
	s->admin = a;
	s->login = login;
	rm_buf_puts(&s->line, "USER-ENSURE ");
	control_arg_put(&s->line, login, strlen(login));
	enum rm_err err = call(s);
	if (err != RM_OK) {
		fprintf(stderr, "ringmail: user %s: %s", login, rm_buf_cstr(&s->resp));
		rm_buf_free(&s->line);
		rm_buf_free(&s->resp);
		return err;
	}
	progress_start(&s->prog, "import", "messages", total_messages);
	return err;
}

/* Collects one outstanding APPEND's response. */
static void collect_one(struct import_sink *s)
{
	rm_buf_reset(&s->resp);
	if (admin_collect(s->admin, &s->resp) != RM_OK) {
		s->failed++;
		fprintf(stderr, "ringmail: a message was not stored: %s", rm_buf_cstr(&s->resp));
	}
	progress_step(&s->prog, 1);
}

static void collect_all(struct import_sink *s)
{
	while (admin_outstanding(s->admin))
		collect_one(s);
}

enum rm_err import_mailbox(struct import_sink *s, const char *name)
{
	collect_all(s);
	enum rm_err err = admin_mailbox_create(s->admin, s->login, name, &s->resp);
	if (err != RM_OK)
		fprintf(stderr, "ringmail: mailbox %s: %s", name, rm_buf_cstr(&s->resp));
	else
		s->mailboxes++;
	return err;
}

enum rm_err import_subscribe(struct import_sink *s, const char *name)
{
	collect_all(s);
	rm_buf_reset(&s->line);
	rm_buf_puts(&s->line, "SUBSCRIBE ");
	control_arg_put(&s->line, s->login, strlen(s->login));
	rm_buf_putc(&s->line, ' ');
	control_arg_put(&s->line, name, strlen(name));
	enum rm_err err = call(s);
	if (err != RM_OK) {
		fprintf(stderr, "ringmail: subscribing %s: %s", name, rm_buf_cstr(&s->resp));
		s->failed++;
	} else {
		s->subscribed++;
	}
	return err;
}

enum rm_err import_message(struct import_sink *s, const char *mailbox, const struct import_msg *m)
{
	rm_buf_reset(&s->crlf);
	import_to_crlf(&s->crlf, m->data, m->len);
	if (s->crlf.len == 0) {
		progress_step(&s->prog, 1);
		s->failed++;
		return RM_ERR_INVAL;
	}
	rm_buf_reset(&s->line);
	rm_buf_puts(&s->line, "APPEND ");
	control_arg_put(&s->line, s->login, strlen(s->login));
	rm_buf_putc(&s->line, ' ');
	control_arg_put(&s->line, mailbox, strlen(mailbox));
	rm_buf_putc(&s->line, ' ');
	size_t kw_lens[IMPORT_KEYWORDS_MAX];
	for (unsigned k = 0; k < m->nkeywords; k++)
		kw_lens[k] = strlen(m->keywords[k]);
	control_flags_put(&s->line, m->flags, m->keywords, kw_lens, m->nkeywords);
	rm_buf_printf(&s->line, " %lld %zu", (long long)m->internal_date_s, s->crlf.len);
	/* Up to ADMIN_WINDOW APPENDs in flight share group commits. */
	if (admin_outstanding(s->admin) == ADMIN_WINDOW)
		collect_one(s);
	enum rm_err err = admin_submit(s->admin, s->line.data, s->line.len, s->crlf.data,
				       s->crlf.len);
	if (err != RM_OK) {
		s->failed++;
		progress_step(&s->prog, 1);
		fprintf(stderr, "ringmail: message in %s not sent: %s\n", mailbox, rm_err_str(err));
	} else {
		s->bytes += s->crlf.len;
	}
	return err;
}

int import_end(struct import_sink *s)
{
	collect_all(s);
	progress_end(&s->prog, ", %llu bytes, %llu mailboxes, %llu subscribed, %llu failed",
		     (unsigned long long)s->bytes, (unsigned long long)s->mailboxes,
		     (unsigned long long)s->subscribed, (unsigned long long)s->failed);
	rm_buf_free(&s->line);
	rm_buf_free(&s->resp);
	rm_buf_free(&s->crlf);
	return s->failed ? 1 : 0;
}

int cli_import(struct cli_ctx *ctx)
{
	if (ctx->argc < 3 || (strcmp(ctx->argv[1], "maildir") && strcmp(ctx->argv[1], "mbox")) ||
	    ctx->argc > 4 || (ctx->argc == 4 && strcmp(ctx->argv[1], "mbox")))
		return cli_fail("usage: import LOGIN maildir DIR | LOGIN mbox FILE [MAILBOX]");
	struct import_sink s;
	if (!strcmp(ctx->argv[1], "maildir"))
		return import_maildir(&s, ctx->admin, ctx->argv[0], ctx->argv[2]);
	return import_mbox(&s, ctx->admin, ctx->argv[0], ctx->argv[2],
			   ctx->argc == 4 ? ctx->argv[3] : "INBOX");
}
