/* metrics — request and operation counters in Prometheus' text format. */
#include "serve/metrics.h"

#include "core/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NB (sizeof buckets / sizeof buckets[0])

struct code_count {
	int code;
	unsigned long long n;
};

struct route_stats {
	struct code_count codes[16];
	size_t ncodes;
	unsigned long long hist[NB + 1], count;
	double sum;
};

struct op_count {
	char kind[16], result[16];
	unsigned long long n;
};

struct smetrics {
	const char *const *routes;
	size_t n;
	struct route_stats *r;       /* n + 1: the last is "none" */
	struct op_count ops[32];
	size_t nops;
};

struct smetrics *smetrics_new(const char *const *routes, size_t n)
{
	struct smetrics *m = xcalloc(1, sizeof *m);
	m->routes = routes, m->n = n;
	m->r = xcalloc(n + 1, sizeof *m->r);
	return m;
}

void smetrics_free(struct smetrics *m)
{
	if (m)
		free(m->r), free(m);
}

void smetrics_request(struct smetrics *m, size_t route, int status, double s)
{
	struct route_stats *r = &m->r[route < m->n ? route : m->n];
	size_t i = 0;
	while (i < r->ncodes && r->codes[i].code != status)
		i++;
	if (i == r->ncodes && r->ncodes < 16)
		r->codes[r->ncodes++].code = status;
	if (i < 16)
		r->codes[i].n++;
	size_t b = 0;
	while (b < NB && s > buckets[b])
		b++;
	r->hist[b]++;
	r->count++;
	r->sum += s;
}

void smetrics_operation(struct smetrics *m, const char *kind, const char *result)
{
	size_t i = 0;
	while (i < m->nops && (strcmp(m->ops[i].kind, kind) || strcmp(m->ops[i].result, result)))
		i++;
	if (i == m->nops && m->nops < 32) {
		snprintf(m->ops[i].kind, sizeof m->ops[i].kind, "%s", kind);
		snprintf(m->ops[i].result, sizeof m->ops[i].result, "%s", result);
		m->nops++;
	}
	if (i < 32)
		m->ops[i].n++;
}

static void route_lines(const struct smetrics *m, struct strbuf *sb, size_t k, bool hist)
{
	const struct route_stats *r = &m->r[k];
	const char *name = k < m->n ? m->routes[k] : "none";
	if (!hist) {
		for (size_t i = 0; i < r->ncodes; i++)
			sb_addf(sb, "tops_serve_requests_total{route=\"%s\",code=\"%d\"} %llu\n", name,
				r->codes[i].code, r->codes[i].n);
		return;
	}
	if (!r->count)
		return;
	unsigned long long cum = 0;
	for (size_t b = 0; b < NB; b++) {
		cum += r->hist[b];
		sb_addf(sb, "tops_serve_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
			name, buckets[b], cum);
	}
	sb_addf(sb, "tops_serve_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", name, r->count);
	sb_addf(sb, "tops_serve_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name, r->sum);
	sb_addf(sb, "tops_serve_request_duration_seconds_count{route=\"%s\"} %llu\n", name, r->count);
}

char *smetrics_text(const struct smetrics *m, size_t open_conns, int running_ops)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "# HELP tops_serve_requests_total HTTP requests answered, by route and status code.\n"
		"# TYPE tops_serve_requests_total counter\n");
	for (size_t k = 0; k <= m->n; k++)
		route_lines(m, &sb, k, false);
	sb_adds(&sb, "# HELP tops_serve_request_duration_seconds Time from a complete request to its answer.\n"
		"# TYPE tops_serve_request_duration_seconds histogram\n");
	for (size_t k = 0; k <= m->n; k++)
		route_lines(m, &sb, k, true);
	sb_adds(&sb, "# HELP tops_serve_operations_total Operations ended, by kind and result.\n"
		"# TYPE tops_serve_operations_total counter\n");
	for (size_t i = 0; i < m->nops; i++)
		sb_addf(&sb, "tops_serve_operations_total{kind=\"%s\",result=\"%s\"} %llu\n", m->ops[i].kind,
			m->ops[i].result, m->ops[i].n);
	sb_addf(&sb, "# HELP tops_serve_connections Open client connections.\n"
		"# TYPE tops_serve_connections gauge\ntops_serve_connections %zu\n"
		"# HELP tops_serve_operations_running Operations running now.\n"
		"# TYPE tops_serve_operations_running gauge\ntops_serve_operations_running %d\n",
		open_conns, running_ops);
	return sb_detach(&sb, NULL);
}
