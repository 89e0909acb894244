/* conn — HTTP/1.1 over TCP or TLS on a libuv loop, with the server's limits. */
#include "serve/conn.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct srv {
	uv_loop_t *loop;
	uv_tcp_t tcp;
	struct srv_opts o;
	SSL_CTX *tls;
	struct conn *conns;
	size_t nconns;
	bool stopping;
	int port;
};

enum cstate { CS_READING, CS_BUSY, CS_STREAM };

struct conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	struct srv *s;
	struct req req;
	struct strbuf in;            /* bytes received and not yet parsed */
	SSL *ssl;
	BIO *rbio, *wbio;
	enum cstate state;
	bool closing, close_after, in_process, timed_body;
	int handles;                 /* open libuv handles */
	int tag;
	uint64_t t0;                 /* uv_hrtime() when the request was complete */
	char peer[48];
	void (*gone)(struct conn *c, void *ud);
	void *gone_ud;
	struct conn *next, *prev;
};

static const struct { int code; const char *text; } reasons[] = {
	{200, "OK"}, {201, "Created"}, {202, "Accepted"}, {204, "No Content"},
	{400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"}, {404, "Not Found"},
	{405, "Method Not Allowed"}, {408, "Request Timeout"}, {409, "Conflict"},
	{413, "Content Too Large"}, {415, "Unsupported Media Type"}, {429, "Too Many Requests"},
	{431, "Request Header Fields Too Large"}, {500, "Internal Server Error"},
	{501, "Not Implemented"}, {503, "Service Unavailable"},
};

const char *conn_reason(int status)
{
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (reasons[i].code == status)
			return reasons[i].text;
	return "Unknown";
}

/* ---- writing ---- */

struct wreq {
	uv_write_t w;
	char *buf;
};

static void write_cb(uv_write_t *w, int status)
{
	struct wreq *wr = (struct wreq *)w;
	free(wr->buf);
	free(wr);
}

static void raw_write(struct conn *c, const char *data, size_t len)
{
	if (c->closing || len == 0)
		return;
	struct wreq *wr = xmalloc(sizeof *wr);
	wr->buf = xmalloc(len);
	memcpy(wr->buf, data, len);
	uv_buf_t b = uv_buf_init(wr->buf, (unsigned)len);
	if (uv_write(&wr->w, (uv_stream_t *)&c->tcp, &b, 1, write_cb) < 0)
		free(wr->buf), free(wr);
}

/* What TLS has to send (records, handshake) goes out. */
static void tls_flush(struct conn *c)
{
	char buf[16384];
	int n;
	while ((n = BIO_read(c->wbio, buf, sizeof buf)) > 0)
		raw_write(c, buf, (size_t)n);
}

static void out(struct conn *c, const char *data, size_t len)
{
	if (!c->ssl)
		return raw_write(c, data, len);
	while (len > 0) {
		int n = SSL_write(c->ssl, data, len > 65536 ? 65536 : (int)len);
		if (n <= 0)
			break;
		data += n, len -= (size_t)n;
	}
	tls_flush(c);
}

/* ---- closing ---- */

static void close_cb(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->handles > 0)
		return;
	req_done(&c->req);
	sb_done(&c->in);
	if (c->ssl)
		SSL_free(c->ssl); /* frees the BIOs */
	free(c);
}

static void conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->gone) {
		void (*fn)(struct conn *, void *) = c->gone;
		c->gone = NULL;
		fn(c, c->gone_ud);
	}
	struct srv *s = c->s;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	uv_close((uv_handle_t *)&c->timer, close_cb);
	uv_close((uv_handle_t *)&c->tcp, close_cb);
}

/* Closes after what was written is sent (uv_close would drop queued writes). */
static void shutdown_cb(uv_shutdown_t *r, int status)
{
	struct conn *c = r->data;
	free(r);
	conn_close(c);
}

static void conn_finish(struct conn *c)
{
	if (c->closing)
		return;
	uv_read_stop((uv_stream_t *)&c->tcp);
	uv_timer_stop(&c->timer);
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		tls_flush(c);
	}
	uv_shutdown_t *r = xmalloc(sizeof *r);
	r->data = c;
	if (uv_shutdown(r, (uv_stream_t *)&c->tcp, shutdown_cb) < 0) {
		free(r);
		conn_close(c);
	}
}

/* ---- answering ---- */

static void error_answer(struct conn *c, int status, const char *msg)
{
	char body[512];
	int n = snprintf(body, sizeof body, "{\"error\":{\"code\":%d,\"message\":\"%s\",\"details\":[]}}\n",
			 status, msg);
	c->close_after = true;
	conn_respond(c, status, "application/json", NULL, body, (size_t)n);
}

