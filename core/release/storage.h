/* storage — helm's release records in the cluster: Secrets sh.helm.release.v1.NAME.vREV (or
 * ConfigMaps when HELM_DRIVER=configmap), found by the labels owner=helm,name=NAME. */
#ifndef TOPS_STORAGE_H
#define TOPS_STORAGE_H

#include "core/kube/kube.h"
#include "core/release/record.h"

/* The records of one release (or of all), oldest first. A record that cannot be decoded is
 * named in corrupt[] ("sh.helm.release.v1.x.v3: gzip: ...") and the others are still read. */
struct history {
	struct release **r;
	size_t n;
	char **corrupt;
	size_t ncorrupt;
};
void history_done(struct history *h);
/* The newest record, or NULL. Borrowed. */
struct release *history_last(const struct history *h);
/* The newest record with status deployed, or NULL. Borrowed. */
struct release *history_deployed(const struct history *h);
/* The record of a revision, or NULL. Borrowed. */
struct release *history_get(const struct history *h, int version);

/* Reads the records of release name in ns (name NULL: every release; ns NULL: all
 * namespaces). 403 names the verb and resource. */
int storage_load(struct kube_client *kc, const char *ns, const char *name, struct history *h,
		 struct tops_err *err);
/* Writes a record: create (POST; a record that exists is -TOPS_ECONFLICT) or update (PUT). */
int storage_write(struct kube_client *kc, const struct release *r, bool create, struct tops_err *err);
/* Deletes the record of one revision. */
int storage_delete(struct kube_client *kc, const char *ns, const char *name, int version,
		   struct tops_err *err);
/* True when records go to ConfigMaps (HELM_DRIVER=configmap or configmaps). */
bool storage_configmaps(void);

#endif
