#include "server/imap/imap_date.h"

#include <string.h>

#include "common/util.h"

static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Howard Hinnant's days_from_civil algorithm (public domain arithmetic). */
int64_t imap_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static bool digits(struct imap_parser *p, unsigned n, unsigned *out)
{
	unsigned v = 0;
	for (unsigned i = 0; i < n; i++) {
		int c = imap_parse_peek(p);
		if (c < '0' || c > '9')
			return imap_parse_fail(p, "Invalid date");
		v = v * 10 + (unsigned)(c - '0');
		p->p++;
	}
	*out = v;
	return true;
}

static bool month(struct imap_parser *p, unsigned *m)
{
	if (p->end - p->p < 3)
		return imap_parse_fail(p, "Invalid date");
	for (unsigned i = 0; i < 12; i++) {
		if (rm_strncasecmp_ascii(p->p, months[i], 3) == 0) {
			p->p += 3;
			*m = i + 1;
			return true;
		}
	}
	return imap_parse_fail(p, "Invalid month");
}

/* d[d]-Mon-yyyy; fixed: the day is " d" or "dd". */
static bool date_text(struct imap_parser *p, bool fixed, int64_t *y_r, unsigned *m_r,
		      unsigned *d_r)
{
	unsigned d = 0, m = 0, y = 0;
	if (fixed && imap_parse_peek(p) == ' ') {
		p->p++;
		if (!digits(p, 1, &d))
			return false;
	} else {
		if (!digits(p, 1, &d))
			return false;
		int c = imap_parse_peek(p);
		if (c >= '0' && c <= '9') {
			unsigned d2 = 0;
			digits(p, 1, &d2);
			d = d * 10 + d2;
		} else if (fixed) {
			return imap_parse_fail(p, "Invalid date");
		}
	}
	if (!imap_parse_char(p, '-', "Invalid date") || !month(p, &m) ||
	    !imap_parse_char(p, '-', "Invalid date") || !digits(p, 4, &y))
		return false;
	if (d < 1 || d > days_in_month(y, m))
		return imap_parse_fail(p, "Invalid day of month");
	*y_r = y;
	*m_r = m;
	*d_r = d;
	return true;
}

bool imap_parse_date(struct imap_parser *p, int64_t *out)
{
	bool quoted = imap_parse_try_char(p, '"');
	int64_t y;
	unsigned m, d;
	if (!date_text(p, false, &y, &m, &d))
		return false;
	if (quoted && !imap_parse_char(p, '"', "Invalid date"))
		return false;
	*out = imap_days_from_civil(y, m, d) * 86400;
	return true;
}

bool imap_parse_datetime(struct imap_parser *p, int64_t *t_r, int *zone_min_r)
{
	int64_t y;
	unsigned m = 0, d = 0, hh = 0, mm = 0, ss = 0, zh = 0, zm = 0;
	if (!imap_parse_char(p, '"', "Expected date-time") || !date_text(p, true, &y, &m, &d) ||
	    !imap_parse_char(p, ' ', "Invalid date-time") || !digits(p, 2, &hh) ||
	    !imap_parse_char(p, ':', "Invalid time") || !digits(p, 2, &mm) ||
	    !imap_parse_char(p, ':', "Invalid time") || !digits(p, 2, &ss) ||
	    !imap_parse_char(p, ' ', "Invalid date-time"))
		return false;
	int sign = imap_parse_peek(p);
	if (sign != '+' && sign != '-')
		return imap_parse_fail(p, "Invalid zone");
	p->p++;
	if (!digits(p, 2, &zh) || !digits(p, 2, &zm) || !imap_parse_char(p, '"', "Invalid date-time"))
		return false;
	if (hh > 23 || mm > 59 || ss > 60 || zm > 59)
		return imap_parse_fail(p, "Invalid time");
	int zone = (int)(zh * 60 + zm) * (sign == '-' ? -1 : 1);
	*t_r = imap_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 + (ss > 59 ? 59 : ss) -
	       (int64_t)zone * 60;
	*zone_min_r = zone;
	return true;
}

void imap_write_datetime(struct rm_buf *out, int64_t t, int zone_min)
{
	int64_t local = t + (int64_t)zone_min * 60;
	int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	int64_t secs = local - days * 86400;
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	int z = zone_min < 0 ? -zone_min : zone_min;
	if (y < 0 || y > 9999 || z >= 100 * 60) {
		/* Outside the fixed layout: the general path. */
		rm_buf_printf(out, "\"%02u-%s-%04lld %02lld:%02lld:%02lld %c%02d%02d\"", d,
			      months[m - 1], (long long)y, (long long)(secs / 3600),
			      (long long)(secs / 60 % 60), (long long)(secs % 60),
			      zone_min < 0 ? '-' : '+', z / 60, z % 60);
		return;
	}
	/* "dd-Mon-yyyy hh:mm:ss +zzzz" by hand: FETCH writes one per message. */
	char b[28];
	unsigned v[] = { d, (unsigned)y, (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
			 (unsigned)(secs % 60), (unsigned)(z / 60), (unsigned)(z % 60) };
	b[0] = '"';
	b[1] = (char)('0' + v[0] / 10);
	b[2] = (char)('0' + v[0] % 10);
	b[3] = '-';
	memcpy(b + 4, months[m - 1], 3);
	b[7] = '-';
	b[8] = (char)('0' + v[1] / 1000);
	b[9] = (char)('0' + v[1] / 100 % 10);
	b[10] = (char)('0' + v[1] / 10 % 10);
	b[11] = (char)('0' + v[1] % 10);
	static const unsigned at[] = { 13, 16, 19, 23, 25 };
	b[12] = ' ';
	b[15] = ':';
	b[18] = ':';
	b[21] = ' ';
	b[22] = zone_min < 0 ? '-' : '+';
	for (unsigned i = 0; i < 5; i++) {
		b[at[i]] = (char)('0' + v[2 + i] / 10);
		b[at[i] + 1] = (char)('0' + v[2 + i] % 10);
	}
	b[27] = '"';
	rm_buf_append(out, b, sizeof(b));
}
