/* spdy — the server side of SPDY/3.1 framing, as much as port-forward needs: what kubectl 1.32
 * speaks inside its WebSocket tunnel (Sec-WebSocket-Protocol SPDY/3.1+portforward.k8s.io; the
 * binary messages carry the SPDY byte stream in arbitrary pieces).
 *
 * Frames: SYN_STREAM (its header block inflated with the SPDY/3 dictionary, one zlib stream per
 * direction for the whole connection), SYN_REPLY, data with FIN, RST_STREAM, PING (echoed),
 * SETTINGS, WINDOW_UPDATE and GOAWAY (read and ignored). No flow control is enforced.
 */
#ifndef KUBESIM_SPDY_H
#define KUBESIM_SPDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spdy;

struct spdy_cbs {
	/* bytes to send to the peer (borrowed) */
	void (*write)(void *ud, const char *buf, size_t len);
	/* a new stream; names lowercase, headers as "name\0value\0..." pairs, n pairs */
	void (*on_stream)(void *ud, uint32_t id, const char *const *names, const char *const *values,
			  size_t n);
	void (*on_data)(void *ud, uint32_t id, const char *data, size_t len, bool fin);
	void (*on_reset)(void *ud, uint32_t id);
};

struct spdy *spdy_new(const struct spdy_cbs *cbs, void *ud);
void spdy_free(struct spdy *s);
/* Feeds bytes from the peer. -1 on a framing or compression error (the connection should end). */
int spdy_feed(struct spdy *s, const char *data, size_t len);
/* SYN_REPLY (no headers) for a stream the peer opened. */
void spdy_reply(struct spdy *s, uint32_t id);
/* A data frame (len may be 0 with fin). */
void spdy_data(struct spdy *s, uint32_t id, const char *data, size_t len, bool fin);

#endif
