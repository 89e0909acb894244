/* informer — list+watch state machine feeding a store (client-go's reflector, in small). */
#include "core/kube/informer.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ASYNC_PARSE_MIN 65536   /* pages at least this big are parsed on the thread pool */

/* One parsed list page. */
struct page {
	union st_record **recs;
	size_t n, cap;
	char *rv, *cont;
	struct tops_err err;
	bool bad;
};

struct informer {
	struct informer_env env;
	struct store *store;
	struct informer_opts o;
	char *ns, *lsel_text, *fsel_text;
	struct kube_selector *lsel, *fsel;
	enum informer_state st;
	bool synced, started;
	char *rv;               /* last resourceVersion seen */
	void *req;              /* the request in flight */
	struct page acc;        /* records of the list so far */
	char *cont;
	uint32_t attempts;
	uint64_t backoff_ms;
	bool watch_active;      /* got an event on the current watch */
	uint64_t watch_started;
	struct informer_stats stats;
	/* off-thread parsing */
	uv_work_t work;
	char *work_body;
	size_t work_len;
	struct page work_page;
	bool parsing, free_after_parse;
	uint64_t gen, work_gen;   /* a parse result is used only by the request that asked for it */
	/* read-ahead: the next page is requested while this one is parsed (see prefetch_start) */
	char *pre_token;        /* continue token of the request in inf->req, when it is ahead */
	struct {
		void *handle;       /* its reply, when it came before the parse finished */
		long status;
		char *body;
		size_t len;
		struct tops_err err;
	} held;
};

static void start_list(struct informer *inf);
static void start_watch(struct informer *inf);

static void set_state(struct informer *inf, enum informer_state st, const struct tops_err *err)
{
	inf->st = st;
	if (inf->o.on_state)
		inf->o.on_state(inf, st, err, inf->o.ud);
}

static void page_clear(struct page *p, enum kube_kind k)
{
	for (size_t i = 0; i < p->n; i++)
		store_record_free(k, p->recs[i]);
	free(p->recs);
	free(p->rv);
	free(p->cont);
	tops_err_clear(&p->err);
	memset(p, 0, sizeof *p);
}

static void page_push(struct page *p, union st_record *r)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->recs = xrealloc(p->recs, p->cap * sizeof *p->recs);
	}
	p->recs[p->n++] = r;
}

/* --- matching (the server filters too; this keeps a store exact against a server that
 * ignores a selector) --- */

static bool matches(const struct informer *inf, const union st_record *r)
{
	if (inf->ns && *inf->ns && strcmp(r->meta.namespace_, inf->ns) != 0)
		return false;
	if (!kube_selector_match(inf->lsel, store_label_lookup, &r->meta))
		return false;
	struct st_ref ref = {inf->o.kind, r};
	return kube_selector_match(inf->fsel, store_field_lookup, &ref);
}

/* --- parsing --- */

/* Parses a list page held in buf (malloc'd, len + 1 bytes; freed here) into records. */
static void parse_page(enum kube_kind k, char *buf, size_t len, struct page *p)
{
	struct tops_err e = {0};
	struct jdom *d = jdom_parse_owned(buf, len, &e);
	const struct jd *j = d ? jdom_root(d) : NULL, *items = jd_get(j, "items");
	if (!jd_is(j, JD_OBJECT) || (items && !jd_is(items, JD_ARRAY) && !jd_is(items, JD_NULL))) {
		p->bad = true;
		tops_err_set(&p->err, TOPS_EINVAL, "the server sent a list that is not valid JSON "
			     "(%zu bytes): %s", len, d ? "not an object list" : tops_err_msg(&e));
		tops_err_clear(&e);
		jdom_free(d);
		return;
	}
	const struct jd *md = jd_get(j, "metadata");
	p->rv = xstrdup(jd_str(md, "resourceVersion") ? jd_str(md, "resourceVersion") : "");
	p->cont = xstrdup(jd_str(md, "continue") ? jd_str(md, "continue") : "");
	if (jd_count(items) > p->cap) {
		p->cap = jd_count(items);
		p->recs = xrealloc(p->recs, p->cap * sizeof *p->recs);
	}
	JD_FOREACH(it, items) {
		union st_record *r = store_project(k, it, NULL);
		if (r)
			page_push(p, r);
	}
	jdom_free(d);
}

