/*
 * SEARCH and UID SEARCH (RFC 9051 §6.4.4, RFC 3501 §6.4.4) with ESEARCH
 * result options (RFC 4731), SEARCHRES (RFC 5182) and CONDSTORE's MODSEQ
 * (RFC 7162 §3.1.5).  The evaluation is search_eval.c's; this file parses,
 * checks the charset, and writes the answer.
 *
 * Answer form: "* SEARCH ..." in IMAP4rev1 without RETURN; "* ESEARCH"
 * with RETURN, and always after ENABLE IMAP4rev2 (RFC 9051 §6.4.4).
 * The search result variable holds UIDs (select.c substitutes it).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "server/imap/command.h"
#include "server/imap/search_cmd.h"
#include "server/imap/select.h"
#include "server/imap/view.h"

struct search_cmd {
	struct imap_cmd *cmd;
	struct search_program prog;
	struct search_run run;
	search_cmd_fn *then;        /* SEARCH, SORT or THREAD's answer */
	void *arg;
};

bool search_cmd_charset_ok(struct imap_cmd *cmd, const char *charset)
{
	if (!charset || !strcasecmp(charset, "UTF-8") || !strcasecmp(charset, "US-ASCII"))
		return true;
	imap_cmd_reply(cmd, "NO", "[BADCHARSET (UTF-8 US-ASCII)] Charset not supported");
	return false;
}

static void run_done(struct search_run *r)
{
	struct search_cmd *sc = r->arg;
	struct imap_cmd *cmd = sc->cmd;
	/* The answer replies, which releases the command's arena; sc is heap
	 * memory so the run can be freed after it. */
	if (!imap_cmd_dead(cmd))
		sc->then(cmd, &sc->prog, r, sc->arg);
	search_run_free(r);
	free(sc);
	imap_cmd_async_end(cmd);
}

static bool view_recent(const void *arg, uint32_t uid)
{
	return view_is_recent(arg, uid);
}

bool search_cmd_start(struct imap_cmd *cmd, struct search_program *prog, bool want_sent_dates,
		      search_cmd_fn *then, void *arg)
{
	struct imap_session *s = cmd->s;
	struct imap_view *view = s->view;
	struct search_cmd *sc = rm_calloc(1, sizeof(*sc));
	sc->cmd = cmd;
	sc->prog = *prog;
	sc->then = then;
	sc->arg = arg;
	if (prog->has_modseq)
		imap_condstore_enable(s);
	uint32_t *uids = rm_arena_alloc(&s->arena, (view->n ? view->n : 1) * sizeof(*uids));
	memcpy(uids, view->uids, view->n * sizeof(*uids));
	struct search_run *r = &sc->run;
	*r = (struct search_run){
		.part = session_part(s), .mailbox_id = view->mailbox_id, .uids = uids, .n = view->n,
		.prog = &sc->prog, .saved = &s->searchres,
		.is_recent = view_recent, .recent_arg = view,
		.path = search_path_default(), .now_s = rm_wall_s(), .partition = s->partition,
		.want_sent_dates = want_sent_dates, .done = run_done, .arg = sc,
	};
	imap_cmd_async_begin(cmd);
	enum rm_err err = search_run_start(r);
	if (err) {
		search_run_free(r);
		free(sc);
		imap_cmd_reply(cmd, "NO", "[SERVERBUG] Search failed: %s", rm_err_str(err));
		imap_cmd_async_end(cmd);
		return false;
	}
	return true;
}

enum search_path search_path_default(void)
{
	/* A diagnostic switch: RINGMAIL_SEARCH_PATH=scan answers every text
	 * key from the message bytes (used to compare the two paths). */
	static int path = -1;
	if (path < 0) {
		const char *e = getenv("RINGMAIL_SEARCH_PATH");
		path = e && !strcmp(e, "scan") ? SEARCH_PATH_SCAN : SEARCH_PATH_AUTO;
	}
	return (enum search_path)path;
}

/* ---- the SEARCH answer ------------------------------------------------------ */

static void save_result(struct imap_session *s, const struct search_run *r, unsigned ret,
			uint32_t count, uint32_t min_i, uint32_t max_i)
{
	/* RFC 5182 §2.1 (RFC 9051 §6.4.4.1 table 4): SAVE with only MIN and/or
	 * MAX keeps those; otherwise every match. */
	bool minmax_only = (ret & (SR_MIN | SR_MAX)) && !(ret & (SR_ALL | SR_COUNT));
	free(s->searchres.r);
	s->searchres = (struct seqset){ 0 };
	uint32_t *v = rm_malloc((count ? count : 1) * sizeof(*v));
	uint32_t n = 0;
	if (count == 0) {
		/* nothing (also a failed SAVE) */
	} else if (minmax_only) {
		if (ret & SR_MIN)
			v[n++] = r->uids[min_i];
		if ((ret & SR_MAX) && (n == 0 || r->uids[max_i] != v[0]))
			v[n++] = r->uids[max_i];
	} else {
		for (uint32_t i = 0; i < r->n; i++)
			if (r->match[i])
				v[n++] = r->uids[i];
	}
	/* The variable outlives the command's arena: heap ranges. */
	s->searchres.r = rm_malloc((n ? n : 1) * sizeof(*s->searchres.r));
	for (uint32_t i = 0; i < n; i++) {
		if (s->searchres.n && s->searchres.r[s->searchres.n - 1].hi + 1 == v[i])
			s->searchres.r[s->searchres.n - 1].hi = v[i];
		else
			s->searchres.r[s->searchres.n++] = (struct seq_range){ v[i], v[i] };
	}
	free(v);
}

