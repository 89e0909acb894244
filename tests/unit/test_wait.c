/* Unit tests for core/release/wait's rules, table-driven from API objects: when a Deployment,
 * StatefulSet, PVC, Service or Pod is ready (helm's and kstatus's rules), and when a pod's
 * container fails the wait early (image pull after the grace, crash loops beyond the allowed
 * restarts, OOMKilled, config errors, invalid images) — and when it does not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/jdom.h"
#include "core/release/wait.h"

static union st_record *project(enum kube_kind k, const char *json)
{
	struct jdom *j = jdom_parse(json, strlen(json), NULL);
	assert_non_null(j);
	union st_record *r = store_project(k, jdom_root(j), NULL);
	jdom_free(j);
	assert_non_null(r);
	return r;
}

#define DEPLOY(gen, obs, spec, upd, avail) \
	"{\"metadata\":{\"name\":\"d\",\"generation\":" #gen "},\"spec\":{\"replicas\":" #spec "}," \
	"\"status\":{\"observedGeneration\":" #obs ",\"replicas\":" #spec ",\"updatedReplicas\":" #upd "," \
	"\"readyReplicas\":" #avail ",\"availableReplicas\":" #avail "}}"

static const struct ready_case {
	const char *what;
	enum kube_kind kind;
	int max_unavailable;
	bool load_balancer;
	const char *json;
	bool ready;
} ready_cases[] = {
	{"deployment all updated and available", KK_DEPLOYMENT, 0, false, DEPLOY(2, 2, 3, 3, 3), true},
	{"deployment whose controller has not seen the new spec", KK_DEPLOYMENT, 0, false, DEPLOY(3, 2, 3, 3, 3), false},
	{"deployment still updating", KK_DEPLOYMENT, 1, false, DEPLOY(2, 2, 3, 2, 3), false},
	{"deployment one unavailable within maxUnavailable 1", KK_DEPLOYMENT, 1, false, DEPLOY(2, 2, 3, 3, 2), true},
	{"deployment one unavailable with maxUnavailable 0", KK_DEPLOYMENT, 0, false, DEPLOY(2, 2, 3, 3, 2), false},
	{"statefulset ready on the update revision", KK_STATEFULSET, 0, false,
	 "{\"metadata\":{\"name\":\"s\",\"generation\":1},\"spec\":{\"replicas\":2},\"status\":{\"observedGeneration\":1,"
	 "\"replicas\":2,\"readyReplicas\":2,\"updatedReplicas\":2,\"currentRevision\":\"s-1\",\"updateRevision\":\"s-1\"}}", true},
	{"statefulset still on the old revision", KK_STATEFULSET, 0, false,
	 "{\"metadata\":{\"name\":\"s\",\"generation\":2},\"spec\":{\"replicas\":2},\"status\":{\"observedGeneration\":2,"
	 "\"replicas\":2,\"readyReplicas\":2,\"updatedReplicas\":2,\"currentRevision\":\"s-1\",\"updateRevision\":\"s-2\"}}", false},
	{"statefulset with a partition: the pods above it updated", KK_STATEFULSET, 0, false,
	 "{\"metadata\":{\"name\":\"s\",\"generation\":2},\"spec\":{\"replicas\":3,\"updateStrategy\":{\"type\":"
	 "\"RollingUpdate\",\"rollingUpdate\":{\"partition\":1}}},\"status\":{\"observedGeneration\":2,\"replicas\":3,"
	 "\"readyReplicas\":3,\"updatedReplicas\":2,\"currentRevision\":\"s-1\",\"updateRevision\":\"s-2\"}}", true},
	{"pvc bound", KK_PVC, 0, false, "{\"metadata\":{\"name\":\"p\"},\"status\":{\"phase\":\"Bound\"}}", true},
	{"pvc pending", KK_PVC, 0, false, "{\"metadata\":{\"name\":\"p\"},\"status\":{\"phase\":\"Pending\"}}", false},
	{"cluster-ip service", KK_SERVICE, 0, false, "{\"metadata\":{\"name\":\"v\"},\"spec\":{\"type\":\"ClusterIP\"}}", true},
	{"load balancer without an address", KK_SERVICE, 0, true,
	 "{\"metadata\":{\"name\":\"v\"},\"spec\":{\"type\":\"LoadBalancer\"},\"status\":{\"loadBalancer\":{}}}", false},
	{"load balancer with an address", KK_SERVICE, 0, true,
	 "{\"metadata\":{\"name\":\"v\"},\"spec\":{\"type\":\"LoadBalancer\"},\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"10.0.0.9\"}]}}}", true},
	{"pod ready", KK_POD, 0, false,
	 "{\"metadata\":{\"name\":\"x\"},\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}", true},
	{"pod running, not ready", KK_POD, 0, false,
	 "{\"metadata\":{\"name\":\"x\"},\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}}", false},
};

static void test_ready_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof ready_cases / sizeof ready_cases[0]; i++) {
		const struct ready_case *c = &ready_cases[i];
		struct wait_target t = {.kind = c->kind, .name = "x", .max_unavailable = c->max_unavailable,
					.load_balancer = c->load_balancer, .partition = strstr(c->json, "\"partition\":1") ? 1 : 0};
		union st_record *r = project(c->kind, c->json);
		if (wait_rule_ready(&t, r) != c->ready)
			fail_msg("%s: expected %s", c->what, c->ready ? "ready" : "not ready");
		store_record_free(c->kind, r);
	}
	struct wait_target t = {.kind = KK_DEPLOYMENT, .name = "x"};
	assert_false(wait_rule_ready(&t, NULL)); /* not seen yet */
}

