/* shell — the simulated container's command set and files; see shell.h. */
#include "tests/kubesim/shell.h"

#include "tests/kubesim/sim.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN_DIR "/data/snapshots/golden"
#define GOLDEN_DEFAULT "results.json,latency.csv,throughput.csv,config.yaml"

static const char *const dirs[] = {"/", "/app", "/data", "/data/snapshots", GOLDEN_DIR, "/etc",
				   "/tmp"};

/* Pods (by uid) whose golden set was made: the set lives as long as the pod. */
static char **refreshed;
static size_t nrefreshed;

struct file {
	char *path;
	char *data;
};

struct files {
	struct file *f;
	size_t n;
};

static const char *pod_name(const struct shell_ctx *cx) { return vstr(cx->pod, "metadata.name"); }
static const char *pod_uid(const struct shell_ctx *cx) { return vstr(cx->pod, "metadata.uid"); }
static const char *image(const struct shell_ctx *cx)
{
	const char *i = vstr(cx->container, "image");
	return i ? i : "";
}

/* The literal value of an env var of the container, or NULL. */
static const char *env_of(const struct shell_ctx *cx, const char *name)
{
	const struct value *env = value_map_get(cx->container, "env");
	for (size_t i = 0; env && env->type == V_LIST && i < env->u.list.len; i++) {
		const struct value *e = env->u.list.items[i];
		const char *n = vstr(e, "name");
		if (n && strcmp(n, name) == 0)
			return vstr(e, "value");
	}
	return NULL;
}

static bool is_refreshed(const struct shell_ctx *cx)
{
	const char *uid = pod_uid(cx);
	for (size_t i = 0; uid && i < nrefreshed; i++)
		if (strcmp(refreshed[i], uid) == 0)
			return true;
	return false;
}

static void add_file(struct files *fs, char *path, char *data)
{
	fs->f = xrealloc(fs->f, (fs->n + 1) * sizeof *fs->f);
	fs->f[fs->n++] = (struct file){path, data};
}

static bool image_bound(const char *name)
{
	return !strcmp(name, "results.json") || !strcmp(name, "latency.csv") ||
	       str_has_prefix(name, "img-");
}

static char *golden_content(const struct shell_ctx *cx, const char *name)
{
	bool img = image_bound(name);
	uint64_t h = sim_hash(name, strlen(name), 1469598103934665603ull);
	if (img)
		h = sim_hash(image(cx), strlen(image(cx)), h);
	return img ? xasprintf("name: %s\nimage: %s\nchecksum: %016llx\n", name, image(cx),
			       (unsigned long long)h)
		   : xasprintf("name: %s\nchecksum: %016llx\n", name, (unsigned long long)h);
}

/* The golden set's names (from GOLDEN_FILES), each visited once. */
static void golden_files(const struct shell_ctx *cx, struct files *fs)
{
	const char *list = env_of(cx, "GOLDEN_FILES");
	char *copy = xstrdup(list ? list : GOLDEN_DEFAULT), *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		size_t n = strlen(t);
		while (n && t[n - 1] == ' ')
			t[--n] = '\0';
		if (*t && !strchr(t, '/'))
			add_file(fs, xasprintf(GOLDEN_DIR "/%s", t), golden_content(cx, t));
	}
	free(copy);
}

static void files_load(const struct shell_ctx *cx, struct files *fs)
{
	memset(fs, 0, sizeof *fs);
	add_file(fs, xstrdup("/app/Makefile"),
		 xstrdup("snapshot-refresh:\n\trefresh-golden " GOLDEN_DIR "\n"));
	add_file(fs, xstrdup("/etc/hostname"), xasprintf("%s\n", pod_name(cx)));
	add_file(fs, xstrdup("/etc/os-release"),
		 xstrdup("NAME=\"kubesim\"\nID=kubesim\nVERSION_ID=1.0\n"));
	if (is_refreshed(cx))
		golden_files(cx, fs);
}

static void files_free(struct files *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->f[i].path), free(fs->f[i].data);
	free(fs->f);
}

/* "/etc/../x", "etc/hostname" (relative to /) and trailing slashes made plain. */
static char *abs_path(const char *p)
{
	char *a = p[0] == '/' ? xstrdup(p) : xasprintf("/%s", p);
	size_t n = strlen(a);
	while (n > 1 && a[n - 1] == '/')
		a[--n] = '\0';
	return a;
}

