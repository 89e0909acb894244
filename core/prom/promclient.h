/* promclient — the Prometheus HTTP API over core/http: instant and range queries, readiness,
 * and discovery through the API server's service proxy. Responses are decoded on libuv's
 * threadpool (uv_queue_work); callbacks run on the loop thread.
 */
#ifndef TOPS_PROMCLIENT_H
#define TOPS_PROMCLIENT_H

#include "core/base/config.h"
#include "core/kube/kube.h"
#include "core/prom/prom.h"

struct promclient;

/* Called once per query on the loop thread. On success rc == 0 and res is borrowed for the
 * duration of the call (the callee may move data out of it); on failure rc < 0 and msg says
 * what happened in words ("Prometheus unreachable at URL: ..."). */
typedef void (*promclient_fn)(void *ud, int rc, struct prom_result *res, const char *msg);

/* Direct mode: base_url (http[s]://host:port[/prefix]) with the config's auth. Proxy mode:
 * base_url NULL and kc a connected kube client; proxy_path is the service proxy path
 * ("/api/v1/namespaces/NS/services/NAME:PORT/proxy"). Borrowed pointers must outlive the client. */
struct promclient_opts {
	uv_loop_t *loop;
	struct http *http;             /* direct mode */
	const char *base_url;
	const char *bearer, *username, *password;
	const struct http_tls *tls;
	struct kube_client *kc;        /* proxy mode */
	const char *proxy_path;
	long timeout_ms;               /* per query; 0: 15 s */
};

struct promclient *promclient_new(const struct promclient_opts *o);
/* Cancels queries in flight (their callbacks do not run) and frees the client. */
void promclient_free(struct promclient *pc);
/* Cancels every query whose callback data is ud: its callback will not run. */
void promclient_cancel(struct promclient *pc, void *ud);

/* The base this client talks to, for messages ("http://127.0.0.1:9090" or the proxy path). */
const char *promclient_where(const struct promclient *pc);

/* time/start/end are Unix seconds (time 0: now); step in seconds. */
int promclient_query(struct promclient *pc, const char *query, double time, promclient_fn cb,
		     void *ud, struct tops_err *err);
int promclient_query_range(struct promclient *pc, const char *query, double start, double end,
			   double step, promclient_fn cb, void *ud, struct tops_err *err);

/* Finds Prometheus for a kube client: a Service labelled app.kubernetes.io/name=prometheus in
 * `namespace` and then in "monitoring" (as Headlamp does). On success *proxy_path is the service
 * proxy path (caller frees). Blocking (for CLI commands). -TOPS_ENOENT when none is found. */
int promclient_discover(struct kube_client *kc, const char *namespace_, char **proxy_path,
			struct tops_err *err);

/* Blocking instant query for CLI commands: runs the loop until the answer. Caller frees *out
 * with prom_result_done(). */
int promclient_query_sync(struct promclient *pc, const char *query, struct prom_result *out,
			  struct tops_err *err);

/* Builds a client from the config (--prometheus / prometheus.url) or, failing that, discovery
 * through kc (may be NULL). Caller frees with promclient_free(); *http_out (when non-NULL on
 * return) is an http client created for direct mode that the caller frees with http_free()
 * after the client. */
int promclient_from_config(uv_loop_t *loop, const struct tops_config *cfg, struct kube_client *kc,
			   const char *namespace_, struct promclient **out, struct http **http_out,
			   struct tops_err *err);

/* Fetches a /metrics endpoint (text format 0.0.4) and parses it; blocking, private loop.
 * Caller frees *out with prom_text_done(). */
int prom_scrape_sync(const char *url, struct prom_text *out, struct tops_err *err);

#endif
