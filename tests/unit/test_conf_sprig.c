/* Conformance: Sprig v3.3.0's function tests (and Masterminds/semver's constraint table), read in
 * place from $TOPS_ROOT/../shared/conformance/sprig. Rows run in Go's plain mode (default
 * missingkey, "<no value>" kept) with the Sprig function set. Prints per-file counts and failing
 * rows; asserts each file is >= 95% and that only rows in the known-failure list fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/funcs.h"
#include "conf_util.h"

/* Rows we knowingly fail (file, template), with the reason. */
static const struct conf_known known_failures[] = {
	{NULL, NULL, NULL},
};

/* Runs one row; returns true when it behaves as expected. *got describes what happened. */
static bool run_row(const struct tmpl_funcs *funcs, const struct value *row, char **got)
{
	const char *want = conf_str(row, "expected");
	const char *want_err = conf_str(row, "error_contains");
	struct strbuf out = STRBUF_INIT;
	struct tops_err err = {0};
	int rc = conf_run_template(funcs, row, &out, &err);
	bool ok;
	if (rc < 0) {
		ok = !want && want_err && strstr(tops_err_msg(&err), want_err);
		*got = xasprintf("error: %s", tops_err_msg(&err));
	} else {
		ok = want && !strcmp(sb_str(&out), want);
		*got = xasprintf("output: \"%s\"", sb_str(&out));
	}
	sb_done(&out);
	tops_err_clear(&err);
	return ok;
}

static void run_file(const char *file, const char *label)
{
	struct value *rows = conf_load_rows("sprig", file);
	if (!rows) {
		skip();
		return;
	}
	struct tmpl_funcs *funcs = tmpl_funcs_new();
	funcs_register_sprig(funcs);
	size_t n = rows->u.list.len, passed = 0, unexpected = 0;
	for (size_t i = 0; i < n; i++) {
		const struct value *row = rows->u.list.items[i];
		char *got = NULL;
		if (run_row(funcs, row, &got)) {
			passed++;
		} else {
			const char *t = conf_str(row, "template");
			bool known = conf_is_known(known_failures, ARRAY_LEN(known_failures), file, t);
			unexpected += !known;
			const char *want = conf_str(row, "expected");
			print_message("%s row %zu%s: %s\n    want \"%s\"\n    got %s\n", label, i,
				      known ? " (known)" : "", t, want ? want : "(an error)", got);
		}
		free(got);
	}
	tmpl_funcs_free(funcs);
	value_unref(rows);
	conf_report("sprig", label, passed, n, unexpected);
}

#define SPRIG_FILE(name) \
	static void test_##name(void **state) { (void)state; run_file(#name ".json", #name); }
SPRIG_FILE(strings)
SPRIG_FILE(list)
SPRIG_FILE(dict)
SPRIG_FILE(defaults)
SPRIG_FILE(numeric)
SPRIG_FILE(functions)
SPRIG_FILE(crypto)
SPRIG_FILE(other)
SPRIG_FILE(semver)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings), cmocka_unit_test(test_list),
		cmocka_unit_test(test_dict), cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_numeric), cmocka_unit_test(test_functions),
		cmocka_unit_test(test_crypto), cmocka_unit_test(test_other),
		cmocka_unit_test(test_semver),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
