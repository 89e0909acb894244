/* metrics — see metrics.h. Counters are integrals of smooth, seeded rate functions over
 * simulated time, so values only depend on the seed, the objects and the simulated clock. */
#include "tests/kubesim/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/kubesim/api.h"
#include "tests/kubesim/db.h"

#define METRIC_LIST(X) \
	X(M_CPU, "container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.") \
	X(M_MEM, "container_memory_working_set_bytes", "gauge", "Current working set in bytes.") \
	X(M_RX, "container_network_receive_bytes_total", "counter", "Cumulative count of bytes received.") \
	X(M_TX, "container_network_transmit_bytes_total", "counter", "Cumulative count of bytes transmitted.") \
	X(M_FSR, "container_fs_reads_bytes_total", "counter", "Cumulative count of bytes read.") \
	X(M_FSW, "container_fs_writes_bytes_total", "counter", "Cumulative count of bytes written.") \
	X(M_VUSED, "kubelet_volume_stats_used_bytes", "gauge", "Number of used bytes in the volume.") \
	X(M_VCAP, "kubelet_volume_stats_capacity_bytes", "gauge", "Capacity in bytes of the volume.") \
	X(M_RESTARTS, "kube_pod_container_status_restarts_total", "counter", "The number of container restarts per container.") \
	X(M_READY, "kube_pod_status_ready", "gauge", "Describes whether the pod is ready to serve requests.") \
	X(M_DAVAIL, "kube_deployment_status_replicas_available", "gauge", "The number of available replicas per deployment.") \
	X(M_REQ, "kube_pod_container_resource_requests", "gauge", "The number of requested resource by a container.") \
	X(M_LIM, "kube_pod_container_resource_limits", "gauge", "The number of limit resource by a container.") \
	X(M_HTTP, "testops_http_requests_total", "counter", "HTTP requests served by TestOps.") \
	X(M_JOBS, "testops_runner_jobs_total", "counter", "Jobs run by the TestOps runner.") \
	X(M_JOBDUR, "testops_runner_job_duration_seconds", "histogram", "Duration of TestOps runner jobs.") \
	X(M_HTTPDUR, "testops_http_request_duration_seconds", "histogram", "Latency of HTTP requests served by TestOps.")

#define M_ENUM(id, n, t, h) id,
enum metric_id { METRIC_LIST(M_ENUM) M_COUNT };
#undef M_ENUM
#define M_ROW(id, n, t, h) {n, t, h},
static const struct { const char *name, *type, *help; } metric_info[] = { METRIC_LIST(M_ROW) };
#undef M_ROW

static const double buckets[] = {0.5, 1, 2, 5, 10, 30, 60};
static const double http_buckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

