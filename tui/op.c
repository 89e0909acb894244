/* op — a release operation on a worker thread, its events handed to the loop (see op.h). */
#include "tui/op.h"

#include "core/base/config.h"
#include "core/base/options.h"
#include "core/kube/kstatus.h"
#include "core/release/apply.h"
#include "core/release/storage.h"
#include "tui/metrics_ui.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#define OP_MAX_LINES 2000

enum msg_type { OPM_EVENT, OPM_CONFIRM, OPM_DONE };

struct op_msg {
	enum msg_type type;
	int kind;
	char *key, *line;
	struct op_msg *next;
};

/* The worker's side: written by the worker, read by the loop after the message that says so. */
struct op_run {
	struct op_req req;
	volatile sig_atomic_t abort;
	uv_thread_t th;
	bool joined;
	uv_mutex_t mu;
	uv_cond_t cv;
	int answer;                  /* -1 waiting, 0 no, 1 yes (under mu) */
	struct op_msg *q, **qtail;   /* under mu */
	struct plan plan;
	char *diff;
	int rc;
	char *error, *summary, *rollback_error;
	bool rolled_back;
	int revision;
};

static struct {
	struct ui *ui;
	uv_async_t async;
	bool async_on;
	struct op_run *run;
	struct op_status st;
} g;

void op_req_done(struct op_req *r)
{
	free(r->release), free(r->ns), free(r->chart), free(r->values_text);
	value_unref(r->values);
	for (size_t i = 0; i < r->nfiles; i++)
		free(r->names[i]), free(r->texts[i]);
	free(r->names), free(r->texts);
	memset(r, 0, sizeof *r);
}

/* ---- worker side ---- */

static void post(struct op_run *run, enum msg_type type, int kind, const char *key, const char *line)
{
	struct op_msg *m = xcalloc(1, sizeof *m);
	m->type = type;
	m->kind = kind;
	m->key = key ? xstrdup(key) : NULL;
	m->line = line ? xstrdup(line) : NULL;
	uv_mutex_lock(&run->mu);
	*run->qtail = m;
	run->qtail = &m->next;
	uv_mutex_unlock(&run->mu);
	uv_async_send(&g.async);
}

static void on_event(const struct engine_event *ev, void *ud)
{
	post(ud, OPM_EVENT, (int)ev->kind, ev->key, ev->line);
}

/* Posts the plan and waits for the operator (or an abort). */
static bool ask(struct op_run *run, struct kube_client *kc, struct value *const *objs, size_t n,
		struct value *const *gone, size_t ngone)
{
	struct strbuf sb = STRBUF_INIT;
	post(run, OPM_EVENT, EE_PHASE, NULL, "comparing with the live objects");
	plan_compute(kc, objs, n, gone, ngone, run->req.ns, &run->plan, &sb);
	run->diff = sb_detach(&sb, NULL);
	uv_mutex_lock(&run->mu);
	run->answer = -1;
	uv_mutex_unlock(&run->mu);
	post(run, OPM_CONFIRM, 0, NULL, NULL);
	uv_mutex_lock(&run->mu);
	while (run->answer < 0 && !run->abort)
		uv_cond_wait(&run->cv, &run->mu);
	bool yes = run->answer == 1 && !run->abort;
	uv_mutex_unlock(&run->mu);
	return yes;
}

static bool confirm_cb(struct kube_client *kc, struct value *const *objs, size_t n,
		       struct value *const *gone, size_t ngone, void *ud)
{
	return ask(ud, kc, objs, n, gone, ngone);
}

/* Rollback and uninstall: the engine asks nobody, so the plan comes first: the target
 * revision's objects against the live ones, or every object of the release going. */
