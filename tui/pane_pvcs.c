/* pane_pvcs — NAME, STATUS, VOLUME, CAPACITY, ACCESS MODES, STORAGECLASS, AGE. Pending claims
 * stand out, with the reason from their latest event on a line below. */
#include "tui/table.h"

#include "core/kube/kstatus.h"
#include "tui/metrics_ui.h"

#include <stdio.h>
#include <stdlib.h>
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
	case C_AGE: table_age(c->meta.created, now, buf, n); return;
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

/* The latest event of each claim, indexed once per version of the store's events: the notes
 * are asked for on every layout and frame, and a scan of all events each time costs O(events)
 * per Pending row. */
struct pvc_event {
	const char *ns, *name;
	const struct st_event *ev;    /* borrowed until the events change (the index is rebuilt) */
};

static struct {
	const struct store *store;
	uint64_t version;
	struct pvc_event *v;
	size_t n, cap;
} ev_index;

static int pvc_event_cmp(const void *a, const void *b)
{
	const struct pvc_event *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);
	return c ? c : strcmp(x->name, y->name);
}

static void index_cb(const union st_record *r, void *ud)
{
	const struct st_event *e = &r->ev;
	if (strcmp(e->obj_kind, "PersistentVolumeClaim") != 0)
		return;
	if (ev_index.n == ev_index.cap) {
		ev_index.cap = ev_index.cap ? ev_index.cap * 2 : 16;
		ev_index.v = xrealloc(ev_index.v, ev_index.cap * sizeof *ev_index.v);
	}
	ev_index.v[ev_index.n++] = (struct pvc_event){e->obj_namespace, e->obj_name, e};
}

/* Sorted by claim; one entry per claim, its newest event. */
static void index_events(const struct tui_data *d)
{
	if (ev_index.store == d->store && ev_index.version == d->version[KK_EVENT] && ev_index.v)
		return;
	ev_index.store = d->store;
	ev_index.version = d->version[KK_EVENT];
	ev_index.n = 0;
	store_foreach(d->store, KK_EVENT, index_cb, NULL);
	qsort(ev_index.v, ev_index.n, sizeof *ev_index.v, pvc_event_cmp);
	size_t k = 0;
	for (size_t i = 0; i < ev_index.n; i++) {
		if (k && pvc_event_cmp(&ev_index.v[k - 1], &ev_index.v[i]) == 0) {
			if (kstatus_event_time(ev_index.v[i].ev) >= kstatus_event_time(ev_index.v[k - 1].ev))
				ev_index.v[k - 1] = ev_index.v[i];
			continue;
		}
		ev_index.v[k++] = ev_index.v[i];
	}
	ev_index.n = k;
}

static const struct st_event *latest_event(const struct tui_data *d, const struct st_pvc *c)
{
	index_events(d);
	struct pvc_event key = {c->meta.namespace_, c->meta.name, NULL};
	const struct pvc_event *f = ev_index.n ? bsearch(&key, ev_index.v, ev_index.n, sizeof key,
							  pvc_event_cmp) : NULL;
	return f ? f->ev : NULL;
}

static bool pvc_note(struct pane *p, const struct table_row *row, char *buf, size_t n)
{
	const struct st_pvc *c = &row->rec->pvc;
	if (strcmp(c->phase, "Pending") != 0)
		return false;
	const struct st_event *best = latest_event(p->ui->data, c);
	const char *reason = NULL;
	for (uint32_t i = 0; i < c->nconditions && !reason; i++)
		if (*c->conditions[i].message)
			reason = c->conditions[i].message;
	if (best)
		snprintf(buf, n, "%s %s: %s", term_glyph(G_ARROW_UP), best->reason, best->message);
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
