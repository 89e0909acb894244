/* pane_snapshots — the Snapshots view (`:snapshots [RELEASE]`): the release's snapshots (from
 * their ConfigMaps), `t` takes one, Space marks two, `c` compares them in a side-by-side view
 * with regressions highlighted and digest drift marked. Cluster work (list, take) runs on
 * libuv's threadpool with a private client, so the console never waits for it. */
#include "tui/data.h"
#include "tui/metrics_ui.h"
#include "tui/textview.h"

#include "core/base/config.h"
#include "core/base/options.h"
#include "core/kube/podexec.h"
#include "core/snapshot/compare.h"
#include "core/snapshot/report.h"
#include "core/snapshot/snaprecord.h"
#include "core/snapshot/snapshot.h"
#include "core/snapshot/snapstore.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RELEASE "testops"

struct sview {
	char *release, *ns;
	struct value **recs;
	size_t n, cur, top;
	size_t mark[2];              /* marked rows + 1 (0: none) */
	struct sjob *job;            /* in flight */
	char *error;
};

/* A list (or a take and then a list) on the threadpool. The pane may be gone when it ends. */
struct sjob {
	uv_work_t work;
	struct pane *p;
	bool take;
	char *release, *ns;
	struct value **recs;
	size_t n;
	char *error, *taken;
};

static struct sview *S(struct pane *p)
{
	return p->priv;
}

static int take_in(struct kube_client *kc, struct sjob *j, struct tops_err *err)
{
	struct promclient *pc = NULL;
	struct http *http = NULL;
	struct tops_err perr = {0};
	const struct tops_config *cfg = metrics_ui_config();
	if (!cfg || promclient_from_config(kc->loop, cfg, kc, j->ns, &pc, &http, &perr) != 0)
		pc = NULL;
	struct snapshot_take_opts o = {.release = j->release, .namespace_ = j->ns, .label = "manual",
				       .prom = pc, .prom_error = tops_err_msg(&perr), .exec = podexec_run};
	struct value *rec = NULL;
	int rc = snapshot_take(kc, &o, &rec, err);
	if (!rc)
		rc = snapstore_put(kc, rec, "snapshot-take", err);
	if (!rc)
		j->taken = xstrdup(snaprecord_str(rec, "id", ""));
	value_unref(rec);
	promclient_free(pc);
	if (http)
		http_free(http);
	tops_err_clear(&perr);
	return rc;
}

static void job_work_cb(uv_work_t *w)
{
	struct sjob *j = w->data;
	struct kube_client *kc = NULL;
	struct tops_err err = {0};
	int rc = kube_client_new(NULL, &tops_opts, &kc, &err);
	if (!rc && j->take)
		rc = take_in(kc, j, &err);
	if (!rc)
		rc = snapstore_list(kc, j->ns, j->release, &j->recs, &j->n, NULL, &err);
	if (rc)
		j->error = xstrdup(tops_err_msg(&err));
	tops_err_clear(&err);
	if (kc)
		kube_client_free(kc);
}

static void job_free(struct sjob *j)
{
	snapstore_list_free(j->recs, j->n);
	free(j->release), free(j->ns), free(j->error), free(j->taken);
	free(j);
}

static void job_after_cb(uv_work_t *w, int status)
{
	struct sjob *j = w->data;
	struct pane *p = j->p;
	if (!p) {
		job_free(j);
		return;
	}
	struct sview *v = S(p);
	v->job = NULL;
	free(v->error);
	v->error = j->error ? xstrdup(j->error) : NULL;
	if (!j->error) {
		snapstore_list_free(v->recs, v->n);
		v->recs = j->recs, v->n = j->n;
		j->recs = NULL, j->n = 0;
		v->mark[0] = v->mark[1] = 0;
		if (v->cur >= v->n)
			v->cur = v->n ? v->n - 1 : 0;
	}
	if (j->taken)
		ui_message(p->ui, false, "snapshot %s taken", j->taken);
	else if (j->error)
		ui_message(p->ui, true, "%s", j->error);
	job_free(j);
	ui_dirty(p->ui);
}

static void job_start(struct pane *p, bool take)
{
	struct sview *v = S(p);
	if (v->job)
		return;
	struct sjob *j = xcalloc(1, sizeof *j);
	j->p = p, j->take = take;
	j->release = xstrdup(v->release), j->ns = xstrdup(v->ns);
	j->work.data = j;
	v->job = j;
	if (uv_queue_work(p->ui->loop, &j->work, job_work_cb, job_after_cb) != 0) {
		v->job = NULL;
		job_free(j);
		ui_message(p->ui, true, "cannot start the snapshot work");
	}
	ui_dirty(p->ui);
}

