/* relwatch — release records listed and watched, decoded off the loop thread (see relwatch.h). */
#include "tui/relwatch.h"

#include "core/base/timefmt.h"
#include "core/release/obj.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct rw_rec {
	char *ns, *obj;              /* the storage object */
	struct release *rel;
};

/* One decoded object of a list or a watch event. */
struct rw_dec {
	char *ns, *obj;
	struct release *rel;         /* NULL: a record that does not decode (err) */
	char *err;
};

struct rw_job {
	uv_work_t w;
	struct relwatch *rw;         /* NULL once the watcher is gone */
	bool list;
	char *text;
	size_t len;
	/* out */
	char type[12];               /* ADDED, MODIFIED, DELETED, BOOKMARK, ERROR; LIST */
	struct rw_dec *d;
	size_t nd;
	char *rv;
	long code;                   /* an ERROR event's status code (410: list again) */
	char *err;
	struct rw_job *next;
};

struct rw_lock {
	char *ns, *name;
	int version;                 /* the pending revision the lock was read for */
	struct rw_lease l;
	struct http_req *req;
	struct relwatch *rw;
};

struct relwatch {
	struct kube_client *kc;
	char *ns;
	void (*on_change)(void *ud);
	void *ud;
	struct rw_rec *recs;
	size_t n, cap;
	uint64_t version;
	bool synced;
	char *error;
	char *rv;
	struct http_req *req;
	uv_timer_t *timer;
	long backoff_ms;
	struct rw_job *queue, *running;
	struct rw_lock *locks;
	size_t nlocks;
};

static void rw_list(struct relwatch *rw);
static void rw_watch(struct relwatch *rw);
static void job_next(struct relwatch *rw);

static const char *rw_resource(void)
{
	return storage_configmaps() ? "configmaps" : "secrets";
}

static char *rw_path(const struct relwatch *rw, bool watch)
{
	struct strbuf sb = STRBUF_INIT;
	if (rw->ns)
		sb_addf(&sb, "/api/v1/namespaces/%s/%s?labelSelector=owner%%3Dhelm", rw->ns, rw_resource());
	else
		sb_addf(&sb, "/api/v1/%s?labelSelector=owner%%3Dhelm", rw_resource());
	if (watch) {
		sb_adds(&sb, "&watch=1&allowWatchBookmarks=true&resourceVersion=");
		kube_query_escape(&sb, rw->rv ? rw->rv : "");
	}
	return sb_detach(&sb, NULL);
}

static void set_error(struct relwatch *rw, const char *fmt, const char *s)
{
	free(rw->error);
	rw->error = s ? xasprintf(fmt, s) : NULL;
}

/* ---- decoding (thread pool) ---- */

static void dec_object(const struct value *obj, struct rw_dec *d)
{
	const char *ns = obj_str(obj, "metadata.namespace"), *name = obj_str(obj, "metadata.name");
	struct tops_err err = {0};
	d->ns = xstrdup(ns ? ns : "");
	d->obj = xstrdup(name ? name : "");
	if (release_from_object(obj, &d->rel, &err) < 0)
		d->err = xasprintf("%s: %s", d->obj, tops_err_msg(&err));
	tops_err_clear(&err);
}

static void dec_list(struct rw_job *j, const struct value *v)
{
	const struct value *items = value_map_get(v, "items");
	size_t n = items && items->type == V_LIST ? items->u.list.len : 0;
	j->d = xcalloc(n + 1, sizeof *j->d);
	for (size_t i = 0; i < n; i++)
		dec_object(items->u.list.items[i], &j->d[j->nd++]);
	const char *rv = obj_str(v, "metadata.resourceVersion");
	j->rv = rv ? xstrdup(rv) : NULL;
	snprintf(j->type, sizeof j->type, "LIST");
}

