#include "core/prom/promclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct promclient {
	struct promclient_opts o;
	char *base;                 /* owned copy of base_url or proxy_path */
	char *bearer, *username, *password;
	struct pquery *queries;     /* in flight (HTTP stage) */
};

struct pquery {
	struct promclient *pc;
	struct http_req *req;
	promclient_fn cb;
	void *ud;
	struct pquery *next;
	/* decode stage */
	uv_work_t work;
	char *body;
	size_t len;
	long status;
	int rc;
	struct prom_result res;
	struct tops_err err;
	bool cancelled;
};

static char *dup0(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct promclient *promclient_new(const struct promclient_opts *o)
{
	struct promclient *pc = xcalloc(1, sizeof *pc);
	pc->o = *o;
	const char *b = o->base_url ? o->base_url : o->proxy_path ? o->proxy_path : "";
	size_t n = strlen(b);
	while (n && b[n - 1] == '/')
		n--;
	pc->base = xstrndup(b, n);
	pc->bearer = dup0(o->bearer);
	pc->username = dup0(o->username);
	pc->password = dup0(o->password);
	return pc;
}

static void unlink_query(struct pquery *q)
{
	for (struct pquery **pp = &q->pc->queries; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			return;
		}
}

/* Cancels queries matching ud (all when match_all). */
static void cancel_queries(struct promclient *pc, void *ud, bool match_all)
{
	for (struct pquery **pp = &pc->queries; *pp;) {
		struct pquery *q = *pp;
		if (!match_all && q->ud != ud) {
			pp = &q->next;
			continue;
		}
		*pp = q->next;
		if (q->req) {
			http_cancel(q->req);
			free(q);
		} else {
			q->cancelled = true;   /* decoding on a worker; after_work frees it */
			q->pc = NULL;
		}
	}
}

void promclient_cancel(struct promclient *pc, void *ud)
{
	cancel_queries(pc, ud, false);
}

void promclient_free(struct promclient *pc)
{
	if (!pc)
		return;
	cancel_queries(pc, NULL, true);
	free(pc->base);
	free(pc->bearer);
	free(pc->username);
	free(pc->password);
	free(pc);
}

const char *promclient_where(const struct promclient *pc)
{
	return pc->base;
}

static void decode_work_cb(uv_work_t *w)
{
	struct pquery *q = w->data;
	q->rc = prom_decode(q->body ? q->body : "", q->len, q->status, &q->res, &q->err);
}

static void decode_after_cb(uv_work_t *w, int status)
{
	struct pquery *q = w->data;
	if (!q->cancelled && q->pc) {
		unlink_query(q);
		q->cb(q->ud, q->rc, q->rc ? NULL : &q->res, q->rc ? tops_err_msg(&q->err) : NULL);
	}
	if (!q->rc)
		prom_result_done(&q->res);
	tops_err_clear(&q->err);
	free(q->body);
	free(q);
	(void)status;
}

static void done_cb(struct http_req *r, struct http_result *res, void *ud)
{
	struct pquery *q = ud;
	q->req = NULL;
	if (res->err) {
		unlink_query(q);
		char *m = xasprintf("Prometheus unreachable at %s: %s", q->pc->base, res->errmsg ? res->errmsg : "error");
		q->cb(q->ud, res->err, NULL, m);
		free(m);
		free(q);
		return;
	}
	q->body = res->body;
	q->len = res->len;
	q->status = res->status;
	res->body = NULL;
	q->work.data = q;
	uv_queue_work(q->pc->o.loop, &q->work, decode_work_cb, decode_after_cb);
	(void)r;
}

static int start(struct promclient *pc, const char *path_query, promclient_fn cb, void *ud,
		 struct tops_err *err)
{
	struct pquery *q = xcalloc(1, sizeof *q);
	q->pc = pc;
	q->cb = cb;
	q->ud = ud;
	char *url = xasprintf("%s%s", pc->base, path_query);
	struct http_request rq = {
		.url = url,
		.accept = "application/json",
		.timeout_ms = pc->o.timeout_ms ? pc->o.timeout_ms : 15000,
		.max_body = 256u << 20,
		.on_done = done_cb,
		.ud = q,
	};
	if (pc->o.kc) {
		q->req = kube_request(pc->o.kc, &rq, err);
	} else {
		rq.bearer = pc->bearer;
		rq.username = pc->username;
		rq.password = pc->password;
		rq.tls = pc->o.tls;
		rq.identity = str_has_prefix(pc->base, "http://127.") || str_has_prefix(pc->base, "http://localhost") ||
			      str_has_prefix(pc->base, "http://[::1]");
		q->req = http_start(pc->o.http, &rq, err);
	}
	free(url);
	if (!q->req) {
		free(q);
		return err ? -err->code : -TOPS_ENET;
	}
	q->next = pc->queries;
	pc->queries = q;
	return 0;
}

static void add_param(struct strbuf *sb, const char *k, const char *v)
{
	sb_addf(sb, "%c%s=", strchr(sb_str(sb), '?') ? '&' : '?', k);
	kube_query_escape(sb, v);
}

static void add_num(struct strbuf *sb, const char *k, double v)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%.3f", v);
	add_param(sb, k, buf);
}

