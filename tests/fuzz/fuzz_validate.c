/* libFuzzer target: YAML bytes through kubeconform's pipeline (document splitting, Lists,
 * signatures), a small built-in schema with every keyword family, and the lint rules. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate/jsonschema.h"
#include "core/validate/validate.h"
#include "core/base/yaml.h"

static const char schema_text[] =
	"{\"type\":\"object\",\"required\":[\"kind\"],\"additionalProperties\":false,"
	"\"definitions\":{\"labels\":{\"type\":[\"object\",\"null\"],\"additionalProperties\":{\"type\":\"string\",\"maxLength\":63}}},"
	"\"properties\":{\"apiVersion\":{\"type\":\"string\",\"enum\":[\"v1\",\"apps/v1\"]},\"kind\":{\"type\":\"string\",\"pattern\":\"^[A-Z][a-zA-Z]*$\"},"
	"\"metadata\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1,\"format\":\"date-time\"},"
	"\"labels\":{\"$ref\":\"#/definitions/labels\"}},\"patternProperties\":{\"^x-\":{\"not\":{\"type\":\"null\"}}}},"
	"\"spec\":{\"type\":\"object\",\"x-kubernetes-preserve-unknown-fields\":true,\"properties\":{"
	"\"replicas\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":100,\"multipleOf\":1,\"format\":\"int32\"},"
	"\"port\":{\"x-kubernetes-int-or-string\":true},\"surge\":{\"oneOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]},"
	"\"items\":{\"type\":\"array\",\"items\":{\"anyOf\":[{\"type\":\"string\"},{\"allOf\":[{\"type\":\"object\"},{\"minProperties\":1}]}]},"
	"\"uniqueItems\":true,\"maxItems\":50},\"const\":{\"const\":{\"a\":[1,2]}},\"wait\":{\"format\":\"duration\"}}}}}";

static struct jsonschema *schema;
static struct validator *validator;

static void ignore_cb(const struct validate_result *r, void *ud)
{
	(void)r;
	(void)ud;
}

static void setup(void)
{
	struct tops_err err = {0};
	struct value *doc = value_from_json(schema_text, strlen(schema_text), &err);
	schema = doc ? jsonschema_compile(doc, "builtin.json", &err) : NULL;
	value_unref(doc);
	static const char *const locs[] = {"/nonexistent-tops-fuzz", NULL};
	static const char *const skip[] = {"Secret", NULL};
	struct validate_opts o = {.schema_locations = locs, .ignore_missing_schemas = true, .skip = skip,
				  .lint = true, .lint_opts = {.require_digests = true}};
	validator = validator_new(&o, &err);
	if (!schema || !validator)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!schema)
		setup();
	if (size > 64 * 1024)
		return 0;
	validator_run_text(validator, "fuzz.yaml", (const char *)data, size, true, ignore_cb, NULL);
	struct value **docs = NULL;
	size_t ndocs = 0;
	struct yaml_opts yo = {.strict_dup_keys = size & 1};
	struct tops_err err = {0};
	if (yaml_load_all((const char *)data, size, "fuzz.yaml", &yo, &docs, &ndocs, NULL, &err) == 0) {
		for (size_t i = 0; i < ndocs; i++) {
			struct jsonschema_result res = {0};
			jsonschema_validate(schema, docs[i], &res, &err);
			free(jsonschema_result_str(&res, "\n"));
			jsonschema_result_done(&res);
			tops_err_clear(&err);
			value_unref(docs[i]);
		}
		free(docs);
	}
	tops_err_clear(&err);
	return 0;
}
