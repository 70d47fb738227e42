/* ringmail mailbox list|create|delete LOGIN [NAME] and ringmail user show
 * LOGIN: through the running server's control socket, or on the data
 * directory when it is stopped (cli/admin.h).  Names are the store's
 * internal form: UTF-8 with '/' between levels. */
#include <stdio.h>
#include <string.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "server/control_wire.h"

/* Sends VERB LOGIN [NAME]; prints the data lines through print_line. */
static int request(struct cli_ctx *ctx, const char *verb, int nargs,
		   void (*print_line)(char *line, size_t len))
{
	if (ctx->argc != nargs)
		return cli_fail("%s needs %d argument%s", verb, nargs, nargs > 1 ? "s" : "");
	struct rm_buf line = { 0 }, out = { 0 };
	rm_buf_puts(&line, verb);
	for (int i = 0; i < nargs; i++) {
		rm_buf_putc(&line, ' ');
		control_arg_put(&line, ctx->argv[i], strlen(ctx->argv[i]));
	}
	enum rm_err err = admin_call(ctx->admin, line.data, line.len, NULL, 0, &out);
	char *p = rm_buf_cstr(&out);
	int rc = 0;
	while (*p) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (p[0] == '*' && print_line)
			print_line(p, len);
		else if (p[0] != '*' && err != RM_OK)
			rc = cli_fail("%.*s", (int)len, p);
		else if (p[0] != '*' && len > 3)
			printf("%.*s\n", (int)(len - 3), p + 3);  /* "OK text" */
		p += len + (nl != NULL);
	}
	rm_buf_free(&line);
	rm_buf_free(&out);
	return rc;
}

/* "* mailbox NAME k=v ..." -> "NAME<TAB>k=v ..." with the name decoded. */
static void print_mailbox(char *line, size_t len)
{
	char *argv[3];
	size_t lens[3];
	char *sp = memchr(line + 10, ' ', len - 10);
	size_t name_len = sp ? (size_t)(sp - line - 10) : len - 10;
	char saved = line[10 + name_len];
	if (control_args_split(line + 10, name_len, argv, lens, 1) == 1)
		printf("%.*s\t", (int)lens[0], argv[0]);
	line[10 + name_len] = saved;
	printf("%.*s\n", sp ? (int)(len - 11 - name_len) : 0, sp ? sp + 1 : "");
}

static void print_show(char *line, size_t len)
{
	if (len > 10 && !memcmp(line, "* mailbox ", 10)) {
		printf("  mailbox ");
		print_mailbox(line, len);
	} else {
		printf("%.*s\n", (int)len - 2, line + 2);
	}
}

int cli_mailbox_list(struct cli_ctx *ctx)
{
	return request(ctx, "MAILBOX-LIST", 1, print_mailbox);
}

int cli_mailbox_create(struct cli_ctx *ctx)
{
	if (ctx->argc != 2)
		return cli_fail("usage: mailbox create LOGIN NAME");
	struct rm_buf out = { 0 };
	enum rm_err err = admin_mailbox_create(ctx->admin, ctx->argv[0], ctx->argv[1], &out);
	int rc = err == RM_OK ? 0 : cli_fail("%s", rm_buf_cstr(&out));
	rm_buf_free(&out);
	return rc;
}

int cli_mailbox_delete(struct cli_ctx *ctx)
{
	return request(ctx, "MAILBOX-DELETE", 2, NULL);
}

int cli_user_show(struct cli_ctx *ctx)
{
	return request(ctx, "USER-SHOW", 1, print_show);
}

int cli_user_delete_mail(struct cli_ctx *ctx)
{
	printf("mail of %s deleted: ", ctx->argv[0]);
	fflush(stdout);
	return request(ctx, "USER-DELETE", 1, NULL);
}

int cli_kick(struct cli_ctx *ctx)
{
	if (!admin_online(ctx->admin)) {
		printf("ringmaild is not running: no sessions to end\n");
		return 0;
	}
	printf("sessions ended: ");
	fflush(stdout);
	return request(ctx, "KICK", 1, NULL);
}
