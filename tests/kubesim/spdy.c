/* spdy — SPDY/3.1 server framing for port-forward; see spdy.h. */
#include "tests/kubesim/spdy.h"

#include "core/base/util.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

enum { SYN_STREAM = 1, SYN_REPLY = 2, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7,
       HEADERS = 8, WINDOW_UPDATE = 9 };
#define FLAG_FIN 0x01
#define MAX_FRAME (16u << 20)

struct spdy {
	struct spdy_cbs cbs;
	void *ud;
	struct strbuf in;
	z_stream inf, def;
	bool inf_ok, def_ok;
};

/* The SPDY/3 header dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1): these names, each
 * with a 4-byte big-endian length before it, then this text without a terminator. */
static const char *const dict_words[] = {
	"options", "head", "post", "put", "delete", "trace", "accept", "accept-charset",
	"accept-encoding", "accept-language", "accept-ranges", "age", "allow", "authorization",
	"cache-control", "connection", "content-base", "content-encoding", "content-language",
	"content-length", "content-location", "content-md5", "content-range", "content-type", "date",
	"etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match",
	"if-range", "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma",
	"proxy-authenticate", "proxy-authorization", "range", "referer", "retry-after", "server", "te",
	"trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
	"www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url",
	"public", "set-cookie", "keep-alive", "origin"};
static const char dict_text[] =
	"100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
	"203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request"
	"401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented"
	"503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 "
	"Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,"
	"application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age="
	"gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

static struct strbuf dict;

static const struct strbuf *dictionary(void)
{
	if (dict.len)
		return &dict;
	for (size_t i = 0; i < ARRAY_LEN(dict_words); i++) {
		uint32_t n = (uint32_t)strlen(dict_words[i]);
		char len[4] = {(char)(n >> 24), (char)(n >> 16), (char)(n >> 8), (char)n};
		sb_add(&dict, len, 4);
		sb_adds(&dict, dict_words[i]);
	}
	sb_adds(&dict, dict_text);
	return &dict;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24), p[1] = (char)(v >> 16), p[2] = (char)(v >> 8), p[3] = (char)v;
}

struct spdy *spdy_new(const struct spdy_cbs *cbs, void *ud)
{
	struct spdy *s = xcalloc(1, sizeof *s);
	s->cbs = *cbs;
	s->ud = ud;
	s->inf_ok = inflateInit(&s->inf) == Z_OK;
	s->def_ok = deflateInit(&s->def, Z_DEFAULT_COMPRESSION) == Z_OK &&
		    deflateSetDictionary(&s->def, (const Bytef *)dictionary()->buf,
					 (uInt)dictionary()->len) == Z_OK;
	return s;
}

void spdy_free(struct spdy *s)
{
	if (!s)
		return;
	if (s->inf_ok)
		inflateEnd(&s->inf);
	if (s->def_ok)
		deflateEnd(&s->def);
	sb_done(&s->in);
	free(s);
}

/* Inflates one header block on the connection's stream. */
static int inflate_block(struct spdy *s, const unsigned char *p, size_t n, struct strbuf *out)
{
	s->inf.next_in = (Bytef *)p;
	s->inf.avail_in = (uInt)n;
	unsigned char buf[4096];
	while (s->inf.avail_in) {
		s->inf.next_out = buf;
		s->inf.avail_out = sizeof buf;
		int rc = inflate(&s->inf, Z_SYNC_FLUSH);
		if (rc == Z_NEED_DICT)
			rc = inflateSetDictionary(&s->inf, (const Bytef *)dictionary()->buf,
						  (uInt)dictionary()->len);
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			return -1;
		sb_add(out, (const char *)buf, sizeof buf - s->inf.avail_out);
		if (rc == Z_BUF_ERROR && s->inf.avail_out)
			break;
	}
	return out->len > 64u << 10 ? -1 : 0;
}

/* Name/value pairs of an inflated block (values with NULs are several; the first is kept). */
static int parse_headers(const struct strbuf *b, char ***names, char ***values, size_t *n)
{
	const unsigned char *p = (const unsigned char *)b->buf, *end = p + b->len;
	if (b->len < 4)
		return -1;
	uint32_t count = be32(p);
	p += 4;
	*n = 0;
	*names = xcalloc(count + 1, sizeof **names);
	*values = xcalloc(count + 1, sizeof **values);
	for (uint32_t i = 0; i < count; i++) {
		char **dst[2] = {&(*names)[i], &(*values)[i]};
		for (int k = 0; k < 2; k++) {
			if (end - p < 4 || (size_t)(end - p - 4) < be32(p))
				return -1;
			*dst[k] = xstrndup((const char *)p + 4, be32(p));
			p += 4 + be32(p);
		}
		(*n)++;
	}
	return 0;
}

