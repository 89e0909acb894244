/* exec — pods/exec over WebSocket (v5/v4 channel protocols) and the server-side WebSocket glue
 * shared with port-forward; see exec.h. */
#include "tests/kubesim/exec.h"

#include "core/kube/ws.h"
#include "tests/kubesim/api.h"
#include "tests/kubesim/shell.h"
#include "tests/kubesim/sim.h"

#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 32768

/* --- the server-side WebSocket --- */

struct sim_ws {
	struct srv_conn *c;
	struct ws *ws;
	struct strbuf in;
	size_t off;
	sim_ws_msg_fn on_msg;
	void (*on_gone)(void *ud);
	void *ud;
	int depth;            /* inside a pump: freeing waits until it unwinds */
	bool ended;
};

static ssize_t sw_send(void *ud, const void *buf, size_t len)
{
	struct sim_ws *sw = ud;
	srv_raw_write(sw->c, buf, len);
	return (ssize_t)len;
}

static ssize_t sw_recv(void *ud, void *buf, size_t len)
{
	struct sim_ws *sw = ud;
	size_t n = sw->in.len - sw->off;
	if (!n)
		return WS_IO_AGAIN;
	n = n < len ? n : len;
	memcpy(buf, sw->in.buf + sw->off, n);
	sw->off += n;
	if (sw->off == sw->in.len)
		sw->in.len = sw->off = 0;
	return (ssize_t)n;
}

static void sw_free(struct sim_ws *sw)
{
	ws_free(sw->ws);
	sb_done(&sw->in);
	free(sw);
}

static void sw_msg(struct ws *w, int opcode, const uint8_t *d, size_t n, void *ud)
{
	struct sim_ws *sw = ud;
	if (!sw->ended && opcode != WS_CLOSE)
		sw->on_msg(sw, opcode, d, n, sw->ud);
}

static void sw_data(void *ud, const char *buf, size_t len)
{
	struct sim_ws *sw = ud;
	sb_add(&sw->in, buf, len);
	sw->depth++;
	int rc = ws_pump(sw->ws, true);
	sw->depth--;
	if (sw->ended) {
		if (!sw->depth)
			sw_free(sw);
		return;
	}
	if (rc < 0) {   /* the peer closed the WebSocket */
		sw->ended = true;
		srv_raw_end(sw->c);
		sw->on_gone(sw->ud);
		sw_free(sw);
	}
}

static void sw_gone(void *ud)
{
	struct sim_ws *sw = ud;
	sw->ended = true;
	sw->on_gone(sw->ud);
	if (!sw->depth)
		sw_free(sw);
}

const char *exec_pick_protocol(struct srv_conn *c, const struct srv_req *r,
			       const char *const *supported)
{
	if (strcasecmp(r->upgrade, "websocket") != 0 || !*r->ws_key) {
		api_reply_status(c, 400, "BadRequest", "Upgrade request required");
		return NULL;
	}
	char *offer = xstrdup(r->ws_protocol), *save = NULL;
	const char *hit = NULL;
	for (char *t = strtok_r(offer, ", ", &save); t && !hit; t = strtok_r(NULL, ", ", &save))
		for (size_t i = 0; supported[i] && !hit; i++)
			if (strcmp(t, supported[i]) == 0)
				hit = supported[i];
	free(offer);
	if (!hit)
		api_reply_status(c, 400, "BadRequest", "unable to upgrade connection: none of the "
				 "requested subprotocols is supported");
	return hit;
}

struct sim_ws *sim_ws_accept(struct srv_conn *c, const struct srv_req *r, const char *protocol,
			     sim_ws_msg_fn on_msg, void (*on_gone)(void *ud), void *ud)
{
	struct sim_ws *sw = xcalloc(1, sizeof *sw);
	sw->c = c;
	sw->on_msg = on_msg;
	sw->on_gone = on_gone;
	sw->ud = ud;
	struct ws_io io = {sw_send, sw_recv, sw};
	sw->ws = ws_new(&io, false, sw_msg, sw);
	char *acc = ws_accept_key(r->ws_key);
	char *head = xasprintf("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			       "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
			       "Sec-WebSocket-Protocol: %s\r\n\r\n", acc, protocol);
	srv_hijack(c, head, strlen(head), sw_data, sw_gone, sw);
	free(acc);
	free(head);
	return sw;
}

void sim_ws_send(struct sim_ws *sw, const void *data, size_t len)
{
	if (sw->ended)
		return;
	ws_send(sw->ws, WS_BINARY, data, len);
	ws_pump(sw->ws, false);
}

