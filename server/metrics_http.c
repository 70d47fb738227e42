/*
 * The metrics endpoint: a tiny HTTP/1.0 responder on a worker's ring.  One
 * request per connection: "GET /metrics" (or "/") gathers a snapshot from
 * every worker with one hop each (server/hop.h), renders it and closes;
 * anything else gets 404/405/400.  Request bytes are bounded by
 * RM_HTTP_REQUEST_MAX_BYTES.
 */
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"
#include "server/hop.h"
#include "server/metrics.h"
#include "server/server.h"
#include "server/worker.h"

struct http_req;

struct scrape_hop {
	struct hop hop;
	struct http_req *r;
};

struct http_req {
	struct conn *c;
	struct rm_buf in;
	bool answered;
	bool head_only;
	struct metrics_snapshot snap;
	struct scrape_hop *hops;
	unsigned pending;
};

static void respond(struct http_req *r, const char *status, const char *type,
		    const char *body, size_t len)
{
	struct rm_buf *out = conn_out(r->c);
	rm_buf_printf(out, "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		      "Connection: close\r\n\r\n", status, type, len);
	if (!r->head_only)
		rm_buf_append(out, body, len);
	conn_mark_dirty(r->c);
	conn_close_after_flush(r->c);
}

static void error_reply(struct http_req *r, const char *status)
{
	respond(r, status, "text/plain", status, strlen(status));
}

static void scrape_free(struct http_req *r)
{
	free(r->snap.workers);
	free(r->snap.parts);
	free(r->hops);
	r->snap.workers = NULL;
	r->snap.parts = NULL;
	r->hops = NULL;
}

static void scrape_remote(struct hop *h)
{
	struct scrape_hop *sh = RM_CONTAINER_OF(h, struct scrape_hop, hop);
	metrics_collect(h->target, &sh->r->snap);
	hop_return(h);
}

static void scrape_back(struct hop *h)
{
	struct http_req *r = RM_CONTAINER_OF(h, struct scrape_hop, hop)->r;
	struct conn *c = r->c;
	if (--r->pending)
		return;
	if (!c->closing) {
		struct rm_buf body = { 0 };
		r->snap.conns_total = atomic_load(&c->w->srv->conns_total);
		metrics_render(&r->snap, &body);
		respond(r, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body.data, body.len);
		rm_buf_free(&body);
	}
	scrape_free(r);
	conn_unref(c);
}

static void scrape_start(struct http_req *r)
{
	struct server *srv = r->c->w->srv;
	r->snap.nworkers = srv->nworkers;
	r->snap.nparts = srv->partitions;
	r->snap.workers = rm_calloc(srv->nworkers, sizeof(*r->snap.workers));
	r->snap.parts = rm_calloc(srv->partitions, sizeof(*r->snap.parts));
	r->hops = rm_calloc(srv->nworkers, sizeof(*r->hops));
	r->pending = srv->nworkers;
	conn_ref(r->c);
	for (unsigned i = 0, n = srv->nworkers; i < n; i++) {
		struct scrape_hop *sh = &r->hops[i];
		sh->r = r;
		sh->hop.home = r->c->w;
		sh->hop.target = srv->workers[i];
		sh->hop.remote = scrape_remote;
		sh->hop.back = scrape_back;
		hop_go(&sh->hop);
	}
}

/* "METHOD SP target SP HTTP/x.y" */
static void dispatch(struct http_req *r, const char *line, size_t len)
{
	const char *sp1 = memchr(line, ' ', len);
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line + len - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || (size_t)(line + len - sp2 - 1) < 5 || memcmp(sp2 + 1, "HTTP/", 5)) {
		error_reply(r, "400 Bad Request");
		return;
	}
	bool get = sp1 - line == 3 && !memcmp(line, "GET", 3);
	r->head_only = sp1 - line == 4 && !memcmp(line, "HEAD", 4);
	if (!get && !r->head_only) {
		error_reply(r, "405 Method Not Allowed");
		return;
	}
	size_t tl = (size_t)(sp2 - sp1 - 1);
	const char *t = sp1 + 1;
	const char *q = memchr(t, '?', tl);
	if (q)
		tl = (size_t)(q - t);
	if ((tl == 8 && !memcmp(t, "/metrics", 8)) || (tl == 1 && t[0] == '/'))
		scrape_start(r);
	else
		error_reply(r, "404 Not Found");
}

static size_t http_input(struct conn *c, const char *data, size_t len)
{
	struct http_req *r = c->proto_state;
	if (!r) {
		r = rm_calloc(1, sizeof(*r));
		r->c = c;
		c->proto_state = r;
		return 0;
	}
	if (r->answered)
		return len; /* one request per connection */
	if (r->in.len + len > RM_HTTP_REQUEST_MAX_BYTES) {
		r->answered = true;
		error_reply(r, "431 Request Header Fields Too Large");
		return len;
	}
	rm_buf_append(&r->in, data, len);
	const char *end = memmem(r->in.data, r->in.len, "\r\n\r\n", 4);
	if (!end)
		end = memmem(r->in.data, r->in.len, "\n\n", 2);
	if (!end)
		return len;
	r->answered = true;
	const char *eol = memchr(r->in.data, '\n', r->in.len);
	size_t ll = (size_t)(eol - r->in.data);
	if (ll && r->in.data[ll - 1] == '\r')
		ll--;
	dispatch(r, r->in.data, ll);
	return len;
}

static void http_timeout(struct conn *c)
{
	struct http_req *r = c->proto_state;
	if (r && r->pending)
		return;
	conn_close(c, "timeout");
}

static void http_shutdown(struct conn *c)
{
	struct http_req *r = c->proto_state;
	if (!r || !r->pending)
		conn_close(c, "shutdown");
}

static void http_drained(struct conn *c)
{
	(void)c;
}

static void http_closed(struct conn *c)
{
	struct http_req *r = c->proto_state;
	if (!r)
		return;
	rm_buf_free(&r->in);
	scrape_free(r);
	free(r);
	c->proto_state = NULL;
}

const struct conn_proto metrics_http_proto = {
	.name = "http",
	.refusal = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	.input = http_input,
	.drained = http_drained,
	.timeout = http_timeout,
	.shutdown = http_shutdown,
	.closed = http_closed,
};
