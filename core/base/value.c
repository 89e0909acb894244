#include "core/base/value.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct value null_value = {.type = V_NULL, .refs = 1 << 30};

struct value *value_ref(struct value *v)
{
	if (v && v != &null_value)
		v->refs++;
	return v;
}

static void value_free(struct value *v)
{
	switch (v->type) {
	case V_STRING:
		free(v->u.str.s);
		break;
	case V_LIST:
		for (size_t i = 0; i < v->u.list.len; i++)
			value_unref(v->u.list.items[i]);
		free(v->u.list.items);
		break;
	case V_MAP:
		for (size_t i = 0; i < v->u.map.len; i++) {
			free(v->u.map.e[i].key);
			value_unref(v->u.map.e[i].val);
		}
		free(v->u.map.e);
		break;
	case V_OBJECT:
		if (v->u.obj.ops->free)
			v->u.obj.ops->free(v->u.obj.data);
		break;
	default:
		break;
	}
	free(v);
}

void value_unref(struct value *v)
{
	if (!v || v == &null_value)
		return;
	if (--v->refs == 0)
		value_free(v);
}

static struct value *value_new(enum vtype t)
{
	struct value *v = xcalloc(1, sizeof *v);
	v->type = (unsigned char)t;
	v->refs = 1;
	return v;
}

struct value *value_null(void) { return &null_value; }

struct value *value_bool(bool b)
{
	struct value *v = value_new(V_BOOL);
	v->u.b = b;
	return v;
}

struct value *value_int(int64_t i)
{
	struct value *v = value_new(V_INT);
	v->u.i = i;
	return v;
}

struct value *value_float(double f)
{
	struct value *v = value_new(V_FLOAT);
	v->u.f = f;
	return v;
}

struct value *value_str_own(char *s, size_t n)
{
	struct value *v = value_new(V_STRING);
	v->u.str.s = s;
	v->u.str.len = n;
	return v;
}

struct value *value_strn(const char *s, size_t n)
{
	return value_str_own(xstrndup(s, n), n);
}

struct value *value_str(const char *s)
{
	return value_strn(s, strlen(s));
}

struct value *value_strf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct strbuf sb = STRBUF_INIT;
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	size_t n;
	char *s = sb_detach(&sb, &n);
	return value_str_own(s, n);
}

struct value *value_list(void) { return value_new(V_LIST); }
struct value *value_map(void) { return value_new(V_MAP); }

struct value *value_object(const struct value_object_ops *ops, void *data)
{
	struct value *v = value_new(V_OBJECT);
	v->u.obj.ops = ops;
	v->u.obj.data = data;
	return v;
}

void value_list_push(struct value *list, struct value *item)
{
	if (list->u.list.len == list->u.list.cap) {
		list->u.list.cap = list->u.list.cap ? list->u.list.cap * 2 : 4;
		list->u.list.items = xrealloc(list->u.list.items, list->u.list.cap * sizeof(struct value *));
	}
	list->u.list.items[list->u.list.len++] = item;
}

struct value *value_list_get(const struct value *list, size_t i)
{
	if (!list || list->type != V_LIST || i >= list->u.list.len)
		return NULL;
	return list->u.list.items[i];
}

