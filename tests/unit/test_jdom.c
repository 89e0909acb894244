/* Unit tests for core/jdom: values, escapes, numbers, refusals with their positions, limits,
 * accessors, and agreement with cJSON on every JSON file of the conformance data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/jdom.h"

static struct jdom *parse_ok(const char *s)
{
	struct tops_err err = {0};
	struct jdom *d = jdom_parse(s, strlen(s), &err);
	if (!d)
		fail_msg("refused %s: %s", s, tops_err_msg(&err));
	return d;
}

static void test_values(void **state)
{
	(void)state;
	struct jdom *d = parse_ok(" {\"s\":\"x\",\"n\":-12,\"f\":2.5e2,\"t\":true,\"F\":false,\"z\":null,"
				  "\"a\":[1,[2],{}],\"o\":{\"k\":\"v\"}} \n");
	const struct jd *r = jdom_root(d);
	assert_int_equal(r->type, JD_OBJECT);
	assert_int_equal(jd_count(r), 8);
	assert_string_equal(jd_str(r, "s"), "x");
	assert_int_equal(jd_int(r, "n", 0), -12);
	assert_true(jd_get(r, "f")->u.num == 250.0);
	assert_true(jd_true(r, "t"));
	assert_false(jd_true(r, "F"));
	assert_int_equal(jd_get(r, "z")->type, JD_NULL);
	assert_int_equal(jd_count(jd_get(r, "a")), 3);
	assert_int_equal(jd_at(jd_get(r, "a"), 1)->type, JD_ARRAY);
	assert_null(jd_at(jd_get(r, "a"), 3));
	assert_string_equal(jd_str(jd_get(r, "o"), "k"), "v");
	assert_null(jd_str(r, "n"));          /* wrong type */
	assert_null(jd_get(jd_get(r, "s"), "x"));
	assert_null(jd_get(NULL, "x"));
	assert_int_equal(jd_int(r, "missing", 7), 7);
	int n = 0;
	JD_FOREACH(it, r)
		n += it->key != NULL;
	assert_int_equal(n, 8);
	jdom_free(d);
}

static void test_strings(void **state)
{
	(void)state;
	struct jdom *d = parse_ok("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\", \"\\u00e9\\u20ac\", \"\\ud83d\\ude00\","
				  " \"\\ud800x\", \"caf\xc3\xa9\", \"\\u0000z\"]");
	const struct jd *r = jdom_root(d);
	assert_string_equal(jd_at(r, 0)->u.s, "a\"b\\c/d\b\f\n\r\t");
	assert_string_equal(jd_at(r, 1)->u.s, "\xc3\xa9\xe2\x82\xac");
	assert_string_equal(jd_at(r, 2)->u.s, "\xf0\x9f\x98\x80");
	assert_string_equal(jd_at(r, 3)->u.s, "\xef\xbf\xbdx");   /* lone surrogate: U+FFFD */
	assert_string_equal(jd_at(r, 4)->u.s, "caf\xc3\xa9");
	assert_int_equal(jd_at(r, 5)->len, 2);
	assert_memory_equal(jd_at(r, 5)->u.s, "\0z", 2);
	jdom_free(d);
}

static void test_numbers(void **state)
{
	(void)state;
	struct jdom *d = parse_ok("[0, -0, 123456789012345, 1234567890123456789, 0.1, 1e-3, -2E+2, 1.5]");
	const struct jd *r = jdom_root(d);
	static const double want[] = {0, -0.0, 123456789012345.0, 1234567890123456789.0, 0.1, 0.001, -200, 1.5};
	for (uint32_t i = 0; i < 8; i++)
		assert_true(jd_at(r, i)->u.num == want[i]);
	jdom_free(d);
}

