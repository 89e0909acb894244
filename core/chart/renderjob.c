/* renderjob — render + validate + lint off the loop thread, then diffs on the loop. */
#include "core/chart/renderjob.h"

#include "core/chart/render.h"
#include "core/chart/values.h"
#include "core/base/yaml.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- splitting the rendered stream into objects ---- */
static char *str_at(const struct value *v, const char *dotted)
{
	const struct value *s = value_map_path(v, dotted);
	return xstrdup(s && s->type == V_STRING ? s->u.str.s : "");
}

static void obj_add(struct renderjob_result *r, const char *source, const char *text, size_t len,
		    struct value *doc)
{
	r->objs = xrealloc(r->objs, (r->n + 1) * sizeof *r->objs);
	struct renderjob_obj *o = &r->objs[r->n++];
	memset(o, 0, sizeof *o);
	o->source = xstrdup(source);
	o->text = xstrndup(text, len);
	o->obj = value_ref(doc);
	o->kind = str_at(doc, "kind");
	o->api_version = str_at(doc, "apiVersion");
	o->name = str_at(doc, "metadata.name");
	o->namespace_ = str_at(doc, "metadata.namespace");
}

/* One document's text: its "# Source: x" line names it. */
static int chunk_add(struct renderjob_result *r, const char *text, size_t len, struct tops_err *err)
{
	char source[512] = "rendered";
	const char *s = memmem(text, len, "# Source: ", 10);
	if (s) {
		size_t l = strcspn(s + 10, "\n");
		snprintf(source, sizeof source, "%.*s", (int)l, s + 10);
	}
	struct value **docs = NULL;
	size_t nd = 0;
	int rc = yaml_load_all(text, len, source, NULL, &docs, &nd, NULL, err);
	for (size_t i = 0; i < nd; i++) {
		if (docs[i]->type == V_MAP)
			obj_add(r, source, text, len, docs[i]);
		value_unref(docs[i]);
	}
	free(docs);
	return rc;
}

static bool is_separator(const char *line, size_t len)
{
	return len == 3 && memcmp(line, "---", 3) == 0;
}

static int split_objects(const char *text, size_t len, struct renderjob_result *r,
			 struct tops_err *err)
{
	size_t start = 0, pos = 0;
	int rc = 0;
	while (pos <= len && rc == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		if (is_separator(text + pos, end - pos) || end == len) {
			size_t stop = end == len && !is_separator(text + pos, end - pos) ? len : pos;
			if (stop > start)
				rc = chunk_add(r, text + start, stop - start, err);
			start = end + 1;
		}
		pos = end + 1;
	}
	return rc;
}

/* ---- validation and lint ---- */
static void counts_add(struct renderjob_result *r, const struct renderjob_obj *o)
{
	switch (o->val.status) {
	case VAL_VALID: r->valid++; break;
	case VAL_INVALID: r->invalid++; break;
	case VAL_SKIPPED: r->skipped++; break;
	default: r->errors++; break;
	}
	r->linted += o->lint.n > 0;
}

/* The validator of the last run, kept while the schema options stay the same, so that a
 * re-render does not read and parse the schema files again. Runs may happen on several
 * threads: a run takes the validator out of the slot and puts it back when done. */
static struct {
	pthread_mutex_t lock;
	struct validator *v;
	char *key;
} vcache = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL};

static char *validator_key(const struct validate_opts *vo)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, vo->kubernetes_version);
	for (const char *const *l = vo->schema_locations; l && *l; l++)
		sb_addf(&sb, "\n%s", *l);
	return sb_detach(&sb, NULL);
}

static struct validator *validator_take(const struct validate_opts *vo, const char *key,
					bool *cached, struct tops_err *err)
{
	struct validator *v = NULL;
	pthread_mutex_lock(&vcache.lock);
	if (vcache.v && strcmp(vcache.key, key) == 0) {
		v = vcache.v;
		vcache.v = NULL;
	}
	pthread_mutex_unlock(&vcache.lock);
	*cached = v != NULL;
	return v ? v : validator_new(vo, err);
}

static void validator_give(struct validator *v, char *key)
{
	pthread_mutex_lock(&vcache.lock);
	if (v && !vcache.v) {
		free(vcache.key);
		vcache.v = v;
		vcache.key = key;
		v = NULL;
		key = NULL;
	}
	pthread_mutex_unlock(&vcache.lock);
	validator_free(v);
	free(key);
}

