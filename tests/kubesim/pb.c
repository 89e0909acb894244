/* pb — see pb.h. Field numbers come from k8s.io/api generated.proto. */
#include "tests/kubesim/pb.h"

#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/sim.h"

enum ptype { P_STR, P_BYTES, P_INT, P_BOOL, P_MAP_SS, P_MAP_SB, P_MSG, P_STRLIST };

struct pschema;
struct pfield {
	int num;
	const char *name;
	enum ptype type;
	const struct pschema *sub;
};
struct pschema {
	const struct pfield *f;
	size_t n;
};

#define SCHEMA(name, ...) \
	static const struct pfield name##_f[] = {__VA_ARGS__}; \
	static const struct pschema name = {name##_f, ARRAY_LEN(name##_f)}
SCHEMA(meta, {1, "name", P_STR, NULL}, {2, "generateName", P_STR, NULL}, {3, "namespace", P_STR, NULL},
       {5, "uid", P_STR, NULL}, {6, "resourceVersion", P_STR, NULL}, {7, "generation", P_INT, NULL},
       {11, "labels", P_MAP_SS, NULL}, {12, "annotations", P_MAP_SS, NULL}, {14, "finalizers", P_STRLIST, NULL});
SCHEMA(nsspec, {1, "finalizers", P_STRLIST, NULL});
SCHEMA(ns, {1, "metadata", P_MSG, &meta}, {2, "spec", P_MSG, &nsspec});
SCHEMA(cm, {1, "metadata", P_MSG, &meta}, {2, "data", P_MAP_SS, NULL}, {3, "binaryData", P_MAP_SB, NULL},
       {4, "immutable", P_BOOL, NULL});
SCHEMA(secret, {1, "metadata", P_MSG, &meta}, {2, "data", P_MAP_SB, NULL}, {3, "type", P_STR, NULL},
       {4, "stringData", P_MAP_SS, NULL}, {5, "immutable", P_BOOL, NULL});
SCHEMA(sa, {1, "metadata", P_MSG, &meta});
SCHEMA(typemeta, {1, "apiVersion", P_STR, NULL}, {2, "kind", P_STR, NULL});
SCHEMA(unknown, {1, "typeMeta", P_MSG, &typemeta}, {2, "raw", P_BYTES, NULL});

static const struct { const char *kind; const struct pschema *s; } kinds_pb[] = {
	{"Namespace", &ns}, {"ConfigMap", &cm}, {"Secret", &secret}, {"ServiceAccount", &sa}};

struct rd {
	const unsigned char *p, *end;
	bool bad;
};

static uint64_t varint(struct rd *r)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end) {
			r->bad = true;
			return 0;
		}
		unsigned char b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static bool chunk(struct rd *r, struct rd *out)
{
	uint64_t n = varint(r);
	if (r->bad || n > (uint64_t)(r->end - r->p))
		return r->bad = true, false;
	*out = (struct rd){r->p, r->p + n, false};
	r->p += n;
	return true;
}

static void skip(struct rd *r, int wt)
{
	struct rd tmp;
	if (wt == 0)
		varint(r);
	else if (wt == 2)
		chunk(r, &tmp);
	else if (wt == 1 || wt == 5) {
		size_t n = wt == 1 ? 8 : 4;
		if ((size_t)(r->end - r->p) < n)
			r->bad = true;
		else
			r->p += n;
	} else
		r->bad = true;
}

static char *b64(const unsigned char *p, size_t n)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		sb_addc(&sb, tbl[v >> 18 & 63]);
		sb_addc(&sb, tbl[v >> 12 & 63]);
		sb_addc(&sb, i + 1 < n ? tbl[v >> 6 & 63] : '=');
		sb_addc(&sb, i + 2 < n ? tbl[v & 63] : '=');
	}
	return sb_detach(&sb, NULL);
}

static struct value *decode(struct rd *r, const struct pschema *s);