/* Binary search; returns index of key or the insertion point with *found false. */
static size_t map_find(const struct value *map, const char *key, size_t keylen, bool *found)
{
	size_t lo = 0, hi = map->u.map.len;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *k = map->u.map.e[mid].key;
		size_t kl = strlen(k);
		int c = memcmp(k, key, kl < keylen ? kl : keylen);
		if (c == 0)
			c = kl < keylen ? -1 : kl > keylen ? 1 : 0;
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

void value_map_set(struct value *map, const char *key, struct value *val)
{
	bool found;
	size_t i = map_find(map, key, strlen(key), &found);
	if (found) {
		value_unref(map->u.map.e[i].val);
		map->u.map.e[i].val = val;
		return;
	}
	if (map->u.map.len == map->u.map.cap) {
		map->u.map.cap = map->u.map.cap ? map->u.map.cap * 2 : 4;
		map->u.map.e = xrealloc(map->u.map.e, map->u.map.cap * sizeof(struct vmap_entry));
	}
	memmove(&map->u.map.e[i + 1], &map->u.map.e[i], (map->u.map.len - i) * sizeof(struct vmap_entry));
	map->u.map.e[i].key = xstrdup(key);
	map->u.map.e[i].val = val;
	map->u.map.len++;
}

struct value *value_map_getn(const struct value *map, const char *key, size_t keylen)
{
	if (!map || map->type != V_MAP)
		return NULL;
	bool found;
	size_t i = map_find(map, key, keylen, &found);
	return found ? map->u.map.e[i].val : NULL;
}

struct value *value_map_get(const struct value *map, const char *key)
{
	return value_map_getn(map, key, strlen(key));
}

bool value_map_del(struct value *map, const char *key)
{
	if (!map || map->type != V_MAP)
		return false;
	bool found;
	size_t i = map_find(map, key, strlen(key), &found);
	if (!found)
		return false;
	free(map->u.map.e[i].key);
	value_unref(map->u.map.e[i].val);
	memmove(&map->u.map.e[i], &map->u.map.e[i + 1], (map->u.map.len - i - 1) * sizeof(struct vmap_entry));
	map->u.map.len--;
	return true;
}

struct value *value_map_path(const struct value *map, const char *dotted)
{
	const struct value *cur = map;
	const char *p = dotted;
	while (cur && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		cur = value_map_getn(cur, p, n);
		p += n + (dot ? 1 : 0);
	}
	return (struct value *)cur;
}

struct value *value_map_view(struct value *v)
{
	if (!v || v->type != V_OBJECT || !v->u.obj.ops->call)
		return NULL;
	struct value *out = NULL;
	struct tops_err err = {0};
	int rc = v->u.obj.ops->call(v, VALUE_MAP_VIEW, NULL, 0, &out, &err);
	tops_err_clear(&err);
	if (rc || !out || out->type != V_MAP) {
		value_unref(out);
		return NULL;
	}
	return out;
}

struct value *value_copy(const struct value *v)
{
	struct value *c;
	switch (v->type) {
	case V_NULL:
		return value_null();
	case V_OBJECT:
		return value_ref((struct value *)v);
	case V_STRING:
		c = value_strn(v->u.str.s, v->u.str.len);
		break;
	case V_LIST:
		c = value_list();
		for (size_t i = 0; i < v->u.list.len; i++)
			value_list_push(c, value_copy(v->u.list.items[i]));
		break;
	case V_MAP:
		c = value_map();
		c->u.map.e = xmalloc((v->u.map.len ? v->u.map.len : 1) * sizeof(struct vmap_entry));
		c->u.map.cap = v->u.map.len;
		for (size_t i = 0; i < v->u.map.len; i++) {
			c->u.map.e[i].key = xstrdup(v->u.map.e[i].key);
			c->u.map.e[i].val = value_copy(v->u.map.e[i].val);
		}
		c->u.map.len = v->u.map.len;
		break;
	default:
		c = value_new((enum vtype)v->type);
		c->u = v->u;
		break;
	}
	c->sub = v->sub;
	c->line = v->line;
	c->col = v->col;
	return c;
}

static bool is_number(const struct value *v)
{
	return v && (v->type == V_INT || v->type == V_FLOAT);
}

static double number(const struct value *v)
{
	return v->type == V_INT ? (double)v->u.i : v->u.f;
}

static bool equal(const struct value *a, const struct value *b, bool json)
{
	if (a == b)
		return true;
	if (json && is_number(a) && is_number(b))
		return number(a) == number(b);
	if (!a || !b || a->type != b->type)
		return false;
	switch (a->type) {
	case V_NULL: return true;
	case V_BOOL: return a->u.b == b->u.b;
	case V_INT: return a->u.i == b->u.i;
	case V_FLOAT: return a->u.f == b->u.f;
	case V_STRING:
		return a->u.str.len == b->u.str.len && memcmp(a->u.str.s, b->u.str.s, a->u.str.len) == 0;
	case V_LIST:
		if (a->u.list.len != b->u.list.len)
			return false;
		for (size_t i = 0; i < a->u.list.len; i++)
			if (!equal(a->u.list.items[i], b->u.list.items[i], json))
				return false;
		return true;
	case V_MAP:
		if (a->u.map.len != b->u.map.len)
			return false;
		for (size_t i = 0; i < a->u.map.len; i++)
			if (strcmp(a->u.map.e[i].key, b->u.map.e[i].key) ||
			    !equal(a->u.map.e[i].val, b->u.map.e[i].val, json))
				return false;
		return true;
	case V_OBJECT:
		return a->u.obj.data == b->u.obj.data;
	}
	return false;
}

bool value_equal(const struct value *a, const struct value *b)
{
	return equal(a, b, false);
}

bool value_equal_json(const struct value *a, const struct value *b)
{
	return equal(a, b, true);
}

bool value_truthy(const struct value *v)
{
	if (!v)
		return false;
	switch (v->type) {
	case V_NULL: return false;
	case V_BOOL: return v->u.b;
	case V_INT: return v->u.i != 0;
	case V_FLOAT: return v->u.f != 0;
	case V_STRING: return v->u.str.len != 0;
	case V_LIST: return v->u.list.len != 0;
	case V_MAP: return v->u.map.len != 0;
	default: return true;
	}
}

const char *value_type_name(const struct value *v)
{
	if (!v)
		return "<nil>";
	switch (v->type) {
	case V_NULL: return "<nil>";
	case V_BOOL: return "bool";
	case V_INT: return v->sub == VS_INT64 ? "int64" : v->sub == VS_UINT ? "uint" : "int";
	case V_FLOAT: return "float64";
	case V_STRING: return v->sub == VS_BYTES ? "[]uint8" : "string";
	case V_LIST: return v->sub == VS_STRINGS ? "[]string" : "[]interface {}";
	case V_MAP: return v->sub == VS_MAPSTR ? "map[string]string" : "map[string]interface {}";
	case V_OBJECT: return v->u.obj.ops->type_name;
	}
	return "<nil>";
}

const char *value_kind_name(const struct value *v)
{
	if (!v)
		return "invalid";
	switch (v->type) {
	case V_NULL: return "invalid";
	case V_BOOL: return "bool";
	case V_INT: return v->sub == VS_INT64 ? "int64" : v->sub == VS_UINT ? "uint" : "int";
	case V_FLOAT: return "float64";
	case V_STRING: return v->sub == VS_BYTES ? "slice" : "string";
	case V_LIST: return "slice";
	case V_MAP: return "map";
	case V_OBJECT: return "ptr";
	}
	return "invalid";
}

/* ---- JSON in: a strict RFC 8259 parser that keeps int vs float and reports line:col ---- */

struct jparse {
	const char *s, *p, *end;
	int depth;
	struct tops_err *err;
};

static void jpos(const struct jparse *jp, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (const char *q = jp->s; q < jp->p; q++) {
		if (*q == '\n')
			(*line)++, *col = 1;
		else
			(*col)++;
	}
}

static struct value *jfail(struct jparse *jp, const char *what)
{
	int line, col;
	jpos(jp, &line, &col);
	if (jp->p >= jp->end)
		tops_err_set(jp->err, TOPS_EINVAL, "%d:%d: unexpected end of JSON input (%s)", line, col, what);
	else
		tops_err_set(jp->err, TOPS_EINVAL, "%d:%d: invalid JSON: %s near '%c'", line, col, what, *jp->p);
	return NULL;
}

static void jws(struct jparse *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

static int hex4(const char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9') v |= c - '0';
		else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
		else return -1;
	}
	return v;
}

static int jescape(struct jparse *jp, struct strbuf *sb)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	if (jp->p >= jp->end)
		return -1;
	char c = *jp->p;
	const char *k = c ? strchr(from, c) : NULL;
	if (k) {
		sb_addc(sb, to[k - from]);
		jp->p++;
		return 0;
	}
	if (c != 'u' || jp->end - jp->p < 5)
		return -1;
	int cp = hex4(jp->p + 1);
	if (cp < 0)
		return -1;
	jp->p += 5;
	if (cp >= 0xD800 && cp < 0xDC00 && jp->end - jp->p >= 6 && jp->p[0] == '\\' && jp->p[1] == 'u') {
		int lo = hex4(jp->p + 2);
		if (lo >= 0xDC00 && lo < 0xE000) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			jp->p += 6;
		}
	}
	if (cp >= 0xD800 && cp < 0xE000)
		cp = 0xFFFD;
	sb_add_utf8(sb, (uint32_t)cp);
	return 0;
}

