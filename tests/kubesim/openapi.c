/* openapi — component schemas for kubesim's /openapi/v3 documents (see openapi.h). */
#include <dirent.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/kubesim/openapi.h"
#include "tests/kubesim/api.h"

#define REF "#/components/schemas/"
#define META "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
#define INTSTR "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
#define QUANTITY "io.k8s.apimachinery.pkg.api.resource.Quantity"
#define PODTEMPLATE "io.k8s.api.core.v1.PodTemplateSpec"

unsigned long openapi_root_requests, openapi_doc_requests;

struct gv_schemas {
	char *group, *version;
	struct value *schemas;
	char *json;            /* the served document, built once */
};

static struct gv_schemas *gvs;
static size_t ngvs;

static struct gv_schemas *gv_get(const char *group, const char *version)
{
	for (size_t i = 0; i < ngvs; i++)
		if (!strcmp(gvs[i].group, group) && !strcmp(gvs[i].version, version))
			return &gvs[i];
	gvs = xrealloc(gvs, (ngvs + 1) * sizeof *gvs);
	struct gv_schemas *g = &gvs[ngvs++];
	g->group = xstrdup(group);
	g->version = xstrdup(version);
	g->schemas = value_map();
	g->json = NULL;
	return g;
}

/* ---- standalone JSON schema -> API server style components ---- */

struct conv {
	struct value *out;     /* the group-version's components.schemas */
};

static struct value *conv(struct conv *cv, const struct value *s, int depth);

static bool has_path(const struct value *s, const char *dotted)
{
	return value_map_path(s, dotted) != NULL;
}

/* The type words of a schema's "type" without "null" (standalone schemas add it everywhere). */
static const char *single_type(const struct value *s)
{
	const struct value *t = s && s->type == V_MAP ? value_map_get(s, "type") : NULL;
	if (t && t->type == V_STRING)
		return t->u.str.s;
	const char *one = NULL;
	for (size_t i = 0; t && t->type == V_LIST && i < t->u.list.len; i++)
		if (t->u.list.items[i]->type == V_STRING && strcmp(t->u.list.items[i]->u.str.s, "null"))
			one = t->u.list.items[i]->u.str.s;
	return one;
}

/* oneOf [string, integer] is IntOrString; oneOf [string, number] is Quantity. */
static const char *union_component(const struct value *s)
{
	const struct value *o = value_map_get(s, "oneOf");
	if (!o || o->type != V_LIST || o->u.list.len != 2)
		return NULL;
	const char *a = single_type(o->u.list.items[0]), *b = single_type(o->u.list.items[1]);
	if (!a || !b)
		return NULL;
	if ((!strcmp(a, "string") && !strcmp(b, "integer")) || (!strcmp(a, "integer") && !strcmp(b, "string")))
		return INTSTR;
	if ((!strcmp(a, "string") && !strcmp(b, "number")) || (!strcmp(a, "number") && !strcmp(b, "string")))
		return QUANTITY;
	return NULL;
}

static void union_define(struct conv *cv, const char *name)
{
	if (value_map_get(cv->out, name))
		return;
	struct value *c = value_map(), *one = value_list(), *a = value_map(), *b = value_map();
	bool intstr = !strcmp(name, INTSTR);
	vset_str(a, "type", intstr ? "integer" : "string");
	vset_str(b, "type", intstr ? "string" : "number");
	value_list_push(one, a);
	value_list_push(one, b);
	value_map_set(c, "oneOf", one);
	if (intstr)
		vset_str(c, "format", "int-or-string");
	value_map_set(cv->out, name, c);
}

/* {"allOf": [{"$ref": name}], "default": {}?, "description"} with s converted into name once. */
static struct value *wrap(struct conv *cv, const char *name, const struct value *s, bool dflt, int depth)
{
	if (s && !value_map_get(cv->out, name)) {
		value_map_set(cv->out, name, value_map()); /* claimed first: a schema may refer to itself */
		value_map_set(cv->out, name, conv(cv, s, depth + 1));
	}
	struct value *w = value_map(), *all = value_list(), *ref = value_map();
	value_map_set(ref, "$ref", value_strf(REF "%s", name));
	value_list_push(all, ref);
	value_map_set(w, "allOf", all);
	if (dflt)
		value_map_set(w, "default", value_map());
	const struct value *d = s ? value_map_get(s, "description") : NULL;
	if (d)
		value_map_set(w, "description", value_copy(d));
	return w;
}

