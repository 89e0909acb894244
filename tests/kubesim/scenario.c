/* scenario — see scenario.h. */
#include "tests/kubesim/scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/yaml.h"
#include "tests/kubesim/ctrl_int.h"
#include "tests/kubesim/db.h"

static void ensure_ns(const char *ns)
{
	if (!ns || !*ns || db_find(K_NS, "", ns))
		return;
	struct value *v = value_map();
	vset_str(vmap(v, "metadata"), "name", ns);
	value_map_set(vmap(v, "metadata"), "labels", value_map());
	vset_str(value_map_path(v, "metadata.labels"), "kubernetes.io/metadata.name", ns);
	ctrl_defaults(K_NS, v);
	db_create(K_NS, v, NULL);
	value_unref(v);
}

static void add_storage_class(const char *name, bool dflt)
{
	if (db_find(K_SC, "", name))
		return;
	struct value *v = value_map(), *md = vmap(v, "metadata");
	vset_str(md, "name", name);
	if (dflt)
		vset_str(vmap(md, "annotations"), "storageclass.kubernetes.io/is-default-class", "true");
	vset_str(v, "provisioner", "kubesim.io/hostpath");
	vset_str(v, "reclaimPolicy", "Delete");
	vset_str(v, "volumeBindingMode", "Immediate");
	db_create(K_SC, v, NULL);
	value_unref(v);
}

/* defaultStorageClass: "" — a cluster without a default class: claims without a class stay
 * Pending; the base "standard" class goes unless storageClasses lists it. */
static void no_default_class(void)
{
	free(sim_cfg.default_sc);
	sim_cfg.default_sc = NULL;
	struct value *l = sim_cfg.storage_classes;
	bool listed = false;
	for (size_t i = 0; l && l->type == V_LIST && i < l->u.list.len; i++)
		listed |= l->u.list.items[i]->type == V_STRING && strcmp(l->u.list.items[i]->u.str.s, "standard") == 0;
	if (!listed)
		db_delete(K_SC, "", "standard", NULL, NULL);
	for (size_t i = 0; i < db_count(K_SC); i++) {
		struct value *sc = obj_value(db_at(K_SC, i));
		struct value *ann = value_map_path(sc, "metadata.annotations");
		if (ann && value_map_del(ann, "storageclass.kubernetes.io/is-default-class"))
			db_update(K_SC, sc, false, false, NULL);
		value_unref(sc);
	}
}

static void add_node(const char *name, int i)
{
	struct value *v = value_map(), *md = vmap(v, "metadata"), *st = vmap(v, "status");
	vset_str(md, "name", name);
	vset_str(vmap(md, "labels"), "kubernetes.io/hostname", name);
	vset_str(vmap(st, "nodeInfo"), "kubeletVersion", "v1.32.4");
	struct value *alloc = vmap(st, "allocatable");
	vset_str(alloc, "cpu", "8");
	vset_str(alloc, "memory", "32Gi");
	vset_str(alloc, "pods", "110");
	value_map_set(st, "capacity", value_copy(alloc));
	struct value *conds = value_list(), *c = value_map();
	vset_str(c, "type", "Ready");
	vset_str(c, "status", "True");
	vset_str(c, "reason", "KubeletReady");
	value_list_push(conds, c);
	value_map_set(st, "conditions", conds);
	struct value *addrs = value_list(), *a = value_map();
	vset_str(a, "type", "InternalIP");
	value_map_set(a, "address", value_strf("10.0.0.%d", 11 + i));
	value_list_push(addrs, a);
	value_map_set(st, "addresses", addrs);
	db_create(K_NODE, v, NULL);
	value_unref(v);
}

void scenario_base(void)
{
	const char *nss[] = {"default", "kube-system", "kube-public", "kube-node-lease"};
	for (size_t i = 0; i < ARRAY_LEN(nss); i++)
		ensure_ns(nss[i]);
	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "sim-node-%d", i + 1);
		add_node(name, i);
	}
	add_storage_class("standard", true);
	sim_cfg.default_sc = xstrdup("standard");
}

static double num(const struct value *m, const char *path, double dflt)
{
	struct value *v = value_map_path(m, path);
	if (v && v->type == V_INT)
		return (double)v->u.i;
	if (v && v->type == V_FLOAT)
		return v->u.f;
	return dflt;
}

