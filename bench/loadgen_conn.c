/*
 * loadgen_conn.c — epoll connection engine with optional TLS (see
 * loadgen_conn.h).  Edge-triggered: every event runs the whole "connect,
 * handshake, write, read" progression until the socket would block.
 */
#include "bench/loadgen_conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/util.h"

#define LG_ENGINE_EVENTS   1024
#define LG_READ_CHUNK      (64u * 1024)
/* Input a connection may hold before the engine stops reading it (the
 * reader consumes literals as they come, so only one line stays). */
#define LG_CONN_IN_MAX_BYTES (32u * 1024 * 1024)

enum rm_err lg_engine_init(struct lg_engine *e, bool tls)
{
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0)
		return RM_ERR_IO;
	e->tls = NULL;
	if (tls) {
		e->tls = SSL_CTX_new(TLS_client_method());
		if (!e->tls) {
			close(e->epfd);
			return RM_ERR_IO;
		}
		SSL_CTX_set_min_proto_version(e->tls, TLS1_2_VERSION);
		SSL_CTX_set_verify(e->tls, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_mode(e->tls, SSL_MODE_ENABLE_PARTIAL_WRITE |
				 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	}
	return RM_OK;
}

void lg_engine_fini(struct lg_engine *e)
{
	if (e->tls)
		SSL_CTX_free(e->tls);
	e->tls = NULL;
	if (e->epfd >= 0)
		close(e->epfd);
	e->epfd = -1;
}

uint64_t lg_engine_raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	FILE *f = fopen("/proc/sys/fs/nr_open", "r");
	unsigned long long nr_open = 0;
	if (f) {
		if (fscanf(f, "%llu", &nr_open) != 1)
			nr_open = 0;
		fclose(f);
	}
	struct rlimit want = rl;
	if (nr_open > rl.rlim_max)
		want.rlim_max = nr_open; /* works as root */
	want.rlim_cur = want.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &want) != 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur;
}

static uint64_t lg_conn_tag(struct lg_conn *c)
{
	return (uint64_t)(uintptr_t)c | (uint64_t)(c->gen & 0xffffu) << 48;
}

enum rm_err lg_conn_connect(struct lg_engine *e, struct lg_conn *c,
			    const struct sockaddr_in *dst, const struct in_addr *src)
{
	RM_ASSERT(c->state == LG_CONN_CLOSED);
	RM_ASSERT(((uintptr_t)c >> 48) == 0);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return RM_ERR_IO;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (src) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr = *src};
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			close(fd);
			return RM_ERR_IO;
		}
	}
	if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) != 0 && errno != EINPROGRESS) {
		close(fd);
		return RM_ERR_IO;
	}
	c->fd = fd;
	c->gen++;
	c->state = LG_CONN_CONNECTING;
	c->in_off = 0;
	c->out_off = 0;
	rm_buf_reset(&c->in);
	rm_buf_reset(&c->out);
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
				 .data.u64 = lg_conn_tag(c)};
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		close(fd);
		c->fd = -1;
		c->state = LG_CONN_CLOSED;
		return RM_ERR_IO;
	}
	e->open_count++;
	return RM_OK;
}

void lg_conn_close(struct lg_engine *e, struct lg_conn *c)
{
	if (c->state == LG_CONN_CLOSED)
		return;
	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	close(c->fd); /* also leaves the epoll set */
	c->fd = -1;
	c->gen++;
	c->state = LG_CONN_CLOSED;
	rm_buf_reset(&c->in);
	rm_buf_reset(&c->out);
	c->in_off = c->out_off = 0;
	e->open_count--;
}

void lg_conn_free_buffers(struct lg_conn *c)
{
	RM_ASSERT(c->state == LG_CONN_CLOSED);
	rm_buf_free(&c->in);
	rm_buf_free(&c->out);
}

/* Writes queued output.  Returns 0, or -1 when the connection failed. */
static int lg_conn_flush(struct lg_conn *c)
{
	while (c->out_off < c->out.len) {
		size_t n = c->out.len - c->out_off;
		ssize_t w;
		if (c->ssl) {
			size_t done = 0;
			ERR_clear_error(); /* SSL_get_error reads the shared error queue */
			int r = SSL_write_ex(c->ssl, c->out.data + c->out_off, n, &done);
			if (r <= 0) {
				int err = SSL_get_error(c->ssl, r);
				return err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ ? 0 : -1;
			}
			w = (ssize_t)done;
		} else {
			w = send(c->fd, c->out.data + c->out_off, n, MSG_NOSIGNAL);
			if (w < 0)
				return errno == EAGAIN || errno == EINTR ? 0 : -1;
		}
		c->out_off += (size_t)w;
	}
	c->out_off = 0;
	rm_buf_reset(&c->out);
	return 0;
}

