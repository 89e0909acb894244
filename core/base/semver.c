/* semver — Masterminds/semver v3 semantics, without regular expressions. */
#include "core/base/semver.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool ident_ok(const char *s, size_t n, bool numeric_no_lead0)
{
	if (n == 0)
		return false;
	bool all_digit = true;
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
		all_digit &= isdigit((unsigned char)s[i]) != 0;
	}
	return !(numeric_no_lead0 && all_digit && n > 1 && s[0] == '0');
}

/* Validates dot-separated identifiers. */
static bool idents_ok(const char *s, size_t n, bool pre)
{
	size_t a = 0;
	for (size_t i = 0; i <= n; i++)
		if (i == n || s[i] == '.') {
			if (!ident_ok(s + a, i - a, pre))
				return false;
			a = i + 1;
		}
	return true;
}

static bool parse_num(const char **p, uint64_t *out)
{
	if (!isdigit((unsigned char)**p))
		return false;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(*p, &end, 10);
	if (errno)
		return false;
	*out = v;
	*p = end;
	return true;
}

int semver_parse(const char *s, struct semver *v, struct tops_err *err)
{
	memset(v, 0, sizeof *v);
	const char *p = s + (*s == 'v');
	uint64_t part[3] = {0};
	bool ok = parse_num(&p, &part[0]);
	for (int i = 1; ok && i < 3 && *p == '.'; i++) {
		p++;
		ok = parse_num(&p, &part[i]);
	}
	const char *pre = "", *meta = "";
	size_t pren = 0, metan = 0;
	if (ok && *p == '-') {
		pre = ++p;
		while (*p && *p != '+')
			p++;
		pren = (size_t)(p - pre);
		ok = idents_ok(pre, pren, true);
	}
	if (ok && *p == '+') {
		meta = ++p;
		metan = strlen(p);
		p += metan;
		ok = idents_ok(meta, metan, false);
	}
	if (!ok || *p)
		return tops_err_set(err, TOPS_EINVAL, "Invalid Semantic Version");
	v->major = part[0];
	v->minor = part[1];
	v->patch = part[2];
	v->pre = xstrndup(pre, pren);
	v->meta = xstrndup(meta, metan);
	v->original = xstrdup(s);
	return 0;
}

void semver_done(struct semver *v)
{
	free(v->pre);
	free(v->meta);
	free(v->original);
	memset(v, 0, sizeof *v);
}

void semver_format(struct strbuf *sb, const struct semver *v)
{
	sb_addf(sb, "%llu.%llu.%llu", (unsigned long long)v->major, (unsigned long long)v->minor,
		(unsigned long long)v->patch);
	if (*v->pre)
		sb_addf(sb, "-%s", v->pre);
	if (*v->meta)
		sb_addf(sb, "+%s", v->meta);
}

static int cmp_u(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

static int cmp_pre_part(const char *s, size_t sn, const char *o, size_t on)
{
	if (sn == on && memcmp(s, o, sn) == 0)
		return 0;
	if (sn == 0)
		return -1;
	if (on == 0)
		return 1;
	bool sd = all_digits(s, sn), od = all_digits(o, on);
	if (sd && od) {
		uint64_t a = strtoull(s, NULL, 10), b = strtoull(o, NULL, 10);
		return a > b ? 1 : -1;
	}
	if (!sd && !od) {
		size_t n = sn < on ? sn : on;
		int c = memcmp(s, o, n);
		return c ? (c > 0 ? 1 : -1) : (sn > on ? 1 : -1);
	}
	return sd ? -1 : 1;
}

static int cmp_pre(const char *a, const char *b)
{
	while (*a || *b) {
		size_t an = strcspn(a, "."), bn = strcspn(b, ".");
		int c = cmp_pre_part(a, an, b, bn);
		if (c)
			return c;
		a += an + (a[an] == '.');
		b += bn + (b[bn] == '.');
	}
	return 0;
}

int semver_compare(const struct semver *a, const struct semver *b)
{
	int c = cmp_u(a->major, b->major);
	if (!c)
		c = cmp_u(a->minor, b->minor);
	if (!c)
		c = cmp_u(a->patch, b->patch);
	if (c)
		return c;
	if (!*a->pre && !*b->pre)
		return 0;
	if (!*a->pre)
		return 1;
	if (!*b->pre)
		return -1;
	return cmp_pre(a->pre, b->pre);
}

/* ---- constraints ---- */

enum cop { C_EQ, C_NE, C_GT, C_LT, C_GE, C_LE, C_TILDE, C_CARET };

struct constraint {
	enum cop op;
	struct semver con;
	bool dirty, minor_dirty, patch_dirty;
};

static const struct {
	const char *text;
	enum cop op;
} ops[] = {
	{"!=", C_NE}, {">=", C_GE}, {"=>", C_GE}, {"<=", C_LE}, {"=<", C_LE}, {"~>", C_TILDE},
	{">", C_GT}, {"<", C_LT}, {"=", C_EQ}, {"~", C_TILDE}, {"^", C_CARET},
};

static bool is_x(const char *s, size_t n)
{
	return n == 1 && (*s == 'x' || *s == 'X' || *s == '*');
}

static bool cv_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '+' || c == '*';
}

