/* yaml — YAML (1.1 as go-yaml v2 resolves it, which is what Helm and kubeconform see) into
 * struct value, with positions, limits and file:line:col errors. libyaml underneath.
 *
 * Scalars resolve like go-yaml v2 into interface{}: null/~/empty -> nil; true/false/yes/no/on/off
 * (any case form go-yaml accepts) -> bool; ints (decimal, 0x, 0o/leading-0 octal, 0b, underscores)
 * -> V_INT; floats (1.5, 1e3, .inf, .nan) -> V_FLOAT; quoted scalars and explicit !!str -> string.
 * With numbers_as_float (Helm values: YAML -> JSON -> map[string]interface{}) every number is V_FLOAT.
 * Non-string map keys are stringified ("1", "true"). Merge keys (<<) are applied. Aliases are
 * expanded by copy, with a total expansion limit (refuses "billion laughs").
 * Every value carries line/col (1-based) of its node.
 */
#ifndef TOPS_YAML_H
#define TOPS_YAML_H

#include "core/base/value.h"

struct yaml_opts {
	bool numbers_as_float;   /* Helm values semantics */
	bool strict_dup_keys;    /* duplicate key in a mapping is an error (kubeconform -strict) */
	int max_depth;           /* 0: default 1000 */
	size_t max_alias_nodes;  /* 0: default 1,000,000 nodes created through aliases */
};

/* Where a parse error happened; filled when yaml_load*() fails and pos is non-NULL. */
struct yaml_errpos {
	int line, col;           /* 1-based position of the problem (0 = unknown) */
	int go_line;             /* the line go-yaml would put in "yaml: line N: ..." (0 = none) */
	char problem[160];       /* libyaml's problem text, e.g. "could not find expected ':'" */
};

/* Parses every document of a multi-document stream. On success *docs is an array of *ndocs new
 * references (an empty document gives V_NULL); caller frees each with value_unref() and the array
 * with free(). name is used in messages ("values.yaml:12:3: ..."); may be NULL.
 * Errors: -TOPS_EINVAL (syntax, duplicate key, invalid UTF-8), -TOPS_ETOOBIG (depth, aliases). */
int yaml_load_all(const char *text, size_t len, const char *name, const struct yaml_opts *opts,
		  struct value ***docs, size_t *ndocs, struct yaml_errpos *pos, struct tops_err *err);

/* First document only (NULL input or empty -> V_NULL). New reference or NULL with err set. */
struct value *yaml_load(const char *text, size_t len, const char *name, const struct yaml_opts *opts,
			struct yaml_errpos *pos, struct tops_err *err);

/* Reads and parses a file's first document. */
struct value *yaml_load_file(const char *path, const struct yaml_opts *opts, struct tops_err *err);

#endif
