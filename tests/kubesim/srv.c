/* srv — libuv TCP server with http-parser; see srv.h. */
#include "tests/kubesim/srv.h"

#include <http_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base/util.h"

struct srv_server {
	uv_tcp_t tcp;
	srv_handler_fn handler;
	srv_delay_fn delay;
};

struct srv_conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	http_parser parser;
	struct srv_server *srv;
	struct strbuf url, hfield, hvalue, body, pending;
	char *accept, *ctype, *agent, *upgrade, *ws_key, *ws_proto;
	srv_raw_fn on_raw;            /* set once the connection is taken over */
	size_t raw_pending;
	uv_shutdown_t shutdown;
	bool in_value, complete, busy, streaming, closing, keep_alive, expect_continue;
	void (*on_close)(void *data);
	void *data;
};

/* One write of up to two owned buffers (head and body, so a large body is never copied). */
struct wreq {
	uv_write_t req;
	char *buf[2];
	size_t len;
};

static http_parser_settings settings;
static void conn_feed(struct srv_conn *c);

static void conn_free_cb(uv_handle_t *h)
{
	struct srv_conn *c = h->data;
	sb_done(&c->url); sb_done(&c->hfield); sb_done(&c->hvalue);
	sb_done(&c->body); sb_done(&c->pending);
	free(c->accept); free(c->ctype); free(c->agent);
	free(c->upgrade); free(c->ws_key); free(c->ws_proto);
	free(c);
}

static void timer_closed_cb(uv_handle_t *h)
{
	struct srv_conn *c = h->data;
	uv_close((uv_handle_t *)&c->tcp, conn_free_cb);
}

static void conn_close(struct srv_conn *c, bool notify)
{
	if (c->closing)
		return;
	c->closing = true;
	if ((c->streaming || c->on_raw) && notify && c->on_close)
		c->on_close(c->data);
	c->on_raw = NULL;
	c->streaming = false;
	c->on_close = NULL;
	uv_close((uv_handle_t *)&c->timer, timer_closed_cb);
}

void srv_conn_close(struct srv_conn *c) { conn_close(c, false); }

static void write_cb(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct srv_conn *c = req->handle->data;
	c->raw_pending -= w->len;
	free(w->buf[0]);
	free(w->buf[1]);
	free(w);
}

/* Queues buf (and buf2 when not NULL) on the socket; both are owned and freed when written.
 * libuv tries the write at once, so a stream event leaves in the same loop turn. */
static void conn_write2(struct srv_conn *c, char *buf, size_t len, char *buf2, size_t len2)
{
	if (c->closing) {
		free(buf);
		free(buf2);
		return;
	}
	struct wreq *w = xcalloc(1, sizeof(*w));
	w->buf[0] = buf;
	w->buf[1] = buf2;
	w->len = len + len2;
	c->raw_pending += w->len;
	uv_buf_t b[2] = {uv_buf_init(buf, (unsigned)len), uv_buf_init(buf2, (unsigned)len2)};
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, b, buf2 ? 2 : 1, write_cb) != 0) {
		c->raw_pending -= w->len;
		free(buf);
		free(buf2);
		free(w);
		conn_close(c, true);
	}
}

static void conn_write(struct srv_conn *c, char *buf, size_t len)
{
	conn_write2(c, buf, len, NULL, 0);
}

static void reply_head(struct strbuf *sb, int status, const char *ctype)
{
	sb_addf(sb, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nCache-Control: no-cache, private\r\n"
		"Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n", status,
		http_status_str((enum http_status)status), ctype);
}

/* reply_head() without its Cache-Control when headers bring their own. */
static void reply_head_with(struct strbuf *sb, int status, const char *ctype, const char *headers)
{
	if (!headers || !strstr(headers, "Cache-Control:")) {
		reply_head(sb, status, ctype);
	} else {
		sb_addf(sb, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n",
			status, http_status_str((enum http_status)status), ctype);
	}
	if (headers)
		sb_adds(sb, headers);
}

