/* Unit tests for the chart functions, called directly through the registry (no template engine):
 * a table of function name, JSON arguments and the expected result printed with Go's %v (or an
 * expected error text). Expected values come from Go, Sprig and Helm documentation examples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <crypt.h>
#include <cmocka.h>

#include "core/tmpl/funcs_util.h"
#include "core/base/semver.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

struct fcase {
	const char *fn, *args, *want, *want_err;
};

static const struct fcase cases[] = {
	/* strings */
	{"trunc", "[5, \"hello world\"]", "hello", NULL},
	{"trunc", "[-5, \"hello world\"]", "world", NULL},
	{"abbrev", "[5, \"hello world\"]", "he...", NULL},
	{"title", "[\"hello world-wide_web\"]", "Hello World-Wide_web", NULL},
	{"untitle", "[\"Hello World\"]", "hello world", NULL},
	{"swapcase", "[\"This Is A.Test\"]", "tHIS iS a.tEST", NULL},
	{"substr", "[1, 3, \"hello\"]", "el", NULL},
	{"substr", "[3, 1, \"hello\"]", NULL, "slice bounds out of range"},
	{"substr", "[\"1\", 3, \"hello\"]", NULL, "wrong type for value; expected int; got string"},
	{"trimAll", "[\"$\", \"$5.00$\"]", "5.00", NULL},
	{"trunc", "[2.0, \"hello\"]", NULL, "wrong type for value; expected int; got float64"},
	{"trunc", "[null, \"hello\"]", NULL, "invalid value; expected int"},
	{"repeat", "[3, \"ab\"]", "ababab", NULL},
	{"repeat", "[-1, \"ab\"]", NULL, "negative Repeat count"},
	{"quote", "[\"a\\tb\\\"c\", 1, null]", "\"a\\tb\\\"c\" \"1\"", NULL},
	{"squote", "[\"it\", 2]", "'it' '2'", NULL},
	{"cat", "[\"hello\", \"beautiful\", \"world\", null, 3]", "hello beautiful world 3", NULL},
	{"indent", "[2, \"a\\n\\nb\"]", "  a\n  \n  b", NULL},
	{"nindent", "[1, \"a\"]", "\n a", NULL},
	{"replace", "[\"\", \"-\", \"ab\"]", "-a-b-", NULL},
	{"plural", "[\"one\", \"many\", 1]", "one", NULL},
	{"snakecase", "[\"FirstName\"]", "first_name", NULL},
	{"kebabcase", "[\"HTTPServer\"]", "http-server", NULL},
	{"camelcase", "[\"http_server\"]", "HttpServer", NULL},
	{"wrap", "[5, \"Hello World again\"]", "Hello\nWorld\nagain", NULL},
	{"wrapWith", "[5, \"<br>\", \"Hello World\"]", "Hello<br>World", NULL},
	{"initials", "[\"First Try\"]", "FT", NULL},
	{"splitList", "[\"$\", \"foo$bar$baz\"]", "[foo bar baz]", NULL},
	{"splitList", "[\"\", \"abc\"]", "[a b c]", NULL},
	{"split", "[\"$\", \"foo$bar\"]", "map[_0:foo _1:bar]", NULL},
	{"splitn", "[\"$\", 2, \"foo$bar$baz\"]", "map[_0:foo _1:bar$baz]", NULL},
	{"join", "[\"-\", [1, null, \"b\"]]", "1-b", NULL},
	{"sortAlpha", "[[\"b\", 10, \"a\", 2]]", "[10 2 a b]", NULL},
	{"base", "[\"/a/b/\"]", "b", NULL},
	{"dir", "[\"a/b/c\"]", "a/b", NULL},
	{"clean", "[\"a//b/../c/.\"]", "a/c", NULL},
	{"clean", "[\"../../x\"]", "../../x", NULL},
	{"ext", "[\"a/b.tar.gz\"]", ".gz", NULL},
	/* lists */
	{"first", "[\"abc\"]", NULL, "Cannot find first on type string"},
	{"rest", "[[1, 2, 3]]", "[2 3]", NULL},
	{"concat", "[[1], 2]", NULL, "Cannot concat type int as list"},
	{"uniq", "[[1, \"1\", 1, [2], [2]]]", "[1 1 [2]]", NULL},
	{"without", "[[1, 2, 3, 2], 2]", "[1 3]", NULL},
	{"has", "[2, [1, 2]]", "true", NULL},
	{"has", "[2, \"x\"]", NULL, "Cannot find has on type string"},
	{"compact", "[[0, \"\", null, false, [], {}, \"x\"]]", "[x]", NULL},
	{"slice", "[[1, 2, 3], 1, 2]", "[2]", NULL},
	{"chunk", "[2, [1, 2, 3]]", "[[1 2] [3]]", NULL},
	{"until", "[3]", "[0 1 2]", NULL},
	{"untilStep", "[0, 10, 4]", "[0 4 8]", NULL},
	/* dicts */
	{"dict", "[\"b\", 1, \"a\"]", "map[a: b:1]", NULL},
	{"get", "[{\"a\": 1}, \"z\"]", "", NULL},
	{"pluck", "[\"a\", {\"a\": 1}, {\"b\": 2}, {\"a\": 3}]", "[1 3]", NULL},
	{"dig", "[\"a\", \"b\", \"dflt\", {\"a\": {\"c\": 1}}]", "dflt", NULL},
	{"dig", "[\"a\", \"b\", \"dflt\", {\"a\": 5}]", NULL, "interface conversion"},
	{"pick", "[{\"a\": 1, \"b\": 2}, \"b\", \"c\"]", "map[b:2]", NULL},
	{"omit", "[{\"a\": 1, \"b\": 2}, \"b\"]", "map[a:1]", NULL},
	{"merge", "[{\"a\": \"\", \"b\": {\"c\": 1}}, {\"a\": \"x\", \"b\": {\"c\": 2, \"d\": 3}}]",
	 "map[a:x b:map[c:1 d:3]]", NULL},
	{"mergeOverwrite", "[{\"a\": 1, \"l\": [1]}, {\"a\": 2, \"l\": [2, 3]}]", "map[a:2 l:[2 3]]", NULL},
	{"keys", "[{\"b\": 1}, {\"a\": 2}]", "[b a]", NULL},
	{"values", "[{\"b\": 1, \"a\": 2}]", "[2 1]", NULL},
	{"deepCopy", "[null]", NULL, "nil"},
	/* maths */
	{"add", "[1, \"2\", 3.9]", "6", NULL},
	{"sub", "[\"0x10\", 1]", "15", NULL},
	{"mul", "[\"010\", 2]", "16", NULL},
	{"div", "[7, 0]", NULL, "integer divide by zero"},
	{"mod", "[7, 3]", "1", NULL},
	{"max", "[1, \"9\", 3]", "9", NULL},
	{"min", "[4, -2]", "-2", NULL},
	{"addf", "[1.1, 2.2]", "3.3", NULL},
	{"subf", "[1, 0.9]", "0.1", NULL},
	{"mulf", "[0.1, 3]", "0.3", NULL},
	{"divf", "[1, 4]", "0.25", NULL},
	{"maxf", "[1, 2.5, \"3.5\"]", "3.5", NULL},
	{"round", "[2.5, 0]", "3", NULL},
	{"round", "[-1.25, 1]", "-1.3", NULL},
	{"floor", "[\"-1.5\"]", "-2", NULL},
	{"int", "[\"12.0\"]", "12", NULL},
	{"int64", "[\"12.5\"]", "0", NULL},
	{"float64", "[\"1e3\"]", "1000", NULL},
	{"atoi", "[\"-42\"]", "-42", NULL},
	{"atoi", "[\"4x\"]", "0", NULL},
	{"toDecimal", "[\"0777\"]", "511", NULL},
	{"toDecimal", "[\"9\"]", "0", NULL},
	{"seq", "[2, -2]", "2 1 0 -1 -2", NULL},
	/* defaults and JSON */
	{"default", "[\"d\", 0]", "d", NULL},
	{"default", "[\"d\", false]", "d", NULL},
	{"default", "[\"d\", \"x\"]", "x", NULL},
	{"coalesce", "[null, \"\", [], 0, \"y\"]", "y", NULL},
	{"ternary", "[1, 2, \"true\"]", NULL, "wrong type for value; expected bool; got string"},
	{"fromJson", "[\"{\\\"a\\\": [1, 2.5]}\"]", "map[a:[1 2.5]]", NULL},
	{"fromJsonArray", "[\"[1, {\\\"a\\\": true}]\"]", "[1 map[a:true]]", NULL},
	{"fromYaml", "[\"a: 1\\nb: [x, 2]\"]", "map[a:1 b:[x 2]]", NULL},
	{"required", "[\"need it\", \"\"]", NULL, "need it"},
	{"required", "[\"need it\", 0]", "0", NULL},
	{"toToml", "[{\"a\": {\"b\": 1.5, \"c\": [1, 2]}, \"s\": \"x\"}]", "s = \"x\"\n\n[a]\n  b = 1.5\n  c = [1, 2]\n", NULL},
	{"fromToml", "[\"x = 1\\n[t]\\ny = \\\"s\\\"\"]", "map[t:map[y:s] x:1]", NULL},
	{"lookup", "[\"v1\", \"Pod\", \"ns\", \"p\"]", "map[]", NULL},
	{"getHostByName", "[\"example.com\"]", "", NULL},
	{"mustFromJson", "[\"{bad\"]", NULL, "invalid character 'b' looking for beginning of object key string"},
	{"mustFromJson", "[\"[1, 2\"]", NULL, "unexpected end of JSON input"},
	{"mustFromJson", "[\"{\\\"a\\\" 1}\"]", NULL, "invalid character '1' after object key"},
	{"mustFromJson", "[\"[1 2]\"]", NULL, "invalid character '2' after array element"},
	{"mustFromJson", "[\"tru\"]", NULL, "unexpected end of JSON input"},
	{"mustFromJson", "[\"nul!\"]", NULL, "invalid character '!' in literal null (expecting 'l')"},
	{"mustFromJson", "[\"1 x\"]", NULL, "invalid character 'x' after top-level value"},
	{"mustFromJson", "[\"-x\"]", NULL, "invalid character 'x' in numeric literal"},
	{"mustFromJson", "[\"'a'\"]", NULL, "invalid character '\\'' looking for beginning of value"},
	{"fromJson", "[\"[\\\"a\\\",\"]", "map[Error:unexpected end of JSON input]", NULL},
	{"toJson", "[{\"h\": \"<a&b>\"}]", "{\"h\":\"\\u003ca\\u0026b\\u003e\"}", NULL},
	{"toRawJson", "[{\"h\": \"<a&b>\"}]", "{\"h\":\"<a&b>\"}", NULL},
	{"fail", "[\"boom\"]", NULL, "boom"},
	/* encoding and crypto */
	{"b64enc", "[\"hello\"]", "aGVsbG8=", NULL},
	{"b64enc", "[5]", NULL, "wrong type for value; expected string; got int"},
	{"b64dec", "[\"aGVsbG8=\"]", "hello", NULL},
	{"b64dec", "[\"aGVsbG8\"]", "illegal base64 data at input byte 4", NULL},
	{"b64dec", "[\"a$==\"]", "illegal base64 data at input byte 1", NULL},
	{"b32enc", "[\"hi\"]", "NBUQ====", NULL},
	{"b32dec", "[\"NBUQ====\"]", "hi", NULL},
	{"sha1sum", "[\"\"]", "da39a3ee5e6b4b0d3255bfef95601890afd80709", NULL},
	{"adler32sum", "[\"Wikipedia\"]", "300286872", NULL},
	{"derivePassword", "[1, \"nope\", \"p\", \"u\", \"s\"]", "cannot find password template nope", NULL},
	/* regex (examples from Go's regexp documentation) */
	{"regexMatch", "[\"^[a-z]+\\\\[[0-9]+\\\\]$\", \"adam[23]\"]", "true", NULL},
	{"regexMatch", "[\"(\", \"x\"]", "false", NULL},
	{"mustRegexMatch", "[\"(\", \"x\"]", NULL, "error parsing regexp"},
	{"regexFindAll", "[\"a.\", \"paranormal\", -1]", "[ar an al]", NULL},
	{"regexFindAll", "[\"a.\", \"paranormal\", 2]", "[ar an]", NULL},
	{"regexFindAll", "[\"a*\", \"baaac\", -1]", "[ aaa ]", NULL},
	{"regexFind", "[\"a.\", \"none\"]", "", NULL},
	{"regexReplaceAll", "[\"a(x*)b\", \"-ab-axxb-\", \"T\"]", "-T-T-", NULL},
	{"regexReplaceAll", "[\"a(x*)b\", \"-ab-axxb-\", \"$1\"]", "--xx-", NULL},
	{"regexReplaceAll", "[\"a(x*)b\", \"-ab-axxb-\", \"$1W\"]", "---", NULL},
	{"regexReplaceAll", "[\"a(x*)b\", \"-ab-axxb-\", \"${1}W\"]", "-W-xxW-", NULL},
	{"regexReplaceAll", "[\"a(?P<x>x*)b\", \"-ab-axxb-\", \"${x}$$\"]", "-$-xx$-", NULL},
	{"regexReplaceAll", "[\"a*\", \"baaac\", \"-\"]", "-b-c-", NULL},
	{"regexReplaceAllLiteral", "[\"a(x*)b\", \"-ab-axxb-\", \"${1}\"]", "-${1}-${1}-", NULL},
	{"regexSplit", "[\"a\", \"banana\", -1]", "[b n n ]", NULL},
	{"regexSplit", "[\"a\", \"banana\", 2]", "[b nana]", NULL},
	{"regexSplit", "[\"z+\", \"pizza\", -1]", "[pi a]", NULL},
	{"regexSplit", "[\"a*\", \"abaabaccadaaae\", 5]", "[ b b c cadaaae]", NULL},
	{"regexSplit", "[\"x\", \"\", -1]", "[]", NULL},
	{"regexMatch", "[\"a$\", \"a\\n\"]", "false", NULL},
	{"regexMatch", "[\"(?m)a$\", \"a\\nb\"]", "true", NULL},
	{"regexQuoteMeta", "[\"a.b*c\"]", "a\\.b\\*c", NULL},
	/* reflection */
	{"kindOf", "[{}]", "map", NULL},
	{"kindOf", "[null]", "invalid", NULL},
	{"typeOf", "[[1]]", "[]interface {}", NULL},
	{"typeIs", "[\"float64\", 1.5]", "true", NULL},
	{"typeIsLike", "[\"string\", \"x\"]", "true", NULL},
	{"kindIs", "[\"int\", 1]", "true", NULL},
	{"deepEqual", "[[1, {\"a\": 2}], [1, {\"a\": 2}]]", "true", NULL},
	{"deepEqual", "[1, 1.0]", "false", NULL},
	/* semver */
	{"semverCompare", "[\">=1.2 <2\", \"1.5.0\"]", "true", NULL},
	{"semverCompare", "[\">=1.2 <2\", \"2.0.0-rc.1\"]", "false", NULL},
	{"semverCompare", "[\"~1.2.x\", \"1.2.9\"]", "true", NULL},
	{"semverCompare", "[\"1.2 - 1.4\", \"1.4.7\"]", "true", NULL},
	{"semverCompare", "[\"^0.2.3\", \"0.3.0\"]", "false", NULL},
	{"semverCompare", "[\"<1.0 || >=3\", \"3.1.0\"]", "true", NULL},
	{"semverCompare", "[\"!!1\", \"1.0.0\"]", NULL, "improper constraint"},
	{"semverCompare", "[\"1\", \"x.y\"]", NULL, "Invalid Semantic Version"},
	{"semver", "[\"v1.2\"]", "1.2.0", NULL},
	/* dates */
	{"duration", "[\"90\"]", "1m30s", NULL},
	{"duration", "[\"0\"]", "0s", NULL},
	{"durationRound", "[\"3h10m\"]", "3h", NULL},
	{"durationRound", "[\"1.5s\"]", "1s", NULL},
	{"durationRound", "[\"800ms\"]", "0s", NULL},
	{"dateInZone", "[\"2006-01-02T15:04:05Z07:00 Mon Jan _2 3PM .000\", 1700000000, \"UTC\"]",
	 "2023-11-14T22:13:20Z Tue Nov 14 10PM .000", NULL},
	{"htmlDateInZone", "[0, \"UTC\"]", "1970-01-01", NULL},
	{"dateInZone", "[\"15:04 MST -07:00\", 1700000000, \"Europe/Paris\"]", "23:13 CET +01:00", NULL},
	{"dateInZone", "[\"15:04 MST\", 1690000000, \"Europe/Paris\"]", "06:26 CEST", NULL},
	{"dateInZone", "[\"15:04 MST\", 1700000000, \"No/Such_Zone\"]", "22:13 UTC", NULL},
	{"dateInZone", "[\"15:04\", 1700000000, \"../../etc/passwd\"]", "22:13", NULL},
	{"hello", "[]", "Hello!", NULL},
};

