/*
 * SORT, UID SORT, THREAD and UID THREAD (RFC 5256, RFC 5957): a search
 * (search_cmd.h) whose matches are ordered (search_sort.c) or threaded
 * (thread.c).  The charset argument is mandatory (RFC 5256 §3).
 */
#include <string.h>

#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/search_cmd.h"
#include "server/imap/search_sort.h"
#include "server/imap/thread.h"

enum thread_alg { THREAD_ORDEREDSUBJECT, THREAD_REFERENCES };

static void sort_answer(struct imap_cmd *cmd, struct search_program *prog, struct search_run *r,
			void *arg)
{
	const struct sort_criteria *c = arg;
	if (r->err) {
		imap_cmd_reply(cmd, "NO", "[SERVERBUG] Some messages could not be read");
		return;
	}
	uint32_t n;
	struct sort_msg *m = sort_msgs_load(r, cmd->uid, false, &n);
	sort_msgs(m, n, c);
	struct rm_buf *out = imap_out(cmd->s);
	rm_buf_puts(out, "* SORT");
	for (uint32_t i = 0; i < n; i++)
		rm_buf_printf(out, " %u", m[i].number);
	if (prog->has_modseq && n)
		rm_buf_printf(out, " (MODSEQ %llu)", (unsigned long long)r->max_modseq);
	rm_buf_append(out, "\r\n", 2);
	sort_msgs_free(&m, n);
	imap_cmd_reply(cmd, "OK", "%sSORT completed", cmd->uid ? "UID " : "");
}

void cmd_sort(struct imap_cmd *cmd)
{
	struct sort_criteria *c = rm_arena_alloc(&cmd->s->arena, sizeof(*c));
	struct search_program prog;
	if (!sort_parse_criteria(&cmd->p, c) || !search_parse_criteria(&cmd->p, &prog))
		return;
	if (!search_cmd_charset_ok(cmd, prog.charset))
		return;
	search_cmd_start(cmd, &prog, true, sort_answer, c);
}

static void thread_answer(struct imap_cmd *cmd, struct search_program *prog,
			  struct search_run *r, void *arg)
{
	const enum thread_alg *alg = arg;
	if (r->err) {
		imap_cmd_reply(cmd, "NO", "[SERVERBUG] Some messages could not be read");
		return;
	}
	uint32_t n;
	struct sort_msg *m = sort_msgs_load(r, cmd->uid, *alg == THREAD_REFERENCES, &n);
	struct rm_buf *out = imap_out(cmd->s);
	rm_buf_puts(out, "* THREAD");
	if (n) {
		rm_buf_putc(out, ' ');
		if (*alg == THREAD_REFERENCES)
			thread_references(m, n, out);
		else
			thread_orderedsubject(m, n, out);
	}
	rm_buf_append(out, "\r\n", 2);
	sort_msgs_free(&m, n);
	imap_cmd_reply(cmd, "OK", "%sTHREAD completed", cmd->uid ? "UID " : "");
}

void cmd_thread(struct imap_cmd *cmd)
{
	struct imap_parser *p = &cmd->p;
	enum thread_alg *alg = rm_arena_alloc(&cmd->s->arena, sizeof(*alg));
	struct imap_str w;
	struct search_program prog;
	if (!imap_parse_sp(p) || !imap_parse_atom(p, &w))
		return;
	if (imap_str_eq(&w, "ORDEREDSUBJECT"))
		*alg = THREAD_ORDEREDSUBJECT;
	else if (imap_str_eq(&w, "REFERENCES"))
		*alg = THREAD_REFERENCES;
	else {
		imap_parse_fail(p, "Unknown threading algorithm");
		return;
	}
	if (!search_parse_criteria(p, &prog) || !search_cmd_charset_ok(cmd, prog.charset))
		return;
	search_cmd_start(cmd, &prog, true, thread_answer, alg);
}
