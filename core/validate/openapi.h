/* openapi — the schemas of a Kubernetes API server's OpenAPI v3 group-version documents
 * (GET /openapi/v3/apis/GROUP/VERSION: components.schemas) made into compiled JSON schemas.
 *
 * A kind's schema is the component whose x-kubernetes-group-version-kind names it. The
 * components it reaches through "$ref": "#/components/schemas/..." (usually inside
 * "allOf": [{"$ref": ...}] wrappers that carry "default" and "description") are copied into one
 * schema document and compiled with core/validate/jsonschema's OpenAPI dialect, so:
 *   - nullable: null is a value where nullable is true and an absent field elsewhere;
 *   - default: a property with a default is not required (the server defaults it first);
 *   - x-kubernetes-int-or-string, format int-or-string: an integer or a string;
 *   - x-kubernetes-preserve-unknown-fields: unknown fields are kept, even in strict mode;
 *   - format int32/int64 (range), byte (base64), date-time (RFC 3339); additionalProperties,
 *     enum as JSON Schema reads them;
 *   - strict: an object schema with properties and no additionalProperties takes no other
 *     field (kubeconform's -strict schemas, the API server's fieldValidation=Strict).
 */
#ifndef TOPS_OPENAPI_H
#define TOPS_OPENAPI_H

#include "core/validate/jsonschema.h"

/* The path key of a group-version in the /openapi/v3 root: "api/v1" for the core group,
 * "apis/apps/v1" otherwise. api_version is an object's apiVersion ("v1", "apps/v1").
 * Caller frees. */
char *openapi_gv_path(const char *api_version);

/* The name of the component of doc (an OpenAPI v3 document, borrowed) whose
 * x-kubernetes-group-version-kind lists apiVersion + kind, or NULL. Borrowed from doc. */
const char *openapi_find_kind(const struct value *doc, const char *api_version, const char *kind);

/* Compiles the schema of kind (apiVersion as an object spells it) from doc (borrowed; the
 * compiled schema keeps what it needs). NULL with err -TOPS_ENOENT when doc has no such kind,
 * -TOPS_EINVAL naming the component when a schema is malformed or a $ref dangles. name is used
 * in messages (e.g. the document's URL). Caller frees with jsonschema_free(). */
struct jsonschema *openapi_compile_kind(const struct value *doc, const char *api_version, const char *kind,
					bool strict, const char *name, struct tops_err *err);

/* The JSON Schema document openapi_compile_kind() compiles (exposed for tests): a new map
 * {"$ref": "#/components/schemas/ROOT", "components": {"schemas": {...converted closure...}}}.
 * NULL with err as above. Caller unrefs. */
struct value *openapi_schema_doc(const struct value *doc, const char *component, bool strict,
				 struct tops_err *err);

#endif
