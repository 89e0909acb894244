/* ctrl — controller queue, timers, defaulting, events, garbage collection; see ctrl.h. */
#include "tests/kubesim/ctrl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct qitem {
	int kind;
	char *ns, *name;
	double at;          /* due time (simulated) for timed items */
};

struct qlist {
	struct qitem *v;
	size_t len, cap;
};

static struct qlist queue, timed;
static char **gc_uids;
static size_t gc_len, gc_cap;
/* The controllers run when there is work: at once (next loop turn) for queued reconciles and
 * garbage collection, else at the earliest timed step or demo action. No fixed-rate tick. */
static uv_timer_t tick_timer;
static uint64_t tick_due;         /* loop time (ms) the armed tick fires at */
static double next_rollout, next_event;
static char **event_fifo;
static size_t ev_head, ev_len;
#define EVENT_CAP 3000

static void tick_cb(uv_timer_t *t);

static void tick_arm(uint64_t ms)
{
	uint64_t due = uv_now(sim_loop) + ms;
	if (uv_is_active((uv_handle_t *)&tick_timer) && tick_due <= due)
		return;
	tick_due = due;
	uv_timer_start(&tick_timer, tick_cb, ms, 0);
}

/* Milliseconds of real time until simulated time at (rounded up). */
static uint64_t ms_until(double at)
{
	double ms = (at - sim_now()) / sim_cfg.speed * 1000.0;
	return ms <= 0 ? 0 : ms > 3.6e9 ? 3600000000ULL : (uint64_t)ms + 1;
}

static void qpush(struct qlist *q, int kind, const char *ns, const char *name, double at)
{
	if (q->len == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 64;
		q->v = xrealloc(q->v, q->cap * sizeof(*q->v));
	}
	q->v[q->len++] = (struct qitem){kind, xstrdup(ns), xstrdup(name), at};
}

/* Appends src's items to dst (they change owner) and empties src. */
static void qmove(struct qlist *dst, struct qlist *src)
{
	if (dst->len + src->len > dst->cap) {
		dst->cap = dst->len + src->len;
		dst->v = xrealloc(dst->v, dst->cap * sizeof(*dst->v));
	}
	if (src->len)
		memcpy(dst->v + dst->len, src->v, src->len * sizeof(*src->v));
	dst->len += src->len;
	free(src->v);
	memset(src, 0, sizeof(*src));
}

void ctrl_enqueue(int kind, const char *ns, const char *name)
{
	struct obj *o = db_find(kind, ns, name);
	if (!o || o->queued)
		return;
	o->queued = true;
	qpush(&queue, kind, ns, name, 0);
	tick_arm(0);
}

void ctrl_after(double delay, int kind, const char *ns, const char *name)
{
	qpush(&timed, kind, ns, name, sim_now() + delay);
	tick_arm(ms_until(sim_now() + delay));
}

char *ctrl_now_ts(void) { return sim_timestamp(sim_wall()); }

/* Few objects carry marks (Deployments, Jobs), so a list searched in order is enough. */
struct mark {
	char *uid, *name;
	double t;
};
static struct mark *marks;
static size_t marks_len, marks_cap;

static struct mark *mark_find(const char *uid, const char *name)
{
	for (size_t i = 0; i < marks_len; i++)
		if (!strcmp(marks[i].uid, uid) && !strcmp(marks[i].name, name))
			return &marks[i];
	return NULL;
}

void ctrl_mark_set(const char *uid, const char *mark, double t)
{
	if (!uid)
		return;
	struct mark *m = mark_find(uid, mark);
	if (!m) {
		if (marks_len == marks_cap) {
			marks_cap = marks_cap ? marks_cap * 2 : 16;
			marks = xrealloc(marks, marks_cap * sizeof(*marks));
		}
		m = &marks[marks_len++];
		*m = (struct mark){xstrdup(uid), xstrdup(mark), 0};
	}
	m->t = t;
}

