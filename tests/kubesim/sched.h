/* sched — which node a new pod may run on: the scheduler's filters kubesim keeps, in the
 * scheduler's order (node taints against the pod's tolerations, spec.nodeSelector, the pod's
 * requests against a node's allocatable; other pods' requests are not counted), and the
 * scheduler's words when no node fits. */
#ifndef KUBESIM_SCHED_H
#define KUBESIM_SCHED_H

#include "core/base/value.h"

/* The node for pod: preferred when it fits, else the first node that fits (borrowed from the
 * store until it changes). NULL when none fits: *why gets kube-scheduler's message ("0/3 nodes
 * are available: 3 Insufficient cpu. preemption: ..."), caller frees. */
const char *sched_pick(const struct value *pod, const char *preferred, char **why);

#endif
