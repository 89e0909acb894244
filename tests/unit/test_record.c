/* Unit tests for core/release/record: helm v3 release records. Round trip; the exact JSON Go's
 * encoding/json writes for helm's structs; records from a second encoder (a fixture made with
 * python, tests/unit/fixtures/helm_v3_record.py, and one python makes at test time); tops'
 * record read by python's decoder against helm's JSON tags; helm's Secret and ConfigMap; corrupt
 * records named by layer; the 1 MiB limit; gzip itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/base/base64.h"
#include "core/base/gzip.h"
#include "core/release/obj.h"
#include "core/release/record.h"

static char **strv(const char *a, const char *b, size_t *n)
{
	char **v = calloc(3, sizeof *v);
	v[0] = strdup(a);
	if (b)
		v[1] = strdup(b);
	*n = b ? 2 : 1;
	return v;
}

static struct value *json_value(const char *s)
{
	struct tops_err err = {0};
	struct value *v = value_from_json(s, strlen(s), &err);
	if (!v)
		fail_msg("bad test JSON: %s", tops_err_msg(&err));
	return v;
}

static struct release *sample(void)
{
	struct release *r = calloc(1, sizeof *r);
	r->name = strdup("testops");
	r->namespace_ = strdup("prod");
	r->version = 3;
	r->info.first_deployed = (struct release_time){1700000000, 123456789, 0};
	r->info.last_deployed = (struct release_time){1700000100, 500000000, 3600};
	r->info.deleted = (struct release_time){1700000200, 7, -12600};
	r->info.description = strdup("Upgrade complete");
	r->info.notes = strdup("Thanks <for> & installing");
	r->info.status = RS_DEPLOYED;
	r->chart = json_value("{\"metadata\":{\"name\":\"testops\",\"version\":\"2.5.3\",\"apiVersion\":\"v2\"},"
			      "\"lock\":null,\"templates\":[{\"name\":\"templates/a.yaml\",\"data\":\"a2luZDogQQ==\"}],"
			      "\"values\":{\"x\":1},\"schema\":null,\"files\":[]}");
	r->config = json_value("{\"runner\":{\"replicas\":3}}");
	r->labels = json_value("{\"team\":\"infra\"}");
	r->manifest = strdup("---\n# Source: testops/templates/a.yaml\nkind: A\n");
	r->nhooks = 2;
	r->hooks = calloc(3, sizeof *r->hooks);
	struct release_hook *h = &r->hooks[0];
	h->name = strdup("db-migrate"), h->kind = strdup("Job"), h->path = strdup("testops/templates/job.yaml");
	h->manifest = strdup("kind: Job\n");
	h->events = strv("pre-install", "pre-upgrade", &h->nevents);
	h->delete_policies = strv("hook-succeeded", NULL, &h->ndelete);
	h->output_log_policies = strv("hook-failed", NULL, &h->noutput_log);
	h->weight = -5, h->last_phase = strdup("Succeeded");
	h->started_at = (struct release_time){1700000050, 1000, 0};
	h->completed_at = (struct release_time){1700000060, 0, 0};
	h = &r->hooks[1];
	h->name = strdup("smoke"), h->kind = strdup("Pod");
	h->events = strv("test", NULL, &h->nevents);
	return r;
}

static void same_time(const struct release_time *a, const struct release_time *b)
{
	assert_int_equal(a->sec, b->sec);
	assert_int_equal(a->nsec, b->nsec);
	assert_int_equal(a->off, b->off);
}

static void same_str(const char *a, const char *b)
{
	assert_string_equal(a ? a : "", b ? b : "");
}

static void same_strv(char *const *a, size_t na, char *const *b, size_t nb)
{
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_string_equal(a[i], b[i]);
}

static void same_hook(const struct release_hook *a, const struct release_hook *b)
{
	same_str(a->name, b->name), same_str(a->kind, b->kind), same_str(a->path, b->path);
	same_str(a->manifest, b->manifest), same_str(a->last_phase, b->last_phase);
	same_strv(a->events, a->nevents, b->events, b->nevents);
	same_strv(a->delete_policies, a->ndelete, b->delete_policies, b->ndelete);
	same_strv(a->output_log_policies, a->noutput_log, b->output_log_policies, b->noutput_log);
	assert_int_equal(a->weight, b->weight);
	same_time(&a->started_at, &b->started_at);
	same_time(&a->completed_at, &b->completed_at);
}

/* Every field but labels, which live on the storage object. */
static void same_release(const struct release *a, const struct release *b)
{
	same_str(a->name, b->name), same_str(a->namespace_, b->namespace_);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->info.status, b->info.status);
	same_str(a->info.description, b->info.description), same_str(a->info.notes, b->info.notes);
	same_time(&a->info.first_deployed, &b->info.first_deployed);
	same_time(&a->info.last_deployed, &b->info.last_deployed);
	same_time(&a->info.deleted, &b->info.deleted);
	same_str(a->manifest, b->manifest);
	assert_true(value_equal_json(a->chart, b->chart));
	assert_true(value_equal_json(a->config, b->config));
	assert_int_equal(a->nhooks, b->nhooks);
	for (size_t i = 0; i < a->nhooks; i++)
		same_hook(&a->hooks[i], &b->hooks[i]);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct release *r = sample(), *back = NULL;
	struct tops_err err = {0};
	char *enc = release_encode(r);
	assert_int_equal(release_decode(enc, strlen(enc), &back, &err), 0);
	same_release(r, back);
	assert_null(back->labels); /* not part of the JSON */
	/* encoding what was read gives the same text */
	char *again = release_encode(back), *j1 = release_to_json(r), *j2 = release_to_json(back);
	assert_string_equal(j1, j2);
	free(again), free(j1), free(j2), free(enc);
	/* a copy is equal and owns its memory */
	struct release *c = release_copy(r);
	release_free(r);
	same_release(c, back);
	assert_string_equal(obj_str(c->labels, "team"), "infra");
	release_free(back);
	release_free(c);
}

