/* Unit tests for core/snapshot's compare and report: every kind of change, health deltas,
 * drift, PVC growth, metric regressions by direction and threshold (per query too), golden
 * files, the default pair, --max-regression parsing, and the three output formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/snapshot/compare.h"
#include "core/snapshot/report.h"
#include "core/snapshot/snaprecord.h"

static struct value *json(const char *s)
{
	struct tops_err err = {0};
	struct value *v = value_from_json(s, strlen(s), &err);
	if (!v)
		fail_msg("bad fixture: %s", tops_err_msg(&err));
	return v;
}

#define DIG_A "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIG_B "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static const char rec_a[] =
	"{\"apiVersion\":\"tops.snapshot/v1\",\"id\":\"r-1-golden-1\",\"label\":\"golden\",\"takenAt\":\"2026-12-08T01:00:00Z\","
	"\"release\":{\"name\":\"r\",\"namespace\":\"ns\",\"revision\":1,\"chart\":\"testops-1.0.0\",\"appVersion\":\"2.5.3\","
	" \"values\":{\"runner.replicas\":\"2\",\"secrets.apiToken\":\"<secret sha256:111111111111>\",\"old.key\":\"x\"}},"
	"\"objects\":[{\"ref\":\"Deployment/r-runner\",\"sha256\":\"1\"},{\"ref\":\"ConfigMap/r\",\"sha256\":\"c1\"},{\"ref\":\"Service/gone\",\"sha256\":\"s\"}],"
	"\"workloads\":[{\"ref\":\"deployment/r-runner\",\"desired\":2,\"ready\":2,\"restarts\":1,"
	"  \"images\":[{\"container\":\"runner\",\"image\":\"reg/runner@" DIG_A "\",\"pinned\":\"" DIG_A "\",\"running\":[\"" DIG_A "\"],\"drift\":false}]}],"
	"\"pods\":{\"total\":2,\"ready\":2},"
	"\"pvcs\":[{\"name\":\"data\",\"phase\":\"Bound\",\"capacity\":\"5Gi\",\"usedBytes\":1000},{\"name\":\"same\",\"phase\":\"Bound\",\"capacity\":\"1Gi\",\"usedBytes\":null}],"
	"\"metrics\":{\"series\":[{\"name\":\"error_rate\",\"value\":0.01,\"worse\":\"up\"},{\"name\":\"job_throughput\",\"value\":2.0,\"worse\":\"down\"},"
	"  {\"name\":\"request_latency_p95\",\"value\":0.2,\"worse\":\"up\"},{\"name\":\"request_rate\",\"value\":10,\"worse\":\"none\"},"
	"  {\"name\":\"nodata\",\"value\":null,\"worse\":\"up\"}],"
	"  \"queries\":[{\"name\":\"q_tight\",\"query\":\"x\",\"value\":100,\"worse\":\"up\",\"threshold\":0.01},"
	"             {\"name\":\"q_loose\",\"query\":\"y\",\"value\":100,\"worse\":\"up\",\"threshold\":0.5}],"
	"  \"workloads\":[{\"ref\":\"deployment/r-runner\",\"cpu\":{\"p95\":0.1},\"memory\":{\"p95\":1048576}}]},"
	"\"golden\":{\"status\":\"recorded\",\"files\":[{\"path\":\"/g/a\",\"sha256\":\"1\"},{\"path\":\"/g/b\",\"sha256\":\"2\"}]},"
	"\"objectStore\":{\"status\":\"not configured\"}}";

static const char rec_b[] =
	"{\"apiVersion\":\"tops.snapshot/v1\",\"id\":\"r-2-post-2\",\"label\":\"post\",\"takenAt\":\"2026-12-08T02:00:00Z\","
	"\"release\":{\"name\":\"r\",\"namespace\":\"ns\",\"revision\":2,\"chart\":\"testops-1.1.0\",\"appVersion\":\"2.5.3\","
	" \"values\":{\"runner.replicas\":\"3\",\"secrets.apiToken\":\"<secret sha256:222222222222>\",\"new.key\":\"y\"}},"
	"\"objects\":[{\"ref\":\"Deployment/r-runner\",\"sha256\":\"2\"},{\"ref\":\"ConfigMap/r\",\"sha256\":\"c2\"},{\"ref\":\"Job/new\",\"sha256\":\"j\"}],"
	"\"workloads\":[{\"ref\":\"deployment/r-runner\",\"desired\":3,\"ready\":2,\"restarts\":4,"
	"  \"images\":[{\"container\":\"runner\",\"image\":\"reg/runner@" DIG_B "\",\"pinned\":\"" DIG_B "\",\"running\":[\"" DIG_A "\",\"" DIG_B "\"],\"drift\":true}]}],"
	"\"pods\":{\"total\":3,\"ready\":2},"
	"\"pvcs\":[{\"name\":\"data\",\"phase\":\"Bound\",\"capacity\":\"5Gi\",\"usedBytes\":1500},{\"name\":\"same\",\"phase\":\"Bound\",\"capacity\":\"1Gi\",\"usedBytes\":null}],"
	"\"metrics\":{\"series\":[{\"name\":\"error_rate\",\"value\":0.3,\"worse\":\"up\"},{\"name\":\"job_throughput\",\"value\":1.0,\"worse\":\"down\"},"
	"  {\"name\":\"request_latency_p95\",\"value\":0.21,\"worse\":\"up\"},{\"name\":\"request_rate\",\"value\":1,\"worse\":\"none\"},"
	"  {\"name\":\"nodata\",\"value\":null,\"worse\":\"up\"}],"
	"  \"queries\":[{\"name\":\"q_tight\",\"query\":\"x\",\"value\":105,\"worse\":\"up\",\"threshold\":0.01},"
	"             {\"name\":\"q_loose\",\"query\":\"y\",\"value\":140,\"worse\":\"up\",\"threshold\":0.5}],"
	"  \"workloads\":[{\"ref\":\"deployment/r-runner\",\"cpu\":{\"p95\":0.2},\"memory\":{\"p95\":2097152}}]},"
	"\"golden\":{\"status\":\"recorded\",\"files\":[{\"path\":\"/g/a\",\"sha256\":\"1x\"},{\"path\":\"/g/c\",\"sha256\":\"3\"}]},"
	"\"objectStore\":{\"status\":\"not configured\"}}";

/* The entry of report list `key` whose field f is v (and, when w, whose what is w). */
static const struct value *find(const struct value *rep, const char *key, const char *f, const char *v)
{
	const struct value *l = value_map_get(rep, key);
	for (size_t i = 0; l && i < l->u.list.len; i++)
		if (!strcmp(snaprecord_str(l->u.list.items[i], f, ""), v))
			return l->u.list.items[i];
	return NULL;
}

