#include "server/auth/scram_server.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

#include "common/base64.h"
#include "common/util.h"
#include "server/auth/saslprep.h"

/* Random bytes of the server nonce: 24 encode to 32 base64 characters with
 * no padding (RFC 5802 asks for a nonce that differs every time; 192 bits). */
#define SCRAM_SNONCE_BYTES 24u
#define SCRAM_SNONCE_MAX_CHARS 64u

enum scram_state { SCRAM_START, SCRAM_HAVE_USER, SCRAM_SENT_FIRST, SCRAM_DONE, SCRAM_FAILED };

struct scram_server {
	enum scram_state state;
	const char *error;
	struct rm_buf gs2;       /* gs2-header as received, for the c= check */
	struct rm_buf nonce;     /* c-nonce, then c-nonce || s-nonce */
	struct rm_buf auth_msg;  /* client-first-bare "," server-first "," */
	char login[RM_AUTH_LOGIN_MAX_BYTES];
	size_t login_len;
	char fixed_snonce[SCRAM_SNONCE_MAX_CHARS + 1];
	struct scram_keys keys;
};

struct scram_server *scram_server_create(void)
{
	struct scram_server *s = rm_calloc(1, sizeof(*s));
	s->error = "";
	return s;
}

static void scram_buf_wipe(struct rm_buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->cap);
	rm_buf_free(b);
}

void scram_server_destroy(struct scram_server **sp)
{
	struct scram_server *s = *sp;
	if (!s)
		return;
	scram_buf_wipe(&s->gs2);
	scram_buf_wipe(&s->nonce);
	scram_buf_wipe(&s->auth_msg);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
	*sp = NULL;
}

void scram_server_fix_nonce(struct scram_server *s, const char *snonce)
{
	size_t n = strlen(snonce);
	RM_ASSERT(n > 0 && n <= SCRAM_SNONCE_MAX_CHARS);
	memcpy(s->fixed_snonce, snonce, n + 1);
}

const char *scram_server_error(const struct scram_server *s)
{
	return s->error;
}

static enum rm_err scram_fail(struct scram_server *s, enum rm_err err, const char *error)
{
	s->state = SCRAM_FAILED;
	s->error = error;
	return err;
}

/* A cursor over one message: attributes are "x=value" separated by ','. */
struct scram_cursor {
	const char *p, *end;
};

/* Takes the next ','-separated field (possibly empty); -1 at the end. */
static int scram_next_field(struct scram_cursor *c, const char **f, size_t *n)
{
	if (c->p > c->end)
		return -1;
	const char *comma = memchr(c->p, ',', (size_t)(c->end - c->p));
	const char *stop = comma ? comma : c->end;
	*f = c->p;
	*n = (size_t)(stop - c->p);
	c->p = stop + 1; /* one past end when this was the last field */
	return 0;
}

/* Takes the next field if it is the attribute `name=`; value in *v, *vn. */
static int scram_next_attr(struct scram_cursor *c, char name, const char **v, size_t *vn)
{
	const char *f;
	size_t n;
	if (scram_next_field(c, &f, &n) < 0 || n < 2 || f[0] != name || f[1] != '=')
		return -1;
	*v = f + 2;
	*vn = n - 2;
	return 0;
}

/* Optional extensions after the known attributes: each ALPHA "=" value. */
static int scram_check_extensions(struct scram_cursor *c)
{
	const char *f;
	size_t n;
	while (scram_next_field(c, &f, &n) == 0) {
		int alpha = (f[0] >= 'a' && f[0] <= 'z') || (f[0] >= 'A' && f[0] <= 'Z');
		if (n < 3 || !alpha || f[1] != '=')
			return -1;
	}
	return 0;
}

/* saslname (RFC 5802 §5.1): "=2C" is ',' and "=3D" is '='; any other '='
 * is an error.  Decodes into out (cap bytes). */
static int scram_decode_name(const char *v, size_t n, char *out, size_t cap, size_t *len_r)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = v[i];
		if (ch == '=') {
			if (i + 2 >= n)
				return -1;
			if (v[i + 1] == '2' && v[i + 2] == 'C')
				ch = ',';
			else if (v[i + 1] == '3' && v[i + 2] == 'D')
				ch = '=';
			else
				return -1;
			i += 2;
		}
		if (o == cap)
			return -1;
		out[o++] = ch;
	}
	*len_r = o;
	return 0;
}

static int scram_printable(const char *v, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x21 || v[i] > 0x7e || v[i] == ',')
			return 0;
	return 1;
}

/* gs2-header: ("n" / "y" / "p=" cb-name) "," [ "a=" saslname ] ",".
 * Leaves the cursor at client-first-message-bare. */
