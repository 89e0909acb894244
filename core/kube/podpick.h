/* podpick — the pod a command acts on, from what the user typed, as kubectl exec and
 * port-forward pick one: POD, pod/NAME, or a workload or service (deploy/NAME, sts/NAME,
 * svc/NAME) whose selector's pods are listed, a Running pod preferred, a Ready one first, then
 * by name. */
#ifndef TOPS_PODPICK_H
#define TOPS_PODPICK_H

#include "core/kube/kube.h"

/* Resolves target in namespace ns to a pod name (caller frees *pod). For svc/NAME, *svc_ports
 * (may be NULL) gets the Service's spec.ports JSON (caller frees) so that a service port can be
 * mapped to its targetPort. Errors: -TOPS_ENOENT with the API's words ("deployments.apps \"x\"
 * not found") or "no running pod for deploy/x"; -TOPS_EINVAL for a kind that has no pods. */
int podpick_resolve(struct kube_client *kc, const char *ns, const char *target, char **pod,
		    char **svc_ports, struct tops_err *err);

#endif
