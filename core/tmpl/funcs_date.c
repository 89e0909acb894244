/* funcs_date — Sprig's date functions over a time.Time object: now, date, dateInZone, htmlDate,
 * htmlDateInZone, dateModify, toDate, unixEpoch, ago, duration, durationRound. Layouts are Go's
 * reference-time layouts ("2006-01-02 15:04:05"). Zones: "UTC", "Local" (the TZ environment)
 * and fixed offsets; other zone names fall back to UTC as Sprig does when a zone cannot load.
 * now and ago read the clock and are not deterministic. */
#include "core/tmpl/funcs_util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FN(name) static int name(struct tmpl_exec *ex, struct value **args, int nargs, \
				  struct value **out, struct tops_err *err)
#define STR(i, s) const char *s; FU_TRY(fu_arg_str(args, i, &s, NULL, err))

struct gotime {
	int64_t sec;      /* Unix seconds */
	int32_t nsec;
	int offset;       /* seconds east of UTC */
	char zone[16];    /* abbreviation */
};

static const struct value_object_ops time_ops;

static struct value *time_val(const struct gotime *t)
{
	struct gotime *c = xmalloc(sizeof *c);
	*c = *t;
	return value_object(&time_ops, c);
}

static bool as_time(const struct value *v, struct gotime *t)
{
	if (v && v->type == V_OBJECT && v->u.obj.ops == &time_ops) {
		*t = *(struct gotime *)v->u.obj.data;
		return true;
	}
	return false;
}

static uint64_t be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Offset and abbreviation of a zone from the system zone database (TZif files). The last
 * transition in the file applies to later instants. */
static bool tzif_lookup(const char *zone, int64_t sec, int *off, char *abbr, size_t abbrn)
{
	for (const char *c = zone; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("/_-+", *c))
			return false;
	if (zone[0] == '/' || strstr(zone, "..") || strlen(zone) > 64)
		return false;
	const char *dir = getenv("ZONEINFO");
	char *path = xasprintf("%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
	char *buf = NULL;
	size_t len = 0;
	struct tops_err err = {0};
	int rc = read_file(path, 1 << 20, &buf, &len, &err);
	free(path);
	tops_err_clear(&err);
	if (rc < 0)
		return false;
	const unsigned char *p = (const unsigned char *)buf, *end = p + len;
	bool ok = false;
	int tsize = 4;
	for (int pass = 0; pass < 2; pass++) {
		if (end - p < 44 || memcmp(p, "TZif", 4))
			break;
		uint64_t cnt[6];
		for (int i = 0; i < 6; i++)
			cnt[i] = be(p + 20 + 4 * i, 4);
		uint64_t body = cnt[3] * (uint64_t)tsize + cnt[3] + cnt[4] * 6 + cnt[5] +
				cnt[2] * (uint64_t)(tsize + 4) + cnt[1] + cnt[0];
		if ((uint64_t)(end - p - 44) < body || cnt[4] == 0)
			break;
		if (pass == 0 && p[4] >= '2') {   /* skip to the 64-bit block */
			p += 44 + body;
			tsize = 8;
			continue;
		}
		const unsigned char *times = p + 44, *idx = times + cnt[3] * (uint64_t)tsize;
		const unsigned char *types = idx + cnt[3], *chars = types + cnt[4] * 6;
		uint64_t ti = 0;
		for (uint64_t i = 0; i < cnt[3]; i++) {
			int64_t tt = tsize == 8 ? (int64_t)be(times + 8 * i, 8) : (int32_t)be(times + 4 * i, 4);
			if (tt > sec)
				break;
			ti = idx[i] < cnt[4] ? idx[i] : 0;
		}
		const unsigned char *tt = types + 6 * ti;
		*off = (int32_t)be(tt, 4);
		size_t ai = tt[5] < cnt[5] ? tt[5] : 0;
		snprintf(abbr, abbrn, "%.*s", (int)strnlen((const char *)chars + ai, cnt[5] - ai),
			 (const char *)chars + ai);
		ok = true;
		break;
	}
	free(buf);
	return ok;
}

static void in_zone(struct gotime *t, const char *zone)
{
	if (zone && *zone && strcmp(zone, "UTC") && strcmp(zone, "Local") &&
	    tzif_lookup(zone, t->sec, &t->offset, t->zone, sizeof t->zone))
		return;
	if (zone && !strcmp(zone, "Local")) {
		time_t s = (time_t)t->sec;
		struct tm tm;
		localtime_r(&s, &tm);
		t->offset = (int)tm.tm_gmtoff;
		snprintf(t->zone, sizeof t->zone, "%s", tm.tm_zone ? tm.tm_zone : "UTC");
		return;
	}
	t->offset = 0;
	snprintf(t->zone, sizeof t->zone, "UTC");
}

static struct gotime time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct gotime t = {.sec = ts.tv_sec, .nsec = (int32_t)ts.tv_nsec};
	if (now_wall_hook) {
		t.sec = now_wall();
		t.nsec = 0;
	}
	in_zone(&t, "Local");
	return t;
}

