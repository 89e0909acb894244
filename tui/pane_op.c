/* pane_op — the supervision view of an operation: phase, elapsed against the timeout, a
 * progress bar per workload (updated / ready / available, old and new replicas), the verdict
 * with its cause and the failing container's last log lines, the release's pod timeline
 * (failures highlighted), its events and pod metrics. While the plan waits for an answer it
 * shows the plan line and the diff and asks (typing the release name where the config says so).
 * Following an operation of another process (a pending record) it is read-only: the workloads
 * labelled app.kubernetes.io/instance=NAME, the lock holder and its age. */
#include "tui/releases.h"

#include "core/kube/kstatus.h"
#include "tui/data.h"
#include "tui/metrics_ui.h"
#include "tui/op.h"
#include "tui/relwatch.h"
#include "tui/textview.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct oppane {
	bool follow;                 /* another process's operation */
	char *ns, *name;             /* follow */
	struct textview diff;
	uint64_t diff_gen;
	char typed[128];
	size_t ntyped;
	bool ask_abort;
	char **pods;                 /* pods of the timeline, newest first (for `l`) */
	size_t npods, cur;
};

static const char *const verbs[] = {"Install", "Upgrade", "Rollback", "Uninstall"};

static bool failure_line(const char *s)
{
	static const char *const words[] = {"ErrImagePull", "ImagePullBackOff", "CrashLoopBackOff", "Failed",
					    "Error", "Unschedulable", "OOMKilled", "failed", "BackOff",
					    "ProgressDeadlineExceeded", "InvalidImageName"};
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (strstr(s, words[i]))
			return true;
	return false;
}

static bool typed(const struct op_status *s)
{
	return s->req.typed_name || op_needs_typed_name(s->req.ns);
}

/* What must be typed: the release's name (the namespace for an apply, which has no release). */
static const char *typed_word(const struct op_status *s)
{
	return s->req.release ? s->req.release : s->req.ns ? s->req.ns : "";
}

