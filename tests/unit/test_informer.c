/* Unit tests for core/informer: the list/watch state machine driven by a fake clock and a
 * fake transport (410 relist reconciliation, backoff growth + cap + jitter, silent watches). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/kube/informer.h"

#define MAXREQ 64

struct fake_req {
	char path[512];
	bool watch, cancelled;
};

struct fake {
	struct fake_req reqs[MAXREQ];
	int nreqs;
	uint64_t now;
	int64_t timer;        /* delay of the armed timer, -1 none */
	uint32_t rnd;
	int added, modified, deleted, synced;
	char log[4096];
};

static void *f_start(void *ctx, struct informer *inf, const char *path, bool watch)
{
	struct fake *f = ctx;
	(void)inf;
	assert_true(f->nreqs < MAXREQ);
	struct fake_req *r = &f->reqs[f->nreqs++];
	snprintf(r->path, sizeof r->path, "%s", path);
	r->watch = watch;
	return r;
}

static void f_cancel(void *ctx, void *h)
{
	(void)ctx;
	((struct fake_req *)h)->cancelled = true;
}

static uint64_t f_now(void *ctx) { return ((struct fake *)ctx)->now; }
static void f_timer(void *ctx, struct informer *inf, uint64_t d) { (void)inf; ((struct fake *)ctx)->timer = (int64_t)d; }
static void f_timer_stop(void *ctx, struct informer *inf) { (void)inf; ((struct fake *)ctx)->timer = -1; }
static uint32_t f_random(void *ctx) { return ((struct fake *)ctx)->rnd; }

static void on_change(enum kube_kind k, enum st_op op, const union st_record *rec,
		      const union st_record *old, void *ud)
{
	struct fake *f = ud;
	(void)k;
	(void)old;
	static const char *const names[] = {"A", "M", "D"};
	if (op == ST_ADDED) f->added++;
	if (op == ST_MODIFIED) f->modified++;
	if (op == ST_DELETED) f->deleted++;
	size_t l = strlen(f->log);
	snprintf(f->log + l, sizeof f->log - l, "%s:%s ", names[op], rec->meta.name);
}

static void on_synced(struct informer *inf, void *ud)
{
	(void)inf;
	((struct fake *)ud)->synced++;
}

struct rig {
	struct fake f;
	struct store *s;
	struct informer *inf;
};

static struct rig *rig_new(void)
{
	struct rig *r = calloc(1, sizeof *r);
	r->f.timer = -1;
	r->f.now = 1000;
	r->s = store_new();
	store_subscribe(r->s, on_change, &r->f);
	struct informer_env env = {.ctx = &r->f, .start = f_start, .cancel = f_cancel, .now = f_now,
				   .timer = f_timer, .timer_stop = f_timer_stop, .random = f_random};
	struct informer_opts o = {.kind = KK_POD, .namespace_ = "testops", .watch_timeout_s = 300,
				  .silence_ms = 60000, .on_synced = on_synced, .ud = &r->f};
	r->inf = informer_new(&env, r->s, &o);
	return r;
}

static void rig_free(struct rig *r)
{
	informer_free(r->inf);
	store_free(r->s);
	free(r);
}

static struct fake_req *last(struct rig *r)
{
	return &r->f.reqs[r->f.nreqs - 1];
}

static char *pod(const char *name, const char *rv)
{
	return xasprintf("{\"metadata\":{\"name\":\"%s\",\"namespace\":\"testops\",\"resourceVersion\":\"%s\"},"
			 "\"status\":{\"phase\":\"Running\"}}", name, rv);
}

/* A list page with items name:rv pairs. */
static void list_reply(struct rig *r, const char *rv, const char *cont, int n, const char **items)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\"%s\",\"continue\":\"%s\"},\"items\":[", rv, cont);
	for (int i = 0; i < n; i++) {
		char *p = pod(items[2 * i], items[2 * i + 1]);
		sb_addf(&sb, "%s%s", i ? "," : "", p);
		free(p);
	}
	sb_adds(&sb, "]}");
	struct fake_req *q = last(r);
	assert_false(q->watch);
	informer_list_done(r->inf, q, 200, sb.buf, sb.len, NULL);
	sb_done(&sb);
}

