/* diff — field-level comparison of a rendered object with its live counterpart (see diff.h). */
#include "core/diff/diff.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define MASK "***"
#define MASK_CHANGED "*** (changed)"

/* ---------------------------------------------------------------- normalisation */

static const char *const ignored_meta[] = {
	"managedFields", "resourceVersion", "uid", "creationTimestamp", "generation",
	"selfLink", "deletionTimestamp", "deletionGracePeriodSeconds",
};
static const char *const ignored_annotations[] = {
	"kubectl.kubernetes.io/last-applied-configuration",
	"deployment.kubernetes.io/revision",
};

/* Drops server-owned fields from a private copy (refs == 1, mutable). */
static void strip_server_fields(struct value *obj)
{
	value_map_del(obj, "status");
	struct value *meta = value_map_get(obj, "metadata");
	if (!meta || meta->type != V_MAP)
		return;
	for (size_t i = 0; i < ARRAY_LEN(ignored_meta); i++)
		value_map_del(meta, ignored_meta[i]);
	struct value *ann = value_map_get(meta, "annotations");
	if (!ann || ann->type != V_MAP)
		return;
	for (size_t i = 0; i < ARRAY_LEN(ignored_annotations); i++)
		value_map_del(ann, ignored_annotations[i]);
	if (ann->u.map.len == 0)
		value_map_del(meta, "annotations");
}

/* A copy of v without null map values (null in a manifest means "not set"). */
static struct value *drop_nulls(const struct value *v)
{
	if (v->type == V_MAP) {
		struct value *m = value_map();
		for (size_t i = 0; i < v->u.map.len; i++) {
			const struct vmap_entry *e = &v->u.map.e[i];
			if (e->val->type != V_NULL)
				value_map_set(m, e->key, drop_nulls(e->val));
		}
		return m;
	}
	if (v->type == V_LIST) {
		struct value *l = value_list();
		for (size_t i = 0; i < v->u.list.len; i++)
			value_list_push(l, drop_nulls(v->u.list.items[i]));
		return l;
	}
	return value_copy(v);
}

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static struct value *b64_value(const char *s, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i += 3) {
		unsigned a = (unsigned char)s[i];
		unsigned b = i + 1 < n ? (unsigned char)s[i + 1] : 0;
		unsigned c = i + 2 < n ? (unsigned char)s[i + 2] : 0;
		unsigned w = a << 16 | b << 8 | c;
		sb_addc(&sb, b64chars[w >> 18 & 63]);
		sb_addc(&sb, b64chars[w >> 12 & 63]);
		sb_addc(&sb, i + 1 < n ? b64chars[w >> 6 & 63] : '=');
		sb_addc(&sb, i + 2 < n ? b64chars[w & 63] : '=');
	}
	size_t len;
	char *out = sb_detach(&sb, &len);
	return value_str_own(out, len);
}

/* Folds Secret stringData into data, as the API server does on write. */
static void fold_string_data(struct value *obj)
{
	struct value *sd = value_map_get(obj, "stringData");
	if (!sd || sd->type != V_MAP)
		return;
	struct value *data = value_map_get(obj, "data");
	if (!data || data->type != V_MAP) {
		data = value_map();
		value_map_set(obj, "data", data);
	}
	for (size_t i = 0; i < sd->u.map.len; i++) {
		const struct vmap_entry *e = &sd->u.map.e[i];
		if (e->val->type == V_STRING)
			value_map_set(data, e->key, b64_value(e->val->u.str.s, e->val->u.str.len));
	}
	value_map_del(obj, "stringData");
}

/* Replaces Secret data values on both sides by masks that still compare correctly. */
static void mask_secret(struct value *desired, struct value *live)
{
	struct value *dd = value_map_get(desired, "data");
	struct value *ld = live ? value_map_get(live, "data") : NULL;
	if (ld && ld->type == V_MAP) {
		for (size_t i = 0; i < ld->u.map.len; i++) {
			struct vmap_entry *e = &ld->u.map.e[i];
			struct value *dv = dd && dd->type == V_MAP ? value_map_get(dd, e->key) : NULL;
			if (dv && !value_equal(dv, e->val))
				value_map_set(dd, e->key, value_str(MASK_CHANGED));
			else if (dv)
				value_map_set(dd, e->key, value_str(MASK));
			value_unref(e->val);
			e->val = value_str(MASK);
		}
	}
	if (!dd || dd->type != V_MAP)
		return;
	for (size_t i = 0; i < dd->u.map.len; i++) {
		struct vmap_entry *e = &dd->u.map.e[i];
		if (!ld || ld->type != V_MAP || !value_map_get(ld, e->key)) {
			value_unref(e->val);
			e->val = value_str(MASK);
		}
	}
}

