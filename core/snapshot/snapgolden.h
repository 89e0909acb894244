/* snapgolden — a snapshot's runner part and object store part.
 *
 * Golden set: the chart value snapshot.refreshCommand (default "make snapshot-refresh", split at
 * spaces into argv, no shell) runs in the first pod of the release's runner workload through
 * the exec subresource; the lines it prints that are absolute paths are the golden files, and
 * `sha256sum FILE...` in the same container gives their hashes.
 *
 * Object store: the release's bundled object store (objects labelled
 * app.kubernetes.io/component=object-storage, objectstore, minio or s3, or named *minio*,
 * *objectstore*, *object-storage*, *s3-emulator*) is "reachable" when its workload has a ready
 * pod and its Service ready endpoints, else "unreachable"; with none bundled, a non-empty
 * objectStorage.endpoint is "external (not checked)", objectStorage.emulator.enabled=true without
 * its objects "unreachable", and otherwise "not configured".
 */
#ifndef TOPS_SNAPGOLDEN_H
#define TOPS_SNAPGOLDEN_H

#include "core/release/record.h"
#include "core/snapshot/snapshot.h"

/* Fills rec's "golden" map: {status: recorded|skipped|unavailable|failed, reason, command, pod,
 * container, files: [{path, sha256}]}. Never fails: what went wrong is the reason. */
void snapgolden_collect(struct kube_client *kc, const struct snapshot_take_opts *o,
			const struct release *r, struct value *rec);

/* Fills rec's "objectStore" map: {status, detail, endpoint}. docs: the applied objects. */
void snapgolden_object_store(struct kube_client *kc, struct value *rec, const struct release *r,
			     struct value **docs, size_t ndocs);

/* Parses `sha256sum` output ("HEX  PATH" lines, "HEX *PATH" in binary mode) into a list of
 * {path, sha256}, in the order printed. New list. */
struct value *snapgolden_parse_sums(const char *text);

#endif
