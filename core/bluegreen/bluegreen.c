/* bluegreen — see bluegreen.h. The operations are steps over one state record; each step is
 * saved before its writes begin, so whoever comes next knows where traffic is. */
#include "core/bluegreen/bluegreen.h"

#include "core/bluegreen/bgrouter.h"
#include "core/release/audit.h"
#include "core/release/lease.h"
#include "core/release/obj.h"
#include "core/release/rest.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define BS_NAME(id, s) s,
static const char *const step_names[] = {BG_STEPS(BS_NAME)};
#undef BS_NAME

const char *bg_step_name(enum bg_step s) { return s < BS_COUNT ? step_names[s] : "none"; }

enum bg_step bg_step_parse(const char *s)
{
	for (int i = 0; s && i < BS_COUNT; i++)
		if (!strcmp(s, step_names[i]))
			return (enum bg_step)i;
	return BS_NONE;
}

char *bg_release_name(const char *name, const char *color) { return xasprintf("%s-%s", name, color); }
const char *bg_other(const char *color) { return color && !strcmp(color, "blue") ? "green" : "blue"; }

struct op {
	struct kube_client *kc;
	const struct bg_opts *o;
	const char *ns, *name, *action;
	struct bg_state st;
	struct lease *lease;
	int64_t started_ms;
	int router_writes;
};

static void say(struct op *op, const char *fmt, ...)
{
	if (!op->o->on_event)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *line = xvasprintf(fmt, ap);
	va_end(ap);
	struct engine_event ev = {.kind = EE_PHASE, .line = line};
	op->o->on_event(&ev, op->o->ud);
	free(line);
}

/* Every write goes to the audit file; the operation's end also becomes an Event (final). */
static void audit_as(struct op *op, const char *result, const char *error, bool final)
{
	struct audit_entry e = {.action = op->action, .namespace_ = op->ns, .release = op->name,
				.result = result, .error = error, .started_ms = op->started_ms,
				.ended_ms = now_wall() * 1000};
	struct tops_err err = {0};
	if ((final ? audit_record(op->kc, &e, &err) : audit_write_file(&e, op->kc, &err)) < 0)
		say(op, "warning: audit: %s", tops_err_msg(&err));
	tops_err_clear(&err);
}

static void audit(struct op *op, const char *result, const char *error) { audit_as(op, result, error, false); }

static enum bg_step step_of(const struct op *op) { return bg_step_parse(bgr_get(&op->st, "step")); }

static int save(struct op *op, enum bg_step step, const char *message, struct tops_err *err)
{
	bgr_set(&op->st, "step", bg_step_name(step));
	bgr_set(&op->st, "message", message);
	char *ts = obj_microtime(now_wall() * 1000);
	bgr_set(&op->st, "updated", ts);
	free(ts);
	return bgr_state_save(op->kc, op->ns, op->name, &op->st, err);
}

static int begin(struct op *op, struct kube_client *kc, const struct bg_opts *o, const char *action,
		 struct tops_err *err)
{
	*op = (struct op){.kc = kc, .o = o, .ns = o->namespace_, .name = o->name, .action = action,
			  .started_ms = now_wall() * 1000};
	/* its own lock: the colours' releases (NAME itself when adopted) take theirs in the engine */
	char *key = xasprintf("%s-bluegreen", op->name);
	struct lease_opts lo = {.namespace_ = op->ns, .release = key, .operation = action};
	int rc = lease_acquire(kc, &lo, &op->lease, err);
	free(key);
	if (rc)
		return rc;
	const struct lease_prev *prev = lease_prev(op->lease);
	if (prev && prev->taken_over)
		say(op, "took over from %s, which stopped during %s", prev->holder, prev->operation);
	rc = bgr_state_load(kc, op->ns, op->name, &op->st, err);
	if (rc == -TOPS_ENOENT)
		tops_err_clear(err), rc = 0;
	return rc;
}

static void end(struct op *op)
{
	lease_release(op->lease);
	bgr_state_done(&op->st);
}

/* ---- colours ---- */

