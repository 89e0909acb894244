/* base64 — RFC 4648: written with the standard alphabet and padding (Go's StdEncoding). */
#ifndef TOPS_BASE64_H
#define TOPS_BASE64_H

#include "core/base/util.h"

#include <stddef.h>

/* Appends the base64 text of n bytes at s to sb. */
void base64_encode(struct strbuf *sb, const void *s, size_t n);
/* Decodes base64 (either alphabet, padding optional, whitespace ignored) into a new
 * NUL-terminated buffer; caller frees *out. -TOPS_EINVAL on a byte outside the alphabet. */
int base64_decode(const char *in, size_t len, char **out, size_t *outlen);

#endif
