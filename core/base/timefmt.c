#include "core/base/timefmt.h"

#include "core/base/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* Reads exactly n digits at *p (advancing it); -1 when a non-digit is met. */
static int fixed_digits(const char **p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

/* Reads "NN" + separator (or "NN" at the end when sep is 0); -1 on a mismatch. */
static int digits_sep(const char **p, int n, char sep)
{
	int v = fixed_digits(p, n);
	if (v < 0 || (sep && *(*p)++ != sep))
		return -1;
	return v;
}

int64_t time_parse_rfc3339(const char *s)
{
	if (!s)
		return 0;
	const char *p = s;
	int y = digits_sep(&p, 4, '-'), mo = y < 0 ? -1 : digits_sep(&p, 2, '-');
	int d = mo < 0 ? -1 : digits_sep(&p, 2, 'T'), h = d < 0 ? -1 : digits_sep(&p, 2, ':');
	int mi = h < 0 ? -1 : digits_sep(&p, 2, ':'), sec = mi < 0 ? -1 : digits_sep(&p, 2, 0);
	if (sec < 0 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return 0;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	int64_t off = 0;
	if (*p == '+' || *p == '-') {
		const char *q = p + 1;
		int oh = fixed_digits(&q, 2), om = 0;
		if (oh < 0)
			return 0;
		if (*q == ':' && (q++, (om = fixed_digits(&q, 2)) < 0))
			return 0;
		off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
	}
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - off;
}

long time_parse_duration_ms(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	double total = 0;
	if (strspn(s, "0123456789") == strlen(s))
		return strtol(s, NULL, 10) * 1000;
	static const struct { const char *u; double ms; } units[] = {
		{"ms", 1}, {"h", 3600000}, {"m", 60000}, {"s", 1000}};
	const char *p = s;
	while (*p) {
		double v = strtod(p, &end);
		if (end == p)
			return -1;
		p = end;
		size_t k;
		for (k = 0; k < ARRAY_LEN(units); k++)
			if (!strncmp(p, units[k].u, strlen(units[k].u)))
				break;
		if (k == ARRAY_LEN(units))
			return -1;
		total += v * units[k].ms;
		p += strlen(units[k].u);
	}
	return (long)total;
}

/* ---- Go's time.Time text ---- */

struct civil {
	int64_t year;
	int month, day, hour, min, sec, wday;
};

/* The inverse of days_from_civil (proleptic Gregorian, any int64 day count that fits). */
static struct civil civil_of(int64_t t)
{
	int64_t days = t / 86400, rem = t % 86400;
	if (rem < 0)
		rem += 86400, days--;
	struct civil c = {.hour = (int)(rem / 3600), .min = (int)(rem % 3600 / 60), .sec = (int)(rem % 60)};
	c.wday = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday (4) */
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	c.day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c.month = (int)(mp < 10 ? mp + 3 : mp - 9);
	c.year = (int64_t)yoe + era * 400 + (c.month <= 2);
	return c;
}

void time_format_rfc3339nano(struct strbuf *sb, int64_t sec, long nsec, int utc_offset_s)
{
	struct civil c = civil_of(sec + utc_offset_s);
	sb_addf(sb, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)c.year, c.month, c.day, c.hour, c.min, c.sec);
	if (nsec > 0 && nsec < 1000000000) {
		char frac[16];
		int n = snprintf(frac, sizeof frac, ".%09ld", nsec);
		while (frac[n - 1] == '0')
			n--;
		sb_add(sb, frac, (size_t)n);
	}
	if (utc_offset_s == 0) {
		sb_addc(sb, 'Z');
		return;
	}
	int a = abs(utc_offset_s) / 60;
	sb_addf(sb, "%c%02d:%02d", utc_offset_s < 0 ? '-' : '+', a / 60, a % 60);
}

static int month_days(int64_t y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return days[m - 1] + (m == 2 && leap);
}

/* Reads ".ddd…" at *p (if there): nanoseconds, digits past the ninth dropped; -1 for "." alone. */
static long fraction(const char **p)
{
	if (**p != '.')
		return 0;
	long ns = 0, scale = 100000000;
	const char *q = *p + 1;
	for (; isdigit((unsigned char)*q); q++, scale /= 10)
		ns += scale ? (*q - '0') * scale : 0;
	if (q == *p + 1)
		return -1;
	*p = q;
	return ns;
}

/* Reads "Z" or "±hh:mm" ending the string; INT32_MIN when it is neither. */
static int32_t zone_offset(const char *p)
{
	if (p[0] == 'Z' && !p[1])
		return 0;
	if ((p[0] != '+' && p[0] != '-') || strlen(p) != 6)
		return INT32_MIN;
	const char *q = p + 1;
	int h = digits_sep(&q, 2, ':'), m = h < 0 ? -1 : fixed_digits(&q, 2);
	if (m < 0 || h > 23 || m > 59)
		return INT32_MIN;
	return (h * 3600 + m * 60) * (p[0] == '-' ? -1 : 1);
}

int time_parse_rfc3339_ns(const char *s, int64_t *sec, long *nsec, int *utc_offset_s)
{
	const char *p = s ? s : "";
	int y = digits_sep(&p, 4, '-'), mo = y < 0 ? -1 : digits_sep(&p, 2, '-');
	int d = mo < 0 ? -1 : digits_sep(&p, 2, 'T'), h = d < 0 ? -1 : digits_sep(&p, 2, ':');
	int mi = h < 0 ? -1 : digits_sep(&p, 2, ':'), se = mi < 0 ? -1 : fixed_digits(&p, 2);
	if (se < 0 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || se > 59)
		return -TOPS_EINVAL;
	long ns = fraction(&p);
	int32_t off = ns < 0 ? INT32_MIN : zone_offset(p);
	if (off == INT32_MIN)
		return -TOPS_EINVAL;
	if (sec)
		*sec = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se - off;
	if (nsec)
		*nsec = ns;
	if (utc_offset_s)
		*utc_offset_s = off;
	return 0;
}

void time_format_ansic(struct strbuf *sb, int64_t sec, int utc_offset_s)
{
	static const char wdays[][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct civil c = civil_of(sec + utc_offset_s);
	sb_addf(sb, "%s %s %2d %02d:%02d:%02d %04lld", wdays[c.wday], months[c.month - 1], c.day, c.hour,
		c.min, c.sec, (long long)c.year);
}
