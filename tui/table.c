/* table — virtualised table panes (see table.h). */
#include "tui/table.h"

#include "core/kube/kstatus.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CELL_MAX 256
#define TABLE_FOLD_KEY 256

static struct table *T(struct pane *p)
{
	return p->priv;
}

/* The console has one ui; column visibility callbacks take no arguments. */
static const struct ui *tables_ui;

bool table_all_namespaces(void)
{
	return tables_ui && tables_ui->data && !tables_ui->data->ns;
}

const char *table_label_lookup(const void *rec, const char *key)
{
	return store_label(&((const union st_record *)rec)->meta, key);
}

/* The cursor's key: the object, or the group of a folded row (its newest record changes). */
static void row_key(const struct table_row *r, char *buf, size_t n)
{
	if (r->fkey)
		snprintf(buf, n, "%d/fold/%s", (int)r->kind, r->fkey);
	else
		snprintf(buf, n, "%d/%s/%s", (int)r->kind, r->rec->meta.namespace_, r->rec->meta.name);
}

char *table_age(int64_t t, int64_t now, char *buf, size_t n)
{
	if (t >= now) { /* a new record: its row is written anyway, with the wall clock's age */
		int64_t wall = now_wall();
		if (t <= wall + 1)
			now = wall > t ? wall : t;
	}
	return kstatus_age(t, now, buf, n);
}

/* ---- rebuilding the rows from the store ---- */
struct collect {
	struct table *t;
	enum kube_kind kind;
};

static void collect_cb(const union st_record *r, void *ud)
{
	struct collect *c = ud;
	struct table *t = c->t;
	t->total++;
	/* across namespaces a text filter also matches the namespace */
	if (!filter_match(t->filter, r->meta.name, table_label_lookup, r) &&
	    !(t->all_ns && filter_match(t->filter, r->meta.namespace_, table_label_lookup, r)))
		return;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = xrealloc(t->rows, t->cap * sizeof *t->rows);
	}
	struct table_row *row = &t->rows[t->n++];
	*row = (struct table_row){.kind = c->kind, .rec = r, .count = 1};
}

/* ---- folding ---- */
struct fold_sort {
	const struct table *t;
	const int64_t *rank;
};

/* Groups together (by key), each group's first record in the default order first. */
static int cmp_fold(const void *a, const void *b, void *ud)
{
	const struct fold_sort *f = ud;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct table_row *x = &f->t->rows[i], *y = &f->t->rows[j];
	int c = strcmp(x->fkey, y->fkey);
	if (!c) {
		c = f->rank[i] < f->rank[j] ? -1 : f->rank[i] > f->rank[j];
		c = f->t->ops->default_desc ? -c : c;
	}
	return c ? c : (i > j) - (i < j);
}

static void fold_groups(struct table *t, size_t *idx, size_t m)
{
	for (size_t a = 0, b; a < m; a = b) {
		struct table_row *lead = &t->rows[idx[a]];
		for (b = a + 1; b < m && strcmp(t->rows[idx[b]].fkey, lead->fkey) == 0; b++) {
			struct table_row *r = &t->rows[idx[b]];
			lead->folded++;
			lead->count += r->count;
			lead->many = lead->many || (t->ops->fold_object &&
				     strcmp(t->ops->fold_object(r), t->ops->fold_object(lead)) != 0);
			r->rec = NULL; /* folded away */
		}
	}
}

/* Appends the fold key of each row to t->fkeys; off[i] is its offset, or -1 when the row does
 * not fold; rank[i] is the row's place in the default order. */
static void fold_keys(struct table *t, long *off, int64_t *rank)
{
	size_t used = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct table_row *row = &t->rows[i];
		char key[TABLE_FOLD_KEY];
		int64_t w = t->ops->fold(row, key, sizeof key);
		off[i] = -1;
		if (w <= 0)
			continue;
		size_t len = strlen(key) + 1;
		if (used + len > t->fkeys_cap) {
			t->fkeys_cap = (used + len) * 2;
			t->fkeys = xrealloc(t->fkeys, t->fkeys_cap);
		}
		memcpy(t->fkeys + used, key, len);
		off[i] = (long)used;
		used += len;
		const char *str; /* before fkey is set: the record's own place */
		t->ops->sort_key(row, t->ops->default_sort, &rank[i], &str);
		row->count = w;
	}
}

