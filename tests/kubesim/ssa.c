#include "tests/kubesim/ssa.h"

#include "tests/kubesim/patch.h"

#include <stdlib.h>
#include <string.h>

#define SEP "\x1f"

/* Top-level and metadata fields that are the object's identity or the server's, never owned. */
static const char *const unowned_top[] = {"apiVersion", "kind", "status"};
static const char *const unowned_meta[] = {"name", "namespace", "uid", "resourceVersion",
	"generation", "creationTimestamp", "managedFields", "selfLink", "deletionTimestamp"};

static bool in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return true;
	return false;
}

/* ---- paths: the leaves of a field set, as "f:spec\x1ff:replicas" strings ---- */

static void add_path(struct value *set, const char *p)
{
	value_map_set(set, p, value_bool(true));
}

static char *item_key(const char *key, const struct value *item)
{
	const struct value *kv = value_map_get(item, key);
	char *j = kv ? value_to_json(kv, false, false) : xstrdup("null");
	char *s = xasprintf("k:{\"%s\":%s}", key, j);
	free(j);
	return s;
}

static void paths_of_value(const char *prefix, const char *field, const struct value *v, struct value *set);

static void paths_of_map(const char *prefix, const struct value *m, int depth, struct value *set)
{
	for (size_t i = 0; i < m->u.map.len; i++) {
		const char *k = m->u.map.e[i].key;
		if ((depth == 0 && in(k, unowned_top, ARRAY_LEN(unowned_top))) ||
		    (depth == 1 && !strcmp(prefix, "f:metadata") && in(k, unowned_meta, ARRAY_LEN(unowned_meta))))
			continue;
		char *p = *prefix ? xasprintf("%s" SEP "f:%s", prefix, k) : xasprintf("f:%s", k);
		const struct value *v = m->u.map.e[i].val;
		if (v && v->type == V_MAP && v->u.map.len)
			paths_of_map(p, v, depth + 1, set);
		else
			paths_of_value(p, k, v, set);
		free(p);
	}
}

/* Lists of scalars that are sets (listType=set): each item is owned on its own, as v:VALUE. */
static const char *const set_lists[] = {"f:metadata" SEP "f:finalizers"};

static bool paths_of_set(const char *prefix, const struct value *v, struct value *set)
{
	if (!v || v->type != V_LIST || !in(prefix, set_lists, ARRAY_LEN(set_lists)))
		return false;
	for (size_t i = 0; i < v->u.list.len; i++) {
		char *j = value_to_json(v->u.list.items[i], false, false);
		char *p = xasprintf("%s" SEP "v:%s", prefix, j);
		add_path(set, p);
		free(j), free(p);
	}
	return true;
}

static void paths_of_value(const char *prefix, const char *field, const struct value *v, struct value *set)
{
	if (paths_of_set(prefix, v, set))
		return;
	const char *key = v && v->type == V_LIST && v->u.list.len ? patch_merge_key(field, v) : NULL;
	for (size_t i = 0; key && i < v->u.list.len; i++)
		if (v->u.list.items[i]->type != V_MAP || !value_map_get(v->u.list.items[i], key))
			key = NULL;
	if (!key) {
		add_path(set, prefix); /* a scalar, an empty map or an atomic list */
		return;
	}
	for (size_t i = 0; i < v->u.list.len; i++) {
		char *ik = item_key(key, v->u.list.items[i]);
		char *p = xasprintf("%s" SEP "%s", prefix, ik);
		char *dot = xasprintf("%s" SEP ".", p);
		add_path(set, dot);
		paths_of_map(p, v->u.list.items[i], 99, set);
		free(ik), free(p), free(dot);
	}
}

static struct value *paths_of(const struct value *obj)
{
	struct value *set = value_map();
	if (obj && obj->type == V_MAP)
		paths_of_map("", obj, 0, set);
	return set;
}

/* fieldsV1 <-> path set */

static void tree_add(struct value *tree, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	struct value *cur = tree;
	for (char *seg = strtok_r(copy, SEP, &save); seg; seg = strtok_r(NULL, SEP, &save)) {
		struct value *next = value_map_get(cur, seg);
		if (!next) {
			next = value_map();
			value_map_set(cur, seg, next);
		}
		cur = next;
	}
	free(copy);
}

