/* chart — loading and validating Helm charts. */
#include "core/chart/chart.h"
#include "core/base/semver.h"
#include "core/base/tar.h"
#include "core/chart/valuesfile.h"
#include "core/base/yaml.h"

#include <ctype.h>
#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Helm's defaults for --max-chart-file-size and --max-chart-size. */
#define CHART_FILE_MAX (5u << 20)
#define CHART_TOTAL_MAX (100u << 20)

/* ---------------------------------------------------------------- semver */

bool chart_semver_valid(const char *v)
{
	struct semver sv;
	if (!v || semver_parse(v, &sv, NULL) < 0)
		return false;
	semver_done(&sv);
	return true;
}

bool chart_version_satisfies(const char *constraint, const char *version)
{
	struct semver sv;
	bool ok = false;
	if (!constraint || !version || semver_parse(version, &sv, NULL) < 0)
		return false;
	if (semver_check(constraint, &sv, &ok, NULL) < 0)
		ok = false;
	semver_done(&sv);
	return ok;
}

/* ---------------------------------------------------------------- chart memory */

static void files_free(struct chart_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].data);
	}
	free(f);
}

static void dep_done(struct chart_dep *d)
{
	free(d->name);
	free(d->version);
	free(d->repository);
	free(d->condition);
	free(d->alias);
	for (size_t i = 0; i < d->ntags; i++)
		free(d->tags[i]);
	free(d->tags);
	value_unref(d->import_values);
}

void chart_free(struct chart *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->version);
	free(c->api_version);
	free(c->type);
	free(c->app_version);
	free(c->kube_version);
	free(c->description);
	value_unref(c->meta);
	for (size_t i = 0; i < c->ndeps; i++)
		dep_done(&c->deps[i]);
	free(c->deps);
	value_unref(c->values);
	free(c->schema);
	files_free(c->templates, c->ntemplates);
	files_free(c->files, c->nfiles);
	for (size_t i = 0; i < c->ncharts; i++)
		chart_free(c->charts[i]);
	free(c->charts);
	free(c);
}