/* opts.cluster: a private client and the cluster's schemas for the objects' apiVersions. */
static struct openapi_cluster *cluster_open(const struct renderjob_opts *o, struct renderjob_result *r,
					    struct kube_client **kc)
{
	struct tops_err err = {0};
	struct openapi_cluster *oc = NULL;
	struct openapi_cluster_opts co = {.warn = NULL};
	int rc = kube_client_new(NULL, o->cluster, kc, &err);
	if (rc == 0)
		rc = openapi_cluster_open(*kc, &co, &oc, &err);
	if (rc == 0) {
		const char **avs = xcalloc(r->n + 1, sizeof *avs);
		for (size_t i = 0; i < r->n; i++)
			avs[i] = r->objs[i].api_version;
		rc = openapi_cluster_prefetch(oc, avs, r->n, &err);
		free(avs);
	}
	if (rc < 0)
		r->cluster_err = xstrdup(tops_err_msg(&err));
	tops_err_clear(&err);
	return oc;
}

static void check_objects(const struct renderjob_opts *o, struct renderjob_result *r)
{
	struct kube_client *kc = NULL;
	struct openapi_cluster *oc = o->cluster ? cluster_open(o, r, &kc) : NULL;
	static const char *const dflt[] = {"default", NULL};
	struct validate_opts vo = {
		.schema_locations = o->schema_locations ? o->schema_locations : dflt,
		.kubernetes_version = o->kubernetes_version ? o->kubernetes_version : "master",
		.ignore_missing_schemas = true,
	};
	vo.cluster = oc;
	struct tops_err err = {0};
	char *key = validator_key(&vo);
	/* a validator that borrows the cluster's schemas lives only as long as they do */
	struct validator *v = oc ? validator_new(&vo, &err) : validator_take(&vo, key, &r->schemas_cached, &err);
	const struct lint_opts lo = {0};
	for (size_t i = 0; i < r->n; i++) {
		struct renderjob_obj *ob = &r->objs[i];
		if (oc) {
			bool missing = false;
			struct tops_err e = {0};
			ob->from_cluster = openapi_cluster_schema(oc, ob->api_version, ob->kind, false, NULL, &missing, &e);
			tops_err_clear(&e);
			if (ob->from_cluster && !r->cluster_version)
				r->cluster_version = xstrdup(openapi_cluster_version(oc));
		}
		if (v) {
			validator_check_value(v, ob->source, ob->obj, &ob->val);
		} else {
			ob->val.status = VAL_ERROR;
			ob->val.err = xstrdup(tops_err_msg(&err));
		}
		lint_object(ob->obj, &lo, 0, &ob->lint);
		counts_add(r, ob);
	}
	if (oc) {
		validator_free(v);
		free(key);
	} else {
		validator_give(v, key);
	}
	openapi_cluster_free(oc);
	kube_client_free(kc);
	tops_err_clear(&err);
}

static int obj_cmp(const void *a, const void *b)
{
	const struct renderjob_obj *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);
	if (!c)
		c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->namespace_, y->namespace_);
}

static int render_text(const struct renderjob_opts *o, struct renderjob_result *out,
		       struct strbuf *text)
{
	struct chart *c = NULL;
	struct value *user = NULL;
	int rc = chart_load(o->chart, &c, &out->err);
	if (rc < 0)
		goto done;
	user = values_merge_files(o->values_files, o->nvalues, &out->err);
	rc = user ? 0 : -TOPS_EINVAL;
	if (rc < 0)
		goto done;
	out->release_name = xstrdup(o->release_name ? o->release_name : c->name);
	struct render_opts ro = {
		.release_name = out->release_name, .namespace_ = out->namespace_, .values = user,
	};
	rc = render_chart(c, &ro, text, &out->err);
done:
	value_unref(user);
	chart_free(c);
	return rc;
}

int renderjob_run(const struct renderjob_opts *o, struct renderjob_result *out)
{
	uint64_t t0 = now_ms();
	memset(out, 0, sizeof *out);
	out->chart = xstrdup(o->chart ? o->chart : "");
	out->namespace_ = xstrdup(o->namespace_ ? o->namespace_ : "default");
	struct strbuf text = STRBUF_INIT;
	int rc = o->chart ? render_text(o, out, &text)
			  : tops_err_set(&out->err, TOPS_EINVAL, "no chart given");
	if (rc == 0)
		rc = split_objects(sb_str(&text), text.len, out, &out->err);
	sb_done(&text);
	if (rc == 0) {
		check_objects(o, out);
		qsort(out->objs, out->n, sizeof *out->objs, obj_cmp);
	}
	if (rc < 0 && !out->err.code)
		tops_err_set(&out->err, -rc, "render failed");
	out->rc = rc;
	out->ms = (double)(now_ms() - t0);
	return rc;
}