static struct value *tree_of(const struct value *set)
{
	struct value *t = value_map();
	for (size_t i = 0; i < set->u.map.len; i++)
		tree_add(t, set->u.map.e[i].key);
	return t;
}

static void set_of_tree(const char *prefix, const struct value *t, struct value *set)
{
	for (size_t i = 0; t && t->type == V_MAP && i < t->u.map.len; i++) {
		const char *k = t->u.map.e[i].key;
		const struct value *c = t->u.map.e[i].val;
		char *p = *prefix ? xasprintf("%s" SEP "%s", prefix, k) : xstrdup(k);
		if (!c || c->type != V_MAP || !c->u.map.len)
			add_path(set, p);
		else
			set_of_tree(p, c, set);
		free(p);
	}
}

/* ---- navigation ---- */

/* The list item a "k:{...}" segment names, and its index. */
static struct value *find_item(const struct value *list, const char *seg, size_t *at)
{
	struct value *key = value_from_json(seg + 2, strlen(seg + 2), NULL);
	struct value *found = NULL;
	for (size_t i = 0; key && key->type == V_MAP && list && list->type == V_LIST &&
			   i < list->u.list.len && !found; i++) {
		bool all = true;
		for (size_t k = 0; k < key->u.map.len && all; k++)
			all = value_equal_json(value_map_get(list->u.list.items[i], key->u.map.e[k].key),
					       key->u.map.e[k].val);
		if (all && key->u.map.len) {
			found = list->u.list.items[i];
			*at = i;
		}
	}
	value_unref(key);
	return found;
}

/* The item of a set list that a "v:VALUE" segment names, and its index. */
static struct value *find_value(const struct value *list, const char *seg, size_t *at)
{
	struct value *want = value_from_json(seg + 2, strlen(seg + 2), NULL), *found = NULL;
	for (size_t i = 0; want && list && list->type == V_LIST && i < list->u.list.len && !found; i++)
		if (value_equal_json(list->u.list.items[i], want)) {
			found = list->u.list.items[i];
			*at = i;
		}
	value_unref(want);
	return found;
}

static void list_drop(struct value *list, size_t at)
{
	value_unref(list->u.list.items[at]);
	memmove(list->u.list.items + at, list->u.list.items + at + 1,
		(list->u.list.len - at - 1) * sizeof *list->u.list.items);
	list->u.list.len--;
}

/* Walks to the parent of the path's last segment; returns the parent and the last segment. */
static struct value *walk(const struct value *obj, const char *path, char **last)
{
	char *copy = xstrdup(path), *save = NULL;
	const struct value *cur = obj;
	char *seg = strtok_r(copy, SEP, &save), *next;
	while (cur && seg && (next = strtok_r(NULL, SEP, &save))) {
		size_t at;
		cur = seg[0] == 'f' ? value_map_get(cur, seg + 2) : seg[0] == 'k' ? find_item(cur, seg, &at) : cur;
		seg = next;
	}
	*last = seg ? xstrdup(seg) : NULL;
	free(copy);
	return (struct value *)cur;
}

static const struct value *value_at(const struct value *obj, const char *path)
{
	char *last = NULL;
	const struct value *parent = walk(obj, path, &last), *v = NULL;
	size_t at;
	if (parent && last)
		v = last[0] == 'f' ? value_map_get(parent, last + 2) :
		    last[0] == 'k' ? find_item(parent, last, &at) :
		    last[0] == 'v' ? find_value(parent, last, &at) : parent;
	free(last);
	return v;
}

static void remove_at(struct value *obj, const char *path)
{
	char *last = NULL;
	struct value *parent = walk(obj, path, &last);
	size_t at;
	if (parent && last && last[0] == 'f' && parent->type == V_MAP) {
		value_map_del(parent, last + 2);
	} else if (parent && last && last[0] == 'v' && find_value(parent, last, &at)) {
		list_drop(parent, at);
	} else if (parent && last && last[0] == '.') {
		/* the item itself: walk to its list and drop it */
		char *item_path = xstrndup(path, strlen(path) - 2);
		char *ik = NULL;
		struct value *list = walk(obj, item_path, &ik);
		if (list && ik && find_item(list, ik, &at))
			list_drop(list, at);
		free(item_path), free(ik);
	}
	free(last);
}

