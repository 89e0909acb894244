/* Unit tests for core/validate: document splitting, Lists, schema-location templates, strict
 * mode, skip/reject, missing schemas, the schema cache, directory walking, positions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/validate/validate.h"

static char tmpdir[] = "/tmp/tops-validate-XXXXXX";

static const char *widget_schema =
	"{\"type\":\"object\",\"required\":[\"spec\"],\"properties\":{\"apiVersion\":{\"type\":\"string\"},"
	"\"kind\":{\"type\":\"string\"},\"metadata\":{\"type\":\"object\"},"
	"\"spec\":{\"type\":\"object\",\"properties\":{\"size\":{\"type\":\"integer\"}}}}}";

static void put(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, rel);
	char *slash = strrchr(path, '/');
	*slash = 0;
	char *cmd_dir = xstrdup(path);
	*slash = '/';
	for (char *p = cmd_dir + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(cmd_dir, 0755);
			*p = '/';
		}
	mkdir(cmd_dir, 0755);
	struct tops_err err = {0};
	assert_int_equal(write_file_atomic(path, text, strlen(text), &err), 0);
	free(cmd_dir);
	free(path);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	put("schemas/master-standalone/widget-example-v1.json", widget_schema);
	put("schemas/v1.30.0-standalone-strict/widget-example-v1.json", widget_schema);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	static const char *const files[] = {
		"schemas/master-standalone/widget-example-v1.json", "schemas/v1.30.0-standalone-strict/widget-example-v1.json",
		"tree/a.yaml", "tree/sub/b.yml", "tree/sub/skip-me.yaml", "tree/notes.txt", "tree/c.JSON",
	};
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		char *p = xasprintf("%s/%s", tmpdir, files[i]);
		unlink(p);
		free(p);
	}
	static const char *const dirs[] = {"schemas/master-standalone", "schemas/v1.30.0-standalone-strict", "schemas",
					   "tree/sub", "tree", ""};
	for (size_t i = 0; i < ARRAY_LEN(dirs); i++) {
		char *p = xasprintf("%s/%s", tmpdir, dirs[i]);
		rmdir(p);
		free(p);
	}
	return 0;
}

/* Collected results, flattened into one line per document: "status kind name line err". */
struct collect {
	struct strbuf sb;
	int n;
};

static void collect_cb(const struct validate_result *r, void *ud)
{
	static const char *const st[] = {[VAL_EMPTY] = "empty", [VAL_VALID] = "valid", [VAL_INVALID] = "invalid",
					 [VAL_ERROR] = "error", [VAL_SKIPPED] = "skipped"};
	struct collect *c = ud;
	sb_addf(&c->sb, "%s %s %s %d", st[r->status], r->kind, r->name, r->line);
	if (r->err)
		sb_addf(&c->sb, " [%s]", r->err);
	for (size_t i = 0; i < r->nverrs; i++)
		sb_addf(&c->sb, " {%s %d:%d}", r->verrs[i].path, r->verrs[i].line, r->verrs[i].col);
	sb_addc(&c->sb, '\n');
	c->n++;
}

static struct validator *make(const char *version, bool strict, const char *const *skip, const char *const *reject,
			      bool ignore_missing)
{
	char *loc = xasprintf("%s/schemas", tmpdir);
	const char *locs[] = {"/nonexistent/{{ .ResourceKind }}.json", loc, NULL};
	struct validate_opts o = {.schema_locations = locs, .kubernetes_version = version, .strict = strict,
				  .skip = skip, .reject = reject, .ignore_missing_schemas = ignore_missing};
	struct tops_err err = {0};
	struct validator *v = validator_new(&o, &err);
	if (!v)
		fail_msg("validator_new: %s", tops_err_msg(&err));
	free(loc);
	return v;
}

static char *run(struct validator *v, const char *text)
{
	struct collect c = {STRBUF_INIT, 0};
	validator_run_text(v, "in.yaml", text, strlen(text), true, collect_cb, &c);
	return sb_detach(&c.sb, NULL);
}

#define W(name, extra) "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: " name "\n" extra

static void assert_has(const char *hay, const char *needle)
{
	if (!strstr(hay, needle))
		fail_msg("%s\n--- lacks ---\n%s", hay, needle);
}

