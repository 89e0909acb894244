/* funcs_crypto — hashes (OpenSSL EVP, zlib adler32), Sprig's derivePassword (Master Password
 * algorithm over scrypt), encryptAES/decryptAES (AES-256-CBC, PKCS#7, random IV, base64) and the
 * random functions (randAlphaNum, randAlpha, randNumeric, randAscii, randBytes, uuidv4), which
 * draw from OpenSSL's CSPRNG and are therefore not deterministic. */
#include "core/base/base64.h"
#include "core/tmpl/funcs_util.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
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
		base64_encode(&sb, buf, 16 + total);
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
	base64_encode(&sb, b, (size_t)count);
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

/* ---- keys and certificates (Sprig's genPrivateKey, genCA, genSelfSignedCert, genSignedCert,
 * their *WithKey forms and buildCustomCert). Certificates come back as a dict with Cert and Key
 * (PEM), like Sprig's certificate struct. RSA keys are 2048 bits for certificates and 4096 for
 * genPrivateKey "rsa", as in Sprig. ---- */

static char *bio_text(BIO *b)
{
	char *data = NULL;
	long n = BIO_get_mem_data(b, &data);
	return xstrndup(data ? data : "", n > 0 ? (size_t)n : 0);
}

/* PEM as Go's pemBlockForKey writes it: PKCS#1 / SEC1 for RSA and EC, PKCS#8 otherwise. */
static char *key_pem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	int id = EVP_PKEY_get_base_id(k);
	bool ok;
	if (id == EVP_PKEY_RSA || id == EVP_PKEY_EC) {
		OSSL_ENCODER_CTX *ec = OSSL_ENCODER_CTX_new_for_pkey(k, OSSL_KEYMGMT_SELECT_KEYPAIR, "PEM",
								     "type-specific", NULL);
		ok = ec && OSSL_ENCODER_to_bio(ec, b);
		OSSL_ENCODER_CTX_free(ec);
	} else {
		ok = PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
	}
	char *s = ok ? bio_text(b) : NULL;
	BIO_free(b);
	return s;
}

static EVP_PKEY *new_key(const char *type)
{
	if (!strcmp(type, "rsa"))
		return EVP_RSA_gen(4096);
	if (!strcmp(type, "ecdsa"))
		return EVP_EC_gen("P-256");
	if (!strcmp(type, "ed25519"))
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return NULL;
}

FN(f_gen_private_key)
{
	STR(0, type, tn);
	EVP_PKEY *k = new_key(type);
	if (!k) {
		*out = value_strf("Unknown type %s", type);
		return 0;
	}
	char *pem = key_pem(k);
	EVP_PKEY_free(k);
	if (!pem)
		return tops_err_set(err, TOPS_EINTERNAL, "error encoding the private key");
	*out = value_str_own(pem, strlen(pem));
	return 0;
}

static EVP_PKEY *parse_key(const char *pem, struct tops_err *err)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!k)
		tops_err_set(err, TOPS_EINVAL, "error decoding the private key: no PEM private key found");
	return k;
}

static X509 *parse_cert(const char *pem, struct tops_err *err)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!x)
		tops_err_set(err, TOPS_EINVAL, "error decoding the certificate: no PEM certificate found");
	return x;
}

static bool add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	bool ok = e && X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

/* subjectAltName text from the ips and dns lists; Go's error for a bad IP. */
static int san_text(struct value *ips, struct value *dns, struct strbuf *sb, struct tops_err *err)
{
	for (size_t i = 0; ips && ips->type == V_LIST && i < ips->u.list.len; i++) {
		struct value *ip = ips->u.list.items[i];
		const char *s = ip && ip->type == V_STRING ? ip->u.str.s : "";
		unsigned char buf[16];
		if (inet_pton(AF_INET, s, buf) != 1 && inet_pton(AF_INET6, s, buf) != 1)
			return tops_err_set(err, TOPS_EINVAL, "error parsing ip: %s", s);
		sb_addf(sb, "%sIP:%s", sb->len ? "," : "", s);
	}
	for (size_t i = 0; dns && dns->type == V_LIST && i < dns->u.list.len; i++) {
		struct value *d = dns->u.list.items[i];
		if (!d || d->type != V_STRING)
			return tops_err_set(err, TOPS_EINVAL, "error processing alternate dns name: %s",
					    value_type_name(d));
		if (strchr(d->u.str.s, ','))
			return tops_err_set(err, TOPS_EINVAL, "invalid DNS name: %s", d->u.str.s);
		sb_addf(sb, "%sDNS:%s", sb->len ? "," : "", d->u.str.s);
	}
	return 0;
}

