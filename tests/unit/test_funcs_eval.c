/* `tops eval` end to end: runs the real bin/tops with data files in a private temp directory and
 * checks stdout, stderr and the exit status (Helm mode, --go mode, usage and input errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/base/util.h"

static char tmpdir[] = "/tmp/tops-eval-XXXXXX";
static char *tops_bin;

struct run {
	int status;
	char *out, *err;
};

static char *slurp(int fd)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		sb_add(&sb, buf, (size_t)n);
	return sb_detach(&sb, NULL);
}

/* argv after "tops eval"; NULL-terminated. stderr goes to a file so that a long error message
 * cannot fill a pipe while stdout is being read. */
static struct run run_eval(const char *const *args)
{
	const char *argv[16] = {tops_bin, "eval"};
	int n = 2;
	for (; args[n - 2] && n < 15; n++)
		argv[n] = args[n - 2];
	argv[n] = NULL;
	char *errpath = xasprintf("%s/stderr", tmpdir);
	int po[2];
	assert_int_equal(pipe(po), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fe = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(po[1], 1);
		dup2(fe, 2);
		close(po[0]);
		execv(tops_bin, (char *const *)argv);
		_exit(127);
	}
	close(po[1]);
	struct run r;
	r.out = slurp(po[0]);
	close(po[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	size_t len;
	struct tops_err err = {0};
	if (read_file(errpath, 0, &r.err, &len, &err) < 0)
		r.err = xstrdup("");
	tops_err_clear(&err);
	unlink(errpath);
	free(errpath);
	return r;
}

static void run_done(struct run *r)
{
	free(r->out);
	free(r->err);
}

static char *data_file(const char *name, const char *content)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	struct tops_err err = {0};
	assert_int_equal(write_file_atomic(path, content, strlen(content), &err), 0);
	return path;
}

static int setup(void **state)
{
	(void)state;
	const char *root = getenv("TOPS_ROOT");
	tops_bin = xasprintf("%s/bin/tops", root ? root : ".");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	static const char *const files[] = {"d.json", "d.yaml", "bad.yaml"};
	for (size_t i = 0; i < ARRAY_LEN(files); i++) {
		char *p = xasprintf("%s/%s", tmpdir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(tmpdir);
	free(tops_bin);
	return 0;
}

static void need_binary(void)
{
	if (access(tops_bin, X_OK) != 0) {
		print_message("SKIP: %s not built\n", tops_bin);
		skip();
	}
}

static void test_helm_mode(void **state)
{
	(void)state;
	need_binary();
	char *j = data_file("d.json", "{\"a\": 2, \"l\": [\"p\", \"q\"]}");
	char *y = data_file("d.yaml", "a: 2\nname: web\n");
	struct run r = run_eval((const char *[]){"-d", j, "{{ .a | add 1 }} {{ typeOf .a }} {{ .nope }}|{{ toYaml .l }}", NULL});
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "3 int |- p\n- q");
	run_done(&r);
	r = run_eval((const char *[]){"--data", y, "{{ typeOf .a }} {{ .name | upper | quote }}", NULL});
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "float64 \"WEB\"");
	run_done(&r);
	r = run_eval((const char *[]){"{{ include \"x\" . }}{{ define \"x\" }}in{{ end }}", NULL});
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "in");
	run_done(&r);
	free(j);
	free(y);
}

static void test_go_mode(void **state)
{
	(void)state;
	need_binary();
	struct run r = run_eval((const char *[]){"--go", "{{ .nope }} {{ list 1 2 | last }}", NULL});
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "<no value> 2");
	run_done(&r);
	r = run_eval((const char *[]){"--go", "{{ toYaml . }}", NULL});
	assert_int_equal(r.status, 1);
	assert_true(!strncmp(r.err, "tops: ", 6));
	assert_non_null(strstr(r.err, "toYaml"));
	run_done(&r);
}

static void test_errors(void **state)
{
	(void)state;
	need_binary();
	struct run r = run_eval((const char *[]){"{{ fail \"boom\" }}", NULL});
	assert_int_equal(r.status, 1);
	assert_true(!strncmp(r.err, "tops: ", 6));
	assert_non_null(strstr(r.err, "boom"));
	assert_string_equal(r.out, "");
	run_done(&r);
	r = run_eval((const char *[]){"{{ if }}", NULL});
	assert_int_equal(r.status, 1);
	assert_true(!strncmp(r.err, "tops: ", 6));
	run_done(&r);
	r = run_eval((const char *[]){"-d", "/nonexistent/x.yaml", "x", NULL});
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "/nonexistent/x.yaml"));
	run_done(&r);
	r = run_eval((const char *[]){"{{ tpl \"{{ if }}\" . }}", NULL});
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "cannot parse template \"{{ if }}\": template: gotpl:1:"));
	run_done(&r);
	r = run_eval((const char *[]){"{{ tpl \"{{ required \\\"need x\\\" .x }}\" . }}", NULL});
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "error during tpl function execution for"));
	assert_non_null(strstr(r.err, "need x"));
	run_done(&r);
	r = run_eval((const char *[]){"{{ define \"r\" }}{{ include \"r\" . }}{{ end }}{{ include \"r\" . }}", NULL});
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "rendering template has a nested reference name: r: unable to execute template"));
	run_done(&r);
	char *bad = data_file("bad.yaml", "a: 1\nb: [\n");
	r = run_eval((const char *[]){"-d", bad, "x", NULL});
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "bad.yaml:"));
	run_done(&r);
	free(bad);
}

static void test_usage(void **state)
{
	(void)state;
	need_binary();
	struct run r = run_eval((const char *[]){NULL});
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "missing TEMPLATE"));
	run_done(&r);
	r = run_eval((const char *[]){"--frobnicate", "x", NULL});
	assert_int_equal(r.status, 2);
	run_done(&r);
	r = run_eval((const char *[]){"a", "b", NULL});
	assert_int_equal(r.status, 2);
	run_done(&r);
	r = run_eval((const char *[]){"-d", NULL});
	assert_int_equal(r.status, 2);
	run_done(&r);
	r = run_eval((const char *[]){"--help", NULL});
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Usage: tops eval"));
	run_done(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_helm_mode), cmocka_unit_test(test_go_mode),
		cmocka_unit_test(test_errors), cmocka_unit_test(test_usage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
