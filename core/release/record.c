#include "core/release/record.h"

#include "core/base/base64.h"
#include "core/base/tar.h"
#include "core/base/timefmt.h"
#include "core/release/obj.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define RECORD_MAX (1u << 20)   /* the API's limit on a Secret's or ConfigMap's data */

static const char *const status_names[] = {
	[RS_UNKNOWN] = "unknown", [RS_DEPLOYED] = "deployed", [RS_UNINSTALLED] = "uninstalled",
	[RS_SUPERSEDED] = "superseded", [RS_FAILED] = "failed", [RS_UNINSTALLING] = "uninstalling",
	[RS_PENDING_INSTALL] = "pending-install", [RS_PENDING_UPGRADE] = "pending-upgrade",
	[RS_PENDING_ROLLBACK] = "pending-rollback",
};

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

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void release_free(struct release *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nhooks; i++) {
		struct release_hook *h = &r->hooks[i];
		free(h->name), free(h->kind), free(h->path), free(h->manifest), free(h->phase);
		free_strv(h->events, h->nevents);
		free_strv(h->delete_policies, h->ndelete);
	}
	free(r->hooks);
	free(r->name), free(r->namespace_), free(r->manifest);
	free(r->info.description), free(r->info.notes);
	value_unref(r->chart), value_unref(r->config);
	free(r);
}

/* ---- Go's time.Time in JSON (RFC 3339 with nanoseconds, trailing zeros trimmed) ---- */

