/* kube — kinds table, paths, selectors and the client object. */
#include "core/base/base64.h"
#include "core/base/timefmt.h"
#include "core/kube/kube.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const struct kube_kind_info kinds[KK__COUNT] = {
	[KK_POD] = {KK_POD, "pods", "pod", "Pod", "", "v1", "pod", {"po", NULL}},
	[KK_PVC] = {KK_PVC, "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim",
		    "", "v1", "persistentvolumeclaim", {"pvc", NULL}},
	[KK_DEPLOYMENT] = {KK_DEPLOYMENT, "deployments", "deployment", "Deployment", "apps", "v1",
			   "deployment.apps", {"deploy", "deployments.apps", "deployment.apps", NULL}},
	[KK_REPLICASET] = {KK_REPLICASET, "replicasets", "replicaset", "ReplicaSet", "apps", "v1",
			   "replicaset.apps", {"rs", "replicasets.apps", "replicaset.apps", NULL}},
	[KK_STATEFULSET] = {KK_STATEFULSET, "statefulsets", "statefulset", "StatefulSet", "apps", "v1",
			    "statefulset.apps", {"sts", "statefulsets.apps", "statefulset.apps", NULL}},
	[KK_SERVICE] = {KK_SERVICE, "services", "service", "Service", "", "v1", "service", {"svc", NULL}},
	[KK_EVENT] = {KK_EVENT, "events", "event", "Event", "", "v1", "event", {"ev", NULL}},
	[KK_DAEMONSET] = {KK_DAEMONSET, "daemonsets", "daemonset", "DaemonSet", "apps", "v1",
			  "daemonset.apps", {"ds", "daemonsets.apps", "daemonset.apps", NULL}},
};

const struct kube_kind_info *kube_kind_info(enum kube_kind k)
{
	return k < KK__COUNT ? &kinds[k] : NULL;
}

const struct kube_kind_info *kube_kind_lookup(const char *name)
{
	for (size_t i = 0; i < KK__COUNT; i++) {
		const struct kube_kind_info *ki = &kinds[i];
		if (!strcasecmp(name, ki->resource) || !strcasecmp(name, ki->singular) ||
		    !strcasecmp(name, ki->kind_name))
			return ki;
		for (size_t a = 0; ki->aliases[a]; a++)
			if (!strcasecmp(name, ki->aliases[a]))
				return ki;
	}
	return NULL;
}

void kube_query_escape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			sb_addc(sb, (char)c);
		else
			sb_addf(sb, "%%%02X", c);
	}
}

char *kube_path(enum kube_kind k, const char *ns, const char *name, const char *query)
{
	const struct kube_kind_info *ki = &kinds[k];
	struct strbuf sb = STRBUF_INIT;
	if (*ki->group)
		sb_addf(&sb, "/apis/%s/%s", ki->group, ki->version);
	else
		sb_addf(&sb, "/api/%s", ki->version);
	if (ns && *ns)
		sb_addf(&sb, "/namespaces/%s", ns);
	sb_addf(&sb, "/%s", ki->resource);
	if (name && *name)
		sb_addf(&sb, "/%s", name);
	if (query && *query)
		sb_addf(&sb, "?%s", query);
	return sb_detach(&sb, NULL);
}

/* --- selectors --- */

enum sel_op { SEL_EQ, SEL_NE, SEL_IN, SEL_NOTIN, SEL_EXISTS, SEL_NOTEXISTS };

struct sel_req {
	char *key;
	enum sel_op op;
	char **vals;
	size_t nvals;
};

struct kube_selector {
	struct sel_req *reqs;
	size_t n;
};

void kube_selector_free(struct kube_selector *sel)
{
	if (!sel)
		return;
	for (size_t i = 0; i < sel->n; i++) {
		free(sel->reqs[i].key);
		for (size_t v = 0; v < sel->reqs[i].nvals; v++)
			free(sel->reqs[i].vals[v]);
		free(sel->reqs[i].vals);
	}
	free(sel->reqs);
	free(sel);
}

static bool sel_word_char(char c, bool field)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || c == '/' ||
	       (field && c != ',' && c != '=' && c != '!' && c != ' ' && c != '\0');
}

