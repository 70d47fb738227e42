/*
 * imap_date.h — IMAP dates (RFC 9051 §9 date, date-time) in and out.
 * Times are seconds since the epoch (UTC); a date-time also keeps its
 * zone so INTERNALDATE is echoed the way it was given.
 */
#ifndef RM_IMAP_DATE_H
#define RM_IMAP_DATE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/buf.h"
#include "server/imap/parse.h"

/** date = date-text / DQUOTE date-text DQUOTE; date-text = d[d]-Mon-yyyy.
 * Returns 00:00:00 UTC of that day. */
bool imap_parse_date(struct imap_parser *p, int64_t *out);

/** date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time
 * SP zone DQUOTE.  *t_r is UTC; *zone_min_r the zone in minutes east. */
bool imap_parse_datetime(struct imap_parser *p, int64_t *t_r, int *zone_min_r);

/** Appends "\"dd-Mon-yyyy hh:mm:ss +zzzz\"" for time t shown in zone. */
void imap_write_datetime(struct rm_buf *out, int64_t t, int zone_min);

/** Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t imap_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
