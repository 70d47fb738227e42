#include "server/auth/auth_cache.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define AUTH_CACHE_KEY_BYTES 32u

struct auth_cache_slot {
	uint8_t digest[AUTH_CACHE_KEY_BYTES];
	uint64_t expires_ms;     /* 0: empty */
};

struct auth_cache {
	uint64_t ttl_ms;
	uint64_t generation;
	size_t mask;             /* slots - 1 */
	EVP_MD_CTX *md;
	uint8_t key[AUTH_CACHE_KEY_BYTES];
	struct auth_cache_slot *slots;
};

struct auth_cache *auth_cache_create(unsigned entries, uint64_t ttl_ms)
{
	struct auth_cache *c = rm_calloc(1, sizeof(*c));
	size_t n = 2;
	while (n < entries)
		n *= 2;
	c->mask = n - 1;
	c->ttl_ms = ttl_ms;
	c->slots = rm_calloc(n, sizeof(*c->slots));
	c->md = EVP_MD_CTX_new();
	RM_ASSERT(c->md != NULL);
	RM_ASSERT(RAND_bytes(c->key, sizeof(c->key)) == 1);
	return c;
}

void auth_cache_destroy(struct auth_cache **cp)
{
	struct auth_cache *c = *cp;
	if (!c)
		return;
	OPENSSL_cleanse(c->slots, (c->mask + 1) * sizeof(*c->slots));
	OPENSSL_cleanse(c->key, sizeof(c->key));
	EVP_MD_CTX_free(c->md);
	free(c->slots);
	free(c);
	*cp = NULL;
}

void auth_cache_flush(struct auth_cache *c)
{
	memset(c->slots, 0, (c->mask + 1) * sizeof(*c->slots));
}

/* Length-prefixed fields so that ("ab","c") and ("a","bc") differ. */
static void auth_cache_field(EVP_MD_CTX *md, const void *p, size_t n)
{
	uint8_t len[8];
	rm_le64_put(len, n);
	RM_ASSERT(EVP_DigestUpdate(md, len, sizeof(len)) == 1);
	RM_ASSERT(EVP_DigestUpdate(md, p, n) == 1);
}

static void auth_cache_digest(struct auth_cache *c, const struct auth_cache_cred *cred,
			      uint8_t out[AUTH_CACHE_KEY_BYTES])
{
	RM_ASSERT(EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) == 1);
	auth_cache_field(c->md, c->key, sizeof(c->key));
	auth_cache_field(c->md, cred->login, cred->login_len);
	auth_cache_field(c->md, cred->password, cred->password_len);
	auth_cache_field(c->md, cred->stored, strlen(cred->stored));
	RM_ASSERT(EVP_DigestFinal_ex(c->md, out, NULL) == 1);
}

/* The first slot of the digest's two-slot set. */
static struct auth_cache_slot *auth_cache_set(struct auth_cache *c, const uint8_t *digest)
{
	return &c->slots[(size_t)rm_le64_get(digest) & c->mask & ~(size_t)1];
}

static void auth_cache_generation(struct auth_cache *c, uint64_t generation)
{
	if (generation != c->generation) {
		auth_cache_flush(c);
		c->generation = generation;
	}
}

bool auth_cache_check(struct auth_cache *c, const struct auth_cache_cred *cred,
		      uint64_t now_ms)
{
	auth_cache_generation(c, cred->generation);
	if (c->ttl_ms == 0)
		return false;
	uint8_t d[AUTH_CACHE_KEY_BYTES];
	auth_cache_digest(c, cred, d);
	struct auth_cache_slot *set = auth_cache_set(c, d);
	bool hit = false;
	for (unsigned i = 0; i < 2; i++) {
		if (set[i].expires_ms > now_ms &&
		    CRYPTO_memcmp(set[i].digest, d, sizeof(d)) == 0)
			hit = true;
	}
	OPENSSL_cleanse(d, sizeof(d));
	return hit;
}

void auth_cache_add(struct auth_cache *c, const struct auth_cache_cred *cred, uint64_t now_ms)
{
	auth_cache_generation(c, cred->generation);
	if (c->ttl_ms == 0)
		return;
	uint8_t d[AUTH_CACHE_KEY_BYTES];
	auth_cache_digest(c, cred, d);
	struct auth_cache_slot *set = auth_cache_set(c, d);
	struct auth_cache_slot *victim = &set[0];
	for (unsigned i = 0; i < 2; i++) {
		if (memcmp(set[i].digest, d, sizeof(d)) == 0) {
			victim = &set[i]; /* refresh in place */
			break;
		}
		if (set[i].expires_ms < victim->expires_ms)
			victim = &set[i];
	}
	memcpy(victim->digest, d, sizeof(d));
	victim->expires_ms = now_ms + c->ttl_ms;
	OPENSSL_cleanse(d, sizeof(d));
}

unsigned auth_cache_count(const struct auth_cache *c, uint64_t now_ms)
{
	unsigned n = 0;
	for (size_t i = 0; i <= c->mask; i++)
		n += c->slots[i].expires_ms > now_ms;
	return n;
}
