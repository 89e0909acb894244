/* pane_logs — a pod's log streamed over the core HTTP client: follow, tail size, container
 * picker, previous container, search with highlight, wrap and pause. */
#include "tui/data.h"
#include "tui/textview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MAX_LINES 50000
static const long tail_sizes[] = {100, 1000, -1};

struct logs {
	struct textview tv;
	struct ui *ui;
	struct http_req *req;
	char *ns, *pod;
	char **containers;
	size_t ncontainers, cur;
	int tail_idx;
	bool previous, paused, ended;
	struct textview pending;     /* lines that arrived while paused */
};

static void logs_start(struct logs *lg);

/* Log levels by their usual spellings colour the line. */
static enum tui_role log_role(const char *line, size_t len)
{
	static const struct { const char *word; enum tui_role role; } levels[] = {
		{"ERROR", ROLE_ERROR}, {"FATAL", ROLE_ERROR}, {"PANIC", ROLE_ERROR}, {"WARN", ROLE_WARN},
		{"DEBUG", ROLE_DIM}, {"TRACE", ROLE_DIM},
	};
	size_t n = len < 64 ? len : 64;
	for (size_t i = 0; i < ARRAY_LEN(levels); i++)
		if (memmem(line, n, levels[i].word, strlen(levels[i].word)))
			return levels[i].role;
	return ROLE_NORMAL;
}

static void line_cb(struct http_req *r, const char *line, size_t len, void *ud)
{
	struct logs *lg = ud;
	tv_add(lg->paused ? &lg->pending : &lg->tv, log_role(line, len), line, len);
	if (!lg->paused)
		ui_data_dirty(lg->ui);
}

static void done_cb(struct http_req *r, struct http_result *res, void *ud)
{
	struct logs *lg = ud;
	lg->req = NULL;
	lg->ended = true;
	if (res->err)
		tv_addf(&lg->tv, ROLE_ERROR, "-- log stream failed: %s --", res->errmsg ? res->errmsg : "error");
	else if (res->status != 200) {
		struct tops_err err = {0};
		kube_status_error(res->status, res->body, &err);
		tv_addf(&lg->tv, ROLE_ERROR, "-- %s --", tops_err_msg(&err));
		tops_err_clear(&err);
	} else {
		tv_addf(&lg->tv, ROLE_DIM, "-- end of log --");
	}
	ui_dirty(lg->ui);
}

static void logs_start(struct logs *lg)
{
	if (lg->req)
		http_cancel(lg->req);
	lg->req = NULL;
	lg->ended = false;
	tv_clear(&lg->tv);
	tv_clear(&lg->pending);
	lg->tv.follow = true;
	struct tops_err err = {0};
	const char *c = lg->ncontainers ? lg->containers[lg->cur] : NULL;
	lg->req = data_logs(lg->ui->data, lg->ns, lg->pod, c, !lg->previous, tail_sizes[lg->tail_idx],
			    lg->previous, line_cb, done_cb, lg, &err);
	if (!lg->req) {
		tv_addf(&lg->tv, ROLE_ERROR, "%s", tops_err_msg(&err));
		tops_err_clear(&err);
	}
}

static void logs_draw(struct pane *p)
{
	struct logs *lg = p->priv;
	char title[300], info[200], tail[16];
	long t = tail_sizes[lg->tail_idx];
	snprintf(tail, sizeof tail, t < 0 ? "all" : "%ld", t);
	snprintf(title, sizeof title, "Logs %s [%s]", lg->pod,
		 lg->ncontainers ? lg->containers[lg->cur] : "-");
	snprintf(info, sizeof info, "tail %s%s%s%s%s%s", tail, lg->tv.follow ? "  following" : "",
		 lg->paused ? "  PAUSED" : "", lg->previous ? "  previous" : "",
		 lg->tv.wrap ? "  wrap" : "", lg->ended ? "  ended" : "");
	tv_draw(&lg->tv, p->y, p->x, p->h, p->w, title, info);
}

static void logs_resume(struct logs *lg)
{
	for (size_t i = 0; i < lg->pending.n; i++)
		tv_add(&lg->tv, (enum tui_role)lg->pending.roles[i], lg->pending.lines[i],
		       strlen(lg->pending.lines[i]));
	tv_clear(&lg->pending);
	lg->paused = false;
}

static bool logs_key(struct pane *p, enum tui_action a, int ch)
{
	struct logs *lg = p->priv;
	switch (a) {
	case ACT_FOLLOW: lg->tv.follow = !lg->tv.follow; return true;
	case ACT_PAUSE:
		if (lg->paused)
			logs_resume(lg);
		else
			lg->paused = true;
		return true;
	case ACT_PREVIOUS: lg->previous = !lg->previous; logs_start(lg); return true;
	case ACT_TAIL:
		lg->tail_idx = (lg->tail_idx + 1) % (int)ARRAY_LEN(tail_sizes);
		logs_start(lg);
		return true;
	case ACT_CONTAINER:
		if (lg->ncontainers > 1) {
			lg->cur = (lg->cur + 1) % lg->ncontainers;
			logs_start(lg);
		}
		return true;
	default: return tv_key(&lg->tv, a);
	}
}

static void logs_find(struct pane *p, const char *text)
{
	struct logs *lg = p->priv;
	if (!tv_search(&lg->tv, text))
		ui_message(p->ui, true, "not found: %s", text);
}

static void logs_free(struct pane *p)
{
	struct logs *lg = p->priv;
	if (lg->req)
		http_cancel(lg->req);
	tv_done(&lg->tv);
	tv_done(&lg->pending);
	for (size_t i = 0; i < lg->ncontainers; i++)
		free(lg->containers[i]);
	free(lg->containers);
	free(lg->ns);
	free(lg->pod);
	free(lg);
	free(p);
}

static const struct pane_ops logs_ops = {
	.name = "logs", .draw = logs_draw, .key = logs_key, .find = logs_find, .free = logs_free,
};

/* Containers from the store record: regular ones first, then init containers. */
static void logs_containers(struct logs *lg)
{
	const union st_record *r = store_get(lg->ui->data->store, KK_POD, lg->ns, lg->pod);
	if (!r)
		return;
	size_t n = r->pod.ncontainers + r->pod.ninit;
	lg->containers = xcalloc(n ? n : 1, sizeof *lg->containers);
	for (uint32_t i = 0; i < r->pod.ncontainers; i++)
		lg->containers[lg->ncontainers++] = xstrdup(r->pod.containers[i].name);
	for (uint32_t i = 0; i < r->pod.ninit; i++)
		lg->containers[lg->ncontainers++] = xstrdup(r->pod.init[i].name);
}

struct pane *logs_new(struct ui *ui, const char *ns, const char *pod)
{
	struct pane *p = xcalloc(1, sizeof *p);
	struct logs *lg = xcalloc(1, sizeof *lg);
	tv_init(&lg->tv, LOG_MAX_LINES);
	tv_init(&lg->pending, LOG_MAX_LINES);
	lg->ui = ui;
	lg->ns = xstrdup(ns);
	lg->pod = xstrdup(pod);
	logs_containers(lg);
	p->ops = &logs_ops;
	p->ui = ui;
	p->priv = lg;
	p->scope = KS_TEXT | KS_LOGS;
	snprintf(p->title, sizeof p->title, "Logs");
	logs_start(lg);
	return p;
}