double ctrl_mark_get(const char *uid, const char *mark, double fallback)
{
	struct mark *m = uid ? mark_find(uid, mark) : NULL;
	return m ? m->t : fallback;
}

static void marks_forget(const char *uid)
{
	for (size_t i = 0; i < marks_len;) {
		if (strcmp(marks[i].uid, uid) != 0) {
			i++;
			continue;
		}
		free(marks[i].uid);
		free(marks[i].name);
		marks[i] = marks[--marks_len];
	}
}

double ctrl_ts_sim(const char *ts)
{
	struct tm tm = {0};
	if (!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return sim_from_wall((double)timegm(&tm));
}

void ctrl_save(int kind, struct value *obj)
{
	struct tops_err err = {0};
	if (db_update(kind, obj, false, false, &err) && err.code != TOPS_ENOENT)
		fprintf(stderr, "kubesim: controller update failed: %s\n", tops_err_msg(&err));
	tops_err_clear(&err);
}

int ctrl_create(int kind, struct value *obj)
{
	struct tops_err err = {0};
	ctrl_defaults(kind, obj);
	int rc = db_create(kind, obj, &err);
	if (rc && err.code != SIM_EEXISTS)
		fprintf(stderr, "kubesim: controller create failed: %s\n", tops_err_msg(&err));
	tops_err_clear(&err);
	return rc;
}

struct value *ctrl_pod_of(int owner_kind, const struct value *owner)
{
	struct value *tmpl = value_map_path(owner, "spec.template");
	struct value *pod = value_copy(tmpl ? tmpl : value_null());
	if (pod->type != V_MAP) {
		value_unref(pod);
		pod = value_map();
	}
	struct value *md = vmap(pod, "metadata");
	value_map_set(md, "generateName", value_strf("%s-", vstr(owner, "metadata.name")));
	vset_str(md, "namespace", vstr(owner, "metadata.namespace"));
	ctrl_set_owner(pod, owner_kind, owner);
	return pod;
}

void ctrl_set_owner(struct value *obj, int owner_kind, const struct value *owner)
{
	struct value *refs = value_list(), *r = value_map();
	vset_str(r, "apiVersion", kind_api_version(owner_kind));
	vset_str(r, "kind", kinds[owner_kind].kind);
	vset_str(r, "name", vstr(owner, "metadata.name"));
	vset_str(r, "uid", vstr(owner, "metadata.uid"));
	value_map_set(r, "controller", value_bool(true));
	value_map_set(r, "blockOwnerDeletion", value_bool(true));
	value_list_push(refs, r);
	value_map_set(vmap(obj, "metadata"), "ownerReferences", refs);
}

void ctrl_condition(struct value *status, const char *type, const char *st, const char *reason,
		    const char *msg, bool touch_update)
{
	struct value *conds = value_map_get(status, "conditions");
	if (!conds || conds->type != V_LIST) {
		conds = value_list();
		value_map_set(status, "conditions", conds);
	}
	struct value *c = NULL;
	for (size_t i = 0; i < conds->u.list.len; i++)
		if (strcmp(vstr(conds->u.list.items[i], "type") ?: "", type) == 0)
			c = conds->u.list.items[i];
	if (!c) {
		c = value_map();
		vset_str(c, "type", type);
		value_list_push(conds, c);
	}
	const char *old = vstr(c, "status");
	bool changed = !old || strcmp(old, st) != 0;
	const char *old_reason = vstr(c, "reason");
	bool reason_changed = !old_reason || strcmp(old_reason, reason) != 0;
	char *now = ctrl_now_ts();
	if (changed)
		vset_str(c, "lastTransitionTime", now);
	if (changed || touch_update || reason_changed || !vstr(c, "lastUpdateTime")) {
		if (strcmp(type, "Progressing") == 0 || strcmp(type, "Available") == 0)
			vset_str(c, "lastUpdateTime", now);
	}
	free(now);
	vset_str(c, "status", st);
	vset_str(c, "reason", reason);
	vset_str(c, "message", msg);
}

/* ---- events ---- */

static const char *component_for(const char *kind)
{
	static const struct { const char *kind, *comp; } m[] = {
		{"Pod", "kubelet"}, {"Deployment", "deployment-controller"},
		{"ReplicaSet", "replicaset-controller"}, {"StatefulSet", "statefulset-controller"},
		{"DaemonSet", "daemonset-controller"}, {"Job", "job-controller"}, {"Namespace", "namespace-controller"},
		{"PersistentVolumeClaim", "persistentvolume-controller"}, {"Service", "endpoint-controller"}};
	for (size_t i = 0; i < ARRAY_LEN(m); i++)
		if (kind && strcmp(kind, m[i].kind) == 0)
			return m[i].comp;
	return "kubesim";
}

static void event_trim(const char *ns, const char *name)
{
	if (!event_fifo)
		event_fifo = xcalloc(EVENT_CAP, sizeof(char *));
	if (ev_len == EVENT_CAP) {
		char *key = event_fifo[ev_head];
		char *slash = strchr(key, '/');
		*slash = 0;
		db_delete(K_EVENT, key, slash + 1, NULL, NULL);
		free(key);
		ev_head = (ev_head + 1) % EVENT_CAP;
		ev_len--;
	}
	event_fifo[(ev_head + ev_len++) % EVENT_CAP] = xasprintf("%s/%s", ns, name);
}

/* Recent events by (object, type, reason, message), so that repeats bump count like the
 * API server's event aggregation instead of piling up. */
#define RECENT 512
static struct { uint64_t key; char *ns, *name; } recent[RECENT];

static uint64_t event_key(const struct value *obj, const char *type, const char *reason, const char *msg)
{
	const char *uid = vstr(obj, "metadata.uid") ?: "";
	uint64_t h = sim_hash(uid, strlen(uid), 0);
	h = sim_hash(type, strlen(type), h);
	h = sim_hash(reason, strlen(reason), h);
	return sim_hash(msg, strlen(msg), h);
}

static bool event_bump(uint64_t key)
{
	struct value *e = NULL;
	size_t slot = key % RECENT;
	if (recent[slot].key != key || !(e = db_get(K_EVENT, recent[slot].ns, recent[slot].name)))
		return false;
	char *now = ctrl_now_ts();
	vset_int(e, "count", vint(e, "count", 1) + 1);
	vset_str(e, "lastTimestamp", now);
	free(now);
	ctrl_save(K_EVENT, e);
	value_unref(e);
	return true;
}

static void event_remember(uint64_t key, const char *ns, const char *name)
{
	size_t slot = key % RECENT;
	free(recent[slot].ns);
	free(recent[slot].name);
	recent[slot].key = key;
	recent[slot].ns = xstrdup(ns);
	recent[slot].name = xstrdup(name);
}

void ctrl_event(const struct value *obj, const char *type, const char *reason, const char *msg)
{
	ctrl_event_at(obj, type, reason, msg, NULL);
}

void ctrl_event_at(const struct value *obj, const char *type, const char *reason, const char *msg,
		   const char *container)
{
	uint64_t key = event_key(obj, type, reason, msg);
	if (event_bump(key))
		return;
	const char *ns = vstr(obj, "metadata.namespace") ?: "default", *name = vstr(obj, "metadata.name");
	const char *kind = vstr(obj, "kind");
	struct value *e = value_map(), *md = vmap(e, "metadata"), *io = vmap(e, "involvedObject");
	char *now = ctrl_now_ts();
	static uint64_t seq;
	/* Names sort in creation order, like the API server's nanosecond suffixes. */
	value_map_set(md, "name", value_strf("%s.%016llx", name, (unsigned long long)(sim_now() * 1e6) * 1000 + (++seq % 1000)));
	vset_str(md, "namespace", ns);
	vset_str(io, "kind", kind ?: "");
	vset_str(io, "namespace", ns);
	vset_str(io, "name", name);
	vset_str(io, "uid", vstr(obj, "metadata.uid") ?: "");
	vset_str(io, "apiVersion", vstr(obj, "apiVersion") ?: "v1");
	vset_str(io, "resourceVersion", vstr(obj, "metadata.resourceVersion") ?: "");
	if (container)
		value_map_set(io, "fieldPath", value_strf("spec.containers{%s}", container));
	vset_str(e, "reason", reason);
	vset_str(e, "message", msg);
	vset_str(e, "type", type);
	const char *comp = strcmp(reason, "Scheduled") == 0 || strcmp(reason, "FailedScheduling") == 0
			   ? "default-scheduler" : component_for(kind);
	vset_str(vmap(e, "source"), "component", comp);
	if (kind && strcmp(kind, "Pod") == 0 && vstr(obj, "spec.nodeName"))
		vset_str(vmap(e, "source"), "host", vstr(obj, "spec.nodeName"));
	vset_str(e, "firstTimestamp", now);
	vset_str(e, "lastTimestamp", now);
	vset_int(e, "count", 1);
	vset_str(e, "reportingComponent", comp);
	vset_str(e, "reportingInstance", "");
	if (db_create(K_EVENT, e, NULL) == 0) {
		event_trim(ns, vstr(e, "metadata.name"));
		event_remember(key, ns, vstr(e, "metadata.name"));
	}
	value_unref(e);
	free(now);
}

/* ---- deletion and garbage collection ---- */

static void gc_push(const char *uid)
{
	if (gc_len == gc_cap) {
		gc_cap = gc_cap ? gc_cap * 2 : 64;
		gc_uids = xrealloc(gc_uids, gc_cap * sizeof(char *));
	}
	gc_uids[gc_len++] = xstrdup(uid);
	tick_arm(0);
}

struct dep_key {
	int kind;
	char *ns, *name;
};

static int dep_key_cmp(const void *a, const void *b)
{
	const struct dep_key *x = a, *y = b;
	int c = x->kind - y->kind;
	if (!c)
		c = strcmp(x->ns, y->ns);
	return c ? c : strcmp(x->name, y->name);
}

/* Deletes (or orphans) every object whose controller owner is uid, in kind and name order. */
static void gc_dependents(const char *uid, bool orphan)
{
	size_t n;
	struct obj *const *owned = db_owned(uid, &n);
	if (!n)
		return;
	struct dep_key *keys = xcalloc(n, sizeof(*keys));
	for (size_t i = 0; i < n; i++)
		keys[i] = (struct dep_key){owned[i]->kind, xstrdup(owned[i]->ns), xstrdup(owned[i]->name)};
	qsort(keys, n, sizeof(*keys), dep_key_cmp);
	for (size_t i = 0; i < n; i++) {
		struct obj *o = db_find(keys[i].kind, keys[i].ns, keys[i].name);
		if (o && o->owner_uid && strcmp(o->owner_uid, uid) == 0) {
			if (orphan) {
				struct value *v = obj_value(o);
				value_map_del(vmap(v, "metadata"), "ownerReferences");
				ctrl_save(keys[i].kind, v);
				value_unref(v);
			} else {
				ctrl_delete(keys[i].kind, keys[i].ns, keys[i].name, "Background", NULL, NULL);
			}
		}
		free(keys[i].ns);
		free(keys[i].name);
	}
	free(keys);
}

static void pod_killing(const struct obj *o)
{
	struct value *pod = obj_value(o);
	struct value *cs = value_map_path(pod, "spec.containers");
	for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++) {
		char *msg = xasprintf("Stopping container %s", vstr(cs->u.list.items[i], "name") ?: "");
		ctrl_event(pod, "Normal", "Killing", msg);
		free(msg);
	}
	value_unref(pod);
}