static void test_json_exact(void **state)
{
	(void)state;
	struct release *r = sample();
	char *json = release_to_json(r);
	/* Go's order and omitempty: Release, Info, Hook, HookExecution, Chart, Metadata fields */
	const char *want =
		"{\"name\":\"testops\",\"info\":{\"first_deployed\":\"2023-11-14T22:13:20.123456789Z\","
		"\"last_deployed\":\"2023-11-14T23:15:00.5+01:00\",\"deleted\":\"2023-11-14T18:46:40.000000007-03:30\","
		"\"description\":\"Upgrade complete\",\"status\":\"deployed\","
		"\"notes\":\"Thanks \\u003cfor\\u003e \\u0026 installing\"},"
		"\"chart\":{\"metadata\":{\"name\":\"testops\",\"version\":\"2.5.3\",\"apiVersion\":\"v2\"},"
		"\"lock\":null,\"templates\":[{\"name\":\"templates/a.yaml\",\"data\":\"a2luZDogQQ==\"}],"
		"\"values\":{\"x\":1},\"schema\":null,\"files\":[]},"
		"\"config\":{\"runner\":{\"replicas\":3}},"
		"\"manifest\":\"---\\n# Source: testops/templates/a.yaml\\nkind: A\\n\","
		"\"hooks\":[{\"name\":\"db-migrate\",\"kind\":\"Job\",\"path\":\"testops/templates/job.yaml\","
		"\"manifest\":\"kind: Job\\n\",\"events\":[\"pre-install\",\"pre-upgrade\"],"
		"\"last_run\":{\"started_at\":\"2023-11-14T22:14:10.000001Z\",\"completed_at\":\"2023-11-14T22:14:20Z\","
		"\"phase\":\"Succeeded\"},\"weight\":-5,\"delete_policies\":[\"hook-succeeded\"],"
		"\"output_log_policies\":[\"hook-failed\"]},"
		"{\"name\":\"smoke\",\"kind\":\"Pod\",\"events\":[\"test\"],"
		"\"last_run\":{\"started_at\":\"\",\"completed_at\":\"\",\"phase\":\"\"}}],"
		"\"version\":3,\"namespace\":\"prod\"}";
	assert_string_equal(json, want);
	free(json);
	/* an empty record: helm v3 writes the zero times as "", always writes deleted and status */
	struct release empty = {0};
	json = release_to_json(&empty);
	assert_string_equal(json, "{\"info\":{\"first_deployed\":\"\",\"last_deployed\":\"\",\"deleted\":\"\","
				  "\"status\":\"unknown\"}}");
	free(json);
	/* invalid UTF-8 is written as U+FFFD, one per bad byte, as Go does; U+2028 escaped */
	free(r->manifest);
	r->manifest = strdup("a\xff\xfe" "b\xe2\x80\xa8" "c\xed\xa0\x80" "d\xc0\xaf" "e\xe2\x82" "\x7f\x01\xe2\x80\xa9\xf0\x9f\x99\x82");
	json = release_to_json(r);
	/* a surrogate (3 bytes) and an overlong "/" (2) are one U+FFFD per byte, a cut sequence too */
#define FFFD "\xef\xbf\xbd"
	assert_non_null(strstr(json, "\"manifest\":\"a" FFFD FFFD "b\\u2028c" FFFD FFFD FFFD "d" FFFD FFFD
				     "e" FFFD FFFD "\x7f\\u0001\\u2029\xf0\x9f\x99\x82\""));
#undef FFFD
	free(json);
	release_free(r);
}

