/* release_diff — the --diff confirmation of install and upgrade. */
#ifndef TOPS_RELEASE_DIFF_H
#define TOPS_RELEASE_DIFF_H

#include "core/kube/kube.h"

struct rel_diff_ctx {
	const char *namespace_;
	bool yes;                    /* --yes: proceed without asking */
};

/* engine_opts.confirm for --diff (ud: a struct rel_diff_ctx): prints each object's diff and
 * "Plan: A to add, C to change, D to destroy.", then asks "Proceed? [y/N]" on a terminal;
 * without one it proceeds only with --yes. */
bool rel_confirm_diff(struct kube_client *kc, struct value *const *objs, size_t n,
		      struct value *const *gone, size_t ngone, void *ud);

#endif