/* ---------------------------------------------------------------- ownership */

/* Converts a previously applied object (last-applied annotation) into the fieldsV1 form that
 * managedFields use, so one walker serves both: {"f:spec":{"f:containers":{"k:{...}":{...}}}}. */
static const char *merge_key_for(const char *field, const struct value *list);

static struct value *to_fieldset(const struct value *v, const char *field)
{
	struct value *fs = value_map();
	if (v->type == V_MAP) {
		for (size_t i = 0; i < v->u.map.len; i++) {
			char *k = xasprintf("f:%s", v->u.map.e[i].key);
			value_map_set(fs, k, to_fieldset(v->u.map.e[i].val, v->u.map.e[i].key));
			free(k);
		}
	} else if (v->type == V_LIST) {
		const char *mk = merge_key_for(field, v);
		for (size_t i = 0; mk && i < v->u.list.len; i++) {
			struct value *el = v->u.list.items[i];
			struct value *key = value_map();
			value_map_set(key, mk, value_ref(value_map_get(el, mk)));
			char *js = value_to_json(key, false, false);
			char *k = xasprintf("k:%s", js);
			value_map_set(fs, k, to_fieldset(el, NULL));
			free(k);
			free(js);
			value_unref(key);
		}
	}
	return fs;
}

/* Adds every path of src into dst (both fieldsV1 maps). */
static void fieldset_union(struct value *dst, const struct value *src)
{
	if (!src || src->type != V_MAP)
		return;
	for (size_t i = 0; i < src->u.map.len; i++) {
		const struct vmap_entry *e = &src->u.map.e[i];
		struct value *d = value_map_get(dst, e->key);
		if (!d) {
			d = value_map();
			value_map_set(dst, e->key, d);
		}
		fieldset_union(d, e->val);
	}
}

/* The fields previously applied to the live object, as one fieldsV1 tree. New reference. */
static bool str_is(const struct value *v, const char *s)
{
	return v && v->type == V_STRING && strcmp(v->u.str.s, s) == 0;
}

static struct value *applied_fields(const struct value *live, const char *manager)
{
	struct value *own = value_map();
	struct value *mf = value_map_path(live, "metadata.managedFields");
	for (size_t i = 0; mf && mf->type == V_LIST && i < mf->u.list.len; i++) {
		struct value *e = mf->u.list.items[i];
		if (e->type == V_MAP && str_is(value_map_get(e, "operation"), "Apply") &&
		    (!manager || str_is(value_map_get(e, "manager"), manager)))
			fieldset_union(own, value_map_get(e, "fieldsV1"));
	}
	struct value *ann = value_map_path(live, "metadata.annotations");
	struct value *la = ann && ann->type == V_MAP ?
		value_map_get(ann, "kubectl.kubernetes.io/last-applied-configuration") : NULL;
	if (la && la->type == V_STRING) {
		struct tops_err e = {0};
		struct value *prev = value_from_json(la->u.str.s, la->u.str.len, &e);
		tops_err_clear(&e);
		if (prev) {
			struct value *fs = to_fieldset(prev, NULL);
			fieldset_union(own, fs);
			value_unref(fs);
			value_unref(prev);
		}
	}
	return own;
}

static const struct value *own_field(const struct value *own, const char *key)
{
	if (!own || own->type != V_MAP)
		return NULL;
	char *k = xasprintf("f:%s", key);
	const struct value *r = value_map_get(own, k);
	free(k);
	return r;
}


