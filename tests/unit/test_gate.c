/* Unit tests for core/gate: the condition language (a table of expressions, errors with their
 * column), Argo Rollouts' measurement semantics (evaluate, assess, limits, count, the run's worst
 * phase and termination) and gate files in tops' form and as an AnalysisTemplate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/gate/expr.h"
#include "core/gate/gate.h"

struct row {
	const char *src;
	int want;          /* 1 true, 0 false, -1 error */
	const char *err;   /* substring of the error ("col N: ...") */
};

static const double r2[] = {0.97, 3};

static const struct row rows[] = {
	{"result[0] >= 0.95", 1, NULL},
	{"result[0] < 0.95", 0, NULL},
	{"result[1] == 3 && result[0] > 0.9", 1, NULL},
	{"result[1] != 3 || result[0] > 0.99", 0, NULL},
	{"len(result) == 2", 1, NULL},
	{"len(result) > 2 && result[2] > 0", 0, NULL},          /* the right side is not evaluated */
	{"len(result) >= 2 || result[9] > 0", 1, NULL},
	{"!(result[0] > 1)", 1, NULL},
	{"not (result[0] > 1)", 1, NULL},
	{"result[0] > 0.9 and result[1] < 4", 1, NULL},
	{"result[1] * 2 + 1 == 7", 1, NULL},
	{"(result[1] - 1) / 2 == 1", 1, NULL},
	{"result[1] % 2 == 1", 1, NULL},
	{"-result[1] < 0", 1, NULL},
	{"1e3 > 999.5", 1, NULL},
	{"isNaN(result[0])", 0, NULL},
	{"isInf(result[1] / 0)", 1, NULL},
	{"isNaN(0 / 0)", 1, NULL},
	{"0/0 == 0/0", 0, NULL},                                /* NaN compares false, as in Go */
	{"true", 1, NULL},
	{"false || true", 1, NULL},
	{"true == (result[0] > 0)", 1, NULL},
	{"result[2] > 0", -1, "col 8: result[2] is out of range (the query returned 2 values)"},
	{"result[0.5] > 0", -1, "col 8: result[0.5] is out of range"},
	{"resutl[0] > 1", -1, "col 1: unknown name \"resutl\""},
	{"result[0] >", -1, "col 12: the condition ends where a value was expected"},
	{"result[0] = 1", -1, "col 11: \"=\" is not an operator; use == to compare"},
	{"result[0] > 1 &", -1, "col 15: unexpected \"&\" after the condition"},
	{"(result[0] > 1", -1, "col 15: \")\" expected"},
	{"result[0", -1, "col 9: \"]\" expected"},
	{"result[0] + 1", -1, "col 1: the condition is a number, not true or false"},
	{"result > 1", -1, "col 1: result has 2 values here; use result[i] or len(result)"},
	{"len(1) > 0", -1, "col 5: len() wants result, not a number"},
	{"len result", -1, "col 5: \"(\" expected after len"},
	{"!result[0]", -1, "col 1: a number where true or false is wanted"},
	{"result[0] > 1 && 2", -1, "col 18: a number where true or false is wanted"},
	{"@", -1, "col 1: unexpected \"@\""},
	{"result[1] % 0 == 1", -1, "col 11: modulo by zero"},
};

static void test_expr_table(void **state)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct tops_err err = {0};
		bool out = false;
		int rc = expr_eval(rows[i].src, r2, 2, &out, &err);
		if (rows[i].want < 0) {
			if (rc == 0 || !strstr(tops_err_msg(&err), rows[i].err))
				fail_msg("%s: want error [%s], got rc %d [%s]", rows[i].src, rows[i].err, rc, tops_err_msg(&err));
		} else if (rc != 0 || out != (rows[i].want == 1)) {
			fail_msg("%s: want %d, got rc %d out %d [%s]", rows[i].src, rows[i].want, rc, out, tops_err_msg(&err));
		}
		tops_err_clear(&err);
	}
}

