/*
 * datagen.h — deterministic, realistic test messages for the benchmarks.
 *
 * A message is a pure function of (seed, index, target size): loading the
 * same seed into ringmail and into Dovecot gives byte-identical mailboxes.
 * Shapes: text/plain, multipart/alternative (text + HTML), multipart/mixed
 * with a base64 attachment, in several charsets and transfer encodings, with
 * RFC 2047 encoded subjects.  Sizes are drawn from a real mailbox's size
 * list (mailbox_email_sizes.csv from the shared corpus), clamped to
 * [DATAGEN_MIN_BYTES, max].  Lines end in CRLF.
 *
 * Search needles planted for the `search` workload: DATAGEN_WORD_RARE appears
 * in the body text of about 1 message in 100, and DATAGEN_FROM_RARE is the
 * sender name of about 1 in 50.  Every other body word is made of syllables
 * that cannot spell either needle.
 */
#ifndef RM_BENCH_DATAGEN_H
#define RM_BENCH_DATAGEN_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

#define DATAGEN_MIN_BYTES      1024u
#define DATAGEN_MAX_BYTES      (5u * 1024 * 1024)
#define DATAGEN_WORD_RARE      "quillwort"
#define DATAGEN_FROM_RARE      "Zanzibar"
/* Size rows accepted from a CSV file: the corpus file has 2,427. */
#define DATAGEN_SIZES_MAX_ROWS 1000000u

/** Message sizes to draw from (bytes, as listed in the CSV). */
struct datagen_sizes {
	uint32_t *sizes_bytes;
	size_t count;
};

/** Reads the `size` column of a CSV whose header names it (pos,size,mailbox).
 * On RM_OK *sizes_r is owned by the caller (datagen_sizes_free); on error
 * it is NULL: RM_ERR_IO (cannot open), RM_ERR_SYNTAX (no size column or no
 * row), RM_ERR_LIMIT (more than DATAGEN_SIZES_MAX_ROWS rows). */
enum rm_err datagen_sizes_load(const char *csv_path, struct datagen_sizes **sizes_r);

/** A list holding one fixed size (for `--size N` runs); caller frees. */
struct datagen_sizes *datagen_sizes_fixed(uint32_t size_bytes);

/** Frees the list and sets *sizes to NULL; NULL is allowed. */
void datagen_sizes_free(struct datagen_sizes **sizes);

/** Draws one size uniformly from the list (so the draw follows the list's
 * distribution), clamped to [DATAGEN_MIN_BYTES, max_bytes]. */
uint32_t datagen_size_draw(const struct datagen_sizes *sizes, uint64_t *rng, uint32_t max_bytes);

/** The size message `index` of `seed` gets (deterministic draw). */
uint32_t datagen_size_of(const struct datagen_sizes *sizes, uint64_t seed, uint64_t index,
			 uint32_t max_bytes);

/** Appends message `index` of `seed`, about target_bytes long (within a few
 * hundred bytes or 2 %), to out.  target_bytes below DATAGEN_MIN_BYTES is
 * raised to it. */
void datagen_message(uint64_t seed, uint64_t index, size_t target_bytes, struct rm_buf *out);

/** splitmix64 step: the generator's PRNG, exposed so that callers drawing
 * their own choices stay reproducible from a seed. */
uint64_t datagen_rand(uint64_t *state);

#endif