static const struct file *find_file(const struct files *fs, const char *path)
{
	char *a = abs_path(path);
	const struct file *hit = NULL;
	for (size_t i = 0; i < fs->n && !hit; i++)
		if (strcmp(fs->f[i].path, a) == 0)
			hit = &fs->f[i];
	free(a);
	return hit;
}

static bool is_dir(const char *path)
{
	char *a = abs_path(path);
	bool d = false;
	for (size_t i = 0; i < ARRAY_LEN(dirs) && !d; i++)
		d = strcmp(dirs[i], a) == 0;
	free(a);
	return d;
}

/* --- commands --- */

typedef void (*cmd_fn)(struct shell_ctx *cx, char *const *argv, int argc, const char *in,
		       size_t in_len, struct shell_out *o);

static void c_echo(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		   struct shell_out *o)
{
	int i = 1;
	bool nl = true;
	if (argc > 1 && strcmp(argv[1], "-n") == 0)
		nl = false, i = 2;
	for (int k = i; k < argc; k++)
		sb_addf(&o->out, "%s%s", k > i ? " " : "", argv[k]);
	if (nl)
		sb_adds(&o->out, "\n");
}

static void c_env(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		  struct shell_out *o)
{
	sb_addf(&o->out, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
		"HOSTNAME=%s\n", pod_name(cx));
	if (cx->tty)
		sb_adds(&o->out, "TERM=xterm\n");
	const struct value *env = value_map_get(cx->container, "env");
	for (size_t i = 0; env && env->type == V_LIST && i < env->u.list.len; i++) {
		const char *n = vstr(env->u.list.items[i], "name");
		const char *v = vstr(env->u.list.items[i], "value");
		if (n)
			sb_addf(&o->out, "%s=%s\n", n, v ? v : "");
	}
	sb_adds(&o->out, "HOME=/root\n");
}

static void c_cat(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		  struct shell_out *o)
{
	struct files fs;
	files_load(cx, &fs);
	o->status = 0;
	for (int i = 1; i < argc || i == 1; i++) {
		const char *a = i < argc ? argv[i] : "-";
		const struct file *f = strcmp(a, "-") ? find_file(&fs, a) : NULL;
		if (!strcmp(a, "-"))
			sb_add(&o->out, in ? in : "", in ? il : 0);
		else if (f)
			sb_adds(&o->out, f->data);
		else {
			sb_addf(&o->err, "cat: %s: %s\n", a, is_dir(a) ? "Is a directory"
								       : "No such file or directory");
			o->status = 1;
		}
		if (argc == 1)
			break;
	}
	files_free(&fs);
}

/* The entries right under dir, sorted (strcmp order, as ls in the C locale). */
static int cmp_str(const void *a, const void *b) { return strcmp(*(char **)a, *(char **)b); }

static void list_dir(const struct files *fs, const char *dir, struct strbuf *out)
{
	char **names = NULL;
	size_t n = 0;
	size_t dl = strcmp(dir, "/") ? strlen(dir) : 0;
	for (size_t i = 0; i < fs->n + ARRAY_LEN(dirs); i++) {
		const char *p = i < fs->n ? fs->f[i].path : dirs[i - fs->n];
		if (strncmp(p, dir, dl) || p[dl] != '/' || !p[dl + 1] || strchr(p + dl + 1, '/'))
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = (char *)p + dl + 1;
	}
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++)
		sb_addf(out, "%s\n", names[i]);
	free(names);
}

static void c_ls(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		 struct shell_out *o)
{
	struct files fs;
	files_load(cx, &fs);
	o->status = 0;
	for (int i = 1; i < argc || i == 1; i++) {
		char *a = abs_path(i < argc ? argv[i] : "/");
		if (argc > 2 && is_dir(a))
			sb_addf(&o->out, "%s%s:\n", i > 1 ? "\n" : "", argv[i]);
		if (is_dir(a))
			list_dir(&fs, a, &o->out);
		else if (find_file(&fs, a))
			sb_addf(&o->out, "%s\n", argv[i]);
		else {
			sb_addf(&o->err, "ls: cannot access '%s': No such file or directory\n", argv[i]);
			o->status = 2;
		}
		free(a);
		if (argc == 1)
			break;
	}
	files_free(&fs);
}

