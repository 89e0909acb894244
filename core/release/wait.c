#include "core/release/wait.h"

#include "core/kube/informer.h"
#include "core/kube/kstatus.h"
#include "core/release/obj.h"
#include "core/release/rest.h"

#include <stdlib.h>
#include <string.h>

static const enum kube_kind watched[] = {KK_POD, KK_DEPLOYMENT, KK_REPLICASET, KK_STATEFULSET,
					  KK_DAEMONSET, KK_PVC, KK_SERVICE, KK_EVENT};
#define NWATCHED (sizeof watched / sizeof watched[0])

struct waiter {
	struct kube_client *kc;
	const struct wait_target *t;
	size_t n;
	const struct wait_opts *o;
	struct store *store;
	struct informer_env env;
	struct informer *inf[NWATCHED];
	int sub;
	char **last;                 /* per target: the last progress line */
	bool done;
	struct wait_result *res;
	char *crash_pod, *crash_container;   /* for the log lines of a crash */
	uv_timer_t tick;
	uint64_t deadline;
};

/* ---- ready rules ---- */

static bool deploy_ready(const struct st_workload *w, const struct wait_target *t)
{
	return w->observed_generation >= w->meta.generation && w->updated >= w->spec_replicas &&
	       w->available >= w->spec_replicas - t->max_unavailable;
}

/* helm's rule: all pods ready; with RollingUpdate, the pods from the partition up updated and,
 * without a partition, the update revision current. OnDelete waits for readiness only. */
static bool sts_ready(const struct st_workload *w, const struct wait_target *t)
{
	bool on_delete = t->on_delete || !strcmp(w->strategy, "OnDelete");
	bool revs = on_delete || t->partition > 0 || !*w->revision ||
		    !strcmp(w->revision, w->current_revision);
	bool updated = on_delete || w->updated >= w->spec_replicas - t->partition;
	return w->observed_generation >= w->meta.generation && w->ready >= w->spec_replicas &&
	       updated && revs;
}

/* helm's daemonSetReady: the generation observed; with RollingUpdate, every scheduled pod
 * updated and at least desired - maxUnavailable ready (a percentage rounds up against the
 * desired count). Other strategies have no rollout to wait for. */
static bool ds_rule(const union st_record *r, const struct wait_target *t)
{
	const struct st_workload *w = &r->wl;
	if (w->observed_generation < w->meta.generation)
		return false;
	if (t->on_delete || strcmp(w->strategy, "RollingUpdate"))
		return true;
	int desired = w->spec_replicas;
	int mu = t->max_unavailable_pct > 0 ? (desired * t->max_unavailable_pct + 99) / 100 : t->max_unavailable;
	return w->updated >= desired && w->ready >= desired - mu;
}

static bool pvc_ready(const union st_record *r, const struct wait_target *t)
{
	(void)t;
	return !strcmp(r->pvc.phase, "Bound");
}

static bool svc_ready(const union st_record *r, const struct wait_target *t)
{
	return !t->load_balancer || (strcmp(r->svc.external_ips, "<pending>") &&
				     strcmp(r->svc.external_ips, "<none>") && *r->svc.external_ips);
}

static bool pod_ready(const union st_record *r, const struct wait_target *t)
{
	(void)t;
	return kstatus_pod_is_ready(&r->pod);
}

static bool deploy_rule(const union st_record *r, const struct wait_target *t)
{
	return deploy_ready(&r->wl, t);
}

static bool sts_rule(const union st_record *r, const struct wait_target *t)
{
	return sts_ready(&r->wl, t);
}

typedef bool (*ready_fn)(const union st_record *r, const struct wait_target *t);
static const ready_fn ready_rules[KK__COUNT] = {
	[KK_DEPLOYMENT] = deploy_rule, [KK_STATEFULSET] = sts_rule, [KK_DAEMONSET] = ds_rule,
	[KK_PVC] = pvc_ready,
	[KK_SERVICE] = svc_ready, [KK_POD] = pod_ready,
};

bool wait_rule_ready(const struct wait_target *t, const union st_record *r)
{
	if (!r)
		return false;
	return !ready_rules[t->kind] || ready_rules[t->kind](r, t);
}

static bool target_ready(const struct waiter *wt, const struct wait_target *t)
{
	return wait_rule_ready(t, store_get(wt->store, t->kind, wt->o->namespace_, t->name));
}