static struct tmpl_funcs *registry(void)
{
	struct tmpl_funcs *f = tmpl_funcs_new();
	funcs_register_sprig(f);
	funcs_register_helm(f);
	return f;
}

static void run_case(const struct tmpl_funcs *reg, const struct fcase *c, int *failures)
{
	struct tops_err err = {0};
	struct value *args = value_from_json(c->args, strlen(c->args), &err);
	assert_non_null(args);
	const struct tmpl_func *fn = tmpl_funcs_find(reg, c->fn);
	assert_non_null(fn);
	struct value *out = NULL;
	int n = (int)args->u.list.len;
	int rc = fn->fn(NULL, args->u.list.items, n, &out, &err);
	struct strbuf sb = STRBUF_INIT;
	if (rc == 0)
		fu_fmt(&sb, out);
	bool ok = c->want ? rc == 0 && !strcmp(sb_str(&sb), c->want)
			  : rc < 0 && strstr(tops_err_msg(&err), c->want_err);
	if (!ok) {
		print_message("%s %s: want %s%s, got %s%s\n", c->fn, c->args,
			      c->want ? "" : "error ", c->want ? c->want : c->want_err,
			      rc == 0 ? "" : "error ", rc == 0 ? sb_str(&sb) : tops_err_msg(&err));
		(*failures)++;
	}
	sb_done(&sb);
	value_unref(out);
	value_unref(args);
	tops_err_clear(&err);
}

