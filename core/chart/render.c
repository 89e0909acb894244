/* render — Helm's engine (pkg/engine) and `helm template` output assembly. */
#include "core/chart/render.h"
#include "core/tmpl/funcs.h"
#include "core/validate/jsonschema.h"
#include "core/chart/manifest_sort.h"
#include "core/base/semver.h"
#include "core/tmpl/tmpl.h"
#include "core/chart/values.h"
#include "core/base/yaml.h"

#include <errno.h>
#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HELM_VERSION "v3.21.4"

/* ---------------------------------------------------------------- native objects */

struct files_obj {
	const struct chart_file **f;
	size_t n;
	const struct tmpl_funcs *funcs;   /* for toYaml in AsConfig/AsSecrets */
};

static const struct value_object_ops files_ops;

static struct value *files_new(const struct chart_file **f, size_t n, const struct tmpl_funcs *funcs)
{
	struct files_obj *o = xcalloc(1, sizeof(*o));
	o->f = xcalloc(n + 1, sizeof(*o->f));
	if (n)
		memcpy(o->f, f, n * sizeof(*f));
	o->n = n;
	o->funcs = funcs;
	return value_object(&files_ops, o);
}

static void files_free(void *data)
{
	struct files_obj *o = data;
	free(o->f);
	free(o);
}

static const struct chart_file *files_find(const struct files_obj *o, const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->f[i]->name, name))
			return o->f[i];
	return NULL;
}

static struct value *bytes_value(const char *s, size_t n)
{
	struct value *v = value_strn(s, n);
	v->sub = VS_BYTES;
	return v;
}

/* gobwas/glob with '/' as separator: '*' stays within a segment, '**' crosses them. */
static bool glob_match(const char *p, const char *s)
{
	for (; *p; p++, s++) {
		if (*p == '*') {
			bool deep = p[1] == '*';
			while (*p == '*')
				p++;
			for (const char *t = s;; t++) {
				if (glob_match(p, t))
					return true;
				if (!*t || (!deep && *t == '/'))
					return false;
			}
		}
		if (!*s)
			return false;
		if (*p == '?') {
			if (*s == '/')
				return false;
			continue;
		}
		if (*p == '{') {
			const char *end = strchr(p, '}');
			if (!end)
				return false;
			for (const char *alt = p + 1; alt <= end;) {
				size_t l = strcspn(alt, ",}");
				char buf[1024];
				snprintf(buf, sizeof(buf), "%.*s%s", (int)l, alt, end + 1);
				if (glob_match(buf, s))
					return true;
				alt += l + 1;
			}
			return false;
		}
		if (*p == '[') {
			const char *end = strchr(p + 1, ']');
			if (!end)
				return false;
			char pat[256];
			snprintf(pat, sizeof(pat), "%.*s", (int)(end - p + 1), p);
			char one[2] = {*s, 0};
			if (pat[1] == '!')
				pat[1] = '^';
			if (fnmatch(pat, one, 0))
				return false;
			p = end;
			continue;
		}
		if (*p == '\\' && p[1])
			p++;
		if (*p != *s)
			return false;
	}
	return !*s;
}

static int files_glob(struct files_obj *o, const char *pat, struct value **out)
{
	const struct chart_file **m = xcalloc(o->n + 1, sizeof(*m));
	size_t n = 0;
	for (size_t i = 0; i < o->n; i++)
		if (glob_match(pat, o->f[i]->name))
			m[n++] = o->f[i];
	*out = files_new(m, n, o->funcs);
	free(m);
	return 0;
}

static int files_lines(struct files_obj *o, const char *path, struct value **out)
{
	const struct chart_file *f = files_find(o, path);
	struct value *l = value_list();
	l->sub = VS_STRINGS;
	if (f && f->len) {
		size_t len = f->len - (f->data[f->len - 1] == '\n');
		const char *s = f->data, *end = f->data + len;
		for (;;) {
			const char *nl = memchr(s, '\n', (size_t)(end - s));
			value_list_push(l, value_strn(s, nl ? (size_t)(nl - s) : (size_t)(end - s)));
			if (!nl)
				break;
			s = nl + 1;
		}
	}
	*out = l;
	return 0;
}

static void b64(struct strbuf *sb, const unsigned char *d, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = d[i] << 16 | (i + 1 < n ? d[i + 1] << 8 : 0) | (i + 2 < n ? d[i + 2] : 0);
		sb_addc(sb, t[v >> 18 & 63]);
		sb_addc(sb, t[v >> 12 & 63]);
		sb_addc(sb, i + 1 < n ? t[v >> 6 & 63] : '=');
		sb_addc(sb, i + 2 < n ? t[v & 63] : '=');
	}
}