static void event(struct rig *r, const char *type, const char *name, const char *rv)
{
	char *p = pod(name, rv);
	char *line = xasprintf("{\"type\":\"%s\",\"object\":%s}", type, p);
	informer_watch_line(r->inf, last(r), line, strlen(line));
	free(line);
	free(p);
}

static void test_list_pages_then_watch(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	informer_start(r->inf);
	assert_int_equal(informer_state(r->inf), INF_LISTING);
	assert_string_equal(last(r)->path, "/api/v1/namespaces/testops/pods?limit=500");
	const char *p1[] = {"a", "1", "b", "2"};
	list_reply(r, "10", "tok%1", 2, p1);
	assert_non_null(strstr(last(r)->path, "limit=500&continue=tok%251"));
	assert_int_equal(r->f.synced, 0);
	const char *p2[] = {"c", "3"};
	list_reply(r, "12", "", 1, p2);
	assert_int_equal(r->f.synced, 1);
	assert_int_equal(r->f.added, 3);
	assert_int_equal(informer_state(r->inf), INF_WATCHING);
	assert_true(last(r)->watch);
	assert_string_equal(last(r)->path, "/api/v1/namespaces/testops/pods?watch=1&allowWatchBookmarks=true"
			    "&timeoutSeconds=300&resourceVersion=12");
	assert_int_equal(r->f.timer, 60000);   /* silence timer armed */
	event(r, "ADDED", "d", "13");
	event(r, "MODIFIED", "a", "14");
	event(r, "DELETED", "b", "15");
	const char *bm = "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"resourceVersion\":\"20\"}}}";
	informer_watch_line(r->inf, last(r), bm, strlen(bm));
	assert_string_equal(informer_resource_version(r->inf), "20");
	assert_int_equal(store_count(r->s, KK_POD), 3);
	assert_int_equal(r->f.added, 4);
	assert_int_equal(r->f.modified, 1);
	assert_int_equal(r->f.deleted, 1);
	assert_int_equal(informer_stats(r->inf)->bookmarks, 1);
	rig_free(r);
}

static void to_watching(struct rig *r)
{
	informer_start(r->inf);
	const char *p[] = {"keep", "1", "change", "2", "gone", "3"};
	list_reply(r, "10", "", 3, p);
	assert_int_equal(informer_state(r->inf), INF_WATCHING);
	r->f.log[0] = '\0';
	r->f.added = r->f.modified = r->f.deleted = 0;
}

static void test_410_relist_reconciles(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	to_watching(r);
	struct fake_req *w = last(r);
	const char *gone = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,"
			   "\"reason\":\"Expired\",\"message\":\"too old resource version\"}}";
	informer_watch_line(r->inf, w, gone, strlen(gone));
	assert_true(w->cancelled);
	assert_int_equal(informer_state(r->inf), INF_LISTING);
	assert_string_equal(last(r)->path, "/api/v1/namespaces/testops/pods?limit=500");
	/* meanwhile: "gone" deleted, "change" modified, "new" created, "keep" untouched */
	const char *p[] = {"change", "7", "keep", "1", "new", "8"};
	list_reply(r, "30", "", 3, p);
	assert_int_equal(r->f.added, 1);
	assert_int_equal(r->f.modified, 1);
	assert_int_equal(r->f.deleted, 1);
	assert_non_null(strstr(r->f.log, "D:gone"));
	assert_non_null(strstr(r->f.log, "M:change"));
	assert_non_null(strstr(r->f.log, "A:new"));
	assert_null(strstr(r->f.log, "keep"));
	assert_int_equal(r->f.synced, 1);   /* synced is reported once */
	assert_non_null(strstr(last(r)->path, "resourceVersion=30"));
	/* a 410 status on the watch request itself does the same */
	informer_watch_done(r->inf, last(r), 410, NULL);
	assert_int_equal(informer_state(r->inf), INF_LISTING);
	assert_int_equal(informer_stats(r->inf)->relists_410, 2);
	rig_free(r);
}

