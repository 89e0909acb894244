/* Unit tests for core/jsonschema: every keyword, $ref, int-or-string, strict objects, messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate/jsonschema.h"
#include "core/base/yaml.h"

static struct jsonschema *compile(const char *json)
{
	struct tops_err err = {0};
	struct value *doc = value_from_json(json, strlen(json), &err);
	assert_non_null(doc);
	struct jsonschema *s = jsonschema_compile(doc, "t.json", &err);
	value_unref(doc);
	if (!s)
		fail_msg("compile: %s", tops_err_msg(&err));
	return s;
}

/* Validates the YAML instance; returns the joined error text ("" when valid). Caller frees. */
static char *check(const char *schema, const char *yaml)
{
	struct jsonschema *s = compile(schema);
	struct value *v = yaml_load(yaml, strlen(yaml), "i.yaml", NULL, NULL, NULL);
	assert_non_null(v);
	struct jsonschema_result res = {0};
	struct tops_err err = {0};
	int rc = jsonschema_validate(s, v, &res, &err);
	assert_true(rc >= 0);
	char *out = jsonschema_result_str(&res, " | ");
	assert_int_equal(rc == 0, res.nerrs == 0);
	jsonschema_result_done(&res);
	value_unref(v);
	jsonschema_free(s);
	return out;
}

#define VALID(schema, yaml) do { char *o_ = check(schema, yaml); assert_string_equal(o_, ""); free(o_); } while (0)
#define INVALID(schema, yaml, want) do { char *o_ = check(schema, yaml); assert_string_equal(o_, want); free(o_); } while (0)

static void test_type(void **state)
{
	(void)state;
	const char *s = "{\"type\":[\"integer\",\"null\"]}";
	VALID(s, "3");
	VALID(s, "~");
	VALID(s, "3.0"); /* sigs.k8s.io/yaml turns numbers into JSON numbers: whole floats are integers */
	INVALID(s, "'3'", "at '': got string, want null or integer");
	INVALID(s, "3.5", "at '': got number, want null or integer");
	INVALID("{\"type\":\"object\"}", "[1]", "at '': got array, want object");
	VALID("{\"type\":\"number\"}", "1");
	VALID("{\"type\":\"boolean\"}", "true");
	INVALID("{\"type\":\"string\"}", "true", "at '': got boolean, want string");
}

static void test_properties_required(void **state)
{
	(void)state;
	const char *s = "{\"type\":\"object\",\"required\":[\"a\",\"b\"],\"properties\":{\"a\":{\"type\":\"string\"},"
			"\"c\":{\"properties\":{\"d\":{\"type\":\"integer\"}}}}}";
	VALID(s, "a: x\nb: 1\n");
	INVALID(s, "b: 1\n", "at '': missing property 'a'");
	INVALID(s, "{}", "at '': missing properties 'a', 'b'");
	INVALID(s, "a: 1\nb: 1\nc: {d: x}\n", "at '/a': got number, want string | at '/c/d': got string, want integer");
}

static void test_additional_properties(void **state)
{
	(void)state;
	const char *strict = "{\"properties\":{\"a\":{}},\"additionalProperties\":false}";
	VALID(strict, "a: 1");
	INVALID(strict, "a: 1\nz: 2\nw: 3\n", "at '': additional properties 'w', 'z' not allowed");
	INVALID(strict, "b: 1\n", "at '': additional property 'b' not allowed");
	const char *typed = "{\"additionalProperties\":{\"type\":\"string\"}}";
	VALID(typed, "a: x\nb: z\n");
	INVALID(typed, "a: x\nb: 2\n", "at '/b': got number, want string");
	/* x-kubernetes-preserve-unknown-fields keeps unknown fields even when strict */
	VALID("{\"properties\":{},\"additionalProperties\":false,\"x-kubernetes-preserve-unknown-fields\":true}",
	      "anything: 1\n");
}

static void test_pattern_properties(void **state)
{
	(void)state;
	const char *s = "{\"patternProperties\":{\"^x-\":{\"type\":\"integer\"}},\"additionalProperties\":false}";
	VALID(s, "x-a: 1\n");
	INVALID(s, "x-a: z\n", "at '/x-a': got string, want integer");
	INVALID(s, "w: 1\n", "at '': additional property 'w' not allowed");
}

static void test_items_and_arrays(void **state)
{
	(void)state;
	const char *s = "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1,\"maxItems\":3,"
			"\"uniqueItems\":true}";
	VALID(s, "[a, b]");
	INVALID(s, "[]", "at '': minItems: got 0, want 1");
	INVALID(s, "[a, b, c, d]", "at '': maxItems: got 4, want 3");
	INVALID(s, "[a, 1]", "at '/1': got number, want string");
	INVALID(s, "[a, a]", "at '': items at 0 and 1 are equal");
	VALID("{\"items\":[{\"type\":\"string\"},{\"type\":\"integer\"}]}", "[a, 1, true]");
}

