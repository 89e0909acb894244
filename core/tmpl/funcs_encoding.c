/* funcs_encoding — base64 and base32 (standard alphabets, padded) with Go's error texts; a
 * decoding error is returned as the result string, as Sprig does. */
#include "core/base/base64.h"
#include "core/tmpl/funcs_util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(struct tmpl_exec *ex, struct value **args, int nargs, \
				  struct value **out, struct tops_err *err)
#define STR(i, s, n) const char *s; size_t n; FU_TRY(fu_arg_str(args, i, &s, &n, err))

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* Encodes n bytes in groups of `in` bytes to `outc` characters of `bits` bits each. */
static void enc_generic(struct strbuf *sb, const unsigned char *s, size_t n, const char *alpha,
			int bits, int in, int outc)
{
	for (size_t i = 0; i < n; i += (size_t)in) {
		size_t take = n - i < (size_t)in ? n - i : (size_t)in;
		unsigned __int128 acc = 0;
		for (int k = 0; k < in; k++)
			acc = acc << 8 | ((size_t)k < take ? s[i + (size_t)k] : 0);
		int used = (int)((take * 8 + (size_t)bits - 1) / (size_t)bits);
		for (int k = 0; k < outc; k++) {
			int shift = (outc - 1 - k) * bits;
			sb_addc(sb, k < used ? alpha[(int)(acc >> shift) & ((1 << bits) - 1)] : '=');
		}
	}
}

/* Returns -1 and sets *bad to the offending input offset (Go's CorruptInputError). */
static int dec_generic(struct strbuf *sb, const char *s, size_t n, const char *alpha, int bits,
		       int outc, size_t *bad)
{
	char buf[8];
	size_t bufpos[8];
	int got = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && (s[i] == '\r' || s[i] == '\n'))
			continue;
		if (i < n) {
			buf[got] = s[i];
			bufpos[got++] = i;
		}
		if (got < outc && i < n)
			continue;
		if (got == 0)
			break;
		if (got < outc) {
			*bad = bufpos[0];
			return -1;
		}
		unsigned __int128 acc = 0;
		int data = 0;
		for (int k = 0; k < outc; k++) {
			const char *p = buf[k] == '=' ? NULL : strchr(alpha, buf[k]);
			if (buf[k] == '=' ) {
				for (int j = k; j < outc; j++)
					if (buf[j] != '=') {
						*bad = bufpos[j];
						return -1;
					}
				if (k < 2 || (bits == 5 && k != 2 && k != 4 && k != 5 && k != 7)) {
					*bad = bufpos[k];
					return -1;
				}
				break;
			}
			if (!p || !buf[k]) {
				*bad = bufpos[k];
				return -1;
			}
			acc |= (unsigned __int128)(p - alpha) << ((outc - 1 - k) * bits);
			data++;
		}
		int bytes = data * bits / 8;
		int total = outc * bits / 8;
		for (int k = 0; k < bytes; k++)
			sb_addc(sb, (char)(acc >> ((total - 1 - k) * 8)));
		if (data < outc && i + 1 < n) {
			size_t j = i + 1;
			while (j < n && (s[j] == '\r' || s[j] == '\n'))
				j++;
			if (j < n) {
				*bad = j;
				return -1;
			}
		}
		got = 0;
	}
	return 0;
}

static int dec_result(struct value **args, struct value **out, struct tops_err *err, int b32mode)
{
	STR(0, s, n);
	struct strbuf sb = STRBUF_INIT;
	size_t bad = 0;
	int rc = b32mode ? dec_generic(&sb, s, n, b32, 5, 8, &bad)
			 : dec_generic(&sb, s, n, b64, 6, 4, &bad);
	if (rc < 0) {
		sb_reset(&sb);
		sb_addf(&sb, "illegal base%d data at input byte %zu", b32mode ? 32 : 64, bad);
	}
	return fu_ret_sb(&sb, out);
}

int funcs_b64dec_raw(const struct value *v, struct value **out, struct tops_err *err)
{
	if (!v || v->type != V_STRING)
		return tops_err_set(err, TOPS_EINVAL, "illegal base64 data at input byte 0");
	struct strbuf sb = STRBUF_INIT;
	size_t bad = 0;
	if (dec_generic(&sb, v->u.str.s, v->u.str.len, b64, 6, 4, &bad) < 0) {
		sb_done(&sb);
		return tops_err_set(err, TOPS_EINVAL, "illegal base64 data at input byte %zu", bad);
	}
	return fu_ret_sb(&sb, out);
}

FN(f_b64enc)
{
	STR(0, s, n);
	struct strbuf sb = STRBUF_INIT;
	base64_encode(&sb, s, n);
	return fu_ret_sb(&sb, out);
}

