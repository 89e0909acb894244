/* table — a virtualised table pane over store records: filter, sort, cursor kept on its object
 * by key, and cells formatted only for the rows on screen. Pods, PVCs, Workloads and Events
 * are tables that supply columns and callbacks. */
#ifndef TOPS_TUI_TABLE_H
#define TOPS_TUI_TABLE_H

#include "tui/data.h"

struct table_row {
	enum kube_kind kind;
	const union st_record *rec;   /* borrowed until the store changes (the table then rebuilds) */
	int64_t num;                  /* sort key of the current sort column */
	const char *str;              /* secondary sort key (borrowed from the record) */
	/* Folding (table_ops.fold): the row stands for folded + 1 records, count in all (the sum
	 * of their weights); many: they are about more than one object (table_ops.fold_object);
	 * fkey is the group's key (valid until the next rebuild), NULL when the row is not
	 * folded. */
	uint32_t folded;
	bool many;
	int64_t count;
	const char *fkey;
};

enum col_type { COL_TEXT, COL_BAR };

struct table_col {
	const char *name;
	int width;          /* 0: flexible (takes what is left) */
	bool right;         /* right-aligned */
	enum col_type type;
	int drop;           /* when space runs out, columns go in increasing order (0: never) */
	int minw;           /* flexible column: the width it needs before others are dropped */
	bool fit;           /* flexible column: also needs the width of its widest visible cell
			     * (always so for a flexible first column: the object's name) */
	bool (*visible)(void);  /* NULL: always; else the column shows only while this is true */
	bool health;        /* with table_ops.health_cells: this cell carries the row's colour */
};

struct table_ops {
	enum kube_kind kinds[2];     /* the kinds listed (second is KK__COUNT when unused) */
	const struct table_col *cols;
	int ncols;
	int default_sort;
	bool default_desc;
	/* Writes the text of column col of row into buf (only called for visible rows). */
	void (*cell)(const struct table_row *row, int col, int64_t now, char *buf, size_t n);
	/* Progress of a COL_BAR column. */
	void (*bar)(const struct table_row *row, long *done, long *total);
	/* Role of the row (health colour). */
	enum tui_role (*role)(const struct table_row *row, int64_t now);
	/* Role of one `health` cell (below); NULL: the row's role. */
	enum tui_role (*cell_role)(const struct table_row *row, int col);
	/* When true, only the `health` columns take the row's colour, unless the row is failing
	 * or completed (those stay coloured across the row): a pod that goes from creating to
	 * ready rewrites two cells on the terminal, not its whole row. */
	bool health_cells;
	/* A stream, newest first (events): a cursor on the first row stays on the first row as new
	 * rows arrive above it, instead of following its row down and out of view. */
	bool follow_head;
	/* Sort key of a column: numeric part (compared first) and text part (borrowed); called
	 * after folding. */
	void (*sort_key)(const struct table_row *row, int col, int64_t *num, const char **str);
	/* Extra keys of the pane (ACT_LOGS on pods); may be NULL. */
	bool (*key)(struct pane *p, const struct table_row *row, enum tui_action a);
	/* Folding similar records into one row (events of one workload's pods); may be NULL.
	 * Writes the record's group key into key and returns its weight (>= 1), or 0 when the
	 * record is not folded. The record that comes first in the default sort order stands for
	 * its group; folding is on by default and ACT_FOLD turns it off and on. */
	int64_t (*fold)(const struct table_row *row, char *key, size_t n);
	/* The object a folded record is about (events: the involved object's name). */
	const char *(*fold_object)(const struct table_row *row);
	/* The wall-clock second from which the row's sort key changes by itself (a folded event
	 * row leaving the active window), or 0; the rows are sorted again then. May be NULL. */
	int64_t (*resort_at)(const struct table_row *row);
	/* Optional note drawn under a row (PVC pending reasons); returns true when written. */
	bool (*note)(struct pane *p, const struct table_row *row, char *buf, size_t n);
};

struct table {
	const struct table_ops *ops;
	struct table_row *rows;
	size_t n, cap;
	size_t total;                 /* records before filtering */
	size_t records;               /* records after filtering (rows plus what they fold) */
	bool unfolded;                /* ops->fold is not applied (ACT_FOLD) */
	int64_t resort_at;            /* wall second to sort again at (ops->resort_at), or 0 */
	char *fkeys;                  /* the rows' group keys, one after the other */
	size_t fkeys_cap;
	uint64_t seen[2];             /* store versions the rows were built from */
	void *seen_store;
	size_t cur, top;
	char *cur_key;                /* "kind/ns/name" of the cursor row */
	int sort_col;
	bool desc;
	struct filter *filter;
	bool all_ns;                  /* the rows were built across namespaces */
	int page;                     /* rows visible at the last draw */
};

/* True while the console shows all namespaces (-A, :ns all): the NAMESPACE columns show. */
bool table_all_namespaces(void);
/* The NAMESPACE column, first in a table, as kubectl prints it with -A; dropped in `drop`
 * order like the others (before the columns a small terminal keeps). */
#define TABLE_NS_COL(drop_) \
	{"NAMESPACE", 15, false, COL_TEXT, (drop_), 0, .visible = table_all_namespaces}

/* kstatus_age for a table cell drawn at now, the second the screen shows. A record from that
 * second or newer (it came after the last frame, while this one waited for the clock) is aged
 * by the wall clock, as the frame's next pass shows it: not <invalid>, and not written twice. */
char *table_age(int64_t t, int64_t now, char *buf, size_t n);

/* Creates a table pane (title e.g. "Pods"); scope adds KS_TABLE. */
struct pane *table_pane_new(struct ui *ui, const char *title, const struct table_ops *ops,
			    unsigned scope);
/* The row under the cursor, or NULL (rebuilds first when the store changed). */
const struct table_row *table_current(struct pane *p);
/* Label lookup for filters on records. */
const char *table_label_lookup(const void *rec, const char *key);

#endif
