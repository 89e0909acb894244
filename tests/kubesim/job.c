/* job — the Job controller: pods from the template until spec.completions of them succeeded
 * (spec.parallelism at a time), or the Job fails: more than spec.backoffLimit failed pods (for
 * restartPolicy OnFailure, container restarts count), or spec.activeDeadlineSeconds passed.
 * A failed pod is replaced after the controller's back-off (10 s, doubling, at most 6 min).
 * Status and conditions as a 1.32 Job controller writes them: SuccessCriteriaMet and Complete,
 * or FailureTarget and Failed (reason BackoffLimitExceeded or DeadlineExceeded); counters that
 * are 0 are left out, as the API's omitempty fields are. */
#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/ctrl_int.h"
#include "tests/kubesim/db.h"

struct job_counts {
	int active, succeeded, failed, ready;
	int restarts;               /* container restarts of active pods (restartPolicy OnFailure) */
};

static int pod_restarts(const struct obj *o)
{
	struct value *pod = obj_value(o), *cs = value_map_path(pod, "status.containerStatuses");
	int n = 0;
	for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++)
		n += (int)vint(cs->u.list.items[i], "restartCount", 0);
	value_unref(pod);
	return n;
}

static struct job_counts count(const char *ns, const char *uid, bool on_failure)
{
	struct job_counts c = {0};
	size_t n;
	struct obj *const *owned = db_owned(uid, &n);
	for (size_t i = 0; i < n; i++) {
		const struct obj *o = owned[i];
		if (o->kind != K_POD || strcmp(o->ns, ns) != 0)
			continue;
		c.succeeded += o->phase == 'S';
		c.failed += o->phase == 'F';
		if (o->phase == 'S' || o->phase == 'F')
			continue;
		c.active++;
		c.ready += o->ready;
		if (on_failure)
			c.restarts += pod_restarts(o);
	}
	return c;
}

static void create_pod(const struct value *job)
{
	struct value *pod = ctrl_pod_of(K_JOB, job);
	const char *name = vstr(job, "metadata.name"), *uid = vstr(job, "metadata.uid") ?: "";
	struct value *labels = vmap(vmap(pod, "metadata"), "labels");
	vset_str(labels, "job-name", name);
	vset_str(labels, "batch.kubernetes.io/job-name", name);
	vset_str(labels, "controller-uid", uid);
	vset_str(labels, "batch.kubernetes.io/controller-uid", uid);
	if (ctrl_create(K_POD, pod) == 0) {
		char *msg = xasprintf("Created pod: %s", vstr(pod, "metadata.name"));
		ctrl_event(job, "Normal", "SuccessfulCreate", msg);
		free(msg);
	}
	value_unref(pod);
}

