#include "cli/release_cli.h"

#include "core/base/config.h"
#include "core/base/options.h"
#include "core/base/timefmt.h"
#include "core/base/yaml_emit.h"
#include "core/chart/strvals.h"
#include "core/chart/valflags.h"
#include "core/chart/values.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum rf_kind { RF_BOOL, RF_STR, RF_LONG, RF_VALUES };

struct rflag {
	const char *lng, *shrt;
	enum rf_kind kind;
	size_t off;
	unsigned cmds;
	const char *arg, *help;
};

#define A(f) offsetof(struct rel_args, f)
#define DEPLOY (RC_INSTALL | RC_UPGRADE)
#define MUTATE (RC_INSTALL | RC_UPGRADE | RC_ROLLBACK | RC_UNINSTALL)
static const struct rflag rflags[] = {
	{"--values", "-f", RF_VALUES, 0, DEPLOY, "FILE", "values file (repeatable)"},
	{"--set", NULL, RF_VALUES, 0, DEPLOY, "K=V", "set a value (repeatable)"},
	{"--set-string", NULL, RF_VALUES, 0, DEPLOY, "K=V", "set a string value (repeatable)"},
	{"--set-file", NULL, RF_VALUES, 0, DEPLOY, "K=FILE", "set a value from a file (repeatable)"},
	{"--set-json", NULL, RF_VALUES, 0, DEPLOY, "K=JSON", "set a JSON value (repeatable)"},
	{"--set-literal", NULL, RF_VALUES, 0, DEPLOY, "K=V", "set a literal string (repeatable)"},
	{"--install", "-i", RF_BOOL, A(install), RC_UPGRADE, NULL, "install when the release does not exist"},
	{"--create-namespace", NULL, RF_BOOL, A(create_namespace), DEPLOY, NULL, "create the namespace if it is missing"},
	{"--wait", NULL, RF_BOOL, A(wait), MUTATE, NULL, "wait until the objects are ready (watched, failing early)"},
	{"--wait-for-jobs", NULL, RF_BOOL, A(wait_for_jobs), DEPLOY | RC_ROLLBACK, NULL, "with --wait, also wait for Jobs"},
	{"--timeout", NULL, RF_STR, A(timeout), MUTATE, "DURATION", "bound on the whole wait (default 5m0s)"},
	{"--atomic", NULL, RF_BOOL, A(atomic), DEPLOY, NULL, "on any failure restore the last deployed revision (implies --wait)"},
	{"--rollback-on-failure", NULL, RF_BOOL, A(atomic), DEPLOY, NULL, "the same as --atomic (helm 4's name)"},
	{"--no-hooks", NULL, RF_BOOL, A(no_hooks), MUTATE, NULL, "do not run hooks"},
	{"--dry-run", NULL, RF_STR, A(dry_run), DEPLOY, "[=client|server]", "render (client) or have the server validate (server); write nothing"},
	{"--description", NULL, RF_STR, A(description), DEPLOY, "TEXT", "the revision's description"},
	{"--diff", NULL, RF_BOOL, A(diff), DEPLOY, NULL, "show the diff and the plan, then ask to proceed"},
	{"--yes", "-y", RF_BOOL, A(yes), DEPLOY, NULL, "proceed without asking (needed with --diff without a terminal)"},
	{"--field-manager", NULL, RF_STR, A(field_manager), DEPLOY, "NAME", "server-side apply field manager (default tops)"},
	{"--force-conflicts", NULL, RF_BOOL, A(force_conflicts), DEPLOY, NULL, "take fields another manager owns"},
	{"--reuse-values", NULL, RF_BOOL, A(reuse_values), RC_UPGRADE, NULL, "merge the last release's values under the new ones"},
	{"--reset-values", NULL, RF_BOOL, A(reset_values), RC_UPGRADE, NULL, "use the chart's values and the new ones only"},
	{"--reset-then-reuse-values", NULL, RF_BOOL, A(reset_then_reuse), RC_UPGRADE, NULL, "the chart's values, then the last release's, then the new"},
	{"--history-max", NULL, RF_LONG, A(history_max), RC_UPGRADE | RC_ROLLBACK, "N", "records kept per release (default 10; 0 no limit)"},
	{"--cleanup-on-fail", NULL, RF_BOOL, A(cleanup_on_fail), RC_UPGRADE | RC_ROLLBACK, NULL, "delete new objects when the operation fails"},
	{"--gate", NULL, RF_STR, A(gate), DEPLOY, "FILE", "a metric gate run once ready (implies --wait); failing it fails the operation"},
	{"--skip-schema-validation", NULL, RF_BOOL, A(skip_schema_validation), DEPLOY, NULL, "do not check the rendered objects against the cluster's OpenAPI v3 schemas"},
	{"--take-over", NULL, RF_BOOL, A(take_over), RC_UPGRADE, NULL, "proceed over a pending revision no tops holds (helm's)"},
	{"--snapshot", NULL, RF_BOOL, A(snapshot), RC_UPGRADE, NULL, "take snapshot pre before and post after a successful upgrade; print their compare"},
	{"--grace", NULL, RF_STR, A(grace), MUTATE, "DURATION", "image pull and scheduling grace before failing early (default 20s)"},
	{"--restarts-per-replica", NULL, RF_LONG, A(restarts), MUTATE, "N", "crash-loop restarts allowed per replica (default 2)"},
	{"--keep-history", NULL, RF_BOOL, A(keep_history), RC_UNINSTALL, NULL, "keep the records (status uninstalled)"},
	{"--cascade", NULL, RF_STR, A(cascade), RC_UNINSTALL, "background|foreground|orphan", "how dependents are deleted (default background)"},
	{"--revision", NULL, RF_LONG, A(revision), RC_STATUS, "N", "the revision to show (default the newest)"},
	{"--show-resources", NULL, RF_BOOL, A(show_resources), RC_STATUS, NULL, "list the release's objects"},
	{"--max", NULL, RF_STR, A(max), RC_HISTORY, "N", "the newest N revisions only (default 256)"},
	{"--all", "-a", RF_BOOL, A(all), RC_LIST, NULL, "every status, not only deployed and failed"},
	{"--deployed", NULL, RF_BOOL, A(deployed), RC_LIST, NULL, "deployed releases"},
	{"--failed", NULL, RF_BOOL, A(failed), RC_LIST, NULL, "failed releases"},
	{"--pending", NULL, RF_BOOL, A(pending), RC_LIST, NULL, "pending releases"},
	{"--superseded", NULL, RF_BOOL, A(superseded), RC_LIST, NULL, "superseded releases"},
	{"--uninstalled", NULL, RF_BOOL, A(uninstalled), RC_LIST, NULL, "uninstalled releases (kept history)"},
	{"--filter", NULL, RF_STR, A(filter), RC_LIST, "REGEX", "names matching the regular expression"},
	{"--output", "-o", RF_STR, A(output), RC_HISTORY | RC_STATUS | RC_LIST | DEPLOY | RC_ROLLBACK, "table|json|yaml", "output format"},
	{"--help", "-h", RF_BOOL, A(help), ~0u, NULL, "this help"},
};

