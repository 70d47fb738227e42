/*
 * Unit tests for server/auth/sasl, scram, scram_server and saslprep:
 * the RFC 7677 §3 SCRAM-SHA-256 example byte for byte, full SCRAM exchanges
 * against a test-side client (computed here with OpenSSL, independently of
 * scram.c) for stored {SCRAM-SHA-256} and {PLAIN} entries and unknown users,
 * every refusal path, PLAIN and LOGIN, and SASLprep.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "common/limits.h"
#include "common/util.h"
#include "server/auth/pwscheme.h"
#include "server/auth/sasl.h"
#include "server/auth/saslprep.h"
#include "server/auth/scram.h"

static int failures;

#define CHECK(cond) \
	do { if (!(cond)) { fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

static int res_is(const struct sasl_result *r, enum sasl_status st, const char *data)
{
	if (r->status != st)
		return 0;
	if (!data)
		return 1;
	return r->data_len == strlen(data) && memcmp(r->data, data, r->data_len) == 0;
}

static int login_is(const struct sasl_result *r, const char *login)
{
	return r->login_len == strlen(login) && memcmp(r->login, login, r->login_len) == 0;
}

static void step_str(struct sasl *s, const char *in, struct sasl_result *r)
{
	sasl_step(s, (const uint8_t *)in, strlen(in), r);
}

/* ---- RFC 7677 §3 ------------------------------------------------------- */

#define RFC_STORED "{SCRAM-SHA-256}4096,W22ZaJ0SNY7soEsUEjb6gQ==," \
	"WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="
#define RFC_SNONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_SERVER_FIRST "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
	"s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC_CLIENT_FINAL "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0," \
	"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static void rfc7677_exchange(const struct scram_keys *keys)
{
	struct sasl *s;
	struct sasl_result r;
	CHECK(sasl_start("SCRAM-SHA-256", 13, &s) == RM_OK);
	sasl_scram_fix_nonce(s, RFC_SNONCE);
	step_str(s, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", &r);
	CHECK(r.status == SASL_NEED_KEYS && login_is(&r, "user"));
	sasl_set_keys(s, keys, &r);
	CHECK(res_is(&r, SASL_CHALLENGE, RFC_SERVER_FIRST));
	step_str(s, RFC_CLIENT_FINAL, &r);
	CHECK(res_is(&r, SASL_CHALLENGE, RFC_SERVER_FINAL));
	sasl_step(s, NULL, 0, &r);
	CHECK(r.status == SASL_SUCCESS && login_is(&r, "user"));
	sasl_destroy(&s);
	CHECK(s == NULL);
}

static void test_rfc7677(void)
{
	struct scram_keys stored, derived;
	CHECK(scram_keys_from_stored("user", 4, RFC_STORED, &stored) == RM_OK);
	CHECK(!scram_keys_costly(RFC_STORED));
	rfc7677_exchange(&stored);
	uint8_t salt[16];
	size_t salt_len;
	CHECK(base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, salt, &salt_len, BASE64_STRICT) == RM_OK);
	CHECK(scram_keys_derive("pencil", 6, salt, salt_len, 4096, &derived) == RM_OK);
	CHECK(memcmp(&stored, &derived, sizeof(stored)) == 0);
	rfc7677_exchange(&derived);
	/* Format round trip gives the stored string back. */
	struct rm_buf b = {0};
	rm_buf_puts(&b, "{SCRAM-SHA-256}");
	scram_keys_format(&derived, &b);
	CHECK(strcmp(rm_buf_cstr(&b), RFC_STORED) == 0);
	rm_buf_free(&b);
	/* A wrong proof (last character changed) fails with invalid-proof. */
	struct sasl *s;
	struct sasl_result r;
	CHECK(sasl_start("scram-sha-256", 13, &s) == RM_OK);
	sasl_scram_fix_nonce(s, RFC_SNONCE);
	step_str(s, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", &r);
	sasl_set_keys(s, &stored, &r);
	char bad[] = RFC_CLIENT_FINAL;
	bad[sizeof(bad) - 10] = 'j'; /* a proof bit in the middle */
	step_str(s, bad, &r);
	CHECK(r.status == SASL_FAIL && r.error == SASL_ERR_PROOF);
	CHECK(strcmp(r.detail, "invalid-proof") == 0);
	sasl_destroy(&s);
}

/* ---- a SCRAM client, written here with OpenSSL ------------------------ */

struct client {
	char first_bare[256];
	char final_wo_proof[512];
	char final_msg[700];
	char server_sig_b64[80];
};

/* Parses "r=…,s=…,i=…" and builds client-final for password with channel
 * binding attribute cbind ("biws" for "n,,"). */
static int client_final(struct client *c, const char *server_first, size_t sf_len,
			const char *password, const char *cbind)
{
	char sf[512];
	RM_ASSERT(sf_len < sizeof(sf));
	memcpy(sf, server_first, sf_len);
	sf[sf_len] = '\0';
	char *r = strstr(sf, "r="), *s = strstr(sf, ",s="), *i = strstr(sf, ",i=");
	if (!r || !s || !i)
		return -1;
	*s = '\0';
	*i = '\0';
	uint8_t salt[128];
	size_t salt_len;
	if (base64_decode(s + 3, strlen(s + 3), salt, &salt_len, BASE64_STRICT) != RM_OK)
		return -1;
	int iter = atoi(i + 3);
	uint8_t salted[32], ck[32], sk[32], stored[32], sig[32], proof[32], ssig[32];
	PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iter,
			  EVP_sha256(), 32, salted);
	HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Client Key", 10, ck, NULL);
	HMAC(EVP_sha256(), salted, 32, (const uint8_t *)"Server Key", 10, sk, NULL);
	SHA256(ck, 32, stored);
	snprintf(c->final_wo_proof, sizeof(c->final_wo_proof), "c=%s,%s", cbind, r);
	char auth[1500];
	snprintf(auth, sizeof(auth), "%s,%.*s,%s", c->first_bare, (int)sf_len, server_first,
		 c->final_wo_proof);
	HMAC(EVP_sha256(), stored, 32, (const uint8_t *)auth, strlen(auth), sig, NULL);
	HMAC(EVP_sha256(), sk, 32, (const uint8_t *)auth, strlen(auth), ssig, NULL);
	for (int k = 0; k < 32; k++)
		proof[k] = ck[k] ^ sig[k];
	char p64[64];
	base64_encode(proof, 32, p64);
	snprintf(c->final_msg, sizeof(c->final_msg), "%s,p=%s", c->final_wo_proof, p64);
	char v[64];
	base64_encode(ssig, 32, v);
	snprintf(c->server_sig_b64, sizeof(c->server_sig_b64), "v=%s", v);
	return 0;
}

