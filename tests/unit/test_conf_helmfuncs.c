/* Conformance: Helm's engine function tests (pkg/engine funcs_test.go TestFuncs and TestMerge),
 * read in place from $TOPS_ROOT/../shared/conformance/helm-funcs/funcs.json. Rows run in Go's
 * plain mode with Sprig's functions plus Helm's. Rows whose expected text embeds a Go library's
 * parse error message are checked loosely: the result must carry an error at the same place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/funcs.h"

/* Rows we knowingly fail (template), with the reason. */
static const struct {
	const char *tmpl, *why;
} known_failures[] = {
	{NULL, NULL},
};

static bool is_known(const char *tmpl)
{
	for (size_t i = 0; i < ARRAY_LEN(known_failures); i++)
		if (known_failures[i].tmpl && !strcmp(known_failures[i].tmpl, tmpl))
			return true;
	return false;
}

static const char *str_field(const struct value *row, const char *key)
{
	const struct value *v = value_map_get(row, key);
	return v && v->type == V_STRING ? v->u.str.s : NULL;
}

/* "map[Error:toml: line 1: ...]": same wrapper and the library prefix up to the first ':'
 * after the Go error's origin ("toml:", "json:", "error unmarshaling JSON:"). */
static bool loose_match(const char *want, const char *got)
{
	const char *w = strstr(want, "Error:");
	size_t pre = w ? (size_t)(w - want) + 6 : (want[0] == '[' ? 1 : 0);
	if (strncmp(want, got, pre) != 0)
		return false;
	const char *wc = strchr(want + pre, ':');
	if (!wc)
		return false;
	size_t keep = (size_t)(wc - want) + 1;
	return strncmp(want, got, keep) == 0 && got[strlen(got) - 1] == want[strlen(want) - 1];
}

static bool run_row(const struct tmpl_funcs *funcs, const struct value *row, char **got)
{
	const char *text = str_field(row, "template");
	const char *want = str_field(row, "expected");
	struct tmpl_set *set = tmpl_set_new(funcs, TMPL_MISSING_DEFAULT);
	struct strbuf out = STRBUF_INIT;
	struct tops_err err = {0};
	struct value *vars = value_map_get(row, "vars");
	int rc = tmpl_parse(set, "t", text, strlen(text), &err);
	if (rc == 0)
		rc = tmpl_execute(set, "t", vars ? vars : value_null(), &out, &err);
	bool ok = false;
	if (rc < 0) {
		*got = xasprintf("error: %s", tops_err_msg(&err));
	} else {
		const char *note = str_field(row, "note");
		bool loose = note && strstr(note, "embeds a Go library error message");
		ok = want && (!strcmp(sb_str(&out), want) || (loose && loose_match(want, sb_str(&out))));
		*got = xasprintf("output: \"%s\"", sb_str(&out));
	}
	sb_done(&out);
	tops_err_clear(&err);
	tmpl_set_free(set);
	return ok;
}

static void test_helm_funcs(void **state)
{
	(void)state;
	const char *root = getenv("TOPS_ROOT");
	char *path = xasprintf("%s/../shared/conformance/helm-funcs/funcs.json", root ? root : ".");
	char *text = NULL;
	size_t len;
	struct tops_err err = {0};
	struct value *rows = NULL;
	if (read_file(path, 0, &text, &len, &err) == 0)
		rows = value_from_json(text, len, &err);
	free(text);
	free(path);
	tops_err_clear(&err);
	if (!rows) {
		skip();
		return;
	}
	struct tmpl_funcs *funcs = tmpl_funcs_new();
	funcs_register_sprig(funcs);
	funcs_register_helm(funcs);
	size_t n = rows->u.list.len, passed = 0, unexpected = 0;
	for (size_t i = 0; i < n; i++) {
		const struct value *row = rows->u.list.items[i];
		char *got = NULL;
		if (run_row(funcs, row, &got)) {
			passed++;
		} else {
			const char *t = str_field(row, "template");
			bool known = is_known(t);
			unexpected += !known;
			print_message("row %zu%s: %s\n    want \"%s\"\n    got %s\n", i,
				      known ? " (known)" : "", t, str_field(row, "expected"), got);
		}
		free(got);
	}
	print_message("helm funcs: %zu/%zu passed\n", passed, n);
	tmpl_funcs_free(funcs);
	value_unref(rows);
	assert_true(passed * 100 >= n * 95);
	assert_int_equal(unexpected, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_helm_funcs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
