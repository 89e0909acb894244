/* openapi_cluster — a cluster's OpenAPI v3 documents, fetched on demand and cached on disk. */
#include "core/validate/openapi_cluster.h"
#include "core/validate/openapi.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DOC_MAX (256u << 20)
#define HASH_MAX 64
#define ATTEMPTS 3          /* transient failures (reset, timeout, 5xx, 429) are tried again */
#define BACKOFF_MS 250

struct oa_gv {
	char *key;            /* "apis/apps/v1" */
	char *url;            /* serverRelativeURL */
	char *hash;           /* from the URL, file-name safe; "" when the URL has none */
	struct value *doc;    /* NULL until loaded */
	char *err;            /* the fetch failed: words */
	int errcode;          /* and why (enum tops_errcode) */
	bool busy;            /* a fetch is in flight */
};

struct oa_schema {
	char *key;            /* "S\napiVersion\nkind" */
	struct jsonschema *s; /* NULL: the document has no such kind */
	char *url;
};

struct openapi_cluster {
	struct kube_client *kc;
	struct openapi_cluster_opts o;
	char *version, *dir, *root_path, *base_url;
	struct oa_gv *gvs;
	size_t ngvs;
	bool root_from_cache;
	struct oa_schema *schemas;
	size_t nschemas;
	size_t inflight;
	struct openapi_cluster_stats st;
};

static bool transient(int code)
{
	return code == TOPS_ENET || code == TOPS_ETIMEOUT || code == TOPS_EHTTP;
}

static void backoff(int attempt)
{
	usleep((useconds_t)(BACKOFF_MS << attempt) * 1000u);
}

static void warn(struct openapi_cluster *oc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct openapi_cluster *oc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (oc->o.warn)
		oc->o.warn(msg, oc->o.ud);
	else
		fprintf(stderr, "tops: warning: %s\n", msg);
	free(msg);
}

/* Characters safe in a file name; others become '_'. At most max characters (0: no limit). */
static char *file_safe(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (max && n > max)
		n = max;
	char *out = xstrndup(s, n);
	for (char *p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '-'))
			*p = '_';
	return out;
}

static int mkdirs(const char *dir, struct tops_err *err)
{
	char *p = xstrdup(dir);
	int rc = 0;
	for (char *s = p + 1; rc == 0; s++) {
		bool end = *s == 0;
		if (*s != '/' && !end)
			continue;
		*s = 0;
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			rc = tops_err_set(err, TOPS_EIO, "mkdir %s: %s", p, strerror(errno));
		if (end)
			break;
		*s = '/';
	}
	free(p);
	return rc;
}

static char *cache_base(const struct openapi_cluster_opts *o)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (o->cache_dir && *o->cache_dir)
		return xstrdup(o->cache_dir);
	if (xdg && *xdg)
		return xasprintf("%s/tops/openapi", xdg);
	return xasprintf("%s/.cache/tops/openapi", home && *home ? home : ".");
}

/* Reads a cached JSON document; NULL when absent, NULL with a warning when corrupt. */
static struct value *cache_read(struct openapi_cluster *oc, const char *path)
{
	char *text;
	size_t len;
	struct tops_err err = {0};
	if (access(path, F_OK) < 0)
		return NULL;
	struct value *v = NULL;
	if (read_file(path, DOC_MAX, &text, &len, &err) == 0) {
		v = value_from_json(text, len, &err);
		free(text);
	}
	if (v && v->type != V_MAP) {
		value_unref(v);
		v = NULL;
		tops_err_set(&err, TOPS_EINVAL, "not a JSON object");
	}
	if (!v)
		warn(oc, "ignoring the corrupt schema cache file %s (%s); fetching it again", path, tops_err_msg(&err));
	tops_err_clear(&err);
	return v;
}

