/* metrics_ui — Prometheus for the console: client set-up (direct or discovered), the metrics
 * refresh, cells for the Pods and PVCs panes and the unreachable banner. */
#include "tui/metrics_ui.h"
#include "tui/data.h"

#include "core/base/config.h"
#include "core/base/options.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct metrics_ui {
	struct ui *ui;
	struct tops_config *cfg;
	struct http *http;          /* direct mode */
	struct promclient *pc;
	struct metrics *m;
	struct http_req *disc;      /* discovery GET in flight */
	int disc_step;              /* index into disc_namespaces() */
	char *ns;
	char *where;
};

static struct metrics_ui *g;
static uint64_t generation; /* bumped whenever the metrics' data or instance changes */

uint64_t metrics_ui_generation(void)
{
	return generation;
}

static void changed_cb(void *ud)
{
	struct metrics_ui *mu = ud;
	generation++;
	ui_data_dirty(mu->ui); /* data: paced with the cluster's while it churns */
}

static void metrics_begin(struct metrics_ui *mu)
{
	struct metrics_opts o = {
		.loop = mu->ui->loop, .pc = mu->pc, .cfg = mu->cfg, .namespace_ = mu->ns,
		.on_change = changed_cb, .ud = mu,
	};
	free(mu->where);
	mu->where = xstrdup(promclient_where(mu->pc));
	mu->m = metrics_new(&o);
	generation++;
	metrics_start(mu->m);
	ui_dirty(mu->ui);
}

static void no_prometheus(struct metrics_ui *mu, const char *why)
{
	static bool told; /* once per process, not on every namespace switch */
	free(mu->where);
	mu->where = xasprintf("no Prometheus (%s)", why);
	if (told)
		return;
	told = true;
	ui_message(mu->ui, false,
		   "No Prometheus %s: pass --prometheus URL or set prometheus.url in the config file",
		   why);
}

/* ---- discovery: a Service labelled app.kubernetes.io/name=prometheus, async ---- */
static const char *disc_ns(const struct metrics_ui *mu, int step)
{
	if (step == 0)
		return mu->ns;
	if (step == 1 && strcmp(mu->ns, "monitoring") != 0)
		return "monitoring";
	return NULL;
}

static void disc_next(struct metrics_ui *mu);

static char *proxy_from_list(const struct value *doc, const char *ns)
{
	const struct value *svc = value_list_get(value_map_get(doc, "items"), 0);
	const struct value *name = value_map_path(svc, "metadata.name");
	const struct value *port =
		value_map_get(value_list_get(value_map_path(svc, "spec.ports"), 0), "port");
	if (!name || name->type != V_STRING)
		return NULL;
	if (port && port->type == V_INT)
		return xasprintf("/api/v1/namespaces/%s/services/%s:%lld/proxy", ns, name->u.str.s,
				 (long long)port->u.i);
	return xasprintf("/api/v1/namespaces/%s/services/%s/proxy", ns, name->u.str.s);
}

static void disc_done_cb(struct http_req *r, struct http_result *res, void *ud)
{
	(void)r;
	struct metrics_ui *mu = ud;
	mu->disc = NULL;
	char *proxy = NULL;
	if (res->err == 0 && res->status == 200) {
		struct value *doc = value_from_json(res->body, res->len, NULL);
		proxy = doc ? proxy_from_list(doc, disc_ns(mu, mu->disc_step)) : NULL;
		value_unref(doc);
	}
	if (!proxy) {
		mu->disc_step++;
		disc_next(mu);
		return;
	}
	struct promclient_opts o = {
		.loop = mu->ui->loop, .kc = mu->ui->data->client, .proxy_path = proxy,
	};
	mu->pc = promclient_new(&o);
	free(proxy);
	metrics_begin(mu);
}

static void disc_next(struct metrics_ui *mu)
{
	const char *ns = disc_ns(mu, mu->disc_step);
	if (!ns) {
		no_prometheus(mu, "configured or found");
		return;
	}
	char *path = xasprintf("/api/v1/namespaces/%s/services?labelSelector="
			       "app.kubernetes.io%%2Fname%%3Dprometheus", ns);
	struct http_request rq = {
		.url = path, .accept = "application/json", .timeout_ms = 15000,
		.on_done = disc_done_cb, .ud = mu,
	};
	struct tops_err err = {0};
	mu->disc = kube_request(mu->ui->data->client, &rq, &err);
	free(path);
	if (!mu->disc)
		no_prometheus(mu, tops_err_msg(&err));
	tops_err_clear(&err);
}

