#include "server/conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/limits.h"
#include "common/log.h"
#include "common/util.h"
#include "server/metrics.h"
#include "server/compress.h"
#include "server/server.h"
#include "server/tls.h"
#include "server/worker.h"

struct outq_block {
	struct outq_block *next;
	char *data;
	size_t len;
	size_t off;
};

static void conn_recv_arm(struct conn *c);
static void conn_send_next(struct conn *c);
static void conn_feed_input(struct conn *c);
static void conn_stream_input(struct conn *c, const char *data, size_t len);

/* ---- lists ---------------------------------------------------------------- */

static void lru_unlink(struct conn *c)
{
	struct worker *w = c->w;
	enum conn_timeout_class k = c->to_class;
	if (c->lru_prev)
		c->lru_prev->lru_next = c->lru_next;
	else if (w->lru_head[k] == c)
		w->lru_head[k] = c->lru_next;
	else
		return; /* not linked */
	if (c->lru_next)
		c->lru_next->lru_prev = c->lru_prev;
	else
		w->lru_tail[k] = c->lru_prev;
	c->lru_prev = c->lru_next = NULL;
	metrics_conn_listed(w, k, -1);
}

static void lru_append(struct conn *c)
{
	struct worker *w = c->w;
	enum conn_timeout_class k = c->to_class;
	c->lru_next = NULL;
	c->lru_prev = w->lru_tail[k];
	if (w->lru_tail[k])
		w->lru_tail[k]->lru_next = c;
	else
		w->lru_head[k] = c;
	w->lru_tail[k] = c;
	metrics_conn_listed(w, k, 1);
}

static void busy_link(struct conn *c)
{
	if (c->busy_prev || c->w->busy == c)
		return;
	c->busy_prev = NULL;
	c->busy_next = c->w->busy;
	if (c->w->busy)
		c->w->busy->busy_prev = c;
	c->w->busy = c;
	c->send_progress_ms = rm_now_ms();
}

static void busy_unlink(struct conn *c)
{
	if (c->busy_prev)
		c->busy_prev->busy_next = c->busy_next;
	else if (c->w->busy == c)
		c->w->busy = c->busy_next;
	else
		return;
	if (c->busy_next)
		c->busy_next->busy_prev = c->busy_prev;
	c->busy_prev = c->busy_next = NULL;
}

static void dirty_unlink(struct conn *c)
{
	if (!c->dirty)
		return;
	struct conn **pp = &c->w->dirty;
	while (*pp && *pp != c)
		pp = &(*pp)->dirty_next;
	if (*pp)
		*pp = c->dirty_next;
	c->dirty = false;
	c->dirty_next = NULL;
}

/* ---- references and teardown ---------------------------------------------- */

void conn_ref(struct conn *c)
{
	c->refs++;
}

static void conn_free(struct conn *c)
{
	struct worker *w = c->w;
	if (c->proto && c->proto->closed)
		c->proto->closed(c);
	for (struct outq_block *b = c->out_head; b;) {
		struct outq_block *n = b->next;
		free(b->data);
		free(b);
		b = n;
	}
	tls_conn_free(&c->tls);
	compress_free(&c->z);
	rm_buf_free(&c->pending);
	rm_buf_free(&c->in);
	if (c->fd >= 0) {
		/* Closing a socket does not block (no SO_LINGER). */
		struct io_uring_sqe *sqe = rm_loop_sqe(&w->loop);
		io_uring_prep_close(sqe, c->fd);
		io_uring_sqe_set_data(sqe, NULL);
	}
	if (c->counted) {
		atomic_fetch_sub(&w->srv->conns_total, 1);
		addr_conn_close(w->srv->addrs, &c->peer);
	}
	w->conns--;
	w->closed++;
	free(c);
}

void conn_unref(struct conn *c)
{
	RM_ASSERT(c->refs > 0);
	if (--c->refs == 0)
		conn_free(c);
}

