/* kubeconfig — kubectl-compatible loading, merging and credentials. */
#include "core/base/base64.h"
#include "core/base/timefmt.h"
#include "core/kube/kubeconfig.h"
#include "core/kube/kube.h"
#include "core/base/value.h"
#include "core/base/yaml.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* One parsed file. */
struct kc_file {
	char *path;      /* as opened */
	char *shown;     /* as shown in messages (~ for $HOME) */
	char *dir;       /* for relative paths */
	struct value *doc;
};

/* A named entry (cluster, user or context) and the file it came from. */
struct kc_entry {
	const char *name;
	struct value *body;    /* borrowed from the file's doc */
	struct kc_file *file;
};

struct kc_merge {
	struct kc_file *files; size_t nfiles;
	struct kc_entry *ent[3]; size_t nent[3];   /* clusters, users, contexts */
	const char *current;
	struct kc_file *current_file;
};

enum { KC_CLUSTERS, KC_USERS, KC_CONTEXTS };
static const char *const section_key[3] = {"clusters", "users", "contexts"};
static const char *const body_key[3] = {"cluster", "user", "context"};

/* --- typed access with positions --- */

static int type_error(const struct kc_file *f, const struct value *v, const char *what,
		      const char *want, struct tops_err *err)
{
	return tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: %s must be %s", f->shown, v ? v->line : 0,
			    v ? v->col : 0, what, want);
}

/* Copies a string field (NULL when absent or null). */
static int get_str(const struct kc_file *f, const struct value *map, const char *key, char **out,
		   struct tops_err *err)
{
	struct value *v = map ? value_map_get(map, key) : NULL;
	if (!v || v->type == V_NULL)
		return 0;
	if (v->type == V_STRING) {
		free(*out);
		*out = xstrdup(v->u.str.s);
		return 0;
	}
	if (v->type == V_INT || v->type == V_BOOL || v->type == V_FLOAT)
		return type_error(f, v, key, "a string", err);
	return type_error(f, v, key, "a string", err);
}

static int get_bool(const struct kc_file *f, const struct value *map, const char *key, bool *out,
		    struct tops_err *err)
{
	struct value *v = map ? value_map_get(map, key) : NULL;
	if (!v || v->type == V_NULL)
		return 0;
	if (v->type != V_BOOL)
		return type_error(f, v, key, "true or false", err);
	*out = v->u.b;
	return 0;
}

/* A path from the file, made absolute against the file's directory as kubectl does. */
static int get_path(const struct kc_file *f, const struct value *map, const char *key, char **out,
		    struct tops_err *err)
{
	int rc = get_str(f, map, key, out, err);
	if (rc || !*out || !**out || (*out)[0] == '/' || !f->dir)
		return rc;
	char *abs = xasprintf("%s/%s", f->dir, *out);
	free(*out);
	*out = abs;
	return 0;
}

static int get_b64(const struct kc_file *f, const struct value *map, const char *key, char **out,
		   size_t *outlen, struct tops_err *err)
{
	char *s = NULL;
	int rc = get_str(f, map, key, &s, err);
	if (rc || !s)
		return rc;
	free(*out);
	*out = NULL;
	rc = base64_decode(s, strlen(s), out, outlen);
	free(s);
	if (rc < 0)
		return type_error(f, value_map_get(map, key), key, "base64 data", err);
	return 0;
}

/* --- loading and merging --- */

static int read_cluster(struct kubeconfig *kc, const struct kc_entry *e, struct tops_err *err);
static int read_user(struct kubeconfig *kc, const struct kc_entry *e, struct tops_err *err);

/* kubectl rejects a file whose entries have the wrong types, used or not. */
static int validate_entry(int sec, struct kc_entry *e, struct tops_err *err)
{
	struct kubeconfig scratch = {0};
	int rc = 0;
	if (sec == KC_CLUSTERS)
		rc = read_cluster(&scratch, e, err);
	else if (sec == KC_USERS)
		rc = read_user(&scratch, e, err);
	else if (e->body && e->body->type == V_MAP) {
		rc = get_str(e->file, e->body, "cluster", &scratch.cluster_name, err);
		rc = rc ? rc : get_str(e->file, e->body, "user", &scratch.user_name, err);
		rc = rc ? rc : get_str(e->file, e->body, "namespace", &scratch.namespace_, err);
	}
	struct kubeconfig *heap = xmalloc(sizeof *heap);
	*heap = scratch;
	kubeconfig_free(heap);
	return rc;
}