/* Deleting a namespace deletes everything in it. */
static void ns_purge(const char *ns)
{
	for (int k = 0; k < K_COUNT; k++) {
		if (!kinds[k].namespaced || k == K_EVENT)
			continue;
		struct obj *o;
		while ((o = db_at(k, db_ns_start(k, ns))) != NULL && strcmp(o->ns, ns) == 0) {
			char *name = xstrdup(o->name);
			db_delete(k, ns, name, NULL, NULL);
			free(name);
		}
	}
	struct obj *o;
	while ((o = db_at(K_EVENT, db_ns_start(K_EVENT, ns))) != NULL && strcmp(o->ns, ns) == 0) {
		char *name = xstrdup(o->name);
		db_delete(K_EVENT, ns, name, NULL, NULL);
		free(name);
	}
}

/* Deleting a namespace marks it: deletionTimestamp, phase Terminating and the "kubernetes"
 * finalizer in spec.finalizers (it is already so once marked). The namespace controller
 * (ns_reconcile) then removes its contents and the namespace. */
static void ns_terminate(const char *name, struct value **out)
{
	struct value *v = db_get(K_NS, "", name);
	if (!vstr(v, "metadata.deletionTimestamp")) {
		char *now = ctrl_now_ts();
		vset_str(vmap(v, "metadata"), "deletionTimestamp", now);
		free(now);
		value_map_set(vmap(v, "metadata"), "deletionGracePeriodSeconds", value_int(0));
		struct value *fin = value_list();
		value_list_push(fin, value_str("kubernetes"));
		value_map_set(vmap(v, "spec"), "finalizers", fin);
		vset_str(vmap(v, "status"), "phase", "Terminating");
		ctrl_save(K_NS, v);
		ctrl_after(1, K_NS, "", name);   /* a real namespace takes a moment to empty */
	}
	if (out)
		*out = v;
	else
		value_unref(v);
}

