/* Unit tests for core/diff: created, changed (scalar, nested, keyed lists, added and removed
 * fields), unchanged despite server-added fields, Secret masking, unified text, ids and paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/diff/diff.h"

static struct value *J(const char *json)
{
	struct tops_err err = {0};
	struct value *v = value_from_json(json, strlen(json), &err);
	if (!v)
		fail_msg("bad test JSON: %s", tops_err_msg(&err));
	return v;
}

/* Runs diff_object on two JSON texts (live may be NULL). */
static void run(const char *desired, const char *live, struct diff_result *r)
{
	struct value *d = J(desired), *l = live ? J(live) : NULL;
	struct tops_err err = {0};
	assert_int_equal(diff_object(d, l, "testops", r, &err), 0);
	value_unref(d);
	value_unref(l);
}

static char *unified(const struct diff_result *r)
{
	struct strbuf sb = STRBUF_INIT;
	diff_unified(r, 3, &sb);
	return sb_detach(&sb, NULL);
}

static const struct diff_change *find_change(const struct diff_result *r, const char *path)
{
	for (size_t i = 0; i < r->nchanges; i++)
		if (strcmp(r->changes[i].path, path) == 0)
			return &r->changes[i];
	return NULL;
}

#define DEPLOY_HEAD "\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\"," \
	"\"metadata\":{\"name\":\"web\",\"namespace\":\"testops\",\"labels\":{\"app\":\"web\"}}"