static void dec_event(struct rw_job *j, const struct value *v)
{
	const char *type = obj_str(v, "type");
	const struct value *obj = value_map_get(v, "object");
	snprintf(j->type, sizeof j->type, "%s", type ? type : "");
	if (type && !strcmp(type, "ERROR")) {
		const struct value *code = value_map_get(obj, "code");
		j->code = code && code->type == V_INT ? (long)code->u.i : 0;
		const char *msg = obj_str(obj, "message");
		j->err = xstrdup(msg ? msg : "watch error");
		return;
	}
	const char *rv = obj_str(obj, "metadata.resourceVersion");
	j->rv = rv ? xstrdup(rv) : NULL;
	if (!strcmp(j->type, "BOOKMARK"))
		return;
	j->d = xcalloc(1, sizeof *j->d);
	j->nd = 1;
	dec_object(obj, &j->d[0]);
}

static void work_cb(uv_work_t *w)
{
	struct rw_job *j = w->data;
	struct tops_err err = {0};
	struct value *v = value_from_json(j->text, j->len, &err);
	if (!v) {
		j->err = xasprintf("release records: %s", tops_err_msg(&err));
		tops_err_clear(&err);
		return;
	}
	if (j->list)
		dec_list(j, v);
	else
		dec_event(j, v);
	value_unref(v);
}

static void job_free(struct rw_job *j)
{
	for (size_t i = 0; i < j->nd; i++) {
		free(j->d[i].ns), free(j->d[i].obj), free(j->d[i].err);
		release_free(j->d[i].rel);
	}
	free(j->d), free(j->rv), free(j->err), free(j->text);
	free(j);
}

/* ---- applying (loop thread) ---- */

static void rec_drop(struct rw_rec *r)
{
	free(r->ns), free(r->obj);
	release_free(r->rel);
}

static void recs_clear(struct relwatch *rw)
{
	for (size_t i = 0; i < rw->n; i++)
		rec_drop(&rw->recs[i]);
	rw->n = 0;
}

static struct rw_rec *rec_find(struct relwatch *rw, const char *ns, const char *obj)
{
	for (size_t i = 0; i < rw->n; i++)
		if (!strcmp(rw->recs[i].ns, ns) && !strcmp(rw->recs[i].obj, obj))
			return &rw->recs[i];
	return NULL;
}

/* Takes the decoded record out of d. */
static void rec_put(struct relwatch *rw, struct rw_dec *d)
{
	if (d->err)
		set_error(rw, "%s", d->err);
	if (!d->rel)
		return;
	struct rw_rec *r = rec_find(rw, d->ns, d->obj);
	if (!r) {
		if (rw->n == rw->cap) {
			rw->cap = rw->cap ? rw->cap * 2 : 16;
			rw->recs = xrealloc(rw->recs, rw->cap * sizeof *rw->recs);
		}
		r = &rw->recs[rw->n++];
		r->ns = xstrdup(d->ns);
		r->obj = xstrdup(d->obj);
	} else {
		release_free(r->rel);
	}
	r->rel = d->rel;
	d->rel = NULL;
}

static void rec_del(struct relwatch *rw, const struct rw_dec *d)
{
	struct rw_rec *r = rec_find(rw, d->ns, d->obj);
	if (!r)
		return;
	rec_drop(r);
	*r = rw->recs[--rw->n];
}

static void locks_refresh(struct relwatch *rw);
static void retry_later(struct relwatch *rw);

static void job_apply(struct relwatch *rw, struct rw_job *j)
{
	if (j->err && !j->code) {
		set_error(rw, "%s", j->err);
		if (j->list)
			retry_later(rw); /* a list that does not parse: list again later */
		return;
	}
	if (!strcmp(j->type, "ERROR")) {
		free(rw->rv); /* 410 Gone (or another error): list again at the next start */
		rw->rv = NULL;
		return;
	}
	if (j->rv) {
		free(rw->rv);
		rw->rv = xstrdup(j->rv);
	}
	if (!strcmp(j->type, "LIST")) {
		recs_clear(rw);
		set_error(rw, "%s", NULL);
		rw->synced = true;
	}
	for (size_t i = 0; i < j->nd; i++) {
		if (!strcmp(j->type, "DELETED"))
			rec_del(rw, &j->d[i]);
		else
			rec_put(rw, &j->d[i]);
	}
	if (strcmp(j->type, "BOOKMARK")) {
		rw->version++;
		locks_refresh(rw);
		rw->on_change(rw->ud);
	}
}

