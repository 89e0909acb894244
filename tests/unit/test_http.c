/* Unit tests for core/http (and kube_request_sync) against a tiny loopback HTTP server that
 * lives inside this test: bodies, streamed lines, gzip, size limits, truncation, timeouts,
 * refused connections, cancellation and connection reuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/kube/http.h"
#include "core/kube/kube.h"
#include "tests/unit/httpd.h"

/* --- the loopback server --- */

static int port;

static void reply(int fd, const char *status, const char *extra, const void *body, size_t n)
{
	char head[512];
	int hl = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
			  "Content-Length: %zu\r\n%s\r\n", status, n, extra ? extra : "");
	httpd_send(fd, head, (size_t)hl);
	httpd_send(fd, body, n);
}

static void chunk(int fd, const char *s, size_t n)
{
	char h[32];
	int hl = snprintf(h, sizeof h, "%zx\r\n", n);
	httpd_send(fd, h, (size_t)hl);
	httpd_send(fd, s, n);
	httpd_send(fd, "\r\n", 2);
}

static size_t gzip_bytes(const char *in, unsigned char *out, size_t cap)
{
	z_stream z = {0};
	deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)in;
	z.avail_in = (unsigned)strlen(in);
	z.next_out = out;
	z.avail_out = (unsigned)cap;
	deflate(&z, Z_FINISH);
	size_t n = z.total_out;
	deflateEnd(&z);
	return n;
}

/* Serves one request; returns false to close the connection. */
static bool serve(int fd, const char *req)
{
	char path[256] = "";
	sscanf(req, "%*s %255s", path);
	if (!strncmp(path, "http://", 7)) {   /* absolute URI: we are being used as a proxy */
		char b[300];
		int n = snprintf(b, sizeof b, "proxied %s", path);
		reply(fd, "200 OK", NULL, b, (size_t)n);
	} else if (!strcmp(path, "/ok")) {
		reply(fd, "200 OK", NULL, "{\"hello\":\"world\"}", 17);
	} else if (!strcmp(path, "/auth")) {
		const char *a = strstr(req, "Authorization: ");
		char v[256] = "none";
		if (a)
			sscanf(a + 15, "%255[^\r]", v);
		reply(fd, "200 OK", NULL, v, strlen(v));
	} else if (!strcmp(path, "/gzip")) {
		unsigned char z[256];
		size_t n = gzip_bytes("{\"compressed\":true}", z, sizeof z);
		reply(fd, "200 OK", "Content-Encoding: gzip\r\n", z, n);
	} else if (!strcmp(path, "/big")) {
		const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 4000000\r\n\r\n";
		httpd_send(fd, h, strlen(h));
		char buf[65536];
		memset(buf, 'x', sizeof buf);
		for (int i = 0; i < 62; i++)
			httpd_send(fd, buf, sizeof buf);
		return false;
	} else if (!strcmp(path, "/endless")) {
		const char *h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
		httpd_send(fd, h, strlen(h));
		char buf[8192];
		memset(buf, 'y', sizeof buf);   /* one endless line */
		for (int i = 0; i < 4000; i++)
			chunk(fd, buf, sizeof buf);
		return false;
	} else if (!strcmp(path, "/truncated")) {
		const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"items\":[";
		httpd_send(fd, h, strlen(h));
		return false;
	} else if (!strcmp(path, "/stream")) {
		const char *h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
		httpd_send(fd, h, strlen(h));
		chunk(fd, "{\"n\":1}\n{\"n\"", 12);
		usleep(20000);
		chunk(fd, ":2}\r\n\n{\"n\":3}", 13);
		httpd_send(fd, "0\r\n\r\n", 5);
	} else if (!strcmp(path, "/slow")) {
		usleep(1500000);
		return false;
	} else if (!strcmp(path, "/status")) {
		const char *b = "{\"kind\":\"Status\",\"message\":\"pods \\\"x\\\" not found\",\"code\":404}";
		reply(fd, "404 Not Found", NULL, b, strlen(b));
	} else {
		reply(fd, "404 Not Found", NULL, "", 0);
	}
	return true;
}