static enum rm_err scram_parse_gs2(struct scram_server *s, struct scram_cursor *c,
				   char *authzid, size_t *authzid_len)
{
	const char *f;
	size_t n;
	*authzid_len = 0;
	if (scram_next_field(c, &f, &n) < 0)
		return scram_fail(s, RM_ERR_SYNTAX, "invalid-encoding");
	if (n >= 2 && f[0] == 'p' && f[1] == '=')
		return scram_fail(s, RM_ERR_UNSUPPORTED, "channel-binding-not-supported");
	if (n != 1 || (f[0] != 'n' && f[0] != 'y'))
		return scram_fail(s, RM_ERR_SYNTAX, "invalid-encoding");
	if (scram_next_field(c, &f, &n) < 0 || c->p > c->end)
		return scram_fail(s, RM_ERR_SYNTAX, "invalid-encoding");
	if (n > 0 && (n < 3 || f[0] != 'a' || f[1] != '=' ||
		      scram_decode_name(f + 2, n - 2, authzid, RM_AUTH_LOGIN_MAX_BYTES,
					authzid_len) < 0 || *authzid_len == 0))
		return scram_fail(s, RM_ERR_SYNTAX, "invalid-username-encoding");
	return RM_OK;
}

/* n=saslname: decoded, SASLprep-ed, non-empty. */
static enum rm_err scram_parse_user(struct scram_server *s, struct scram_cursor *c)
{
	const char *v;
	size_t n;
	if (c->p < c->end && c->end - c->p >= 2 && c->p[0] == 'm' && c->p[1] == '=')
		return scram_fail(s, RM_ERR_UNSUPPORTED, "extensions-not-supported");
	if (scram_next_attr(c, 'n', &v, &n) < 0)
		return scram_fail(s, RM_ERR_SYNTAX, "invalid-encoding");
	if (scram_decode_name(v, n, s->login, sizeof(s->login), &s->login_len) < 0 ||
	    saslprep(s->login, s->login_len, s->login, &s->login_len) != RM_OK ||
	    s->login_len == 0)
		return scram_fail(s, RM_ERR_SYNTAX, "invalid-username-encoding");
	return RM_OK;
}

enum rm_err scram_server_client_first(struct scram_server *s, const uint8_t *msg, size_t len,
				      const char **login_r, size_t *login_len_r)
{
	RM_ASSERT(s->state == SCRAM_START);
	const char *m = (const char *)msg;
	if (len == 0 || len > RM_SASL_MSG_MAX_BYTES || memchr(m, '\0', len))
		return scram_fail(s, RM_ERR_SYNTAX, "invalid-encoding");
	struct scram_cursor c = { m, m + len };
	char authzid[RM_AUTH_LOGIN_MAX_BYTES];
	size_t authzid_len;
	enum rm_err err = scram_parse_gs2(s, &c, authzid, &authzid_len);
	if (err != RM_OK)
		return err;
	const char *bare = c.p;
	rm_buf_append(&s->gs2, m, (size_t)(bare - m));
	if ((err = scram_parse_user(s, &c)) != RM_OK)
		return err;
	const char *v;
	size_t n;
	if (scram_next_attr(&c, 'r', &v, &n) < 0 || !scram_printable(v, n) ||
	    scram_check_extensions(&c) < 0)
		return scram_fail(s, RM_ERR_SYNTAX, "invalid-encoding");
	/* No proxy authorization: an authzid must name the user itself. */
	if (authzid_len && (authzid_len != s->login_len ||
			    rm_strncasecmp_ascii(authzid, s->login, authzid_len) != 0))
		return scram_fail(s, RM_ERR_PERM, "other-error");
	rm_buf_append(&s->nonce, v, n);
	rm_buf_append(&s->auth_msg, bare, (size_t)(m + len - bare));
	rm_buf_putc(&s->auth_msg, ',');
	s->state = SCRAM_HAVE_USER;
	*login_r = s->login;
	*login_len_r = s->login_len;
	return RM_OK;
}

void scram_server_first(struct scram_server *s, const struct scram_keys *keys,
			struct rm_buf *out)
{
	RM_ASSERT(s->state == SCRAM_HAVE_USER);
	s->keys = *keys;
	if (s->fixed_snonce[0]) {
		rm_buf_puts(&s->nonce, s->fixed_snonce);
	} else {
		uint8_t rnd[SCRAM_SNONCE_BYTES];
		RM_ASSERT(RAND_bytes(rnd, sizeof(rnd)) == 1);
		base64_encode_buf(&s->nonce, rnd, sizeof(rnd));
	}
	size_t start = out->len;
	rm_buf_puts(out, "r=");
	rm_buf_append(out, s->nonce.data, s->nonce.len);
	rm_buf_puts(out, ",s=");
	base64_encode_buf(out, keys->salt, keys->salt_len);
	rm_buf_printf(out, ",i=%u", keys->iterations);
	rm_buf_append(&s->auth_msg, out->data + start, out->len - start);
	rm_buf_putc(&s->auth_msg, ',');
	s->state = SCRAM_SENT_FIRST;
}

