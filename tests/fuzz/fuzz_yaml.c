/* libFuzzer target: the YAML loader (core/yaml) on arbitrary bytes, with Helm's values options
 * and kubeconform's strict options, plus the manifest splitter that feeds it rendered output. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/chart/manifest_sort.h"
#include "core/base/yaml.h"

static void load(const uint8_t *data, size_t size, const struct yaml_opts *o)
{
	struct value **docs = NULL;
	size_t n = 0;
	struct yaml_errpos pos;
	struct tops_err err = {0};
	if (yaml_load_all((const char *)data, size, "fuzz.yaml", o, &docs, &n, &pos, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			value_unref(docs[i]);
		free(docs);
	}
	tops_err_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yaml_opts plain = {0};
	struct yaml_opts helm = {.numbers_as_float = true, .max_alias_nodes = 10000, .max_depth = 200};
	struct yaml_opts strict = {.strict_dup_keys = true};
	load(data, size, &plain);
	load(data, size, &helm);
	load(data, size, &strict);
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	for (size_t i = 0; i < size; i++)
		text[i] = data[i] ? (char)data[i] : ' ';
	text[size] = 0;
	const char *name = "c/templates/x.yaml";
	const char *texts[] = {text};
	struct manifest_set ms;
	struct tops_err err = {0};
	if (manifest_sort(&name, texts, 1, &ms, &err) == 0)
		manifest_set_done(&ms);
	tops_err_clear(&err);
	free(text);
	return 0;
}
