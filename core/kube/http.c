/* http — libcurl multi driven by libuv (the multi-uv.c pattern), with deferred delivery. */
#include "core/kube/http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTTP_DEFAULT_MAX ((size_t)64 << 20)

struct sock_ctx {
	uv_poll_t poll;
	curl_socket_t fd;
	struct http *h;
	struct sock_ctx *next, *prev;
};

struct http {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	uv_idle_t idle;               /* delivers queued results: the safe point */
	struct http_req *reqs;        /* every live request (doubly linked) */
	struct http_req *ready_head, *ready_tail;
	struct sock_ctx *socks;
	size_t npending;
	int closing;
	bool idle_on;
	http_unauthorized_fn on_unauthorized;
	void *unauthorized_ud;
};

struct http_req {
	struct http *h;
	CURL *easy;
	struct curl_slist *hdrs;
	char *url;
	char *req_body;
	char *connect_to_spec;
	struct curl_slist *connect_to;
	struct strbuf body;           /* whole body, or pending stream bytes */
	size_t max;
	size_t scan;                  /* line mode: offset just after the last '\n' held */
	http_data_fn on_data;
	http_line_fn on_line;
	http_done_fn on_done;
	void *ud;
	bool done, queued, cancelled, delivering, too_big;
	bool status_known, error_body;   /* a stream answered with an error status: keep its body */
	bool held, retry_unauthorized, unauthorized;   /* waiting for a credential; after a 401 */
	char *bearer;                 /* the token sent, for the unauthorized hook */
	int fail_code;                /* set by http_fail_held() */
	char *fail_msg;
	CURLcode cres;
	long status;
	char *content_type;
	char errbuf[CURL_ERROR_SIZE];
	char *errmsg;
	struct http_req *next, *prev, *ready_next;
};

static void check_info(struct http *h);

/* --- delivery (the safe point) --- */

