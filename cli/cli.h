/*
 * cli.h — the `ringmail` admin command: a table of subcommands, each in its
 * own file.  Common options: -d DIR (data directory, default ./data).
 */
#ifndef RM_CLI_H
#define RM_CLI_H

struct cli_ctx {
	const char *data_dir;
	int argc;            /* arguments after the subcommand words */
	char **argv;
};

typedef int cli_fn(struct cli_ctx *ctx);

struct cli_command {
	const char *name;    /* "init", "user add" */
	cli_fn *fn;
	const char *usage;   /* arguments, after the name */
	const char *help;
};

/* Subcommands (cmd_*.c). */
cli_fn cli_init, cli_user_add, cli_user_del, cli_user_passwd, cli_user_list;

/** Path of the passwd-file of the data directory (DIR/passwd). */
void cli_passwd_path(const struct cli_ctx *ctx, char *out, unsigned cap);

/** Prints "ringmail: <msg>" to stderr; returns 1 (the exit status). */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
