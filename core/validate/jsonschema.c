/* jsonschema — compile a JSON Schema document into a tree of nodes, then walk instances. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/validate/jsonschema.h"

#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JS_MAX_DEPTH 256

enum js_type {
	JT_NULL = 1 << 0,
	JT_BOOL = 1 << 1,
	JT_INT = 1 << 2,
	JT_NUM = 1 << 3,
	JT_STR = 1 << 4,
	JT_ARR = 1 << 5,
	JT_OBJ = 1 << 6,
};

static const struct {
	const char *name;
	unsigned bit;
} type_names[] = {
	{"null", JT_NULL}, {"boolean", JT_BOOL}, {"object", JT_OBJ}, {"array", JT_ARR},
	{"number", JT_NUM}, {"string", JT_STR}, {"integer", JT_INT},
};

enum js_format { JF_NONE, JF_INT_OR_STRING, JF_INT32, JF_DATE_TIME, JF_DATE, JF_DURATION, JF_INT64, JF_BYTE };

static const struct {
	const char *name;
	enum js_format f;
} format_names[] = {
	{"int-or-string", JF_INT_OR_STRING}, {"int32", JF_INT32}, {"date-time", JF_DATE_TIME},
	{"date", JF_DATE}, {"duration", JF_DURATION},
};

/* Formats only the OpenAPI dialect checks, as the API server's decoder does (int64 fields,
 * []byte fields in standard base64). */
static const struct {
	const char *name;
	enum js_format f;
} openapi_format_names[] = {
	{"int64", JF_INT64}, {"byte", JF_BYTE},
};

struct js_node;
struct js_prop {
	const char *name; /* borrowed from the schema document */
	struct js_node *schema;
};
struct js_pat {
	pcre2_code *re;
	struct js_node *schema;
};
struct js_list {
	struct js_node **v;
	size_t n;
};

struct js_node {
	bool is_false;          /* boolean schema false */
	struct js_node *ref;    /* resolved $ref: every other keyword is ignored (draft 4-7) */
	unsigned types;         /* 0 = any */
	bool int_or_string, preserve_unknown;
	bool nullable;          /* OpenAPI dialect: null is a value here, not an absent field */
	struct js_prop *props;
	size_t nprops;
	struct js_pat *pats;
	size_t npats;
	bool addl_false;
	struct js_node *addl;
	const struct value *required; /* borrowed list */
	struct js_node *items;
	struct js_list tuple;
	const struct value *enum_;    /* borrowed list */
	const struct value *const_;   /* borrowed, NULL when absent */
	enum js_format format;
	bool has_min, has_max, excl_min, excl_max;
	double min, max, multiple_of;
	long min_len, max_len, min_items, max_items, min_props, max_props;
	bool unique;
	pcre2_code *pattern;
	const char *pattern_src;
	struct js_list all_of, any_of, one_of;
	struct js_node *not_;
};

struct jsonschema {
	struct value *doc;
	struct js_node *root;
	struct js_node **nodes; /* every node, for freeing */
	size_t nnodes, cap;
	struct value *refs;     /* "#/definitions/x" -> index+1 of the node (V_INT) */
	const char *name;
	char *name_own;
	bool openapi;           /* OpenAPI v3 dialect (jsonschema_opts) */
};

/* ---- compile ---- */

static struct js_node *node_new(struct jsonschema *s)
{
	struct js_node *n = xcalloc(1, sizeof *n);
	n->min_len = n->max_len = n->min_items = n->max_items = n->min_props = n->max_props = -1;
	if (s->nnodes == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->nodes = xrealloc(s->nodes, s->cap * sizeof *s->nodes);
	}
	s->nodes[s->nnodes++] = n;
	return n;
}

static void node_free(struct js_node *n)
{
	for (size_t i = 0; i < n->npats; i++)
		pcre2_code_free(n->pats[i].re);
	pcre2_code_free(n->pattern);
	free(n->props);
	free(n->pats);
	free(n->tuple.v);
	free(n->all_of.v);
	free(n->any_of.v);
	free(n->one_of.v);
	free(n);
}

static int compile_node(struct jsonschema *s, const struct value *v, struct js_node *n, int depth,
			struct tops_err *err);

static struct js_node *compile_sub(struct jsonschema *s, const struct value *v, int depth, struct tops_err *err)
{
	struct js_node *n = node_new(s);
	return compile_node(s, v, n, depth + 1, err) < 0 ? NULL : n;
}

static int bad(struct jsonschema *s, struct tops_err *err, const struct value *v, const char *what)
{
	return tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: invalid schema: %s", s->name, v ? v->line : 0,
			    v ? v->col : 0, what);
}