static void fmt_dur(int64_t s, char *buf, size_t n)
{
	if (s < 0)
		s = 0;
	snprintf(buf, n, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
}

/* One workload row: name, bar, counts, old/new replicas from the store. */
static int draw_workload(struct ui *ui, int y, int x, int w, const char *ns, const char *key,
			 const char *line)
{
	char kind[32] = "", name[200] = "";
	sscanf(key, "%31[^/]/%199s", kind, name);
	if (strcmp(kind, "deployment") && strcmp(kind, "statefulset")) {
		const char *st = strncmp(line, key, strlen(key)) ? line : line + strlen(key);
		draw_text(y, x, w, key, term_attr(ROLE_NORMAL), true);
		draw_text(y, x + 39, w - 39, st, term_attr(strstr(st, "not") ? ROLE_PROGRESS : ROLE_OK), false);
		return 1;
	}
	enum kube_kind k = !strcmp(kind, "statefulset") ? KK_STATEFULSET : KK_DEPLOYMENT;
	const union st_record *r = store_get(ui->data->store, k, ns, name);
	int u = 0, d = 0, rd = 0, a = 0, tot = 0;
	const char *p = strchr(line, ' ');
	if (!p || sscanf(p, " %d/%d updated %d/%*d ready %d/%*d available", &u, &d, &rd, &a) < 3) {
		if (r)
			u = r->wl.updated, d = r->wl.spec_replicas, rd = r->wl.ready, a = r->wl.available;
	}
	tot = r ? r->wl.replicas : d;
	int nw = 38;
	draw_text(y, x, nw, key, term_attr(ROLE_NORMAL), true);
	long done = (long)(u < d ? u : d) + (rd < d ? rd : d) + (a < d ? a : d);
	draw_bar(y, x + nw + 1, 20, d ? done : 1, d ? 3L * d : 1);
	char counts[160];
	snprintf(counts, sizeof counts, "updated %d/%d  ready %d/%d  available %d/%d  old %d new %d", u, d, rd,
		 d, a, d, tot > u ? tot - u : 0, u);
	bool ok = d && u == d && rd == d && a == d;
	draw_text(y, x + nw + 22, w - nw - 22, counts, term_attr(ok ? ROLE_OK : ROLE_PROGRESS), false);
	return 1;
}

/* Workloads of a release followed read-only: the store's, labelled with the instance. */
struct wl_collect {
	struct ui *ui;
	const char *name;
	int y, x, w, rows, max;
	const char *kind;
};

static void wl_cb(const union st_record *r, void *ud)
{
	struct wl_collect *c = ud;
	bool mine = false;
	for (uint32_t i = 0; i < r->meta.nlabels; i++)
		mine = mine || (!strcmp(r->meta.labels[i].key, "app.kubernetes.io/instance") &&
				!strcmp(r->meta.labels[i].val, c->name));
	if (!mine || c->rows >= c->max)
		return;
	char key[256];
	snprintf(key, sizeof key, "%s/%s", c->kind, r->meta.name);
	c->rows += draw_workload(c->ui, c->y + c->rows, c->x, c->w, r->meta.namespace_, key, "");
}

static int draw_followed(struct pane *p, int y, int max)
{
	struct oppane *op = p->priv;
	struct wl_collect c = {p->ui, op->name, y, p->x + 2, p->w - 4, 0, max, "deployment"};
	store_foreach(p->ui->data->store, KK_DEPLOYMENT, wl_cb, &c);
	c.kind = "statefulset";
	store_foreach(p->ui->data->store, KK_STATEFULSET, wl_cb, &c);
	return c.rows;
}

static void pods_note(struct oppane *op, const char *line)
{
	if (strncmp(line, "pod/", 4))
		return;
	size_t len = strcspn(line + 4, " :");
	char *pod = xstrndup(line + 4, len);
	for (size_t i = 0; i < op->npods; i++)
		if (!strcmp(op->pods[i], pod)) {
			free(pod);
			return;
		}
	op->pods = xrealloc(op->pods, (op->npods + 1) * sizeof *op->pods);
	memmove(op->pods + 1, op->pods, op->npods * sizeof *op->pods);
	op->pods[0] = pod;
	op->npods++;
}

/* The timeline: pod transitions and phases, newest at the bottom, failures in the error role. */
static void draw_timeline(struct pane *p, const struct op_status *s, int y, int h, int w)
{
	struct oppane *op = p->priv;
	draw_text(y, p->x + 2, w, "Timeline", term_attr(ROLE_TITLE), false);
	/* applied objects are counted in the phase lines; the timeline is phases, pods, warnings */
	size_t first = s->nlines, shown = 0;
	while (first > 0 && shown < (size_t)(h - 1))
		shown += s->lines[--first].kind != EE_OBJECT;
	for (size_t i = 0; i < s->nlines; i++)
		if (s->lines[i].kind == EE_POD)
			pods_note(op, s->lines[i].text);
	int row = 0;
	for (size_t i = first; i < s->nlines; i++) {
		if (s->lines[i].kind == EE_OBJECT)
			continue;
		char when[16], text[600];
		time_t t = (time_t)s->lines[i].at;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%H:%M:%S", &tm);
		snprintf(text, sizeof text, "%s %s", when, s->lines[i].text);
		enum tui_role role = failure_line(s->lines[i].text) ? ROLE_ERROR :
				     s->lines[i].kind == EE_PHASE ? ROLE_MESSAGE :
				     s->lines[i].kind == EE_WARNING ? ROLE_WARN : ROLE_NORMAL;
		draw_text(y + 1 + row++, p->x + 2, w, text, term_attr(role), true);
	}
}

struct ev_collect {
	const char *const *names;
	size_t nnames;
	int64_t since;
	const struct st_event *ev[8];
	size_t n;
};

static void ev_cb(const union st_record *r, void *ud)
{
	struct ev_collect *c = ud;
	int64_t t = r->ev.last ? r->ev.last : r->ev.event_time;
	if (t < c->since)
		return;
	bool mine = false;
	for (size_t i = 0; i < c->nnames && !mine; i++)
		mine = !strncmp(r->ev.obj_name, c->names[i], strlen(c->names[i]));
	if (!mine)
		return;
	if (c->n < ARRAY_LEN(c->ev)) {
		c->ev[c->n++] = &r->ev;
		return;
	}
	size_t oldest = 0;
	for (size_t i = 1; i < c->n; i++)
		if ((c->ev[i]->last ? c->ev[i]->last : c->ev[i]->event_time) <
		    (c->ev[oldest]->last ? c->ev[oldest]->last : c->ev[oldest]->event_time))
			oldest = i;
	c->ev[oldest] = &r->ev;
}

static void draw_events(struct pane *p, const char *const *names, size_t nnames, int64_t since, int y,
			int x, int h, int w)
{
	struct ev_collect c = {names, nnames, since, {0}, 0};
	store_foreach(p->ui->data->store, KK_EVENT, ev_cb, &c);
	draw_text(y, x, w, "Events", term_attr(ROLE_TITLE), false);
	for (size_t i = 0; i < c.n && (int)i < h - 1; i++) {
		char row[512];
		snprintf(row, sizeof row, "%s %s %s: %s", c.ev[i]->type, c.ev[i]->reason, c.ev[i]->obj_name,
			 c.ev[i]->message);
		draw_text(y + 1 + (int)i, x, w, row,
			  term_attr(strcmp(c.ev[i]->type, "Warning") ? ROLE_NORMAL : ROLE_WARN), true);
	}
	if (!c.n)
		draw_text(y + 1, x, w, "(none since the operation started)", term_attr(ROLE_DIM), false);
}

/* CPU / memory of the pods the timeline names (Prometheus through metrics_ui). */
static int draw_metrics(struct pane *p, int y, int w)
{
	struct oppane *op = p->priv;
	if (!metrics_ui_on() || !op->npods)
		return 0;
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "Metrics ");
	for (size_t i = 0; i < op->npods && i < 4; i++) {
		char cpu[64], mem[64];
		metrics_ui_pod_cell(op->pods[i], false, false, cpu, sizeof cpu);
		metrics_ui_pod_cell(op->pods[i], true, false, mem, sizeof mem);
		sb_addf(&sb, " %s cpu %s mem %s ·", op->pods[i], cpu, mem);
	}
	draw_text(y, p->x + 2, w, sb_str(&sb), term_attr(ROLE_DIM), true);
	sb_done(&sb);
	return 1;
}

