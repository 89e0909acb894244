#include "core/release/engine.h"

#include "core/base/base64.h"
#include "core/base/yaml.h"
#include "core/chart/chart.h"
#include "core/chart/manifest_sort.h"
#include "core/chart/render.h"
#include "core/chart/values.h"
#include "core/release/apply.h"
#include "core/release/audit.h"
#include "core/release/hooks.h"
#include "core/release/lease.h"
#include "core/release/obj.h"
#include "core/release/rest.h"
#include "core/release/plan.h"
#include "core/release/schemacheck.h"
#include "core/release/storage.h"
#include "core/release/wait.h"

#include <regex.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One run of an action. */
struct op {
	struct kube_client *kc;
	const struct engine_opts *o;
	struct engine_result *res;
	struct history h;
	struct lease *lease;
	struct release *cur;          /* the record this run writes (owned) */
	int64_t started_ms;
	char values_sha[65];
	int from_revision;
	bool rolling_back;            /* SIGINT/SIGTERM no longer stop anything: the restore must end */
};

static const char *const action_names[] = {"install", "upgrade", "rollback", "uninstall"};

/* ---- small helpers ---- */

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct release_time time_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (struct release_time){.sec = ts.tv_sec, .nsec = ts.tv_nsec, .off = 0};
}

