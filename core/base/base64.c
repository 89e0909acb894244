#include "core/base/base64.h"

#include <stdint.h>
#include <stdlib.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(struct strbuf *sb, const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		char q[4] = {alphabet[v >> 18], alphabet[(v >> 12) & 63], alphabet[(v >> 6) & 63],
			     alphabet[v & 63]};
		sb_add(sb, q, 4);
	}
	if (i == n)
		return;
	unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
	char q[4] = {alphabet[v >> 18], alphabet[(v >> 12) & 63],
		     i + 1 < n ? alphabet[(v >> 6) & 63] : '=', '='};
	sb_add(sb, q, 4);
}

/* Either alphabet: "+/" (standard) or "-_" (URL-safe). */
static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+' || c == '-') return 62;
	if (c == '/' || c == '_') return 63;
	return -1;
}

int base64_decode(const char *in, size_t len, char **out, size_t *outlen)
{
	char *o = xmalloc(len / 4 * 3 + 4);
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '=' || c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		int v = b64val(c);
		if (v < 0) {
			free(o);
			return -TOPS_EINVAL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return 0;
}