static char *xstrdup0(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static struct chart_file *files_copy(const struct chart_file *f, size_t n)
{
	struct chart_file *o = xcalloc(n ? n : 1, sizeof(*o));
	for (size_t i = 0; i < n; i++) {
		o[i].name = xstrdup(f[i].name);
		o[i].data = xmalloc(f[i].len + 1);
		memcpy(o[i].data, f[i].data, f[i].len + 1);
		o[i].len = f[i].len;
	}
	return o;
}

static void dep_copy(struct chart_dep *o, const struct chart_dep *d)
{
	o->name = xstrdup0(d->name);
	o->version = xstrdup0(d->version);
	o->repository = xstrdup0(d->repository);
	o->condition = xstrdup0(d->condition);
	o->alias = xstrdup0(d->alias);
	o->ntags = d->ntags;
	o->tags = xcalloc(d->ntags ? d->ntags : 1, sizeof(char *));
	for (size_t i = 0; i < d->ntags; i++)
		o->tags[i] = xstrdup(d->tags[i]);
	o->import_values = d->import_values ? value_copy(d->import_values) : NULL;
	o->enabled = d->enabled;
}

struct chart *chart_copy(const struct chart *c, struct chart *parent)
{
	struct chart *o = xcalloc(1, sizeof(*o));
	o->name = xstrdup0(c->name);
	o->version = xstrdup0(c->version);
	o->api_version = xstrdup0(c->api_version);
	o->type = xstrdup0(c->type);
	o->app_version = xstrdup0(c->app_version);
	o->kube_version = xstrdup0(c->kube_version);
	o->description = xstrdup0(c->description);
	o->meta = value_copy(c->meta);
	o->ndeps = c->ndeps;
	o->deps = xcalloc(c->ndeps ? c->ndeps : 1, sizeof(*o->deps));
	for (size_t i = 0; i < c->ndeps; i++)
		dep_copy(&o->deps[i], &c->deps[i]);
	o->values = c->values ? value_copy(c->values) : NULL;
	if (c->schema) {
		o->schema = xstrndup(c->schema, c->schema_len);
		o->schema_len = c->schema_len;
	}
	o->templates = files_copy(c->templates, c->ntemplates);
	o->ntemplates = c->ntemplates;
	o->files = files_copy(c->files, c->nfiles);
	o->nfiles = c->nfiles;
	o->ncharts = c->ncharts;
	o->charts = xcalloc(c->ncharts ? c->ncharts : 1, sizeof(*o->charts));
	for (size_t i = 0; i < c->ncharts; i++)
		o->charts[i] = chart_copy(c->charts[i], o);
	o->parent = parent;
	return o;
}

void chart_rename(struct chart *c, const char *name)
{
	free(c->name);
	c->name = xstrdup(name);
	value_map_set(c->meta, "Name", value_str(name));
}

char *chart_full_path(const struct chart *c)
{
	if (!c->parent)
		return xstrdup(c->name);
	char *p = chart_full_path(c->parent);
	char *r = xasprintf("%s/charts/%s", p, c->name);
	free(p);
	return r;
}

bool chart_is_library(const struct chart *c)
{
	return c->type && !strcmp(c->type, "library");
}

/* ---------------------------------------------------------------- Chart.yaml */

/* Reads a string field; a non-string is Helm's JSON unmarshal error. */
static int meta_str(const struct value *m, const char *key, const char *gofield, char **out,
		    struct tops_err *err)
{
	const struct value *v = value_map_get(m, key);
	*out = NULL;
	if (!v || v->type == V_NULL)
		return 0;
	if (v->type != V_STRING) {
		return tops_err_set(err, TOPS_EINVAL,
				    "cannot load Chart.yaml: error unmarshaling JSON: json: cannot unmarshal %s into Go struct field %s of type string",
				    v->type == V_MAP ? "object" : v->type == V_LIST ? "array" :
				    v->type == V_BOOL ? "bool" : "number", gofield);
	}
	*out = xstrdup(v->u.str.s);
	return 0;
}

static struct value *str_or_empty(const char *s)
{
	return value_str(s ? s : "");
}

static struct value *strlist(const struct value *v)
{
	struct value *l = value_list();
	l->sub = VS_STRINGS;
	for (size_t i = 0; v && v->type == V_LIST && i < v->u.list.len; i++) {
		const struct value *e = v->u.list.items[i];
		value_list_push(l, e->type == V_STRING ? value_ref((struct value *)e) : value_str(""));
	}
	return l;
}

static int dep_parse(const struct value *d, struct chart_dep *o, struct tops_err *err)
{
	int rc;
	memset(o, 0, sizeof(*o));
	if (!d || d->type != V_MAP)
		return tops_err_set(err, TOPS_EINVAL, "validation: dependencies must not contain empty or null nodes");
	if ((rc = meta_str(d, "name", "Dependency.name", &o->name, err)) < 0 ||
	    (rc = meta_str(d, "version", "Dependency.version", &o->version, err)) < 0 ||
	    (rc = meta_str(d, "repository", "Dependency.repository", &o->repository, err)) < 0 ||
	    (rc = meta_str(d, "condition", "Dependency.condition", &o->condition, err)) < 0 ||
	    (rc = meta_str(d, "alias", "Dependency.alias", &o->alias, err)) < 0)
		return rc;
	const struct value *tags = value_map_get(d, "tags");
	if (tags && tags->type == V_LIST) {
		o->tags = xcalloc(tags->u.list.len + 1, sizeof(char *));
		for (size_t i = 0; i < tags->u.list.len; i++)
			if (tags->u.list.items[i]->type == V_STRING)
				o->tags[o->ntags++] = xstrdup(tags->u.list.items[i]->u.str.s);
	}
	const struct value *iv = value_map_get(d, "import-values");
	if (iv && iv->type == V_LIST)
		o->import_values = value_copy(iv);
	o->enabled = true;
	return 0;
}

static struct value *dep_value(const struct chart_dep *d)
{
	struct value *m = value_map();
	value_map_set(m, "Name", str_or_empty(d->name));
	value_map_set(m, "Version", str_or_empty(d->version));
	value_map_set(m, "Repository", str_or_empty(d->repository));
	value_map_set(m, "Condition", str_or_empty(d->condition));
	value_map_set(m, "Alias", str_or_empty(d->alias));
	struct value *tags = value_list();
	tags->sub = VS_STRINGS;
	for (size_t i = 0; i < d->ntags; i++)
		value_list_push(tags, value_str(d->tags[i]));
	value_map_set(m, "Tags", tags);
	value_map_set(m, "Enabled", value_bool(d->enabled));
	value_map_set(m, "ImportValues", d->import_values ? value_copy(d->import_values) : value_list());
	return m;
}

static struct value *maintainers(const struct value *v)
{
	struct value *l = value_list();
	for (size_t i = 0; v && v->type == V_LIST && i < v->u.list.len; i++) {
		const struct value *e = v->u.list.items[i];
		struct value *m = value_map();
		const char *keys[][2] = {{"name", "Name"}, {"email", "Email"}, {"url", "URL"}};
		for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
			const struct value *s = value_map_get(e, keys[k][0]);
			value_map_set(m, keys[k][1], value_str(s && s->type == V_STRING ? s->u.str.s : ""));
		}
		value_list_push(l, m);
	}
	return l;
}

