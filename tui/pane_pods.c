/* pane_pods — NAME, READY, STATUS (kubectl's logic), RESTARTS, AGE, NODE, IP; health colours. */
#include "tui/table.h"

#include "core/kube/kstatus.h"
#include "tui/metrics_ui.h"
#include "tui/portfwds.h"

#include <stdio.h>
#include <string.h>

enum { C_NS, C_NAME, C_READY, C_STATUS, C_RESTARTS, C_AGE, C_NODE, C_IP, C_CPU, C_MEM };

static const struct table_col pod_cols[] = {
	[C_NS] = TABLE_NS_COL(7),
	[C_NAME] = {"NAME", 0, false, COL_TEXT, 0, 24, .fit = true},
	[C_READY] = {"READY", 6, false, COL_TEXT, 10, 0, .health = true},
	[C_STATUS] = {"STATUS", 18, false, COL_TEXT, 0, 0, .health = true},
	[C_RESTARTS] = {"RESTARTS", 13, false, COL_TEXT, 8, 0},
	[C_AGE] = {"AGE", 7, false, COL_TEXT, 6, 0},
	[C_NODE] = {"NODE", 14, false, COL_TEXT, 4, 0},
	[C_IP] = {"IP", 15, false, COL_TEXT, 2, 0},
	[C_CPU] = {"CPU", 10, false, COL_TEXT, 8, 0, .visible = metrics_ui_on},
	[C_MEM] = {"MEM", 11, false, COL_TEXT, 6, 0, .visible = metrics_ui_on},
};

static void pod_cell(const struct table_row *row, int col, int64_t now, char *buf, size_t n)
{
	const struct st_pod *p = &row->rec->pod;
	switch (col) {
	case C_NS: snprintf(buf, n, "%s", p->meta.namespace_); break;
	case C_NAME: snprintf(buf, n, "%s", p->meta.name); break;
	case C_READY: kstatus_pod_ready(p, buf, n); break;
	case C_STATUS: kstatus_pod_status(p, buf, n); break;
	case C_RESTARTS: kstatus_pod_restarts(p, now, buf, n); break;
	case C_AGE: table_age(p->meta.created, now, buf, n); break;
	case C_NODE: snprintf(buf, n, "%s", *p->node ? p->node : "<none>"); break;
	case C_IP: snprintf(buf, n, "%s", *p->pod_ip ? p->pod_ip : "<none>"); break;
	case C_CPU: case C_MEM: metrics_ui_pod_cell(p->meta.name, col == C_MEM, false, buf, n); break;
	default: buf[0] = 0;
	}
}

/* Status words by health; anything else that is not Running counts as a warning. */
static const struct { const char *prefix; enum tui_role role; } status_roles[] = {
	{"Running", ROLE_OK}, {"Completed", ROLE_DONE}, {"Succeeded", ROLE_DONE},
	{"ContainerCreating", ROLE_PROGRESS}, {"PodInitializing", ROLE_PROGRESS},
	{"Init:", ROLE_PROGRESS}, {"Pending", ROLE_WARN}, {"Terminating", ROLE_DONE},
	{"CrashLoopBackOff", ROLE_ERROR}, {"Error", ROLE_ERROR}, {"ImagePull", ROLE_ERROR},
	{"ErrImage", ROLE_ERROR}, {"InvalidImageName", ROLE_ERROR}, {"OOMKilled", ROLE_ERROR},
	{"Evicted", ROLE_ERROR}, {"CreateContainer", ROLE_ERROR}, {"RunContainerError", ROLE_ERROR},
	{"Init:CrashLoopBackOff", ROLE_ERROR}, {"Init:Error", ROLE_ERROR},
	{"Init:ImagePull", ROLE_ERROR}, {"Init:ErrImage", ROLE_ERROR},
};

static enum tui_role status_role(const char *st)
{
	enum tui_role role = ROLE_WARN;
	size_t best = 0;
	for (size_t i = 0; i < ARRAY_LEN(status_roles); i++) {
		size_t l = strlen(status_roles[i].prefix);
		if (l > best && strncmp(st, status_roles[i].prefix, l) == 0) {
			best = l;
			role = status_roles[i].role;
		}
	}
	return role;
}

static enum tui_role pod_role(const struct table_row *row, int64_t now)
{
	char st[64];
	const struct st_pod *p = &row->rec->pod;
	kstatus_pod_status(p, st, sizeof st);
	enum tui_role r = status_role(st);
	if (r == ROLE_OK && !kstatus_pod_is_ready(p))
		r = ROLE_WARN;
	return r;
}

/* STATUS is coloured by the pod's phase and state; READY stands out while the pod is not ready.
 * A pod that starts rewrites STATUS when it runs and READY when it is ready, each once. */
static enum tui_role pod_cell_role(const struct table_row *row, int col)
{
	const struct st_pod *p = &row->rec->pod;
	if (col == C_READY)
		return kstatus_pod_is_ready(p) ? ROLE_NORMAL : ROLE_WARN;
	char st[64];
	kstatus_pod_status(p, st, sizeof st);
	return status_role(st);
}

/* Health rank for sorting by status: problems first. */
static int64_t health_rank(const struct table_row *row)
{
	static const int rank[ROLE__COUNT] = {[ROLE_ERROR] = 0, [ROLE_WARN] = 1, [ROLE_PROGRESS] = 2,
					      [ROLE_OK] = 3, [ROLE_DONE] = 4};
	return rank[pod_role(row, 0)];
}

static void pod_sort_key(const struct table_row *row, int col, int64_t *num, const char **str)
{
	const struct st_pod *p = &row->rec->pod;
	*num = 0;
	*str = p->meta.name;
	switch (col) {
	case C_READY: *num = kstatus_pod_is_ready(p); break;
	case C_STATUS: *num = health_rank(row); break;
	case C_RESTARTS: *num = -kstatus_pod_restart_count(p); break;
	case C_AGE: *num = -p->meta.created; break;
	case C_NS: *str = p->meta.namespace_; break;
	case C_NODE: *str = p->node; break;
	case C_IP: *str = p->pod_ip; break;
	case C_CPU: case C_MEM: *num = -metrics_ui_pod_sort(p->meta.name, col == C_MEM); break;
	default: break;
	}
}

static bool pod_key(struct pane *pn, const struct table_row *row, enum tui_action a)
{
	const struct st_pod *p = &row->rec->pod;
	if (a == ACT_SHELL)
		podshell_open(pn->ui, p->meta.namespace_, p->meta.name,
			      p->ncontainers ? p->containers[0].name : NULL);
	else if (a == ACT_PORTFWD)
		portfwds_start(pn->ui, p->meta.namespace_, p->meta.name);
	else if (a == ACT_LOGS)
		ui_push(pn->ui, logs_new(pn->ui, p->meta.namespace_, p->meta.name));
	else
		return false;
	return true;
}

static const struct table_ops pod_ops = {
	.kinds = {KK_POD, KK__COUNT},
	.cols = pod_cols,
	.ncols = ARRAY_LEN(pod_cols),
	.default_sort = C_NAME,
	.cell = pod_cell,
	.role = pod_role,
	.cell_role = pod_cell_role,
	.health_cells = true,
	.sort_key = pod_sort_key,
	.key = pod_key,
};

struct pane *pods_pane_new(struct ui *ui)
{
	return table_pane_new(ui, "Pods", &pod_ops, KS_PODS);
}
