/* renderjob — render a chart, split the manifests, validate every object against JSON schemas,
 * lint it, and (on the loop thread) diff it against the live cluster; for the console's Render
 * view, which must never block the loop.
 *
 * renderjob_run() does the whole render + validate + lint synchronously (tests, workers).
 * renderjob_start() runs it on libuv's threadpool (uv_queue_work) and hands the result back on
 * the loop thread. renderdiff_start() then GETs every object's live version through the kube
 * client (async, on the loop) and fills in the diffs one reply at a time.
 *
 * Positions: errors in values files and templates carry file:line:col as the renderer words
 * them; schema violations and lint findings carry line:col inside the object's manifest text
 * (renderjob_obj.text, which starts with its "# Source:" line).
 */
#ifndef TOPS_RENDERJOB_H
#define TOPS_RENDERJOB_H

#include "core/diff/diff.h"
#include "core/kube/kube.h"
#include "core/validate/validate.h"

struct renderjob_opts {
	const char *chart;                   /* chart directory or .tgz */
	const char *const *values_files;     /* -f files in order (may be NULL when nvalues is 0) */
	size_t nvalues;
	const char *release_name;            /* NULL: the chart's name */
	const char *namespace_;              /* NULL: "default" */
	const char *const *schema_locations; /* NULL-terminated; NULL: {"default"} */
	const char *kubernetes_version;      /* NULL: "master" */
	/* Connection options of a cluster whose OpenAPI v3 schemas come first (the run opens its
	 * own client: renderjob_run() blocks on the cluster, renderjob_start() does it on the
	 * worker thread); NULL: schema locations only. Borrowed (copied by renderjob_start). */
	const struct tops_opts *cluster;
};

enum renderdiff_state { RDIFF_NONE, RDIFF_PENDING, RDIFF_DONE, RDIFF_ERROR };

/* One rendered object. Everything is owned by the result. */
struct renderjob_obj {
	char *kind, *api_version, *name, *namespace_;  /* "" when absent */
	char *source;                 /* "testops/templates/pvc.yaml" */
	char *text;                   /* its manifest, from the "# Source:" line on */
	struct value *obj;            /* parsed manifest */
	struct validate_result val;   /* schema validation; missing schemas are VAL_SKIPPED */
	bool from_cluster;            /* validated with the cluster's schema (opts.cluster) */
	struct lint_report lint;      /* lint findings (always run) */
	enum renderdiff_state diff_state;
	struct diff_result diff;      /* valid when diff_state == RDIFF_DONE */
	char *diff_text;              /* unified diff (RDIFF_DONE, changed only) */
	char *diff_err;               /* RDIFF_ERROR: words */
};

struct renderjob_result {
	int rc;                       /* 0, or the error code of a failed render */
	struct tops_err err;          /* the render/values error with file:line:col */
	struct renderjob_obj *objs;   /* sorted by kind, then name */
	size_t n;
	size_t valid, invalid, errors, skipped, linted;  /* counts by validation outcome; linted:
	                                                  * objects with lint findings */
	double ms;                    /* wall time of the render and checks */
	bool schemas_cached;          /* the schemas parsed by the previous run were reused (same
	                               * schema locations and Kubernetes version) */
	char *cluster_version;        /* opts.cluster: the server's gitVersion, when at least one
	                               * object was validated with its schemas; else NULL */
	char *cluster_err;            /* opts.cluster: why the cluster's schemas were not used */
	char *chart, *release_name, *namespace_;        /* what was rendered (copies) */
};

/* Renders and checks synchronously. Always fills *out (out->rc says whether it worked); returns
 * out->rc. Caller frees with renderjob_result_done(). */
int renderjob_run(const struct renderjob_opts *o, struct renderjob_result *out);
void renderjob_result_done(struct renderjob_result *r);
/* Frees a heap result from renderjob_start's callback. NULL-safe. */
void renderjob_result_free(struct renderjob_result *r);

/* ---- async render ---- */
struct renderjob;
/* Called on the loop thread; the callee owns res (renderjob_result_free). */
typedef void (*renderjob_done_fn)(struct renderjob_result *res, void *ud);
/* Copies the options and queues the work. NULL with err set when it could not be queued. */
struct renderjob *renderjob_start(uv_loop_t *loop, const struct renderjob_opts *o,
				  renderjob_done_fn cb, void *ud, struct tops_err *err);
/* The callback will not run; memory goes when the worker finishes. */
void renderjob_cancel(struct renderjob *j);

/* ---- diffs against the live cluster (loop thread) ---- */
struct renderdiff;
/* GETs each object of res (borrowed; must outlive the diff or be cancelled first) through kc and
 * fills objs[i].diff*. on_update runs after each reply; the last one with done true. NULL when
 * res has no objects. */
struct renderdiff *renderdiff_start(struct kube_client *kc, struct renderjob_result *res,
				    const char *ns, void (*on_update)(void *ud, bool done), void *ud);
/* Cancels the GETs still in flight and frees d. NULL-safe. */
void renderdiff_cancel(struct renderdiff *d);
/* Counts of finished diffs by status. */
void renderdiff_counts(const struct renderjob_result *res, size_t *created, size_t *changed,
		       size_t *unchanged, size_t *failed);

/* Words for a validation status: "valid", "invalid", "error", "no schema", "empty". Static. */
const char *renderjob_status_word(enum validate_status s);

#endif
