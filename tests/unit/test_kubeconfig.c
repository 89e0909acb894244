/* Unit tests for core/kubeconfig: kubectl's merge rules, overrides, every auth variant
 * (token, tokenFile, basic, client certificate data, exec plugins v1/v1beta1 with expiry
 * caching) and errors with file:line:col. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/kube/kube.h"
#include "core/kube/kubeconfig.h"

static char dir[64];

static char *put(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/tops-kc.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd[] = {"/bin/rm", "-rf", dir, NULL};
	pid_t pid = fork();
	if (pid == 0) {
		execv(cmd[0], cmd);
		_exit(1);
	}
	int st;
	waitpid(pid, &st, 0);
	return 0;
}

static const char *file1 =
	"apiVersion: v1\nkind: Config\ncurrent-context: one\n"
	"clusters:\n- name: c1\n  cluster:\n    server: https://a.example:6443\n"
	"    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n"
	"    tls-server-name: api.internal\n    proxy-url: http://proxy:3128\n"
	"contexts:\n- name: one\n  context:\n    cluster: c1\n    user: u1\n    namespace: team-a\n"
	"users:\n- name: u1\n  user:\n    token: tok-one\n";

static const char *file2 =
	"apiVersion: v1\nkind: Config\ncurrent-context: two\n"
	"clusters:\n- name: c1\n  cluster:\n    server: https://SHADOWED\n"
	"- name: c2\n  cluster:\n    server: http://b.example:8080\n    insecure-skip-tls-verify: true\n"
	"contexts:\n- name: two\n  context:\n    cluster: c2\n    user: u2\n"
	"- name: one\n  context:\n    cluster: c2\n    user: u2\n"
	"users:\n- name: u2\n  user:\n    username: admin\n    password: s3cret\n"
	"- name: u1\n  user:\n    token: SHADOWED\n";

static void test_merge_rules(void **state)
{
	(void)state;
	char *a = put("a.yaml", file1), *b = put("b.yaml", file2);
	const char *paths[] = {a, b};
	struct kubeconfig *kc = NULL;
	struct tops_err err = {0};
	assert_int_equal(kubeconfig_load_files(paths, 2, NULL, &kc, &err), 0);
	assert_string_equal(kc->context_name, "one");            /* first current-context wins */
	assert_string_equal(kc->server, "https://a.example:6443"); /* first c1 wins */
	assert_string_equal(kc->token, "tok-one");
	assert_string_equal(kc->namespace_, "team-a");
	assert_string_equal(kc->tls_server_name, "api.internal");
	assert_string_equal(kc->proxy_url, "http://proxy:3128");
	assert_int_equal(kc->ca_len, strlen("-----BEGIN CERTIFICATE-----\n"));
	assert_memory_equal(kc->ca_data, "-----BEGIN CERTIFICATE-----\n", kc->ca_len);
	size_t nctx = 0;
	const char *const *names = kubeconfig_context_names(kc, &nctx);
	assert_int_equal(nctx, 2); /* "one" is in both files: listed once */
	assert_string_equal(names[0], "one");
	assert_string_equal(names[1], "two");
	assert_null(names[2]);
	kubeconfig_free(kc);
	assert_null(kubeconfig_context_names(NULL, &nctx)[0]);
	assert_int_equal(nctx, 0);

	struct tops_opts o = {.context = "two"};
	assert_int_equal(kubeconfig_load_files(paths, 2, &o, &kc, &err), 0);
	assert_string_equal(kc->server, "http://b.example:8080");
	assert_true(kc->insecure);
	assert_string_equal(kc->username, "admin");
	assert_string_equal(kc->password, "s3cret");
	assert_null(kc->namespace_);
	kubeconfig_free(kc);

	/* $KUBECONFIG: a colon list; missing files are skipped */
	char *env = xasprintf("%s/missing.yaml:%s:%s", dir, b, a);
	setenv("KUBECONFIG", env, 1);
	assert_int_equal(kubeconfig_load(NULL, &kc, &err), 0);
	assert_string_equal(kc->context_name, "two");
	kubeconfig_free(kc);
	unsetenv("KUBECONFIG");
	free(env);
	free(a);
	free(b);
}

