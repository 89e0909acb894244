/* Unit tests for core/release/record: helm v3 release records — round trip, a record written by
 * a second encoder (python: helm's field names, gzip level 9, base64), tops' record read by that
 * decoder, helm's storage objects, corrupt records named by layer, the 1 MiB limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/base/base64.h"
#include "core/release/obj.h"
#include "core/release/record.h"

static struct release *sample(void)
{
	struct release *r = calloc(1, sizeof *r);
	r->name = strdup("testops");
	r->namespace_ = strdup("prod");
	r->version = 3;
	r->info.first_deployed = (struct release_time){1700000000, 123456789, 0};
	r->info.last_deployed = (struct release_time){1700000100, 500000000, 3600};
	r->info.description = strdup("Upgrade complete");
	r->info.notes = strdup("Thanks <for> & installing");
	r->info.status = RS_DEPLOYED;
	const char *chart = "{\"metadata\":{\"name\":\"testops\",\"version\":\"2.5.3\"},\"lock\":null,"
			    "\"templates\":[{\"name\":\"templates/a.yaml\",\"data\":\"a2luZDogQQ==\"}],"
			    "\"values\":{\"x\":1},\"schema\":null,\"files\":[]}";
	const char *config = "{\"runner\":{\"replicas\":3}}";
	r->chart = value_from_json(chart, strlen(chart), NULL);
	r->config = value_from_json(config, strlen(config), NULL);
	assert_non_null(r->chart);
	assert_non_null(r->config);
	r->manifest = strdup("---\n# Source: testops/templates/a.yaml\nkind: A\n");
	r->nhooks = 1;
	r->hooks = calloc(2, sizeof *r->hooks);
	struct release_hook *h = &r->hooks[0];
	h->name = strdup("db-migrate"), h->kind = strdup("Job"), h->path = strdup("testops/templates/job.yaml");
	h->manifest = strdup("kind: Job\n");
	h->events = calloc(2, sizeof(char *)), h->events[0] = strdup("pre-upgrade"), h->nevents = 1;
	h->delete_policies = calloc(2, sizeof(char *)), h->delete_policies[0] = strdup("hook-succeeded");
	h->ndelete = 1, h->weight = -5, h->phase = strdup("Succeeded");
	h->started_at = (struct release_time){1700000050, 1000, 0};
	h->completed_at = (struct release_time){1700000060, 0, 0};
	return r;
}

static void same_release(const struct release *a, const struct release *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->namespace_, b->namespace_);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->info.status, b->info.status);
	assert_string_equal(a->info.description, b->info.description);
	assert_string_equal(a->info.notes, b->info.notes);
	assert_int_equal(a->info.first_deployed.sec, b->info.first_deployed.sec);
	assert_int_equal(a->info.first_deployed.nsec, b->info.first_deployed.nsec);
	assert_int_equal(a->info.last_deployed.sec, b->info.last_deployed.sec);
	assert_int_equal(a->info.last_deployed.off, b->info.last_deployed.off);
	assert_string_equal(a->manifest, b->manifest);
	assert_true(value_equal_json(a->chart, b->chart));
	assert_true(value_equal_json(a->config, b->config));
	assert_int_equal(a->nhooks, b->nhooks);
	assert_string_equal(a->hooks[0].events[0], b->hooks[0].events[0]);
	assert_int_equal(a->hooks[0].weight, b->hooks[0].weight);
	assert_string_equal(a->hooks[0].phase, b->hooks[0].phase);
	assert_int_equal(a->hooks[0].started_at.nsec, b->hooks[0].started_at.nsec);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct release *r = sample(), *back = NULL;
	struct tops_err err = {0};
	char *enc = release_encode(r);
	assert_int_equal(release_decode(enc, strlen(enc), &back, &err), 0);
	same_release(r, back);
	char *json = release_to_json(r);
	/* Go's encoding: times with trimmed nanoseconds, the zero time for `deleted`, <>& escaped */
	assert_non_null(strstr(json, "\"first_deployed\":\"2023-11-14T22:13:20.123456789Z\""));
	assert_non_null(strstr(json, "\"last_deployed\":\"2023-11-14T23:15:00.5+01:00\""));
	assert_non_null(strstr(json, "\"deleted\":\"0001-01-01T00:00:00Z\""));
	assert_non_null(strstr(json, "Thanks \\u003cfor\\u003e \\u0026 installing"));
	assert_non_null(strstr(json, "\"last_run\":{\"completed_at\":\"2023-11-14T22:14:20Z\""));
	free(json), free(enc);
	release_free(back);
	release_free(r);
}

