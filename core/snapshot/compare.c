/* compare — see compare.h. Every section walks the two records by a key (a workload's ref,
 * a PVC's name, a metric's name, a file's path) and adds entries to the report. */
#include "core/snapshot/compare.h"
#include "core/snapshot/snaprecord.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_REGRESSION 0.10

static const struct value *list_at(const struct value *rec, const char *path)
{
	const struct value *l = value_map_path(rec, path);
	return l && l->type == V_LIST ? l : NULL;
}

static size_t list_len(const struct value *l)
{
	return l ? l->u.list.len : 0;
}

/* The element of list l whose field key is the string k, or NULL. */
static const struct value *find_by(const struct value *l, const char *key, const char *k)
{
	for (size_t i = 0; i < list_len(l); i++) {
		const char *s = snaprecord_str(l->u.list.items[i], key, NULL);
		if (s && k && strcmp(s, k) == 0)
			return l->u.list.items[i];
	}
	return NULL;
}

static struct value *entry(struct value *list, const char *what)
{
	struct value *e = value_map();
	value_map_set(e, "what", value_str(what));
	value_list_push(list, e);
	return e;
}

static void set_s(struct value *e, const char *k, const char *s)
{
	value_map_set(e, k, s ? value_str(s) : value_null());
}

static void set_num(struct value *e, const char *k, double v)
{
	if (isnan(v) || isinf(v))
		value_map_set(e, k, value_null());
	else if (v == floor(v) && fabs(v) < 9e15)
		value_map_set(e, k, value_int((int64_t)v));
	else
		value_map_set(e, k, value_float(v));
}

static bool str_differs(const char *x, const char *y)
{
	return (x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0);
}

/* A change of a string field at path, as {what, from, to}. */
static void field_change(struct value *out, const struct value *a, const struct value *b,
			 const char *path, const char *what)
{
	const char *x = snaprecord_str(a, path, NULL), *y = snaprecord_str(b, path, NULL);
	if (!str_differs(x, y))
		return;
	struct value *e = entry(out, what);
	set_s(e, "from", x);
	set_s(e, "to", y);
}

static void release_changes(struct value *out, const struct value *a, const struct value *b)
{
	int64_t ra = snaprecord_int(a, "release.revision", 0), rb = snaprecord_int(b, "release.revision", 0);
	if (ra != rb) {
		struct value *e = entry(out, "revision");
		value_map_set(e, "from", value_int(ra));
		value_map_set(e, "to", value_int(rb));
	}
	field_change(out, a, b, "release.chart", "chart");
	field_change(out, a, b, "release.appVersion", "appVersion");
}

/* Values are flat maps of dotted keys to text; Secret-like ones hold "<secret sha256:...>". */
static void value_changes(struct value *out, const struct value *a, const struct value *b)
{
	const struct value *va = value_map_path(a, "release.values"), *vb = value_map_path(b, "release.values");
	if (!va || !vb || va->type != V_MAP || vb->type != V_MAP)
		return;
	size_t i = 0, k = 0;
	while (i < va->u.map.len || k < vb->u.map.len) {
		const struct vmap_entry *x = i < va->u.map.len ? &va->u.map.e[i] : NULL;
		const struct vmap_entry *y = k < vb->u.map.len ? &vb->u.map.e[k] : NULL;
		int c = !x ? 1 : !y ? -1 : strcmp(x->key, y->key);
		const char *xs = c <= 0 && x->val->type == V_STRING ? x->val->u.str.s : NULL;
		const char *ys = c >= 0 && y->val->type == V_STRING ? y->val->u.str.s : NULL;
		if (c != 0 || str_differs(xs, ys)) {
			struct value *e = entry(out, "value");
			set_s(e, "key", c <= 0 ? x->key : y->key);
			set_s(e, "from", xs);
			set_s(e, "to", ys);
		}
		i += c <= 0;
		k += c >= 0;
	}
}

static char *join_digests(const struct value *img)
{
	const struct value *r = value_map_get(img, "running");
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; r && r->type == V_LIST && i < r->u.list.len; i++)
		if (r->u.list.items[i]->type == V_STRING)
			sb_addf(&sb, "%s%s", i ? "," : "", r->u.list.items[i]->u.str.s);
	return sb_detach(&sb, NULL);
}