/* AsConfig / AsSecrets: base names to contents as YAML (Helm's toYAML, trailing newline cut). */
static int files_as(struct files_obj *o, bool secret, struct value **out, struct tops_err *err)
{
	if (!o->n) {
		*out = value_str("");
		return 0;
	}
	struct value *m = value_map();
	for (size_t i = 0; i < o->n; i++) {
		const char *base = strrchr(o->f[i]->name, '/');
		base = base ? base + 1 : o->f[i]->name;
		if (secret) {
			struct strbuf sb = STRBUF_INIT;
			b64(&sb, (const unsigned char *)o->f[i]->data, o->f[i]->len);
			size_t l;
			char *s = sb_detach(&sb, &l);
			value_map_set(m, base, value_str_own(s, l));
		} else {
			value_map_set(m, base, value_strn(o->f[i]->data, o->f[i]->len));
		}
	}
	const struct tmpl_func *ty = o->funcs ? tmpl_funcs_find(o->funcs, "toYaml") : NULL;
	int rc = ty ? ty->fn(NULL, &m, 1, out, err) : tops_err_set(err, TOPS_EINTERNAL, "toYaml is not available");
	value_unref(m);
	return rc;
}

static int files_call(struct value *self, const char *name, struct value **args, int nargs,
		      struct value **out, struct tops_err *err)
{
	struct files_obj *o = self->u.obj.data;
	const char *a0 = nargs > 0 && args[0] && args[0]->type == V_STRING ? args[0]->u.str.s : NULL;
	bool method = !strcmp(name, "Get") || !strcmp(name, "GetBytes") || !strcmp(name, "Glob") ||
		      !strcmp(name, "Lines");
	if (method && (nargs != 1 || !a0))
		return tops_err_set(err, TOPS_EINVAL, "wrong number or type of args for %s: want 1 string", name);
	if (!strcmp(name, "Get") || !strcmp(name, "GetBytes")) {
		const struct chart_file *f = files_find(o, a0);
		*out = name[3] ? bytes_value(f ? f->data : "", f ? f->len : 0) :
				 value_strn(f ? f->data : "", f ? f->len : 0);
		return 0;
	}
	if (!strcmp(name, "Glob"))
		return files_glob(o, a0, out);
	if (!strcmp(name, "Lines"))
		return files_lines(o, a0, out);
	if (!strcmp(name, "AsConfig") || !strcmp(name, "AsSecrets"))
		return files_as(o, name[2] == 'S', out, err);
	if (nargs)
		return -TOPS_ENOENT;
	if (!strcmp(name, RENDER_MAP_VIEW)) {
		struct value *m = value_map();
		for (size_t i = 0; i < o->n; i++)
			value_map_set(m, o->f[i]->name, bytes_value(o->f[i]->data, o->f[i]->len));
		*out = m;
		return 0;
	}
	const struct chart_file *f = files_find(o, name);
	*out = bytes_value(f ? f->data : "", f ? f->len : 0);
	return 0;
}

static const struct value_object_ops files_ops = {
	.type_name = "engine.files", .call = files_call, .free = files_free,
};

struct kube_version {
	char *version, *major, *minor;
};

static int kv_call(struct value *self, const char *name, struct value **args, int nargs,
		   struct value **out, struct tops_err *err)
{
	struct kube_version *k = self->u.obj.data;
	if (nargs)
		return -TOPS_ENOENT;
	if (!strcmp(name, "Version") || !strcmp(name, "String") || !strcmp(name, "GitVersion"))
		*out = value_str(k->version);
	else if (!strcmp(name, "Major"))
		*out = value_str(k->major);
	else if (!strcmp(name, "Minor"))
		*out = value_str(k->minor);
	else
		return -TOPS_ENOENT;
	return 0;
}

static void kv_free(void *data)
{
	struct kube_version *k = data;
	free(k->version);
	free(k->major);
	free(k->minor);
	free(k);
}

static const struct value_object_ops kv_ops = {
	.type_name = "*chartutil.KubeVersion", .call = kv_call, .free = kv_free,
};

struct api_versions {
	char **v;
	size_t n;
};

static int av_call(struct value *self, const char *name, struct value **args, int nargs,
		   struct value **out, struct tops_err *err)
{
	struct api_versions *a = self->u.obj.data;
	if (!strcmp(name, "Has")) {
		if (nargs != 1 || !args[0] || args[0]->type != V_STRING)
			return tops_err_set(err, TOPS_EINVAL, "wrong number of args for Has: want 1 got %d", nargs);
		bool found = false;
		for (size_t i = 0; i < a->n && !found; i++)
			found = !strcmp(a->v[i], args[0]->u.str.s);
		*out = value_bool(found);
		return 0;
	}
	if (!strcmp(name, "String") && !nargs) {
		struct strbuf sb = STRBUF_INIT;
		sb_addc(&sb, '[');
		for (size_t i = 0; i < a->n; i++)
			sb_addf(&sb, "%s%s", i ? " " : "", a->v[i]);
		sb_addc(&sb, ']');
		size_t l;
		char *s = sb_detach(&sb, &l);
		*out = value_str_own(s, l);
		return 0;
	}
	return -TOPS_ENOENT;
}

static void av_free(void *data)
{
	struct api_versions *a = data;
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	free(a);
}

static const struct value_object_ops av_ops = {
	.type_name = "chartutil.VersionSet", .call = av_call, .free = av_free,
};