/* ".spec.template.spec.containers[name=\"web\"].image", as the API names a field. */
static char *field_name(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char *copy = xstrdup(path), *save = NULL;
	for (char *seg = strtok_r(copy, SEP, &save); seg; seg = strtok_r(NULL, SEP, &save)) {
		if (seg[0] == 'f') {
			sb_addf(&sb, ".%s", seg + 2);
		} else if (seg[0] == 'k') {
			struct value *key = value_from_json(seg + 2, strlen(seg + 2), NULL);
			for (size_t i = 0; key && key->type == V_MAP && i < key->u.map.len; i++) {
				char *j = value_to_json(key->u.map.e[i].val, false, false);
				sb_addf(&sb, "[%s=%s]", key->u.map.e[i].key, j);
				free(j);
			}
			value_unref(key);
		} else if (seg[0] == 'v') {
			sb_addf(&sb, "[=%s]", seg + 2);
		}
	}
	free(copy);
	return sb_detach(&sb, NULL);
}

/* ---- managedFields ---- */

struct mf {
	char *manager, *operation, *api_version, *time, *subresource;
	struct value *set;
};

struct mfs {
	struct mf *e;
	size_t n;
};

static const char *sget(const struct value *m, const char *k)
{
	const struct value *v = value_map_get(m, k);
	return v && v->type == V_STRING ? v->u.str.s : NULL;
}

static void mfs_read(const struct value *obj, struct mfs *out)
{
	const struct value *l = value_map_path(obj, "metadata.managedFields");
	out->n = 0;
	out->e = xcalloc((l && l->type == V_LIST ? l->u.list.len : 0) + 2, sizeof *out->e);
	for (size_t i = 0; l && l->type == V_LIST && i < l->u.list.len; i++) {
		const struct value *m = l->u.list.items[i];
		struct mf *e = &out->e[out->n++];
		e->manager = xstrdup(sget(m, "manager") ? sget(m, "manager") : "");
		e->operation = xstrdup(sget(m, "operation") ? sget(m, "operation") : "Update");
		e->api_version = xstrdup(sget(m, "apiVersion") ? sget(m, "apiVersion") : "v1");
		e->time = sget(m, "time") ? xstrdup(sget(m, "time")) : NULL;
		e->subresource = sget(m, "subresource") ? xstrdup(sget(m, "subresource")) : NULL;
		e->set = value_map();
		set_of_tree("", value_map_get(m, "fieldsV1"), e->set);
	}
}

static void mfs_done(struct mfs *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].manager), free(m->e[i].operation), free(m->e[i].api_version);
		free(m->e[i].time), free(m->e[i].subresource);
		value_unref(m->e[i].set);
	}
	free(m->e);
}

static struct mf *mfs_get(struct mfs *m, const char *manager, const char *op, const char *apiv)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->e[i].manager, manager) && !strcmp(m->e[i].operation, op) && !m->e[i].subresource)
			return &m->e[i];
	struct mf *e = &m->e[m->n++];
	*e = (struct mf){.manager = xstrdup(manager), .operation = xstrdup(op), .api_version = xstrdup(apiv),
			 .set = value_map()};
	return e;
}

static void mfs_write(struct value *obj, const struct mfs *m)
{
	struct value *l = value_list();
	for (size_t i = 0; i < m->n; i++) {
		const struct mf *e = &m->e[i];
		if (!e->set->u.map.len)
			continue;
		struct value *v = value_map();
		value_map_set(v, "manager", value_str(e->manager));
		value_map_set(v, "operation", value_str(e->operation));
		value_map_set(v, "apiVersion", value_str(e->api_version));
		if (e->time)
			value_map_set(v, "time", value_str(e->time));
		value_map_set(v, "fieldsType", value_str("FieldsV1"));
		value_map_set(v, "fieldsV1", tree_of(e->set));
		if (e->subresource)
			value_map_set(v, "subresource", value_str(e->subresource));
		value_list_push(l, v);
	}
	struct value *md = value_map_get(obj, "metadata");
	if (md && md->type == V_MAP)
		value_map_set(md, "managedFields", l);
	else
		value_unref(l);
}

