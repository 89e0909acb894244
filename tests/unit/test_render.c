/* Unit tests for core/render and core/manifest_sort: document splitting, install order, hooks,
 * output assembly, Helm's error wording and hostile template output (deep nesting, alias bombs,
 * invalid UTF-8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/chart/manifest_sort.h"
#include "core/chart/render.h"

static void test_split(void **state)
{
	(void)state;
	char **d;
	size_t n;
	const char *text = "\n---\na: 1\n---   \n\n---\nb: 2\n  ---\nc: 3\n---x\n";
	manifest_split(text, strlen(text), &d, &n);
	assert_int_equal(n, 3);
	assert_string_equal(d[0], "a: 1");
	/* whitespace eaten by a separator cannot start another; "  ---" is not one either */
	assert_string_equal(d[1], "---\nb: 2\n  ---\nc: 3");
	assert_string_equal(d[2], "x");                    /* Helm's regexp splits "---x" too */
	for (size_t i = 0; i < n; i++)
		free(d[i]);
	free(d);
}

static void test_sort(void **state)
{
	(void)state;
	const char *names[] = {"c/templates/b.yaml", "c/templates/a.yaml", "c/templates/_h.tpl"};
	const char *texts[] = {
		"kind: Deployment\n---\nkind: Zeta\n---\nkind: Alpha\n---\nkind: Namespace\n",
		"kind: Service\n---\nkind: Pod\nmetadata: {annotations: {helm.sh/hook: test}}\n"
		"---\nkind: Job\nmetadata: {annotations: {helm.sh/hook: unknown-hook}}\n"
		"---\nkind: Job\nmetadata: {annotations: {helm.sh/hook: \"pre-install,\"}}\n",
		"kind: Secret\n",
	};
	struct manifest_set ms;
	struct tops_err err = {0};
	assert_int_equal(manifest_sort(names, texts, 3, &ms, &err), 0);
	const char *order[] = {"Namespace", "Service", "Deployment", "Alpha", "Zeta"};
	assert_int_equal(ms.nmanifests, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(ms.manifests[i].kind, order[i]);
	assert_string_equal(ms.manifests[1].name, "c/templates/a.yaml");
	assert_int_equal(ms.nhooks, 1);   /* the unknown hook is dropped, as Helm does */
	assert_true(ms.hooks[0].is_test);
	manifest_set_done(&ms);
}

static void test_yaml_errors(void **state)
{
	(void)state;
	const char *names[] = {"c/templates/x.yaml"};
	struct manifest_set ms;
	struct tops_err err = {0};
	const char *bad[] = {"a: b\nc\nd: e\n"};
	assert_true(manifest_sort(names, bad, 1, &ms, &err) < 0);
	assert_non_null(strstr(tops_err_msg(&err), "YAML parse error on c/templates/x.yaml: error converting YAML to JSON: yaml: line"));
	/* An alias bomb and very deep nesting are refused, not expanded. */
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "a: &a [x,x,x,x,x,x,x,x,x,x]\n");
	for (char c = 'b'; c <= 'k'; c++)
		sb_addf(&sb, "%c: &%c [*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c,*%c]\n", c, c, c - 1, c - 1,
			c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
	const char *bomb[] = {sb_str(&sb)};
	assert_true(manifest_sort(names, bomb, 1, &ms, &err) < 0);
	assert_non_null(strstr(tops_err_msg(&err), "c/templates/x.yaml"));
	sb_reset(&sb);
	for (int i = 0; i < 5000; i++)
		sb_addc(&sb, '[');
	const char *deep[] = {sb_str(&sb)};
	assert_true(manifest_sort(names, deep, 1, &ms, &err) < 0);
	const char *scalar[] = {"just text\n"};
	assert_true(manifest_sort(names, scalar, 1, &ms, &err) < 0);
	assert_string_equal(tops_err_msg(&err), "YAML parse error on c/templates/x.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type releaseutil.SimpleHead");
	const char *ann[] = {"kind: A\nmetadata: {annotations: {a: 1}}\n"};
	assert_true(manifest_sort(names, ann, 1, &ms, &err) < 0);
	assert_non_null(strstr(tops_err_msg(&err), "cannot unmarshal number into Go struct field .metadata.annotations of type string"));
	const char *comment[] = {"# only a comment\n"};
	assert_int_equal(manifest_sort(names, comment, 1, &ms, &err), 0);
	assert_int_equal(ms.nmanifests, 1);
	manifest_set_done(&ms);
	const char *utf[] = {"a: \xff\xfe\n"};
	assert_true(manifest_sort(names, utf, 1, &ms, &err) < 0);
	sb_done(&sb);
	tops_err_clear(&err);
}

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

static int render(const char *const *files, const struct render_opts *o, struct strbuf *out,
		  struct tops_err *err)
{
	struct chart *c = mk(files);
	int rc = render_chart(c, o, out, err);
	chart_free(c);
	return rc;
}

static void test_render_chart(void **state)
{
	(void)state;
	const char *const files[] = {
		"Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n",
		"values.yaml", "num: 3\nname: web\n",
		"templates/NOTES.txt", "notes {{ .Release.Name }}\n",
		"templates/svc.yaml", "kind: Service\nmetadata:\n  name: {{ .Values.name }}-{{ .Release.Namespace }}\n"
				      "  labels: {v: \"{{ .Capabilities.KubeVersion }}\", m: \"{{ .Values.missing }}\"}\n",
		"templates/hook.yaml", "kind: Job\nmetadata:\n  annotations: {\"helm.sh/hook\": pre-install}\n",
		"templates/cm.yaml", "kind: ConfigMap\ndata: {n: \"{{ .Values.num }}\", c: {{ .Chart.Name }}}\n",
		"templates/empty.yaml", "{{- if false }}x{{ end }}\n",
		"crds/crd.yaml", "kind: CustomResourceDefinition\n",
		NULL,
	};
	struct render_opts o = {.namespace_ = "prod", .include_crds = true, .kube_version = "1.29.3"};
	struct strbuf out = STRBUF_INIT;
	struct tops_err err = {0};
	assert_int_equal(render(files, &o, &out, &err), 0);
	assert_string_equal(sb_str(&out),
		"---\n# Source: app/crds/crd.yaml\nkind: CustomResourceDefinition\n\n"
		"---\n# Source: app/templates/cm.yaml\nkind: ConfigMap\ndata: {n: \"3\", c: app}\n"
		"---\n# Source: app/templates/svc.yaml\nkind: Service\nmetadata:\n  name: web-prod\n"
		"  labels: {v: \"v1.29.3\", m: \"\"}\n"
		"---\n# Source: app/templates/hook.yaml\nkind: Job\nmetadata:\n  annotations: {\"helm.sh/hook\": pre-install}\n");
	sb_reset(&out);
	const char *const show[] = {"templates/s*"};
	struct render_opts o2 = {.show_only = show, .n_show_only = 1};
	assert_int_equal(render(files, &o2, &out, &err), 0);
	assert_non_null(strstr(sb_str(&out), "# Source: app/templates/svc.yaml"));
	assert_null(strstr(sb_str(&out), "cm.yaml"));
	const char *const none[] = {"templates/nope.yaml"};
	struct render_opts o3 = {.show_only = none, .n_show_only = 1};
	assert_true(render(files, &o3, &out, &err) < 0);
	assert_string_equal(tops_err_msg(&err), "could not find template templates/nope.yaml in chart");
	struct render_opts o4 = {.release_name = "Bad_Name"};
	assert_true(render(files, &o4, &out, &err) < 0);
	assert_non_null(strstr(tops_err_msg(&err), "invalid release name"));
	sb_done(&out);
	tops_err_clear(&err);
}

static void test_files(void **state)
{
	(void)state;
	const char *const files[] = {
		"Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n",
		"conf/a.txt", "one\ntwo\n",
		"conf/deep/b.txt", "bee",
		"other.txt", "x",
		"templates/cm.yaml",
		"kind: ConfigMap\n"
		"data:\n{{ (.Files.Glob \"conf/*\").AsConfig | indent 2 }}\n"
		"deep: {{ (.Files.Glob \"conf/**.txt\").AsSecrets | quote }}\n"
		"set: {{ (.Files.Glob \"{other,conf/a}.txt\").AsConfig | quote }}\n"
		"lines: {{ .Files.Lines \"conf/a.txt\" | join \"|\" }}\n"
		"get: {{ .Files.Get \"conf/deep/b.txt\" }}{{ .Files.Get \"missing\" }}\n",
		NULL,
	};
	struct render_opts o = {0};
	struct strbuf out = STRBUF_INIT;
	struct tops_err err = {0};
	assert_int_equal(render(files, &o, &out, &err), 0);
	assert_string_equal(sb_str(&out),
		"---\n# Source: app/templates/cm.yaml\nkind: ConfigMap\ndata:\n  a.txt: |\n    one\n    two\n"
		"deep: \"a.txt: b25lCnR3bwo=\\nb.txt: YmVl\"\n"
		"set: \"a.txt: |\\n  one\\n  two\\nother.txt: x\"\n"
		"lines: one|two\nget: bee\n");
	sb_done(&out);
	tops_err_clear(&err);
}

/* range, len and index see .Files and Files.Glob results as maps of path -> content. */
static void test_files_as_map(void **state)
{
	(void)state;
	const char *const files[] = {
		"Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n",
		"conf/a.txt", "A", "conf/b.txt", "B",
		"templates/cm.yaml",
		"n: {{ len (.Files.Glob \"conf/*\") }}\n"
		"{{- range $p, $c := .Files.Glob \"conf/*\" }}\n{{ base $p }}: {{ toString $c }}{{ end }}\n"
		"i: {{ index (.Files.Glob \"conf/*\") \"conf/b.txt\" | toString }}\n",
		NULL,
	};
	struct render_opts o = {0};
	struct strbuf out = STRBUF_INIT;
	struct tops_err err = {0};
	assert_int_equal(render(files, &o, &out, &err), 0);
	assert_string_equal(sb_str(&out), "---\n# Source: app/templates/cm.yaml\nn: 2\na.txt: A\nb.txt: B\ni: B\n");
	sb_done(&out);
	tops_err_clear(&err);
}

static void test_errors(void **state)
{
	(void)state;
	const char *const parse[] = {
		"Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n",
		"templates/a.yaml", "ok\n{{ if }}\n", NULL,
	};
	struct render_opts o = {0};
	struct strbuf out = STRBUF_INIT;
	struct tops_err err = {0};
	assert_true(render(parse, &o, &out, &err) < 0);
	assert_non_null(strstr(tops_err_msg(&err), "parse error at (app/templates/a.yaml:2)"));
	const char *const req[] = {
		"Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n",
		"templates/a.yaml", "x: {{ required \"x is required\" .Values.x }}\n", NULL,
	};
	assert_true(render(req, &o, &out, &err) < 0);
	assert_string_equal(tops_err_msg(&err), "execution error at (app/templates/a.yaml:1:6): x is required");
	const char *const schema[] = {
		"Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\n",
		"values.yaml", "replicas: one\n",
		"values.schema.json", "{\"properties\": {\"replicas\": {\"type\": \"integer\"}}}",
		"templates/a.yaml", "kind: A\n", NULL,
	};
	assert_true(render(schema, &o, &out, &err) < 0);
	assert_non_null(strstr(tops_err_msg(&err), "values don't meet the specifications of the schema(s) in the following chart(s):\napp:\n- at '/replicas'"));
	const char *const lib[] = {
		"Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\ntype: library\n", NULL,
	};
	assert_true(render(lib, &o, &out, &err) < 0);
	assert_string_equal(tops_err_msg(&err), "library charts are not installable");
	const char *const kube[] = {
		"Chart.yaml", "apiVersion: v2\nname: app\nversion: 1.0.0\nkubeVersion: \">=1.25.0\"\n", NULL,
	};
	assert_true(render(kube, &o, &out, &err) < 0);
	assert_string_equal(tops_err_msg(&err), "chart requires kubeVersion: >=1.25.0 which is incompatible with Kubernetes v1.20.0");
	sb_done(&out);
	tops_err_clear(&err);
}

static void test_sort_templates(void **state)
{
	(void)state;
	const char *n[] = {"a/templates/x", "a/charts/b/templates/x", "a/templates/_h", "a/templates/y"};
	render_sort_templates(n, 4);
	assert_string_equal(n[0], "a/charts/b/templates/x");
	assert_string_equal(n[1], "a/templates/y");
	assert_string_equal(n[3], "a/templates/_h");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_yaml_errors),
		cmocka_unit_test(test_render_chart),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_files_as_map),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_sort_templates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
