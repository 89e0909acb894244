/* sts — the StatefulSet controller (ctrl_int.h): pods NAME-0..N-1 with their claims, created in
 * order (one not-ready pod at a time for OrderedReady); revisions kept as ControllerRevisions
 * NAME-<hash> whose data is the template; rolling updates replace pods from the highest ordinal
 * down to spec.updateStrategy.rollingUpdate.partition, one at a time, each after the one before
 * is Ready; OnDelete replaces a pod only when it is deleted. Pods below the partition that are
 * recreated come back at the current revision. status.currentRevision becomes updateRevision
 * when a rolling update has every pod updated and Ready (never under OnDelete, as the real
 * controller does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/ctrl_int.h"

struct sts_state {
	const struct value *sts;
	const char *ns, *name;
	char *update_rev, *current_rev;
	struct value *update_tmpl, *current_tmpl;   /* borrowed from sts or owned */
	bool on_delete, parallel;
	int want, partition;
};

struct sts_counts {
	int ready, current, updated, total;
};

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

static void sts_create_pod(const struct sts_state *s, int ord)
{
	bool old = !s->on_delete && ord < s->partition;
	const char *rev = old ? s->current_rev : s->update_rev;
	struct value *pod = value_copy(old ? s->current_tmpl : s->update_tmpl);
	if (pod->type != V_MAP) {
		value_unref(pod);
		pod = value_map();
	}
	struct value *md = vmap(pod, "metadata"), *labels = vmap(md, "labels");
	value_map_set(md, "name", value_strf("%s-%d", s->name, ord));
	vset_str(md, "namespace", s->ns);
	vset_str(labels, "controller-revision-hash", rev);
	value_map_set(labels, "statefulset.kubernetes.io/pod-name", value_strf("%s-%d", s->name, ord));
	value_map_set(labels, "apps.kubernetes.io/pod-index", value_strf("%d", ord));
	vset_str(vmap(pod, "spec"), "hostname", vstr(md, "name"));
	if (vstr(s->sts, "spec.serviceName"))
		vset_str(vmap(pod, "spec"), "subdomain", vstr(s->sts, "spec.serviceName"));
	sts_claims(s->sts, ord, pod);
	ctrl_set_owner(pod, K_STS, s->sts);
	if (ctrl_create(K_POD, pod) == 0) {
		char *msg = xasprintf("create Pod %s in StatefulSet %s successful", vstr(md, "name"), s->name);
		ctrl_event(s->sts, "Normal", "SuccessfulCreate", msg);
		free(msg);
	}
	value_unref(pod);
}

static void sts_delete_pod(const struct sts_state *s, const char *pod)
{
	char *msg = xasprintf("delete Pod %s in StatefulSet %s successful", pod, s->name);
	ctrl_delete(K_POD, s->ns, pod, NULL, NULL, NULL);
	ctrl_event(s->sts, "Normal", "SuccessfulDelete", msg);
	free(msg);
}

static const char *pod_rev(const struct obj *o) { return vstr(o->labels, "controller-revision-hash"); }

/* Creates missing ordinals in order (OrderedReady: none while a pod before it is not Ready),
 * removes ordinals past spec.replicas and counts pods by revision. */
static void sts_scale(const struct sts_state *s, struct sts_counts *c)
{
	bool parallel = s->parallel, blocked = false;
	memset(c, 0, sizeof(*c));
	for (int ord = 0; ord < s->want; ord++) {
		char *pn = xasprintf("%s-%d", s->name, ord);
		struct obj *o = db_find(K_POD, s->ns, pn);
		if (!o && !blocked) {
			sts_create_pod(s, ord);
			blocked = !parallel;
		} else if (o) {
			const char *h = pod_rev(o);
			c->total++;
			c->ready += o->ready;
			c->updated += h && !strcmp(h, s->update_rev);
			c->current += h && !strcmp(h, s->current_rev);
			blocked = blocked || (!o->ready && !parallel);
		}
		free(pn);
	}
	for (int ord = s->want + 32; ord >= s->want; ord--) {
		char *pn = xasprintf("%s-%d", s->name, ord);
		if (db_find(K_POD, s->ns, pn))
			sts_delete_pod(s, pn);
		free(pn);
	}
}

/* One step of a rolling update: the highest ordinal at or above the partition that is not at
 * the update revision is deleted (its replacement comes at the next reconcile), unless a pod
 * above it is not Ready yet. */