static char *target_line(const struct waiter *wt, const struct wait_target *t)
{
	const union st_record *r = store_get(wt->store, t->kind, wt->o->namespace_, t->name);
	const char *k = kube_kind_info(t->kind)->singular;
	if (!r)
		return xasprintf("%s/%s not seen yet", k, t->name);
	if (t->kind == KK_DAEMONSET)
		return xasprintf("%s/%s %d/%d updated %d/%d ready %d/%d available", k, t->name,
				 r->wl.updated, r->wl.spec_replicas, r->wl.ready, r->wl.spec_replicas,
				 r->wl.available, r->wl.spec_replicas);
	if (t->kind == KK_DEPLOYMENT || t->kind == KK_STATEFULSET)
		return xasprintf("%s/%s %d/%d updated %d/%d ready %d/%d available", k, t->name,
				 r->wl.updated, r->wl.spec_replicas, r->wl.ready, r->wl.spec_replicas,
				 r->wl.available, r->wl.spec_replicas);
	if (t->kind == KK_PVC)
		return xasprintf("%s/%s %s", k, t->name, r->pvc.phase);
	return xasprintf("%s/%s %s", k, t->name, target_ready(wt, t) ? "ready" : "not ready");
}

/* ---- early failure ---- */

/* The waited-for target a pod belongs to (through its ReplicaSet for a Deployment). */
static const struct wait_target *pod_target(const struct waiter *wt, const struct st_pod *p)
{
	for (size_t i = 0; i < wt->n; i++)
		if (wt->t[i].kind == KK_POD && !strcmp(wt->t[i].name, p->meta.name))
			return &wt->t[i];
	if (!p->meta.nowners)
		return NULL;
	const struct st_owner *ow = &p->meta.owners[0];
	const char *owner = ow->name;
	enum kube_kind want = KK_STATEFULSET;
	if (!strcmp(ow->kind, "ReplicaSet")) {
		const union st_record *rs = store_get(wt->store, KK_REPLICASET, wt->o->namespace_, owner);
		if (!rs || !rs->meta.nowners)
			return NULL;
		owner = rs->meta.owners[0].name;
		want = KK_DEPLOYMENT;
	} else if (!strcmp(ow->kind, "DaemonSet")) {
		want = KK_DAEMONSET;
	} else if (strcmp(ow->kind, "StatefulSet")) {
		return NULL;
	}
	for (size_t i = 0; i < wt->n; i++)
		if (wt->t[i].kind == want && !strcmp(wt->t[i].name, owner))
			return &wt->t[i];
	return NULL;
}

static void fail(struct waiter *wt, char *reason)
{
	if (wt->done) {
		free(reason);
		return;
	}
	wt->done = true;
	wt->res->outcome = WAIT_FAILED;
	wt->res->reason = reason;
	wt->res->detected_ms = (int64_t)now_ms();
}

static const char *const fatal_waiting[] = {"CreateContainerConfigError", "InvalidImageName",
					    "CreateContainerError", "ErrImageNeverPull"};

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

char *wait_rule_container(const struct st_pod *p, const struct st_container *c, int64_t age_ms,
			  long grace_ms, int restarts_per_replica, bool *crashed)
{
	const char *why = c->cur.state == ST_WAITING ? c->cur.reason : "";
	int allowed = restarts_per_replica > 0 ? restarts_per_replica : 2;
	long grace = grace_ms > 0 ? grace_ms : 20000;
	const char *msg = c->cur.message && *c->cur.message ? c->cur.message : "";
	*crashed = false;
	if ((!strcmp(why, "ErrImagePull") || !strcmp(why, "ImagePullBackOff")) && age_ms >= grace)
		return xasprintf("pod/%s container %s: %s for %llds (image %s)%s%s", p->meta.name, c->name,
				 why, (long long)(age_ms / 1000), c->image, *msg ? ": " : "", msg);
	if (in_list(why, fatal_waiting, ARRAY_LEN(fatal_waiting)))
		return xasprintf("pod/%s container %s: %s%s%s", p->meta.name, c->name, why, *msg ? ": " : "", msg);
	if (c->restarts > allowed && (!strcmp(why, "CrashLoopBackOff") || !strcmp(c->last.reason, "OOMKilled"))) {
		*crashed = true;
		return xasprintf("pod/%s container %s: %s, restarted %d times (more than %d allowed), "
				 "last exit code %d (%s)", p->meta.name, c->name,
				 !strcmp(why, "CrashLoopBackOff") ? why : c->last.reason,
				 c->restarts, allowed, c->last.exit_code, *c->last.reason ? c->last.reason : "Error");
	}
	return NULL;
}

