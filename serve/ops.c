/* ops — operations on threads, their progress on the loop, Server-Sent Events. */
#include "serve/ops_int.h"

#include "core/base/timefmt.h"
#include "core/release/obj.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct msg {
	struct op *op;
	enum msg_kind kind;
	char *text;
	int status;
	enum op_state state;
	char *error;
	struct msg *next;
};

struct ops {
	uv_loop_t *loop;
	uv_async_t async;
	uv_mutex_t mu;
	struct msg *head, *tail;
	struct op **v;
	size_t n;
	unsigned seq;
	int running;
	volatile sig_atomic_t abort;
	ops_done_fn done;
	void (*work)(void *op);
	void *ud;
};

static const char *const state_names[] = {
	[OPS_PENDING] = "pending", [OPS_RUNNING] = "running", [OPS_SUCCEEDED] = "succeeded",
	[OPS_FAILED] = "failed", [OPS_REFUSED] = "refused",
};
static const char *const kind_names[] = {
	[OPK_PREVIEW] = "preview", [OPK_DELETE] = "delete", [OPK_ROLLBACK] = "rollback",
};

const char *op_state_name(enum op_state s)
{
	return state_names[s];
}

enum op_state op_state_of(const struct op *op)
{
	return op->state;
}

enum op_kind op_kind_of(const struct op *op)
{
	return op->kind;
}

volatile sig_atomic_t *ops_abort_flag(struct ops *o)
{
	return &o->abort;
}

volatile sig_atomic_t *ops_abort_of(struct op *op)
{
	return &op->owner->abort;
}

int ops_running(const struct ops *o)
{
	return o->running;
}

/* ---- from the threads ---- */

static void push(struct ops *o, struct msg *m)
{
	uv_mutex_lock(&o->mu);
	if (o->tail)
		o->tail->next = m;
	else
		o->head = m;
	o->tail = m;
	uv_mutex_unlock(&o->mu);
	uv_async_send(&o->async);
}

void ops_post(struct op *op, enum msg_kind kind, char *text)
{
	struct msg *m = xcalloc(1, sizeof *m);
	m->op = op, m->kind = kind, m->text = text;
	push(op->owner, m);
}

void ops_post_done(struct op *op, int status, enum op_state state, char *result, char *error)
{
	struct msg *m = xcalloc(1, sizeof *m);
	m->op = op, m->kind = MSG_DONE, m->text = result, m->status = status;
	m->state = state, m->error = error;
	push(op->owner, m);
}

/* ---- on the loop ---- */

static char *sse_frame(size_t id, const char *event, const char *data)
{
	return xasprintf("id: %zu\nevent: %s\ndata: %s\n\n", id, event, data);
}

static void sub_gone(struct conn *c, void *ud)
{
	struct op *op = ud;
	for (size_t i = 0; i < op->nsubs; i++)
		if (op->subs[i] == c) {
			op->subs[i] = op->subs[--op->nsubs];
			return;
		}
}

static void waiter_gone(struct conn *c, void *ud)
{
	((struct op *)ud)->waiter = NULL;
}

static void send_end(struct op *op, struct conn *c)
{
	sub_gone(c, op); /* conn_stream_end() forgets the gone callback */
	char *j = op_json(op), *f = sse_frame(op->nevents + 1, "end", j);
	conn_stream_write(c, f, strlen(f));
	free(j), free(f);
	conn_stream_end(c);
}

void ops_subscribe(struct ops *o, struct op *op, struct conn *c)
{
	conn_stream_begin(c, "text/event-stream");
	for (size_t i = 0; i < op->nevents; i++) {
		char *f = sse_frame(i + 1, "progress", op->events[i]);
		conn_stream_write(c, f, strlen(f));
		free(f);
	}
	if (op->state != OPS_PENDING && op->state != OPS_RUNNING)
		return send_end(op, c);
	op->subs = xrealloc(op->subs, (op->nsubs + 1) * sizeof *op->subs);
	op->subs[op->nsubs++] = c;
	conn_on_gone(c, sub_gone, op);
}

