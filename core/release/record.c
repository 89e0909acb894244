#include "core/release/record.h"

#include "core/base/base64.h"
#include "core/base/gzip.h"
#include "core/base/timefmt.h"
#include "core/release/obj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_MAX (1u << 20)            /* the API's limit on a Secret's or ConfigMap's data */
#define DECODED_MAX ((size_t)256 << 20)  /* a record's JSON; far past anything 1 MiB unpacks to
					  * but for a gzip bomb */
#define GO_ZERO_TIME (-62135596800LL)   /* 0001-01-01T00:00:00Z in Unix seconds */

static const char *const status_names[] = {
	[RS_UNKNOWN] = "unknown", [RS_DEPLOYED] = "deployed", [RS_UNINSTALLED] = "uninstalled",
	[RS_SUPERSEDED] = "superseded", [RS_FAILED] = "failed", [RS_UNINSTALLING] = "uninstalling",
	[RS_PENDING_INSTALL] = "pending-install", [RS_PENDING_UPGRADE] = "pending-upgrade",
	[RS_PENDING_ROLLBACK] = "pending-rollback",
};

/* The labels helm's drivers set themselves; the rest of a storage object's labels are the
 * release's own. */
static const char *const system_labels[] = {"name", "owner", "status", "version", "createdAt",
					    "modifiedAt"};

const char *release_status_str(enum release_status st)
{
	return (size_t)st < ARRAY_LEN(status_names) ? status_names[st] : "unknown";
}

enum release_status release_status_parse(const char *s)
{
	for (size_t i = 1; s && i < ARRAY_LEN(status_names); i++)
		if (!strcmp(s, status_names[i]))
			return (enum release_status)i;
	return RS_UNKNOWN;
}

char *release_key(const char *name, int version)
{
	return xasprintf("sh.helm.release.v1.%s.v%d", name ? name : "", version);
}

/* ---- free and copy ---- */

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void hook_done(struct release_hook *h)
{
	free(h->name), free(h->kind), free(h->path), free(h->manifest), free(h->last_phase);
	free_strv(h->events, h->nevents);
	free_strv(h->delete_policies, h->ndelete);
	free_strv(h->output_log_policies, h->noutput_log);
}

