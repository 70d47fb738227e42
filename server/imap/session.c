#include "server/imap/session.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/view.h"
#include "server/metrics.h"
#include "server/server.h"
#include "server/worker.h"

static void session_finish_command(struct imap_session *s);

static size_t max_line(const struct imap_session *s)
{
	return s->state == IMAP_ST_NOTAUTH ? RM_LINE_PREAUTH_MAX_BYTES : RM_LINE_MAX_BYTES;
}

void imap_untagged(struct imap_session *s, const char *fmt, ...)
{
	struct rm_buf *out = imap_out(s);
	rm_buf_append(out, "* ", 2);
	va_list ap;
	va_start(ap, fmt);
	rm_buf_vprintf(out, fmt, ap);
	va_end(ap);
	rm_buf_append(out, "\r\n", 2);
	conn_mark_dirty(s->c);
}

void imap_bye(struct imap_session *s, const char *text)
{
	if (s->state == IMAP_ST_LOGOUT)
		return;
	imap_untagged(s, "BYE %s", text);
	s->state = IMAP_ST_LOGOUT;
	conn_close_after_flush(s->c);
}

void imap_reply_store_failure(struct imap_cmd *cmd, const char *what, enum rm_err err)
{
	switch (err) {
	case RM_ERR_IO:
	case RM_ERR_CLOSED:
	case RM_ERR_BUSY:
	case RM_ERR_NOMEM:
		imap_cmd_reply(cmd, "NO", "[UNAVAILABLE] %s failed: the mail store cannot take "
			       "changes now (%s), try again later", what, rm_err_str(err));
		break;
	default:
		imap_cmd_reply(cmd, "NO", "[SERVERBUG] %s failed: %s", what, rm_err_str(err));
		break;
	}
}

void imap_cmd_reply(struct imap_cmd *cmd, const char *status, const char *fmt, ...)
{
	struct imap_session *s = cmd->s;
	RM_ASSERT(cmd->active);
	bool bad = strcmp(status, "BAD") == 0;
	/* Untagged updates for the selected mailbox go out before the tagged
	 * reply; EXPUNGE only where RFC 9051 §7.5.1 allows it (not during
	 * FETCH, STORE, SEARCH by sequence number). */
	if (s->view && cmd->def && !(cmd->def->flags & CMD_F_NO_SYNC) && !bad && !s->c->closing) {
		bool allow = !((cmd->def->flags & CMD_F_USES_SEQS) && !cmd->uid);
		view_sync(s, allow, cmd->uid || (s->enabled & IMAP_EN_QRESYNC));
	}
	if (!s->c->closing) {
		struct rm_buf *out = imap_out(s);
		rm_buf_puts(out, cmd->tag);
		rm_buf_putc(out, ' ');
		rm_buf_puts(out, status);
		rm_buf_putc(out, ' ');
		va_list ap;
		va_start(ap, fmt);
		rm_buf_vprintf(out, fmt, ap);
		va_end(ap);
		rm_buf_append(out, "\r\n", 2);
		conn_mark_dirty(s->c);
	}
	s->bad_count = bad ? s->bad_count + 1 : 0;
	metrics_imap_command(s->c, cmd->def ? cmd->def->name : "?", status, cmd->start_ms, s->login);
	session_finish_command(s);
	if (bad && s->bad_count >= RM_BAD_COMMANDS_MAX)
		imap_bye(s, "Too many invalid commands");
}

void imap_cmd_finish_silent(struct imap_cmd *cmd)
{
	RM_ASSERT(cmd->active);
	cmd->s->bad_count = 0;
	metrics_imap_command(cmd->s->c, cmd->def ? cmd->def->name : "?", "OK", cmd->start_ms, cmd->s->login);
	session_finish_command(cmd->s);
}

void imap_cmd_wait_line(struct imap_cmd *cmd, imap_line_fn *fn)
{
	cmd->on_line = fn;
	/* The command's own text is no longer needed; the next line is
	 * framed from scratch. */
	frame_reset(&cmd->s->fr, true);
}

void imap_cmd_async_begin(struct imap_cmd *cmd)
{
	cmd->async = true;
	conn_ref(cmd->s->c);
}

void imap_cmd_async_end(struct imap_cmd *cmd)
{
	conn_unref(cmd->s->c);
}