static const char *desired_deploy =
	"{" DEPLOY_HEAD ",\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":["
	"{\"name\":\"runner\",\"image\":\"reg/runner@sha256:aa\",\"ports\":[{\"containerPort\":8080}],"
	"\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}]},"
	"{\"name\":\"sidecar\",\"image\":\"reg/side:1\"}]}}}}";

/* The same object as a server returns it: status, metadata, defaults, other order. */
static const char *live_deploy =
	"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\","
	"\"namespace\":\"testops\",\"labels\":{\"app\":\"web\"},\"uid\":\"1-2\",\"resourceVersion\":\"77\","
	"\"generation\":3,\"creationTimestamp\":\"2026-01-01T00:00:00Z\","
	"\"annotations\":{\"deployment.kubernetes.io/revision\":\"3\"},"
	"\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Apply\",\"fieldsV1\":{}}]},"
	"\"spec\":{\"replicas\":2,\"progressDeadlineSeconds\":600,\"strategy\":{\"type\":\"RollingUpdate\"},"
	"\"template\":{\"spec\":{\"restartPolicy\":\"Always\",\"containers\":["
	"{\"name\":\"sidecar\",\"image\":\"reg/side:1\",\"imagePullPolicy\":\"IfNotPresent\"},"
	"{\"name\":\"runner\",\"image\":\"reg/runner@sha256:aa\","
	"\"ports\":[{\"containerPort\":8080,\"protocol\":\"TCP\"}],"
	"\"env\":[{\"name\":\"B\",\"value\":\"2\"},{\"name\":\"A\",\"value\":\"1\"}],"
	"\"terminationMessagePath\":\"/dev/termination-log\"}]}}},"
	"\"status\":{\"replicas\":2,\"readyReplicas\":2}}";

static void test_created(void **state)
{
	(void)state;
	struct diff_result r;
	run(desired_deploy, NULL, &r);
	assert_int_equal(r.status, DIFF_CREATED);
	assert_string_equal(r.id, "apps.v1.Deployment.testops.web");
	char *u = unified(&r);
	assert_non_null(strstr(u, "--- live/apps.v1.Deployment.testops.web\n"
				  "+++ rendered/apps.v1.Deployment.testops.web\n@@ -0,0 +1,"));
	assert_non_null(strstr(u, "\n+kind: Deployment\n"));
	assert_null(strstr(u, "\n-"));
	free(u);
	diff_result_done(&r);
}

static void test_unchanged_despite_server_fields(void **state)
{
	(void)state;
	struct diff_result r;
	run(desired_deploy, live_deploy, &r);
	for (size_t i = 0; i < r.nchanges; i++)
		print_message("unexpected change %s\n", r.changes[i].path);
	assert_int_equal(r.status, DIFF_UNCHANGED);
	assert_int_equal(r.nchanges, 0);
	char *u = unified(&r);
	assert_string_equal(u, "");
	free(u);
	diff_result_done(&r);
}

static void test_scalar_change(void **state)
{
	(void)state;
	char *d = xstrdup(desired_deploy);
	memcpy(strstr(d, "\"replicas\":2") + 11, "5", 1);
	struct diff_result r;
	run(d, live_deploy, &r);
	assert_int_equal(r.status, DIFF_CHANGED);
	assert_int_equal(r.nchanges, 1);
	assert_string_equal(r.changes[0].path, ".spec.replicas");
	assert_int_equal(r.changes[0].op, DIFF_MODIFY);
	assert_int_equal(r.changes[0].before->u.i, 2);
	assert_int_equal(r.changes[0].after->u.i, 5);
	char *u = unified(&r);
	assert_non_null(strstr(u, "\n-  replicas: 2\n+  replicas: 5\n"));
	assert_null(strstr(u, "resourceVersion"));
	assert_null(strstr(u, "progressDeadlineSeconds"));
	free(u);
	free(d);
	diff_result_done(&r);
}

static void test_nested_by_merge_key(void **state)
{
	(void)state;
	char *d = xstrdup(desired_deploy);
	memcpy(strstr(d, "sha256:aa"), "sha256:bb", 9);
	struct diff_result r;
	run(d, live_deploy, &r);
	assert_int_equal(r.nchanges, 1);
	const struct diff_change *c =
		find_change(&r, ".spec.template.spec.containers[name=runner].image");
	assert_non_null(c);
	assert_string_equal(c->before->u.str.s, "reg/runner@sha256:aa");
	assert_string_equal(c->after->u.str.s, "reg/runner@sha256:bb");
	char *u = unified(&r);
	assert_non_null(strstr(u, "-        image: reg/runner@sha256:aa\n"
				  "+        image: reg/runner@sha256:bb\n"));
	free(u);
	free(d);
	diff_result_done(&r);
}

static void test_list_added_element_by_key(void **state)
{
	(void)state;
	const char *desired = "{" DEPLOY_HEAD ",\"spec\":{\"template\":{\"spec\":{\"containers\":["
		"{\"name\":\"runner\",\"ports\":[{\"containerPort\":9090},{\"containerPort\":8080}],"
		"\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"C\",\"value\":\"3\"}]}]}}}}";
	struct diff_result r;
	run(desired, live_deploy, &r);
	assert_int_equal(r.nchanges, 2);
	const struct diff_change *p =
		find_change(&r, ".spec.template.spec.containers[name=runner].ports[containerPort=9090]");
	assert_non_null(p);
	assert_int_equal(p->op, DIFF_ADD);
	const struct diff_change *e =
		find_change(&r, ".spec.template.spec.containers[name=runner].env[name=C]");
	assert_non_null(e);
	assert_int_equal(e->op, DIFF_ADD);
	/* B exists only live and was not applied by anyone we know of: ignored. */
	assert_null(find_change(&r, ".spec.template.spec.containers[name=runner].env[name=B]"));
	diff_result_done(&r);
}

static void test_added_and_removed_fields(void **state)
{
	(void)state;
	const char *desired = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
		"{\"name\":\"cfg\",\"labels\":{\"app\":\"x\",\"tier\":\"api\"}},\"data\":{\"a\":\"1\"}}";
	/* b was applied before (last-applied annotation), c by server-side apply (managedFields),
	 * d by someone else (an Update): b and c are removed by the apply, d is left alone. */
	const char *live = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\","
		"\"labels\":{\"app\":\"x\"},\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
		"\"{\\\"data\\\":{\\\"a\\\":\\\"1\\\",\\\"b\\\":\\\"2\\\"}}\"},"
		"\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Apply\","
		"\"fieldsV1\":{\"f:data\":{\"f:c\":{}}}},{\"manager\":\"ops\",\"operation\":\"Update\","
		"\"fieldsV1\":{\"f:data\":{\"f:d\":{}}}}]},"
		"\"data\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":\"4\"}}";
	struct diff_result r;
	run(desired, live, &r);
	assert_int_equal(r.status, DIFF_CHANGED);
	assert_int_equal(r.nchanges, 3);
	assert_int_equal(find_change(&r, ".metadata.labels.tier")->op, DIFF_ADD);
	assert_int_equal(find_change(&r, ".data.b")->op, DIFF_REMOVE);
	assert_int_equal(find_change(&r, ".data.c")->op, DIFF_REMOVE);
	assert_null(find_change(&r, ".data.d"));
	assert_string_equal(r.id, "v1.ConfigMap.testops.cfg");
	diff_result_done(&r);
}

static void test_last_applied_leaves_no_empty_annotations(void **state)
{
	(void)state;
	/* Once the last-applied annotation is set aside, an empty annotations map (and any
	 * other empty container) on the live side removes nothing. */
	const char *desired = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
		"{\"name\":\"cfg\"},\"data\":{\"a\":\"1\"}}";
	const char *live = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\","
		"\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
		"\"{\\\"metadata\\\":{\\\"annotations\\\":{},\\\"labels\\\":{}}}\"},\"labels\":{}},"
		"\"data\":{\"a\":\"1\"}}";
	struct diff_result r;
	run(desired, live, &r);
	for (size_t i = 0; i < r.nchanges; i++)
		print_message("unexpected change %s\n", r.changes[i].path);
	assert_int_equal(r.status, DIFF_UNCHANGED);
	diff_result_done(&r);
}

static void test_removed_keyed_element_from_managed_fields(void **state)
{
	(void)state;
	const char *desired = "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"s\"},"
		"\"spec\":{\"ports\":[{\"port\":80}]}}";
	const char *live = "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"s\","
		"\"managedFields\":[{\"operation\":\"Apply\",\"fieldsV1\":{\"f:spec\":{\"f:ports\":{"
		"\"k:{\\\"port\\\":80,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:port\":{}},"
		"\"k:{\\\"port\\\":9090,\\\"protocol\\\":\\\"TCP\\\"}\":{\".\":{},\"f:port\":{}}}}}}]},"
		"\"spec\":{\"clusterIP\":\"10.0.0.1\",\"ports\":[{\"port\":80,\"protocol\":\"TCP\"},"
		"{\"port\":9090,\"protocol\":\"TCP\"},{\"port\":7,\"protocol\":\"TCP\"}]}}";
	struct diff_result r;
	run(desired, live, &r);
	assert_int_equal(r.nchanges, 1);
	assert_int_equal(find_change(&r, ".spec.ports[port=9090]")->op, DIFF_REMOVE);
	diff_result_done(&r);
}

static void test_field_manager_filter(void **state)
{
	(void)state;
	const char *desired = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},"
		"\"data\":{\"a\":\"1\"}}";
	const char *live = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
		"\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Apply\",\"fieldsV1\":{\"f:data\":{\"f:b\":{}}}},"
		"{\"manager\":\"argocd\",\"operation\":\"Apply\",\"fieldsV1\":{\"f:data\":{\"f:c\":{}}}}]},"
		"\"data\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}";
	struct value *d = J(desired), *l = J(live);
	struct diff_result r;
	struct tops_err err = {0};
	assert_int_equal(diff_object_as(d, l, NULL, "kubectl", &r, &err), 0);
	assert_int_equal(r.nchanges, 1);
	assert_int_equal(find_change(&r, ".data.b")->op, DIFF_REMOVE);
	diff_result_done(&r);
	assert_int_equal(diff_object(d, l, NULL, &r, &err), 0);
	assert_int_equal(r.nchanges, 2);
	assert_non_null(find_change(&r, ".data.c"));
	diff_result_done(&r);
	value_unref(d);
	value_unref(l);
}

