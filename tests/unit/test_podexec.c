/* podexec_run() against the real bin/kubesim over loopback (the exec subresource's WebSocket
 * protocol end to end): stdout, stderr kept apart, exit codes from the status channel, stdin
 * sent and closed, a 10 MB stream, the golden set of `make snapshot-refresh`, and the API's
 * errors for a missing pod, a missing container and a command that cannot start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/kube/podexec.h"

static pid_t sim_pid;
static char kubeconfig[128];
static struct kube_client *kc;
static char *pod;

static int start_sim(void)
{
	const char *root = getenv("TOPS_ROOT");
	char *bin = xasprintf("%s/bin/kubesim", root ? root : ".");
	int p[2];
	if (access(bin, X_OK) != 0 || pipe(p) != 0) {
		free(bin);
		return -1;
	}
	sim_pid = fork();
	if (sim_pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(bin, bin, "--listen", "127.0.0.1:0", "--pods", "2", "--seed", "7", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	free(bin);
	char line[256] = "";
	FILE *f = fdopen(p[0], "r");
	if (!f || !fgets(line, sizeof line, f))
		return -1;
	const char *url = strstr(line, "http://");
	if (!url)
		return -1;
	line[strcspn(line, "\n")] = '\0';
	snprintf(kubeconfig, sizeof kubeconfig, "%s/tops-podexec-%d.yaml",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
	FILE *k = fopen(kubeconfig, "w");
	fprintf(k, "apiVersion: v1\nkind: Config\nclusters: [{name: s, cluster: {server: \"%s\"}}]\n"
		   "contexts: [{name: s, context: {cluster: s, user: s, namespace: testops}}]\n"
		   "current-context: s\nusers: [{name: s, user: {token: t}}]\n", url);
	fclose(k);
	return 0;
}

/* The first pod of the runner Deployment, once kubesim's pods run. */
static char *runner_pod(void)
{
	for (int tries = 0; tries < 100; tries++) {
		long status = 0;
		char *body = NULL;
		struct tops_err err = {0};
		kube_request_sync(kc, "GET", "/api/v1/namespaces/testops/pods", NULL, NULL, &status,
				  &body, &err);
		tops_err_clear(&err);
		const char *n = body ? strstr(body, "\"name\":\"testops-runner-") : NULL;
		bool running = body && strstr(body, "\"running\":");
		if (n && running) {
			n += 8;
			char *name = xstrndup(n, strcspn(n, "\""));
			free(body);
			return name;
		}
		free(body);
		usleep(100000);
	}
	return NULL;
}

static int setup(void **state)
{
	if (start_sim() < 0)
		return 0;   /* each test skips */
	struct tops_opts o = {.kubeconfig = kubeconfig};
	struct tops_err err = {0};
	if (kube_client_new(NULL, &o, &kc, &err) == 0)
		pod = runner_pod();
	tops_err_clear(&err);
	return 0;
}

static int teardown(void **state)
{
	free(pod);
	kube_client_free(kc);
	if (sim_pid > 0) {
		kill(sim_pid, SIGTERM);
		waitpid(sim_pid, NULL, 0);
	}
	unlink(kubeconfig);
	return 0;
}

#define NEED_SIM() do { if (!pod) { skip(); } } while (0)

struct res {
	char *out, *err;
	size_t len;
	int code, rc;
	struct tops_err e;
};

static void run(struct res *r, const char *container, const char *in, const char *const *argv)
{
	memset(r, 0, sizeof *r);
	r->rc = podexec_run(kc, "testops", pod, container, argv, in, &r->out, &r->len, &r->err,
			    &r->code, &r->e);
}

static void done(struct res *r)
{
	free(r->out);
	free(r->err);
	tops_err_clear(&r->e);
}

static void test_echo(void **state)
{
	NEED_SIM();
	struct res r;
	run(&r, NULL, NULL, (const char *const[]){"echo", "hello", "world", NULL});
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.code, 0);
	assert_string_equal(r.out, "hello world\n");
	assert_string_equal(r.err, "");
	done(&r);
}

static void test_exit_codes(void **state)
{
	NEED_SIM();
	const int codes[] = {0, 1, 3, 42, 255};
	for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
		char script[32];
		snprintf(script, sizeof script, "exit %d", codes[i]);
		struct res r;
		run(&r, NULL, NULL, (const char *const[]){"sh", "-c", script, NULL});
		assert_int_equal(r.rc, 0);
		assert_int_equal(r.code, codes[i]);
		done(&r);
	}
}

