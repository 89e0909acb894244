/* rules_cluster — the rules about objects beside the pods: pending claims and storage classes,
 * ingresses and their classes, disruption budgets, pending release records and their lease. */
#include "core/doctor/rules.h"

#include "core/release/obj.h"

#include <stdlib.h>
#include <string.h>

static bool list_has(const struct value *l) { return l && l->type == V_LIST; }

/* The class marked default by annotation (storageclass or ingressclass), or NULL. */
static const char *default_class(const struct value *classes, const char *ann)
{
	for (size_t i = 0; list_has(classes) && i < classes->u.list.len; i++) {
		const struct value *c = classes->u.list.items[i];
		const struct value *a = value_map_get(value_map_path(c, "metadata.annotations"), ann);
		if (a && a->type == V_STRING && strcmp(a->u.str.s, "true") == 0)
			return doc_str(c, "metadata.name");
	}
	return NULL;
}

/* ---- pvc-pending ---- */

#define SC_DEFAULT "storageclass.kubernetes.io/is-default-class"

static const char *pick_class(const struct value *classes)
{
	if (doc_find(classes, NULL, "local-path"))
		return "local-path";
	if (default_class(classes, SC_DEFAULT))
		return default_class(classes, SC_DEFAULT);
	return list_has(classes) && classes->u.list.len ? doc_str(classes->u.list.items[0], "metadata.name")
							 : "local-path";
}

/* Why the claim waits, or NULL when it is waiting for a good reason (first consumer). */
static char *pvc_why(const struct doctor_input *in, const struct st_pvc *c, const struct st_event *e)
{
	const struct value *cls = in->storage_classes;
	const char *sc = c->storage_class;
	if (*sc && list_has(cls) && !doc_find(cls, NULL, sc))
		return xasprintf("StorageClass \"%s\" does not exist", sc);
	if (!*sc && list_has(cls) && !default_class(cls, SC_DEFAULT))
		return xstrdup("the claim names no StorageClass and the cluster has no default class");
	if (e && (strcmp(e->reason, "ProvisioningFailed") == 0 || strcmp(e->reason, "FailedBinding") == 0))
		return xasprintf("it is not provisioned");
	return NULL;
}

static char *pvc_cause(const struct doctor_input *in, const char *why, const struct st_event *e)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, why);
	if (e)
		sb_addf(&sb, " (%s: %s)", e->reason, e->message);
	if (list_has(in->storage_classes))
		sb_adds(&sb, doc_find(in->storage_classes, NULL, "local-path")
			? "; the local-path class exists"
			: "; no local-path class: install the local-path provisioner (rancher/local-path-provisioner) for node-local volumes");
	return sb_detach(&sb, NULL);
}

static void pvc_one(const union st_record *r, void *ud)
{
	void **a = ud;
	const struct doctor_input *in = a[0];
	const struct st_pvc *c = &r->pvc;
	if (strcmp(c->phase, "Pending") || c->meta.deleted || !doc_in_scope(in, &c->meta))
		return;
	const char *ns = c->meta.namespace_, *name = c->meta.name;
	const struct st_event *e = doc_event(in, "PersistentVolumeClaim", ns, name, "ProvisioningFailed", NULL);
	if (!e)
		e = doc_event(in, "PersistentVolumeClaim", ns, name, "FailedBinding", NULL);
	char *why = pvc_why(in, c, e);
	if (!why)
		return;
	char *cause = pvc_cause(in, why, e);
	char *set = xasprintf("persistence.storageClass=%s", pick_class(in->storage_classes));
	char *up = doc_upgrade(in, doc_release_of(in, &c->meta), ns, set);
	/* a claim's class cannot change: the pending one (it holds no data) goes first */
	char *fix = xasprintf("kubectl -n %s delete pvc %s && %s", ns, name, up);
	doctor_add(a[1], "pvc-pending", DOC_ERROR, "pvc", ns, name, cause, fix, NULL, NULL);
	free(why);
	free(cause);
	free(set);
	free(up);
	free(fix);
}

void rule_pvc_pending(const struct doctor_input *in, struct doctor_report *out)
{
	void *a[2] = {(void *)in, out};
	if (in->store)
		store_foreach(in->store, KK_PVC, pvc_one, a);
}

/* ---- ingress ---- */

#define ING_DEFAULT "ingressclass.kubernetes.io/is-default-class"

static const struct value *ing_backend(const struct value *ing)
{
	const struct value *rules = value_map_path(ing, "spec.rules");
	for (size_t i = 0; list_has(rules) && i < rules->u.list.len; i++) {
		const struct value *paths = value_map_path(rules->u.list.items[i], "http.paths");
		if (list_has(paths) && paths->u.list.len)
			return value_map_path(paths->u.list.items[0], "backend.service");
	}
	return value_map_path(ing, "spec.defaultBackend.service");
}