static void test_atomic_list_and_numbers(void **state)
{
	(void)state;
	const char *desired = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
		"\"annotations\":null},\"spec\":{\"args\":[\"a\",\"b\"],\"x\":1.0,\"nodeSelector\":{}}}";
	const char *live = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
		"\"spec\":{\"args\":[\"a\",\"c\",\"d\"],\"x\":1}}";
	struct diff_result r;
	run(desired, live, &r);
	assert_int_equal(r.nchanges, 2);
	assert_int_equal(find_change(&r, ".spec.args[1]")->op, DIFF_MODIFY);
	assert_int_equal(find_change(&r, ".spec.args[2]")->op, DIFF_REMOVE);
	diff_result_done(&r);
}

static const char *secret_desired =
	"{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"creds\"},\"type\":\"Opaque\","
	"\"data\":{\"token\":\"dG9rZW4tbmV3\",\"user\":\"YWRtaW4=\"},\"stringData\":{\"password\":\"s3cret\"}}";

static void test_secret_unchanged_after_fold(void **state)
{
	(void)state;
	/* The server folds stringData into data: czNjcmV0 is base64("s3cret"). */
	const char *live = "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"creds\"},"
		"\"type\":\"Opaque\",\"data\":{\"token\":\"dG9rZW4tbmV3\",\"user\":\"YWRtaW4=\","
		"\"password\":\"czNjcmV0\"}}";
	struct diff_result r;
	run(secret_desired, live, &r);
	assert_int_equal(r.status, DIFF_UNCHANGED);
	diff_result_done(&r);
}