static struct value *colour_values(const struct op *op, const char *color)
{
	struct value *v = op->o->values ? value_copy(op->o->values) : value_map();
	value_map_set(v, "color", value_str(color));
	if (!value_map_get(v, "fullnameOverride"))
		value_map_set(v, "fullnameOverride", value_str(op->name));
	value_map_set(obj_map(v, "ingress"), "enabled", value_bool(false));
	return v;
}

static int run_engine(struct op *op, enum engine_action a, const char *release, const char *color,
		      struct tops_err *err)
{
	struct value *vals = a == EA_UNINSTALL ? NULL : colour_values(op, color);
	struct engine_opts eo = {.action = a, .release = release, .namespace_ = op->ns,
				 .chart_path = bgr_get(&op->st, "chart"), .values = vals, .install = true,
				 .atomic = a != EA_UNINSTALL, .wait = a != EA_UNINSTALL,
				 .timeout_ms = op->o->timeout_ms ? op->o->timeout_ms : 600000,
				 .history_max = 10, .abort = op->o->abort, .on_event = op->o->on_event, .ud = op->o->ud};
	struct engine_result res;
	int rc = engine_run(op->kc, &eo, &res, err);
	if (rc < 0 && res.summary && *res.summary) {
		char *m = xstrdup(tops_err_msg(err));
		tops_err_set(err, err->code ? err->code : TOPS_EINVAL, "%s\n%s", m, res.summary);
		free(m);
	}
	engine_result_done(&res);
	value_unref(vals);
	if (rc == -TOPS_ENOENT && a == EA_UNINSTALL)
		tops_err_clear(err), rc = 0;
	return rc;
}

/* Points router `svc` (live or preview) at release rel's Service. */
static int point(struct op *op, const char *svc, const char *ann, const char *color, const char *rel,
		 struct tops_err *err)
{
	struct value *target = NULL;
	int rc = bgr_release_service(op->kc, op->ns, rel, &target, err);
	int before = op->router_writes;
	if (rc == 0)
		rc = bgr_point(op->kc, op->ns, svc, target, ann, color, rel, &op->router_writes, err);
	value_unref(target);
	if (rc == 0 && op->router_writes > before) {
		char *what = xasprintf("Service %s -> %s (%s)", svc, color, rel);
		say(op, "router: %s", what);
		audit(op, what, NULL);
		free(what);
	}
	return rc;
}

static int router_ingress(struct op *op, const char *ing, const char *host, const char *svc, struct tops_err *err)
{
	if (!host || !*host)
		return 0;
	char *path = xasprintf("/api/v1/namespaces/%s/services/%s", op->ns, svc);
	struct value *s = NULL;
	int rc = bgr_get_json(op->kc, path, &s, err);
	free(path);
	int64_t port = rc == 0 ? obj_int(value_list_get(value_map_path(s, "spec.ports"), 0), "port", 80) : 80;
	value_unref(s);
	if (rc == 0)
		rc = bgr_ingress(op->kc, op->ns, ing, host, svc, port, bgr_get(&op->st, "ingressClass"), err);
	if (rc == 0)
		audit(op, "Ingress ensured", NULL);
	return rc;
}

static void remove_preview(struct op *op)
{
	struct tops_err err = {0};
	char *p = xasprintf("/api/v1/namespaces/%s/services/%s-preview", op->ns, op->name);
	char *i = xasprintf("/apis/networking.k8s.io/v1/namespaces/%s/ingresses/%s-preview", op->ns, op->name);
	if (bgr_delete(op->kc, p, &err) < 0 || bgr_delete(op->kc, i, &err) < 0)
		say(op, "warning: preview router: %s", tops_err_msg(&err));
	tops_err_clear(&err);
	free(p), free(i);
}

/* ---- gates ---- */

/* The face's gate_io wrapped so that each measurement is also kept in the state. */
struct gate_ctx {
	struct op *op;
	const char *phase_key;       /* "pre" or "post" */
	size_t index;
};

