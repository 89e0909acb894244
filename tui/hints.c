/* hints — see hints.h. */
#include "tui/hints.h"

#include "core/doctor/doctor.h"
#include "tui/data.h"
#include "tui/objview.h"
#include "tui/portfwds.h"
#include "tui/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { H_SC, H_INGCLASS, H_ING, H_PDB, H_SVC, H__N };

static const struct { const char *all, *ns; } h_paths[H__N] = {
	[H_SC] = {"/apis/storage.k8s.io/v1/storageclasses", NULL},
	[H_INGCLASS] = {"/apis/networking.k8s.io/v1/ingressclasses", NULL},
	[H_ING] = {"/apis/networking.k8s.io/v1/ingresses", "/apis/networking.k8s.io/v1/namespaces/%s/ingresses"},
	[H_PDB] = {"/apis/policy/v1/poddisruptionbudgets", "/apis/policy/v1/namespaces/%s/poddisruptionbudgets"},
	[H_SVC] = {"/api/v1/services", "/api/v1/namespaces/%s/services"},   /* an Ingress's backend port */
};

static struct hints {
	struct ui *ui;
	const struct store *store;     /* the store the lists were read for */
	struct http_req *req[H__N];
	struct value *list[H__N];      /* NULL: not (yet) known */
	struct doctor_report rep;
	uint64_t seen;                 /* store versions + lists when rep was computed */
	uint64_t gen;                  /* bumped when a list arrives */
	uint64_t at_ms;
	bool computed;
} H;

struct slot { int i; };
static struct slot slots[H__N] = {{H_SC}, {H_INGCLASS}, {H_ING}, {H_PDB}, {H_SVC}};

static void got_cb(struct http_req *r, struct http_result *res, void *ud)
{
	int i = ((struct slot *)ud)->i;
	H.req[i] = NULL;
	if (res->err || res->status / 100 != 2 || !res->body)
		return;   /* forbidden or not served: the rule that needs it says less */
	struct value *v = value_from_json(res->body, res->len, NULL);
	struct value *items = value_map_get(v, "items");
	value_unref(H.list[i]);
	H.list[i] = items && items->type == V_LIST ? value_ref(items) : NULL;
	value_unref(v);
	H.gen++;
	if (H.ui)
		ui_data_dirty(H.ui);
}

static void lists_drop(void)
{
	for (int i = 0; i < H__N; i++) {
		if (H.req[i])
			http_cancel(H.req[i]);
		H.req[i] = NULL;
		value_unref(H.list[i]);
		H.list[i] = NULL;
	}
}

static void lists_fetch(struct ui *ui)
{
	struct tui_data *d = ui->data;
	lists_drop();
	H.store = data_store(d);
	for (int i = 0; i < H__N && d && d->client; i++) {
		char *path = d->ns && h_paths[i].ns ? xasprintf(h_paths[i].ns, d->ns) : xstrdup(h_paths[i].all);
		struct http_request rq = {.url = path, .accept = "application/json", .timeout_ms = 15000,
					  .on_done = got_cb, .ud = &slots[i]};
		struct tops_err err = {0};
		H.req[i] = kube_request(d->client, &rq, &err);
		tops_err_clear(&err);
		free(path);
	}
}

void hints_start(struct ui *ui)
{
	H.ui = ui;
	H.rep.keep_all = true;   /* one finding a pod: the row under the cursor finds its own */
	if (ui->data)
		lists_fetch(ui);
}

void hints_stop(void)
{
	lists_drop();
	doctor_report_done(&H.rep);
	memset(&H, 0, sizeof(H));
}

static uint64_t versions(const struct tui_data *d)
{
	uint64_t v = H.gen;
	for (int k = 0; k < KK__COUNT; k++)
		v = v * 31 + d->version[k];
	return v;
}

static void compute(struct ui *ui)
{
	struct tui_data *d = ui->data;
	struct doctor_input in = {
		.namespace_ = d->ns, .store = data_store(d), .storage_classes = H.list[H_SC],
		.ingress_classes = H.list[H_INGCLASS], .ingresses = H.list[H_ING], .pdbs = H.list[H_PDB],
		.services = H.list[H_SVC], .now = now_wall(),
	};
	doctor_report_done(&H.rep);
	doctor_run(&in, &H.rep);
	H.seen = versions(d);
	H.at_ms = now_ms();
	H.computed = true;
}

static const struct doctor_finding *shown(struct ui *ui);

bool hints_have(struct ui *ui)
{
	struct tui_data *d = ui->data;
	if (!d || !data_store(d) || !d->synced)
		return false;
	if (data_store(d) != H.store)   /* a namespace or context switch: a new store */
		lists_fetch(ui);
	/* while the cluster churns, at most once a second (the clock's redraw picks it up) */
	if (!H.computed || (versions(d) != H.seen && now_ms() - H.at_ms >= 1000))
		compute(ui);
	/* a view over the dashboard gets the line only for a finding about its object */
	return ui->depth > 0 ? shown(ui) != NULL : H.rep.n > 0;
}

static const char *kind_word(enum kube_kind k)
{
	return k == KK_POD ? "pod" : k == KK_PVC ? "pvc" : kube_kind_info(k)->singular;
}