static int ask_first(struct op_run *run, struct kube_client *kc, struct tops_err *err)
{
	struct history h = {0};
	int rc = storage_load(kc, run->req.ns, run->req.release, &h, err);
	const struct release *last = rc == 0 ? history_last(&h) : NULL;
	int want = run->req.revision > 0 ? run->req.revision : last ? last->version - 1 : 0;
	const struct release *r = run->req.action == EA_UNINSTALL ? last : history_get(&h, want);
	if (rc == 0 && !r)
		rc = tops_err_set(err, TOPS_ENOENT, "release %s has no revision %d", run->req.release, want);
	size_t n = 0;
	struct value **objs = rc == 0 ? plan_parse_manifest(r->manifest, &n, err) : NULL;
	if (rc == 0 && !objs)
		rc = -TOPS_EINVAL;
	if (rc == 0) {
		for (size_t i = 0; i < n; i++)
			apply_set_owner(objs[i], run->req.release, run->req.ns);
		bool un = run->req.action == EA_UNINSTALL;
		if (!ask(run, kc, un ? NULL : objs, un ? 0 : n, un ? objs : NULL, un ? n : 0))
			rc = tops_err_set(err, TOPS_EINTERNAL, "%s cancelled: nothing was changed",
					  un ? "uninstall" : "rollback");
	}
	plan_objects_free(objs, n);
	history_done(&h);
	return rc;
}

static void run_engine(struct op_run *run, struct kube_client *kc, struct tops_err *err)
{
	struct op_req *q = &run->req;
	struct engine_opts o = {
		.action = q->action, .release = q->release, .namespace_ = q->ns, .chart_path = q->chart,
		.values = q->values, .revision = q->revision, .atomic = q->atomic, .reuse_values = q->reuse_values,
		.wait = q->wait || q->atomic, .timeout_ms = q->timeout_ms, .grace_ms = q->grace_ms, .history_max = 10,
		.abort = &run->abort, .on_event = on_event, .ud = run,
		.confirm = q->ask && (q->action == EA_UPGRADE || q->action == EA_INSTALL) ? confirm_cb : NULL,
	};
	if (q->ask && (q->action == EA_ROLLBACK || q->action == EA_UNINSTALL) &&
	    (run->rc = ask_first(run, kc, err)) < 0)
		return;
	struct engine_result res;
	run->rc = engine_run(kc, &o, &res, err);
	run->summary = res.summary ? xstrdup(res.summary) : NULL;
	run->rollback_error = res.rollback_error ? xstrdup(res.rollback_error) : NULL;
	run->rolled_back = res.rolled_back;
	run->revision = res.rel ? res.rel->version : 0;
	engine_result_done(&res);
}

static void run_apply(struct op_run *run, struct kube_client *kc, struct tops_err *err)
{
	struct op_req *q = &run->req;
	struct value **all = NULL;
	size_t nall = 0;
	for (size_t i = 0; i < q->nfiles; i++) {
		size_t n = 0;
		struct value **objs = plan_parse_manifest(q->texts[i], &n, err);
		if (!objs) {
			tops_err_prefix(err, "%s", q->names[i]);
			run->rc = -TOPS_EINVAL;
			plan_objects_free(all, nall);
			return;
		}
		all = xrealloc(all, (nall + n + 1) * sizeof *all);
		memcpy(all + nall, objs, n * sizeof *objs);
		nall += n;
		free(objs);
	}
	bool go = !q->ask || ask(run, kc, all, nall, NULL, 0);
	plan_objects_free(all, nall);
	if (!go) {
		run->rc = tops_err_set(err, TOPS_EINTERNAL, "apply cancelled: nothing was changed");
		return;
	}
	struct engine_opts o = {.namespace_ = q->ns, .wait = q->wait, .timeout_ms = q->timeout_ms,
				.abort = &run->abort, .on_event = on_event, .ud = run};
	size_t applied = 0;
	run->rc = engine_apply(kc, &o, (const char *const *)q->names, (const char *const *)q->texts,
			       q->nfiles, &applied, err);
}

static void worker(void *arg)
{
	struct op_run *run = arg;
	struct tops_err err = {0};
	struct kube_client *kc = NULL;
	run->rc = kube_client_new(NULL, &tops_opts, &kc, &err);
	if (run->rc == 0 && run->req.apply)
		run_apply(run, kc, &err);
	else if (run->rc == 0)
		run_engine(run, kc, &err);
	if (run->rc < 0)
		run->error = xstrdup(tops_err_msg(&err));
	tops_err_clear(&err);
	kube_client_free(kc);
	post(run, OPM_DONE, 0, NULL, NULL);
}

