/* patch — JSON patch (RFC 6902), JSON merge patch (RFC 7386), strategic merge patch (merge keys,
 * $patch: delete/replace, $setElementOrder, $deleteFromPrimitiveList, $retainKeys) and a
 * server-side apply merge. */
#ifndef KUBESIM_PATCH_H
#define KUBESIM_PATCH_H

#include "core/base/value.h"

enum patch_type { PATCH_JSON, PATCH_MERGE, PATCH_STRATEGIC, PATCH_APPLY, PATCH_UNKNOWN };

/* Patch type from a Content-Type header. */
enum patch_type patch_type_of(const char *content_type);
/* Returns the patched copy of obj (borrowed) or NULL with err set (SIM_EBADREQ / TOPS_EINVAL).
 * doc is the parsed patch document. New reference. */
struct value *patch_apply(enum patch_type type, const struct value *obj, const struct value *doc,
			  struct tops_err *err);

/* The strategic-merge key of a list field ("containers" -> "name", "ports" -> "containerPort"
 * or "port" by what the list holds); NULL for a list that is replaced whole. */
const char *patch_merge_key(const char *field, const struct value *list);

#endif
