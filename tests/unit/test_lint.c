/* Unit tests for core/lint: each rule, its id and the position of the finding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate/lint.h"
#include "core/base/yaml.h"

/* Lints the YAML object; returns "rule@line:col" lines. Caller frees. */
static char *lint(const char *yaml, const struct lint_opts *o)
{
	struct value *v = yaml_load(yaml, strlen(yaml), "l.yaml", NULL, NULL, NULL);
	assert_non_null(v);
	struct lint_report rep = {0};
	size_t n = lint_object(v, o, 0, &rep);
	assert_int_equal(n, rep.n);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < rep.n; i++)
		sb_addf(&sb, "%s@%d:%d\n", rep.f[i].rule, rep.f[i].line, rep.f[i].col);
	lint_report_done(&rep);
	value_unref(v);
	return sb_detach(&sb, NULL);
}

#define LINT(yaml, opts, want) do { char *o_ = lint(yaml, opts); assert_string_equal(o_, want); free(o_); } while (0)

static const char *deploy =
	"apiVersion: apps/v1\n"
	"kind: Deployment\n"
	"metadata:\n"
	"  name: web\n"
	"  labels: {app: web}\n"
	"spec:\n"
	"  selector:\n"
	"    matchLabels: {app: web}\n"
	"  template:\n"
	"    metadata:\n"
	"      labels: {app: web, tier: front}\n"
	"    spec:\n"
	"      containers:\n"
	"      - name: web\n"
	"        image: nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
	"        ports: [{containerPort: 8080}]\n"
	"        resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: '1.5', memory: 1e3}}\n";

static void test_clean_object(void **state)
{
	(void)state;
	struct lint_opts o = {.require_digests = true};
	LINT(deploy, &o, "");
}

static void test_names(void **state)
{
	(void)state;
	LINT("kind: ConfigMap\nmetadata:\n  name: My_Config\n", NULL, "dns1123-name@3:9\n");
	LINT("kind: ConfigMap\nmetadata:\n  name: a.b-c\n", NULL, "");
	LINT("kind: Service\nmetadata:\n  name: 1web\n", NULL, "dns1123-name@3:9\n");
	LINT("kind: Namespace\nmetadata:\n  name: a.b\n", NULL, "dns1123-name@3:9\n");
	assert_true(lint_is_dns1123_subdomain("a.b-c.d"));
	assert_false(lint_is_dns1123_subdomain("a..b"));
	assert_false(lint_is_dns1123_subdomain("-a"));
	assert_false(lint_is_dns1123_label("a.b"));
	char long_label[80];
	memset(long_label, 'a', 64);
	long_label[64] = 0;
	assert_false(lint_is_dns1123_label(long_label));
}

static void test_labels(void **state)
{
	(void)state;
	LINT("kind: Pod\nmetadata:\n  name: p\n  labels:\n    example.com/ok: yes-ok\n    bad key: v\n    k: -v\n", NULL,
	     "label-key@6:14\nlabel-value@7:8\n");
	assert_null(lint_label_key_problem("app.kubernetes.io/name"));
	assert_non_null(lint_label_key_problem("Bad_Prefix/name"));
	assert_non_null(lint_label_key_problem("a/"));
	assert_null(lint_label_value_problem(""));
	assert_non_null(lint_label_value_problem("a b"));
}

static void test_selector_mismatch(void **state)
{
	(void)state;
	const char *bad = "kind: StatefulSet\nmetadata: {name: db}\nspec:\n  selector:\n    matchLabels: {app: db, role: primary}\n"
			  "  template:\n    metadata: {labels: {app: db}}\n";
	LINT(bad, NULL, "selector-mismatch@5:34\n");
	LINT("kind: Job\nmetadata: {name: j}\nspec:\n  template: {metadata: {labels: {a: b}}}\n", NULL, "");
}

static void test_digests_quantities_ports(void **state)
{
	(void)state;
	const char *pod = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.25\n"
			  "    ports: [{containerPort: 0}, {containerPort: 70000, hostPort: 80}]\n"
			  "    resources: {limits: {memory: 12 GB, cpu: '2'}}\n";
	LINT(pod, NULL, "port-range@7:29\nport-range@7:49\nquantity@8:34\n");
	struct lint_opts o = {.require_digests = true};
	LINT(pod, &o, "image-digest@6:12\nport-range@7:29\nport-range@7:49\nquantity@8:34\n");
	static const char *const good[] = {"1", "0.5", ".5", "100m", "1Gi", "1e3", "1.5E-2", "+2", "500Ki"};
	static const char *const badq[] = {"", "1 Gi", "1gi", "Gi", "1.2.3", "e3", "1e", "--1"};
	for (size_t i = 0; i < ARRAY_LEN(good); i++)
		assert_true(lint_is_quantity(good[i]));
	for (size_t i = 0; i < ARRAY_LEN(badq); i++)
		assert_false(lint_is_quantity(badq[i]));
	LINT("kind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80, targetPort: http, nodePort: 99999}]\n", NULL,
	     "port-range@4:50\n");
	LINT("kind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n"
	     "          containers: [{name: x, image: y, ports: [{containerPort: -1}]}]\n", NULL, "port-range@8:68\n");
}

static void test_storage_class(void **state)
{
	(void)state;
	const char *const classes[] = {"standard", "fast", NULL};
	struct lint_opts o = {.storage_classes = classes};
	const char *pvc = "kind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  storageClassName: slow\n";
	LINT(pvc, &o, "storage-class@4:21\n");
	LINT(pvc, NULL, ""); /* no list of classes: not checked */
	LINT("kind: PersistentVolumeClaim\nmetadata: {name: d}\nspec: {storageClassName: fast}\n", &o, "");
	LINT("kind: StatefulSet\nmetadata: {name: s}\nspec:\n  volumeClaimTemplates:\n  - spec: {storageClassName: gold}\n",
	     &o, "storage-class@5:30\n");
}

static void test_line_offset_and_messages(void **state)
{
	(void)state;
	const char *y = "kind: ConfigMap\nmetadata:\n  name: Bad\n";
	struct value *v = yaml_load(y, strlen(y), "l.yaml", NULL, NULL, NULL);
	struct lint_report rep = {0};
	assert_int_equal(lint_object(v, NULL, 10, &rep), 1);
	assert_int_equal(rep.f[0].line, 13);
	assert_string_equal(rep.f[0].rule, "dns1123-name");
	assert_non_null(strstr(rep.f[0].msg, "'Bad'"));
	lint_report_done(&rep);
	value_unref(v);
	assert_int_equal(lint_object(NULL, NULL, 0, &rep), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_object),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_selector_mismatch),
		cmocka_unit_test(test_digests_quantities_ports),
		cmocka_unit_test(test_storage_class),
		cmocka_unit_test(test_line_offset_and_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
