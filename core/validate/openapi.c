/* openapi — OpenAPI v3 component schemas to compiled JSON schemas (see openapi.h). */
#include "core/validate/openapi.h"

#include <stdlib.h>
#include <string.h>

#define REF_PREFIX "#/components/schemas/"
#define CONV_MAX_DEPTH 200

char *openapi_gv_path(const char *api_version)
{
	return strchr(api_version, '/') ? xasprintf("apis/%s", api_version) : xasprintf("api/%s", api_version);
}

static void split_api_version(const char *api_version, char **group, const char **version)
{
	const char *slash = strchr(api_version, '/');
	*group = slash ? xstrndup(api_version, (size_t)(slash - api_version)) : xstrdup("");
	*version = slash ? slash + 1 : api_version;
}

static const char *str_of(const struct value *m, const char *key)
{
	const struct value *v = m && m->type == V_MAP ? value_map_get(m, key) : NULL;
	return v && v->type == V_STRING ? v->u.str.s : NULL;
}

static bool gvk_lists(const struct value *schema, const char *group, const char *version, const char *kind)
{
	const struct value *l = schema->type == V_MAP ? value_map_get(schema, "x-kubernetes-group-version-kind") : NULL;
	for (size_t i = 0; l && l->type == V_LIST && i < l->u.list.len; i++) {
		const struct value *e = l->u.list.items[i];
		const char *g = str_of(e, "group"), *v = str_of(e, "version"), *k = str_of(e, "kind");
		if (v && k && !strcmp(g ? g : "", group) && !strcmp(v, version) && !strcmp(k, kind))
			return true;
	}
	return false;
}

static const struct value *schemas_of(const struct value *doc)
{
	const struct value *c = doc && doc->type == V_MAP ? value_map_get(doc, "components") : NULL;
	const struct value *s = c && c->type == V_MAP ? value_map_get(c, "schemas") : NULL;
	return s && s->type == V_MAP ? s : NULL;
}

const char *openapi_find_kind(const struct value *doc, const char *api_version, const char *kind)
{
	const struct value *s = schemas_of(doc);
	char *group;
	const char *version;
	split_api_version(api_version, &group, &version);
	const char *found = NULL;
	for (size_t i = 0; s && !found && i < s->u.map.len; i++)
		if (gvk_lists(s->u.map.e[i].val, group, version, kind))
			found = s->u.map.e[i].key;
	free(group);
	return found;
}

/* ---- conversion of one schema ---- */

static struct value *conv(const struct value *s, bool strict, int depth);

static struct value *conv_map_of_schemas(const struct value *m, bool strict, int depth)
{
	struct value *out = value_map();
	for (size_t i = 0; i < m->u.map.len; i++)
		value_map_set(out, m->u.map.e[i].key, conv(m->u.map.e[i].val, strict, depth + 1));
	return out;
}

static struct value *conv_list_of_schemas(const struct value *l, bool strict, int depth)
{
	struct value *out = value_list();
	for (size_t i = 0; i < l->u.list.len; i++)
		value_list_push(out, conv(l->u.list.items[i], strict, depth + 1));
	return out;
}

/* "required" without the properties that have a default: the server fills those in before it
 * validates (CRD structural defaulting; built-in types default them in their Go types). */
static struct value *conv_required(const struct value *req, const struct value *props)
{
	struct value *out = value_list();
	for (size_t i = 0; i < req->u.list.len; i++) {
		const struct value *name = req->u.list.items[i];
		const struct value *p = name->type == V_STRING && props && props->type == V_MAP
						? value_map_get(props, name->u.str.s) : NULL;
		if (!(p && p->type == V_MAP && value_map_get(p, "default")))
			value_list_push(out, value_copy(name));
	}
	return out;
}

static bool is_schema_key(const char *k)
{
	return !strcmp(k, "items") || !strcmp(k, "additionalProperties") || !strcmp(k, "not");
}

static bool is_list_key(const char *k)
{
	return !strcmp(k, "allOf") || !strcmp(k, "anyOf") || !strcmp(k, "oneOf");
}

