/* Unit tests for core/tmpl: lexer, parser and executor behaviour and error wording, printf
 * verbs, missingkey modes, objects, registered functions and the include/tpl hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/tmpl/gofmt.h"
#include "core/tmpl/tmpl.h"

/* ---- helpers ---- */

static int fn_fail(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	return tops_err_set(err, TOPS_EINVAL, "it broke");
}

static int fn_include(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	if (a[0]->type != V_STRING)
		return tops_err_set(err, TOPS_EINVAL, "name must be a string");
	if (tmpl_exec_depth(ex, a[0]->u.str.s) > 50) {
		sb_done(&sb);
		return tops_err_set(err, TOPS_ETOOBIG, "nested too deep: %s", a[0]->u.str.s);
	}
	int rc = tmpl_exec_named(ex, a[0]->u.str.s, a[1], &sb, err);
	if (rc < 0) {
		sb_done(&sb);
		return rc;
	}
	size_t len;
	char *s = sb_detach(&sb, &len);
	*out = value_str_own(s, len);
	return 0;
}

static int fn_tpl(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = tmpl_exec_text(ex, tmpl_exec_name(ex), a[0]->u.str.s, a[0]->u.str.len, a[1], &sb, err);
	if (rc < 0) {
		sb_done(&sb);
		return rc;
	}
	size_t len;
	char *s = sb_detach(&sb, &len);
	*out = value_str_own(s, len);
	return 0;
}

static int fn_pos(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	int line, col;
	tmpl_exec_pos(ex, &line, &col);
	*out = value_strf("%s:%d:%d", tmpl_exec_name(ex), line, col);
	return 0;
}

static int fn_upper(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	const struct value *v = a[0];
	if (v->type != V_STRING)
		return tops_err_set(err, TOPS_EINVAL, "not a string");
	*out = value_strn(v->u.str.s, v->u.str.len);
	for (size_t i = 0; i < (*out)->u.str.len; i++)
		if ((*out)->u.str.s[i] >= 'a' && (*out)->u.str.s[i] <= 'z')
			(*out)->u.str.s[i] -= 32;
	return 0;
}

/* unset MAP KEY, like Sprig's: changes the map in place. */
static int fn_unset(struct tmpl_exec *ex, struct value **a, int n, struct value **out, struct tops_err *err)
{
	if (a[0]->type != V_MAP || a[1]->type != V_STRING)
		return tops_err_set(err, TOPS_EINVAL, "unset wants a map and a key");
	value_map_del(a[0], a[1]->u.str.s);
	*out = value_ref(a[0]);
	return 0;
}

static const struct tmpl_func test_funcs[] = {
	{"unset", fn_unset, 2, 2},
	{"fail", fn_fail, 0, -1},
	{"include", fn_include, 2, 2},
	{"tpl", fn_tpl, 2, 2},
	{"pos", fn_pos, 0, 0},
	{"upper", fn_upper, 1, 1},
};

/* An object with a field `Name` and a method `Has "x"`, like Helm's .Capabilities. */
static int obj_call(struct value *self, const char *name, struct value **args, int nargs,
		    struct value **out, struct tops_err *err)
{
	if (!strcmp(name, "Name") && nargs == 0) {
		*out = value_str("obj");
		return 0;
	}
	if (!strcmp(name, "String") && nargs == 0) {
		*out = value_str("v1.2.3");
		return 0;
	}
	if (!strcmp(name, "Has")) {
		if (nargs != 1 || args[0]->type != V_STRING)
			return tops_err_set(err, TOPS_EINVAL, "Has wants one string");
		*out = value_bool(!strcmp(args[0]->u.str.s, "v1"));
		return 0;
	}
	return -TOPS_ENOENT;
}

static const struct value_object_ops obj_ops = {.type_name = "*test.Obj", .call = obj_call};

/* Renders text as template "t" with data (JSON) and mode; returns output or "ERR: msg". */
static char *render_mode(const char *text, const char *json, enum tmpl_missingkey mode)
{
	struct tops_err err = {0};
	struct tmpl_funcs *funcs = tmpl_funcs_new();
	tmpl_funcs_add(funcs, test_funcs, ARRAY_LEN(test_funcs));
	struct tmpl_set *set = tmpl_set_new(funcs, mode);
	struct value *data = json ? value_from_json(json, strlen(json), &err) : value_null();
	assert_non_null(data);
	if (data->type == V_MAP)
		value_map_set(data, "Obj", value_object(&obj_ops, NULL));
	struct strbuf out = STRBUF_INIT;
	int rc = tmpl_parse(set, "t", text, strlen(text), &err);
	if (rc == 0)
		rc = tmpl_execute(set, "t", data, &out, &err);
	char *res = rc == 0 ? xstrdup(sb_str(&out)) : xasprintf("ERR: %s", tops_err_msg(&err));
	sb_done(&out);
	tops_err_clear(&err);
	value_unref(data);
	tmpl_set_free(set);
	tmpl_funcs_free(funcs);
	return res;
}