/* Replaces each group of rows with the same fold key by its first row in the default order. */
static void fold_rows(struct table *t)
{
	t->records = t->n;
	if (!t->ops->fold || t->unfolded || t->n < 2)
		return;
	long *off = xmalloc(t->n * sizeof *off);
	int64_t *rank = xmalloc(t->n * sizeof *rank);
	size_t *idx = xmalloc(t->n * sizeof *idx), m = 0;
	fold_keys(t, off, rank);
	for (size_t i = 0; i < t->n; i++)
		if (off[i] >= 0) {
			t->rows[i].fkey = t->fkeys + off[i];
			idx[m++] = i;
		}
	struct fold_sort fs = {t, rank};
	qsort_r(idx, m, sizeof *idx, cmp_fold, &fs);
	fold_groups(t, idx, m);
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].rec)
			t->rows[n++] = t->rows[i];
	t->n = n;
	free(idx);
	free(rank);
	free(off);
}

static int cmp_rows(const void *a, const void *b, void *ud)
{
	const struct table_row *x = a, *y = b;
	const struct table *t = ud;
	int c = x->num < y->num ? -1 : x->num > y->num;
	if (!c)
		c = strcmp(x->str ? x->str : "", y->str ? y->str : "");
	if (!c && x->fkey && y->fkey) /* folded rows keep their places among equals */
		c = strcmp(x->fkey, y->fkey);
	if (!c)
		c = strcmp(x->rec->meta.namespace_, y->rec->meta.namespace_);
	if (!c)
		c = strcmp(x->rec->meta.name, y->rec->meta.name);
	if (!c)
		c = (int)x->kind - (int)y->kind;
	return t->desc ? -c : c;
}

static bool table_stale(struct pane *p)
{
	struct table *t = T(p);
	struct tui_data *d = p->ui->data;
	if (t->seen_store != (void *)d->store)
		return true;
	if (t->resort_at && now_wall() >= t->resort_at)
		return true;
	for (int i = 0; i < 2; i++)
		if (t->ops->kinds[i] != KK__COUNT && t->seen[i] != d->version[t->ops->kinds[i]])
			return true;
	return false;
}

static void remember_cursor(struct table *t)
{
	free(t->cur_key);
	t->cur_key = NULL;
	if (t->cur < t->n) {
		char key[512];
		row_key(&t->rows[t->cur], key, sizeof key);
		t->cur_key = xstrdup(key);
	}
}

static void place_cursor(struct table *t, bool at_head)
{
	char key[512];
	if (at_head && t->ops->follow_head) {
		t->cur = t->top = 0;
		remember_cursor(t);
		return;
	}
	if (t->cur_key)
		for (size_t i = 0; i < t->n; i++) {
			row_key(&t->rows[i], key, sizeof key);
			if (strcmp(key, t->cur_key) == 0) {
				t->cur = i;
				return;
			}
		}
	if (t->cur >= t->n)
		t->cur = t->n ? t->n - 1 : 0;
	remember_cursor(t);
}

static void table_rebuild(struct pane *p, bool force)
{
	struct table *t = T(p);
	if (!force && !table_stale(p))
		return;
	struct tui_data *d = p->ui->data;
	bool at_head = t->cur == 0;
	t->n = 0;
	t->total = 0;
	t->all_ns = table_all_namespaces();
	const struct table_col *sc = &t->ops->cols[t->sort_col];
	if (sc->visible && !sc->visible()) /* e.g. NAMESPACE after :ns NAME */
		t->sort_col = t->ops->default_sort;
	for (int i = 0; i < 2; i++) {
		enum kube_kind k = t->ops->kinds[i];
		if (k == KK__COUNT)
			continue;
		struct collect c = {t, k};
		store_foreach(d->store, k, collect_cb, &c);
		t->seen[i] = d->version[k];
	}
	t->seen_store = d->store;
	fold_rows(t);
	t->resort_at = 0;
	for (size_t i = 0; i < t->n; i++) { /* after folding: the key may depend on it */
		struct table_row *row = &t->rows[i];
		t->ops->sort_key(row, t->sort_col, &row->num, &row->str);
		int64_t at = t->ops->resort_at ? t->ops->resort_at(row) : 0;
		if (at && (!t->resort_at || at < t->resort_at))
			t->resort_at = at;
	}
	if (t->n > 1)
		qsort_r(t->rows, t->n, sizeof *t->rows, cmp_rows, t);
	place_cursor(t, at_head);
}