static void emit(struct op *op, enum engine_event_kind k, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void emit(struct op *op, enum engine_event_kind k, const char *key, const char *fmt, ...)
{
	if (!op->o->on_event)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *line = xvasprintf(fmt, ap);
	va_end(ap);
	op->o->on_event(&(struct engine_event){.kind = k, .key = key, .line = line}, op->o->ud);
	free(line);
}

static bool aborted(const struct op *op)
{
	return !op->rolling_back && op->o->abort && *op->o->abort;
}

bool engine_valid_name(const char *n)
{
	regex_t re;
	if (!n || !*n || strlen(n) > 53 ||
	    regcomp(&re, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
		    REG_EXTENDED | REG_NOSUB))
		return false;
	bool ok = regexec(&re, n, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static void free_objects(struct value **objs, size_t n)
{
	for (size_t i = 0; objs && i < n; i++)
		value_unref(objs[i]);
	free(objs);
}

/* "apps/v1 Deployment ns/name": two objects are the same object when their keys are. */
static char *obj_key(const struct value *obj, const char *ns)
{
	const char *own = obj_str(obj, "metadata.namespace");
	return xasprintf("%s %s %s/%s", obj_str(obj, "apiVersion") ? obj_str(obj, "apiVersion") : "",
			 obj_str(obj, "kind") ? obj_str(obj, "kind") : "", own && *own ? own : ns,
			 obj_str(obj, "metadata.name") ? obj_str(obj, "metadata.name") : "");
}

static bool has_object(struct value *const *objs, size_t n, const struct value *obj, const char *ns)
{
	char *k = obj_key(obj, ns);
	bool found = false;
	for (size_t i = 0; i < n && !found; i++) {
		char *o = obj_key(objs[i], ns);
		found = !strcmp(o, k);
		free(o);
	}
	free(k);
	return found;
}

/* The objects of `from` that `in` has not (borrowed pointers into from). */
static struct value **missing_from(struct value *const *from, size_t nf, struct value *const *in,
				   size_t ni, const char *ns, size_t *n)
{
	struct value **out = xcalloc(nf + 1, sizeof *out);
	*n = 0;
	for (size_t i = 0; i < nf; i++)
		if (!has_object(in, ni, from[i], ns))
			out[(*n)++] = from[i];
	return out;
}

/* ---- the record's chart: helm's chart.Chart as JSON ---- */

/* .Chart's Go field names to the JSON names of helm's Metadata. */
static char *json_name(const char *go)
{
	static const struct { const char *go, *json; } special[] = {
		{"APIVersion", "apiVersion"}, {"ImportValues", "import-values"}};
	for (size_t i = 0; i < ARRAY_LEN(special); i++)
		if (!strcmp(go, special[i].go))
			return xstrdup(special[i].json);
	char *s = xstrdup(go);
	s[0] = (char)(s[0] >= 'A' && s[0] <= 'Z' ? s[0] - 'A' + 'a' : s[0]);
	return s;
}

static struct value *meta_json(const struct value *v)
{
	if (!v || (v->type != V_MAP && v->type != V_LIST))
		return v ? value_copy(v) : value_null();
	if (v->type == V_LIST) {
		struct value *l = value_list();
		for (size_t i = 0; i < v->u.list.len; i++)
			value_list_push(l, meta_json(v->u.list.items[i]));
		return l;
	}
	struct value *m = value_map();
	for (size_t i = 0; i < v->u.map.len; i++) {
		const struct value *e = v->u.map.e[i].val;
		if (!e || e->type == V_NULL || (e->type == V_STRING && !e->u.str.len) ||
		    (e->type == V_BOOL && !e->u.b) ||
		    ((e->type == V_LIST || e->type == V_MAP) && !(e->type == V_LIST ? e->u.list.len : e->u.map.len)))
			continue; /* omitempty */
		char *k = json_name(v->u.map.e[i].key);
		value_map_set(m, k, meta_json(e));
		free(k);
	}
	return m;
}

static struct value *files_json(const struct chart_file *f, size_t n, bool templates)
{
	struct value *l = value_list();
	for (size_t i = 0; i < n; i++) {
		if (!templates && !strcmp(f[i].name, "values.schema.json"))
			continue;
		struct value *e = value_map();
		struct strbuf sb = STRBUF_INIT;
		base64_encode(&sb, f[i].data, f[i].len);
		value_map_set(e, "name", value_str(f[i].name));
		size_t len = sb.len; /* before sb_detach() empties sb */
		value_map_set(e, "data", value_str_own(sb_detach(&sb, NULL), len));
		value_list_push(l, e);
	}
	return l;
}

static struct value *chart_json(const struct chart *c)
{
	struct value *ch = value_map();
	value_map_set(ch, "metadata", meta_json(c->meta));
	value_map_set(ch, "lock", value_null());
	value_map_set(ch, "templates", files_json(c->templates, c->ntemplates, true));
	value_map_set(ch, "values", c->values ? value_copy(c->values) : value_map());
	if (c->schema) {
		struct strbuf sb = STRBUF_INIT;
		base64_encode(&sb, c->schema, c->schema_len);
		size_t len = sb.len;
		value_map_set(ch, "schema", value_str_own(sb_detach(&sb, NULL), len));
	} else {
		value_map_set(ch, "schema", value_null());
	}
	value_map_set(ch, "files", files_json(c->files, c->nfiles, false));
	return ch;
}

static const char *chart_field(const struct release *r, const char *key)
{
	return r && r->chart ? obj_str(r->chart, key) : NULL;
}

/* "testops-1.2.0", as helm's CHART column shows it. Caller frees. */
static char *chart_label(const struct release *r)
{
	const char *n = chart_field(r, "metadata.name"), *v = chart_field(r, "metadata.version");
	return xasprintf("%s-%s", n ? n : "?", v ? v : "?");
}

/* ---- records ---- */

static bool is_pending(enum release_status st)
{
	return st == RS_PENDING_INSTALL || st == RS_PENDING_UPGRADE || st == RS_PENDING_ROLLBACK;
}

static struct release *new_record(const struct op *op, int version)
{
	struct release *r = xcalloc(1, sizeof *r);
	r->name = xstrdup(op->o->release);
	r->namespace_ = xstrdup(op->o->namespace_);
	r->version = version;
	r->info.first_deployed = r->info.last_deployed = time_now();
	return r;
}

static int set_status(struct op *op, struct release *r, enum release_status st, const char *desc,
		      bool create, struct tops_err *err)
{
	char *d = xstrdup(desc ? desc : ""); /* desc may be the description it replaces */
	r->info.status = st;
	free(r->info.description);
	r->info.description = d;
	r->info.last_deployed = time_now();
	if (op->o->dry_run_client || op->o->dry_run_server)
		return 0;
	int rc = storage_write(op->kc, r, create, err);
	if (rc < 0)
		tops_err_prefix(err, "writing release record %s v%d", r->name, r->version);
	return rc;
}

/* A pending record left by a holder that is gone: failed, saying whose it was. */
static int mark_abandoned(struct op *op, struct tops_err *err)
{
	const struct lease_prev *p = op->lease ? lease_prev(op->lease) : NULL;
	struct release *last = history_last(&op->h);
	if (!op->lease || !p->taken_over || !last || !is_pending(last->info.status))
		return 0;
	char *since = obj_microtime(p->renewed_ms);
	char *desc = xasprintf("abandoned: no heartbeat from %s since %s", p->holder, since);
	emit(op, EE_WARNING, NULL, "revision %d was %s by %s, which is gone: marked failed (%s)",
	     last->version, release_status_str(last->info.status), p->holder, desc);
	int rc = set_status(op, last, RS_FAILED, desc, false, err);
	free(since), free(desc);
	return rc;
}

/* A pending record with no live tops holder: helm (or an older tops) is in the middle of it. */
static int check_pending(struct op *op, struct tops_err *err)
{
	struct release *last = history_last(&op->h);
	if (!last || !is_pending(last->info.status) || (op->lease && lease_prev(op->lease)->taken_over))
		return 0;
	if (op->o->action == EA_ROLLBACK)
		return 0; /* helm's rollback works on a pending release */
	if (op->o->take_over) {
		emit(op, EE_WARNING, NULL, "revision %d is %s with no tops holder (helm's?): taken over "
		     "(--take-over), marked failed", last->version, release_status_str(last->info.status));
		return set_status(op, last, RS_FAILED, "taken over by tops (--take-over)", false, err);
	}
	return tops_err_set(err, TOPS_ECONFLICT, "another operation (install/upgrade/rollback) is in "
			    "progress: revision %d is %s and no tops holds its lease (helm may be running; "
			    "--take-over proceeds anyway)", last->version, release_status_str(last->info.status));
}

static int take_lease(struct op *op, struct tops_err *err)
{
	if (op->o->dry_run_client || op->o->dry_run_server)
		return 0;
	char *local = lease_default_holder();
	char *holder = op->o->actor ? xasprintf("%s (tops serve, %s)", op->o->actor, local) : NULL;
	const struct lease_opts lo = {.namespace_ = op->o->namespace_, .release = op->o->release,
				      .operation = action_names[op->o->action], .holder = holder};
	int rc = lease_acquire(op->kc, &lo, &op->lease, err);
	free(holder), free(local);
	if (rc == 0 && strcmp(lease_kind(op->lease), "Lease"))
		emit(op, EE_WARNING, NULL, "Leases are forbidden here: the release is locked with "
		     "ConfigMap %s/%s instead", op->o->namespace_, lease_name(op->lease));
	return rc;
}

/* ---- apply, wait, prune ---- */

static void on_object(const struct value *obj, const char *ref, const struct tops_err *e, void *ud)
{
	struct op *op = ud;
	(void)obj;
	if (e)
		emit(op, EE_OBJECT, NULL, "%s failed: %s", ref, e->msg);
	else
		emit(op, EE_OBJECT, NULL, "%s %s", ref, op->o->dry_run_server ? "valid (server dry run)" : "applied");
}

static struct apply_opts apply_opts_of(struct op *op, bool dry_run)
{
	return (struct apply_opts){.namespace_ = op->o->namespace_, .release = op->o->release,
				   .field_manager = op->o->field_manager,
				   .force_conflicts = op->o->force_conflicts, .dry_run = dry_run,
				   .on_object = on_object, .ud = op};
}

static void on_progress(const struct wait_progress *p, void *ud)
{
	struct op *op = ud;
	if (p->target) {
		char *key = xasprintf("%s/%s", kube_kind_info(p->target->kind)->singular, p->target->name);
		emit(op, EE_WORKLOAD, key, "%s", p->line);
		free(key);
	} else {
		emit(op, EE_POD, NULL, "%s", p->line);
	}
}

/* Waits for objs; 0 when ready, else -TOPS_ETIMEOUT / -TOPS_EINVAL (failed early) /
 * -TOPS_EINTERNAL (aborted) with the reason. */
static int wait_objects(struct op *op, struct value *const *objs, size_t n, int64_t started,
			struct tops_err *err)
{
	size_t nt = 0;
	struct wait_target *t = wait_targets_of(objs, n, &nt);
	if (!nt) {
		wait_targets_free(t, nt);
		return 0;
	}
	emit(op, EE_PHASE, NULL, "waiting for %zu object%s to be ready (timeout %lds)", nt, nt == 1 ? "" : "s",
	     (op->o->timeout_ms > 0 ? op->o->timeout_ms : 300000) / 1000);
	struct wait_opts wo = {.namespace_ = op->o->namespace_, .timeout_ms = op->o->timeout_ms,
			       .grace_ms = op->o->grace_ms, .restarts_per_replica = op->o->restarts_per_replica,
			       .started = started, .cancel = op->rolling_back ? NULL : op->o->abort,
			       .on_progress = on_progress, .ud = op};
	struct wait_result wr;
	int rc = wait_ready(op->kc, t, nt, &wo, &wr, err);
	wait_targets_free(t, nt);
	if (rc < 0)
		return rc;
	static const int codes[] = {[WAIT_READY] = 0, [WAIT_FAILED] = TOPS_EINVAL,
				    [WAIT_TIMEOUT] = TOPS_ETIMEOUT, [WAIT_CANCELLED] = TOPS_EINTERNAL};
	if (wr.outcome == WAIT_READY)
		op->res->ready_detected_ms = wr.detected_ms;
	else
		op->res->failure_detected_ms = wr.detected_ms;
	if (wr.outcome == WAIT_CANCELLED)
		rc = tops_err_set(err, TOPS_EINTERNAL, "interrupted (SIGINT/SIGTERM)");
	else if (wr.outcome != WAIT_READY)
		rc = tops_err_set(err, codes[wr.outcome], "%s", wr.reason ? wr.reason : "not ready");
	if (wr.outcome != WAIT_READY && wr.summary && *wr.summary) {
		free(op->res->summary);
		op->res->summary = xstrdup(wr.summary);
	}
	wait_result_done(&wr);
	return rc;
}

/* --wait-for-jobs: every Job of the release until Complete (a Failed one fails the wait). */
static int wait_jobs(struct op *op, struct value *const *objs, size_t n, struct tops_err *err)
{
	struct hooks_opts ho = {.namespace_ = op->o->namespace_, .timeout_ms = op->o->timeout_ms,
				.abort = op->rolling_back ? NULL : op->o->abort};
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *kind = obj_str(objs[i], "kind");
		if (!kind || strcmp(kind, "Job"))
			continue;
		char *path = apply_object_path(objs[i], op->o->namespace_);
		emit(op, EE_PHASE, NULL, "waiting for job/%s to complete", obj_str(objs[i], "metadata.name"));
		rc = hooks_wait_object(op->kc, kind, obj_str(objs[i], "metadata.name"), path, &ho, err);
		free(path);
	}
	return rc;
}

/* Applies objs and, when asked, waits for them. */
static int deploy(struct op *op, struct value *const *objs, size_t n, bool wait, struct tops_err *err)
{
	size_t applied = 0;
	int64_t started = now_wall();
	struct apply_opts ao = apply_opts_of(op, false);
	emit(op, EE_PHASE, NULL, "applying %zu object%s (server-side, field manager %s)", n, n == 1 ? "" : "s",
	     op->o->field_manager ? op->o->field_manager : "tops");
	int rc = apply_objects(op->kc, objs, n, &ao, &applied, err);
	if (rc == 0 && aborted(op))
		rc = tops_err_set(err, TOPS_EINTERNAL, "interrupted (SIGINT/SIGTERM)");
	if (rc == 0 && wait)
		rc = wait_objects(op, objs, n, started, err);
	if (rc == 0 && wait && op->o->wait_for_jobs)
		rc = wait_jobs(op, objs, n, err);
	if (rc == 0 && wait && !op->rolling_back && op->o->post_ready) {
		emit(op, EE_PHASE, NULL, "checking the ready release (post-ready gate)");
		rc = op->o->post_ready(op->kc, op->o->namespace_, op->o->release, op->o->post_ready_ud, err);
	}
	return rc;
}

/* Deletes the objects of `old` that `now` no longer has (kept ones are left). */
static int prune(struct op *op, struct value *const *old, size_t nold, struct value *const *now,
		 size_t nnow, struct tops_err *err)
{
	size_t n = 0, kept = 0;
	struct value **gone = missing_from(old, nold, now, nnow, op->o->namespace_, &n);
	struct apply_opts ao = apply_opts_of(op, false);
	int rc = n ? apply_delete(op->kc, gone, n, &ao, NULL, &kept, err) : 0;
	if (n)
		emit(op, EE_PHASE, NULL, "deleted %zu object%s the new revision no longer has%s", n - kept,
		     n - kept == 1 ? "" : "s", kept ? " (some kept: helm.sh/resource-policy: keep)" : "");
	free(gone);
	return rc;
}

/* Records that keep being deleted beyond --history-max (never the deployed one). */
static void trim_history(struct op *op)
{
	int max = op->o->history_max;
	if (max <= 0 || op->o->dry_run_client || op->o->dry_run_server)
		return;
	struct history h = {0};
	struct tops_err e = {0};
	if (storage_load(op->kc, op->o->namespace_, op->o->release, &h, &e) == 0) {
		size_t extra = h.n > (size_t)max ? h.n - (size_t)max : 0;
		for (size_t i = 0; i < h.n && extra; i++)
			if (h.r[i]->info.status != RS_DEPLOYED) {
				storage_delete(op->kc, op->o->namespace_, op->o->release, h.r[i]->version, &e);
				tops_err_clear(&e);
				extra--;
			}
	}
	tops_err_clear(&e);
	history_done(&h);
}

/* ---- failure and atomic rollback ---- */

/* The previous deployed revision applied again; what only the failed one created deleted. */
static int restore(struct op *op, const struct release *prev, struct value *const *failed_objs,
		   size_t nfailed, struct tops_err *err)
{
	size_t n = 0;
	struct value **objs = plan_parse_manifest(prev->manifest, &n, err);
	if (!objs)
		return -TOPS_EINVAL;
	op->res->rollback_started_ms = (int64_t)now_ms();
	emit(op, EE_PHASE, NULL, "rolling back to revision %d", prev->version);
	int rc = deploy(op, objs, n, true, err);
	if (rc == 0)
		rc = prune(op, failed_objs, nfailed, objs, n, err);
	free_objects(objs, n);
	return rc;
}

static struct release *record_from(const struct op *op, const struct release *src, int version)
{
	struct release *r = new_record(op, version);
	r->chart = value_ref(src->chart);
	r->config = value_ref(src->config);
	r->manifest = xstrdup(src->manifest ? src->manifest : "");
	r->info.notes = src->info.notes ? xstrdup(src->info.notes) : NULL;
	r->hooks = hooks_copy(src->hooks, src->nhooks);
	r->nhooks = src->nhooks;
	return r;
}

/* Writes the rollback's record (failed+1, deployed "Rollback to M") and supersedes prev. */
static int record_rollback(struct op *op, struct release *prev, struct tops_err *err)
{
	struct release *rb = record_from(op, prev, op->cur->version + 1);
	char *desc = xasprintf("Rollback to %d", prev->version);
	int rc = set_status(op, rb, RS_DEPLOYED, desc, true, err);
	if (rc == 0)
		rc = set_status(op, prev, RS_SUPERSEDED, prev->info.description, false, err);
	free(desc);
	release_free(op->cur);
	op->cur = rb;
	return rc;
}

static const char *const fail_prefix[] = {"INSTALLATION FAILED", "UPGRADE FAILED", "ROLLBACK FAILED",
					  "UNINSTALL FAILED"};

/* Marks the revision failed, then rolls back (atomic) or cleans up; err gets the final words. */
static int fail_release(struct op *op, struct release *prev, struct value *const *objs, size_t n,
			struct value *const *prev_objs, size_t nprev, struct tops_err *err)
{
	char *cause = xstrdup(tops_err_msg(err));
	const char *verb = op->o->action == EA_INSTALL ? "Release" : op->o->action == EA_UPGRADE ? "Upgrade" : "Rollback";
	char *desc = xasprintf("%s \"%s\" failed: %s", verb, op->o->release, cause);
	struct tops_err e = {0};
	op->res->failed_revision = op->cur->version;
	set_status(op, op->cur, RS_FAILED, desc, false, &e);
	tops_err_clear(&e);
	const char *how = NULL;
	int rc = 0;
	op->rolling_back = true;
	if (op->o->atomic && prev) {
		rc = restore(op, prev, objs, n, &e);
		if (rc == 0)
			rc = record_rollback(op, prev, &e);
		how = "rolled back";
	} else if (op->o->atomic || op->o->cleanup_on_fail) {
		size_t ng = 0, kept = 0;
		struct value **created = missing_from(objs, n, prev_objs, nprev, op->o->namespace_, &ng);
		struct apply_opts ao = apply_opts_of(op, false);
		emit(op, EE_PHASE, NULL, "deleting the %zu object%s this revision created", ng, ng == 1 ? "" : "s");
		rc = apply_delete(op->kc, created, ng, &ao, NULL, &kept, &e);
		free(created);
		if (op->o->atomic && rc == 0) { /* an atomic install leaves nothing behind */
			storage_delete(op->kc, op->o->namespace_, op->o->release, op->cur->version, &e);
			how = "uninstalled";
		}
	}
	op->res->rolled_back = how && rc == 0;
	if (rc < 0)
		op->res->rollback_error = xstrdup(tops_err_msg(&e));
	if (how && rc == 0)
		tops_err_set(err, err->code, "%s: release %s failed, and has been %s due to atomic being set: %s",
			     fail_prefix[op->o->action], op->o->release, how, cause);
	else if (how)
		tops_err_set(err, err->code, "%s: release %s failed: %s; the %s failed too: %s",
			     fail_prefix[op->o->action], op->o->release, cause,
			     how[0] == 'r' ? "rollback" : "uninstall", tops_err_msg(&e));
	else
		tops_err_set(err, err->code, "%s: %s", fail_prefix[op->o->action], cause);
	tops_err_clear(&e);
	free(cause), free(desc);
	return -(err->code ? err->code : TOPS_EINTERNAL);
}

/* ---- install and upgrade ---- */

/* User values for an upgrade: --reuse-values merges the last ones under the new; with no
 * values given and no --reset-values, the last ones are reused (helm's rule). New reference. */
static struct value *upgrade_values(const struct op *op, const struct release *last)
{
	const struct value *given = op->o->values;
	bool none = !given || (given->type == V_MAP && !given->u.map.len);
	const struct value *old = last ? last->config : NULL;
	if (!old || op->o->reset_values)
		return given ? value_copy(given) : value_map();
	if (op->o->reuse_values || op->o->reset_then_reuse_values)
		return values_merge_maps(old, given);
	return none ? value_copy(old) : value_copy(given);
}

/* The chart's crds/ files as objects (applied first, never deleted). */
static struct value **crd_objects(const struct chart *c, size_t *n, struct tops_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < c->nfiles; i++)
		if (str_has_prefix(c->files[i].name, "crds/"))
			sb_addf(&sb, "---\n%s\n", c->files[i].data);
	struct value **objs = plan_parse_manifest(sb_str(&sb), n, err);
	sb_done(&sb);
	return objs;
}

static struct release *build_record(struct op *op, struct chart *c, struct value *user, int version,
				    struct render_release *rr)
{
	struct release *r = new_record(op, version);
	r->chart = chart_json(c);
	r->config = value_ref(user);
	r->manifest = xstrdup(rr->manifest);
	r->info.notes = rr->notes ? xstrdup(rr->notes) : NULL;
	struct release *prev = history_deployed(&op->h);
	if (prev)
		r->info.first_deployed = prev->info.first_deployed;
	char *json = value_to_json(user, false, false);
	audit_sha256_hex(json, strlen(json), op->values_sha);
	free(json);
	return r;
}

/* The operator's go-ahead (--diff): the objects as they will be applied, and what goes. */
static int confirm(struct op *op, struct value *const *objs, size_t n, struct value *const *prev_objs,
		   size_t nprev, struct tops_err *err)
{
	size_t ngone = 0;
	struct value **gone = missing_from(prev_objs, nprev, objs, n, op->o->namespace_, &ngone);
	for (size_t i = 0; i < n; i++)
		apply_set_owner(objs[i], op->o->release, op->o->namespace_);
	bool go = op->o->confirm(op->kc, objs, n, gone, ngone, op->o->ud);
	free(gone);
	return go ? 0 : tops_err_set(err, TOPS_EINTERNAL, "%s cancelled: nothing was changed",
				     action_names[op->o->action]);
}

static void hook_line(const char *line, void *ud)
{
	emit(ud, EE_PHASE, NULL, "%s", line);
}

/* The hooks of event on the record being written (none with --no-hooks). */
static int run_hooks(struct op *op, struct release *r, const char *event, struct tops_err *err)
{
	if (op->o->no_hooks || !r || !hooks_have(r->hooks, r->nhooks, event))
		return 0;
	struct hooks_opts ho = {.namespace_ = op->o->namespace_, .timeout_ms = op->o->timeout_ms,
				.abort = op->o->abort, .on_line = hook_line, .ud = op};
	return hooks_run(op->kc, r->hooks, r->nhooks, event, &ho, err);
}

/* --create-namespace: the namespace is created when it does not exist. */
static int create_namespace(struct op *op, struct tops_err *err)
{
	if (!op->o->create_namespace || op->o->dry_run_client || op->o->dry_run_server)
		return 0;
	char *path = xasprintf("/api/v1/namespaces/%s", op->o->namespace_);
	long status = 0;
	int rc = rest_call(op->kc, "GET", path, NULL, NULL, &status, NULL, err);
	if (rc == -TOPS_ENOENT) {
		tops_err_clear(err);
		char *body = xasprintf("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\"}}",
				       op->o->namespace_);
		rc = rest_call(op->kc, "POST", "/api/v1/namespaces", body, "application/json", NULL, NULL, err);
		if (rc == -TOPS_ECONFLICT) /* created meanwhile */
			tops_err_clear(err), rc = 0;
		else if (rc == 0)
			emit(op, EE_PHASE, NULL, "created namespace %s", op->o->namespace_);
		free(body);
	}
	free(path);
	return rc;
}

static void schema_warn(const char *msg, void *ud)
{
	emit(ud, EE_WARNING, NULL, "%s", msg);
}

/* The rendered objects against the cluster's OpenAPI v3 schemas (unless skipped). */
static int preflight_schemas(struct op *op, const struct manifest_set *set, struct tops_err *err)
{
	if (op->o->skip_schema_validation)
		return 0;
	emit(op, EE_PHASE, NULL, "checking %zu objects against the cluster's schemas", set->nmanifests + set->nhooks);
	return schemacheck_run(op->kc, set, schema_warn, op, err);
}

/* Pre-flight after rendering: record size, ownership, the server's dry run. */
static int preflight(struct op *op, struct value *const *objs, size_t n, struct value *const *prev_objs,
		     size_t nprev, struct tops_err *err)
{
	int rc = release_size_check(op->cur, err);
	if (rc < 0)
		return rc;
	size_t nnew = 0;
	struct value **fresh = missing_from(objs, n, prev_objs, nprev, op->o->namespace_, &nnew);
	struct apply_opts ao = apply_opts_of(op, true);
	rc = nnew ? apply_check_ownership(op->kc, fresh, nnew, &ao,
					  op->o->action == EA_INSTALL ? "install" : "update", err) : 0;
	free(fresh);
	if (rc == 0 && op->o->dry_run_server) {
		size_t applied = 0;
		emit(op, EE_PHASE, NULL, "server dry run of %zu objects (dryRun=All)", n);
		rc = apply_objects(op->kc, objs, n, &ao, &applied, err);
	}
	if (rc == 0 && op->o->confirm)
		rc = confirm(op, objs, n, prev_objs, nprev, err);
	return rc;
}

static int finish_deploy(struct op *op, struct release *prev, struct value *const *objs, size_t n,
			 struct value *const *prev_objs, size_t nprev, struct tops_err *err)
{
	int rc = prev ? prune(op, prev_objs, nprev, objs, n, err) : 0;
	if (rc == 0 && prev)
		rc = set_status(op, prev, RS_SUPERSEDED, prev->info.description, false, err);
	if (rc == 0)
		rc = set_status(op, op->cur, RS_DEPLOYED,
				op->o->description ? op->o->description :
				op->o->action == EA_INSTALL ? "Install complete" : "Upgrade complete", false, err);
	if (rc == 0)
		trim_history(op);
	return rc;
}

/* Applies, waits and records; on failure, fail_release(). */
static int run_deploy(struct op *op, struct release *prev, struct value **objs, size_t n,
		      struct value **prev_objs, size_t nprev, struct value **crds, size_t ncrds,
		      struct tops_err *err)
{
	const char *pend = op->o->action == EA_INSTALL ? "Initial install underway" : "Preparing upgrade";
	enum release_status st = op->o->action == EA_INSTALL ? RS_PENDING_INSTALL : RS_PENDING_UPGRADE;
	int rc = set_status(op, op->cur, st, pend, true, err);
	if (rc < 0)
		return rc;
	size_t applied = 0;
	struct apply_opts ao = apply_opts_of(op, false);
	ao.release = NULL; /* CRDs are not the release's: helm never deletes them */
	if (ncrds && (rc = apply_objects(op->kc, crds, ncrds, &ao, &applied, err)) < 0)
		return fail_release(op, prev, objs, n, prev_objs, nprev, err);
	bool install = op->o->action == EA_INSTALL;
	rc = run_hooks(op, op->cur, install ? "pre-install" : "pre-upgrade", err);
	if (rc == 0)
		rc = deploy(op, objs, n, op->o->wait || op->o->atomic, err);
	if (rc == 0)
		rc = run_hooks(op, op->cur, install ? "post-install" : "post-upgrade", err);
	if (rc < 0)
		return fail_release(op, prev, objs, n, prev_objs, nprev, err);
	return finish_deploy(op, prev, objs, n, prev_objs, nprev, err);
}

static int load_chart_values(struct op *op, struct chart **c, struct value **user, struct tops_err *err)
{
	emit(op, EE_PHASE, NULL, "rendering %s", op->o->chart_path);
	int rc = chart_load(op->o->chart_path, c, err);
	if (rc < 0)
		return rc;
	*user = op->o->action == EA_UPGRADE ? upgrade_values(op, history_deployed(&op->h))
					     : (op->o->values ? value_copy(op->o->values) : value_map());
	return 0;
}

static int install_or_upgrade(struct op *op, struct tops_err *err)
{
	struct chart *c = NULL;
	struct value *user = NULL, **objs = NULL, **prev_objs = NULL, **crds = NULL;
	size_t n = 0, nprev = 0, ncrds = 0;
	struct render_release rr = {0};
	struct release *last = history_last(&op->h), *prev = history_deployed(&op->h);
	int version = last ? last->version + 1 : 1;
	int rc = load_chart_values(op, &c, &user, err);
	if (rc == 0) {
		struct render_opts ro = {.release_name = op->o->release, .namespace_ = op->o->namespace_,
					 .values = user, .revision = version,
					 .is_upgrade = op->o->action == EA_UPGRADE};
		rc = render_for_release(c, &ro, &rr, err);
	}
	if (rc == 0)
		op->cur = build_record(op, c, user, version, &rr);
	if (rc == 0)
		rc = hooks_from_manifests(rr.set.hooks, rr.set.nhooks, &op->cur->hooks, &op->cur->nhooks, err);
	/* the objects are read back from the manifest as it is stored, as a later run sees them */
	if (rc == 0 && !(objs = plan_parse_manifest(rr.manifest, &n, err)))
		rc = -TOPS_EINVAL;
	if (rc == 0 && prev && !(prev_objs = plan_parse_manifest(prev->manifest, &nprev, err)))
		rc = -TOPS_EINVAL;
	if (rc == 0 && !(crds = crd_objects(c, &ncrds, err)))
		rc = -TOPS_EINVAL;
	op->from_revision = prev ? prev->version : 0;
	if (rc == 0)
		rc = preflight_schemas(op, &rr.set, err);
	if (rc == 0)
		rc = preflight(op, objs, n, prev_objs, nprev, err);
	if (rc == 0 && !(op->o->dry_run_client || op->o->dry_run_server))
		rc = run_deploy(op, prev, objs, n, prev_objs, nprev, crds, ncrds, err);
	op->res->dry_run = op->o->dry_run_client || op->o->dry_run_server;
	free_objects(objs, n), free_objects(prev_objs, nprev), free_objects(crds, ncrds);
	render_release_done(&rr);
	value_unref(user);
	chart_free(c);
	return rc;
}

/* ---- rollback and uninstall ---- */

static int rollback(struct op *op, struct tops_err *err)
{
	struct release *last = history_last(&op->h), *prev = history_deployed(&op->h);
	int want = op->o->revision > 0 ? op->o->revision : (last ? last->version - 1 : 0);
	struct release *target = history_get(&op->h, want);
	if (!target)
		return tops_err_set(err, TOPS_ENOENT, "release has no %d version", want);
	size_t n = 0, nprev = 0;
	struct value **objs = plan_parse_manifest(target->manifest, &n, err), **prev_objs = NULL;
	if (!objs)
		return -TOPS_EINVAL;
	if (prev && !(prev_objs = plan_parse_manifest(prev->manifest, &nprev, err))) {
		free_objects(objs, n);
		return -TOPS_EINVAL;
	}
	op->from_revision = prev ? prev->version : 0;
	op->cur = record_from(op, target, last->version + 1);
	char *desc = xasprintf("Rollback to %d", want);
	memcpy(op->values_sha, "", 1);
	emit(op, EE_PHASE, NULL, "rolling back %s to revision %d", op->o->release, want);
	int rc = set_status(op, op->cur, RS_PENDING_ROLLBACK, desc, true, err);
	if (rc == 0 && ((rc = run_hooks(op, op->cur, "pre-rollback", err)) < 0 ||
			(rc = deploy(op, objs, n, op->o->wait, err)) < 0 ||
			(rc = run_hooks(op, op->cur, "post-rollback", err)) < 0))
		rc = fail_release(op, NULL, objs, n, prev_objs, nprev, err);
	else if (rc == 0 && (rc = prev ? prune(op, prev_objs, nprev, objs, n, err) : 0) == 0) {
		if (prev && prev != target)
			rc = set_status(op, prev, RS_SUPERSEDED, prev->info.description, false, err);
		if (rc == 0)
			rc = set_status(op, op->cur, RS_DEPLOYED, desc, false, err);
		if (rc == 0)
			trim_history(op);
	}
	free(desc);
	free_objects(objs, n), free_objects(prev_objs, nprev);
	return rc;
}

static int delete_records(struct op *op, struct tops_err *err)
{
	for (size_t i = 0; i < op->h.n; i++) {
		int rc = storage_delete(op->kc, op->o->namespace_, op->o->release, op->h.r[i]->version, err);
		if (rc < 0 && rc != -TOPS_ENOENT)
			return rc;
		tops_err_clear(err);
	}
	return 0;
}

/* uninstall --wait: until the API no longer has the objects (kept ones excepted). */
static int wait_gone(struct op *op, struct value *const *objs, size_t n, struct tops_err *err)
{
	emit(op, EE_PHASE, NULL, "waiting for the objects to be gone");
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct value *ann = value_map_path(objs[i], "metadata.annotations");
		const struct value *keep = value_map_get(ann, "helm.sh/resource-policy");
		if (keep && keep->type == V_STRING && !strcmp(keep->u.str.s, "keep"))
			continue;
		char *path = apply_object_path(objs[i], op->o->namespace_);
		rc = hooks_delete_and_wait(op->kc, path, err);
		free(path);
	}
	return rc;
}

