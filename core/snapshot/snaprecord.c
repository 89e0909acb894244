/* snaprecord — see snaprecord.h. */
#include "core/snapshot/snaprecord.h"

#include "core/base/base64.h"
#include "core/base/gzip.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *snaprecord_label_slug(const char *label)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = label ? label : ""; *p && sb.len < 40; p++) {
		unsigned char c = (unsigned char)*p;
		char o = isalnum(c) ? (char)tolower(c) : '-';
		if (o == '-' && (sb.len == 0 || sb.buf[sb.len - 1] == '-'))
			continue;
		sb_addc(&sb, o);
	}
	while (sb.len && sb.buf[sb.len - 1] == '-')
		sb.buf[--sb.len] = 0;
	if (!sb.len)
		sb_adds(&sb, "snapshot");
	return sb_detach(&sb, NULL);
}

char *snaprecord_id(const char *release, int revision, const char *label, int64_t wall_s)
{
	time_t t = (time_t)wall_s;
	struct tm tm;
	gmtime_r(&t, &tm);
	char ts[32];
	strftime(ts, sizeof ts, "%Y%m%d-%H%M%S", &tm);
	char *slug = snaprecord_label_slug(label);
	char *id = xasprintf("%s-%d-%s-%s", release, revision, slug, ts);
	free(slug);
	return id;
}

/* "workloads 812 KiB, objects 90 KiB, ..." — the record's members by JSON size, largest first. */
static char *largest_parts(const struct value *rec)
{
	struct part { const char *key; size_t n; } parts[32];
	size_t np = 0;
	for (size_t i = 0; rec && rec->type == V_MAP && i < rec->u.map.len && np < ARRAY_LEN(parts); i++) {
		char *j = value_to_json(rec->u.map.e[i].val, false, false);
		parts[np++] = (struct part){rec->u.map.e[i].key, strlen(j)};
		free(j);
	}
	for (size_t i = 1; i < np; i++)
		for (size_t k = i; k > 0 && parts[k].n > parts[k - 1].n; k--) {
			struct part t = parts[k];
			parts[k] = parts[k - 1];
			parts[k - 1] = t;
		}
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < np && i < 3; i++)
		sb_addf(&sb, "%s%s %zu bytes", i ? ", " : "", parts[i].key, parts[i].n);
	return sb_detach(&sb, NULL);
}

int snaprecord_encode(const struct value *rec, struct strbuf *out, struct tops_err *err)
{
	char *json = value_to_json(rec, false, false);
	size_t start = out->len;
	int rc = gzip_compress(json, strlen(json), out, err);
	size_t n = out->len - start, raw = strlen(json);
	free(json);
	if (rc)
		return rc;
	if (n <= SNAPSHOT_MAX_BYTES)
		return 0;
	out->len = start;
	if (out->buf)
		out->buf[start] = 0;
	char *parts = largest_parts(rec);
	rc = tops_err_set(err, TOPS_ETOOBIG,
			  "snapshot is %zu bytes compressed (%zu of JSON), over the %d bytes (1 MiB) a "
			  "ConfigMap holds; largest parts: %s. Take it with a shorter --queries file, or "
			  "--no-runner when the golden set is the big part", n, raw, SNAPSHOT_MAX_BYTES, parts);
	free(parts);
	return rc;
}

static const char *const required[] = {"id", "label", "release.name", "release.namespace"};

int snaprecord_check(const struct value *rec, struct tops_err *err)
{
	if (!rec || rec->type != V_MAP)
		return tops_err_set(err, TOPS_EINVAL, "snapshot: not a JSON object");
	const char *api = snaprecord_str(rec, "apiVersion", NULL);
	if (!api || strcmp(api, SNAPSHOT_API_VERSION) != 0)
		return tops_err_set(err, TOPS_EINVAL, "snapshot: apiVersion is %s%s%s, not %s",
				    api ? "\"" : "", api ? api : "missing", api ? "\"" : "", SNAPSHOT_API_VERSION);
	for (size_t i = 0; i < ARRAY_LEN(required); i++)
		if (!snaprecord_str(rec, required[i], NULL))
			return tops_err_set(err, TOPS_EINVAL, "snapshot: no field %s (a string)", required[i]);
	const struct value *r = value_map_path(rec, "release.revision");
	if (!r || r->type != V_INT)
		return tops_err_set(err, TOPS_EINVAL, "snapshot: no field release.revision (a number)");
	return 0;
}