static void test_secret_masked(void **state)
{
	(void)state;
	const char *live = "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"creds\"},"
		"\"type\":\"Opaque\",\"data\":{\"token\":\"dG9rZW4tb2xk\",\"user\":\"YWRtaW4=\"}}";
	struct diff_result r;
	run(secret_desired, live, &r);
	assert_int_equal(r.status, DIFF_CHANGED);
	assert_int_equal(r.nchanges, 2);
	const struct diff_change *t = find_change(&r, ".data.token");
	assert_int_equal(t->op, DIFF_MODIFY);
	assert_string_equal(t->before->u.str.s, "***");
	assert_string_equal(t->after->u.str.s, "*** (changed)");
	const struct diff_change *p = find_change(&r, ".data.password");
	assert_int_equal(p->op, DIFF_ADD);
	assert_string_equal(p->after->u.str.s, "***");
	char *u = unified(&r);
	assert_non_null(strstr(u, "-  token: \"***\"\n"));
	assert_non_null(strstr(u, "+  token: \"*** (changed)\"\n"));
	assert_non_null(strstr(u, "   user: \"***\"\n"));
	assert_null(strstr(u, "dG9rZW4"));
	assert_null(strstr(u, "YWRtaW4"));
	assert_null(strstr(u, "s3cret"));
	assert_null(strstr(u, "czNjcmV0"));
	free(u);
	diff_result_done(&r);

	run(secret_desired, NULL, &r); /* created: values masked too */
	u = unified(&r);
	assert_null(strstr(u, "dG9rZW4"));
	assert_null(strstr(u, "s3cret"));
	assert_non_null(strstr(u, "+  password: \"***\"\n"));
	free(u);
	diff_result_done(&r);
}

static void test_unified_exact(void **state)
{
	(void)state;
	const char *desired = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
		"\"namespace\":\"ops\"},\"data\":{\"conf\":\"l1\\nl2\\nl3\\nl4\\nl5\\nNEW\\nl7\\n\",\"flag\":\"true\"}}";
	const char *live = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\","
		"\"namespace\":\"ops\"},\"data\":{\"conf\":\"l1\\nl2\\nl3\\nl4\\nl5\\nl6\\nl7\\n\",\"flag\":\"true\"}}";
	struct diff_result r;
	run(desired, live, &r);
	assert_int_equal(r.nchanges, 1);
	char *u = unified(&r);
	assert_string_equal(u,
		"--- live/v1.ConfigMap.ops.c\n"
		"+++ rendered/v1.ConfigMap.ops.c\n"
		"@@ -6,7 +6,7 @@\n"
		"     l3\n"
		"     l4\n"
		"     l5\n"
		"-    l6\n"
		"+    NEW\n"
		"     l7\n"
		"   flag: \"true\"\n"
		" kind: ConfigMap\n");
	free(u);
	diff_result_done(&r);
}