int promclient_query(struct promclient *pc, const char *query, double time, promclient_fn cb,
		     void *ud, struct tops_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "/api/v1/query");
	add_param(&sb, "query", query);
	if (time > 0)
		add_num(&sb, "time", time);
	int rc = start(pc, sb_str(&sb), cb, ud, err);
	sb_done(&sb);
	return rc;
}

int promclient_query_range(struct promclient *pc, const char *query, double start_, double end,
			   double step, promclient_fn cb, void *ud, struct tops_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "/api/v1/query_range");
	add_param(&sb, "query", query);
	add_num(&sb, "start", start_);
	add_num(&sb, "end", end);
	add_num(&sb, "step", step);
	int rc = start(pc, sb_str(&sb), cb, ud, err);
	sb_done(&sb);
	return rc;
}

struct sync_state {
	bool done;
	int rc;
	struct prom_result res;
	char *msg;
};

static void sync_cb(void *ud, int rc, struct prom_result *res, const char *msg)
{
	struct sync_state *s = ud;
	s->done = true;
	s->rc = rc;
	if (!rc) {
		s->res = *res;
		memset(res, 0, sizeof *res);
	} else {
		s->msg = xstrdup(msg ? msg : "query failed");
	}
}

int promclient_query_sync(struct promclient *pc, const char *query, struct prom_result *out,
			  struct tops_err *err)
{
	struct sync_state s = {0};
	int rc = promclient_query(pc, query, 0, sync_cb, &s, err);
	if (rc)
		return rc;
	while (!s.done)
		uv_run(pc->o.loop, UV_RUN_ONCE);
	if (s.rc) {
		tops_err_set(err, s.rc < 0 ? -s.rc : TOPS_EINVAL, "%s", s.msg);
		free(s.msg);
		return s.rc < 0 ? s.rc : -TOPS_EINVAL;
	}
	*out = s.res;
	return 0;
}

static int find_in(struct kube_client *kc, const char *ns, char **proxy_path, struct tops_err *err)
{
	char *path = xasprintf("/api/v1/namespaces/%s/services?labelSelector=app.kubernetes.io%%2Fname%%3Dprometheus", ns);
	struct value *doc = NULL;
	int rc = kube_get_json(kc, path, &doc, err);
	free(path);
	if (rc)
		return rc == -TOPS_EHTTP || rc == -TOPS_EAUTH ? -TOPS_ENOENT : rc;
	const struct value *svc = value_list_get(value_map_get(doc, "items"), 0);
	const struct value *name = value_map_path(svc, "metadata.name");
	const struct value *port = value_map_get(value_list_get(value_map_path(svc, "spec.ports"), 0), "port");
	rc = -TOPS_ENOENT;
	if (name && name->type == V_STRING) {
		*proxy_path = port && port->type == V_INT ?
			xasprintf("/api/v1/namespaces/%s/services/%s:%lld/proxy", ns, name->u.str.s, (long long)port->u.i) :
			xasprintf("/api/v1/namespaces/%s/services/%s/proxy", ns, name->u.str.s);
		rc = 0;
	}
	value_unref(doc);
	return rc;
}

