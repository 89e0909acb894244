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

#include "core/tmpl/funcs.h"
#include "conf_util.h"

/* Rows we knowingly fail (set, template), with the reason. */
static const struct conf_known known_failures[] = {
	{NULL, NULL, NULL},
};

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
	const char *want = conf_str(row, "expected");
	struct strbuf out = STRBUF_INIT;
	struct tops_err err = {0};
	int rc = conf_run_template(funcs, row, &out, &err);
	bool ok = false;
	if (rc < 0) {
		*got = xasprintf("error: %s", tops_err_msg(&err));
	} else {
		const char *note = conf_str(row, "note");
		bool loose = note && strstr(note, "embeds a Go library error message");
		ok = want && (!strcmp(sb_str(&out), want) || (loose && loose_match(want, sb_str(&out))));
		*got = xasprintf("output: \"%s\"", sb_str(&out));
	}
	sb_done(&out);
	tops_err_clear(&err);
	return ok;
}

static void register_helm(struct tmpl_funcs *f)
{
	funcs_register_sprig(f);
	funcs_register_helm(f);
}

static void test_helm_funcs(void **state)
{
	(void)state;
	const struct conf_tmpl_rows rows = {
		.suite = "helm", .dir = "helm-funcs", .file = "funcs.json", .label = "funcs",
		.register_funcs = register_helm, .check = run_row,
		.known = known_failures, .nknown = ARRAY_LEN(known_failures),
	};
	conf_run_tmpl_rows(&rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_helm_funcs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