static char *render(const char *text, const char *json)
{
	return render_mode(text, json, TMPL_MISSING_DEFAULT);
}

struct row {
	const char *text, *data, *want;
};

static void check_rows(const struct row *rows, size_t n)
{
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		char *got = render(rows[i].text, rows[i].data);
		if (strcmp(got, rows[i].want)) {
			print_message("template %s\n  got  %s\n  want %s\n", rows[i].text, got, rows[i].want);
			bad++;
		}
		free(got);
	}
	assert_int_equal(bad, 0);
}

/* ---- lexer ---- */

static void test_lexer(void **state)
{
	static const struct row rows[] = {
		{"a  {{- 1 -}}  b", NULL, "a1b"},
		{"a\n{{-\t1\n-}}\n\tb {{- \"x\"\n\n-}} c", NULL, "a1bxc"},
		{"{{ 1 }}{{- /* c */\t-}}\n2\n{{ 3 }}", NULL, "12\n3"},
		{"a {{- /* c */ -}}\n b", NULL, "ab"},
		{"{{/* c */}}x", NULL, "x"},
		{"{{-3}}", NULL, "-3"},
		{"{{ 'a' }} {{ '\\n' }} {{ '\\x41' }}", NULL, "97 10 65"},
		{"{{ \"\\u263a\\t\" }}", NULL, "\xe2\x98\xba\t"},
		{"{{ `a\\nb` }}", NULL, "a\\nb"},
		{"{{print 1e3 1.5e-7 0x1E 0b11 0o17 017 1_000}}", NULL, "1000 1.5e-07 30 3 15 15 1000"},
		{"{{print 0x1p-2 .5}}", NULL, "0.25 0.5"},
		{"{{printf \"%T %T\" 1.0 1}}", NULL, "float64 int"},
		{"{{ true }}{{ false }}", NULL, "truefalse"},
		{"{{\n.X\n}}", "{\"X\":1}", "1"},
		{"{{.X}", NULL, "ERR: template: t:1: bad character U+007D '}'"},
		{"a\n{{\"x}}", NULL, "ERR: template: t:2: unterminated quoted string"},
		{"{{/* x }}", NULL, "ERR: template: t:1: unclosed comment"},
		{"{{/* x */ 1}}", NULL, "ERR: template: t:1: comment ends before closing delimiter"},
		{"{{3.x}}", NULL, "ERR: template: t:1: bad number syntax: \"3.x\""},
		{"{{1 ", NULL, "ERR: template: t:1: unclosed action"},
		{"{{ 'ab' }}", NULL, "ERR: template: t:1: malformed character constant: 'ab'"},
		{"{{ '\\q' }}", NULL, "ERR: template: t:1: invalid syntax"},
		{"{{ \"\\q\" }}", NULL, "ERR: template: t:1: invalid syntax"},
		{"{{1\n\n", NULL, "ERR: template: t:3: unclosed action started at t:1"},
		{"{{1\n\"a\n\"}}", NULL, "ERR: template: t:2: unterminated quoted string in action started at t:1"},
		{"{{(1}}", NULL, "ERR: template: t:1: unclosed left paren"},
		{"{{ # }}", NULL, "ERR: template: t:1: unexpected \"#\" in command"},
		{"{{print 99999999999999999999}}", NULL, "ERR: template: t:1: integer overflow: \"99999999999999999999\""},
	};
	check_rows(rows, ARRAY_LEN(rows));
}

/* ---- parser ---- */