int promclient_discover(struct kube_client *kc, const char *namespace_, char **proxy_path,
			struct tops_err *err)
{
	const char *where[] = {namespace_, "monitoring"};
	for (size_t i = 0; i < ARRAY_LEN(where); i++) {
		if (!where[i] || (i == 1 && namespace_ && strcmp(namespace_, "monitoring") == 0))
			continue;
		struct tops_err e = {0};
		int rc = find_in(kc, where[i], proxy_path, &e);
		if (rc == 0)
			return 0;
		if (rc != -TOPS_ENOENT && rc != -TOPS_EHTTP && e.code != TOPS_ENOENT && e.code != TOPS_EAUTH &&
		    e.code != TOPS_EHTTP) {
			tops_err_set(err, e.code, "%s", tops_err_msg(&e));
			tops_err_clear(&e);
			return rc;
		}
		tops_err_clear(&e);
	}
	return tops_err_set(err, TOPS_ENOENT,
			    "no Prometheus found: pass --prometheus URL, set prometheus.url in the config file, "
			    "or label its Service app.kubernetes.io/name=prometheus in namespace %s or monitoring",
			    namespace_ ? namespace_ : "default");
}

int promclient_from_config(uv_loop_t *loop, const struct tops_config *cfg, struct kube_client *kc,
			   const char *namespace_, struct promclient **out, struct http **http_out,
			   struct tops_err *err)
{
	*http_out = NULL;
	struct promclient_opts o = {.loop = loop};
	char *proxy = NULL;
	if (cfg->prom_url) {
		*http_out = http_new(loop, err);
		if (!*http_out)
			return -err->code;
		o.http = *http_out;
		o.base_url = cfg->prom_url;
		o.bearer = cfg->prom_bearer;
		o.username = cfg->prom_username;
		o.password = cfg->prom_password;
	} else if (kc) {
		int rc = promclient_discover(kc, namespace_, &proxy, err);
		if (rc)
			return rc;
		o.kc = kc;
		o.proxy_path = proxy;
	} else {
		return tops_err_set(err, TOPS_ENOENT, "no Prometheus configured: pass --prometheus URL");
	}
	*out = promclient_new(&o);
	free(proxy);
	return 0;
}

struct scrape_state {
	bool done;
	long status;
	int err;
	char *body, *msg;
	size_t len;
};

static void scrape_done_cb(struct http_req *r, struct http_result *res, void *ud)
{
	struct scrape_state *s = ud;
	s->done = true;
	s->status = res->status;
	s->err = res->err;
	s->msg = res->errmsg ? xstrdup(res->errmsg) : NULL;
	s->body = res->body;
	s->len = res->len;
	res->body = NULL;
	(void)r;
}

int prom_scrape_sync(const char *url, struct prom_text *out, struct tops_err *err)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct http *h = http_new(&loop, err);
	int rc = -TOPS_ENET;
	struct scrape_state s = {0};
	if (!h)
		goto out;
	struct http_request rq = {.url = url, .accept = "text/plain;version=0.0.4", .timeout_ms = 15000,
				  .on_done = scrape_done_cb, .ud = &s};
	if (!http_start(h, &rq, err))
		goto out;
	while (!s.done)
		uv_run(&loop, UV_RUN_ONCE);
	if (s.err)
		rc = tops_err_set(err, -s.err, "%s", s.msg ? s.msg : "scrape failed");
	else if (s.status != 200)
		rc = tops_err_set(err, TOPS_EHTTP, "%s answered HTTP %ld", url, s.status);
	else
		rc = prom_text_parse(s.body ? s.body : "", s.len, out, err);
out:
	free(s.body);
	free(s.msg);
	if (h)
		http_free(h);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return rc;
}