void release_free(struct release *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nhooks; i++)
		hook_done(&r->hooks[i]);
	free(r->hooks);
	free(r->name), free(r->namespace_), free(r->manifest);
	free(r->info.description), free(r->info.notes);
	value_unref(r->chart), value_unref(r->config), value_unref(r->labels);
	free(r);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static char **strv_copy(char *const *v, size_t n)
{
	char **out = xcalloc(n + 1, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = dup_or_null(v[i]);
	return out;
}

static void hook_copy(struct release_hook *d, const struct release_hook *s)
{
	*d = *s;
	d->name = dup_or_null(s->name), d->kind = dup_or_null(s->kind);
	d->path = dup_or_null(s->path), d->manifest = dup_or_null(s->manifest);
	d->last_phase = dup_or_null(s->last_phase);
	d->events = strv_copy(s->events, s->nevents);
	d->delete_policies = strv_copy(s->delete_policies, s->ndelete);
	d->output_log_policies = strv_copy(s->output_log_policies, s->noutput_log);
}

struct release *release_copy(const struct release *r)
{
	struct release *c = xcalloc(1, sizeof *c);
	*c = *r;
	c->name = dup_or_null(r->name), c->namespace_ = dup_or_null(r->namespace_);
	c->manifest = dup_or_null(r->manifest);
	c->info.description = dup_or_null(r->info.description);
	c->info.notes = dup_or_null(r->info.notes);
	c->chart = r->chart ? value_copy(r->chart) : NULL;
	c->config = r->config ? value_copy(r->config) : NULL;
	c->labels = r->labels ? value_copy(r->labels) : NULL;
	c->hooks = xcalloc(r->nhooks + 1, sizeof *c->hooks);
	for (size_t i = 0; i < r->nhooks; i++)
		hook_copy(&c->hooks[i], &r->hooks[i]);
	return c;
}

/* ---- the record as a value tree (helm's omitempty rules) ---- */

static bool time_zero(const struct release_time *t)
{
	return !t->sec && !t->nsec;
}

/* helm's pkg/time.Time: "" for the zero time, else time.Time's RFC3339Nano. */
static struct value *time_value(const struct release_time *t)
{
	struct strbuf sb = STRBUF_INIT;
	if (!time_zero(t))
		time_format_rfc3339nano(&sb, t->sec, t->nsec, t->off);
	size_t n = sb.len;
	return value_str_own(sb_detach(&sb, NULL), n);
}

static void put_str(struct value *m, const char *k, const char *s)
{
	if (s && *s) /* omitempty */
		value_map_set(m, k, value_str(s));
}

static void put_strv(struct value *m, const char *k, char *const *v, size_t n)
{
	if (!n) /* omitempty */
		return;
	struct value *l = value_list();
	for (size_t i = 0; i < n; i++)
		value_list_push(l, value_str(v[i] ? v[i] : ""));
	value_map_set(m, k, l);
}

static struct value *hook_value(const struct release_hook *h)
{
	struct value *m = value_map(), *run = value_map();
	put_str(m, "name", h->name);
	put_str(m, "kind", h->kind);
	put_str(m, "path", h->path);
	put_str(m, "manifest", h->manifest);
	put_strv(m, "events", h->events, h->nevents);
	value_map_set(run, "started_at", time_value(&h->started_at));
	value_map_set(run, "completed_at", time_value(&h->completed_at));
	value_map_set(run, "phase", value_str(h->last_phase ? h->last_phase : ""));
	value_map_set(m, "last_run", run); /* a struct: omitempty never omits it */
	if (h->weight)
		value_map_set(m, "weight", value_int(h->weight));
	put_strv(m, "delete_policies", h->delete_policies, h->ndelete);
	put_strv(m, "output_log_policies", h->output_log_policies, h->noutput_log);
	return m;
}

static struct value *info_value(const struct release *r)
{
	struct value *m = value_map();
	value_map_set(m, "first_deployed", time_value(&r->info.first_deployed));
	value_map_set(m, "last_deployed", time_value(&r->info.last_deployed));
	value_map_set(m, "deleted", time_value(&r->info.deleted));
	put_str(m, "description", r->info.description);
	value_map_set(m, "status", value_str(release_status_str(r->info.status)));
	put_str(m, "notes", r->info.notes);
	return m;
}

static struct value *release_value(const struct release *r)
{
	struct value *m = value_map();
	put_str(m, "name", r->name);
	value_map_set(m, "info", info_value(r));
	if (r->chart && r->chart->type != V_NULL)
		value_map_set(m, "chart", value_ref(r->chart));
	if (r->config && r->config->type == V_MAP && r->config->u.map.len)
		value_map_set(m, "config", value_ref(r->config));
	put_str(m, "manifest", r->manifest);
	if (r->nhooks) {
		struct value *l = value_list();
		for (size_t i = 0; i < r->nhooks; i++)
			value_list_push(l, hook_value(&r->hooks[i]));
		value_map_set(m, "hooks", l);
	}
	if (r->version)
		value_map_set(m, "version", value_int(r->version));
	put_str(m, "namespace", r->namespace_);
	return m;
}

/* ---- JSON in Go's order ---- */

/* A Go struct's JSON fields in declaration order, which is the order encoding/json writes them
 * in; sub is the shape of the field's value (or of each element of a list). Keys a shape does not
 * name (a newer helm's, say) follow in sorted order, as do all keys of Go maps (no shape). */
struct field {
	const char *key;
	const struct field *sub;
};

static const struct field f_file[] = {{"name", NULL}, {"data", NULL}, {NULL, NULL}};
static const struct field f_maintainer[] = {{"name", NULL}, {"email", NULL}, {"url", NULL}, {NULL, NULL}};
static const struct field f_dependency[] = {
	{"name", NULL}, {"version", NULL}, {"repository", NULL}, {"condition", NULL}, {"tags", NULL},
	{"enabled", NULL}, {"import-values", NULL}, {"export-values", NULL}, {"alias", NULL}, {NULL, NULL}};
static const struct field f_metadata[] = {
	{"name", NULL}, {"home", NULL}, {"sources", NULL}, {"version", NULL}, {"description", NULL},
	{"keywords", NULL}, {"maintainers", f_maintainer}, {"icon", NULL}, {"apiVersion", NULL},
	{"condition", NULL}, {"tags", NULL}, {"appVersion", NULL}, {"deprecated", NULL},
	{"annotations", NULL}, {"kubeVersion", NULL}, {"dependencies", f_dependency}, {"type", NULL},
	{NULL, NULL}};
static const struct field f_lock[] = {{"generated", NULL}, {"digest", NULL},
				      {"dependencies", f_dependency}, {NULL, NULL}};
static const struct field f_chart[] = {
	{"metadata", f_metadata}, {"lock", f_lock}, {"templates", f_file}, {"values", NULL},
	{"schema", NULL}, {"files", f_file}, {NULL, NULL}};
static const struct field f_run[] = {{"started_at", NULL}, {"completed_at", NULL}, {"phase", NULL},
				     {NULL, NULL}};
static const struct field f_hook[] = {
	{"name", NULL}, {"kind", NULL}, {"path", NULL}, {"manifest", NULL}, {"events", NULL},
	{"last_run", f_run}, {"weight", NULL}, {"delete_policies", NULL},
	{"output_log_policies", NULL}, {NULL, NULL}};
static const struct field f_info[] = {
	{"first_deployed", NULL}, {"last_deployed", NULL}, {"deleted", NULL}, {"description", NULL},
	{"status", NULL}, {"notes", NULL}, {NULL, NULL}};
static const struct field f_release[] = {
	{"name", NULL}, {"info", f_info}, {"chart", f_chart}, {"config", NULL}, {"manifest", NULL},
	{"hooks", f_hook}, {"version", NULL}, {"namespace", NULL}, {NULL, NULL}};

/* The length of the valid UTF-8 sequence at p (n bytes left), or 0 when it is not one: overlong
 * forms, surrogates and code points past U+10FFFF are not, as Go's utf8 package says. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t w = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
	if (!w || c > 0xf4 || w > n)
		return 0;
	for (size_t k = 1; k < w; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f) || (c == 0xf0 && p[1] < 0x90) ||
	    (c == 0xf4 && p[1] > 0x8f))
		return 0;
	return w;
}

/* The escape Go's encoding/json writes for byte c (HTML-safe), or NULL when c goes as it is. */
static const char *ascii_escape(unsigned char c, char buf[8])
{
	static const char *const named[128] = {['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n",
		['\r'] = "\\r", ['\t'] = "\\t", ['<'] = "\\u003c", ['>'] = "\\u003e", ['&'] = "\\u0026"};
	if (named[c])
		return named[c];
	if (c >= 0x20)
		return NULL;
	snprintf(buf, 8, "\\u%04x", c);
	return buf;
}

/* A JSON string as Go writes it: <, > and & escaped, U+2028 and U+2029 escaped, each byte of
 * invalid UTF-8 written as U+FFFD. Safe runs are copied whole: manifests are megabytes. */
static void go_string(struct strbuf *sb, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t run = 0, i = 0;
	sb_grow(sb, n + 2);
	sb_addc(sb, '"');
	while (i < n) {
		char buf[8];
		const char *esc = NULL;
		size_t w = 1;
		if (s[i] < 0x80) {
			esc = ascii_escape(s[i], buf);
		} else if (!(w = utf8_seq(s + i, n - i))) {
			esc = "\xef\xbf\xbd", w = 1;
		} else if (w == 3 && s[i] == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] | 1) == 0xa9) {
			esc = s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
		}
		if (esc) {
			sb_add(sb, s + run, i - run);
			sb_adds(sb, esc);
			run = i + w;
		}
		i += w;
	}
	sb_add(sb, s + run, n - run);
	sb_addc(sb, '"');
}

