/* gatefile — reading gate files (gate.h): tops' form and Argo Rollouts' AnalysisTemplate. */
#include "core/gate/gate.h"

#include "core/base/timefmt.h"
#include "core/base/yaml.h"
#include "core/gate/expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctx {
	const char *file;
	const struct value *args;    /* caller's --arg values */
	struct value *targs;         /* the template's spec.args resolved: name -> value */
	bool argo;
	struct tops_err *err;
};

static int bad(struct ctx *c, const struct value *at, const char *fmt, const char *a, const char *b)
{
	char msg[400];
	snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
	return tops_err_set(c->err, TOPS_EINVAL, "%s:%d:%d: %s", c->file, at ? at->line : 0, at ? at->col : 0, msg);
}

static const char *str_of(const struct value *v)
{
	return v && v->type == V_STRING ? v->u.str.s : NULL;
}

static int get_int(struct ctx *c, const struct value *m, const char *key, int dflt, int *out)
{
	const struct value *v = value_map_get(m, key);
	*out = dflt;
	if (!v || v->type == V_NULL)
		return 0;
	if (v->type == V_INT && v->u.i >= 0 && v->u.i < 1000000) {
		*out = (int)v->u.i;
		return 0;
	}
	char *end;
	if (v->type == V_STRING && *v->u.str.s && (*out = (int)strtol(v->u.str.s, &end, 10), !*end) && *out >= 0)
		return 0;
	return bad(c, v, "%s must be a whole number of 0 or more%s", key, NULL);
}

static int get_duration(struct ctx *c, const struct value *m, const char *key, long *out)
{
	const struct value *v = value_map_get(m, key);
	*out = 0;
	if (!v || v->type == V_NULL)
		return 0;
	const char *s = str_of(v);
	if (v->type == V_INT)
		return *out = (long)v->u.i * 1000, 0;
	if (!s || (*out = time_parse_duration_ms(s)) < 0)
		return bad(c, v, "%s: \"%s\" is not a duration (such as 30s, 1m, 1m30s)", key, s ? s : "?");
	return 0;
}

/* Argo's {{args.NAME}} (spaces allowed inside the braces) filled from the resolved args. */
static int fill_args(struct ctx *c, const struct value *at, const char *q, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = q, *o;
	while ((o = strstr(p, "{{"))) {
		const char *s = o + 2, *e = strstr(s, "}}");
		while (*s == ' ')
			s++;
		if (!e || strncmp(s, "args.", 5) != 0) {
			sb_add(&sb, p, (size_t)(o + 2 - p));
			p = o + 2;
			continue;
		}
		const char *ne = e;
		while (ne > s && ne[-1] == ' ')
			ne--;
		char *name = xstrndup(s + 5, (size_t)(ne - s - 5));
		const char *val = str_of(value_map_get(c->targs, name));
		if (!val) {
			int rc = bad(c, at, "the query uses {{args.%s}}, which spec.args does not declare%s", name, NULL);
			free(name), sb_done(&sb);
			return rc;
		}
		free(name);
		sb_add(&sb, p, (size_t)(o - p));
		sb_add(&sb, val, strlen(val));
		p = e + 2;
	}
	sb_add(&sb, p, strlen(p));
	*out = sb.buf ? sb.buf : xstrdup("");
	return 0;
}

static int condition(struct ctx *c, const struct value *m, const char *key, char **out)
{
	const struct value *v = value_map_get(m, key);
	*out = NULL;
	if (!v || v->type == V_NULL)
		return 0;
	if (!str_of(v))
		return bad(c, v, "%s must be a string such as \"result[0] >= 0.95\"%s", key, NULL);
	struct tops_err e = {0};
	if (expr_check(v->u.str.s, &e) < 0) {
		int rc = bad(c, v, "%s: %s", key, tops_err_msg(&e));
		tops_err_clear(&e);
		return rc;
	}
	*out = xstrdup(v->u.str.s);
	return 0;
}

static const char *const own_keys[] = {"name", "query", "address", "interval", "count", "initialDelay",
	"successCondition", "failureCondition", "failureLimit", "inconclusiveLimit", "consecutiveErrorLimit",
	"provider"};

static int query_of(struct ctx *c, const struct value *mv, struct gate_metric *m)
{
	const struct value *prov = value_map_get(mv, "provider"), *q = value_map_get(mv, "query");
	const struct value *addr = value_map_get(mv, "address");
	if (prov) {
		const struct value *pr = value_map_get(prov, "prometheus");
		if (!pr)
			return bad(c, prov, "metric %s: only the prometheus provider is supported%s", m->name, NULL);
		q = value_map_get(pr, "query");
		addr = value_map_get(pr, "address");
	}
	if (!str_of(q) || !*q->u.str.s)
		return bad(c, q ? q : mv, "metric %s: a query is required (%s)", m->name,
			   c->argo ? "provider.prometheus.query" : "query");
	if (str_of(addr) && *addr->u.str.s)
		m->address = xstrdup(addr->u.str.s);
	if (c->argo) {
		m->literal = true;
		return fill_args(c, q, q->u.str.s, &m->query);
	}
	m->query = xstrdup(q->u.str.s);
	return 0;
}

