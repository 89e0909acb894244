/* data — kube client, informers and store behind the dashboard; connection state. */
#include "tui/data.h"

#include "core/base/options.h"
#include "tui/op.h"
#include "tui/relwatch.h"

#include <stdlib.h>
#include <string.h>

/* The kinds the dashboard mirrors (ReplicaSets give the pod -> deployment owner chain). */
static const enum kube_kind watched[] = {KK_POD, KK_PVC, KK_DEPLOYMENT, KK_STATEFULSET,
					 KK_REPLICASET, KK_EVENT};

static void on_state(struct informer *inf, enum informer_state st, const struct tops_err *err,
		     void *ud)
{
	struct data_slot *slot = ud;
	struct tui_data *d = slot->d;
	if (st == INF_BACKOFF) {
		if (!data_is_down(d))
			d->fresh_wall = now_wall();
		d->down[slot->kind] = true;
		d->retry_at_ms = now_ms() + informer_backoff_ms(inf);
		free(d->error);
		d->error = xstrdup(err && err->msg ? err->msg : "connection lost");
	} else if (st == INF_WATCHING) {
		d->down[slot->kind] = false;
	}
	ui_dirty(d->ui);
}

static void on_synced(struct informer *inf, void *ud)
{
	struct data_slot *slot = ud;
	struct tui_data *d = slot->d;
	d->down[slot->kind] = false;
	bool all = true;
	for (size_t i = 0; i < ARRAY_LEN(watched); i++)
		all = all && d->inf[watched[i]] && informer_synced(d->inf[watched[i]]);
	d->synced = all;
	ui_dirty(d->ui);
}

static void on_change(enum kube_kind k, enum st_op op, const union st_record *rec,
		      const union st_record *old, void *ud)
{
	struct tui_data *d = ud;
	d->version[k]++;
	if (k == KK_POD)
		op_pod_changed(op == ST_DELETED ? NULL : rec, op == ST_DELETED ? rec : old);
	struct ui *ui = d->ui;
	for (int i = 0; i < 4; i++)
		if (ui->dash[i] && ui->dash[i]->ops->changed)
			ui->dash[i]->ops->changed(ui->dash[i], (int)k);
	ui_data_dirty(ui);
}

static void rel_changed(void *ud)
{
	struct tui_data *d = ud;
	ui_data_dirty(d->ui);
}

static void informers_start(struct tui_data *d)
{
	for (size_t i = 0; i < ARRAY_LEN(watched); i++) {
		enum kube_kind k = watched[i];
		d->slot[k].d = d;
		d->slot[k].kind = k;
		struct informer_opts o = {
			.kind = k, .namespace_ = d->ns, .on_state = on_state, .on_synced = on_synced,
			.ud = &d->slot[k], .backoff_cap_ms = 5000,
		};
		d->inf[k] = informer_new(&d->env, d->store, &o);
		informer_start(d->inf[k]);
	}
}

static void informers_stop(struct tui_data *d)
{
	for (int k = 0; k < KK__COUNT; k++) {
		if (!d->inf[k])
			continue;
		informer_stop(d->inf[k]);
		informer_free(d->inf[k]);
		d->inf[k] = NULL;
		d->down[k] = false;
	}
}

static struct tui_data *data_create(struct ui *ui, struct tops_err *err)
{
	struct tui_data *d = xcalloc(1, sizeof *d);
	d->ui = ui;
	if (kube_client_new(ui->loop, &tops_opts, &d->client, err) < 0)
		goto fail;
	if (informer_env_kube(d->client, &d->env, err) < 0)
		goto fail;
	d->env_ok = true;
	d->ns = tops_opts.all_namespaces ? NULL : xstrdup(kube_client_namespace(d->client));
	const struct kubeconfig *kc = d->client->kc;
	d->context = xstrdup(kc->context_name ? kc->context_name : "-");
	d->server = xstrdup(kc->server ? kc->server : "-");
	d->store = store_new();
	d->sub = store_subscribe(d->store, on_change, d);
	d->fresh_wall = now_wall();
	informers_start(d);
	d->rel = relwatch_new(d->client, d->ns, rel_changed, d);
	return d;
fail:
	data_free(d);
	return NULL;
}

