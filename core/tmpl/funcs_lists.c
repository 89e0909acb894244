/* funcs_lists — Sprig's list functions. The plain names panic (a template error) where the must*
 * names return an error; both carry Sprig's message ("Cannot find first on type string"). */
#include "core/tmpl/funcs_util.h"

#include <string.h>

#define FN(name) static int name(struct tmpl_exec *ex, struct value **args, int nargs, \
				  struct value **out, struct tops_err *err)
#define INT(i, x) int64_t x; FU_TRY(fu_arg_int(args, i, &x, err))

static bool is_list(const struct value *v)
{
	return v && v->type == V_LIST;
}

static int need_list(const struct value *v, const char *what, struct tops_err *err)
{
	if (is_list(v))
		return 0;
	if (!v || v->type == V_NULL)
		return tops_err_set(err, TOPS_EINVAL,
				    "runtime error: invalid memory address or nil pointer dereference");
	return tops_err_set(err, TOPS_EINVAL, "Cannot %s on type %s", what, fu_kind(v));
}

static struct value *item(const struct value *l, size_t i)
{
	return l->u.list.items[i];
}

FN(f_list)
{
	struct value *l = value_list();
	for (int i = 0; i < nargs; i++)
		value_list_push(l, value_ref(args[i]));
	*out = l;
	return 0;
}

FN(f_first)
{
	FU_TRY(need_list(args[0], "find first", err));
	size_t n = args[0]->u.list.len;
	*out = n ? value_ref(item(args[0], 0)) : value_null();
	return 0;
}

FN(f_last)
{
	FU_TRY(need_list(args[0], "find last", err));
	size_t n = args[0]->u.list.len;
	*out = n ? value_ref(item(args[0], n - 1)) : value_null();
	return 0;
}

static struct value *sub_list(const struct value *l, size_t a, size_t b)
{
	struct value *r = value_list();
	for (size_t i = a; i < b; i++)
		value_list_push(r, value_ref(item(l, i)));
	return r;
}

FN(f_rest)
{
	FU_TRY(need_list(args[0], "find rest", err));
	size_t n = args[0]->u.list.len;
	*out = n ? sub_list(args[0], 1, n) : value_list();
	return 0;
}

FN(f_initial)
{
	FU_TRY(need_list(args[0], "find initial", err));
	size_t n = args[0]->u.list.len;
	*out = n ? sub_list(args[0], 0, n - 1) : value_list();
	return 0;
}

FN(f_append)
{
	FU_TRY(need_list(args[0], "push", err));
	struct value *r = sub_list(args[0], 0, args[0]->u.list.len);
	value_list_push(r, value_ref(args[1]));
	*out = r;
	return 0;
}

FN(f_prepend)
{
	FU_TRY(need_list(args[0], "prepend", err));
	struct value *r = value_list();
	value_list_push(r, value_ref(args[1]));
	for (size_t i = 0; i < args[0]->u.list.len; i++)
		value_list_push(r, value_ref(item(args[0], i)));
	*out = r;
	return 0;
}

FN(f_concat)
{
	struct value *r = value_list();
	for (int i = 0; i < nargs; i++) {
		if (!is_list(args[i])) {
			value_unref(r);
			return tops_err_set(err, TOPS_EINVAL, "Cannot concat type %s as list",
					    fu_kind(args[i]));
		}
		for (size_t k = 0; k < args[i]->u.list.len; k++)
			value_list_push(r, value_ref(item(args[i], k)));
	}
	*out = r;
	return 0;
}

FN(f_reverse)
{
	FU_TRY(need_list(args[0], "find reverse", err));
	struct value *r = value_list();
	for (size_t i = args[0]->u.list.len; i > 0; i--)
		value_list_push(r, value_ref(item(args[0], i - 1)));
	*out = r;
	return 0;
}

static bool in_list(const struct value *l, const struct value *v)
{
	for (size_t i = 0; i < l->u.list.len; i++)
		if (value_equal(item(l, i), v))
			return true;
	return false;
}

FN(f_uniq)
{
	FU_TRY(need_list(args[0], "find uniq", err));
	struct value *r = value_list();
	for (size_t i = 0; i < args[0]->u.list.len; i++)
		if (!in_list(r, item(args[0], i)))
			value_list_push(r, value_ref(item(args[0], i)));
	*out = r;
	return 0;
}

FN(f_without)
{
	FU_TRY(need_list(args[0], "find without", err));
	struct value *omit = value_list();
	for (int i = 1; i < nargs; i++)
		value_list_push(omit, value_ref(args[i]));
	struct value *r = value_list();
	for (size_t i = 0; i < args[0]->u.list.len; i++)
		if (!in_list(omit, item(args[0], i)))
			value_list_push(r, value_ref(item(args[0], i)));
	value_unref(omit);
	*out = r;
	return 0;
}