static bool is_object_meta(const struct value *s)
{
	return has_path(s, "properties.labels") && has_path(s, "properties.annotations") &&
	       has_path(s, "properties.ownerReferences");
}

static bool is_pod_template(const struct value *s)
{
	return has_path(s, "properties.spec.properties.containers") && has_path(s, "properties.metadata");
}

static struct value *conv_props(struct conv *cv, const struct value *p, int depth)
{
	struct value *out = value_map();
	for (size_t i = 0; i < p->u.map.len; i++) {
		const char *k = p->u.map.e[i].key;
		const struct value *v = p->u.map.e[i].val;
		if (!strcmp(k, "metadata") && is_object_meta(v))
			value_map_set(out, k, wrap(cv, META, v, true, depth));
		else if (!strcmp(k, "template") && is_pod_template(v))
			value_map_set(out, k, wrap(cv, PODTEMPLATE, v, true, depth));
		else
			value_map_set(out, k, conv(cv, v, depth + 1));
	}
	return out;
}

static struct value *conv_type(const struct value *t)
{
	if (t->type != V_LIST)
		return value_copy(t);
	struct value *l = value_list();
	for (size_t i = 0; i < t->u.list.len; i++)
		if (!(t->u.list.items[i]->type == V_STRING && !strcmp(t->u.list.items[i]->u.str.s, "null")))
			value_list_push(l, value_copy(t->u.list.items[i]));
	if (l->u.list.len == 1) {
		struct value *one = value_ref(l->u.list.items[0]);
		value_unref(l);
		return one;
	}
	return l;
}

static struct value *conv(struct conv *cv, const struct value *s, int depth)
{
	if (!s || s->type != V_MAP || depth > 200)
		return s ? value_copy(s) : value_map();
	const char *u = union_component(s);
	if (u) {
		union_define(cv, u);
		return wrap(cv, u, NULL, false, depth);
	}
	struct value *out = value_map();
	for (size_t i = 0; i < s->u.map.len; i++) {
		const char *k = s->u.map.e[i].key;
		const struct value *v = s->u.map.e[i].val;
		if (!strcmp(k, "$schema") || (!strcmp(k, "additionalProperties") && v->type == V_BOOL))
			continue; /* the API server's documents close no object */
		if (!strcmp(k, "type"))
			value_map_set(out, k, conv_type(v));
		else if (!strcmp(k, "properties") && v->type == V_MAP)
			value_map_set(out, k, conv_props(cv, v, depth));
		else if ((!strcmp(k, "items") || !strcmp(k, "additionalProperties")) && v->type == V_MAP)
			value_map_set(out, k, conv(cv, v, depth + 1));
		else
			value_map_set(out, k, value_copy(v));
	}
	return out;
}

/* The kind's component: spec and status become KindSpec and KindStatus components. */
static void load_kind(const struct value *s, const char *group, const char *version, const char *kind)
{
	struct gv_schemas *g = gv_get(group, version);
	struct conv cv = {.out = g->schemas};
	const char *dot = strchr(group, '.');
	char *short_group = *group ? xstrndup(group, dot ? (size_t)(dot - group) : strlen(group)) : xstrdup("core");
	char *prefix = xasprintf("io.k8s.api.%s.%s.%s", short_group, version, kind);
	struct value *top = conv(&cv, s, 0);
	struct value *props = value_map_get(top, "properties");
	static const char *const parts[] = {"spec", "status"};
	for (size_t i = 0; props && i < 2; i++) {
		const struct value *orig = value_map_path(s, parts[i][1] == 'p' ? "properties.spec" : "properties.status");
		if (!orig || !value_map_get(orig, "properties"))
			continue;
		char *name = xasprintf("%s%s", prefix, i ? "Status" : "Spec");
		value_map_set(props, parts[i], wrap(&cv, name, orig, true, 1));
		free(name);
	}
	value_map_set(g->schemas, prefix, top);
	free(short_group);
	free(prefix);
}

