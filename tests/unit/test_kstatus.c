/* Unit tests for core/kstatus: kubectl's pod READY/STATUS/RESTARTS and HumanDuration tables,
 * computed from real-shaped pod JSON projected through core/store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/timefmt.h"
#include "core/kube/kstatus.h"

#define NOW "2024-05-01T12:00:00Z"

/* Building blocks for the fixtures. */
#define META(extra) "\"metadata\":{\"name\":\"web-7d4b9c-x2x9z\",\"namespace\":\"testops\"," \
	"\"uid\":\"0b7e\",\"resourceVersion\":\"101\",\"creationTimestamp\":\"2024-05-01T11:00:00Z\"" extra "}"
#define SPEC1 "\"spec\":{\"nodeName\":\"node-1\",\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.25\"}]}"
#define RUNNING "{\"running\":{\"startedAt\":\"2024-05-01T11:00:05Z\"}}"
#define COND(t, s) "{\"type\":\"" t "\",\"status\":\"" s "\"}"
#define CS(name, ready, restarts, state, last) "{\"name\":\"" name "\",\"ready\":" ready \
	",\"restartCount\":" restarts ",\"image\":\"nginx:1.25\",\"imageID\":\"docker.io/nginx@sha256:aa\"," \
	"\"state\":" state ",\"lastState\":" last "}"
#define TERM(reason, code) "{\"terminated\":{\"exitCode\":" code ",\"reason\":\"" reason "\"," \
	"\"startedAt\":\"2024-05-01T11:50:00Z\",\"finishedAt\":\"2024-05-01T11:55:00Z\"}}"
#define WAIT(reason) "{\"waiting\":{\"reason\":\"" reason "\",\"message\":\"m\"}}"

struct pod_case {
	const char *name, *json, *ready, *status, *restarts;
};