static pcre2_code *regex_compile(struct jsonschema *s, const struct value *v, struct tops_err *err)
{
	int ec;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)v->u.str.s, v->u.str.len, PCRE2_UTF | PCRE2_NO_UTF_CHECK,
				       &ec, &off, NULL);
	if (!re) {
		char msg[160];
		pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
		bad(s, err, v, "bad regular expression");
		tops_err_prefix(err, "%s (at offset %zu of '%s')", msg, (size_t)off, v->u.str.s);
		return NULL;
	}
	return re;
}

static bool is_num(const struct value *v)
{
	return v && (v->type == V_INT || v->type == V_FLOAT);
}

static double num(const struct value *v)
{
	return v->type == V_INT ? (double)v->u.i : v->u.f;
}

static long count_kw(const struct value *m, const char *k)
{
	const struct value *v = value_map_get(m, k);
	return is_num(v) && num(v) >= 0 ? (long)num(v) : -1;
}

static int compile_types(struct jsonschema *s, const struct value *t, struct js_node *n, struct tops_err *err)
{
	size_t cnt = t->type == V_LIST ? t->u.list.len : 1;
	for (size_t i = 0; i < cnt; i++) {
		const struct value *e = t->type == V_LIST ? t->u.list.items[i] : t;
		if (e->type != V_STRING)
			return bad(s, err, e, "'type' must be a string or a list of strings");
		size_t k;
		for (k = 0; k < ARRAY_LEN(type_names); k++)
			if (strcmp(type_names[k].name, e->u.str.s) == 0)
				break;
		if (k == ARRAY_LEN(type_names))
			return bad(s, err, e, "unknown type name");
		n->types |= type_names[k].bit;
	}
	return 0;
}

static int compile_list(struct jsonschema *s, const struct value *l, struct js_list *out, int depth,
			struct tops_err *err)
{
	if (l->type != V_LIST)
		return bad(s, err, l, "allOf/anyOf/oneOf must be a list");
	out->v = xcalloc(l->u.list.len + 1, sizeof *out->v);
	for (size_t i = 0; i < l->u.list.len; i++)
		if (!(out->v[out->n++] = compile_sub(s, l->u.list.items[i], depth, err)))
			return -TOPS_EINVAL;
	return 0;
}

static int compile_props(struct jsonschema *s, const struct value *p, struct js_node *n, int depth,
			 struct tops_err *err)
{
	if (p->type != V_MAP)
		return bad(s, err, p, "'properties' must be an object");
	n->props = xcalloc(p->u.map.len + 1, sizeof *n->props);
	for (size_t i = 0; i < p->u.map.len; i++) {
		n->props[i].name = p->u.map.e[i].key; /* map keys are sorted: binary search later */
		if (!(n->props[i].schema = compile_sub(s, p->u.map.e[i].val, depth, err)))
			return -TOPS_EINVAL;
		n->nprops++;
	}
	return 0;
}

static int compile_patprops(struct jsonschema *s, const struct value *p, struct js_node *n, int depth,
			    struct tops_err *err)
{
	if (p->type != V_MAP)
		return bad(s, err, p, "'patternProperties' must be an object");
	n->pats = xcalloc(p->u.map.len + 1, sizeof *n->pats);
	for (size_t i = 0; i < p->u.map.len; i++) {
		struct value *k = value_str(p->u.map.e[i].key);
		k->line = p->u.map.e[i].val->line;
		n->pats[n->npats].re = regex_compile(s, k, err);
		value_unref(k);
		if (!n->pats[n->npats].re)
			return -TOPS_EINVAL;
		if (!(n->pats[n->npats++].schema = compile_sub(s, p->u.map.e[i].val, depth, err)))
			return -TOPS_EINVAL;
	}
	return 0;
}

/* Follows a local JSON pointer ("#/definitions/a~1b") through the schema document. */
static const struct value *resolve_pointer(const struct value *doc, const char *ref)
{
	if (ref[0] != '#')
		return NULL;
	const struct value *cur = doc;
	const char *p = ref + 1;
	struct strbuf tok = STRBUF_INIT;
	while (cur && *p == '/') {
		p++;
		sb_reset(&tok);
		for (; *p && *p != '/'; p++) {
			if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
				sb_addc(&tok, p[1] == '0' ? '~' : '/');
				p++;
			} else {
				sb_addc(&tok, *p);
			}
		}
		if (cur->type == V_MAP)
			cur = value_map_get(cur, sb_str(&tok));
		else if (cur->type == V_LIST)
			cur = value_list_get(cur, strtoul(sb_str(&tok), NULL, 10));
		else
			cur = NULL;
	}
	sb_done(&tok);
	return *p ? NULL : cur;
}

static int compile_ref(struct jsonschema *s, const struct value *r, struct js_node *n, int depth,
		       struct tops_err *err)
{
	if (r->type != V_STRING)
		return bad(s, err, r, "'$ref' must be a string");
	struct value *known = value_map_get(s->refs, r->u.str.s);
	if (known) {
		n->ref = s->nodes[known->u.i];
		return 0;
	}
	const struct value *target = resolve_pointer(s->doc, r->u.str.s);
	if (!target) {
		bad(s, err, r, "cannot resolve $ref");
		return tops_err_prefix(err, "%s", r->u.str.s);
	}
	n->ref = node_new(s);
	value_map_set(s->refs, r->u.str.s, value_int((int64_t)s->nnodes - 1));
	return compile_node(s, target, n->ref, depth + 1, err);
}

