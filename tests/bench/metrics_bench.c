/* Loop-thread CPU per metrics refresh: every preset as one range query for the namespace,
 * decoded on the threadpool, applied to the ring buffers. Usage: metrics_bench PROM_URL NS N. */
#include "core/prom/metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static bool landed;
static void on_change(void *ud) { (void)ud; landed = true; }

static double thread_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void count(void *ud, const char *key, double last) { (void)key; (void)last; ++*(size_t *)ud; }

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	uv_loop_t *loop = uv_default_loop();
	struct tops_err err = {0};
	struct http *h = http_new(loop, &err);
	struct promclient_opts po = {.loop = loop, .http = h, .base_url = argv[1], .timeout_ms = 60000};
	struct promclient *pc = promclient_new(&po);
	struct tops_config cfg = {.refresh_ms = 10000, .window_ms = 15 * 60000, .rate = "1m"};
	cfg.root = value_map();
	struct metrics_opts mo = {.loop = loop, .pc = pc, .cfg = &cfg, .namespace_ = argv[2], .on_change = on_change};
	struct metrics *m = metrics_new(&mo);
	int rounds = atoi(argv[3]);
	double worst = 0, total = 0, apply = 0;
	for (int i = 0; i < rounds; i++) {
		landed = false;
		double t0 = thread_ms();
		metrics_refresh(m);
		while (!landed)
			uv_run(loop, UV_RUN_ONCE);
		double d = thread_ms() - t0;
		total += d;
		apply += metrics_last_apply_ms(m);
		worst = d > worst ? d : worst;
	}
	size_t pods = 0;
	metrics_each(m, MET_CPU, count, &pods);
	printf("bench metrics-refresh: %zu pods, %d refreshes, loop-thread CPU per refresh avg %.1f ms, "
	       "worst %.1f ms, of which applying to the buffers %.1f ms (target <= 50 ms)%s%s\n", pods, rounds,
	       total / rounds, worst, apply / rounds,
	       metrics_error(m) ? "; error: " : "", metrics_error(m) ? metrics_error(m) : "");
	metrics_free(m);
	promclient_free(pc);
	http_free(h);
	uv_run(loop, UV_RUN_DEFAULT);
	value_unref(cfg.root);
	return 0;
}