/* The group/versions a stock cluster serves (Helm's DefaultVersionSet, group/version part). */
static const char *const default_api_versions[] = {
	"v1", "admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1alpha1",
	"admissionregistration.k8s.io/v1beta1", "internal.apiserver.k8s.io/v1alpha1",
	"apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1", "apiregistration.k8s.io/v1",
	"apiregistration.k8s.io/v1beta1", "apps/v1", "apps/v1beta1", "apps/v1beta2",
	"authentication.k8s.io/v1", "authentication.k8s.io/v1alpha1", "authentication.k8s.io/v1beta1",
	"authorization.k8s.io/v1", "authorization.k8s.io/v1beta1", "autoscaling/v1", "autoscaling/v2",
	"autoscaling/v2beta1", "autoscaling/v2beta2", "batch/v1", "batch/v1beta1",
	"certificates.k8s.io/v1", "certificates.k8s.io/v1alpha1", "certificates.k8s.io/v1beta1",
	"coordination.k8s.io/v1", "coordination.k8s.io/v1alpha2", "coordination.k8s.io/v1beta1",
	"discovery.k8s.io/v1", "discovery.k8s.io/v1beta1", "events.k8s.io/v1", "events.k8s.io/v1beta1",
	"extensions/v1beta1", "flowcontrol.apiserver.k8s.io/v1", "flowcontrol.apiserver.k8s.io/v1beta1",
	"flowcontrol.apiserver.k8s.io/v1beta2", "flowcontrol.apiserver.k8s.io/v1beta3",
	"networking.k8s.io/v1", "networking.k8s.io/v1alpha1", "networking.k8s.io/v1beta1",
	"node.k8s.io/v1", "node.k8s.io/v1alpha1", "node.k8s.io/v1beta1", "policy/v1", "policy/v1beta1",
	"rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1alpha1",
	"rbac.authorization.k8s.io/v1beta1", "resource.k8s.io/v1alpha3", "resource.k8s.io/v1beta1",
	"scheduling.k8s.io/v1", "scheduling.k8s.io/v1alpha1", "scheduling.k8s.io/v1beta1",
	"storage.k8s.io/v1", "storage.k8s.io/v1alpha1", "storage.k8s.io/v1beta1",
	"storagemigration.k8s.io/v1alpha1",
};

/* .Capabilities: KubeVersion (prints as its version), APIVersions.Has, HelmVersion. */
static int capabilities_new(const struct render_opts *o, struct value **out, struct tops_err *err)
{
	const char *kv = o->kube_version ? o->kube_version : "v1.20.0";
	struct semver sv;
	if (semver_parse(kv, &sv, err) < 0)
		return tops_err_prefix(err, "invalid kube version '%s'", kv);
	struct kube_version *k = xcalloc(1, sizeof(*k));
	k->version = xasprintf("v%llu.%llu.%llu%s%s", (unsigned long long)sv.major,
			       (unsigned long long)sv.minor, (unsigned long long)sv.patch,
			       sv.pre[0] ? "-" : "", sv.pre);
	k->major = xasprintf("%llu", (unsigned long long)sv.major);
	k->minor = xasprintf("%llu", (unsigned long long)sv.minor);
	semver_done(&sv);
	struct api_versions *a = xcalloc(1, sizeof(*a));
	size_t nd = ARRAY_LEN(default_api_versions);
	a->v = xcalloc(nd + o->n_api_versions + 1, sizeof(char *));
	for (size_t i = 0; i < nd; i++)
		a->v[a->n++] = xstrdup(default_api_versions[i]);
	for (size_t i = 0; i < o->n_api_versions; i++)
		a->v[a->n++] = xstrdup(o->api_versions[i]);
	struct value *caps = value_map();
	value_map_set(caps, "KubeVersion", value_object(&kv_ops, k));
	value_map_set(caps, "APIVersions", value_object(&av_ops, a));
	struct value *hv = value_map();
	value_map_set(hv, "Version", value_str(HELM_VERSION));
	value_map_set(hv, "GitCommit", value_str(""));
	value_map_set(hv, "GitTreeState", value_str(""));
	value_map_set(hv, "GoVersion", value_str(""));
	value_map_set(caps, "HelmVersion", hv);
	*out = caps;
	return 0;
}

/* ---------------------------------------------------------------- engine */

struct engine_user {
	struct funcs_helm_hooks hooks;   /* must stay first (core/funcs.h) */
};

struct tpl {
	char *name;
	const char *text;
	size_t len;
	struct value *vals;     /* the chart's dot (shared by its templates) */
	char *base_path;
};

struct tpls {
	struct tpl *t;
	size_t n;
};

static void tpls_add(struct tpls *ts, char *name, const char *text, size_t len, struct value *vals,
		     const char *base)
{
	ts->t = xrealloc(ts->t, (ts->n + 1) * sizeof(*ts->t));
	ts->t[ts->n++] = (struct tpl){name, text, len, value_ref(vals), xstrdup(base)};
}

static void tpls_done(struct tpls *ts)
{
	for (size_t i = 0; i < ts->n; i++) {
		free(ts->t[i].name);
		value_unref(ts->t[i].vals);
		free(ts->t[i].base_path);
	}
	free(ts->t);
}