static void test_expr_scalar_and_check(void **state)
{
	const double one[] = {0.5};
	bool out = false;
	struct tops_err err = {0};
	/* a one-value result stands for its value */
	assert_int_equal(expr_eval("result < 0.6", one, 1, &out, &err), 0);
	assert_true(out);
	/* checking parses without values; a syntax error is still found on the right of && */
	assert_int_equal(expr_check("result[0] > 1 && result[3] < 2", &err), 0);
	assert_int_not_equal(expr_check("result[0] > 1 && (", &err), 0);
	assert_non_null(strstr(tops_err_msg(&err), "col 19"));
	tops_err_clear(&err);
}

static struct gate_metric metric(const char *succ, const char *fail)
{
	return (struct gate_metric){.name = "m", .query = "q", .success = (char *)succ, .failure = (char *)fail,
				    .consecutive_error_limit = 4};
}

static enum gate_phase eval1(const struct gate_metric *m, double v, bool none, const char *qerr, char **msg)
{
	return gate_evaluate(m, &v, none ? 0 : 1, qerr, "up{x=\"1\"}", msg);
}

static void test_evaluate(void **state)
{
	char *msg;
	struct gate_metric only_s = metric("result[0] >= 0.95", NULL), only_f = metric(NULL, "result[0] > 0.1");
	struct gate_metric both = metric("result[0] >= 0.95", "result[0] < 0.5"), none = metric(NULL, NULL);
	assert_int_equal(eval1(&only_s, 0.97, false, NULL, &msg), GP_SUCCESSFUL);
	assert_null(msg);
	/* only a success condition: not successful is failed */
	assert_int_equal(eval1(&only_s, 0.9, false, NULL, &msg), GP_FAILED);
	assert_non_null(strstr(msg, "successCondition result[0] >= 0.95 is false (result 0.9)"));
	free(msg);
	/* only a failure condition: not failed is successful */
	assert_int_equal(eval1(&only_f, 0.05, false, NULL, &msg), GP_SUCCESSFUL);
	assert_int_equal(eval1(&only_f, 0.3, false, NULL, &msg), GP_FAILED);
	free(msg);
	/* both: neither true is inconclusive */
	assert_int_equal(eval1(&both, 0.7, false, NULL, &msg), GP_INCONCLUSIVE);
	assert_non_null(strstr(msg, "neither condition is true"));
	free(msg);
	assert_int_equal(eval1(&both, 0.3, false, NULL, &msg), GP_FAILED);
	free(msg);
	assert_int_equal(eval1(&none, 0.3, false, NULL, &msg), GP_SUCCESSFUL);
	/* no data is an Error that names the query; a query error is an Error */
	assert_int_equal(eval1(&only_s, 0, true, NULL, &msg), GP_ERROR);
	assert_non_null(strstr(msg, "no data"));
	assert_non_null(strstr(msg, "up{x=\"1\"}"));
	free(msg);
	assert_int_equal(eval1(&only_s, 0, true, "Prometheus unreachable", &msg), GP_ERROR);
	assert_non_null(strstr(msg, "Prometheus unreachable"));
	free(msg);
	/* a condition that cannot be evaluated on this result is an Error */
	struct gate_metric oob = metric("result[3] > 1", NULL);
	assert_int_equal(eval1(&oob, 1, false, NULL, &msg), GP_ERROR);
	assert_non_null(strstr(msg, "out of range"));
	free(msg);
}

static struct gate one_gate(struct gate_metric *m, size_t n)
{
	return (struct gate){.name = "g", .metrics = m, .n = n};
}

static void record(struct gate_run *run, size_t i, enum gate_phase p, double t)
{
	struct gate_measurement meas = {.t = t, .value = 1, .nvalues = 1, .phase = p};
	gate_run_record(run, i, &meas);
}

