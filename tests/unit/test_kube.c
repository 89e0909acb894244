/* Unit tests for core/kube: kinds and aliases, API paths, selectors, timestamps, durations,
 * Status errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/timefmt.h"
#include "core/kube/kube.h"

static void test_kinds(void **state)
{
	(void)state;
	static const struct { const char *in; enum kube_kind k; } t[] = {
		{"po", KK_POD}, {"pods", KK_POD}, {"Pod", KK_POD}, {"pvc", KK_PVC},
		{"persistentvolumeclaims", KK_PVC}, {"deploy", KK_DEPLOYMENT},
		{"deployments.apps", KK_DEPLOYMENT}, {"rs", KK_REPLICASET}, {"sts", KK_STATEFULSET},
		{"statefulset", KK_STATEFULSET}, {"svc", KK_SERVICE}, {"ev", KK_EVENT}, {"events", KK_EVENT}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		const struct kube_kind_info *ki = kube_kind_lookup(t[i].in);
		assert_non_null(ki);
		assert_int_equal(ki->kind, t[i].k);
	}
	assert_null(kube_kind_lookup("nodes"));
	assert_null(kube_kind_lookup(""));
	assert_string_equal(kube_kind_info(KK_DEPLOYMENT)->name_prefix, "deployment.apps");
}

static void test_paths(void **state)
{
	(void)state;
	char *p = kube_path(KK_POD, "testops", NULL, "limit=500");
	assert_string_equal(p, "/api/v1/namespaces/testops/pods?limit=500");
	free(p);
	p = kube_path(KK_DEPLOYMENT, NULL, NULL, NULL);
	assert_string_equal(p, "/apis/apps/v1/deployments");
	free(p);
	p = kube_path(KK_STATEFULSET, "a", "db", NULL);
	assert_string_equal(p, "/apis/apps/v1/namespaces/a/statefulsets/db");
	free(p);
	struct strbuf sb = STRBUF_INIT;
	kube_query_escape(&sb, "app in (a,b),!x");
	assert_string_equal(sb_str(&sb), "app%20in%20%28a%2Cb%29%2C%21x");
	sb_done(&sb);
}

static const char *const labels[][2] = {{"app", "web"}, {"tier", "front"}, {"env", "prod"}};

static const char *lookup(const void *obj, const char *key)
{
	(void)obj;
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(labels[i][0], key))
			return labels[i][1];
	return NULL;
}

static void test_selectors(void **state)
{
	(void)state;
	static const struct { const char *sel; bool match; } t[] = {
		{"", true}, {"app=web", true}, {"app==web", true}, {"app!=web", false},
		{"app=db", false}, {"app in (db,web)", true}, {"app notin (db,web)", false},
		{"app notin (db)", true}, {"tier", true}, {"!tier", false}, {"!missing", true},
		{"missing", false}, {"app=web,tier=front", true}, {"app=web, env=dev", false},
		{"missing!=x", true}, {"missing in (x)", false}};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct kube_selector *s = NULL;
		struct tops_err err = {0};
		assert_int_equal(kube_selector_parse(t[i].sel, false, &s, &err), 0);
		print_message("selector %s\n", t[i].sel);
		assert_int_equal(kube_selector_match(s, lookup, NULL), t[i].match);
		kube_selector_free(s);
	}
	static const char *const bad[] = {"app in a", "app in (a", "=x", "a=b,", "a=b c"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct kube_selector *s = NULL;
		struct tops_err err = {0};
		assert_int_equal(kube_selector_parse(bad[i], false, &s, &err), -TOPS_EINVAL);
		assert_non_null(strstr(err.msg, "column"));
		assert_null(s);
		tops_err_clear(&err);
	}
	struct kube_selector *f = NULL;
	assert_int_equal(kube_selector_parse("metadata.name=web-1,status.phase!=Failed", true, &f, NULL), 0);
	kube_selector_free(f);
}

static void test_scan_continue(void **state)
{
	(void)state;
	static const struct { const char *body, *want; } cases[] = {
		{"{\"metadata\":{\"continue\":\"eyJ2IjoxfQ\"},\"items\":[]}", "eyJ2IjoxfQ"},
		{"{\"metadata\":{\"resourceVersion\":\"5\"},\"items\":[]}", NULL},   /* last page */
		{"{\"metadata\":{\"continue\":\"\"}}", NULL},                       /* empty token */
		{"{\"metadata\":{\"continue\":\"a\\u0026b\"}}", NULL},            /* escaped: parse it */
		{"{\"metadata\":{\"continue\":\"t1\"},\"items\":[{\"x\":{\"continue\":\"t2\"}}]}", NULL},
		{"{\"metadata\":{\"continue\":\"cut", NULL},                          /* truncated */
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char *got = kube_scan_continue(cases[i].body, strlen(cases[i].body));
		if (cases[i].want)
			assert_string_equal(got, cases[i].want);
		else
			assert_null(got);
		free(got);
	}
}

static void test_time(void **state)
{
	(void)state;
	assert_int_equal(time_parse_rfc3339("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(time_parse_rfc3339("2024-05-01T12:00:00Z"), 1714564800);
	assert_int_equal(time_parse_rfc3339("2024-05-01T12:00:00.123456Z"), 1714564800);
	assert_int_equal(time_parse_rfc3339("2024-05-01T14:00:00+02:00"), 1714564800);
	assert_int_equal(time_parse_rfc3339("garbage"), 0);
	assert_int_equal(time_parse_rfc3339(NULL), 0);
	assert_int_equal(time_parse_rfc3339("2024-05-01T10:30:00-01:30"), 1714564800);
	assert_int_equal(time_parse_rfc3339("2024-05-01 12:00:00Z"), 0);
	assert_int_equal(time_parse_rfc3339("2024-13-01T12:00:00Z"), 0);
	assert_int_equal(time_parse_rfc3339("2024-05-01T12:0"), 0);
	assert_int_equal(time_parse_duration_ms("30s"), 30000);
	assert_int_equal(time_parse_duration_ms("1m30s"), 90000);
	assert_int_equal(time_parse_duration_ms("500ms"), 500);
	assert_int_equal(time_parse_duration_ms("2h"), 7200000);
	assert_int_equal(time_parse_duration_ms("15"), 15000);
	assert_int_equal(time_parse_duration_ms("abc"), -1);
	assert_int_equal(time_parse_duration_ms("5x"), -1);
}

static void test_status_error(void **state)
{
	(void)state;
	struct tops_err err = {0};
	const char *body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
			   "\"message\":\"pods \\\"x\\\" not found\",\"reason\":\"NotFound\",\"code\":404}";
	assert_int_equal(kube_status_error(404, body, &err), -TOPS_ENOENT);
	assert_string_equal(err.msg, "pods \"x\" not found");
	assert_int_equal(kube_status_error(410, "not json", &err), -TOPS_EGONE);
	assert_string_equal(err.msg, "the server returned HTTP 410");
	assert_int_equal(kube_status_error(500, NULL, &err), -TOPS_EHTTP);
	assert_int_equal(kube_status_error(403, NULL, &err), -TOPS_EAUTH);
	tops_err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_time), cmocka_unit_test(test_scan_continue),
		cmocka_unit_test(test_status_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
