#include "server/auth/sasl.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/limits.h"
#include "common/util.h"
#include "server/auth/scram_server.h"

enum sasl_mech { SASL_MECH_PLAIN, SASL_MECH_LOGIN, SASL_MECH_SCRAM };

enum sasl_state {
	SASL_ST_START,      /* nothing received yet */
	SASL_ST_AWAIT,      /* challenge sent, waiting for the next response */
	SASL_ST_PASSWORD,   /* LOGIN: user name received, waiting for the password */
	SASL_ST_KEYS,       /* SCRAM: waiting for sasl_set_keys */
	SASL_ST_PROOF,      /* SCRAM: server-first sent, waiting for client-final */
	SASL_ST_FINAL,      /* SCRAM: server-final sent, waiting for the empty line */
	SASL_ST_DONE,       /* a final status was returned */
};

struct sasl {
	enum sasl_mech mech;
	enum sasl_state state;
	struct scram_server *scram;
	struct rm_buf out;  /* challenge bytes */
	size_t login_len, password_len;
	char login[RM_AUTH_LOGIN_MAX_BYTES];
	char password[RM_AUTH_PASSWORD_MAX_BYTES];
};

static const struct {
	const char *name;
	enum sasl_mech mech;
} sasl_mechs[] = {
	{ "PLAIN", SASL_MECH_PLAIN },
	{ "LOGIN", SASL_MECH_LOGIN },
	{ "SCRAM-SHA-256", SASL_MECH_SCRAM },
};

enum rm_err sasl_start(const char *name, size_t name_len, struct sasl **r)
{
	*r = NULL;
	for (size_t i = 0; i < RM_ARRAY_LEN(sasl_mechs); i++) {
		if (!rm_word_eq(name, name_len, sasl_mechs[i].name))
			continue;
		struct sasl *s = rm_calloc(1, sizeof(*s));
		s->mech = sasl_mechs[i].mech;
		if (s->mech == SASL_MECH_SCRAM)
			s->scram = scram_server_create();
		*r = s;
		return RM_OK;
	}
	return RM_ERR_UNSUPPORTED;
}

void sasl_destroy(struct sasl **sp)
{
	struct sasl *s = *sp;
	if (!s)
		return;
	scram_server_destroy(&s->scram);
	if (s->out.data)
		OPENSSL_cleanse(s->out.data, s->out.cap);
	rm_buf_free(&s->out);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
	*sp = NULL;
}

void sasl_scram_fix_nonce(struct sasl *sasl, const char *snonce)
{
	RM_ASSERT(sasl->mech == SASL_MECH_SCRAM && sasl->state == SASL_ST_START);
	scram_server_fix_nonce(sasl->scram, snonce);
}

static enum sasl_status sasl_challenge(struct sasl *s, const char *text, size_t len,
				       struct sasl_result *r)
{
	if (text != s->out.data) {
		rm_buf_reset(&s->out);
		rm_buf_append(&s->out, text, len);
	}
	r->status = SASL_CHALLENGE;
	r->data = (const uint8_t *)rm_buf_cstr(&s->out);
	r->data_len = len;
	return r->status;
}

static enum sasl_status sasl_fail(struct sasl *s, enum sasl_error err, const char *detail,
				  struct sasl_result *r)
{
	s->state = SASL_ST_DONE;
	r->status = SASL_FAIL;
	r->error = err;
	r->detail = detail;
	return r->status;
}

/* Ends with the login (and for PLAIN/LOGIN the password) in the result. */
static enum sasl_status sasl_identity(struct sasl *s, enum sasl_status status,
				      struct sasl_result *r)
{
	s->state = status == SASL_NEED_KEYS ? SASL_ST_KEYS : SASL_ST_DONE;
	r->status = status;
	r->login = s->login;
	r->login_len = s->login_len;
	if (status == SASL_VERIFY) {
		r->password = s->password;
		r->password_len = s->password_len;
	}
	return r->status;
}

static int sasl_copy(char *dst, size_t cap, size_t *len_r, const uint8_t *src, size_t len)
{
	if (len > cap)
		return -1;
	memcpy(dst, src, len);
	*len_r = len;
	return 0;
}

/* message = [authzid] NUL authcid NUL passwd (RFC 4616 §2). */
static enum sasl_status sasl_plain(struct sasl *s, const uint8_t *in, size_t len,
				       struct sasl_result *r)
{
	const uint8_t *nul1 = memchr(in, '\0', len);
	const uint8_t *nul2 = nul1 ? memchr(nul1 + 1, '\0', len - (size_t)(nul1 + 1 - in)) : NULL;
	if (!nul2 || memchr(nul2 + 1, '\0', len - (size_t)(nul2 + 1 - in)))
		return sasl_fail(s, SASL_ERR_MALFORMED, "plain: need exactly two NULs", r);
	size_t zlen = (size_t)(nul1 - in);
	const uint8_t *user = nul1 + 1, *pw = nul2 + 1;
	size_t ulen = (size_t)(nul2 - user), pwlen = len - (size_t)(pw - in);
	if (ulen == 0 || pwlen == 0)
		return sasl_fail(s, SASL_ERR_MALFORMED, "plain: empty login or password", r);
	if (sasl_copy(s->login, sizeof(s->login), &s->login_len, user, ulen) < 0 ||
	    sasl_copy(s->password, sizeof(s->password), &s->password_len, pw, pwlen) < 0 ||
	    zlen > RM_AUTH_LOGIN_MAX_BYTES)
		return sasl_fail(s, SASL_ERR_TOO_LONG, "plain: login or password too long", r);
	if (zlen && (zlen != ulen || rm_strncasecmp_ascii((const char *)in, s->login, zlen) != 0))
		return sasl_fail(s, SASL_ERR_AUTHZID, "plain: authzid differs from login", r);
	sasl_identity(s, SASL_VERIFY, r);
	return r->status;
}

