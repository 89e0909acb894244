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

#include "core/tmpl/funcs.h"
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
	const struct conf_tmpl_rows rows = {
		.suite = "sprig", .dir = "sprig", .file = file, .label = label,
		.register_funcs = funcs_register_sprig, .check = run_row,
		.known = known_failures, .nknown = ARRAY_LEN(known_failures),
	};
	conf_run_tmpl_rows(&rows);
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
