/* watch — see watch.h. */
#include "tests/kubesim/watch.h"

#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/api.h"
#include "tests/kubesim/table.h"

struct watch {
	struct srv_conn *c;
	int kind;
	char *ns;
	struct selector *sel;
	bool table, bookmarks;
	uint64_t sent_rv;
	uv_timer_t bookmark, timeout;
	int closing_handles;
	struct watch *next;
};

static struct watch *watches;
unsigned watch_bookmark_ms = 1000;

int watch_count(void)
{
	int n = 0;
	for (struct watch *w = watches; w; w = w->next)
		n++;
	return n;
}

static void unlink_watch(struct watch *w)
{
	for (struct watch **p = &watches; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	sim_stats.open_watches = watch_count();
}

static void handle_closed_cb(uv_handle_t *h)
{
	struct watch *w = h->data;
	if (--w->closing_handles == 0) {
		free(w->ns);
		selector_free(w->sel);
		free(w);
	}
}

static void watch_free(struct watch *w)
{
	unlink_watch(w);
	w->closing_handles = 2;
	uv_close((uv_handle_t *)&w->bookmark, handle_closed_cb);
	uv_close((uv_handle_t *)&w->timeout, handle_closed_cb);
}

static void on_conn_close(void *data)
{
	watch_free(data);
}

static bool matches(const struct watch *w, int kind, const char *ns, const char *name,
		    const struct value *labels, const struct blob *json)
{
	if (kind != w->kind || (*w->ns && strcmp(ns, w->ns) != 0))
		return false;
	if (!selector_needs_object(w->sel))
		return selector_match(w->sel, ns, name, labels, NULL);
	struct value *v = value_from_json(json->data, json->len, NULL);
	bool ok = selector_match(w->sel, ns, name, labels, v);
	value_unref(v);
	return ok;
}

/* Did the version json (of the object ns/name) match? Only the labels are parsed unless a
 * field selector needs the whole object. */
static bool version_matched(const struct watch *w, int kind, const char *ns, const char *name,
			    const struct blob *json)
{
	size_t ml = 0, ll = 0;
	const char *md = json_member(json->data, json->len, "metadata", &ml);
	const char *lt = md ? json_member(md, ml, "labels", &ll) : NULL;
	struct value *labels = lt ? value_from_json(lt, ll, NULL) : NULL;
	if (!labels || labels->type != V_MAP) {
		value_unref(labels);
		labels = value_map();
	}
	bool ok = matches(w, kind, ns, name, labels, json);
	value_unref(labels);
	return ok;
}

/* The event a watch with a selector sees: an object that starts to match is ADDED to it, one
 * that stops matching is DELETED from it (with its new version), as the API's watch cache does. */
static const char *selected_type(const struct watch *w, int kind, const char *type, bool now,
				 const char *ns, const char *name, const struct blob *prev)
{
	if (strcmp(type, "MODIFIED") != 0 || !prev || selector_empty(w->sel))
		return now ? type : NULL;
	bool before = version_matched(w, kind, ns, name, prev);
	if (now)
		return before ? "MODIFIED" : "ADDED";
	return before ? "DELETED" : NULL;
}

/* The JSON text of an empty Table of kind up to its rows ("...,"rows":["), made once per kind. */
static const char *table_head(int kind, size_t *len)
{
	static char *heads[K_COUNT];
	static size_t lens[K_COUNT];
	if (!heads[kind]) {
		struct value *t = table_new(kind);
		heads[kind] = value_to_json(t, false, false);
		lens[kind] = strlen(heads[kind]) - 2;       /* drop the closing "]}" */
		value_unref(t);
	}
	*len = lens[kind];
	return heads[kind];
}

/* o (optional) is the stored object the event is about: its Table cells are ready-made. */
static void send_event(struct watch *w, const char *type, const struct blob *json, uint64_t rv,
		       const struct obj *o)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "{\"type\":\"%s\",\"object\":", type);
	if (w->table) {
		size_t hl;
		const char *head = table_head(w->kind, &hl);
		sb_add(&sb, head, hl);
		if (o)
			table_write_obj(&sb, o);
		else
			table_write_row(&sb, w->kind, json->data, json->len);
		sb_adds(&sb, "]}");
	} else {
		sb_add(&sb, json->data, json->len);
	}
	sb_adds(&sb, "}\n");
	srv_stream_write(w->c, sb.buf, sb.len);
	sb_done(&sb);
	if (rv > w->sent_rv)
		w->sent_rv = rv;
}

