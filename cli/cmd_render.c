/* tops render — `helm template` with helm's flags. */
#include "cli/commands.h"
#include "core/chart/chart.h"
#include "core/tmpl/funcs_util.h"
#include "core/base/options.h"
#include "core/chart/render.h"
#include "core/chart/strvals.h"
#include "core/chart/values.h"
#include "core/tmpl/funcs.h"
#include "core/tmpl/tmpl.h"
#include "cli/render_extras.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


enum rflag { RF_VALUES, RF_SET, RF_SET_STRING, RF_SET_FILE, RF_SET_JSON, RF_SET_LITERAL,
	     RF_KUBE_VERSION, RF_API_VERSIONS, RF_INCLUDE_CRDS, RF_SKIP_TESTS, RF_SHOW_ONLY,
	     RF_OUTPUT_DIR, RF_NAMESPACE, RF_NO_HOOKS, RF_RELEASE_NAME, RF_IS_UPGRADE, RF_DEBUG,
	     RF_NAME_TEMPLATE, RF_VALIDATE, RF_DEP_UPDATE, RF_POST_RENDERER, RF_POST_ARGS, RF_HELP };

/* Every flag of `tops render`; --help is generated from this table. */
static const struct {
	const char *lng, *shrt;
	enum rflag id;
	const char *arg;    /* the argument's name in --help, NULL for a switch */
	const char *help;
} flags[] = {
	{"--values", "-f", RF_VALUES, "FILE", "values file (YAML; - is stdin); repeatable, commas separate files"},
	{"--set", NULL, RF_SET, "K=V", "set values (a.b=c,l[0]=x); repeatable"},
	{"--set-string", NULL, RF_SET_STRING, "K=V", "like --set, every value a string"},
	{"--set-file", NULL, RF_SET_FILE, "K=FILE", "the value is the content of FILE"},
	{"--set-json", NULL, RF_SET_JSON, "K=JSON", "JSON values (or one JSON object merged whole)"},
	{"--set-literal", NULL, RF_SET_LITERAL, "K=V", "everything after the first = is one string"},
	{"--namespace", "-n", RF_NAMESPACE, "NS", ".Release.Namespace (default \"default\")"},
	{"--kube-version", NULL, RF_KUBE_VERSION, "V", ".Capabilities.KubeVersion (default v1.20.0)"},
	{"--api-versions", "-a", RF_API_VERSIONS, "G/V", "extra .Capabilities.APIVersions; repeatable"},
	{"--include-crds", NULL, RF_INCLUDE_CRDS, NULL, "include the charts' crds/ in the output"},
	{"--skip-tests", NULL, RF_SKIP_TESTS, NULL, "leave out test hooks"},
	{"--no-hooks", NULL, RF_NO_HOOKS, NULL, "leave out every hook (helm.sh/hook)"},
	{"--is-upgrade", NULL, RF_IS_UPGRADE, NULL, ".Release.IsUpgrade true, .Release.IsInstall false"},
	{"--show-only", "-s", RF_SHOW_ONLY, "PATH", "only manifests from templates matching PATH (a glob); repeatable"},
	{"--output-dir", NULL, RF_OUTPUT_DIR, "DIR", "write each template's manifests to DIR/CHART/templates/..."},
	{"--release-name", NULL, RF_RELEASE_NAME, NULL, "with --output-dir, write under DIR/RELEASE/"},
	{"--name-template", NULL, RF_NAME_TEMPLATE, "TPL", "the release name from a template (Sprig functions)"},
	{"--validate", NULL, RF_VALIDATE, NULL, "the cluster validates every object (server dry run; nothing stored)"},
	{"--dependency-update", NULL, RF_DEP_UPDATE, NULL, "take missing file:// dependencies from their directories"},
	{"--post-renderer", NULL, RF_POST_RENDERER, "PATH", "pipe the manifests through PATH (stdin to stdout)"},
	{"--post-renderer-args", NULL, RF_POST_ARGS, "ARG", "an argument for the post-renderer; repeatable"},
	{"--debug", NULL, RF_DEBUG, NULL, "on a failed render, print what was rendered, then the error"},
	{"--help", "-h", RF_HELP, NULL, "this help"},
};