/* Parses one "[op] version" at *p; advances *p. */
static int parse_one(const char **p, struct constraint *c)
{
	const char *s = *p;
	c->op = C_EQ;
	for (size_t i = 0; i < ARRAY_LEN(ops); i++)
		if (strncmp(s, ops[i].text, strlen(ops[i].text)) == 0) {
			c->op = ops[i].op;
			s += strlen(ops[i].text);
			break;
		}
	while (*s == ' ' || *s == '\t')
		s++;
	const char *v = s;
	while (cv_char(*s))
		s++;
	if (s == v)
		return -1;
	*p = s;
	/* split "v?A(.B)?(.C)?(-pre)?(+meta)?" with x wildcards */
	const char *q = v + (*v == 'v');
	const char *part[3] = {NULL, NULL, NULL};
	size_t plen[3] = {0};
	for (int i = 0; i < 3; i++) {
		if (i > 0 && *q != '.')
			break;
		q += i > 0;
		part[i] = q;
		while (q < s && (isdigit((unsigned char)*q) || is_x(q, 1)))
			q++;
		plen[i] = (size_t)(q - part[i]);
		if (!plen[i])
			return -1;
	}
	struct strbuf sb = STRBUF_INIT;
	const char *rest = q;
	size_t restn = (size_t)(s - q);
	if (is_x(part[0], plen[0])) {
		c->dirty = true;
		sb_adds(&sb, "0.0.0");
	} else if (!part[1] || is_x(part[1], plen[1])) {
		c->dirty = c->minor_dirty = true;
		sb_add(&sb, part[0], plen[0]);
		sb_adds(&sb, ".0.0");
	} else if (!part[2] || is_x(part[2], plen[2])) {
		c->dirty = c->patch_dirty = true;
		sb_addf(&sb, "%.*s.%.*s.0", (int)plen[0], part[0], (int)plen[1], part[1]);
	} else {
		sb_addf(&sb, "%.*s.%.*s.%.*s", (int)plen[0], part[0], (int)plen[1], part[1],
			(int)plen[2], part[2]);
	}
	sb_add(&sb, rest, restn);
	int rc = semver_parse(sb_str(&sb), &c->con, NULL);
	sb_done(&sb);
	return rc;
}

static bool check_tilde(const struct semver *v, const struct constraint *c)
{
	if (semver_compare(v, &c->con) < 0)
		return false;
	if (!c->con.major && !c->con.minor && !c->con.patch && !c->minor_dirty && !c->patch_dirty)
		return true;
	if (v->major != c->con.major)
		return false;
	return v->minor == c->con.minor || c->minor_dirty;
}

static bool check_caret(const struct semver *v, const struct constraint *c)
{
	if (semver_compare(v, &c->con) < 0)
		return false;
	if (c->con.major > 0 || c->minor_dirty)
		return v->major == c->con.major;
	if (v->major > 0)
		return false;
	if (c->con.minor > 0 || c->patch_dirty)
		return v->minor == c->con.minor;
	if (v->minor > 0)
		return false;
	return v->patch == c->con.patch;
}

static bool check_ne(const struct semver *v, const struct constraint *c)
{
	if (c->dirty) {
		if (c->con.major != v->major)
			return true;
		if (c->con.minor != v->minor && !c->minor_dirty)
			return true;
		if (c->minor_dirty)
			return false;
		if (c->con.patch != v->patch && !c->patch_dirty)
			return true;
		if (c->patch_dirty) {
			if (*v->pre || *c->con.pre)
				return cmp_pre(v->pre, c->con.pre) != 0;
			return false;
		}
	}
	return semver_compare(v, &c->con) != 0;
}