static const struct value *change(const struct value *rep, const char *what, const char *f, const char *v)
{
	const struct value *l = value_map_get(rep, "changes");
	for (size_t i = 0; l && i < l->u.list.len; i++)
		if (!strcmp(snaprecord_str(l->u.list.items[i], "what", ""), what) &&
		    (!f || !strcmp(snaprecord_str(l->u.list.items[i], f, ""), v)))
			return l->u.list.items[i];
	return NULL;
}

static bool is_regression(const struct value *e)
{
	const struct value *r = value_map_get(e, "regression");
	return r && r->type == V_BOOL && r->u.b;
}

static void test_changes(void **state)
{
	(void)state;
	struct value *a = json(rec_a), *b = json(rec_b);
	struct value *rep = snapcompare_run(a, b, NULL);
	assert_int_equal(snaprecord_int(change(rep, "revision", NULL, NULL), "to", 0), 2);
	assert_string_equal(snaprecord_str(change(rep, "chart", NULL, NULL), "to", ""), "testops-1.1.0");
	assert_null(change(rep, "appVersion", NULL, NULL));
	assert_string_equal(snaprecord_str(change(rep, "value", "key", "runner.replicas"), "to", ""), "3");
	const struct value *sec = change(rep, "value", "key", "secrets.apiToken");
	assert_non_null(sec);
	assert_true(str_has_prefix(snaprecord_str(sec, "to", ""), "<secret"));
	assert_true(value_map_get(change(rep, "value", "key", "old.key"), "to")->type == V_NULL);
	assert_string_equal(snaprecord_str(change(rep, "value", "key", "new.key"), "to", ""), "y");
	assert_int_equal(snaprecord_int(change(rep, "replicas", NULL, NULL), "to", 0), 3);
	assert_string_equal(snaprecord_str(change(rep, "image", NULL, NULL), "to", ""), "reg/runner@" DIG_B);
	assert_string_equal(snaprecord_str(change(rep, "digest", NULL, NULL), "to", ""), DIG_A "," DIG_B);
	assert_string_equal(snaprecord_str(change(rep, "config", "ref", "ConfigMap/r"), "change", ""), "changed");
	assert_string_equal(snaprecord_str(change(rep, "object", "ref", "Job/new"), "change", ""), "added");
	assert_string_equal(snaprecord_str(change(rep, "object", "ref", "Service/gone"), "change", ""), "removed");
	assert_string_equal(snaprecord_str(change(rep, "object", "ref", "Deployment/r-runner"), "change", ""), "changed");
	value_unref(rep), value_unref(a), value_unref(b);
}