/* --- backoff and timers --- */

static void schedule_backoff(struct informer *inf, const struct tops_err *err)
{
	uint64_t base = inf->o.backoff_base_ms ? inf->o.backoff_base_ms : 500;
	uint64_t cap = inf->o.backoff_cap_ms ? inf->o.backoff_cap_ms : 30000;
	uint32_t shift = inf->attempts < 30 ? inf->attempts : 30;
	uint64_t d = base << shift;
	if (d > cap || d < base)
		d = cap;
	/* equal jitter: half fixed, half random, so the delay stays within the cap */
	uint64_t half = d / 2;
	inf->backoff_ms = half + (inf->env.random(inf->env.ctx) % (d - half + 1));
	inf->attempts++;
	inf->stats.errors++;
	set_state(inf, INF_BACKOFF, err);
	inf->env.timer(inf->env.ctx, inf, inf->backoff_ms);
}

static void arm_silence(struct informer *inf)
{
	inf->env.timer(inf->env.ctx, inf, inf->o.silence_ms ? inf->o.silence_ms : 300000);
}

static void prefetch_drop(struct informer *inf);

static void cancel_req(struct informer *inf)
{
	prefetch_drop(inf);
	inf->gen++;
	if (inf->req)
		inf->env.cancel(inf->env.ctx, inf->req);
	inf->req = NULL;
}

void informer_timer(struct informer *inf)
{
	if (inf->st == INF_WATCHING) {
		inf->stats.silences++;
		cancel_req(inf);
		start_watch(inf);
	} else if (inf->st == INF_BACKOFF) {
		inf->backoff_ms = 0;
		inf->stats.reconnects++;
		if (inf->synced && inf->rv && *inf->rv)
			start_watch(inf);
		else
			start_list(inf);
	}
}

/* --- list --- */

static void add_selectors(const struct informer *inf, struct strbuf *q)
{
	if (inf->lsel_text && *inf->lsel_text) {
		sb_adds(q, "&labelSelector=");
		kube_query_escape(q, inf->lsel_text);
	}
	if (inf->fsel_text && *inf->fsel_text) {
		sb_adds(q, "&fieldSelector=");
		kube_query_escape(q, inf->fsel_text);
	}
}

static char *list_path(const struct informer *inf, const char *cont)
{
	struct strbuf q = STRBUF_INIT;
	sb_addf(&q, "limit=%u", inf->o.page_size ? inf->o.page_size : 500);
	if (cont && *cont) {
		sb_adds(&q, "&continue=");
		kube_query_escape(&q, cont);
	}
	add_selectors(inf, &q);
	char *path = kube_path(inf->o.kind, inf->ns, NULL, sb_str(&q));
	sb_done(&q);
	return path;
}

static void start_list(struct informer *inf)
{
	if (!inf->cont || !*inf->cont)
		page_clear(&inf->acc, inf->o.kind);
	char *path = list_path(inf, inf->cont);
	if (inf->st != INF_LISTING)
		set_state(inf, INF_LISTING, NULL);
	inf->req = inf->env.start(inf->env.ctx, inf, path, false);
	free(path);
	if (!inf->req) {
		struct tops_err e = {TOPS_ENET, (char *)"cannot start the list request"};
		free(inf->cont);
		inf->cont = NULL;
		schedule_backoff(inf, &e);
	}
}

/* --- read-ahead of list pages --- */

/* While a page is parsed off the loop, requests the next one, so the server works meanwhile. */
static void prefetch_start(struct informer *inf, const char *body, size_t len)
{
	char *tok = kube_scan_continue(body, len);
	if (!tok)
		return;
	char *path = list_path(inf, tok);
	inf->req = inf->env.start(inf->env.ctx, inf, path, false);
	free(path);
	if (inf->req)
		inf->pre_token = tok;
	else
		free(tok);
}

static void prefetch_drop(struct informer *inf)
{
	if (inf->pre_token && inf->req)
		inf->env.cancel(inf->env.ctx, inf->req);
	if (inf->pre_token)
		inf->req = NULL;
	free(inf->pre_token);
	inf->pre_token = NULL;
	free(inf->held.body);
	tops_err_clear(&inf->held.err);
	memset(&inf->held, 0, sizeof inf->held);
}

