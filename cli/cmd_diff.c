/* tops diff — what applying a rendered chart would change on the cluster.
 *
 *   tops diff [NAME] CHART [-f FILE]... [--set K=V]... [-n NS]
 *   tops diff --manifests FILE|-            (already rendered YAML instead of a chart)
 *
 * Renders the chart, GETs each object from the API server and prints a unified diff per object
 * (core/diff), then one summary line. Exit status: 0 no changes, 1 changes, 2 usage error,
 * 3 any other error (render, YAML, cluster), like kubectl diff's ">1 means error".
 */
#include "cli/commands.h"
#include "cli/release_cli.h"
#include "core/diff/diff.h"
#include "core/kube/kube.h"
#include "core/base/options.h"
#include "core/chart/render.h"
#include "core/chart/strvals.h"
#include "core/chart/values.h"
#include "core/base/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_SAME = 0, EXIT_CHANGED = 1, EXIT_USAGE = 2, EXIT_ERROR = 3 };


struct diff_args {
	const char *chart, *release_name;
	struct val_flag *rflags;    /* renderer flags as given, in command-line order */
	size_t nrflags;
	const char *manifests;   /* --manifests FILE */
	const char *manager;     /* --field-manager NAME (NULL: any Apply entry) */
	bool quiet;              /* -q: summary only */
	int npos;
	const char *pos[2];
};

struct diff_count {
	int created, changed, unchanged;
};

static void diff_usage(FILE *f)
{
	fprintf(f,
		"Usage: tops diff [NAME] CHART [flags]\n"
		"       tops diff --manifests FILE|- [flags]\n\n"
		"Renders CHART like `tops render`, compares every object with the live one and prints a\n"
		"unified diff per object (Secret values masked), then a summary line.\n\n"
		"Flags:\n"
		"  -f, --values FILE        values file (repeatable)\n"
		"      --set K=V            set a value (repeatable; also --set-string, --set-file,\n"
		"                           --set-json, --set-literal)\n"
		"      --kube-version V     Kubernetes version for .Capabilities\n"
		"      --api-versions G/V   extra API version for .Capabilities (repeatable)\n"
		"      --manifests FILE     diff already rendered manifests (\"-\" reads stdin)\n"
		"      --field-manager NAME only this manager's server-side applies count as\n"
		"                           applied before (default: every manager's)\n"
		"  -q, --quiet              print only the summary line\n"
		"  -n, --namespace NS       namespace (default: the kubeconfig context's)\n\n"
		"Exit status: 0 no changes, 1 changes, 2 usage error, 3 other errors.\n");
}

static const char *const value_flags[] = {
	"--set", "--set-string", "--set-file", "--set-json", "--set-literal", "-f",
	"--values", "--kube-version", "--api-versions", "--manifests", "--field-manager",
};

/* The table's spelling of a flag that takes a value ("--set" for "--set=a=b"), or NULL. */
static const char *value_flag(const char *arg)
{
	for (size_t i = 0; i < ARRAY_LEN(value_flags); i++) {
		size_t n = strlen(value_flags[i]);
		if (strncmp(arg, value_flags[i], n) == 0 &&
		    (arg[n] == '\0' || (arg[n] == '=' && arg[1] == '-')))
			return value_flags[i];
	}
	return NULL;
}

/* Every value flag but --manifests and --field-manager feeds the renderer, in order. */
static void take_value_flag(struct diff_args *a, const char *flag, const char *val)
{
	if (strcmp(flag, "--manifests") == 0) {
		a->manifests = val;
		return;
	}
	if (strcmp(flag, "--field-manager") == 0) {
		a->manager = val;
		return;
	}
	a->rflags = xrealloc(a->rflags, (a->nrflags + 1) * sizeof *a->rflags);
	a->rflags[a->nrflags++] = (struct val_flag){flag, val};
}