static int slashes(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '/';
	return n;
}

static int sort_cmp(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	int ca = slashes(a), cb = slashes(b);
	if (ca != cb)
		return ca > cb ? -1 : 1;
	return -strcmp(a, b);
}

void render_sort_templates(const char **names, size_t n)
{
	qsort(names, n, sizeof(*names), sort_cmp);
}

static int tpl_cmp(const void *pa, const void *pb)
{
	const struct tpl *a = pa, *b = pb;
	const char *na = a->name, *nb = b->name;
	return sort_cmp(&na, &nb);
}

/* recAllTpls: the dot of chart c and its templates; returns the dot (new reference). */
static struct value *collect(const struct chart *c, struct value *parent_dot, struct tpls *ts,
			     const struct tmpl_funcs *funcs)
{
	struct value *next = value_map(), *subs = value_map();
	struct value *chart = value_copy(c->meta);
	value_map_set(chart, "IsRoot", value_bool(c->parent == NULL));
	value_map_set(next, "Chart", chart);
	const struct chart_file **fp = xcalloc(c->nfiles + 1, sizeof(*fp));
	for (size_t i = 0; i < c->nfiles; i++)
		fp[i] = &c->files[i];
	value_map_set(next, "Files", files_new(fp, c->nfiles, funcs));
	free(fp);
	struct value *rel = value_map_get(parent_dot, "Release");
	struct value *caps = value_map_get(parent_dot, "Capabilities");
	value_map_set(next, "Release", rel ? value_ref(rel) : value_null());
	value_map_set(next, "Capabilities", caps ? value_ref(caps) : value_null());
	struct value *vals = value_map_get(parent_dot, "Values");
	if (c->parent) {
		struct value *sub = vals && vals->type == V_MAP ? value_map_get(vals, c->name) : NULL;
		vals = sub && sub->type == V_MAP ? sub : NULL;
	}
	value_map_set(next, "Values", vals ? value_ref(vals) : value_map());
	value_map_set(next, "Subcharts", subs);
	for (size_t i = 0; i < c->ncharts; i++)
		value_map_set(subs, c->charts[i]->name, collect(c->charts[i], next, ts, funcs));
	char *id = chart_full_path(c);
	char *base = xasprintf("%s/templates", id);
	for (size_t i = 0; i < c->ntemplates; i++) {
		const struct chart_file *t = &c->templates[i];
		const char *b = strrchr(t->name, '/');
		if (chart_is_library(c) && (b ? b[1] : t->name[0]) != '_')
			continue;
		tpls_add(ts, xasprintf("%s/%s", id, t->name), t->data, t->len, next, base);
	}
	free(base);
	free(id);
	return next;
}

/* "template: NAME:L:C: ..." -> "NAME:L:C". */
static char *err_location(const char *msg)
{
	const char *p = str_has_prefix(msg, "template: ") ? msg + 10 : NULL;
	if (!p)
		return NULL;
	const char *e = strstr(p, ": ");
	return e ? xstrndup(p, (size_t)(e - p)) : NULL;
}

static int parse_error(const char *name, struct tops_err *err)
{
	const char *msg = tops_err_msg(err);
	char *loc = err_location(msg);
	const char *last = msg;
	for (const char *p = strstr(msg, ": "); p; p = strstr(p + 2, ": "))
		last = p + 2;
	if (!loc) {
		char *m = xstrdup(msg);
		tops_err_set(err, TOPS_EINVAL, "parse error in (%s): %s", name, m);
		free(m);
		return -TOPS_EINVAL;
	}
	char *m = xstrdup(last);
	tops_err_set(err, TOPS_EINVAL, "parse error at (%s): %s", loc, m);
	free(m);
	free(loc);
	return -TOPS_EINVAL;
}

/* required/fail messages (Helm wraps them in HELM_ERR_START..END) become
 * "execution error at (NAME:L:C): MSG"; anything else stays Go's message. */
static int exec_error(struct tops_err *err)
{
	const char *msg = tops_err_msg(err);
	char *loc = err_location(msg);
	const char *s = strstr(msg, "HELM_ERR_START"), *inner = NULL;
	size_t ilen = 0;
	if (s) {
		const char *e = strstr(s, "HELM_ERR_END");
		inner = s + 14;
		ilen = e ? (size_t)(e - inner) : strlen(inner);
	} else {
		static const char *const wrapped[] = {"error calling required: ", "error calling fail: "};
		for (size_t i = 0; i < ARRAY_LEN(wrapped) && !inner; i++)
			if ((s = strstr(msg, wrapped[i]))) {
				inner = s + strlen(wrapped[i]);
				ilen = strlen(inner);
			}
	}
	if (loc && inner) {
		char *m = xstrndup(inner, ilen);
		tops_err_set(err, TOPS_EINVAL, "execution error at (%s): %s", loc, m);
		free(m);
	}
	free(loc);
	return -TOPS_EINVAL;
}