static char *fixture(const char *name, size_t *len)
{
	const char *root = getenv("TOPS_ROOT");
	char *path = xasprintf("%s/tests/unit/fixtures/%s", root ? root : ".", name);
	char *text = NULL;
	struct tops_err err = {0};
	if (read_file(path, 0, &text, len, &err) < 0)
		fail_msg("%s", tops_err_msg(&err));
	free(path);
	return text;
}

/* helm_v3_record.b64 was written by python (see helm_v3_record.py): decode it field for field,
 * and write it back byte for byte as the JSON the same script wrote as Go would. */
static void test_fixture_from_second_encoder(void **state)
{
	(void)state;
	size_t blen = 0, jlen = 0;
	char *b64 = fixture("helm_v3_record.b64", &blen), *gojson = fixture("helm_v3_record.json", &jlen);
	struct release *r = NULL;
	struct tops_err err = {0};
	assert_int_equal(release_decode(b64, blen, &r, &err), 0);
	assert_string_equal(r->name, "web");
	assert_string_equal(r->namespace_, "prod");
	assert_int_equal(r->version, 2);
	assert_int_equal(r->info.status, RS_DEPLOYED);
	same_time(&r->info.first_deployed, &(struct release_time){1709283600, 123456789, 3600});
	same_time(&r->info.last_deployed, &(struct release_time){1709375400, 500000000, 3600});
	same_time(&r->info.deleted, &(struct release_time){0, 0, 0});
	assert_string_equal(r->info.description, "Upgrade complete");
	assert_string_equal(r->info.notes, "Visit http://web.<ns>.svc & enjoy \xe2\x80\xa8 h\xc3\xa9llo \xe2\x9c\x93\n");
	assert_string_equal(obj_str(r->chart, "metadata.appVersion"), "4.5.6");
	assert_string_equal(obj_str(r->chart, "lock.digest"), "sha256:0123abcd");
	assert_int_equal(obj_int(r->config, "replicas", 0), 3);
	assert_non_null(strstr(r->manifest, "kind: Deployment"));
	assert_int_equal(r->nhooks, 2);
	assert_string_equal(r->hooks[0].events[1], "pre-upgrade");
	assert_int_equal(r->hooks[0].weight, -5);
	assert_string_equal(r->hooks[0].delete_policies[0], "before-hook-creation");
	assert_string_equal(r->hooks[0].last_phase, "Succeeded");
	same_time(&r->hooks[0].started_at, &(struct release_time){1709375398, 1, 3600});
	same_time(&r->hooks[0].completed_at, &(struct release_time){1709375399, 750000000, 3600});
	same_time(&r->hooks[1].started_at, &(struct release_time){0, 0, 0});
	assert_string_equal(r->hooks[1].last_phase, "");
	char *json = release_to_json(r);
	assert_string_equal(json, gojson);
	free(json), free(b64), free(gojson);
	release_free(r);
}

/* Runs python3 on a script with input on stdin; its stdout (and stderr) in *out. -1 when python3
 * is not there or failed. */