static void test_parser_errors(void **state)
{
	static const struct row rows[] = {
		{"{{if}}", NULL, "ERR: template: t:1: missing value for if"},
		{"{{end}}", NULL, "ERR: template: t:1: unexpected {{end}}"},
		{"{{else}}", NULL, "ERR: template: t:1: unexpected {{else}}"},
		{"{{range .X}}", NULL, "ERR: template: t:1: unexpected EOF"},
		{"{{nope}}", NULL, "ERR: template: t:1: function \"nope\" not defined"},
		{"{{$x}}", NULL, "ERR: template: t:1: undefined variable \"$x\""},
		{"{{if 1}}{{$x := 1}}{{end}}{{$x}}", NULL, "ERR: template: t:1: undefined variable \"$x\""},
		{"{{.X | 1}}", NULL, "ERR: template: t:1: non executable command in pipeline stage 2"},
		{"{{break}}", NULL, "ERR: template: t:1: {{break}} outside {{range}}"},
		{"{{with 1}}{{else}}{{else}}{{end}}", NULL, "ERR: template: t:1: expected end; found {{else}}"},
		{"{{$x := }}", NULL, "ERR: template: t:1: missing value for command"},
		{"{{\"a\".X}}", NULL, "ERR: template: t:1: unexpected . after term \"\\\"a\\\"\""},
		{"{{define \"a\"}}x{{end}}{{define \"a\"}}y{{end}}", NULL,
		 "ERR: template: t:1: template: multiple definition of template \"a\""},
		{"{{template .X}}", NULL, "ERR: template: t:1: unexpected \".X\" in template clause"},
		{"{{range $a, $b, $c := .}}{{end}}", NULL, "ERR: template: t:1: too many declarations in range"},
		{"x\n\n{{if}}", NULL, "ERR: template: t:3: missing value for if"},
		{"{{ printf \"%s\" .X }", NULL, "ERR: template: t:1: unexpected \"}\" in operand"},
		{"{{if .}}{{.}}{{if}}", NULL, "ERR: template: t:1: missing value for if"},
		{"{{with .X .}}", NULL, "ERR: template: t:1: unexpected EOF"},
		{"{{template \"x\" 1 2 \"abcdefghijklmn\" | . }}", NULL,
		 "ERR: template: t:1: non executable command in pipeline stage 2"},
		{"{{ .X | \"abcdefghijklmn\"}}", NULL, "ERR: template: t:1: non executable command in pipeline stage 2"},
		{"{{ if . }}{{ else }}{{ end x }}", NULL, "ERR: template: t:1: unexpected \"x\" in end"},
		{"{{ with . }}{{ else }}{{ end }}{{ else \"abcdefghijklmn\" }}", NULL,
		 "ERR: template: t:1: unexpected \"\\\"abcdefghi\"... in else"},
		{"{{ define . }}{{ end }}", NULL, "ERR: template: t:1: unexpected <.> in define clause"},
		{"{{ .X \"abcdefghijklmn\"x }}", NULL, "ERR: template: t:1: unexpected \"x\" in operand"},
		{"{{ .X (1 . }}", NULL, "ERR: template: t:1: unclosed left paren"},
		{"{{ 1 ( }}", NULL, "ERR: template: t:1: unclosed left paren"},
	};
	check_rows(rows, ARRAY_LEN(rows));
}

static void test_parse_position(void **state)
{
	struct tmpl_set *set = tmpl_set_new(NULL, TMPL_MISSING_DEFAULT);
	struct tops_err err = {0};
	const char *text = "line1\n  {{ if }}";
	assert_true(tmpl_parse(set, "f.yaml", text, strlen(text), &err) < 0);
	assert_string_equal(tops_err_msg(&err), "template: f.yaml:2: missing value for if");
	int line, col;
	tmpl_last_error_pos(set, &line, &col);
	assert_int_equal(line, 2);
	assert_int_equal(col, 9);
	tops_err_clear(&err);
	/* a failed parse leaves the set untouched */
	assert_false(tmpl_has(set, "f.yaml"));
	tmpl_set_free(set);
}

/* ---- executor ---- */

