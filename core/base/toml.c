/* toml — Helm's toToml (BurntSushi/toml encoder layout: plain keys first, then [tables] indented
 * two spaces per level, [[arrays of tables]], floats always with a decimal point) and a TOML
 * reader for fromToml (tables, arrays of tables, dotted keys, strings, numbers, booleans, arrays,
 * inline tables; dates are kept as strings). */
#include "core/base/toml.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Propagates a negative return code. */
#define TRY(x) do { int rc_ = (x); if (rc_ < 0) return rc_; } while (0)

/* ---------------------------------------------------------------- writer */

static bool bare_key(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_' && *k != '-')
			return false;
	return true;
}

static void toml_str(struct strbuf *sb, const char *s, size_t n)
{
	sb_addc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': sb_adds(sb, "\\\""); break;
		case '\\': sb_adds(sb, "\\\\"); break;
		case '\n': sb_adds(sb, "\\n"); break;
		case '\t': sb_adds(sb, "\\t"); break;
		case '\r': sb_adds(sb, "\\r"); break;
		case '\b': sb_adds(sb, "\\b"); break;
		case '\f': sb_adds(sb, "\\f"); break;
		default:
			if (c < 0x20 || c == 0x7f)
				sb_addf(sb, "\\u%04X", c);
			else
				sb_addc(sb, (char)c);
		}
	}
	sb_addc(sb, '"');
}

static void put_key(struct strbuf *sb, const char *k)
{
	if (bare_key(k))
		sb_adds(sb, k);
	else
		toml_str(sb, k, strlen(k));
}

static bool is_table(const struct value *v)
{
	return v && v->type == V_MAP;
}

static bool is_table_array(const struct value *v)
{
	if (!v || v->type != V_LIST || v->u.list.len == 0)
		return false;
	for (size_t i = 0; i < v->u.list.len; i++)
		if (!is_table(v->u.list.items[i]))
			return false;
	return true;
}

static int put_value(struct strbuf *sb, const struct value *v, struct tops_err *err);

static int put_inline_table(struct strbuf *sb, const struct value *v, struct tops_err *err)
{
	sb_addc(sb, '{');
	bool first = true;
	for (size_t i = 0; i < v->u.map.len; i++) {
		if (!v->u.map.e[i].val || v->u.map.e[i].val->type == V_NULL)
			continue;
		sb_adds(sb, first ? "" : ", ");
		first = false;
		put_key(sb, v->u.map.e[i].key);
		sb_adds(sb, " = ");
		TRY(put_value(sb, v->u.map.e[i].val, err));
	}
	sb_addc(sb, '}');
	return 0;
}

static int put_value(struct strbuf *sb, const struct value *v, struct tops_err *err)
{
	switch (v->type) {
	case V_BOOL: sb_adds(sb, v->u.b ? "true" : "false"); return 0;
	case V_INT: sb_addf(sb, v->sub == VS_UINT ? "%llu" : "%lld", (long long)v->u.i); return 0;
	case V_FLOAT: {
		double f = v->u.f;
		if (isnan(f)) {
			sb_adds(sb, "nan");
		} else if (isinf(f)) {
			sb_adds(sb, f > 0 ? "inf" : "-inf");
		} else {
			char buf[512];
			snprintf(buf, sizeof buf, "%.17g", f);
			struct strbuf g = STRBUF_INIT;
			value_fmt_float_g(&g, f);
			/* 'f' formatting with the shortest digits */
			if (strchr(sb_str(&g), 'e'))
				snprintf(buf, sizeof buf, "%.*f", 20, f);
			else
				snprintf(buf, sizeof buf, "%s", sb_str(&g));
			if (strchr(buf, 'e') == NULL && strchr(buf, '.')) {
				size_t e = strlen(buf);
				while (e > 0 && buf[e - 1] == '0')
					e--;
				if (buf[e - 1] == '.')
					e++;
				buf[e] = 0;
			}
			sb_adds(sb, buf);
			if (!strchr(buf, '.'))
				sb_adds(sb, ".0");
			sb_done(&g);
		}
		return 0;
	}
	case V_STRING: toml_str(sb, v->u.str.s, v->u.str.len); return 0;
	case V_LIST:
		sb_addc(sb, '[');
		for (size_t i = 0; i < v->u.list.len; i++) {
			if (!v->u.list.items[i] || v->u.list.items[i]->type == V_NULL)
				return tops_err_set(err, TOPS_EINVAL, "toml: cannot encode array with nil element");
			sb_adds(sb, i ? ", " : "");
			TRY(put_value(sb, v->u.list.items[i], err));
		}
		sb_addc(sb, ']');
		return 0;
	case V_MAP: return put_inline_table(sb, v, err);
	default: return tops_err_set(err, TOPS_EINVAL, "toml: cannot encode a value of type %s",
				     value_type_name(v));
	}
}

