/* expr — see expr.h. A recursive-descent evaluator: one pass, no tree. Parsing always runs to
 * the end so syntax errors are found on both sides of && and ||; evaluation errors on a side
 * that is not taken are not raised (the `live` flag). */
#include "core/gate/expr.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum vt { T_NUM, T_BOOL, T_LIST };

struct ev {
	enum vt t;
	double d;                    /* T_NUM value, T_BOOL 0/1 */
};

struct px {
	const char *src, *p;
	const double *res;
	size_t n;
	bool check;                  /* expr_check: no values */
	struct tops_err *err;
	int rc;
};

static int col(const struct px *x, const char *at) { return (int)(at - x->src) + 1; }

static int fail_at(struct px *x, const char *at, const char *fmt, const char *a)
{
	if (x->rc == 0) {
		char msg[200];
		snprintf(msg, sizeof msg, fmt, a ? a : "");
		x->rc = tops_err_set(x->err, TOPS_EINVAL, "col %d: %s", col(x, at), msg);
	}
	return x->rc;
}

static void ws(struct px *x)
{
	while (isspace((unsigned char)*x->p))
		x->p++;
}

static bool eat(struct px *x, const char *tok)
{
	ws(x);
	size_t l = strlen(tok);
	if (strncmp(x->p, tok, l) != 0)
		return false;
	/* a word operator must end at a word boundary */
	if (isalpha((unsigned char)tok[0]) && (isalnum((unsigned char)x->p[l]) || x->p[l] == '_'))
		return false;
	/* "=" alone or "&" alone are not operators; "<" must not swallow "<=" */
	x->p += l;
	return true;
}

static const char *tname(enum vt t) { return t == T_NUM ? "a number" : t == T_BOOL ? "true or false" : "a list"; }

static int or_expr(struct px *x, struct ev *v, bool live);

/* A value used as a number: a one-element result list stands for its value. */
static int as_num(struct px *x, const char *at, struct ev *v, bool live)
{
	if (v->t == T_NUM)
		return 0;
	if (v->t == T_LIST) {
		if (!live || x->check || x->n == 1) {
			v->t = T_NUM;
			v->d = live && !x->check ? x->res[0] : 0;
			return 0;
		}
		char b[32];
		snprintf(b, sizeof b, "%zu", x->n);
		return fail_at(x, at, "result has %s values here; use result[i] or len(result)", b);
	}
	return fail_at(x, at, "%s where a number is wanted", tname(v->t));
}

static int as_bool(struct px *x, const char *at, struct ev *v)
{
	if (v->t == T_BOOL)
		return 0;
	return fail_at(x, at, "%s where true or false is wanted", tname(v->t));
}

static int number(struct px *x, struct ev *v)
{
	char *end;
	double d = strtod(x->p, &end);
	if (end == x->p)
		return fail_at(x, x->p, "a number was expected%s", NULL);
	x->p = end;
	*v = (struct ev){T_NUM, d};
	return 0;
}

static int call(struct px *x, const char *name, const char *at, struct ev *v, bool live)
{
	if (!eat(x, "("))
		return fail_at(x, x->p, "\"(\" expected after %s", name);
	const char *aat = (ws(x), x->p);
	struct ev a;
	if (or_expr(x, &a, live) < 0)
		return x->rc;
	if (!eat(x, ")"))
		return fail_at(x, x->p, "\")\" expected to close %s(", name);
	if (!strcmp(name, "len")) {
		if (a.t != T_LIST)
			return fail_at(x, aat, "len() wants result, not %s", tname(a.t));
		*v = (struct ev){T_NUM, x->check ? 1 : (double)x->n};
		return 0;
	}
	if (as_num(x, aat, &a, live) < 0)
		return x->rc;
	bool r = !strcmp(name, "isNaN") ? isnan(a.d) : isinf(a.d);
	*v = (struct ev){T_BOOL, r};
	(void)at;
	return 0;
}