static void image_changes(struct value *out, const char *ref, const struct value *wa, const struct value *wb)
{
	const struct value *la = list_at(wa, "images"), *lb = list_at(wb, "images");
	for (size_t i = 0; i < list_len(lb); i++) {
		const struct value *ib = lb->u.list.items[i];
		const char *cn = snaprecord_str(ib, "container", "");
		const struct value *ia = find_by(la, "container", cn);
		if (!ia)
			continue;
		const char *xa = snaprecord_str(ia, "image", NULL), *xb = snaprecord_str(ib, "image", NULL);
		if (str_differs(xa, xb)) {
			struct value *e = entry(out, "image");
			set_s(e, "workload", ref), set_s(e, "container", cn), set_s(e, "from", xa), set_s(e, "to", xb);
		}
		char *da = join_digests(ia), *db = join_digests(ib);
		if (strcmp(da, db) != 0) {
			struct value *e = entry(out, "digest");
			set_s(e, "workload", ref), set_s(e, "container", cn), set_s(e, "from", da), set_s(e, "to", db);
		}
		free(da), free(db);
	}
}

static void workload_changes(struct value *out, struct value *health, const struct value *a, const struct value *b)
{
	const struct value *la = list_at(a, "workloads"), *lb = list_at(b, "workloads");
	for (size_t i = 0; i < list_len(lb); i++) {
		const struct value *wb = lb->u.list.items[i];
		const char *ref = snaprecord_str(wb, "ref", "");
		const struct value *wa = find_by(la, "ref", ref);
		int64_t ra = snaprecord_int(wa, "restarts", 0), rb = snaprecord_int(wb, "restarts", 0);
		int64_t db = snaprecord_int(wb, "desired", 0), rdb = snaprecord_int(wb, "ready", 0);
		if (rb > ra) {
			struct value *e = entry(health, "restarts");
			set_s(e, "workload", ref);
			value_map_set(e, "from", value_int(ra)), value_map_set(e, "to", value_int(rb));
			value_map_set(e, "delta", value_int(rb - ra));
		}
		if (rdb < db) {
			struct value *e = entry(health, "workload not ready");
			set_s(e, "workload", ref);
			value_map_set(e, "ready", value_int(rdb)), value_map_set(e, "desired", value_int(db));
		}
		if (!wa)
			continue;
		int64_t da = snaprecord_int(wa, "desired", 0);
		if (da != db) {
			struct value *e = entry(out, "replicas");
			set_s(e, "workload", ref);
			value_map_set(e, "from", value_int(da)), value_map_set(e, "to", value_int(db));
		}
		image_changes(out, ref, wa, wb);
	}
}

static bool config_kind(const char *ref)
{
	return str_has_prefix(ref, "ConfigMap/") || str_has_prefix(ref, "Secret/");
}

static void object_changes(struct value *out, const struct value *a, const struct value *b)
{
	const struct value *la = list_at(a, "objects"), *lb = list_at(b, "objects");
	for (size_t i = 0; i < list_len(lb); i++) {
		const char *ref = snaprecord_str(lb->u.list.items[i], "ref", "");
		const struct value *oa = find_by(la, "ref", ref);
		const char *ha = snaprecord_str(oa, "sha256", NULL), *hb = snaprecord_str(lb->u.list.items[i], "sha256", NULL);
		if (oa && !str_differs(ha, hb))
			continue;
		struct value *e = entry(out, config_kind(ref) ? "config" : "object");
		set_s(e, "ref", ref);
		set_s(e, "change", oa ? "changed" : "added");
	}
	for (size_t i = 0; i < list_len(la); i++) {
		const char *ref = snaprecord_str(la->u.list.items[i], "ref", "");
		if (find_by(lb, "ref", ref))
			continue;
		struct value *e = entry(out, config_kind(ref) ? "config" : "object");
		set_s(e, "ref", ref);
		set_s(e, "change", "removed");
	}
}

