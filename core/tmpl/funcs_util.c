/* funcs_util — Go-style printing and conversions shared by the chart functions. */
#include "core/tmpl/funcs_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fmt_object(struct strbuf *sb, const struct value *v)
{
	struct value *out = NULL;
	struct tops_err err = {0};
	struct value *self = (struct value *)v;
	if (v->u.obj.ops->call &&
	    v->u.obj.ops->call(self, "String", NULL, 0, &out, &err) == 0 && out &&
	    out->type == V_STRING) {
		sb_add(sb, out->u.str.s, out->u.str.len);
	} else {
		sb_addf(sb, "{%s}", v->u.obj.ops->type_name);
	}
	value_unref(out);
	tops_err_clear(&err);
}

static void fmt_depth(struct strbuf *sb, const struct value *v, int depth);

void fu_fmt(struct strbuf *sb, const struct value *v)
{
	fmt_depth(sb, v, 0);
}

static void fmt_depth(struct strbuf *sb, const struct value *v, int depth)
{
	if (depth > 1000 || sb->len > (64u << 20)) {   /* a value that contains itself */
		sb_adds(sb, "...");
		return;
	}
	if (!v) {
		sb_adds(sb, "<nil>");
		return;
	}
	switch (v->type) {
	case V_NULL: sb_adds(sb, "<nil>"); break;
	case V_BOOL: sb_adds(sb, v->u.b ? "true" : "false"); break;
	case V_INT:
		if (v->sub == VS_UINT)
			sb_addf(sb, "%llu", (unsigned long long)v->u.i);
		else
			sb_addf(sb, "%lld", (long long)v->u.i);
		break;
	case V_FLOAT: value_fmt_float_g(sb, v->u.f); break;
	case V_STRING:
		if (v->sub == VS_BYTES) {
			sb_addc(sb, '[');
			for (size_t i = 0; i < v->u.str.len; i++)
				sb_addf(sb, i ? " %u" : "%u", (unsigned char)v->u.str.s[i]);
			sb_addc(sb, ']');
		} else {
			sb_add(sb, v->u.str.s, v->u.str.len);
		}
		break;
	case V_LIST:
		sb_addc(sb, '[');
		for (size_t i = 0; i < v->u.list.len; i++) {
			if (i)
				sb_addc(sb, ' ');
			fmt_depth(sb, v->u.list.items[i], depth + 1);
		}
		sb_addc(sb, ']');
		break;
	case V_MAP:
		sb_adds(sb, "map[");
		for (size_t i = 0; i < v->u.map.len; i++) {
			if (i)
				sb_addc(sb, ' ');
			sb_adds(sb, v->u.map.e[i].key);
			sb_addc(sb, ':');
			fmt_depth(sb, v->u.map.e[i].val, depth + 1);
		}
		sb_addc(sb, ']');
		break;
	case V_OBJECT: fmt_object(sb, v); break;
	}
}

char *fu_strval(const struct value *v, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	if (v && v->type == V_STRING)
		sb_add(&sb, v->u.str.s, v->u.str.len);
	else
		fu_fmt(&sb, v);
	return sb_detach(&sb, len);
}

static unsigned utf8_decode(const unsigned char *s, size_t n, size_t *used)
{
	unsigned c = s[0];
	int extra = c >= 0xf0 && c < 0xf8 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
	if (c < 0x80 || c >= 0xf8 || (size_t)extra >= n || (c >= 0x80 && c < 0xc2)) {
		*used = 1;
		return c < 0x80 ? c : 0xfffd0000u | c;  /* invalid: marked */
	}
	unsigned cp = c & (0x3f >> extra);
	for (int i = 1; i <= extra; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*used = 1;
			return 0xfffd0000u | c;
		}
		cp = cp << 6 | (s[i] & 0x3f);
	}
	static const unsigned min[] = {0, 0x80, 0x800, 0x10000};
	if (cp < min[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
		*used = 1;
		return 0xfffd0000u | c;
	}
	*used = (size_t)extra + 1;
	return cp;
}