FN(f_has)
{
	if (!args[1] || args[1]->type == V_NULL) {
		*out = value_bool(false);
		return 0;
	}
	FU_TRY(need_list(args[1], "find has", err));
	*out = value_bool(in_list(args[1], args[0]));
	return 0;
}

FN(f_compact)
{
	FU_TRY(need_list(args[0], "compact", err));
	struct value *r = value_list();
	for (size_t i = 0; i < args[0]->u.list.len; i++)
		if (!fu_empty(item(args[0], i)))
			value_list_push(r, value_ref(item(args[0], i)));
	*out = r;
	return 0;
}

FN(f_slice)
{
	struct value *l = args[0];
	if (!is_list(l) && !(l && l->type == V_STRING))
		return tops_err_set(err, TOPS_EINVAL, "list should be type of slice or array but %s",
				    fu_kind(l));
	size_t n = l->type == V_LIST ? l->u.list.len : l->u.str.len;
	int64_t a = nargs > 1 ? fu_to_int64(args[1]) : 0;
	int64_t b = nargs > 2 ? fu_to_int64(args[2]) : (int64_t)n;
	if (l->type == V_LIST && n == 0) {
		*out = value_null();
		return 0;
	}
	if (a < 0 || b < a || b > (int64_t)n)
		return tops_err_set(err, TOPS_EINVAL, "reflect: slice index out of range");
	if (l->type == V_STRING)
		return fu_ret_str(l->u.str.s + a, (size_t)(b - a), out);
	*out = sub_list(l, (size_t)a, (size_t)b);
	return 0;
}

FN(f_chunk)
{
	INT(0, size);
	FU_TRY(need_list(args[1], "chunk", err));
	struct value *l = args[1];
	if (size <= 0 && l->u.list.len)
		return tops_err_set(err, TOPS_EINVAL, "runtime error: integer divide by zero");
	struct value *r = value_list();
	for (size_t i = 0; i < l->u.list.len; i += (size_t)size) {
		size_t e = i + (size_t)size < l->u.list.len ? i + (size_t)size : l->u.list.len;
		value_list_push(r, sub_list(l, i, e));
	}
	*out = r;
	return 0;
}

/* Sprig's untilStep on ints. */
static int until_step(int64_t start, int64_t stop, int64_t step, struct value **out,
		      struct tops_err *err)
{
	struct value *r = value_list();
	if (stop < start ? step >= 0 : step <= 0) {
		*out = r;
		return 0;
	}
	uint64_t count = stop < start ? ((uint64_t)start - (uint64_t)stop) / ((uint64_t)0 - (uint64_t)step)
				      : ((uint64_t)stop - (uint64_t)start) / (uint64_t)step;
	if (count > 10000000) {
		value_unref(r);
		return tops_err_set(err, TOPS_ETOOBIG, "until: %llu elements is too many",
				    (unsigned long long)count);
	}
	for (__int128 i = start; stop < start ? i > stop : i < stop; i += step)
		value_list_push(r, value_int((int64_t)i));
	*out = r;
	return 0;
}

FN(f_until)
{
	INT(0, count);
	return until_step(0, count, count < 0 ? -1 : 1, out, err);
}

FN(f_until_step)
{
	INT(0, start);
	INT(1, stop);
	INT(2, step);
	return until_step(start, stop, step, out, err);
}

static const struct tmpl_func list_funcs[] = {
	{"list", f_list, 0, -1}, {"tuple", f_list, 0, -1},
	{"first", f_first, 1, 1}, {"mustFirst", f_first, 1, 1},
	{"last", f_last, 1, 1}, {"mustLast", f_last, 1, 1},
	{"rest", f_rest, 1, 1}, {"mustRest", f_rest, 1, 1},
	{"initial", f_initial, 1, 1}, {"mustInitial", f_initial, 1, 1},
	{"append", f_append, 2, 2}, {"mustAppend", f_append, 2, 2},
	{"push", f_append, 2, 2}, {"mustPush", f_append, 2, 2},
	{"prepend", f_prepend, 2, 2}, {"mustPrepend", f_prepend, 2, 2},
	{"concat", f_concat, 0, -1},
	{"reverse", f_reverse, 1, 1}, {"mustReverse", f_reverse, 1, 1},
	{"uniq", f_uniq, 1, 1}, {"mustUniq", f_uniq, 1, 1},
	{"without", f_without, 1, -1}, {"mustWithout", f_without, 1, -1},
	{"has", f_has, 2, 2}, {"mustHas", f_has, 2, 2},
	{"compact", f_compact, 1, 1}, {"mustCompact", f_compact, 1, 1},
	{"slice", f_slice, 1, -1}, {"mustSlice", f_slice, 1, -1},
	{"chunk", f_chunk, 2, 2}, {"mustChunk", f_chunk, 2, 2},
	{"until", f_until, 1, 1}, {"untilStep", f_until_step, 3, 3},
};

FU_REGISTER(funcs_lists_register, list_funcs)