static void test_table(void **state)
{
	(void)state;
	struct tmpl_funcs *reg = registry();
	int failures = 0;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		run_case(reg, &cases[i], &failures);
	tmpl_funcs_free(reg);
	assert_int_equal(failures, 0);
}

/* Functions whose results are random: check shape, not value. */
static void test_random(void **state)
{
	(void)state;
	struct tmpl_funcs *reg = registry();
	struct value *n = value_int(24), *out = NULL;
	struct tops_err err = {0};
	assert_int_equal(tmpl_funcs_find(reg, "randAlphaNum")->fn(NULL, &n, 1, &out, &err), 0);
	assert_int_equal(out->u.str.len, 24);
	for (size_t i = 0; i < 24; i++)
		assert_true(isalnum((unsigned char)out->u.str.s[i]));
	value_unref(out);
	assert_int_equal(tmpl_funcs_find(reg, "uuidv4")->fn(NULL, NULL, 0, &out, &err), 0);
	assert_int_equal(out->u.str.len, 36);
	assert_int_equal(out->u.str.s[14], '4');
	assert_true(strchr("89ab", out->u.str.s[19]) != NULL);
	value_unref(out);
	struct value *args[2] = {value_str("k3y"), value_str("secret text")};
	assert_int_equal(tmpl_funcs_find(reg, "encryptAES")->fn(NULL, args, 2, &out, &err), 0);
	struct value *dargs[2] = {args[0], out}, *plain = NULL;
	assert_int_equal(tmpl_funcs_find(reg, "decryptAES")->fn(NULL, dargs, 2, &plain, &err), 0);
	assert_string_equal(plain->u.str.s, "secret text");
	value_unref(plain);
	value_unref(out);
	value_unref(args[0]);
	value_unref(args[1]);
	value_unref(n);
	tmpl_funcs_free(reg);
}