static int python(const char *script, const char *input, char **out)
{
	char in_path[] = "/tmp/test_record_inXXXXXX", py_path[] = "/tmp/test_record_pyXXXXXX";
	int fd = mkstemp(in_path), pd = mkstemp(py_path);
	*out = NULL;
	if (fd < 0 || pd < 0)
		return -1;
	bool ok = write(fd, input, strlen(input)) == (ssize_t)strlen(input) &&
		  write(pd, script, strlen(script)) == (ssize_t)strlen(script);
	close(fd), close(pd);
	char *cmd = xasprintf("python3 %s < %s 2>&1", py_path, in_path);
	FILE *p = ok ? popen(cmd, "r") : NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while (p && (n = fread(buf, 1, sizeof buf, p)) > 0)
		sb_add(&sb, buf, n);
	int st = p ? pclose(p) : -1;
	unlink(in_path), unlink(py_path);
	free(cmd);
	*out = sb_detach(&sb, NULL);
	return st == 0 ? 0 : -1;
}

static bool have_python(void)
{
	return system("python3 -c 'import gzip, json, base64' >/dev/null 2>&1") == 0;
}

/* A record as a newer or older writer may leave it: unknown fields, nulls, Go's zero time
 * spelled out (helm v4, stdlib time.Time), several gzip members. */
static const char *const py_encode =
	"import base64, gzip, json\n"
	"r = {'name': 'web', 'info': {'first_deployed': '2024-01-02T03:04:05.000000006Z',\n"
	" 'last_deployed': '2024-01-02T03:04:05.5-07:00', 'deleted': '0001-01-01T00:00:00Z',\n"
	" 'description': 'Install complete', 'status': 'superseded', 'notes': None, 'future_field': 1},\n"
	" 'chart': {'metadata': {'name': 'web', 'version': '0.1.0'}, 'lock': None, 'templates': [],\n"
	" 'values': None, 'schema': None, 'files': []}, 'apply_method': 'ssa',\n"
	" 'config': {'a': 'b'}, 'manifest': '---\\n# Source: web/templates/x.yaml\\nkind: X\\n',\n"
	" 'hooks': [None, {'name': 'h', 'kind': 'Pod', 'path': 'p', 'manifest': 'm', 'events': ['test'],\n"
	" 'last_run': {'started_at': None, 'phase': ''}}], 'version': 7, 'namespace': 'ns'}\n"
	"b = json.dumps(r).encode()\n"
	"gz = gzip.compress(b[:40], 9) + gzip.compress(b[40:], 9)\n"
	"print(base64.b64encode(gz).decode())\n";

static void test_second_encoder_at_test_time(void **state)
{
	(void)state;
	char *text = NULL;
	if (!have_python()) {
		print_message("SKIP: python3 is missing\n");
		skip();
	}
	assert_int_equal(python(py_encode, "", &text), 0);
	struct release *r = NULL;
	struct tops_err err = {0};
	if (release_decode(text, strlen(text), &r, &err) < 0)
		fail_msg("%s", tops_err_msg(&err));
	assert_string_equal(r->name, "web");
	assert_int_equal(r->version, 7);
	assert_int_equal(r->info.status, RS_SUPERSEDED);
	same_time(&r->info.first_deployed, &(struct release_time){1704164645, 6, 0});
	same_time(&r->info.last_deployed, &(struct release_time){1704189845, 500000000, -7 * 3600});
	same_time(&r->info.deleted, &(struct release_time){0, 0, 0});
	assert_null(r->info.notes);
	assert_string_equal(obj_str(r->config, "a"), "b");
	assert_int_equal(r->nhooks, 1); /* the null hook is skipped */
	assert_string_equal(r->hooks[0].events[0], "test");
	assert_string_equal(r->hooks[0].path, "p");
	release_free(r);
	free(text);
}

/* helm's Go struct JSON tags, per object: a record tops writes has these and no other, with
 * helm's types, gzip'd with Go's header (no name, mtime 0, XFL 2 for best compression, OS 255). */
