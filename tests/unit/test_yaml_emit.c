/* Unit tests for the YAML writer: exact output for go-yaml v2 / sigs.k8s.io/yaml behaviours
 * (Helm's toYaml) and a round trip through core/yaml for hard strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/base/yaml.h"
#include "core/base/yaml_emit.h"

static const struct {
	const char *json, *yaml;
} cases[] = {
	{"{\"foo\": \"bar\"}", "foo: bar\n"},
	{"{\"a\": {\"b\": [1, {\"c\": \"d\", \"e\": []}]}}", "a:\n  b:\n  - 1\n  - c: d\n    e: []\n"},
	{"[[1, 2], [3]]", "- - 1\n  - 2\n- - 3\n"},
	{"[{\"a\": 1, \"b\": {}}]", "- a: 1\n  b: {}\n"},
	{"{}", "{}\n"},
	{"[]", "[]\n"},
	{"null", "null\n"},
	{"\"foo\"", "foo\n"},
	{"{\"b\": 1, \"a10\": 1, \"a9\": 1, \"_x\": 1, \"B\": 1}", "_x: 1\nB: 1\na9: 1\na10: 1\nb: 1\n"},
	{"{\"\": 1}", "\"\": 1\n"},
	{"{\"n\": null, \"t\": true, \"f\": 1.5, \"i\": -3}", "f: 1.5\ni: -3\n\"n\": null\nt: true\n"},
	{"[1000000.0, 1e21, 0.000001, 3.0, 1.5e20]", "- 1000000\n- 1e+21\n- 1e-06\n- 3\n- 1.5e+20\n"},
	/* strings that would read back as other types are double-quoted */
	{"[\"true\", \"1\", \"1.5\", \"null\", \"~\", \"\", \"y\", \"Yes\", \"off\", \"0755\", \"1e3\","
	 " \"0x1F\", \".5\", \"+1\", \"2001-12-14\", \"2001-12-14T21:59:43.10-05:00\", \"1:20\", \"<<\"]",
	 "- \"true\"\n- \"1\"\n- \"1.5\"\n- \"null\"\n- \"~\"\n- \"\"\n- \"y\"\n- \"Yes\"\n- \"off\"\n"
	 "- \"0755\"\n- \"1e3\"\n- \"0x1F\"\n- \".5\"\n- \"+1\"\n- \"2001-12-14\"\n"
	 "- \"2001-12-14T21:59:43.10-05:00\"\n- \"1:20\"\n- \"<<\"\n"},
	/* indicators and spaces force single quotes; plain where allowed */
	{"[\" x\", \"x \", \"a: b\", \"a #b\", \"#x\", \"- x\", \"-\", \"@x\", \"'x\", \"a#b\", \"x:y\","
	 " \":x\", \"it's\", \"1.2.3\", \"0.1.0-alpha\", \"---\", \"*\", \"{x}\", \"a, b\"]",
	 "- ' x'\n- 'x '\n- 'a: b'\n- 'a #b'\n- '#x'\n- '- x'\n- '-'\n- '@x'\n- '''x'\n- a#b\n- x:y\n"
	 "- :x\n- it's\n- 1.2.3\n- 0.1.0-alpha\n- '---'\n- '*'\n- '{x}'\n- a, b\n"},
	/* special characters force double quotes with escapes */
	{"[\"tab\\there\", \"nul\\u0000\", \"bell\\u0007\", \"q\\\"uote\\\\\", \"\\u00e9t\\u00e9\","
	 " \"\\ud83d\\ude00\"]",
	 "- \"tab\\there\"\n- \"nul\\0\"\n- \"bell\\a\"\n- q\"uote\\\n- été\n- \"\\U0001F600\"\n"},
	/* multi-line strings: literal style with chomping indicators */
	{"{\"a\": \"x\\ny\", \"b\": \"x\\ny\\n\", \"c\": \"x\\n\\n\", \"d\": \"\\nx\", \"e\": \"  x\\ny\"}",
	 "a: |-\n  x\n  y\nb: |\n  x\n  y\nc: |+\n  x\n\nd: |2-\n\n  x\ne: |2-\n    x\n  y\n"},
	{"[\"x\\ny\"]", "- |-\n  x\n  y\n"},
	{"{\"l\": [\"a\\nb\"]}", "l:\n- |-\n  a\n  b\n"},
	/* a space before a line break or a tab rules out the literal style */
	{"{\"a\": \"x \\ny\", \"b\": \"x\\n\\ty\"}", "a: \"x \\ny\"\nb: \"x\\n\\ty\"\n"},
	/* multi-line keys are double-quoted */
	{"{\"a\\nb\": 1}", "? |-\n  a\n  b\n: 1\n"},
	/* long plain scalars fold after column 80 */
	{"{\"k\": \"aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee fffffffff ggggggggg hhhhhhhhh iiiiiiiii jjjjjjjjj\"}",
	 "k: aaaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee fffffffff ggggggggg hhhhhhhhh\n"
	 "  iiiiiiiii jjjjjjjjj\n"},
	{"{\"k\": \"#aaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee fffffffff ggggggggg hhhhhhhhh iiiiiiiii\"}",
	 "k: '#aaaaaaaa bbbbbbbbb ccccccccc ddddddddd eeeeeeeee fffffffff ggggggggg hhhhhhhhh\n"
	 "  iiiiiiiii'\n"},
};

