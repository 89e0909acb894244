/* snapshot — see snapshot.h. The applied objects come from the release record's manifest; the
 * live state from three reads (the workloads, the namespace's pods, the release's PVCs). */
#include "core/snapshot/snapshot.h"
#include "core/snapshot/snapgolden.h"
#include "core/snapshot/snapmetrics.h"
#include "core/snapshot/snaprecord.h"

#include "core/base/yaml.h"
#include "core/chart/values.h"
#include "core/release/audit.h"
#include "core/release/obj.h"
#include "core/release/rest.h"
#include "core/release/storage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool secret_key(const char *key)
{
	static const char *const words[] = {"password", "token", "secret", "credential", "apikey", "privatekey"};
	char low[512];
	size_t n = 0;
	for (const char *p = key; *p && n + 1 < sizeof low; p++)
		low[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	low[n] = 0;
	if (str_has_prefix(low, "secrets."))
		return true;
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (strstr(low, words[i]))
			return true;
	const char *last = strrchr(low, '.');
	last = last ? last + 1 : low;
	return str_has_suffix(last, "key") && !str_has_suffix(last, "keys");
}

static void flatten(struct value *out, const struct value *v, struct strbuf *key)
{
	size_t mark = key->len;
	if (v && v->type == V_MAP && v->u.map.len) {
		for (size_t i = 0; i < v->u.map.len; i++) {
			sb_addf(key, "%s%s", mark ? "." : "", v->u.map.e[i].key);
			flatten(out, v->u.map.e[i].val, key);
			key->len = mark;
			key->buf[mark] = 0;
		}
		return;
	}
	char *text = v && v->type == V_STRING ? xstrdup(v->u.str.s) : value_to_json(v, false, false);
	if (secret_key(sb_str(key)) && !(v && v->type == V_STRING && !*v->u.str.s)) {
		char hex[65];
		audit_sha256_hex(text, strlen(text), hex);
		free(text);
		text = xasprintf("<secret sha256:%.12s>", hex);
	}
	value_map_set(out, sb_str(key), value_str_own(text, strlen(text)));
}

struct value *snapshot_flat_values(const struct value *values)
{
	struct value *out = value_map();
	struct strbuf key = STRBUF_INIT;
	sb_adds(&key, "");
	flatten(out, values, &key);
	value_map_del(out, "");
	sb_done(&key);
	return out;
}

static void put_s(struct value *m, const char *k, const char *s)
{
	value_map_set(m, k, s ? value_str(s) : value_null());
}

static struct value *release_part(const struct release *r)
{
	struct value *m = value_map();
	put_s(m, "name", r->name);
	put_s(m, "namespace", r->namespace_);
	value_map_set(m, "revision", value_int(r->version));
	put_s(m, "status", release_status_str(r->info.status));
	const char *cn = obj_str(r->chart, "metadata.name"), *cv = obj_str(r->chart, "metadata.version");
	value_map_set(m, "chart", value_strf("%s-%s", cn ? cn : "?", cv ? cv : "?"));
	put_s(m, "appVersion", obj_str(r->chart, "metadata.appVersion"));
	char *cfg = value_to_json(r->config ? r->config : value_null(), false, false);
	char hex[65];
	audit_sha256_hex(cfg, strlen(cfg), hex);
	free(cfg);
	put_s(m, "valuesSha256", hex);
	struct value *merged = values_merge_maps(value_map_get(r->chart, "values"), r->config);
	value_map_set(m, "values", snapshot_flat_values(merged));
	value_unref(merged);
	return m;
}

/* The applied objects: ref and sha256 of the canonical (sorted, compact) JSON of each. */
static int objects_part(const struct release *r, struct value *rec, struct value ***docs, size_t *ndocs,
			struct tops_err *err)
{
	if (yaml_load_all(r->manifest ? r->manifest : "", r->manifest ? strlen(r->manifest) : 0,
			  "manifest", NULL, docs, ndocs, NULL, err))
		return tops_err_prefix(err, "the release's manifest");
	struct value *l = value_list();
	for (size_t i = 0; i < *ndocs; i++) {
		const struct value *d = (*docs)[i];
		if (!d || d->type != V_MAP || !obj_str(d, "kind"))
			continue;
		struct value *o = value_map();
		char *ref = obj_ref(d, false), *j = value_to_json(d, false, false), hex[65];
		audit_sha256_hex(j, strlen(j), hex);
		value_map_set(o, "ref", value_str_own(ref, strlen(ref)));
		put_s(o, "sha256", hex);
		free(j);
		value_list_push(l, o);
	}
	value_map_set(rec, "objects", l);
	return 0;
}

static const char *const workload_kinds[][2] = {
	{"Deployment", "deployments"}, {"StatefulSet", "statefulsets"}, {"DaemonSet", "daemonsets"}};

static const char *workload_resource(const char *kind)
{
	for (size_t i = 0; kind && i < ARRAY_LEN(workload_kinds); i++)
		if (!strcmp(kind, workload_kinds[i][0]))
			return workload_kinds[i][1];
	return NULL;
}

/* A release's own pieces found in the cluster, read in parallel. */
struct live {
	struct value *work[64];      /* applied workload docs (borrowed from docs) */
	struct value *got[64];       /* their live objects (owned) */
	size_t nwork;
	struct value *pods, *pvcs;   /* lists (owned) */
};

static int read_live(struct kube_client *kc, const char *ns, struct value **docs,
		     size_t ndocs, struct live *lv, struct tops_err *err)
{
	for (size_t i = 0; i < ndocs && lv->nwork < ARRAY_LEN(lv->work); i++)
		if (docs[i] && docs[i]->type == V_MAP && workload_resource(obj_str(docs[i], "kind")))
			lv->work[lv->nwork++] = docs[i];
	size_t n = lv->nwork + 2;
	struct rest_op *ops = xcalloc(n, sizeof *ops);
	char **paths = xcalloc(n, sizeof *paths);
	for (size_t i = 0; i < lv->nwork; i++)
		paths[i] = xasprintf("/apis/apps/v1/namespaces/%s/%s/%s", ns,
				     workload_resource(obj_str(lv->work[i], "kind")), obj_str(lv->work[i], "metadata.name"));
	paths[lv->nwork] = xasprintf("/api/v1/namespaces/%s/pods", ns);
	paths[lv->nwork + 1] = xasprintf("/api/v1/namespaces/%s/persistentvolumeclaims", ns);
	for (size_t i = 0; i < n; i++)
		ops[i] = (struct rest_op){.method = "GET", .path = paths[i]};
	int rc = rest_run(kc, ops, n, NULL);
	for (size_t i = 0; i < n && !rc; i++) {
		if (ops[i].status == 404 && i < lv->nwork)
			continue;            /* a workload that is gone is recorded as 0 ready */
		if (ops[i].status < 200 || ops[i].status >= 300) {
			rc = kube_status_error(ops[i].status, ops[i].response, err);
			tops_err_prefix(err, "GET %s", paths[i]);
			break;
		}
		struct value *v = value_from_json(ops[i].response, strlen(ops[i].response), err);
		if (!v) {
			rc = tops_err_prefix(err, "GET %s", paths[i]);
			break;
		}
		if (i < lv->nwork)
			lv->got[i] = v;
		else if (i == lv->nwork)
			lv->pods = v;
		else
			lv->pvcs = v;
	}
	for (size_t i = 0; rc && !tops_err_msg(err)[0] && i < n; i++)
		if (ops[i].rc)
			tops_err_set(err, -ops[i].rc, "GET %s: %s", paths[i], tops_err_msg(&ops[i].err));
	rest_ops_done(ops, n);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths), free(ops);
	return rc;
}