static void emit(struct strbuf *sb, const struct value *v, const struct field *shape);

static bool shape_has(const struct field *shape, const char *key)
{
	for (; shape && shape->key; shape++)
		if (!strcmp(shape->key, key))
			return true;
	return false;
}

static void emit_member(struct strbuf *sb, bool *first, const char *key, const struct value *v,
			const struct field *sub)
{
	if (!*first)
		sb_addc(sb, ',');
	*first = false;
	go_string(sb, key, strlen(key));
	sb_addc(sb, ':');
	emit(sb, v, sub);
}

static void emit_map(struct strbuf *sb, const struct value *m, const struct field *shape)
{
	bool first = true;
	sb_addc(sb, '{');
	for (const struct field *f = shape; f && f->key; f++) {
		const struct value *v = value_map_get(m, f->key);
		if (v)
			emit_member(sb, &first, f->key, v, f->sub);
	}
	for (size_t i = 0; i < m->u.map.len; i++) /* kept sorted: Go's order for maps */
		if (!shape_has(shape, m->u.map.e[i].key))
			emit_member(sb, &first, m->u.map.e[i].key, m->u.map.e[i].val, NULL);
	sb_addc(sb, '}');
}

static void emit(struct strbuf *sb, const struct value *v, const struct field *shape)
{
	switch (v ? v->type : V_NULL) {
	case V_BOOL: sb_adds(sb, v->u.b ? "true" : "false"); break;
	case V_INT: sb_addf(sb, "%lld", (long long)v->u.i); break;
	case V_FLOAT: value_json_float(sb, v->u.f); break;
	case V_STRING: go_string(sb, v->u.str.s, v->u.str.len); break;
	case V_MAP: emit_map(sb, v, shape); break;
	case V_LIST:
		sb_addc(sb, '[');
		for (size_t i = 0; i < v->u.list.len; i++) {
			if (i)
				sb_addc(sb, ',');
			emit(sb, v->u.list.items[i], shape);
		}
		sb_addc(sb, ']');
		break;
	default: sb_adds(sb, "null"); break;
	}
}