struct cert_req {
	const char *cn;
	int64_t days;
	bool is_ca;
	struct value *ips, *dns;
	EVP_PKEY *key;          /* subject key */
	X509 *issuer;           /* NULL: self-signed */
	EVP_PKEY *issuer_key;
};

static X509 *make_cert(const struct cert_req *r, struct tops_err *err)
{
	struct strbuf san = STRBUF_INIT;
	if (san_text(r->ips, r->dns, &san, err) < 0) {
		sb_done(&san);
		return NULL;
	}
	X509 *x = X509_new();
	BIGNUM *bn = BN_new();
	bool ok = x && bn && X509_set_version(x, 2) && BN_rand(bn, 128, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
		  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) &&
		  X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
		  X509_time_adj_ex(X509_getm_notAfter(x), (int)r->days, 0, NULL) &&
		  X509_set_pubkey(x, r->key) &&
		  X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
					     (const unsigned char *)r->cn, -1, -1, 0) &&
		  X509_set_issuer_name(x, X509_get_subject_name(r->issuer ? r->issuer : x)) &&
		  add_ext(x, r->issuer ? r->issuer : x, NID_basic_constraints, r->is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") &&
		  add_ext(x, r->issuer ? r->issuer : x, NID_key_usage,
			  r->is_ca ? "critical,digitalSignature,keyEncipherment,keyCertSign"
				   : "critical,digitalSignature,keyEncipherment") &&
		  (r->is_ca || add_ext(x, r->issuer ? r->issuer : x, NID_ext_key_usage, "serverAuth,clientAuth")) &&
		  (!san.len || add_ext(x, r->issuer ? r->issuer : x, NID_subject_alt_name, sb_str(&san)));
	EVP_PKEY *signer = r->issuer_key ? r->issuer_key : r->key;
	const EVP_MD *md = EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519 ? NULL : EVP_sha256();
	ok = ok && X509_sign(x, signer, md) > 0;
	BN_free(bn);
	sb_done(&san);
	if (!ok) {
		X509_free(x);
		tops_err_set(err, TOPS_EINTERNAL, "error creating the certificate");
		return NULL;
	}
	return x;
}

static int cert_result(X509 *x, EVP_PKEY *k, struct value **out, struct tops_err *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *cert = PEM_write_bio_X509(b, x) ? bio_text(b) : NULL;
	BIO_free(b);
	char *key = key_pem(k);
	if (!cert || !key) {
		free(cert);
		free(key);
		return tops_err_set(err, TOPS_EINTERNAL, "error encoding the certificate");
	}
	struct value *m = value_map();
	value_map_set(m, "Cert", value_str_own(cert, strlen(cert)));
	value_map_set(m, "Key", value_str_own(key, strlen(key)));
	*out = m;
	return 0;
}