static void live_done(struct live *lv)
{
	for (size_t i = 0; i < lv->nwork; i++)
		value_unref(lv->got[i]);
	value_unref(lv->pods), value_unref(lv->pvcs);
}

static bool labels_match(const struct value *sel, const struct value *labels)
{
	if (!sel || sel->type != V_MAP || !sel->u.map.len)
		return false;
	for (size_t i = 0; i < sel->u.map.len; i++) {
		const struct value *v = value_map_get(labels, sel->u.map.e[i].key), *w = sel->u.map.e[i].val;
		if (!v || v->type != V_STRING || w->type != V_STRING || strcmp(v->u.str.s, w->u.str.s))
			return false;
	}
	return true;
}

static bool pod_ready(const struct value *pod)
{
	const struct value *c = value_map_path(pod, "status.conditions");
	for (size_t i = 0; c && c->type == V_LIST && i < c->u.list.len; i++)
		if (!strcmp(obj_str(c->u.list.items[i], "type") ?: "", "Ready"))
			return !strcmp(obj_str(c->u.list.items[i], "status") ?: "", "True");
	return false;
}

static const char *digest_of(const char *image_ref)
{
	const char *at = image_ref ? strstr(image_ref, "@sha256:") : NULL;
	return at ? at + 1 : NULL;
}

