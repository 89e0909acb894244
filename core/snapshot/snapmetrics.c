/* snapmetrics — see snapmetrics.h. */
#include "core/snapshot/snapmetrics.h"
#include "core/snapshot/snaprecord.h"

#include "core/base/yaml.h"
#include "core/prom/prom.h"
#include "core/release/obj.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The release-wide series: name, unit, worse direction, query ($ns, $pods, $w filled in). */
#define SERIES_LIST(X) \
	X("request_rate", "req/s", "none", "sum(rate(testops_http_requests_total{namespace=\"$ns\",pod=~\"$pods\"}[$w]))") \
	X("error_rate", "ratio", "up", "sum(rate(testops_http_requests_total{namespace=\"$ns\",pod=~\"$pods\",code=~\"5..\"}[$w])) / sum(rate(testops_http_requests_total{namespace=\"$ns\",pod=~\"$pods\"}[$w]))") \
	X("request_latency_p95", "seconds", "up", "histogram_quantile(0.95, sum by (le) (rate(testops_http_request_duration_seconds_bucket{namespace=\"$ns\",pod=~\"$pods\"}[$w])))") \
	X("job_duration_mean", "seconds", "up", "sum(rate(testops_runner_job_duration_seconds_sum{namespace=\"$ns\",pod=~\"$pods\"}[$w])) / sum(rate(testops_runner_job_duration_seconds_count{namespace=\"$ns\",pod=~\"$pods\"}[$w]))") \
	X("job_duration_p95", "seconds", "up", "histogram_quantile(0.95, sum by (le) (rate(testops_runner_job_duration_seconds_bucket{namespace=\"$ns\",pod=~\"$pods\"}[$w])))") \
	X("job_throughput", "jobs/s", "down", "sum(rate(testops_runner_jobs_total{namespace=\"$ns\",pod=~\"$pods\"}[$w]))")

struct series_def { const char *name, *unit, *worse, *query; };
#define S_ROW(n, u, w, q) {n, u, w, q},
static const struct series_def series_defs[] = {SERIES_LIST(S_ROW)};
#undef S_ROW

/* Per workload figures: the resource, its summed expression, and the three reductions. */
static const char *const usage_expr[] = {
	"sum(rate(container_cpu_usage_seconds_total{namespace=\"$ns\",pod=~\"$pods\",container!=\"\",container!=\"POD\"}[1m]))",
	"sum(container_memory_working_set_bytes{namespace=\"$ns\",pod=~\"$pods\",container!=\"\",container!=\"POD\"})",
};
static const char *const usage_res[] = {"cpu", "memory"};
static const char *const reduce_name[] = {"p50", "p95", "max"};
/* Subqueries over the window at a twentieth of it (at least 1 s), so that young pods have points. */
static const char *const reduce_fmt[] = {"quantile_over_time(0.5, (%s)[%lds:%lds])",
					 "quantile_over_time(0.95, (%s)[%lds:%lds])", "max_over_time((%s)[%lds:%lds])"};

/* One query in flight; its answer goes to target[key] (null when there is no data). */
struct pq {
	char *query;
	struct value *target;        /* borrowed map */
	const char *key;
	bool by_pvc;                 /* the answer is one series per PVC: fill usedBytes */
	struct value *pvcs;          /* borrowed list */
	bool done;
	char *error;                 /* the query's failure, owned */
};

struct batch {
	struct pq *q;
	size_t n, cap, left;
	char *error;
};

static void add_q(struct batch *b, char *query, struct value *target, const char *key)
{
	if (b->n == b->cap)
		b->q = xrealloc(b->q, (b->cap = b->cap ? 2 * b->cap : 16) * sizeof *b->q);
	b->q[b->n++] = (struct pq){.query = query, .target = target, .key = key};
	value_map_set(target, key, value_null());
}

static double result_value(const struct prom_result *res, bool *any)
{
	*any = false;
	if (res->type == PROM_SCALAR) {
		*any = !isnan(res->scalar.v);
		return res->scalar.v;
	}
	double sum = 0;
	for (size_t i = 0; i < res->nseries; i++)
		if (res->series[i].n && !isnan(res->series[i].samples[res->series[i].n - 1].v)) {
			sum += res->series[i].samples[res->series[i].n - 1].v;
			*any = true;
		}
	return sum;
}

static void fill_pvcs(struct pq *q, const struct prom_result *res)
{
	for (size_t i = 0; i < res->nseries; i++) {
		const struct value *l = value_map_get(res->series[i].labels, "persistentvolumeclaim");
		for (size_t k = 0; l && l->type == V_STRING && k < q->pvcs->u.list.len; k++)
			if (!strcmp(snaprecord_str(q->pvcs->u.list.items[k], "name", ""), l->u.str.s) && res->series[i].n)
				value_map_set(q->pvcs->u.list.items[k], "usedBytes",
					      value_float(res->series[i].samples[0].v));
	}
}

