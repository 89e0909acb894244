/* apply — server-side apply of a release's objects and their deletion.
 *
 * Objects go in the order given (the caller sorts them in helm's install order by kind) and in
 * parallel within one kind (bounded; see core/release/rest.h). Each is sent as
 * `PATCH application/apply-patch+yaml?fieldManager=M[&force=true][&dryRun=All]` with helm's
 * ownership metadata added: label app.kubernetes.io/managed-by=Helm, annotations
 * meta.helm.sh/release-name and meta.helm.sh/release-namespace, so helm can later upgrade what
 * tops applied and the other way round.
 */
#ifndef TOPS_APPLY_H
#define TOPS_APPLY_H

#include "core/kube/kube.h"

struct apply_opts {
	const char *namespace_;      /* for objects without metadata.namespace */
	const char *release;         /* NULL: no ownership metadata, no ownership check (tops apply) */
	const char *field_manager;   /* NULL: "tops" */
	bool force_conflicts;
	bool dry_run;                /* dryRun=All: the server validates, nothing is stored */
	int parallel;                /* 0: 16 */
	/* Called after each object is applied or fails (err NULL on success); may be NULL. */
	void (*on_object)(const struct value *obj, const char *ref, const struct tops_err *err, void *ud);
	void *ud;
};

/* Adds helm's ownership metadata for release/namespace to obj (in place). */
void apply_set_owner(struct value *obj, const char *release, const char *ns);

/* Refuses objects that exist and belong to no release or another one, in helm's words:
 * `Unable to continue with install: Deployment "x" in namespace "ns" exists and cannot be
 * imported into the current release: invalid ownership metadata; label validation error:
 * missing key "app.kubernetes.io/managed-by": must be set to "Helm"; ...`. verb is "install" or
 * "update". Objects that do not exist pass. */
int apply_check_ownership(struct kube_client *kc, struct value *const *objs, size_t n,
			  const struct apply_opts *o, const char *verb, struct tops_err *err);

/* Applies objs (borrowed; ownership metadata is added to them) in order, one kind at a time.
 * Stops at the first kind with a failure, after that kind's requests have ended. Returns 0, or
 * the failure with words naming each failed object and its cause (field conflicts name the
 * fields and the other manager; 422 names the fields). *applied counts objects applied. */
int apply_objects(struct kube_client *kc, struct value *const *objs, size_t n,
		  const struct apply_opts *o, size_t *applied, struct tops_err *err);

/* Deletes objs in reverse order (uninstall order), propagationPolicy=policy ("Background"
 * when NULL); objects already gone are fine; those annotated helm.sh/resource-policy: keep
 * are left and counted in *kept. Returns 0 or the first failure. */
int apply_delete(struct kube_client *kc, struct value *const *objs, size_t n,
		 const struct apply_opts *o, const char *policy, size_t *kept, struct tops_err *err);

/* The object's API path ("/apis/apps/v1/namespaces/ns/deployments/x"); caller frees. */
char *apply_object_path(const struct value *obj, const char *ns);

#endif