/* A map set into itself (set $d "self" $d) must not crash the serialisers or the printer. */
static void test_cycles(void **state)
{
	(void)state;
	struct tmpl_funcs *reg = registry();
	struct value *m = value_map();
	value_map_set(m, "self", value_ref(m));
	struct value *out = NULL;
	struct tops_err err = {0};
	static const char *const empty_result[] = {"toYaml", "toJson", "toPrettyJson", "toRawJson"};
	for (size_t i = 0; i < ARRAY_LEN(empty_result); i++) {
		assert_int_equal(tmpl_funcs_find(reg, empty_result[i])->fn(NULL, &m, 1, &out, &err), 0);
		assert_string_equal(out->u.str.s, "");
		value_unref(out);
	}
	struct value *nan = value_list();
	value_list_push(nan, value_float(NAN));
	assert_int_equal(tmpl_funcs_find(reg, "toJson")->fn(NULL, &nan, 1, &out, &err), 0);
	assert_string_equal(out->u.str.s, "");
	value_unref(out);
	assert_int_equal(tmpl_funcs_find(reg, "toYamlPretty")->fn(NULL, &nan, 1, &out, &err), 0);
	assert_string_equal(out->u.str.s, "- .nan");
	value_unref(out);
	/* the must- forms fail with Go's words instead of giving "" */
	static const char *const must[] = {"mustToJson", "mustToPrettyJson", "mustToRawJson", "mustToYaml"};
	for (size_t i = 0; i < ARRAY_LEN(must); i++) {
		assert_true(tmpl_funcs_find(reg, must[i])->fn(NULL, &nan, 1, &out, &err) < 0);
		assert_string_equal(tops_err_msg(&err), "json: unsupported value: NaN");
		tops_err_clear(&err);
		assert_true(tmpl_funcs_find(reg, must[i])->fn(NULL, &m, 1, &out, &err) < 0);
		assert_non_null(strstr(tops_err_msg(&err), "contains itself"));
		tops_err_clear(&err);
	}
	value_unref(nan);
	assert_true(tmpl_funcs_find(reg, "deepCopy")->fn(NULL, &m, 1, &out, &err) < 0);
	assert_non_null(strstr(tops_err_msg(&err), "contains itself"));
	tops_err_clear(&err);
	assert_int_equal(tmpl_funcs_find(reg, "toString")->fn(NULL, &m, 1, &out, &err), 0);
	assert_non_null(strstr(out->u.str.s, "map[self:map[self:"));
	value_unref(out);
	value_map_del(m, "self");   /* break the cycle so the map can be freed */
	value_unref(m);
	tmpl_funcs_free(reg);
}

