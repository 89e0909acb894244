/* tops top pods|pvc — kubectl-top-like figures from Prometheus. */
#include "cli/commands.h"
#include "core/base/config.h"
#include "core/kube/kube.h"
#include "core/base/options.h"
#include "core/prom/promclient.h"
#include "core/prom/metrics.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct top_args {
	const char *what;       /* pods | pvc */
	const char *selector;
	const char *sort_by;    /* cpu | memory | NULL (name) */
	bool wide, no_headers;
};

struct row {
	char *ns, *name;
	double v[6];            /* pods: cpu mem cpu_req cpu_lim mem_req mem_lim; pvc: used cap */
};

static const char usage_text[] =
	"Usage: tops top pods|pvc [-l SELECTOR] [--sort-by cpu|memory] [-o wide] [--no-headers]\n"
	"                         [-n NS | -A] [--prometheus URL]\n\n"
	"Shows CPU and memory per pod (or used/capacity per PVC) from Prometheus, like kubectl top.\n"
	"Prometheus is --prometheus URL, else prometheus.url in the config file, else a Service\n"
	"labelled app.kubernetes.io/name=prometheus in the namespace or in `monitoring`, reached\n"
	"through the API server's service proxy.\n"
	"  -o wide   adds the percentages of requests and limits (CPU/REQ CPU/LIM MEM/REQ MEM/LIM)\n";

static int parse_args(int argc, char **argv, struct top_args *a)
{
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			fputs(usage_text, stdout);
			exit(0);
		} else if ((!strcmp(s, "-l") || !strcmp(s, "--selector")) && next) {
			a->selector = argv[++i];
		} else if (!strncmp(s, "--selector=", 11) || !strncmp(s, "-l=", 3)) {
			a->selector = strchr(s, '=') + 1;
		} else if (!strcmp(s, "--sort-by") && next) {
			a->sort_by = argv[++i];
		} else if (!strncmp(s, "--sort-by=", 10)) {
			a->sort_by = s + 10;
		} else if ((!strcmp(s, "-o") && next && !strcmp(next, "wide")) || !strcmp(s, "-owide") ||
			   !strcmp(s, "--output=wide")) {
			a->wide = true;
			i += !strcmp(s, "-o");
		} else if (!strcmp(s, "--no-headers")) {
			a->no_headers = true;
		} else if (!a->what && s[0] != '-') {
			a->what = s;
		} else {
			fprintf(stderr, "tops: top: unknown argument \"%s\"\n%s", s, usage_text);
			return 2;
		}
	}
	static const char *const pods[] = {"pods", "pod", "po"}, *const pvcs[] = {"pvc", "pvcs", "persistentvolumeclaims"};
	for (size_t k = 0; a->what && k < 3; k++) {
		if (!strcmp(a->what, pods[k]))
			a->what = "pods";
		else if (!strcmp(a->what, pvcs[k]))
			a->what = "pvc";
	}
	if (!a->what || (strcmp(a->what, "pods") && strcmp(a->what, "pvc"))) {
		fprintf(stderr, "tops: top: say what to show: pods or pvc\n%s", usage_text);
		return 2;
	}
	if (a->sort_by && strcmp(a->sort_by, "cpu") && strcmp(a->sort_by, "memory")) {
		fprintf(stderr, "tops: top: --sort-by must be cpu or memory\n");
		return 2;
	}
	return 0;
}

/* Names of the pods (or PVCs) matching the selector, as an anchored regex alternation. */
static int selector_regex(struct kube_client *kc, const char *ns, const struct top_args *a, char **out,
			  struct tops_err *err)
{
	struct strbuf q = STRBUF_INIT;
	sb_adds(&q, "labelSelector=");
	kube_query_escape(&q, a->selector);
	char *path = kube_path(strcmp(a->what, "pods") == 0 ? KK_POD : KK_PVC, ns, NULL, sb_str(&q));
	sb_done(&q);
	struct value *doc = NULL;
	int rc = kube_get_json(kc, path, &doc, err);
	free(path);
	if (rc)
		return rc;
	struct strbuf re = STRBUF_INIT;
	const struct value *items = value_map_get(doc, "items");
	sb_adds(&re, "^(");
	for (size_t i = 0; items && i < items->u.list.len; i++) {
		const struct value *n = value_map_path(items->u.list.items[i], "metadata.name");
		if (n && n->type == V_STRING)
			sb_addf(&re, "%s%s", i ? "|" : "", n->u.str.s);
	}
	sb_adds(&re, ")$");
	value_unref(doc);
	*out = sb_detach(&re, NULL);
	return 0;
}

