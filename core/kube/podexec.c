/* podexec — the exec subresource's channel protocol over core/kube/ws; see podexec.h. */
#include "core/kube/podexec.h"

#include "core/kube/ws.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

enum { CH_STDIN = 0, CH_STDOUT = 1, CH_STDERR = 2, CH_ERROR = 3, CH_RESIZE = 4, CH_CLOSE = 255 };

#define PODEXEC_MAX_OUT ((size_t)256 << 20)
#define PODEXEC_CHUNK 32768

struct podexec {
	struct ws *ws;
	char *container;
	podexec_out_fn on_out;
	void *ud;
	bool v5, stdin_closed, done;
	struct strbuf status;       /* the error channel's bytes */
	bool have_status;
};

static void on_msg(struct ws *w, int opcode, const uint8_t *d, size_t n, void *ud)
{
	struct podexec *pe = ud;
	if (opcode == WS_CLOSE) {
		pe->done = true;
		return;
	}
	if (n == 0)
		return;
	const char *p = (const char *)d + 1;
	size_t len = n - 1;
	if ((d[0] == CH_STDOUT || d[0] == CH_STDERR) && len && pe->on_out)
		pe->on_out(p, len, d[0] == CH_STDERR, pe->ud);
	else if (d[0] == CH_ERROR) {
		sb_add(&pe->status, p, len);
		pe->have_status = true;
	}
}

/* The container to use: the annotation kubectl.kubernetes.io/default-container, else the first. */
static int default_container(struct kube_client *kc, const char *ns, const char *pod, char **out,
			     struct tops_err *err)
{
	char *path = kube_path(KK_POD, ns, pod, NULL), *body = NULL;
	long status = 0;
	int rc = kube_request_sync(kc, "GET", path, NULL, NULL, &status, &body, err);
	if (rc == 0 && status != 200)
		rc = kube_status_error(status, body, err);
	cJSON *j = rc == 0 ? cJSON_Parse(body) : NULL;
	if (rc == 0) {
		const cJSON *ann = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(j, "metadata"), "annotations");
		const cJSON *dc = cJSON_GetObjectItemCaseSensitive(ann, "kubectl.kubernetes.io/default-container");
		const cJSON *cs = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(j, "spec"), "containers");
		const cJSON *first = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cs, 0), "name");
		if (cJSON_IsString(dc))
			*out = xstrdup(dc->valuestring);
		else if (cJSON_IsString(first))
			*out = xstrdup(first->valuestring);
		else
			rc = tops_err_set(err, TOPS_EINVAL, "pod %s/%s has no containers", ns, pod);
	}
	cJSON_Delete(j);
	free(body);
	free(path);
	return rc;
}

static char *exec_path(const struct podexec_spec *s, const char *container)
{
	struct strbuf q = STRBUF_INIT;
	for (const char *const *a = s->argv; *a; a++) {
		sb_adds(&q, q.len ? "&command=" : "command=");
		kube_query_escape(&q, *a);
	}
	sb_adds(&q, "&container=");
	kube_query_escape(&q, container);
	sb_addf(&q, "&stderr=%s&stdin=%s&stdout=true&tty=%s", s->tty ? "false" : "true",
		s->stdin_ ? "true" : "false", s->tty ? "true" : "false");
	char *base = kube_path(KK_POD, s->ns, s->pod, NULL);
	char *path = xasprintf("%s/exec?%s", base, sb_str(&q));
	free(base);
	sb_done(&q);
	return path;
}

int podexec_open(struct kube_client *kc, const struct podexec_spec *spec, podexec_out_fn on_out,
		 void *ud, struct podexec **out, struct tops_err *err)
{
	static const char *const protos[] = {"v5.channel.k8s.io", "v4.channel.k8s.io", NULL};
	*out = NULL;
	if (!spec->argv || !spec->argv[0])
		return tops_err_set(err, TOPS_EINVAL, "exec: no command given");
	struct podexec *pe = xcalloc(1, sizeof *pe);
	pe->on_out = on_out;
	pe->ud = ud;
	int rc = spec->container ? (pe->container = xstrdup(spec->container), 0)
				 : default_container(kc, spec->ns, spec->pod, &pe->container, err);
	if (rc == 0) {
		char *path = exec_path(spec, pe->container);
		rc = ws_connect(kc, path, protos, kc->request_timeout_ms, on_msg, pe, &pe->ws, err);
		free(path);
	}
	if (rc) {
		podexec_free(pe);
		return rc;
	}
	pe->v5 = strcmp(ws_protocol(pe->ws), "v5.channel.k8s.io") == 0;
	*out = pe;
	return 0;
}

void podexec_free(struct podexec *pe)
{
	if (!pe)
		return;
	ws_free(pe->ws);
	free(pe->container);
	sb_done(&pe->status);
	free(pe);
}

const char *podexec_container(const struct podexec *pe) { return pe->container; }
int podexec_fd(const struct podexec *pe) { return ws_fd(pe->ws); }
bool podexec_want_write(const struct podexec *pe) { return ws_want_write(pe->ws); }
size_t podexec_queued(const struct podexec *pe) { return ws_queued(pe->ws); }

