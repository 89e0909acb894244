/* kubeconform's output writer tests (shared/conformance/kubeconform/output_formats.json):
 * every case feeds its results to the writer and compares the flushed output exactly
 * (junit: time="..." attributes blanked first). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/validate/validate.h"
#include "core/base/yaml.h"

static struct value *cases;

static const char *conf_path(void)
{
	const char *root = getenv("TOPS_ROOT");
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s/../shared/conformance/kubeconform/output_formats.json", root ? root : ".");
	return buf;
}

static const char *mstr(const struct value *m, const char *k)
{
	const struct value *v = m && m->type == V_MAP ? value_map_get(m, k) : NULL;
	return v && v->type == V_STRING ? v->u.str.s : NULL;
}

static bool mbool(const struct value *m, const char *k)
{
	const struct value *v = value_map_get(m, k);
	return v && v->type == V_BOOL && v->u.b;
}

static enum validate_status status_of(const char *s)
{
	static const char *const names[] = {[VAL_EMPTY] = "empty", [VAL_VALID] = "valid",
					    [VAL_INVALID] = "invalid", [VAL_ERROR] = "error",
					    [VAL_SKIPPED] = "skipped"};
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(names[i], s) == 0)
			return (enum validate_status)i;
	fail_msg("unknown status %s", s);
	return VAL_EMPTY;
}

/* Builds a result the way the pipeline would: signature from the resource text. */
static void fill_result(struct validate_result *r, const struct value *in)
{
	memset(r, 0, sizeof *r);
	r->path = xstrdup(mstr(in, "path"));
	r->status = status_of(mstr(in, "status"));
	const char *text = mstr(in, "resource");
	struct value *obj = yaml_load(text, strlen(text), "resource", NULL, NULL, NULL);
	const struct value *md = obj && obj->type == V_MAP ? value_map_get(obj, "metadata") : NULL;
	r->kind = xstrdup(mstr(obj, "kind") ? mstr(obj, "kind") : "");
	r->version = xstrdup(mstr(obj, "apiVersion") ? mstr(obj, "apiVersion") : "");
	r->name = xstrdup(mstr(md, "name") ? mstr(md, "name") : "");
	r->namespace_ = xstrdup(mstr(md, "namespace") ? mstr(md, "namespace") : "");
	value_unref(obj);
	if (mstr(in, "error"))
		r->err = xstrdup(mstr(in, "error"));
	const struct value *ve = value_map_get(in, "validation_errors");
	for (size_t i = 0; ve && ve->type == V_LIST && i < ve->u.list.len; i++) {
		r->verrs = xrealloc(r->verrs, (r->nverrs + 1) * sizeof *r->verrs);
		r->verrs[r->nverrs].path = xstrdup(mstr(ve->u.list.items[i], "path"));
		r->verrs[r->nverrs].msg = xstrdup(mstr(ve->u.list.items[i], "msg"));
		r->verrs[r->nverrs].line = r->verrs[r->nverrs].col = 0;
		r->nverrs++;
	}
}

/* time="anything" -> time="" */
static char *blank_times(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	while (*s) {
		if (strncmp(s, "time=\"", 6) == 0) {
			sb_adds(&sb, "time=\"\"");
			const char *q = strchr(s + 6, '"');
			s = q ? q + 1 : s + strlen(s);
		} else {
			sb_addc(&sb, *s++);
		}
	}
	return sb_detach(&sb, NULL);
}

static void test_case(void **state)
{
	const struct value *c = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct tops_err err = {0};
	struct validate_output *o = validate_output_new(mstr(c, "format"), f, mbool(c, "summary"),
							mbool(c, "stdin"), mbool(c, "verbose"), &err);
	assert_non_null(o);
	const struct value *results = value_map_get(c, "results");
	for (size_t i = 0; i < results->u.list.len; i++) {
		struct validate_result r;
		fill_result(&r, results->u.list.items[i]);
		validate_output_write(o, &r);
		validate_result_done(&r);
	}
	validate_output_flush(o);
	validate_output_free(o);
	fclose(f);
	char *got = strcmp(mstr(c, "format"), "junit") == 0 ? blank_times(buf) : xstrdup(buf);
	assert_string_equal(got, mstr(c, "expected"));
	free(got);
	free(buf);
}

static void test_unknown_format(void **state)
{
	(void)state;
	struct tops_err err = {0};
	assert_null(validate_output_new("yaml", stdout, false, false, false, &err));
	assert_string_equal(tops_err_msg(&err), "'yaml' is not a valid output format");
	tops_err_clear(&err);
}

int main(void)
{
	char *text;
	size_t len;
	struct tops_err err = {0};
	if (read_file(conf_path(), 0, &text, &len, &err) < 0) {
		printf("SKIP: conformance data missing: %s\n", tops_err_msg(&err));
		printf("[  SKIPPED ] 1 test(s)\n");
		tops_err_clear(&err);
		return 0;
	}
	cases = value_from_json(text, len, &err);
	free(text);
	if (!cases || cases->type != V_LIST) {
		printf("cannot parse %s: %s\n", conf_path(), tops_err_msg(&err));
		return 1;
	}
	size_t n = cases->u.list.len;
	struct CMUnitTest *tests = xcalloc(n + 1, sizeof *tests);
	for (size_t i = 0; i < n; i++) {
		const struct value *c = cases->u.list.items[i];
		struct CMUnitTest t = cmocka_unit_test_prestate(test_case, (void *)c);
		t.name = xasprintf("%s: %s", mstr(c, "format"), mstr(c, "name"));
		tests[i] = t;
	}
	struct CMUnitTest extra = cmocka_unit_test(test_unknown_format);
	tests[n] = extra;
	int rc = _cmocka_run_group_tests("kubeconform_output_formats", tests, n + 1, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free((char *)tests[i].name);
	free(tests);
	value_unref(cases);
	return rc;
}
