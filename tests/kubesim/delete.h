/* delete — a client's DELETE as the API server answers it: DeleteOptions (query or body:
 * propagationPolicy, orphanDependents, preconditions, dryRun), finalizers that keep an object
 * (it gets deletionTimestamp and goes when the last one is removed), foreground deletion (the
 * owner gets the foregroundDeletion finalizer and goes once its dependents are gone), orphaning,
 * and the answer: the object for the kinds whose storage returns it, else a Success Status. */
#ifndef KUBESIM_DELETE_H
#define KUBESIM_DELETE_H

#include "tests/kubesim/srv.h"
#include "tests/kubesim/select.h"

/* DELETE of kind/ns/name (ns NULL for cluster-scoped kinds); replies. */
void delete_handle(struct srv_conn *c, const struct srv_req *r, int kind, const char *ns,
		   const char *name);
/* DELETE of a collection: the objects of kind in ns (NULL: all) that sel matches; replies with
 * the list of what was deleted. */
void delete_collection(struct srv_conn *c, const struct srv_req *r, int kind, const char *ns,
		       const struct selector *sel);
/* After an object marked for deletion lost its last finalizer and was removed: its controller
 * owner (named in obj's ownerReferences), if waiting in foreground deletion, may go now. */
void delete_owner_check(int kind, const struct value *obj);

#endif
