/* gate — see gate.h: measurement semantics (Argo's evaluate.go and assessMetricStatus), the
 * run, and its record. The file format lives in gatefile.c. */
#include "core/gate/gate.h"

#include "core/gate/expr.h"
#include "core/tmpl/funcs.h"
#include "core/tmpl/tmpl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GP_NAME(id, s) s,
static const char *const phase_names[] = {GATE_PHASES(GP_NAME)};
#undef GP_NAME

const char *gate_phase_name(enum gate_phase p) { return p < GP_COUNT ? phase_names[p] : "Unknown"; }

enum gate_phase gate_phase_parse(const char *s)
{
	for (int i = 0; s && i < GP_COUNT; i++)
		if (!strcmp(s, phase_names[i]))
			return (enum gate_phase)i;
	return GP_PENDING;
}

static bool completed(enum gate_phase p) { return p >= GP_SUCCESSFUL; }

int gate_query_text(const struct gate_metric *m, const struct value *vars, char **out, struct tops_err *err)
{
	if (m->literal) {
		*out = xstrdup(m->query);
		return 0;
	}
	struct tmpl_funcs *f = tmpl_funcs_new();
	funcs_register_sprig(f);
	struct tmpl_set *set = tmpl_set_new(f, TMPL_MISSING_ZERO);
	struct strbuf sb = STRBUF_INIT;
	int rc = tmpl_parse(set, m->name, m->query, strlen(m->query), err);
	if (rc == 0)
		rc = tmpl_execute(set, m->name, (struct value *)vars, &sb, err);
	tmpl_set_free(set);
	tmpl_funcs_free(f);
	if (rc < 0) {
		sb_done(&sb);
		return tops_err_prefix(err, "metric %s: query", m->name);
	}
	*out = sb.buf ? sb.buf : xstrdup("");
	return 0;
}

