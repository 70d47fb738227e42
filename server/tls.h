/*
 * tls.h — TLS through OpenSSL 3 memory BIOs: the ring moves ciphertext, this
 * module turns it into plaintext and back.  No socket is ever given to
 * OpenSSL.
 *
 * struct tls_ctx wraps an SSL_CTX (TLS 1.2 minimum, server preference,
 * session tickets off so no ticket key needs rotating across workers).  It
 * is reference counted: SIGHUP loads a new one and swaps it in; connections
 * keep the one they started with.
 */
#ifndef RM_TLS_H
#define RM_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/err.h"

struct tls_ctx;
struct tls_conn;

/** Loads certificate chain and key (PEM).  Errors are logged with
 * OpenSSL's reason.  The new context has one reference. */
enum rm_err tls_ctx_load(const char *cert_path, const char *key_path, struct tls_ctx **r);
void tls_ctx_ref(struct tls_ctx *ctx);
void tls_ctx_unref(struct tls_ctx **ctx);

/** A server-side TLS session on ctx (takes a reference). */
struct tls_conn *tls_conn_new(struct tls_ctx *ctx);
void tls_conn_free(struct tls_conn **tc);

/** Callback for decrypted bytes; returns false to stop reading (the
 * consumer will call tls_conn_read_more later). */
typedef bool tls_plain_fn(void *arg, const char *data, size_t len);

/** Feeds ciphertext from the socket and delivers every plaintext byte it
 * yields to fn.  Handshake records produced are queued for output.
 * Returns RM_OK, or RM_ERR_CLOSED on a fatal TLS error or close_notify. */
enum rm_err tls_conn_input(struct tls_conn *tc, const char *data, size_t len,
			   tls_plain_fn *fn, void *arg);
/** Delivers plaintext already decrypted but not taken because fn returned
 * false. */
enum rm_err tls_conn_read_more(struct tls_conn *tc, tls_plain_fn *fn, void *arg);

/** Encrypts plaintext; the records join the pending output. */
enum rm_err tls_conn_write(struct tls_conn *tc, const char *data, size_t len);

/** Queues a close_notify alert (once, after the handshake): the server
 * says it is done writing before it closes the socket, so the client can
 * tell a clean end from a truncation. */
void tls_conn_close_notify(struct tls_conn *tc);

/** Moves pending ciphertext (handshake records, application data) into
 * out. */
void tls_conn_take_output(struct tls_conn *tc, struct rm_buf *out);
bool tls_conn_has_output(const struct tls_conn *tc);
bool tls_conn_handshake_done(const struct tls_conn *tc);
/** Negotiated protocol and cipher, for logs ("TLSv1.3", "TLS_AES_...").*/
const char *tls_conn_version(const struct tls_conn *tc);
const char *tls_conn_cipher(const struct tls_conn *tc);

#endif
