/* tops validate — kubeconform-compatible manifest validation (same flags, output and exit
 * codes, single- or double-dash spellings), plus --lint. */
#include "cli/commands.h"
#include "core/base/options.h"
#include "core/kube/kube.h"
#include "core/validate/validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef TOPS_VERSION
#define TOPS_VERSION "0.1.0"
#endif

enum fkind { F_BOOL, F_STR, F_INT, F_LIST, F_VERSION };

struct vconf {
	bool debug, exit_on_error, help, ignore_missing, skip_tls, strict, summary, version, verbose;
	bool lint, require_digests, cluster;
	const char *cache, *output, *skip, *reject, *k8s_version, *storage_classes;
	long workers;
	char **locations, **ignore_patterns, **files;
	size_t nlocations, nignore, nfiles;
};

struct vflag {
	const char *name;
	enum fkind kind;
	size_t off;
	const char *type_word; /* as Go's PrintDefaults names the value */
	const char *dflt;      /* printed default, NULL = none */
	const char *usage;
};

#define OFF(f) offsetof(struct vconf, f)
/* Sorted by name, like Go's flag.PrintDefaults. */
static const struct vflag vflags[] = {
	{"cache", F_STR, OFF(cache), "string", NULL, "cache schemas downloaded via HTTP to this folder (accepted; tops reads local schemas only)"},
	{"cluster", F_BOOL, OFF(cluster), NULL, NULL, "validate against the schemas the cluster serves (/openapi/v3 of the kubeconfig's context or --server), cached; before any -schema-location"},
	{"debug", F_BOOL, OFF(debug), NULL, NULL, "print debug information"},
	{"exit-on-error", F_BOOL, OFF(exit_on_error), NULL, NULL, "immediately stop execution when the first error is encountered"},
	{"h", F_BOOL, OFF(help), NULL, NULL, "show help information"},
	{"ignore-filename-pattern", F_LIST, OFF(ignore_patterns), "value", NULL, "regular expression specifying paths to ignore (can be specified multiple times)"},
	{"ignore-missing-schemas", F_BOOL, OFF(ignore_missing), NULL, NULL, "skip files with missing schemas instead of failing"},
	{"insecure-skip-tls-verify", F_BOOL, OFF(skip_tls), NULL, NULL, "disable verification of the server's SSL certificate (accepted; no effect offline)"},
	{"kubernetes-version", F_VERSION, OFF(k8s_version), "value", "master", "version of Kubernetes to validate against, e.g.: 1.18.0"},
	{"lint", F_BOOL, OFF(lint), NULL, NULL, "also run tops' lint rules (names, labels, selectors, quantities, ports, ...)"},
	{"n", F_INT, OFF(workers), "int", "4", "number of goroutines to run concurrently (accepted; tops validates on one thread)"},
	{"o", F_STR, OFF(output), "string", NULL, "same as -output"},
	{"output", F_STR, OFF(output), "string", "\"text\"", "output format - json, junit, pretty, tap, text"},
	{"reject", F_STR, OFF(reject), "string", NULL, "comma-separated list of kinds or GVKs to reject"},
	{"require-digests", F_BOOL, OFF(require_digests), NULL, NULL, "with -lint: container images must be pinned by @sha256 digest"},
	{"schema-location", F_LIST, OFF(locations), "value", NULL, "override schemas location search path (can be specified multiple times)"},
	{"skip", F_STR, OFF(skip), "string", NULL, "comma-separated list of kinds or GVKs to ignore"},
	{"storage-classes", F_STR, OFF(storage_classes), "string", NULL, "with -lint: comma-separated storage classes that exist; PVCs must use one"},
	{"strict", F_BOOL, OFF(strict), NULL, NULL, "disallow additional properties not in schema or duplicated keys"},
	{"summary", F_BOOL, OFF(summary), NULL, NULL, "print a summary at the end (ignored for junit output)"},
	{"v", F_BOOL, OFF(version), NULL, NULL, "show version information"},
	{"verbose", F_BOOL, OFF(verbose), NULL, NULL, "print results for all resources (ignored for tap and junit output)"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s validate [OPTION]... [FILE OR FOLDER]...\n", program_invocation_name);
	for (size_t i = 0; i < ARRAY_LEN(vflags); i++) {
		const struct vflag *fl = &vflags[i];
		char left[96];
		int n = snprintf(left, sizeof left, "  -%s%s%s", fl->name, fl->type_word ? " " : "",
				 fl->type_word ? fl->type_word : "");
		fprintf(f, "%s%s%s", left, n <= 4 ? "\t" : "\n    \t", fl->usage);
		if (fl->dflt)
			fprintf(f, " (default %s)", fl->dflt);
		fputc('\n', f);
	}
	fprintf(f, "\nSchemas are read from local directories in kubeconform's layout; \"default\" is\n"
		   "$XDG_DATA_HOME/tops/schemas (~/.local/share/tops/schemas). With -cluster the cluster's own\n"
		   "OpenAPI v3 schemas come first (cached per server version in $XDG_CACHE_HOME/tops/openapi);\n"
		   "then the schema locations, if any are given. Exit status: 0 all valid, 1 otherwise.\n");
}

static void list_push(char ***list, size_t *n, char *item)
{
	*list = xrealloc(*list, (*n + 2) * sizeof **list);
	(*list)[(*n)++] = item;
	(*list)[*n] = NULL;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const t[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const f[] = {"0", "f", "F", "FALSE", "false", "False"};
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		if (strcmp(s, t[i]) == 0)
			return *out = true;
		if (strcmp(s, f[i]) == 0)
			return !(*out = false);
	}
	return false;
}

/* Sets one flag from its value; on error writes Go's wording to err and returns -1. */
static int set_flag(struct vconf *c, const struct vflag *fl, const char *val, struct strbuf *err)
{
	char *field = (char *)c + fl->off;
	char *end;
	switch (fl->kind) {
	case F_BOOL:
		if (!parse_bool(val, (bool *)field)) {
			sb_addf(err, "invalid boolean value \"%s\" for -%s: parse error\n", val, fl->name);
			return -1;
		}
		return 0;
	case F_STR:
		*(const char **)field = val;
		return 0;
	case F_INT:
		errno = 0;
		*(long *)field = strtol(val, &end, 0);
		if (!*val || *end || errno) {
			sb_addf(err, "invalid value \"%s\" for flag -%s: parse error\n", val, fl->name);
			return -1;
		}
		return 0;
	case F_VERSION:
		if (!validate_version_ok(val)) {
			sb_addf(err, "invalid value \"%s\" for flag -%s: %s is not a valid version. Valid values are "
				"\"master\" (default) or full version x.y.z (e.g. \"1.27.2\")\n", val, fl->name, val);
			return -1;
		}
		*(const char **)field = val;
		return 0;
	case F_LIST:
		list_push((char ***)field, fl->off == OFF(locations) ? &c->nlocations : &c->nignore, (char *)val);
		return 0;
	}
	return 0;
}

static const struct vflag *find_flag(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(vflags); i++)
		if (strlen(vflags[i].name) == len && strncmp(vflags[i].name, name, len) == 0)
			return &vflags[i];
	return NULL;
}