static int take_positional(struct diff_args *a, const char *arg)
{
	if (a->npos == 2) {
		fprintf(stderr, "tops: diff: too many arguments: %s\n", arg);
		return EXIT_USAGE;
	}
	a->pos[a->npos++] = arg;
	return 0;
}

/* Returns 0, or EXIT_USAGE after printing why. */
static int parse_args(int argc, char **argv, struct diff_args *a)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *flag = value_flag(arg);
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			diff_usage(stdout);
			exit(0);
		} else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
			a->quiet = true;
		} else if (flag && arg[strlen(flag)] == '=') {
			take_value_flag(a, flag, arg + strlen(flag) + 1);
		} else if (flag && i + 1 < argc) {
			take_value_flag(a, flag, argv[++i]);
		} else if (flag || (arg[0] == '-' && arg[1])) {
			fprintf(stderr, "tops: diff: %s: %s\n", arg, flag ? "needs a value" : "unknown flag");
			return EXIT_USAGE;
		} else if (take_positional(a, arg)) {
			return EXIT_USAGE;
		}
	}
	if ((a->npos == 0) == (a->manifests == NULL)) {
		fprintf(stderr, "tops: diff: give a CHART or --manifests FILE (see tops diff --help)\n");
		return EXIT_USAGE;
	}
	a->chart = a->npos == 2 ? a->pos[1] : a->pos[0];
	a->release_name = a->npos == 2 ? a->pos[0] : NULL;
	return 0;
}

/* The user values as `helm template` builds them: -f files in order, then --set-json, --set,
 * --set-string, --set-file and --set-literal (Helm's fixed order). New map or NULL with err. */
/* --kube-version and --api-versions for the renderer. */
static void capability_flags(const struct diff_args *a, struct render_opts *o, const char **apis)
{
	for (size_t i = 0; i < a->nrflags; i++) {
		if (strcmp(a->rflags[i].flag, "--kube-version") == 0)
			o->kube_version = a->rflags[i].val;
		else if (strcmp(a->rflags[i].flag, "--api-versions") == 0)
			apis[o->n_api_versions++] = a->rflags[i].val;
	}
	o->api_versions = apis;
}

/* Renders the chart like `tops render` into *text (caller frees). */
static int render_to_text(const struct diff_args *a, const char *ns, char **text, size_t *len,
			  struct tops_err *err)
{
	struct chart *c = NULL;
	struct value *user = NULL;
	const char **apis = xcalloc(a->nrflags + 1, sizeof *apis);
	struct strbuf out = STRBUF_INIT;
	int rc = chart_load(a->chart, &c, err);
	if (rc < 0)
		goto done;
	user = rel_values_of(a->rflags, a->nrflags, err);
	rc = user ? 0 : -TOPS_EINVAL;
	if (rc < 0)
		goto done;
	struct render_opts o = {.release_name = a->release_name, .namespace_ = ns, .values = user};
	capability_flags(a, &o, apis);
	rc = render_chart(c, &o, &out, err);
	if (rc == 0)
		*text = sb_detach(&out, len);
done:
	sb_done(&out);
	value_unref(user);
	chart_free(c);
	free(apis);
	return rc;
}

/* The manifests to compare: rendered from the chart or read from --manifests. Caller frees. */
static int load_manifests(const struct diff_args *a, const char *ns, char **text, size_t *len,
			  struct tops_err *err)
{
	if (a->manifests)
		return read_file(a->manifests, 0, text, len, err);
	return render_to_text(a, ns, text, len, err);
}

/* GETs the live object; *live stays NULL when it does not exist (404). */
static int fetch_live(struct kube_client *kc, const struct value *obj, const char *ns,
		      struct value **live, struct tops_err *err)
{
	*live = NULL;
	char *path = diff_object_path(obj, ns);
	if (!path)
		return tops_err_set(err, TOPS_EINVAL, "object has no apiVersion, kind or metadata.name");
	int rc = kube_get_json(kc, path, live, err);
	if (rc == -TOPS_ENOENT) {
		tops_err_clear(err);
		rc = 0;
	}
	if (rc < 0)
		tops_err_prefix(err, "GET %s", path);
	free(path);
	return rc;
}