void fu_quote(struct strbuf *sb, const char *s, size_t n)
{
	static const char esc_from[] = "\a\b\f\n\r\t\v\\\"";
	static const char esc_to[] = "abfnrtv\\\"";
	sb_addc(sb, '"');
	for (size_t i = 0; i < n;) {
		size_t used;
		unsigned cp = utf8_decode((const unsigned char *)s + i, n - i, &used);
		const char *e = cp && cp < 0x80 ? strchr(esc_from, (int)cp) : NULL;
		if (e)
			sb_addf(sb, "\\%c", esc_to[e - esc_from]);
		else if ((cp & 0xffff0000u) == 0xfffd0000u)
			sb_addf(sb, "\\x%02x", cp & 0xff);
		else if (cp < 0x20 || cp == 0x7f)
			sb_addf(sb, "\\x%02x", cp);
		else if (cp >= 0x80 && cp < 0xa0)
			sb_addf(sb, "\\u%04x", cp);
		else
			sb_add(sb, s + i, used);
		i += used;
	}
	sb_addc(sb, '"');
}

/* strconv.ParseInt(s, 0, 64) after cast's trimZeroDecimal. */
static bool parse_int_go(const char *s, int64_t *out)
{
	char buf[96];
	size_t n = strlen(s);
	const char *dot = strchr(s, '.');
	if (dot && dot != s && n < sizeof buf) {
		bool zeros = true;
		for (const char *p = dot + 1; *p; p++)
			zeros &= *p == '0';
		if (zeros) {
			memcpy(buf, s, (size_t)(dot - s));
			buf[dot - s] = 0;
			s = buf;
		}
	}
	if (!*s || (s[0] != '-' && s[0] != '+' && (s[0] < '0' || s[0] > '9')))
		return false;
	const char *p = s + (s[0] == '-' || s[0] == '+');
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	else if (p[0] == '0' && p[1])
		base = 8, p += 1;
	if (!*p || *p == '-' || *p == '+' || *p == ' ')
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(p, &end, base);
	if (*end || errno)
		return false;
	*out = s[0] == '-' ? -v : v;
	return true;
}

int64_t fu_to_int64(const struct value *v)
{
	int64_t i = 0;
	if (!v)
		return 0;
	switch (v->type) {
	case V_BOOL: return v->u.b;
	case V_INT: return v->u.i;
	case V_FLOAT:
		if (isnan(v->u.f) || fabs(v->u.f) >= 9.2e18)
			return INT64_MIN;
		return (int64_t)v->u.f;
	case V_STRING: return parse_int_go(v->u.str.s, &i) ? i : 0;
	default: return 0;
	}
}

double fu_to_float64(const struct value *v)
{
	if (!v)
		return 0;
	switch (v->type) {
	case V_BOOL: return v->u.b;
	case V_INT: return v->sub == VS_UINT ? (double)(uint64_t)v->u.i : (double)v->u.i;
	case V_FLOAT: return v->u.f;
	case V_STRING: {
		const char *s = v->u.str.s;
		if (!*s || *s == ' ' || *s == '\t' || *s == '\n')
			return 0;
		char *end;
		double d = strtod(s, &end);
		return *end ? 0 : d;
	}
	default: return 0;
	}
}

bool fu_empty(const struct value *v)
{
	if (!v)
		return true;
	switch (v->type) {
	case V_NULL: return true;
	case V_BOOL: return !v->u.b;
	case V_INT: return v->u.i == 0;
	case V_FLOAT: return v->u.f == 0;
	case V_STRING: return v->u.str.len == 0;
	case V_LIST: return v->u.list.len == 0;
	case V_MAP: return v->u.map.len == 0;
	default: return false;
	}
}

const char *fu_kind(const struct value *v)
{
	if (!v || v->type == V_NULL)
		return "invalid";
	if (v->type == V_OBJECT)
		return "ptr";
	return value_kind_name(v);
}

