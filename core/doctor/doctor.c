/* doctor — the rule table and a run over it (doctor.h). */
#include "core/doctor/rules.h"

#include <stdlib.h>
#include <string.h>

/* X(id, what it looks at, check function): one entry a rule, each with its test. */
#define DOCTOR_RULES(X) \
	X("image-registry", "pod images against the registry the release's values configure (global.imageRegistry)", rule_image_registry) \
	X("image-digest", "pod image digests against the chart's release notes (VERSIONING_AND_RELEASE_NOTES.md)", rule_image_digest) \
	X("image-pull", "ErrImagePull/ImagePullBackOff and the Failed event: not found, unauthorized, no such host", rule_image_pull) \
	X("pvc-pending", "Pending claims: missing StorageClass, no default class, the ProvisioningFailed event", rule_pvc_pending) \
	X("ingress", "Ingresses: no IngressClass, no controller, no address after a while", rule_ingress) \
	X("crashloop", "CrashLoopBackOff and OOMKilled: exit code, reason, last log lines", rule_crashloop) \
	X("unschedulable", "the PodScheduled condition and FailedScheduling event: resources, taints, selectors", rule_unschedulable) \
	X("readiness", "running pods that are not Ready: the Unhealthy event of the readiness probe", rule_readiness) \
	X("pdb", "PodDisruptionBudgets that allow no disruption of the release's pods", rule_pdb) \
	X("release-pending", "release records left pending-install/upgrade/rollback and who holds the lease", rule_release_pending)

static const struct doctor_rule rules[] = {
#define X(id, what, fn) {id, what, fn},
	DOCTOR_RULES(X)
#undef X
};

const struct doctor_rule *doctor_rules(size_t *n)
{
	*n = ARRAY_LEN(rules);
	return rules;
}

const struct doctor_rule *doctor_rule(const char *id)
{
	for (size_t i = 0; i < ARRAY_LEN(rules); i++)
		if (strcmp(rules[i].id, id) == 0)
			return &rules[i];
	return NULL;
}

void doctor_run(const struct doctor_input *in, struct doctor_report *out)
{
	for (size_t i = 0; i < ARRAY_LEN(rules); i++)
		rules[i].check(in, out);
	/* errors first; the order of the rules within a severity (a stable pass) */
	size_t k = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (out->f[i].sev != DOC_ERROR)
			continue;
		struct doctor_finding f = out->f[i];
		memmove(&out->f[k + 1], &out->f[k], (i - k) * sizeof(f));
		out->f[k++] = f;
	}
}
