/* Unit tests for exec credential plugins on a kube client's loop (core/kube + core/kubeconfig +
 * core/http): a slow plugin does not stop the loop, concurrent requests share one run, a credential
 * near its expiry is refreshed once, a failing plugin fails the waiting requests with its command
 * and first stderr line, and a 401 refreshes and retries exactly once. The plugin is a shell
 * script written into a temp dir; the API server is a loopback thread inside this test that
 * checks the bearer token. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/kube/kube.h"
#include "tests/unit/httpd.h"

#define EXPIRY 1893456000   /* 2030-01-01T00:00:00Z, what the plugin reports */

static char dir[64];
static char *plugin;   /* path of the script */
static int port;
static int64_t fake_now;

/* --- the API server: answers 200 with the Authorization it saw, or 401 for a wrong token --- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char valid[64];          /* "Bearer tok-N" that is accepted; "" accepts any */
static int hits, rejected;

static bool serve(int fd, const char *req)
{
	char auth[128] = "none", head[256];
	const char *a = strstr(req, "Authorization: ");
	if (a)
		sscanf(a + 15, "%127[^\r]", auth);
	pthread_mutex_lock(&mu);
	hits++;
	bool ok = !valid[0] || strcmp(valid, auth) == 0;
	rejected += !ok;
	pthread_mutex_unlock(&mu);
	const char *body = ok ? auth : "{\"kind\":\"Status\",\"message\":\"Unauthorized\",\"code\":401}";
	int hl = snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
			  "Content-Length: %zu\r\n\r\n", ok ? "200 OK" : "401 Unauthorized", strlen(body));
	httpd_send(fd, head, (size_t)hl);
	httpd_send(fd, body, strlen(body));
	return true;
}

static void set_valid(const char *v)
{
	pthread_mutex_lock(&mu);
	snprintf(valid, sizeof valid, "%s", v);
	hits = rejected = 0;
	pthread_mutex_unlock(&mu);
}

static int server_count(int *rej)
{
	pthread_mutex_lock(&mu);
	int n = hits;
	*rej = rejected;
	pthread_mutex_unlock(&mu);
	return n;
}

/* --- the plugin and its controls (files in dir) --- */

static void put(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	if (text) {
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	} else {
		unlink(p);
	}
	free(p);
}

