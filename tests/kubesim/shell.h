/* shell — what a simulated container runs when a client execs into it (pods/exec).
 *
 * The contract scenarios and tests rely on:
 * - Commands: `echo ARGS` (-n), `env` (PATH, HOSTNAME=<pod>, the container's spec env with
 *   literal values in order, HOME=/root; TERM=xterm with a tty), `cat FILE...` (no file or "-":
 *   stdin), `ls [DIR...]`, `sha256sum FILE...` (coreutils' "HASH  FILE" lines; no file: stdin as
 *   "-"), `seq [FIRST] LAST`, `true`, `false`, `hostname`, `pwd`, `stty size` ("ROWS COLS" of the
 *   last resize), `sleep N`, `exit [N]`, `sh -c 'LINE'`, an interactive `sh` (a tty gets the
 *   prompt "$ " and its input echoed), and `make snapshot-refresh`.
 * - A line is split at ';' and may end in `>&2` / `1>&2` (to stderr) or `>/dev/null`; words are
 *   split at blanks with '...' and "..." quoting.
 * - Files: /etc/hostname (the pod name), /etc/os-release, /app/Makefile, and after
 *   `make snapshot-refresh` the golden set /data/snapshots/golden/NAME for each NAME of the
 *   container's env GOLDEN_FILES (comma-separated), default "results.json,latency.csv,
 *   throughput.csv,config.yaml". The refresh prints each path it wrote, one per line. A file's
 *   contents derive from its name and, for results.json, latency.csv and any name starting
 *   with "img-", from the container image: a new image changes exactly those files.
 * - Errors as coreutils and a shell print them: "cat: F: No such file or directory" (status 1),
 *   "ls: cannot access 'F': No such file or directory" (2), "sh: X: not found" (127). A command
 *   that is not in the set cannot start: shell_known() is false and the exec fails as a runtime's
 *   "executable file not found in $PATH".
 */
#ifndef KUBESIM_SHELL_H
#define KUBESIM_SHELL_H

#include "core/base/util.h"
#include "core/base/value.h"

/* The container a command runs in. pod and container are borrowed for the call. */
struct shell_ctx {
	const struct value *pod;
	const struct value *container;
	unsigned cols, rows;     /* the last terminal size (0: none) */
	bool tty;
};

struct shell_out {
	struct strbuf out, err;
	int status;              /* the exit status of the last command */
	bool exited;             /* `exit` ran: the shell ends */
};

/* True when argv0 names a command of the set (with or without /bin/, /usr/bin/). */
bool shell_known(const char *argv0);
/* Runs one command; stdin (may be NULL) is what the command reads when it reads stdin. */
void shell_run(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t in_len,
	       struct shell_out *o);
/* Runs a shell line (';'-separated commands, redirections). */
void shell_line(struct shell_ctx *cx, const char *line, struct shell_out *o);
/* The command's base name ("/bin/sh" -> "sh"). Borrowed from argv0. */
const char *shell_base(const char *argv0);

#endif