static void test_assess_limits(void **state)
{
	struct gate_metric m = metric("result[0] > 0", NULL);
	m.count = 4, m.interval_ms = 1000, m.failure_limit = 1;
	struct gate g = one_gate(&m, 1);
	struct gate_run run;
	gate_run_init(&run, &g, 0);
	assert_int_equal(run.r[0].phase, GP_PENDING);        /* no measurement yet */
	record(&run, 0, GP_FAILED, 1);
	assert_int_equal(run.phase, GP_RUNNING);          /* failed 1 is not > failureLimit 1 */
	record(&run, 0, GP_SUCCESSFUL, 2);
	record(&run, 0, GP_FAILED, 3);
	assert_int_equal(run.phase, GP_FAILED);           /* failed 2 > 1 */
	assert_int_equal(run.r[0].count, 3);
	gate_run_done(&run);

	/* errors do not count toward count; more than consecutiveErrorLimit in a row is Error */
	m = metric("result[0] > 0", NULL);
	m.count = 2, m.interval_ms = 1000, m.consecutive_error_limit = 2;
	gate_run_init(&run, &g, 0);
	record(&run, 0, GP_ERROR, 1);
	record(&run, 0, GP_ERROR, 2);
	record(&run, 0, GP_SUCCESSFUL, 3);                 /* resets the streak */
	record(&run, 0, GP_ERROR, 4);
	record(&run, 0, GP_ERROR, 5);
	assert_int_equal(run.phase, GP_RUNNING);
	assert_int_equal(run.r[0].count, 1);
	record(&run, 0, GP_ERROR, 6);
	assert_int_equal(run.phase, GP_ERROR);
	gate_run_done(&run);

	/* inconclusive beyond inconclusiveLimit (0) ends the metric Inconclusive */
	m = metric("result[0] > 1", "result[0] < 0");
	m.count = 3, m.interval_ms = 1000;
	gate_run_init(&run, &g, 0);
	record(&run, 0, GP_INCONCLUSIVE, 1);
	assert_int_equal(run.phase, GP_INCONCLUSIVE);
	gate_run_done(&run);

	/* count reached with failures within the limit is Successful */
	m = metric("result[0] > 0", NULL);
	m.count = 2, m.interval_ms = 1000, m.failure_limit = 1;
	gate_run_init(&run, &g, 0);
	record(&run, 0, GP_FAILED, 1);
	record(&run, 0, GP_SUCCESSFUL, 2);
	assert_int_equal(run.phase, GP_SUCCESSFUL);
	gate_run_done(&run);

	/* neither count nor interval: one measurement */
	m = metric("result[0] > 0", NULL);
	gate_run_init(&run, &g, 0);
	record(&run, 0, GP_SUCCESSFUL, 1);
	assert_int_equal(run.phase, GP_SUCCESSFUL);
	gate_run_done(&run);
}

static void test_run_worst_and_terminate(void **state)
{
	struct gate_metric ms[3] = {metric("result[0] > 0", NULL), metric("result[0] > 0", NULL),
				    metric("result[0] > 0", NULL)};
	ms[0].count = 3, ms[0].interval_ms = 1000;
	ms[1].count = 3, ms[1].interval_ms = 1000;
	ms[2].interval_ms = 1000;                          /* open-ended */
	struct gate g = one_gate(ms, 3);
	struct gate_run run;
	gate_run_init(&run, &g, 0);
	record(&run, 0, GP_SUCCESSFUL, 1);
	record(&run, 1, GP_FAILED, 1);
	/* one metric Failed: the others end (Successful, as Argo ends them) and the run is Failed */
	assert_int_equal(run.phase, GP_FAILED);
	assert_int_equal(run.r[0].phase, GP_SUCCESSFUL);
	assert_int_equal(run.r[2].phase, GP_SUCCESSFUL);
	assert_int_equal(gate_run_next(&run), -1);
	char *s = gate_run_summary(&run);
	assert_non_null(strstr(s, "metric m Failed after 1 measurement"));
	free(s);
	struct value *v = gate_run_to_value(&run);
	assert_string_equal(value_map_get(v, "phase")->u.str.s, "Failed");
	assert_int_equal(value_map_get(v, "metrics")->u.list.len, 3);
	value_unref(v);
	gate_run_done(&run);

	/* the open-ended metric keeps the run going until terminated */
	gate_run_init(&run, &g, 0);
	for (int i = 0; i < 3; i++)
		record(&run, 0, GP_SUCCESSFUL, i), record(&run, 1, GP_SUCCESSFUL, i);
	record(&run, 2, GP_SUCCESSFUL, 1);
	assert_int_equal(run.phase, GP_RUNNING);
	assert_int_equal(gate_run_next(&run), 2);
	gate_run_terminate(&run);
	assert_int_equal(run.phase, GP_SUCCESSFUL);
	gate_run_done(&run);
	/* worst order: Failed > Error > Inconclusive > Successful */
	assert_true(GP_FAILED > GP_ERROR && GP_ERROR > GP_INCONCLUSIVE && GP_INCONCLUSIVE > GP_SUCCESSFUL);
}