void conn_close(struct conn *c, const char *reason)
{
	if (c->closing)
		return;
	c->closing = true;
	rm_log_debug("conn_close", "session=%llu reason=%s", (unsigned long long)c->id, reason);
	lru_unlink(c);
	busy_unlink(c);
	dirty_unlink(c);
	/* Make the armed receive and any send finish now. */
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	if (c->recv_armed) {
		struct io_uring_sqe *sqe = rm_loop_sqe(&c->w->loop);
		io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)&c->recv_op, 0);
		io_uring_sqe_set_data(sqe, NULL);
	}
	if (c->handing_off && !c->handoff_posted) {
		/* The hand-off will never be posted: drop its reference (the
		 * open reference below still holds the connection). */
		c->handing_off = false;
		c->refs--;
	}
	conn_unref(c); /* the "open" reference */
}

void conn_close_after_flush(struct conn *c)
{
	c->close_after_flush = true;
	conn_mark_dirty(c);
}

/* ---- output --------------------------------------------------------------- */

void conn_mark_dirty(struct conn *c)
{
	if (c->dirty || c->closing)
		return;
	c->dirty = true;
	c->dirty_next = c->w->dirty;
	c->w->dirty = c;
}

void conn_write(struct conn *c, const void *data, size_t len)
{
	rm_buf_append(&c->pending, data, len);
	conn_mark_dirty(c);
}

static void outq_push(struct conn *c, char *data, size_t len)
{
	struct outq_block *b = rm_malloc(sizeof(*b));
	b->next = NULL;
	b->data = data;
	b->len = len;
	b->off = 0;
	if (c->out_tail)
		c->out_tail->next = b;
	else
		c->out_head = b;
	c->out_tail = b;
	c->out_bytes += len;
	busy_link(c);
}

/* Moves pending plaintext into the output queue (through deflate and TLS
 * when they are on). */
static void conn_queue_pending(struct conn *c)
{
	if (c->z && c->pending.len && (!c->tls || tls_conn_handshake_done(c->tls))) {
		struct rm_buf zout = { 0 };
		compress_deflate(c->z, c->pending.data, c->pending.len, &zout);
		rm_buf_free(&c->pending);
		c->pending = zout;
	}
	if (c->tls) {
		if (c->pending.len && tls_conn_handshake_done(c->tls)) {
			if (tls_conn_write(c->tls, c->pending.data, c->pending.len) != RM_OK) {
				conn_close(c, "tls_write");
				return;
			}
			c->pending.len = 0;
			if (c->pending.cap > 4096)
				rm_buf_free(&c->pending);
		}
		if (c->close_after_flush && !c->pending.len)
			tls_conn_close_notify(c->tls);
		if (tls_conn_has_output(c->tls)) {
			struct rm_buf out = { 0 };
			tls_conn_take_output(c->tls, &out);
			outq_push(c, out.data, out.len);
		}
		return;
	}
	if (c->pending.len) {
		/* The buffer itself becomes the queue block: no copy. */
		outq_push(c, c->pending.data, c->pending.len);
		memset(&c->pending, 0, sizeof(c->pending));
	}
}

void conn_flush(struct conn *c)
{
	if (c->closing)
		return;
	dirty_unlink(c);
	conn_queue_pending(c);
	if (c->closing)
		return;
	/* One response may carry a whole message (up to append_max_bytes);
	 * past that and the hard limit, output is piling up unread. */
	if (c->out_bytes > RM_OUTQ_HARD_BYTES + c->w->srv->cfg.append_max_bytes) {
		rm_log(RM_LOG_WARN, "slow_reader", "session=%llu queued_bytes=%llu",
		       (unsigned long long)c->id, (unsigned long long)c->out_bytes);
		conn_close(c, "slow_reader");
		return;
	}
	if (!c->sending && c->out_head)
		conn_send_next(c);
	if (c->close_after_flush && !c->out_head && !c->sending)
		conn_close(c, "done");
}

void conn_flush_dirty(struct worker *w)
{
	while (w->dirty) {
		struct conn *c = w->dirty;
		w->dirty = c->dirty_next;
		c->dirty = false;
		c->dirty_next = NULL;
		conn_ref(c);
		conn_flush(c);
		conn_unref(c);
	}
}

