/* portfwd — local listeners, one WebSocket per connection; see portfwd.h. */
#include "core/kube/portfwd.h"

#include "core/kube/ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PF_HIGH_WATER ((size_t)4 << 20)   /* stop reading one side while the other lags */

struct pf_listener {
	uv_tcp_t tcp;
	struct portfwd *pf;
	int local, remote;
};

struct pf_conn {
	uv_tcp_t tcp;
	uv_poll_t poll;
	struct portfwd *pf;
	struct pf_listener *l;
	struct ws *ws;
	int handles;            /* open uv handles; freed at 0 */
	int seen[2];            /* port-header bytes still to skip per channel */
	bool closing, polling, reading;
	struct strbuf errtext;
	struct pf_conn *next, *prev;
};

struct portfwd {
	struct kube_client *kc;
	char *ns, *pod, *address;
	struct pf_listener *ls;
	size_t nls;
	int open_handles;
	struct pf_conn *conns;
	size_t active, handled;
	bool stopping, closed_sent;
	portfwd_fn fn;
	void *ud;
};

static void emit(struct portfwd *pf, enum portfwd_event ev, int local, const char *text)
{
	if (pf->fn)
		pf->fn(pf, ev, local, text, pf->ud);
}

static void maybe_closed(struct portfwd *pf)
{
	if (pf->stopping && !pf->open_handles && !pf->conns && !pf->closed_sent) {
		pf->closed_sent = true;
		emit(pf, PF_CLOSED, 0, "");
	}
}

/* --- connections --- */

static void conn_handle_closed(uv_handle_t *h)
{
	struct pf_conn *c = h->data;
	if (--c->handles > 0)
		return;
	struct portfwd *pf = c->pf;
	if (c->prev)
		c->prev->next = c->next;
	else
		pf->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ws_free(c->ws);
	sb_done(&c->errtext);
	free(c);
	pf->active--;
	maybe_closed(pf);
}

static void conn_close(struct pf_conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->errtext.len) {
		/* the kubelet's words come bare on the error channel; say which forward they are for */
		char *msg = str_has_prefix(sb_str(&c->errtext), "an error occurred")
				    ? xstrdup(sb_str(&c->errtext))
				    : xasprintf("an error occurred forwarding %d -> %d: %s", c->l->local,
						c->l->remote, sb_str(&c->errtext));
		size_t n = strlen(msg);
		while (n && msg[n - 1] == ' ')
			msg[--n] = '\0';
		emit(c->pf, PF_CONN_ERROR, c->l->local, msg);
		free(msg);
	}
	if (c->ws) {
		ws_close(c->ws, 1000, NULL);
		ws_pump(c->ws, false);
	}
	if (c->polling)
		uv_close((uv_handle_t *)&c->poll, conn_handle_closed);
	uv_close((uv_handle_t *)&c->tcp, conn_handle_closed);
}

struct pf_write {
	uv_write_t req;
	char *buf;
};

static void write_done(uv_write_t *req, int status)
{
	struct pf_write *w = (struct pf_write *)req;
	free(w->buf);
	free(w);
}

static void to_local(struct pf_conn *c, const uint8_t *d, size_t n)
{
	struct pf_write *w = xmalloc(sizeof *w);
	w->buf = xmalloc(n);
	memcpy(w->buf, d, n);
	uv_buf_t b = uv_buf_init(w->buf, (unsigned)n);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, write_done) != 0) {
		free(w->buf);
		free(w);
		conn_close(c);
	}
}

/* Channel 0: the pod's bytes; channel 1: an error text. Each starts with the 2-byte port. */
static void ws_msg(struct ws *w, int opcode, const uint8_t *d, size_t n, void *ud)
{
	struct pf_conn *c = ud;
	if (opcode == WS_CLOSE || n == 0 || d[0] > 1 || c->closing)
		return;
	int ch = d[0];
	d++, n--;
	size_t skip = (size_t)c->seen[ch] < n ? (size_t)c->seen[ch] : n;
	c->seen[ch] -= (int)skip;
	d += skip, n -= skip;
	if (!n)
		return;
	if (ch == 0)
		to_local(c, d, n);
	else
		sb_add(&c->errtext, (const char *)d, n);
}

static void update_poll(struct pf_conn *c);