static char *shown_path(const char *path)
{
	const char *home = getenv("HOME");
	size_t hl = home ? strlen(home) : 0;
	if (hl > 1 && strncmp(path, home, hl) == 0 && path[hl] == '/')
		return xasprintf("~%s", path + hl);
	return xstrdup(path);
}

static int load_one(struct kc_file *f, const char *path, struct tops_err *err)
{
	char *text = NULL;
	size_t len = 0;
	f->path = xstrdup(path);
	f->shown = shown_path(path);
	const char *slash = strrchr(path, '/');
	f->dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	int rc = read_file(path, 16 << 20, &text, &len, err);
	if (rc)
		return rc;
	struct yaml_opts yo = {0};
	f->doc = yaml_load(text, len, f->shown, &yo, NULL, err);
	free(text);
	if (!f->doc)
		return -TOPS_EINVAL;
	if (f->doc->type == V_NULL)
		return 0;
	if (f->doc->type != V_MAP)
		return type_error(f, f->doc, "the kubeconfig", "a mapping", err);
	return 0;
}

static struct kc_entry *find_entry(struct kc_merge *m, int sec, const char *name)
{
	for (size_t i = 0; i < m->nent[sec]; i++)
		if (strcmp(m->ent[sec][i].name, name) == 0)
			return &m->ent[sec][i];
	return NULL;
}

/* Adds the named entries of one section; the first file to name an entry wins. */
static int merge_section(struct kc_merge *m, struct kc_file *f, int sec, struct tops_err *err)
{
	struct value *list = value_map_get(f->doc, section_key[sec]);
	if (!list || list->type == V_NULL)
		return 0;
	if (list->type != V_LIST)
		return type_error(f, list, section_key[sec], "a list", err);
	for (size_t i = 0; i < list->u.list.len; i++) {
		struct value *it = list->u.list.items[i];
		if (it->type != V_MAP)
			return type_error(f, it, section_key[sec], "a list of mappings", err);
		struct value *name = value_map_get(it, "name");
		if (!name || name->type != V_STRING)
			return type_error(f, name ? name : it, "name", "a string", err);
		struct value *body = value_map_get(it, body_key[sec]);
		if (body && body->type != V_MAP && body->type != V_NULL)
			return type_error(f, body, body_key[sec], "a mapping", err);
		struct kc_entry e = {name->u.str.s, body, f};
		int rc = validate_entry(sec, &e, err);
		if (rc)
			return rc;
		if (find_entry(m, sec, name->u.str.s))
			continue;
		m->ent[sec] = xrealloc(m->ent[sec], (m->nent[sec] + 1) * sizeof(struct kc_entry));
		m->ent[sec][m->nent[sec]++] = e;
	}
	return 0;
}

static int merge_file(struct kc_merge *m, struct kc_file *f, struct tops_err *err)
{
	if (!f->doc || f->doc->type != V_MAP)
		return 0;
	for (int sec = 0; sec < 3; sec++) {
		int rc = merge_section(m, f, sec, err);
		if (rc)
			return rc;
	}
	struct value *cur = value_map_get(f->doc, "current-context");
	if (cur && cur->type != V_NULL && cur->type != V_STRING)
		return type_error(f, cur, "current-context", "a string", err);
	if (!m->current && cur && cur->type == V_STRING && cur->u.str.len) {
		m->current = cur->u.str.s;
		m->current_file = f;
	}
	return 0;
}

static void merge_done(struct kc_merge *m)
{
	for (size_t i = 0; i < m->nfiles; i++) {
		free(m->files[i].path);
		free(m->files[i].shown);
		free(m->files[i].dir);
		value_unref(m->files[i].doc);
	}
	free(m->files);
	for (int s = 0; s < 3; s++)
		free(m->ent[s]);
}

static int read_cluster(struct kubeconfig *kc, const struct kc_entry *e, struct tops_err *err)
{
	const struct kc_file *f = e->file;
	const struct value *c = e->body;
	int rc = 0;
	if (!c || c->type != V_MAP)
		return 0;
	if ((rc = get_str(f, c, "server", &kc->server, err)) ||
	    (rc = get_path(f, c, "certificate-authority", &kc->ca_file, err)) ||
	    (rc = get_b64(f, c, "certificate-authority-data", &kc->ca_data, &kc->ca_len, err)) ||
	    (rc = get_bool(f, c, "insecure-skip-tls-verify", &kc->insecure, err)) ||
	    (rc = get_str(f, c, "tls-server-name", &kc->tls_server_name, err)) ||
	    (rc = get_str(f, c, "proxy-url", &kc->proxy_url, err)))
		return rc;
	return 0;
}