static double parse_ts(const char *ts)
{
	struct tm tm = {0};
	if (!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return (double)timegm(&tm);
}

/* Integral over [0, t] of base * (1 + 0.3 sin(w x + ph)) * warm-up boost. */
static double integral(double base, double t, uint64_t h)
{
	double w = 2 * M_PI / (300 + (double)(h % 600)), ph = (double)((h >> 16) % 628) / 100.0;
	double wave = 0.3 / w * (cos(ph) - cos(w * t + ph));
	double warm = 1.5 * 60 * (1 - exp(-t / 60));
	return base * (t + wave + warm);
}

struct pod_ctx {
	const char *ns, *pod, *node;
	double age;          /* simulated seconds since start */
	uint64_t h;
	bool bad, testops, runner;
	double err_rate;     /* fraction of requests answered 500 (KUBESIM_ERROR_RATE) */
	double latency;      /* mean request latency in seconds (KUBESIM_LATENCY_MS) */
	char *extra;         /* ",color=\"blue\"" for a pod with a color label, or "" */
};

static void series(struct strbuf *sb, const char *name, const char *labels, double v)
{
	sb_addf(sb, "%s{%s} ", name, labels);
	struct strbuf num = STRBUF_INIT;
	value_fmt_float_g(&num, v);
	sb_add(sb, num.buf, num.len);
	sb_done(&num);
	sb_addc(sb, '\n');
}

static void resources(struct strbuf *out, int m, const struct value *res, const char *base_labels)
{
	const char *names[] = {"cpu", "memory"}, *unitn[] = {"core", "byte"};
	for (int i = 0; i < 2; i++) {
		const char *q = vstr(res, names[i]);
		if (!q)
			continue;
		char *l = xasprintf("%s,resource=\"%s\",unit=\"%s\"", base_labels, names[i], unitn[i]);
		series(out, metric_info[m].name, l, sim_quantity(q));
		free(l);
	}
}

static void container_series(struct strbuf *out, const struct pod_ctx *p, const struct value *c,
			     const struct value *cst)
{
	const char *cn = vstr(c, "name") ?: "", *img = vstr(c, "image") ?: "";
	uint64_t h = sim_hash(cn, strlen(cn), p->h);
	char *l = xasprintf("namespace=\"%s\",pod=\"%s\",container=\"%s\",image=\"%s\"%s", p->ns, p->pod, cn, img, p->extra);
	double t = p->age, cpu = 0.05 + (double)(h % 200) / 1000.0;
	series(&out[M_CPU], metric_info[M_CPU].name, l, integral(cpu, t, h));
	double mem = (64 + (double)(h % 256)) * 1048576.0 * (0.6 + 0.4 * (1 - exp(-t / 120)));
	series(&out[M_MEM], metric_info[M_MEM].name, l, floor(mem));
	series(&out[M_RX], metric_info[M_RX].name, l, floor(integral(2e4 + (double)(h % 5000), t, h >> 3)));
	series(&out[M_TX], metric_info[M_TX].name, l, floor(integral(1e4 + (double)(h % 3000), t, h >> 5)));
	series(&out[M_FSR], metric_info[M_FSR].name, l, floor(integral(4096 + (double)(h % 4096), t, h >> 7)));
	series(&out[M_FSW], metric_info[M_FSW].name, l, floor(integral(8192 + (double)(h % 8192), t, h >> 9)));
	free(l);
	l = xasprintf("namespace=\"%s\",pod=\"%s\",container=\"%s\",node=\"%s\"%s", p->ns, p->pod, cn, p->node, p->extra);
	series(&out[M_RESTARTS], metric_info[M_RESTARTS].name, l, (double)vint(cst, "restartCount", 0));
	resources(&out[M_REQ], M_REQ, value_map_path(c, "resources.requests"), l);
	resources(&out[M_LIM], M_LIM, value_map_path(c, "resources.limits"), l);
	free(l);
}

/* Cumulative histogram of n observations drawn from an exponential distribution of the mean. */
static void histogram(struct strbuf *out, const char *name, const char *l, const double *b, size_t nb,
		      double n, double mean)
{
	for (size_t i = 0; i <= nb; i++) {
		char *bl = i < nb ? xasprintf("%s,le=\"%g\"", l, b[i]) : xasprintf("%s,le=\"+Inf\"", l);
		double c = i < nb ? floor(n * (1 - exp(-b[i] / mean))) : n;
		char *bn = xasprintf("%s_bucket", name);
		series(out, bn, bl, c);
		free(bn);
		free(bl);
	}
	char *sn = xasprintf("%s_sum", name), *cn = xasprintf("%s_count", name);
	series(out, sn, l, n * mean);
	series(out, cn, l, n);
	free(sn);
	free(cn);
}

static void testops_series(struct strbuf *out, const struct pod_ctx *p)
{
	double t = p->age, rps = 5 + (double)(p->h % 20);
	double total = floor(integral(rps, t, p->h)), err = p->err_rate;
	double errs = floor(total * err);
	char *l = xasprintf("namespace=\"%s\",pod=\"%s\"%s,code=\"200\"", p->ns, p->pod, p->extra);
	series(&out[M_HTTP], metric_info[M_HTTP].name, l, total - errs);
	free(l);
	l = xasprintf("namespace=\"%s\",pod=\"%s\"%s,code=\"500\"", p->ns, p->pod, p->extra);
	series(&out[M_HTTP], metric_info[M_HTTP].name, l, errs);
	free(l);
	l = xasprintf("namespace=\"%s\",pod=\"%s\"%s", p->ns, p->pod, p->extra);
	histogram(&out[M_HTTPDUR], metric_info[M_HTTPDUR].name, l, http_buckets, ARRAY_LEN(http_buckets),
		  total, p->latency);
	if (p->runner) {
		double jobs = floor(integral(0.2, t, p->h >> 11)), mean = p->bad ? 8 : 2.5;
		series(&out[M_JOBS], metric_info[M_JOBS].name, l, jobs);
		histogram(&out[M_JOBDUR], metric_info[M_JOBDUR].name, l, buckets, ARRAY_LEN(buckets), jobs, mean);
	}
	free(l);
}

/* The value of environment variable name in any of the pod's containers, or NULL (borrowed). */
static const char *pod_env(const struct value *cs, const char *name)
{
	for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++) {
		const struct value *env = value_map_path(cs->u.list.items[i], "env");
		for (size_t j = 0; env && env->type == V_LIST && j < env->u.list.len; j++) {
			const char *n = vstr(env->u.list.items[j], "name");
			if (n && strcmp(n, name) == 0)
				return vstr(env->u.list.items[j], "value");
		}
	}
	return NULL;
}