/* Runs python3 with a script; its stdout in *out. -1 when python3 is missing. */
static int python(const char *script, const char *input, char **out)
{
	char in_path[] = "/tmp/test_record_inXXXXXX";
	int fd = mkstemp(in_path);
	if (fd < 0 || write(fd, input, strlen(input)) != (ssize_t)strlen(input))
		return -1;
	close(fd);
	char *cmd = xasprintf("python3 -c '%s' < %s 2>&1", script, in_path);
	FILE *p = popen(cmd, "r");
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	while (p && (n = fread(buf, 1, sizeof buf, p)) > 0)
		sb_add(&sb, buf, n);
	int st = p ? pclose(p) : -1;
	unlink(in_path);
	free(cmd);
	*out = sb_detach(&sb, NULL);
	return st == 0 ? 0 : -1;
}

static const char *const py_encode =
	"import base64, gzip, json\n"
	"r = {\"name\": \"web\", \"info\": {\"first_deployed\": \"2024-01-02T03:04:05.000000006Z\","
	" \"last_deployed\": \"2024-01-02T03:04:05.5-07:00\", \"deleted\": \"0001-01-01T00:00:00Z\","
	" \"description\": \"Install complete\", \"status\": \"superseded\", \"notes\": \"n\","
	" \"future_field\": 1}, \"chart\": {\"metadata\": {\"name\": \"web\", \"version\": \"0.1.0\"},"
	" \"lock\": None, \"templates\": [], \"values\": None, \"schema\": None, \"files\": []},"
	" \"config\": {\"a\": \"b\"}, \"manifest\": \"---\\n# Source: web/templates/x.yaml\\nkind: X\\n\","
	" \"hooks\": [{\"name\": \"h\", \"kind\": \"Pod\", \"path\": \"p\", \"manifest\": \"m\","
	" \"events\": [\"test\"], \"last_run\": {\"started_at\": \"0001-01-01T00:00:00Z\","
	" \"completed_at\": \"0001-01-01T00:00:00Z\", \"phase\": \"\"}}], \"version\": 7, \"namespace\": \"ns\"}\n"
	"print(base64.b64encode(gzip.compress(json.dumps(r).encode(), 9)).decode())\n";

static void test_second_encoder(void **state)
{
	(void)state;
	char *text = NULL;
	if (python(py_encode, "", &text) < 0) {
		free(text);
		print_message("SKIP: python3 is missing\n");
		skip();
	}
	struct release *r = NULL;
	struct tops_err err = {0};
	assert_int_equal(release_decode(text, strlen(text), &r, &err), 0);
	assert_string_equal(r->name, "web");
	assert_int_equal(r->version, 7);
	assert_int_equal(r->info.status, RS_SUPERSEDED);
	assert_int_equal(r->info.first_deployed.nsec, 6);
	assert_int_equal(r->info.last_deployed.off, -7 * 3600);
	assert_int_equal(r->info.last_deployed.nsec, 500000000);
	assert_string_equal(obj_str(r->config, "a"), "b");
	assert_int_equal(r->nhooks, 1);
	assert_string_equal(r->hooks[0].events[0], "test");
	release_free(r);
	free(text);
}

/* helm's Go struct tags, per object: a record tops writes has these and no other. */
static const char *const py_check =
	"import base64, gzip, json, sys\n"
	"r = json.loads(gzip.decompress(base64.b64decode(sys.stdin.read())))\n"
	"tags = {\"\": {\"name\",\"info\",\"chart\",\"config\",\"manifest\",\"hooks\",\"version\",\"namespace\"},"
	" \"info\": {\"first_deployed\",\"last_deployed\",\"deleted\",\"description\",\"status\",\"notes\",\"resources\"},"
	" \"hook\": {\"name\",\"kind\",\"path\",\"manifest\",\"events\",\"last_run\",\"weight\",\"delete_policies\"},"
	" \"run\": {\"started_at\",\"completed_at\",\"phase\"}}\n"
	"bad = set(r) - tags[\"\"] | set(r[\"info\"]) - tags[\"info\"]\n"
	"for h in r[\"hooks\"]: bad |= set(h) - tags[\"hook\"] | set(h[\"last_run\"]) - tags[\"run\"]\n"
	"assert isinstance(r[\"version\"], int) and isinstance(r[\"hooks\"][0][\"weight\"], int)\n"
	"print(sorted(bad), r[\"info\"][\"status\"], r[\"hooks\"][0][\"delete_policies\"][0], r[\"config\"][\"runner\"][\"replicas\"])\n";

