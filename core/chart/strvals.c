/* strvals — Helm's --set parser. Follows pkg/strvals: a recursive descent over the input where
 * io.EOF is a normal way to stop (SV_EOF here) and type mismatches are errors. */
#include "core/chart/strvals.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SV_EOF 1
#define SV_NOTLIST 2
#define SV_MAX_INDEX 65536
#define SV_MAX_NESTED 30
#define SV_FILE_MAX (64u << 20)

struct svp {
	const char *s;
	size_t len, pos;
	enum strvals_kind kind;
	strvals_reader reader;
	void *ctx;
	struct tops_err *err;
};

static int sv_key(struct svp *p, struct value *data, int level);

/* Reads until a byte of stop; '\' escapes the next byte except in literal mode. */
static int runes_until(struct svp *p, const char *stop, struct strbuf *out, int *last)
{
	sb_reset(out);
	sb_adds(out, "");
	*last = 0;
	while (p->pos < p->len) {
		int c = (unsigned char)p->s[p->pos++];
		if (c && strchr(stop, c)) {
			*last = c;
			return 0;
		}
		if (c == '\\' && p->kind != STRVALS_LITERAL) {
			if (p->pos >= p->len)
				return SV_EOF;
			c = (unsigned char)p->s[p->pos++];
		}
		sb_addc(out, (char)c);
	}
	return SV_EOF;
}

static void sv_set(struct value *data, const char *key, struct value *val)
{
	if (!*key) {
		value_unref(val);
		return;
	}
	value_map_set(data, key, val);
}

static const char *go_type(const struct value *v)
{
	return v && v->type != V_NULL ? value_type_name(v) : "nil";
}

static int conv_err(struct svp *p, const struct value *v, const char *want)
{
	return tops_err_set(p->err, TOPS_EINVAL,
			    "unable to parse key: interface conversion: interface {} is %s, not %s",
			    go_type(v), want);
}

static struct value *list_clone(const struct value *l)
{
	struct value *n = value_list();
	for (size_t i = 0; l && i < l->u.list.len; i++)
		value_list_push(n, value_ref(l->u.list.items[i]));
	return n;
}

/* setIndex: takes ownership of val; list is private (refs == 1). */
static int set_index(struct svp *p, struct value *list, long long i, struct value *val)
{
	if (i < 0) {
		value_unref(val);
		return tops_err_set(p->err, TOPS_EINVAL, "negative %lld index not allowed", i);
	}
	if (i > SV_MAX_INDEX) {
		value_unref(val);
		return tops_err_set(p->err, TOPS_EINVAL,
				    "index of %lld is greater than maximum supported index of %d", i,
				    SV_MAX_INDEX);
	}
	while (list->u.list.len <= (size_t)i)
		value_list_push(list, value_null());
	value_unref(list->u.list.items[i]);
	list->u.list.items[i] = val;
	return 0;
}

static struct value *typed_val(struct svp *p, const char *s)
{
	if (!*s || p->kind == STRVALS_STRING)
		return value_str(s);
	if (!strcasecmp(s, "true"))
		return value_bool(true);
	if (!strcasecmp(s, "false"))
		return value_bool(false);
	if (!strcasecmp(s, "null"))
		return value_null();
	if (!strcmp(s, "0"))
		return value_int(0);
	if (s[0] != '0') {
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (!errno && !*end && !isspace((unsigned char)s[0]))
			return value_int(v);
	}
	return value_str(s);
}

static int read_value_file(void *ctx, const char *path, struct value **out, struct tops_err *err)
{
	char *buf;
	size_t len;
	(void)ctx;
	if (read_file(path, SV_FILE_MAX, &buf, &len, err) < 0)
		return -TOPS_EIO;
	*out = value_str_own(buf, len);
	return 0;
}

/* t.reader: the value of one scalar position. */
static int sv_reader(struct svp *p, const char *s, struct value **out)
{
	if (p->kind == STRVALS_FILE) {
		strvals_reader rd = p->reader ? p->reader : read_value_file;
		return rd(p->ctx, s, out, p->err) < 0 ? -TOPS_EIO : 0;
	}
	*out = typed_val(p, s);
	return 0;
}

