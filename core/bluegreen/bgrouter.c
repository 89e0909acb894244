/* bgrouter — see bgrouter.h. */
#include "core/bluegreen/bgrouter.h"

#include "core/release/obj.h"
#include "core/release/rest.h"

#include <stdlib.h>
#include <string.h>

#define STATE_KEY "state"

int bgr_get_json(struct kube_client *kc, const char *path, struct value **out, struct tops_err *err)
{
	long status = 0;
	*out = NULL;
	return rest_call(kc, "GET", path, NULL, NULL, &status, out, err);
}

static char *cm_path(const char *ns, const char *name, bool item)
{
	return item ? xasprintf("/api/v1/namespaces/%s/configmaps/%s-bluegreen", ns, name)
		    : xasprintf("/api/v1/namespaces/%s/configmaps", ns);
}

int bgr_state_load(struct kube_client *kc, const char *ns, const char *name, struct bg_state *st,
		   struct tops_err *err)
{
	*st = (struct bg_state){0};
	char *path = cm_path(ns, name, true);
	struct value *cm = NULL;
	int rc = bgr_get_json(kc, path, &cm, err);
	free(path);
	if (rc) {
		st->v = value_map();
		return rc;
	}
	const char *text = obj_str(cm, "data." STATE_KEY);
	st->rv = xstrdup(obj_str(cm, "metadata.resourceVersion") ?: "");
	st->v = text ? value_from_json(text, strlen(text), err) : NULL;
	value_unref(cm);
	if (!st->v || st->v->type != V_MAP) {
		value_unref(st->v);
		st->v = value_map();
		return tops_err_set(err, TOPS_EINVAL, "ConfigMap %s/%s-bluegreen: the state is not readable; "
				    "delete it to start over (traffic is wherever Service %s points)", ns, name, name);
	}
	tops_err_clear(err);
	return 0;
}

static struct value *state_cm(const char *ns, const char *name, const struct bg_state *st)
{
	struct value *cm = value_map();
	value_map_set(cm, "apiVersion", value_str("v1"));
	value_map_set(cm, "kind", value_str("ConfigMap"));
	char *n = xasprintf("%s-bluegreen", name);
	obj_set_str_in(cm, "metadata", "name", n);
	free(n);
	obj_set_str_in(cm, "metadata", "namespace", ns);
	obj_set_str_in(cm, "metadata.labels", "owner", "tops");
	obj_set_str_in(cm, "metadata.labels", "tops/bluegreen", name);
	if (st->rv && *st->rv)
		obj_set_str_in(cm, "metadata", "resourceVersion", st->rv);
	char *json = value_to_json(st->v, false, false);
	obj_set_str_in(cm, "data", STATE_KEY, json);
	free(json);
	return cm;
}

int bgr_state_save(struct kube_client *kc, const char *ns, const char *name, struct bg_state *st,
		   struct tops_err *err)
{
	struct value *cm = state_cm(ns, name, st), *out = NULL;
	char *body = value_to_json(cm, false, false);
	bool create = !st->rv || !*st->rv;
	char *path = cm_path(ns, name, !create);
	long status = 0;
	int rc = rest_call(kc, create ? "POST" : "PUT", path, body, "application/json", &status, &out, err);
	if (rc == 0) {
		free(st->rv);
		st->rv = xstrdup(obj_str(out, "metadata.resourceVersion") ?: "");
	} else {
		tops_err_prefix(err, "saving the blue/green state (ConfigMap %s-bluegreen)", name);
	}
	value_unref(out), value_unref(cm);
	free(body), free(path);
	return rc;
}

void bgr_state_done(struct bg_state *st)
{
	value_unref(st->v);
	free(st->rv);
	*st = (struct bg_state){0};
}

const char *bgr_get(const struct bg_state *st, const char *key)
{
	const struct value *v = value_map_get(st->v, key);
	return v && v->type == V_STRING ? v->u.str.s : NULL;
}

void bgr_set(struct bg_state *st, const char *key, const char *val)
{
	if (val)
		value_map_set(st->v, key, value_str(val));
	else
		value_map_del(st->v, key);
}

static bool usable_service(const struct value *s)
{
	const struct value *sel = value_map_path(s, "spec.selector");
	const char *ip = obj_str(s, "spec.clusterIP");
	return sel && sel->type == V_MAP && sel->u.map.len && !(ip && !strcmp(ip, "None"));
}