static int read_str_list(const struct kc_file *f, const struct value *v, const char *what,
			 char ***out, struct tops_err *err)
{
	if (!v || v->type == V_NULL)
		return 0;
	if (v->type != V_LIST)
		return type_error(f, v, what, "a list", err);
	char **a = xcalloc(v->u.list.len + 1, sizeof(char *));
	*out = a;
	for (size_t i = 0; i < v->u.list.len; i++) {
		struct value *it = v->u.list.items[i];
		if (it->type != V_STRING)
			return type_error(f, it, what, "a list of strings", err);
		a[i] = xstrdup(it->u.str.s);
	}
	return 0;
}

static int read_exec_env(const struct kc_file *f, const struct value *v, char ***out,
			 struct tops_err *err)
{
	if (!v || v->type == V_NULL)
		return 0;
	if (v->type != V_LIST)
		return type_error(f, v, "env", "a list", err);
	char **a = xcalloc(v->u.list.len + 1, sizeof(char *));
	*out = a;
	for (size_t i = 0; i < v->u.list.len; i++) {
		struct value *it = v->u.list.items[i];
		struct value *n = it->type == V_MAP ? value_map_get(it, "name") : NULL;
		struct value *val = it->type == V_MAP ? value_map_get(it, "value") : NULL;
		if (!n || n->type != V_STRING || (val && val->type != V_STRING && val->type != V_NULL))
			return type_error(f, it, "env", "a list of {name, value} strings", err);
		a[i] = xasprintf("%s=%s", n->u.str.s, val && val->type == V_STRING ? val->u.str.s : "");
	}
	return 0;
}

static int read_exec(struct kubeconfig *kc, const struct kc_file *f, const struct value *x,
		     struct tops_err *err)
{
	if (x->type != V_MAP)
		return type_error(f, x, "exec", "a mapping", err);
	struct kube_exec *e = xcalloc(1, sizeof *e);
	kc->exec = e;
	int rc;
	if ((rc = get_str(f, x, "apiVersion", &e->api_version, err)) ||
	    (rc = get_str(f, x, "command", &e->command, err)) ||
	    (rc = get_str(f, x, "interactiveMode", &e->interactive_mode, err)) ||
	    (rc = get_bool(f, x, "provideClusterInfo", &e->provide_cluster_info, err)) ||
	    (rc = read_str_list(f, value_map_get(x, "args"), "args", &e->args, err)) ||
	    (rc = read_exec_env(f, value_map_get(x, "env"), &e->env, err)))
		return rc;
	if (!e->command || !*e->command)
		return type_error(f, x, "exec.command", "set", err);
	static const char *const known[] = {"client.authentication.k8s.io/v1",
					    "client.authentication.k8s.io/v1beta1"};
	bool ok = false;
	for (size_t i = 0; i < ARRAY_LEN(known); i++)
		ok = ok || (e->api_version && strcmp(e->api_version, known[i]) == 0);
	if (!ok)
		return tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: exec plugin: invalid apiVersion \"%s\"",
				    f->shown, x->line, x->col, e->api_version ? e->api_version : "");
	if (strstr(e->api_version, "/v1") && !strstr(e->api_version, "beta") && !e->interactive_mode)
		return tops_err_set(err, TOPS_EINVAL,
				    "%s:%d:%d: exec plugin: interactiveMode must be specified for %s",
				    f->shown, x->line, x->col, e->api_version);
	/* a command with a slash but relative is relative to the kubeconfig */
	if (strchr(e->command, '/') && e->command[0] != '/') {
		char *abs = xasprintf("%s/%s", f->dir, e->command);
		free(e->command);
		e->command = abs;
	}
	return 0;
}

