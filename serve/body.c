/* body — JSON request bodies against a field table. */
#include "serve/body.h"

#include "core/base/jdom.h"

#include <string.h>

static const char *const type_words[] = {
	[BT_STRING] = "a string", [BT_BOOL] = "true or false", [BT_OBJECT] = "an object",
	[BT_STRINGS] = "a list of strings", [BT_INT] = "a number",
};

static bool type_ok(const struct jd *v, enum body_type t)
{
	switch (t) {
	case BT_STRING: return jd_is(v, JD_STRING);
	case BT_BOOL: return jd_is(v, JD_TRUE) || jd_is(v, JD_FALSE);
	case BT_OBJECT: return jd_is(v, JD_OBJECT);
	case BT_INT: return jd_is(v, JD_NUMBER);
	case BT_STRINGS:
		if (!jd_is(v, JD_ARRAY))
			return false;
		JD_FOREACH(it, v)
			if (!jd_is(it, JD_STRING))
				return false;
		return true;
	}
	return false;
}

static const struct body_field *find(const struct body_field *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].name, name))
			return &f[i];
	return NULL;
}

/* Every member known and of its type; else err says which are not. */
static int check_members(const struct jd *root, const struct body_field *f, size_t n,
			 struct tops_err *err)
{
	struct strbuf unk = STRBUF_INIT;
	int rc = 0, nunk = 0;
	JD_FOREACH(m, root) {
		const struct body_field *bf = find(f, n, m->key);
		if (!bf) {
			sb_addf(&unk, "%s%s", nunk++ ? ", " : "", *m->key ? m->key : "\"\"");
		} else if (!type_ok(m, bf->type) && rc == 0) {
			rc = tops_err_set(err, TOPS_EINVAL, "field \"%s\" must be %s", m->key,
					  type_words[bf->type]);
		}
	}
	if (nunk) {
		struct strbuf known = STRBUF_INIT;
		for (size_t i = 0; i < n; i++)
			sb_addf(&known, "%s%s", i ? ", " : "", f[i].name);
		tops_err_clear(err);
		rc = tops_err_set(err, TOPS_EINVAL, "unknown field%s: %s (known: %s)",
				  nunk > 1 ? "s" : "", sb_str(&unk), sb_str(&known));
		sb_done(&known);
	}
	sb_done(&unk);
	return rc;
}

struct value *body_parse(const char *text, size_t len, const struct body_field *fields, size_t n,
			 struct tops_err *err)
{
	size_t i = 0;
	while (i < len && strchr(" \t\r\n", text[i]))
		i++;
	if (i == len)
		return value_map();
	struct tops_err pe = {0};
	struct jdom *d = jdom_parse(text, len, &pe);
	if (!d) {
		tops_err_set(err, TOPS_EINVAL, "malformed JSON: %s", tops_err_msg(&pe));
		tops_err_clear(&pe);
		return NULL;
	}
	const struct jd *root = jdom_root(d);
	int rc = jd_is(root, JD_OBJECT) ? check_members(root, fields, n, err) :
		 tops_err_set(err, TOPS_EINVAL, "the body must be a JSON object");
	jdom_free(d);
	if (rc < 0)
		return NULL;
	return value_from_json(text, len, err);
}

const char *body_str(const struct value *b, const char *key)
{
	struct value *v = value_map_get(b, key);
	return v && v->type == V_STRING ? v->u.str.s : NULL;
}

bool body_bool(const struct value *b, const char *key)
{
	struct value *v = value_map_get(b, key);
	return v && v->type == V_BOOL && v->u.b;
}