static void test_exec_basics(void **state)
{
	static const struct row rows[] = {
		{"{{range $i, $v := .L}}{{$i}}={{$v}},{{end}}", "{\"L\":[\"a\",\"b\"]}", "0=a,1=b,"},
		{"{{range $k, $v := .M}}{{$k}}={{$v}};{{end}}", "{\"M\":{\"b\":2,\"a\":1}}", "a=1;b=2;"},
		{"{{range 3}}{{.}}{{end}}|{{range $i := 2}}{{$i}}{{end}}", NULL, "012|01"},
		{"{{range .L}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}", "{\"L\":[1,2,3]}", "1"},
		{"{{range .L}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}", "{\"L\":[1,2,3]}", "13"},
		{"{{range .N}}x{{else}}empty{{end}}", "{\"N\":null}", "empty"},
		{"{{with .X}}{{.}}{{else with .Y}}y{{.}}{{else}}none{{end}}", "{\"Y\":5}", "y5"},
		{"{{if .A}}a{{else if .B}}b{{else}}c{{end}}", "{\"B\":true}", "b"},
		{"{{define \"x\"}}[{{.}}]{{end}}{{template \"x\" 1}}{{template \"x\" \"a\"}}", NULL, "[1][a]"},
		{"{{block \"b\" .}}default {{.}}{{end}}", "7", "default 7"},
		{"{{$x := 1}}{{$x = 2}}{{$x}}", NULL, "2"},
		{"{{and 1 0 (fail)}} {{or 0 \"\" \"x\" (fail)}}", NULL, "0 x"},
		{"{{.X}} {{.Y}} {{.Z}}", "{\"X\":1.0,\"Y\":1e6,\"Z\":1.5}", "1 1e+06 1.5"},
		{"{{.M}}", "{\"M\":{\"b\":[1,\"x\"],\"a\":null}}", "map[a:<nil> b:[1 x]]"},
		{"{{.Missing}} {{.Missing.Deeper}}", "{}", "<no value> <no value>"},
		{"{{$}}", "5", "5"},
		{"{{(.).A}}", "{\"A\":2}", "2"},
		{"{{ .A | printf \"%s-%s\" \"x\" }}", "{\"A\":\"y\"}", "x-y"},
		{"{{not 0}} {{not \"x\"}}", NULL, "true false"},
		{"{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2.5}} {{ne 1 2}} {{eq 1 2 3 1}}", NULL,
		 "true true true false true true"},
		{"{{len \"h\xc3\xa9llo\"}} {{index \"abc\" 1}} {{slice \"abcdef\" 1 3}}", NULL, "6 98 bc"},
		{"{{index .M \"a\" \"b\"}} {{index .L 1}}", "{\"M\":{\"a\":{\"b\":7}},\"L\":[1,2]}", "7 2"},
		{"{{html \"<a href='x'>&</a>\"}}", NULL, "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"},
		{"{{js \"a'b\\\"c<d>\\n=\"}}", NULL, "a\\'b\\\"c\\u003Cd\\u003E\\u000A\\u003D"},
		{"{{urlquery \"a b&c=d/\xc3\xa9\"}}", NULL, "a+b%26c%3Dd%2F%C3%A9"},
		{"{{print \"a\" 1 2 \"b\" nil}}|{{println \"a\" 1}}", NULL, "a1 2b<nil>|a 1\n"},
		{"{{upper \"ab\"}} {{\"cd\" | upper}}", NULL, "AB CD"},
		{"{{range $k, $v := .M}}{{$k}}={{$v}};{{$_ := unset $.M \"b\"}}{{end}}",
		 "{\"M\":{\"a\":1,\"b\":2,\"c\":3}}",
		 "a=1;b=<no value>;c=3;"},
	};
	check_rows(rows, ARRAY_LEN(rows));
}

static void test_objects(void **state)
{
	static const struct row rows[] = {
		{"{{.Obj.Name}}", "{}", "obj"},
		{"{{.Obj}} {{printf \"%s|%q|%v\" .Obj .Obj .Obj}} {{print .Obj}}", "{}",
		 "v1.2.3 v1.2.3|\"v1.2.3\"|v1.2.3 v1.2.3"},
		{"{{.Obj.Has \"v1\"}} {{\"v1\" | .Obj.Has}}", "{}", "true true"},
		{"{{if .Obj.Has \"v2\"}}y{{else}}n{{end}}", "{}", "n"},
		{"{{.Obj.Nope}}", "{}",
		 "ERR: template: t:1:6: executing \"t\" at <.Obj.Nope>: can't evaluate field Nope in type *test.Obj"},
		{"{{.Obj.Has 1}}", "{}",
		 "ERR: template: t:1:6: executing \"t\" at <.Obj.Has>: error calling Has: Has wants one string"},
	};
	check_rows(rows, ARRAY_LEN(rows));
}

