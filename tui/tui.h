/* tui — the console: terminal, loop, panes, keys, themes. Only tui/ includes curses.
 *
 * One thread owns the loop, the store and the screen. Input, signals and data changes only mark
 * things dirty; one uv_prepare_t redraws once per loop iteration, at most 30 frames a second.
 */
#ifndef TOPS_TUI_H
#define TOPS_TUI_H

#include "core/base/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

/* ---- theme roles: ROLE(id, yaml name, fg, bg, colour attrs, monochrome attrs) ---- */
#define TUI_ROLES(R) \
	R(NORMAL,       "normal",       "default", "default", "",            "") \
	R(HEADER,       "header",       "bright-white", "blue", "",          "reverse") \
	R(HEADER_DIM,   "header_dim",   "cyan",    "blue",    "",            "reverse") \
	R(FOOTER,       "footer",       "white",   "236",     "",            "reverse") \
	R(FOOTER_KEY,   "footer_key",   "yellow",  "236",     "bold",        "reverse,bold") \
	R(BORDER,       "border",       "blue",    "default", "",            "dim") \
	R(BORDER_FOCUS, "border_focus", "bright-cyan", "default", "",        "bold") \
	R(TITLE,        "title",        "cyan",    "default", "",            "") \
	R(TITLE_FOCUS,  "title_focus",  "yellow",  "default", "bold",        "bold,underline") \
	R(COLHDR,       "column_header","white",   "default", "bold",        "bold") \
	R(SELECTED,     "selected",     "black",   "cyan",    "",            "reverse") \
	R(OK,           "ok",           "green",   "default", "",            "") \
	R(PROGRESS,     "progressing",  "cyan",    "default", "",            "") \
	R(WARN,         "warning",      "bright-yellow", "default", "",      "bold") \
	R(ERROR,        "error",        "red",     "default", "bold",        "bold,underline") \
	R(DONE,         "completed",    "bright-black", "default", "",       "dim") \
	R(STALE,        "stale",        "magenta", "default", "dim",         "dim") \
	R(BANNER,       "banner",       "white",   "red",     "bold",        "reverse,bold") \
	R(MESSAGE,      "message",      "yellow",  "default", "bold",        "bold") \
	R(MATCH,        "match",        "black",   "yellow",  "",            "reverse,underline") \
	R(BAR_DONE,     "bar_done",     "green",   "default", "",            "") \
	R(BAR_TODO,     "bar_todo",     "bright-black", "default", "",       "dim") \
	R(KEY,          "key",          "yellow",  "default", "bold",        "bold") \
	R(DIM,          "dim",          "bright-black", "default", "",       "dim")

enum tui_role {
#define R(id, ...) ROLE_##id,
	TUI_ROLES(R)
#undef R
	ROLE__COUNT
};

/* ---- key scopes and actions (tui/keys.def) ---- */
enum {
	KS_GLOBAL = 1 << 0,
	KS_DASH = 1 << 1,
	KS_TABLE = 1 << 2,
	KS_PODS = 1 << 3,
	KS_TEXT = 1 << 4,
	KS_LOGS = 1 << 5,
	KS_RENDER = 1 << 6,     /* the Render view (tui/pane_render.c) */
	KS_EVENTS = 1 << 7,     /* the Events pane */
	KS_PFWD = 1 << 8,       /* the Port-forwards view (tui/portfwds.c) */
	KS_SNAPS = 1 << 9,      /* the Snapshots view (tui/pane_snapshots.c) */
	KS_RELEASES = 1 << 10,  /* the Releases view */
	KS_HISTORY = 1 << 11,   /* a release's history */
	KS_OP = 1 << 12,        /* the supervision view of an operation */
	KS_CONFIRM = 1 << 13,   /* a plan waiting for the operator's answer */
	KS_FORM = 1 << 14,      /* the upgrade dialog's fields */
};

enum tui_action {
	ACT_NONE = 0,
#define K(id, k1, k2, label, scope, short_, help) ACT_##id,
#include "tui/keys.def"
#undef K
	ACT__COUNT
};

struct key_entry {
	enum tui_action action;
	int key1, key2;
	const char *label;
	unsigned scope;
	const char *short_;
	const char *help;
};
/* The key table (static, borrowed) and its length. */
const struct key_entry *keys_table(size_t *n);
/* The action bound to ch in any of the scopes in mask; ACT_NONE when unbound. */
enum tui_action keys_lookup(int ch, unsigned mask);
/* Label of an action ("j ↓"); ASCII form when the terminal is not UTF-8. Borrowed. */
const char *keys_label(enum tui_action a);

