/*
 * mime_date.h — the Date header field to a UTC timestamp (for SENTBEFORE,
 * SENTON, SENTSINCE and SORT DATE).  Internal to index/; the value is
 * stored in the cache blob (mime_cache_date()).
 */
#ifndef RM_MIME_DATE_H
#define RM_MIME_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Parses an RFC 5322 date-time, raw and possibly folded, and its common
 * deviations: optional day name (with or without comma), comments
 * anywhere, '-' between day, month and year, 2-digit years (< 50 means
 * 20xx, else 19xx) and 3-digit years (+1900), full month names, missing
 * seconds, a missing time (midnight), asctime order ("Wed Jul 17 02:23:25
 * 1996"), numeric zones, the obsolete zone names (UT, GMT, Z, EST/EDT,
 * CST/CDT, MST/MDT, PST/PDT) and any other zone word or a missing zone as
 * +0000.  Fields out of range (day past the month's end, hour 24, ...) make
 * it fail.  On success *t_r holds seconds since 1970-01-01T00:00:00Z.
 */
bool mime_date_parse(const char *s, size_t len, int64_t *t_r);
/** The same, also giving the field's zone as minutes east of UTC (0 for
 * the zones read as +0000): t + zone*60 is the sender's wall-clock time. */
bool mime_date_parse_zone(const char *s, size_t len, int64_t *t_r, int *zone_min_r);

#endif
