/* IDLE (RFC 2177): the session waits for "DONE" while every change the
 * store commits to the selected mailbox is pushed at once (view.c's watch
 * calls view_sync when view->idling). */
#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/view.h"

static void idle_stop(struct imap_session *s)
{
	if (s->view)
		s->view->idling = false;
}

static void idle_abort(struct imap_cmd *cmd)
{
	idle_stop(cmd->s);
}

static void idle_line(struct imap_cmd *cmd, const char *line, size_t len)
{
	idle_stop(cmd->s);
	if (rm_word_eq(line, len, "DONE"))
		imap_cmd_reply(cmd, "OK", "IDLE terminated");
	else
		imap_cmd_reply(cmd, "BAD", "Expected DONE");
}

void cmd_idle(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	if (!imap_parse_eol(&cmd->p))
		return;
	conn_write(s->c, "+ idling\r\n", 10);
	if (s->view) {
		s->view->idling = true;
		/* Anything that happened before IDLE goes out now. */
		view_sync(s, true, (s->enabled & IMAP_EN_QRESYNC) != 0);
	}
	cmd->on_abort = idle_abort;
	imap_cmd_wait_line(cmd, idle_line);
}
