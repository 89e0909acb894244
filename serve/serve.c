/* serve — `tops serve`: startup, the security checks, dispatch, shutdown. */
#include "serve/serve_int.h"
#include "serve/ops_int.h"

#include "core/base/options.h"

#include <errno.h>
#include <limits.h>
#include <time.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct route serve_routes[] = {
#define X(id, m, p, role, fn, sum) {id, m, p, role, fn, sum},
	SERVE_ROUTES(X)
#undef X
};

const char *const serve_route_names[] = {
#define X(id, m, p, role, fn, sum) m " " p,
	SERVE_ROUTES(X)
#undef X
};

static const char *const mutating[] = {"POST", "PUT", "PATCH", "DELETE"};

/* ---- answers ---- */

void api_json(struct conn *c, int status, const char *body)
{
	conn_respond(c, status, "application/json", NULL, body, strlen(body));
}

void api_error(struct conn *c, int status, const char *details, const char *extra_headers,
	       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct strbuf msg = STRBUF_INIT, sb = STRBUF_INIT;
	sb_vaddf(&msg, fmt, ap);
	va_end(ap);
	sb_addf(&sb, "{\"error\":{\"code\":%d,\"message\":", status);
	value_json_string(&sb, sb_str(&msg), msg.len, false);
	sb_addf(&sb, ",\"details\":%s}}\n", details ? details : "[]");
	conn_respond(c, status, "application/json", extra_headers, sb_str(&sb), sb.len);
	sb_done(&msg), sb_done(&sb);
}

/* ---- dispatch ---- */