/* A reply to the read-ahead request that came while the previous page was being parsed. */
static void prefetch_hold(struct informer *inf, void *handle, long status, char *body,
			  size_t len, const struct tops_err *err)
{
	inf->held.handle = handle;
	inf->held.status = status;
	inf->held.body = body;
	inf->held.len = len;
	if (err && err->code)
		tops_err_set(&inf->held.err, err->code, "%s", tops_err_msg(err));
	inf->req = NULL;
}

/* After a page: true when the read-ahead request asked for the page that comes next (its
 * reply, if held, is processed now); otherwise it is dropped and false returned. */
static bool prefetch_use(struct informer *inf)
{
	if (!inf->pre_token || !inf->cont || strcmp(inf->pre_token, inf->cont) != 0) {
		prefetch_drop(inf);
		return false;
	}
	free(inf->pre_token);
	inf->pre_token = NULL;
	if (inf->held.handle) {
		struct tops_err e = inf->held.err;
		char *body = inf->held.body;
		long status = inf->held.status;
		size_t len = inf->held.len;
		inf->req = inf->held.handle;
		memset(&inf->held, 0, sizeof inf->held);
		informer_list_done_owned(inf, inf->req, status, &body, len, e.code ? &e : NULL);
		free(body);
		tops_err_clear(&e);
	}
	return true;
}

struct key_set {
	char **ns, **name;
	size_t n;
};

static int cmp_key(const union st_record *a, const char *ns, const char *name)
{
	int c = strcmp(a->meta.namespace_, ns);
	return c ? c : strcmp(a->meta.name, name);
}

static int cmp_rec_p(const void *a, const void *b)
{
	const union st_record *x = *(union st_record *const *)a, *y = *(union st_record *const *)b;
	return cmp_key(x, y->meta.namespace_, y->meta.name);
}

static bool in_sorted(union st_record **v, size_t n, const union st_record *r)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = cmp_key(v[mid], r->meta.namespace_, r->meta.name);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

struct gone_ctx {
	struct informer *inf;
	struct key_set gone;
};

static void collect_gone(const union st_record *r, void *ud)
{
	struct gone_ctx *g = ud;
	struct informer *inf = g->inf;
	if (!matches(inf, r) || in_sorted(inf->acc.recs, inf->acc.n, r))
		return;
	g->gone.ns = xrealloc(g->gone.ns, (g->gone.n + 1) * sizeof(char *));
	g->gone.name = xrealloc(g->gone.name, (g->gone.n + 1) * sizeof(char *));
	g->gone.ns[g->gone.n] = xstrdup(r->meta.namespace_);
	g->gone.name[g->gone.n++] = xstrdup(r->meta.name);
}

/* The list is complete: make the store equal to it, notifying only real differences. */
static void finish_list(struct informer *inf)
{
	enum kube_kind k = inf->o.kind;
	qsort(inf->acc.recs, inf->acc.n, sizeof *inf->acc.recs, cmp_rec_p);
	struct gone_ctx g = {inf, {0}};
	store_foreach(inf->store, k, collect_gone, &g);
	for (size_t i = 0; i < g.gone.n; i++) {
		store_delete(inf->store, k, g.gone.ns[i], g.gone.name[i]);
		free(g.gone.ns[i]);
		free(g.gone.name[i]);
	}
	free(g.gone.ns);
	free(g.gone.name);
	for (size_t i = 0; i < inf->acc.n; i++)
		store_apply(inf->store, k, ST_ADDED, inf->acc.recs[i]);
	inf->acc.n = 0;
	free(inf->rv);
	inf->rv = xstrdup(inf->acc.rv ? inf->acc.rv : "");
	page_clear(&inf->acc, k);
	inf->stats.lists++;
	/* parsing the pages left freed heap behind (also in worker arenas): give it back */
	malloc_trim(0);
	bool first = !inf->synced;
	inf->synced = true;
	if (first && inf->o.on_synced)
		inf->o.on_synced(inf, inf->o.ud);
	if (inf->st == INF_LISTING)
		start_watch(inf);
}

