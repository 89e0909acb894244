#include "core/release/lease.h"

#include "core/base/timefmt.h"
#include "core/kube/kstatus.h"
#include "core/release/obj.h"
#include "core/release/rest.h"

#include <ctype.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ANN_OP "tops/operation"
#define ANN_STARTED "tops/started"

/* The lock's fields, whichever object keeps them. */
struct lock_rec {
	char *holder, *operation;
	int64_t acquired_ms, renewed_ms, started_ms;
	int duration_s;
	int64_t transitions;
	char *rv;
};

/* Where the lock lives: the Lease, or a ConfigMap's annotations where Leases are forbidden. */
struct lock_kind {
	const char *kind;
	const char *suffix;
	char *(*path)(const char *ns, const char *name);
	struct value *(*build)(const char *ns, const char *name, const char *release,
			       const struct lock_rec *r);
	void (*read)(const struct value *obj, struct lock_rec *r);
};

struct lease {
	struct kube_client *kc;
	const struct lock_kind *lk;
	char *ns, *name, *release, *holder, *operation;
	struct lock_rec rec;
	struct lease_prev prev;
	uv_timer_t timer;
	bool renewing, lost;
	int64_t last_ok_ms;
};

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *lease_path(const char *ns, const char *name)
{
	return xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases%s%s", ns,
			 name ? "/" : "", name ? name : "");
}

static char *cm_path(const char *ns, const char *name)
{
	return xasprintf("/api/v1/namespaces/%s/configmaps%s%s", ns, name ? "/" : "",
			 name ? name : "");
}

static struct value *base_obj(const char *api, const char *kind, const char *ns,
			      const char *name, const char *release, const struct lock_rec *r)
{
	struct value *o = value_map();
	value_map_set(o, "apiVersion", value_str(api));
	value_map_set(o, "kind", value_str(kind));
	obj_set_str_in(o, "metadata", "name", name);
	obj_set_str_in(o, "metadata", "namespace", ns);
	if (r->rv)
		obj_set_str_in(o, "metadata", "resourceVersion", r->rv);
	obj_set_str_in(o, "metadata.labels", "owner", "tops");
	obj_set_str_in(o, "metadata.labels", "name", release);
	obj_set_str_in(o, "metadata.annotations", ANN_OP, r->operation ? r->operation : "");
	char *started = obj_microtime(r->started_ms);
	obj_set_str_in(o, "metadata.annotations", ANN_STARTED, started);
	free(started);
	return o;
}

static struct value *lease_build(const char *ns, const char *name, const char *release,
				 const struct lock_rec *r)
{
	struct value *o = base_obj("coordination.k8s.io/v1", "Lease", ns, name, release, r);
	struct value *spec = obj_map(o, "spec");
	char *acq = obj_microtime(r->acquired_ms), *ren = obj_microtime(r->renewed_ms);
	value_map_set(spec, "holderIdentity", value_str(r->holder ? r->holder : ""));
	value_map_set(spec, "leaseDurationSeconds", value_int(r->duration_s));
	value_map_set(spec, "acquireTime", value_str(acq));
	value_map_set(spec, "renewTime", value_str(ren));
	value_map_set(spec, "leaseTransitions", value_int(r->transitions));
	free(acq);
	free(ren);
	return o;
}

static void common_read(const struct value *o, struct lock_rec *r)
{
	free(r->rv);
	free(r->operation);
	r->rv = xstrdup(obj_str(o, "metadata.resourceVersion") ? obj_str(o, "metadata.resourceVersion") : "");
	const struct value *ann = value_map_path(o, "metadata.annotations");
	const struct value *op = value_map_get(ann, ANN_OP), *st = value_map_get(ann, ANN_STARTED);
	r->operation = xstrdup(op && op->type == V_STRING ? op->u.str.s : "");
	r->started_ms = obj_time_ms(st && st->type == V_STRING ? st->u.str.s : NULL);
}

static void lease_read(const struct value *o, struct lock_rec *r)
{
	common_read(o, r);
	free(r->holder);
	r->holder = xstrdup(obj_str(o, "spec.holderIdentity") ? obj_str(o, "spec.holderIdentity") : "");
	r->duration_s = (int)obj_int(o, "spec.leaseDurationSeconds", 30);
	r->acquired_ms = obj_time_ms(obj_str(o, "spec.acquireTime"));
	r->renewed_ms = obj_time_ms(obj_str(o, "spec.renewTime"));
	r->transitions = obj_int(o, "spec.leaseTransitions", 0);
}

