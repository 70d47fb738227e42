/*
 * fts_doc.h — the searchable text of a message ("FTS document"), built once
 * at delivery, stored in the index beside the MIME cache, and matched by
 * SEARCH.  The full-text index (meta_fts.c) is built from the same bytes,
 * and the scan path of SEARCH builds the same document from the message
 * bytes at search time, so both paths match the same text.
 *
 * A document is a sequence of units, each one piece of decoded, case-folded
 * UTF-8 text (mime_fold_utf8):
 *   FTS_U_HEADER   a top-level header field, as "name: value" (name ASCII
 *                  lower-cased, value unfolded, RFC 2047 words decoded)
 *   FTS_U_MIME     a header field of a body part's own MIME header
 *   FTS_U_EMBED    a header field of an encapsulated message/rfc822
 *   FTS_U_BODY     the text of a text or message leaf part: transfer
 *                  encoding undone, charset converted, HTML reduced to text
 * Parts of other media types are not searched (RFC 9051 §6.4.4 allows it).
 * A match never spans two units.
 *
 * Byte layout:  u8 version (FTS_DOC_VERSION), then units:
 *   u8 kind, varint name_len, varint text_len, text[text_len]
 * where text starts with the name (name_len bytes) followed by ": " for
 * header units; name_len is 0 for body units.
 */
#ifndef RM_FTS_DOC_H
#define RM_FTS_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

#define FTS_DOC_VERSION 1u

enum fts_unit_kind {
	FTS_U_HEADER = 1,
	FTS_U_MIME = 2,
	FTS_U_EMBED = 3,
	FTS_U_BODY = 4,
};

/* Masks of unit kinds a search key looks at. */
#define FTS_M_TEXT   ((1u << FTS_U_HEADER) | (1u << FTS_U_MIME) | (1u << FTS_U_EMBED) | \
		      (1u << FTS_U_BODY))
#define FTS_M_BODY   ((1u << FTS_U_EMBED) | (1u << FTS_U_BODY))
#define FTS_M_HEADER (1u << FTS_U_HEADER)

struct fts_unit {
	enum fts_unit_kind kind;
	const char *name;        /* lower-cased field name (header units) */
	size_t name_len;
	const char *text;        /* "name: value" or body text */
	size_t text_len;
	const char *value;       /* text after "name: " (== text for bodies) */
	size_t value_len;
};

/**
 * Builds the document of the message [msg, msg+len) and appends it to
 * doc_r.  cache is the message's MIME cache blob (mime_parse); when it is
 * NULL or unusable the message is parsed here.  Never fails on content.
 */
void fts_doc_build(const char *msg, size_t len, const void *cache, size_t cache_len,
		   struct rm_buf *doc_r);

/** Iterates a stored document: 1 with *u filled, 0 at the end, -1 when
 * the bytes are malformed (the walk stops).  *pos starts at 0. */
int fts_doc_next(const void *doc, size_t len, size_t *pos, struct fts_unit *u);

/** True when the document decodes completely. */
bool fts_doc_valid(const void *doc, size_t len);

/**
 * Matches a folded needle against a document: true when some unit whose
 * kind bit is in kinds contains needle as a substring — in its value for
 * header units when header_name is set (only fields of that name, ASCII
 * case-insensitive; an empty needle then tests presence), in its whole
 * text otherwise.
 */
bool fts_doc_match(const void *doc, size_t len, unsigned kinds, const char *header_name,
		   size_t header_name_len, const char *needle, size_t needle_len);

/** Folds a search string as documents are folded (mime_fold_utf8 of the
 * UTF-8 text, invalid bytes kept). */
void fts_fold_needle(const char *s, size_t len, struct rm_buf *out);

/* ---- trigrams ---------------------------------------------------------- */

/** A trigram: three consecutive bytes of folded text, b0 << 16 | b1 << 8 | b2. */
typedef uint32_t fts_tri;

/**
 * The distinct trigrams of every unit of the document, in the order they
 * first occur (not sorted), into *tris_r (malloc'd, *n_r entries; the
 * caller frees).  Trigrams never span units.  Cost: about one hash probe
 * per byte of text.
 */
void fts_doc_trigrams(const void *doc, size_t len, fts_tri **tris_r, size_t *n_r);

/** The distinct trigrams of a (folded) needle, sorted, into tris (room for
 * len entries); returns how many.  0 for needles under 3 bytes. */
size_t fts_needle_trigrams(const char *needle, size_t len, fts_tri *tris);

/* ---- varints ------------------------------------------------------------ */

/** LEB128: 7 bits a byte, low first.  put returns the bytes written (<= 10);
 * get returns the bytes read, or 0 when [p, end) ends inside the number or
 * it overflows 64 bits. */
size_t fts_varint_put(uint8_t *p, uint64_t v);
size_t fts_varint_get(const uint8_t *p, const uint8_t *end, uint64_t *v_r);

#endif
