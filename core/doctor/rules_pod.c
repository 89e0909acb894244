/* rules_pod — the pod rules: crash loops (exit code, OOMKilled, last log lines), unschedulable
 * pods (which resource, taint or selector), failing readiness probes. */
#include "core/doctor/rules.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void each_pod(const struct doctor_input *in, void (*fn)(const struct doctor_input *,
		     const struct st_pod *, struct doctor_report *), struct doctor_report *out)
{
	size_t n = 0;
	const union st_record **pods = in->store ? store_list(in->store, KK_POD, &n) : NULL;
	for (size_t i = 0; i < n; i++)
		if (doc_in_scope(in, &pods[i]->meta) && !pods[i]->meta.deleted)
			fn(in, &pods[i]->pod, out);
	free(pods);
}

/* A container's resources.<which>.<res> in the raw pod, or NULL. */
static const char *raw_resource(const struct doctor_input *in, const struct st_pod *p, const char *cname,
				const char *which, const char *res)
{
	const struct value *pod = doc_find(in->pods_raw, p->meta.namespace_, p->meta.name);
	const struct value *cs = value_map_path(pod, "spec.containers");
	for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++) {
		const struct value *c = cs->u.list.items[i];
		if (strcmp(doc_str(c, "name"), cname))
			continue;
		const struct value *r = value_map_get(value_map_path(c, "resources"), which);
		const struct value *q = value_map_get(r, res);
		return q && q->type == V_STRING ? q->u.str.s : NULL;
	}
	return NULL;
}

/* A quantity scaled by num/den, in its own unit ("512Mi" * 2 = "1024Mi"); NULL when not plain. */
static char *quantity_scale(const char *q, int num, int den)
{
	if (!q)
		return NULL;
	char *end;
	double v = strtod(q, &end);
	if (end == q || v <= 0 || strspn(end, "KMGTPEkmi") != strlen(end))
		return NULL;
	double r = v * num / den;
	if (r < 1 && *end == 0)
		return xasprintf("%.0fm", r * 1000);
	return xasprintf("%.0f%s", r < 1 ? 1 : r, end);
}

/* ---- crashloop ---- */

static char *crash_cause(const struct st_container *c, bool oom)
{
	const struct st_state *t = c->last.state == ST_TERMINATED ? &c->last : &c->cur;
	if (oom)
		return xasprintf("container %s was OOMKilled (exit code %d): it used more memory than its limit; "
				 "restarted %d times", c->name, t->exit_code, c->restarts);
	return xasprintf("container %s exits with code %d (%s) and is restarted (%d restarts, %s)", c->name,
			 t->exit_code, *t->reason ? t->reason : "Error", c->restarts,
			 *c->cur.reason ? c->cur.reason : "running again");
}

static char *crash_fix(const struct doctor_input *in, const struct st_pod *p, const struct st_container *c,
		       bool oom)
{
	if (!oom)
		return xasprintf("kubectl -n %s logs %s -c %s --previous", p->meta.namespace_, p->meta.name, c->name);
	char *more = quantity_scale(raw_resource(in, p, c->name, "limits", "memory"), 2, 1);
	char *set = xasprintf("%s.resources.limits.memory=%s", doc_component(&p->meta), more ? more : "LIMIT");
	char *fix = doc_upgrade(in, doc_release_of(in, &p->meta), p->meta.namespace_, set);
	free(more);
	free(set);
	return fix;
}

static void crash_container(const struct doctor_input *in, const struct st_pod *p,
			    const struct st_container *c, struct doctor_report *out)
{
	bool loop = c->cur.state == ST_WAITING && strcmp(c->cur.reason, "CrashLoopBackOff") == 0;
	bool oom = (c->last.state == ST_TERMINATED && strcmp(c->last.reason, "OOMKilled") == 0) ||
		   (c->cur.state == ST_TERMINATED && strcmp(c->cur.reason, "OOMKilled") == 0);
	if (!loop && !(oom && c->restarts > 0))
		return;
	char *cause = crash_cause(c, oom), *fix = crash_fix(in, p, c, oom);
	char *logs = in->logs ? in->logs(in->logs_ud, p->meta.namespace_, p->meta.name, c->name) : NULL;
	doctor_add(out, "crashloop", DOC_ERROR, "pod", p->meta.namespace_, p->meta.name, cause, fix, logs, NULL);
	free(cause);
	free(fix);
	free(logs);
}

static void crash_pod(const struct doctor_input *in, const struct st_pod *p, struct doctor_report *out)
{
	for (uint32_t i = 0; i < p->ncontainers; i++)
		crash_container(in, p, &p->containers[i], out);
}

void rule_crashloop(const struct doctor_input *in, struct doctor_report *out)
{
	each_pod(in, crash_pod, out);
}

