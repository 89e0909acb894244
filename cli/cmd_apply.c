/* tops apply -f FILE|DIR|- — plain manifests applied server-side (never client-side merge), in
 * helm's kind order and in parallel within a kind, with --wait watched as for releases. */
#include "cli/commands.h"
#include "cli/release_cli.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

struct inputs {
	char **names, **texts;
	size_t n;
};

static void apply_usage(FILE *f)
{
	fprintf(f, "Usage: tops apply -f FILE|DIR|- [-f ...] [flags]\n\n"
		   "Applies plain manifests server-side (fieldManager tops), in helm's kind order.\n\n"
		   "Flags:\n"
		   "  -f, --filename FILE|DIR|-   manifests (a folder: its .yaml, .yml and .json files; - stdin)\n"
		   "      --field-manager NAME    server-side apply field manager (default tops)\n"
		   "      --force-conflicts       take fields another manager owns\n"
		   "      --dry-run=server        the server validates every object; nothing is stored\n"
		   "      --wait                  wait until the objects are ready (watched, failing early)\n"
		   "      --timeout DURATION      bound on the wait (default 5m0s)\n"
		   "      --grace DURATION        image pull and scheduling grace (default 20s)\n");
}

static int add_file(struct inputs *in, const char *path, struct tops_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc = read_file(path, 64u << 20, &text, &len, err);
	if (rc < 0)
		return rc;
	in->names = xrealloc(in->names, (in->n + 1) * sizeof *in->names);
	in->texts = xrealloc(in->texts, (in->n + 1) * sizeof *in->texts);
	in->names[in->n] = xstrdup(strcmp(path, "-") ? path : "stdin");
	in->texts[in->n++] = text;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(struct inputs *in, const char *path, struct tops_err *err)
{
	DIR *d = strcmp(path, "-") ? opendir(path) : NULL;
	if (!d)
		return add_file(in, path, err);
	char **files = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (str_has_suffix(e->d_name, ".yaml") || str_has_suffix(e->d_name, ".yml") ||
		    str_has_suffix(e->d_name, ".json")) {
			files = xrealloc(files, (n + 1) * sizeof *files);
			files[n++] = xasprintf("%s/%s", path, e->d_name);
		}
	closedir(d);
	if (n)
		qsort(files, n, sizeof *files, by_name);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = add_file(in, files[i], err);
		free(files[i]);
	}
	free(files);
	return rc;
}

static void inputs_done(struct inputs *in)
{
	for (size_t i = 0; i < in->n; i++)
		free(in->names[i]), free(in->texts[i]);
	free(in->names), free(in->texts);
}

struct apply_args {
	const char *files[64];
	size_t nfiles;
	struct engine_opts o;
	const char *timeout, *grace;
};

static int parse(int argc, char **argv, struct apply_args *a)
{
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if ((!strcmp(s, "-f") || !strcmp(s, "--filename")) && val && a->nfiles < 64)
			a->files[a->nfiles++] = val, i++;
		else if (!strncmp(s, "--filename=", 11) && a->nfiles < 64)
			a->files[a->nfiles++] = s + 11;
		else if (!strcmp(s, "--field-manager") && val)
			a->o.field_manager = val, i++;
		else if (!strcmp(s, "--force-conflicts"))
			a->o.force_conflicts = true;
		else if (!strcmp(s, "--dry-run=server"))
			a->o.dry_run_server = true;
		else if (!strcmp(s, "--wait"))
			a->o.wait = true;
		else if (!strcmp(s, "--timeout") && val)
			a->timeout = val, i++;
		else if (!strcmp(s, "--grace") && val)
			a->grace = val, i++;
		else if (!strcmp(s, "-h") || !strcmp(s, "--help"))
			return 1;
		else {
			fprintf(stderr, "tops: apply: unknown or incomplete flag: %s\n", s);
			return -1;
		}
	}
	a->o.timeout_ms = rel_duration_ms(a->timeout, 300000);
	a->o.grace_ms = rel_duration_ms(a->grace, 20000);
	if (!a->nfiles || a->o.timeout_ms < 0 || a->o.grace_ms < 0) {
		fprintf(stderr, a->nfiles ? "tops: apply: --timeout and --grace take durations such as 5m0s\n"
					  : "tops: apply: -f FILE is required\n");
		return -1;
	}
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	struct apply_args a = {0};
	int p = parse(argc, argv, &a);
	if (p)
		return p > 0 ? (apply_usage(stdout), 0) : (apply_usage(stderr), 2);
	if (rel_readonly_refuses("apply"))
		return 1;
	struct inputs in = {0};
	struct tops_err err = {0};
	for (size_t i = 0; i < a.nfiles; i++)
		if (add_path(&in, a.files[i], &err) < 0) {
			fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
			tops_err_clear(&err), inputs_done(&in);
			return 1;
		}
	struct kube_client *kc = rel_client();
	if (!kc)
		return inputs_done(&in), 1;
	static volatile sig_atomic_t stop;
	a.o.namespace_ = rel_namespace(kc);
	a.o.abort = &stop;
	a.o.on_event = rel_progress;
	rel_signals(&stop);
	size_t applied = 0;
	int rc = engine_apply(kc, &a.o, (const char *const *)in.names, (const char *const *)in.texts, in.n,
			      &applied, &err);
	rel_progress_end();
	if (rc < 0)
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
	else
		printf("%zu object%s applied%s\n", applied, applied == 1 ? "" : "s",
		       a.o.dry_run_server ? " (server dry run: nothing stored)" : "");
	tops_err_clear(&err);
	kube_client_free(kc);
	inputs_done(&in);
	return rc < 0 ? 1 : 0;
}
