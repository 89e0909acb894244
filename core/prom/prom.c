/* prom — Prometheus API decoding, exposition text parsing, query presets. */
#include "core/prom/prom.h"

#include "core/base/config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool prom_parse_float(const char *s, double *out)
{
	static const struct { const char *word; double v; } words[] = {
		{"NaN", NAN}, {"+Inf", INFINITY}, {"-Inf", -INFINITY}, {"Inf", INFINITY},
		{"nan", NAN}, {"+inf", INFINITY}, {"-inf", -INFINITY}, {"inf", INFINITY},
	};
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (strcmp(s, words[i].word) == 0) {
			*out = words[i].v;
			return true;
		}
	if (!*s)
		return false;
	char *end;
	*out = strtod(s, &end);
	return *end == 0;
}

/* ---- /api/v1 responses ---- */

static int sample_from(const struct value *pair, struct prom_sample *s)
{
	const struct value *t = value_list_get(pair, 0), *v = value_list_get(pair, 1);
	if (!t || !v || v->type != V_STRING || (t->type != V_INT && t->type != V_FLOAT))
		return -1;
	s->t = t->type == V_INT ? (double)t->u.i : t->u.f;
	return prom_parse_float(v->u.str.s, &s->v) ? 0 : -1;
}

static int series_from(const struct value *item, bool matrix, struct prom_series *out)
{
	const struct value *metric = value_map_get(item, "metric");
	out->labels = metric && metric->type == V_MAP ? value_copy(metric) : value_map();
	const struct value *vals = value_map_get(item, matrix ? "values" : "value");
	if (!vals || vals->type != V_LIST)
		return -1;
	if (!matrix) {
		out->samples = xcalloc(1, sizeof *out->samples);
		out->n = 1;
		return sample_from(vals, &out->samples[0]);
	}
	out->samples = xcalloc(vals->u.list.len, sizeof *out->samples);
	for (size_t i = 0; i < vals->u.list.len; i++, out->n++)
		if (sample_from(vals->u.list.items[i], &out->samples[i]))
			return -1;
	return 0;
}

static int decode_data(const struct value *data, struct prom_result *out, struct tops_err *err)
{
	static const char *const types[] = {"vector", "matrix", "scalar", "string"};
	const struct value *rt = value_map_get(data, "resultType");
	const struct value *res = value_map_get(data, "result");
	size_t k;
	for (k = 0; rt && rt->type == V_STRING && k < ARRAY_LEN(types); k++)
		if (strcmp(rt->u.str.s, types[k]) == 0)
			break;
	if (!rt || k == ARRAY_LEN(types) || !res)
		return tops_err_set(err, TOPS_EINVAL, "Prometheus answered with an unknown result type");
	out->type = (enum prom_rtype)k;
	if (out->type == PROM_SCALAR || out->type == PROM_STRING) {
		const struct value *v = value_list_get(res, 1);
		if (out->type == PROM_STRING && v && v->type == V_STRING)
			out->str = xstrdup(v->u.str.s);
		if (out->type == PROM_SCALAR && sample_from(res, &out->scalar))
			return tops_err_set(err, TOPS_EINVAL, "Prometheus answered with a malformed scalar");
		return 0;
	}
	if (res->type != V_LIST)
		return tops_err_set(err, TOPS_EINVAL, "Prometheus answered with a malformed %s", types[k]);
	out->series = xcalloc(res->u.list.len ? res->u.list.len : 1, sizeof *out->series);
	for (size_t i = 0; i < res->u.list.len; i++) {
		out->nseries++;
		if (series_from(res->u.list.items[i], out->type == PROM_MATRIX, &out->series[i]))
			return tops_err_set(err, TOPS_EINVAL, "Prometheus answered with a malformed sample in series %zu", i);
	}
	return 0;
}

