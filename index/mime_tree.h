/*
 * mime_tree.h — the in-memory part tree built by mime_parse_tree() and read
 * by the renderers (envelope.c, bodystructure.c) and the blob writer
 * (mime_cache.c).  Internal to index/: the outside world sees the blob.
 *
 * Every string in the tree either points into the message (header field
 * values, raw, still folded) or into the tree's arena (decoded parameter
 * values, boundaries); all of it lives until mime_tree_fini().
 */
#ifndef RM_MIME_TREE_H
#define RM_MIME_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "index/mime.h"

/** A byte string that is not NUL-terminated; p == NULL means absent. */
struct mime_str {
	const char *p;
	size_t len;
};

/** Header fields the parser keeps, per part.  The first group matters for
 * every part (BODYSTRUCTURE), the second only for messages (ENVELOPE, SORT,
 * THREAD). */
enum mime_hdr {
	MIME_H_CONTENT_TYPE = 0,
	MIME_H_CONTENT_TRANSFER_ENCODING,
	MIME_H_CONTENT_DISPOSITION,
	MIME_H_CONTENT_ID,
	MIME_H_CONTENT_DESCRIPTION,
	MIME_H_CONTENT_MD5,
	MIME_H_CONTENT_LANGUAGE,
	MIME_H_CONTENT_LOCATION,
	MIME_H_DATE,
	MIME_H_SUBJECT,
	MIME_H_FROM,
	MIME_H_SENDER,
	MIME_H_REPLY_TO,
	MIME_H_TO,
	MIME_H_CC,
	MIME_H_BCC,
	MIME_H_IN_REPLY_TO,
	MIME_H_MESSAGE_ID,
	MIME_H_REFERENCES,
	MIME_H__COUNT
};

/** One parameter after RFC 2231 decoding: name upper-cased (arena). */
struct mime_param {
	struct mime_str name;
	struct mime_str value;
};

struct mime_params {
	struct mime_param *v; /* arena */
	uint32_t n;
};

struct mime_node {
	uint32_t header_start, body_start, body_end, lines;
	uint32_t body_lf;       /* LFs in the message before body_start */
	uint32_t parent, first_child, last_child, next_sibling;
	uint32_t number;        /* place among a multipart parent's parts */
	uint32_t child_count;
	uint8_t kind;           /* enum mime_kind */
	uint8_t encoding;       /* enum mime_encoding */
	uint8_t flags;          /* MIME_PART_F_* */
	uint8_t depth;
	struct mime_str type, subtype; /* as received, or the default's */
	struct mime_str boundary;      /* multipart only, arena */
	struct mime_params params;     /* Content-Type parameters */
	struct mime_str hdr[MIME_H__COUNT]; /* raw values (after the colon) */
};

struct mime_tree {
	const char *msg;
	size_t len;
	struct mime_node *nodes;
	uint32_t count, cap;
	struct rm_arena arena;
};

/** An empty tree over [msg, msg+len); the message must outlive the tree. */
void mime_tree_init(struct mime_tree *t, const char *msg, size_t len);
/** Frees the nodes and the arena (every string the tree handed out). */
void mime_tree_fini(struct mime_tree *t);
/** Appends a zeroed node with no links and returns its index. */
uint32_t mime_tree_add(struct mime_tree *t);

/** Builds the tree of [msg, msg+len): see mime.h for the rules. */
void mime_parse_tree(struct mime_tree *t);

#endif
