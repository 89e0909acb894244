/* libFuzzer target: WebSocket frames (client and server side, libwslay through core/kube/ws),
 * the exec channels' status JSON, and the Upgrade reply head, on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/kube/podexec.h"
#include "core/kube/ws.h"

struct mem {
	const uint8_t *p;
	size_t n, off, sent;
};

static ssize_t mem_recv(void *ud, void *buf, size_t len)
{
	struct mem *m = ud;
	size_t left = m->n - m->off;
	if (!left)
		return 0;
	/* small reads: frames arrive in pieces */
	size_t k = len < left ? len : left;
	k = k > 7 ? 7 : k;
	memcpy(buf, m->p + m->off, k);
	m->off += k;
	return (ssize_t)k;
}

static ssize_t mem_send(void *ud, const void *buf, size_t len)
{
	struct mem *m = ud;
	m->sent += len;
	return (ssize_t)len;
}

static void on_msg(struct ws *w, int opcode, const uint8_t *d, size_t n, void *ud)
{
	if (opcode == WS_BINARY && n > 1 && d[0] == 3) {
		int code;
		struct tops_err err = {0};
		podexec_parse_status((const char *)d + 1, n - 1, &code, &err);
		tops_err_clear(&err);
	}
	if (n && (opcode == WS_BINARY || opcode == WS_TEXT))
		ws_send(w, WS_BINARY, d, n);   /* echo: the send path too */
}

static void run(const uint8_t *data, size_t size, bool client)
{
	struct mem m = {data, size, 0, 0};
	struct ws_io io = {mem_send, mem_recv, &m};
	struct ws *w = ws_new(&io, client, on_msg, NULL);
	for (int i = 0; i < 1000 && ws_pump(w, true) == 0 && m.off < m.n; i++)
		;
	ws_free(w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, true);
	run(data, size, false);
	struct ws_reply r;
	if (ws_reply_parse((const char *)data, size, &r) == 1)
		ws_reply_done(&r);
	return 0;
}
