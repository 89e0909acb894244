/* Unit tests for core/renderjob: the TestOps chart with the offline values renders the expected
 * objects, all valid against the Kubernetes schemas of the conformance set; errors in values
 * files, templates, schemas and lint carry their positions; the async form runs on the
 * threadpool and can be cancelled. Runs from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/chart/renderjob.h"
#include "tests/unit/httpd.h"

static const char *const schemas[] = {"../shared/conformance/schemas", NULL};

/* The tests that validate need the conformance schemas beside the checkout; without them they
 * are skipped, not failed. */
#define NEED_SCHEMAS() do { \
	if (access(schemas[0], R_OK) != 0) { \
		print_message("SKIP: conformance schemas not found at %s\\n", schemas[0]); \
		skip(); \
	} \
} while (0)
static char tmpdir[64];

static void write_at(const char *rel, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_renderjob.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	char p[256];
	snprintf(p, sizeof p, "%s/mini", tmpdir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/mini/templates", tmpdir);
	mkdir(p, 0755);
	write_at("mini/Chart.yaml", "apiVersion: v2\nname: mini\nversion: 0.1.0\n");
	write_at("mini/values.yaml", "replicas: 1\nname: web\n");
	write_at("mini/templates/deploy.yaml",
		 "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Values.name }}\n"
		 "spec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: web}\n"
		 "  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n"
		 "      - name: web\n        image: nginx\n");
	return 0;
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static void test_testops_objects(void **state)
{
	(void)state;
	NEED_SCHEMAS();
	static const char *const expected[][2] = {
		{"ConfigMap", "testops"}, {"ConfigMap", "testops-dashboard"},
		{"Deployment", "testops-runner"}, {"Ingress", "testops-runner"},
		{"PersistentVolumeClaim", "testops-reports"},
		{"PersistentVolumeClaim", "testops-snapshots"},
		{"PodDisruptionBudget", "testops-engine"}, {"PodDisruptionBudget", "testops-runner"},
		{"Role", "testops-runner"}, {"RoleBinding", "testops-runner"}, {"Secret", "testops"},
		{"Service", "testops-engine"}, {"Service", "testops-runner"},
		{"ServiceAccount", "testops-runner"}, {"StatefulSet", "testops-engine"},
	};
	const char *values[] = {"deploy/offline-values.yaml"};
	struct renderjob_opts o = {
		.chart = "charts/testops", .values_files = values, .nvalues = 1,
		.namespace_ = "testops", .schema_locations = schemas,
	};
	struct renderjob_result r;
	assert_int_equal(renderjob_run(&o, &r), 0);
	assert_string_equal(r.release_name, "testops");
	assert_int_equal(r.n, ARRAY_LEN(expected));
	for (size_t i = 0; i < r.n; i++) {
		assert_string_equal(r.objs[i].kind, expected[i][0]);
		assert_string_equal(r.objs[i].name, expected[i][1]);
		assert_int_equal(r.objs[i].val.status, VAL_VALID);
		assert_true(strncmp(r.objs[i].text, "# Source: testops/templates/", 28) == 0);
		assert_int_equal(r.objs[i].diff_state, RDIFF_NONE);
	}
	assert_int_equal(r.valid, r.n);
	assert_int_equal(r.invalid + r.errors + r.skipped, 0);
	/* the offline values pin images by digest */
	assert_non_null(strstr(r.objs[2].text, "@sha256:"));
	/* a second run reuses the parsed schemas, with the same outcome */
	struct renderjob_result again;
	assert_int_equal(renderjob_run(&o, &again), 0);
	assert_true(again.schemas_cached);
	assert_int_equal(again.n, r.n);
	assert_int_equal(again.valid, r.valid);
	/* other schema options: read afresh */
	o.kubernetes_version = "1.30.0";
	struct renderjob_result other;
	assert_int_equal(renderjob_run(&o, &other), 0);
	assert_false(other.schemas_cached);
	renderjob_result_done(&other);
	renderjob_result_done(&again);
	renderjob_result_done(&r);
}

static void test_missing_schemas_skipped(void **state)
{
	(void)state;
	const char *const nowhere[] = {"/nonexistent/schemas", NULL};
	const char *values[] = {"deploy/offline-values.yaml"};
	struct renderjob_opts o = {.chart = "charts/testops", .values_files = values, .nvalues = 1,
				   .schema_locations = nowhere};
	struct renderjob_result r;
	assert_int_equal(renderjob_run(&o, &r), 0);
	assert_true(r.n > 0);
	assert_int_equal(r.skipped, r.n);
	assert_string_equal(renderjob_status_word(r.objs[0].val.status), "no schema");
	renderjob_result_done(&r);
}

static void test_values_error_position(void **state)
{
	(void)state;
	write_at("bad.yaml", "runner:\n  replicas: [1\n  x: 2\n");
	char bad[256];
	snprintf(bad, sizeof bad, "%s/bad.yaml", tmpdir);
	const char *values[] = {bad};
	struct renderjob_opts o = {.chart = "charts/testops", .values_files = values, .nvalues = 1};
	struct renderjob_result r;
	assert_true(renderjob_run(&o, &r) < 0);
	assert_int_equal(r.n, 0);
	char want[300];
	snprintf(want, sizeof want, "%s:3:4: ", bad);
	assert_non_null(strstr(tops_err_msg(&r.err), want));
	renderjob_result_done(&r);
}

static void test_template_error_position(void **state)
{
	(void)state;
	NEED_SCHEMAS();
	write_at("mini/templates/cm.yaml",
		 "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required \"cm.name is required\" .Values.cm }}\n");
	char chart[256];
	snprintf(chart, sizeof chart, "%s/mini", tmpdir);
	struct renderjob_opts o = {.chart = chart, .schema_locations = schemas};
	struct renderjob_result r;
	assert_true(renderjob_run(&o, &r) < 0);
	const char *msg = tops_err_msg(&r.err);
	assert_non_null(strstr(msg, "mini/templates/cm.yaml:4:"));
	assert_non_null(strstr(msg, "cm.name is required"));
	renderjob_result_done(&r);
	char p[256];
	snprintf(p, sizeof p, "%s/mini/templates/cm.yaml", tmpdir);
	remove(p);
}

static void test_schema_and_lint_positions(void **state)
{
	(void)state;
	NEED_SCHEMAS();
	write_at("bad-values.yaml", "replicas: two\nname: Web_Server\n");
	char chart[256], vals[256];
	snprintf(chart, sizeof chart, "%s/mini", tmpdir);
	snprintf(vals, sizeof vals, "%s/bad-values.yaml", tmpdir);
	const char *values[] = {vals};
	struct renderjob_opts o = {.chart = chart, .values_files = values, .nvalues = 1,
				   .schema_locations = schemas};
	struct renderjob_result r;
	assert_int_equal(renderjob_run(&o, &r), 0);
	assert_int_equal(r.n, 1);
	const struct renderjob_obj *ob = &r.objs[0];
	assert_int_equal(ob->val.status, VAL_INVALID);
	assert_int_equal(r.invalid, 1);
	bool replicas = false;
	for (size_t i = 0; i < ob->val.nverrs; i++)
		if (strcmp(ob->val.verrs[i].path, "/spec/replicas") == 0) {
			replicas = true;
			/* line 7 of the manifest: the "# Source:" line, then the template's 6th line */
			assert_int_equal(ob->val.verrs[i].line, 7);
			assert_int_equal(ob->val.verrs[i].col, 13);
		}
	assert_true(replicas);
	assert_true(ob->lint.n >= 1);
	assert_string_equal(ob->lint.f[0].rule, "dns1123-name");
	assert_int_equal(ob->lint.f[0].line, 5);
	assert_int_equal(r.linted, 1);
	renderjob_result_done(&r);
}

static void test_no_chart(void **state)
{
	(void)state;
	struct renderjob_opts o = {.chart = "/nonexistent/chart"};
	struct renderjob_result r;
	assert_true(renderjob_run(&o, &r) < 0);
	assert_non_null(strstr(tops_err_msg(&r.err), "/nonexistent/chart"));
	renderjob_result_done(&r);
}

struct async_state {
	int calls;
	size_t n;
};

static void done_cb(struct renderjob_result *res, void *ud)
{
	struct async_state *s = ud;
	s->calls++;
	s->n = res->n;
	renderjob_result_free(res);
}

static void test_async_and_cancel(void **state)
{
	(void)state;
	NEED_SCHEMAS();
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct async_state s = {0}, c = {0};
	struct tops_err err = {0};
	const char *values[] = {"deploy/offline-values.yaml"};
	struct renderjob_opts o = {.chart = "charts/testops", .values_files = values, .nvalues = 1,
				   .schema_locations = schemas};
	assert_non_null(renderjob_start(&loop, &o, done_cb, &s, &err));
	struct renderjob *j = renderjob_start(&loop, &o, done_cb, &c, &err);
	assert_non_null(j);
	renderjob_cancel(j);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(s.calls, 1);
	assert_true(s.n >= 10);
	assert_int_equal(c.calls, 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- renderdiff against a small API server on a thread ---- */
static int port;

static const char *reply_for(const char *path, int *status)
{
	static const char same[] =
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"same\","
		"\"namespace\":\"testops\",\"uid\":\"u1\",\"resourceVersion\":\"7\"},\"data\":{\"k\":\"v\"}}";
	static const char changed[] =
		"{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"changed\","
		"\"namespace\":\"testops\"},\"data\":{\"k\":\"old\"}}";
	static const char boom[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
				   "\"message\":\"boom from the server\",\"code\":500}";
	static const char missing[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
				      "\"reason\":\"NotFound\",\"code\":404}";
	*status = 200;
	if (strcmp(path, "/api/v1/namespaces/testops/configmaps/same") == 0)
		return same;
	if (strcmp(path, "/api/v1/namespaces/testops/configmaps/changed") == 0)
		return changed;
	*status = strcmp(path, "/api/v1/namespaces/testops/configmaps/broken") == 0 ? 500 : 404;
	return *status == 500 ? boom : missing;
}

/* One request per connection, answered and closed. */
static bool serve(int fd, const char *req)
{
	char path[512] = "";
	sscanf(req, "GET %511s", path);
	int status;
	const char *body = reply_for(path, &status);
	char head[256];
	int hl = snprintf(head, sizeof head,
			  "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
			  "Connection: close\r\n\r\n", status, strlen(body));
	httpd_send(fd, head, (size_t)hl);
	httpd_send(fd, body, strlen(body));
	return false;
}

static void server_start(void)
{
	port = httpd_start(serve);
	assert_true(port > 0);
}

struct diff_state {
	int updates;
	bool done;
};

static void update_cb(void *ud, bool done)
{
	struct diff_state *s = ud;
	s->updates++;
	s->done = s->done || done;
}

static struct kube_client *client_for_server(uv_loop_t *loop)
{
	char kc[256], text[512];
	snprintf(kc, sizeof kc, "%s/kubeconfig", tmpdir);
	snprintf(text, sizeof text,
		 "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:%d\n"
		 "contexts:\n- name: c\n  context: {cluster: c, user: u, namespace: testops}\n"
		 "current-context: c\nusers:\n- name: u\n  user: {token: t}\n", port);
	write_at("kubeconfig", text);
	struct tops_opts opts = {.kubeconfig = kc};
	struct kube_client *c = NULL;
	struct tops_err err = {0};
	assert_int_equal(kube_client_new(loop, &opts, &c, &err), 0);
	return c;
}

static void test_diffs(void **state)
{
	(void)state;
	NEED_SCHEMAS();
	server_start();
	write_at("mini/templates/cms.yaml",
		 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: same}\ndata: {k: v}\n---\n"
		 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: changed}\ndata: {k: new}\n---\n"
		 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken}\ndata: {k: v}\n---\n"
		 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fresh}\ndata: {k: v}\n");
	char chart[256], p[256];
	snprintf(chart, sizeof chart, "%s/mini", tmpdir);
	struct renderjob_opts o = {.chart = chart, .namespace_ = "testops", .schema_locations = schemas};
	struct renderjob_result r;
	assert_int_equal(renderjob_run(&o, &r), 0);
	snprintf(p, sizeof p, "%s/mini/templates/cms.yaml", tmpdir);
	remove(p);
	assert_int_equal(r.n, 5);   /* broken, changed, fresh, same + the Deployment "web" */
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct kube_client *kc = client_for_server(&loop);
	/* a cancelled diff never calls back */
	struct diff_state cs = {0};
	renderdiff_cancel(renderdiff_start(kc, &r, NULL, update_cb, &cs));
	for (size_t i = 0; i < r.n; i++)
		r.objs[i].diff_state = RDIFF_NONE;
	struct diff_state ds = {0};
	struct renderdiff *d = renderdiff_start(kc, &r, NULL, update_cb, &ds);
	assert_non_null(d);
	while (!ds.done)
		uv_run(&loop, UV_RUN_ONCE);
	assert_int_equal(cs.updates, 0);
	assert_int_equal(ds.updates, 5);
	static const char *const names[] = {"broken", "changed", "fresh", "same"};
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(r.objs[i].name, names[i]);
	assert_int_equal(r.objs[0].diff_state, RDIFF_ERROR);
	assert_non_null(strstr(r.objs[0].diff_err, "boom from the server"));
	assert_int_equal(r.objs[1].diff.status, DIFF_CHANGED);
	assert_non_null(strstr(r.objs[1].diff_text, "+  k: new"));
	assert_int_equal(r.objs[2].diff.status, DIFF_CREATED);
	assert_int_equal(r.objs[3].diff.status, DIFF_UNCHANGED);
	assert_string_equal(r.objs[3].diff_text, "");
	size_t cr, ch, un, fl;
	renderdiff_counts(&r, &cr, &ch, &un, &fl);
	assert_int_equal(cr, 2);   /* fresh and the Deployment */
	assert_int_equal(ch, 1);
	assert_int_equal(un, 1);
	assert_int_equal(fl, 1);
	renderdiff_cancel(d);
	kube_client_free(kc);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	renderjob_result_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_testops_objects),
		cmocka_unit_test(test_missing_schemas_skipped),
		cmocka_unit_test(test_values_error_position),
		cmocka_unit_test(test_template_error_position),
		cmocka_unit_test(test_schema_and_lint_positions),
		cmocka_unit_test(test_no_chart),
		cmocka_unit_test(test_async_and_cancel),
		cmocka_unit_test(test_diffs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
