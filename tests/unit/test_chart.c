/* Unit tests for core/chart: loading directories and archives, Chart.yaml validation with Helm's
 * messages, .helmignore, subcharts and files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/chart/chart.h"

static char tmpdir[256];

static void put(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, rel);
	for (char *s = strchr(path + strlen(tmpdir) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		mkdir(path, 0755);
		*s = '/';
	}
	struct tops_err err = {0};
	assert_int_equal(write_file_atomic(path, text, strlen(text), &err), 0);
	free(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/tops-chart-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_cb(const char *dir)
{
	char *cmd[] = {"rm", "-rf", (char *)dir, NULL};
	pid_t pid = fork();
	if (pid == 0) {
		execvp("rm", cmd);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return rm_cb(tmpdir);
}

static struct chart *load(struct tops_err *err)
{
	struct chart *c = NULL;
	chart_load(tmpdir, &c, err);
	return c;
}

static void test_load_dir(void **state)
{
	(void)state;
	put("Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.2.3\nappVersion: \"9\"\nkeywords: [a, b]\n"
			  "dependencies:\n- name: sub\n  version: ~0.1.0\n  condition: sub.enabled\n  alias: other\n");
	put("values.yaml", "replicas: 3\nimage: {tag: x}\n");
	put("templates/a.yaml", "kind: A\n");
	put("templates/.hidden", "no\n");
	put("templates/_h.tpl", "{{define \"x\"}}{{end}}\n");
	put("files/conf.txt", "k=v\n");
	put("secret.key", "nope\n");
	put(".helmignore", "# comment\n*.key\n");
	put("charts/sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.5\n");
	put("charts/sub/templates/s.yaml", "kind: S\n");
	struct tops_err err = {0};
	struct chart *c = load(&err);
	assert_non_null(c);
	assert_string_equal(c->name, "app");
	assert_string_equal(value_map_get(c->meta, "AppVersion")->u.str.s, "9");
	assert_string_equal(value_map_get(c->meta, "APIVersion")->u.str.s, "v2");
	assert_int_equal(value_map_get(c->meta, "Keywords")->u.list.len, 2);
	assert_int_equal(value_map_get(c->values, "replicas")->type, V_FLOAT);
	assert_int_equal(c->ntemplates, 2);
	assert_string_equal(c->templates[0].name, "templates/_h.tpl");
	for (size_t i = 0; i < c->nfiles; i++)
		assert_string_not_equal(c->files[i].name, "secret.key");
	assert_int_equal(c->ncharts, 1);
	assert_string_equal(c->charts[0]->name, "sub");
	assert_ptr_equal(c->charts[0]->parent, c);
	assert_int_equal(c->ndeps, 1);
	assert_string_equal(c->deps[0].alias, "other");
	char *p = chart_full_path(c->charts[0]);
	assert_string_equal(p, "app/charts/sub");
	free(p);
	assert_true(chart_version_satisfies(c->deps[0].version, c->charts[0]->version));
	assert_false(chart_version_satisfies("^2.0", "1.9.0"));
	chart_free(c);
	tops_err_clear(&err);
}

static void test_requirements_yaml(void **state)
{
	(void)state;
	struct chart_file f[] = {
		{"Chart.yaml", "apiVersion: v1\nname: old\nversion: 0.1.0\n", 0},
		{"requirements.yaml", "dependencies:\n- name: db\n  version: \">=1.0\"\n  condition: db.on\n", 0},
	};
	for (size_t i = 0; i < 2; i++)
		f[i].len = strlen(f[i].data);
	struct chart *c = NULL;
	struct tops_err err = {0};
	assert_int_equal(chart_load_files(f, 2, &c, &err), 0);
	assert_int_equal(c->ndeps, 1);
	assert_string_equal(c->deps[0].name, "db");
	assert_string_equal(c->deps[0].condition, "db.on");
	assert_int_equal(c->nfiles, 0);
	chart_free(c);
}

static void test_validation(void **state)
{
	(void)state;
	struct tops_err err = {0};
	put("Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\ntype: Library\n");
	assert_null(load(&err));
	assert_string_equal(tops_err_msg(&err), "validation: chart.metadata.type must be application or library");
	put("Chart.yaml", "apiVersion: v2\nname: app\nversion: one\n");
	assert_null(load(&err));
	assert_string_equal(tops_err_msg(&err), "validation: chart.metadata.version \"one\" is invalid");
	put("Chart.yaml", "apiVersion: v2\nversion: 1.0.0\n");
	assert_null(load(&err));
	assert_string_equal(tops_err_msg(&err), "validation: chart.metadata.name is required");
	put("Chart.yaml", "name: [x\n");
	assert_null(load(&err));
	assert_non_null(strstr(tops_err_msg(&err), "cannot load Chart.yaml"));
	tops_err_clear(&err);
	struct chart *c = NULL;
	assert_true(chart_load("/nonexistent/chart", &c, &err) < 0);
	assert_non_null(strstr(tops_err_msg(&err), "not found"));
	tops_err_clear(&err);
}

static void test_missing_chart_yaml_and_bad_archive(void **state)
{
	(void)state;
	struct tops_err err = {0};
	struct chart *c = NULL;
	struct chart_file f = {.name = "values.yaml", .data = "a: 1\n", .len = 5};
	assert_true(chart_load_files(&f, 1, &c, &err) < 0);
	assert_string_equal(tops_err_msg(&err), "Chart.yaml file is missing");
	put("bad.tgz", "\x1f\x8b garbage");
	char *p = xasprintf("%s/bad.tgz", tmpdir);
	assert_true(chart_load(p, &c, &err) < 0);
	assert_null(c);
	free(p);
	tops_err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_requirements_yaml),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_missing_chart_yaml_and_bad_archive),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
