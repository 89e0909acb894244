/* http — asynchronous HTTP client: libcurl's multi interface driven by a libuv loop.
 *
 * The glue follows curl's docs/examples/multi-uv.c: a socket callback keeps one uv_poll_t per
 * socket, one uv_timer_t serves curl's timer, uv events call curl_multi_socket_action() and
 * finished transfers are collected with curl_multi_info_read(). curl and uv callbacks never run
 * application code: they only append bytes to the request and mark it ready; the consumer's
 * callbacks (on_data / on_line / on_done) run later from a uv_check_t, a safe point where the
 * consumer may start, cancel or free anything (including the request itself).
 *
 * Connections are reused (one multi handle, one connection cache), gzip is accepted, HTTP/2 is
 * negotiated over TLS, and every response body is bounded (max_body): a huge or endless reply is
 * cut off with TOPS_ETOOBIG instead of growing without limit.
 */
#ifndef TOPS_HTTP_H
#define TOPS_HTTP_H

#include "core/base/util.h"

#include <uv.h>

struct http;
struct http_req;

/* TLS and proxy settings for a request (usually from the kubeconfig). All fields borrowed for
 * the duration of http_start(); *_data blobs are PEM bytes (already base64-decoded). */
struct http_tls {
	const char *ca_file;
	const char *ca_data; size_t ca_len;
	const char *cert_file;
	const char *cert_data; size_t cert_len;
	const char *key_file;
	const char *key_data; size_t key_len;
	bool insecure;               /* do not verify the server certificate */
	const char *server_name;     /* tls-server-name: SNI and the name the certificate must match */
	const char *proxy_url;       /* http://, https:// or socks5:// proxy */
};

/* The result of a request, passed to on_done (borrowed; valid during the callback only, except
 * that the consumer may take `body` by setting it to NULL, then it owns and frees it). */
struct http_result {
	long status;            /* HTTP status, 0 when no response arrived */
	char *body;             /* NUL-terminated body, may be ""; for a streamed request only
	                         * when the status is not 2xx (an error reply is never streamed).
	                         * on_done may take it (malloc'd, len + 1 bytes): it then frees it
	                         * and sets res->body to NULL */
	size_t len;
	const char *content_type;  /* "" when unknown */
	int err;                /* 0, or -TOPS_ENET / -TOPS_ETIMEOUT / -TOPS_ETOOBIG / -TOPS_EINVAL,
	                         * or the code given to http_fail_held() (-TOPS_EAUTH) */
	const char *errmsg;     /* words for the user when err != 0 (names the URL) */
};

/* Called with each chunk of a streamed body as it arrives (bytes borrowed). */
typedef void (*http_data_fn)(struct http_req *r, const char *data, size_t len, void *ud);
/* Called with each complete line of a streamed body, without its '\n' (borrowed). */
typedef void (*http_line_fn)(struct http_req *r, const char *line, size_t len, void *ud);
/* Called exactly once when the request ends (success, HTTP error, network error, timeout,
 * size limit). Not called after http_cancel(). The request is freed right after it returns. */
typedef void (*http_done_fn)(struct http_req *r, struct http_result *res, void *ud);

struct http_request {
	const char *method;        /* "GET" when NULL */
	const char *url;           /* absolute URL */
	const char *body;          /* request body (copied), may be NULL */
	size_t body_len;
	const char *content_type;  /* of the request body */
	const char *accept;        /* Accept header, may be NULL */
	const char *bearer;        /* Authorization: Bearer ..., may be NULL */
	const char *username, *password;  /* basic auth, may be NULL */
	const char *const *headers;       /* extra "Name: value" headers, NULL-terminated, may be NULL */
	const struct http_tls *tls;       /* may be NULL */
	bool identity;             /* ask for an uncompressed body (loopback peers: gzip costs more
	                              loop-thread CPU than it saves) */
	long timeout_ms;           /* whole-request timeout; 0: none (streams) */
	long connect_timeout_ms;   /* 0: 10 s */
	size_t max_body;           /* body size limit; 0: 64 MiB. For streams: limit per line. */
	http_data_fn on_data;      /* set for a streamed request (chunks) */
	http_line_fn on_line;      /* set for a streamed request split into lines */
	http_done_fn on_done;
	void *ud;
	bool hold;                 /* start held: no transfer until http_release_held() (a credential
	                              is being fetched) or http_fail_held() */
	bool retry_unauthorized;   /* on a 401 reply, hold the request once more and call the
	                              client's unauthorized hook instead of completing it */
};