static char *strip_no_value(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	static const char nv[] = "<no value>";
	const char *end = s + len;
	sb_adds(&sb, "");
	while (s < end) {
		const char *p = memmem(s, (size_t)(end - s), nv, sizeof(nv) - 1);
		if (!p) {
			sb_add(&sb, s, (size_t)(end - s));
			break;
		}
		sb_add(&sb, s, (size_t)(p - s));
		s = p + sizeof(nv) - 1;
	}
	return sb_detach(&sb, NULL);
}

static struct tmpl_funcs *engine_funcs(void)
{
	struct tmpl_funcs *f = tmpl_funcs_new();
	funcs_register_sprig(f);
	funcs_register_helm(f);
	return f;
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct render_file *)a)->name, ((const struct render_file *)b)->name);
}

static int engine_run(struct tpls *ts, const struct tmpl_funcs *funcs, struct render_result *out,
		      struct tops_err *err)
{
	struct engine_user user = {0};
	struct tmpl_set *set = tmpl_set_new(funcs, TMPL_MISSING_ZERO);
	int rc = 0;
	memset(out, 0, sizeof(*out));
	tmpl_set_user(set, &user);
	if (ts->n)
		qsort(ts->t, ts->n, sizeof(*ts->t), tpl_cmp);
	for (size_t i = 0; i < ts->n && rc == 0; i++)
		if (tmpl_parse(set, ts->t[i].name, ts->t[i].text, ts->t[i].len, err) < 0)
			rc = parse_error(ts->t[i].name, err);
	out->files = xcalloc(ts->n + 1, sizeof(*out->files));
	for (size_t i = 0; i < ts->n && rc == 0; i++) {
		const struct tpl *t = &ts->t[i];
		const char *b = strrchr(t->name, '/');
		if ((b ? b[1] : t->name[0]) == '_')
			continue;
		struct value *tv = value_map();
		value_map_set(tv, "Name", value_str(t->name));
		value_map_set(tv, "BasePath", value_str(t->base_path));
		if (t->vals->type == V_MAP)
			value_map_set(t->vals, "Template", tv);
		else
			value_unref(tv);
		struct strbuf sb = STRBUF_INIT;
		if (tmpl_execute(set, t->name, t->vals, &sb, err) < 0)
			rc = exec_error(err);
		else
			out->files[out->n++] = (struct render_file){xstrdup(t->name), strip_no_value(sb_str(&sb), sb.len)};
		sb_done(&sb);
	}
	tmpl_set_free(set);
	if (rc < 0)
		render_result_done(out);
	else
		qsort(out->files, out->n, sizeof(*out->files), file_cmp);
	return rc;
}

int render_engine_chart(const struct chart *c, struct value *top, struct render_result *out,
			struct tops_err *err)
{
	struct tpls ts = {0};
	struct tmpl_funcs *funcs = engine_funcs();
	struct value *dot = collect(c, top, &ts, funcs);
	int rc = engine_run(&ts, funcs, out, err);
	/* The dots hold references to each other through Subcharts and Template; break cycles. */
	tpls_done(&ts);
	value_unref(dot);
	tmpl_funcs_free(funcs);
	return rc;
}

int render_engine_templates(const char *const *names, const char *const *texts, size_t n,
			    struct value *dot, struct render_result *out, struct tops_err *err)
{
	struct tpls ts = {0};
	struct tmpl_funcs *funcs = engine_funcs();
	for (size_t i = 0; i < n; i++)
		tpls_add(&ts, xstrdup(names[i]), texts[i], strlen(texts[i]), dot, "");
	int rc = engine_run(&ts, funcs, out, err);
	tpls_done(&ts);
	tmpl_funcs_free(funcs);
	return rc;
}

void render_result_done(struct render_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->files[i].name);
		free(r->files[i].text);
	}
	free(r->files);
	memset(r, 0, sizeof(*r));
}

/* ---------------------------------------------------------------- helm template */

static int check_dependencies(const struct chart *c, struct tops_err *err)
{
	struct strbuf missing = STRBUF_INIT;
	for (size_t k = 0; k < c->ndeps; k++) {
		bool found = false;
		for (size_t i = 0; i < c->ncharts && !found; i++)
			found = c->deps[k].name && !strcmp(c->charts[i]->name, c->deps[k].name);
		if (!found)
			sb_addf(&missing, "%s%s", missing.len ? ", " : "", c->deps[k].name ? c->deps[k].name : "");
	}
	int rc = 0;
	if (missing.len)
		rc = tops_err_set(err, TOPS_ENOENT,
				  "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: %s",
				  sb_str(&missing));
	sb_done(&missing);
	return rc;
}

