/* pane_render — the Render view: renders a chart with its values files on libuv's threadpool,
 * lists the manifests by kind and name with their validation and diff status, and shows the
 * selected manifest with YAML colouring and its schema and lint findings inline, or its diff
 * against the live object. The dashboard keeps updating while a render runs. */
#include "tui/metrics_ui.h"
#include "tui/data.h"

#include "core/base/config.h"
#include "core/base/options.h"
#include "core/chart/renderjob.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHART "charts/testops"
#define DEFAULT_VALUES "deploy/offline-values.yaml"

struct rview {
	char *chart, *release;
	char **values;
	size_t nvalues;
	char **locations;           /* NULL-terminated schema locations (NULL: default) */
	char *kube_version;
	struct renderjob *job;      /* render in flight */
	struct renderjob_result *res;
	struct renderdiff *diff;
	size_t cur, top;            /* list cursor and first row */
	size_t text_top;            /* first line of the right side */
	int list_page, text_page;
	bool focus_text, show_diff;
};

static struct rview *R(struct pane *p)
{
	return p->priv;
}

/* ---- rendering ---- */
static void diff_update_cb(void *ud, bool done)
{
	(void)done;
	struct pane *p = ud;
	ui_dirty(p->ui);
}

static void render_done_cb(struct renderjob_result *res, void *ud)
{
	struct pane *p = ud;
	struct rview *v = R(p);
	v->job = NULL;
	renderjob_result_free(v->res);
	v->res = res;
	if (v->cur >= res->n)
		v->cur = res->n ? res->n - 1 : 0;
	if (res->rc == 0 && p->ui->data && p->ui->data->client)
		v->diff = renderdiff_start(p->ui->data->client, res, res->namespace_, diff_update_cb, p);
	ui_dirty(p->ui);
}

static void render_start(struct pane *p)
{
	struct rview *v = R(p);
	renderjob_cancel(v->job);
	renderdiff_cancel(v->diff);
	v->diff = NULL;
	const char *ns = p->ui->data && p->ui->data->ns ? p->ui->data->ns : "default";
	struct renderjob_opts o = {
		.chart = v->chart, .values_files = (const char *const *)v->values,
		.nvalues = v->nvalues, .release_name = v->release, .namespace_ = ns,
		.schema_locations = (const char *const *)v->locations,
		.kubernetes_version = v->kube_version,
		/* connected: the cluster's own schemas first, fetched on the worker thread */
		.cluster = p->ui->data && p->ui->data->client ? &tops_opts : NULL,
	};
	struct tops_err err = {0};
	v->job = renderjob_start(p->ui->loop, &o, render_done_cb, p, &err);
	if (!v->job)
		ui_message(p->ui, true, "%s", tops_err_msg(&err));
	tops_err_clear(&err);
	ui_dirty(p->ui);
}

/* ---- drawing: the list ---- */
static enum tui_role status_role(enum validate_status s)
{
	static const enum tui_role roles[] = {
		[VAL_EMPTY] = ROLE_DIM, [VAL_VALID] = ROLE_OK, [VAL_INVALID] = ROLE_ERROR,
		[VAL_ERROR] = ROLE_ERROR, [VAL_SKIPPED] = ROLE_DIM,
	};
	return (size_t)s < ARRAY_LEN(roles) ? roles[s] : ROLE_NORMAL;
}

static const char *diff_word(const struct renderjob_obj *o, enum tui_role *role)
{
	*role = ROLE_DIM;
	switch (o->diff_state) {
	case RDIFF_PENDING: return "...";
	case RDIFF_ERROR: *role = ROLE_ERROR; return "diff error";
	case RDIFF_DONE: break;
	default: return "";
	}
	if (o->diff.status == DIFF_CREATED) {
		*role = ROLE_PROGRESS;
		return "created";
	}
	if (o->diff.status == DIFF_CHANGED) {
		*role = ROLE_WARN;
		return "changed";
	}
	return "unchanged";
}

