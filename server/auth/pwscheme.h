/*
 * pwscheme.h — verifying and creating stored passwords in Dovecot's
 * "{SCHEME}data" form (the password field of a passwd-file line).
 *
 * Schemes verified (names are case-insensitive; a field without a "{…}"
 * prefix is CRYPT, as in Dovecot):
 *   PLAIN, CLEARTEXT      the password itself
 *   CRYPT, MD5-CRYPT, SHA256-CRYPT, SHA512-CRYPT, BLF-CRYPT
 *                         crypt(3) strings ($1$, $5$, $6$, $2y$/$2b$, DES),
 *                         checked with libxcrypt's crypt_r whatever the name
 *   ARGON2ID, ARGON2I     PHC strings "$argon2id$v=19$m=…,t=…,p=…$salt$hash"
 *   SHA, SHA256, SHA512   base64 of the digest of the password
 *   SSHA, SSHA256, SSHA512 base64 of digest(password || salt) || salt
 *   SCRAM-SHA-256         keys derived from the password (scram.h) compared
 *                         with the stored StoredKey
 * The digest schemes also take Dovecot's encoding suffixes ".B64", ".BASE64"
 * and ".HEX" ({SHA256.HEX}…).
 *
 * Every comparison of secret-derived bytes is constant-time (CRYPTO_memcmp);
 * PLAIN compares SHA-256 digests so that not even the length leaks.
 *
 * Cost: the slow schemes are slow on purpose (see the measurements in
 * tests/unit/test_auth_pwscheme.c); call pwscheme_verify and pwscheme_make
 * on the auth pool (auth_pool.h), never on a worker.  Thread-safe.
 */
#ifndef RM_PWSCHEME_H
#define RM_PWSCHEME_H

#include <stddef.h>

#include "common/buf.h"
#include "common/err.h"

/* Default scheme for new passwords (admin CLI).  ARGON2ID parameters for
 * pwscheme_make: 32 MiB of memory, 2 passes, 1 lane — measured ~52 ms per
 * hash with Debian's libargon2 on the 2-core development VM (16 MiB/3 passes
 * was 25 ms, 64 MiB/3 passes 166 ms).  RFC 9106 §4's second recommended
 * option is 64 MiB/3 passes; the lower memory keeps a login storm on several
 * pool threads within a few hundred MiB.  Re-measure with
 * tests/unit/test_auth_pwscheme (it prints ms per verification). */
#define PWSCHEME_DEFAULT "ARGON2ID"
#define PWSCHEME_ARGON2_M_KIB 32768u
#define PWSCHEME_ARGON2_T 2u
#define PWSCHEME_ARGON2_P 1u
/* bcrypt cost for BLF-CRYPT (2^cost rounds): 10 measured ~50 ms here.
 * SHA512-CRYPT uses the crypt(3) default of 5000 rounds. */
#define PWSCHEME_BCRYPT_COST 10u

/** The outcome of pwscheme_verify. */
enum pwscheme_result {
	PWSCHEME_MATCH = 0,
	PWSCHEME_MISMATCH,
	PWSCHEME_UNKNOWN,   /* the scheme is not one of the above */
	PWSCHEME_INVALID,   /* known scheme, but the stored data does not parse */
};

/** A stored password split into scheme and data.  Pointers into the
 * string given to pwscheme_split; name is not NUL-terminated. */
struct pwscheme_stored {
	const char *name;  /* "CRYPT" (static) when there was no prefix */
	size_t name_len;
	const char *data;  /* NUL-terminated: the rest of the string */
};

/** Splits "{SCHEME}data"; a string not starting with '{' or without a '}'
 * is CRYPT data as a whole. */
void pwscheme_split(const char *stored, struct pwscheme_stored *r);

/** True when name (name_len bytes) equals scheme, ignoring ASCII case. */
int pwscheme_name_is(const struct pwscheme_stored *s, const char *scheme);

/** Checks password (pwlen bytes, any bytes) against a stored password.
 * Crypt schemes cannot take a password with a NUL byte (mismatch).  Passwords
 * over RM_AUTH_PASSWORD_MAX_BYTES never match.  An empty stored string (a
 * passwd-file user without a password) never matches. */
enum pwscheme_result pwscheme_verify(const char *stored, const char *password, size_t pwlen);

/** Appends "{SCHEME}data" for password to out, with a fresh random salt
 * (RAND_bytes).  Schemes: ARGON2ID, SHA512-CRYPT, BLF-CRYPT, SCRAM-SHA-256,
 * PLAIN.  Returns RM_OK, RM_ERR_UNSUPPORTED for another scheme, RM_ERR_INVAL
 * for a password the scheme cannot take (NUL bytes for crypt, a bad UTF-8
 * sequence for SCRAM's SASLprep, over RM_AUTH_PASSWORD_MAX_BYTES), RM_ERR_IO
 * when the library or the random generator fails.  Nothing is appended on
 * error. */
enum rm_err pwscheme_make(const char *scheme, const char *password, size_t pwlen,
			  struct rm_buf *out);

#endif
