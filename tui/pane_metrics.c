/* pane_metrics — the Metrics view: namespace totals, the application's request rate, error
 * ratio and p99 latency, and the top pods by CPU with CPU and memory sparklines. */
#include "tui/metrics_ui.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPARK_MAX 120

struct pod_row {
	char *name;
	double cpu;
};

struct mview {
	struct pod_row *rows;
	size_t n, cap;
	size_t top;        /* first row shown */
	int page;
	uint64_t built;    /* metrics_ui_generation() the rows were built at, plus one (0: never) */
};

static struct mview *V(struct pane *p)
{
	return p->priv;
}

static void rows_clear(struct mview *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->rows[i].name);
	v->n = 0;
}

struct collect {
	struct mview *v;
	const struct metrics *m;
};

static void collect_cb(void *ud, const char *key, double last)
{
	struct collect *c = ud;
	if (!*key || metrics_stale(c->m, MET_CPU, key))
		return;
	struct mview *v = c->v;
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 32;
		v->rows = xrealloc(v->rows, v->cap * sizeof *v->rows);
	}
	v->rows[v->n++] = (struct pod_row){xstrdup(key), last};
}

static int row_cmp(const void *a, const void *b)
{
	const struct pod_row *x = a, *y = b;
	double u = isnan(x->cpu) ? -1 : x->cpu, w = isnan(y->cpu) ? -1 : y->cpu;
	if (u != w)
		return u < w ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Collected and sorted once per metrics refresh, not on every frame. */
static void rows_build(struct mview *v, const struct metrics *m)
{
	uint64_t gen = metrics_ui_generation() + 1;
	if (v->built == gen)
		return;
	v->built = gen;
	rows_clear(v);
	struct collect c = {v, m};
	metrics_each(m, MET_CPU, collect_cb, &c);
	qsort(v->rows, v->n, sizeof *v->rows, row_cmp);
}

/* ---- figures ---- */
struct sum {
	const struct metrics *m;
	enum metric_id id;
	double total;
	int n;
};

static void sum_cb(void *ud, const char *key, double last)
{
	struct sum *s = ud;
	if (isnan(last) || metrics_stale(s->m, s->id, key))
		return;
	s->total += last;
	s->n++;
}

static double total(const struct metrics *m, enum metric_id id, int *count)
{
	struct sum s = {m, id, 0, 0};
	metrics_each(m, id, sum_cb, &s);
	if (count)
		*count = s.n;
	return s.n ? s.total : NAN;
}

static void fmt_pct(char *buf, size_t n, double v, double of)
{
	if (isnan(v) || isnan(of) || of <= 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.0f%%", 100 * v / of);
}

static void draw_totals(const struct metrics *m, int y, int x, int w)
{
	int pods = 0;
	double cpu = total(m, MET_CPU, &pods), mem = total(m, MET_MEM, NULL);
	double creq = total(m, MET_CPU_REQ, NULL), mreq = total(m, MET_MEM_REQ, NULL);
	char c[32], cr[32], cp[16], mm[32], mr[32], mp[16], line[256];
	metrics_fmt_cpu(c, sizeof c, cpu);
	metrics_fmt_cpu(cr, sizeof cr, creq);
	fmt_pct(cp, sizeof cp, cpu, creq);
	metrics_fmt_bytes(mm, sizeof mm, mem);
	metrics_fmt_bytes(mr, sizeof mr, mreq);
	fmt_pct(mp, sizeof mp, mem, mreq);
	snprintf(line, sizeof line, "CPU %s of %s requested (%s)   MEM %s of %s requested (%s)   pods %d",
		 c, cr, cp, mm, mr, mp, pods);
	int used = draw_text(y, x, w, "Namespace  ", term_attr(ROLE_COLHDR), false);
	draw_text(y, x + used, w - used, line, term_attr(ROLE_NORMAL), true);
}

/* One application figure: label, value and a short sparkline of its history. */
static int draw_app_figure(const struct metrics *m, enum metric_id id, const char *label, int y,
			   int x, int w)
{
	double v = metrics_last(m, id, "");
	char val[32], spark[64], text[160];
	if (isnan(v))
		snprintf(val, sizeof val, "-");
	else if (id == MET_APP_RATE)
		snprintf(val, sizeof val, "%.1f/s", v);
	else if (id == MET_APP_ERR)
		snprintf(val, sizeof val, "%.2f%%", 100 * v);
	else if (v < 1)
		snprintf(val, sizeof val, "%.0fms", 1000 * v);
	else
		snprintf(val, sizeof val, "%.2fs", v);
	double h[12], max = 0; /* 12 cells: 36 bytes of glyphs */
	size_t n = metrics_history(m, id, "", h, ARRAY_LEN(h));
	for (size_t i = 0; i < n; i++)
		max = isnan(h[i]) || h[i] < max ? max : h[i];
	metrics_ui_sparkline(h, n, max, spark, sizeof spark);
	snprintf(text, sizeof text, "%s %s %s   ", label, val, spark);
	return draw_text(y, x, w, text, term_attr(ROLE_NORMAL), false);
}

static void draw_app(const struct metrics *m, int y, int x, int w)
{
	int used = draw_text(y, x, w, "App        ", term_attr(ROLE_COLHDR), false);
	used += draw_app_figure(m, MET_APP_RATE, "requests", y, x + used, w - used);
	used += draw_app_figure(m, MET_APP_ERR, "errors", y, x + used, w - used);
	draw_app_figure(m, MET_APP_P99, "p99", y, x + used, w - used);
}

/* ---- the pod table ---- */
struct cols {
	int name, val, spark;
};

/* Names as wide as the longest (within limits), the rest shared by the two sparklines. */
static struct cols cols_for(const struct mview *v, int w)
{
	struct cols c = {.val = w < 100 ? 14 : 17};   /* "1223m 1223%/245%" when there is room */
	int longest = 16, room = w - 2 * c.val - 4 - 2 * 5;
	for (size_t i = 0; i < v->n; i++) {
		int l = text_width(v->rows[i].name);
		longest = l > longest ? l : longest;
	}
	c.name = longest > 48 ? 48 : longest;
	if (c.name > room)
		c.name = room < 16 ? 16 : room;
	c.spark = (w - c.name - 2 * c.val - 4) / 2;
	if (c.spark > SPARK_MAX)
		c.spark = SPARK_MAX;
	if (c.spark < 0)
		c.spark = 0;
	return c;
}

static void spark_of(const struct metrics *m, enum metric_id id, const char *pod, int w, char *buf,
		     size_t cap)
{
	double h[SPARK_MAX], max = 0;
	size_t n = metrics_history(m, id, pod, h + 0, (size_t)w);
	/* newest sample at the right edge */
	memmove(h + (w - (int)n), h, n * sizeof *h);
	for (int i = 0; i < w - (int)n; i++)
		h[i] = NAN;
	for (int i = 0; i < w; i++)
		max = isnan(h[i]) || h[i] < max ? max : h[i];
	metrics_ui_sparkline(h, (size_t)w, max, buf, cap);
}

static void draw_pod(const struct metrics *m, const struct pod_row *r, struct cols c, int y, int x)
{
	char cpu[32], mem[32], spark[SPARK_MAX * 4];
	metrics_ui_pod_cell(r->name, false, true, cpu, sizeof cpu);
	metrics_ui_pod_cell(r->name, true, true, mem, sizeof mem);
	int attr = term_attr(ROLE_NORMAL);
	draw_text(y, x, c.name, r->name, attr, true);
	x += c.name + 1;
	draw_text(y, x, c.val - 1, cpu, attr, true);
	x += c.val;
	spark_of(m, MET_CPU, r->name, c.spark, spark, sizeof spark);
	draw_text(y, x, c.spark, spark, term_attr(ROLE_OK), true);
	x += c.spark + 2;
	draw_text(y, x, c.val - 1, mem, attr, true);
	x += c.val;
	spark_of(m, MET_MEM, r->name, c.spark, spark, sizeof spark);
	draw_text(y, x, c.spark, spark, term_attr(ROLE_PROGRESS), true);
}

static void draw_pods(struct pane *p, const struct metrics *m, int y, int x, int w, int h)
{
	struct mview *v = V(p);
	struct cols c = cols_for(v, w);
	char hdr[96];
	snprintf(hdr, sizeof hdr, "POD (top %zu by CPU)", v->n);
	/* values: usage, % of request / % of limit */
	int hattr = term_attr(ROLE_COLHDR);
	draw_text(y, x, w, "", hattr, true);
	draw_text(y, x, c.name, hdr, hattr, false);
	draw_text(y, x + c.name + 1, c.val + c.spark, "CPU  REQ%/LIM%", hattr, false);
	draw_text(y, x + c.name + 1 + c.val + c.spark + 2, c.val + c.spark, "MEMORY  REQ%/LIM%", hattr,
		  false);
	v->page = h - 1;
	if (v->top + (size_t)v->page > v->n)
		v->top = v->n > (size_t)v->page ? v->n - (size_t)v->page : 0;
	for (int i = 0; i < v->page && v->top + (size_t)i < v->n; i++)
		draw_pod(m, &v->rows[v->top + (size_t)i], c, y + 1 + i, x);
	if (v->n == 0)
		draw_text(y + 1, x, w, "no pod series yet (waiting for the first refresh)",
			  term_attr(ROLE_DIM), true);
}

static void metrics_draw(struct pane *p)
{
	const struct metrics *m = metrics_ui_metrics();
	char info[256];
	double age = m ? metrics_age(m) : -1;
	if (age >= 0)
		snprintf(info, sizeof info, "%s %s refreshed %.0f s ago", metrics_ui_where(),
			 term_glyph(G_BULLET), age);
	else
		snprintf(info, sizeof info, "%s", metrics_ui_where());
	draw_box(p->y, p->x, p->h, p->w, "Metrics", info, true);
	int x = p->x + 1, y = p->y + 1, w = p->w - 2, h = p->h - 2;
	if (!m) {
		draw_text(y, x, w, "No Prometheus: pass --prometheus URL or set prometheus.url in the "
			  "config file (see docs/metrics.md).", term_attr(ROLE_WARN), true);
		return;
	}
	if (h < 5 || w < 40) /* too small for the table: the box says where the data comes from */
		return;
	rows_build(V(p), m);
	draw_totals(m, y, x, w);
	draw_app(m, y + 1, x, w);
	draw_pods(p, m, y + 3, x, w, h - 3);
}

static bool metrics_key(struct pane *p, enum tui_action a, int ch)
{
	(void)ch;
	struct mview *v = V(p);
	size_t page = v->page > 0 ? (size_t)v->page : 1;
	switch (a) {
	case ACT_DOWN: v->top++; break;
	case ACT_UP: v->top = v->top ? v->top - 1 : 0; break;
	case ACT_PGDN: v->top += page; break;
	case ACT_PGUP: v->top = v->top > page ? v->top - page : 0; break;
	case ACT_TOP: v->top = 0; break;
	case ACT_BOTTOM: v->top = v->n; break;
	default: return false;
	}
	ui_dirty(p->ui);
	return true;
}

static void metrics_free_pane(struct pane *p)
{
	struct mview *v = V(p);
	rows_clear(v);
	free(v->rows);
	free(v);
	free(p);
}

static const struct pane_ops metrics_ops = {
	.name = "metrics",
	.draw = metrics_draw,
	.key = metrics_key,
	.free = metrics_free_pane,
};

struct pane *metrics_pane_new(struct ui *ui)
{
	struct pane *p = xcalloc(1, sizeof *p);
	p->ops = &metrics_ops;
	p->ui = ui;
	p->scope = 0;
	snprintf(p->title, sizeof p->title, "Metrics");
	p->priv = xcalloc(1, sizeof(struct mview));
	return p;
}

/* `:metrics` and `m`: the Metrics view above the dashboard. */
int metrics_command(struct ui *ui, const char *arg)
{
	(void)arg;
	while (ui_pop(ui))
		;
	ui_push(ui, metrics_pane_new(ui));
	return 0;
}