static void request_done(struct srv_conn *c)
{
	c->busy = false;
	if (!c->keep_alive) {
		conn_close(c, false);
		return;
	}
	conn_feed(c);
}

void srv_respond(struct srv_conn *c, int status, const char *ctype, const char *body, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, body, len);
	srv_respond_sb(c, status, ctype, &sb);
}

void srv_respond_sb(struct srv_conn *c, int status, const char *ctype, struct strbuf *body)
{
	srv_respond_hdrs(c, status, ctype, NULL, body);
}

void srv_respond_hdrs(struct srv_conn *c, int status, const char *ctype, const char *headers,
		      struct strbuf *body)
{
	struct strbuf head = STRBUF_INIT;
	reply_head_with(&head, status, ctype, headers);
	sb_addf(&head, "Content-Length: %zu\r\n\r\n", body->len);
	size_t hn, bn;
	char *h = sb_detach(&head, &hn), *b = sb_detach(body, &bn);
	conn_write2(c, h, hn, b, bn);
	request_done(c);
}

void srv_stream_begin(struct srv_conn *c, int status, const char *ctype,
		       void (*on_close)(void *data), void *data)
{
	struct strbuf sb = STRBUF_INIT;
	reply_head(&sb, status, ctype);
	sb_adds(&sb, "Transfer-Encoding: chunked\r\n\r\n");
	size_t n;
	char *buf = sb_detach(&sb, &n);
	conn_write(c, buf, n);
	c->streaming = true;
	c->on_close = on_close;
	c->data = data;
}

void srv_stream_write(struct srv_conn *c, const char *buf, size_t len)
{
	if (!len || !c->streaming)
		return;
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%zx\r\n", len);
	sb_add(&sb, buf, len);
	sb_adds(&sb, "\r\n");
	size_t n;
	char *out = sb_detach(&sb, &n);
	conn_write(c, out, n);
}

void srv_stream_end(struct srv_conn *c)
{
	if (!c->streaming)
		return;
	conn_write(c, xstrdup("0\r\n\r\n"), 5);
	c->streaming = false;
	c->on_close = NULL;
	request_done(c);
}

void srv_hijack(struct srv_conn *c, const char *head, size_t len, srv_raw_fn on_data,
		void (*on_close)(void *data), void *data)
{
	conn_write(c, xstrndup(head, len), len);
	c->on_raw = on_data;
	c->on_close = on_close;
	c->data = data;
	c->busy = true;   /* no more HTTP on this connection */
	if (c->pending.len)
		conn_feed(c);
}

void srv_raw_write(struct srv_conn *c, const char *buf, size_t len)
{
	if (!len)
		return;
	char *copy = xmalloc(len);
	memcpy(copy, buf, len);
	conn_write(c, copy, len);
}

size_t srv_raw_pending(const struct srv_conn *c) { return c->raw_pending; }

static void shutdown_cb(uv_shutdown_t *req, int status)
{
	conn_close(req->data, false);
}

void srv_raw_end(struct srv_conn *c)
{
	c->on_raw = NULL;
	c->on_close = NULL;
	if (c->closing)
		return;
	c->shutdown.data = c;
	if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, shutdown_cb) != 0)
		conn_close(c, false);
}

static char *url_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n) {
			unsigned v;
			if (sscanf(s + i + 1, "%2x", &v) == 1) {
				*o++ = (char)v;
				i += 2;
				continue;
			}
		}
		*o++ = s[i] == '+' ? ' ' : s[i];
	}
	*o = 0;
	return out;
}

bool srv_query_bool(const char *query, const char *name)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
	char *v = srv_query_get(query, name);
	bool t = false;
	for (size_t i = 0; v && i < ARRAY_LEN(yes); i++)
		t = t || !strcmp(v, yes[i]);
	free(v);
	return t;
}

