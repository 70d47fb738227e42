/*
 * buf.h — a growable byte buffer and a bump arena.
 *
 * rm_buf owns its data; rm_buf_free() releases it.  Appends abort on
 * allocation failure (see util.h), so callers check bounds, not results.
 *
 * rm_arena hands out memory that lives until rm_arena_reset(): one command's
 * temporary strings, parsed arguments, result sets.  After a reset the first
 * block is kept, so a steady stream of small commands allocates nothing.
 */
#ifndef RM_BUF_H
#define RM_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct rm_buf {
	char *data;
	size_t len;
	size_t cap;
};

void rm_buf_reserve(struct rm_buf *b, size_t extra);
void rm_buf_append(struct rm_buf *b, const void *p, size_t n);
void rm_buf_puts(struct rm_buf *b, const char *s);
void rm_buf_putc(struct rm_buf *b, char c);
void rm_buf_printf(struct rm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rm_buf_vprintf(struct rm_buf *b, const char *fmt, va_list ap);
void rm_buf_put_u64(struct rm_buf *b, uint64_t v);
/** Drops the first n bytes, moving the rest to the front. */
void rm_buf_consume(struct rm_buf *b, size_t n);
static inline void rm_buf_reset(struct rm_buf *b) { b->len = 0; }
void rm_buf_free(struct rm_buf *b);
/** NUL-terminates without counting the NUL in len; returns data. */
char *rm_buf_cstr(struct rm_buf *b);

struct rm_arena_block;
struct rm_arena {
	struct rm_arena_block *head;
	size_t used;        /* bytes used in head */
	size_t block_bytes; /* default block size */
};

void rm_arena_init(struct rm_arena *a, size_t block_bytes);
/** Memory aligned to 16 bytes, valid until the next reset or fini. */
void *rm_arena_alloc(struct rm_arena *a, size_t n);
char *rm_arena_strndup(struct rm_arena *a, const char *s, size_t n);
void rm_arena_reset(struct rm_arena *a);
void rm_arena_fini(struct rm_arena *a);

#endif