/* c= must decode to exactly the gs2-header of client-first (no channel
 * binding data: we support none). */
static enum rm_err scram_check_binding(struct scram_server *s, const char *v, size_t n)
{
	uint8_t dec[BASE64_DECODED_MAX(RM_SASL_MSG_MAX_BYTES)];
	size_t dlen;
	if (n > BASE64_ENCODED_LEN(RM_SASL_MSG_MAX_BYTES) ||
	    base64_decode(v, n, dec, &dlen, BASE64_STRICT) != RM_OK)
		return scram_fail(s, RM_ERR_SYNTAX, "invalid-encoding");
	if (dlen != s->gs2.len || memcmp(dec, s->gs2.data, dlen) != 0)
		return scram_fail(s, RM_ERR_PERM, "channel-bindings-dont-match");
	return RM_OK;
}

/* ClientKey = proof XOR HMAC(StoredKey, AuthMessage); H(ClientKey) must be
 * StoredKey.  Appends "v=" ServerSignature on success. */
static enum rm_err scram_check_proof(struct scram_server *s, const uint8_t *proof,
				     struct rm_buf *out)
{
	uint8_t sig[SCRAM_KEY_BYTES], key[SCRAM_KEY_BYTES], stored[SCRAM_KEY_BYTES];
	unsigned int len = sizeof(sig);
	RM_ASSERT(HMAC(EVP_sha256(), s->keys.stored_key, SCRAM_KEY_BYTES,
		       (const uint8_t *)s->auth_msg.data, s->auth_msg.len, sig, &len) != NULL);
	for (size_t i = 0; i < SCRAM_KEY_BYTES; i++)
		key[i] = proof[i] ^ sig[i];
	SHA256(key, sizeof(key), stored);
	int ok = CRYPTO_memcmp(stored, s->keys.stored_key, SCRAM_KEY_BYTES) == 0;
	OPENSSL_cleanse(key, sizeof(key));
	if (!ok)
		return scram_fail(s, RM_ERR_PERM, "invalid-proof");
	RM_ASSERT(HMAC(EVP_sha256(), s->keys.server_key, SCRAM_KEY_BYTES,
		       (const uint8_t *)s->auth_msg.data, s->auth_msg.len, sig, &len) != NULL);
	rm_buf_puts(out, "v=");
	base64_encode_buf(out, sig, sizeof(sig));
	s->state = SCRAM_DONE;
	return RM_OK;
}

/* The proof is the last attribute: returns the offset of ",p=" or 0. */
static size_t scram_find_proof(const char *m, size_t len)
{
	for (size_t i = len; i-- > 0;)
		if (m[i] == ',')
			return i + 3 <= len && m[i + 1] == 'p' && m[i + 2] == '=' ? i : 0;
	return 0;
}

enum rm_err scram_server_client_final(struct scram_server *s, const uint8_t *msg, size_t len,
				      struct rm_buf *out)
{
	RM_ASSERT(s->state == SCRAM_SENT_FIRST);
	const char *m = (const char *)msg;
	size_t pos;
	if (len == 0 || len > RM_SASL_MSG_MAX_BYTES || memchr(m, '\0', len) ||
	    (pos = scram_find_proof(m, len)) == 0)
		return scram_fail(s, RM_ERR_SYNTAX, "invalid-encoding");
	struct scram_cursor c = { m, m + pos };
	const char *v;
	size_t n;
	if (scram_next_attr(&c, 'c', &v, &n) < 0)
		return scram_fail(s, RM_ERR_SYNTAX, "invalid-encoding");
	enum rm_err err = scram_check_binding(s, v, n);
	if (err != RM_OK)
		return err;
	if (scram_next_attr(&c, 'r', &v, &n) < 0 || scram_check_extensions(&c) < 0)
		return scram_fail(s, RM_ERR_SYNTAX, "invalid-encoding");
	if (n != s->nonce.len || memcmp(v, s->nonce.data, n) != 0)
		return scram_fail(s, RM_ERR_PERM, "other-error");
	uint8_t proof[BASE64_DECODED_MAX(BASE64_ENCODED_LEN(SCRAM_KEY_BYTES))];
	size_t plen;
	const char *p64 = m + pos + 3;
	size_t p64_len = len - pos - 3;
	if (p64_len != BASE64_ENCODED_LEN(SCRAM_KEY_BYTES) ||
	    base64_decode(p64, p64_len, proof, &plen, BASE64_STRICT) != RM_OK ||
	    plen != SCRAM_KEY_BYTES)
		return scram_fail(s, RM_ERR_SYNTAX, "invalid-encoding");
	rm_buf_append(&s->auth_msg, m, pos);
	return scram_check_proof(s, proof, out);
}
