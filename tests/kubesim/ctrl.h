/* ctrl — controllers in simulated time: defaulting, deployments (rolling updates, revisions),
 * replicasets, statefulsets, pod lifecycle and failure modes, PVC binding, endpoints, events,
 * garbage collection through ownerReferences. Driven by store changes and one timer. */
#ifndef KUBESIM_CTRL_H
#define KUBESIM_CTRL_H

#include "tests/kubesim/db.h"

void ctrl_init(void);
/* Fills server-side defaults of a new or replaced object (borrowed, changed in place). */
void ctrl_defaults(int kind, struct value *obj);
/* Checks the shapes the controllers rely on (workload selectors and templates, containers,
 * label maps); TOPS_EINVAL with the API server's wording ("Deployment.apps \"x\" is invalid: ..."). */
int ctrl_validate(int kind, const struct value *obj, struct tops_err *err);
/* Records a core/v1 Event about obj (borrowed). type "Normal" or "Warning". */
void ctrl_event(const struct value *obj, const char *type, const char *reason, const char *msg);
/* The same about one container of a pod (involvedObject.fieldPath "spec.containers{NAME}"). */
void ctrl_event_at(const struct value *obj, const char *type, const char *reason, const char *msg,
		   const char *container);
/* Delete with propagation policy "Background", "Foreground" or "Orphan" (NULL = default).
 * A Namespace is only marked Terminating (*out gets it so); its contents and then the
 * namespace itself go a simulated second later. */
int ctrl_delete(int kind, const char *ns, const char *name, const char *policy,
		struct value **out, struct tops_err *err);
/* Changes n pods of namespace testops (delete one, the owner recreates it). */
void ctrl_churn(int n);

#endif