static void draw_list_row(const struct renderjob_obj *o, bool sel, int y, int x, int w)
{
	char name[300];
	snprintf(name, sizeof name, "%s/%s", o->kind, o->name);
	int base = sel ? term_attr(ROLE_SELECTED) : term_attr(ROLE_NORMAL);
	enum tui_role drole;
	const char *dw = diff_word(o, &drole);
	const char *sw = renderjob_status_word(o->val.status);
	int right = 10 + 10, nw = w - right - 1;
	draw_text(y, x, w, "", base, true);
	if (text_width(name) > nw && nw > 1) {
		int used = draw_text(y, x, nw - 1, name, base, false);
		draw_text(y, x + used, 1, term_glyph(G_ELLIPSIS), base, false);
	} else {
		draw_text(y, x, nw, name, base, false);
	}
	if (w <= right)
		return;
	draw_text(y, x + w - right, 10, sw, sel ? base : term_attr(status_role(o->val.status)), false);
	draw_text(y, x + w - 10, 10, dw, sel ? base : term_attr(drole), false);
}

static void draw_list(struct pane *p, int y, int x, int w, int h)
{
	struct rview *v = R(p);
	v->list_page = h;
	if (v->cur < v->top)
		v->top = v->cur;
	if (v->cur >= v->top + (size_t)h)
		v->top = v->cur - (size_t)h + 1;
	for (int i = 0; i < h && v->top + (size_t)i < v->res->n; i++)
		draw_list_row(&v->res->objs[v->top + (size_t)i], v->top + (size_t)i == v->cur, y + i, x, w);
}

/* ---- drawing: the right side (a list of lines built per frame) ---- */
enum rl_kind { RL_TEXT, RL_YAML, RL_DIFF };

struct rline {
	enum rl_kind kind;
	enum tui_role role;
	char *text;
	int lineno;     /* manifest line (RL_YAML) */
	bool mark;      /* a finding points at this line */
};

struct rlines {
	struct rline *l;
	size_t n, cap;
};

static void rl_add(struct rlines *rl, enum rl_kind k, enum tui_role role, const char *s, size_t len,
		   int lineno)
{
	if (rl->n == rl->cap) {
		rl->cap = rl->cap ? rl->cap * 2 : 64;
		rl->l = xrealloc(rl->l, rl->cap * sizeof *rl->l);
	}
	rl->l[rl->n++] = (struct rline){k, role, xstrndup(s, len), lineno, false};
}