/* ---- terminal (tui/term.c is the only file calling initscr/endwin/colour setup) ---- */
struct theme;
/* Sets the terminal up (alternate screen, raw keys, colours from theme). Registers atexit and
 * fatal-signal handlers that restore the terminal. Returns 0 or -TOPS_EIO with err set. */
int term_init(const struct theme *th, struct tops_err *err);
/* Restores the terminal; idempotent, safe from atexit. */
void term_done(void);
/* Hands the terminal to another program (an exec session): the shell's modes and the normal
 * screen come back; curses keeps its picture. term_resume() restores the console's modes and
 * draws that picture again, every cell, at the current size. */
void term_suspend(void);
void term_resume(void);
/* The terminal is gone (SIGHUP, EIO): term_done() will leave curses alone (writing to a lost
 * terminal could block or fail; there is nothing to restore). */
void term_abandon(void);
/* Re-reads the window size after SIGWINCH and tells curses. */
void term_resize(void);
/* True when the locale is UTF-8 (box drawing and block glyphs); else ASCII fallbacks. */
bool term_utf8(void);
/* curses attributes for a role (colour pair or monochrome attributes). */
int term_attr(enum tui_role r);

/* Glyphs with ASCII fallbacks. */
enum tui_glyph { G_HLINE, G_VLINE, G_ULCORNER, G_URCORNER, G_LLCORNER, G_LRCORNER, G_BAR_FULL,
		 G_BAR_EMPTY, G_ARROW_UP, G_ARROW_DOWN, G_ELLIPSIS, G_BULLET, G__COUNT };
const char *term_glyph(enum tui_glyph g);

/* ---- themes (tui/theme.c) ---- */
struct theme_role {
	short fg, bg;     /* curses colour numbers; -1 default */
	int attrs;        /* curses attributes with colour */
	int mono;         /* curses attributes without colour */
};
struct theme {
	char *name;
	char *path;       /* file it came from; NULL for the built-in theme */
	struct theme_role roles[ROLE__COUNT];
};
/* Loads a theme: name NULL means "default" (built-in when no file is found); a name containing
 * '/' or ending in ".yaml" is a path; otherwise themes/NAME.yaml is searched in ./themes,
 * $XDG_DATA_HOME/tops/themes (~/.local/share), next to the binary (../themes) and
 * /usr/local/share/tops/themes. Errors name file:line:col. Caller frees with theme_free(). */
int theme_load(const char *name, struct theme **out, struct tops_err *err);
void theme_free(struct theme *th);

/* ---- drawing helpers (tui/draw.c) ---- */
/* Writes s clipped to w columns at (y,x), padding with spaces to w when pad; returns columns used. */
int draw_text(int y, int x, int w, const char *s, int attr, bool pad);
/* Display width of a UTF-8 string (wcwidth per code point). */
int text_width(const char *s);
/* A box with a title; focused boxes use the focus roles. */
void draw_box(int y, int x, int h, int w, const char *title, const char *info, bool focused);
/* A progress bar of w cells, `done` of `total` filled. */
void draw_bar(int y, int x, int w, long done, long total);

/* ---- panes ---- */
struct ui;
struct pane;

struct pane_ops {
	const char *name;
	/* Draws into the rectangle set in p->y/x/h/w. */
	void (*draw)(struct pane *p);
	/* Handles an action (or the raw key ch when action is ACT_NONE); returns true when consumed. */
	bool (*key)(struct pane *p, enum tui_action a, int ch);
	/* A filter or search string from the `/` prompt ("" clears). */
	void (*find)(struct pane *p, const char *text);
	/* The data changed (store notification); mark dirty if it concerns this pane. */
	void (*changed)(struct pane *p, int kind);
	/* Optional: rows the pane would like (content plus borders) for the layout. */
	int (*want)(struct pane *p);
	/* Optional periodic tick (once a second). */
	void (*tick)(struct pane *p);
	void (*free)(struct pane *p);
};

struct pane {
	const struct pane_ops *ops;
	struct ui *ui;
	char title[64];
	unsigned scope;          /* key scopes accepted (KS_*) besides KS_GLOBAL */
	int y, x, h, w;          /* rectangle of the last layout */
	bool focused;
	bool text_input;         /* every key but Esc goes to the pane (a field being typed in) */
	void *priv;
};