static bool owned_by_other(const struct mfs *m, const struct mf *me, const char *p)
{
	for (size_t i = 0; i < m->n; i++)
		if (&m->e[i] != me && value_map_get(m->e[i].set, p))
			return true;
	return false;
}

static void set_time(struct mf *e, const char *now)
{
	free(e->time);
	e->time = xstrdup(now);
}

/* Fields of config that other managers own with another value; with force they move. */
static struct value *find_conflicts(struct mfs *m, const char *manager, const struct value *live,
				    const struct value *config, const struct value *newset, bool force)
{
	struct value *out = value_list();
	for (size_t i = 0; i < m->n; i++) {
		struct mf *e = &m->e[i];
		if (!strcmp(e->manager, manager))
			continue;
		for (size_t k = 0; k < newset->u.map.len; k++) {
			const char *p = newset->u.map.e[k].key;
			size_t pl = strlen(p);
			if (!value_map_get(e->set, p) || (pl >= 1 && p[pl - 1] == '.'))
				continue;
			if (value_equal_json(value_at(live, p), value_at(config, p)))
				continue; /* the same value: both own it */
			if (force) {
				value_map_del(e->set, p);
				continue;
			}
			struct value *c = value_map();
			char *f = field_name(p);
			value_map_set(c, "field", value_str(f));
			value_map_set(c, "manager", value_str(e->manager));
			value_map_set(c, "apiVersion", value_str(e->api_version));
			value_list_push(out, c);
			free(f);
		}
	}
	return out;
}

/* What the manager applied before and applies no more, owned by nobody else: removed. */
static void remove_dropped(struct value *obj, struct mfs *m, struct mf *me, const struct value *newset)
{
	for (int pass = 0; pass < 2; pass++) /* fields first, then whole list items */
		for (size_t k = 0; k < me->set->u.map.len; k++) {
			const char *p = me->set->u.map.e[k].key;
			bool item = p[strlen(p) - 1] == '.';
			if (item != (pass == 1) || value_map_get(newset, p) || owned_by_other(m, me, p))
				continue;
			remove_at(obj, p);
		}
}

int ssa_apply(const struct value *live, const struct value *merged, const struct value *config,
	      const char *manager, const char *api_version, const char *now, bool force,
	      struct value **out, struct value **conflicts)
{
	struct mfs m;
	mfs_read(live, &m);
	struct value *newset = paths_of(config);
	*conflicts = find_conflicts(&m, manager, live, config, newset, force);
	if ((*conflicts)->u.list.len) {
		value_unref(newset);
		mfs_done(&m);
		return 1;
	}
	value_unref(*conflicts);
	*conflicts = NULL;
	struct mf *me = mfs_get(&m, manager, "Apply", api_version);
	struct value *obj = value_copy(merged);
	remove_dropped(obj, &m, me, newset);
	bool same = value_equal_json(me->set, newset);
	value_unref(me->set);
	me->set = newset;
	if (!same || !me->time)
		set_time(me, now);
	mfs_write(obj, &m);
	mfs_done(&m);
	*out = obj;
	return 0;
}

void ssa_record_update(struct value *obj, const struct value *old, const char *manager,
		       const char *api_version, const char *now)
{
	struct mfs m;
	mfs_read(old, &m);
	struct value *all = paths_of(obj), *changed = value_map();
	for (size_t k = 0; k < all->u.map.len; k++) {
		const char *p = all->u.map.e[k].key;
		if (!old || !value_equal_json(value_at(obj, p), value_at(old, p)))
			add_path(changed, p);
	}
	if (changed->u.map.len) {
		for (size_t i = 0; i < m.n; i++)
			for (size_t k = 0; k < changed->u.map.len; k++)
				value_map_del(m.e[i].set, changed->u.map.e[k].key);
		struct mf *me = mfs_get(&m, manager, "Update", api_version);
		for (size_t k = 0; k < changed->u.map.len; k++)
			add_path(me->set, changed->u.map.e[k].key);
		set_time(me, now);
	}
	mfs_write(obj, &m);
	value_unref(all), value_unref(changed);
	mfs_done(&m);
}