/* The service port a backend names: its number, else the first port of the Service. */
static long ing_port(const struct doctor_input *in, const char *ns, const struct value *svc)
{
	long n = (long)obj_int(svc, "port.number", 0);
	if (n > 0)
		return n;
	const char *name = doc_str(svc, "name"), *pname = obj_str(svc, "port.name");
	const union st_record *r = in->store ? store_get(in->store, KK_SERVICE, ns, name) : NULL;
	if (r)
		return strtol(r->svc.ports, NULL, 10);
	const struct value *ports = value_map_path(doc_find(in->services, ns, name), "spec.ports");
	for (size_t i = 0; list_has(ports) && i < ports->u.list.len; i++)
		if (!pname || strcmp(doc_str(ports->u.list.items[i], "name"), pname) == 0)
			return (long)obj_int(ports->u.list.items[i], "port", 0);
	return 0;
}

static char *ing_why(const struct doctor_input *in, const struct value *ing, const char *cls)
{
	const struct value *classes = in->ingress_classes;
	int wait = in->ingress_wait_s > 0 ? in->ingress_wait_s : 60;
	if (*cls && list_has(classes) && !doc_find(classes, NULL, cls))
		return xasprintf("IngressClass \"%s\" does not exist: no ingress controller serves it", cls);
	if (!*cls && list_has(classes) && !default_class(classes, ING_DEFAULT))
		return xstrdup("it names no ingressClassName and the cluster has no default IngressClass: "
			       "no ingress controller serves it (offline clusters often have none)");
	int64_t age = doc_age(in, ing);
	if (age >= wait)
		return xasprintf("no address after %llds: the controller of IngressClass \"%s\" does not serve it",
				 (long long)age, *cls ? cls : default_class(classes, ING_DEFAULT) ?: "(default)");
	return NULL;
}

static void ing_one(const struct doctor_input *in, const struct value *ing, struct doctor_report *out)
{
	const struct value *lb = value_map_path(ing, "status.loadBalancer.ingress");
	if (list_has(lb) && lb->u.list.len)
		return;
	const char *cls = obj_str(ing, "spec.ingressClassName");
	const struct value *ann = value_map_get(value_map_path(ing, "metadata.annotations"), "kubernetes.io/ingress.class");
	if (!cls)
		cls = ann && ann->type == V_STRING ? ann->u.str.s : "";
	char *why = ing_why(in, ing, cls);
	if (!why)
		return;
	const char *ns = doc_str(ing, "metadata.namespace");
	const struct value *be = ing_backend(ing);
	long port = ing_port(in, ns, be);
	char *fwd = be && port > 0 ? xasprintf("svc/%s %ld:%ld", doc_str(be, "name"), port < 1024 ? 8080 : port, port)
				   : NULL;
	char *fix = fwd ? xasprintf("tops port-forward %s -n %s", fwd, ns)
			: xasprintf("kubectl -n %s describe ingress %s", ns, doc_str(ing, "metadata.name"));
	doctor_add(out, "ingress", DOC_ERROR, "ingress", ns, doc_str(ing, "metadata.name"), why, fix, NULL, fwd);
	free(why);
	free(fwd);
	free(fix);
}

void rule_ingress(const struct doctor_input *in, struct doctor_report *out)
{
	const struct value *l = in->ingresses;
	for (size_t i = 0; list_has(l) && i < l->u.list.len; i++)
		if (doc_value_in_scope(in, l->u.list.items[i]))
			ing_one(in, l->u.list.items[i], out);
}

/* ---- pdb ---- */

static char *pdb_set(const struct value *pdb, const char *comp)
{
	int64_t expected = obj_int(pdb, "status.expectedPods", 0);
	if (value_map_path(pdb, "spec.maxUnavailable"))
		return xasprintf("podDisruptionBudget.%s.maxUnavailable=1", comp);
	if (expected > 1)
		return xasprintf("podDisruptionBudget.%s.minAvailable=%lld", comp, (long long)expected - 1);
	return xasprintf("%s.replicas=%lld", comp, (long long)expected + 1);
}