static void add_sha(struct strbuf *out, const char *data, size_t n, const char *name)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)data, n, md);
	for (size_t i = 0; i < sizeof md; i++)
		sb_addf(out, "%02x", md[i]);
	sb_addf(out, "  %s\n", name);
}

static void c_sha256sum(struct shell_ctx *cx, char *const *argv, int argc, const char *in,
			size_t il, struct shell_out *o)
{
	struct files fs;
	files_load(cx, &fs);
	o->status = 0;
	if (argc == 1)
		add_sha(&o->out, in ? in : "", in ? il : 0, "-");
	for (int i = 1; i < argc; i++) {
		const struct file *f = find_file(&fs, argv[i]);
		if (f)
			add_sha(&o->out, f->data, strlen(f->data), argv[i]);
		else if (!strcmp(argv[i], "-"))
			add_sha(&o->out, in ? in : "", in ? il : 0, "-");
		else {
			sb_addf(&o->err, "sha256sum: %s: %s\n", argv[i],
				is_dir(argv[i]) ? "Is a directory" : "No such file or directory");
			o->status = 1;
		}
	}
	files_free(&fs);
}

static void c_seq(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		  struct shell_out *o)
{
	long first = argc > 2 ? strtol(argv[1], NULL, 10) : 1;
	long last = argc > 1 ? strtol(argv[argc > 2 ? 2 : 1], NULL, 10) : 0;
	if (argc < 2) {
		sb_adds(&o->err, "seq: missing operand\n");
		o->status = 1;
		return;
	}
	for (long i = first; i <= last; i++)
		sb_addf(&o->out, "%ld\n", i);
	o->status = 0;
}

static void c_true(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		   struct shell_out *o) { o->status = 0; }
static void c_false(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		    struct shell_out *o) { o->status = 1; }
static void c_hostname(struct shell_ctx *cx, char *const *argv, int argc, const char *in,
		       size_t il, struct shell_out *o) { sb_addf(&o->out, "%s\n", pod_name(cx)); }
static void c_pwd(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		  struct shell_out *o) { sb_adds(&o->out, "/\n"); }
static void c_sleep(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		    struct shell_out *o) { o->status = 0; }

static void c_stty(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		   struct shell_out *o)
{
	if (argc == 2 && strcmp(argv[1], "size") == 0 && cx->tty) {
		sb_addf(&o->out, "%u %u\n", cx->rows, cx->cols);
		o->status = 0;
	} else {
		sb_adds(&o->err, "stty: 'standard input': Inappropriate ioctl for device\n");
		o->status = 1;
	}
}

static void c_exit(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		   struct shell_out *o)
{
	o->status = argc > 1 ? (int)(strtol(argv[1], NULL, 10) & 255) : o->status;
	o->exited = true;
}

static void c_make(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		   struct shell_out *o)
{
	if (argc != 2 || strcmp(argv[1], "snapshot-refresh") != 0) {
		sb_addf(&o->err, "make: *** No rule to make target '%s'.  Stop.\n",
			argc > 1 ? argv[1] : "");
		o->status = 2;
		return;
	}
	if (!is_refreshed(cx) && pod_uid(cx)) {
		refreshed = xrealloc(refreshed, (nrefreshed + 1) * sizeof *refreshed);
		refreshed[nrefreshed++] = xstrdup(pod_uid(cx));
	}
	struct files fs = {0};
	golden_files(cx, &fs);
	for (size_t i = 0; i < fs.n; i++)
		sb_addf(&o->out, "%s\n", fs.f[i].path);
	files_free(&fs);
	o->status = 0;
}

static void c_sh(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		 struct shell_out *o);

#define COMMANDS(X) \
	X("echo", c_echo) X("env", c_env) X("cat", c_cat) X("ls", c_ls) \
	X("sha256sum", c_sha256sum) X("seq", c_seq) X("true", c_true) X("false", c_false) \
	X("hostname", c_hostname) X("pwd", c_pwd) X("sleep", c_sleep) X("stty", c_stty) \
	X("exit", c_exit) X("make", c_make) X("sh", c_sh) X("bash", c_sh)

static const struct { const char *name; cmd_fn fn; } commands[] = {
#define CMD_ENTRY(n, f) {n, f},
	COMMANDS(CMD_ENTRY)
#undef CMD_ENTRY
};