/* A failed Job's pods that still run are stopped; they count as failed. */
static int delete_active(const struct value *job)
{
	const char *ns = vstr(job, "metadata.namespace"), *uid = vstr(job, "metadata.uid");
	size_t n;
	struct obj *const *owned = db_owned(uid, &n);
	char **names = xcalloc(n + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (owned[i]->kind == K_POD && owned[i]->phase != 'S' && owned[i]->phase != 'F')
			names[k++] = xstrdup(owned[i]->name);
	for (size_t i = 0; i < k; i++) {   /* db_owned's array changes with each delete */
		char *msg = xasprintf("Deleted pod: %s", names[i]);
		ctrl_delete(K_POD, ns, names[i], NULL, NULL, NULL);
		ctrl_event(job, "Normal", "SuccessfulDelete", msg);
		free(msg);
		free(names[i]);
	}
	free(names);
	return (int)k;
}

static bool finished(const struct value *job)
{
	const struct value *conds = value_map_path(job, "status.conditions");
	for (size_t i = 0; conds && conds->type == V_LIST && i < conds->u.list.len; i++) {
		const char *t = vstr(conds->u.list.items[i], "type"), *s = vstr(conds->u.list.items[i], "status");
		if (t && s && !strcmp(s, "True") && (!strcmp(t, "Complete") || !strcmp(t, "Failed")))
			return true;
	}
	return false;
}

/* How a Job ends: its conditions' reason and message, and its event. */
struct job_end {
	const char *reason, *msg;
	bool ok;
};
static const struct job_end end_complete = {"CompletionsReached", "Reached expected number of succeeded pods", true};
static const struct job_end end_backoff = {"BackoffLimitExceeded", "Job has reached the specified backoff limit", false};
static const struct job_end end_deadline = {"DeadlineExceeded", "Job was active longer than specified deadline", false};

static void conclude(struct value *job, const struct job_end *e)
{
	struct value *st = vmap(job, "status");
	ctrl_condition(st, e->ok ? "SuccessCriteriaMet" : "FailureTarget", "True", e->reason, e->msg, false);
	ctrl_condition(st, e->ok ? "Complete" : "Failed", "True", e->reason, e->msg, false);
	if (e->ok) {
		char *now = ctrl_now_ts();
		vset_str(st, "completionTime", now);
		free(now);
		ctrl_event(job, "Normal", "Completed", "Job completed");
	} else {
		ctrl_event(job, "Warning", e->reason, e->msg);
	}
}

static void set_count(struct value *st, const char *key, int n)
{
	if (n)
		vset_int(st, key, n);
	else
		value_map_del(st, key);
}

static void write_status(struct value *job, const struct job_counts *c)
{
	struct value *st = vmap(job, "status");
	set_count(st, "active", c->active);
	set_count(st, "succeeded", c->succeeded);
	set_count(st, "failed", c->failed);
	vset_int(st, "ready", c->ready);
	vset_int(st, "terminating", 0);
	if (!value_map_get(st, "uncountedTerminatedPods"))
		value_map_set(st, "uncountedTerminatedPods", value_map());
}

/* The simulated time the Job started, set on its first reconcile. */
static double job_start(struct value *job, const char *uid)
{
	if (!vstr(job, "status.startTime")) {
		char *now = ctrl_now_ts();
		vset_str(vmap(job, "status"), "startTime", now);
		free(now);
		ctrl_mark_set(uid, "start", sim_now());
	}
	return ctrl_mark_get(uid, "start", ctrl_ts_sim(vstr(job, "status.startTime")));
}

static double backoff_delay(int failures)
{
	double d = 10;
	for (int i = 1; i < failures && d < 360; i++)
		d *= 2;
	return d > 360 ? 360 : d;
}

/* Seconds until a replacement for a failed pod may start (0: now). A new failure is noted. */
static double backoff_left(const struct value *job, const char *uid, int failures)
{
	if (!failures)
		return 0;
	if (failures > vint(job, "status.failed", 0))
		ctrl_mark_set(uid, "failed", sim_now());
	double left = ctrl_mark_get(uid, "failed", 0) + backoff_delay(failures) - sim_now();
	return left > 0 ? left : 0;
}

/* Makes the pods the Job still needs, unless a failure's back-off holds them back. */
static void job_scale(struct value *job, const char *uid, const struct job_counts *c)
{
	int completions = (int)vint(job, "spec.completions", 1), parallel = (int)vint(job, "spec.parallelism", 1);
	int left = completions - c->succeeded, want = left < parallel ? left : parallel;
	if (c->active >= want || value_truthy(value_map_path(job, "spec.suspend")))
		return;
	double wait = backoff_left(job, uid, c->failed);
	const char *ns = vstr(job, "metadata.namespace"), *name = vstr(job, "metadata.name");
	if (wait > 0) {
		ctrl_after(wait, K_JOB, ns, name);
		return;
	}
	for (int i = c->active; i < want; i++)
		create_pod(job);
}

/* Why the Job fails now, or NULL. */
static const struct job_end *job_failure(const struct value *job, const struct job_counts *c, double start)
{
	int64_t backoff = vint(job, "spec.backoffLimit", 6);
	bool on_failure = strcmp(vstr(job, "spec.template.spec.restartPolicy") ?: "", "OnFailure") == 0;
	if (c->failed > backoff || (on_failure && (backoff ? c->restarts >= backoff : c->restarts > 0)))
		return &end_backoff;
	struct value *ads = value_map_path(job, "spec.activeDeadlineSeconds");
	if (ads && ads->type == V_INT && sim_now() >= start + (double)ads->u.i)
		return &end_deadline;
	if (ads && ads->type == V_INT)
		ctrl_after(start + (double)ads->u.i - sim_now(), K_JOB, vstr(job, "metadata.namespace"), vstr(job, "metadata.name"));
	return NULL;
}

void job_reconcile(const char *ns, const char *name)
{
	struct value *job = db_get(K_JOB, ns, name);
	if (!job || finished(job) || vstr(job, "metadata.deletionTimestamp")) {
		value_unref(job);
		return;
	}
	char *uid = xstrdup(vstr(job, "metadata.uid") ?: "");
	bool on_failure = strcmp(vstr(job, "spec.template.spec.restartPolicy") ?: "", "OnFailure") == 0;
	double start = job_start(job, uid);
	struct job_counts c = count(ns, uid, on_failure);
	const struct job_end *end = c.succeeded >= vint(job, "spec.completions", 1) ? &end_complete
											: job_failure(job, &c, start);
	if (end && !end->ok) {
		c.failed += delete_active(job);
		c.active = c.ready = 0;
	} else if (!end) {
		job_scale(job, uid, &c);
		c = count(ns, uid, on_failure);
	}
	write_status(job, &c);
	if (end)
		conclude(job, end);
	ctrl_save(K_JOB, job);
	value_unref(job);
	free(uid);
}
