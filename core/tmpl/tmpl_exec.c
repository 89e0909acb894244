/* tmpl_exec — executes parsed templates over struct value with Go's semantics and messages. */
#include "core/tmpl/tmpl_internal.h"
#include "core/tmpl/gofmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXEC_BREAK 1
#define EXEC_CONTINUE 2
/* Bytes of C stack nested template calls may use before we stop them. */
#define EXEC_STACK_LIMIT (3u << 20)

static struct value missing_value = {.type = V_NULL, .refs = 1 << 30};

struct value *tmpl_missing(void) { return &missing_value; }
bool tmpl_is_missing(const struct value *v) { return v == &missing_value; }

struct exec_root {
	int depth;
	long steps;           /* only counted in fuzzing builds */
	const char **stack;   /* names of active tmpl_exec_named/tmpl_exec_text calls */
	int nstack, capstack;
	char *stack_base;
};

struct tmpl_var {
	const char *name;
	struct value *val;
	bool iface;   /* came out of a list or map: Go's static type is interface {} */
};

struct tmpl_exec {
	struct tmpl_set *set;
	struct tmpl_tree *tree;
	struct strbuf *out;
	struct tops_err *err;
	struct tmpl_var *vars;
	int nvars, capvars;
	const struct tnode *node;
	struct exec_root *root;
	bool dot_iface;   /* dot is a range element (static type interface {}) */
};

static int walk(struct tmpl_exec *ex, struct value *dot, const struct tnode *n);
static int budget(struct tmpl_exec *ex);
static struct value *eval_pipeline(struct tmpl_exec *ex, struct value *dot, const struct tnode *pipe);
static struct value *eval_arg(struct tmpl_exec *ex, struct value *dot, const struct tnode *n);

/* ---- errors ---- */