static int read_user(struct kubeconfig *kc, const struct kc_entry *e, struct tops_err *err)
{
	const struct kc_file *f = e->file;
	const struct value *u = e->body;
	int rc;
	if (!u || u->type != V_MAP)
		return 0;
	if ((rc = get_str(f, u, "token", &kc->token, err)) ||
	    (rc = get_path(f, u, "tokenFile", &kc->token_file, err)) ||
	    (rc = get_str(f, u, "username", &kc->username, err)) ||
	    (rc = get_str(f, u, "password", &kc->password, err)) ||
	    (rc = get_path(f, u, "client-certificate", &kc->cert_file, err)) ||
	    (rc = get_b64(f, u, "client-certificate-data", &kc->cert_data, &kc->cert_len, err)) ||
	    (rc = get_path(f, u, "client-key", &kc->key_file, err)) ||
	    (rc = get_b64(f, u, "client-key-data", &kc->key_data, &kc->key_len, err)))
		return rc;
	struct value *x = value_map_get(u, "exec");
	if (x && x->type != V_NULL)
		return read_exec(kc, f, x, err);
	return 0;
}

static void set_opt(char **field, const char *v)
{
	if (v && *v) {
		free(*field);
		*field = xstrdup(v);
	}
}

static void apply_overrides(struct kubeconfig *kc, const struct tops_opts *o)
{
	if (!o)
		return;
	set_opt(&kc->server, o->server);
	set_opt(&kc->namespace_, o->namespace_);
	set_opt(&kc->ca_file, o->certificate_authority);
	set_opt(&kc->cert_file, o->client_certificate);
	set_opt(&kc->key_file, o->client_key);
	if (o->certificate_authority) {
		free(kc->ca_data);
		kc->ca_data = NULL;
	}
	if (o->client_certificate) {
		free(kc->cert_data);
		kc->cert_data = NULL;
	}
	if (o->client_key) {
		free(kc->key_data);
		kc->key_data = NULL;
	}
	if (o->token && *o->token) {
		set_opt(&kc->token, o->token);
		free(kc->token_file);
		kc->token_file = NULL;
	}
	if (o->insecure_skip_tls_verify)
		kc->insecure = true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The merge keeps each name once (the first file's entry). */
static void keep_context_names(struct kc_merge *m, struct kubeconfig *kc)
{
	size_t n = m->nent[KC_CONTEXTS];
	kc->context_names = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		kc->context_names[i] = xstrdup(m->ent[KC_CONTEXTS][i].name);
	qsort(kc->context_names, n, sizeof(char *), cmp_str);
}

const char *const *kubeconfig_context_names(const struct kubeconfig *kc, size_t *n)
{
	static const char *const none[] = {NULL};
	const char *const *v = kc && kc->context_names ? (const char *const *)kc->context_names : none;
	if (n)
		for (*n = 0; v[*n];)
			(*n)++;
	return v;
}

static int resolve(struct kc_merge *m, const struct tops_opts *o, struct kubeconfig *kc,
		   struct tops_err *err)
{
	keep_context_names(m, kc);
	const char *ctx = o && o->context && *o->context ? o->context : m->current;
	int rc;
	if (ctx) {
		struct kc_entry *ce = find_entry(m, KC_CONTEXTS, ctx);
		if (!ce)
			return tops_err_set(err, TOPS_ENOENT, "context \"%s\" does not exist%s%s", ctx,
					    m->nfiles ? " in " : "", m->nfiles ? m->files[0].shown : "");
		kc->context_name = xstrdup(ctx);
		kc->origin = xstrdup(ce->file->shown);
		if ((rc = get_str(ce->file, ce->body, "cluster", &kc->cluster_name, err)) ||
		    (rc = get_str(ce->file, ce->body, "user", &kc->user_name, err)) ||
		    (rc = get_str(ce->file, ce->body, "namespace", &kc->namespace_, err)))
			return rc;
		struct kc_entry *cl = kc->cluster_name ? find_entry(m, KC_CLUSTERS, kc->cluster_name) : NULL;
		struct kc_entry *us = kc->user_name ? find_entry(m, KC_USERS, kc->user_name) : NULL;
		if (kc->cluster_name && !cl && !(o && o->server))
			return tops_err_set(err, TOPS_ENOENT, "%s: context \"%s\": cluster \"%s\" not found",
					    ce->file->shown, ctx, kc->cluster_name);
		if ((cl && (rc = read_cluster(kc, cl, err))) || (us && (rc = read_user(kc, us, err))))
			return rc;
	}
	apply_overrides(kc, o);
	if (!kc->server || !*kc->server)
		return tops_err_set(err, TOPS_ENOENT,
				    "no server to connect to: set a current-context in the kubeconfig%s%s, "
				    "or use --context or --server",
				    m->nfiles ? " " : "", m->nfiles ? m->files[0].shown : "");
	return 0;
}

int kubeconfig_load_files(const char *const *paths, size_t npaths, const struct tops_opts *opts,
			  struct kubeconfig **out, struct tops_err *err)
{
	struct kc_merge m = {0};
	struct kubeconfig *kc = xcalloc(1, sizeof *kc);
	int rc = 0;
	m.files = xcalloc(npaths ? npaths : 1, sizeof(struct kc_file));
	for (size_t i = 0; i < npaths; i++) {
		rc = load_one(&m.files[m.nfiles++], paths[i], err);
		if (rc)
			goto fail;
		if ((rc = merge_file(&m, &m.files[m.nfiles - 1], err)))
			goto fail;
	}
	if ((rc = resolve(&m, opts, kc, err)))
		goto fail;
	merge_done(&m);
	*out = kc;
	return 0;
fail:
	merge_done(&m);
	kubeconfig_free(kc);
	*out = NULL;
	return rc;
}

static bool file_exists(const char *p)
{
	FILE *f = fopen(p, "r");
	if (f)
		fclose(f);
	return f != NULL;
}

int kubeconfig_load(const struct tops_opts *opts, struct kubeconfig **out, struct tops_err *err)
{
	const char *env = getenv("KUBECONFIG");
	char **paths = NULL;
	size_t n = 0;
	int rc;
	if (opts && opts->kubeconfig && *opts->kubeconfig) {
		paths = xcalloc(1, sizeof(char *));
		paths[n++] = xstrdup(opts->kubeconfig);
	} else if (env && *env) {
		/* kubectl skips the files of the list that do not exist */
		char *copy = xstrdup(env), *save = NULL;
		for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
			if (!file_exists(p))
				continue;
			paths = xrealloc(paths, (n + 1) * sizeof(char *));
			paths[n++] = xstrdup(p);
		}
		free(copy);
	} else {
		const char *home = getenv("HOME");
		char *p = xasprintf("%s/.kube/config", home ? home : "");
		if (file_exists(p)) {
			paths = xcalloc(1, sizeof(char *));
			paths[n++] = p;
		} else {
			free(p);
		}
	}
	rc = kubeconfig_load_files((const char *const *)paths, n, opts, out, err);
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return rc;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void kubeconfig_free(struct kubeconfig *kc)
{
	if (!kc)
		return;
	char **strs[] = {&kc->context_name, &kc->cluster_name, &kc->user_name, &kc->namespace_,
			 &kc->server, &kc->ca_file, &kc->ca_data, &kc->tls_server_name, &kc->proxy_url,
			 &kc->token, &kc->token_file, &kc->username, &kc->password, &kc->cert_file,
			 &kc->cert_data, &kc->key_file, &kc->key_data, &kc->origin, &kc->cur_token};
	for (size_t i = 0; i < ARRAY_LEN(strs); i++)
		free(*strs[i]);
	free_strv(kc->context_names);
	if (kc->exec) {
		struct kube_exec *e = kc->exec;
		kubeconfig_exec_cancel(kc);
		free(e->api_version);
		free(e->command);
		free(e->interactive_mode);
		free(e->token);
		free(e->cert_data);
		free(e->key_data);
		free_strv(e->args);
		free_strv(e->env);
		free(e);
	}
	free(kc);
}

/* --- exec credential plugins ---
 *
 * A run is started with uv_spawn on the caller's loop (a private one for kubeconfig_token) in
 * its own process group, so that a timeout or a cancel can kill the plugin together with
 * anything it started. It ends when the process has exited and both pipes are closed; the
 * struct is freed when its last handle is closed, which may be after the kubeconfig is gone
 * (cancel). */

#define EXEC_LIMIT_MS 60000

struct exec_run {
	uv_process_t proc;
	uv_pipe_t out, errp;
	uv_timer_t timer;
	struct strbuf obuf, ebuf;
	struct kubeconfig *kc;      /* NULL once cancelled */
	kubeconfig_exec_fn done;
	void *ud;
	int64_t exit_status;
	int term_signal;
	int reading;                /* pipes not yet at EOF */
	int handles;                /* handles not yet closed */
	bool exited, timed_out, finished;
};

static void exec_close_cb(uv_handle_t *h)
{
	struct exec_run *x = h->data;
	if (--x->handles == 0) {
		sb_done(&x->obuf);
		sb_done(&x->ebuf);
		free(x);
	}
}

static void exec_close(struct exec_run *x, uv_handle_t *h)
{
	h->data = x;
	uv_close(h, exec_close_cb);
}

static void exec_finish(struct exec_run *x);

static void exec_alloc_cb(uv_handle_t *h, size_t sz, uv_buf_t *buf)
{
	(void)h;
	buf->base = xmalloc(sz);
	buf->len = sz;
}

static void exec_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf, struct strbuf *sb)
{
	struct exec_run *x = s->data;
	if (n > 0 && sb->len < (1 << 20))
		sb_add(sb, buf->base, (size_t)n);
	free(buf->base);
	if (n < 0) {
		x->reading--;
		exec_close(x, (uv_handle_t *)s);
		exec_finish(x);
	}
}

static void exec_out_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	exec_read(s, n, buf, &((struct exec_run *)s->data)->obuf);
}