static char *cond_message(const char *what, const char *cond, bool val, const double *v, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%s %s is %s (result", what, cond, val ? "true" : "false");
	for (size_t i = 0; i < n && i < 4; i++)
		sb_addf(&sb, "%s%g", i ? ", " : " ", v[i]);
	sb_addf(&sb, "%s)", n > 4 ? ", ..." : "");
	return sb.buf;
}

enum gate_phase gate_evaluate(const struct gate_metric *m, const double *values, size_t n,
			      const char *query_err, const char *query, char **message)
{
	*message = NULL;
	if (query_err) {
		*message = xasprintf("query failed: %s", query_err);
		return GP_ERROR;
	}
	if (n == 0) {
		*message = xasprintf("no data: the query returned no series (is the service getting traffic?): %s", query);
		return GP_ERROR;
	}
	bool ok = false, bad = false;
	struct tops_err err = {0};
	if (m->success && expr_eval(m->success, values, n, &ok, &err) < 0)
		goto eval_error;
	if (m->failure && expr_eval(m->failure, values, n, &bad, &err) < 0)
		goto eval_error;
	if (!m->success && !m->failure)
		return GP_SUCCESSFUL;
	if (m->success && !m->failure)
		bad = !ok;
	else if (!m->success && m->failure)
		ok = !bad;
	if (bad) {
		*message = m->failure ? cond_message("failureCondition", m->failure, true, values, n)
				      : cond_message("successCondition", m->success, false, values, n);
		return GP_FAILED;
	}
	if (!ok) {
		*message = xasprintf("neither condition is true (successCondition %s, failureCondition %s; result %g)",
				     m->success, m->failure, values[0]);
		return GP_INCONCLUSIVE;
	}
	return GP_SUCCESSFUL;
eval_error:
	*message = xasprintf("condition: %s", tops_err_msg(&err));
	tops_err_clear(&err);
	return GP_ERROR;
}

/* Argo's EffectiveCount: count when given; 1 when neither count nor interval; else unbounded. */
static int effective_count(const struct gate_metric *m)
{
	if (m->count > 0)
		return m->count;
	return m->interval_ms > 0 ? -1 : 1;
}

enum gate_phase gate_assess(const struct gate_metric *m, const struct gate_metric_result *r, bool terminating)
{
	if (completed(r->phase))
		return r->phase;
	if (r->n == 0)
		return terminating ? GP_SUCCESSFUL : GP_PENDING;
	if (r->failed > m->failure_limit)
		return GP_FAILED;
	if (r->inconclusive > m->inconclusive_limit)
		return GP_INCONCLUSIVE;
	if (r->consecutive_error > m->consecutive_error_limit)
		return GP_ERROR;
	int c = effective_count(m);
	if (c >= 0 && r->count >= c)
		return GP_SUCCESSFUL;
	return terminating ? GP_SUCCESSFUL : GP_RUNNING;
}

void gate_run_init(struct gate_run *run, const struct gate *g, double now)
{
	*run = (struct gate_run){.g = g, .r = xcalloc(g->n ? g->n : 1, sizeof *run->r), .phase = GP_RUNNING,
				 .started = now};
	for (size_t i = 0; i < g->n; i++)
		run->r[i].next_at = now + (double)g->metrics[i].initial_delay_ms / 1000.0;
	if (g->n == 0)
		run->phase = GP_SUCCESSFUL;
}

void gate_run_done(struct gate_run *run)
{
	for (size_t i = 0; run->r && i < run->g->n; i++) {
		for (size_t j = 0; j < run->r[i].n; j++)
			free(run->r[i].m[j].message);
		free(run->r[i].m);
		free(run->r[i].message);
	}
	free(run->r);
	run->r = NULL;
}

/* Argo's IsTerminating: a metric ended Failed, Error or Inconclusive stops the others. */
static bool terminating(const struct gate_run *run)
{
	for (size_t i = 0; i < run->g->n; i++)
		if (run->r[i].phase >= GP_INCONCLUSIVE)
			return true;
	return false;
}

static void assess_run(struct gate_run *run, bool stop)
{
	bool term = stop || terminating(run), all = true;
	enum gate_phase worst = GP_PENDING;
	for (size_t i = 0; i < run->g->n; i++) {
		struct gate_metric_result *r = &run->r[i];
		enum gate_phase p = gate_assess(&run->g->metrics[i], r, term);
		if (p != r->phase && completed(p) && r->n) {
			free(r->message);
			const char *lm = r->m[r->n - 1].message;
			r->message = lm ? xstrdup(lm) : NULL;
		}
		r->phase = p;
		if (!completed(p))
			all = false;
		else if (p > worst)
			worst = p;
	}
	/* a metric that ended badly ends the others now (they end Successful as Argo's do) */
	if (!all && !stop && terminating(run))
		return assess_run(run, true);
	run->phase = all ? worst : GP_RUNNING;
}

void gate_run_record(struct gate_run *run, size_t i, const struct gate_measurement *meas)
{
	struct gate_metric_result *r = &run->r[i];
	r->m = xrealloc(r->m, (r->n + 1) * sizeof *r->m);
	r->m[r->n++] = *meas;
	switch (meas->phase) {
	case GP_SUCCESSFUL: r->successful++, r->count++, r->consecutive_error = 0; break;
	case GP_FAILED: r->failed++, r->count++, r->consecutive_error = 0; break;
	case GP_INCONCLUSIVE: r->inconclusive++, r->count++, r->consecutive_error = 0; break;
	default: r->error++, r->consecutive_error++; break;
	}
	const struct gate_metric *m = &run->g->metrics[i];
	/* Argo retries an errored measurement after 10 s when the metric has no interval */
	long next = m->interval_ms > 0 ? m->interval_ms : meas->phase == GP_ERROR ? 10000 : 0;
	r->next_at = meas->t + (double)next / 1000.0;
	assess_run(run, false);
}

int gate_run_next(const struct gate_run *run)
{
	int best = -1;
	for (size_t i = 0; i < run->g->n; i++)
		if (!completed(run->r[i].phase) && (best < 0 || run->r[i].next_at < run->r[best].next_at))
			best = (int)i;
	return best;
}

void gate_run_terminate(struct gate_run *run) { assess_run(run, true); }

static bool open_ended(const struct gate_run *run)
{
	for (size_t i = 0; i < run->g->n; i++)
		if (!completed(run->r[i].phase) && effective_count(&run->g->metrics[i]) >= 0)
			return false;
	return true;
}

static void measure(const struct gate *g, size_t i, const struct value *vars, const struct gate_io *io,
		    struct gate_run *run)
{
	const struct gate_metric *m = &g->metrics[i];
	struct tops_err err = {0};
	char *q = NULL, *msg = NULL;
	double *vals = NULL;
	size_t n = 0;
	enum gate_phase p;
	if (gate_query_text(m, vars, &q, &err) < 0) {
		p = GP_ERROR;
		msg = xstrdup(tops_err_msg(&err));
	} else {
		int rc = io->query(io->ud, m->address, q, &vals, &n, &err);
		p = gate_evaluate(m, vals, n, rc < 0 ? tops_err_msg(&err) : NULL, q, &msg);
	}
	struct gate_measurement meas = {.t = io->now(io->ud), .value = n ? vals[0] : NAN, .nvalues = n,
					.phase = p, .message = msg};
	gate_run_record(run, i, &meas);
	if (io->on_measure)
		io->on_measure(io->ud, run, i);
	tops_err_clear(&err);
	free(vals);
	free(q);
}

enum gate_phase gate_execute(const struct gate *g, const struct value *vars, const struct gate_io *io,
			     struct gate_run *run)
{
	gate_run_init(run, g, io->now(io->ud));
	int i;
	while ((i = gate_run_next(run)) >= 0) {
		if (io->stop && *io->stop) {
			gate_run_terminate(run);
			break;
		}
		double now = io->now(io->ud), wait = run->r[i].next_at - now;
		if (open_ended(run) && io->max_ms > 0 && now - run->started >= (double)io->max_ms / 1000.0) {
			gate_run_terminate(run);
			break;
		}
		if (wait > 0) {
			io->sleep_ms(io->ud, (long)(wait * 1000 < 500 ? wait * 1000 + 1 : 500));
			continue;
		}
		measure(g, (size_t)i, vars, io, run);
	}
	return run->phase;
}

static struct value *measurement_value(const struct gate_measurement *m)
{
	struct value *v = value_map();
	value_map_set(v, "t", value_float(m->t));
	value_map_set(v, "value", isfinite(m->value) ? value_float(m->value) : value_null());
	value_map_set(v, "values", value_int((int64_t)m->nvalues));
	value_map_set(v, "phase", value_str(gate_phase_name(m->phase)));
	if (m->message)
		value_map_set(v, "message", value_str(m->message));
	return v;
}

struct value *gate_run_to_value(const struct gate_run *run)
{
	struct value *v = value_map(), *ms = value_list();
	value_map_set(v, "gate", value_str(run->g->name ? run->g->name : ""));
	value_map_set(v, "phase", value_str(gate_phase_name(run->phase)));
	for (size_t i = 0; i < run->g->n; i++) {
		const struct gate_metric_result *r = &run->r[i];
		struct value *m = value_map(), *list = value_list();
		value_map_set(m, "name", value_str(run->g->metrics[i].name));
		value_map_set(m, "phase", value_str(gate_phase_name(r->phase)));
		if (r->message)
			value_map_set(m, "message", value_str(r->message));
		value_map_set(m, "count", value_int(r->count));
		value_map_set(m, "successful", value_int(r->successful));
		value_map_set(m, "failed", value_int(r->failed));
		value_map_set(m, "inconclusive", value_int(r->inconclusive));
		value_map_set(m, "error", value_int(r->error));
		for (size_t j = 0; j < r->n; j++)
			value_list_push(list, measurement_value(&r->m[j]));
		value_map_set(m, "measurements", list);
		value_list_push(ms, m);
	}
	value_map_set(v, "metrics", ms);
	return v;
}

char *gate_run_summary(const struct gate_run *run)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < run->g->n; i++) {
		const struct gate_metric_result *r = &run->r[i];
		if (r->phase == GP_SUCCESSFUL)
			continue;
		sb_addf(&sb, "%smetric %s %s after %zu measurement%s", sb.len ? "; " : "", run->g->metrics[i].name,
			gate_phase_name(r->phase), r->n, r->n == 1 ? "" : "s");
		const char *msg = r->message ? r->message : r->n ? r->m[r->n - 1].message : NULL;
		if (msg)
			sb_addf(&sb, ": %s", msg);
	}
	return sb.buf ? sb.buf : xstrdup("");
}