static int arg_type_err(struct value **args, int i, const char *want, struct tops_err *err)
{
	const struct value *v = args[i];
	if (!v || v->type == V_NULL)
		return tops_err_set(err, TOPS_EINVAL, "invalid value; expected %s", want);
	const char *got = value_type_name(v);
	if (v->type == V_INT && v->sub == VS_UINT)
		got = "uint64";
	return tops_err_set(err, TOPS_EINVAL, "wrong type for value; expected %s; got %s", want, got);
}

int fu_arg_str(struct value **args, int i, const char **s, size_t *n, struct tops_err *err)
{
	const struct value *v = args[i];
	if (!v || v->type != V_STRING)
		return arg_type_err(args, i, "string", err);
	*s = v->u.str.s;
	if (n)
		*n = v->u.str.len;
	return 0;
}

int fu_arg_int(struct value **args, int i, int64_t *out, struct tops_err *err)
{
	const struct value *v = args[i];
	/* Go does not convert int64 or uint values to an int parameter either */
	if (v && v->type == V_INT && v->sub == VS_NONE) {
		*out = v->u.i;
		return 0;
	}
	return arg_type_err(args, i, "int", err);
}

int fu_arg_float(struct value **args, int i, double *out, struct tops_err *err)
{
	const struct value *v = args[i];
	if (v && (v->type == V_FLOAT || v->type == V_INT)) {
		*out = v->type == V_FLOAT ? v->u.f : (double)v->u.i;
		return 0;
	}
	return arg_type_err(args, i, "float64", err);
}

int fu_arg_bool(struct value **args, int i, bool *out, struct tops_err *err)
{
	const struct value *v = args[i];
	if (v && v->type == V_BOOL) {
		*out = v->u.b;
		return 0;
	}
	return arg_type_err(args, i, "bool", err);
}

int fu_arg_map(struct value **args, int i, struct value **out, struct tops_err *err)
{
	struct value *v = args[i];
	if (v && v->type == V_MAP) {
		*out = v;
		return 0;
	}
	return arg_type_err(args, i, "map[string]interface {}", err);
}

int fu_arg_list(struct value **args, int i, struct value **out, struct tops_err *err)
{
	struct value *v = args[i];
	if (v && v->type == V_LIST) {
		*out = v;
		return 0;
	}
	return arg_type_err(args, i, "[]interface {}", err);
}

struct value *fu_strlist_new(void)
{
	struct value *l = value_list();
	l->sub = VS_STRINGS;
	return l;
}

void fu_strlist_add(struct value *list, const char *s, size_t n)
{
	value_list_push(list, value_strn(s, n));
}

struct value *fu_strslice(const struct value *v)
{
	struct value *l = fu_strlist_new();
	if (!v || v->type == V_NULL)
		return l;
	if (v->type != V_LIST) {
		size_t n;
		char *s = fu_strval(v, &n);
		value_list_push(l, value_str_own(s, n));
		return l;
	}
	for (size_t i = 0; i < v->u.list.len; i++) {
		const struct value *it = v->u.list.items[i];
		if (!it || it->type == V_NULL)
			continue;
		size_t n;
		char *s = fu_strval(it, &n);
		value_list_push(l, value_str_own(s, n));
	}
	return l;
}

struct walk {
	const struct value *stack[1024];
	int depth;
	long budget;
	bool finite;          /* also refuse NaN and infinities (JSON cannot hold them) */
	double bad;
};

static bool walk_ok(struct walk *w, const struct value *v)
{
	if (w->finite && v && v->type == V_FLOAT && !isfinite(v->u.f)) {
		w->bad = v->u.f;
		return false;
	}
	if (!v || (v->type != V_LIST && v->type != V_MAP))
		return true;
	if (--w->budget < 0 || w->depth >= (int)ARRAY_LEN(w->stack))
		return false;
	for (int i = 0; i < w->depth; i++)
		if (w->stack[i] == v)
			return false;
	w->stack[w->depth++] = v;
	bool ok = true;
	size_t n = v->type == V_LIST ? v->u.list.len : v->u.map.len;
	for (size_t i = 0; i < n && ok; i++)
		ok = walk_ok(w, v->type == V_LIST ? v->u.list.items[i] : v->u.map.e[i].val);
	w->depth--;
	return ok;
}