static int uninstall(struct op *op, struct tops_err *err)
{
	struct release *last = history_last(&op->h);
	size_t n = 0, kept = 0;
	struct value **objs = plan_parse_manifest(last->manifest, &n, err);
	if (!objs)
		return -TOPS_EINVAL;
	op->from_revision = last->version;
	int rc = set_status(op, last, RS_UNINSTALLING, "Deletion in progress (or silently failed)", false, err);
	struct apply_opts ao = apply_opts_of(op, false);
	const char *policy = !op->o->cascade || !strcmp(op->o->cascade, "background") ? "Background" :
			     !strcmp(op->o->cascade, "foreground") ? "Foreground" : "Orphan";
	if (rc == 0)
		rc = run_hooks(op, last, "pre-delete", err);
	emit(op, EE_PHASE, NULL, "deleting %zu object%s", n, n == 1 ? "" : "s");
	if (rc == 0)
		rc = apply_delete(op->kc, objs, n, &ao, policy, &kept, err);
	if (rc == 0 && op->o->wait)
		rc = wait_gone(op, objs, n, err);
	if (rc == 0)
		rc = run_hooks(op, last, "post-delete", err);
	if (rc == 0 && kept)
		emit(op, EE_WARNING, NULL, "%zu object%s kept (helm.sh/resource-policy: keep)", kept,
		     kept == 1 ? "" : "s");
	if (rc == 0 && op->o->keep_history)
		rc = set_status(op, last, RS_UNINSTALLED, "Uninstallation complete", false, err);
	else if (rc == 0)
		rc = delete_records(op, err);
	free_objects(objs, n);
	if (rc < 0)
		tops_err_prefix(err, "uninstallation completed with 1 error(s)");
	return rc;
}

