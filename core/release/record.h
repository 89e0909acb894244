/* record — helm v3's release record, the same in meaning as helm's storage drivers write it, so
 * helm and tops can take turns on one release.
 *
 * The JSON has helm's field names and omitempty rules (pkg/release: Release, Info, Hook,
 * HookExecution; pkg/chart: Chart, File with []byte as base64). Stored as helm's secret driver
 * stores it: Secret sh.helm.release.v1.NAME.vREV, type helm.sh/release.v1, labels name,
 * owner=helm, status, version (+ createdAt on create, modifiedAt on update), data.release =
 * base64(gzip(JSON)) — so the API shows base64 of that text; or as its configmap driver does
 * (HELM_DRIVER=configmap: data.release is the text itself).
 */
#ifndef TOPS_RECORD_H
#define TOPS_RECORD_H

#include "core/base/value.h"

enum release_status {
	RS_UNKNOWN, RS_DEPLOYED, RS_UNINSTALLED, RS_SUPERSEDED, RS_FAILED, RS_UNINSTALLING,
	RS_PENDING_INSTALL, RS_PENDING_UPGRADE, RS_PENDING_ROLLBACK,
};

/* A Go time.Time: seconds, nanoseconds, UTC offset. All zero is Go's zero time. */
struct release_time {
	int64_t sec;
	long nsec;
	int off;
};

struct release_hook {
	char *name, *kind, *path, *manifest;
	char **events;
	size_t nevents;
	int weight;
	char **delete_policies;
	size_t ndelete;
	struct release_time started_at, completed_at;
	char *phase;                 /* "", "Unknown", "Running", "Succeeded", "Failed" */
};

struct release {
	char *name, *namespace_;
	int version;
	struct {
		struct release_time first_deployed, last_deployed, deleted;
		char *description, *notes;
		enum release_status status;
	} info;
	struct value *chart;         /* helm's chart object, kept as read (or as built) */
	struct value *config;        /* the user-supplied values (map) or NULL */
	char *manifest;
	struct release_hook *hooks;
	size_t nhooks;
};

/* helm's words for a status ("pending-upgrade"); "unknown" for RS_UNKNOWN. */
const char *release_status_str(enum release_status st);
/* RS_UNKNOWN when s is none of helm's. */
enum release_status release_status_parse(const char *s);

void release_free(struct release *r);

/* The record as helm's encoding/json writes it. Caller frees. */
char *release_to_json(const struct release *r);
/* Reads a record helm (or tops) wrote; unknown fields are ignored, a field of the wrong type is
 * an error naming it. Caller frees *out with release_free(). */
int release_from_json(const char *json, size_t len, struct release **out, struct tops_err *err);

/* helm's encodeRelease: base64(gzip(JSON)), gzip at best compression. Caller frees. */
char *release_encode(const struct release *r);
/* helm's decodeRelease: base64, then gzip when the gzip magic is there, then JSON. Errors say
 * which layer failed ("base64: ...", "gzip: ...", "json: ..."). */
int release_decode(const char *text, size_t len, struct release **out, struct tops_err *err);

/* The storage objects (new values; caller unrefs). create adds createdAt, else modifiedAt. */
struct value *release_to_secret(const struct release *r, bool create);
struct value *release_to_configmap(const struct release *r, bool create);
/* Reads a record back from a Secret or ConfigMap as the API returns it. */
int release_from_object(const struct value *obj, struct release **out, struct tops_err *err);

/* The API keeps at most 1 MiB of data in a Secret or ConfigMap: refuses a bigger record before
 * anything is written, with its size and what made it big. */
int release_size_check(const struct release *r, struct tops_err *err);

#endif