static int metric_of(struct ctx *c, const struct value *mv, struct gate_metric *m)
{
	if (!mv || mv->type != V_MAP)
		return bad(c, mv, "a metric is a map with name, query, successCondition, ...%s%s", NULL, NULL);
	for (size_t i = 0; !c->argo && i < mv->u.map.len; i++) {
		size_t k = 0;
		while (k < ARRAY_LEN(own_keys) && strcmp(own_keys[k], mv->u.map.e[i].key))
			k++;
		if (k == ARRAY_LEN(own_keys))
			return bad(c, mv->u.map.e[i].val, "unknown field \"%s\" in a metric%s", mv->u.map.e[i].key, NULL);
	}
	const char *name = str_of(value_map_get(mv, "name"));
	if (!name || !*name)
		return bad(c, mv, "a metric needs a name%s%s", NULL, NULL);
	m->name = xstrdup(name);
	m->line = mv->line;
	int rc;
	if ((rc = query_of(c, mv, m)) || (rc = condition(c, mv, "successCondition", &m->success)) ||
	    (rc = condition(c, mv, "failureCondition", &m->failure)) ||
	    (rc = get_duration(c, mv, "interval", &m->interval_ms)) ||
	    (rc = get_duration(c, mv, "initialDelay", &m->initial_delay_ms)) ||
	    (rc = get_int(c, mv, "count", 0, &m->count)) ||
	    (rc = get_int(c, mv, "failureLimit", 0, &m->failure_limit)) ||
	    (rc = get_int(c, mv, "inconclusiveLimit", 0, &m->inconclusive_limit)) ||
	    (rc = get_int(c, mv, "consecutiveErrorLimit", 4, &m->consecutive_error_limit)))
		return rc;
	return 0;
}

/* spec.args: each {name, value} with the caller's --arg winning; valueFrom needs a cluster. */
static int resolve_args(struct ctx *c, const struct value *spec)
{
	c->targs = value_map();
	const struct value *args = value_map_get(spec, "args");
	for (size_t i = 0; args && args->type == V_LIST && i < args->u.list.len; i++) {
		const struct value *a = args->u.list.items[i];
		const char *name = str_of(value_map_get(a, "name"));
		if (!name)
			return bad(c, a, "spec.args[]: an argument needs a name%s%s", NULL, NULL);
		const char *v = str_of(value_map_get(c->args, name));
		if (!v)
			v = str_of(value_map_get(a, "value"));
		if (!v)
			return bad(c, a, "argument %s has no value: pass --arg %s=VALUE", name, name);
		value_map_set(c->targs, name, value_str(v));
	}
	return 0;
}

static int metrics_of(struct ctx *c, const struct value *doc, struct gate *g)
{
	const struct value *kind = value_map_get(doc, "kind"), *list = value_map_get(doc, "metrics");
	const char *k = str_of(kind);
	if (k && (!strcmp(k, "AnalysisTemplate") || !strcmp(k, "ClusterAnalysisTemplate"))) {
		const struct value *spec = value_map_get(doc, "spec");
		c->argo = g->argo = true;
		int rc = resolve_args(c, spec);
		if (rc)
			return rc;
		list = value_map_get(spec, "metrics");
		const char *n = str_of(value_map_path(doc, "metadata.name"));
		g->name = xstrdup(n ? n : "analysis");
	} else if (k) {
		return bad(c, kind, "kind %s is not a gate: use a metrics: list or an AnalysisTemplate%s", k, NULL);
	} else {
		const char *n = str_of(value_map_get(doc, "name"));
		g->name = xstrdup(n ? n : "gate");
	}
	if (!list || list->type != V_LIST || list->u.list.len == 0)
		return bad(c, list ? list : doc, "no metrics: a gate lists its metrics under %s%s",
			   c->argo ? "spec.metrics" : "metrics", NULL);
	g->metrics = xcalloc(list->u.list.len, sizeof *g->metrics);
	for (size_t i = 0; i < list->u.list.len; i++) {
		int rc = metric_of(c, list->u.list.items[i], &g->metrics[g->n++]);
		if (rc)
			return rc;
	}
	return 0;
}

int gate_parse(const char *text, size_t len, const char *name, const struct value *args,
	       struct gate **out, struct tops_err *err)
{
	struct yaml_errpos pos = {0};
	struct value *doc = yaml_load(text, len, name, NULL, &pos, err);
	if (!doc)
		return -err->code;
	struct ctx c = {.file = name ? name : "gate", .args = args, .err = err};
	struct gate *g = xcalloc(1, sizeof *g);
	g->file = xstrdup(c.file);
	int rc = doc->type == V_MAP ? metrics_of(&c, doc, g)
				    : bad(&c, doc, "a gate file is a map (metrics: [...]) or an AnalysisTemplate%s%s", NULL, NULL);
	value_unref(c.targs);
	value_unref(doc);
	if (rc) {
		gate_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

int gate_load(const char *path, const struct value *args, struct gate **out, struct tops_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc = read_file(path, 1 << 20, &text, &len, err);
	if (rc)
		return rc;
	rc = gate_parse(text, len, path, args, out, err);
	free(text);
	return rc;
}

void gate_free(struct gate *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		struct gate_metric *m = &g->metrics[i];
		free(m->name), free(m->query), free(m->address), free(m->success), free(m->failure);
	}
	free(g->metrics);
	free(g->name);
	free(g->file);
	free(g);
}