/* The finding about what is selected, else the first (the most severe). */
static const struct doctor_finding *shown(struct ui *ui)
{
	const char *kind = NULL, *ns = NULL, *name = NULL;
	struct pane *p = ui_active(ui);
	if (ui->depth > 0 && p->ops->name && strcmp(p->ops->name, "object") == 0) {
		const struct objview *ov = p->priv;
		kind = kind_word(ov->kind), ns = ov->ns, name = ov->name;
	} else if (ui->depth == 0) {
		const struct table_row *row = table_current(p);
		if (row && row->rec && !row->many)
			kind = kind_word(row->kind), ns = row->rec->meta.namespace_, name = row->rec->meta.name;
	}
	for (size_t i = 0; name && i < H.rep.n; i++) {
		const struct doctor_finding *f = &H.rep.f[i];
		if (!strcmp(f->kind, kind) && !strcmp(f->name, name) && !strcmp(f->ns, ns))
			return f;
	}
	/* a describe view shows only its object's hint */
	return ui->depth > 0 ? NULL : H.rep.n ? &H.rep.f[0] : NULL;
}

void hints_draw(struct ui *ui, int y, int w)
{
	const struct doctor_finding *f = shown(ui);
	char *label = H.rep.n > 1 ? xasprintf(" Hints %zu ", H.rep.n) : xstrdup(" Hint ");
	int x = draw_text(y, 0, w, label, term_attr(f && f->sev == DOC_ERROR ? ROLE_ERROR : ROLE_WARN), false);
	free(label);
	char *text = f ? xasprintf(" %s%s/%s: %s \xe2\x86\x92 %s", f->forward ? "[H: port-forward] " : "", f->kind,
				   f->name, f->cause, f->fix)
		       : xstrdup(" none for this object");
	draw_text(y, x, w - x, text, term_attr(ROLE_NORMAL), true);
	free(text);
}

static const char *vs(const struct value *o, const char *path)
{
	const struct value *v = value_map_path(o, path);
	return v && v->type == V_STRING ? v->u.str.s : "";
}

struct svc_pick { const struct value *sel; const char *ns; const char *pod; };

static void pick_pod(const union st_record *r, void *ud)
{
	struct svc_pick *s = ud;
	const struct st_pod *p = &r->pod;
	if (s->pod || strcmp(p->meta.namespace_, s->ns) || strcmp(p->phase, "Running") || p->meta.deleted)
		return;
	for (size_t i = 0; i < s->sel->u.map.len; i++) {
		const struct value *v = s->sel->u.map.e[i].val;
		const char *l = store_label(&p->meta, s->sel->u.map.e[i].key);
		if (!l || v->type != V_STRING || strcmp(l, v->u.str.s))
			return;
	}
	s->pod = p->meta.name;
}

/* "svc/NAME LOCAL:PORT" to a running pod of the Service and its targetPort, as kubectl does;
 * false with words when there is none. */
static bool resolve_forward(struct ui *ui, const char *fwd, const char *ns, char **pod, int *local,
			    int *target)
{
	char name[256];
	int port = 0;
	if (sscanf(fwd, "svc/%255s %d:%d", name, local, &port) != 3)
		return false;
	const struct value *svc = NULL, *l = H.list[H_SVC];
	for (size_t i = 0; l && i < l->u.list.len && !svc; i++)
		if (!strcmp(vs(l->u.list.items[i], "metadata.name"), name) &&
		    !strcmp(vs(l->u.list.items[i], "metadata.namespace"), ns))
			svc = l->u.list.items[i];
	const struct value *sel = value_map_path(svc, "spec.selector"), *ports = value_map_path(svc, "spec.ports");
	struct svc_pick s = {sel, ns, NULL};
	if (sel && sel->type == V_MAP && sel->u.map.len)
		store_foreach(data_store(ui->data), KK_POD, pick_pod, &s);
	if (!s.pod)
		return false;
	*target = port;
	for (size_t i = 0; ports && ports->type == V_LIST && i < ports->u.list.len; i++) {
		const struct value *pp = ports->u.list.items[i], *tp = value_map_get(pp, "targetPort");
		const struct value *pn = value_map_get(pp, "port");
		if (pn && pn->type == V_INT && pn->u.i == port && tp && tp->type == V_INT)
			*target = (int)tp->u.i;
	}
	*pod = xstrdup(s.pod);
	return true;
}

void hints_fix(struct ui *ui)
{
	const struct doctor_finding *f = hints_have(ui) ? shown(ui) : NULL;
	if (!f) {
		ui_message(ui, false, "no hint to act on");
		return;
	}
	if (!f->forward) {
		ui_message(ui, false, "the fix is a command to run: %s", f->fix);
		return;
	}
	char *pod = NULL;
	int local = 0, target = 0;
	if (!resolve_forward(ui, f->forward, f->ns, &pod, &local, &target)) {
		ui_message(ui, true, "%s: no running pod behind the Service; run: tops port-forward %s -n %s",
			   f->name, f->forward, f->ns);
		return;
	}
	portfwds_start_port(ui, f->ns, pod, local, target);   /* says where it listens; :pf lists it */
	free(pod);
}
