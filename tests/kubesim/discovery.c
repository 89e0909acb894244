/* discovery — /version, /api, /apis, per-group resource lists, minimal OpenAPI, health. */
#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/api.h"
#include "tests/kubesim/openapi.h"

static const char *const verbs_rw[] = {"create", "delete", "deletecollection", "get", "list",
				       "patch", "update", "watch"};

static struct value *str_list(const char *const *s, size_t n)
{
	struct value *l = value_list();
	for (size_t i = 0; i < n; i++)
		value_list_push(l, value_str(s[i]));
	return l;
}

static struct value *resource_entry(int k, const char *sub, const char *kind, const char *group,
				    const char *version, const char *const *verbs, size_t nverbs)
{
	struct value *e = value_map();
	value_map_set(e, "name", sub ? value_strf("%s/%s", kinds[k].resource, sub) : value_str(kinds[k].resource));
	vset_str(e, "singularName", sub ? "" : kinds[k].singular);
	value_map_set(e, "namespaced", value_bool(kinds[k].namespaced));
	vset_str(e, "kind", kind);
	if (group) {
		vset_str(e, "group", group);
		vset_str(e, "version", version);
	}
	value_map_set(e, "verbs", str_list(verbs, nverbs));
	if (!sub && *kinds[k].shortname) {
		struct value *sn = value_list();
		value_list_push(sn, value_str(kinds[k].shortname));
		value_map_set(e, "shortNames", sn);
	}
	if (!sub && (k == K_POD || k == K_DEPLOY || k == K_RS || k == K_STS || k == K_SVC || k == K_DS)) {
		struct value *cat = value_list();
		value_list_push(cat, value_str("all"));
		value_map_set(e, "categories", cat);
	}
	if (!sub)
		value_map_set(e, "storageVersionHash", value_strf("%08llx", (unsigned long long)(sim_hash(kinds[k].kind, strlen(kinds[k].kind), 0) & 0xffffffff)));
	return e;
}

static void add_subresources(struct value *res, int k)
{
	static const char *const gu[] = {"get", "patch", "update"};
	static const char *const g[] = {"get"};
	if (k == K_DEPLOY || k == K_RS || k == K_STS)
		value_list_push(res, resource_entry(k, "scale", "Scale", "autoscaling", "v1", gu, 3));
	if (k == K_POD)
		value_list_push(res, resource_entry(k, "log", "Pod", NULL, NULL, g, 1));
	if (k == K_POD || k == K_DEPLOY || k == K_RS || k == K_STS || k == K_PVC || k == K_SVC ||
	    k == K_NS || k == K_NODE || k == K_JOB || k == K_PDB || k == K_DS)
		value_list_push(res, resource_entry(k, "status", kinds[k].kind, NULL, NULL, gu, 3));
}

static void reply_resources(struct srv_conn *c, const char *group, const char *version)
{
	struct value *l = value_map(), *res = value_list();
	vset_str(l, "kind", "APIResourceList");
	vset_str(l, "apiVersion", "v1");
	value_map_set(l, "groupVersion", *group ? value_strf("%s/%s", group, version) : value_str(version));
	for (int k = 0; k < K_COUNT; k++) {
		if (strcmp(kinds[k].group, group) || strcmp(kinds[k].version, version))
			continue;
		value_list_push(res, resource_entry(k, NULL, kinds[k].kind, NULL, NULL, verbs_rw, ARRAY_LEN(verbs_rw)));
		add_subresources(res, k);
	}
	value_map_set(l, "resources", res);
	if (res->u.list.len)
		api_reply_value(c, 200, l);
	else
		api_reply_status(c, 404, "NotFound", "the server could not find the requested resource");
	value_unref(l);
}

static void reply_groups(struct srv_conn *c)
{
	struct value *gl = value_map(), *groups = value_list();
	vset_str(gl, "kind", "APIGroupList");
	vset_str(gl, "apiVersion", "v1");
	for (int k = 0; k < K_COUNT; k++) {
		if (!*kinds[k].group)
			continue;
		bool seen = false;
		for (int j = 0; j < k; j++)
			seen = seen || strcmp(kinds[j].group, kinds[k].group) == 0;
		if (seen)
			continue;
		struct value *g = value_map(), *vs = value_list(), *gv = value_map();
		vset_str(g, "name", kinds[k].group);
		value_map_set(gv, "groupVersion", value_strf("%s/%s", kinds[k].group, kinds[k].version));
		vset_str(gv, "version", kinds[k].version);
		value_list_push(vs, value_copy(gv));
		value_map_set(g, "versions", vs);
		value_map_set(g, "preferredVersion", gv);
		value_list_push(groups, g);
	}
	value_map_set(gl, "groups", groups);
	api_reply_value(c, 200, gl);
	value_unref(gl);
}

/* ---- aggregated discovery (apidiscovery.k8s.io/v2), only when the client asks for it ---- */

#define AGG_CTYPE "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

static bool wants_aggregated(const char *accept)
{
	return accept && strstr(accept, "g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList") != NULL;
}