static void take_warnings(const struct value *doc, struct prom_result *out)
{
	const struct value *w = value_map_get(doc, "warnings");
	if (!w || w->type != V_LIST)
		return;
	out->warnings = xcalloc(w->u.list.len ? w->u.list.len : 1, sizeof(char *));
	for (size_t i = 0; i < w->u.list.len; i++)
		if (w->u.list.items[i]->type == V_STRING)
			out->warnings[out->nwarnings++] = xstrdup(w->u.list.items[i]->u.str.s);
}

static int error_body(const struct value *doc, long status, struct tops_err *err)
{
	const struct value *et = value_map_get(doc, "errorType"), *e = value_map_get(doc, "error");
	const char *type = et && et->type == V_STRING ? et->u.str.s : "error";
	const char *msg = e && e->type == V_STRING ? e->u.str.s : "no message";
	int code = strcmp(type, "timeout") == 0 ? TOPS_ETIMEOUT : status >= 500 ? TOPS_EHTTP : TOPS_EINVAL;
	if (strcmp(type, "timeout") == 0)
		return tops_err_set(err, code, "Prometheus query timed out: %s (narrow the query or raise the timeout)", msg);
	return tops_err_set(err, code, "Prometheus rejected the query (%s%s%.0ld): %s", type,
			    status ? ", HTTP " : "", status ? status : 0L, msg);
}

int prom_decode(const char *body, size_t len, long http_status, struct prom_result *out,
		struct tops_err *err)
{
	memset(out, 0, sizeof *out);
	struct tops_err jerr = {0};
	struct value *doc = value_from_json(body, len, &jerr);
	if (!doc) {
		int rc = http_status >= 400 ?
			tops_err_set(err, TOPS_EHTTP, "Prometheus answered HTTP %ld: %.200s", http_status, body) :
			tops_err_set(err, TOPS_EINVAL, "Prometheus answered with malformed JSON: %s", jerr.msg);
		tops_err_clear(&jerr);
		return rc;
	}
	int rc;
	const struct value *st = value_map_get(doc, "status");
	if (!st || st->type != V_STRING)
		rc = tops_err_set(err, TOPS_EINVAL, "Prometheus answered without a status field");
	else if (strcmp(st->u.str.s, "success") != 0 || http_status >= 400)
		rc = error_body(doc, http_status, err);
	else
		rc = decode_data(value_map_get(doc, "data"), out, err);
	if (!rc)
		take_warnings(doc, out);
	value_unref(doc);
	if (rc)
		prom_result_done(out);
	return rc;
}

void prom_result_done(struct prom_result *r)
{
	for (size_t i = 0; i < r->nseries; i++) {
		value_unref(r->series[i].labels);
		free(r->series[i].samples);
	}
	free(r->series);
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	free(r->str);
	memset(r, 0, sizeof *r);
}

/* ---- exposition text ---- */

struct tp {
	const char *s, *p, *end;
	int line;
	const char *line_start;
	struct tops_err *err;
};

static int tfail(struct tp *t, const char *what)
{
	return tops_err_set(t->err, TOPS_EINVAL, "metrics:%d:%d: %s", t->line, (int)(t->p - t->line_start) + 1, what);
}

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

static char *read_name(struct tp *t)
{
	const char *st = t->p;
	while (t->p < t->end && name_char(*t->p, t->p == st))
		t->p++;
	return t->p > st ? xstrndup(st, (size_t)(t->p - st)) : NULL;
}