struct tkey {
	const char *parts[64];
	int n;
};

static void indent(struct strbuf *sb, int n)
{
	for (int i = 0; i < n; i++)
		sb_adds(sb, "  ");
}

static void key_path(struct strbuf *sb, const struct tkey *k)
{
	for (int i = 0; i < k->n; i++) {
		if (i)
			sb_addc(sb, '.');
		put_key(sb, k->parts[i]);
	}
}

static void newline(struct strbuf *sb)
{
	if (sb->len)
		sb_addc(sb, '\n');
}

static int emit_table(struct strbuf *sb, const struct value *m, struct tkey *k, struct tops_err *err);

static int emit_children(struct strbuf *sb, const struct value *m, struct tkey *k,
			 struct tops_err *err)
{
	for (size_t i = 0; i < m->u.map.len; i++) {   /* plain keys first */
		const struct value *v = m->u.map.e[i].val;
		if (!v || v->type == V_NULL || is_table(v) || is_table_array(v))
			continue;
		indent(sb, k->n);
		put_key(sb, m->u.map.e[i].key);
		sb_adds(sb, " = ");
		TRY(put_value(sb, v, err));
		sb_addc(sb, '\n');
	}
	if (k->n >= (int)ARRAY_LEN(k->parts))
		return tops_err_set(err, TOPS_ETOOBIG, "toml: nesting too deep");
	for (size_t i = 0; i < m->u.map.len; i++) {
		const struct value *v = m->u.map.e[i].val;
		if (!is_table(v) && !is_table_array(v))
			continue;
		k->parts[k->n++] = m->u.map.e[i].key;
		if (is_table(v)) {
			TRY(emit_table(sb, v, k, err));
		} else {
			for (size_t j = 0; j < v->u.list.len; j++) {
				newline(sb);
				indent(sb, k->n - 1);
				sb_adds(sb, "[[");
				key_path(sb, k);
				sb_adds(sb, "]]\n");
				TRY(emit_children(sb, v->u.list.items[j], k, err));
			}
		}
		k->n--;
	}
	return 0;
}

static int emit_table(struct strbuf *sb, const struct value *m, struct tkey *k, struct tops_err *err)
{
	if (k->n == 1)
		newline(sb);
	if (k->n > 0) {
		indent(sb, k->n - 1);
		sb_addc(sb, '[');
		key_path(sb, k);
		sb_adds(sb, "]\n");
	}
	return emit_children(sb, m, k, err);
}

int toml_emit(const struct value *v, struct strbuf *out, struct tops_err *err)
{
	if (!v || v->type != V_MAP)
		return tops_err_set(err, TOPS_EINVAL, "toml: top-level values must be Go maps or structs");
	struct tkey k = {.n = 0};
	return emit_table(out, v, &k, err);
}

/* ---------------------------------------------------------------- reader */

struct tp {
	const char *s, *p, *end;
	int line;
	struct tops_err *err;
	int depth;
};

static int tp_fail(struct tp *t, const char *fmt, const char *arg)
{
	char msg[256];
	snprintf(msg, sizeof msg, fmt, arg ? arg : "");
	return tops_err_set(t->err, TOPS_EINVAL, "toml: line %d: %s", t->line, msg);
}