static void ns_reconcile(const char *name)
{
	struct value *v = db_get(K_NS, "", name);
	if (v && vstr(v, "metadata.deletionTimestamp")) {
		ns_purge(name);
		db_delete(K_NS, "", name, NULL, NULL);
	}
	value_unref(v);
}

int ctrl_delete(int kind, const char *ns, const char *name, const char *policy,
		struct value **out, struct tops_err *err)
{
	struct obj *o = db_find(kind, ns, name);
	if (!o)
		return tops_err_set(err, TOPS_ENOENT, "%s%s%s \"%s\" not found", kinds[kind].resource,
				    *kinds[kind].group ? "." : "", kinds[kind].group, name);
	if (kind == K_NS) {
		ns_terminate(name, out);
		return 0;
	}
	char *uid = xstrdup(o->uid);
	if (kind == K_POD)
		pod_killing(o);
	if (policy && strcmp(policy, "Orphan") == 0)
		gc_dependents(uid, true);
	else if (policy && strcmp(policy, "Foreground") == 0)
		gc_dependents(uid, false);
	int rc = db_delete(kind, ns, name, out, err);
	free(uid);
	return rc;
}

static void gc_run(void)
{
	while (gc_len) {
		char *uid = gc_uids[--gc_len];
		gc_dependents(uid, false);
		free(uid);
	}
}