/* Creates the client on `loop`. Caller frees with http_free(). NULL with err set on failure. */
struct http *http_new(uv_loop_t *loop, struct tops_err *err);
/* Cancels every pending request (their on_done is not called) and releases the client. Handles
 * are closed asynchronously: the memory goes when the loop runs their close callbacks, so run
 * the loop (uv_run(loop, UV_RUN_DEFAULT)) once more before uv_loop_close(). */
void http_free(struct http *h);

/* Starts a request. Returns a handle (owned by the client, valid until on_done returns or until
 * http_cancel()), or NULL with err set when the request could not be started. */
struct http_req *http_start(struct http *h, const struct http_request *rq, struct tops_err *err);
/* Stops a request; none of its callbacks runs afterwards. Safe from inside its own callbacks. */
void http_cancel(struct http_req *r);
/* Credentials applied to held requests when they are released (borrowed during the call). */
struct http_auth {
	const char *bearer;                      /* replaces Authorization; NULL: none */
	const char *cert_data; size_t cert_len;  /* client certificate and key PEM; NULL: unchanged */
	const char *key_data; size_t key_len;
};
/* Starts every held request with these credentials (a request held after a 401 is sent again,
 * once, with the same method, URL, headers and body). */
void http_release_held(struct http *h, const struct http_auth *auth);
/* Ends every held request: its on_done gets err = -code and errmsg = msg (copied), status 0. */
void http_fail_held(struct http *h, int code, const char *msg);
/* Called at the safe point for each request that was answered 401 and is now held
 * (retry_unauthorized); sent_bearer is the token it was sent with (borrowed, may be NULL). The
 * hook should end up calling http_release_held() or http_fail_held(), now or later. */
typedef void (*http_unauthorized_fn)(struct http *h, const char *sent_bearer, void *ud);
void http_set_unauthorized_hook(struct http *h, http_unauthorized_fn fn, void *ud);

/* Number of requests that are started and not finished or cancelled. */
size_t http_pending(const struct http *h);
/* The URL of a request (borrowed). */
const char *http_req_url(const struct http_req *r);

/* --- raw connections (WebSocket upgrades) --- */

/* A connection that libcurl opens (CURLOPT_CONNECT_ONLY: TCP, proxy tunnel, TLS with the same
 * settings as requests) and then hands over for a protocol of the caller's own: the caller writes
 * the HTTP/1.1 request itself. HTTP/1.1 only (an Upgrade is not possible over HTTP/2). */
struct http_conn;
#define HTTP_CONN_AGAIN (-2)   /* send/recv would block: wait for the socket */

/* Connects to rq->url with rq->tls and rq->connect_timeout_ms (blocking; other fields are
 * ignored). Caller frees *out with http_conn_free(). Errors: -TOPS_ENET naming the URL (refused,
 * DNS, TLS), -TOPS_ETIMEOUT. */
int http_conn_open(const struct http_request *rq, struct http_conn **out, struct tops_err *err);
/* The socket, for poll()/uv_poll_t (readable may also mean TLS records only: recv then returns
 * HTTP_CONN_AGAIN). */
int http_conn_fd(const struct http_conn *c);
/* Non-blocking send: bytes written (> 0), HTTP_CONN_AGAIN, or -1 when the connection failed. */
ssize_t http_conn_send(struct http_conn *c, const void *buf, size_t len);
/* Non-blocking receive: bytes read (> 0), 0 at the end of the stream, HTTP_CONN_AGAIN, or -1. */
ssize_t http_conn_recv(struct http_conn *c, void *buf, size_t len);
void http_conn_free(struct http_conn *c);

#endif
