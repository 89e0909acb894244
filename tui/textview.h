/* textview — a scrollable list of text lines with search highlight and wrapping, shared by the
 * help, describe, YAML and log views. Only the lines on screen are laid out. */
#ifndef TOPS_TUI_TEXTVIEW_H
#define TOPS_TUI_TEXTVIEW_H

#include "tui/tui.h"

struct textview {
	char **lines;
	unsigned char *roles;
	size_t n, cap;
	size_t max_lines;      /* 0: unlimited; else the oldest lines are dropped */
	size_t dropped;        /* lines dropped so far */
	size_t top;
	int page;
	bool wrap;
	bool follow;           /* keep the last line in view */
	char *search;
	size_t match;          /* line of the current match */
};

void tv_init(struct textview *tv, size_t max_lines);
void tv_done(struct textview *tv);
void tv_clear(struct textview *tv);
/* Appends a line (copied; a trailing '\r' is removed; tabs become spaces). */
void tv_add(struct textview *tv, enum tui_role role, const char *text, size_t len);
void tv_addf(struct textview *tv, enum tui_role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Draws the lines into the rectangle inside a box titled title (info beside it). */
void tv_draw(struct textview *tv, int y, int x, int h, int w, const char *title, const char *info);
/* Navigation, n/N and wrap; true when consumed. */
bool tv_key(struct textview *tv, enum tui_action a);
/* Sets the search text ("" clears) and jumps to the first match from the top line;
 * returns false when nothing matches. */
bool tv_search(struct textview *tv, const char *text);

#endif
