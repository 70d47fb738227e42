/*
 * search_sort.h — what SORT (RFC 5256, RFC 5957 DISPLAYFROM/DISPLAYTO) and
 * THREAD need to know of each matched message, loaded from its index
 * entry and MIME cache: sort keys, base subject, sent date, message ids.
 */
#ifndef RM_IMAP_SEARCH_SORT_H
#define RM_IMAP_SEARCH_SORT_H

#include <stdbool.h>
#include <stdint.h>

#include "server/imap/parse.h"
#include "server/imap/search_eval.h"

enum sort_key {
	SORT_ARRIVAL = 1, SORT_CC, SORT_DATE, SORT_FROM, SORT_SIZE, SORT_SUBJECT, SORT_TO,
	SORT_DISPLAYFROM, SORT_DISPLAYTO,
};

#define SORT_CRITERIA_MAX 16u

struct sort_criteria {
	enum sort_key key[SORT_CRITERIA_MAX];
	bool reverse[SORT_CRITERIA_MAX];
	unsigned n;
};

/** Parses SP "(" sort-criterion *(SP sort-criterion) ")". */
bool sort_parse_criteria(struct imap_parser *p, struct sort_criteria *c);

/* One matched message.  Strings are folded (i;unicode-casemap by bytes),
 * malloc'd and freed by sort_msgs_free. */
struct sort_msg {
	uint32_t idx;              /* in the search run's universe */
	uint32_t number;           /* sequence number or UID for the answer */
	int64_t arrival_s;
	int64_t date_s;            /* sent date, INTERNALDATE when absent (§2.2) */
	uint64_t size_bytes;
	char *subject;             /* base subject */
	bool reply;                /* the base subject removed a re:/fwd */
	char *from, *to, *cc;      /* addr-mailbox of the first address */
	char *dfrom, *dto;         /* RFC 5957 display values */
	char *msgid;               /* normalized Message-ID, NULL when none */
	char **refs;               /* References (or In-Reply-To's first id) */
	unsigned nrefs;
};

/** Loads the matched messages of r in universe order; *n_r entries. */
struct sort_msg *sort_msgs_load(const struct search_run *r, bool uid, bool threading,
				uint32_t *n_r);
void sort_msgs_free(struct sort_msg **m, uint32_t n);

/** Orders msgs by the criteria, sequence order breaking ties. */
void sort_msgs(struct sort_msg *m, uint32_t n, const struct sort_criteria *c);

/** Compares sent dates, then universe order (RFC 5256 §2.2 tie-break). */
int sort_by_date(const struct sort_msg *a, const struct sort_msg *b);

#endif