static struct value *gvk_value(const char *g, const char *v, const char *k)
{
	struct value *m = value_map();
	vset_str(m, "group", g);
	vset_str(m, "version", v);
	vset_str(m, "kind", k);
	return m;
}

static struct value *agg_sub(int k, const char *sub, const char *g, const char *v, const char *kind)
{
	static const char *const gu[] = {"get", "patch", "update"};
	struct value *e = value_map();
	vset_str(e, "subresource", sub);
	value_map_set(e, "responseKind", gvk_value(g, v, kind));
	value_map_set(e, "verbs", str_list(gu, strcmp(sub, "log") == 0 ? 1 : 3));
	return e;
}

static struct value *agg_resource(int k)
{
	struct value *e = value_map(), *subs = value_list();
	vset_str(e, "resource", kinds[k].resource);
	value_map_set(e, "responseKind", gvk_value(kinds[k].group, kinds[k].version, kinds[k].kind));
	vset_str(e, "scope", kinds[k].namespaced ? "Namespaced" : "Cluster");
	vset_str(e, "singularResource", kinds[k].singular);
	value_map_set(e, "verbs", str_list(verbs_rw, ARRAY_LEN(verbs_rw)));
	if (*kinds[k].shortname)
		value_map_set(e, "shortNames", str_list(&kinds[k].shortname, 1));
	if (k == K_POD || k == K_DEPLOY || k == K_RS || k == K_STS || k == K_SVC || k == K_DS) {
		static const char *const all[] = {"all"};
		value_map_set(e, "categories", str_list(all, 1));
	}
	if (k == K_DEPLOY || k == K_RS || k == K_STS)
		value_list_push(subs, agg_sub(k, "scale", "autoscaling", "v1", "Scale"));
	if (k == K_POD)
		value_list_push(subs, agg_sub(k, "log", "", "v1", "Pod"));
	if (k == K_POD || k == K_DEPLOY || k == K_RS || k == K_STS || k == K_PVC || k == K_SVC || k == K_NS)
		value_list_push(subs, agg_sub(k, "status", kinds[k].group, kinds[k].version, kinds[k].kind));
	value_map_set(e, "subresources", subs);
	return e;
}

/* core: the legacy group only; otherwise every named group. */
static void reply_aggregated(struct srv_conn *c, bool core)
{
	struct value *l = value_map(), *items = value_list();
	vset_str(l, "kind", "APIGroupDiscoveryList");
	vset_str(l, "apiVersion", "apidiscovery.k8s.io/v2");
	value_map_set(l, "metadata", value_map());
	for (int k = 0; k < K_COUNT; k++) {
		if (core != !*kinds[k].group)
			continue;
		bool seen = false;
		for (int j = 0; j < k; j++)
			seen = seen || strcmp(kinds[j].group, kinds[k].group) == 0;
		if (seen)
			continue;
		struct value *g = value_map(), *vs = value_list(), *ver = value_map(), *res = value_list();
		vset_str(vmap(g, "metadata"), "name", kinds[k].group);
		for (int j = k; j < K_COUNT; j++)
			if (strcmp(kinds[j].group, kinds[k].group) == 0)
				value_list_push(res, agg_resource(j));
		vset_str(ver, "version", kinds[k].version);
		value_map_set(ver, "resources", res);
		vset_str(ver, "freshness", "Current");
		value_list_push(vs, ver);
		value_map_set(g, "versions", vs);
		value_list_push(items, g);
	}
	value_map_set(l, "items", items);
	char *s = value_to_json(l, false, false);
	srv_respond(c, 200, AGG_CTYPE, s, strlen(s));
	free(s);
	value_unref(l);
}

static const char version_json[] =
	"{\"major\":\"1\",\"minor\":\"32\",\"gitVersion\":\"v1.32.4\",\"gitCommit\":\"59526cd4867447956156ae3a602fcbac10a2c335\","
	"\"gitTreeState\":\"clean\",\"buildDate\":\"2025-04-22T16:02:27Z\",\"goVersion\":\"go1.23.6\","
	"\"compiler\":\"gc\",\"platform\":\"linux/amd64\"}";

static const char api_json[] =
	"{\"kind\":\"APIVersions\",\"versions\":[\"v1\"],\"serverAddressByClientCIDRs\":"
	"[{\"clientCIDR\":\"0.0.0.0/0\",\"serverAddress\":\"127.0.0.1:6443\"}]}";

static struct value *openapi_gv_build(const char *group, const char *version);

/* OpenAPI v3: a root that lists every group-version and, per group-version, one PATCH
 * operation per kind that advertises the fieldValidation parameter, so that kubectl validates
 * on the server (fieldValidation=Strict) instead of asking for schemas. Each URL carries the
 * hash of its document (kube-openapi's handler3), which clients may cache for good. */