static void conn_on_send(struct rm_op *op, int res, uint32_t flags)
{
	struct conn *c = RM_CONTAINER_OF(op, struct conn, send_op);
	c->sending = false;
	if (res < 0) {
		if (res != -EPIPE && res != -ECONNRESET && !c->closing)
			rm_log(RM_LOG_INFO, "send_failed", "session=%llu errno=%d",
			       (unsigned long long)c->id, -res);
		conn_close(c, "send_error");
		conn_unref(c);
		return;
	}
	struct outq_block *b = c->out_head;
	RM_ASSERT(b != NULL);
	b->off += (size_t)res;
	c->out_bytes -= (uint64_t)res;
	metrics_bytes_out(c->w, (uint64_t)res);
	c->send_progress_ms = rm_now_ms();
	if (b->off == b->len) {
		c->out_head = b->next;
		if (!c->out_head)
			c->out_tail = NULL;
		free(b->data);
		free(b);
	}
	if (!c->closing) {
		if (c->out_head) {
			conn_send_next(c);
		} else {
			busy_unlink(c);
			/* Dirty: output (a close_notify at least) is still to be
			 * queued by conn_flush, which closes after it. */
			if (c->close_after_flush && !c->pending.len && !c->dirty)
				conn_close(c, "done");
			else if (c->handing_off)
				conn_handoff(c, c->handoff_to);
		}
		if (c->want_drain && !c->closing && c->out_bytes < RM_OUTQ_SOFT_BYTES) {
			c->want_drain = false;
			c->proto->drained(c);
		}
	}
	conn_unref(c);
}

static void conn_send_next(struct conn *c)
{
	struct outq_block *b = c->out_head;
	struct io_uring_sqe *sqe = rm_loop_sqe(&c->w->loop);
	io_uring_prep_send(sqe, c->fd, b->data + b->off, b->len - b->off, MSG_NOSIGNAL);
	c->send_op.fn = conn_on_send;
	io_uring_sqe_set_data(sqe, &c->send_op);
	c->sending = true;
	conn_ref(c);
}

bool conn_wait_drain(struct conn *c)
{
	if (c->out_bytes + c->pending.len < RM_OUTQ_SOFT_BYTES)
		return false;
	c->want_drain = true;
	conn_mark_dirty(c);
	return true;
}

uint64_t conn_queued_bytes(const struct conn *c)
{
	return c->out_bytes + c->pending.len;
}

/* ---- input ---------------------------------------------------------------- */

/* Offers c->in to the protocol until it stops taking bytes. */
static void conn_feed_input(struct conn *c)
{
	if (c->in_input) {
		c->resume_wanted = true;
		return;
	}
	c->in_input = true;
	do {
		c->resume_wanted = false;
		while (c->in.len && !c->closing && !c->handing_off) {
			size_t used = c->proto->input(c, c->in.data, c->in.len);
			if (c->discard_input) {
				c->discard_input = false;
				c->in.len = 0;
				break;
			}
			if (c->z_started) {
				/* The queued rest came in deflated. */
				c->z_started = false;
				struct rm_buf rest = c->in;
				memset(&c->in, 0, sizeof(c->in));
				c->in_input = false;
				if (rest.len > used)
					conn_stream_input(c, rest.data + used, rest.len - used);
				rm_buf_free(&rest);
				c->in_input = true;
				continue;
			}
			if (used == 0)
				break;
			rm_buf_consume(&c->in, used);
		}
	} while (c->resume_wanted && c->in.len && !c->closing && !c->handing_off);
	c->in_input = false;
	if (c->in.len == 0 && c->in.cap > RM_RECV_BUF_BYTES)
		rm_buf_free(&c->in);
	if (c->recv_paused && c->in.len < RM_INPUT_PENDING_MAX_BYTES / 2 && !c->closing &&
	    !c->handing_off) {
		c->recv_paused = false;
		if (!c->recv_armed)
			conn_recv_arm(c);
	}
}

/* New plaintext: hand it to the protocol directly when nothing is queued
 * before it (the common case: no copy), else queue it behind. */
