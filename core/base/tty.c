/* tty — termios raw mode; see tty.h. */
#include "core/base/tty.h"

#include <unistd.h>

int tty_raw(int fd, struct tty_state *st)
{
	st->raw = false;
	st->fd = fd;
	if (!isatty(fd) || tcgetattr(fd, &st->saved) != 0)
		return -1;
	struct termios t = st->saved;
	cfmakeraw(&t);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSADRAIN, &t) != 0)
		return -1;
	st->raw = true;
	return 0;
}

void tty_restore(struct tty_state *st)
{
	if (st->raw)
		tcsetattr(st->fd, TCSADRAIN, &st->saved);
	st->raw = false;
}