/* The ConfigMap keeps the Lease's spec fields as annotations of the same names. */
static struct value *cm_build(const char *ns, const char *name, const char *release,
			      const struct lock_rec *r)
{
	struct value *o = base_obj("v1", "ConfigMap", ns, name, release, r);
	char *acq = obj_microtime(r->acquired_ms), *ren = obj_microtime(r->renewed_ms);
	char *dur = xasprintf("%d", r->duration_s), *tr = xasprintf("%lld", (long long)r->transitions);
	const char *kv[][2] = {{"tops/holderIdentity", r->holder ? r->holder : ""},
			       {"tops/leaseDurationSeconds", dur}, {"tops/acquireTime", acq},
			       {"tops/renewTime", ren}, {"tops/leaseTransitions", tr}};
	for (size_t i = 0; i < ARRAY_LEN(kv); i++)
		obj_set_str_in(o, "metadata.annotations", kv[i][0], kv[i][1]);
	free(acq), free(ren), free(dur), free(tr);
	return o;
}

static const char *ann(const struct value *o, const char *key)
{
	const struct value *v = value_map_get(value_map_path(o, "metadata.annotations"), key);
	return v && v->type == V_STRING ? v->u.str.s : "";
}

static void cm_read(const struct value *o, struct lock_rec *r)
{
	common_read(o, r);
	free(r->holder);
	r->holder = xstrdup(ann(o, "tops/holderIdentity"));
	r->duration_s = atoi(ann(o, "tops/leaseDurationSeconds"));
	r->duration_s = r->duration_s > 0 ? r->duration_s : 30;
	r->acquired_ms = obj_time_ms(ann(o, "tops/acquireTime"));
	r->renewed_ms = obj_time_ms(ann(o, "tops/renewTime"));
	r->transitions = atoll(ann(o, "tops/leaseTransitions"));
}

static const struct lock_kind kinds[] = {
	{"Lease", "", lease_path, lease_build, lease_read},
	{"ConfigMap", "-lock", cm_path, cm_build, cm_read},
};

char *lease_default_holder(void)
{
	char host[256] = "localhost";
	gethostname(host, sizeof host - 1);
	const char *user = getenv("USER");
	struct passwd *pw = user && *user ? NULL : getpwuid(getuid());
	return xasprintf("%s@%s:%d", user && *user ? user : pw ? pw->pw_name : "unknown", host,
			 (int)getpid());
}

static char *lock_path(const struct lease *l, bool named)
{
	return l->lk->path(l->ns, named ? l->name : NULL);
}

/* Writes the lock: POST when create, else PUT guarded by rec.rv. 0, or the API's error. */
static int lock_write(struct lease *l, bool create, struct tops_err *err)
{
	struct value *o = l->lk->build(l->ns, l->name, l->release, &l->rec);
	char *body = value_to_json(o, false, false), *path = lock_path(l, !create);
	struct value *reply = NULL;
	int rc = rest_call(l->kc, create ? "POST" : "PUT", path, body, "application/json", NULL,
			   &reply, err);
	if (rc == 0) {
		free(l->rec.rv);
		l->rec.rv = xstrdup(obj_str(reply, "metadata.resourceVersion") ?
				    obj_str(reply, "metadata.resourceVersion") : "");
	}
	value_unref(reply), value_unref(o);
	free(body), free(path);
	return rc;
}

static void fmt_age(int64_t ms, char *buf, size_t n)
{
	kstatus_human_duration(ms > 0 ? ms / 1000 : 0, buf, n);
}

static int refuse(const struct lease *l, const struct lock_rec *cur, struct tops_err *err)
{
	char ran[32], ago[32];
	int64_t now = wall_ms();
	fmt_age(now - (cur->started_ms ? cur->started_ms : cur->acquired_ms), ran, sizeof ran);
	fmt_age(now - cur->renewed_ms, ago, sizeof ago);
	return tops_err_set(err, TOPS_ECONFLICT,
			    "another operation (install/upgrade/rollback) is in progress: %s by %s "
			    "for %s (%s %s/%s, renewed %s ago)",
			    *cur->operation ? cur->operation : "an operation", cur->holder, ran,
			    l->lk->kind, l->ns, l->name, ago);
}