/* A parsed page arrived (loop thread). */
static void page_ready(struct informer *inf, struct page *p)
{
	if (p->bad) {
		struct tops_err e = p->err;
		p->err = (struct tops_err){0};
		page_clear(p, inf->o.kind);
		prefetch_drop(inf);
		free(inf->cont);
		inf->cont = NULL;
		schedule_backoff(inf, &e);
		tops_err_clear(&e);
		return;
	}
	inf->stats.list_pages++;
	inf->attempts = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (matches(inf, p->recs[i]))
			page_push(&inf->acc, p->recs[i]);
		else
			store_record_free(inf->o.kind, p->recs[i]);
	}
	p->n = 0;
	free(inf->acc.rv);
	inf->acc.rv = p->rv;
	p->rv = NULL;
	free(inf->cont);
	inf->cont = p->cont && *p->cont ? xstrdup(p->cont) : NULL;
	page_clear(p, inf->o.kind);
	if (prefetch_use(inf))
		return;
	if (inf->cont)
		start_list(inf);
	else
		finish_list(inf);
}

static void parse_work_cb(uv_work_t *w)
{
	struct informer *inf = w->data;
	char *buf = inf->work_body;
	inf->work_body = NULL;   /* parse_page frees it */
	parse_page(inf->o.kind, buf, inf->work_len, &inf->work_page);
}

static void parse_after_cb(uv_work_t *w, int status)
{
	struct informer *inf = w->data;
	(void)status;
	inf->parsing = false;
	free(inf->work_body);
	inf->work_body = NULL;
	if (inf->free_after_parse) {
		page_clear(&inf->work_page, inf->o.kind);
		informer_free(inf);
		return;
	}
	if (inf->st != INF_LISTING || inf->work_gen != inf->gen) {   /* stopped or restarted meanwhile */
		page_clear(&inf->work_page, inf->o.kind);
		return;
	}
	struct page p = inf->work_page;
	memset(&inf->work_page, 0, sizeof inf->work_page);
	page_ready(inf, &p);
}

/* The body as a buffer of the informer's own: taken from *own when given, else copied. */
static char *take_body(const char *body, char **own, size_t len)
{
	if (own && *own) {
		char *b = *own;
		*own = NULL;
		return b;
	}
	char *b = xmalloc(len + 1);
	memcpy(b, body ? body : "", len);
	b[len] = '\0';
	return b;
}

static void list_done(struct informer *inf, void *handle, long status, const char *body,
		      char **own, size_t len, const struct tops_err *err)
{
	if (handle != inf->req || inf->st != INF_LISTING)
		return;
	if (inf->parsing) {   /* the read-ahead reply, before the page it follows is parsed */
		prefetch_hold(inf, handle, status, take_body(body, own, len), len, err);
		return;
	}
	inf->req = NULL;
	if (status == 410) {
		/* the continue token expired: start over */
		inf->stats.relists_410++;
		free(inf->cont);
		inf->cont = NULL;
		start_list(inf);
		return;
	}
	if (status != 200) {
		struct tops_err e = {0};
		if (!err || !err->code)
			kube_status_error(status, body, &e);
		free(inf->cont);
		inf->cont = NULL;
		schedule_backoff(inf, err && err->code ? err : &e);
		tops_err_clear(&e);
		return;
	}
	char *buf = take_body(body, own, len);
	if (inf->env.loop && len >= ASYNC_PARSE_MIN) {
		prefetch_start(inf, buf, len);   /* before the worker rewrites buf in place */
		inf->work_body = buf;
		inf->work_len = len;
		inf->work.data = inf;
		inf->work_gen = inf->gen;
		inf->parsing = true;
		if (uv_queue_work(inf->env.loop, &inf->work, parse_work_cb, parse_after_cb) == 0)
			return;
		inf->parsing = false;
		inf->work_body = NULL;
		prefetch_drop(inf);
	}
	struct page p = {0};
	parse_page(inf->o.kind, buf, len, &p);
	page_ready(inf, &p);
}

void informer_list_done(struct informer *inf, void *handle, long status, const char *body,
			size_t len, const struct tops_err *err)
{
	list_done(inf, handle, status, body, NULL, len, err);
}