static void conn_plain_input(struct conn *c, const char *data, size_t len)
{
	if (c->closing)
		return;
	if (c->in.len == 0 && !c->in_input && !c->handing_off) {
		c->in_input = true;
		size_t used = c->proto->input(c, data, len);
		c->in_input = false;
		if (c->discard_input) {
			c->discard_input = false;
			return;
		}
		data += used;
		len -= used;
		if (c->z_started) {
			/* COMPRESS began inside this input: the rest is deflated. */
			c->z_started = false;
			if (len)
				conn_stream_input(c, data, len);
			return;
		}
		if (len == 0 && !c->resume_wanted)
			return;
	}
	rm_buf_append(&c->in, data, len);
	if (c->resume_wanted)
		conn_feed_input(c);
	if (c->in.len > RM_INPUT_PENDING_MAX_BYTES && c->recv_armed && !c->recv_paused) {
		/* Stop reading until the session catches up. */
		c->recv_paused = true;
		struct io_uring_sqe *sqe = rm_loop_sqe(&c->w->loop);
		io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)&c->recv_op, 0);
		io_uring_sqe_set_data(sqe, NULL);
	}
}

/* Bytes from the transport (after TLS): inflated first when COMPRESS is
 * on. */
static void conn_stream_input(struct conn *c, const char *data, size_t len)
{
	if (!c->z) {
		conn_plain_input(c, data, len);
		return;
	}
	struct rm_buf plain = { 0 };
	enum rm_err err = compress_inflate(c->z, data, len, RM_COMMAND_MAX_BYTES, &plain);
	if (err != RM_OK) {
		rm_buf_free(&plain);
		conn_close(c, err == RM_ERR_LIMIT ? "inflate_limit" : "inflate_error");
		return;
	}
	if (plain.len)
		conn_plain_input(c, plain.data, plain.len);
	rm_buf_free(&plain);
}

static bool conn_tls_plain(void *arg, const char *data, size_t len)
{
	struct conn *c = arg;
	conn_stream_input(c, data, len);
	return !c->closing;
}

void conn_input_resume(struct conn *c)
{
	if (c->closing)
		return;
	conn_feed_input(c);
}

static void conn_on_recv(struct rm_op *op, int res, uint32_t flags)
{
	struct conn *c = RM_CONTAINER_OF(op, struct conn, recv_op);
	struct worker *w = c->w;
	bool more = flags & IORING_CQE_F_MORE;
	if (!more)
		c->recv_armed = false;
	if (res > 0) {
		RM_ASSERT(flags & IORING_CQE_F_BUFFER);
		unsigned bid = flags >> IORING_CQE_BUFFER_SHIFT;
		const char *data = worker_buf(w, bid);
		metrics_bytes_in(w, (uint64_t)res);
		if (!c->closing) {
			conn_touch(c);
			if (c->tls) {
				if (tls_conn_input(c->tls, data, (size_t)res, conn_tls_plain, c) != RM_OK) {
					metrics_tls(w, true);
					conn_close(c, "tls_error");
				}
				else
					conn_mark_dirty(c); /* handshake records, held output */
			} else {
				conn_stream_input(c, data, (size_t)res);
			}
		}
		worker_buf_return(w, bid);
	} else if (res == 0) {
		conn_close(c, "eof");
	} else if (res == -ENOBUFS) {
		/* Every posted buffer is in use: post more if any are left,
		 * and re-arm when buffers return. */
		worker_bufs_grow(w);
		if (!c->closing && !c->recv_nobufs) {
			c->recv_nobufs = true;
			conn_ref(c);
			if (w->nobufs_len == w->nobufs_cap) {
				w->nobufs_cap = w->nobufs_cap ? w->nobufs_cap * 2 : 64;
				w->nobufs = rm_realloc(w->nobufs, w->nobufs_cap * sizeof(*w->nobufs));
			}
			w->nobufs[w->nobufs_len++] = c;
		}
	} else if (res != -ECANCELED) {
		if (!c->closing && res != -ECONNRESET)
			rm_log(RM_LOG_INFO, "recv_failed", "session=%llu errno=%d",
			       (unsigned long long)c->id, -res);
		conn_close(c, "recv_error");
	}
	if (!more) {
		if (!c->closing && !c->recv_paused && !c->recv_nobufs && !c->handing_off &&
		    res != 0)
			conn_recv_arm(c);
		else if (c->handing_off)
			conn_handoff(c, c->handoff_to);
		conn_unref(c); /* the armed receive's reference */
	}
}

