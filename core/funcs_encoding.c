/* funcs_encoding — base64 and base32 (standard alphabets, padded) with Go's error texts; a
 * decoding error is returned as the result string, as Sprig does. */
#include "core/funcs_util.h"

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

void fu_base64_encode(struct strbuf *sb, const void *s, size_t n)
{
	enc_generic(sb, s, n, b64, 6, 3, 4);
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
			*bad = n;
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
	size_t n;
	char *s = fu_strval(args[0], &n);
	struct strbuf sb = STRBUF_INIT;
	fu_base64_encode(&sb, s, n);
	free(s);
	return fu_ret_sb(&sb, out);
}

FN(f_b32enc)
{
	size_t n;
	char *s = fu_strval(args[0], &n);
	struct strbuf sb = STRBUF_INIT;
	enc_generic(&sb, (const unsigned char *)s, n, b32, 5, 5, 8);
	free(s);
	return fu_ret_sb(&sb, out);
}

FN(f_b64dec) { return dec_result(args, out, err, 0); }
FN(f_b32dec) { return dec_result(args, out, err, 1); }

static const struct tmpl_func encoding_funcs[] = {
	{"b64enc", f_b64enc, 1, 1}, {"b64dec", f_b64dec, 1, 1},
	{"b32enc", f_b32enc, 1, 1}, {"b32dec", f_b32dec, 1, 1},
};

FU_REGISTER(funcs_encoding_register, encoding_funcs)