/* ---- the console ---- */
enum prompt_mode { PROMPT_NONE, PROMPT_FIND, PROMPT_COMMAND };

struct ui {
	uv_loop_t *loop;
	uv_poll_t stdin_poll;
	uv_signal_t sig[4];
	uv_prepare_t prepare;
	uv_timer_t clock;
	uv_timer_t frame;
	bool dirty;
	bool data_dirty;           /* only cluster data changed (paced when it changes all the time) */
	uint64_t data_changes[16]; /* when the last data changes arrived (ring): busy when all within 1 s */
	unsigned data_change_i;
	uint64_t busy_ms;          /* when the data changes last came at the churn rate */
	bool quit;
	int exit_code;
	bool input_closed;         /* quit because stdin hung up or reached end-of-file */
	bool quit_ask;             /* `q` during an operation: wait, abort or leave it headless? */
	bool headless;             /* the terminal is gone: the operation finishes without it */
	uint64_t frame_ms[30];     /* when the last frames went out (ring; see ui.c) */
	unsigned frame_i;
	uint64_t frames;
	int64_t clock_s;           /* wall second shown by the clock and used for ages */
	bool tick;                 /* the clock's second passed: advance clock_s at the next frame */

	struct pane *dash[4];      /* Pods, PVCs, Workloads, Events */
	int focus;
	bool zoom;
	struct pane *stack[8];     /* full-screen views above the dashboard (detail, yaml, logs, help) */
	int depth;

	enum prompt_mode prompt;
	char prompt_buf[256];
	size_t prompt_len;
	char *message;             /* status line message (owned), shown until message_until_ms */
	uint64_t message_until_ms;
	bool message_error;

	struct tui_data *data;     /* cluster data: client, informers, store (tui/data.c) */
	const struct theme *theme;
};

/* ---- the shell (tui/shell.c): what panes and data sources may ask of the console ---- */
/* Marks the screen for redraw at the next loop iteration. */
void ui_dirty(struct ui *ui);
/* Marks the screen for redraw because cluster data changed. */
void ui_data_dirty(struct ui *ui);
/* Pushes a full-screen view (ownership passes to the ui). */
void ui_push(struct ui *ui, struct pane *p);
/* Pops and frees the top view; false when there is none. */
bool ui_pop(struct ui *ui);
/* The pane that receives keys (top view, else the focused dashboard pane). */
struct pane *ui_active(struct ui *ui);
/* Shows a status message for a few seconds. */
void ui_message(struct ui *ui, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Focuses dashboard pane i (0..3) and leaves any view. */
void ui_focus(struct ui *ui, int i);
/* Runs a `:` command line; returns 0 or -TOPS_EINVAL after showing a message. */
int ui_command(struct ui *ui, const char *line);

/* tui/help.c: a full-screen view listing the key table by scope. */
struct pane *help_new(struct ui *ui);
/* tui/header.c: header (context, server, namespace, connection, clock), banner and footer. */
void header_draw(struct ui *ui, int y, int w);
/* Draws the disconnect banner when the API is unreachable; returns rows used (0 or 1). */
int banner_draw(struct ui *ui, int y, int w);
void footer_draw(struct ui *ui, int y, int w);
/* tui/cmdline.c: the `/` and `:` prompt: key handling and drawing. */
void cmdline_open(struct ui *ui, enum prompt_mode mode);
/* Handles a key while the prompt is open; always consumes it. */
void cmdline_key(struct ui *ui, int ch);
void cmdline_draw(struct ui *ui, int y, int w);
/* Completes word at the end of buf among the commands and their arguments (in place). */
void cmdline_complete(struct ui *ui, char *buf, size_t cap, size_t *len);

/* ---- tui/filter.c: `/` filters: substring of the name or a label selector ---- */
struct filter;
/* NULL for an empty text. A text containing '=', '!' or " in " is parsed as a label selector;
 * anything else matches case-insensitively as a substring of the name. Caller frees. */
struct filter *filter_new(const char *text, struct tops_err *err);
void filter_free(struct filter *f);
typedef const char *(*filter_label_fn)(const void *obj, const char *key);
bool filter_match(const struct filter *f, const char *name, filter_label_fn labels, const void *obj);
const char *filter_text(const struct filter *f);

/* ---- entry point (cli/cmd_ui.c) ---- */
struct tui_opts {
	const char *theme;
};
/* Runs the console until the user quits or a signal arrives; returns the exit status. */
int tui_run(const struct tui_opts *o);

#endif
