/* funcs_passwd — Sprig's bcrypt and htpasswd. bcrypt hashes come from libxcrypt (crypt_gensalt_rn
 * + crypt_rn) in the form Go's golang.org/x/crypto/bcrypt writes: "$2a$", cost 10, a random
 * salt; hashes are therefore not deterministic. Like Sprig, failures are returned as the text of
 * the result, not as template errors. */
#include "core/tmpl/funcs_util.h"

#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#define FN(name) static int name(struct tmpl_exec *ex, struct value **args, int nargs, \
				  struct value **out, struct tops_err *err)
#define STR(i, s, n) const char *s; size_t n; FU_TRY(fu_arg_str(args, i, &s, &n, err))

#define BCRYPT_COST 10        /* bcrypt.DefaultCost */
#define BCRYPT_MAX_PASSWORD 72

/* "$2a$10$..." for the password, or Sprig's failure text. */
static struct value *bcrypt_value(const char *pw, size_t n)
{
	static const char fail[] = "failed to encrypt string with bcrypt: ";
	if (n > BCRYPT_MAX_PASSWORD)
		return value_strf("%sbcrypt: password length exceeds 72 bytes", fail);
	if (memchr(pw, '\0', n))
		return value_strf("%sa NUL byte in the password", fail);
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = xcalloc(1, sizeof *cd);
	struct value *v;
	const char *h = NULL;
	if (crypt_gensalt_rn("$2a$", BCRYPT_COST, NULL, 0, setting, sizeof setting))
		h = crypt_rn(pw, setting, cd, sizeof *cd);
	if (h && h[0] == '$')
		v = value_str(h);
	else
		v = value_strf("%sno bcrypt support in the system's crypt library", fail);
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return v;
}

FN(f_bcrypt)
{
	STR(0, s, n);
	*out = bcrypt_value(s, n);
	return 0;
}

/* htpasswd USER PASSWORD ALGORITHM: "user:$2a$10$..." ("sha": "user:{SHA}base64(sha1)"). */
FN(f_htpasswd)
{
	STR(0, user, un);
	STR(1, pw, pn);
	STR(2, algo, an);
	if (memchr(user, ':', un)) {
		*out = value_strf("invalid username: %s", user);
		return 0;
	}
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, user, un);
	sb_addc(&sb, ':');
	if (an == 3 && memcmp(algo, "sha", 3) == 0) {
		unsigned char dg[20];
		char b64[32];
		SHA1((const unsigned char *)pw, pn, dg);
		EVP_EncodeBlock((unsigned char *)b64, dg, sizeof dg);
		sb_addf(&sb, "{SHA}%s", b64);
	} else {
		struct value *h = bcrypt_value(pw, pn);
		sb_add(&sb, h->u.str.s, h->u.str.len);
		value_unref(h);
	}
	return fu_ret_sb(&sb, out);
}

static const struct tmpl_func passwd_funcs[] = {
	{"bcrypt", f_bcrypt, 1, 1}, {"htpasswd", f_htpasswd, 3, 3},
};

FU_REGISTER(funcs_passwd_register, passwd_funcs)