static const struct { enum rel_cmd cmd; const char *name, *args, *what; } cmd_info[] = {
	{RC_INSTALL, "install", "NAME CHART", "installs a chart as release NAME"},
	{RC_UPGRADE, "upgrade", "NAME CHART", "upgrades release NAME to CHART"},
	{RC_ROLLBACK, "rollback", "NAME [REVISION]", "rolls release NAME back to REVISION (default the previous)"},
	{RC_UNINSTALL, "uninstall", "NAME", "deletes release NAME's objects and records"},
	{RC_HISTORY, "history", "NAME", "lists the revisions of release NAME"},
	{RC_STATUS, "status", "NAME", "shows the status of release NAME"},
	{RC_LIST, "list", "", "lists the releases of the namespace (-A: of all)"},
};

static size_t info_of(enum rel_cmd cmd)
{
	size_t i = 0;
	while (i + 1 < ARRAY_LEN(cmd_info) && cmd_info[i].cmd != cmd)
		i++;
	return i;
}

void rel_usage(enum rel_cmd cmd, FILE *f)
{
	size_t k = info_of(cmd);
	fprintf(f, "Usage: tops %s %s [flags]\n\nThe command %s.\n\nFlags:\n", cmd_info[k].name,
		cmd_info[k].args, cmd_info[k].what);
	for (size_t i = 0; i < ARRAY_LEN(rflags); i++) {
		if (!(rflags[i].cmds & cmd))
			continue;
		char left[64];
		snprintf(left, sizeof left, "%s%s%s%s%s", rflags[i].shrt ? rflags[i].shrt : "    ",
			 rflags[i].shrt ? ", " : "", rflags[i].lng, rflags[i].arg ? " " : "",
			 rflags[i].arg ? rflags[i].arg : "");
		fprintf(f, "  %-42s %s\n", left, rflags[i].help);
	}
	fprintf(f, "\nGlobal flags (tops --help) apply. Exit status: 0 success, 1 failed, 2 usage.\n");
}

static const struct rflag *find_flag(enum rel_cmd cmd, const char *arg, const char **val)
{
	*val = NULL;
	for (size_t i = 0; i < ARRAY_LEN(rflags); i++) {
		const struct rflag *r = &rflags[i];
		size_t ll = strlen(r->lng);
		if (!(r->cmds & cmd))
			continue;
		if (!strncmp(arg, r->lng, ll) && arg[ll] == '=') {
			*val = arg + ll + 1;
			return r;
		}
		if (!strcmp(arg, r->lng) || (r->shrt && !strcmp(arg, r->shrt)))
			return r;
	}
	return NULL;
}

