/* pfwd — pods/portforward: the kubelet's WebSocket channel protocol and the simulated HTTP
 * responders; see pfwd.h. */
#include "tests/kubesim/pfwd.h"

#include "tests/kubesim/api.h"
#include "tests/kubesim/exec.h"
#include "tests/kubesim/sim.h"
#include "tests/kubesim/spdy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PORTS 16

/* --- the HTTP responder --- */

void pfwd_http_init(struct pfwd_http *h, const char *ns, const char *pod, int port)
{
	memset(h, 0, sizeof *h);
	h->pod_ns = xstrdup(ns);
	h->pod_name = xstrdup(pod);
	h->port = port;
}

void pfwd_http_done(struct pfwd_http *h)
{
	sb_done(&h->in);
	free(h->pod_ns);
	free(h->pod_name);
}

bool pfwd_port_open(const struct value *pod, int port)
{
	const struct value *cs = value_map_path(pod, "spec.containers");
	for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++) {
		const struct value *ps = value_map_get(cs->u.list.items[i], "ports");
		for (size_t j = 0; ps && ps->type == V_LIST && j < ps->u.list.len; j++)
			if (vint(ps->u.list.items[j], "containerPort", -1) == port)
				return true;
	}
	return false;
}

static bool pod_ready(const char *ns, const char *name)
{
	struct value *pod = db_get(K_POD, ns, name);
	const struct value *cs = value_map_path(pod, "status.conditions");
	bool ready = false;
	for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++) {
		const char *t = vstr(cs->u.list.items[i], "type"), *s = vstr(cs->u.list.items[i], "status");
		if (t && s && !strcmp(t, "Ready"))
			ready = !strcmp(s, "True");
	}
	value_unref(pod);
	return ready;
}

/* The value of header name in the head (without its line end), or NULL; caller frees. */
static char *header(const char *head, size_t len, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = head; p && p < head + len;) {
		const char *eol = memmem(p, (size_t)(head + len - p), "\r\n", 2);
		if (!eol)
			break;
		if ((size_t)(eol - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1;
			while (*v == ' ')
				v++;
			return xstrndup(v, (size_t)(eol - v));
		}
		p = eol + 2;
	}
	return NULL;
}

static void reply(struct pfwd_http *h, const char *method, const char *path, struct strbuf *out)
{
	int status = 200;
	char *body;
	if (!strcmp(path, "/v1/health")) {
		bool ok = pod_ready(h->pod_ns, h->pod_name);
		status = ok ? 200 : 503;
		body = xstrdup(ok ? "ok\n" : "not ready\n");
	} else {
		body = xasprintf("kubesim %s:%d %s %s\n", h->pod_name, h->port, method, path);
	}
	sb_addf(out, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		"Content-Length: %zu\r\n%s\r\n%s", status, status == 200 ? "OK" : "Service Unavailable",
		strlen(body), h->close_after ? "Connection: close\r\n" : "", body);
	free(body);
}

/* One complete request from h->in, answered; false when more bytes are needed. */
static bool one_request(struct pfwd_http *h, struct strbuf *out)
{
	const char *end = h->in.len ? memmem(h->in.buf, h->in.len, "\r\n\r\n", 4) : NULL;
	if (!end)
		return false;
	size_t hl = (size_t)(end - h->in.buf) + 4;
	char *cl = header(h->in.buf, hl, "Content-Length"), *conn = header(h->in.buf, hl, "Connection");
	size_t body = cl ? strtoul(cl, NULL, 10) : 0;
	bool whole = h->in.len >= hl + body;
	if (whole) {
		char method[16] = "", path[1024] = "";
		sscanf(h->in.buf, "%15s %1023s", method, path);
		h->close_after = conn && !strcasecmp(conn, "close");
		reply(h, method, path, out);
		memmove(h->in.buf, h->in.buf + hl + body, h->in.len - hl - body);
		h->in.len -= hl + body;
	}
	free(cl);
	free(conn);
	return whole && !h->close_after;
}

void pfwd_http_feed(struct pfwd_http *h, const char *data, size_t len, struct strbuf *out)
{
	sb_add(&h->in, data, len);
	while (one_request(h, out))
		;
}

/* --- the channel protocol --- */

struct pf_sess {
	struct sim_ws *sw;
	int nports;
	int ports[MAX_PORTS];
	struct pfwd_http http[MAX_PORTS];
};

static void sess_free(struct pf_sess *s)
{
	for (int i = 0; i < s->nports; i++)
		pfwd_http_done(&s->http[i]);
	free(s);
}

static void send_ch(struct pf_sess *s, int ch, const char *p, size_t n)
{
	char *m = xmalloc(n + 1);
	m[0] = (char)ch;
	memcpy(m + 1, p, n);
	sim_ws_send(s->sw, m, n + 1);
	free(m);
}

