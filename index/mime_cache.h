/*
 * mime_cache.h — writing the cache blob from a parsed tree (the accessors
 * that read it are declared in mime.h).  Internal to index/; the byte
 * layout is specified at the top of mime_cache.c.
 */
#ifndef RM_MIME_CACHE_H
#define RM_MIME_CACHE_H

#include <stdint.h>

#include "common/buf.h"
#include "index/mime_tree.h"

/** Renders ENVELOPE, BODY and BODYSTRUCTURE of t and appends the blob to
 * out.  Allocates renderer scratch from t's arena. */
void mime_cache_write(struct mime_tree *t, struct rm_buf *out);

/** Tree links of part idx, checked to point forward (so walks over a
 * damaged blob end): RM_OK, RM_ERR_NOTFOUND (no such part), RM_ERR_CORRUPT. */
enum rm_err mime_cache_links(const void *blob, size_t len, uint32_t idx,
	uint32_t *first_child_r, uint32_t *next_sibling_r);

#endif
