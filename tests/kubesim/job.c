/* job — the Job controller: pods from the template until spec.completions of them succeeded
 * (spec.parallelism at a time), or more than spec.backoffLimit failed; status and conditions
 * as a 1.32 Job controller writes them (SuccessCriteriaMet and Complete, or FailureTarget and
 * Failed with reason BackoffLimitExceeded). */
#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/ctrl_int.h"
#include "tests/kubesim/db.h"

struct job_counts {
	int active, succeeded, failed;
};

static struct job_counts count(const char *ns, const char *uid)
{
	struct job_counts c = {0};
	for (size_t i = db_ns_start(K_POD, ns); i < db_count(K_POD); i++) {
		struct obj *o = db_at(K_POD, i);
		if (strcmp(o->ns, ns) != 0)
			break;
		if (!o->owner_uid || strcmp(o->owner_uid, uid) != 0)
			continue;
		c.succeeded += o->phase == 'S';
		c.failed += o->phase == 'F';
		c.active += o->phase != 'S' && o->phase != 'F';
	}
	return c;
}

static void create_pod(const struct value *job)
{
	struct value *pod = ctrl_pod_of(K_JOB, job);
	const char *name = vstr(job, "metadata.name"), *uid = vstr(job, "metadata.uid");
	struct value *labels = vmap(vmap(pod, "metadata"), "labels");
	vset_str(labels, "job-name", name);
	vset_str(labels, "batch.kubernetes.io/job-name", name);
	vset_str(labels, "controller-uid", uid ? uid : "");
	if (ctrl_create(K_POD, pod) == 0) {
		char *msg = xasprintf("Created pod: %s", vstr(pod, "metadata.name"));
		ctrl_event(job, "Normal", "SuccessfulCreate", msg);
		free(msg);
	}
	value_unref(pod);
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

static void conclude(struct value *job, bool ok)
{
	struct value *st = vmap(job, "status");
	char *now = ctrl_now_ts();
	if (ok) {
		ctrl_condition(st, "SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", false);
		ctrl_condition(st, "Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", false);
		vset_str(st, "completionTime", now);
		ctrl_event(job, "Normal", "Completed", "Job completed");
	} else {
		ctrl_condition(st, "FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", false);
		ctrl_condition(st, "Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", false);
		ctrl_event(job, "Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit");
	}
	free(now);
}

void job_reconcile(const char *ns, const char *name)
{
	struct value *job = db_get(K_JOB, ns, name);
	if (!job || finished(job) || vstr(job, "metadata.deletionTimestamp")) {
		value_unref(job);
		return;
	}
	char *uid = xstrdup(vstr(job, "metadata.uid") ?: "");
	int completions = (int)vint(job, "spec.completions", 1), parallel = (int)vint(job, "spec.parallelism", 1);
	int backoff = (int)vint(job, "spec.backoffLimit", 6);
	struct job_counts c = count(ns, uid);
	bool done = c.succeeded >= completions, failed = c.failed > backoff;
	int want = done || failed ? 0 : completions - c.succeeded < parallel ? completions - c.succeeded : parallel;
	for (int i = c.active; i < want; i++)
		create_pod(job);
	c = count(ns, uid);
	struct value *st = vmap(job, "status");
	if (!vstr(job, "status.startTime")) {
		char *now = ctrl_now_ts();
		vset_str(st, "startTime", now);
		free(now);
	}
	vset_int(st, "active", c.active);
	vset_int(st, "succeeded", c.succeeded);
	vset_int(st, "failed", c.failed);
	vset_int(st, "ready", 0);
	if (done || failed)
		conclude(job, done);
	ctrl_save(K_JOB, job);
	value_unref(job);
	free(uid);
}
