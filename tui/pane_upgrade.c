/* pane_upgrade — the upgrade dialog: chart, values files, --set values, atomic, wait, timeout,
 * reuse values. Enter checks the input here (files, --set syntax, the timeout: errors with
 * their position, nothing starts), then starts the upgrade with a confirmation: the engine
 * renders, validates and computes the plan and the diff; a failure before the plan (template
 * or schema error) comes back into the dialog; the plan opens the supervision view, which asks. */
#include "tui/releases.h"

#include "core/base/config.h"
#include "core/base/timefmt.h"
#include "core/chart/valflags.h"
#include "tui/data.h"
#include "tui/metrics_ui.h"
#include "tui/op.h"
#include "tui/relwatch.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { F_CHART, F_VALUES, F_SET, F_ATOMIC, F_WAIT, F_REUSE, F_TIMEOUT, F_GRACE, F__COUNT };

static const struct { const char *label; bool toggle; } fields[F__COUNT] = {
	[F_CHART] = {"Chart", false}, [F_VALUES] = {"Values files (-f)", false},
	[F_SET] = {"Set (--set K=V ...)", false}, [F_ATOMIC] = {"Atomic (roll back on failure)", true},
	[F_WAIT] = {"Wait until ready", true}, [F_REUSE] = {"Reuse the release's values", true},
	[F_TIMEOUT] = {"Timeout", false}, [F_GRACE] = {"Early-failure grace", false},
};

struct upgpane {
	char *ns, *name;
	char text[F__COUNT][512];
	bool on[F__COUNT];
	int field;
	char *error;                 /* shown in the dialog (owned) */
	bool started;                /* the upgrade runs: waiting for its plan */
	int from_rev;
};

static void set_error(struct upgpane *u, const char *fmt, const char *s)
{
	free(u->error);
	u->error = s ? xasprintf(fmt, s) : NULL;
}

static void append(char *buf, size_t n, const char *word)
{
	size_t len = strlen(buf);
	snprintf(buf + len, n - len, "%s%s", len ? " " : "", word);
}

/* :upgrade's words: a chart, -f FILE / --values FILE (given ones replace the prefilled files),
 * --set K=V (also --set=K=V). */
static void parse_args(struct upgpane *u, const char *args)
{
	char *copy = xstrdup(args ? args : ""), *save = NULL;
	bool files = false;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		bool f = !strcmp(w, "-f") || !strcmp(w, "--values"), set = !strcmp(w, "--set");
		char *v = f || set ? strtok_r(NULL, " ", &save) : NULL;
		if (f && !files)
			u->text[F_VALUES][0] = 0, files = true;
		if (v)
			append(u->text[f ? F_VALUES : F_SET], sizeof u->text[0], v);
		else if (!strncmp(w, "--set=", 6))
			append(u->text[F_SET], sizeof u->text[0], w + 6);
		else if (!f && !set)
			snprintf(u->text[F_CHART], sizeof u->text[0], "%s", w);
	}
	free(copy);
}

/* The chart: the config's render.chart when it is the release's chart, else charts/NAME when
 * that folder exists; values files from render.values with the config's chart. */