/* The owned entry for a list element: a "k:{...}" key whose fields all match the element. */
static const struct value *own_element(const struct value *own, const struct value *el)
{
	if (!own || own->type != V_MAP || el->type != V_MAP)
		return NULL;
	for (size_t i = 0; i < own->u.map.len; i++) {
		const char *k = own->u.map.e[i].key;
		if (strncmp(k, "k:", 2) != 0)
			continue;
		struct tops_err e = {0};
		struct value *key = value_from_json(k + 2, strlen(k + 2), &e);
		tops_err_clear(&e);
		bool match = key && key->type == V_MAP && key->u.map.len > 0;
		for (size_t j = 0; match && j < key->u.map.len; j++) {
			struct value *ev = value_map_get(el, key->u.map.e[j].key);
			match = ev && value_equal_json(key->u.map.e[j].val, ev);
		}
		value_unref(key);
		if (match)
			return own->u.map.e[i].val;
	}
	return NULL;
}

/* ---------------------------------------------------------------- the walk */

static const struct { const char *field, *key; } merge_keys[] = {
	{"containers", "name"}, {"initContainers", "name"}, {"ephemeralContainers", "name"},
	{"env", "name"}, {"volumes", "name"}, {"imagePullSecrets", "name"},
	{"volumeMounts", "mountPath"}, {"volumeDevices", "devicePath"}, {"hostAliases", "ip"},
	{"ports", "containerPort"}, {"ports", "port"},
};

/* The merge key of a list field, if every element is a map that carries it. */
static const char *merge_key_for(const char *field, const struct value *list)
{
	if (!field || list->type != V_LIST || list->u.list.len == 0)
		return NULL;
	for (size_t i = 0; i < ARRAY_LEN(merge_keys); i++) {
		if (strcmp(merge_keys[i].field, field) != 0)
			continue;
		bool all = true;
		for (size_t j = 0; all && j < list->u.list.len; j++) {
			const struct value *el = list->u.list.items[j];
			all = el->type == V_MAP && value_map_get(el, merge_keys[i].key);
		}
		if (all)
			return merge_keys[i].key;
	}
	return NULL;
}

static bool empty_container(const struct value *v)
{
	return (v->type == V_MAP && v->u.map.len == 0) || (v->type == V_LIST && v->u.list.len == 0);
}

struct walk {
	struct diff_result *r;
	struct strbuf path;
};

static void record(struct walk *w, enum diff_op op, const struct value *before,
		   const struct value *after)
{
	struct diff_result *r = w->r;
	if (r->nchanges == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->changes = xrealloc(r->changes, r->cap * sizeof *r->changes);
	}
	struct diff_change *c = &r->changes[r->nchanges++];
	c->op = op;
	c->path = xstrdup(w->path.len ? sb_str(&w->path) : ".");
	c->before = before ? value_copy(before) : NULL;
	c->after = after ? value_copy(after) : NULL;
}

static size_t path_push_key(struct walk *w, const char *key)
{
	size_t mark = w->path.len;
	bool plain = *key != '\0';
	for (const char *p = key; *p && plain; p++)
		plain = isalnum((unsigned char)*p) || *p == '_' || *p == '-';
	if (plain)
		sb_addf(&w->path, ".%s", key);
	else
		sb_addf(&w->path, "[\"%s\"]", key);
	return mark;
}

static void path_pop(struct walk *w, size_t mark)
{
	w->path.len = mark;
	if (w->path.buf)
		w->path.buf[mark] = '\0';
}

static struct value *walk(struct walk *w, const char *field, const struct value *d,
			  const struct value *l, const struct value *own);

static struct value *walk_map(struct walk *w, const struct value *d, const struct value *l,
			      const struct value *own)
{
	struct value *out = value_map();
	for (size_t i = 0; i < d->u.map.len; i++) {
		const struct vmap_entry *e = &d->u.map.e[i];
		size_t mark = path_push_key(w, e->key);
		struct value *lv = walk(w, e->key, e->val, value_map_get(l, e->key),
					own_field(own, e->key));
		if (lv)
			value_map_set(out, e->key, lv);
		path_pop(w, mark);
	}
	for (size_t i = 0; i < l->u.map.len; i++) {
		const struct vmap_entry *e = &l->u.map.e[i];
		/* an empty map or list left on the live side removes nothing */
		if (value_map_get(d, e->key) || !own_field(own, e->key) || empty_container(e->val))
			continue;
		size_t mark = path_push_key(w, e->key);
		record(w, DIFF_REMOVE, e->val, NULL);
		value_map_set(out, e->key, value_copy(e->val));
		path_pop(w, mark);
	}
	return out;
}

