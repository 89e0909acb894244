/* tmpl_builtin — Go text/template's predefined functions (and, or, not, len, index, slice,
 * print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery, call). */
#include "core/tmpl/tmpl_internal.h"
#include "core/tmpl/gofmt.h"

#include <stdlib.h>
#include <string.h>

#define ERR(...) tops_err_set(err, TOPS_EINVAL, __VA_ARGS__)

static bool is_null(const struct value *v) { return !v || v->type == V_NULL; }

static int out_str(struct strbuf *sb, struct value **out)
{
	size_t n;
	char *s = sb_detach(sb, &n);
	*out = value_str_own(s, n);
	return 0;
}

/* and/or are evaluated lazily by the executor; these only run if called indirectly. */
static int fn_and(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	int i = 0;
	while (i < n - 1 && value_truthy(a[i]))
		i++;
	*out = value_ref(a[i]);
	return 0;
}

static int fn_or(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	int i = 0;
	while (i < n - 1 && !value_truthy(a[i]))
		i++;
	*out = value_ref(a[i]);
	return 0;
}

static int fn_not(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	*out = value_bool(!value_truthy(a[0]));
	return 0;
}

static int fn_len(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	const struct value *v = a[0];
	if (tmpl_is_missing(v))
		return ERR("len of untyped nil");
	if (is_null(v))
		return ERR("len of nil pointer");
	struct value *view = value_map_view((struct value *)v);
	if (view) {
		*out = value_int((int64_t)view->u.map.len);
		value_unref(view);
		return 0;
	}
	switch (v->type) {
	case V_STRING: *out = value_int((int64_t)v->u.str.len); return 0;
	case V_LIST: *out = value_int((int64_t)v->u.list.len); return 0;
	case V_MAP: *out = value_int((int64_t)v->u.map.len); return 0;
	default: return ERR("len of type %s", value_type_name(v));
	}
}

static int index_arg(const struct value *idx, size_t cap, int64_t *x, struct tops_err *err)
{
	if (is_null(idx))
		return ERR("cannot index slice/array with nil");
	if (idx->type != V_INT)
		return ERR("cannot index slice/array with type %s", value_type_name(idx));
	*x = idx->u.i;
	if (*x < 0 || (idx->sub == VS_UINT && (uint64_t)*x > (uint64_t)INT64_MAX) || (uint64_t)*x > cap)
		return ERR("index out of range: %lld", (long long)*x);
	return 0;
}

/* One level of index; returns a new reference in *out. */
static int index_one(struct value *item, const struct value *idx, struct value **out,
		     struct tops_err *err)
{
	int64_t x;
	if (is_null(item))
		return ERR("index of nil pointer");
	if (item->type == V_LIST || item->type == V_STRING) {
		size_t len = item->type == V_LIST ? item->u.list.len : item->u.str.len;
		if (index_arg(idx, len, &x, err) < 0)
			return -TOPS_EINVAL;
		if ((size_t)x >= len)
			return ERR("index out of range: %lld", (long long)x);
		if (item->type == V_LIST) {
			*out = value_ref(item->u.list.items[x]);
		} else {
			*out = value_int((unsigned char)item->u.str.s[x]);
			(*out)->sub = VS_UINT;
		}
		return 0;
	}
	if (item->type == V_MAP) {
		if (is_null(idx))
			return ERR("value is nil; should be of type string");
		if (idx->type != V_STRING)
			return ERR("value has type %s; should be string", value_type_name(idx));
		struct value *v = value_map_getn(item, idx->u.str.s, idx->u.str.len);
		*out = v ? value_ref(v) : item->sub == VS_MAPSTR ? value_str("") : value_null();
		return 0;
	}
	return ERR("can't index item of type %s", value_type_name(item));
}

static int fn_index(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	if (is_null(a[0]))
		return ERR("index of untyped nil");
	struct value *item = value_ref(a[0]);
	for (int i = 1; i < n; i++) {
		struct value *next = NULL, *view = value_map_view(item);
		if (view) {
			value_unref(item);
			item = view;
		}
		int rc = index_one(item, a[i], &next, err);
		value_unref(item);
		if (rc < 0)
			return rc;
		item = next;
	}
	*out = item;
	return 0;
}