static void after_cb(uv_work_t *w, int status)
{
	struct rw_job *j = w->data;
	struct relwatch *rw = j->rw;
	if (rw) {
		rw->running = NULL;
		if (status == 0)
			job_apply(rw, j);
		bool list_again = j->list && !j->err;
		job_free(j);
		if (list_again)
			rw_watch(rw);
		job_next(rw);
		return;
	}
	job_free(j);
}

static void job_next(struct relwatch *rw)
{
	if (rw->running || !rw->queue)
		return;
	struct rw_job *j = rw->queue;
	rw->queue = j->next;
	rw->running = j;
	j->w.data = j;
	if (uv_queue_work(rw->kc->loop, &j->w, work_cb, after_cb) < 0) {
		rw->running = NULL;
		job_free(j);
	}
}

static void job_push(struct relwatch *rw, bool list, char *text, size_t len)
{
	struct rw_job *j = xcalloc(1, sizeof *j);
	j->rw = rw;
	j->list = list;
	j->text = text;
	j->len = len;
	struct rw_job **tail = &rw->queue;
	while (*tail)
		tail = &(*tail)->next;
	*tail = j;
	job_next(rw);
}

/* ---- requests ---- */

static void retry_cb(uv_timer_t *t)
{
	struct relwatch *rw = t->data;
	if (rw->rv)
		rw_watch(rw);
	else
		rw_list(rw);
}

static void retry_later(struct relwatch *rw)
{
	rw->backoff_ms = rw->backoff_ms ? rw->backoff_ms * 2 : 500;
	if (rw->backoff_ms > 10000)
		rw->backoff_ms = 10000;
	uv_timer_start(rw->timer, retry_cb, (uint64_t)rw->backoff_ms, 0);
}

static void list_done(struct http_req *r, struct http_result *res, void *ud)
{
	struct relwatch *rw = ud;
	rw->req = NULL;
	if (res->err || res->status != 200) {
		struct tops_err err = {0};
		if (res->err)
			tops_err_set(&err, -res->err, "%s", res->errmsg ? res->errmsg : "request failed");
		else
			kube_status_error(res->status, res->body, &err);
		set_error(rw, "release records: %s", tops_err_msg(&err));
		tops_err_clear(&err);
		rw->on_change(rw->ud);
		retry_later(rw);
		return;
	}
	rw->backoff_ms = 0;
	char *body = res->body;
	res->body = NULL;
	job_push(rw, true, body, res->len);
}

static void rw_list(struct relwatch *rw)
{
	char *path = rw_path(rw, false);
	struct tops_err err = {0};
	struct http_request rq = {.url = path, .accept = "application/json", .timeout_ms = 60000,
				  .on_done = list_done, .ud = rw};
	rw->req = kube_request(rw->kc, &rq, &err);
	if (!rw->req) {
		set_error(rw, "release records: %s", tops_err_msg(&err));
		retry_later(rw);
	}
	tops_err_clear(&err);
	free(path);
}

static void watch_line(struct http_req *r, const char *line, size_t len, void *ud)
{
	struct relwatch *rw = ud;
	if (len)
		job_push(rw, false, xstrndup(line, len), len);
}

static void watch_done(struct http_req *r, struct http_result *res, void *ud)
{
	struct relwatch *rw = ud;
	rw->req = NULL;
	if (res->status == 410)
		free(rw->rv), rw->rv = NULL;
	if (res->err || (res->status && res->status != 200)) {
		retry_later(rw);
		return;
	}
	rw->backoff_ms = 0;
	uv_timer_start(rw->timer, retry_cb, 0, 0); /* a normal end: resume at once */
}