#define POD(waiting, msg, restarts, last) \
	"{\"metadata\":{\"name\":\"web-1\"},\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"r/web:1\"}]}," \
	"\"status\":{\"phase\":\"Pending\",\"containerStatuses\":[{\"name\":\"web\",\"image\":\"r/web:1\",\"ready\":false," \
	"\"restartCount\":" #restarts ",\"state\":{\"waiting\":{\"reason\":\"" waiting "\",\"message\":\"" msg "\"}}," \
	"\"lastState\":" last "}]}}"
#define EXITED(code, reason) "{\"terminated\":{\"exitCode\":" #code ",\"reason\":\"" reason "\"}}"

static const struct fail_case {
	const char *what;
	const char *json;
	long age_ms;
	const char *words;           /* NULL: the wait goes on */
	bool crashed;
} fail_cases[] = {
	{"image pull error within the grace", POD("ErrImagePull", "not found", 0, "{}"), 5000, NULL, false},
	{"image pull back-off after the grace", POD("ImagePullBackOff", "Back-off pulling image", 0, "{}"), 21000,
	 "pod/web-1 container web: ImagePullBackOff for 21s (image r/web:1): Back-off pulling image", false},
	{"a config error at once", POD("CreateContainerConfigError", "secret \\\"db\\\" not found", 0, "{}"), 0,
	 "pod/web-1 container web: CreateContainerConfigError: secret \"db\" not found", false},
	{"an invalid image name at once", POD("InvalidImageName", "bad ref", 0, "{}"), 0,
	 "pod/web-1 container web: InvalidImageName: bad ref", false},
	{"a crash loop within the allowance", POD("CrashLoopBackOff", "back-off", 2, EXITED(1, "Error")), 60000, NULL, false},
	{"a crash loop beyond the allowance", POD("CrashLoopBackOff", "back-off", 3, EXITED(1, "Error")), 60000,
	 "pod/web-1 container web: CrashLoopBackOff, restarted 3 times (more than 2 allowed), last exit code 1 (Error)", true},
	{"OOMKilled again and again", POD("ContainerCreating", "", 3, EXITED(137, "OOMKilled")), 60000,
	 "pod/web-1 container web: OOMKilled, restarted 3 times (more than 2 allowed), last exit code 137 (OOMKilled)", true},
	{"still creating", POD("ContainerCreating", "", 0, "{}"), 60000, NULL, false},
};

static void test_failure_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof fail_cases / sizeof fail_cases[0]; i++) {
		const struct fail_case *c = &fail_cases[i];
		union st_record *r = project(KK_POD, c->json);
		bool crashed = false;
		char *why = wait_rule_container(&r->pod, &r->pod.containers[0], c->age_ms, 20000, 2, &crashed);
		if (!c->words && why)
			fail_msg("%s: should not fail, failed with: %s", c->what, why);
		if (c->words && (!why || strcmp(why, c->words)))
			fail_msg("%s: expected \"%s\", got \"%s\"", c->what, c->words, why ? why : "(nothing)");
		assert_int_equal(crashed, c->crashed);
		free(why);
		store_record_free(KK_POD, r);
	}
}

static void test_progress_deadline(void **state)
{
	(void)state;
	struct wait_target t = {.kind = KK_DEPLOYMENT, .name = "web"};
	union st_record *r = project(KK_DEPLOYMENT,
		"{\"metadata\":{\"name\":\"web\",\"generation\":2},\"spec\":{\"replicas\":2},\"status\":{"
		"\"observedGeneration\":2,\"conditions\":[{\"type\":\"Progressing\",\"status\":\"False\","
		"\"reason\":\"ProgressDeadlineExceeded\",\"message\":\"ReplicaSet \\\"web-1\\\" has timed out progressing.\"}]}}");
	char *why = wait_rule_workload(&t, r);
	assert_non_null(why);
	assert_string_equal(why, "deployment/web: ProgressDeadlineExceeded: ReplicaSet \"web-1\" has timed out progressing.");
	free(why);
	store_record_free(KK_DEPLOYMENT, r);
	r = project(KK_DEPLOYMENT, DEPLOY(2, 2, 3, 2, 2)); /* still progressing: no verdict */
	assert_null(wait_rule_workload(&t, r));
	store_record_free(KK_DEPLOYMENT, r);
}