/* ---- Go layouts ---- */

static const char *const months[] = {"January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December"};
static const char *const wdays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
	"Friday", "Saturday"};

enum tok { T_LIT, T_YEAR, T_YY, T_MONTHNAME, T_MON, T_MM, T_M, T_DAYNAME, T_DAY, T_DD, T_D,
	   T__D, T_YDAY, T_HH, T_H12, T_HH12, T_MIN2, T_MIN, T_SEC2, T_SEC, T_PM, T_pm, T_TZ,
	   T_Z0700, T_Z07C00, T_N0700, T_N07C00, T_N07, T_FRAC0, T_FRAC9 };

static const struct {
	const char *text;
	enum tok t;
} layout_toks[] = {
	{"January", T_MONTHNAME}, {"Jan", T_MON}, {"Monday", T_DAYNAME}, {"Mon", T_DAYNAME},
	{"MST", T_TZ}, {"2006", T_YEAR}, {"002", T_YDAY}, {"01", T_MM}, {"02", T_DD},
	{"03", T_HH12}, {"04", T_MIN2}, {"05", T_SEC2}, {"06", T_YY}, {"_2", T__D},
	{"15", T_HH}, {"1", T_M}, {"2", T_D}, {"3", T_H12}, {"4", T_MIN}, {"5", T_SEC},
	{"PM", T_PM}, {"pm", T_pm}, {"Z07:00", T_Z07C00}, {"Z0700", T_Z0700},
	{"-07:00", T_N07C00}, {"-0700", T_N0700}, {"-07", T_N07},
};

/* Next token at s: its kind and length (fractions ".000"/".999" included). */
static enum tok next_tok(const char *s, size_t *len)
{
	if ((s[0] == '.' || s[0] == ',') && (s[1] == '0' || s[1] == '9')) {
		size_t k = 1;
		while (s[k] == s[1])
			k++;
		if (!isdigit((unsigned char)s[k])) {
			*len = k;
			return s[1] == '0' ? T_FRAC0 : T_FRAC9;
		}
	}
	for (size_t i = 0; i < ARRAY_LEN(layout_toks); i++) {
		size_t n = strlen(layout_toks[i].text);
		if (!strncmp(s, layout_toks[i].text, n)) {
			if (layout_toks[i].t == T_DAYNAME && n == 3 && !strncmp(s, "Monday", 6))
				continue;
			*len = n;
			if (n == 3 && layout_toks[i].t == T_DAYNAME)
				return T_DAYNAME + 100;
			return layout_toks[i].t;
		}
	}
	*len = 1;
	return T_LIT;
}

static void civil(int64_t sec, struct tm *tm)
{
	time_t s = (time_t)sec;
	gmtime_r(&s, tm);
}

static void fmt_offset(struct strbuf *sb, int off, bool colon, bool zulu, bool hours_only)
{
	if (zulu && off == 0) {
		sb_addc(sb, 'Z');
		return;
	}
	int a = off < 0 ? -off : off;
	sb_addf(sb, "%c%02d", off < 0 ? '-' : '+', a / 3600);
	if (!hours_only)
		sb_addf(sb, "%s%02d", colon ? ":" : "", a / 60 % 60);
}