static struct value *call(const struct tmpl_funcs *reg, const char *fn, struct value **args, int n,
			  struct tops_err *err)
{
	struct value *out = NULL;
	if (tmpl_funcs_find(reg, fn)->fn(NULL, args, n, &out, err) < 0)
		return NULL;
	return out;
}

static X509 *pem_cert(const struct value *m)
{
	const struct value *c = value_map_get(m, "Cert");
	BIO *b = BIO_new_mem_buf(c->u.str.s, (int)c->u.str.len);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	return x;
}

/* genCA / genSignedCert / genCAWithKey / buildCustomCert produce certificates OpenSSL verifies. */
static void test_certs(void **state)
{
	(void)state;
	struct tmpl_funcs *reg = registry();
	struct tops_err err = {0};
	struct value *a[6];
	a[0] = value_str("test-ca");
	a[1] = value_int(10);
	struct value *ca = call(reg, "genCA", a, 2, &err);
	assert_non_null(ca);
	struct value *ips = value_list(), *dns = value_list();
	value_list_push(ips, value_str("10.1.2.3"));
	value_list_push(dns, value_str("svc.ns.svc"));
	struct value *sa[5] = {value_str("svc"), ips, dns, value_int(5), ca};
	struct value *leaf = call(reg, "genSignedCert", sa, 5, &err);
	assert_non_null(leaf);
	X509 *cax = pem_cert(ca), *lx = pem_cert(leaf);
	assert_non_null(cax);
	assert_non_null(lx);
	assert_int_equal(X509_verify(lx, X509_get0_pubkey(cax)), 1);
	assert_int_equal(X509_check_host(lx, "svc.ns.svc", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(lx, "10.1.2.3", 0), 1);
	assert_int_equal(X509_check_ca(cax), 1);
	assert_int_equal(X509_check_ca(lx), 0);
	X509_free(cax);
	X509_free(lx);
	value_unref(leaf);
	/* a bad IP is Sprig's error */
	value_list_push(ips, value_str("not-an-ip"));
	assert_null(call(reg, "genSelfSignedCert", sa, 4, &err));
	assert_non_null(strstr(tops_err_msg(&err), "error parsing ip: not-an-ip"));
	tops_err_clear(&err);
	/* an ECDSA key of our own, then buildCustomCert from base64 */
	struct value *kt = value_str("ecdsa");
	struct value *key = call(reg, "genPrivateKey", &kt, 1, &err);
	assert_non_null(strstr(key->u.str.s, "BEGIN EC PRIVATE KEY"));
	struct value *wa[3] = {a[0], a[1], key};
	struct value *eca = call(reg, "genCAWithKey", wa, 3, &err);
	assert_non_null(eca);
	assert_string_equal(value_map_get(eca, "Key")->u.str.s, key->u.str.s);
	struct value *b64c = call(reg, "b64enc", (struct value *[]){value_map_get(eca, "Cert")}, 1, &err);
	struct value *b64k = call(reg, "b64enc", (struct value *[]){key}, 1, &err);
	struct value *custom = call(reg, "buildCustomCert", (struct value *[]){b64c, b64k}, 2, &err);
	assert_non_null(custom);
	assert_string_equal(value_map_get(custom, "Cert")->u.str.s, value_map_get(eca, "Cert")->u.str.s);
	assert_null(call(reg, "buildCustomCert", (struct value *[]){b64k, b64c}, 2, &err));
	tops_err_clear(&err);
	struct value *vals[] = {custom, b64c, b64k, eca, key, kt, ca, a[0], a[1], sa[0], sa[3], ips, dns};
	for (size_t i = 0; i < ARRAY_LEN(vals); i++)
		value_unref(vals[i]);
	tmpl_funcs_free(reg);
}

static void test_semver_order(void **state)
{
	(void)state;
	/* SemVer 2.0.0 section 11 example ordering */
	static const char *const order[] = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
		"1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0"};
	for (size_t i = 0; i + 1 < ARRAY_LEN(order); i++) {
		struct semver a, b;
		assert_int_equal(semver_parse(order[i], &a, NULL), 0);
		assert_int_equal(semver_parse(order[i + 1], &b, NULL), 0);
		assert_int_equal(semver_compare(&a, &b), -1);
		assert_int_equal(semver_compare(&b, &a), 1);
		semver_done(&a);
		semver_done(&b);
	}
	struct semver v;
	assert_int_equal(semver_parse("1.2.3+build.5", &v, NULL), 0);
	assert_string_equal(v.meta, "build.5");
	semver_done(&v);
	assert_true(semver_parse("1.2.3-01", &v, NULL) < 0);
	assert_true(semver_parse("1.2.3.4", &v, NULL) < 0);
}