static void poll_cb(uv_poll_t *p, int status, int events)
{
	struct pf_conn *c = p->data;
	if (c->closing)
		return;
	if (ws_pump(c->ws, status < 0 || (events & UV_READABLE)) < 0 || c->errtext.len) {
		conn_close(c);
		return;
	}
	update_poll(c);
}

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	b->base = xmalloc(65536);
	b->len = 65536;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct pf_conn *c = s->data;
	if (n > 0 && !c->closing) {
		uint8_t *m = xmalloc((size_t)n + 1);
		m[0] = 0;
		memcpy(m + 1, b->base, (size_t)n);
		ws_send(c->ws, WS_BINARY, m, (size_t)n + 1);
		free(m);
		if (ws_pump(c->ws, false) < 0)
			conn_close(c);
		else
			update_poll(c);
	} else if (n < 0) {
		conn_close(c);   /* the local side closed: end the pod side too */
	}
	free(b->base);
}

/* Back-pressure both ways: read the pod only while the local socket keeps up, read the local
 * socket only while the WebSocket's queue is short. */
static void update_poll(struct pf_conn *c)
{
	int ev = 0;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) < PF_HIGH_WATER)
		ev |= UV_READABLE;
	if (ws_want_write(c->ws))
		ev |= UV_WRITABLE;
	uv_poll_start(&c->poll, ev, poll_cb);
	bool want_local = ws_queued(c->ws) < PF_HIGH_WATER;
	if (want_local && !c->reading)
		c->reading = uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb) == 0;
	else if (!want_local && c->reading)
		c->reading = !(uv_read_stop((uv_stream_t *)&c->tcp) == 0);
}

static int conn_open_ws(struct pf_conn *c, struct tops_err *err)
{
	static const char *const protos[] = {"portforward.k8s.io", "v4.channel.k8s.io", NULL};
	struct portfwd *pf = c->pf;
	char *base = kube_path(KK_POD, pf->ns, pf->pod, NULL);
	char *path = xasprintf("%s/portforward?ports=%d", base, c->l->remote);
	int rc = ws_connect(pf->kc, path, protos, pf->kc->request_timeout_ms, ws_msg, c, &c->ws, err);
	free(base);
	free(path);
	return rc;
}

static void conn_start(struct pf_listener *l)
{
	struct portfwd *pf = l->pf;
	struct pf_conn *c = xcalloc(1, sizeof *c);
	c->pf = pf;
	c->l = l;
	c->seen[0] = c->seen[1] = 2;
	uv_tcp_init(pf->kc->loop, &c->tcp);
	c->tcp.data = c->poll.data = c;
	c->handles = 1;
	c->next = pf->conns;
	if (pf->conns)
		pf->conns->prev = c;
	pf->conns = c;
	pf->active++;
	if (uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)&c->tcp) != 0) {
		conn_close(c);
		return;
	}
	pf->handled++;
	char msg[64];
	snprintf(msg, sizeof msg, "Handling connection for %d", l->local);
	emit(pf, PF_CONN, l->local, msg);
	struct tops_err err = {0};
	if (conn_open_ws(c, &err) < 0) {
		sb_addf(&c->errtext, "an error occurred forwarding %d -> %d: %s", l->local, l->remote,
			tops_err_msg(&err));
		tops_err_clear(&err);
		conn_close(c);
		return;
	}
	uv_poll_init_socket(pf->kc->loop, &c->poll, ws_fd(c->ws));
	c->polling = true;
	c->handles++;
	/* bytes that came with the upgrade reply */
	poll_cb(&c->poll, 0, UV_READABLE);
}

/* --- listeners --- */

static void listen_cb(uv_stream_t *s, int status)
{
	struct pf_listener *l = s->data;
	if (status == 0 && !l->pf->stopping)
		conn_start(l);
}

static void listener_closed(uv_handle_t *h)
{
	struct pf_listener *l = h->data;
	l->pf->open_handles--;
	maybe_closed(l->pf);
}