/* ---- the entry point ---- */

static int check_history(struct op *op, struct tops_err *err)
{
	struct release *last = history_last(&op->h);
	enum engine_action a = op->o->action;
	if (a == EA_INSTALL && last && last->info.status != RS_UNINSTALLED && last->info.status != RS_FAILED)
		return tops_err_set(err, TOPS_ECONFLICT, "INSTALLATION FAILED: cannot re-use a name that is still in use");
	if ((a == EA_ROLLBACK || a == EA_UNINSTALL) && !last)
		return tops_err_set(err, TOPS_ENOENT, "release: not found");
	if (a == EA_UPGRADE && !history_deployed(&op->h))
		return tops_err_set(err, TOPS_ENOENT, "UPGRADE FAILED: \"%s\" has no deployed releases", op->o->release);
	return 0;
}

static void write_audit(struct op *op, int rc, const struct tops_err *err)
{
	if (op->o->dry_run_client || op->o->dry_run_server)
		return;
	char *chart = op->cur ? chart_label(op->cur) : NULL;
	const char *result = rc == 0 ? (op->o->action == EA_UNINSTALL ? "uninstalled" : "deployed") :
			     op->res->rolled_back ? "rolled back" : "failed";
	struct audit_entry e = {.action = action_names[op->o->action], .namespace_ = op->o->namespace_,
				.release = op->o->release, .from_revision = op->from_revision,
				.to_revision = op->cur ? op->cur->version : 0, .chart = chart,
				.values_sha256 = *op->values_sha ? op->values_sha : NULL, .result = result,
				.error = rc < 0 ? tops_err_msg(err) : NULL, .started_ms = op->started_ms,
				.ended_ms = wall_ms(), .actor = op->o->actor};
	struct tops_err ae = {0};
	if (audit_record(op->kc, &e, &ae) < 0)
		emit(op, EE_WARNING, NULL, "audit: %s", tops_err_msg(&ae));
	tops_err_clear(&ae);
	free(chart);
}

