/* funcs_semver — Sprig's semver (a *semver.Version object with Major, Minor, Patch, Prerelease,
 * Metadata, Original, String, Compare, LessThan, GreaterThan, Equal) and semverCompare. */
#include "core/tmpl/funcs_util.h"
#include "core/base/semver.h"

#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(struct tmpl_exec *ex, struct value **args, int nargs, \
				  struct value **out, struct tops_err *err)

static const struct value_object_ops semver_ops;

static void sv_free(void *data)
{
	semver_done(data);
	free(data);
}

static struct value *uint_val(uint64_t u)
{
	struct value *v = value_int((int64_t)u);
	v->sub = VS_UINT;
	return v;
}

static int sv_other(struct value **args, int nargs, struct semver **o, struct tops_err *err)
{
	if (nargs != 1)
		return tops_err_set(err, TOPS_EINVAL, "wrong number of args: got %d want 1", nargs);
	if (!args[0] || args[0]->type != V_OBJECT || args[0]->u.obj.ops != &semver_ops)
		return tops_err_set(err, TOPS_EINVAL, "wrong type for value; expected *semver.Version; got %s",
				    value_type_name(args[0]));
	*o = args[0]->u.obj.data;
	return 0;
}

static int sv_call(struct value *self, const char *name, struct value **args, int nargs,
		   struct value **out, struct tops_err *err)
{
	struct semver *v = self->u.obj.data, *o = NULL;
	if (!strcmp(name, "Major")) *out = uint_val(v->major);
	else if (!strcmp(name, "Minor")) *out = uint_val(v->minor);
	else if (!strcmp(name, "Patch")) *out = uint_val(v->patch);
	else if (!strcmp(name, "Prerelease")) *out = value_str(v->pre);
	else if (!strcmp(name, "Metadata")) *out = value_str(v->meta);
	else if (!strcmp(name, "Original")) *out = value_str(v->original);
	else if (!strcmp(name, "String")) {
		struct strbuf sb = STRBUF_INIT;
		semver_format(&sb, v);
		return fu_ret_sb(&sb, out);
	} else if (!strcmp(name, "Compare") || !strcmp(name, "LessThan") ||
		   !strcmp(name, "GreaterThan") || !strcmp(name, "Equal")) {
		FU_TRY(sv_other(args, nargs, &o, err));
		int c = semver_compare(v, o);
		if (name[0] == 'C')
			*out = value_int(c);
		else
			*out = value_bool(name[0] == 'L' ? c < 0 : name[0] == 'G' ? c > 0 : c == 0);
	} else {
		return -TOPS_ENOENT;
	}
	return 0;
}

static const struct value_object_ops semver_ops = {
	.type_name = "*semver.Version",
	.call = sv_call,
	.free = sv_free,
};

FN(f_semver)
{
	const char *s;
	FU_TRY(fu_arg_str(args, 0, &s, NULL, err));
	struct semver *v = xcalloc(1, sizeof *v);
	int rc = semver_parse(s, v, err);
	if (rc < 0) {
		free(v);
		return rc;
	}
	*out = value_object(&semver_ops, v);
	return 0;
}

FN(f_semver_compare)
{
	const char *c, *s;
	FU_TRY(fu_arg_str(args, 0, &c, NULL, err));
	FU_TRY(fu_arg_str(args, 1, &s, NULL, err));
	struct semver v;
	FU_TRY(semver_parse(s, &v, err));
	bool ok = false;
	int rc = semver_check(c, &v, &ok, err);
	semver_done(&v);
	if (rc < 0)
		return rc;
	*out = value_bool(ok);
	return 0;
}

static const struct tmpl_func semver_funcs[] = {
	{"semver", f_semver, 1, 1}, {"semverCompare", f_semver_compare, 2, 2},
};

FU_REGISTER(funcs_semver_register, semver_funcs)
