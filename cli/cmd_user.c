/* ringmail user add|del|passwd|list: the passwd-file of the data directory.
 * The running server picks changes up on SIGHUP; a user's mailboxes are
 * created at the first login. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cli/admin.h"
#include "cli/cli.h"
#include "common/buf.h"
#include "server/auth/passwd.h"
#include "server/auth/passwd_file.h"
#include "server/auth/pwscheme.h"

/* [-s SCHEME] LOGIN [PASSWORD] */
static int parse_login_password(struct cli_ctx *ctx, const char **scheme, const char **login,
				char *pw, size_t cap)
{
	int i = 0;
	*scheme = "ARGON2ID";
	if (i + 1 < ctx->argc && !strcmp(ctx->argv[i], "-s")) {
		*scheme = ctx->argv[i + 1];
		i += 2;
	}
	if (i >= ctx->argc)
		return cli_fail("missing LOGIN");
	*login = ctx->argv[i++];
	const char *why = passwd_login_check(*login, strlen(*login));
	if (why)
		return cli_fail("bad login: %s", why);
	if (i < ctx->argc) {
		snprintf(pw, cap, "%s", ctx->argv[i]);
	} else {
		if (isatty(0))
			fprintf(stderr, "password for %s: ", *login);
		if (!fgets(pw, (int)cap, stdin))
			return cli_fail("no password given");
		pw[strcspn(pw, "\r\n")] = '\0';
	}
	if (!pw[0])
		return cli_fail("empty password");
	return 0;
}

static int set_password(struct cli_ctx *ctx, bool must_exist)
{
	const char *scheme = NULL, *login = NULL;
	char pw[1024];
	if (parse_login_password(ctx, &scheme, &login, pw, sizeof(pw)))
		return 1;
	char path[600];
	cli_passwd_path(ctx, path, sizeof(path));
	struct passwd_db *db = NULL;
	bool exists = false;
	if (access(path, F_OK) == 0 && passwd_load(path, &db) == RM_OK) {
		exists = passwd_lookup(db, login, strlen(login)) != NULL;
		passwd_db_unref(&db);
	}
	if (must_exist && !exists)
		return cli_fail("no user %s in %s", login, path);
	if (!must_exist && exists)
		return cli_fail("user %s already exists in %s", login, path);
	struct rm_buf stored = { 0 };
	enum rm_err err = pwscheme_make(scheme, pw, strlen(pw), &stored);
	OPENSSL_cleanse(pw, sizeof(pw));
	if (err != RM_OK) {
		rm_buf_free(&stored);
		return cli_fail("cannot hash with scheme %s: %s", scheme, rm_err_str(err));
	}
	err = passwd_file_set(path, login, rm_buf_cstr(&stored));
	OPENSSL_cleanse(stored.data, stored.len);
	rm_buf_free(&stored);
	if (err != RM_OK)
		return cli_fail("writing %s: %s", path, rm_err_str(err));
	printf("%s %s\n", must_exist ? "password changed for" : "added", login);
	return 0;
}

int cli_user_add(struct cli_ctx *ctx)
{
	return set_password(ctx, false);
}

int cli_user_passwd(struct cli_ctx *ctx)
{
	return set_password(ctx, true);
}

/* [-k] LOGIN: out of the passwd-file first (so the running server, which
 * reads it again, refuses new logins), then, unless -k keeps it, the mail:
 * sessions ended and every mailbox and message deleted, through the
 * running server or on the stopped data directory. */
int cli_user_del(struct cli_ctx *ctx)
{
	bool keep = ctx->argc == 2 && !strcmp(ctx->argv[0], "-k");
	if (ctx->argc != 1 + keep)
		return cli_fail("usage: user del [-k] LOGIN");
	ctx->argv += keep;
	ctx->argc -= keep;
	char path[600];
	cli_passwd_path(ctx, path, sizeof(path));
	enum rm_err err = passwd_file_remove(path, ctx->argv[0]);
	if (err == RM_ERR_NOTFOUND && keep)
		return cli_fail("no user %s in %s", ctx->argv[0], path);
	if (err != RM_OK && err != RM_ERR_NOTFOUND)
		return cli_fail("writing %s: %s", path, rm_err_str(err));
	printf(err == RM_OK ? "removed %s from the passwd-file\n" : "%s was not in the passwd-file\n",
	       ctx->argv[0]);
	if (keep)
		return 0;
	err = admin_open(ctx->data_dir, &ctx->admin);
	if (err != RM_OK)
		return cli_fail("cannot open %s: %s", ctx->data_dir, rm_err_str(err));
	int rc = cli_user_delete_mail(ctx);
	admin_close(&ctx->admin);
	return rc;
}

int cli_user_list(struct cli_ctx *ctx)
{
	char path[600];
	cli_passwd_path(ctx, path, sizeof(path));
	struct passwd_db *db = NULL;
	if (passwd_load(path, &db) != RM_OK)
		return cli_fail("cannot read %s", path);
	for (size_t i = 0; i < passwd_db_count(db); i++) {
		const struct passwd_entry *e = passwd_db_entry(db, i);
		printf("%s\t%s\n", e->login, e->scheme);
	}
	passwd_db_unref(&db);
	return 0;
}