static void cache_write(struct openapi_cluster *oc, const char *path, const char *body, size_t len)
{
	struct tops_err err = {0};
	if (mkdirs(oc->dir, &err) < 0 || write_file_atomic(path, body, len, &err) < 0)
		warn(oc, "cannot write the schema cache: %s", tops_err_msg(&err));
	tops_err_clear(&err);
}

/* ---- the listing ---- */

static char *url_hash(const char *url)
{
	const char *q = strchr(url, '?');
	const char *h = q ? strstr(q, "hash=") : NULL;
	if (!h || (h[-1] != '?' && h[-1] != '&'))
		return xstrdup("");
	h += 5;
	char *raw = xstrndup(h, strcspn(h, "&#"));
	char *safe = file_safe(raw, HASH_MAX);
	free(raw);
	return safe;
}

static void gvs_clear(struct openapi_cluster *oc)
{
	for (size_t i = 0; i < oc->ngvs; i++) {
		free(oc->gvs[i].key);
		free(oc->gvs[i].url);
		free(oc->gvs[i].hash);
		free(oc->gvs[i].err);
		value_unref(oc->gvs[i].doc);
	}
	free(oc->gvs);
	oc->gvs = NULL;
	oc->ngvs = 0;
}

/* Fills gvs from a listing; false when it has no "paths" object. */
static bool root_parse(struct openapi_cluster *oc, const struct value *root)
{
	const struct value *paths = root ? value_map_get(root, "paths") : NULL;
	if (!paths || paths->type != V_MAP)
		return false;
	gvs_clear(oc);
	oc->gvs = xcalloc(paths->u.map.len + 1, sizeof *oc->gvs);
	for (size_t i = 0; i < paths->u.map.len; i++) {
		const struct value *e = paths->u.map.e[i].val;
		const struct value *u = e && e->type == V_MAP ? value_map_get(e, "serverRelativeURL") : NULL;
		if (!u || u->type != V_STRING || u->u.str.s[0] != '/')
			continue;
		struct oa_gv *g = &oc->gvs[oc->ngvs++];
		g->key = xstrdup(paths->u.map.e[i].key);
		g->url = xstrdup(u->u.str.s);
		g->hash = url_hash(g->url);
	}
	return true;
}

static int root_fetch(struct openapi_cluster *oc, struct tops_err *err)
{
	long status = 0;
	char *body = NULL;
	int rc = kube_request_sync(oc->kc, "GET", "/openapi/v3", NULL, NULL, &status, &body, err);
	if (rc == 0 && status == 404) {
		tops_err_clear(err);
		rc = tops_err_set(err, TOPS_ENOENT, "the server has no /openapi/v3 (HTTP 404): its schemas "
				  "are not published, so objects are not checked against them");
	} else if (rc == 0 && status != 200) {
		rc = -(err->code ? err->code : TOPS_EHTTP);
	}
	struct value *root = rc == 0 ? value_from_json(body, strlen(body), err) : NULL;
	if (rc == 0 && !root_parse(oc, root))
		rc = tops_err_set(err, TOPS_EINVAL, "%s/openapi/v3: not an OpenAPI v3 listing (no \"paths\")", oc->base_url);
	if (rc == 0) {
		cache_write(oc, oc->root_path, body, strlen(body));
		oc->root_from_cache = false;
		oc->st.root_fetched++;
	}
	value_unref(root);
	free(body);
	return rc;
}

static bool root_fresh(const struct openapi_cluster *oc)
{
	struct stat st;
	long ttl = oc->o.root_ttl_s ? oc->o.root_ttl_s : 300;
	return ttl > 0 && stat(oc->root_path, &st) == 0 && time(NULL) - st.st_mtime < ttl;
}

static int root_load(struct openapi_cluster *oc, struct tops_err *err)
{
	if (root_fresh(oc)) {
		struct value *root = cache_read(oc, oc->root_path);
		bool ok = root && root_parse(oc, root);
		if (root && !ok)
			warn(oc, "ignoring the schema cache file %s (no \"paths\"); fetching it again", oc->root_path);
		value_unref(root);
		if (ok) {
			oc->root_from_cache = true;
			oc->st.root_cached++;
			return 0;
		}
	}
	return root_fetch(oc, err);
}

