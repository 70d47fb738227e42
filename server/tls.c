#include "server/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "common/log.h"
#include "common/util.h"

struct tls_ctx {
	SSL_CTX *ssl_ctx;
	atomic_uint refs;
};

struct tls_conn {
	struct tls_ctx *ctx;
	SSL *ssl;
	BIO *rbio;   /* ciphertext from the peer */
	BIO *wbio;   /* ciphertext to the peer */
	bool dead;
	bool notified; /* close_notify queued */
};

static void log_ssl_errors(const char *event, const char *what)
{
	unsigned long e;
	char buf[256];
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		rm_log(RM_LOG_ERROR, event, "what=%s reason=\"%s\"", what, buf);
	}
}

enum rm_err tls_ctx_load(const char *cert_path, const char *key_path, struct tls_ctx **r)
{
	SSL_CTX *c = SSL_CTX_new(TLS_server_method());
	if (!c) {
		log_ssl_errors("tls_ctx_failed", "SSL_CTX_new");
		return RM_ERR_NOMEM;
	}
	SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
	SSL_CTX_set_options(c, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET |
			       SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
	/* Idle connections give their 16 KiB record buffers back. */
	SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
			    SSL_MODE_ENABLE_PARTIAL_WRITE);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_use_certificate_chain_file(c, cert_path) != 1) {
		log_ssl_errors("tls_cert_failed", cert_path);
		SSL_CTX_free(c);
		return RM_ERR_INVAL;
	}
	if (SSL_CTX_use_PrivateKey_file(c, key_path, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(c) != 1) {
		log_ssl_errors("tls_key_failed", key_path);
		SSL_CTX_free(c);
		return RM_ERR_INVAL;
	}
	struct tls_ctx *ctx = rm_calloc(1, sizeof(*ctx));
	ctx->ssl_ctx = c;
	atomic_init(&ctx->refs, 1);
	*r = ctx;
	return RM_OK;
}

void tls_ctx_ref(struct tls_ctx *ctx)
{
	atomic_fetch_add(&ctx->refs, 1);
}

void tls_ctx_unref(struct tls_ctx **ctx)
{
	if (!*ctx)
		return;
	if (atomic_fetch_sub(&(*ctx)->refs, 1) == 1) {
		SSL_CTX_free((*ctx)->ssl_ctx);
		free(*ctx);
	}
	*ctx = NULL;
}

struct tls_conn *tls_conn_new(struct tls_ctx *ctx)
{
	struct tls_conn *tc = rm_calloc(1, sizeof(*tc));
	tc->ssl = SSL_new(ctx->ssl_ctx);
	RM_ASSERT(tc->ssl != NULL);
	tc->rbio = BIO_new(BIO_s_mem());
	tc->wbio = BIO_new(BIO_s_mem());
	RM_ASSERT(tc->rbio && tc->wbio);
	/* An empty read BIO means "want more", not EOF. */
	BIO_set_mem_eof_return(tc->rbio, -1);
	BIO_set_mem_eof_return(tc->wbio, -1);
	SSL_set_bio(tc->ssl, tc->rbio, tc->wbio);
	SSL_set_accept_state(tc->ssl);
	tls_ctx_ref(ctx);
	tc->ctx = ctx;
	return tc;
}

void tls_conn_free(struct tls_conn **tc)
{
	if (!*tc)
		return;
	SSL_free((*tc)->ssl); /* frees both BIOs */
	tls_ctx_unref(&(*tc)->ctx);
	free(*tc);
	*tc = NULL;
}

enum rm_err tls_conn_read_more(struct tls_conn *tc, tls_plain_fn *fn, void *arg)
{
	char buf[16384];
	if (tc->dead)
		return RM_ERR_CLOSED;
	/* SSL_get_error reads the thread's error queue: an entry left by
	 * another connection must not turn a WANT_READ here into a failure. */
	ERR_clear_error();
	for (;;) {
		size_t got = 0;
		int rc = SSL_read_ex(tc->ssl, buf, sizeof(buf), &got);
		if (rc == 1) {
			if (!fn(arg, buf, got))
				return RM_OK;
			continue;
		}
		int err = SSL_get_error(tc->ssl, rc);
		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
			return RM_OK;
		if (err != SSL_ERROR_ZERO_RETURN)
			log_ssl_errors("tls_error", "read");
		ERR_clear_error();
		tc->dead = true;
		return RM_ERR_CLOSED;
	}
}

enum rm_err tls_conn_input(struct tls_conn *tc, const char *data, size_t len,
			   tls_plain_fn *fn, void *arg)
{
	if (tc->dead)
		return RM_ERR_CLOSED;
	if (len) {
		int n = BIO_write(tc->rbio, data, (int)len);
		RM_ASSERT(n == (int)len);
	}
	return tls_conn_read_more(tc, fn, arg);
}

enum rm_err tls_conn_write(struct tls_conn *tc, const char *data, size_t len)
{
	if (tc->dead)
		return RM_ERR_CLOSED;
	ERR_clear_error();
	while (len) {
		size_t done = 0;
		int rc = SSL_write_ex(tc->ssl, data, len, &done);
		if (rc != 1) {
			int err = SSL_get_error(tc->ssl, rc);
			/* Before the handshake finishes nothing is accepted;
			 * conn.c holds plaintext until tls_conn_handshake_done. */
			if (err == SSL_ERROR_WANT_READ)
				return RM_ERR_AGAIN;
			log_ssl_errors("tls_error", "write");
			tc->dead = true;
			return RM_ERR_CLOSED;
		}
		data += done;
		len -= done;
	}
	return RM_OK;
}

void tls_conn_close_notify(struct tls_conn *tc)
{
	if (tc->dead || tc->notified || !SSL_is_init_finished(tc->ssl))
		return;
	tc->notified = true;
	ERR_clear_error();
	/* The first call only writes our close_notify into the memory BIO;
	 * the peer's answer is not waited for (RFC 8446 §6.1 allows closing
	 * right after sending it). */
	(void)SSL_shutdown(tc->ssl);
	ERR_clear_error();
}

void tls_conn_take_output(struct tls_conn *tc, struct rm_buf *out)
{
	size_t pending = BIO_ctrl_pending(tc->wbio);
	if (!pending)
		return;
	rm_buf_reserve(out, pending);
	int n = BIO_read(tc->wbio, out->data + out->len, (int)pending);
	if (n > 0)
		out->len += (size_t)n;
}

bool tls_conn_has_output(const struct tls_conn *tc)
{
	return BIO_ctrl_pending(tc->wbio) > 0;
}

bool tls_conn_handshake_done(const struct tls_conn *tc)
{
	return SSL_is_init_finished(tc->ssl);
}

const char *tls_conn_version(const struct tls_conn *tc)
{
	return SSL_get_version(tc->ssl);
}

const char *tls_conn_cipher(const struct tls_conn *tc)
{
	return SSL_get_cipher_name(tc->ssl);
}
