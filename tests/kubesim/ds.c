/* ds — the DaemonSet controller (ctrl_int.h): one pod per Ready node that matches the template's
 * nodeSelector, pinned to its node by a required node affinity on metadata.name (as the real
 * controller does since 1.12; the scheduler then binds it there). Revisions are
 * ControllerRevisions NAME-<hash>; pods carry controller-revision-hash and
 * pod-template-generation. RollingUpdate (the default: maxUnavailable 1, maxSurge 0) deletes
 * stale pods while no more than maxUnavailable nodes lack an available pod; OnDelete replaces
 * a pod only when it is deleted. Status as the controller writes it: desiredNumberScheduled,
 * currentNumberScheduled, numberMisscheduled, numberReady, updatedNumberScheduled,
 * numberAvailable, numberUnavailable (omitted when 0), observedGeneration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/ctrl_int.h"
#include "tests/kubesim/select.h"

struct ds_state {
	struct value *ds;
	const char *ns, *name;
	char hash[11];
	bool on_delete;
	int max_unavailable;
	size_t nnodes;
	const char **nodes;          /* eligible nodes (borrowed names) */
	struct obj **pod;            /* per eligible node: its pod or NULL */
};

struct ds_counts {
	int desired, current, misscheduled, ready, updated, available;
};

