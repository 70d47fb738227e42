#include "server/imap/command.h"

#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "server/imap/view.h"
#include "server/server.h"
#include "server/worker.h"

#define ANY (IMAP_ST_NOTAUTH | IMAP_ST_AUTH | IMAP_ST_SELECTED)
#define AUTHED (IMAP_ST_AUTH | IMAP_ST_SELECTED)

/* The command table.  Keep it sorted by name for readers; lookup is by
 * length then case-insensitive compare. */
static const struct imap_command_def commands[] = {
	{ "APPEND", AUTHED, CMD_F_APPEND_LITERAL, cmd_append },
	{ "AUTHENTICATE", IMAP_ST_NOTAUTH, 0, cmd_authenticate },
	{ "CAPABILITY", ANY, CMD_F_NO_SYNC, cmd_capability },
	{ "CHECK", IMAP_ST_SELECTED, 0, cmd_check },
	{ "CLOSE", IMAP_ST_SELECTED, CMD_F_NO_SYNC, cmd_close },
	{ "COMPRESS", AUTHED, CMD_F_NO_SYNC, cmd_compress },
	{ "COPY", IMAP_ST_SELECTED, CMD_F_UID | CMD_F_USES_SEQS, cmd_copy },
	{ "CREATE", AUTHED, 0, cmd_create },
	{ "DELETE", AUTHED, 0, cmd_delete },
	/* RFC 5161 §3.1: authenticated state only. */
	{ "ENABLE", IMAP_ST_AUTH, CMD_F_NO_SYNC, cmd_enable },
	{ "EXAMINE", AUTHED, 0, cmd_examine },
	{ "EXPUNGE", IMAP_ST_SELECTED, CMD_F_UID, cmd_expunge },
	{ "FETCH", IMAP_ST_SELECTED, CMD_F_UID | CMD_F_USES_SEQS, cmd_fetch },
	{ "GETQUOTA", AUTHED, 0, cmd_getquota },
	{ "GETQUOTAROOT", AUTHED, 0, cmd_getquotaroot },
	{ "ID", ANY, CMD_F_NO_SYNC, cmd_id },
	{ "IDLE", AUTHED, 0, cmd_idle },
	{ "LIST", AUTHED, 0, cmd_list },
	{ "LOGIN", IMAP_ST_NOTAUTH, 0, cmd_login },
	{ "LOGOUT", ANY, CMD_F_NO_SYNC, cmd_logout },
	{ "LSUB", AUTHED, 0, cmd_lsub },
	{ "MOVE", IMAP_ST_SELECTED, CMD_F_UID, cmd_move },
	{ "NAMESPACE", AUTHED, 0, cmd_namespace },
	{ "NOOP", ANY, 0, cmd_noop },
	{ "RENAME", AUTHED, 0, cmd_rename },
	/* RFC 8508 §3.5: selected state only; the message named by sequence
	 * number is removed, so EXPUNGE responses go out as with MOVE. */
	{ "REPLACE", IMAP_ST_SELECTED, CMD_F_UID | CMD_F_APPEND_LITERAL, cmd_replace },
	{ "SEARCH", IMAP_ST_SELECTED, CMD_F_UID | CMD_F_USES_SEQS, cmd_search },
	{ "SELECT", AUTHED, 0, cmd_select },
	{ "SORT", IMAP_ST_SELECTED, CMD_F_UID | CMD_F_USES_SEQS, cmd_sort },
	{ "STARTTLS", IMAP_ST_NOTAUTH, 0, cmd_starttls },
	{ "STATUS", AUTHED, 0, cmd_status },
	{ "STORE", IMAP_ST_SELECTED, CMD_F_UID | CMD_F_USES_SEQS, cmd_store },
	{ "SUBSCRIBE", AUTHED, 0, cmd_subscribe },
	{ "THREAD", IMAP_ST_SELECTED, CMD_F_UID | CMD_F_USES_SEQS, cmd_thread },
	{ "UNAUTHENTICATE", AUTHED, CMD_F_NO_SYNC, cmd_unauthenticate },
	{ "UNSELECT", IMAP_ST_SELECTED, CMD_F_NO_SYNC, cmd_unselect },
	{ "UNSUBSCRIBE", AUTHED, 0, cmd_unsubscribe },
};

const struct imap_command_def *imap_command_find(const char *name, size_t len)
{
	for (size_t i = 0; i < RM_ARRAY_LEN(commands); i++)
		if (rm_word_eq(name, len, commands[i].name))
			return &commands[i];
	return NULL;
}

