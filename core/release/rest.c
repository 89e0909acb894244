#include "core/release/rest.h"

#include <stdlib.h>
#include <string.h>

struct batch {
	struct kube_client *kc;
	struct rest_op *ops;
	size_t n, next, done;
	int inflight;
	struct rest_policy pol;
	uv_timer_t timer;            /* wakes the loop for retries that are due */
	uint64_t *due;               /* per op: when its retry may start (0: not waiting) */
};

struct op_ctx {
	struct batch *b;
	size_t i;
};

bool rest_transient(long status)
{
	static const long codes[] = {429, 500, 502, 503, 504};
	for (size_t i = 0; i < ARRAY_LEN(codes); i++)
		if (status == codes[i])
			return true;
	return false;
}

static long backoff(const struct batch *b, const struct rest_op *op)
{
	long ms = b->pol.backoff_ms << (op->attempts - 1 < 5 ? op->attempts - 1 : 5);
	if (ms > 5000)
		ms = 5000;
	if (op->status == 429 && ms < 1000)
		ms = 1000;
	return ms / 2 + (long)(rand() % (ms / 2 + 1));
}

static void start_op(struct batch *b, size_t i);

static void op_done(struct http_req *r, struct http_result *res, void *ud)
{
	struct op_ctx *c = ud;
	struct batch *b = c->b;
	struct rest_op *op = &b->ops[c->i];
	(void)r;
	b->inflight--;
	free(op->response);
	op->response = res->body;
	res->body = NULL;
	op->status = res->status;
	op->rc = res->err;
	bool retry = (res->err == -TOPS_ENET || res->err == -TOPS_ETIMEOUT || rest_transient(res->status)) &&
		     op->attempts < b->pol.attempts;
	tops_err_clear(&op->err);
	if (res->err)
		tops_err_set(&op->err, -res->err, "%s", res->errmsg ? res->errmsg : "request failed");
	else if (res->status >= 400)
		kube_status_error(res->status, op->response, &op->err);
	if (retry) {
		b->due[c->i] = uv_now(b->kc->loop) + (uint64_t)backoff(b, op);
	} else {
		b->done++;
	}
	free(c);
}

static void start_op(struct batch *b, size_t i)
{
	struct rest_op *op = &b->ops[i];
	struct op_ctx *c = xcalloc(1, sizeof *c);
	c->b = b, c->i = i;
	op->attempts++;
	struct http_request rq = {.method = op->method, .url = op->path, .body = op->body,
				  .body_len = op->body ? strlen(op->body) : 0,
				  .content_type = op->content_type, .accept = "application/json",
				  .on_done = op_done, .ud = c};
	tops_err_clear(&op->err);
	if (!kube_request(b->kc, &rq, &op->err)) {
		op->rc = -(op->err.code ? op->err.code : TOPS_EINTERNAL);
		b->done++;
		free(c);
		return;
	}
	b->inflight++;
}

static void timer_cb(uv_timer_t *t)
{
	(void)t; /* waking the loop is enough: pump() starts what is due */
}

/* Starts what may start now: due retries first, then new ops, up to the parallel bound. */
static void pump(struct batch *b)
{
	uint64_t now = uv_now(b->kc->loop), soonest = 0;
	for (size_t i = 0; i < b->next && b->inflight < b->pol.parallel; i++) {
		if (!b->due[i])
			continue;
		if (b->due[i] <= now) {
			b->due[i] = 0;
			start_op(b, i);
		} else if (!soonest || b->due[i] < soonest) {
			soonest = b->due[i];
		}
	}
	while (b->next < b->n && b->inflight < b->pol.parallel)
		start_op(b, b->next++);
	if (soonest)
		uv_timer_start(&b->timer, timer_cb, soonest - now, 0);
}

static void policy_defaults(struct rest_policy *p, const struct rest_policy *given)
{
	*p = given ? *given : (struct rest_policy){0};
	if (p->attempts <= 0)
		p->attempts = 5;
	if (p->backoff_ms <= 0)
		p->backoff_ms = 200;
	if (p->parallel <= 0)
		p->parallel = 16;
}

static void timer_close_cb(uv_handle_t *h)
{
	(void)h;
}

int rest_run(struct kube_client *kc, struct rest_op *ops, size_t n, const struct rest_policy *policy)
{
	struct batch b = {.kc = kc, .ops = ops, .n = n};
	policy_defaults(&b.pol, policy);
	b.due = xcalloc(n + 1, sizeof *b.due);
	uv_timer_init(kc->loop, &b.timer);
	while (b.done < n) {
		pump(&b);
		if (b.done < n)
			uv_run(kc->loop, UV_RUN_ONCE);
	}
	uv_close((uv_handle_t *)&b.timer, timer_close_cb);
	uv_run(kc->loop, UV_RUN_NOWAIT);
	free(b.due);
	for (size_t i = 0; i < n; i++)
		if (ops[i].rc < 0)
			return ops[i].rc;
	return 0;
}

void rest_ops_done(struct rest_op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ops[i].response);
		ops[i].response = NULL;
		tops_err_clear(&ops[i].err);
	}
}

int rest_call(struct kube_client *kc, const char *method, const char *path, const char *body,
	      const char *content_type, long *status, struct value **out, struct tops_err *err)
{
	struct rest_op op = {.method = method, .path = path, .body = body, .content_type = content_type};
	long st_local;
	status = status ? status : &st_local;
	if (out)
		*out = NULL;
	int rc = rest_run(kc, &op, 1, NULL);
	*status = op.status;
	if (rc == 0 && op.status >= 400)
		rc = op.err.code ? -op.err.code : -TOPS_EHTTP;
	if (rc < 0 && op.rc < 0) /* transport: its words already name the URL */
		tops_err_set(err, op.err.code ? op.err.code : -rc, "%s", op.err.code ? tops_err_msg(&op.err) : "request failed");
	else if (rc < 0)
		tops_err_set(err, op.err.code ? op.err.code : -rc, "%s %s: %s", method, path,
			     op.err.code ? tops_err_msg(&op.err) : "request failed");
	else if (out && op.response && *op.response) {
		*out = value_from_json(op.response, strlen(op.response), err);
		if (!*out)
			rc = -TOPS_EINVAL;
	}
	rest_ops_done(&op, 1);
	return rc;
}

static void sleep_cb(uv_timer_t *t)
{
	*(bool *)t->data = true;
}

void rest_sleep(struct kube_client *kc, long ms)
{
	uv_timer_t t;
	bool fired = false;
	uv_timer_init(kc->loop, &t);
	t.data = &fired;
	uv_timer_start(&t, sleep_cb, (uint64_t)(ms > 0 ? ms : 0), 0);
	while (!fired)
		uv_run(kc->loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, timer_close_cb);
	uv_run(kc->loop, UV_RUN_NOWAIT);
}