static void test_overrides(void **state)
{
	(void)state;
	char *a = put("o.yaml", file1);
	struct tops_opts o = {.kubeconfig = a, .server = "http://127.0.0.1:1", .token = "flag-token",
			      .namespace_ = "ns-x", .insecure_skip_tls_verify = true,
			      .certificate_authority = "/etc/ca.pem", .client_certificate = "/c.pem",
			      .client_key = "/k.pem"};
	struct kubeconfig *kc = NULL;
	struct tops_err err = {0};
	assert_int_equal(kubeconfig_load(&o, &kc, &err), 0);
	assert_string_equal(kc->server, "http://127.0.0.1:1");
	assert_string_equal(kc->token, "flag-token");
	assert_string_equal(kc->namespace_, "ns-x");
	assert_true(kc->insecure);
	assert_string_equal(kc->ca_file, "/etc/ca.pem");
	assert_null(kc->ca_data);
	assert_string_equal(kc->cert_file, "/c.pem");
	assert_string_equal(kc->key_file, "/k.pem");
	kubeconfig_free(kc);
	/* --server alone works without any file */
	struct tops_opts s = {.server = "http://127.0.0.1:2"};
	assert_int_equal(kubeconfig_load_files(NULL, 0, &s, &kc, &err), 0);
	assert_string_equal(kc->server, "http://127.0.0.1:2");
	kubeconfig_free(kc);
	free(a);
}

static void test_token_file_and_cert_data(void **state)
{
	(void)state;
	char *tf = put("token.txt", "file-token\n");
	char *a = put("t.yaml",
		"current-context: c\nclusters:\n- name: k\n  cluster:\n    server: https://k\n"
		"contexts:\n- name: c\n  context: {cluster: k, user: u}\n"
		"users:\n- name: u\n  user:\n    tokenFile: token.txt\n"
		"    client-certificate-data: Y2VydA==\n    client-key-data: a2V5\n"
		"    client-certificate: rel/cert.pem\n");
	const char *paths[] = {a};
	struct kubeconfig *kc = NULL;
	struct tops_err err = {0};
	assert_int_equal(kubeconfig_load_files(paths, 1, NULL, &kc, &err), 0);
	const char *tok = NULL;
	assert_int_equal(kubeconfig_token(kc, &tok, &err), 0);
	assert_string_equal(tok, "file-token");
	/* re-read on each call, as kubectl does (rotated tokens) */
	free(put("token.txt", "rotated\n"));
	assert_int_equal(kubeconfig_token(kc, &tok, &err), 0);
	assert_string_equal(tok, "rotated");
	assert_int_equal(kc->cert_len, 4);
	assert_memory_equal(kc->cert_data, "cert", 4);
	assert_memory_equal(kc->key_data, "key", 3);
	char *want = xasprintf("%s/rel/cert.pem", dir);
	assert_string_equal(kc->cert_file, want);   /* relative to the kubeconfig */
	free(want);
	kubeconfig_free(kc);
	free(a);
	free(tf);
}

static char *exec_config(const char *api, const char *script_body, const char *extra)
{
	char *script = put("plugin.sh", script_body);
	chmod(script, 0755);
	char *cfg = xasprintf(
		"current-context: c\nclusters:\n- name: k\n  cluster:\n    server: https://k\n"
		"contexts:\n- name: c\n  context: {cluster: k, user: u}\n"
		"users:\n- name: u\n  user:\n    exec:\n      apiVersion: %s\n      command: %s\n"
		"      args: [\"--mode\", \"x\"]\n      env:\n      - name: PLUGIN_FLAVOUR\n        value: mint\n%s",
		api, script, extra);
	char *p = put("exec.yaml", cfg);
	free(cfg);
	free(script);
	return p;
}

static int count_runs(void)
{
	char *p = xasprintf("%s/runs", dir);
	FILE *f = fopen(p, "r");
	free(p);
	int n = 0, c;
	while (f && (c = fgetc(f)) != EOF)
		n += c == '\n';
	if (f)
		fclose(f);
	return n;
}

static void run_exec(const char *api, const char *expiry, int calls, int want_runs)
{
	char *script = xasprintf(
		"#!/bin/sh\necho \"$1 $2 $PLUGIN_FLAVOUR\" >> %s/runs\n"
		"case \"$KUBERNETES_EXEC_INFO\" in *ExecCredential*) ;; *) exit 3;; esac\n"
		"printf '{\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"exec-tok\","
		"\"expirationTimestamp\":\"%s\"}}'\n", dir, api, expiry);
	char *p = exec_config(api, script, "      interactiveMode: Never\n");
	free(script);
	char *runs = xasprintf("%s/runs", dir);
	unlink(runs);
	free(runs);
	const char *paths[] = {p};
	struct kubeconfig *kc = NULL;
	struct tops_err err = {0};
	assert_int_equal(kubeconfig_load_files(paths, 1, NULL, &kc, &err), 0);
	assert_non_null(kc->exec);
	for (int i = 0; i < calls; i++) {
		const char *tok = NULL;
		int rc = kubeconfig_token(kc, &tok, &err);
		if (rc)
			fail_msg("exec: %s", tops_err_msg(&err));
		assert_string_equal(tok, "exec-tok");
	}
	assert_int_equal(count_runs(), want_runs);
	kubeconfig_free(kc);
	free(p);
}

