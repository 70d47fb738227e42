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

/* Parses a request line and starts it (APPEND: after its payload).
 * Returns NULL when the request started or waits for its payload, else
 * the answer to write. */
static const char *request(struct control_conn *cc, char *line, size_t len)
{
	struct control_req *r = &cc->req;
	struct server *srv = cc->c->w->srv;
	struct passwd_db *db = server_passwd_get(srv);
	const char *why = control_req_parse(r, line, len, db, srv->store, srv->cfg.append_max_bytes);
	passwd_db_unref(&db);
	if (why)
		return why;
	cc->busy = true;
	if (r->verb == CTL_APPEND) {
		r->msg = store_msgbuf_alloc(r->payload_bytes);
		cc->in_payload = true;
		cc->payload_need = r->payload_bytes;
		cc->payload_got = 0;
		return NULL;
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