void informer_list_done_owned(struct informer *inf, void *handle, long status, char **body,
			      size_t len, const struct tops_err *err)
{
	list_done(inf, handle, status, *body, body, len, err);
}

/* --- watch --- */

static void start_watch(struct informer *inf)
{
	struct strbuf q = STRBUF_INIT;
	uint32_t to = inf->o.watch_timeout_s;
	if (!to)
		to = 300 + inf->env.random(inf->env.ctx) % 300;
	sb_addf(&q, "watch=1&allowWatchBookmarks=true&timeoutSeconds=%u&resourceVersion=", to);
	kube_query_escape(&q, inf->rv ? inf->rv : "");
	add_selectors(inf, &q);
	char *path = kube_path(inf->o.kind, inf->ns, NULL, sb_str(&q));
	sb_done(&q);
	inf->watch_active = false;
	inf->watch_started = inf->env.now(inf->env.ctx);
	inf->stats.watches++;
	set_state(inf, INF_WATCHING, NULL);
	inf->req = inf->env.start(inf->env.ctx, inf, path, true);
	free(path);
	if (!inf->req) {
		struct tops_err e = {TOPS_ENET, (char *)"cannot start the watch request"};
		schedule_backoff(inf, &e);
		return;
	}
	arm_silence(inf);
}

static void relist(struct informer *inf)
{
	cancel_req(inf);
	inf->stats.relists_410++;
	free(inf->rv);
	inf->rv = NULL;
	free(inf->cont);
	inf->cont = NULL;
	inf->env.timer_stop(inf->env.ctx, inf);
	struct tops_err e = {TOPS_EGONE, (char *)"resourceVersion expired (410 Gone); relisting"};
	set_state(inf, INF_LISTING, &e);
	start_list(inf);
}

static void watch_failed(struct informer *inf, const char *why)
{
	struct tops_err e = {TOPS_EINVAL, (char *)why};
	cancel_req(inf);
	schedule_backoff(inf, &e);
}

static void apply_event(struct informer *inf, const char *type, const struct jd *obj)
{
	static const struct { const char *name; enum st_op op; } ops[] = {
		{"ADDED", ST_ADDED}, {"MODIFIED", ST_MODIFIED}, {"DELETED", ST_DELETED}};
	size_t i;
	for (i = 0; i < ARRAY_LEN(ops); i++)
		if (strcmp(type, ops[i].name) == 0)
			break;
	if (i == ARRAY_LEN(ops))
		return;
	union st_record *r = store_project(inf->o.kind, obj, NULL);
	if (!r)
		return;
	const char *rv = r->meta.resource_version;
	if (*rv) {
		free(inf->rv);
		inf->rv = xstrdup(rv);
	}
	enum st_op op = ops[i].op;
	if (op != ST_DELETED && !matches(inf, r))
		op = ST_DELETED;   /* no longer selected: gone from this view */
	store_apply(inf->store, inf->o.kind, op, r);
}

void informer_watch_line(struct informer *inf, void *handle, const char *line, size_t len)
{
	if (handle != inf->req || inf->st != INF_WATCHING)
		return;
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\r'))
		len--;
	if (!len)
		return;
	struct jdom *d = jdom_parse(line, len, NULL);
	const struct jd *j = d ? jdom_root(d) : NULL, *obj = jd_get(j, "object");
	const char *type = jd_str(j, "type");
	if (!type || !jd_is(obj, JD_OBJECT)) {
		jdom_free(d);
		watch_failed(inf, "the server sent a watch event that is not valid JSON");
		return;
	}
	arm_silence(inf);
	inf->watch_active = true;
	inf->attempts = 0;
	inf->stats.events++;
	if (strcmp(type, "BOOKMARK") == 0) {
		const char *rv = jd_str(jd_get(obj, "metadata"), "resourceVersion");
		inf->stats.bookmarks++;
		if (rv && *rv) {
			free(inf->rv);
			inf->rv = xstrdup(rv);
		}
	} else if (strcmp(type, "ERROR") == 0) {
		if (jd_int(obj, "code", 0) == 410) {
			relist(inf);
		} else {
			const char *msg = jd_str(obj, "message");
			struct tops_err e = {TOPS_EHTTP, (char *)(msg ? msg : "watch error")};
			cancel_req(inf);
			schedule_backoff(inf, &e);
		}
	} else {
		apply_event(inf, type, obj);
	}
	jdom_free(d);
}