static void time_format(struct strbuf *sb, const struct gotime *t, const char *layout)
{
	struct tm tm;
	civil(t->sec + t->offset, &tm);
	int h12 = tm.tm_hour % 12 ? tm.tm_hour % 12 : 12;
	for (const char *p = layout; *p;) {
		size_t len;
		int k = (int)next_tok(p, &len);
		switch (k) {
		case T_YEAR: sb_addf(sb, "%04d", tm.tm_year + 1900); break;
		case T_YY: sb_addf(sb, "%02d", (tm.tm_year + 1900) % 100); break;
		case T_MONTHNAME: sb_adds(sb, months[tm.tm_mon]); break;
		case T_MON: sb_addf(sb, "%.3s", months[tm.tm_mon]); break;
		case T_MM: sb_addf(sb, "%02d", tm.tm_mon + 1); break;
		case T_M: sb_addf(sb, "%d", tm.tm_mon + 1); break;
		case T_DAYNAME: sb_adds(sb, wdays[tm.tm_wday]); break;
		case T_DAYNAME + 100: sb_addf(sb, "%.3s", wdays[tm.tm_wday]); break;
		case T_DD: sb_addf(sb, "%02d", tm.tm_mday); break;
		case T_D: sb_addf(sb, "%d", tm.tm_mday); break;
		case T__D: sb_addf(sb, "%2d", tm.tm_mday); break;
		case T_YDAY: sb_addf(sb, "%03d", tm.tm_yday + 1); break;
		case T_HH: sb_addf(sb, "%02d", tm.tm_hour); break;
		case T_HH12: sb_addf(sb, "%02d", h12); break;
		case T_H12: sb_addf(sb, "%d", h12); break;
		case T_MIN2: sb_addf(sb, "%02d", tm.tm_min); break;
		case T_MIN: sb_addf(sb, "%d", tm.tm_min); break;
		case T_SEC2: sb_addf(sb, "%02d", tm.tm_sec); break;
		case T_SEC: sb_addf(sb, "%d", tm.tm_sec); break;
		case T_PM: sb_adds(sb, tm.tm_hour >= 12 ? "PM" : "AM"); break;
		case T_pm: sb_adds(sb, tm.tm_hour >= 12 ? "pm" : "am"); break;
		case T_TZ:
			if (t->zone[0])
				sb_adds(sb, t->zone);
			else
				fmt_offset(sb, t->offset, false, false, false);
			break;
		case T_Z0700: fmt_offset(sb, t->offset, false, true, false); break;
		case T_Z07C00: fmt_offset(sb, t->offset, true, true, false); break;
		case T_N0700: fmt_offset(sb, t->offset, false, false, false); break;
		case T_N07C00: fmt_offset(sb, t->offset, true, false, false); break;
		case T_N07: fmt_offset(sb, t->offset, false, false, true); break;
		case T_FRAC0:
		case T_FRAC9: {
			char digits[16];
			snprintf(digits, sizeof digits, "%09d", t->nsec);
			size_t nd = len - 1 > 9 ? 9 : len - 1;
			if (k == T_FRAC9) {
				size_t e = nd;
				while (e > 0 && digits[e - 1] == '0')
					e--;
				if (e)
					sb_addf(sb, "%c%.*s", p[0], (int)e, digits);
			} else {
				sb_addf(sb, "%c%.*s", p[0], (int)nd, digits);
			}
			break;
		}
		default: sb_add(sb, p, len); break;
		}
		p += len;
	}
}

/* ---- parsing (time.ParseInLocation for the common layout elements) ---- */

static bool take_num(const char **s, int min, int max, int *out)
{
	int n = 0, v = 0;
	while (n < max && isdigit((unsigned char)(*s)[n]))
		v = v * 10 + ((*s)[n++] - '0');
	if (n < min)
		return false;
	*s += n;
	*out = v;
	return true;
}

static bool take_name(const char **s, const char *const *names, int count, bool short3, int *out)
{
	for (int i = 0; i < count; i++) {
		size_t n = short3 ? 3 : strlen(names[i]);
		if (!strncasecmp(*s, names[i], n)) {
			*s += n;
			*out = i;
			return true;
		}
	}
	return false;
}

