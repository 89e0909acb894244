/* funcs_helm — Helm's engine functions: include, tpl, required, fail, toYaml, mustToYaml,
 * toYamlPretty, fromYaml, fromYamlArray, toToml, fromToml, toJson, mustToJson, fromJson,
 * fromJsonArray, lookup and getHostByName, with Helm v3's semantics and error texts. */
#include "core/base/toml.h"
#include "core/tmpl/funcs_util.h"
#include "core/base/yaml.h"
#include "core/base/yaml_emit.h"

#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(struct tmpl_exec *ex, struct value **args, int nargs, \
				  struct value **out, struct tops_err *err)
#define STR(i, s, n) const char *s; size_t n; FU_TRY(fu_arg_str(args, i, &s, &n, err))

#define RECURSION_MAX 1000

static const struct funcs_helm_hooks *hooks(struct tmpl_exec *ex)
{
	return ex ? tmpl_exec_user(ex) : NULL;
}

/* strings.ReplaceAll(s, "<no value>", "") in place. */
static void drop_no_value(struct strbuf *sb)
{
	static const char nv[] = "<no value>";
	size_t w = 0, n = sizeof nv - 1;
	for (size_t r = 0; r < sb->len;) {
		if (r + n <= sb->len && memcmp(sb->buf + r, nv, n) == 0) {
			r += n;
			continue;
		}
		sb->buf[w++] = sb->buf[r++];
	}
	sb->len = w;
	if (sb->buf)
		sb->buf[w] = 0;
}

FN(f_include)
{
	STR(0, name, namen);
	if (tmpl_exec_depth(ex, name) > RECURSION_MAX)
		return tops_err_set(err, TOPS_ETOOBIG,
				    "rendering template has a nested reference name: %s: unable to execute template",
				    name);
	struct strbuf sb = STRBUF_INIT;
	int rc = tmpl_exec_named(ex, name, args[1], &sb, err);
	if (rc < 0) {
		sb_done(&sb);
		return rc;
	}
	return fu_ret_sb(&sb, out);
}

FN(f_tpl)
{
	STR(0, text, n);
	struct strbuf sb = STRBUF_INIT;
	int rc = tmpl_exec_text(ex, "gotpl", text, n, args[1], &sb, err);
	if (rc < 0) {   /* Helm's wrapping; parse errors carry no "executing" part */
		sb_done(&sb);
		struct strbuf q = STRBUF_INIT;
		fu_quote(&q, text, n);
		if (strstr(tops_err_msg(err), "executing \""))
			tops_err_prefix(err, "error during tpl function execution for %s", sb_str(&q));
		else
			tops_err_prefix(err, "cannot parse template %s", sb_str(&q));
		sb_done(&q);
		return rc;
	}
	const struct funcs_helm_hooks *h = hooks(ex);
	if (!h || !h->keep_no_value)
		drop_no_value(&sb);
	return fu_ret_sb(&sb, out);
}

FN(f_required)
{
	STR(0, warn, wn);
	const struct value *v = args[1];
	if (!v || v->type == V_NULL || (v->type == V_STRING && v->u.str.len == 0))
		return tops_err_set(err, TOPS_EINVAL, "%s", warn);
	*out = value_ref(args[1]);
	return 0;
}

FN(f_fail)
{
	STR(0, msg, n);
	return tops_err_set(err, TOPS_EINVAL, "%s", msg);
}

static char *to_yaml_text(const struct value *v, const struct yaml_emit_opts *o)
{
	struct tops_err cerr = {0};
	int rc = o && o->keep_floats ? fu_check_acyclic(v, "yaml", &cerr) : fu_check_json(v, &cerr);
	if (rc < 0) {   /* Helm returns "" when Marshal fails */
		tops_err_clear(&cerr);
		return xstrdup("");
	}
	char *s = yaml_emit(v, o);
	size_t n = strlen(s);
	if (n && s[n - 1] == '\n')
		s[n - 1] = 0;
	return s;
}

FN(f_to_yaml)
{
	char *s = to_yaml_text(args[0], NULL);
	*out = value_str_own(s, strlen(s));
	return 0;
}

FN(f_must_to_yaml)
{
	int rc = fu_check_json(args[0], err);
	return rc < 0 ? rc : f_to_yaml(ex, args, nargs, out, err);
}

FN(f_to_yaml_pretty)
{
	static const struct yaml_emit_opts pretty = {.indent_sequences = true, .no_fold = true,
						     .keep_floats = true};
	char *s = to_yaml_text(args[0], &pretty);
	*out = value_str_own(s, strlen(s));
	return 0;
}

static const char *json_kind(const struct value *v)
{
	switch (v->type) {
	case V_LIST: return "array";
	case V_MAP: return "object";
	case V_STRING: return "string";
	case V_BOOL: return "bool";
	default: return "number";
	}
}

enum want { WANT_MAP, WANT_LIST };

