/* sched — see sched.h. */
#include "tests/kubesim/sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/db.h"
#include "tests/kubesim/select.h"

static bool is_list(const struct value *v) { return v && v->type == V_LIST; }

static bool tolerates(const struct value *tols, const struct value *taint)
{
	const char *tk = vstr(taint, "key") ?: "", *tv = vstr(taint, "value") ?: "", *te = vstr(taint, "effect") ?: "";
	for (size_t i = 0; is_list(tols) && i < tols->u.list.len; i++) {
		const struct value *t = tols->u.list.items[i];
		const char *k = vstr(t, "key") ?: "", *op = vstr(t, "operator") ?: "Equal", *e = vstr(t, "effect") ?: "";
		bool exists = strcmp(op, "Exists") == 0;
		if ((*k || !exists) && strcmp(k, tk))
			continue;
		if (!exists && strcmp(vstr(t, "value") ?: "", tv))
			continue;
		if (!*e || strcmp(e, te) == 0)
			return true;
	}
	return false;
}

/* The first taint the pod does not tolerate, as the scheduler words it, or NULL. */
static char *taint_reason(const struct value *pod, const struct value *node)
{
	const struct value *taints = value_map_path(node, "spec.taints");
	const struct value *tols = value_map_path(pod, "spec.tolerations");
	for (size_t i = 0; is_list(taints) && i < taints->u.list.len; i++) {
		const struct value *t = taints->u.list.items[i];
		const char *eff = vstr(t, "effect") ?: "";
		if ((strcmp(eff, "NoSchedule") && strcmp(eff, "NoExecute")) || tolerates(tols, t))
			continue;
		return xasprintf("node(s) had untolerated taint {%s: %s}", vstr(t, "key") ?: "", vstr(t, "value") ?: "");
	}
	return NULL;
}

static double requests(const struct value *pod, const char *res)
{
	const struct value *cs = value_map_path(pod, "spec.containers");
	double sum = 0;
	for (size_t i = 0; is_list(cs) && i < cs->u.list.len; i++) {
		char path[64];
		snprintf(path, sizeof(path), "resources.requests.%s", res);
		sum += sim_quantity(vstr(cs->u.list.items[i], path));
	}
	return sum;
}

/* Why node does not fit pod (reasons joined by '\n', counted each), or NULL when it fits. */
static char *unfit(const struct value *pod, const struct value *node)
{
	char *t = taint_reason(pod, node);
	if (t)
		return t;
	const struct value *sel = value_map_path(pod, "spec.nodeSelector");
	if (sel && sel->type == V_MAP && sel->u.map.len &&
	    !selector_match_map(sel, value_map_path(node, "metadata.labels")))
		return xstrdup("node(s) didn't match Pod's node affinity/selector");
	static const char *const res[] = {"cpu", "memory"};
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < ARRAY_LEN(res); i++) {
		char path[64];
		snprintf(path, sizeof(path), "status.allocatable.%s", res[i]);
		const char *alloc = vstr(node, path);
		if (alloc && requests(pod, res[i]) > sim_quantity(alloc))
			sb_addf(&sb, "%sInsufficient %s", sb.len ? "\n" : "", res[i]);
	}
	return sb.len ? sb_detach(&sb, NULL) : (sb_done(&sb), NULL);
}

struct tally { char *reason[16]; int count[16]; size_t n; bool only_resources; };

static void tally_add(struct tally *t, const char *reasons)
{
	for (const char *r = reasons; *r;) {
		size_t len = strcspn(r, "\n"), i;
		for (i = 0; i < t->n && (strlen(t->reason[i]) != len || strncmp(t->reason[i], r, len)); i++)
			;
		if (i == t->n && t->n < ARRAY_LEN(t->reason))
			t->reason[t->n++] = xstrndup(r, len);
		if (i < t->n)
			t->count[i]++;
		if (strncmp(r, "Insufficient ", 13))
			t->only_resources = false;
		r += len + (r[len] == '\n');
	}
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* "0/3 nodes are available: 1 A, 2 B. preemption: 0/3 nodes are available: 3 ...": reasons in
 * sorted order, as kube-scheduler's FitError words it. */
static char *fit_error(struct tally *t, size_t nodes)
{
	struct strbuf sb = STRBUF_INIT;
	char *lines[16];
	for (size_t i = 0; i < t->n; i++)
		lines[i] = xasprintf("%d %s", t->count[i], t->reason[i]);
	qsort(lines, t->n, sizeof(*lines), cmp_str);
	sb_addf(&sb, "0/%zu nodes are available: ", nodes);
	for (size_t i = 0; i < t->n; i++) {
		sb_addf(&sb, "%s%s", i ? ", " : "", lines[i]);
		free(lines[i]);
		free(t->reason[i]);
	}
	sb_addf(&sb, ". preemption: 0/%zu nodes are available: %zu %s", nodes, nodes,
		t->only_resources ? "No preemption victims found for incoming pod." : "Preemption is not helpful for scheduling.");
	return sb_detach(&sb, NULL);
}

const char *sched_pick(const struct value *pod, const char *preferred, char **why)
{
	struct tally t = {.only_resources = true};
	const char *first = NULL, *pick = NULL;
	size_t n = db_count(K_NODE);
	for (size_t i = 0; i < n && !pick; i++) {
		struct obj *o = db_at(K_NODE, i);
		struct value *node = obj_value(o);
		char *r = unfit(pod, node);
		value_unref(node);
		if (!r && preferred && strcmp(o->name, preferred) == 0)
			pick = o->name;
		else if (!r && !first)
			first = o->name;
		if (r)
			tally_add(&t, r);
		free(r);
	}
	if (!pick && !first && n) {
		*why = fit_error(&t, n);
		return NULL;
	}
	for (size_t i = 0; i < t.n; i++)
		free(t.reason[i]);
	return pick ? pick : first ? first : preferred;
}
