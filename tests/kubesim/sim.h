/* sim — shared state of the Kubernetes API simulator: resource kinds, simulated clock,
 * deterministic random numbers, scenario configuration and fault injection. */
#ifndef KUBESIM_SIM_H
#define KUBESIM_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/base/value.h"

/* Error codes beyond enum tops_errcode used in struct tops_err.code by the simulator. */
enum { SIM_EEXISTS = 100, SIM_EBADREQ, SIM_ENOTALLOWED };

#define KIND_LIST(X) \
	X(K_POD,    "",      "v1", "pods", "Pod", "pod", "po", true) \
	X(K_SVC,    "",      "v1", "services", "Service", "service", "svc", true) \
	X(K_EP,     "",      "v1", "endpoints", "Endpoints", "endpoints", "ep", true) \
	X(K_EVENT,  "",      "v1", "events", "Event", "event", "ev", true) \
	X(K_CM,     "",      "v1", "configmaps", "ConfigMap", "configmap", "cm", true) \
	X(K_SECRET, "",      "v1", "secrets", "Secret", "secret", "", true) \
	X(K_SA,     "",      "v1", "serviceaccounts", "ServiceAccount", "serviceaccount", "sa", true) \
	X(K_NS,     "",      "v1", "namespaces", "Namespace", "namespace", "ns", false) \
	X(K_NODE,   "",      "v1", "nodes", "Node", "node", "no", false) \
	X(K_PVC,    "",      "v1", "persistentvolumeclaims", "PersistentVolumeClaim", "persistentvolumeclaim", "pvc", true) \
	X(K_PV,     "",      "v1", "persistentvolumes", "PersistentVolume", "persistentvolume", "pv", false) \
	X(K_DEPLOY, "apps",  "v1", "deployments", "Deployment", "deployment", "deploy", true) \
	X(K_RS,     "apps",  "v1", "replicasets", "ReplicaSet", "replicaset", "rs", true) \
	X(K_STS,    "apps",  "v1", "statefulsets", "StatefulSet", "statefulset", "sts", true) \
	X(K_DS,     "apps",  "v1", "daemonsets", "DaemonSet", "daemonset", "ds", true) \
	X(K_CREV,   "apps",  "v1", "controllerrevisions", "ControllerRevision", "controllerrevision", "", true) \
	X(K_JOB,    "batch", "v1", "jobs", "Job", "job", "", true) \
	X(K_CRON,   "batch", "v1", "cronjobs", "CronJob", "cronjob", "cj", true) \
	X(K_ROLE,   "rbac.authorization.k8s.io", "v1", "roles", "Role", "role", "", true) \
	X(K_RB,     "rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", "rolebinding", "", true) \
	X(K_CROLE,  "rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", "clusterrole", "", false) \
	X(K_CRB,    "rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", "clusterrolebinding", "", false) \
	X(K_PDB,    "policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", "poddisruptionbudget", "pdb", true) \
	X(K_ING,    "networking.k8s.io", "v1", "ingresses", "Ingress", "ingress", "ing", true) \
	X(K_INGCLASS, "networking.k8s.io", "v1", "ingressclasses", "IngressClass", "ingressclass", "", false) \
	X(K_NETPOL, "networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", "networkpolicy", "netpol", true) \
	X(K_SC,     "storage.k8s.io", "v1", "storageclasses", "StorageClass", "storageclass", "sc", false) \
	X(K_HPA,    "autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", "horizontalpodautoscaler", "hpa", true) \
	X(K_LEASE,  "coordination.k8s.io", "v1", "leases", "Lease", "lease", "", true)

#define KIND_ENUM(id, g, v, r, k, s, sn, nsd) id,
enum kind_id { KIND_LIST(KIND_ENUM) K_COUNT };
#undef KIND_ENUM

struct kind_info {
	const char *group, *version, *resource, *kind, *singular, *shortname;
	bool namespaced;
};
extern const struct kind_info kinds[K_COUNT];

/* Kind by URL parts, or -1. */
int kind_by_resource(const char *group, const char *version, const char *resource);
/* Kind by apiVersion ("apps/v1", "v1") and kind ("Deployment"), or -1. */
int kind_by_kind(const char *api_version, const char *kind);
/* A Kubernetes quantity ("100m", "128Mi", "1G", "2") as a number; 0 for NULL. */
double sim_quantity(const char *q);
/* "apps/v1" or "v1"; borrowed static string. */
const char *kind_api_version(int kind);

/* Scenario configuration (SimConfig document plus flags). */
struct sim_config {
	double speed;                 /* simulated seconds per real second */
	uint64_t seed;
	size_t history;               /* watch history window (events) */
	double ready_delay;           /* simulated seconds from creation to Ready */
	double pull_delay;            /* simulated seconds spent pulling */
	double rollout_every;         /* demo: runner rollout period (0 = off) */
	double event_every;           /* demo: trickle of events period (0 = off) */
	struct value *storage_classes;   /* list of names */
	struct value *registries;        /* list of allowed registries (empty = all) */
	struct value *mirror;            /* list of "sha256:..." digests the mirror holds (NULL = all) */
	struct value *private_registries; /* registries that refuse pulls without imagePullSecrets */
	char *default_sc;
};
extern struct sim_config sim_cfg;

struct sim_faults {
	double error_rate;
	int status;
	unsigned latency_ms;
	bool expire;
	char forbid[256];   /* requests whose path starts with this are 403 Forbidden ("" none) */
	unsigned fail_next; /* the next N API requests fail with status (deterministic error_rate) */
};
extern struct sim_faults sim_faults;

struct sim_stats {
	uint64_t requests, errors_injected, watches_opened;
	int open_watches;
};
extern struct sim_stats sim_stats;

extern uv_loop_t *sim_loop;

/* Simulated clock in seconds since the Unix epoch; starts at the real time of startup. */
double sim_now(void);
/* Real wall clock in seconds (object timestamps use it so that ages read right). */
double sim_wall(void);
/* The simulated time that corresponds to wall-clock time w. */
double sim_from_wall(double w);
void sim_clock_init(void);
/* RFC 3339 UTC timestamp of t ("2026-01-01T00:00:00Z"); caller frees. */
char *sim_timestamp(double t);
/* Deterministic pseudo-random numbers from --seed. */
uint64_t sim_rand(void);
double sim_randf(void);           /* [0,1) */
/* n lowercase alphanumerics (Kubernetes' generateName alphabet) into buf (n+1 bytes). */
void sim_rand_suffix(char *buf, int n);
/* Stable 64-bit hash (FNV-1a). */
uint64_t sim_hash(const void *data, size_t len, uint64_t h);

/* Small helpers for struct value trees. */
const char *vstr(const struct value *map, const char *dotted);   /* borrowed or NULL */
int64_t vint(const struct value *map, const char *dotted, int64_t dflt);
/* Returns the map at key, creating it when missing (borrowed). */
struct value *vmap(struct value *map, const char *key);
void vset_str(struct value *map, const char *key, const char *s);
void vset_int(struct value *map, const char *key, int64_t i);

#endif