static int fn_slice(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	const struct value *item = a[0];
	if (is_null(item))
		return ERR("slice of untyped nil");
	if (n - 1 > 3)
		return ERR("too many slice indexes: %d", n - 1);
	if (item->type == V_STRING && n - 1 == 3)
		return ERR("cannot 3-index slice a string");
	if (item->type != V_STRING && item->type != V_LIST)
		return ERR("can't slice item of type %s", value_type_name(item));
	size_t len = item->type == V_STRING ? item->u.str.len : item->u.list.len;
	int64_t idx[3] = {0, (int64_t)len, (int64_t)len};
	for (int i = 1; i < n; i++)
		if (index_arg(a[i], len, &idx[i - 1], err) < 0)
			return -TOPS_EINVAL;
	if (idx[0] > idx[1])
		return ERR("invalid slice index: %lld > %lld", (long long)idx[0], (long long)idx[1]);
	if (n - 1 == 3 && idx[1] > idx[2])
		return ERR("invalid slice index: %lld > %lld", (long long)idx[1], (long long)idx[2]);
	if (item->type == V_STRING) {
		*out = value_strn(item->u.str.s + idx[0], (size_t)(idx[1] - idx[0]));
		(*out)->sub = item->sub;
		return 0;
	}
	struct value *l = value_list();
	l->sub = item->sub;
	for (int64_t i = idx[0]; i < idx[1]; i++)
		value_list_push(l, value_ref(item->u.list.items[i]));
	*out = l;
	return 0;
}

static int fn_print(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	tmpl_sprint(&sb, a, n);
	return out_str(&sb, out);
}

static int fn_println(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	tmpl_sprintln(&sb, a, n);
	return out_str(&sb, out);
}

static int fn_printf(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	if (tmpl_is_missing(a[0]))
		return ERR("invalid value; expected string");
	if (a[0]->type != V_STRING)
		return ERR("wrong type for value; expected string; got %s", value_type_name(a[0]));
	struct strbuf sb = STRBUF_INIT;
	tmpl_printf(&sb, a[0]->u.str.s, a + 1, n - 1);
	return out_str(&sb, out);
}

/* ---- comparison ---- */

enum bkind { K_INVALID, K_BOOL, K_INT, K_UINT, K_FLOAT, K_STRING, K_OTHER };

static enum bkind basic_kind(const struct value *v)
{
	if (is_null(v))
		return K_INVALID;
	switch (v->type) {
	case V_BOOL: return K_BOOL;
	case V_INT: return v->sub == VS_UINT ? K_UINT : K_INT;
	case V_FLOAT: return K_FLOAT;
	case V_STRING: return v->sub == VS_BYTES ? K_OTHER : K_STRING;
	default: return K_OTHER;
	}
}

static int str_cmp(const struct value *a, const struct value *b)
{
	size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
	int c = memcmp(a->u.str.s, b->u.str.s, n);
	if (c)
		return c;
	return a->u.str.len < b->u.str.len ? -1 : a->u.str.len > b->u.str.len;
}

/* Lists, maps and objects: Go compares only comparable types (pointers), with its wording. */
static int eq_other(const struct value *x, const struct value *y, struct tops_err *err)
{
	if (x->type == V_OBJECT && y->type == V_OBJECT)
		return x->u.obj.data == y->u.obj.data;
	struct value *args[4] = {(struct value *)x, value_str(value_type_name(x)),
				 value_str(value_type_name(y)), (struct value *)y};
	struct strbuf sb = STRBUF_INIT;
	if (x->type == y->type)
		tmpl_printf(&sb, "non-comparable type %s: %v", args, 2);
	else
		tmpl_printf(&sb, "non-comparable types %s: %v, %s: %v", args, 4);
	value_unref(args[1]);
	value_unref(args[2]);
	int rc = ERR("%s", sb_str(&sb));
	sb_done(&sb);
	return rc;
}