static bool check_gt(const struct semver *v, const struct constraint *c)
{
	if (!c->dirty)
		return semver_compare(v, &c->con) > 0;
	if (v->major != c->con.major)
		return v->major > c->con.major;
	if (c->minor_dirty)
		return false;
	if (c->patch_dirty)
		return v->minor > c->con.minor;
	return semver_compare(v, &c->con) > 0;
}

static bool check_le(const struct semver *v, const struct constraint *c)
{
	if (!c->dirty)
		return semver_compare(v, &c->con) <= 0;
	if (v->major > c->con.major)
		return false;
	return !(v->major == c->con.major && v->minor > c->con.minor && !c->minor_dirty);
}

static bool check_one(const struct semver *v, const struct constraint *c, bool allow_pre)
{
	/* != on an exact version does not exclude prereleases in semver either */
	if (!allow_pre && *v->pre && !*c->con.pre && (c->op != C_NE || c->dirty))
		return false;
	switch (c->op) {
	case C_EQ: return c->dirty ? check_tilde(v, c) : semver_compare(v, &c->con) == 0;
	case C_NE: return check_ne(v, c);
	case C_GT: return check_gt(v, c);
	case C_LT: return semver_compare(v, &c->con) < 0;
	case C_GE: return semver_compare(v, &c->con) >= 0;
	case C_LE: return check_le(v, c);
	case C_TILDE: return check_tilde(v, c);
	case C_CARET: return check_caret(v, c);
	}
	return false;
}

/* Rewrites hyphen ranges "A - B" into ">= A, <= B". */
static char *rewrite_ranges(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = s;
	while (*p) {
		const char *a = p;
		if (isalnum((unsigned char)*p) || *p == '*') {
			bool boundary = a == s || !cv_char(a[-1]);
			const char *e = a;
			while (cv_char(*e))
				e++;
			const char *m = e;
			while (*m == ' ' || *m == '\t')
				m++;
			if (boundary && m > e && *m == '-' && (m[1] == ' ' || m[1] == '\t')) {
				const char *b = m + 1;
				while (*b == ' ' || *b == '\t')
					b++;
				const char *be = b;
				while (cv_char(*be))
					be++;
				if (be > b && (isalnum((unsigned char)*b) || *b == '*')) {
					sb_addf(&sb, ">= %.*s, <= %.*s", (int)(e - a), a, (int)(be - b), b);
					p = be;
					continue;
				}
			}
			sb_add(&sb, a, (size_t)(e - a));
			p = e;
			continue;
		}
		sb_addc(&sb, *p++);
	}
	return sb_detach(&sb, NULL);
}

/* Parses and checks one ||-separated group [s, e). *ok: group result. */
static int check_group(const char *s, const char *e, const struct semver *v, bool *ok)
{
	struct constraint cs[64];
	int n = 0;
	bool any_pre = false;
	const char *p = s;
	while (p < e) {
		while (p < e && (*p == ' ' || *p == '\t' || (*p == ',' && n > 0)))
			p++;
		if (p >= e)
			break;
		if (n == (int)ARRAY_LEN(cs))
			goto fail;
		memset(&cs[n], 0, sizeof cs[n]);
		if (parse_one(&p, &cs[n]) < 0 || p > e)
			goto fail;
		any_pre |= *cs[n].con.pre != 0;
		n++;
	}
	if (n == 0) {   /* "" means any release version */
		memset(&cs[0], 0, sizeof cs[0]);
		semver_parse("0.0.0", &cs[0].con, NULL);
		cs[0].dirty = true;
		n = 1;
	}
	*ok = true;
	for (int i = 0; i < n; i++)
		*ok = *ok && check_one(v, &cs[i], any_pre);
	for (int i = 0; i < n; i++)
		semver_done(&cs[i].con);
	return 0;
fail:
	for (int i = 0; i < n; i++)
		semver_done(&cs[i].con);
	return -1;
}

int semver_check(const char *constraint, const struct semver *v, bool *ok, struct tops_err *err)
{
	char *c = rewrite_ranges(constraint);
	const char *p = c;
	*ok = false;
	bool any = false;
	for (;;) {
		const char *e = strstr(p, "||");
		if (!e)
			e = p + strlen(p);
		bool g = false;
		if (check_group(p, e, v, &g) < 0) {
			tops_err_set(err, TOPS_EINVAL, "improper constraint: %.*s", (int)(e - p), p);
			free(c);
			return -TOPS_EINVAL;
		}
		any |= g;
		if (!*e)
			break;
		p = e + 2;
	}
	free(c);
	*ok = any;
	return 0;
}
