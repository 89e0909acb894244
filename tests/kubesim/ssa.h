/* ssa — server-side apply's field ownership, as the API server keeps it in managedFields:
 * the fields each manager set (fieldsV1: "f:spec": {"f:replicas": {}}, list items of a keyed
 * list as "k:{\"name\":\"web\"}" with "." for the item itself, other lists owned whole),
 * conflicts when a manager applies a field another one owns with another value, and removal of
 * the fields a manager applied before and no longer applies (when nobody else owns them). */
#ifndef KUBESIM_SSA_H
#define KUBESIM_SSA_H

#include "core/base/value.h"

/* Applies config as manager to live (NULL: a create). *out gets the new object (with its
 * managedFields). On conflicts (unless force) returns 1 and *conflicts gets a list of
 * {"field": ".spec.replicas", "manager": "other"}; a force moves the fields to manager.
 * merged is live with config merged in (the caller's strategic merge), borrowed. */
int ssa_apply(const struct value *live, const struct value *merged, const struct value *config,
	      const char *manager, const char *api_version, const char *now, bool force,
	      struct value **out, struct value **conflicts);

/* Records a write that is not an apply (create, update, patch) by manager: the fields whose
 * values it changed become its own (operation Update) and leave other managers. obj is changed
 * in place. */
void ssa_record_update(struct value *obj, const struct value *old, const char *manager,
		       const char *api_version, const char *now);

#endif
