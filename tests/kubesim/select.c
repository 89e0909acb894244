/* select — see select.h. */
#include "tests/kubesim/select.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum op { OP_EQ, OP_NE, OP_IN, OP_NOTIN, OP_EXISTS, OP_NOTEXISTS };

struct req {
	bool field;
	enum op op;
	char *key;
	char **vals;
	int nvals;
};

struct selector {
	struct req *r;
	int n;
	bool needs_object;
};

void selector_free(struct selector *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n; i++) {
		free(s->r[i].key);
		for (int j = 0; j < s->r[i].nvals; j++)
			free(s->r[i].vals[j]);
		free(s->r[i].vals);
	}
	free(s->r);
	free(s);
}

static char *trim(const char *a, const char *b)
{
	while (a < b && isspace((unsigned char)*a))
		a++;
	while (b > a && isspace((unsigned char)b[-1]))
		b--;
	return xstrndup(a, (size_t)(b - a));
}

static void add_val(struct req *r, char *v)
{
	r->vals = xrealloc(r->vals, (size_t)(r->nvals + 1) * sizeof(char *));
	r->vals[r->nvals++] = v;
}

/* "key in (a,b)" / "key notin (a,b)" */
static int parse_set(struct req *r, const char *s, const char *e, const char *kw, struct tops_err *err)
{
	const char *p = strstr(s, kw);
	const char *open = p ? strchr(p, '(') : NULL;
	const char *close = open ? memchr(open, ')', (size_t)(e - open)) : NULL;
	if (!close)
		return tops_err_set(err, SIM_EBADREQ, "unable to parse requirement: found '%.*s', expected: ')'", (int)(e - s), s);
	r->key = trim(s, p);
	const char *v = open + 1;
	while (v <= close) {
		const char *c = memchr(v, ',', (size_t)(close - v));
		if (!c)
			c = close;
		add_val(r, trim(v, c));
		v = c + 1;
	}
	return 0;
}

static int parse_req(struct req *r, const char *s, const char *e, bool field, struct tops_err *err)
{
	char *t = trim(s, e);
	int rc = 0;
	char *p;
	r->field = field;
	if (!*t) {
		rc = tops_err_set(err, SIM_EBADREQ, "found '', expected: identifier");
	} else if (!field && (p = strstr(t, " notin ")) != NULL) {
		r->op = OP_NOTIN;
		rc = parse_set(r, t, t + strlen(t), " notin ", err);
	} else if (!field && (p = strstr(t, " in ")) != NULL) {
		r->op = OP_IN;
		rc = parse_set(r, t, t + strlen(t), " in ", err);
	} else if ((p = strstr(t, "!=")) != NULL) {
		r->op = OP_NE;
		r->key = trim(t, p);
		add_val(r, trim(p + 2, t + strlen(t)));
	} else if ((p = strchr(t, '=')) != NULL) {
		r->op = OP_EQ;
		r->key = trim(t, p);
		add_val(r, trim(p + (p[1] == '=' ? 2 : 1), t + strlen(t)));
	} else if (field) {
		rc = tops_err_set(err, SIM_EBADREQ, "invalid selector: '%s'; can't understand '%s'", t, t);
	} else if (t[0] == '!') {
		r->op = OP_NOTEXISTS;
		r->key = trim(t + 1, t + strlen(t));
	} else {
		r->op = OP_EXISTS;
		r->key = xstrdup(t);
	}
	if (!rc && (!r->key || !*r->key))
		rc = tops_err_set(err, SIM_EBADREQ, "unable to parse requirement: '%s'", t);
	free(t);
	return rc;
}

static int parse_list(struct selector *sel, const char *s, bool field, struct tops_err *err)
{
	int depth = 0;
	const char *start = s;
	for (const char *p = s;; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		if ((*p == ',' && depth == 0) || !*p) {
			sel->r = xrealloc(sel->r, (size_t)(sel->n + 1) * sizeof(*sel->r));
			struct req *r = &sel->r[sel->n++];
			memset(r, 0, sizeof(*r));
			if (parse_req(r, start, p, field, err))
				return -1;
			if (field && strcmp(r->key, "metadata.name") && strcmp(r->key, "metadata.namespace"))
				sel->needs_object = true;
			start = p + 1;
		}
		if (!*p)
			break;
	}
	return 0;
}