/* ---- change listener ---- */

/* Only the ownerReferences text is parsed: this runs on every change of an owned object. */
static void enqueue_owner(const struct obj *o)
{
	size_t ml = 0, rl = 0;
	const char *md = json_member(o->json->data, o->json->len, "metadata", &ml);
	const char *rt = md ? json_member(md, ml, "ownerReferences", &rl) : NULL;
	struct value *refs = rt ? value_from_json(rt, rl, NULL) : NULL, *v = refs;
	for (size_t i = 0; refs && refs->type == V_LIST && i < refs->u.list.len; i++) {
		struct value *r = refs->u.list.items[i];
		int k = kind_by_kind(vstr(r, "apiVersion"), vstr(r, "kind") ?: "");
		if (k >= 0 && vstr(r, "name"))
			ctrl_enqueue(k, o->ns, vstr(r, "name"));
	}
	value_unref(v);
}

static void enqueue_services(const char *ns)
{
	for (size_t i = db_ns_start(K_SVC, ns); i < db_count(K_SVC); i++) {
		struct obj *s = db_at(K_SVC, i);
		if (strcmp(s->ns, ns) != 0)
			break;
		ctrl_enqueue(K_SVC, s->ns, s->name);
	}
}

static void db_cb(int kind, const char *type, const struct obj *o, void *ctx)
{
	bool deleted = strcmp(type, "DELETED") == 0;
	if (deleted)
		gc_push(o->uid);
	if (deleted && marks_len && kind != K_EVENT)
		marks_forget(o->uid);
	if (kind == K_POD) {
		if (strcmp(type, "ADDED") == 0 && o->phase == 'P')
			ctrl_after(0, K_POD, o->ns, o->name);
		if (o->owner_uid)
			enqueue_owner(o);
		enqueue_services(o->ns);
		pdb_enqueue_ns(o->ns);
	} else if (kind == K_RS) {
		if (o->owner_uid)
			enqueue_owner(o);
	} else if (kind == K_PVC && deleted) {
		struct value *v = obj_value(o);
		if (vstr(v, "spec.volumeName"))
			ctrl_after(0, K_PV, "", vstr(v, "spec.volumeName"));
		value_unref(v);
	}
	if (!deleted && (kind == K_RS || kind == K_DEPLOY || kind == K_STS || kind == K_DS || kind == K_SVC || kind == K_JOB || kind == K_PDB ||
			 (kind == K_PVC && strcmp(type, "ADDED") == 0)))
		ctrl_enqueue(kind, o->ns, o->name);
}

