/*
 * loadgen_mixed.c — workload "mixed", an imaptest-like session mix whose
 * command proportions come from a client-usage CSV (count,command,
 * aggregation; the "Raw" rows).  A session logs in, then draws commands by
 * weight; after each one it ends (LOGOUT, then a new session) with
 * probability Logout / (sum of in-session weights), so sessions are as long
 * as the recorded ones on average.  Commands that need a selected mailbox
 * SELECT first when none is (counted as SELECT).  FETCH is split 70/30
 * between a header window and one whole body; EXPUNGE is STORE \Deleted on
 * the newest message then EXPUNGE.  Commands without a driver here
 * (CREATE, MOVE, ...) are listed as not driven.
 */
#include "bench/loadgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

enum lg_mop {
	MOP_FETCH, MOP_SELECT, MOP_SEARCH, MOP_UNSELECT, MOP_NOOP, MOP_IDLE, MOP_STATUS,
	MOP_LIST, MOP_LSUB, MOP_CHECK, MOP_CAPABILITY, MOP_EXAMINE, MOP_STORE, MOP_APPEND,
	MOP_EXPUNGE, MOP__COUNT
};
static const char *const lg_mop_names[MOP__COUNT] = {
	"Fetch", "Select", "Search", "Unselect", "Noop", "Idle", "Status", "List", "Lsub",
	"Check", "Capability", "Examine", "Store", "Append", "Expunge",
};
#define LG_MIXED_UNDRIVEN_MAX 16

struct lg_mixed {
	uint64_t weight[MOP__COUNT];
	uint64_t weight_total;
	uint64_t logout_weight;
	uint64_t login_weight;
	uint64_t driven[MOP__COUNT];
	char undriven[LG_MIXED_UNDRIVEN_MAX][64];
	uint64_t undriven_count[LG_MIXED_UNDRIVEN_MAX];
	unsigned undriven_n;
	struct lg_pool *pool;
};

enum { MX_LOGIN = 1, MX_CMD, MX_DELETE, MX_LOGOUT };

static void lg_mixed_add_row(struct lg_mixed *m, const char *name, uint64_t count)
{
	for (unsigned i = 0; i < MOP__COUNT; i++) {
		if (strcmp(name, lg_mop_names[i]) == 0) {
			m->weight[i] += count;
			m->weight_total += count;
			return;
		}
	}
	if (strcmp(name, "Logout") == 0)
		m->logout_weight += count;
	else if (strcmp(name, "Login") == 0)
		m->login_weight += count;
	else if (m->undriven_n < LG_MIXED_UNDRIVEN_MAX) {
		snprintf(m->undriven[m->undriven_n], sizeof(m->undriven[0]), "%s", name);
		m->undriven_count[m->undriven_n++] = count;
	}
}

static enum rm_err lg_mixed_parse(struct lg_mixed *m, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return RM_ERR_IO;
	char line[256], name[64], agg[64];
	unsigned long long count;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llu,%63[^,],%63[^,\r\n]", &count, name, agg) == 3 &&
		    strcmp(agg, "Raw") == 0)
			lg_mixed_add_row(m, name, count);
	}
	fclose(f);
	return m->weight_total > 0 && m->logout_weight > 0 ? RM_OK : RM_ERR_SYNTAX;
}

static enum rm_err lg_mixed_prepare(struct lg_run *run)
{
	struct lg_mixed *m = rm_calloc(1, sizeof(*m));
	run->wl_state = m;
	enum rm_err err = lg_mixed_parse(m, run->cfg.commands_csv);
	if (err != RM_OK) {
		fprintf(stderr, "loadgen: cannot read command mix from %s: %s\n",
			run->cfg.commands_csv, rm_err_str(err));
		return err;
	}
	m->pool = lg_work_pool_make(run);
	return m->pool ? RM_OK : RM_ERR_IO;
}

static enum lg_mop lg_mixed_draw(struct lg_sess *s)
{
	struct lg_mixed *m = s->run->wl_state;
	uint64_t r = datagen_rand(&s->rng) % m->weight_total;
	for (unsigned i = 0; i < MOP__COUNT; i++) {
		if (r < m->weight[i])
			return (enum lg_mop)i;
		r -= m->weight[i];
	}
	return MOP_NOOP;
}