static int check_walk(const struct value *v, const char *what, bool finite, struct tops_err *err)
{
	struct walk *w = xcalloc(1, sizeof *w);
	w->budget = 10000000;
	w->finite = finite;
	bool ok = walk_ok(w, v);
	double bad = w->bad;
	free(w);
	if (ok)
		return 0;
	if (bad != 0)
		return tops_err_set(err, TOPS_EINVAL, "json: unsupported value: %s",
				    isnan(bad) ? "NaN" : bad > 0 ? "+Inf" : "-Inf");
	return tops_err_set(err, TOPS_ETOOBIG, "%s: value contains itself or is nested too deeply", what);
}

int fu_check_acyclic(const struct value *v, const char *what, struct tops_err *err)
{
	return check_walk(v, what, false, err);
}

int fu_check_json(const struct value *v, struct tops_err *err)
{
	return check_walk(v, "json", true, err);
}

int fu_ret_sb(struct strbuf *sb, struct value **out)
{
	size_t n;
	char *s = sb_detach(sb, &n);
	*out = value_str_own(s, n);
	return 0;
}

int fu_ret_str(const char *s, size_t n, struct value **out)
{
	*out = value_strn(s, n);
	return 0;
}

void funcs_register_sprig(struct tmpl_funcs *f)
{
	funcs_strings_register(f);
	funcs_lists_register(f);
	funcs_dicts_register(f);
	funcs_math_register(f);
	funcs_defaults_register(f);
	funcs_encoding_register(f);
	funcs_crypto_register(f);
	funcs_passwd_register(f);
	funcs_semver_register(f);
	funcs_regex_register(f);
	funcs_reflect_register(f);
	funcs_date_register(f);
}

/* Lives next to funcs_register_sprig so that linking either entry point brings in both. */
void funcs_register_helm(struct tmpl_funcs *f)
{
	funcs_helm_register(f);
}

/* ---- Go's encoding/json syntax error texts ---- */

struct jchk {
	const char *p, *end;
	char *msg;
	int depth;
};

static void jchk_char(struct strbuf *sb, char c)
{
	if (c == '\'')
		sb_adds(sb, "'\\''");
	else if (c == '"')
		sb_adds(sb, "'\"'");
	else {
		struct strbuf q = STRBUF_INIT;
		fu_quote(&q, &c, 1);
		sb_addf(sb, "'%.*s'", (int)q.len - 2, q.buf + 1);
		sb_done(&q);
	}
}

static bool jchk_fail(struct jchk *j, const char *context)
{
	if (j->msg)
		return false;
	if (j->p >= j->end) {
		j->msg = xstrdup("unexpected end of JSON input");
		return false;
	}
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "invalid character ");
	jchk_char(&sb, *j->p);
	sb_addf(&sb, " %s", context);
	j->msg = sb_detach(&sb, NULL);
	return false;
}

static void jchk_ws(struct jchk *j)
{
	while (j->p < j->end && strchr(" \t\r\n", *j->p) && *j->p)
		j->p++;
}

static bool jchk_digits(struct jchk *j)
{
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return jchk_fail(j, "in numeric literal");
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return true;
}

static bool jchk_number(struct jchk *j)
{
	if (*j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!jchk_digits(j))
		return false;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!jchk_digits(j))
			return false;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!jchk_digits(j))
			return false;
	}
	return true;
}

static bool jchk_string(struct jchk *j)
{
	for (j->p++; j->p < j->end && *j->p != '"'; j->p++) {
		if ((unsigned char)*j->p < 0x20)
			return jchk_fail(j, "in string literal");
		if (*j->p != '\\')
			continue;
		j->p++;
		if (j->p < j->end && *j->p == 'u') {
			for (int i = 0; i < 4; i++) {
				j->p++;
				if (j->p >= j->end || !strchr("0123456789abcdefABCDEF", *j->p) || !*j->p)
					return jchk_fail(j, "in \\u hexadecimal character escape");
			}
		} else if (j->p >= j->end || !strchr("\"\\/bfnrt", *j->p) || !*j->p) {
			return jchk_fail(j, "in string escape code");
		}
	}
	if (j->p >= j->end)
		return jchk_fail(j, "");
	j->p++;
	return true;
}

