/*
 * sasl.h — the SASL mechanisms PLAIN (RFC 4616), LOGIN
 * (draft-murchison-sasl-login) and SCRAM-SHA-256 (RFC 5802, RFC 7677) as
 * state machines behind one interface that IMAP AUTHENTICATE drives
 * (RFC 9051 §6.2.2, SASL-IR RFC 4959).  No I/O, no base64, no hashing here:
 * the caller decodes client lines, encodes challenges, looks users up and
 * runs password checks on the auth pool.
 *
 * The caller's loop:
 *
 *   sasl_start(name, len, &sasl)         unknown name -> NO (RM_ERR_UNSUPPORTED)
 *   sasl_step(sasl, ir, ir_len, &res)    ir: the decoded SASL-IR initial
 *                                        response, or NULL when the command
 *                                        had none (a lone "=" is ir != NULL
 *                                        with ir_len 0)
 *   loop on res.status:
 *     SASL_CHALLENGE  send "+ " base64(res.data, res.data_len) (empty data:
 *                     "+ "), read a line: "*" -> BAD (cancel), bad base64
 *                     -> BAD, else sasl_step(decoded line) -- the caller
 *                     rejects lines over RM_SASL_MSG_MAX_BYTES decoded
 *                     before decoding, or passes them and gets SASL_FAIL
 *     SASL_NEED_KEYS  (SCRAM) look up res.login in the passwd db; prepare
 *                     keys with scram_keys_from_stored (on the auth pool
 *                     when scram_keys_costly), then sasl_set_keys(keys); an
 *                     unknown user or an entry that cannot do SCRAM: either
 *                     answer NO [AUTHENTICATIONFAILED] now, or (to hide which
 *                     logins exist) call sasl_set_keys(NULL), which runs the
 *                     exchange with mock keys so it fails at the proof
 *     SASL_VERIFY     (PLAIN, LOGIN; final) check res.login/res.password
 *                     with the passwd db and pwscheme_verify on the auth
 *                     pool (copy both: they live in the sasl object), then
 *                     OK or NO [AUTHENTICATIONFAILED]
 *     SASL_SUCCESS    (SCRAM; final) authenticated as res.login: tagged OK
 *     SASL_FAIL       (final) NO [AUTHENTICATIONFAILED]; res.error and
 *                     res.detail are for the log only
 *
 * SCRAM's additional data with success (server-final "v=…", RFC 5802 §5.2
 * item 2b): IMAP has no place for it in the tagged OK (RFC 9051 §6.2.2
 * defines none; SASL-IR covers only the client's first message), so per the
 * SASL framework it goes out as one more challenge, "+ <base64 v=…>", the
 * client answers with an empty line, and only then is the result
 * SASL_SUCCESS.  A non-empty answer fails.  On a wrong proof the exchange
 * ends with SASL_FAIL at once (the "e=" server-final is optional, RFC 5802
 * §5.1 "e"; it would cost a round trip to say what NO says).
 *
 * Authorization identity: empty, or equal to the login (ASCII
 * case-insensitive); anything else fails (no proxy authorization).
 *
 * Mechanisms advertised in CAPABILITY: "AUTH=PLAIN AUTH=LOGIN
 * AUTH=SCRAM-SHA-256" (PLAIN and LOGIN only where plaintext is allowed:
 * TLS or loopback); no SCRAM-SHA-256-PLUS (no channel binding).
 *
 * Memory: the login, password and SCRAM state live in the sasl object and
 * are wiped (OPENSSL_cleanse) by sasl_destroy.  The caller wipes its own
 * copies (decoded client lines).  One object per exchange; not thread-safe.
 */
#ifndef RM_SASL_H
#define RM_SASL_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "server/auth/scram.h"

/** What the caller does next (see the loop above). */
enum sasl_status {
	SASL_CHALLENGE,
	SASL_NEED_KEYS,
	SASL_VERIFY,
	SASL_SUCCESS,
	SASL_FAIL,
};

/** Why an exchange failed (log only: every one is NO [AUTHENTICATIONFAILED]). */
enum sasl_error {
	SASL_ERR_NONE = 0,
	SASL_ERR_MALFORMED,       /* does not parse (missing NULs, bad SCRAM syntax) */
	SASL_ERR_TOO_LONG,        /* over RM_SASL_MSG_MAX_BYTES or a login/password limit */
	SASL_ERR_AUTHZID,         /* authorization identity other than the login */
	SASL_ERR_CHANNEL_BINDING, /* SCRAM "p=" (we support none) or c= mismatch */
	SASL_ERR_EXTENSION,       /* SCRAM mandatory extension "m=" */
	SASL_ERR_NONCE,           /* SCRAM client-final nonce differs */
	SASL_ERR_PROOF,           /* SCRAM proof wrong (bad password or mock keys) */
};

/** One step's outcome. */
struct sasl_result {
	enum sasl_status status;
	/* SASL_CHALLENGE: bytes to send (the caller base64-encodes them). */
	const uint8_t *data;
	size_t data_len;
	/* SASL_NEED_KEYS, SASL_VERIFY, SASL_SUCCESS: the authentication
	 * identity as the client sent it (SCRAM: decoded and SASLprep-ed). */
	const char *login;
	size_t login_len;
	/* SASL_VERIFY: the password as sent. */
	const char *password;
	size_t password_len;
	/* SASL_FAIL: why, and a short static text for the log (for SCRAM the
	 * RFC 5802 server-error-value). */
	enum sasl_error error;
	const char *detail;
};
/* All pointers in a result are owned by the sasl object and valid until the
 * next sasl_step / sasl_set_keys / sasl_destroy on it. */

/** One exchange's state (opaque). */
struct sasl;

/** Starts an exchange for the mechanism named by name (name_len bytes,
 * ASCII case-insensitive: "PLAIN", "LOGIN", "SCRAM-SHA-256").  Returns
 * RM_OK with *r set, or RM_ERR_UNSUPPORTED (*r NULL) for any other name. */
enum rm_err sasl_start(const char *name, size_t name_len, struct sasl **r);

/** Feeds one decoded client response (see the loop above for NULL vs.
 * empty) and fills *r.  Calling it after a final status, or while
 * SASL_NEED_KEYS is pending, is a programmer error (asserts). */
void sasl_step(struct sasl *sasl, const uint8_t *in, size_t len, struct sasl_result *r);

/** Answers SASL_NEED_KEYS with the user's keys (copied), or NULL for mock
 * keys (unknown user), and fills *r with the next step (server-first as a
 * SASL_CHALLENGE). */
void sasl_set_keys(struct sasl *sasl, const struct scram_keys *keys, struct sasl_result *r);

/** Test hook: fixes the SCRAM server nonce (RFC 7677 §3 known answer).
 * Only for a SCRAM-SHA-256 exchange, before its first step. */
void sasl_scram_fix_nonce(struct sasl *sasl, const char *snonce);

/** Wipes and frees; *sasl becomes NULL.  NULL is fine. */
void sasl_destroy(struct sasl **sasl);

#endif
