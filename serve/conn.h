/* conn — the HTTP/1.1 server on a libuv loop: accepts (at most max_conns at once; the next
 * is answered 503 and closed), reads requests through serve/req (body limit 413, header and
 * request timeouts 408: slow clients are cut), hands each complete request to on_request, and
 * writes its answer. Plain TCP or TLS (OpenSSL over memory BIOs on the same loop). Keep-alive
 * and pipelining: one request at a time per connection, the next waits in the buffer.
 * All calls on the loop thread.
 */
#ifndef TOPS_SERVE_CONN_H
#define TOPS_SERVE_CONN_H

#include "serve/req.h"

#include <uv.h>

struct srv;
struct conn;

struct srv_opts {
	const char *host;            /* numeric address to bind */
	int port;                    /* 0: any free port */
	const char *tls_cert, *tls_key;   /* both or neither */
	size_t max_conns, max_body;
	long header_timeout_ms;      /* until the request's headers are complete (idle included) */
	long request_timeout_ms;     /* from the headers to the end of the body */
	/* A complete request: the handler answers with conn_respond() (now or later) or starts a
	 * stream. The request (conn_req) is valid until then. */
	void (*on_request)(struct conn *c, void *ud);
	/* Each answer (stream start included): its status, the tag set with conn_set_tag() and
	 * the seconds since the request was complete. May be NULL. */
	void (*on_answer)(struct conn *c, int status, int tag, double seconds, void *ud);
	void *ud;
};

/* Binds and listens. 0, or -code with err ("cannot listen on HOST:PORT: ...", TLS files).
 * Caller frees with srv_free() after srv_stop() and the loop has run. */
int srv_new(uv_loop_t *loop, const struct srv_opts *o, struct srv **out, struct tops_err *err);
/* The port bound (useful with port 0). */
int srv_port(const struct srv *s);
/* Open connections now. */
size_t srv_conns(const struct srv *s);
/* Stops accepting, closes idle connections; busy ones close after their answer, streams are
 * ended. The loop then ends when nothing else runs. */
void srv_stop(struct srv *s);
void srv_free(struct srv *s);

/* The request being answered (borrowed). */
const struct req *conn_req(const struct conn *c);
/* The client's address ("127.0.0.1"), borrowed. */
const char *conn_peer(const struct conn *c);
/* Answers the request: status, Content-Type, extra header lines (each ending "\r\n", may be
 * NULL) and the body (copied). */
void conn_respond(struct conn *c, int status, const char *ctype, const char *headers,
		  const char *body, size_t len);
/* Starts a stream (Server-Sent Events): the headers without a length; the connection closes
 * when the stream ends. */
void conn_stream_begin(struct conn *c, const char *ctype);
void conn_stream_write(struct conn *c, const char *data, size_t len);
void conn_stream_end(struct conn *c);
/* Called once if the connection goes away while its handler still holds it (a deferred answer
 * or a stream): the handler must forget c. */
void conn_on_gone(struct conn *c, void (*fn)(struct conn *c, void *ud), void *ud);
/* Tags the request being answered (the route, for metrics). */
void conn_set_tag(struct conn *c, int tag);
/* HTTP's reason phrase for a status. */
const char *conn_reason(int status);

#endif
