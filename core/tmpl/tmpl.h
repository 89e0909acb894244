/* tmpl — Go's text/template: lexer, parser and executor over struct value.
 *
 * A tmpl_set is Go's *template.Template family: named templates sharing one namespace, filled by
 * tmpl_parse() (each {{define}}/{{block}} adds a name; a later definition of a name replaces an
 * earlier one, except that an empty body never replaces a non-empty one, as in Go).
 * Functions come from a tmpl_funcs registry; builtins (and, or, not, len, index, slice, print,
 * printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery, call) are always present, and a
 * registered function of the same name takes precedence, as in Go.
 *
 * Differences from Go, all about limits: nesting of parentheses and control structures stops at
 * 1000 ("max expression depth exceeded"), and nested template calls (including
 * tmpl_exec_named/tmpl_exec_text) stop at 10000 or when they have used 3 MB of C stack
 * ("exceeded maximum template depth (10000)"). Go's fmt verbs live in core/gofmt.h.
 */
#ifndef TOPS_TMPL_H
#define TOPS_TMPL_H

#include "core/base/value.h"

struct tmpl_set;
struct tmpl_exec;   /* one execution in progress; handed to functions */
struct tmpl_funcs;  /* name -> function registry */

/* A template function. args are borrowed (never NULL; a missing value such as an absent map key
 * arrives as value_null()); on success store a new reference in *out and return 0 (leaving *out
 * NULL means nil).
 * On failure return a negative code with err set to the bare message (the executor adds Go's
 * "template: NAME:LINE:COL: executing "NAME" at <...>: error calling FN: " prefix). */
typedef int (*tmpl_fn)(struct tmpl_exec *ex, struct value **args, int nargs, struct value **out,
		       struct tops_err *err);

struct tmpl_func {
	const char *name;
	tmpl_fn fn;
	int min_args;
	int max_args;   /* -1: variadic */
};

enum tmpl_missingkey {
	TMPL_MISSING_DEFAULT,   /* Go's default: a missing map key yields <no value> */
	TMPL_MISSING_ZERO,      /* Helm: missingkey=zero (nil for map[string]interface{}) */
	TMPL_MISSING_ERROR,
};

struct tmpl_funcs *tmpl_funcs_new(void);
/* Adds (or replaces by name) every entry of table; the table must outlive the registry. */
void tmpl_funcs_add(struct tmpl_funcs *f, const struct tmpl_func *table, size_t n);
const struct tmpl_func *tmpl_funcs_find(const struct tmpl_funcs *f, const char *name);
void tmpl_funcs_free(struct tmpl_funcs *f);

/* funcs is borrowed and must outlive the set. */
struct tmpl_set *tmpl_set_new(const struct tmpl_funcs *funcs, enum tmpl_missingkey mode);
void tmpl_set_free(struct tmpl_set *set);
/* Opaque pointer for the embedder (Helm's engine state); functions get it via tmpl_exec_user(). */
void tmpl_set_user(struct tmpl_set *set, void *user);

/* Parses text as template `name` into the set. Errors use Go's wording with position:
 * "template: NAME:LINE: unexpected ..." (and file:line:col in err for tops' own messages). */
int tmpl_parse(struct tmpl_set *set, const char *name, const char *text, size_t len,
	       struct tops_err *err);
bool tmpl_has(const struct tmpl_set *set, const char *name);
/* 1-based line and column of the token where the last tmpl_parse() on set failed (0 if none),
 * for tops' own "file:line:col: ..." messages; Go's message itself names only the line. */
void tmpl_last_error_pos(const struct tmpl_set *set, int *line, int *col);

/* Executes template `name` with dot; appends output to out. On error out holds what was written
 * before the error and err has Go's message. */
int tmpl_execute(struct tmpl_set *set, const char *name, struct value *dot, struct strbuf *out,
		 struct tops_err *err);

/* ---- for functions that need the engine (include, tpl, template-aware helpers) ---- */
void *tmpl_exec_user(struct tmpl_exec *ex);
struct tmpl_set *tmpl_exec_set(struct tmpl_exec *ex);
/* Name of the template being executed and the position (1-based line, Go's 0-based byte column)
 * of the function being called. */
const char *tmpl_exec_name(struct tmpl_exec *ex);
void tmpl_exec_pos(struct tmpl_exec *ex, int *line, int *col);
/* Executes a named template of the current set into out (Helm's include). */
int tmpl_exec_named(struct tmpl_exec *ex, const char *name, struct value *dot, struct strbuf *out,
		    struct tops_err *err);

/* Parses text as a new template `name` in a private clone of the current set (so its defines do
 * not leak back) and executes it with dot into out (Helm's tpl). */
int tmpl_exec_text(struct tmpl_exec *ex, const char *name, const char *text, size_t len,
		   struct value *dot, struct strbuf *out, struct tops_err *err);
/* Nesting depth of tmpl_exec_named/tmpl_exec_text calls for `name` currently active on this
 * execution's stack (Helm stops include/tpl recursion at 1000 with its own message). */
int tmpl_exec_depth(struct tmpl_exec *ex, const char *name);

#endif
