/* opwork — an operation's thread: its own kube_client (a private loop), the lease check, then
 * the release engine; progress and the end go back to the loop with ops_post(). */
#include "serve/ops_int.h"

#include "core/base/options.h"
#include "core/diff/diff.h"
#include "core/release/engine.h"
#include "core/release/obj.h"
#include "core/release/rest.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the confirm step saw: the objects to apply and what they would change. */
struct plan {
	struct op *op;
	struct strbuf objects, diff;
	int add, change, destroy;
};

static char *event_json(const char *kind, const char *key, const char *line)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "{\"kind\":\"%s\",\"key\":", kind);
	if (key)
		value_json_string(&sb, key, strlen(key), false);
	else
		sb_adds(&sb, "null");
	sb_adds(&sb, ",\"line\":");
	value_json_string(&sb, line ? line : "", line ? strlen(line) : 0, false);
	sb_adds(&sb, "}");
	return sb_detach(&sb, NULL);
}

static const char *const ev_names[] = {[EE_PHASE] = "phase", [EE_WORKLOAD] = "workload",
				       [EE_POD] = "pod", [EE_OBJECT] = "object", [EE_WARNING] = "warning"};

static void on_event(const struct engine_event *ev, void *ud)
{
	struct plan *p = ud;
	ops_post(p->op, MSG_EVENT, event_json(ev_names[ev->kind], ev->key, ev->line));
}

static void diff_one(struct kube_client *kc, const struct value *obj, const char *ns, struct plan *p)
{
	char *path = diff_object_path(obj, ns), *id = obj_ref(obj, false);
	struct value *live = NULL;
	struct tops_err err = {0};
	if (path && rest_call(kc, "GET", path, NULL, NULL, NULL, &live, &err) < 0)
		live = NULL; /* absent (or unreadable): an addition */
	tops_err_clear(&err);
	if (id) {
		sb_addf(&p->objects, "%s", p->objects.len ? "," : "");
		value_json_string(&p->objects, id, strlen(id), false);
	}
	struct diff_result r;
	if (diff_object_as(obj, live, ns, "tops", &r, &err) == 0) {
		p->add += r.status == DIFF_CREATED;
		p->change += r.status == DIFF_CHANGED;
		diff_unified(&r, 3, &p->diff);
		diff_result_done(&r);
	}
	tops_err_clear(&err);
	value_unref(live);
	free(path), free(id);
}

static bool confirm(struct kube_client *kc, struct value *const *objs, size_t n,
		    struct value *const *gone, size_t ngone, void *ud)
{
	struct plan *p = ud;
	if (p->objects.len || p->diff.len) /* the real run after the dry run: seen already */
		return true;
	for (size_t i = 0; i < n; i++)
		diff_one(kc, objs[i], p->op->ns, p);
	for (size_t i = 0; i < ngone; i++) {
		char *id = diff_object_id(gone[i], p->op->ns);
		sb_addf(&p->diff, "--- %s (removed by this revision)\n", id ? id : "?");
		free(id);
	}
	p->destroy = (int)ngone;
	return true;
}

/* The lease of the release, when a live holder has it: 409 with its words. */
static int lease_check(struct kube_client *kc, struct op *op, char **why)
{
	char *path = xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases/tops-release-%s",
			       op->ns, op->release);
	struct value *l = NULL;
	struct tops_err err = {0};
	int rc = rest_call(kc, "GET", path, NULL, NULL, NULL, &l, &err);
	free(path), tops_err_clear(&err);
	if (rc < 0)
		return 0; /* absent (or unreadable: the engine decides) */
	const char *holder = obj_str(l, "spec.holderIdentity"), *renew = obj_str(l, "spec.renewTime");
	int64_t dur = obj_int(l, "spec.leaseDurationSeconds", 30), at = renew ? obj_time_ms(renew) : 0;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (holder && *holder && at + dur * 1000 > now) {
		*why = xasprintf("another operation (install/upgrade/rollback) is in progress on %s/%s: "
				 "held by %s (Lease %s/tops-release-%s)", op->ns, op->release, holder,
				 op->ns, op->release);
		rc = 1;
	}
	value_unref(l);
	return rc > 0;
}

static struct engine_opts base_opts(struct op *op, struct plan *p)
{
	return (struct engine_opts){
		.action = EA_UPGRADE, .release = op->release, .namespace_ = op->ns, .chart_path = op->chart,
		.values = op->values, .install = true, .atomic = true, .wait = true,
		.timeout_ms = op->timeout_ms, .history_max = 10, .actor = op->actor,
		.abort = ops_abort_of(op), .confirm = confirm, .on_event = on_event, .ud = p,
		.description = op->kind == OPK_PREVIEW ? "preview deploy (tops serve)" : NULL};
}

