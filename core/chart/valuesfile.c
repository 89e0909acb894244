#include "core/chart/valuesfile.h"

#include "core/base/yaml.h"

#include <stdlib.h>

struct value *valuesfile_parse(const char *text, size_t len, const char *name, struct tops_err *err)
{
	const struct yaml_opts yo = {.numbers_as_float = true};
	struct value *v = yaml_load(text, len, name, &yo, NULL, err);
	if (v && v->type == V_NULL) {
		value_unref(v);
		return value_map();
	}
	if (v && v->type != V_MAP) {
		value_unref(v);
		tops_err_set(err, TOPS_EINVAL, "error unmarshaling JSON: json: cannot unmarshal into Go "
			     "value of type map[string]interface {}");
		return NULL;
	}
	return v;
}

struct value *valuesfile_load(const char *path, struct tops_err *err)
{
	char *buf;
	size_t len;
	if (read_file(path, 64u << 20, &buf, &len, err) < 0)
		return NULL;
	struct value *v = valuesfile_parse(buf, len, path, err);
	free(buf);
	if (!v)
		tops_err_prefix(err, "failed to parse %s", path);
	return v;
}