char *release_to_json(const struct release *r)
{
	struct value *v = release_value(r);
	struct strbuf sb = STRBUF_INIT;
	sb_grow(&sb, (r->manifest ? strlen(r->manifest) : 0) + 4096);
	emit(&sb, v, f_release);
	value_unref(v);
	return sb_detach(&sb, NULL);
}

/* ---- from JSON ---- */

struct reader {
	struct tops_err *err;
	int rc;
	const char *where;   /* the object being read, for error messages: "", "info.", "hooks[2]." */
};

static const char *type_words(const struct value *v)
{
	static const char *const words[] = {[V_NULL] = "null", [V_BOOL] = "a boolean",
		[V_INT] = "a number", [V_FLOAT] = "a number", [V_STRING] = "a string",
		[V_LIST] = "a list", [V_MAP] = "an object", [V_OBJECT] = "an object"};
	return v->type < ARRAY_LEN(words) ? words[v->type] : "something else";
}

static int wrong_type(struct reader *rd, const char *key, const struct value *v, const char *want)
{
	const char *what = v->type == V_FLOAT && !strcmp(want, "an integer") ? "a fractional number" :
			   type_words(v);
	rd->rc = tops_err_set(rd->err, TOPS_EINVAL, "json: release field %s%s is %s, not %s", rd->where,
			      key, what, want);
	return rd->rc;
}

/* m's member key when it has type want; NULL when absent or null (Go leaves the zero value), and
 * an error when it is something else. */
static const struct value *field(struct reader *rd, const struct value *m, const char *key,
				 enum vtype want)
{
	static const char *const want_words[] = {[V_INT] = "an integer", [V_STRING] = "a string",
		[V_LIST] = "a list", [V_MAP] = "an object"};
	const struct value *v = rd->rc ? NULL : value_map_get(m, key);
	if (!v || v->type == V_NULL)
		return NULL;
	if (v->type != want) {
		wrong_type(rd, key, v, want_words[want]);
		return NULL;
	}
	return v;
}

