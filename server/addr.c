#include "server/addr.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util.h"

#define SHARDS 64
#define SLOTS_PER_SHARD (RM_ADDR_TABLE_SIZE / SHARDS)
/* A failure history older than this is forgotten. */
#define FAIL_FORGET_MS (15u * 60 * 1000)

struct slot {
	struct rm_addr addr;
	uint32_t conns;
	uint32_t fails;
	uint64_t last_fail_ms;
	bool used;
};

struct shard {
	pthread_mutex_t mu;
	struct slot slots[SLOTS_PER_SHARD];
};

struct addr_table {
	struct shard shards[SHARDS];
};

struct addr_table *addr_table_new(void)
{
	struct addr_table *t = rm_calloc(1, sizeof(*t));
	for (unsigned i = 0; i < SHARDS; i++)
		pthread_mutex_init(&t->shards[i].mu, NULL);
	return t;
}

void addr_table_free(struct addr_table **t)
{
	if (!*t)
		return;
	for (unsigned i = 0; i < SHARDS; i++)
		pthread_mutex_destroy(&(*t)->shards[i].mu);
	free(*t);
	*t = NULL;
}

static bool slot_idle(const struct slot *s, uint64_t now)
{
	return s->conns == 0 && (s->fails == 0 || now - s->last_fail_ms > FAIL_FORGET_MS);
}

static struct shard *shard_of(struct addr_table *t, const struct rm_addr *a, uint64_t *h_r)
{
	uint64_t h = rm_hash64(a->bytes, sizeof(a->bytes));
	*h_r = h;
	return &t->shards[h % SHARDS];
}

/* Open addressing within the shard (caller holds its mutex); an idle slot
 * is reused.  When a shard is full of busy addresses the lookup fails open
 * (no entry: no limit, no delay); only more than RM_ADDR_TABLE_SIZE live
 * addresses can cause that. */
static struct slot *slot_get(struct shard *sh, uint64_t h, const struct rm_addr *a, bool create)
{
	uint64_t now = rm_now_ms();
	struct slot *free_slot = NULL;
	for (unsigned i = 0; i < SLOTS_PER_SHARD; i++) {
		struct slot *s = &sh->slots[(h / SHARDS + i) % SLOTS_PER_SHARD];
		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			break;
		}
		if (memcmp(s->addr.bytes, a->bytes, 16) == 0)
			return s;
		if (!free_slot && slot_idle(s, now))
			free_slot = s;
	}
	if (!create || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->addr = *a;
	free_slot->used = true;
	return free_slot;
}

bool addr_conn_open(struct addr_table *t, const struct rm_addr *a, uint64_t limit)
{
	uint64_t h;
	struct shard *sh = shard_of(t, a, &h);
	bool ok = true;
	pthread_mutex_lock(&sh->mu);
	struct slot *s = slot_get(sh, h, a, true);
	if (s) {
		if (limit && s->conns >= limit)
			ok = false;
		else
			s->conns++;
	}
	pthread_mutex_unlock(&sh->mu);
	return ok;
}

void addr_conn_close(struct addr_table *t, const struct rm_addr *a)
{
	uint64_t h;
	struct shard *sh = shard_of(t, a, &h);
	pthread_mutex_lock(&sh->mu);
	struct slot *s = slot_get(sh, h, a, false);
	if (s && s->conns)
		s->conns--;
	pthread_mutex_unlock(&sh->mu);
}

uint32_t addr_auth_failed(struct addr_table *t, const struct rm_addr *a)
{
	uint64_t h;
	struct shard *sh = shard_of(t, a, &h);
	uint32_t delay = RM_AUTH_DELAY_START_MS;
	pthread_mutex_lock(&sh->mu);
	struct slot *s = slot_get(sh, h, a, true);
	if (s) {
		uint64_t now = rm_now_ms();
		if (s->fails && now - s->last_fail_ms > FAIL_FORGET_MS)
			s->fails = 0;
		s->fails++;
		s->last_fail_ms = now;
		unsigned shift = s->fails - 1 > 16 ? 16 : s->fails - 1;
		uint64_t d = (uint64_t)RM_AUTH_DELAY_START_MS << shift;
		delay = (uint32_t)(d > RM_AUTH_DELAY_MAX_MS ? RM_AUTH_DELAY_MAX_MS : d);
	}
	pthread_mutex_unlock(&sh->mu);
	return delay;
}

void addr_auth_succeeded(struct addr_table *t, const struct rm_addr *a)
{
	uint64_t h;
	struct shard *sh = shard_of(t, a, &h);
	pthread_mutex_lock(&sh->mu);
	struct slot *s = slot_get(sh, h, a, false);
	if (s)
		s->fails = 0;
	pthread_mutex_unlock(&sh->mu);
}

bool addr_is_loopback(const struct rm_addr *a)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t v6loop[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	if (memcmp(a->bytes, v4mapped, 12) == 0)
		return a->bytes[12] == 127;
	return memcmp(a->bytes, v6loop, 16) == 0;
}

void addr_format(const struct rm_addr *a, char *out, unsigned cap)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (memcmp(a->bytes, v4mapped, 12) == 0)
		inet_ntop(AF_INET, a->bytes + 12, out, cap);
	else
		inet_ntop(AF_INET6, a->bytes, out, cap);
}
