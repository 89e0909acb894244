/* snapshot — takes a structured record of a release as it runs (snaprecord.h has the format):
 * the release record's facts, the applied objects' hashes, workloads with the digests their
 * pods actually run next to the ones the chart pins, pods, PVCs, Prometheus figures over a
 * window, the runner's golden files and whether the object store is reachable.
 *
 * Blocking, for a client with a private loop (CLI, HTTP API worker, console's threadpool-free
 * path through a private client). Reads only; storing is snapstore.h's.
 */
#ifndef TOPS_SNAPSHOT_H
#define TOPS_SNAPSHOT_H

#include "core/kube/kube.h"
#include "core/prom/promclient.h"

/* Runs argv in a container of a pod through the API's exec subresource (core/kube/podexec.h's
 * podexec_run has this shape); argv is NULL-terminated. *out / *errout: the streams (caller frees); *exit_code: the
 * command's status. */
typedef int (*snapshot_exec_fn)(struct kube_client *kc, const char *ns, const char *pod,
				const char *container, const char *const *argv, const char *stdin_data,
				char **out, size_t *out_len, char **errout, int *exit_code,
				struct tops_err *err);

struct snapshot_take_opts {
	const char *release, *namespace_;
	const char *label;            /* "golden", "pre", "post" or any text; NULL: "manual" */
	long window_s;                /* metrics window; 0: 300 */
	const struct value *queries;  /* from snapshot_queries_load(), borrowed; NULL: none */
	struct promclient *prom;      /* borrowed; NULL: no metrics, prom_error says why */
	const char *prom_error;
	bool no_runner;               /* leave the golden set out (status "skipped") */
	snapshot_exec_fn exec;        /* NULL: the golden set is "unavailable" (no exec client) */
	int64_t wall_s;               /* the time it is taken at; 0: now */
};

/* Takes the snapshot. *out is a new record (caller unrefs). The release must exist
 * (-TOPS_ENOENT "release NAME not found in namespace NS"); API failures are errors; Prometheus
 * and the runner failing are recorded in the snapshot (metrics.error, golden.status
 * "failed"), not errors, so a snapshot of a sick release can still be taken. */
int snapshot_take(struct kube_client *kc, const struct snapshot_take_opts *o, struct value **out,
		  struct tops_err *err);

/* The values as a snapshot records them: flattened to dotted keys ("runner.image.digest") with
 * scalar text, lists as JSON; values whose key looks secret (secrets.*, *password*, *token*,
 * *secret*, *key* but not *keys*) as "<secret sha256:12 hex>". New map. */
struct value *snapshot_flat_values(const struct value *values);

#endif
