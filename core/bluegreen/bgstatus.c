/* bgstatus — bg_status (bluegreen.h): the state record, the routers, both colours' workloads,
 * and whether an operation is running or stopped (its lease). */
#include "core/bluegreen/bluegreen.h"

#include "core/bluegreen/bgrouter.h"
#include "core/release/obj.h"

#include <stdlib.h>
#include <string.h>

static struct value *router_of(struct kube_client *kc, const char *ns, const char *svc, const char *ann)
{
	char *path = xasprintf("/api/v1/namespaces/%s/services/%s", ns, svc);
	struct value *s = NULL, *out = value_map();
	struct tops_err err = {0};
	if (bgr_get_json(kc, path, &s, &err) == 0) {
		value_map_set(out, "service", value_str(svc));
		value_map_set(out, "color", value_str(obj_str(value_map_path(s, "metadata.annotations"), ann) ?: ""));
		const struct value *a = value_map_path(s, "metadata.annotations");
		const struct value *c = value_map_get(a, ann), *r = value_map_get(a, BG_ANN_LIVE_REL);
		value_map_set(out, "color", value_str(c && c->type == V_STRING ? c->u.str.s : ""));
		value_map_set(out, "release", value_str(r && r->type == V_STRING ? r->u.str.s : ""));
		value_map_set(out, "selector", value_copy(value_map_path(s, "spec.selector")));
		value_map_set(out, "resourceVersion", value_str(obj_str(s, "metadata.resourceVersion") ?: ""));
	}
	tops_err_clear(&err);
	value_unref(s);
	free(path);
	return out;
}

static struct value *workloads_of(struct kube_client *kc, const char *ns, const char *rel)
{
	struct value *out = value_list();
	const char *kinds[] = {"deployments", "statefulsets"};
	for (size_t k = 0; rel && k < ARRAY_LEN(kinds); k++) {
		char *path = xasprintf("/apis/apps/v1/namespaces/%s/%s?labelSelector=app.kubernetes.io%%2Finstance%%3D%s", ns, kinds[k], rel);
		struct value *list = NULL;
		struct tops_err err = {0};
		if (bgr_get_json(kc, path, &list, &err) == 0) {
			const struct value *items = value_map_get(list, "items");
			for (size_t i = 0; items && items->type == V_LIST && i < items->u.list.len; i++) {
				const struct value *d = items->u.list.items[i];
				struct value *w = value_map();
				value_map_set(w, "name", value_strf("%s/%s", k ? "statefulset" : "deployment", obj_str(d, "metadata.name")));
				value_map_set(w, "replicas", value_int(obj_int(d, "spec.replicas", 1)));
				value_map_set(w, "ready", value_int(obj_int(d, "status.readyReplicas", 0)));
				const struct value *c = value_list_get(value_map_path(d, "spec.template.spec.containers"), 0);
				value_map_set(w, "image", value_str(obj_str(c, "image") ?: ""));
				value_list_push(out, w);
			}
		}
		tops_err_clear(&err);
		value_unref(list);
		free(path);
	}
	return out;
}

static struct value *colour(struct kube_client *kc, const char *ns, const char *color, const char *rel)
{
	struct value *c = value_map();
	value_map_set(c, "color", value_str(color));
	value_map_set(c, "release", value_str(rel ? rel : ""));
	value_map_set(c, "workloads", workloads_of(kc, ns, rel));
	return c;
}

/* Running: a Lease held and renewed within its duration. */
static bool lease_live(struct kube_client *kc, const char *ns, const char *name, char **holder)
{
	char *path = xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases/tops-release-%s-bluegreen", ns, name);
	struct value *l = NULL;
	struct tops_err err = {0};
	bool live = false;
	*holder = NULL;
	if (bgr_get_json(kc, path, &l, &err) == 0) {
		int64_t ren = obj_time_ms(obj_str(l, "spec.renewTime")), dur = obj_int(l, "spec.leaseDurationSeconds", 30);
		live = ren && now_wall() * 1000 - ren < dur * 1000;
		*holder = xstrdup(obj_str(l, "spec.holderIdentity") ?: "");
	}
	tops_err_clear(&err);
	value_unref(l);
	free(path);
	return live;
}

int bg_status(struct kube_client *kc, const char *ns, const char *name, struct value **out, struct tops_err *err)
{
	struct bg_state st;
	int rc = bgr_state_load(kc, ns, name, &st, err);
	struct value *live = router_of(kc, ns, name, BG_ANN_LIVE);
	char *pv = xasprintf("%s-preview", name);
	struct value *prev = router_of(kc, ns, pv, BG_ANN_PREVIEW);
	free(pv);
	if (rc == -TOPS_ENOENT && value_map_get(live, "service"))
		rc = 0, tops_err_clear(err);
	if (rc) {
		value_unref(live), value_unref(prev), bgr_state_done(&st);
		if (rc == -TOPS_ENOENT)
			tops_err_set(err, TOPS_ENOENT, "%s has no blue/green state (no ConfigMap %s-bluegreen, no router Service %s)",
				     name, name, name);
		return rc;
	}
	struct value *v = value_copy(st.v);
	value_map_del(v, "gates");
	value_map_set(v, "name", value_str(name));
	value_map_set(v, "namespace", value_str(ns));
	if (!value_map_get(v, "step"))
		value_map_set(v, "step", value_str("none"));
	value_map_set(v, "router", live);
	value_map_set(v, "preview", prev);
	struct value *colours = value_list();
	const char *old = bgr_get(&st, "old"), *nw = bgr_get(&st, "new");
	const char *lc = obj_str(live, "color"), *lr = obj_str(live, "release");
	const char *names[2] = {"blue", "green"};
	for (int i = 0; i < 2; i++) {
		const char *rel = NULL;
		if (old && !strcmp(old, names[i]))
			rel = bgr_get(&st, "oldRelease");
		else if (nw && !strcmp(nw, names[i]))
			rel = bgr_get(&st, "newRelease");
		else if (lc && !strcmp(lc, names[i]))
			rel = lr;
		value_list_push(colours, colour(kc, ns, names[i], rel));
	}
	value_map_set(v, "colors", colours);
	char *holder = NULL;
	bool running = lease_live(kc, ns, name, &holder);
	enum bg_step s = bg_step_parse(bgr_get(&st, "step"));
	bool stopped = s >= BS_DEPLOYING && s <= BS_SCALING && s != BS_WAITING && !running;
	value_map_set(v, "running", value_bool(running));
	value_map_set(v, "interrupted", value_bool(stopped));
	if (holder && running)
		value_map_set(v, "holder", value_str(holder));
	free(holder);
	bgr_state_done(&st);
	*out = v;
	return 0;
}