static const char *const py_check =
	"import base64, gzip, json, sys\n"
	"raw = base64.b64decode(sys.stdin.read(), validate=True)\n"
	"assert raw[:4] == b'\\x1f\\x8b\\x08\\x00' and raw[4:8] == b'\\0\\0\\0\\0' and raw[8:10] == b'\\x02\\xff', raw[:10]\n"
	"r = json.loads(gzip.decompress(raw))\n"
	"tags = {'release': {'name','info','chart','config','manifest','hooks','version','namespace'},\n"
	" 'info': {'first_deployed','last_deployed','deleted','description','status','notes','resources'},\n"
	" 'hook': {'name','kind','path','manifest','events','last_run','weight','delete_policies','output_log_policies'},\n"
	" 'last_run': {'started_at','completed_at','phase'},\n"
	" 'chart': {'metadata','lock','templates','values','schema','files'}, 'file': {'name','data'}}\n"
	"bad = (set(r) - tags['release']) | (set(r['info']) - tags['info']) | (set(r['chart']) - tags['chart'])\n"
	"for h in r['hooks']:\n"
	"    bad |= (set(h) - tags['hook']) | (set(h['last_run']) - tags['last_run'])\n"
	"for f in r['chart']['templates'] + r['chart']['files']:\n"
	"    bad |= set(f) - tags['file']\n"
	"assert isinstance(r['version'], int) and isinstance(r['hooks'][0]['weight'], int)\n"
	"assert all(isinstance(v, str) for v in r['info'].values())\n"
	"assert base64.b64decode(r['chart']['templates'][0]['data']) == b'kind: A'\n"
	"print(sorted(bad), list(r)[:3], r['info']['status'], r['info']['deleted'],\n"
	"      r['hooks'][1]['last_run'], r['hooks'][0]['delete_policies'][0], r['config']['runner']['replicas'])\n";

static void test_read_by_second_decoder(void **state)
{
	(void)state;
	if (!have_python()) {
		print_message("SKIP: python3 is missing\n");
		skip();
	}
	struct release *r = sample();
	char *enc = release_encode(r), *out = NULL;
	int rc = python(py_check, enc, &out);
	if (rc < 0)
		fail_msg("python: %s", out);
	assert_string_equal(out, "[] ['name', 'info', 'chart'] deployed 2023-11-14T18:46:40.000000007-03:30 "
				 "{'started_at': '', 'completed_at': '', 'phase': ''} hook-succeeded 3\n");
	free(out), free(enc);
	release_free(r);
}

static int64_t fixed_now(void)
{
	return 1700000999;
}

static void test_storage_objects(void **state)
{
	(void)state;
	struct release *r = sample(), *back = NULL;
	struct tops_err err = {0};
	int64_t (*saved)(void) = now_wall_hook;
	now_wall_hook = fixed_now;
	value_map_set(r->labels, "owner", value_str("mallory")); /* helm's own labels win */
	struct value *s = release_to_secret(r, true);
	assert_string_equal(obj_str(s, "apiVersion"), "v1");
	assert_string_equal(obj_str(s, "kind"), "Secret");
	assert_string_equal(obj_str(s, "metadata.name"), "sh.helm.release.v1.testops.v3");
	assert_string_equal(obj_str(s, "metadata.namespace"), "prod");
	assert_string_equal(obj_str(s, "type"), "helm.sh/release.v1");
	const struct value *labels = value_map_path(s, "metadata.labels");
	assert_int_equal(labels->u.map.len, 6);
	assert_string_equal(obj_str(labels, "name"), "testops");
	assert_string_equal(obj_str(labels, "owner"), "helm");
	assert_string_equal(obj_str(labels, "status"), "deployed");
	assert_string_equal(obj_str(labels, "version"), "3");
	assert_string_equal(obj_str(labels, "createdAt"), "1700000999");
	assert_string_equal(obj_str(labels, "team"), "infra");
	assert_null(obj_str(labels, "modifiedAt"));
	/* the Secret's data is base64 of helm's encoded text */
	char *raw = NULL, *enc = release_encode(r);
	size_t len = 0;
	const char *data = obj_str(s, "data.release");
	assert_int_equal(base64_decode(data, strlen(data), &raw, &len), 0);
	assert_string_equal(raw, enc);
	assert_int_equal(release_from_object(s, &back, &err), 0);
	same_release(r, back);
	assert_string_equal(obj_str(back->labels, "team"), "infra");
	assert_null(obj_str(back->labels, "owner"));
	release_free(back);
	/* as a List's item (no kind): the type tells */
	value_map_del(s, "kind");
	assert_int_equal(release_from_object(s, &back, &err), 0);
	same_release(r, back);
	release_free(back);
	struct value *c = release_to_configmap(r, false);
	assert_string_equal(obj_str(c, "kind"), "ConfigMap");
	assert_null(obj_str(c, "type"));
	assert_string_equal(obj_str(c, "metadata.name"), "sh.helm.release.v1.testops.v3");
	assert_string_equal(obj_str(c, "data.release"), enc);
	assert_string_equal(obj_str(c, "metadata.labels.modifiedAt"), "1700000999");
	assert_null(obj_str(c, "metadata.labels.createdAt"));
	assert_int_equal(release_from_object(c, &back, &err), 0);
	same_release(r, back);
	release_free(back);
	value_map_del(c, "kind"); /* the data tells */
	assert_int_equal(release_from_object(c, &back, &err), 0);
	same_release(r, back);
	release_free(back);
	char *key = release_key("a", 12);
	assert_string_equal(key, "sh.helm.release.v1.a.v12");
	free(key), free(raw), free(enc);
	value_unref(s), value_unref(c);
	release_free(r);
	now_wall_hook = saved;
}