static int key_cmp(const struct row *r, const char *ns, const char *name)
{
	int c = strcmp(r->ns, ns);
	return c ? c : strcmp(r->name, name);
}

/* Rows stay sorted by (namespace, name), the order Prometheus answers in, so a new row is
 * usually appended and a lookup is a binary search (thousands of pods, several queries). */
static struct row *row_for(struct row **rows, size_t *n, const struct value *labels, const char *key_label)
{
	const struct value *ns = value_map_get(labels, "namespace"), *nm = value_map_get(labels, key_label);
	const char *nss = ns && ns->type == V_STRING ? ns->u.str.s : "";
	const char *nms = nm && nm->type == V_STRING ? nm->u.str.s : "";
	size_t lo = 0, hi = *n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = key_cmp(&(*rows)[mid], nss, nms);
		if (c == 0)
			return &(*rows)[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*rows = xrealloc(*rows, (*n + 1) * sizeof **rows);
	memmove(&(*rows)[lo + 1], &(*rows)[lo], (*n - lo) * sizeof **rows);
	(*n)++;
	struct row *r = &(*rows)[lo];
	r->ns = xstrdup(nss);
	r->name = xstrdup(nms);
	for (size_t k = 0; k < ARRAY_LEN(r->v); k++)
		r->v[k] = NAN;
	return r;
}

/* arg: the column to sort by (descending), or NULL for name order. */
static int row_cmp(const void *a, const void *b, void *arg)
{
	const struct row *x = a, *y = b;
	int sort_key = arg ? *(const int *)arg : -1;
	if (sort_key >= 0) {
		double u = isnan(x->v[sort_key]) ? -1 : x->v[sort_key], w = isnan(y->v[sort_key]) ? -1 : y->v[sort_key];
		if (u != w)
			return u < w ? 1 : -1;
	}
	int c = strcmp(x->ns, y->ns);
	return c ? c : strcmp(x->name, y->name);
}

static void pct(char *buf, size_t n, double v, double of)
{
	if (isnan(v) || isnan(of) || of <= 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.0f%%", 100 * v / of);
}

/* Cells of one row, kubectl's column layout (tabwriter, 3 spaces of padding). */
#define MAXCOL 8
struct table {
	char *cell[MAXCOL];
};

static void row_cells(const struct row *r, const struct top_args *a, bool pods, struct table *t)
{
	char buf[6][32];
	int c = 0;
	if (tops_opts.all_namespaces)
		t->cell[c++] = xstrdup(r->ns);
	t->cell[c++] = xstrdup(r->name);
	if (pods) {
		metrics_fmt_cpu(buf[0], 32, r->v[0]);
		metrics_fmt_bytes(buf[1], 32, r->v[1]);
		pct(buf[2], 32, r->v[0], r->v[2]), pct(buf[3], 32, r->v[0], r->v[3]);
		pct(buf[4], 32, r->v[1], r->v[4]), pct(buf[5], 32, r->v[1], r->v[5]);
	} else {
		metrics_fmt_bytes(buf[0], 32, r->v[0]);
		metrics_fmt_bytes(buf[1], 32, r->v[1]);
		pct(buf[2], 32, r->v[0], r->v[1]);
	}
	int ncols = pods ? (a->wide ? 6 : 2) : 3;
	for (int k = 0; k < ncols; k++)
		t->cell[c++] = xstrdup(buf[k]);
}

static void print_rows(struct row *rows, size_t n, const struct top_args *a)
{
	static const char *const pod_hdr[] = {"NAME", "CPU(cores)", "MEMORY(bytes)", "CPU/REQ", "CPU/LIM", "MEM/REQ", "MEM/LIM"};
	static const char *const pvc_hdr[] = {"NAME", "USED", "CAPACITY", "USED%"};
	bool pods = strcmp(a->what, "pods") == 0;
	struct table *t = xcalloc(n + 1, sizeof *t);
	int c = 0, ncols = pods ? (a->wide ? 7 : 3) : 4;
	if (tops_opts.all_namespaces)
		t[0].cell[c++] = xstrdup("NAMESPACE");
	for (int k = 0; k < ncols; k++)
		t[0].cell[c++] = xstrdup(pods ? pod_hdr[k] : pvc_hdr[k]);
	for (size_t i = 0; i < n; i++)
		row_cells(&rows[i], a, pods, &t[i + 1]);
	size_t width[MAXCOL] = {0};
	for (size_t i = 0; i <= n; i++)
		for (int k = 0; k < c; k++)
			if (strlen(t[i].cell[k]) > width[k])
				width[k] = strlen(t[i].cell[k]);
	for (size_t i = a->no_headers ? 1 : 0; i <= n; i++)
		for (int k = 0; k < c; k++)
			printf("%-*s%s", k + 1 < c ? (int)width[k] + 3 : 0, t[i].cell[k], k + 1 < c ? "" : "\n");
	for (size_t i = 0; i <= n; i++)
		for (int k = 0; k < c; k++)
			free(t[i].cell[k]);
	free(t);
}

/* -A: the presets match namespace="$namespace"; make that a regex match for ".*". */
static char *any_namespace(const char *q)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = q; *p;) {
		if (strncmp(p, "namespace=\"", 11) == 0) {
			sb_adds(&sb, "namespace=~\"");
			p += 11;
		} else {
			sb_addc(&sb, *p++);
		}
	}
	return sb_detach(&sb, NULL);
}