static void sess_end(struct pf_sess *s)
{
	struct sim_ws *sw = s->sw;
	sess_free(s);
	sim_ws_end(sw, 1000);
}

static void sess_msg(struct sim_ws *sw, int opcode, const unsigned char *d, size_t n, void *ud)
{
	struct pf_sess *s = ud;
	if (n == 0 || d[0] % 2 || d[0] / 2 >= s->nports)
		return;
	struct strbuf out = STRBUF_INIT;
	struct pfwd_http *h = &s->http[d[0] / 2];
	pfwd_http_feed(h, (const char *)d + 1, n - 1, &out);
	if (out.len)
		send_ch(s, d[0], out.buf, out.len);
	sb_done(&out);
	if (h->close_after)
		sess_end(s);
}

static void sess_gone(void *ud) { sess_free(ud); }

static int parse_ports(const char *q, int *ports)
{
	char *v = srv_query_get(q, "ports"), *save = NULL;
	int n = 0;
	for (char *t = v ? strtok_r(v, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save)) {
		char *end;
		long p = strtol(t, &end, 10);
		if (*end || p < 1 || p > 65535 || n == MAX_PORTS) {
			n = -1;
			break;
		}
		ports[n++] = (int)p;
	}
	free(v);
	return n;
}

static void start_channels(struct pf_sess *s, const struct value *pod, const char *ns,
			   const char *name)
{
	for (int i = 0; i < s->nports; i++) {
		char pb[2] = {(char)(s->ports[i] & 0xff), (char)(s->ports[i] >> 8)};
		send_ch(s, 2 * i, pb, 2);
		send_ch(s, 2 * i + 1, pb, 2);
	}
	for (int i = 0; i < s->nports; i++) {
		if (pfwd_port_open(pod, s->ports[i]))
			continue;
		char *msg = xasprintf("error forwarding port %d to pod %s, uid : failed to execute "
				      "portforward in network namespace \"/var/run/netns/%s\": failed to "
				      "connect to localhost:%d inside namespace \"%s\", IPv4: dial tcp4 "
				      "127.0.0.1:%d: connect: connection refused IPv6 dial tcp6: address "
				      "localhost: no suitable address ", s->ports[i], name, name,
				      s->ports[i], name, s->ports[i]);
		send_ch(s, 2 * i + 1, msg, strlen(msg));
		free(msg);
		sess_end(s);
		return;
	}
}

/* --- SPDY inside the WebSocket (kubectl 1.32's tunnel) --- */

/* One forwarded connection: the error and data streams that share a requestid. */
struct sp_pair {
	char *reqid;
	uint32_t data_id, err_id;
	int port;
	bool started, done;
	struct pfwd_http http;
};

struct sp_sess {
	struct sim_ws *sw;
	struct spdy *sp;
	char *ns, *name;
	struct sp_pair *pairs;
	size_t npairs;
};

static void sp_free(struct sp_sess *s)
{
	for (size_t i = 0; i < s->npairs; i++) {
		free(s->pairs[i].reqid);
		if (s->pairs[i].started)
			pfwd_http_done(&s->pairs[i].http);
	}
	free(s->pairs);
	spdy_free(s->sp);
	free(s->ns);
	free(s->name);
	free(s);
}

static void sp_write(void *ud, const char *buf, size_t len)
{
	struct sp_sess *s = ud;
	sim_ws_send(s->sw, buf, len);
}

static struct sp_pair *sp_pair_of(struct sp_sess *s, const char *reqid)
{
	for (size_t i = 0; i < s->npairs; i++)
		if (!strcmp(s->pairs[i].reqid, reqid))
			return &s->pairs[i];
	s->pairs = xrealloc(s->pairs, (s->npairs + 1) * sizeof *s->pairs);
	struct sp_pair *p = &s->pairs[s->npairs++];
	memset(p, 0, sizeof *p);
	p->reqid = xstrdup(reqid);
	return p;
}

static void sp_finish(struct sp_sess *s, struct sp_pair *p)
{
	if (p->done)
		return;
	p->done = true;
	if (p->data_id)
		spdy_data(s->sp, p->data_id, NULL, 0, true);
	if (p->err_id)
		spdy_data(s->sp, p->err_id, NULL, 0, true);
}