/* An int64 result (sub, add, int64) is not an int parameter, as in Go; `int` converts. */
static void test_int_params(void **state)
{
	(void)state;
	struct tmpl_funcs *reg = registry();
	struct tops_err err = {0};
	struct value *a[2] = {value_int(5), value_int(2)};
	struct value *d = call(reg, "sub", a, 2, &err);
	struct value *t[2] = {d, value_str("hello")};
	assert_null(call(reg, "trunc", t, 2, &err));
	assert_string_equal(tops_err_msg(&err), "wrong type for value; expected int; got int64");
	tops_err_clear(&err);
	struct value *i = call(reg, "int", &d, 1, &err);
	t[0] = i;
	struct value *r = call(reg, "trunc", t, 2, &err);
	assert_string_equal(r->u.str.s, "hel");
	struct value *vals[] = {a[0], a[1], d, t[1], i, r};
	for (size_t k = 0; k < ARRAY_LEN(vals); k++)
		value_unref(vals[k]);
	tmpl_funcs_free(reg);
}

static void test_fmt(void **state)
{
	(void)state;
	struct tops_err err = {0};
	const char *j = "{\"b\": [1, 2.5, null, \"s\"], \"a\": {}}";
	struct value *v = value_from_json(j, strlen(j), &err);
	struct strbuf sb = STRBUF_INIT;
	fu_fmt(&sb, v);
	assert_string_equal(sb_str(&sb), "map[a:map[] b:[1 2.5 <nil> s]]");
	sb_reset(&sb);
	fu_quote(&sb, "\x01\xff\xe2\x82\xac\n", 6);
	assert_string_equal(sb_str(&sb), "\"\\x01\\xff€\\n\"");
	sb_reset(&sb);
	fu_fmt_duration(&sb, 1500000);
	assert_string_equal(sb_str(&sb), "1.5ms");
	sb_reset(&sb);
	fu_fmt_duration(&sb, -3723000000000LL);
	assert_string_equal(sb_str(&sb), "-1h2m3s");
	sb_done(&sb);
	value_unref(v);
}