static void skip_blank(struct tp *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

static char *read_label_value(struct tp *t)
{
	if (t->p >= t->end || *t->p != '"')
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	for (t->p++; t->p < t->end && *t->p != '"' && *t->p != '\n'; t->p++) {
		if (*t->p != '\\') {
			sb_addc(&sb, *t->p);
			continue;
		}
		t->p++;
		char c = t->p < t->end ? *t->p : 0;
		if (c != '\\' && c != '"' && c != 'n') {
			sb_done(&sb);
			return NULL;
		}
		sb_addc(&sb, c == 'n' ? '\n' : c);
	}
	if (t->p >= t->end || *t->p != '"') {
		sb_done(&sb);
		return NULL;
	}
	t->p++;
	return sb_detach(&sb, NULL);
}

static int read_labels(struct tp *t, struct value *labels)
{
	t->p++; /* { */
	for (int n = 0;; n++) {
		skip_blank(t);
		if (t->p < t->end && *t->p == '}') {
			t->p++;
			return 0;
		}
		if (n >= 1024)
			return tfail(t, "more than 1024 labels");
		char *k = read_name(t);
		if (!k)
			return tfail(t, "invalid label name");
		skip_blank(t);
		if (t->p >= t->end || *t->p != '=') {
			free(k);
			return tfail(t, "expected '=' after the label name");
		}
		t->p++;
		skip_blank(t);
		char *v = read_label_value(t);
		if (!v) {
			free(k);
			return tfail(t, "invalid label value (expected a quoted string with \\\\, \\\" or \\n escapes)");
		}
		value_map_set(labels, k, value_str_own(v, strlen(v)));
		free(k);
		skip_blank(t);
		if (t->p < t->end && *t->p == ',')
			t->p++;
		else if (t->p >= t->end || *t->p != '}')
			return tfail(t, "expected ',' or '}' in the label set");
	}
}

static char *read_token(struct tp *t)
{
	skip_blank(t);
	const char *st = t->p;
	while (t->p < t->end && *t->p != ' ' && *t->p != '\t' && *t->p != '\n' && *t->p != '\r')
		t->p++;
	return t->p > st ? xstrndup(st, (size_t)(t->p - st)) : NULL;
}

static struct prom_family *family_for(struct prom_text *out, const char *sample_name)
{
	static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
	size_t nl = strlen(sample_name);
	for (size_t i = out->n; i-- > 0;)
		if (strcmp(out->fams[i].name, sample_name) == 0)
			return &out->fams[i];
	for (size_t s = 0; s < ARRAY_LEN(suffixes); s++) {
		size_t sl = strlen(suffixes[s]);
		if (nl <= sl || strcmp(sample_name + nl - sl, suffixes[s]) != 0)
			continue;
		for (size_t i = out->n; i-- > 0;) {
			struct prom_family *f = &out->fams[i];
			if ((f->type == PROM_HISTOGRAM || f->type == PROM_SUMMARY) && strlen(f->name) == nl - sl &&
			    strncmp(f->name, sample_name, nl - sl) == 0)
				return f;
		}
	}
	return NULL;
}

static struct prom_family *family_new(struct prom_text *out, const char *name)
{
	if (out->n == out->cap) {
		out->cap = out->cap ? out->cap * 2 : 16;
		out->fams = xrealloc(out->fams, out->cap * sizeof *out->fams);
	}
	struct prom_family *f = &out->fams[out->n++];
	memset(f, 0, sizeof *f);
	f->name = xstrdup(name);
	return f;
}

static struct prom_family *family_get(struct prom_text *out, const char *name)
{
	for (size_t i = 0; i < out->n; i++)
		if (strcmp(out->fams[i].name, name) == 0)
			return &out->fams[i];
	return family_new(out, name);
}

static char *unescape_help(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	for (; *s; s++) {
		if (*s == '\\' && (s[1] == '\\' || s[1] == 'n')) {
			sb_addc(&sb, s[1] == 'n' ? '\n' : '\\');
			s++;
		} else {
			sb_addc(&sb, *s);
		}
	}
	return sb_detach(&sb, NULL);
}

static int parse_comment(struct tp *t, struct prom_text *out)
{
	static const char *const tnames[] = {"untyped", "counter", "gauge", "histogram", "summary"};
	const char *eol = memchr(t->p, '\n', (size_t)(t->end - t->p));
	char *line = xstrndup(t->p, eol ? (size_t)(eol - t->p) : (size_t)(t->end - t->p));
	t->p = eol ? eol : t->end;
	char kw[8] = "", name[256] = "";
	int off = 0, rc = 0;
	if (sscanf(line, "# %7s %255s %n", kw, name, &off) >= 2 && (!strcmp(kw, "HELP") || !strcmp(kw, "TYPE"))) {
		struct prom_family *f = family_get(out, name);
		const char *rest = off ? line + off : "";
		if (!strcmp(kw, "HELP")) {
			free(f->help);
			f->help = unescape_help(rest);
		} else {
			size_t k;
			for (k = 0; k < ARRAY_LEN(tnames) && strncmp(rest, tnames[k], strlen(tnames[k])); k++)
				;
			if (k == ARRAY_LEN(tnames))
				rc = tfail(t, "unknown metric type in TYPE line");
			else
				f->type = (enum prom_mtype)k;
		}
	}
	free(line);
	return rc;
}

static void family_push(struct prom_family *f, struct prom_text_sample *s)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 8;
		f->samples = xrealloc(f->samples, f->cap * sizeof *f->samples);
	}
	f->samples[f->n++] = *s;
}

