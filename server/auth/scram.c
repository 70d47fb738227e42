#include "server/auth/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/util.h"
#include "server/auth/pwscheme.h"
#include "server/auth/saslprep.h"

/* ---- secret and keys ---------------------------------------------------- */

static uint8_t scram_secret[64];
static size_t scram_secret_len;
static pthread_once_t scram_secret_once = PTHREAD_ONCE_INIT;

void scram_secret_set(const void *secret, size_t len)
{
	/* Longer secrets are hashed down, as HMAC itself would do. */
	if (len > sizeof(scram_secret)) {
		SHA256(secret, len, scram_secret);
		scram_secret_len = SHA256_DIGEST_LENGTH;
	} else {
		memcpy(scram_secret, secret, len);
		scram_secret_len = len;
	}
}

static void scram_secret_random(void)
{
	if (scram_secret_len != 0)
		return;
	RM_ASSERT(RAND_bytes(scram_secret, 32) == 1);
	scram_secret_len = 32;
}

static void scram_hmac(const uint8_t *key, size_t key_len, const void *msg, size_t len,
		       uint8_t out[SCRAM_KEY_BYTES])
{
	unsigned int out_len = SCRAM_KEY_BYTES;
	RM_ASSERT(HMAC(EVP_sha256(), key, (int)key_len, msg, len, out, &out_len) != NULL);
}

/* HMAC(secret, label || lower-case(login)). */
static void scram_secret_mac(const char *label, const char *login, size_t login_len,
			     uint8_t out[SCRAM_KEY_BYTES])
{
	pthread_once(&scram_secret_once, scram_secret_random);
	char msg[64 + RM_AUTH_LOGIN_MAX_BYTES];
	size_t label_len = strlen(label);
	RM_ASSERT(label_len < 64);
	size_t n = RM_MIN(login_len, (size_t)RM_AUTH_LOGIN_MAX_BYTES);
	memcpy(msg, label, label_len);
	for (size_t i = 0; i < n; i++)
		msg[label_len + i] = rm_lower(login[i]);
	scram_hmac(scram_secret, scram_secret_len, msg, label_len + n, out);
}

void scram_salt_for_login(const char *login, size_t login_len,
			  uint8_t salt[SCRAM_DERIVED_SALT_BYTES])
{
	uint8_t mac[SCRAM_KEY_BYTES];
	scram_secret_mac("ringmail scram salt\n", login, login_len, mac);
	memcpy(salt, mac, SCRAM_DERIVED_SALT_BYTES);
}

void scram_keys_mock(const char *login, size_t login_len, struct scram_keys *r)
{
	memset(r, 0, sizeof(*r));
	r->iterations = RM_SCRAM_ITERATIONS_DEFAULT;
	r->salt_len = SCRAM_DERIVED_SALT_BYTES;
	scram_salt_for_login(login, login_len, r->salt);
	scram_secret_mac("ringmail scram mock stored\n", login, login_len, r->stored_key);
	scram_secret_mac("ringmail scram mock server\n", login, login_len, r->server_key);
}

enum rm_err scram_keys_derive(const char *password, size_t len, const uint8_t *salt,
			      size_t salt_len, uint32_t iterations, struct scram_keys *r)
{
	if (salt_len > RM_SCRAM_SALT_MAX_BYTES || iterations == 0 ||
	    iterations > RM_SCRAM_ITERATIONS_MAX || len > RM_AUTH_PASSWORD_MAX_BYTES)
		return RM_ERR_INVAL;
	char prepared[RM_AUTH_PASSWORD_MAX_BYTES];
	size_t plen = 0;
	enum rm_err err = saslprep(password, len, prepared, &plen);
	if (err != RM_OK) {
		OPENSSL_cleanse(prepared, sizeof(prepared));
		return err;
	}
	uint8_t salted[SCRAM_KEY_BYTES], client_key[SCRAM_KEY_BYTES];
	int ok = PKCS5_PBKDF2_HMAC(prepared, (int)plen, salt, (int)salt_len, (int)iterations,
				   EVP_sha256(), sizeof(salted), salted);
	OPENSSL_cleanse(prepared, sizeof(prepared));
	RM_ASSERT(ok == 1);
	memset(r, 0, sizeof(*r));
	r->iterations = iterations;
	r->salt_len = salt_len;
	memcpy(r->salt, salt, salt_len);
	scram_hmac(salted, sizeof(salted), "Client Key", 10, client_key);
	scram_hmac(salted, sizeof(salted), "Server Key", 10, r->server_key);
	SHA256(client_key, sizeof(client_key), r->stored_key);
	OPENSSL_cleanse(salted, sizeof(salted));
	OPENSSL_cleanse(client_key, sizeof(client_key));
	return RM_OK;
}

