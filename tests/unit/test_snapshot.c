/* Unit tests for core/snapshot's record: label slugs and IDs, gzip JSON encoding and its
 * 1 MiB refusal, the ConfigMap (labels, binaryData) and back, records that are not records,
 * flattened values with Secret-like values masked, sha256sum output, queries files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/base64.h"
#include "core/base/gzip.h"
#include "core/snapshot/snapgolden.h"
#include "core/snapshot/snapmetrics.h"
#include "core/snapshot/snaprecord.h"
#include "core/snapshot/snapshot.h"

static struct value *json(const char *s)
{
	struct tops_err err = {0};
	struct value *v = value_from_json(s, strlen(s), &err);
	assert_non_null(v);
	return v;
}

static struct value *small_record(void)
{
	return json("{\"apiVersion\":\"tops.snapshot/v1\",\"id\":\"testops-3-golden-20261208-010203\","
		    "\"label\":\"golden\",\"takenAt\":\"2026-12-08T01:02:03Z\","
		    "\"release\":{\"name\":\"testops\",\"namespace\":\"testops\",\"revision\":3},"
		    "\"workloads\":[{\"ref\":\"deployment/testops-runner\",\"desired\":2}]}");
}

static void test_slug_and_id(void **state)
{
	(void)state;
	char *s = snaprecord_label_slug("Before Upgrade! (v2)");
	assert_string_equal(s, "before-upgrade-v2");
	free(s);
	s = snaprecord_label_slug("!!!");
	assert_string_equal(s, "snapshot");
	free(s);
	s = snaprecord_label_slug("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(strlen(s), 40);
	free(s);
	char *id = snaprecord_id("testops", 7, "pre", 1796698923);   /* 2026-12-08T03:02:03Z */
	assert_string_equal(id, "testops-7-pre-20261208-030203");
	free(id);
}

static void test_encode_round_trip(void **state)
{
	(void)state;
	struct value *rec = small_record(), *back = NULL;
	struct strbuf gz = STRBUF_INIT;
	struct tops_err err = {0};
	assert_int_equal(snaprecord_encode(rec, &gz, &err), 0);
	assert_true(gzip_is(gz.buf, gz.len));
	assert_int_equal(snaprecord_decode(gz.buf, gz.len, &back, &err), 0);
	assert_true(value_equal(rec, back));
	value_unref(back);
	/* plain JSON is read too (an export file) */
	char *j = value_to_json(rec, false, false);
	assert_int_equal(snaprecord_decode(j, strlen(j), &back, &err), 0);
	assert_true(value_equal(rec, back));
	free(j);
	value_unref(back);
	/* a truncated gzip is named as such and gives nothing */
	assert_true(snaprecord_decode(gz.buf, gz.len - 5, &back, &err) < 0);
	assert_null(back);
	assert_non_null(strstr(tops_err_msg(&err), "gzip"));
	tops_err_clear(&err);
	sb_done(&gz);
	value_unref(rec);
}

/* Random bytes do not compress: 1.6 MB of them as letters and digits is over 1 MiB after gzip. */
static void test_too_big(void **state)
{
	(void)state;
	struct value *rec = small_record();
	size_t n = 1600000;
	char *blob = malloc(n + 1);
	unsigned x = 12345;
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		blob[i] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"[(x >> 16) % 62];
	}
	blob[n] = 0;
	value_map_set(rec, "metrics", json("{}"));
	value_map_set(value_map_get(rec, "metrics"), "blob", value_str(blob));
	free(blob);
	struct strbuf gz = STRBUF_INIT;
	struct tops_err err = {0};
	assert_int_equal(snaprecord_encode(rec, &gz, &err), -TOPS_ETOOBIG);
	assert_int_equal(gz.len, 0);
	const char *m = tops_err_msg(&err);
	assert_non_null(strstr(m, "1048576 bytes (1 MiB)"));
	assert_non_null(strstr(m, "largest parts: metrics"));
	tops_err_clear(&err);
	assert_null(snaprecord_to_configmap(rec, &err));
	assert_int_equal(err.code, TOPS_ETOOBIG);
	tops_err_clear(&err);
	sb_done(&gz);
	value_unref(rec);
}