static void test_read_by_second_decoder(void **state)
{
	(void)state;
	struct release *r = sample();
	char *enc = release_encode(r), *out = NULL;
	if (python(py_check, enc, &out) < 0 && (!out || !strstr(out, "Error"))) {
		free(out), free(enc), release_free(r);
		print_message("SKIP: python3 is missing\n");
		skip();
	}
	assert_string_equal(out, "[] deployed hook-succeeded 3\n");
	free(out), free(enc);
	release_free(r);
}

static void test_storage_objects(void **state)
{
	(void)state;
	struct release *r = sample(), *back = NULL;
	struct tops_err err = {0};
	struct value *s = release_to_secret(r, true);
	assert_string_equal(obj_str(s, "metadata.name"), "sh.helm.release.v1.testops.v3");
	assert_string_equal(obj_str(s, "type"), "helm.sh/release.v1");
	assert_string_equal(obj_str(s, "metadata.labels.owner"), "helm");
	assert_string_equal(obj_str(s, "metadata.labels.status"), "deployed");
	assert_string_equal(obj_str(s, "metadata.labels.version"), "3");
	assert_non_null(obj_str(s, "metadata.labels.createdAt"));
	/* the Secret's data is base64 of helm's encoded text */
	char *raw = NULL, *enc = release_encode(r);
	size_t len = 0;
	assert_int_equal(base64_decode(obj_str(s, "data.release"), strlen(obj_str(s, "data.release")), &raw, &len), 0);
	assert_string_equal(raw, enc);
	assert_int_equal(release_from_object(s, &back, &err), 0);
	same_release(r, back);
	release_free(back);
	struct value *c = release_to_configmap(r, false);
	assert_string_equal(obj_str(c, "kind"), "ConfigMap");
	assert_string_equal(obj_str(c, "data.release"), enc);
	assert_non_null(obj_str(c, "metadata.labels.modifiedAt"));
	assert_int_equal(release_from_object(c, &back, &err), 0);
	same_release(r, back);
	release_free(back);
	free(raw), free(enc);
	value_unref(s), value_unref(c);
	release_free(r);
}

static void expect_error(const char *text, const char *words)
{
	struct release *r = NULL;
	struct tops_err err = {0};
	assert_true(release_decode(text, strlen(text), &r, &err) < 0);
	assert_null(r);
	assert_non_null(strstr(tops_err_msg(&err), words));
	tops_err_clear(&err);
}

static void test_corrupt(void **state)
{
	(void)state;
	expect_error("!!!not base64!!!", "base64:");
	expect_error("H4sIAAAAAAAA/wAAAP//", "gzip:");               /* gzip header, cut short */
	expect_error("eyJuYW1lIjo=", "json");                        /* {"name": */
	expect_error("eyJuYW1lIjo1fQ==", "json: release field name is int, not a string"); /* {"name":5} */
	expect_error("WzFd", "a release record is an object");       /* [1] */
	const char *secret = "{\"kind\":\"Secret\",\"data\":{}}";
	struct value *s = value_from_json(secret, strlen(secret), NULL);
	struct release *r = NULL;
	struct tops_err err = {0};
	assert_true(release_from_object(s, &r, &err) < 0);
	assert_string_equal(tops_err_msg(&err), "no data.release");
	tops_err_clear(&err);
	value_unref(s);
}

static void test_size_and_statuses(void **state)
{
	(void)state;
	struct release *r = sample();
	struct tops_err err = {0};
	assert_int_equal(release_size_check(r, &err), 0);
	free(r->manifest);
	r->manifest = malloc(1200000 + 1);
	srand(7);
	for (size_t i = 0; i < 1200000; i++) /* random text does not compress below 1 MiB */
		r->manifest[i] = (char)('!' + rand() % 90);
	r->manifest[1200000] = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *enc = release_encode(r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("encoding a record with a 1.2 MB manifest: %.1f ms\n",
		      (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	free(enc);
	assert_int_equal(release_size_check(r, &err), -TOPS_ETOOBIG);
	assert_non_null(strstr(tops_err_msg(&err), "over the API's limit of 1048576 bytes"));
	assert_non_null(strstr(tops_err_msg(&err), "manifest 1200000 bytes"));
	tops_err_clear(&err);
	release_free(r);
	static const char *const names[] = {"unknown", "deployed", "uninstalled", "superseded", "failed",
		"uninstalling", "pending-install", "pending-upgrade", "pending-rollback"};
	for (int i = 0; i < 9; i++) {
		assert_string_equal(release_status_str((enum release_status)i), names[i]);
		assert_int_equal(release_status_parse(names[i]), i ? i : RS_UNKNOWN);
	}
	assert_int_equal(release_status_parse("Deployed"), RS_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_second_encoder),
		cmocka_unit_test(test_read_by_second_decoder),
		cmocka_unit_test(test_storage_objects),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_size_and_statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
