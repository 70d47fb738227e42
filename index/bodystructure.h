/*
 * bodystructure.h — rendering BODY and BODYSTRUCTURE from the part tree
 * (RFC 9051 §7.5.2 and the body grammar of §9).  Internal to index/; the
 * result is stored in the cache blob.  See mime.h for the rendering rules.
 */
#ifndef RM_BODYSTRUCTURE_H
#define RM_BODYSTRUCTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "index/mime_tree.h"

/** Appends the body structure of node idx: BODY when extended is false,
 * BODYSTRUCTURE (with extension data) when true.  Recursion follows the
 * tree, so it is bounded by RM_MIME_DEPTH_MAX. */
void bodystructure_write(struct mime_tree *t, uint32_t idx, bool extended,
	struct rm_buf *out);

#endif