static void check_container(struct waiter *wt, const struct st_pod *p, const struct st_container *c,
			    int64_t age_ms)
{
	bool crashed;
	char *why = wait_rule_container(p, c, age_ms, wt->o->grace_ms, wt->o->restarts_per_replica, &crashed);
	if (!why)
		return;
	fail(wt, why);
	if (crashed && !wt->crash_pod) {
		wt->crash_pod = xstrdup(p->meta.name);
		wt->crash_container = xstrdup(c->name);
	}
}

static void check_pod(struct waiter *wt, const struct st_pod *p)
{
	if (p->meta.created < wt->o->started - 1 || p->meta.deleted || !pod_target(wt, p))
		return;
	int64_t origin = p->meta.created > wt->o->started ? p->meta.created : wt->o->started;
	int64_t age_ms = (now_wall() - origin) * 1000;
	for (uint32_t i = 0; i < p->ncontainers && !wt->done; i++)
		check_container(wt, p, &p->containers[i], age_ms);
	for (uint32_t i = 0; i < p->ninit && !wt->done; i++)
		check_container(wt, p, &p->init[i], age_ms);
	long grace = wt->o->grace_ms > 0 ? wt->o->grace_ms : 20000;
	for (uint32_t i = 0; i < p->nconditions && !wt->done; i++) {
		const struct st_cond *c = &p->conditions[i];
		if (!strcmp(c->type, "PodScheduled") && !strcmp(c->status, "False") &&
		    !strcmp(c->reason, "Unschedulable") && age_ms >= grace)
			fail(wt, xasprintf("pod/%s: Unschedulable for %llds: %s", p->meta.name,
					   (long long)(age_ms / 1000), c->message));
	}
}

char *wait_rule_workload(const struct wait_target *t, const union st_record *r)
{
	if (!r || t->kind != KK_DEPLOYMENT)
		return NULL;
	for (uint32_t i = 0; i < r->wl.nconditions; i++) {
		const struct st_cond *c = &r->wl.conditions[i];
		if (!strcmp(c->type, "Progressing") && !strcmp(c->status, "False") &&
		    !strcmp(c->reason, "ProgressDeadlineExceeded"))
			return xasprintf("deployment/%s: ProgressDeadlineExceeded: %s", t->name, c->message);
	}
	return NULL;
}

static void check_workload(struct waiter *wt, const struct wait_target *t)
{
	char *why = wait_rule_workload(t, store_get(wt->store, t->kind, wt->o->namespace_, t->name));
	if (why)
		fail(wt, why);
}

static void check_event(const union st_record *r, void *ud)
{
	struct waiter *wt = ud;
	const struct st_event *e = &r->ev;
	if (wt->done || strcmp(e->reason, "ProvisioningFailed") || strcmp(e->obj_kind, "PersistentVolumeClaim") ||
	    kstatus_event_time(e) < wt->o->started - 1)
		return;
	for (size_t i = 0; i < wt->n; i++)
		if (wt->t[i].kind == KK_PVC && !strcmp(wt->t[i].name, e->obj_name))
			fail(wt, xasprintf("persistentvolumeclaim/%s: ProvisioningFailed: %s", e->obj_name,
					   e->message));
}

static void check_pod_cb(const union st_record *r, void *ud)
{
	struct waiter *wt = ud;
	if (!wt->done)
		check_pod(wt, &r->pod);
}

/* ---- the loop ---- */

static void report(struct waiter *wt, const struct wait_target *t, const char *line)
{
	if (wt->o->on_progress)
		wt->o->on_progress(&(struct wait_progress){.target = t, .line = line}, wt->o->ud);
}

static void progress(struct waiter *wt)
{
	for (size_t i = 0; i < wt->n; i++) {
		char *line = target_line(wt, &wt->t[i]);
		if (!wt->last[i] || strcmp(wt->last[i], line)) {
			report(wt, &wt->t[i], line);
			free(wt->last[i]);
			wt->last[i] = line;
		} else {
			free(line);
		}
	}
}

static void evaluate(struct waiter *wt)
{
	if (wt->done)
		return;
	progress(wt);
	store_foreach(wt->store, KK_POD, check_pod_cb, wt);
	for (size_t i = 0; i < wt->n && !wt->done; i++)
		check_workload(wt, &wt->t[i]);
	store_foreach(wt->store, KK_EVENT, check_event, wt);
	if (wt->done)
		return;
	for (size_t i = 0; i < wt->n; i++)
		if (!target_ready(wt, &wt->t[i]))
			return;
	for (size_t i = 0; i < NWATCHED; i++)
		if (!informer_synced(wt->inf[i]))
			return;
	wt->done = true;
	wt->res->outcome = WAIT_READY;
	wt->res->detected_ms = (int64_t)now_ms();
}

