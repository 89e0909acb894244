/* tty — a terminal's raw mode for sessions that hand the keyboard to a remote program (exec -t,
 * the console's shell). No curses: termios only. */
#ifndef TOPS_TTY_H
#define TOPS_TTY_H

#include <stdbool.h>
#include <termios.h>

struct tty_state {
	struct termios saved;
	int fd;
	bool raw;
};

/* Puts fd in raw mode (no echo, no line editing, no signals from keys, bytes as typed; output
 * processing kept off too, as a remote terminal does its own), saving the mode in *st.
 * 0, or -1 when fd is not a terminal. */
int tty_raw(int fd, struct tty_state *st);
/* Puts back the saved mode (no-op when tty_raw did not succeed). Async-signal-safe. */
void tty_restore(struct tty_state *st);

#endif
