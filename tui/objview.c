/* objview — GET an object, then show it through a fill function (see objview.h). */
#include "tui/objview.h"

#include <stdio.h>
#include <stdlib.h>

static void ov_done_cb(struct http_req *r, struct http_result *res, void *ud)
{
	struct objview *ov = ud;
	ov->req = NULL;
	tv_clear(&ov->tv);
	if (res->err) {
		tv_addf(&ov->tv, ROLE_ERROR, "cannot fetch %s/%s: %s", kube_kind_info(ov->kind)->singular,
			ov->name, res->errmsg ? res->errmsg : "request failed");
	} else if (res->status != 200) {
		struct tops_err err = {0};
		kube_status_error(res->status, res->body, &err);
		tv_addf(&ov->tv, ROLE_ERROR, "%s/%s: %s", kube_kind_info(ov->kind)->singular, ov->name,
			tops_err_msg(&err));
		tops_err_clear(&err);
	} else {
		cJSON *obj = cJSON_ParseWithLength(res->body, res->len);
		if (!obj || !cJSON_IsObject(obj))
			tv_addf(&ov->tv, ROLE_ERROR, "%s/%s: the server sent malformed JSON",
				kube_kind_info(ov->kind)->singular, ov->name);
		else
			ov->fill(ov, obj);
		cJSON_Delete(obj);
	}
	ui_dirty(ov->ui);
}

static void ov_draw(struct pane *p)
{
	struct objview *ov = p->priv;
	char title[300];
	snprintf(title, sizeof title, "%s %s/%s", ov->what, kube_kind_info(ov->kind)->singular, ov->name);
	tv_draw(&ov->tv, p->y, p->x, p->h, p->w, title, ov->ns);
}

static bool ov_key(struct pane *p, enum tui_action a, int ch)
{
	struct objview *ov = p->priv;
	return tv_key(&ov->tv, a);
}

static void ov_find(struct pane *p, const char *text)
{
	struct objview *ov = p->priv;
	if (!tv_search(&ov->tv, text))
		ui_message(p->ui, true, "not found: %s", text);
}

static void ov_free(struct pane *p)
{
	struct objview *ov = p->priv;
	if (ov->req)
		http_cancel(ov->req);
	tv_done(&ov->tv);
	free(ov->ns);
	free(ov->name);
	free(ov);
	free(p);
}

static const struct pane_ops ov_ops = {
	.name = "object", .draw = ov_draw, .key = ov_key, .find = ov_find, .free = ov_free,
};

struct pane *objview_new(struct ui *ui, enum kube_kind k, const char *ns, const char *name,
			 const char *what, objview_fill_fn fill)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct objview *ov = xcalloc(1, sizeof *ov);
	tv_init(&ov->tv, 0);
	ov->ui = ui;
	ov->kind = k;
	ov->ns = xstrdup(ns);
	ov->name = xstrdup(name);
	ov->what = what;
	ov->fill = fill;
	p->ops = &ov_ops;
	p->ui = ui;
	p->priv = ov;
	p->scope = KS_TEXT;
	snprintf(p->title, sizeof p->title, "%s", what);
	struct tops_err err = {0};
	tv_addf(&ov->tv, ROLE_DIM, "loading %s/%s%s", kube_kind_info(k)->singular, name, term_glyph(G_ELLIPSIS));
	ov->req = data_get(ui->data, k, ns, name, ov_done_cb, ov, &err);
	if (!ov->req) {
		tv_clear(&ov->tv);
		tv_addf(&ov->tv, ROLE_ERROR, "%s", tops_err_msg(&err));
		tops_err_clear(&err);
	}
	return p;
}