static int w_query(void *ud, const char *a, const char *q, double **v, size_t *n, struct tops_err *err)
{
	const struct gate_io *io = &((struct gate_ctx *)ud)->op->o->io;
	return io->query(io->ud, a, q, v, n, err);
}

static void w_sleep(void *ud, long ms)
{
	const struct gate_io *io = &((struct gate_ctx *)ud)->op->o->io;
	io->sleep_ms(io->ud, ms);
}

static double w_now(void *ud)
{
	const struct gate_io *io = &((struct gate_ctx *)ud)->op->o->io;
	return io->now(io->ud);
}

static void w_measured(void *ud, const struct gate_run *run, size_t metric)
{
	struct gate_ctx *g = ud;
	struct op *op = g->op;
	struct value *runs = value_map_get(op->st.v, g->phase_key);
	if (!runs || runs->type != V_LIST) {
		runs = value_list();
		value_map_set(op->st.v, g->phase_key, runs);
	}
	while (runs->u.list.len <= g->index)
		value_list_push(runs, value_null());
	value_unref(runs->u.list.items[g->index]);
	runs->u.list.items[g->index] = gate_run_to_value(run);
	const struct gate_measurement *m = &run->r[metric].m[run->r[metric].n - 1];
	say(op, "gate %s: %s %s (%g)%s%s", run->g->name, run->g->metrics[metric].name, gate_phase_name(m->phase),
	    m->value, m->message ? ": " : "", m->message ? m->message : "");
	struct tops_err err = {0};
	if (bgr_state_save(op->kc, op->ns, op->name, &op->st, &err) < 0)
		say(op, "warning: %s", tops_err_msg(&err));
	tops_err_clear(&err);
	if (op->o->on_gate)
		op->o->on_gate(op->o->ud, run, metric);
}

static struct value *gate_vars(struct op *op, const char *color, const char *rel)
{
	struct value *vars = value_map(), *relv = value_map();
	value_map_set(relv, "Name", value_str(rel));
	value_map_set(vars, "Release", relv);
	value_map_set(vars, "Namespace", value_str(op->ns));
	value_map_set(vars, "Color", value_str(color));
	struct value *args = value_map_get(op->st.v, "args");
	value_map_set(vars, "Args", args ? value_copy(args) : value_map());
	return vars;
}

/* Runs the state's gate files against colour color; the worst phase, *why the summary. */
static enum gate_phase run_gates(struct op *op, const char *key, const char *color, const char *rel, char **why)
{
	const struct value *gates = value_map_get(op->st.v, "gates");
	enum gate_phase worst = GP_SUCCESSFUL;
	*why = NULL;
	value_map_del(op->st.v, key);
	struct value *vars = gate_vars(op, color, rel);
	for (size_t i = 0; gates && gates->type == V_LIST && i < gates->u.list.len && worst == GP_SUCCESSFUL; i++) {
		const struct value *src = gates->u.list.items[i];
		const char *file = obj_str(src, "file") ?: "gate", *text = obj_str(src, "text") ?: "";
		struct gate *g = NULL;
		struct tops_err err = {0};
		if (gate_parse(text, strlen(text), file, value_map_get(op->st.v, "args"), &g, &err) < 0) {
			*why = xstrdup(tops_err_msg(&err));
			tops_err_clear(&err);
			worst = GP_ERROR;
			break;
		}
		say(op, "gate %s (%s-promotion): %zu metric%s against %s", g->name, key, g->n, g->n == 1 ? "" : "s", color);
		struct gate_ctx gc = {.op = op, .phase_key = key, .index = i};
		struct gate_io io = {.query = w_query, .sleep_ms = w_sleep, .now = w_now, .on_measure = w_measured,
				     .ud = &gc, .stop = op->o->io.stop, .max_ms = op->o->io.max_ms};
		struct gate_run run;
		enum gate_phase p = gate_execute(g, vars, &io, &run);
		if (p != GP_SUCCESSFUL) {
			*why = gate_run_summary(&run);
			worst = p;
		}
		gate_run_done(&run);
		gate_free(g);
	}
	value_unref(vars);
	return worst;
}

/* ---- deploy ---- */

