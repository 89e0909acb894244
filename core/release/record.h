/* record — helm v3's release record, the same in meaning as helm's storage drivers write it, so
 * helm and tops can take turns on one release.
 *
 * The JSON is what Go's encoding/json writes for helm's structs (pkg/release: Release, Info, Hook,
 * HookExecution; pkg/chart: Chart, Metadata, Lock, Dependency, File): helm's field names, its
 * omitempty rules, struct fields in Go's declaration order, map keys sorted, <, > and & escaped.
 * Times are helm's pkg/time.Time: RFC 3339 with nanoseconds, and "" for the zero time (so
 * info.deleted and last_run.started_at are there even when unset). Release.Labels is json:"-":
 * helm keeps a release's own labels on the storage object, not in the JSON, and so does tops.
 *
 * Stored as helm's secret driver stores it: Secret sh.helm.release.v1.NAME.vREV, type
 * helm.sh/release.v1, labels name, owner=helm, status, version (+ createdAt on create, modifiedAt
 * on update), data.release = base64(gzip(JSON)) — which the API shows as base64 of that text; or
 * as its configmap driver does (HELM_DRIVER=configmap: data.release is the text itself).
 *
 * Ownership: every char * and struct value * in these structs belongs to the struct and is freed
 * by release_free() (strings with free(), values with value_unref()). Any pointer may be NULL.
 */
#ifndef TOPS_RECORD_H
#define TOPS_RECORD_H

#include "core/base/value.h"

enum release_status {
	RS_UNKNOWN, RS_DEPLOYED, RS_UNINSTALLED, RS_SUPERSEDED, RS_FAILED, RS_UNINSTALLING,
	RS_PENDING_INSTALL, RS_PENDING_UPGRADE, RS_PENDING_ROLLBACK,
};

/* A Go time.Time: Unix seconds, nanoseconds (0..999999999), the UTC offset it is shown at
 * (seconds east). All zero means unset (Go's zero time), written "" as helm v3 writes it; reading
 * "", null or "0001-01-01T00:00:00Z" gives all zero. */
struct release_time {
	int64_t sec;
	long nsec;
	int off;
};

struct release_hook {
	char *name, *kind, *path, *manifest;
	char **events;               /* "pre-install", "post-upgrade", "test", ... */
	size_t nevents;
	int weight;
	char **delete_policies;      /* "hook-succeeded", "hook-failed", "before-hook-creation" */
	size_t ndelete;
	char **output_log_policies;  /* helm 3.15's "hook-succeeded", "hook-failed" */
	size_t noutput_log;
	struct release_time started_at, completed_at;   /* last_run */
	char *last_phase;            /* last_run.phase: "", "Unknown", "Running", "Succeeded", "Failed" */
};

struct release {
	char *name, *namespace_;
	int version;
	struct {
		struct release_time first_deployed, last_deployed, deleted;
		char *description, *notes;
		enum release_status status;
	} info;
	struct value *chart;         /* helm's chart object ({metadata, lock, templates: [{name, data}],
				      * values, schema, files}), kept as read or as built: data and
				      * schema are base64 text, as Go writes []byte */
	struct value *config;        /* the user-supplied values (a map), or NULL */
	char *manifest;
	struct release_hook *hooks;
	size_t nhooks;
	struct value *labels;        /* the release's own labels (map of strings, helm 3.13's
				      * --labels), kept on the storage object; NULL when none */
};

/* helm's words for a status ("pending-upgrade"); "unknown" for RS_UNKNOWN and out-of-range. */
const char *release_status_str(enum release_status st);
/* The status helm calls s; RS_UNKNOWN when s is none of helm's (NULL, "", "Deployed"). */
enum release_status release_status_parse(const char *s);

/* Frees r and everything it owns; NULL-safe. */
void release_free(struct release *r);
/* A deep copy of r (values copied with value_copy). Caller frees with release_free(). */
struct release *release_copy(const struct release *r);

/* "sh.helm.release.v1.NAME.vVERSION", helm's storage key. Caller frees. */
char *release_key(const char *name, int version);

/* The record as helm's encoding/json writes it (compact). Caller frees. */
char *release_to_json(const struct release *r);
/* Reads a record helm (or tops) wrote, len bytes of JSON. Unknown fields are ignored; null is
 * the zero value; a field of the wrong type (or a bad time) is an error naming it ("json: release
 * field hooks[0].weight is a string, not a number"). On success *out is a new record (caller
 * frees with release_free()); on error *out is NULL and err says why. */
int release_from_json(const char *json, size_t len, struct release **out, struct tops_err *err);

/* helm's encodeRelease: base64(gzip(JSON)), gzip at best compression. Caller frees. Aborts only
 * when zlib cannot get memory, as allocation does everywhere. */
char *release_encode(const struct release *r);
/* helm's decodeRelease of len bytes of text: base64, then gunzip when the gzip magic is there
 * (records from before helm compressed them are plain JSON), then JSON. Errors name the layer
 * that failed ("base64: ...", "gzip: ...", "json: ..."); *out as for release_from_json. */
int release_decode(const char *text, size_t len, struct release **out, struct tops_err *err);

/* The storage objects, as new values (caller unrefs): metadata.name release_key(), namespace,
 * labels (r->labels first, then helm's name/owner/status/version, and createdAt when create or
 * else modifiedAt, Unix seconds from now_wall()), data.release; the Secret has helm's type. */
struct value *release_to_secret(const struct release *r, bool create);
struct value *release_to_configmap(const struct release *r, bool create);
/* Reads a record back from a Secret or ConfigMap as the API returns it (a List's items carry no
 * kind: then the type, or the data itself, tells which). r->labels gets the object's labels
 * other than helm's own (name, owner, status, version, createdAt, modifiedAt). *out and errors
 * as for release_decode. */
int release_from_object(const struct value *obj, struct release **out, struct tops_err *err);

/* The API keeps at most 1 MiB (1048576 bytes) of data in a Secret or ConfigMap: 0 when the
 * encoded record fits, else -TOPS_ETOOBIG with its size and what made it big (manifest, chart
 * templates, chart files, values, hooks, largest first, before compression). */
int release_size_check(const struct release *r, struct tops_err *err);

#endif
