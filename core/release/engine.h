/* engine — install, upgrade, rollback and uninstall of a release, as helm's actions do them
 * and with what helm cannot promise:
 *
 *   pre-flight (render, values schema, the cluster's OpenAPI v3 schemas, record size, ownership,
 *   optional server dry run)
 *   -> lease (one operation per release; an expired holder's pending revision is marked failed)
 *   -> pending record -> server-side apply in helm's kind order -> watched wait that fails early
 *   -> record deployed, previous superseded -> prune what the new revision dropped -> history-max
 *   or, on any failure (apply error, early failure, timeout, SIGINT/SIGTERM):
 *   -> record failed -> with atomic: the last deployed revision applied again and waited for,
 *      objects only the failed revision created deleted, record "Rollback to M"
 *   -> audit (file and Event) -> lease released.
 *
 * Every face calls this: the CLI prints the events, the console and the HTTP API draw or stream
 * them. No curses, no terminal: progress goes out through on_event.
 */
#ifndef TOPS_ENGINE_H
#define TOPS_ENGINE_H

#include "core/kube/kube.h"
#include "core/release/record.h"

#include <signal.h>

enum engine_action { EA_INSTALL, EA_UPGRADE, EA_ROLLBACK, EA_UNINSTALL };

enum engine_event_kind {
	EE_PHASE,                    /* a step begins: "rendering", "applying 12 objects", ... */
	EE_WORKLOAD,                 /* a workload's counts changed (line replaces its previous one) */
	EE_POD,                      /* a pod of the release changed state */
	EE_OBJECT,                   /* an object was applied or deleted */
	EE_WARNING,                  /* something the operator should know (taken over, kept, ...) */
};

struct engine_event {
	enum engine_event_kind kind;
	const char *key;             /* EE_WORKLOAD: "deployment/x" (stable per line); else NULL */
	const char *line;
};

struct engine_opts {
	enum engine_action action;
	const char *release, *namespace_;
	const char *chart_path;      /* install/upgrade */
	struct value *values;        /* user values (-f/--set merged), borrowed; NULL: {} */
	bool install;                /* upgrade --install */
	bool reuse_values, reset_values, reset_then_reuse_values;
	int revision;                /* rollback: 0 = the previous one */
	bool atomic, wait, wait_for_jobs, no_hooks, create_namespace;
	bool dry_run_client, dry_run_server;
	bool force_conflicts, cleanup_on_fail, take_over, keep_history;
	bool skip_schema_validation; /* install/upgrade: no check against the cluster's OpenAPI v3 */
	long timeout_ms;             /* 0: 5 minutes */
	long grace_ms;               /* early-failure grace; 0: 20 s */
	int restarts_per_replica;    /* 0: 2 */
	int history_max;             /* 0: unlimited; upgrade default 10 is the CLI's */
	const char *description, *field_manager, *cascade;
	const char *actor;           /* who asked (an API caller's token name): recorded in the audit
	                              * and in the lease holder; NULL: the local user alone */
	volatile sig_atomic_t *abort;    /* set by SIGINT/SIGTERM: stop, roll back when atomic */
	/* Called after pre-flight and before anything is written, with the objects to apply (with
	 * their ownership metadata) and those the new revision drops; false cancels (--diff asks
	 * the operator). NULL: go on. */
	bool (*confirm)(struct kube_client *kc, struct value *const *objs, size_t n,
			struct value *const *gone, size_t ngone, void *ud);
	void (*on_event)(const struct engine_event *ev, void *ud);
	void *ud;
	/* Called once the new revision is ready (after the wait; never during a rollback), e.g. a
	 * metric gate; non-zero fails the operation as a failed wait does (atomic: rolled back).
	 * post_ready_ud is its data. NULL: nothing to check. */
	int (*post_ready)(struct kube_client *kc, const char *ns, const char *release, void *ud,
			  struct tops_err *err);
	void *post_ready_ud;
};

struct engine_result {
	struct release *rel;         /* the record written last (the rollback's when rolled back) */
	int failed_revision;         /* the revision that failed, 0 when none */
	bool rolled_back;            /* atomic rollback succeeded */
	char *rollback_error;        /* the rollback's own failure, NULL when none */
	bool dry_run;
	char *summary;               /* for failures: what was not ready and why */
	int64_t failure_detected_ms, rollback_started_ms, ready_detected_ms; /* monotonic ms */
};

/* Runs the action. 0 on success; otherwise -code with err worded as helm words it, prefixed by
 * the action ("UPGRADE FAILED: ...", "release: not found", "another operation ..."), and res
 * filled with what happened (records written, rollback result). Caller frees res with
 * engine_result_done(). */
int engine_run(struct kube_client *kc, const struct engine_opts *o, struct engine_result *res,
	       struct tops_err *err);
void engine_result_done(struct engine_result *res);

/* `tops apply -f`: plain manifests (files[i] named names[i]), no release: objects sorted in
 * helm's kind order, applied server-side (o->field_manager, o->force_conflicts,
 * o->dry_run_server), waited for with o->wait, audited as action "apply". Uses o->namespace_,
 * o->timeout_ms, o->grace_ms, o->abort, o->on_event. *applied counts the objects applied. */
int engine_apply(struct kube_client *kc, const struct engine_opts *o, const char *const *names,
		 const char *const *texts, size_t n, size_t *applied, struct tops_err *err);

/* helm's release name rule: DNS-1123 subdomain, at most 53 characters. */
bool engine_valid_name(const char *name);

#endif