/* eq of two values with Go's rules; returns 1/0 or a negative error. */
static int eq2(const struct value *x, const struct value *y, struct tops_err *err)
{
	enum bkind k1 = basic_kind(x), k2 = basic_kind(y);
	if (k1 == K_INT && k2 == K_UINT)
		return x->u.i >= 0 && x->u.i == y->u.i;
	if (k1 == K_UINT && k2 == K_INT)
		return y->u.i >= 0 && x->u.i == y->u.i;
	if (k1 == K_OTHER && k2 == K_OTHER)
		return eq_other(x, y, err);
	if (k1 != k2) {
		if (k1 == K_INVALID || k2 == K_INVALID)
			return 0;
		return ERR("incompatible types for comparison");
	}
	switch (k1) {
	case K_INVALID: return 1;
	case K_BOOL: return x->u.b == y->u.b;
	case K_INT: case K_UINT: return x->u.i == y->u.i;
	case K_FLOAT: return x->u.f == y->u.f;
	case K_STRING: return str_cmp(x, y) == 0;
	default: return 0;
	}
}

static int fn_eq(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	if (n < 2)
		return ERR("missing argument for comparison");
	for (int i = 1; i < n; i++) {
		int r = eq2(a[0], a[i], err);
		if (r < 0)
			return r;
		if (r) {
			*out = value_bool(true);
			return 0;
		}
	}
	*out = value_bool(false);
	return 0;
}

static int fn_ne(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	int r = eq2(a[0], a[1], err);
	if (r < 0)
		return r;
	*out = value_bool(!r);
	return 0;
}

/* lt with Go's rules: 1/0 or a negative error. */
static int lt2(const struct value *x, const struct value *y, struct tops_err *err)
{
	enum bkind k1 = basic_kind(x), k2 = basic_kind(y);
	if (k1 == K_INVALID || k1 == K_OTHER || k2 == K_INVALID || k2 == K_OTHER)
		return ERR("invalid type for comparison");
	if (k1 == K_INT && k2 == K_UINT)
		return x->u.i < 0 || (uint64_t)x->u.i < (uint64_t)y->u.i;
	if (k1 == K_UINT && k2 == K_INT)
		return y->u.i >= 0 && (uint64_t)x->u.i < (uint64_t)y->u.i;
	if (k1 != k2)
		return ERR("incompatible types for comparison");
	switch (k1) {
	case K_BOOL: return ERR("invalid type for comparison");
	case K_INT: return x->u.i < y->u.i;
	case K_UINT: return (uint64_t)x->u.i < (uint64_t)y->u.i;
	case K_FLOAT: return x->u.f < y->u.f;
	default: return str_cmp(x, y) < 0;
	}
}

/* lt, le (with_eq), gt (le negated) and ge (lt negated). */
static int ordered(struct value **a, struct value **out, struct tops_err *err, bool with_eq,
		   bool negate)
{
	int r = lt2(a[0], a[1], err);
	if (r < 0)
		return r;
	if (!r && with_eq) {
		r = eq2(a[0], a[1], err);
		if (r < 0)
			return r;
	}
	*out = value_bool(negate ? !r : r);
	return 0;
}

static int fn_lt(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	return ordered(a, out, err, false, false);
}

static int fn_le(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	return ordered(a, out, err, true, false);
}

static int fn_gt(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	return ordered(a, out, err, true, true);
}

static int fn_ge(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	return ordered(a, out, err, false, true);
}

/* ---- escapers ---- */

/* Go's evalArgs: one string argument as is, otherwise Sprint with <no value> for nil. */
static void eval_args(struct strbuf *sb, struct value **a, int n)
{
	if (n == 1 && a[0]->type == V_STRING) {
		sb_add(sb, a[0]->u.str.s, a[0]->u.str.len);
		return;
	}
	struct value *nv = value_str("<no value>");
	struct value **b = xcalloc((size_t)(n ? n : 1), sizeof *b);
	for (int i = 0; i < n; i++)
		b[i] = is_null(a[i]) ? nv : a[i];
	tmpl_sprint(sb, b, n);
	free(b);
	value_unref(nv);
}

