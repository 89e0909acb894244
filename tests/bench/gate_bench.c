/* Loop-thread CPU of one gate round of 10 metrics: each metric's query templated, a 20-series
 * Prometheus answer decoded, both conditions evaluated and the measurement recorded (the
 * Prometheus round trip itself is the network's, not the loop's). Prints the mean per round. */
#include "core/gate/gate.h"
#include "core/prom/prom.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200;
	struct strbuf gf = STRBUF_INIT, body = STRBUF_INIT;
	sb_addf(&gf, "metrics:\n");
	for (int i = 0; i < 10; i++)
		sb_addf(&gf, "- name: m%d\n  query: sum(rate(x_total{namespace=\"{{ .Namespace }}\",color=\"{{ .Color }}\",code=~\"5..\"}[1m])) by (pod)\n"
			"  interval: 10s\n  count: 100000\n  successCondition: len(result) > 0 && result[0] < 0.05\n  failureCondition: result[0] > 0.5\n", i);
	sb_addf(&body, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[");
	for (int i = 0; i < 20; i++)
		sb_addf(&body, "%s{\"metric\":{\"pod\":\"testops-green-runner-%d\"},\"value\":[1700000000.123,\"0.0%d1\"]}", i ? "," : "", i, i % 9);
	sb_addf(&body, "]}}");
	struct gate *g = NULL;
	struct tops_err err = {0};
	if (gate_parse(gf.buf, gf.len, "bench.yaml", NULL, &g, &err) < 0)
		return fprintf(stderr, "%s\n", tops_err_msg(&err)), 1;
	struct value *vars = value_map();
	value_map_set(vars, "Namespace", value_str("testops"));
	value_map_set(vars, "Color", value_str("green"));
	struct gate_run run;
	gate_run_init(&run, g, 0);
	double t0 = cpu_ms();
	for (int r = 0; r < rounds; r++)
		for (size_t i = 0; i < g->n; i++) {
			char *q = NULL, *msg = NULL;
			struct prom_result res = {0};
			gate_query_text(&g->metrics[i], vars, &q, &err);
			prom_decode(body.buf, body.len, 200, &res, &err);
			double v[32];
			for (size_t k = 0; k < res.nseries && k < 32; k++)
				v[k] = res.series[k].samples[0].v;
			enum gate_phase p = gate_evaluate(&g->metrics[i], v, res.nseries, NULL, q, &msg);
			struct gate_measurement m = {.t = r, .value = v[0], .nvalues = res.nseries, .phase = p, .message = msg};
			gate_run_record(&run, i, &m);
			prom_result_done(&res);
			free(q);
		}
	double per = (cpu_ms() - t0) / rounds;
	printf("bench gate-round: 10 metrics, %.3f ms loop CPU per round (target <= 5 ms; %.2fx of the target)\n", per, per / 5.0);
	gate_run_done(&run);
	value_unref(vars);
	gate_free(g);
	sb_done(&gf), sb_done(&body);
	return 0;
}
