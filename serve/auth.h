/* auth — the server's bearer tokens: a token file of lines "NAME ROLE TOKEN" (ROLE is read or
 * deploy; '#' starts a comment), made on first start with one deploy token when absent.
 * Tokens are compared in constant time (their SHA-256 digests, every token every time).
 */
#ifndef TOPS_SERVE_AUTH_H
#define TOPS_SERVE_AUTH_H

#include "core/base/util.h"

#include <stdbool.h>

enum auth_role { AUTH_NONE, AUTH_READ, AUTH_DEPLOY };

struct auth;

/* The default token file: $XDG_CONFIG_HOME/tops/serve-tokens (else ~/.config/...). Caller frees. */
char *auth_default_path(void);
/* Loads path; when create and the file is absent, writes one deploy token named "default" into
 * a new 0600 file (folders 0700) and sets *created. Refuses a file that others can read
 * (mode & 077), a line that is not "NAME ROLE TOKEN" (path:line: what), a token shorter than
 * 16 characters, and a file with no token. Caller frees with auth_free(). */
int auth_load(const char *path, bool create, bool *created, struct auth **out, struct tops_err *err);
void auth_free(struct auth *a);
/* The role of the "Authorization: Bearer T" header value (NULL or other schemes: AUTH_NONE) and
 * the token's name (borrowed from a, NULL when none). */
enum auth_role auth_check(const struct auth *a, const char *header, const char **name);
/* "read" / "deploy" */
const char *auth_role_name(enum auth_role r);

#endif
