#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

_Noreturn void rm_panic(const char *file, int line, const char *what)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "level=crit event=assert file=%s line=%d cond=\"%s\"\n",
			 file, line, what);
	if (n > 0)
		(void)!write(2, buf, (size_t)RM_MIN(n, (int)sizeof(buf) - 1));
	abort();
}

void *rm_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		rm_panic(__FILE__, __LINE__, "out of memory");
	return p;
}

void *rm_calloc(size_t count, size_t n)
{
	void *p = calloc(count ? count : 1, n ? n : 1);
	if (!p)
		rm_panic(__FILE__, __LINE__, "out of memory");
	return p;
}

void *rm_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		rm_panic(__FILE__, __LINE__, "out of memory");
	return q;
}

char *rm_strndup(const char *s, size_t n)
{
	char *p = rm_malloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *rm_strdup(const char *s)
{
	return rm_strndup(s, strlen(s));
}

uint64_t rm_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t rm_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t rm_wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

int rm_strncasecmp_ascii(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ca = rm_lower(a[i]), cb = rm_lower(b[i]);
		if (ca != cb)
			return (unsigned char)ca - (unsigned char)cb;
	}
	return 0;
}

uint64_t rm_hash64(const void *data, size_t len)
{
	return XXH3_64bits(data, len);
}