int snaprecord_decode(const void *data, size_t len, struct value **out, struct tops_err *err)
{
	*out = NULL;
	char *plain = NULL;
	size_t plen = len;
	if (gzip_is(data, len)) {
		if (gzip_decompress(data, len, 64u << 20, &plain, &plen, err))
			return -TOPS_EINVAL;
	}
	struct value *v = value_from_json(plain ? plain : data, plen, err);
	free(plain);
	if (!v)
		return tops_err_prefix(err, "json");
	int rc = snaprecord_check(v, err);
	if (rc) {
		value_unref(v);
		return rc;
	}
	*out = v;
	return 0;
}

static struct value *labels_of(const struct value *rec)
{
	struct value *l = value_map();
	char *slug = snaprecord_label_slug(snaprecord_str(rec, "label", ""));
	value_map_set(l, "owner", value_str("tops"));
	value_map_set(l, "tops-kind", value_str("snapshot"));
	value_map_set(l, "release", value_str(snaprecord_str(rec, "release.name", "")));
	value_map_set(l, "revision", value_strf("%lld", (long long)snaprecord_int(rec, "release.revision", 0)));
	value_map_set(l, "label", value_str_own(slug, strlen(slug)));
	return l;
}

struct value *snaprecord_to_configmap(const struct value *rec, struct tops_err *err)
{
	struct strbuf gz = STRBUF_INIT, b64 = STRBUF_INIT;
	if (snaprecord_encode(rec, &gz, err)) {
		sb_done(&gz);
		return NULL;
	}
	base64_encode(&b64, gz.buf, gz.len);
	sb_done(&gz);
	struct value *cm = value_map(), *md = value_map(), *bd = value_map(), *ann = value_map();
	value_map_set(cm, "apiVersion", value_str("v1"));
	value_map_set(cm, "kind", value_str("ConfigMap"));
	value_map_set(md, "name", value_str(snaprecord_str(rec, "id", "")));
	value_map_set(md, "namespace", value_str(snaprecord_str(rec, "release.namespace", "")));
	value_map_set(md, "labels", labels_of(rec));
	value_map_set(ann, "tops/label", value_str(snaprecord_str(rec, "label", "")));
	value_map_set(ann, "tops/taken-at", value_str(snaprecord_str(rec, "takenAt", "")));
	value_map_set(md, "annotations", ann);
	value_map_set(cm, "metadata", md);
	size_t blen;
	char *btext = sb_detach(&b64, &blen);
	value_map_set(bd, SNAPSHOT_DATA_KEY, value_str_own(btext, blen));
	value_map_set(cm, "binaryData", bd);
	return cm;
}

int snaprecord_from_configmap(const struct value *cm, struct value **out, struct tops_err *err)
{
	*out = NULL;
	const char *name = snaprecord_str(cm, "metadata.name", "?");
	const struct value *bd = value_map_path(cm, "binaryData");
	const struct value *d = bd ? value_map_get(bd, SNAPSHOT_DATA_KEY) : NULL;
	if (!d || d->type != V_STRING)
		return tops_err_set(err, TOPS_EINVAL, "ConfigMap %s: no binaryData[\"%s\"]", name, SNAPSHOT_DATA_KEY);
	char *raw = NULL;
	size_t n = 0;
	if (base64_decode(d->u.str.s, d->u.str.len, &raw, &n) != 0)
		return tops_err_set(err, TOPS_EINVAL, "ConfigMap %s: base64: invalid data", name);
	int rc = snaprecord_decode(raw, n, out, err);
	free(raw);
	if (rc)
		tops_err_prefix(err, "ConfigMap %s", name);
	return rc;
}

const char *snaprecord_str(const struct value *rec, const char *path, const char *dflt)
{
	const struct value *v = value_map_path(rec, path);
	return v && v->type == V_STRING ? v->u.str.s : dflt;
}

int64_t snaprecord_int(const struct value *rec, const char *path, int64_t dflt)
{
	const struct value *v = value_map_path(rec, path);
	if (v && v->type == V_INT)
		return v->u.i;
	if (v && v->type == V_FLOAT)
		return (int64_t)v->u.f;
	return dflt;
}

double snaprecord_num(const struct value *rec, const char *path)
{
	const struct value *v = value_map_path(rec, path);
	if (v && v->type == V_INT)
		return (double)v->u.i;
	if (v && v->type == V_FLOAT)
		return v->u.f;
	return NAN;
}