static void obj_done(struct renderjob_obj *o)
{
	free(o->kind);
	free(o->api_version);
	free(o->name);
	free(o->namespace_);
	free(o->source);
	free(o->text);
	value_unref(o->obj);
	validate_result_done(&o->val);
	lint_report_done(&o->lint);
	if (o->diff_state == RDIFF_DONE)
		diff_result_done(&o->diff);
	free(o->diff_text);
	free(o->diff_err);
}

void renderjob_result_done(struct renderjob_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		obj_done(&r->objs[i]);
	free(r->objs);
	free(r->chart);
	free(r->release_name);
	free(r->namespace_);
	free(r->cluster_version);
	free(r->cluster_err);
	tops_err_clear(&r->err);
	memset(r, 0, sizeof *r);
}

void renderjob_result_free(struct renderjob_result *r)
{
	if (!r)
		return;
	renderjob_result_done(r);
	free(r);
}

const char *renderjob_status_word(enum validate_status s)
{
	static const char *const words[] = {
		[VAL_EMPTY] = "empty", [VAL_VALID] = "valid", [VAL_INVALID] = "invalid",
		[VAL_ERROR] = "error", [VAL_SKIPPED] = "no schema",
	};
	return (size_t)s < ARRAY_LEN(words) && words[s] ? words[s] : "?";
}

/* ---- async render on the threadpool ---- */
struct renderjob {
	uv_work_t work;
	struct renderjob_opts o;       /* every string below is an owned copy */
	struct tops_opts cluster;      /* o.cluster points here; its strings are copies too */
	char **strs;
	size_t nstrs;
	struct renderjob_result *res;
	renderjob_done_fn cb;
	void *ud;
	bool cancelled;
};

static const char *keep(struct renderjob *j, const char *s)
{
	if (!s)
		return NULL;
	j->strs = xrealloc(j->strs, (j->nstrs + 1) * sizeof *j->strs);
	return j->strs[j->nstrs++] = xstrdup(s);
}

static void opts_copy(struct renderjob *j, const struct renderjob_opts *o)
{
	j->o.chart = keep(j, o->chart);
	j->o.release_name = keep(j, o->release_name);
	j->o.namespace_ = keep(j, o->namespace_);
	j->o.kubernetes_version = keep(j, o->kubernetes_version);
	j->o.nvalues = o->nvalues;
	const char **vals = xcalloc(o->nvalues + 1, sizeof *vals);
	for (size_t i = 0; i < o->nvalues; i++)
		vals[i] = keep(j, o->values_files[i]);
	j->o.values_files = vals;
	size_t nloc = 0;
	while (o->schema_locations && o->schema_locations[nloc])
		nloc++;
	const char **locs = xcalloc(nloc + 1, sizeof *locs);
	for (size_t i = 0; i < nloc; i++)
		locs[i] = keep(j, o->schema_locations[i]);
	j->o.schema_locations = nloc ? locs : NULL;
	if (!nloc)
		free(locs);
	if (o->cluster) {
		j->cluster = *o->cluster;
		const char **strs[] = {&j->cluster.kubeconfig, &j->cluster.context, &j->cluster.namespace_,
				       &j->cluster.server, &j->cluster.token, &j->cluster.certificate_authority,
				       &j->cluster.client_certificate, &j->cluster.client_key,
				       &j->cluster.request_timeout, &j->cluster.prometheus, &j->cluster.metrics_url,
				       &j->cluster.config, &j->cluster.theme};
		for (size_t i = 0; i < ARRAY_LEN(strs); i++)
			*strs[i] = keep(j, *strs[i]);
		j->o.cluster = &j->cluster;
	}
}

static void job_free(struct renderjob *j)
{
	for (size_t i = 0; i < j->nstrs; i++)
		free(j->strs[i]);
	free(j->strs);
	free((void *)j->o.values_files);
	free((void *)j->o.schema_locations);
	renderjob_result_free(j->res);
	free(j);
}

static void work_cb(uv_work_t *w)
{
	struct renderjob *j = w->data;
	j->res = xcalloc(1, sizeof *j->res);
	renderjob_run(&j->o, j->res);
}

static void after_work_cb(uv_work_t *w, int status)
{
	struct renderjob *j = w->data;
	if (!j->cancelled && status == 0) {
		struct renderjob_result *res = j->res;
		j->res = NULL;
		j->cb(res, j->ud);
	}
	job_free(j);
}

struct renderjob *renderjob_start(uv_loop_t *loop, const struct renderjob_opts *o,
				  renderjob_done_fn cb, void *ud, struct tops_err *err)
{
	struct renderjob *j = xcalloc(1, sizeof *j);
	opts_copy(j, o);
	j->cb = cb;
	j->ud = ud;
	j->work.data = j;
	int rc = uv_queue_work(loop, &j->work, work_cb, after_work_cb);
	if (rc < 0) {
		tops_err_set(err, TOPS_EIO, "cannot queue the render: %s", uv_strerror(rc));
		job_free(j);
		return NULL;
	}
	return j;
}