static void reply_openapi_root(struct srv_conn *c)
{
	struct value *root = value_map(), *paths = vmap(root, "paths");
	openapi_root_requests++;
	for (int k = 0; k < K_COUNT; k++) {
		char *key = *kinds[k].group ? xasprintf("apis/%s/%s", kinds[k].group, kinds[k].version)
					    : xasprintf("api/%s", kinds[k].version);
		const char *json = openapi_doc_json(kinds[k].group, kinds[k].version, openapi_gv_build);
		char *hash = openapi_hash(json, strlen(json));
		struct value *e = value_map();
		value_map_set(e, "serverRelativeURL", value_strf("/openapi/v3/%s?hash=%s", key, hash));
		value_map_set(paths, key, e);
		free(hash);
		free(key);
	}
	api_reply_value(c, 200, root);
	value_unref(root);
}

static struct value *patch_op(int k)
{
	struct value *op = value_map(), *gvk = value_map(), *params = value_list(), *p = value_map();
	vset_str(gvk, "group", kinds[k].group);
	vset_str(gvk, "version", kinds[k].version);
	vset_str(gvk, "kind", kinds[k].kind);
	value_map_set(op, "x-kubernetes-group-version-kind", gvk);
	vset_str(op, "x-kubernetes-action", "patch");
	value_map_set(op, "operationId", value_strf("patch%s", kinds[k].kind));
	vset_str(p, "name", "fieldValidation");
	vset_str(p, "in", "query");
	vset_str(vmap(p, "schema"), "type", "string");
	value_list_push(params, p);
	value_map_set(op, "parameters", params);
	value_map_set(op, "responses", value_map());
	return op;
}

static struct value *openapi_gv_build(const char *group, const char *version)
{
	struct value *doc = value_map(), *paths = vmap(doc, "paths");
	vset_str(doc, "openapi", "3.0.0");
	vset_str(vmap(doc, "info"), "title", "Kubernetes");
	vset_str(value_map_get(doc, "info"), "version", "v1.32.4");
	value_map_set(vmap(doc, "components"), "schemas", openapi_components(group, version));
	int found = 0;
	for (int k = 0; k < K_COUNT; k++) {
		if (strcmp(kinds[k].group, group) || strcmp(kinds[k].version, version))
			continue;
		char *path = xasprintf("/%s%s/%s%s/%s/{name}", *group ? "apis/" : "api", group,
				       version, kinds[k].namespaced ? "/namespaces/{namespace}" : "", kinds[k].resource);
		value_map_set(vmap(paths, path), "patch", patch_op(k));
		free(path);
		found++;
	}
	if (!found) {
		value_unref(doc);
		return NULL;
	}
	return doc;
}

static void reply_openapi_gv(struct srv_conn *c, const struct srv_req *r, const char *group, const char *version)
{
	const char *json = openapi_doc_json(group, version, openapi_gv_build);
	char *key = *group ? xasprintf("apis/%s/%s", group, version) : xasprintf("api/%s", version);
	if (json)
		openapi_reply_doc(c, r, key, json);
	else
		api_reply_status(c, 404, "NotFound", "the server could not find the requested resource");
	free(key);
}

static void reply_text(struct srv_conn *c, const char *ctype, const char *s)
{
	srv_respond(c, 200, ctype, s, strlen(s));
}

bool discovery_handle(struct srv_conn *c, const struct srv_req *r)
{
	const char *p = r->path;
	char g[128], v[32];
	if (strcmp(p, "/version") == 0 || strcmp(p, "/version/") == 0)
		reply_text(c, "application/json", version_json);
	else if ((strcmp(p, "/api") == 0 || strcmp(p, "/api/") == 0) && wants_aggregated(r->accept))
		reply_aggregated(c, true);
	else if (strcmp(p, "/api") == 0 || strcmp(p, "/api/") == 0)
		reply_text(c, "application/json", api_json);
	else if ((strcmp(p, "/apis") == 0 || strcmp(p, "/apis/") == 0) && wants_aggregated(r->accept))
		reply_aggregated(c, false);
	else if (strcmp(p, "/apis") == 0 || strcmp(p, "/apis/") == 0)
		reply_groups(c);
	else if (sscanf(p, "/api/%31[^/]", v) == 1 && strchr(p + 5, '/') == NULL)
		reply_resources(c, "", v);
	else if (sscanf(p, "/apis/%127[^/]/%31[^/]", g, v) == 2 && strchr(p + 7 + strlen(g), '/') == NULL)
		reply_resources(c, g, v);
	else if (strcmp(p, "/openapi/v3") == 0 || strcmp(p, "/openapi/v3/") == 0)
		reply_openapi_root(c);
	else if (sscanf(p, "/openapi/v3/api/%31[^/]", v) == 1)
		reply_openapi_gv(c, r, "", v);
	else if (sscanf(p, "/openapi/v3/apis/%127[^/]/%31[^/]", g, v) == 2)
		reply_openapi_gv(c, r, g, v);
	else if (strcmp(p, "/healthz") == 0 || strcmp(p, "/readyz") == 0 || strcmp(p, "/livez") == 0)
		reply_text(c, "text/plain", "ok");
	else
		return false;
	return true;
}