static bool transient(enum bg_step s) { return s >= BS_DEPLOYING && s <= BS_SCALING; }

/* A plain (colour-less) release NAME with a deployed record: adopted as blue. */
static bool has_release(struct op *op, const char *rel)
{
	char *path = xasprintf("/api/v1/namespaces/%s/secrets?labelSelector=owner%%3Dhelm%%2Cname%%3D%s%%2Cstatus%%3Ddeployed",
			       op->ns, rel);
	struct value *list = NULL;
	struct tops_err err = {0};
	bool yes = bgr_get_json(op->kc, path, &list, &err) == 0 && value_list_get(value_map_get(list, "items"), 0);
	tops_err_clear(&err);
	value_unref(list);
	free(path);
	return yes;
}

/* Where traffic is now: fills old/oldRelease in the state (NULL when nothing is live). */
static int find_live(struct op *op, bool *adopt, struct tops_err *err)
{
	char *path = xasprintf("/api/v1/namespaces/%s/services/%s", op->ns, op->name);
	struct value *svc = NULL;
	int rc = bgr_get_json(op->kc, path, &svc, err);
	free(path);
	*adopt = false;
	if (rc == 0) {
		const struct value *ann = value_map_path(svc, "metadata.annotations");
		const struct value *cv = value_map_get(ann, BG_ANN_LIVE), *rv = value_map_get(ann, BG_ANN_LIVE_REL);
		if (!cv || cv->type != V_STRING) {
			value_unref(svc);
			return tops_err_set(err, TOPS_ECONFLICT, "Service %s/%s exists and is not a blue/green router "
					    "(no %s annotation): rename the release or remove the Service", op->ns, op->name, BG_ANN_LIVE);
		}
		bgr_set(&op->st, "old", cv->u.str.s);
		bgr_set(&op->st, "oldRelease", rv && rv->type == V_STRING ? rv->u.str.s : NULL);
		value_unref(svc);
		return 0;
	}
	if (rc != -TOPS_ENOENT)
		return rc;
	tops_err_clear(err);
	if (has_release(op, op->name)) {
		*adopt = true;
		bgr_set(&op->st, "old", "blue");
		bgr_set(&op->st, "oldRelease", op->name);
	}
	return 0;
}

static void store_inputs(struct op *op, const char *newc)
{
	const struct bg_opts *o = op->o;
	char *rel = bg_release_name(op->name, newc);
	bgr_set(&op->st, "new", newc);
	bgr_set(&op->st, "newRelease", rel);
	free(rel);
	bgr_set(&op->st, "chart", o->chart_path);
	bgr_set(&op->st, "host", o->host);
	bgr_set(&op->st, "previewHost", o->preview_host);
	value_map_set(op->st.v, "scaleDownDelayMs", value_int(o->scale_down_delay_ms >= 0 ? o->scale_down_delay_ms : 30000));
	value_map_set(op->st.v, "keepOld", value_bool(o->keep_old));
	value_map_set(op->st.v, "args", o->gate_args ? value_copy(o->gate_args) : value_map());
	struct value *gates = value_list();
	for (size_t i = 0; i < o->ngates; i++) {
		struct value *g = value_map();
		value_map_set(g, "file", value_str(o->gates[i].file));
		value_map_set(g, "text", value_str(o->gates[i].text));
		value_list_push(gates, g);
	}
	value_map_set(op->st.v, "gates", gates);
	const char *keys[] = {"pre", "post", "promotedAt", "scaleDownAt", "oldScaled", "adopted"};
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		value_map_del(op->st.v, keys[i]);
}

/* Removes the new colour (its release and the preview router); traffic is not touched. */
static int remove_new(struct op *op, struct tops_err *err)
{
	remove_preview(op);
	const char *rel = bgr_get(&op->st, "newRelease");
	say(op, "removing %s", rel);
	int rc = run_engine(op, EA_UNINSTALL, rel, NULL, err);
	audit(op, rc == 0 ? "new colour removed" : "removing the new colour failed", rc ? tops_err_msg(err) : NULL);
	return rc;
}

