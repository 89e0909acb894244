#include "cli/render_extras.h"

#include "core/base/options.h"
#include "core/release/engine.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

/* ---- --post-renderer: one child on a private loop, stdin written, stdout and stderr read ---- */

struct child {
	uv_process_t proc;
	uv_pipe_t in, out, errp;
	uv_write_t wr;
	struct strbuf got, errs;
	int64_t status;
	bool exited;
};

static void alloc_cb(uv_handle_t *h, size_t size, uv_buf_t *buf)
{
	(void)h;
	buf->base = xmalloc(size);
	buf->len = size;
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	if (n > 0)
		sb_add(s->data, buf->base, (size_t)n);
	else if (n < 0)
		uv_close((uv_handle_t *)s, NULL);
	free(buf->base);
}

static void written_cb(uv_write_t *w, int status)
{
	(void)status;
	uv_close((uv_handle_t *)w->handle, NULL); /* EOF for the child */
}

static void exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct child *c = p->data;
	c->status = sig ? 128 + sig : status;
	c->exited = true;
	uv_close((uv_handle_t *)p, NULL);
}

static int spawn(uv_loop_t *loop, struct child *c, char **argv, const struct strbuf *input)
{
	uv_pipe_init(loop, &c->in, 0), uv_pipe_init(loop, &c->out, 0), uv_pipe_init(loop, &c->errp, 0);
	uv_stdio_container_t stdio[3] = {
		{.flags = UV_CREATE_PIPE | UV_READABLE_PIPE, .data.stream = (uv_stream_t *)&c->in},
		{.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&c->out},
		{.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&c->errp}};
	uv_process_options_t o = {.exit_cb = exit_cb, .file = argv[0], .args = argv, .stdio = stdio,
				  .stdio_count = 3};
	c->proc.data = c;
	int rc = uv_spawn(loop, &c->proc, &o);
	if (rc < 0) {
		uv_close((uv_handle_t *)&c->in, NULL), uv_close((uv_handle_t *)&c->out, NULL);
		uv_close((uv_handle_t *)&c->errp, NULL);
		return rc;
	}
	c->out.data = &c->got, c->errp.data = &c->errs;
	uv_read_start((uv_stream_t *)&c->out, alloc_cb, read_cb);
	uv_read_start((uv_stream_t *)&c->errp, alloc_cb, read_cb);
	uv_buf_t b = uv_buf_init((char *)sb_str(input), (unsigned)input->len);
	uv_write(&c->wr, (uv_stream_t *)&c->in, &b, 1, written_cb);
	return 0;
}

/* The program as helm names it in its messages: an absolute path (found in $PATH when the
 * name has no '/'). NULL when there is none. Caller frees. */
static char *resolve(const char *path)
{
	if (strchr(path, '/'))
		return access(path, X_OK) == 0 ? realpath(path, NULL) : NULL;
	const char *env = getenv("PATH");
	char *dirs = xstrdup(env ? env : "/usr/bin:/bin"), *save = NULL, *found = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *cand = xasprintf("%s/%s", d, path);
		if (access(cand, X_OK) == 0)
			found = cand;
		else
			free(cand);
	}
	free(dirs);
	return found;
}

int render_post_check(const char *path, struct tops_err *err)
{
	char *abs = resolve(path);
	free(abs);
	return abs ? 0 : tops_err_set(err, TOPS_EINVAL, "error while running post render on files: unable "
				      "to find binary at %s: no such executable", path);
}

