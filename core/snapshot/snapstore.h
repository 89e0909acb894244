/* snapstore — snapshots in the cluster, one ConfigMap each (snaprecord.h), so operators at
 * different bastions see the same ones. Every write is audited (core/release/audit.h: the
 * audit file and an Event on the release's record), as actions "snapshot-take",
 * "snapshot-import" and "snapshot-delete".
 */
#ifndef TOPS_SNAPSTORE_H
#define TOPS_SNAPSTORE_H

#include "core/kube/kube.h"

/* Stores rec (borrowed) as a new ConfigMap in its release's namespace. action names the audit
 * entry ("snapshot-take", "snapshot-import"). Refused before any request when the encoding is
 * over 1 MiB (-TOPS_ETOOBIG, the words say what is big); a snapshot with that ID already there
 * is -TOPS_ECONFLICT ("snapshot ID already exists") — except for "snapshot-take", where two
 * takes in one second get IDs ending -2, -3, ... (rec's id is updated). */
int snapstore_put(struct kube_client *kc, struct value *rec, const char *action,
		  struct tops_err *err);

/* The snapshots of release (NULL: every release) in ns, oldest first (by takenAt, then ID).
 * *recs is an array of *n new references (free with snapstore_list_free()). ConfigMaps that
 * cannot be read are named in *bad (a list of strings, new reference; NULL allowed). */
int snapstore_list(struct kube_client *kc, const char *ns, const char *release, struct value ***recs,
		   size_t *n, struct value **bad, struct tops_err *err);
void snapstore_list_free(struct value **recs, size_t n);

/* One snapshot by ID. -TOPS_ENOENT "snapshot ID not found in namespace NS". */
int snapstore_get(struct kube_client *kc, const char *ns, const char *id, struct value **out,
		  struct tops_err *err);

/* Deletes a snapshot by ID (only a ConfigMap labelled owner=tops,tops-kind=snapshot: anything
 * else of that name is refused, -TOPS_EINVAL). */
int snapstore_delete(struct kube_client *kc, const char *ns, const char *id, struct tops_err *err);

#endif
