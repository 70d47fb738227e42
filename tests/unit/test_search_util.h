/*
 * test_search_util.h — running one SEARCH program on a bare partition
 * (header-only, static; include after test_store_util.h or anything that
 * defines CHECK and CHECK_OK).  Used by test_search_diff and crash_fts.
 */
#ifndef RM_TEST_SEARCH_UTIL_H
#define RM_TEST_SEARCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/loop.h"
#include "server/imap/search_eval.h"

static bool t_search_done_flag;

static void t_search_done(struct search_run *r)
{
	(void)r;
	t_search_done_flag = true;
}

/* Runs text (a program after "SEARCH") over uids of mailbox mbox; returns
 * the match bytes (malloc'd) and the counters.  loop is the partition's,
 * or NULL when it is offline (reads complete inline). */
static inline uint8_t *t_search(struct part *part, struct rm_loop *loop, uint64_t mbox,
				const uint32_t *uids, uint32_t n, const char *text,
				enum search_path path, uint32_t *scanned_r, uint32_t *verified_r)
{
	struct rm_arena a;
	rm_arena_init(&a, 4096);
	struct imap_parser p;
	imap_parser_init(&p, text, strlen(text), NULL, 0, &a);
	p.utf8 = true;
	struct search_program prog;
	if (!search_parse(&p, false, &prog)) {
		fprintf(stderr, "parse failed: %s: %s\n", text, p.error);
		exit(1);
	}
	struct search_run r = { .part = part, .mailbox_id = mbox, .uids = uids, .n = n,
				.prog = &prog, .path = path, .now_s = 1800000000,
				.done = t_search_done };
	t_search_done_flag = false;
	CHECK_OK(search_run_start(&r));
	while (!t_search_done_flag) {
		CHECK(loop != NULL);
		rm_loop_turn(loop, 1);
	}
	CHECK(r.err == RM_OK);
	uint8_t *m = rm_malloc(n ? n : 1);
	memcpy(m, r.match, n);
	*scanned_r = r.scanned;
	*verified_r = r.verified;
	search_run_free(&r);
	rm_arena_fini(&a);
	return m;
}

#endif