static void test_exec_errors(void **state)
{
	static const struct row rows[] = {
		{"{{.X.Y}}", "{\"X\":1}",
		 "ERR: template: t:1:4: executing \"t\" at <.X.Y>: can't evaluate field Y in type interface {}"},
		{"a\nb {{.X.Y}}", "{\"X\":1}",
		 "ERR: template: t:2:6: executing \"t\" at <.X.Y>: can't evaluate field Y in type interface {}"},
		{"{{range .L}}{{.Values}}{{end}}", "{\"L\":[\"a\"]}",
		 "ERR: template: t:1:14: executing \"t\" at <.Values>: can't evaluate field Values in type interface {}"},
		{"{{range $v := .L}}{{$v.X}}{{end}}", "{\"L\":[\"a\"]}",
		 "ERR: template: t:1:22: executing \"t\" at <$v.X>: can't evaluate field X in type interface {}"},
		{"{{with .S}}{{.X}}{{end}}", "{\"S\":\"a\"}",
		 "ERR: template: t:1:13: executing \"t\" at <.X>: can't evaluate field X in type string"},
		{"{{$x := 1}}{{$x.Y}}", NULL,
		 "ERR: template: t:1:15: executing \"t\" at <$x.Y>: can't evaluate field Y in type int"},
		{"{{.X}}", "[1]", "ERR: template: t:1:2: executing \"t\" at <.X>: can't evaluate field X in type []interface {}"},
		{"{{.a.b}}", "{\"a\":null}",
		 "ERR: template: t:1:4: executing \"t\" at <.a.b>: nil pointer evaluating interface {}.b"},
		{"{{index .L 5}}", "{\"L\":[1]}",
		 "ERR: template: t:1:2: executing \"t\" at <index .L 5>: error calling index: index out of range: 5"},
		{"{{fail}}", NULL, "ERR: template: t:1:2: executing \"t\" at <fail>: error calling fail: it broke"},
		{"{{upper 1 2}}", NULL,
		 "ERR: template: t:1:2: executing \"t\" at <upper>: wrong number of args for upper: want 1 got 2"},
		{"{{eq 1 1.0}}", NULL,
		 "ERR: template: t:1:2: executing \"t\" at <eq 1 1.0>: error calling eq: incompatible types for comparison"},
		{"{{eq .L .L}}", "{\"L\":[1]}",
		 "ERR: template: t:1:2: executing \"t\" at <eq .L .L>: error calling eq: "
		 "non-comparable type [%!s(int=1)]: []interface {}"},
		{"{{eq .L .M}}", "{\"L\":[\"a\"],\"M\":{}}",
		 "ERR: template: t:1:2: executing \"t\" at <eq .L .M>: error calling eq: "
		 "non-comparable types [a]: []interface {}, map[string]interface {}: map[]"},
		{"{{eq .L nil}} {{eq nil .N}} {{ne .N \"x\"}}", "{\"L\":[1],\"N\":null}", "false true true"},
		{"{{lt true false}}", NULL,
		 "ERR: template: t:1:2: executing \"t\" at <lt true false>: error calling lt: invalid type for comparison"},
		{"{{template \"nope\"}}", NULL,
		 "ERR: template: t:1:11: executing \"t\" at <{{template \"nope\"}}>: template \"nope\" not defined"},
		{"{{.Aaaaaaaaaaaa.Bbbbbbbbbbbbb}}", "{\"Aaaaaaaaaaaa\":1}",
		 "ERR: template: t:1:15: executing \"t\" at <.Aaaaaaaaaaaa.Bbbbbb...>: can't evaluate field Bbbbbbbbbbbbb in type interface {}"},
		{"{{1 2}}", NULL, "ERR: template: t:1:2: executing \"t\" at <1>: can't give argument to non-function 1"},
		{"{{.M.k 1}}", "{\"M\":{\"k\":1}}",
		 "ERR: template: t:1:4: executing \"t\" at <.M.k>: k is not a method but has arguments"},
		{"{{nil}}", NULL, "ERR: template: t:1:2: executing \"t\" at <nil>: nil is not a command"},
		{"{{len 3}}", NULL, "ERR: template: t:1:2: executing \"t\" at <len 3>: error calling len: len of type int"},
		{"{{range 1.5}}{{end}}", NULL,
		 "ERR: template: t:1:2: executing \"t\" at <{{range 1.5}}{{end}}>: range can't iterate over 1.5"},
		{"{{printf 1}}", NULL,
		 "ERR: template: t:1:9: executing \"t\" at <1>: wrong type for value; expected string; got int"},
		{"{{true | printf}}", NULL,
		 "ERR: template: t:1:9: executing \"t\" at <printf>: wrong type for value; expected string; got bool"},
		{"{{printf .X}}", "{}", "ERR: template: t:1:9: executing \"t\" at <.X>: invalid value; expected string"},
		{"ok{{define \"r\"}}{{template \"r\" .}}{{end}}{{template \"r\" .}}", NULL,
		 "ERR: template: t:1:27: executing \"r\" at <{{template \"r\" .}}>: exceeded maximum template depth (10000)"},
	};
	check_rows(rows, ARRAY_LEN(rows));
}

