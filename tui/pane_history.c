/* pane_history — a release's revisions with helm's history columns; from a revision its values
 * (secret-looking values masked), manifest (Secret data masked), notes, and its diff against the
 * live objects (computed on libuv's thread pool with a client of its own), and rollback. */
#include "tui/releases.h"

#include "core/base/options.h"
#include "core/base/yaml_emit.h"
#include "core/release/apply.h"
#include "core/release/plan.h"
#include "tui/data.h"
#include "tui/grid.h"
#include "tui/op.h"
#include "tui/relwatch.h"
#include "tui/textview.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct histpane {
	struct grid g;
	char *ns, *name;
	uint64_t seen;
	const struct relwatch *rw;
};

static const char *const hist_cols[] = {"REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION",
					"DESCRIPTION"};

static enum tui_role rev_role(enum release_status st)
{
	if (st == RS_FAILED)
		return ROLE_ERROR;
	if (st == RS_PENDING_INSTALL || st == RS_PENDING_UPGRADE || st == RS_PENDING_ROLLBACK)
		return ROLE_WARN;
	return st == RS_DEPLOYED ? ROLE_OK : ROLE_NORMAL;
}

static void hist_rebuild(struct pane *p)
{
	struct histpane *hp = p->priv;
	struct relwatch *rw = p->ui->data->rel;
	if (rw == hp->rw && relwatch_version(rw) == hp->seen)
		return;
	hp->rw = rw;
	hp->seen = relwatch_version(rw);
	struct history h;
	relwatch_history(rw, hp->ns, hp->name, &h);
	grid_clear(&hp->g);
	for (size_t i = h.n; i-- > 0;) { /* newest first */
		const struct release *r = h.r[i];
		char key[32], chart[128], when[64];
		snprintf(key, sizeof key, "%d", r->version);
		struct grid_row *row = grid_add(&hp->g, key, rev_role(r->info.status));
		relwatch_chart_cell(r, chart, sizeof chart);
		relwatch_time_cell(r, when, sizeof when);
		grid_set(row, 0, "%d", r->version);
		grid_set(row, 1, "%s", when);
		grid_set(row, 2, "%s", release_status_str(r->info.status));
		grid_set(row, 3, "%s", chart);
		grid_set(row, 4, "%s", relwatch_app_version(r));
		grid_set(row, 5, "%s", r->info.description ? r->info.description : "");
	}
	relwatch_history_done(&h);
	grid_done_rows(&hp->g);
}

static void hist_draw(struct pane *p)
{
	struct histpane *hp = p->priv;
	hist_rebuild(p);
	char title[300];
	snprintf(title, sizeof title, "History %s/%s", hp->ns, hp->name);
	grid_draw(&hp->g, p->y, p->x, p->h, p->w, title, "Enter/v values  M manifest  N notes  D diff  r rollback",
		  "no records (the release is gone)");
}

/* The record of the cursor row: borrowed until the next change. */
static const struct release *cur_rev(struct pane *p)
{
	struct histpane *hp = p->priv;
	const struct grid_row *row = grid_current(&hp->g);
	if (!row)
		return NULL;
	struct history h;
	relwatch_history(p->ui->data->rel, hp->ns, hp->name, &h);
	const struct release *r = history_get(&h, atoi(row->key));
	relwatch_history_done(&h);
	return r;
}

/* ---- masking ---- */

static bool secret_key(const char *k)
{
	static const char *const words[] = {"password", "passwd", "secret", "token", "apikey", "api_key",
					    "privatekey", "private_key", "credential"};
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (strcasestr(k, words[i]))
			return true;
	return false;
}

static void mask_values(struct value *v)
{
	if (!v || v->type != V_MAP)
		return;
	for (size_t i = 0; i < v->u.map.len; i++) {
		struct vmap_entry *e = &v->u.map.e[i];
		if (e->val && e->val->type != V_MAP && e->val->type != V_LIST && secret_key(e->key)) {
			value_unref(e->val);
			e->val = value_str("*****");
		} else {
			mask_values(e->val);
		}
	}
}