static const struct pod_case pod_cases[] = {
	{"running", "{" META("") "," SPEC1 ",\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\","
	 "\"conditions\":[" COND("Ready", "True") "],\"containerStatuses\":[" CS("app", "true", "0", RUNNING, "{}") "]}}",
	 "1/1", "Running", "0"},
	{"crashloop", "{" META("") "," SPEC1 ",\"status\":{\"phase\":\"Running\",\"containerStatuses\":["
	 CS("app", "false", "5", WAIT("CrashLoopBackOff"), TERM("Error", "1")) "]}}",
	 "0/1", "CrashLoopBackOff", "5 (5m ago)"},
	{"imagepull", "{" META("") "," SPEC1 ",\"status\":{\"phase\":\"Pending\",\"containerStatuses\":["
	 CS("app", "false", "0", WAIT("ImagePullBackOff"), "{}") "]}}", "0/1", "ImagePullBackOff", "0"},
	{"errimagepull", "{" META("") "," SPEC1 ",\"status\":{\"phase\":\"Pending\",\"containerStatuses\":["
	 CS("app", "false", "0", WAIT("ErrImagePull"), "{}") "]}}", "0/1", "ErrImagePull", "0"},
	{"creating", "{" META("") "," SPEC1 ",\"status\":{\"phase\":\"Pending\",\"containerStatuses\":["
	 CS("app", "false", "0", WAIT("ContainerCreating"), "{}") "]}}", "0/1", "ContainerCreating", "0"},
	{"pending-unscheduled", "{" META("") ",\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"x\"}]},"
	 "\"status\":{\"phase\":\"Pending\",\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"False\","
	 "\"reason\":\"Unschedulable\"}]}}", "0/1", "Pending", "0"},
	{"scheduling-gated", "{" META("") ",\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"x\"}]},"
	 "\"status\":{\"phase\":\"Pending\",\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"False\","
	 "\"reason\":\"SchedulingGated\"}]}}", "0/1", "SchedulingGated", "0"},
	{"init-0-of-2", "{" META("") ",\"spec\":{\"initContainers\":[{\"name\":\"i1\",\"image\":\"b\"},"
	 "{\"name\":\"i2\",\"image\":\"b\"}],\"containers\":[{\"name\":\"app\",\"image\":\"x\"}]},"
	 "\"status\":{\"phase\":\"Pending\",\"initContainerStatuses\":[" CS("i1", "false", "0", RUNNING, "{}") ","
	 CS("i2", "false", "0", WAIT("PodInitializing"), "{}") "],\"containerStatuses\":["
	 CS("app", "false", "0", WAIT("PodInitializing"), "{}") "]}}", "0/1", "Init:0/2", "0"},
	{"init-1-of-2", "{" META("") ",\"spec\":{\"initContainers\":[{\"name\":\"i1\",\"image\":\"b\"},"
	 "{\"name\":\"i2\",\"image\":\"b\"}],\"containers\":[{\"name\":\"app\",\"image\":\"x\"}]},"
	 "\"status\":{\"phase\":\"Pending\",\"initContainerStatuses\":[" CS("i1", "false", "0", TERM("Completed", "0"), "{}") ","
	 CS("i2", "false", "0", RUNNING, "{}") "]}}", "0/1", "Init:1/2", "0"},
	{"init-crashloop", "{" META("") ",\"spec\":{\"initContainers\":[{\"name\":\"i1\",\"image\":\"b\"}],"
	 "\"containers\":[{\"name\":\"app\",\"image\":\"x\"}]},\"status\":{\"phase\":\"Pending\","
	 "\"initContainerStatuses\":[" CS("i1", "false", "3", WAIT("CrashLoopBackOff"), TERM("Error", "2")) "]}}",
	 "0/1", "Init:CrashLoopBackOff", "3 (5m ago)"},
	{"init-exitcode", "{" META("") ",\"spec\":{\"initContainers\":[{\"name\":\"i1\",\"image\":\"b\"}],"
	 "\"containers\":[{\"name\":\"app\",\"image\":\"x\"}]},\"status\":{\"phase\":\"Pending\","
	 "\"initContainerStatuses\":[{\"name\":\"i1\",\"ready\":false,\"restartCount\":0,"
	 "\"state\":{\"terminated\":{\"exitCode\":7}}}]}}", "0/1", "Init:ExitCode:7", "0"},
	{"pod-initializing", "{" META("") ",\"spec\":{\"initContainers\":[{\"name\":\"i1\",\"image\":\"b\"}],"
	 "\"containers\":[{\"name\":\"app\",\"image\":\"x\"}]},\"status\":{\"phase\":\"Pending\","
	 "\"conditions\":[" COND("Initialized", "True") "],"
	 "\"initContainerStatuses\":[" CS("i1", "false", "0", TERM("Completed", "0"), "{}") "],"
	 "\"containerStatuses\":[" CS("app", "false", "0", WAIT("PodInitializing"), "{}") "]}}",
	 "0/1", "PodInitializing", "0"},
	{"completed", "{" META("") "," SPEC1 ",\"status\":{\"phase\":\"Succeeded\",\"containerStatuses\":["
	 CS("app", "false", "0", TERM("Completed", "0"), "{}") "]}}", "0/1", "Completed", "0"},
	{"error", "{" META("") "," SPEC1 ",\"status\":{\"phase\":\"Failed\",\"containerStatuses\":["
	 CS("app", "false", "0", TERM("Error", "1"), "{}") "]}}", "0/1", "Error", "0"},
	{"signal", "{" META("") "," SPEC1 ",\"status\":{\"phase\":\"Failed\",\"containerStatuses\":["
	 "{\"name\":\"app\",\"ready\":false,\"restartCount\":0,\"state\":{\"terminated\":{\"exitCode\":137,"
	 "\"signal\":9}}}]}}", "0/1", "Signal:9", "0"},
	{"terminating", "{" META(",\"deletionTimestamp\":\"2024-05-01T11:59:00Z\"") "," SPEC1 ","
	 "\"status\":{\"phase\":\"Running\",\"containerStatuses\":[" CS("app", "true", "0", RUNNING, "{}") "]}}",
	 "1/1", "Terminating", "0"},
	{"terminating-succeeded", "{" META(",\"deletionTimestamp\":\"2024-05-01T11:59:00Z\"") "," SPEC1 ","
	 "\"status\":{\"phase\":\"Succeeded\",\"containerStatuses\":[" CS("app", "false", "0", TERM("Completed", "0"), "{}") "]}}",
	 "0/1", "Completed", "0"},
	{"nodelost", "{" META(",\"deletionTimestamp\":\"2024-05-01T11:59:00Z\"") "," SPEC1 ","
	 "\"status\":{\"phase\":\"Running\",\"reason\":\"NodeLost\",\"containerStatuses\":["
	 CS("app", "true", "0", RUNNING, "{}") "]}}", "1/1", "Unknown", "0"},
	{"evicted", "{" META("") "," SPEC1 ",\"status\":{\"phase\":\"Failed\",\"reason\":\"Evicted\","
	 "\"message\":\"The node was low on resource: memory.\"}}", "0/1", "Evicted", "0"},
	{"sidecar", "{" META("") ",\"spec\":{\"initContainers\":[{\"name\":\"proxy\",\"image\":\"envoy\","
	 "\"restartPolicy\":\"Always\"}],\"containers\":[{\"name\":\"app\",\"image\":\"x\"}]},"
	 "\"status\":{\"phase\":\"Running\",\"conditions\":[" COND("Initialized", "True") "," COND("Ready", "True") "],"
	 "\"initContainerStatuses\":[{\"name\":\"proxy\",\"ready\":true,\"started\":true,\"restartCount\":1,"
	 "\"state\":" RUNNING ",\"lastState\":" TERM("Error", "1") "}],"
	 "\"containerStatuses\":[" CS("app", "true", "0", RUNNING, "{}") "]}}", "2/2", "Running", "1 (5m ago)"},
	{"not-ready", "{" META("") ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},"
	 "{\"name\":\"b\",\"image\":\"x\"}]},\"status\":{\"phase\":\"Running\",\"conditions\":["
	 COND("Ready", "False") "],\"containerStatuses\":[" CS("a", "false", "0", TERM("Completed", "0"), "{}") ","
	 CS("b", "true", "0", RUNNING, "{}") "]}}", "1/2", "NotReady", "0"},
	{"two-containers-restarts", "{" META("") ",\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x\"},"
	 "{\"name\":\"b\",\"image\":\"x\"}]},\"status\":{\"phase\":\"Running\",\"conditions\":["
	 COND("Ready", "True") "],\"containerStatuses\":[" CS("a", "true", "2", RUNNING, TERM("OOMKilled", "137")) ","
	 CS("b", "true", "1", RUNNING, "{}") "]}}", "2/2", "Running", "3 (5m ago)"},
};

