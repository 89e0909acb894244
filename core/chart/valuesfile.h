/* valuesfile — reading a values document (values.yaml, a -f file) as Helm reads it. The chart
 * loader uses it; coalescing the values with a chart is core/chart/values.h. */
#ifndef TOPS_VALUESFILE_H
#define TOPS_VALUESFILE_H

#include "core/base/value.h"

/* A values document (values.yaml, a -f file): YAML with numbers as float64, as Helm reads it.
 * An empty document is {}; anything but a map is refused with Helm's words. name is used in
 * positions ("name:line:col"). Returns a new map, or NULL with err (not prefixed). */
struct value *valuesfile_parse(const char *text, size_t len, const char *name, struct tops_err *err);
/* Reads and parses a values file; errors are prefixed "failed to parse PATH" as Helm words
 * them. */
struct value *valuesfile_load(const char *path, struct tops_err *err);

#endif
