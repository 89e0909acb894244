#include "core/base/timefmt.h"

#include "core/base/util.h"

#include <ctype.h>
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