static int syn_stream(struct spdy *s, const unsigned char *p, size_t n)
{
	if (n < 10)
		return -1;
	uint32_t id = be32(p) & 0x7fffffff;
	struct strbuf hb = STRBUF_INIT;
	char **names = NULL, **values = NULL;
	size_t np = 0;
	int rc = inflate_block(s, p + 10, n - 10, &hb);
	if (rc == 0)
		rc = parse_headers(&hb, &names, &values, &np);
	if (rc == 0)
		s->cbs.on_stream(s->ud, id, (const char *const *)names, (const char *const *)values, np);
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	for (size_t i = 0; values && values[i]; i++)
		free(values[i]);
	free(names);
	free(values);
	sb_done(&hb);
	return rc;
}

static int control(struct spdy *s, unsigned type, unsigned flags, const unsigned char *p, size_t n)
{
	if (type == SYN_STREAM)
		return syn_stream(s, p, n);
	if (type == RST_STREAM && n >= 4)
		s->cbs.on_reset(s->ud, be32(p) & 0x7fffffff);
	else if (type == PING && n == 4) {
		char f[12] = {(char)0x80, 3, 0, PING, 0, 0, 0, 4};
		memcpy(f + 8, p, 4);
		s->cbs.write(s->ud, f, sizeof f);
	}
	return 0;   /* SETTINGS, GOAWAY, HEADERS, WINDOW_UPDATE: nothing to do here */
}

/* One whole frame at the head of s->in: its length, 0 when incomplete, -1 on error. */
static long one_frame(struct spdy *s)
{
	const unsigned char *p = (const unsigned char *)s->in.buf;
	if (s->in.len < 8)
		return 0;
	uint32_t len = be32(p + 4) & 0xffffff;
	if (len > MAX_FRAME)
		return -1;
	if (s->in.len < 8 + (size_t)len)
		return 0;
	unsigned flags = p[4];
	int rc = 0;
	if (p[0] & 0x80) {
		if ((((unsigned)p[0] & 0x7f) << 8 | p[1]) != 3)
			return -1;
		rc = control(s, (unsigned)p[2] << 8 | p[3], flags, p + 8, len);
	} else {
		s->cbs.on_data(s->ud, be32(p) & 0x7fffffff, (const char *)p + 8, len, flags & FLAG_FIN);
	}
	return rc < 0 ? -1 : (long)(8 + len);
}

int spdy_feed(struct spdy *s, const char *data, size_t len)
{
	sb_add(&s->in, data, len);
	for (;;) {
		long n = one_frame(s);
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		memmove(s->in.buf, s->in.buf + n, s->in.len - (size_t)n);
		s->in.len -= (size_t)n;
	}
}

void spdy_reply(struct spdy *s, uint32_t id)
{
	unsigned char block[64];
	char zero[4] = {0, 0, 0, 0};   /* no header pairs */
	s->def.next_in = (Bytef *)zero;
	s->def.avail_in = 4;
	s->def.next_out = block;
	s->def.avail_out = sizeof block;
	if (!s->def_ok || deflate(&s->def, Z_SYNC_FLUSH) != Z_OK)
		return;
	size_t bl = sizeof block - s->def.avail_out;
	char f[8 + 4 + 64] = {(char)0x80, 3, 0, SYN_REPLY};
	put32(f + 4, (uint32_t)(4 + bl));
	put32(f + 8, id & 0x7fffffff);
	memcpy(f + 12, block, bl);
	s->cbs.write(s->ud, f, 12 + bl);
}

void spdy_data(struct spdy *s, uint32_t id, const char *data, size_t len, bool fin)
{
	char *f = xmalloc(8 + len);
	put32(f, id & 0x7fffffff);
	put32(f + 4, (uint32_t)len);
	f[4] = fin ? FLAG_FIN : 0;
	if (len)
		memcpy(f + 8, data, len);
	s->cbs.write(s->ud, f, 8 + len);
	free(f);
}