static void req_destroy(struct http_req *r)
{
	struct http *h = r->h;
	if (r->easy) {
		curl_multi_remove_handle(h->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	if (r->prev)
		r->prev->next = r->next;
	else if (h->reqs == r)
		h->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	curl_slist_free_all(r->hdrs);
	curl_slist_free_all(r->connect_to);
	free(r->connect_to_spec);
	free(r->url);
	free(r->req_body);
	free(r->content_type);
	free(r->errmsg);
	free(r->bearer);
	free(r->fail_msg);
	sb_done(&r->body);
	free(r);
}

static void queue_req(struct http_req *r)
{
	struct http *h = r->h;
	if (r->queued)
		return;
	r->queued = true;
	r->ready_next = NULL;
	if (h->ready_tail)
		h->ready_tail->ready_next = r;
	else
		h->ready_head = r;
	h->ready_tail = r;
}

/* Passes complete lines (or raw chunks) to the consumer; false when it cancelled the request. */
static bool deliver_stream(struct http_req *r)
{
	if (r->on_data && r->body.len) {
		r->on_data(r, r->body.buf, r->body.len, r->ud);
		if (r->cancelled)
			return false;
		sb_reset(&r->body);
	}
	if (!r->on_line)
		return true;
	size_t start = 0;
	while (start < r->body.len) {
		char *nl = memchr(r->body.buf + start, '\n', r->body.len - start);
		if (!nl)
			break;
		size_t n = (size_t)(nl - (r->body.buf + start));
		if (n && r->body.buf[start + n - 1] == '\r')
			n--;
		r->on_line(r, r->body.buf + start, n, r->ud);
		if (r->cancelled)
			return false;
		start = (size_t)(nl - r->body.buf) + 1;
	}
	if (r->done && start < r->body.len && !r->too_big) {
		r->on_line(r, r->body.buf + start, r->body.len - start, r->ud);
		if (r->cancelled)
			return false;
		start = r->body.len;
	}
	memmove(r->body.buf, r->body.buf + start, r->body.len - start);
	r->body.len -= start;
	r->scan = r->scan > start ? r->scan - start : 0;
	if (r->body.buf)
		r->body.buf[r->body.len] = '\0';
	return true;
}

static void fill_result(struct http_req *r, struct http_result *res)
{
	memset(res, 0, sizeof *res);
	res->status = r->status;
	res->content_type = r->content_type ? r->content_type : "";
	free(r->errmsg);
	r->errmsg = NULL;
	if (r->too_big || r->cres == CURLE_FILESIZE_EXCEEDED) {
		res->err = -TOPS_ETOOBIG;
		r->errmsg = xasprintf("reply from %s is larger than %zu bytes; cut off", r->url, r->max);
	} else if (r->fail_code) {
		res->err = -r->fail_code;
		r->errmsg = xstrdup(r->fail_msg ? r->fail_msg : "no credential");
	} else if (r->cres == CURLE_OPERATION_TIMEDOUT) {
		res->err = -TOPS_ETIMEOUT;
	} else if (r->cres != CURLE_OK) {
		res->err = -TOPS_ENET;
	}
	if (res->err && !r->errmsg)
		r->errmsg = xasprintf("%s: %s", r->url,
				      r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->cres));
	res->errmsg = res->err ? r->errmsg : "";
	if ((!r->on_data && !r->on_line) || r->error_body) {
		if (res->err)
			r->body.len = 0;   /* no partial bodies: a cut reply is an error, not data */
		sb_grow(&r->body, 1);
		r->body.buf[r->body.len] = '\0';
		res->body = r->body.buf;
		res->len = r->body.len;
	}
}

/* A request answered 401 tells the hook once; it stays held until released or failed. */
static void deliver_unauthorized(struct http_req *r)
{
	struct http *h = r->h;
	r->unauthorized = false;
	r->delivering = true;
	h->on_unauthorized(h, r->bearer, h->unauthorized_ud);
	r->delivering = false;
	if (r->cancelled && !r->queued)
		req_destroy(r);   /* when queued again, the delivery loop frees it */
}

static void deliver_one(struct http_req *r)
{
	if (!r->cancelled && r->unauthorized) {
		deliver_unauthorized(r);
		return;
	}
	if (!r->cancelled && (r->held || (!r->done && !r->body.len)))
		return;   /* waiting for a credential, or released again with nothing to hand out */
	r->delivering = true;
	bool alive = !r->cancelled && (r->error_body || deliver_stream(r));
	if (alive && r->done) {
		struct http_result res;
		fill_result(r, &res);
		r->h->npending--;
		char *given = res.body;
		r->on_done(r, &res, r->ud);
		if (given && res.body == NULL)
			r->body.buf = NULL, r->body.len = r->body.cap = 0;  /* consumer took it */
		r->cancelled = true;
	}
	r->delivering = false;
	if (r->cancelled)
		req_destroy(r);
}

static void idle_cb(uv_idle_t *idle)
{
	struct http *h = idle->data;
	struct http_req *list = h->ready_head;
	h->ready_head = h->ready_tail = NULL;
	while (list) {
		struct http_req *r = list;
		list = r->ready_next;
		r->queued = false;
		deliver_one(r);
	}
	if (!h->ready_head && h->idle_on) {
		uv_idle_stop(&h->idle);
		h->idle_on = false;
	}
}

static void kick(struct http *h)
{
	if (h->ready_head && !h->idle_on)
		h->idle_on = uv_idle_start(&h->idle, idle_cb) == 0;
}

/* --- curl <-> uv glue --- */

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct http_req *r = userp;
	size_t n = size * nmemb;
	size_t old = r->body.len;
	if (!r->status_known) {
		long code = 0;
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
		r->status_known = true;
		r->error_body = (r->on_line || r->on_data) && (code < 200 || code >= 300);
	}
	sb_add(&r->body, data, n);
	if (r->error_body) {
		if (r->body.len > r->max) {
			r->too_big = true;
			return 0;
		}
		return n;   /* delivered whole with the result, never as stream data */
	}
	if (r->on_line) {
		char *last = memrchr(data, '\n', n);
		if (last)
			r->scan = old + (size_t)(last - data) + 1;
	}
	/* whole body, pending chunk, or the unfinished line must stay within the limit */
	size_t held = r->on_line ? r->body.len - r->scan : r->body.len;
	if (held > r->max) {
		r->too_big = true;
		return 0;
	}
	if (r->on_data || r->on_line) {
		queue_req(r);
		kick(r->h);
	}
	return n;
}

