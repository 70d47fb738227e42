/*
 * scram.h — SCRAM-SHA-256 (RFC 5802 with SHA-256 per RFC 7677), server side.
 *
 * Two parts:
 *  1. Keys: the per-user verifier (iterations, salt, StoredKey, ServerKey),
 *     derived from a password, parsed from / formatted to the Dovecot stored
 *     form "{SCRAM-SHA-256}<iterations>,<b64 salt>,<b64 StoredKey>,<b64
 *     ServerKey>", or prepared from any stored password (scram_keys_from_stored).
 *  2. The exchange (scram_server.h): struct scram_server parses client-first, writes
 *     server-first, checks client-final and writes server-final.  sasl.c drives
 *     it; nothing here knows IMAP.
 *
 * Passwords are SASLprep-ed (saslprep.h, with its documented gaps) before
 * derivation; user names are decoded ("=2C" -> ",", "=3D" -> "=") and
 * SASLprep-ed before they are handed out for lookup.
 *
 * Channel binding is not supported: only the "n" and "y" flags are accepted
 * and the server advertises no -PLUS mechanism; "p=" fails with
 * "channel-binding-not-supported".
 *
 * Keys for PLAIN/CLEARTEXT entries are derived with a per-user salt that is a
 * pure function of a server secret and the lower-cased login, so a client
 * sees the same salt on every login (and may cache its SaltedPassword).  The
 * secret is set once by scram_secret_set() before threads start; without it
 * a random one is made on first use (salts then change at every restart).
 */
#ifndef RM_SCRAM_H
#define RM_SCRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/limits.h"

#define SCRAM_KEY_BYTES 32u          /* SHA-256 output */
#define SCRAM_DERIVED_SALT_BYTES 16u /* salts of derived and mock keys */

/** A user's SCRAM-SHA-256 verifier: what the server stores (RFC 5802 §3);
 * plain data, no pointers.  Wipe copies with OPENSSL_cleanse. */
struct scram_keys {
	uint32_t iterations;
	size_t salt_len;
	uint8_t salt[RM_SCRAM_SALT_MAX_BYTES];
	uint8_t stored_key[SCRAM_KEY_BYTES];
	uint8_t server_key[SCRAM_KEY_BYTES];
};

/** Sets the secret that per-user salts and mock keys are derived from
 * (config key auth_secret; any length, 32 random bytes recommended).  Call
 * once at start-up before any other thread uses this module; the bytes are
 * copied.  Not thread-safe. */
void scram_secret_set(const void *secret, size_t len);

/** Derives keys from a password: SaltedPassword = PBKDF2-HMAC-SHA-256(
 * SASLprep(password), salt, iterations), then ClientKey, StoredKey and
 * ServerKey per RFC 5802 §3.  Costs `iterations` HMACs (~ms for 4096: run it
 * on the auth pool).  Returns RM_OK, RM_ERR_SYNTAX when SASLprep rejects the
 * password, RM_ERR_INVAL for a salt over RM_SCRAM_SALT_MAX_BYTES, zero or
 * too many iterations, or a password over RM_AUTH_PASSWORD_MAX_BYTES. */
enum rm_err scram_keys_derive(const char *password, size_t len, const uint8_t *salt,
			      size_t salt_len, uint32_t iterations, struct scram_keys *r);

/** Parses the data of a {SCRAM-SHA-256} stored password (without the
 * prefix): "<iterations>,<b64 salt>,<b64 StoredKey>,<b64 ServerKey>".
 * Returns RM_OK or RM_ERR_SYNTAX (also for iterations past
 * RM_SCRAM_ITERATIONS_MAX or keys of the wrong length). */
enum rm_err scram_keys_parse(const char *data, size_t len, struct scram_keys *r);

/** Appends the stored form of k (without the "{SCRAM-SHA-256}" prefix). */
void scram_keys_format(const struct scram_keys *k, struct rm_buf *out);

/** Prepares keys from a user's stored password (the passwd-file field,
 * "{SCHEME}data"): {SCRAM-SHA-256} entries are parsed (cheap); {PLAIN} and
 * {CLEARTEXT} entries are derived with the per-user salt and
 * RM_SCRAM_ITERATIONS_DEFAULT iterations (~ms: auth pool).  Any other scheme
 * (crypt hashes, ARGON2…) cannot do SCRAM: RM_ERR_UNSUPPORTED, which the
 * caller answers with NO [AUTHENTICATIONFAILED] (or, to hide which users
 * have such entries, continues with scram_keys_mock).  RM_ERR_SYNTAX for a
 * malformed entry or a password SASLprep rejects. */
enum rm_err scram_keys_from_stored(const char *login, size_t login_len, const char *stored,
				   struct scram_keys *r);

/** True when scram_keys_from_stored(stored) has to run PBKDF2 (PLAIN
 * entries), i.e. belongs on the auth pool rather than a worker. */
bool scram_keys_costly(const char *stored);

/** Keys for a user that does not exist: the same deterministic salt an
 * existing PLAIN user would get and a StoredKey no proof can match, so an
 * exchange for an unknown user looks like one for a known user until the
 * proof fails.  Cheap. */
void scram_keys_mock(const char *login, size_t login_len, struct scram_keys *r);

/** The per-user salt used for derived and mock keys: HMAC-SHA-256(secret,
 * label || lower-case(login)) cut to SCRAM_DERIVED_SALT_BYTES. */
void scram_salt_for_login(const char *login, size_t login_len,
			  uint8_t salt[SCRAM_DERIVED_SALT_BYTES]);

#endif
