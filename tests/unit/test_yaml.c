/* Unit tests for core/yaml: go-yaml v2 scalar resolution, positions, limits, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/yaml.h"

static struct value *load(const char *s, const struct yaml_opts *o, struct tops_err *err)
{
	return yaml_load(s, strlen(s), "t.yaml", o, NULL, err);
}

static void test_scalars(void **state)
{
	(void)state;
	struct tops_err err = {0};
	struct value *v = load("a: 1\nb: 1.5\nc: yes\nd: ~\ne: '1'\nf: 0x1F\ng: 017\nh: 1_000\ni: .inf\n"
			       "j: hello\nk: 1e3\nl: \"true\"\nm: Off\n", NULL, &err);
	assert_non_null(v);
	assert_int_equal(value_map_get(v, "a")->type, V_INT);
	assert_int_equal(value_map_get(v, "a")->u.i, 1);
	assert_int_equal(value_map_get(v, "b")->type, V_FLOAT);
	assert_true(value_map_get(v, "c")->u.b);
	assert_int_equal(value_map_get(v, "d")->type, V_NULL);
	assert_int_equal(value_map_get(v, "e")->type, V_STRING);
	assert_int_equal(value_map_get(v, "f")->u.i, 31);
	assert_int_equal(value_map_get(v, "g")->u.i, 15);
	assert_int_equal(value_map_get(v, "h")->u.i, 1000);
	assert_int_equal(value_map_get(v, "i")->type, V_FLOAT);
	assert_string_equal(value_map_get(v, "j")->u.str.s, "hello");
	assert_int_equal(value_map_get(v, "k")->type, V_FLOAT);
	assert_int_equal(value_map_get(v, "l")->type, V_STRING);
	assert_false(value_map_get(v, "m")->u.b);
	value_unref(v);
}

static void test_numbers_as_float(void **state)
{
	(void)state;
	struct yaml_opts o = {.numbers_as_float = true};
	struct value *v = load("replicas: 3\n", &o, NULL);
	assert_int_equal(value_map_get(v, "replicas")->type, V_FLOAT);
	assert_true(value_map_get(v, "replicas")->u.f == 3.0);
	value_unref(v);
}

static void test_positions_and_keys(void **state)
{
	(void)state;
	struct value *v = load("top:\n  inner: x\n1: one\ntrue: t\n", NULL, NULL);
	struct value *inner = value_map_path(v, "top.inner");
	assert_non_null(inner);
	assert_int_equal(inner->line, 2);
	assert_int_equal(inner->col, 10);
	assert_non_null(value_map_get(v, "1"));
	assert_non_null(value_map_get(v, "true"));
	value_unref(v);
}

static void test_multi_doc(void **state)
{
	(void)state;
	const char *s = "a: 1\n---\n---\nb: 2\n";
	struct value **docs;
	size_t n;
	assert_int_equal(yaml_load_all(s, strlen(s), "m.yaml", NULL, &docs, &n, NULL, NULL), 0);
	assert_int_equal(n, 3);
	assert_int_equal(docs[1]->type, V_NULL);
	assert_int_equal(value_map_get(docs[2], "b")->u.i, 2);
	for (size_t i = 0; i < n; i++)
		value_unref(docs[i]);
	free(docs);
}

static void test_syntax_error(void **state)
{
	(void)state;
	struct tops_err err = {0};
	struct yaml_errpos pos;
	const char *s = "a: 1\nb: [1, 2\n";
	struct value *v = yaml_load(s, strlen(s), "bad.yaml", NULL, &pos, &err);
	assert_null(v);
	assert_int_equal(err.code, TOPS_EINVAL);
	assert_true(strncmp(err.msg, "bad.yaml:", 9) == 0);
	assert_true(pos.line >= 2);
	tops_err_clear(&err);
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	struct tops_err err = {0};
	struct yaml_opts strict = {.strict_dup_keys = true};
	struct value *v = load("a: 1\na: 2\n", NULL, NULL);
	assert_int_equal(value_map_get(v, "a")->u.i, 2);
	value_unref(v);
	assert_null(load("a: 1\nb: 0\na: 2\n", &strict, &err));
	assert_non_null(strstr(err.msg, "t.yaml:3:1: key \"a\" already set in map"));
	tops_err_clear(&err);
}

static void test_merge_and_alias(void **state)
{
	(void)state;
	struct value *v = load("base: &b {x: 1, z: 2}\nd:\n  <<: *b\n  z: 3\ne: *b\n", NULL, NULL);
	assert_int_equal(value_map_path(v, "d.x")->u.i, 1);
	assert_int_equal(value_map_path(v, "d.z")->u.i, 3);
	assert_int_equal(value_map_path(v, "e.z")->u.i, 2);
	value_unref(v);
}

static void test_billion_laughs(void **state)
{
	(void)state;
	struct tops_err err = {0};
	const char *s = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
			"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
			"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
			"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
	assert_null(load(s, NULL, &err));
	assert_int_equal(err.code, TOPS_ETOOBIG);
	tops_err_clear(&err);
}

static void test_depth_and_utf8(void **state)
{
	(void)state;
	struct tops_err err = {0};
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 5000; i++)
		sb_addc(&sb, '[');
	assert_null(load(sb.buf, NULL, &err));
	assert_int_equal(err.code, TOPS_ETOOBIG);
	tops_err_clear(&err);
	sb_done(&sb);
	assert_null(load("a: \xff\xfe\n", NULL, &err));
	assert_non_null(strstr(err.msg, "t.yaml:1:4: invalid UTF-8"));
	tops_err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),          cmocka_unit_test(test_numbers_as_float),
		cmocka_unit_test(test_positions_and_keys), cmocka_unit_test(test_multi_doc),
		cmocka_unit_test(test_syntax_error),     cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_merge_and_alias),  cmocka_unit_test(test_billion_laughs),
		cmocka_unit_test(test_depth_and_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