/* ---- loop side ---- */

static void line_add(struct op_line **v, size_t *n, int kind, const char *key, const char *text)
{
	if (*n == OP_MAX_LINES) {
		free((*v)[0].key), free((*v)[0].text);
		memmove(*v, *v + 1, (*n - 1) * sizeof **v);
		(*n)--;
	}
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = (struct op_line){.key = key ? xstrdup(key) : NULL, .text = xstrdup(text ? text : ""),
					.kind = kind, .at = now_wall()};
}

static void take_event(struct op_status *s, const struct op_msg *m)
{
	if (m->kind == EE_WORKLOAD && m->key) {
		for (size_t i = 0; i < s->nwl; i++)
			if (!strcmp(s->wl[i].key, m->key)) {
				free(s->wl[i].text);
				s->wl[i].text = xstrdup(m->line);
				return;
			}
		line_add(&s->wl, &s->nwl, m->kind, m->key, m->line);
		return;
	}
	if (m->kind == EE_PHASE) {
		free(s->phase);
		s->phase = xstrdup(m->line);
	}
	line_add(&s->lines, &s->nlines, m->kind, NULL, m->line);
}

static void take_done(struct op_status *s, struct op_run *run)
{
	s->state = OPS_DONE;
	s->ended = now_wall();
	s->rc = run->rc;
	s->error = run->error, run->error = NULL;
	s->summary = run->summary, run->summary = NULL;
	s->rollback_error = run->rollback_error, run->rollback_error = NULL;
	s->rolled_back = run->rolled_back;
	s->revision = run->revision;
	s->cancelled = s->rc < 0 && s->error && strstr(s->error, "cancelled: nothing was changed");
	free(s->phase);
	s->phase = xstrdup(s->rc == 0 ? "done" : s->rolled_back ? "rolled back" : s->cancelled ? "cancelled" : "failed");
}

static void take(struct op_msg *m)
{
	struct op_status *s = &g.st;
	struct op_run *run = g.run;
	if (m->type == OPM_EVENT) {
		take_event(s, m);
	} else if (m->type == OPM_CONFIRM) {
		s->state = OPS_CONFIRM;
		s->plan = run->plan;
		free(s->diff);
		s->diff = run->diff, run->diff = NULL;
	} else {
		take_done(s, run);
	}
	s->gen++;
}

static void async_cb(uv_async_t *h)
{
	struct op_run *run = g.run;
	if (!run)
		return;
	uv_mutex_lock(&run->mu);
	struct op_msg *m = run->q;
	run->q = NULL;
	run->qtail = &run->q;
	uv_mutex_unlock(&run->mu);
	for (struct op_msg *next; m; m = next) {
		next = m->next;
		take(m);
		free(m->key), free(m->line), free(m);
	}
	ui_dirty(g.ui);
}

static void status_clear(struct op_status *s)
{
	op_req_done(&s->req);
	for (size_t i = 0; i < s->nlines; i++)
		free(s->lines[i].key), free(s->lines[i].text);
	for (size_t i = 0; i < s->nwl; i++)
		free(s->wl[i].key), free(s->wl[i].text);
	for (size_t i = 0; i < s->npods; i++)
		free(s->pods[i].key), free(s->pods[i].text);
	free(s->lines), free(s->wl), free(s->pods), free(s->phase), free(s->diff);
	free(s->error), free(s->summary), free(s->rollback_error);
	memset(s, 0, sizeof *s);
}

static void run_free(struct op_run *run)
{
	if (!run)
		return;
	if (!run->joined)
		uv_thread_join(&run->th);
	for (struct op_msg *m = run->q, *next; m; m = next)
		next = m->next, free(m->key), free(m->line), free(m);
	uv_mutex_destroy(&run->mu);
	uv_cond_destroy(&run->cv);
	op_req_done(&run->req);
	free(run->diff), free(run->error), free(run->summary), free(run->rollback_error);
	free(run);
}