static char *plan_json(struct plan *p, const struct engine_result *res, bool valid,
		       const char *verr)
{
	struct strbuf sb = STRBUF_INIT;
	const char *manifest = res && res->rel && res->rel->manifest ? res->rel->manifest : "";
	sb_addf(&sb, "{\"render\":{\"objects\":[%s],\"manifest\":", sb_str(&p->objects));
	value_json_string(&sb, manifest, strlen(manifest), false);
	sb_addf(&sb, "},\"validate\":{\"valid\":%s,\"error\":", valid ? "true" : "false");
	if (verr)
		value_json_string(&sb, verr, strlen(verr), false);
	else
		sb_adds(&sb, "null");
	sb_addf(&sb, "},\"diff\":{\"add\":%d,\"change\":%d,\"destroy\":%d,\"text\":", p->add, p->change,
		p->destroy);
	value_json_string(&sb, sb_str(&p->diff), p->diff.len, false);
	sb_adds(&sb, "}");
	return sb_detach(&sb, NULL);
}

static void add_release(struct strbuf *sb, const struct engine_result *res)
{
	if (res->rel)
		sb_addf(sb, ",\"release\":{\"name\":\"%s\",\"revision\":%d,\"status\":\"%s\"}",
			res->rel->name, res->rel->version, release_status_str(res->rel->info.status));
	sb_addf(sb, ",\"rolledBack\":%s", res->rolled_back ? "true" : "false");
	if (res->summary && *res->summary) {
		sb_adds(sb, ",\"summary\":");
		value_json_string(sb, res->summary, strlen(res->summary), false);
	}
}

/* render + validate + diff (server dry run), then, unless a dry run, the atomic upgrade --install. */
static void run_preview(struct kube_client *kc, struct op *op)
{
	struct plan p = {.op = op, .objects = STRBUF_INIT, .diff = STRBUF_INIT};
	struct engine_opts o = base_opts(op, &p);
	o.dry_run_server = true;
	o.atomic = o.wait = false;
	struct engine_result res;
	struct tops_err err = {0};
	int rc = engine_run(kc, &o, &res, &err);
	char *plan = plan_json(&p, &res, rc == 0, rc < 0 ? tops_err_msg(&err) : NULL);
	engine_result_done(&res);
	if (rc < 0 || op->dry_run) {
		struct strbuf sb = STRBUF_INIT;
		sb_addf(&sb, "%s}", plan);
		free(plan);
		ops_post_done(op, rc < 0 ? 422 : 200, rc < 0 ? OPS_FAILED : OPS_SUCCEEDED,
			      sb_detach(&sb, NULL), rc < 0 ? xstrdup(tops_err_msg(&err)) : NULL);
		goto done;
	}
	tops_err_clear(&err);
	o = base_opts(op, &p);
	rc = engine_run(kc, &o, &res, &err);
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, plan);
	add_release(&sb, &res);
	sb_adds(&sb, "}");
	free(plan);
	engine_result_done(&res);
	ops_post_done(op, rc < 0 ? (rc == -TOPS_ECONFLICT ? 409 : 500) : 200,
		      rc < 0 ? OPS_FAILED : OPS_SUCCEEDED, sb_detach(&sb, NULL),
		      rc < 0 ? xstrdup(tops_err_msg(&err)) : NULL);
done:
	tops_err_clear(&err);
	sb_done(&p.objects), sb_done(&p.diff);
}

/* Uninstall or rollback through the engine. */
static void run_action(struct kube_client *kc, struct op *op)
{
	struct plan p = {.op = op, .objects = STRBUF_INIT, .diff = STRBUF_INIT};
	struct engine_opts o = base_opts(op, &p);
	o.action = op->kind == OPK_DELETE ? EA_UNINSTALL : EA_ROLLBACK;
	o.chart_path = NULL, o.values = NULL, o.install = false, o.confirm = NULL;
	o.revision = op->revision;
	o.atomic = false;
	o.wait = op->kind == OPK_ROLLBACK;
	struct engine_result res;
	struct tops_err err = {0};
	int rc = engine_run(kc, &o, &res, &err);
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "{\"action\":\"%s\"", op->kind == OPK_DELETE ? "uninstall" : "rollback");
	add_release(&sb, &res);
	sb_adds(&sb, "}");
	engine_result_done(&res);
	int status = rc == 0 ? 200 : rc == -TOPS_ENOENT ? 404 : rc == -TOPS_ECONFLICT ? 409 : 500;
	ops_post_done(op, status, rc < 0 ? OPS_FAILED : OPS_SUCCEEDED, sb_detach(&sb, NULL),
		      rc < 0 ? xstrdup(tops_err_msg(&err)) : NULL);
	tops_err_clear(&err);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

void opwork_main(void *arg)
{
	struct op *op = arg;
	struct kube_client *kc = NULL;
	struct tops_err err = {0};
	char *why = NULL;
	if (kube_client_new(NULL, &tops_opts, &kc, &err) < 0) {
		ops_post_done(op, 503, OPS_FAILED, NULL, xstrdup(tops_err_msg(&err)));
	} else if (!op->dry_run && lease_check(kc, op, &why)) {
		ops_post_done(op, 409, OPS_REFUSED, NULL, why);
	} else {
		ops_post(op, MSG_ACCEPT, NULL);
		if (op->kind == OPK_PREVIEW)
			run_preview(kc, op);
		else
			run_action(kc, op);
	}
	if (op->tmpdir)
		nftw(op->tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tops_err_clear(&err);
	kube_client_free(kc);
}