static void pdb_one(const struct doctor_input *in, const struct value *pdb, struct doctor_report *out)
{
	if (!value_map_path(pdb, "status.disruptionsAllowed") || obj_int(pdb, "status.disruptionsAllowed", 1) > 0 ||
	    obj_int(pdb, "status.expectedPods", 0) <= 0)
		return;
	const struct value *mv = value_map_path(pdb, "spec.minAvailable"), *mu = value_map_path(pdb, "spec.maxUnavailable");
	char *rule = xasprintf("%s %s", mv ? "minAvailable" : "maxUnavailable",
			       (mv ? mv : mu) && (mv ? mv : mu)->type == V_STRING ? (mv ? mv : mu)->u.str.s : "");
	if ((mv ? mv : mu) && (mv ? mv : mu)->type == V_INT) {
		free(rule);
		rule = xasprintf("%s %lld", mv ? "minAvailable" : "maxUnavailable", (long long)(mv ? mv : mu)->u.i);
	}
	char *cause = xasprintf("it allows no disruption (%s; %lld of %lld pods healthy, %lld needed): a node "
				"drain or an eviction of its pods blocks", rule,
				(long long)obj_int(pdb, "status.currentHealthy", 0), (long long)obj_int(pdb, "status.expectedPods", 0),
				(long long)obj_int(pdb, "status.desiredHealthy", 0));
	const struct value *cl = value_map_get(value_map_path(pdb, "metadata.labels"), "app.kubernetes.io/component");
	const struct value *il = value_map_get(value_map_path(pdb, "metadata.labels"), "app.kubernetes.io/instance");
	const char *ns = doc_str(pdb, "metadata.namespace");
	char *set = pdb_set(pdb, cl && cl->type == V_STRING ? cl->u.str.s : "COMPONENT");
	char *fix = doc_upgrade(in, in->release ? in->release : il && il->type == V_STRING ? il->u.str.s : "RELEASE",
				ns, set);
	doctor_add(out, "pdb", DOC_WARNING, "poddisruptionbudget", ns, doc_str(pdb, "metadata.name"), cause, fix, NULL, NULL);
	free(rule);
	free(cause);
	free(set);
	free(fix);
}

void rule_pdb(const struct doctor_input *in, struct doctor_report *out)
{
	const struct value *l = in->pdbs;
	for (size_t i = 0; list_has(l) && i < l->u.list.len; i++)
		if (doc_value_in_scope(in, l->u.list.items[i]))
			pdb_one(in, l->u.list.items[i], out);
}

/* ---- release-pending ---- */

static bool pending(enum release_status s)
{
	return s == RS_PENDING_INSTALL || s == RS_PENDING_UPGRADE || s == RS_PENDING_ROLLBACK;
}

/* Words for who holds the release; *alive when a holder renews it. Caller frees. */
static char *lease_words(const struct doctor_input *in, const struct release *r, bool *alive)
{
	char *lname = xasprintf("tops-release-%s", r->name);
	const struct value *l = doc_find(in->leases, r->namespace_, lname);
	char *w;
	*alive = false;
	if (!l) {
		w = list_has(in->leases) ? xasprintf("no operation holds it (no Lease %s)", lname)
					 : xstrdup("who holds it is not known");
	} else {
		int64_t ago = in->now - obj_time_ms(obj_str(l, "spec.renewTime")) / 1000;
		int64_t dur = obj_int(l, "spec.leaseDurationSeconds", 30);
		const struct value *op = value_map_get(value_map_path(l, "metadata.annotations"), "tops/operation");
		*alive = ago <= dur;
		w = xasprintf("%s %s by %s (Lease %s, renewed %llds ago%s)", *alive ? "held:" : "its holder is gone:",
			      op && op->type == V_STRING ? op->u.str.s : "an operation", doc_str(l, "spec.holderIdentity"),
			      lname, (long long)ago, *alive ? "" : ", longer than its duration");
	}
	free(lname);
	return w;
}

static void release_one(const struct doctor_input *in, const struct release *r, struct doctor_report *out)
{
	bool alive;
	char *who = lease_words(in, r, &alive);
	char *cause = xasprintf("revision %d is %s; %s%s", r->version, release_status_str(r->info.status), who,
				alive ? ": an operation is running" : ": helm and tops refuse new operations until it is resolved");
	char *fix = alive ? xasprintf("tops status %s -n %s (wait for the operation to end)", r->name, r->namespace_)
			  : xasprintf("tops upgrade %s %s -n %s --reuse-values --take-over", r->name,
				      in->chart_ref ? in->chart_ref : "charts/testops", r->namespace_);
	char *sec = xasprintf("sh.helm.release.v1.%s.v%d", r->name, r->version);
	doctor_add(out, "release-pending", alive ? DOC_WARNING : DOC_ERROR, "secret", r->namespace_, sec, cause, fix,
		   NULL, NULL);
	free(who);
	free(cause);
	free(fix);
	free(sec);
}

void rule_release_pending(const struct doctor_input *in, struct doctor_report *out)
{
	for (size_t i = 0; i < in->nrecords; i++) {
		const struct release *r = in->records[i];
		if (r && pending(r->info.status) && (!in->release || strcmp(r->name, in->release) == 0))
			release_one(in, r, out);
	}
}