/* The status keeps a copy of the request's words for drawing; the run owns the values. */
static void req_copy_words(struct op_req *to, const struct op_req *from)
{
	*to = *from;
	to->release = from->release ? xstrdup(from->release) : NULL;
	to->ns = from->ns ? xstrdup(from->ns) : NULL;
	to->chart = from->chart ? xstrdup(from->chart) : NULL;
	to->values_text = from->values_text ? xstrdup(from->values_text) : NULL;
	to->values = NULL;
	to->names = NULL, to->texts = NULL, to->nfiles = 0;
}

int op_start(struct ui *ui, struct op_req *req, struct tops_err *err)
{
	if (op_busy())
		return tops_err_set(err, TOPS_ECONFLICT, "an operation is already running (:op shows it)");
	if (!g.async_on) {
		uv_async_init(ui->loop, &g.async, async_cb);
		g.async_on = true;
	}
	g.ui = ui;
	run_free(g.run);
	status_clear(&g.st);
	struct op_run *run = xcalloc(1, sizeof *run);
	run->req = *req;
	memset(req, 0, sizeof *req);
	run->qtail = &run->q;
	run->answer = -1;
	uv_mutex_init(&run->mu);
	uv_cond_init(&run->cv);
	req_copy_words(&g.st.req, &run->req);
	g.st.state = OPS_PREPARING;
	g.st.started = now_wall();
	g.st.phase = xstrdup("preparing");
	g.run = run;
	if (uv_thread_create(&run->th, worker, run) < 0) {
		run->joined = true;
		g.run = NULL;
		run_free(run);
		status_clear(&g.st);
		return tops_err_set(err, TOPS_EINTERNAL, "cannot start a thread for the operation");
	}
	return 0;
}

const struct op_status *op_current(void)
{
	return g.st.started ? &g.st : NULL;
}

bool op_busy(void)
{
	return g.run && g.st.state != OPS_DONE;
}

static void answer(int a, bool abort)
{
	struct op_run *run = g.run;
	if (!run)
		return;
	uv_mutex_lock(&run->mu);
	if (abort)
		run->abort = 1;
	if (a >= 0 && run->answer < 0)
		run->answer = a;
	uv_cond_signal(&run->cv);
	uv_mutex_unlock(&run->mu);
}

void op_answer(bool yes)
{
	if (g.st.state != OPS_CONFIRM)
		return;
	answer(yes, false);
	g.st.state = yes ? OPS_RUNNING : OPS_PREPARING;
	g.st.gen++;
}

void op_abort(void)
{
	if (!op_busy())
		return;
	g.st.aborting = true;
	answer(0, true);
	g.st.gen++;
}

void op_dismiss(void)
{
	g.st.dismissed = true;
}

void op_ready(const struct op_status *s, long *ready, long *want)
{
	*ready = *want = 0;
	for (size_t i = 0; i < s->nwl; i++) {
		const char *p = strstr(s->wl[i].text, " updated ");
		int r = 0, w = 0;
		if (p && sscanf(p, " updated %d/%d ready", &r, &w) == 2)
			*ready += r, *want += w;
	}
}

static const char *const verbs[] = {"install", "upgrade", "rollback", "uninstall"};

static void elapsed(int64_t s, char *buf, size_t n)
{
	if (s < 0)
		s = 0;
	if (s >= 60)
		snprintf(buf, n, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, n, "%llds", (long long)s);
}