static void test_stderr_apart(void **state)
{
	NEED_SIM();
	struct res r;
	run(&r, NULL, NULL, (const char *const[]){"sh", "-c", "echo out; echo err >&2; exit 2", NULL});
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "out\n");
	assert_string_equal(r.err, "err\n");
	assert_int_equal(r.code, 2);
	done(&r);
}

static void test_stdin(void **state)
{
	NEED_SIM();
	struct res r;
	run(&r, NULL, "line one\nline two\n", (const char *const[]){"cat", NULL});
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "line one\nline two\n");
	done(&r);
	run(&r, NULL, "hello\n", (const char *const[]){"sha256sum", NULL});
	assert_string_equal(r.out, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  -\n");
	done(&r);
}

static void test_big_stream(void **state)
{
	NEED_SIM();
	struct res r;
	run(&r, NULL, NULL, (const char *const[]){"seq", "1500000", NULL});
	assert_int_equal(r.rc, 0);
	assert_true(r.len > 10u * 1000 * 1000);
	/* seq 1500000: every line present, in order */
	size_t lines = 0;
	for (size_t i = 0; i < r.len; i++)
		lines += r.out[i] == '\n';
	assert_int_equal(lines, 1500000);
	assert_memory_equal(r.out + r.len - 8, "1500000\n", 8);
	done(&r);
}

static void test_golden(void **state)
{
	NEED_SIM();
	struct res r;
	run(&r, "runner", NULL, (const char *const[]){"make", "snapshot-refresh", NULL});
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "/data/snapshots/golden/results.json\n"));
	done(&r);
	run(&r, NULL, NULL, (const char *const[]){"sha256sum", "/data/snapshots/golden/config.yaml", NULL});
	assert_int_equal(r.code, 0);
	assert_int_equal(strlen(r.out), 64 + 2 + strlen("/data/snapshots/golden/config.yaml") + 1);
	done(&r);
}

static void test_missing(void **state)
{
	NEED_SIM();
	struct res r;
	run(&r, "nope", NULL, (const char *const[]){"ls", NULL});
	assert_int_equal(r.rc, -TOPS_EHTTP);
	assert_non_null(strstr(tops_err_msg(&r.e), "container nope is not valid for pod"));
	done(&r);
	memset(&r, 0, sizeof r);
	r.rc = podexec_run(kc, "testops", "no-such-pod", NULL, (const char *const[]){"ls", NULL},
			   NULL, &r.out, &r.len, &r.err, &r.code, &r.e);
	assert_int_equal(r.rc, -TOPS_ENOENT);
	assert_string_equal(tops_err_msg(&r.e), "pods \"no-such-pod\" not found");
	done(&r);
	run(&r, NULL, NULL, (const char *const[]){"no-such-binary", NULL});
	assert_int_equal(r.rc, -TOPS_EHTTP);
	assert_non_null(strstr(tops_err_msg(&r.e), "executable file not found"));
	assert_null(r.out);
	done(&r);
}

static void test_status_parse(void **state)
{
	int code = -1;
	struct tops_err e = {0};
	const char *ok = "{\"metadata\":{},\"status\":\"Success\"}";
	assert_int_equal(podexec_parse_status(ok, strlen(ok), &code, &e), 0);
	assert_int_equal(code, 0);
	const char *nz = "{\"status\":\"Failure\",\"reason\":\"NonZeroExitCode\",\"details\":"
			 "{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"7\"}]}}";
	assert_int_equal(podexec_parse_status(nz, strlen(nz), &code, &e), 0);
	assert_int_equal(code, 7);
	const char *bad = "{\"status\":\"Failure\",\"reason\":\"NonZeroExitCode\",\"details\":"
			  "{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"x7\"}]},\"message\":\"m\"}";
	assert_int_equal(podexec_parse_status(bad, strlen(bad), &code, &e), -TOPS_EHTTP);
	assert_string_equal(tops_err_msg(&e), "m");
	tops_err_clear(&e);
	assert_int_equal(podexec_parse_status("nope", 4, &code, &e), -TOPS_EINVAL);
	tops_err_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_parse),
		cmocka_unit_test(test_echo),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_stderr_apart),
		cmocka_unit_test(test_stdin),
		cmocka_unit_test(test_big_stream),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_missing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