static void skip_ws(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static char *take_word(const char **p, bool field)
{
	const char *s = *p;
	while (sel_word_char(**p, field))
		(*p)++;
	return xstrndup(s, (size_t)(*p - s));
}

static int sel_error(const char *s, const char *p, const char *what, struct tops_err *err)
{
	return tops_err_set(err, TOPS_EINVAL, "invalid selector \"%s\" at column %d: %s", s,
			    (int)(p - s) + 1, what);
}

static void add_val(struct sel_req *r, char *v)
{
	r->vals = xrealloc(r->vals, (r->nvals + 1) * sizeof(char *));
	r->vals[r->nvals++] = v;
}

/* Parses "(a,b,c)" into r->vals. */
static int parse_set(const char *s, const char **p, struct sel_req *r, struct tops_err *err)
{
	skip_ws(p);
	if (**p != '(')
		return sel_error(s, *p, "expected '('", err);
	(*p)++;
	for (;;) {
		skip_ws(p);
		add_val(r, take_word(p, false));
		skip_ws(p);
		if (**p == ')')
			break;
		if (**p != ',')
			return sel_error(s, *p, "expected ',' or ')'", err);
		(*p)++;
	}
	(*p)++;
	return 0;
}

static int parse_req(const char *s, const char **p, bool field, struct sel_req *r,
		     struct tops_err *err)
{
	skip_ws(p);
	bool neg = **p == '!';
	if (neg && !field)
		(*p)++;
	skip_ws(p);
	r->key = take_word(p, field);
	if (!*r->key)
		return sel_error(s, *p, "expected a key", err);
	skip_ws(p);
	if (neg) {
		r->op = SEL_NOTEXISTS;
		return 0;
	}
	if (**p == '\0' || **p == ',') {
		if (field)
			return sel_error(s, *p, "expected '=' or '!='", err);
		r->op = SEL_EXISTS;
		return 0;
	}
	if (**p == '=' || **p == '!') {
		r->op = **p == '!' ? SEL_NE : SEL_EQ;
		if (**p == '!' && (*p)[1] != '=')
			return sel_error(s, *p, "expected '!='", err);
		*p += (**p == '!' || (*p)[1] == '=') ? 2 : 1;
		skip_ws(p);
		add_val(r, take_word(p, field));
		return 0;
	}
	if (!field && (!strncmp(*p, "in", 2) || !strncmp(*p, "notin", 5))) {
		r->op = **p == 'i' ? SEL_IN : SEL_NOTIN;
		*p += r->op == SEL_IN ? 2 : 5;
		return parse_set(s, p, r, err);
	}
	return sel_error(s, *p, "expected an operator", err);
}

int kube_selector_parse(const char *s, bool field, struct kube_selector **out, struct tops_err *err)
{
	*out = NULL;
	if (!s)
		return 0;
	const char *p = s;
	skip_ws(&p);
	if (!*p)
		return 0;
	struct kube_selector *sel = xcalloc(1, sizeof *sel);
	for (;;) {
		sel->reqs = xrealloc(sel->reqs, (sel->n + 1) * sizeof(struct sel_req));
		struct sel_req *r = &sel->reqs[sel->n++];
		memset(r, 0, sizeof *r);
		int rc = parse_req(s, &p, field, r, err);
		if (rc) {
			kube_selector_free(sel);
			return rc;
		}
		skip_ws(&p);
		if (!*p)
			break;
		if (*p != ',') {
			kube_selector_free(sel);
			return sel_error(s, p, "expected ','", err);
		}
		p++;
	}
	*out = sel;
	return 0;
}

static bool in_vals(const struct sel_req *r, const char *v)
{
	for (size_t i = 0; i < r->nvals; i++)
		if (strcmp(r->vals[i], v) == 0)
			return true;
	return false;
}

bool kube_selector_match(const struct kube_selector *sel, kube_lookup_fn lookup, const void *obj)
{
	for (size_t i = 0; sel && i < sel->n; i++) {
		const struct sel_req *r = &sel->reqs[i];
		const char *v = lookup(obj, r->key);
		bool ok;
		switch (r->op) {
		case SEL_EQ: ok = v && in_vals(r, v); break;
		case SEL_IN: ok = v && in_vals(r, v); break;
		case SEL_NE: ok = !v || !in_vals(r, v); break;
		case SEL_NOTIN: ok = !v || !in_vals(r, v); break;
		case SEL_EXISTS: ok = v != NULL; break;
		default: ok = v == NULL; break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* --- client --- */

/* Exec plugin credentials on the client's loop: requests that need a credential are held in
 * core/http while one plugin run is in flight, then released with the new token (or failed
 * with the plugin's error). A 401 to a plugin user holds the request once more and refreshes,
 * unless a newer credential than the one it was sent with is already cached. */

/* The cached plugin credential: its token, and its client certificate when it has one. */
static struct http_auth exec_auth(const struct kube_exec *e)
{
	struct http_auth a = {.bearer = e->token};
	if (e->cert_data && e->key_data) {
		a.cert_data = e->cert_data, a.cert_len = strlen(e->cert_data);
		a.key_data = e->key_data, a.key_len = strlen(e->key_data);
	}
	return a;
}

static void release_with_cache(struct kube_client *c)
{
	struct http_auth a = exec_auth(c->kc->exec);
	http_release_held(c->http, &a);
}

static void refresh_done(struct kubeconfig *kc, int rc, const struct tops_err *err, void *ud)
{
	struct kube_client *c = ud;
	(void)kc;
	if (rc)
		http_fail_held(c->http, err->code ? err->code : TOPS_EAUTH, tops_err_msg(err));
	else
		release_with_cache(c);
}

/* One run at a time: a request arriving meanwhile simply waits for it. */
static int refresh_start(struct kube_client *c, struct tops_err *err)
{
	if (kubeconfig_exec_running(c->kc))
		return 0;
	return kubeconfig_exec_start(c->kc, c->loop, refresh_done, c, err);
}

static void unauthorized_cb(struct http *h, const char *sent_bearer, void *ud)
{
	struct kube_client *c = ud;
	const struct kube_exec *e = c->kc->exec;
	if (kubeconfig_exec_running(c->kc))
		return;
	if (e->token && !kubeconfig_exec_stale(c->kc) && (!sent_bearer || strcmp(sent_bearer, e->token))) {
		release_with_cache(c);   /* refreshed since that request left */
		return;
	}
	struct tops_err err = {0};
	if (refresh_start(c, &err))
		http_fail_held(h, TOPS_EAUTH, tops_err_msg(&err));
	tops_err_clear(&err);
}

int kube_client_new(uv_loop_t *loop, const struct tops_opts *opts, struct kube_client **out,
		    struct tops_err *err)
{
	struct kube_client *c = xcalloc(1, sizeof *c);
	int rc = kubeconfig_load(opts, &c->kc, err);
	if (rc)
		goto fail;
	if (!loop) {
		loop = xmalloc(sizeof *loop);
		if (uv_loop_init(loop) != 0) {
			free(loop);
			rc = tops_err_set(err, TOPS_EINTERNAL, "cannot create an event loop");
			goto fail;
		}
		c->own_loop = true;
	}
	c->loop = loop;
	c->http = http_new(loop, err);
	if (!c->http) {
		rc = -TOPS_EINTERNAL;
		goto fail;
	}
	if (kubeconfig_uses_exec(c->kc))
		http_set_unauthorized_hook(c->http, unauthorized_cb, c);
	if (opts && opts->request_timeout) {
		long ms = time_parse_duration_ms(opts->request_timeout);
		if (ms < 0) {
			rc = tops_err_set(err, TOPS_EINVAL, "invalid --request-timeout \"%s\" (e.g. 30s, 1m)",
					  opts->request_timeout);
			goto fail;
		}
		c->request_timeout_ms = ms;
	}
	struct kubeconfig *kc = c->kc;
	c->tls = (struct http_tls){
		.ca_file = kc->ca_file, .ca_data = kc->ca_data, .ca_len = kc->ca_len,
		.cert_file = kc->cert_file, .cert_data = kc->cert_data, .cert_len = kc->cert_len,
		.key_file = kc->key_file, .key_data = kc->key_data, .key_len = kc->key_len,
		.insecure = kc->insecure, .server_name = kc->tls_server_name, .proxy_url = kc->proxy_url};
	*out = c;
	return 0;
fail:
	kube_client_free(c);
	*out = NULL;
	return rc;
}

void kube_client_free(struct kube_client *c)
{
	if (!c)
		return;
	if (c->http)
		http_free(c->http);
	if (c->kc)
		kubeconfig_exec_cancel(c->kc);
	if (c->own_loop) {
		uv_run(c->loop, UV_RUN_DEFAULT);
		uv_loop_close(c->loop);
		free(c->loop);
	}
	kubeconfig_free(c->kc);
	free(c);
}

const char *kube_client_namespace(const struct kube_client *c)
{
	return c->kc->namespace_ && *c->kc->namespace_ ? c->kc->namespace_ : "default";
}

struct http_req *kube_request(struct kube_client *c, const struct http_request *rq,
			      struct tops_err *err)
{
	const char *token = NULL;
	bool plugin = kubeconfig_uses_exec(c->kc);
	bool wait = plugin && (kubeconfig_exec_running(c->kc) || kubeconfig_exec_stale(c->kc));
	if (wait && refresh_start(c, err))
		return NULL;
	if (!plugin && kubeconfig_token(c->kc, &token, err))
		return NULL;
	struct http_request r = *rq;
	struct http_tls tls = c->tls;
	r.hold = wait;
	r.retry_unauthorized = plugin;
	if (plugin && !wait) {
		struct http_auth a = exec_auth(c->kc->exec);
		token = a.bearer;
		if (a.cert_data) {
			tls.cert_data = a.cert_data, tls.cert_len = a.cert_len;
			tls.key_data = a.key_data, tls.key_len = a.key_len;
			tls.cert_file = tls.key_file = NULL;
		}
	}
	const char *srv = c->kc->server;
	size_t sl = strlen(srv);
	while (sl && srv[sl - 1] == '/')
		sl--;
	bool has_scheme = strstr(srv, "://") != NULL;
	char *url = xasprintf("%s%.*s%s", has_scheme ? "" : "https://", (int)sl, srv, rq->url);
	r.url = url;
	r.bearer = token;
	if (!token && c->kc->username) {
		r.username = c->kc->username;
		r.password = c->kc->password;
	}
	r.tls = &tls;
	if (!r.timeout_ms && !r.on_line && !r.on_data)
		r.timeout_ms = c->request_timeout_ms;
	struct http_req *h = http_start(c->http, &r, err);
	free(url);
	return h;
}

/* The server URL split for a request written by hand: the URL of the path and the
 * "Host:" value and the path prefix of the server (Rancher-style https://host/k8s/clusters/x). */
static int conn_target(const char *server, const char *path, char **url, char **host,
		       char **target)
{
	bool has_scheme = strstr(server, "://") != NULL;
	char *base = xasprintf("%s%s", has_scheme ? "" : "https://", server);
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		base[--bl] = '\0';
	CURLU *u = curl_url();
	char *h = NULL, *port = NULL, *prefix = NULL;
	int rc = -1;
	if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &prefix, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_PORT, &port, 0);
		size_t pl = strlen(prefix);
		while (pl && prefix[pl - 1] == '/')
			pl--;
		*url = xasprintf("%s%s", base, path);
		*host = port ? xasprintf("%s:%s", h, port) : xstrdup(h);
		*target = xasprintf("%.*s%s", (int)pl, prefix, path);
		rc = 0;
	}
	curl_free(h);
	curl_free(port);
	curl_free(prefix);
	curl_url_cleanup(u);
	free(base);
	return rc;
}

/* The bearer token (borrowed) and the TLS settings (a plugin's certificate) for a raw connection. */
static int conn_credentials(struct kube_client *c, const char **token, struct http_tls *tls,
			    struct tops_err *err)
{
	*tls = c->tls;
	*token = NULL;
	if (kubeconfig_uses_exec(c->kc) && kubeconfig_exec_running(c->kc))
		return tops_err_set(err, TOPS_EAUTH, "a credential refresh is in flight; try again");
	if (kubeconfig_token(c->kc, token, err))
		return -TOPS_EAUTH;
	if (kubeconfig_uses_exec(c->kc)) {
		struct http_auth a = exec_auth(c->kc->exec);
		*token = a.bearer;
		if (a.cert_data) {
			tls->cert_data = a.cert_data, tls->cert_len = a.cert_len;
			tls->key_data = a.key_data, tls->key_len = a.key_len;
			tls->cert_file = tls->key_file = NULL;
		}
	}
	return 0;
}

static void add_basic_auth(struct strbuf *sb, const char *user, const char *pass)
{
	char *up = xasprintf("%s:%s", user, pass ? pass : "");
	sb_adds(sb, "Authorization: Basic ");
	base64_encode(sb, up, strlen(up));
	sb_adds(sb, "\r\n");
	free(up);
}

int kube_conn_open(struct kube_client *c, const char *method, const char *path,
		   struct http_conn **conn, char **head, struct tops_err *err)
{
	char *url = NULL, *host = NULL, *target = NULL;
	const char *token = NULL;
	struct http_tls tls;
	*conn = NULL;
	*head = NULL;
	if (conn_target(c->kc->server, path, &url, &host, &target) < 0)
		return tops_err_set(err, TOPS_EINVAL, "invalid server URL \"%s\"", c->kc->server);
	int rc = conn_credentials(c, &token, &tls, err);
	if (rc == 0) {
		struct http_request rq = {.url = url, .tls = &tls};
		rc = http_conn_open(&rq, conn, err);
	}
	if (rc == 0) {
		struct strbuf sb = STRBUF_INIT;
		sb_addf(&sb, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tops/0.1\r\n", method, target, host);
		if (token)
			sb_addf(&sb, "Authorization: Bearer %s\r\n", token);
		else if (c->kc->username)
			add_basic_auth(&sb, c->kc->username, c->kc->password);
		*head = sb_detach(&sb, NULL);
	}
	free(url);
	free(host);
	free(target);
	return rc;
}

struct sync_state {
	bool done;
	long status;
	char *body;
	int err;
	char *errmsg;
};

static void sync_done(struct http_req *r, struct http_result *res, void *ud)
{
	struct sync_state *s = ud;
	(void)r;
	s->done = true;
	s->status = res->status;
	s->err = res->err;
	if (res->err)
		s->errmsg = xstrdup(res->errmsg);
	s->body = res->body;
	res->body = NULL;
}

int kube_request_sync(struct kube_client *c, const char *method, const char *path,
		      const char *body, const char *content_type, long *status, char **response,
		      struct tops_err *err)
{
	struct sync_state s = {0};
	struct http_request rq = {.method = method, .url = path, .body = body,
				  .body_len = body ? strlen(body) : 0, .content_type = content_type,
				  .accept = "application/json", .on_done = sync_done, .ud = &s};
	*status = 0;
	if (response)
		*response = NULL;
	if (!kube_request(c, &rq, err))
		return -(err && err->code ? err->code : TOPS_EINTERNAL);
	while (!s.done)
		if (uv_run(c->loop, UV_RUN_ONCE) == 0 && !s.done)
			break;
	if (!s.done)
		return tops_err_set(err, TOPS_EINTERNAL, "request to %s did not complete", path);
	if (s.err) {
		int code = -s.err;
		tops_err_set(err, code, "%s", s.errmsg);
		free(s.errmsg);
		free(s.body);
		return -code;
	}
	*status = s.status;
	if (s.status >= 400)
		kube_status_error(s.status, s.body, err);
	if (response)
		*response = s.body;
	else
		free(s.body);
	return 0;
}

int kube_status_error(long status, const char *body, struct tops_err *err)
{
	static const struct { long status; int code; } map[] = {
		{401, TOPS_EAUTH}, {403, TOPS_EAUTH}, {404, TOPS_ENOENT}, {409, TOPS_ECONFLICT},
		{410, TOPS_EGONE}};
	int code = TOPS_EHTTP;
	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		if (map[i].status == status)
			code = map[i].code;
	cJSON *j = body ? cJSON_Parse(body) : NULL;
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "message");
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
	if (cJSON_IsString(kind) && strcmp(kind->valuestring, "Status") == 0 && cJSON_IsString(msg))
		tops_err_set(err, code, "%s", msg->valuestring);
	else
		tops_err_set(err, code, "the server returned HTTP %ld", status);
	cJSON_Delete(j);
	return -code;
}

int kube_get_json(struct kube_client *c, const char *path, struct value **out, struct tops_err *err)
{
	long status = 0;
	char *body = NULL;
	*out = NULL;
	int rc = kube_request_sync(c, "GET", path, NULL, NULL, &status, &body, err);
	if (rc == 0 && (status < 200 || status >= 300)) {
		rc = kube_status_error(status, body, err);
	} else if (rc == 0) {
		struct tops_err jerr = {0};
		*out = value_from_json(body ? body : "", body ? strlen(body) : 0, &jerr);
		if (!*out)
			rc = tops_err_set(err, TOPS_EINVAL, "the server's reply to %s is not JSON: %s", path,
					  tops_err_msg(&jerr));
		tops_err_clear(&jerr);
	}
	free(body);
	return rc;
}

char *kube_scan_continue(const char *body, size_t len)
{
	static const char key[] = "\"continue\":\"";
	const char *p = memmem(body, len, key, sizeof key - 1);
	if (!p || memmem(p + 1, len - (size_t)(p + 1 - body), key, sizeof key - 1))
		return NULL;
	p += sizeof key - 1;
	const char *e = memchr(p, '"', len - (size_t)(p - body));
	if (!e || e == p || memchr(p, '\\', (size_t)(e - p)))
		return NULL;
	return xstrndup(p, (size_t)(e - p));
}
