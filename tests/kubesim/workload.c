/* workload — Deployment and ReplicaSet controllers (ctrl_int.h); StatefulSets are in sts.c. */
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

/* A ready pod is available once it has been ready for minReadySeconds. The time a pod was
 * first seen ready is marked (the ReplicaSet reconciles as soon as a pod of it changes); a pod
 * that is not ready loses its mark. Returns the available pods and sets *next to the seconds
 * until the next one becomes available (0: none waits). */
static int rs_available(const char *uid, double min_ready, double *next)
{
	size_t n;
	struct obj *const *owned = db_owned(uid, &n);
	int avail = 0;
	*next = 0;
	for (size_t i = 0; i < n; i++) {
		const struct obj *o = owned[i];
		if (o->kind != K_POD)
			continue;
		double since = ctrl_mark_get(o->uid, "ready", -1);
		if (!o->ready) {
			if (since >= 0)
				ctrl_mark_set(o->uid, "ready", -1);
			continue;
		}
		if (since < 0)
			ctrl_mark_set(o->uid, "ready", since = sim_now());
		double left = since + min_ready - sim_now();
		if (left <= 0)
			avail++;
		else if (!*next || left < *next)
			*next = left;
	}
	return avail;
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
	double min_ready = (double)vint(rs, "spec.minReadySeconds", 0), next = 0;
	vset_int(st, "availableReplicas", min_ready > 0 ? rs_available(uid, min_ready, &next) : ready);
	if (next > 0)
		ctrl_after(next, K_RS, ns, name);
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
	bool created;                /* the new set was made in this reconcile */
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
	if (vint(d, "spec.minReadySeconds", 0))
		vset_int(spec, "minReadySeconds", vint(d, "spec.minReadySeconds", 0));
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

static int64_t rs_spec(const struct value *rs) { return vint(rs, "spec.replicas", 0); }

/* Available pods of a set, at most its spec.replicas: pods above that are going away (the set
 * may not have reconciled its scale-down yet) and must not allow more scale-down. */
static int64_t rs_avail(const struct value *rs)
{
	int64_t a = vint(rs, "status.availableReplicas", 0), n = rs_spec(rs);
	return a < n ? a : n;
}

static int64_t spec_total(const struct dstate *s, bool old_only)
{
	int64_t n = 0;
	for (size_t i = 0; i < s->rss.len; i++)
		if (!old_only || s->rss.v[i] != s->new_rs)
			n += rs_spec(s->rss.v[i]);
	return n;
}

/* The new set grows while all sets together stay within replicas + maxSurge. */
static bool roll_new(struct dstate *s)
{
	int64_t n = rs_spec(s->new_rs);
	if (n >= s->desired) {
		if (n > s->desired)
			scale_rs(s, s->new_rs, s->desired);
		return n > s->desired;
	}
	int64_t room = s->desired + s->surge - spec_total(s, false);
	if (room <= 0)
		return false;
	scale_rs(s, s->new_rs, n + room < s->desired ? n + room : s->desired);
	return true;
}

/* Old sets shrink, oldest first, while at least replicas - maxUnavailable pods stay
 * available: first by their pods that are not available (they count for nothing), then by
 * available ones. */
static void roll_old(struct dstate *s)
{
	int64_t min_avail = s->desired - s->unavail, avail = 0;
	int64_t max_down = spec_total(s, false) - min_avail - (rs_spec(s->new_rs) - rs_avail(s->new_rs));
	if (!spec_total(s, true) || max_down <= 0)
		return;
	for (size_t i = 0; i < s->rss.len; i++) {
		struct value *rs = s->rss.v[i];
		avail += rs_avail(rs);
		int64_t sick = rs_spec(rs) - rs_avail(rs), d = sick < max_down ? sick : max_down;
		if (rs == s->new_rs || d <= 0)
			continue;
		scale_rs(s, rs, rs_spec(rs) - d);
		max_down -= d;
	}
	for (size_t i = 0; i < s->rss.len && avail > min_avail; i++) {
		struct value *rs = s->rss.v[i];
		int64_t n = rs_spec(rs), d = n < avail - min_avail ? n : avail - min_avail;
		if (rs == s->new_rs || !n)
			continue;
		scale_rs(s, rs, n - d);
		avail -= d;
	}
}

/* One step of a rolling update, as the deployment controller takes it: scale the new set
 * up within the surge, or else scale old sets down within the unavailability budget; the
 * next step comes when the sets' pods change. */
static void rolling(struct dstate *s)
{
	if (!spec_total(s, true)) {
		scale_rs(s, s->new_rs, s->desired);
		return;
	}
	if (!roll_new(s))
		roll_old(s);
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

static const char *cond_reason(const struct value *st, const char *type)
{
	struct value *conds = value_map_get(st, "conditions");
	for (size_t i = 0; conds && conds->type == V_LIST && i < conds->u.list.len; i++)
		if (strcmp(vstr(conds->u.list.items[i], "type") ?: "", type) == 0)
			return vstr(conds->u.list.items[i], "reason");
	return NULL;
}

static const char *cond_field(const struct value *st, const char *type, const char *field)
{
	struct value *conds = value_map_get(st, "conditions");
	for (size_t i = 0; conds && conds->type == V_LIST && i < conds->u.list.len; i++)
		if (strcmp(vstr(conds->u.list.items[i], "type") ?: "", type) == 0)
			return vstr(conds->u.list.items[i], field);
	return NULL;
}

/* The controller's test for progress: more updated, ready or available pods, or fewer old ones. */
static bool progressed(const struct value *was, const struct value *st)
{
	int64_t old_before = vint(was, "replicas", 0) - vint(was, "updatedReplicas", 0);
	int64_t old_now = vint(st, "replicas", 0) - vint(st, "updatedReplicas", 0);
	return vint(st, "updatedReplicas", 0) > vint(was, "updatedReplicas", 0) || old_now < old_before ||
	       vint(st, "readyReplicas", 0) > vint(was, "readyReplicas", 0) ||
	       vint(st, "availableReplicas", 0) > vint(was, "availableReplicas", 0);
}

static void set_progressing(struct dstate *s, struct value *st, const char *status, const char *reason,
			    const char *fmt, bool touch)
{
	char *msg = xasprintf(fmt, vstr(s->new_rs, "metadata.name"));
	ctrl_condition(st, "Progressing", status, reason, msg, touch);
	free(msg);
	if (touch)
		ctrl_mark_set(vstr(s->d, "metadata.uid"), "progress", sim_now());
}

/* Progressing as the controller's rollout status sync sets it: NewReplicaSetAvailable when the
 * rollout is complete; NewReplicaSetCreated or ReplicaSetUpdated (with a new lastUpdateTime)
 * when it moved; ProgressDeadlineExceeded when it did not move for progressDeadlineSeconds of
 * simulated time since then. A timed-out rollout that moves again is progressing again. */
static void deploy_progress(struct dstate *s, struct value *st, const struct value *was, bool complete)
{
	const char *reason = cond_reason(st, "Progressing");
	const char *uid = vstr(s->d, "metadata.uid");
	if (complete) {
		set_progressing(s, st, "True", "NewReplicaSetAvailable", "ReplicaSet \"%s\" has successfully progressed.",
				!reason || strcmp(reason, "NewReplicaSetAvailable") != 0);
		return;
	}
	if (s->created) {
		set_progressing(s, st, "True", "NewReplicaSetCreated", "Created new replica set \"%s\"", true);
	} else if (progressed(was, st) || !reason || !strcmp(reason, "NewReplicaSetAvailable")) {
		set_progressing(s, st, "True", "ReplicaSetUpdated", "ReplicaSet \"%s\" is progressing.", true);
	} else if (!strcmp(reason, "ProgressDeadlineExceeded")) {
		return;
	}
	double deadline = (double)vint(s->d, "spec.progressDeadlineSeconds", 600);
	double last = ctrl_mark_get(uid, "progress", ctrl_ts_sim(cond_field(st, "Progressing", "lastUpdateTime")));
	if (sim_now() - last > deadline) {
		set_progressing(s, st, "False", "ProgressDeadlineExceeded", "ReplicaSet \"%s\" has timed out progressing.", false);
	} else {
		ctrl_after(last + deadline - sim_now() + 0.01, K_DEPLOY, vstr(s->d, "metadata.namespace"), vstr(s->d, "metadata.name"));
	}
}

static void set_count(struct value *st, const char *key, int64_t n)
{
	if (n > 0)
		vset_int(st, key, n);
	else
		value_map_del(st, key);   /* omitempty in the API */
}

/* Status from the sets as stored now (they may have reconciled since deploy_prepare). */
static void deploy_status(struct dstate *s, bool paused)
{
	struct value *st = vmap(s->d, "status"), *was = value_copy(st);
	int64_t reps = 0, ready = 0, avail = 0, spec = 0, upd = 0;
	for (size_t i = 0; i < s->rss.len; i++) {
		struct value *rs = db_get(K_RS, vstr(s->rss.v[i], "metadata.namespace"), vstr(s->rss.v[i], "metadata.name"));
		if (!rs)
			continue;
		reps += vint(rs, "status.replicas", 0);
		ready += vint(rs, "status.readyReplicas", 0);
		avail += vint(rs, "status.availableReplicas", 0);
		spec += rs_spec(rs);
		if (s->rss.v[i] == s->new_rs)
			upd = vint(rs, "status.replicas", 0);
		value_unref(rs);
	}
	set_count(st, "replicas", reps);
	set_count(st, "updatedReplicas", upd);
	set_count(st, "readyReplicas", ready);
	set_count(st, "availableReplicas", avail);
	set_count(st, "unavailableReplicas", spec - avail);
	vset_int(st, "observedGeneration", vint(s->d, "metadata.generation", 1));
	if (avail >= s->desired - s->unavail)
		ctrl_condition(st, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", false);
	else
		ctrl_condition(st, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", false);
	if (paused)
		ctrl_condition(st, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", false);
	else
		deploy_progress(s, st, was, upd == s->desired && reps == s->desired && avail == s->desired);
	value_unref(was);
}

/* Oldest set first (creation time, then name), as the controller scales old sets down. */
static int rs_age_cmp(const void *a, const void *b)
{
	const struct value *x = *(struct value *const *)a, *y = *(struct value *const *)b;
	int c = strcmp(vstr(x, "metadata.creationTimestamp") ?: "", vstr(y, "metadata.creationTimestamp") ?: "");
	return c ? c : strcmp(vstr(x, "metadata.name") ?: "", vstr(y, "metadata.name") ?: "");
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
	if (s->rss.len > 1)
		qsort(s->rss.v, s->rss.len, sizeof(*s->rss.v), rs_age_cmp);
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
		s->created = true;
		s->max_rev++;
	} else {
		bool save = false;
		if (revision_of(s->new_rs) < s->max_rev) {
			snprintf(rev, sizeof(rev), "%lld", (long long)++s->max_rev);
			set_annotation(s->new_rs, REV_ANN, rev);
			save = true;
		}
		int64_t mrs = vint(s->d, "spec.minReadySeconds", 0);
		if (vint(s->new_rs, "spec.minReadySeconds", 0) != mrs) { /* the new set follows the Deployment */
			vset_int(vmap(s->new_rs, "spec"), "minReadySeconds", mrs);
			save = true;
		}
		if (save)
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
	deploy_status(&s, paused);
	ctrl_save(K_DEPLOY, s.d);
	owned_done(&s.rss);
	value_unref(s.d);
}
