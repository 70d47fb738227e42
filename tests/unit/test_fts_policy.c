/*
 * When the full-text tail is merged (storage/store_fts.c): a small tail
 * waits RM_FTS_MERGE_IDLE_SMALL_MS of idleness, a tail of at least
 * RM_FTS_MERGE_BYTES / RM_FTS_MERGE_IDLE_MIN_DIV is merged after
 * RM_FTS_MERGE_IDLE_MS, and merging it empties the tail while search keeps
 * finding every message.  Merging a trickle of deliveries one message at a
 * time rewrote hundreds of posting pages per message.
 */
#include "tests/unit/test_store_util.h"
#include "tests/unit/test_search_util.h"
#include "index/mime.h"

static void tail(struct tenv *e, struct meta_fts_tail_stats *st)
{
	meta_fts_tail_stats(e->part->meta, st);
}

/* A text message with a word of its own ("uniqNNNNN") and ~8 KiB of
 * varied text. */
static uint32_t append_text(struct tenv *e, uint64_t user, uint64_t mbox, unsigned i)
{
	static char buf[16384];
	int n = snprintf(buf, sizeof(buf), "Subject: m%u\r\n\r\nuniq%05u", i, i);
	for (unsigned k = 0; n < 8192; k++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " w%ux%u", i * 7919 + k * 104729,
			      k);
	snprintf(buf + n, sizeof(buf) - (size_t)n, "\r\n");
	return t_append(e, user, mbox, buf);
}

static void check_found(struct tenv *e, uint64_t mbox, const uint32_t *uids, unsigned n)
{
	for (unsigned i = 0; i < n; i += 7) {
		char q[64];
		snprintf(q, sizeof(q), " BODY uniq%05u", i);
		uint32_t sc, ver;
		uint8_t *m = t_search(e->part, &e->loop, mbox, uids, n, q, SEARCH_PATH_AUTO, &sc,
				      &ver);
		for (unsigned j = 0; j < n; j++)
			CHECK(m[j] == (j == i));
		free(m);
	}
}

int main(void)
{
	struct tenv e;
	store_set_cache_builder(mime_parse);
	t_init(&e, 1, 4u * 1024 * 1024);
	uint64_t user = t_user(&e, "policy");
	uint64_t mbox = t_mbox_id(&e, user, "INBOX");
	uint32_t uids[256];
	unsigned n = 0;
	uids[n] = append_text(&e, user, mbox, n);
	n++;
	struct meta_fts_tail_stats st;
	tail(&e, &st);
	CHECK(st.docs == 1 && !st.merging);
	uint64_t t0 = e.part->last_commit_ms;
	/* One small message: not merged after the short idleness, merged after
	 * the long one. */
	CHECK(!store_fts_merge_due(e.part, t0 + RM_FTS_MERGE_IDLE_MS + 1000));
	CHECK(!store_fts_merge_due(e.part, t0 + RM_FTS_MERGE_IDLE_SMALL_MS - 1000));
	CHECK(store_fts_merge_due(e.part, t0 + RM_FTS_MERGE_IDLE_SMALL_MS));
	/* A tail past 1/16 of a generation: merged after the short idleness. */
	while (1) {
		tail(&e, &st);
		if (st.bytes >= RM_FTS_MERGE_BYTES / RM_FTS_MERGE_IDLE_MIN_DIV)
			break;
		CHECK(n < RM_ARRAY_LEN(uids));
		uids[n] = append_text(&e, user, mbox, n);
		n++;
	}
	CHECK(st.docs == n && st.bytes < RM_FTS_MERGE_BYTES);
	t0 = e.part->last_commit_ms;
	CHECK(!store_fts_merge_due(e.part, t0 + RM_FTS_MERGE_IDLE_MS - 100));
	CHECK(store_fts_merge_due(e.part, t0 + RM_FTS_MERGE_IDLE_MS));
	check_found(&e, mbox, uids, n);
	/* Merge steps run until it is all merged (the commit path reads the
	 * clock itself, so the policy makes any tail due at once). */
	store_fts_set_policy(e.part, 1, 0, 0, 0);
	for (unsigned turns = 0; turns < 100000; turns++) {
		tail(&e, &st);
		if (!st.docs && !st.merging)
			break;
		rm_loop_turn(&e.loop, store_part_expecting(e.part) ? 1 : 0);
	}
	tail(&e, &st);
	CHECK(st.docs == 0 && !st.merging);
	check_found(&e, mbox, uids, n);
	t_destroy(&e);
	return 0;
}