/* ValidateAgainstSchema: the chart's schema, then each subchart's against its own values. */
static int validate_schema(const struct chart *c, const struct value *vals, struct strbuf *errs,
			   struct tops_err *err)
{
	if (c->schema) {
		struct tops_err e = {0};
		struct value *doc = value_from_json(c->schema, c->schema_len, &e);
		struct jsonschema *s = doc ? jsonschema_compile(doc, "values.schema.json", &e) : NULL;
		value_unref(doc);
		if (!s) {
			tops_err_set(err, TOPS_EINVAL, "%s: values.schema.json: %s", c->name, tops_err_msg(&e));
			tops_err_clear(&e);
			return -TOPS_EINVAL;
		}
		struct jsonschema_result res = {0};
		struct value *empty = value_map();
		int r = jsonschema_validate(s, vals ? vals : empty, &res, &e);
		if (r == 1) {
			char *m = jsonschema_result_str(&res, "\n- ");
			sb_addf(errs, "%s:\n- %s\n", c->name, m);
			free(m);
		}
		value_unref(empty);
		jsonschema_result_done(&res);
		jsonschema_free(s);
		tops_err_clear(&e);
	}
	for (size_t i = 0; i < c->ncharts; i++) {
		const struct value *sub = vals ? value_map_get(vals, c->charts[i]->name) : NULL;
		if (validate_schema(c->charts[i], sub && sub->type == V_MAP ? sub : NULL, errs, err) < 0)
			return -TOPS_EINVAL;
	}
	return 0;
}