static void answer_cb(void *ud, int rc, struct prom_result *res, const char *msg)
{
	struct pq *q = ud;
	q->done = true;
	if (rc) {
		q->error = xstrdup(msg ? msg : "query failed");
		return;
	}
	if (q->by_pvc) {
		fill_pvcs(q, res);
		return;
	}
	bool any;
	double v = result_value(res, &any);
	if (any && !isinf(v))
		value_map_set(q->target, q->key, value_float(v));
}

/* Sends every query at once and runs kc's loop until all answered. The first failure is
 * b->error. */
static void send_all(struct kube_client *kc, struct promclient *pc, struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct tops_err e = {0};
		if (promclient_query(pc, b->q[i].query, 0, answer_cb, &b->q[i], &e)) {
			b->q[i].done = true;
			b->q[i].error = xstrdup(tops_err_msg(&e));
		}
		tops_err_clear(&e);
	}
	for (size_t i = 0; i < b->n; i++)
		while (!b->q[i].done)
			uv_run(kc->loop, UV_RUN_ONCE);
	for (size_t i = 0; i < b->n; i++) {
		if (b->q[i].error && !b->error)
			b->error = xstrdup(b->q[i].error);
		free(b->q[i].error);
		free(b->q[i].query);
	}
	free(b->q);
}

char *snapmetrics_names_regex(const struct value *names)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; names && names->type == V_LIST && i < names->u.list.len; i++) {
		const struct value *n = names->u.list.items[i];
		if (n->type != V_STRING)
			continue;
		if (sb.len)
			sb_addc(&sb, '|');
		for (const char *p = n->u.str.s; *p; p++) {
			if (strchr(".\\+*?()[]{}|^$", *p))
				sb_adds(&sb, "\\\\");   /* a backslash for the regex, escaped for the string */
			sb_addc(&sb, *p);
		}
	}
	if (!sb.len)
		sb_adds(&sb, "^$");        /* no pods: match none */
	return sb_detach(&sb, NULL);
}

static char *expand(const char *tmpl, const char *ns, const char *pods, long window_s)
{
	struct value *vars = value_map();
	value_map_set(vars, "ns", value_str(ns));
	value_map_set(vars, "pods", value_str(pods));
	value_map_set(vars, "w", value_strf("%lds", window_s));
	value_map_set(vars, "namespace", value_str(ns));
	char *q = prom_expand(tmpl, vars);
	value_unref(vars);
	return q;
}

static void workload_queries(struct batch *b, struct value *out, const struct value *rec, long w)
{
	const char *ns = snaprecord_str(rec, "release.namespace", "");
	const struct value *wl = value_map_get(rec, "workloads");
	for (size_t i = 0; wl && wl->type == V_LIST && i < wl->u.list.len; i++) {
		const struct value *wk = wl->u.list.items[i];
		char *re = snapmetrics_names_regex(value_map_get(wk, "pods"));
		struct value *m = value_map();
		value_map_set(m, "ref", value_str(snaprecord_str(wk, "ref", "")));
		for (int r = 0; r < 2; r++) {
			struct value *fig = value_map();
			char *expr = expand(usage_expr[r], ns, re, w);
			for (int k = 0; k < 3; k++)
				add_q(b, xasprintf(reduce_fmt[k], expr, w, w / 20 > 1 ? w / 20 : 1), fig, reduce_name[k]);
			free(expr);
			value_map_set(m, usage_res[r], fig);
		}
		value_list_push(out, m);
		free(re);
	}
}

/* Every pod of the release's workloads, for the release-wide series. */
static char *all_pods_regex(const struct value *rec)
{
	struct value *names = value_list();
	const struct value *wl = value_map_get(rec, "workloads");
	for (size_t i = 0; wl && wl->type == V_LIST && i < wl->u.list.len; i++) {
		const struct value *p = value_map_get(wl->u.list.items[i], "pods");
		for (size_t k = 0; p && p->type == V_LIST && k < p->u.list.len; k++)
			value_list_push(names, value_ref(p->u.list.items[k]));
	}
	char *re = snapmetrics_names_regex(names);
	value_unref(names);
	return re;
}

static struct value *series_queries(struct batch *b, const struct value *rec, const char *re, long w)
{
	const char *ns = snaprecord_str(rec, "release.namespace", "");
	struct value *l = value_list();
	for (size_t i = 0; i < ARRAY_LEN(series_defs); i++) {
		struct value *m = value_map();
		value_map_set(m, "name", value_str(series_defs[i].name));
		value_map_set(m, "unit", value_str(series_defs[i].unit));
		value_map_set(m, "worse", value_str(series_defs[i].worse));
		add_q(b, expand(series_defs[i].query, ns, re, w), m, "value");
		value_list_push(l, m);
	}
	return l;
}

static struct value *user_queries(struct batch *b, const struct value *queries, const struct value *rec,
				  const char *re, long w)
{
	const char *ns = snaprecord_str(rec, "release.namespace", "");
	struct value *l = value_list();
	for (size_t i = 0; queries && queries->type == V_LIST && i < queries->u.list.len; i++) {
		struct value *m = value_copy(queries->u.list.items[i]);
		add_q(b, expand(snaprecord_str(m, "query", ""), ns, re, w), m, "value");
		value_list_push(l, m);
	}
	return l;
}

