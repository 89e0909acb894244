/* rules — what the rule files of core/doctor share: the check functions the table in doctor.c
 * names, and the scope and wording helpers of scope.c. Internal to core/doctor. */
#ifndef TOPS_DOCTOR_RULES_H
#define TOPS_DOCTOR_RULES_H

#include "core/doctor/doctor.h"

/* The rules (rules_image.c, rules_pod.c, rules_cluster.c). */
void rule_image_registry(const struct doctor_input *in, struct doctor_report *out);
void rule_image_digest(const struct doctor_input *in, struct doctor_report *out);
void rule_image_pull(const struct doctor_input *in, struct doctor_report *out);
void rule_pvc_pending(const struct doctor_input *in, struct doctor_report *out);
void rule_ingress(const struct doctor_input *in, struct doctor_report *out);
void rule_crashloop(const struct doctor_input *in, struct doctor_report *out);
void rule_unschedulable(const struct doctor_input *in, struct doctor_report *out);
void rule_readiness(const struct doctor_input *in, struct doctor_report *out);
void rule_pdb(const struct doctor_input *in, struct doctor_report *out);
void rule_release_pending(const struct doctor_input *in, struct doctor_report *out);

/* True when a record belongs to the run: its namespace, and the release's label
 * app.kubernetes.io/instance when in->release is set. */
bool doc_in_scope(const struct doctor_input *in, const struct st_meta *m);
/* The same for an API object (labels, or helm's meta.helm.sh/release-name annotation). */
bool doc_value_in_scope(const struct doctor_input *in, const struct value *obj);
/* The release an object belongs to: in->release, else its instance label, else "RELEASE".
 * Borrowed. */
const char *doc_release_of(const struct doctor_input *in, const struct st_meta *m);
/* The object's app.kubernetes.io/component label, else "runner"-like fallback "COMPONENT". */
const char *doc_component(const struct st_meta *m);
/* "tops upgrade REL CHART -n NS --reuse-values --set SET". Caller frees. */
char *doc_upgrade(const struct doctor_input *in, const char *rel, const char *ns, const char *set);
/* The newest event about kind ns/name whose reason is reason (NULL: any) and whose message
 * starts with prefix (NULL: any). Borrowed from the store or NULL. */
const struct st_event *doc_event(const struct doctor_input *in, const char *kind, const char *ns,
				 const char *name, const char *reason, const char *prefix);
/* A string field of an API object ("" when absent). */
const char *doc_str(const struct value *obj, const char *path);
/* Age in seconds of an API object (creationTimestamp), -1 when unknown. */
int64_t doc_age(const struct doctor_input *in, const struct value *obj);
/* The API object of a list by namespace/name, or NULL. */
const struct value *doc_find(const struct value *list, const char *ns, const char *name);

#endif
