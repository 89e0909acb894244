/* funcs_reflect — Sprig's kindOf, kindIs, typeOf, typeIs, typeIsLike and deepEqual on Go's type
 * names for this data model (int, int64, float64, string, bool, []interface {}, map[string]...). */
#include "core/tmpl/funcs_util.h"

#include <string.h>

#define FN(name) static int name(struct tmpl_exec *ex, struct value **args, int nargs, \
				  struct value **out, struct tops_err *err)
#define STR(i, s) const char *s; FU_TRY(fu_arg_str(args, i, &s, NULL, err))

FN(f_kind_of)
{
	*out = value_str(fu_kind(args[0]));
	return 0;
}

FN(f_kind_is)
{
	STR(0, k);
	*out = value_bool(strcmp(k, fu_kind(args[1])) == 0);
	return 0;
}

FN(f_type_of)
{
	*out = value_str(value_type_name(args[0]));
	return 0;
}

FN(f_type_is)
{
	STR(0, t);
	*out = value_bool(strcmp(t, value_type_name(args[1])) == 0);
	return 0;
}

FN(f_type_is_like)
{
	STR(0, t);
	const char *have = value_type_name(args[1]);
	*out = value_bool(strcmp(t, have) == 0 || (have[0] == '*' && strcmp(t, have + 1) == 0));
	return 0;
}

FN(f_deep_equal)
{
	*out = value_bool(value_equal(args[0], args[1]));
	return 0;
}

static const struct tmpl_func reflect_funcs[] = {
	{"kindOf", f_kind_of, 1, 1}, {"kindIs", f_kind_is, 2, 2}, {"typeOf", f_type_of, 1, 1},
	{"typeIs", f_type_is, 2, 2}, {"typeIsLike", f_type_is_like, 2, 2},
	{"deepEqual", f_deep_equal, 2, 2},
};

FU_REGISTER(funcs_reflect_register, reflect_funcs)
