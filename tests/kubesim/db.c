/* db — see db.h. */
#include "tests/kubesim/db.h"

#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/table.h"

struct table {
	struct obj **v;
	size_t len, cap;
};

struct listener {
	db_listener_fn fn;
	void *ctx;
};

/* Dependents of one owner uid; sets stay in the hash (emptied) once created. Pods in the
 * namespace of the first dependent (home) are also counted, ready ones apart. */
struct depset {
	char *uid, *home;
	struct obj **v;
	size_t len, cap;
	int pods, ready;
};

static struct table tables[K_COUNT];
static struct depset **deps;
static size_t deps_cap, deps_n;
static uint64_t cur_rv = 1000;
static struct hist *ring;
static size_t ring_cap, ring_head, ring_len;
static struct listener listeners[8];
static int nlisteners;
static uint64_t uid_counter;

/* ---- compact JSON text ---- */

/* Length of the JSON value at p (compact text from value_to_json), or 0 when malformed. */
static size_t json_skip(const char *p, const char *end)
{
	const char *q = p;
	if (p >= end)
		return 0;
	if (*p == '"') {
		for (q = p + 1; q < end; q++)
			if (*q == '\\')
				q++;
			else if (*q == '"')
				return (size_t)(q - p + 1);
		return 0;
	}
	if (*p == '{' || *p == '[') {
		int depth = 0;
		bool in_str = false;
		for (; q < end; q++) {
			if (in_str) {
				if (*q == '\\')
					q++;
				else if (*q == '"')
					in_str = false;
			} else if (*q == '"') {
				in_str = true;
			} else if (*q == '{' || *q == '[') {
				depth++;
			} else if ((*q == '}' || *q == ']') && --depth == 0) {
				return (size_t)(q - p + 1);
			}
		}
		return 0;
	}
	while (q < end && *q != ',' && *q != '}' && *q != ']')
		q++;
	return (size_t)(q - p);
}

const char *json_member(const char *json, size_t len, const char *key, size_t *out_len)
{
	const char *p = json, *end = json + len;
	size_t kl = strlen(key);
	if (p >= end || *p++ != '{')
		return NULL;
	while (p < end && *p == '"') {
		size_t n = json_skip(p, end);
		if (!n || p + n >= end || p[n] != ':')
			return NULL;
		bool hit = n == kl + 2 && memcmp(p + 1, key, kl) == 0;
		p += n + 1;
		size_t vn = json_skip(p, end);
		if (!vn)
			return NULL;
		if (hit) {
			*out_len = vn;
			return p;
		}
		p += vn;
		if (p < end && *p == ',')
			p++;
	}
	return NULL;
}

void blob_unref(struct blob *b)
{
	if (b && --b->refs == 0)
		free(b);
}

static struct blob *blob_from(const struct value *v)
{
	size_t n;
	struct strbuf sb = STRBUF_INIT;
	char *s = value_to_json(v, false, false);
	n = strlen(s);
	struct blob *b = xmalloc(sizeof(*b) + n + 1);
	b->refs = 1;
	b->len = n;
	memcpy(b->data, s, n + 1);
	free(s);
	sb_done(&sb);
	return b;
}

void db_init(size_t history_cap)
{
	ring_cap = history_cap ? history_cap : 10000;
	ring = xcalloc(ring_cap, sizeof(*ring));
}

void db_listen(db_listener_fn fn, void *ctx)
{
	if (nlisteners < (int)ARRAY_LEN(listeners))
		listeners[nlisteners++] = (struct listener){fn, ctx};
}

uint64_t db_rv(void) { return cur_rv; }

uint64_t db_oldest_rv(void)
{
	if (ring_len < ring_cap)
		return 0;
	return ring[ring_head].rv - 1;
}

static int key_cmp(const struct obj *o, const char *ns, const char *name)
{
	int c = strcmp(o->ns, ns);
	return c ? c : strcmp(o->name, name);
}