static void test_missingkey(void **state)
{
	char *s = render_mode("{{.X}}", "{}", TMPL_MISSING_ZERO);
	assert_string_equal(s, "<no value>");
	free(s);
	s = render_mode("{{.X.Y}}", "{}", TMPL_MISSING_ZERO);
	assert_string_equal(s, "ERR: template: t:1:4: executing \"t\" at <.X.Y>: nil pointer evaluating interface {}.Y");
	free(s);
	s = render_mode("{{.X.Y}}", "{}", TMPL_MISSING_DEFAULT);
	assert_string_equal(s, "<no value>");
	free(s);
	s = render_mode("{{.X}}", "{}", TMPL_MISSING_ERROR);
	assert_string_equal(s, "ERR: template: t:1:2: executing \"t\" at <.X>: map has no entry for key \"X\"");
	free(s);
	s = render_mode("{{$x := .X}}{{$x.Y}}", "{}", TMPL_MISSING_ZERO);
	assert_string_equal(s, "<no value>");
	free(s);
}

/* ---- printf ---- */

static void test_printf(void **state)
{
	static const struct row rows[] = {
		{"{{printf \"%5.2f|%-10s|%05d|%x|%X|%o|%b|%e|%g|%t|%c|%U|%q|%%\" 3.14159 \"ab\" 42 255 255 8 5 "
		 "1234.5678 0.000001 true 65 9731 \"hi\\n\"}}", NULL,
		 " 3.14|ab        |00042|ff|FF|10|101|1.234568e+03|1e-06|true|A|U+2603|\"hi\\n\"|%"},
		{"{{printf \"%d\" \"x\"}}", NULL, "%!d(string=x)"},
		{"{{printf \"%s\"}}", NULL, "%!s(MISSING)"},
		{"{{printf \"x\" 1 \"a\"}}", NULL, "x%!(EXTRA int=1, string=a)"},
		{"{{printf \"%*d|%-*d|\" 5 3 4 7}}", NULL, "    3|7   |"},
		{"{{printf \"%v %v %v\" .L .M nil}}", "{\"L\":[1,2],\"M\":{\"a\":1}}", "[1 2] map[a:1] <nil>"},
		{"{{printf \"%d\" nil}}", NULL, "%!d(<nil>)"},
		{"{{printf \"%s\" .L}}", "{\"L\":[\"a\",1]}", "[a %!s(int=1)]"},
		{"{{printf \"%d\" .L}}", "{\"L\":[1,2]}", "[1 2]"},
		{"{{printf \"%+d|% d|%+.1f\" 5 5 2.0}}", NULL, "+5| 5|+2.0"},
		{"{{printf \"%#x %#o %#X\" 255 8 255}}", NULL, "0xff 010 0XFF"},
		{"{{printf \"%6.2f%%\" 99.5}}", NULL, " 99.50%"},
		{"{{printf \"%.3s|%5.1s|\" \"abcdef\" \"xyz\"}}", NULL, "abc|    x|"},
		{"{{printf \"%x %X % x\" \"hi\" \"hi\" \"hi\"}}", NULL, "6869 6869 68 69"},
		{"{{printf \"%v %v %f %.2e\" 1e21 100000.0 1e6 123456.0}}", NULL, "1e+21 100000 1000000.000000 1.23e+05"},
		{"{{printf \"%#v\" .M}}", "{\"M\":{\"a\":\"x\",\"b\":[1,null]}}",
		 "map[string]interface {}{\"a\":\"x\", \"b\":[]interface {}{1, interface {}(nil)}}"},
		{"{{printf \"%T %T %T %T\" 1 \"a\" .L nil}}", "{\"L\":[]}", "int string []interface {} <nil>"},
		{"{{printf \"%08.3f|%+08d|%-8d|\" -3.14159 42 -42}}", NULL, "-003.142|+0000042|-42     |"},
		{"{{printf \"%\"}}", NULL, "%!(NOVERB)"},
		{"{{printf \"%z\" 1}}", NULL, "%!z(int=1)"},
		{"{{printf \"%[2]d %[1]d\" 1 2}}", NULL, "2 1"},
		{"{{printf \"%g %G %.3g %g\" 1e-7 1e-7 3.14159 100.0}}", NULL, "1e-07 1E-07 3.14 100"},
		{"{{printf \"%v|%5t|%-6v|\" true false true}}", NULL, "true|false|true  |"},
		{"{{printf \"%q %c\" 65 0x263A}}", NULL, "'A' \xe2\x98\xba"},
		{"{{printf \"%s %v\" .B .F}}", "{\"B\":true,\"F\":0.1}", "%!s(bool=true) 0.1"},
		{"{{printf \"%.0f %.1f %5.0f\" 2.5 0.05 -1.5}}", NULL, "2 0.1    -2"},
		{"{{printf \"%3c|%-4q|\" 65 \"a\"}}", NULL, "  A|\"a\" |"},
		{"{{printf \"%.2d|%.0d|%3.2d\" 5 0 7}}", NULL, "05|| 07"},
		{"{{printf \"%s\" \"\\u00e9\\u2603\" | len}}", NULL, "5"},
		{"{{printf \"%q|%+q|%#q\" \"\\u00a0\\x01\\u00e9\" \"\\u00e9\" \"a`b\"}}", NULL,
		 "\"\\u00a0\\x01\xc3\xa9\"|\"\\u00e9\"|\"a`b\""},
		{"{{printf \"%#q\" \"ab\"}} {{js \"\\u00a0\\u00e9\"}}", NULL, "`ab` \\u00A0\xc3\xa9"},
	};
	check_rows(rows, ARRAY_LEN(rows));
}