typedef int (*action_fn)(struct op *op, struct tops_err *err);
static const action_fn actions[] = {[EA_INSTALL] = install_or_upgrade, [EA_UPGRADE] = install_or_upgrade,
				    [EA_ROLLBACK] = rollback, [EA_UNINSTALL] = uninstall};

/* History, lease, abandoned and pending revisions: 1 when the lease was asked for. */
static int prepare(struct op *op, struct engine_opts *oo, bool *locked, struct tops_err *err)
{
	int rc = storage_load(op->kc, oo->namespace_, oo->release, &op->h, err);
	for (size_t i = 0; rc == 0 && i < op->h.ncorrupt; i++)
		emit(op, EE_WARNING, NULL, "skipped a corrupt record: %s", op->h.corrupt[i]);
	if (rc == 0 && oo->action == EA_UPGRADE && oo->install && !op->h.n)
		oo->action = EA_INSTALL;
	if (rc == 0)
		rc = check_history(op, err);
	if (rc == 0 && (oo->action == EA_INSTALL || oo->action == EA_UPGRADE))
		rc = create_namespace(op, err); /* as helm, first: the lease and the records live there */
	if (rc == 0) {
		*locked = true;
		rc = take_lease(op, err);
	}
	if (rc == 0)
		rc = mark_abandoned(op, err);
	if (rc == 0)
		rc = check_pending(op, err);
	return rc;
}