/* ---- the loop ---- */

static void reconcile(int kind, const char *ns, const char *name)
{
	switch (kind) {
	case K_DEPLOY: deploy_reconcile(ns, name); break;
	case K_RS: rs_reconcile(ns, name); break;
	case K_STS: sts_reconcile(ns, name); break;
	case K_DS: ds_reconcile(ns, name); break;
	case K_POD: pod_step(ns, name); break;
	case K_JOB: job_reconcile(ns, name); break;
	case K_PVC: pvc_reconcile(ns, name); break;
	case K_SVC: svc_reconcile(ns, name); break;
	case K_PV: pv_reconcile(name); break;
	case K_PDB: pdb_reconcile(ns, name); break;
	case K_NS: ns_reconcile(name); break;
	default: break;
	}
}

/* One tick works for at most TICK_BUDGET_NS (at least one item of each kind), then lets the
 * loop serve sockets before it goes on: a burst of controller work never holds a request or a
 * watch event back for long. */
#define TICK_BUDGET_NS 4000000
static uint64_t tick_end;

static bool over_budget(size_t done) { return done && uv_hrtime() > tick_end; }

static void run_queue(void)
{
	for (int rounds = 0; queue.len && rounds < 50; rounds++) {
		struct qlist q = queue;
		size_t i;
		memset(&queue, 0, sizeof(queue));
		for (i = 0; i < q.len && !over_budget(i); i++) {
			struct obj *o = db_find(q.v[i].kind, q.v[i].ns, q.v[i].name);
			if (o)
				o->queued = false;
			if (o)
				reconcile(q.v[i].kind, q.v[i].ns, q.v[i].name);
			free(q.v[i].ns);
			free(q.v[i].name);
		}
		if (i < q.len) {
			/* The rest (still marked queued) goes first in the next tick. */
			memmove(q.v, q.v + i, (q.len - i) * sizeof(*q.v));
			q.len -= i;
			qmove(&q, &queue);
			queue = q;
			return;
		}
		free(q.v);
		gc_run();
	}
}