static bool jchk_value(struct jchk *j);

static bool jchk_container(struct jchk *j, bool obj)
{
	if (++j->depth > 10000)
		return jchk_fail(j, "exceeding max depth");
	j->p++;
	jchk_ws(j);
	if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		if (obj) {
			jchk_ws(j);
			if (j->p >= j->end || *j->p != '"')
				return jchk_fail(j, "looking for beginning of object key string");
			if (!jchk_string(j))
				return false;
			jchk_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return jchk_fail(j, "after object key");
			j->p++;
		}
		if (!jchk_value(j))
			return false;
		jchk_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
			j->p++;
			j->depth--;
			return true;
		}
		return jchk_fail(j, obj ? "after object key:value pair" : "after array element");
	}
}

static bool jchk_value(struct jchk *j)
{
	static const char *const lits[] = {"true", "false", "null"};
	jchk_ws(j);
	if (j->p >= j->end)
		return jchk_fail(j, "");
	char c = *j->p;
	if (c == '{' || c == '[')
		return jchk_container(j, c == '{');
	if (c == '"')
		return jchk_string(j);
	if (c == '-' || (c >= '0' && c <= '9'))
		return jchk_number(j);
	for (size_t i = 0; i < ARRAY_LEN(lits); i++) {
		if (c != lits[i][0])
			continue;
		for (const char *l = lits[i]; *l; l++, j->p++)
			if (j->p >= j->end || *j->p != *l) {
				char ctx[64];
				snprintf(ctx, sizeof ctx, "in literal %s (expecting '%c')", lits[i], *l);
				return jchk_fail(j, ctx);
			}
		return true;
	}
	return jchk_fail(j, "looking for beginning of value");
}

char *fu_json_error(const char *s, size_t n)
{
	struct jchk j = {.p = s, .end = s + n};
	if (jchk_value(&j)) {
		jchk_ws(&j);
		if (j.p < j.end)
			jchk_fail(&j, "after top-level value");
	}
	return j.msg;
}

void fu_json_floats(struct value *v)
{
	if (v->type == V_INT) {
		double d = (double)v->u.i;
		v->type = V_FLOAT;
		v->sub = VS_NONE;
		v->u.f = d;
	} else if (v->type == V_LIST) {
		for (size_t i = 0; i < v->u.list.len; i++)
			fu_json_floats(v->u.list.items[i]);
	} else if (v->type == V_MAP) {
		for (size_t i = 0; i < v->u.map.len; i++)
			fu_json_floats(v->u.map.e[i].val);
	}
}

struct value *fu_json_decode(const char *s, size_t n, char **msg)
{
	struct tops_err perr = {0};
	struct value *v = value_from_json(s, n, &perr);
	if (!v) {
		if (msg) {
			*msg = fu_json_error(s, n);
			if (!*msg)
				*msg = xasprintf("%s", tops_err_msg(&perr));
		}
		tops_err_clear(&perr);
		return NULL;
	}
	fu_json_floats(v);
	return v;
}

struct value *fu_to_json(const struct value *v, bool pretty, bool html)
{
	struct tops_err cerr = {0};
	if (fu_check_json(v, &cerr) < 0) {
		tops_err_clear(&cerr);
		return value_str("");
	}
	char *s = value_to_json(v, pretty, html);
	return value_str_own(s, strlen(s));
}

int fu_must_to_json(const struct value *v, bool pretty, bool html, struct value **out,
		    struct tops_err *err)
{
	int rc = fu_check_json(v, err);
	if (rc < 0)
		return rc;
	*out = fu_to_json(v, pretty, html);
	return 0;
}