static int str_item_cmp(const void *a, const void *b)
{
	return strcmp((*(struct value *const *)a)->u.str.s, (*(struct value *const *)b)->u.str.s);
}

/* The distinct digests pods run for container cn into list l (sorted by the caller). */
static void add_running(struct value *l, const struct value *pod, const char *cn)
{
	const struct value *cs = value_map_path(pod, "status.containerStatuses");
	for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++) {
		const struct value *c = cs->u.list.items[i];
		const char *d = digest_of(obj_str(c, "imageID"));
		if (!d || strcmp(obj_str(c, "name") ?: "", cn))
			continue;
		bool seen = false;
		for (size_t k = 0; k < l->u.list.len && !seen; k++)
			seen = !strcmp(l->u.list.items[k]->u.str.s, d);
		if (!seen)
			value_list_push(l, value_str(d));
	}
}

struct podsum {
	int64_t total, ready, restarts;
	struct value *by_phase;
};

static int64_t pod_restarts(const struct value *pod)
{
	int64_t n = 0;
	const struct value *cs = value_map_path(pod, "status.containerStatuses");
	for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++)
		n += obj_int(cs->u.list.items[i], "restartCount", 0);
	return n;
}

static void count_pod(struct podsum *ps, const struct value *pod)
{
	const char *phase = value_map_path(pod, "metadata.deletionTimestamp") ? "Terminating"
			    : obj_str(pod, "status.phase") ?: "Unknown";
	ps->total++;
	ps->ready += pod_ready(pod);
	ps->restarts += pod_restarts(pod);
	const struct value *c = value_map_get(ps->by_phase, phase);
	value_map_set(ps->by_phase, phase, value_int((c ? c->u.i : 0) + 1));
}

static struct value *images_of(const struct value *doc, const struct value *pods, const size_t *idx, size_t n)
{
	struct value *l = value_list();
	const struct value *cs = value_map_path(doc, "spec.template.spec.containers");
	for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++) {
		const struct value *c = cs->u.list.items[i];
		const char *cn = obj_str(c, "name") ?: "", *img = obj_str(c, "image");
		struct value *m = value_map(), *run = value_list();
		put_s(m, "container", cn);
		put_s(m, "image", img);
		put_s(m, "pinned", digest_of(img));
		for (size_t k = 0; k < n; k++)
			add_running(run, pods->u.list.items[idx[k]], cn);
		qsort(run->u.list.items, run->u.list.len, sizeof(struct value *), str_item_cmp);
		bool drift = false;
		for (size_t k = 0; digest_of(img) && k < run->u.list.len; k++)
			drift = drift || strcmp(run->u.list.items[k]->u.str.s, digest_of(img)) != 0;
		value_map_set(m, "running", run);
		value_map_set(m, "drift", value_bool(drift));
		value_list_push(l, m);
	}
	return l;
}

static struct value *conditions_of(const struct value *live)
{
	struct value *l = value_list();
	const struct value *c = value_map_path(live, "status.conditions");
	for (size_t i = 0; c && c->type == V_LIST && i < c->u.list.len; i++) {
		struct value *m = value_map();
		put_s(m, "type", obj_str(c->u.list.items[i], "type"));
		put_s(m, "status", obj_str(c->u.list.items[i], "status"));
		put_s(m, "reason", obj_str(c->u.list.items[i], "reason"));
		value_list_push(l, m);
	}
	return l;
}