/* Common body: args are (cn, [ips, dns,] days[, ca][, key]). */
static int gen_cert(struct value **args, int nargs, struct value **out, struct tops_err *err,
		    bool is_ca, bool signed_by_ca, bool with_key)
{
	struct cert_req r = {.is_ca = is_ca};
	FU_TRY(fu_arg_str(args, 0, &r.cn, NULL, err));
	int i = 1;
	if (!is_ca) {
		r.ips = args[1];
		r.dns = args[2];
		i = 3;
	}
	FU_TRY(fu_arg_int(args, i++, &r.days, err));
	struct value *ca = signed_by_ca ? args[i++] : NULL;
	const char *keytext = NULL;
	if (with_key)
		FU_TRY(fu_arg_str(args, i, &keytext, NULL, err));
	int rc = -TOPS_EINTERNAL;
	X509 *x = NULL;
	r.key = with_key ? parse_key(keytext, err) : EVP_RSA_gen(2048);
	if (!r.key)
		return with_key ? -TOPS_EINVAL : tops_err_set(err, TOPS_EINTERNAL, "error generating the key");
	if (ca) {
		const struct value *c = ca->type == V_MAP ? value_map_get(ca, "Cert") : NULL;
		const struct value *k = ca->type == V_MAP ? value_map_get(ca, "Key") : NULL;
		if (!c || !k || c->type != V_STRING || k->type != V_STRING) {
			rc = tops_err_set(err, TOPS_EINVAL, "wrong type for value; expected sprig.certificate; got %s",
					  value_type_name(ca));
			goto done;
		}
		if (!(r.issuer = parse_cert(c->u.str.s, err)) || !(r.issuer_key = parse_key(k->u.str.s, err))) {
			rc = -TOPS_EINVAL;
			goto done;
		}
	}
	x = make_cert(&r, err);
	rc = x ? cert_result(x, r.key, out, err) : -TOPS_EINVAL;
done:
	X509_free(x);
	X509_free(r.issuer);
	EVP_PKEY_free(r.issuer_key);
	EVP_PKEY_free(r.key);
	return rc;
}

FN(f_gen_ca) { return gen_cert(args, nargs, out, err, true, false, false); }
FN(f_gen_ca_with_key) { return gen_cert(args, nargs, out, err, true, false, true); }
FN(f_gen_self_signed) { return gen_cert(args, nargs, out, err, false, false, false); }
FN(f_gen_self_signed_with_key) { return gen_cert(args, nargs, out, err, false, false, true); }
FN(f_gen_signed) { return gen_cert(args, nargs, out, err, false, true, false); }
FN(f_gen_signed_with_key) { return gen_cert(args, nargs, out, err, false, true, true); }

FN(f_build_custom_cert)
{
	struct value *c = NULL, *k = NULL;
	if (funcs_b64dec_raw(args[0], &c, err) < 0)
		return tops_err_set(err, TOPS_EINVAL, "unable to decode base64 certificate");
	if (funcs_b64dec_raw(args[1], &k, err) < 0) {
		value_unref(c);
		return tops_err_set(err, TOPS_EINVAL, "unable to decode base64 private key");
	}
	X509 *x = parse_cert(c->u.str.s, err);
	EVP_PKEY *key = x ? parse_key(k->u.str.s, err) : NULL;
	int rc = -TOPS_EINVAL;
	if (x && key) {
		struct value *m = value_map();
		value_map_set(m, "Cert", value_ref(c));
		value_map_set(m, "Key", value_ref(k));
		*out = m;
		rc = 0;
	}
	X509_free(x);
	EVP_PKEY_free(key);
	value_unref(c);
	value_unref(k);
	return rc;
}

static const struct tmpl_func crypto_funcs[] = {
	{"genPrivateKey", f_gen_private_key, 1, 1}, {"genCA", f_gen_ca, 2, 2},
	{"genCAWithKey", f_gen_ca_with_key, 3, 3}, {"genSelfSignedCert", f_gen_self_signed, 4, 4},
	{"genSelfSignedCertWithKey", f_gen_self_signed_with_key, 5, 5},
	{"genSignedCert", f_gen_signed, 5, 5}, {"genSignedCertWithKey", f_gen_signed_with_key, 6, 6},
	{"buildCustomCert", f_build_custom_cert, 2, 2},
	{"sha1sum", f_sha1, 1, 1}, {"sha256sum", f_sha256, 1, 1}, {"sha512sum", f_sha512, 1, 1},
	{"adler32sum", f_adler32, 1, 1}, {"derivePassword", f_derive_password, 5, 5},
	{"encryptAES", f_encrypt_aes, 2, 2}, {"decryptAES", f_decrypt_aes, 2, 2},
	{"randAlphaNum", f_rand_alnum, 1, 1}, {"randAlpha", f_rand_alpha, 1, 1},
	{"randNumeric", f_rand_numeric, 1, 1}, {"randAscii", f_rand_ascii, 1, 1},
	{"randBytes", f_rand_bytes, 1, 1}, {"uuidv4", f_uuidv4, 0, 0},
};

FU_REGISTER(funcs_crypto_register, crypto_funcs)