static bool valid_release_name(const char *n)
{
	regex_t re;
	bool ok;
	if (!*n || strlen(n) > 53)
		return false;
	if (regcomp(&re, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
		    REG_EXTENDED | REG_NOSUB))
		return false;
	ok = regexec(&re, n, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

/* ToRenderValues: the top-level dot. */
static int render_values(struct chart *c, const struct render_opts *o, struct value **top,
			 struct tops_err *err)
{
	struct value *caps = NULL;
	int rc = capabilities_new(o, &caps, err);
	if (rc < 0)
		return rc;
	struct value *vals = values_coalesce(c, o->values, false, err);
	if (!vals) {
		value_unref(caps);
		return -TOPS_EINVAL;
	}
	struct strbuf errs = STRBUF_INIT;
	rc = validate_schema(c, vals, &errs, err);
	if (rc == 0 && errs.len)
		rc = tops_err_set(err, TOPS_EINVAL,
				  "values don't meet the specifications of the schema(s) in the following chart(s):\n%s",
				  sb_str(&errs));
	sb_done(&errs);
	struct value *rel = value_map();
	value_map_set(rel, "Name", value_str(o->release_name ? o->release_name : "release-name"));
	value_map_set(rel, "Namespace", value_str(o->namespace_ ? o->namespace_ : "default"));
	value_map_set(rel, "Revision", value_int(o->revision > 0 ? o->revision : 1));
	value_map_set(rel, "Service", value_str("Helm"));
	value_map_set(rel, "IsUpgrade", value_bool(o->is_upgrade));
	value_map_set(rel, "IsInstall", value_bool(!o->is_upgrade));
	struct value *t = value_map();
	value_map_set(t, "Capabilities", caps);
	value_map_set(t, "Release", rel);
	value_map_set(t, "Values", vals);
	if (rc < 0) {
		value_unref(t);
		return rc;
	}
	*top = t;
	return 0;
}

static void crds_add(const struct chart *c, struct strbuf *out)
{
	char *id = chart_full_path(c);
	for (size_t i = 0; i < c->nfiles; i++) {
		const char *n = c->files[i].name;
		if (!str_has_prefix(n, "crds/") ||
		    !(str_has_suffix(n, ".yaml") || str_has_suffix(n, ".yml") || str_has_suffix(n, ".json")))
			continue;
		sb_addf(out, "---\n# Source: %s/%s\n", id, n);
		sb_add(out, c->files[i].data, c->files[i].len);
		sb_addc(out, '\n');
	}
	free(id);
	for (size_t i = 0; i < c->ncharts; i++)
		crds_add(c->charts[i], out);
}

static void trim_space(const char **s, size_t *len)
{
	while (*len && strchr(" \t\r\n\f\v", **s))
		(*s)++, (*len)--;
	while (*len && strchr(" \t\r\n\f\v", (*s)[*len - 1]))
		(*len)--;
}

/* --show-only: re-split the output and keep documents whose "# Source: chart/PATH" matches. */
static int show_only(const struct render_opts *o, const char *all, struct strbuf *out, struct tops_err *err)
{
	char **docs;
	size_t nd;
	int rc = 0;
	manifest_split(all, strlen(all), &docs, &nd);
	for (size_t k = 0; k < o->n_show_only && rc == 0; k++) {
		bool missing = true;
		for (size_t i = 0; i < nd; i++) {
			const char *src = strstr(docs[i], "# Source: ");
			if (!src)
				continue;
			src += 10;
			const char *slash = strchr(src, '/');
			size_t eol = strcspn(src, "\n");
			if (!slash || (size_t)(slash - src) >= eol || slash == src)
				continue;
			char *path = xstrndup(slash + 1, eol - (size_t)(slash + 1 - src));
			bool m = path[0] && fnmatch(o->show_only[k], path, FNM_PATHNAME) == 0;
			free(path);
			if (!m)
				continue;
			sb_addf(out, "---\n%s\n", docs[i]);
			missing = false;
		}
		if (missing)
			rc = tops_err_set(err, TOPS_ENOENT, "could not find template %s in chart", o->show_only[k]);
	}
	for (size_t i = 0; i < nd; i++)
		free(docs[i]);
	free(docs);
	return rc;
}

static int mkdirs_for(const char *path, struct tops_err *err)
{
	char *p = xstrdup(path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			tops_err_set(err, TOPS_EIO, "%s: cannot create directory: %s", p, strerror(errno));
			free(p);
			return -TOPS_EIO;
		}
		*s = '/';
	}
	free(p);
	return 0;
}

/* writeToFile: appends "---\n# Source: NAME\nDATA\n" to DIR/NAME (truncated on first write). */
static int write_out(const char *dir, const char *name, const char *data, bool append,
		     struct strbuf *log, struct tops_err *err)
{
	char *path = xasprintf("%s/%s", dir, name);
	int rc = mkdirs_for(path, err);
	FILE *f = rc ? NULL : fopen(path, append ? "a" : "w");
	if (!rc && (!f || fprintf(f, "---\n# Source: %s\n%s\n", name, data) < 0))
		rc = tops_err_set(err, TOPS_EIO, "%s: %s", path, strerror(errno));
	if (f && fclose(f) != 0 && !rc)
		rc = tops_err_set(err, TOPS_EIO, "%s: %s", path, strerror(errno));
	if (!rc)
		sb_addf(log, "wrote %s\n", path);
	free(path);
	return rc;
}

static bool written(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

struct dir_writer {
	const struct render_opts *o;
	char **seen;
	size_t ns;
	struct strbuf *log;
};

/* The first write of a path truncates it, later ones append (Helm's fileWritten map). */
static int dir_put(struct dir_writer *w, const char *dir, const char *name, const char *data,
		   struct tops_err *err)
{
	bool app = written(w->seen, w->ns, name);
	int rc = write_out(dir, name, data, app, w->log, err);
	if (!app) {
		w->seen = xrealloc(w->seen, (w->ns + 1) * sizeof(char *));
		w->seen[w->ns++] = xstrdup(name);
	}
	return rc;
}

static int dir_crds(struct dir_writer *w, const struct chart *c, struct tops_err *err)
{
	char *id = chart_full_path(c);
	int rc = 0;
	for (size_t i = 0; i < c->nfiles && rc == 0; i++) {
		const char *n = c->files[i].name;
		if (!str_has_prefix(n, "crds/") ||
		    !(str_has_suffix(n, ".yaml") || str_has_suffix(n, ".yml") || str_has_suffix(n, ".json")))
			continue;
		char *path = xasprintf("%s/%s", id, n);
		rc = dir_put(w, w->o->output_dir, path, c->files[i].data, err);
		free(path);
	}
	free(id);
	for (size_t i = 0; i < c->ncharts && rc == 0; i++)
		rc = dir_crds(w, c->charts[i], err);
	return rc;
}

/* --output-dir: CRDs under DIR, manifests and hooks under DIR (or DIR/RELEASE). */
static int write_dir(const struct render_opts *o, const struct chart *c, const struct manifest_set *ms,
		     struct strbuf *out, struct tops_err *err)
{
	struct dir_writer w = {.o = o, .log = out};
	const char *rn = o->release_name ? o->release_name : "release-name";
	char *dir = o->use_release_name ? xasprintf("%s/%s", o->output_dir, rn) : xstrdup(o->output_dir);
	int rc = o->include_crds ? dir_crds(&w, c, err) : 0;
	for (size_t i = 0; i < ms->nmanifests && rc == 0; i++)
		rc = dir_put(&w, dir, ms->manifests[i].name, ms->manifests[i].content, err);
	for (size_t i = 0; i < ms->nhooks && rc == 0 && !o->no_hooks; i++)
		if (!(o->skip_tests && ms->hooks[i].is_test))
			rc = dir_put(&w, dir, ms->hooks[i].name, ms->hooks[i].content, err);
	for (size_t i = 0; i < w.ns; i++)
		free(w.seen[i]);
	free(w.seen);
	free(dir);
	return rc;
}

static int assemble(struct chart *c, const struct render_opts *o, const struct manifest_set *ms,
		    struct strbuf *out, struct tops_err *err)
{
	struct strbuf man = STRBUF_INIT, all = STRBUF_INIT;
	if (o->output_dir)
		return write_dir(o, c, ms, out, err);
	if (o->include_crds)
		crds_add(c, &man);
	for (size_t i = 0; i < ms->nmanifests; i++)
		sb_addf(&man, "---\n# Source: %s\n%s\n", ms->manifests[i].name, ms->manifests[i].content);
	const char *s = sb_str(&man);
	size_t len = man.len;
	trim_space(&s, &len);
	sb_add(&all, s, len);
	sb_addc(&all, '\n');
	for (size_t i = 0; i < ms->nhooks; i++) {
		if (o->no_hooks || (o->skip_tests && ms->hooks[i].is_test))
			continue;
		sb_addf(&all, "---\n# Source: %s\n%s\n", ms->hooks[i].name, ms->hooks[i].content);
	}
	int rc = 0;
	if (o->n_show_only)
		rc = show_only(o, sb_str(&all), out, err);
	else
		sb_add(out, all.buf ? all.buf : "", all.len);
	sb_done(&man);
	sb_done(&all);
	return rc;
}

/* Chart.yaml kubeVersion against .Capabilities.KubeVersion. */
static int check_kube_version(const struct chart *c, struct value *top, struct tops_err *err)
{
	if (!c->kube_version || !*c->kube_version)
		return 0;
	struct value *kv = value_map_path(top, "Capabilities.KubeVersion"), *vs = NULL;
	int rc = 0;
	if (!kv || kv->type != V_OBJECT || kv->u.obj.ops->call(kv, "Version", NULL, 0, &vs, err) < 0 ||
	    !vs || vs->type != V_STRING) {
		value_unref(vs);
		return tops_err_set(err, TOPS_EINTERNAL, "no Kubernetes version to check kubeVersion against");
	}
	if (!chart_version_satisfies(c->kube_version, vs->u.str.s))
		rc = tops_err_set(err, TOPS_EINVAL, "chart requires kubeVersion: %s which is incompatible with Kubernetes %s",
				  c->kube_version, vs->u.str.s);
	value_unref(vs);
	return rc;
}

/* Dependencies, values, kubeVersion, the engine: the rendered files and the dot they saw. */
static int render_files(struct chart *c, const struct render_opts *o, struct value **top,
			struct render_result *res, struct tops_err *err)
{
	const char *rn = o->release_name ? o->release_name : "release-name";
	int rc;
	if (!valid_release_name(rn))
		return tops_err_set(err, TOPS_EINVAL,
				    "release name \"%s\": invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53", rn);
	if (c->type && !strcmp(c->type, "library"))
		return tops_err_set(err, TOPS_EINVAL, "library charts are not installable");
	if ((rc = check_dependencies(c, err)) < 0 ||
	    (rc = values_process_dependencies(c, o->values, err)) < 0 ||
	    (rc = render_values(c, o, top, err)) < 0 ||
	    (rc = check_kube_version(c, *top, err)) < 0)
		return rc;
	return render_engine_chart(c, *top, res, err);
}

/* Sorts the rendered files (NOTES.txt left out) into manifests and hooks. */
static int sort_files(const struct render_result *res, struct manifest_set *ms, struct tops_err *err)
{
	const char **names = xcalloc(res->n + 1, sizeof(char *)), **texts = xcalloc(res->n + 1, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; i < res->n; i++)
		if (!str_has_suffix(res->files[i].name, "NOTES.txt")) {
			names[n] = res->files[i].name;
			texts[n++] = res->files[i].text;
		}
	int rc = manifest_sort(names, texts, n, ms, err);
	free(names);
	free(texts);
	return rc;
}

/* helm template --debug: what the templates rendered, valid YAML or not, so the operator can
 * see the line the parser refused. */
static void debug_files(const struct render_result *res, struct strbuf *out)
{
	for (size_t i = 0; i < res->n; i++)
		if (!str_has_suffix(res->files[i].name, "NOTES.txt"))
			sb_addf(out, "---\n# Source: %s\n%s\n", res->files[i].name, res->files[i].text);
}

int render_chart(struct chart *c, const struct render_opts *o, struct strbuf *out,
		 struct tops_err *err)
{
	struct value *top = NULL;
	struct render_result res = {0};
	struct manifest_set ms = {0};
	int rc = render_files(c, o, &top, &res, err);
	if (rc == 0)
		rc = sort_files(&res, &ms, err);
	if (rc < 0 && o->debug && res.n)
		debug_files(&res, out);
	if (rc == 0)
		rc = assemble(c, o, &ms, out, err);
	manifest_set_done(&ms);
	render_result_done(&res);
	value_unref(top);
	return rc;
}

/* The top chart's NOTES.txt as rendered (helm leaves subcharts' notes out), or NULL. */
static char *top_notes(const struct chart *c, const struct render_result *res)
{
	char *want = xasprintf("%s/templates/NOTES.txt", c->name);
	char *notes = NULL;
	for (size_t i = 0; i < res->n && !notes; i++)
		if (!strcmp(res->files[i].name, want))
			notes = xstrdup(res->files[i].text);
	free(want);
	return notes;
}

int render_for_release(struct chart *c, const struct render_opts *o, struct render_release *out,
		       struct tops_err *err)
{
	struct value *top = NULL;
	struct render_result res = {0};
	memset(out, 0, sizeof *out);
	int rc = render_files(c, o, &top, &res, err);
	if (rc == 0)
		rc = sort_files(&res, &out->set, err);
	if (rc == 0) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < out->set.nmanifests; i++)
			sb_addf(&sb, "---\n# Source: %s\n%s\n", out->set.manifests[i].name,
				out->set.manifests[i].content);
		out->manifest = sb_detach(&sb, NULL);
		out->notes = top_notes(c, &res);
		out->values = value_ref(value_map_get(top, "Values"));
	}
	if (rc < 0)
		render_release_done(out);
	render_result_done(&res);
	value_unref(top);
	return rc;
}

void render_release_done(struct render_release *r)
{
	manifest_set_done(&r->set);
	free(r->manifest);
	free(r->notes);
	value_unref(r->values);
	memset(r, 0, sizeof *r);
}