static char *str_of(struct reader *rd, const struct value *m, const char *key)
{
	const struct value *v = field(rd, m, key, V_STRING);
	return v ? xstrndup(v->u.str.s, v->u.str.len) : NULL;
}

static int int_of(struct reader *rd, const struct value *m, const char *key)
{
	const struct value *v = field(rd, m, key, V_INT);
	if (v && (v->u.i > INT32_MAX || v->u.i < INT32_MIN)) {
		rd->rc = tops_err_set(rd->err, TOPS_EINVAL, "json: release field %s%s is %lld, out of "
				      "range", rd->where, key, (long long)v->u.i);
		return 0;
	}
	return v ? (int)v->u.i : 0;
}

static struct release_time time_of(struct reader *rd, const struct value *m, const char *key)
{
	struct release_time t = {0};
	const struct value *v = field(rd, m, key, V_STRING);
	if (!v || !v->u.str.len)
		return t; /* helm v3 writes the zero time as "" */
	if (time_parse_rfc3339_ns(v->u.str.s, &t.sec, &t.nsec, &t.off) < 0) {
		rd->rc = tops_err_set(rd->err, TOPS_EINVAL, "json: release field %s%s: \"%.40s\" is not an "
				      "RFC 3339 time", rd->where, key, v->u.str.s);
		return (struct release_time){0};
	}
	if (t.sec == GO_ZERO_TIME && !t.nsec)
		t = (struct release_time){0}; /* Go's zero time as helm v4 or stdlib time.Time writes it */
	return t;
}

static char **strv_of(struct reader *rd, const struct value *m, const char *key, size_t *n)
{
	const struct value *l = field(rd, m, key, V_LIST);
	*n = 0;
	if (!l)
		return NULL;
	char **out = xcalloc(l->u.list.len + 1, sizeof *out);
	for (size_t i = 0; i < l->u.list.len && !rd->rc; i++) {
		const struct value *e = l->u.list.items[i];
		if (e->type != V_STRING && e->type != V_NULL) {
			char *k = xasprintf("%s[%zu]", key, i);
			wrong_type(rd, k, e, "a string");
			free(k);
			break;
		}
		out[(*n)++] = xstrdup(e->type == V_STRING ? e->u.str.s : "");
	}
	return out;
}

static void read_hook(struct reader *rd, const struct value *m, struct release_hook *h)
{
	h->name = str_of(rd, m, "name");
	h->kind = str_of(rd, m, "kind");
	h->path = str_of(rd, m, "path");
	h->manifest = str_of(rd, m, "manifest");
	h->events = strv_of(rd, m, "events", &h->nevents);
	h->weight = int_of(rd, m, "weight");
	h->delete_policies = strv_of(rd, m, "delete_policies", &h->ndelete);
	h->output_log_policies = strv_of(rd, m, "output_log_policies", &h->noutput_log);
	const struct value *run = field(rd, m, "last_run", V_MAP);
	if (!run)
		return;
	const char *outer = rd->where;
	char *where = xasprintf("%slast_run.", outer);
	rd->where = where;
	h->started_at = time_of(rd, run, "started_at");
	h->completed_at = time_of(rd, run, "completed_at");
	h->last_phase = str_of(rd, run, "phase");
	rd->where = outer;
	free(where);
}

static void read_hooks(struct reader *rd, const struct value *m, struct release *r)
{
	const struct value *hooks = field(rd, m, "hooks", V_LIST);
	size_t n = hooks ? hooks->u.list.len : 0;
	r->hooks = xcalloc(n + 1, sizeof *r->hooks);
	for (size_t i = 0; i < n && !rd->rc; i++) {
		const struct value *h = hooks->u.list.items[i];
		char *where = xasprintf("hooks[%zu]", i);
		if (h->type == V_MAP) {
			char *dotted = xasprintf("%s.", where);
			rd->where = dotted;
			read_hook(rd, h, &r->hooks[r->nhooks++]);
			rd->where = "";
			free(dotted);
		} else if (h->type != V_NULL) {
			wrong_type(rd, where, h, "an object");
		}
		free(where);
	}
}