static void rw_watch(struct relwatch *rw)
{
	if (!rw->rv) {
		rw_list(rw);
		return;
	}
	char *path = rw_path(rw, true);
	struct tops_err err = {0};
	struct http_request rq = {.url = path, .accept = "application/json", .on_line = watch_line,
				  .on_done = watch_done, .ud = rw, .max_body = 8 << 20};
	rw->req = kube_request(rw->kc, &rq, &err);
	if (!rw->req)
		retry_later(rw);
	tops_err_clear(&err);
	free(path);
}

/* ---- the locks of pending releases ---- */

static bool pending(const struct release *r)
{
	return r->info.status == RS_PENDING_INSTALL || r->info.status == RS_PENDING_UPGRADE ||
	       r->info.status == RS_PENDING_ROLLBACK;
}

static void lease_done(struct http_req *r, struct http_result *res, void *ud)
{
	struct rw_lock *lk = ud;
	lk->req = NULL;
	struct value *v = res->status == 200 ? value_from_json(res->body, res->len, NULL) : NULL;
	if (v) {
		const char *h = obj_str(v, "spec.holderIdentity"), *op = obj_str(v, "metadata.annotations.tops/operation");
		lk->l.holder = xstrdup(h ? h : "");
		lk->l.operation = op ? xstrdup(op) : NULL;
		lk->l.acquired = time_parse_rfc3339(obj_str(v, "spec.acquireTime") ? obj_str(v, "spec.acquireTime") : "");
		lk->l.renewed = time_parse_rfc3339(obj_str(v, "spec.renewTime") ? obj_str(v, "spec.renewTime") : "");
		value_unref(v);
		lk->rw->version++;
		lk->rw->on_change(lk->rw->ud);
	}
}

static void lock_free(struct rw_lock *lk)
{
	if (lk->req)
		http_cancel(lk->req);
	free(lk->ns), free(lk->name), free(lk->l.holder), free(lk->l.operation);
}

static struct rw_lock *lock_find(const struct relwatch *rw, const char *ns, const char *name)
{
	for (size_t i = 0; i < rw->nlocks; i++)
		if (!strcmp(rw->locks[i].ns, ns) && !strcmp(rw->locks[i].name, name))
			return &rw->locks[i];
	return NULL;
}

static void lock_start(struct relwatch *rw, struct rw_lock *lk)
{
	char *path = xasprintf("/apis/coordination.k8s.io/v1/namespaces/%s/leases/tops-release-%s",
			       lk->ns, lk->name);
	struct http_request rq = {.url = path, .accept = "application/json", .timeout_ms = 15000,
				  .on_done = lease_done, .ud = lk};
	lk->rw = rw;
	lk->req = kube_request(rw->kc, &rq, NULL);
	free(path);
}

/* One lock entry per pending release, read again when the pending revision changes. Entries
 * are only added while the watcher lives (their addresses stay valid for their requests). */
static void locks_refresh(struct relwatch *rw)
{
	struct history h;
	relwatch_latest(rw, &h);
	for (size_t i = 0; i < h.n; i++) {
		const struct release *r = h.r[i];
		if (!pending(r))
			continue;
		struct rw_lock *lk = lock_find(rw, r->namespace_, r->name);
		if (lk && lk->version == r->version)
			continue;
		if (!lk) {
			if (rw->nlocks == 64)
				continue;
			lk = &rw->locks[rw->nlocks++];
			memset(lk, 0, sizeof *lk);
			lk->ns = xstrdup(r->namespace_);
			lk->name = xstrdup(r->name);
		} else {
			if (lk->req)
				http_cancel(lk->req), lk->req = NULL;
			free(lk->l.holder), free(lk->l.operation);
			memset(&lk->l, 0, sizeof lk->l);
		}
		lk->version = r->version;
		lock_start(rw, lk);
	}
	relwatch_history_done(&h);
}

/* ---- public ---- */