static int listen_one(struct portfwd *pf, struct pf_listener *l, struct tops_err *err)
{
	struct sockaddr_storage sa;
	int rc = uv_ip4_addr(pf->address, l->local, (struct sockaddr_in *)&sa);
	if (rc != 0)
		rc = uv_ip6_addr(pf->address, l->local, (struct sockaddr_in6 *)&sa);
	if (rc != 0)
		return tops_err_set(err, TOPS_EINVAL, "invalid --address \"%s\"", pf->address);
	uv_tcp_init(pf->kc->loop, &l->tcp);
	l->tcp.data = l;
	pf->open_handles++;
	if ((rc = uv_tcp_bind(&l->tcp, (struct sockaddr *)&sa, 0)) == 0)
		rc = uv_listen((uv_stream_t *)&l->tcp, 128, listen_cb);
	if (rc != 0)
		return tops_err_set(err, TOPS_EIO, "unable to listen on %s:%d: %s", pf->address,
				    l->local, uv_strerror(rc));
	struct sockaddr_storage got;
	int len = sizeof got;
	uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&got, &len);
	l->local = ntohs(((struct sockaddr_in *)&got)->sin_port);
	return 0;
}

int portfwd_start(struct kube_client *kc, const char *ns, const char *pod, const char *address,
		  const struct portfwd_port *ports, size_t nports, portfwd_fn fn, void *ud,
		  struct portfwd **out, struct tops_err *err)
{
	struct portfwd *pf = xcalloc(1, sizeof *pf);
	pf->kc = kc;
	pf->ns = xstrdup(ns);
	pf->pod = xstrdup(pod);
	pf->address = xstrdup(address ? address : "127.0.0.1");
	pf->fn = fn;
	pf->ud = ud;
	pf->ls = xcalloc(nports, sizeof *pf->ls);
	int rc = 0;
	for (size_t i = 0; i < nports && rc == 0; i++, pf->nls++) {
		pf->ls[i] = (struct pf_listener){.pf = pf, .local = ports[i].local, .remote = ports[i].remote};
		rc = listen_one(pf, &pf->ls[i], err);
	}
	if (rc) {
		pf->fn = NULL;
		portfwd_stop(pf);
		*out = pf;   /* the caller frees it once the loop has closed the listeners */
		return rc;
	}
	for (size_t i = 0; i < nports; i++) {
		char msg[160];
		snprintf(msg, sizeof msg, "Forwarding from %s:%d -> %d", pf->address, pf->ls[i].local,
			 pf->ls[i].remote);
		emit(pf, PF_LISTENING, pf->ls[i].local, msg);
	}
	*out = pf;
	return 0;
}

int portfwd_local_port(const struct portfwd *pf, size_t i) { return i < pf->nls ? pf->ls[i].local : 0; }
size_t portfwd_nports(const struct portfwd *pf) { return pf->nls; }
const char *portfwd_pod(const struct portfwd *pf) { return pf->pod; }
size_t portfwd_active(const struct portfwd *pf) { return pf->active; }
size_t portfwd_handled(const struct portfwd *pf) { return pf->handled; }
bool portfwd_closed(const struct portfwd *pf) { return pf->stopping && !pf->open_handles && !pf->conns; }

void portfwd_stop(struct portfwd *pf)
{
	if (pf->stopping)
		return;
	pf->stopping = true;
	for (size_t i = 0; i < pf->nls; i++)
		uv_close((uv_handle_t *)&pf->ls[i].tcp, listener_closed);
	for (struct pf_conn *c = pf->conns, *n; c; c = n) {
		n = c->next;
		conn_close(c);
	}
	maybe_closed(pf);
}

void portfwd_free(struct portfwd *pf)
{
	if (!pf)
		return;
	free(pf->ls);
	free(pf->ns);
	free(pf->pod);
	free(pf->address);
	free(pf);
}

int portfwd_parse_port(const char *s, struct portfwd_port *out, struct tops_err *err)
{
	const char *colon = strchr(s, ':');
	char *end = NULL;
	long local = 0, remote;
	if (colon && colon != s) {
		local = strtol(s, &end, 10);
		if (end != colon || local < 0 || local > 65535)
			goto bad;
	}
	remote = strtol(colon ? colon + 1 : s, &end, 10);
	if (*end || end == (colon ? colon + 1 : s) || remote < 1 || remote > 65535)
		goto bad;
	out->local = colon ? (int)local : (int)remote;
	out->remote = (int)remote;
	return 0;
bad:
	return tops_err_set(err, TOPS_EINVAL, "invalid port \"%s\": use [LOCAL:]REMOTE, e.g. 8080 or "
			    "9000:8080", s);
}