static struct value *json(const char *s)
{
	struct tops_err err = {0};
	struct value *v = value_from_json(s, strlen(s), &err);
	if (!v)
		print_message("bad JSON %s: %s\n", s, tops_err_msg(&err));
	tops_err_clear(&err);
	return v;
}

static void test_exact(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct value *v = json(cases[i].json);
		assert_non_null(v);
		char *y = yaml_emit(v, NULL);
		if (strcmp(y, cases[i].yaml)) {
			print_message("case %zu %s\n--- want\n%s--- got\n%s---\n", i, cases[i].json,
				      cases[i].yaml, y);
			failures++;
		}
		free(y);
		value_unref(v);
	}
	assert_int_equal(failures, 0);
}

static void test_pretty(void **state)
{
	(void)state;
	struct value *v = json("{\"baz\": [1, 2, {\"a\": [3]}], \"f\": 2.0}");
	struct yaml_emit_opts o = {.indent_sequences = true, .no_fold = true, .keep_floats = true};
	char *y = yaml_emit(v, &o);
	assert_string_equal(y, "baz:\n  - 1\n  - 2\n  - a:\n      - 3\nf: 2\n");
	free(y);
	value_unref(v);
}

/* Whatever the string, reading the output back gives the same string. */
static void test_round_trip(void **state)
{
	(void)state;
	static const char *const strs[] = {
		"", " ", "  lead", "trail  ", "a\nb", "a\n", "a\n\n\n", "\n", "\n\nx", " \n x ",
		"tab\tin", "\ttab", "quote\"s and 'single'", "back\\slash", "# not a comment",
		"key: value", "- item", "? q", "%percent", "&anchor", "*alias", "!tag", "|pipe",
		">fold", "[x]", "{x}", "a,b", "`tick", "@at", "true", "NULL", "0o17", "0b101", "-.inf",
		".NaN", "1_000", "0.", "-", "--", "---", "...", "é ü 中文", "\xc2\x85nel", "\xe2\x80\xa8ls",
		"\x1b[31mred", "cr\rlf", "ends with space \nnext", "x: y: z",
		"a very long string with many words that goes on and on well past the eighty column limit of the emitter",
		"a very long string with  double  spaces that goes on and on well past the eighty column limit",
		"\"a very long quoted\tstring with many words that goes on and on well past the eighty column\"",
	};
	for (size_t i = 0; i < ARRAY_LEN(strs); i++) {
		struct value *m = value_map();
		value_map_set(m, "k", value_str(strs[i]));
		value_map_set(m, strs[i], value_str("key"));
		struct value *l = value_list();
		value_list_push(l, value_str(strs[i]));
		value_map_set(m, "l", l);
		char *y = yaml_emit(m, NULL);
		struct tops_err err = {0};
		struct value *back = yaml_load(y, strlen(y), "rt", NULL, NULL, &err);
		if (!back || !value_equal(back, m))
			print_message("round trip failed for \"%s\":\n%s\n%s\n", strs[i], y, tops_err_msg(&err));
		assert_non_null(back);
		assert_true(value_equal(back, m));
		value_unref(back);
		tops_err_clear(&err);
		free(y);
		value_unref(m);
	}
}

static void test_quote_rules(void **state)
{
	(void)state;
	assert_true(yaml_str_needs_quotes("", 0));
	assert_true(yaml_str_needs_quotes("On", 2));
	assert_true(yaml_str_needs_quotes("-1_0", 4));
	assert_true(yaml_str_needs_quotes("2020-1-2", 8));
	assert_false(yaml_str_needs_quotes("2020-1-2x", 9));
	assert_false(yaml_str_needs_quotes("1.2.3", 5));
	assert_false(yaml_str_needs_quotes("onion", 5));
	assert_false(yaml_str_needs_quotes("0x", 2));
	assert_true(yaml_key_cmp("a9", "a10") < 0);
	assert_true(yaml_key_cmp("_", "A") < 0);
	assert_true(yaml_key_cmp("Z", "a") < 0);
	assert_true(yaml_key_cmp("a", "ab") < 0);
	assert_int_equal(yaml_key_cmp("same", "same"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact), cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_round_trip), cmocka_unit_test(test_quote_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