static int index_of(struct px *x, struct ev *v, bool live)
{
	const char *iat = (ws(x), x->p);
	struct ev i;
	if (or_expr(x, &i, live) < 0 || as_num(x, iat, &i, live) < 0)
		return x->rc;
	if (!eat(x, "]"))
		return fail_at(x, x->p, "\"]\" expected%s", NULL);
	if (!live || x->check) {
		*v = (struct ev){T_NUM, 0};
		return 0;
	}
	if (i.d != floor(i.d) || i.d < 0 || i.d >= (double)x->n) {
		char b[128];
		snprintf(b, sizeof b, "result[%g] is out of range (the query returned %zu value%s)", i.d, x->n,
			 x->n == 1 ? "" : "s");
		return fail_at(x, iat, "%s", b);
	}
	*v = (struct ev){T_NUM, x->res[(size_t)i.d]};
	return 0;
}

static int name_expr(struct px *x, struct ev *v, bool live)
{
	const char *at = x->p;
	while (isalnum((unsigned char)*x->p) || *x->p == '_')
		x->p++;
	char name[32];
	size_t l = (size_t)(x->p - at);
	snprintf(name, sizeof name, "%.*s", (int)(l < 31 ? l : 31), at);
	if (!strcmp(name, "true") || !strcmp(name, "false")) {
		*v = (struct ev){T_BOOL, name[0] == 't'};
		return 0;
	}
	if (!strcmp(name, "len") || !strcmp(name, "isNaN") || !strcmp(name, "isInf"))
		return call(x, name, at, v, live);
	if (strcmp(name, "result") != 0)
		return fail_at(x, at, "unknown name \"%s\" (use result, len, isNaN, isInf, true, false)", name);
	*v = (struct ev){T_LIST, 0};
	if (eat(x, "["))
		return index_of(x, v, live);
	return 0;
}

static int unary(struct px *x, struct ev *v, bool live)
{
	ws(x);
	const char *at = x->p;
	bool bang = *x->p == '!' && x->p[1] != '=';
	if (bang || eat(x, "not")) {
		if (bang)
			x->p++;
		if (unary(x, v, live) < 0 || as_bool(x, at, v) < 0)
			return x->rc;
		v->d = !v->d;
		return 0;
	}
	if (*x->p == '-' || *x->p == '+') {
		bool neg = *x->p++ == '-';
		if (unary(x, v, live) < 0 || as_num(x, at, v, live) < 0)
			return x->rc;
		if (neg)
			v->d = -v->d;
		return 0;
	}
	if (*x->p == '(') {
		x->p++;
		if (or_expr(x, v, live) < 0)
			return x->rc;
		if (!eat(x, ")"))
			return fail_at(x, x->p, "\")\" expected%s", NULL);
		return 0;
	}
	if (isdigit((unsigned char)*x->p) || *x->p == '.')
		return number(x, v);
	if (isalpha((unsigned char)*x->p) || *x->p == '_')
		return name_expr(x, v, live);
	if (!*x->p)
		return fail_at(x, x->p, "the condition ends where a value was expected%s", NULL);
	return fail_at(x, x->p, "unexpected \"%.1s\"", x->p);
}

typedef int (*level_fn)(struct px *, struct ev *, bool);

static int mul(struct px *x, struct ev *v, bool live)
{
	const char *at = (ws(x), x->p);
	if (unary(x, v, live) < 0)
		return x->rc;
	for (;;) {
		ws(x);
		char op = *x->p;
		if (op != '*' && op != '/' && op != '%')
			return 0;
		const char *oat = x->p++;
		struct ev r;
		const char *rat = (ws(x), x->p);
		if (unary(x, &r, live) < 0 || as_num(x, at, v, live) < 0 || as_num(x, rat, &r, live) < 0)
			return x->rc;
		if (op == '%' && live && r.d == 0)
			return fail_at(x, oat, "modulo by zero%s", NULL);
		v->d = op == '*' ? v->d * r.d : op == '/' ? v->d / r.d : fmod(v->d, r.d);
	}
}