/* Runs one SCRAM exchange for login/password; the server side gets keys
 * from `stored` (NULL: unknown user, mock keys).  Returns the final
 * status and copies server-first into salt_out (for salt comparisons). */
static enum sasl_status scram_run(const char *login, const char *password, const char *stored,
				  char *server_first_out, size_t cap)
{
	struct sasl *s;
	struct sasl_result r;
	struct client c;
	RM_ASSERT(sasl_start("SCRAM-SHA-256", 13, &s) == RM_OK);
	sasl_step(s, NULL, 0, &r);                       /* no SASL-IR */
	CHECK(res_is(&r, SASL_CHALLENGE, ""));
	snprintf(c.first_bare, sizeof(c.first_bare), "n=%s,r=clientnonce%d", login, 42);
	char first[300];
	snprintf(first, sizeof(first), "n,,%s", c.first_bare);
	step_str(s, first, &r);
	CHECK(r.status == SASL_NEED_KEYS && login_is(&r, login));
	struct scram_keys keys;
	if (stored) {
		RM_ASSERT(scram_keys_from_stored(r.login, r.login_len, stored, &keys) == RM_OK);
		sasl_set_keys(s, &keys, &r);
	} else {
		sasl_set_keys(s, NULL, &r);
	}
	CHECK(r.status == SASL_CHALLENGE);
	CHECK(r.data_len > 12 && memcmp(r.data, "r=clientnonce42", 15) == 0);
	snprintf(server_first_out, cap, "%.*s", (int)r.data_len, (const char *)r.data);
	RM_ASSERT(client_final(&c, (const char *)r.data, r.data_len, password, "biws") == 0);
	step_str(s, c.final_msg, &r);
	enum sasl_status st = r.status;
	if (st == SASL_CHALLENGE) {
		CHECK(res_is(&r, SASL_CHALLENGE, c.server_sig_b64));
		sasl_step(s, (const uint8_t *)"", 0, &r);
		CHECK(r.status == SASL_SUCCESS && login_is(&r, login));
		st = r.status;
	} else {
		CHECK(r.status == SASL_FAIL && r.error == SASL_ERR_PROOF);
	}
	sasl_destroy(&s);
	return st;
}