static int diff_one(struct kube_client *kc, const struct value *obj, const char *ns,
		    const struct diff_args *a, struct diff_count *n, struct tops_err *err)
{
	struct value *live = NULL;
	struct diff_result r;
	int rc = fetch_live(kc, obj, ns, &live, err);
	if (rc < 0)
		return rc;
	rc = diff_object_as(obj, live, ns, a->manager, &r, err);
	value_unref(live);
	if (rc < 0)
		return rc;
	n->created += r.status == DIFF_CREATED;
	n->changed += r.status == DIFF_CHANGED;
	n->unchanged += r.status == DIFF_UNCHANGED;
	if (!a->quiet && r.status != DIFF_UNCHANGED) {
		struct strbuf sb = STRBUF_INIT;
		diff_unified(&r, 3, &sb);
		fwrite(sb_str(&sb), 1, sb.len, stdout);
		sb_done(&sb);
	}
	diff_result_done(&r);
	return 0;
}

/* Splits the stream into objects (List kinds expanded) and diffs each one. */
static int diff_stream(struct kube_client *kc, const char *text, size_t len, const char *name,
		       const char *ns, const struct diff_args *a, struct diff_count *n,
		       struct tops_err *err)
{
	struct value **docs = NULL;
	size_t ndocs = 0;
	int rc = yaml_load_all(text, len, name, NULL, &docs, &ndocs, NULL, err);
	for (size_t i = 0; rc == 0 && i < ndocs; i++) {
		struct value *d = docs[i];
		struct value *items = d->type == V_MAP ? value_map_get(d, "items") : NULL;
		const struct value *kind = d->type == V_MAP ? value_map_get(d, "kind") : NULL;
		bool list = items && items->type == V_LIST && kind && kind->type == V_STRING &&
			    str_has_suffix(kind->u.str.s, "List");
		if (list) {
			for (size_t j = 0; rc == 0 && j < items->u.list.len; j++)
				rc = diff_one(kc, items->u.list.items[j], ns, a, n, err);
		} else if (d->type != V_NULL) {
			rc = diff_one(kc, d, ns, a, n, err);
			if (rc < 0 && d->line)
				tops_err_prefix(err, "%s:%d:%d", name, d->line, d->col);
		}
	}
	for (size_t i = 0; i < ndocs; i++)
		value_unref(docs[i]);
	free(docs);
	return rc;
}

static void print_summary(const struct diff_count *n)
{
	if (n->created + n->changed == 0)
		printf("no changes: %d created, %d changed, %d unchanged\n", n->created, n->changed,
		       n->unchanged);
	else
		printf("%d created, %d changed, %d unchanged\n", n->created, n->changed, n->unchanged);
}

int cmd_diff(int argc, char **argv)
{
	struct diff_args a = {0};
	struct tops_err err = {0};
	struct kube_client *kc = NULL;
	char *text = NULL;
	size_t len = 0;
	struct diff_count n = {0};
	int code = parse_args(argc, argv, &a);
	if (code)
		goto done;
	code = EXIT_ERROR;
	if (kube_client_new(NULL, &tops_opts, &kc, &err) < 0)
		goto done;
	const char *ns = tops_opts.namespace_ ? tops_opts.namespace_ : kube_client_namespace(kc);
	if (load_manifests(&a, ns, &text, &len, &err) < 0)
		goto done;
	if (diff_stream(kc, text, len, a.manifests ? a.manifests : "rendered", ns, &a, &n,
			&err) < 0)
		goto done;
	fflush(stdout);
	print_summary(&n);
	code = n.created + n.changed ? EXIT_CHANGED : EXIT_SAME;
done:
	if (err.code)
		fprintf(stderr, "tops: diff: %s\n", tops_err_msg(&err));
	tops_err_clear(&err);
	free(text);
	kube_client_free(kc);
	free(a.rflags);
	return code;
}