static uint32_t number_of(const struct imap_cmd *cmd, const struct search_run *r, uint32_t i)
{
	return cmd->uid ? r->uids[i] : i + 1;
}

static void write_all(struct rm_buf *out, const struct imap_cmd *cmd, const struct search_run *r)
{
	/* Matches in order are ascending numbers: ranges form as we go. */
	bool first = true;
	for (uint32_t i = 0; i < r->n;) {
		if (!r->match[i]) {
			i++;
			continue;
		}
		uint32_t j = i;
		while (j + 1 < r->n && r->match[j + 1] &&
		       number_of(cmd, r, j + 1) == number_of(cmd, r, j) + 1)
			j++;
		rm_buf_printf(out, first ? "%u" : ",%u", number_of(cmd, r, i));
		if (j > i)
			rm_buf_printf(out, ":%u", number_of(cmd, r, j));
		first = false;
		i = j + 1;
	}
}

static void write_esearch(struct imap_cmd *cmd, const struct search_program *prog,
			  const struct search_run *r, unsigned ret, uint32_t count,
			  uint32_t min_i, uint32_t max_i)
{
	struct rm_buf *out = imap_out(cmd->s);
	rm_buf_printf(out, "* ESEARCH (TAG \"%s\")%s", cmd->tag, cmd->uid ? " UID" : "");
	if ((ret & SR_MIN) && count)
		rm_buf_printf(out, " MIN %u", number_of(cmd, r, min_i));
	if ((ret & SR_MAX) && count)
		rm_buf_printf(out, " MAX %u", number_of(cmd, r, max_i));
	if (ret & SR_COUNT)
		rm_buf_printf(out, " COUNT %u", count);
	if ((ret & SR_ALL) && count) {
		rm_buf_puts(out, " ALL ");
		write_all(out, cmd, r);
	}
	if (prog->has_modseq && count)
		rm_buf_printf(out, " MODSEQ %llu", (unsigned long long)r->max_modseq);
	rm_buf_append(out, "\r\n", 2);
}

static void write_search(struct imap_cmd *cmd, const struct search_program *prog,
			 const struct search_run *r, uint32_t count)
{
	struct rm_buf *out = imap_out(cmd->s);
	rm_buf_puts(out, "* SEARCH");
	for (uint32_t i = 0; i < r->n; i++)
		if (r->match[i])
			rm_buf_printf(out, " %u", number_of(cmd, r, i));
	if (prog->has_modseq && count)
		rm_buf_printf(out, " (MODSEQ %llu)", (unsigned long long)r->max_modseq);
	rm_buf_append(out, "\r\n", 2);
}

static void search_answer(struct imap_cmd *cmd, struct search_program *prog,
			  struct search_run *r, void *arg)
{
	struct imap_session *s = cmd->s;
	uint32_t count = 0, min_i = 0, max_i = 0;
	for (uint32_t i = 0; i < r->n; i++) {
		if (!r->match[i])
			continue;
		if (count++ == 0)
			min_i = i;
		max_i = i;
	}
	bool rev2 = s->enabled & IMAP_EN_REV2;
	unsigned ret = prog->esearch ? prog->ret : rev2 ? SR_ALL : 0;
	bool failed = r->err != RM_OK || count > RM_SEARCH_RESULT_MAX;
	if (ret & SR_SAVE) {
		/* RFC 5182 §2.1: a SAVE that fails leaves the variable empty. */
		save_result(s, r, ret, failed ? 0 : count, min_i, max_i);
	}
	if (count > RM_SEARCH_RESULT_MAX) {
		imap_cmd_reply(cmd, "NO", "[LIMIT] Too many messages match");
		return;
	}
	if (r->err) {
		imap_cmd_reply(cmd, "NO", "[SERVERBUG] Some messages could not be read");
		return;
	}
	if (prog->esearch || rev2) {
		/* SAVE alone suppresses the ESEARCH response (RFC 5182 §2). */
		if (ret != SR_SAVE)
			write_esearch(cmd, prog, r, ret & ~(unsigned)SR_SAVE, count, min_i, max_i);
	} else {
		write_search(cmd, prog, r, count);
	}
	conn_mark_dirty(s->c);
	imap_cmd_reply(cmd, "OK", "%sSEARCH completed", cmd->uid ? "UID " : "");
}

void cmd_search(struct imap_cmd *cmd)
{
	struct search_program prog;
	if (!search_parse(&cmd->p, true, &prog))
		return;
	if (!search_cmd_charset_ok(cmd, prog.charset))
		return;
	search_cmd_start(cmd, &prog, false, search_answer, NULL);
}