int render_post(const char *path, const char *const *args, size_t nargs, struct strbuf *out,
		struct tops_err *err)
{
	char *abs = resolve(path);
	if (!abs)
		return render_post_check(path, err);
	uv_loop_t loop;
	uv_loop_init(&loop);
	signal(SIGPIPE, SIG_IGN); /* a program that does not read its input must not kill tops */
	char **argv = xcalloc(nargs + 2, sizeof *argv);
	argv[0] = abs;
	for (size_t i = 0; i < nargs; i++)
		argv[i + 1] = (char *)args[i];
	struct child c = {.got = STRBUF_INIT, .errs = STRBUF_INIT};
	int rc = spawn(&loop, &c, argv, out);
	if (rc == 0)
		uv_run(&loop, UV_RUN_DEFAULT);
	uv_run(&loop, UV_RUN_DEFAULT); /* the close callbacks */
	uv_loop_close(&loop);
	free(argv);
	if (rc < 0)
		rc = tops_err_set(err, TOPS_EINVAL, "error while running post render on files: unable to "
				  "find binary at %s: %s", path, uv_strerror(rc));
	else if (c.status)
		rc = tops_err_set(err, TOPS_EINVAL, "error while running post render on files: error while "
				  "running command %s. error output:\n%s%s: exit status %lld", abs,
				  sb_str(&c.errs), c.errs.len && c.errs.buf[c.errs.len - 1] == '\n' ? "" : "\n",
				  (long long)c.status);
	else {
		sb_reset(out);
		sb_add(out, c.got.buf ? c.got.buf : "", c.got.len);
	}
	sb_done(&c.got), sb_done(&c.errs);
	free(abs);
	return rc;
}

/* ---- --validate ---- */

int render_validate(const char *manifests, const char *ns, struct tops_err *err)
{
	struct kube_client *kc = NULL;
	if (kube_client_new(NULL, &tops_opts, &kc, err) < 0)
		return tops_err_prefix(err, "--validate needs the cluster"), -1;
	struct engine_opts o = {.namespace_ = ns ? ns : kube_client_namespace(kc), .dry_run_server = true};
	const char *names[] = {"rendered"}, *texts[] = {manifests};
	size_t applied = 0;
	int rc = engine_apply(kc, &o, names, texts, 1, &applied, err);
	if (rc < 0)
		tops_err_prefix(err, "unable to build kubernetes objects from release manifest");
	kube_client_free(kc);
	return rc;
}

/* ---- --dependency-update, offline ---- */

static bool has_subchart(const struct chart *c, const struct chart_dep *d)
{
	for (size_t i = 0; i < c->ncharts; i++)
		if (!strcmp(c->charts[i]->name, d->name))
			return true;
	return false;
}

static int add_local(struct chart *c, const struct chart_dep *d, const char *chart_path, struct tops_err *err)
{
	const char *rel = d->repository + strlen("file://");
	char *path = rel[0] == '/' ? xstrdup(rel) : xasprintf("%s/%s", chart_path, rel);
	struct chart *sub = NULL;
	int rc = chart_load(path, &sub, err);
	if (rc < 0)
		tops_err_prefix(err, "dependency \"%s\" (%s)", d->name, d->repository);
	if (rc == 0 && d->version && *d->version && !chart_version_satisfies(d->version, sub->version)) {
		rc = tops_err_set(err, TOPS_EINVAL, "can't get a valid version for \"%s\": %s has version %s, "
				  "the constraint is %s; try changing the version constraint in Chart.yaml",
				  d->name, d->repository, sub->version, d->version);
		chart_free(sub);
	}
	free(path);
	if (rc < 0)
		return rc;
	sub->parent = c;
	c->charts = xrealloc(c->charts, (c->ncharts + 1) * sizeof *c->charts);
	c->charts[c->ncharts++] = sub;
	return 0;
}

int render_dependency_update(struct chart *c, const char *chart_path, struct tops_err *err)
{
	struct stat st;
	bool dir = stat(chart_path, &st) == 0 && S_ISDIR(st.st_mode);
	for (size_t i = 0; i < c->ndeps; i++) {
		const struct chart_dep *d = &c->deps[i];
		if (has_subchart(c, d))
			continue;
		if (d->repository && !strncmp(d->repository, "file://", 7) && dir) {
			if (add_local(c, d, chart_path, err) < 0)
				return -1;
			continue;
		}
		return tops_err_set(err, TOPS_ENOENT, "dependency %s (repository %s) is not in %s/charts/ and "
				    "tops works offline (it downloads nothing): put its archive there (helm pull %s "
				    "--version %s on a machine that reaches the repository)", d->name,
				    d->repository && *d->repository ? d->repository : "none", chart_path, d->name,
				    d->version ? d->version : "VERSION");
	}
	return 0;
}