static void compile_format(const struct jsonschema *s, const struct value *f, struct js_node *n)
{
	if (!f || f->type != V_STRING)
		return;
	for (size_t k = 0; k < ARRAY_LEN(format_names); k++)
		if (strcmp(format_names[k].name, f->u.str.s) == 0)
			n->format = format_names[k].f;
	for (size_t k = 0; s->openapi && k < ARRAY_LEN(openapi_format_names); k++)
		if (strcmp(openapi_format_names[k].name, f->u.str.s) == 0)
			n->format = openapi_format_names[k].f;
}

static void compile_numeric(const struct value *v, struct js_node *n)
{
	const struct value *x;
	if ((x = value_map_get(v, "minimum")) && is_num(x)) {
		n->has_min = true;
		n->min = num(x);
	}
	if ((x = value_map_get(v, "maximum")) && is_num(x)) {
		n->has_max = true;
		n->max = num(x);
	}
	/* draft 4 spells exclusive bounds as booleans, draft 6+ as numbers */
	if ((x = value_map_get(v, "exclusiveMinimum")) && x->type == V_BOOL)
		n->excl_min = x->u.b;
	else if (x && is_num(x))
		n->excl_min = n->has_min = true, n->min = num(x);
	if ((x = value_map_get(v, "exclusiveMaximum")) && x->type == V_BOOL)
		n->excl_max = x->u.b;
	else if (x && is_num(x))
		n->excl_max = n->has_max = true, n->max = num(x);
	if ((x = value_map_get(v, "multipleOf")) && is_num(x) && num(x) > 0)
		n->multiple_of = num(x);
	n->min_len = count_kw(v, "minLength");
	n->max_len = count_kw(v, "maxLength");
	n->min_items = count_kw(v, "minItems");
	n->max_items = count_kw(v, "maxItems");
	n->min_props = count_kw(v, "minProperties");
	n->max_props = count_kw(v, "maxProperties");
	n->unique = (x = value_map_get(v, "uniqueItems")) && x->type == V_BOOL && x->u.b;
}

static int compile_objects(struct jsonschema *s, const struct value *v, struct js_node *n, int depth,
			   struct tops_err *err)
{
	const struct value *x;
	if ((x = value_map_get(v, "properties")) && compile_props(s, x, n, depth, err) < 0)
		return -TOPS_EINVAL;
	if ((x = value_map_get(v, "patternProperties")) && compile_patprops(s, x, n, depth, err) < 0)
		return -TOPS_EINVAL;
	if ((x = value_map_get(v, "additionalProperties"))) {
		if (x->type == V_BOOL)
			n->addl_false = !x->u.b;
		else if (!(n->addl = compile_sub(s, x, depth, err)))
			return -TOPS_EINVAL;
	}
	if ((x = value_map_get(v, "required"))) {
		if (x->type != V_LIST)
			return bad(s, err, x, "'required' must be a list of strings");
		for (size_t i = 0; i < x->u.list.len; i++)
			if (x->u.list.items[i]->type != V_STRING)
				return bad(s, err, x->u.list.items[i], "'required' must be a list of strings");
		n->required = x;
	}
	return 0;
}

static int compile_arrays(struct jsonschema *s, const struct value *v, struct js_node *n, int depth,
			  struct tops_err *err)
{
	const struct value *x = value_map_get(v, "items");
	if (!x)
		return 0;
	if (x->type == V_LIST)
		return compile_list(s, x, &n->tuple, depth, err);
	return (n->items = compile_sub(s, x, depth, err)) ? 0 : -TOPS_EINVAL;
}

static int compile_combinators(struct jsonschema *s, const struct value *v, struct js_node *n, int depth,
			       struct tops_err *err)
{
	const struct value *x;
	if ((x = value_map_get(v, "allOf")) && compile_list(s, x, &n->all_of, depth, err) < 0)
		return -TOPS_EINVAL;
	if ((x = value_map_get(v, "anyOf")) && compile_list(s, x, &n->any_of, depth, err) < 0)
		return -TOPS_EINVAL;
	if ((x = value_map_get(v, "oneOf")) && compile_list(s, x, &n->one_of, depth, err) < 0)
		return -TOPS_EINVAL;
	if ((x = value_map_get(v, "not")) && !(n->not_ = compile_sub(s, x, depth, err)))
		return -TOPS_EINVAL;
	return 0;
}