/* The s= attribute of a server-first message. */
static const char *salt_of(const char *sf)
{
	return strstr(sf, ",s=");
}

static void test_scram_full(void)
{
	static const uint8_t secret[] = "test secret for salts";
	scram_secret_set(secret, sizeof(secret));
	char sf1[256], sf2[256], sf3[256], sf4[256];
	/* Stored keys made by pwscheme_make. */
	struct rm_buf st = {0};
	RM_ASSERT(pwscheme_make("SCRAM-SHA-256", "s3cret pass", 11, &st) == RM_OK);
	CHECK(scram_run("alice", "s3cret pass", rm_buf_cstr(&st), sf1, sizeof(sf1)) == SASL_SUCCESS);
	CHECK(scram_run("alice", "s3cret pasS", rm_buf_cstr(&st), sf1, sizeof(sf1)) == SASL_FAIL);
	rm_buf_free(&st);
	/* PLAIN entry: keys derived with the per-user salt, stable across logins
	 * and login spellings, different between users. */
	CHECK(scram_keys_costly("{PLAIN}hunter2"));
	CHECK(scram_run("bob", "hunter2", "{PLAIN}hunter2", sf1, sizeof(sf1)) == SASL_SUCCESS);
	CHECK(scram_run("BOB", "hunter2", "{CLEARTEXT}hunter2", sf2, sizeof(sf2)) == SASL_SUCCESS);
	CHECK(strstr(sf1, ",i=4096") != NULL);
	CHECK(strcmp(salt_of(sf1), salt_of(sf2)) == 0);
	CHECK(scram_run("bob", "hunter3", "{PLAIN}hunter2", sf2, sizeof(sf2)) == SASL_FAIL);
	CHECK(scram_run("carol", "hunter2", "{PLAIN}hunter2", sf3, sizeof(sf3)) == SASL_SUCCESS);
	CHECK(strcmp(salt_of(sf1), salt_of(sf3)) != 0);
	/* Unknown user: same shape and salt as a PLAIN user of that name, and
	 * no password gets in. */
	CHECK(scram_run("bob", "hunter2", NULL, sf4, sizeof(sf4)) == SASL_FAIL);
	CHECK(strcmp(salt_of(sf1), salt_of(sf4)) == 0);
	/* Entries that cannot do SCRAM say so. */
	struct scram_keys k;
	CHECK(scram_keys_from_stored("x", 1, "{SHA512-CRYPT}$6$a$b", &k) == RM_ERR_UNSUPPORTED);
	CHECK(scram_keys_from_stored("x", 1, "$2y$05$abc", &k) == RM_ERR_UNSUPPORTED);
	CHECK(scram_keys_from_stored("x", 1, "{ARGON2ID}$argon2id$x", &k) == RM_ERR_UNSUPPORTED);
	CHECK(scram_keys_from_stored("x", 1, "{SCRAM-SHA-256}4096,abc", &k) == RM_ERR_SYNTAX);
	CHECK(scram_keys_from_stored("x", 1, "{PLAIN}bad\x01", &k) == RM_ERR_SYNTAX);
	CHECK(!scram_keys_costly("{SHA512-CRYPT}$6$a$b"));
}

