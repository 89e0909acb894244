/* funcs_dicts — Sprig's dictionary functions. Maps are Go maps: set/unset/merge mutate in place
 * and return the same map. merge/mergeOverwrite follow mergo's rules as Sprig uses them. */
#include "core/tmpl/funcs_util.h"

#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(struct tmpl_exec *ex, struct value **args, int nargs, \
				  struct value **out, struct tops_err *err)
#define STR(i, s, n) const char *s; size_t n; FU_TRY(fu_arg_str(args, i, &s, &n, err))
#define MAP(i, m) struct value *m; FU_TRY(fu_arg_map(args, i, &m, err))

FN(f_dict)
{
	struct value *m = value_map();
	for (int i = 0; i < nargs; i += 2) {
		size_t n;
		char *k = fu_strval(args[i], &n);
		value_map_set(m, k, i + 1 < nargs ? value_ref(args[i + 1]) : value_str(""));
		free(k);
	}
	*out = m;
	return 0;
}

FN(f_get)
{
	MAP(0, m);
	STR(1, k, kn);
	struct value *v = value_map_getn(m, k, kn);
	*out = v ? value_ref(v) : value_str("");
	return 0;
}

FN(f_set)
{
	MAP(0, m);
	STR(1, k, kn);
	value_map_set(m, k, value_ref(args[2]));
	*out = value_ref(m);
	return 0;
}

FN(f_unset)
{
	MAP(0, m);
	STR(1, k, kn);
	value_map_del(m, k);
	*out = value_ref(m);
	return 0;
}

FN(f_has_key)
{
	MAP(0, m);
	STR(1, k, kn);
	*out = value_bool(value_map_getn(m, k, kn) != NULL);
	return 0;
}

FN(f_pluck)
{
	STR(0, k, kn);
	struct value *r = value_list();
	for (int i = 1; i < nargs; i++) {
		struct value *m;
		int rc = fu_arg_map(args, i, &m, err);
		if (rc < 0) {
			value_unref(r);
			return rc;
		}
		struct value *v = value_map_getn(m, k, kn);
		if (v)
			value_list_push(r, value_ref(v));
	}
	*out = r;
	return 0;
}

FN(f_dig)
{
	if (nargs < 3)
		return tops_err_set(err, TOPS_EINVAL, "dig needs at least three arguments");
	struct value *m = args[nargs - 1];
	if (!m || m->type != V_MAP)
		return tops_err_set(err, TOPS_EINVAL, "interface conversion: interface {} is %s, not map[string]interface {}",
				    value_type_name(m));
	for (int i = 0; i < nargs - 2; i++) {
		if (!args[i] || args[i]->type != V_STRING)
			return tops_err_set(err, TOPS_EINVAL, "interface conversion: interface {} is %s, not string",
					    value_type_name(args[i]));
		struct value *step = value_map_getn(m, args[i]->u.str.s, args[i]->u.str.len);
		if (!step) {
			*out = value_ref(args[nargs - 2]);
			return 0;
		}
		if (i == nargs - 3) {
			*out = value_ref(step);
			return 0;
		}
		if (step->type != V_MAP)
			return tops_err_set(err, TOPS_EINVAL, "interface conversion: interface {} is %s, not map[string]interface {}",
					    value_type_name(step));
		m = step;
	}
	*out = value_ref(args[nargs - 2]);
	return 0;
}

/* mergo.Merge for map[string]interface{} (deep; dst wins unless overwrite; empty dst values are
 * filled; lists are never merged element-wise; src maps are shared, not copied). */
static void merge_map(struct value *dst, struct value *src, bool overwrite, int depth)
{
	if (depth > 1000)
		return;
	for (size_t i = 0; i < src->u.map.len; i++) {
		const char *k = src->u.map.e[i].key;
		struct value *s = src->u.map.e[i].val;
		struct value *d = value_map_get(dst, k);
		if (!s || s->type == V_NULL) {
			if (overwrite)
				value_map_set(dst, k, value_null());
			continue;
		}
		if (s->type == V_MAP && d && d->type == V_MAP)
			merge_map(d, s, overwrite, depth + 1);
		else if (s->type == V_LIST && d && (overwrite || fu_empty(d)))
			value_map_set(dst, k, value_ref(s)), d = s;
		if (d && !fu_empty(d) && (s->type == V_MAP || s->type == V_LIST))
			continue;
		if (overwrite || !d || fu_empty(d))
			value_map_set(dst, k, value_ref(s));
	}
}