static int runs(void)
{
	char *p = xasprintf("%s/runs", dir);
	FILE *f = fopen(p, "r");
	free(p);
	int n = 0;
	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static int64_t fake_clock(void)
{
	return fake_now;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/tops-exec.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	plugin = xasprintf("%s/plugin.sh", dir);
	char *script = xasprintf(
		"#!/bin/sh\nd=%s\nn=$(( $(cat $d/runs 2>/dev/null || echo 0) + 1 ))\necho $n > $d/runs\n"
		"[ -f $d/sleep ] && sleep \"$(cat $d/sleep)\"\n"
		"if [ -f $d/fail ]; then printf '\\n  token service unavailable  \\nsecond line\\n' >&2; "
		"exit 1; fi\n"
		"printf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\","
		"\"status\":{\"token\":\"tok-%%s\",\"expirationTimestamp\":\"2030-01-01T00:00:00Z\"}}' $n\n",
		dir);
	put("plugin.sh", script);
	free(script);
	chmod(plugin, 0755);
	port = httpd_start(serve);
	if (port < 0)
		return -1;
	char *kc = xasprintf(
		"apiVersion: v1\nkind: Config\ncurrent-context: c\n"
		"clusters:\n- name: k\n  cluster:\n    server: http://127.0.0.1:%d\n"
		"contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n"
		"users:\n- name: u\n  user:\n    exec:\n"
		"      apiVersion: client.authentication.k8s.io/v1beta1\n      command: %s\n",
		port, plugin);
	put("config", kc);
	free(kc);
	now_wall_hook = fake_clock;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	static const char *const files[] = {"runs", "sleep", "fail", "plugin.sh", "config"};
	for (size_t i = 0; i < ARRAY_LEN(files); i++)
		put(files[i], NULL);
	rmdir(dir);
	free(plugin);
	now_wall_hook = NULL;
	return 0;
}

/* Every test starts with a fresh client on its own loop, no plugin run yet, a fresh clock. */
static struct kube_client *client(uv_loop_t *loop)
{
	put("runs", NULL);
	put("sleep", NULL);
	put("fail", NULL);
	set_valid("");
	fake_now = EXPIRY - 3600;
	assert_int_equal(uv_loop_init(loop), 0);
	char *path = xasprintf("%s/config", dir);
	struct tops_opts o = {.kubeconfig = path};
	struct kube_client *c = NULL;
	struct tops_err err = {0};
	if (kube_client_new(loop, &o, &c, &err))
		fail_msg("client: %s", tops_err_msg(&err));
	free(path);
	return c;
}

static void client_done(struct kube_client *c, uv_loop_t *loop)
{
	kube_client_free(c);
	uv_run(loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(loop), 0);
}

/* --- requests --- */

struct reply {
	bool done;
	long status;
	int err;
	char body[128];
	char errmsg[512];
	char lines[128];   /* streamed lines, each followed by '|' */
	uint64_t ticks_at_done;
};

static uint64_t ticks;

static void tick_cb(uv_timer_t *t)
{
	(void)t;
	ticks++;
}

static void reply_cb(struct http_req *r, struct http_result *res, void *ud)
{
	struct reply *x = ud;
	(void)r;
	x->done = true;
	x->status = res->status;
	x->err = res->err;
	x->ticks_at_done = ticks;
	snprintf(x->body, sizeof x->body, "%s", res->body ? res->body : "");
	snprintf(x->errmsg, sizeof x->errmsg, "%s", res->errmsg ? res->errmsg : "");
}

static void line_cb(struct http_req *r, const char *line, size_t n, void *ud)
{
	struct reply *x = ud;
	(void)r;
	size_t have = strlen(x->lines);
	snprintf(x->lines + have, sizeof x->lines - have, "%.*s|", (int)n, line);
}

static struct http_req *send_req(struct kube_client *c, struct reply *x)
{
	memset(x, 0, sizeof *x);
	struct http_request rq = {.url = "/api/v1/namespaces/default/pods", .on_done = reply_cb, .ud = x};
	struct tops_err err = {0};
	struct http_req *r = kube_request(c, &rq, &err);
	if (!r)
		fail_msg("kube_request: %s", tops_err_msg(&err));
	return r;
}

static void wait_all(uv_loop_t *loop, struct reply *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		while (!x[i].done)
			uv_run(loop, UV_RUN_ONCE);
}

static void test_slow_plugin_keeps_loop_running(void **state)
{
	(void)state;
	uv_loop_t loop;
	struct kube_client *c = client(&loop);
	put("sleep", "2");
	uv_timer_t timer;
	uv_timer_init(&loop, &timer);
	ticks = 0;
	uv_timer_start(&timer, tick_cb, 50, 50);
	struct reply x[3];
	for (size_t i = 0; i < ARRAY_LEN(x); i++)
		send_req(c, &x[i]);
	wait_all(&loop, x, ARRAY_LEN(x));
	for (size_t i = 0; i < ARRAY_LEN(x); i++) {
		assert_int_equal(x[i].err, 0);
		assert_int_equal(x[i].status, 200);
		assert_string_equal(x[i].body, "Bearer tok-1");
		/* the timer kept firing while the plugin slept (a blocking run would show ~0) */
		assert_true(x[i].ticks_at_done >= 10);
	}
	assert_int_equal(runs(), 1);   /* three requests, one run */
	/* the cached token is used without another run */
	send_req(c, &x[0]);
	wait_all(&loop, x, 1);
	assert_string_equal(x[0].body, "Bearer tok-1");
	assert_int_equal(runs(), 1);
	uv_close((uv_handle_t *)&timer, NULL);
	client_done(c, &loop);
}

static void test_refresh_before_expiry(void **state)
{
	(void)state;
	uv_loop_t loop;
	struct kube_client *c = client(&loop);
	struct reply x[2];
	send_req(c, &x[0]);
	wait_all(&loop, x, 1);
	assert_string_equal(x[0].body, "Bearer tok-1");
	fake_now = EXPIRY - KUBECONFIG_EXEC_MARGIN - 1;   /* still outside the margin */
	send_req(c, &x[0]);
	wait_all(&loop, x, 1);
	assert_string_equal(x[0].body, "Bearer tok-1");
	assert_int_equal(runs(), 1);
	fake_now = EXPIRY - 5;   /* 5 s left: refreshed before the server would refuse it */
	send_req(c, &x[0]);
	send_req(c, &x[1]);
	wait_all(&loop, x, 2);
	assert_string_equal(x[0].body, "Bearer tok-2");
	assert_string_equal(x[1].body, "Bearer tok-2");
	assert_int_equal(runs(), 2);
	fake_now = EXPIRY + 100;   /* long expired */
	send_req(c, &x[0]);
	wait_all(&loop, x, 1);
	assert_string_equal(x[0].body, "Bearer tok-3");
	assert_int_equal(runs(), 3);
	client_done(c, &loop);
}

static void test_failing_plugin(void **state)
{
	(void)state;
	uv_loop_t loop;
	struct kube_client *c = client(&loop);
	put("fail", "");
	struct reply x[2];
	send_req(c, &x[0]);
	send_req(c, &x[1]);
	wait_all(&loop, x, 2);
	char *want = xasprintf("exec plugin %s failed (exit status 1): token service unavailable",
			       plugin);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(x[i].err, -TOPS_EAUTH);
		assert_int_equal(x[i].status, 0);
		assert_string_equal(x[i].errmsg, want);
	}
	assert_int_equal(runs(), 1);
	int rej, n = server_count(&rej);
	assert_int_equal(n, 0);   /* nothing was sent without a credential */
	/* the blocking path of CLI commands reports the same words */
	long status = 0;
	char *body = NULL;
	struct tops_err err = {0};
	assert_int_equal(kube_request_sync(c, "GET", "/api", NULL, NULL, &status, &body, &err),
			 -TOPS_EAUTH);
	assert_string_equal(tops_err_msg(&err), want);
	assert_int_equal(runs(), 2);
	free(want);
	/* once the plugin works again, the next request runs it again and succeeds */
	put("fail", NULL);
	assert_int_equal(kube_request_sync(c, "GET", "/api", NULL, NULL, &status, &body, &err), 0);
	assert_int_equal(status, 200);
	assert_string_equal(body, "Bearer tok-3");
	free(body);
	tops_err_clear(&err);
	client_done(c, &loop);
}

