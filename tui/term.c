/* term — the only place that talks to curses' setup: initscr/endwin, colours, restore paths. */
#include "tui/tui.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static bool term_active;
static bool term_is_utf8;
static bool term_colour;
static int role_attr[ROLE__COUNT];

static const char *const glyph_utf8[G__COUNT] = {
	[G_HLINE] = "─", [G_VLINE] = "│", [G_ULCORNER] = "┌", [G_URCORNER] = "┐",
	[G_LLCORNER] = "└", [G_LRCORNER] = "┘", [G_BAR_FULL] = "█", [G_BAR_EMPTY] = "░",
	[G_ARROW_UP] = "▲", [G_ARROW_DOWN] = "▼", [G_ELLIPSIS] = "…", [G_BULLET] = "●",
};
static const char *const glyph_ascii[G__COUNT] = {
	[G_HLINE] = "-", [G_VLINE] = "|", [G_ULCORNER] = "+", [G_URCORNER] = "+",
	[G_LLCORNER] = "+", [G_LRCORNER] = "+", [G_BAR_FULL] = "#", [G_BAR_EMPTY] = ".",
	[G_ARROW_UP] = "^", [G_ARROW_DOWN] = "v", [G_ELLIPSIS] = "~", [G_BULLET] = "*",
};

const char *term_glyph(enum tui_glyph g)
{
	return term_is_utf8 ? glyph_utf8[g] : glyph_ascii[g];
}

bool term_utf8(void)
{
	return term_is_utf8;
}

int term_attr(enum tui_role r)
{
	return role_attr[r];
}

void term_done(void)
{
	if (!term_active)
		return;
	term_active = false;
	curs_set(1);
	endwin();
	fflush(stdout);
}

/* A crash must not leave the terminal raw: restore, then die with the same signal. */
static void fatal_signal(int sig)
{
	term_done();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void colours_setup(const struct theme *th)
{
	const char *nc = getenv("NO_COLOR");
	term_colour = has_colors() && !(nc && *nc);
	if (term_colour) {
		start_color(); /* COLORS is known only after this */
		use_default_colors();
		term_colour = COLORS >= 8;
	}
	for (int r = 0; r < ROLE__COUNT; r++) {
		const struct theme_role *tr = &th->roles[r];
		if (!term_colour) {
			role_attr[r] = tr->mono;
			continue;
		}
		short fg = tr->fg, bg = tr->bg;
		int attrs = tr->attrs;
		if (fg >= COLORS) { /* bright-* on 8 colours: bold base colour; bright-black: dim white */
			attrs |= fg == 8 ? A_DIM : A_BOLD;
			fg = fg == 8 ? COLOR_WHITE : (short)(fg % 8);
		}
		if (bg >= COLORS)
			bg = (short)(bg % 8);
		init_pair((short)(r + 1), fg, bg);
		role_attr[r] = COLOR_PAIR(r + 1) | attrs;
	}
}

int term_init(const struct theme *th, struct tops_err *err)
{
	setlocale(LC_ALL, "");
	/* the locale's character set for the terminal, but numbers stay C: charts, values, YAML and
	 * JSON are read and written with a decimal point whatever LC_NUMERIC says */
	setlocale(LC_NUMERIC, "C");
	const char *cs = nl_langinfo(CODESET);
	term_is_utf8 = cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return tops_err_set(err, TOPS_EIO, "the console needs a terminal (stdin and stdout)");
	const char *t = getenv("TERM");
	if (!t || !*t)
		setenv("TERM", "xterm", 1);
	if (!initscr())
		return tops_err_set(err, TOPS_EIO, "cannot initialise the terminal");
	/* ncurses (6.x) flushes its output after every cursor movement for as long as the screen
	 * has never been suspended (_nc_mvcur tests for the initial state, meant for low-level
	 * terminfo programs); a frame then left in one write() per moved-to cell run, 20 to 70 of
	 * them. One endwin() and refresh() before anything is drawn end that state: a frame now
	 * goes out of curses' screen-sized buffer in one write. */
	endwin();
	refresh();
	term_active = true;
	atexit(term_done);
	signal(SIGSEGV, fatal_signal);
	signal(SIGABRT, fatal_signal);
	signal(SIGBUS, fatal_signal);
	signal(SIGFPE, fatal_signal);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	/* Rows that move (a pod deleted or created above others) are moved by the terminal's
	 * insert/delete line instead of being written again. */
	idlok(stdscr, TRUE);
	/* The cursor is hidden: curses need not move it back after each frame (the prompt turns
	 * this off while it shows the cursor). */
	leaveok(stdscr, TRUE);
	colours_setup(th);
	return 0;
}

static bool term_suspended;

void term_suspend(void)
{
	if (!term_active || term_suspended)
		return;
	def_prog_mode();
	endwin();
	fflush(stdout);
	term_suspended = true;
}

void term_resume(void)
{
	if (!term_suspended)
		return;
	term_suspended = false;
	reset_prog_mode();
	term_resize();   /* the size may have changed meanwhile; every cell is drawn again */
	refresh();
}

void term_abandon(void)
{
	term_active = false;
}

void term_resize(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}