static void rec_done(struct lock_rec *r)
{
	free(r->holder), free(r->operation), free(r->rv);
	memset(r, 0, sizeof *r);
}

/* Reads the current lock into cur; -TOPS_ENOENT when there is none. */
static int lock_read(struct lease *l, struct lock_rec *cur, struct tops_err *err)
{
	char *path = lock_path(l, true);
	struct value *o = NULL;
	int rc = rest_call(l->kc, "GET", path, NULL, NULL, NULL, &o, err);
	free(path);
	if (rc == 0)
		l->lk->read(o, cur);
	value_unref(o);
	return rc;
}

static void fill_ours(struct lease *l, int duration_s, int64_t transitions)
{
	int64_t now = wall_ms();
	free(l->rec.holder), free(l->rec.operation);
	l->rec.holder = xstrdup(l->holder);
	l->rec.operation = xstrdup(l->operation);
	l->rec.acquired_ms = l->rec.renewed_ms = l->rec.started_ms = now;
	l->rec.duration_s = duration_s;
	l->rec.transitions = transitions;
	l->last_ok_ms = now;
}

/* One attempt: create, or take over a free or expired lock. 1 when lost to a race (retry). */
static int try_take(struct lease *l, int duration_s, struct tops_err *err)
{
	struct lock_rec cur = {0};
	int rc = lock_read(l, &cur, err);
	if (rc == -TOPS_ENOENT) {
		tops_err_clear(err);
		fill_ours(l, duration_s, 0);
		free(l->rec.rv), l->rec.rv = NULL;
		rc = lock_write(l, true, err);
		rc = rc == -TOPS_ECONFLICT ? (tops_err_clear(err), 1) : rc;
	} else if (rc == 0) {
		bool expired = wall_ms() - cur.renewed_ms > (int64_t)cur.duration_s * 1000;
		if (*cur.holder && !expired) {
			rc = refuse(l, &cur, err);
		} else {
			if (*cur.holder) {
				l->prev.taken_over = true;
				l->prev.holder = xstrdup(cur.holder);
				l->prev.operation = xstrdup(cur.operation);
				l->prev.renewed_ms = cur.renewed_ms;
			}
			fill_ours(l, duration_s, cur.transitions + 1);
			free(l->rec.rv), l->rec.rv = xstrdup(cur.rv);
			rc = lock_write(l, false, err);
			rc = rc == -TOPS_ECONFLICT ? (tops_err_clear(err), 1) : rc;
		}
	}
	rec_done(&cur);
	return rc;
}

static void prev_done(struct lease_prev *p)
{
	free(p->holder), free(p->operation);
	memset(p, 0, sizeof *p);
}

struct renew_ctx {
	struct lease *l;
	char *body;
};

static void renew_done(struct http_req *r, struct http_result *res, void *ud)
{
	struct renew_ctx *c = ud;
	struct lease *l = c->l;
	(void)r;
	l->renewing = false;
	if (res->status >= 200 && res->status < 300) {
		struct value *o = value_from_json(res->body, res->len, NULL);
		const char *rv = obj_str(o, "metadata.resourceVersion");
		if (rv) {
			free(l->rec.rv);
			l->rec.rv = xstrdup(rv);
		}
		value_unref(o);
		l->last_ok_ms = wall_ms();
	} else if (res->status == 409) {
		l->lost = true; /* someone else wrote the lock: it is no longer ours */
	}
	if (wall_ms() - l->last_ok_ms > (int64_t)l->rec.duration_s * 1000)
		l->lost = true;
	free(c->body);
	free(c);
}

static void renew_cb(uv_timer_t *t)
{
	struct lease *l = t->data;
	if (l->renewing || l->lost)
		return;
	l->rec.renewed_ms = wall_ms();
	struct value *o = l->lk->build(l->ns, l->name, l->release, &l->rec);
	struct renew_ctx *c = xcalloc(1, sizeof *c);
	c->l = l;
	c->body = value_to_json(o, false, false);
	value_unref(o);
	char *path = lock_path(l, true);
	struct http_request rq = {.method = "PUT", .url = path, .body = c->body,
				  .body_len = strlen(c->body), .content_type = "application/json",
				  .accept = "application/json", .timeout_ms = 8000,
				  .on_done = renew_done, .ud = c};
	struct tops_err err = {0};
	if (kube_request(l->kc, &rq, &err))
		l->renewing = true;
	else
		free(c->body), free(c);
	tops_err_clear(&err);
	free(path);
}