static int load_file(const char *path, struct tops_err *err)
{
	char *text;
	size_t len;
	if (read_file(path, 64u << 20, &text, &len, err) < 0)
		return -1;
	struct value *s = value_from_json(text, len, err);
	free(text);
	const struct value *gvk = s ? value_list_get(value_map_get(s, "x-kubernetes-group-version-kind"), 0) : NULL;
	const struct value *g = gvk ? value_map_get(gvk, "group") : NULL, *v = gvk ? value_map_get(gvk, "version") : NULL;
	const struct value *k = gvk ? value_map_get(gvk, "kind") : NULL;
	int rc = 0;
	if (!s)
		rc = -1;
	else if (!g || !v || !k || g->type != V_STRING || v->type != V_STRING || k->type != V_STRING)
		rc = -1, tops_err_set(err, TOPS_EINVAL, "no x-kubernetes-group-version-kind");
	else
		load_kind(s, g->u.str.s, v->u.str.s, k->u.str.s);
	if (rc < 0)
		tops_err_prefix(err, "%s", path);
	value_unref(s);
	return rc;
}

int openapi_load_dir(const char *dir, struct tops_err *err)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort), rc = 0;
	if (n < 0) {
		tops_err_set(err, TOPS_EIO, "--openapi-schemas %s: cannot read the folder", dir);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (rc == 0 && str_has_suffix(ents[i]->d_name, ".json")) {
			char *p = xasprintf("%s/%s", dir, ents[i]->d_name);
			rc = load_file(p, err);
			free(p);
		}
		free(ents[i]);
	}
	free(ents);
	return rc;
}

struct value *openapi_components(const char *group, const char *version)
{
	for (size_t i = 0; i < ngvs; i++)
		if (!strcmp(gvs[i].group, group) && !strcmp(gvs[i].version, version))
			return value_ref(gvs[i].schemas);
	return value_map();
}

const char *openapi_doc_json(const char *group, const char *version,
			     struct value *(*build)(const char *group, const char *version))
{
	struct gv_schemas *g = gv_get(group, version);
	if (!g->json) {
		struct value *doc = build(group, version);
		g->json = doc ? value_to_json(doc, false, false) : NULL;
		value_unref(doc);
	}
	return g->json;
}

/* ---- serving ---- */

char *openapi_hash(const char *json, size_t len)
{
	unsigned char md[SHA512_DIGEST_LENGTH];
	SHA512((const unsigned char *)json, len, md);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < sizeof md; i++)
		sb_addf(&sb, "%02X", md[i]);
	return sb_detach(&sb, NULL);
}

void openapi_reply_doc(struct srv_conn *c, const struct srv_req *r, const char *key, const char *json)
{
	char *hash = openapi_hash(json, strlen(json));
	char *want = srv_query_get(r->query, "hash");
	struct strbuf hdr = STRBUF_INIT, body = STRBUF_INIT;
	openapi_doc_requests++;
	sb_addf(&hdr, "Etag: \"%s\"\r\nVary: Accept\r\n", hash);
	if (want && *want && strcmp(want, hash)) {
		sb_addf(&hdr, "Location: /openapi/v3/%s?hash=%s\r\n", key, hash);
		srv_respond_hdrs(c, 301, "text/html; charset=utf-8", sb_str(&hdr), &body);
	} else {
		if (want && *want) {
			char when[64];
			time_t t = time(NULL) + 365 * 24 * 3600;
			struct tm tm;
			strftime(when, sizeof when, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&t, &tm));
			sb_addf(&hdr, "Cache-Control: public, immutable\r\nExpires: %s\r\n", when);
		}
		sb_adds(&body, json);
		srv_respond_hdrs(c, 200, "application/json", sb_str(&hdr), &body);
	}
	sb_done(&hdr);
	sb_done(&body);
	free(hash);
	free(want);
}