static void direct_start(struct metrics_ui *mu)
{
	struct tops_err err = {0};
	mu->http = http_new(mu->ui->loop, &err);
	if (!mu->http) {
		no_prometheus(mu, tops_err_msg(&err));
		tops_err_clear(&err);
		return;
	}
	struct promclient_opts o = {
		.loop = mu->ui->loop, .http = mu->http, .base_url = mu->cfg->prom_url,
		.bearer = mu->cfg->prom_bearer, .username = mu->cfg->prom_username,
		.password = mu->cfg->prom_password,
	};
	mu->pc = promclient_new(&o);
	metrics_begin(mu);
}

void metrics_ui_start(struct ui *ui)
{
	metrics_ui_stop();
	struct metrics_ui *mu = g = xcalloc(1, sizeof *g);
	mu->ui = ui;
	mu->ns = xstrdup(ui->data && ui->data->ns ? ui->data->ns : "default");
	struct tops_err err = {0};
	if (config_load(&tops_opts, &mu->cfg, &err) < 0) {
		ui_message(ui, true, "%s", tops_err_msg(&err));
		mu->where = xstrdup("no Prometheus (config file error)");
		tops_err_clear(&err);
		return;
	}
	if (mu->cfg->prom_url)
		direct_start(mu);
	else if (ui->data && ui->data->client)
		disc_next(mu);
	else
		no_prometheus(mu, "configured");
}

void metrics_ui_stop(void)
{
	struct metrics_ui *mu = g;
	if (!mu)
		return;
	g = NULL;
	generation++;
	if (mu->disc)
		http_cancel(mu->disc);
	metrics_free(mu->m);
	promclient_free(mu->pc);
	if (mu->http)
		http_free(mu->http);
	config_free(mu->cfg);
	free(mu->ns);
	free(mu->where);
	free(mu);
}

const struct metrics *metrics_ui_metrics(void)
{
	return g ? g->m : NULL;
}

bool metrics_ui_on(void)
{
	return metrics_ui_metrics() != NULL;
}

const char *metrics_ui_where(void)
{
	return g && g->where ? g->where : "Prometheus: looking for it";
}

const struct tops_config *metrics_ui_config(void)
{
	return g ? g->cfg : NULL;
}

/* ---- cells ---- */
static void pct_of(struct strbuf *sb, double v, double of)
{
	if (isnan(of) || of <= 0)
		sb_adds(sb, "-");
	else
		sb_addf(sb, "%.0f%%", 100 * v / of);
}

void metrics_ui_pod_cell(const char *pod, bool mem, bool both, char *buf, size_t n)
{
	const struct metrics *m = metrics_ui_metrics();
	double v = m ? metrics_last(m, mem ? MET_MEM : MET_CPU, pod) : NAN;
	if (isnan(v)) {
		snprintf(buf, n, "-");
		return;
	}
	char val[32];
	if (mem)
		metrics_fmt_bytes(val, sizeof val, v);
	else
		metrics_fmt_cpu(val, sizeof val, v);
	double req = metrics_last(m, mem ? MET_MEM_REQ : MET_CPU_REQ, pod);
	double lim = metrics_last(m, mem ? MET_MEM_LIM : MET_CPU_LIM, pod);
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, val);
	if (both) {
		sb_addc(&sb, ' ');
		pct_of(&sb, v, req);
		sb_addc(&sb, '/');
		pct_of(&sb, v, lim);
	} else if (!isnan(req) && req > 0) {
		sb_addc(&sb, ' ');
		pct_of(&sb, v, req);
	} else if (!isnan(lim) && lim > 0) {
		sb_addc(&sb, ' ');
		pct_of(&sb, v, lim);
	}
	snprintf(buf, n, "%s", sb_str(&sb));
	sb_done(&sb);
}