size_t sim_ws_pending(const struct sim_ws *sw) { return srv_raw_pending(sw->c); }

void sim_ws_end(struct sim_ws *sw, unsigned code)
{
	if (sw->ended)
		return;
	ws_close(sw->ws, (uint16_t)code, NULL);
	ws_pump(sw->ws, false);
	sw->ended = true;
	srv_raw_end(sw->c);
	if (!sw->depth)
		sw_free(sw);
}

/* --- exec sessions --- */

enum { CH_STDIN, CH_STDOUT, CH_STDERR, CH_ERROR, CH_RESIZE, CH_CLOSE = 255 };
enum mode { M_RUN, M_WAIT, M_CAT, M_SH };

struct sess {
	struct sim_ws *sw;
	struct value *pod;
	const struct value *container;   /* in pod */
	char **argv;
	int argc;
	bool tty, want_stdin, want_stdout, want_stderr;
	enum mode mode;
	struct strbuf in, line;
	struct shell_ctx cx;
	int status;
};

static void sess_free(struct sess *s)
{
	for (int i = 0; i < s->argc; i++)
		free(s->argv[i]);
	free(s->argv);
	value_unref(s->pod);
	sb_done(&s->in);
	sb_done(&s->line);
	free(s);
}

static void send_ch(struct sess *s, int ch, const char *p, size_t n)
{
	char *m = xmalloc(n + 1);
	m[0] = (char)ch;
	memcpy(m + 1, p, n);
	sim_ws_send(s->sw, m, n + 1);
	free(m);
}

/* Output as a tty shows it (\n as \r\n, stderr on stdout) or on its own channel. */
static void sess_out(struct sess *s, const char *p, size_t n, bool is_err)
{
	struct strbuf sb = STRBUF_INIT;
	if (s->tty) {
		for (size_t i = 0; i < n; i++)
			sb_add(&sb, p[i] == '\n' ? "\r\n" : p + i, p[i] == '\n' ? 2 : 1);
		p = sb.buf, n = sb.len;
	}
	bool want = s->tty || (is_err ? s->want_stderr : s->want_stdout);
	for (size_t off = 0; want && off < n; off += CHUNK)
		send_ch(s, s->tty || !is_err ? CH_STDOUT : CH_STDERR, p + off,
			n - off > CHUNK ? CHUNK : n - off);
	sb_done(&sb);
}

static void sess_emit(struct sess *s, struct shell_out *o)
{
	sess_out(s, o->out.buf ? o->out.buf : "", o->out.len, false);
	sess_out(s, o->err.buf ? o->err.buf : "", o->err.len, true);
	sb_reset(&o->out);
	sb_reset(&o->err);
}

static char *joined_argv(const struct sess *s)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < s->argc; i++)
		sb_addf(&sb, "%s%s", i ? " " : "", s->argv[i]);
	return sb_detach(&sb, NULL);
}

static void sess_finish(struct sess *s, int status, const char *start_error)
{
	struct strbuf sb = STRBUF_INIT;
	char *cmd = joined_argv(s);
	if (start_error)
		sb_addf(&sb, "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"Internal error occurred: "
			"error executing command in container: failed to exec in container: OCI runtime "
			"exec failed: exec failed: unable to start container process: exec: \\\"%s\\\": "
			"executable file not found in $PATH: unknown\",\"reason\":\"InternalError\","
			"\"details\":{\"causes\":[{\"message\":\"executable file not found in $PATH\"}]},"
			"\"code\":500}", start_error);
	else if (status == 0)
		sb_adds(&sb, "{\"metadata\":{},\"status\":\"Success\"}");
	else
		sb_addf(&sb, "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated "
			"with non-zero exit code: error executing command [%s], exit code %d\","
			"\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\","
			"\"message\":\"%d\"}]}}", cmd, status, status);
	free(cmd);
	send_ch(s, CH_ERROR, sb.buf, sb.len);
	sb_done(&sb);
	struct sim_ws *sw = s->sw;
	sess_free(s);
	sim_ws_end(sw, 1000);
}

static void run_now(struct sess *s, const char *in, size_t in_len)
{
	struct shell_out o = {STRBUF_INIT, STRBUF_INIT, 0, false};
	shell_run(&s->cx, s->argv, s->argc, in, in_len, &o);
	sess_emit(s, &o);
	sb_done(&o.out);
	sb_done(&o.err);
	sess_finish(s, o.status, NULL);
}

static void prompt(struct sess *s)
{
	if (s->tty)
		sess_out(s, "$ ", 2, false);
}