static void test_gate_file(void **state)
{
	const char *own =
		"name: testops\n"
		"metrics:\n"
		"- name: error-rate\n"
		"  query: sum(x{color=\"{{ .Color }}\"})\n"
		"  interval: 30s\n"
		"  count: 3\n"
		"  initialDelay: 1m\n"
		"  successCondition: result[0] < 0.05\n"
		"  failureLimit: 1\n";
	struct gate *g = NULL;
	struct tops_err err = {0};
	assert_int_equal(gate_parse(own, strlen(own), "g.yaml", NULL, &g, &err), 0);
	assert_int_equal(g->n, 1);
	assert_int_equal(g->metrics[0].interval_ms, 30000);
	assert_int_equal(g->metrics[0].initial_delay_ms, 60000);
	assert_int_equal(g->metrics[0].count, 3);
	assert_int_equal(g->metrics[0].failure_limit, 1);
	assert_int_equal(g->metrics[0].consecutive_error_limit, 4);
	struct value *vars = value_map();
	value_map_set(vars, "Color", value_str("green"));
	char *q = NULL;
	assert_int_equal(gate_query_text(&g->metrics[0], vars, &q, &err), 0);
	assert_string_equal(q, "sum(x{color=\"green\"})");
	free(q);
	value_unref(vars);
	gate_free(g);

	const char *bad = "metrics:\n- name: e\n  query: up\n  successCondition: result[0] >> 1\n";
	assert_int_not_equal(gate_parse(bad, strlen(bad), "g.yaml", NULL, &g, &err), 0);
	assert_non_null(strstr(tops_err_msg(&err), "g.yaml:4:21: successCondition: col 12: unexpected \">\""));
	tops_err_clear(&err);
	const char *typo = "metrics:\n- name: e\n  query: up\n  succesCondition: result[0] > 1\n";
	assert_int_not_equal(gate_parse(typo, strlen(typo), "g.yaml", NULL, &g, &err), 0);
	assert_non_null(strstr(tops_err_msg(&err), "g.yaml:4:20: unknown field \"succesCondition\""));
	tops_err_clear(&err);
	const char *dur = "metrics:\n- name: e\n  query: up\n  interval: soon\n";
	assert_int_not_equal(gate_parse(dur, strlen(dur), "g.yaml", NULL, &g, &err), 0);
	assert_non_null(strstr(tops_err_msg(&err), "g.yaml:4:13: interval: \"soon\" is not a duration"));
	tops_err_clear(&err);
}