static void expect_error(const char *text, size_t len, const char *words)
{
	struct release *r = (struct release *)1;
	struct tops_err err = {0};
	assert_true(release_decode(text, len, &r, &err) < 0);
	assert_null(r);
	if (!strstr(tops_err_msg(&err), words))
		fail_msg("\"%s\" does not say \"%s\"", tops_err_msg(&err), words);
	tops_err_clear(&err);
}

/* base64 of gzip of s, through python-independent code: tops' own gzip. */
static char *gz64(const char *s, size_t cut, bool flip)
{
	struct strbuf gz = STRBUF_INIT, out = STRBUF_INIT;
	assert_int_equal(gzip_compress(s, strlen(s), &gz, NULL), 0);
	if (flip)
		gz.buf[gz.len - 6] ^= 1; /* the CRC-32 */
	base64_encode(&out, gz.buf, gz.len - cut);
	sb_done(&gz);
	return sb_detach(&out, NULL);
}

static void expect_json_error(const char *json, const char *words)
{
	char *t = gz64(json, 0, false);
	expect_error(t, strlen(t), words);
	free(t);
}

static void test_corrupt(void **state)
{
	(void)state;
	expect_error("!!!not base64!!!", 16, "base64:");
	expect_error("H4sIAAAAAAAA/wAAAP//", 20, "gzip:");                   /* header, cut short */
	char *t = gz64("{\"name\":\"x\"}", 4, false);                         /* the trailer cut off */
	expect_error(t, strlen(t), "gzip: the data ends before the compressed stream does");
	free(t);
	t = gz64("{\"name\":\"x\"}", 0, true);
	expect_error(t, strlen(t), "gzip: corrupt data (incorrect data check)");
	free(t);
	expect_error("H4sIAAAAAAAAAwAAAAAAAAAAAAAAAA==", 32, "gzip:");       /* empty member + junk */
	expect_error("eyJuYW1lIjo=", 12, "json:");                           /* {"name": */
	expect_error("WzFd", 4, "json: a release record is an object, not a list"); /* [1] */
	expect_error("", 0, "json:");
	expect_json_error("{\"name\":5}", "json: release field name is a number, not a string");
	expect_json_error("{\"version\":\"3\"}", "json: release field version is a string, not an integer");
	expect_json_error("{\"version\":2.5}", "json: release field version is a fractional number, not an integer");
	expect_json_error("{\"version\":99999999999}", "json: release field version is 99999999999, out of range");
	expect_json_error("{\"info\":{\"status\":1}}", "json: release field info.status is a number, not a string");
	expect_json_error("{\"info\":{\"deleted\":\"yesterday\"}}",
			  "json: release field info.deleted: \"yesterday\" is not an RFC 3339 time");
	expect_json_error("{\"info\":[]}", "json: release field info is a list, not an object");
	expect_json_error("{\"chart\":[]}", "json: release field chart is a list, not an object");
	expect_json_error("{\"config\":\"a=b\"}", "json: release field config is a string, not an object");
	expect_json_error("{\"hooks\":{}}", "json: release field hooks is an object, not a list");
	expect_json_error("{\"hooks\":[{},\"h\"]}", "json: release field hooks[1] is a string, not an object");
	expect_json_error("{\"hooks\":[{\"weight\":\"1\"}]}",
			  "json: release field hooks[0].weight is a string, not an integer");
	expect_json_error("{\"hooks\":[{\"events\":[\"test\",7]}]}",
			  "json: release field hooks[0].events[1] is a number, not a string");
	expect_json_error("{\"hooks\":[{\"last_run\":{\"started_at\":true}}]}",
			  "json: release field hooks[0].last_run.started_at is a boolean, not a string");
	/* a Secret without the data */
	struct value *s = json_value("{\"kind\":\"Secret\",\"data\":{}}");
	struct release *r = NULL;
	struct tops_err err = {0};
	assert_true(release_from_object(s, &r, &err) < 0);
	assert_string_equal(tops_err_msg(&err), "the object has no data.release string");
	tops_err_clear(&err);
	value_unref(s);
	s = json_value("{\"kind\":\"Secret\",\"data\":{\"release\":\"%%%\"}}");
	assert_true(release_from_object(s, &r, &err) < 0);
	assert_non_null(strstr(tops_err_msg(&err), "base64: data.release is not base64"));
	tops_err_clear(&err);
	value_unref(s);
}