static int server_version(struct openapi_cluster *oc, struct tops_err *err)
{
	struct value *v = NULL;
	int rc = kube_get_json(oc->kc, "/version", &v, err);
	const struct value *gv = rc == 0 && v->type == V_MAP ? value_map_get(v, "gitVersion") : NULL;
	if (rc == 0 && (!gv || gv->type != V_STRING || !*gv->u.str.s))
		rc = tops_err_set(err, TOPS_EINVAL, "%s/version has no gitVersion", oc->base_url);
	if (rc == 0)
		oc->version = xstrdup(gv->u.str.s);
	value_unref(v);
	return rc;
}

int openapi_cluster_open(struct kube_client *kc, const struct openapi_cluster_opts *o,
			 struct openapi_cluster **out, struct tops_err *err)
{
	struct openapi_cluster *oc = xcalloc(1, sizeof *oc);
	static const struct openapi_cluster_opts none;
	oc->kc = kc;
	oc->o = o ? *o : none;
	oc->base_url = xstrdup(kc->kc->server ? kc->kc->server : "");
	*out = NULL;
	int rc = server_version(oc, err);
	for (int a = 1; a < ATTEMPTS && rc < 0 && transient(-rc); a++) {
		backoff(a - 1);
		tops_err_clear(err);
		rc = server_version(oc, err);
	}
	if (rc == 0) {
		char *base = cache_base(&oc->o), *ver = file_safe(oc->version, 0);
		const char *host = strstr(oc->base_url, "://") ? strstr(oc->base_url, "://") + 3 : oc->base_url;
		char *srv = file_safe(host, 128);
		oc->dir = xasprintf("%s/%s", base, ver);
		oc->root_path = xasprintf("%s/root-%s.json", oc->dir, srv);
		free(base), free(ver), free(srv);
		rc = root_load(oc, err);
		for (int a = 1; a < ATTEMPTS && rc < 0 && transient(-rc); a++) {
			backoff(a - 1);
			tops_err_clear(err);
			rc = root_fetch(oc, err);
		}
	}
	if (rc < 0) {
		openapi_cluster_free(oc);
		return rc;
	}
	*out = oc;
	return 0;
}

void openapi_cluster_free(struct openapi_cluster *oc)
{
	if (!oc)
		return;
	gvs_clear(oc);
	for (size_t i = 0; i < oc->nschemas; i++) {
		free(oc->schemas[i].key);
		free(oc->schemas[i].url);
		jsonschema_free(oc->schemas[i].s);
	}
	free(oc->schemas);
	free(oc->version), free(oc->dir), free(oc->root_path), free(oc->base_url);
	free(oc);
}

/* ---- group-version documents ---- */

static struct oa_gv *gv_find(struct openapi_cluster *oc, const char *key)
{
	for (size_t i = 0; i < oc->ngvs; i++)
		if (!strcmp(oc->gvs[i].key, key))
			return &oc->gvs[i];
	return NULL;
}

static char *doc_path(const struct openapi_cluster *oc, const struct oa_gv *g)
{
	char *k = file_safe(g->key, 0);
	char *p = xasprintf("%s/%s-%s.json", oc->dir, k, g->hash);
	free(k);
	return p;
}

struct fetch {
	struct openapi_cluster *oc;
	size_t idx;               /* gvs may not move while fetches run: an index, not a pointer */
};

