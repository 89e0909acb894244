/* tops snapshot take|list|get|delete|export|import — snapshots of a release kept in the
 * cluster (core/snapshot). */
#include "cli/commands.h"
#include "cli/release_cli.h"
#include "cli/snapshot_cli.h"

#include "core/base/options.h"
#include "core/base/timefmt.h"
#include "core/base/yaml_emit.h"
#include "core/snapshot/snaprecord.h"
#include "core/snapshot/snapstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
	"Usage:\n"
	"  tops snapshot take NAME [--label golden|pre|post|TEXT] [--window 5m] [--queries FILE] [--no-runner]\n"
	"  tops snapshot list NAME [-o table|json]\n"
	"  tops snapshot get ID [-o json|yaml]\n"
	"  tops snapshot delete ID\n"
	"  tops snapshot export ID > FILE\n"
	"  tops snapshot import FILE\n\n"
	"A snapshot records a release as it runs: its revision, chart and values (sha256; Secret-like\n"
	"values masked), the applied objects' hashes, workloads with the image digests their pods\n"
	"run next to the digests the chart pins, pods, PVCs with used bytes, Prometheus figures over\n"
	"--window (CPU and memory per workload, the TestOps series, the queries of --queries FILE),\n"
	"the runner's golden files with their sha256 (the chart value snapshot.refreshCommand run in\n"
	"the runner pod; --no-runner leaves it out) and whether the object store is reachable.\n"
	"Snapshots are ConfigMaps in the release's namespace (labels owner=tops, tops-kind=snapshot,\n"
	"release, revision, label), IDs NAME-REVISION-LABEL-YYYYMMDD-HHMMSS. take, delete and import\n"
	"are refused in read-only mode and audited. Compare two with `tops snapshot-compare`.\n\n"
	"Flags:\n"
	"  --label TEXT      golden, pre, post or any text (default manual)\n"
	"  --window DURATION metrics window (default 5m)\n"
	"  --queries FILE    extra PromQL: a list of {name, query, worse: up|down|none, threshold: 5%}\n"
	"  --no-runner       do not run the golden-set refresh in the runner pod\n"
	"  -o FORMAT         list: table or json; get: json or yaml\n"
	"  -n NAMESPACE      the release's namespace (a global flag)\n";

struct snap_args {
	const char *verb, *pos, *label, *window, *queries, *output;
	bool no_runner;
};

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "tops: snapshot: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", usage_text);
	return 2;
}

/* Flag NAME with a value: "--name V" or "--name=V". */
static bool flag_val(char **argv, int argc, int *i, const char *name, const char **out)
{
	size_t n = strlen(name);
	if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=') {
		*out = argv[*i] + n + 1;
		return true;
	}
	if (strcmp(argv[*i], name) || *i + 1 >= argc)
		return false;
	*out = argv[++*i];
	return true;
}

static int parse(int argc, char **argv, struct snap_args *a)
{
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			fputs(usage_text, stdout);
			return 1;
		}
		if (flag_val(argv, argc, &i, "--label", &a->label) || flag_val(argv, argc, &i, "--window", &a->window) ||
		    flag_val(argv, argc, &i, "--queries", &a->queries) || flag_val(argv, argc, &i, "-o", &a->output) ||
		    flag_val(argv, argc, &i, "--output", &a->output))
			continue;
		if (!strcmp(s, "--no-runner"))
			a->no_runner = true;
		else if (s[0] == '-' && s[1])
			return usage_error("unknown flag \"%s\"", s);
		else if (!a->verb)
			a->verb = s;
		else if (!a->pos)
			a->pos = s;
		else
			return usage_error("unexpected argument \"%s\"", s);
	}
	if (!a->verb)
		return usage_error("say what to do%s: take, list, get, delete, export or import", "");
	if (!a->pos)
		return usage_error("\"%s\" needs an argument", a->verb);
	return 0;
}