static void process(struct conn *c);

static void answered(struct conn *c, int status)
{
	if (c->s->o.on_answer)
		c->s->o.on_answer(c, status, c->tag, c->t0 ? (double)(uv_hrtime() - c->t0) / 1e9 : 0,
				  c->s->o.ud);
	c->tag = -1;
	c->t0 = 0;
}

void conn_set_tag(struct conn *c, int tag)
{
	c->tag = tag;
}

static void arm(struct conn *c, long ms);

void conn_respond(struct conn *c, int status, const char *ctype, const char *headers,
		  const char *body, size_t len)
{
	if (c->closing)
		return;
	bool keep = c->req.keep_alive && !c->close_after && !c->s->stopping;
	answered(c, status);
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s%s\r\n",
		status, conn_reason(status), ctype, len, headers ? headers : "",
		keep ? "" : "Connection: close\r\n");
	sb_add(&sb, body, len);
	out(c, sb_str(&sb), sb.len);
	sb_done(&sb);
	c->gone = NULL;
	if (!keep)
		return conn_finish(c);
	c->state = CS_READING;
	req_reset(&c->req);
	c->timed_body = false;
	arm(c, c->s->o.header_timeout_ms);
	if (!c->in_process)
		process(c);
}

void conn_stream_begin(struct conn *c, const char *ctype)
{
	char head[256];
	int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nCache-Control: no-cache\r\n"
			 "Connection: close\r\n\r\n", ctype);
	out(c, head, (size_t)n);
	answered(c, 200);
	c->state = CS_STREAM;
	uv_timer_stop(&c->timer);
}

void conn_stream_write(struct conn *c, const char *data, size_t len)
{
	out(c, data, len);
}

void conn_stream_end(struct conn *c)
{
	c->gone = NULL;
	conn_finish(c);
}

void conn_on_gone(struct conn *c, void (*fn)(struct conn *c, void *ud), void *ud)
{
	c->gone = fn;
	c->gone_ud = ud;
}

const struct req *conn_req(const struct conn *c)
{
	return &c->req;
}

const char *conn_peer(const struct conn *c)
{
	return c->peer;
}

/* ---- reading ---- */

static void timer_cb(uv_timer_t *t)
{
	struct conn *c = t->data;
	if (c->state != CS_READING)
		return;
	if (!c->req.started && c->in.len == 0)
		return conn_finish(c); /* an idle keep-alive connection: just closed */
	error_answer(c, 408, c->timed_body ? "request timeout: the body did not arrive in time" :
		     "request timeout: the headers did not arrive in time");
}

static void arm(struct conn *c, long ms)
{
	uv_timer_stop(&c->timer);
	if (ms > 0)
		uv_timer_start(&c->timer, timer_cb, (uint64_t)ms, 0);
}

/* Parses what is buffered; hands complete requests over one at a time. */
static void process(struct conn *c)
{
	c->in_process = true;
	while (!c->closing && c->state == CS_READING && c->in.len > 0) {
		size_t used;
		enum req_state st = req_feed(&c->req, c->in.buf, c->in.len, &used);
		memmove(c->in.buf, c->in.buf + used, c->in.len - used);
		c->in.len -= used;
		c->in.buf[c->in.len] = 0;
		if (st == REQ_ERROR) {
			error_answer(c, c->req.error_status, c->req.error_msg);
			break;
		}
		if (c->req.headers_done && !c->timed_body && st == REQ_MORE) {
			c->timed_body = true;
			arm(c, c->s->o.request_timeout_ms);
		}
		if (st == REQ_MORE)
			break;
		c->state = CS_BUSY;
		c->t0 = uv_hrtime();
		uv_timer_stop(&c->timer);
		c->s->o.on_request(c, c->s->o.ud);
	}
	c->in_process = false;
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static char buf[65536]; /* one loop thread: the bytes are copied out before the next read */
	*b = uv_buf_init(buf, sizeof buf);
}

/* TLS: ciphertext in, plaintext into c->in. False when the connection must close. */
static bool tls_in(struct conn *c, const char *data, size_t n)
{
	BIO_write(c->rbio, data, (int)n);
	char buf[16384];
	int k;
	while ((k = SSL_read(c->ssl, buf, sizeof buf)) > 0)
		sb_add(&c->in, buf, (size_t)k);
	int e = SSL_get_error(c->ssl, k);
	tls_flush(c);
	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = st->data;
	if (n < 0) {
		if (c->state == CS_STREAM || c->state == CS_BUSY || !c->req.started)
			return conn_close(c);
		return error_answer(c, 400, "incomplete HTTP request");
	}
	if (n == 0)
		return;
	if (c->ssl ? !tls_in(c, b->base, (size_t)n) : (sb_add(&c->in, b->base, (size_t)n), false))
		return conn_close(c);
	if (c->in.len > REQ_MAX_HEADER_BYTES + c->s->o.max_body + 65536)
		return error_answer(c, 413, "too much unread input");
	process(c);
}