static void conn_recv_arm(struct conn *c)
{
	RM_ASSERT(!c->recv_armed);
	struct worker *w = c->w;
	struct io_uring_sqe *sqe = rm_loop_sqe(&w->loop);
	io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = (uint16_t)w->bgid;
	c->recv_op.fn = conn_on_recv;
	io_uring_sqe_set_data(sqe, &c->recv_op);
	c->recv_armed = true;
	conn_ref(c);
}

void conn_rearm_nobufs(struct worker *w)
{
	unsigned n = w->nobufs_len;
	w->nobufs_len = 0;
	for (unsigned i = 0; i < n; i++) {
		struct conn *c = w->nobufs[i];
		c->recv_nobufs = false;
		if (c->handing_off)
			conn_handoff(c, c->handoff_to);
		else if (!c->closing && !c->recv_armed && !c->recv_paused)
			conn_recv_arm(c);
		conn_unref(c);
	}
}

bool conn_start_tls(struct conn *c)
{
	struct tls_ctx *ctx = server_tls_get(c->w->srv);
	if (!ctx)
		return false;
	/* The tagged OK goes out in plaintext, before any TLS record. */
	conn_queue_pending(c);
	c->tls = tls_conn_new(ctx);
	tls_ctx_unref(&ctx);
	metrics_tls(c->w, false);
	/* RFC 9051 §6.2.1: anything the client pipelined after STARTTLS is
	 * discarded, never read as commands in the protected session. */
	c->in.len = 0;
	c->discard_input = true;
	if (!c->sending && c->out_head)
		conn_send_next(c);
	return true;
}

void conn_start_compress(struct conn *c)
{
	/* The tagged OK goes out uncompressed. */
	conn_queue_pending(c);
	c->z = compress_new();
	c->z_started = true;
	if (!c->sending && c->out_head)
		conn_send_next(c);
}

/* ---- timeouts ------------------------------------------------------------- */

void conn_touch(struct conn *c)
{
	c->active_ms = rm_now_ms();
	if (c->closing || c->handing_off)
		return;
	if (c->w->lru_tail[c->to_class] != c) {
		lru_unlink(c);
		lru_append(c);
	}
}

void conn_set_timeout_class(struct conn *c, enum conn_timeout_class cls)
{
	if (c->closing)
		return;
	lru_unlink(c);
	c->to_class = cls;
	c->active_ms = rm_now_ms();
	if (!c->handing_off)
		lru_append(c);
}

void conn_check_timeouts(struct worker *w, uint64_t now)
{
	const struct rm_config *cfg = &w->srv->cfg;
	uint64_t limit[CONN_TO__COUNT] = { cfg->timeout_preauth_ms, cfg->timeout_auth_ms };
	for (unsigned k = 0; k < CONN_TO__COUNT; k++) {
		/* Bounded: each expired connection leaves the list or moves
		 * to its tail (touched) inside timeout(). */
		unsigned budget = 100000;
		struct conn *c;
		while ((c = w->lru_head[k]) && now - c->active_ms > limit[k] && budget--) {
			lru_unlink(c);
			c->active_ms = now;
			lru_append(c);
			c->proto->timeout(c);
		}
	}
	for (struct conn *c = w->busy, *next; c; c = next) {
		next = c->busy_next;
		if (c->sending && now - c->send_progress_ms > cfg->output_stall_ms) {
			rm_log(RM_LOG_INFO, "output_stalled", "session=%llu queued_bytes=%llu",
			       (unsigned long long)c->id, (unsigned long long)c->out_bytes);
			conn_close(c, "stalled");
		}
	}
}

/* ---- accept and hand-off --------------------------------------------------- */

static void reject_timeout(struct conn *c)
{
	conn_close(c, "timeout");
}

/* A connection over the limits only gets its BYE flushed. */
static const struct conn_proto reject_proto = { .name = "reject", .timeout = reject_timeout };

