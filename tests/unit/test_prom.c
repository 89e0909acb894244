/* Unit tests for core/prom: API decoding (vector, matrix, scalar, string, NaN/Inf, warnings,
 * errors), the exposition parser (HELP/TYPE, escapes, timestamps, histograms, summaries,
 * malformed input) and preset expansion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/prom/prom.h"

static int decode(const char *body, long status, struct prom_result *r, struct tops_err *err)
{
	return prom_decode(body, strlen(body), status, r, err);
}

static void test_vector(void **state)
{
	(void)state;
	struct prom_result r;
	const char *b = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
			"{\"metric\":{\"pod\":\"a\"},\"value\":[1700000000.5,\"0.25\"]},"
			"{\"metric\":{\"pod\":\"b\"},\"value\":[1700000000,\"NaN\"]},"
			"{\"metric\":{\"pod\":\"c\"},\"value\":[1700000000,\"+Inf\"]}]},"
			"\"warnings\":[\"partial\"]}";
	assert_int_equal(decode(b, 200, &r, NULL), 0);
	assert_int_equal(r.type, PROM_VECTOR);
	assert_int_equal(r.nseries, 3);
	assert_string_equal(value_map_get(r.series[0].labels, "pod")->u.str.s, "a");
	assert_true(r.series[0].samples[0].v == 0.25);
	assert_true(r.series[0].samples[0].t == 1700000000.5);
	assert_true(isnan(r.series[1].samples[0].v));
	assert_true(isinf(r.series[2].samples[0].v));
	assert_int_equal(r.nwarnings, 1);
	prom_result_done(&r);
}

static void test_matrix_scalar_string(void **state)
{
	(void)state;
	struct prom_result r;
	assert_int_equal(decode("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
				"{\"metric\":{},\"values\":[[1,\"1\"],[2,\"-Inf\"],[3,\"3.5\"]]}]}}", 200, &r, NULL), 0);
	assert_int_equal(r.series[0].n, 3);
	assert_true(r.series[0].samples[2].v == 3.5);
	assert_true(isinf(r.series[0].samples[1].v) && r.series[0].samples[1].v < 0);
	prom_result_done(&r);
	assert_int_equal(decode("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[5,\"42\"]}}", 200, &r, NULL), 0);
	assert_true(r.scalar.v == 42);
	prom_result_done(&r);
	assert_int_equal(decode("{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[5,\"hi\"]}}", 200, &r, NULL), 0);
	assert_string_equal(r.str, "hi");
	prom_result_done(&r);
}

static void test_errors(void **state)
{
	(void)state;
	struct prom_result r;
	struct tops_err err = {0};
	assert_true(decode("{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error at char 5\"}", 400, &r, &err) < 0);
	assert_non_null(strstr(err.msg, "bad_data"));
	assert_non_null(strstr(err.msg, "parse error at char 5"));
	tops_err_clear(&err);
	assert_true(decode("{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out\"}", 503, &r, &err) < 0);
	assert_int_equal(err.code, TOPS_ETIMEOUT);
	tops_err_clear(&err);
	assert_true(decode("<html>502 Bad Gateway</html>", 502, &r, &err) < 0);
	assert_non_null(strstr(err.msg, "HTTP 502"));
	tops_err_clear(&err);
	assert_true(decode("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"value\":[1]}]}}", 200, &r, &err) < 0);
	tops_err_clear(&err);
	assert_true(decode("{\"status\":\"succ", 200, &r, &err) < 0);
	assert_non_null(strstr(err.msg, "malformed JSON"));
	tops_err_clear(&err);
}

static const char *expo =
	"# HELP http_requests_total The total number of \\\\ requests.\\nSecond line\n"
	"# TYPE http_requests_total counter\n"
	"http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
	"http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
	"\n"
	"msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
	"# TYPE rpc_duration_seconds histogram\n"
	"rpc_duration_seconds_bucket{le=\"0.05\"} 24054\n"
	"rpc_duration_seconds_bucket{le=\"+Inf\"} 144320\n"
	"rpc_duration_seconds_sum 53423\n"
	"rpc_duration_seconds_count 144320\n"
	"# TYPE rpc_summary summary\n"
	"rpc_summary{quantile=\"0.99\"} NaN\n"
	"rpc_summary_sum 1.7560473e+07\n"
	"rpc_summary_count 2693\n"
	"metric_without_timestamp_and_labels 12.47\n";

static void test_exposition(void **state)
{
	(void)state;
	struct prom_text t;
	struct tops_err err = {0};
	assert_int_equal(prom_text_parse(expo, strlen(expo), &t, &err), 0);
	const struct prom_family *f = prom_text_find(&t, "http_requests_total");
	assert_non_null(f);
	assert_int_equal(f->type, PROM_COUNTER);
	assert_string_equal(f->help, "The total number of \\ requests.\nSecond line");
	assert_int_equal(f->n, 2);
	assert_true(f->samples[0].has_ts && f->samples[0].ts_ms == 1395066363000LL);
	f = prom_text_find(&t, "msdos_file_access_time_seconds");
	assert_string_equal(value_map_get(f->samples[0].labels, "path")->u.str.s, "C:\\DIR\\FILE.TXT");
	assert_string_equal(value_map_get(f->samples[0].labels, "error")->u.str.s, "Cannot find file:\n\"FILE.TXT\"");
	f = prom_text_find(&t, "rpc_duration_seconds");
	assert_int_equal(f->type, PROM_HISTOGRAM);
	assert_int_equal(f->n, 4);
	f = prom_text_find(&t, "rpc_summary");
	assert_int_equal(f->n, 3);
	assert_true(isnan(f->samples[0].value));
	assert_non_null(prom_text_find(&t, "metric_without_timestamp_and_labels"));
	prom_text_done(&t);
}

static void bad(const char *text, const char *want)
{
	struct prom_text t;
	struct tops_err err = {0};
	assert_true(prom_text_parse(text, strlen(text), &t, &err) < 0);
	assert_non_null(strstr(err.msg, want));
	tops_err_clear(&err);
}

static void test_exposition_malformed(void **state)
{
	(void)state;
	bad("a{b=\"c} 1\n", "metrics:1:");
	bad("ok 1\nx{b=c} 1\n", "metrics:2:");
	bad("x 1 2 3\n", "unexpected text");
	bad("x abc\n", "invalid sample value");
	bad("# TYPE x bogus\n", "unknown metric type");
	bad("{a=\"b\"} 1\n", "invalid metric name");
	bad("x{a=\"\\q\"} 1\n", "invalid label value");
}

static void test_expand(void **state)
{
	(void)state;
	struct value *vars = value_map();
	value_map_set(vars, "namespace", value_str("testops"));
	value_map_set(vars, "pods", value_str("a|b"));
	value_map_set(vars, "pod", value_str("WRONG"));
	value_map_set(vars, "rate", value_str("1m"));
	char *q = prom_expand(prom_preset_query("cpu"), vars);
	assert_non_null(strstr(q, "pod=~\"a|b\""));
	assert_non_null(strstr(q, "namespace=\"testops\""));
	assert_non_null(strstr(q, "[1m]"));
	assert_null(strstr(q, "$"));
	free(q);
	q = prom_expand("x{a=\"$unknown\"}", vars);
	assert_string_equal(q, "x{a=\"$unknown\"}");
	free(q);
	value_unref(vars);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector), cmocka_unit_test(test_matrix_scalar_string),
		cmocka_unit_test(test_errors), cmocka_unit_test(test_exposition),
		cmocka_unit_test(test_exposition_malformed), cmocka_unit_test(test_expand),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