static union st_record *project(const char *json)
{
	struct tops_err err = {0};
	struct jdom *j = jdom_parse(json, strlen(json), &err);
	assert_non_null(j);
	union st_record *r = store_project(KK_POD, jdom_root(j), &err);
	jdom_free(j);
	assert_non_null(r);
	return r;
}

static void test_pod_table(void **state)
{
	(void)state;
	int64_t now = time_parse_rfc3339(NOW);
	for (size_t i = 0; i < sizeof pod_cases / sizeof pod_cases[0]; i++) {
		const struct pod_case *c = &pod_cases[i];
		union st_record *r = project(c->json);
		char b[128];
		print_message("case %s\n", c->name);
		assert_string_equal(kstatus_pod_ready(&r->pod, b, sizeof b), c->ready);
		assert_string_equal(kstatus_pod_status(&r->pod, b, sizeof b), c->status);
		assert_string_equal(kstatus_pod_restarts(&r->pod, now, b, sizeof b), c->restarts);
		store_record_free(KK_POD, r);
	}
}

static void test_human_duration(void **state)
{
	(void)state;
	static const struct { int64_t s; const char *want; } t[] = {
		{-5, "<invalid>"}, {-1, "0s"}, {0, "0s"}, {45, "45s"}, {119, "119s"}, {120, "2m"},
		{312, "5m12s"}, {540, "9m"}, {600, "10m"}, {179 * 60 + 59, "179m"}, {3 * 3600 + 4 * 60, "3h4m"},
		{5 * 3600, "5h"}, {8 * 3600 + 59 * 60, "8h"}, {47 * 3600, "47h"}, {51 * 3600, "2d3h"},
		{72 * 3600, "3d"}, {8 * 86400, "8d"}, {400 * 86400, "400d"}, {730 * 86400, "2y"},
		{(3 * 365 + 10) * 86400LL, "3y10d"}, {9 * 365 * 86400LL, "9y"}};
	char b[32];
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		assert_string_equal(kstatus_human_duration(t[i].s, b, sizeof b), t[i].want);
	assert_string_equal(kstatus_age(0, 100, b, sizeof b), "<unknown>");
	assert_string_equal(kstatus_age(100, 100 + 3 * 3600 + 240, b, sizeof b), "3h4m");
}

static void test_restart_count_and_ready(void **state)
{
	(void)state;
	union st_record *r = project(pod_cases[0].json);
	assert_true(kstatus_pod_is_ready(&r->pod));
	assert_int_equal(kstatus_pod_restart_count(&r->pod), 0);
	store_record_free(KK_POD, r);
	r = project(pod_cases[1].json);
	assert_false(kstatus_pod_is_ready(&r->pod));
	assert_int_equal(kstatus_pod_restart_count(&r->pod), 5);
	store_record_free(KK_POD, r);
}

static void test_event_time(void **state)
{
	(void)state;
	struct st_event e = {0};
	assert_int_equal(kstatus_event_time(&e), 0);
	e.meta.created = 100;
	assert_int_equal(kstatus_event_time(&e), 100);
	e.first = 200;
	assert_int_equal(kstatus_event_time(&e), 200);
	e.event_time = 300;
	assert_int_equal(kstatus_event_time(&e), 300);
	e.last = 250; /* lastTimestamp wins even when older than eventTime */
	assert_int_equal(kstatus_event_time(&e), 250);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_table),
		cmocka_unit_test(test_human_duration),
		cmocka_unit_test(test_event_time),
		cmocka_unit_test(test_restart_count_and_ready),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