static void sock_close_cb(uv_handle_t *hd)
{
	free(hd->data);
}

static void sock_release(struct http *h, struct sock_ctx *sc)
{
	if (sc->prev)
		sc->prev->next = sc->next;
	else
		h->socks = sc->next;
	if (sc->next)
		sc->next->prev = sc->prev;
	uv_poll_stop(&sc->poll);
	uv_close((uv_handle_t *)&sc->poll, sock_close_cb);
}

static void poll_cb(uv_poll_t *p, int status, int events)
{
	struct sock_ctx *sc = p->data;
	struct http *h = sc->h;
	int flags = 0;
	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	int running;
	CURLMcode mc = curl_multi_socket_action(h->multi, sc->fd, flags, &running);
	if (mc != CURLM_OK)
		fprintf(stderr, "tops: http: %s\n", curl_multi_strerror(mc));
	check_info(h);
}

static int socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct http *h = userp;
	struct sock_ctx *sc = socketp;
	(void)e;
	if (what == CURL_POLL_REMOVE) {
		if (sc) {
			curl_multi_assign(h->multi, s, NULL);   /* only fails for unknown sockets */
			sock_release(h, sc);
		}
		return 0;
	}
	if (!sc) {
		sc = xcalloc(1, sizeof *sc);
		sc->fd = s;
		sc->h = h;
		if (uv_poll_init_socket(h->loop, &sc->poll, s) != 0) {
			free(sc);
			return -1;
		}
		sc->poll.data = sc;
		sc->next = h->socks;
		if (h->socks)
			h->socks->prev = sc;
		h->socks = sc;
		curl_multi_assign(h->multi, s, sc);
	}
	int ev = ((what & CURL_POLL_IN) ? UV_READABLE : 0) | ((what & CURL_POLL_OUT) ? UV_WRITABLE : 0);
	return uv_poll_start(&sc->poll, ev, poll_cb) == 0 ? 0 : -1;
}

static void timeout_cb(uv_timer_t *t)
{
	struct http *h = t->data;
	int running;
	CURLMcode mc = curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	if (mc != CURLM_OK)
		fprintf(stderr, "tops: http: %s\n", curl_multi_strerror(mc));
	check_info(h);
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct http *h = userp;
	(void)m;
	if (timeout_ms < 0)
		return uv_timer_stop(&h->timer) == 0 ? 0 : -1;
	return uv_timer_start(&h->timer, timeout_cb, (uint64_t)timeout_ms, 0) == 0 ? 0 : -1;
}

/* Keeps the easy handle (its options stay set) and forgets the 401 reply, so that the same
 * transfer can run again once a new credential is there. */
static void hold_for_retry(struct http_req *r)
{
	curl_multi_remove_handle(r->h->multi, r->easy);
	r->retry_unauthorized = false;
	r->held = r->unauthorized = true;
	r->status = 0;
	r->status_known = r->error_body = r->too_big = false;
	r->scan = 0;
	r->errbuf[0] = '\0';
	sb_reset(&r->body);
	queue_req(r);
}