static void test_printf_api(void **state)
{
	struct value *args[3] = {value_int(7), value_str("x"), value_float(2.5)};
	struct strbuf sb = STRBUF_INIT;
	tmpl_printf(&sb, "%03d-%s-%v", args, 3);
	assert_string_equal(sb_str(&sb), "007-x-2.5");
	sb_reset(&sb);
	tmpl_sprint(&sb, args, 3);
	assert_string_equal(sb_str(&sb), "7x2.5");
	sb_reset(&sb);
	go_quote(&sb, "a\"\x01\xe2\x98\xba", 6, false);
	assert_string_equal(sb_str(&sb), "\"a\\\"\\x01\xe2\x98\xba\"");
	sb_reset(&sb);
	go_quote(&sb, "\xe2\x98\xba", 3, true);
	assert_string_equal(sb_str(&sb), "\"\\u263a\"");
	sb_done(&sb);
	for (int i = 0; i < 3; i++)
		value_unref(args[i]);
}

/* ---- include / tpl hooks ---- */

static void test_hooks(void **state)
{
	static const struct row rows[] = {
		{"{{define \"x\"}}a{{.}}{{end}}{{include \"x\" \"b\" | upper}}", NULL, "AB"},
		{"{{define \"r\"}}{{include \"r\" .}}{{end}}{{include \"r\" 1}}", NULL, "ERR"},
		{"{{tpl \"{{.A}}-{{define \\\"q\\\"}}Q{{end}}{{template \\\"q\\\"}}\" .}}", "{\"A\":1}", "1-Q"},
		{"{{tpl \"{{define \\\"q\\\"}}Q{{end}}\" .}}{{template \"q\"}}", "{}",
		 "ERR: template: t:1:47: executing \"t\" at <{{template \"q\"}}>: template \"q\" not defined"},
		{"{{tpl \"{{.A.B}}\" .}}", "{\"A\":1}",
		 "ERR: template: t:1:2: executing \"t\" at <tpl \"{{.A.B}}\" .>: error calling tpl: "
		 "template: t:1:4: executing \"t\" at <.A.B>: can't evaluate field B in type interface {}"},
		{"{{include \"none\" .}}", NULL,
		 "ERR: template: t:1:2: executing \"t\" at <include \"none\" .>: error calling include: "
		 "template: no template \"none\" associated with template \"t\""},
		{"ab\n  {{pos}}", NULL, "ab\n  t:2:4"},
	};
	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		char *got = render(rows[i].text, rows[i].data);
		if (!strcmp(rows[i].want, "ERR")) {
			assert_non_null(strstr(got, "nested too deep: r"));
		} else {
			if (strcmp(got, rows[i].want))
				print_message("got %s\nwant %s\n", got, rows[i].want);
			assert_string_equal(got, rows[i].want);
		}
		free(got);
	}
}

