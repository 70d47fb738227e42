/*
 * search_eval.h — evaluating a parsed SEARCH program (search_parse.h) over
 * the messages of a mailbox.  Used by SEARCH, SORT and THREAD; independent
 * of the session so the differential test can run it on a bare store.
 *
 * How a search runs (all on the partition's owner thread):
 *  1. One read view: every message of the universe gets its index entry
 *     (flags, dates, size, MODSEQ, keywords, blob LSN); SENT* keys add the
 *     Date from the MIME cache.
 *  2. Text keys (TEXT, BODY, HEADER and FROM/TO/CC/BCC/SUBJECT) on the index
 *     path: the trigrams of the folded needle select candidate blobs from
 *     the postings, and each candidate's FTS document is matched
 *     (search_index.c).  The result is exact: postings are a superset and
 *     every candidate is verified.  Messages whose blob has no document
 *     (stored before the index existed) stay unknown.
 *  3. Each message is evaluated with three-valued logic; one that comes
 *     out unknown (it needs text the index could not answer) is read
 *     through io_uring in batches, its FTS document built from the bytes
 *     exactly as at delivery, and evaluated again (search_scan.c).
 * With path SEARCH_PATH_SCAN step 2 is skipped: every text key is answered
 * from the message bytes.  Both paths match the same documents, so they
 * give the same answer (tests/unit/test_search_diff.c checks it).
 */
#ifndef RM_IMAP_SEARCH_EVAL_H
#define RM_IMAP_SEARCH_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "server/imap/search_parse.h"
#include "storage/store.h"

enum search_path {
	SEARCH_PATH_AUTO = 0,    /* the index where it helps, else the bytes */
	SEARCH_PATH_SCAN,        /* never the index (tests, diagnosis) */
};

struct search_run;
struct search_state;
typedef void search_done_fn(struct search_run *r);

/* Per message facts the evaluation and SORT need. */
struct search_msg {
	uint64_t blob_lsn;
	uint64_t modseq;
	uint64_t size_bytes;
	int64_t internal_date_s;
	int64_t save_date_s;
	int64_t sent_date_s;       /* Date header (UTC); -1 absent or not loaded */
	int32_t sent_zone_s;       /* the Date header's zone, seconds east of UTC */
	uint64_t thread_key;       /* hash of the THREADID (loaded for THREADID keys) */
	uint32_t flags;
	uint32_t kw_off;           /* keyword ids at kw[kw_off..+nkw) */
	uint16_t nkw;
	bool present;              /* still in the store */
};

struct search_run {
	/* Inputs, set before search_run_start and unchanged until done. */
	struct part *part;
	uint64_t mailbox_id;
	const uint32_t *uids;      /* the universe, ascending: seq = index + 1 */
	uint32_t n;
	struct search_program *prog;   /* its sequence sets are resolved here */
	const struct seqset *saved;    /* "$" (UIDs, RFC 5182), NULL = empty */
	/* \Recent (IMAP4rev1): NULL means nothing is recent. */
	bool (*is_recent)(const void *arg, uint32_t uid);
	const void *recent_arg;
	enum search_path path;
	int64_t now_s;             /* OLDER / YOUNGER */
	unsigned partition;        /* EMAILID / THREADID (objectid.h) */
	bool want_sent_dates;      /* load msgs[].sent_date_s for every message */
	search_done_fn *done;
	void *arg;                 /* the caller's */
	/* Results, valid in done until search_run_free. */
	uint8_t *match;            /* n bytes: 1 = matches */
	struct search_msg *msgs;   /* n entries */
	uint16_t *kw;
	uint64_t max_modseq;       /* highest MODSEQ among matches */
	enum rm_err err;           /* RM_OK, or RM_ERR_IO when a message could
	                            * not be read (it counts as not matching) */
	/* Counters for tests and logs. */
	uint32_t scanned;          /* messages whose bytes were read */
	uint32_t verified;         /* index candidates matched against documents */
	struct search_state *st;   /* private */
};

/**
 * Runs the search.  done is called exactly once, possibly before this
 * returns (nothing to read) and otherwise from an io_uring completion.
 * Returns RM_OK, or an error without calling done (RM_ERR_IO / RM_ERR_BUSY:
 * no read view).
 */
enum rm_err search_run_start(struct search_run *r);
/** Frees what the run allocated (results included).  Not while reads are
 * in flight: the caller waits for done (a command keeps its connection
 * referenced until then). */
void search_run_free(struct search_run *r);

#endif