static int compile_node(struct jsonschema *s, const struct value *v, struct js_node *n, int depth,
			struct tops_err *err)
{
	if (depth > JS_MAX_DEPTH)
		return tops_err_set(err, TOPS_ETOOBIG, "%s: schema nested too deeply", s->name);
	if (v->type == V_BOOL) {
		n->is_false = !v->u.b;
		return 0;
	}
	if (v->type != V_MAP)
		return bad(s, err, v, "a schema must be an object or a boolean");
	const struct value *x;
	if ((x = value_map_get(v, "$ref")))
		return compile_ref(s, x, n, depth, err);
	if ((x = value_map_get(v, "type")) && compile_types(s, x, n, err) < 0)
		return -TOPS_EINVAL;
	n->int_or_string = (x = value_map_get(v, "x-kubernetes-int-or-string")) && value_truthy(x);
	n->preserve_unknown = (x = value_map_get(v, "x-kubernetes-preserve-unknown-fields")) && value_truthy(x);
	if ((x = value_map_get(v, "enum"))) {
		if (x->type != V_LIST)
			return bad(s, err, x, "'enum' must be a list");
		n->enum_ = x;
	}
	n->const_ = value_map_get(v, "const");
	compile_format(s, value_map_get(v, "format"), n);
	n->nullable = s->openapi && (x = value_map_get(v, "nullable")) && value_truthy(x);
	compile_numeric(v, n);
	if ((x = value_map_get(v, "pattern"))) {
		if (x->type != V_STRING)
			return bad(s, err, x, "'pattern' must be a string");
		if (!(n->pattern = regex_compile(s, x, err)))
			return -TOPS_EINVAL;
		n->pattern_src = x->u.str.s;
	}
	if (compile_objects(s, v, n, depth, err) < 0 || compile_arrays(s, v, n, depth, err) < 0)
		return -TOPS_EINVAL;
	return compile_combinators(s, v, n, depth, err);
}

struct jsonschema *jsonschema_compile(struct value *doc, const char *name, struct tops_err *err)
{
	return jsonschema_compile_opts(doc, name, NULL, err);
}

struct jsonschema *jsonschema_compile_opts(struct value *doc, const char *name,
					   const struct jsonschema_opts *o, struct tops_err *err)
{
	struct jsonschema *s = xcalloc(1, sizeof *s);
	s->openapi = o && o->openapi;
	s->doc = value_ref(doc);
	s->name_own = xstrdup(name ? name : "<schema>");
	s->name = s->name_own;
	s->refs = value_map();
	value_map_set(s->refs, "#", value_int(0));
	s->root = node_new(s);
	if (compile_node(s, doc, s->root, 0, err) < 0) {
		jsonschema_free(s);
		return NULL;
	}
	return s;
}

struct jsonschema *jsonschema_load_file(const char *path, struct tops_err *err)
{
	char *text;
	size_t len;
	if (read_file(path, 64u << 20, &text, &len, err) < 0)
		return NULL;
	struct value *doc = value_from_json(text, len, err);
	free(text);
	if (!doc) {
		tops_err_prefix(err, "%s", path);
		return NULL;
	}
	struct jsonschema *s = jsonschema_compile(doc, path, err);
	value_unref(doc);
	return s;
}

void jsonschema_free(struct jsonschema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nnodes; i++)
		node_free(s->nodes[i]);
	free(s->nodes);
	value_unref(s->refs);
	value_unref(s->doc);
	free(s->name_own);
	free(s);
}

/* ---- validate ---- */

struct vctx {
	struct jsonschema_result *res; /* NULL while probing anyOf/oneOf/not */
	bool openapi;
	struct strbuf path;
	int depth;
	bool too_deep;
};

static void add_error(struct vctx *c, const struct value *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_error(struct vctx *c, const struct value *at, const char *fmt, ...)
{
	struct jsonschema_result *r = c->res;
	if (!r)
		return;
	if (r->nerrs == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->errs = xrealloc(r->errs, r->cap * sizeof *r->errs);
	}
	va_list ap;
	va_start(ap, fmt);
	struct jsonschema_error *e = &r->errs[r->nerrs++];
	e->msg = xvasprintf(fmt, ap);
	va_end(ap);
	e->path = xstrdup(sb_str(&c->path));
	e->line = at ? at->line : 0;
	e->col = at ? at->col : 0;
}

static bool is_whole(const struct value *v)
{
	return v->type == V_INT || (v->type == V_FLOAT && isfinite(v->u.f) && v->u.f == floor(v->u.f));
}

static unsigned type_of(const struct value *v)
{
	switch (v->type) {
	case V_NULL: return JT_NULL;
	case V_BOOL: return JT_BOOL;
	case V_INT: return JT_INT | JT_NUM;
	case V_FLOAT: return JT_NUM | (is_whole(v) ? JT_INT : 0);
	case V_STRING: return JT_STR;
	case V_LIST: return JT_ARR;
	case V_MAP: return JT_OBJ;
	default: return 0;
	}
}

static const char *type_word(const struct value *v)
{
	static const char *const words[] = {
		[V_NULL] = "null", [V_BOOL] = "boolean", [V_INT] = "number", [V_FLOAT] = "number",
		[V_STRING] = "string", [V_LIST] = "array", [V_MAP] = "object", [V_OBJECT] = "invalid",
	};
	return v->type < ARRAY_LEN(words) ? words[v->type] : "invalid";
}

/* 'text' quoted the way kubeconform's messages quote strings. */
static void quote(struct strbuf *sb, const char *s)
{
	sb_addc(sb, '\'');
	static const char *const esc[] = {['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t", ['\f'] = "\\f",
					  ['\''] = "\\'", ['\\'] = "\\\\"};
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < ARRAY_LEN(esc) && esc[ch])
			sb_adds(sb, esc[ch]);
		else if (ch < 0x20)
			sb_addf(sb, "\\x%02x", ch);
		else
			sb_addc(sb, *s);
	}
	sb_addc(sb, '\'');
}