static void exec_err_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	exec_read(s, n, buf, &((struct exec_run *)s->data)->ebuf);
}

static void exec_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct exec_run *x = p->data;
	x->exited = true;
	x->exit_status = status;
	x->term_signal = sig;
	exec_close(x, (uv_handle_t *)p);
	exec_finish(x);
}

/* The plugin and whatever it started (its process group), which may hold a pipe after it exited. */
static void exec_kill(struct exec_run *x)
{
	uv_kill(-x->proc.pid, SIGKILL);
}

static void exec_timeout_cb(uv_timer_t *t)
{
	struct exec_run *x = t->data;
	x->timed_out = true;
	exec_kill(x);
}

extern char **environ;

static char **exec_environ(const struct kubeconfig *kc)
{
	size_t n = 0, m = 0;
	while (environ[n])
		n++;
	while (kc->exec->env && kc->exec->env[m])
		m++;
	char **env = xcalloc(n + m + 2, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!str_has_prefix(environ[i], "KUBERNETES_EXEC_INFO="))
			env[k++] = xstrdup(environ[i]);
	for (size_t i = 0; i < m; i++)
		env[k++] = xstrdup(kc->exec->env[i]);
	cJSON *info = cJSON_CreateObject();
	cJSON_AddStringToObject(info, "kind", "ExecCredential");
	cJSON_AddStringToObject(info, "apiVersion", kc->exec->api_version);
	cJSON *spec = cJSON_AddObjectToObject(info, "spec");
	cJSON_AddBoolToObject(spec, "interactive", false);
	if (kc->exec->provide_cluster_info) {
		cJSON *cl = cJSON_AddObjectToObject(spec, "cluster");
		cJSON_AddStringToObject(cl, "server", kc->server ? kc->server : "");
		if (kc->tls_server_name)
			cJSON_AddStringToObject(cl, "tls-server-name", kc->tls_server_name);
		cJSON_AddBoolToObject(cl, "insecure-skip-tls-verify", kc->insecure);
	}
	char *js = cJSON_PrintUnformatted(info);
	cJSON_Delete(info);
	env[k++] = xasprintf("KUBERNETES_EXEC_INFO=%s", js);
	free(js);
	return env;
}