int bgr_release_service(struct kube_client *kc, const char *ns, const char *rel, struct value **svc,
			struct tops_err *err)
{
	char *path = xasprintf("/api/v1/namespaces/%s/services?labelSelector=app.kubernetes.io%%2Finstance%%3D%s", ns, rel);
	struct value *list = NULL;
	int rc = bgr_get_json(kc, path, &list, err);
	free(path);
	if (rc)
		return rc;
	const struct value *items = value_map_get(list, "items"), *best = NULL;
	for (size_t i = 0; items && items->type == V_LIST && i < items->u.list.len; i++) {
		const struct value *s = items->u.list.items[i];
		if (usable_service(s) && (!best || strcmp(obj_str(s, "metadata.name"), obj_str(best, "metadata.name")) < 0))
			best = s;
	}
	*svc = best ? value_copy(best) : NULL;
	value_unref(list);
	return best ? 0 : tops_err_set(err, TOPS_ENOENT, "release %s has no Service with a selector to route to", rel);
}

static struct value *router_ports(const struct value *target)
{
	struct value *out = value_list();
	const struct value *ports = value_map_path(target, "spec.ports");
	for (size_t i = 0; ports && ports->type == V_LIST && i < ports->u.list.len; i++) {
		const struct value *p = ports->u.list.items[i], *k;
		struct value *q = value_map();
		const char *keys[] = {"name", "port", "targetPort", "protocol"};
		for (size_t j = 0; j < ARRAY_LEN(keys); j++)
			if ((k = value_map_get(p, keys[j])))
				value_map_set(q, keys[j], value_copy(k));
		value_list_push(out, q);
	}
	return out;
}

static int router_create(struct kube_client *kc, const char *ns, const char *svcname, const struct value *target,
			 const char *ann_key, const char *color, const char *release, struct tops_err *err)
{
	struct value *s = value_map(), *out = NULL;
	value_map_set(s, "apiVersion", value_str("v1"));
	value_map_set(s, "kind", value_str("Service"));
	obj_set_str_in(s, "metadata", "name", svcname);
	obj_set_str_in(s, "metadata", "namespace", ns);
	obj_set_str_in(s, "metadata.labels", "owner", "tops");
	obj_set_str_in(s, "metadata.annotations", ann_key, color);
	obj_set_str_in(s, "metadata.annotations", BG_ANN_LIVE_REL, release);
	value_map_set(obj_map(s, "spec"), "selector", value_copy(value_map_path(target, "spec.selector")));
	value_map_set(obj_map(s, "spec"), "ports", router_ports(target));
	char *body = value_to_json(s, false, false), *path = xasprintf("/api/v1/namespaces/%s/services", ns);
	long status = 0;
	int rc = rest_call(kc, "POST", path, body, "application/json", &status, &out, err);
	free(body), free(path);
	value_unref(s), value_unref(out);
	return rc;
}

/* The merge patch that makes cur select like target: keys target lacks are set to null. */
static char *switch_patch(const struct value *cur, const struct value *target, const char *ann_key,
			  const char *color, const char *release)
{
	struct value *p = value_map(), *sel = value_map();
	const struct value *want = value_map_path(target, "spec.selector"), *have = value_map_path(cur, "spec.selector");
	for (size_t i = 0; have && have->type == V_MAP && i < have->u.map.len; i++)
		value_map_set(sel, have->u.map.e[i].key, value_null());
	for (size_t i = 0; want && want->type == V_MAP && i < want->u.map.len; i++)
		value_map_set(sel, want->u.map.e[i].key, value_copy(want->u.map.e[i].val));
	value_map_set(obj_map(p, "spec"), "selector", sel);
	obj_set_str_in(p, "metadata", "resourceVersion", obj_str(cur, "metadata.resourceVersion") ?: "");
	obj_set_str_in(p, "metadata.annotations", ann_key, color);
	obj_set_str_in(p, "metadata.annotations", BG_ANN_LIVE_REL, release);
	char *json = value_to_json(p, false, false);
	value_unref(p);
	return json;
}

static bool already(const struct value *cur, const struct value *target, const char *ann_key, const char *color)
{
	struct value *ann = value_map_path(cur, "metadata.annotations");
	const struct value *a = value_map_get(ann, ann_key);
	return a && a->type == V_STRING && !strcmp(a->u.str.s, color) &&
	       value_equal(value_map_path(cur, "spec.selector"), value_map_path(target, "spec.selector"));
}