static void pvc_query(struct batch *b, struct value *rec)
{
	struct value *pvcs = value_map_get(rec, "pvcs"), *names = value_list();
	for (size_t i = 0; pvcs && pvcs->type == V_LIST && i < pvcs->u.list.len; i++)
		value_list_push(names, value_str(snaprecord_str(pvcs->u.list.items[i], "name", "")));
	char *re = snapmetrics_names_regex(names);
	value_unref(names);
	struct value *vars = value_map();
	value_map_set(vars, "namespace", value_str(snaprecord_str(rec, "release.namespace", "")));
	value_map_set(vars, "pvc", value_str_own(re, strlen(re)));
	char *q = prom_expand(prom_preset_query("pvc_used"), vars);
	value_unref(vars);
	if (b->n == b->cap)
		b->q = xrealloc(b->q, (b->cap = b->cap ? 2 * b->cap : 16) * sizeof *b->q);
	b->q[b->n++] = (struct pq){.query = q, .by_pvc = true, .pvcs = pvcs};
}

void snapmetrics_collect(struct kube_client *kc, const struct snapshot_take_opts *o, struct value *rec)
{
	struct value *m = value_map();
	value_map_set(rec, "metrics", m);
	if (!o->prom) {
		value_map_set(m, "error", value_str(o->prom_error ? o->prom_error : "no Prometheus configured"));
		return;
	}
	long w = o->window_s > 0 ? o->window_s : 300;
	value_map_set(m, "source", value_str(promclient_where(o->prom)));
	struct batch b = {0};
	struct value *wl = value_list();
	workload_queries(&b, wl, rec, w);
	char *re = all_pods_regex(rec);
	value_map_set(m, "workloads", wl);
	value_map_set(m, "series", series_queries(&b, rec, re, w));
	value_map_set(m, "queries", user_queries(&b, o->queries, rec, re, w));
	free(re);
	pvc_query(&b, rec);
	send_all(kc, o->prom, &b);
	value_map_set(m, "error", b.error ? value_str_own(b.error, strlen(b.error)) : value_null());
}

static int q_err(struct tops_err *err, const char *path, const struct value *at, const char *fmt, const char *what, size_t i)
{
	return tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: query %zu %s", path, at ? at->line : 0, at ? at->col : 0,
			    i + 1, what ? what : fmt);
}

static int q_item(const char *path, const struct value *it, size_t i, struct value *out, struct tops_err *err)
{
	if (!it || it->type != V_MAP)
		return q_err(err, path, it, NULL, "is not a map of name, query, worse, threshold", i);
	const struct value *name = value_map_get(it, "name"), *q = value_map_get(it, "query");
	const struct value *w = value_map_get(it, "worse"), *t = value_map_get(it, "threshold");
	if (!name || name->type != V_STRING || !*name->u.str.s)
		return q_err(err, path, it, NULL, "has no `name` (a string)", i);
	if (!q || q->type != V_STRING || !*q->u.str.s)
		return q_err(err, path, it, NULL, "has no `query` (PromQL text)", i);
	const char *ws = w && w->type == V_STRING ? w->u.str.s : w ? "" : "up";
	if (strcmp(ws, "up") && strcmp(ws, "down") && strcmp(ws, "none"))
		return q_err(err, path, w, NULL, "has `worse` other than up, down or none", i);
	double thr = -1;
	if (t) {
		char buf[64];
		if (t->type == V_STRING)
			snprintf(buf, sizeof buf, "%s", t->u.str.s);
		else if (t->type == V_INT || t->type == V_FLOAT)
			snprintf(buf, sizeof buf, "%g", t->type == V_INT ? (double)t->u.i : t->u.f);
		else
			buf[0] = 0;
		char *end;
		thr = strtod(buf, &end);
		if (end == buf || (*end && strcmp(end, "%")) || thr < 0)
			return q_err(err, path, t, NULL, "has a `threshold` that is not a percentage (\"5%\")", i);
		thr /= 100;
	}
	struct value *m = value_map();
	value_map_set(m, "name", value_ref((struct value *)name));
	value_map_set(m, "query", value_ref((struct value *)q));
	value_map_set(m, "worse", value_str(ws));
	if (thr >= 0)
		value_map_set(m, "threshold", value_float(thr));
	value_list_push(out, m);
	return 0;
}

int snapshot_queries_load(const char *path, struct value **out, struct tops_err *err)
{
	*out = NULL;
	struct value *doc = yaml_load_file(path, NULL, err);
	if (!doc)
		return -TOPS_EINVAL;
	const struct value *l = doc->type == V_MAP ? value_map_get(doc, "queries") : doc;
	if (!l || l->type != V_LIST) {
		int rc = tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: expected a list of queries (or `queries:` with one)",
				      path, doc->line, doc->col);
		value_unref(doc);
		return rc;
	}
	struct value *res = value_list();
	int rc = 0;
	for (size_t i = 0; !rc && i < l->u.list.len; i++)
		rc = q_item(path, l->u.list.items[i], i, res, err);
	value_unref(doc);
	if (rc) {
		value_unref(res);
		return rc;
	}
	*out = res;
	return 0;
}