static int exec_parse(struct kubeconfig *kc, const char *out, struct tops_err *err)
{
	struct kube_exec *e = kc->exec;
	cJSON *j = cJSON_Parse(out);
	const char *cmd = e->command;
	int rc = 0;
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
	const cJSON *av = cJSON_GetObjectItemCaseSensitive(j, "apiVersion");
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "status");
	if (!j || !cJSON_IsString(kind) || strcmp(kind->valuestring, "ExecCredential") != 0) {
		rc = tops_err_set(err, TOPS_EAUTH, "exec plugin %s: output is not an ExecCredential", cmd);
		goto out;
	}
	if (!cJSON_IsString(av) || strcmp(av->valuestring, e->api_version) != 0) {
		rc = tops_err_set(err, TOPS_EAUTH, "exec plugin %s: apiVersion %s does not match %s", cmd,
				  cJSON_IsString(av) ? av->valuestring : "(none)", e->api_version);
		goto out;
	}
	const cJSON *tok = cJSON_GetObjectItemCaseSensitive(st, "token");
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(st, "expirationTimestamp");
	const cJSON *cd = cJSON_GetObjectItemCaseSensitive(st, "clientCertificateData");
	const cJSON *kd = cJSON_GetObjectItemCaseSensitive(st, "clientKeyData");
	if (!cJSON_IsString(tok) && !(cJSON_IsString(cd) && cJSON_IsString(kd))) {
		rc = tops_err_set(err, TOPS_EAUTH, "exec plugin %s: status has neither a token nor a "
				  "client certificate and key", cmd);
		goto out;
	}
	free(e->token);
	free(e->cert_data);
	free(e->key_data);
	e->token = cJSON_IsString(tok) ? xstrdup(tok->valuestring) : NULL;
	e->cert_data = cJSON_IsString(cd) ? xstrdup(cd->valuestring) : NULL;
	e->key_data = cJSON_IsString(kd) ? xstrdup(kd->valuestring) : NULL;
	e->expires = cJSON_IsString(exp) ? time_parse_rfc3339(exp->valuestring) : 0;