uint64_t imap_literal_limit(const struct imap_session *s, const struct imap_command_def *def,
			    bool nonsync)
{
	const struct rm_config *cfg = &s->c->w->srv->cfg;
	uint64_t limit;
	if (s->state == IMAP_ST_NOTAUTH)
		limit = RM_LINE_PREAUTH_MAX_BYTES;
	else if (def && (def->flags & CMD_F_APPEND_LITERAL))
		limit = cfg->append_max_bytes;
	else
		limit = RM_LITERAL_MAX_BYTES;
	/* RFC 7888 §5: under LITERAL- a non-synchronizing literal is at most
	 * 4096 bytes. */
	if (nonsync && !cfg->literal_plus && limit > RM_LITERAL_MINUS_MAX_BYTES)
		limit = RM_LITERAL_MINUS_MAX_BYTES;
	return limit;
}

/* RFC 9051 §9: tag = 1*<any ASTRING-CHAR except "+">. */
static bool tag_valid(const char *t, size_t n)
{
	if (n == 0 || n > RM_TAG_MAX_BYTES)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\+", c))
			return false;
	}
	return true;
}

static void reply_bad_untagged(struct imap_session *s, const char *why)
{
	imap_untagged(s, "BAD %s", why);
	if (++s->bad_count >= RM_BAD_COMMANDS_MAX)
		imap_bye(s, "Too many invalid commands");
}

static void reply_bad_tagged(struct imap_session *s, const char *tag, size_t tag_len,
			     const char *why)
{
	struct rm_buf *out = imap_out(s);
	rm_buf_append(out, tag, tag_len);
	rm_buf_printf(out, " BAD %s\r\n", why);
	conn_mark_dirty(s->c);
	if (++s->bad_count >= RM_BAD_COMMANDS_MAX)
		imap_bye(s, "Too many invalid commands");
}

/* Splits "tag SP name [SP name2]" off the front of the command text.
 * Returns the definition or NULL after replying. */
static const struct imap_command_def *dispatch_head(struct imap_session *s, struct imap_cmd *cmd)
{
	struct imap_parser *p = &cmd->p;
	const char *start = p->p;
	while (p->p < p->end && *p->p != ' ')
		p->p++;
	size_t tag_len = (size_t)(p->p - start);
	if (!tag_valid(start, tag_len)) {
		reply_bad_untagged(s, tag_len ? "Invalid tag" : "Empty command line");
		return NULL;
	}
	memcpy(cmd->tag, start, tag_len);
	cmd->tag[tag_len] = '\0';
	struct imap_str name;
	if (!imap_parse_sp(p) || !imap_parse_atom(p, &name)) {
		reply_bad_tagged(s, cmd->tag, tag_len, "Missing command name");
		return NULL;
	}
	if (rm_word_eq(name.s, name.len, "UID")) {
		cmd->uid = true;
		if (!imap_parse_sp(p) || !imap_parse_atom(p, &name)) {
			reply_bad_tagged(s, cmd->tag, tag_len, "Missing command after UID");
			return NULL;
		}
	}
	const struct imap_command_def *def = imap_command_find(name.s, name.len);
	if (!def || (cmd->uid && !(def->flags & (CMD_F_UID | CMD_F_UID_ONLY))) ||
	    (!cmd->uid && (def->flags & CMD_F_UID_ONLY))) {
		reply_bad_tagged(s, cmd->tag, tag_len, "Unknown command");
		return NULL;
	}
	if (!(def->states & s->state)) {
		const char *why = s->state == IMAP_ST_NOTAUTH ? "Log in first"
			: s->state == IMAP_ST_AUTH && (def->states & IMAP_ST_SELECTED) ? "No mailbox selected"
			: "Not allowed in this state";
		reply_bad_tagged(s, cmd->tag, tag_len, why);
		return NULL;
	}
	return def;
}

void imap_dispatch(struct imap_session *s)
{
	struct imap_cmd *cmd = &s->cmd;
	RM_ASSERT(!cmd->active);
	memset(cmd, 0, sizeof(*cmd));
	cmd->s = s;
	imap_parser_init(&cmd->p, s->fr.text.data ? s->fr.text.data : "", s->fr.text.len,
			 s->fr.lits, s->fr.nlits, &s->arena);
	cmd->p.utf8 = (s->enabled & (IMAP_EN_UTF8 | IMAP_EN_REV2)) != 0;
	const struct imap_command_def *def = dispatch_head(s, cmd);
	if (!def) {
		frame_reset(&s->fr, false);
		rm_arena_fini(&s->arena);
		return;
	}
	cmd->def = def;
	cmd->active = true;
	cmd->start_ms = rm_now_ms();
	s->in_dispatch = true;
	if (s->view && !(def->flags & CMD_F_NO_SYNC))
		view_sync_new(s);
	def->handler(cmd);
	s->in_dispatch = false;
	if (cmd->active && !cmd->async && !cmd->on_line) {
		/* The handler returned without replying: its parser failed. */
		RM_ASSERT(cmd->p.error != NULL);
		imap_cmd_reply(cmd, "BAD", "%s", cmd->p.error);
	}
}