static void test_health_drift_pvcs(void **state)
{
	(void)state;
	struct value *a = json(rec_a), *b = json(rec_b), *rep = snapcompare_run(a, b, NULL);
	const struct value *r = find(rep, "health", "what", "restarts");
	assert_int_equal(snaprecord_int(r, "delta", 0), 3);
	const struct value *nr = find(rep, "health", "what", "pods not ready");
	assert_int_equal(snaprecord_int(nr, "to", 0), 1);
	assert_true(is_regression(nr));
	assert_non_null(find(rep, "health", "what", "workload not ready"));
	const struct value *d = find(rep, "drift", "workload", "deployment/r-runner");
	assert_string_equal(snaprecord_str(d, "pinned", ""), DIG_B);
	const struct value *p = find(rep, "pvcs", "name", "data");
	assert_int_equal(snaprecord_int(p, "growthPercent", 0), 50);
	assert_null(find(rep, "pvcs", "name", "same"));
	value_unref(rep), value_unref(a), value_unref(b);
}

static void test_metrics(void **state)
{
	(void)state;
	struct value *a = json(rec_a), *b = json(rec_b), *rep = snapcompare_run(a, b, NULL);
	assert_true(is_regression(find(rep, "metrics", "name", "error_rate")));          /* up 2900% */
	assert_true(is_regression(find(rep, "metrics", "name", "job_throughput")));      /* down 50% */
	assert_false(is_regression(find(rep, "metrics", "name", "request_latency_p95"))); /* up 5% < 10% */
	assert_false(is_regression(find(rep, "metrics", "name", "request_rate")));       /* no direction */
	assert_null(find(rep, "metrics", "name", "nodata"));
	assert_true(is_regression(find(rep, "metrics", "name", "q_tight")));             /* 5% > 1% */
	assert_false(is_regression(find(rep, "metrics", "name", "q_loose")));            /* 40% < 50% */
	assert_false(is_regression(find(rep, "metrics", "name", "cpu p95 deployment/r-runner")));
	/* 3 metrics + the pod not ready */
	assert_int_equal(snapcompare_regressions(rep), 4);
	value_unref(rep);
	/* --max-regression 3% makes the latency one too; the queries keep their own thresholds */
	struct snapcompare_opts o = {.max_regression = 0.03};
	rep = snapcompare_run(a, b, &o);
	assert_true(is_regression(find(rep, "metrics", "name", "request_latency_p95")));
	assert_false(is_regression(find(rep, "metrics", "name", "q_loose")));
	assert_int_equal(snapcompare_regressions(rep), 5);
	value_unref(rep);
	/* the same snapshot against itself: nothing */
	rep = snapcompare_run(a, a, NULL);
	assert_int_equal(snapcompare_regressions(rep), 0);
	assert_int_equal(value_map_get(rep, "changes")->u.list.len, 0);
	value_unref(rep), value_unref(a), value_unref(b);
}

static void test_golden(void **state)
{
	(void)state;
	struct value *a = json(rec_a), *b = json(rec_b), *rep = snapcompare_run(a, b, NULL);
	const struct value *g = value_map_get(rep, "golden");
	assert_string_equal(value_map_get(g, "added")->u.list.items[0]->u.str.s, "/g/c");
	assert_string_equal(value_map_get(g, "removed")->u.list.items[0]->u.str.s, "/g/b");
	assert_string_equal(value_map_get(g, "changed")->u.list.items[0]->u.str.s, "/g/a");
	value_unref(rep);
	value_map_set(value_map_get(b, "golden"), "status", value_str("skipped"));
	rep = snapcompare_run(a, b, NULL);
	assert_false(value_map_path(rep, "golden.compared")->u.b);
	assert_int_equal(value_map_path(rep, "golden.changed")->u.list.len, 0);
	value_unref(rep), value_unref(a), value_unref(b);
}

static struct value *mk(const char *id, const char *label)
{
	char buf[512];
	snprintf(buf, sizeof buf, "{\"apiVersion\":\"tops.snapshot/v1\",\"id\":\"%s\",\"label\":\"%s\","
		 "\"release\":{\"name\":\"r\",\"namespace\":\"ns\",\"revision\":1}}", id, label);
	return json(buf);
}

