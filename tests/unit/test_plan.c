/* Unit tests for core/release/plan: the plan line's words and the manifest split the console's
 * rollback and uninstall plans use (the diff against live objects is tested end to end in
 * tests/screen/t_console_acts.sh against kubesim). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/release/obj.h"
#include "core/release/plan.h"

static void test_line(void **state)
{
	(void)state;
	char buf[128];
	struct plan p = {.add = 2, .change = 3, .destroy = 1, .unchanged = 9};
	plan_line(&p, buf, sizeof buf);
	assert_string_equal(buf, "Plan: 2 to add, 3 to change, 1 to destroy.");
}

static void test_parse(void **state)
{
	(void)state;
	const char *m = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
			"---\n# Source: c/templates/empty.yaml\n\n"
			"---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: b\n";
	size_t n = 0;
	struct tops_err err = {0};
	struct value **objs = plan_parse_manifest(m, &n, &err);
	assert_non_null(objs);
	assert_int_equal(n, 2);
	assert_string_equal(obj_str(objs[0], "kind"), "ConfigMap");
	assert_string_equal(obj_str(objs[1], "metadata.name"), "b");
	plan_objects_free(objs, n);
	objs = plan_parse_manifest(NULL, &n, &err);
	assert_non_null(objs);
	assert_int_equal(n, 0);
	plan_objects_free(objs, n);
}

static void test_parse_error(void **state)
{
	(void)state;
	size_t n = 7;
	struct tops_err err = {0};
	struct value **objs = plan_parse_manifest("---\nkind: [\n", &n, &err);
	assert_null(objs);
	assert_int_equal(n, 0);
	assert_non_null(strstr(tops_err_msg(&err), "manifest"));
	tops_err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
