/*
 * STATUS (RFC 9051 §6.3.11) with RECENT (RFC 3501 §6.3.10), SIZE
 * (RFC 8438), HIGHESTMODSEQ (RFC 7162 §3.1.7), APPENDLIMIT (RFC 7889
 * §3.1) and DELETED-STORAGE (RFC 9208 §4.2), and the item writer
 * LIST-STATUS (RFC 5819) reuses.
 *
 * Every value but one comes from the mailbox record of the index (the
 * engine keeps the counters up to date at each commit), so STATUS costs one
 * lookup whatever the mailbox size, and SIZE is exact: the sum of
 * RFC822.SIZE.  DELETED-STORAGE is the sum of RFC822.SIZE of the \Deleted
 * messages (the figure §4.2 allows): a walk of the mailbox's messages, only
 * when the DELETED counter says there is any.
 */
#include "server/imap/status.h"
#include "server/imap/objectid.h"

#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/mailbox_name.h"
#include "server/imap/recent.h"
#include "server/imap/select.h"
#include "server/server.h"
#include "server/worker.h"
#include "storage/store.h"

/* Item names in the order responses list them. */
static const struct {
	const char *name;
	uint32_t bit;
} status_names[] = {
	{ "MESSAGES", STATUS_MESSAGES },
	{ "RECENT", STATUS_RECENT },
	{ "UIDNEXT", STATUS_UIDNEXT },
	{ "UIDVALIDITY", STATUS_UIDVALIDITY },
	{ "UNSEEN", STATUS_UNSEEN },
	{ "DELETED", STATUS_DELETED },
	{ "SIZE", STATUS_SIZE },
	{ "HIGHESTMODSEQ", STATUS_HIGHESTMODSEQ },
	{ "APPENDLIMIT", STATUS_APPENDLIMIT },
	{ "MAILBOXID", STATUS_MAILBOXID },
	{ "DELETED-STORAGE", STATUS_DELETED_STORAGE },
};

bool cmd_status_items_parse(struct imap_parser *p, uint32_t *items_r)
{
	uint32_t items = 0;
	if (!imap_parse_lparen(p))
		return false;
	do {
		struct imap_str w;
		if (!imap_parse_atom(p, &w))
			return false;
		size_t i = 0;
		while (i < RM_ARRAY_LEN(status_names) && !imap_str_eq(&w, status_names[i].name))
			i++;
		if (i == RM_ARRAY_LEN(status_names))
			return imap_parse_fail(p, "Unknown STATUS item");
		items |= status_names[i].bit;
	} while (imap_parse_try_sp(p));
	if (!imap_parse_rparen(p))
		return false;
	*items_r = items;
	return true;
}

/* RFC 7162 §3.1.2.1: a mailbox's HIGHESTMODSEQ is a mod-sequence value,
 * which is positive; the index keeps 0 until the first change. */
static uint64_t status_modseq(const struct store_mailbox *mb)
{
	return mb->highestmodseq ? mb->highestmodseq : 1;
}

static uint64_t deleted_storage(struct store_view *v, const struct store_mailbox *mb)
{
	uint64_t sum = 0, seen = 0;
	struct store_iter *it;
	if (mb->deleted == 0 || store_view_msgs(v, mb->id, 1, &it) != RM_OK)
		return 0;
	struct store_msg m;
	while (seen < mb->deleted && store_iter_msg(it, &m) == 1) {
		if (m.flags & STORE_F_DELETED) {
			sum += m.size_bytes;
			seen++;
		}
	}
	store_iter_free(&it);
	return sum;
}

static uint64_t status_value(struct imap_session *s, struct store_view *v,
			     const struct store_mailbox *mb, uint32_t bit)
{
	switch (bit) {
	case STATUS_MESSAGES: return mb->messages;
	case STATUS_RECENT: return imap_recent_count(s, mb);
	case STATUS_UIDNEXT: return mb->uidnext;
	case STATUS_UIDVALIDITY: return mb->uidvalidity;
	case STATUS_UNSEEN: return mb->unseen;
	case STATUS_DELETED: return mb->deleted;
	case STATUS_SIZE: return mb->size_bytes;
	case STATUS_HIGHESTMODSEQ: return status_modseq(mb);
	case STATUS_APPENDLIMIT: return s->c->w->srv->cfg.append_max_bytes;
	case STATUS_DELETED_STORAGE: return deleted_storage(v, mb);
	case STATUS_MAILBOXID: break;   /* not a number: cmd_status_write */
	}
	RM_ASSERT(!"unknown STATUS item");
	return 0;
}

void cmd_status_write(struct imap_session *s, struct store_view *v,
		      const struct store_mailbox *mb, uint32_t items)
{
	struct rm_buf *out = imap_out(s);
	bool utf8 = s->enabled & (IMAP_EN_UTF8 | IMAP_EN_REV2);
	rm_buf_puts(out, "* STATUS ");
	mbox_name_write(mb->name, mb->name_len, utf8, out);
	rm_buf_puts(out, " (");
	const char *sep = "";
	for (size_t i = 0; i < RM_ARRAY_LEN(status_names); i++) {
		if (!(items & status_names[i].bit))
			continue;
		rm_buf_printf(out, "%s%s ", sep, status_names[i].name);
		sep = " ";
		if (status_names[i].bit == STATUS_MAILBOXID) {
			rm_buf_putc(out, '(');
			objectid_mailbox(out, s->partition, mb->id);
			rm_buf_putc(out, ')');
			continue;
		}
		rm_buf_put_u64(out, status_value(s, v, mb, status_names[i].bit));
	}
	rm_buf_puts(out, ")\r\n");
}

void cmd_status(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_parser *p = &cmd->p;
	struct imap_str arg;
	uint32_t items;
	if (!imap_parse_sp(p) || !imap_parse_astring(p, &arg) || !imap_parse_sp(p) ||
	    !cmd_status_items_parse(p, &items) || !imap_parse_eol(p))
		return;
	struct rm_buf name = { 0 };
	if (!imap_mailbox_arg(cmd, &arg, &name)) {
		rm_buf_free(&name);
		return;
	}
	struct store_view *v;
	struct store_mailbox mb;
	enum rm_err err = store_view_begin(session_part(s), &v);
	if (err == RM_OK) {
		err = store_view_mailbox(v, s->user_id, name.data, name.len, &mb);
		if (err == RM_OK) {
			/* RFC 7162 §3.1: a CONDSTORE enabling command. */
			if (items & STATUS_HIGHESTMODSEQ)
				imap_condstore_enable(s);
			cmd_status_write(s, v, &mb, items);
		}
		store_view_end(&v);
	}
	rm_buf_free(&name);
	if (err == RM_ERR_NOTFOUND)
		imap_cmd_reply(cmd, "NO", "[NONEXISTENT] No such mailbox");
	else if (err != RM_OK)
		imap_cmd_reply(cmd, "NO", "[SERVERBUG] Mailbox status unavailable now");
	else
		imap_cmd_reply(cmd, "OK", "STATUS completed");
}
