/*
 * The control socket's connections: line framing, the APPEND payload, the
 * queue of requests (consecutive APPENDs run together, everything else
 * alone), the hop to the owner of the named user, and responses in
 * request order (see control.h; operations are in control_ops.c).
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
	struct control_req *reading;  /* APPEND whose payload is arriving */
	size_t payload_got;
	struct control_req *head, *tail;
	unsigned n;
	bool pumping;                 /* inside pump(): req_back defers */
};

static void req_free(struct control_req *r)
{
	passwd_db_unref(&r->db);
	if (r->msg)
		store_msgbuf_free(&r->msg);
	rm_buf_free(&r->out);
	free(r->body);
	free(r->text);
	free(r);
}

static void req_back(struct hop *h);
static void flush(struct control_conn *cc);

/* Reads the passwd-file again (on an auth pool thread: file reading stays
 * off the worker), so that the user being deleted cannot log in again and
 * be re-created from a stale entry. */
static int reload_work(struct auth_job *job)
{
	struct control_req *r = job->arg;
	server_reload_passwd(r->c->w->srv);
	return 0;
}

static void req_go(struct control_req *r)
{
	r->hop.home = r->c->w;
	r->hop.target = r->verb == CTL_PING ? r->c->w : hop_owner(r->c->w, r->partition);
	r->hop.remote = control_ops_run;
	r->hop.back = req_back;
	hop_go(&r->hop);
}

static void reloaded(struct rm_op *op, int res, uint32_t flags)
{
	struct control_req *r = RM_CONTAINER_OF(op, struct control_req, reload.op);
	auth_job_clear(&r->reload);
	r->reloaded = true;
	struct passwd_db *db = server_passwd_get(r->c->w->srv);
	bool still = res < 0 || (db && passwd_lookup(db, r->argv[1], r->lens[1]));
	passwd_db_unref(&db);
	if (still) {
		rm_buf_puts(&r->out, res < 0 ? "NO busy server stopping\n"
			    : "NO exists the login is still in the passwd-file\n");
		req_back(&r->hop);
		return;
	}
	req_go(r);
}

static void req_start(struct control_conn *cc, struct control_req *r)
{
	r->started = true;
	conn_ref(cc->c);
	if (r->verb == CTL_USER_DELETE && !r->reloaded) {
		struct worker *w = cc->c->w;
		auth_job_init(&r->reload, &w->loop, reloaded, reload_work, r);
		if (auth_pool_submit(w->srv->auth_pool, &r->reload) != RM_OK) {
			auth_job_clear(&r->reload);
			rm_buf_puts(&r->out, "NO busy try again\n");
			req_back(&r->hop);
		}
		return;
	}
	req_go(r);
}

/* Starts what may start: the head, and APPENDs behind running APPENDs.
 * A request on this worker may finish inside req_start: req_back then
 * only marks it, and pump reports it so that settle() flushes. */
static bool pump(struct control_conn *cc)
{
	bool appends_only = true, finished = false;
	cc->pumping = true;
	for (struct control_req *r = cc->head; r && r != cc->reading; r = r->next) {
		bool first = r == cc->head;
		if (!r->started && !r->done) {
			if (!first && !(appends_only && r->verb == CTL_APPEND))
				break;
			req_start(cc, r);
			finished = finished || r->done;
		}
		appends_only = appends_only && (r->verb == CTL_APPEND || r->done);
	}
	cc->pumping = false;
	return finished;
}

/* Writes the finished responses at the head of the queue. */
static void flush(struct control_conn *cc)
{
	while (cc->head && cc->head->done) {
		struct control_req *r = cc->head;
		cc->head = r->next;
		if (!cc->head)
			cc->tail = NULL;
		cc->n--;
		if (!cc->c->closing)
			conn_write(cc->c, r->out.data, r->out.len);
		req_free(r);
	}
}