char *srv_query_get(const char *query, const char *name)
{
	size_t nl = strlen(name);
	const char *p = query;
	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		if (len >= nl && strncmp(p, name, nl) == 0 && (len == nl || p[nl] == '='))
			return len == nl ? xstrdup("") : url_decode(p + nl + 1, len - nl - 1);
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

static void dispatch(struct srv_conn *c)
{
	struct srv_req r = {0};
	const char *u = sb_str(&c->url);
	const char *q = strchr(u, '?');
	size_t plen = q ? (size_t)(q - u) : strlen(u);
	r.method = c->parser.method;
	r.path = url_decode(u, plen);
	r.query = xstrdup(q ? q + 1 : "");
	r.accept = c->accept ? c->accept : "";
	r.content_type = c->ctype ? c->ctype : "";
	r.user_agent = c->agent ? c->agent : "";
	r.upgrade = c->upgrade ? c->upgrade : "";
	r.ws_key = c->ws_key ? c->ws_key : "";
	r.ws_protocol = c->ws_proto ? c->ws_proto : "";
	r.body = (char *)sb_str(&c->body);
	r.body_len = c->body.len;
	c->srv->handler(c, &r);
	free(r.path);
	free(r.query);
}

static void delay_cb(uv_timer_t *t)
{
	dispatch(t->data);
}

static void message_ready(struct srv_conn *c)
{
	c->complete = false;
	c->busy = true;
	/* an upgrade that is not taken is answered once; the bytes after it are not HTTP */
	c->keep_alive = http_should_keep_alive(&c->parser) && !c->parser.upgrade;
	struct srv_req probe = {.method = c->parser.method, .path = (char *)sb_str(&c->url)};
	unsigned ms = c->srv->delay ? c->srv->delay(&probe) : 0;
	if (ms)
		uv_timer_start(&c->timer, delay_cb, ms, 0);
	else
		dispatch(c);
}

/* Parses buffered input until one request is complete, then dispatches it. */
static void conn_feed(struct srv_conn *c)
{
	if (c->on_raw && c->pending.len) {
		struct strbuf in = c->pending;
		c->pending = (struct strbuf)STRBUF_INIT;
		c->on_raw(c->data, in.buf, in.len);
		sb_done(&in);
		return;
	}
	while (!c->closing && !c->busy && c->pending.len) {
		size_t n = http_parser_execute(&c->parser, &settings, c->pending.buf, c->pending.len);
		enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
		if (e != HPE_OK && e != HPE_PAUSED) {
			conn_close(c, true);
			return;
		}
		memmove(c->pending.buf, c->pending.buf + n, c->pending.len - n);
		c->pending.len -= n;
		if (e == HPE_PAUSED)
			http_parser_pause(&c->parser, 0);
		if (c->complete)
			message_ready(c);
		else if (n == 0)
			break;
	}
}

static int on_begin(http_parser *p)
{
	struct srv_conn *c = p->data;
	sb_reset(&c->url); sb_reset(&c->body); sb_reset(&c->hfield); sb_reset(&c->hvalue);
	free(c->accept); free(c->ctype); free(c->agent);
	free(c->upgrade); free(c->ws_key); free(c->ws_proto);
	c->accept = c->ctype = c->agent = c->upgrade = c->ws_key = c->ws_proto = NULL;
	c->in_value = false;
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
	sb_add(&((struct srv_conn *)p->data)->url, at, n);
	return 0;
}

static void header_done(struct srv_conn *c)
{
	if (!c->hfield.len)
		return;
	const char *f = sb_str(&c->hfield);
	if (strcasecmp(f, "accept") == 0)
		free(c->accept), c->accept = xstrdup(sb_str(&c->hvalue));
	else if (strcasecmp(f, "content-type") == 0)
		free(c->ctype), c->ctype = xstrdup(sb_str(&c->hvalue));
	else if (strcasecmp(f, "user-agent") == 0)
		free(c->agent), c->agent = xstrdup(sb_str(&c->hvalue));
	else if (strcasecmp(f, "upgrade") == 0)
		free(c->upgrade), c->upgrade = xstrdup(sb_str(&c->hvalue));
	else if (strcasecmp(f, "sec-websocket-key") == 0)
		free(c->ws_key), c->ws_key = xstrdup(sb_str(&c->hvalue));
	else if (strcasecmp(f, "sec-websocket-protocol") == 0)
		free(c->ws_proto), c->ws_proto = xstrdup(sb_str(&c->hvalue));
	else if (strcasecmp(f, "expect") == 0 && strcasecmp(sb_str(&c->hvalue), "100-continue") == 0)
		c->expect_continue = true;
	sb_reset(&c->hfield);
	sb_reset(&c->hvalue);
}

static int on_hfield(http_parser *p, const char *at, size_t n)
{
	struct srv_conn *c = p->data;
	if (c->in_value)
		header_done(c);
	c->in_value = false;
	sb_add(&c->hfield, at, n);
	return 0;
}

static int on_hvalue(http_parser *p, const char *at, size_t n)
{
	struct srv_conn *c = p->data;
	c->in_value = true;
	sb_add(&c->hvalue, at, n);
	return 0;
}

static int on_headers_complete(http_parser *p)
{
	struct srv_conn *c = p->data;
	header_done(c);
	/* curl waits a second for this before it sends a large body. */
	if (c->expect_continue) {
		c->expect_continue = false;
		conn_write(c, xstrdup("HTTP/1.1 100 Continue\r\n\r\n"), 25);
	}
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
	struct srv_conn *c = p->data;
	if (c->body.len + n > 64u << 20)
		return 1;
	sb_add(&c->body, at, n);
	return 0;
}

static int on_complete(http_parser *p)
{
	struct srv_conn *c = p->data;
	c->complete = true;
	http_parser_pause(p, 1);
	return 0;
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	buf->base = xmalloc(65536);
	buf->len = 65536;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct srv_conn *c = s->data;
	if (n < 0) {
		free(buf->base);
		conn_close(c, true);
		return;
	}
	if (c->on_raw) {
		c->on_raw(c->data, buf->base, (size_t)n);
		free(buf->base);
		return;
	}
	sb_add(&c->pending, buf->base, (size_t)n);
	free(buf->base);
	conn_feed(c);
}

static void accept_cb(uv_stream_t *server, int status)
{
	if (status < 0)
		return;
	struct srv_server *srv = server->data;
	struct srv_conn *c = xcalloc(1, sizeof(*c));
	c->srv = srv;
	uv_tcp_init(server->loop, &c->tcp);
	uv_timer_init(server->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		conn_close(c, false);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
}

int srv_listen(uv_loop_t *loop, const char *host, int port, srv_handler_fn fn,
		srv_delay_fn delay, int *port_out)
{
	struct sockaddr_in addr;
	int rc = uv_ip4_addr(host, port, &addr);
	if (rc)
		return rc;
	settings.on_message_begin = on_begin;
	settings.on_url = on_url;
	settings.on_header_field = on_hfield;
	settings.on_header_value = on_hvalue;
	settings.on_headers_complete = on_headers_complete;
	settings.on_body = on_body;
	settings.on_message_complete = on_complete;
	struct srv_server *srv = xcalloc(1, sizeof(*srv));
	srv->handler = fn;
	srv->delay = delay;
	uv_tcp_init(loop, &srv->tcp);
	srv->tcp.data = srv;
	if ((rc = uv_tcp_bind(&srv->tcp, (const struct sockaddr *)&addr, 0)) != 0 ||
	    (rc = uv_listen((uv_stream_t *)&srv->tcp, 128, accept_cb)) != 0)
		return rc;
	struct sockaddr_in got;
	int len = sizeof(got);
	uv_tcp_getsockname(&srv->tcp, (struct sockaddr *)&got, &len);
	*port_out = ntohs(got.sin_port);
	return 0;
}