/* Go flag syntax (-f, --f, -f=v, -f v), but flags and files may be interleaved. */
static int parse_args(int argc, char **argv, struct vconf *c, struct strbuf *err)
{
	bool only_files = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (only_files || a[0] != '-' || a[1] == 0) {
			list_push(&c->files, &c->nfiles, argv[i]);
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_files = true;
			continue;
		}
		const char *name = a + (a[1] == '-' ? 2 : 1);
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		if (nlen == 4 && strncmp(name, "help", 4) == 0)
			name = "h", nlen = 1;
		const struct vflag *fl = find_flag(name, nlen);
		if (!fl) {
			sb_addf(err, "flag provided but not defined: -%.*s\n", (int)nlen, name);
			return -1;
		}
		const char *val = eq ? eq + 1 : fl->kind == F_BOOL ? "true" : i + 1 < argc ? argv[++i] : NULL;
		if (!val) {
			sb_addf(err, "flag needs an argument: -%s\n", fl->name);
			return -1;
		}
		if (set_flag(c, fl, val, err) < 0)
			return -1;
	}
	return 0;
}

/* "a,b,,c" -> NULL-terminated list of the non-empty parts; the strings live in *store. */
static char **split_csv(const char *csv, char **store)
{
	char **out = xcalloc(1, sizeof *out);
	size_t n = 0;
	if (!csv)
		return out;
	*store = xstrdup(csv);
	char *save = NULL;
	for (char *tok = strtok_r(*store, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		list_push(&out, &n, tok);
	return out;
}

struct run_state {
	struct validate_output *out;
	FILE *lint_to;
	bool ok, exit_on_error, stop;
};

static void on_result(const struct validate_result *r, void *ud)
{
	struct run_state *st = ud;
	if (st->stop)
		return;
	validate_output_write(st->out, r);
	if (r->status == VAL_ERROR || r->status == VAL_INVALID)
		st->ok = false;
	for (size_t i = 0; i < r->lint.n; i++) {
		const struct lint_finding *f = &r->lint.f[i];
		fprintf(st->lint_to, "%s:%d:%d: %s: %s\n", r->path, f->line, f->col, f->rule, f->msg);
		st->ok = false;
	}
	if (!st->ok && st->exit_on_error)
		st->stop = true;
}

static bool stdin_is_terminal(void)
{
	struct stat sb;
	return fstat(0, &sb) < 0 || S_ISCHR(sb.st_mode);
}

/* Go's log.Fatalf prefix: "2006/01/02 15:04:05 ". */
static void log_fatal(const char *msg)
{
	time_t t = time(NULL);
	struct tm tm;
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y/%m/%d %H:%M:%S", localtime_r(&t, &tm));
	fprintf(stderr, "%s %s\n", stamp, msg);
}

/* The apiVersions of the inputs that are plain files or stdin's text (directories are read
 * later, their documents fetched as they come), so their documents are fetched at once. */
static void prefetch(struct openapi_cluster *oc, struct vconf *c, const char *stdin_text, size_t stdin_len)
{
	char **avs = NULL;
	size_t n = 0;
	if (stdin_text)
		openapi_scan_api_versions(stdin_text, stdin_len, &avs, &n);
	for (size_t i = 0; !stdin_text && i < c->nfiles; i++) {
		struct stat st;
		char *text;
		size_t len;
		if (stat(c->files[i], &st) < 0 || !S_ISREG(st.st_mode) || read_file(c->files[i], 0, &text, &len, NULL) < 0)
			continue;
		openapi_scan_api_versions(text, len, &avs, &n);
		free(text);
	}
	struct tops_err err = {0};
	if (openapi_cluster_prefetch(oc, (const char *const *)avs, n, &err) < 0)
		fprintf(stderr, "tops: warning: %s\n", tops_err_msg(&err));
	tops_err_clear(&err);
	for (size_t i = 0; i < n; i++)
		free(avs[i]);
	free(avs);
}

/* -cluster: the client and the cluster's schemas. A server without /openapi/v3 is a warning
 * (validation goes on with the schema locations); anything else is an error. */
static int cluster_open(struct kube_client **kc, struct openapi_cluster **oc)
{
	struct tops_err err = {0};
	int rc = kube_client_new(NULL, &tops_opts, kc, &err);
	if (rc == 0)
		rc = openapi_cluster_open(*kc, NULL, oc, &err);
	if (rc == -TOPS_ENOENT && *kc) {
		fprintf(stderr, "tops: warning: %s\n", tops_err_msg(&err));
		rc = 0;
	} else if (rc < 0) {
		fprintf(stderr, "tops: -cluster: %s\n", tops_err_msg(&err));
	}
	tops_err_clear(&err);
	return rc;
}

static int run(struct vconf *c, bool use_stdin)
{
	struct tops_err err = {0};
	char *skip_store = NULL, *reject_store = NULL, *sc_store = NULL;
	char **skip = split_csv(c->skip, &skip_store), **reject = split_csv(c->reject, &reject_store);
	char **classes = c->storage_classes ? split_csv(c->storage_classes, &sc_store) : NULL;
	struct validate_opts o = {
		.schema_locations = (const char *const *)c->locations, .kubernetes_version = c->k8s_version,
		.strict = c->strict, .ignore_missing_schemas = c->ignore_missing,
		.skip = (const char *const *)skip, .reject = (const char *const *)reject,
		.ignore_filename_patterns = (const char *const *)c->ignore_patterns, .debug = c->debug,
		.lint = c->lint, .lint_opts = {.require_digests = c->require_digests,
					       .storage_classes = (const char *const *)classes},
	};
	int rc = 1;
	struct run_state st = {.ok = true, .exit_on_error = c->exit_on_error};
	struct validator *v = NULL;
	struct kube_client *kc = NULL;
	struct openapi_cluster *oc = NULL;
	char *text = NULL;
	size_t len = 0;
	if (use_stdin && read_file("-", 0, &text, &len, &err) < 0) {
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
		goto done;
	}
	if (c->cluster && cluster_open(&kc, &oc) < 0)
		goto done;
	if (oc)
		prefetch(oc, c, text, len);
	o.cluster = oc;
	st.out = validate_output_new(c->output ? c->output : "text", stdout, c->summary, use_stdin, c->verbose, &err);
	if (!st.out || !(v = validator_new(&o, &err))) {
		fprintf(stderr, "%s\n", tops_err_msg(&err));
		goto done;
	}
	st.lint_to = !c->output || !strcmp(c->output, "text") || !strcmp(c->output, "pretty") ? stdout : stderr;
	if (use_stdin) {
		validator_run_text(v, "stdin", text, len, false, on_result, &st);
	} else {
		validator_run_paths(v, (const char *const *)c->files, c->nfiles, on_result, &st);
	}
	validate_output_flush(st.out);
	rc = st.ok ? 0 : 1;
done:
	validator_free(v);
	openapi_cluster_free(oc);
	kube_client_free(kc);
	free(text);
	validate_output_free(st.out);
	tops_err_clear(&err);
	free(skip);
	free(reject);
	free(classes);
	free(skip_store);
	free(reject_store);
	free(sc_store);
	return rc;
}

int cmd_validate(int argc, char **argv)
{
	struct vconf c = {.workers = 4};
	struct strbuf err = STRBUF_INIT;
	int rc;
	if (parse_args(argc, argv, &c, &err) < 0) {
		fputs(sb_str(&err), stderr);
		usage(stderr);
		fputc('\n', stderr);
		rc = 1;
	} else if (c.help) {
		usage(stdout);
		fputc('\n', stdout);
		rc = 0;
	} else if (c.version) {
		printf("tops %s\n", TOPS_VERSION);
		rc = 0;
	} else {
		bool use_stdin = c.nfiles == 0 || (c.nfiles == 1 && strcmp(c.files[0], "-") == 0);
		if (use_stdin && stdin_is_terminal()) {
			log_fatal("failing to read data from stdin");
			rc = 1;
		} else {
			rc = run(&c, use_stdin);
		}
	}
	sb_done(&err);
	free(c.locations);
	free(c.ignore_patterns);
	free(c.files);
	return rc;
}