/* valList: "{a,b}" or SV_NOTLIST (nothing consumed) or SV_EOF. */
static int val_list(struct svp *p, struct value **out)
{
	struct strbuf rs = STRBUF_INIT;
	int last, rc;
	*out = NULL;
	if (p->pos >= p->len)
		return SV_EOF;
	if (p->s[p->pos] != '{')
		return SV_NOTLIST;
	p->pos++;
	struct value *list = value_list();
	for (;;) {
		if (runes_until(p, ",}", &rs, &last)) {
			rc = tops_err_set(p->err, TOPS_EINVAL, "list must terminate with '}'");
			break;
		}
		struct value *v;
		if (last == '}' && p->pos < p->len && p->s[p->pos] == ',')
			p->pos++;
		if ((rc = sv_reader(p, sb_str(&rs), &v)) < 0)
			break;
		value_list_push(list, v);
		if (last == '}') {
			*out = list;
			sb_done(&rs);
			return 0;
		}
	}
	value_unref(list);
	sb_done(&rs);
	return rc;
}

/* The scalar after '=' (for list items and keys); *out NULL when nothing was set. */
static int plain_value(struct svp *p, struct value **out)
{
	struct strbuf rs = STRBUF_INIT;
	int last, rc = val_list(p, out);
	if (rc == 0)
		return 0;
	if (rc == SV_EOF) {
		*out = value_str("");
		return SV_EOF;
	}
	if (rc != SV_NOTLIST)
		return rc;
	runes_until(p, ",", &rs, &last);
	rc = sv_reader(p, sb_str(&rs), out);
	sb_done(&rs);
	return rc;
}

/* emptyVal: skips blanks; true at a ',' (consumed) or the end. */
static bool empty_val(struct svp *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c == ',') {
			p->pos++;
			return true;
		}
		if (!isspace((unsigned char)c))
			return false;
		p->pos++;
	}
	return true;
}

static struct value *from_cjson(const cJSON *j)
{
	if (cJSON_IsBool(j))
		return value_bool(cJSON_IsTrue(j));
	if (cJSON_IsNumber(j))
		return value_float(j->valuedouble);
	if (cJSON_IsString(j))
		return value_str(j->valuestring);
	if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
		struct value *c = cJSON_IsArray(j) ? value_list() : value_map();
		for (const cJSON *e = j->child; e; e = e->next) {
			if (c->type == V_LIST)
				value_list_push(c, from_cjson(e));
			else
				value_map_set(c, e->string, from_cjson(e));
		}
		return c;
	}
	return value_null();
}

/* A JSON value at the cursor (Go's json.Decoder.Decode + InputOffset); nil when empty. */
static int json_value(struct svp *p, struct value **out)
{
	*out = NULL;
	if (empty_val(p)) {
		*out = value_null();
		return 0;
	}
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithOpts(p->s + p->pos, &end, 0);
	if (!j)
		return tops_err_set(p->err, TOPS_EINVAL, "invalid JSON value at offset %zu", p->pos);
	*out = from_cjson(j);
	cJSON_Delete(j);
	p->pos = (size_t)(end - p->s);
	empty_val(p);
	return 0;
}

static int literal_value(struct svp *p, struct value **out)
{
	*out = value_strn(p->s + p->pos, p->len - p->pos);
	p->pos = p->len;
	return 0;
}

/* Value after '=' in any mode; *out set (new reference) unless an error happened. */
static int any_value(struct svp *p, struct value **out)
{
	if (p->kind == STRVALS_JSON)
		return json_value(p, out);
	if (p->kind == STRVALS_LITERAL)
		return literal_value(p, out);
	return plain_value(p, out);
}

static int key_index(struct svp *p, long long *i)
{
	struct strbuf v = STRBUF_INIT;
	int last, rc = runes_until(p, "]", &v, &last);
	char *end;
	if (rc) {
		sb_done(&v);
		return tops_err_set(p->err, TOPS_EINVAL, "error parsing index: EOF");
	}
	errno = 0;
	*i = strtoll(sb_str(&v), &end, 10);
	if (!v.len || *end || errno || isspace((unsigned char)v.buf[0])) {
		rc = tops_err_set(p->err, TOPS_EINVAL,
				  "error parsing index: strconv.Atoi: parsing \"%s\": invalid syntax",
				  sb_str(&v));
	}
	sb_done(&v);
	return rc;
}

static int list_item(struct svp *p, struct value *list, long long i, int level);

static int list_item_nested(struct svp *p, struct value *list, long long i, int level)
{
	long long next;
	int rc = key_index(p, &next);
	if (rc)
		return rc;
	struct value *cur = NULL;
	if ((size_t)i < list->u.list.len && list->u.list.items[i]->type != V_NULL) {
		if (list->u.list.items[i]->type != V_LIST)
			return conv_err(p, list->u.list.items[i], "[]interface {}");
		cur = list_clone(list->u.list.items[i]);
	} else {
		cur = value_list();
	}
	if ((rc = list_item(p, cur, next, level))) {
		value_unref(cur);
		return rc;
	}
	return set_index(p, list, i, cur);
}

