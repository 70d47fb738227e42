/*
 * loadgen_conn.h — the load generator's connection engine: one epoll set,
 * non-blocking TCP to loopback, optional TLS (OpenSSL on the socket), input
 * and output buffers per connection.
 *
 * Callbacks run from lg_engine_poll().  A callback may send on, close, or
 * close and reconnect the connection it was given; the engine never touches
 * a connection after a callback returns in the same event.  Events for a
 * closed connection that are still in the poll batch are recognised by a
 * generation number carried in the epoll data and dropped.
 */
#ifndef RM_BENCH_LOADGEN_CONN_H
#define RM_BENCH_LOADGEN_CONN_H

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

enum lg_conn_state { LG_CONN_CLOSED, LG_CONN_CONNECTING, LG_CONN_HANDSHAKE, LG_CONN_OPEN };

struct lg_conn {
	int fd;
	SSL *ssl;
	enum lg_conn_state state;
	uint32_t gen;        /* bumped at every connect and close */
	struct rm_buf in;    /* received, not yet consumed: bytes [in_off, in.len) */
	size_t in_off;
	struct rm_buf out;   /* queued, not yet written: bytes [out_off, out.len) */
	size_t out_off;
};

struct lg_engine;
typedef void lg_conn_fn(struct lg_engine *e, struct lg_conn *c);
typedef void lg_conn_close_fn(struct lg_engine *e, struct lg_conn *c, enum rm_err why);

struct lg_engine {
	int epfd;
	SSL_CTX *tls;          /* NULL: plaintext */
	unsigned open_count;   /* connections not CLOSED */
	uint64_t bytes_in;
	lg_conn_fn *on_open;   /* TCP (and TLS) established */
	lg_conn_fn *on_input;  /* new bytes in c->in */
	lg_conn_close_fn *on_close; /* after the socket was closed (not on lg_conn_close) */
};

/** Creates the epoll set and, with tls, a client TLS context (TLS 1.2+,
 * no certificate verification: loopback only).  Returns RM_OK or RM_ERR_IO. */
enum rm_err lg_engine_init(struct lg_engine *e, bool tls);
/** Releases the epoll set and TLS context (connections must be closed). */
void lg_engine_fini(struct lg_engine *e);

/** Raises RLIMIT_NOFILE to as many descriptors as the system allows;
 * returns the new soft limit. */
uint64_t lg_engine_raise_nofile(void);

/** Starts a non-blocking connect to dst, from src (port chosen by the
 * kernel, IP_BIND_ADDRESS_NO_PORT) when src is not NULL.  c must be CLOSED;
 * its buffers are kept for reuse.  RM_ERR_IO when the socket cannot be made
 * (EMFILE, EADDRNOTAVAIL): nothing is left open then. */
enum rm_err lg_conn_connect(struct lg_engine *e, struct lg_conn *c,
			    const struct sockaddr_in *dst, const struct in_addr *src);

/** Queues bytes and writes what the socket takes now. */
void lg_conn_send(struct lg_engine *e, struct lg_conn *c, const void *p, size_t n);

/** Closes the socket (no callback); buffers are emptied but kept. */
void lg_conn_close(struct lg_engine *e, struct lg_conn *c);

/** Frees a closed connection's buffers. */
void lg_conn_free_buffers(struct lg_conn *c);

/** Waits up to timeout_ms for events and dispatches them.  Returns the
 * number of events or -1 when epoll_wait failed (not EINTR). */
int lg_engine_poll(struct lg_engine *e, int timeout_ms);

#endif