/* Decodes one base64 field of exactly want bytes (0: up to cap). */
static int scram_b64_field(const char *s, size_t n, uint8_t *out, size_t cap, size_t want,
			   size_t *len_r)
{
	uint8_t tmp[RM_SCRAM_SALT_MAX_BYTES + 4]; /* n <= encoded_len(cap): <= cap + 2 */
	size_t len;
	if (n > BASE64_ENCODED_LEN(cap) ||
	    base64_decode(s, n, tmp, &len, BASE64_STRICT) != RM_OK || len == 0 || len > cap ||
	    (want && len != want))
		return -1;
	memcpy(out, tmp, len);
	if (len_r)
		*len_r = len;
	return 0;
}

/* Parses a positive decimal without sign or leading zero, at most max. */
static int scram_parse_count(const char *s, size_t n, uint32_t max, uint32_t *r)
{
	uint64_t v = 0;
	if (n == 0 || n > 10 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*r = (uint32_t)v;
	return 0;
}

enum rm_err scram_keys_parse(const char *data, size_t len, struct scram_keys *r)
{
	const char *f[4];
	size_t flen[4];
	size_t start = 0, nf = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && data[i] != ',')
			continue;
		if (nf == 4)
			return RM_ERR_SYNTAX;
		f[nf] = data + start;
		flen[nf++] = i - start;
		start = i + 1;
	}
	memset(r, 0, sizeof(*r));
	if (nf != 4 || scram_parse_count(f[0], flen[0], RM_SCRAM_ITERATIONS_MAX, &r->iterations) ||
	    scram_b64_field(f[1], flen[1], r->salt, sizeof(r->salt), 0, &r->salt_len) ||
	    scram_b64_field(f[2], flen[2], r->stored_key, SCRAM_KEY_BYTES, SCRAM_KEY_BYTES, NULL) ||
	    scram_b64_field(f[3], flen[3], r->server_key, SCRAM_KEY_BYTES, SCRAM_KEY_BYTES, NULL))
		return RM_ERR_SYNTAX;
	return RM_OK;
}

void scram_keys_format(const struct scram_keys *k, struct rm_buf *out)
{
	rm_buf_printf(out, "%u,", k->iterations);
	base64_encode_buf(out, k->salt, k->salt_len);
	rm_buf_putc(out, ',');
	base64_encode_buf(out, k->stored_key, SCRAM_KEY_BYTES);
	rm_buf_putc(out, ',');
	base64_encode_buf(out, k->server_key, SCRAM_KEY_BYTES);
}

static int scram_stored_is_plain(const struct pwscheme_stored *st)
{
	return pwscheme_name_is(st, "PLAIN") || pwscheme_name_is(st, "CLEARTEXT");
}

bool scram_keys_costly(const char *stored)
{
	struct pwscheme_stored st;
	pwscheme_split(stored, &st);
	return scram_stored_is_plain(&st);
}

enum rm_err scram_keys_from_stored(const char *login, size_t login_len, const char *stored,
				   struct scram_keys *r)
{
	struct pwscheme_stored st;
	pwscheme_split(stored, &st);
	if (pwscheme_name_is(&st, "SCRAM-SHA-256"))
		return scram_keys_parse(st.data, strlen(st.data), r);
	if (!scram_stored_is_plain(&st))
		return RM_ERR_UNSUPPORTED;
	uint8_t salt[SCRAM_DERIVED_SALT_BYTES];
	scram_salt_for_login(login, login_len, salt);
	enum rm_err err = scram_keys_derive(st.data, strlen(st.data), salt, sizeof(salt),
					    RM_SCRAM_ITERATIONS_DEFAULT, r);
	return err == RM_ERR_INVAL ? RM_ERR_SYNTAX : err;
}