static int adopt(struct op *op, struct tops_err *err)
{
	const char *old = bgr_get(&op->st, "oldRelease");
	say(op, "adopting release %s as blue (its pods keep running; the router selects them as they are)", old);
	value_map_set(op->st.v, "adopted", value_bool(true));
	int rc = point(op, op->name, BG_ANN_LIVE, "blue", old, err);
	char *rname = xstrdup(op->name);
	if (rc == 0 && bgr_get(&op->st, "host")) {
		rc = router_ingress(op, rname, bgr_get(&op->st, "host"), rname, err);
		int n = 0;
		if (rc == 0 && (rc = bgr_delete_release_ingresses(op->kc, op->ns, old, &n, err)) == 0 && n) {
			say(op, "replaced %d Ingress%s of %s by Ingress %s", n, n == 1 ? "" : "es", old, rname);
			audit(op, "adopted release's Ingress replaced by the router's", NULL);
		}
	}
	free(rname);
	return rc;
}

static int first_deploy(struct op *op, enum bg_outcome *outcome, struct tops_err *err)
{
	const char *newc = bgr_get(&op->st, "new"), *rel = bgr_get(&op->st, "newRelease");
	int rc = point(op, op->name, BG_ANN_LIVE, newc, rel, err);
	if (rc == 0)
		rc = router_ingress(op, op->name, bgr_get(&op->st, "host"), op->name, err);
	if (rc)
		return rc;
	*outcome = BG_OK;
	say(op, "%s is live (first colour)", newc);
	return save(op, BS_DONE, "first colour deployed and live", err);
}

static int do_promote(struct op *op, enum bg_outcome *outcome, struct tops_err *err);

static int after_pre_gates(struct op *op, enum gate_phase p, char *why, enum bg_outcome *outcome,
			   struct tops_err *err)
{
	const char *newc = bgr_get(&op->st, "new");
	if (p == GP_FAILED || p == GP_ERROR) {
		char *msg = xasprintf("pre-promotion gate %s: %s; aborted, traffic stays on %s", gate_phase_name(p), why,
				      bgr_get(&op->st, "old"));
		say(op, "%s", msg);
		int rc = remove_new(op, err);
		if (rc == 0)
			rc = save(op, BS_ABORTED, msg, err);
		audit(op, "aborted by gate", msg);
		*outcome = BG_ABORTED;
		if (rc == 0)
			tops_err_set(err, TOPS_EINVAL, "%s", msg);
		free(msg);
		return rc;
	}
	if (p == GP_INCONCLUSIVE || op->o->auto_promote_ms < 0) {
		char *msg = p == GP_INCONCLUSIVE
			? xasprintf("pre-promotion gate Inconclusive: %s; paused: `tops bluegreen promote %s` or `abort %s`", why, op->name, op->name)
			: xasprintf("%s is up and its gates passed; `tops bluegreen promote %s` switches traffic", newc, op->name);
		say(op, "%s", msg);
		*outcome = p == GP_INCONCLUSIVE ? BG_WAITING : BG_OK;
		value_map_set(op->st.v, "inconclusive", value_bool(p == GP_INCONCLUSIVE));
		int rc = save(op, BS_WAITING, msg, err);
		if (rc == 0 && p == GP_INCONCLUSIVE)
			tops_err_set(err, TOPS_EINVAL, "%s", msg);
		free(msg);
		return rc;
	}
	if (op->o->auto_promote_ms > 0) {
		say(op, "promoting in %ld s", op->o->auto_promote_ms / 1000);
		rest_sleep(op->kc, op->o->auto_promote_ms);
	}
	return do_promote(op, outcome, err);
}

