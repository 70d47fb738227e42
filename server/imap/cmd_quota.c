/*
 * QUOTA (RFC 9208): one quota root per user, named "", with the resources
 * STORAGE (in units of 1024 octets) and MESSAGE, limited by the user's
 * passwd-file entry (userdb_quota_rule, server/auth/passwd.h) and counted
 * by the store.  GETQUOTA and GETQUOTAROOT report them; APPEND and COPY
 * answer NO [OVERQUOTA] when they would pass a limit (imap_quota_check,
 * the same server/quota.c decision LMTP uses).  Limits are set by the
 * administrator, so SETQUOTA is not offered.
 */
#include <string.h>

#include "common/util.h"
#include "server/auth/passwd.h"
#include "server/imap/command.h"
#include "server/imap/mailbox_name.h"
#include "server/imap/select.h"
#include "server/quota.h"
#include "server/server.h"
#include "server/server_init.h"
#include "server/worker.h"
#include "storage/store.h"

/* The user's passwd entry limits (0 = none) and store counters. */
struct quota_state {
	uint64_t storage_limit_bytes;
	uint64_t message_limit;
	struct store_user user;
	bool known;                /* the store has the user */
};

static enum rm_err quota_load(struct imap_session *s, struct quota_state *q)
{
	memset(q, 0, sizeof(*q));
	struct passwd_db *db = server_passwd_get(s->c->w->srv);
	const struct passwd_entry *e = db ? passwd_lookup(db, s->login, strlen(s->login)) : NULL;
	if (e) {
		q->storage_limit_bytes = e->quota_storage_bytes;
		q->message_limit = e->quota_messages;
	}
	passwd_db_unref(&db);
	struct store_view *v;
	enum rm_err err = store_view_begin(session_part(s), &v);
	if (err != RM_OK)
		return err;
	err = store_view_user(v, s->login, strlen(s->login), &q->user);
	q->known = err == RM_OK;
	store_view_end(&v);
	return err == RM_ERR_NOTFOUND ? RM_OK : err;
}

enum rm_err imap_quota_check(struct imap_session *s, uint64_t adding_bytes,
			     uint64_t adding_messages)
{
	struct passwd_db *db = server_passwd_get(s->c->w->srv);
	const struct passwd_entry *e = db ? passwd_lookup(db, s->login, strlen(s->login)) : NULL;
	enum rm_err err = RM_OK;
	if (e && (e->quota_storage_bytes || e->quota_messages)) {
		struct store_view *v;
		struct store_user u;
		err = store_view_begin(session_part(s), &v);
		if (err == RM_OK) {
			bool known = store_view_user(v, s->login, strlen(s->login), &u) == RM_OK;
			err = quota_check(e, known ? &u : NULL, adding_bytes, adding_messages);
			store_view_end(&v);
		}
	}
	passwd_db_unref(&db);
	return err;
}

/* "* QUOTA "" (STORAGE used limit MESSAGE used limit)" with only the
 * resources that have a limit (RFC 9208 §5.1: a root lists the resources
 * it limits). */
static void quota_write(struct imap_session *s, const struct quota_state *q)
{
	struct rm_buf *out = imap_out(s);
	rm_buf_puts(out, "* QUOTA \"\" (");
	const char *sep = "";
	if (q->storage_limit_bytes) {
		rm_buf_printf(out, "STORAGE %llu %llu",
			      (unsigned long long)((q->user.size_bytes + 1023) / 1024),
			      (unsigned long long)(q->storage_limit_bytes / 1024));
		sep = " ";
	}
	if (q->message_limit)
		rm_buf_printf(out, "%sMESSAGE %llu %llu", sep, (unsigned long long)q->user.messages,
			      (unsigned long long)q->message_limit);
	rm_buf_puts(out, ")\r\n");
	conn_mark_dirty(s->c);
}

void cmd_getquota(struct imap_cmd *cmd)
{
	struct imap_parser *p = &cmd->p;
	struct imap_str root;
	if (!imap_parse_sp(p) || !imap_parse_astring(p, &root) || !imap_parse_eol(p))
		return;
	if (root.len != 0) {
		imap_cmd_reply(cmd, "NO", "[NONEXISTENT] The only quota root is \"\"");
		return;
	}
	struct quota_state q;
	if (quota_load(cmd->s, &q) != RM_OK) {
		imap_cmd_reply(cmd, "NO", "[SERVERBUG] Quota cannot be read now");
		return;
	}
	quota_write(cmd->s, &q);
	imap_cmd_reply(cmd, "OK", "GETQUOTA completed");
}

void cmd_getquotaroot(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_parser *p = &cmd->p;
	struct imap_str arg;
	if (!imap_parse_sp(p) || !imap_parse_astring(p, &arg) || !imap_parse_eol(p))
		return;
	struct rm_buf name = { 0 };
	if (!imap_mailbox_arg(cmd, &arg, &name)) {
		rm_buf_free(&name);
		return;
	}
	struct store_mailbox mb;
	enum rm_err err = session_mailbox_find(s, name.data, name.len, &mb);
	struct quota_state q;
	if (err == RM_OK)
		err = quota_load(s, &q);
	if (err != RM_OK) {
		rm_buf_free(&name);
		imap_cmd_reply(cmd, "NO", err == RM_ERR_NOTFOUND ? "[NONEXISTENT] No such mailbox"
				   : "[SERVERBUG] Quota cannot be read now");
		return;
	}
	struct rm_buf *out = imap_out(s);
	rm_buf_puts(out, "* QUOTAROOT ");
	mbox_name_write(name.data, name.len, (s->enabled & (IMAP_EN_UTF8 | IMAP_EN_REV2)) != 0, out);
	rm_buf_puts(out, " \"\"\r\n");
	rm_buf_free(&name);
	quota_write(s, &q);
	imap_cmd_reply(cmd, "OK", "GETQUOTAROOT completed");
}