static int fn_html(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	struct strbuf in = STRBUF_INIT, sb = STRBUF_INIT;
	eval_args(&in, a, n);
	for (size_t i = 0; i < in.len; i++) {
		static const char *const rep[] = {['"'] = "&#34;", ['\''] = "&#39;", ['&'] = "&amp;",
						  ['<'] = "&lt;", ['>'] = "&gt;"};
		unsigned char c = (unsigned char)in.buf[i];
		if (c == 0)
			sb_adds(&sb, "\xEF\xBF\xBD");
		else if (c < ARRAY_LEN(rep) && rep[c])
			sb_adds(&sb, rep[c]);
		else
			sb_addc(&sb, (char)c);
	}
	sb_done(&in);
	return out_str(&sb, out);
}

static void js_byte(struct strbuf *sb, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char *const rep[128] = {['\\'] = "\\\\", ['\''] = "\\'", ['"'] = "\\\"",
		['<'] = "\\u003C", ['>'] = "\\u003E", ['&'] = "\\u0026", ['='] = "\\u003D"};
	if (rep[c]) {
		sb_adds(sb, rep[c]);
	} else if (c < ' ') {
		sb_adds(sb, "\\u00");
		sb_addc(sb, hex[c >> 4]);
		sb_addc(sb, hex[c & 15]);
	} else {
		sb_addc(sb, (char)c);
	}
}

static int fn_js(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	struct strbuf in = STRBUF_INIT, sb = STRBUF_INIT;
	eval_args(&in, a, n);
	for (size_t i = 0; i < in.len;) {
		unsigned char c = (unsigned char)in.buf[i];
		if (c < 0x80) {
			js_byte(&sb, c);
			i++;
			continue;
		}
		uint32_t r;
		int len = tmpl_utf8_decode((const unsigned char *)in.buf + i, in.len - i, &r);
		/* invalid UTF-8 decodes to U+FFFD, which is printable: the byte is kept */
		if (go_is_print(r))
			sb_add(&sb, in.buf + i, (size_t)len);
		else
			sb_addf(&sb, "\\u%04X", r);
		i += (size_t)len;
	}
	sb_done(&in);
	return out_str(&sb, out);
}

static int fn_urlquery(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	struct strbuf in = STRBUF_INIT, sb = STRBUF_INIT;
	eval_args(&in, a, n);
	for (size_t i = 0; i < in.len; i++) {
		unsigned char c = (unsigned char)in.buf[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			sb_addc(&sb, (char)c);
		else if (c == ' ')
			sb_addc(&sb, '+');
		else
			sb_addf(&sb, "%%%02X", c);
	}
	sb_done(&in);
	return out_str(&sb, out);
}

static int fn_call(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	if (is_null(a[0]))
		return ERR("call of nil");
	return ERR("non-function of type %s", value_type_name(a[0]));
}

const struct tmpl_func tmpl_builtins[] = {
	{"and", fn_and, 1, -1},
	{"call", fn_call, 1, -1},
	{"eq", fn_eq, 1, -1},
	{"ge", fn_ge, 2, 2},
	{"gt", fn_gt, 2, 2},
	{"html", fn_html, 0, -1},
	{"index", fn_index, 1, -1},
	{"js", fn_js, 0, -1},
	{"le", fn_le, 2, 2},
	{"len", fn_len, 1, 1},
	{"lt", fn_lt, 2, 2},
	{"ne", fn_ne, 2, 2},
	{"not", fn_not, 1, 1},
	{"or", fn_or, 1, -1},
	{"print", fn_print, 0, -1},
	{"printf", fn_printf, 1, -1},
	{"println", fn_println, 0, -1},
	{"slice", fn_slice, 1, -1},
	{"urlquery", fn_urlquery, 0, -1},
};
const size_t tmpl_nbuiltins = ARRAY_LEN(tmpl_builtins);

const struct tmpl_func *tmpl_builtin_find(const char *name)
{
	for (size_t i = 0; i < tmpl_nbuiltins; i++)
		if (!strcmp(tmpl_builtins[i].name, name))
			return &tmpl_builtins[i];
	return NULL;
}

struct tmpl_set *tmpl_set_new(const struct tmpl_funcs *funcs, enum tmpl_missingkey mode)
{
	return tmpl_set_init(funcs, tmpl_builtin_find, mode);
}