static void display(struct strbuf *sb, const struct value *v)
{
	if (v->type == V_STRING)
		quote(sb, v->u.str.s);
	else if (v->type == V_LIST || v->type == V_MAP)
		sb_adds(sb, "value");
	else if (v->type == V_FLOAT)
		value_fmt_float_g(sb, v->u.f);
	else if (v->type == V_INT)
		sb_addf(sb, "%lld", (long long)v->u.i);
	else if (v->type == V_BOOL)
		sb_adds(sb, v->u.b ? "true" : "false");
	else
		sb_adds(sb, "<nil>");
}

static bool validate_node(const struct js_node *n, const struct value *v, struct vctx *c);

static bool check_type(const struct js_node *n, const struct value *v, struct vctx *c)
{
	unsigned t = type_of(v), want = n->types;
	if (n->int_or_string || n->format == JF_INT_OR_STRING) {
		if (t & (JT_STR | JT_INT))
			return true;
		want = (want & JT_NULL) | JT_INT | JT_STR;
	}
	if (!want || (t & want))
		return true;
	struct strbuf words = STRBUF_INIT;
	for (size_t k = 0; k < ARRAY_LEN(type_names); k++) { /* kubeconform's order of type names */
		if (!(want & type_names[k].bit))
			continue;
		if (words.len)
			sb_adds(&words, " or ");
		sb_adds(&words, type_names[k].name);
	}
	add_error(c, v, "got %s, want %s", type_word(v), sb_str(&words));
	sb_done(&words);
	return false;
}

