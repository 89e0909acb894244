/* Conformance: Go's text/template tests (exec, cmp, multi) read in place from
 * $TOPS_ROOT/../shared/conformance/gotemplate. Prints per-set counts and failing rows; asserts
 * each set is >= 95% and that only rows in the known-failure list fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/tmpl/tmpl.h"
#include "conf_util.h"

/* Rows we knowingly fail (set, name), with the reason. Empty: every row passes. */
static const struct conf_known known_failures[] = {
	{NULL, NULL, NULL},
};

/* row[key] as a string, "" when absent. */
static const char *str_field(const struct value *row, const char *key)
{
	return conf_str_or(row, key, "");
}

/* Parses the main template and the extra ones (multi.json), executes "main". */
static bool run_row(const struct value *row, struct strbuf *out, struct tops_err *err)
{
	struct tmpl_funcs *funcs = tmpl_funcs_new();
	struct tmpl_set *set = tmpl_set_new(funcs, TMPL_MISSING_DEFAULT);
	const char *text = str_field(row, "template");
	int rc = tmpl_parse(set, "main", text, strlen(text), err);
	const struct value *order = value_map_get(row, "define_order");
	const struct value *tmpls = value_map_get(row, "templates");
	for (size_t i = 0; rc == 0 && order && i < order->u.list.len; i++) {
		const char *name = order->u.list.items[i]->u.str.s;
		const struct value *body = value_map_get(tmpls, name);
		rc = tmpl_parse(set, name, body->u.str.s, body->u.str.len, err);
	}
	if (rc == 0)
		rc = tmpl_execute(set, "main", value_map_get(row, "data"), out, err);
	tmpl_set_free(set);
	tmpl_funcs_free(funcs);
	return rc == 0;
}

static void run_set(const char *set_name, const char *file, const char *name_key)
{
	struct value *rows = conf_load_rows("gotemplate", file);
	if (!rows) {
		skip();
		return;
	}
	int passed = 0, total = (int)rows->u.list.len, unexpected = 0;
	for (int i = 0; i < total; i++) {
		const struct value *row = rows->u.list.items[i];
		struct strbuf out = STRBUF_INIT;
		struct tops_err err = {0};
		bool ok = run_row(row, &out, &err);
		const struct value *want_ok = value_map_get(row, "ok");
		bool expect_ok = want_ok && want_ok->u.b;
		const char *want = str_field(row, "output");
		bool good = expect_ok ? ok && !strcmp(sb_str(&out), want) : !ok;
		const char *name = str_field(row, name_key);
		if (good) {
			passed++;
		} else {
			bool known = conf_is_known(known_failures, ARRAY_LEN(known_failures), set_name, name);
			unexpected += !known;
			print_message("%s FAIL%s: [%d] %s: got %s \"%s\" (%s), want %s \"%s\"\n", set_name,
				      known ? " (known)" : "", i, name, ok ? "ok" : "error", sb_str(&out),
				      tops_err_msg(&err), expect_ok ? "ok" : "error", want);
		}
		sb_done(&out);
		tops_err_clear(&err);
	}
	value_unref(rows);
	conf_report("gotemplate", set_name, (size_t)passed, (size_t)total, (size_t)unexpected);
}

static void test_exec(void **state) { run_set("exec", "exec.json", "name"); }
static void test_cmp(void **state) { run_set("cmp", "cmp.json", "expr"); }
static void test_multi(void **state) { run_set("multi", "multi.json", "name"); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_cmp),
		cmocka_unit_test(test_multi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
