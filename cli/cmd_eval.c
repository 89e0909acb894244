/* tops eval — evaluates a template snippet with the chart function set against a data file.
 *
 *   tops eval [-d DATA.(yaml|json)] [--go] 'TEMPLATE'
 *
 * Helm semantics by default: Sprig (minus env/expandenv) plus Helm's functions, missingkey=zero,
 * "<no value>" removed from the output; YAML data is read as Helm reads values (numbers become
 * float64), JSON data keeps integers. --go selects Go's plain text/template mode with Sprig only
 * (default missingkey, "<no value>" kept), for running Go/Sprig test suites from outside.
 */
#include "cli/commands.h"
#include "core/tmpl/funcs.h"
#include "core/base/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct eval_opts {
	const char *data;       /* -d FILE, "-" for stdin */
	const char *text;       /* the template */
	bool go_mode;
};

static void eval_usage(FILE *f)
{
	fprintf(f, "Usage: tops eval [-d DATA.(yaml|json)] [--go] 'TEMPLATE'\n\n"
		   "Evaluates TEMPLATE with the chart functions (Sprig and Helm's) and prints the result.\n\n"
		   "Flags:\n"
		   "  -d, --data FILE   data for dot: a JSON or YAML file (\"-\" reads stdin)\n"
		   "      --go          Go's plain text/template mode: Sprig functions only, missing keys\n"
		   "                    print <no value> (Helm mode: missingkey=zero, <no value> removed)\n"
		   "  -h, --help        show this help\n");
}

/* 0 ok, 1 help shown, -1 usage error (reported). */
static int parse_args(struct eval_opts *o, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			eval_usage(stdout);
			return 1;
		} else if (!strcmp(a, "--go")) {
			o->go_mode = true;
		} else if (!strcmp(a, "-d") || !strcmp(a, "--data")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "tops: eval: %s needs a file name\n", a);
				return -1;
			}
			o->data = argv[++i];
		} else if (!strncmp(a, "--data=", 7)) {
			o->data = a + 7;
		} else if (!strcmp(a, "--")) {
			if (i + 1 < argc && !o->text)
				o->text = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "tops: eval: unknown flag %s\n", a);
			return -1;
		} else if (!o->text) {
			o->text = a;
		} else {
			fprintf(stderr, "tops: eval: only one template argument is allowed\n");
			return -1;
		}
	}
	if (!o->text) {
		fprintf(stderr, "tops: eval: missing TEMPLATE argument\n");
		eval_usage(stderr);
		return -1;
	}
	return 0;
}

static bool looks_json(const char *path, const char *text)
{
	size_t n = strlen(path);
	if (n >= 5 && !strcmp(path + n - 5, ".json"))
		return true;
	if ((n >= 5 && !strcmp(path + n - 5, ".yaml")) || (n >= 4 && !strcmp(path + n - 4, ".yml")))
		return false;
	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	return *text == '{' || *text == '[';
}

static struct value *load_data(const char *path, bool go_mode, struct tops_err *err)
{
	if (!path)
		return value_map();
	char *text = NULL;
	size_t len = 0;
	if (read_file(path, 64u << 20, &text, &len, err) < 0)
		return NULL;
	struct value *v;
	if (looks_json(path, text)) {
		v = value_from_json(text, len, err);
		if (!v)
			tops_err_prefix(err, "%s", path);
	} else {
		struct yaml_opts yo = {.numbers_as_float = !go_mode};
		v = yaml_load(text, len, path, &yo, NULL, err);
	}
	free(text);
	return v;
}

static void strip_no_value(struct strbuf *sb)
{
	static const char nv[] = "<no value>";
	size_t w = 0, n = sizeof nv - 1;
	for (size_t r = 0; r < sb->len;) {
		if (r + n <= sb->len && !memcmp(sb->buf + r, nv, n)) {
			r += n;
			continue;
		}
		sb->buf[w++] = sb->buf[r++];
	}
	sb->len = w;
}

static int run(const struct eval_opts *o, struct tops_err *err)
{
	struct value *dot = load_data(o->data, o->go_mode, err);
	if (!dot)
		return -1;
	struct tmpl_funcs *funcs = tmpl_funcs_new();
	funcs_register_sprig(funcs);
	if (!o->go_mode)
		funcs_register_helm(funcs);
	struct tmpl_set *set = tmpl_set_new(funcs, o->go_mode ? TMPL_MISSING_DEFAULT : TMPL_MISSING_ZERO);
	struct strbuf out = STRBUF_INIT;
	int rc = tmpl_parse(set, "eval", o->text, strlen(o->text), err);
	if (rc == 0)
		rc = tmpl_execute(set, "eval", dot, &out, err);
	if (rc == 0) {
		if (!o->go_mode)
			strip_no_value(&out);
		fwrite(out.buf ? out.buf : "", 1, out.len, stdout);
		fflush(stdout);
	}
	sb_done(&out);
	tmpl_set_free(set);
	tmpl_funcs_free(funcs);
	value_unref(dot);
	return rc;
}

int cmd_eval(int argc, char **argv)
{
	struct eval_opts o = {0};
	int p = parse_args(&o, argc, argv);
	if (p != 0)
		return p > 0 ? 0 : 2;
	struct tops_err err = {0};
	if (run(&o, &err) < 0) {
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
		tops_err_clear(&err);
		return 1;
	}
	return 0;
}