static int parse_sample(struct tp *t, struct prom_text *out)
{
	struct prom_text_sample s = {0};
	s.name = read_name(t);
	if (!s.name)
		return tfail(t, "invalid metric name");
	s.labels = value_map();
	int rc = 0;
	char *val = NULL, *ts = NULL;
	if (t->p < t->end && *t->p == '{' && (rc = read_labels(t, s.labels)))
		goto fail;
	if (!(val = read_token(t)) || !prom_parse_float(val, &s.value)) {
		rc = tfail(t, "invalid sample value");
		goto fail;
	}
	if ((ts = read_token(t))) {
		char *e;
		s.ts_ms = strtoll(ts, &e, 10);
		if (*e) {
			rc = tfail(t, "invalid timestamp");
			goto fail;
		}
		s.has_ts = true;
	}
	skip_blank(t);
	if (t->p < t->end && *t->p != '\n' && *t->p != '\r') {
		rc = tfail(t, "unexpected text after the sample");
		goto fail;
	}
	struct prom_family *f = family_for(out, s.name);
	family_push(f ? f : family_new(out, s.name), &s);
	free(val);
	free(ts);
	return 0;
fail:
	free(val);
	free(ts);
	free(s.name);
	value_unref(s.labels);
	return rc;
}

int prom_text_parse(const char *text, size_t len, struct prom_text *out, struct tops_err *err)
{
	memset(out, 0, sizeof *out);
	if (len > (64u << 20))
		return tops_err_set(err, TOPS_ETOOBIG, "metrics: exposition larger than 64 MiB");
	struct tp t = {.s = text, .p = text, .end = text + len, .line = 1, .line_start = text, .err = err};
	int rc = 0;
	while (!rc && t.p < t.end) {
		skip_blank(&t);
		if (t.p < t.end && *t.p == '#')
			rc = parse_comment(&t, out);
		else if (t.p < t.end && *t.p != '\n' && *t.p != '\r')
			rc = parse_sample(&t, out);
		while (!rc && t.p < t.end && (*t.p == '\r'))
			t.p++;
		if (!rc && t.p < t.end && *t.p == '\n') {
			t.p++;
			t.line++;
			t.line_start = t.p;
		}
	}
	if (rc)
		prom_text_done(out);
	return rc;
}

void prom_text_done(struct prom_text *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct prom_family *f = &t->fams[i];
		for (size_t j = 0; j < f->n; j++) {
			free(f->samples[j].name);
			value_unref(f->samples[j].labels);
		}
		free(f->samples);
		free(f->name);
		free(f->help);
	}
	free(t->fams);
	memset(t, 0, sizeof *t);
}

const struct prom_family *prom_text_find(const struct prom_text *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->fams[i].name, name) == 0)
			return &t->fams[i];
	return NULL;
}

/* ---- presets ---- */