static char *jstring(struct jparse *jp, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	jp->p++; /* opening quote */
	while (jp->p < jp->end && *jp->p != '"') {
		unsigned char c = (unsigned char)*jp->p;
		if (c < 0x20)
			goto fail;
		if (c == '\\') {
			jp->p++;
			if (jescape(jp, &sb))
				goto fail;
			continue;
		}
		sb_addc(&sb, (char)c);
		jp->p++;
	}
	if (jp->p >= jp->end)
		goto fail;
	jp->p++;
	return sb_detach(&sb, len);
fail:
	sb_done(&sb);
	jfail(jp, "bad string");
	return NULL;
}

static struct value *jnumber(struct jparse *jp)
{
	const char *s = jp->p;
	bool is_float = false;
	if (jp->p < jp->end && *jp->p == '-')
		jp->p++;
	if (jp->p >= jp->end || *jp->p < '0' || *jp->p > '9')
		return jfail(jp, "bad number");
	while (jp->p < jp->end && strchr("0123456789+-.eE", *jp->p)) {
		if (strchr(".eE", *jp->p))
			is_float = true;
		jp->p++;
	}
	char buf[64];
	size_t n = (size_t)(jp->p - s);
	if (n >= sizeof buf)
		is_float = true, n = sizeof buf - 1;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *endp;
	errno = 0;
	if (!is_float) {
		long long ll = strtoll(buf, &endp, 10);
		if (!errno && !*endp)
			return value_int(ll);
	}
	double d = strtod(buf, &endp);
	if (*endp)
		return jfail(jp, "bad number");
	return value_float(d);
}

