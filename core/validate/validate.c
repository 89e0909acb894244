/* validate — kubeconform's pipeline over local schema directories. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/validate/validate.h"
#include "core/validate/jsonschema.h"
#include "core/base/yaml.h"

#include <dirent.h>
#include <errno.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STANDALONE_LAYOUT \
	"{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"

/* A parsed schema file; schema is NULL when the file exists but does not compile. */
struct schema_entry {
	char *path;    /* absolute, cleaned */
	struct jsonschema *schema;
	char *url;     /* "file:///abs/path" as quoted in messages */
	bool borrowed; /* the cluster's: not freed here */
};

/* The lookup result for one kind + apiVersion. */
struct kind_entry {
	char *key;     /* "kind\napiVersion" */
	struct schema_entry *found; /* NULL: no registry has it */
	char *err;     /* a real failure (not "not found"), reported as an error */
};

struct validator {
	struct validate_opts opts;
	char **locations;      /* expanded location templates */
	size_t nlocations;
	pcre2_code **ignore;
	size_t nignore;
	struct schema_entry **schemas;
	size_t nschemas;
	struct kind_entry *kinds;
	size_t nkinds, kinds_cap;
	const char *k8s_version;
};

/* ---- schema-location templates ---- */

enum { T_VERSION, T_STRICT, T_KIND, T_APIVERSION, T_GROUP, T_KINDSUFFIX, T_NFIELDS };
static const char *const tpl_fields[T_NFIELDS] = {
	[T_VERSION] = "NormalizedKubernetesVersion", [T_STRICT] = "StrictSuffix", [T_KIND] = "ResourceKind",
	[T_APIVERSION] = "ResourceAPIVersion", [T_GROUP] = "Group", [T_KINDSUFFIX] = "KindSuffix",
};

static int tpl_field(const char *tpl, const char *open, const char *close, struct tops_err *err)
{
	const char *p = open + 2, *e = close;
	if (*p == '-')
		p++;
	if (e > p && e[-1] == '-')
		e--;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (p < e && *p == '.')
		for (int k = 0; k < T_NFIELDS; k++)
			if ((size_t)(e - p - 1) == strlen(tpl_fields[k]) && memcmp(p + 1, tpl_fields[k], (size_t)(e - p - 1)) == 0)
				return k;
	return tops_err_set(err, TOPS_EINVAL, "template: tpl:1:%d: executing \"tpl\" at <%.*s>: can't evaluate "
			    "field %.*s", (int)(open - tpl) + 3, (int)(e - p), p, (int)(e - p > 0 ? e - p - 1 : 0),
			    e - p > 0 ? p + 1 : p);
}

static int tpl_expand(const char *tpl, const char *const vals[T_NFIELDS], struct strbuf *out,
		      struct tops_err *err)
{
	const char *p = tpl;
	for (;;) {
		const char *o = strstr(p, "{{");
		if (!o) {
			sb_adds(out, p);
			return 0;
		}
		sb_add(out, p, (size_t)(o - p));
		const char *c = strstr(o + 2, "}}");
		if (!c)
			return tops_err_set(err, TOPS_EINVAL, "template: tpl:1: unclosed action");
		int k = tpl_field(tpl, o, c, err);
		if (k < 0)
			return k;
		sb_adds(out, vals[k]);
		p = c + 2;
	}
}