static void rl_addf(struct rlines *rl, enum tui_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void rl_addf(struct rlines *rl, enum tui_role role, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	rl_add(rl, RL_TEXT, role, s, strlen(s), 0);
	free(s);
}

static void rl_free(struct rlines *rl)
{
	for (size_t i = 0; i < rl->n; i++)
		free(rl->l[i].text);
	free(rl->l);
}

static void rl_text_lines(struct rlines *rl, enum rl_kind k, enum tui_role role, const char *text)
{
	int no = 1;
	for (const char *s = text; *s; no++) {
		size_t n = strcspn(s, "\n");
		rl_add(rl, k, role, s, n, no);
		s += n + (s[n] == '\n');
	}
}

static void findings(struct rlines *rl, const struct renderjob_obj *o, const struct renderjob_result *r)
{
	const struct validate_result *val = &o->val;
	enum tui_role role = status_role(val->status);
	char from[96] = "";
	if (o->from_cluster && r->cluster_version)
		snprintf(from, sizeof from, " (the cluster's %s schema)", r->cluster_version);
	if (val->status == VAL_SKIPPED)
		rl_addf(rl, role, "schema: no schema found for %s %s (skipped)%s", o->api_version, o->kind,
			r->cluster_err ? " - the cluster's schemas could not be read" : "");
	else if (val->status == VAL_VALID)
		rl_addf(rl, role, "schema: valid%s", from);
	else if (val->nverrs == 0)
		rl_addf(rl, role, "schema: %s: %s", renderjob_status_word(val->status),
			val->err ? val->err : "");
	else
		rl_addf(rl, role, "schema: invalid (%zu)%s", val->nverrs, from);
	for (size_t i = 0; i < val->nverrs; i++)
		rl_addf(rl, ROLE_ERROR, "  %s:%d:%d: %s: %s", o->source, val->verrs[i].line,
			val->verrs[i].col, val->verrs[i].path, val->verrs[i].msg);
	if (o->lint.n == 0)
		rl_addf(rl, ROLE_OK, "lint: no findings");
	for (size_t i = 0; i < o->lint.n; i++)
		rl_addf(rl, ROLE_WARN, "lint: %s:%d:%d: [%s] %s", o->source, o->lint.f[i].line,
			o->lint.f[i].col, o->lint.f[i].rule, o->lint.f[i].msg);
}

static void mark_lines(struct rlines *rl, size_t from, const struct renderjob_obj *o)
{
	for (size_t i = from; i < rl->n; i++) {
		int no = rl->l[i].lineno;
		for (size_t k = 0; k < o->val.nverrs && !rl->l[i].mark; k++)
			rl->l[i].mark = o->val.verrs[k].line == no;
		for (size_t k = 0; k < o->lint.n && !rl->l[i].mark; k++)
			rl->l[i].mark = o->lint.f[k].line == no;
	}
}

static void diff_lines(struct rlines *rl, const struct renderjob_obj *o)
{
	enum tui_role role;
	const char *word = diff_word(o, &role);
	if (o->diff_state == RDIFF_PENDING || o->diff_state == RDIFF_NONE) {
		rl_addf(rl, ROLE_DIM, "diff: waiting for the live object");
		return;
	}
	if (o->diff_state == RDIFF_ERROR) {
		rl_addf(rl, ROLE_ERROR, "diff: %s", o->diff_err ? o->diff_err : "failed");
		return;
	}
	if (o->diff.status == DIFF_UNCHANGED)
		rl_addf(rl, role, "diff: unchanged (the live object matches the rendered one)");
	else if (o->diff.status == DIFF_CREATED)
		rl_addf(rl, role, "diff: created (not in the cluster yet)");
	else
		rl_addf(rl, role, "diff: %s (%zu change%s)", word, o->diff.nchanges,
			o->diff.nchanges == 1 ? "" : "s");
	rl_add(rl, RL_TEXT, ROLE_NORMAL, "", 0, 0);
	rl_text_lines(rl, RL_DIFF, ROLE_NORMAL, o->diff_text ? o->diff_text : "");
}

static void build_lines(const struct rview *v, struct rlines *rl)
{
	const struct renderjob_obj *o = &v->res->objs[v->cur];
	if (v->show_diff) {
		diff_lines(rl, o);
		return;
	}
	findings(rl, o, v->res);
	rl_add(rl, RL_TEXT, ROLE_NORMAL, "", 0, 0);
	size_t from = rl->n;
	rl_text_lines(rl, RL_YAML, ROLE_NORMAL, o->text);
	mark_lines(rl, from, o);
}

/* YAML colouring: comments dim, keys in the title colour, list dashes as keys. */
static void draw_yaml(const char *s, int y, int x, int w)
{
	int normal = term_attr(ROLE_NORMAL);
	size_t ind = strspn(s, " ");
	if (s[ind] == '#' || strcmp(s, "---") == 0) {
		draw_text(y, x, w, s, term_attr(ROLE_DIM), false);
		return;
	}
	int used = draw_text(y, x, w, "", normal, false) + (int)ind;
	const char *p = s + ind;
	while (p[0] == '-' && p[1] == ' ') {
		used += draw_text(y, x + used, w - used, "- ", term_attr(ROLE_KEY), false);
		p += 2;
	}
	const char *colon = strstr(p, ": ");
	size_t klen = colon ? (size_t)(colon - p) : (p[0] && p[strlen(p) - 1] == ':' ? strlen(p) - 1 : 0);
	if (klen && (p[0] != '"' && p[0] != '\'') && !memchr(p, ' ', klen)) {
		char key[256];
		snprintf(key, sizeof key, "%.*s", (int)(klen < 255 ? klen : 255), p);
		used += draw_text(y, x + used, w - used, key, term_attr(ROLE_TITLE), false);
		p += klen;
	}
	draw_text(y, x + used, w - used, p, normal, false);
}

static void draw_rline(const struct rline *l, int y, int x, int w)
{
	if (l->kind == RL_TEXT) {
		draw_text(y, x, w, l->text, term_attr(l->role), false);
		return;
	}
	if (l->kind == RL_DIFF) {
		const char *t = l->text;
		enum tui_role r = t[0] == '+' ? ROLE_OK : t[0] == '-' ? ROLE_ERROR :
				  t[0] == '@' ? ROLE_PROGRESS : ROLE_NORMAL;
		draw_text(y, x, w, t, term_attr(r), false);
		return;
	}
	char gutter[16];
	snprintf(gutter, sizeof gutter, "%4d%s", l->lineno, l->mark ? "!" : " ");
	draw_text(y, x, 5, gutter, term_attr(l->mark ? ROLE_ERROR : ROLE_DIM), false);
	draw_yaml(l->text, y, x + 6, w - 6);
}

static void draw_text_side(struct pane *p, int y, int x, int w, int h)
{
	struct rview *v = R(p);
	struct rlines rl = {0};
	build_lines(v, &rl);
	v->text_page = h;
	if (v->text_top + (size_t)h > rl.n)
		v->text_top = rl.n > (size_t)h ? rl.n - (size_t)h : 0;
	for (int i = 0; i < h && v->text_top + (size_t)i < rl.n; i++)
		draw_rline(&rl.l[v->text_top + (size_t)i], y + i, x, w);
	rl_free(&rl);
}

/* ---- drawing: summary, errors, frame ---- */
static void draw_summary(struct pane *p, int y, int x, int w)
{
	struct rview *v = R(p);
	const struct renderjob_result *r = v->res;
	size_t cr, ch, un, fl;
	renderdiff_counts(r, &cr, &ch, &un, &fl);
	char line[512], errs[32] = "", failed[32] = "";
	const char *b = term_glyph(G_BULLET);
	if (r->errors)
		snprintf(errs, sizeof errs, " %zu errors", r->errors);
	if (fl)
		snprintf(failed, sizeof failed, " %zu failed", fl);
	snprintf(line, sizeof line,
		 "%zu objects %s schema: %zu valid %zu invalid%s %zu no schema %s lint: %zu %s "
		 "diff: %zu created %zu changed %zu unchanged%s %s %.0f ms%s",
		 r->n, b, r->valid, r->invalid, errs, r->skipped, b, r->linted, b, cr, ch, un, failed,
		 b, r->ms, v->job ? "  rendering..." : "");
	draw_text(y, x, w, line, term_attr(r->invalid || r->errors ? ROLE_WARN : ROLE_OK), true);
}

/* The error's own lines, each wrapped over the rows it needs. */
static void draw_error(const char *msg, int y, int x, int w, int h)
{
	draw_text(y, x, w, "render failed:", term_attr(ROLE_ERROR), true);
	int row = 1;
	for (const char *s = msg; *s && row < h;) {
		size_t n = strcspn(s, "\n"), take = n < (size_t)w ? n : (size_t)w;
		char buf[1024];
		snprintf(buf, sizeof buf, "%.*s", (int)(take < sizeof buf ? take : sizeof buf - 1), s);
		draw_text(y + row++, x, w, buf, term_attr(ROLE_ERROR), true);
		s += take;
		if (take == n && *s == '\n')
			s++;
	}
}

/* The list is as wide as its longest "Kind/name" plus the status columns, within limits. */
static int list_width(const struct renderjob_result *r, int w)
{
	int need = 24;
	for (size_t i = 0; i < r->n; i++) {
		int l = (int)(strlen(r->objs[i].kind) + strlen(r->objs[i].name)) + 2;
		need = l > need ? l : need;
	}
	need += 21;
	return need > w * 11 / 20 ? w * 11 / 20 : need;
}

static void render_draw(struct pane *p)
{
	struct rview *v = R(p);
	struct strbuf info = STRBUF_INIT;
	sb_addf(&info, "%s", v->chart);
	for (size_t i = 0; i < v->nvalues; i++)
		sb_addf(&info, " -f %s", v->values[i]);
	if (v->res && v->res->release_name)
		sb_addf(&info, " %s release %s, ns %s", term_glyph(G_BULLET), v->res->release_name,
			v->res->namespace_);
	draw_box(p->y, p->x, p->h, p->w, "Render", sb_str(&info), true);
	sb_done(&info);
	int x = p->x + 1, y = p->y + 1, w = p->w - 2, h = p->h - 2;
	if (h < 3 || w < 20)
		return;
	if (!v->res) {
		draw_text(y, x, w, v->job ? "rendering..." : "not rendered", term_attr(ROLE_DIM), true);
		return;
	}
	if (v->res->rc < 0) {
		draw_error(tops_err_msg(&v->res->err), y, x, w, h);
		return;
	}
	draw_summary(p, y, x, w);
	if (v->res->n == 0)
		return;
	int lw = list_width(v->res, w);
	draw_list(p, y + 2, x, lw, h - 2);
	for (int i = 2; i < h; i++)
		draw_text(y + i, x + lw, 1, term_glyph(G_VLINE),
			  term_attr(v->focus_text ? ROLE_BORDER_FOCUS : ROLE_BORDER), false);
	draw_text_side(p, y + 2, x + lw + 2, w - lw - 2, h - 2);
}

/* ---- keys ---- */
static void move_by(size_t *pos, long delta, size_t n)
{
	long np = (long)*pos + delta;
	*pos = np < 0 ? 0 : (size_t)np >= n ? (n ? n - 1 : 0) : (size_t)np;
}

static bool nav_key(struct rview *v, enum tui_action a)
{
	size_t n = v->res ? v->res->n : 0;
	size_t *pos = v->focus_text ? &v->text_top : &v->cur;
	size_t lim = v->focus_text ? (size_t)1 << 30 : n;   /* the draw clamps the text */
	long page = v->focus_text ? v->text_page : v->list_page;
	size_t before = v->cur;
	switch (a) {
	case ACT_DOWN: move_by(pos, 1, lim); break;
	case ACT_UP: move_by(pos, -1, lim); break;
	case ACT_PGDN: move_by(pos, page > 1 ? page - 1 : 1, lim); break;
	case ACT_PGUP: move_by(pos, -(page > 1 ? page - 1 : 1), lim); break;
	case ACT_TOP: *pos = 0; break;
	case ACT_BOTTOM: *pos = lim ? lim - 1 : 0; break;
	default: return false;
	}
	if (v->cur != before)
		v->text_top = 0;
	return true;
}

static bool render_key(struct pane *p, enum tui_action a, int ch)
{
	struct rview *v = R(p);
	bool done = true;
	if (a == ACT_RENDER_FOCUS || (a == ACT_NONE && ch == '\n'))
		v->focus_text = a == ACT_RENDER_FOCUS ? !v->focus_text : true;
	else if (a == ACT_RENDER_DIFF)
		v->show_diff = !v->show_diff, v->text_top = 0;
	else if (a == ACT_RENDER_AGAIN)
		render_start(p);
	else
		done = nav_key(v, a);
	if (done)
		ui_dirty(p->ui);
	return done;
}

/* ---- set-up ---- */
static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && (n ? i < n : v[i] != NULL); i++)
		free(v[i]);
	free(v);
}

