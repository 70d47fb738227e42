/* ringmail — administration of a ringmail data directory. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "common/log.h"
#include "index/mime.h"
#include "storage/store.h"

static const struct cli_command commands[] = {
	{ "init", cli_init, "[-p PARTITIONS]", "create the data directory (partitions fixed for good)",
	  0 },
	{ "user add", cli_user_add, "[-s SCHEME] LOGIN [PASSWORD]",
	  "add a user to the passwd-file (password from stdin when omitted; default scheme ARGON2ID)", 0 },
	{ "user del", cli_user_del, "[-k] LOGIN",
	  "remove a user from the passwd-file and delete the user's mail (-k: keep the mail)", 0 },
	{ "user passwd", cli_user_passwd, "[-s SCHEME] LOGIN [PASSWORD]", "change a password", 0 },
	{ "user list", cli_user_list, "", "list the users of the passwd-file", 0 },
	{ "verify", cli_verify, "[-P PARTITION] [-q]",
	  "check every log record's checksum and every index entry; exit 1 on problems",
	  CLI_F_STORE },
	{ "reindex", cli_reindex, "[-P PARTITION] [-q]", "rebuild the LMDB index from the log",
	  CLI_F_STORE },
	{ "compact", cli_compact, "[-P PARTITION] [-l LIVE_PERCENT] [-q]",
	  "rewrite sealed segments whose live bytes are under LIVE_PERCENT (default 50)",
	  CLI_F_STORE },
	{ "stats", cli_stats, "[-P PARTITION] [-q]", "sizes and counts per partition", CLI_F_STORE },
	{ "user show", cli_user_show, "LOGIN", "quota, usage and mailboxes of a user", CLI_F_ADMIN },
	{ "mailbox list", cli_mailbox_list, "LOGIN", "a user's mailboxes with counts", CLI_F_ADMIN },
	{ "mailbox create", cli_mailbox_create, "LOGIN NAME", "create a mailbox ('/' between levels)",
	  CLI_F_ADMIN },
	{ "mailbox delete", cli_mailbox_delete, "LOGIN NAME", "delete a mailbox and its messages",
	  CLI_F_ADMIN },
	{ "kick", cli_kick, "LOGIN", "end a user's IMAP sessions on the running server", CLI_F_ADMIN },
	{ "import", cli_import, "LOGIN maildir DIR | LOGIN mbox FILE [MAILBOX]",
	  "import Maildir++ (Dovecot flags, keywords, UIDs, dates) or mbox", CLI_F_ADMIN },
	{ "export", cli_export, "LOGIN maildir|mbox DIR",
	  "write a user's mailboxes as Maildir++ or mbox files", CLI_F_ADMIN },
};

/* Prepares what the command's flags ask for, runs it, cleans up. */
static int run(const struct cli_command *cmd, struct cli_ctx *ctx)
{
	if (cmd->flags & CLI_F_STORE) {
		/* Replayed messages get the same MIME cache as live ones. */
		store_set_cache_builder(mime_parse);
		enum rm_err err = store_open(ctx->data_dir, NULL, &ctx->store);
		if (err == RM_ERR_BUSY)
			return cli_fail("%s is in use (is ringmaild running?)", ctx->data_dir);
		if (err)
			return cli_fail("cannot open %s: %s", ctx->data_dir, rm_err_str(err));
	}
	if (cmd->flags & CLI_F_ADMIN) {
		enum rm_err err = admin_open(ctx->data_dir, &ctx->admin);
		if (err)
			return cli_fail("cannot open %s: %s", ctx->data_dir, rm_err_str(err));
	}
	int rc = cmd->fn(ctx);
	admin_close(&ctx->admin);
	store_close(&ctx->store);
	return rc;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ringmail: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return 1;
}

void cli_passwd_path(const struct cli_ctx *ctx, char *out, unsigned cap)
{
	snprintf(out, cap, "%s/passwd", ctx->data_dir);
}

static void usage(void)
{
	fprintf(stderr, "usage: ringmail [-d DATA_DIR] COMMAND ...\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, "  %s %s\n      %s\n", commands[i].name, commands[i].usage,
			commands[i].help);
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx = { .data_dir = "./data" };
	int i = 1;
	rm_log_threshold = RM_LOG_WARN;
	/* -d may come before or after the command words. */
	char *rest[256];
	int nrest = 0;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "-d") && i + 1 < argc)
			ctx.data_dir = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			return 0;
		} else if (nrest < 255)
			rest[nrest++] = argv[i];
	}
	rest[nrest] = NULL;
	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		/* Match the command's words ("user add") against the start. */
		char words[64];
		snprintf(words, sizeof(words), "%s", commands[k].name);
		int used = 0;
		char *save = NULL;
		int match = 1;
		for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
			if (used >= nrest || strcmp(rest[used], w) != 0) {
				match = 0;
				break;
			}
			used++;
		}
		if (!match)
			continue;
		ctx.argc = nrest - used;
		ctx.argv = rest + used;
		return run(&commands[k], &ctx);
	}
	usage();
	return 2;
}