static char *lower(const char *s, size_t n)
{
	char *r = xstrndup(s, n);
	for (char *p = r; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return r;
}

/* Fills the template values for a kind/apiVersion the way kubeconform computes them. */
static int schema_path(const struct validator *v, const char *tpl, const char *kind, const char *apiver,
		       struct strbuf *out, struct tops_err *err)
{
	const char *slash = strchr(apiver, '/');
	size_t glen = slash ? (size_t)(slash - apiver) : strlen(apiver);
	const char *dot = memchr(apiver, '.', glen);
	char *group = xstrndup(apiver, glen);
	char *gfirst = lower(apiver, dot ? (size_t)(dot - apiver) : glen);
	const char *last = strrchr(apiver, '/') ? strrchr(apiver, '/') + 1 : apiver;
	char *second = NULL;
	if (slash) {
		const char *s2 = strchr(slash + 1, '/');
		second = lower(slash + 1, s2 ? (size_t)(s2 - slash - 1) : strlen(slash + 1));
	}
	char *suffix = xasprintf("-%s%s%s", gfirst, second ? "-" : "", second ? second : "");
	char *kl = lower(kind, strlen(kind));
	char *ver = strcmp(v->k8s_version, "master") == 0 ? xstrdup("master") : xasprintf("v%s", v->k8s_version);
	const char *vals[T_NFIELDS] = {
		[T_VERSION] = ver, [T_STRICT] = v->opts.strict ? "-strict" : "", [T_KIND] = kl,
		[T_APIVERSION] = last, [T_GROUP] = group, [T_KINDSUFFIX] = suffix,
	};
	int rc = tpl_expand(tpl, vals, out, err);
	free(group);
	free(gfirst);
	free(second);
	free(suffix);
	free(kl);
	free(ver);
	return rc;
}

char *validate_default_location(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	if (xdg && *xdg)
		return xasprintf("%s/tops/schemas/" STANDALONE_LAYOUT, xdg);
	return xasprintf("%s/.local/share/tops/schemas/" STANDALONE_LAYOUT, home ? home : ".");
}

static int add_location(struct validator *v, const char *loc, struct tops_err *err)
{
	char *full;
	if (strcmp(loc, "default") == 0)
		full = validate_default_location();
	else if (!str_has_suffix(loc, "json"))
		full = xasprintf("%s/" STANDALONE_LAYOUT, loc);
	else
		full = xstrdup(loc);
	struct strbuf probe = STRBUF_INIT;
	int rc = schema_path(v, full, "Deployment", "v1", &probe, err);
	sb_done(&probe);
	if (rc == 0 && str_has_prefix(full, "http"))
		rc = tops_err_set(err, TOPS_EINVAL, "HTTP schema locations are not supported: tops validates "
				  "offline; download the schemas and pass their directory (%s)", full);
	if (rc < 0) {
		free(full);
		return tops_err_prefix(err, "failed initialising schema location registry");
	}
	v->locations = xrealloc(v->locations, (v->nlocations + 1) * sizeof *v->locations);
	v->locations[v->nlocations++] = full;
	return 0;
}

bool validate_version_ok(const char *s)
{
	if (strcmp(s, "master") == 0)
		return true;
	for (int part = 0; part < 3; part++) {
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
		if (part < 2 && *s++ != '.')
			return false;
	}
	return *s == 0;
}

static int add_ignore(struct validator *v, const char *pat, struct tops_err *err)
{
	int ec;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &off, NULL);
	if (!re) {
		char msg[128];
		pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
		return tops_err_set(err, TOPS_EINVAL, "invalid --ignore-filename-pattern '%s': %s", pat, msg);
	}
	v->ignore = xrealloc(v->ignore, (v->nignore + 1) * sizeof *v->ignore);
	v->ignore[v->nignore++] = re;
	return 0;
}

struct validator *validator_new(const struct validate_opts *opts, struct tops_err *err)
{
	struct validator *v = xcalloc(1, sizeof *v);
	v->opts = *opts;
	v->k8s_version = opts->kubernetes_version && *opts->kubernetes_version ? opts->kubernetes_version : "master";
	if (!validate_version_ok(v->k8s_version)) {
		tops_err_set(err, TOPS_EINVAL, "%s is not a valid version. Valid values are \"master\" (default) or "
			     "full version x.y.z (e.g. \"1.27.2\")", v->k8s_version);
		goto fail;
	}
	const char *const *locs = opts->schema_locations;
	static const char *const dflt[] = {"default", NULL};
	static const char *const none[] = {NULL};
	if ((!locs || !*locs) && opts->cluster)
		locs = none;
	else if (!locs || !*locs)
		locs = dflt;
	for (; *locs; locs++)
		if (add_location(v, *locs, err) < 0)
			goto fail;
	for (const char *const *p = opts->ignore_filename_patterns; p && *p; p++)
		if (add_ignore(v, *p, err) < 0)
			goto fail;
	return v;
fail:
	validator_free(v);
	return NULL;
}

