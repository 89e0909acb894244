/* lease — one operation per release at a time.
 *
 * A coordination.k8s.io/v1 Lease "tops-release-NAME" in the release's namespace, holder
 * "user@host:pid", 30 s duration, renewed every 10 s on the client's loop. Creates and renewals
 * carry resourceVersion, so of two racing operations exactly one wins. A Lease whose renewTime
 * is older than its duration belongs to a holder that is gone (SIGKILL, a rebooted bastion): the
 * next operation takes it over and is told whom it took it from.
 *
 * Where Leases are forbidden (403), the same record is kept, with the same optimistic
 * concurrency, in the annotations of a ConfigMap "tops-release-NAME-lock"; the operation says
 * that it fell back. Both are plain objects: `kubectl get lease` shows who holds a release.
 */
#ifndef TOPS_LEASE_H
#define TOPS_LEASE_H

#include "core/kube/kube.h"

struct lease;

/* What was found in the lock when it was acquired. */
struct lease_prev {
	bool taken_over;             /* an expired holder's lock was taken over */
	char *holder;                /* its holder (owned by the lease) */
	char *operation;
	int64_t renewed_ms;          /* its last renewal (wall ms) */
};

struct lease_opts {
	const char *namespace_;
	const char *release;
	const char *operation;       /* "install", "upgrade", "rollback", "uninstall" */
	const char *holder;          /* NULL: user@host:pid */
	int duration_s;              /* 0: $TOPS_LEASE_DURATION seconds, else 30 */
	int renew_s;                 /* 0: a third of the duration */
};

/* Takes the release's lock. Refuses with -TOPS_ECONFLICT while another live holder has it:
 * "another operation (install/upgrade/rollback) is in progress: upgrade by HOLDER for 1m5s
 * (Lease NS/tops-release-NAME, renewed 3s ago)". On success renewals run on the client's loop
 * until lease_release(). Caller frees with lease_release(). */
int lease_acquire(struct kube_client *kc, const struct lease_opts *o, struct lease **out,
		  struct tops_err *err);
/* What the lock held before (valid until lease_release()). */
const struct lease_prev *lease_prev(const struct lease *l);
/* True when a renewal found the lock taken by someone else, or no renewal succeeded for a
 * whole duration: the operation no longer has the release to itself. */
bool lease_lost(const struct lease *l);
/* "Lease" or "ConfigMap" (the fallback), and the lock's name. Borrowed. */
const char *lease_kind(const struct lease *l);
const char *lease_name(const struct lease *l);
/* The holder identity this process uses. Borrowed. */
const char *lease_holder(const struct lease *l);
/* Stops renewing, deletes the lock (guarded by its resourceVersion) and frees l. NULL-safe. */
void lease_release(struct lease *l);
/* "user@host:pid" for this process. Caller frees. */
char *lease_default_holder(void);

#endif