struct relwatch *relwatch_new(struct kube_client *kc, const char *ns, void (*on_change)(void *ud),
			      void *ud)
{
	struct relwatch *rw = xcalloc(1, sizeof *rw);
	rw->kc = kc;
	rw->ns = ns ? xstrdup(ns) : NULL;
	rw->on_change = on_change;
	rw->ud = ud;
	rw->locks = xcalloc(64, sizeof *rw->locks);
	rw->timer = xmalloc(sizeof *rw->timer);
	uv_timer_init(kc->loop, rw->timer);
	rw->timer->data = rw;
	rw_list(rw);
	return rw;
}

static void timer_closed(uv_handle_t *h)
{
	free(h);
}

void relwatch_free(struct relwatch *rw)
{
	if (!rw)
		return;
	if (rw->req)
		http_cancel(rw->req);
	uv_close((uv_handle_t *)rw->timer, timer_closed);
	if (rw->running)
		rw->running->rw = NULL; /* freed by its after_cb */
	for (struct rw_job *j = rw->queue, *next; j; j = next)
		next = j->next, job_free(j);
	for (size_t i = 0; i < rw->nlocks; i++)
		lock_free(&rw->locks[i]);
	free(rw->locks);
	recs_clear(rw);
	free(rw->recs), free(rw->ns), free(rw->rv), free(rw->error);
	free(rw);
}

uint64_t relwatch_version(const struct relwatch *rw) { return rw->version; }
bool relwatch_synced(const struct relwatch *rw) { return rw->synced; }
const char *relwatch_error(const struct relwatch *rw) { return rw->error; }

static int by_version(const void *a, const void *b)
{
	const struct release *x = *(struct release *const *)a, *y = *(struct release *const *)b;
	int c = strcmp(x->namespace_ ? x->namespace_ : "", y->namespace_ ? y->namespace_ : "");
	if (!c)
		c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
	return c ? c : x->version - y->version;
}

void relwatch_history(const struct relwatch *rw, const char *ns, const char *name, struct history *h)
{
	memset(h, 0, sizeof *h);
	h->r = xcalloc(rw->n + 1, sizeof *h->r);
	for (size_t i = 0; i < rw->n; i++) {
		const struct release *r = rw->recs[i].rel;
		if ((!ns || (r->namespace_ && !strcmp(r->namespace_, ns))) &&
		    (!name || (r->name && !strcmp(r->name, name))))
			h->r[h->n++] = rw->recs[i].rel;
	}
	qsort(h->r, h->n, sizeof *h->r, by_version);
}

void relwatch_history_done(struct history *h)
{
	free(h->r);
	memset(h, 0, sizeof *h);
}

void relwatch_latest(const struct relwatch *rw, struct history *h)
{
	relwatch_history(rw, NULL, NULL, h);
	size_t k = 0;
	for (size_t i = 0; i < h->n; i++) {
		bool last = i + 1 == h->n || strcmp(h->r[i]->name, h->r[i + 1]->name) ||
			    strcmp(h->r[i]->namespace_, h->r[i + 1]->namespace_);
		if (last)
			h->r[k++] = h->r[i];
	}
	h->n = k;
}

const struct rw_lease *relwatch_lease(const struct relwatch *rw, const char *ns, const char *name)
{
	const struct rw_lock *lk = lock_find(rw, ns, name);
	return lk && lk->l.holder ? &lk->l : NULL;
}

void relwatch_chart_cell(const struct release *r, char *buf, size_t n)
{
	const struct value *m = value_map_get(r->chart, "metadata");
	const struct value *nm = value_map_get(m, "name"), *v = value_map_get(m, "version");
	snprintf(buf, n, "%s-%s", nm && nm->type == V_STRING ? nm->u.str.s : "",
		 v && v->type == V_STRING ? v->u.str.s : "");
}

const char *relwatch_app_version(const struct release *r)
{
	const struct value *v = value_map_path(r->chart, "metadata.appVersion");
	return v && v->type == V_STRING ? v->u.str.s : "";
}

void relwatch_time_cell(const struct release *r, char *buf, size_t n)
{
	time_t s = (time_t)r->info.last_deployed.sec;
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

