/*
 * log.h — one line per event, key=value, to stderr (journald or the terminal
 * picks it up).  Values containing spaces or quotes must be passed through
 * rm_log_quote() by the caller.  Never log a password or a SASL blob.
 *
 * A line is written with one write(2); lines from several threads never
 * interleave.  Logging is for events (connections, errors, commits going
 * wrong), never per message byte, so the syscall stays off the hot path.
 */
#ifndef RM_LOG_H
#define RM_LOG_H

#include <stddef.h>

/* NOTICE is for the few lifecycle lines (ready, stopping, stopped, reload):
 * they are written at threshold warn too, only error and crit hide them. */
enum rm_log_level { RM_LOG_DEBUG, RM_LOG_INFO, RM_LOG_NOTICE, RM_LOG_WARN, RM_LOG_ERROR, RM_LOG_CRIT };

/** Current threshold; lines below it are dropped.  Set once at start-up. */
extern enum rm_log_level rm_log_threshold;

/** Parses "debug", "info", "notice", "warn", "error", "crit"; returns -1
 * when unknown. */
int rm_log_level_parse(const char *s);

/** Writes "ts=… level=… event=<event> <fmt…>\n". */
void rm_log(enum rm_log_level level, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define rm_log_debug(ev, ...) \
	do { if (rm_log_threshold <= RM_LOG_DEBUG) rm_log(RM_LOG_DEBUG, ev, __VA_ARGS__); } while (0)

/** Copies s into out (size cap) as a double-quoted value with \" and \\
 * escaped and control bytes replaced by '?'.  Returns out. */
char *rm_log_quote(char *out, size_t cap, const char *s, size_t len);

#endif
