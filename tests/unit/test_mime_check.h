/*
 * test_mime_check.h — helpers shared by the MIME tests: a strict checker of
 * the RFC 9051 §9 grammar for the rendered ENVELOPE and body structures,
 * and file reading.
 */
#ifndef RM_TEST_MIME_CHECK_H
#define RM_TEST_MIME_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/** Failed CHECKs so far; main() returns non-zero when it is not 0. */
extern int test_failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			test_failures++;                                     \
			fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);      \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
		}                                                            \
	} while (0)

/** True when [s, s+len) is exactly one `envelope`; else *err_r says where. */
bool check_envelope(const char *s, size_t len, const char **err_r, size_t *at_r);

/** True when [s, s+len) is exactly one `body`: without extension data
 * (BODY) when extended is false, with all four extension fields of every
 * part when true (what ringmail always renders for BODYSTRUCTURE). */
bool check_body(const char *s, size_t len, bool extended, const char **err_r, size_t *at_r);

/** Whole file in a malloc'd buffer (NUL after the end), or NULL. */
char *test_read_file(const char *path, size_t *len_r);

#endif