/* First index whose key is >= (ns, name); *found when equal. */
static size_t lower_bound(const struct table *t, const char *ns, const char *name, bool *found)
{
	size_t lo = 0, hi = t->len;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (key_cmp(t->v[mid], ns, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (found)
		*found = lo < t->len && key_cmp(t->v[lo], ns, name) == 0;
	return lo;
}

struct obj *db_find(int kind, const char *ns, const char *name)
{
	bool found;
	size_t i = lower_bound(&tables[kind], ns ? ns : "", name, &found);
	return found ? tables[kind].v[i] : NULL;
}

struct value *obj_value(const struct obj *o)
{
	return value_from_json(o->json->data, o->json->len, NULL);
}

struct value *db_get(int kind, const char *ns, const char *name)
{
	struct obj *o = db_find(kind, ns, name);
	return o ? obj_value(o) : NULL;
}

size_t db_count(int kind) { return tables[kind].len; }
struct obj *db_at(int kind, size_t i) { return i < tables[kind].len ? tables[kind].v[i] : NULL; }

size_t db_after(int kind, const char *ns, const char *name)
{
	bool found;
	size_t i = lower_bound(&tables[kind], ns, name, &found);
	return found ? i + 1 : i;
}

size_t db_ns_start(int kind, const char *ns)
{
	return lower_bound(&tables[kind], ns, "", NULL);
}

size_t db_ns_end(int kind, const char *ns)
{
	const struct table *t = &tables[kind];
	size_t lo = lower_bound(t, ns, "", NULL), hi = t->len;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(t->v[mid]->ns, ns) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The version a MODIFIED event replaces, while its listeners run (selector watches need it). */
static struct blob *event_prev;

const struct blob *db_event_prev(void) { return event_prev; }

static void history_add(int kind, const char *type, struct obj *o)
{
	struct hist *h;
	if (ring_len == ring_cap) {
		h = &ring[ring_head];
		blob_unref(h->json);
		if (h->prev)
			blob_unref(h->prev);
		free(h->ns);
		ring_head = (ring_head + 1) % ring_cap;
		ring_len--;
	}
	h = &ring[(ring_head + ring_len) % ring_cap];
	ring_len++;
	h->rv = o->rv;
	h->kind = kind;
	h->type = type;
	h->json = o->json;
	o->json->refs++;
	h->prev = event_prev;
	if (event_prev)
		event_prev->refs++;
	h->ns = xstrdup(o->ns);
}

void db_history(uint64_t after, void (*fn)(const struct hist *h, void *ctx), void *ctx)
{
	for (size_t i = 0; i < ring_len; i++) {
		const struct hist *h = &ring[(ring_head + i) % ring_cap];
		if (h->rv > after)
			fn(h, ctx);
	}
}

/* prev: the version a MODIFIED replaces (NULL otherwise), shown to listeners by db_event_prev. */
static void emit(int kind, const char *type, struct obj *o, struct blob *prev)
{
	struct blob *outer = event_prev;
	event_prev = prev;
	history_add(kind, type, o);
	for (int i = 0; i < nlisteners; i++) {
		event_prev = prev; /* a listener's own writes emit in between */
		listeners[i].fn(kind, type, o, listeners[i].ctx);
	}
	event_prev = outer;
}

static const char *controller_uid(const struct value *v)
{
	struct value *refs = value_map_path(v, "metadata.ownerReferences");
	if (!refs || refs->type != V_LIST)
		return NULL;
	for (size_t i = 0; i < refs->u.list.len; i++) {
		struct value *r = refs->u.list.items[i];
		struct value *c = value_map_get(r, "controller");
		if (c && c->type == V_BOOL && c->u.b)
			return vstr(r, "uid");
	}
	return refs->u.list.len ? vstr(refs->u.list.items[0], "uid") : NULL;
}

static void deps_grow(void);

static struct depset *deps_find(const char *uid, bool create)
{
	if (create && (deps_n + 1) * 2 > deps_cap)
		deps_grow();
	if (!deps_cap)
		return NULL;
	size_t i = sim_hash(uid, strlen(uid), 0) & (deps_cap - 1);
	for (; deps[i]; i = (i + 1) & (deps_cap - 1))
		if (strcmp(deps[i]->uid, uid) == 0)
			return deps[i];
	if (!create)
		return NULL;
	deps[i] = xcalloc(1, sizeof(**deps));
	deps[i]->uid = xstrdup(uid);
	deps_n++;
	return deps[i];
}

static void deps_grow(void)
{
	struct depset **old = deps;
	size_t ocap = deps_cap;
	deps_cap = deps_cap ? deps_cap * 2 : 256;
	deps = xcalloc(deps_cap, sizeof(*deps));
	for (size_t i = 0; i < ocap; i++)
		if (old[i]) {
			size_t j = sim_hash(old[i]->uid, strlen(old[i]->uid), 0) & (deps_cap - 1);
			while (deps[j])
				j = (j + 1) & (deps_cap - 1);
			deps[j] = old[i];
		}
	free(old);
}

static void deps_add(struct obj *o)
{
	if (!o->owner_uid)
		return;
	struct depset *d = deps_find(o->owner_uid, true);
	if (!d->home)
		d->home = xstrdup(o->ns);
	if (o->kind == K_POD && strcmp(o->ns, d->home) == 0) {
		d->pods++;
		d->ready += o->ready;
	}
	if (d->len == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	o->dep_at = d->len;
	d->v[d->len++] = o;
}

static void deps_del(struct obj *o)
{
	struct depset *d = o->owner_uid ? deps_find(o->owner_uid, false) : NULL;
	if (!d || o->dep_at >= d->len || d->v[o->dep_at] != o)
		return;
	if (o->kind == K_POD && strcmp(o->ns, d->home) == 0) {
		d->pods--;
		d->ready -= o->ready;
	}
	struct obj *last = d->v[--d->len];
	d->v[o->dep_at] = last;
	last->dep_at = o->dep_at;
	if (!d->len) {
		free(d->v);
		d->v = NULL;
		d->cap = 0;
	}
}

struct obj *const *db_owned(const char *uid, size_t *n)
{
	struct depset *d = uid ? deps_find(uid, false) : NULL;
	*n = d ? d->len : 0;
	return d ? d->v : NULL;
}

int db_owned_pods(const char *uid, const char *ns, int *ready)
{
	struct depset *d = uid ? deps_find(uid, false) : NULL;
	int n = 0;
	*ready = 0;
	if (d && d->home && strcmp(d->home, ns) == 0) {
		*ready = d->ready;
		return d->pods;
	}
	for (size_t i = 0; d && i < d->len; i++)
		if (d->v[i]->kind == K_POD && strcmp(d->v[i]->ns, ns) == 0) {
			n++;
			*ready += d->v[i]->ready;
		}
	return n;
}

static bool pod_is_ready(const struct value *v)
{
	struct value *conds = value_map_path(v, "status.conditions");
	if (!conds || conds->type != V_LIST)
		return false;
	for (size_t i = 0; i < conds->u.list.len; i++) {
		const char *t = vstr(conds->u.list.items[i], "type");
		if (t && strcmp(t, "Ready") == 0)
			return strcmp(vstr(conds->u.list.items[i], "status") ?: "", "True") == 0;
	}
	return false;
}

/* Refreshes the index fields of o from v and replaces its JSON text. */
static void obj_fill(struct obj *o, const struct value *v)
{
	const char *ou = controller_uid(v);
	deps_del(o);
	if (!o->owner_uid || !ou || strcmp(o->owner_uid, ou) != 0) {
		free(o->owner_uid);
		o->owner_uid = ou ? xstrdup(ou) : NULL;
	}
	value_unref(o->labels);
	struct value *l = value_map_path(v, "metadata.labels");
	o->labels = l && l->type == V_MAP ? value_ref(l) : value_map();
	if (o->kind == K_POD) {
		o->ready = pod_is_ready(v);
		const char *ph = vstr(v, "status.phase");
		o->phase = ph ? ph[0] : 'P';
	}
	deps_add(o);
	blob_unref(o->json);
	o->json = blob_from(v);
	/* Table cells are made now, from the tree at hand, so listing as a Table never parses. */
	free(o->cells);
	o->cells = table_cells(o->kind, v, o->json->data, o->json->len);
}

static int check_meta(int kind, struct value *v, struct tops_err *err)
{
	if (!v || v->type != V_MAP)
		return tops_err_set(err, SIM_EBADREQ, "the object is not a JSON object");
	struct value *md = vmap(v, "metadata");
	const char *name = vstr(md, "name");
	if (!name || !*name)
		return tops_err_set(err, TOPS_EINVAL, "%s \"\" is invalid: metadata.name: Required value: name or generateName is required", kinds[kind].kind);
	if (strlen(name) > 253 || strchr(name, '/') || strchr(name, ' '))
		return tops_err_set(err, TOPS_EINVAL, "%s \"%s\" is invalid: metadata.name: Invalid value: \"%s\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'", kinds[kind].kind, name, name);
	if (!kinds[kind].namespaced)
		value_map_del(md, "namespace");
	else if (!vstr(md, "namespace"))
		vset_str(md, "namespace", "default");
	vset_str(v, "apiVersion", kind_api_version(kind));
	vset_str(v, "kind", kinds[kind].kind);
	return 0;
}

static void table_insert(struct table *t, size_t at, struct obj *o)
{
	if (t->len == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	memmove(t->v + at + 1, t->v + at, (t->len - at) * sizeof(*t->v));
	t->v[at] = o;
	t->len++;
}

static char *new_uid(void)
{
	uint64_t a = sim_rand(), b = ++uid_counter;
	return xasprintf("%08x-%04x-4%03x-8%03x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
			 (unsigned)(a >> 4) & 0xfff, (unsigned)(b >> 12) & 0xfff,
			 (unsigned long long)((a ^ (b << 20)) & 0xffffffffffffULL));
}

int db_create(int kind, struct value *v, struct tops_err *err)
{
	if (v && v->type == V_MAP) {
		struct value *md = vmap(v, "metadata");
		const char *gen = vstr(md, "generateName");
		if (gen && !vstr(md, "name")) {
			char sfx[6];
			sim_rand_suffix(sfx, 5);
			value_map_set(md, "name", value_strf("%s%s", gen, sfx));
		}
	}
	int rc = check_meta(kind, v, err);
	if (rc)
		return rc;
	struct value *md = value_map_get(v, "metadata");
	const char *ns = vstr(md, "namespace") ?: "", *name = vstr(md, "name");
	bool found;
	struct table *t = &tables[kind];
	size_t at = lower_bound(t, ns, name, &found);
	if (found)
		return tops_err_set(err, SIM_EEXISTS, "%s \"%s\" already exists", kinds[kind].resource, name);
	struct obj *o = xcalloc(1, sizeof(*o));
	o->kind = kind;
	o->ns = xstrdup(ns);
	o->name = xstrdup(name);
	o->uid = new_uid();
	o->rv = ++cur_rv;
	vset_str(md, "uid", o->uid);
	value_map_set(md, "resourceVersion", value_strf("%llu", (unsigned long long)o->rv));
	if (!vstr(md, "creationTimestamp"))
		value_map_set(md, "creationTimestamp", value_str_own(sim_timestamp(sim_wall()), 20));
	if (value_map_get(v, "spec") && !value_map_get(md, "generation"))
		vset_int(md, "generation", 1);
	obj_fill(o, v);
	table_insert(t, at, o);
	emit(kind, "ADDED", o, NULL);
	return 0;
}

/* Keeps fields the caller may not change and bumps generation on spec changes. */
static void carry_over(const struct value *old, struct value *v, bool keep_status)
{
	struct value *md = vmap(v, "metadata"), *omd = value_map_get(old, "metadata");
	value_map_set(md, "uid", value_ref(value_map_get(omd, "uid")));
	value_map_set(md, "creationTimestamp", value_ref(value_map_get(omd, "creationTimestamp")));
	int64_t gen = vint(omd, "generation", 0);
	if (gen && !value_equal(value_map_get(old, "spec"), value_map_get(v, "spec")))
		gen++;
	if (gen)
		vset_int(md, "generation", gen);
	if (keep_status) {
		struct value *st = value_map_get(old, "status");
		if (st)
			value_map_set(v, "status", value_ref(st));
		else
			value_map_del(v, "status");
	}
}

int db_update(int kind, struct value *v, bool check_rv, bool keep_status, struct tops_err *err)
{
	int rc = check_meta(kind, v, err);
	if (rc)
		return rc;
	struct value *md = value_map_get(v, "metadata");
	const char *name = vstr(md, "name");
	struct obj *o = db_find(kind, vstr(md, "namespace"), name);
	if (!o)
		return tops_err_set(err, TOPS_ENOENT, "%s \"%s\" not found", kinds[kind].resource, name);
	const char *rv = vstr(md, "resourceVersion");
	if (check_rv && rv && *rv && strtoull(rv, NULL, 10) != o->rv)
		return tops_err_set(err, TOPS_ECONFLICT, "Operation cannot be fulfilled on %s%s%s \"%s\": the object has been modified; please apply your changes to the latest version and try again",
				    kinds[kind].resource, *kinds[kind].group ? "." : "", kinds[kind].group, name);
	struct value *old = obj_value(o);
	carry_over(old, v, keep_status);
	value_map_set(md, "resourceVersion", value_strf("%llu", (unsigned long long)o->rv));
	if (value_equal(old, v)) {
		value_unref(old);
		return 0;
	}
	value_unref(old);
	o->rv = ++cur_rv;
	value_map_set(md, "resourceVersion", value_strf("%llu", (unsigned long long)o->rv));
	struct blob *prev = o->json;
	prev->refs++;
	obj_fill(o, v);
	emit(kind, "MODIFIED", o, prev);
	blob_unref(prev);
	return 0;
}

static void obj_free(struct obj *o)
{
	free(o->ns); free(o->name); free(o->uid); free(o->owner_uid); free(o->cells);
	value_unref(o->labels);
	blob_unref(o->json);
	free(o);
}

int db_delete(int kind, const char *ns, const char *name, struct value **out, struct tops_err *err)
{
	bool found;
	struct table *t = &tables[kind];
	size_t i = lower_bound(t, ns ? ns : "", name, &found);
	if (!found)
		return tops_err_set(err, TOPS_ENOENT, "%s \"%s\" not found", kinds[kind].resource, name);
	struct obj *o = t->v[i];
	memmove(t->v + i, t->v + i + 1, (t->len - i - 1) * sizeof(*t->v));
	t->len--;
	deps_del(o);
	struct value *v = obj_value(o);
	o->rv = ++cur_rv;
	value_map_set(vmap(v, "metadata"), "resourceVersion", value_strf("%llu", (unsigned long long)o->rv));
	blob_unref(o->json);
	o->json = blob_from(v);
	free(o->cells);
	o->cells = table_cells(kind, v, o->json->data, o->json->len);
	emit(kind, "DELETED", o, NULL);
	if (out)
		*out = v;
	else
		value_unref(v);
	obj_free(o);
	return 0;
}