static struct value *find_keyed(const struct value *list, const char *key, const struct value *kv,
				bool *used)
{
	for (size_t i = 0; i < list->u.list.len; i++) {
		struct value *el = list->u.list.items[i];
		struct value *v = el->type == V_MAP ? value_map_get(el, key) : NULL;
		if (!used[i] && v && value_equal_json(v, kv)) {
			used[i] = true;
			return el;
		}
	}
	return NULL;
}

static void path_push_elem(struct walk *w, const char *key, const struct value *kv)
{
	if (kv->type == V_STRING)
		sb_addf(&w->path, "[%s=%s]", key, kv->u.str.s);
	else if (kv->type == V_INT)
		sb_addf(&w->path, "[%s=%lld]", key, (long long)kv->u.i);
	else
		sb_addf(&w->path, "[%s=?]", key);
}

static struct value *walk_keyed(struct walk *w, const char *key, const struct value *d,
				const struct value *l, const struct value *own)
{
	struct value *out = value_list();
	bool *used = xcalloc(l->u.list.len + 1, sizeof *used);
	for (size_t i = 0; i < d->u.list.len; i++) {
		const struct value *de = d->u.list.items[i];
		const struct value *kv = value_map_get(de, key);
		size_t mark = w->path.len;
		path_push_elem(w, key, kv);
		const struct value *le = find_keyed(l, key, kv, used);
		struct value *lv = walk(w, NULL, de, le, le ? own_element(own, le) : NULL);
		if (lv)
			value_list_push(out, lv);
		path_pop(w, mark);
	}
	for (size_t i = 0; i < l->u.list.len; i++) {
		const struct value *le = l->u.list.items[i];
		const struct value *kv = le->type == V_MAP ? value_map_get(le, key) : NULL;
		if (used[i] || !kv || !own_element(own, le))
			continue;
		size_t mark = w->path.len;
		path_push_elem(w, key, kv);
		record(w, DIFF_REMOVE, le, NULL);
		value_list_push(out, value_copy(le));
		path_pop(w, mark);
	}
	free(used);
	return out;
}

/* A list without a merge key is replaced as a whole by an apply: compare by position. */
static struct value *walk_atomic(struct walk *w, const struct value *d, const struct value *l)
{
	struct value *out = value_list();
	size_t n = d->u.list.len > l->u.list.len ? d->u.list.len : l->u.list.len;
	for (size_t i = 0; i < n; i++) {
		size_t mark = w->path.len;
		sb_addf(&w->path, "[%zu]", i);
		if (i >= l->u.list.len) {
			record(w, DIFF_ADD, NULL, d->u.list.items[i]);
		} else if (i >= d->u.list.len) {
			record(w, DIFF_REMOVE, l->u.list.items[i], NULL);
			value_list_push(out, value_copy(l->u.list.items[i]));
		} else {
			value_list_push(out, walk(w, NULL, d->u.list.items[i], l->u.list.items[i], NULL));
		}
		path_pop(w, mark);
	}
	return out;
}

/* Compares d (rendered) with l (live, may be NULL); records changes and returns the live view
 * of this node (new reference), or NULL when the live side has nothing to show. */
static struct value *walk(struct walk *w, const char *field, const struct value *d,
			  const struct value *l, const struct value *own)
{
	if (!l || l->type == V_NULL) {
		if (empty_container(d))
			return value_copy(d);
		record(w, DIFF_ADD, NULL, d);
		return NULL;
	}
	if (d->type == V_MAP && l->type == V_MAP)
		return walk_map(w, d, l, own);
	if (d->type == V_LIST && l->type == V_LIST) {
		const char *key = merge_key_for(field, d);
		return key ? walk_keyed(w, key, d, l, own) : walk_atomic(w, d, l);
	}
	if (value_equal_json(d, l))
		return value_copy(d);
	record(w, DIFF_MODIFY, l, d);
	return value_copy(l);
}

/* ---------------------------------------------------------------- identity */