static void sim_config(const struct value *doc)
{
	struct value *scs = value_map_get(doc, "storageClasses");
	if (scs && scs->type == V_LIST) {
		value_unref(sim_cfg.storage_classes);
		sim_cfg.storage_classes = value_ref(scs);
		for (size_t i = 0; i < scs->u.list.len; i++)
			if (scs->u.list.items[i]->type == V_STRING)
				add_storage_class(scs->u.list.items[i]->u.str.s, false);
	}
	if (vstr(doc, "defaultStorageClass") && !*vstr(doc, "defaultStorageClass"))
		no_default_class();
	else if (vstr(doc, "defaultStorageClass")) {
		free(sim_cfg.default_sc);
		sim_cfg.default_sc = xstrdup(vstr(doc, "defaultStorageClass"));
		add_storage_class(sim_cfg.default_sc, true);
	}
	struct value *regs = value_map_get(doc, "allowedRegistries");
	if (regs && regs->type == V_LIST)
		sim_cfg.registries = value_ref(regs);
	struct value *priv = value_map_get(doc, "privateRegistries");
	if (priv && priv->type == V_LIST)
		sim_cfg.private_registries = value_ref(priv);
	struct value *mirror = value_map_get(doc, "mirrorDigests");
	if (mirror && mirror->type == V_LIST)
		sim_cfg.mirror = value_ref(mirror);
	sim_cfg.ready_delay = num(doc, "readyDelaySeconds", sim_cfg.ready_delay);
	sim_cfg.pull_delay = num(doc, "pullDelaySeconds", sim_cfg.pull_delay);
	sim_cfg.rollout_every = num(doc, "demo.rolloutEverySeconds", sim_cfg.rollout_every);
	sim_cfg.event_every = num(doc, "demo.eventEverySeconds", sim_cfg.event_every);
}

static int load_object(const char *path, struct value *doc, struct tops_err *err)
{
	const char *av = vstr(doc, "apiVersion"), *k = vstr(doc, "kind");
	if (!k)
		return tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: object has no kind", path, doc->line, doc->col);
	if (strcmp(k, "SimConfig") == 0) {
		sim_config(doc);
		return 0;
	}
	int kind = kind_by_kind(av, k);
	if (kind < 0)
		return tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: unknown kind %s %s", path, doc->line, doc->col, av ? av : "", k);
	if (kinds[kind].namespaced) {
		struct value *md = vmap(doc, "metadata");
		if (!vstr(md, "namespace"))
			vset_str(md, "namespace", "default");
		ensure_ns(vstr(md, "namespace"));
	}
	if (ctrl_validate(kind, doc, err) != 0)
		return tops_err_prefix(err, "%s:%d:%d", path, doc->line, doc->col);
	ctrl_defaults(kind, doc);
	if (db_create(kind, doc, err) != 0)
		return tops_err_prefix(err, "%s:%d:%d", path, doc->line, doc->col);
	return 0;
}

int scenario_load(const char *path, struct tops_err *err)
{
	char *text = NULL;
	size_t len = 0, ndocs = 0;
	struct value **docs = NULL;
	struct yaml_errpos pos;
	int rc = read_file(path, 64u << 20, &text, &len, err);
	if (rc)
		return rc;
	rc = yaml_load_all(text, len, path, NULL, &docs, &ndocs, &pos, err);
	free(text);
	if (rc)
		return rc;
	/* SimConfig first, so that storage classes exist before claims are bound. */
	for (size_t i = 0; i < ndocs; i++)
		if (docs[i]->type == V_MAP && vstr(docs[i], "kind") && strcmp(vstr(docs[i], "kind"), "SimConfig") == 0)
			sim_config(docs[i]);
	for (size_t i = 0; i < ndocs && !rc; i++) {
		if (docs[i]->type == V_NULL)
			continue;
		if (docs[i]->type != V_MAP)
			rc = tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: document is not a mapping", path, docs[i]->line, docs[i]->col);
		else if (!(vstr(docs[i], "kind") && strcmp(vstr(docs[i], "kind"), "SimConfig") == 0))
			rc = load_object(path, docs[i], err);
	}
	for (size_t i = 0; i < ndocs; i++)
		value_unref(docs[i]);
	free(docs);
	return rc;
}