static void render_free(struct pane *p)
{
	struct rview *v = R(p);
	renderjob_cancel(v->job);
	renderdiff_cancel(v->diff);
	renderjob_result_free(v->res);
	free(v->chart);
	free(v->release);
	free(v->kube_version);
	strv_free(v->values, v->nvalues);
	strv_free(v->locations, 0);
	free(v);
	free(p);
}

static const struct pane_ops render_ops = {
	.name = "render",
	.draw = render_draw,
	.key = render_key,
	.free = render_free,
};

/* A config setting that may be a string or a list of strings; NULL-terminated copy or NULL. */
static char **config_strings(const struct tops_config *cfg, const char *dotted, size_t *n)
{
	const struct value *v = cfg ? value_map_path(cfg->root, dotted) : NULL;
	*n = 0;
	if (!v || (v->type != V_STRING && v->type != V_LIST))
		return NULL;
	size_t cnt = v->type == V_STRING ? 1 : v->u.list.len;
	char **out = xcalloc(cnt + 1, sizeof *out);
	for (size_t i = 0; i < cnt; i++) {
		const struct value *s = v->type == V_STRING ? v : v->u.list.items[i];
		if (s->type == V_STRING)
			out[(*n)++] = xstrdup(s->u.str.s);
	}
	return out;
}