/* ---- the compare view: both snapshots side by side, then the report ---- */
struct cview {
	struct textview tv;
	char title[160];
};

static void short_digest(char *buf, size_t n, const char *d)
{
	snprintf(buf, n, "%.19s", d ? d : "-");   /* "sha256:" and 12 hex digits */
}

/* One snapshot's side: lines of text and whether each is drift (same count for both sides). */
static size_t side_lines(const struct value *r, char lines[][128], bool *drift, size_t max)
{
	size_t n = 0;
	snprintf(lines[n++], 128, "%s", snaprecord_str(r, "id", ""));
	snprintf(lines[n++], 128, "label %s, revision %lld", snaprecord_str(r, "label", ""),
		 (long long)snaprecord_int(r, "release.revision", 0));
	snprintf(lines[n++], 128, "chart %s", snaprecord_str(r, "release.chart", "?"));
	snprintf(lines[n++], 128, "pods %lld/%lld ready, %lld restarts", (long long)snaprecord_int(r, "pods.ready", 0),
		 (long long)snaprecord_int(r, "pods.total", 0), (long long)snaprecord_int(r, "pods.restarts", 0));
	snprintf(lines[n++], 128, "golden %s", snaprecord_str(r, "golden.status", "?"));
	const struct value *wl = value_map_get(r, "workloads");
	for (size_t i = 0; wl && wl->type == V_LIST && i < wl->u.list.len && n + 2 < max; i++) {
		const struct value *w = wl->u.list.items[i];
		snprintf(lines[n++], 128, "%s %lld/%lld", snaprecord_str(w, "ref", ""), (long long)snaprecord_int(w, "ready", 0),
			 (long long)snaprecord_int(w, "desired", 0));
		const struct value *im = value_list_get(value_map_get(w, "images"), 0);
		char pin[24], run[24];
		const struct value *rv = value_list_get(value_map_get(im, "running"), 0);
		const struct value *d = value_map_get(im, "drift");
		bool dr = d && d->type == V_BOOL && d->u.b;
		short_digest(pin, sizeof pin, snaprecord_str(im, "pinned", NULL));
		short_digest(run, sizeof run, rv && rv->type == V_STRING ? rv->u.str.s : NULL);
		drift[n] = dr;
		snprintf(lines[n++], 128, "  %s %s (pinned %s)%s", dr ? "≠" : "=", run, pin, dr ? " DRIFT" : "");
	}
	return n;
}

static void fill_sides(struct textview *tv, const struct value *a, const struct value *b, int half)
{
	char la[48][128], lb[48][128];
	bool da[48] = {0}, db[48] = {0};
	size_t na = side_lines(a, la, da, 48), nb = side_lines(b, lb, db, 48);
	tv_addf(tv, ROLE_TITLE_FOCUS, "%-*s │ %s", half, "before", "after");
	for (size_t i = 0; i < na || i < nb; i++) {
		const char *x = i < na ? la[i] : "", *y = i < nb ? lb[i] : "";
		int pad = half - text_width(x);
		enum tui_role role = (i < na && da[i]) || (i < nb && db[i]) ? ROLE_WARN : ROLE_NORMAL;
		tv_addf(tv, role, "%s%*s │ %s", x, pad > 0 ? pad : 0, "", y);
	}
}

static void fill_section(struct textview *tv, const struct value *rep, const char *key, const char *title)
{
	const struct value *l = value_map_get(rep, key);
	tv_add(tv, ROLE_NORMAL, "", 0);
	tv_addf(tv, ROLE_TITLE_FOCUS, "%s", title);
	if (!l || !l->u.list.len)
		tv_add(tv, ROLE_DIM, "  none", 6);
	for (size_t i = 0; l && i < l->u.list.len; i++) {
		const struct value *e = l->u.list.items[i], *r = value_map_get(e, "regression");
		bool reg = r && r->type == V_BOOL && r->u.b, drift = !strcmp(key, "drift");
		struct strbuf sb = STRBUF_INIT;
		sb_adds(&sb, reg ? "  REGRESSION " : drift ? "  ≠ " : "  ");
		snapreport_line(e, &sb);
		tv_add(tv, reg ? ROLE_ERROR : drift ? ROLE_WARN : ROLE_NORMAL, sb_str(&sb), sb.len);
		sb_done(&sb);
	}
}