out:
	cJSON_Delete(j);
	return rc;
}

/* The first line of the plugin's stderr, trimmed (borrowed into sb's buffer). */
static const char *first_line(struct strbuf *sb)
{
	if (!sb->buf)
		return "";
	char *s = sb->buf + strspn(sb->buf, " \t\r\n");
	size_t n = strcspn(s, "\r\n");
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	s[n] = '\0';
	return s;
}

static long exec_limit_ms(const struct kube_exec *e)
{
	return e->limit_ms > 0 ? e->limit_ms : EXEC_LIMIT_MS;
}

static int exec_result(struct exec_run *x, struct tops_err *err)
{
	const char *cmd = x->kc->exec->command;
	const char *line = first_line(&x->ebuf);
	const char *sep = *line ? ": " : "";
	if (x->timed_out) {
		long limit = exec_limit_ms(x->kc->exec);
		bool secs = limit % 1000 == 0;
		return tops_err_set(err, TOPS_EAUTH, "exec plugin %s: no answer within %ld %s%s%s", cmd,
				    secs ? limit / 1000 : limit, secs ? "s" : "ms", sep, line);
	}
	if (x->term_signal)
		return tops_err_set(err, TOPS_EAUTH, "exec plugin %s was killed by signal %d%s%s", cmd,
				    x->term_signal, sep, line);
	if (x->exit_status != 0)
		return tops_err_set(err, TOPS_EAUTH, "exec plugin %s failed (exit status %d)%s%s", cmd,
				    (int)x->exit_status, sep, line);
	return exec_parse(x->kc, sb_str(&x->obuf), err);
}

/* Called after each event; the run is over when the process is gone and both pipes closed. */
static void exec_finish(struct exec_run *x)
{
	if (x->finished || !x->exited || x->reading)
		return;
	x->finished = true;
	uv_timer_stop(&x->timer);
	exec_close(x, (uv_handle_t *)&x->timer);
	if (!x->kc)
		return;   /* cancelled */
	struct kubeconfig *kc = x->kc;
	struct tops_err err = {0};
	int rc = exec_result(x, &err);
	kc->exec->run = NULL;
	x->done(kc, rc, rc ? &err : NULL, x->ud);
	tops_err_clear(&err);
}

static char **exec_argv(const struct kube_exec *e)
{
	size_t na = 0;
	while (e->args && e->args[na])
		na++;
	char **argv = xcalloc(na + 2, sizeof(char *));
	argv[0] = e->command;
	for (size_t i = 0; i < na; i++)
		argv[i + 1] = e->args[i];
	return argv;
}

static int exec_spawn(struct exec_run *x, uv_loop_t *loop)
{
	struct kubeconfig *kc = x->kc;
	char **argv = exec_argv(kc->exec);
	char **env = exec_environ(kc);
	uv_stdio_container_t stdio[3] = {
		{.flags = UV_IGNORE},
		{.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&x->out},
		{.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&x->errp},
	};
	uv_process_options_t po = {.exit_cb = exec_exit_cb, .file = argv[0], .args = argv,
				   .env = env, .stdio_count = 3, .stdio = stdio,
				   .flags = UV_PROCESS_DETACHED};
	x->proc.data = x;
	int rc = uv_spawn(loop, &x->proc, &po);
	for (size_t i = 0; env[i]; i++)
		free(env[i]);
	free(env);
	free(argv);
	return rc;
}

