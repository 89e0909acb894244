/* lint — checks beyond JSON schemas, with rule ids and file:line:col positions:
 *   dns1123-name      metadata.name is a DNS-1123 subdomain (a label for Service/Namespace)
 *   label-key         label and selector keys: [prefix/]name, name ≤ 63 chars, prefix a subdomain
 *   label-value       label values: ≤ 63 chars, alphanumeric at both ends, [-_.] inside
 *   selector-mismatch spec.selector.matchLabels of Deployment/StatefulSet/ReplicaSet/DaemonSet/Job
 *                     is matched by spec.template.metadata.labels
 *   image-digest      container images pinned by @sha256:... (only with require_digests)
 *   quantity          resources.requests/limits values parse as Kubernetes quantities
 *   port-range        containerPort, hostPort, port, targetPort (numbers), nodePort in 1-65535
 *   storage-class     a PVC's (or volumeClaimTemplate's) storageClassName is a known class
 *                     (only when a list of classes is given)
 */
#ifndef TOPS_LINT_H
#define TOPS_LINT_H

#include "core/base/value.h"

struct lint_opts {
	bool require_digests;
	const char *const *storage_classes; /* NULL-terminated known classes; NULL = not checked */
};

struct lint_finding {
	const char *rule;   /* static rule id, e.g. "dns1123-name" */
	char *msg;          /* owned */
	int line, col;      /* of the offending value (0 = unknown) */
};

/* Findings of one or more objects. Embedded: zero-initialise, then lint_report_done(). */
struct lint_report {
	struct lint_finding *f;
	size_t n, cap;
};

/* Lints one Kubernetes object (borrowed; positions come from the values). Appends findings
 * to rep; returns the number appended. line_offset is added to every line (documents of a
 * multi-document file are parsed one by one). */
size_t lint_object(const struct value *obj, const struct lint_opts *opts, int line_offset,
		   struct lint_report *rep);

void lint_report_done(struct lint_report *rep);

/* Building blocks, also used by the render pane. */
bool lint_is_dns1123_label(const char *s);
bool lint_is_dns1123_subdomain(const char *s);
/* NULL when valid, else a static reason. */
const char *lint_label_key_problem(const char *key);
const char *lint_label_value_problem(const char *val);
bool lint_is_quantity(const char *s);

#endif