static void on_event(struct op *op, char *text)
{
	op->events = xrealloc(op->events, (op->nevents + 1) * sizeof *op->events);
	op->events[op->nevents++] = text;
	char *f = sse_frame(op->nevents, "progress", text);
	for (size_t i = 0; i < op->nsubs; i++)
		conn_stream_write(op->subs[i], f, strlen(f));
	free(f);
}

static void answer(struct op *op, int status, const char *body)
{
	struct conn *c = op->waiter;
	if (!c)
		return;
	op->waiter = NULL;
	char *hdr = status == 202 ? xasprintf("Location: /v1/operations/%s\r\n", op->id) : NULL;
	conn_respond(c, status, "application/json", hdr, body, strlen(body));
	free(hdr);
}

static void on_accept(struct op *op)
{
	op->state = OPS_RUNNING;
	if (op->dry_run)
		return;
	char *j = op_json(op);
	answer(op, 202, j);
	free(j);
}

static char *error_body(int status, const char *msg, const char *result)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "{\"error\":{\"code\":%d,\"message\":", status);
	value_json_string(&sb, msg, strlen(msg), false);
	sb_addf(&sb, ",\"details\":%s}}\n", result ? result : "[]");
	return sb_detach(&sb, NULL);
}

static void on_done(struct ops *o, struct op *op, struct msg *m)
{
	op->state = m->state;
	op->status = m->status;
	op->result = m->text, m->text = NULL;
	op->error = m->error, m->error = NULL;
	op->ended_ms = wall_ms();
	if (op->kind == OPK_PREVIEW && op->state == OPS_SUCCEEDED && op->ttl_s > 0 && !op->dry_run)
		op->expires_ms = op->ended_ms + op->ttl_s * 1000;
	uv_thread_join(&op->thread);
	op->joined = true;
	o->running--;
	if (op->waiter) {
		char *body = op->status < 300 ? op_json(op) :
			     error_body(op->status, op->error ? op->error : "failed", op->result);
		answer(op, op->status, body);
		free(body);
	}
	while (op->nsubs > 0)
		send_end(op, op->subs[0]);
	if (o->done)
		o->done(op, o->ud);
}

static void async_cb(uv_async_t *a)
{
	struct ops *o = a->data;
	uv_mutex_lock(&o->mu);
	struct msg *m = o->head;
	o->head = o->tail = NULL;
	uv_mutex_unlock(&o->mu);
	while (m) {
		struct msg *next = m->next;
		if (m->kind == MSG_EVENT)
			on_event(m->op, m->text), m->text = NULL;
		else if (m->kind == MSG_ACCEPT)
			on_accept(m->op);
		else
			on_done(o, m->op, m);
		free(m->text), free(m->error), free(m);
		m = next;
	}
}

struct ops *ops_new(uv_loop_t *loop, void (*work)(void *op), ops_done_fn done, void *ud)
{
	struct ops *o = xcalloc(1, sizeof *o);
	o->work = work;
	o->loop = loop;
	o->done = done, o->ud = ud;
	uv_mutex_init(&o->mu);
	uv_async_init(loop, &o->async, async_cb);
	o->async.data = o;
	return o;
}

static struct op *busy_on(struct ops *o, const char *ns, const char *release)
{
	for (size_t i = 0; i < o->n; i++) {
		struct op *p = o->v[i];
		if ((p->state == OPS_PENDING || p->state == OPS_RUNNING) && !p->dry_run &&
		    !strcmp(p->ns, ns) && !strcmp(p->release, release))
			return p;
	}
	return NULL;
}

static struct op *op_new(struct ops *o, const struct op_spec *s)
{
	struct op *op = xcalloc(1, sizeof *op);
	op->owner = o;
	snprintf(op->id, sizeof op->id, "op-%lld-%u", (long long)(wall_ms() / 1000), ++o->seq);
	op->kind = s->kind;
	op->release = xstrdup(s->release), op->ns = xstrdup(s->namespace_);
	op->chart = s->chart ? xstrdup(s->chart) : NULL;
	op->actor = xstrdup(s->actor ? s->actor : "anonymous");
	op->tmpdir = s->tmpdir ? xstrdup(s->tmpdir) : NULL;
	op->values = value_ref(s->values);
	op->dry_run = s->dry_run, op->revision = s->revision;
	op->timeout_ms = s->timeout_ms, op->ttl_s = s->ttl_s;
	op->created_ms = wall_ms();
	return op;
}

