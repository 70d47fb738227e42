/*
 * cli.h — the `ringmail` admin command: a table of subcommands, each in its
 * own file.  Common options: -d DIR (data directory, default ./data).
 *
 * A command's flags say what the dispatcher prepares before the handler
 * runs, so handlers never re-check: CLI_F_STORE opens the data directory
 * (taking its lock: the server must not be running) into ctx->store and
 * closes it afterwards.
 */
#ifndef RM_CLI_H
#define RM_CLI_H

struct store;

struct cli_ctx {
	const char *data_dir;
	int argc;            /* arguments after the subcommand words */
	char **argv;
	struct store *store; /* open when the command has CLI_F_STORE */
	struct admin *admin; /* open when the command has CLI_F_ADMIN */
};

#define CLI_F_STORE 0x1u
/* CLI_F_ADMIN opens cli/admin.h's backend: the running server's control
 * socket, or the data directory when the server is stopped. */
#define CLI_F_ADMIN 0x2u

typedef int cli_fn(struct cli_ctx *ctx);

struct cli_command {
	const char *name;    /* "init", "user add" */
	cli_fn *fn;
	const char *usage;   /* arguments, after the name */
	const char *help;
	unsigned flags;      /* CLI_F_* */
};

/* Subcommands (cmd_*.c). */
cli_fn cli_init, cli_user_add, cli_user_del, cli_user_passwd, cli_user_list;
/* Offline storage maintenance (cmd_store.c): options -P PARTITION (default
 * all), -l LIVE_PERCENT (compact), -q (summary only).  verify exits 1 when
 * it found problems. */
cli_fn cli_verify, cli_reindex, cli_compact, cli_stats;
/* Through the server or on the data directory (cmd_mailbox.c,
 * cmd_import*.c, cmd_export.c). */
cli_fn cli_mailbox_list, cli_mailbox_create, cli_mailbox_delete, cli_user_show, cli_kick;
cli_fn cli_import, cli_export;
/** USER-DELETE for ctx->argv[0] on the open ctx->admin (cmd_user.c's
 * `user del` opens it after editing the passwd-file). */
cli_fn cli_user_delete_mail;

/** Path of the passwd-file of the data directory (DIR/passwd). */
void cli_passwd_path(const struct cli_ctx *ctx, char *out, unsigned cap);

/** Prints "ringmail: <msg>" to stderr; returns 1 (the exit status). */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