const char *shell_base(const char *argv0)
{
	const char *const prefixes[] = {"/usr/local/bin/", "/usr/bin/", "/bin/"};
	for (size_t i = 0; i < ARRAY_LEN(prefixes); i++)
		if (str_has_prefix(argv0, prefixes[i]))
			return argv0 + strlen(prefixes[i]);
	return argv0;
}

static cmd_fn lookup(const char *argv0)
{
	const char *b = shell_base(argv0);
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].name, b) == 0)
			return commands[i].fn;
	return NULL;
}

bool shell_known(const char *argv0) { return lookup(argv0) && strcmp(argv0, "exit"); }

void shell_run(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t in_len,
	       struct shell_out *o)
{
	cmd_fn fn = argc ? lookup(argv[0]) : NULL;
	o->status = 0;
	if (fn)
		fn(cx, argv, argc, in, in_len, o);
	else if (argc) {
		sb_addf(&o->err, "sh: %s: not found\n", argv[0]);
		o->status = 127;
	}
}

static void c_sh(struct shell_ctx *cx, char *const *argv, int argc, const char *in, size_t il,
		 struct shell_out *o)
{
	if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
		shell_line(cx, argv[2], o);
	} else {
		/* a shell reading a script from stdin, line by line */
		char *script = xstrndup(in ? in : "", in ? il : 0), *save = NULL;
		for (char *l = strtok_r(script, "\n", &save); l && !o->exited; l = strtok_r(NULL, "\n", &save))
			shell_line(cx, l, o);
		free(script);
	}
	o->exited = false;
}

/* --- lines --- */

/* Splits a command at blanks with '...' and "..." quoting. */
static int split_words(const char *s, char ***out)
{
	char **w = NULL;
	int n = 0;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		struct strbuf sb = STRBUF_INIT;
		while (*s && *s != ' ' && *s != '\t') {
			char q = *s;
			if (q == '\'' || q == '"') {
				const char *e = strchr(s + 1, q);
				size_t len = e ? (size_t)(e - s - 1) : strlen(s + 1);
				sb_add(&sb, s + 1, len);
				s += len + 1 + (e ? 1 : 0);
			} else {
				sb_add(&sb, s++, 1);
			}
		}
		w = xrealloc(w, (size_t)(n + 2) * sizeof *w);
		w[n++] = sb_detach(&sb, NULL);
	}
	if (w)
		w[n] = NULL;
	*out = w;
	return n;
}

enum redirect { R_NONE, R_STDERR, R_NULL };

static enum redirect take_redirect(char **w, int *n)
{
	static const struct { const char *word; enum redirect r; } table[] = {
		{">&2", R_STDERR}, {"1>&2", R_STDERR}, {">/dev/null", R_NULL}};
	for (size_t i = 0; *n && i < ARRAY_LEN(table); i++)
		if (strcmp(w[*n - 1], table[i].word) == 0) {
			free(w[--*n]);
			w[*n] = NULL;
			return table[i].r;
		}
	return R_NONE;
}

static void run_words(struct shell_ctx *cx, const char *cmd, struct shell_out *o)
{
	char **w = NULL;
	int n = split_words(cmd, &w);
	enum redirect r = take_redirect(w, &n);
	if (n) {
		struct shell_out sub = {STRBUF_INIT, STRBUF_INIT, o->status, false};
		shell_run(cx, w, n, NULL, 0, &sub);
		if (r != R_NULL)
			sb_add(r == R_STDERR ? &o->err : &o->out, sub.out.buf ? sub.out.buf : "",
			       sub.out.len);
		sb_add(&o->err, sub.err.buf ? sub.err.buf : "", sub.err.len);
		o->status = sub.status;
		o->exited = sub.exited;
		sb_done(&sub.out);
		sb_done(&sub.err);
	}
	for (int i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

void shell_line(struct shell_ctx *cx, const char *line, struct shell_out *o)
{
	char *copy = xstrdup(line);
	char *p = copy;
	while (p && !o->exited) {
		/* the next ';' outside quotes */
		char *q = p, quote = 0;
		for (; *q && (quote || *q != ';'); q++)
			if ((*q == '\'' || *q == '"') && (!quote || quote == *q))
				quote = quote ? 0 : *q;
		char *next = *q ? q + 1 : NULL;
		*q = '\0';
		run_words(cx, p, o);
		p = next;
	}
	free(copy);
}