static int exec_errorf(struct tmpl_exec *ex, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int exec_errorf(struct tmpl_exec *ex, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	if (!ex->node) {
		tops_err_set(ex->err, TOPS_EINVAL, "template: %s: %s", ex->tree->name, m);
	} else {
		struct strbuf ctx = STRBUF_INIT;
		tnode_string(ex->node, &ctx);
		if (ctx.len > 20)
			ctx.len = 20, sb_adds(&ctx, "...");
		tops_err_set(ex->err, TOPS_EINVAL, "template: %s:%d:%d: executing \"%s\" at <%s>: %s",
			     ex->tree->parse_name, ex->node->line, ex->node->col, ex->tree->name,
			     sb_str(&ctx), m);
		sb_done(&ctx);
	}
	free(m);
	return -TOPS_EINVAL;
}

/* ---- variables ---- */

static void push_var(struct tmpl_exec *ex, const char *name, struct value *v)
{
	if (ex->nvars == ex->capvars) {
		ex->capvars = ex->capvars ? ex->capvars * 2 : 8;
		ex->vars = xrealloc(ex->vars, (size_t)ex->capvars * sizeof *ex->vars);
	}
	ex->vars[ex->nvars++] = (struct tmpl_var){name, value_ref(v), false};
}

static void pop_vars(struct tmpl_exec *ex, int mark)
{
	while (ex->nvars > mark)
		value_unref(ex->vars[--ex->nvars].val);
}

static int set_var(struct tmpl_exec *ex, const char *name, struct value *v, bool iface)
{
	for (int i = ex->nvars - 1; i >= 0; i--)
		if (!strcmp(ex->vars[i].name, name)) {
			value_unref(ex->vars[i].val);
			ex->vars[i].val = value_ref(v);
			ex->vars[i].iface = iface;
			return 0;
		}
	return exec_errorf(ex, "undefined variable: %s", name);
}

static void set_top_var(struct tmpl_exec *ex, int n, struct value *v, bool iface)
{
	struct tmpl_var *t = &ex->vars[ex->nvars - n];
	value_unref(t->val);
	t->val = value_ref(v);
	t->iface = iface;
}

static struct value *var_value(struct tmpl_exec *ex, const char *name, bool *iface)
{
	for (int i = ex->nvars - 1; i >= 0; i--)
		if (!strcmp(ex->vars[i].name, name)) {
			*iface = ex->vars[i].iface;
			return value_ref(ex->vars[i].val);
		}
	exec_errorf(ex, "undefined variable: %s", name);
	return NULL;
}

/* ---- fields ---- */

static bool has_args(const struct tnode *cmd, struct value *final)
{
	return (cmd && cmd->nkids > 1) || final;
}

static int not_a_function(struct tmpl_exec *ex, const struct tnode *cmd, struct value *final)
{
	if (!has_args(cmd, final))
		return 0;
	struct strbuf sb = STRBUF_INIT;
	tnode_string(cmd->kids[0], &sb);
	exec_errorf(ex, "can't give argument to non-function %s", sb_str(&sb));
	sb_done(&sb);
	return -TOPS_EINVAL;
}

/* Arguments of a method call: cmd args after the first word, then the piped value. */
static int eval_call_args(struct tmpl_exec *ex, struct value *dot, const struct tnode *cmd,
			  struct value *final, struct value ***argv, int *argc)
{
	int n = (cmd ? cmd->nkids - 1 : 0) + (final ? 1 : 0);
	struct value **a = xcalloc((size_t)(n ? n : 1), sizeof *a);
	int k = 0;
	for (int i = 1; cmd && i < cmd->nkids; i++) {
		a[k] = eval_arg(ex, dot, cmd->kids[i]);
		if (!a[k]) {
			for (int j = 0; j < k; j++)
				value_unref(a[j]);
			free(a);
			return -TOPS_EINVAL;
		}
		k++;
	}
	if (final)
		a[k++] = value_ref(tmpl_is_missing(final) ? value_null() : final);
	*argv = a;
	*argc = k;
	return 0;
}

static void free_args(struct value **a, int n)
{
	for (int i = 0; i < n; i++)
		value_unref(a[i]);
	free(a);
}

static struct value *object_field(struct tmpl_exec *ex, struct value *dot, const char *name,
				  const struct tnode *cmd, struct value *final, struct value *recv)
{
	struct value **argv, *out = NULL;
	int argc;
	const struct tnode *at = ex->node;
	if (eval_call_args(ex, dot, cmd, final, &argv, &argc) < 0)
		return NULL;
	ex->node = at;
	for (int i = 0; i < argc; i++)
		if (tmpl_is_missing(argv[i]))
			argv[i] = value_null();
	struct tops_err e = {0};
	int rc = recv->u.obj.ops->call(recv, name, argv, argc, &out, &e);
	free_args(argv, argc);
	if (rc == -TOPS_ENOENT && !e.msg)
		exec_errorf(ex, "can't evaluate field %s in type %s", name, value_type_name(recv));
	else if (rc < 0)
		exec_errorf(ex, "error calling %s: %s", name, tops_err_msg(&e));
	tops_err_clear(&e);
	if (rc < 0) {
		value_unref(out);
		return NULL;
	}
	return out ? out : value_null();
}

static struct value *map_field(struct tmpl_exec *ex, const char *name, const struct tnode *cmd,
			       struct value *final, struct value *recv)
{
	if (has_args(cmd, final)) {
		exec_errorf(ex, "%s is not a method but has arguments", name);
		return NULL;
	}
	struct value *v = value_map_get(recv, name);
	if (v)
		return value_ref(v);
	switch (ex->set->mode) {
	case TMPL_MISSING_ZERO:
		return recv->sub == VS_MAPSTR ? value_str("") : value_null();
	case TMPL_MISSING_ERROR:
		exec_errorf(ex, "map has no entry for key \"%s\"", name);
		return NULL;
	default:
		return tmpl_missing();
	}
}

/* iface: recv's Go static type is interface {} (it came out of a map or list); Go names that
 * type, not the dynamic one, in its messages. */
static struct value *eval_field(struct tmpl_exec *ex, struct value *dot, const char *name,
				const struct tnode *cmd, struct value *final, struct value *recv,
				bool iface)
{
	if (tmpl_is_missing(recv)) {
		if (ex->set->mode == TMPL_MISSING_ERROR) {
			exec_errorf(ex, "nil data; no entry for key \"%s\"", name);
			return NULL;
		}
		return tmpl_missing();
	}
	switch (recv->type) {
	case V_OBJECT: return object_field(ex, dot, name, cmd, final, recv);
	case V_MAP: return map_field(ex, name, cmd, final, recv);
	case V_NULL:
		exec_errorf(ex, "nil pointer evaluating interface {}.%s", name);
		return NULL;
	default:
		exec_errorf(ex, "can't evaluate field %s in type %s", name,
			    iface ? "interface {}" : value_type_name(recv));
		return NULL;
	}
}

/* Takes recv. */
static struct value *eval_field_chain(struct tmpl_exec *ex, struct value *dot, struct value *recv,
				      bool iface, const struct tnode *node, char **idents, int n,
				      const struct tnode *cmd, struct value *final)
{
	for (int i = 0; i < n && recv; i++) {
		ex->node = node;
		struct value *next = eval_field(ex, dot, idents[i], i == n - 1 ? cmd : NULL,
						i == n - 1 ? final : NULL, recv, iface);
		iface = recv->type == V_MAP && recv->sub != VS_MAPSTR;
		value_unref(recv);
		recv = next;
	}
	return recv;
}

static struct value *eval_variable_node(struct tmpl_exec *ex, struct value *dot,
					const struct tnode *v, const struct tnode *cmd,
					struct value *final)
{
	ex->node = v;
	bool iface = false;
	struct value *val = var_value(ex, v->idents[0], &iface);
	if (!val)
		return NULL;
	if (v->nidents == 1) {
		if (not_a_function(ex, cmd, final) < 0) {
			value_unref(val);
			return NULL;
		}
		return val;
	}
	return eval_field_chain(ex, dot, val, iface, v, v->idents + 1, v->nidents - 1, cmd, final);
}

static struct value *eval_chain_node(struct tmpl_exec *ex, struct value *dot,
				     const struct tnode *c, const struct tnode *cmd,
				     struct value *final)
{
	ex->node = c;
	if (c->pipe->type == N_NIL) {
		struct strbuf sb = STRBUF_INIT;
		tnode_string(c, &sb);
		exec_errorf(ex, "indirection through explicit nil in %s", sb_str(&sb));
		sb_done(&sb);
		return NULL;
	}
	struct value *recv = eval_arg(ex, dot, c->pipe);
	if (!recv)
		return NULL;
	return eval_field_chain(ex, dot, recv, false, c, c->idents, c->nidents, cmd, final);
}

/* ---- functions ---- */

static int check_arity(struct tmpl_exec *ex, const struct tmpl_func *fn, int given, int numin)
{
	if (fn->max_args < 0) {
		if (numin < fn->min_args)
			return exec_errorf(ex, "wrong number of args for %s: want at least %d got %d",
					   fn->name, fn->min_args, given);
		return 0;
	}
	if (numin < fn->min_args || numin > fn->max_args)
		return exec_errorf(ex, "wrong number of args for %s: want %d got %d", fn->name,
				   numin < fn->min_args ? fn->min_args : fn->max_args, numin);
	return 0;
}

/* and/or evaluate lazily and return the deciding value. */
static struct value *eval_and_or(struct tmpl_exec *ex, struct value *dot, const struct tnode *cmd,
				 struct value *final, bool is_or)
{
	struct value *v = NULL;
	for (int i = 1; i < cmd->nkids; i++) {
		value_unref(v);
		v = eval_arg(ex, dot, cmd->kids[i]);
		if (!v || value_truthy(v) == is_or)
			return v;
	}
	if (final) {
		value_unref(v);
		v = value_ref(final);
	}
	return v;
}

/* printf's format is Go's only typed builtin parameter; a wrong type fails the way Go's
 * argument check does, naming the argument rather than "error calling printf". */
static int check_format_arg(struct tmpl_exec *ex, const struct tnode *cmd, const struct tnode *id,
			    const struct value *v)
{
	ex->node = cmd->nkids > 1 ? cmd->kids[1] : id;
	if (tmpl_is_missing(v))
		return exec_errorf(ex, "invalid value; expected string");
	if (v->type != V_STRING || v->sub == VS_BYTES)
		return exec_errorf(ex, "wrong type for value; expected string; got %s",
				   v->type == V_NULL ? "interface {}" : value_type_name(v));
	return 0;
}

/* ctx is the node Go names in "error calling" messages: the command, or the identifier when
 * the function is an argument. */
static struct value *eval_function(struct tmpl_exec *ex, struct value *dot, const struct tnode *id,
				   const struct tnode *cmd, const struct tnode *ctx,
				   struct value *final)
{
	const struct tmpl_func *fn = id->fn;
	int given = cmd->nkids - 1;
	ex->node = id;
	if (check_arity(ex, fn, given, given + (final ? 1 : 0)) < 0)
		return NULL;
	if (id->builtin && (!strcmp(fn->name, "and") || !strcmp(fn->name, "or")))
		return eval_and_or(ex, dot, cmd, final, fn->name[0] == 'o');
	struct value **argv;
	int argc;
	if (eval_call_args(ex, dot, cmd, final, &argv, &argc) < 0)
		return NULL;
	if (final && id->builtin)  /* builtins see Go's invalid value as such */
		value_unref(argv[argc - 1]), argv[argc - 1] = value_ref(final);
	if (!id->builtin)
		for (int i = 0; i < argc; i++)
			if (tmpl_is_missing(argv[i]))
				argv[i] = value_null();
	if (id->builtin && !strcmp(fn->name, "printf") && check_format_arg(ex, cmd, id, argv[0]) < 0) {
		free_args(argv, argc);
		return NULL;
	}
	struct value *out = NULL;
	struct tops_err e = {0};
	ex->node = id;
	int rc = fn->fn(ex, argv, argc, &out, &e);
	free_args(argv, argc);
	if (rc < 0) {
		ex->node = ctx;
		exec_errorf(ex, "error calling %s: %s", fn->name, e.msg ? e.msg : "failed");
		if (ex->err && e.code)
			ex->err->code = e.code;
		tops_err_clear(&e);
		value_unref(out);
		return NULL;
	}
	tops_err_clear(&e);
#ifdef TOPS_FUZZ
	if (out && out->type == V_STRING && out->u.str.len > (1u << 20)) {
		value_unref(out);
		exec_errorf(ex, "execution budget exceeded");
		return NULL;
	}
#endif
	return out ? out : value_null();
}

/* ---- commands and pipelines ---- */

static struct value *eval_constant(struct tmpl_exec *ex, const struct tnode *n)
{
	ex->node = n;
	switch (n->type) {
	case N_BOOL: case N_STRING: return value_ref(n->val);
	case N_NUMBER:
		if (n->val)
			return value_ref(n->val);
		exec_errorf(ex, "%s overflows int", n->text);
		return NULL;
	case N_NIL:
		exec_errorf(ex, "nil is not a command");
		return NULL;
	default:
		exec_errorf(ex, "can't evaluate command");
		return NULL;
	}
}

static struct value *eval_command(struct tmpl_exec *ex, struct value *dot, const struct tnode *cmd,
				  struct value *final)
{
	const struct tnode *first = cmd->kids[0];
	switch (first->type) {
	case N_FIELD:
		ex->node = first;
		return eval_field_chain(ex, dot, value_ref(dot), ex->dot_iface, first, first->idents,
					first->nidents,
					cmd, final);
	case N_CHAIN: return eval_chain_node(ex, dot, first, cmd, final);
	case N_IDENT: return eval_function(ex, dot, first, cmd, cmd, final);
	case N_VARIABLE: return eval_variable_node(ex, dot, first, cmd, final);
	default: break;
	}
	ex->node = first;
	if (not_a_function(ex, cmd, final) < 0)
		return NULL;
	if (first->type == N_PIPE)
		return eval_pipeline(ex, dot, first);
	if (first->type == N_DOT)
		return value_ref(dot);
	return eval_constant(ex, first);
}

static struct value *eval_arg(struct tmpl_exec *ex, struct value *dot, const struct tnode *n)
{
	ex->node = n;
	switch (n->type) {
	case N_DOT: return value_ref(dot);
	case N_NIL: return value_null();
	case N_FIELD:
		return eval_field_chain(ex, dot, value_ref(dot), ex->dot_iface, n, n->idents,
					n->nidents, NULL, NULL);
	case N_VARIABLE: return eval_variable_node(ex, dot, n, NULL, NULL);
	case N_PIPE: return eval_pipeline(ex, dot, n);
	case N_IDENT: {
		struct tnode cmd = {.type = N_COMMAND, .nkids = 1, .kids = (struct tnode **)&n};
		return eval_function(ex, dot, n, &cmd, n, NULL);
	}
	case N_CHAIN: return eval_chain_node(ex, dot, n, NULL, NULL);
	default: return eval_constant(ex, n);
	}
}

static struct value *eval_pipeline(struct tmpl_exec *ex, struct value *dot, const struct tnode *pipe)
{
	struct value *v = NULL;
	if (!pipe)
		return tmpl_missing();
	ex->node = pipe;
	for (int i = 0; i < pipe->nkids; i++) {
		struct value *next = eval_command(ex, dot, pipe->kids[i], v);
		value_unref(v);
		if (!next)
			return NULL;
		v = next;
	}
	if (v->type == V_NULL) {  /* Go turns a nil interface into an invalid value here */
		value_unref(v);
		v = tmpl_missing();
	}
	for (int i = 0; i < pipe->nidents; i++) {
		if (pipe->is_assign) {
			if (set_var(ex, pipe->idents[i], v, false) < 0) {
				value_unref(v);
				return NULL;
			}
		} else {
			push_var(ex, pipe->idents[i], v);
		}
	}
	return v;
}

/* ---- statements ---- */

void tmpl_print_value(struct strbuf *out, const struct value *v)
{
	if (!v || v->type == V_NULL)
		sb_adds(out, "<no value>");
	else
		tmpl_fmt_value(out, v);
}

static int walk_list(struct tmpl_exec *ex, struct value *dot, const struct tnode *list)
{
	for (int i = 0; list && i < list->nkids; i++) {
		int rc = walk(ex, dot, list->kids[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int walk_if_with(struct tmpl_exec *ex, struct value *dot, const struct tnode *n)
{
	int mark = ex->nvars;
	struct value *v = eval_pipeline(ex, dot, n->pipe);
	int rc = -TOPS_EINVAL;
	if (v && value_truthy(v)) {
		bool saved = ex->dot_iface;
		if (n->type == N_WITH)
			ex->dot_iface = false;  /* a pipeline result has its dynamic type */
		rc = walk_list(ex, n->type == N_WITH ? v : dot, n->list);
		ex->dot_iface = saved;
	} else if (v) {
		rc = walk_list(ex, dot, n->else_list);
	}
	value_unref(v);
	pop_vars(ex, mark);
	return rc;
}

/* One range iteration: sets the declared variables, walks the body. */
static int range_once(struct tmpl_exec *ex, const struct tnode *n, struct value *index,
		      struct value *elem, bool iface)
{
	const struct tnode *pipe = n->pipe;
	int rc = 0;
	if (pipe->nidents > 0) {
		if (pipe->is_assign)
			rc = set_var(ex, pipe->idents[0], pipe->nidents > 1 ? index : elem,
				     pipe->nidents > 1 ? false : iface);
		else
			set_top_var(ex, 1, elem, iface);
	}
	if (rc == 0 && pipe->nidents > 1) {
		if (pipe->is_assign)
			rc = set_var(ex, pipe->idents[1], elem, iface);
		else
			set_top_var(ex, 2, index, false);
	}
	if (rc < 0 || (rc = budget(ex)) < 0)
		return rc;
	int mark = ex->nvars;
	bool saved = ex->dot_iface;
	ex->dot_iface = iface;
	rc = walk_list(ex, elem, n->list);
	ex->dot_iface = saved;
	pop_vars(ex, mark);
	return rc == EXEC_CONTINUE ? 0 : rc;
}

/* The length is taken once, as Go does; each element is held while the body runs, since the
 * body may change the list through functions. */
static int range_list(struct tmpl_exec *ex, const struct tnode *n, struct value *v, bool *ran)
{
	int rc = 0;
	size_t len = v->u.list.len;
	for (size_t i = 0; i < len && i < v->u.list.len && rc == 0; i++) {
		struct value *idx = value_int((int64_t)i);
		struct value *elem = value_ref(v->u.list.items[i]);
		*ran = true;
		rc = range_once(ex, n, idx, elem, v->sub != VS_STRINGS);
		value_unref(elem);
		value_unref(idx);
	}
	return rc;
}

/* Keys are sorted and taken up front and each value is looked up when its turn comes, as Go
 * does; the body may set or unset keys of the map it ranges over (Sprig's set/unset). */
static int range_map(struct tmpl_exec *ex, const struct tnode *n, struct value *v, bool *ran)
{
	int rc = 0;
	size_t len = v->u.map.len;
	struct value **keys = xcalloc(len ? len : 1, sizeof *keys);
	for (size_t i = 0; i < len; i++)
		keys[i] = value_str(v->u.map.e[i].key);
	for (size_t i = 0; i < len && rc == 0; i++) {
		struct value *elem = value_map_getn(v, keys[i]->u.str.s, keys[i]->u.str.len);
		elem = elem ? value_ref(elem) : tmpl_missing();
		*ran = true;
		rc = range_once(ex, n, keys[i], elem, v->sub != VS_MAPSTR);
		value_unref(elem);
	}
	for (size_t i = 0; i < len; i++)
		value_unref(keys[i]);
	free(keys);
	return rc;
}

static int range_int(struct tmpl_exec *ex, const struct tnode *n, struct value *v, bool *ran)
{
	int rc = 0;
	if (n->pipe->nidents > 1)
		return exec_errorf(ex, "can't use %lld to iterate over more than one variable",
				   (long long)v->u.i);
	for (int64_t i = 0; i < v->u.i && rc == 0; i++) {
		struct value *iv = value_int(i);
		*ran = true;
		rc = range_once(ex, n, iv, iv, false);
		value_unref(iv);
	}
	return rc;
}

static int walk_range(struct tmpl_exec *ex, struct value *dot, const struct tnode *n)
{
	ex->node = n;
	int mark = ex->nvars;
	struct value *v = eval_pipeline(ex, dot, n->pipe);
	if (!v)
		return -TOPS_EINVAL;
	bool ran = false;
	int rc = 0;
	struct value *view = value_map_view(v);
	if (view) {
		value_unref(v);
		v = view;
	}
	if (v->type == V_LIST)
		rc = range_list(ex, n, v, &ran);
	else if (v->type == V_MAP)
		rc = range_map(ex, n, v, &ran);
	else if (v->type == V_INT)
		rc = range_int(ex, n, v, &ran);
	else if (v->type != V_NULL) {
		struct strbuf sb = STRBUF_INIT;
		tmpl_fmt_value(&sb, v);
		ex->node = n;
		rc = exec_errorf(ex, "range can't iterate over %s", sb_str(&sb));
		sb_done(&sb);
	}
	if (rc == EXEC_BREAK)
		rc = 0;
	if (rc == 0 && !ran)
		rc = walk_list(ex, dot, n->else_list);
	value_unref(v);
	pop_vars(ex, mark);
	return rc;
}

static int depth_check(struct tmpl_exec *ex)
{
	char here;
	struct exec_root *r = ex->root;
	size_t used = r->stack_base > &here ? (size_t)(r->stack_base - &here)
					    : (size_t)(&here - r->stack_base);
	if (r->depth >= TMPL_MAX_EXEC_DEPTH || used > EXEC_STACK_LIMIT)
		return exec_errorf(ex, "exceeded maximum template depth (%d)", TMPL_MAX_EXEC_DEPTH);
	return 0;
}

/* Runs tree with a fresh variable scope ($ = dot). */
static int run_tree(struct tmpl_exec *parent, struct tmpl_set *set, struct tmpl_tree *tree,
		    struct value *dot, struct strbuf *out, struct tops_err *err)
{
	struct tmpl_exec ex = {.set = set, .tree = tree, .out = out, .err = err, .root = parent->root};
	push_var(&ex, "$", dot);
	ex.root->depth++;
	int rc = walk_list(&ex, dot, tree->root);
	ex.root->depth--;
	pop_vars(&ex, 0);
	free(ex.vars);
	return rc < 0 ? rc : 0;
}

static int walk_template(struct tmpl_exec *ex, struct value *dot, const struct tnode *n)
{
	ex->node = n;
	struct tmpl_tree *t = tmpl_set_lookup(ex->set, n->text);
	if (!t)
		return exec_errorf(ex, "template \"%s\" not defined", n->text);
	if (depth_check(ex) < 0)
		return -TOPS_ETOOBIG;
	struct value *v = eval_pipeline(ex, dot, n->pipe);
	if (!v)
		return -TOPS_EINVAL;
	t->refs++;
	int rc = run_tree(ex, ex->set, t, v, ex->out, ex->err);
	tmpl_tree_unref(t);
	value_unref(v);
	return rc;
}

static int walk_action(struct tmpl_exec *ex, struct value *dot, const struct tnode *n)
{
	ex->node = n;
	struct value *v = eval_pipeline(ex, dot, n->pipe);
	if (!v)
		return -TOPS_EINVAL;
	if (n->pipe->nidents == 0)
		tmpl_print_value(ex->out, v);
	value_unref(v);
	return 0;
}

/* Fuzzing builds bound the work one input can cause; real templates are not limited. */
static int budget(struct tmpl_exec *ex)
{
#ifdef TOPS_FUZZ
	if (++ex->root->steps > 100000 || ex->out->len > (1u << 20))
		return exec_errorf(ex, "execution budget exceeded");
#else
	(void)ex;
#endif
	return 0;
}

static int walk(struct tmpl_exec *ex, struct value *dot, const struct tnode *n)
{
	if (budget(ex) < 0)
		return -TOPS_ETOOBIG;
	switch (n->type) {
	case N_TEXT: sb_add(ex->out, n->text, n->len); return 0;
	case N_ACTION: return walk_action(ex, dot, n);
	case N_IF: case N_WITH: ex->node = n; return walk_if_with(ex, dot, n);
	case N_RANGE: return walk_range(ex, dot, n);
	case N_TEMPLATE: return walk_template(ex, dot, n);
	case N_BREAK: return EXEC_BREAK;
	case N_CONTINUE: return EXEC_CONTINUE;
	case N_LIST: return walk_list(ex, dot, n);
	default:
		ex->node = n;
		return exec_errorf(ex, "unknown node");
	}
}

/* ---- public ---- */

int tmpl_execute(struct tmpl_set *set, const char *name, struct value *dot, struct strbuf *out,
		 struct tops_err *err)
{
	char base;
	struct tmpl_tree *t = tmpl_set_lookup(set, name);
	if (!t)
		return tops_err_set(err, TOPS_ENOENT, "template: no template \"%s\" associated with template \"%s\"",
				    name, name);
	struct exec_root root = {.stack_base = &base};
	struct tmpl_exec top = {.set = set, .tree = t, .out = out, .err = err, .root = &root};
	t->refs++;
	int rc = run_tree(&top, set, t, dot && dot->type != V_NULL ? dot : tmpl_missing(), out, err);
	tmpl_tree_unref(t);
	free(root.stack);
	return rc;
}

void *tmpl_exec_user(struct tmpl_exec *ex) { return ex->set->user; }
struct tmpl_set *tmpl_exec_set(struct tmpl_exec *ex) { return ex->set; }
const char *tmpl_exec_name(struct tmpl_exec *ex) { return ex->tree->name; }

void tmpl_exec_pos(struct tmpl_exec *ex, int *line, int *col)
{
	*line = ex->node ? ex->node->line : 0;
	*col = ex->node ? ex->node->col : 0;
}

static void stack_push(struct exec_root *r, const char *name)
{
	if (r->nstack == r->capstack) {
		r->capstack = r->capstack ? r->capstack * 2 : 16;
		r->stack = xrealloc(r->stack, (size_t)r->capstack * sizeof *r->stack);
	}
	r->stack[r->nstack++] = name;
}

int tmpl_exec_named(struct tmpl_exec *ex, const char *name, struct value *dot, struct strbuf *out,
		    struct tops_err *err)
{
	struct tmpl_tree *t = tmpl_set_lookup(ex->set, name);
	if (!t)
		return tops_err_set(err, TOPS_ENOENT,
				    "template: no template \"%s\" associated with template \"%s\"",
				    name, ex->tree->name);
	struct tmpl_exec probe = *ex;
	probe.err = err;
	if (depth_check(&probe) < 0)
		return -TOPS_ETOOBIG;
	stack_push(ex->root, name);
	t->refs++;
	int rc = run_tree(ex, ex->set, t, dot && dot->type != V_NULL ? dot : tmpl_missing(), out, err);
	tmpl_tree_unref(t);
	ex->root->nstack--;
	return rc;
}

int tmpl_exec_text(struct tmpl_exec *ex, const char *name, const char *text, size_t len,
		   struct value *dot, struct strbuf *out, struct tops_err *err)
{
	struct tmpl_exec probe = *ex;
	probe.err = err;
	if (depth_check(&probe) < 0)
		return -TOPS_ETOOBIG;
	struct tmpl_set *clone = tmpl_set_clone(ex->set);
	struct tmpl_tree *t = NULL;
	int rc = tmpl_parse_main(clone, name, text, len, &t, err);
	if (rc == 0) {
		/* Like Go's t.New(name).Parse(text).Execute: the new text runs even when its body is
		 * empty and so did not replace an existing template of that name. */
		stack_push(ex->root, name);
		rc = run_tree(ex, clone, t, dot && dot->type != V_NULL ? dot : tmpl_missing(), out, err);
		ex->root->nstack--;
		tmpl_tree_unref(t);
	}
	tmpl_set_free(clone);
	return rc;
}

int tmpl_exec_depth(struct tmpl_exec *ex, const char *name)
{
	int n = 0;
	for (int i = 0; i < ex->root->nstack; i++)
		if (!strcmp(ex->root->stack[i], name))
			n++;
	return n;
}