void informer_watch_done(struct informer *inf, void *handle, long status,
			 const struct tops_err *err)
{
	if (handle != inf->req || inf->st != INF_WATCHING)
		return;
	inf->req = NULL;
	if (status == 410) {
		relist(inf);
		return;
	}
	uint64_t lived = inf->env.now(inf->env.ctx) - inf->watch_started;
	if (status == 200 && (!err || !err->code) && (inf->watch_active || lived >= 1000)) {
		/* the server closed a healthy watch (timeoutSeconds): resume at once */
		inf->env.timer_stop(inf->env.ctx, inf);
		start_watch(inf);
		return;
	}
	struct tops_err e = {0};
	if (!err || !err->code) {
		if (status == 200)
			tops_err_set(&e, TOPS_ENET, "the watch closed at once");
		else
			kube_status_error(status, NULL, &e);
	}
	schedule_backoff(inf, err && err->code ? err : &e);
	tops_err_clear(&e);
}

/* --- lifecycle --- */

struct informer *informer_new(const struct informer_env *env, struct store *store,
			      const struct informer_opts *opts)
{
	struct informer *inf = xcalloc(1, sizeof *inf);
	inf->env = *env;
	inf->store = store;
	inf->o = *opts;
	inf->ns = opts->namespace_ && *opts->namespace_ ? xstrdup(opts->namespace_) : NULL;
	inf->lsel_text = opts->label_selector ? xstrdup(opts->label_selector) : NULL;
	inf->fsel_text = opts->field_selector ? xstrdup(opts->field_selector) : NULL;
	inf->o.namespace_ = inf->ns;
	inf->o.label_selector = inf->lsel_text;
	inf->o.field_selector = inf->fsel_text;
	/* a bad selector matches nothing client-side errors are reported by the server */
	kube_selector_parse(inf->lsel_text, false, &inf->lsel, NULL);
	kube_selector_parse(inf->fsel_text, true, &inf->fsel, NULL);
	inf->st = INF_IDLE;
	return inf;
}

void informer_start(struct informer *inf)
{
	inf->started = true;
	inf->attempts = 0;
	if (inf->synced && inf->rv && *inf->rv)
		start_watch(inf);
	else
		start_list(inf);
}

void informer_stop(struct informer *inf)
{
	cancel_req(inf);
	inf->env.timer_stop(inf->env.ctx, inf);
	inf->backoff_ms = 0;
	set_state(inf, INF_STOPPED, NULL);
}

void informer_free(struct informer *inf)
{
	if (!inf)
		return;
	if (!inf->free_after_parse) {
		cancel_req(inf);
		inf->st = INF_STOPPED;
		inf->free_after_parse = inf->parsing;
		inf->env.timer_stop(inf->env.ctx, inf);
	}
	/* a worker still holds the informer: parse_after_cb finishes the job, without touching
	 * the env or the store, which may be gone by then */
	if (inf->parsing)
		return;
	page_clear(&inf->acc, inf->o.kind);
	kube_selector_free(inf->lsel);
	kube_selector_free(inf->fsel);
	free(inf->ns);
	free(inf->lsel_text);
	free(inf->fsel_text);
	free(inf->rv);
	free(inf->cont);
	free(inf);
}

enum informer_state informer_state(const struct informer *inf)
{
	return inf->st;
}

bool informer_synced(const struct informer *inf)
{
	return inf->synced;
}

const char *informer_resource_version(const struct informer *inf)
{
	return inf->rv ? inf->rv : "";
}

uint64_t informer_backoff_ms(const struct informer *inf)
{
	return inf->st == INF_BACKOFF ? inf->backoff_ms : 0;
}

const struct informer_stats *informer_stats(const struct informer *inf)
{
	return &inf->stats;
}

/* --- the real env: kube_request + uv timers --- */

struct kenv_timer {
	uv_timer_t t;
	struct informer *inf;
	struct kenv *owner;
	struct kenv_timer *next;
};

struct kenv {
	struct kube_client *c;
	struct kenv_timer *timers;
};