static void drift_of(struct value *out, const struct value *b)
{
	const struct value *lb = list_at(b, "workloads");
	for (size_t i = 0; i < list_len(lb); i++) {
		const struct value *imgs = list_at(lb->u.list.items[i], "images");
		for (size_t k = 0; k < list_len(imgs); k++) {
			const struct value *im = imgs->u.list.items[k];
			const struct value *d = value_map_get(im, "drift");
			if (!d || d->type != V_BOOL || !d->u.b)
				continue;
			struct value *e = value_map();
			set_s(e, "workload", snaprecord_str(lb->u.list.items[i], "ref", ""));
			set_s(e, "container", snaprecord_str(im, "container", ""));
			set_s(e, "pinned", snaprecord_str(im, "pinned", ""));
			char *r = join_digests(im);
			value_map_set(e, "running", value_str_own(r, strlen(r)));
			value_list_push(out, e);
		}
	}
}

static void pod_health(struct value *health, const struct value *a, const struct value *b, int *regressions)
{
	int64_t na = snaprecord_int(a, "pods.total", 0) - snaprecord_int(a, "pods.ready", 0);
	int64_t nb = snaprecord_int(b, "pods.total", 0) - snaprecord_int(b, "pods.ready", 0);
	if (nb == na && nb == 0)
		return;
	struct value *e = entry(health, "pods not ready");
	value_map_set(e, "from", value_int(na));
	value_map_set(e, "to", value_int(nb));
	bool worse = nb > na;
	value_map_set(e, "regression", value_bool(worse));
	*regressions += worse;
}

static double growth(double from, double to)
{
	if (isnan(from) || isnan(to))
		return NAN;
	if (from == 0)
		return to == 0 ? 0 : INFINITY;
	return (to - from) / fabs(from);
}

static void pvc_changes(struct value *out, const struct value *a, const struct value *b)
{
	const struct value *la = list_at(a, "pvcs"), *lb = list_at(b, "pvcs");
	for (size_t i = 0; i < list_len(lb); i++) {
		const struct value *pb = lb->u.list.items[i];
		const char *name = snaprecord_str(pb, "name", "");
		const struct value *pa = find_by(la, "name", name);
		double ua = pa ? snaprecord_num(pa, "usedBytes") : NAN, ub = snaprecord_num(pb, "usedBytes");
		const char *pha = snaprecord_str(pa, "phase", NULL), *phb = snaprecord_str(pb, "phase", NULL);
		const char *ca = snaprecord_str(pa, "capacity", NULL), *cb = snaprecord_str(pb, "capacity", NULL);
		bool same = (isnan(ua) && isnan(ub)) || ua == ub;
		if (pa && same && !str_differs(pha, phb) && !str_differs(ca, cb))
			continue;
		struct value *e = value_map();
		set_s(e, "name", name);
		set_s(e, "change", pa ? "changed" : "added");
		set_s(e, "phaseFrom", pha), set_s(e, "phaseTo", phb);
		set_s(e, "capacityFrom", ca), set_s(e, "capacityTo", cb);
		set_num(e, "usedFrom", ua), set_num(e, "usedTo", ub);
		set_num(e, "growthPercent", 100 * growth(ua, ub));
		value_list_push(out, e);
	}
}

/* One metric: from, to, change; a regression when it got worse beyond thr. */
static int metric_entry(struct value *out, const char *name, const char *kind, double from, double to,
			const char *worse, double thr, const char *unit)
{
	if (isnan(from) && isnan(to))
		return 0;
	struct value *e = value_map();
	set_s(e, "name", name);
	set_s(e, "kind", kind);
	set_s(e, "unit", unit);
	set_num(e, "from", from);
	set_num(e, "to", to);
	double g = growth(from, to);
	set_num(e, "changePercent", 100 * g);
	set_s(e, "worse", worse);
	set_num(e, "thresholdPercent", 100 * thr);
	bool up = worse && strcmp(worse, "up") == 0, down = worse && strcmp(worse, "down") == 0;
	/* From nothing to something tiny (an error rate of 0 to 1e-12) is noise, not a regression. */
	bool reg = !isnan(g) && ((up && g > thr && fabs(to - from) > 1e-9) || (down && -g > thr));
	value_map_set(e, "regression", value_bool(reg));
	if (isnan(from) || isnan(to))
		set_s(e, "note", isnan(from) ? "no data before" : "no data after");
	value_list_push(out, e);
	return reg;
}