static bool take_offset(const char **s, bool zulu, bool colon, bool hours_only, int *off)
{
	if (zulu && **s == 'Z') {
		(*s)++;
		*off = 0;
		return true;
	}
	if (**s != '+' && **s != '-')
		return false;
	int sign = **s == '-' ? -1 : 1, h, m = 0;
	(*s)++;
	if (!take_num(s, 2, 2, &h))
		return false;
	if (!hours_only) {
		if (colon && *(*s)++ != ':')
			return false;
		if (!take_num(s, 2, 2, &m))
			return false;
	}
	*off = sign * (h * 3600 + m * 60);
	return true;
}

struct pfields {
	int year, mon, day, hour, min, sec, nsec, off, yday;
	bool pm, has_pm, has_off;
};

static bool parse_elem(const char **v, int k, size_t len, struct pfields *f)
{
	int x;
	switch (k) {
	case T_YEAR: return take_num(v, 4, 4, &f->year);
	case T_YY: return take_num(v, 2, 2, &x) && ((f->year = x >= 69 ? 1900 + x : 2000 + x), 1);
	case T_MONTHNAME: return take_name(v, months, 12, false, &f->mon) && (f->mon++, 1);
	case T_MON: return take_name(v, months, 12, true, &f->mon) && (f->mon++, 1);
	case T_MM: return take_num(v, 2, 2, &f->mon);
	case T_M: return take_num(v, 1, 2, &f->mon);
	case T_DAYNAME: return take_name(v, wdays, 7, false, &x);
	case T_DAYNAME + 100: return take_name(v, wdays, 7, true, &x);
	case T_DD: return take_num(v, 2, 2, &f->day);
	case T_D: return take_num(v, 1, 2, &f->day);
	case T__D: *v += **v == ' '; return take_num(v, 1, 2, &f->day);
	case T_YDAY: return take_num(v, 3, 3, &f->yday);
	case T_HH: return take_num(v, 2, 2, &f->hour);
	case T_HH12: return take_num(v, 2, 2, &f->hour);
	case T_H12: return take_num(v, 1, 2, &f->hour);
	case T_MIN2: return take_num(v, 2, 2, &f->min);
	case T_MIN: return take_num(v, 1, 2, &f->min);
	case T_SEC2:
	case T_SEC:
		if (!take_num(v, k == T_SEC2 ? 2 : 1, 2, &f->sec))
			return false;
		if (**v == '.' && isdigit((unsigned char)(*v)[1]) && k != T_FRAC0) {
			const char *p = *v + 1;
			int d = 0, ns = 0;
			while (isdigit((unsigned char)*p)) {
				if (d++ < 9)
					ns = ns * 10 + (*p - '0');
				p++;
			}
			while (d++ < 9)
				ns *= 10;
			f->nsec = ns;
			*v = p;
		}
		return true;
	case T_PM:
	case T_pm:
		f->has_pm = true;
		if (!strncasecmp(*v, "PM", 2))
			f->pm = true;
		else if (strncasecmp(*v, "AM", 2))
			return false;
		*v += 2;
		return true;
	case T_TZ:
		while (isupper((unsigned char)**v))
			(*v)++;
		return true;
	case T_Z0700: return (f->has_off = true) && take_offset(v, true, false, false, &f->off);
	case T_Z07C00: return (f->has_off = true) && take_offset(v, true, true, false, &f->off);
	case T_N0700: return (f->has_off = true) && take_offset(v, false, false, false, &f->off);
	case T_N07C00: return (f->has_off = true) && take_offset(v, false, true, false, &f->off);
	case T_N07: return (f->has_off = true) && take_offset(v, false, false, true, &f->off);
	default: return false;
	}
	(void)len;
}