/* In a document of kind Secret, the values under data: and stringData: become *****. */
static char *mask_manifest(const char *m)
{
	struct strbuf sb = STRBUF_INIT;
	bool secret = false, in_data = false;
	for (const char *line = m; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len >= 3 && !strncmp(line, "---", 3))
			secret = in_data = false;
		else if (len >= 12 && !strncmp(line, "kind: Secret", 12))
			secret = true;
		if (line[0] != ' ')
			in_data = secret && (!strncmp(line, "data:", 5) || !strncmp(line, "stringData:", 11));
		const char *colon = in_data && line[0] == ' ' ? memchr(line, ':', len) : NULL;
		if (colon)
			sb_addf(&sb, "%.*s: *****\n", (int)(colon - line), line);
		else
			sb_addf(&sb, "%.*s\n", (int)len, line);
		line = nl ? nl + 1 : NULL;
	}
	return sb_detach(&sb, NULL);
}

static void show_values(struct pane *p, const struct release *r)
{
	struct value *v = r->config ? value_copy(r->config) : value_map();
	mask_values(v);
	char *y = v->type == V_MAP && v->u.map.len ? yaml_emit(v, NULL) : xstrdup("# no user-supplied values\n");
	char title[200];
	snprintf(title, sizeof title, "Values %s revision %d (user-supplied)", r->name, r->version);
	ui_push(p->ui, text_pane_new(p->ui, title, y, false));
	free(y);
	value_unref(v);
}

static void show_text(struct pane *p, const struct release *r, bool manifest)
{
	char title[200];
	snprintf(title, sizeof title, "%s %s revision %d", manifest ? "Manifest" : "Notes", r->name, r->version);
	char *t = manifest ? mask_manifest(r->manifest ? r->manifest : "") :
		  xstrdup(r->info.notes && *r->info.notes ? r->info.notes : "(no notes)");
	ui_push(p->ui, text_pane_new(p->ui, title, t, false));
	free(t);
}

static bool hist_key(struct pane *p, enum tui_action a, int ch)
{
	struct histpane *hp = p->priv;
	if (grid_key(&hp->g, a))
		return true;
	const struct release *r = cur_rev(p);
	switch (a) {
	case ACT_REV_VALUES: case ACT_DESCRIBE: if (r) show_values(p, r); return true;
	case ACT_REV_MANIFEST: if (r) show_text(p, r, true); return true;
	case ACT_REV_NOTES: if (r) show_text(p, r, false); return true;
	case ACT_REV_DIFF: if (r) ui_push(p->ui, revdiff_pane_new(p->ui, r)); return true;
	case ACT_REV_ROLLBACK:
		if (r)
			releases_rollback(p->ui, hp->ns, hp->name, r->version);
		return true;
	case ACT_REL_UPGRADE:
		if (!op_readonly_refuses(p->ui, "upgrade"))
			ui_push(p->ui, upgrade_pane_new(p->ui, hp->ns, hp->name, ""));
		return true;
	default: return false;
	}
}

static void hist_find(struct pane *p, const char *text)
{
	grid_filter(&((struct histpane *)p->priv)->g, text);
}

static void hist_free(struct pane *p)
{
	struct histpane *hp = p->priv;
	grid_done(&hp->g);
	free(hp->ns), free(hp->name), free(hp);
	free(p);
}

static const struct pane_ops hist_ops = {
	.name = "history", .draw = hist_draw, .key = hist_key, .find = hist_find, .free = hist_free,
};

struct pane *history_pane_new(struct ui *ui, const char *ns, const char *name)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct histpane *hp = xcalloc(1, sizeof *hp);
	grid_init(&hp->g, hist_cols, (int)ARRAY_LEN(hist_cols));
	hp->ns = xstrdup(ns);
	hp->name = xstrdup(name);
	p->ops = &hist_ops;
	p->ui = ui;
	p->priv = hp;
	p->scope = KS_HISTORY;
	snprintf(p->title, sizeof p->title, "History");
	return p;
}

/* ---- text views ---- */

struct textpane {
	struct textview tv;
	char *title, *info;
};

static void tv_fill(struct textview *tv, const char *text, bool diff)
{
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		enum tui_role role = ROLE_NORMAL;
		if (diff && len && (line[0] == '+' || line[0] == '-'))
			role = !strncmp(line, "+++", 3) || !strncmp(line, "---", 3) ? ROLE_TITLE :
			       line[0] == '+' ? ROLE_OK : ROLE_ERROR;
		else if (diff && !strncmp(line, "Plan:", 5))
			role = ROLE_MESSAGE;
		tv_add(tv, role, line, len);
		line = nl ? nl + 1 : NULL;
	}
}

static void textp_draw(struct pane *p)
{
	struct textpane *t = p->priv;
	tv_draw(&t->tv, p->y, p->x, p->h, p->w, t->title, t->info ? t->info : "Esc or q closes");
}

static bool textp_key(struct pane *p, enum tui_action a, int ch)
{
	return tv_key(&((struct textpane *)p->priv)->tv, a);
}

