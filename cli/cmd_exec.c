/* tops exec — run a command in a container over the exec subresource's WebSocket protocol. */
#include "cli/commands.h"
#include "core/base/options.h"
#include "core/base/tty.h"
#include "core/kube/podexec.h"
#include "core/kube/podpick.h"
#include "core/release/audit.h"
#include "cli/release_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char exec_usage[] =
	"Usage: tops exec POD|pod/NAME|deploy/NAME|sts/NAME [-c CONTAINER] [-i] [-t] -- CMD [ARGS...]\n"
	"\n"
	"Runs CMD in a container through the API's exec subresource (WebSocket, v5.channel.k8s.io)\n"
	"with the kubeconfig's TLS and credentials. Exit status: the command's own (from the\n"
	"status channel); 1 when it cannot run (no such pod or container, connection); 2 usage.\n"
	"\n"
	"  -c, --container NAME  the container (default: the pod's default container, else the first)\n"
	"  -i, --stdin           pass stdin to the command (its end closes the command's stdin)\n"
	"  -t, --tty             stdin is a terminal: raw mode (restored on every exit), window size\n"
	"                        sent at the start and on each resize; stderr then comes on stdout\n"
	"  -n, --namespace NS    the namespace (a global flag)\n";

struct exec_args {
	const char *target, *container;
	bool in, tty;
	char **argv;
};

static int parse_args(int argc, char **argv, struct exec_args *a)
{
	int i = 0;
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "-h") || !strcmp(s, "--help"))
			return 1;
		if (!strcmp(s, "-c") || !strcmp(s, "--container")) {
			if (++i >= argc)
				return -1;
			a->container = argv[i];
		} else if (!strncmp(s, "--container=", 12)) {
			a->container = s + 12;
		} else if (s[0] == '-' && s[1] && s[1] != '-' && strspn(s + 1, "it") == strlen(s + 1)) {
			a->in = a->in || strchr(s, 'i');
			a->tty = a->tty || strchr(s, 't');
		} else if (!strcmp(s, "--stdin") || !strcmp(s, "--tty")) {
			*(s[2] == 's' ? &a->in : &a->tty) = true;
		} else if (s[0] == '-' || a->target) {
			fprintf(stderr, "tops: exec: unexpected argument \"%s\" (the command goes after --)\n", s);
			return -1;
		} else {
			a->target = s;
		}
	}
	if (i >= argc - 1 || !a->target) {
		fprintf(stderr, "tops: exec: %s\n", a->target ? "a command is needed after --"
							      : "a pod is needed");
		return -1;
	}
	a->argv = argv + i + 1;
	return 0;
}

/* Self-pipes: SIGWINCH asks for a resize, SIGINT/SIGTERM/SIGHUP end the session (the terminal
 * is restored by the normal return path). */
static int winch_pipe[2] = {-1, -1}, stop_pipe[2] = {-1, -1};

static void sig_cb(int sig)
{
	int saved = errno;
	int fd = sig == SIGWINCH ? winch_pipe[1] : stop_pipe[1];
	if (fd >= 0 && write(fd, "x", 1) < 0) {
		/* full pipe: a wake-up is already pending */
	}
	errno = saved;
}

static void signals_setup(void)
{
	if (pipe2(winch_pipe, O_NONBLOCK | O_CLOEXEC) < 0 || pipe2(stop_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return;
	struct sigaction sa = {.sa_handler = sig_cb};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int run_session(struct kube_client *kc, const struct exec_args *a, const char *pod,
		       struct tops_err *err)
{
	bool tty = a->tty && isatty(STDIN_FILENO);
	if (a->tty && !tty)
		fprintf(stderr, "Unable to use a TTY - input is not a terminal or the right kind of file\n");
	struct podexec_spec spec = {.ns = kube_client_namespace(kc), .pod = pod,
				    .container = a->container, .argv = (const char *const *)a->argv,
				    .stdin_ = a->in, .tty = tty};
	struct podexec *pe = NULL;
	int rc = podexec_open(kc, &spec, NULL, NULL, &pe, err);
	if (rc)
		return rc;
	struct tty_state ts = {0};
	if (tty)
		tty_raw(STDIN_FILENO, &ts);
	struct podexec_fds fds = {.in_fd = a->in ? STDIN_FILENO : -1, .out_fd = STDOUT_FILENO,
				  .err_fd = STDERR_FILENO, .tty_fd = tty ? STDIN_FILENO : -1,
				  .winch_fd = tty ? winch_pipe[0] : -1, .stop_fd = stop_pipe[0]};
	int code = -1;
	rc = podexec_attach(pe, &fds, &code, err);
	tty_restore(&ts);
	podexec_free(pe);
	return rc ? rc : code;
}

/* The audit line of a session: the pod, the command's sha256 (its words may hold secrets), the
 * exit status or the error. */
static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void audit_exec(struct kube_client *kc, const struct exec_args *a, const char *pod,
		       int rc, const struct tops_err *err, int64_t started)
{
	struct strbuf cmd = STRBUF_INIT;
	for (char **w = a->argv; *w; w++)
		sb_addf(&cmd, "%s%s", cmd.len ? " " : "", *w);
	char sha[65], result[32], *target = xasprintf("pod/%s", pod);
	audit_sha256_hex(cmd.buf, cmd.len, sha);
	snprintf(result, sizeof result, rc >= 0 ? "exit %d" : "failed", rc);
	struct audit_entry e = {.action = "exec", .namespace_ = kube_client_namespace(kc),
				.release = target, .chart = a->container, .values_sha256 = sha,
				.result = result, .error = rc < 0 ? tops_err_msg(err) : NULL,
				.started_ms = started, .ended_ms = wall_ms()};
	struct tops_err aerr = {0};
	if (audit_write_file(&e, kc, &aerr) < 0)
		fprintf(stderr, "tops: audit: %s\n", tops_err_msg(&aerr));
	tops_err_clear(&aerr);
	free(target);
	sb_done(&cmd);
}

int cmd_exec(int argc, char **argv)
{
	struct exec_args a = {0};
	int pr = parse_args(argc, argv, &a);
	if (pr) {
		fputs(exec_usage, pr > 0 ? stdout : stderr);
		return pr > 0 ? 0 : 2;
	}
	if (rel_readonly_refuses("exec"))
		return 1;
	struct tops_err err = {0};
	struct kube_client *kc = NULL;
	char *pod = NULL;
	int rc = kube_client_new(NULL, &tops_opts, &kc, &err);
	if (rc == 0)
		rc = podpick_resolve(kc, kube_client_namespace(kc), a.target, &pod, NULL, &err);
	if (rc == 0) {
		int64_t started = wall_ms();
		signals_setup();
		rc = run_session(kc, &a, pod, &err);
		audit_exec(kc, &a, pod, rc, &err, started);
	}
	if (rc < 0)
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
	tops_err_clear(&err);
	free(pod);
	kube_client_free(kc);
	return rc < 0 ? 1 : rc;
}
