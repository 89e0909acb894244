/* wait — until a release's objects are ready, from watches (core/kube/informer into a store),
 * not polling, and failing early when waiting cannot help.
 *
 * Ready (helm's --wait and kstatus rules): Deployment observedGeneration >= generation,
 * updatedReplicas = replicas and availableReplicas >= replicas - maxUnavailable; StatefulSet
 * ready = replicas and updateRevision = currentRevision (unless OnDelete); DaemonSet (RollingUpdate)
 * observedGeneration = generation, updatedNumberScheduled = desiredNumberScheduled and
 * numberReady >= desired - maxUnavailable; PVC Bound; Service
 * of type LoadBalancer with an ingress address; Pod Ready.
 *
 * Early failure, for pods that the operation created (owned by a waited-for workload, created
 * after the wait's start): ErrImagePull / ImagePullBackOff longer than the grace,
 * CrashLoopBackOff with more restarts than allowed per replica, CreateContainerConfigError,
 * InvalidImageName, OOMKilled more than allowed, Unschedulable longer than the grace; a
 * Deployment whose Progressing condition is False with ProgressDeadlineExceeded; a waited-for
 * PVC with a ProvisioningFailed event. The timeout bounds everything.
 */
#ifndef TOPS_WAIT_H
#define TOPS_WAIT_H

#include "core/kube/kube.h"
#include "core/kube/store.h"

#include <signal.h>

struct wait_target {
	enum kube_kind kind;         /* KK_DEPLOYMENT, KK_STATEFULSET, KK_DAEMONSET, KK_PVC, KK_SERVICE,
	                                KK_POD */
	char *name;
	int max_unavailable;         /* Deployments: from spec.strategy (absolute); DaemonSets: from
	                                spec.updateStrategy when absolute */
	int max_unavailable_pct;     /* DaemonSets: maxUnavailable as a percentage of the desired
	                                nodes (rounded up), 0 when absolute */
	int partition;               /* StatefulSets: spec.updateStrategy.rollingUpdate.partition */
	bool on_delete;              /* StatefulSets: updateStrategy OnDelete (no rollout to wait for) */
	bool load_balancer;          /* Services: type LoadBalancer */
};

/* One line of progress: a workload's counts or a pod's transition. */
struct wait_progress {
	const struct wait_target *target;   /* NULL for a pod transition */
	const char *line;            /* "deployment/x 3/5 updated 2/5 ready" or
	                                "pod/x-1 Pending -> ContainerCreating" */
};

struct wait_opts {
	const char *namespace_;
	long timeout_ms;             /* 0: 5 minutes */
	long grace_ms;               /* image pull / unschedulable grace; 0: 20 s */
	int restarts_per_replica;    /* crash loops allowed per replica; 0: 2 */
	int64_t started;             /* wall seconds; pods created before are not judged */
	volatile sig_atomic_t *cancel;   /* set (by a signal handler) to stop waiting; may be NULL */
	void (*on_progress)(const struct wait_progress *p, void *ud);
	void *ud;
};

enum wait_outcome { WAIT_READY, WAIT_FAILED, WAIT_TIMEOUT, WAIT_CANCELLED };

struct wait_result {
	enum wait_outcome outcome;
	char *reason;                /* why (failed, timeout): names the object, container, reason
	                                and the API's message; for a crash, the exit code and the last
	                                log lines. Owned; wait_result_done(). */
	char *summary;               /* what was not ready and why, one line per object */
	int64_t detected_ms;         /* when the outcome was known (monotonic ms) */
};

/* Waits for every target. Returns 0 with res filled (any outcome), or a negative code when the
 * watches could not start. */
int wait_ready(struct kube_client *kc, const struct wait_target *t, size_t n,
	       const struct wait_opts *o, struct wait_result *res, struct tops_err *err);
void wait_result_done(struct wait_result *res);

/* The rules, for one record (tests drive them from fixtures): whether a target's record is
 * ready (NULL: not seen, not ready), and why a container of a pod fails the wait (NULL: it
 * does not). age_ms is how long the pod has been judged; *crashed tells a crash loop (whose
 * logs are worth fetching). Caller frees the words. */
bool wait_rule_ready(const struct wait_target *t, const union st_record *r);
/* Why a workload fails the wait (a Deployment past its progress deadline), or NULL. */
char *wait_rule_workload(const struct wait_target *t, const union st_record *r);
char *wait_rule_container(const struct st_pod *p, const struct st_container *c, int64_t age_ms,
			  long grace_ms, int restarts_per_replica, bool *crashed);

/* The targets of a set of applied objects (the kinds above; others are not waited for).
 * Caller frees with wait_targets_free(). */
struct wait_target *wait_targets_of(struct value *const *objs, size_t n, size_t *count);
void wait_targets_free(struct wait_target *t, size_t n);

#endif
