/* ws — libwslay glue and the HTTP/1.1 Upgrade handshake; see ws.h. */
#include "core/kube/ws.h"

#include "core/base/base64.h"

#include <errno.h>
#include <openssl/sha.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <wslay/wslay.h>

#define WS_MAX_MSG ((uint64_t)64 << 20)
#define WS_MAX_HEAD 65536

struct ws {
	wslay_event_context_ptr ctx;
	struct ws_io io;
	ws_msg_fn on_msg;
	void *ud;
	struct strbuf pre;          /* bytes read past the handshake */
	size_t pre_off;
	bool eof, failed;
	char err[160];
	char *protocol;
	struct http_conn *conn;     /* from ws_connect(), owned */
};

/* --- the framing (wslay callbacks) --- */

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *ud)
{
	struct ws *w = ud;
	if (w->pre_off < w->pre.len) {
		size_t n = w->pre.len - w->pre_off;
		n = n < len ? n : len;
		memcpy(buf, w->pre.buf + w->pre_off, n);
		w->pre_off += n;
		return (ssize_t)n;
	}
	ssize_t n = w->io.recv(w->io.ud, buf, len);
	if (n > 0)
		return n;
	if (n == WS_IO_AGAIN) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (n == 0)
		w->eof = true;
	else
		w->failed = true;
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
		       void *ud)
{
	struct ws *w = ud;
	ssize_t n = w->io.send(w->io.ud, data, len);
	if (n > 0)
		return n;
	if (n == WS_IO_AGAIN) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	w->failed = true;
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static int genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *ud)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, 0);
		if (n < 0 && errno != EINTR)
			return -1;
		got += n > 0 ? (size_t)n : 0;
	}
	return 0;
}

static void msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *a,
		   void *ud)
{
	struct ws *w = ud;
	if (a->opcode == WSLAY_TEXT_FRAME || a->opcode == WSLAY_BINARY_FRAME ||
	    a->opcode == WSLAY_CONNECTION_CLOSE) {
		const uint8_t *d = a->msg;
		size_t n = a->msg_length;
		if (a->opcode == WSLAY_CONNECTION_CLOSE && n >= 2)
			d += 2, n -= 2;   /* the payload starts with the status code */
		else if (a->opcode == WSLAY_CONNECTION_CLOSE)
			n = 0;
		w->on_msg(w, a->opcode, d, n, w->ud);
	}
}

struct ws *ws_new(const struct ws_io *io, bool client, ws_msg_fn on_msg, void *ud)
{
	static const struct wslay_event_callbacks cbs = {
		.recv_callback = recv_cb, .send_callback = send_cb, .genmask_callback = genmask_cb,
		.on_msg_recv_callback = msg_cb};
	struct ws *w = xcalloc(1, sizeof *w);
	w->io = *io;
	w->on_msg = on_msg;
	w->ud = ud;
	int rc = client ? wslay_event_context_client_init(&w->ctx, &cbs, w)
			: wslay_event_context_server_init(&w->ctx, &cbs, w);
	if (rc != 0)
		abort();   /* out of memory */
	wslay_event_config_set_max_recv_msg_length(w->ctx, WS_MAX_MSG);
	return w;
}

void ws_free(struct ws *w)
{
	if (!w)
		return;
	wslay_event_context_free(w->ctx);
	sb_done(&w->pre);
	free(w->protocol);
	http_conn_free(w->conn);
	free(w);
}

void ws_preload(struct ws *w, const void *data, size_t len)
{
	sb_add(&w->pre, data, len);
}

int ws_send(struct ws *w, int opcode, const void *data, size_t len)
{
	struct wslay_event_msg m = {(uint8_t)opcode, data, len};
	if (!wslay_event_get_write_enabled(w->ctx) || wslay_event_get_close_sent(w->ctx) ||
	    wslay_event_queue_msg(w->ctx, &m) != 0)
		return -TOPS_EIO;
	return 0;
}