int data_new(struct ui *ui, struct tops_err *err)
{
	ui->data = data_create(ui, err);
	return ui->data ? 0 : -(err && err->code ? err->code : TOPS_EINVAL);
}

void data_free(struct tui_data *d)
{
	if (!d)
		return;
	informers_stop(d);
	relwatch_free(d->rel);
	if (d->store) {
		store_unsubscribe(d->store, d->sub);
		store_free(d->store);
	}
	if (d->env_ok)
		informer_env_kube_free(&d->env);
	if (d->client)
		kube_client_free(d->client);
	free(d->error);
	free(d->ns);
	free(d->context);
	free(d->server);
	free(d);
}

/* Strings given to tops_opts must outlive every client made from them. */
static char *kept_ns, *kept_ctx;

int data_switch(struct ui *ui, const char *ns, const char *ctx, struct tops_err *err)
{
	struct tops_opts saved = tops_opts;
	/* The old strings stay alive until the switch succeeds: a failed switch restores them. */
	char *new_ns = NULL, *new_ctx = NULL;
	if (ns) {
		bool all = !*ns || strcmp(ns, "all") == 0;
		new_ns = all ? NULL : xstrdup(ns);
		tops_opts.all_namespaces = all;
		tops_opts.namespace_ = new_ns;
	}
	if (ctx) {
		new_ctx = xstrdup(ctx);
		tops_opts.context = new_ctx;
	}
	struct tui_data *old = ui->data;
	/* the panes hold no record pointers across a version change, so a new store is safe */
	struct tui_data *d = data_create(ui, err);
	if (!d) {
		tops_opts = saved;
		free(new_ns);
		free(new_ctx);
		return -TOPS_EINVAL;
	}
	if (ns) {
		free(kept_ns);
		kept_ns = new_ns;
	}
	if (ctx) {
		free(kept_ctx);
		kept_ctx = new_ctx;
	}
	ui->data = d;
	for (int k = 0; k < KK__COUNT; k++)
		d->version[k] = old ? old->version[k] + 1 : 1;
	for (int i = 0; i < 4; i++)
		for (int k = 0; k < KK__COUNT; k++)
			if (ui->dash[i]->ops->changed)
				ui->dash[i]->ops->changed(ui->dash[i], k);
	data_free(old);
	ui_dirty(ui);
	return 0;
}

bool data_is_down(const struct tui_data *d)
{
	for (int k = 0; k < KK__COUNT; k++)
		if (d->down[k])
			return true;
	return false;
}

const struct store *data_store(const struct tui_data *d)
{
	return d->store;
}

struct http_req *data_get(struct tui_data *d, enum kube_kind k, const char *ns, const char *name,
			  http_done_fn on_done, void *ud, struct tops_err *err)
{
	char *path = kube_path(k, ns, name, NULL);
	struct http_request rq = {
		.url = path, .accept = "application/json", .timeout_ms = 15000, .on_done = on_done,
		.ud = ud,
	};
	struct http_req *r = kube_request(d->client, &rq, err);
	free(path);
	return r;
}

struct http_req *data_logs(struct tui_data *d, const char *ns, const char *pod, const char *container,
			   bool follow, long tail, bool previous, http_line_fn on_line,
			   http_done_fn on_done, void *ud, struct tops_err *err)
{
	struct strbuf q = STRBUF_INIT;
	sb_adds(&q, "container=");
	kube_query_escape(&q, container ? container : "");
	if (follow)
		sb_adds(&q, "&follow=true");
	if (tail >= 0)
		sb_addf(&q, "&tailLines=%ld", tail);
	if (previous)
		sb_adds(&q, "&previous=true");
	char *base = kube_path(KK_POD, ns, pod, NULL);
	char *path = xasprintf("%s/log?%s", base, sb_str(&q));
	struct http_request rq = {
		.url = path, .accept = "*/*", .max_body = 1 << 20, .on_line = on_line,
		.on_done = on_done, .ud = ud,
	};
	struct http_req *r = kube_request(d->client, &rq, err);
	free(path);
	free(base);
	sb_done(&q);
	return r;
}