/* Both streams are there: refuse a port nothing listens on, as the kubelet does. */
static void sp_start(struct sp_sess *s, struct sp_pair *p)
{
	struct value *pod = db_get(K_POD, s->ns, s->name);
	bool open = pod && pfwd_port_open(pod, p->port);
	value_unref(pod);
	p->started = true;
	pfwd_http_init(&p->http, s->ns, s->name, p->port);
	if (open)
		return;
	char *msg = xasprintf("error forwarding port %d to pod %s, uid : failed to execute portforward "
			      "in network namespace \"/var/run/netns/%s\": failed to connect to "
			      "localhost:%d inside namespace \"%s\", IPv4: dial tcp4 127.0.0.1:%d: "
			      "connect: connection refused IPv6 dial tcp6: address localhost: no "
			      "suitable address ", p->port, s->name, s->name, p->port, s->name, p->port);
	spdy_data(s->sp, p->err_id, msg, strlen(msg), false);
	free(msg);
	sp_finish(s, p);
}

static const char *hval(const char *const *names, const char *const *values, size_t n,
			const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(names[i], name))
			return values[i];
	return "";
}

static void sp_stream(void *ud, uint32_t id, const char *const *names, const char *const *values,
		      size_t n)
{
	struct sp_sess *s = ud;
	spdy_reply(s->sp, id);
	struct sp_pair *p = sp_pair_of(s, hval(names, values, n, "requestid"));
	p->port = atoi(hval(names, values, n, "port"));
	if (!strcmp(hval(names, values, n, "streamtype"), "error"))
		p->err_id = id;
	else
		p->data_id = id;
	if (p->err_id && p->data_id && !p->started)
		sp_start(s, p);
}

static void sp_data(void *ud, uint32_t id, const char *data, size_t len, bool fin)
{
	struct sp_sess *s = ud;
	for (size_t i = 0; i < s->npairs; i++) {
		struct sp_pair *p = &s->pairs[i];
		if (p->data_id != id || p->done || !p->started)
			continue;
		struct strbuf out = STRBUF_INIT;
		pfwd_http_feed(&p->http, data, len, &out);
		if (out.len)
			spdy_data(s->sp, id, out.buf, out.len, false);
		sb_done(&out);
		if (fin || p->http.close_after)
			sp_finish(s, p);
	}
}

static void sp_reset(void *ud, uint32_t id)
{
	struct sp_sess *s = ud;
	for (size_t i = 0; i < s->npairs; i++)
		if (s->pairs[i].data_id == id || s->pairs[i].err_id == id)
			s->pairs[i].done = true;
}

static void sp_msg(struct sim_ws *sw, int opcode, const unsigned char *d, size_t n, void *ud)
{
	struct sp_sess *s = ud;
	if (spdy_feed(s->sp, (const char *)d, n) < 0) {
		sp_free(s);
		sim_ws_end(sw, 1002);
	}
}

static void sp_gone(void *ud) { sp_free(ud); }

static void spdy_session(struct srv_conn *c, const struct srv_req *r, const char *proto,
			 const char *ns, const char *name)
{
	static const struct spdy_cbs cbs = {sp_write, sp_stream, sp_data, sp_reset};
	struct sp_sess *s = xcalloc(1, sizeof *s);
	s->ns = xstrdup(ns);
	s->name = xstrdup(name);
	s->sp = spdy_new(&cbs, s);
	s->sw = sim_ws_accept(c, r, proto, sp_msg, sp_gone, s);
}

void pfwd_handle(struct srv_conn *c, const struct srv_req *r, const char *ns, const char *name)
{
	static const char *const protos[] = {"portforward.k8s.io", "v4.channel.k8s.io",
					     "SPDY/3.1+portforward.k8s.io", NULL};
	struct value *pod = db_get(K_POD, ns, name);
	struct pf_sess *s = NULL;
	const char *phase = pod ? vstr(pod, "status.phase") : NULL;
	int ports[MAX_PORTS], n = 0;
	const char *proto;
	if (!pod) {
		struct tops_err err = {0};
		tops_err_set(&err, TOPS_ENOENT, "pods \"%s\" not found", name);
		api_reply_err(c, &err, K_POD, name);
		tops_err_clear(&err);
	} else if (!phase || strcmp(phase, "Running")) {
		api_reply_status(c, 400, "BadRequest", "unable to upgrade connection: pod not running");
	} else if (!strstr(r->ws_protocol, "SPDY/3.1") && (n = parse_ports(r->query, ports)) <= 0) {
		api_reply_status(c, 400, "BadRequest", n < 0 ? "invalid port in \"ports\""
							      : "at least 1 port must be specified");
	} else if ((proto = exec_pick_protocol(c, r, protos)) && strstr(proto, "SPDY")) {
		spdy_session(c, r, proto, ns, name);
	} else if (proto) {
		s = xcalloc(1, sizeof *s);
		s->nports = n;
		memcpy(s->ports, ports, sizeof ports);
		for (int i = 0; i < n; i++)
			pfwd_http_init(&s->http[i], ns, name, ports[i]);
		s->sw = sim_ws_accept(c, r, proto, sess_msg, sess_gone, s);
		start_channels(s, pod, ns, name);
	}
	value_unref(pod);
}