int ws_close(struct ws *w, uint16_t code, const char *reason)
{
	size_t rl = reason ? strlen(reason) : 0;
	rl = rl > 123 ? 123 : rl;
	if (wslay_event_get_close_sent(w->ctx))
		return 0;
	return wslay_event_queue_close(w->ctx, code, (const uint8_t *)reason, code ? rl : 0) == 0
		       ? 0 : -TOPS_EIO;
}

static void set_err(struct ws *w, const char *what)
{
	if (!w->err[0])
		snprintf(w->err, sizeof w->err, "%s", what);
}

int ws_pump(struct ws *w, bool readable)
{
	if (readable && wslay_event_want_read(w->ctx) && wslay_event_recv(w->ctx) != 0) {
		set_err(w, w->eof ? "the connection was closed" :
			   w->failed ? "the connection failed" : "a WebSocket protocol error");
		return -1;
	}
	if (w->pre_off < w->pre.len && wslay_event_want_read(w->ctx))
		return ws_pump(w, true);
	if (wslay_event_want_write(w->ctx) && wslay_event_send(w->ctx) != 0) {
		set_err(w, "the connection failed while sending");
		return -1;
	}
	if (!wslay_event_want_read(w->ctx) && !wslay_event_want_write(w->ctx)) {
		set_err(w, "the WebSocket was closed");
		return -1;
	}
	return 0;
}

bool ws_want_read(const struct ws *w) { return wslay_event_want_read(w->ctx); }
bool ws_want_write(const struct ws *w) { return wslay_event_want_write(w->ctx); }
size_t ws_queued(const struct ws *w) { return wslay_event_get_queued_msg_length(w->ctx); }
unsigned ws_close_code(const struct ws *w) { return wslay_event_get_status_code_received(w->ctx); }
const char *ws_error(const struct ws *w) { return w->err; }
const char *ws_protocol(const struct ws *w) { return w->protocol ? w->protocol : ""; }
int ws_fd(const struct ws *w) { return w->conn ? http_conn_fd(w->conn) : -1; }

/* --- handshake --- */

char *ws_accept_key(const char *key)
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	char *cat = xasprintf("%s%s", key, guid);
	unsigned char md[SHA_DIGEST_LENGTH];
	SHA1((const unsigned char *)cat, strlen(cat), md);
	free(cat);
	struct strbuf sb = STRBUF_INIT;
	base64_encode(&sb, md, sizeof md);
	return sb_detach(&sb, NULL);
}

/* True when the comma-separated header value holds token (case-insensitive). */
static bool has_token(const char *v, const char *token)
{
	size_t tl = strlen(token);
	for (const char *p = v; p && *p;) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		size_t n = strcspn(p, ", \t");
		if (n == tl && strncasecmp(p, token, tl) == 0)
			return true;
		p += n;
	}
	return false;
}

static void reply_header(struct ws_reply *r, const char *name, size_t nl, const char *val,
			 size_t vl, bool *up, bool *conn)
{
	char *v = xstrndup(val, vl);
	if (nl == 22 && strncasecmp(name, "Sec-WebSocket-Protocol", nl) == 0)
		free(r->protocol), r->protocol = xstrdup(v);
	else if (nl == 20 && strncasecmp(name, "Sec-WebSocket-Accept", nl) == 0)
		free(r->accept), r->accept = xstrdup(v);
	else if (nl == 7 && strncasecmp(name, "Upgrade", nl) == 0)
		*up = has_token(v, "websocket");
	else if (nl == 10 && strncasecmp(name, "Connection", nl) == 0)
		*conn = has_token(v, "upgrade");
	else if (nl == 14 && strncasecmp(name, "Content-Length", nl) == 0)
		r->content_length = strtol(v, NULL, 10);
	free(v);
}

