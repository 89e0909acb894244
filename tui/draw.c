/* draw — text clipping by display width, boxes, progress bars. */
#include "tui/tui.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Decodes one character at s; returns its byte length (>= 1) and display width in *wid
 * (control characters and invalid bytes count as one '?' column). */
static size_t char_at(const char *s, int *wid, bool *printable)
{
	unsigned char c = (unsigned char)*s;
	if (c < 0x80) {
		*printable = c >= 0x20 && c != 0x7f;
		*wid = 1;
		return 1;
	}
	mbstate_t st;
	memset(&st, 0, sizeof st);
	wchar_t wc;
	size_t n = mbrtowc(&wc, s, MB_CUR_MAX, &st);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
		*printable = false;
		*wid = 1;
		return 1;
	}
	int w = wcwidth(wc);
	*printable = w >= 0;
	*wid = w < 0 ? 1 : w;
	return n;
}

int text_width(const char *s)
{
	int total = 0, w;
	bool pr;
	while (*s) {
		s += char_at(s, &w, &pr);
		total += w;
	}
	return total;
}

int draw_text(int y, int x, int w, const char *s, int attr, bool pad)
{
	if (w <= 0)
		return 0;
	attrset(attr);
	move(y, x);
	int used = 0;
	while (s && *s) {
		int cw;
		bool pr;
		size_t n = char_at(s, &cw, &pr);
		if (used + cw > w)
			break;
		if (pr)
			addnstr(s, (int)n);
		else
			addch('?');
		used += cw;
		s += n;
	}
	if (pad)
		for (; used < w; used++)
			addch(' ');
	attrset(A_NORMAL);
	return used;
}

static void hline_at(int y, int x, int w, const char *g)
{
	move(y, x);
	for (int i = 0; i < w; i++)
		addstr(g);
}

void draw_box(int y, int x, int h, int w, const char *title, const char *info, bool focused)
{
	if (h < 2 || w < 4)
		return;
	int battr = term_attr(focused ? ROLE_BORDER_FOCUS : ROLE_BORDER);
	attrset(battr);
	mvaddstr(y, x, term_glyph(G_ULCORNER));
	hline_at(y, x + 1, w - 2, term_glyph(G_HLINE));
	mvaddstr(y, x + w - 1, term_glyph(G_URCORNER));
	for (int i = 1; i < h - 1; i++) {
		mvaddstr(y + i, x, term_glyph(G_VLINE));
		mvaddstr(y + i, x + w - 1, term_glyph(G_VLINE));
	}
	mvaddstr(y + h - 1, x, term_glyph(G_LLCORNER));
	hline_at(y + h - 1, x + 1, w - 2, term_glyph(G_HLINE));
	mvaddstr(y + h - 1, x + w - 1, term_glyph(G_LRCORNER));
	attrset(A_NORMAL);
	char t[160];
	snprintf(t, sizeof t, " %s ", title);
	int used = draw_text(y, x + 2, w - 4, t, term_attr(focused ? ROLE_TITLE_FOCUS : ROLE_TITLE), false);
	if (info && *info && used + 4 < w - 4) {
		snprintf(t, sizeof t, " %s ", info);
		draw_text(y, x + 2 + used + 1, w - 5 - used, t, term_attr(ROLE_DIM), false);
	}
}

void draw_bar(int y, int x, int w, long done, long total)
{
	if (w <= 0)
		return;
	long filled = total > 0 ? (done * w + total / 2) / total : 0;
	if (filled > w)
		filled = w;
	if (done > 0 && filled == 0)
		filled = 1;
	move(y, x);
	attrset(term_attr(ROLE_BAR_DONE));
	for (long i = 0; i < filled; i++)
		addstr(term_glyph(G_BAR_FULL));
	attrset(term_attr(ROLE_BAR_TODO));
	for (long i = filled; i < w; i++)
		addstr(term_glyph(G_BAR_EMPTY));
	attrset(A_NORMAL);
}