/* Parses JSON (or YAML with yaml_mode) into the wanted container; NULL and *msg on failure. */
static struct value *decode(const char *s, size_t n, bool yaml_mode, enum want w, char **msg)
{
	struct tops_err perr = {0};
	struct value *v;
	if (yaml_mode) {
		struct yaml_opts yo = {.numbers_as_float = true};
		struct yaml_errpos pos = {0};
		v = yaml_load(s, n, NULL, &yo, &pos, &perr);
		if (!v) {
			if (pos.go_line > 0 && pos.problem[0])
				*msg = xasprintf("error converting YAML to JSON: yaml: line %d: %s",
						 pos.go_line, pos.problem);
			else
				*msg = xasprintf("error converting YAML to JSON: yaml: %s",
						 pos.problem[0] ? pos.problem : tops_err_msg(&perr));
			tops_err_clear(&perr);
			return NULL;
		}
	} else {
		v = fu_json_decode(s, n, msg);
		if (!v)
			return NULL;
	}
	if (v->type == V_NULL) {
		value_unref(v);
		return w == WANT_MAP ? value_map() : value_list();
	}
	if ((w == WANT_MAP && v->type != V_MAP) || (w == WANT_LIST && v->type != V_LIST)) {
		*msg = xasprintf("%sjson: cannot unmarshal %s into Go value of type %s",
				 yaml_mode ? "error unmarshaling JSON: while decoding JSON: " : "",
				 json_kind(v), w == WANT_MAP ? "map[string]interface {}" : "[]interface {}");
		value_unref(v);
		return NULL;
	}
	return v;
}

static int from_common(struct value **args, struct value **out, struct tops_err *err,
		       bool yaml_mode, enum want w)
{
	STR(0, s, n);
	char *msg = NULL;
	struct value *v = decode(s, n, yaml_mode, w, &msg);
	if (!v) {
		v = w == WANT_MAP ? value_map() : value_list();
		if (w == WANT_MAP)
			value_map_set(v, "Error", value_str(msg));
		else
			value_list_push(v, value_str(msg));
		free(msg);
	}
	*out = v;
	return 0;
}

FN(f_from_yaml) { return from_common(args, out, err, true, WANT_MAP); }
FN(f_from_yaml_array) { return from_common(args, out, err, true, WANT_LIST); }
FN(f_from_json) { return from_common(args, out, err, false, WANT_MAP); }
FN(f_from_json_array) { return from_common(args, out, err, false, WANT_LIST); }

FN(f_to_json)
{
	*out = fu_to_json(args[0], false, true);
	return 0;
}

FN(f_must_to_json) { return fu_must_to_json(args[0], false, true, out, err); }

FN(f_to_toml)
{
	struct strbuf sb = STRBUF_INIT;
	struct tops_err terr = {0};
	if (fu_check_acyclic(args[0], "toml", &terr) < 0 || toml_emit(args[0], &sb, &terr) < 0) {
		sb_reset(&sb);
		sb_adds(&sb, tops_err_msg(&terr));
		tops_err_clear(&terr);
	}
	return fu_ret_sb(&sb, out);
}

FN(f_from_toml)
{
	STR(0, s, n);
	struct tops_err terr = {0};
	struct value *v = toml_parse(s, n, &terr);
	if (!v) {
		v = value_map();
		value_map_set(v, "Error", value_str(tops_err_msg(&terr)));
		tops_err_clear(&terr);
	}
	*out = v;
	return 0;
}

FN(f_lookup)
{
	const char *a[4];
	for (int i = 0; i < 4; i++)
		FU_TRY(fu_arg_str(args, i, &a[i], NULL, err));
	const struct funcs_helm_hooks *h = hooks(ex);
	if (h && h->lookup)
		return h->lookup(h->lookup_ctx, a[0], a[1], a[2], a[3], out, err);
	*out = value_map();
	return 0;
}

FN(f_get_host_by_name)
{
	*out = value_str("");
	return 0;
}

static const struct tmpl_func helm_funcs[] = {
	{"include", f_include, 2, 2}, {"tpl", f_tpl, 2, 2}, {"required", f_required, 2, 2},
	{"fail", f_fail, 1, 1}, {"toYaml", f_to_yaml, 1, 1}, {"mustToYaml", f_must_to_yaml, 1, 1},
	{"toYamlPretty", f_to_yaml_pretty, 1, 1}, {"fromYaml", f_from_yaml, 1, 1},
	{"fromYamlArray", f_from_yaml_array, 1, 1}, {"toToml", f_to_toml, 1, 1},
	{"fromToml", f_from_toml, 1, 1}, {"toJson", f_to_json, 1, 1},
	{"mustToJson", f_must_to_json, 1, 1}, {"fromJson", f_from_json, 1, 1},
	{"fromJsonArray", f_from_json_array, 1, 1}, {"lookup", f_lookup, 4, 4},
	{"getHostByName", f_get_host_by_name, 1, 1},
};

FU_REGISTER(funcs_helm_register, helm_funcs)
