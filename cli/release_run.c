/* The mutating release commands (install, upgrade, rollback, uninstall): flags to engine
 * options, the run with progress on stderr, helm's output on stdout. */
#include "cli/release_cli.h"
#include "cli/release_run.h"
#include "cli/release_diff.h"
#include "cli/gate_cli.h"

#include "core/base/config.h"
#include "cli/snapshot_cli.h"

#include "core/base/options.h"

#include <stdlib.h>
#include <string.h>

static const struct { enum rel_cmd cmd; enum engine_action act; const char *name; int args; } acts[] = {
	{RC_INSTALL, EA_INSTALL, "install", 2}, {RC_UPGRADE, EA_UPGRADE, "upgrade", 2},
	{RC_ROLLBACK, EA_ROLLBACK, "rollback", 1}, {RC_UNINSTALL, EA_UNINSTALL, "uninstall", 1},
};

static size_t act_of(enum rel_cmd cmd)
{
	size_t i = 0;
	while (i + 1 < ARRAY_LEN(acts) && acts[i].cmd != cmd)
		i++;
	return i;
}

static int check_args(const struct rel_args *a, size_t k)
{
	if (a->npos < acts[k].args || a->npos > acts[k].args + (a->cmd == RC_ROLLBACK)) {
		fprintf(stderr, "tops: \"tops %s\" requires %d argument%s\n", acts[k].name, acts[k].args,
			acts[k].args == 1 ? "" : "s");
		rel_usage(a->cmd, stderr);
		return -1;
	}
	if (a->cmd == RC_ROLLBACK && a->npos > 1 && strspn(a->pos[1], "0123456789") != strlen(a->pos[1])) {
		fprintf(stderr, "tops: invalid revision \"%s\": a revision is a number\n", a->pos[1]);
		return -1;
	}
	if (a->dry_run && strcmp(a->dry_run, "client") && strcmp(a->dry_run, "server") &&
	    strcmp(a->dry_run, "none") && strcmp(a->dry_run, "true") && strcmp(a->dry_run, "false")) {
		fprintf(stderr, "tops: invalid --dry-run %s: client, server or none\n", a->dry_run);
		return -1;
	}
	if (rel_duration_ms(a->timeout, 0) < 0 || rel_duration_ms(a->grace, 0) < 0) {
		fprintf(stderr, "tops: --timeout and --grace take durations such as 5m0s or 20s\n");
		return -1;
	}
	return 0;
}

static void fill_opts(const struct rel_args *a, size_t k, struct engine_opts *o)
{
	bool dry_client = a->dry_run && (!strcmp(a->dry_run, "client") || !strcmp(a->dry_run, "true"));
	*o = (struct engine_opts){
		.action = acts[k].act, .release = a->pos[0], .chart_path = a->npos > 1 ? a->pos[1] : NULL,
		.install = a->install, .reuse_values = a->reuse_values, .reset_values = a->reset_values,
		.reset_then_reuse_values = a->reset_then_reuse,
		.revision = a->cmd == RC_ROLLBACK && a->npos > 1 ? atoi(a->pos[1]) : 0,
		.atomic = a->atomic, .wait = a->wait || a->atomic, .wait_for_jobs = a->wait_for_jobs,
		.no_hooks = a->no_hooks, .create_namespace = a->create_namespace,
		.dry_run_client = dry_client, .dry_run_server = a->dry_run && !strcmp(a->dry_run, "server"),
		.force_conflicts = a->force_conflicts, .cleanup_on_fail = a->cleanup_on_fail,
		.take_over = a->take_over, .keep_history = a->keep_history,
		.skip_schema_validation = a->skip_schema_validation,
		.timeout_ms = rel_duration_ms(a->timeout, 300000), .grace_ms = rel_duration_ms(a->grace, 20000),
		.restarts_per_replica = (int)a->restarts, .history_max = (int)a->history_max,
		.description = a->description, .field_manager = a->field_manager, .cascade = a->cascade,
		.on_event = rel_progress};
}