static const char *const cluster_kinds[] = {
	"Namespace", "Node", "PersistentVolume", "StorageClass", "ClusterRole",
	"ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass", "IngressClass",
	"APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
	"CSIDriver", "CSINode", "VolumeAttachment", "RuntimeClass",
};

bool diff_kind_cluster_scoped(const char *kind)
{
	for (size_t i = 0; kind && i < ARRAY_LEN(cluster_kinds); i++)
		if (strcmp(kind, cluster_kinds[i]) == 0)
			return true;
	return false;
}

static const char *str_field(const struct value *obj, const char *dotted)
{
	const struct value *v = obj && obj->type == V_MAP ? value_map_path(obj, dotted) : NULL;
	return v && v->type == V_STRING && v->u.str.len ? v->u.str.s : NULL;
}

/* The namespace an object lives in: its own, else ns, else "default"; NULL if cluster-scoped. */
static const char *object_ns(const struct value *obj, const char *ns)
{
	if (diff_kind_cluster_scoped(str_field(obj, "kind")))
		return NULL;
	const char *own = str_field(obj, "metadata.namespace");
	return own ? own : ns ? ns : "default";
}

char *diff_object_id(const struct value *obj, const char *ns)
{
	const char *av = str_field(obj, "apiVersion"), *kind = str_field(obj, "kind");
	const char *name = str_field(obj, "metadata.name");
	if (!av || !kind || !name)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	const char *slash = strchr(av, '/');
	if (slash)
		sb_addf(&sb, "%.*s.%s", (int)(slash - av), av, slash + 1);
	else
		sb_adds(&sb, av);
	const char *ons = object_ns(obj, ns);
	sb_addf(&sb, ".%s.%s%s%s", kind, ons ? ons : "", ons ? "." : "", name);
	return sb_detach(&sb, NULL);
}

static const struct { const char *kind, *plural; } irregular_plurals[] = {
	{"Endpoints", "endpoints"}, {"NetworkPolicy", "networkpolicies"},
	{"PodSecurityPolicy", "podsecuritypolicies"}, {"PriorityClass", "priorityclasses"},
	{"StorageClass", "storageclasses"}, {"IngressClass", "ingressclasses"},
	{"RuntimeClass", "runtimeclasses"}, {"ResourceQuota", "resourcequotas"},
};

static char *kind_plural(const char *kind)
{
	for (size_t i = 0; i < ARRAY_LEN(irregular_plurals); i++)
		if (strcmp(kind, irregular_plurals[i].kind) == 0)
			return xstrdup(irregular_plurals[i].plural);
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = kind; *p; p++)
		sb_addc(&sb, (char)tolower((unsigned char)*p));
	const char *s = sb_str(&sb);
	size_t n = sb.len;
	if (n && (s[n - 1] == 's' || s[n - 1] == 'x'))
		sb_adds(&sb, "es");
	else if (n > 1 && s[n - 1] == 'y' && !strchr("aeiou", s[n - 2])) {
		sb.buf[--sb.len] = '\0';
		sb_adds(&sb, "ies");
	} else
		sb_addc(&sb, 's');
	return sb_detach(&sb, NULL);
}

char *diff_object_path(const struct value *obj, const char *ns)
{
	const char *av = str_field(obj, "apiVersion"), *kind = str_field(obj, "kind");
	const char *name = str_field(obj, "metadata.name");
	if (!av || !kind || !name)
		return NULL;
	const char *ons = object_ns(obj, ns);
	char *plural = kind_plural(kind);
	char *path = xasprintf("/%s/%s%s%s/%s/%s", strchr(av, '/') ? "apis" : "api", av,
			       ons ? "/namespaces/" : "", ons ? ons : "", plural, name);
	free(plural);
	return path;
}

/* ---------------------------------------------------------------- the entry point */

int diff_object(const struct value *desired, const struct value *live, const char *ns,
		struct diff_result *out, struct tops_err *err)
{
	return diff_object_as(desired, live, ns, NULL, out, err);
}

