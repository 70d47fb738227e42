/*
 * search_int.h — state shared by search_eval.c, search_index.c and
 * search_scan.c.  Not for use outside them.
 */
#ifndef RM_IMAP_SEARCH_INT_H
#define RM_IMAP_SEARCH_INT_H

#include "common/buf.h"
#include "common/limits.h"
#include "server/imap/search_eval.h"

/* Three-valued results: a text key the index could not answer is unknown
 * until the message's bytes are read. */
enum search_tv { TV_NO = 0, TV_YES = 1, TV_UNKNOWN = 2 };

/* A text key, prepared once. */
struct search_text {
	const struct search_key *k;
	unsigned kinds;            /* FTS_M_* */
	const char *header;        /* field name for HEADER keys, else NULL */
	size_t header_len;
	struct rm_buf needle;      /* folded */
	uint8_t *res;              /* n entries of enum search_tv (index path), or NULL */
};

struct search_scan_msg {
	struct search_state *st;
	uint32_t idx;
	struct store_read rd;
	char *bytes;
	size_t len;
	void *cache;
	size_t cache_len;
	bool ok;
};

struct search_state {
	struct search_run *r;
	uint64_t user_id;
	struct search_text *texts;
	unsigned ntexts;
	uint32_t uid_star;          /* the largest UID of the universe */
	bool want_threads;          /* a THREADID key: load msgs[].thread_key */
	/* Scan path: messages that need their bytes. */
	uint32_t *todo;
	uint32_t ntodo, next;
	struct search_scan_msg batch[RM_SEARCH_SCAN_BATCH];
	unsigned bn;
	unsigned reads;
	bool issuing;
};

/** Evaluates the program for message idx; doc is its FTS document when
 * the bytes were read (NULL otherwise: text keys without an index result
 * are unknown). */
enum search_tv search_eval_msg(struct search_state *st, uint32_t idx, const void *doc,
			       size_t doc_len);
/** Records the final answer for idx. */
void search_eval_set(struct search_state *st, uint32_t idx, bool match);
/** Finishes the run: done. */
void search_eval_finish(struct search_state *st);

/** The index path for every text key (search_index.c): fills texts[].res. */
enum rm_err search_index_run(struct search_state *st, struct store_view *v);
/** Reads and evaluates st->todo (search_scan.c); ends with
 * search_eval_finish. */
void search_scan_start(struct search_state *st);

#endif
