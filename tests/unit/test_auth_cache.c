/*
 * Unit tests for server/auth/auth_cache: hits only for the exact (login,
 * password, stored hash) that was added, expiry, flush on a new passwd db
 * generation, eviction within a full cache, a disabled cache, and the cost
 * of a check (printed).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/limits.h"
#include "common/util.h"
#include "server/auth/auth_cache.h"

static int failures;

#define CHECK(cond) \
	do { if (!(cond)) { fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

static struct auth_cache_cred cred(const char *login, const char *pw, const char *stored,
				   uint64_t gen)
{
	struct auth_cache_cred c = {
		.login = login, .login_len = strlen(login), .password = pw,
		.password_len = strlen(pw), .stored = stored, .generation = gen,
	};
	return c;
}

static void test_basic(void)
{
	struct auth_cache *c = auth_cache_create(RM_AUTH_CACHE_SIZE, RM_AUTH_CACHE_TTL_DEFAULT_MS);
	struct auth_cache_cred a = cred("alice", "pw", "{SHA512-CRYPT}$6$s$h", 1);
	uint64_t t = 1000;
	CHECK(!auth_cache_check(c, &a, t));
	auth_cache_add(c, &a, t);
	CHECK(auth_cache_check(c, &a, t));
	CHECK(auth_cache_check(c, &a, t + RM_AUTH_CACHE_TTL_DEFAULT_MS - 1));
	CHECK(!auth_cache_check(c, &a, t + RM_AUTH_CACHE_TTL_DEFAULT_MS));
	CHECK(auth_cache_count(c, t) == 1);
	/* Any field different: a miss. */
	struct auth_cache_cred v[] = {
		cred("alice", "pW", "{SHA512-CRYPT}$6$s$h", 1),
		cred("alice", "pw ", "{SHA512-CRYPT}$6$s$h", 1),
		cred("alicE", "pw", "{SHA512-CRYPT}$6$s$h", 1),
		cred("alice", "pw", "{SHA512-CRYPT}$6$s$H", 1),   /* password changed */
		cred("alicep", "w", "{SHA512-CRYPT}$6$s$h", 1),   /* same bytes, other split */
	};
	for (size_t i = 0; i < RM_ARRAY_LEN(v); i++)
		CHECK(!auth_cache_check(c, &v[i], t));
	CHECK(auth_cache_check(c, &a, t));
	/* A reload (new generation) flushes everything. */
	struct auth_cache_cred a2 = cred("alice", "pw", "{SHA512-CRYPT}$6$s$h", 2);
	CHECK(!auth_cache_check(c, &a2, t));
	CHECK(auth_cache_count(c, t) == 0);
	CHECK(!auth_cache_check(c, &a, t)); /* and going back is another change */
	auth_cache_add(c, &a, t);
	auth_cache_flush(c);
	CHECK(!auth_cache_check(c, &a, t));
	/* Re-adding refreshes the expiry. */
	auth_cache_add(c, &a, t);
	auth_cache_add(c, &a, t + 1000);
	CHECK(auth_cache_count(c, t) == 1);
	CHECK(auth_cache_check(c, &a, t + RM_AUTH_CACHE_TTL_DEFAULT_MS + 500));
	auth_cache_destroy(&c);
	CHECK(c == NULL);

	c = auth_cache_create(16, 0); /* ttl 0: disabled */
	auth_cache_add(c, &a, t);
	CHECK(!auth_cache_check(c, &a, t));
	auth_cache_destroy(&c);
}

static void test_full(void)
{
	/* 64 slots, 1000 users: the cache stays bounded, recent entries mostly
	 * hit, and every hit is a real one. */
	struct auth_cache *c = auth_cache_create(64, 60000);
	char logins[1000][16];
	for (unsigned i = 0; i < 1000; i++) {
		snprintf(logins[i], sizeof(logins[i]), "u%u", i);
		struct auth_cache_cred x = cred(logins[i], "pw", "{PLAIN}pw", 7);
		auth_cache_add(c, &x, 10 + i);
	}
	CHECK(auth_cache_count(c, 0) == 64);
	unsigned hits_recent = 0, hits_old = 0;
	for (unsigned i = 0; i < 1000; i++) {
		struct auth_cache_cred x = cred(logins[i], "pw", "{PLAIN}pw", 7);
		struct auth_cache_cred wrong = cred(logins[i], "px", "{PLAIN}pw", 7);
		bool hit = auth_cache_check(c, &x, 2000);
		CHECK(!auth_cache_check(c, &wrong, 2000));
		if (i >= 1000 - 16)
			hits_recent += hit;
		else
			hits_old += hit;
	}
	CHECK(hits_recent + hits_old == 64);
	CHECK(hits_recent >= 8); /* the newest entry of each set always survives */
	auth_cache_destroy(&c);
}

static void test_cost(void)
{
	struct auth_cache *c = auth_cache_create(RM_AUTH_CACHE_SIZE, RM_AUTH_CACHE_TTL_DEFAULT_MS);
	struct auth_cache_cred a = cred("someone@example.com", "a reasonably long password",
		"{ARGON2ID}$argon2id$v=19$m=32768,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", 1);
	auth_cache_add(c, &a, 1);
	enum { N = 200000 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned hits = 0;
	for (unsigned i = 0; i < N; i++)
		hits += auth_cache_check(c, &a, 2);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / N;
	CHECK(hits == N);
	printf("auth_cache_check: %.0f ns per hit\n", ns);
	auth_cache_destroy(&c);
}

int main(void)
{
	test_basic();
	test_full();
	test_cost();
	if (failures) {
		fprintf(stderr, "%d failure(s)\n", failures);
		return 1;
	}
	printf("auth_cache: all passed\n");
	return 0;
}
