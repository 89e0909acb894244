/* What the server's modules share: the server object and the route table. */
#ifndef TOPS_SERVE_INT_H
#define TOPS_SERVE_INT_H

#include "serve/auth.h"
#include "serve/conn.h"
#include "serve/health.h"
#include "serve/limit.h"
#include "serve/metrics.h"
#include "serve/ops.h"
#include "serve/serve.h"

#include "core/kube/kube.h"

struct server {
	uv_loop_t *loop;
	struct serve_opts o;
	char *chart_root;            /* realpath of o.chart_root, or NULL */
	struct srv *srv;
	struct auth *auth;
	struct limit *limit;
	struct smetrics *metrics;
	struct ops *ops;
	struct health *health;
	struct kube_client *kc;      /* on the loop (health); operations make their own */
	uv_signal_t sigterm, sigint;
	uv_timer_t ttl;
	bool stopping;
	int signals;
};

/* X(id, method, pattern, role, handler, summary): '*' in a pattern is one path segment, given
 * to the handler. The OpenAPI description and the metrics' route names come from this table. */
#define SERVE_ROUTES(X) \
	X(R_HEALTH, "GET", "/v1/health", AUTH_NONE, api_health, "readiness of the API, the cluster and the runner") \
	X(R_PREVIEW, "POST", "/v1/deploy/preview", AUTH_DEPLOY, api_preview, "render, validate, diff, then install or upgrade a preview release (atomic)") \
	X(R_PREVIEW_DEL, "DELETE", "/v1/deploy/preview/*", AUTH_DEPLOY, api_preview_delete, "remove a preview release") \
	X(R_OP, "GET", "/v1/operations/*", AUTH_READ, api_operation, "an operation's state and result") \
	X(R_OP_EVENTS, "GET", "/v1/operations/*/events", AUTH_READ, api_operation_events, "an operation's progress as Server-Sent Events") \
	X(R_RELEASES, "GET", "/v1/releases", AUTH_READ, api_releases, "the releases") \
	X(R_RELEASE, "GET", "/v1/releases/*", AUTH_READ, api_release, "a release's status and history") \
	X(R_ROLLBACK, "POST", "/v1/releases/*/rollback", AUTH_DEPLOY, api_rollback, "roll a release back") \
	X(R_SEED, "POST", "/v1/snapshots/seed", AUTH_DEPLOY, api_snapshot_seed, "take a golden snapshot of a release") \
	X(R_COMPARE, "GET", "/v1/snapshots/compare", AUTH_READ, api_snapshot_compare, "compare two snapshots") \
	X(R_METRICS, "GET", "/metrics", AUTH_READ, api_metrics, "the server's metrics (Prometheus text)") \
	X(R_OPENAPI, "GET", "/v1/openapi.json", AUTH_NONE, api_openapi, "this API's OpenAPI 3 description")

enum route_id {
#define X(id, m, p, role, fn, sum) id,
	SERVE_ROUTES(X)
#undef X
	R__COUNT
};

struct route {
	enum route_id id;
	const char *method, *pattern;
	enum auth_role role;
	void (*fn)(struct server *sv, struct conn *c, const char *arg, const char *actor);
	const char *summary;
};

#define X(id, m, p, role, fn, sum) void fn(struct server *sv, struct conn *c, const char *arg, const char *actor);
SERVE_ROUTES(X)
#undef X

/* The route table (R__COUNT entries). */
extern const struct route serve_routes[];
/* The route names for metrics ("GET /v1/health"). */
extern const char *const serve_route_names[];

/* {"error":{"code","message","details"}} with status; details is JSON (NULL: []). extra_headers
 * as conn_respond takes them. */
void api_error(struct conn *c, int status, const char *details, const char *extra_headers,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A JSON answer (body borrowed). */
void api_json(struct conn *c, int status, const char *body);

/* The OpenAPI 3 document, generated from the route table. Caller frees. */
char *openapi_json(void);

/* chartsrc: the chart of a preview. A path under root (relative; no "..", no symlink out of
 * root: realpath and prefix check): *out the real path. An archive body: written into a new
 * private folder (*tmpdir, removed by the caller) as chart.tgz. 0 or -code with err. */
int chartsrc_resolve(const char *root, const char *chart, char **out, struct tops_err *err);
int chartsrc_upload(const char *data, size_t len, char **out, char **tmpdir, struct tops_err *err);

/* reads: a release list or one release's status and history, read on a thread; the answer goes
 * to c on the loop (c may go away meanwhile). name NULL: the list. */
void reads_start(struct server *sv, struct conn *c, const char *ns, const char *name);

#endif
