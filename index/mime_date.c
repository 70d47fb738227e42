/*
 * mime_date.c — RFC 5322 §3.3 date-time (and §4.3 obsolete forms) to UTC.
 *
 * The value is read as a sequence of tokens (numbers, words, h:m[:s],
 * +hhmm/-hhmm) and the tokens are given their roles by shape, which copes
 * with the orders real mailers produce.
 */
#include "index/mime_date.h"

#include <string.h>

#include "common/util.h"
#include "index/mime_lex.h"

enum { NONE = -1 };

struct date_parts {
	int day, month, year, hour, min, sec;
	int zone_min;      /* offset east of UTC in minutes */
	bool have_time, have_zone;
};

static const char months[12][4] = { "jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec" };

static const struct {
	const char *name;
	int hours;
} zones[] = {
	{ "ut", 0 }, { "gmt", 0 }, { "z", 0 }, { "utc", 0 },
	{ "est", -5 }, { "edt", -4 }, { "cst", -6 }, { "cdt", -5 },
	{ "mst", -7 }, { "mdt", -6 }, { "pst", -8 }, { "pdt", -7 },
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	c = rm_lower(c);
	return c >= 'a' && c <= 'z';
}

static int month_of(const char *w, size_t n)
{
	if (n < 3)
		return NONE;
	for (int i = 0; i < 12; i++) {
		if (rm_strncasecmp_ascii(w, months[i], 3) == 0)
			return i + 1;
	}
	return NONE;
}

static void word(struct date_parts *d, const char *w, size_t n)
{
	int m = month_of(w, n);
	if (m != NONE && d->month == NONE) {
		d->month = m;
		return;
	}
	if (!d->have_time || d->have_zone)
		return; /* day names and junk */
	for (size_t i = 0; i < RM_ARRAY_LEN(zones); i++) {
		if (rm_word_eq(w, n, zones[i].name)) {
			d->zone_min = zones[i].hours * 60;
			break;
		}
	}
	d->have_zone = true; /* military and unknown zones: +0000 */
}

static void number(struct date_parts *d, int v, size_t digits)
{
	if (d->day == NONE && digits <= 2 && !(d->month == NONE && d->have_time)) {
		d->day = v;
		return;
	}
	if (d->year == NONE) {
		if (digits <= 2)
			v += v < 50 ? 2000 : 1900;
		else if (digits == 3)
			v += 1900;
		d->year = v;
	}
}

/* h:m[:s] at s[*i]; false when it is not a time. */
static bool time_of_day(struct date_parts *d, const char *s, size_t n, size_t *i)
{
	int v[3] = { 0, 0, 0 };
	size_t k = *i;
	int f = 0;
	for (; f < 3; f++) {
		size_t start = k;
		while (k < n && is_digit(s[k]) && k - start < 2)
			v[f] = v[f] * 10 + (s[k++] - '0');
		if (k == start)
			return false;
		if (f == 2 || k >= n || s[k] != ':')
			break;
		k++;
	}
	if (f == 0)
		return false;
	d->hour = v[0];
	d->min = v[1];
	d->sec = v[2];
	d->have_time = true;
	*i = k;
	return true;
}

static bool zone_number(struct date_parts *d, const char *s, size_t n, size_t i)
{
	if (!d->have_time || d->have_zone || i + 5 > n)
		return false;
	for (size_t k = 1; k <= 4; k++) {
		if (!is_digit(s[i + k]))
			return false;
	}
	if (i + 5 < n && is_digit(s[i + 5]))
		return false;
	int hh = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	int mm = (s[i + 3] - '0') * 10 + (s[i + 4] - '0');
	if (mm > 59)
		return false;
	d->zone_min = (s[i] == '-' ? -1 : 1) * (hh * 60 + mm);
	d->have_zone = true;
	return true;
}

static void tokens(struct date_parts *d, const char *s, size_t n)
{
	struct mime_lex x = { s, n, 0 };
	while (mime_lex_skip_cfws(&x, NULL), !mime_lex_eof(&x)) {
		size_t i = x.i;
		char c = s[i];
		if ((c == '+' || c == '-') && zone_number(d, s, n, i)) {
			x.i = i + 5;
		} else if (is_digit(c)) {
			size_t j = i;
			int v = 0;
			while (j < n && is_digit(s[j]) && j - i < 9)
				v = v * 10 + (s[j++] - '0');
			if (j < n && s[j] == ':' && !d->have_time && time_of_day(d, s, n, &x.i))
				continue;
			number(d, v, j - i);
			x.i = j;
			while (x.i < n && is_digit(s[x.i]))
				x.i++;
		} else if (is_alpha(c)) {
			size_t j = i;
			while (j < n && is_alpha(s[j]))
				j++;
			word(d, s + i, j - i);
			x.i = j;
		} else {
			x.i++; /* ',' '-' '.' and junk */
		}
	}
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

bool mime_date_parse(const char *s, size_t len, int64_t *t_r)
{
	int zone;
	return mime_date_parse_zone(s, len, t_r, &zone);
}

bool mime_date_parse_zone(const char *s, size_t len, int64_t *t_r, int *zone_min_r)
{
	struct date_parts d = { NONE, NONE, NONE, 0, 0, 0, 0, false, false };
	tokens(&d, s, len);
	if (d.day == NONE || d.month == NONE || d.year == NONE || d.year > 9999)
		return false;
	if (d.day < 1 || d.day > days_in_month(d.year, d.month) || d.hour > 23 ||
	    d.min > 59 || d.sec > 60)
		return false;
	int64_t days = days_from_civil(d.year, d.month, d.day);
	*t_r = days * 86400 + d.hour * 3600 + d.min * 60 + d.sec - (int64_t)d.zone_min * 60;
	*zone_min_r = d.zone_min;
	return true;
}