/* Draws text wrapped at w columns from row y (at most max rows); returns the rows used. */
static int draw_wrapped(int y, int x, int w, const char *text, int attr, int max)
{
	int rows = 0;
	for (const char *l = text; l && *l && rows < max;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		for (size_t off = 0; (off < len || !len) && rows < max; off += (size_t)w) {
			size_t n = len - off < (size_t)w ? len - off : (size_t)w;
			char *t = xstrndup(l + off, n);
			draw_text(y + rows++, x, w, t, attr, true);
			free(t);
			if (!len)
				break;
		}
		l = nl ? nl + 1 : NULL;
	}
	return rows;
}

static int draw_verdict(struct pane *p, const struct op_status *s, int y, int w)
{
	if (s->state != OPS_DONE)
		return 0;
	char *line;
	if (s->rc == 0)
		line = xasprintf("Result: %s, revision %d", s->req.action == EA_UNINSTALL ? "uninstalled" :
				 s->req.apply ? "applied" : "deployed", s->revision);
	else
		line = xasprintf("Result: %s: %s", s->rolled_back ? "failed and rolled back" :
				 s->cancelled ? "cancelled" : "failed", s->error ? s->error : "");
	int attr = term_attr(s->rc == 0 ? ROLE_OK : s->cancelled ? ROLE_DIM : ROLE_ERROR);
	int rows = draw_wrapped(y, p->x + 2, w, line, attr, 4);
	free(line);
	if (s->summary)
		rows += draw_wrapped(y + rows, p->x + 4, w - 2, s->summary, term_attr(ROLE_ERROR), 8);
	if (s->rollback_error)
		rows += draw_wrapped(y + rows, p->x + 2, w, s->rollback_error, term_attr(ROLE_BANNER), 3);
	return rows;
}