/* .Chart: chart.Metadata with Go field names, plus IsRoot (set by the renderer). */
static void meta_build(struct chart *c, const struct value *m)
{
	static const char *const strs[][2] = {
		{"name", "Name"}, {"home", "Home"}, {"version", "Version"},
		{"description", "Description"}, {"icon", "Icon"}, {"apiVersion", "APIVersion"},
		{"condition", "Condition"}, {"tags", "Tags"}, {"appVersion", "AppVersion"},
		{"kubeVersion", "KubeVersion"}, {"type", "Type"},
	};
	struct value *o = value_map();
	for (size_t i = 0; i < ARRAY_LEN(strs); i++) {
		const struct value *s = value_map_get(m, strs[i][0]);
		value_map_set(o, strs[i][1], value_str(s && s->type == V_STRING ? s->u.str.s : ""));
	}
	value_map_set(o, "APIVersion", value_str(c->api_version));
	value_map_set(o, "Sources", strlist(value_map_get(m, "sources")));
	value_map_set(o, "Keywords", strlist(value_map_get(m, "keywords")));
	value_map_set(o, "Maintainers", maintainers(value_map_get(m, "maintainers")));
	const struct value *dep = value_map_get(m, "deprecated");
	value_map_set(o, "Deprecated", value_bool(dep && dep->type == V_BOOL && dep->u.b));
	const struct value *ann = value_map_get(m, "annotations");
	value_map_set(o, "Annotations", ann && ann->type == V_MAP ? value_copy(ann) : value_map());
	struct value *deps = value_list();
	for (size_t i = 0; i < c->ndeps; i++)
		value_list_push(deps, dep_value(&c->deps[i]));
	value_map_set(o, "Dependencies", deps);
	value_map_set(o, "IsRoot", value_bool(true));
	c->meta = o;
}