static int take_value(const struct rflag *r, struct rel_args *a, const char *val)
{
	char *field = (char *)a + r->off;
	if (r->kind == RF_VALUES) {
		a->vflags = xrealloc(a->vflags, (a->nvflags + 1) * sizeof *a->vflags);
		a->vflags[a->nvflags++] = (struct val_flag){r->lng, val};
	} else if (r->kind == RF_STR) {
		*(const char **)field = val;
	} else {
		char *end;
		long v = strtol(val, &end, 10);
		if (*end || end == val) {
			fprintf(stderr, "tops: %s wants a number, not \"%s\"\n", r->lng, val);
			return -1;
		}
		*(long *)field = v;
	}
	return 0;
}

int rel_parse(enum rel_cmd cmd, int argc, char **argv, struct rel_args *a)
{
	memset(a, 0, sizeof *a);
	a->cmd = cmd;
	a->history_max = 10;
	for (int i = 0; i < argc; i++) {
		const char *val;
		const struct rflag *r = argv[i][0] == '-' && argv[i][1] ? find_flag(cmd, argv[i], &val) : NULL;
		if (!r && argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "tops: unknown flag: %s\n", argv[i]);
			return -1;
		}
		if (!r) {
			if (a->npos == 3) {
				fprintf(stderr, "tops: too many arguments: %s\n", argv[i]);
				return -1;
			}
			a->pos[a->npos++] = argv[i];
			continue;
		}
		if (r->kind == RF_BOOL) {
			*(bool *)((char *)a + r->off) = !val || strcmp(val, "false") != 0;
			continue;
		}
		if (!val && !strcmp(r->lng, "--dry-run")) {
			a->dry_run = "client";
			continue;
		}
		if (!val && i + 1 >= argc) {
			fprintf(stderr, "tops: flag %s needs a value\n", argv[i]);
			return -1;
		}
		if (take_value(r, a, val ? val : argv[++i]) < 0)
			return -1;
	}
	return 0;
}

void rel_args_done(struct rel_args *a)
{
	free(a->vflags);
	a->vflags = NULL;
}

struct value *rel_user_values(const struct rel_args *a, struct tops_err *err)
{
	return rel_values_of(a->vflags, a->nvflags, err);
}

struct value *rel_values_of(const struct val_flag *f, size_t nf, struct tops_err *err)
{
	struct valflag *vf = xcalloc(nf + 1, sizeof *vf);
	for (size_t i = 0; i < nf; i++)
		vf[i] = (struct valflag){.flag = f[i].flag, .val = f[i].val};
	struct value *user = valflags_merge(vf, nf, err);
	free(vf);
	return user;
}

bool rel_readonly_refuses(const char *action)
{
	bool ro = tops_opts.readonly;
	struct tops_config *cfg = NULL;
	struct tops_err err = {0};
	if (!ro && config_load(&tops_opts, &cfg, &err) == 0) {
		const struct value *v = value_map_get(cfg->root, "readonly");
		ro = v && v->type == V_BOOL && v->u.b;
	}
	config_free(cfg);
	tops_err_clear(&err);
	if (ro)
		fprintf(stderr, "tops: read-only mode: %s refused\n", action);
	return ro;
}

static volatile sig_atomic_t *abort_flag;

static void on_signal(int sig)
{
	static const char again[] = "tops: already stopping (rolling back when --atomic); "
				    "wait for it to end\n";
	(void)sig;
	if (*abort_flag) {
		ssize_t w = write(STDERR_FILENO, again, sizeof again - 1);
		(void)w;
	}
	*abort_flag = 1;
}

void rel_signals(volatile sig_atomic_t *flag)
{
	abort_flag = flag;
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
}

/* ---- progress ---- */

struct block {
	char **keys, **lines;
	size_t n;
	bool tty, drawn, dead;
};
static struct block blk;

static void out_line(const char *s)
{
	if (blk.dead)
		return;
	if (fprintf(stderr, "%s\n", s) < 0 || fflush(stderr) == EOF)
		blk.dead = true; /* the terminal is gone: the operation goes on without it */
}

static void block_erase(void)
{
	if (blk.tty && blk.drawn && blk.n && !blk.dead)
		fprintf(stderr, "\033[%zuA\033[J", blk.n);
	blk.drawn = false;
}

static void block_draw(void)
{
	for (size_t i = 0; blk.tty && i < blk.n; i++)
		out_line(blk.lines[i]);
	blk.drawn = blk.tty;
}