static void draw_confirm(struct pane *p, const struct op_status *s, int y, int h)
{
	struct oppane *op = p->priv;
	if (op->diff_gen != s->gen) {
		tv_clear(&op->diff);
		for (const char *l = s->diff; l && *l;) {
			const char *nl = strchr(l, '\n');
			size_t len = nl ? (size_t)(nl - l) : strlen(l);
			enum tui_role role = !strncmp(l, "+++", 3) || !strncmp(l, "---", 3) ? ROLE_TITLE :
					     l[0] == '+' ? ROLE_OK : l[0] == '-' ? ROLE_ERROR : ROLE_NORMAL;
			tv_add(&op->diff, role, l, len);
			l = nl ? nl + 1 : NULL;
		}
		op->diff_gen = s->gen;
	}
	char line[256], ask[256];
	plan_line(&s->plan, line, sizeof line);
	draw_text(y, p->x + 2, p->w - 4, line, term_attr(ROLE_MESSAGE), true);
	if (typed(s))
		snprintf(ask, sizeof ask, "Type the %s to confirm: %s_   (Enter confirms, Esc cancels)",
			 s->req.release ? "release name" : "namespace", op->typed);
	else
		snprintf(ask, sizeof ask, "Apply this plan? y yes, n no (nothing is changed until y)");
	draw_text(y + 1, p->x + 2, p->w - 4, ask, term_attr(ROLE_KEY), true);
	tv_draw(&op->diff, y + 2, p->x + 1, h - 2, p->w - 2, "Diff", "j/k scroll");
	p->text_input = typed(s);
}

static void draw_head(struct pane *p, const struct op_status *s, int y)
{
	char head[512], el[32], to[32];
	fmt_dur((s->state == OPS_DONE ? s->ended : now_wall()) - s->started, el, sizeof el);
	fmt_dur((s->req.timeout_ms ? s->req.timeout_ms : 300000) / 1000, to, sizeof to);
	snprintf(head, sizeof head, "Phase: %s   Elapsed %s of timeout %s%s", s->phase ? s->phase : "",
		 el, to, s->aborting && s->state != OPS_DONE ? "   aborting: rolling back" : "");
	draw_text(y, p->x + 2, p->w - 4, head, term_attr(s->aborting ? ROLE_WARN : ROLE_MESSAGE), true);
	snprintf(head, sizeof head, "%s%s%s%s%s", s->req.chart ? "Chart " : "", s->req.chart ? s->req.chart : "",
		 s->req.values_text && *s->req.values_text ? "  " : "", s->req.values_text ? s->req.values_text : "",
		 s->req.atomic ? "  atomic" : "");
	draw_text(y + 1, p->x + 2, p->w - 4, head, term_attr(ROLE_DIM), true);
}

