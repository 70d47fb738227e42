#include "common/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

void rm_buf_reserve(struct rm_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = rm_realloc(b->data, cap);
	b->cap = cap;
}

void rm_buf_append(struct rm_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	rm_buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void rm_buf_puts(struct rm_buf *b, const char *s)
{
	rm_buf_append(b, s, strlen(s));
}

void rm_buf_putc(struct rm_buf *b, char c)
{
	rm_buf_reserve(b, 1);
	b->data[b->len++] = c;
}

void rm_buf_vprintf(struct rm_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	rm_buf_reserve(b, 64);
	int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	if (n >= 0 && (size_t)n >= b->cap - b->len) {
		rm_buf_reserve(b, (size_t)n + 1);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	}
	va_end(ap2);
	if (n > 0)
		b->len += (size_t)n;
}

void rm_buf_printf(struct rm_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rm_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void rm_buf_put_u64(struct rm_buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	rm_buf_append(b, tmp + i, sizeof(tmp) - i);
}

void rm_buf_consume(struct rm_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void rm_buf_free(struct rm_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *rm_buf_cstr(struct rm_buf *b)
{
	rm_buf_reserve(b, 0);
	b->data[b->len] = '\0';
	return b->data;
}

struct rm_arena_block {
	struct rm_arena_block *next;
	size_t size;
	_Alignas(16) unsigned char mem[];
};

void rm_arena_init(struct rm_arena *a, size_t block_bytes)
{
	a->head = NULL;
	a->used = 0;
	a->block_bytes = block_bytes ? block_bytes : 4096;
}

void *rm_arena_alloc(struct rm_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (!a->head || a->used + n > a->head->size) {
		size_t size = n > a->block_bytes ? n : a->block_bytes;
		struct rm_arena_block *blk = rm_malloc(sizeof(*blk) + size);
		blk->size = size;
		blk->next = a->head;
		a->head = blk;
		a->used = 0;
	}
	void *p = a->head->mem + a->used;
	a->used += n;
	return p;
}

char *rm_arena_strndup(struct rm_arena *a, const char *s, size_t n)
{
	char *p = rm_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void rm_arena_reset(struct rm_arena *a)
{
	if (!a->head)
		return;
	/* Keep the oldest block (the first allocated, at the tail): it is the
	 * default size; larger ones were for an unusual command. */
	struct rm_arena_block *keep = a->head;
	while (keep->next)
		keep = keep->next;
	struct rm_arena_block *b = a->head;
	while (b != keep) {
		struct rm_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = keep;
	a->used = 0;
}

void rm_arena_fini(struct rm_arena *a)
{
	struct rm_arena_block *b = a->head;
	while (b) {
		struct rm_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->used = 0;
}