static void peer_fill(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	memset(&c->peer, 0, sizeof(c->peer));
	if (getpeername(c->fd, (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		c->peer.bytes[10] = 0xff;
		c->peer.bytes[11] = 0xff;
		memcpy(c->peer.bytes + 12, &sin->sin_addr, 4);
		c->peer_port = ntohs(sin->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		memcpy(c->peer.bytes, &sin6->sin6_addr, 16);
		c->peer_port = ntohs(sin6->sin6_port);
	}
}

void conn_accept(struct worker *w, int fd, bool tls_port, const struct conn_proto *proto)
{
	struct server *srv = w->srv;
	struct conn *c = rm_calloc(1, sizeof(*c));
	c->w = w;
	c->fd = fd;
	c->refs = 1;
	c->proto = proto;
	c->tls_port = tls_port;
	c->id = atomic_fetch_add(&srv->next_session_id, 1) + 1;
	c->active_ms = rm_now_ms();
	c->to_class = CONN_TO_PREAUTH;
	w->conns++;
	w->accepted++;
	peer_fill(c);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	lru_append(c);

	uint64_t total = atomic_fetch_add(&srv->conns_total, 1) + 1;
	bool ip_ok = addr_conn_open(srv->addrs, &c->peer, srv->cfg.max_connections_per_ip);
	c->counted = ip_ok;
	if (!ip_ok || total > srv->cfg.max_connections) {
		if (ip_ok == false)
			atomic_fetch_sub(&srv->conns_total, 1);
		w->rejected++;
		/* Too many: the protocol's refusal in plaintext (on the TLS
		 * port nothing: there is no cheaper way to say it) and close. */
		const char *refusal = proto->refusal;
		c->proto = &reject_proto;
		if (!tls_port && refusal)
			conn_write(c, refusal, strlen(refusal));
		conn_close_after_flush(c);
		return;
	}
	if (tls_port) {
		struct tls_ctx *ctx = server_tls_get(srv);
		if (!ctx) {
			conn_close(c, "no_tls_context");
			return;
		}
		c->tls = tls_conn_new(ctx);
		tls_ctx_unref(&ctx);
		metrics_tls(w, false);
	}
	metrics_conn_accepted(w, proto);
	conn_recv_arm(c);
	proto->input(c, NULL, 0); /* greeting */
}

static void conn_on_arrive(struct rm_op *op, int res, uint32_t flags)
{
	struct conn *c = RM_CONTAINER_OF(op, struct conn, handoff_op);
	struct worker *to = c->handoff_to;
	c->w = to;
	c->handing_off = false;
	c->handoff_posted = false;
	c->handoff_to = NULL;
	to->conns++;
	lru_append(c);
	c->active_ms = rm_now_ms();
	if (!c->closing) {
		conn_recv_arm(c);
		c->proto->arrived(c);
		conn_feed_input(c);
		conn_mark_dirty(c);
	}
	conn_unref(c); /* the hand-off's reference */
}

void conn_handoff(struct conn *c, struct worker *to)
{
	if (!c->handing_off) {
		RM_ASSERT(to != c->w);
		c->handing_off = true;
		c->handoff_to = to;
		conn_ref(c); /* held until arrival */
		lru_unlink(c);
		dirty_unlink(c);
		conn_queue_pending(c);
		if (!c->sending && c->out_head)
			conn_send_next(c);
		if (c->recv_armed) {
			struct io_uring_sqe *sqe = rm_loop_sqe(&c->w->loop);
			io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)&c->recv_op, 0);
			io_uring_sqe_set_data(sqe, NULL);
		}
	}
	/* Wait until nothing of ours is in flight on this ring. */
	if (c->recv_armed || c->sending || c->out_head || c->recv_nobufs)
		return;
	busy_unlink(c);
	struct worker *from = c->w;
	from->conns--;
	c->handoff_posted = true;
	c->handoff_op.fn = conn_on_arrive;
	int rc = rm_loop_post(&from->loop, &to->loop, &c->handoff_op, 0);
	RM_ASSERT(rc == 0);
}
