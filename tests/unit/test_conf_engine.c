/* Conformance: Helm's engine tests (helm-funcs/engine.json) and template parse order
 * (helm-funcs/sort_templates.json), read in place from $TOPS_ROOT/../shared/conformance.
 * lint_mode and strict cases test Engine options `helm template` never sets: they are skipped.
 * Prints per-set counts and failing cases; asserts >= 95% and no unlisted failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/chart/render.h"
#include "conf_util.h"

/* Cases we knowingly fail (set, name), with the reason. Empty: every case passes. */
static const struct conf_known known_failures[] = {
	{NULL, NULL, NULL},
};

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct chart_file *)a)->name, ((const struct chart_file *)b)->name);
}

static struct chart_file *files_from(const struct value *m, size_t *n)
{
	*n = m && m->type == V_MAP ? m->u.map.len : 0;
	struct chart_file *f = xcalloc(*n + 1, sizeof(*f));
	for (size_t i = 0; i < *n; i++) {
		const struct value *v = m->u.map.e[i].val;
		f[i].name = xstrdup(m->u.map.e[i].key);
		f[i].data = xstrndup(v->u.str.s, v->u.str.len);
		f[i].len = v->u.str.len;
	}
	qsort(f, *n, sizeof(*f), file_cmp);
	return f;
}

static struct chart *chart_from(const struct value *j, struct chart *parent)
{
	struct chart *c = xcalloc(1, sizeof(*c));
	const char *name = conf_str(j, "name"), *ver = conf_str(j, "version"), *type = conf_str(j, "type");
	c->name = xstrdup(name ? name : "");
	c->version = xstrdup(ver ? ver : "");
	c->type = type ? xstrdup(type) : NULL;
	c->meta = value_map();
	value_map_set(c->meta, "Name", value_str(c->name));
	value_map_set(c->meta, "Version", value_str(c->version));
	value_map_set(c->meta, "Type", value_str(type ? type : ""));
	const struct value *v = value_map_get(j, "values");
	c->values = v && v->type == V_MAP ? value_copy(v) : value_map();
	c->templates = files_from(value_map_get(j, "templates"), &c->ntemplates);
	c->files = files_from(value_map_get(j, "files"), &c->nfiles);
	const struct value *deps = value_map_get(j, "dependencies");
	size_t n = deps && deps->type == V_LIST ? deps->u.list.len : 0;
	c->charts = xcalloc(n + 1, sizeof(*c->charts));
	for (size_t i = 0; i < n; i++)
		c->charts[c->ncharts++] = chart_from(deps->u.list.items[i], c);
	c->parent = parent;
	return c;
}

static const char *result_get(const struct render_result *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->files[i].name, name))
			return r->files[i].text;
	return NULL;
}

static int run_case(const struct value *row, struct render_result *res, struct tops_err *err)
{
	struct value *vals = value_map_get(row, "values");
	if (!strcmp(conf_str(row, "mode"), "chart")) {
		struct chart *c = chart_from(value_map_get(row, "chart"), NULL);
		int rc = render_engine_chart(c, vals, res, err);
		chart_free(c);
		return rc;
	}
	const struct value *t = value_map_get(row, "templates");
	size_t n = t->u.map.len;
	const char **names = xcalloc(n + 1, sizeof(char *)), **texts = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		names[i] = t->u.map.e[i].key;
		texts[i] = t->u.map.e[i].val->u.str.s;
	}
	struct value *dot = value_copy(vals);
	int rc = render_engine_templates(names, texts, n, dot, res, err);
	value_unref(dot);
	free(names);
	free(texts);
	return rc;
}

static bool check_case(const struct value *row, char **why)
{
	struct render_result res = {0};
	struct tops_err err = {0};
	int rc = run_case(row, &res, &err);
	const char *contains = conf_str(row, "error_contains"), *exact = conf_str(row, "error_exact");
	const struct value *exp = value_map_get(row, "expected");
	bool ok = true;
	if (contains || exact) {
		ok = rc < 0 && (!contains || strstr(tops_err_msg(&err), contains)) &&
		     (!exact || !strcmp(tops_err_msg(&err), exact));
		if (!ok)
			*why = xasprintf("want error [%s], got rc=%d [%s]", exact ? exact : contains, rc, tops_err_msg(&err));
	} else if (rc < 0) {
		ok = false;
		*why = xasprintf("error: %s", tops_err_msg(&err));
	}
	for (size_t i = 0; ok && exp && exp->type == V_MAP && i < exp->u.map.len; i++) {
		const char *got = result_get(&res, exp->u.map.e[i].key);
		if (!got || strcmp(got, exp->u.map.e[i].val->u.str.s)) {
			ok = false;
			*why = xasprintf("%s: want [%s] got [%s]", exp->u.map.e[i].key,
					 exp->u.map.e[i].val->u.str.s, got ? got : "(missing)");
		}
	}
	render_result_done(&res);
	tops_err_clear(&err);
	return ok;
}

static void test_engine(void **state)
{
	(void)state;
	struct value *rows = conf_load_rows("helm-funcs", "engine.json");
	if (!rows) {
		skip();
		return;
	}
	size_t pass = 0, n = 0, skipped = 0, unexpected = 0;
	for (size_t i = 0; i < rows->u.list.len; i++) {
		const struct value *row = rows->u.list.items[i];
		const char *name = conf_str(row, "name");
		if (conf_bool(row, "lint_mode") || conf_bool(row, "strict")) {
			skipped++;
			continue;
		}
		n++;
		char *why = NULL;
		if (check_case(row, &why)) {
			pass++;
		} else {
			bool known = conf_is_known(known_failures, ARRAY_LEN(known_failures), "engine.json", name);
			unexpected += !known;
			print_message("engine.json FAIL %s: %s%s\n", name, why, known ? " (known)" : "");
		}
		free(why);
	}
	print_message("engine.json: %zu lint/strict cases skipped\n", skipped);
	value_unref(rows);
	conf_report(NULL, "engine.json", pass, n, unexpected);
}

static void test_sort_templates(void **state)
{
	(void)state;
	struct value *rows = conf_load_rows("helm-funcs", "sort_templates.json");
	if (!rows) {
		skip();
		return;
	}
	size_t pass = 0;
	for (size_t i = 0; i < rows->u.list.len; i++) {
		const struct value *row = rows->u.list.items[i];
		const struct value *in = value_map_get(row, "input"), *exp = value_map_get(row, "expected");
		const char **names = xcalloc(in->u.list.len + 1, sizeof(char *));
		for (size_t k = 0; k < in->u.list.len; k++)
			names[k] = in->u.list.items[k]->u.str.s;
		render_sort_templates(names, in->u.list.len);
		bool ok = exp->u.list.len == in->u.list.len;
		for (size_t k = 0; ok && k < exp->u.list.len; k++)
			ok = !strcmp(names[k], exp->u.list.items[k]->u.str.s);
		if (!ok)
			print_message("sort_templates.json FAIL %s\n", conf_str(row, "name"));
		pass += ok;
		free(names);
	}
	print_message("sort_templates.json: %zu/%zu passed\n", pass, rows->u.list.len);
	assert_int_equal(pass, rows->u.list.len);
	value_unref(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engine),
		cmocka_unit_test(test_sort_templates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