static void textp_find(struct pane *p, const char *text)
{
	tv_search(&((struct textpane *)p->priv)->tv, text);
}

static void textp_free(struct pane *p)
{
	struct textpane *t = p->priv;
	tv_done(&t->tv);
	free(t->title), free(t->info), free(t);
	free(p);
}

static const struct pane_ops textp_ops = {
	.name = "text", .draw = textp_draw, .key = textp_key, .find = textp_find, .free = textp_free,
};

struct pane *text_pane_new(struct ui *ui, const char *title, const char *text, bool diff)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct textpane *t = xcalloc(1, sizeof *t);
	tv_init(&t->tv, 0);
	t->title = xstrdup(title);
	tv_fill(&t->tv, text, diff);
	p->ops = &textp_ops;
	p->ui = ui;
	p->priv = t;
	p->scope = KS_TEXT;
	snprintf(p->title, sizeof p->title, "%s", title);
	return p;
}

/* ---- a revision's diff against the live objects, off the loop thread ---- */

struct revdiff_job {
	uv_work_t w;
	struct pane *p;              /* NULL once the view closed */
	char *ns, *name, *manifest;
	char *text;                  /* out */
};

static void revdiff_work(uv_work_t *w)
{
	struct revdiff_job *j = w->data;
	struct tops_err err = {0};
	struct kube_client *kc = NULL;
	size_t n = 0;
	struct value **objs = NULL;
	if (kube_client_new(NULL, &tops_opts, &kc, &err) == 0 &&
	    (objs = plan_parse_manifest(j->manifest, &n, &err))) {
		for (size_t i = 0; i < n; i++)
			apply_set_owner(objs[i], j->name, j->ns);
		struct plan pl;
		struct strbuf sb = STRBUF_INIT;
		plan_compute(kc, objs, n, NULL, 0, j->ns, &pl, &sb);
		char line[128];
		plan_line(&pl, line, sizeof line);
		j->text = xasprintf("%s (applying this revision: %d unchanged)\n%s%s", line, pl.unchanged,
				    sb.len ? "" : "the live objects match this revision\n", sb_str(&sb));
		sb_done(&sb);
	} else {
		j->text = xasprintf("diff failed: %s\n", tops_err_msg(&err));
	}
	plan_objects_free(objs, n);
	kube_client_free(kc);
	tops_err_clear(&err);
}

struct revdiff_pane {
	struct textpane t;           /* first: the text view's functions work on it */
	struct revdiff_job *job;
};

static void revdiff_free(struct pane *p)
{
	struct revdiff_pane *rp = p->priv;
	if (rp->job)
		rp->job->p = NULL;
	textp_free(p);
}

static void revdiff_after(uv_work_t *w, int status)
{
	struct revdiff_job *j = w->data;
	if (j->p) {
		struct revdiff_pane *rp = j->p->priv;
		rp->job = NULL;
		tv_clear(&rp->t.tv);
		tv_fill(&rp->t.tv, j->text ? j->text : "cancelled", true);
		free(rp->t.info);
		rp->t.info = NULL;
		ui_dirty(j->p->ui);
	}
	free(j->ns), free(j->name), free(j->manifest), free(j->text), free(j);
}

static const struct pane_ops revdiff_ops = {
	.name = "revdiff", .draw = textp_draw, .key = textp_key, .find = textp_find, .free = revdiff_free,
};

struct pane *revdiff_pane_new(struct ui *ui, const struct release *r)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct revdiff_pane *rp = xcalloc(1, sizeof *rp);
	tv_init(&rp->t.tv, 0);
	rp->t.title = xasprintf("Diff %s revision %d against the live objects", r->name, r->version);
	rp->t.info = xstrdup("comparing...");
	p->ops = &revdiff_ops;
	p->ui = ui;
	p->priv = rp;
	p->scope = KS_TEXT;
	struct revdiff_job *j = xcalloc(1, sizeof *j);
	j->p = p;
	j->ns = xstrdup(r->namespace_);
	j->name = xstrdup(r->name);
	j->manifest = xstrdup(r->manifest ? r->manifest : "");
	j->w.data = j;
	rp->job = j;
	if (uv_queue_work(ui->loop, &j->w, revdiff_work, revdiff_after) < 0) {
		rp->job = NULL;
		free(j->ns), free(j->name), free(j->manifest), free(j);
		free(rp->t.info);
		rp->t.info = xstrdup("could not start the comparison");
	}
	return p;
}