static void test_pick(void **state)
{
	(void)state;
	struct value *recs[5] = {mk("g1", "golden"), mk("g2", "golden"), mk("pre", "pre"), mk("post", "post"), mk("m", "manual")};
	const struct value *a, *b;
	struct tops_err err = {0};
	/* newest is a manual one: the latest golden against it */
	assert_int_equal(snapcompare_pick(recs, 5, NULL, NULL, &a, &b, &err), 0);
	assert_string_equal(snaprecord_str(a, "id", ""), "g2");
	assert_string_equal(snaprecord_str(b, "id", ""), "m");
	/* newest is a post: its pre */
	assert_int_equal(snapcompare_pick(recs, 4, NULL, NULL, &a, &b, &err), 0);
	assert_string_equal(snaprecord_str(a, "id", ""), "pre");
	assert_string_equal(snaprecord_str(b, "id", ""), "post");
	/* A only: A against the newest */
	assert_int_equal(snapcompare_pick(recs, 5, "g1", NULL, &a, &b, &err), 0);
	assert_string_equal(snaprecord_str(b, "id", ""), "m");
	assert_int_equal(snapcompare_pick(recs, 5, "m", NULL, &a, &b, &err), 0);
	assert_string_equal(snaprecord_str(b, "id", ""), "post");
	/* errors */
	assert_int_equal(snapcompare_pick(recs, 5, "nope", NULL, &a, &b, &err), -TOPS_ENOENT);
	assert_non_null(strstr(tops_err_msg(&err), "nope not found"));
	assert_int_equal(snapcompare_pick(recs, 1, NULL, NULL, &a, &b, &err), -TOPS_ENOENT);
	assert_non_null(strstr(tops_err_msg(&err), "no golden snapshot older than g1"));
	assert_int_equal(snapcompare_pick(recs, 0, NULL, NULL, &a, &b, &err), -TOPS_ENOENT);
	tops_err_clear(&err);
	for (int i = 0; i < 5; i++)
		value_unref(recs[i]);
}

static void test_pct(void **state)
{
	(void)state;
	assert_true(fabs(snapcompare_parse_pct("10%") - 0.10) < 1e-12);
	assert_true(fabs(snapcompare_parse_pct("2.5") - 0.025) < 1e-12);
	assert_true(snapcompare_parse_pct("ten") < 0);
	assert_true(snapcompare_parse_pct("-5%") < 0);
	assert_true(snapcompare_parse_pct("5%%") < 0);
	assert_true(snapcompare_parse_pct("") < 0);
}

static void test_report(void **state)
{
	(void)state;
	struct value *a = json(rec_a), *b = json(rec_b), *rep = snapcompare_run(a, b, NULL);
	struct strbuf t = STRBUF_INIT, m = STRBUF_INIT, j = STRBUF_INIT;
	struct tops_err err = {0};
	assert_int_equal(snapreport_write(rep, "text", &t, &err), 0);
	assert_non_null(strstr(t.buf, "  REGRESSION error_rate 0.01 → 0.3 (+2900.0%), limit 10% up\n"));
	assert_non_null(strstr(t.buf, "  digest deployment/r-runner runner: " DIG_A " → " DIG_A "," DIG_B "\n"));
	assert_non_null(strstr(t.buf, "  restarts deployment/r-runner: 1 → 4 (+3)\n"));
	assert_non_null(strstr(t.buf, "  pvc data: 1000 → 1.5Ki (+50.0%)\n"));
	assert_non_null(strstr(t.buf, "  changed /g/a\n"));
	assert_non_null(strstr(t.buf, "Result: 4 regressions\n"));
	assert_null(strstr(t.buf, "hunter"));
	assert_int_equal(snapreport_write(rep, "markdown", &m, &err), 0);
	assert_true(str_has_prefix(m.buf, "## snapshot-compare r (namespace ns)\n"));
	assert_non_null(strstr(m.buf, "### Metrics (max regression 10%)\n"));
	assert_non_null(strstr(m.buf, "- **REGRESSION** job_throughput 2 → 1 (-50.0%), limit 10% down\n"));
	assert_non_null(strstr(m.buf, "**Result:** 4 regressions\n"));
	assert_int_equal(snapreport_write(rep, "json", &j, &err), 0);
	struct value *back = value_from_json(j.buf, j.len, &err);
	assert_non_null(back);
	assert_int_equal(snaprecord_int(back, "regressions", 0), 4);
	value_unref(back);
	struct strbuf x = STRBUF_INIT;
	assert_int_equal(snapreport_write(rep, "xml", &x, &err), -TOPS_EINVAL);
	assert_non_null(strstr(tops_err_msg(&err), "text, json or markdown"));
	tops_err_clear(&err);
	sb_done(&t), sb_done(&m), sb_done(&j), sb_done(&x);
	value_unref(rep), value_unref(a), value_unref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_health_drift_pvcs),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_pct),
		cmocka_unit_test(test_report),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
