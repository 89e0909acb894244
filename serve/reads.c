/* reads — release list and release history, read on libuv's thread pool with a client of the
 * job's own; the answer goes back to the loop in the after-work callback. */
#include "serve/serve_int.h"

#include "core/base/options.h"
#include "core/base/timefmt.h"
#include "core/release/storage.h"

#include <stdlib.h>
#include <string.h>

struct rjob {
	uv_work_t w;
	struct conn *c;              /* NULL when the client went away */
	char *ns, *name;
	int status;
	char *body;
};

static void gone(struct conn *c, void *ud)
{
	((struct rjob *)ud)->c = NULL;
}

static void jstr(struct strbuf *sb, const char *k, const char *v, bool comma)
{
	sb_addf(sb, "%s\"%s\":", comma ? "," : "", k);
	if (v)
		value_json_string(sb, v, strlen(v), false);
	else
		sb_adds(sb, "null");
}

static void rel_json(struct strbuf *sb, const struct release *r)
{
	const char *cn = NULL, *cv = NULL, *av = NULL;
	struct value *md = value_map_get(r->chart, "metadata");
	struct value *v;
	if ((v = value_map_get(md, "name")) && v->type == V_STRING)
		cn = v->u.str.s;
	if ((v = value_map_get(md, "version")) && v->type == V_STRING)
		cv = v->u.str.s;
	if ((v = value_map_get(md, "appVersion")) && v->type == V_STRING)
		av = v->u.str.s;
	struct strbuf t = STRBUF_INIT;
	if (r->info.last_deployed.sec)
		time_format_rfc3339nano(&t, r->info.last_deployed.sec, r->info.last_deployed.nsec, 0);
	sb_adds(sb, "{");
	jstr(sb, "name", r->name, false);
	jstr(sb, "namespace", r->namespace_, true);
	sb_addf(sb, ",\"revision\":%d", r->version);
	jstr(sb, "status", release_status_str(r->info.status), true);
	jstr(sb, "chart", cn, true);
	jstr(sb, "chartVersion", cv, true);
	jstr(sb, "appVersion", av, true);
	jstr(sb, "updated", t.len ? sb_str(&t) : NULL, true);
	jstr(sb, "description", r->info.description, true);
	sb_adds(sb, "}");
	sb_done(&t);
}

/* The newest record of each release. */
static void list_json(struct strbuf *sb, const struct history *h)
{
	sb_adds(sb, "{\"releases\":[");
	bool first = true;
	for (size_t i = 0; i < h->n; i++) {
		bool newest = true;
		for (size_t j = 0; j < h->n; j++)
			if (j != i && !strcmp(h->r[j]->name, h->r[i]->name) &&
			    !strcmp(h->r[j]->namespace_, h->r[i]->namespace_) && h->r[j]->version > h->r[i]->version)
				newest = false;
		if (!newest || h->r[i]->info.status == RS_UNINSTALLED)
			continue;
		sb_adds(sb, first ? "" : ",");
		rel_json(sb, h->r[i]);
		first = false;
	}
	sb_adds(sb, "]}\n");
}

static void history_json(struct strbuf *sb, const struct history *h)
{
	const struct release *last = history_last(h);
	sb_adds(sb, "{\"release\":");
	rel_json(sb, last);
	sb_adds(sb, ",\"history\":[");
	for (size_t i = 0; i < h->n; i++) {
		sb_adds(sb, i ? "," : "");
		rel_json(sb, h->r[i]);
	}
	sb_addf(sb, "],\"corrupt\":%zu}\n", h->ncorrupt);
}

static void work_cb(uv_work_t *w)
{
	struct rjob *j = w->data;
	struct kube_client *kc = NULL;
	struct tops_err err = {0};
	struct history h = {0};
	struct strbuf sb = STRBUF_INIT;
	if (kube_client_new(NULL, &tops_opts, &kc, &err) < 0 || storage_load(kc, j->ns, j->name, &h, &err) < 0) {
		j->status = err.code == TOPS_EAUTH ? 403 : 503;
		sb_addf(&sb, "%s", tops_err_msg(&err));
	} else if (j->name && h.n == 0) {
		j->status = 404;
		sb_addf(&sb, "release %s/%s: not found", j->ns, j->name);
	} else {
		j->status = 200;
		(j->name ? history_json : list_json)(&sb, &h);
	}
	j->body = sb_detach(&sb, NULL);
	history_done(&h);
	tops_err_clear(&err);
	kube_client_free(kc);
}

static void after_cb(uv_work_t *w, int status)
{
	struct rjob *j = w->data;
	if (j->c) {
		conn_on_gone(j->c, NULL, NULL);
		if (j->status == 200)
			api_json(j->c, 200, j->body);
		else
			api_error(j->c, j->status, NULL, NULL, "%s", j->body);
	}
	free(j->ns), free(j->name), free(j->body), free(j);
}

void reads_start(struct server *sv, struct conn *c, const char *ns, const char *name)
{
	struct rjob *j = xcalloc(1, sizeof *j);
	j->c = c;
	j->ns = ns ? xstrdup(ns) : NULL;
	j->name = name ? xstrdup(name) : NULL;
	j->w.data = j;
	conn_on_gone(c, gone, j);
	if (uv_queue_work(sv->loop, &j->w, work_cb, after_cb) < 0) {
		conn_on_gone(c, NULL, NULL);
		api_error(c, 500, NULL, NULL, "cannot queue the read");
		free(j->ns), free(j->name), free(j);
	}
}
