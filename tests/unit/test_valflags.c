/* Unit tests for core/chart/valflags: helm's merge order of -f files and --set kinds, and errors
 * that name the flag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/chart/valflags.h"

static char *tmp_file(const char *text)
{
	char *path = xstrdup("/tmp/test_valflags_XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static char *merged_json(const struct valflag *f, size_t n)
{
	struct tops_err err = {0};
	struct value *v = valflags_merge(f, n, &err);
	char *j = v ? value_to_json(v, false, false) : xasprintf("ERR %s", tops_err_msg(&err));
	value_unref(v);
	tops_err_clear(&err);
	return j;
}

/* Files merge in order (later wins), then --set-json, --set, --set-string whatever order they
 * were given in: helm applies each kind after the files. */
static void test_order(void **state)
{
	(void)state;
	char *a = tmp_file("x: 1\nm: {a: 1, b: 2}\n"), *b = tmp_file("m: {b: 3}\nz: file\n");
	struct valflag f[] = {{"--set-string", "z=7"}, {"-f", a}, {"--set", "x=2"}, {"--values", b},
			      {"--set-json", "w=[1]"}, {"--other", "ignored"}};
	char *j = merged_json(f, ARRAY_LEN(f));
	assert_string_equal(j, "{\"m\":{\"a\":1,\"b\":3},\"w\":[1],\"x\":2,\"z\":\"7\"}");
	free(j);
	unlink(a), unlink(b);
	free(a), free(b);
}

static void test_none(void **state)
{
	(void)state;
	char *j = merged_json(NULL, 0);
	assert_string_equal(j, "{}");
	free(j);
}

static void test_errors(void **state)
{
	(void)state;
	struct valflag bad_set[] = {{"--set", "runner.replicas[x]=1"}};
	char *j = merged_json(bad_set, 1);
	assert_non_null(strstr(j, "ERR --set runner.replicas[x]=1: "));
	assert_non_null(strstr(j, "invalid syntax"));
	free(j);
	char *y = tmp_file("a: 1\nb: [\n");
	struct valflag bad_file[] = {{"-f", y}};
	j = merged_json(bad_file, 1);
	assert_true(!strncmp(j, "ERR ", 4));
	assert_non_null(strstr(j, y)); /* the file is named, with its position */
	free(j);
	unlink(y);
	free(y);
	struct valflag missing[] = {{"-f", "/nonexistent/values.yaml"}};
	j = merged_json(missing, 1);
	assert_non_null(strstr(j, "/nonexistent/values.yaml"));
	free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