static void test_backoff_growth_cap_jitter(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	to_watching(r);
	struct tops_err e = {TOPS_ENET, (char *)"connection refused"};
	uint64_t prev = 0;
	for (int i = 0; i < 12; i++) {
		r->f.rnd = 0;   /* lowest jitter: half the step */
		informer_watch_done(r->inf, last(r), 0, &e);
		assert_int_equal(informer_state(r->inf), INF_BACKOFF);
		uint64_t d = informer_backoff_ms(r->inf);
		uint64_t step = 500ull << i;
		if (step > 30000)
			step = 30000;
		assert_int_equal(d, step / 2);
		assert_true(d >= prev);
		assert_true(d <= 30000);
		assert_int_equal(r->f.timer, (int64_t)d);
		prev = d;
		/* the timer fires: reconnect the watch from the last resourceVersion */
		informer_timer(r->inf);
		assert_int_equal(informer_state(r->inf), INF_WATCHING);
		assert_true(last(r)->watch);
		assert_non_null(strstr(last(r)->path, "resourceVersion=10"));
	}
	/* highest jitter stays within the cap */
	r->f.rnd = 0xffffffffu;
	informer_watch_done(r->inf, last(r), 0, &e);
	assert_true(informer_backoff_ms(r->inf) <= 30000);
	assert_true(informer_backoff_ms(r->inf) >= 15000);
	informer_timer(r->inf);
	/* an event resets the attempt count */
	event(r, "ADDED", "z", "11");
	r->f.rnd = 0;
	informer_watch_done(r->inf, last(r), 500, NULL);
	assert_int_equal(informer_backoff_ms(r->inf), 250);
	assert_int_equal(informer_stats(r->inf)->reconnects, 13);
	rig_free(r);
}

static void test_jitter_spreads(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	to_watching(r);
	struct tops_err e = {TOPS_ENET, (char *)"reset"};
	r->f.rnd = 123457;
	informer_watch_done(r->inf, last(r), 0, &e);
	uint64_t d = informer_backoff_ms(r->inf);
	assert_int_equal(d, 250 + 123457 % 251);
	rig_free(r);
}

static void test_silent_watch_restarts(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	to_watching(r);
	struct fake_req *w = last(r);
	int before = r->f.nreqs;
	r->f.now += 60000;
	informer_timer(r->inf);    /* the silence timer */
	assert_true(w->cancelled);
	assert_int_equal(r->f.nreqs, before + 1);
	assert_true(last(r)->watch);
	assert_non_null(strstr(last(r)->path, "resourceVersion=10"));
	assert_int_equal(informer_stats(r->inf)->silences, 1);
	assert_int_equal(r->f.timer, 60000);
	/* events re-arm the silence timer */
	r->f.timer = -1;
	event(r, "MODIFIED", "keep", "11");
	assert_int_equal(r->f.timer, 60000);
	rig_free(r);
}

static void test_normal_close_resumes(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	to_watching(r);
	event(r, "MODIFIED", "keep", "15");
	informer_watch_done(r->inf, last(r), 200, NULL);
	assert_int_equal(informer_state(r->inf), INF_WATCHING);
	assert_non_null(strstr(last(r)->path, "resourceVersion=15"));
	/* a watch that closes at once without events backs off instead of spinning */
	informer_watch_done(r->inf, last(r), 200, NULL);
	assert_int_equal(informer_state(r->inf), INF_BACKOFF);
	rig_free(r);
}

static void test_list_errors_back_off(void **state)
{
	(void)state;
	struct rig *r = rig_new();
	informer_start(r->inf);
	informer_list_done(r->inf, last(r), 500, "{\"kind\":\"Status\",\"message\":\"etcd down\"}", 40, NULL);
	assert_int_equal(informer_state(r->inf), INF_BACKOFF);
	informer_timer(r->inf);
	assert_int_equal(informer_state(r->inf), INF_LISTING);
	assert_false(last(r)->watch);
	const char *junk = "{\"kind\":\"PodList\",\"items\":[{\"metadata\"";
	informer_list_done(r->inf, last(r), 200, junk, strlen(junk), NULL);
	assert_int_equal(informer_state(r->inf), INF_BACKOFF);
	assert_int_equal(r->f.synced, 0);
	informer_timer(r->inf);
	const char *p[] = {"a", "1"};
	list_reply(r, "5", "", 1, p);
	assert_int_equal(r->f.synced, 1);
	/* garbage on the watch stream: back off and resume from the last resourceVersion */
	informer_watch_line(r->inf, last(r), "not json", 8);
	assert_int_equal(informer_state(r->inf), INF_BACKOFF);
	informer_timer(r->inf);
	assert_non_null(strstr(last(r)->path, "resourceVersion=5"));
	/* results for cancelled or stale handles are ignored */
	informer_list_done(r->inf, &r->f.reqs[0], 200, "{}", 2, NULL);
	assert_int_equal(informer_state(r->inf), INF_WATCHING);
	informer_stop(r->inf);
	assert_int_equal(informer_state(r->inf), INF_STOPPED);
	assert_int_equal(r->f.timer, -1);
	rig_free(r);
}