static int setup(void **state)
{
	(void)state;
	port = httpd_start(serve);
	return port < 0 ? -1 : 0;
}

/* --- a client on a private loop --- */

struct result {
	bool done;
	long status;
	int err;
	char errmsg[512];
	char body[256];
	size_t len;
	char lines[8][32];
	int nlines;
};

static void on_done(struct http_req *r, struct http_result *res, void *ud)
{
	struct result *x = ud;
	(void)r;
	x->done = true;
	x->status = res->status;
	x->err = res->err;
	snprintf(x->errmsg, sizeof x->errmsg, "%s", res->errmsg);
	if (res->body)
		snprintf(x->body, sizeof x->body, "%s", res->body);
	x->len = res->len;
}

static void on_line(struct http_req *r, const char *line, size_t n, void *ud)
{
	struct result *x = ud;
	(void)r;
	if (x->nlines < 8)
		snprintf(x->lines[x->nlines++], 32, "%.*s", (int)n, line);
}

static char *url(const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", port, path);
}

static void fetch(uv_loop_t *loop, struct http *h, const char *path, struct http_request *rq,
		  struct result *x)
{
	char *u = url(path);
	rq->url = u;
	rq->on_done = on_done;
	rq->ud = x;
	assert_non_null(http_start(h, rq, NULL));
	free(u);
	while (!x->done)
		uv_run(loop, UV_RUN_ONCE);
}