static int do_take(struct kube_client *kc, const struct snap_args *a)
{
	long w = a->window ? time_parse_duration_ms(a->window) : 300000;
	if (w <= 0) {
		fprintf(stderr, "tops: snapshot: --window takes a duration such as 5m or 90s\n");
		return 2;
	}
	struct snap_take_args t = {.release = a->pos, .namespace_ = rel_namespace(kc), .label = a->label,
				   .window_s = w / 1000 > 0 ? w / 1000 : 1, .queries_path = a->queries,
				   .no_runner = a->no_runner};
	char *id = NULL;
	int rc = snap_cli_take(kc, &t, &id);
	if (!rc)
		printf("%s\n", id);
	free(id);
	return rc;
}

static struct value *summary(const struct value *r)
{
	struct value *m = value_map();
	static const char *const keys[][2] = {{"id", "id"}, {"label", "label"}, {"takenAt", "takenAt"},
		{"release.chart", "chart"}, {"golden.status", "golden"}};
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		value_map_set(m, keys[i][1], value_str(snaprecord_str(r, keys[i][0], "")));
	value_map_set(m, "revision", value_int(snaprecord_int(r, "release.revision", 0)));
	value_map_set(m, "podsReady", value_int(snaprecord_int(r, "pods.ready", 0)));
	value_map_set(m, "podsTotal", value_int(snaprecord_int(r, "pods.total", 0)));
	const char *me = snaprecord_str(r, "metrics.error", NULL);
	value_map_set(m, "metrics", value_str(me ? "missing" : "recorded"));
	return m;
}

static void print_table(struct value **recs, size_t n)
{
	static const char *const hdr[] = {"ID", "LABEL", "REVISION", "TAKEN", "CHART", "PODS", "GOLDEN", "METRICS"};
	char ***rows = xcalloc(n + 1, sizeof *rows);
	for (size_t i = 0; i < n; i++) {
		struct value *s = summary(recs[i]);
		rows[i] = xcalloc(8, sizeof **rows);
		rows[i][0] = xstrdup(snaprecord_str(s, "id", ""));
		rows[i][1] = xstrdup(snaprecord_str(s, "label", ""));
		rows[i][2] = xasprintf("%lld", (long long)snaprecord_int(s, "revision", 0));
		rows[i][3] = xstrdup(snaprecord_str(s, "takenAt", ""));
		rows[i][4] = xstrdup(snaprecord_str(s, "chart", ""));
		rows[i][5] = xasprintf("%lld/%lld", (long long)snaprecord_int(s, "podsReady", 0),
				       (long long)snaprecord_int(s, "podsTotal", 0));
		rows[i][6] = xstrdup(snaprecord_str(s, "golden", ""));
		rows[i][7] = xstrdup(snaprecord_str(s, "metrics", ""));
		value_unref(s);
	}
	rel_table(stdout, hdr, 8, rows, n);
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 8; k++)
			free(rows[i][k]);
		free(rows[i]);
	}
	free(rows);
}

static int do_list(struct kube_client *kc, const struct snap_args *a)
{
	const char *fmt = a->output ? a->output : "table";
	if (strcmp(fmt, "table") && strcmp(fmt, "json"))
		return usage_error("list -o takes table or json, not \"%s\"", fmt);
	struct tops_err err = {0};
	struct value **recs = NULL, *bad = NULL;
	size_t n = 0;
	if (snapstore_list(kc, rel_namespace(kc), a->pos, &recs, &n, &bad, &err)) {
		fprintf(stderr, "tops: snapshot list: %s\n", tops_err_msg(&err));
		tops_err_clear(&err);
		return 1;
	}
	for (size_t i = 0; bad && i < bad->u.list.len; i++)
		fprintf(stderr, "tops: warning: %s\n", bad->u.list.items[i]->u.str.s);
	if (!strcmp(fmt, "json")) {
		struct value *l = value_list();
		for (size_t i = 0; i < n; i++)
			value_list_push(l, summary(recs[i]));
		char *j = value_to_json(l, true, false);
		printf("%s\n", j);
		free(j);
		value_unref(l);
	} else if (n == 0) {
		fprintf(stderr, "No snapshots of %s in namespace %s.\n", a->pos, rel_namespace(kc));
	} else {
		print_table(recs, n);
	}
	value_unref(bad);
	snapstore_list_free(recs, n);
	return 0;
}