static int deploy_new(struct op *op, enum bg_outcome *outcome, bool adopting, struct tops_err *err)
{
	const char *newc = bgr_get(&op->st, "new"), *rel = bgr_get(&op->st, "newRelease");
	int rc = save(op, BS_DEPLOYING, NULL, err);
	if (rc == 0 && adopting)
		rc = adopt(op, err);
	if (rc)
		return rc;
	say(op, "deploying %s as release %s", newc, rel);
	rc = run_engine(op, EA_UPGRADE, rel, newc, err);
	if (rc) {
		char *msg = xasprintf("%s failed to deploy: %s; traffic stays on %s", newc, tops_err_msg(err),
				      bgr_get(&op->st, "old") ?: "nothing");
		struct tops_err e2 = {0};
		save(op, BS_FAILED, msg, &e2);
		tops_err_clear(&e2);
		audit(op, "failed", msg);
		tops_err_set(err, TOPS_EINVAL, "%s", msg);
		free(msg);
		*outcome = BG_FAILED;
		return -TOPS_EINVAL;
	}
	if (!bgr_get(&op->st, "old"))
		return first_deploy(op, outcome, err);
	char *prev = xasprintf("%s-preview", op->name);
	rc = point(op, prev, BG_ANN_PREVIEW, newc, rel, err);
	if (rc == 0)
		rc = router_ingress(op, prev, bgr_get(&op->st, "previewHost"), prev, err);
	free(prev);
	if (rc == 0)
		rc = save(op, BS_ANALYSING, NULL, err);
	if (rc)
		return rc;
	char *why = NULL;
	enum gate_phase p = run_gates(op, "pre", newc, rel, &why);
	rc = after_pre_gates(op, p, why, outcome, err);
	free(why);
	return rc;
}

int bg_deploy(struct kube_client *kc, const struct bg_opts *o, enum bg_outcome *outcome, struct tops_err *err)
{
	struct op op;
	*outcome = BG_FAILED;
	int rc = begin(&op, kc, o, "bluegreen-deploy", err);
	enum bg_step s = step_of(&op);
	if (rc == 0 && transient(s))
		rc = tops_err_set(err, TOPS_ECONFLICT, "a blue/green operation of %s stopped at %s (new colour %s): "
				  "`tops bluegreen promote %s` continues it, `tops bluegreen abort %s` reverts it",
				  o->name, bg_step_name(s), bgr_get(&op.st, "new") ?: "?", o->name, o->name);
	bool adopting = false;
	if (rc == 0)
		rc = find_live(&op, &adopting, err);
	const char *live = rc == 0 ? bgr_get(&op.st, "old") : NULL;
	const char *newc = o->color && strcmp(o->color, "auto") ? o->color : live ? bg_other(live) : "blue";
	if (rc == 0 && live && !strcmp(newc, live))
		rc = tops_err_set(err, TOPS_EINVAL, "%s is the live colour of %s: deploy the other one (--color %s or auto)",
				  live, o->name, bg_other(live));
	if (rc == 0) {
		store_inputs(&op, newc);
		rc = deploy_new(&op, outcome, adopting, err);
	}
	audit_as(&op, rc == 0 ? bg_step_name(step_of(&op)) : "failed", rc ? tops_err_msg(err) : NULL, true);
	end(&op);
	return rc;
}

/* ---- promote ---- */

static int switch_back(struct op *op, const char *why, enum bg_outcome *outcome, struct tops_err *err)
{
	const char *old = bgr_get(&op->st, "old"), *oldrel = bgr_get(&op->st, "oldRelease");
	char *msg = xasprintf("%s; traffic switched back to %s", why, old);
	int rc = point(op, op->name, BG_ANN_LIVE, old, oldrel, err);
	if (rc == 0)
		rc = remove_new(op, err);
	if (rc == 0)
		rc = save(op, BS_ABORTED, msg, err);
	say(op, "%s", msg);
	*outcome = BG_ABORTED;
	free(msg);
	return rc;
}