static int time_parse(const char *layout, const char *value, const char *zone, struct gotime *t,
		      struct tops_err *err)
{
	struct pfields f = {.year = 0, .mon = 1, .day = 1};
	const char *v = value;
	for (const char *p = layout; *p;) {
		size_t len;
		int k = (int)next_tok(p, &len);
		if (k == T_LIT) {
			if (*v != *p)
				goto bad;
			v++;
		} else if (k == T_FRAC0 || k == T_FRAC9) {
			if (*v == '.' || *v == ',')
				parse_elem(&v, T_SEC, 0, &f), v += 0;
		} else if (!parse_elem(&v, k, len, &f)) {
			goto bad;
		}
		p += len;
	}
	if (*v)
		goto bad;
	if (f.has_pm && f.pm && f.hour < 12)
		f.hour += 12;
	else if (f.has_pm && !f.pm && f.hour == 12)
		f.hour = 0;
	if (f.mon < 1 || f.mon > 12 || f.day < 1 || f.day > 31 || f.hour > 23 || f.min > 59 || f.sec > 59)
		return tops_err_set(err, TOPS_EINVAL, "parsing time %s: %s out of range", value,
				    f.mon < 1 || f.mon > 12 ? "month" : "day");
	struct tm tm = {.tm_year = f.year - 1900, .tm_mon = f.mon - 1, .tm_mday = f.day,
			.tm_hour = f.hour, .tm_min = f.min, .tm_sec = f.sec};
	int64_t utc = (int64_t)timegm(&tm);
	memset(t, 0, sizeof *t);
	t->nsec = f.nsec;
	if (f.has_off) {
		t->sec = utc - f.off;
		t->offset = f.off;
		return 0;
	}
	t->sec = utc;
	in_zone(t, zone);
	if (t->offset) {   /* local wall clock: adjust by the zone's offset at that instant */
		t->sec = utc - t->offset;
		in_zone(t, zone);
	}
	return 0;
bad:
	return tops_err_set(err, TOPS_EINVAL, "parsing time \"%s\" as \"%s\": cannot parse \"%s\"",
			    value, layout, v);
}

/* ---- durations ---- */

static void fmt_frac(struct strbuf *sb, uint64_t v, int prec)
{
	/* v has prec decimal digits after the point; trailing zeros dropped */
	uint64_t pw = 1;
	for (int i = 0; i < prec; i++)
		pw *= 10;
	sb_addf(sb, "%llu", (unsigned long long)(v / pw));
	uint64_t frac = v % pw;
	if (frac) {
		char buf[48];
		snprintf(buf, sizeof buf, "%0*llu", prec & 15, (unsigned long long)frac);
		size_t e = strlen(buf);
		while (e && buf[e - 1] == '0')
			e--;
		sb_addf(sb, ".%.*s", (int)e, buf);
	}
}

/* Go's time.Duration.String. */
void fu_fmt_duration(struct strbuf *sb, int64_t d)
{
	if (d == 0) {
		sb_adds(sb, "0s");
		return;
	}
	uint64_t u = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
	if (d < 0)
		sb_addc(sb, '-');
	if (u < 1000000000ull) {
		if (u < 1000) {
			sb_addf(sb, "%lluns", (unsigned long long)u);
		} else if (u < 1000000) {
			fmt_frac(sb, u, 3);
			sb_adds(sb, "µs");
		} else {
			fmt_frac(sb, u, 6);
			sb_adds(sb, "ms");
		}
		return;
	}
	uint64_t secs = u / 1000000000ull, ns = u % 1000000000ull;
	uint64_t h = secs / 3600, m = secs / 60 % 60, s = secs % 60;
	if (h)
		sb_addf(sb, "%lluh", (unsigned long long)h);
	if (h || m)
		sb_addf(sb, "%llum", (unsigned long long)m);
	fmt_frac(sb, s * 1000000000ull + ns, 9);
	sb_addc(sb, 's');
}

static const struct {
	const char *unit;
	double ns;
} dur_units[] = {
	{"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"μs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9},
	{"h", 3600e9},
};

/* time.ParseDuration; false on syntax errors. */
static bool parse_duration(const char *s, int64_t *out)
{
	int sign = 1;
	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	if (!strcmp(s, "0")) {
		*out = 0;
		return true;
	}
	if (!*s)
		return false;
	double total = 0;
	while (*s) {
		char *end;
		if (!isdigit((unsigned char)*s) && *s != '.')
			return false;
		double v = strtod(s, &end);
		if (end == s)
			return false;
		s = end;
		size_t best = 0;
		double mul = 0;
		for (size_t i = 0; i < ARRAY_LEN(dur_units); i++) {
			size_t n = strlen(dur_units[i].unit);
			if (!strncmp(s, dur_units[i].unit, n) && n > best)
				best = n, mul = dur_units[i].ns;
		}
		if (!best)
			return false;
		total += v * mul;
		s += best;
	}
	*out = (int64_t)(sign * total);
	return true;
}

