/* pane_audit — the audit log (core/release/audit.c's file), newest first, filtered with `/`;
 * read again whenever an operation of this console ends. */
#include "tui/releases.h"

#include "core/release/audit.h"
#include "core/release/obj.h"
#include "tui/grid.h"
#include "tui/op.h"

#include <stdlib.h>
#include <string.h>

struct auditpane {
	struct grid g;
	uint64_t seen_gen;
	bool loaded;
	size_t bad;
	char *error, *path;
};

static const char *const audit_cols[] = {"TIME", "ACTION", "NAMESPACE", "RELEASE", "REVISION", "RESULT",
					 "BY", "DURATION", "ERROR"};

static const char *str(const struct value *e, const char *k)
{
	const char *s = obj_str(e, k);
	return s ? s : "";
}

static long num(const struct value *e, const char *k)
{
	const struct value *v = value_map_get(e, k);
	return v && v->type == V_INT ? (long)v->u.i : 0;
}

static void audit_row(struct auditpane *a, const struct value *e, size_t i)
{
	char key[32];
	snprintf(key, sizeof key, "%zu", i);
	const char *result = str(e, "result");
	enum tui_role role = *str(e, "error") ? ROLE_ERROR : !strcmp(result, "rolled back") ? ROLE_WARN : ROLE_NORMAL;
	struct grid_row *row = grid_add(&a->g, key, role);
	grid_set(row, 0, "%.19s", str(e, "time"));
	grid_set(row, 1, "%s", str(e, "action"));
	grid_set(row, 2, "%s", str(e, "namespace"));
	grid_set(row, 3, "%s", str(e, "release"));
	if (num(e, "fromRevision") || num(e, "toRevision"))
		grid_set(row, 4, "%ld%s%ld", num(e, "fromRevision"), term_utf8() ? "→" : "->", num(e, "toRevision"));
	grid_set(row, 5, "%s", result);
	grid_set(row, 6, "%s", *str(e, "user") ? str(e, "user") : str(e, "local"));
	grid_set(row, 7, "%.1fs", (double)num(e, "durationMs") / 1000.0);
	grid_set(row, 8, "%s", str(e, "error"));
}

static void audit_load(struct auditpane *a)
{
	struct tops_err err = {0};
	a->bad = 0;
	struct value *l = audit_read(0, &a->bad, &err);
	free(a->error);
	a->error = l ? NULL : xstrdup(tops_err_msg(&err));
	tops_err_clear(&err);
	grid_clear(&a->g);
	for (size_t i = l && l->type == V_LIST ? l->u.list.len : 0; i-- > 0;) /* newest first */
		audit_row(a, l->u.list.items[i], i);
	grid_done_rows(&a->g);
	value_unref(l);
	a->loaded = true;
}

static void audit_draw(struct pane *p)
{
	struct auditpane *a = p->priv;
	const struct op_status *s = op_current();
	uint64_t gen = s && s->state == OPS_DONE ? s->gen : 0;
	if (!a->loaded || gen != a->seen_gen)
		audit_load(a), a->seen_gen = gen;
	char info[600];
	snprintf(info, sizeof info, "%zu entr%s, newest first · %s%s%s", a->g.nvis, a->g.nvis == 1 ? "y" : "ies",
		 a->path, a->bad ? " · lines that are not JSON skipped" : "", a->error ? a->error : "");
	grid_draw(&a->g, p->y, p->x, p->h, p->w, "Audit", info, "no audited actions yet");
}

static bool audit_key(struct pane *p, enum tui_action a, int ch)
{
	return grid_key(&((struct auditpane *)p->priv)->g, a);
}

static void audit_find(struct pane *p, const char *text)
{
	grid_filter(&((struct auditpane *)p->priv)->g, text);
}

static void audit_free(struct pane *p)
{
	struct auditpane *a = p->priv;
	grid_done(&a->g);
	free(a->error), free(a->path), free(a);
	free(p);
}

static const struct pane_ops audit_ops = {
	.name = "audit", .draw = audit_draw, .key = audit_key, .find = audit_find, .free = audit_free,
};

struct pane *audit_pane_new(struct ui *ui)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct auditpane *a = xcalloc(1, sizeof *a);
	grid_init(&a->g, audit_cols, (int)ARRAY_LEN(audit_cols));
	a->path = audit_path();
	p->ops = &audit_ops;
	p->ui = ui;
	p->priv = a;
	snprintf(p->title, sizeof p->title, "Audit");
	return p;
}

int audit_command(struct ui *ui, const char *arg)
{
	while (ui_pop(ui))
		;
	struct pane *p = audit_pane_new(ui);
	ui_push(ui, p);
	if (arg && *arg)
		audit_find(p, arg);
	return 0;
}