static int add(struct px *x, struct ev *v, bool live)
{
	const char *at = (ws(x), x->p);
	if (mul(x, v, live) < 0)
		return x->rc;
	for (;;) {
		ws(x);
		char op = *x->p;
		if (op != '+' && op != '-')
			return 0;
		x->p++;
		struct ev r;
		const char *rat = (ws(x), x->p);
		if (mul(x, &r, live) < 0 || as_num(x, at, v, live) < 0 || as_num(x, rat, &r, live) < 0)
			return x->rc;
		v->d = op == '+' ? v->d + r.d : v->d - r.d;
	}
}

static const char *const cmp_ops[] = {"<=", ">=", "==", "!=", "<", ">"};

static bool cmp_apply(int k, double a, double b)
{
	switch (k) {
	case 0: return a <= b;
	case 1: return a >= b;
	case 2: return a == b;
	case 3: return a != b;
	case 4: return a < b;
	default: return a > b;
	}
}

static int cmp(struct px *x, struct ev *v, bool live)
{
	const char *at = (ws(x), x->p);
	if (add(x, v, live) < 0)
		return x->rc;
	ws(x);
	int k = -1;
	for (int i = 0; i < (int)ARRAY_LEN(cmp_ops) && k < 0; i++)
		if (!strncmp(x->p, cmp_ops[i], strlen(cmp_ops[i])))
			k = i;
	if (k < 0) {
		if (*x->p == '=' )
			return fail_at(x, x->p, "\"=\" is not an operator; use == to compare%s", NULL);
		return 0;
	}
	x->p += strlen(cmp_ops[k]);
	struct ev r;
	const char *rat = (ws(x), x->p);
	if (add(x, &r, live) < 0)
		return x->rc;
	if ((k == 2 || k == 3) && v->t == T_BOOL && r.t == T_BOOL) {
		*v = (struct ev){T_BOOL, cmp_apply(k, v->d, r.d)};
		return 0;
	}
	if (as_num(x, at, v, live) < 0 || as_num(x, rat, &r, live) < 0)
		return x->rc;
	*v = (struct ev){T_BOOL, cmp_apply(k, v->d, r.d)};
	return 0;
}

static int logic(struct px *x, struct ev *v, bool live, level_fn sub, const char *op, const char *word,
		 bool stop_on)
{
	const char *at = (ws(x), x->p);
	if (sub(x, v, live) < 0)
		return x->rc;
	bool first = true;
	for (;;) {
		if (!eat(x, op) && !eat(x, word))
			return 0;
		if (first && as_bool(x, at, v) < 0)
			return x->rc;
		first = false;
		bool decided = live && (v->d != 0) == stop_on;
		struct ev r;
		const char *rat = (ws(x), x->p);
		if (sub(x, &r, live && !decided) < 0 || as_bool(x, rat, &r) < 0)
			return x->rc;
		if (!decided)
			v->d = r.d;
	}
}

static int and_expr(struct px *x, struct ev *v, bool live) { return logic(x, v, live, cmp, "&&", "and", false); }
static int or_expr(struct px *x, struct ev *v, bool live) { return logic(x, v, live, and_expr, "||", "or", true); }

static int run(struct px *x, bool *out)
{
	struct ev v;
	if (or_expr(x, &v, true) < 0)
		return x->rc;
	ws(x);
	if (*x->p)
		return fail_at(x, x->p, "unexpected \"%.1s\" after the condition", x->p);
	if (v.t != T_BOOL)
		return fail_at(x, x->src, "the condition is %s, not true or false", tname(v.t));
	if (out)
		*out = v.d != 0;
	return 0;
}

int expr_eval(const char *src, const double *result, size_t n, bool *out, struct tops_err *err)
{
	struct px x = {.src = src, .p = src, .res = result, .n = n, .err = err};
	return run(&x, out);
}

int expr_check(const char *src, struct tops_err *err)
{
	struct px x = {.src = src, .p = src, .check = true, .n = 1, .err = err};
	return run(&x, NULL);
}
