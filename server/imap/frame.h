/*
 * frame.h — finds where one IMAP command ends in the input stream.
 *
 * A command is one or more lines; a line that ends in a literal marker
 * ({N}, {N+}, {N-}... and ~{N} for literal8) continues after N bytes of
 * literal data.  The framer copies line text into `text` (marker included,
 * CRLF after a marker kept, the final CRLF dropped) and literal bytes into
 * separate buffers in `lits`, so a big APPEND literal lands once, in the
 * buffer that will be written to the log.
 *
 * The framer knows no IMAP semantics: when a line ends in a marker it stops
 * and reports FRAME_LITERAL; the session decides (limit, state, tag) and
 * calls frame_literal_accept() or frame_literal_reject().  Bytes are never
 * read past a limit into memory: a rejected literal is skipped, not stored.
 *
 * Parsers return how much input they consumed; the caller keeps the rest.
 */
#ifndef RM_IMAP_FRAME_H
#define RM_IMAP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct imap_literal {
	char *data;          /* literal bytes start here */
	void *owner;         /* what to free (may differ from data: headroom) */
	uint64_t len;
	uint64_t fill;       /* bytes received so far */
	bool nonsync;        /* {N+} */
	bool binary;         /* ~{N} (literal8) */
	bool has_nul;
	bool stolen;         /* ownership taken by a command (APPEND) */
	void (*free_fn)(void *owner);
};

enum frame_state {
	FRAME_ST_LINE,
	FRAME_ST_LITERAL,
	FRAME_ST_DISCARD_LITERAL,
	FRAME_ST_DISCARD_LINE,
};

enum frame_result {
	FRAME_MORE,        /* all input consumed, command not complete */
	FRAME_COMMAND,     /* a whole command is in text/lits */
	FRAME_LITERAL,     /* line ended in a literal marker: decide */
	FRAME_LINE_TOO_LONG, /* line passed max_line: command discarded */
	FRAME_DISCARDED,   /* a discarded command ended: nothing to do */
};

struct imap_frame {
	struct rm_buf text;
	struct imap_literal *lits;
	unsigned nlits;
	unsigned lits_cap;
	enum frame_state state;
	size_t seg_start;        /* where the current line starts in text */
	uint64_t discard_left;   /* FRAME_ST_DISCARD_LITERAL */
	uint64_t total_bytes;    /* literal bytes of this command */
	/* Filled when FRAME_LITERAL is returned. */
	uint64_t pending_len;
	bool pending_nonsync;
	bool pending_binary;
	/* Set while discarding: report FRAME_DISCARDED at the end. */
	bool discarding;
};

void frame_init(struct imap_frame *fr);
/** Frees everything not stolen, ready for the next command.  When
 * keep_memory is false the text buffer is released too (idle sessions hold
 * no input memory). */
void frame_reset(struct imap_frame *fr, bool keep_memory);
void frame_fini(struct imap_frame *fr);

/** Consumes input.  *consumed_r says how much of data was used; the caller
 * feeds the rest again after acting on the result.  max_line bounds one
 * line's text. */
enum frame_result frame_feed(struct imap_frame *fr, const char *data, size_t len,
			     size_t max_line, size_t *consumed_r);

/** Accepts the pending literal into a buffer from alloc (NULL: malloc):
 * alloc(len, &owner_r) returns where the bytes go.  The caller sends "+ "
 * for a synchronizing literal. */
void frame_literal_accept(struct imap_frame *fr,
			  char *(*alloc)(uint64_t len, void **owner_r),
			  void (*free_fn)(void *owner));

/** Rejects the pending literal: a non-synchronizing one is skipped and the
 * rest of the command discarded; for a synchronizing one the command simply
 * ends (the client sends nothing more of it). */
void frame_literal_reject(struct imap_frame *fr);

/** Tag and command name of the command being framed (first two words of
 * the first line); lengths 0 when not yet available or absent. */
void frame_peek(const struct imap_frame *fr, const char **tag_r, size_t *tag_len_r,
		const char **cmd_r, size_t *cmd_len_r);

#endif
