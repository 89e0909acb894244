/* gate_cli — see gate_cli.h. */
#include "cli/gate_cli.h"

#include "core/kube/http.h"
#include "core/release/rest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static struct promclient *prom_for(struct gate_cli *p, const char *addr, struct tops_err *err)
{
	const char *key = p->cfg->prom_url ? "" : addr ? addr : "";
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->c[i].addr, key))
			return p->c[i].pc;
	if (p->n == 4)
		return tops_err_set(err, TOPS_EINVAL, "too many Prometheus addresses"), NULL;
	struct promclient *pc = NULL;
	struct http *http = NULL;
	if (!p->cfg->prom_url && addr && *addr) {
		if (!(http = http_new(p->kc->loop, err)))
			return NULL;
		struct promclient_opts o = {.loop = p->kc->loop, .http = http, .base_url = addr};
		pc = promclient_new(&o);
	} else if (promclient_from_config(p->kc->loop, p->cfg, p->kc, p->ns, &pc, &http, err) < 0) {
		return NULL;
	}
	p->c[p->n].addr = xstrdup(key);
	p->c[p->n].pc = pc;
	p->c[p->n++].http = http;
	return pc;
}

static int prom_query_cb(void *ud, const char *addr, const char *q, double **vals, size_t *n, struct tops_err *err)
{
	struct promclient *pc = prom_for(ud, addr, err);
	struct prom_result res = {0};
	if (!pc || promclient_query_sync(pc, q, &res, err) < 0)
		return -(err->code ? err->code : TOPS_EHTTP);
	*n = res.type == PROM_SCALAR ? 1 : res.nseries;
	*vals = xcalloc(*n ? *n : 1, sizeof **vals);
	if (res.type == PROM_SCALAR)
		(*vals)[0] = res.scalar.v;
	for (size_t i = 0; res.type != PROM_SCALAR && i < res.nseries; i++)
		(*vals)[i] = res.series[i].n ? res.series[i].samples[res.series[i].n - 1].v : NAN;
	prom_result_done(&res);
	return 0;
}

static void prom_sleep_cb(void *ud, long ms) { rest_sleep(((struct gate_cli *)ud)->kc, ms); }

static double wall_now_cb(void *ud)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void prom_io_done(struct gate_cli *p)
{
	for (int i = 0; i < p->n; i++) {
		promclient_free(p->c[i].pc);
		if (p->c[i].http)
			http_free(p->c[i].http);
		free(p->c[i].addr);
	}
}


void gate_cli_init(struct gate_cli *g, struct kube_client *kc, const struct tops_config *cfg, const char *ns,
		   volatile sig_atomic_t *stop, long max_ms, struct gate_io *io)
{
	*g = (struct gate_cli){.kc = kc, .cfg = cfg, .ns = ns};
	*io = (struct gate_io){.query = prom_query_cb, .sleep_ms = prom_sleep_cb, .now = wall_now_cb, .ud = g,
			       .stop = (const volatile int *)stop, .max_ms = max_ms};
}

void gate_cli_done(struct gate_cli *g) { prom_io_done(g); }

static void say_measure(void *ud, const struct gate_run *run, size_t i)
{
	const struct gate_measurement *m = &run->r[i].m[run->r[i].n - 1];
	fprintf(stderr, "gate %s: %s %s (%g)%s%s\n", run->g->name, run->g->metrics[i].name, gate_phase_name(m->phase),
		m->value, m->message ? ": " : "", m->message ? m->message : "");
}

struct measure_ud { struct gate_io inner; };

static int m_query(void *ud, const char *a, const char *q, double **v, size_t *n, struct tops_err *err)
{
	struct gate_io *io = ud;
	return io->query(io->ud, a, q, v, n, err);
}
static void m_sleep(void *ud, long ms) { struct gate_io *io = ud; io->sleep_ms(io->ud, ms); }
static double m_now(void *ud) { struct gate_io *io = ud; return io->now(io->ud); }

int gate_cli_post_ready(struct kube_client *kc, const char *ns, const char *release, void *check,
			struct tops_err *err)
{
	struct gate_cli_check *c = check;
	struct gate *g = NULL;
	int rc = gate_load(c->file, c->args, &g, err);
	if (rc)
		return rc;
	struct gate_cli cli;
	struct gate_io inner;
	gate_cli_init(&cli, kc, c->cfg, ns, c->stop, c->max_ms, &inner);
	struct gate_io io = {.query = m_query, .sleep_ms = m_sleep, .now = m_now, .on_measure = say_measure,
			     .ud = &inner, .stop = inner.stop, .max_ms = c->max_ms};
	struct value *vars = value_map(), *rel = value_map();
	value_map_set(rel, "Name", value_str(release));
	value_map_set(vars, "Release", rel);
	value_map_set(vars, "Namespace", value_str(ns));
	const struct value *color = value_map_get(c->values, "color");
	value_map_set(vars, "Color", value_str(color && color->type == V_STRING ? color->u.str.s : ""));
	value_map_set(vars, "Args", c->args ? value_copy(c->args) : value_map());
	fprintf(stderr, "gate %s: %zu metric%s after readiness\n", g->name, g->n, g->n == 1 ? "" : "s");
	struct gate_run run;
	enum gate_phase p = gate_execute(g, vars, &io, &run);
	c->run = gate_run_to_value(&run);
	if (p != GP_SUCCESSFUL) {
		char *why = gate_run_summary(&run);
		rc = tops_err_set(err, TOPS_EINVAL, "gate %s %s: %s", g->name, gate_phase_name(p), why);
		free(why);
	}
	gate_run_done(&run);
	value_unref(vars);
	gate_free(g);
	gate_cli_done(&cli);
	return rc;
}
