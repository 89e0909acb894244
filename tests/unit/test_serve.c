/* Unit tests of the HTTP face's pure parts: the request parser (limits, pipelining, queries),
 * JSON bodies against field tables, token files and their roles, the rate limit, and chart
 * path confinement. The serve/ sources are compiled in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "serve/req.c"
#include "serve/body.c"
#include "serve/auth.c"
#include "serve/limit.c"
#include "serve/chartsrc.c"

#include <sys/stat.h>

static enum req_state feed_all(struct req *r, const char *s, size_t *used)
{
	return req_feed(r, s, strlen(s), used);
}

static void test_req_basic(void **st)
{
	struct req r;
	req_init(&r, 100);
	size_t used;
	const char *s = "POST /v1/deploy/preview?release=pr%2D1&set=a%3Db&set=c=d HTTP/1.1\r\nHost: x\r\n"
			"Authorization: Bearer tok\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
	assert_int_equal(feed_all(&r, s, &used), REQ_DONE);
	assert_int_equal(used, strlen(s));
	assert_string_equal(r.method, "POST");
	assert_string_equal(sb_str(&r.authorization), "Bearer tok");
	assert_string_equal(sb_str(&r.body), "{}");
	char buf[64], path[64];
	assert_string_equal(req_path(&r, path, sizeof path), "/v1/deploy/preview");
	assert_string_equal(req_query_get(&r, "release", buf, sizeof buf), "pr-1");
	assert_string_equal(req_query_nth(&r, "set", 0, buf, sizeof buf), "a=b");
	assert_string_equal(req_query_nth(&r, "set", 1, buf, sizeof buf), "c=d");
	assert_null(req_query_nth(&r, "set", 2, buf, sizeof buf));
	assert_null(req_query_get(&r, "namespace", buf, sizeof buf));
	req_done(&r);
}

static void test_req_pipelined_and_split(void **st)
{
	struct req r;
	req_init(&r, 100);
	const char *s = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n";
	size_t used, total = 0;
	/* byte by byte: the first request ends exactly at its last byte */
	enum req_state stt = REQ_MORE;
	while (stt == REQ_MORE) {
		stt = req_feed(&r, s + total, 1, &used);
		total += used;
	}
	assert_int_equal(stt, REQ_DONE);
	assert_int_equal(total, strlen("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
	assert_string_equal(sb_str(&r.url), "/a");
	req_reset(&r);
	assert_int_equal(feed_all(&r, s + total, &used), REQ_DONE);
	assert_string_equal(sb_str(&r.url), "/b");
	req_done(&r);
}

static void test_req_limits(void **st)
{
	struct req r;
	size_t used;
	req_init(&r, 10);
	assert_int_equal(feed_all(&r, "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", &used), REQ_ERROR);
	assert_int_equal(r.error_status, 413);
	req_done(&r);
	req_init(&r, 10); /* chunked: counted while it arrives */
	assert_int_equal(feed_all(&r, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n", &used), REQ_ERROR);
	assert_int_equal(r.error_status, 413);
	req_done(&r);
	req_init(&r, 10);
	struct strbuf big = STRBUF_INIT;
	sb_adds(&big, "GET / HTTP/1.1\r\nX-Big: ");
	for (int i = 0; i < REQ_MAX_HEADER_BYTES; i++)
		sb_addc(&big, 'a');
	assert_int_equal(req_feed(&r, big.buf, big.len, &used), REQ_ERROR);
	assert_int_equal(r.error_status, 431);
	sb_done(&big);
	req_done(&r);
	req_init(&r, 10);
	assert_int_equal(feed_all(&r, "NOT HTTP AT ALL\r\n\r\n", &used), REQ_ERROR);
	assert_int_equal(r.error_status, 400);
	req_done(&r);
}

static const struct body_field fields[] = {{"release", BT_STRING}, {"dryRun", BT_BOOL},
					   {"set", BT_STRINGS}, {"values", BT_OBJECT}};

static void test_body(void **st)
{
	struct tops_err err = {0};
	const char *ok = "{\"release\":\"a\",\"dryRun\":true,\"set\":[\"x=1\"]}";
	struct value *v = body_parse(ok, strlen(ok), fields, 4, &err);
	assert_non_null(v);
	assert_string_equal(body_str(v, "release"), "a");
	assert_true(body_bool(v, "dryRun"));
	value_unref(v);
	v = body_parse("  \n", 3, fields, 4, &err);
	assert_non_null(v);
	assert_int_equal(v->type, V_MAP);
	value_unref(v);
	const char *bad = "{\"release\":\"a\",\n  \"x\": }";
	assert_null(body_parse(bad, strlen(bad), fields, 4, &err));
	assert_non_null(strstr(tops_err_msg(&err), "line 2, column 8"));
	tops_err_clear(&err);
	const char *unk = "{\"release\":\"a\",\"b\":1,\"\":2}";
	assert_null(body_parse(unk, strlen(unk), fields, 4, &err));
	assert_non_null(strstr(tops_err_msg(&err), "unknown fields: b, \"\""));
	tops_err_clear(&err);
	const char *typ = "{\"set\":[1]}";
	assert_null(body_parse(typ, strlen(typ), fields, 4, &err));
	assert_string_equal(tops_err_msg(&err), "field \"set\" must be a list of strings");
	tops_err_clear(&err);
	assert_null(body_parse("[]", 2, fields, 4, &err));
	tops_err_clear(&err);
}

static char *tmpfile_with(const char *text, mode_t mode)
{
	char *p = xstrdup("/tmp/test_serve_tokens.XXXXXX");
	int fd = mkstemp(p);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(p, mode);
	return p;
}

static void test_auth(void **st)
{
	char *p = tmpfile_with("# c\nci deploy ci-token-0123456789\nro read ro-token-0123456789ab # x\n", 0600);
	struct auth *a;
	struct tops_err err = {0};
	assert_int_equal(auth_load(p, false, NULL, &a, &err), 0);
	const char *name;
	assert_int_equal(auth_check(a, "Bearer ci-token-0123456789", &name), AUTH_DEPLOY);
	assert_string_equal(name, "ci");
	assert_int_equal(auth_check(a, "Bearer ro-token-0123456789ab", &name), AUTH_READ);
	assert_string_equal(name, "ro");
	assert_int_equal(auth_check(a, "Bearer ci-token-012345678", &name), AUTH_NONE);
	assert_null(name);
	assert_int_equal(auth_check(a, "Basic Y2k6eA==", &name), AUTH_NONE);
	assert_int_equal(auth_check(a, NULL, &name), AUTH_NONE);
	auth_free(a);
	chmod(p, 0644);
	assert_int_not_equal(auth_load(p, false, NULL, &a, &err), 0);
	assert_non_null(strstr(tops_err_msg(&err), "readable by others"));
	tops_err_clear(&err);
	unlink(p), free(p);
	p = tmpfile_with("ci admin ci-token-0123456789\n", 0600);
	assert_int_not_equal(auth_load(p, false, NULL, &a, &err), 0);
	assert_non_null(strstr(tops_err_msg(&err), ":1: expected"));
	tops_err_clear(&err);
	unlink(p), free(p);
	p = tmpfile_with("ci deploy short\n", 0600);
	assert_int_not_equal(auth_load(p, false, NULL, &a, &err), 0);
	assert_non_null(strstr(tops_err_msg(&err), "shorter than 16"));
	tops_err_clear(&err);
	unlink(p), free(p);
}

static void test_auth_create(void **st)
{
	char dir[] = "/tmp/test_serve_cfg.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *p = xasprintf("%s/tops/serve-tokens", dir);
	struct auth *a;
	bool created;
	struct tops_err err = {0};
	assert_int_equal(auth_load(p, true, &created, &a, &err), 0);
	assert_true(created);
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	auth_free(a);
	assert_int_equal(auth_load(p, true, &created, &a, &err), 0);
	assert_false(created); /* the second start reads it */
	auth_free(a);
	unlink(p);
	char *d = xasprintf("%s/tops", dir);
	rmdir(d), rmdir(dir);
	free(d), free(p);
}

static void test_limit(void **st)
{
	struct limit *l = limit_new(2, 3);
	int retry = 0;
	for (int i = 0; i < 3; i++)
		assert_true(limit_take(l, "10.0.0.1", 1000, &retry));
	assert_false(limit_take(l, "10.0.0.1", 1000, &retry));
	assert_int_equal(retry, 1);
	assert_true(limit_take(l, "10.0.0.2", 1000, &retry)); /* another client has its own */
	assert_true(limit_take(l, "10.0.0.1", 1600, &retry)); /* 0.6 s: one token back */
	assert_false(limit_take(l, "10.0.0.1", 1600, &retry));
	limit_free(l);
	l = limit_new(0, 1);
	for (int i = 0; i < 100; i++)
		assert_true(limit_take(l, "x", 0, &retry));
	limit_free(l);
}

static void test_chartsrc(void **st)
{
	char dir[] = "/tmp/test_serve_root.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *root = realpath(dir, NULL), *chart = xasprintf("%s/c", root), *link = xasprintf("%s/out", root);
	assert_int_equal(mkdir(chart, 0700), 0);
	assert_int_equal(symlink("/etc", link), 0);
	char *out;
	struct tops_err err = {0};
	assert_int_equal(chartsrc_resolve(root, "c", &out, &err), 0);
	assert_string_equal(out, chart);
	free(out);
	assert_int_equal(chartsrc_resolve(root, "c/../c", &out, &err), -TOPS_EINVAL);
	tops_err_clear(&err);
	assert_int_equal(chartsrc_resolve(root, "/etc", &out, &err), -TOPS_EINVAL);
	tops_err_clear(&err);
	assert_int_equal(chartsrc_resolve(root, "out", &out, &err), -TOPS_EINVAL);
	assert_non_null(strstr(tops_err_msg(&err), "outside the chart root"));
	tops_err_clear(&err);
	assert_int_equal(chartsrc_resolve(root, "nosuch", &out, &err), -TOPS_ENOENT);
	tops_err_clear(&err);
	assert_int_equal(chartsrc_resolve(root, "..x", &out, &err), -TOPS_ENOENT); /* a name, not .. */
	tops_err_clear(&err);
	char *tmpdir;
	assert_int_equal(chartsrc_upload("plain", 5, &out, &tmpdir, &err), -TOPS_EINVAL);
	tops_err_clear(&err);
	assert_int_equal(chartsrc_upload("\x1f\x8b\x08", 3, &out, &tmpdir, &err), 0);
	struct stat sb;
	assert_int_equal(stat(out, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	unlink(out), rmdir(tmpdir), free(out), free(tmpdir);
	unlink(link), rmdir(chart), rmdir(root);
	free(root), free(chart), free(link);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req_basic), cmocka_unit_test(test_req_pipelined_and_split),
		cmocka_unit_test(test_req_limits), cmocka_unit_test(test_body),
		cmocka_unit_test(test_auth), cmocka_unit_test(test_auth_create),
		cmocka_unit_test(test_limit), cmocka_unit_test(test_chartsrc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