/* LOGIN: "Username:" then "Password:"; a SASL-IR initial response is the
 * user name (what clients that send one mean by it). */
static enum sasl_status sasl_login(struct sasl *s, const uint8_t *in, size_t len,
				       struct sasl_result *r)
{
	if (len == 0 || memchr(in, '\0', len))
		return sasl_fail(s, SASL_ERR_MALFORMED, "login: empty or NUL in response", r);
	if (s->state != SASL_ST_PASSWORD) {
		if (sasl_copy(s->login, sizeof(s->login), &s->login_len, in, len) < 0)
			return sasl_fail(s, SASL_ERR_TOO_LONG, "login: user name too long", r);
		s->state = SASL_ST_PASSWORD;
		return sasl_challenge(s, "Password:", 9, r);
	}
	if (sasl_copy(s->password, sizeof(s->password), &s->password_len, in, len) < 0)
		return sasl_fail(s, SASL_ERR_TOO_LONG, "login: password too long", r);
	sasl_identity(s, SASL_VERIFY, r);
	return r->status;
}

/* Maps a scram_server failure to a sasl_error; `first` tells client-first
 * (where RM_ERR_PERM can only be the authzid) from client-final. */
static enum sasl_error sasl_scram_error(enum rm_err err, const char *detail, int first)
{
	if (err == RM_ERR_UNSUPPORTED)
		return strcmp(detail, "extensions-not-supported") == 0 ? SASL_ERR_EXTENSION
								       : SASL_ERR_CHANNEL_BINDING;
	if (err != RM_ERR_PERM)
		return SASL_ERR_MALFORMED;
	if (first)
		return SASL_ERR_AUTHZID;
	if (strcmp(detail, "invalid-proof") == 0)
		return SASL_ERR_PROOF;
	if (strcmp(detail, "channel-bindings-dont-match") == 0)
		return SASL_ERR_CHANNEL_BINDING;
	return SASL_ERR_NONCE;
}

static enum sasl_status sasl_scram(struct sasl *s, const uint8_t *in, size_t len,
				       struct sasl_result *r)
{
	if (s->state == SASL_ST_FINAL) {
		if (len != 0)
			return sasl_fail(s, SASL_ERR_MALFORMED, "scram: data after server-final", r);
		s->state = SASL_ST_DONE;
		r->status = SASL_SUCCESS;
		r->login = s->login;
		r->login_len = s->login_len;
		return SASL_SUCCESS;
	}
	int first = s->state != SASL_ST_PROOF;
	enum rm_err err;
	if (first) {
		const char *login;
		size_t login_len;
		err = scram_server_client_first(s->scram, in, len, &login, &login_len);
		if (err == RM_OK) {
			memcpy(s->login, login, login_len);
			s->login_len = login_len;
			return sasl_identity(s, SASL_NEED_KEYS, r);
		}
	} else {
		rm_buf_reset(&s->out);
		err = scram_server_client_final(s->scram, in, len, &s->out);
		if (err == RM_OK) {
			s->state = SASL_ST_FINAL;
			return sasl_challenge(s, s->out.data, s->out.len, r);
		}
	}
	const char *detail = scram_server_error(s->scram);
	sasl_fail(s, sasl_scram_error(err, detail, first), detail, r);
	return r->status;
}

void sasl_set_keys(struct sasl *s, const struct scram_keys *keys, struct sasl_result *r)
{
	RM_ASSERT(s->mech == SASL_MECH_SCRAM && s->state == SASL_ST_KEYS);
	memset(r, 0, sizeof(*r));
	struct scram_keys mock;
	if (!keys) {
		scram_keys_mock(s->login, s->login_len, &mock);
		keys = &mock;
	}
	rm_buf_reset(&s->out);
	scram_server_first(s->scram, keys, &s->out);
	OPENSSL_cleanse(&mock, sizeof(mock));
	s->state = SASL_ST_PROOF;
	sasl_challenge(s, s->out.data, s->out.len, r);
}

static enum sasl_status sasl_step_status(struct sasl *s, const uint8_t *in, size_t len,
					 struct sasl_result *r)
{
	RM_ASSERT(s->state != SASL_ST_DONE && s->state != SASL_ST_KEYS);
	memset(r, 0, sizeof(*r));
	if (s->state == SASL_ST_START && !in) {
		/* No initial response: PLAIN and SCRAM are client-first, so the
		 * first challenge is empty; LOGIN asks for the user name. */
		s->state = SASL_ST_AWAIT;
		if (s->mech == SASL_MECH_LOGIN)
			return sasl_challenge(s, "Username:", 9, r);
		return sasl_challenge(s, "", 0, r);
	}
	if (!in)
		in = (const uint8_t *)"";
	if (len > RM_SASL_MSG_MAX_BYTES)
		return sasl_fail(s, SASL_ERR_TOO_LONG, "response too long", r);
	switch (s->mech) {
	case SASL_MECH_PLAIN:
		return sasl_plain(s, in, len, r);
	case SASL_MECH_LOGIN:
		return sasl_login(s, in, len, r);
	case SASL_MECH_SCRAM:
		return sasl_scram(s, in, len, r);
	}
	RM_ASSERT(!"unknown mechanism");
	return SASL_FAIL;
}

void sasl_step(struct sasl *s, const uint8_t *in, size_t len, struct sasl_result *r)
{
	(void)sasl_step_status(s, in, len, r);
}
