/*
 * The control socket's connections: line framing, the APPEND payload,
 * argument checks, and the hop to the owner of the named user (see
 * control.h; operations are in control_ops.c).
 */
#include "server/control.h"

#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "server/auth/passwd.h"
#include "server/server.h"
#include "server/server_init.h"
#include "server/worker.h"
#include "storage/store_types.h"

struct control_conn {
	struct conn *c;
	struct rm_buf line;
	bool line_too_long;
	bool busy;
	bool in_payload;
	size_t payload_need;
	size_t payload_got;
	struct control_req req;
};

static const struct {
	const char *name;
	enum control_verb verb;
	int args;              /* arguments after the verb */
	bool needs_entry;      /* the login must be in the passwd-file */
} verbs[] = {
	{ "PING", CTL_PING, 0, false },
	{ "USER-SHOW", CTL_USER_SHOW, 1, false },
	{ "USER-ENSURE", CTL_USER_ENSURE, 1, true },
	{ "MAILBOX-LIST", CTL_MAILBOX_LIST, 1, false },
	{ "MAILBOX-CREATE", CTL_MAILBOX_CREATE, 2, true },
	{ "MAILBOX-DELETE", CTL_MAILBOX_DELETE, 2, false },
	{ "APPEND", CTL_APPEND, 5, true },
	{ "KICK", CTL_KICK, 1, false },
};

static void req_reset(struct control_req *r)
{
	passwd_db_unref(&r->db);
	if (r->msg)
		store_msgbuf_free(&r->msg);
	rm_buf_free(&r->out);
	struct conn *c = r->c;
	memset(r, 0, sizeof(*r));
	r->c = c;
}

static void answer(struct control_conn *cc, const char *text)
{
	conn_write(cc->c, text, strlen(text));
	conn_write(cc->c, "\n", 1);
	req_reset(&cc->req);
	cc->busy = false;
}

static void req_back(struct hop *h)
{
	struct control_req *r = RM_CONTAINER_OF(h, struct control_req, hop);
	struct control_conn *cc = RM_CONTAINER_OF(r, struct control_conn, req);
	struct conn *c = cc->c;
	if (!c->closing)
		conn_write(c, r->out.data, r->out.len);
	req_reset(r);
	cc->busy = false;
	conn_input_resume(c);
	conn_unref(c);
}

static void req_start(struct control_conn *cc)
{
	struct control_req *r = &cc->req;
	conn_ref(cc->c);
	r->hop.home = cc->c->w;
	r->hop.target = r->verb == CTL_PING ? cc->c->w : hop_owner(cc->c->w, r->partition);
	r->hop.remote = control_ops_run;
	r->hop.back = req_back;
	hop_go(&r->hop);
}

/* APPEND's flags field: "-" or a comma list of \Seen ... and keywords. */
static bool parse_flags(struct control_req *r, char *s)
{
	static const struct { const char *n; uint32_t f; } sys[] = {
		{ "\\Seen", STORE_F_SEEN }, { "\\Answered", STORE_F_ANSWERED },
		{ "\\Flagged", STORE_F_FLAGGED }, { "\\Deleted", STORE_F_DELETED },
		{ "\\Draft", STORE_F_DRAFT },
	};
	if (!strcmp(s, "-"))
		return true;
	for (char *save = NULL, *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		bool known = false;
		for (size_t i = 0; i < RM_ARRAY_LEN(sys); i++) {
			if (!strcasecmp(t, sys[i].n)) {
				r->flags |= sys[i].f;
				known = true;
			}
		}
		if (known)
			continue;
		if (t[0] == '\\' || r->nkw == RM_ARRAY_LEN(r->kw) || strlen(t) > RM_KEYWORD_MAX_BYTES)
			return false;
		r->kw[r->nkw] = t;
		r->kw_lens[r->nkw++] = strlen(t);
	}
	return true;
}

/* APPEND login mailbox flags date size: checks, then reads the payload. */
static const char *append_begin(struct control_conn *cc)
{
	struct control_req *r = &cc->req;
	char *end;
	r->date_s = strtoll(r->argv[4], &end, 10);
	if (*end || r->date_s < 0)
		return "NO syntax bad internal date";
	unsigned long long size = strtoull(r->argv[5], &end, 10);
	if (*end || size == 0 || size > cc->c->w->srv->cfg.append_max_bytes)
		return "NO limit message size out of range";
	if (!parse_flags(r, r->argv[3]))
		return "NO syntax bad flags";
	r->msg = store_msgbuf_alloc((size_t)size);
	cc->in_payload = true;
	cc->payload_need = (size_t)size;
	cc->payload_got = 0;
	return NULL;
}