/* (a - b) seconds as a Duration, wrapping like Go's int64 arithmetic instead of overflowing. */
static int64_t secs_to_duration(int64_t a, int64_t b)
{
	return (int64_t)(((uint64_t)a - (uint64_t)b) * 1000000000ull);
}

/* ---- functions ---- */

FN(f_now)
{
	struct gotime t = time_now();
	*out = time_val(&t);
	return 0;
}

static bool time_from_any(const struct value *v, struct gotime *t)
{
	if (as_time(v, t))
		return true;
	if (v && v->type == V_INT) {
		memset(t, 0, sizeof *t);
		t->sec = v->u.i;
		return true;
	}
	*t = time_now();
	return true;
}

static int format_in(const char *layout, const struct value *date, const char *zone,
		     struct value **out)
{
	struct gotime t;
	time_from_any(date, &t);
	in_zone(&t, zone);
	struct strbuf sb = STRBUF_INIT;
	time_format(&sb, &t, layout);
	return fu_ret_sb(&sb, out);
}

FN(f_date)
{
	STR(0, layout);
	return format_in(layout, args[1], "Local", out);
}

FN(f_date_in_zone)
{
	STR(0, layout);
	STR(2, zone);
	return format_in(layout, args[1], zone, out);
}

FN(f_html_date) { return format_in("2006-01-02", args[0], "Local", out); }

FN(f_html_date_in_zone)
{
	STR(1, zone);
	return format_in("2006-01-02", args[0], zone, out);
}

static int date_modify(struct value **args, struct value **out, struct tops_err *err, bool must)
{
	STR(0, mod);
	struct gotime t;
	if (!as_time(args[1], &t))
		return tops_err_set(err, TOPS_EINVAL, "wrong type for value; expected time.Time; got %s",
				    value_type_name(args[1]));
	int64_t d;
	if (!parse_duration(mod, &d)) {
		if (must)
			return tops_err_set(err, TOPS_EINVAL, "time: invalid duration \"%s\"", mod);
		*out = time_val(&t);
		return 0;
	}
	int64_t ns = (int64_t)t.nsec + d % 1000000000;
	t.sec += d / 1000000000 + (ns < 0 ? -1 : ns >= 1000000000);
	t.nsec = (int32_t)((ns % 1000000000 + 1000000000) % 1000000000);
	*out = time_val(&t);
	return 0;
}

FN(f_date_modify) { return date_modify(args, out, err, false); }
FN(f_must_date_modify) { return date_modify(args, out, err, true); }

static int to_date(struct value **args, struct value **out, struct tops_err *err, bool must)
{
	STR(0, layout);
	STR(1, s);
	struct gotime t;
	if (time_parse(layout, s, "Local", &t, err) < 0) {
		if (must)
			return -TOPS_EINVAL;
		tops_err_clear(err);
		memset(&t, 0, sizeof t);
		t.sec = -62135596800LL;   /* Go's zero time, 0001-01-01 00:00:00 UTC */
		in_zone(&t, "UTC");
	}
	*out = time_val(&t);
	return 0;
}

FN(f_to_date) { return to_date(args, out, err, false); }
FN(f_must_to_date) { return to_date(args, out, err, true); }

FN(f_unix_epoch)
{
	struct gotime t;
	if (!as_time(args[0], &t))
		return tops_err_set(err, TOPS_EINVAL, "wrong type for value; expected time.Time; got %s",
				    value_type_name(args[0]));
	*out = value_strf("%lld", (long long)t.sec);
	return 0;
}

FN(f_ago)
{
	struct gotime t, now = time_now();
	time_from_any(args[0], &t);
	struct strbuf sb = STRBUF_INIT;
	fu_fmt_duration(&sb, secs_to_duration(now.sec, t.sec));
	return fu_ret_sb(&sb, out);
}