static struct value *time_value(const struct release_time *t)
{
	if (!t->sec && !t->nsec)
		return value_str("0001-01-01T00:00:00Z");
	time_t s = (time_t)(t->sec + t->off);
	struct tm tm;
	gmtime_r(&s, &tm);
	char buf[64], frac[16] = "", zone[24] = "Z";
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	if (t->nsec) {
		snprintf(frac, sizeof frac, ".%09ld", t->nsec);
		for (size_t n = strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = 0;
	}
	if (t->off)
		snprintf(zone, sizeof zone, "%c%02d:%02d", t->off < 0 ? '-' : '+', abs(t->off) / 3600,
			 abs(t->off) % 3600 / 60);
	return value_strf("%s%s%s", buf, frac, zone);
}

static struct release_time time_parse(const char *s)
{
	struct release_time t = {0};
	if (!s || !strncmp(s, "0001-01-01T00:00:00", 19))
		return t;
	t.sec = time_parse_rfc3339(s);
	const char *p = strchr(s, '.');
	long scale = 100000000;
	for (p = p ? p + 1 : NULL; p && *p >= '0' && *p <= '9'; p++, scale /= 10)
		t.nsec += scale ? (*p - '0') * scale : 0;
	const char *z = s + strlen(s) - 6;
	if (strlen(s) > 6 && (z[0] == '+' || z[0] == '-') && z[3] == ':')
		t.off = (z[0] == '-' ? -1 : 1) * (atoi(z + 1) * 3600 + atoi(z + 4) * 60);
	return t;
}

/* ---- to JSON ---- */

static void put_str(struct value *m, const char *k, const char *s)
{
	if (s && *s) /* omitempty */
		value_map_set(m, k, value_str(s));
}

static struct value *strv_value(char *const *v, size_t n)
{
	struct value *l = value_list();
	for (size_t i = 0; i < n; i++)
		value_list_push(l, value_str(v[i]));
	return l;
}

static struct value *hook_value(const struct release_hook *h)
{
	struct value *m = value_map(), *run = value_map();
	put_str(m, "name", h->name);
	put_str(m, "kind", h->kind);
	put_str(m, "path", h->path);
	put_str(m, "manifest", h->manifest);
	if (h->nevents)
		value_map_set(m, "events", strv_value(h->events, h->nevents));
	value_map_set(run, "started_at", time_value(&h->started_at));
	value_map_set(run, "completed_at", time_value(&h->completed_at));
	value_map_set(run, "phase", value_str(h->phase ? h->phase : ""));
	value_map_set(m, "last_run", run);
	if (h->weight)
		value_map_set(m, "weight", value_int(h->weight));
	if (h->ndelete)
		value_map_set(m, "delete_policies", strv_value(h->delete_policies, h->ndelete));
	return m;
}

static struct value *info_value(const struct release *r)
{
	struct value *m = value_map();
	value_map_set(m, "first_deployed", time_value(&r->info.first_deployed));
	value_map_set(m, "last_deployed", time_value(&r->info.last_deployed));
	value_map_set(m, "deleted", time_value(&r->info.deleted));
	put_str(m, "description", r->info.description);
	if (r->info.status != RS_UNKNOWN)
		value_map_set(m, "status", value_str(release_status_str(r->info.status)));
	put_str(m, "notes", r->info.notes);
	return m;
}

static struct value *release_value(const struct release *r)
{
	struct value *m = value_map();
	put_str(m, "name", r->name);
	value_map_set(m, "info", info_value(r));
	if (r->chart)
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

char *release_to_json(const struct release *r)
{
	struct value *v = release_value(r);
	char *s = value_to_json(v, false, true); /* Go's json.Marshal escapes <, > and & */
	value_unref(v);
	return s;
}

/* ---- from JSON ---- */

struct reader {
	struct tops_err *err;
	int rc;
};

static const struct value *field(struct reader *rd, const struct value *m, const char *path,
				 enum vtype want)
{
	const struct value *v = value_map_path(m, path);
	if (!v || v->type == V_NULL || rd->rc)
		return NULL;
	bool ok = v->type == want || (want == V_FLOAT && v->type == V_INT) || (want == V_INT && v->type == V_FLOAT);
	if (!ok) {
		rd->rc = tops_err_set(rd->err, TOPS_EINVAL, "json: release field %s is %s, not %s", path,
				      value_type_name(v), want == V_STRING ? "a string" : want == V_MAP ? "an object" :
				      want == V_LIST ? "a list" : "a number");
		return NULL;
	}
	return v;
}

static char *str_of(struct reader *rd, const struct value *m, const char *path)
{
	const struct value *v = field(rd, m, path, V_STRING);
	return v ? xstrdup(v->u.str.s) : NULL;
}

static int64_t int_of(struct reader *rd, const struct value *m, const char *path)
{
	const struct value *v = field(rd, m, path, V_INT);
	return !v ? 0 : v->type == V_INT ? v->u.i : (int64_t)v->u.f;
}

static struct release_time time_of(struct reader *rd, const struct value *m, const char *path)
{
	const struct value *v = field(rd, m, path, V_STRING);
	return time_parse(v ? v->u.str.s : NULL);
}

static char **strv_of(struct reader *rd, const struct value *m, const char *path, size_t *n)
{
	const struct value *l = field(rd, m, path, V_LIST);
	*n = 0;
	if (!l)
		return NULL;
	char **out = xcalloc(l->u.list.len + 1, sizeof *out);
	for (size_t i = 0; i < l->u.list.len; i++)
		if (l->u.list.items[i]->type == V_STRING)
			out[(*n)++] = xstrdup(l->u.list.items[i]->u.str.s);
	return out;
}

static void read_hook(struct reader *rd, const struct value *m, struct release_hook *h)
{
	h->name = str_of(rd, m, "name");
	h->kind = str_of(rd, m, "kind");
	h->path = str_of(rd, m, "path");
	h->manifest = str_of(rd, m, "manifest");
	h->events = strv_of(rd, m, "events", &h->nevents);
	h->weight = (int)int_of(rd, m, "weight");
	h->delete_policies = strv_of(rd, m, "delete_policies", &h->ndelete);
	h->started_at = time_of(rd, m, "last_run.started_at");
	h->completed_at = time_of(rd, m, "last_run.completed_at");
	h->phase = str_of(rd, m, "last_run.phase");
}

static void read_release(struct reader *rd, const struct value *m, struct release *r)
{
	r->name = str_of(rd, m, "name");
	r->namespace_ = str_of(rd, m, "namespace");
	r->version = (int)int_of(rd, m, "version");
	r->manifest = str_of(rd, m, "manifest");
	r->info.first_deployed = time_of(rd, m, "info.first_deployed");
	r->info.last_deployed = time_of(rd, m, "info.last_deployed");
	r->info.deleted = time_of(rd, m, "info.deleted");
	r->info.description = str_of(rd, m, "info.description");
	r->info.notes = str_of(rd, m, "info.notes");
	char *st = str_of(rd, m, "info.status");
	r->info.status = release_status_parse(st);
	free(st);
	const struct value *c = field(rd, m, "chart", V_MAP), *cfg = field(rd, m, "config", V_MAP);
	r->chart = c ? value_ref((struct value *)c) : NULL;
	r->config = cfg ? value_ref((struct value *)cfg) : NULL;
	const struct value *hooks = field(rd, m, "hooks", V_LIST);
	size_t n = hooks ? hooks->u.list.len : 0;
	r->hooks = xcalloc(n + 1, sizeof *r->hooks);
	for (size_t i = 0; i < n && !rd->rc; i++)
		if (hooks->u.list.items[i]->type == V_MAP)
			read_hook(rd, hooks->u.list.items[i], &r->hooks[r->nhooks++]);
}

int release_from_json(const char *json, size_t len, struct release **out, struct tops_err *err)
{
	*out = NULL;
	struct value *v = value_from_json(json, len, err);
	if (!v)
		return tops_err_prefix(err, "json"), -TOPS_EINVAL;
	if (v->type != V_MAP) {
		int rc = tops_err_set(err, TOPS_EINVAL, "json: a release record is an object, not %s",
				      value_type_name(v));
		value_unref(v);
		return rc;
	}
	struct reader rd = {.err = err};
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

static int gzip_best(const char *in, size_t n, struct strbuf *out)
{
	z_stream zs = {0};
	if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -TOPS_EINTERNAL;
	size_t cap = deflateBound(&zs, (uLong)n);
	char *buf = xmalloc(cap);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)n;
	zs.next_out = (Bytef *)buf;
	zs.avail_out = (uInt)cap;
	int zr = deflate(&zs, Z_FINISH);
	if (zr == Z_STREAM_END)
		sb_add(out, buf, zs.total_out);
	deflateEnd(&zs);
	free(buf);
	return zr == Z_STREAM_END ? 0 : -TOPS_EINTERNAL;
}

char *release_encode(const struct release *r)
{
	char *json = release_to_json(r);
	struct strbuf gz = STRBUF_INIT, b64 = STRBUF_INIT;
	if (gzip_best(json, strlen(json), &gz) < 0)
		abort(); /* zlib fails only without memory */
	base64_encode(&b64, gz.buf, gz.len);
	sb_done(&gz);
	free(json);
	return sb_detach(&b64, NULL);
}

int release_decode(const char *text, size_t len, struct release **out, struct tops_err *err)
{
	char *raw = NULL, *json = NULL;
	size_t rawlen = 0, jlen = 0;
	*out = NULL;
	if (base64_decode(text, len, &raw, &rawlen) < 0)
		return tops_err_set(err, TOPS_EINVAL, "base64: the release data is not base64");
	int rc = 0;
	if (rawlen >= 3 && (unsigned char)raw[0] == 0x1f && (unsigned char)raw[1] == 0x8b && raw[2] == 8) {
		rc = tar_gunzip(raw, rawlen, 64u << 20, &json, &jlen, err);
		free(raw);
	} else {
		json = raw, jlen = rawlen;
	}
	if (rc == 0)
		rc = release_from_json(json, jlen, out, err);
	free(json);
	return rc;
}

/* ---- storage objects ---- */

static struct value *storage_object(const struct release *r, bool create, bool secret, char *data)
{
	struct value *o = value_map();
	char *name = xasprintf("sh.helm.release.v1.%s.v%d", r->name, r->version);
	char *ver = xasprintf("%d", r->version), *now = xasprintf("%lld", (long long)time(NULL));
	value_map_set(o, "apiVersion", value_str("v1"));
	value_map_set(o, "kind", value_str(secret ? "Secret" : "ConfigMap"));
	obj_set_str_in(o, "metadata", "name", name);
	obj_set_str_in(o, "metadata", "namespace", r->namespace_);
	const char *labels[][2] = {{"name", r->name}, {"owner", "helm"},
				   {"status", release_status_str(r->info.status)}, {"version", ver},
				   {create ? "createdAt" : "modifiedAt", now}};
	for (size_t i = 0; i < ARRAY_LEN(labels); i++)
		obj_set_str_in(o, "metadata.labels", labels[i][0], labels[i][1]);
	if (secret)
		value_map_set(o, "type", value_str("helm.sh/release.v1"));
	value_map_set(obj_map(o, "data"), "release", value_str_own(data, strlen(data)));
	free(name), free(ver), free(now);
	return o;
}

struct value *release_to_secret(const struct release *r, bool create)
{
	char *enc = release_encode(r);
	struct strbuf sb = STRBUF_INIT;
	base64_encode(&sb, enc, strlen(enc)); /* Secret data is bytes: base64 on the wire */
	free(enc);
	return storage_object(r, create, true, sb_detach(&sb, NULL));
}

struct value *release_to_configmap(const struct release *r, bool create)
{
	return storage_object(r, create, false, release_encode(r));
}

int release_from_object(const struct value *obj, struct release **out, struct tops_err *err)
{
	const char *kind = obj_str(obj, "kind"), *data = obj_str(obj, "data.release");
	*out = NULL;
	if (!data)
		return tops_err_set(err, TOPS_EINVAL, "no data.release");
	bool secret = !kind || strcmp(kind, "ConfigMap") != 0;
	if (!secret)
		return release_decode(data, strlen(data), out, err);
	char *text = NULL;
	size_t len = 0;
	if (base64_decode(data, strlen(data), &text, &len) < 0)
		return tops_err_set(err, TOPS_EINVAL, "base64: the Secret's data is not base64");
	int rc = release_decode(text, len, out, err);
	free(text);
	return rc;
}

/* ---- size ---- */

static size_t files_bytes(const struct value *chart, const char *key)
{
	const struct value *l = value_map_get(chart, key);
	size_t n = 0;
	for (size_t i = 0; l && l->type == V_LIST && i < l->u.list.len; i++) {
		const struct value *d = value_map_get(l->u.list.items[i], "data");
		n += d && d->type == V_STRING ? d->u.str.len * 3 / 4 : 0;
	}
	return n;
}

int release_size_check(const struct release *r, struct tops_err *err)
{
	char *enc = release_encode(r);
	size_t size = strlen(enc);
	free(enc);
	if (size <= RECORD_MAX)
		return 0;
	char *cfg = r->config ? value_to_json(r->config, false, false) : xstrdup("");
	int rc = tops_err_set(err, TOPS_ETOOBIG,
			      "the release record would be %zu bytes (compressed), over the API's limit of "
			      "%u bytes for a Secret: manifest %zu bytes, chart templates %zu, chart files %zu, "
			      "values %zu (before compression); move large files out of the chart "
			      "(.helmignore) or split the release", size, RECORD_MAX,
			      r->manifest ? strlen(r->manifest) : 0, files_bytes(r->chart, "templates"),
			      files_bytes(r->chart, "files"), strlen(cfg));
	free(cfg);
	return rc;
}
