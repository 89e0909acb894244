/* bgrouter — the objects a blue/green release keeps besides its colours: the router Service
 * and Ingress (live and preview) and the state ConfigMap NAME-bluegreen. Blocking calls on the
 * client's loop (core/release/rest.h). */
#ifndef TOPS_BGROUTER_H
#define TOPS_BGROUTER_H

#include "core/kube/kube.h"

#define BG_ANN_LIVE "tops/live-color"
#define BG_ANN_LIVE_REL "tops/live-release"
#define BG_ANN_PREVIEW "tops/preview-color"

/* The operation's record: the state map (owned) and the ConfigMap's resourceVersion. */
struct bg_state {
	struct value *v;             /* {"step", "new", "old", "newRelease", "oldRelease", ...} */
	char *rv;                    /* NULL: not stored yet */
};

/* Loads ConfigMap NAME-bluegreen; -TOPS_ENOENT (st->v an empty map) when there is none. */
int bgr_state_load(struct kube_client *kc, const char *ns, const char *name, struct bg_state *st,
		   struct tops_err *err);
/* Writes the state (create or update guarded by its resourceVersion; a conflict means another
 * tops changed it: -TOPS_ECONFLICT). */
int bgr_state_save(struct kube_client *kc, const char *ns, const char *name, struct bg_state *st,
		   struct tops_err *err);
void bgr_state_done(struct bg_state *st);
/* State fields. Borrowed / set (copied). */
const char *bgr_get(const struct bg_state *st, const char *key);
void bgr_set(struct bg_state *st, const char *key, const char *val);

/* GET of an API path: 0 and *out (new reference), -TOPS_ENOENT for 404, else worded. */
int bgr_get_json(struct kube_client *kc, const char *path, struct value **out, struct tops_err *err);

/* The Service of release rel that traffic should reach: the first (by name) with a selector
 * that is not headless. *svc new reference. -TOPS_ENOENT when the release has none. */
int bgr_release_service(struct kube_client *kc, const char *ns, const char *rel, struct value **svc,
			struct tops_err *err);

/* Creates router Service `svcname` selecting like `target` (its selector and ports) with the
 * colour annotations (ann_key = BG_ANN_LIVE or BG_ANN_PREVIEW), or, when it exists, switches it
 * in ONE merge patch guarded by its resourceVersion (retried on a conflict after a re-read).
 * *writes (may be NULL) counts the writes that succeeded. */
int bgr_point(struct kube_client *kc, const char *ns, const char *svcname, const struct value *target,
	      const char *ann_key, const char *color, const char *release, int *writes, struct tops_err *err);

/* Creates (or leaves) Ingress `ingname` for host, backend Service svcname port `port`. */
int bgr_ingress(struct kube_client *kc, const char *ns, const char *ingname, const char *host,
		const char *svcname, int64_t port, const char *class_name, struct tops_err *err);

/* Deletes a named object (path); a 404 is success. */
int bgr_delete(struct kube_client *kc, const char *path, struct tops_err *err);

/* Scales every Deployment and StatefulSet labelled app.kubernetes.io/instance=rel to zero;
 * *n counts them. */
int bgr_scale_zero(struct kube_client *kc, const char *ns, const char *rel, int *n, struct tops_err *err);

/* Deletes the Ingresses labelled app.kubernetes.io/instance=rel (an adopted release's own,
 * replaced by the router's); *n counts them. */
int bgr_delete_release_ingresses(struct kube_client *kc, const char *ns, const char *rel, int *n,
				 struct tops_err *err);

#endif