static struct value *conv(const struct value *s, bool strict, int depth)
{
	if (!s || s->type != V_MAP || depth > CONV_MAX_DEPTH)
		return s ? value_copy(s) : value_map();
	struct value *out = value_map();
	const struct value *props = value_map_get(s, "properties");
	for (size_t i = 0; i < s->u.map.len; i++) {
		const char *k = s->u.map.e[i].key;
		const struct value *v = s->u.map.e[i].val;
		if (!strcmp(k, "description"))
			continue; /* words for people; the biggest part of the documents */
		if (!strcmp(k, "properties") && v->type == V_MAP)
			value_map_set(out, k, conv_map_of_schemas(v, strict, depth));
		else if (is_schema_key(k) && v->type == V_MAP)
			value_map_set(out, k, conv(v, strict, depth + 1));
		else if (is_list_key(k) && v->type == V_LIST)
			value_map_set(out, k, conv_list_of_schemas(v, strict, depth));
		else if (!strcmp(k, "required") && v->type == V_LIST)
			value_map_set(out, k, conv_required(v, props));
		else
			value_map_set(out, k, value_copy(v));
	}
	const struct value *keep = value_map_get(s, "x-kubernetes-preserve-unknown-fields");
	if (strict && props && !value_map_get(s, "additionalProperties") && !(keep && value_truthy(keep)))
		value_map_set(out, "additionalProperties", value_bool(false));
	return out;
}

/* ---- the closure of a component ---- */

struct closure {
	const struct value *src;  /* the document's components.schemas */
	struct value *out;        /* converted components by name */
	char **queue;
	size_t nqueue, cap;
};

static void enqueue(struct closure *c, const char *name)
{
	if (value_map_get(c->out, name))
		return;
	for (size_t i = 0; i < c->nqueue; i++)
		if (!strcmp(c->queue[i], name))
			return;
	if (c->nqueue == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->queue = xrealloc(c->queue, c->cap * sizeof *c->queue);
	}
	c->queue[c->nqueue++] = xstrdup(name);
}

/* Queues every component that v refers to; a reference of another form is an error. */
static int scan_refs(struct closure *c, const struct value *v, struct tops_err *err)
{
	if (!v)
		return 0;
	if (v->type == V_LIST) {
		for (size_t i = 0; i < v->u.list.len; i++)
			if (scan_refs(c, v->u.list.items[i], err) < 0)
				return -TOPS_EINVAL;
		return 0;
	}
	if (v->type != V_MAP)
		return 0;
	const char *ref = str_of(v, "$ref");
	if (ref && !str_has_prefix(ref, REF_PREFIX))
		return tops_err_set(err, TOPS_EINVAL, "unsupported $ref '%s' (only " REF_PREFIX "...)", ref);
	if (ref)
		enqueue(c, ref + strlen(REF_PREFIX));
	for (size_t i = 0; i < v->u.map.len; i++)
		if (scan_refs(c, v->u.map.e[i].val, err) < 0)
			return -TOPS_EINVAL;
	return 0;
}

static void closure_done(struct closure *c)
{
	for (size_t i = 0; i < c->nqueue; i++)
		free(c->queue[i]);
	free(c->queue);
	value_unref(c->out);
}

struct value *openapi_schema_doc(const struct value *doc, const char *component, bool strict,
				 struct tops_err *err)
{
	struct closure c = {.src = schemas_of(doc), .out = value_map()};
	int rc = 0;
	enqueue(&c, component);
	while (rc == 0 && c.nqueue) {
		char *name = c.queue[--c.nqueue];
		const struct value *s = c.src ? value_map_get(c.src, name) : NULL;
		if (!s) {
			rc = tops_err_set(err, c.out->u.map.len ? TOPS_EINVAL : TOPS_ENOENT,
					  "components.schemas has no '%s'", name);
		} else {
			struct value *cv = conv(s, strict, 0);
			value_map_set(c.out, name, cv);
			rc = scan_refs(&c, cv, err);
		}
		free(name);
	}
	if (rc < 0) {
		closure_done(&c);
		return NULL;
	}
	struct value *out = value_map(), *comp = value_map();
	value_map_set(out, "$ref", value_strf(REF_PREFIX "%s", component));
	value_map_set(comp, "schemas", value_ref(c.out));
	value_map_set(out, "components", comp);
	closure_done(&c);
	return out;
}

struct jsonschema *openapi_compile_kind(const struct value *doc, const char *api_version, const char *kind,
					bool strict, const char *name, struct tops_err *err)
{
	const char *comp = openapi_find_kind(doc, api_version, kind);
	if (!comp) {
		tops_err_set(err, TOPS_ENOENT, "no schema for %s %s", api_version, kind);
		return NULL;
	}
	struct value *sd = openapi_schema_doc(doc, comp, strict, err);
	if (!sd) {
		tops_err_prefix(err, "%s: %s", name ? name : "openapi", comp);
		return NULL;
	}
	struct jsonschema_opts o = {.openapi = true};
	struct jsonschema *s = jsonschema_compile_opts(sd, name ? name : comp, &o, err);
	value_unref(sd);
	return s;
}
