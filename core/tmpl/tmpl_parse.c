/* tmpl_parse — Go text/template parser (mirrors text/template/parse) plus the template set and
 * the function registry. */
#include "core/tmpl/tmpl_internal.h"
#include "core/tmpl/gofmt.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- function registry ---- */

struct tmpl_funcs {
	const struct tmpl_func **f;  /* sorted by name */
	size_t n, cap;
};

struct tmpl_funcs *tmpl_funcs_new(void) { return xcalloc(1, sizeof(struct tmpl_funcs)); }

static size_t funcs_find(const struct tmpl_funcs *f, const char *name, bool *found)
{
	size_t lo = 0, hi = f->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(f->f[mid]->name, name);
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

void tmpl_funcs_add(struct tmpl_funcs *f, const struct tmpl_func *table, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool found;
		size_t at = funcs_find(f, table[i].name, &found);
		if (found) {
			f->f[at] = &table[i];
			continue;
		}
		if (f->n == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 64;
			f->f = xrealloc(f->f, f->cap * sizeof *f->f);
		}
		memmove(f->f + at + 1, f->f + at, (f->n - at) * sizeof *f->f);
		f->f[at] = &table[i];
		f->n++;
	}
}

const struct tmpl_func *tmpl_funcs_find(const struct tmpl_funcs *f, const char *name)
{
	bool found;
	if (!f)
		return NULL;
	size_t at = funcs_find(f, name, &found);
	return found ? f->f[at] : NULL;
}

void tmpl_funcs_free(struct tmpl_funcs *f)
{
	if (!f)
		return;
	free(f->f);
	free(f);
}

/* The set's functions first, then the builtins it was given (Go's parse.Parse takes both maps). */
static const struct tmpl_func *func_lookup(const struct tmpl_set *set, const char *name, bool *builtin)
{
	const struct tmpl_func *fn = tmpl_funcs_find(set->funcs, name);
	*builtin = false;
	if (fn || !set->builtins)
		return fn;
	fn = set->builtins(name);
	*builtin = fn != NULL;
	return fn;
}

/* ---- set ---- */

struct tmpl_set *tmpl_set_init(const struct tmpl_funcs *funcs, tmpl_builtin_fn builtins,
			       enum tmpl_missingkey mode)
{
	struct tmpl_set *s = xcalloc(1, sizeof *s);
	s->funcs = funcs;
	s->builtins = builtins;
	s->mode = mode;
	return s;
}

void tmpl_tree_unref(struct tmpl_tree *t)
{
	if (!t || --t->refs > 0)
		return;
	free(t->name);
	free(t->parse_name);
	tnode_free(t->root);
	free(t);
}

void tmpl_set_free(struct tmpl_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++) {
		free(set->e[i].name);
		tmpl_tree_unref(set->e[i].tree);
	}
	free(set->e);
	free(set);
}

void tmpl_set_user(struct tmpl_set *set, void *user) { set->user = user; }