static void session_finish_command(struct imap_session *s)
{
	struct imap_cmd *cmd = &s->cmd;
	cmd->active = false;
	cmd->on_line = NULL;
	cmd->on_abort = NULL;
	cmd->on_drained = NULL;
	frame_reset(&s->fr, false);
	rm_arena_fini(&s->arena);
	if (s->bye_pending && s->state != IMAP_ST_LOGOUT)
		imap_bye(s, "Server shutting down");
	/* A command that finished later than its dispatch lets the queued
	 * input run now. */
	if (!s->in_dispatch)
		conn_input_resume(s->c);
}

/* ---- literals --------------------------------------------------------- */

static void literal_decide(struct imap_session *s)
{
	struct imap_frame *fr = &s->fr;
	const char *tag, *name;
	size_t tag_len, name_len;
	frame_peek(fr, &tag, &tag_len, &name, &name_len);
	if (s->cmd.active) {
		/* A continuation line (AUTHENTICATE, IDLE) has no literals. */
		frame_literal_reject(fr);
		frame_reset(fr, true);
		imap_cmd_reply(&s->cmd, "BAD", "Unexpected literal");
		return;
	}
	const struct imap_command_def *def = name_len ? imap_command_find(name, name_len) : NULL;
	if (name_len == 3 && rm_word_eq(name, name_len, "UID")) {
		/* The command after UID decides: UID REPLACE takes a message,
		 * the others small literals. */
		const char *w = name + name_len + 1, *end = fr->text.data + fr->text.len;
		size_t wl = 0;
		while (w + wl < end && w[wl] != ' ' && w[wl] != '\r')
			wl++;
		const struct imap_command_def *sub = w <= end && wl ? imap_command_find(w, wl) : NULL;
		def = sub && (sub->flags & CMD_F_UID) ? sub : imap_command_find("NOOP", 4);
	}
	uint64_t limit = imap_literal_limit(s, def, fr->pending_nonsync);
	const char *why = NULL;
	if (!def)
		why = "BAD Unknown command";
	else if (!(def->states & s->state))
		why = s->state == IMAP_ST_NOTAUTH ? "BAD Log in first" : "BAD Not allowed in this state";
	else if (fr->pending_len > limit)
		why = (def->flags & CMD_F_APPEND_LITERAL)
			? (fr->pending_nonsync ? "BAD [TOOBIG] Message too large" : "NO [TOOBIG] Message too large")
			: "BAD [TOOBIG] Literal too large";
	else if (fr->total_bytes + fr->pending_len > RM_COMMAND_MAX_BYTES || fr->nlits >= RM_ARGS_MAX)
		why = "BAD [TOOBIG] Command too large";
	if (why) {
		struct rm_buf *out = imap_out(s);
		if (tag_len && tag_len <= RM_TAG_MAX_BYTES) {
			rm_buf_append(out, tag, tag_len);
			rm_buf_printf(out, " %s\r\n", why);
		} else {
			rm_buf_printf(out, "* BAD Invalid tag\r\n");
		}
		conn_mark_dirty(s->c);
		frame_literal_reject(fr);
		frame_reset(fr, true);
		if (++s->bad_count >= RM_BAD_COMMANDS_MAX)
			imap_bye(s, "Too many invalid commands");
		return;
	}
	if (def->flags & CMD_F_APPEND_LITERAL)
		frame_literal_accept(fr, append_literal_alloc, append_literal_free);
	else
		frame_literal_accept(fr, NULL, NULL);
	if (!fr->pending_nonsync)
		conn_write(s->c, "+ OK\r\n", 6);
}

/* ---- input -------------------------------------------------------------- */

static void session_greet(struct conn *c)
{
	struct imap_session *s = rm_calloc(1, sizeof(*s));
	s->c = c;
	s->state = IMAP_ST_NOTAUTH;
	frame_init(&s->fr);
	rm_arena_init(&s->arena, 4096);
	c->proto_state = s;
	struct rm_buf *out = imap_out(s);
	rm_buf_puts(out, "* OK [CAPABILITY ");
	imap_capability_write(s, out);
	rm_buf_printf(out, "] %s ready\r\n", c->w->srv->cfg.greeting_name);
	conn_mark_dirty(c);
}