static void test_yaml_quoting(void **state)
{
	(void)state;
	struct value *v = J("{\"a\":\"true\",\"b\":\"1.30\",\"c\":\"plain text\",\"d\":\"x: y\","
			    "\"e\":[1,{\"k\":\"v\",\"l\":[]}],\"f\":\"\",\"g\":\"one\\ntwo\","
			    "\"h\":\"250m\",\"i\":\"1e3\",\"j\":\"0x1f\",\"k\":\"2.5.3\"}");
	struct strbuf sb = STRBUF_INIT;
	diff_yaml(v, &sb);
	assert_string_equal(sb_str(&sb),
		"a: \"true\"\nb: \"1.30\"\nc: plain text\nd: \"x: y\"\ne:\n- 1\n- k: v\n  l: []\n"
		"f: \"\"\ng: |-\n  one\n  two\nh: 250m\ni: \"1e3\"\nj: \"0x1f\"\nk: 2.5.3\n");
	sb_done(&sb);
	value_unref(v);
}

static void test_ids_and_paths(void **state)
{
	(void)state;
	struct value *d = J("{\"apiVersion\":\"apps/v1\",\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"e\"}}");
	char *s = diff_object_path(d, "testops");
	assert_string_equal(s, "/apis/apps/v1/namespaces/testops/statefulsets/e");
	free(s);
	value_unref(d);
	d = J("{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"Ingress\",\"metadata\":{\"name\":\"i\",\"namespace\":\"x\"}}");
	s = diff_object_path(d, "testops");
	assert_string_equal(s, "/apis/networking.k8s.io/v1/namespaces/x/ingresses/i");
	free(s);
	s = diff_object_id(d, "testops");
	assert_string_equal(s, "networking.k8s.io.v1.Ingress.x.i");
	free(s);
	value_unref(d);
	d = J("{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"p\"}}");
	s = diff_object_path(d, NULL);
	assert_string_equal(s, "/api/v1/namespaces/default/persistentvolumeclaims/p");
	free(s);
	value_unref(d);
	d = J("{\"apiVersion\":\"rbac.authorization.k8s.io/v1\",\"kind\":\"ClusterRole\",\"metadata\":{\"name\":\"r\"}}");
	s = diff_object_path(d, "testops");
	assert_string_equal(s, "/apis/rbac.authorization.k8s.io/v1/clusterroles/r");
	free(s);
	s = diff_object_id(d, "testops");
	assert_string_equal(s, "rbac.authorization.k8s.io.v1.ClusterRole.r");
	free(s);
	value_unref(d);
	d = J("{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"n\"}}");
	s = diff_object_path(d, "a");
	assert_string_equal(s, "/apis/networking.k8s.io/v1/namespaces/a/networkpolicies/n");
	free(s);
	value_unref(d);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct tops_err err = {0};
	struct diff_result r;
	struct value *d = J("{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"}}");
	assert_int_equal(diff_object(d, NULL, NULL, &r, &err), -TOPS_EINVAL);
	assert_non_null(strstr(tops_err_msg(&err), "kind"));
	diff_result_done(&r);
	tops_err_clear(&err);
	value_unref(d);
	d = J("[1,2]");
	assert_int_equal(diff_object(d, NULL, NULL, &r, &err), -TOPS_EINVAL);
	diff_result_done(&r);
	tops_err_clear(&err);
	value_unref(d);
	/* A live object of another shape is still compared without a crash. */
	d = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"},\"data\":{\"a\":[1]}}");
	struct value *l = J("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":\"weird\",\"data\":7}");
	assert_int_equal(diff_object(d, l, NULL, &r, &err), 0);
	assert_int_equal(r.status, DIFF_CHANGED);
	diff_result_done(&r);
	value_unref(d);
	value_unref(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_created),
		cmocka_unit_test(test_unchanged_despite_server_fields),
		cmocka_unit_test(test_scalar_change),
		cmocka_unit_test(test_nested_by_merge_key),
		cmocka_unit_test(test_list_added_element_by_key),
		cmocka_unit_test(test_added_and_removed_fields),
		cmocka_unit_test(test_last_applied_leaves_no_empty_annotations),
		cmocka_unit_test(test_removed_keyed_element_from_managed_fields),
		cmocka_unit_test(test_field_manager_filter),
		cmocka_unit_test(test_atomic_list_and_numbers),
		cmocka_unit_test(test_secret_unchanged_after_fold),
		cmocka_unit_test(test_secret_masked),
		cmocka_unit_test(test_unified_exact),
		cmocka_unit_test(test_yaml_quoting),
		cmocka_unit_test(test_ids_and_paths),
		cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