static void draw_own(struct pane *p, const struct op_status *s)
{
	char title[256];
	const char *verb = s->req.apply ? "Apply" : verbs[s->req.action];
	if (s->req.from_rev && s->req.to_rev)
		snprintf(title, sizeof title, "%s %s/%s %d%s%d", verb, s->req.ns, s->req.release ? s->req.release : "",
			 s->req.from_rev, term_utf8() ? "→" : "->", s->req.to_rev);
	else
		snprintf(title, sizeof title, "%s %s/%s", verb, s->req.ns, s->req.release ? s->req.release : s->req.chart);
	draw_box(p->y, p->x, p->h, p->w, title, s->state == OPS_DONE ? "Esc back  d dismiss" : "a abort  l logs  Esc back (it goes on)", true);
	int y = p->y + 1, bottom = p->y + p->h - 1;
	draw_head(p, s, y);
	y += 2;
	if (s->state == OPS_CONFIRM) {
		draw_confirm(p, s, y, bottom - y);
		return;
	}
	p->text_input = false;
	for (size_t i = 0; i < s->nwl && y < bottom - 4; i++)
		y += draw_workload(p->ui, y, p->x + 2, p->w - 4, s->req.ns, s->wl[i].key, s->wl[i].text);
	y += draw_verdict(p, s, y, p->w - 4);
	y += draw_metrics(p, y, p->w - 4);
	int h = bottom - y;
	if (h < 3)
		return;
	int tw = p->w > 110 ? (p->w - 4) * 3 / 5 : p->w - 4;
	draw_timeline(p, s, y, h, tw);
	if (p->w > 110) {
		const char **names = xcalloc(s->nwl + 1, sizeof *names);
		for (size_t i = 0; i < s->nwl; i++)
			names[i] = strchr(s->wl[i].key, '/') ? strchr(s->wl[i].key, '/') + 1 : s->wl[i].key;
		draw_events(p, names, s->nwl, s->started, y, p->x + 3 + tw, h, p->w - tw - 5);
		free(names);
	}
}

static void draw_follow(struct pane *p)
{
	struct oppane *op = p->priv;
	struct history h;
	relwatch_history(p->ui->data->rel, op->ns, op->name, &h);
	const struct release *r = history_last(&h);
	char title[256], line[512];
	snprintf(title, sizeof title, "Following %s/%s (read-only)", op->ns, op->name);
	draw_box(p->y, p->x, p->h, p->w, title, "Esc back", true);
	if (!r) {
		draw_text(p->y + 2, p->x + 2, p->w - 4, "no records", term_attr(ROLE_DIM), false);
		relwatch_history_done(&h);
		return;
	}
	const struct rw_lease *l = relwatch_lease(p->ui->data->rel, op->ns, op->name);
	char age[32];
	int64_t since = l && l->acquired ? l->acquired : r->info.last_deployed.sec;
	kstatus_human_duration(now_wall() - since > 0 ? now_wall() - since : 0, age, sizeof age);
	snprintf(line, sizeof line, "Revision %d %s · %s · %s%s for %s", r->version, release_status_str(r->info.status),
		 r->info.description ? r->info.description : "", l ? "held by " : "no lock seen",
		 l ? l->holder : "", age);
	draw_text(p->y + 1, p->x + 2, p->w - 4, line, term_attr(ROLE_MESSAGE), true);
	int rows = draw_followed(p, p->y + 3, p->h - 12);
	const char *names[1] = {op->name};
	draw_events(p, names, 1, since, p->y + 4 + rows, p->x + 2, p->h - 5 - rows, p->w - 4);
	relwatch_history_done(&h);
}

static void op_draw(struct pane *p)
{
	struct oppane *op = p->priv;
	const struct op_status *s = op_current();
	if (op->follow) {
		draw_follow(p);
		return;
	}
	if (!s) {
		draw_box(p->y, p->x, p->h, p->w, "Operation", "Esc back", true);
		draw_text(p->y + 2, p->x + 2, p->w - 4, "no operation ran in this console (u upgrades a release in :releases)",
			  term_attr(ROLE_DIM), false);
		return;
	}
	draw_own(p, s);
	if (op->ask_abort)
		draw_text(p->y + p->h - 2, p->x + 2, p->w - 4,
			  "Abort the operation? It stops and rolls back (atomic). y abort, n go on",
			  term_attr(ROLE_BANNER), true);
}

