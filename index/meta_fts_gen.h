/*
 * meta_fts_gen.h — a merge generation of the full-text index: the
 * documents with an LSN in [from, cutoff), inverted in memory into one LSN
 * list per trigram, handed out in trigram order (meta_fts.c appends them
 * to the chunks; meta_fts_read.c dumps them).  Only meta_fts*.c include
 * this.
 *
 * Collecting reads documents in LSN order and adds (trigram, document)
 * pairs for each distinct trigram to one of 256 buckets by the trigram's
 * first byte: sequential writes, 4 bytes a pair (so at most 65,536
 * documents a generation: the cutoff moves down when there are more).
 * Handing out sorts one bucket at a time (a stable radix sort on the other
 * two bytes, so each list stays in LSN order) when the walk reaches it.
 * Both are done in bounded pieces, so a generation of any size costs the
 * worker short steps.  Memory: ~1 byte per byte of document text while
 * the generation lives, which is why at most RM_FTS_MERGE_GENS_MAX live
 * at once in the process.
 */
#ifndef RM_META_FTS_GEN_H
#define RM_META_FTS_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "index/fts_doc.h"

struct meta_txn;
struct meta_fts_gen;

/** A generation for the documents with an LSN in [from, cutoff), or NULL
 * when RM_FTS_MERGE_GENS_MAX are alive and force is unset (any thread). */
struct meta_fts_gen *meta_fts_gen_new(uint64_t from, uint64_t cutoff, bool force);
void meta_fts_gen_free(struct meta_fts_gen **g);

/**
 * Reads the next documents through t (in LSN order, those deleted since
 * simply absent) until their distinct trigrams reach max_pairs pairs or
 * the documents run out (*all_r).  RM_ERR_IO from LMDB.
 */
enum rm_err meta_fts_gen_collect(struct meta_fts_gen *g, struct meta_txn *t, uint64_t max_pairs,
				 bool *all_r);

/**
 * The next trigram and its documents' LSNs, ascending, in trigram order
 * (after the collection is complete).  *lsns_r stays valid until the next
 * call.  False at the end.
 */
bool meta_fts_gen_next(struct meta_fts_gen *g, fts_tri *tri_r, const uint64_t **lsns_r,
		       size_t *n_r);
/** The trigram meta_fts_gen_next returns next, without moving (false at
 * the end). */
bool meta_fts_gen_peek(struct meta_fts_gen *g, fts_tri *tri_r);

/** Whether every document below the cutoff has been read. */
bool meta_fts_gen_collected(const struct meta_fts_gen *g);
/** Documents collected, their text bytes, pairs; the cutoff (final once
 * collected). */
uint64_t meta_fts_gen_docs(const struct meta_fts_gen *g);
uint64_t meta_fts_gen_bytes(const struct meta_fts_gen *g);
uint64_t meta_fts_gen_pairs(const struct meta_fts_gen *g);
uint64_t meta_fts_gen_cutoff(const struct meta_fts_gen *g);

#endif