static void fill_compare(struct textview *tv, const struct value *a, const struct value *b, int half)
{
	struct value *rep = snapcompare_run(a, b, NULL);
	fill_sides(tv, a, b, half);
	fill_section(tv, rep, "changes", "Changes");
	fill_section(tv, rep, "health", "Health");
	fill_section(tv, rep, "drift", "Digest drift");
	fill_section(tv, rep, "pvcs", "PVCs");
	fill_section(tv, rep, "metrics", "Metrics (max regression 10%)");
	const struct value *g = value_map_get(rep, "golden");
	static const char *const kinds[] = {"added", "removed", "changed"};
	tv_add(tv, ROLE_NORMAL, "", 0);
	tv_addf(tv, ROLE_TITLE_FOCUS, "Golden files%s", value_map_path(rep, "golden.compared")->u.b ? "" : " (not compared)");
	for (size_t k = 0; k < 3; k++) {
		const struct value *l = value_map_get(g, kinds[k]);
		for (size_t i = 0; l && i < l->u.list.len; i++)
			tv_addf(tv, ROLE_NORMAL, "  %s %s", kinds[k], l->u.list.items[i]->u.str.s);
	}
	int64_t n = snapcompare_regressions(rep);
	tv_add(tv, ROLE_NORMAL, "", 0);
	tv_addf(tv, n ? ROLE_ERROR : ROLE_OK, "%lld regression%s", (long long)n, n == 1 ? "" : "s");
	value_unref(rep);
}

static void cview_draw(struct pane *p)
{
	struct cview *c = p->priv;
	tv_draw(&c->tv, p->y, p->x, p->h, p->w, c->title, NULL);
}

static bool cview_key(struct pane *p, enum tui_action a, int ch)
{
	struct cview *c = p->priv;
	bool done = tv_key(&c->tv, a);
	if (done)
		ui_dirty(p->ui);
	return done;
}

static void cview_free(struct pane *p)
{
	struct cview *c = p->priv;
	tv_done(&c->tv);
	free(c);
	free(p);
}

static const struct pane_ops compare_ops = {
	.name = "snapshot-compare", .draw = cview_draw, .key = cview_key, .free = cview_free,
};

static struct pane *compare_new(struct ui *ui, const struct value *a, const struct value *b)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct cview *c = xcalloc(1, sizeof *c);
	p->ops = &compare_ops, p->ui = ui, p->priv = c, p->scope = KS_TEXT;
	snprintf(p->title, sizeof p->title, "Compare");
	snprintf(c->title, sizeof c->title, "Compare %s → %s", snaprecord_str(a, "label", ""), snaprecord_str(b, "label", ""));
	tv_init(&c->tv, 0);
	int half = COLS > 20 ? (COLS - 6) / 2 : 40;
	fill_compare(&c->tv, a, b, half);
	return p;
}

/* ---- the list ---- */
static bool marked(const struct sview *v, size_t i)
{
	return v->mark[0] == i + 1 || v->mark[1] == i + 1;
}

static void draw_row(const struct sview *v, size_t i, int y, int x, int w)
{
	const struct value *r = v->recs[i];
	char line[512];
	snprintf(line, sizeof line, "%s %-40s %-8s %3lld  %-24s %3lld/%-3lld %s", marked(v, i) ? "*" : " ",
		 snaprecord_str(r, "id", ""), snaprecord_str(r, "label", ""),
		 (long long)snaprecord_int(r, "release.revision", 0), snaprecord_str(r, "takenAt", ""),
		 (long long)snaprecord_int(r, "pods.ready", 0), (long long)snaprecord_int(r, "pods.total", 0),
		 snaprecord_str(r, "golden.status", ""));
	draw_text(y, x, w, line, term_attr(i == v->cur ? ROLE_SELECTED : marked(v, i) ? ROLE_WARN : ROLE_NORMAL), true);
}