/* Runs one line of the interactive shell; true when it ran `exit`. */
static bool sh_line(struct sess *s)
{
	struct shell_out o = {STRBUF_INIT, STRBUF_INIT, s->status, false};
	shell_line(&s->cx, sb_str(&s->line), &o);
	sb_reset(&s->line);
	sess_emit(s, &o);
	s->status = o.status;
	sb_done(&o.out);
	sb_done(&o.err);
	return o.exited;
}

/* A terminal's line discipline: echo, erase, ^C, ^D; lines end with CR or LF. */
static bool sh_tty_byte(struct sess *s, char ch)
{
	if (ch == '\r' || ch == '\n') {
		sess_out(s, "\n", 1, false);
		if (sh_line(s))
			return true;
		prompt(s);
	} else if (ch == 0x7f || ch == 0x08) {
		if (s->line.len) {
			s->line.len--;
			s->line.buf[s->line.len] = '\0';
			sess_out(s, "\b \b", 3, false);
		}
	} else if (ch == 0x03) {
		sb_reset(&s->line);
		sess_out(s, "^C\n", 3, false);
		prompt(s);
	} else if (ch == 0x04) {
		return s->line.len == 0;
	} else {
		sb_add(&s->line, &ch, 1);
		sess_out(s, &ch, 1, false);
	}
	return false;
}

static bool sh_input(struct sess *s, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s->tty ? sh_tty_byte(s, p[i]) : (p[i] == '\n' ? sh_line(s) : (sb_add(&s->line, p + i, 1), false)))
			return true;
	}
	return false;
}

static void stdin_eof(struct sess *s)
{
	if (s->mode == M_WAIT)
		run_now(s, s->in.buf, s->in.len);
	else if (s->mode == M_CAT)
		sess_finish(s, 0, NULL);
	else if (s->mode == M_SH) {
		if (s->line.len && !s->tty)
			sh_line(s);
		sess_finish(s, s->status, NULL);
	}
}

static void on_resize(struct sess *s, const char *p, size_t n)
{
	char *j = xstrndup(p, n);
	const char *w = strstr(j, "\"Width\":"), *h = strstr(j, "\"Height\":");
	if (w)
		s->cx.cols = (unsigned)strtoul(w + 8, NULL, 10);
	if (h)
		s->cx.rows = (unsigned)strtoul(h + 9, NULL, 10);
	free(j);
}

static void sess_msg(struct sim_ws *sw, int opcode, const unsigned char *d, size_t n, void *ud)
{
	struct sess *s = ud;
	if (n == 0)
		return;
	const char *p = (const char *)d + 1;
	n--;
	if (d[0] == CH_RESIZE)
		on_resize(s, p, n);
	else if (d[0] == CH_CLOSE && n && p[0] == CH_STDIN)
		stdin_eof(s);
	else if (d[0] == CH_STDIN && s->mode == M_CAT)
		sess_out(s, p, n, false);
	else if (d[0] == CH_STDIN && s->mode == M_WAIT)
		sb_add(&s->in, p, n);
	else if (d[0] == CH_STDIN && s->mode == M_SH && sh_input(s, p, n))
		sess_finish(s, s->status, NULL);
}

static void sess_gone(void *ud)
{
	sess_free(ud);
}

/* --- the request --- */

static char **query_all(const char *query, const char *name, int *n)
{
	char **out = NULL;
	size_t nl = strlen(name);
	*n = 0;
	for (const char *p = query; p && *p;) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			char *one = xstrndup(p, len);
			out = xrealloc(out, (size_t)(*n + 2) * sizeof *out);
			out[(*n)++] = srv_query_get(one, name);
			out[*n] = NULL;
			free(one);
		}
		p = amp ? amp + 1 : NULL;
	}
	return out;
}

static const struct value *find_container(const struct value *pod, const char *name)
{
	const struct value *cs = value_map_path(pod, "spec.containers");
	for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++) {
		const char *n = vstr(cs->u.list.items[i], "name");
		if (n && (!name || strcmp(n, name) == 0))
			return cs->u.list.items[i];
	}
	return NULL;
}

static size_t count_containers(const struct value *pod, struct strbuf *names)
{
	const struct value *cs = value_map_path(pod, "spec.containers");
	size_t n = cs && cs->type == V_LIST ? cs->u.list.len : 0;
	for (size_t i = 0; i < n; i++)
		sb_addf(names, "%s%s", i ? " " : "", vstr(cs->u.list.items[i], "name"));
	return n;
}

