/* pane_events — the namespace's events, newest first: LAST SEEN, TYPE, REASON, OBJECT, MESSAGE.
 * Similar events are folded into one row: same type and reason, on the same object or on pods
 * of one owner (names that differ only in the generated suffix), shown by the newest with the
 * number of events (`F` shows every event on its own row). */
#include "tui/table.h"

#include "core/kube/kstatus.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum { C_NS, C_LAST, C_TYPE, C_REASON, C_OBJECT, C_MESSAGE };

static const struct table_col ev_cols[] = {
	[C_NS] = TABLE_NS_COL(1),
	[C_LAST] = {"LAST SEEN", 9, false, COL_TEXT, 0, 0},
	/* narrow screens drop TYPE (warnings are coloured), then REASON; OBJECT says which pod */
	[C_TYPE] = {"TYPE", 7, false, COL_TEXT, 2, 0},
	[C_REASON] = {"REASON", 21, false, COL_TEXT, 3, 0},
	[C_OBJECT] = {"OBJECT", 40, false, COL_TEXT, 4, 0}, /* pod names whole */
	[C_MESSAGE] = {"MESSAGE", 0, false, COL_TEXT, 0, 20},
};

/* Length of name without a generated suffix ("-" and five characters of the alphabet the API
 * server draws generateName suffixes from: pods of ReplicaSets, Jobs and DaemonSets), or 0. */
static size_t generated_stem(const char *name)
{
	const char *dash = strrchr(name, '-');
	if (!dash || dash == name || strlen(dash + 1) != 5 ||
	    strspn(dash + 1, "bcdfghjklmnpqrstvwxz2456789") != 5)
		return 0;
	return (size_t)(dash - name);
}

static int64_t ev_fold(const struct table_row *row, char *key, size_t n)
{
	const struct st_event *e = &row->rec->ev;
	size_t stem = generated_stem(e->obj_name);
	snprintf(key, n, "%c\x1f%s\x1f%s\x1f%s\x1f%.*s", strcmp(e->type, "Warning") == 0 ? '0' : '1',
		 e->meta.namespace_, e->reason, e->obj_kind,
		 (int)(stem ? stem : strlen(e->obj_name)), e->obj_name);
	return e->count > 1 ? e->count : 1;
}

static const char *ev_fold_object(const struct table_row *row)
{
	return row->rec->ev.obj_name;
}

static void ev_object(const struct table_row *row, char *buf, size_t n)
{
	const struct st_event *e = &row->rec->ev;
	char kind[64];
	snprintf(kind, sizeof kind, "%s", e->obj_kind);
	for (char *c = kind; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	size_t stem = row->many ? generated_stem(e->obj_name) : 0;
	if (stem)
		snprintf(buf, n, "%s/%.*s-*", kind, (int)stem, e->obj_name);
	else
		snprintf(buf, n, "%s/%s", kind, e->obj_name);
}

static void ev_cell(const struct table_row *row, int col, int64_t now, char *buf, size_t n)
{
	const struct st_event *e = &row->rec->ev;
	switch (col) {
	case C_LAST: table_age(kstatus_event_time(e), now, buf, n); break;
	case C_NS: snprintf(buf, n, "%s", e->meta.namespace_); break;
	case C_TYPE: snprintf(buf, n, "%s", e->type); break;
	case C_REASON: snprintf(buf, n, "%s", e->reason); break;
	case C_OBJECT: ev_object(row, buf, n); break;
	case C_MESSAGE: { /* the count first: a long message is cut at the end */
		int64_t count = row->fkey ? row->count : e->count;
		if (count > 1)
			snprintf(buf, n, "(x%lld) %s", (long long)count, e->message);
		else
			snprintf(buf, n, "%s", e->message);
		break;
	}
	default: buf[0] = 0;
	}
}

static enum tui_role ev_role(const struct table_row *row, int64_t now)
{
	return strcmp(row->rec->ev.type, "Warning") == 0 ? ROLE_WARN : ROLE_NORMAL;
}

/* Folded, the rows seen within the last ACTIVE_S seconds count as seen now: they keep their
 * places (warnings first, then by reason, table.c's tie rule) instead of trading places at
 * every refresh while a rollout's events come in; older rows follow, newest first. */
#define ACTIVE_S 10
static int64_t oldest_active(void)
{
	return now_wall() - ACTIVE_S + 1;
}

static int64_t ev_sort_time(const struct table_row *row)
{
	int64_t t = kstatus_event_time(&row->rec->ev), oldest = oldest_active();
	return row->fkey && t >= oldest ? oldest : t; /* an inactive row is older than oldest */
}

static int64_t ev_resort_at(const struct table_row *row)
{
	int64_t t = kstatus_event_time(&row->rec->ev);
	return row->fkey && t >= oldest_active() ? t + ACTIVE_S : 0;
}

static void ev_sort_key(const struct table_row *row, int col, int64_t *num, const char **str)
{
	const struct st_event *e = &row->rec->ev;
	*num = 0;
	*str = e->meta.name;
	switch (col) {
	case C_LAST: *num = -ev_sort_time(row); *str = NULL; break;
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
	.fold = ev_fold,
	.fold_object = ev_fold_object,
	.resort_at = ev_resort_at,
};

struct pane *events_pane_new(struct ui *ui)
{
	return table_pane_new(ui, "Events", &ev_ops, KS_EVENTS);
}