static void config_defaults(struct rview *v, bool want_values)
{
	const struct tops_config *cfg = metrics_ui_config();
	const char *chart = cfg ? config_str(cfg, "render.chart") : NULL;
	const char *rel = cfg ? config_str(cfg, "render.release") : NULL;
	const char *kv = cfg ? config_str(cfg, "validate.kubernetesVersion") : NULL;
	size_t nloc;
	v->locations = config_strings(cfg, "validate.schemaLocation", &nloc);
	v->release = rel ? xstrdup(rel) : NULL;
	v->kube_version = kv ? xstrdup(kv) : NULL;
	if (!v->chart)
		v->chart = xstrdup(chart ? chart : DEFAULT_CHART);
	if (!want_values)
		return;
	v->values = config_strings(cfg, "render.values", &v->nvalues);
	if (!v->values) {
		v->values = xcalloc(2, sizeof *v->values);
		v->values[0] = xstrdup(DEFAULT_VALUES);
		v->nvalues = 1;
	}
}

struct pane *render_pane_new(struct ui *ui, const char *chart, const char *const *values,
			     size_t nvalues)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct rview *v = xcalloc(1, sizeof *v);
	p->ops = &render_ops;
	p->ui = ui;
	p->scope = KS_RENDER;
	p->priv = v;
	snprintf(p->title, sizeof p->title, "Render");
	v->chart = chart ? xstrdup(chart) : NULL;
	if (nvalues) {
		v->values = xcalloc(nvalues + 1, sizeof *v->values);
		for (size_t i = 0; i < nvalues; i++)
			v->values[i] = xstrdup(values[i]);
		v->nvalues = nvalues;
	}
	config_defaults(v, chart == NULL && nvalues == 0);
	render_start(p);
	return p;
}

/* `:render [CHART] [-f FILE]...`: words separated by spaces. */
int render_command(struct ui *ui, const char *arg)
{
	char *copy = xstrdup(arg), *save = NULL, *chart = NULL;
	const char *values[32];
	size_t nvalues = 0;
	int rc = 0;
	for (char *t = strtok_r(copy, " ", &save); t && rc == 0; t = strtok_r(NULL, " ", &save)) {
		if (strcmp(t, "-f") == 0 || strcmp(t, "--values") == 0) {
			char *f = strtok_r(NULL, " ", &save);
			if (!f || nvalues == ARRAY_LEN(values))
				rc = -TOPS_EINVAL;
			else
				values[nvalues++] = f;
		} else if (!chart && t[0] != '-') {
			chart = t;
		} else {
			rc = -TOPS_EINVAL;
		}
	}
	if (rc == 0) {
		while (ui_pop(ui))
			;
		ui_push(ui, render_pane_new(ui, chart, values, nvalues));
	} else {
		ui_message(ui, true, "usage: :render [CHART] [-f VALUES]...");
	}
	free(copy);
	return rc;
}
