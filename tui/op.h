/* op — one release operation started from the console (upgrade, rollback, uninstall, apply).
 *
 * The release engine (core/release/engine.h) is blocking and runs its client's own loop, so it
 * runs on a worker thread with a kube client of its own (a private loop). Its events are copied
 * into a queue and handed to the console's loop with uv_async_send; the loop thread alone reads
 * them into the state below, draws and touches the store. The confirmation is a handshake: the
 * worker computes the plan and the diff (core/release/plan.c) against the live objects, posts
 * them, and waits on a condition variable for the operator's answer. Abort sets the engine's
 * abort flag (it stops and, when atomic, rolls back; a rollback once started runs to its end).
 *
 * One operation at a time per console: the state is a single instance owned by this module
 * (as metrics_ui's is). Everything here is called on the loop thread.
 */
#ifndef TOPS_TUI_OP_H
#define TOPS_TUI_OP_H

#include "core/kube/store.h"
#include "core/release/engine.h"
#include "core/release/plan.h"
#include "tui/tui.h"

enum op_state { OPS_PREPARING, OPS_CONFIRM, OPS_RUNNING, OPS_DONE };

/* What to do; every pointer is owned by the request (op_req_done frees them). */
struct op_req {
	enum engine_action action;
	bool apply;                  /* `:apply FILE`: plain manifests (files/texts), no release */
	char *release, *ns, *chart;
	struct value *values;        /* user values (upgrade) */
	char *values_text;           /* how they were given ("-f a.yaml --set x=1"), for the screen */
	int revision;                /* rollback target */
	bool atomic, wait, reuse_values;
	long timeout_ms, grace_ms;   /* grace 0: the engine's 20 s */
	bool ask;                    /* show the plan and the diff and wait for op_answer() */
	bool typed_name;             /* the answer is the release name typed (uninstall; or the
	                              * namespace matches console.confirmTypeName) */
	char **names, **texts;       /* apply */
	size_t nfiles;
	int from_rev, to_rev;        /* for the header (0: unknown) */
};
void op_req_done(struct op_req *r);

struct op_line {
	char *key;                   /* workload lines: "deployment/x"; else NULL */
	char *text;
	int kind;                    /* enum engine_event_kind */
	int64_t at;                  /* wall seconds */
};

struct op_status {
	struct op_req req;
	enum op_state state;
	int64_t started, ended;      /* wall seconds */
	char *phase;
	struct op_line *lines;       /* phases, pods, objects, warnings in order (capped) */
	size_t nlines;
	struct op_line *wl;          /* one per workload, the newest counts */
	size_t nwl;
	struct plan plan;            /* OPS_CONFIRM and after */
	char *diff;
	int rc;                      /* OPS_DONE: 0 or the engine's negative code */
	char *error, *summary, *rollback_error;
	bool rolled_back, cancelled;
	int revision;                /* the record written last */
	bool aborting;
	bool dismissed;              /* the header's result line was dismissed */
	struct op_line *pods;        /* key: pod name, text: its last state (the store's view) */
	size_t npods;
	uint64_t gen;                /* changes whenever any of this does */
};

/* Starts req (taken over; zeroed) on a worker thread. -TOPS_ECONFLICT while another runs. */
int op_start(struct ui *ui, struct op_req *req, struct tops_err *err);
/* The current or last operation, NULL when none ran. Borrowed (loop thread). */
const struct op_status *op_current(void);
/* True while an operation has not ended. */
bool op_busy(void);
/* The operator's answer to the confirmation. */
void op_answer(bool yes);
/* Stops the operation (rolls back when atomic); cancels a pending confirmation. */
void op_abort(void);
/* Hides the last result from the header. */
void op_dismiss(void);
/* The header's line: "upgrade testops 4→5 · 1m12s · 3/5 ready" while it runs, the result
 * afterwards until dismissed; false when there is nothing to show. */
bool op_header_line(char *buf, size_t n, enum tui_role *role);
/* Ready and desired replicas of the operation's workloads (from the engine's counts). */
void op_ready(const struct op_status *s, long *ready, long *want);
/* A pod changed in the console's store (tui/data.c): a pod of the running operation's release
 * (label app.kubernetes.io/instance) whose state changed adds a timeline line
 * "pod/x Pending -> ContainerCreating". rec is the new record, NULL when deleted (old then). */
void op_pod_changed(const union st_record *rec, const union st_record *old);
/* Waits for the running operation to end (the loop no longer runs) and takes in its last
 * events and its result. */
void op_wait(void);
/* Frees the last operation's state and closes the async handle (joins a worker first). */
void op_shutdown(void);
/* The config's confirm pattern matches ns (console.confirmTypeName, e.g. "prod*"). */
bool op_needs_typed_name(const char *ns);
/* True in read-only mode (--readonly or `readonly: true` in the config). */
bool op_readonly(void);
/* Read-only mode (--readonly or `readonly: true`): says so in the status line and returns true. */
bool op_readonly_refuses(struct ui *ui, const char *what);

#endif
