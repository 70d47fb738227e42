/*
 * mime_header.h — walking a header block one field at a time (internal to
 * index/; mime_header_fields() in mime.h is the public use).
 *
 * A field is a line "name:" plus the continuation lines that follow it
 * (lines starting with space or tab).  The walk never reads past the end it
 * is given and never allocates.
 */
#ifndef RM_MIME_HEADER_H
#define RM_MIME_HEADER_H

#include <stddef.h>
#include <stdint.h>

enum mime_header_item {
	MIME_HEADER_EOF = 0,  /* no bytes left */
	MIME_HEADER_BLANK,    /* the empty line ending the block */
	MIME_HEADER_FIELD,    /* a "name:" field */
	MIME_HEADER_BROKEN,   /* a line (and its continuations) with no name: */
};

struct mime_header_line {
	enum mime_header_item item;
	size_t start;        /* first byte of the item */
	size_t end;          /* past its last line end (or the input end) */
	size_t name_len;     /* FIELD: name bytes at start (no spaces, no colon) */
	size_t value_start;  /* FIELD: just after the colon */
	size_t value_end;    /* FIELD: before the final line end */
	uint32_t lf_count;   /* LF bytes in [start, end) */
};

/** Reads the item starting at pos (a line start) in [0, len). */
void mime_header_next(const char *p, size_t len, size_t pos, struct mime_header_line *r);

#endif
