/* srv — a small HTTP/1.1 server on libuv + http-parser: keep-alive, fixed-length replies and
 * chunked streams (watch, follow-log). Loopback only; one request at a time per connection. */
#ifndef KUBESIM_SRV_H
#define KUBESIM_SRV_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "core/base/util.h"

struct srv_conn;

struct srv_req {
	int method;             /* enum http_method */
	char *path;             /* decoded path, without the query */
	char *query;            /* raw query string ("" when none) */
	char *accept;           /* Accept header ("" when none) */
	char *content_type;     /* Content-Type header ("" when none) */
	char *user_agent;       /* User-Agent header ("" when none) */
	char *body;             /* NUL-terminated */
	size_t body_len;
	const char *upgrade;    /* Upgrade header ("" when none); such a request is answered and the
	                           connection closed, unless the handler takes it (srv_hijack) */
	const char *ws_key;     /* Sec-WebSocket-Key ("" when none) */
	const char *ws_protocol;   /* Sec-WebSocket-Protocol ("" when none) */
};

/* Called once per complete request; the request is borrowed for the duration of the call.
 * The handler must answer with srv_respond() or start a stream with srv_stream_begin(). */
typedef void (*srv_handler_fn)(struct srv_conn *c, const struct srv_req *r);
/* Returns a delay in ms to apply before dispatching the request (0 = none). */
typedef unsigned (*srv_delay_fn)(const struct srv_req *r);

/* Binds host:port (port 0 picks one); *port_out gets the real port. 0 or negative errno. */
int srv_listen(uv_loop_t *loop, const char *host, int port, srv_handler_fn fn,
		srv_delay_fn delay, int *port_out);

/* Sends a complete reply with Content-Length. body is copied. */
void srv_respond(struct srv_conn *c, int status, const char *ctype, const char *body, size_t len);
/* The same, taking over body's buffer (no copy); body is left empty. For large answers. */
void srv_respond_sb(struct srv_conn *c, int status, const char *ctype, struct strbuf *body);
/* srv_respond_sb() with extra header lines ("Name: value\r\n" each; NULL: none). */
void srv_respond_hdrs(struct srv_conn *c, int status, const char *ctype, const char *headers,
		      struct strbuf *body);

/* Starts a chunked reply; the connection then belongs to the stream until srv_stream_end()
 * or until the peer goes away, when on_close(data) is called (once). */
void srv_stream_begin(struct srv_conn *c, int status, const char *ctype,
		       void (*on_close)(void *data), void *data);
void srv_stream_write(struct srv_conn *c, const char *buf, size_t len);
/* Sends the last chunk; the connection goes back to keep-alive. on_close is not called. */
void srv_stream_end(struct srv_conn *c);
/* Closes the connection at once (drops a stream); on_close is not called. */
void srv_conn_close(struct srv_conn *c);

/* Takes the connection over for another protocol (a WebSocket after its 101): head is written
 * first, then every byte the peer sends goes to on_data, and on_close(data) is called once when
 * the peer goes away (not after srv_raw_end()). */
typedef void (*srv_raw_fn)(void *data, const char *buf, size_t len);
void srv_hijack(struct srv_conn *c, const char *head, size_t len, srv_raw_fn on_data,
		void (*on_close)(void *data), void *data);
/* Writes bytes on a taken connection (copied). */
void srv_raw_write(struct srv_conn *c, const char *buf, size_t len);
/* Bytes written on a taken connection and not yet on the wire (for back-pressure). */
size_t srv_raw_pending(const struct srv_conn *c);
/* Ends a taken connection once everything written has left; on_close is not called. */
void srv_raw_end(struct srv_conn *c);

/* Query parameter (URL-decoded) or NULL; caller frees. */
char *srv_query_get(const char *query, const char *name);
/* A boolean query parameter as the API server reads one (Go's strconv.ParseBool: 1, t, T, TRUE,
 * true, True); absent or anything else is false. */
bool srv_query_bool(const char *query, const char *name);

#endif
