#include "server/auth/pwscheme.h"

#include <argon2.h>
#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/base64.h"
#include "common/limits.h"
#include "common/util.h"
#include "server/auth/scram.h"

/* Random salt bytes for the schemes pwscheme_make writes. */
#define PWSCHEME_SALT_BYTES 16u
#define PWSCHEME_ARGON2_HASH_BYTES 32u

struct pwscheme_def;
typedef enum pwscheme_result pwscheme_verify_fn(const struct pwscheme_def *def,
						const char *data, const char *enc,
						const char *pw, size_t pwlen);
/* Writes the data part (after "{NAME}") into out. */
typedef enum rm_err pwscheme_make_fn(const char *pw, size_t pwlen, struct rm_buf *out);

struct pwscheme_def {
	const char *name;
	pwscheme_verify_fn *verify;
	pwscheme_make_fn *make;  /* NULL: verify only */
	const char *digest;      /* digest schemes: OpenSSL digest name */
	int param;               /* digest: salted; argon2: argon2_type */
};

void pwscheme_split(const char *stored, struct pwscheme_stored *r)
{
	const char *close = stored[0] == '{' ? strchr(stored, '}') : NULL;
	if (!close) {
		r->name = "CRYPT";
		r->name_len = 5;
		r->data = stored;
		return;
	}
	r->name = stored + 1;
	r->name_len = (size_t)(close - stored - 1);
	r->data = close + 1;
}

int pwscheme_name_is(const struct pwscheme_stored *s, const char *scheme)
{
	return rm_word_eq(s->name, s->name_len, scheme);
}

/* Equal-length comparison of two digests so that PLAIN leaks no length. */
static enum pwscheme_result pwscheme_digest_eq(const void *a, size_t alen, const void *b,
					       size_t blen)
{
	uint8_t da[SHA256_DIGEST_LENGTH], db[SHA256_DIGEST_LENGTH];
	SHA256(a, alen, da);
	SHA256(b, blen, db);
	return CRYPTO_memcmp(da, db, sizeof(da)) == 0 ? PWSCHEME_MATCH : PWSCHEME_MISMATCH;
}

static enum pwscheme_result verify_plain(const struct pwscheme_def *def, const char *data,
					 const char *enc, const char *pw, size_t pwlen)
{
	return pwscheme_digest_eq(data, strlen(data), pw, pwlen);
}

static enum rm_err make_plain(const char *pw, size_t pwlen, struct rm_buf *out)
{
	/* The passwd-file is line- and ':'-structured: such a password cannot
	 * be stored in the clear. */
	if (memchr(pw, '\n', pwlen) || memchr(pw, '\r', pwlen) || memchr(pw, ':', pwlen) ||
	    memchr(pw, '\0', pwlen))
		return RM_ERR_INVAL;
	rm_buf_append(out, pw, pwlen);
	return RM_OK;
}

/* ---- crypt(3) ----------------------------------------------------------- */

static enum pwscheme_result verify_crypt(const struct pwscheme_def *def, const char *data,
					 const char *enc, const char *pw, size_t pwlen)
{
	if (memchr(pw, '\0', pwlen) || pwlen >= CRYPT_MAX_PASSPHRASE_SIZE)
		return PWSCHEME_MISMATCH;
	struct crypt_data *cd = rm_calloc(1, sizeof(*cd));
	memcpy(cd->input, pw, pwlen);
	cd->input[pwlen] = '\0';
	const char *h = crypt_r(cd->input, data, cd);
	enum pwscheme_result res;
	size_t hlen = h ? strlen(h) : 0;
	if (!h || h[0] == '*')
		res = PWSCHEME_INVALID;
	else if (hlen == strlen(data) && CRYPTO_memcmp(h, data, hlen) == 0)
		res = PWSCHEME_MATCH;
	else
		res = PWSCHEME_MISMATCH;
	OPENSSL_cleanse(cd, sizeof(*cd));
	free(cd);
	return res;
}

static enum rm_err make_crypt(const char *prefix, unsigned long count, const char *pw,
			      size_t pwlen, struct rm_buf *out)
{
	if (memchr(pw, '\0', pwlen) || pwlen >= CRYPT_MAX_PASSPHRASE_SIZE)
		return RM_ERR_INVAL;
	uint8_t rnd[PWSCHEME_SALT_BYTES];
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return RM_ERR_IO;
	struct crypt_data *cd = rm_calloc(1, sizeof(*cd));
	enum rm_err err = RM_ERR_IO;
	if (crypt_gensalt_rn(prefix, count, (const char *)rnd, sizeof(rnd), cd->setting,
			     sizeof(cd->setting))) {
		memcpy(cd->input, pw, pwlen);
		cd->input[pwlen] = '\0';
		const char *h = crypt_r(cd->input, cd->setting, cd);
		if (h && h[0] != '*') {
			rm_buf_puts(out, h);
			err = RM_OK;
		}
	}
	OPENSSL_cleanse(cd, sizeof(*cd));
	free(cd);
	return err;
}