static int series_changes(struct value *out, const struct value *a, const struct value *b,
			  const char *path, const char *kind, double dflt_thr)
{
	int n = 0;
	const struct value *la = list_at(a, path), *lb = list_at(b, path);
	for (size_t i = 0; i < list_len(lb); i++) {
		const struct value *mb = lb->u.list.items[i];
		const char *name = snaprecord_str(mb, "name", "");
		const struct value *ma = find_by(la, "name", name);
		double thr = snaprecord_num(mb, "threshold");
		n += metric_entry(out, name, kind, ma ? snaprecord_num(ma, "value") : NAN, snaprecord_num(mb, "value"),
				  snaprecord_str(mb, "worse", "none"), isnan(thr) ? dflt_thr : thr,
				  snaprecord_str(mb, "unit", NULL));
	}
	return n;
}

static void usage_changes(struct value *out, const struct value *a, const struct value *b, double thr)
{
	static const char *const res[] = {"cpu", "memory"}, *const unit[] = {"cores", "bytes"};
	const struct value *la = list_at(a, "metrics.workloads"), *lb = list_at(b, "metrics.workloads");
	for (size_t i = 0; i < list_len(lb); i++) {
		const struct value *wb = lb->u.list.items[i];
		const char *ref = snaprecord_str(wb, "ref", "");
		const struct value *wa = find_by(la, "ref", ref);
		for (int r = 0; r < 2 && wa; r++) {
			char path[32], name[300];
			snprintf(path, sizeof path, "%s.p95", res[r]);
			snprintf(name, sizeof name, "%s p95 %s", res[r], ref);
			metric_entry(out, name, "usage", snaprecord_num(wa, path), snaprecord_num(wb, path), "none", thr, unit[r]);
		}
	}
}

static void file_list(struct value *g, const char *key, const char *path)
{
	struct value *l = value_map_get(g, key);
	value_list_push(l, value_str(path));
}

static void golden_changes(struct value *report, const struct value *a, const struct value *b)
{
	struct value *g = value_map();
	value_map_set(g, "added", value_list());
	value_map_set(g, "removed", value_list());
	value_map_set(g, "changed", value_list());
	set_s(g, "statusFrom", snaprecord_str(a, "golden.status", NULL));
	set_s(g, "statusTo", snaprecord_str(b, "golden.status", NULL));
	const struct value *la = list_at(a, "golden.files"), *lb = list_at(b, "golden.files");
	bool both = !strcmp(snaprecord_str(a, "golden.status", ""), "recorded") &&
		    !strcmp(snaprecord_str(b, "golden.status", ""), "recorded");
	value_map_set(g, "compared", value_bool(both));
	for (size_t i = 0; both && i < list_len(lb); i++) {
		const char *p = snaprecord_str(lb->u.list.items[i], "path", "");
		const struct value *fa = find_by(la, "path", p);
		if (!fa)
			file_list(g, "added", p);
		else if (str_differs(snaprecord_str(fa, "sha256", NULL), snaprecord_str(lb->u.list.items[i], "sha256", NULL)))
			file_list(g, "changed", p);
	}
	for (size_t i = 0; both && i < list_len(la); i++) {
		const char *p = snaprecord_str(la->u.list.items[i], "path", "");
		if (!find_by(lb, "path", p))
			file_list(g, "removed", p);
	}
	value_map_set(report, "golden", g);
}

static struct value *side(const struct value *r)
{
	struct value *s = value_map();
	set_s(s, "id", snaprecord_str(r, "id", NULL));
	set_s(s, "label", snaprecord_str(r, "label", NULL));
	set_s(s, "takenAt", snaprecord_str(r, "takenAt", NULL));
	value_map_set(s, "revision", value_int(snaprecord_int(r, "release.revision", 0)));
	set_s(s, "chart", snaprecord_str(r, "release.chart", NULL));
	return s;
}