/* ---- the --pods fleet ---- */

static struct value *fleet_deploy(const char *name, const char *component, int replicas)
{
	struct value *d = value_map(), *md = vmap(d, "metadata"), *spec = vmap(d, "spec");
	vset_str(md, "name", name);
	vset_str(md, "namespace", "testops");
	vset_str(vmap(md, "labels"), "app", "testops");
	vset_str(value_map_path(md, "labels"), "app.kubernetes.io/component", component);
	vset_int(spec, "replicas", replicas);
	struct value *ml = vmap(vmap(spec, "selector"), "matchLabels");
	vset_str(ml, "app", "testops");
	vset_str(ml, "app.kubernetes.io/component", component);
	if (str_has_suffix(name, "-fleet"))   /* keeps the selector apart from the scenario's */
		vset_str(ml, "app.kubernetes.io/instance", name);
	struct value *tmpl = vmap(spec, "template");
	value_map_set(vmap(tmpl, "metadata"), "labels", value_copy(ml));
	struct value *cs = value_list(), *c = value_map(), *req = value_map();
	vset_str(c, "name", component);
	value_map_set(c, "image", value_strf("registry.testops.local/testops/%s:1.4.2", component));
	vset_str(req, "cpu", "100m");
	vset_str(req, "memory", "128Mi");
	struct value *res = value_map();
	value_map_set(res, "requests", req);
	struct value *lim = value_map();
	vset_str(lim, "cpu", "500m");
	vset_str(lim, "memory", "512Mi");
	value_map_set(res, "limits", lim);
	value_map_set(c, "resources", res);
	value_list_push(cs, c);
	value_map_set(vmap(tmpl, "spec"), "containers", cs);
	ctrl_defaults(K_DEPLOY, d);
	return d;
}

static struct value *fleet_rs(const struct value *d, const char *hash, int replicas)
{
	struct value *rs = value_map(), *md = vmap(rs, "metadata"), *spec = vmap(rs, "spec");
	value_map_set(md, "name", value_strf("%s-%s", vstr(d, "metadata.name"), hash));
	vset_str(md, "namespace", "testops");
	struct value *tmpl = value_copy(value_map_path(d, "spec.template"));
	vset_str(value_map_path(tmpl, "metadata.labels"), "pod-template-hash", hash);
	value_map_set(md, "labels", value_copy(value_map_path(tmpl, "metadata.labels")));
	vset_str(vmap(md, "annotations"), "deployment.kubernetes.io/revision", "1");
	struct value *sel = value_copy(value_map_path(d, "spec.selector"));
	vset_str(vmap(sel, "matchLabels"), "pod-template-hash", hash);
	value_map_set(spec, "selector", sel);
	value_map_set(spec, "template", tmpl);
	vset_int(spec, "replicas", replicas);
	struct value *refs = value_list(), *r = value_map();
	vset_str(r, "apiVersion", "apps/v1");
	vset_str(r, "kind", "Deployment");
	vset_str(r, "name", vstr(d, "metadata.name"));
	vset_str(r, "uid", vstr(d, "metadata.uid"));
	value_map_set(r, "controller", value_bool(true));
	value_map_set(r, "blockOwnerDeletion", value_bool(true));
	value_list_push(refs, r);
	value_map_set(md, "ownerReferences", refs);
	ctrl_defaults(K_RS, rs);
	return rs;
}

static void ready_conditions(struct value *st, const char *ts)
{
	static const char *const types[] = {"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"};
	struct value *conds = value_list();
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		struct value *c = value_map();
		vset_str(c, "type", types[i]);
		vset_str(c, "status", "True");
		vset_str(c, "lastTransitionTime", ts);
		value_list_push(conds, c);
	}
	value_map_set(st, "conditions", conds);
}

