/* filter — the `/` filter of table panes: a name substring or a label selector
 * (a=b, a==b, a!=b, a, !a, a in (x,y), a notin (x,y); comma separated, all must hold). */
#include "tui/tui.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum req_op { OP_EQ, OP_NE, OP_EXISTS, OP_NOT_EXISTS, OP_IN, OP_NOTIN };

struct req {
	enum req_op op;
	char *key;
	char **vals;
	size_t nvals;
};

struct filter {
	char *text;
	bool selector;
	struct req *reqs;
	size_t nreqs;
};

static bool looks_like_selector(const char *t)
{
	return strchr(t, '=') || t[0] == '!' || strstr(t, " in ") || strstr(t, " notin ");
}

static void skip_ws(const char **p)
{
	while (isspace((unsigned char)**p))
		(*p)++;
}

static char *take_word(const char **p)
{
	skip_ws(p);
	const char *s = *p;
	while (**p && (isalnum((unsigned char)**p) || strchr("-_./", **p)))
		(*p)++;
	return *p > s ? xstrndup(s, (size_t)(*p - s)) : NULL;
}

static int parse_set(const char **p, struct req *r, const char *start, struct tops_err *err)
{
	skip_ws(p);
	if (**p != '(')
		return tops_err_set(err, TOPS_EINVAL, "selector: expected ( at column %d", (int)(*p - start) + 1);
	(*p)++;
	for (;;) {
		char *v = take_word(p);
		if (!v)
			return tops_err_set(err, TOPS_EINVAL, "selector: expected a value at column %d",
					    (int)(*p - start) + 1);
		r->vals = xrealloc(r->vals, (r->nvals + 1) * sizeof *r->vals);
		r->vals[r->nvals++] = v;
		skip_ws(p);
		if (**p == ')') {
			(*p)++;
			return 0;
		}
		if (**p != ',')
			return tops_err_set(err, TOPS_EINVAL, "selector: expected , or ) at column %d",
					    (int)(*p - start) + 1);
		(*p)++;
	}
}

static int parse_op(const char **p, struct req *r, const char *start, struct tops_err *err)
{
	skip_ws(p);
	static const struct { const char *tok; enum req_op op; } ops[] = {
		{"==", OP_EQ}, {"!=", OP_NE}, {"=", OP_EQ}, {"in ", OP_IN}, {"notin ", OP_NOTIN},
		{"in(", OP_IN}, {"notin(", OP_NOTIN},
	};
	for (size_t i = 0; i < ARRAY_LEN(ops); i++) {
		size_t n = strlen(ops[i].tok);
		if (strncmp(*p, ops[i].tok, n) != 0)
			continue;
		r->op = ops[i].op;
		*p += ops[i].tok[n - 1] == '(' ? n - 1 : n;
		if (r->op == OP_IN || r->op == OP_NOTIN)
			return parse_set(p, r, start, err);
		char *v = take_word(p);
		r->vals = xmalloc(sizeof *r->vals);
		r->vals[0] = v ? v : xstrdup("");
		r->nvals = 1;
		return 0;
	}
	r->op = OP_EXISTS;
	return 0;
}

static int parse_req(const char **p, struct filter *f, const char *start, struct tops_err *err)
{
	f->reqs = xrealloc(f->reqs, (f->nreqs + 1) * sizeof *f->reqs);
	struct req *r = &f->reqs[f->nreqs++];
	memset(r, 0, sizeof *r);
	skip_ws(p);
	bool neg = **p == '!';
	if (neg)
		(*p)++;
	r->key = take_word(p);
	if (!r->key)
		return tops_err_set(err, TOPS_EINVAL, "selector: expected a label key at column %d",
				    (int)(*p - start) + 1);
	if (neg) {
		r->op = OP_NOT_EXISTS;
		return 0;
	}
	return parse_op(p, r, start, err);
}

struct filter *filter_new(const char *text, struct tops_err *err)
{
	while (isspace((unsigned char)*text))
		text++;
	if (!*text)
		return NULL;
	struct filter *f = xcalloc(1, sizeof *f);
	f->text = xstrdup(text);
	f->selector = looks_like_selector(text);
	if (!f->selector)
		return f;
	const char *p = text;
	for (;;) {
		if (parse_req(&p, f, text, err) < 0)
			goto fail;
		skip_ws(&p);
		if (!*p)
			return f;
		if (*p != ',') {
			tops_err_set(err, TOPS_EINVAL, "selector: unexpected \"%c\" at column %d", *p,
				     (int)(p - text) + 1);
			goto fail;
		}
		p++;
	}
fail:
	filter_free(f);
	return NULL;
}

void filter_free(struct filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nreqs; i++) {
		for (size_t j = 0; j < f->reqs[i].nvals; j++)
			free(f->reqs[i].vals[j]);
		free(f->reqs[i].vals);
		free(f->reqs[i].key);
	}
	free(f->reqs);
	free(f->text);
	free(f);
}

const char *filter_text(const struct filter *f)
{
	return f ? f->text : "";
}

static bool in_set(const struct req *r, const char *v)
{
	for (size_t i = 0; v && i < r->nvals; i++)
		if (strcmp(r->vals[i], v) == 0)
			return true;
	return false;
}

static bool req_match(const struct req *r, const char *v)
{
	switch (r->op) {
	case OP_EQ: return v && strcmp(v, r->vals[0]) == 0;
	case OP_NE: return !v || strcmp(v, r->vals[0]) != 0;
	case OP_EXISTS: return v != NULL;
	case OP_NOT_EXISTS: return v == NULL;
	case OP_IN: return in_set(r, v);
	case OP_NOTIN: return !in_set(r, v);
	}
	return false;
}

bool filter_match(const struct filter *f, const char *name, filter_label_fn labels, const void *obj)
{
	if (!f)
		return true;
	if (!f->selector)
		return name && strcasestr(name, f->text) != NULL;
	for (size_t i = 0; i < f->nreqs; i++)
		if (!req_match(&f->reqs[i], labels ? labels(obj, f->reqs[i].key) : NULL))
			return false;
	return true;
}
