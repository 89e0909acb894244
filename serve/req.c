/* req — an HTTP/1.1 request from a byte stream, with the server's limits. */
#include "serve/req.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct req *of(http_parser *p)
{
	return p->data;
}

static int refuse(struct req *r, int status, const char *msg)
{
	r->state = REQ_ERROR;
	r->error_status = status;
	r->error_msg = msg;
	return -1;
}

static int count_header(struct req *r, size_t n)
{
	r->header_bytes += n;
	if (r->header_bytes > REQ_MAX_HEADER_BYTES)
		return refuse(r, 431, "request header fields too large");
	return 0;
}

static int on_url(http_parser *p, const char *at, size_t n)
{
	struct req *r = of(p);
	if (count_header(r, n) < 0)
		return -1;
	sb_add(&r->url, at, n);
	return 0;
}

/* A header name and value pair is complete: keep the ones the server reads. */
static void end_header(struct req *r)
{
	if (!r->in_value)
		return;
	const char *k = sb_str(&r->hname), *v = sb_str(&r->hval);
	if (!strcasecmp(k, "authorization"))
		sb_reset(&r->authorization), sb_adds(&r->authorization, v);
	else if (!strcasecmp(k, "content-type"))
		sb_reset(&r->content_type), sb_adds(&r->content_type, v);
	else if (!strcasecmp(k, "expect") && !strcasecmp(v, "100-continue"))
		r->expect_continue = true;
	sb_reset(&r->hname), sb_reset(&r->hval);
	r->in_value = false;
}

static int on_field(http_parser *p, const char *at, size_t n)
{
	struct req *r = of(p);
	if (count_header(r, n) < 0)
		return -1;
	end_header(r);
	sb_add(&r->hname, at, n);
	return 0;
}

static int on_value(http_parser *p, const char *at, size_t n)
{
	struct req *r = of(p);
	if (count_header(r, n) < 0)
		return -1;
	r->in_value = true;
	sb_add(&r->hval, at, n);
	return 0;
}

static int on_headers_complete(http_parser *p)
{
	struct req *r = of(p);
	end_header(r);
	r->headers_done = true;
	snprintf(r->method, sizeof r->method, "%s", http_method_str(p->method));
	r->keep_alive = http_should_keep_alive(p);
	if ((p->flags & F_CONTENTLENGTH) && p->content_length != ULLONG_MAX) {
		r->content_length = p->content_length;
		if (p->content_length > r->max_body)
			return refuse(r, 413, "request body too large");
	}
	return 0;
}

static int on_body(http_parser *p, const char *at, size_t n)
{
	struct req *r = of(p);
	if (r->body.len + n > r->max_body)
		return refuse(r, 413, "request body too large");
	sb_add(&r->body, at, n);
	return 0;
}

static int on_complete(http_parser *p)
{
	of(p)->state = REQ_DONE;
	http_parser_pause(p, 1);
	return 0;
}

void req_init(struct req *r, size_t max_body)
{
	memset(r, 0, sizeof *r);
	r->max_body = max_body;
	sb_init(&r->url), sb_init(&r->body), sb_init(&r->authorization);
	sb_init(&r->content_type), sb_init(&r->hname), sb_init(&r->hval);
	http_parser_settings_init(&r->s);
	r->s.on_url = on_url;
	r->s.on_header_field = on_field;
	r->s.on_header_value = on_value;
	r->s.on_headers_complete = on_headers_complete;
	r->s.on_body = on_body;
	r->s.on_message_complete = on_complete;
	http_parser_init(&r->p, HTTP_REQUEST);
	r->p.data = r;
}

void req_done(struct req *r)
{
	sb_done(&r->url), sb_done(&r->body), sb_done(&r->authorization);
	sb_done(&r->content_type), sb_done(&r->hname), sb_done(&r->hval);
}

void req_reset(struct req *r)
{
	sb_reset(&r->url), sb_reset(&r->body), sb_reset(&r->authorization);
	sb_reset(&r->content_type), sb_reset(&r->hname), sb_reset(&r->hval);
	r->in_value = r->keep_alive = r->expect_continue = false;
	r->started = r->headers_done = false;
	r->header_bytes = 0;
	r->content_length = 0;
	r->method[0] = 0;
	r->state = REQ_MORE;
	http_parser_pause(&r->p, 0);
}

enum req_state req_feed(struct req *r, const char *data, size_t len, size_t *used)
{
	*used = 0;
	if (r->state != REQ_MORE)
		return r->state;
	if (len)
		r->started = true;
	size_t n = http_parser_execute(&r->p, &r->s, data, len);
	*used = n;
	enum http_errno e = HTTP_PARSER_ERRNO(&r->p);
	if (r->state == REQ_ERROR)
		return REQ_ERROR;
	if (r->state == REQ_DONE)
		return REQ_DONE;
	if (e != HPE_OK) {
		refuse(r, 400, "malformed HTTP request");
		return REQ_ERROR;
	}
	if (len == 0 && r->state == REQ_MORE) /* the peer closed mid-request */
		return refuse(r, 400, "incomplete HTTP request"), REQ_ERROR;
	return REQ_MORE;
}

const char *req_path(const struct req *r, char *buf, size_t n)
{
	const char *u = sb_str(&r->url), *q = strchr(u, '?');
	size_t k = q ? (size_t)(q - u) : strlen(u);
	if (k >= n)
		k = n - 1;
	memcpy(buf, u, k);
	buf[k] = 0;
	return buf;
}

const char *req_query(const struct req *r)
{
	const char *q = strchr(sb_str(&r->url), '?');
	return q ? q + 1 : "";
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* Percent-decodes [s, e) into buf; '+' is a space. */
static void decode(const char *s, const char *e, char *buf, size_t n)
{
	size_t o = 0;
	for (; s < e && o + 1 < n; s++) {
		if (*s == '%' && e - s > 2 && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			buf[o++] = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		} else {
			buf[o++] = *s == '+' ? ' ' : *s;
		}
	}
	buf[o] = 0;
}

const char *req_query_get(const struct req *r, const char *key, char *buf, size_t n)
{
	return req_query_nth(r, key, 0, buf, n);
}

const char *req_query_nth(const struct req *r, const char *key, int idx, char *buf, size_t n)
{
	size_t kl = strlen(key);
	for (const char *p = req_query(r); *p;) {
		const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
		if ((size_t)(end - p) >= kl && !strncmp(p, key, kl) && (p[kl] == '=' || p + kl == end)) {
			const char *v = p + kl + (p[kl] == '=');
			if (idx-- > 0) {
				p = amp ? amp + 1 : end;
				continue;
			}
			decode(v, end < v ? v : end, buf, n);
			return buf;
		}
		p = amp ? amp + 1 : end;
	}
	return NULL;
}
