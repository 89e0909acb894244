/* libFuzzer target for core/tmpl: the input is parsed as a template (plus a second template
 * after a NUL byte, if any) and executed with a small dot. Execution is bounded in -DTOPS_FUZZ
 * builds (steps and output size), so the target cannot hang. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/tmpl/gofmt.h"
#include "core/tmpl/tmpl.h"

static const char dot_json[] =
	"{\"A\":1,\"F\":1.5,\"S\":\"str\",\"B\":true,\"N\":null,\"L\":[1,\"two\",3.0,null],"
	"\"M\":{\"k\":\"v\",\"n\":{\"x\":[1,2]}},\"E\":[],\"EM\":{}}";

static int fn_include(struct tmpl_exec *ex, struct value **a, int n, struct value **out,
		      struct tops_err *err)
{
	if (a[0]->type != V_STRING)
		return tops_err_set(err, TOPS_EINVAL, "name must be a string");
	if (tmpl_exec_depth(ex, a[0]->u.str.s) > 20)
		return tops_err_set(err, TOPS_ETOOBIG, "include nested too deep");
	struct strbuf sb = STRBUF_INIT;
	int rc = tmpl_exec_named(ex, a[0]->u.str.s, a[1], &sb, err);
	size_t len;
	char *s = sb_detach(&sb, &len);
	if (rc < 0) {
		free(s);
		return rc;
	}
	*out = value_str_own(s, len);
	return 0;
}

static int fn_tpl(struct tmpl_exec *ex, struct value **a, int n, struct value **out,
		  struct tops_err *err)
{
	if (a[0]->type != V_STRING)
		return tops_err_set(err, TOPS_EINVAL, "text must be a string");
	if (tmpl_exec_depth(ex, tmpl_exec_name(ex)) > 20)
		return tops_err_set(err, TOPS_ETOOBIG, "tpl nested too deep");
	struct strbuf sb = STRBUF_INIT;
	int rc = tmpl_exec_text(ex, tmpl_exec_name(ex), a[0]->u.str.s, a[0]->u.str.len, a[1], &sb, err);
	size_t len;
	char *s = sb_detach(&sb, &len);
	if (rc < 0) {
		free(s);
		return rc;
	}
	*out = value_str_own(s, len);
	return 0;
}

static const struct tmpl_func fuzz_funcs[] = {
	{"include", fn_include, 2, 2},
	{"tpl", fn_tpl, 2, 2},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	const char *text = (const char *)data;
	const char *nul = memchr(text, 0, size);
	size_t len1 = nul ? (size_t)(nul - text) : size;
	struct tops_err err = {0};
	struct tmpl_funcs *funcs = tmpl_funcs_new();
	tmpl_funcs_add(funcs, fuzz_funcs, sizeof fuzz_funcs / sizeof fuzz_funcs[0]);
	enum tmpl_missingkey mode = (enum tmpl_missingkey)(size % 3);
	struct tmpl_set *set = tmpl_set_new(funcs, mode);
	struct value *dot = value_from_json(dot_json, sizeof dot_json - 1, &err);
	struct strbuf out = STRBUF_INIT;
	if (tmpl_parse(set, "main", text, len1, &err) == 0) {
		if (nul)
			tmpl_parse(set, "second", nul + 1, size - len1 - 1, &err);
		tops_err_clear(&err);
		tmpl_execute(set, "main", dot, &out, &err);
	}
	tops_err_clear(&err);
	sb_done(&out);
	value_unref(dot);
	tmpl_set_free(set);
	tmpl_funcs_free(funcs);
	return 0;
}
