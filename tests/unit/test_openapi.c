/* Unit tests for core/validate/openapi: OpenAPI v3 component schemas (the shape an API server's
 * /openapi/v3 group documents have) compiled and applied; every keyword, valid and invalid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate/openapi.h"
#include "core/validate/openapi_cluster.h"
#include "core/base/yaml.h"

/* A group document in the API server's shape: the kind's component refers to the others
 * through allOf wrappers with defaults, as kube-openapi writes them. */
static const char doc_json[] =
	"{\"openapi\":\"3.0.0\",\"components\":{\"schemas\":{"
	"\"io.k8s.api.demo.v1.Widget\":{\"type\":\"object\",\"properties\":{"
	"  \"apiVersion\":{\"type\":\"string\"},\"kind\":{\"type\":\"string\"},"
	"  \"metadata\":{\"allOf\":[{\"$ref\":\"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta\"}],\"default\":{}},"
	"  \"spec\":{\"allOf\":[{\"$ref\":\"#/components/schemas/io.k8s.api.demo.v1.WidgetSpec\"}],\"default\":{},\"description\":\"d\"}},"
	" \"x-kubernetes-group-version-kind\":[{\"group\":\"demo.io\",\"kind\":\"Widget\",\"version\":\"v1\"}]},"
	"\"io.k8s.api.demo.v1.WidgetList\":{\"type\":\"object\",\"properties\":{\"items\":{\"type\":\"array\"}},"
	" \"x-kubernetes-group-version-kind\":[{\"group\":\"demo.io\",\"kind\":\"WidgetList\",\"version\":\"v1\"}]},"
	"\"io.k8s.api.demo.v1.WidgetSpec\":{\"type\":\"object\",\"required\":[\"size\",\"mode\",\"name\"],\"properties\":{"
	"  \"size\":{\"type\":\"integer\",\"format\":\"int32\"},"
	"  \"big\":{\"type\":\"integer\",\"format\":\"int64\"},"
	"  \"mode\":{\"type\":\"string\",\"default\":\"fast\",\"enum\":[\"fast\",\"slow\"]},"
	"  \"name\":{\"type\":\"string\"},"
	"  \"note\":{\"type\":\"string\",\"nullable\":true},"
	"  \"port\":{\"allOf\":[{\"$ref\":\"#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString\"}]},"
	"  \"alt\":{\"x-kubernetes-int-or-string\":true,\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]},"
	"  \"blob\":{\"type\":\"string\",\"format\":\"byte\"},"
	"  \"when\":{\"allOf\":[{\"$ref\":\"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Time\"}]},"
	"  \"labels\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\",\"default\":\"\"}},"
	"  \"free\":{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true,\"properties\":{\"a\":{\"type\":\"string\"}}},"
	"  \"raw\":{\"type\":\"object\"},"
	"  \"parts\":{\"type\":\"array\",\"items\":{\"allOf\":[{\"$ref\":\"#/components/schemas/io.k8s.api.demo.v1.WidgetSpec\"}],\"default\":{}}}}},"
	"\"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta\":{\"type\":\"object\",\"properties\":{"
	"  \"name\":{\"type\":\"string\"},\"labels\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}}},"
	"\"io.k8s.apimachinery.pkg.apis.meta.v1.Time\":{\"type\":\"string\",\"format\":\"date-time\"},"
	"\"io.k8s.apimachinery.pkg.util.intstr.IntOrString\":{\"format\":\"int-or-string\",\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]},"
	"\"io.k8s.api.demo.v1.Unrelated\":{\"type\":\"object\",\"properties\":{\"x\":{\"$ref\":\"#/components/schemas/Missing\"}}}"
	"}}}";

static struct value *doc(void)
{
	struct tops_err err = {0};
	struct value *d = value_from_json(doc_json, strlen(doc_json), &err);
	if (!d)
		fail_msg("fixture: %s", tops_err_msg(&err));
	return d;
}

/* Validates a Widget (YAML text) against the document's schema; returns the joined errors
 * ("" when valid). Caller frees. */