struct sets {
	enum strvals_kind kind;
	const char *text;
};

struct args {
	const char *pos[2];
	int npos;
	const char **values;
	size_t nvalues;
	struct sets *sets;
	size_t nsets;
	const char **api;
	size_t napi;
	const char **show;
	size_t nshow;
	const char *name_template, *post_renderer;
	const char **post_args;
	size_t npost_args;
	bool validate, dep_update;
	struct render_opts o;
};

static void push(const char ***arr, size_t *n, const char *s)
{
	*arr = xrealloc(*arr, (*n + 1) * sizeof(char *));
	(*arr)[(*n)++] = s;
}

/* StringSlice flags (-f, --api-versions) also split on commas, as helm's do. */
static void push_split(const char ***arr, size_t *n, const char *s)
{
	char *copy = xstrdup(s);
	for (char *save = NULL, *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
		push(arr, n, xstrdup(p));
	free(copy);
}

static void usage(FILE *f)
{
	fputs("usage: tops render [NAME] CHART [flags]\n"
	      "Renders a chart locally, byte for byte as `helm template` does.\n\nFlags:\n", f);
	for (size_t i = 0; i < ARRAY_LEN(flags); i++) {
		char left[64];
		snprintf(left, sizeof left, "%s%s%s%s%s", flags[i].shrt ? flags[i].shrt : "",
			 flags[i].shrt ? ", " : "    ", flags[i].lng, flags[i].arg ? " " : "",
			 flags[i].arg ? flags[i].arg : "");
		fprintf(f, "  %-30s %s\n", left, flags[i].help);
	}
}

static void apply_flag(struct args *a, enum rflag id, const char *v)
{
	static const enum strvals_kind kinds[] = {
		[RF_SET] = STRVALS_SET, [RF_SET_STRING] = STRVALS_STRING, [RF_SET_FILE] = STRVALS_FILE,
		[RF_SET_JSON] = STRVALS_JSON, [RF_SET_LITERAL] = STRVALS_LITERAL,
	};
	switch (id) {
	case RF_VALUES: push_split(&a->values, &a->nvalues, v); break;
	case RF_SET: case RF_SET_STRING: case RF_SET_FILE: case RF_SET_JSON: case RF_SET_LITERAL:
		a->sets = xrealloc(a->sets, (a->nsets + 1) * sizeof(*a->sets));
		a->sets[a->nsets++] = (struct sets){kinds[id], v};
		break;
	case RF_KUBE_VERSION: a->o.kube_version = v; break;
	case RF_API_VERSIONS: push_split(&a->api, &a->napi, v); break;
	case RF_INCLUDE_CRDS: a->o.include_crds = true; break;
	case RF_SKIP_TESTS: a->o.skip_tests = true; break;
	case RF_SHOW_ONLY: push(&a->show, &a->nshow, v); break;
	case RF_OUTPUT_DIR: a->o.output_dir = v; break;
	case RF_NAMESPACE: a->o.namespace_ = v; break;
	case RF_NO_HOOKS: a->o.no_hooks = true; break;
	case RF_RELEASE_NAME: a->o.use_release_name = true; break;
	case RF_IS_UPGRADE: a->o.is_upgrade = true; break;
	case RF_DEBUG: a->o.debug = true; break;
	case RF_NAME_TEMPLATE: a->name_template = v; break;
	case RF_VALIDATE: a->validate = true; break;
	case RF_DEP_UPDATE: a->dep_update = true; break;
	case RF_POST_RENDERER: a->post_renderer = v; break;
	case RF_POST_ARGS: push(&a->post_args, &a->npost_args, v); break;
	case RF_HELP: break;
	}
}

/* Returns 0, 1 for --help, or 2 for a usage error (message printed). */
static int parse_args(int argc, char **argv, struct args *a)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *eq = NULL;
		size_t k, nlen = strlen(arg);
		if (arg[0] != '-' || !arg[1]) {
			if (a->npos == 2) { /* helm's words, and its exit status 1 */
				fprintf(stderr, "tops: expected at most two arguments, unexpected arguments: %s", arg);
				for (int j = i + 1; j < argc; j++)
					if (argv[j][0] != '-')
						fprintf(stderr, ", %s", argv[j]);
				fputc('\n', stderr);
				return 3;
			}
			a->pos[a->npos++] = arg;
			continue;
		}
		if (!strncmp(arg, "--", 2) && (eq = strchr(arg, '=')))
			nlen = (size_t)(eq - arg);
		for (k = 0; k < ARRAY_LEN(flags); k++)
			if ((strlen(flags[k].lng) == nlen && !strncmp(arg, flags[k].lng, nlen)) ||
			    (flags[k].shrt && !eq && !strcmp(arg, flags[k].shrt)))
				break;
		if (k == ARRAY_LEN(flags)) {
			fprintf(stderr, "tops: render: unknown flag: %s\nusage: tops render [NAME] CHART [flags]\n", arg);
			return 2;
		}
		if (flags[k].id == RF_HELP)
			return 1;
		const char *v = eq ? eq + 1 : NULL;
		if (flags[k].arg != NULL && !v) {
			if (i + 1 >= argc) {
				fprintf(stderr, "tops: render: flag needs an argument: %s\n", arg);
				return 2;
			}
			v = argv[++i];
		}
		apply_flag(a, flags[k].id, v);
	}
	if (a->npos == 0) { /* cobra's MinimumNArgs, which helm reports with exit status 1 */
		fprintf(stderr, "tops: \"tops render\" requires at least 1 argument\n\n"
			"Usage:  tops render [NAME] [CHART] [flags]\n");
		return 3;
	}
	return 0;
}

