/*
 * auth_cache.h — a worker's cache of recently verified credentials, so that
 * a client logging in again and again (benchmarks, phones reconnecting, a
 * login storm) costs one slow hash, not one per login.
 *
 * Key: SHA-256 over a random per-cache key, the login, the password and
 * the user's stored password string, so a hit proves the same password was
 * verified against the same stored hash (a password change misses).  The
 * per-cache key keeps the cached digests useless to anyone who reads the
 * process memory.  Value: "verified OK" and an expiry time; only successes
 * are cached.  Pass the login as spelled in the passwd entry
 * (passwd_entry.login) so that case variants share an entry.
 *
 * Two-way set-associative with RM_AUTH_CACHE_SIZE-style power-of-two
 * sizing; a full set evicts the entry that expires first.  The whole cache
 * is flushed when the passwd db generation given to a call differs from the
 * last one seen (a reload), and on auth_cache_flush.
 *
 * Not thread-safe: one cache per worker, used only on that worker's thread.
 */
#ifndef RM_AUTH_CACHE_H
#define RM_AUTH_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** One worker's cache (opaque). */
struct auth_cache;

/** A cache of `entries` slots (rounded up to a power of two, at least 2;
 * RM_AUTH_CACHE_SIZE is the default) whose entries live ttl_ms
 * (RM_AUTH_CACHE_TTL_DEFAULT_MS; 0 disables the cache: every check misses).
 * Free with auth_cache_destroy. */
struct auth_cache *auth_cache_create(unsigned entries, uint64_t ttl_ms);

/** Wipes and frees; *cache becomes NULL. */
void auth_cache_destroy(struct auth_cache **cache);

/** Credentials for one check: all pointers borrowed for the call. */
struct auth_cache_cred {
	const char *login;
	size_t login_len;
	const char *password;
	size_t password_len;
	const char *stored;      /* passwd_entry.password */
	uint64_t generation;     /* passwd_db_generation of the db it came from */
};

/** True when cred was verified successfully less than ttl_ms before now_ms
 * (rm_now_ms()) and the db generation has not changed since. */
bool auth_cache_check(struct auth_cache *cache, const struct auth_cache_cred *cred,
		      uint64_t now_ms);

/** Records a successful verification of cred at now_ms. */
void auth_cache_add(struct auth_cache *cache, const struct auth_cache_cred *cred,
		    uint64_t now_ms);

/** Drops every entry. */
void auth_cache_flush(struct auth_cache *cache);

/** Entries currently valid at now_ms (for metrics and tests). */
unsigned auth_cache_count(const struct auth_cache *cache, uint64_t now_ms);

#endif