int diff_object_as(const struct value *desired, const struct value *live, const char *ns,
		   const char *manager, struct diff_result *out, struct tops_err *err)
{
	memset(out, 0, sizeof *out);
	out->id = diff_object_id(desired, ns);
	if (!desired || desired->type != V_MAP || !out->id)
		return tops_err_set(err, TOPS_EINVAL,
				    "object has no apiVersion, kind or metadata.name");
	struct value *d = drop_nulls(desired);
	struct value *l = live && live->type == V_MAP ? value_copy(live) : NULL;
	struct value *own = l ? applied_fields(l, manager) : NULL;
	strip_server_fields(d);
	if (l)
		strip_server_fields(l);
	const char *kind = str_field(d, "kind");
	if (strcmp(kind, "Secret") == 0) {
		fold_string_data(d);
		if (l) /* an API server never returns stringData; a simpler one may keep it */
			fold_string_data(l);
		mask_secret(d, l);
	}
	out->desired_view = d;
	if (!l) {
		out->status = DIFF_CREATED;
		return 0;
	}
	struct walk w = {.r = out, .path = STRBUF_INIT};
	out->live_view = walk(&w, NULL, d, l, own);
	sb_done(&w.path);
	out->status = out->nchanges ? DIFF_CHANGED : DIFF_UNCHANGED;
	value_unref(own);
	value_unref(l);
	return 0;
}