static bool confirm_key(struct pane *p, const struct op_status *s, enum tui_action a, int ch)
{
	struct oppane *op = p->priv;
	if (!typed(s)) {
		if (a == ACT_CONFIRM_YES || a == ACT_CONFIRM_NO) {
			op_answer(a == ACT_CONFIRM_YES);
			return true;
		}
		return tv_key(&op->diff, a);
	}
	if (ch == '\n') {
		bool ok = !strcmp(op->typed, typed_word(s));
		if (!ok)
			ui_message(p->ui, true, "the name typed is not %s: nothing is changed", typed_word(s));
		op_answer(ok);
	} else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && op->ntyped) {
		op->typed[--op->ntyped] = 0;
	} else if (ch >= 32 && ch < 127 && op->ntyped + 1 < sizeof op->typed) {
		op->typed[op->ntyped++] = (char)ch;
		op->typed[op->ntyped] = 0;
	} else {
		return tv_key(&op->diff, a);
	}
	return true;
}

static bool op_key(struct pane *p, enum tui_action a, int ch)
{
	struct oppane *op = p->priv;
	const struct op_status *s = op_current();
	if (op->follow || !s)
		return false;
	if (ch == 27 && s->state == OPS_CONFIRM) {
		op_answer(false);
		return false; /* and back */
	}
	if (s->state == OPS_CONFIRM)
		return confirm_key(p, s, a, ch);
	if (op->ask_abort) {
		op->ask_abort = false;
		if (ch == 'y')
			op_abort();
		return true;
	}
	if (a == ACT_OP_ABORT && op_busy()) {
		op->ask_abort = true;
		return true;
	}
	if (a == ACT_OP_DISMISS && s->state == OPS_DONE) {
		op_dismiss();
		return true;
	}
	if (a == ACT_DOWN || a == ACT_UP) {
		if (op->npods)
			op->cur = a == ACT_DOWN ? (op->cur + 1) % op->npods : (op->cur + op->npods - 1) % op->npods;
		if (op->npods)
			ui_message(p->ui, false, "selected pod %s (l shows its logs)", op->pods[op->cur]);
		return true;
	}
	if (a == ACT_OP_LOGS) {
		if (op->npods)
			ui_push(p->ui, logs_new(p->ui, s->req.ns, op->pods[op->cur < op->npods ? op->cur : 0]));
		else
			ui_message(p->ui, true, "no pod of the release changed yet");
		return true;
	}
	return false;
}

static void op_tick(struct pane *p)
{
	ui_dirty(p->ui); /* elapsed time */
}

static void op_free(struct pane *p)
{
	struct oppane *op = p->priv;
	const struct op_status *s = op_current();
	if (!op->follow && s && s->state == OPS_CONFIRM)
		op_answer(false); /* leaving the plan cancels it: nothing is changed */
	tv_done(&op->diff);
	for (size_t i = 0; i < op->npods; i++)
		free(op->pods[i]);
	free(op->pods), free(op->ns), free(op->name), free(op);
	free(p);
}

static const struct pane_ops op_ops = {
	.name = "op", .draw = op_draw, .key = op_key, .tick = op_tick, .free = op_free,
};

static struct pane *op_pane_make(struct ui *ui)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct oppane *op = xcalloc(1, sizeof *op);
	tv_init(&op->diff, 0);
	p->ops = &op_ops;
	p->ui = ui;
	p->priv = op;
	p->scope = KS_OP | KS_CONFIRM;
	snprintf(p->title, sizeof p->title, "Operation");
	return p;
}

struct pane *op_pane_new(struct ui *ui)
{
	return op_pane_make(ui);
}

struct pane *op_pane_follow(struct ui *ui, const char *ns, const char *name)
{
	struct pane *p = op_pane_make(ui);
	struct oppane *op = p->priv;
	op->follow = true;
	op->ns = xstrdup(ns);
	op->name = xstrdup(name);
	p->scope = 0;
	return p;
}

int op_command(struct ui *ui, const char *arg)
{
	while (ui_pop(ui))
		;
	ui_push(ui, op_pane_new(ui));
	return 0;
}