static char *check(bool strict, const char *yaml)
{
	struct value *d = doc();
	struct tops_err err = {0};
	struct jsonschema *s = openapi_compile_kind(d, "demo.io/v1", "Widget", strict, "apis/demo.io/v1", &err);
	value_unref(d);
	if (!s)
		fail_msg("compile: %s", tops_err_msg(&err));
	struct value *v = yaml_load(yaml, strlen(yaml), "w.yaml", NULL, NULL, NULL);
	assert_non_null(v);
	struct jsonschema_result res = {0};
	int rc = jsonschema_validate(s, v, &res, &err);
	assert_true(rc >= 0);
	assert_int_equal(rc == 0, res.nerrs == 0);
	char *out = jsonschema_result_str(&res, " | ");
	jsonschema_result_done(&res);
	value_unref(v);
	jsonschema_free(s);
	return out;
}

#define W "apiVersion: demo.io/v1\nkind: Widget\nmetadata: {name: w}\n"

static void expect(bool strict, const char *yaml, const char *want)
{
	char *got = check(strict, yaml);
	if (*want ? !strstr(got, want) : *got != 0)
		fail_msg("for:\n%s\nwant %s'%s'\ngot '%s'", yaml, *want ? "an error containing " : "", want, got);
	free(got);
}

static void t_gv_path_and_find(void **state)
{
	char *p = openapi_gv_path("v1");
	assert_string_equal(p, "api/v1");
	free(p);
	p = openapi_gv_path("apps/v1");
	assert_string_equal(p, "apis/apps/v1");
	free(p);
	struct value *d = doc();
	assert_string_equal(openapi_find_kind(d, "demo.io/v1", "Widget"), "io.k8s.api.demo.v1.Widget");
	assert_string_equal(openapi_find_kind(d, "demo.io/v1", "WidgetList"), "io.k8s.api.demo.v1.WidgetList");
	assert_null(openapi_find_kind(d, "demo.io/v2", "Widget"));
	assert_null(openapi_find_kind(d, "v1", "Widget"));
	struct tops_err err = {0};
	assert_null(openapi_compile_kind(d, "demo.io/v1", "Gadget", false, NULL, &err));
	assert_int_equal(err.code, TOPS_ENOENT);
	tops_err_clear(&err);
	value_unref(d);
}

static void t_ref_closure(void **state)
{
	struct value *d = doc();
	struct tops_err err = {0};
	struct value *sd = openapi_schema_doc(d, "io.k8s.api.demo.v1.Widget", false, &err);
	assert_non_null(sd);
	struct value *s = value_map_path(sd, "components.schemas");
	assert_non_null(s);
	/* only what Widget reaches, without the descriptions */
	assert_non_null(value_map_get(s, "io.k8s.api.demo.v1.WidgetSpec"));
	assert_non_null(value_map_get(s, "io.k8s.apimachinery.pkg.util.intstr.IntOrString"));
	assert_null(value_map_get(s, "io.k8s.api.demo.v1.WidgetList"));
	assert_null(value_map_get(s, "io.k8s.api.demo.v1.Unrelated"));
	assert_null(value_map_path(value_map_get(s, "io.k8s.api.demo.v1.Widget"), "properties.spec.description"));
	value_unref(sd);
	/* a dangling $ref is an error naming it */
	assert_null(openapi_schema_doc(d, "io.k8s.api.demo.v1.Unrelated", false, &err));
	assert_int_equal(err.code, TOPS_EINVAL);
	assert_non_null(strstr(tops_err_msg(&err), "Missing"));
	tops_err_clear(&err);
	value_unref(d);
}

static void t_types_through_refs(void **state)
{
	expect(false, W "spec: {size: 3, name: a}\n", "");
	expect(false, W "spec: {size: three, name: a}\n", "at '/spec/size': got string, want integer");
	expect(false, W "spec: {size: 1, name: a, parts: [{size: x, name: b}]}\n", "at '/spec/parts/0/size': got string");
	expect(false, W "metadata: {name: 7}\n", "at '/metadata/name': got number, want string");
	expect(false, W "spec: 5\n", "at '/spec': got number, want object");
}

static void t_required_and_default(void **state)
{
	/* mode has a default: not required; size and name have none */
	expect(false, W "spec: {size: 1, name: a}\n", "");
	expect(false, W "spec: {name: a}\n", "at '/spec': missing property 'size'");
	expect(false, W "spec: {}\n", "missing properties 'size', 'name'");
}

static void t_nullable(void **state)
{
	/* null in a nullable field is a value; elsewhere it is an absent field */
	expect(false, W "spec: {size: 1, name: a, note: null}\n", "");
	expect(false, W "spec: {size: 1, name: a, blob: null, port: null}\n", "");
	expect(false, W "spec: null\n", "");
	/* ... so it does not satisfy required */
	expect(false, W "spec: {size: null, name: a}\n", "missing property 'size'");
}