static void snaps_draw(struct pane *p)
{
	struct sview *v = S(p);
	char info[96];
	snprintf(info, sizeof info, "%zu in %s%s", v->n, v->ns, v->job ? " · working…" : "");
	char title[96];
	snprintf(title, sizeof title, "Snapshots of %s", v->release);
	draw_box(p->y, p->x, p->h, p->w, title, info, true);
	int y = p->y + 1, x = p->x + 1, w = p->w - 2, rows = p->h - 3;
	char hdr[256];
	snprintf(hdr, sizeof hdr, "  %-40s %-8s %3s  %-24s %-7s %s", "ID", "LABEL", "REV", "TAKEN", "PODS", "GOLDEN");
	draw_text(y++, x, w, hdr, term_attr(ROLE_COLHDR), true);
	if (v->cur < v->top)
		v->top = v->cur;
	if (rows > 0 && v->cur >= v->top + (size_t)rows)
		v->top = v->cur - (size_t)rows + 1;
	for (int k = 0; k < rows; k++) {
		size_t i = v->top + (size_t)k;
		if (i < v->n)
			draw_row(v, i, y + k, x, w);
		else if (i == v->n && k == 0)
			draw_text(y + k, x, w, v->error ? v->error : v->job ? "reading snapshots…" :
				  "no snapshots: t takes one", term_attr(v->error ? ROLE_ERROR : ROLE_DIM), true);
		else
			draw_text(y + k, x, w, "", term_attr(ROLE_NORMAL), true);
	}
}

static void toggle_mark(struct sview *v)
{
	if (!v->n)
		return;
	size_t m = v->cur + 1;
	if (v->mark[0] == m || v->mark[1] == m) {
		v->mark[v->mark[0] == m ? 0 : 1] = 0;
		return;
	}
	if (v->mark[0] && v->mark[1])
		v->mark[0] = v->mark[1], v->mark[1] = 0;
	v->mark[v->mark[0] ? 1 : 0] = m;
}

/* Two marked: the older against the newer. One or none: the marked (or selected) one against
 * the newest. */
static void compare_marked(struct pane *p)
{
	struct sview *v = S(p);
	size_t a = v->mark[0] ? v->mark[0] - 1 : v->cur, b = v->mark[1] ? v->mark[1] - 1 : v->n - 1;
	if (v->n < 2 || a == b) {
		ui_message(p->ui, true, "mark two snapshots with Space, then c");
		return;
	}
	if (a > b) {
		size_t t = a;
		a = b, b = t;
	}
	ui_push(p->ui, compare_new(p->ui, v->recs[a], v->recs[b]));
}

static bool snaps_key(struct pane *p, enum tui_action a, int ch)
{
	struct sview *v = S(p);
	if (a == ACT_DOWN && v->cur + 1 < v->n)
		v->cur++;
	else if (a == ACT_UP && v->cur > 0)
		v->cur--;
	else if (a == ACT_TOP)
		v->cur = 0;
	else if (a == ACT_BOTTOM)
		v->cur = v->n ? v->n - 1 : 0;
	else if (a == ACT_SNAP_MARK)
		toggle_mark(v);
	else if (a == ACT_SNAP_COMPARE)
		compare_marked(p);
	else if (a == ACT_SNAP_RELOAD)
		job_start(p, false);
	else if (a == ACT_SNAP_TAKE && tops_opts.readonly)
		ui_message(p->ui, true, "read-only mode: snapshot take refused");
	else if (a == ACT_SNAP_TAKE)
		job_start(p, true);
	else
		return false;
	ui_dirty(p->ui);
	return true;
}

static void snaps_free(struct pane *p)
{
	struct sview *v = S(p);
	if (v->job)
		v->job->p = NULL;     /* its callback frees it */
	snapstore_list_free(v->recs, v->n);
	free(v->release), free(v->ns), free(v->error);
	free(v);
	free(p);
}

static const struct pane_ops snaps_ops = {
	.name = "snapshots", .draw = snaps_draw, .key = snaps_key, .free = snaps_free,
};

struct pane *snapshots_pane_new(struct ui *ui, const char *release)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct sview *v = xcalloc(1, sizeof *v);
	const struct tops_config *cfg = metrics_ui_config();
	const char *rel = release && *release ? release : cfg ? config_str(cfg, "render.release") : NULL;
	v->release = xstrdup(rel ? rel : DEFAULT_RELEASE);
	v->ns = xstrdup(ui->data && ui->data->ns ? ui->data->ns : "default");
	p->ops = &snaps_ops, p->ui = ui, p->priv = v, p->scope = KS_SNAPS;
	snprintf(p->title, sizeof p->title, "Snapshots");
	job_start(p, false);
	return p;
}

/* `:snapshots [RELEASE]`. */
int snapshots_command(struct ui *ui, const char *arg)
{
	if (strchr(arg, ' ')) {
		ui_message(ui, true, "usage: :snapshots [RELEASE]");
		return -TOPS_EINVAL;
	}
	while (ui_pop(ui))
		;
	ui_push(ui, snapshots_pane_new(ui, arg));
	return 0;
}