static void read_info(struct reader *rd, const struct value *m, struct release *r)
{
	const struct value *info = field(rd, m, "info", V_MAP);
	if (!info)
		return;
	rd->where = "info.";
	r->info.first_deployed = time_of(rd, info, "first_deployed");
	r->info.last_deployed = time_of(rd, info, "last_deployed");
	r->info.deleted = time_of(rd, info, "deleted");
	r->info.description = str_of(rd, info, "description");
	r->info.notes = str_of(rd, info, "notes");
	char *st = str_of(rd, info, "status");
	r->info.status = release_status_parse(st);
	free(st);
	rd->where = "";
}

static void read_release(struct reader *rd, const struct value *m, struct release *r)
{
	r->name = str_of(rd, m, "name");
	read_info(rd, m, r);
	const struct value *c = field(rd, m, "chart", V_MAP), *cfg = field(rd, m, "config", V_MAP);
	r->chart = c ? value_ref((struct value *)c) : NULL;
	r->config = cfg ? value_ref((struct value *)cfg) : NULL;
	r->manifest = str_of(rd, m, "manifest");
	read_hooks(rd, m, r);
	r->version = int_of(rd, m, "version");
	r->namespace_ = str_of(rd, m, "namespace");
}

int release_from_json(const char *json, size_t len, struct release **out, struct tops_err *err)
{
	*out = NULL;
	struct value *v = value_from_json(json, len, err);
	if (!v)
		return tops_err_prefix(err, "json");
	if (v->type != V_MAP) {
		int rc = tops_err_set(err, TOPS_EINVAL, "json: a release record is an object, not %s",
				      type_words(v));
		value_unref(v);
		return rc;
	}
	struct reader rd = {.err = err, .where = ""};
	struct release *r = xcalloc(1, sizeof *r);
	read_release(&rd, v, r);
	value_unref(v);
	if (rd.rc) {
		release_free(r);
		return rd.rc;
	}
	*out = r;
	return 0;
}

/* ---- encoding ---- */

char *release_encode(const struct release *r)
{
	char *json = release_to_json(r);
	struct strbuf gz = STRBUF_INIT, b64 = STRBUF_INIT;
	struct tops_err err = {0};
	if (gzip_compress(json, strlen(json), &gz, &err) < 0) {
		fprintf(stderr, "tops: %s\n", tops_err_msg(&err));
		abort(); /* zlib fails only without memory, and allocation failure aborts everywhere */
	}
	free(json);
	sb_grow(&b64, gz.len / 3 * 4 + 8);
	base64_encode(&b64, gz.buf, gz.len);
	sb_done(&gz);
	return sb_detach(&b64, NULL);
}

/* The layers under base64: gzip when its magic is there (helm's test), then JSON. */
static int decode_payload(const char *raw, size_t len, struct release **out, struct tops_err *err)
{
	if (!gzip_is(raw, len))
		return release_from_json(raw, len, out, err);
	char *json = NULL;
	size_t jlen = 0;
	int rc = gzip_decompress(raw, len, DECODED_MAX, &json, &jlen, err);
	if (rc == 0)
		rc = release_from_json(json, jlen, out, err);
	free(json);
	return rc;
}

int release_decode(const char *text, size_t len, struct release **out, struct tops_err *err)
{
	char *raw = NULL;
	size_t rawlen = 0;
	*out = NULL;
	if (base64_decode(text, len, &raw, &rawlen) < 0)
		return tops_err_set(err, TOPS_EINVAL, "base64: the release data is not base64 "
				    "(a byte outside the alphabet)");
	int rc = decode_payload(raw, rawlen, out, err);
	free(raw);
	return rc;
}

/* ---- storage objects ---- */