static const char *const set_names[] = {
	[STRVALS_SET] = "--set", [STRVALS_STRING] = "--set-string", [STRVALS_JSON] = "--set-json",
	[STRVALS_LITERAL] = "--set-literal", [STRVALS_FILE] = "--set-file",
};

/* --set-json '{"a":1}': a whole JSON object merged like a values file. Returns 1 when merged,
 * 0 when text is key=value syntax, -1 on error. */
static int json_object_values(struct value **base, const char *text, struct tops_err *err)
{
	const char *t = text;
	while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
		t++;
	if (*t != '{')
		return 0;
	struct tops_err e = {0};
	struct value *v = value_from_json(t, strlen(t), &e);
	tops_err_clear(&e);
	if (!v || v->type != V_MAP) {
		value_unref(v);
		tops_err_set(err, TOPS_EINVAL, "failed parsing --set-json data JSON: %s", text);
		return -1;
	}
	fu_json_floats(v); /* Go's encoding/json decodes every number as float64 */
	struct value *m = values_merge_maps(*base, v);
	value_unref(v);
	value_unref(*base);
	*base = m;
	return 1;
}

/* MergeValues: -f files in order, then --set-json, --set, --set-string, --set-file,
 * --set-literal, each kind in command-line order. */
static struct value *user_values(const struct args *a, struct tops_err *err)
{
	static const enum strvals_kind order[] = {STRVALS_JSON, STRVALS_SET, STRVALS_STRING,
						   STRVALS_FILE, STRVALS_LITERAL};
	struct value *base = values_merge_files(a->values, a->nvalues, err);
	if (!base)
		return NULL;
	for (size_t k = 0; k < ARRAY_LEN(order); k++)
		for (size_t i = 0; i < a->nsets; i++) {
			if (a->sets[i].kind != order[k])
				continue;
			if (order[k] == STRVALS_JSON && json_object_values(&base, a->sets[i].text, err) != 0) {
				if (err->code)
					goto fail;
				continue;
			}
			if (strvals_parse_into(order[k], a->sets[i].text, base, NULL, NULL, err) < 0) {
				tops_err_prefix(err, "failed parsing %s data", set_names[order[k]]);
				goto fail;
			}
		}
	return base;
fail:
	value_unref(base);
	return NULL;
}

static void args_done(struct args *a)
{
	for (size_t i = 0; i < a->nvalues; i++)
		free((char *)a->values[i]);
	for (size_t i = 0; i < a->napi; i++)
		free((char *)a->api[i]);
	free(a->values);
	free(a->api);
	free(a->show);
	free(a->sets);
	free(a->post_args);
}

