/* health — cluster and runner readiness, refreshed on the loop. */
#include "serve/health.h"

#include "core/base/jdom.h"

#include <stdlib.h>
#include <string.h>

enum hstep { HS_VERSION, HS_DEPLOY, HS_PODS, HS__N };

struct health {
	struct kube_client *kc;
	char *ns, *name;
	long interval_ms;
	uv_timer_t timer;
	struct http_req *inflight;
	enum hstep step;
	bool checked, reachable, found, closing;
	char *version, *cluster_err, *runner_err, *selector;
	long replicas, ready, available, updated;
	struct strbuf pods;          /* JSON array members */
	int pods_total, pods_ready;
	/* the round being read (copied over when it ends) */
	bool n_reachable, n_found;
	char *n_version, *n_cluster_err, *n_runner_err;
	long n_replicas, n_ready, n_available, n_updated;
	struct strbuf n_pods;
	int n_total, n_pready;
};

static void step(struct health *h);

static void timer_cb(uv_timer_t *t)
{
	step(t->data);
}

static void set(char **dst, char *v)
{
	free(*dst);
	*dst = v;
}

static void round_end(struct health *h)
{
	h->checked = true;
	h->reachable = h->n_reachable, h->found = h->n_found;
	set(&h->version, h->n_version), h->n_version = NULL;
	set(&h->cluster_err, h->n_cluster_err), h->n_cluster_err = NULL;
	set(&h->runner_err, h->n_runner_err), h->n_runner_err = NULL;
	h->replicas = h->n_replicas, h->ready = h->n_ready;
	h->available = h->n_available, h->updated = h->n_updated;
	sb_reset(&h->pods), sb_add(&h->pods, h->n_pods.buf ? h->n_pods.buf : "", h->n_pods.len);
	h->pods_total = h->n_total, h->pods_ready = h->n_pready;
	if (!h->closing)
		uv_timer_start(&h->timer, timer_cb, (uint64_t)h->interval_ms, 0);
}

static char *why(const struct http_result *res)
{
	if (res->err)
		return xstrdup(res->errmsg ? res->errmsg : "no answer");
	struct tops_err err = {0};
	kube_status_error(res->status, res->body, &err);
	char *s = xstrdup(tops_err_msg(&err));
	tops_err_clear(&err);
	return s;
}

static void read_version(struct health *h, const struct jd *v)
{
	h->n_reachable = true;
	h->n_version = xstrdup(jd_str(v, "gitVersion") ? jd_str(v, "gitVersion") : "unknown");
}

static void read_deploy(struct health *h, const struct jd *d)
{
	h->n_found = true;
	const struct jd *spec = jd_get(d, "spec"), *st = jd_get(d, "status");
	h->n_replicas = (long)jd_int(spec, "replicas", 1);
	h->n_ready = (long)jd_int(st, "readyReplicas", 0);
	h->n_available = (long)jd_int(st, "availableReplicas", 0);
	h->n_updated = (long)jd_int(st, "updatedReplicas", 0);
	struct strbuf sel = STRBUF_INIT;
	JD_FOREACH(m, jd_get(jd_get(spec, "selector"), "matchLabels"))
		if (jd_is(m, JD_STRING))
			sb_addf(&sel, "%s%s=%s", sel.len ? "," : "", m->key, m->u.s);
	set(&h->selector, sb_detach(&sel, NULL));
}

static bool pod_ready(const struct jd *p)
{
	JD_FOREACH(c, jd_get(jd_get(p, "status"), "conditions"))
		if (jd_str(c, "type") && !strcmp(jd_str(c, "type"), "Ready"))
			return jd_str(c, "status") && !strcmp(jd_str(c, "status"), "True");
	return false;
}

static void read_pods(struct health *h, const struct jd *list)
{
	JD_FOREACH(p, jd_get(list, "items")) {
		const char *name = jd_str(jd_get(p, "metadata"), "name");
		if (jd_get(jd_get(p, "metadata"), "deletionTimestamp"))
			continue;
		bool r = pod_ready(p);
		h->n_total++, h->n_pready += r;
		sb_addf(&h->n_pods, "%s{\"name\":", h->n_pods.len ? "," : "");
		value_json_string(&h->n_pods, name ? name : "", name ? strlen(name) : 0, false);
		sb_addf(&h->n_pods, ",\"ready\":%s}", r ? "true" : "false");
	}
}

typedef void (*reader_fn)(struct health *h, const struct jd *v);
static const reader_fn readers[HS__N] = {read_version, read_deploy, read_pods};