static void test_multi_document_and_lines(void **state)
{
	(void)state;
	struct validator *v = make(NULL, false, NULL, NULL, false);
	char *out = run(v, W("a", "spec: {size: 1}\n") "---\n" W("b", "spec:\n  size: big\n") "--- # trailing comment\n\n");
	assert_has(out, "valid Widget a 1\n");
	/* the second document starts on line 7; its bad value sits on line 12, column 9 */
	assert_has(out, "invalid Widget b 7 [problem validating schema. Check JSON formatting: jsonschema validation "
			"failed with 'file:///");
	assert_has(out, "/schemas/master-standalone/widget-example-v1.json#' - at '/spec/size': got string, want integer]"
			" {/spec/size 12:9}\n");
	assert_has(out, "empty   14\n"); /* the blank document after the last separator */
	free(out);
	out = run(v, "");
	assert_string_equal(out, "empty   0\n");
	free(out);
	out = run(v, "# only a comment\n");
	assert_string_equal(out, "empty   1\n");
	free(out);
	validator_free(v);
}

static void test_lists(void **state)
{
	(void)state;
	struct validator *v = make(NULL, false, NULL, NULL, false);
	char *out = run(v, "apiVersion: v1\nkind: List\nitems:\n- " "apiVersion: example.com/v1\n  kind: Widget\n  metadata: {name: x}\n  spec: {}\n"
			"- apiVersion: example.com/v1\n  kind: Widget\n  metadata: {name: z}\n");
	assert_has(out, "valid Widget x 4\n");
	assert_has(out, "invalid Widget z 8 [");
	assert_has(out, "missing property 'spec'");
	free(out);
	out = run(v, "apiVersion: v1\nkind: WidgetList\nitems: []\n");
	assert_string_equal(out, "empty   0\n"); /* an empty List still counts its file */
	free(out);
	validator_free(v);
}

static void test_errors_and_signatures(void **state)
{
	(void)state;
	struct validator *v = make(NULL, false, NULL, NULL, false);
	char *out = run(v, "kind: Widget\n---\napiVersion: v1\n---\n- 1\n---\nmetadata: {generateName: pi-}\nkind: Gadget\napiVersion: v9\n"
			"---\na: [\n");
	assert_has(out, "error Widget  1 [error while parsing: missing 'apiVersion' key]\n");
	assert_has(out, "error   3 [error while parsing: missing 'kind' key]\n");
	assert_has(out, "cannot unmarshal array into Go value of type map[string]interface {}]");
	assert_has(out, "error Gadget pi-{{ generateName }} 7 [could not find schema for Gadget]\n");
	assert_has(out, "[error unmarshalling resource: error converting YAML to JSON: yaml: line ");
	free(out);
	validator_free(v);
	v = make(NULL, false, NULL, NULL, true);
	out = run(v, "kind: Gadget\napiVersion: v9\n");
	assert_string_equal(out, "skipped Gadget  1\n");
	free(out);
	validator_free(v);
}

static void test_skip_reject(void **state)
{
	(void)state;
	const char *skip[] = {"example.com/v1/Widget", NULL}, *reject[] = {"Gadget", NULL};
	struct validator *v = make(NULL, false, skip, reject, false);
	char *out = run(v, W("a", "") "---\napiVersion: v2\nkind: Gadget\n");
	assert_has(out, "skipped Widget a 1\n");
	assert_has(out, "error Gadget  6 [prohibited resource kind Gadget]\n");
	free(out);
	validator_free(v);
	const char *skip_other[] = {"example.com/v2/Widget", NULL};
	v = make(NULL, false, skip_other, NULL, false);
	out = run(v, W("a", "spec: {}\n"));
	assert_string_equal(out, "valid Widget a 1\n");
	free(out);
	validator_free(v);
}

