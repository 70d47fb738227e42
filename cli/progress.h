/*
 * progress.h — progress of a long `ringmail` operation (import, export,
 * verify, reindex, compact).  On a terminal (stderr is a tty) one line is
 * redrawn at most five times a second: done / total, percent, rate and
 * time left.  Otherwise nothing is printed until progress_end, which
 * writes one summary line to stdout either way.
 */
#ifndef RM_CLI_PROGRESS_H
#define RM_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
	const char *what;         /* "import", "verify" ... (static) */
	const char *unit;         /* "messages", "partitions" (static) */
	uint64_t total;           /* 0: unknown */
	uint64_t done;
	uint64_t start_ms;
	uint64_t drawn_ms;
	bool tty;
};

/** Starts counting; total may be 0 when unknown. */
void progress_start(struct progress *p, const char *what, const char *unit, uint64_t total);
/** Counts n more units done and redraws when due. */
void progress_step(struct progress *p, uint64_t n);
/** Clears the terminal line and prints "<what>: <done> <unit> in <s>s
 * (<rate>/s)<extra>" where extra is a printf-formatted suffix. */
void progress_end(struct progress *p, const char *extra_fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** Clears the terminal line without a summary (callers that print their
 * own, as verify/reindex/compact/stats do). */
void progress_clear(struct progress *p);

/** "12/100 messages (12%), 340/s, 3s left" for the given numbers (the
 * terminal line); returns out. */
char *progress_format(char *out, unsigned cap, uint64_t done, uint64_t total, uint64_t elapsed_ms,
		      const char *unit);

#endif
