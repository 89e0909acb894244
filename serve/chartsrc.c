/* chartsrc — a preview's chart: a path confined to the chart root, or an uploaded archive. */
#include "serve/serve_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* No absolute path, no ".." segment, no empty name. */
static int lexical_check(const char *chart, struct tops_err *err)
{
	if (!*chart || chart[0] == '/')
		return tops_err_set(err, TOPS_EINVAL, "chart \"%s\": give a path relative to the chart root",
				    chart);
	for (const char *p = chart; *p;) {
		size_t k = strcspn(p, "/");
		if (k == 2 && !strncmp(p, "..", 2))
			return tops_err_set(err, TOPS_EINVAL, "chart \"%s\": \"..\" is not allowed (paths stay "
					    "under the chart root)", chart);
		p += k + (p[k] == '/');
	}
	return 0;
}

int chartsrc_resolve(const char *root, const char *chart, char **out, struct tops_err *err)
{
	*out = NULL;
	if (lexical_check(chart, err) < 0)
		return -TOPS_EINVAL;
	char *joined = xasprintf("%s/%s", root, chart), *real = realpath(joined, NULL);
	free(joined);
	if (!real)
		return tops_err_set(err, TOPS_ENOENT, "chart \"%s\": not found under the chart root", chart);
	size_t rl = strlen(root);
	if (strncmp(real, root, rl) || (real[rl] != '/' && real[rl] != 0) || !strcmp(real, root)) {
		free(real);
		return tops_err_set(err, TOPS_EINVAL, "chart \"%s\": resolves outside the chart root (a "
				    "symbolic link?)", chart);
	}
	*out = real;
	return 0;
}

int chartsrc_upload(const char *data, size_t len, char **out, char **tmpdir, struct tops_err *err)
{
	*out = *tmpdir = NULL;
	if (len < 2 || (unsigned char)data[0] != 0x1f || (unsigned char)data[1] != 0x8b)
		return tops_err_set(err, TOPS_EINVAL, "the body is not a gzip archive (a chart packaged "
				    "with `helm package` or `tar czf`)");
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/tops-serve-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		free(dir);
		return tops_err_set(err, TOPS_EIO, "cannot make a folder for the upload: %s", strerror(errno));
	}
	char *path = xasprintf("%s/chart.tgz", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	bool ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;
	if (fd >= 0)
		close(fd);
	if (!ok) {
		unlink(path), rmdir(dir), free(path), free(dir);
		return tops_err_set(err, TOPS_EIO, "cannot store the upload: %s", strerror(errno));
	}
	*out = path, *tmpdir = dir;
	return 0;
}