static void pod_transition(struct waiter *wt, const union st_record *rec, const union st_record *old)
{
	char a[64] = "", b[64] = "";
	if (!pod_target(wt, &rec->pod) || rec->pod.meta.created < wt->o->started - 1)
		return;
	kstatus_pod_status(&rec->pod, b, sizeof b);
	if (old)
		kstatus_pod_status(&old->pod, a, sizeof a);
	if (!strcmp(a, b))
		return;
	char *line = old ? xasprintf("pod/%s %s -> %s", rec->pod.meta.name, a, b) :
			   xasprintf("pod/%s %s", rec->pod.meta.name, b);
	report(wt, NULL, line);
	free(line);
}

static void notify(enum kube_kind k, enum st_op op, const union st_record *rec,
		   const union st_record *old, void *ud)
{
	struct waiter *wt = ud;
	if (k == KK_POD && op != ST_DELETED && !wt->done)
		pod_transition(wt, rec, old);
	evaluate(wt);
}

static void tick_cb(uv_timer_t *t)
{
	struct waiter *wt = t->data;
	evaluate(wt); /* the graces are measured in time, not in changes */
	if (!wt->done && uv_now(wt->kc->loop) >= wt->deadline) {
		wt->done = true;
		wt->res->outcome = WAIT_TIMEOUT;
		wt->res->detected_ms = (int64_t)now_ms();
	}
}

static int start_watches(struct waiter *wt, struct tops_err *err)
{
	if (informer_env_kube(wt->kc, &wt->env, err) < 0)
		return -TOPS_EINTERNAL;
	wt->store = store_new();
	wt->sub = store_subscribe(wt->store, notify, wt);
	for (size_t i = 0; i < NWATCHED; i++) {
		struct informer_opts io = {.kind = watched[i], .namespace_ = wt->o->namespace_};
		wt->inf[i] = informer_new(&wt->env, wt->store, &io);
		informer_start(wt->inf[i]);
	}
	return 0;
}

static void stop_watches(struct waiter *wt)
{
	for (size_t i = 0; i < NWATCHED; i++)
		if (wt->inf[i]) {
			informer_stop(wt->inf[i]);
			informer_free(wt->inf[i]);
		}
	informer_env_kube_free(&wt->env);
	uv_run(wt->kc->loop, UV_RUN_NOWAIT);
	store_unsubscribe(wt->store, wt->sub);
	store_free(wt->store);
}

/* The not-ready objects, one line each. */
static char *summarize(struct waiter *wt)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < wt->n; i++)
		if (!target_ready(wt, &wt->t[i])) {
			char *line = target_line(wt, &wt->t[i]);
			sb_addf(&sb, "%s  not ready: %s", sb.len ? "\n" : "", line);
			free(line);
		}
	return sb_detach(&sb, NULL);
}

/* A crashing container's last log lines, to say why it crashed. */
static void crash_logs(struct waiter *wt)
{
	char *path = xasprintf("/api/v1/namespaces/%s/pods/%s/log?container=%s&previous=true&tailLines=10",
			       wt->o->namespace_, wt->crash_pod, wt->crash_container);
	struct rest_op op = {.method = "GET", .path = path};
	rest_run(wt->kc, &op, 1, &(struct rest_policy){.attempts = 2});
	if (op.status == 200 && op.response && *op.response) {
		struct strbuf sb = STRBUF_INIT;
		sb_addf(&sb, "%s\n  last log lines of %s/%s:", wt->res->reason, wt->crash_pod,
			wt->crash_container);
		for (const char *p = op.response; *p;) {
			const char *e = strchrnul(p, '\n');
			sb_addf(&sb, "\n    %.*s", (int)(e - p), p);
			p = *e ? e + 1 : e;
		}
		free(wt->res->reason);
		wt->res->reason = sb_detach(&sb, NULL);
	}
	rest_ops_done(&op, 1);
	free(path);
}

