/* grid — selectable rows of text cells (see grid.h). */
#include "tui/grid.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void grid_init(struct grid *g, const char *const *cols, int ncols)
{
	memset(g, 0, sizeof *g);
	g->cols = cols;
	g->ncols = ncols;
}

static void rows_free(struct grid *g)
{
	for (size_t i = 0; i < g->n; i++) {
		for (int c = 0; c < g->ncols; c++)
			free(g->rows[i].cells[c]);
		free(g->rows[i].cells);
		free(g->rows[i].key);
	}
	g->n = 0;
	g->nvis = 0;
}

void grid_done(struct grid *g)
{
	rows_free(g);
	free(g->rows);
	free(g->vis);
	free(g->filter);
	free(g->cur_key);
}

void grid_clear(struct grid *g)
{
	const struct grid_row *r = grid_current(g);
	if (r) {
		free(g->cur_key);
		g->cur_key = xstrdup(r->key);
	}
	rows_free(g);
}

struct grid_row *grid_add(struct grid *g, const char *key, enum tui_role role)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 16;
		g->rows = xrealloc(g->rows, g->cap * sizeof *g->rows);
	}
	struct grid_row *r = &g->rows[g->n++];
	r->cells = xcalloc((size_t)g->ncols, sizeof *r->cells);
	r->key = xstrdup(key ? key : "");
	r->role = role;
	return r;
}

void grid_set(struct grid_row *r, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(r->cells[col]);
	r->cells[col] = xvasprintf(fmt, ap);
	va_end(ap);
}

static bool row_matches(const struct grid *g, const struct grid_row *r)
{
	if (!g->filter || !*g->filter)
		return true;
	for (int c = 0; c < g->ncols; c++)
		if (r->cells[c] && strcasestr(r->cells[c], g->filter))
			return true;
	return false;
}

void grid_done_rows(struct grid *g)
{
	g->vis = xrealloc(g->vis, (g->n + 1) * sizeof *g->vis);
	g->nvis = 0;
	for (size_t i = 0; i < g->n; i++)
		if (row_matches(g, &g->rows[i]))
			g->vis[g->nvis++] = i;
	for (size_t i = 0; g->cur_key && i < g->nvis; i++)
		if (!strcmp(g->rows[g->vis[i]].key, g->cur_key))
			g->cur = i;
	if (g->cur >= g->nvis)
		g->cur = g->nvis ? g->nvis - 1 : 0;
}

void grid_filter(struct grid *g, const char *text)
{
	free(g->filter);
	g->filter = text && *text ? xstrdup(text) : NULL;
	const struct grid_row *r = grid_current(g);
	if (r) {
		free(g->cur_key);
		g->cur_key = xstrdup(r->key);
	}
	grid_done_rows(g);
}

const struct grid_row *grid_current(const struct grid *g)
{
	return g->cur < g->nvis ? &g->rows[g->vis[g->cur]] : NULL;
}

/* Each column is as wide as its widest cell (or name); the last takes what is left. */
static void col_widths(const struct grid *g, int w, int *cw)
{
	for (int c = 0; c < g->ncols; c++) {
		cw[c] = text_width(g->cols[c]);
		for (size_t i = 0; i < g->nvis; i++) {
			const char *s = g->rows[g->vis[i]].cells[c];
			int tw = s ? text_width(s) : 0;
			if (tw > cw[c])
				cw[c] = tw > 40 ? 40 : tw;
		}
	}
	int used = 0;
	for (int c = 0; c < g->ncols - 1; c++)
		used += cw[c] + 2;
	cw[g->ncols - 1] = w - used > 1 ? w - used : 1;
}

static void draw_cells(const struct grid *g, int y, int x, int w, const int *cw, char *const *cells,
		       int attr)
{
	draw_text(y, x, w, "", attr, true);
	int cx = x;
	for (int c = 0; c < g->ncols && cx < x + w; c++) {
		draw_text(y, cx, x + w - cx, cells[c] ? cells[c] : "", attr, false);
		cx += cw[c] + 2;
	}
}

void grid_draw(struct grid *g, int y, int x, int h, int w, const char *title, const char *info,
	       const char *empty)
{
	draw_box(y, x, h, w, title, info, true);
	int ih = h - 3, iw = w - 2;
	if (ih <= 0 || iw <= 4)
		return;
	int cw[16];
	col_widths(g, iw, cw);
	draw_cells(g, y + 1, x + 1, iw, cw, (char *const *)g->cols, term_attr(ROLE_COLHDR));
	g->page = ih;
	if (!g->nvis) {
		draw_text(y + 2, x + 2, iw - 1, empty, term_attr(ROLE_DIM), false);
		return;
	}
	if (g->cur < g->top)
		g->top = g->cur;
	if (g->cur >= g->top + (size_t)ih)
		g->top = g->cur - (size_t)ih + 1;
	for (int i = 0; i < ih && g->top + (size_t)i < g->nvis; i++) {
		size_t k = g->top + (size_t)i;
		const struct grid_row *r = &g->rows[g->vis[k]];
		int attr = k == g->cur ? term_attr(ROLE_SELECTED) : term_attr(r->role);
		draw_cells(g, y + 2 + i, x + 1, iw, cw, r->cells, attr);
	}
}

bool grid_key(struct grid *g, enum tui_action a)
{
	long page = g->page > 1 ? g->page - 1 : 1, to = (long)g->cur;
	switch (a) {
	case ACT_DOWN: to += 1; break;
	case ACT_UP: to -= 1; break;
	case ACT_PGDN: to += page; break;
	case ACT_PGUP: to -= page; break;
	case ACT_TOP: to = 0; break;
	case ACT_BOTTOM: to = (long)g->nvis; break;
	default: return false;
	}
	if (to >= (long)g->nvis)
		to = (long)g->nvis - 1;
	g->cur = to < 0 ? 0 : (size_t)to;
	return true;
}
