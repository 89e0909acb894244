/* Unit tests for the console's pure parts: the `/` filter (substring and label selectors),
 * the YAML view (core/yaml_emit's layout) with Secret masking, and the text view's search and
 * line limit. The sources are compiled in; the drawing functions they reach are replaced below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tui/filter.c"
#include "tui/textview.c"
#include "tui/yamlout.c"

/* Drawing is not under test. */
int draw_text(int y, int x, int w, const char *s, int attr, bool pad) { return 0; }
int text_width(const char *s) { return (int)strlen(s); }
void draw_box(int y, int x, int h, int w, const char *t, const char *i, bool f) {}
int term_attr(enum tui_role r) { return 0; }
const char *term_glyph(enum tui_glyph g) { return "-"; }

struct labels { const char *k[4], *v[4]; };

static const char *lookup(const void *obj, const char *key)
{
	const struct labels *l = obj;
	for (int i = 0; i < 4 && l->k[i]; i++)
		if (strcmp(l->k[i], key) == 0)
			return l->v[i];
	return NULL;
}

static bool matches(const char *text, const char *name, const struct labels *l)
{
	struct tops_err err = {0};
	struct filter *f = filter_new(text, &err);
	assert_int_equal(err.code, 0);
	bool m = filter_match(f, name, lookup, l);
	filter_free(f);
	return m;
}

static void test_filter_substring(void **state)
{
	struct labels l = {{NULL}, {NULL}};
	assert_true(matches("runner", "testops-runner-abc", &l));
	assert_true(matches("RUNNER", "testops-runner-abc", &l));
	assert_false(matches("engine", "testops-runner-abc", &l));
	assert_true(matches("", "anything", &l));
	assert_null(filter_new("   ", NULL));
}

static void test_filter_selector(void **state)
{
	struct labels l = {{"app", "tier", "canary"}, {"testops", "web", "yes"}};
	assert_true(matches("app=testops", "x", &l));
	assert_true(matches("app==testops,tier!=db", "x", &l));
	assert_false(matches("app=testops,tier!=web", "x", &l));
	assert_true(matches("tier in (web, db)", "x", &l));
	assert_false(matches("tier notin (web)", "x", &l));
	assert_false(matches("!canary", "x", &l));
	assert_true(matches("!missing,app=testops", "x", &l));
	assert_false(matches("missing=1", "x", &l));
}

static void test_filter_errors(void **state)
{
	const char *bad[] = {"app in web", "app=x,", "app=x y", "!", "app in (a,"};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		struct tops_err err = {0};
		assert_null(filter_new(bad[i], &err));
		assert_int_equal(err.code, TOPS_EINVAL);
		assert_non_null(strstr(err.msg, "column"));
		tops_err_clear(&err);
	}
}

static char *yaml_of(const char *json)
{
	struct textview tv;
	tv_init(&tv, 0);
	cJSON *o = cJSON_Parse(json);
	assert_non_null(o);
	yamlout_emit(&tv, o);
	cJSON_Delete(o);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < tv.n; i++)
		sb_addf(&sb, "%s\n", tv.lines[i]);
	tv_done(&tv);
	return sb_detach(&sb, NULL);
}

static void test_yaml_layout(void **state)
{
	char *y = yaml_of("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
			  "\"creationTimestamp\":\"2024-01-02T03:04:05Z\",\"resourceVersion\":\"12\","
			  "\"managedFields\":[{\"manager\":\"x\"}],\"labels\":{}},"
			  "\"spec\":{\"containers\":[{\"name\":\"c\",\"args\":[\"a: b\",\"true\",\"\"],"
			  "\"ports\":[{\"containerPort\":80}]}],\"x\":1.5,\"nn\":null,\"t\":true}}");
	assert_non_null(strstr(y, "apiVersion: v1\nkind: Pod\nmetadata:\n"));
	assert_non_null(strstr(y, "  creationTimestamp: \"2024-01-02T03:04:05Z\"\n"));
	assert_non_null(strstr(y, "  resourceVersion: \"12\"\n"));
	assert_null(strstr(y, "managedFields"));
	/* quoting as sigs.k8s.io/yaml (kubectl -o yaml) does it */
	assert_non_null(strstr(y, "  containers:\n  - args:\n    - 'a: b'\n    - \"true\"\n    - \"\"\n    name: c\n"));
	assert_non_null(strstr(y, "    ports:\n    - containerPort: 80\n"));
	assert_non_null(strstr(y, "  nn: null\n  t: true\n  x: 1.5\n"));
	free(y);
}

static void test_yaml_block_and_secret(void **state)
{
	char *y = yaml_of("{\"kind\":\"Secret\",\"metadata\":{\"annotations\":{"
			  "\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"data\\\":{\\\"pw\\\":\\\"c2VjcmV0\\\"}}\"}},"
			  "\"data\":{\"pw\":\"c2VjcmV0\",\"tls.key\":\"S0VZ\"},\"stringData\":{\"token\":\"plain\"},"
			  "\"note\":\"line1\\nline2\\n\"}");
	assert_null(strstr(y, "c2VjcmV0"));
	assert_null(strstr(y, "S0VZ"));
	assert_null(strstr(y, "plain"));
	assert_non_null(strstr(y, "data:\n  pw: '*****'\n  tls.key: '*****'\n"));   /* keys stay */
	assert_non_null(strstr(y, "stringData:\n  token: '*****'\n"));
	assert_non_null(strstr(y, "kubectl.kubernetes.io/last-applied-configuration: '*****'\n"));
	assert_non_null(strstr(y, "note: |\n  line1\n  line2\n"));
	free(y);
}

static void test_textview_search_and_limit(void **state)
{
	struct textview tv;
	tv_init(&tv, 100);
	for (int i = 0; i < 250; i++)
		tv_addf(&tv, ROLE_NORMAL, "line %d%s", i, i == 240 ? " needle" : "");
	assert_true(tv.n <= 100);
	assert_true(tv.dropped >= 150);
	assert_string_equal(tv.lines[tv.n - 1], "line 249");
	assert_true(tv_search(&tv, "NEEDLE"));
	assert_string_equal(tv.lines[tv.match], "line 240 needle");
	assert_false(tv_search(&tv, "absent"));
	tv_add(&tv, ROLE_NORMAL, "tab\there\r", 9);
	assert_string_equal(tv.lines[tv.n - 1], "tab    here");
	tv_done(&tv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter_substring),
		cmocka_unit_test(test_filter_selector),
		cmocka_unit_test(test_filter_errors),
		cmocka_unit_test(test_yaml_layout),
		cmocka_unit_test(test_yaml_block_and_secret),
		cmocka_unit_test(test_textview_search_and_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
