/* relwatch — the console's live view of helm release records: the Secrets labelled owner=helm
 * (ConfigMaps with HELM_DRIVER=configmap) of the console's namespace, listed and then watched
 * from the list's resourceVersion; a watch that ends or fails is resumed (410 Gone: listed
 * again) after a backoff. Records are decoded (base64, gunzip, JSON) on libuv's thread pool, one
 * batch at a time so that changes apply in the order the server sent them; the loop thread only
 * swaps decoded records in. For a release whose newest record is pending, the Lease of the
 * operation (core/release/lease.c: tops-release-NAME) is read to name its holder.
 */
#ifndef TOPS_TUI_RELWATCH_H
#define TOPS_TUI_RELWATCH_H

#include "core/kube/kube.h"
#include "core/release/record.h"
#include "core/release/storage.h"

struct relwatch;

/* The lock of a release whose newest record is pending: who holds it and since when. */
struct rw_lease {
	char *holder;                /* "user@host:pid", NULL when no Lease was found */
	char *operation;
	int64_t acquired, renewed;   /* Unix seconds, 0 unknown */
};

/* Starts listing on kc (borrowed; must outlive the watcher); ns NULL: all namespaces.
 * on_change(ud) is called on the loop thread after records changed. Free with relwatch_free(). */
struct relwatch *relwatch_new(struct kube_client *kc, const char *ns, void (*on_change)(void *ud),
			      void *ud);
void relwatch_free(struct relwatch *rw);
/* Changes whenever the records do. */
uint64_t relwatch_version(const struct relwatch *rw);
/* True after the first list was decoded. */
bool relwatch_synced(const struct relwatch *rw);
/* Words of the last error (listing, watching, a record that cannot be decoded), or NULL. */
const char *relwatch_error(const struct relwatch *rw);
/* Every record of release name in ns (name NULL: of every release), oldest first, as borrowed
 * pointers valid until the next change notification. Fills h->r/h->n only; free with
 * relwatch_history_done() (not history_done()). */
void relwatch_history(const struct relwatch *rw, const char *ns, const char *name, struct history *h);
void relwatch_history_done(struct history *h);
/* The newest record of each release, sorted by namespace and name (borrowed as above). */
void relwatch_latest(const struct relwatch *rw, struct history *h);
/* The lock seen for a pending release, or NULL. Borrowed. */
const struct rw_lease *relwatch_lease(const struct relwatch *rw, const char *ns, const char *name);

/* The CHART cell ("testops-0.3.0") of a record into buf, its APP VERSION (borrowed, "" when
 * none) and helm's UPDATED cell. */
void relwatch_chart_cell(const struct release *r, char *buf, size_t n);
const char *relwatch_app_version(const struct release *r);
void relwatch_time_cell(const struct release *r, char *buf, size_t n);

#endif
