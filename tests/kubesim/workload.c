/* workload — Deployment, ReplicaSet and StatefulSet controllers (ctrl_int.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/kubesim/ctrl_int.h"

#define REV_ANN "deployment.kubernetes.io/revision"

struct owned {
	struct value **v;
	size_t len;
};

static void owned_done(struct owned *o)
{
	for (size_t i = 0; i < o->len; i++)
		value_unref(o->v[i]);
	free(o->v);
}

/* Objects of kind in ns whose controller owner has uid. */
static struct owned owned_by(int kind, const char *ns, const char *uid)
{
	struct owned out = {0};
	for (size_t i = db_ns_start(kind, ns); i < db_count(kind); i++) {
		struct obj *o = db_at(kind, i);
		if (strcmp(o->ns, ns) != 0)
			break;
		if (o->owner_uid && strcmp(o->owner_uid, uid) == 0) {
			out.v = xrealloc(out.v, (out.len + 1) * sizeof(*out.v));
			out.v[out.len++] = obj_value(o);
		}
	}
	return out;
}

static int count_pods(const char *ns, const char *uid, int *ready)
{
	return db_owned_pods(uid, ns, ready);
}

static int64_t int_or_percent(const struct value *v, int64_t total, bool round_up, int64_t dflt)
{
	if (!v)
		return dflt;
	if (v->type == V_INT)
		return v->u.i;
	if (v->type == V_STRING) {
		double pct = atof(v->u.str.s);
		double x = pct * (double)total / 100.0;
		return (int64_t)(round_up ? ceil(x) : floor(x));
	}
	return dflt;
}

static int64_t revision_of(const struct value *rs)
{
	const char *r;
	struct value *ann = value_map_path(rs, "metadata.annotations");
	struct value *x = ann ? value_map_get(ann, REV_ANN) : NULL;
	r = x && x->type == V_STRING ? x->u.str.s : NULL;
	return r ? atoll(r) : 0;
}

static void set_annotation(struct value *obj, const char *key, const char *val)
{
	vset_str(vmap(vmap(obj, "metadata"), "annotations"), key, val);
}

/* ---- ReplicaSet ---- */

static void rs_create_pods(const struct value *rs, int n)
{
	for (int i = 0; i < n; i++) {
		struct value *pod = ctrl_pod_of(K_RS, rs);
		if (ctrl_create(K_POD, pod) == 0) {
			char *msg = xasprintf("Created pod: %s", vstr(pod, "metadata.name"));
			ctrl_event(rs, "Normal", "SuccessfulCreate", msg);
			free(msg);
		}
		value_unref(pod);
	}
}

/* Deletes n pods of the set, not-ready ones first, then the newest. */
static void rs_delete_pods(const struct value *rs, const char *uid, int n)
{
	const char *ns = vstr(rs, "metadata.namespace");
	for (int pass = 0; pass < 2 && n > 0; pass++) {
		for (size_t i = db_count(K_POD); i-- > db_ns_start(K_POD, ns) && n > 0;) {
			struct obj *o = db_at(K_POD, i);
			if (!o || strcmp(o->ns, ns) != 0 || !o->owner_uid || strcmp(o->owner_uid, uid) != 0)
				continue;
			if (pass == 0 && o->ready)
				continue;
			char *msg = xasprintf("Deleted pod: %s", o->name);
			char *pname = xstrdup(o->name);
			ctrl_delete(K_POD, ns, pname, NULL, NULL, NULL);
			ctrl_event(rs, "Normal", "SuccessfulDelete", msg);
			free(msg);
			free(pname);
			n--;
		}
	}
}