/* Every single-bit change of an encoded record decodes or is refused with a layer's name; none
 * crashes (the unit tests run under ASan and UBSan). */
static void test_bit_flips(void **state)
{
	(void)state;
	struct release *r = sample();
	struct strbuf gz = STRBUF_INIT;
	char *json = release_to_json(r);
	assert_int_equal(gzip_compress(json, strlen(json), &gz, NULL), 0);
	size_t refused = 0;
	for (size_t i = 0; i < gz.len * 8; i += 3) {
		gz.buf[i / 8] ^= (char)(1 << (i % 8));
		struct strbuf b64 = STRBUF_INIT;
		base64_encode(&b64, gz.buf, gz.len);
		struct release *back = NULL;
		struct tops_err err = {0};
		if (release_decode(b64.buf, b64.len, &back, &err) < 0) {
			const char *m = tops_err_msg(&err);
			assert_true(str_has_prefix(m, "gzip: ") || str_has_prefix(m, "json"));
			refused++;
		}
		release_free(back);
		tops_err_clear(&err);
		sb_done(&b64);
		gz.buf[i / 8] ^= (char)(1 << (i % 8));
	}
	assert_true(refused > gz.len * 8 / 3 / 2); /* the CRC catches nearly all of them */
	sb_done(&gz);
	free(json);
	release_free(r);
}