static void test_unauthorized_refresh_and_retry_once(void **state)
{
	(void)state;
	uv_loop_t loop;
	struct kube_client *c = client(&loop);
	struct reply x[2];
	send_req(c, &x[0]);
	wait_all(&loop, x, 1);
	assert_string_equal(x[0].body, "Bearer tok-1");
	/* the server revokes tok-1 long before its expiry: one 401 each, one run, one retry each */
	set_valid("Bearer tok-2");
	send_req(c, &x[0]);
	send_req(c, &x[1]);
	wait_all(&loop, x, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(x[i].status, 200);
		assert_string_equal(x[i].body, "Bearer tok-2");
	}
	assert_int_equal(runs(), 2);
	int rej, n = server_count(&rej);
	assert_int_equal(rej, 2);
	assert_int_equal(n, 4);
	/* a stream (a watch) is retried the same way: the 401 body never reaches on_line */
	set_valid("Bearer tok-3");
	memset(&x[0], 0, sizeof x[0]);
	struct http_request rq = {.url = "/api/v1/pods?watch=1", .on_line = line_cb,
				  .on_done = reply_cb, .ud = &x[0]};
	struct tops_err err = {0};
	assert_non_null(kube_request(c, &rq, &err));
	wait_all(&loop, x, 1);
	assert_int_equal(x[0].status, 200);
	assert_string_equal(x[0].lines, "Bearer tok-3|");
	assert_int_equal(runs(), 3);
	n = server_count(&rej);
	assert_int_equal(n, 2);
	assert_int_equal(rej, 1);
	/* a server that refuses the new token too: refresh and retry once, then the 401 */
	set_valid("Bearer nobody");
	send_req(c, &x[0]);
	wait_all(&loop, x, 1);
	assert_int_equal(x[0].err, 0);
	assert_int_equal(x[0].status, 401);
	assert_non_null(strstr(x[0].body, "Unauthorized"));
	assert_int_equal(runs(), 4);
	n = server_count(&rej);
	assert_int_equal(n, 2);
	assert_int_equal(rej, 2);
	client_done(c, &loop);
}

