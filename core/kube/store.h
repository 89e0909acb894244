/* store — compact in-memory records of the watched Kubernetes objects, kept by the informers.
 *
 * Objects arrive as JSON (cJSON trees), are projected into small records holding only the fields
 * a console needs, and the JSON is freed. Repeated strings (label keys and values, node names,
 * images, reasons, owner kinds) are interned and shared. Records are read on the loop thread
 * only; projection (store_project) may run on worker threads (the intern table is locked).
 * The raw JSON is not kept: fetch an object with kube_path() + a GET when a view needs it.
 *
 * All `const char *` fields of records are borrowed from the record (valid while the record is
 * in the store: until the change notification that removes or replaces it has returned).
 * Strings that are absent are "" (never NULL); timestamps are Unix seconds (0 = unset).
 */
#ifndef TOPS_STORE_H
#define TOPS_STORE_H

#include "core/kube/kube.h"

#include "core/base/jdom.h"

struct st_kv { const char *key, *val; };

struct st_owner {
	const char *kind, *name, *uid;
	bool controller;
};

struct st_cond {
	const char *type, *status, *reason, *message;
	int64_t last_transition;
};

enum st_cstate { ST_WAITING, ST_RUNNING, ST_TERMINATED, ST_NOSTATE };

/* A container state (current or lastState). */
struct st_state {
	uint8_t state;             /* enum st_cstate */
	const char *reason;        /* waiting/terminated reason */
	const char *message;
	int32_t exit_code, signal;
	int64_t started_at, finished_at;
};

struct st_container {
	const char *name, *image, *image_id;
	bool ready, started, has_started;  /* has_started: `started` was present */
	bool sidecar;              /* init container with restartPolicy: Always */
	bool has_status;           /* false: only in the spec (no status entry yet) */
	int32_t restarts;
	struct st_state cur, last;
};

/* Metadata common to every record. */
struct st_meta {
	const char *name, *namespace_, *uid;
	const char *resource_version;
	struct st_kv *labels; uint32_t nlabels;
	struct st_owner *owners; uint32_t nowners;
	int64_t created, deleted;  /* creationTimestamp, deletionTimestamp */
	int64_t generation;
	int64_t grace_period;      /* deletionGracePeriodSeconds, -1 unset */
	const char **held_; uint32_t nheld_;  /* internal: interned strings the record holds */
};

struct st_pod {
	struct st_meta meta;
	const char *phase, *reason, *message;
	const char *node, *pod_ip, *host_ip, *nominated_node;
	int64_t start_time;
	/* status entries in status order (has_status), then spec containers without a status;
	 * image is the spec's image when the spec names the container */
	struct st_container *containers; uint32_t ncontainers;
	struct st_container *init; uint32_t ninit;
	uint32_t spec_containers, spec_init;   /* lengths of spec.containers / spec.initContainers */
	struct st_cond *conditions; uint32_t nconditions;
	const char **readiness_gates; uint32_t ngates;  /* conditionType of spec.readinessGates */
};

struct st_pvc {
	struct st_meta meta;
	const char *phase, *volume, *storage_class, *capacity, *requested, *volume_mode;
	const char *access_modes;  /* kubectl's short form of status.accessModes: "RWO,ROX" */
	const char *volume_attributes_class;  /* spec.volumeAttributesClassName, "" when unset */
	struct st_cond *conditions; uint32_t nconditions;
};

/* Deployments, ReplicaSets and StatefulSets. */
struct st_workload {
	struct st_meta meta;
	int32_t spec_replicas;     /* spec.replicas (default 1) */
	int32_t replicas, updated, ready, available, current;  /* status */
	int64_t observed_generation;
	const char *revision;      /* deployment.kubernetes.io/revision annotation, or sts updateRevision */
	const char *current_revision;  /* sts currentRevision */
	const char *containers;    /* comma-separated container names (for -o wide) */
	const char *images;        /* comma-separated images */
	const char *selector;      /* "a=b,c=d" of spec.selector */
	const char *strategy;
	const char *node_selector; /* DaemonSets: "k=v,..." of the template's nodeSelector, or "<none>" */
	struct st_cond *conditions; uint32_t nconditions;
};