static void done_cb(struct http_req *r, struct http_result *res, void *ud)
{
	struct health *h = ud;
	h->inflight = NULL;
	struct jdom *d = res->err == 0 && res->status / 100 == 2 ? jdom_parse(res->body, res->len, NULL) : NULL;
	if (d) {
		readers[h->step](h, jdom_root(d));
		jdom_free(d);
		h->step++;
	} else if (h->step == HS_VERSION) {
		h->n_cluster_err = why(res);
		h->step = HS__N;
	} else {
		h->n_runner_err = xasprintf("%s %s/%s: %s", h->step == HS_DEPLOY ? "Deployment" : "pods of",
					    h->ns, h->name, res->status == 404 ? "not found" : "");
		if (res->status != 404) {
			char *w = why(res);
			set(&h->n_runner_err, xasprintf("%s%s", h->n_runner_err, w));
			free(w);
		}
		h->step = HS__N;
	}
	step(h);
}

static char *step_path(struct health *h)
{
	if (h->step == HS_VERSION)
		return xstrdup("/version");
	if (h->step == HS_DEPLOY)
		return xasprintf("/apis/apps/v1/namespaces/%s/deployments/%s", h->ns, h->name);
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "/api/v1/namespaces/%s/pods?labelSelector=", h->ns);
	kube_query_escape(&sb, h->selector ? h->selector : "");
	return sb_detach(&sb, NULL);
}

static void step(struct health *h)
{
	if (h->step == 0) {
		h->n_reachable = h->n_found = false;
		h->n_replicas = h->n_ready = h->n_available = h->n_updated = 0;
		h->n_total = h->n_pready = 0;
		sb_reset(&h->n_pods);
	}
	if (h->step >= HS__N) {
		h->step = 0;
		return round_end(h);
	}
	char *path = step_path(h);
	struct http_request rq = {.method = "GET", .url = path, .accept = "application/json",
				  .timeout_ms = 5000, .identity = true, .on_done = done_cb, .ud = h};
	struct tops_err err = {0};
	h->inflight = kube_request(h->kc, &rq, &err);
	free(path);
	if (!h->inflight) {
		h->n_cluster_err = xstrdup(tops_err_msg(&err));
		h->step = 0;
		round_end(h);
	}
	tops_err_clear(&err);
}

struct health *health_new(struct kube_client *kc, const char *ns, const char *name, long interval_ms)
{
	struct health *h = xcalloc(1, sizeof *h);
	h->kc = kc;
	h->ns = xstrdup(ns), h->name = xstrdup(name);
	h->interval_ms = interval_ms > 0 ? interval_ms : 1000;
	sb_init(&h->pods), sb_init(&h->n_pods);
	uv_timer_init(kc->loop, &h->timer);
	h->timer.data = h;
	return h;
}

void health_start(struct health *h)
{
	uv_timer_start(&h->timer, timer_cb, 0, 0);
}

static void put_err(struct strbuf *sb, const char *k, const char *v)
{
	if (!v)
		return;
	sb_addf(sb, ",\"%s\":", k);
	value_json_string(sb, v, strlen(v), false);
}

char *health_json(const struct health *h, bool *ready)
{
	bool runner_ok = h->found && h->replicas > 0 && h->available >= h->replicas &&
			 h->ready >= h->replicas && h->pods_total > 0 && h->pods_ready == h->pods_total;
	*ready = h->checked && h->reachable && runner_ok;
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "{\"status\":\"%s\",\"api\":{\"ready\":true},", *ready ? "ready" : "not ready");
	sb_addf(&sb, "\"cluster\":{\"reachable\":%s", h->reachable ? "true" : "false");
	put_err(&sb, "version", h->version);
	put_err(&sb, "error", !h->checked ? "not checked yet" : h->cluster_err);
	sb_addf(&sb, "},\"runner\":{\"deployment\":\"%s/%s\",\"ready\":%s,\"found\":%s,\"replicas\":%ld,"
		"\"readyReplicas\":%ld,\"availableReplicas\":%ld,\"updatedReplicas\":%ld,\"pods\":[%s]",
		h->ns, h->name, runner_ok ? "true" : "false", h->found ? "true" : "false", h->replicas,
		h->ready, h->available, h->updated, sb_str(&h->pods));
	char *not_ready = h->found && !runner_ok ? xasprintf("%d of %d pods ready, %ld of %ld replicas "
			  "available", h->pods_ready, h->pods_total, h->available, h->replicas) : NULL;
	put_err(&sb, "error", h->runner_err ? h->runner_err : not_ready);
	free(not_ready);
	sb_adds(&sb, "}}\n");
	return sb_detach(&sb, NULL);
}

static void close_cb(uv_handle_t *t)
{
	struct health *h = t->data;
	free(h->ns), free(h->name), free(h->version), free(h->cluster_err), free(h->runner_err);
	free(h->selector), free(h->n_version), free(h->n_cluster_err), free(h->n_runner_err);
	sb_done(&h->pods), sb_done(&h->n_pods);
	free(h);
}

void health_free(struct health *h)
{
	if (!h)
		return;
	h->closing = true;
	if (h->inflight)
		http_cancel(h->inflight);
	uv_close((uv_handle_t *)&h->timer, close_cb);
}