static void test_enum_const(void **state)
{
	(void)state;
	VALID("{\"enum\":[\"a\",\"b\",1]}", "1.0");
	INVALID("{\"enum\":[\"a\",\"b\"]}", "c", "at '': value must be one of 'a', 'b'");
	INVALID("{\"enum\":[\"apps/v1\"]}", "v1", "at '': value must be 'apps/v1'");
	VALID("{\"const\":{\"a\":[1]}}", "{a: [1]}");
	INVALID("{\"const\":3}", "4", "at '': value must be 3");
}

static void test_strings(void **state)
{
	(void)state;
	const char *s = "{\"type\":\"string\",\"minLength\":2,\"maxLength\":4,\"pattern\":\"^[a-z\\u00e9]+$\"}";
	VALID(s, "abc");
	VALID(s, "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\""); /* four runes, eight bytes */
	INVALID(s, "a", "at '': minLength: got 1, want 2");
	INVALID(s, "abcde", "at '': maxLength: got 5, want 4");
	INVALID(s, "aB", "at '': 'aB' does not match pattern '^[a-z\xc3\xa9]+$'");
	VALID("{\"pattern\":\"b\"}", "abc"); /* unanchored, like ECMA-262 */
}

static void test_numbers(void **state)
{
	(void)state;
	const char *s = "{\"minimum\":1,\"maximum\":10,\"multipleOf\":0.5}";
	VALID(s, "1");
	VALID(s, "9.5");
	INVALID(s, "0", "at '': minimum: got 0, want 1");
	INVALID(s, "11", "at '': maximum: got 11, want 10");
	INVALID(s, "1.2", "at '': multipleOf: got 1.2, want 0.5");
	INVALID("{\"minimum\":1,\"exclusiveMinimum\":true}", "1", "at '': exclusiveMinimum: got 1, want 1");
	INVALID("{\"exclusiveMaximum\":5}", "5", "at '': exclusiveMaximum: got 5, want 5");
}

static void test_combinators(void **state)
{
	(void)state;
	/* how the standalone Kubernetes schemas spell IntOrString */
	const char *ios = "{\"oneOf\":[{\"type\":[\"string\",\"null\"]},{\"type\":[\"integer\",\"null\"]}]}";
	VALID(ios, "25%");
	VALID(ios, "3");
	INVALID(ios, "~", "at '': oneOf failed, subschemas 0, 1 matched");
	INVALID(ios, "[1]", "at '': oneOf failed, none matched");
	VALID("{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":3}]}", "5");
	INVALID("{\"anyOf\":[{\"type\":\"string\"},{\"minimum\":3}]}", "1", "at '': anyOf failed");
	INVALID("{\"allOf\":[{\"type\":\"integer\"},{\"maximum\":3}]}", "4", "at '': maximum: got 4, want 3");
	INVALID("{\"not\":{\"type\":\"string\"}}", "x", "at '': not failed");
	INVALID("false", "1", "at '': false schema");
}

static void test_int_or_string_and_formats(void **state)
{
	(void)state;
	const char *ios = "{\"x-kubernetes-int-or-string\":true}";
	VALID(ios, "80");
	VALID(ios, "http");
	INVALID(ios, "true", "at '': got boolean, want string or integer");
	VALID("{\"type\":\"string\",\"format\":\"int-or-string\"}", "80");
	const char *dt = "{\"type\":\"string\",\"format\":\"date-time\"}";
	VALID(dt, "'2024-02-29T10:00:00Z'");
	VALID(dt, "'2024-02-29T10:00:00.123+02:00'");
	INVALID(dt, "'2023-02-29T10:00:00Z'", "at '': '2023-02-29T10:00:00Z' is not valid date-time: not a valid RFC 3339 date-time");
	const char *dur = "{\"format\":\"duration\"}";
	VALID(dur, "1m30s");
	VALID(dur, "P1DT2H");
	INVALID(dur, "5 minutes", "at '': '5 minutes' is not valid duration: not a valid duration");
	INVALID("{\"format\":\"int32\"}", "3000000000", "at '': 3000000000 is not valid int32: out of range");
	VALID("{\"format\":\"int64\"}", "3000000000");
	VALID("{\"format\":\"byte\"}", "not base64 but kubeconform does not assert it");
	VALID("{\"format\":\"made-up\"}", "x");
}

static void test_ref(void **state)
{
	(void)state;
	const char *s = "{\"definitions\":{\"node\":{\"type\":\"object\",\"properties\":{\"v\":{\"type\":\"integer\"},"
			"\"next\":{\"$ref\":\"#/definitions/node\"}}},\"a/b\":{\"type\":\"string\"}},"
			"\"properties\":{\"list\":{\"$ref\":\"#/definitions/node\"},\"s\":{\"$ref\":\"#/definitions/a~1b\"}}}";
	VALID(s, "list: {v: 1, next: {v: 2, next: {v: 3}}}\ns: x\n");
	INVALID(s, "list: {v: 1, next: {v: x}}\n", "at '/list/next/v': got string, want integer");
	INVALID(s, "s: 1\n", "at '/s': got number, want string");
	/* JSON pointer escaping of instance paths */
	INVALID("{\"additionalProperties\":{\"type\":\"string\"}}", "a/b~c: 1\n", "at '/a~1b~0c': got number, want string");
}