static size_t set_find(const struct tmpl_set *set, const char *name, bool *found)
{
	size_t lo = 0, hi = set->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(set->e[mid].name, name);
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

struct tmpl_tree *tmpl_set_lookup(const struct tmpl_set *set, const char *name)
{
	bool found;
	size_t at = set_find(set, name, &found);
	return found ? set->e[at].tree : NULL;
}

void tmpl_last_error_pos(const struct tmpl_set *set, int *line, int *col)
{
	*line = set->err_line;
	*col = set->err_col;
}

bool tmpl_has(const struct tmpl_set *set, const char *name)
{
	return tmpl_set_lookup(set, name) != NULL;
}

/* Go's associate(): an empty tree never replaces an existing non-empty one. Takes t. */
static void set_put(struct tmpl_set *set, struct tmpl_tree *t)
{
	bool found;
	size_t at = set_find(set, t->name, &found);
	if (found) {
		if (tmpl_tree_empty(t->root) && !tmpl_tree_empty(set->e[at].tree->root)) {
			tmpl_tree_unref(t);
			return;
		}
		tmpl_tree_unref(set->e[at].tree);
		set->e[at].tree = t;
		return;
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->e = xrealloc(set->e, set->cap * sizeof *set->e);
	}
	memmove(set->e + at + 1, set->e + at, (set->n - at) * sizeof *set->e);
	set->e[at] = (struct tmpl_entry){xstrdup(t->name), t};
	set->n++;
}

struct tmpl_set *tmpl_set_clone(const struct tmpl_set *set)
{
	struct tmpl_set *c = tmpl_set_init(set->funcs, set->builtins, set->mode);
	c->user = set->user;
	c->cap = c->n = set->n;
	c->e = xcalloc(c->n ? c->n : 1, sizeof *c->e);
	for (size_t i = 0; i < set->n; i++) {
		c->e[i].name = xstrdup(set->e[i].name);
		c->e[i].tree = set->e[i].tree;
		c->e[i].tree->refs++;
	}
	return c;
}

/* ---- nodes ---- */

static struct tnode *node_new(enum tnode_type t, const struct tok *k)
{
	struct tnode *n = xcalloc(1, sizeof *n);
	n->type = t;
	if (k) {
		n->line = k->line;
		n->col = k->col;
	}
	return n;
}

static void node_add(struct tnode *n, struct tnode *kid)
{
	if (n->nkids == n->capkids) {
		n->capkids = n->capkids ? n->capkids * 2 : 4;
		n->kids = xrealloc(n->kids, (size_t)n->capkids * sizeof *n->kids);
	}
	n->kids[n->nkids++] = kid;
}

static void node_ident(struct tnode *n, const char *s, size_t len)
{
	n->idents = xrealloc(n->idents, (size_t)(n->nidents + 1) * sizeof *n->idents);
	n->idents[n->nidents++] = xstrndup(s, len);
}

void tnode_free(struct tnode *n)
{
	if (!n)
		return;
	free(n->text);
	value_unref(n->val);
	tnode_free(n->pipe);
	tnode_free(n->list);
	tnode_free(n->else_list);
	for (int i = 0; i < n->nkids; i++)
		tnode_free(n->kids[i]);
	free(n->kids);
	for (int i = 0; i < n->nidents; i++)
		free(n->idents[i]);
	free(n->idents);
	free(n);
}

bool tmpl_tree_empty(const struct tnode *list)
{
	if (!list)
		return true;
	for (int i = 0; i < list->nkids; i++) {
		const struct tnode *k = list->kids[i];
		if (k->type != N_TEXT)
			return false;
		for (size_t j = 0; j < k->len; j++)
			if (!strchr(" \t\r\n\v\f", k->text[j]))
				return false;
	}
	return true;
}

static void idents_string(const struct tnode *n, int from, struct strbuf *sb)
{
	for (int i = from; i < n->nidents; i++) {
		sb_addc(sb, '.');
		sb_adds(sb, n->idents[i]);
	}
}

static void pipe_string(const struct tnode *n, struct strbuf *sb)
{
	for (int i = 0; i < n->nidents; i++) {
		if (i)
			sb_adds(sb, ", ");
		sb_adds(sb, n->idents[i]);
	}
	if (n->nidents)
		sb_adds(sb, n->is_assign ? " = " : " := ");
	for (int i = 0; i < n->nkids; i++) {
		if (i)
			sb_adds(sb, " | ");
		tnode_string(n->kids[i], sb);
	}
}

static void command_string(const struct tnode *n, struct strbuf *sb)
{
	for (int i = 0; i < n->nkids; i++) {
		if (i)
			sb_addc(sb, ' ');
		if (n->kids[i]->type == N_PIPE) {
			sb_addc(sb, '(');
			tnode_string(n->kids[i], sb);
			sb_addc(sb, ')');
		} else {
			tnode_string(n->kids[i], sb);
		}
	}
}

static void control_string(const char *kw, const struct tnode *n, struct strbuf *sb)
{
	sb_addf(sb, "{{%s ", kw);
	tnode_string(n->pipe, sb);
	sb_adds(sb, "}}");
	tnode_string(n->list, sb);
	if (n->else_list) {
		sb_adds(sb, "{{else}}");
		tnode_string(n->else_list, sb);
	}
	sb_adds(sb, "{{end}}");
}

void tnode_string(const struct tnode *n, struct strbuf *sb)
{
	if (!n)
		return;
	switch (n->type) {
	case N_LIST:
		for (int i = 0; i < n->nkids; i++)
			tnode_string(n->kids[i], sb);
		break;
	case N_TEXT: sb_add(sb, n->text, n->len); break;
	case N_ACTION: sb_adds(sb, "{{"); tnode_string(n->pipe, sb); sb_adds(sb, "}}"); break;
	case N_IF: control_string("if", n, sb); break;
	case N_RANGE: control_string("range", n, sb); break;
	case N_WITH: control_string("with", n, sb); break;
	case N_TEMPLATE:
		sb_adds(sb, "{{template ");
		go_quote(sb, n->text, n->len, false);
		if (n->pipe) {
			sb_addc(sb, ' ');
			tnode_string(n->pipe, sb);
		}
		sb_adds(sb, "}}");
		break;
	case N_BREAK: sb_adds(sb, "{{break}}"); break;
	case N_CONTINUE: sb_adds(sb, "{{continue}}"); break;
	case N_END: sb_adds(sb, "{{end}}"); break;
	case N_ELSE: sb_adds(sb, "{{else}}"); break;
	case N_PIPE: pipe_string(n, sb); break;
	case N_COMMAND: command_string(n, sb); break;
	case N_FIELD: idents_string(n, 0, sb); break;
	case N_VARIABLE: sb_adds(sb, n->idents[0]); idents_string(n, 1, sb); break;
	case N_CHAIN:
		if (n->pipe->type == N_PIPE) {
			sb_addc(sb, '(');
			tnode_string(n->pipe, sb);
			sb_addc(sb, ')');
		} else {
			tnode_string(n->pipe, sb);
		}
		idents_string(n, 0, sb);
		break;
	case N_DOT: sb_addc(sb, '.'); break;
	case N_NIL: sb_adds(sb, "nil"); break;
	case N_BOOL: case N_NUMBER: case N_STRING: case N_IDENT:
		sb_add(sb, n->text, n->len);
		break;
	}
}

/* ---- parser ---- */

struct parser {
	struct tmpl_tokens toks;
	size_t i;
	const char *parse_name;
	struct tmpl_set *set;
	char **vars;
	int nvars, capvars, var_base;
	int range_depth, depth;
	struct tnode **dead;      /* roots replaced within this parse, freed on success */
	size_t ndead;
	int action_line;
	struct tnode **all;       /* every node made by this parse, freed shallowly on error */
	size_t nall, capall;
	struct tmpl_tree **trees; /* trees made by this parse, added to the set on success */
	size_t ntrees;
	jmp_buf jb;
	char *errmsg;
	int err_line, err_col;
};

static struct tnode *pnode(struct parser *p, enum tnode_type t, const struct tok *k)
{
	struct tnode *n = node_new(t, k);
	if (p->nall == p->capall) {
		p->capall = p->capall ? p->capall * 2 : 64;
		p->all = xrealloc(p->all, p->capall * sizeof *p->all);
	}
	p->all[p->nall++] = n;
	return n;
}

static const struct tok *cur_tok(struct parser *p)
{
	return &p->toks.t[p->i ? p->i - 1 : 0];
}

static void perror_at(struct parser *p, const struct tok *k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
static void perror_at(struct parser *p, const struct tok *k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = xvasprintf(fmt, ap);
	va_end(ap);
	p->errmsg = xasprintf("template: %s:%d: %s", p->parse_name, k->line, m);
	p->err_line = k->line;
	p->err_col = k->col + 1;
	free(m);
	longjmp(p->jb, 1);
}

#define PERR(p, ...) perror_at((p), cur_tok(p), __VA_ARGS__)

static const struct tok *next(struct parser *p)
{
	const struct tok *t = &p->toks.t[p->i];
	if (t->type != TK_EOF && t->type != TK_ERROR)
		p->i++;
	else
		p->i = (size_t)(t - p->toks.t) + 1;
	return t;
}

static void backup(struct parser *p) { p->i--; }

static const struct tok *peek(struct parser *p) { return &p->toks.t[p->i]; }

static const struct tok *next_nonspace(struct parser *p)
{
	const struct tok *t;
	do
		t = next(p);
	while (t->type == TK_SPACE);
	return t;
}

static const struct tok *peek_nonspace(struct parser *p)
{
	const struct tok *t = next_nonspace(p);
	backup(p);
	return t;
}

/* Go's item.String() for messages: keywords (and nil, dot) in <>, others quoted, at most 10
 * runes. */
static void tok_desc(const struct tok *t, char *buf, size_t n)
{
	if (t->type == TK_EOF) {
		snprintf(buf, n, "EOF");
	} else if (t->type == TK_ERROR) {
		snprintf(buf, n, "%.*s", (int)t->len, t->s);
	} else if (t->type >= TK_BLOCK || t->type == TK_NIL || t->type == TK_DOT) {
		snprintf(buf, n, "<%.*s>", (int)t->len, t->s);
	} else {
		size_t len = 0, runes = 0;
		while (len < t->len && runes < 10) {
			len++;
			while (len < t->len && ((unsigned char)t->s[len] & 0xC0) == 0x80)
				len++;
			runes++;
		}
		struct strbuf q = STRBUF_INIT;
		go_quote(&q, t->s, len, false);
		snprintf(buf, n, "%s%s", sb_str(&q), len < t->len ? "..." : "");
		sb_done(&q);
	}
}

static void unexpected(struct parser *p, const struct tok *t, const char *context)
	__attribute__((noreturn));
static void unexpected(struct parser *p, const struct tok *t, const char *context)
{
	char d[160];
	tok_desc(t, d, sizeof d);
	if (t->type == TK_ERROR) {
		if (p->action_line && p->action_line != t->line)
			perror_at(p, t, "%s%s started at %s:%d", d,
				  str_has_suffix(d, " action") ? "" : " in action", p->parse_name,
				  p->action_line);
		perror_at(p, t, "%s", d);
	}
	perror_at(p, t, "unexpected %s in %s", d, context);
}

static const struct tok *expect(struct parser *p, enum tok_type want, const char *context)
{
	const struct tok *t = next_nonspace(p);
	if (t->type != want)
		unexpected(p, t, context);
	return t;
}

static void push_var(struct parser *p, const char *name, size_t len)
{
	if (p->nvars == p->capvars) {
		p->capvars = p->capvars ? p->capvars * 2 : 16;
		p->vars = xrealloc(p->vars, (size_t)p->capvars * sizeof *p->vars);
	}
	p->vars[p->nvars++] = xstrndup(name, len);
}

static void pop_vars(struct parser *p, int to)
{
	while (p->nvars > to)
		free(p->vars[--p->nvars]);
}

static struct tnode *item_list(struct parser *p, struct tnode **end);
static struct tnode *pipeline(struct parser *p, const char *context, enum tok_type end);
static struct tnode *text_or_action(struct parser *p);

static void depth_enter(struct parser *p)
{
	if (++p->depth > TMPL_MAX_PARSE_DEPTH)
		PERR(p, "max expression depth exceeded");
}

static struct tnode *use_var(struct parser *p, const struct tok *t)
{
	struct tnode *n = pnode(p, N_VARIABLE, t);
	node_ident(n, t->s, t->len);
	for (int i = p->nvars - 1; i >= p->var_base; i--)
		if (!strcmp(p->vars[i], n->idents[0]))
			return n;
	perror_at(p, t, "undefined variable \"%s\"", n->idents[0]);
}

static bool is_hex_int(const char *s, size_t n)
{
	return n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && !memchr(s, 'p', n) &&
	       !memchr(s, 'P', n);
}

/* Go's idealConstant: NULL when the literal does not fit an int (reported at execution). */
static struct value *number_value(const struct tok *t, const struct tmpl_number *num)
{
	bool floaty = false;
	for (size_t i = 0; i < t->len; i++)
		if (strchr(".eEpP", t->s[i]))
			floaty = true;
	if (num->is_float && t->type != TK_CHARCONST && !is_hex_int(t->s, t->len) && floaty)
		return value_float(num->f);
	if (num->is_int)
		return value_int(num->i);
	return NULL;
}

static struct tnode *literal(struct parser *p, const struct tok *t)
{
	struct tnode *n;
	if (t->type == TK_STRING || t->type == TK_RAWSTRING) {
		struct strbuf b = STRBUF_INIT;
		if (tmpl_unquote(t->s, t->len, &b) < 0) {
			sb_done(&b);
			perror_at(p, t, "invalid syntax");
		}
		n = pnode(p, N_STRING, t);
		n->val = value_strn(b.buf ? b.buf : "", b.len);
		sb_done(&b);
	} else if (t->type == TK_BOOL) {
		n = pnode(p, N_BOOL, t);
		n->val = value_bool(t->s[0] == 't');
	} else {
		struct strbuf e = STRBUF_INIT;
		struct tmpl_number num;
		if (tmpl_parse_number(t->s, t->len, t->type == TK_CHARCONST, &num, &e) < 0) {
			char m[256];
			snprintf(m, sizeof m, "%s", sb_str(&e));
			sb_done(&e);
			perror_at(p, t, "%s", m);
		}
		sb_done(&e);
		n = pnode(p, N_NUMBER, t);
		n->num = num;
		n->val = number_value(t, &num);
	}
	n->text = xstrndup(t->s, t->len);
	n->len = t->len;
	return n;
}

static struct tnode *term(struct parser *p)
{
	const struct tok *t = next_nonspace(p);
	struct tnode *n;
	switch (t->type) {
	case TK_IDENT:
		n = pnode(p, N_IDENT, t);
		n->text = xstrndup(t->s, t->len);
		n->len = t->len;
		n->fn = func_lookup(p->set, n->text, &n->builtin);
		if (!n->fn)
			perror_at(p, t, "function \"%s\" not defined", n->text);
		return n;
	case TK_DOT: return pnode(p, N_DOT, t);
	case TK_NIL: return pnode(p, N_NIL, t);
	case TK_VARIABLE: return use_var(p, t);
	case TK_FIELD:
		n = pnode(p, N_FIELD, t);
		node_ident(n, t->s + 1, t->len - 1);
		return n;
	case TK_BOOL: case TK_CHARCONST: case TK_NUMBER: case TK_STRING: case TK_RAWSTRING:
		return literal(p, t);
	case TK_LPAREN:
		depth_enter(p);
		n = pipeline(p, "parenthesized pipeline", TK_RPAREN);
		p->depth--;
		return n;
	default:
		backup(p);
		return NULL;
	}
}

static struct tnode *operand(struct parser *p)
{
	struct tnode *n = term(p);
	if (!n || peek(p)->type != TK_FIELD)
		return n;
	if (n->type == N_FIELD || n->type == N_VARIABLE) {
		/* Go places the merged node at the first added field */
		n->line = peek(p)->line;
		n->col = peek(p)->col;
		while (peek(p)->type == TK_FIELD) {
			const struct tok *f = next(p);
			node_ident(n, f->s + 1, f->len - 1);
		}
		return n;
	}
	if (n->type == N_BOOL || n->type == N_STRING || n->type == N_NUMBER || n->type == N_NIL ||
	    n->type == N_DOT) {
		struct strbuf sb = STRBUF_INIT, q = STRBUF_INIT;
		tnode_string(n, &sb);
		go_quote(&q, sb.buf ? sb.buf : "", sb.len, false);
		char buf[160];
		snprintf(buf, sizeof buf, "%s", sb_str(&q));
		sb_done(&sb);
		sb_done(&q);
		PERR(p, "unexpected . after term %s", buf);
	}
	struct tnode *c = pnode(p, N_CHAIN, peek(p));
	c->pipe = n;
	while (peek(p)->type == TK_FIELD) {
		const struct tok *f = next(p);
		node_ident(c, f->s + 1, f->len - 1);
	}
	return c;
}

static struct tnode *command(struct parser *p)
{
	struct tnode *cmd = pnode(p, N_COMMAND, peek_nonspace(p));
	for (;;) {
		peek_nonspace(p);
		struct tnode *o = operand(p);
		if (o)
			node_add(cmd, o);
		const struct tok *t = next(p);
		if (t->type == TK_SPACE)
			continue;
		if (t->type == TK_RIGHT || t->type == TK_RPAREN)
			backup(p);
		else if (t->type != TK_PIPE)
			unexpected(p, t, "operand");
		break;
	}
	if (cmd->nkids == 0)
		PERR(p, "empty command");
	return cmd;
}

static void check_pipeline(struct parser *p, struct tnode *pipe, const char *context)
{
	if (pipe->nkids == 0)
		PERR(p, "missing value for %s", context);
	for (int i = 1; i < pipe->nkids; i++) {
		enum tnode_type t = pipe->kids[i]->kids[0]->type;
		if (t == N_BOOL || t == N_DOT || t == N_NIL || t == N_NUMBER || t == N_STRING)
			PERR(p, "non executable command in pipeline stage %d", i + 1);
	}
}

static bool starts_command(enum tok_type t)
{
	static const enum tok_type ok[] = {TK_BOOL, TK_CHARCONST, TK_DOT, TK_FIELD, TK_IDENT,
		TK_NUMBER, TK_NIL, TK_RAWSTRING, TK_STRING, TK_VARIABLE, TK_LPAREN};
	for (size_t i = 0; i < ARRAY_LEN(ok); i++)
		if (ok[i] == t)
			return true;
	return false;
}

/* Declarations: `$x :=`, `$x =`, `$i, $v :=` (range). Returns true to look for another one. */
static bool pipe_decl(struct parser *p, struct tnode *pipe, const char *context)
{
	const struct tok *v = peek_nonspace(p);
	if (v->type != TK_VARIABLE)
		return false;
	size_t save = p->i;
	next(p);
	const struct tok *nx = peek_nonspace(p);
	if (nx->type == TK_ASSIGN || nx->type == TK_DECLARE) {
		pipe->is_assign = nx->type == TK_ASSIGN;
		next_nonspace(p);
		node_ident(pipe, v->s, v->len);
		push_var(p, v->s, v->len);
		return false;
	}
	if (nx->type == TK_CHAR && nx->s[0] == ',') {
		next_nonspace(p);
		node_ident(pipe, v->s, v->len);
		push_var(p, v->s, v->len);
		if (!strcmp(context, "range") && pipe->nidents < 2) {
			enum tok_type t = peek_nonspace(p)->type;
			if (t == TK_VARIABLE || t == TK_RIGHT || t == TK_RPAREN)
				return true;
			PERR(p, "range can only initialize variables");
		}
		PERR(p, "too many declarations in %s", context);
	}
	p->i = save;
	return false;
}

static struct tnode *pipeline(struct parser *p, const char *context, enum tok_type end)
{
	struct tnode *pipe = pnode(p, N_PIPE, peek_nonspace(p));
	while (pipe_decl(p, pipe, context))
		;
	for (;;) {
		const struct tok *t = next_nonspace(p);
		if (t->type == end) {
			check_pipeline(p, pipe, context);
			return pipe;
		}
		if (!starts_command(t->type))
			unexpected(p, t, context);
		backup(p);
		node_add(pipe, command(p));
	}
}

static struct tnode *parse_control(struct parser *p, enum tnode_type type, const char *context,
				   const struct tok *kw);

static struct tnode *control_else(struct parser *p, struct tnode *n, const char *context,
				  const struct tok *else_tok)
{
	enum tok_type chain = n->type == N_IF ? TK_IF : n->type == N_WITH ? TK_WITH : TK_EOF;
	if (peek(p)->type == chain && chain != TK_EOF) {
		const struct tok *kw = next(p);
		n->else_list = pnode(p, N_LIST, else_tok);
		node_add(n->else_list, parse_control(p, n->type, context, kw));
		return n;
	}
	struct tnode *end;
	n->else_list = item_list(p, &end);
	if (end->type != N_END)
		PERR(p, "expected end; found {{else}}");
	return n;
}

static struct tnode *parse_control(struct parser *p, enum tnode_type type, const char *context,
				   const struct tok *kw)
{
	int vars = p->nvars;
	struct tnode *n = pnode(p, type, kw);
	depth_enter(p);
	n->pipe = pipeline(p, context, TK_RIGHT);
	if (type == N_RANGE)
		p->range_depth++;
	struct tnode *end;
	n->list = item_list(p, &end);
	if (type == N_RANGE)
		p->range_depth--;
	if (end->type == N_ELSE)
		control_else(p, n, context, cur_tok(p));
	p->depth--;
	pop_vars(p, vars);
	return n;
}

static struct tnode *else_control(struct parser *p, const struct tok *kw)
{
	const struct tok *t = peek_nonspace(p);
	if (t->type == TK_IF || t->type == TK_WITH)
		return pnode(p, N_ELSE, t);
	return pnode(p, N_ELSE, expect(p, TK_RIGHT, "else"));
}

static struct tnode *loop_control(struct parser *p, enum tnode_type type, const struct tok *kw)
{
	const char *what = type == N_BREAK ? "{{break}}" : "{{continue}}";
	const struct tok *t = next_nonspace(p);
	if (t->type != TK_RIGHT)
		unexpected(p, t, what);
	if (p->range_depth == 0)
		PERR(p, "%s outside {{range}}", what);
	return pnode(p, type, kw);
}

static char *template_name(struct parser *p, const struct tok *t, const char *context)
{
	if (t->type != TK_STRING && t->type != TK_RAWSTRING)
		unexpected(p, t, context);
	struct strbuf b = STRBUF_INIT;
	if (tmpl_unquote(t->s, t->len, &b) < 0) {
		sb_done(&b);
		perror_at(p, t, "invalid syntax");
	}
	return sb_detach(&b, NULL);
}

static struct tnode *template_control(struct parser *p, const struct tok *kw)
{
	const char *context = "template clause";
	const struct tok *t = next_nonspace(p);
	struct tnode *n = pnode(p, N_TEMPLATE, t);
	n->text = template_name(p, t, context);
	n->len = strlen(n->text);
	if (next_nonspace(p)->type != TK_RIGHT) {
		backup(p);
		n->pipe = pipeline(p, context, TK_RIGHT);
	}
	return n;
}

static void tree_add(struct parser *p, char *name, struct tnode *root)
{
	for (size_t i = 0; i < p->ntrees; i++) {
		struct tmpl_tree *o = p->trees[i];
		if (strcmp(o->name, name))
			continue;
		if (!tmpl_tree_empty(o->root) && !tmpl_tree_empty(root)) {
			free(name);
			PERR(p, "template: multiple definition of template \"%s\"", o->name);
		}
		p->dead = xrealloc(p->dead, (p->ndead + 1) * sizeof *p->dead);
		if (tmpl_tree_empty(o->root)) {
			p->dead[p->ndead++] = o->root;
			o->root = root;
		} else {
			p->dead[p->ndead++] = root;
		}
		free(name);
		return;
	}
	struct tmpl_tree *t = xcalloc(1, sizeof *t);
	t->refs = 1;
	t->name = name;
	t->parse_name = xstrdup(p->parse_name);
	t->root = root;
	p->trees = xrealloc(p->trees, (p->ntrees + 1) * sizeof *p->trees);
	p->trees[p->ntrees++] = t;
}

/* Body of a define or block, with its own variable scope. */
static struct tnode *sub_tree(struct parser *p, const char *context)
{
	int base = p->var_base, rd = p->range_depth;
	p->var_base = p->nvars;
	p->range_depth = 0;
	push_var(p, "$", 1);
	struct tnode *end;
	struct tnode *root = item_list(p, &end);
	pop_vars(p, p->var_base);
	p->var_base = base;
	p->range_depth = rd;
	if (end->type != N_END)
		PERR(p, "unexpected {{else}} in %s", context);
	return root;
}

static struct tnode *block_control(struct parser *p, const struct tok *kw)
{
	const char *context = "block clause";
	const struct tok *t = next_nonspace(p);
	struct tnode *n = pnode(p, N_TEMPLATE, t);
	n->text = template_name(p, t, context);
	n->len = strlen(n->text);
	n->pipe = pipeline(p, context, TK_RIGHT);
	depth_enter(p);
	struct tnode *root = sub_tree(p, context);
	p->depth--;
	tree_add(p, xstrdup(n->text), root);
	return n;
}

static void parse_definition(struct parser *p)
{
	const char *context = "define clause";
	const struct tok *t = next_nonspace(p);
	char *name = template_name(p, t, context);
	/* name is owned by a node so that a later error frees it */
	struct tnode *holder = pnode(p, N_TEXT, t);
	holder->text = name;
	expect(p, TK_RIGHT, context);
	struct tnode *root = sub_tree(p, context);
	tree_add(p, xstrdup(name), root);
	p->dead = xrealloc(p->dead, (p->ndead + 1) * sizeof *p->dead);
	p->dead[p->ndead++] = holder;
}

static struct tnode *action(struct parser *p)
{
	const struct tok *t = next_nonspace(p);
	switch (t->type) {
	case TK_BLOCK: return block_control(p, t);
	case TK_BREAK: return loop_control(p, N_BREAK, t);
	case TK_CONTINUE: return loop_control(p, N_CONTINUE, t);
	case TK_ELSE: return else_control(p, t);
	case TK_END: return pnode(p, N_END, expect(p, TK_RIGHT, "end"));
	case TK_IF: return parse_control(p, N_IF, "if", t);
	case TK_RANGE: return parse_control(p, N_RANGE, "range", t);
	case TK_TEMPLATE: return template_control(p, t);
	case TK_WITH: return parse_control(p, N_WITH, "with", t);
	default: break;
	}
	backup(p);
	struct tnode *n = pnode(p, N_ACTION, peek(p));
	n->pipe = pipeline(p, "command", TK_RIGHT);
	return n;
}

static struct tnode *text_or_action(struct parser *p)
{
	const struct tok *t = next_nonspace(p);
	if (t->type == TK_TEXT) {
		struct tnode *n = pnode(p, N_TEXT, t);
		n->text = xstrndup(t->s, t->len);
		n->len = t->len;
		return n;
	}
	if (t->type == TK_LEFT) {
		int saved = p->action_line;
		p->action_line = t->line;
		struct tnode *n = action(p);
		p->action_line = saved;
		return n;
	}
	unexpected(p, t, "input");
}

static struct tnode *item_list(struct parser *p, struct tnode **end)
{
	struct tnode *list = pnode(p, N_LIST, peek(p));
	while (peek_nonspace(p)->type != TK_EOF) {
		if (peek(p)->type == TK_ERROR)
			unexpected(p, peek(p), "input");
		struct tnode *n = text_or_action(p);
		if (n->type == N_END || n->type == N_ELSE) {
			p->dead = xrealloc(p->dead, (p->ndead + 1) * sizeof *p->dead);
			p->dead[p->ndead++] = n;
			*end = n;
			return list;
		}
		node_add(list, n);
	}
	PERR(p, "unexpected EOF");
}

static struct tnode *parse_top(struct parser *p)
{
	struct tnode *root = pnode(p, N_LIST, peek(p));
	while (peek(p)->type != TK_EOF) {
		if (peek(p)->type == TK_LEFT) {
			size_t save = p->i;
			next(p);
			if (next_nonspace(p)->type == TK_DEFINE) {
				int saved = p->action_line;
				p->action_line = p->toks.t[save].line;
				parse_definition(p);
				p->action_line = saved;
				continue;
			}
			p->i = save;
		}
		if (peek(p)->type == TK_ERROR)
			unexpected(p, peek(p), "input");
		struct tnode *n = text_or_action(p);
		if (n->type == N_END || n->type == N_ELSE)
			PERR(p, "unexpected %s", n->type == N_END ? "{{end}}" : "{{else}}");
		node_add(root, n);
	}
	return root;
}

/* Frees one node without its children (they are in the arena too). */
static void node_free_shallow(struct tnode *n)
{
	free(n->text);
	value_unref(n->val);
	free(n->kids);
	for (int i = 0; i < n->nidents; i++)
		free(n->idents[i]);
	free(n->idents);
	free(n);
}

static void parser_done(struct parser *p, bool failed)
{
	if (failed) {
		for (size_t i = 0; i < p->nall; i++)
			node_free_shallow(p->all[i]);
		for (size_t i = 0; i < p->ntrees; i++) {
			p->trees[i]->root = NULL;
			tmpl_tree_unref(p->trees[i]);
		}
	}
	pop_vars(p, 0);
	free(p->vars);
	free(p->dead);
	free(p->all);
	free(p->trees);
	tmpl_tokens_done(&p->toks);
}


int tmpl_parse(struct tmpl_set *set, const char *name, const char *text, size_t len,
	       struct tops_err *err)
{
	return tmpl_parse_main(set, name, text, len, NULL, err);
}

int tmpl_parse_main(struct tmpl_set *set, const char *name, const char *text, size_t len,
		    struct tmpl_tree **main_out, struct tops_err *err)
{
	struct parser *p = xcalloc(1, sizeof *p);
	p->set = set;
	p->parse_name = name;
	tmpl_lex(text, len, &p->toks);
	if (setjmp(p->jb)) {
		tops_err_set(err, TOPS_EINVAL, "%s", p->errmsg);
		set->err_line = p->err_line;
		set->err_col = p->err_col;
		free(p->errmsg);
		parser_done(p, true);
		free(p);
		return -TOPS_EINVAL;
	}
	push_var(p, "$", 1);
	struct tnode *root = parse_top(p);
	tree_add(p, xstrdup(name), root);
	for (size_t i = 0; i < p->ndead; i++)
		tnode_free(p->dead[i]);
	for (size_t i = 0; i < p->ntrees; i++) {
		if (main_out && !strcmp(p->trees[i]->name, name)) {
			p->trees[i]->refs++;
			*main_out = p->trees[i];
		}
		set_put(set, p->trees[i]);
	}
	parser_done(p, false);
	free(p);
	return 0;
}