static int scale_down(struct op *op, enum bg_outcome *outcome, struct tops_err *err)
{
	const struct value *at = value_map_get(op->st.v, "scaleDownAt");
	int64_t when = at && at->type == V_INT ? at->u.i : 0;
	if (!when) {
		when = now_wall() * 1000 + obj_int(op->st.v, "scaleDownDelayMs", 30000);
		value_map_set(op->st.v, "scaleDownAt", value_int(when));
	}
	int rc = save(op, BS_SCALING, NULL, err);
	const char *oldrel = bgr_get(&op->st, "oldRelease");
	if (rc == 0 && now_wall() * 1000 < when)
		say(op, "%s stays up for %lld s (abort is instant until then)", bgr_get(&op->st, "old"),
		    (long long)(when - now_wall() * 1000 + 999) / 1000);
	while (rc == 0 && now_wall() * 1000 < when) {
		if (op->o->abort && *op->o->abort)
			return tops_err_set(err, TOPS_EINVAL, "interrupted while the old colour waits to be scaled down; "
					    "traffic is on %s; `tops bluegreen promote %s` continues", bgr_get(&op->st, "new"), op->name);
		rest_sleep(op->kc, 200);
	}
	int n = 0;
	if (rc == 0 && (rc = bgr_scale_zero(op->kc, op->ns, oldrel, &n, err)) == 0) {
		say(op, "scaled %d workload%s of %s to zero", n, n == 1 ? "" : "s", oldrel);
		audit(op, "old colour scaled to zero", NULL);
		value_map_set(op->st.v, "oldScaled", value_bool(true));
		rc = save(op, BS_SCALING, NULL, err);
	}
	if (rc == 0 && !value_truthy(value_map_get(op->st.v, "keepOld"))) {
		say(op, "removing %s", oldrel);
		rc = run_engine(op, EA_UNINSTALL, oldrel, NULL, err);
		audit(op, rc == 0 ? "old colour removed" : "removing the old colour failed", rc ? tops_err_msg(err) : NULL);
	}
	if (rc == 0) {
		remove_preview(op);
		*outcome = BG_OK;
		char *msg = xasprintf("%s is live", bgr_get(&op->st, "new"));
		rc = save(op, BS_DONE, msg, err);
		free(msg);
	}
	return rc;
}

static int post_gates(struct op *op, enum bg_outcome *outcome, struct tops_err *err)
{
	const char *newc = bgr_get(&op->st, "new"), *rel = bgr_get(&op->st, "newRelease");
	const struct value *post = value_map_get(op->st.v, "post");
	bool accepted = post && value_truthy(value_map_get(op->st.v, "postInconclusive"));
	if (accepted)
		return 0;
	char *why = NULL;
	enum gate_phase p = run_gates(op, "post", newc, rel, &why);
	int rc = 0;
	if (p == GP_FAILED || p == GP_ERROR) {
		char *w = xasprintf("post-promotion gate %s: %s", gate_phase_name(p), why);
		rc = switch_back(op, w, outcome, err);
		if (rc == 0)
			rc = tops_err_set(err, TOPS_EINVAL, "%s; traffic switched back to %s", w, bgr_get(&op->st, "old"));
		free(w);
	} else if (p == GP_INCONCLUSIVE) {
		char *msg = xasprintf("post-promotion gate Inconclusive: %s; paused with traffic on %s: "
				      "`tops bluegreen promote %s` finishes, `abort %s` switches back", why, newc, op->name, op->name);
		value_map_set(op->st.v, "postInconclusive", value_bool(true));
		rc = save(op, BS_PROMOTED, msg, err);
		if (rc == 0)
			rc = tops_err_set(err, TOPS_EINVAL, "%s", msg);
		*outcome = BG_WAITING;
		free(msg);
	}
	free(why);
	return rc;
}

static int do_promote(struct op *op, enum bg_outcome *outcome, struct tops_err *err)
{
	enum bg_step s = step_of(op);
	const char *newc = bgr_get(&op->st, "new"), *rel = bgr_get(&op->st, "newRelease");
	int rc = 0;
	if (s == BS_ANALYSING || s == BS_WAITING) {
		rc = save(op, BS_PROMOTED, NULL, err);
		say(op, "promoting %s: one write to Service %s", newc, op->name);
		uint64_t t0 = now_ms();
		if (rc == 0)
			rc = point(op, op->name, BG_ANN_LIVE, newc, rel, err);
		if (rc)
			return rc;
		say(op, "router write acknowledged %llu ms after the promote decision", (unsigned long long)(now_ms() - t0));
		char *ts = obj_microtime(now_wall() * 1000);
		bgr_set(&op->st, "promotedAt", ts);
		free(ts);
		rc = save(op, BS_PROMOTED, NULL, err);
		s = BS_PROMOTED;
	}
	if (rc == 0 && s == BS_PROMOTED) {
		*outcome = BG_OK;
		if ((rc = post_gates(op, outcome, err)) || *outcome != BG_OK)
			return rc;
		s = BS_SCALING;
	}
	if (rc == 0 && s == BS_SCALING)
		rc = scale_down(op, outcome, err);
	return rc;
}

