/* Unit tests for core/strvals: Helm's --set syntax, typing, escapes, lists and limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/chart/strvals.h"

static struct value *parse(enum strvals_kind k, const char *s, int *rc, struct tops_err *err)
{
	struct value *m = value_map();
	*rc = strvals_parse_into(k, s, m, NULL, NULL, err);
	return m;
}

static char *json_of(enum strvals_kind k, const char *s)
{
	int rc;
	struct tops_err err = {0};
	struct value *m = parse(k, s, &rc, &err);
	char *j = rc == 0 ? value_to_json(m, false, false) : xasprintf("ERR %s", tops_err_msg(&err));
	value_unref(m);
	tops_err_clear(&err);
	return j;
}

#define EXPECT(kind, in, out)                      \
	do {                                       \
		char *j_ = json_of(kind, in);      \
		assert_string_equal(j_, out);      \
		free(j_);                          \
	} while (0)

static void test_typing(void **state)
{
	(void)state;
	EXPECT(STRVALS_SET, "a=1,b=true,c=null,d=007,e=1.5,f=", "{\"a\":1,\"b\":true,\"c\":null,\"d\":\"007\",\"e\":\"1.5\",\"f\":\"\"}");
	EXPECT(STRVALS_STRING, "a=1,b=true", "{\"a\":\"1\",\"b\":\"true\"}");
	EXPECT(STRVALS_LITERAL, "a=x,y=z", "{\"a\":\"x,y=z\"}");
	EXPECT(STRVALS_JSON, "a={\"b\":[1,\"x\"]},c=true", "{\"a\":{\"b\":[1,\"x\"]},\"c\":true}");
}

static void test_nesting_lists_escapes(void **state)
{
	(void)state;
	EXPECT(STRVALS_SET, "a.b.c=x,a.d=y", "{\"a\":{\"b\":{\"c\":\"x\"},\"d\":\"y\"}}");
	EXPECT(STRVALS_SET, "l[1]=x,l[0].k=v", "{\"l\":[{\"k\":\"v\"},\"x\"]}");
	EXPECT(STRVALS_SET, "a={x,y},b=c\\,d,e\\.f=g", "{\"a\":[\"x\",\"y\"],\"b\":\"c,d\",\"e.f\":\"g\"}");
}

static void test_errors(void **state)
{
	(void)state;
	int rc;
	struct tops_err err = {0};
	struct value *m = parse(STRVALS_SET, "a", &rc, &err);
	assert_true(rc < 0);
	assert_string_equal(tops_err_msg(&err), "key \"a\" has no value");
	value_unref(m);
	m = parse(STRVALS_SET, "l[-1]=x", &rc, &err);
	assert_true(rc < 0);
	assert_non_null(strstr(tops_err_msg(&err), "negative -1 index not allowed"));
	value_unref(m);
	m = parse(STRVALS_SET, "l[70000]=x", &rc, &err);
	assert_true(rc < 0);
	assert_non_null(strstr(tops_err_msg(&err), "greater than maximum supported index"));
	value_unref(m);
	m = parse(STRVALS_SET, "a=1,a.b=2", &rc, &err);
	assert_true(rc < 0);
	assert_non_null(strstr(tops_err_msg(&err), "unable to parse key"));
	value_unref(m);
	m = parse(STRVALS_SET, "a={1,2", &rc, &err);
	assert_true(rc < 0);
	assert_string_equal(tops_err_msg(&err), "list must terminate with '}'");
	value_unref(m);
	tops_err_clear(&err);
}

static int reader(void *ctx, const char *path, struct value **out, struct tops_err *err)
{
	(void)ctx;
	if (strcmp(path, "f.txt"))
		return tops_err_set(err, TOPS_ENOENT, "open %s: no such file", path);
	*out = value_str("content\n");
	return 0;
}

static void test_set_file(void **state)
{
	(void)state;
	struct value *m = value_map();
	struct tops_err err = {0};
	assert_int_equal(strvals_parse_into(STRVALS_FILE, "a=f.txt", m, reader, NULL, &err), 0);
	assert_string_equal(value_map_get(m, "a")->u.str.s, "content\n");
	assert_true(strvals_parse_into(STRVALS_FILE, "b=missing", m, reader, NULL, &err) < 0);
	assert_non_null(strstr(tops_err_msg(&err), "missing"));
	value_unref(m);
	tops_err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing),
		cmocka_unit_test(test_nesting_lists_escapes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_set_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
