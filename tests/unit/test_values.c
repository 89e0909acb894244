/* Unit tests for core/values: coalescing, globals, -f merging and dependency processing
 * (condition, tags, alias, import-values) on charts built from in-memory files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/chart/values.h"
#include "core/base/yaml.h"

static struct value *yml(const char *s)
{
	struct yaml_opts o = {.numbers_as_float = true};
	struct value *v = yaml_load(s, strlen(s), "t.yaml", &o, NULL, NULL);
	assert_non_null(v);
	return v;
}

/* files: name, content, name, content, ..., NULL */
static struct chart *mk(const char *const *files)
{
	struct chart_file f[32];
	size_t n = 0;
	for (; files[2 * n]; n++)
		f[n] = (struct chart_file){(char *)files[2 * n], (char *)files[2 * n + 1], strlen(files[2 * n + 1])};
	struct chart *c = NULL;
	struct tops_err err = {0};
	assert_int_equal(chart_load_files(f, n, &c, &err), 0);
	return c;
}

static const char *const parent[] = {
	"Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\ndependencies:\n"
		      "- name: sub\n  version: 0.1.0\n  condition: sub.enabled\n  tags: [backend]\n"
		      "  import-values:\n  - child: data\n    parent: imported\n  - shared\n"
		      "- name: sub\n  alias: second\n  version: 0.1.0\n",
	"values.yaml", "global: {region: eu}\nsub: {enabled: true, size: 2}\nimported: {mine: 1}\n",
	"charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
	"charts/sub/values.yaml", "size: 1\ndata: {mine: 9, theirs: 8}\nexports: {shared: {fromsub: yes}}\n"
				  "global: {region: us, zone: a}\n",
	NULL,
};

static void test_coalesce_and_globals(void **state)
{
	(void)state;
	struct chart *c = mk(parent);
	struct value *user = yml("sub: {size: 5}\nglobal: {extra: x}\nimported: null\n");
	struct tops_err err = {0};
	struct value *v = values_coalesce(c, user, false, &err);
	assert_non_null(v);
	assert_true(value_map_path(v, "sub.size")->u.f == 5.0);
	assert_string_equal(value_map_path(v, "sub.global.region")->u.str.s, "eu");
	assert_string_equal(value_map_path(v, "sub.global.zone")->u.str.s, "a");
	assert_string_equal(value_map_path(v, "sub.global.extra")->u.str.s, "x");
	assert_null(value_map_get(v, "imported"));   /* user null deletes the default */
	value_unref(v);
	v = values_coalesce(c, user, true, &err);
	assert_int_equal(value_map_get(v, "imported")->type, V_NULL);   /* MergeValues keeps it */
	value_unref(v);
	value_unref(user);
	chart_free(c);
}

static void test_dependencies(void **state)
{
	(void)state;
	struct chart *c = mk(parent);
	struct tops_err err = {0};
	assert_int_equal(values_process_dependencies(c, NULL, &err), 0);
	assert_int_equal(c->ncharts, 2);
	assert_string_equal(c->charts[0]->name, "sub");
	assert_string_equal(c->charts[1]->name, "second");
	assert_string_equal(value_map_get(c->charts[1]->meta, "Name")->u.str.s, "second");
	/* import-values: child table under parent key, parent's own values win; exports.* at the top */
	assert_true(value_map_path(c->values, "imported.mine")->u.f == 1.0);
	assert_true(value_map_path(c->values, "imported.theirs")->u.f == 8.0);
	assert_true(value_map_path(c->values, "fromsub")->u.b);
	chart_free(c);

	c = mk(parent);
	struct value *user = yml("sub: {enabled: false}\n");
	assert_int_equal(values_process_dependencies(c, user, &err), 0);
	assert_int_equal(c->ncharts, 1);
	assert_string_equal(c->charts[0]->name, "second");
	value_unref(user);
	chart_free(c);

	c = mk(parent);
	user = yml("tags: {backend: false}\nsub: {enabled: null}\n");
	assert_int_equal(values_process_dependencies(c, user, &err), 0);
	assert_int_equal(c->ncharts, 1);   /* the tag disables it once the condition is unset */
	value_unref(user);
	chart_free(c);
}

static void test_merge_maps(void **state)
{
	(void)state;
	struct value *a = yml("x: {a: 1, b: 2}\nl: [1, 2]\n"), *b = yml("x: {b: 3}\nl: [9]\n");
	struct value *m = values_merge_maps(a, b);
	assert_true(value_map_path(m, "x.a")->u.f == 1.0);
	assert_true(value_map_path(m, "x.b")->u.f == 3.0);
	assert_int_equal(value_map_get(m, "l")->u.list.len, 1);   /* lists are replaced */
	assert_true(value_map_path(a, "x.b")->u.f == 2.0);        /* inputs untouched */
	value_unref(m);
	value_unref(a);
	value_unref(b);
}

static char *write_tmp(const char *text)
{
	char *path = xstrdup("/tmp/tops-values-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_values_files(void **state)
{
	(void)state;
	struct tops_err err = {0};
	struct value *v = valuesfile_parse("", 0, "e.yaml", &err);
	assert_int_equal(v->type, V_MAP);                       /* empty document: {} */
	value_unref(v);
	assert_null(valuesfile_parse("- 1\n", 4, "l.yaml", &err));
	assert_non_null(strstr(tops_err_msg(&err), "cannot unmarshal into Go value of type map"));
	tops_err_clear(&err);
	assert_null(valuesfile_parse("a: [1\n", 6, "bad.yaml", &err));
	assert_non_null(strstr(tops_err_msg(&err), "bad.yaml:"));   /* position names the file */
	tops_err_clear(&err);
	char *a = write_tmp("x: {a: 1, b: 2}\nbig: 1000000\n"), *b = write_tmp("x: {b: 3}\n");
	char *bad = write_tmp("[1, 2]\n");
	const char *files[] = {a, b};
	struct value *m = values_merge_files(files, 2, &err);
	assert_non_null(m);
	assert_true(value_map_path(m, "x.a")->u.f == 1.0);
	assert_true(value_map_path(m, "x.b")->u.f == 3.0);
	assert_int_equal(value_map_get(m, "big")->type, V_FLOAT);  /* numbers are float64, as in Helm */
	value_unref(m);
	const char *with_bad[] = {a, bad};
	assert_null(values_merge_files(with_bad, 2, &err));
	char *want = xasprintf("failed to parse %s: ", bad);
	assert_non_null(strstr(tops_err_msg(&err), want));
	tops_err_clear(&err);
	const char *missing[] = {"/nonexistent/values.yaml"};
	assert_null(values_merge_files(missing, 1, &err));
	assert_non_null(strstr(tops_err_msg(&err), "/nonexistent/values.yaml"));
	tops_err_clear(&err);
	unlink(a);
	unlink(b);
	unlink(bad);
	free(a);
	free(b);
	free(bad);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_files),
		cmocka_unit_test(test_coalesce_and_globals),
		cmocka_unit_test(test_dependencies),
		cmocka_unit_test(test_merge_maps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