static enum rm_err make_sha512_crypt(const char *pw, size_t pwlen, struct rm_buf *out)
{
	return make_crypt("$6$", 0, pw, pwlen, out);
}

static enum rm_err make_blf_crypt(const char *pw, size_t pwlen, struct rm_buf *out)
{
	return make_crypt("$2y$", PWSCHEME_BCRYPT_COST, pw, pwlen, out);
}

/* ---- Argon2 ------------------------------------------------------------- */

static enum pwscheme_result verify_argon2(const struct pwscheme_def *def, const char *data,
					  const char *enc, const char *pw, size_t pwlen)
{
	int rc = argon2_verify(data, pw, pwlen, (argon2_type)def->param);
	if (rc == ARGON2_OK)
		return PWSCHEME_MATCH;
	return rc == ARGON2_VERIFY_MISMATCH ? PWSCHEME_MISMATCH : PWSCHEME_INVALID;
}

static enum rm_err make_argon2id(const char *pw, size_t pwlen, struct rm_buf *out)
{
	uint8_t salt[PWSCHEME_SALT_BYTES];
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return RM_ERR_IO;
	size_t cap = argon2_encodedlen(PWSCHEME_ARGON2_T, PWSCHEME_ARGON2_M_KIB,
				       PWSCHEME_ARGON2_P, sizeof(salt),
				       PWSCHEME_ARGON2_HASH_BYTES, Argon2_id) + 1;
	rm_buf_reserve(out, cap);
	int rc = argon2id_hash_encoded(PWSCHEME_ARGON2_T, PWSCHEME_ARGON2_M_KIB,
				       PWSCHEME_ARGON2_P, pw, pwlen, salt, sizeof(salt),
				       PWSCHEME_ARGON2_HASH_BYTES, out->data + out->len, cap);
	if (rc != ARGON2_OK)
		return RM_ERR_IO;
	out->len += strlen(out->data + out->len);
	return RM_OK;
}

/* ---- digests: SHA, SSHA, SHA256, SSHA256, SHA512, SSHA512 --------------- */

/* Stored digest data is at most a SHA-512 digest plus a salt. */
#define PWSCHEME_DIGEST_DATA_MAX_BYTES 256u

static int pwscheme_hex_decode(const char *s, size_t n, uint8_t *out, size_t cap,
			       size_t *len_r)
{
	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int v = 0;
		for (size_t k = 0; k < 2; k++) {
			char c = rm_lower(s[i + k]);
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			if (d < 0)
				return -1;
			v = v << 4 | d;
		}
		out[i / 2] = (uint8_t)v;
	}
	*len_r = n / 2;
	return 0;
}

/* Decodes the data of a digest scheme per its encoding suffix. */
static int pwscheme_digest_decode(const char *data, const char *enc, uint8_t *out,
				  size_t *len_r)
{
	size_t n = strlen(data);
	if (enc && strcasecmp(enc, "HEX") == 0)
		return pwscheme_hex_decode(data, n, out, PWSCHEME_DIGEST_DATA_MAX_BYTES, len_r);
	if (enc && strcasecmp(enc, "B64") != 0 && strcasecmp(enc, "BASE64") != 0)
		return -1;
	if (n > BASE64_ENCODED_LEN(PWSCHEME_DIGEST_DATA_MAX_BYTES) - 4)
		return -1;
	return base64_decode(data, n, out, len_r, BASE64_STRICT) == RM_OK ? 0 : -1;
}

