/* diff — what applying a rendered object would change on its live counterpart.
 *
 * The rule ("what would a server-side apply change"):
 * - Server-owned fields are never compared: status, metadata.managedFields, resourceVersion,
 *   uid, creationTimestamp, generation, selfLink, deletionTimestamp and the annotations
 *   kubectl.kubernetes.io/last-applied-configuration and deployment.kubernetes.io/revision.
 * - Every field the rendered object sets is compared with the live one. A field present only on
 *   the live side is ignored (the server defaulted it or someone else owns it) unless it was
 *   applied before: listed in a managedFields entry with operation "Apply" (of one field
 *   manager, or of any) or in the last-applied-configuration annotation. Such a field is
 *   reported as removed.
 * - Lists with a merge key are matched by key (containers, initContainers, env, volumes and
 *   imagePullSecrets by name, volumeMounts by mountPath, container ports by containerPort,
 *   Service ports by port); other lists are compared element by element, and a length
 *   difference is a change.
 * - null in the rendered object means "not set". An empty map or list in the rendered object
 *   equals an absent live field (the server drops them). Integers and floats compare by value.
 * - Secret: stringData is folded into data (base64) first, as the API server does. Values under
 *   data are never shown: both sides print "***", and the rendered side prints "*** (changed)"
 *   when the value differs.
 *
 * Everything here is pure: no I/O, no server. The results are unit-testable.
 */
#ifndef TOPS_DIFF_H
#define TOPS_DIFF_H

#include "core/base/value.h"

enum diff_status { DIFF_CREATED, DIFF_UNCHANGED, DIFF_CHANGED };
enum diff_op { DIFF_ADD, DIFF_REMOVE, DIFF_MODIFY };

struct diff_change {
	enum diff_op op;
	char *path;           /* ".spec.template.spec.containers[name=runner].image" */
	struct value *before; /* live value; NULL for DIFF_ADD (masked for Secret data) */
	struct value *after;  /* rendered value; NULL for DIFF_REMOVE (masked likewise) */
};

struct diff_result {
	enum diff_status status;
	char *id;                   /* "apps.v1.Deployment.testops.testops-runner" */
	struct diff_change *changes; /* in document order */
	size_t nchanges, cap;
	struct value *live_view;    /* live object reduced to what was compared; NULL if created */
	struct value *desired_view; /* rendered object as compared (nulls dropped, masked) */
};

/* Compares one rendered object (desired) with the live one (NULL: it does not exist yet).
 * ns is the namespace used for the id when the rendered object names none (may be NULL).
 * Both inputs are borrowed and left untouched. On success fills *out (caller calls
 * diff_result_done). Errors: -TOPS_EINVAL when desired is not an object with apiVersion, kind
 * and metadata.name. */
int diff_object(const struct value *desired, const struct value *live, const char *ns,
		struct diff_result *out, struct tops_err *err);
/* The same, counting as "applied before" only the managedFields Apply entries of one field
 * manager (kubectl's --field-manager; NULL: every Apply entry). The last-applied annotation
 * counts either way. */
int diff_object_as(const struct value *desired, const struct value *live, const char *ns,
		   const char *manager, struct diff_result *out, struct tops_err *err);
void diff_result_done(struct diff_result *r);

/* True for kinds that live outside namespaces (Namespace, ClusterRole, StorageClass, ...). */
bool diff_kind_cluster_scoped(const char *kind);

/* "group.version.Kind.namespace.name" like kubectl diff's file names ("v1.Secret.ns.name" for
 * the core group, no namespace part for cluster-scoped kinds). NULL when apiVersion, kind or
 * metadata.name is missing. Caller frees. */
char *diff_object_id(const struct value *obj, const char *ns);

/* The REST path of an object: "/apis/apps/v1/namespaces/NS/deployments/NAME" or
 * "/api/v1/namespaces/NS/secrets/NAME". Plurals follow the API's rules (ingresses,
 * networkpolicies, endpoints, ...). NULL when fields are missing. Caller frees. */
char *diff_object_path(const struct value *obj, const char *ns);

/* Appends a unified diff ("--- live/ID", "+++ rendered/ID", @@ hunks with `context` lines
 * around each change) of the two views as YAML. Appends nothing when unchanged. */
void diff_unified(const struct diff_result *r, int context, struct strbuf *out);

/* Appends v as block YAML (the form used by diff_unified; multi-line strings as |- blocks). */
void diff_yaml(const struct value *v, struct strbuf *out);

#endif