static const char *pod_node(const struct value *pod)
{
	const char *n = vstr(pod, "spec.nodeName");
	if (n)
		return n;
	struct value *terms = value_map_path(pod,
		"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
	struct value *t0 = terms && terms->type == V_LIST && terms->u.list.len ? terms->u.list.items[0] : NULL;
	struct value *mf = t0 ? value_map_get(t0, "matchFields") : NULL;
	struct value *f0 = mf && mf->type == V_LIST && mf->u.list.len ? mf->u.list.items[0] : NULL;
	struct value *vals = f0 ? value_map_get(f0, "values") : NULL;
	struct value *v0 = vals && vals->type == V_LIST && vals->u.list.len ? vals->u.list.items[0] : NULL;
	return v0 && v0->type == V_STRING ? v0->u.str.s : NULL;
}

static bool node_eligible(const struct value *ds, const struct obj *node)
{
	struct value *nv = obj_value(node), *conds = value_map_path(nv, "status.conditions");
	bool ready = false;
	for (size_t i = 0; conds && conds->type == V_LIST && i < conds->u.list.len; i++)
		if (!strcmp(vstr(conds->u.list.items[i], "type") ?: "", "Ready"))
			ready = !strcmp(vstr(conds->u.list.items[i], "status") ?: "", "True");
	struct value *sel = value_map_path(ds, "spec.template.spec.nodeSelector");
	struct value *labels = value_map_path(nv, "metadata.labels");
	bool match = !sel || sel->type != V_MAP || selector_match_map(sel, labels);
	value_unref(nv);
	return ready && match;
}

/* maxUnavailable as a number of nodes: an integer, or a percentage of the desired nodes rounded
 * up (intstr.GetScaledValueFromIntOrPercent with roundUp, as the controller does); at least 1. */
static int ds_max_unavailable(const struct value *ds, int desired)
{
	const struct value *mu = value_map_path(ds, "spec.updateStrategy.rollingUpdate.maxUnavailable");
	int n = 1;
	if (mu && mu->type == V_INT)
		n = (int)mu->u.i;
	else if (mu && mu->type == V_STRING)
		n = (atoi(mu->u.str.s) * desired + 99) / 100;
	return n < 1 ? 1 : n;
}

static void ds_state_init(struct ds_state *s, struct value *ds)
{
	s->ds = ds;
	s->ns = vstr(ds, "metadata.namespace");
	s->name = vstr(ds, "metadata.name");
	s->on_delete = !strcmp(vstr(ds, "spec.updateStrategy.type") ?: "", "OnDelete");
	template_hash(value_map_path(ds, "spec.template"), s->hash);
	size_t n = db_count(K_NODE);
	s->nodes = xcalloc(n + 1, sizeof *s->nodes);
	s->pod = xcalloc(n + 1, sizeof *s->pod);
	for (size_t i = 0; i < n; i++)
		if (node_eligible(ds, db_at(K_NODE, i)))
			s->nodes[s->nnodes++] = db_at(K_NODE, i)->name;
	s->max_unavailable = ds_max_unavailable(ds, (int)s->nnodes);
}

static void ds_state_done(struct ds_state *s)
{
	free(s->nodes);
	free(s->pod);
}

static void ds_create_pod(const struct ds_state *s, const char *node)
{
	struct value *pod = ctrl_pod_of(K_DS, s->ds);
	struct value *labels = vmap(vmap(pod, "metadata"), "labels");
	vset_str(labels, "controller-revision-hash", s->hash);
	value_map_set(labels, "pod-template-generation", value_strf("%lld",
		(long long)vint(s->ds, "metadata.generation", 1)));
	struct value *term = value_map(), *f = value_map(), *vals = value_list(), *terms = value_list();
	vset_str(f, "key", "metadata.name");
	vset_str(f, "operator", "In");
	value_list_push(vals, value_str(node));
	value_map_set(f, "values", vals);
	struct value *fields = value_list();
	value_list_push(fields, f);
	value_map_set(term, "matchFields", fields);
	value_list_push(terms, term);
	struct value *req = vmap(vmap(vmap(vmap(pod, "spec"), "affinity"), "nodeAffinity"),
				 "requiredDuringSchedulingIgnoredDuringExecution");
	value_map_set(req, "nodeSelectorTerms", terms);
	if (ctrl_create(K_POD, pod) == 0) {
		char *msg = xasprintf("Created pod: %s", vstr(pod, "metadata.name") ?: s->name);
		ctrl_event(s->ds, "Normal", "SuccessfulCreate", msg);
		free(msg);
	}
	value_unref(pod);
}

static void ds_delete_pod(const struct ds_state *s, const struct obj *o)
{
	char *msg = xasprintf("Deleted pod: %s", o->name);
	ctrl_event(s->ds, "Normal", "SuccessfulDelete", msg);
	ctrl_delete(K_POD, s->ns, o->name, NULL, NULL, NULL);
	free(msg);
}

static long node_index(const struct ds_state *s, const char *node)
{
	for (size_t i = 0; node && i < s->nnodes; i++)
		if (!strcmp(s->nodes[i], node))
			return (long)i;
	return -1;
}

/* Maps the DaemonSet's pods to its nodes; pods on nodes that are not eligible, extra pods on a
 * node and pods being deleted are counted and (the first two) deleted. */
static void ds_match_pods(struct ds_state *s, struct ds_counts *c)
{
	size_t n;
	struct obj *const *owned = db_owned(vstr(s->ds, "metadata.uid"), &n);
	struct obj **pods = xcalloc(n + 1, sizeof *pods);
	size_t np = 0;
	for (size_t i = 0; i < n; i++)
		if (owned[i]->kind == K_POD)
			pods[np++] = owned[i];     /* owned[] changes as pods are deleted */
	for (size_t i = 0; i < np; i++) {
		struct value *pv = obj_value(pods[i]);
		long at = node_index(s, pod_node(pv));
		bool terminating = vstr(pv, "metadata.deletionTimestamp") != NULL;
		value_unref(pv);
		if (terminating)
			continue;
		if (at < 0) {
			c->misscheduled++;
			ds_delete_pod(s, pods[i]);
		} else if (s->pod[at]) {
			ds_delete_pod(s, pods[i]);
		} else {
			s->pod[at] = pods[i];
		}
	}
	free(pods);
}

static bool pod_updated(const struct ds_state *s, const struct obj *o)
{
	const char *h = vstr(o->labels, "controller-revision-hash");
	return h && !strcmp(h, s->hash);
}

static void ds_count(const struct ds_state *s, struct ds_counts *c)
{
	c->desired = (int)s->nnodes;
	for (size_t i = 0; i < s->nnodes; i++) {
		const struct obj *o = s->pod[i];
		if (!o)
			continue;
		c->current++;
		c->ready += o->ready;
		c->available += o->ready;
		c->updated += pod_updated(s, o);
	}
}

/* Creates the missing pods, then (RollingUpdate) deletes stale ones while the nodes without an
 * available pod stay within maxUnavailable. */
static void ds_sync(struct ds_state *s, const struct ds_counts *c)
{
	int unavailable = 0;
	for (size_t i = 0; i < s->nnodes; i++) {
		if (!s->pod[i])
			ds_create_pod(s, s->nodes[i]);
		unavailable += !s->pod[i] || !s->pod[i]->ready;
	}
	if (s->on_delete)
		return;
	for (size_t i = 0; i < s->nnodes; i++) {
		struct obj *o = s->pod[i];
		if (!o || pod_updated(s, o))
			continue;
		if (o->ready && unavailable >= s->max_unavailable)
			continue;
		unavailable += o->ready;
		ds_delete_pod(s, o);
		s->pod[i] = NULL;
	}
	(void)c;
}

static void ds_status(struct value *ds, const struct ds_counts *c)
{
	struct value *st = vmap(ds, "status");
	vset_int(st, "desiredNumberScheduled", c->desired);
	vset_int(st, "currentNumberScheduled", c->current);
	vset_int(st, "numberMisscheduled", c->misscheduled);
	vset_int(st, "numberReady", c->ready);
	if (c->updated)
		vset_int(st, "updatedNumberScheduled", c->updated);
	else
		value_map_del(st, "updatedNumberScheduled");
	if (c->available)
		vset_int(st, "numberAvailable", c->available);
	else
		value_map_del(st, "numberAvailable");
	if (c->desired - c->available > 0)
		vset_int(st, "numberUnavailable", c->desired - c->available);
	else
		value_map_del(st, "numberUnavailable");
	vset_int(st, "observedGeneration", vint(ds, "metadata.generation", 1));
}

void ds_reconcile(const char *ns, const char *name)
{
	struct value *ds = db_get(K_DS, ns, name);
	if (!ds || vstr(ds, "metadata.deletionTimestamp")) {
		value_unref(ds);
		return;
	}
	struct ds_state s = {0};
	struct ds_counts c = {0};
	ds_state_init(&s, ds);
	char *rev = xasprintf("%s-%s", name, s.hash);
	crev_ensure(K_DS, ds, rev, s.hash);
	free(rev);
	ds_match_pods(&s, &c);
	ds_sync(&s, &c);
	ds_count(&s, &c);
	ds_status(ds, &c);
	ctrl_save(K_DS, ds);
	ds_state_done(&s);
	value_unref(ds);
}