static void check_info(struct http *h)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(h->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		struct http_req *r = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (!r)
			continue;
		r->cres = msg->data.result;
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
		if (r->cres == CURLE_OK && r->status == 401 && r->retry_unauthorized &&
		    h->on_unauthorized) {
			hold_for_retry(r);
			continue;
		}
		char *ct = NULL;
		if (curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
			r->content_type = xstrdup(ct);
		curl_multi_remove_handle(h->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		r->done = true;
		queue_req(r);
	}
	kick(h);
}

/* --- public --- */

static void http_close_cb(uv_handle_t *hd);

struct http *http_new(uv_loop_t *loop, struct tops_err *err)
{
	static bool global_done;
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
			tops_err_set(err, TOPS_EINTERNAL, "cannot initialise libcurl");
			return NULL;
		}
		global_done = true;
	}
	struct http *h = xcalloc(1, sizeof *h);
	h->loop = loop;
	h->multi = curl_multi_init();
	if (!h->multi)
		goto fail;
	if (uv_timer_init(loop, &h->timer) != 0 || uv_idle_init(loop, &h->idle) != 0)
		goto fail;
	h->timer.data = h->idle.data = h;
	if (curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb) != CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h) != CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_cb) != CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h) != CURLM_OK) {
		curl_multi_cleanup(h->multi);
		h->closing = 2;   /* freed by the close callbacks */
		uv_close((uv_handle_t *)&h->timer, http_close_cb);
		uv_close((uv_handle_t *)&h->idle, http_close_cb);
		tops_err_set(err, TOPS_EINTERNAL, "cannot set up libcurl's multi interface");
		return NULL;
	}
	return h;
fail:
	if (h->multi)
		curl_multi_cleanup(h->multi);
	free(h);
	tops_err_set(err, TOPS_EINTERNAL, "cannot create the HTTP client");
	return NULL;
}

static void http_close_cb(uv_handle_t *hd)
{
	struct http *h = hd->data;
	if (--h->closing == 0)
		free(h);
}

void http_free(struct http *h)
{
	if (!h)
		return;
	while (h->reqs) {
		struct http_req *r = h->reqs;
		r->cancelled = true;
		req_destroy(r);
	}
	h->ready_head = h->ready_tail = NULL;
	curl_multi_cleanup(h->multi);
	while (h->socks)
		sock_release(h, h->socks);
	uv_timer_stop(&h->timer);
	uv_idle_stop(&h->idle);
	h->closing = 2;
	uv_close((uv_handle_t *)&h->timer, http_close_cb);
	uv_close((uv_handle_t *)&h->idle, http_close_cb);
}

size_t http_pending(const struct http *h)
{
	return h->npending;
}

const char *http_req_url(const struct http_req *r)
{
	return r->url;
}