static void counts_of(struct value *w, const char *kind, const struct value *doc, const struct value *live)
{
	bool ds = !strcmp(kind, "DaemonSet");
	int64_t desired = ds ? obj_int(live, "status.desiredNumberScheduled", 0)
			     : obj_int(live ? live : doc, "spec.replicas", obj_int(doc, "spec.replicas", 1));
	value_map_set(w, "desired", value_int(desired));
	value_map_set(w, "ready", value_int(obj_int(live, ds ? "status.numberReady" : "status.readyReplicas", 0)));
	value_map_set(w, "available", value_int(obj_int(live, ds ? "status.numberAvailable" : "status.availableReplicas", 0)));
	value_map_set(w, "updated", value_int(obj_int(live, ds ? "status.updatedNumberScheduled" : "status.updatedReplicas", 0)));
}

/* A pod of the workload's current template (its first container's image, ready, not being
 * deleted) goes first in the list, so the golden set runs in a pod of the new revision. */
static void add_name(struct value *names, const struct value *pod, const struct value *doc)
{
	const char *img = obj_str(value_list_get(value_map_path(doc, "spec.template.spec.containers"), 0), "image");
	const char *pimg = obj_str(value_list_get(value_map_path(pod, "spec.containers"), 0), "image");
	bool current = img && pimg && !strcmp(img, pimg) && pod_ready(pod) &&
		       !value_map_path(pod, "metadata.deletionTimestamp");
	value_list_push(names, value_str(obj_str(pod, "metadata.name") ?: ""));
	if (!current || names->u.list.len == 1)
		return;
	struct value **it = names->u.list.items, *last = it[names->u.list.len - 1];
	memmove(&it[1], &it[0], (names->u.list.len - 1) * sizeof *it);
	it[0] = last;
}

/* Workloads with their pods; every pod of the release is counted once in *ps. */
static struct value *workloads_part(const struct live *lv, struct podsum *ps)
{
	struct value *l = value_list();
	const struct value *pods = value_map_get(lv->pods, "items");
	size_t npods = pods && pods->type == V_LIST ? pods->u.list.len : 0;
	bool *counted = xcalloc(npods + 1, 1);
	size_t *idx = xcalloc(npods + 1, sizeof *idx);
	for (size_t i = 0; i < lv->nwork; i++) {
		const struct value *doc = lv->work[i], *live = lv->got[i];
		const char *kind = obj_str(doc, "kind");
		const struct value *sel = value_map_path(live ? live : doc, "spec.selector.matchLabels");
		size_t n = 0;
		int64_t restarts = 0;
		struct value *w = value_map(), *names = value_list();
		for (size_t k = 0; k < npods; k++) {
			const struct value *p = pods->u.list.items[k];
			if (!labels_match(sel, value_map_path(p, "metadata.labels")))
				continue;
			/* a pod on its way out runs what is going away: not counted as running */
			if (!value_map_path(p, "metadata.deletionTimestamp"))
				idx[n++] = k;
			restarts += pod_restarts(p);
			add_name(names, p, doc);
			if (!counted[k]) {
				counted[k] = true;
				count_pod(ps, p);
			}
		}
		char *ref = obj_ref(doc, true);
		value_map_set(w, "ref", value_str_own(ref, strlen(ref)));
		put_s(w, "kind", kind);
		put_s(w, "name", obj_str(doc, "metadata.name"));
		counts_of(w, kind, doc, live);
		value_map_set(w, "restarts", value_int(restarts));
		value_map_set(w, "images", images_of(doc, pods, idx, n));
		value_map_set(w, "conditions", conditions_of(live));
		value_map_set(w, "pods", names);
		value_list_push(l, w);
	}
	free(counted), free(idx);
	return l;
}

static bool in_manifest(struct value **docs, size_t ndocs, const char *kind, const char *name)
{
	for (size_t i = 0; i < ndocs; i++)
		if (docs[i] && docs[i]->type == V_MAP && !strcmp(obj_str(docs[i], "kind") ?: "", kind) &&
		    !strcmp(obj_str(docs[i], "metadata.name") ?: "", name))
			return true;
	return false;
}

/* The release's PVCs: named in the manifest or labelled app.kubernetes.io/instance=RELEASE
 * (a StatefulSet's claims carry its template's labels). usedBytes comes later from Prometheus. */
