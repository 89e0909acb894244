/* bluegreen — blue/green releases from the bastion, with plain Deployments and Services.
 *
 * Each colour is its own helm-compatible release NAME-blue / NAME-green (the chart's `color`
 * value, fullnameOverride NAME, the chart's own Ingress off), installed and waited for by the
 * release engine. Traffic goes through router objects that belong to neither colour:
 *
 *   Service NAME          selector = the live colour's Service selector (…, color=<live>),
 *                         annotations tops/live-color, tops/live-release
 *   Ingress NAME          the host, pointing at Service NAME (when a host is known)
 *   Service NAME-preview  the same for the new colour before promotion (Ingress NAME-preview
 *                         with --preview-host)
 *
 * Promotion and abort are each ONE write: a merge patch of Service NAME's selector and its
 * annotations, guarded by its resourceVersion. The operation's state (step, colours, gate
 * measurements) is kept in ConfigMap NAME-bluegreen, written before and after every step, so an
 * interrupted operation is found by the next status/promote/abort, which says where it stopped
 * and continues. The operation holds the release lease of NAME. Every write is audited.
 *
 * A release with no colour yet (a plain `NAME` release) is adopted as blue: the router selects
 * its pods as they are (no restart), its Ingress is replaced by the router's.
 */
#ifndef TOPS_BLUEGREEN_H
#define TOPS_BLUEGREEN_H

#include "core/gate/gate.h"
#include "core/kube/kube.h"
#include "core/release/engine.h"

#include <signal.h>

#define BG_STEPS(X) \
	X(BS_NONE, "none") X(BS_DEPLOYING, "deploying") X(BS_ANALYSING, "analysing") \
	X(BS_WAITING, "waiting") X(BS_PROMOTED, "promoted") X(BS_SCALING, "scaling-down") \
	X(BS_DONE, "done") X(BS_ABORTED, "aborted") X(BS_FAILED, "failed")
#define BS_ENUM(id, s) id,
enum bg_step { BG_STEPS(BS_ENUM) BS_COUNT };
#undef BS_ENUM

/* How an operation ended. */
enum bg_outcome {
	BG_OK,            /* done (deployed and promoted, or promoted and scaled down, or aborted on request) */
	BG_WAITING,       /* the new colour is up and waits for promote (or an inconclusive gate) */
	BG_ABORTED,       /* a gate failed: traffic is on the old colour, the new one is removed */
	BG_FAILED,        /* the operation failed; err says what and where traffic is */
};

struct bg_gate_src {
	const char *file;            /* for messages */
	const char *text;            /* the gate file's text (kept in the state for promote) */
};

struct bg_opts {
	const char *name, *namespace_;
	const char *chart_path;      /* deploy */
	struct value *values;        /* user values (borrowed); NULL: {} */
	const char *color;           /* deploy: "auto" (NULL), "blue", "green" */
	const struct bg_gate_src *gates;
	size_t ngates;
	struct value *gate_args;     /* --arg k=v for AnalysisTemplates (borrowed map) */
	long auto_promote_ms;        /* < 0: wait for promote; >= 0: promote after this long */
	long scale_down_delay_ms;    /* the old colour stays up this long after promotion; < 0: the
	                              * deploy's (promote) or 30 s (deploy) */
	const char *host, *preview_host;
	long timeout_ms;             /* each colour's wait; 0: 10 minutes */
	bool keep_old;
	volatile sig_atomic_t *abort;
	struct gate_io io;           /* Prometheus and clock for gates (the face binds it) */
	void (*on_event)(const struct engine_event *ev, void *ud);
	void (*on_gate)(void *ud, const struct gate_run *run, size_t metric);
	void *ud;
};

const char *bg_step_name(enum bg_step s);
enum bg_step bg_step_parse(const char *s);
/* "NAME-blue" for colour "blue". Caller frees. */
char *bg_release_name(const char *name, const char *color);
const char *bg_other(const char *color);

/* `bluegreen deploy`: the new colour beside the live one, pre-promotion gates, then (with
 * auto_promote_ms >= 0) promotion. *outcome says how it ended; the return is 0 unless the
 * operation could not run at all or failed (err worded, saying where traffic is). */
int bg_deploy(struct kube_client *kc, const struct bg_opts *o, enum bg_outcome *outcome, struct tops_err *err);
/* `bluegreen promote`: one write moves traffic to the new colour, post-promotion gates (a
 * failure switches back in one write and removes the new colour), then the old colour after the
 * delay. Continues an interrupted operation from where it stopped. */
int bg_promote(struct kube_client *kc, const struct bg_opts *o, enum bg_outcome *outcome, struct tops_err *err);
/* `bluegreen abort`: traffic back on the old colour if it was moved (one write), the new colour
 * removed. Before promotion the live colour is never touched. */
int bg_abort(struct kube_client *kc, const struct bg_opts *o, enum bg_outcome *outcome, struct tops_err *err);

/* The state as a value: {"name", "namespace", "step", "message", "live": {color, release},
 * "new": {...}, "old": {...}, "router": {service, selector, preview}, "colors": [{color, release,
 * deployments: [{name, ready, replicas, image}]}], "gates": {"pre": run, "post": run},
 * "interrupted": bool, "holder": ...}. -TOPS_ENOENT when NAME has no blue/green state nor router.
 * New reference in *out. */
int bg_status(struct kube_client *kc, const char *ns, const char *name, struct value **out, struct tops_err *err);

#endif
