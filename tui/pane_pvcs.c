/* pane_pvcs — NAME, STATUS, VOLUME, CAPACITY, ACCESS MODES, STORAGECLASS, AGE. Pending claims
 * stand out, with the reason from their latest event on a line below. */
#include "tui/table.h"

#include "core/kstatus.h"
#include "tui/metrics_ui.h"

#include <stdio.h>
#include <string.h>

enum { C_NS, C_NAME, C_STATUS, C_VOLUME, C_CAPACITY, C_MODES, C_CLASS, C_AGE, C_USED };

static const struct table_col pvc_cols[] = {
	[C_NS] = TABLE_NS_COL(3),
	[C_NAME] = {"NAME", 0, false, COL_TEXT, 0, 16, .fit = true},
	[C_STATUS] = {"STATUS", 8, false, COL_TEXT, 0, 0},
	[C_VOLUME] = {"VOLUME", 24, false, COL_TEXT, 5, 0},
	[C_CAPACITY] = {"CAPACITY", 8, false, COL_TEXT, 6, 0},
	[C_MODES] = {"ACCESS MODES", 12, false, COL_TEXT, 4, 0},
	[C_CLASS] = {"STORAGECLASS", 12, false, COL_TEXT, 2, 0},
	[C_AGE] = {"AGE", 7, false, COL_TEXT, 1, 0},
	[C_USED] = {"USED", 10, false, COL_TEXT, 7, 0, .visible = metrics_ui_on},
};

static void pvc_cell(const struct table_row *row, int col, int64_t now, char *buf, size_t n)
{
	const struct st_pvc *c = &row->rec->pvc;
	const char *s = "";
	switch (col) {
	case C_NS: s = c->meta.namespace_; break;
	case C_NAME: s = c->meta.name; break;
	case C_STATUS: s = c->meta.deleted ? "Terminating" : c->phase; break;
	case C_VOLUME: s = c->volume; break;
	case C_CAPACITY: s = c->capacity; break;
	case C_MODES: s = c->access_modes; break;
	case C_CLASS: s = c->storage_class; break;
	case C_AGE: kstatus_age(c->meta.created, now, buf, n); return;
	case C_USED: metrics_ui_pvc_cell(c->meta.name, c->capacity, buf, n); return;
	default: break;
	}
	snprintf(buf, n, "%s", s);
}

static enum tui_role pvc_role(const struct table_row *row, int64_t now)
{
	const char *ph = row->rec->pvc.phase;
	if (strcmp(ph, "Bound") == 0) /* near full: warning colour */
		return metrics_ui_pvc_pct(row->rec->pvc.meta.name, row->rec->pvc.capacity) >=
		       METRICS_UI_PVC_WARN ? ROLE_WARN : ROLE_OK;
	if (strcmp(ph, "Lost") == 0)
		return ROLE_ERROR;
	return ROLE_WARN;
}

static void pvc_sort_key(const struct table_row *row, int col, int64_t *num, const char **str)
{
	const struct st_pvc *c = &row->rec->pvc;
	*num = 0;
	*str = c->meta.name;
	switch (col) {
	case C_STATUS: *num = pvc_role(row, 0) == ROLE_OK; *str = c->phase; break;
	case C_NS: *str = c->meta.namespace_; break;
	case C_VOLUME: *str = c->volume; break;
	case C_CAPACITY: *str = c->capacity; break;
	case C_MODES: *str = c->access_modes; break;
	case C_CLASS: *str = c->storage_class; break;
	case C_AGE: *num = -c->meta.created; break;
	default: break;
	}
}

struct ev_find {
	const struct st_pvc *pvc;
	const struct st_event *best;
};

static void ev_cb(const union st_record *r, void *ud)
{
	struct ev_find *f = ud;
	const struct st_event *e = &r->ev;
	if (strcmp(e->obj_kind, "PersistentVolumeClaim") != 0 ||
	    strcmp(e->obj_name, f->pvc->meta.name) != 0 ||
	    strcmp(e->obj_namespace, f->pvc->meta.namespace_) != 0)
		return;
	if (!f->best || kstatus_event_time(e) >= kstatus_event_time(f->best))
		f->best = e;
}

/* Only visible Pending rows pay for the event scan. */
static bool pvc_note(struct pane *p, const struct table_row *row, char *buf, size_t n)
{
	const struct st_pvc *c = &row->rec->pvc;
	if (strcmp(c->phase, "Pending") != 0)
		return false;
	struct ev_find f = {c, NULL};
	store_foreach(p->ui->data->store, KK_EVENT, ev_cb, &f);
	const char *reason = NULL;
	for (uint32_t i = 0; i < c->nconditions && !reason; i++)
		if (*c->conditions[i].message)
			reason = c->conditions[i].message;
	if (f.best)
		snprintf(buf, n, "%s %s: %s", term_glyph(G_ARROW_UP), f.best->reason, f.best->message);
	else
		snprintf(buf, n, "%s Pending: %s", term_glyph(G_ARROW_UP),
			 reason ? reason : "waiting for a volume (no event yet)");
	return true;
}

static const struct table_ops pvc_ops = {
	.kinds = {KK_PVC, KK__COUNT},
	.cols = pvc_cols,
	.ncols = ARRAY_LEN(pvc_cols),
	.default_sort = C_NAME,
	.cell = pvc_cell,
	.role = pvc_role,
	.sort_key = pvc_sort_key,
	.note = pvc_note,
};

struct pane *pvcs_pane_new(struct ui *ui)
{
	return table_pane_new(ui, "PVCs", &pvc_ops, 0);
}
