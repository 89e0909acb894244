/* podshell — `s` on a pod: an interactive shell in its container through the exec WebSocket.
 * The console suspends (tui/term.c), the terminal goes raw and belongs to the session (with
 * its size, sent again on each SIGWINCH), and when the shell ends the screen is drawn again
 * exactly as it was. The loop does not run meanwhile: data catches up when it returns. */
#include "tui/portfwds.h"

#include "core/base/config.h"
#include "core/base/options.h"
#include "core/base/tty.h"
#include "core/kube/podexec.h"
#include "core/release/audit.h"
#include "tui/data.h"
#include "tui/metrics_ui.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int winch_fd = -1, stop_fd = -1;

static void sig_cb(int sig)
{
	int saved = errno;
	int fd = sig == SIGWINCH ? winch_fd : stop_fd;
	if (fd >= 0 && write(fd, "x", 1) < 0) {
		/* a wake-up is already pending */
	}
	errno = saved;
}

/* The shell command: console.shell from the config file (words split at blanks), else /bin/sh. */
static char **shell_argv(void)
{
	const char *cfg = config_str(metrics_ui_config(), "console.shell");
	char *copy = xstrdup(cfg && *cfg ? cfg : "/bin/sh"), *save = NULL;
	char **argv = xcalloc(strlen(copy) / 2 + 2, sizeof *argv);
	size_t n = 0;
	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
		argv[n++] = xstrdup(t);
	free(copy);
	return argv;
}

struct sigs {
	int winch[2], stop[2];
	struct sigaction old[3];
};

static const int caught[3] = {SIGWINCH, SIGTERM, SIGHUP};

/* The console's signal handlers (libuv's) step aside while the session owns the terminal. */
static void sigs_take(struct sigs *s)
{
	s->winch[0] = s->winch[1] = s->stop[0] = s->stop[1] = -1;
	if (pipe2(s->winch, O_NONBLOCK | O_CLOEXEC) < 0 || pipe2(s->stop, O_NONBLOCK | O_CLOEXEC) < 0)
		return;
	winch_fd = s->winch[1];
	stop_fd = s->stop[1];
	struct sigaction sa = {.sa_handler = sig_cb};
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(caught[i], &sa, &s->old[i]);
}

/* Gives the signals back; a SIGTERM or SIGHUP that came meanwhile is raised again for them. */
static void sigs_give(struct sigs *s, bool stopped)
{
	for (int i = 0; i < 3 && s->winch[0] >= 0; i++)
		sigaction(caught[i], &s->old[i], NULL);
	winch_fd = stop_fd = -1;
	for (int i = 0; i < 2; i++) {
		if (s->winch[i] >= 0)
			close(s->winch[i]);
		if (s->stop[i] >= 0)
			close(s->stop[i]);
	}
	if (stopped)
		raise(SIGTERM);
}

static int run_shell(struct ui *ui, const struct podexec_spec *spec, int *code, struct tops_err *err)
{
	struct podexec *pe = NULL;
	int rc = podexec_open(ui->data->client, spec, NULL, NULL, &pe, err);
	if (rc)
		return rc;
	struct sigs s;
	struct tty_state ts = {0};
	sigs_take(&s);
	tty_raw(STDIN_FILENO, &ts);
	struct podexec_fds fds = {.in_fd = STDIN_FILENO, .out_fd = STDOUT_FILENO,
				  .err_fd = STDERR_FILENO, .tty_fd = STDIN_FILENO,
				  .winch_fd = s.winch[0], .stop_fd = s.stop[0]};
	rc = podexec_attach(pe, &fds, code, err);
	tty_restore(&ts);
	podexec_free(pe);
	sigs_give(&s, rc == -TOPS_EINTERNAL);
	return rc;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --readonly (or readonly: true in the config file) refuses a shell: it can change the pod. */
static bool readonly(void)
{
	const struct tops_config *cfg = metrics_ui_config();
	const struct value *v = cfg ? value_map_get(cfg->root, "readonly") : NULL;
	return tops_opts.readonly || (v && v->type == V_BOOL && v->u.b);
}

static void audit_shell(struct ui *ui, const char *ns, const char *pod, const char *container,
			int rc, int code, const struct tops_err *err, int64_t started)
{
	char result[32], *target = xasprintf("pod/%s", pod);
	snprintf(result, sizeof result, rc == 0 ? "exit %d" : "failed", code);
	struct audit_entry e = {.action = "shell", .namespace_ = ns, .release = target,
				.chart = container, .result = result,
				.error = rc < 0 ? tops_err_msg(err) : NULL, .started_ms = started,
				.ended_ms = wall_ms()};
	struct tops_err aerr = {0};
	if (audit_write_file(&e, ui->data->client, &aerr) < 0)
		ui_message(ui, true, "audit: %s", tops_err_msg(&aerr));
	tops_err_clear(&aerr);
	free(target);
}

void podshell_open(struct ui *ui, const char *ns, const char *pod, const char *container)
{
	if (readonly()) {
		ui_message(ui, true, "read-only mode: shell refused");
		return;
	}
	int64_t started = wall_ms();
	char **argv = shell_argv();
	struct podexec_spec spec = {.ns = ns, .pod = pod, .container = container,
				    .argv = (const char *const *)argv, .stdin_ = true, .tty = true};
	struct tops_err err = {0};
	int code = -1;
	term_suspend();
	printf("tops: %s in %s/%s (%s); exit the shell to return to the console\r\n", argv[0], ns,
	       pod, container ? container : "default container");
	fflush(stdout);
	int rc = run_shell(ui, &spec, &code, &err);
	term_resume();
	audit_shell(ui, ns, pod, container, rc, code, &err, started);
	if (rc < 0)
		ui_message(ui, true, "shell in %s: %s", pod, tops_err_msg(&err));
	else
		ui_message(ui, code != 0, "shell in %s ended (exit status %d)", pod, code);
	tops_err_clear(&err);
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
	ui_dirty(ui);
}