static int run_queries(struct promclient *pc, const struct tops_config *cfg, const char *ns,
		       const char *names_re, const struct top_args *a, struct row **rows, size_t *n,
		       struct tops_err *err)
{
	static const char *const pod_q[] = {"cpu", "memory", "cpu_requests", "cpu_limits", "memory_requests", "memory_limits"};
	static const char *const pvc_q[] = {"pvc_used", "pvc_capacity"};
	bool pods = strcmp(a->what, "pods") == 0;
	size_t nq = pods ? (a->wide ? 6 : 2) : 2;
	struct value *vars = value_map();
	value_map_set(vars, "namespace", value_str(ns));
	value_map_set(vars, "pods", value_str(names_re));
	value_map_set(vars, "pvc", value_str(names_re));
	value_map_set(vars, "rate", value_str(cfg->rate));
	int rc = 0;
	for (size_t k = 0; k < nq && !rc; k++) {
		char *q = prom_expand(prom_query(cfg, pods ? pod_q[k] : pvc_q[k]), vars);
		if (tops_opts.all_namespaces) {
			char *all = any_namespace(q);
			free(q);
			q = all;
		}
		struct prom_result r;
		rc = promclient_query_sync(pc, q, &r, err);
		free(q);
		for (size_t s = 0; !rc && s < r.nseries; s++)
			row_for(rows, n, r.series[s].labels, pods ? "pod" : "persistentvolumeclaim")->v[k] =
				r.series[s].n ? r.series[s].samples[0].v : NAN;
		if (!rc)
			prom_result_done(&r);
	}
	value_unref(vars);
	return rc;
}

static const char *label(const struct value *labels, const char *k)
{
	const struct value *v = value_map_get(labels, k);
	return v && v->type == V_STRING ? v->u.str.s : "";
}

/* Adds each sample of family `name` in namespace ns (".*" = any) into column k, summed by key. */
static void sum_family(const struct prom_text *t, const char *name, const char *key_label, const char *ns,
		       const regex_t *names_re, int k, double sign, struct row **rows, size_t *n)
{
	const struct prom_family *f = prom_text_find(t, name);
	for (size_t i = 0; f && i < f->n; i++) {
		const struct value *l = f->samples[i].labels;
		const char *c = label(l, "container");
		if (value_map_get(l, "container") && (!*c || !strcmp(c, "POD")))
			continue;
		if (strcmp(ns, ".*") && strcmp(label(l, "namespace"), ns))
			continue;
		if (regexec(names_re, label(l, key_label), 0, NULL, 0) != 0)
			continue;
		struct row *r = row_for(rows, n, l, key_label);
		r->v[k] = (isnan(r->v[k]) ? 0 : r->v[k]) + sign * f->samples[i].value;
	}
}

