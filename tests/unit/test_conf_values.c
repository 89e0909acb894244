/* Conformance: Helm's --set parser tests (values/set.json) and values coalescing tests
 * (values/coalesce.json), read in place from $TOPS_ROOT/../shared/conformance/values.
 * Prints per-set counts and failing rows; asserts each set is >= 95% and that only rows in the
 * known-failure list fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/chart/strvals.h"
#include "core/tmpl/tmpl.h"
#include "core/chart/values.h"
#include "conf_util.h"

/* Rows we knowingly fail (set, label), with the reason. Empty: every row passes. */
static const struct conf_known known_failures[] = {
	{NULL, NULL, NULL},
};

static const struct {
	const char *name;
	enum strvals_kind kind;
} kinds[] = {
	{"set", STRVALS_SET}, {"set-string", STRVALS_STRING}, {"set-json", STRVALS_JSON},
	{"set-literal", STRVALS_LITERAL}, {"set-file", STRVALS_FILE},
};

static int files_reader(void *ctx, const char *path, struct value **out, struct tops_err *err)
{
	const struct value *f = value_map_get(ctx, path);
	if (!f || f->type != V_STRING)
		return tops_err_set(err, TOPS_ENOENT, "open %s: no such file or directory", path);
	*out = value_ref((struct value *)f);
	return 0;
}

static bool set_row(const struct value *row, char **why)
{
	const char *k = conf_str(row, "kind"), *s = conf_str(row, "set"), *s2 = conf_str(row, "set2");
	const struct value *exp = value_map_get(row, "expected"), *em = value_map_get(row, "error");
	const char *emsg = conf_str(row, "error_message");
	enum strvals_kind kind = STRVALS_SET;
	for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
		if (k && !strcmp(k, kinds[i].name))
			kind = kinds[i].kind;
	struct value *dest = value_copy(value_map_get(row, "initial"));
	struct value *files = value_map_get(row, "files");
	struct tops_err err = {0};
	int rc = strvals_parse_into(kind, s, dest, files_reader, files, &err);
	if (rc == 0 && s2)
		rc = strvals_parse_into(kind, s2, dest, files_reader, files, &err);
	bool want_err = em && em->type == V_BOOL && em->u.b, ok;
	if (want_err)
		ok = rc < 0 && (!emsg || !strcmp(emsg, tops_err_msg(&err)));
	else
		ok = rc == 0 && exp && value_equal_json(dest, exp);
	if (!ok) {
		char *got = value_to_json(dest, false, false);
		*why = xasprintf("rc=%d err=[%s] got=%s", rc, tops_err_msg(&err), got);
		free(got);
	}
	tops_err_clear(&err);
	value_unref(dest);
	return ok;
}

/* A struct chart from the JSON form {"name","values","dependencies":[...]}. */
static struct chart *chart_from(const struct value *j, struct chart *parent)
{
	struct chart *c = xcalloc(1, sizeof(*c));
	c->name = xstrdup(conf_str(j, "name") ? conf_str(j, "name") : "");
	c->version = xstrdup("0.1.0");
	c->meta = value_map();
	const struct value *v = value_map_get(j, "values");
	c->values = v && v->type == V_MAP ? value_copy(v) : value_map();
	const struct value *deps = value_map_get(j, "dependencies");
	size_t n = deps && deps->type == V_LIST ? deps->u.list.len : 0;
	c->charts = xcalloc(n + 1, sizeof(*c->charts));
	for (size_t i = 0; i < n; i++)
		c->charts[c->ncharts++] = chart_from(deps->u.list.items[i], c);
	c->parent = parent;
	return c;
}

static bool checks_ok(const struct value *row, struct value *got, char **why)
{
	const struct value *checks = value_map_get(row, "checks");
	const struct value *absent = value_map_get(row, "absent_keys");
	bool ok = true;
	for (size_t i = 0; checks && i < checks->u.list.len && ok; i++) {
		const char *t = conf_str(checks->u.list.items[i], "template");
		const char *e = conf_str(checks->u.list.items[i], "expected");
		struct tmpl_funcs *f = tmpl_funcs_new();
		struct tmpl_set *set = tmpl_set_new(f, TMPL_MISSING_DEFAULT);
		struct strbuf out = STRBUF_INIT;
		ok = tmpl_parse(set, "c", t, strlen(t), NULL) == 0 &&
		     tmpl_execute(set, "c", got, &out, NULL) == 0 && !strcmp(sb_str(&out), e);
		if (!ok)
			*why = xasprintf("check %s: want [%s] got [%s]", t, e, sb_str(&out));
		sb_done(&out);
		tmpl_set_free(set);
		tmpl_funcs_free(f);
	}
	for (size_t i = 0; absent && i < absent->u.list.len && ok; i++) {
		const char *p = absent->u.list.items[i]->u.str.s;
		if (value_map_path(got, p)) {
			ok = false;
			*why = xasprintf("key %s should be absent", p);
		}
	}
	return ok;
}

static bool coalesce_row(const struct value *row, char **why)
{
	const char *fn = conf_str(row, "function");
	const struct value *exp = value_map_get(row, "expected");
	struct value *got = NULL;
	bool merge = strstr(fn, "Merge") != NULL;
	if (!strcmp(fn, "CoalesceTables") || !strcmp(fn, "MergeTables")) {
		struct value *dst = value_copy(value_map_get(row, "user_values"));
		const struct value *cv = value_map_get(row, "chart_values");
		struct value *src = cv && cv->type == V_MAP ? value_copy(cv) : NULL;
		got = value_ref(values_coalesce_tables(dst, src, merge));
		value_unref(dst);
		value_unref(src);
	} else {
		struct chart *c = chart_from(value_map_get(row, "chart"), NULL);
		struct tops_err err = {0};
		got = values_coalesce(c, value_map_get(row, "user_values"), merge, &err);
		tops_err_clear(&err);
		chart_free(c);
	}
	bool ok = got && value_equal_json(got, exp);
	if (!ok) {
		char *g = got ? value_to_json(got, false, false) : xstrdup("(error)");
		*why = xasprintf("got %s", g);
		free(g);
	} else {
		ok = checks_ok(row, got, why);
	}
	value_unref(got);
	return ok;
}

static void run_set(const char *set_name, const char *file, bool (*fn)(const struct value *, char **))
{
	struct value *rows = conf_load_rows("values", file);
	if (!rows) {
		skip();
		return;
	}
	size_t pass = 0, n = rows->u.list.len, unexpected = 0;
	for (size_t i = 0; i < n; i++) {
		const struct value *row = rows->u.list.items[i];
		char *why = NULL;
		const char *name = conf_str(row, "test") ? conf_str(row, "test") : conf_str(row, "name");
		char *label = xasprintf("%zu:%s:%s", i, name ? name : "?", conf_str(row, "set") ? conf_str(row, "set") : "");
		if (fn(row, &why)) {
			pass++;
		} else {
			bool known = conf_is_known(known_failures, ARRAY_LEN(known_failures), set_name, label);
			unexpected += !known;
			print_message("%s FAIL %s: %s%s\n", set_name, label, why ? why : "", known ? " (known)" : "");
		}
		free(why);
		free(label);
	}
	value_unref(rows);
	conf_report(NULL, set_name, pass, n, unexpected);
}

static void test_set(void **state)
{
	(void)state;
	run_set("set.json", "set.json", set_row);
}

static void test_coalesce(void **state)
{
	(void)state;
	run_set("coalesce.json", "coalesce.json", coalesce_row);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_coalesce),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