int ws_reply_parse(const char *buf, size_t len, struct ws_reply *out)
{
	memset(out, 0, sizeof *out);
	const char *end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return len > WS_MAX_HEAD ? -1 : 0;
	/* the status line, NUL-terminated: buf need not be */
	char line[64];
	const char *cr = memchr(buf, '\r', (size_t)(end - buf));
	size_t ll = cr ? (size_t)(cr - buf) : (size_t)(end - buf);
	ll = ll < sizeof line - 1 ? ll : sizeof line - 1;
	memcpy(line, buf, ll);
	line[ll] = '\0';
	int major = 0, minor = 0, status = 0;
	if (len < 12 || memcmp(buf, "HTTP/", 5) != 0 ||
	    sscanf(line, "HTTP/%d.%d %3d", &major, &minor, &status) != 3 || status < 100)
		return -1;
	out->status = status;
	out->content_length = -1;
	out->head_len = (size_t)(end - buf) + 4;
	bool up = false, conn = false;
	const char *p = memchr(buf, '\n', (size_t)(end - buf));
	while (p && p < end) {
		p++;
		const char *eol = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
		const char *colon = eol ? memchr(p, ':', (size_t)(eol - p)) : NULL;
		if (colon) {
			const char *v = colon + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			size_t vl = (size_t)(eol - v);
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			reply_header(out, p, (size_t)(colon - p), v, vl, &up, &conn);
		}
		p = eol ? eol + 1 : NULL;
	}
	out->upgrade_websocket = up && conn;
	return 1;
}

void ws_reply_done(struct ws_reply *r)
{
	free(r->protocol);
	free(r->accept);
	memset(r, 0, sizeof *r);
}

static ssize_t conn_send(void *ud, const void *buf, size_t len)
{
	ssize_t n = http_conn_send(ud, buf, len);
	return n == HTTP_CONN_AGAIN ? WS_IO_AGAIN : n;
}

static ssize_t conn_recv(void *ud, void *buf, size_t len)
{
	ssize_t n = http_conn_recv(ud, buf, len);
	return n == HTTP_CONN_AGAIN ? WS_IO_AGAIN : n;
}

static long ws_clock_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Waits until the socket is ready (POLLIN or POLLOUT) or the deadline passes. */
static int wait_fd(int fd, short events, long deadline)
{
	long left = deadline - ws_clock_ms();
	if (left <= 0)
		return -1;
	struct pollfd p = {.fd = fd, .events = events};
	int rc = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
	return rc < 0 && errno != EINTR ? -1 : 0;
}

