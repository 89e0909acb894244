/* pdb — the disruption controller's status of PodDisruptionBudgets: expectedPods (the pods the
 * selector matches that have not ended), currentHealthy (the Ready ones), desiredHealthy (from
 * minAvailable, or expectedPods - maxUnavailable; percentages of expectedPods rounded up),
 * disruptionsAllowed and the DisruptionAllowed condition (SufficientPods / InsufficientPods).
 * Reconciled when the budget or a pod of its namespace changes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/ctrl_int.h"
#include "tests/kubesim/select.h"

/* An IntOrString against total: "50%" rounds up, as the disruption controller does. */
static int64_t int_or_percent(const struct value *v, int64_t total)
{
	if (!v)
		return -1;
	if (v->type == V_INT)
		return v->u.i;
	if (v->type == V_STRING && str_has_suffix(v->u.str.s, "%"))
		return (int64_t)ceil((double)atoll(v->u.str.s) * (double)total / 100.0);
	return v->type == V_STRING ? atoll(v->u.str.s) : -1;
}

static void count_pods(const char *ns, const struct value *sel, int64_t *expected, int64_t *healthy)
{
	*expected = *healthy = 0;
	for (size_t i = db_ns_start(K_POD, ns); sel && i < db_count(K_POD); i++) {
		struct obj *o = db_at(K_POD, i);
		if (strcmp(o->ns, ns) != 0)
			break;
		if (o->phase == 'S' || o->phase == 'F' || !selector_match_labelselector(sel, o->labels))
			continue;
		(*expected)++;
		*healthy += o->ready;
	}
}

void pdb_reconcile(const char *ns, const char *name)
{
	struct value *pdb = db_get(K_PDB, ns, name);
	if (!pdb)
		return;
	int64_t expected, healthy;
	count_pods(ns, value_map_path(pdb, "spec.selector"), &expected, &healthy);
	const struct value *min = value_map_path(pdb, "spec.minAvailable"), *maxu = value_map_path(pdb, "spec.maxUnavailable");
	int64_t desired = min ? int_or_percent(min, expected)
			  : maxu ? expected - int_or_percent(maxu, expected) : expected;
	if (desired < 0)
		desired = 0;
	int64_t allowed = healthy - desired > 0 ? healthy - desired : 0;
	struct value *st = vmap(pdb, "status");
	char *before = value_to_json(st, false, false);
	vset_int(st, "expectedPods", expected);
	vset_int(st, "currentHealthy", healthy);
	vset_int(st, "desiredHealthy", desired);
	vset_int(st, "disruptionsAllowed", allowed);
	vset_int(st, "observedGeneration", vint(pdb, "metadata.generation", 1));
	ctrl_condition(st, "DisruptionAllowed", allowed > 0 ? "True" : "False",
		       allowed > 0 ? "SufficientPods" : "InsufficientPods", "", false);
	char *after = value_to_json(st, false, false);
	if (strcmp(before, after) != 0)   /* a write only when the status moved: no loop */
		ctrl_save(K_PDB, pdb);
	free(before);
	free(after);
	value_unref(pdb);
}

void pdb_enqueue_ns(const char *ns)
{
	for (size_t i = db_ns_start(K_PDB, ns); i < db_count(K_PDB); i++) {
		struct obj *p = db_at(K_PDB, i);
		if (strcmp(p->ns, ns) != 0)
			break;
		ctrl_enqueue(K_PDB, p->ns, p->name);
	}
}