/* Matches path against pattern; a '*' segment is copied into arg. */
static bool match(const char *pattern, const char *path, char *arg, size_t n)
{
	while (*pattern && *path) {
		if (*pattern == '*') {
			size_t k = strcspn(path, "/");
			if (k == 0 || k >= n)
				return false;
			memcpy(arg, path, k), arg[k] = 0;
			path += k, pattern++;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	return !*pattern && !*path;
}

static bool is_mutating(const char *method)
{
	for (size_t i = 0; i < ARRAY_LEN(mutating); i++)
		if (!strcmp(method, mutating[i]))
			return true;
	return false;
}

static const struct route *find_route(const char *method, const char *path, char *arg, size_t n,
				      bool *other_method)
{
	*other_method = false;
	for (size_t i = 0; i < R__COUNT; i++)
		if (match(serve_routes[i].pattern, path, arg, n)) {
			if (!strcmp(serve_routes[i].method, method))
				return &serve_routes[i];
			*other_method = true;
		}
	return NULL;
}

static enum auth_role needed(const struct server *sv, const struct route *r)
{
	if (r->id == R_HEALTH && sv->o.health_auth)
		return AUTH_READ;
	return r->role;
}

/* Authentication and authorisation: false after answering 401 or 403. */
static bool allowed(struct server *sv, struct conn *c, const struct route *r, const char **actor)
{
	enum auth_role need = needed(sv, r);
	const char *hdr = sb_str(&conn_req(c)->authorization);
	enum auth_role have = auth_check(sv->auth, *hdr ? hdr : NULL, actor);
	if (need == AUTH_NONE)
		return true;
	if (have == AUTH_NONE) {
		api_error(c, 401, NULL, "WWW-Authenticate: Bearer realm=\"tops\"\r\n", *hdr ?
			  "the bearer token is not valid" : "a bearer token is required (Authorization: Bearer TOKEN)");
		return false;
	}
	if (have < need) {
		api_error(c, 403, NULL, NULL, "token %s has the role %s; %s %s needs the role %s", *actor,
			  auth_role_name(have), r->method, r->pattern, auth_role_name(need));
		return false;
	}
	if (sv->o.readonly && is_mutating(r->method)) {
		api_error(c, 403, NULL, NULL, "read-only server (--readonly): %s %s refused", r->method,
			  r->pattern);
		return false;
	}
	return true;
}

static void on_request(struct conn *c, void *ud)
{
	struct server *sv = ud;
	const struct req *rq = conn_req(c);
	int retry;
	if (!limit_take(sv->limit, conn_peer(c), (int64_t)(uv_hrtime() / 1000000), &retry)) {
		char hdr[64];
		snprintf(hdr, sizeof hdr, "Retry-After: %d\r\n", retry);
		return api_error(c, 429, NULL, hdr, "rate limit: at most %g requests a second from one "
				 "client; retry after %d s", sv->o.rate, retry);
	}
	char path[2048], arg[256];
	bool other;
	req_path(rq, path, sizeof path);
	const struct route *r = find_route(rq->method, path, arg, sizeof arg, &other);
	if (!r)
		return other ? api_error(c, 405, NULL, NULL, "%s is not allowed on %s", rq->method, path) :
			       api_error(c, 404, NULL, NULL, "no such route: %s %s (see /v1/openapi.json)",
					 rq->method, path);
	conn_set_tag(c, (int)r->id);
	const char *actor = NULL;
	if (!allowed(sv, c, r, &actor))
		return;
	r->fn(sv, c, arg, actor ? actor : "anonymous");
}

static void on_answer(struct conn *c, int status, int tag, double s, void *ud)
{
	struct server *sv = ud;
	smetrics_request(sv->metrics, tag < 0 ? R__COUNT : (size_t)tag, status, s);
}

/* ---- shutdown ---- */

static void finish(struct server *sv)
{
	if (ops_running(sv->ops) > 0)
		return;
	uv_close((uv_handle_t *)&sv->sigterm, NULL);
	uv_close((uv_handle_t *)&sv->sigint, NULL);
	uv_close((uv_handle_t *)&sv->ttl, NULL);
	health_free(sv->health);
	sv->health = NULL;
	if (sv->kc)
		kube_client_free(sv->kc);
	sv->kc = NULL;
	ops_free(sv->ops);
}

static void signal_cb(uv_signal_t *s, int signum)
{
	struct server *sv = s->data;
	if (sv->signals++ > 0) {
		*ops_abort_flag(sv->ops) = 1;
		fprintf(stderr, "tops serve: aborting %d running operation(s)\n", ops_running(sv->ops));
		return;
	}
	sv->stopping = true;
	fprintf(stderr, "tops serve: stopping (%d operation(s) running)\n", ops_running(sv->ops));
	srv_stop(sv->srv);
	uv_timer_stop(&sv->ttl);
	finish(sv);
}

static void op_done(const struct op *op, void *ud)
{
	struct server *sv = ud;
	static const char *const kinds[] = {[OPK_PREVIEW] = "preview", [OPK_DELETE] = "delete",
					    [OPK_ROLLBACK] = "rollback"};
	smetrics_operation(sv->metrics, kinds[op_kind_of(op)], op_state_name(op_state_of(op)));
	if (sv->stopping)
		finish(sv);
}

static void ttl_cb(uv_timer_t *t)
{
	struct server *sv = t->data;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ops_expire(sv->ops, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* ---- startup ---- */

/* host and port of --listen ("127.0.0.1:8080", "[::1]:8080", ":8080" = loopback). */
static int parse_listen(const char *s, char *host, size_t n, int *port, struct tops_err *err)
{
	const char *colon = strrchr(s, ':');
	if (!colon)
		return tops_err_set(err, TOPS_EINVAL, "--listen %s: expected HOST:PORT", s);
	size_t hl = (size_t)(colon - s);
	const char *h = s;
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']')
		h = s + 1, hl -= 2;
	if (hl == 0)
		h = "127.0.0.1", hl = strlen(h);
	if (hl >= n)
		return tops_err_set(err, TOPS_EINVAL, "--listen %s: host too long", s);
	memcpy(host, h, hl), host[hl] = 0;
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (*end || p < 0 || p > 65535 || end == colon + 1)
		return tops_err_set(err, TOPS_EINVAL, "--listen %s: the port is not a number 0-65535", s);
	*port = (int)p;
	return 0;
}

static bool loopback(const char *host)
{
	return !strncmp(host, "127.", 4) || !strcmp(host, "::1") || !strcmp(host, "localhost");
}

static int check_security(const struct serve_opts *o, const char *host, struct tops_err *err)
{
	if (!!o->tls_cert != !!o->tls_key)
		return tops_err_set(err, TOPS_EINVAL, "--tls-cert and --tls-key go together");
	if (!loopback(host) && (!o->tls_cert || !o->token_file))
		return tops_err_set(err, TOPS_EINVAL, "refusing to listen on %s without TLS and a token "
				    "file: give --tls-cert, --tls-key and --token-file, or listen on "
				    "127.0.0.1", host);
	return 0;
}

static int load_tokens(struct server *sv, struct tops_err *err)
{
	char *path = sv->o.token_file ? xstrdup(sv->o.token_file) : auth_default_path();
	bool created = false;
	int rc = auth_load(path, !sv->o.token_file, &created, &sv->auth, err);
	if (rc == 0)
		fprintf(stderr, "tops serve: tokens %s %s\n", created ? "written to" : "read from", path);
	free(path);
	return rc;
}

static int setup(struct server *sv, struct tops_err *err)
{
	char host[256];
	int port = 0;
	if (parse_listen(sv->o.listen, host, sizeof host, &port, err) < 0 ||
	    check_security(&sv->o, host, err) < 0 || load_tokens(sv, err) < 0)
		return -TOPS_EINVAL;
	if (sv->o.chart_root && !(sv->chart_root = realpath(sv->o.chart_root, NULL)))
		return tops_err_set(err, TOPS_ENOENT, "--chart-root %s: %s", sv->o.chart_root, strerror(errno));
	if (kube_client_new(sv->loop, &tops_opts, &sv->kc, err) < 0)
		return -TOPS_EINVAL;
	struct srv_opts so = {.host = host, .port = port, .tls_cert = sv->o.tls_cert,
			      .tls_key = sv->o.tls_key, .max_conns = sv->o.max_conns,
			      .max_body = sv->o.max_body, .header_timeout_ms = sv->o.header_timeout_ms,
			      .request_timeout_ms = sv->o.request_timeout_ms, .on_request = on_request,
			      .on_answer = on_answer, .ud = sv};
	if (srv_new(sv->loop, &so, &sv->srv, err) < 0)
		return -TOPS_ENET;
	char ns[256], name[256];
	const char *slash = sv->o.runner ? strchr(sv->o.runner, '/') : NULL;
	snprintf(ns, sizeof ns, "%.*s", slash ? (int)(slash - sv->o.runner) : 255,
		 slash ? sv->o.runner : kube_client_namespace(sv->kc));
	snprintf(name, sizeof name, "%s", slash ? slash + 1 : sv->o.runner ? sv->o.runner : "testops-runner");
	sv->health = health_new(sv->kc, ns, name, sv->o.health_interval_ms);
	health_start(sv->health);
	printf("tops serve: listening on %s://%s%s%s:%d\n", sv->o.tls_cert ? "https" : "http",
	       strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", srv_port(sv->srv));
	fflush(stdout);
	return 0;
}

static void start_loop_parts(struct server *sv)
{
	sv->limit = limit_new(sv->o.rate, sv->o.burst);
	sv->metrics = smetrics_new(serve_route_names, R__COUNT);
	sv->ops = ops_new(sv->loop, opwork_main, op_done, sv);
	uv_signal_init(sv->loop, &sv->sigterm);
	uv_signal_init(sv->loop, &sv->sigint);
	sv->sigterm.data = sv->sigint.data = sv;
	uv_signal_start(&sv->sigterm, signal_cb, SIGTERM);
	uv_signal_start(&sv->sigint, signal_cb, SIGINT);
	uv_timer_init(sv->loop, &sv->ttl);
	sv->ttl.data = sv;
	uv_timer_start(&sv->ttl, ttl_cb, 1000, 1000);
}

int serve_run(const struct serve_opts *o)
{
	signal(SIGPIPE, SIG_IGN);
	struct server sv = {.loop = uv_default_loop(), .o = *o};
	struct tops_err err = {0};
	start_loop_parts(&sv);
	int rc = setup(&sv, &err);
	if (rc < 0) {
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
		sv.signals = 0;
		if (sv.srv)
			srv_stop(sv.srv);
		finish(&sv);
	}
	uv_run(sv.loop, UV_RUN_DEFAULT);
	srv_free(sv.srv);
	auth_free(sv.auth), limit_free(sv.limit), smetrics_free(sv.metrics);
	free(sv.chart_root);
	tops_err_clear(&err);
	return rc < 0 ? 1 : 0;
}