static void test_set_rules(void **state)
{
	struct tmpl_set *set = tmpl_set_new(NULL, TMPL_MISSING_DEFAULT);
	struct tops_err err = {0};
	struct strbuf out = STRBUF_INIT;
	const char *a = "{{define \"p\"}}first{{end}}", *b = "{{define \"p\"}}second{{end}}",
		   *c = "{{define \"p\"}}  {{end}}", *m = "[{{template \"p\"}}]";
	assert_int_equal(tmpl_parse(set, "a", a, strlen(a), &err), 0);
	assert_int_equal(tmpl_parse(set, "b", b, strlen(b), &err), 0);
	assert_int_equal(tmpl_parse(set, "c", c, strlen(c), &err), 0);  /* empty: no replace */
	assert_int_equal(tmpl_parse(set, "m", m, strlen(m), &err), 0);
	assert_true(tmpl_has(set, "p"));
	assert_false(tmpl_has(set, "q"));
	assert_int_equal(tmpl_execute(set, "m", NULL, &out, &err), 0);
	assert_string_equal(sb_str(&out), "[second]");
	sb_reset(&out);
	assert_true(tmpl_execute(set, "zz", NULL, &out, &err) < 0);
	assert_int_equal(err.code, TOPS_ENOENT);
	tops_err_clear(&err);
	/* errors name the file the define came from and the template being executed */
	const char *h = "\n{{define \"bad\"}}{{.X.Y}}{{end}}", *u = "{{template \"bad\" .}}";
	assert_int_equal(tmpl_parse(set, "_helpers.tpl", h, strlen(h), &err), 0);
	assert_int_equal(tmpl_parse(set, "use.yaml", u, strlen(u), &err), 0);
	struct value *data = value_from_json("{\"X\":1}", 7, &err);
	sb_reset(&out);
	assert_true(tmpl_execute(set, "use.yaml", data, &out, &err) < 0);
	assert_string_equal(tops_err_msg(&err), "template: _helpers.tpl:2:20: executing \"bad\" at <.X.Y>: "
			    "can't evaluate field Y in type interface {}");
	value_unref(data);
	tops_err_clear(&err);
	sb_done(&out);
	tmpl_set_free(set);
}

/* Partial output stays in out when execution fails. */
static void test_partial_output(void **state)
{
	struct tmpl_set *set = tmpl_set_new(NULL, TMPL_MISSING_DEFAULT);
	struct tops_err err = {0};
	struct strbuf out = STRBUF_INIT;
	const char *t = "before {{len 1}} after";
	assert_int_equal(tmpl_parse(set, "t", t, strlen(t), &err), 0);
	assert_true(tmpl_execute(set, "t", NULL, &out, &err) < 0);
	assert_string_equal(sb_str(&out), "before ");
	tops_err_clear(&err);
	sb_done(&out);
	tmpl_set_free(set);
}

/* Deep nesting is refused with a message, never a crash. */
static void test_limits(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 5000; i++)
		sb_adds(&sb, "{{if 1}}");
	char *got = render(sb_str(&sb), NULL);
	assert_string_equal(got, "ERR: template: t:1: max expression depth exceeded");
	free(got);
	sb_reset(&sb);
	sb_adds(&sb, "{{");
	for (int i = 0; i < 5000; i++)
		sb_adds(&sb, "(");
	got = render(sb_str(&sb), NULL);
	assert_string_equal(got, "ERR: template: t:1: max expression depth exceeded");
	free(got);
	sb_done(&sb);
	/* a map that contains itself prints with a cut-off instead of recursing forever */
	struct value *m = value_map();
	value_map_set(m, "self", value_ref(m));
	struct strbuf out = STRBUF_INIT;
	tmpl_fmt_value(&out, m);
	assert_true(str_has_prefix(sb_str(&out), "map[self:map[self:"));
	assert_non_null(strstr(sb_str(&out), "..."));
	sb_reset(&out);
	struct value *args[1] = {m};
	tmpl_printf(&out, "%#v", args, 1);
	assert_non_null(strstr(sb_str(&out), "..."));
	sb_done(&out);
	value_map_del(m, "self");  /* break the cycle so the map can be freed */
	value_unref(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lexer),
		cmocka_unit_test(test_parser_errors),
		cmocka_unit_test(test_parse_position),
		cmocka_unit_test(test_exec_basics),
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_missingkey),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_printf_api),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_set_rules),
		cmocka_unit_test(test_partial_output),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
