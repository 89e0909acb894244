/* core/kube/ws: framing edge cases over a socketpair, with hand-written frames on the other
 * end — fragments with a control frame between them, masking of client frames, close codes
 * and reasons, 16- and 64-bit lengths, unmasked client frames refused by a server — and the
 * handshake helpers (RFC 6455's accept-key example, reply heads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/kube/ws.h"

static ssize_t fd_send(void *ud, const void *buf, size_t len)
{
	ssize_t n = write(*(int *)ud, buf, len);
	return n < 0 && errno == EAGAIN ? WS_IO_AGAIN : n;
}

static ssize_t fd_recv(void *ud, void *buf, size_t len)
{
	ssize_t n = read(*(int *)ud, buf, len);
	return n < 0 && errno == EAGAIN ? WS_IO_AGAIN : n;
}

struct got {
	int n, opcode;
	struct strbuf data;
};

static void on_msg(struct ws *w, int opcode, const uint8_t *d, size_t n, void *ud)
{
	struct got *g = ud;
	g->n++;
	g->opcode = opcode;
	sb_reset(&g->data);
	sb_add(&g->data, (const char *)d, n);
}

struct pair {
	int fd[2];
	struct ws *w;
	struct got got;
};

static void pair_open(struct pair *p, bool client)
{
	memset(p, 0, sizeof *p);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p->fd), 0);
	fcntl(p->fd[0], F_SETFL, O_NONBLOCK);
	struct ws_io io = {fd_send, fd_recv, &p->fd[0]};
	p->w = ws_new(&io, client, on_msg, &p->got);
}

static void pair_close(struct pair *p)
{
	ws_free(p->w);
	close(p->fd[0]);
	close(p->fd[1]);
	sb_done(&p->got.data);
}

/* A server frame (unmasked): fin, opcode, payload. */
static void put_frame(int fd, bool fin, int opcode, const void *data, size_t n)
{
	uint8_t h[10];
	size_t hl = 2;
	h[0] = (uint8_t)((fin ? 0x80 : 0) | opcode);
	if (n < 126) {
		h[1] = (uint8_t)n;
	} else if (n < 65536) {
		h[1] = 126, h[2] = (uint8_t)(n >> 8), h[3] = (uint8_t)n, hl = 4;
	} else {
		h[1] = 127, hl = 10;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	}
	assert_int_equal(write(fd, h, hl), (ssize_t)hl);
	size_t off = 0;
	while (off < n) {
		ssize_t w = write(fd, (const char *)data + off, n - off);
		assert_true(w > 0);
		off += (size_t)w;
	}
}

/* Reads one frame the client wrote; checks the mask bit, unmasks. Returns the opcode. */
static int get_frame(int fd, struct strbuf *payload)
{
	uint8_t h[14];
	assert_int_equal(read(fd, h, 2), 2);
	assert_true(h[1] & 0x80);   /* a client frame is masked */
	size_t n = h[1] & 0x7f;
	if (n == 126) {
		assert_int_equal(read(fd, h + 2, 2), 2);
		n = (size_t)h[2] << 8 | h[3];
	}
	uint8_t mask[4];
	assert_int_equal(read(fd, mask, 4), 4);
	sb_reset(payload);
	for (size_t i = 0; i < n; i++) {
		uint8_t b;
		assert_int_equal(read(fd, &b, 1), 1);
		b ^= mask[i % 4];
		sb_add(payload, (const char *)&b, 1);
	}
	return h[0] & 0x0f;
}