/* Faults a pod's containers ask for: an error rate and a mean latency; a "bad" image errs. */
static void pod_faults(struct pod_ctx *p, const struct value *cs)
{
	for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++) {
		const char *img = vstr(cs->u.list.items[i], "image");
		p->bad = p->bad || (img && strstr(img, "bad"));
	}
	p->err_rate = p->bad ? 0.3 : 0.01;
	p->latency = 0.02;
	const char *e = pod_env(cs, "KUBESIM_ERROR_RATE"), *lat = pod_env(cs, "KUBESIM_LATENCY_MS");
	if (e) {
		double v = strtod(e, NULL);
		p->err_rate = v < 0 ? 0 : v > 1 ? 1 : v;
	}
	if (lat && strtod(lat, NULL) > 0)
		p->latency = strtod(lat, NULL) / 1000.0;
}

static void pod_series(struct strbuf *out, const struct obj *o)
{
	struct value *pod = obj_value(o);
	struct pod_ctx p = {.ns = o->ns, .pod = o->name, .node = vstr(pod, "spec.nodeName") ?: ""};
	double start = parse_ts(vstr(pod, "status.startTime") ?: vstr(pod, "metadata.creationTimestamp"));
	p.age = sim_now() - sim_from_wall(start);
	if (p.age < 0)
		p.age = 0;
	p.h = sim_hash(o->name, strlen(o->name), sim_cfg.seed + 1);
	const char *app = vstr(o->labels, "app") ?: vstr(o->labels, "app.kubernetes.io/name") ?: "";
	p.testops = strcmp(app, "testops") == 0 || str_has_prefix(o->name, "testops-");
	p.runner = strstr(o->name, "runner") != NULL;
	const char *color = vstr(o->labels, "color");
	p.extra = color && *color ? xasprintf(",color=\"%s\"", color) : xstrdup("");
	struct value *cs = value_map_path(pod, "spec.containers");
	pod_faults(&p, cs);
	char *rl = xasprintf("namespace=\"%s\",pod=\"%s\"%s,condition=\"true\"", o->ns, o->name, p.extra);
	series(&out[M_READY], metric_info[M_READY].name, rl, o->ready ? 1 : 0);
	free(rl);
	rl = xasprintf("namespace=\"%s\",pod=\"%s\"%s,condition=\"false\"", o->ns, o->name, p.extra);
	series(&out[M_READY], metric_info[M_READY].name, rl, o->ready ? 0 : 1);
	free(rl);
	if (o->phase == 'R') {
		struct value *st = value_map_path(pod, "status.containerStatuses");
		for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++)
			container_series(out, &p, cs->u.list.items[i], value_list_get(st, i));
		if (p.testops)
			testops_series(out, &p);
	}
	free(p.extra);
	value_unref(pod);
}

static void pvc_series(struct strbuf *out, const struct obj *o)
{
	struct value *pvc = obj_value(o);
	if (strcmp(vstr(pvc, "status.phase") ?: "", "Bound") == 0) {
		double cap = sim_quantity(vstr(pvc, "status.capacity.storage"));
		double age = sim_now() - sim_from_wall(parse_ts(vstr(pvc, "metadata.creationTimestamp")));
		uint64_t h = sim_hash(o->name, strlen(o->name), sim_cfg.seed + 2);
		double frac = 0.1 + 0.5 * (1 - exp(-(age > 0 ? age : 0) / 3600.0)) + (double)(h % 100) / 1000.0;
		char *l = xasprintf("namespace=\"%s\",persistentvolumeclaim=\"%s\"", o->ns, o->name);
		series(&out[M_VCAP], metric_info[M_VCAP].name, l, cap);
		series(&out[M_VUSED], metric_info[M_VUSED].name, l, floor(cap * frac));
		free(l);
	}
	value_unref(pvc);
}

static void deploy_series(struct strbuf *out, const struct obj *o)
{
	struct value *d = obj_value(o);
	char *l = xasprintf("namespace=\"%s\",deployment=\"%s\"", o->ns, o->name);
	series(&out[M_DAVAIL], metric_info[M_DAVAIL].name, l, (double)vint(d, "status.availableReplicas", 0));
	free(l);
	value_unref(d);
}

void metrics_handle(struct srv_conn *c, const struct srv_req *r)
{
	struct strbuf out[M_COUNT], all = STRBUF_INIT;
	for (int m = 0; m < M_COUNT; m++)
		sb_init(&out[m]);
	for (size_t i = 0; i < db_count(K_POD); i++)
		pod_series(out, db_at(K_POD, i));
	for (size_t i = 0; i < db_count(K_PVC); i++)
		pvc_series(out, db_at(K_PVC, i));
	for (size_t i = 0; i < db_count(K_DEPLOY); i++)
		deploy_series(out, db_at(K_DEPLOY, i));
	for (int m = 0; m < M_COUNT; m++) {
		sb_addf(&all, "# HELP %s %s\n# TYPE %s %s\n", metric_info[m].name, metric_info[m].help,
			metric_info[m].name, metric_info[m].type);
		sb_add(&all, out[m].buf ? out[m].buf : "", out[m].len);
		sb_done(&out[m]);
	}
	srv_respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", all.buf, all.len);
	sb_done(&all);
}
