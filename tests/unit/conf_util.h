/* Shared helpers for the conformance unit tests (test_conf_*.c). The ground truth is read in
 * place from $TOPS_ROOT/../shared/conformance/<dir>/<file> (TOPS_ROOT defaults to "."). Include
 * after <cmocka.h>; everything here is static inline so a test pays only for what it uses. */
#ifndef TOPS_TESTS_CONF_UTIL_H
#define TOPS_TESTS_CONF_UTIL_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/tmpl/tmpl.h"
#include "core/base/util.h"
#include "core/base/value.h"

/* A row we knowingly fail: the set (file) it belongs to, its name, and why. Tables end with a
 * {NULL, NULL, NULL} entry (or hold only that one when every row passes). */
struct conf_known {
	const char *set, *name, *why;
};

/* The path of a conformance file; caller frees. */
static inline char *conf_path(const char *dir, const char *file)
{
	const char *root = getenv("TOPS_ROOT");
	return xasprintf("%s/../shared/conformance/%s/%s", root ? root : ".", dir, file);
}

/* The parsed JSON of a conformance file (caller unrefs), or NULL after printing why. */
static inline struct value *conf_load_rows(const char *dir, const char *file)
{
	char *path = conf_path(dir, file), *text = NULL;
	size_t len;
	struct tops_err err = {0};
	struct value *rows = NULL;
	if (read_file(path, 0, &text, &len, &err) == 0)
		rows = value_from_json(text, len, &err);
	if (!rows)
		print_message("cannot load %s: %s\n", path, tops_err_msg(&err));
	tops_err_clear(&err);
	free(text);
	free(path);
	return rows;
}

/* row[key] when it is a string (borrowed), else def. */
static inline const char *conf_str_or(const struct value *row, const char *key, const char *def)
{
	const struct value *v = value_map_get(row, key);
	return v && v->type == V_STRING ? v->u.str.s : def;
}

/* row[key] when it is a string (borrowed), else NULL. */
static inline const char *conf_str(const struct value *row, const char *key)
{
	return conf_str_or(row, key, NULL);
}

/* row[key] is the boolean true. */
static inline bool conf_bool(const struct value *row, const char *key)
{
	const struct value *v = value_map_get(row, key);
	return v && v->type == V_BOOL && v->u.b;
}

/* Whether (set, name) is in the known-failure table k of n entries. */
static inline bool conf_is_known(const struct conf_known *k, size_t n, const char *set, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (k[i].set && name && !strcmp(k[i].set, set) && !strcmp(k[i].name, name))
			return true;
	return false;
}

/* Parses row["template"] as "t" in a new set over funcs (Go's default missingkey) and executes it
 * on row["vars"] (null when absent) into out. Returns tmpl_parse's or tmpl_execute's result. */
static inline int conf_run_template(const struct tmpl_funcs *funcs, const struct value *row,
				    struct strbuf *out, struct tops_err *err)
{
	const char *text = conf_str_or(row, "template", "");
	struct tmpl_set *set = tmpl_set_new(funcs, TMPL_MISSING_DEFAULT);
	struct value *vars = value_map_get(row, "vars");
	int rc = tmpl_parse(set, "t", text, strlen(text), err);
	if (rc == 0)
		rc = tmpl_execute(set, "t", vars ? vars : value_null(), out, err);
	tmpl_set_free(set);
	return rc;
}

/* Prints "[<suite> ]<set>: passed/n passed" (suite may be NULL) and asserts the set is >= 95%
 * with no unlisted failure. */
static inline void conf_report(const char *suite, const char *set, size_t passed, size_t n,
			       size_t unexpected)
{
	print_message("%s%s%s: %zu/%zu passed\n", suite ? suite : "", suite ? " " : "", set, passed, n);
	assert_true(passed * 100 >= n * 95);
	assert_int_equal(unexpected, 0);
}

/* A file of template rows ({"template", "vars", "expected", ...}) run over a function set. */
struct conf_tmpl_rows {
	const char *suite, *dir, *file, *label;  /* rows from <dir>/<file>, reported as "<suite> <label>" */
	void (*register_funcs)(struct tmpl_funcs *f);
	/* true when the row behaves as expected; *got (freed by the caller) says what happened */
	bool (*check)(const struct tmpl_funcs *f, const struct value *row, char **got);
	const struct conf_known *known;          /* known failures by (file, template) */
	size_t nknown;
};

/* Runs every row of r, prints the failing ones and reports the set (skips when the file is missing). */
static inline void conf_run_tmpl_rows(const struct conf_tmpl_rows *r)
{
	struct value *rows = conf_load_rows(r->dir, r->file);
	if (!rows) {
		skip();
		return;
	}
	struct tmpl_funcs *funcs = tmpl_funcs_new();
	r->register_funcs(funcs);
	size_t n = rows->u.list.len, passed = 0, unexpected = 0;
	for (size_t i = 0; i < n; i++) {
		const struct value *row = rows->u.list.items[i];
		char *got = NULL;
		if (r->check(funcs, row, &got)) {
			passed++;
		} else {
			const char *t = conf_str(row, "template"), *want = conf_str(row, "expected");
			bool known = conf_is_known(r->known, r->nknown, r->file, t);
			unexpected += !known;
			print_message("%s row %zu%s: %s\n    want \"%s\"\n    got %s\n", r->label, i,
				      known ? " (known)" : "", t, want ? want : "(an error)", got);
		}
		free(got);
	}
	tmpl_funcs_free(funcs);
	value_unref(rows);
	conf_report(r->suite, r->label, passed, n, unexpected);
}

#endif
