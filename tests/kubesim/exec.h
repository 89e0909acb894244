/* exec — pods/exec and pods/portforward over WebSocket, as the API server and kubelet serve them.
 *
 * exec: GET .../pods/NAME/exec?command=..&container=..&stdin=..&stdout=..&stderr=..&tty=.. with
 * Upgrade: websocket and Sec-WebSocket-Protocol v5.channel.k8s.io or v4.channel.k8s.io (the
 * first one offered that is supported). Before the upgrade, errors are the API server's Status
 * replies: 404 for a missing pod, 400 for a missing or unknown container ("container X is not
 * valid for pod P"; several containers and none named: "a container name must be specified for
 * pod P, choose one of: [a b]"), 400 for a pod without a node, no command, or no upgrade. After
 * it, the command (tests/kubesim/shell.h) runs in the simulated container: channel 1 stdout,
 * 2 stderr, 3 the Status at the end (Success, or NonZeroExitCode with the exit code, or
 * InternalError when the executable is not in the set), then a close frame. A container that is
 * not running answers the upgrade with 400 "unable to upgrade connection: container not found".
 *
 * portforward: see pfwd.h.
 */
#ifndef KUBESIM_EXEC_H
#define KUBESIM_EXEC_H

#include "tests/kubesim/srv.h"

void exec_handle(struct srv_conn *c, const struct srv_req *r, const char *ns, const char *name);

/* A server-side WebSocket on a taken connection (shared by exec and port-forward). */
struct sim_ws;
typedef void (*sim_ws_msg_fn)(struct sim_ws *sw, int opcode, const unsigned char *d, size_t n,
			      void *ud);
/* Answers 400 unless the request asks for a WebSocket with a protocol of supported
 * (NULL-terminated; the first the client offers wins). Returns the protocol, or NULL after
 * answering the error. */
const char *exec_pick_protocol(struct srv_conn *c, const struct srv_req *r,
			       const char *const *supported);
/* Writes the 101 reply and takes the connection: each message goes to on_msg; on_gone(ud) is
 * called once when the peer goes away (the sim_ws is freed right after it returns). */
struct sim_ws *sim_ws_accept(struct srv_conn *c, const struct srv_req *r, const char *protocol,
			     sim_ws_msg_fn on_msg, void (*on_gone)(void *ud), void *ud);
/* Sends one binary message (copied). */
void sim_ws_send(struct sim_ws *sw, const void *data, size_t len);
/* Bytes written and not yet on the wire. */
size_t sim_ws_pending(const struct sim_ws *sw);
/* Sends a close frame, ends the connection once it is written and frees sw (also from inside
 * on_msg). on_gone is not called. */
void sim_ws_end(struct sim_ws *sw, unsigned code);

#endif