FN(f_duration)
{
	int64_t n = 0;
	const struct value *v = args[0];
	if (v && v->type == V_STRING) {
		char *end;
		long long x = strtoll(v->u.str.s, &end, 10);
		n = *end || !v->u.str.len ? 0 : x;
	} else if (v && v->type == V_INT) {
		n = v->u.i;
	}
	struct strbuf sb = STRBUF_INIT;
	fu_fmt_duration(&sb, secs_to_duration(n, 0));
	return fu_ret_sb(&sb, out);
}

FN(f_duration_round)
{
	int64_t d = 0;
	const struct value *v = args[0];
	struct gotime t;
	if (v && v->type == V_STRING && !parse_duration(v->u.str.s, &d))
		d = 0;
	else if (v && v->type == V_INT)
		d = v->u.i;
	else if (as_time(v, &t))
		d = secs_to_duration(time_now().sec, t.sec);
	uint64_t u = d < 0 ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
	static const struct {
		uint64_t ns;
		const char *suffix;
	} steps[] = {
		{3600000000000ull * 24 * 365, "y"}, {3600000000000ull * 24 * 30, "mo"},
		{3600000000000ull * 24, "d"}, {3600000000000ull, "h"}, {60000000000ull, "m"},
		{1000000000ull, "s"},
	};
	for (size_t i = 0; i < ARRAY_LEN(steps); i++)
		if (u > steps[i].ns) {
			*out = value_strf("%llu%s", (unsigned long long)(u / steps[i].ns), steps[i].suffix);
			return 0;
		}
	*out = value_str("0s");
	return 0;
}

/* time.Time methods reachable from templates. */
static int time_call(struct value *self, const char *name, struct value **args, int nargs,
		     struct value **out, struct tops_err *err)
{
	struct gotime *t = self->u.obj.data;
	struct strbuf sb = STRBUF_INIT;
	if (!strcmp(name, "String")) {
		time_format(&sb, t, "2006-01-02 15:04:05.999999999 -0700 MST");
		return fu_ret_sb(&sb, out);
	}
	if (!strcmp(name, "Format")) {
		if (nargs != 1 || !args[0] || args[0]->type != V_STRING)
			return tops_err_set(err, TOPS_EINVAL, "Format needs one string argument");
		time_format(&sb, t, args[0]->u.str.s);
		return fu_ret_sb(&sb, out);
	}
	if (!strcmp(name, "Unix")) {
		*out = value_int(t->sec);
		(*out)->sub = VS_INT64;
		return 0;
	}
	if (!strcmp(name, "UTC") || !strcmp(name, "Local")) {
		struct gotime c = *t;
		in_zone(&c, name);
		*out = time_val(&c);
		return 0;
	}
	struct tm tm;
	civil(t->sec + t->offset, &tm);
	const struct {
		const char *n;
		int v;
	} fields[] = {{"Year", tm.tm_year + 1900}, {"Day", tm.tm_mday}, {"Hour", tm.tm_hour},
		      {"Minute", tm.tm_min}, {"Second", tm.tm_sec}, {"YearDay", tm.tm_yday + 1},
		      {"Nanosecond", t->nsec}};
	for (size_t i = 0; i < ARRAY_LEN(fields); i++)
		if (!strcmp(name, fields[i].n)) {
			*out = value_int(fields[i].v);
			return 0;
		}
	return -TOPS_ENOENT;
}

static const struct value_object_ops time_ops = {
	.type_name = "time.Time",
	.call = time_call,
	.free = free,
};

static const struct tmpl_func date_funcs[] = {
	{"now", f_now, 0, 0}, {"date", f_date, 2, 2}, {"dateInZone", f_date_in_zone, 3, 3},
	{"date_in_zone", f_date_in_zone, 3, 3}, {"htmlDate", f_html_date, 1, 1},
	{"htmlDateInZone", f_html_date_in_zone, 2, 2}, {"dateModify", f_date_modify, 2, 2},
	{"date_modify", f_date_modify, 2, 2}, {"mustDateModify", f_must_date_modify, 2, 2},
	{"toDate", f_to_date, 2, 2}, {"mustToDate", f_must_to_date, 2, 2},
	{"unixEpoch", f_unix_epoch, 1, 1}, {"ago", f_ago, 1, 1}, {"duration", f_duration, 1, 1},
	{"durationRound", f_duration_round, 1, 1},
};

FU_REGISTER(funcs_date_register, date_funcs)