void validator_free(struct validator *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nlocations; i++)
		free(v->locations[i]);
	free(v->locations);
	for (size_t i = 0; i < v->nignore; i++)
		pcre2_code_free(v->ignore[i]);
	free(v->ignore);
	for (size_t i = 0; i < v->nschemas; i++) {
		if (!v->schemas[i]->borrowed)
			jsonschema_free(v->schemas[i]->schema);
		free(v->schemas[i]->path);
		free(v->schemas[i]->url);
		free(v->schemas[i]);
	}
	free(v->schemas);
	for (size_t i = 0; i < v->nkinds; i++) {
		free(v->kinds[i].key);
		free(v->kinds[i].err);
	}
	free(v->kinds);
	free(v);
}

/* ---- schema lookup and cache ---- */

/* Absolute, with "." and ".." segments removed (like Go's filepath.Abs). Caller frees. */
static char *abs_clean(const char *path)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	if (path[0] != '/') {
		char cwd[4096];
		sb_adds(&in, getcwd(cwd, sizeof cwd) ? cwd : ".");
		sb_addc(&in, '/');
	}
	sb_adds(&in, path);
	char *save = NULL;
	for (char *seg = strtok_r(in.buf, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0) {
			char *s = strrchr(out.buf ? out.buf : "", '/');
			if (s)
				out.len = (size_t)(s - out.buf), out.buf[out.len] = 0;
			continue;
		}
		sb_addc(&out, '/');
		sb_adds(&out, seg);
	}
	sb_done(&in);
	if (!out.len)
		sb_addc(&out, '/');
	return sb_detach(&out, NULL);
}