const struct table_row *table_current(struct pane *p)
{
	struct table *t = T(p);
	table_rebuild(p, false);
	return t->cur < t->n ? &t->rows[t->cur] : NULL;
}

/* ---- drawing ---- */
/* Columns that do not fit are dropped in their `drop` order until the flexible one has its
 * minimum; it then takes the rest. vis[] receives the indices of the columns shown and
 * widths[] their widths. */
static int layout_cols(const struct table_ops *o, int w, int content, int *vis, int *widths)
{
	bool shown[16];
	int n = o->ncols;
	for (int i = 0; i < n; i++)
		shown[i] = !o->cols[i].visible || o->cols[i].visible();
	for (;;) {
		int fixed = 0, flex = -1, victim = -1;
		for (int i = 0; i < n; i++) {
			if (!shown[i])
				continue;
			if (o->cols[i].width == 0)
				flex = i;
			if (o->cols[i].drop && (victim < 0 || o->cols[i].drop < o->cols[victim].drop))
				victim = i;
			fixed += o->cols[i].width + 1;
		}
		int need = flex >= 0 ? (o->cols[flex].minw ? o->cols[flex].minw : 16) : 0;
		if (content > need)
			need = content;
		int rest = w - fixed;
		if (rest >= need || victim < 0) {
			int k = 0;
			for (int i = 0; i < n; i++)
				if (shown[i]) {
					vis[k] = i;
					widths[k++] = i == flex ? (rest > 4 ? rest : 4) : o->cols[i].width;
				}
			return k;
		}
		shown[victim] = false;
	}
}

static void scroll_into_view(struct table *t, int page)
{
	if (page < 1)
		page = 1;
	if (t->cur < t->top)
		t->top = t->cur;
	if (t->cur >= t->top + (size_t)page)
		t->top = t->cur - (size_t)page + 1;
	if (t->top + (size_t)page > t->n)
		t->top = t->n > (size_t)page ? t->n - (size_t)page : 0;
}

/* Widest text of the flexible column among the rows that will be on screen (capped), so that
 * names are dropped last rather than cut. */
static int flex_content(struct pane *p, int page)
{
	struct table *t = T(p);
	int flex = -1, best = 0;
	for (int i = 0; i < t->ops->ncols; i++)
		if (t->ops->cols[i].width == 0 && t->ops->cols[i].type == COL_TEXT)
			flex = i;
	if (flex < 0 || (flex != 0 && !t->ops->cols[flex].fit))
		return 0;
	scroll_into_view(t, page);
	int64_t now = p->ui->clock_s;
	for (size_t i = t->top; i < t->n && i < t->top + (size_t)page; i++) {
		char buf[CELL_MAX];
		t->ops->cell(&t->rows[i], flex, now, buf, sizeof buf);
		int tw = text_width(buf);
		best = tw > best ? tw : best;
	}
	return best > 48 ? 48 : best;
}

/* A cell's text in attr; its padding (and the gap after it) in pad_attr, so that a cell whose
 * colour changes rewrites its text only. */
static void draw_cell(const struct table_col *c, const struct table_row *row, struct pane *p,
		      int y, int x, int w, int attr, int pad_attr, int64_t now)
{
	struct table *t = T(p);
	if (c->type == COL_BAR) {
		long done = 0, total = 0;
		t->ops->bar(row, &done, &total);
		draw_bar(y, x, w, done, total);
		return;
	}
	char buf[CELL_MAX];
	t->ops->cell(row, (int)(c - t->ops->cols), now, buf, sizeof buf);
	int tw = text_width(buf);
	if (tw > w && w > 1) {
		/* clipped: the last cell shows an ellipsis */
		int used = draw_text(y, x, w - 1, buf, attr, false);
		draw_text(y, x + used, w - used, term_glyph(G_ELLIPSIS), attr, true);
		return;
	}
	int pad = c->right ? w - tw : 0;
	if (pad > 0) {
		draw_text(y, x, pad, "", pad_attr, true);
		x += pad;
		w -= pad;
	}
	int used = draw_text(y, x, w, buf, attr, false);
	draw_text(y, x + used, w - used, "", pad_attr, true);
}