static struct lease *lease_alloc(struct kube_client *kc, const struct lease_opts *o,
				 const struct lock_kind *lk)
{
	struct lease *l = xcalloc(1, sizeof *l);
	l->kc = kc;
	l->lk = lk;
	l->ns = xstrdup(o->namespace_);
	l->release = xstrdup(o->release);
	l->name = xasprintf("tops-release-%s%s", o->release, lk->suffix);
	l->holder = o->holder ? xstrdup(o->holder) : lease_default_holder();
	l->operation = xstrdup(o->operation ? o->operation : "");
	return l;
}

static void lease_free_mem(struct lease *l)
{
	rec_done(&l->rec);
	prev_done(&l->prev);
	free(l->ns), free(l->release), free(l->name), free(l->holder), free(l->operation);
	free(l);
}

/* Takes the lock of one kind; -TOPS_EAUTH (403) tells the caller to try the fallback. */
static int take(struct lease *l, int duration_s, struct tops_err *err)
{
	int rc = 1;
	for (int i = 0; rc == 1 && i < 5; i++) {
		prev_done(&l->prev);
		rc = try_take(l, duration_s, err);
	}
	if (rc == 1)
		rc = tops_err_set(err, TOPS_ECONFLICT, "%s %s/%s: lost every race to take it",
				  l->lk->kind, l->ns, l->name);
	return rc;
}

int lease_acquire(struct kube_client *kc, const struct lease_opts *o, struct lease **out,
		  struct tops_err *err)
{
	const char *env = getenv("TOPS_LEASE_DURATION");
	int duration = o->duration_s > 0 ? o->duration_s : env && atoi(env) > 0 ? atoi(env) : 30;
	int renew = o->renew_s > 0 ? o->renew_s : duration / 3 > 0 ? duration / 3 : 1;
	*out = NULL;
	struct lease *l = NULL;
	int rc = -TOPS_EAUTH;
	for (size_t k = 0; k < ARRAY_LEN(kinds) && rc == -TOPS_EAUTH; k++) {
		if (l)
			lease_free_mem(l);
		if (k > 0)
			tops_err_clear(err);
		l = lease_alloc(kc, o, &kinds[k]);
		rc = take(l, duration, err);
	}
	if (rc < 0) {
		lease_free_mem(l);
		return rc;
	}
	uv_timer_init(kc->loop, &l->timer);
	l->timer.data = l;
	uv_timer_start(&l->timer, renew_cb, (uint64_t)renew * 1000, (uint64_t)renew * 1000);
	*out = l;
	return 0;
}

const struct lease_prev *lease_prev(const struct lease *l)
{
	return &l->prev;
}

bool lease_lost(const struct lease *l)
{
	return l->lost;
}

const char *lease_kind(const struct lease *l)
{
	return l->lk->kind;
}

const char *lease_name(const struct lease *l)
{
	return l->name;
}

const char *lease_holder(const struct lease *l)
{
	return l->holder;
}

static void timer_closed(uv_handle_t *h)
{
	lease_free_mem(h->data);
}

void lease_release(struct lease *l)
{
	if (!l)
		return;
	uv_timer_stop(&l->timer);
	while (l->renewing) /* a renewal in flight would race the delete */
		uv_run(l->kc->loop, UV_RUN_ONCE);
	if (!l->lost) {
		char *path = lock_path(l, true);
		char *body = xasprintf("{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\","
				       "\"preconditions\":{\"resourceVersion\":\"%s\"}}", l->rec.rv);
		struct tops_err err = {0};
		rest_call(l->kc, "DELETE", path, body, "application/json", NULL, NULL, &err);
		tops_err_clear(&err);
		free(path), free(body);
	}
	uv_close((uv_handle_t *)&l->timer, timer_closed);
	uv_run(l->kc->loop, UV_RUN_NOWAIT);
}
