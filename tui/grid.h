/* grid — a small selectable table of text cells for views whose rows are not store records
 * (releases, history, audit): columns sized to their cells, a cursor kept on its row's key
 * across rebuilds, a case-insensitive substring filter over the whole row. */
#ifndef TOPS_TUI_GRID_H
#define TOPS_TUI_GRID_H

#include "tui/tui.h"

struct grid_row {
	char **cells;              /* ncols strings, owned */
	char *key;                 /* identity kept under the cursor across rebuilds, owned */
	enum tui_role role;
};

struct grid {
	const char *const *cols;   /* column names (borrowed, static) */
	int ncols;
	struct grid_row *rows;
	size_t n, cap;
	size_t *vis;               /* indices of the rows passing the filter */
	size_t nvis;
	size_t cur, top;           /* positions in vis */
	int page;
	char *filter;
	char *cur_key;             /* key of the cursor row before a rebuild */
};

void grid_init(struct grid *g, const char *const *cols, int ncols);
void grid_done(struct grid *g);
/* Starts a rebuild: rows are dropped, the cursor's key is remembered. */
void grid_clear(struct grid *g);
/* Appends a row with key (copied) and returns it; set its cells with grid_set(). */
struct grid_row *grid_add(struct grid *g, const char *key, enum tui_role role);
void grid_set(struct grid_row *r, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Ends a rebuild: applies the filter and puts the cursor back on its key. */
void grid_done_rows(struct grid *g);
/* Draws the table in a box; the empty text shows when there are no rows. */
void grid_draw(struct grid *g, int y, int x, int h, int w, const char *title, const char *info,
	       const char *empty);
/* Cursor movement; true when consumed. */
bool grid_key(struct grid *g, enum tui_action a);
/* Sets the filter ("" clears). */
void grid_filter(struct grid *g, const char *text);
/* The row under the cursor, or NULL. Borrowed until the next rebuild. */
const struct grid_row *grid_current(const struct grid *g);

#endif
