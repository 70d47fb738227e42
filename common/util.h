/*
 * util.h — assertions, byte-order helpers, small inline tools shared by every
 * layer.  RM_ASSERT stays on in release builds (a broken invariant must stop
 * the process before it writes anything wrong to disk); RM_DEBUG_ASSERT is for
 * checks too expensive for production.
 */
#ifndef RM_UTIL_H
#define RM_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

_Noreturn void rm_panic(const char *file, int line, const char *what);

#define RM_ASSERT(cond) \
	do { if (__builtin_expect(!(cond), 0)) rm_panic(__FILE__, __LINE__, #cond); } while (0)
#ifdef NDEBUG
#define RM_DEBUG_ASSERT(cond) ((void)0)
#else
#define RM_DEBUG_ASSERT(cond) RM_ASSERT(cond)
#endif

#define RM_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define RM_MIN(a, b) ((a) < (b) ? (a) : (b))
#define RM_MAX(a, b) ((a) > (b) ? (a) : (b))
#define RM_CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#define RM_LIKELY(x) __builtin_expect(!!(x), 1)
#define RM_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Allocation failure aborts: jemalloc does not fail quietly and a worker has
 * no sensible way to continue half-way through a command. */
void *rm_malloc(size_t n);
void *rm_calloc(size_t count, size_t n);
void *rm_realloc(void *p, size_t n);
char *rm_strndup(const char *s, size_t n);
char *rm_strdup(const char *s);

/* Big-endian encoding for LMDB keys (so byte order sorts numerically). */
static inline void rm_be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline uint32_t rm_be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void rm_be64_put(uint8_t *p, uint64_t v)
{
	rm_be32_put(p, (uint32_t)(v >> 32));
	rm_be32_put(p + 4, (uint32_t)v);
}
static inline uint64_t rm_be64_get(const uint8_t *p)
{
	return (uint64_t)rm_be32_get(p) << 32 | rm_be32_get(p + 4);
}
/* Little-endian for the log format (native on every target we build for, but
 * spelled out so the format does not depend on the host). */
static inline void rm_le32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline uint32_t rm_le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void rm_le64_put(uint8_t *p, uint64_t v)
{
	rm_le32_put(p, (uint32_t)v);
	rm_le32_put(p + 4, (uint32_t)(v >> 32));
}
static inline uint64_t rm_le64_get(const uint8_t *p)
{
	return (uint64_t)rm_le32_get(p) | (uint64_t)rm_le32_get(p + 4) << 32;
}
static inline void rm_le16_put(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
}
static inline uint16_t rm_le16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/** Monotonic clock in milliseconds. */
uint64_t rm_now_ms(void);
/** The same clock in nanoseconds (ordering events across threads). */
uint64_t rm_now_ns(void);
/** Wall clock in seconds since the epoch. */
int64_t rm_wall_s(void);

/** ASCII lower-casing, locale-free. */
static inline char rm_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}
static inline char rm_upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
}
/** Case-insensitive ASCII compare of n bytes (0 when equal). */
int rm_strncasecmp_ascii(const char *a, const char *b, size_t n);
/** True when [s, s+n) equals the NUL-terminated word w, ignoring ASCII case. */
static inline int rm_word_eq(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);
	return n == wl && rm_strncasecmp_ascii(s, w, n) == 0;
}

/** xxh3-64 of a byte string (thin wrapper so callers do not include xxhash). */
uint64_t rm_hash64(const void *data, size_t len);

/** Value of a hexadecimal digit (either case), or -1. */
static inline int rm_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#endif