static struct value *pvcs_part(const struct live *lv, const char *release, struct value **docs, size_t ndocs)
{
	struct value *l = value_list();
	const struct value *items = value_map_get(lv->pvcs, "items");
	for (size_t i = 0; items && items->type == V_LIST && i < items->u.list.len; i++) {
		const struct value *p = items->u.list.items[i];
		const char *name = obj_str(p, "metadata.name") ?: "";
		const struct value *iv = value_map_get(value_map_path(p, "metadata.labels"), "app.kubernetes.io/instance");
		const char *inst = iv && iv->type == V_STRING ? iv->u.str.s : NULL;
		if (!in_manifest(docs, ndocs, "PersistentVolumeClaim", name) && !(inst && !strcmp(inst, release)))
			continue;
		struct value *m = value_map();
		put_s(m, "name", name);
		put_s(m, "phase", obj_str(p, "status.phase"));
		put_s(m, "storageClass", obj_str(p, "spec.storageClassName"));
		put_s(m, "capacity", obj_str(p, "status.capacity.storage") ?: obj_str(p, "spec.resources.requests.storage"));
		value_map_set(m, "usedBytes", value_null());
		value_list_push(l, m);
	}
	return l;
}

static void header_part(struct value *rec, const struct snapshot_take_opts *o, const struct release *r)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t wall = o->wall_s ? o->wall_s : (int64_t)now.tv_sec;
	long ms = o->wall_s ? 0 : now.tv_nsec / 1000000;
	const char *label = o->label && *o->label ? o->label : "manual";
	char *id = snaprecord_id(r->name, r->version, label, wall);
	value_map_set(rec, "apiVersion", value_str(SNAPSHOT_API_VERSION));
	value_map_set(rec, "id", value_str_own(id, strlen(id)));
	value_map_set(rec, "label", value_str(label));
	struct tm tm;
	time_t t = (time_t)wall;
	gmtime_r(&t, &tm);
	char ts[32], full[48];
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(full, sizeof full, "%s.%03ldZ", ts, ms);
	value_map_set(rec, "takenAt", value_str(full));
	value_map_set(rec, "windowSeconds", value_int(o->window_s > 0 ? o->window_s : 300));
	value_map_set(rec, "release", release_part(r));
}

static int live_parts(struct kube_client *kc, const struct snapshot_take_opts *o, const struct release *r,
		      struct value *rec, struct tops_err *err)
{
	struct value **docs = NULL;
	size_t ndocs = 0;
	struct live lv = {0};
	int rc = objects_part(r, rec, &docs, &ndocs, err);
	if (!rc)
		rc = read_live(kc, o->namespace_, docs, ndocs, &lv, err);
	if (!rc) {
		struct podsum ps = {.by_phase = value_map()};
		value_map_set(rec, "workloads", workloads_part(&lv, &ps));
		struct value *pm = value_map();
		value_map_set(pm, "total", value_int(ps.total));
		value_map_set(pm, "ready", value_int(ps.ready));
		value_map_set(pm, "restarts", value_int(ps.restarts));
		value_map_set(pm, "byPhase", ps.by_phase);
		value_map_set(rec, "pods", pm);
		value_map_set(rec, "pvcs", pvcs_part(&lv, r->name, docs, ndocs));
		snapgolden_object_store(kc, rec, r, docs, ndocs);
	}
	live_done(&lv);
	for (size_t i = 0; i < ndocs; i++)
		value_unref(docs[i]);
	free(docs);
	return rc;
}

int snapshot_take(struct kube_client *kc, const struct snapshot_take_opts *o, struct value **out,
		  struct tops_err *err)
{
	*out = NULL;
	struct history h;
	int rc = storage_load(kc, o->namespace_, o->release, &h, err);
	if (rc)
		return rc;
	const struct release *r = history_last(&h);
	if (!r) {
		history_done(&h);
		return tops_err_set(err, TOPS_ENOENT, "release %s not found in namespace %s", o->release, o->namespace_);
	}
	struct value *rec = value_map();
	header_part(rec, o, r);
	rc = live_parts(kc, o, r, rec, err);
	if (!rc) {
		snapmetrics_collect(kc, o, rec);
		snapgolden_collect(kc, o, r, rec);
	}
	history_done(&h);
	if (rc) {
		value_unref(rec);
		return rc;
	}
	*out = rec;
	return 0;
}