static size_t imap_input(struct conn *c, const char *data, size_t len)
{
	struct imap_session *s = c->proto_state;
	if (!s) {
		session_greet(c);
		return 0;
	}
	size_t pos = 0;
	while (pos < len && !c->closing && !c->discard_input && !c->z_started) {
		if (s->state == IMAP_ST_LOGOUT)
			return len; /* nothing more is read after BYE */
		if (s->cmd.active && !s->cmd.on_line)
			break;  /* one command at a time */
		if (s->waiting_drain)
			break;
		size_t used = 0;
		enum frame_result r = frame_feed(&s->fr, data + pos, len - pos, max_line(s), &used);
		pos += used;
		switch (r) {
		case FRAME_MORE:
			break;
		case FRAME_COMMAND:
			if (s->cmd.active) {
				struct rm_buf *t = &s->fr.text;
				s->cmd.on_line(&s->cmd, t->data ? t->data : "", t->len);
				if (s->cmd.active)
					frame_reset(&s->fr, true);
			} else {
				imap_dispatch(s);
			}
			break;
		case FRAME_LITERAL:
			literal_decide(s);
			break;
		case FRAME_LINE_TOO_LONG: {
			const char *tag, *name;
			size_t tag_len, name_len;
			frame_peek(&s->fr, &tag, &tag_len, &name, &name_len);
			if (s->cmd.active) {
				frame_reset(&s->fr, false);
				imap_cmd_reply(&s->cmd, "BAD", "Line too long");
				break;
			}
			struct rm_buf *out = imap_out(s);
			if (tag_len && tag_len <= RM_TAG_MAX_BYTES && tag_len < s->fr.text.len) {
				rm_buf_append(out, tag, tag_len);
				rm_buf_puts(out, " BAD [TOOBIG] Line too long\r\n");
			} else {
				rm_buf_puts(out, "* BAD [TOOBIG] Line too long\r\n");
			}
			conn_mark_dirty(c);
			frame_reset(&s->fr, false);
			if (++s->bad_count >= RM_BAD_COMMANDS_MAX)
				imap_bye(s, "Too many invalid commands");
			break;
		}
		case FRAME_DISCARDED:
			frame_reset(&s->fr, false);
			break;
		}
		/* Pipelined commands that produce a lot of output wait for the
		 * socket: input stays queued, nothing grows without bound. */
		if (!s->cmd.active && conn_wait_drain(c)) {
			s->waiting_drain = true;
			break;
		}
	}
	return pos;
}

static void imap_drained(struct conn *c)
{
	struct imap_session *s = c->proto_state;
	if (s->cmd.active && s->cmd.on_drained) {
		s->cmd.on_drained(&s->cmd);
		return;
	}
	if (s->waiting_drain) {
		s->waiting_drain = false;
		conn_input_resume(c);
	}
}

static void imap_timeout(struct conn *c)
{
	struct imap_session *s = c->proto_state;
	if (!s || s->cmd.async) {
		/* A command still waits on the server side: give it time. */
		if (s && s->cmd.async)
			return;
		conn_close(c, "timeout");
		return;
	}
	imap_bye(s, "Autologout; idle for too long");
}

static void imap_shutdown(struct conn *c)
{
	struct imap_session *s = c->proto_state;
	if (!s) {
		conn_close(c, "shutdown");
		return;
	}
	if (s->cmd.active && s->cmd.async) {
		s->bye_pending = true;
		return;
	}
	imap_bye(s, "Server shutting down");
}

static void imap_arrived(struct conn *c)
{
	/* The command that asked for the hand-off (LOGIN, AUTHENTICATE)
	 * finishes on the owner worker. */
	imap_auth_arrived(c->proto_state);
}

static void imap_closed(struct conn *c)
{
	struct imap_session *s = c->proto_state;
	if (!s)
		return;
	if (s->cmd.active && s->cmd.on_abort)
		s->cmd.on_abort(&s->cmd);
	view_close(s);
	free(s->recent_kept);
	free(s->searchres.r);
	frame_fini(&s->fr);
	rm_arena_fini(&s->arena);
	free(s->login);
	free(s);
	c->proto_state = NULL;
}

const struct conn_proto imap_proto = {
	.name = "imap",
	.refusal = "* BYE [UNAVAILABLE] Too many connections, try again later\r\n",
	.input = imap_input,
	.drained = imap_drained,
	.timeout = imap_timeout,
	.shutdown = imap_shutdown,
	.arrived = imap_arrived,
	.closed = imap_closed,
};