void rs_reconcile(const char *ns, const char *name)
{
	struct value *rs = db_get(K_RS, ns, name);
	if (!rs || vstr(rs, "metadata.deletionTimestamp")) { /* a set being deleted makes no pods */
		value_unref(rs);
		return;
	}
	char *uid = xstrdup(vstr(rs, "metadata.uid"));
	int ready, have = count_pods(ns, uid, &ready);
	int want = (int)vint(rs, "spec.replicas", 1);
	if (have < want)
		rs_create_pods(rs, want - have);
	else if (have > want)
		rs_delete_pods(rs, uid, have - want);
	have = count_pods(ns, uid, &ready);
	value_unref(rs);
	rs = db_get(K_RS, ns, name);
	struct value *st = vmap(rs, "status");
	vset_int(st, "replicas", have);
	vset_int(st, "fullyLabeledReplicas", have);
	vset_int(st, "readyReplicas", ready);
	vset_int(st, "availableReplicas", ready);
	vset_int(st, "observedGeneration", vint(rs, "metadata.generation", 1));
	ctrl_save(K_RS, rs);
	value_unref(rs);
	free(uid);
}

/* ---- Deployment ---- */

struct dstate {
	struct value *d;
	struct owned rss;
	struct value *new_rs;        /* borrowed from rss or owned separately */
	bool new_owned;
	int64_t desired, surge, unavail, max_rev;
};

static struct value *new_rs_for(struct dstate *s, const char *hash)
{
	const struct value *d = s->d;
	struct value *tmpl = template_normal(value_map_path(d, "spec.template"));
	struct value *rs = value_map(), *md = vmap(rs, "metadata"), *spec = vmap(rs, "spec");
	value_map_set(md, "name", value_strf("%s-%s", vstr(d, "metadata.name"), hash));
	vset_str(md, "namespace", vstr(d, "metadata.namespace"));
	struct value *labels = value_copy(value_map_path(tmpl, "metadata.labels") ?: value_map());
	vset_str(labels, "pod-template-hash", hash);
	value_map_set(md, "labels", value_copy(labels));
	value_map_set(vmap(tmpl, "metadata"), "labels", labels);
	struct value *sel = value_copy(value_map_path(d, "spec.selector") ?: value_map());
	vset_str(vmap(sel, "matchLabels"), "pod-template-hash", hash);
	value_map_set(spec, "selector", sel);
	value_map_set(spec, "template", tmpl);
	vset_int(spec, "replicas", 0);
	char rev[24];
	snprintf(rev, sizeof(rev), "%lld", (long long)s->max_rev + 1);
	set_annotation(rs, REV_ANN, rev);
	ctrl_set_owner(rs, K_DEPLOY, d);
	return rs;
}

static void find_new_rs(struct dstate *s)
{
	struct value *want = template_normal(value_map_path(s->d, "spec.template"));
	for (size_t i = 0; i < s->rss.len; i++) {
		struct value *have = template_normal(value_map_path(s->rss.v[i], "spec.template"));
		if (value_equal(want, have) && !s->new_rs)
			s->new_rs = s->rss.v[i];
		value_unref(have);
		int64_t r = revision_of(s->rss.v[i]);
		if (r > s->max_rev)
			s->max_rev = r;
	}
	value_unref(want);
}

static void scale_rs(struct dstate *s, struct value *rs, int64_t to)
{
	int64_t from = vint(rs, "spec.replicas", 0);
	if (from == to)
		return;
	vset_int(vmap(rs, "spec"), "replicas", to);
	char ann[24];
	snprintf(ann, sizeof(ann), "%lld", (long long)s->desired);
	set_annotation(rs, "deployment.kubernetes.io/desired-replicas", ann);
	snprintf(ann, sizeof(ann), "%lld", (long long)(s->desired + s->surge));
	set_annotation(rs, "deployment.kubernetes.io/max-replicas", ann);
	ctrl_save(K_RS, rs);
	char *msg = xasprintf("Scaled %s replica set %s from %lld to %lld", to > from ? "up" : "down",
			      vstr(rs, "metadata.name"), (long long)from, (long long)to);
	ctrl_event(s->d, "Normal", "ScalingReplicaSet", msg);
	free(msg);
}

static int64_t rs_ready(const struct value *rs) { return vint(rs, "status.readyReplicas", 0); }