static void t_int_or_string(void **state)
{
	expect(false, W "spec: {size: 1, name: a, port: 8080, alt: 25%}\n", "");
	expect(false, W "spec: {size: 1, name: a, port: http, alt: 3}\n", "");
	expect(false, W "spec: {size: 1, name: a, port: true}\n", "at '/spec/port'");
	expect(false, W "spec: {size: 1, name: a, alt: [1]}\n", "at '/spec/alt'");
}

static void t_formats(void **state)
{
	expect(false, W "spec: {size: 2147483647, name: a, big: 9007199254740993}\n", "");
	expect(false, W "spec: {size: 2147483648, name: a}\n", "at '/spec/size': 2147483648 is not valid int32");
	expect(false, W "spec: {size: 1, name: a, big: 1.0e+19}\n", "is not valid int64: out of range");
	expect(false, W "spec: {size: 1, name: a, blob: aGVsbG8=}\n", "");
	expect(false, W "spec: {size: 1, name: a, blob: aGVsbG8}\n", "at '/spec/blob': 'aGVsbG8' is not valid byte: illegal base64 data at input byte 4");
	expect(false, W "spec: {size: 1, name: a, blob: 'a$b='}\n", "illegal base64 data at input byte 1");
	expect(false, W "spec: {size: 1, name: a, when: '2024-02-29T10:00:00Z'}\n", "");
	expect(false, W "spec: {size: 1, name: a, when: yesterday}\n", "at '/spec/when': 'yesterday' is not valid date-time");
}

static void t_additional_properties_and_enum(void **state)
{
	expect(false, W "spec: {size: 1, name: a, labels: {a: b}}\n", "");
	expect(false, W "spec: {size: 1, name: a, labels: {a: 1}}\n", "at '/spec/labels/a': got number, want string");
	expect(false, W "spec: {size: 1, name: a, mode: slow}\n", "");
	expect(false, W "spec: {size: 1, name: a, mode: medium}\n", "value must be one of 'fast', 'slow'");
}

static void t_strict(void **state)
{
	const char *extra = W "spec: {size: 1, name: a, colour: red}\n";
	expect(false, extra, "");
	expect(true, extra, "at '/spec': additional property 'colour' not allowed");
	expect(true, W "spec: {size: 1, name: a}\nstatus: {}\n", "at '': additional property 'status' not allowed");
	/* preserve-unknown-fields keeps unknown fields, still checks the known ones */
	expect(true, W "spec: {size: 1, name: a, free: {a: x, b: {c: 1}}}\n", "");
	expect(true, W "spec: {size: 1, name: a, free: {a: 1}}\n", "at '/spec/free/a': got number, want string");
	/* an object schema without properties is free-form; maps stay maps */
	expect(true, W "spec: {size: 1, name: a, raw: {x: 1}, labels: {any: thing}}\n", "");
	expect(true, W "metadata: {name: w, nickname: x}\n", "at '/metadata': additional property 'nickname' not allowed");
}

static void t_scan_api_versions(void **state)
{
	static const char text[] = "apiVersion: v1\nkind: ConfigMap\n---\n# c\napiVersion: \"apps/v1\"\n"
				   "kind: Deployment\nspec:\n  apiVersion: nested/v9\n---\napiVersion: v1 # again\n"
				   "---\napiVersion:   batch/v1\r\nkind: Job";
	char **avs = NULL;
	size_t n = 0;
	openapi_scan_api_versions(text, sizeof text - 1, &avs, &n);
	assert_int_equal(n, 3); /* top-level lines only, each once */
	assert_string_equal(avs[0], "v1");
	assert_string_equal(avs[1], "apps/v1");
	assert_string_equal(avs[2], "batch/v1");
	for (size_t i = 0; i < n; i++)
		free(avs[i]);
	free(avs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_gv_path_and_find),
		cmocka_unit_test(t_ref_closure),
		cmocka_unit_test(t_types_through_refs),
		cmocka_unit_test(t_required_and_default),
		cmocka_unit_test(t_nullable),
		cmocka_unit_test(t_int_or_string),
		cmocka_unit_test(t_formats),
		cmocka_unit_test(t_additional_properties_and_enum),
		cmocka_unit_test(t_strict),
		cmocka_unit_test(t_scan_api_versions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