struct st_service {
	struct st_meta meta;
	const char *type, *cluster_ip, *external_ips, *ports, *selector;
	/* external_ips: kubectl's EXTERNAL-IP column text ("<none>", "<pending>", "1.2.3.4") */
};

struct st_event {
	struct st_meta meta;
	const char *type, *reason, *message, *source;
	const char *obj_kind, *obj_name, *obj_namespace, *obj_uid, *obj_field;
	int32_t count;
	int64_t first, last, event_time;
};

/* A record of any kind: `meta` is first in every record type. */
union st_record {
	struct st_meta meta;
	struct st_pod pod;
	struct st_pvc pvc;
	struct st_workload wl;
	struct st_service svc;
	struct st_event ev;
};

enum st_op { ST_ADDED, ST_MODIFIED, ST_DELETED };

struct store;

/* Caller frees with store_free(). */
struct store *store_new(void);
void store_free(struct store *s);

/* Projects one API object (a parsed JSON value: a Pod, PersistentVolumeClaim, ...) into a new record.
 * Thread-safe. Returns NULL with err set when the object lacks metadata.name. The record is
 * owned by the caller until given to store_apply(); free an unused one with store_record_free(). */
union st_record *store_project(enum kube_kind k, const struct jd *obj, struct tops_err *err);
void store_record_free(enum kube_kind k, union st_record *r);

/* Applies a change (loop thread). ADDED/MODIFIED take ownership of rec (replacing an existing
 * record with the same namespace/name); DELETED removes the record with rec's namespace/name
 * and frees rec. Notifies subscribers when something changed; a MODIFIED whose
 * resourceVersion equals the stored one is not notified. Returns the op actually applied
 * (an ADDED of a known key becomes MODIFIED) or -1 when nothing changed. */
int store_apply(struct store *s, enum kube_kind k, enum st_op op, union st_record *rec);

/* Removes the record namespace/name if present (notifying ST_DELETED). Returns ST_DELETED or -1. */
int store_delete(struct store *s, enum kube_kind k, const char *ns, const char *name);

/* Looks a record up by namespace ("" for cluster-scoped) and name. Borrowed or NULL. */
const union st_record *store_get(const struct store *s, enum kube_kind k, const char *ns,
				 const char *name);
/* Number of records of a kind. */
size_t store_count(const struct store *s, enum kube_kind k);
/* All records of a kind sorted by namespace, then name. Caller frees the array (not the
 * records, which are borrowed until the store next changes). */
const union st_record **store_list(const struct store *s, enum kube_kind k, size_t *n);
/* Calls fn for each record of a kind (unordered). fn must not change the store. */
void store_foreach(const struct store *s, enum kube_kind k,
		   void (*fn)(const union st_record *r, void *ud), void *ud);

/* Change notification: called on the loop thread after the store changed. For ST_DELETED `rec`
 * is the removed record (freed after the call); `old` is the previous record for ST_MODIFIED
 * (freed after the call), else NULL. */
typedef void (*store_notify_fn)(enum kube_kind k, enum st_op op, const union st_record *rec,
				const union st_record *old, void *ud);
/* Adds a subscriber; returns an id for store_unsubscribe(). */
int store_subscribe(struct store *s, store_notify_fn fn, void *ud);
void store_unsubscribe(struct store *s, int id);

/* A label value of a record, or NULL when the label is absent (borrowed). */
const char *store_label(const struct st_meta *m, const char *key);
/* A record with its kind, for field selectors. */
struct st_ref { enum kube_kind kind; const union st_record *rec; };
/* kube_lookup_fn for field selectors on a `struct st_ref *`: metadata.name, metadata.namespace,
 * status.phase, spec.nodeName, type, reason, involvedObject.kind/name/namespace/uid. */
const char *store_field_lookup(const void *ref, const char *key);
/* kube_lookup_fn for label selectors on a `struct st_meta *`. */
const char *store_label_lookup(const void *meta, const char *key);

/* Memory statistics: bytes held by interned strings and their number. */
void store_intern_stats(size_t *bytes, size_t *count);

#endif
