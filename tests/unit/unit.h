/*
 * unit.h — the one check macro the C unit tests share: counts checks and
 * failures, prints file:line and a message for each failure; unit_done()
 * prints the totals and gives the exit status.
 */
#ifndef RM_TEST_UNIT_H
#define RM_TEST_UNIT_H

#include <stdio.h>

static int unit_failures, unit_checks;

#define CHECK(cond, ...)                                                              \
	do {                                                                          \
		unit_checks++;                                                        \
		if (!(cond)) {                                                        \
			unit_failures++;                                              \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__);                                 \
			fputc('\n', stderr);                                          \
		}                                                                     \
	} while (0)

static inline int unit_done(void)
{
	printf("%d checks, %d failures\n", unit_checks, unit_failures);
	return unit_failures ? 1 : 0;
}

#endif