int kubeconfig_exec_start(struct kubeconfig *kc, uv_loop_t *loop, kubeconfig_exec_fn done,
			  void *ud, struct tops_err *err)
{
	if (!kc->exec || kc->exec->run)
		return tops_err_set(err, TOPS_EINTERNAL, "exec plugin: %s",
				    kc->exec ? "already running" : "none configured");
	struct exec_run *x = xcalloc(1, sizeof *x);
	x->kc = kc;
	x->done = done;
	x->ud = ud;
	uv_pipe_init(loop, &x->out, 0);
	uv_pipe_init(loop, &x->errp, 0);
	uv_timer_init(loop, &x->timer);
	x->out.data = x->errp.data = x->timer.data = x;
	x->handles = 3;
	int rc = exec_spawn(x, loop);
	x->handles++;   /* the process handle is initialised even when the spawn failed */
	if (rc != 0) {
		exec_close(x, (uv_handle_t *)&x->proc);
		exec_close(x, (uv_handle_t *)&x->out);
		exec_close(x, (uv_handle_t *)&x->errp);
		exec_close(x, (uv_handle_t *)&x->timer);
		return tops_err_set(err, TOPS_EAUTH, "exec plugin %s: cannot start: %s",
				    kc->exec->command, uv_strerror(rc));
	}
	x->reading = 2;
	uv_read_start((uv_stream_t *)&x->out, exec_alloc_cb, exec_out_cb);
	uv_read_start((uv_stream_t *)&x->errp, exec_alloc_cb, exec_err_cb);
	uv_timer_start(&x->timer, exec_timeout_cb, (uint64_t)exec_limit_ms(kc->exec), 0);
	kc->exec->run = x;
	return 0;
}

bool kubeconfig_exec_running(const struct kubeconfig *kc)
{
	return kc->exec && kc->exec->run;
}

void kubeconfig_exec_cancel(struct kubeconfig *kc)
{
	struct exec_run *x = kc->exec ? kc->exec->run : NULL;
	if (!x)
		return;
	kc->exec->run = NULL;
	x->kc = NULL;
	exec_kill(x);
}

bool kubeconfig_uses_exec(const struct kubeconfig *kc)
{
	return kc->exec && !(kc->token && *kc->token) && !kc->token_file;
}

bool kubeconfig_exec_stale(const struct kubeconfig *kc)
{
	const struct kube_exec *e = kc->exec;
	if (!e)
		return false;
	if (!e->token && !e->cert_data)
		return true;
	return e->expires != 0 && e->expires - KUBECONFIG_EXEC_MARGIN <= now_wall();
}

struct exec_sync {
	int rc;
	struct tops_err *err;
};

static void exec_sync_cb(struct kubeconfig *kc, int rc, const struct tops_err *e, void *ud)
{
	struct exec_sync *s = ud;
	(void)kc;
	s->rc = rc;
	if (rc)
		tops_err_set(s->err, e->code, "%s", e->msg);
}

/* Runs the plugin to completion on a private loop. */
static int exec_run_blocking(struct kubeconfig *kc, struct tops_err *err)
{
	if (kc->exec->run)
		return tops_err_set(err, TOPS_EAUTH, "exec plugin %s: already running on the event loop",
				    kc->exec->command);
	uv_loop_t loop;
	if (uv_loop_init(&loop) != 0)
		return tops_err_set(err, TOPS_EINTERNAL, "cannot create an event loop");
	struct exec_sync s = {-TOPS_EINTERNAL, err};
	int rc = kubeconfig_exec_start(kc, &loop, exec_sync_cb, &s, err);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return rc ? rc : s.rc;
}

int kubeconfig_token(struct kubeconfig *kc, const char **token, struct tops_err *err)
{
	*token = NULL;
	if (kc->token && *kc->token) {
		*token = kc->token;
		return 0;
	}
	if (kc->token_file) {
		char *text = NULL;
		size_t len;
		if (read_file(kc->token_file, 1 << 20, &text, &len, err))
			return tops_err_prefix(err, "tokenFile");
		while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
			text[--len] = '\0';
		free(kc->cur_token);
		kc->cur_token = text;
		*token = text;
		return 0;
	}
	if (!kc->exec)
		return 0;
	struct kube_exec *e = kc->exec;
	if (kubeconfig_exec_stale(kc)) {
		int rc = exec_run_blocking(kc, err);
		if (rc)
			return rc;
	}
	*token = e->token;
	return 0;
}