FN(f_b32enc)
{
	STR(0, s, n);
	struct strbuf sb = STRBUF_INIT;
	enc_generic(&sb, (const unsigned char *)s, n, b32, 5, 5, 8);
	return fu_ret_sb(&sb, out);
}

FN(f_b64dec) { return dec_result(args, out, err, 0); }
FN(f_b32dec) { return dec_result(args, out, err, 1); }

/* Sprig's urlParse: net/url.Parse split into a dict (raw, unescaped parts). */
FN(f_url_parse)
{
	STR(0, s, n);
	const char *p = s, *end = s + n;
	struct value *d = value_map();
	const char *colon = memchr(s, ':', n), *q;
	bool has_scheme = colon && colon > s && isalpha((unsigned char)s[0]);
	for (const char *c = s; has_scheme && c < colon; c++)
		has_scheme = isalnum((unsigned char)*c) || *c == '+' || *c == '-' || *c == '.';
	value_map_set(d, "scheme", value_strn(s, has_scheme ? (size_t)(colon - s) : 0));
	if (has_scheme)
		p = colon + 1;
	const char *hash = memchr(p, '#', (size_t)(end - p));
	value_map_set(d, "fragment", hash ? value_strn(hash + 1, (size_t)(end - hash - 1)) : value_str(""));
	if (hash)
		end = hash;
	q = memchr(p, '?', (size_t)(end - p));
	value_map_set(d, "query", q ? value_strn(q + 1, (size_t)(end - q - 1)) : value_str(""));
	if (q)
		end = q;
	const char *host = "", *user = "";
	size_t hostn = 0, usern = 0;
	if (has_scheme && *p != '/' && p < end) {
		value_map_set(d, "opaque", value_strn(p, (size_t)(end - p)));
		p = end;
	} else {
		value_map_set(d, "opaque", value_str(""));
	}
	if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
		const char *a = p + 2, *e = a;
		while (e < end && *e != '/')
			e++;
		const char *at = NULL;
		for (const char *c = a; c < e; c++)
			if (*c == '@')
				at = c;
		if (at) {
			user = a;
			usern = (size_t)(at - a);
			a = at + 1;
		}
		host = a;
		hostn = (size_t)(e - a);
		p = e;
	}
	value_map_set(d, "host", value_strn(host, hostn));
	size_t hn = hostn;
	const char *pc = memchr(host, ':', hostn);
	if (hostn && host[0] == '[') {
		const char *rb = memchr(host, ']', hostn);
		value_map_set(d, "hostname", value_strn(host + 1, rb ? (size_t)(rb - host - 1) : hostn - 1));
	} else {
		if (pc)
			hn = (size_t)(pc - host);
		value_map_set(d, "hostname", value_strn(host, hn));
	}
	value_map_set(d, "path", value_strn(p, (size_t)(end - p)));
	value_map_set(d, "userinfo", value_strn(user, usern));
	*out = d;
	return 0;
}

static const char *meta(const struct value *d, const char *k)
{
	const struct value *v = value_map_get(d, k);
	return v && v->type == V_STRING ? v->u.str.s : "";
}

/* Sprig's urlJoin: net/url.URL.String of the dict's parts. */
FN(f_url_join)
{
	struct value *d;
	FU_TRY(fu_arg_map(args, 0, &d, err));
	const char *scheme = meta(d, "scheme"), *host = meta(d, "host"), *path = meta(d, "path");
	const char *opaque = meta(d, "opaque"), *user = meta(d, "userinfo");
	struct strbuf sb = STRBUF_INIT;
	if (*scheme)
		sb_addf(&sb, "%s:", scheme);
	if (*opaque) {
		sb_adds(&sb, opaque);
	} else {
		if (*scheme || *host || *user) {
			sb_adds(&sb, "//");
			if (*user)
				sb_addf(&sb, "%s@", user);
			sb_adds(&sb, host);
		}
		if (*path && path[0] != '/' && *host)
			sb_addc(&sb, '/');
		sb_adds(&sb, path);
	}
	if (*meta(d, "query"))
		sb_addf(&sb, "?%s", meta(d, "query"));
	if (*meta(d, "fragment"))
		sb_addf(&sb, "#%s", meta(d, "fragment"));
	return fu_ret_sb(&sb, out);
}

static const struct tmpl_func encoding_funcs[] = {
	{"urlParse", f_url_parse, 1, 1}, {"urlJoin", f_url_join, 1, 1},
	{"b64enc", f_b64enc, 1, 1}, {"b64dec", f_b64dec, 1, 1},
	{"b32enc", f_b32enc, 1, 1}, {"b32dec", f_b32dec, 1, 1},
};

FU_REGISTER(funcs_encoding_register, encoding_funcs)