static bool lg_mixed_needs_select(enum lg_mop op, const struct lg_sess *s)
{
	switch (op) {
	case MOP_FETCH: case MOP_SEARCH: case MOP_UNSELECT: case MOP_IDLE: case MOP_CHECK:
		return !s->selected;
	case MOP_STORE: case MOP_EXPUNGE:
		return !s->selected || s->readonly;
	default:
		return false;
	}
}

static uint32_t lg_mixed_pick_seq(struct lg_sess *s)
{
	return 1 + (uint32_t)(datagen_rand(&s->rng) % RM_MAX(s->exists, 1u));
}

static void lg_mixed_fetch(struct lg_sess *s)
{
	if (datagen_rand(&s->rng) % 10 < 3) {
		lg_sess_cmd(s, LG_K_FETCH_BODY, "FETCH %u BODY.PEEK[]", lg_mixed_pick_seq(s));
		return;
	}
	uint32_t win = s->run->cfg.fetch_window;
	uint32_t lo = lg_mixed_pick_seq(s);
	uint32_t hi = RM_MIN(lo + win - 1, s->exists);
	lg_sess_cmd(s, LG_K_FETCH_HDR, "FETCH %u:%u (UID FLAGS INTERNALDATE RFC822.SIZE "
		    "BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID REFERENCES "
		    "CONTENT-TYPE)])", lo, hi);
}

static void lg_mixed_store(struct lg_sess *s)
{
	static const char *const ops[3] = {"+FLAGS (\\Seen)", "-FLAGS (\\Seen)",
					   "+FLAGS (\\Flagged)"};
	lg_sess_cmd(s, LG_K_STORE, "STORE %u %s", lg_mixed_pick_seq(s),
		    ops[datagen_rand(&s->rng) % 3]);
}

static void lg_mixed_search(struct lg_sess *s)
{
	static const char *const progs[3] = {"UID SEARCH UNSEEN", "UID SEARCH SINCE 1-Feb-2024",
					     "UID SEARCH FROM \"" DATAGEN_FROM_RARE "\""};
	lg_sess_cmd(s, LG_K_SEARCH, "%s", progs[datagen_rand(&s->rng) % 3]);
}

static void lg_mixed_append(struct lg_sess *s)
{
	struct lg_mixed *m = s->run->wl_state;
	const struct rm_buf *msg = &m->pool->msgs[(s->id * 7 + s->seq) % m->pool->count];
	m->pool->bytes_sent += msg->len;
	lg_sess_cmd_literal(s, LG_K_APPEND, "APPEND \"INBOX\"", msg->data, msg->len);
}

static void lg_mixed_issue(struct lg_sess *s, enum lg_mop op)
{
	const char *mbox = s->run->cfg.mailbox;
	if (op == MOP_SELECT || op == MOP_EXAMINE) {
		s->selected = true;
		s->readonly = op == MOP_EXAMINE;
		s->exists = 0;
	}
	switch (op) {
	case MOP_FETCH: if (s->exists) { lg_mixed_fetch(s); break; } /* fall through */
	case MOP_NOOP: lg_sess_cmd(s, LG_K_NOOP, "NOOP"); break;
	case MOP_SELECT: lg_sess_cmd(s, LG_K_SELECT, "SELECT \"%s\"", mbox); break;
	case MOP_EXAMINE: lg_sess_cmd(s, LG_K_EXAMINE, "EXAMINE \"%s\"", mbox); break;
	case MOP_SEARCH: lg_mixed_search(s); break;
	case MOP_UNSELECT: s->selected = false; lg_sess_cmd(s, LG_K_UNSELECT, "UNSELECT"); break;
	case MOP_IDLE: lg_sess_cmd(s, LG_K_IDLE, "IDLE"); break;
	case MOP_STATUS:
		lg_sess_cmd(s, LG_K_STATUS, "STATUS \"%s\" (MESSAGES UNSEEN UIDNEXT)", mbox);
		break;
	case MOP_LIST: lg_sess_cmd(s, LG_K_LIST, "LIST \"\" \"*\""); break;
	case MOP_LSUB: lg_sess_cmd(s, LG_K_LIST, "LSUB \"\" \"*\""); break;
	case MOP_CHECK: lg_sess_cmd(s, LG_K_CHECK, "CHECK"); break;
	case MOP_CAPABILITY: lg_sess_cmd(s, LG_K_CAPABILITY, "CAPABILITY"); break;
	case MOP_STORE: if (s->exists) { lg_mixed_store(s); break; }
		lg_sess_cmd(s, LG_K_NOOP, "NOOP"); break;
	case MOP_APPEND: lg_mixed_append(s); break;
	case MOP_EXPUNGE:
		if (!s->exists) { lg_sess_cmd(s, LG_K_NOOP, "NOOP"); break; }
		s->phase = MX_DELETE;
		lg_sess_cmd(s, LG_K_STORE, "STORE %u +FLAGS.SILENT (\\Deleted)", s->exists);
		return;
	default: RM_ASSERT(!"mixed op");
	}
	s->phase = MX_CMD;
}