#define POD_SEL "container!=\"POD\",container!=\"\",image!=\"\",pod=~\"$pods\",namespace=\"$namespace\""
static const struct prom_preset presets[] = {
	{"cpu", "sum(rate(container_cpu_usage_seconds_total{" POD_SEL "}[$rate])) by (pod, namespace)"},
	{"memory", "sum(container_memory_working_set_bytes{" POD_SEL "}) by (pod, namespace)"},
	{"cpu_requests", "sum(kube_pod_container_resource_requests{pod=~\"$pods\",resource=\"cpu\",namespace=\"$namespace\"}) by (pod, namespace)"},
	{"cpu_limits", "sum(kube_pod_container_resource_limits{pod=~\"$pods\",resource=\"cpu\",namespace=\"$namespace\"}) by (pod, namespace)"},
	{"memory_requests", "sum(kube_pod_container_resource_requests{pod=~\"$pods\",resource=\"memory\",namespace=\"$namespace\"}) by (pod, namespace)"},
	{"memory_limits", "sum(kube_pod_container_resource_limits{pod=~\"$pods\",resource=\"memory\",namespace=\"$namespace\"}) by (pod, namespace)"},
	{"fs_reads", "sum(rate(container_fs_reads_bytes_total{container!=\"\",pod=~\"$pods\",namespace=\"$namespace\"}[$rate])) by (pod, namespace)"},
	{"fs_writes", "sum(rate(container_fs_writes_bytes_total{container!=\"\",pod=~\"$pods\",namespace=\"$namespace\"}[$rate])) by (pod, namespace)"},
	{"net_rx", "sum(rate(container_network_receive_bytes_total{pod=~\"$pods\",namespace=\"$namespace\"}[$rate])) by (pod, namespace)"},
	{"net_tx", "sum(rate(container_network_transmit_bytes_total{pod=~\"$pods\",namespace=\"$namespace\"}[$rate])) by (pod, namespace)"},
	{"restarts", "sum(kube_pod_container_status_restarts_total{pod=~\"$pods\",namespace=\"$namespace\"}) by (pod, namespace)"},
	{"pvc_used", "sum(kubelet_volume_stats_used_bytes{persistentvolumeclaim=~\"$pvc\",namespace=\"$namespace\"}) by (persistentvolumeclaim, namespace)"},
	{"pvc_capacity", "sum(kubelet_volume_stats_capacity_bytes{persistentvolumeclaim=~\"$pvc\",namespace=\"$namespace\"}) by (persistentvolumeclaim, namespace)"},
	{"app_request_rate", "sum(rate(testops_http_requests_total{namespace=\"$namespace\"}[$rate]))"},
	{"app_error_ratio", "sum(rate(testops_http_requests_total{namespace=\"$namespace\",code=~\"5..\"}[$rate])) / sum(rate(testops_http_requests_total{namespace=\"$namespace\"}[$rate]))"},
	{"app_p99_seconds", "histogram_quantile(0.99, sum(rate(testops_runner_job_duration_seconds_bucket{namespace=\"$namespace\"}[$rate])) by (le))"},
};

const char *prom_preset_query(const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(presets); i++)
		if (strcmp(presets[i].name, name) == 0)
			return presets[i].query;
	return NULL;
}

char *prom_expand(const char *tmpl, const struct value *vars)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = tmpl; *p;) {
		if (*p != '$') {
			sb_addc(&sb, *p++);
			continue;
		}
		size_t n = 0;
		while (name_char(p[1 + n], false) && p[1 + n] != ':')
			n++;
		/* Longest variable name that matches a prefix of the identifier wins. */
		const struct value *best = NULL;
		size_t best_len = 0;
		for (size_t k = n; k > 0 && !best; k--) {
			const struct value *v = value_map_getn(vars, p + 1, k);
			if (v && v->type == V_STRING)
				best = v, best_len = k;
		}
		if (best) {
			sb_add(&sb, best->u.str.s, best->u.str.len);
			p += 1 + best_len;
		} else {
			sb_addc(&sb, *p++);
		}
	}
	return sb_detach(&sb, NULL);
}

const char *prom_query(const struct tops_config *cfg, const char *name)
{
	const char *q = cfg ? config_prom_query(cfg, name) : NULL;
	return q ? q : prom_preset_query(name);
}