static void test_gzip(void **state)
{
	(void)state;
	const char *text = "hello hello hello hello, gzip";
	struct strbuf gz = STRBUF_INIT;
	assert_int_equal(gzip_compress(text, strlen(text), &gz, NULL), 0);
	/* Go's header for BestCompression: no flags, mtime 0, XFL 2, OS unknown */
	static const unsigned char head[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255};
	assert_memory_equal(gz.buf, head, sizeof head);
	assert_true(gzip_is(gz.buf, gz.len));
	assert_false(gzip_is("{\"a\"", 4));
	char *out = NULL;
	size_t n = 0;
	struct tops_err err = {0};
	assert_int_equal(gzip_decompress(gz.buf, gz.len, 0, &out, &n, &err), 0);
	assert_int_equal(n, strlen(text));
	assert_string_equal(out, text);
	free(out);
	/* two members read as one stream, as Go's reader reads them */
	char *copy = malloc(gz.len);
	memcpy(copy, gz.buf, gz.len);
	sb_add(&gz, copy, gz.len);
	free(copy);
	assert_int_equal(gzip_decompress(gz.buf, gz.len, 0, &out, &n, &err), 0);
	assert_int_equal(n, 2 * strlen(text));
	free(out);
	/* the size cap */
	assert_int_equal(gzip_decompress(gz.buf, gz.len, 10, &out, &n, &err), -TOPS_ETOOBIG);
	assert_null(out);
	assert_non_null(strstr(tops_err_msg(&err), "over 10 bytes"));
	tops_err_clear(&err);
	assert_int_equal(gzip_decompress("ab", 2, 0, &out, &n, &err), -TOPS_EINVAL);
	assert_string_equal(tops_err_msg(&err), "gzip: 2 bytes are too short for a gzip header");
	assert_int_equal(gzip_decompress("abcd", 4, 0, &out, &n, &err), -TOPS_EINVAL);
	assert_string_equal(tops_err_msg(&err), "gzip: not gzip data (no 1f 8b 08 magic)");
	sb_add(&gz, "xyz", 3);
	assert_int_equal(gzip_decompress(gz.buf, gz.len, 0, &out, &n, &err), -TOPS_EINVAL);
	assert_string_equal(tops_err_msg(&err), "gzip: 3 bytes after the end of the compressed data are not another gzip member");
	tops_err_clear(&err);
	/* empty input compresses to a valid stream */
	sb_reset(&gz);
	assert_int_equal(gzip_compress("", 0, &gz, NULL), 0);
	assert_int_equal(gzip_decompress(gz.buf, gz.len, 0, &out, &n, &err), 0);
	assert_int_equal(n, 0);
	free(out);
	sb_done(&gz);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void test_size(void **state)
{
	(void)state;
	struct release *r = sample();
	struct tops_err err = {0};
	assert_int_equal(release_size_check(r, &err), 0);
	/* 1 MB of manifest that looks like one, for the time it takes (information only) */
	struct strbuf m = STRBUF_INIT;
	for (int i = 0; m.len < 1000000; i++)
		sb_addf(&m, "---\n# Source: big/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n"
			"metadata:\n  name: cm-%d\ndata:\n  key: value-%d-%x\n", i, i * 7, i * 2654435761u);
	free(r->manifest);
	r->manifest = sb_detach(&m, NULL);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *enc = release_encode(r);
	print_message("encoding a record with a 1 MB manifest: %.1f ms (%zu bytes encoded; this build "
		      "has ASan)\n", ms_since(&t0), strlen(enc));
	free(enc);
	assert_int_equal(release_size_check(r, &err), 0);
	/* 1.1 MiB of random text does not compress below 1 MiB */
	free(r->manifest);
	size_t big = 1153434;
	r->manifest = malloc(big + 1);
	srand(7);
	for (size_t i = 0; i < big; i++)
		r->manifest[i] = (char)('!' + rand() % 90);
	r->manifest[big] = 0;
	assert_int_equal(release_size_check(r, &err), -TOPS_ETOOBIG);
	const char *msg = tops_err_msg(&err);
	assert_true(str_has_prefix(msg, "release testops v3: the record would be "));
	assert_non_null(strstr(msg, "over the API's limit of 1048576 bytes"));
	assert_non_null(strstr(msg, "before compression: manifest 1153434 bytes, "));
	assert_non_null(strstr(msg, "the largest chart file is templates/a.yaml (7 bytes)"));
	assert_non_null(strstr(msg, ".helmignore"));
	tops_err_clear(&err);
	release_free(r);
}

static void test_statuses(void **state)
{
	(void)state;
	static const char *const names[] = {"unknown", "deployed", "uninstalled", "superseded", "failed",
		"uninstalling", "pending-install", "pending-upgrade", "pending-rollback"};
	for (int i = 0; i < 9; i++) {
		assert_string_equal(release_status_str((enum release_status)i), names[i]);
		assert_int_equal(release_status_parse(names[i]), i);
	}
	assert_string_equal(release_status_str((enum release_status)42), "unknown");
	assert_int_equal(release_status_parse("Deployed"), RS_UNKNOWN);
	assert_int_equal(release_status_parse(""), RS_UNKNOWN);
	assert_int_equal(release_status_parse(NULL), RS_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_json_exact),
		cmocka_unit_test(test_fixture_from_second_encoder),
		cmocka_unit_test(test_second_encoder_at_test_time),
		cmocka_unit_test(test_read_by_second_decoder),
		cmocka_unit_test(test_storage_objects),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