/* client-first messages and the failure each must give. */
static void test_scram_client_first(void)
{
	static const struct {
		const char *msg;
		enum sasl_error err; /* SASL_ERR_NONE: accepted */
		const char *login, *detail;
	} cases[] = {
		{ "n,,n=user,r=abc", SASL_ERR_NONE, "user", NULL },
		{ "y,,n=user,r=abc", SASL_ERR_NONE, "user", NULL },
		{ "n,a=user,n=user,r=abc", SASL_ERR_NONE, "user", NULL },
		{ "n,a=USER,n=user,r=abc", SASL_ERR_NONE, "user", NULL },
		{ "n,,n=user,r=abc,x=ext", SASL_ERR_NONE, "user", NULL },
		{ "n,,n=a=2Cb=3Dc,r=abc", SASL_ERR_NONE, "a,b=c", NULL },
		{ "n,,n=J\xc3\xbcrgen\xc2\xa0X,r=abc", SASL_ERR_NONE, "J\xc3\xbcrgen X", NULL },
		{ "p=tls-unique,,n=user,r=abc", SASL_ERR_CHANNEL_BINDING, NULL, "channel-binding-not-supported" },
		{ "p=tls-server-end-point,a=user,n=user,r=abc", SASL_ERR_CHANNEL_BINDING, NULL, "channel-binding-not-supported" },
		{ "n,a=other,n=user,r=abc", SASL_ERR_AUTHZID, NULL, "other-error" },
		{ "n,,m=foo,n=user,r=abc", SASL_ERR_EXTENSION, NULL, "extensions-not-supported" },
		{ "n,,n=a=2Db,r=abc", SASL_ERR_MALFORMED, NULL, "invalid-username-encoding" },
		{ "n,,n=a=2,r=abc", SASL_ERR_MALFORMED, NULL, "invalid-username-encoding" },
		{ "n,,n=,r=abc", SASL_ERR_MALFORMED, NULL, "invalid-username-encoding" },
		{ "n,,n=bad\x07,r=abc", SASL_ERR_MALFORMED, NULL, "invalid-username-encoding" },
		{ "n,,n=\xc0\xaf,r=abc", SASL_ERR_MALFORMED, NULL, "invalid-username-encoding" },
		{ "n,a=,n=user,r=abc", SASL_ERR_MALFORMED, NULL, NULL },
		{ "n,,n=user", SASL_ERR_MALFORMED, NULL, "invalid-encoding" },
		{ "n,,n=user,r=", SASL_ERR_MALFORMED, NULL, NULL },
		{ "n,,n=user,r=a b", SASL_ERR_MALFORMED, NULL, NULL },
		{ "n,,n=user,r=abc,", SASL_ERR_MALFORMED, NULL, NULL },
		{ "n,,n=user,r=abc,1=x", SASL_ERR_MALFORMED, NULL, NULL },
		{ "x,,n=user,r=abc", SASL_ERR_MALFORMED, NULL, NULL },
		{ "n,n=user,r=abc", SASL_ERR_MALFORMED, NULL, NULL },
		{ "n,,", SASL_ERR_MALFORMED, NULL, NULL },
		{ "n", SASL_ERR_MALFORMED, NULL, NULL },
		{ "", SASL_ERR_MALFORMED, NULL, NULL },
	};
	for (size_t i = 0; i < RM_ARRAY_LEN(cases); i++) {
		struct sasl *s;
		struct sasl_result r;
		RM_ASSERT(sasl_start("SCRAM-SHA-256", 13, &s) == RM_OK);
		step_str(s, cases[i].msg, &r);
		if (cases[i].err == SASL_ERR_NONE) {
			CHECK(r.status == SASL_NEED_KEYS && login_is(&r, cases[i].login));
		} else {
			if (r.status != SASL_FAIL || r.error != cases[i].err)
				fprintf(stderr, "case \"%s\": status %d error %d\n", cases[i].msg, r.status, r.error);
			CHECK(r.status == SASL_FAIL && r.error == cases[i].err);
			CHECK(!cases[i].detail || strcmp(r.detail, cases[i].detail) == 0);
		}
		sasl_destroy(&s);
	}
	/* A NUL inside the message. */
	struct sasl *s;
	struct sasl_result r;
	RM_ASSERT(sasl_start("SCRAM-SHA-256", 13, &s) == RM_OK);
	sasl_step(s, (const uint8_t *)"n,,n=us\0er,r=abc", 16, &r);
	CHECK(r.status == SASL_FAIL && r.error == SASL_ERR_MALFORMED);
	sasl_destroy(&s);
}