static int meta_deps(struct chart *c, const struct value *deps, struct tops_err *err)
{
	if (!deps || deps->type != V_LIST)
		return 0;
	c->deps = xcalloc(deps->u.list.len + 1, sizeof(*c->deps));
	for (size_t i = 0; i < deps->u.list.len; i++) {
		int rc = dep_parse(deps->u.list.items[i], &c->deps[c->ndeps], err);
		c->ndeps++;
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* requirements.yaml (apiVersion v1 charts) replaces the dependencies, as Helm's loader does. */
static int requirements_load(struct chart *c, const struct chart_file *f, struct tops_err *err)
{
	struct yaml_opts yo = {0};
	struct value *m = yaml_load(f->data, f->len, "requirements.yaml", &yo, NULL, err);
	if (!m)
		return tops_err_prefix(err, "cannot load requirements.yaml");
	const struct value *deps = value_map_get(m, "dependencies");
	int rc = 0;
	if (deps && deps->type == V_LIST) {
		for (size_t i = 0; i < c->ndeps; i++)
			dep_done(&c->deps[i]);
		free(c->deps);
		c->deps = NULL;
		c->ndeps = 0;
		rc = meta_deps(c, deps, err);
	}
	value_unref(m);
	return rc;
}

static int meta_load(struct chart *c, const struct chart_file *f, const struct chart_file *req,
		     struct tops_err *err)
{
	struct yaml_opts yo = {0};
	struct yaml_errpos pos = {0};
	struct value *m = yaml_load(f->data, f->len, "Chart.yaml", &yo, &pos, err);
	int rc = 0;
	if (!m && pos.problem[0]) /* helm's words: its YAML goes through JSON */
		return tops_err_set(err, TOPS_EINVAL, "cannot load Chart.yaml: error converting YAML to JSON: "
				    "yaml: line %d: %s", pos.go_line ? pos.go_line : pos.line, pos.problem);
	if (!m)
		return tops_err_prefix(err, "cannot load Chart.yaml");
	if (m->type == V_NULL) {
		value_unref(m);
		m = value_map();
	}
	if (m->type != V_MAP) {
		value_unref(m);
		return tops_err_set(err, TOPS_EINVAL, "cannot load Chart.yaml: not a mapping");
	}
	if ((rc = meta_str(m, "name", "Metadata.name", &c->name, err)) < 0 ||
	    (rc = meta_str(m, "version", "Metadata.version", &c->version, err)) < 0 ||
	    (rc = meta_str(m, "apiVersion", "Metadata.apiVersion", &c->api_version, err)) < 0 ||
	    (rc = meta_str(m, "type", "Metadata.type", &c->type, err)) < 0 ||
	    (rc = meta_str(m, "appVersion", "Metadata.appVersion", &c->app_version, err)) < 0 ||
	    (rc = meta_str(m, "kubeVersion", "Metadata.kubeVersion", &c->kube_version, err)) < 0 ||
	    (rc = meta_str(m, "description", "Metadata.description", &c->description, err)) < 0 ||
	    (rc = meta_deps(c, value_map_get(m, "dependencies"), err)) < 0 ||
	    (req && (rc = requirements_load(c, req, err)) < 0))
		goto out;
	if (!c->api_version || !*c->api_version) {
		free(c->api_version);
		c->api_version = xstrdup("v1");
	}
	meta_build(c, m);
out:
	value_unref(m);
	return rc;
}

/* Helm's Metadata.Validate. */
static int chart_validate(const struct chart *c, struct tops_err *err)
{
	if (!c->name || !*c->name)
		return tops_err_set(err, TOPS_EINVAL, "validation: chart.metadata.name is required");
	if (strchr(c->name, '/') || !strcmp(c->name, ".") || !strcmp(c->name, ".."))
		return tops_err_set(err, TOPS_EINVAL, "validation: chart.metadata.name \"%s\" is invalid", c->name);
	if (!c->version || !*c->version)
		return tops_err_set(err, TOPS_EINVAL, "validation: chart.metadata.version is required");
	if (!chart_semver_valid(c->version))
		return tops_err_set(err, TOPS_EINVAL, "validation: chart.metadata.version \"%s\" is invalid", c->version);
	if (c->type && *c->type && strcmp(c->type, "application") && strcmp(c->type, "library"))
		return tops_err_set(err, TOPS_EINVAL, "validation: chart.metadata.type must be application or library");
	for (size_t i = 0; i < c->ndeps; i++) {
		const char *a = c->deps[i].alias;
		if (a && *a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != strlen(a))
			return tops_err_set(err, TOPS_EINVAL, "validation: dependency \"%s\" has disallowed characters in the alias", c->deps[i].name);
		const char *key = a && *a ? a : c->deps[i].name ? c->deps[i].name : "";
		for (size_t j = 0; j < i; j++) {
			const char *k2 = c->deps[j].alias && *c->deps[j].alias ? c->deps[j].alias :
					 c->deps[j].name ? c->deps[j].name : "";
			if (!strcmp(key, k2))
				return tops_err_set(err, TOPS_EINVAL, "validation: more than one dependency with name or alias \"%s\"", key);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- loading */

static void file_push(struct chart_file **arr, size_t *n, const struct chart_file *f, const char *name)
{
	*arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
	struct chart_file *o = &(*arr)[(*n)++];
	o->name = xstrdup(name);
	o->data = xmalloc(f->len + 1);
	memcpy(o->data, f->data, f->len);
	o->data[f->len] = 0;
	o->len = f->len;
}

static int file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct chart_file *)a)->name, ((const struct chart_file *)b)->name);
}

static int values_load(struct chart *c, const struct chart_file *f, struct tops_err *err)
{
	c->values = valuesfile_parse(f->data, f->len, "values.yaml", err);
	return c->values ? 0 : tops_err_prefix(err, "cannot load values.yaml");
}

struct subgroup {
	char *dir;
	struct chart_file *files;
	size_t n;
};

static struct subgroup *group_find(struct subgroup **g, size_t *ng, const char *dir, size_t dlen)
{
	for (size_t i = 0; i < *ng; i++)
		if (strlen((*g)[i].dir) == dlen && !strncmp((*g)[i].dir, dir, dlen))
			return &(*g)[i];
	*g = xrealloc(*g, (*ng + 1) * sizeof(**g));
	struct subgroup *s = &(*g)[(*ng)++];
	s->dir = xstrndup(dir, dlen);
	s->files = NULL;
	s->n = 0;
	return s;
}

static int group_cmp(const void *a, const void *b)
{
	return strcmp(((const struct subgroup *)a)->dir, ((const struct subgroup *)b)->dir);
}

static int load_archive_mem(const char *data, size_t len, struct chart **out, struct tops_err *err);

static int load_subcharts(struct chart *c, struct subgroup *g, size_t ng, struct tops_err *err)
{
	int rc = 0;
	if (ng)
		qsort(g, ng, sizeof(*g), group_cmp);
	c->charts = xcalloc(ng + 1, sizeof(*c->charts));
	for (size_t i = 0; i < ng && rc == 0; i++) {
		struct chart *sc = NULL;
		if (g[i].dir[0] == '_' || g[i].dir[0] == '.')
			continue;
		if (str_has_suffix(g[i].dir, ".tgz")) {
			if (g[i].n != 1 || strcmp(g[i].files[0].name, g[i].dir))
				rc = tops_err_set(err, TOPS_EINVAL, "error unpacking subchart tar in %s: expected %s", c->name, g[i].dir);
			else
				rc = load_archive_mem(g[i].files[0].data, g[i].files[0].len, &sc, err);
		} else {
			struct chart_file *fs = NULL;
			size_t nf = 0;
			size_t dl = strlen(g[i].dir);
			for (size_t k = 0; k < g[i].n; k++)
				if (g[i].files[k].name[dl] == '/')
					file_push(&fs, &nf, &g[i].files[k], g[i].files[k].name + dl + 1);
			rc = chart_load_files(fs, nf, &sc, err);
			files_free(fs, nf);
		}
		if (rc < 0) {
			tops_err_prefix(err, "error unpacking subchart %s in %s", g[i].dir, c->name);
			break;
		}
		sc->parent = c;
		c->charts[c->ncharts++] = sc;
	}
	return rc;
}

static int classify(struct chart *c, struct chart_file *files, size_t n, struct subgroup **g,
		    size_t *ng, const struct chart_file **meta, struct tops_err *err)
{
	for (size_t i = 0; i < n; i++) {
		struct chart_file *f = &files[i];
		int rc = 0;
		if (!strcmp(f->name, "Chart.yaml"))
			meta[0] = f;
		else if (!strcmp(f->name, "requirements.yaml"))
			meta[1] = f;
		else if (!strcmp(f->name, "values.yaml"))
			rc = values_load(c, f, err);
		else if (!strcmp(f->name, "values.schema.json")) {
			free(c->schema);
			c->schema = xstrndup(f->data, f->len);
			c->schema_len = f->len;
		} else if (str_has_prefix(f->name, "templates/"))
			file_push(&c->templates, &c->ntemplates, f, f->name);
		else if (str_has_prefix(f->name, "charts/") && !str_has_suffix(f->name, ".prov")) {
			const char *rest = f->name + 7;
			size_t dl = strcspn(rest, "/");
			struct subgroup *s = group_find(g, ng, rest, dl);
			file_push(&s->files, &s->n, f, rest);
		} else if (strcmp(f->name, "Chart.lock") && strcmp(f->name, "requirements.lock"))
			file_push(&c->files, &c->nfiles, f, f->name);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int chart_load_files(struct chart_file *files, size_t n, struct chart **out, struct tops_err *err)
{
	struct chart *c = xcalloc(1, sizeof(*c));
	struct subgroup *g = NULL;
	size_t ng = 0;
	const struct chart_file *meta[2] = {NULL, NULL};
	int rc = classify(c, files, n, &g, &ng, meta, err);
	if (rc < 0)
		goto fail;
	if (!meta[0]) {
		rc = tops_err_set(err, TOPS_EINVAL, "Chart.yaml file is missing");
		goto fail;
	}
	if ((rc = meta_load(c, meta[0], meta[1], err)) < 0 || (rc = chart_validate(c, err)) < 0)
		goto fail;
	if (!c->values)
		c->values = value_map();
	if (c->templates)
		qsort(c->templates, c->ntemplates, sizeof(*c->templates), file_cmp);
	if (c->files)
		qsort(c->files, c->nfiles, sizeof(*c->files), file_cmp);
	if ((rc = load_subcharts(c, g, ng, err)) < 0)
		goto fail;
	for (size_t i = 0; i < ng; i++) {
		free(g[i].dir);
		files_free(g[i].files, g[i].n);
	}
	free(g);
	*out = c;
	return 0;
fail:
	for (size_t i = 0; i < ng; i++) {
		free(g[i].dir);
		files_free(g[i].files, g[i].n);
	}
	free(g);
	chart_free(c);
	*out = NULL;
	return rc;
}

/* Archives hold "<chartdir>/<path>"; the first component is dropped, as Helm does. */
static int load_archive_mem(const char *data, size_t len, struct chart **out, struct tops_err *err)
{
	struct tar_archive ar;
	int rc = tar_read(data, len, CHART_TOTAL_MAX, &ar, err);
	if (rc < 0)
		return rc;
	struct chart_file *fs = NULL;
	size_t nf = 0;
	for (size_t i = 0; i < ar.n; i++) {
		const char *name = ar.entries[i].name;
		if (!strcmp(name, "pax_global_header"))
			continue;
		const char *slash = strchr(name, '/');
		if (!slash || !slash[1])
			continue;
		if (strstr(slash, "/../") || str_has_suffix(slash, "/..")) {
			rc = tops_err_set(err, TOPS_EINVAL, "chart illegally contains content outside the base directory: %s", name);
			break;
		}
		if (ar.entries[i].len > CHART_FILE_MAX) {
			rc = tops_err_set(err, TOPS_ETOOBIG, "decompressed chart file \"%s\" exceeds maximum size of %u bytes",
					  name, CHART_FILE_MAX);
			break;
		}
		struct chart_file f = {.data = ar.entries[i].data, .len = ar.entries[i].len};
		file_push(&fs, &nf, &f, slash + 1);
	}
	tar_archive_done(&ar);
	if (rc == 0 && nf == 0)
		rc = tops_err_set(err, TOPS_EINVAL, "no files in chart archive");
	if (rc == 0)
		rc = chart_load_files(fs, nf, out, err);
	files_free(fs, nf);
	return rc;
}

/* ---------------------------------------------------------------- directories and .helmignore */

struct ignore {
	char **pat;
	size_t n;
};

static void ignore_load(struct ignore *ig, const char *dir)
{
	char *path = xasprintf("%s/.helmignore", dir), *buf;
	size_t len;
	memset(ig, 0, sizeof(*ig));
	if (read_file(path, 1 << 20, &buf, &len, NULL) == 0) {
		for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			size_t n = strlen(l);
			while (n && (l[n - 1] == ' ' || l[n - 1] == '\r' || l[n - 1] == '\t'))
				l[--n] = 0;
			while (*l == ' ' || *l == '\t')
				l++;
			if (!*l || *l == '#')
				continue;
			ig->pat = xrealloc(ig->pat, (ig->n + 1) * sizeof(char *));
			ig->pat[ig->n++] = xstrdup(l);
		}
		free(buf);
	}
	free(path);
}

static void ignore_done(struct ignore *ig)
{
	for (size_t i = 0; i < ig->n; i++)
		free(ig->pat[i]);
	free(ig->pat);
}

static bool ignore_one(const char *pat, const char *rel, bool is_dir)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s", pat);
	size_t n = strlen(p);
	if (n && p[n - 1] == '/') {
		if (!is_dir)
			return false;
		p[n - 1] = 0;
	}
	const char *pp = p[0] == '/' ? p + 1 : p;
	if (strchr(pp, '/'))
		return fnmatch(pp, rel, FNM_PATHNAME) == 0;
	const char *base = strrchr(rel, '/');
	return fnmatch(pp, base ? base + 1 : rel, 0) == 0;
}

static bool ignored(const struct ignore *ig, const char *rel, bool is_dir)
{
	bool res = false;
	if (str_has_prefix(rel, "templates/.") && strchr(rel + 10, '/') == NULL)
		return true;
	for (size_t i = 0; i < ig->n; i++) {
		const char *p = ig->pat[i];
		bool neg = p[0] == '!';
		if (ignore_one(neg ? p + 1 : p, rel, is_dir))
			res = !neg;
	}
	return res;
}

struct walk {
	struct chart_file *files;
	size_t n;
	size_t total;
	struct ignore ig;
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(struct walk *w, const char *root, const char *rel, int depth, struct tops_err *err);

static int walk_entry(struct walk *w, const char *root, const char *rel, int depth, struct tops_err *err)
{
	char *full = xasprintf("%s/%s", root, rel);
	struct stat st;
	int rc = 0;
	if (stat(full, &st) < 0) {
		free(full);
		return 0;
	}
	bool dir = S_ISDIR(st.st_mode);
	if (ignored(&w->ig, rel, dir)) {
		free(full);
		return 0;
	}
	if (dir) {
		rc = walk_dir(w, root, rel, depth + 1, err);
	} else if (S_ISREG(st.st_mode)) {
		struct chart_file f;
		if ((rc = read_file(full, CHART_FILE_MAX, &f.data, &f.len, err)) == 0) {
			w->total += f.len;
			if (w->total > CHART_TOTAL_MAX)
				rc = tops_err_set(err, TOPS_ETOOBIG, "chart exceeds maximum size of %u bytes", CHART_TOTAL_MAX);
			else
				file_push(&w->files, &w->n, &f, rel);
			free(f.data);
		}
	}
	free(full);
	return rc;
}

static int walk_dir(struct walk *w, const char *root, const char *rel, int depth, struct tops_err *err)
{
	char *path = rel ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	DIR *d = opendir(path);
	char **names = NULL;
	size_t n = 0;
	int rc = 0;
	if (depth > 64)
		rc = tops_err_set(err, TOPS_ETOOBIG, "%s: directories nested too deeply", path);
	if (!d || rc) {
		if (!rc)
			rc = tops_err_set(err, TOPS_EIO, "%s: cannot read directory", path);
		if (d)
			closedir(d);
		free(path);
		return rc;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(char *));
		names[n++] = rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (!rc)
			rc = walk_entry(w, root, names[i], depth, err);
		free(names[i]);
	}
	free(names);
	free(path);
	return rc;
}

int chart_load(const char *path, struct chart **out, struct tops_err *err)
{
	struct stat st;
	int rc;
	*out = NULL;
	if (stat(path, &st) < 0)
		return tops_err_set(err, TOPS_ENOENT, "path \"%s\" not found", path);
	if (S_ISDIR(st.st_mode)) {
		struct walk w = {0};
		ignore_load(&w.ig, path);
		rc = walk_dir(&w, path, NULL, 0, err);
		ignore_done(&w.ig);
		if (rc == 0)
			rc = chart_load_files(w.files, w.n, out, err);
		files_free(w.files, w.n);
		return rc;
	}
	char *data;
	size_t len;
	if ((rc = read_file(path, CHART_TOTAL_MAX, &data, &len, err)) < 0)
		return rc;
	rc = load_archive_mem(data, len, out, err);
	free(data);
	return rc;
}