struct value *snapcompare_run(const struct value *a, const struct value *b, const struct snapcompare_opts *o)
{
	double thr = o && o->max_regression >= 0 ? o->max_regression : DEFAULT_MAX_REGRESSION;
	struct value *rep = value_map(), *changes = value_list(), *health = value_list();
	struct value *drift = value_list(), *pvcs = value_list(), *metrics = value_list();
	int regressions = 0;
	value_map_set(rep, "release", value_str(snaprecord_str(b, "release.name", "")));
	value_map_set(rep, "namespace", value_str(snaprecord_str(b, "release.namespace", "")));
	value_map_set(rep, "a", side(a));
	value_map_set(rep, "b", side(b));
	release_changes(changes, a, b);
	value_changes(changes, a, b);
	workload_changes(changes, health, a, b);
	object_changes(changes, a, b);
	pod_health(health, a, b, &regressions);
	drift_of(drift, b);
	pvc_changes(pvcs, a, b);
	regressions += series_changes(metrics, a, b, "metrics.series", "series", thr);
	regressions += series_changes(metrics, a, b, "metrics.queries", "query", thr);
	usage_changes(metrics, a, b, thr);
	value_map_set(rep, "changes", changes);
	value_map_set(rep, "health", health);
	value_map_set(rep, "drift", drift);
	value_map_set(rep, "pvcs", pvcs);
	value_map_set(rep, "metrics", metrics);
	set_num(rep, "maxRegressionPercent", 100 * thr);
	set_s(rep, "metricsFrom", snaprecord_str(a, "metrics.error", NULL));
	set_s(rep, "metricsTo", snaprecord_str(b, "metrics.error", NULL));
	golden_changes(rep, a, b);
	struct value *os = value_map();
	set_s(os, "from", snaprecord_str(a, "objectStore.status", NULL));
	set_s(os, "to", snaprecord_str(b, "objectStore.status", NULL));
	value_map_set(rep, "objectStore", os);
	value_map_set(rep, "regressions", value_int(regressions));
	return rep;
}

int snapcompare_regressions(const struct value *report)
{
	return (int)snaprecord_int(report, "regressions", 0);
}

double snapcompare_parse_pct(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	double v = strtod(s, &end);
	if (end == s || (*end && strcmp(end, "%") != 0) || v < 0 || isnan(v) || isinf(v))
		return -1;
	return v / 100;
}

static const char *label_of(const struct value *r)
{
	return snaprecord_str(r, "label", "");
}

static const struct value *find_id(struct value *const *recs, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(snaprecord_str(recs[i], "id", ""), id))
			return recs[i];
	return NULL;
}

/* The newest record before index end with label lbl, or NULL. */
static const struct value *newest_before(struct value *const *recs, size_t end, const char *lbl)
{
	for (size_t i = end; i-- > 0;)
		if (!strcmp(label_of(recs[i]), lbl))
			return recs[i];
	return NULL;
}

int snapcompare_pick(struct value *const *recs, size_t n, const char *a_id, const char *b_id,
		     const struct value **a, const struct value **b, struct tops_err *err)
{
	*a = *b = NULL;
	if (a_id && !(*a = find_id(recs, n, a_id)))
		return tops_err_set(err, TOPS_ENOENT, "snapshot %s not found", a_id);
	if (b_id && !(*b = find_id(recs, n, b_id)))
		return tops_err_set(err, TOPS_ENOENT, "snapshot %s not found", b_id);
	if (!*b) {
		for (size_t i = n; i-- > 0 && !*b;)
			if (recs[i] != *a)
				*b = recs[i];
		if (!*b)
			return tops_err_set(err, TOPS_ENOENT, "there is no snapshot to compare %s with",
					    a_id ? a_id : "(none taken)");
	}
	if (*a)
		return 0;
	size_t bi = 0;
	while (bi < n && recs[bi] != *b)
		bi++;
	if (!strcmp(label_of(*b), "post"))
		*a = newest_before(recs, bi, "pre");
	if (!*a)
		*a = newest_before(recs, bi, "golden");
	if (!*a)
		return tops_err_set(err, TOPS_ENOENT, "no golden snapshot older than %s (take one with "
				    "`tops snapshot take NAME --label golden`, or name two IDs)",
				    snaprecord_str(*b, "id", "?"));
	return 0;
}