static bool container_running(const struct value *pod, const char *name)
{
	const struct value *st = value_map_path(pod, "status.containerStatuses");
	for (size_t i = 0; st && st->type == V_LIST && i < st->u.list.len; i++) {
		const struct value *c = st->u.list.items[i];
		if (vstr(c, "name") && strcmp(vstr(c, "name"), name) == 0)
			return value_map_path(c, "state.running") != NULL;
	}
	return false;
}

/* The API server's checks before the upgrade: the container named or the only one. */
static const struct value *pick_container(struct srv_conn *c, const struct value *pod,
					  const char *name, const char *want)
{
	struct strbuf names = STRBUF_INIT;
	size_t n = count_containers(pod, &names);
	const struct value *ct = want ? find_container(pod, want) : n == 1 ? find_container(pod, NULL) : NULL;
	char *msg = NULL;
	if (want && !ct)
		msg = xasprintf("container %s is not valid for pod %s", want, name);
	else if (!ct && n == 0)
		msg = xasprintf("a container name must be specified for pod %s", name);
	else if (!ct)
		msg = xasprintf("a container name must be specified for pod %s, choose one of: [%s]",
				name, sb_str(&names));
	else if (!vstr(pod, "spec.nodeName"))
		msg = xasprintf("pod %s does not have a host assigned", name);
	else if (!container_running(pod, vstr(ct, "name")))
		msg = xasprintf("unable to upgrade connection: container not found (\"%s\")", vstr(ct, "name"));
	if (msg) {
		api_reply_status(c, 400, "BadRequest", msg);
		ct = NULL;
	}
	free(msg);
	sb_done(&names);
	return ct;
}

static enum mode mode_of(const struct sess *s)
{
	const char *b = shell_base(s->argv[0]);
	bool plain = s->argc == 1 || (s->argc == 2 && strcmp(s->argv[1], "-") == 0);
	if (!s->want_stdin)
		return M_RUN;
	if ((!strcmp(b, "sh") || !strcmp(b, "bash")) && (s->argc == 1 || !strcmp(s->argv[1], "-i")))
		return M_SH;
	if (!strcmp(b, "cat") && plain)
		return M_CAT;
	if (!strcmp(b, "sha256sum") && plain)
		return M_WAIT;
	return M_RUN;
}

static struct sess *sess_new(struct value *pod, const struct value *ct, const struct srv_req *r,
			     char **argv, int argc)
{
	struct sess *s = xcalloc(1, sizeof *s);
	s->pod = pod;
	s->container = ct;
	s->argv = argv;
	s->argc = argc;
	s->tty = srv_query_bool(r->query, "tty");
	s->want_stdin = srv_query_bool(r->query, "stdin");
	s->want_stdout = srv_query_bool(r->query, "stdout");
	s->want_stderr = srv_query_bool(r->query, "stderr");
	s->cx = (struct shell_ctx){.pod = pod, .container = ct, .tty = s->tty};
	s->mode = mode_of(s);
	return s;
}

static void sess_start(struct sess *s)
{
	if (!shell_known(s->argv[0]))
		sess_finish(s, 0, s->argv[0]);
	else if (s->mode == M_RUN)
		run_now(s, NULL, 0);
	else if (s->mode == M_SH)
		prompt(s);
}

void exec_handle(struct srv_conn *c, const struct srv_req *r, const char *ns, const char *name)
{
	static const char *const protos[] = {"v5.channel.k8s.io", "v4.channel.k8s.io", NULL};
	struct value *pod = db_get(K_POD, ns, name);
	int argc = 0;
	char **argv = NULL;
	char *want = srv_query_get(r->query, "container");
	const struct value *ct = NULL;
	const char *proto = NULL;
	if (!pod) {
		struct tops_err err = {0};
		tops_err_set(&err, TOPS_ENOENT, "pods \"%s\" not found", name);
		api_reply_err(c, &err, K_POD, name);
		tops_err_clear(&err);
	} else if (!(argv = query_all(r->query, "command", &argc))) {
		api_reply_status(c, 400, "BadRequest", "you must specify at least 1 command");
	} else if ((ct = pick_container(c, pod, name, want && *want ? want : NULL)) &&
		   (proto = exec_pick_protocol(c, r, protos))) {
		struct sess *s = sess_new(pod, ct, r, argv, argc);
		s->sw = sim_ws_accept(c, r, proto, sess_msg, sess_gone, s);
		free(want);
		sess_start(s);
		return;
	}
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	free(want);
	value_unref(pod);
}