static int list_item_map(struct svp *p, struct value *list, long long i, int level)
{
	struct value *inner;
	if ((size_t)i < list->u.list.len) {
		if (list->u.list.items[i]->type != V_MAP) {
			value_unref(list->u.list.items[i]);
			list->u.list.items[i] = value_map();
		}
		inner = value_ref(list->u.list.items[i]);
	} else {
		inner = value_map();
	}
	int rc = sv_key(p, inner, level);
	if (rc) {
		value_unref(inner);
		return rc;
	}
	return set_index(p, list, i, inner);
}

static int list_item(struct svp *p, struct value *list, long long i, int level)
{
	struct strbuf k = STRBUF_INIT;
	int last, rc;
	if (i < 0)
		return tops_err_set(p->err, TOPS_EINVAL, "negative %lld index not allowed", i);
	rc = runes_until(p, "[.=", &k, &last);
	if (k.len) {
		rc = tops_err_set(p->err, TOPS_EINVAL, "unexpected data at end of array index: \"%s\"",
				  sb_str(&k));
	} else if (rc == 0 && last == '=') {
		struct value *v = NULL;
		rc = any_value(p, &v);
		if (rc >= 0)
			rc = set_index(p, list, i, v);
		else
			value_unref(v);
	} else if (rc == 0 && last == '[') {
		rc = list_item_nested(p, list, i, level);
	} else if (rc == 0 && last == '.') {
		rc = list_item_map(p, list, i, level);
	}
	sb_done(&k);
	return rc;
}

static int key_list(struct svp *p, struct value *data, const char *k, int level)
{
	long long i;
	int rc = key_index(p, &i);
	if (rc)
		return rc;
	struct value *old = value_map_get(data, k);
	if (old && old->type != V_LIST)
		return conv_err(p, old, "[]interface {}");
	struct value *list = list_clone(old);
	rc = list_item(p, list, i, level);
	sv_set(data, k, list);
	return rc;
}

static int key_map(struct svp *p, struct value *data, const char *k, int level)
{
	if (++level > SV_MAX_NESTED)
		return tops_err_set(p->err, TOPS_ETOOBIG,
				    "value name nested level is greater than maximum supported nested level of %d",
				    SV_MAX_NESTED);
	struct value *old = value_map_get(data, k);
	if (old && old->type != V_MAP)
		return conv_err(p, old, "map[string]interface {}");
	struct value *inner = old ? value_ref(old) : value_map();
	int rc = sv_key(p, inner, level);
	if (rc == 0 && inner->u.map.len == 0)
		rc = tops_err_set(p->err, TOPS_EINVAL, "key map \"%s\" has no value", k);
	if (inner->u.map.len)
		sv_set(data, k, inner);
	else
		value_unref(inner);
	return rc;
}

static int key_value(struct svp *p, struct value *data, const char *k)
{
	struct value *v = NULL;
	int rc = any_value(p, &v);
	if (v)
		sv_set(data, k, v);
	return rc;
}

static int sv_key(struct svp *p, struct value *data, int level)
{
	struct strbuf k = STRBUF_INIT;
	int last, rc;
	const char *stop = p->kind == STRVALS_LITERAL ? "=[." : "=[,.";
	rc = runes_until(p, stop, &k, &last);
	const char *ks = sb_str(&k);
	if (rc)
		rc = k.len ? tops_err_set(p->err, TOPS_EINVAL, "key \"%s\" has no value", ks) : SV_EOF;
	else if (last == '[')
		rc = key_list(p, data, ks, level);
	else if (last == '=')
		rc = key_value(p, data, ks);
	else if (last == ',') {
		sv_set(data, ks, value_str(""));
		rc = tops_err_set(p->err, TOPS_EINVAL, "key \"%s\" has no value (cannot end with ,)", ks);
	} else
		rc = key_map(p, data, ks, level);
	sb_done(&k);
	return rc;
}

int strvals_parse_into(enum strvals_kind kind, const char *s, struct value *dest,
		       strvals_reader reader, void *ctx, struct tops_err *err)
{
	struct svp p = {.s = s, .len = strlen(s), .kind = kind, .reader = reader, .ctx = ctx,
			.err = err};
	if (!dest || dest->type != V_MAP)
		return tops_err_set(err, TOPS_EINVAL, "values must be a map");
	for (;;) {
		int rc = sv_key(&p, dest, 0);
		if (rc == 0)
			continue;
		if (rc == SV_EOF)
			return 0;
		return rc < 0 ? rc : -TOPS_EINVAL;
	}
}