static bool check_enum_const(const struct js_node *n, const struct value *v, struct vctx *c)
{
	bool ok = true;
	if (n->enum_) {
		bool found = false;
		for (size_t i = 0; i < n->enum_->u.list.len && !found; i++)
			found = value_equal_json(n->enum_->u.list.items[i], v);
		if (!found) {
			struct strbuf sb = STRBUF_INIT;
			size_t cnt = n->enum_->u.list.len;
			sb_adds(&sb, cnt == 1 ? "value must be " : "value must be one of ");
			for (size_t i = 0; i < cnt; i++) {
				if (i)
					sb_adds(&sb, ", ");
				display(&sb, n->enum_->u.list.items[i]);
			}
			add_error(c, v, "%s", sb_str(&sb));
			sb_done(&sb);
			ok = false;
		}
	}
	if (n->const_ && !value_equal_json(n->const_, v)) {
		struct strbuf sb = STRBUF_INIT;
		display(&sb, n->const_);
		add_error(c, v, "value must be %s", sb_str(&sb));
		sb_done(&sb);
		ok = false;
	}
	return ok;
}

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool valid_date(const char *s)
{
	if (strlen(s) < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
		return false;
	int m = atoi(s + 5), d = atoi(s + 8), y = atoi(s);
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	return !(m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

/* RFC 3339: 2006-01-02T15:04:05[.frac](Z|±hh:mm) */
static bool valid_date_time(const char *s)
{
	if (!valid_date(s) || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return false;
	const char *t = s + 11;
	if (!digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) || t[5] != ':' || !digits(t + 6, 2))
		return false;
	if (atoi(t) > 23 || atoi(t + 3) > 59 || atoi(t + 6) > 60)
		return false;
	t += 8;
	if (*t == '.') {
		t++;
		if (!digits(t, 1))
			return false;
		while (*t >= '0' && *t <= '9')
			t++;
	}
	if ((*t == 'Z' || *t == 'z') && !t[1])
		return true;
	return (*t == '+' || *t == '-') && digits(t + 1, 2) && t[3] == ':' && digits(t + 4, 2) && !t[6] &&
	       atoi(t + 1) < 24 && atoi(t + 4) < 60;
}

/* Go durations ("1h30m", "5m", "-1.5s") and ISO 8601 durations ("P1DT2H", "PT5M"). */
static bool valid_duration(const char *s)
{
	if (*s == 'P') {
		s++;
		bool any = false, time = false;
		while (*s) {
			if (*s == 'T' && !time) {
				time = true;
				s++;
				continue;
			}
			if (!(*s >= '0' && *s <= '9'))
				return false;
			while (*s >= '0' && *s <= '9')
				s++;
			if (!*s || !strchr(time ? "HMS" : "YMWD", *s))
				return false;
			s++;
			any = true;
		}
		return any;
	}
	if (*s == '-' || *s == '+')
		s++;
	if (strcmp(s, "0") == 0)
		return true;
	if (!*s)
		return false;
	static const char *const units[] = {"ns", "us", "\xc2\xb5s", "\xce\xbcs", "ms", "s", "m", "h"};
	while (*s) {
		if (!((*s >= '0' && *s <= '9') || *s == '.'))
			return false;
		while ((*s >= '0' && *s <= '9') || *s == '.')
			s++;
		size_t k, best = 0;
		for (k = 0; k < ARRAY_LEN(units); k++)
			if (str_has_prefix(s, units[k]) && strlen(units[k]) > best)
				best = strlen(units[k]);
		if (!best)
			return false;
		s += best;
	}
	return true;
}

/* Go's base64.StdEncoding as encoding/json decodes []byte: the standard alphabet, padded,
 * CR and LF ignored. NULL when s decodes, else words naming the first bad byte. */
static const char *base64_problem(const char *s)
{
	static char why[64];
	size_t n = 0, pad = 0, i;
	for (i = 0; s[i]; i++) {
		char ch = s[i];
		if (ch == '\r' || ch == '\n')
			continue;
		bool alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
			     ch == '+' || ch == '/';
		if (ch == '=' && n % 4 >= 2 && pad < 2)
			pad++;
		else if (!alpha || pad)
			break;
		n++;
	}
	if (!s[i] && n % 4 == 0)
		return NULL;
	snprintf(why, sizeof why, "illegal base64 data at input byte %zu", s[i] ? i : n - n % 4);
	return why;
}

static bool check_format(const struct js_node *n, const struct value *v, struct vctx *c)
{
	const char *why = NULL, *name = NULL;
	if (v->type == V_STRING) {
		const char *s = v->u.str.s;
		if (n->format == JF_DATE_TIME && !valid_date_time(s))
			why = "not a valid RFC 3339 date-time", name = "date-time";
		else if (n->format == JF_DATE && !valid_date(s))
			why = "not a valid full-date", name = "date";
		else if (n->format == JF_DURATION && !valid_duration(s))
			why = "not a valid duration", name = "duration";
		else if (n->format == JF_BYTE && (why = base64_problem(s)))
			name = "byte";
	} else if (n->format == JF_INT32 && is_num(v) && (num(v) < -2147483648.0 || num(v) > 2147483647.0)) {
		why = "out of range", name = "int32";
	} else if (n->format == JF_INT64 && v->type == V_FLOAT &&
		   (v->u.f < -9223372036854775808.0 || v->u.f >= 9223372036854775808.0)) {
		why = "out of range", name = "int64";
	}
	if (!why)
		return true;
	struct strbuf sb = STRBUF_INIT;
	display(&sb, v);
	add_error(c, v, "%s is not valid %s: %s", sb_str(&sb), name, why);
	sb_done(&sb);
	return false;
}

static void bound_error(struct vctx *c, const struct value *v, const char *kw, double want)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%s: got ", kw);
	value_fmt_float_g(&sb, num(v));
	sb_adds(&sb, ", want ");
	value_fmt_float_g(&sb, want);
	add_error(c, v, "%s", sb_str(&sb));
	sb_done(&sb);
}

static bool check_number(const struct js_node *n, const struct value *v, struct vctx *c)
{
	double x = num(v);
	bool ok = true;
	if (n->has_min && (n->excl_min ? x <= n->min : x < n->min)) {
		bound_error(c, v, n->excl_min ? "exclusiveMinimum" : "minimum", n->min);
		ok = false;
	}
	if (n->has_max && (n->excl_max ? x >= n->max : x > n->max)) {
		bound_error(c, v, n->excl_max ? "exclusiveMaximum" : "maximum", n->max);
		ok = false;
	}
	if (n->multiple_of > 0) {
		double q = x / n->multiple_of;
		if (!isfinite(q) || fabs(q - nearbyint(q)) > 1e-9) {
			bound_error(c, v, "multipleOf", n->multiple_of);
			ok = false;
		}
	}
	return ok;
}

static long utf8_runes(const char *s, size_t len)
{
	long n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

static bool check_string(const struct js_node *n, const struct value *v, struct vctx *c)
{
	bool ok = true;
	if (n->min_len >= 0 || n->max_len >= 0) {
		long runes = utf8_runes(v->u.str.s, v->u.str.len);
		if (n->min_len >= 0 && runes < n->min_len) {
			add_error(c, v, "minLength: got %ld, want %ld", runes, n->min_len);
			ok = false;
		}
		if (n->max_len >= 0 && runes > n->max_len) {
			add_error(c, v, "maxLength: got %ld, want %ld", runes, n->max_len);
			ok = false;
		}
	}
	if (n->pattern) {
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(n->pattern, NULL);
		int rc = pcre2_match(n->pattern, (PCRE2_SPTR)v->u.str.s, v->u.str.len, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		if (rc < 0) {
			struct strbuf sb = STRBUF_INIT;
			quote(&sb, v->u.str.s);
			sb_adds(&sb, " does not match pattern ");
			quote(&sb, n->pattern_src);
			add_error(c, v, "%s", sb_str(&sb));
			sb_done(&sb);
			ok = false;
		}
	}
	return ok;
}

static void path_push(struct vctx *c, const char *key, size_t *mark)
{
	*mark = c->path.len;
	sb_addc(&c->path, '/');
	for (; *key; key++) {
		if (*key == '~')
			sb_adds(&c->path, "~0");
		else if (*key == '/')
			sb_adds(&c->path, "~1");
		else
			sb_addc(&c->path, *key);
	}
}

static void path_pop(struct vctx *c, size_t mark)
{
	c->path.len = mark;
	c->path.buf[mark] = 0;
}

static bool child(const struct js_node *n, const struct value *v, struct vctx *c, const char *key)
{
	size_t mark;
	path_push(c, key, &mark);
	bool ok = validate_node(n, v, c);
	path_pop(c, mark);
	return ok;
}

static const struct js_node *find_prop(const struct js_node *n, const char *key)
{
	size_t lo = 0, hi = n->nprops;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = strcmp(n->props[mid].name, key);
		if (cmp == 0)
			return n->props[mid].schema;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static bool pat_match(pcre2_code *re, const char *s)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int rc = pcre2_match(re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

/* OpenAPI: whether property key of n (or what its schema refers to) says nullable. A null in
 * a field that is not nullable is an absent field to the API server (pruned, or decoded as
 * the zero value), so it does not satisfy "required". */
static bool prop_nullable(const struct js_node *n, const char *key)
{
	for (const struct js_node *p = find_prop(n, key); p; p = p->ref)
		if (p->nullable)
			return true;
	return false;
}

static bool check_required(const struct js_node *n, const struct value *v, struct vctx *c)
{
	if (!n->required)
		return true;
	struct strbuf miss = STRBUF_INIT;
	size_t cnt = 0;
	for (size_t i = 0; i < n->required->u.list.len; i++) {
		const char *k = n->required->u.list.items[i]->u.str.s;
		const struct value *got = value_map_get(v, k);
		if (got && !(c->openapi && got->type == V_NULL && !prop_nullable(n, k)))
			continue;
		if (cnt++)
			sb_adds(&miss, ", ");
		quote(&miss, k);
	}
	if (cnt)
		add_error(c, v, "missing propert%s %s", cnt == 1 ? "y" : "ies", sb_str(&miss));
	sb_done(&miss);
	return cnt == 0;
}

static bool check_object(const struct js_node *n, const struct value *v, struct vctx *c)
{
	bool ok = check_required(n, v, c);
	long np = (long)v->u.map.len;
	if (n->min_props >= 0 && np < n->min_props) {
		add_error(c, v, "minProperties: got %ld, want %ld", np, n->min_props);
		ok = false;
	}
	if (n->max_props >= 0 && np > n->max_props) {
		add_error(c, v, "maxProperties: got %ld, want %ld", np, n->max_props);
		ok = false;
	}
	struct strbuf extra = STRBUF_INIT;
	size_t nextra = 0;
	for (size_t i = 0; i < v->u.map.len; i++) {
		const char *k = v->u.map.e[i].key;
		const struct value *val = v->u.map.e[i].val;
		const struct js_node *p = find_prop(n, k);
		bool matched = p != NULL;
		if (p)
			ok &= child(p, val, c, k);
		for (size_t j = 0; j < n->npats; j++)
			if (pat_match(n->pats[j].re, k)) {
				matched = true;
				ok &= child(n->pats[j].schema, val, c, k);
			}
		if (matched)
			continue;
		if (n->addl)
			ok &= child(n->addl, val, c, k);
		else if (n->addl_false && !n->preserve_unknown) {
			if (nextra++)
				sb_adds(&extra, ", ");
			quote(&extra, k);
		}
	}
	if (nextra) {
		add_error(c, v, "additional propert%s %s not allowed", nextra == 1 ? "y" : "ies", sb_str(&extra));
		ok = false;
	}
	sb_done(&extra);
	return ok;
}

static bool check_array(const struct js_node *n, const struct value *v, struct vctx *c)
{
	bool ok = true;
	long len = (long)v->u.list.len;
	if (n->min_items >= 0 && len < n->min_items) {
		add_error(c, v, "minItems: got %ld, want %ld", len, n->min_items);
		ok = false;
	}
	if (n->max_items >= 0 && len > n->max_items) {
		add_error(c, v, "maxItems: got %ld, want %ld", len, n->max_items);
		ok = false;
	}
	for (size_t i = 0; i < v->u.list.len; i++) {
		const struct js_node *s = i < n->tuple.n ? n->tuple.v[i] : n->tuple.n ? NULL : n->items;
		if (!s)
			continue;
		char idx[24];
		snprintf(idx, sizeof idx, "%zu", i);
		ok &= child(s, v->u.list.items[i], c, idx);
	}
	for (size_t i = 0; n->unique && i < v->u.list.len; i++)
		for (size_t j = i + 1; j < v->u.list.len; j++)
			if (value_equal_json(v->u.list.items[i], v->u.list.items[j])) {
				add_error(c, v, "items at %zu and %zu are equal", i, j);
				return false;
			}
	return ok;
}

/* Runs n against v without recording errors (anyOf/oneOf/not probes). */
static bool probe(const struct js_node *n, const struct value *v, struct vctx *c)
{
	struct jsonschema_result *saved = c->res;
	c->res = NULL;
	bool ok = validate_node(n, v, c);
	c->res = saved;
	return ok;
}

static bool check_combinators(const struct js_node *n, const struct value *v, struct vctx *c)
{
	bool ok = true;
	for (size_t i = 0; i < n->all_of.n; i++)
		ok &= validate_node(n->all_of.v[i], v, c);
	if (n->any_of.n) {
		bool any = false;
		for (size_t i = 0; i < n->any_of.n && !any; i++)
			any = probe(n->any_of.v[i], v, c);
		if (!any) {
			add_error(c, v, "anyOf failed");
			ok = false;
		}
	}
	if (n->one_of.n) {
		long first = -1, second = -1;
		for (size_t i = 0; i < n->one_of.n && second < 0; i++)
			if (probe(n->one_of.v[i], v, c))
				*(first < 0 ? &first : &second) = (long)i;
		if (first < 0)
			add_error(c, v, "oneOf failed, none matched");
		else if (second >= 0)
			add_error(c, v, "oneOf failed, subschemas %ld, %ld matched", first, second);
		ok &= first >= 0 && second < 0;
	}
	if (n->not_ && probe(n->not_, v, c)) {
		add_error(c, v, "not failed");
		ok = false;
	}
	return ok;
}

static bool validate_node(const struct js_node *n, const struct value *v, struct vctx *c)
{
	if (++c->depth > JS_MAX_DEPTH) {
		c->too_deep = true;
		c->depth--;
		return false;
	}
	bool ok = true;
	while (n->ref)
		n = n->ref;
	if (c->openapi && v->type == V_NULL) {
		c->depth--;
		return true; /* nullable: a value; otherwise the server treats it as absent */
	}
	if (n->is_false) {
		add_error(c, v, "false schema");
		ok = false;
	} else if (!check_type(n, v, c)) {
		ok = false; /* like kubeconform: a wrong type stops the checks of this node */
	} else {
		ok &= check_enum_const(n, v, c);
		ok &= check_format(n, v, c);
		if (is_num(v))
			ok &= check_number(n, v, c);
		else if (v->type == V_STRING)
			ok &= check_string(n, v, c);
		else if (v->type == V_MAP)
			ok &= check_object(n, v, c);
		else if (v->type == V_LIST)
			ok &= check_array(n, v, c);
		ok &= check_combinators(n, v, c);
	}
	c->depth--;
	return ok;
}

int jsonschema_validate(const struct jsonschema *s, const struct value *instance,
			struct jsonschema_result *res, struct tops_err *err)
{
	struct vctx c = {.res = res, .openapi = s->openapi};
	sb_init(&c.path);
	sb_adds(&c.path, "");
	bool ok = validate_node(s->root, instance ? instance : value_null(), &c);
	sb_done(&c.path);
	if (c.too_deep)
		return tops_err_set(err, TOPS_ETOOBIG, "document nested deeper than %d levels", JS_MAX_DEPTH);
	return ok ? 0 : 1;
}

void jsonschema_result_done(struct jsonschema_result *res)
{
	for (size_t i = 0; i < res->nerrs; i++) {
		free(res->errs[i].path);
		free(res->errs[i].msg);
	}
	free(res->errs);
	res->errs = NULL;
	res->nerrs = res->cap = 0;
}

char *jsonschema_result_str(const struct jsonschema_result *res, const char *sep)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < res->nerrs; i++) {
		if (i)
			sb_adds(&sb, sep);
		sb_adds(&sb, "at ");
		quote(&sb, res->errs[i].path);
		sb_addf(&sb, ": %s", res->errs[i].msg);
	}
	return sb_detach(&sb, NULL);
}
