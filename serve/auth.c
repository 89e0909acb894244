/* auth — bearer tokens with roles, compared in constant time. */
#include "serve/auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct token {
	char *name;
	enum auth_role role;
	unsigned char digest[SHA256_DIGEST_LENGTH];
};

struct auth {
	struct token *t;
	size_t n;
};

static const char *const role_names[] = {[AUTH_NONE] = "none", [AUTH_READ] = "read",
					 [AUTH_DEPLOY] = "deploy"};

const char *auth_role_name(enum auth_role r)
{
	return role_names[r];
}

char *auth_default_path(void)
{
	const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	if (x && *x)
		return xasprintf("%s/tops/serve-tokens", x);
	return xasprintf("%s/.config/tops/serve-tokens", home && *home ? home : ".");
}

static int make_dirs(const char *file)
{
	char *d = xstrdup(file);
	for (char *p = d + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			if (mkdir(d, 0700) < 0 && errno != EEXIST)
				return free(d), -1;
			*p = '/';
		}
	free(d);
	return 0;
}

/* A new file with one deploy token. */
static int create_file(const char *path, struct tops_err *err)
{
	unsigned char raw[24];
	if (RAND_bytes(raw, sizeof raw) != 1)
		return tops_err_set(err, TOPS_EINTERNAL, "no random bytes for a token");
	char hex[sizeof raw * 2 + 1];
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	if (make_dirs(path) < 0)
		return tops_err_set(err, TOPS_EIO, "%s: cannot create its folder: %s", path, strerror(errno));
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return tops_err_set(err, TOPS_EIO, "%s: %s", path, strerror(errno));
	char *text = xasprintf("# tops serve tokens: NAME ROLE TOKEN (ROLE: read or deploy)\n"
			       "default deploy tops_%s\n", hex);
	ssize_t w = write(fd, text, strlen(text));
	bool ok = w == (ssize_t)strlen(text) && fsync(fd) == 0;
	close(fd);
	free(text);
	return ok ? 0 : tops_err_set(err, TOPS_EIO, "%s: cannot write", path);
}

static int parse_line(struct auth *a, char *line, const char *path, int no, struct tops_err *err)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = 0;
	char *save, *name = strtok_r(line, " \t\r\n", &save), *role = strtok_r(NULL, " \t\r\n", &save);
	char *tok = strtok_r(NULL, " \t\r\n", &save), *extra = strtok_r(NULL, " \t\r\n", &save);
	if (!name)
		return 0;
	enum auth_role r = role && !strcmp(role, "read") ? AUTH_READ :
			   role && !strcmp(role, "deploy") ? AUTH_DEPLOY : AUTH_NONE;
	if (!tok || extra || r == AUTH_NONE)
		return tops_err_set(err, TOPS_EINVAL, "%s:%d: expected \"NAME ROLE TOKEN\" with ROLE read "
				    "or deploy", path, no);
	if (strlen(tok) < 16)
		return tops_err_set(err, TOPS_EINVAL, "%s:%d: token of %s is shorter than 16 characters",
				    path, no, name);
	a->t = xrealloc(a->t, (a->n + 1) * sizeof *a->t);
	struct token *t = &a->t[a->n++];
	t->name = xstrdup(name);
	t->role = r;
	SHA256((const unsigned char *)tok, strlen(tok), t->digest);
	return 0;
}

static int read_tokens(FILE *f, const char *path, struct auth *a, struct tops_err *err)
{
	char line[1024];
	int no = 0;
	while (fgets(line, sizeof line, f)) {
		no++;
		if (parse_line(a, line, path, no, err) < 0)
			return -TOPS_EINVAL;
	}
	if (a->n == 0)
		return tops_err_set(err, TOPS_EINVAL, "%s: no token in the file", path);
	return 0;
}

int auth_load(const char *path, bool create, bool *created, struct auth **out, struct tops_err *err)
{
	*out = NULL;
	if (created)
		*created = false;
	struct stat st;
	if (stat(path, &st) < 0 && errno == ENOENT && create) {
		if (create_file(path, err) < 0)
			return -TOPS_EIO;
		if (created)
			*created = true;
	}
	FILE *f = fopen(path, "r");
	if (!f)
		return tops_err_set(err, TOPS_ENOENT, "%s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
		fclose(f);
		return tops_err_set(err, TOPS_EINVAL, "%s: readable by others (mode %03o); chmod 600 it",
				    path, (unsigned)(st.st_mode & 0777));
	}
	struct auth *a = xcalloc(1, sizeof *a);
	int rc = read_tokens(f, path, a, err);
	fclose(f);
	if (rc < 0)
		return auth_free(a), rc;
	*out = a;
	return 0;
}

void auth_free(struct auth *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		free(a->t[i].name);
	free(a->t);
	free(a);
}

enum auth_role auth_check(const struct auth *a, const char *header, const char **name)
{
	*name = NULL;
	if (!a || !header || strncasecmp(header, "Bearer ", 7))
		return AUTH_NONE;
	const char *tok = header + 7;
	while (*tok == ' ')
		tok++;
	unsigned char d[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)tok, strlen(tok), d);
	enum auth_role role = AUTH_NONE;
	for (size_t i = 0; i < a->n; i++) /* no early exit: every token is compared */
		if (CRYPTO_memcmp(d, a->t[i].digest, sizeof d) == 0 && role == AUTH_NONE) {
			role = a->t[i].role;
			*name = a->t[i].name;
		}
	return role;
}