void lg_conn_send(struct lg_engine *e, struct lg_conn *c, const void *p, size_t n)
{
	(void)e;
	if (c->out_off > 0 && c->out_off == c->out.len) {
		c->out_off = 0;
		rm_buf_reset(&c->out);
	}
	rm_buf_append(&c->out, p, n);
	if (c->state == LG_CONN_OPEN)
		(void)lg_conn_flush(c); /* a failure shows up as an event */
}

/* Reads what is available.  Returns 0 when the socket would block, 1 when
 * the input buffer is full (call again after consuming), -1 on EOF or error
 * (data read before it is still in c->in). */
static int lg_conn_fill(struct lg_engine *e, struct lg_conn *c, size_t *got_r)
{
	*got_r = 0;
	if (c->in_off > 0) {
		rm_buf_consume(&c->in, c->in_off);
		c->in_off = 0;
	}
	while (c->in.len < LG_CONN_IN_MAX_BYTES) {
		rm_buf_reserve(&c->in, LG_READ_CHUNK);
		size_t room = c->in.cap - c->in.len - 1;
		ssize_t r;
		if (c->ssl) {
			size_t done = 0;
			ERR_clear_error(); /* SSL_get_error reads the shared error queue */
			int ok = SSL_read_ex(c->ssl, c->in.data + c->in.len, room, &done);
			if (ok <= 0) {
				int err = SSL_get_error(c->ssl, ok);
				return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE ? 0 : -1;
			}
			r = (ssize_t)done;
		} else {
			r = recv(c->fd, c->in.data + c->in.len, room, 0);
			if (r < 0)
				return errno == EAGAIN || errno == EINTR ? 0 : -1;
			if (r == 0)
				return -1;
		}
		c->in.len += (size_t)r;
		*got_r += (size_t)r;
		e->bytes_in += (uint64_t)r;
	}
	return 1;
}

/* Connecting and handshake.  Returns 1 when open, 0 when waiting, -1 on
 * failure. */
static int lg_conn_establish(struct lg_engine *e, struct lg_conn *c, uint32_t events)
{
	if (c->state == LG_CONN_CONNECTING) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return 0;
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
			return -1;
		if (!e->tls) {
			c->state = LG_CONN_OPEN;
			return 1;
		}
		c->ssl = SSL_new(e->tls);
		SSL_set_fd(c->ssl, c->fd);
		SSL_set_connect_state(c->ssl);
		c->state = LG_CONN_HANDSHAKE;
	}
	if (c->state == LG_CONN_HANDSHAKE) {
		ERR_clear_error(); /* SSL_get_error reads the shared error queue */
		int r = SSL_do_handshake(c->ssl);
		if (r == 1) {
			c->state = LG_CONN_OPEN;
			return 1;
		}
		int err = SSL_get_error(c->ssl, r);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
			return 0;
		ERR_clear_error();
		return -1;
	}
	return 1;
}

static void lg_conn_fail(struct lg_engine *e, struct lg_conn *c, enum rm_err why)
{
	lg_conn_close(e, c);
	e->on_close(e, c, why);
}

static void lg_conn_event(struct lg_engine *e, struct lg_conn *c, uint32_t events)
{
	if (c->state != LG_CONN_OPEN) {
		int r = lg_conn_establish(e, c, events);
		if (r < 0) {
			lg_conn_fail(e, c, RM_ERR_IO);
			return;
		}
		if (r == 0)
			return;
		uint32_t gen = c->gen;
		e->on_open(e, c);
		if (c->gen != gen)
			return;
	}
	if (lg_conn_flush(c) < 0) {
		lg_conn_fail(e, c, RM_ERR_IO);
		return;
	}
	for (;;) {
		size_t got;
		int r = lg_conn_fill(e, c, &got);
		uint32_t gen = c->gen;
		if (got > 0)
			e->on_input(e, c);
		if (c->gen != gen)
			return;
		if (r < 0)
			lg_conn_fail(e, c, RM_ERR_CLOSED);
		if (r != 1 || got == 0)
			return;
	}
}

int lg_engine_poll(struct lg_engine *e, int timeout_ms)
{
	struct epoll_event evs[LG_ENGINE_EVENTS];
	int n = epoll_wait(e->epfd, evs, LG_ENGINE_EVENTS, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (int i = 0; i < n; i++) {
		struct lg_conn *c = (struct lg_conn *)(uintptr_t)(evs[i].data.u64 & ((1ull << 48) - 1));
		uint32_t gen = (uint32_t)(evs[i].data.u64 >> 48);
		if (c->state == LG_CONN_CLOSED || (c->gen & 0xffffu) != gen)
			continue;
		lg_conn_event(e, c, evs[i].events);
	}
	return n;
}