int64_t metrics_ui_pod_sort(const char *pod, bool mem)
{
	const struct metrics *m = metrics_ui_metrics();
	double v = m ? metrics_last(m, mem ? MET_MEM : MET_CPU, pod) : NAN;
	if (isnan(v))
		return -1;
	return (int64_t)(mem ? v : v * 1000);
}

/* A Kubernetes quantity ("10Gi", "500M", "1.5") in base units; NaN when it does not parse. */
static double quantity(const char *s)
{
	static const struct { const char *sfx; double mul; } sfx[] = {
		{"Ki", 1024.0}, {"Mi", 1048576.0}, {"Gi", 1073741824.0}, {"Ti", 1099511627776.0},
		{"Pi", 1125899906842624.0}, {"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12},
		{"P", 1e15}, {"m", 1e-3}, {"", 1},
	};
	if (!s || !*s)
		return NAN;
	char *end;
	double v = strtod(s, &end);
	if (end == s)
		return NAN;
	for (size_t i = 0; i < ARRAY_LEN(sfx); i++)
		if (strcmp(end, sfx[i].sfx) == 0)
			return v * sfx[i].mul;
	return NAN;
}

static double pvc_capacity(const struct metrics *m, const char *pvc, const char *hint)
{
	double cap = metrics_last(m, MET_PVC_CAP, pvc);
	return isnan(cap) || cap <= 0 ? quantity(hint) : cap;
}

double metrics_ui_pvc_pct(const char *pvc, const char *capacity_hint)
{
	const struct metrics *m = metrics_ui_metrics();
	if (!m)
		return NAN;
	double used = metrics_last(m, MET_PVC_USED, pvc);
	double cap = pvc_capacity(m, pvc, capacity_hint);
	if (isnan(used) || isnan(cap) || cap <= 0)
		return NAN;
	return 100 * used / cap;
}

void metrics_ui_pvc_cell(const char *pvc, const char *capacity_hint, char *buf, size_t n)
{
	const struct metrics *m = metrics_ui_metrics();
	double used = m ? metrics_last(m, MET_PVC_USED, pvc) : NAN;
	if (isnan(used)) {
		snprintf(buf, n, "-");
		return;
	}
	char val[32];
	metrics_fmt_bytes(val, sizeof val, used);
	double pct = metrics_ui_pvc_pct(pvc, capacity_hint);
	if (isnan(pct))
		snprintf(buf, n, "%s", val);
	else
		snprintf(buf, n, "%s %.0f%%", val, pct);
}

/* ---- banner ---- */
int metrics_ui_banner(int y, int w)
{
	const struct metrics *m = metrics_ui_metrics();
	const char *e = m ? metrics_error(m) : NULL;
	if (!e)
		return 0;
	const char *dash = term_utf8() ? "\u2014" : "-";
	double age = metrics_age(m);
	char since[64], line[768];
	if (age < 0)
		snprintf(since, sizeof since, "no data yet");
	else
		snprintf(since, sizeof since, "last data %.0f s ago", age);
	if (strstr(e, "unreachable"))
		snprintf(line, sizeof line, " Prometheus unreachable %s %s %s %s ", dash, since,
			 term_glyph(G_BULLET), g->where);
	else
		snprintf(line, sizeof line, " Prometheus query failed %s %s %s %s ", dash, since,
			 term_glyph(G_BULLET), e);
	draw_text(y, 0, w, line, term_attr(ROLE_BANNER), true);
	return 1;
}

/* ---- sparklines ---- */
void metrics_ui_sparkline(const double *v, size_t n, double max, char *buf, size_t cap)
{
	static const char *const blocks[8] = {"\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588"};
	static const char ascii[8] = {'_', '.', ':', '-', '=', '+', '*', '#'};
	bool utf8 = term_utf8();
	size_t used = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		int lvl = -1;
		if (!isnan(v[i]) && max > 0) {
			double f = v[i] / max;
			lvl = (int)lround((f < 0 ? 0 : f > 1 ? 1 : f) * 7);
		}
		const char *s = lvl < 0 ? " " : utf8 ? blocks[lvl] : (char[]){ascii[lvl], 0};
		size_t l = strlen(s);
		if (used + l + 1 > cap)
			break;
		memcpy(buf + used, s, l);
		used += l;
		buf[used] = 0;
	}
}