static void test_configmap(void **state)
{
	(void)state;
	struct value *rec = small_record(), *back = NULL;
	struct tops_err err = {0};
	struct value *cm = snaprecord_to_configmap(rec, &err);
	assert_non_null(cm);
	assert_string_equal(snaprecord_str(cm, "kind", ""), "ConfigMap");
	assert_string_equal(snaprecord_str(cm, "metadata.name", ""), "testops-3-golden-20261208-010203");
	assert_string_equal(snaprecord_str(cm, "metadata.namespace", ""), "testops");
	const struct value *l = value_map_path(cm, "metadata.labels");
	assert_string_equal(snaprecord_str(l, "owner", ""), "tops");
	assert_string_equal(snaprecord_str(l, "tops-kind", ""), "snapshot");
	assert_string_equal(snaprecord_str(l, "release", ""), "testops");
	assert_string_equal(snaprecord_str(l, "revision", ""), "3");
	assert_string_equal(snaprecord_str(l, "label", ""), "golden");
	/* binaryData is base64 of gzip */
	const struct value *bd = value_map_get(value_map_get(cm, "binaryData"), SNAPSHOT_DATA_KEY);
	char *raw = NULL;
	size_t n = 0;
	assert_int_equal(base64_decode(bd->u.str.s, bd->u.str.len, &raw, &n), 0);
	assert_true(gzip_is(raw, n));
	free(raw);
	assert_int_equal(snaprecord_from_configmap(cm, &back, &err), 0);
	assert_true(value_equal(rec, back));
	value_unref(back);
	value_map_del(cm, "binaryData");
	assert_true(snaprecord_from_configmap(cm, &back, &err) < 0);
	assert_non_null(strstr(tops_err_msg(&err), "no binaryData"));
	tops_err_clear(&err);
	value_unref(cm);
	value_unref(rec);
}