static int send_all(struct http_conn *c, const char *buf, size_t len, long deadline)
{
	while (len) {
		ssize_t n = http_conn_send(c, buf, len);
		if (n == HTTP_CONN_AGAIN) {
			if (wait_fd(http_conn_fd(c), POLLOUT, deadline) < 0)
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		buf += n, len -= (size_t)n;
	}
	return 0;
}

/* Reads until want(sb) says enough, the peer closes, or the deadline. 0, or -1 on failure. */
static int recv_until(struct http_conn *c, struct strbuf *sb, size_t need, long deadline)
{
	char buf[16384];
	while (sb->len < need) {
		ssize_t n = http_conn_recv(c, buf, sizeof buf);
		if (n == HTTP_CONN_AGAIN) {
			if (wait_fd(http_conn_fd(c), POLLIN, deadline) < 0)
				return -1;
			continue;
		}
		if (n <= 0)
			return n == 0 ? 1 : -1;
		sb_add(sb, buf, (size_t)n);
		if (need == SIZE_MAX && memmem(sb->buf, sb->len, "\r\n\r\n", 4))
			return 0;
	}
	return 0;
}

static char *new_key(void)
{
	uint8_t raw[16];
	genmask_cb(NULL, raw, sizeof raw, NULL);
	struct strbuf sb = STRBUF_INIT;
	base64_encode(&sb, raw, sizeof raw);
	return sb_detach(&sb, NULL);
}

static bool offered(const char *const *protocols, const char *p)
{
	for (; protocols && *protocols; protocols++)
		if (strcmp(*protocols, p) == 0)
			return true;
	return false;
}

/* A refused upgrade: the body (bounded) and the API's words for it. */
static int refused(struct http_conn *c, struct strbuf *in, const struct ws_reply *r, long deadline,
		   struct tops_err *err)
{
	size_t want = r->content_length >= 0 && r->content_length < (1 << 20)
			      ? r->head_len + (size_t)r->content_length : r->head_len + (1 << 20);
	recv_until(c, in, want, deadline);
	size_t bl = in->len > r->head_len ? in->len - r->head_len : 0;
	bl = bl > want - r->head_len ? want - r->head_len : bl;
	char *body = xstrndup(in->buf + r->head_len, bl);
	int rc = r->status >= 400 ? kube_status_error(r->status, body, err)
				  : tops_err_set(err, TOPS_EHTTP, "the server did not upgrade the "
						 "connection (HTTP %d)", r->status);
	free(body);
	return rc;
}

static int check_reply(const struct ws_reply *r, const char *key, const char *const *protocols,
		       const char *path, struct tops_err *err)
{
	char *acc = ws_accept_key(key);
	bool ok = r->accept && strcmp(r->accept, acc) == 0;
	free(acc);
	if (!r->upgrade_websocket || !ok)
		return tops_err_set(err, TOPS_EHTTP, "%s: the server's WebSocket upgrade is invalid "
				    "(Upgrade, Connection or Sec-WebSocket-Accept)", path);
	if (protocols && protocols[0] && (!r->protocol || !offered(protocols, r->protocol)))
		return tops_err_set(err, TOPS_EHTTP, "%s: the server chose no protocol tops speaks "
				    "(offered %s%s)", path, protocols[0], protocols[1] ? ", ..." : "");
	return 0;
}

static int handshake(struct http_conn *c, const char *head, const char *path,
		     const char *const *protocols, long deadline, struct ws_reply *r,
		     struct strbuf *in, struct tops_err *err)
{
	char *key = new_key();
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, head);
	sb_addf(&sb, "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
		"Sec-WebSocket-Key: %s\r\n", key);
	for (size_t i = 0; protocols && protocols[i]; i++)
		sb_addf(&sb, "%s%s", i ? ", " : "Sec-WebSocket-Protocol: ", protocols[i]);
	sb_adds(&sb, protocols && protocols[0] ? "\r\n\r\n" : "\r\n");
	int rc = send_all(c, sb.buf, sb.len, deadline);
	sb_done(&sb);
	int pr = 0;
	if (rc == 0 && recv_until(c, in, SIZE_MAX, deadline) >= 0)
		pr = ws_reply_parse(in->buf ? in->buf : "", in->len, r);
	if (rc < 0 || pr <= 0)
		rc = tops_err_set(err, TOPS_ENET, "%s: %s", path,
				  rc < 0 || pr == 0 ? "no reply to the WebSocket upgrade"
						    : "the reply to the WebSocket upgrade is not HTTP");
	else if (r->status != 101)
		rc = refused(c, in, r, deadline, err);
	else
		rc = check_reply(r, key, protocols, path, err);
	free(key);
	return rc;
}

int ws_connect(struct kube_client *kc, const char *path, const char *const *protocols,
	       long timeout_ms, ws_msg_fn on_msg, void *ud, struct ws **out, struct tops_err *err)
{
	struct http_conn *c = NULL;
	char *head = NULL;
	*out = NULL;
	int rc = kube_conn_open(kc, "GET", path, &c, &head, err);
	if (rc)
		return rc;
	long deadline = ws_clock_ms() + (timeout_ms > 0 ? timeout_ms : 30000);
	struct ws_reply r;
	struct strbuf in = STRBUF_INIT;
	memset(&r, 0, sizeof r);
	rc = handshake(c, head, path, protocols, deadline, &r, &in, err);
	free(head);
	if (rc == 0) {
		struct ws_io io = {conn_send, conn_recv, c};
		struct ws *w = ws_new(&io, true, on_msg, ud);
		w->conn = c;
		w->protocol = r.protocol ? xstrdup(r.protocol) : NULL;
		if (in.len > r.head_len)
			ws_preload(w, in.buf + r.head_len, in.len - r.head_len);
		*out = w;
	} else {
		http_conn_free(c);
	}
	ws_reply_done(&r);
	sb_done(&in);
	return rc;
}
