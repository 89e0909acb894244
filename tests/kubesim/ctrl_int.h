/* ctrl_int — what the controller files (ctrl.c, workload.c, podlife.c) share. */
#ifndef KUBESIM_CTRL_INT_H
#define KUBESIM_CTRL_INT_H

#include "tests/kubesim/ctrl.h"

/* Queues a reconcile of kind/ns/name (deduplicated). */
void ctrl_enqueue(int kind, const char *ns, const char *name);
/* Schedules a reconcile of kind/ns/name at simulated time now + delay seconds. */
void ctrl_after(double delay, int kind, const char *ns, const char *name);
/* Writes obj (borrowed) back with controller rights; logs failures. */
void ctrl_save(int kind, struct value *obj);
/* Creates obj (borrowed); returns 0 or a negative code. */
int ctrl_create(int kind, struct value *obj);
/* A new pod from owner's spec.template: generateName "NAME-", the owner's namespace and a
 * controller ownerReference to it. New reference. */
struct value *ctrl_pod_of(int owner_kind, const struct value *owner);
/* Sets a controller ownerReference to owner on obj. */
void ctrl_set_owner(struct value *obj, int owner_kind, const struct value *owner);
/* Condition list helper: sets type's status/reason/message; time changes only with status. */
void ctrl_condition(struct value *status, const char *type, const char *st, const char *reason,
		    const char *msg, bool touch_update);
char *ctrl_now_ts(void);
/* Simulated times the controllers measure from (a Deployment's last progress, a Job's start and
 * last failure). Timestamps hold whole wall-clock seconds, which at a high --speed are many
 * simulated seconds, so the exact time is kept here by object uid and name of the mark.
 * ctrl_mark_get returns fallback for a mark never set; marks go with their object. */
void ctrl_mark_set(const char *uid, const char *mark, double t);
double ctrl_mark_get(const char *uid, const char *mark, double fallback);
/* Simulated time of an RFC 3339 timestamp (whole seconds); 0 for NULL or malformed. */
double ctrl_ts_sim(const char *ts);

void deploy_reconcile(const char *ns, const char *name);
void rs_reconcile(const char *ns, const char *name);
void sts_reconcile(const char *ns, const char *name);
void ds_reconcile(const char *ns, const char *name);
/* The ControllerRevision NAME-<hash> of owner's (a StatefulSet's or DaemonSet's) current
 * template: made when new, renumbered to be the latest when an older one comes back. */
void crev_ensure(int kind, const struct value *owner, const char *rev, const char *hash);
void pod_step(const char *ns, const char *name);
void job_reconcile(const char *ns, const char *name);
void pvc_reconcile(const char *ns, const char *name);
void svc_reconcile(const char *ns, const char *name);
void pv_reconcile(const char *name);
void pdb_reconcile(const char *ns, const char *name);
/* Queues every PodDisruptionBudget of ns (a pod there changed). */
void pdb_enqueue_ns(const char *ns);
/* Hash of a pod template with the pod-template-hash label removed (10 chars into buf[11]). */
void template_hash(const struct value *tmpl, char *buf);
/* Pod template as a Deployment-to-ReplicaSet comparison sees it. New reference. */
struct value *template_normal(const struct value *tmpl);
/* Does the image pull succeed under the scenario's registries and mirror? *why gets a reason. */
bool image_pullable(const char *image, const char **why);
/* The kubelet's message for a pull of image that fails in pod (pull.c), or NULL when it pulls.
 * Caller frees. */
char *image_pull_error(const struct value *pod, const char *image);
/* Container env var value or NULL. */
/* A container status's imageID as a runtime reports it: the repository (no tag) @ the digest
 * that runs — the pinned one for image@sha256:..., else one derived from the image text. */
struct value *image_id(const char *image);
const char *container_env(const struct value *container, const char *name);

#endif
