/* funcs_crypto — hashes (OpenSSL EVP, zlib adler32), Sprig's derivePassword (Master Password
 * algorithm over scrypt), encryptAES/decryptAES (AES-256-CBC, PKCS#7, random IV, base64) and the
 * random functions (randAlphaNum, randAlpha, randNumeric, randAscii, randBytes, uuidv4), which
 * draw from OpenSSL's CSPRNG and are therefore not deterministic. */
#include "core/funcs_util.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define FN(name) static int name(struct tmpl_exec *ex, struct value **args, int nargs, \
				  struct value **out, struct tops_err *err)
#define STR(i, s, n) const char *s; size_t n; FU_TRY(fu_arg_str(args, i, &s, &n, err))
#define INT(i, x) int64_t x; FU_TRY(fu_arg_int(args, i, &x, err))

static int hash_hex(struct value **args, struct value **out, struct tops_err *err,
		    const EVP_MD *md)
{
	STR(0, s, n);
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dn = 0;
	if (!EVP_Digest(s, n, dg, &dn, md, NULL))
		return tops_err_set(err, TOPS_EINTERNAL, "digest failed");
	struct strbuf sb = STRBUF_INIT;
	for (unsigned i = 0; i < dn; i++)
		sb_addf(&sb, "%02x", dg[i]);
	return fu_ret_sb(&sb, out);
}

FN(f_sha1) { return hash_hex(args, out, err, EVP_sha1()); }
FN(f_sha256) { return hash_hex(args, out, err, EVP_sha256()); }
FN(f_sha512) { return hash_hex(args, out, err, EVP_sha512()); }

FN(f_adler32)
{
	STR(0, s, n);
	uLong a = adler32(1L, (const Bytef *)s, (uInt)n);
	*out = value_strf("%lu", (unsigned long)a);
	return 0;
}

/* derivePassword's templates, keyed by password type. */
static const char *const t_max[] = {"anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"};
static const char *const t_long[] = {
	"CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
	"CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
	"CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
	"CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
	"CvccCvcvCvccno"};
static const char *const t_medium[] = {"CvcnoCvc", "CvcCvcno"};
static const char *const t_short[] = {"Cvcn"};
static const char *const t_basic[] = {"aaanaaan", "aannaaan", "aaannaaa"};
static const char *const t_pin[] = {"nnnn"};

static const struct {
	const char *name;
	const char *const *t;
	size_t n;
} pw_types[] = {
	{"maximum", t_max, ARRAY_LEN(t_max)}, {"long", t_long, ARRAY_LEN(t_long)},
	{"medium", t_medium, ARRAY_LEN(t_medium)}, {"short", t_short, ARRAY_LEN(t_short)},
	{"basic", t_basic, ARRAY_LEN(t_basic)}, {"pin", t_pin, ARRAY_LEN(t_pin)},
};

static const struct {
	char c;
	const char *chars;
} pw_chars[] = {
	{'V', "AEIOU"}, {'C', "BCDFGHJKLMNPQRSTVWXYZ"}, {'v', "aeiou"},
	{'c', "bcdfghjklmnpqrstvwxyz"}, {'A', "AEIOUBCDFGHJKLMNPQRSTVWXYZ"},
	{'a', "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"}, {'n', "0123456789"},
	{'o', "@&%?,=[]_:-+*$#!'^~;()/."},
	{'x', "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()"},
};

static const char mp_seed[] = "com.lyndir.masterpassword";

static void put_be32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
			      (unsigned char)(v >> 8), (unsigned char)v};
	sb_add(sb, b, 4);
}

static const char *pw_class(char c)
{
	for (size_t i = 0; i < ARRAY_LEN(pw_chars); i++)
		if (pw_chars[i].c == c)
			return pw_chars[i].chars;
	return "?";
}

FN(f_derive_password)
{
	INT(0, counter);
	STR(1, type, typen);
	STR(2, pw, pwn);
	STR(3, user, usern);
	STR(4, site, siten);
	size_t ti = 0;
	while (ti < ARRAY_LEN(pw_types) && strcmp(pw_types[ti].name, type) != 0)
		ti++;
	if (ti == ARRAY_LEN(pw_types)) {
		*out = value_strf("cannot find password template %s", type);
		return 0;
	}
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, mp_seed);
	put_be32(&sb, (uint32_t)usern);
	sb_add(&sb, user, usern);
	unsigned char key[64], seed[EVP_MAX_MD_SIZE];
	if (!EVP_PBE_scrypt(pw, pwn, (const unsigned char *)sb.buf, sb.len, 32768, 8, 2,
			    64u << 20, key, sizeof key)) {
		sb_done(&sb);
		*out = value_str("failed to derive password: scrypt failed");
		return 0;
	}
	sb_reset(&sb);
	sb_adds(&sb, mp_seed);
	put_be32(&sb, (uint32_t)siten);
	sb_add(&sb, site, siten);
	put_be32(&sb, (uint32_t)counter);
	unsigned int sl = 0;
	HMAC(EVP_sha256(), key, sizeof key, (const unsigned char *)sb.buf, sb.len, seed, &sl);
	const char *tpl = pw_types[ti].t[seed[0] % pw_types[ti].n];
	sb_reset(&sb);
	for (size_t i = 0; tpl[i]; i++) {
		const char *cls = pw_class(tpl[i]);
		sb_addc(&sb, cls[seed[i + 1] % strlen(cls)]);
	}
	return fu_ret_sb(&sb, out);
}