/* --name-template: the release name rendered with the chart functions (helm's rule). */
static int name_from_template(const char *tpl, char **out, struct tops_err *err)
{
	struct tmpl_funcs *funcs = tmpl_funcs_new();
	funcs_register_sprig(funcs);
	struct tmpl_set *set = tmpl_set_new(funcs, TMPL_MISSING_ZERO);
	struct strbuf sb = STRBUF_INIT;
	struct value *dot = value_map();
	int rc = tmpl_parse(set, "name-template", tpl, strlen(tpl), err);
	if (rc == 0)
		rc = tmpl_execute(set, "name-template", dot, &sb, err);
	if (rc == 0)
		*out = sb_detach(&sb, NULL);
	sb_done(&sb);
	value_unref(dot);
	tmpl_set_free(set);
	tmpl_funcs_free(funcs);
	return rc;
}

static void deprecated_warning(const struct chart *c)
{
	const struct value *d = value_map_get(c->meta, "Deprecated");
	if (d && d->type == V_BOOL && d->u.b)
		fprintf(stderr, "WARNING: This chart is deprecated\n");
}

/* What comes after the render: the post-renderer, then --validate; then stdout. */
static int finish(const struct args *a, struct strbuf *out, struct tops_err *err)
{
	if (a->post_renderer && !a->o.output_dir &&
	    render_post(a->post_renderer, a->post_args, a->npost_args, out, err) < 0)
		return -1;
	if (a->validate && render_validate(sb_str(out), a->o.namespace_, err) < 0)
		return -1;
	fwrite(sb_str(out), 1, out->len, stdout);
	if (a->o.output_dir)
		fputc('\n', stdout); /* helm ends its "wrote" lines with an empty one */
	return fflush(stdout) ? -1 : 0;
}

static int render(struct args *a, struct chart **c, struct strbuf *out, struct tops_err *err)
{
	if (chart_load(a->pos[a->npos - 1], c, err) < 0)
		return -1;
	deprecated_warning(*c);
	if (a->dep_update && render_dependency_update(*c, a->pos[a->npos - 1], err) < 0)
		return -1;
	return render_chart(*c, &a->o, out, err);
}

int cmd_render(int argc, char **argv)
{
	struct args a = {0};
	struct tops_err err = {0};
	struct chart *c = NULL;
	struct value *vals = NULL;
	struct strbuf out = STRBUF_INIT;
	char *name = NULL;
	int rc = parse_args(argc, argv, &a);
	if (rc) {
		if (rc == 1)
			usage(stdout);
		args_done(&a);
		return rc == 1 ? 0 : rc == 3 ? 1 : 2;
	}
	a.o.release_name = a.npos == 2 ? a.pos[0] : NULL;
	if (!a.o.namespace_)
		a.o.namespace_ = tops_opts.namespace_;
	a.o.api_versions = a.api;
	a.o.n_api_versions = a.napi;
	a.o.show_only = a.show;
	a.o.n_show_only = a.nshow;
	rc = 1;
	if (a.name_template && a.o.release_name) {
		tops_err_set(&err, TOPS_EINVAL, "cannot set --name-template and also specify a name");
		goto out;
	}
	if (a.post_renderer && render_post_check(a.post_renderer, &err) < 0)
		goto out; /* refused before rendering, as helm does */
	if (a.name_template) {
		if (name_from_template(a.name_template, &name, &err) < 0)
			goto out;
		a.o.release_name = name;
	}
	if (!(vals = user_values(&a, &err)))
		goto out;
	a.o.values = vals;
	int r = render(&a, &c, &out, &err);
	if (r < 0 && a.o.debug && out.len) /* --debug: what was rendered, then the error */
		fwrite(sb_str(&out), 1, out.len, stdout);
	if (r == 0)
		rc = finish(&a, &out, &err) < 0 ? 1 : 0;
out:
	if (err.code)
		fprintf(stderr, "tops: %s\n%s", tops_err_msg(&err),
			!a.o.debug && strstr(tops_err_msg(&err), "YAML parse error on") ?
			"\nUse --debug flag to render out invalid YAML\n" : "");
	tops_err_clear(&err);
	sb_done(&out);
	value_unref(vals);
	chart_free(c);
	free(name);
	args_done(&a);
	return rc;
}
