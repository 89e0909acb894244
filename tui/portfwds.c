/* portfwds — the console's port-forwards and their view; see portfwds.h. */
#include "tui/portfwds.h"

#include "core/kube/portfwd.h"
#include "tui/data.h"

#include <cjson/cJSON.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fwd {
	struct portfwd *pf;
	char *ns, *pod, *last_error;
	int remote;
	bool stopped;
	struct fwd *next;
};

static struct fwd *fwds;
static struct ui *the_ui;

size_t portfwds_count(void)
{
	size_t n = 0;
	for (struct fwd *f = fwds; f; f = f->next)
		n += !f->stopped;
	return n;
}

static void fwd_free(struct fwd *f)
{
	portfwd_free(f->pf);
	free(f->ns);
	free(f->pod);
	free(f->last_error);
	free(f);
}

static void unlink_fwd(struct fwd *f)
{
	for (struct fwd **pp = &fwds; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			return;
		}
}

static void pf_event(struct portfwd *pf, enum portfwd_event ev, int local, const char *text, void *ud)
{
	struct fwd *f = ud;
	if (ev == PF_CONN_ERROR) {
		free(f->last_error);
		f->last_error = xstrdup(text);
		if (the_ui)
			ui_message(the_ui, true, "%s", text);
	} else if (ev == PF_CLOSED) {
		unlink_fwd(f);
		fwd_free(f);
	}
	if (the_ui)
		ui_dirty(the_ui);
}

/* One forward for one port: the same local port when it is free, else a free one. */
static void start_one(struct ui *ui, const char *ns, const char *pod, int port, int local)
{
	struct tops_err err = {0};
	for (int attempt = 0; attempt < 2; attempt++) {
		struct fwd *f = xcalloc(1, sizeof *f);
		f->ns = xstrdup(ns);
		f->pod = xstrdup(pod);
		f->remote = port;
		struct portfwd_port pp = {attempt ? 0 : local, port};
		tops_err_clear(&err);
		int rc = portfwd_start(ui->data->client, ns, pod, "127.0.0.1", &pp, 1, pf_event, f,
				       &f->pf, &err);
		f->next = fwds;
		fwds = f;
		if (rc == 0) {
			ui_message(ui, false, "port-forward 127.0.0.1:%d -> %s:%d (:pf lists them)",
				   portfwd_local_port(f->pf, 0), pod, port);
			return;
		}
		f->stopped = true;   /* its listener closes; PF_CLOSED frees it */
	}
	ui_message(ui, true, "port-forward %s:%d: %s", pod, port, tops_err_msg(&err));
	tops_err_clear(&err);
}

struct start_req {
	struct ui *ui;
	char *ns, *pod;
};

static void pod_done(struct http_req *r, struct http_result *res, void *ud)
{
	struct start_req *sr = ud;
	cJSON *pod = res->err || res->status != 200 ? NULL : cJSON_ParseWithLength(res->body, res->len);
	int n = 0;
	const cJSON *c, *p;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(pod, "spec"), "containers")) {
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "ports")) {
			const cJSON *cp = cJSON_GetObjectItemCaseSensitive(p, "containerPort");
			const cJSON *proto = cJSON_GetObjectItemCaseSensitive(p, "protocol");
			if (cJSON_IsNumber(cp) && (!cJSON_IsString(proto) || !strcmp(proto->valuestring, "TCP"))) {
				start_one(sr->ui, sr->ns, sr->pod, cp->valueint, cp->valueint);
				n++;
			}
		}
	}
	if (!pod)
		ui_message(sr->ui, true, "port-forward %s: %s", sr->pod,
			   res->errmsg ? res->errmsg : "the pod could not be read");
	else if (!n)
		ui_message(sr->ui, true, "port-forward %s: the pod declares no TCP container port", sr->pod);
	cJSON_Delete(pod);
	free(sr->ns);
	free(sr->pod);
	free(sr);
}

void portfwds_start_port(struct ui *ui, const char *ns, const char *pod, int local, int remote)
{
	the_ui = ui;
	start_one(ui, ns, pod, remote, local);
}