static bool is_system_label(const char *k)
{
	for (size_t i = 0; i < ARRAY_LEN(system_labels); i++)
		if (!strcmp(k, system_labels[i]))
			return true;
	return false;
}

/* helm's newSecretsObject/newConfigMapsObject: the release's labels, then helm's over them. */
static void set_labels(struct value *o, const struct release *r, bool create)
{
	const struct value *own = r->labels;
	for (size_t i = 0; own && own->type == V_MAP && i < own->u.map.len; i++) {
		const struct value *v = own->u.map.e[i].val;
		if (v->type == V_STRING && !is_system_label(own->u.map.e[i].key))
			obj_set_str_in(o, "metadata.labels", own->u.map.e[i].key, v->u.str.s);
	}
	char *ver = xasprintf("%d", r->version), *now = xasprintf("%lld", (long long)now_wall());
	const char *labels[][2] = {{"name", r->name ? r->name : ""}, {"owner", "helm"},
				   {"status", release_status_str(r->info.status)}, {"version", ver},
				   {create ? "createdAt" : "modifiedAt", now}};
	for (size_t i = 0; i < ARRAY_LEN(labels); i++)
		obj_set_str_in(o, "metadata.labels", labels[i][0], labels[i][1]);
	free(ver), free(now);
}

static struct value *storage_object(const struct release *r, bool create, bool secret, char *data,
				    size_t len)
{
	struct value *o = value_map();
	char *name = release_key(r->name, r->version);
	value_map_set(o, "apiVersion", value_str("v1"));
	value_map_set(o, "kind", value_str(secret ? "Secret" : "ConfigMap"));
	obj_set_str_in(o, "metadata", "name", name);
	if (r->namespace_ && *r->namespace_)
		obj_set_str_in(o, "metadata", "namespace", r->namespace_);
	set_labels(o, r, create);
	if (secret)
		value_map_set(o, "type", value_str("helm.sh/release.v1"));
	value_map_set(obj_map(o, "data"), "release", value_str_own(data, len));
	free(name);
	return o;
}

struct value *release_to_secret(const struct release *r, bool create)
{
	char *enc = release_encode(r);
	struct strbuf sb = STRBUF_INIT;
	base64_encode(&sb, enc, strlen(enc)); /* Secret data is bytes: base64 on the wire */
	free(enc);
	size_t len = sb.len;
	return storage_object(r, create, true, sb_detach(&sb, NULL), len);
}

struct value *release_to_configmap(const struct release *r, bool create)
{
	char *enc = release_encode(r);
	return storage_object(r, create, false, enc, strlen(enc));
}

/* Which driver wrote obj: its kind; in a List's items (no kind), a Secret's type; else the data:
 * a ConfigMap's text unwraps to gzip or JSON at once, a Secret's to more base64. */
static bool written_as_secret(const struct value *obj, const char *raw, size_t len)
{
	const char *kind = obj_str(obj, "kind");
	if (kind)
		return !strcmp(kind, "Secret");
	if (obj_str(obj, "type"))
		return true;
	return !gzip_is(raw, len) && !(len && raw[0] == '{');
}

static struct value *own_labels(const struct value *obj)
{
	const struct value *l = value_map_path(obj, "metadata.labels");
	struct value *out = NULL;
	for (size_t i = 0; l && l->type == V_MAP && i < l->u.map.len; i++) {
		const struct vmap_entry *e = &l->u.map.e[i];
		if (e->val->type != V_STRING || is_system_label(e->key))
			continue;
		out = out ? out : value_map();
		value_map_set(out, e->key, value_ref(e->val));
	}
	return out;
}

int release_from_object(const struct value *obj, struct release **out, struct tops_err *err)
{
	const struct value *d = value_map_path(obj, "data.release");
	*out = NULL;
	if (!d || d->type != V_STRING)
		return tops_err_set(err, TOPS_EINVAL, "the object has no data.release string");
	char *raw = NULL;
	size_t len = 0;
	if (base64_decode(d->u.str.s, d->u.str.len, &raw, &len) < 0)
		return tops_err_set(err, TOPS_EINVAL, "base64: data.release is not base64 (a byte "
				    "outside the alphabet)");
	int rc = written_as_secret(obj, raw, len) ? release_decode(raw, len, out, err)
						  : decode_payload(raw, len, out, err);
	free(raw);
	if (rc == 0)
		(*out)->labels = own_labels(obj);
	return rc;
}