static void test_refusals(void **state)
{
	(void)state;
	static const struct { const char *in, *want; } cases[] = {
		{"", "line 1, column 1"},
		{"{\"a\":1,}", "line 1, column 8"},
		{"{\"a\" 1}", "':' expected"},
		{"[1,\n 2,\n x]", "line 3, column 2"},
		{"[1 2]", "',' or ']'"},
		{"\"abc", "unterminated string"},
		{"\"a\tb\"", "control character"},
		{"\"\\x\"", "invalid escape"},
		{"\"\\u12g4\"", "invalid \\u escape"},
		{"01", "text after the JSON value"},
		{"1.", "digits expected after '.'"},
		{"-", "invalid number"},
		{"1e", "exponent"},
		{"tru", "invalid literal"},
		{"NaN", "a value expected"},
		{"{} {}", "text after"},
		{"{\"a\":\"\xc3\xa9\",\"b\":?}", "line 1, column 14 (byte 14)"},   /* columns count characters */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tops_err err = {0};
		struct jdom *d = jdom_parse(cases[i].in, strlen(cases[i].in), &err);
		assert_null(d);
		if (!strstr(tops_err_msg(&err), cases[i].want))
			fail_msg("%s: got \"%s\", want \"%s\"", cases[i].in, tops_err_msg(&err), cases[i].want);
		tops_err_clear(&err);
	}
	/* a NUL byte inside the text */
	struct tops_err err = {0};
	assert_null(jdom_parse("[1]\0", 4, &err));
	assert_non_null(strstr(tops_err_msg(&err), "NUL byte"));
	tops_err_clear(&err);
}

static void test_depth(void **state)
{
	(void)state;
	size_t n = JDOM_MAX_DEPTH + 1;
	char *s = xmalloc(2 * n + 1);
	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = '\0';
	struct tops_err err = {0};
	assert_null(jdom_parse(s, 2 * n, &err));
	assert_non_null(strstr(tops_err_msg(&err), "nested too deeply"));
	tops_err_clear(&err);
	struct jdom *d = jdom_parse(s + 1, 2 * n - 2, &err);   /* exactly the limit */
	assert_non_null(d);
	jdom_free(d);
	free(s);
}

/* Many nodes: more than one arena block, and in-place parsing of an owned buffer. */
static void test_big_owned(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	sb_addc(&sb, '[');
	for (int i = 0; i < 20000; i++)
		sb_addf(&sb, "%s{\"i\":%d,\"s\":\"n\\u0041%d\"}", i ? "," : "", i, i);
	sb_addc(&sb, ']');
	size_t len;
	char *buf = sb_detach(&sb, &len);
	struct jdom *d = jdom_parse_owned(buf, len, NULL);
	assert_non_null(d);
	const struct jd *r = jdom_root(d);
	assert_int_equal(jd_count(r), 20000);
	int i = 0;
	JD_FOREACH(it, r) {
		char want[32];
		snprintf(want, sizeof want, "nA%d", i);
		assert_int_equal(jd_int(it, "i", -1), i);
		assert_string_equal(jd_str(it, "s"), want);
		i++;
	}
	jdom_free(d);
}

/* Every JSON file of the conformance data: jdom's tree, copied to cJSON, prints as cJSON's own. */
static void compare_file(const char *path, int *files)
{
	char *text;
	size_t len;
	if (read_file(path, 0, &text, &len, NULL) < 0)
		fail_msg("cannot read %s", path);
	cJSON *ref = cJSON_ParseWithLength(text, len);
	struct tops_err err = {0};
	struct jdom *d = jdom_parse(text, len, &err);
	if (!d)
		fail_msg("%s: %s", path, tops_err_msg(&err));
	cJSON *mine = jd_to_cjson(jdom_root(d));
	char *a = cJSON_PrintUnformatted(ref), *b = cJSON_PrintUnformatted(mine);
	assert_non_null(a);
	if (strcmp(a, b) != 0)
		fail_msg("%s: jdom and cJSON differ", path);
	free(a);
	free(b);
	cJSON_Delete(ref);
	cJSON_Delete(mine);
	jdom_free(d);
	free(text);
	(*files)++;
}

static void walk(const char *dir, int *files)
{
	DIR *dh = opendir(dir);
	struct dirent *e;
	while (dh && (e = readdir(dh))) {
		if (e->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			walk(p, files);
		else if (str_has_suffix(e->d_name, ".json"))
			compare_file(p, files);
		free(p);
	}
	if (dh)
		closedir(dh);
}

static void test_conformance_files(void **state)
{
	(void)state;
	const char *root = getenv("TOPS_ROOT");
	char *dir = xasprintf("%s/../shared/conformance", root ? root : ".");
	DIR *dh = opendir(dir);
	if (!dh) {
		free(dir);
		skip();
	}
	closedir(dh);
	int files = 0;
	walk(dir, &files);
	free(dir);
	assert_true(files > 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values), cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers), cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_depth), cmocka_unit_test(test_big_owned),
		cmocka_unit_test(test_conformance_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