int bgr_point(struct kube_client *kc, const char *ns, const char *svcname, const struct value *target,
	      const char *ann_key, const char *color, const char *release, int *writes, struct tops_err *err)
{
	char *path = xasprintf("/api/v1/namespaces/%s/services/%s", ns, svcname);
	int rc = -TOPS_ECONFLICT;
	for (int attempt = 0; attempt < 5 && rc == -TOPS_ECONFLICT; attempt++) {
		struct value *cur = NULL, *out = NULL;
		tops_err_clear(err);
		rc = bgr_get_json(kc, path, &cur, err);
		if (rc == -TOPS_ENOENT) {
			tops_err_clear(err);
			rc = router_create(kc, ns, svcname, target, ann_key, color, release, err);
		} else if (rc == 0 && !already(cur, target, ann_key, color)) {
			char *body = switch_patch(cur, target, ann_key, color, release);
			long status = 0;
			rc = rest_call(kc, "PATCH", path, body, "application/merge-patch+json", &status, &out, err);
			free(body);
		} else if (rc == 0) {
			rc = 1;      /* nothing to write */
		}
		if (rc == 0 && writes)
			(*writes)++;
		value_unref(cur), value_unref(out);
	}
	free(path);
	if (rc < 0)
		return tops_err_prefix(err, "Service %s/%s", ns, svcname);
	return 0;
}

int bgr_ingress(struct kube_client *kc, const char *ns, const char *ingname, const char *host,
		const char *svcname, int64_t port, const char *class_name, struct tops_err *err)
{
	char *path = xasprintf("/apis/networking.k8s.io/v1/namespaces/%s/ingresses", ns), *item = xasprintf("%s/%s", path, ingname);
	struct value *cur = NULL;
	int rc = bgr_get_json(kc, item, &cur, err);
	if (rc != -TOPS_ENOENT) {
		free(path), free(item), value_unref(cur);
		return rc;
	}
	tops_err_clear(err);
	char *body = xasprintf("{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"Ingress\",\"metadata\":{\"name\":\"%s\","
			       "\"namespace\":\"%s\",\"labels\":{\"owner\":\"tops\"}},\"spec\":{%s%s%s\"rules\":[{\"host\":\"%s\","
			       "\"http\":{\"paths\":[{\"path\":\"/\",\"pathType\":\"Prefix\",\"backend\":{\"service\":{\"name\":\"%s\","
			       "\"port\":{\"number\":%lld}}}}]}}]}}",
			       ingname, ns, class_name ? "\"ingressClassName\":\"" : "", class_name ? class_name : "",
			       class_name ? "\"," : "", host, svcname, (long long)port);
	long status = 0;
	struct value *out = NULL;
	rc = rest_call(kc, "POST", path, body, "application/json", &status, &out, err);
	value_unref(out);
	free(body), free(path), free(item);
	return rc;
}

int bgr_delete(struct kube_client *kc, const char *path, struct tops_err *err)
{
	long status = 0;
	int rc = rest_call(kc, "DELETE", path, NULL, NULL, &status, NULL, err);
	if (rc == -TOPS_ENOENT) {
		tops_err_clear(err);
		return 0;
	}
	return rc;
}

/* Applies fn to each object of a kind labelled with the release. */
static int each_of_release(struct kube_client *kc, const char *base, const char *rel, const char *method,
			   const char *body, int *n, struct tops_err *err)
{
	char *path = xasprintf("%s?labelSelector=app.kubernetes.io%%2Finstance%%3D%s", base, rel);
	struct value *list = NULL;
	int rc = bgr_get_json(kc, path, &list, err);
	free(path);
	const struct value *items = value_map_get(list, "items");
	for (size_t i = 0; rc == 0 && items && items->type == V_LIST && i < items->u.list.len; i++) {
		char *p = xasprintf("%s/%s", base, obj_str(items->u.list.items[i], "metadata.name"));
		long status = 0;
		rc = rest_call(kc, method, p, body, body ? "application/merge-patch+json" : NULL, &status, NULL, err);
		if (rc == -TOPS_ENOENT)
			rc = 0, tops_err_clear(err);
		free(p);
		if (rc == 0 && n)
			(*n)++;
	}
	value_unref(list);
	return rc;
}

int bgr_scale_zero(struct kube_client *kc, const char *ns, const char *rel, int *n, struct tops_err *err)
{
	const char *kinds[] = {"deployments", "statefulsets"};
	int rc = 0;
	*n = 0;
	for (size_t i = 0; rc == 0 && i < ARRAY_LEN(kinds); i++) {
		char *base = xasprintf("/apis/apps/v1/namespaces/%s/%s", ns, kinds[i]);
		rc = each_of_release(kc, base, rel, "PATCH", "{\"spec\":{\"replicas\":0}}", n, err);
		free(base);
	}
	return rc;
}

int bgr_delete_release_ingresses(struct kube_client *kc, const char *ns, const char *rel, int *n,
				 struct tops_err *err)
{
	char *base = xasprintf("/apis/networking.k8s.io/v1/namespaces/%s/ingresses", ns);
	*n = 0;
	int rc = each_of_release(kc, base, rel, "DELETE", NULL, n, err);
	free(base);
	return rc;
}
