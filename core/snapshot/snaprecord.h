/* snaprecord — a snapshot's record: its ID, its encoding (gzip JSON) and the ConfigMap that
 * keeps it in the cluster.
 *
 * A record is a JSON map (struct value) with the fields docs/snapshots.md lists: apiVersion
 * "tops.snapshot/v1", id, label, takenAt, release, objects, workloads, pods, pvcs, metrics,
 * golden, objectStore. The ConfigMap is named after the ID, labelled owner=tops,
 * tops-kind=snapshot, release, revision and label, and holds the gzip of the compact JSON in
 * binaryData["snapshot.json.gz"].
 */
#ifndef TOPS_SNAPRECORD_H
#define TOPS_SNAPRECORD_H

#include "core/base/value.h"

#define SNAPSHOT_API_VERSION "tops.snapshot/v1"
#define SNAPSHOT_DATA_KEY "snapshot.json.gz"
/* The API server keeps at most 1 MiB of data in a ConfigMap (core.MaxSecretSize). */
#define SNAPSHOT_MAX_BYTES 1048576

/* A label as it goes into names and label values: lower case, [a-z0-9-] only (other bytes
 * become '-'), at most 40 characters, never empty ("snapshot" when nothing is left). Caller
 * frees. */
char *snaprecord_label_slug(const char *label);

/* The ID of a snapshot: "RELEASE-REVISION-LABEL-YYYYMMDD-HHMMSS" (UTC, from wall seconds),
 * which is also the ConfigMap's name. Caller frees. */
char *snaprecord_id(const char *release, int revision, const char *label, int64_t wall_s);

/* gzip of the record's compact JSON, appended to out. 0, or -TOPS_ETOOBIG when the result is
 * over SNAPSHOT_MAX_BYTES, with err saying its size, the limit, the largest parts of the
 * record and what to do (out is then left empty). */
int snaprecord_encode(const struct value *rec, struct strbuf *out, struct tops_err *err);

/* Reads len bytes of gzip JSON (or plain JSON) back into a record (new reference in *out),
 * checking apiVersion and the fields every record has (id, label, release.name). Errors say
 * which layer failed ("gzip: ...", "json: ...", "snapshot: no field id"). */
int snaprecord_decode(const void *data, size_t len, struct value **out, struct tops_err *err);

/* Checks that a value read from a file is a record (apiVersion, id, label, release.name,
 * release.namespace, release.revision). 0 or -TOPS_EINVAL naming what is missing. */
int snaprecord_check(const struct value *rec, struct tops_err *err);

/* The ConfigMap holding rec (its encoding as binaryData, in rec's release namespace). NULL with
 * err set when the encoding is refused (too big). New reference. */
struct value *snaprecord_to_configmap(const struct value *rec, struct tops_err *err);

/* Reads a record from a ConfigMap as the API returns it. New reference in *out. */
int snaprecord_from_configmap(const struct value *cm, struct value **out, struct tops_err *err);

/* Convenience accessors on records: the string / integer at a dotted path, or dflt. */
const char *snaprecord_str(const struct value *rec, const char *path, const char *dflt);
int64_t snaprecord_int(const struct value *rec, const char *path, int64_t dflt);
/* The number at a dotted path (int or float); NAN when absent or null. */
double snaprecord_num(const struct value *rec, const char *path);

#endif