static void test_requests(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct http *h = http_new(&loop, NULL);
	assert_non_null(h);

	struct result a = {0};
	struct http_request rq = {0};
	fetch(&loop, h, "/ok", &rq, &a);
	assert_int_equal(a.status, 200);
	assert_int_equal(a.err, 0);
	assert_string_equal(a.body, "{\"hello\":\"world\"}");

	int conns = httpd_accepts();
	struct result b = {0};
	memset(&rq, 0, sizeof rq);
	rq.bearer = "tok-123";
	fetch(&loop, h, "/auth", &rq, &b);
	assert_string_equal(b.body, "Bearer tok-123");
	assert_int_equal(httpd_accepts(), conns);   /* the connection was reused */

	struct result c = {0};
	memset(&rq, 0, sizeof rq);
	fetch(&loop, h, "/gzip", &rq, &c);
	assert_string_equal(c.body, "{\"compressed\":true}");

	struct result d = {0};
	memset(&rq, 0, sizeof rq);
	rq.username = "admin";
	rq.password = "pw";
	fetch(&loop, h, "/auth", &rq, &d);
	assert_string_equal(d.body, "Basic YWRtaW46cHc=");

	/* proxy-url from the kubeconfig */
	struct result p = {0};
	memset(&rq, 0, sizeof rq);
	char *proxy = url("");
	struct http_tls tls = {.proxy_url = proxy};
	rq.tls = &tls;
	rq.url = "http://cluster.invalid/api";
	rq.on_done = on_done;
	rq.ud = &p;
	assert_non_null(http_start(h, &rq, NULL));
	while (!p.done)
		uv_run(&loop, UV_RUN_ONCE);
	free(proxy);
	assert_string_equal(p.body, "proxied http://cluster.invalid/api");

	http_free(h);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_stream_lines(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct http *h = http_new(&loop, NULL);
	struct result x = {0};
	struct http_request rq = {.on_line = on_line};
	fetch(&loop, h, "/stream", &rq, &x);
	assert_int_equal(x.err, 0);
	assert_int_equal(x.nlines, 4);
	assert_string_equal(x.lines[0], "{\"n\":1}");
	assert_string_equal(x.lines[1], "{\"n\":2}");
	assert_string_equal(x.lines[2], "");
	assert_string_equal(x.lines[3], "{\"n\":3}");   /* last line without '\n' */
	/* an error status on a stream is a reply, not stream data */
	struct result e = {0};
	struct http_request rq2 = {.on_line = on_line};
	fetch(&loop, h, "/status", &rq2, &e);
	assert_int_equal(e.status, 404);
	assert_int_equal(e.nlines, 0);
	assert_non_null(strstr(e.body, "not found"));
	http_free(h);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_limits_and_failures(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct http *h = http_new(&loop, NULL);

	struct result big = {0};
	struct http_request rq = {.max_body = 1 << 20};
	fetch(&loop, h, "/big", &rq, &big);
	assert_int_equal(big.err, -TOPS_ETOOBIG);
	assert_non_null(strstr(big.errmsg, "larger than 1048576 bytes"));

	struct result endless = {0};
	memset(&rq, 0, sizeof rq);
	rq.max_body = 1 << 20;
	rq.on_line = on_line;
	fetch(&loop, h, "/endless", &rq, &endless);
	assert_int_equal(endless.err, -TOPS_ETOOBIG);
	assert_int_equal(endless.nlines, 0);

	struct result trunc = {0};
	memset(&rq, 0, sizeof rq);
	fetch(&loop, h, "/truncated", &rq, &trunc);
	assert_int_equal(trunc.err, -TOPS_ENET);
	assert_non_null(strstr(trunc.errmsg, "/truncated"));

	struct result slow = {0};
	memset(&rq, 0, sizeof rq);
	rq.timeout_ms = 200;
	fetch(&loop, h, "/slow", &rq, &slow);
	assert_int_equal(slow.err, -TOPS_ETIMEOUT);

	struct result refused = {0};
	memset(&rq, 0, sizeof rq);
	rq.url = "http://127.0.0.1:1/x";
	rq.on_done = on_done;
	rq.ud = &refused;
	assert_non_null(http_start(h, &rq, NULL));
	while (!refused.done)
		uv_run(&loop, UV_RUN_ONCE);
	assert_int_equal(refused.err, -TOPS_ENET);
	assert_int_equal(refused.status, 0);

	/* a cancelled request never calls back */
	struct result cancelled = {0};
	memset(&rq, 0, sizeof rq);
	char *u = url("/slow");
	rq.url = u;
	rq.on_done = on_done;
	rq.ud = &cancelled;
	struct http_req *r = http_start(h, &rq, NULL);
	free(u);
	assert_int_equal(http_pending(h), 1);
	uv_run(&loop, UV_RUN_NOWAIT);
	http_cancel(r);
	assert_int_equal(http_pending(h), 0);
	for (int i = 0; i < 5; i++)
		uv_run(&loop, UV_RUN_NOWAIT);
	assert_false(cancelled.done);

	http_free(h);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_kube_request_sync(void **state)
{
	(void)state;
	char *srv = url("");
	struct tops_opts o = {.server = srv, .token = "sync-token"};
	struct kube_client *c = NULL;
	struct tops_err err = {0};
	assert_int_equal(kube_client_new(NULL, &o, &c, &err), 0);
	long status;
	char *body = NULL;
	assert_int_equal(kube_request_sync(c, "GET", "/auth", NULL, NULL, &status, &body, &err), 0);
	assert_int_equal(status, 200);
	assert_string_equal(body, "Bearer sync-token");
	free(body);
	assert_int_equal(kube_request_sync(c, "GET", "/status", NULL, NULL, &status, &body, &err), 0);
	assert_int_equal(status, 404);
	assert_int_equal(err.code, TOPS_ENOENT);
	assert_string_equal(err.msg, "pods \"x\" not found");
	free(body);
	kube_client_free(c);
	free(srv);

	struct tops_opts bad = {.server = "http://127.0.0.1:1"};
	assert_int_equal(kube_client_new(NULL, &bad, &c, &err), 0);
	assert_int_equal(kube_request_sync(c, "GET", "/api", NULL, NULL, &status, &body, &err), -TOPS_ENET);
	assert_non_null(strstr(err.msg, "127.0.0.1"));
	kube_client_free(c);
	tops_err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_stream_lines),
		cmocka_unit_test(test_limits_and_failures),
		cmocka_unit_test(test_kube_request_sync),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