static void map_entry(struct rd *r, struct value *map, bool bytes)
{
	struct rd e, kv;
	char *key = NULL;
	struct value *val = NULL;
	if (!chunk(r, &e))
		return;
	while (e.p < e.end && !e.bad) {
		uint64_t k = varint(&e);
		if ((k & 7) != 2 || !chunk(&e, &kv)) {
			skip(&e, (int)(k & 7));
			continue;
		}
		if ((k >> 3) == 1) {
			free(key);
			key = xstrndup((const char *)kv.p, (size_t)(kv.end - kv.p));
		} else if ((k >> 3) == 2) {
			value_unref(val);
			if (bytes) {
				char *enc = b64(kv.p, (size_t)(kv.end - kv.p));
				val = value_str(enc);
				free(enc);
			} else {
				val = value_strn((const char *)kv.p, (size_t)(kv.end - kv.p));
			}
		}
	}
	if (key)
		value_map_set(map, key, val ? val : value_str(""));
	else
		value_unref(val);
	free(key);
	r->bad = r->bad || e.bad;
}

static struct value *list_at(struct value *m, const char *key)
{
	struct value *l = value_map_get(m, key);
	if (!l || l->type != V_LIST) {
		l = value_list();
		value_map_set(m, key, l);
	}
	return l;
}

static void field(struct rd *r, struct value *m, const struct pfield *f, int wt)
{
	struct rd c;
	if (f->type == P_INT || f->type == P_BOOL) {
		uint64_t v = varint(r);
		value_map_set(m, f->name, f->type == P_INT ? value_int((int64_t)v) : value_bool(v != 0));
	} else if (f->type == P_MAP_SS || f->type == P_MAP_SB) {
		struct value *map = value_map_get(m, f->name);
		if (!map)
			value_map_set(m, f->name, map = value_map());
		map_entry(r, map, f->type == P_MAP_SB);
	} else if (wt != 2 || !chunk(r, &c)) {
		r->bad = true;
	} else if (f->type == P_MSG) {
		value_map_set(m, f->name, decode(&c, f->sub));
		r->bad = r->bad || c.bad;
	} else if (f->type == P_STRLIST) {
		value_list_push(list_at(m, f->name), value_strn((const char *)c.p, (size_t)(c.end - c.p)));
	} else {
		value_map_set(m, f->name, value_strn((const char *)c.p, (size_t)(c.end - c.p)));
	}
}

static struct value *decode(struct rd *r, const struct pschema *s)
{
	struct value *m = value_map();
	while (r->p < r->end && !r->bad) {
		uint64_t k = varint(r);
		const struct pfield *f = NULL;
		for (size_t i = 0; i < s->n; i++)
			if ((uint64_t)s->f[i].num == k >> 3)
				f = &s->f[i];
		if (f)
			field(r, m, f, (int)(k & 7));
		else
			skip(r, (int)(k & 7));
	}
	return m;
}

struct value *pb_decode(const char *data, size_t len, struct tops_err *err)
{
	if (len < 4 || memcmp(data, "k8s\0", 4) != 0) {
		tops_err_set(err, SIM_EBADREQ, "the protobuf body lacks the k8s envelope");
		return NULL;
	}
	struct rd r = {(const unsigned char *)data + 4, (const unsigned char *)data + len, false};
	struct value *u = decode(&r, &unknown), *out = NULL;
	const char *kind = vstr(u, "typeMeta.kind"), *av = vstr(u, "typeMeta.apiVersion");
	struct value *raw = value_map_get(u, "raw");
	for (size_t i = 0; !r.bad && kind && raw && i < ARRAY_LEN(kinds_pb); i++) {
		if (strcmp(kinds_pb[i].kind, kind) != 0)
			continue;
		struct rd body = {(const unsigned char *)raw->u.str.s, (const unsigned char *)raw->u.str.s + raw->u.str.len, false};
		out = decode(&body, kinds_pb[i].s);
		if (body.bad) {
			value_unref(out);
			out = NULL;
			break;
		}
		vset_str(out, "kind", kind);
		vset_str(out, "apiVersion", av ? av : "v1");
	}
	if (!out)
		tops_err_set(err, r.bad ? SIM_EBADREQ : TOPS_EHTTP, r.bad ? "the protobuf body is malformed"
			     : "kubesim decodes protobuf only for Namespace, ConfigMap, Secret and ServiceAccount; send %s as JSON",
			     kind ? kind : "this object");
	value_unref(u);
	return out;
}