static void kenv_list_done(struct http_req *r, struct http_result *res, void *ud)
{
	struct tops_err e = {res->err ? -res->err : 0, (char *)res->errmsg};
	informer_list_done_owned(ud, r, res->err ? 0 : res->status, &res->body, res->len,
				 res->err ? &e : NULL);
}

static void kenv_line(struct http_req *r, const char *line, size_t len, void *ud)
{
	informer_watch_line(ud, r, line, len);
}

static void kenv_watch_done(struct http_req *r, struct http_result *res, void *ud)
{
	struct tops_err e = {res->err ? -res->err : 0, (char *)res->errmsg};
	informer_watch_done(ud, r, res->err ? 0 : res->status, res->err ? &e : NULL);
}

static void *kenv_start(void *ctx, struct informer *inf, const char *path, bool watch)
{
	struct kenv *k = ctx;
	struct http_request rq = {.url = path, .accept = "application/json",
				  .on_done = watch ? kenv_watch_done : kenv_list_done, .ud = inf};
	if (watch)
		rq.on_line = kenv_line;
	else
		rq.timeout_ms = k->c->request_timeout_ms ? k->c->request_timeout_ms : 120000;
	struct tops_err err = {0};
	struct http_req *r = kube_request(k->c, &rq, &err);
	if (!r && inf->o.on_state)
		inf->o.on_state(inf, inf->st, &err, inf->o.ud);
	tops_err_clear(&err);
	return r;
}

static void kenv_cancel(void *ctx, void *handle)
{
	(void)ctx;
	http_cancel(handle);
}

static uint64_t kenv_now(void *ctx)
{
	(void)ctx;
	return now_ms();
}

static void kenv_timer_cb(uv_timer_t *t)
{
	struct kenv_timer *kt = t->data;
	informer_timer(kt->inf);
}

static struct kenv_timer *kenv_find(struct kenv *k, struct informer *inf, bool create)
{
	struct kenv_timer *kt;
	for (kt = k->timers; kt; kt = kt->next)
		if (kt->inf == inf)
			return kt;
	if (!create)
		return NULL;
	for (kt = k->timers; kt; kt = kt->next)   /* reuse a slot freed by informer_free */
		if (!kt->inf) {
			kt->inf = inf;
			return kt;
		}
	kt = xcalloc(1, sizeof *kt);
	uv_timer_init(k->c->loop, &kt->t);
	kt->t.data = kt;
	kt->inf = inf;
	kt->owner = k;
	kt->next = k->timers;
	k->timers = kt;
	return kt;
}

static void kenv_timer(void *ctx, struct informer *inf, uint64_t delay)
{
	struct kenv_timer *kt = kenv_find(ctx, inf, true);
	uv_timer_start(&kt->t, kenv_timer_cb, delay, 0);
}

static void kenv_timer_stop(void *ctx, struct informer *inf)
{
	struct kenv_timer *kt = kenv_find(ctx, inf, false);
	if (kt) {
		uv_timer_stop(&kt->t);
		if (inf->st == INF_STOPPED || inf->free_after_parse || !inf->started)
			kt->inf = NULL;
	}
}

static uint32_t kenv_random(void *ctx)
{
	(void)ctx;
	return (uint32_t)random();
}

int informer_env_kube(struct kube_client *c, struct informer_env *env, struct tops_err *err)
{
	(void)err;
	struct kenv *k = xcalloc(1, sizeof *k);
	k->c = c;
	srandom((unsigned)now_ms() ^ (unsigned)getpid());
	*env = (struct informer_env){.ctx = k, .loop = c->loop, .start = kenv_start,
				     .cancel = kenv_cancel, .now = kenv_now, .timer = kenv_timer,
				     .timer_stop = kenv_timer_stop, .random = kenv_random};
	return 0;
}

static void kenv_close_cb(uv_handle_t *h)
{
	free(h->data);
}

void informer_env_kube_free(struct informer_env *env)
{
	struct kenv *k = env->ctx;
	if (!k)
		return;
	for (struct kenv_timer *kt = k->timers, *nx; kt; kt = nx) {
		nx = kt->next;
		uv_timer_stop(&kt->t);
		uv_close((uv_handle_t *)&kt->t, kenv_close_cb);
	}
	free(k);
	env->ctx = NULL;
}
