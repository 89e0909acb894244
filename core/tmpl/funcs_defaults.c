/* funcs_defaults — Sprig's defaults and flow functions (default, empty, coalesce, all, any,
 * ternary, fail) and its JSON functions (numbers decode as float64, as Go's encoding/json does). */
#include "core/tmpl/funcs_util.h"

#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(struct tmpl_exec *ex, struct value **args, int nargs, \
				  struct value **out, struct tops_err *err)

FN(f_default)
{
	if (nargs < 2 || fu_empty(args[1]))
		*out = value_ref(args[0]);
	else
		*out = value_ref(args[1]);
	return 0;
}

FN(f_empty)
{
	*out = value_bool(fu_empty(args[0]));
	return 0;
}

FN(f_coalesce)
{
	for (int i = 0; i < nargs; i++)
		if (!fu_empty(args[i])) {
			*out = value_ref(args[i]);
			return 0;
		}
	*out = value_null();
	return 0;
}

FN(f_all)
{
	bool r = true;
	for (int i = 0; i < nargs && r; i++)
		r = !fu_empty(args[i]);
	*out = value_bool(r);
	return 0;
}

FN(f_any)
{
	bool r = false;
	for (int i = 0; i < nargs && !r; i++)
		r = !fu_empty(args[i]);
	*out = value_bool(r);
	return 0;
}

FN(f_ternary)
{
	bool c;
	FU_TRY(fu_arg_bool(args, 2, &c, err));
	*out = value_ref(c ? args[0] : args[1]);
	return 0;
}

FN(f_fail)
{
	const char *s;
	FU_TRY(fu_arg_str(args, 0, &s, NULL, err));
	return tops_err_set(err, TOPS_EINVAL, "%s", s);
}

static int from_json(struct value **args, struct value **out, struct tops_err *err, bool must)
{
	const char *s;
	size_t n;
	FU_TRY(fu_arg_str(args, 0, &s, &n, err));
	char *msg = NULL;
	struct value *v = fu_json_decode(s, n, must ? &msg : NULL);
	if (!v) {
		if (must) {
			tops_err_set(err, TOPS_EINVAL, "%s", msg);
			free(msg);
			return -TOPS_EINVAL;
		}
		*out = value_null();
		return 0;
	}
	*out = v;
	return 0;
}

FN(f_from_json) { return from_json(args, out, err, false); }
FN(f_must_from_json) { return from_json(args, out, err, true); }

static int to_json(struct value **args, struct value **out, bool pretty, bool html)
{
	*out = fu_to_json(args[0], pretty, html);   /* Sprig returns "" on errors */
	return 0;
}

FN(f_to_json) { return to_json(args, out, false, true); }
FN(f_to_pretty_json) { return to_json(args, out, true, true); }
FN(f_to_raw_json) { return to_json(args, out, false, false); }
FN(f_must_to_json) { return fu_must_to_json(args[0], false, true, out, err); }
FN(f_must_to_pretty_json) { return fu_must_to_json(args[0], true, true, out, err); }
FN(f_must_to_raw_json) { return fu_must_to_json(args[0], false, false, out, err); }

static const struct tmpl_func default_funcs[] = {
	{"default", f_default, 1, -1}, {"empty", f_empty, 1, 1},
	{"coalesce", f_coalesce, 0, -1}, {"all", f_all, 0, -1}, {"any", f_any, 0, -1},
	{"ternary", f_ternary, 3, 3}, {"fail", f_fail, 1, 1},
	{"fromJson", f_from_json, 1, 1}, {"mustFromJson", f_must_from_json, 1, 1},
	{"toJson", f_to_json, 1, 1}, {"mustToJson", f_must_to_json, 1, 1},
	{"toPrettyJson", f_to_pretty_json, 1, 1}, {"mustToPrettyJson", f_must_to_pretty_json, 1, 1},
	{"toRawJson", f_to_raw_json, 1, 1}, {"mustToRawJson", f_must_to_raw_json, 1, 1},
};

FU_REGISTER(funcs_defaults_register, default_funcs)