static void fleet_pod(const struct value *rs, int idx, const char *ts)
{
	struct value *pod = value_copy(value_map_path(rs, "spec.template"));
	struct value *md = vmap(pod, "metadata"), *st = vmap(pod, "status");
	char sfx[6];
	sim_rand_suffix(sfx, 5);
	value_map_set(md, "name", value_strf("%s-%s", vstr(rs, "metadata.name"), sfx));
	vset_str(md, "namespace", "testops");
	vset_str(md, "creationTimestamp", ts);
	struct value *refs = value_list(), *r = value_map();
	vset_str(r, "apiVersion", "apps/v1");
	vset_str(r, "kind", "ReplicaSet");
	vset_str(r, "name", vstr(rs, "metadata.name"));
	vset_str(r, "uid", vstr(rs, "metadata.uid"));
	value_map_set(r, "controller", value_bool(true));
	value_list_push(refs, r);
	value_map_set(md, "ownerReferences", refs);
	value_map_set(vmap(pod, "spec"), "nodeName", value_strf("sim-node-%d", idx % 3 + 1));
	vset_str(st, "phase", "Running");
	value_map_set(st, "podIP", value_strf("10.%d.%d.%d", 244 + idx / 62500, idx / 250 % 250, idx % 250 + 2));
	value_map_set(st, "hostIP", value_strf("10.0.0.%d", idx % 3 + 11));
	vset_str(st, "startTime", ts);
	vset_str(st, "qosClass", "Burstable");
	ready_conditions(st, ts);
	struct value *css = value_list(), *cs = value_map(), *c = value_list_get(value_map_path(pod, "spec.containers"), 0);
	vset_str(cs, "name", vstr(c, "name"));
	vset_str(cs, "image", vstr(c, "image"));
	value_map_set(cs, "imageID", image_id(vstr(c, "image") ?: ""));
	vset_int(cs, "restartCount", 0);
	value_map_set(cs, "ready", value_bool(true));
	value_map_set(cs, "started", value_bool(true));
	vset_str(vmap(vmap(cs, "state"), "running"), "startedAt", ts);
	value_list_push(css, cs);
	value_map_set(st, "containerStatuses", css);
	db_create(K_POD, pod, NULL);
	value_unref(pod);
}

static void fleet_pvc(const char *name, const char *size)
{
	struct value *p = value_map(), *md = vmap(p, "metadata"), *spec = vmap(p, "spec");
	vset_str(md, "name", name);
	vset_str(md, "namespace", "testops");
	vset_str(vmap(md, "labels"), "app", "testops");
	struct value *modes = value_list();
	value_list_push(modes, value_str("ReadWriteOnce"));
	value_map_set(spec, "accessModes", modes);
	vset_str(vmap(vmap(spec, "resources"), "requests"), "storage", size);
	ctrl_defaults(K_PVC, p);
	db_create(K_PVC, p, NULL);
	value_unref(p);
}

void scenario_pods(int n)
{
	static const struct { const char *name, *component; int share; } parts[] = {
		{"testops-runner", "runner", 60}, {"testops-engine", "engine", 30}, {"testops-web", "web", 10}};
	ensure_ns("testops");
	char *ts = sim_timestamp(sim_wall() - 86400);
	int left = n, idx = 0;
	for (size_t p = 0; p < ARRAY_LEN(parts) && left > 0; p++) {
		int count = p + 1 == ARRAY_LEN(parts) ? left : n * parts[p].share / 100;
		if (count < 1)
			count = 1;
		if (count > left)
			count = left;
		left -= count;
		/* A scenario may already hold a Deployment of that name: the fleet then gets its own. */
		char *dname = db_find(K_DEPLOY, "testops", parts[p].name) ? xasprintf("%s-fleet", parts[p].name)
									  : xstrdup(parts[p].name);
		struct value *d = fleet_deploy(dname, parts[p].component, count);
		free(dname);
		vset_str(vmap(d, "metadata"), "creationTimestamp", ts);
		db_create(K_DEPLOY, d, NULL);
		char hash[11];
		template_hash(value_map_path(d, "spec.template"), hash);
		struct value *rs = fleet_rs(d, hash, count);
		vset_str(vmap(rs, "metadata"), "creationTimestamp", ts);
		db_create(K_RS, rs, NULL);
		for (int i = 0; i < count; i++)
			fleet_pod(rs, idx++, ts);
		value_unref(rs);
		value_unref(d);
	}
	fleet_pvc("testops-snapshot", "10Gi");
	fleet_pvc("testops-reports", "5Gi");
	free(ts);
}