struct selector *selector_parse(const char *labels, const char *fields, struct tops_err *err)
{
	struct selector *s = xcalloc(1, sizeof(*s));
	if ((labels && *labels && parse_list(s, labels, false, err)) ||
	    (fields && *fields && parse_list(s, fields, true, err))) {
		selector_free(s);
		return NULL;
	}
	return s;
}

bool selector_needs_object(const struct selector *s) { return s && s->needs_object; }

bool selector_empty(const struct selector *s) { return !s || !s->n; }

static bool in_vals(const struct req *r, const char *v)
{
	for (int i = 0; i < r->nvals; i++)
		if (v && strcmp(r->vals[i], v) == 0)
			return true;
	return false;
}

static const char *field_value(const struct req *r, const char *ns, const char *name,
			       const struct value *parsed, char *buf, size_t bufsz)
{
	if (strcmp(r->key, "metadata.name") == 0)
		return name;
	if (strcmp(r->key, "metadata.namespace") == 0)
		return ns;
	struct value *v = parsed ? value_map_path(parsed, r->key) : NULL;
	if (!v || v->type == V_NULL)
		return "";
	if (v->type == V_STRING)
		return v->u.str.s;
	if (v->type == V_INT)
		snprintf(buf, bufsz, "%lld", (long long)v->u.i);
	else if (v->type == V_BOOL)
		snprintf(buf, bufsz, "%s", v->u.b ? "true" : "false");
	else
		return "";
	return buf;
}

static bool req_match(const struct req *r, const char *ns, const char *name,
		      const struct value *labels, const struct value *parsed)
{
	char buf[32];
	const char *v;
	if (r->field)
		v = field_value(r, ns, name, parsed, buf, sizeof(buf));
	else
		v = vstr(labels, r->key) ? vstr(labels, r->key) : NULL;
	if (!r->field && labels && labels->type == V_MAP) {
		struct value *lv = value_map_get(labels, r->key);
		v = lv && lv->type == V_STRING ? lv->u.str.s : NULL;
	}
	switch (r->op) {
	case OP_EQ: return v && in_vals(r, v);
	case OP_NE: return !v || !in_vals(r, v);
	case OP_IN: return v && in_vals(r, v);
	case OP_NOTIN: return !v || !in_vals(r, v);
	case OP_EXISTS: return v != NULL;
	case OP_NOTEXISTS: return v == NULL;
	}
	return false;
}

bool selector_match(const struct selector *s, const char *ns, const char *name,
		    const struct value *labels, const struct value *parsed)
{
	for (int i = 0; s && i < s->n; i++)
		if (!req_match(&s->r[i], ns, name, labels, parsed))
			return false;
	return true;
}

bool selector_match_map(const struct value *sel, const struct value *labels)
{
	if (!sel || sel->type != V_MAP || !sel->u.map.len)
		return false;
	for (size_t i = 0; i < sel->u.map.len; i++) {
		struct value *lv = labels ? value_map_get(labels, sel->u.map.e[i].key) : NULL;
		if (!lv || !value_equal(lv, sel->u.map.e[i].val))
			return false;
	}
	return true;
}

static bool expr_match(const struct value *e, const struct value *labels)
{
	const char *key = vstr(e, "key"), *op = vstr(e, "operator");
	struct value *vals = value_map_get(e, "values");
	struct value *lv = key ? value_map_get(labels, key) : NULL;
	bool in = false;
	for (size_t i = 0; lv && vals && vals->type == V_LIST && i < vals->u.list.len; i++)
		in = in || value_equal(vals->u.list.items[i], lv);
	if (!op)
		return false;
	if (strcmp(op, "In") == 0)
		return in;
	if (strcmp(op, "NotIn") == 0)
		return !in;
	if (strcmp(op, "Exists") == 0)
		return lv != NULL;
	return lv == NULL;
}

bool selector_match_labelselector(const struct value *sel, const struct value *labels)
{
	if (!sel || sel->type != V_MAP)
		return false;
	struct value *ml = value_map_get(sel, "matchLabels");
	struct value *me = value_map_get(sel, "matchExpressions");
	bool any = false;
	if (ml && ml->type == V_MAP && ml->u.map.len) {
		if (!selector_match_map(ml, labels))
			return false;
		any = true;
	}
	for (size_t i = 0; me && me->type == V_LIST && i < me->u.list.len; i++) {
		if (!expr_match(me->u.list.items[i], labels))
			return false;
		any = true;
	}
	return any;
}