static void skip_ws(struct tp *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

/* Skips blanks, comments and newlines. */
static void skip_all(struct tp *t)
{
	for (;;) {
		skip_ws(t);
		if (t->p < t->end && *t->p == '#')
			while (t->p < t->end && *t->p != '\n')
				t->p++;
		if (t->p < t->end && (*t->p == '\n' || *t->p == '\r')) {
			t->line += *t->p == '\n';
			t->p++;
			continue;
		}
		return;
	}
}

static int parse_string(struct tp *t, struct strbuf *sb)
{
	char q = *t->p++;
	while (t->p < t->end && *t->p != q) {
		char c = *t->p++;
		if (c == '\n')
			return tp_fail(t, "strings cannot contain newlines", NULL);
		if (c != '\\' || q == '\'') {
			sb_addc(sb, c);
			continue;
		}
		if (t->p >= t->end)
			break;
		c = *t->p++;
		static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
		const char *m = strchr(from, c);
		if (m && c) {
			sb_addc(sb, to[m - from]);
		} else if (c == 'u' || c == 'U') {
			int nd = c == 'u' ? 4 : 8;
			unsigned cp = 0;
			for (int i = 0; i < nd; i++, t->p++) {
				if (t->p >= t->end || !isxdigit((unsigned char)*t->p))
					return tp_fail(t, "invalid escape in string", NULL);
				cp = cp * 16 + (unsigned)(isdigit((unsigned char)*t->p) ? *t->p - '0' : (tolower(*t->p) - 'a' + 10));
			}
			if (cp < 0x80) {
				sb_addc(sb, (char)cp);
			} else if (cp < 0x800) {
				sb_addc(sb, (char)(0xc0 | cp >> 6));
				sb_addc(sb, (char)(0x80 | (cp & 0x3f)));
			} else if (cp < 0x10000) {
				sb_addc(sb, (char)(0xe0 | cp >> 12));
				sb_addc(sb, (char)(0x80 | (cp >> 6 & 0x3f)));
				sb_addc(sb, (char)(0x80 | (cp & 0x3f)));
			} else {
				sb_addc(sb, (char)(0xf0 | cp >> 18));
				sb_addc(sb, (char)(0x80 | (cp >> 12 & 0x3f)));
				sb_addc(sb, (char)(0x80 | (cp >> 6 & 0x3f)));
				sb_addc(sb, (char)(0x80 | (cp & 0x3f)));
			}
		} else {
			return tp_fail(t, "invalid escape in string '\\%s'", (char[]){c, 0});
		}
	}
	if (t->p >= t->end)
		return tp_fail(t, "unexpected EOF; expected '%s'", (char[]){q, 0});
	t->p++;
	return 0;
}

static int parse_key_part(struct tp *t, struct strbuf *sb)
{
	skip_ws(t);
	if (t->p < t->end && (*t->p == '"' || *t->p == '\''))
		return parse_string(t, sb);
	const char *a = t->p;
	while (t->p < t->end && (isalnum((unsigned char)*t->p) || *t->p == '_' || *t->p == '-'))
		t->p++;
	if (t->p == a) {
		if (t->p >= t->end)
			return tp_fail(t, "unexpected EOF; expected key", NULL);
		return tp_fail(t, "unexpected character in key: '%s'", (char[]){*t->p, 0});
	}
	sb_add(sb, a, (size_t)(t->p - a));
	return 0;
}

/* Consumes c when it is next. */
static bool eat(struct tp *t, char c)
{
	if (t->p < t->end && *t->p == c) {
		t->p++;
		return true;
	}
	return false;
}

/* Parses a dotted key into parts (a list of strings). */
static int parse_key(struct tp *t, struct value **parts)
{
	*parts = value_list();
	for (;;) {
		struct strbuf sb = STRBUF_INIT;
		int rc = parse_key_part(t, &sb);
		if (rc < 0) {
			sb_done(&sb);
			return rc;
		}
		size_t n;
		char *s = sb_detach(&sb, &n);
		value_list_push(*parts, value_str_own(s, n));
		skip_ws(t);
		if (eat(t, '.'))
			continue;
		return 0;
	}
}

static struct value *parse_value(struct tp *t);

static struct value *parse_array(struct tp *t)
{
	struct value *l = value_list();
	t->p++;
	for (;;) {
		skip_all(t);
		if (eat(t, ']'))
			return l;
		struct value *v = parse_value(t);
		if (!v) {
			value_unref(l);
			return NULL;
		}
		value_list_push(l, v);
		skip_all(t);
		if (eat(t, ','))
			continue;
		if (eat(t, ']'))
			return l;
		tp_fail(t, "expected a comma or array terminator ']'%s", NULL);
		value_unref(l);
		return NULL;
	}
}

static int set_path(struct tp *t, struct value *root, struct value *parts, struct value *v);

static struct value *parse_inline_table(struct tp *t)
{
	struct value *m = value_map();
	t->p++;
	skip_ws(t);
	if (eat(t, '}'))
		return m;
	for (;;) {
		struct value *parts = NULL, *v = NULL;
		if (parse_key(t, &parts) < 0)
			goto fail;
		skip_ws(t);
		if (t->p >= t->end || *t->p != '=') {
			tp_fail(t, "expected key separator '='%s", NULL);
			goto fail;
		}
		t->p++;
		skip_ws(t);
		v = parse_value(t);
		if (!v || set_path(t, m, parts, v) < 0)
			goto fail;
		value_unref(parts);
		skip_ws(t);
		if (eat(t, ','))
			continue;
		if (eat(t, '}'))
			return m;
		tp_fail(t, "expected a comma or an inline table terminator '}'%s", NULL);
		value_unref(m);
		return NULL;
fail:
		value_unref(parts);
		value_unref(m);
		return NULL;
	}
}

static struct value *parse_scalar(struct tp *t)
{
	const char *a = t->p;
	while (t->p < t->end && !strchr(",]} \t\r\n#", *t->p))
		t->p++;
	size_t n = (size_t)(t->p - a);
	char *w = xstrndup(a, n);
	struct value *v = NULL;
	if (!strcmp(w, "true") || !strcmp(w, "false")) {
		v = value_bool(w[0] == 't');
	} else if (!strcmp(w, "inf") || !strcmp(w, "+inf") || !strcmp(w, "-inf")) {
		v = value_float(w[0] == '-' ? -INFINITY : INFINITY);
	} else if (!strcmp(w, "nan") || !strcmp(w, "+nan") || !strcmp(w, "-nan")) {
		v = value_float(NAN);
	} else if (n) {
		char *clean = xmalloc(n + 1), *end;
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (w[i] != '_')
				clean[k++] = w[i];
		clean[k] = 0;
		bool hex = !strncmp(clean, "0x", 2), oct = !strncmp(clean, "0o", 2), bin = !strncmp(clean, "0b", 2);
		long long iv = strtoll(clean + ((hex || oct || bin) ? 2 : 0), &end, hex ? 16 : oct ? 8 : bin ? 2 : 10);
		if (!*end && end != clean) {
			v = value_int(iv);
			v->sub = VS_INT64;
		} else if (strpbrk(clean, ".eE")) {
			double d = strtod(clean, &end);
			if (!*end)
				v = value_float(d);
		}
		if (!v && isdigit((unsigned char)w[0]) && strchr(w, '-'))
			v = value_str(w);   /* dates and times */
		free(clean);
	}
	if (!v)
		tp_fail(t, "expected value but found '%s' instead", w);
	free(w);
	return v;
}

static struct value *parse_value(struct tp *t)
{
	if (t->p >= t->end) {
		tp_fail(t, "unexpected EOF; expected value%s", NULL);
		return NULL;
	}
	if (++t->depth > 500) {
		tp_fail(t, "nesting too deep%s", NULL);
		return NULL;
	}
	struct value *v = NULL;
	if (*t->p == '"' || *t->p == '\'') {
		struct strbuf sb = STRBUF_INIT;
		if (parse_string(t, &sb) == 0) {
			size_t n;
			char *s = sb_detach(&sb, &n);
			v = value_str_own(s, n);
		} else {
			sb_done(&sb);
		}
	} else if (*t->p == '[') {
		v = parse_array(t);
	} else if (*t->p == '{') {
		v = parse_inline_table(t);
	} else {
		v = parse_scalar(t);
	}
	t->depth--;
	return v;
}

/* Walks/creates tables for parts[0..n-1]; arrays of tables resolve to their last element. */
static struct value *walk(struct tp *t, struct value *root, struct value *parts, size_t n)
{
	struct value *cur = root;
	for (size_t i = 0; i < n; i++) {
		const char *k = parts->u.list.items[i]->u.str.s;
		struct value *next = value_map_get(cur, k);
		if (!next) {
			next = value_map();
			value_map_set(cur, k, next);
		}
		if (next->type == V_LIST && next->u.list.len && is_table(next->u.list.items[next->u.list.len - 1]))
			next = next->u.list.items[next->u.list.len - 1];
		if (next->type != V_MAP) {
			tp_fail(t, "key '%s' is already defined as a non-table", k);
			return NULL;
		}
		cur = next;
	}
	return cur;
}

static int set_path(struct tp *t, struct value *root, struct value *parts, struct value *v)
{
	size_t n = parts->u.list.len;
	struct value *m = walk(t, root, parts, n - 1);
	const char *k = parts->u.list.items[n - 1]->u.str.s;
	if (!m) {
		value_unref(v);
		return -TOPS_EINVAL;
	}
	if (value_map_get(m, k)) {
		value_unref(v);
		return tp_fail(t, "key '%s' has already been defined", k);
	}
	value_map_set(m, k, v);
	return 0;
}

static int parse_header(struct tp *t, struct value *root, struct value **cur)
{
	bool arr = t->p + 1 < t->end && t->p[1] == '[';
	t->p += arr ? 2 : 1;
	struct value *parts;
	int rc = parse_key(t, &parts);
	if (rc < 0) {
		value_unref(parts);
		return rc;
	}
	skip_ws(t);
	if (t->end - t->p < (arr ? 2 : 1) || *t->p != ']' || (arr && t->p[1] != ']')) {
		value_unref(parts);
		return tp_fail(t, "expected end of table name '%s'", arr ? "]]" : "]");
	}
	t->p += arr ? 2 : 1;
	size_t n = parts->u.list.len;
	struct value *parent = walk(t, root, parts, n - 1);
	const char *k = parts->u.list.items[n - 1]->u.str.s;
	if (!parent) {
		value_unref(parts);
		return -TOPS_EINVAL;
	}
	struct value *ex = value_map_get(parent, k);
	if (arr) {
		if (!ex) {
			ex = value_list();
			value_map_set(parent, k, ex);
		}
		if (ex->type != V_LIST) {
			value_unref(parts);
			return tp_fail(t, "key '%s' was already created and cannot be used as an array", k);
		}
		*cur = value_map();
		value_list_push(ex, *cur);
	} else {
		if (!ex) {
			ex = value_map();
			value_map_set(parent, k, ex);
		}
		if (ex->type != V_MAP) {
			value_unref(parts);
			return tp_fail(t, "key '%s' was already created as a non-table", k);
		}
		*cur = ex;
	}
	value_unref(parts);
	return 0;
}

static int parse_line(struct tp *t, struct value *root, struct value **cur)
{
	if (*t->p == '[')
		return parse_header(t, root, cur);
	struct value *parts;
	int rc = parse_key(t, &parts);
	if (rc < 0) {
		value_unref(parts);
		return rc;
	}
	skip_ws(t);
	if (t->p >= t->end) {
		value_unref(parts);
		return tp_fail(t, "unexpected EOF; expected key separator '='", NULL);
	}
	if (*t->p != '=') {
		value_unref(parts);
		return tp_fail(t, "expected key separator '=', but got '%s' instead", (char[]){*t->p, 0});
	}
	t->p++;
	skip_ws(t);
	struct value *v = parse_value(t);
	rc = v ? set_path(t, *cur, parts, v) : -TOPS_EINVAL;
	value_unref(parts);
	return rc;
}

struct value *toml_parse(const char *text, size_t len, struct tops_err *err)
{
	struct tp t = {.s = text, .p = text, .end = text + len, .line = 1, .err = err};
	struct value *root = value_map(), *cur = root;
	for (;;) {
		skip_all(&t);
		if (t.p >= t.end)
			return root;
		if (parse_line(&t, root, &cur) < 0)
			break;
		skip_ws(&t);
		if (t.p < t.end && *t.p == '#')
			continue;
		if (t.p < t.end && *t.p != '\n' && *t.p != '\r') {
			tp_fail(&t, "expected a top-level item to end with a newline, comment, or EOF, but got '%s' instead",
				(char[]){*t.p, 0});
			break;
		}
	}
	value_unref(root);
	return NULL;
}