static int do_get(struct kube_client *kc, const struct snap_args *a, bool export_)
{
	const char *fmt = export_ ? "json" : a->output ? a->output : "json";
	if (strcmp(fmt, "json") && strcmp(fmt, "yaml"))
		return usage_error("get -o takes json or yaml, not \"%s\"", fmt);
	struct tops_err err = {0};
	struct value *rec = NULL;
	if (snapstore_get(kc, rel_namespace(kc), a->pos, &rec, &err)) {
		fprintf(stderr, "tops: snapshot %s: %s\n", a->verb, tops_err_msg(&err));
		tops_err_clear(&err);
		return 1;
	}
	char *s = !strcmp(fmt, "json") ? value_to_json(rec, true, false) : yaml_emit(rec, NULL);
	fputs(s ? s : "", stdout);
	if (!strcmp(fmt, "json"))
		fputc('\n', stdout);
	free(s);
	value_unref(rec);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int do_delete(struct kube_client *kc, const struct snap_args *a)
{
	struct tops_err err = {0};
	int rc = snapstore_delete(kc, rel_namespace(kc), a->pos, &err);
	if (rc)
		fprintf(stderr, "tops: snapshot delete: %s\n", tops_err_msg(&err));
	else
		printf("snapshot \"%s\" deleted\n", a->pos);
	tops_err_clear(&err);
	return rc ? 1 : 0;
}

static int do_import(struct kube_client *kc, const struct snap_args *a)
{
	struct tops_err err = {0};
	char *text = NULL;
	size_t len = 0;
	struct value *rec = NULL;
	int rc = read_file(a->pos, 64u << 20, &text, &len, &err);
	if (!rc && !(rec = value_from_json(text, len, &err)))
		rc = tops_err_prefix(&err, "%s", a->pos);
	if (!rc && (rc = snaprecord_check(rec, &err)))
		tops_err_prefix(&err, "%s", a->pos);
	if (!rc && tops_opts.namespace_)
		value_map_set(value_map_get(rec, "release"), "namespace", value_str(tops_opts.namespace_));
	if (!rc)
		rc = snapstore_put(kc, rec, "snapshot-import", &err);
	if (rc)
		fprintf(stderr, "tops: snapshot import: %s\n", tops_err_msg(&err));
	else
		printf("snapshot \"%s\" imported into namespace %s\n", snaprecord_str(rec, "id", ""),
		       snaprecord_str(rec, "release.namespace", ""));
	tops_err_clear(&err);
	free(text);
	value_unref(rec);
	return rc ? 1 : 0;
}

static int do_show(struct kube_client *kc, const struct snap_args *a)
{
	return do_get(kc, a, false);
}

static int do_export(struct kube_client *kc, const struct snap_args *a)
{
	return do_get(kc, a, true);
}

static const struct {
	const char *verb;
	bool mutates;
	int (*fn)(struct kube_client *, const struct snap_args *);
} verbs[] = {
	{"take", true, do_take}, {"list", false, do_list}, {"get", false, do_show},
	{"delete", true, do_delete}, {"export", false, do_export}, {"import", true, do_import}};

int cmd_snapshot(int argc, char **argv)
{
	struct snap_args a = {0};
	int rc = parse(argc, argv, &a);
	if (rc)
		return rc == 1 ? 0 : rc;
	size_t k = 0;
	while (k < ARRAY_LEN(verbs) && strcmp(verbs[k].verb, a.verb))
		k++;
	if (k == ARRAY_LEN(verbs))
		return usage_error("unknown action \"%s\": take, list, get, delete, export or import", a.verb);
	char action[32];
	snprintf(action, sizeof action, "snapshot %s", a.verb);
	if (verbs[k].mutates && rel_readonly_refuses(action))
		return 1;
	struct kube_client *kc = rel_client();
	if (!kc)
		return 1;
	rc = verbs[k].fn(kc, &a);
	kube_client_free(kc);
	return rc;
}
