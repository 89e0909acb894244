/* gzip — RFC 1952 streams as Go's compress/gzip writes and reads them (zlib underneath).
 *
 * Written like gzip.NewWriterLevel(w, gzip.BestCompression): one member, level 9, no name, mtime
 * 0, XFL 2, OS 255 ("unknown"), so the 10-byte header is byte for byte Go's. Read like
 * gzip.NewReader: any number of concatenated members; bytes after the last member that are not
 * another member, a truncated stream and a bad CRC-32 or length are errors.
 */
#ifndef TOPS_GZIP_H
#define TOPS_GZIP_H

#include "core/base/util.h"

#include <stdbool.h>
#include <stddef.h>

/* True when the n bytes at p start with the gzip magic and the deflate method (1f 8b 08), the
 * test helm's decodeRelease makes. */
bool gzip_is(const void *p, size_t n);

/* Appends the gzip stream of n bytes at in to out. Fails only when zlib does (-TOPS_EINTERNAL,
 * err set); out is left as it was then. */
int gzip_compress(const void *in, size_t n, struct strbuf *out, struct tops_err *err);

/* Decompresses the n bytes at in into a new NUL-terminated buffer (*out, caller frees; *outlen
 * excludes the NUL). max caps the decompressed size (0 = no cap; past it: -TOPS_ETOOBIG).
 * Corrupt or truncated data: -TOPS_EINVAL with a message starting "gzip: ". On error *out is
 * NULL. */
int gzip_decompress(const void *in, size_t n, size_t max, char **out, size_t *outlen,
		    struct tops_err *err);

#endif
