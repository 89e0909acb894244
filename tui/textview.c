/* textview — scrollable text with search highlight and wrapping (see textview.h). */
#include "tui/textview.h"

#include <curses.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void tv_init(struct textview *tv, size_t max_lines)
{
	memset(tv, 0, sizeof *tv);
	tv->max_lines = max_lines;
}

void tv_clear(struct textview *tv)
{
	for (size_t i = 0; i < tv->n; i++)
		free(tv->lines[i]);
	tv->n = 0;
	tv->top = 0;
	tv->match = 0;
}

void tv_done(struct textview *tv)
{
	tv_clear(tv);
	free(tv->lines);
	free(tv->roles);
	free(tv->search);
}

static void drop_oldest(struct textview *tv)
{
	size_t k = tv->max_lines / 10 + 1;
	for (size_t i = 0; i < k; i++)
		free(tv->lines[i]);
	memmove(tv->lines, tv->lines + k, (tv->n - k) * sizeof *tv->lines);
	memmove(tv->roles, tv->roles + k, tv->n - k);
	tv->n -= k;
	tv->dropped += k;
	tv->top = tv->top > k ? tv->top - k : 0;
}

void tv_add(struct textview *tv, enum tui_role role, const char *text, size_t len)
{
	if (tv->max_lines && tv->n >= tv->max_lines)
		drop_oldest(tv);
	if (tv->n == tv->cap) {
		tv->cap = tv->cap ? tv->cap * 2 : 256;
		tv->lines = xrealloc(tv->lines, tv->cap * sizeof *tv->lines);
		tv->roles = xrealloc(tv->roles, tv->cap);
	}
	if (len && text[len - 1] == '\r')
		len--;
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\t')
			sb_adds(&sb, "    ");
		else
			sb_addc(&sb, text[i]);
	tv->lines[tv->n] = sb_detach(&sb, NULL);
	tv->roles[tv->n++] = (unsigned char)role;
}

void tv_addf(struct textview *tv, enum tui_role role, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	tv_add(tv, role, s, strlen(s));
	free(s);
}

/* Byte offset where the text after the first `cols` display columns starts. */
static size_t skip_cols(const char *s, int cols)
{
	size_t off = 0;
	while (s[off] && cols > 0) {
		char one[8] = {0};
		size_t n = 1;
		while (n < 4 && ((unsigned char)s[off + n] & 0xC0) == 0x80)
			n++;
		memcpy(one, s + off, n);
		cols -= text_width(one);
		off += n;
	}
	return off;
}

/* Draws one screen row of text with search matches highlighted. */
static void draw_hl(struct textview *tv, int y, int x, int w, const char *s, int attr)
{
	draw_text(y, x, w, "", attr, true);
	int col = 0;
	size_t sl = tv->search ? strlen(tv->search) : 0;
	while (*s && col < w) {
		const char *m = sl ? strcasestr(s, tv->search) : NULL;
		size_t plain = m ? (size_t)(m - s) : strlen(s);
		char *seg = xstrndup(s, plain);
		col += draw_text(y, x + col, w - col, seg, attr, false);
		free(seg);
		if (!m)
			break;
		seg = xstrndup(m, sl);
		col += draw_text(y, x + col, w - col, seg, term_attr(ROLE_MATCH), false);
		free(seg);
		s = m + sl;
	}
}

static int line_rows(struct textview *tv, size_t i, int w)
{
	if (!tv->wrap || w <= 0)
		return 1;
	int tw = text_width(tv->lines[i]);
	return tw <= w ? 1 : (tw + w - 1) / w;
}

/* The top line that shows the last lines when following. */
static size_t follow_top(struct textview *tv, int h, int w)
{
	size_t top = tv->n;
	int rows = 0;
	while (top > 0 && rows + line_rows(tv, top - 1, w) <= h)
		rows += line_rows(tv, --top, w);
	return top;
}

void tv_draw(struct textview *tv, int y, int x, int h, int w, const char *title, const char *info)
{
	draw_box(y, x, h, w, title, info, true);
	int ih = h - 2, iw = w - 2;
	tv->page = ih;
	if (ih <= 0 || iw <= 0)
		return;
	if (tv->follow)
		tv->top = follow_top(tv, ih, iw);
	if (tv->top >= tv->n)
		tv->top = tv->n ? tv->n - 1 : 0;
	int row = 0;
	for (size_t i = tv->top; i < tv->n && row < ih; i++) {
		const char *s = tv->lines[i];
		int attr = term_attr((enum tui_role)tv->roles[i]);
		do {
			draw_hl(tv, y + 1 + row, x + 1, iw, s, attr);
			s += skip_cols(s, iw);
			row++;
		} while (tv->wrap && *s && row < ih);
	}
}

static void tv_move(struct textview *tv, long delta)
{
	long t = (long)tv->top + delta;
	long max = (long)tv->n - (tv->page > 0 ? tv->page : 1);
	if (t > max)
		t = max;
	if (t < 0)
		t = 0;
	tv->top = (size_t)t;
	tv->follow = false;
}

static bool tv_find_from(struct textview *tv, size_t start, int dir)
{
	if (!tv->search || !*tv->search || tv->n == 0)
		return false;
	for (size_t k = 0; k < tv->n; k++) {
		size_t i = dir > 0 ? (start + k) % tv->n : (start + tv->n - k) % tv->n;
		if (strcasestr(tv->lines[i], tv->search)) {
			tv->match = i;
			tv->top = i > 2 ? i - 2 : 0;
			tv->follow = false;
			return true;
		}
	}
	return false;
}

bool tv_search(struct textview *tv, const char *text)
{
	free(tv->search);
	tv->search = *text ? xstrdup(text) : NULL;
	return tv->search ? tv_find_from(tv, tv->top, 1) : true;
}

bool tv_key(struct textview *tv, enum tui_action a)
{
	long page = tv->page > 1 ? tv->page - 1 : 1;
	switch (a) {
	case ACT_DOWN: tv_move(tv, 1); return true;
	case ACT_UP: tv_move(tv, -1); return true;
	case ACT_PGDN: tv_move(tv, page); return true;
	case ACT_PGUP: tv_move(tv, -page); return true;
	case ACT_TOP: tv_move(tv, -(long)tv->n); return true;
	case ACT_BOTTOM: tv_move(tv, (long)tv->n); return true;
	case ACT_WRAP: tv->wrap = !tv->wrap; return true;
	case ACT_NEXT_MATCH: tv_find_from(tv, tv->match + 1, 1); return true;
	case ACT_PREV_MATCH: tv_find_from(tv, tv->match + tv->n - 1, -1); return true;
	default: return false;
	}
}