static void test_label_selector_scope(void **state)
{
	(void)state;
	struct fake f = {.timer = -1};
	struct store *s = store_new();
	store_subscribe(s, on_change, &f);
	struct informer_env env = {.ctx = &f, .start = f_start, .cancel = f_cancel, .now = f_now,
				   .timer = f_timer, .timer_stop = f_timer_stop, .random = f_random};
	struct informer_opts o = {.kind = KK_POD, .label_selector = "app=web", .watch_timeout_s = 60};
	struct informer *inf = informer_new(&env, s, &o);
	informer_start(inf);
	assert_string_equal(f.reqs[0].path, "/api/v1/pods?limit=500&labelSelector=app%3Dweb");
	/* a server that ignores the selector still yields only matching objects */
	const char *body = "{\"metadata\":{\"resourceVersion\":\"3\"},\"items\":["
		"{\"metadata\":{\"name\":\"w\",\"namespace\":\"n\",\"resourceVersion\":\"1\",\"labels\":{\"app\":\"web\"}}},"
		"{\"metadata\":{\"name\":\"d\",\"namespace\":\"n\",\"resourceVersion\":\"2\",\"labels\":{\"app\":\"db\"}}}]}";
	informer_list_done(inf, &f.reqs[0], 200, body, strlen(body), NULL);
	assert_int_equal(store_count(s, KK_POD), 1);
	/* relabelled away: removed from this view */
	const char *ev = "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"w\",\"namespace\":\"n\","
		"\"resourceVersion\":\"4\",\"labels\":{\"app\":\"other\"}}}}";
	informer_watch_line(inf, &f.reqs[1], ev, strlen(ev));
	assert_int_equal(store_count(s, KK_POD), 0);
	assert_int_equal(f.deleted, 1);
	informer_free(inf);
	store_free(s);
}


/* A page of n pods named PREFIX0000..., continuing with cont ("" on the last page). */
static char *big_page_at(const char *prefix, int n, const char *cont)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "{\"metadata\":{\"resourceVersion\":\"77\",\"continue\":\"%s\"},\"items\":[", cont);
	for (int i = 0; i < n; i++)
		sb_addf(&sb, "%s{\"metadata\":{\"name\":\"%s%04d\",\"namespace\":\"testops\","
			"\"resourceVersion\":\"%d\",\"labels\":{\"app\":\"testops\",\"padding\":"
			"\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}},"
			"\"status\":{\"phase\":\"Running\"}}", i ? "," : "", prefix, i, i + 1);
	sb_adds(&sb, "]}");
	return sb_detach(&sb, NULL);
}

static char *big_page(int n)
{
	return big_page_at("p", n, "");
}

static struct rig *rig_loop(uv_loop_t *loop)
{
	struct rig *r = rig_new();
	informer_free(r->inf);
	struct informer_env env = {.ctx = &r->f, .loop = loop, .start = f_start, .cancel = f_cancel,
				   .now = f_now, .timer = f_timer, .timer_stop = f_timer_stop, .random = f_random};
	struct informer_opts o = {.kind = KK_POD, .namespace_ = "testops", .watch_timeout_s = 300,
				  .on_synced = on_synced, .ud = &r->f};
	r->inf = informer_new(&env, r->s, &o);
	return r;
}

static void reply(struct rig *r, struct fake_req *q, const char *body)
{
	informer_list_done(r->inf, q, 200, body, strlen(body), NULL);
}

/* While a page is parsed off the loop, the next one is already requested; a reply that comes
 * before the parse finishes is held and used in order; each page is requested once. */