static void test_analysis_template(void **state)
{
	const char *argo =
		"apiVersion: argoproj.io/v1alpha1\n"
		"kind: AnalysisTemplate\n"
		"metadata: {name: success-rate}\n"
		"spec:\n"
		"  args:\n"
		"  - name: service-name\n"
		"  - name: ns\n"
		"    value: testops\n"
		"  metrics:\n"
		"  - name: success-rate\n"
		"    successCondition: result[0] >= 0.95\n"
		"    interval: 20s\n"
		"    count: 3\n"
		"    failureLimit: 3\n"
		"    provider:\n"
		"      prometheus:\n"
		"        address: http://prometheus.example:9090\n"
		"        query: sum(x{svc=\"{{args.service-name}}\",ns=\"{{ args.ns }}\"})\n";
	struct gate *g = NULL;
	struct tops_err err = {0};
	/* an argument without a value is named */
	assert_int_not_equal(gate_parse(argo, strlen(argo), "at.yaml", NULL, &g, &err), 0);
	assert_non_null(strstr(tops_err_msg(&err), "argument service-name has no value: pass --arg service-name=VALUE"));
	tops_err_clear(&err);
	struct value *args = value_map();
	value_map_set(args, "service-name", value_str("testops"));
	assert_int_equal(gate_parse(argo, strlen(argo), "at.yaml", args, &g, &err), 0);
	assert_true(g->argo);
	assert_string_equal(g->name, "success-rate");
	assert_string_equal(g->metrics[0].address, "http://prometheus.example:9090");
	char *q = NULL;
	assert_int_equal(gate_query_text(&g->metrics[0], NULL, &q, &err), 0);
	assert_string_equal(q, "sum(x{svc=\"testops\",ns=\"testops\"})");
	free(q);
	assert_int_equal(g->metrics[0].failure_limit, 3);
	gate_free(g);
	value_unref(args);
	const char *web = "kind: AnalysisTemplate\nspec:\n  metrics:\n  - name: w\n    provider:\n      web: {url: x}\n";
	assert_int_not_equal(gate_parse(web, strlen(web), "w.yaml", NULL, &g, &err), 0);
	assert_non_null(strstr(tops_err_msg(&err), "only the prometheus provider is supported"));
	tops_err_clear(&err);
}

/* gate_execute with a scripted Prometheus and a simulated clock. */
struct fake {
	double now;
	int calls;
	const double *vals;
	int nvals;                    /* values per answer; 0: no data */
	int fail_first;               /* the first N queries fail */
};

static int fake_query(void *ud, const char *addr, const char *q, double **v, size_t *n, struct tops_err *err)
{
	struct fake *f = ud;
	int k = f->calls++;
	if (k < f->fail_first)
		return tops_err_set(err, TOPS_EHTTP, "Prometheus unreachable at http://127.0.0.1:1");
	*n = (size_t)f->nvals;
	*v = xcalloc(*n ? *n : 1, sizeof **v);
	for (size_t i = 0; i < *n; i++)
		(*v)[i] = f->vals[k % 4];
	return 0;
}

static void fake_sleep(void *ud, long ms) { ((struct fake *)ud)->now += (double)ms / 1000.0; }
static double fake_now(void *ud) { return ((struct fake *)ud)->now; }

static void test_execute(void **state)
{
	struct gate_metric m = metric("result[0] < 0.05", NULL);
	m.interval_ms = 10000, m.count = 3, m.initial_delay_ms = 5000;
	struct gate g = one_gate(&m, 1);
	static const double ok[] = {0.01, 0.02, 0.01, 0.01};
	struct fake f = {.now = 1000, .vals = ok, .nvals = 1, .fail_first = 1};
	struct gate_io io = {.query = fake_query, .sleep_ms = fake_sleep, .now = fake_now, .ud = &f};
	struct gate_run run;
	assert_int_equal(gate_execute(&g, NULL, &io, &run), GP_SUCCESSFUL);
	assert_int_equal(run.r[0].n, 4);                   /* one error, then 3 counted */
	assert_int_equal(run.r[0].m[0].phase, GP_ERROR);
	/* initial delay, then an interval after each measurement */
	assert_true(run.r[0].m[0].t >= 1005 && run.r[0].m[1].t >= 1015 && run.r[0].m[3].t >= 1035);
	gate_run_done(&run);
	/* no data at all: errors until the consecutive error limit */
	struct fake f2 = {.now = 0, .vals = ok, .nvals = 0};
	io.ud = &f2;
	m.initial_delay_ms = 0;
	assert_int_equal(gate_execute(&g, NULL, &io, &run), GP_ERROR);
	assert_int_equal(run.r[0].n, 5);                   /* 5 > consecutiveErrorLimit 4 */
	char *s = gate_run_summary(&run);
	assert_non_null(strstr(s, "no data"));
	free(s);
	gate_run_done(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expr_table),
		cmocka_unit_test(test_expr_scalar_and_check),
		cmocka_unit_test(test_evaluate),
		cmocka_unit_test(test_assess_limits),
		cmocka_unit_test(test_run_worst_and_terminate),
		cmocka_unit_test(test_gate_file),
		cmocka_unit_test(test_analysis_template),
		cmocka_unit_test(test_execute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
