/* jsonschema — the JSON Schema subset that Kubernetes schemas (kubeconform's standalone layout)
 * and Helm's values.schema.json use, compiled once and applied to struct value documents.
 *
 * Keywords: type (string or list; "integer" accepts whole floats, V_INT and V_FLOAT are both
 * "number"), properties, required, additionalProperties (bool or schema), patternProperties,
 * items (schema or list), enum, const, format (int-or-string, int32, int64, date-time, date,
 * byte, duration, ...; unknown formats pass), minimum/maximum (+exclusive), multipleOf,
 * minLength/maxLength (in runes), pattern (PCRE2, unanchored like ECMA-262), minItems/maxItems,
 * uniqueItems, minProperties/maxProperties, oneOf/anyOf/allOf/not, local $ref
 * ("#/definitions/x", "#/$defs/x", "#"), x-kubernetes-int-or-string and
 * x-kubernetes-preserve-unknown-fields. Unknown keywords are ignored.
 *
 * Messages follow the wording kubeconform prints ("got string, want null or integer",
 * "missing property 'name'", "additional properties 'foo' not allowed", ...).
 */
#ifndef TOPS_JSONSCHEMA_H
#define TOPS_JSONSCHEMA_H

#include "core/base/value.h"

struct jsonschema; /* opaque compiled schema; immutable after compile, safe to share */

/* One failed check. */
struct jsonschema_error {
	char *path;     /* JSON pointer into the instance: "" for the root, "/spec/replicas" */
	char *msg;      /* e.g. "got string, want null or integer" */
	int line, col;  /* position of the offending value when it came from YAML (0 = unknown) */
};

/* All failures of one validation. Embedded: zero-initialise, then jsonschema_result_done(). */
struct jsonschema_result {
	struct jsonschema_error *errs;
	size_t nerrs, cap;
};

/* Compiles a schema from a parsed JSON document (value_from_json or yaml_load). Takes its own
 * reference to doc; the caller keeps its own. name is used in messages (may be NULL).
 * Returns NULL with err set on a malformed schema (bad regex, unresolvable local $ref, a
 * keyword of the wrong type). Caller frees with jsonschema_free(). */
struct jsonschema *jsonschema_compile(struct value *doc, const char *name, struct tops_err *err);

/* Dialect options for jsonschema_compile_opts(). */
struct jsonschema_opts {
	/* OpenAPI v3 schemas as the Kubernetes API server reads objects against them:
	 * "nullable: true" makes null a value; a null anywhere else is an absent field (the server
	 * prunes it or decodes it as the zero value), so it passes every check but does not satisfy
	 * "required"; formats int64 (range) and byte (Go's padded standard base64) are checked. */
	bool openapi;
};

/* jsonschema_compile() with a dialect (o may be NULL: plain JSON Schema). Same ownership. */
struct jsonschema *jsonschema_compile_opts(struct value *doc, const char *name,
					   const struct jsonschema_opts *o, struct tops_err *err);

/* Reads a JSON schema file and compiles it. NULL with err set on I/O, JSON or schema errors. */
struct jsonschema *jsonschema_load_file(const char *path, struct tops_err *err);

void jsonschema_free(struct jsonschema *s); /* NULL-safe */

/* Validates instance (borrowed) against s. Returns 0 when valid, 1 when invalid (res, if
 * non-NULL, receives every failure in document order), or -TOPS_ETOOBIG when nesting exceeds
 * the recursion limit (err set). res may be NULL when only the verdict is wanted. */
int jsonschema_validate(const struct jsonschema *s, const struct value *instance,
			struct jsonschema_result *res, struct tops_err *err);

/* Frees the errors and resets res to empty. */
void jsonschema_result_done(struct jsonschema_result *res);

/* Formats res as "at '/a/b': msg" lines joined by sep (e.g. "\n" or " - "). Caller frees. */
char *jsonschema_result_str(const struct jsonschema_result *res, const char *sep);

#endif