/* bcrypt and htpasswd: Go's hash form, a fresh salt each time, a hash that verifies, Sprig's
 * failure texts. (tests/integration/t_htpasswd.sh verifies with Apache's htpasswd.) */
static void test_passwd(void **state)
{
	(void)state;
	struct tmpl_funcs *reg = registry();
	struct tops_err err = {0};
	struct value *pw = value_str("s3cret");
	struct value *a = call(reg, "bcrypt", &pw, 1, &err), *b = call(reg, "bcrypt", &pw, 1, &err);
	assert_int_equal(a->u.str.len, 60);
	assert_true(strncmp(a->u.str.s, "$2a$10$", 7) == 0);
	assert_int_equal(strspn(a->u.str.s + 7, "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"), 53);
	assert_string_not_equal(a->u.str.s, b->u.str.s);            /* random salt */
	struct crypt_data *cd = calloc(1, sizeof *cd);
	assert_string_equal(crypt_r("s3cret", a->u.str.s, cd), a->u.str.s);
	assert_string_not_equal(crypt_r("s3creT", a->u.str.s, cd), a->u.str.s);
	free(cd);
	struct value *args[3] = {value_str("admin"), value_ref(pw), value_str("sha")};
	struct value *sha = call(reg, "htpasswd", args, 3, &err);
	assert_string_equal(sha->u.str.s, "admin:{SHA}/vNB+F2HQ559kaLUZbmHHvZrXpg=");
	value_unref(args[2]);
	args[2] = value_str("bcrypt");
	struct value *bc = call(reg, "htpasswd", args, 3, &err);
	assert_true(strncmp(bc->u.str.s, "admin:$2a$10$", 13) == 0);
	value_unref(args[0]);
	args[0] = value_str("ad:min");
	struct value *bad = call(reg, "htpasswd", args, 3, &err);
	assert_string_equal(bad->u.str.s, "invalid username: ad:min");
	struct value *longpw = value_str("0123456789012345678901234567890123456789012345678901234567890123456789012");
	struct value *toolong = call(reg, "bcrypt", &longpw, 1, &err);
	assert_string_equal(toolong->u.str.s, "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes");
	for (int i = 0; i < 3; i++)
		value_unref(args[i]);
	struct value *all[] = {pw, a, b, sha, bc, bad, longpw, toolong};
	for (size_t i = 0; i < ARRAY_LEN(all); i++)
		value_unref(all[i]);
	tmpl_funcs_free(reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table), cmocka_unit_test(test_random),
		cmocka_unit_test(test_cycles), cmocka_unit_test(test_certs),
		cmocka_unit_test(test_semver_order), cmocka_unit_test(test_passwd),
		cmocka_unit_test(test_int_params), cmocka_unit_test(test_fmt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