static int send_ch(struct podexec *pe, int ch, const void *data, size_t len)
{
	uint8_t *m = xmalloc(len + 1);
	m[0] = (uint8_t)ch;
	if (len)
		memcpy(m + 1, data, len);
	int rc = ws_send(pe->ws, WS_BINARY, m, len + 1);
	free(m);
	return rc;
}

int podexec_stdin(struct podexec *pe, const void *data, size_t len)
{
	const char *p = data;
	int rc = 0;
	while (rc == 0 && len) {
		size_t n = len > PODEXEC_CHUNK ? PODEXEC_CHUNK : len;
		rc = send_ch(pe, CH_STDIN, p, n);
		p += n, len -= n;
	}
	return rc;
}

int podexec_stdin_close(struct podexec *pe)
{
	if (pe->stdin_closed || !pe->v5)
		return 0;
	pe->stdin_closed = true;
	uint8_t ch = CH_STDIN;
	return send_ch(pe, CH_CLOSE, &ch, 1);
}

int podexec_resize(struct podexec *pe, unsigned cols, unsigned rows)
{
	char buf[64];
	int n = snprintf(buf, sizeof buf, "{\"Width\":%u,\"Height\":%u}", cols, rows);
	return send_ch(pe, CH_RESIZE, buf, (size_t)n);
}

int podexec_pump(struct podexec *pe, bool readable)
{
	int rc = ws_pump(pe->ws, readable);
	if (pe->done || rc < 0) {
		/* the server sent its status and closed; answer its close frame */
		ws_pump(pe->ws, false);
		return 1;
	}
	return 0;
}

static int exit_code_of(const cJSON *j, int *exit_code)
{
	const cJSON *reason = cJSON_GetObjectItemCaseSensitive(j, "reason");
	const cJSON *causes = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(j, "details"), "causes");
	if (!cJSON_IsString(reason) || strcmp(reason->valuestring, "NonZeroExitCode") != 0)
		return -1;
	const cJSON *c;
	cJSON_ArrayForEach(c, causes) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(c, "reason");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(c, "message");
		if (cJSON_IsString(r) && strcmp(r->valuestring, "ExitCode") == 0 && cJSON_IsString(m)) {
			char *end;
			long v = strtol(m->valuestring, &end, 10);
			if (*end || end == m->valuestring)
				return -1;
			*exit_code = (int)v;
			return 0;
		}
	}
	return -1;
}

int podexec_parse_status(const char *json, size_t len, int *exit_code, struct tops_err *err)
{
	cJSON *j = cJSON_ParseWithLength(json, len);
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "message");
	int rc;
	if (!cJSON_IsString(st))
		rc = tops_err_set(err, TOPS_EINVAL, "exec: the error channel sent no Status: %.*s",
				  (int)(len > 200 ? 200 : len), json);
	else if (strcmp(st->valuestring, "Success") == 0)
		*exit_code = 0, rc = 0;
	else if (exit_code_of(j, exit_code) == 0)
		rc = 0;
	else
		rc = tops_err_set(err, TOPS_EHTTP, "%s", cJSON_IsString(msg) ? msg->valuestring
								       : "the command failed");
	cJSON_Delete(j);
	return rc;
}

int podexec_result(const struct podexec *pe, int *exit_code, struct tops_err *err)
{
	*exit_code = -1;
	if (!pe->have_status)
		return tops_err_set(err, TOPS_ENET, "exec: the connection ended before the command's "
				    "status arrived (%s)", ws_error(pe->ws)[0] ? ws_error(pe->ws) : "closed");
	return podexec_parse_status(pe->status.buf, pe->status.len, exit_code, err);
}

/* --- the blocking forms --- */

struct run_out {
	struct strbuf out, err;
	bool too_big;
};

static void run_out_cb(const char *data, size_t len, bool is_stderr, void *ud)
{
	struct run_out *ro = ud;
	struct strbuf *sb = is_stderr ? &ro->err : &ro->out;
	if (sb->len + len > PODEXEC_MAX_OUT)
		ro->too_big = true;
	else
		sb_add(sb, data, len);
}

static long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Pumps until the command ends; deadline 0: none. */
static int run_loop(struct podexec *pe, long deadline, struct tops_err *err)
{
	for (;;) {
		struct pollfd p = {.fd = podexec_fd(pe), .events = POLLIN};
		if (podexec_want_write(pe))
			p.events |= POLLOUT;
		long wait = deadline ? deadline - mono_ms() : 1000;
		if (deadline && wait <= 0)
			return tops_err_set(err, TOPS_ETIMEOUT, "exec: the command did not end in time");
		int n = poll(&p, 1, (int)(wait > 1000 ? 1000 : wait));
		if (n < 0 && errno != EINTR)
			return tops_err_set(err, TOPS_EIO, "exec: poll: %s", strerror(errno));
		if (podexec_pump(pe, n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) == 1)
			return 0;
	}
}