static struct value *jvalue(struct jparse *jp);

static struct value *jcontainer(struct jparse *jp, bool is_map)
{
	char close = is_map ? '}' : ']';
	if (++jp->depth > 10000)
		return jfail(jp, "nested deeper than 10000 levels");
	struct value *c = is_map ? value_map() : value_list();
	jp->p++;
	jws(jp);
	if (jp->p < jp->end && *jp->p == close) {
		jp->p++;
		jp->depth--;
		return c;
	}
	for (;;) {
		char *key = NULL;
		jws(jp);
		if (is_map) {
			if (jp->p >= jp->end || *jp->p != '"' || !(key = jstring(jp, NULL)))
				goto fail;
			jws(jp);
			if (jp->p >= jp->end || *jp->p != ':') {
				free(key);
				goto fail;
			}
			jp->p++;
		}
		struct value *v = jvalue(jp);
		if (!v) {
			free(key);
			value_unref(c);
			return NULL;
		}
		if (is_map)
			value_map_set(c, key, v);
		else
			value_list_push(c, v);
		free(key);
		jws(jp);
		if (jp->p < jp->end && *jp->p == ',') {
			jp->p++;
			continue;
		}
		if (jp->p < jp->end && *jp->p == close) {
			jp->p++;
			jp->depth--;
			return c;
		}
		goto fail;
	}
fail:
	value_unref(c);
	if (!jp->err || !jp->err->code)
		jfail(jp, is_map ? "expected '\"', ',' or '}' in object" : "expected ',' or ']' in array");
	return NULL;
}

static bool jword(struct jparse *jp, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(jp->end - jp->p) >= n && memcmp(jp->p, w, n) == 0) {
		jp->p += n;
		return true;
	}
	return false;
}

static struct value *jvalue(struct jparse *jp)
{
	jws(jp);
	if (jp->p >= jp->end)
		return jfail(jp, "expected a value");
	char c = *jp->p;
	if (c == '{' || c == '[')
		return jcontainer(jp, c == '{');
	if (c == '"') {
		size_t n;
		char *s = jstring(jp, &n);
		return s ? value_str_own(s, n) : NULL;
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return jnumber(jp);
	if (jword(jp, "true"))
		return value_bool(true);
	if (jword(jp, "false"))
		return value_bool(false);
	if (jword(jp, "null"))
		return value_null();
	return jfail(jp, "expected a value");
}

struct value *value_from_json(const char *text, size_t len, struct tops_err *err)
{
	struct jparse jp = {.s = text, .p = text, .end = text + len, .err = err};
	if (err)
		tops_err_clear(err);
	struct value *v = jvalue(&jp);
	if (!v)
		return NULL;
	jws(&jp);
	if (jp.p != jp.end) {
		value_unref(v);
		return jfail(&jp, "unexpected data after the top-level value");
	}
	return v;
}

/* ---- JSON out ---- */

void value_fmt_float_g(struct strbuf *sb, double f)
{
	if (isnan(f)) {
		sb_adds(sb, "NaN");
		return;
	}
	if (isinf(f)) {
		sb_adds(sb, f > 0 ? "+Inf" : "-Inf");
		return;
	}
	char buf[64];
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec - 1, f);
		if (strtod(buf, NULL) == f)
			break;
	}
	/* buf holds d.ddde±XX with the shortest digits; Go's %v uses %e when exp < -4 || exp >= 6. */
	char *e = strchr(buf, 'e');
	int exp = atoi(e + 1);
	if (exp < -4 || exp >= 6) {
		char mant[40];
		size_t ml = (size_t)(e - buf);
		memcpy(mant, buf, ml);
		mant[ml] = 0;
		sb_addf(sb, "%se%c%02d", mant, exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
		return;
	}
	snprintf(buf, sizeof buf, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, f);
	sb_adds(sb, buf);
}

