/* pane_workloads — Deployments and StatefulSets with a rollout progress bar each
 * (desired/updated/ready/available), revision and image. */
#include "tui/table.h"

#include "core/kube/kstatus.h"

#include <stdio.h>
#include <string.h>

enum { C_NS, C_NAME, C_KIND, C_READY, C_UPDATED, C_AVAIL, C_PROGRESS, C_REV, C_IMAGE, C_AGE };

static const struct table_col wl_cols[] = {
	[C_NS] = TABLE_NS_COL(3),
	[C_NAME] = {"NAME", 0, false, COL_TEXT, 0, 16, .fit = true},
	[C_KIND] = {"KIND", 6, false, COL_TEXT, 7, 0},
	[C_READY] = {"READY", 7, false, COL_TEXT, 0, 0, .health = true},
	[C_UPDATED] = {"UP-TO-DATE", 10, false, COL_TEXT, 5, 0},
	[C_AVAIL] = {"AVAILABLE", 9, false, COL_TEXT, 6, 0},
	[C_PROGRESS] = {"ROLLOUT", 14, false, COL_BAR, 0, 0},
	[C_REV] = {"REV", 8, false, COL_TEXT, 4, 0},
	[C_IMAGE] = {"IMAGE", 34, false, COL_TEXT, 2, 0},
	[C_AGE] = {"AGE", 7, false, COL_TEXT, 1, 0},
};

static void wl_cell(const struct table_row *row, int col, int64_t now, char *buf, size_t n)
{
	const struct st_workload *w = &row->rec->wl;
	bool sts = row->kind == KK_STATEFULSET;
	switch (col) {
	case C_NS: snprintf(buf, n, "%s", w->meta.namespace_); break;
	case C_NAME: snprintf(buf, n, "%s", w->meta.name); break;
	case C_KIND: snprintf(buf, n, "%s", sts ? "sts" : "deploy"); break;
	case C_READY: snprintf(buf, n, "%d/%d", w->ready, w->spec_replicas); break;
	case C_UPDATED: snprintf(buf, n, "%d", w->updated); break;
	case C_AVAIL: snprintf(buf, n, "%d", sts ? w->ready : w->available); break;
	case C_REV: {
		/* a StatefulSet revision is "<name>-<hash>": the hash says enough */
		size_t nl = strlen(w->meta.name);
		const char *r = w->revision;
		if (strncmp(r, w->meta.name, nl) == 0 && r[nl] == '-')
			r += nl + 1;
		snprintf(buf, n, "%s", r);
		break;
	}
	case C_IMAGE: snprintf(buf, n, "%s", w->images); break;
	case C_AGE: table_age(w->meta.created, now, buf, n); break;
	default: buf[0] = 0;
	}
}

static void wl_bar(const struct table_row *row, long *done, long *total)
{
	const struct st_workload *w = &row->rec->wl;
	long want = w->spec_replicas;
	long avail = row->kind == KK_STATEFULSET ? w->ready : w->available;
	long u = w->updated < want ? w->updated : want;
	long r = w->ready < want ? w->ready : want;
	long a = avail < want ? avail : want;
	*done = u + r + a;
	*total = 3 * want;
	if (want == 0) {
		*done = 1;
		*total = 1;
	}
}

static bool cond_false(const struct st_workload *w, const char *type)
{
	for (uint32_t i = 0; i < w->nconditions; i++)
		if (strcmp(w->conditions[i].type, type) == 0)
			return strcmp(w->conditions[i].status, "False") == 0;
	return false;
}

static bool cond_true(const struct st_workload *w, const char *type)
{
	for (uint32_t i = 0; i < w->nconditions; i++)
		if (strcmp(w->conditions[i].type, type) == 0)
			return strcmp(w->conditions[i].status, "True") == 0;
	return false;
}

static enum tui_role wl_role(const struct table_row *row, int64_t now)
{
	const struct st_workload *w = &row->rec->wl;
	long avail = row->kind == KK_STATEFULSET ? w->ready : w->available;
	if (cond_false(w, "Progressing") || cond_true(w, "ReplicaFailure"))
		return ROLE_ERROR;
	if (w->spec_replicas == 0)
		return ROLE_DONE;
	if (w->updated == w->spec_replicas && w->ready == w->spec_replicas &&
	    avail == w->spec_replicas && w->replicas == w->spec_replicas)
		return ROLE_OK;
	return w->ready == 0 ? ROLE_WARN : ROLE_PROGRESS;
}

static void wl_sort_key(const struct table_row *row, int col, int64_t *num, const char **str)
{
	const struct st_workload *w = &row->rec->wl;
	*num = 0;
	*str = w->meta.name;
	switch (col) {
	case C_NS: *str = w->meta.namespace_; break;
	case C_KIND: *num = row->kind; break;
	case C_READY: *num = w->ready; break;
	case C_UPDATED: *num = w->updated; break;
	case C_AVAIL: *num = w->available; break;
	case C_REV: *num = 0; *str = w->revision; break;
	case C_IMAGE: *str = w->images; break;
	case C_AGE: *num = -w->meta.created; break;
	default: break;
	}
}

static const struct table_ops wl_ops = {
	.kinds = {KK_DEPLOYMENT, KK_STATEFULSET},
	.cols = wl_cols,
	.ncols = ARRAY_LEN(wl_cols),
	.default_sort = C_NAME,
	.cell = wl_cell,
	.bar = wl_bar,
	.role = wl_role,
	.health_cells = true, /* a rollout recolours READY, not the whole row */
	.sort_key = wl_sort_key,
};

struct pane *workloads_pane_new(struct ui *ui)
{
	return table_pane_new(ui, "Workloads", &wl_ops, 0);
}