static void lg_mixed_next(struct lg_sess *s)
{
	struct lg_mixed *m = s->run->wl_state;
	if (!lg_run_take_op(s->run) ||
	    datagen_rand(&s->rng) % (m->weight_total + m->logout_weight) < m->logout_weight) {
		s->phase = MX_LOGOUT;
		lg_sess_logout(s);
		return;
	}
	enum lg_mop op = lg_mixed_draw(s);
	m->driven[op]++;
	s->seq++;
	lg_mixed_issue(s, lg_mixed_needs_select(op, s) ? MOP_SELECT : op);
}

static void lg_mixed_ready(struct lg_sess *s)
{
	s->phase = MX_LOGIN;
	s->selected = false;
	lg_sess_login(s);
}

static void lg_mixed_done(struct lg_sess *s, enum lg_status st)
{
	struct lg_run *run = s->run;
	if (st == LG_ST_OK && s->phase != MX_LOGIN)
		lg_hist_record(&run->stats.hist[LG_K_ANY], lg_now_us() - s->cmd_start_us);
	if (s->phase == MX_LOGOUT) {
		lg_sess_close(s);
		if (!lg_run_should_stop(run))
			(void)lg_sess_connect(s);
		return;
	}
	if (s->phase == MX_LOGIN && st != LG_ST_OK) {
		lg_sess_close(s);
		return;
	}
	if (s->phase == MX_DELETE && st == LG_ST_OK) {
		s->phase = MX_CMD;
		lg_sess_cmd(s, LG_K_EXPUNGE, "EXPUNGE");
		return;
	}
	lg_mixed_next(s);
}

static void lg_mixed_untagged(struct lg_sess *s, const struct lg_imap_reader *r)
{
	uint32_t n;
	if (lg_imap_untagged_num(r, "EXISTS", &n))
		s->exists = n;
	else if (lg_imap_untagged_num(r, "EXPUNGE", &n) && s->exists > 0)
		s->exists--;
}

static void lg_mixed_cont(struct lg_sess *s)
{
	if (s->busy && s->kind == LG_K_IDLE)
		lg_sess_send_raw(s, "DONE\r\n");
}

static void lg_mixed_extra(struct lg_run *run, char *out, size_t cap)
{
	struct lg_mixed *m = run->wl_state;
	uint64_t driven = 0;
	for (unsigned i = 0; i < MOP__COUNT; i++)
		driven += m->driven[i];
	if (!run->cfg.quiet) {
		printf("command mix (weights from %s, Raw rows):\n", run->cfg.commands_csv);
		printf("  %-11s %8s %8s %9s\n", "command", "weight", "share%", "driven%");
		for (unsigned i = 0; i < MOP__COUNT; i++)
			printf("  %-11s %8llu %8.2f %9.2f\n", lg_mop_names[i],
			       (unsigned long long)m->weight[i],
			       100.0 * (double)m->weight[i] / (double)m->weight_total,
			       driven ? 100.0 * (double)m->driven[i] / (double)driven : 0.0);
		printf("  session end (Logout) weight %llu, Login %llu; not driven:",
		       (unsigned long long)m->logout_weight, (unsigned long long)m->login_weight);
		for (unsigned i = 0; i < m->undriven_n; i++)
			printf(" %s(%llu)", m->undriven[i], (unsigned long long)m->undriven_count[i]);
		printf("\n");
	}
	snprintf(out, cap, "logins=%llu", (unsigned long long)run->stats.hist[LG_K_LOGIN].total);
	lg_work_pool_free(&m->pool);
	free(m);
	run->wl_state = NULL;
}

const struct lg_workload lg_wl_mixed = {
	.name = "mixed", .primary = LG_K_ANY, .prepare = lg_mixed_prepare,
	.on_ready = lg_mixed_ready, .on_done = lg_mixed_done, .on_untagged = lg_mixed_untagged,
	.on_cont = lg_mixed_cont, .result_extra = lg_mixed_extra,
};