/* ---- size ---- */

struct part {
	const char *what;
	size_t bytes;
};

/* The bytes a (padded) base64 string holds. */
static size_t base64_bytes(const struct value *d)
{
	if (!d || d->type != V_STRING || d->u.str.len < 4)
		return 0;
	const char *end = d->u.str.s + d->u.str.len;
	return d->u.str.len / 4 * 3 - (end[-1] == '=') - (end[-2] == '=');
}

/* Bytes of a chart's file list (decoded), and its largest file. */
static size_t files_bytes(const struct value *chart, const char *key, const char **big, size_t *bigsz)
{
	const struct value *l = value_map_get(chart, key);
	size_t n = 0;
	for (size_t i = 0; l && l->type == V_LIST && i < l->u.list.len; i++) {
		const struct value *f = l->u.list.items[i];
		size_t sz = base64_bytes(value_map_get(f, "data"));
		const char *name = obj_str(f, "name");
		if (sz > *bigsz && name)
			*big = name, *bigsz = sz;
		n += sz;
	}
	return n;
}

static size_t json_bytes(const struct value *v)
{
	if (!v || v->type == V_NULL)
		return 0;
	char *s = value_to_json(v, false, false);
	size_t n = strlen(s);
	free(s);
	return n;
}

static int by_size(const void *a, const void *b)
{
	const struct part *x = a, *y = b;
	return (x->bytes < y->bytes) - (x->bytes > y->bytes);
}

/* "manifest 1200000 bytes, chart templates 300, ..." largest first, then the largest file. */
static void describe_parts(struct strbuf *sb, const struct release *r)
{
	const char *big = NULL;
	size_t bigsz = 0, hooks = 0;
	for (size_t i = 0; i < r->nhooks; i++)
		hooks += r->hooks[i].manifest ? strlen(r->hooks[i].manifest) : 0;
	struct part parts[] = {
		{"manifest", r->manifest ? strlen(r->manifest) : 0},
		{"chart templates", files_bytes(r->chart, "templates", &big, &bigsz)},
		{"chart files", files_bytes(r->chart, "files", &big, &bigsz)},
		{"chart values", json_bytes(value_map_get(r->chart, "values")) +
				 base64_bytes(value_map_get(r->chart, "schema"))},
		{"user values", json_bytes(r->config)},
		{"hook manifests", hooks},
		{"notes", r->info.notes ? strlen(r->info.notes) : 0},
	};
	qsort(parts, ARRAY_LEN(parts), sizeof *parts, by_size);
	for (size_t i = 0, n = 0; i < ARRAY_LEN(parts); i++)
		if (parts[i].bytes)
			sb_addf(sb, "%s%s %zu bytes", n++ ? ", " : "", parts[i].what, parts[i].bytes);
	if (big)
		sb_addf(sb, "; the largest chart file is %s (%zu bytes)", big, bigsz);
}

int release_size_check(const struct release *r, struct tops_err *err)
{
	char *enc = release_encode(r);
	size_t size = strlen(enc);
	free(enc);
	if (size <= RECORD_MAX)
		return 0;
	struct strbuf sb = STRBUF_INIT;
	describe_parts(&sb, r);
	int rc = tops_err_set(err, TOPS_ETOOBIG,
			      "release %s v%d: the record would be %zu bytes (gzip'd and base64'd), over "
			      "the API's limit of %u bytes for a Secret's or ConfigMap's data; before "
			      "compression: %s. Leave large files out of the chart (.helmignore), or split "
			      "the release", r->name ? r->name : "", r->version, size, RECORD_MAX, sb_str(&sb));
	sb_done(&sb);
	return rc;
}