int wait_ready(struct kube_client *kc, const struct wait_target *t, size_t n,
	       const struct wait_opts *o, struct wait_result *res, struct tops_err *err)
{
	struct waiter wt = {.kc = kc, .t = t, .n = n, .o = o, .res = res};
	memset(res, 0, sizeof *res);
	wt.last = xcalloc(n + 1, sizeof *wt.last);
	if (start_watches(&wt, err) < 0) {
		free(wt.last);
		return -TOPS_EINTERNAL;
	}
	uv_timer_init(kc->loop, &wt.tick);
	wt.tick.data = &wt;
	wt.deadline = uv_now(kc->loop) + (uint64_t)(o->timeout_ms > 0 ? o->timeout_ms : 300000);
	uv_timer_start(&wt.tick, tick_cb, 1000, 1000);
	while (!wt.done) {
		uv_run(kc->loop, UV_RUN_ONCE);
		if (o->cancel && *o->cancel && !wt.done) {
			wt.done = true;
			res->outcome = WAIT_CANCELLED;
		}
	}
	uv_timer_stop(&wt.tick);
	uv_close((uv_handle_t *)&wt.tick, NULL);
	res->summary = summarize(&wt);
	if (res->outcome == WAIT_TIMEOUT)
		res->reason = xasprintf("timed out waiting for the condition:\n%s", res->summary);
	stop_watches(&wt);
	if (wt.crash_pod)
		crash_logs(&wt);
	for (size_t i = 0; i < n; i++)
		free(wt.last[i]);
	free(wt.last), free(wt.crash_pod), free(wt.crash_container);
	return 0;
}

void wait_result_done(struct wait_result *res)
{
	free(res->reason), free(res->summary);
	memset(res, 0, sizeof *res);
}

/* ---- targets ---- */

static const struct { const char *kind; enum kube_kind k; } waited[] = {
	{"Deployment", KK_DEPLOYMENT}, {"StatefulSet", KK_STATEFULSET}, {"DaemonSet", KK_DAEMONSET},
	{"PersistentVolumeClaim", KK_PVC}, {"Service", KK_SERVICE}, {"Pod", KK_POD},
};

/* maxUnavailable of a Deployment, as an absolute number of pods (25% rounded down). */
static int max_unavailable(const struct value *obj)
{
	int64_t replicas = obj_int(obj, "spec.replicas", 1);
	const struct value *mu = value_map_path(obj, "spec.strategy.rollingUpdate.maxUnavailable");
	const char *type = obj_str(obj, "spec.strategy.type");
	if (type && !strcmp(type, "Recreate"))
		return 0;
	if (mu && mu->type == V_INT)
		return (int)mu->u.i;
	int pct = mu && mu->type == V_STRING ? atoi(mu->u.str.s) : 25;
	return (int)(replicas * pct / 100);
}

/* A DaemonSet's maxUnavailable (the API's default 1): an absolute number, or *pct set. */
static int ds_max_unavailable(const struct value *obj, int *pct)
{
	const struct value *mu = value_map_path(obj, "spec.updateStrategy.rollingUpdate.maxUnavailable");
	*pct = 0;
	if (mu && mu->type == V_INT)
		return (int)mu->u.i;
	if (mu && mu->type == V_STRING && strchr(mu->u.str.s, '%'))
		*pct = atoi(mu->u.str.s);
	return mu && mu->type == V_STRING ? 0 : 1;
}

struct wait_target *wait_targets_of(struct value *const *objs, size_t n, size_t *count)
{
	struct wait_target *t = xcalloc(n + 1, sizeof *t);
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		const char *kind = obj_str(objs[i], "kind"), *name = obj_str(objs[i], "metadata.name");
		for (size_t k = 0; kind && name && k < ARRAY_LEN(waited); k++) {
			if (strcmp(kind, waited[k].kind))
				continue;
			const char *type = obj_str(objs[i], "spec.type"), *upd = obj_str(objs[i], "spec.updateStrategy.type");
			int pct = 0, mu = waited[k].k == KK_DEPLOYMENT ? max_unavailable(objs[i]) :
				waited[k].k == KK_DAEMONSET ? ds_max_unavailable(objs[i], &pct) : 0;
			t[*count] = (struct wait_target){.kind = waited[k].k, .name = xstrdup(name),
				.max_unavailable = mu, .max_unavailable_pct = pct,
				.partition = (int)obj_int(objs[i], "spec.updateStrategy.rollingUpdate.partition", 0),
				.on_delete = upd && !strcmp(upd, "OnDelete"),
				.load_balancer = type && !strcmp(type, "LoadBalancer")};
			(*count)++;
		}
	}
	return t;
}

void wait_targets_free(struct wait_target *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++)
		free(t[i].name);
	free(t);
}