void portfwds_start(struct ui *ui, const char *ns, const char *pod)
{
	the_ui = ui;
	struct start_req *sr = xcalloc(1, sizeof *sr);
	sr->ui = ui;
	sr->ns = xstrdup(ns);
	sr->pod = xstrdup(pod);
	struct tops_err err = {0};
	if (!data_get(ui->data, KK_POD, ns, pod, pod_done, sr, &err)) {
		ui_message(ui, true, "port-forward %s: %s", pod, tops_err_msg(&err));
		free(sr->ns);
		free(sr->pod);
		free(sr);
	}
	tops_err_clear(&err);
}

static void stop_fwd(struct fwd *f)
{
	if (f->stopped)
		return;
	f->stopped = true;
	portfwd_stop(f->pf);
}

void portfwds_stop_all(void)
{
	for (struct fwd *f = fwds, *n; f; f = n) {
		n = f->next;
		stop_fwd(f);
	}
}

/* --- the view --- */

struct pfview {
	size_t cur;
};

static struct fwd *nth_running(size_t i)
{
	for (struct fwd *f = fwds; f; f = f->next)
		if (!f->stopped && i-- == 0)
			return f;
	return NULL;
}

static void pf_draw(struct pane *p)
{
	struct pfview *v = p->priv;
	size_t n = portfwds_count();
	if (v->cur >= n && n)
		v->cur = n - 1;
	char info[64];
	snprintf(info, sizeof info, "%zu running  x stops one", n);
	draw_box(p->y, p->x, p->h, p->w, "Port-forwards", info, true);
	int w = p->w - 2, y = p->y + 1;
	char line[512];
	snprintf(line, sizeof line, "%-40s %-22s %-7s %-7s %-8s %s", "POD", "LOCAL", "REMOTE",
		 "ACTIVE", "HANDLED", "LAST ERROR");
	draw_text(y++, p->x + 1, w, line, term_attr(ROLE_COLHDR), true);
	if (!n)
		draw_text(y++, p->x + 1, w, "none: F on a pod starts one", term_attr(ROLE_DIM), true);
	for (size_t i = 0; i < n && y < p->y + p->h - 1; i++, y++) {
		struct fwd *f = nth_running(i);
		char local[64];
		snprintf(local, sizeof local, "127.0.0.1:%d", portfwd_local_port(f->pf, 0));
		snprintf(line, sizeof line, "%-40s %-22s %-7d %-7zu %-8zu %s", f->pod, local, f->remote,
			 portfwd_active(f->pf), portfwd_handled(f->pf), f->last_error ? f->last_error : "");
		draw_text(y, p->x + 1, w, line, term_attr(i == v->cur ? ROLE_SELECTED : ROLE_NORMAL), true);
	}
	for (; y < p->y + p->h - 1; y++)
		draw_text(y, p->x + 1, w, "", term_attr(ROLE_NORMAL), true);
}

static bool pf_key(struct pane *p, enum tui_action a, int ch)
{
	struct pfview *v = p->priv;
	size_t n = portfwds_count();
	if (a == ACT_DOWN && v->cur + 1 < n)
		v->cur++;
	else if (a == ACT_UP && v->cur > 0)
		v->cur--;
	else if (a == ACT_PF_STOP && nth_running(v->cur)) {
		struct fwd *f = nth_running(v->cur);
		ui_message(p->ui, false, "stopped 127.0.0.1:%d -> %s:%d", portfwd_local_port(f->pf, 0),
			   f->pod, f->remote);
		stop_fwd(f);
	} else if (a != ACT_DOWN && a != ACT_UP)
		return false;
	ui_dirty(p->ui);
	return true;
}

static void pf_free(struct pane *p)
{
	free(p->priv);
	free(p);
}

static const struct pane_ops pf_ops = {.name = "portforwards", .draw = pf_draw, .key = pf_key,
				       .free = pf_free};

struct pane *portfwds_pane_new(struct ui *ui)
{
	struct pane *p = xcalloc(1, sizeof *p);
	p->ops = &pf_ops;
	p->ui = ui;
	p->priv = xcalloc(1, sizeof(struct pfview));
	p->scope = KS_PFWD;
	snprintf(p->title, sizeof p->title, "Port-forwards");
	return p;
}

int portfwds_command(struct ui *ui, const char *arg)
{
	the_ui = ui;
	ui_push(ui, portfwds_pane_new(ui));
	return 0;
}