static void test_accept_key(void **state)
{
	char *a = ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==");
	assert_string_equal(a, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	free(a);
}

static void test_reply_parse(void **state)
{
	struct ws_reply r;
	const char *part = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n";
	assert_int_equal(ws_reply_parse(part, strlen(part), &r), 0);
	assert_int_equal(ws_reply_parse("SSH-2.0-x\r\n\r\n", 13, &r), -1);
	const char *ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n"
			 "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Accept:  abc= \r\n"
			 "Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n\x81";
	assert_int_equal(ws_reply_parse(ok, strlen(ok), &r), 1);
	assert_int_equal(r.status, 101);
	assert_true(r.upgrade_websocket);
	assert_string_equal(r.accept, "abc=");
	assert_string_equal(r.protocol, "v5.channel.k8s.io");
	assert_int_equal(r.head_len, strlen(ok) - 1);
	ws_reply_done(&r);
	const char *no = "HTTP/1.1 404 Not Found\r\nContent-Length: 12\r\n\r\n{\"kind\":\"x\"}";
	assert_int_equal(ws_reply_parse(no, strlen(no), &r), 1);
	assert_int_equal(r.status, 404);
	assert_false(r.upgrade_websocket);
	assert_int_equal(r.content_length, 12);
	ws_reply_done(&r);
}

static void test_fragments_with_ping(void **state)
{
	struct pair p;
	pair_open(&p, true);
	put_frame(p.fd[1], false, WS_TEXT, "hel", 3);
	put_frame(p.fd[1], true, 0x9, "pi", 2);       /* a ping between the fragments */
	put_frame(p.fd[1], false, 0x0, "lo ", 3);
	put_frame(p.fd[1], true, 0x0, "world", 5);
	assert_int_equal(ws_pump(p.w, true), 0);
	assert_int_equal(p.got.n, 1);
	assert_int_equal(p.got.opcode, WS_TEXT);
	assert_int_equal(p.got.data.len, 11);
	assert_memory_equal(p.got.data.buf, "hello world", 11);
	struct strbuf pl = STRBUF_INIT;
	assert_int_equal(get_frame(p.fd[1], &pl), 0xa);   /* the pong, with the ping's payload */
	assert_int_equal(pl.len, 2);
	assert_memory_equal(pl.buf, "pi", 2);
	sb_done(&pl);
	pair_close(&p);
}

static void test_client_masks(void **state)
{
	struct pair p;
	pair_open(&p, true);
	char big[300];
	memset(big, 'z', sizeof big);
	assert_int_equal(ws_send(p.w, WS_BINARY, "\x01hi", 3), 0);
	assert_int_equal(ws_send(p.w, WS_BINARY, big, sizeof big), 0);   /* 16-bit length */
	assert_int_equal(ws_pump(p.w, false), 0);
	struct strbuf pl = STRBUF_INIT;
	assert_int_equal(get_frame(p.fd[1], &pl), WS_BINARY);
	assert_int_equal(pl.len, 3);
	assert_memory_equal(pl.buf, "\x01hi", 3);
	assert_int_equal(get_frame(p.fd[1], &pl), WS_BINARY);
	assert_int_equal(pl.len, sizeof big);
	assert_memory_equal(pl.buf, big, sizeof big);
	sb_done(&pl);
	pair_close(&p);
}

static void test_close_code(void **state)
{
	struct pair p;
	pair_open(&p, true);
	put_frame(p.fd[1], true, 0x8, "\x03\xe9" "bye", 5);   /* 1001 going away */
	ws_pump(p.w, true);
	assert_int_equal(p.got.opcode, WS_CLOSE);
	assert_int_equal(p.got.data.len, 3);
	assert_memory_equal(p.got.data.buf, "bye", 3);
	assert_int_equal(ws_close_code(p.w), 1001);
	struct strbuf pl = STRBUF_INIT;
	assert_int_equal(get_frame(p.fd[1], &pl), 0x8);   /* answered with the same code */
	assert_true(pl.len >= 2);
	assert_int_equal(((uint8_t)pl.buf[0] << 8) | (uint8_t)pl.buf[1], 1001);
	sb_done(&pl);
	/* once closed both ways, nothing more can be sent */
	assert_int_not_equal(ws_send(p.w, WS_BINARY, "x", 1), 0);
	pair_close(&p);
}

static void test_no_close_frame(void **state)
{
	struct pair p;
	pair_open(&p, true);
	close(p.fd[1]);
	p.fd[1] = -1;
	assert_int_equal(ws_pump(p.w, true), -1);
	assert_int_equal(ws_close_code(p.w), 1006);
	assert_string_equal(ws_error(p.w), "the connection was closed");
	ws_free(p.w);
	close(p.fd[0]);
	sb_done(&p.got.data);
}

static void test_big_message(void **state)
{
	struct pair p;
	pair_open(&p, true);
	size_t n = 70000;   /* a 64-bit length */
	char *data = malloc(n);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)(i * 7);
	/* the writer would block on the socket buffer: feed it from a child */
	pid_t pid = fork();
	if (pid == 0) {
		put_frame(p.fd[1], true, WS_BINARY, data, n);
		_exit(0);
	}
	while (p.got.n == 0) {
		ws_pump(p.w, true);
		usleep(1000);
	}
	assert_int_equal(p.got.data.len, n);
	assert_memory_equal(p.got.data.buf, data, n);
	free(data);
	pair_close(&p);
}

static void test_server_refuses_unmasked(void **state)
{
	struct pair p;
	pair_open(&p, false);
	put_frame(p.fd[1], true, WS_BINARY, "raw", 3);   /* not masked: a protocol error */
	ws_pump(p.w, true);
	assert_int_equal(p.got.n, 0);
	uint8_t h[4];
	assert_int_equal(read(p.fd[1], h, 4), 4);
	assert_int_equal(h[0], 0x88);                     /* a close frame ... */
	assert_int_equal((h[2] << 8) | h[3], 1002);       /* ... protocol error */
	pair_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_key),
		cmocka_unit_test(test_reply_parse),
		cmocka_unit_test(test_fragments_with_ping),
		cmocka_unit_test(test_client_masks),
		cmocka_unit_test(test_close_code),
		cmocka_unit_test(test_no_close_frame),
		cmocka_unit_test(test_big_message),
		cmocka_unit_test(test_server_refuses_unmasked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
