/* snapshot_cli — what `tops snapshot`, `tops snapshot-compare` and `tops upgrade --snapshot`
 * share: taking and storing a snapshot, and printing the compare of two. */
#ifndef TOPS_SNAPSHOT_CLI_H
#define TOPS_SNAPSHOT_CLI_H

#include "core/kube/kube.h"

struct snap_take_args {
	const char *release, *namespace_, *label;
	long window_s;
	const char *queries_path;    /* NULL: none */
	bool no_runner;
};

/* Takes and stores a snapshot, printing what was stored (or the error) on stderr. *id (NULL
 * allowed) gets its ID (caller frees). 0, or 1 after printing the error. */
int snap_cli_take(struct kube_client *kc, const struct snap_take_args *a, char **id);

/* Compares two snapshots of release (IDs a and b; NULL picks the default pair) and prints the
 * report on stdout in format (text, json, markdown). Returns the exit status: 0 no
 * regression, 1 regression, 3 error (printed on stderr). max_regression: a fraction, < 0 for
 * the default. */
int snap_cli_compare(struct kube_client *kc, const char *ns, const char *release, const char *a,
		     const char *b, double max_regression, const char *format);

#endif