static void rolling(struct dstate *s)
{
	int64_t total = 0, old_active = 0;
	for (size_t i = 0; i < s->rss.len; i++) {
		total += vint(s->rss.v[i], "spec.replicas", 0);
		if (s->rss.v[i] != s->new_rs)
			old_active += vint(s->rss.v[i], "spec.replicas", 0);
	}
	int64_t new_spec = vint(s->new_rs, "spec.replicas", 0);
	if (!old_active) {
		scale_rs(s, s->new_rs, s->desired);
		return;
	}
	int64_t allowed = s->desired + s->surge - total;
	if (allowed > 0 && new_spec < s->desired) {
		int64_t to = new_spec + allowed > s->desired ? s->desired : new_spec + allowed;
		scale_rs(s, s->new_rs, to);
		total += to - new_spec;
		new_spec = to;
	}
	int64_t min_avail = s->desired - s->unavail;
	int64_t new_unavail = new_spec - rs_ready(s->new_rs);
	int64_t down = total - min_avail - new_unavail;
	for (size_t i = 0; i < s->rss.len && down > 0; i++) {
		struct value *rs = s->rss.v[i];
		int64_t n = vint(rs, "spec.replicas", 0);
		if (rs == s->new_rs || !n)
			continue;
		int64_t d = n < down ? n : down;
		scale_rs(s, rs, n - d);
		down -= d;
	}
}

static void recreate(struct dstate *s)
{
	int64_t old_pods = 0;
	for (size_t i = 0; i < s->rss.len; i++) {
		if (s->rss.v[i] == s->new_rs)
			continue;
		old_pods += vint(s->rss.v[i], "status.replicas", 0);
		scale_rs(s, s->rss.v[i], 0);
	}
	if (!old_pods)
		scale_rs(s, s->new_rs, s->desired);
}

static void cleanup_history(struct dstate *s)
{
	int64_t limit = vint(s->d, "spec.revisionHistoryLimit", 10);
	int64_t old = 0;
	for (size_t i = 0; i < s->rss.len; i++)
		old += s->rss.v[i] != s->new_rs && !vint(s->rss.v[i], "spec.replicas", 0) &&
		       !vint(s->rss.v[i], "status.replicas", 0);
	while (old > limit) {
		struct value *oldest = NULL;
		for (size_t i = 0; i < s->rss.len; i++) {
			struct value *rs = s->rss.v[i];
			if (rs == s->new_rs || vint(rs, "spec.replicas", 0) || vint(rs, "status.replicas", 0) ||
			    vstr(rs, "metadata.deletionTimestamp"))
				continue;
			if (!oldest || revision_of(rs) < revision_of(oldest))
				oldest = rs;
		}
		if (!oldest)
			break;
		ctrl_delete(K_RS, vstr(oldest, "metadata.namespace"), vstr(oldest, "metadata.name"), NULL, NULL, NULL);
		vset_str(vmap(oldest, "metadata"), "deletionTimestamp", "x");
		old--;
	}
}