static void peer_of(struct conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof ss;
	strcpy(c->peer, "unknown");
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET)
			uv_ip4_name((struct sockaddr_in *)&ss, c->peer, sizeof c->peer);
		else if (ss.ss_family == AF_INET6)
			uv_ip6_name((struct sockaddr_in6 *)&ss, c->peer, sizeof c->peer);
	}
}

static struct conn *conn_new(struct srv *s)
{
	struct conn *c = xcalloc(1, sizeof *c);
	c->s = s;
	uv_tcp_init(s->loop, &c->tcp);
	uv_timer_init(s->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->handles = 2;
	c->tag = -1;
	req_init(&c->req, s->o.max_body);
	sb_init(&c->in);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	return c;
}

static void accept_cb(uv_stream_t *ls, int status)
{
	struct srv *s = ls->data;
	if (status < 0)
		return;
	struct conn *c = conn_new(s);
	if (uv_accept(ls, (uv_stream_t *)&c->tcp) < 0)
		return conn_close(c);
	uv_tcp_nodelay(&c->tcp, 1);
	peer_of(c);
	if (s->tls) {
		c->ssl = SSL_new(s->tls);
		c->rbio = BIO_new(BIO_s_mem());
		c->wbio = BIO_new(BIO_s_mem());
		SSL_set_bio(c->ssl, c->rbio, c->wbio);
		SSL_set_accept_state(c->ssl);
	}
	uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
	if (s->nconns > s->o.max_conns || s->stopping)
		return error_answer(c, 503, s->stopping ? "the server is shutting down" :
				    "too many connections: try again later");
	arm(c, s->o.header_timeout_ms);
}

/* ---- the server ---- */

static int tls_setup(struct srv *s, struct tops_err *err)
{
	s->tls = SSL_CTX_new(TLS_server_method());
	SSL_CTX_set_min_proto_version(s->tls, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(s->tls, s->o.tls_cert) != 1)
		return tops_err_set(err, TOPS_EINVAL, "%s: cannot load the TLS certificate: %s",
				    s->o.tls_cert, ERR_reason_error_string(ERR_get_error()));
	if (SSL_CTX_use_PrivateKey_file(s->tls, s->o.tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(s->tls) != 1)
		return tops_err_set(err, TOPS_EINVAL, "%s: cannot load the TLS key (or it does not match "
				    "the certificate): %s", s->o.tls_key, ERR_reason_error_string(ERR_get_error()));
	return 0;
}

static int bind_listen(struct srv *s, struct tops_err *err)
{
	struct sockaddr_storage ss;
	int rc = strchr(s->o.host, ':') ? uv_ip6_addr(s->o.host, s->o.port, (struct sockaddr_in6 *)&ss) :
		 uv_ip4_addr(s->o.host, s->o.port, (struct sockaddr_in *)&ss);
	if (rc == 0)
		rc = uv_tcp_bind(&s->tcp, (struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&s->tcp, 511, accept_cb);
	if (rc < 0)
		return tops_err_set(err, TOPS_ENET, "cannot listen on %s:%d: %s", s->o.host, s->o.port,
				    uv_strerror(rc));
	int len = sizeof ss;
	uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&ss, &len);
	s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
			((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

int srv_new(uv_loop_t *loop, const struct srv_opts *o, struct srv **out, struct tops_err *err)
{
	struct srv *s = xcalloc(1, sizeof *s);
	s->loop = loop;
	s->o = *o;
	uv_tcp_init(loop, &s->tcp);
	s->tcp.data = s;
	int rc = o->tls_cert ? tls_setup(s, err) : 0;
	if (rc == 0)
		rc = bind_listen(s, err);
	*out = s;
	return rc;
}

int srv_port(const struct srv *s)
{
	return s->port;
}

size_t srv_conns(const struct srv *s)
{
	return s->nconns;
}

void srv_stop(struct srv *s)
{
	if (s->stopping)
		return;
	s->stopping = true;
	uv_close((uv_handle_t *)&s->tcp, NULL);
	for (struct conn *c = s->conns, *n; c; c = n) {
		n = c->next;
		if (c->state == CS_STREAM)
			conn_stream_end(c);
		else if (c->state == CS_READING)
			conn_finish(c);
		else
			c->close_after = true;
	}
}

void srv_free(struct srv *s)
{
	if (!s)
		return;
	if (s->tls)
		SSL_CTX_free(s->tls);
	free(s);
}