int engine_run(struct kube_client *kc, const struct engine_opts *o, struct engine_result *res,
	       struct tops_err *err)
{
	memset(res, 0, sizeof *res);
	if (!engine_valid_name(o->release))
		return tops_err_set(err, TOPS_EINVAL, "release name \"%s\": invalid release name, must match "
				    "regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ "
				    "and the length must not be longer than 53", o->release ? o->release : "");
	struct engine_opts oo = *o;
	struct op op = {.kc = kc, .o = &oo, .res = res, .started_ms = wall_ms()};
	bool locked = false;
	int rc = prepare(&op, &oo, &locked, err);
	if (rc == 0)
		rc = actions[oo.action](&op, err);
	if (locked)
		write_audit(&op, rc, err);
	res->rel = op.cur;
	lease_release(op.lease);
	history_done(&op.h);
	return rc;
}

void engine_result_done(struct engine_result *res)
{
	release_free(res->rel);
	free(res->rollback_error);
	free(res->summary);
	memset(res, 0, sizeof *res);
}

/* ---- plain manifests ---- */

static int sorted_objects(const char *const *names, const char *const *texts, size_t n,
			  struct value ***objs, size_t *nobjs, struct tops_err *err)
{
	struct manifest_set ms = {0};
	int rc = manifest_sort(names, texts, n, &ms, err);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; rc == 0 && i < ms.nmanifests + ms.nhooks; i++) {
		const struct manifest *m = i < ms.nmanifests ? &ms.manifests[i] : &ms.hooks[i - ms.nmanifests];
		sb_addf(&sb, "---\n%s\n", m->content);
	}
	if (rc == 0 && !(*objs = plan_parse_manifest(sb_str(&sb), nobjs, err)))
		rc = -TOPS_EINVAL;
	sb_done(&sb);
	manifest_set_done(&ms);
	return rc;
}