static void draw_header(struct pane *p, int y, int x, int ncols, const int *vis, const int *widths)
{
	struct table *t = T(p);
	for (int i = 0; i < ncols; i++) {
		char h[64];
		int c = vis[i];
		const char *arrow = c == t->sort_col ? term_glyph(t->desc ? G_ARROW_DOWN : G_ARROW_UP) : "";
		snprintf(h, sizeof h, "%s%s", t->ops->cols[c].name, arrow);
		draw_text(y, x, widths[i], h, term_attr(ROLE_COLHDR), true);
		draw_text(y, x + widths[i], 1, " ", term_attr(ROLE_COLHDR), true);
		x += widths[i] + 1;
	}
}

/* The cursor row, stale rows and failing or completed rows are coloured across the row. */
static int cell_attr(const struct table_ops *o, const struct table_row *row, int col,
		     enum tui_role role)
{
	static const bool whole[ROLE__COUNT] = {[ROLE_SELECTED] = true, [ROLE_STALE] = true,
						[ROLE_ERROR] = true, [ROLE_DONE] = true};
	if (!o->health_cells || whole[role])
		return term_attr(role);
	if (!o->cols[col].health)
		return term_attr(ROLE_NORMAL);
	return term_attr(o->cell_role ? o->cell_role(row, col) : role);
}

static void draw_row(struct pane *p, const struct table_row *row, int y, int ncols,
		     const int *vis, const int *widths, bool selected, bool stale, int64_t now)
{
	struct table *t = T(p);
	enum tui_role role = selected ? ROLE_SELECTED : stale ? ROLE_STALE : t->ops->role(row, now);
	int x = p->x + 1, base = cell_attr(t->ops, row, 0, role);
	for (int i = 0; i < ncols; i++) {
		draw_cell(&t->ops->cols[vis[i]], row, p, y, x, widths[i],
			  cell_attr(t->ops, row, vis[i], role), base, now);
		if (i + 1 < ncols)
			draw_text(y, x + widths[i], 1, " ", base, true);
		x += widths[i] + 1;
	}
}

static void title_info(struct pane *p, char *buf, size_t n)
{
	struct table *t = T(p);
	struct tui_data *d = p->ui->data;
	int len = snprintf(buf, n, "%zu", t->records);
	if (t->filter)
		len += snprintf(buf + len, n - (size_t)len, "/%zu  filter: %s", t->total, filter_text(t->filter));
	if (t->records > t->n)
		len += snprintf(buf + len, n - (size_t)len, "  folded: %zu rows", t->n);
	if (data_is_down(d))
		snprintf(buf + len, n - (size_t)len, "  STALE");
}

static void table_draw(struct pane *p)
{
	struct table *t = T(p);
	table_rebuild(p, false);
	char info[300];
	title_info(p, info, sizeof info);
	draw_box(p->y, p->x, p->h, p->w, p->title, info, p->focused);
	int inner = p->w - 2, widths[16], vis[16];
	if (p->h < 3 || inner < 8)
		return;
	int page = p->h - 3;
	int ncols = layout_cols(t->ops, inner, flex_content(p, page), vis, widths);
	draw_header(p, p->y + 1, p->x + 1, ncols, vis, widths);
	t->page = page;
	scroll_into_view(t, page);
	int64_t now = p->ui->clock_s;
	bool stale = data_is_down(p->ui->data);
	int y = p->y + 2;
	for (size_t i = t->top; i < t->n && y < p->y + p->h - 1; i++, y++) {
		draw_row(p, &t->rows[i], y, ncols, vis, widths, p->focused && i == t->cur, stale, now);
		char note[256];
		if (t->ops->note && y + 1 < p->y + p->h - 1 && t->ops->note(p, &t->rows[i], note, sizeof note))
			draw_text(++y, p->x + 3, inner - 2, note, term_attr(ROLE_WARN), true);
	}
	if (t->n == 0)
		draw_text(p->y + 2, p->x + 2, inner - 2,
			  t->filter ? "no match" : p->ui->data->synced ? "none"
			  : data_is_down(p->ui->data) ? "no data yet" : term_utf8() ? "loading…" : "loading...",
			  term_attr(ROLE_DIM), false);
}

/* ---- keys ---- */
static void move_cursor(struct table *t, long delta)
{
	long c = (long)t->cur + delta;
	if (c < 0)
		c = 0;
	if (c >= (long)t->n)
		c = t->n ? (long)t->n - 1 : 0;
	t->cur = (size_t)c;
	remember_cursor(t);
}