static void prefill(struct upgpane *u, const struct release *r)
{
	const struct tops_config *cfg = metrics_ui_config();
	const struct value *nm = r ? value_map_path(r->chart, "metadata.name") : NULL;
	const char *cname = nm && nm->type == V_STRING ? nm->u.str.s : NULL;
	const char *cc = cfg ? config_str(cfg, "render.chart") : NULL;
	char guess[300];
	snprintf(guess, sizeof guess, "charts/%s", cname ? cname : "");
	struct stat st;
	if (cc && (!cname || strstr(cc, cname))) {
		snprintf(u->text[F_CHART], sizeof u->text[0], "%s", cc);
		const struct value *vals = value_map_path(cfg->root, "render.values");
		for (size_t i = 0; vals && vals->type == V_LIST && i < vals->u.list.len; i++)
			if (vals->u.list.items[i]->type == V_STRING)
				append(u->text[F_VALUES], sizeof u->text[0], vals->u.list.items[i]->u.str.s);
	} else if (cname && stat(guess, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(u->text[F_CHART], sizeof u->text[0], "%s", guess);
	}
	snprintf(u->text[F_TIMEOUT], sizeof u->text[0], "5m0s");
	snprintf(u->text[F_GRACE], sizeof u->text[0], "20s");
	u->on[F_ATOMIC] = true;
	u->on[F_WAIT] = true;
}

/* The values flags of the fields (words point into a copy the caller frees). */
static struct valflag *flags_of(struct upgpane *u, size_t *n, char **copy)
{
	*copy = xasprintf("%s\n%s", u->text[F_VALUES], u->text[F_SET]);
	struct valflag *f = xcalloc(strlen(*copy) / 2 + 2, sizeof *f);
	*n = 0;
	char *nl = strchr(*copy, '\n'), *save = NULL;
	*nl = 0;
	for (char *w = strtok_r(*copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		f[(*n)++] = (struct valflag){"-f", w};
	for (char *w = strtok_r(nl + 1, " ", &save); w; w = strtok_r(NULL, " ", &save))
		f[(*n)++] = (struct valflag){"--set", w};
	return f;
}

static void upg_start(struct pane *p)
{
	struct upgpane *u = p->priv;
	struct tops_err err = {0};
	if (!u->text[F_CHART][0]) {
		set_error(u, "%s", "a chart is needed (a folder such as charts/testops)");
		return;
	}
	long to = time_parse_duration_ms(u->text[F_TIMEOUT]), grace = time_parse_duration_ms(u->text[F_GRACE]);
	if (to <= 0 || grace <= 0) {
		set_error(u, "timeout %s: a duration such as 5m0s or 90s", to <= 0 ? u->text[F_TIMEOUT] : u->text[F_GRACE]);
		return;
	}
	size_t n;
	char *copy;
	struct valflag *f = flags_of(u, &n, &copy);
	struct value *vals = valflags_merge(f, n, &err);
	free(f), free(copy);
	if (!vals) {
		set_error(u, "%s (nothing was changed)", tops_err_msg(&err));
		tops_err_clear(&err);
		return;
	}
	struct op_req q = {.action = EA_UPGRADE, .release = xstrdup(u->name), .ns = xstrdup(u->ns),
			   .chart = xstrdup(u->text[F_CHART]), .values = vals, .atomic = u->on[F_ATOMIC],
			   .wait = u->on[F_WAIT], .reuse_values = u->on[F_REUSE], .timeout_ms = to, .grace_ms = grace, .ask = true,
			   .from_rev = u->from_rev, .to_rev = u->from_rev ? u->from_rev + 1 : 0};
	q.values_text = xasprintf("%s%s%s%s", u->text[F_VALUES][0] ? "-f " : "", u->text[F_VALUES],
				  u->text[F_SET][0] ? " --set " : "", u->text[F_SET]);
	if (op_start(p->ui, &q, &err) < 0) {
		set_error(u, "%s", tops_err_msg(&err));
		tops_err_clear(&err);
		op_req_done(&q);
		return;
	}
	set_error(u, "%s", NULL);
	u->started = true;
}

static void upg_follow_op(struct pane *p)
{
	struct upgpane *u = p->priv;
	const struct op_status *s = op_current();
	if (!u->started || !s)
		return;
	if (s->state == OPS_DONE) {
		u->started = false;
		set_error(u, "%s (nothing was changed)", s->error ? s->error : "the upgrade failed");
	} else if (s->state == OPS_CONFIRM) {
		struct ui *ui = p->ui;
		u->started = false; /* handed over: closing the dialog no longer cancels it */
		ui_pop(ui); /* p is gone: the supervision view asks from here */
		ui_push(ui, op_pane_new(ui));
	}
}

static void draw_field(struct pane *p, int i, int y)
{
	struct upgpane *u = p->priv;
	bool cur = u->field == i;
	char line[700];
	if (fields[i].toggle)
		snprintf(line, sizeof line, "%-30s [%s]", fields[i].label, u->on[i] ? "x" : " ");
	else
		snprintf(line, sizeof line, "%-30s %s%s", fields[i].label, u->text[i], cur ? "_" : "");
	draw_text(y, p->x + 2, p->w - 4, line, term_attr(cur ? ROLE_SELECTED : ROLE_NORMAL), true);
}

static void upg_draw(struct pane *p)
{
	struct upgpane *u = p->priv;
	char title[300];
	snprintf(title, sizeof title, "Upgrade %s/%s (revision %d)", u->ns, u->name, u->from_rev);
	draw_box(p->y, p->x, p->h, p->w, title, "Tab next field  Space toggle  Enter plan  Esc cancel", true);
	int y = p->y + 2;
	for (int i = 0; i < F__COUNT; i++)
		draw_field(p, i, y++);
	y++;
	if (u->started)
		draw_text(y, p->x + 2, p->w - 4, "rendering, validating against the cluster's schemas, comparing with the live objects...",
			  term_attr(ROLE_PROGRESS), true);
	else if (u->error)
		for (const char *l = u->error; l && *l && y < p->y + p->h - 1;) {
			const char *nl = strchr(l, '\n');
			char *t = xstrndup(l, nl ? (size_t)(nl - l) : strlen(l));
			draw_text(y++, p->x + 2, p->w - 4, t, term_attr(ROLE_ERROR), true);
			free(t);
			l = nl ? nl + 1 : NULL;
		}
	else
		draw_text(y, p->x + 2, p->w - 4, "Enter shows the plan and the diff; nothing is changed before you confirm.",
			  term_attr(ROLE_DIM), true);
	p->text_input = !fields[u->field].toggle && !u->started;
	upg_follow_op(p); /* last: may replace this view */
}

static bool upg_key(struct pane *p, enum tui_action a, int ch)
{
	struct upgpane *u = p->priv;
	if (u->started)
		return ch != 27;
	char *t = u->text[u->field];
	size_t len = strlen(t);
	if (ch == '\t' || ch == KEY_DOWN || ch == KEY_BTAB || ch == KEY_UP) {
		int d = ch == '\t' || ch == KEY_DOWN ? 1 : F__COUNT - 1;
		u->field = (u->field + d) % F__COUNT;
	} else if (ch == '\n') {
		upg_start(p);
	} else if (fields[u->field].toggle) {
		if (ch == ' ')
			u->on[u->field] = !u->on[u->field];
		else
			return false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (len)
			t[len - 1] = 0;
	} else if (ch == 21) {
		t[0] = 0;
	} else if (ch >= 32 && ch < 256 && len + 1 < sizeof u->text[0]) {
		t[len] = (char)ch;
		t[len + 1] = 0;
	} else {
		return false;
	}
	return true;
}

static void upg_free(struct pane *p)
{
	struct upgpane *u = p->priv;
	if (u->started && op_busy())
		op_abort(); /* closed before its plan showed: nobody would answer it */
	free(u->ns), free(u->name), free(u->error), free(u);
	free(p);
}

static const struct pane_ops upg_ops = {
	.name = "upgrade", .draw = upg_draw, .key = upg_key, .free = upg_free,
};

struct pane *upgrade_pane_new(struct ui *ui, const char *ns, const char *name, const char *args)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct upgpane *u = xcalloc(1, sizeof *u);
	u->ns = xstrdup(ns);
	u->name = xstrdup(name);
	struct history h;
	relwatch_history(ui->data->rel, ns, name, &h);
	const struct release *r = history_last(&h);
	u->from_rev = r ? r->version : 0;
	prefill(u, r);
	relwatch_history_done(&h);
	parse_args(u, args);
	p->ops = &upg_ops;
	p->ui = ui;
	p->priv = u;
	p->scope = KS_FORM;
	snprintf(p->title, sizeof p->title, "Upgrade");
	return p;
}