int ops_start(struct ops *o, const struct op_spec *spec, struct conn *c, struct tops_err *err)
{
	struct op *busy = spec->dry_run ? NULL : busy_on(o, spec->namespace_, spec->release);
	if (busy)
		return tops_err_set(err, TOPS_ECONFLICT, "another operation is in progress on %s/%s: "
				    "%s %s by %s", spec->namespace_, spec->release, kind_names[busy->kind],
				    busy->id, busy->actor);
	struct op *op = op_new(o, spec);
	o->v = xrealloc(o->v, (o->n + 1) * sizeof *o->v);
	o->v[o->n++] = op;
	op->waiter = c;
	if (c)
		conn_on_gone(c, waiter_gone, op);
	o->running++;
	if (uv_thread_create(&op->thread, o->work, op) != 0) {
		o->running--;
		op->state = OPS_FAILED;
		op->joined = true;
		op->waiter = NULL;
		return tops_err_set(err, TOPS_EINTERNAL, "cannot start a thread for the operation");
	}
	return 0;
}

struct op *ops_find(struct ops *o, const char *id)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->v[i]->id, id))
			return o->v[i];
	return NULL;
}

static void put_time(struct strbuf *sb, const char *key, int64_t ms)
{
	char *t = ms ? obj_microtime(ms) : NULL;
	sb_addf(sb, ",\"%s\":", key);
	if (t)
		value_json_string(sb, t, strlen(t), false);
	else
		sb_adds(sb, "null");
	free(t);
}

static void put_str(struct strbuf *sb, const char *key, const char *v)
{
	sb_addf(sb, ",\"%s\":", key);
	if (v)
		value_json_string(sb, v, strlen(v), false);
	else
		sb_adds(sb, "null");
}

char *op_json(const struct op *op)
{
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "{\"id\":\"%s\",\"kind\":\"%s\"", op->id, kind_names[op->kind]);
	put_str(&sb, "release", op->release);
	put_str(&sb, "namespace", op->ns);
	put_str(&sb, "actor", op->actor);
	sb_addf(&sb, ",\"state\":\"%s\",\"dryRun\":%s", state_names[op->state], op->dry_run ? "true" : "false");
	put_time(&sb, "createdAt", op->created_ms);
	put_time(&sb, "endedAt", op->ended_ms);
	put_time(&sb, "expiresAt", op->expires_ms);
	sb_addf(&sb, ",\"events\":%zu,\"eventsUrl\":\"/v1/operations/%s/events\"", op->nevents, op->id);
	sb_addf(&sb, ",\"result\":%s", op->result ? op->result : "null");
	put_str(&sb, "error", op->error);
	sb_adds(&sb, "}");
	return sb_detach(&sb, NULL);
}

void ops_expire(struct ops *o, int64_t now_ms)
{
	for (size_t i = 0; i < o->n; i++) {
		struct op *p = o->v[i];
		if (!p->expires_ms || p->expired || p->expires_ms > now_ms || busy_on(o, p->ns, p->release))
			continue;
		p->expired = true;
		struct op_spec s = {.kind = OPK_DELETE, .release = p->release, .namespace_ = p->ns,
				    .actor = "ttl", .timeout_ms = 300000};
		struct tops_err err = {0};
		ops_start(o, &s, NULL, &err);
		tops_err_clear(&err);
	}
}

static void op_free(struct op *op)
{
	for (size_t i = 0; i < op->nevents; i++)
		free(op->events[i]);
	free(op->events), free(op->subs);
	free(op->release), free(op->ns), free(op->chart), free(op->actor), free(op->tmpdir);
	free(op->result), free(op->error);
	value_unref(op->values);
	free(op);
}

static void async_close_cb(uv_handle_t *h)
{
	struct ops *o = h->data;
	for (size_t i = 0; i < o->n; i++)
		op_free(o->v[i]);
	free(o->v);
	uv_mutex_destroy(&o->mu);
	free(o);
}

void ops_free(struct ops *o)
{
	if (o)
		uv_close((uv_handle_t *)&o->async, async_close_cb);
}