static bool table_sort_next(struct pane *p, enum tui_action a)
{
	struct table *t = T(p);
	if (a == ACT_SORT) {
		const struct table_col *c;
		do { /* the next column on screen that has a sort key */
			t->sort_col = (t->sort_col + 1) % t->ops->ncols;
			c = &t->ops->cols[t->sort_col];
		} while (c->type == COL_BAR || (c->visible && !c->visible()));
		t->desc = false;
	} else {
		t->desc = !t->desc;
	}
	table_rebuild(p, true);
	return true;
}

static bool table_fold_toggle(struct pane *p)
{
	struct table *t = T(p);
	if (!t->ops->fold)
		return false;
	t->unfolded = !t->unfolded;
	table_rebuild(p, true);
	ui_message(p->ui, false, "%s", t->unfolded ? "one row per record (F folds similar rows again)"
						   : "similar rows folded into one (F unfolds)");
	return true;
}

static bool table_open(struct pane *p, const struct table_row *row, enum tui_action a)
{
	const char *ns = row->rec->meta.namespace_, *name = row->rec->meta.name;
	if (a == ACT_DESCRIBE)
		ui_push(p->ui, detail_new(p->ui, row->kind, ns, name));
	else
		ui_push(p->ui, yaml_new(p->ui, row->kind, ns, name));
	return true;
}

static bool table_key(struct pane *p, enum tui_action a, int ch)
{
	struct table *t = T(p);
	table_rebuild(p, false);
	long page = t->page > 1 ? t->page : 1;
	const struct table_row *row = t->cur < t->n ? &t->rows[t->cur] : NULL;
	if (a == ACT_SORT_ALT)
		a = ACT_SORT;
	switch (a) {
	case ACT_DOWN: move_cursor(t, 1); return true;
	case ACT_UP: move_cursor(t, -1); return true;
	case ACT_PGDN: move_cursor(t, page); return true;
	case ACT_PGUP: move_cursor(t, -page); return true;
	case ACT_TOP: move_cursor(t, -(long)t->n); return true;
	case ACT_BOTTOM: move_cursor(t, (long)t->n); return true;
	case ACT_SORT: case ACT_REVERSE: return table_sort_next(p, a);
	case ACT_FOLD: return table_fold_toggle(p);
	case ACT_DESCRIBE: case ACT_YAML: return row ? table_open(p, row, a) : true;
	default: break;
	}
	return row && t->ops->key ? t->ops->key(p, row, a) : false;
}

static void table_find(struct pane *p, const char *text)
{
	struct table *t = T(p);
	struct tops_err err = {0};
	struct filter *f = filter_new(text, &err);
	if (!f && err.code) {
		ui_message(p->ui, true, "%s", tops_err_msg(&err));
		tops_err_clear(&err);
		return;
	}
	filter_free(t->filter);
	t->filter = f;
	t->cur = 0;
	t->top = 0;
	table_rebuild(p, true);
	remember_cursor(t);
}

/* Rows plus box and column header; PVC notes take a row each. */
static int table_want(struct pane *p)
{
	struct table *t = T(p);
	table_rebuild(p, false);
	size_t extra = 0;
	char note[256];
	if (t->ops->note && t->n < 100)
		for (size_t i = 0; i < t->n; i++)
			extra += t->ops->note(p, &t->rows[i], note, sizeof note);
	size_t want = t->n + extra + 3;
	return want > 1000 ? 1000 : (int)(want < 4 ? 4 : want);
}

static void table_tick(struct pane *p)
{
	(void)p; /* ages are recomputed at draw time; the ui redraws every second */
}

static void table_free(struct pane *p)
{
	struct table *t = T(p);
	filter_free(t->filter);
	free(t->rows);
	free(t->fkeys);
	free(t->cur_key);
	free(t);
	free(p);
}

static const struct pane_ops table_pane_ops = {
	.name = "table",
	.draw = table_draw,
	.key = table_key,
	.find = table_find,
	.tick = table_tick,
	.want = table_want,
	.free = table_free,
};

struct pane *table_pane_new(struct ui *ui, const char *title, const struct table_ops *ops,
			    unsigned scope)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct table *t = xcalloc(1, sizeof *t);
	t->ops = ops;
	t->sort_col = ops->default_sort;
	t->desc = ops->default_desc;
	p->ops = &table_pane_ops;
	p->ui = ui;
	p->priv = t;
	p->scope = KS_TABLE | scope;
	tables_ui = ui;
	snprintf(p->title, sizeof p->title, "%s", title);
	return p;
}
