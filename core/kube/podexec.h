/* podexec — run a command in a pod's container through the exec subresource over WebSocket,
 * as kubectl 1.32 does: GET /api/v1/namespaces/NS/pods/POD/exec?command=...&container=...
 * &stdin=..&stdout=true&stderr=..&tty=.. with the subprotocol v5.channel.k8s.io (v4 offered
 * second). Every message carries a channel byte first: 0 stdin, 1 stdout, 2 stderr, 3 the
 * error channel (a Status JSON when the command ends: Success, or NonZeroExitCode with the exit
 * code in details.causes[reason=ExitCode]), 4 terminal resize ({"Width":W,"Height":H}); with v5
 * the client closes its stdin by sending [255, 0].
 */
#ifndef TOPS_PODEXEC_H
#define TOPS_PODEXEC_H

#include "core/kube/kube.h"

struct podexec;

struct podexec_spec {
	const char *ns;
	const char *pod;
	const char *container;      /* NULL: the pod's default container (its annotation
	                               kubectl.kubernetes.io/default-container, else the first) */
	const char *const *argv;    /* NULL-terminated, at least one word */
	bool stdin_;                /* the command reads our input */
	bool tty;                   /* a terminal (stderr is then merged into stdout, as kubectl) */
};

/* Output of the command, as it arrives (bytes borrowed for the call). */
typedef void (*podexec_out_fn)(const char *data, size_t len, bool is_stderr, void *ud);

/* Opens the exec session (blocking: the pod GET when no container is named, then the WebSocket
 * upgrade). Errors are the API's words: a missing pod is -TOPS_ENOENT ("pods \"x\" not found"),
 * a missing container -TOPS_EHTTP with the server's message. Caller frees with podexec_free(). */
int podexec_open(struct kube_client *kc, const struct podexec_spec *spec, podexec_out_fn on_out,
		 void *ud, struct podexec **out, struct tops_err *err);
void podexec_free(struct podexec *pe);
/* The container the session runs in (borrowed). */
const char *podexec_container(const struct podexec *pe);
/* The socket to wait on (readable; writable while podexec_want_write()). */
int podexec_fd(const struct podexec *pe);
bool podexec_want_write(const struct podexec *pe);
/* Bytes queued for the server (callers stop reading input above a limit). */
size_t podexec_queued(const struct podexec *pe);
/* Queues input for the command's stdin (copied). */
int podexec_stdin(struct podexec *pe, const void *data, size_t len);
/* Ends the command's stdin (v5's close signal; with v4 nothing can say it). */
int podexec_stdin_close(struct podexec *pe);
/* Sends a terminal size (columns, rows). */
int podexec_resize(struct podexec *pe, unsigned cols, unsigned rows);
/* Moves bytes (call when the socket is readable, or to flush). Returns 0 while the command
 * runs, 1 when it has ended (see podexec_result), or a negative error. */
int podexec_pump(struct podexec *pe, bool readable);
/* The exit code once the session ended: 0 success, N from NonZeroExitCode. A failure the
 * server reports otherwise (the command cannot start) is -TOPS_EHTTP with its message; a
 * connection that ended without a status is -TOPS_ENET. */
int podexec_result(const struct podexec *pe, int *exit_code, struct tops_err *err);
/* Parses the error channel's Status (len bytes): 0 with *exit_code, or -TOPS_EHTTP with the
 * Status message (a failure without an exit code), -TOPS_EINVAL when it is not a Status. */
int podexec_parse_status(const char *json, size_t len, int *exit_code, struct tops_err *err);

/* Runs argv in the container and waits for it: stdin_data (NULL: no stdin; else sent whole,
 * then closed), *out / *out_len the stdout bytes (NUL-terminated, caller frees; out may be
 * NULL), *errout the stderr text (caller frees; may be NULL), *exit_code the command's exit
 * status. Returns 0 when the command ran (whatever its exit code), else a negative code with
 * err set (pod or container not found, connection, the command could not start). Blocking,
 * within kc's --request-timeout when one is set. */
int podexec_run(struct kube_client *kc, const char *ns, const char *pod,
		const char *container /* NULL: the first */, const char *const *argv,
		const char *stdin_data /* NULL: none */, char **out, size_t *out_len,
		char **errout, int *exit_code, struct tops_err *err);

/* An interactive session on file descriptors: in_fd (-1: no input) is read and sent as stdin
 * (its end closes the command's stdin), output goes to out_fd and err_fd, and when winch_fd is
 * readable (a self-pipe a SIGWINCH handler writes to) the size of tty_fd is sent again; the
 * size is also sent at the start when tty_fd >= 0. stop_fd readable (a signal's self-pipe)
 * ends the session early with -TOPS_EINTERNAL "interrupted". Blocking until the command ends;
 * returns as podexec_result(). The caller owns the terminal modes. */
struct podexec_fds {
	int in_fd, out_fd, err_fd, tty_fd, winch_fd, stop_fd;
};
int podexec_attach(struct podexec *pe, const struct podexec_fds *fds, int *exit_code,
		   struct tops_err *err);

#endif