static void db_cb(int kind, const char *type, const struct obj *o, void *ctx)
{
	for (struct watch *w = watches; w; w = w->next) {
		if (kind != w->kind || (*w->ns && strcmp(o->ns, w->ns) != 0))
			continue;
		bool now = matches(w, kind, o->ns, o->name, o->labels, o->json);
		const char *t = selected_type(w, kind, type, now, o->ns, o->name, db_event_prev());
		if (t)
			send_event(w, t, o->json, o->rv, o);
	}
}

void watch_init(void)
{
	db_listen(db_cb, NULL);
}

static void bookmark_cb(uv_timer_t *t)
{
	struct watch *w = t->data;
	uint64_t rv = db_rv();
	char *s = xasprintf("{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\",\"apiVersion\":\"%s\","
			    "\"metadata\":{\"resourceVersion\":\"%llu\",\"creationTimestamp\":null}}}\n",
			    kinds[w->kind].kind, kind_api_version(w->kind), (unsigned long long)rv);
	srv_stream_write(w->c, s, strlen(s));
	free(s);
}

static void timeout_cb(uv_timer_t *t)
{
	struct watch *w = t->data;
	srv_stream_end(w->c);
	watch_free(w);
}

struct replay {
	struct watch *w;
};

static void replay_cb(const struct hist *h, void *ctx)
{
	struct watch *w = ((struct replay *)ctx)->w;
	struct value *v = value_from_json(h->json->data, h->json->len, NULL);
	struct value *labels = value_map_path(v, "metadata.labels"), *none = value_map();
	const char *name = vstr(v, "metadata.name") ?: "";
	if (h->kind == w->kind && (!*w->ns || !strcmp(h->ns, w->ns))) {
		bool now = matches(w, h->kind, h->ns, name, labels && labels->type == V_MAP ? labels : none, h->json);
		const char *t = selected_type(w, h->kind, h->type, now, h->ns, name, h->prev);
		if (t)
			send_event(w, t, h->json, h->rv, NULL);
	}
	value_unref(v), value_unref(none);
}

static void send_initial(struct watch *w)
{
	size_t i = *w->ns ? db_ns_start(w->kind, w->ns) : 0;
	for (struct obj *o; (o = db_at(w->kind, i)) != NULL; i++) {
		if (*w->ns && strcmp(o->ns, w->ns) != 0)
			break;
		if (matches(w, w->kind, o->ns, o->name, o->labels, o->json))
			send_event(w, "ADDED", o->json, o->rv, o);
	}
}

static struct watch *watch_new(struct srv_conn *c, int kind, const char *ns, struct selector *sel)
{
	struct watch *w = xcalloc(1, sizeof(*w));
	w->c = c;
	w->kind = kind;
	w->ns = xstrdup(ns ? ns : "");
	w->sel = sel;
	uv_timer_init(sim_loop, &w->bookmark);
	uv_timer_init(sim_loop, &w->timeout);
	w->bookmark.data = w->timeout.data = w;
	return w;
}

void watch_start(struct srv_conn *c, const struct srv_req *r, int kind, const char *ns,
		 struct selector *sel, bool table)
{
	char *rvs = srv_query_get(r->query, "resourceVersion");
	char *tos = srv_query_get(r->query, "timeoutSeconds");
	uint64_t rv = rvs ? strtoull(rvs, NULL, 10) : 0;
	if (rv && (sim_faults.expire || rv < db_oldest_rv())) {
		sim_faults.expire = false;
		char *msg = xasprintf("too old resource version: %llu (%llu)", (unsigned long long)rv,
				      (unsigned long long)db_oldest_rv() + 1);
		api_reply_status(c, 410, "Expired", msg);
		free(msg);
		selector_free(sel);
		free(rvs);
		free(tos);
		return;
	}
	struct watch *w = watch_new(c, kind, ns, sel);
	w->table = table;
	w->bookmarks = srv_query_bool(r->query, "allowWatchBookmarks");
	srv_stream_begin(c, 200, table ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json",
			  on_conn_close, w);
	w->next = watches;
	watches = w;
	sim_stats.watches_opened++;
	sim_stats.open_watches = watch_count();
	if (!rv) {
		send_initial(w);
	} else {
		struct replay rp = {w};
		db_history(rv, replay_cb, &rp);
	}
	if (w->bookmarks)
		uv_timer_start(&w->bookmark, bookmark_cb, watch_bookmark_ms, watch_bookmark_ms);
	long to = tos ? strtol(tos, NULL, 10) : 0;
	if (to > 0)
		uv_timer_start(&w->timeout, timeout_cb, (uint64_t)to * 1000, 0);
	free(rvs);
	free(tos);
}

void watch_drop_all(void)
{
	while (watches) {
		struct watch *w = watches;
		srv_conn_close(w->c);
		watch_free(w);
	}
}