void value_json_string(struct strbuf *sb, const char *s, size_t n, bool html)
{
	static const char hex[] = "0123456789abcdef";
	sb_addc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" :
				  c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
		if (esc) {
			sb_adds(sb, esc);
		} else if (c < 0x20 || (html && (c == '<' || c == '>' || c == '&'))) {
			sb_adds(sb, "\\u00");
			sb_addc(sb, hex[c >> 4]);
			sb_addc(sb, hex[c & 15]);
		} else if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
			   ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
			sb_adds(sb, (unsigned char)s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029");
			i += 2;
		} else {
			sb_addc(sb, (char)c);
		}
	}
	sb_addc(sb, '"');
}

/* encoding/json float format: 'f' unless the exponent is < -6 or >= 21, then 'e' with a
 * two-digit minimum exponent trimmed ("1e-07" -> "1e-7"). */
void value_json_float(struct strbuf *sb, double f)
{
	if (isnan(f) || isinf(f)) {
		sb_adds(sb, "null");
		return;
	}
	double a = fabs(f);
	char buf[64];
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec - 1, f);
		if (strtod(buf, NULL) == f)
			break;
	}
	if (a != 0 && (a < 1e-6 || a >= 1e21)) {
		char *e = strchr(buf, 'e');
		int exp = atoi(e + 1);
		*e = 0;
		sb_addf(sb, "%se%c%d", buf, exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
		return;
	}
	int exp = atoi(strchr(buf, 'e') + 1);
	int dec = prec - 1 - exp;
	snprintf(buf, sizeof buf, "%.*f", dec > 0 ? dec : 0, f);
	sb_adds(sb, buf);
}

static void json_indent(struct strbuf *sb, int depth)
{
	sb_addc(sb, '\n');
	for (int i = 0; i < depth; i++)
		sb_adds(sb, "  ");
}

static void json_out(struct strbuf *sb, const struct value *v, bool pretty, bool html, int depth)
{
	switch (v ? v->type : V_NULL) {
	case V_NULL: sb_adds(sb, "null"); break;
	case V_BOOL: sb_adds(sb, v->u.b ? "true" : "false"); break;
	case V_INT: sb_addf(sb, v->sub == VS_UINT ? "%llu" : "%lld", (long long)v->u.i); break;
	case V_FLOAT: value_json_float(sb, v->u.f); break;
	case V_STRING: value_json_string(sb, v->u.str.s, v->u.str.len, html); break;
	case V_OBJECT: sb_adds(sb, "{}"); break;
	case V_LIST:
		if (!v->u.list.len) {
			sb_adds(sb, "[]");
			break;
		}
		sb_addc(sb, '[');
		for (size_t i = 0; i < v->u.list.len; i++) {
			if (i)
				sb_addc(sb, ',');
			if (pretty)
				json_indent(sb, depth + 1);
			json_out(sb, v->u.list.items[i], pretty, html, depth + 1);
		}
		if (pretty)
			json_indent(sb, depth);
		sb_addc(sb, ']');
		break;
	case V_MAP:
		if (!v->u.map.len) {
			sb_adds(sb, "{}");
			break;
		}
		sb_addc(sb, '{');
		for (size_t i = 0; i < v->u.map.len; i++) {
			if (i)
				sb_addc(sb, ',');
			if (pretty)
				json_indent(sb, depth + 1);
			value_json_string(sb, v->u.map.e[i].key, strlen(v->u.map.e[i].key), html);
			sb_adds(sb, pretty ? ": " : ":");
			json_out(sb, v->u.map.e[i].val, pretty, html, depth + 1);
		}
		if (pretty)
			json_indent(sb, depth);
		sb_addc(sb, '}');
		break;
	}
}

char *value_to_json(const struct value *v, bool pretty, bool html_escape)
{
	struct strbuf sb = STRBUF_INIT;
	json_out(&sb, v, pretty, html_escape, 0);
	return sb_detach(&sb, NULL);
}
