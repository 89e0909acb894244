/* tar — reads the regular files of a (optionally gzip-compressed) ustar/pax/GNU tar archive in
 * memory. Enough for Helm chart archives (.tgz): names from ustar prefix+name, pax "path" and GNU
 * long names; directories, links and pax global headers are skipped.
 */
#ifndef TOPS_TAR_H
#define TOPS_TAR_H

#include "core/base/util.h"

struct tar_entry {
	char *name;   /* as stored, '/' separated */
	char *data;   /* NUL-terminated; len excludes the NUL */
	size_t len;
};

struct tar_archive {
	struct tar_entry *entries;
	size_t n, cap;
};

/* Inflates gzip data (several members allowed). Refuses output larger than max bytes with
 * TOPS_ETOOBIG. Caller frees *out. */
int tar_gunzip(const void *data, size_t len, size_t max, char **out, size_t *outlen,
	       struct tops_err *err);

/* Parses a tar archive (gunzipped first when it starts with the gzip magic). Total unpacked size
 * is limited to max bytes (0: 256 MiB). Fills ar (embedded; release with tar_archive_done()). */
int tar_read(const void *data, size_t len, size_t max, struct tar_archive *ar, struct tops_err *err);
void tar_archive_done(struct tar_archive *ar);

#endif