static void test_bad_schemas(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"{\"type\":\"strin\"}", "{\"type\":3}", "{\"pattern\":\"(\"}", "{\"$ref\":\"#/definitions/nope\"}",
		"{\"required\":\"a\"}", "{\"properties\":[]}", "{\"enum\":1}", "[]",
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct tops_err err = {0};
		struct value *doc = value_from_json(bad[i], strlen(bad[i]), &err);
		assert_non_null(doc);
		struct jsonschema *s = jsonschema_compile(doc, "bad.json", &err);
		assert_null(s);
		assert_non_null(strstr(tops_err_msg(&err), "bad.json"));
		tops_err_clear(&err);
		value_unref(doc);
	}
}

static void test_positions_and_depth(void **state)
{
	(void)state;
	struct jsonschema *s = compile("{\"properties\":{\"spec\":{\"properties\":{\"replicas\":{\"type\":\"integer\"}}}}}");
	const char *y = "kind: X\nspec:\n  replicas: two\n";
	struct value *v = yaml_load(y, strlen(y), "p.yaml", NULL, NULL, NULL);
	struct jsonschema_result res = {0};
	assert_int_equal(jsonschema_validate(s, v, &res, NULL), 1);
	assert_int_equal(res.nerrs, 1);
	assert_string_equal(res.errs[0].path, "/spec/replicas");
	assert_int_equal(res.errs[0].line, 3);
	assert_int_equal(res.errs[0].col, 13);
	jsonschema_result_done(&res);
	value_unref(v);
	jsonschema_free(s);

	/* a self-referencing schema over a very deep document stops with an error, not a crash */
	s = compile("{\"items\":{\"$ref\":\"#\"}}");
	struct value *deep = value_list(), *cur = deep;
	for (int i = 0; i < 1000; i++) {
		struct value *n = value_list();
		value_list_push(cur, n);
		cur = n;
	}
	struct tops_err err = {0};
	assert_int_equal(jsonschema_validate(s, deep, NULL, &err), -TOPS_ETOOBIG);
	tops_err_clear(&err);
	value_unref(deep);
	jsonschema_free(s);
}

static void test_kubernetes_schema(void **state)
{
	(void)state;
	const char *root = getenv("TOPS_ROOT");
	char *path = xasprintf("%s/../shared/conformance/schemas/v1.30.0-standalone-strict/deployment-apps-v1.json",
			       root ? root : ".");
	struct tops_err err = {0};
	struct jsonschema *s = jsonschema_load_file(path, &err);
	free(path);
	if (!s) {
		print_message("SKIP: conformance schemas missing: %s\n", tops_err_msg(&err));
		tops_err_clear(&err);
		skip();
	}
	const char *ok = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n"
			 "  strategy: {rollingUpdate: {maxSurge: 25%, maxUnavailable: 1}}\n"
			 "  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n"
			 "      - name: web\n        image: nginx\n        ports: [{containerPort: 80}]\n";
	struct value *v = yaml_load(ok, strlen(ok), "d.yaml", NULL, NULL, NULL);
	struct jsonschema_result res = {0};
	assert_int_equal(jsonschema_validate(s, v, &res, NULL), 0);
	value_unref(v);
	const char *bad = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {}\n  replicaz: 1\n"
			  "  template:\n    spec:\n      containers:\n      - image: nginx\n";
	v = yaml_load(bad, strlen(bad), "d.yaml", NULL, NULL, NULL);
	assert_int_equal(jsonschema_validate(s, v, &res, NULL), 1);
	char *txt = jsonschema_result_str(&res, "\n");
	assert_non_null(strstr(txt, "at '/spec': additional property 'replicaz' not allowed"));
	assert_non_null(strstr(txt, "at '/spec/template/spec/containers/0': missing property 'name'"));
	free(txt);
	jsonschema_result_done(&res);
	value_unref(v);
	jsonschema_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_properties_required),
		cmocka_unit_test(test_additional_properties),
		cmocka_unit_test(test_pattern_properties),
		cmocka_unit_test(test_items_and_arrays),
		cmocka_unit_test(test_enum_const),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_combinators),
		cmocka_unit_test(test_int_or_string_and_formats),
		cmocka_unit_test(test_ref),
		cmocka_unit_test(test_bad_schemas),
		cmocka_unit_test(test_positions_and_depth),
		cmocka_unit_test(test_kubernetes_schema),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
