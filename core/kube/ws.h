/* ws — WebSocket (RFC 6455) for the API's streaming subresources (exec, port-forward).
 *
 * Framing is libwslay's (masking, fragments, control frames, close handshake); this module adds
 * the HTTP/1.1 Upgrade handshake on a connection libcurl opened (core/kube/http's http_conn, so
 * the kubeconfig's TLS, proxies and credentials apply as for every other request) and a small
 * non-blocking pump that callers drive from poll() or a uv_poll_t. The same pump serves the
 * server side (kubesim) over any byte transport (struct ws_io).
 */
#ifndef TOPS_WS_H
#define TOPS_WS_H

#include "core/kube/kube.h"

#include <stdint.h>

struct ws;

#define WS_IO_AGAIN (-2)   /* a ws_io call would block */

/* A byte transport. send/recv return bytes moved (> 0), WS_IO_AGAIN, -1 on failure; recv
 * returns 0 at the end of the stream. */
struct ws_io {
	ssize_t (*send)(void *ud, const void *buf, size_t len);
	ssize_t (*recv)(void *ud, void *buf, size_t len);
	void *ud;
};

enum { WS_TEXT = 1, WS_BINARY = 2, WS_CLOSE = 8 };

/* Called for each complete data message (opcode WS_TEXT or WS_BINARY; fragments are joined) and
 * once for a close frame (WS_CLOSE, data = the reason). Bytes borrowed for the call. */
typedef void (*ws_msg_fn)(struct ws *w, int opcode, const uint8_t *data, size_t len, void *ud);

/* A WebSocket over io as client (frames masked) or server. Caller frees with ws_free(). */
struct ws *ws_new(const struct ws_io *io, bool client, ws_msg_fn on_msg, void *ud);
void ws_free(struct ws *w);
/* Bytes already read past the handshake; they are handed to the framing before io->recv. */
void ws_preload(struct ws *w, const void *data, size_t len);

/* Queues a data message (copied); sent by ws_pump(). -TOPS_EIO once the connection is closing. */
int ws_send(struct ws *w, int opcode, const void *data, size_t len);
/* Queues a close frame (code 0: none; reason up to 123 bytes). */
int ws_close(struct ws *w, uint16_t code, const char *reason);
/* Reads what the transport has (when readable) and writes what is queued. Returns 0, or -1 when
 * the connection is over (end of stream, transport error, protocol error, closed both ways). */
int ws_pump(struct ws *w, bool readable);
bool ws_want_read(const struct ws *w);
bool ws_want_write(const struct ws *w);
/* Bytes queued and not yet sent (for back-pressure). */
size_t ws_queued(const struct ws *w);
/* The close code the peer sent (1000 ...), 1005 when it sent none, 1006 when no close frame came. */
unsigned ws_close_code(const struct ws *w);
/* Why the connection ended, in words ("" while open). Borrowed. */
const char *ws_error(const struct ws *w);

/* --- handshake --- */

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key (base64 of SHA-1 of key + the RFC's GUID).
 * Caller frees. */
char *ws_accept_key(const char *key);

/* A parsed HTTP/1.1 reply head. */
struct ws_reply {
	int status;              /* 101 ... */
	char *protocol;          /* Sec-WebSocket-Protocol, or NULL */
	char *accept;            /* Sec-WebSocket-Accept, or NULL */
	bool upgrade_websocket;  /* Upgrade: websocket and Connection: upgrade */
	long content_length;     /* -1 when absent */
	size_t head_len;         /* bytes up to and including the blank line */
};
/* Parses a reply head from buf. Returns 1 with *out filled (free with ws_reply_done()), 0 when
 * more bytes are needed, -1 when it is not HTTP (or longer than 64 KiB). */
int ws_reply_parse(const char *buf, size_t len, struct ws_reply *out);
void ws_reply_done(struct ws_reply *r);

/* Opens a WebSocket to an API path (with its query) on the client's server: connects (TLS,
 * proxy, credentials as kube_request), sends the Upgrade with the protocols offered in order
 * (NULL-terminated) and checks the 101 reply (Sec-WebSocket-Accept, a protocol offered).
 * Blocking, up to timeout_ms (0: 30 s). A refusal is an error in the API's words: the Status
 * message of the reply ("pods \"x\" not found", -TOPS_ENOENT for 404; kube_status_error()).
 * Caller frees *out with ws_free(), which closes the connection. */
int ws_connect(struct kube_client *kc, const char *path, const char *const *protocols,
	       long timeout_ms, ws_msg_fn on_msg, void *ud, struct ws **out, struct tops_err *err);
/* The protocol the server chose (borrowed; "" when none). */
const char *ws_protocol(const struct ws *w);
/* The socket of a connection from ws_connect() (-1 for other transports). */
int ws_fd(const struct ws *w);

#endif