static void test_targets_of(void **state)
{
	(void)state;
	const char *docs[] = {
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},\"spec\":{\"replicas\":8}}",
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"e\"},\"spec\":{\"replicas\":4,"
		"\"strategy\":{\"rollingUpdate\":{\"maxUnavailable\":3}}}}",
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}",
		"{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"s\"},\"spec\":{\"type\":\"LoadBalancer\"}}",
	};
	struct value *objs[4];
	for (int i = 0; i < 4; i++)
		objs[i] = value_from_json(docs[i], strlen(docs[i]), NULL);
	size_t n = 0;
	struct wait_target *t = wait_targets_of(objs, 4, &n);
	assert_int_equal(n, 3); /* ConfigMaps are not waited for */
	assert_int_equal(t[0].max_unavailable, 2);   /* 25% of 8, rounded down */
	assert_int_equal(t[1].max_unavailable, 3);
	assert_true(t[2].load_balancer);
	wait_targets_free(t, n);
	for (int i = 0; i < 4; i++)
		value_unref(objs[i]);
}

#define DS(gen, obs, strategy, desired, updated, ready) \
	"{\"metadata\":{\"name\":\"a\",\"generation\":" #gen "},\"spec\":{\"updateStrategy\":{\"type\":\"" \
	strategy "\"}},\"status\":{\"observedGeneration\":" #obs ",\"desiredNumberScheduled\":" #desired "," \
	"\"currentNumberScheduled\":" #desired ",\"updatedNumberScheduled\":" #updated ",\"numberReady\":" #ready "," \
	"\"numberAvailable\":" #ready "}}"

/* DaemonSets: the targets' maxUnavailable from the manifest (default 1, absolute or a
 * percentage rounded up against the desired nodes), then helm's rule on the status. */
static void test_daemonset(void **state)
{
	(void)state;
	const char *docs[] = {
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"a\"},\"spec\":{}}",
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"b\"},\"spec\":"
		"{\"updateStrategy\":{\"rollingUpdate\":{\"maxUnavailable\":\"50%\"}}}}",
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"c\"},\"spec\":"
		"{\"updateStrategy\":{\"type\":\"OnDelete\"}}}",
	};
	struct value *objs[3];
	for (int i = 0; i < 3; i++)
		objs[i] = value_from_json(docs[i], strlen(docs[i]), NULL);
	size_t n = 0;
	struct wait_target *t = wait_targets_of(objs, 3, &n);
	assert_int_equal(n, 3);
	assert_int_equal(t[0].kind, KK_DAEMONSET);
	assert_int_equal(t[0].max_unavailable, 1);
	assert_int_equal(t[1].max_unavailable_pct, 50);
	assert_true(t[2].on_delete);
	static const struct { int target; const char *json; bool ready; const char *what; } cases[] = {
		{0, DS(2, 2, "RollingUpdate", 3, 3, 3), true, "all updated and ready"},
		{0, DS(2, 1, "RollingUpdate", 3, 3, 3), false, "the new generation not observed yet"},
		{0, DS(2, 2, "RollingUpdate", 3, 2, 3), false, "a node still on the old template"},
		{0, DS(2, 2, "RollingUpdate", 3, 3, 2), true, "one not ready within maxUnavailable 1"},
		{0, DS(2, 2, "RollingUpdate", 3, 3, 1), false, "two not ready beyond maxUnavailable 1"},
		{1, DS(2, 2, "RollingUpdate", 3, 3, 1), true, "50% of 3 rounds up to 2 unavailable"},
		{1, DS(2, 2, "RollingUpdate", 3, 3, 0), false, "three not ready beyond 50%"},
		{2, DS(2, 2, "OnDelete", 3, 0, 0), true, "OnDelete has no rollout to wait for"},
		{2, DS(2, 1, "OnDelete", 3, 0, 0), false, "OnDelete, generation not observed"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		union st_record *r = project(KK_DAEMONSET, cases[i].json);
		if (wait_rule_ready(&t[cases[i].target], r) != cases[i].ready)
			fail_msg("daemonset %s: expected %s", cases[i].what, cases[i].ready ? "ready" : "not ready");
		store_record_free(KK_DAEMONSET, r);
	}
	wait_targets_free(t, n);
	for (int i = 0; i < 3; i++)
		value_unref(objs[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_rules),
		cmocka_unit_test(test_failure_rules),
		cmocka_unit_test(test_progress_deadline),
		cmocka_unit_test(test_targets_of),
		cmocka_unit_test(test_daemonset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