static void test_exec_plugins(void **state)
{
	(void)state;
	/* cached until the expiry */
	run_exec("client.authentication.k8s.io/v1", "2999-01-01T00:00:00Z", 3, 1);
	run_exec("client.authentication.k8s.io/v1beta1", "2999-01-01T00:00:00Z", 3, 1);
	/* already expired: run every time */
	run_exec("client.authentication.k8s.io/v1beta1", "2001-01-01T00:00:00Z", 3, 3);
	char *p = xasprintf("%s/runs", dir);
	char *text = NULL;
	size_t len;
	assert_int_equal(read_file(p, 0, &text, &len, NULL), 0);
	assert_non_null(strstr(text, "--mode x mint"));   /* args and env reach the plugin */
	free(text);
	free(p);
}

static void test_exec_errors(void **state)
{
	(void)state;
	struct kubeconfig *kc = NULL;
	struct tops_err err = {0};
	/* v1 requires interactiveMode */
	char *p = exec_config("client.authentication.k8s.io/v1", "#!/bin/sh\nexit 0\n", "");
	const char *paths[] = {p};
	assert_int_equal(kubeconfig_load_files(paths, 1, NULL, &kc, &err), -TOPS_EINVAL);
	assert_non_null(strstr(err.msg, "interactiveMode"));
	assert_non_null(strstr(err.msg, "exec.yaml:"));
	free(p);
	/* a failing plugin: its stderr is in the message */
	p = exec_config("client.authentication.k8s.io/v1beta1",
			"#!/bin/sh\necho 'login required' >&2\nexit 1\n", "");
	paths[0] = p;
	assert_int_equal(kubeconfig_load_files(paths, 1, NULL, &kc, &err), 0);
	const char *tok;
	assert_int_equal(kubeconfig_token(kc, &tok, &err), -TOPS_EAUTH);
	assert_non_null(strstr(err.msg, "login required"));
	kubeconfig_free(kc);
	free(p);
	/* garbage output */
	p = exec_config("client.authentication.k8s.io/v1beta1", "#!/bin/sh\necho hello\n", "");
	paths[0] = p;
	assert_int_equal(kubeconfig_load_files(paths, 1, NULL, &kc, &err), 0);
	assert_int_equal(kubeconfig_token(kc, &tok, &err), -TOPS_EAUTH);
	assert_non_null(strstr(err.msg, "ExecCredential"));
	kubeconfig_free(kc);
	free(p);
	tops_err_clear(&err);
}

static void test_errors_name_file_and_line(void **state)
{
	(void)state;
	struct kubeconfig *kc = NULL;
	struct tops_err err = {0};
	char *p = put("bad.yaml", "apiVersion: v1\nclusters:\n- name: x\n  cluster:\n    server: [1, 2]\n");
	const char *paths[] = {p};
	assert_int_equal(kubeconfig_load_files(paths, 1, NULL, &kc, &err), -TOPS_EINVAL);
	char *want = xasprintf("%s:5:13: server must be a string", p);
	assert_string_equal(err.msg, want);
	free(want);
	free(p);

	p = put("syntax.yaml", "apiVersion: v1\nclusters:\n  - name: x\n   bad: [\n");
	paths[0] = p;
	assert_int_equal(kubeconfig_load_files(paths, 1, NULL, &kc, &err), -TOPS_EINVAL);
	char *prefix = xasprintf("%s:", p);
	assert_true(str_has_prefix(err.msg, prefix));
	assert_true(err.msg[strlen(prefix)] >= '1' && err.msg[strlen(prefix)] <= '9');
	free(prefix);
	free(p);

	p = put("ctx.yaml", file1);
	paths[0] = p;
	struct tops_opts o = {.context = "nope"};
	assert_int_equal(kubeconfig_load_files(paths, 1, &o, &kc, &err), -TOPS_ENOENT);
	assert_non_null(strstr(err.msg, "context \"nope\" does not exist"));
	free(p);

	p = put("b64.yaml", "current-context: c\nclusters:\n- name: k\n  cluster:\n    server: https://k\n"
		"    certificate-authority-data: \"!!notbase64\"\ncontexts:\n- name: c\n  context: {cluster: k}\n");
	paths[0] = p;
	assert_int_equal(kubeconfig_load_files(paths, 1, NULL, &kc, &err), -TOPS_EINVAL);
	assert_non_null(strstr(err.msg, ":6:"));
	free(p);

	p = put("nocur.yaml", "clusters: []\n");
	paths[0] = p;
	assert_int_equal(kubeconfig_load_files(paths, 1, NULL, &kc, &err), -TOPS_ENOENT);
	assert_non_null(strstr(err.msg, "no server"));
	free(p);
	tops_err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_rules),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_token_file_and_cert_data),
		cmocka_unit_test(test_exec_plugins),
		cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_errors_name_file_and_line),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