static void deploy_conditions(struct dstate *s, struct value *st, bool progressed)
{
	int64_t avail = vint(st, "availableReplicas", 0), upd = vint(st, "updatedReplicas", 0);
	int64_t reps = vint(st, "replicas", 0);
	const char *rsname = vstr(s->new_rs, "metadata.name");
	if (avail >= s->desired - s->unavail)
		ctrl_condition(st, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", false);
	else
		ctrl_condition(st, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", false);
	char *msg;
	if (upd == s->desired && reps == s->desired && avail == s->desired) {
		msg = xasprintf("ReplicaSet \"%s\" has successfully progressed.", rsname);
		ctrl_condition(st, "Progressing", "True", "NewReplicaSetAvailable", msg, progressed);
	} else {
		double deadline = (double)vint(s->d, "spec.progressDeadlineSeconds", 600);
		struct value *conds = value_map_get(st, "conditions");
		const char *last = NULL, *reason = NULL;
		for (size_t i = 0; conds && i < conds->u.list.len; i++)
			if (strcmp(vstr(conds->u.list.items[i], "type") ?: "", "Progressing") == 0) {
				last = vstr(conds->u.list.items[i], "lastUpdateTime");
				reason = vstr(conds->u.list.items[i], "reason");
			}
		struct tm tm = {0};
		double since = last && strptime(last, "%Y-%m-%dT%H:%M:%S", &tm) ? (sim_wall() - (double)timegm(&tm)) * sim_cfg.speed : 0;
		if (!progressed && reason && strcmp(reason, "NewReplicaSetAvailable") != 0 && since > deadline) {
			msg = xasprintf("ReplicaSet \"%s\" has timed out progressing.", rsname);
			ctrl_condition(st, "Progressing", "False", "ProgressDeadlineExceeded", msg, false);
		} else {
			msg = xasprintf("ReplicaSet \"%s\" is progressing.", rsname);
			bool exceeded = reason && strcmp(reason, "ProgressDeadlineExceeded") == 0;
			if (!exceeded || progressed)
				ctrl_condition(st, "Progressing", "True", "ReplicaSetUpdated", msg, progressed);
			ctrl_after(deadline + 1, K_DEPLOY, vstr(s->d, "metadata.namespace"), vstr(s->d, "metadata.name"));
		}
	}
	free(msg);
}

static void deploy_status(struct dstate *s)
{
	struct value *st = vmap(s->d, "status");
	int64_t reps = 0, ready = 0;
	for (size_t i = 0; i < s->rss.len; i++) {
		struct value *rs = db_get(K_RS, vstr(s->rss.v[i], "metadata.namespace"), vstr(s->rss.v[i], "metadata.name"));
		if (!rs)
			continue;
		reps += vint(rs, "status.replicas", 0);
		ready += rs_ready(rs);
		value_unref(rs);
	}
	struct value *nrs = db_get(K_RS, vstr(s->new_rs, "metadata.namespace"), vstr(s->new_rs, "metadata.name"));
	int64_t upd = nrs ? vint(nrs, "status.replicas", 0) : 0;
	value_unref(nrs);
	bool progressed = vint(st, "replicas", -1) != reps || vint(st, "updatedReplicas", -1) != upd ||
			  vint(st, "readyReplicas", -1) != ready;
	vset_int(st, "replicas", reps);
	vset_int(st, "updatedReplicas", upd);
	vset_int(st, "readyReplicas", ready);
	vset_int(st, "availableReplicas", ready);
	if (reps > ready)
		vset_int(st, "unavailableReplicas", reps - ready);
	else
		value_map_del(st, "unavailableReplicas");
	vset_int(st, "observedGeneration", vint(s->d, "metadata.generation", 1));
	deploy_conditions(s, st, progressed);
}

static void deploy_prepare(struct dstate *s)
{
	s->desired = vint(s->d, "spec.replicas", 1);
	struct value *ru = value_map_path(s->d, "spec.strategy.rollingUpdate");
	s->surge = int_or_percent(ru ? value_map_get(ru, "maxSurge") : NULL, s->desired, true, 1);
	s->unavail = int_or_percent(ru ? value_map_get(ru, "maxUnavailable") : NULL, s->desired, false, 0);
	if (!s->surge && !s->unavail)
		s->unavail = 1;
	s->rss = owned_by(K_RS, vstr(s->d, "metadata.namespace"), vstr(s->d, "metadata.uid"));
	find_new_rs(s);
}

static void ensure_new_rs(struct dstate *s)
{
	char hash[11], rev[24];
	if (!s->new_rs) {
		template_hash(value_map_path(s->d, "spec.template"), hash);
		struct value *rs = new_rs_for(s, hash);
		if (!s->rss.len)
			vset_int(vmap(rs, "spec"), "replicas", s->desired);
		if (ctrl_create(K_RS, rs) == 0 && !s->rss.len) {
			char *msg = xasprintf("Scaled up replica set %s from 0 to %lld", vstr(rs, "metadata.name"), (long long)s->desired);
			ctrl_event(s->d, "Normal", "ScalingReplicaSet", msg);
			free(msg);
		}
		s->rss.v = xrealloc(s->rss.v, (s->rss.len + 1) * sizeof(*s->rss.v));
		s->rss.v[s->rss.len++] = rs;
		s->new_rs = rs;
		s->max_rev++;
	} else if (revision_of(s->new_rs) < s->max_rev) {
		snprintf(rev, sizeof(rev), "%lld", (long long)++s->max_rev);
		set_annotation(s->new_rs, REV_ANN, rev);
		ctrl_save(K_RS, s->new_rs);
	}
	snprintf(rev, sizeof(rev), "%lld", (long long)revision_of(s->new_rs));
	set_annotation(s->d, REV_ANN, rev);
}

void deploy_reconcile(const char *ns, const char *name)
{
	struct dstate s = {0};
	if (!(s.d = db_get(K_DEPLOY, ns, name)))
		return;
	if (vstr(s.d, "metadata.deletionTimestamp")) { /* waiting in foreground deletion */
		value_unref(s.d);
		return;
	}
	deploy_prepare(&s);
	bool paused = value_truthy(value_map_path(s.d, "spec.paused"));
	if (!paused || !s.new_rs)
		ensure_new_rs(&s);
	if (!paused) {
		if (strcmp(vstr(s.d, "spec.strategy.type") ?: "", "Recreate") == 0)
			recreate(&s);
		else
			rolling(&s);
		cleanup_history(&s);
	}
	deploy_status(&s);
	ctrl_save(K_DEPLOY, s.d);
	owned_done(&s.rss);
	value_unref(s.d);
}

/* ---- StatefulSet ---- */

static void sts_claims(const struct value *sts, int ord, struct value *pod)
{
	struct value *vcts = value_map_path(sts, "spec.volumeClaimTemplates");
	const char *ns = vstr(sts, "metadata.namespace"), *sname = vstr(sts, "metadata.name");
	struct value *vols = value_map_get(value_map_get(pod, "spec"), "volumes");
	if (!vols || vols->type != V_LIST) {
		vols = value_list();
		value_map_set(vmap(pod, "spec"), "volumes", vols);
	}
	for (size_t i = 0; vcts && vcts->type == V_LIST && i < vcts->u.list.len; i++) {
		const char *tn = vstr(vcts->u.list.items[i], "metadata.name");
		if (!tn)
			continue;
		char *claim = xasprintf("%s-%s-%d", tn, sname, ord);
		if (!db_find(K_PVC, ns, claim)) {
			struct value *pvc = value_copy(vcts->u.list.items[i]);
			struct value *md = vmap(pvc, "metadata");
			vset_str(md, "name", claim);
			vset_str(md, "namespace", ns);
			struct value *ml = value_map_path(sts, "spec.selector.matchLabels");
			if (ml)
				value_map_set(md, "labels", value_copy(ml));
			value_map_del(pvc, "status");
			ctrl_create(K_PVC, pvc);
			value_unref(pvc);
		}
		struct value *vol = value_map();
		vset_str(vol, "name", tn);
		vset_str(vmap(vol, "persistentVolumeClaim"), "claimName", claim);
		value_list_push(vols, vol);
		free(claim);
	}
}

static void sts_create_pod(const struct value *sts, int ord, const char *hash)
{
	const char *ns = vstr(sts, "metadata.namespace"), *sname = vstr(sts, "metadata.name");
	struct value *pod = value_copy(value_map_path(sts, "spec.template") ?: value_null());
	if (pod->type != V_MAP) {
		value_unref(pod);
		pod = value_map();
	}
	struct value *md = vmap(pod, "metadata"), *labels = vmap(md, "labels");
	value_map_set(md, "name", value_strf("%s-%d", sname, ord));
	vset_str(md, "namespace", ns);
	vset_str(labels, "controller-revision-hash", hash);
	value_map_set(labels, "statefulset.kubernetes.io/pod-name", value_strf("%s-%d", sname, ord));
	value_map_set(labels, "apps.kubernetes.io/pod-index", value_strf("%d", ord));
	vset_str(vmap(pod, "spec"), "hostname", vstr(md, "name"));
	if (vstr(sts, "spec.serviceName"))
		vset_str(vmap(pod, "spec"), "subdomain", vstr(sts, "spec.serviceName"));
	sts_claims(sts, ord, pod);
	ctrl_set_owner(pod, K_STS, sts);
	if (ctrl_create(K_POD, pod) == 0) {
		char *msg = xasprintf("create Pod %s in StatefulSet %s successful", vstr(md, "name"), sname);
		ctrl_event(sts, "Normal", "SuccessfulCreate", msg);
		free(msg);
	}
	value_unref(pod);
}

struct sts_counts {
	int ready, current, updated, total;
};

/* Creates missing ordinals (in order, one not-ready at a time for OrderedReady) and rolls
 * outdated pods from the highest ordinal down. */
static void sts_pods(const struct value *sts, const char *hash, struct sts_counts *c)
{
	const char *ns = vstr(sts, "metadata.namespace"), *sname = vstr(sts, "metadata.name");
	int want = (int)vint(sts, "spec.replicas", 1);
	bool parallel = strcmp(vstr(sts, "spec.podManagementPolicy") ?: "", "Parallel") == 0;
	bool blocked = false;
	memset(c, 0, sizeof(*c));
	for (int ord = 0; ord < want; ord++) {
		char *pn = xasprintf("%s-%d", sname, ord);
		struct obj *o = db_find(K_POD, ns, pn);
		if (!o && !blocked) {
			sts_create_pod(sts, ord, hash);
			blocked = !parallel;
		} else if (o) {
			c->total++;
			c->ready += o->ready;
			const char *h = vstr(o->labels, "controller-revision-hash");
			bool upd = h && strcmp(h, hash) == 0;
			c->updated += upd;
			c->current += upd;
			if (!o->ready && !parallel)
				blocked = true;
		}
		free(pn);
	}
	for (int ord = want + 32; ord >= want; ord--) {
		char *pn = xasprintf("%s-%d", sname, ord);
		if (db_find(K_POD, ns, pn))
			ctrl_delete(K_POD, ns, pn, NULL, NULL, NULL);
		free(pn);
	}
	/* OnDelete: outdated pods are replaced only when someone deletes them; RollingUpdate:
	 * from the highest ordinal down to the partition, one at a time */
	const char *strategy = vstr(sts, "spec.updateStrategy.type") ?: "RollingUpdate";
	int partition = (int)vint(sts, "spec.updateStrategy.rollingUpdate.partition", 0);
	if (c->ready < want || c->total < want || !strcmp(strategy, "OnDelete"))
		return;
	for (int ord = want - 1; ord >= partition; ord--) {
		char *pn = xasprintf("%s-%d", sname, ord);
		struct obj *o = db_find(K_POD, ns, pn);
		const char *h = o ? vstr(o->labels, "controller-revision-hash") : NULL;
		bool stale = o && (!h || strcmp(h, hash) != 0);
		if (stale)
			ctrl_delete(K_POD, ns, pn, NULL, NULL, NULL);
		free(pn);
		if (stale)
			break;
	}
}

void sts_reconcile(const char *ns, const char *name)
{
	struct value *sts = db_get(K_STS, ns, name);
	if (!sts || vstr(sts, "metadata.deletionTimestamp")) {
		value_unref(sts);
		return;
	}
	char hash[11], rev[64];
	struct sts_counts c;
	template_hash(value_map_path(sts, "spec.template"), hash);
	sts_pods(sts, hash, &c);
	snprintf(rev, sizeof(rev), "%s-%s", name, hash);
	struct value *st = vmap(sts, "status");
	vset_int(st, "replicas", c.total);
	vset_int(st, "readyReplicas", c.ready);
	vset_int(st, "availableReplicas", c.ready);
	vset_int(st, "currentReplicas", c.current);
	vset_int(st, "updatedReplicas", c.updated);
	/* the current revision is the one every pod had; it becomes the update revision once all
	 * pods run it */
	if (c.updated == c.total && c.total == (int)vint(sts, "spec.replicas", 1))
		vset_str(st, "currentRevision", rev);
	else if (!vstr(st, "currentRevision"))
		vset_str(st, "currentRevision", rev);
	vset_str(st, "updateRevision", rev);
	vset_int(st, "observedGeneration", vint(sts, "metadata.generation", 1));
	vset_int(st, "collisionCount", 0);
	ctrl_save(K_STS, sts);
	value_unref(sts);
}
