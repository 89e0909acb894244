/* portfwd — local TCP ports forwarded to a pod's ports through the API's portforward
 * subresource, on the client's libuv loop (so the console runs them beside its panes).
 *
 * Protocol: the kubelet's WebSocket channel protocol, GET .../pods/POD/portforward?ports=P with
 * Sec-WebSocket-Protocol portforward.k8s.io (v4.channel.k8s.io offered second). Each accepted
 * local connection gets its own WebSocket: data channel 0, error channel 1, the first message
 * on each channel is the port (2 bytes little endian). The API server passes such a WebSocket
 * through to the kubelet unchanged. (kubectl 1.32 tunnels SPDY inside a WebSocket instead:
 * one connection for all streams, at the cost of a SPDY implementation.)
 *
 * Opening a connection's WebSocket is blocking (connect + TLS + upgrade, bounded by the
 * client's --request-timeout or 30 s); data then flows without blocking.
 */
#ifndef TOPS_PORTFWD_H
#define TOPS_PORTFWD_H

#include "core/kube/kube.h"

struct portfwd;

struct portfwd_port {
	int local;     /* 0: any free port (see portfwd_local_port) */
	int remote;
};

enum portfwd_event {
	PF_LISTENING,  /* text: "Forwarding from ADDR:LOCAL -> REMOTE" */
	PF_CONN,       /* a local connection arrived: "Handling connection for LOCAL" */
	PF_CONN_ERROR, /* one connection failed: the API's or the kubelet's words */
	PF_CLOSED,     /* every listener and connection is closed (after portfwd_stop) */
};
/* Called on the loop thread; text borrowed for the call. */
typedef void (*portfwd_fn)(struct portfwd *pf, enum portfwd_event ev, int local, const char *text,
			   void *ud);

/* Binds address (NULL: 127.0.0.1) on every local port and starts accepting on kc's loop. The
 * pod is not contacted until a connection arrives. Caller stops with portfwd_stop() and frees
 * with portfwd_free() after PF_CLOSED (or at once when the loop is not run again). Errors:
 * -TOPS_EIO "unable to listen on 127.0.0.1:8080: address already in use". */
int portfwd_start(struct kube_client *kc, const char *ns, const char *pod, const char *address,
		  const struct portfwd_port *ports, size_t nports, portfwd_fn fn, void *ud,
		  struct portfwd **out, struct tops_err *err);
/* The local port of entry i (the one bound when 0 was asked). */
int portfwd_local_port(const struct portfwd *pf, size_t i);
size_t portfwd_nports(const struct portfwd *pf);
const char *portfwd_pod(const struct portfwd *pf);
/* Connections open now and connections handled so far. */
size_t portfwd_active(const struct portfwd *pf);
size_t portfwd_handled(const struct portfwd *pf);
/* Closes the listeners and every connection; PF_CLOSED follows when their handles are closed. */
void portfwd_stop(struct portfwd *pf);
bool portfwd_closed(const struct portfwd *pf);
void portfwd_free(struct portfwd *pf);

/* Parses "[LOCAL:]REMOTE" (kubectl's forms "8080", "9000:8080", ":8080" for a free local port).
 * -TOPS_EINVAL naming the text when it is not one. */
int portfwd_parse_port(const char *s, struct portfwd_port *out, struct tops_err *err);

#endif