static void sts_roll(const struct sts_state *s, const struct sts_counts *c)
{
	if (s->on_delete || c->total < s->want || (!s->parallel && c->ready < c->total))
		return;
	for (int ord = s->want - 1; ord >= s->partition; ord--) {
		char *pn = xasprintf("%s-%d", s->name, ord);
		struct obj *o = db_find(K_POD, s->ns, pn);
		const char *h = o ? pod_rev(o) : NULL;
		bool stale = o && (!h || strcmp(h, s->update_rev) != 0), wait = !o || !o->ready;
		if (stale)
			sts_delete_pod(s, pn);
		free(pn);
		if (stale || wait)
			return;
	}
}

/* ---- revisions ---- */

static int64_t crev_max(const struct value *sts, struct value **found, const char *name)
{
	const char *uid = vstr(sts, "metadata.uid");
	size_t n;
	struct obj *const *owned = db_owned(uid, &n);
	int64_t max = 0;
	for (size_t i = 0; i < n; i++) {
		if (owned[i]->kind != K_CREV)
			continue;
		struct value *cr = obj_value(owned[i]);
		max = vint(cr, "revision", 0) > max ? vint(cr, "revision", 0) : max;
		if (found && !*found && !strcmp(owned[i]->name, name))
			*found = value_ref(cr);
		value_unref(cr);
	}
	return max;
}

/* The ControllerRevision of the current template: made when new, and renumbered to be the
 * latest when an older one comes back (a rollback), as the controller does. */
void crev_ensure(int kind, const struct value *sts, const char *rev, const char *hash)
{
	struct value *cr = NULL;
	int64_t max = crev_max(sts, &cr, rev);
	if (cr) {
		if (vint(cr, "revision", 0) < max) {
			vset_int(cr, "revision", max + 1);
			ctrl_save(K_CREV, cr);
		}
		value_unref(cr);
		return;
	}
	cr = value_map();
	struct value *md = vmap(cr, "metadata");
	vset_str(md, "name", rev);
	vset_str(md, "namespace", vstr(sts, "metadata.namespace"));
	struct value *ml = value_map_path(sts, "spec.selector.matchLabels");
	struct value *labels = ml && ml->type == V_MAP ? value_copy(ml) : value_map();
	vset_str(labels, "controller.kubernetes.io/hash", hash);
	value_map_set(md, "labels", labels);
	ctrl_set_owner(cr, kind, sts);
	/* The data is the patch that restores the template (what `kubectl rollout undo` applies). */
	struct value *tmpl = value_copy(value_map_path(sts, "spec.template") ?: value_map());
	if (tmpl->type == V_MAP)
		vset_str(tmpl, "$patch", "replace");
	value_map_set(vmap(vmap(cr, "data"), "spec"), "template", tmpl);
	vset_int(cr, "revision", max + 1);
	ctrl_create(K_CREV, cr);
	value_unref(cr);
}

/* The template a revision holds (new reference), or NULL when it is gone. */
static struct value *crev_template(const char *ns, const char *rev)
{
	struct value *cr = rev ? db_get(K_CREV, ns, rev) : NULL;
	struct value *t = cr ? value_map_path(cr, "data.spec.template") : NULL;
	t = t && t->type == V_MAP ? value_copy(t) : NULL;
	if (t)
		value_map_del(t, "$patch");
	value_unref(cr);
	return t;
}