static void aes_key(const char *pw, size_t n, unsigned char key[32])
{
	memset(key, 0, 32);
	memcpy(key, pw, n < 32 ? n : 32);
}

static int aes_run(bool enc, const unsigned char *key, const unsigned char *iv,
		   const unsigned char *in, size_t n, unsigned char *outb)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0;
	int ok = c && EVP_CipherInit_ex(c, EVP_aes_256_cbc(), NULL, key, iv, enc) &&
		 EVP_CIPHER_CTX_set_padding(c, 0) &&
		 EVP_CipherUpdate(c, outb, &l1, in, (int)n) && EVP_CipherFinal_ex(c, outb + l1, &l2);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

FN(f_encrypt_aes)
{
	STR(0, pw, pwn);
	STR(1, text, n);
	if (n == 0)
		return fu_ret_str("", 0, out);
	unsigned char key[32];
	aes_key(pw, pwn, key);
	size_t pad = 16 - n % 16, total = n + pad;
	unsigned char *buf = xmalloc(16 + total), *plain = xmalloc(total);
	memcpy(plain, text, n);
	memset(plain + n, (int)pad, pad);
	int rc = RAND_bytes(buf, 16) == 1 ? aes_run(true, key, buf, plain, total, buf + 16) : -1;
	struct strbuf sb = STRBUF_INIT;
	if (rc == 0)
		fu_base64_encode(&sb, buf, 16 + total);
	free(buf);
	free(plain);
	if (rc < 0)
		return tops_err_set(err, TOPS_EINTERNAL, "crypto/aes: encryption failed");
	return fu_ret_sb(&sb, out);
}

FN(f_decrypt_aes)
{
	STR(0, pw, pwn);
	STR(1, text, n);
	if (n == 0)
		return fu_ret_str("", 0, out);
	struct value *dec = NULL;
	FU_TRY(funcs_b64dec_raw(args[1], &dec, err));
	size_t dn = dec->u.str.len;
	if (dn < 16 || (dn - 16) % 16 != 0) {
		value_unref(dec);
		return tops_err_set(err, TOPS_EINVAL, "crypto/cipher: input not full blocks");
	}
	unsigned char key[32];
	aes_key(pw, pwn, key);
	unsigned char *plain = xmalloc(dn);
	const unsigned char *raw = (const unsigned char *)dec->u.str.s;
	int rc = dn > 16 ? aes_run(false, key, raw, raw + 16, dn - 16, plain) : 0;
	size_t pn = dn - 16, pad = pn ? plain[pn - 1] : 0;
	value_unref(dec);
	if (rc < 0 || pad > pn) {
		free(plain);
		return tops_err_set(err, TOPS_EINVAL, "crypto/aes: decryption failed");
	}
	*out = value_strn((const char *)plain, pn - pad);
	free(plain);
	return 0;
}

static int rand_from(struct value **args, struct value **out, struct tops_err *err,
		     const char *alpha, size_t an)
{
	INT(0, count);
	if (count < 0 || count > (1 << 24))
		return tops_err_set(err, TOPS_EINVAL, "count %lld is out of range", (long long)count);
	struct strbuf sb = STRBUF_INIT;
	unsigned char b;
	for (int64_t i = 0; i < count; i++) {
		do {
			RAND_bytes(&b, 1);
		} while (b >= 256 - 256 % an);
		sb_addc(&sb, alpha[b % an]);
	}
	return fu_ret_sb(&sb, out);
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
FN(f_rand_alnum) { return rand_from(args, out, err, ALNUM, 62); }
FN(f_rand_alpha) { return rand_from(args, out, err, ALNUM, 52); }
FN(f_rand_numeric) { return rand_from(args, out, err, &ALNUM[52], 10); }
FN(f_rand_ascii)
{
	static char printable[96];
	for (int i = 0; i < 95; i++)
		printable[i] = (char)(32 + i);
	return rand_from(args, out, err, printable, 95);
}

FN(f_rand_bytes)
{
	INT(0, count);
	if (count < 0 || count > (1 << 24))
		return tops_err_set(err, TOPS_EINVAL, "count %lld is out of range", (long long)count);
	unsigned char *b = xmalloc((size_t)count + 1);
	RAND_bytes(b, (int)count);
	struct strbuf sb = STRBUF_INIT;
	fu_base64_encode(&sb, b, (size_t)count);
	free(b);
	return fu_ret_sb(&sb, out);
}

FN(f_uuidv4)
{
	unsigned char u[16];
	RAND_bytes(u, sizeof u);
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			sb_addc(&sb, '-');
		sb_addf(&sb, "%02x", u[i]);
	}
	return fu_ret_sb(&sb, out);
}

static const struct tmpl_func crypto_funcs[] = {
	{"sha1sum", f_sha1, 1, 1}, {"sha256sum", f_sha256, 1, 1}, {"sha512sum", f_sha512, 1, 1},
	{"adler32sum", f_adler32, 1, 1}, {"derivePassword", f_derive_password, 5, 5},
	{"encryptAES", f_encrypt_aes, 2, 2}, {"decryptAES", f_decrypt_aes, 2, 2},
	{"randAlphaNum", f_rand_alnum, 1, 1}, {"randAlpha", f_rand_alpha, 1, 1},
	{"randNumeric", f_rand_numeric, 1, 1}, {"randAscii", f_rand_ascii, 1, 1},
	{"randBytes", f_rand_bytes, 1, 1}, {"uuidv4", f_uuidv4, 0, 0},
};

FU_REGISTER(funcs_crypto_register, crypto_funcs)