int engine_apply(struct kube_client *kc, const struct engine_opts *o, const char *const *names,
		 const char *const *texts, size_t n, size_t *applied, struct tops_err *err)
{
	struct engine_result res = {0};
	struct engine_opts oo = *o;
	oo.release = NULL;
	struct op op = {.kc = kc, .o = &oo, .res = &res, .started_ms = wall_ms()};
	struct value **objs = NULL;
	size_t nobjs = 0;
	*applied = 0;
	int rc = sorted_objects(names, texts, n, &objs, &nobjs, err);
	if (rc == 0) {
		struct apply_opts ao = apply_opts_of(&op, o->dry_run_server);
		emit(&op, EE_PHASE, NULL, "applying %zu object%s (server-side%s)", nobjs, nobjs == 1 ? "" : "s",
		     o->dry_run_server ? ", dry run" : "");
		rc = apply_objects(kc, objs, nobjs, &ao, applied, err);
	}
	if (rc == 0 && o->wait && !o->dry_run_server)
		rc = wait_objects(&op, objs, nobjs, now_wall(), err);
	if (!o->dry_run_server) {
		struct audit_entry e = {.action = "apply", .namespace_ = o->namespace_,
					.result = rc == 0 ? "applied" : "failed", .error = rc < 0 ? tops_err_msg(err) : NULL,
					.started_ms = op.started_ms, .ended_ms = wall_ms()};
		struct tops_err ae = {0};
		if (audit_write_file(&e, kc, &ae) < 0)
			emit(&op, EE_WARNING, NULL, "audit: %s", tops_err_msg(&ae));
		tops_err_clear(&ae);
	}
	free_objects(objs, nobjs);
	engine_result_done(&res);
	return rc;
}