static void test_cancel_and_free_during_run(void **state)
{
	(void)state;
	uv_loop_t loop;
	struct kube_client *c = client(&loop);
	put("sleep", "30");
	struct reply x[2];
	struct http_req *r = send_req(c, &x[0]);
	send_req(c, &x[1]);
	for (int i = 0; i < 500 && runs() < 1; i++) {   /* until the plugin is sleeping */
		uv_run(&loop, UV_RUN_NOWAIT);
		usleep(10000);
	}
	http_cancel(r);   /* a held request can be cancelled like any other */
	uint64_t t0 = now_ms();
	client_done(c, &loop);   /* kills the plugin (and its sleep) instead of waiting 30 s */
	assert_true(now_ms() - t0 < 10000);
	assert_false(x[0].done);
	assert_false(x[1].done);
	assert_int_equal(runs(), 1);
}

static void test_plugin_time_limit(void **state)
{
	(void)state;
	uv_loop_t loop;
	struct kube_client *c = client(&loop);
	c->kc->exec->limit_ms = 300;
	put("sleep", "30");
	struct reply x[1];
	uint64_t t0 = now_ms();
	send_req(c, &x[0]);
	wait_all(&loop, x, 1);
	assert_true(now_ms() - t0 < 10000);   /* killed, with the sleep it started */
	char *want = xasprintf("exec plugin %s: no answer within 300 ms", plugin);
	assert_int_equal(x[0].err, -TOPS_EAUTH);
	assert_string_equal(x[0].errmsg, want);
	free(want);
	client_done(c, &loop);
}

static void test_missing_plugin(void **state)
{
	(void)state;
	uv_loop_t loop;
	struct kube_client *c = client(&loop);
	char *saved = plugin;
	plugin = xasprintf("%s/no-such-plugin", dir);
	char *cfg = xasprintf("%s/config", dir), *text = NULL;
	size_t len;
	assert_int_equal(read_file(cfg, 0, &text, &len, NULL), 0);
	kube_client_free(c);
	/* the same kubeconfig, pointing at a command that does not exist */
	char *at = strstr(text, "command: ");
	assert_non_null(at);
	char *bad = xasprintf("%.*scommand: %s\n", (int)(at - text), text, plugin);
	put("config", bad);
	struct tops_opts o = {.kubeconfig = cfg};
	struct tops_err err = {0};
	assert_int_equal(kube_client_new(&loop, &o, &c, &err), 0);
	struct http_request rq = {.url = "/api", .on_done = reply_cb};
	assert_null(kube_request(c, &rq, &err));
	char *want = xasprintf("exec plugin %s: cannot start: ", plugin);
	assert_true(str_has_prefix(tops_err_msg(&err), want));
	client_done(c, &loop);
	put("config", text);
	free(want);
	free(bad);
	free(text);
	free(cfg);
	free(plugin);
	plugin = saved;
	tops_err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slow_plugin_keeps_loop_running),
		cmocka_unit_test(test_refresh_before_expiry),
		cmocka_unit_test(test_failing_plugin),
		cmocka_unit_test(test_unauthorized_refresh_and_retry_once),
		cmocka_unit_test(test_cancel_and_free_during_run),
		cmocka_unit_test(test_plugin_time_limit),
		cmocka_unit_test(test_missing_plugin),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
