/*
 * seqset.h — IMAP sequence sets (RFC 9051 §9 sequence-set, §6.4.1 "*"),
 * parsed as written and resolved against a mailbox.
 *
 * "*" is kept symbolic (SEQSET_STAR) until resolve, where it becomes the
 * largest number in use; a range "a:b" with a > b means b:a (RFC 9051
 * §9: "2:4" and "4:2" are equivalent).  "$" (SEARCHRES, RFC 5182) is parsed
 * as a flag; the command substitutes the saved result.
 */
#ifndef RM_IMAP_SEQSET_H
#define RM_IMAP_SEQSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/imap/parse.h"

#define SEQSET_STAR UINT32_MAX

struct seq_range {
	uint32_t lo;
	uint32_t hi;
};

struct seqset {
	struct seq_range *r;   /* arena memory */
	size_t n;
	bool dollar;           /* the set was "$" */
};

/** Parses a sequence-set (or "$" when allow_dollar).  Limited to
 * RM_SEQSET_MAX_RANGES ranges.  Memory from the parser's arena. */
bool seqset_parse(struct imap_parser *p, bool allow_dollar, struct seqset *out);

/** Replaces "*" with star (the largest sequence number or UID in use; 0 for
 * an empty mailbox), orders each range, sorts and merges.  After this,
 * ranges are ascending and disjoint. */
void seqset_resolve(struct seqset *s, uint32_t star);

/** True when v is in a resolved set (binary search). */
bool seqset_contains(const struct seqset *s, uint32_t v);

/** Number of values in a resolved set (64-bit: 1:4294967295 fits). */
uint64_t seqset_count(const struct seqset *s);

/** Builds a resolved set from sorted unique values (compressed into
 * ranges); memory from arena. */
void seqset_from_sorted(struct seqset *s, const uint32_t *v, size_t n, struct rm_arena *arena);

/** Appends the set as IMAP text ("1:3,7") to out. */
void seqset_write(const struct seqset *s, struct rm_buf *out);

#endif