static int merge_common(struct value **args, int nargs, struct value **out,
			struct tops_err *err, bool overwrite)
{
	MAP(0, dst);
	for (int i = 1; i < nargs; i++) {
		struct value *src;
		FU_TRY(fu_arg_map(args, i, &src, err));
		merge_map(dst, src, overwrite, 0);
	}
	*out = value_ref(dst);
	return 0;
}

FN(f_merge) { return merge_common(args, nargs, out, err, false); }
FN(f_merge_overwrite) { return merge_common(args, nargs, out, err, true); }

FN(f_keys)
{
	struct value *r = fu_strlist_new();
	for (int i = 0; i < nargs; i++) {
		struct value *m;
		int rc = fu_arg_map(args, i, &m, err);
		if (rc < 0) {
			value_unref(r);
			return rc;
		}
		for (size_t k = 0; k < m->u.map.len; k++)
			fu_strlist_add(r, m->u.map.e[k].key, strlen(m->u.map.e[k].key));
	}
	*out = r;
	return 0;
}

FN(f_values)
{
	MAP(0, m);
	struct value *r = value_list();
	for (size_t k = 0; k < m->u.map.len; k++)
		value_list_push(r, value_ref(m->u.map.e[k].val));
	*out = r;
	return 0;
}

static bool key_listed(struct value **args, int nargs, const char *k)
{
	for (int i = 1; i < nargs; i++)
		if (args[i] && args[i]->type == V_STRING && strcmp(args[i]->u.str.s, k) == 0)
			return true;
	return false;
}

static int pick_omit(struct value **args, int nargs, struct value **out, struct tops_err *err,
		     bool pick)
{
	MAP(0, m);
	for (int i = 1; i < nargs; i++) {
		const char *s;
		FU_TRY(fu_arg_str(args, i, &s, NULL, err));
	}
	struct value *r = value_map();
	for (size_t k = 0; k < m->u.map.len; k++)
		if (key_listed(args, nargs, m->u.map.e[k].key) == pick)
			value_map_set(r, m->u.map.e[k].key, value_ref(m->u.map.e[k].val));
	*out = r;
	return 0;
}

FN(f_pick) { return pick_omit(args, nargs, out, err, true); }
FN(f_omit) { return pick_omit(args, nargs, out, err, false); }

FN(f_deep_copy)
{
	if (!args[0] || args[0]->type == V_NULL)
		return tops_err_set(err, TOPS_EINVAL, "copy: nil value");
	FU_TRY(fu_check_acyclic(args[0], "deepCopy", err));
	*out = value_copy(args[0]);
	return 0;
}

static const struct tmpl_func dict_funcs[] = {
	{"dict", f_dict, 0, -1}, {"get", f_get, 2, 2}, {"set", f_set, 3, 3},
	{"unset", f_unset, 2, 2}, {"hasKey", f_has_key, 2, 2}, {"pluck", f_pluck, 1, -1},
	{"dig", f_dig, 0, -1}, {"merge", f_merge, 1, -1},
	{"mustMerge", f_merge, 1, -1}, {"mergeOverwrite", f_merge_overwrite, 1, -1},
	{"mustMergeOverwrite", f_merge_overwrite, 1, -1}, {"keys", f_keys, 0, -1},
	{"values", f_values, 1, 1}, {"pick", f_pick, 1, -1}, {"omit", f_omit, 1, -1},
	{"deepCopy", f_deep_copy, 1, 1}, {"mustDeepCopy", f_deep_copy, 1, 1},
};

FU_REGISTER(funcs_dicts_register, dict_funcs)