int podexec_run(struct kube_client *kc, const char *ns, const char *pod, const char *container,
		const char *const *argv, const char *stdin_data, char **out, size_t *out_len,
		char **errout, int *exit_code, struct tops_err *err)
{
	struct podexec_spec spec = {.ns = ns, .pod = pod, .container = container, .argv = argv,
				    .stdin_ = stdin_data != NULL};
	struct run_out ro = {STRBUF_INIT, STRBUF_INIT, false};
	struct podexec *pe = NULL;
	*exit_code = -1;
	int rc = podexec_open(kc, &spec, run_out_cb, &ro, &pe, err);
	if (rc == 0 && stdin_data) {
		rc = podexec_stdin(pe, stdin_data, strlen(stdin_data));
		rc = rc ? rc : podexec_stdin_close(pe);
	}
	if (rc == 0) {
		long deadline = kc->request_timeout_ms ? mono_ms() + kc->request_timeout_ms : 0;
		rc = run_loop(pe, deadline, err);
	}
	if (rc == 0)
		rc = ro.too_big ? tops_err_set(err, TOPS_ETOOBIG, "exec: the output exceeds %zu MiB",
					       PODEXEC_MAX_OUT >> 20)
				: podexec_result(pe, exit_code, err);
	podexec_free(pe);
	if (out_len)
		*out_len = ro.out.len;
	if (out)
		*out = rc == 0 ? sb_detach(&ro.out, NULL) : NULL;
	if (errout)
		*errout = rc == 0 ? sb_detach(&ro.err, NULL) : NULL;
	sb_done(&ro.out);
	sb_done(&ro.err);
	return rc;
}

/* --- the interactive form --- */

struct attach_out {
	int out_fd, err_fd;
	bool broken;
};

static void write_all(int fd, const char *p, size_t n, bool *broken)
{
	while (n && !*broken) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};
			poll(&pf, 1, 1000);
			continue;
		}
		if (w <= 0) {
			*broken = true;   /* a lost terminal: keep the session, drop the output */
			return;
		}
		p += w, n -= (size_t)w;
	}
}

static void attach_out_cb(const char *data, size_t len, bool is_stderr, void *ud)
{
	struct attach_out *ao = ud;
	write_all(is_stderr ? ao->err_fd : ao->out_fd, data, len, &ao->broken);
}

static void send_size(struct podexec *pe, int tty_fd)
{
	struct winsize ws;
	if (tty_fd >= 0 && ioctl(tty_fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row)
		podexec_resize(pe, ws.ws_col, ws.ws_row);
}

static void drain(int fd)
{
	char buf[256];
	while (read(fd, buf, sizeof buf) > 0)
		;
}

enum { PF_WS, PF_IN, PF_WINCH, PF_STOP, PF_N };

/* One turn of the attach loop: what became readable. 1 when the command ended. */
static int attach_turn(struct podexec *pe, const struct podexec_fds *f, struct pollfd *p,
		       bool *in_open, struct tops_err *err)
{
	if (p[PF_STOP].revents & POLLIN)
		return tops_err_set(err, TOPS_EINTERNAL, "interrupted");
	if (p[PF_WINCH].revents & POLLIN) {
		drain(f->winch_fd);
		send_size(pe, f->tty_fd);
	}
	if (p[PF_IN].revents & (POLLIN | POLLHUP | POLLERR)) {
		char buf[PODEXEC_CHUNK];
		ssize_t n = read(f->in_fd, buf, sizeof buf);
		if (n > 0)
			podexec_stdin(pe, buf, (size_t)n);
		else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			*in_open = false;
			podexec_stdin_close(pe);
		}
	}
	return podexec_pump(pe, p[PF_WS].revents & (POLLIN | POLLHUP | POLLERR));
}

int podexec_attach(struct podexec *pe, const struct podexec_fds *f, int *exit_code,
		   struct tops_err *err)
{
	struct attach_out ao = {f->out_fd, f->err_fd, false};
	pe->on_out = attach_out_cb;
	pe->ud = &ao;
	bool in_open = f->in_fd >= 0;
	*exit_code = -1;
	send_size(pe, f->tty_fd);
	for (;;) {
		struct pollfd p[PF_N] = {
			[PF_WS] = {.fd = podexec_fd(pe), .events = POLLIN},
			/* input waits while much is queued: back-pressure on a slow link */
			[PF_IN] = {.fd = in_open && podexec_queued(pe) < (1u << 20) ? f->in_fd : -1,
				   .events = POLLIN},
			[PF_WINCH] = {.fd = f->winch_fd, .events = POLLIN},
			[PF_STOP] = {.fd = f->stop_fd, .events = POLLIN}};
		if (podexec_want_write(pe))
			p[PF_WS].events |= POLLOUT;
		int n = poll(p, PF_N, 1000);
		if (n < 0 && errno != EINTR)
			return tops_err_set(err, TOPS_EIO, "exec: poll: %s", strerror(errno));
		if (n <= 0) {
			if (podexec_pump(pe, false) == 1)
				break;
			continue;
		}
		int rc = attach_turn(pe, f, p, &in_open, err);
		if (rc < 0)
			return rc;
		if (rc == 1)
			break;
	}
	return podexec_result(pe, exit_code, err);
}