static void test_check(void **state)
{
	(void)state;
	static const struct { const char *json, *words; } bad[] = {
		{"[1]", "not a JSON object"},
		{"{\"apiVersion\":\"v1\"}", "apiVersion is \"v1\""},
		{"{\"apiVersion\":\"tops.snapshot/v1\",\"label\":\"x\"}", "no field id"},
		{"{\"apiVersion\":\"tops.snapshot/v1\",\"id\":\"a\",\"label\":\"x\",\"release\":{\"name\":\"r\",\"namespace\":\"n\"}}",
		 "release.revision"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct tops_err err = {0};
		struct value *v = json(bad[i].json);
		assert_int_equal(snaprecord_check(v, &err), -TOPS_EINVAL);
		assert_non_null(strstr(tops_err_msg(&err), bad[i].words));
		tops_err_clear(&err);
		value_unref(v);
	}
	struct value *ok = small_record();
	assert_int_equal(snaprecord_check(ok, NULL), 0);
	value_unref(ok);
}

static void test_flat_values(void **state)
{
	(void)state;
	struct value *v = json("{\"runner\":{\"replicas\":2,\"image\":{\"digest\":\"sha256:aa\"},\"extraEnv\":[1,2]},"
			       "\"secrets\":{\"apiToken\":\"hunter2\",\"dbPassword\":\"\"},"
			       "\"objectStorage\":{\"accessKey\":\"AKIA\",\"keys\":\"visible\"},\"empty\":{}}");
	struct value *f = snapshot_flat_values(v);
	assert_string_equal(value_map_get(f, "runner.replicas")->u.str.s, "2");
	assert_string_equal(value_map_get(f, "runner.image.digest")->u.str.s, "sha256:aa");
	assert_string_equal(value_map_get(f, "runner.extraEnv")->u.str.s, "[1,2]");
	const char *tok = value_map_get(f, "secrets.apiToken")->u.str.s;
	assert_true(strncmp(tok, "<secret sha256:", 15) == 0);
	assert_null(strstr(tok, "hunter2"));
	assert_string_equal(value_map_get(f, "secrets.dbPassword")->u.str.s, "");
	assert_true(strncmp(value_map_get(f, "objectStorage.accessKey")->u.str.s, "<secret", 7) == 0);
	assert_string_equal(value_map_get(f, "objectStorage.keys")->u.str.s, "visible");
	assert_string_equal(value_map_get(f, "empty")->u.str.s, "{}");
	/* the same secret gives the same mask, another one another */
	struct value *v2 = json("{\"secrets\":{\"apiToken\":\"hunter3\"}}"), *f2 = snapshot_flat_values(v2);
	assert_string_not_equal(value_map_get(f2, "secrets.apiToken")->u.str.s, tok);
	value_unref(f2), value_unref(v2), value_unref(f), value_unref(v);
}

static void test_sums(void **state)
{
	(void)state;
	const char *out =
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  /data/snapshots/golden/a.json\n"
		"not a sum line\n"
		"5f1c000000000000000000000000000000000000000000000000000000000001 */data/snapshots/golden/b bin\n";
	struct value *l = snapgolden_parse_sums(out);
	assert_int_equal(l->u.list.len, 2);
	assert_string_equal(snaprecord_str(l->u.list.items[0], "path", ""), "/data/snapshots/golden/a.json");
	assert_string_equal(snaprecord_str(l->u.list.items[1], "path", ""), "/data/snapshots/golden/b bin");
	assert_string_equal(snaprecord_str(l->u.list.items[1], "sha256", ""),
			    "5f1c000000000000000000000000000000000000000000000000000000000001");
	value_unref(l);
}

static char *write_tmp(const char *text)
{
	char *p = strdup("/tmp/test_snapshot_qXXXXXX");
	int fd = mkstemp(p);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return p;
}

static void test_queries(void **state)
{
	(void)state;
	char *p = write_tmp("queries:\n  - name: p99\n    query: histogram_quantile(0.99, x)\n    threshold: 5%\n"
			    "  - name: rps\n    query: sum(rate(y[1m]))\n    worse: down\n");
	struct value *q = NULL;
	struct tops_err err = {0};
	assert_int_equal(snapshot_queries_load(p, &q, &err), 0);
	assert_int_equal(q->u.list.len, 2);
	assert_string_equal(snaprecord_str(q->u.list.items[0], "worse", ""), "up");
	assert_true(snaprecord_num(q->u.list.items[0], "threshold") > 0.0499 &&
		    snaprecord_num(q->u.list.items[0], "threshold") < 0.0501);
	assert_string_equal(snaprecord_str(q->u.list.items[1], "worse", ""), "down");
	value_unref(q);
	unlink(p), free(p);
	static const struct { const char *text, *words; } bad[] = {
		{"- name: a\n", ":1:3: query 1 has no `query`"},
		{"- name: a\n  query: x\n- query: y\n", ":3:3: query 2 has no `name`"},
		{"- name: a\n  query: x\n  worse: sideways\n", ":3:10: query 1 has `worse`"},
		{"- name: a\n  query: x\n  threshold: lots\n", ":3:14: query 1 has a `threshold`"},
		{"name: a\n", ":1:1: expected a list"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p = write_tmp(bad[i].text);
		assert_true(snapshot_queries_load(p, &q, &err) < 0);
		assert_null(q);
		if (!strstr(tops_err_msg(&err), bad[i].words))
			fail_msg("%s: got %s", bad[i].words, tops_err_msg(&err));
		tops_err_clear(&err);
		unlink(p), free(p);
	}
}

static void test_names_regex(void **state)
{
	(void)state;
	struct value *n = json("[\"testops-runner-abc\",\"a.b\"]");
	char *re = snapmetrics_names_regex(n);
	assert_string_equal(re, "testops-runner-abc|a\\\\.b");
	free(re);
	value_unref(n);
	n = json("[]");
	re = snapmetrics_names_regex(n);
	assert_string_equal(re, "^$");
	free(re);
	value_unref(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slug_and_id),
		cmocka_unit_test(test_encode_round_trip),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_configmap),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_flat_values),
		cmocka_unit_test(test_sums),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_names_regex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