/* Parses a request line; returns NULL when the request started (or is
 * waiting for its payload), else the answer to write. */
static const char *request(struct control_conn *cc, char *line, size_t len)
{
	struct control_req *r = &cc->req;
	char *argv[CONTROL_ARGS_MAX];
	size_t lens[CONTROL_ARGS_MAX];
	int argc = control_args_split(line, len, argv, lens, CONTROL_ARGS_MAX);
	if (argc <= 0)
		return "NO syntax bad request line";
	size_t v = 0;
	while (v < RM_ARRAY_LEN(verbs) && strcmp(verbs[v].name, argv[0]) != 0)
		v++;
	if (v == RM_ARRAY_LEN(verbs))
		return "NO syntax unknown command";
	if (argc != verbs[v].args + 1)
		return "NO syntax wrong number of arguments";
	r->verb = verbs[v].verb;
	r->argc = argc;
	memcpy(r->argv, argv, sizeof(argv));
	memcpy(r->lens, lens, sizeof(lens));
	if (argc > 1) {
		r->db = server_passwd_get(cc->c->w->srv);
		r->entry = r->db ? passwd_lookup(r->db, argv[1], lens[1]) : NULL;
		if (!r->entry && verbs[v].needs_entry)
			return "NO notfound no such user in the passwd-file";
		const char *login = r->entry ? r->entry->login : argv[1];
		size_t login_len = r->entry ? r->entry->login_len : lens[1];
		r->partition = server_partition_of(cc->c->w->srv, login, login_len);
	}
	cc->busy = true;
	if (r->verb == CTL_APPEND) {
		const char *why = append_begin(cc);
		if (why)
			cc->busy = false;
		return why;
	}
	req_start(cc);
	return NULL;
}

static size_t take_payload(struct control_conn *cc, const char *p, size_t n)
{
	size_t k = RM_MIN(n, cc->payload_need - cc->payload_got);
	memcpy(store_msgbuf_data(cc->req.msg) + cc->payload_got, p, k);
	cc->payload_got += k;
	if (cc->payload_got == cc->payload_need) {
		cc->in_payload = false;
		req_start(cc);
	}
	return k;
}

static size_t take_line(struct control_conn *cc, const char *p, size_t n)
{
	const char *nl = memchr(p, '\n', n);
	size_t span = nl ? (size_t)(nl - p) + 1 : n;
	if (!cc->line_too_long && cc->line.len + span > RM_CONTROL_LINE_MAX_BYTES)
		cc->line_too_long = true;
	if (!cc->line_too_long)
		rm_buf_append(&cc->line, p, span);
	if (!nl)
		return span;
	if (cc->line_too_long) {
		cc->line_too_long = false;
		rm_buf_reset(&cc->line);
		answer(cc, "NO limit line too long");
		return span;
	}
	size_t len = cc->line.len - 1;
	if (len && cc->line.data[len - 1] == '\r')
		len--;
	rm_buf_reset(&cc->line);  /* the text stays in place until the next line */
	const char *why = request(cc, cc->line.data, len);
	if (why)
		answer(cc, why);
	return span;
}

static size_t control_input(struct conn *c, const char *data, size_t len)
{
	struct control_conn *cc = c->proto_state;
	if (!cc) {
		cc = rm_calloc(1, sizeof(*cc));
		cc->c = c;
		cc->req.c = c;
		c->proto_state = cc;
		return 0;
	}
	size_t pos = 0;
	while (pos < len && !c->closing && !cc->busy)
		pos += take_line(cc, data + pos, len - pos);
	while (pos < len && !c->closing && cc->in_payload)
		pos += take_payload(cc, data + pos, len - pos);
	return pos;
}

static void control_timeout(struct conn *c)
{
	struct control_conn *cc = c->proto_state;
	if (cc && cc->busy && !cc->in_payload)
		return;
	conn_close(c, "timeout");
}

static void control_shutdown(struct conn *c)
{
	struct control_conn *cc = c->proto_state;
	if (!cc || !cc->busy)
		conn_close_after_flush(c);
}

static void control_drained(struct conn *c)
{
	(void)c;
}

static void control_closed(struct conn *c)
{
	struct control_conn *cc = c->proto_state;
	if (!cc)
		return;
	req_reset(&cc->req);
	rm_buf_free(&cc->line);
	free(cc);
	c->proto_state = NULL;
}

const struct conn_proto control_proto = {
	.name = "control",
	.input = control_input,
	.drained = control_drained,
	.timeout = control_timeout,
	.shutdown = control_shutdown,
	.closed = control_closed,
};
