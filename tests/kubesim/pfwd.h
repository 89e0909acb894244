/* pfwd — pods/portforward over WebSocket, as the API server and kubelet serve it.
 *
 * GET .../pods/NAME/portforward?ports=P[,P...] with Sec-WebSocket-Protocol portforward.k8s.io
 * or v4.channel.k8s.io (the kubelet's channel protocol): port i has the data channel 2i and the
 * error channel 2i+1; the first message the server sends on each channel is the port number
 * (2 bytes, little endian); then the data channel carries the TCP bytes both ways. One
 * WebSocket is one TCP connection to each port; closing it ends them. A port that no container
 * of the pod declares (spec.containers[].ports[].containerPort) refuses the connection: the
 * error channel gets the kubelet's words ("... failed to connect to localhost:P inside
 * namespace ...: connection refused") and the WebSocket closes.
 *
 * Each declared port answers HTTP/1.1 (keep-alive, Content-Length bodies): `GET /v1/health`
 * is 200 "ok" when the pod is Ready and 503 "not ready" otherwise; any other request is 200
 * with the text "kubesim POD:PORT METHOD PATH\n".
 *
 * Errors before the upgrade are the API server's: 404 for a missing pod, 400 for a pod that is
 * not running, for no ports or a bad port number.
 */
#ifndef KUBESIM_PFWD_H
#define KUBESIM_PFWD_H

#include "tests/kubesim/srv.h"
#include "core/base/util.h"
#include "core/base/value.h"

void pfwd_handle(struct srv_conn *c, const struct srv_req *r, const char *ns, const char *name);

/* The HTTP responder of one connection to a simulated port. */
struct pfwd_http {
	struct strbuf in;
	char *pod_ns, *pod_name;
	int port;
	bool close_after;          /* the last request asked for Connection: close */
};
void pfwd_http_init(struct pfwd_http *h, const char *ns, const char *pod, int port);
void pfwd_http_done(struct pfwd_http *h);
/* Feeds bytes; appends the replies of every complete request to out. */
void pfwd_http_feed(struct pfwd_http *h, const char *data, size_t len, struct strbuf *out);
/* True when the pod declares the port. */
bool pfwd_port_open(const struct value *pod, int port);

#endif