/* client-final messages after an RFC 7677 client-first. */
static void test_scram_client_final(void)
{
	static const struct {
		const char *first, *final;
		enum sasl_error err;
	} cases[] = {
		{ "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", RFC_CLIENT_FINAL, SASL_ERR_NONE },
		/* client said "n", claims "y" (eSws) in c=: a downgrade */
		{ "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
		  "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  SASL_ERR_CHANNEL_BINDING },
		{ "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
		  "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  SASL_ERR_NONCE },
		{ "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
		  "c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
		  SASL_ERR_MALFORMED },
		{ "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
		  "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ",
		  SASL_ERR_MALFORMED },
		{ "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
		  "c=bi*s,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  SASL_ERR_MALFORMED },
		{ "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", SASL_ERR_MALFORMED },
		{ "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", "", SASL_ERR_MALFORMED },
		/* "y" client-first with its matching c=eSws is fine, but the
		 * RFC's proof was computed over "biws": invalid proof. */
		{ "y,,n=user,r=rOprNGfwEbeRWgbNEkqO",
		  "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  SASL_ERR_PROOF },
	};
	struct scram_keys keys;
	RM_ASSERT(scram_keys_from_stored("user", 4, RFC_STORED, &keys) == RM_OK);
	for (size_t i = 0; i < RM_ARRAY_LEN(cases); i++) {
		struct sasl *s;
		struct sasl_result r;
		RM_ASSERT(sasl_start("SCRAM-SHA-256", 13, &s) == RM_OK);
		sasl_scram_fix_nonce(s, RFC_SNONCE);
		step_str(s, cases[i].first, &r);
		RM_ASSERT(r.status == SASL_NEED_KEYS);
		sasl_set_keys(s, &keys, &r);
		step_str(s, cases[i].final, &r);
		if (cases[i].err == SASL_ERR_NONE) {
			CHECK(res_is(&r, SASL_CHALLENGE, RFC_SERVER_FINAL));
			step_str(s, "x", &r); /* anything but an empty line after v= */
			CHECK(r.status == SASL_FAIL && r.error == SASL_ERR_MALFORMED);
		} else {
			if (r.status != SASL_FAIL || r.error != cases[i].err)
				fprintf(stderr, "final case %zu: status %d error %d\n", i, r.status, r.error);
			CHECK(r.status == SASL_FAIL && r.error == cases[i].err);
		}
		sasl_destroy(&s);
	}
}

static void plain_case(const char *msg, size_t len, enum sasl_status want, enum sasl_error err,
		       const char *login, const char *pw)
{
	struct sasl *s;
	struct sasl_result r;
	RM_ASSERT(sasl_start("PLAIN", 5, &s) == RM_OK);
	sasl_step(s, (const uint8_t *)msg, len, &r);
	CHECK(r.status == want);
	if (want == SASL_FAIL)
		CHECK(r.error == err);
	if (want == SASL_VERIFY && login)
		CHECK(login_is(&r, login));
	if (want == SASL_VERIFY && pw)
		CHECK(r.password_len == strlen(pw) && memcmp(r.password, pw, r.password_len) == 0);
	if (want == SASL_VERIFY) {
		/* login and password are exactly the two fields after the NULs */
		const char *n1 = memchr(msg, '\0', len);
		const char *n2 = memchr(n1 + 1, '\0', len - (size_t)(n1 + 1 - msg));
		CHECK(r.login_len == (size_t)(n2 - n1 - 1) && memcmp(r.login, n1 + 1, r.login_len) == 0);
		CHECK(r.password_len == len - (size_t)(n2 + 1 - msg));
		CHECK(memcmp(r.password, n2 + 1, r.password_len) == 0);
	}
	sasl_destroy(&s);
}

#define PLAIN(lit, st, err, login, pw) plain_case(lit, sizeof(lit) - 1, st, err, login, pw)

static void test_plain(void)
{
	PLAIN("\0user\0pass word", SASL_VERIFY, SASL_ERR_NONE, "user", "pass word");
	PLAIN("user\0user\0pw", SASL_VERIFY, SASL_ERR_NONE, "user", "pw");
	PLAIN("USER\0user\0pw", SASL_VERIFY, SASL_ERR_NONE, "user", "pw");
	PLAIN("admin\0user\0pw", SASL_FAIL, SASL_ERR_AUTHZID, NULL, NULL);
	PLAIN("use\0user\0pw", SASL_FAIL, SASL_ERR_AUTHZID, NULL, NULL);
	PLAIN("user\0pw", SASL_FAIL, SASL_ERR_MALFORMED, NULL, NULL);
	PLAIN("userpw", SASL_FAIL, SASL_ERR_MALFORMED, NULL, NULL);
	PLAIN("", SASL_FAIL, SASL_ERR_MALFORMED, NULL, NULL);
	PLAIN("\0\0pw", SASL_FAIL, SASL_ERR_MALFORMED, NULL, NULL);
	PLAIN("\0user\0", SASL_FAIL, SASL_ERR_MALFORMED, NULL, NULL);
	PLAIN("\0user\0pw\0", SASL_FAIL, SASL_ERR_MALFORMED, NULL, NULL);
	/* Limits at N and N+1. */
	char msg[RM_SASL_MSG_MAX_BYTES + 2];
	memset(msg, 'p', sizeof(msg));
	memcpy(msg, "\0u\0", 3);
	plain_case(msg, 3 + RM_AUTH_PASSWORD_MAX_BYTES, SASL_VERIFY, SASL_ERR_NONE, "u", NULL);
	plain_case(msg, 3 + RM_AUTH_PASSWORD_MAX_BYTES + 1, SASL_FAIL, SASL_ERR_TOO_LONG, NULL, NULL);
	plain_case(msg, RM_SASL_MSG_MAX_BYTES + 1, SASL_FAIL, SASL_ERR_TOO_LONG, NULL, NULL);
	memset(msg, 'u', sizeof(msg));
	msg[0] = '\0';
	msg[1 + RM_AUTH_LOGIN_MAX_BYTES] = '\0';
	plain_case(msg, 2 + RM_AUTH_LOGIN_MAX_BYTES + 2, SASL_VERIFY, SASL_ERR_NONE, NULL, NULL);
	msg[1 + RM_AUTH_LOGIN_MAX_BYTES] = 'u';
	msg[2 + RM_AUTH_LOGIN_MAX_BYTES] = '\0';
	plain_case(msg, 3 + RM_AUTH_LOGIN_MAX_BYTES + 2, SASL_FAIL, SASL_ERR_TOO_LONG, NULL, NULL);
	/* No initial response: an empty challenge, then the message. */
	struct sasl *s;
	struct sasl_result r;
	RM_ASSERT(sasl_start("plain", 5, &s) == RM_OK);
	sasl_step(s, NULL, 0, &r);
	CHECK(res_is(&r, SASL_CHALLENGE, ""));
	sasl_step(s, (const uint8_t *)"\0bob\0pw", 7, &r);
	CHECK(r.status == SASL_VERIFY && login_is(&r, "bob"));
	sasl_destroy(&s);
	/* An empty initial response ("=") is a message, and an empty one is bad. */
	RM_ASSERT(sasl_start("PLAIN", 5, &s) == RM_OK);
	sasl_step(s, (const uint8_t *)"", 0, &r);
	CHECK(r.status == SASL_FAIL && r.error == SASL_ERR_MALFORMED);
	sasl_destroy(&s);
}

static void test_login(void)
{
	struct sasl *s;
	struct sasl_result r;
	RM_ASSERT(sasl_start("LOGIN", 5, &s) == RM_OK);
	sasl_step(s, NULL, 0, &r);
	CHECK(res_is(&r, SASL_CHALLENGE, "Username:"));
	step_str(s, "tim", &r);
	CHECK(res_is(&r, SASL_CHALLENGE, "Password:"));
	step_str(s, "tanstaaftanstaaf", &r);
	CHECK(r.status == SASL_VERIFY && login_is(&r, "tim"));
	CHECK(r.password_len == 16 && memcmp(r.password, "tanstaaftanstaaf", 16) == 0);
	sasl_destroy(&s);
	/* SASL-IR carries the user name. */
	RM_ASSERT(sasl_start("login", 5, &s) == RM_OK);
	step_str(s, "tim", &r);
	CHECK(res_is(&r, SASL_CHALLENGE, "Password:"));
	step_str(s, "pw", &r);
	CHECK(r.status == SASL_VERIFY && login_is(&r, "tim"));
	sasl_destroy(&s);
	/* Empty user name, empty password, NUL bytes, too long. */
	RM_ASSERT(sasl_start("LOGIN", 5, &s) == RM_OK);
	sasl_step(s, NULL, 0, &r);
	sasl_step(s, NULL, 0, &r);
	CHECK(r.status == SASL_FAIL && r.error == SASL_ERR_MALFORMED);
	sasl_destroy(&s);
	RM_ASSERT(sasl_start("LOGIN", 5, &s) == RM_OK);
	step_str(s, "tim", &r);
	sasl_step(s, (const uint8_t *)"", 0, &r);
	CHECK(r.status == SASL_FAIL && r.error == SASL_ERR_MALFORMED);
	sasl_destroy(&s);
	RM_ASSERT(sasl_start("LOGIN", 5, &s) == RM_OK);
	sasl_step(s, (const uint8_t *)"t\0m", 3, &r);
	CHECK(r.status == SASL_FAIL && r.error == SASL_ERR_MALFORMED);
	sasl_destroy(&s);
	char big[RM_AUTH_LOGIN_MAX_BYTES + 1];
	memset(big, 'u', sizeof(big));
	RM_ASSERT(sasl_start("LOGIN", 5, &s) == RM_OK);
	sasl_step(s, (const uint8_t *)big, RM_AUTH_LOGIN_MAX_BYTES, &r);
	CHECK(res_is(&r, SASL_CHALLENGE, "Password:"));
	sasl_destroy(&s);
	RM_ASSERT(sasl_start("LOGIN", 5, &s) == RM_OK);
	sasl_step(s, (const uint8_t *)big, RM_AUTH_LOGIN_MAX_BYTES + 1, &r);
	CHECK(r.status == SASL_FAIL && r.error == SASL_ERR_TOO_LONG);
	sasl_destroy(&s);
}

static void test_start(void)
{
	static const char *const bad[] = { "CRAM-MD5", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-1", "PLAI", "", "PLAINX" };
	for (size_t i = 0; i < RM_ARRAY_LEN(bad); i++) {
		struct sasl *s = (struct sasl *)&s;
		CHECK(sasl_start(bad[i], strlen(bad[i]), &s) == RM_ERR_UNSUPPORTED && s == NULL);
	}
	struct sasl *s;
	CHECK(sasl_start("PLAIN extra", 5, &s) == RM_OK); /* length-delimited name */
	sasl_destroy(&s);
	sasl_destroy(&s); /* NULL is fine */
}

static void test_saslprep(void)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "user", "user" }, { "USER", "USER" },              /* RFC 4013 §3 #2, #3 */
		{ "I\xc2\xadX", "IX" },                              /* #1 soft hyphen */
		{ "a\xc2\xa0" "b", "a b" },                          /* NBSP -> space */
		{ "a\xe3\x80\x80" "b", "a b" },                      /* ideographic space */
		{ "a\xe2\x80\x8b" "b", "ab" },                       /* zero width space: deleted */
		{ "a\xef\xbb\xbf" "b", "ab" },                       /* BOM: deleted */
		{ "J\xc3\xbcrgen", "J\xc3\xbcrgen" },
		{ "\xc2\xaa", "\xc2\xaa" },  /* #4 wants "a": NFKC is the documented gap */
		{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },          /* U+1F600 passes */
		{ "\xc2\xad", "" },
	};
	for (size_t i = 0; i < RM_ARRAY_LEN(ok); i++) {
		char out[32];
		size_t n = 99;
		CHECK(saslprep(ok[i].in, strlen(ok[i].in), out, &n) == RM_OK);
		CHECK(n == strlen(ok[i].out) && memcmp(out, ok[i].out, n) == 0);
	}
	static const char *const bad[] = {
		"\x07", "a\x7f", "\xc2\x85",                         /* #6, DEL, C1 control */
		"\xef\xbf\xbe", "\xf0\x9f\xbf\xbf", "\xef\xb7\x90",  /* non-characters */
		"\xee\x80\x80", "\xf3\xb0\x80\x80",                  /* private use */
		"\xcd\x80", "\xe2\x80\x8e", "\xe2\x80\xae",          /* C.8 */
		"\xe2\xbf\xb0", "\xef\xbf\xbd", "\xf3\xa0\x80\x81",  /* C.7, C.6, C.9 */
		"\xe2\x80\xa8",                                      /* line separator */
		"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",          /* overlong, surrogate */
		"\xf4\x90\x80\x80", "\xff", "\xc3", "\x80",          /* > U+10FFFF, junk, cut */
	};
	for (size_t i = 0; i < RM_ARRAY_LEN(bad); i++) {
		char out[32];
		size_t n;
		enum rm_err e = saslprep(bad[i], strlen(bad[i]), out, &n);
		if (e != RM_ERR_SYNTAX)
			fprintf(stderr, "saslprep accepted bad case %zu\n", i);
		CHECK(e == RM_ERR_SYNTAX);
	}
	/* In place. */
	char buf[] = "x\xc2\xa0y\xc2\xadz";
	size_t n;
	CHECK(saslprep(buf, strlen(buf), buf, &n) == RM_OK && n == 4 && memcmp(buf, "x yz", 4) == 0);
}

int main(void)
{
	test_saslprep();
	test_start();
	test_rfc7677();
	test_scram_full();
	test_scram_client_first();
	test_scram_client_final();
	test_plain();
	test_login();
	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("sasl: all passed\n");
	return 0;
}