bool op_header_line(char *buf, size_t n, enum tui_role *role)
{
	const struct op_status *s = op_current();
	if (!s || (s->state == OPS_DONE && s->dismissed))
		return false;
	const char *verb = s->req.apply ? "apply" : verbs[s->req.action];
	char revs[32] = "", el[32];
	if (s->req.from_rev && s->req.to_rev)
		snprintf(revs, sizeof revs, " %d%s%d", s->req.from_rev, term_utf8() ? "→" : "->", s->req.to_rev);
	elapsed((s->state == OPS_DONE ? s->ended : now_wall()) - s->started, el, sizeof el);
	const char *dot = term_utf8() ? "·" : "-";
	const char *name = s->req.release ? s->req.release : s->req.chart ? s->req.chart : "";
	if (s->state != OPS_DONE) {
		long r, w;
		op_ready(s, &r, &w);
		snprintf(buf, n, "%s %s%s %s %s %s %ld/%ld ready %s %s", verb, name, revs, dot, el, dot, r, w,
			 dot, s->aborting ? "aborting" : s->state == OPS_CONFIRM ? "waiting for your confirmation (:op)" :
			 s->phase ? s->phase : "");
		*role = ROLE_PROGRESS;
		return true;
	}
	snprintf(buf, n, "%s %s%s %s %s in %s %s %s", verb, name, revs, dot, s->phase, el, dot,
		 s->rc == 0 ? "d dismisses in :op" : s->error ? s->error : "");
	*role = s->rc == 0 ? ROLE_OK : s->cancelled ? ROLE_DIM : ROLE_ERROR;
	return true;
}

static bool release_pod(const struct op_status *s, const union st_record *r)
{
	if (!s->req.release || strcmp(r->meta.namespace_, s->req.ns ? s->req.ns : ""))
		return false;
	for (uint32_t i = 0; i < r->meta.nlabels; i++)
		if (!strcmp(r->meta.labels[i].key, "app.kubernetes.io/instance"))
			return !strcmp(r->meta.labels[i].val, s->req.release);
	return false;
}

/* "Running Ready", "ContainerCreating", "ErrImagePull", "Terminating" ... */
static void pod_state(const union st_record *r, char *buf, size_t n)
{
	char st[96];
	kstatus_pod_status(&r->pod, st, sizeof st);
	snprintf(buf, n, "%s%s", st, kstatus_pod_is_ready(&r->pod) ? " Ready" : "");
}

void op_pod_changed(const union st_record *rec, const union st_record *old)
{
	struct op_status *s = &g.st;
	const union st_record *r = rec ? rec : old;
	if (!op_busy() || s->state == OPS_CONFIRM || !r || !release_pod(s, r))
		return;
	char now[128], line[400];
	if (rec)
		pod_state(rec, now, sizeof now);
	else
		snprintf(now, sizeof now, "deleted");
	size_t i = 0;
	while (i < s->npods && strcmp(s->pods[i].key, r->meta.name))
		i++;
	if (i < s->npods && !strcmp(s->pods[i].text, now))
		return;
	if (i < s->npods)
		snprintf(line, sizeof line, "pod/%s %s %s %s", r->meta.name, s->pods[i].text, term_utf8() ? "→" : "->", now);
	else
		snprintf(line, sizeof line, "pod/%s %s", r->meta.name, now);
	if (i < s->npods) {
		free(s->pods[i].text);
		s->pods[i].text = xstrdup(now);
	} else {
		line_add(&s->pods, &s->npods, EE_POD, r->meta.name, now);
	}
	line_add(&s->lines, &s->nlines, EE_POD, NULL, line);
	s->gen++;
}

void op_wait(void)
{
	if (!g.run || g.run->joined)
		return;
	uv_thread_join(&g.run->th);
	g.run->joined = true;
	async_cb(&g.async);
}

void op_shutdown(void)
{
	if (g.run) {
		op_wait();
		run_free(g.run);
		g.run = NULL;
	}
	if (g.async_on) {
		uv_close((uv_handle_t *)&g.async, NULL);
		g.async_on = false;
	}
	status_clear(&g.st);
}

bool op_needs_typed_name(const char *ns)
{
	const struct tops_config *cfg = metrics_ui_config();
	const char *pat = cfg ? config_str(cfg, "console.confirmTypeName") : NULL;
	return pat && *pat && ns && fnmatch(pat, ns, 0) == 0;
}

bool op_readonly(void)
{
	const struct tops_config *cfg = metrics_ui_config();
	const struct value *v = cfg ? value_map_get(cfg->root, "readonly") : NULL;
	return tops_opts.readonly || (v && v->type == V_BOOL && v->u.b);
}

bool op_readonly_refuses(struct ui *ui, const char *what)
{
	bool ro = op_readonly();
	if (ro)
		ui_message(ui, true, "read-only: %s refused (started with --readonly or readonly: true)", what);
	return ro;
}
