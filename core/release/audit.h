/* audit — a record of every mutating action: one JSON line appended to
 * $XDG_STATE_HOME/tops/audit.jsonl (~/.local/state/tops/audit.jsonl; the file mode 0600) and a
 * Kubernetes Event on the release, so `kubectl get events` shows who did what. Values are
 * recorded only as their sha256; no secret value is ever written.
 */
#ifndef TOPS_AUDIT_H
#define TOPS_AUDIT_H

#include "core/kube/kube.h"

struct audit_entry {
	const char *action;          /* "install", "upgrade", "rollback", "uninstall", "apply" */
	const char *namespace_, *release;
	int from_revision, to_revision;   /* 0: none */
	const char *chart;           /* "testops-1.2.0", may be NULL */
	const char *values_sha256;   /* hex, may be NULL */
	const char *result;          /* "deployed", "failed", "rolled back", "uninstalled", ... */
	const char *error;           /* NULL on success */
	const char *actor;           /* who asked through an API (token name), NULL: the local user */
	int64_t started_ms, ended_ms;    /* wall milliseconds */
};

/* The audit file's path (honours $XDG_STATE_HOME, else $HOME/.local/state). Caller frees. */
char *audit_path(void);
/* Appends the entry to the audit file (creating it 0600, and its folder 0700). */
int audit_write_file(const struct audit_entry *e, const struct kube_client *kc, struct tops_err *err);
/* Creates the Event (reason Tops + Action: TopsUpgrade, ...) on the release's record Secret
 * sh.helm.release.v1.NAME.vREV. Best effort: a failure is returned for the caller to report. */
int audit_write_event(struct kube_client *kc, const struct audit_entry *e, struct tops_err *err);
/* Both; the file's failure wins. */
int audit_record(struct kube_client *kc, const struct audit_entry *e, struct tops_err *err);

/* Hex sha256 of n bytes; out has room for 65. */
void audit_sha256_hex(const void *data, size_t n, char out[65]);

/* The entries of the audit file newer than since_ms (0: all), oldest first, as a list of maps.
 * A line that is not JSON is skipped and counted in *bad. Caller unrefs. */
struct value *audit_read(int64_t since_ms, size_t *bad, struct tops_err *err);

#endif
