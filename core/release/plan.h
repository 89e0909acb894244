/* plan — what an apply would change, before anything is written: each object compared with its
 * live state (core/diff; Secret values masked), objects that go, and helm-style plan counts.
 * Shared by `tops upgrade --diff` and the console's confirmation. Blocking on the client's
 * loop (core/release/rest.h: only for a client whose loop is not already running). */
#ifndef TOPS_PLAN_H
#define TOPS_PLAN_H

#include "core/kube/kube.h"

struct plan {
	int add, change, destroy, unchanged;
};

/* Compares objs (borrowed) with the live objects (a GET each; absent or unreadable: an
 * addition) and counts gone (borrowed) as destroyed. Appends the unified diffs (3 lines of
 * context) and a "--- live/REF (deleted: ...)" line per gone object to diff (NULL: counts only). */
void plan_compute(struct kube_client *kc, struct value *const *objs, size_t n,
		  struct value *const *gone, size_t ngone, const char *ns, struct plan *p,
		  struct strbuf *diff);
/* "Plan: 2 to add, 3 to change, 1 to destroy." into buf. */
void plan_line(const struct plan *p, char *buf, size_t n);
/* The objects of a helm manifest (documents split on ---), parsed; NULL with err when one is
 * not YAML. Free with plan_objects_free(). */
struct value **plan_parse_manifest(const char *manifest, size_t *n, struct tops_err *err);
void plan_objects_free(struct value **objs, size_t n);

#endif