/* Revisions past spec.revisionHistoryLimit go, oldest first, unless a pod or the status uses them. */
static void crev_prune(const struct sts_state *s)
{
	int64_t limit = vint(s->sts, "spec.revisionHistoryLimit", 10);
	size_t n;
	struct obj *const *owned = db_owned(vstr(s->sts, "metadata.uid"), &n);
	char **names = xcalloc(n + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct obj *o = owned[i];
		if (o->kind == K_CREV && strcmp(o->name, s->update_rev) && strcmp(o->name, s->current_rev))
			names[k++] = xstrdup(o->name);
	}
	for (size_t i = 0; i < n && k > (size_t)limit; i++) {   /* pods keep their revisions */
		const char *h = owned[i]->kind == K_POD ? pod_rev(owned[i]) : NULL;
		for (size_t j = 0; h && j < k; j++)
			if (names[j] && !strcmp(names[j], h)) {
				free(names[j]);
				names[j] = NULL;
			}
	}
	size_t live = 0;
	for (size_t j = 0; j < k; j++)
		live += names[j] != NULL;
	while (live > (size_t)limit) {
		size_t oldest = k;
		int64_t rev = 0;
		for (size_t j = 0; j < k; j++) {
			struct value *cr = names[j] ? db_get(K_CREV, s->ns, names[j]) : NULL;
			if (cr && (oldest == k || vint(cr, "revision", 0) < rev)) {
				oldest = j;
				rev = vint(cr, "revision", 0);
			}
			value_unref(cr);
		}
		if (oldest == k)
			break;
		ctrl_delete(K_CREV, s->ns, names[oldest], NULL, NULL, NULL);
		free(names[oldest]);
		names[oldest] = NULL;
		live--;
	}
	for (size_t j = 0; j < k; j++)
		free(names[j]);
	free(names);
}

/* ---- reconcile ---- */

static void sts_status(struct value *sts, const struct sts_state *s, const struct sts_counts *c)
{
	struct value *st = vmap(sts, "status");
	bool done = !s->on_delete && c->updated == c->total && c->ready == c->total;
	vset_int(st, "replicas", c->total);
	if (c->ready)
		vset_int(st, "readyReplicas", c->ready);
	else
		value_map_del(st, "readyReplicas");
	vset_int(st, "availableReplicas", c->ready);
	int current = done ? c->updated : c->current;
	if (current)
		vset_int(st, "currentReplicas", current);
	else
		value_map_del(st, "currentReplicas");
	if (c->updated)
		vset_int(st, "updatedReplicas", c->updated);
	else
		value_map_del(st, "updatedReplicas");
	vset_str(st, "currentRevision", done ? s->update_rev : s->current_rev);
	vset_str(st, "updateRevision", s->update_rev);
	vset_int(st, "observedGeneration", vint(sts, "metadata.generation", 1));
	vset_int(st, "collisionCount", 0);
}

static void sts_state_init(struct sts_state *s, const struct value *sts, const char *hash)
{
	s->sts = sts;
	s->ns = vstr(sts, "metadata.namespace");
	s->name = vstr(sts, "metadata.name");
	s->want = (int)vint(sts, "spec.replicas", 1);
	s->on_delete = strcmp(vstr(sts, "spec.updateStrategy.type") ?: "", "OnDelete") == 0;
	s->parallel = strcmp(vstr(sts, "spec.podManagementPolicy") ?: "", "Parallel") == 0;
	s->partition = s->on_delete ? 0 : (int)vint(sts, "spec.updateStrategy.rollingUpdate.partition", 0);
	s->update_rev = xasprintf("%s-%s", s->name, hash);
	const char *cur = vstr(sts, "status.currentRevision");
	s->current_rev = xstrdup(cur && *cur ? cur : s->update_rev);
	s->update_tmpl = value_copy(value_map_path(sts, "spec.template") ?: value_map());
	s->current_tmpl = crev_template(s->ns, s->current_rev);
	if (!s->current_tmpl) {   /* its revision is gone: the current revision is the update's */
		free(s->current_rev);
		s->current_rev = xstrdup(s->update_rev);
		s->current_tmpl = value_ref(s->update_tmpl);
	}
}

static void sts_state_done(struct sts_state *s)
{
	free(s->update_rev);
	free(s->current_rev);
	value_unref(s->update_tmpl);
	value_unref(s->current_tmpl);
}

void sts_reconcile(const char *ns, const char *name)
{
	struct value *sts = db_get(K_STS, ns, name);
	if (!sts || vstr(sts, "metadata.deletionTimestamp")) {
		value_unref(sts);
		return;
	}
	char hash[11];
	struct sts_state s = {0};
	struct sts_counts c;
	template_hash(value_map_path(sts, "spec.template"), hash);
	char *rev = xasprintf("%s-%s", name, hash);
	crev_ensure(K_STS, sts, rev, hash);
	free(rev);
	sts_state_init(&s, sts, hash);
	sts_scale(&s, &c);
	sts_roll(&s, &c);
	crev_prune(&s);
	sts_status(sts, &s, &c);
	ctrl_save(K_STS, sts);
	sts_state_done(&s);
	value_unref(sts);
}