/* Responses out, next requests in, until nothing changes. */
static void settle(struct control_conn *cc)
{
	do
		flush(cc);
	while (pump(cc));
}

static void req_back(struct hop *h)
{
	struct control_req *r = RM_CONTAINER_OF(h, struct control_req, hop);
	struct conn *c = r->c;
	struct control_conn *cc = c->proto_state;
	r->done = true;
	if (cc && !cc->pumping) {
		settle(cc);
		conn_input_resume(c);
	}
	conn_unref(c);
}

static struct control_req *req_add(struct control_conn *cc)
{
	struct control_req *r = rm_calloc(1, sizeof(*r));
	r->c = cc->c;
	if (cc->tail)
		cc->tail->next = r;
	else
		cc->head = r;
	cc->tail = r;
	cc->n++;
	return r;
}

/* A request answered without running (bad line, unknown user ...). */
static void req_answer(struct control_req *r, const char *text)
{
	rm_buf_printf(&r->out, "%s\n", text);
	r->done = true;
}

/* Parses one request line into a new queued request. */
static void request(struct control_conn *cc, const char *line, size_t len)
{
	struct control_req *r = req_add(cc);
	struct server *srv = cc->c->w->srv;
	r->text = rm_strndup(line, len);
	struct passwd_db *db = server_passwd_get(srv);
	const char *why = control_req_parse(r, r->text, len, db, srv->store,
					    srv->cfg.append_max_bytes);
	passwd_db_unref(&db);
	if (why) {
		req_answer(r, why);
	} else if (r->verb == CTL_APPEND) {
		r->msg = store_msgbuf_alloc(r->payload_bytes);
		cc->reading = r;
		cc->payload_got = 0;
	}
}

static size_t take_payload(struct control_conn *cc, const char *p, size_t n)
{
	struct control_req *r = cc->reading;
	size_t k = RM_MIN(n, r->payload_bytes - cc->payload_got);
	memcpy(store_msgbuf_data(r->msg) + cc->payload_got, p, k);
	cc->payload_got += k;
	if (cc->payload_got == r->payload_bytes)
		cc->reading = NULL;
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
		req_answer(req_add(cc), "NO limit line too long");
	} else {
		size_t len = cc->line.len - 1;
		if (len && cc->line.data[len - 1] == '\r')
			len--;
		request(cc, cc->line.data, len);
	}
	rm_buf_reset(&cc->line);
	return span;
}

static size_t control_input(struct conn *c, const char *data, size_t len)
{
	struct control_conn *cc = c->proto_state;
	if (!cc) {
		cc = rm_calloc(1, sizeof(*cc));
		cc->c = c;
		c->proto_state = cc;
		return 0;
	}
	size_t pos = 0;
	while (pos < len && !c->closing) {
		if (cc->reading)
			pos += take_payload(cc, data + pos, len - pos);
		else if (cc->n < RM_CONTROL_PIPELINE_MAX)
			pos += take_line(cc, data + pos, len - pos);
		else
			break;  /* resumed when a response goes out */
	}
	settle(cc);
	return pos;
}

static void control_timeout(struct conn *c)
{
	struct control_conn *cc = c->proto_state;
	if (cc && cc->head && !cc->reading)
		return;  /* requests are running */
	conn_close(c, "timeout");
}

static void control_shutdown(struct conn *c)
{
	struct control_conn *cc = c->proto_state;
	if (!cc || !cc->head)
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
	/* Every started request held a reference: none is running now. */
	while (cc->head) {
		struct control_req *r = cc->head;
		cc->head = r->next;
		req_free(r);
	}
	rm_buf_free(&cc->line);
	free(cc);
	c->proto_state = NULL;
}

const struct conn_proto control_proto = {
	.name = "control",
	.refusal = "NO busy too many connections\n",
	.input = control_input,
	.drained = control_drained,
	.timeout = control_timeout,
	.shutdown = control_shutdown,
	.closed = control_closed,
};