static int nothing_to(const char *what, const struct op *op, struct tops_err *err)
{
	const char *msg = bgr_get(&op->st, "message");
	return tops_err_set(err, TOPS_ENOENT, "nothing to %s: the last blue/green operation of %s is %s%s%s", what,
			    op->name, bg_step_name(step_of(op)), msg ? ": " : "", msg ? msg : "");
}

int bg_promote(struct kube_client *kc, const struct bg_opts *o, enum bg_outcome *outcome, struct tops_err *err)
{
	struct op op;
	*outcome = BG_FAILED;
	int rc = begin(&op, kc, o, "bluegreen-promote", err);
	enum bg_step s = step_of(&op);
	if (rc == 0 && s == BS_DEPLOYING)
		rc = tops_err_set(err, TOPS_EINVAL, "the deploy of %s stopped while it was being installed; traffic is on %s: "
				  "`tops bluegreen abort %s` removes it, then deploy again", bgr_get(&op.st, "new"),
				  bgr_get(&op.st, "old"), o->name);
	else if (rc == 0 && !(s == BS_ANALYSING || s == BS_WAITING || s == BS_PROMOTED || s == BS_SCALING))
		rc = nothing_to("promote", &op, err);
	if (rc == 0 && o->scale_down_delay_ms >= 0 && !value_map_get(op.st.v, "scaleDownAt"))
		value_map_set(op.st.v, "scaleDownDelayMs", value_int(o->scale_down_delay_ms));
	if (rc == 0) {
		if (s != BS_WAITING)
			say(&op, "continuing the blue/green operation of %s from %s", o->name, bg_step_name(s));
		rc = do_promote(&op, outcome, err);
	}
	audit_as(&op, rc == 0 ? bg_step_name(step_of(&op)) : "failed", rc ? tops_err_msg(err) : NULL, true);
	end(&op);
	return rc;
}

/* ---- abort ---- */

int bg_abort(struct kube_client *kc, const struct bg_opts *o, enum bg_outcome *outcome, struct tops_err *err)
{
	struct op op;
	*outcome = BG_FAILED;
	int rc = begin(&op, kc, o, "bluegreen-abort", err);
	enum bg_step s = step_of(&op);
	bool scaled = value_truthy(value_map_get(op.st.v, "oldScaled"));
	if (rc == 0 && (s == BS_NONE || s == BS_DONE || s == BS_ABORTED))
		rc = nothing_to("abort", &op, err);
	else if (rc == 0 && scaled)
		rc = tops_err_set(err, TOPS_EINVAL, "%s was already scaled down after the promotion of %s: deploy it again "
				  "instead (`tops bluegreen deploy %s CHART`)", bgr_get(&op.st, "old"), bgr_get(&op.st, "new"), o->name);
	if (rc == 0 && (s == BS_PROMOTED || s == BS_SCALING)) {
		rc = switch_back(&op, "aborted by the operator", outcome, err);
	} else if (rc == 0) {
		say(&op, "aborting before promotion: %s keeps the traffic", bgr_get(&op.st, "old") ?: "nothing");
		rc = remove_new(&op, err);
		if (rc == 0)
			rc = save(&op, BS_ABORTED, "aborted by the operator before promotion", err);
		*outcome = BG_OK;
	}
	if (rc == 0)
		*outcome = BG_OK;
	audit_as(&op, rc == 0 ? "aborted" : "abort failed", rc ? tops_err_msg(err) : NULL, true);
	end(&op);
	return rc;
}