/* --metrics-url: no Prometheus; scrape twice, one second apart, and compute the CPU rate. */
static int scrape_with(const char *url, const char *ns, const regex_t *names_re, const struct top_args *a,
		       struct row **rows, size_t *n, struct tops_err *err)
{
	struct prom_text t1, t2;
	if (strcmp(a->what, "pvc") == 0) {
		if (prom_scrape_sync(url, &t2, err))
			return -1;
		sum_family(&t2, "kubelet_volume_stats_used_bytes", "persistentvolumeclaim", ns, names_re, 0, 1, rows, n);
		sum_family(&t2, "kubelet_volume_stats_capacity_bytes", "persistentvolumeclaim", ns, names_re, 1, 1, rows, n);
		prom_text_done(&t2);
		return 0;
	}
	uint64_t start = now_ms();
	if (prom_scrape_sync(url, &t1, err))
		return -1;
	uv_sleep(1000);
	if (prom_scrape_sync(url, &t2, err)) {
		prom_text_done(&t1);
		return -1;
	}
	double secs = (now_ms() - start) / 1000.0;
	sum_family(&t1, "container_cpu_usage_seconds_total", "pod", ns, names_re, 0, -1, rows, n);
	sum_family(&t2, "container_cpu_usage_seconds_total", "pod", ns, names_re, 0, 1, rows, n);
	for (size_t i = 0; i < *n; i++)
		(*rows)[i].v[0] = (*rows)[i].v[0] < 0 ? NAN : (*rows)[i].v[0] / secs;
	sum_family(&t2, "container_memory_working_set_bytes", "pod", ns, names_re, 1, 1, rows, n);
	prom_text_done(&t1);
	prom_text_done(&t2);
	return 0;
}

static int scrape_rows(const char *url, const char *ns, const char *names_re, const struct top_args *a,
		       struct row **rows, size_t *n, struct tops_err *err)
{
	regex_t re;
	if (regcomp(&re, names_re, REG_EXTENDED | REG_NOSUB) != 0)
		return tops_err_set(err, TOPS_EINVAL, "cannot use the selected names as a pattern");
	int rc = scrape_with(url, ns, &re, a, rows, n, err);
	regfree(&re);
	return rc;
}

int cmd_top(int argc, char **argv)
{
	struct top_args a = {0};
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc;
	struct tops_err err = {0};
	struct tops_config *cfg = NULL;
	struct kube_client *kc = NULL;
	struct promclient *pc = NULL;
	struct http *http = NULL;
	struct row *rows = NULL;
	size_t n = 0;
	char *names = NULL;
	uv_loop_t *loop = NULL;
	if ((rc = config_load(&tops_opts, &cfg, &err)))
		goto fail;
	struct tops_err kerr = {0};
	if (kube_client_new(NULL, &tops_opts, &kc, &kerr) == 0)
		loop = kc->loop;
	if (!kc && ((!cfg->prom_url && !tops_opts.metrics_url) || a.selector)) {
		tops_err_set(&err, kerr.code, "%s", tops_err_msg(&kerr));
		tops_err_clear(&kerr);
		rc = -1;
		goto fail;
	}
	tops_err_clear(&kerr);
	uv_loop_t private_loop;
	if (!loop) {
		uv_loop_init(&private_loop);
		loop = &private_loop;
	}
	const char *ns = tops_opts.all_namespaces ? ".*" :
			 kc ? kube_client_namespace(kc) : tops_opts.namespace_ ? tops_opts.namespace_ : "default";
	if (a.selector && (rc = selector_regex(kc, tops_opts.all_namespaces ? NULL : ns, &a, &names, &err)))
		goto fail;
	if (tops_opts.metrics_url) {
		if ((rc = scrape_rows(tops_opts.metrics_url, ns, names ? names : ".*", &a, &rows, &n, &err)))
			goto fail;
	} else {
		if ((rc = promclient_from_config(loop, cfg, kc, ns, &pc, &http, &err)))
			goto fail;
		if ((rc = run_queries(pc, cfg, ns, names ? names : ".*", &a, &rows, &n, &err)))
			goto fail;
	}
	int sort_key = a.sort_by && strcmp(a.sort_by, "cpu") == 0 ? 0 : 1;
	qsort_r(rows, n, sizeof *rows, row_cmp, a.sort_by ? &sort_key : NULL);
	if (n == 0)
		fprintf(stderr, "No resources found in %s namespace.\n", tops_opts.all_namespaces ? "any" : ns);
	print_rows(rows, n, &a);
fail:
	if (rc)
		fprintf(stderr, "tops: top: %s\n", tops_err_msg(&err));
	for (size_t i = 0; i < n; i++)
		free(rows[i].ns), free(rows[i].name);
	free(rows);
	free(names);
	promclient_free(pc);
	if (http)
		http_free(http);
	if (kc)
		kube_client_free(kc);
	else if (loop) {
		uv_run(loop, UV_RUN_DEFAULT);
		uv_loop_close(loop);
	}
	config_free(cfg);
	tops_err_clear(&err);
	return rc ? 1 : 0;
}