static void block_set(const char *key, const char *line)
{
	size_t i = 0;
	while (i < blk.n && strcmp(blk.keys[i], key))
		i++;
	if (i == blk.n) {
		blk.keys = xrealloc(blk.keys, (blk.n + 1) * sizeof *blk.keys);
		blk.lines = xrealloc(blk.lines, (blk.n + 1) * sizeof *blk.lines);
		blk.keys[blk.n] = xstrdup(key);
		blk.lines[blk.n++] = NULL;
	}
	free(blk.lines[i]);
	blk.lines[i] = xstrdup(line);
}

void rel_progress(const struct engine_event *ev, void *ud)
{
	(void)ud;
	static bool init;
	if (!init) {
		blk.tty = isatty(STDERR_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");
		init = true;
	}
	block_erase();
	if (ev->kind == EE_WORKLOAD) {
		block_set(ev->key, ev->line);
		if (!blk.tty)
			out_line(ev->line);
	} else {
		char *s = xasprintf("%s%s", ev->kind == EE_WARNING ? "warning: " : "", ev->line);
		out_line(s);
		free(s);
	}
	block_draw();
}

void rel_progress_end(void)
{
	for (size_t i = 0; i < blk.n; i++)
		free(blk.keys[i]), free(blk.lines[i]);
	free(blk.keys), free(blk.lines);
	blk.keys = blk.lines = NULL;
	blk.n = 0;
	blk.drawn = false;
}

/* ---- output ---- */

void rel_print_block(FILE *f, const struct release *r, bool notes)
{
	struct strbuf when = STRBUF_INIT; /* helm prints the time in the record's own offset */
	time_format_ansic(&when, r->info.last_deployed.sec, r->info.last_deployed.off);
	fprintf(f, "NAME: %s\nLAST DEPLOYED: %s\nNAMESPACE: %s\nSTATUS: %s\nREVISION: %d\n"
		   "TEST SUITE: None\n", r->name, sb_str(&when), r->namespace_, release_status_str(r->info.status),
		r->version);
	sb_done(&when);
	if (notes && r->info.notes && *r->info.notes)
		fprintf(f, "NOTES:\n%s\n", r->info.notes);
}

struct kube_client *rel_client(void)
{
	struct kube_client *kc = NULL;
	struct tops_err err = {0};
	if (kube_client_new(NULL, &tops_opts, &kc, &err) < 0) {
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
		tops_err_clear(&err);
		return NULL;
	}
	return kc;
}

const char *rel_namespace(struct kube_client *kc)
{
	return tops_opts.namespace_ ? tops_opts.namespace_ : kube_client_namespace(kc);
}

long rel_duration_ms(const char *s, long dflt)
{
	return s ? time_parse_duration_ms(s) : dflt;
}

void rel_table(FILE *f, const char *const *header, size_t ncol, char ***rows, size_t nrows)
{
	size_t *w = xcalloc(ncol, sizeof *w);
	for (size_t c = 0; c < ncol; c++) {
		w[c] = strlen(header[c]);
		for (size_t r = 0; r < nrows; r++)
			w[c] = strlen(rows[r][c]) > w[c] ? strlen(rows[r][c]) : w[c];
	}
	for (size_t r = 0; r <= nrows; r++) {
		for (size_t c = 0; c < ncol; c++) {
			const char *cell = r ? rows[r - 1][c] : header[c];
			fprintf(f, "%s%-*s", c ? "\t" : "", (int)w[c], cell);
		}
		fputc('\n', f);
	}
	free(w);
}

char *rel_chart_cell(const struct release *r)
{
	const struct value *m = value_map_get(r->chart, "metadata");
	const struct value *n = value_map_get(m, "name"), *v = value_map_get(m, "version");
	return xasprintf("%s-%s", n && n->type == V_STRING ? n->u.str.s : "",
			 v && v->type == V_STRING ? v->u.str.s : "");
}

const char *rel_app_version(const struct release *r)
{
	const struct value *v = value_map_path(r->chart, "metadata.appVersion");
	return v && v->type == V_STRING ? v->u.str.s : "";
}

int rel_load(struct kube_client *kc, const char *ns, const char *name, struct history *h)
{
	struct tops_err err = {0};
	if (storage_load(kc, ns, name, h, &err) < 0) {
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
		tops_err_clear(&err);
		return 1;
	}
	for (size_t i = 0; i < h->ncorrupt; i++)
		fprintf(stderr, "tops: skipped a corrupt release record: %s\n", h->corrupt[i]);
	return 0;
}

int rel_print_value(const struct value *v, const char *format)
{
	if (!strcmp(format, "json")) {
		char *s = value_to_json(v, false, false);
		printf("%s\n", s);
		free(s);
		return 0;
	}
	if (!strcmp(format, "yaml")) {
		char *s = yaml_emit(v, NULL);
		fputs(s ? s : "", stdout);
		free(s);
		return 0;
	}
	fprintf(stderr, "tops: unknown output format \"%s\": table, json or yaml\n", format);
	return 2;
}