static void test_read_ahead(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct rig *r = rig_loop(&loop);
	informer_start(r->inf);
	char *a = big_page_at("a", 600, "t1"), *b = big_page_at("b", 600, "t2"), *c = big_page_at("c", 3, "");
	reply(r, last(r), a);
	assert_int_equal(r->f.nreqs, 2);                 /* page 2 asked for while page 1 parses */
	assert_non_null(strstr(last(r)->path, "continue=t1"));
	reply(r, last(r), b);                            /* early: held until page 1 is in */
	assert_int_equal(r->f.nreqs, 2);
	uv_run(&loop, UV_RUN_ONCE);
	while (r->f.nreqs < 3)
		uv_run(&loop, UV_RUN_ONCE);
	assert_non_null(strstr(last(r)->path, "continue=t2"));
	reply(r, last(r), c);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(r->f.synced, 1);
	assert_int_equal(store_count(r->s, KK_POD), 1203);
	assert_int_equal(r->f.nreqs, 4);                 /* 3 pages + the watch */
	assert_true(last(r)->watch);
	for (int i = 0; i < r->f.nreqs; i++)
		assert_false(r->f.reqs[i].cancelled);

	/* a token the raw text cannot tell for sure (here: twice in it) is not read ahead */
	struct rig *r2 = rig_loop(&loop);
	informer_start(r2->inf);
	char *twice = big_page_at("d", 600, "t9\",\"x\":{\"continue\":\"t8\"}, \"y\":\"");
	reply(r2, last(r2), twice);
	assert_int_equal(r2->f.nreqs, 1);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(r2->f.nreqs, 2);
	assert_non_null(strstr(last(r2)->path, "continue=t9"));
	/* freed with a read-ahead reply held: nothing leaks, the request is cancelled */
	struct rig *r3 = rig_loop(&loop);
	informer_start(r3->inf);
	reply(r3, last(r3), a);
	struct fake_req *ahead = last(r3);
	informer_free(r3->inf);
	r3->inf = NULL;
	assert_true(ahead->cancelled);
	uv_run(&loop, UV_RUN_DEFAULT);
	free(a);
	free(b);
	free(c);
	free(twice);
	rig_free(r);
	rig_free(r2);
	rig_free(r3);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_big_pages_parse_off_thread(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct rig *r = rig_new();
	informer_free(r->inf);
	struct informer_env env = {.ctx = &r->f, .loop = &loop, .start = f_start, .cancel = f_cancel,
				   .now = f_now, .timer = f_timer, .timer_stop = f_timer_stop, .random = f_random};
	struct informer_opts o = {.kind = KK_POD, .namespace_ = "testops", .watch_timeout_s = 300,
				  .on_synced = on_synced, .ud = &r->f};
	r->inf = informer_new(&env, r->s, &o);
	informer_start(r->inf);
	char *page = big_page(600);
	assert_true(strlen(page) > 65536);
	informer_list_done(r->inf, last(r), 200, page, strlen(page), NULL);
	assert_int_equal(r->f.synced, 0);            /* handed to the thread pool */
	assert_int_equal(informer_state(r->inf), INF_LISTING);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(r->f.synced, 1);
	assert_int_equal(store_count(r->s, KK_POD), 600);
	assert_int_equal(informer_state(r->inf), INF_WATCHING);
	assert_non_null(strstr(last(r)->path, "resourceVersion=77"));

	/* freed while a worker parses: the worker's result is dropped, nothing leaks */
	struct informer *inf2 = informer_new(&env, r->s, &o);
	informer_start(inf2);
	informer_list_done(inf2, last(r), 200, page, strlen(page), NULL);
	informer_free(inf2);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(store_count(r->s, KK_POD), 600);
	free(page);
	rig_free(r);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_pages_then_watch),
		cmocka_unit_test(test_410_relist_reconciles),
		cmocka_unit_test(test_backoff_growth_cap_jitter),
		cmocka_unit_test(test_jitter_spreads),
		cmocka_unit_test(test_silent_watch_restarts),
		cmocka_unit_test(test_normal_close_resumes),
		cmocka_unit_test(test_list_errors_back_off),
		cmocka_unit_test(test_label_selector_scope),
		cmocka_unit_test(test_big_pages_parse_off_thread),
		cmocka_unit_test(test_read_ahead),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