static int report(const struct rel_args *a, size_t k, const struct engine_result *res, int rc,
		  const struct tops_err *err)
{
	rel_progress_end();
	if (rc < 0) {
		fprintf(stderr, "tops: %s\n", tops_err_msg(err));
		if (res->summary && *res->summary)
			fprintf(stderr, "%s\n", res->summary);
		if (res->rollback_error)
			fprintf(stderr, "tops: the release needs attention: %s\n", res->rollback_error);
		return 1;
	}
	if (acts[k].act == EA_UNINSTALL) {
		printf("release \"%s\" uninstalled\n", a->pos[0]);
	} else if (acts[k].act == EA_ROLLBACK) {
		printf("Rollback was a success! Happy Helming!\n");
	} else if (res->rel && a->output && strcmp(a->output, "table")) {
		char *json = release_to_json(res->rel);
		printf("%s\n", json);
		free(json);
	} else if (res->rel) {
		rel_print_block(stdout, res->rel, true);
		if (res->dry_run)
			printf("\n(dry run: nothing was written)\n");
	}
	return 0;
}

/* upgrade --snapshot: the pre snapshot; a release that cannot be snapshotted (not installed
 * yet with --install) is said and the upgrade goes on without one. */
static char *snapshot_before(struct kube_client *kc, const struct engine_opts *o)
{
	struct snap_take_args t = {.release = o->release, .namespace_ = o->namespace_, .label = "pre"};
	char *id = NULL;
	if (snap_cli_take(kc, &t, &id) != 0)
		fprintf(stderr, "tops: upgrade --snapshot: no pre snapshot; the upgrade goes on without a compare\n");
	return id;
}

static void snapshot_after(struct kube_client *kc, const struct engine_opts *o, const char *pre)
{
	struct snap_take_args t = {.release = o->release, .namespace_ = o->namespace_, .label = "post"};
	char *post = NULL;
	if (snap_cli_take(kc, &t, &post) == 0) {
		printf("\n");
		fflush(stdout);
		snap_cli_compare(kc, o->namespace_, o->release, pre, post, -1, "text");
	}
	free(post);
}

int rel_run(enum rel_cmd cmd, int argc, char **argv)
{
	struct rel_args a;
	size_t k = act_of(cmd);
	if (rel_parse(cmd, argc, argv, &a) < 0)
		return rel_args_done(&a), 2;
	if (a.help) {
		rel_usage(cmd, stdout);
		return rel_args_done(&a), 0;
	}
	if (check_args(&a, k) < 0)
		return rel_args_done(&a), 2;
	if (rel_readonly_refuses(acts[k].name))
		return rel_args_done(&a), 1;
	struct tops_err err = {0};
	struct value *user = cmd & (RC_INSTALL | RC_UPGRADE) ? rel_user_values(&a, &err) : value_map();
	struct kube_client *kc = user ? rel_client() : NULL;
	if (!user)
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
	if (!kc) {
		tops_err_clear(&err), value_unref(user), rel_args_done(&a);
		return 1;
	}
	static volatile sig_atomic_t stop;
	struct engine_opts o;
	fill_opts(&a, k, &o);
	o.namespace_ = rel_namespace(kc);
	o.values = user;
	o.abort = &stop;
	struct rel_diff_ctx dc = {.namespace_ = o.namespace_, .yes = a.yes};
	if (a.diff) {
		o.confirm = rel_confirm_diff;
		o.ud = &dc;
	}
	rel_signals(&stop);
	struct tops_config *cfg = NULL;
	struct gate_cli_check gc = {.file = a.gate, .values = user, .stop = &stop, .max_ms = o.timeout_ms};
	struct gate *gpre = NULL;
	if (a.gate && gate_load(a.gate, NULL, &gpre, &err) == 0)
		gate_free(gpre);
	else if (a.gate)
		tops_err_prefix(&err, "gate");
	if (a.gate && !err.msg && config_load(&tops_opts, &cfg, &err) == 0) {
		gc.cfg = cfg;
		o.wait = true;
		o.post_ready = gate_cli_post_ready;
		o.post_ready_ud = &gc;
	}
	bool snap = a.snapshot && cmd == RC_UPGRADE && !o.dry_run_client && !o.dry_run_server;
	char *pre = snap ? snapshot_before(kc, &o) : NULL;
	struct engine_result res;
	int rc = a.gate && !cfg ? -TOPS_EINVAL : engine_run(kc, &o, &res, &err);
	if (a.gate && !cfg)
		memset(&res, 0, sizeof res);
	int code = report(&a, k, &res, rc, &err);
	if (pre && rc == 0)
		snapshot_after(kc, &o, pre);
	free(pre);
	engine_result_done(&res);
	value_unref(gc.run);
	config_free(cfg);
	tops_err_clear(&err);
	value_unref(user);
	kube_client_free(kc);
	rel_args_done(&a);
	return code;
}