void diff_result_done(struct diff_result *r)
{
	for (size_t i = 0; i < r->nchanges; i++) {
		free(r->changes[i].path);
		value_unref(r->changes[i].before);
		value_unref(r->changes[i].after);
	}
	free(r->changes);
	free(r->id);
	value_unref(r->live_view);
	value_unref(r->desired_view);
	memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------- YAML for humans */

static bool yaml_special_word(const char *s)
{
	static const char *const words[] = {
		"null", "~", "true", "false", "yes", "no", "on", "off", "y", "n",
	};
	for (size_t i = 0; i < ARRAY_LEN(words); i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	return false;
}

/* A string starting with a digit reads back as a string unless it looks like a number
 * (1.5, 1e3, 0x1f, 1_000, 1:20 in YAML 1.1): "250m", "2.5.3" and "10Gi" stay plain. */
static bool number_like_safe(const char *s)
{
	char *end;
	strtod(s, &end);
	if (*end == '\0' || strpbrk(s, ":_") || (s[0] == '0' && strchr("xXoObB", s[1] ? s[1] : ' ')))
		return false;
	return true;
}

/* Whether a string can be written unquoted and still read back as the same string. */
static bool plain_safe(const char *s, size_t n)
{
	if (n == 0 || strlen(s) != n || strchr("-?:,[]{}#&*!|>'\"%@` .+", s[0]))
		return false;
	if (isdigit((unsigned char)s[0]) && !number_like_safe(s))
		return false;
	if (s[n - 1] == ' ' || s[n - 1] == ':' || strstr(s, ": ") || strstr(s, " #"))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return !yaml_special_word(s);
}

static void yaml_quoted(struct strbuf *sb, const char *s, size_t n)
{
	sb_addc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			sb_addf(sb, "\\%c", c);
		else if (c == '\n')
			sb_adds(sb, "\\n");
		else if (c == '\t')
			sb_adds(sb, "\\t");
		else if (c < 0x20 || c == 0x7f)
			sb_addf(sb, "\\u%04x", c);
		else
			sb_addc(sb, (char)c);
	}
	sb_addc(sb, '"');
}

static void yaml_scalar(struct strbuf *sb, const struct value *v)
{
	switch (v->type) {
	case V_NULL: sb_adds(sb, "null"); break;
	case V_BOOL: sb_adds(sb, v->u.b ? "true" : "false"); break;
	case V_INT: sb_addf(sb, "%lld", (long long)v->u.i); break;
	case V_FLOAT: value_fmt_float_g(sb, v->u.f); break;
	case V_STRING:
		if (plain_safe(v->u.str.s, v->u.str.len))
			sb_add(sb, v->u.str.s, v->u.str.len);
		else
			yaml_quoted(sb, v->u.str.s, v->u.str.len);
		break;
	case V_MAP: sb_adds(sb, "{}"); break;
	case V_LIST: sb_adds(sb, "[]"); break;
	default: sb_addf(sb, "<%s>", value_type_name(v)); break;
	}
}

/* Multi-line text reads best as a literal block, one source line per diff line. */
static bool block_ok(const struct value *v)
{
	if (v->type != V_STRING || !memchr(v->u.str.s, '\n', v->u.str.len) || v->u.str.s[0] == ' ')
		return false;
	for (size_t i = 0; i < v->u.str.len; i++) {
		unsigned char c = (unsigned char)v->u.str.s[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static void yaml_block(struct strbuf *sb, const struct value *v, int indent)
{
	const char *s = v->u.str.s, *end = s + v->u.str.len;
	size_t trailing = 0;
	while (end - trailing > s && end[-1 - (long)trailing] == '\n')
		trailing++;
	sb_adds(sb, trailing == 0 ? " |-\n" : trailing == 1 ? " |\n" : " |+\n");
	const char *body_end = trailing > 1 ? end - 1 : end - trailing;
	for (;;) {
		const char *nl = memchr(s, '\n', (size_t)(body_end - s));
		const char *le = nl ? nl : body_end;
		if (le > s)
			sb_addf(sb, "%*s%.*s", indent, "", (int)(le - s), s);
		sb_addc(sb, '\n');
		if (!nl)
			break;
		s = nl + 1;
	}
}

/* A scalar after "key:" or "-": a block literal (indented by indent) or " scalar\n". */
static void yaml_leaf(struct strbuf *sb, const struct value *v, int indent)
{
	if (block_ok(v)) {
		yaml_block(sb, v, indent);
	} else {
		sb_addc(sb, ' ');
		yaml_scalar(sb, v);
		sb_addc(sb, '\n');
	}
}

static void yaml_list(struct strbuf *sb, const struct value *l, int indent);

static void yaml_entries(struct strbuf *sb, const struct value *m, int indent, bool first_inline)
{
	for (size_t i = 0; i < m->u.map.len; i++) {
		const struct vmap_entry *e = &m->u.map.e[i];
		const struct value *v = e->val;
		if (i > 0 || !first_inline)
			sb_addf(sb, "%*s", indent, "");
		struct value key = {.type = V_STRING, .u.str = {e->key, strlen(e->key)}};
		yaml_scalar(sb, &key);
		sb_addc(sb, ':');
		if (v->type == V_MAP && v->u.map.len) {
			sb_addc(sb, '\n');
			yaml_entries(sb, v, indent + 2, false);
		} else if (v->type == V_LIST && v->u.list.len) {
			sb_addc(sb, '\n');
			yaml_list(sb, v, indent);
		} else {
			yaml_leaf(sb, v, indent + 2);
		}
	}
}

static void yaml_list(struct strbuf *sb, const struct value *l, int indent)
{
	for (size_t i = 0; i < l->u.list.len; i++) {
		const struct value *v = l->u.list.items[i];
		sb_addf(sb, "%*s-", indent, "");
		if (v->type == V_MAP && v->u.map.len) {
			sb_addc(sb, ' ');
			yaml_entries(sb, v, indent + 2, true);
		} else if (v->type == V_LIST && v->u.list.len) {
			sb_addc(sb, '\n');
			yaml_list(sb, v, indent + 2);
		} else {
			yaml_leaf(sb, v, indent + 2);
		}
	}
}

void diff_yaml(const struct value *v, struct strbuf *out)
{
	if (!v)
		return;
	if (v->type == V_MAP && v->u.map.len)
		yaml_entries(out, v, 0, false);
	else if (v->type == V_LIST && v->u.list.len)
		yaml_list(out, v, 0);
	else {
		yaml_scalar(out, v);
		sb_addc(out, '\n');
	}
}

/* ---------------------------------------------------------------- unified text */

struct lines {
	const char **s;
	int *len;
	size_t n;
};

static void lines_split(struct lines *ls, const char *text, size_t len)
{
	ls->n = 0;
	size_t cap = 16;
	ls->s = xmalloc(cap * sizeof *ls->s);
	ls->len = xmalloc(cap * sizeof *ls->len);
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (ls->n == cap) {
			cap *= 2;
			ls->s = xrealloc(ls->s, cap * sizeof *ls->s);
			ls->len = xrealloc(ls->len, cap * sizeof *ls->len);
		}
		ls->s[ls->n] = p;
		ls->len[ls->n++] = (int)(le - p);
		p = nl ? nl + 1 : end;
	}
}

static bool line_eq(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], (size_t)a->len[i]) == 0;
}

/* One edit per output line: ' ' both, '-' old only, '+' new only. */
struct edit {
	char op;
	size_t ai, bi;  /* line index in old and new at this point */
};

#define LCS_MAX_CELLS (4u << 20)

/* Longest-common-subsequence edit script; falls back to "replace all" for huge inputs. */
static struct edit *edit_script(const struct lines *a, const struct lines *b, size_t *nout)
{
	size_t n = a->n, m = b->n, k = 0;
	struct edit *ed = xmalloc((n + m + 1) * sizeof *ed);
	unsigned *t = NULL;
	if ((n + 1) * (m + 1) <= LCS_MAX_CELLS) {
		t = xcalloc((n + 1) * (m + 1), sizeof *t);
		for (size_t i = n; i-- > 0;)
			for (size_t j = m; j-- > 0;)
				t[i * (m + 1) + j] = line_eq(a, i, b, j) ? t[(i + 1) * (m + 1) + j + 1] + 1 :
					t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1] ?
					t[(i + 1) * (m + 1) + j] : t[i * (m + 1) + j + 1];
	}
	size_t i = 0, j = 0;
	while (i < n || j < m) {
		if (t && i < n && j < m && line_eq(a, i, b, j)) {
			ed[k++] = (struct edit){' ', i++, j++};
		} else if (i < n && (j == m || !t || t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1])) {
			ed[k++] = (struct edit){'-', i++, j};
		} else {
			ed[k++] = (struct edit){'+', i, j++};
		}
	}
	free(t);
	*nout = k;
	return ed;
}

