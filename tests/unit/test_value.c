/* Unit tests for core/value: maps, JSON in/out, Go float formatting, truthiness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/value.h"

static void test_map_sorted(void **state)
{
	(void)state;
	struct value *m = value_map();
	value_map_set(m, "b", value_int(2));
	value_map_set(m, "a", value_int(1));
	value_map_set(m, "c", value_int(3));
	value_map_set(m, "b", value_int(20));
	assert_int_equal(m->u.map.len, 3);
	assert_string_equal(m->u.map.e[0].key, "a");
	assert_int_equal(value_map_get(m, "b")->u.i, 20);
	assert_true(value_map_del(m, "a"));
	assert_null(value_map_get(m, "a"));
	value_unref(m);
}

static void test_json_roundtrip(void **state)
{
	(void)state;
	struct tops_err err = {0};
	const char *in = "{\"z\":[1,2.5,\"x<y\",null,true],\"a\":{\"n\":-3,\"u\":\"\\u00e9\\ud83d\\ude00\"}}";
	struct value *v = value_from_json(in, strlen(in), &err);
	assert_non_null(v);
	assert_int_equal(value_map_path(v, "a.n")->type, V_INT);
	assert_int_equal(value_list_get(value_map_get(v, "z"), 1)->type, V_FLOAT);
	char *out = value_to_json(v, false, true);
	assert_string_equal(out, "{\"a\":{\"n\":-3,\"u\":\"\xc3\xa9\xf0\x9f\x98\x80\"},\"z\":[1,2.5,\"x\\u003cy\",null,true]}");
	free(out);
	value_unref(v);
}

static void test_json_errors(void **state)
{
	(void)state;
	struct tops_err err = {0};
	assert_null(value_from_json("{\"a\":\n  [1,}", 12, &err));
	assert_non_null(strstr(err.msg, "2:"));
	tops_err_clear(&err);
	assert_null(value_from_json("{\"a\":1} x", 9, &err));
	tops_err_clear(&err);
	assert_null(value_from_json("", 0, &err));
	tops_err_clear(&err);
}

static void fmt_is(double f, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	value_fmt_float_g(&sb, f);
	assert_string_equal(sb_str(&sb), want);
	sb_done(&sb);
}

static void test_float_g(void **state)
{
	(void)state;
	fmt_is(3, "3");
	fmt_is(1e6, "1e+06");
	fmt_is(123456, "123456");
	fmt_is(0.5, "0.5");
	fmt_is(1.5e-5, "1.5e-05");
	fmt_is(0.0001, "0.0001");
	fmt_is(-2.25, "-2.25");
	fmt_is(1234567.0, "1.234567e+06");
}

static void test_truthy_equal(void **state)
{
	(void)state;
	struct value *a = value_int(1), *b = value_float(1), *l = value_list();
	assert_false(value_equal(a, b));
	assert_true(value_equal_json(a, b));
	struct value *s1 = value_str("1");
	assert_false(value_equal_json(a, s1));
	value_unref(s1);
	assert_true(value_truthy(a));
	assert_false(value_truthy(l));
	assert_false(value_truthy(value_null()));
	assert_string_equal(value_type_name(l), "[]interface {}");
	value_unref(a);
	value_unref(b);
	value_unref(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_sorted), cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_json_errors), cmocka_unit_test(test_float_g),
		cmocka_unit_test(test_truthy_equal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
