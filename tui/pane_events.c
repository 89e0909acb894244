/* pane_events — the namespace's events, newest first: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE. */
#include "tui/table.h"

#include "core/kstatus.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum { C_NS, C_LAST, C_TYPE, C_REASON, C_OBJECT, C_MESSAGE };

static const struct table_col ev_cols[] = {
	[C_NS] = TABLE_NS_COL(1),
	[C_LAST] = {"LAST SEEN", 9, false, COL_TEXT, 0, 0},
	[C_TYPE] = {"TYPE", 7, false, COL_TEXT, 4, 0},
	[C_REASON] = {"REASON", 21, false, COL_TEXT, 3, 0},
	[C_OBJECT] = {"OBJECT", 32, false, COL_TEXT, 2, 0},
	[C_MESSAGE] = {"MESSAGE", 0, false, COL_TEXT, 0, 20},
};

static void ev_cell(const struct table_row *row, int col, int64_t now, char *buf, size_t n)
{
	const struct st_event *e = &row->rec->ev;
	switch (col) {
	case C_LAST: kstatus_age(kstatus_event_time(e), now, buf, n); break;
	case C_NS: snprintf(buf, n, "%s", e->meta.namespace_); break;
	case C_TYPE: snprintf(buf, n, "%s", e->type); break;
	case C_REASON: snprintf(buf, n, "%s", e->reason); break;
	case C_OBJECT: {
		char kind[64];
		snprintf(kind, sizeof kind, "%s", e->obj_kind);
		for (char *c = kind; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		snprintf(buf, n, "%s/%s", kind, e->obj_name);
		break;
	}
	case C_MESSAGE:
		if (e->count > 1)
			snprintf(buf, n, "%s (x%d)", e->message, e->count);
		else
			snprintf(buf, n, "%s", e->message);
		break;
	default: buf[0] = 0;
	}
}

static enum tui_role ev_role(const struct table_row *row, int64_t now)
{
	return strcmp(row->rec->ev.type, "Warning") == 0 ? ROLE_WARN : ROLE_NORMAL;
}

static void ev_sort_key(const struct table_row *row, int col, int64_t *num, const char **str)
{
	const struct st_event *e = &row->rec->ev;
	*num = 0;
	*str = e->meta.name;
	switch (col) {
	case C_LAST: *num = -kstatus_event_time(e); break;
	case C_NS: *str = e->meta.namespace_; break;
	case C_TYPE: *str = e->type; break;
	case C_REASON: *str = e->reason; break;
	case C_OBJECT: *str = e->obj_name; break;
	case C_MESSAGE: *str = e->message; break;
	default: break;
	}
}

static const struct table_ops ev_ops = {
	.kinds = {KK_EVENT, KK__COUNT},
	.cols = ev_cols,
	.ncols = ARRAY_LEN(ev_cols),
	.default_sort = C_LAST,
	.follow_head = true,
	.cell = ev_cell,
	.role = ev_role,
	.sort_key = ev_sort_key,
};

struct pane *events_pane_new(struct ui *ui)
{
	return table_pane_new(ui, "Events", &ev_ops, 0);
}