static void emit_hunk(struct strbuf *out, const struct edit *ed, size_t from, size_t to,
		      const struct lines *a, const struct lines *b)
{
	size_t na = 0, nb = 0;
	for (size_t k = from; k < to; k++) {
		na += ed[k].op != '+';
		nb += ed[k].op != '-';
	}
	size_t sa = ed[from].ai + (na ? 1 : 0), sbn = ed[from].bi + (nb ? 1 : 0);
	sb_addf(out, "@@ -%zu,%zu +%zu,%zu @@\n", sa, na, sbn, nb);
	for (size_t k = from; k < to; k++) {
		const struct lines *src = ed[k].op == '+' ? b : a;
		size_t idx = ed[k].op == '+' ? ed[k].bi : ed[k].ai;
		sb_addf(out, "%c%.*s\n", ed[k].op, src->len[idx], src->s[idx]);
	}
}

static void unified_hunks(struct strbuf *out, const struct lines *a, const struct lines *b,
			  int context)
{
	size_t n, ctx = context < 0 ? 0 : (size_t)context;
	struct edit *ed = edit_script(a, b, &n);
	size_t k = 0;
	while (k < n) {
		while (k < n && ed[k].op == ' ')
			k++;
		if (k == n)
			break;
		size_t from = k > ctx ? k - ctx : 0, last = k;
		for (size_t j = k; j < n && j <= last + 2 * ctx + 1; j++)
			if (ed[j].op != ' ')
				last = j;
		size_t to = last + ctx + 1 < n ? last + ctx + 1 : n;
		emit_hunk(out, ed, from, to, a, b);
		k = to;
	}
	free(ed);
}

void diff_unified(const struct diff_result *r, int context, struct strbuf *out)
{
	if (r->status == DIFF_UNCHANGED)
		return;
	struct strbuf ta = STRBUF_INIT, tb = STRBUF_INIT;
	if (r->live_view)
		diff_yaml(r->live_view, &ta);
	diff_yaml(r->desired_view, &tb);
	struct lines a, b;
	lines_split(&a, sb_str(&ta), ta.len);
	lines_split(&b, sb_str(&tb), tb.len);
	sb_addf(out, "--- live/%s\n+++ rendered/%s\n", r->id, r->id);
	unified_hunks(out, &a, &b, context);
	free(a.s);
	free(a.len);
	free(b.s);
	free(b.len);
	sb_done(&ta);
	sb_done(&tb);
}