static void run_timed(void)
{
	double now = sim_now();
	struct qlist due = {0};
	for (size_t i = 0; i < timed.len;) {
		if (timed.v[i].at <= now) {
			qpush(&due, timed.v[i].kind, timed.v[i].ns, timed.v[i].name, timed.v[i].at);
			free(timed.v[i].ns);
			free(timed.v[i].name);
			timed.v[i] = timed.v[--timed.len];
		} else {
			i++;
		}
	}
	for (size_t i = 0; i < due.len; i++) {
		if (over_budget(i))
			qpush(&timed, due.v[i].kind, due.v[i].ns, due.v[i].name, due.v[i].at);
		else if (due.v[i].kind == K_POD)
			pod_step(due.v[i].ns, due.v[i].name);
		else
			ctrl_enqueue(due.v[i].kind, due.v[i].ns, due.v[i].name);
		free(due.v[i].ns);
		free(due.v[i].name);
	}
	free(due.v);
}

static void demo_rollout(void)
{
	struct value *d = db_get(K_DEPLOY, "testops", "testops-runner");
	if (!d)
		return;
	struct value *ann = vmap(vmap(vmap(vmap(d, "spec"), "template"), "metadata"), "annotations");
	char *ts = ctrl_now_ts();
	vset_str(ann, "kubectl.kubernetes.io/restartedAt", ts);
	free(ts);
	ctrl_save(K_DEPLOY, d);
	value_unref(d);
}

static void demo_event(void)
{
	size_t n = db_count(K_POD);
	if (!n)
		return;
	struct obj *o = db_at(K_POD, (size_t)(sim_rand() % n));
	struct value *v = obj_value(o);
	static const char *const msgs[] = {"Liveness probe succeeded", "Readiness probe succeeded",
					   "Synced volume mounts", "Container image already present on machine"};
	ctrl_event(v, "Normal", "Sync", msgs[sim_rand() % ARRAY_LEN(msgs)]);
	value_unref(v);
}

static void run_demo(void)
{
	double now = sim_now();
	if (sim_cfg.rollout_every > 0) {
		if (!next_rollout)
			next_rollout = now + sim_cfg.rollout_every;
		else if (now >= next_rollout) {
			next_rollout = now + sim_cfg.rollout_every;
			demo_rollout();
		}
	}
	if (sim_cfg.event_every > 0) {
		if (!next_event || now >= next_event) {
			if (next_event)
				demo_event();
			next_event = now + sim_cfg.event_every;
		}
	}
}

/* Arms the tick for the next work: queued items now, else the earliest timed or demo step. */
static void tick_next(void)
{
	if (queue.len || gc_len) {
		tick_arm(0);
		return;
	}
	double at = 0;
	for (size_t i = 0; i < timed.len; i++)
		if (!at || timed.v[i].at < at)
			at = timed.v[i].at;
	if (sim_cfg.rollout_every > 0 && next_rollout && (!at || next_rollout < at))
		at = next_rollout;
	if (sim_cfg.event_every > 0 && next_event && (!at || next_event < at))
		at = next_event;
	if (at)
		tick_arm(ms_until(at));
}

static void tick_cb(uv_timer_t *t)
{
	tick_end = uv_hrtime() + TICK_BUDGET_NS;
	run_timed();
	gc_run();
	run_queue();
	run_demo();
	tick_next();
}

void ctrl_init(void)
{
	db_listen(db_cb, NULL);
	uv_timer_init(sim_loop, &tick_timer);
	tick_arm(0);
}

void ctrl_churn(int n)
{
	size_t start = db_ns_start(K_POD, "testops");
	for (int i = 0; i < n; i++) {
		size_t end = db_ns_end(K_POD, "testops");
		if (end == start)
			return;
		struct obj *o = db_at(K_POD, start + (size_t)(sim_rand() % (end - start)));
		char *name = xstrdup(o->name);
		ctrl_delete(K_POD, "testops", name, NULL, NULL, NULL);
		free(name);
	}
}