static void test_strict(void **state)
{
	(void)state;
	struct validator *v = make("1.30.0", true, NULL, NULL, false);
	char *out = run(v, W("a", "spec: {}\nspec: {size: 2}\n"));
	assert_has(out, "error Widget a 6 [error unmarshalling resource: error converting YAML to JSON: yaml: unmarshal "
			"errors:\n  line 6: key \"spec\" already set in map]");
	free(out);
	out = run(v, W("b", "spec: {}\n"));
	assert_has(out, "valid Widget b 1"); /* found under v1.30.0-standalone-strict */
	free(out);
	validator_free(v);
	v = make("1.30.0", false, NULL, NULL, false); /* not strict: no v1.30.0-standalone directory */
	out = run(v, W("a", "spec: {}\nspec: {size: 2}\n"));
	assert_has(out, "could not find schema for Widget");
	free(out);
	validator_free(v);
}

static void test_schema_cache(void **state)
{
	(void)state;
	put("schemas/master-standalone/widget-example-v1.json", widget_schema);
	struct validator *v = make(NULL, false, NULL, NULL, false);
	char *out = run(v, W("a", "spec: {}\n"));
	assert_string_equal(out, "valid Widget a 1\n");
	free(out);
	char *path = xasprintf("%s/schemas/master-standalone/widget-example-v1.json", tmpdir);
	unlink(path);
	out = run(v, W("b", "spec: {}\n")); /* parsed once, reused */
	assert_string_equal(out, "valid Widget b 1\n");
	free(out);
	validator_free(v);
	put("schemas/master-standalone/widget-example-v1.json", widget_schema);
	free(path);
}

static void test_options(void **state)
{
	(void)state;
	struct tops_err err = {0};
	const char *bad_tpl[] = {"foo {{ .Foo }}", NULL};
	struct validate_opts o = {.schema_locations = bad_tpl};
	assert_null(validator_new(&o, &err));
	assert_true(str_has_prefix(tops_err_msg(&err), "failed initialising schema location registry: "));
	tops_err_clear(&err);
	const char *http[] = {"https://example.com/{{ .ResourceKind }}.json", NULL};
	o.schema_locations = http;
	assert_null(validator_new(&o, &err));
	assert_non_null(strstr(tops_err_msg(&err), "not supported"));
	tops_err_clear(&err);
	o.schema_locations = NULL;
	o.kubernetes_version = "1.25";
	assert_null(validator_new(&o, &err));
	assert_non_null(strstr(tops_err_msg(&err), "1.25 is not a valid version"));
	tops_err_clear(&err);
	const char *pats[] = {"(", NULL};
	o.kubernetes_version = NULL;
	o.ignore_filename_patterns = pats;
	assert_null(validator_new(&o, &err));
	tops_err_clear(&err);
	setenv("XDG_DATA_HOME", "/data", 1);
	char *d = validate_default_location();
	assert_string_equal(d, "/data/tops/schemas/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/"
			       "{{ .ResourceKind }}{{ .KindSuffix }}.json");
	free(d);
}

static void test_walk(void **state)
{
	(void)state;
	put("tree/a.yaml", W("a", "spec: {}\n"));
	put("tree/sub/b.yml", W("b", "spec: {}\n"));
	put("tree/sub/skip-me.yaml", "not: [valid");
	put("tree/notes.txt", "ignored");
	put("tree/c.JSON", "{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"c\"},\"spec\":{}}");
	char *loc = xasprintf("%s/schemas", tmpdir);
	const char *locs[] = {loc, NULL}, *pats[] = {"skip-me", NULL};
	struct validate_opts o = {.schema_locations = locs, .ignore_filename_patterns = pats};
	struct tops_err err = {0};
	struct validator *v = validator_new(&o, &err);
	assert_non_null(v);
	char *tree = xasprintf("%s/tree", tmpdir), *missing = xasprintf("%s/missing", tmpdir);
	const char *paths[] = {tree, missing};
	struct collect c = {STRBUF_INIT, 0};
	validator_run_paths(v, paths, 2, collect_cb, &c);
	assert_true(str_has_prefix(sb_str(&c.sb), "valid Widget a 1\nvalid Widget c 1\nvalid Widget b 1\nerror   0 [lstat "));
	assert_true(str_has_suffix(sb_str(&c.sb), "/missing: no such file or directory]\n"));
	free(sb_detach(&c.sb, NULL));
	validator_free(v);
	free(tree);
	free(missing);
	free(loc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multi_document_and_lines),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_errors_and_signatures),
		cmocka_unit_test(test_skip_reject),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_schema_cache),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_walk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