static void doc_done(struct http_req *r, struct http_result *res, void *ud)
{
	struct fetch *f = ud;
	struct openapi_cluster *oc = f->oc;
	struct oa_gv *g = &oc->gvs[f->idx];
	struct tops_err err = {0};
	g->busy = false;
	oc->inflight--;
	if (res->err)
		tops_err_set(&err, -res->err, "%s", res->errmsg ? res->errmsg : "request failed");
	else if (res->status != 200)
		kube_status_error(res->status, res->body, &err);
	else if ((g->doc = value_from_json(res->body, res->len, &err)) && g->doc->type != V_MAP)
		tops_err_set(&err, TOPS_EINVAL, "not a JSON object");
	if (err.code) {
		value_unref(g->doc);
		g->doc = NULL;
		g->errcode = err.code;
		g->err = xasprintf("%s%s: %s", oc->base_url, g->url, tops_err_msg(&err));
	} else {
		oc->st.docs_fetched++;
		if (*g->hash) {
			char *p = doc_path(oc, g);
			cache_write(oc, p, res->body, res->len);
			free(p);
		}
	}
	tops_err_clear(&err);
	free(f);
}

/* Loads g from the cache, or starts its fetch. */
static void doc_start(struct openapi_cluster *oc, size_t idx)
{
	struct oa_gv *g = &oc->gvs[idx];
	if (g->doc || g->busy || g->err)
		return;
	if (*g->hash) {
		char *p = doc_path(oc, g);
		g->doc = cache_read(oc, p);
		free(p);
		if (g->doc) {
			oc->st.docs_cached++;
			return;
		}
	}
	struct fetch *f = xcalloc(1, sizeof *f);
	f->oc = oc;
	f->idx = idx;
	struct http_request rq = {.url = g->url, .accept = "application/json", .on_done = doc_done, .ud = f};
	struct tops_err err = {0};
	if (!kube_request(oc->kc, &rq, &err)) {
		g->errcode = err.code;
		g->err = xasprintf("%s%s: %s", oc->base_url, g->url, tops_err_msg(&err));
		tops_err_clear(&err);
		free(f);
		return;
	}
	g->busy = true;
	oc->inflight++;
}

static void run_fetches(struct openapi_cluster *oc)
{
	while (oc->inflight)
		if (uv_run(oc->kc->loop, UV_RUN_ONCE) == 0 && oc->inflight)
			break;
}

/* Loads or fetches the documents of api_versions; 1 when one is not in the listing or failed. */
static int load_pass(struct openapi_cluster *oc, const char *const *api_versions, size_t n)
{
	int again = 0;
	for (size_t i = 0; i < n; i++) {
		char *key = openapi_gv_path(api_versions[i]);
		struct oa_gv *g = gv_find(oc, key);
		if (g)
			doc_start(oc, (size_t)(g - oc->gvs));
		again |= !g;
		free(key);
	}
	run_fetches(oc);
	for (size_t i = 0; i < oc->ngvs; i++)
		again |= oc->gvs[i].err != NULL;
	return again;
}

/* Forgets the transient failures so that the next pass tries them again; true when any. */
static bool retry_transient(struct openapi_cluster *oc)
{
	bool any = false;
	for (size_t i = 0; i < oc->ngvs; i++)
		if (oc->gvs[i].err && transient(oc->gvs[i].errcode)) {
			free(oc->gvs[i].err);
			oc->gvs[i].err = NULL;
			any = true;
		}
	return any;
}

int openapi_cluster_prefetch(struct openapi_cluster *oc, const char *const *api_versions, size_t n,
			     struct tops_err *err)
{
	/* A listing from the cache may be stale: a group-version it lacks (a CRD installed since)
	 * or a document URL that no longer answers (301 to a new hash) means: fetch it again. */
	if (load_pass(oc, api_versions, n) && oc->root_from_cache) {
		int rc = root_fetch(oc, err);
		if (rc < 0)
			return rc;
		load_pass(oc, api_versions, n);
	}
	for (int a = 1; a < ATTEMPTS && retry_transient(oc); a++) {
		backoff(a - 1);
		load_pass(oc, api_versions, n);
	}
	for (size_t i = 0; i < oc->ngvs; i++)
		if (oc->gvs[i].err)
			return tops_err_set(err, oc->gvs[i].errcode ? oc->gvs[i].errcode : TOPS_ENET, "%s", oc->gvs[i].err);
	return 0;
}

