/* hooks — helm's hooks: the objects annotated helm.sh/hook (pre-install, post-install,
 * pre-upgrade, post-upgrade, pre-rollback, post-rollback, pre-delete, post-delete, test), run in
 * helm.sh/hook-weight order (then by name), with helm.sh/hook-delete-policy
 * (before-hook-creation when none is given, hook-succeeded, hook-failed). A Job hook is waited
 * for until Complete or Failed, a Pod hook until Succeeded or Failed, within the timeout; other
 * kinds are only created. Each hook's last run (start, end, phase) is kept in its record. */
#ifndef TOPS_HOOKS_H
#define TOPS_HOOKS_H

#include "core/chart/manifest_sort.h"
#include "core/kube/kube.h"
#include "core/release/record.h"

#include <signal.h>

struct hooks_opts {
	const char *namespace_;
	long timeout_ms;             /* 0: 5 minutes, for each hook */
	volatile sig_atomic_t *abort;
	void (*on_line)(const char *line, void *ud);
	void *ud;
};

/* The rendered hooks as records (events, weight, delete policies from their annotations).
 * Returns 0, or -TOPS_EINVAL naming the hook whose YAML or annotations are wrong. */
int hooks_from_manifests(const struct manifest *m, size_t n, struct release_hook **out, size_t *nout,
			 struct tops_err *err);
/* A deep copy of n hooks (a rollback runs the hooks of the revision it goes back to). */
struct release_hook *hooks_copy(const struct release_hook *h, size_t n);
/* True when some hook runs on event. */
bool hooks_have(const struct release_hook *h, size_t n, const char *event);
/* Runs the hooks of event in order; their last_run is updated. A failed or timed-out hook stops
 * the run: "pre-upgrade hook testops/templates/migrate.yaml failed: job testops-migrate:
 * BackoffLimitExceeded: ...". */
int hooks_run(struct kube_client *kc, struct release_hook *h, size_t n, const char *event,
	      const struct hooks_opts *o, struct tops_err *err);

/* Waits for one Job (Complete or Failed) or Pod (Succeeded or Failed) at path; other kinds end
 * at once. 0 done; -TOPS_EINVAL with "Job NAME: REASON: MESSAGE" when it failed or the timeout
 * passed (helm's --wait-for-jobs uses it too). */
int hooks_wait_object(struct kube_client *kc, const char *kind, const char *name, const char *path,
		      const struct hooks_opts *o, struct tops_err *err);
/* Deletes the object at path and waits (at most 30 s) until the API no longer has it. */
int hooks_delete_and_wait(struct kube_client *kc, const char *path, struct tops_err *err);

#endif
