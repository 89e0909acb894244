/* Unit tests for core/metrics: kubectl-top units, and freeing with queries in flight (their
 * callbacks must never run, nothing leaks: ASan checks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "core/prom/metrics.h"

static void fmt_cpu_is(double v, const char *want)
{
	char buf[32];
	metrics_fmt_cpu(buf, sizeof buf, v);
	assert_string_equal(buf, want);
}

static void fmt_bytes_is(double v, const char *want)
{
	char buf[32];
	metrics_fmt_bytes(buf, sizeof buf, v);
	assert_string_equal(buf, want);
}

static void test_units(void **state)
{
	(void)state;
	fmt_cpu_is(0.012, "12m");
	fmt_cpu_is(1.5, "1500m");
	fmt_cpu_is(12.25, "12.2");
	fmt_cpu_is(NAN, "-");
	fmt_bytes_is(512, "512");
	fmt_bytes_is(34 * 1048576.0, "34Mi");
	fmt_bytes_is(5 * 1073741824.0, "5120Mi");
	fmt_bytes_is(20 * 1073741824.0, "20Gi");
	fmt_bytes_is(NAN, "-");
}

static int changes;
static void on_change(void *ud) { (void)ud; changes++; }

static void test_free_in_flight(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct tops_err err = {0};
	struct http *h = http_new(&loop, &err);
	assert_non_null(h);
	/* A loopback port nothing listens on: the queries are in flight when freed. */
	struct promclient_opts po = {.loop = &loop, .http = h, .base_url = "http://127.0.0.1:9"};
	struct promclient *pc = promclient_new(&po);
	struct metrics_opts mo = {.loop = &loop, .pc = pc, .namespace_ = "testops", .on_change = on_change};
	struct metrics *m = metrics_new(&mo);
	metrics_start(m);
	uv_run(&loop, UV_RUN_NOWAIT);
	metrics_free(m);
	promclient_free(pc);
	http_free(h);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(changes, 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_unreachable_reports(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct tops_err err = {0};
	struct http *h = http_new(&loop, &err);
	struct promclient_opts po = {.loop = &loop, .http = h, .base_url = "http://127.0.0.1:9"};
	struct promclient *pc = promclient_new(&po);
	struct metrics_opts mo = {.loop = &loop, .pc = pc, .namespace_ = "testops", .on_change = on_change};
	struct metrics *m = metrics_new(&mo);
	changes = 0;
	metrics_refresh(m);
	while (changes == 0)
		uv_run(&loop, UV_RUN_ONCE);
	assert_non_null(metrics_error(m));
	assert_non_null(strstr(metrics_error(m), "Prometheus unreachable"));
	assert_true(metrics_age(m) < 0);
	assert_true(isnan(metrics_last(m, MET_CPU, "x")));
	metrics_free(m);
	promclient_free(pc);
	http_free(h);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_free_in_flight),
		cmocka_unit_test(test_unreachable_reports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