void http_cancel(struct http_req *r)
{
	if (!r || r->cancelled)
		return;
	r->cancelled = true;
	if (!r->done)
		r->h->npending--;
	if (r->easy) {
		curl_multi_remove_handle(r->h->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
	if (!r->delivering && !r->queued)
		req_destroy(r);
	/* else freed by the delivery loop */
}

#define SETOPT(e, o, v) do { if (curl_easy_setopt((e), (o), (v)) != CURLE_OK) goto fail; } while (0)

static int set_blob(CURL *e, CURLoption opt, const char *data, size_t len)
{
	struct curl_blob blob = {(void *)data, len, CURL_BLOB_COPY};
	return curl_easy_setopt(e, opt, &blob) == CURLE_OK ? 0 : -1;
}

/* tls-server-name: connect to the URL's host but speak TLS (SNI, certificate name) for
 * server_name, by rewriting the URL's host and pinning the connection with CONNECT_TO. */
static int apply_server_name(struct http_req *r, const char *server_name)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *url = NULL;
	int rc = -1;
	if (!u || curl_url_set(u, CURLUPART_URL, r->url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto out;
	if (curl_url_set(u, CURLUPART_HOST, server_name, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
		goto out;
	free(r->url);
	r->url = xstrdup(url);
	r->connect_to_spec = xasprintf("%s:%s:%s:%s", server_name, port, host, port);
	r->connect_to = curl_slist_append(NULL, r->connect_to_spec);
	rc = curl_easy_setopt(r->easy, CURLOPT_CONNECT_TO, r->connect_to) == CURLE_OK ? 0 : -1;
out:
	curl_free(host);
	curl_free(port);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

static int apply_tls(struct http_req *r, const struct http_tls *t)
{
	CURL *e = r->easy;
	if (t->ca_file)
		SETOPT(e, CURLOPT_CAINFO, t->ca_file);
	if (t->ca_data && set_blob(e, CURLOPT_CAINFO_BLOB, t->ca_data, t->ca_len) < 0)
		goto fail;
	if (t->cert_file)
		SETOPT(e, CURLOPT_SSLCERT, t->cert_file);
	if (t->cert_data && set_blob(e, CURLOPT_SSLCERT_BLOB, t->cert_data, t->cert_len) < 0)
		goto fail;
	if (t->cert_file || t->cert_data)
		SETOPT(e, CURLOPT_SSLCERTTYPE, "PEM");
	if (t->key_file)
		SETOPT(e, CURLOPT_SSLKEY, t->key_file);
	if (t->key_data && set_blob(e, CURLOPT_SSLKEY_BLOB, t->key_data, t->key_len) < 0)
		goto fail;
	if (t->key_file || t->key_data)
		SETOPT(e, CURLOPT_SSLKEYTYPE, "PEM");
	if (t->insecure) {
		SETOPT(e, CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (t->proxy_url)
		SETOPT(e, CURLOPT_PROXY, t->proxy_url);
	if (t->server_name && *t->server_name && apply_server_name(r, t->server_name) < 0)
		goto fail;
	return 0;
fail:
	return -1;
}

static int apply_method(struct http_req *r, const struct http_request *rq)
{
	CURL *e = r->easy;
	const char *m = rq->method ? rq->method : "GET";
	if (rq->body) {
		r->req_body = xmalloc(rq->body_len + 1);
		memcpy(r->req_body, rq->body, rq->body_len);
		r->req_body[rq->body_len] = '\0';
		SETOPT(e, CURLOPT_POSTFIELDS, r->req_body);
		SETOPT(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
	}
	if (strcmp(m, "GET") == 0 && !rq->body)
		SETOPT(e, CURLOPT_HTTPGET, 1L);
	else if (strcmp(m, "HEAD") == 0)
		SETOPT(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(m, "POST") != 0)
		SETOPT(e, CURLOPT_CUSTOMREQUEST, m);
	return 0;
fail:
	return -1;
}

static void add_header_to(struct curl_slist **l, const char *fmt, const char *v)
{
	char *line = xasprintf(fmt, v);
	*l = curl_slist_append(*l, line);
	free(line);
}

static void add_header(struct http_req *r, const char *fmt, const char *v)
{
	add_header_to(&r->hdrs, fmt, v);
}

static int apply_headers(struct http_req *r, const struct http_request *rq)
{
	CURL *e = r->easy;
	if (rq->accept)
		add_header(r, "Accept: %s", rq->accept);
	if (rq->content_type)
		add_header(r, "Content-Type: %s", rq->content_type);
	if (rq->bearer)
		add_header(r, "Authorization: Bearer %s", rq->bearer);
	for (const char *const *hd = rq->headers; hd && *hd; hd++)
		r->hdrs = curl_slist_append(r->hdrs, *hd);
	r->hdrs = curl_slist_append(r->hdrs, "Expect:");
	SETOPT(e, CURLOPT_HTTPHEADER, r->hdrs);
	if (rq->username && !rq->bearer) {
		SETOPT(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		SETOPT(e, CURLOPT_USERNAME, rq->username);
		SETOPT(e, CURLOPT_PASSWORD, rq->password ? rq->password : "");
	}
	return 0;
fail:
	return -1;
}

static int apply_basics(struct http_req *r, const struct http_request *rq)
{
	CURL *e = r->easy;
	bool stream = rq->on_data || rq->on_line;
	SETOPT(e, CURLOPT_PRIVATE, r);
	SETOPT(e, CURLOPT_ERRORBUFFER, r->errbuf);
	SETOPT(e, CURLOPT_WRITEFUNCTION, write_cb);
	SETOPT(e, CURLOPT_WRITEDATA, r);
	SETOPT(e, CURLOPT_NOSIGNAL, 1L);
	if (!rq->identity)
		SETOPT(e, CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	SETOPT(e, CURLOPT_USERAGENT, "tops/0.1");
	SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : 10000L);
	if (rq->timeout_ms > 0)
		SETOPT(e, CURLOPT_TIMEOUT_MS, rq->timeout_ms);
	if (!stream)
		SETOPT(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)r->max);
	if (stream)
		SETOPT(e, CURLOPT_TCP_KEEPALIVE, 1L);
	return 0;
fail:
	return -1;
}

struct http_req *http_start(struct http *h, const struct http_request *rq, struct tops_err *err)
{
	if (!rq->url || !rq->on_done) {
		tops_err_set(err, TOPS_EINVAL, "http: request without URL or completion callback");
		return NULL;
	}
	struct http_req *r = xcalloc(1, sizeof *r);
	r->h = h;
	r->url = xstrdup(rq->url);
	r->max = rq->max_body ? rq->max_body : HTTP_DEFAULT_MAX;
	r->on_data = rq->on_data;
	r->on_line = rq->on_line;
	r->on_done = rq->on_done;
	r->ud = rq->ud;
	r->bearer = rq->bearer ? xstrdup(rq->bearer) : NULL;
	r->retry_unauthorized = rq->retry_unauthorized;
	r->next = h->reqs;
	if (h->reqs)
		h->reqs->prev = r;
	h->reqs = r;
	r->easy = curl_easy_init();
	if (!r->easy || apply_basics(r, rq) < 0 || apply_method(r, rq) < 0 ||
	    apply_headers(r, rq) < 0 || (rq->tls && apply_tls(r, rq->tls) < 0))
		goto fail;
	if (curl_easy_setopt(r->easy, CURLOPT_URL, r->url) != CURLE_OK)
		goto fail;
	if (rq->hold) {
		r->held = true;
		h->npending++;
		return r;
	}
	CURLMcode mc = curl_multi_add_handle(h->multi, r->easy);
	if (mc != CURLM_OK) {
		tops_err_set(err, TOPS_EINTERNAL, "http: %s", curl_multi_strerror(mc));
		r->cancelled = true;
		req_destroy(r);
		return NULL;
	}
	h->npending++;
	return r;
fail:
	tops_err_set(err, TOPS_EINVAL, "http: cannot set up the request to %s%s%s", rq->url,
		     r->errbuf[0] ? ": " : "", r->errbuf);
	r->cancelled = true;
	req_destroy(r);
	return NULL;
}

/* --- held requests (waiting for a credential) --- */

void http_set_unauthorized_hook(struct http *h, http_unauthorized_fn fn, void *ud)
{
	h->on_unauthorized = fn;
	h->unauthorized_ud = ud;
}

static void end_held(struct http_req *r, int code, const char *msg)
{
	r->held = r->unauthorized = false;
	if (r->easy) {
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
	r->fail_code = code;
	free(r->fail_msg);
	r->fail_msg = xstrdup(msg ? msg : "");
	r->done = true;
	queue_req(r);
}

void http_fail_held(struct http *h, int code, const char *msg)
{
	for (struct http_req *r = h->reqs; r; r = r->next)
		if (r->held && !r->cancelled)
			end_held(r, code, msg);
	kick(h);
}

/* The header list again, with the new Authorization line. */
static int set_auth_headers(struct http_req *r, const struct http_auth *a)
{
	struct curl_slist *n = NULL;
	for (struct curl_slist *l = r->hdrs; l; l = l->next)
		if (!str_has_prefix(l->data, "Authorization:"))
			n = curl_slist_append(n, l->data);
	free(r->bearer);
	r->bearer = a->bearer ? xstrdup(a->bearer) : NULL;
	if (a->bearer)
		add_header_to(&n, "Authorization: Bearer %s", a->bearer);
	curl_slist_free_all(r->hdrs);
	r->hdrs = n;
	return curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, r->hdrs) == CURLE_OK ? 0 : -1;
}

static int release_one(struct http_req *r, const struct http_auth *a)
{
	if (set_auth_headers(r, a) < 0)
		return -1;
	if (a->cert_data && set_blob(r->easy, CURLOPT_SSLCERT_BLOB, a->cert_data, a->cert_len) < 0)
		return -1;
	if (a->key_data && set_blob(r->easy, CURLOPT_SSLKEY_BLOB, a->key_data, a->key_len) < 0)
		return -1;
	r->held = r->unauthorized = false;
	return curl_multi_add_handle(r->h->multi, r->easy) == CURLM_OK ? 0 : -1;
}

void http_release_held(struct http *h, const struct http_auth *auth)
{
	for (struct http_req *r = h->reqs; r; r = r->next) {
		if (!r->held || r->cancelled)
			continue;
		if (release_one(r, auth) < 0) {
			char *msg = xasprintf("http: cannot restart the request to %s", r->url);
			end_held(r, TOPS_EINTERNAL, msg);
			free(msg);
		}
	}
	kick(h);
}

/* --- raw connections --- */

struct http_conn {
	struct http_req r;     /* carries the easy handle and what CONNECT_TO needs to live */
	curl_socket_t fd;
};

static int conn_setup(struct http_conn *c, const struct http_request *rq)
{
	CURL *e = c->r.easy;
	SETOPT(e, CURLOPT_ERRORBUFFER, c->r.errbuf);
	SETOPT(e, CURLOPT_NOSIGNAL, 1L);
	SETOPT(e, CURLOPT_CONNECT_ONLY, 1L);
	SETOPT(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SETOPT(e, CURLOPT_CONNECTTIMEOUT_MS, rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : 10000L);
	if (rq->tls && apply_tls(&c->r, rq->tls) < 0)
		goto fail;
	if (rq->tls && rq->tls->proxy_url)
		SETOPT(e, CURLOPT_HTTPPROXYTUNNEL, 1L);
	SETOPT(e, CURLOPT_URL, c->r.url);
	return 0;
fail:
	return -1;
}

int http_conn_open(const struct http_request *rq, struct http_conn **out, struct tops_err *err)
{
	struct http_conn *c = xcalloc(1, sizeof *c);
	*out = NULL;
	c->r.url = xstrdup(rq->url);
	c->r.easy = curl_easy_init();
	if (!c->r.easy || conn_setup(c, rq) < 0) {
		tops_err_set(err, TOPS_EINVAL, "http: cannot set up the connection to %s", rq->url);
		goto fail;
	}
	CURLcode rc = curl_easy_perform(c->r.easy);
	if (rc != CURLE_OK) {
		tops_err_set(err, rc == CURLE_OPERATION_TIMEDOUT ? TOPS_ETIMEOUT : TOPS_ENET,
			     "cannot connect to %s: %s", rq->url,
			     c->r.errbuf[0] ? c->r.errbuf : curl_easy_strerror(rc));
		goto fail;
	}
	if (curl_easy_getinfo(c->r.easy, CURLINFO_ACTIVESOCKET, &c->fd) != CURLE_OK ||
	    c->fd == CURL_SOCKET_BAD) {
		tops_err_set(err, TOPS_ENET, "cannot connect to %s: no socket", rq->url);
		goto fail;
	}
	*out = c;
	return 0;
fail:
	http_conn_free(c);
	return -(err && err->code ? err->code : TOPS_ENET);
}

int http_conn_fd(const struct http_conn *c) { return (int)c->fd; }

ssize_t http_conn_send(struct http_conn *c, const void *buf, size_t len)
{
	size_t n = 0;
	CURLcode rc = curl_easy_send(c->r.easy, buf, len, &n);
	if (rc == CURLE_AGAIN)
		return HTTP_CONN_AGAIN;
	return rc == CURLE_OK ? (ssize_t)n : -1;
}

ssize_t http_conn_recv(struct http_conn *c, void *buf, size_t len)
{
	size_t n = 0;
	CURLcode rc = curl_easy_recv(c->r.easy, buf, len, &n);
	if (rc == CURLE_AGAIN)
		return HTTP_CONN_AGAIN;
	return rc == CURLE_OK ? (ssize_t)n : -1;
}

void http_conn_free(struct http_conn *c)
{
	if (!c)
		return;
	if (c->r.easy)
		curl_easy_cleanup(c->r.easy);
	curl_slist_free_all(c->r.connect_to);
	free(c->r.connect_to_spec);
	free(c->r.url);
	free(c);
}