void renderjob_cancel(struct renderjob *j)
{
	if (j)
		j->cancelled = true;
}

/* ---- diffs ---- */
struct rd_req {
	struct renderdiff *d;
	size_t i;
	struct http_req *req;
};

struct renderdiff {
	struct renderjob_result *res;
	char *ns;
	void (*on_update)(void *ud, bool done);
	void *ud;
	struct rd_req *reqs;
	size_t n, pending;
};

static void diff_fill(struct renderdiff *d, struct renderjob_obj *o, const struct value *live)
{
	struct tops_err err = {0};
	if (diff_object(o->obj, live, d->ns, &o->diff, &err) < 0) {
		o->diff_state = RDIFF_ERROR;
		o->diff_err = xstrdup(tops_err_msg(&err));
		tops_err_clear(&err);
		return;
	}
	o->diff_state = RDIFF_DONE;
	struct strbuf sb = STRBUF_INIT;
	diff_unified(&o->diff, 3, &sb);
	o->diff_text = sb_detach(&sb, NULL);
}

static void diff_reply(struct renderdiff *d, struct renderjob_obj *o, struct http_result *res)
{
	struct tops_err err = {0};
	struct value *live = NULL;
	if (res->err) {
		tops_err_set(&err, -res->err, "%s", res->errmsg ? res->errmsg : "request failed");
	} else if (res->status == 404) {
		diff_fill(d, o, NULL);
		return;
	} else if (res->status >= 200 && res->status < 300) {
		live = value_from_json(res->body ? res->body : "", res->len, &err);
	} else {
		kube_status_error(res->status, res->body, &err);
	}
	if (live)
		diff_fill(d, o, live);
	else {
		o->diff_state = RDIFF_ERROR;
		o->diff_err = xstrdup(tops_err_msg(&err));
	}
	value_unref(live);
	tops_err_clear(&err);
}

static void diff_done_cb(struct http_req *r, struct http_result *res, void *ud)
{
	(void)r;
	struct rd_req *q = ud;
	struct renderdiff *d = q->d;
	q->req = NULL;
	d->pending--;
	diff_reply(d, &d->res->objs[q->i], res);
	d->on_update(d->ud, d->pending == 0);
}

static void diff_request(struct renderdiff *d, struct kube_client *kc, size_t i)
{
	struct renderjob_obj *o = &d->res->objs[i];
	struct tops_err err = {0};
	char *path = diff_object_path(o->obj, d->ns);
	o->diff_state = RDIFF_ERROR;
	if (!path) {
		o->diff_err = xstrdup("object has no apiVersion, kind or metadata.name");
		return;
	}
	d->reqs[i] = (struct rd_req){d, i, NULL};
	struct http_request rq = {
		.url = path, .accept = "application/json", .timeout_ms = 15000,
		.on_done = diff_done_cb, .ud = &d->reqs[i],
	};
	d->reqs[i].req = kube_request(kc, &rq, &err);
	free(path);
	if (!d->reqs[i].req) {
		o->diff_err = xstrdup(tops_err_msg(&err));
		tops_err_clear(&err);
		return;
	}
	o->diff_state = RDIFF_PENDING;
	d->pending++;
}

struct renderdiff *renderdiff_start(struct kube_client *kc, struct renderjob_result *res,
				    const char *ns, void (*on_update)(void *ud, bool done), void *ud)
{
	if (!res || res->n == 0)
		return NULL;
	struct renderdiff *d = xcalloc(1, sizeof *d);
	d->res = res;
	d->ns = xstrdup(ns ? ns : res->namespace_);
	d->on_update = on_update;
	d->ud = ud;
	d->n = res->n;
	d->reqs = xcalloc(res->n, sizeof *d->reqs);
	for (size_t i = 0; i < res->n; i++)
		diff_request(d, kc, i);
	return d;
}

void renderdiff_cancel(struct renderdiff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		if (d->reqs[i].req)
			http_cancel(d->reqs[i].req);
	free(d->reqs);
	free(d->ns);
	free(d);
}

void renderdiff_counts(const struct renderjob_result *res, size_t *created, size_t *changed,
		       size_t *unchanged, size_t *failed)
{
	*created = *changed = *unchanged = *failed = 0;
	for (size_t i = 0; i < res->n; i++) {
		const struct renderjob_obj *o = &res->objs[i];
		if (o->diff_state == RDIFF_ERROR)
			(*failed)++;
		else if (o->diff_state == RDIFF_DONE)
			*(o->diff.status == DIFF_CREATED ? created :
			  o->diff.status == DIFF_CHANGED ? changed : unchanged) += 1;
	}
}