/* ---- unschedulable ---- */

static const struct st_cond *pod_cond(const struct st_pod *p, const char *type)
{
	for (uint32_t i = 0; i < p->nconditions; i++)
		if (strcmp(p->conditions[i].type, type) == 0)
			return &p->conditions[i];
	return NULL;
}

/* The taint key in "... untolerated taint {key: value} ..." (caller frees) or NULL. */
static char *taint_key(const char *msg)
{
	const char *t = strstr(msg, "untolerated taint");
	const char *b = t ? strchr(t, '{') : NULL;
	if (!b)
		return NULL;
	size_t n = strcspn(b + 1, ":}");
	return n ? xstrndup(b + 1, n) : NULL;
}

/* The resource in "Insufficient cpu" (caller frees) or NULL. */
static char *short_resource(const char *msg)
{
	const char *t = strstr(msg, "Insufficient ");
	if (!t)
		return NULL;
	t += strlen("Insufficient ");
	size_t n = strcspn(t, " ,.");
	return n ? xstrndup(t, n) : NULL;
}

static char *unsched_set(const struct doctor_input *in, const struct st_pod *p, const char *msg)
{
	const char *comp = doc_component(&p->meta);
	char *res = short_resource(msg), *key = taint_key(msg), *set = NULL;
	if (res) {
		const char *cname = p->ncontainers ? p->containers[0].name : "";
		char *less = quantity_scale(raw_resource(in, p, cname, "requests", res), 1, 2);
		set = xasprintf("%s.resources.requests.%s=%s", comp, res, less ? less : "REQUEST");
		free(less);
	} else if (key) {
		set = xasprintf("%s.tolerations[0].key=%s,%s.tolerations[0].operator=Exists", comp, key, comp);
	} else if (strstr(msg, "node affinity/selector")) {
		set = xasprintf("%s.nodeSelector=null", comp);
	}
	free(res);
	free(key);
	return set;
}

static void unsched_pod(const struct doctor_input *in, const struct st_pod *p, struct doctor_report *out)
{
	const struct st_cond *c = pod_cond(p, "PodScheduled");
	if (!c || strcmp(c->status, "False") || strcmp(c->reason, "Unschedulable"))
		return;
	const char *msg = c->message;
	const struct st_event *e = doc_event(in, "Pod", p->meta.namespace_, p->meta.name, "FailedScheduling", NULL);
	if (!*msg && e)
		msg = e->message;
	char *cause = xasprintf("the scheduler finds no node for it: %s", *msg ? msg : "Unschedulable");
	char *set = unsched_set(in, p, msg);
	char *fix = set ? doc_upgrade(in, doc_release_of(in, &p->meta), p->meta.namespace_, set)
			: xasprintf("kubectl -n %s describe pod %s", p->meta.namespace_, p->meta.name);
	doctor_add(out, "unschedulable", DOC_ERROR, "pod", p->meta.namespace_, p->meta.name, cause, fix, NULL, NULL);
	free(cause);
	free(set);
	free(fix);
}

void rule_unschedulable(const struct doctor_input *in, struct doctor_report *out)
{
	each_pod(in, unsched_pod, out);
}

/* ---- readiness ---- */

/* "spec.containers{web}" names the container an event is about. */
static bool event_container(const struct st_event *e, const char *name)
{
	const char *b = strchr(e->obj_field, '{');
	if (!b)
		return true;
	size_t n = strlen(name);
	return strncmp(b + 1, name, n) == 0 && b[1 + n] == '}';
}

static void ready_pod(const struct doctor_input *in, const struct st_pod *p, struct doctor_report *out)
{
	if (strcmp(p->phase, "Running") || p->meta.deleted)
		return;
	const struct st_event *e = doc_event(in, "Pod", p->meta.namespace_, p->meta.name, "Unhealthy",
					     "Readiness probe failed");
	for (uint32_t i = 0; e && i < p->ncontainers; i++) {
		const struct st_container *c = &p->containers[i];
		if (c->ready || c->cur.state != ST_RUNNING || !event_container(e, c->name))
			continue;
		char *cause = xasprintf("container %s runs but is not Ready: %s (%d times)", c->name, e->message,
					e->count > 0 ? e->count : 1);
		char *fix = xasprintf("kubectl -n %s logs %s -c %s --tail=20", p->meta.namespace_, p->meta.name, c->name);
		doctor_add(out, "readiness", DOC_ERROR, "pod", p->meta.namespace_, p->meta.name, cause, fix, NULL, NULL);
		free(cause);
		free(fix);
		break;
	}
}

void rule_readiness(const struct doctor_input *in, struct doctor_report *out)
{
	each_pod(in, ready_pod, out);
}