static enum pwscheme_result verify_digest(const struct pwscheme_def *def, const char *data,
					  const char *enc, const char *pw, size_t pwlen)
{
	uint8_t raw[PWSCHEME_DIGEST_DATA_MAX_BYTES + 4];
	size_t len;
	const EVP_MD *md = EVP_get_digestbyname(def->digest);
	RM_ASSERT(md != NULL);
	size_t dlen = (size_t)EVP_MD_get_size(md);
	if (pwscheme_digest_decode(data, enc, raw, &len) < 0 ||
	    (def->param ? len <= dlen : len != dlen))
		return PWSCHEME_INVALID;
	uint8_t digest[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	RM_ASSERT(ctx != NULL);
	int ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, pw, pwlen) == 1 &&
		 EVP_DigestUpdate(ctx, raw + dlen, len - dlen) == 1 &&
		 EVP_DigestFinal_ex(ctx, digest, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	RM_ASSERT(ok);
	int eq = CRYPTO_memcmp(digest, raw, dlen) == 0;
	OPENSSL_cleanse(digest, sizeof(digest));
	return eq ? PWSCHEME_MATCH : PWSCHEME_MISMATCH;
}

/* ---- SCRAM-SHA-256 ------------------------------------------------------ */

static enum pwscheme_result verify_scram(const struct pwscheme_def *def, const char *data,
					 const char *enc, const char *pw, size_t pwlen)
{
	struct scram_keys stored, derived;
	if (scram_keys_parse(data, strlen(data), &stored) != RM_OK)
		return PWSCHEME_INVALID;
	if (scram_keys_derive(pw, pwlen, stored.salt, stored.salt_len, stored.iterations,
			      &derived) != RM_OK)
		return PWSCHEME_MISMATCH; /* SASLprep refused it: no key can match */
	int eq = CRYPTO_memcmp(derived.stored_key, stored.stored_key, SCRAM_KEY_BYTES) == 0 &&
		 CRYPTO_memcmp(derived.server_key, stored.server_key, SCRAM_KEY_BYTES) == 0;
	OPENSSL_cleanse(&derived, sizeof(derived));
	return eq ? PWSCHEME_MATCH : PWSCHEME_MISMATCH;
}

static enum rm_err make_scram(const char *pw, size_t pwlen, struct rm_buf *out)
{
	uint8_t salt[PWSCHEME_SALT_BYTES];
	struct scram_keys k;
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return RM_ERR_IO;
	enum rm_err err = scram_keys_derive(pw, pwlen, salt, sizeof(salt),
					    RM_SCRAM_ITERATIONS_DEFAULT, &k);
	if (err != RM_OK)
		return RM_ERR_INVAL;
	scram_keys_format(&k, out);
	OPENSSL_cleanse(&k, sizeof(k));
	return RM_OK;
}

/* ---- the table ---------------------------------------------------------- */

static const struct pwscheme_def pwscheme_defs[] = {
	{ "PLAIN", verify_plain, make_plain, NULL, 0 },
	{ "CLEARTEXT", verify_plain, NULL, NULL, 0 },
	{ "CRYPT", verify_crypt, NULL, NULL, 0 },
	{ "MD5-CRYPT", verify_crypt, NULL, NULL, 0 },
	{ "SHA256-CRYPT", verify_crypt, NULL, NULL, 0 },
	{ "SHA512-CRYPT", verify_crypt, make_sha512_crypt, NULL, 0 },
	{ "BLF-CRYPT", verify_crypt, make_blf_crypt, NULL, 0 },
	{ "ARGON2ID", verify_argon2, make_argon2id, NULL, Argon2_id },
	{ "ARGON2I", verify_argon2, NULL, NULL, Argon2_i },
	{ "SHA", verify_digest, NULL, "SHA1", 0 },
	{ "SHA1", verify_digest, NULL, "SHA1", 0 },
	{ "SHA256", verify_digest, NULL, "SHA256", 0 },
	{ "SHA512", verify_digest, NULL, "SHA512", 0 },
	{ "SSHA", verify_digest, NULL, "SHA1", 1 },
	{ "SSHA256", verify_digest, NULL, "SHA256", 1 },
	{ "SSHA512", verify_digest, NULL, "SHA512", 1 },
	{ "SCRAM-SHA-256", verify_scram, make_scram, NULL, 0 },
};

static const struct pwscheme_def *pwscheme_find(const char *name, size_t len)
{
	for (size_t i = 0; i < RM_ARRAY_LEN(pwscheme_defs); i++)
		if (rm_word_eq(name, len, pwscheme_defs[i].name))
			return &pwscheme_defs[i];
	return NULL;
}

enum pwscheme_result pwscheme_verify(const char *stored, const char *password, size_t pwlen)
{
	struct pwscheme_stored st;
	pwscheme_split(stored, &st);
	/* "SHA256.HEX": the base name, then an encoding for digest schemes. */
	const char *dot = memchr(st.name, '.', st.name_len);
	size_t base_len = dot ? (size_t)(dot - st.name) : st.name_len;
	const struct pwscheme_def *def = pwscheme_find(st.name, base_len);
	char enc[16] = "";
	if (!def)
		return PWSCHEME_UNKNOWN;
	if (dot) {
		size_t elen = st.name_len - base_len - 1;
		if (!def->digest || elen == 0 || elen >= sizeof(enc))
			return PWSCHEME_UNKNOWN;
		memcpy(enc, dot + 1, elen);
		enc[elen] = '\0';
		if (strcasecmp(enc, "HEX") != 0 && strcasecmp(enc, "B64") != 0 &&
		    strcasecmp(enc, "BASE64") != 0)
			return PWSCHEME_UNKNOWN;
	}
	if (st.data[0] == '\0' || pwlen > RM_AUTH_PASSWORD_MAX_BYTES)
		return PWSCHEME_MISMATCH;
	return def->verify(def, st.data, dot ? enc : NULL, password, pwlen);
}

enum rm_err pwscheme_make(const char *scheme, const char *password, size_t pwlen,
			  struct rm_buf *out)
{
	const struct pwscheme_def *def = pwscheme_find(scheme, strlen(scheme));
	if (!def || !def->make)
		return RM_ERR_UNSUPPORTED;
	if (pwlen > RM_AUTH_PASSWORD_MAX_BYTES)
		return RM_ERR_INVAL;
	size_t start = out->len;
	rm_buf_printf(out, "{%s}", def->name);
	enum rm_err err = def->make(password, pwlen, out);
	if (err != RM_OK)
		out->len = start;
	return err;
}