static void debug_log(const struct validator *v, const char *fmt, const char *arg)
{
	if (!v->opts.debug)
		return;
	fprintf(stderr, "tops: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
}

/* Loads (once) the schema file at path. Returns NULL with *missing set when it does not exist,
 * NULL with err set on a read failure. An entry with schema NULL means "does not compile". */
static struct schema_entry *schema_load(struct validator *v, const char *path, bool *missing,
					struct tops_err *err)
{
	char *abs = abs_clean(path);
	for (size_t i = 0; i < v->nschemas; i++)
		if (strcmp(v->schemas[i]->path, abs) == 0) {
			free(abs);
			return v->schemas[i];
		}
	struct stat st;
	if (stat(abs, &st) < 0 && errno == ENOENT) {
		debug_log(v, "could not open file %s", path);
		*missing = true;
		free(abs);
		return NULL;
	}
	struct tops_err lerr = {0};
	struct schema_entry *e = xcalloc(1, sizeof *e);
	e->path = abs;
	e->url = xasprintf("file://%s", abs);
	e->schema = jsonschema_load_file(path, &lerr);
	if (!e->schema && (lerr.code == TOPS_EIO || lerr.code == TOPS_ENOENT)) {
		tops_err_set(err, TOPS_EIO, "failed to open schema at %s: %s", path, tops_err_msg(&lerr));
		tops_err_clear(&lerr);
		free(e->path);
		free(e->url);
		free(e);
		return NULL;
	}
	if (!e->schema)
		debug_log(v, "%s", tops_err_msg(&lerr));
	else
		debug_log(v, "using schema found at %s", path);
	tops_err_clear(&lerr);
	v->schemas = xrealloc(v->schemas, (v->nschemas + 1) * sizeof *v->schemas);
	v->schemas[v->nschemas++] = e;
	return e;
}

/* The cluster's schema for kind: 1 found (k->found), 0 missing, -1 failed (k->err). */
static int cluster_lookup(struct validator *v, struct kind_entry *k, const char *kind, const char *apiver)
{
	struct tops_err err = {0};
	bool missing = false;
	const char *url = NULL;
	const struct jsonschema *s = openapi_cluster_schema(v->opts.cluster, apiver, kind, v->opts.strict, &url,
							    &missing, &err);
	if (!s && !missing) {
		k->err = xasprintf("could not read the cluster's schema for %s %s: %s", apiver, kind, tops_err_msg(&err));
		tops_err_clear(&err);
		return -1;
	}
	if (!s) {
		debug_log(v, "the cluster has no schema for %s", kind);
		return 0;
	}
	struct schema_entry *e = xcalloc(1, sizeof *e);
	e->path = xstrdup(url);
	e->url = xstrdup(url);
	e->schema = (struct jsonschema *)s;
	e->borrowed = true;
	v->schemas = xrealloc(v->schemas, (v->nschemas + 1) * sizeof *v->schemas);
	v->schemas[v->nschemas++] = e;
	k->found = e;
	debug_log(v, "using the cluster's schema from %s", url);
	return 1;
}

/* Tries the cluster, then every location in order, like kubeconform: not found or not
 * parsable -> next one. */
static void kind_lookup(struct validator *v, struct kind_entry *k, const char *kind, const char *apiver)
{
	if (v->opts.cluster && cluster_lookup(v, k, kind, apiver) != 0)
		return;
	for (size_t i = 0; i < v->nlocations; i++) {
		struct strbuf path = STRBUF_INIT;
		struct tops_err err = {0};
		bool missing = false;
		struct schema_entry *e = NULL;
		if (schema_path(v, v->locations[i], kind, apiver, &path, &err) == 0)
			e = schema_load(v, sb_str(&path), &missing, &err);
		sb_done(&path);
		if (e && e->schema) {
			k->found = e;
			return;
		}
		if (!e && !missing && err.code) {
			k->err = xstrdup(tops_err_msg(&err));
			tops_err_clear(&err);
			return;
		}
		tops_err_clear(&err);
	}
}

static struct kind_entry *kind_get(struct validator *v, const char *kind, const char *apiver)
{
	char *key = xasprintf("%s\n%s", kind, apiver);
	for (size_t i = 0; i < v->nkinds; i++)
		if (strcmp(v->kinds[i].key, key) == 0) {
			free(key);
			return &v->kinds[i];
		}
	if (v->nkinds == v->kinds_cap) {
		v->kinds_cap = v->kinds_cap ? v->kinds_cap * 2 : 16;
		v->kinds = xrealloc(v->kinds, v->kinds_cap * sizeof *v->kinds);
	}
	struct kind_entry *k = &v->kinds[v->nkinds++];
	memset(k, 0, sizeof *k);
	k->key = key;
	kind_lookup(v, k, kind, apiver);
	return k;
}

/* ---- one document ---- */

static const char *str_at(const struct value *m, const char *key)
{
	const struct value *x = m && m->type == V_MAP ? value_map_get(m, key) : NULL;
	return x && x->type == V_STRING ? x->u.str.s : NULL;
}

static void sig_fill(struct validate_result *r, const struct value *obj)
{
	const struct value *md = obj && obj->type == V_MAP ? value_map_get(obj, "metadata") : NULL;
	const char *s;
	r->kind = xstrdup((s = str_at(obj, "kind")) ? s : "");
	r->version = xstrdup((s = str_at(obj, "apiVersion")) ? s : "");
	r->namespace_ = xstrdup((s = str_at(md, "namespace")) ? s : "");
	if ((s = str_at(md, "generateName")))
		r->name = xasprintf("%s{{ generateName }}", s);
	else
		r->name = xstrdup((s = str_at(md, "name")) ? s : "");
}

void validate_result_done(struct validate_result *r)
{
	free(r->path);
	free(r->kind);
	free(r->version);
	free(r->name);
	free(r->namespace_);
	free(r->err);
	for (size_t i = 0; i < r->nverrs; i++) {
		free(r->verrs[i].path);
		free(r->verrs[i].msg);
	}
	free(r->verrs);
	lint_report_done(&r->lint);
	memset(r, 0, sizeof *r);
}

static bool in_list(const char *const *list, const char *kind, const char *gvk)
{
	for (; list && *list; list++)
		if (strcmp(*list, kind) == 0 || strcmp(*list, gvk) == 0)
			return true;
	return false;
}

static void set_err(struct validate_result *r, enum validate_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(struct validate_result *r, enum validate_status st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(r->err);
	r->err = xvasprintf(fmt, ap);
	va_end(ap);
	r->status = st;
}

static void schema_check(struct validator *v, const struct value *obj, const struct schema_entry *e,
			 int line_offset, struct validate_result *r)
{
	struct jsonschema_result res = {0};
	struct tops_err err = {0};
	int rc = jsonschema_validate(e->schema, obj, &res, &err);
	if (rc < 0) {
		set_err(r, VAL_ERROR, "problem validating schema. Check JSON formatting: %s", tops_err_msg(&err));
	} else if (rc == 0) {
		r->status = VAL_VALID;
	} else {
		struct strbuf sb = STRBUF_INIT;
		char *joined = jsonschema_result_str(&res, " - ");
		sb_addf(&sb, "problem validating schema. Check JSON formatting: jsonschema validation failed with "
			"'%s#' - %s", e->url, joined);
		free(joined);
		r->verrs = xcalloc(res.nerrs, sizeof *r->verrs);
		for (size_t i = 0; i < res.nerrs; i++) {
			struct validate_verr *ve = &r->verrs[r->nverrs++];
			ve->path = xstrdup(res.errs[i].path);
			ve->msg = xstrdup(res.errs[i].msg);
			ve->line = res.errs[i].line ? res.errs[i].line + line_offset : 0;
			ve->col = res.errs[i].col;
		}
		r->status = VAL_INVALID;
		free(r->err);
		r->err = sb_detach(&sb, NULL);
	}
	tops_err_clear(&err);
	jsonschema_result_done(&res);
}

/* kubeconform's ValidateResource on an already parsed map. */
static void check_object(struct validator *v, const struct value *obj, int line_offset, struct validate_result *r)
{
	const char *kind = str_at(obj, "kind"), *apiver = str_at(obj, "apiVersion");
	if (!kind) {
		set_err(r, VAL_ERROR, "error while parsing: missing 'kind' key");
		return;
	}
	if (!apiver) {
		set_err(r, VAL_ERROR, "error while parsing: missing 'apiVersion' key");
		return;
	}
	char *gvk = xasprintf("%s/%s", apiver, kind);
	bool skip = in_list(v->opts.skip, kind, gvk), reject = in_list(v->opts.reject, kind, gvk);
	free(gvk);
	if (skip) {
		r->status = VAL_SKIPPED;
		return;
	}
	if (reject) {
		set_err(r, VAL_ERROR, "prohibited resource kind %s", kind);
		return;
	}
	struct kind_entry *k = kind_get(v, kind, apiver);
	if (k->err)
		set_err(r, VAL_ERROR, "%s", k->err);
	else if (!k->found && v->opts.ignore_missing_schemas)
		r->status = VAL_SKIPPED;
	else if (!k->found)
		set_err(r, VAL_ERROR, "could not find schema for %s", kind);
	else
		schema_check(v, obj, k->found, line_offset, r);
}

static void lint_maybe(struct validator *v, const struct value *obj, int line_offset, struct validate_result *r)
{
	if (v->opts.lint && obj && obj->type == V_MAP &&
	    (r->status == VAL_VALID || r->status == VAL_INVALID || r->status == VAL_SKIPPED))
		lint_object(obj, &v->opts.lint_opts, line_offset, &r->lint);
}

void validator_check_value(struct validator *v, const char *path, const struct value *obj,
			   struct validate_result *out)
{
	memset(out, 0, sizeof *out);
	out->path = xstrdup(path ? path : "");
	sig_fill(out, obj);
	if (!obj || obj->type == V_NULL) {
		out->status = VAL_EMPTY;
		return;
	}
	check_object(v, obj, 0, out);
	lint_maybe(v, obj, 0, out);
}

/* ---- streams ---- */

struct run {
	struct validator *v;
	const char *path;
	validate_cb cb;
	void *ud;
	size_t emitted;
};

static void emit(struct run *run, struct validate_result *r)
{
	run->cb(r, run->ud);
	run->emitted++;
	validate_result_done(r);
}

static const char *json_type_word(const struct value *d)
{
	switch (d->type) {
	case V_STRING: return "string";
	case V_LIST: return "array";
	case V_BOOL: return "bool";
	default: return "number";
	}
}

static void parse_error(struct validate_result *r, const struct yaml_errpos *pos, int line_offset)
{
	if (strstr(pos->problem, "already set in map"))
		set_err(r, VAL_ERROR, "error unmarshalling resource: error converting YAML to JSON: yaml: unmarshal "
			"errors:\n  line %d: %s", pos->go_line, pos->problem);
	else if (pos->go_line > 0)
		set_err(r, VAL_ERROR, "error unmarshalling resource: error converting YAML to JSON: yaml: line %d: %s",
			pos->go_line, pos->problem);
	else
		set_err(r, VAL_ERROR, "error unmarshalling resource: error converting YAML to JSON: yaml: %s",
			pos->problem);
	r->line = pos->line ? pos->line + line_offset : r->line;
}

static bool is_list_kind(const struct value *d)
{
	const char *kind = str_at(d, "kind");
	const struct value *items = value_map_get(d, "items");
	if (!kind)
		return false;
	if (strcasecmp(kind, "list") == 0)
		return true;
	return str_has_suffix(kind, "List") && items && items->type == V_LIST;
}

static void run_object(struct run *run, const struct value *obj, int first_line, int line_offset)
{
	struct validate_result r = {0};
	r.path = xstrdup(run->path);
	r.line = obj && obj->line ? obj->line + line_offset : first_line;
	sig_fill(&r, obj);
	if (!obj || obj->type == V_NULL) {
		r.status = VAL_EMPTY;
	} else if (obj->type != V_MAP) {
		set_err(&r, VAL_ERROR, "error unmarshalling resource: error unmarshaling JSON: while decoding JSON: "
			"json: cannot unmarshal %s into Go value of type map[string]interface {}", json_type_word(obj));
	} else {
		check_object(run->v, obj, line_offset, &r);
		lint_maybe(run->v, obj, line_offset, &r);
	}
	emit(run, &r);
}

/* One document chunk: parse (strictly when asked), unwrap Lists, validate. */
static void run_chunk(struct run *run, const char *text, size_t len, int first_line)
{
	if (len == 0) {
		struct validate_result r = {.status = VAL_EMPTY, .path = xstrdup(run->path), .line = first_line};
		sig_fill(&r, NULL);
		emit(run, &r);
		return;
	}
	struct yaml_opts yo = {.strict_dup_keys = run->v->opts.strict};
	struct yaml_errpos pos = {0};
	struct tops_err err = {0};
	struct value *doc = yaml_load(text, len, run->path, &yo, &pos, &err);
	int off = first_line - 1;
	if (!doc) {
		struct validate_result r = {.path = xstrdup(run->path), .line = first_line};
		struct yaml_opts lenient = {0};
		struct value *loose = yaml_load(text, len, run->path, &lenient, NULL, NULL);
		sig_fill(&r, loose);
		value_unref(loose);
		parse_error(&r, &pos, off);
		tops_err_clear(&err);
		emit(run, &r);
		return;
	}
	if (doc->type == V_MAP && is_list_kind(doc)) {
		const struct value *items = value_map_get(doc, "items");
		for (size_t i = 0; items && items->type == V_LIST && i < items->u.list.len; i++)
			run_object(run, items->u.list.items[i], first_line, off);
	} else {
		run_object(run, doc, first_line, off);
	}
	value_unref(doc);
}

/* kubeconform splits on "\n---" and drops the rest of the separator line. */
void validator_run_text(struct validator *v, const char *path, const char *text, size_t len,
			bool count_empty, validate_cb cb, void *ud)
{
	struct run run = {.v = v, .path = path, .cb = cb, .ud = ud};
	size_t pos = 0;
	int line = 1;
	while (pos < len) {
		const char *sep = memmem(text + pos, len - pos, "\n---", 4);
		size_t end = sep ? (size_t)(sep - text) : len;
		run_chunk(&run, text + pos, end - pos, line);
		for (size_t i = pos; i < end; i++)
			line += text[i] == '\n';
		if (!sep)
			break;
		const char *nl = memchr(sep + 4, '\n', len - (end + 4));
		line += 2; /* the newline before "---" and the one ending the separator line */
		pos = nl ? (size_t)(nl - text) + 1 : len;
	}
	if (run.emitted == 0 && count_empty) {
		struct validate_result r = {.status = VAL_EMPTY, .path = xstrdup(path)};
		sig_fill(&r, NULL);
		emit(&run, &r);
	}
}

/* ---- files and directories ---- */

static void discovery_error(const char *path, const char *fmt, const char *arg, int e, validate_cb cb,
			    void *ud)
{
	struct validate_result r = {.status = VAL_ERROR, .path = xstrdup(path)};
	sig_fill(&r, NULL);
	char *why = xstrdup(strerror(e));
	if (why[0] >= 'A' && why[0] <= 'Z' && !(why[1] >= 'A' && why[1] <= 'Z'))
		why[0] = (char)(why[0] - 'A' + 'a'); /* Go's wording: "no such file or directory" */
	r.err = xasprintf(fmt, arg, why);
	free(why);
	cb(&r, ud);
	validate_result_done(&r);
}

static bool is_manifest_name(const char *name)
{
	size_t n = strlen(name);
	char *l = lower(name, n);
	bool ok = str_has_suffix(l, ".yaml") || str_has_suffix(l, ".yml") || str_has_suffix(l, ".json");
	free(l);
	return ok;
}

static bool ignored(const struct validator *v, const char *path)
{
	for (size_t i = 0; i < v->nignore; i++) {
		pcre2_match_data *md = pcre2_match_data_create_from_pattern(v->ignore[i], NULL);
		int rc = pcre2_match(v->ignore[i], (PCRE2_SPTR)path, PCRE2_ZERO_TERMINATED, 0, 0, md, NULL);
		pcre2_match_data_free(md);
		if (rc >= 0)
			return true;
	}
	return false;
}

static void run_file(struct validator *v, const char *path, validate_cb cb, void *ud)
{
	if (!is_manifest_name(path) || ignored(v, path))
		return;
	char *text;
	size_t len;
	struct tops_err err = {0};
	if (read_file(path, 0, &text, &len, &err) < 0) {
		discovery_error(path, "open %s: %s", path, errno ? errno : EIO, cb, ud);
		tops_err_clear(&err);
		return;
	}
	validator_run_text(v, path, text, len, true, cb, ud);
	free(text);
}

static int name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void walk(struct validator *v, const char *path, int depth, validate_cb cb, void *ud)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		discovery_error(path, "lstat %s: %s", path, errno, cb, ud);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		run_file(v, path, cb, ud);
		return;
	}
	struct dirent **ents;
	int n = depth > 64 ? -1 : scandir(path, &ents, NULL, name_cmp);
	if (n < 0) {
		discovery_error(path, "open %s: %s", path, errno ? errno : ELOOP, cb, ud);
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *nm = ents[i]->d_name;
		if (strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0) {
			char *child = str_has_suffix(path, "/") ? xasprintf("%s%s", path, nm) : xasprintf("%s/%s", path, nm);
			walk(v, child, depth + 1, cb, ud);
			free(child);
		}
		free(ents[i]);
	}
	free(ents);
}

void validator_run_paths(struct validator *v, const char *const *paths, size_t npaths, validate_cb cb, void *ud)
{
	for (size_t i = 0; i < npaths; i++)
		walk(v, paths[i], 0, cb, ud);
}