/* The document of apiVersion, loaded or fetched. NULL with *missing (not listed) or err. */
static struct oa_gv *gv_load(struct openapi_cluster *oc, const char *api_version, bool *missing,
			     struct tops_err *err)
{
	if (openapi_cluster_prefetch(oc, &api_version, 1, err) < 0)
		return NULL;
	char *key = openapi_gv_path(api_version);
	struct oa_gv *g = gv_find(oc, key);
	free(key);
	*missing = !g;
	return g;
}

const struct jsonschema *openapi_cluster_schema(struct openapi_cluster *oc, const char *api_version,
						const char *kind, bool strict, const char **url,
						bool *missing, struct tops_err *err)
{
	char *key = xasprintf("%d\n%s\n%s", strict, api_version, kind);
	*missing = false;
	if (url)
		*url = NULL;
	for (size_t i = 0; i < oc->nschemas; i++)
		if (!strcmp(oc->schemas[i].key, key)) {
			free(key);
			*missing = !oc->schemas[i].s;
			if (url)
				*url = oc->schemas[i].url;
			return oc->schemas[i].s;
		}
	struct oa_gv *g = gv_load(oc, api_version, missing, err);
	if (!g && !*missing) {
		free(key);
		return NULL;
	}
	struct oa_schema e = {.key = key};
	if (g) {
		e.url = xasprintf("%s%s", oc->base_url, g->url);
		struct tops_err cerr = {0};
		e.s = openapi_compile_kind(g->doc, api_version, kind, strict, e.url, &cerr);
		if (!e.s && cerr.code != TOPS_ENOENT) {
			tops_err_set(err, cerr.code, "%s", tops_err_msg(&cerr));
			tops_err_clear(&cerr);
			free(e.key), free(e.url);
			return NULL;
		}
		tops_err_clear(&cerr);
	}
	*missing = !e.s;
	oc->schemas = xrealloc(oc->schemas, (oc->nschemas + 1) * sizeof *oc->schemas);
	oc->schemas[oc->nschemas++] = e;
	if (url)
		*url = e.url;
	return e.s;
}

const char *openapi_cluster_version(const struct openapi_cluster *oc)
{
	return oc->version;
}

const char *openapi_cluster_dir(const struct openapi_cluster *oc)
{
	return oc->dir;
}

void openapi_cluster_get_stats(const struct openapi_cluster *oc, struct openapi_cluster_stats *st)
{
	*st = oc->st;
}

/* ---- apiVersions of a stream, without parsing it ---- */

static void push_unique(char ***out, size_t *n, const char *s, size_t len)
{
	for (size_t i = 0; i < *n; i++)
		if (strlen((*out)[i]) == len && !memcmp((*out)[i], s, len))
			return;
	*out = xrealloc(*out, (*n + 1) * sizeof **out);
	(*out)[(*n)++] = xstrndup(s, len);
}

void openapi_scan_api_versions(const char *text, size_t len, char ***out, size_t *n)
{
	static const char key[] = "apiVersion:";
	for (size_t pos = 0; pos < len;) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		if (ll > sizeof key - 1 && !memcmp(line, key, sizeof key - 1)) {
			const char *v = line + sizeof key - 1, *e = line + ll;
			while (v < e && (*v == ' ' || *v == '\t' || *v == '"' || *v == '\''))
				v++;
			const char *ve = v;
			while (ve < e && *ve != ' ' && *ve != '\t' && *ve != '"' && *ve != '\'' && *ve != '\r' && *ve != '#')
				ve++;
			if (ve > v)
				push_unique(out, n, v, (size_t)(ve - v));
		}
		pos += ll + 1;
	}
}
