/* values — Helm v3's chartutil coalescing and dependency processing, with the same in-place map
 * semantics (shared sub-maps are shared here too, so aliasing effects match Helm's). */
#include "core/chart/values.h"

#include "core/base/yaml.h"

#include <stdlib.h>
#include <string.h>

#define GLOBAL_KEY "global"

static bool is_table(const struct value *v)
{
	return v && v->type == V_MAP;
}

/* A stable copy of a map's entries, so the map may change while we walk it. */
struct snap {
	struct vmap_entry *e;
	size_t n;
};

static void snap_take(struct snap *s, const struct value *m)
{
	s->n = is_table(m) ? m->u.map.len : 0;
	s->e = xcalloc(s->n + 1, sizeof(*s->e));
	for (size_t i = 0; i < s->n; i++) {
		s->e[i].key = xstrdup(m->u.map.e[i].key);
		s->e[i].val = value_ref(m->u.map.e[i].val);
	}
}

static void snap_done(struct snap *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->e[i].key);
		value_unref(s->e[i].val);
	}
	free(s->e);
}

static void map_put(struct value *m, const char *k, struct value *v)
{
	value_map_set(m, k, value_ref(v));
}

struct value *values_coalesce_tables(struct value *dst, struct value *src, bool merge)
{
	struct snap s;
	if (!src)
		return dst;
	if (!dst)
		return src;
	snap_take(&s, src);
	for (size_t i = 0; i < s.n; i++) {
		const char *key = s.e[i].key;
		struct value *val = s.e[i].val;
		struct value *dv = value_map_get(dst, key);
		if (dv && !merge && dv->type == V_NULL)
			value_map_del(dst, key);
		else if (!dv)
			map_put(dst, key, val);
		else if (is_table(val) && is_table(dv))
			values_coalesce_tables(dv, val, merge);
	}
	snap_done(&s);
	return dst;
}

static bool child_is_dep(const struct chart *c, const char *key)
{
	for (size_t i = 0; i < c->ncharts; i++)
		if (!strcmp(c->charts[i]->name, key))
			return true;
	return false;
}

/* coalesceValues: chart defaults under v (v wins). */
static void coalesce_values(const struct chart *c, struct value *v, bool merge)
{
	struct value *vc = c->values ? value_copy(c->values) : value_map();
	for (size_t i = 0; i < vc->u.map.len; i++) {
		const char *key = vc->u.map.e[i].key;
		struct value *val = vc->u.map.e[i].val;
		struct value *cur = value_map_get(v, key);
		if (!cur) {
			map_put(v, key, val);
		} else if (cur->type == V_NULL && !merge) {
			value_map_del(v, key);
		} else if (is_table(cur) && is_table(val)) {
			values_coalesce_tables(cur, val, child_is_dep(c, key) ? true : merge);
		}
	}
	value_unref(vc);
}

static struct value *copy_map_shallow(const struct value *m)
{
	struct value *o = value_map();
	for (size_t i = 0; i < m->u.map.len; i++)
		map_put(o, m->u.map.e[i].key, m->u.map.e[i].val);
	return o;
}

/* coalesceGlobals: the parent's globals merged into the child's. */
static void coalesce_globals(struct value *dest, const struct value *src)
{
	struct value *dg = value_map_get(dest, GLOBAL_KEY);
	struct value *sg = value_map_get(src, GLOBAL_KEY);
	if ((dg && !is_table(dg)) || (sg && !is_table(sg)))
		return;
	dg = dg ? value_ref(dg) : value_map();
	struct snap s;
	snap_take(&s, sg);
	for (size_t i = 0; i < s.n; i++) {
		const char *key = s.e[i].key;
		struct value *val = s.e[i].val;
		struct value *cur = value_map_get(dg, key);
		if (is_table(val)) {
			struct value *vv = copy_map_shallow(val);
			if (!cur) {
				value_map_set(dg, key, vv);
			} else if (!is_table(cur)) {
				value_unref(vv);
			} else {
				values_coalesce_tables(vv, cur, true);
				value_map_set(dg, key, vv);
			}
		} else if (!is_table(cur)) {
			map_put(dg, key, val);
		}
	}
	snap_done(&s);
	value_map_set(dest, GLOBAL_KEY, dg);
}

static int coalesce(const struct chart *c, struct value *dest, bool merge, struct tops_err *err);

static int coalesce_deps(const struct chart *c, struct value *dest, bool merge, struct tops_err *err)
{
	for (size_t i = 0; i < c->ncharts; i++) {
		const char *name = c->charts[i]->name;
		struct value *dv = value_map_get(dest, name);
		if (!dv) {
			dv = value_map();
			value_map_set(dest, name, dv);
		} else if (!is_table(dv)) {
			return tops_err_set(err, TOPS_EINVAL, "type mismatch on %s: %%!t(%s)", name,
					    value_type_name(dv));
		}
		coalesce_globals(dv, dest);
		int rc = coalesce(c->charts[i], dv, merge, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int coalesce(const struct chart *c, struct value *dest, bool merge, struct tops_err *err)
{
	coalesce_values(c, dest, merge);
	return coalesce_deps(c, dest, merge, err);
}

struct value *values_coalesce(const struct chart *c, const struct value *user, bool merge,
			      struct tops_err *err)
{
	struct value *v = is_table(user) ? value_copy(user) : value_map();
	if (coalesce(c, v, merge, err) < 0) {
		value_unref(v);
		return NULL;
	}
	return v;
}

struct value *values_merge_maps(const struct value *a, const struct value *b)
{
	struct value *out = is_table(a) ? copy_map_shallow(a) : value_map();
	for (size_t i = 0; is_table(b) && i < b->u.map.len; i++) {
		const char *k = b->u.map.e[i].key;
		struct value *v = b->u.map.e[i].val;
		struct value *cur = value_map_get(out, k);
		if (is_table(v) && is_table(cur))
			value_map_set(out, k, values_merge_maps(cur, v));
		else
			map_put(out, k, v);
	}
	return out;
}

struct value *values_table(const struct value *v, const char *path)
{
	char *copy = xstrdup(path);
	const struct value *t = v;
	for (char *save = NULL, *p = strtok_r(copy, ".", &save); p && t; p = strtok_r(NULL, ".", &save)) {
		const struct value *n = value_map_get(t, p);
		t = is_table(n) ? n : NULL;
	}
	free(copy);
	return (struct value *)t;
}

/* Values.PathValue: a non-table value at "a.b.c" or NULL. */
static struct value *path_value(const struct value *v, const char *path)
{
	const char *dot = strrchr(path, '.');
	const struct value *t = v, *r;
	if (!*path)
		return NULL;
	if (dot) {
		char *head = xstrndup(path, (size_t)(dot - path));
		t = values_table(v, head);
		free(head);
	}
	r = t ? value_map_get(t, dot ? dot + 1 : path) : NULL;
	return r && !is_table(r) ? (struct value *)r : NULL;
}

/* ---------------------------------------------------------------- dependencies */

static void dep_tags(struct chart_dep *deps, size_t n, const struct value *cvals)
{
	const struct value *tags = value_map_get(cvals, "tags");
	if (!is_table(tags))
		return;
	for (size_t i = 0; i < n; i++) {
		bool has_true = false, has_false = false;
		for (size_t k = 0; k < deps[i].ntags; k++) {
			const struct value *b = value_map_get(tags, deps[i].tags[k]);
			if (b && b->type == V_BOOL)
				*(b->u.b ? &has_true : &has_false) = true;
		}
		if (!has_true && has_false)
			deps[i].enabled = false;
		else
			deps[i].enabled = true;
	}
}

static void dep_conditions(struct chart_dep *deps, size_t n, const struct value *cvals, const char *path)
{
	for (size_t i = 0; i < n; i++) {
		if (!deps[i].condition)
			continue;
		char *conds = xstrdup(deps[i].condition);
		for (char *save = NULL, *c = strtok_r(conds, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
			while (*c == ' ')
				c++;
			size_t l = strlen(c);
			while (l && c[l - 1] == ' ')
				c[--l] = 0;
			if (!*c)
				continue;
			char *full = xasprintf("%s%s", path, c);
			const struct value *vv = path_value(cvals, full);
			free(full);
			if (vv && vv->type == V_BOOL) {
				deps[i].enabled = vv->u.b;
				break;
			}
		}
		free(conds);
	}
}

/* getAliasDependency: a copy of the subchart matching req, renamed to its alias. */
static struct chart *alias_dep(struct chart **charts, size_t n, const struct chart_dep *req, struct chart *parent)
{
	for (size_t i = 0; i < n; i++) {
		struct chart *c = charts[i];
		if (!c || !req->name || strcmp(c->name, req->name))
			continue;
		if (!chart_version_satisfies(req->version ? req->version : "", c->version))
			continue;
		struct chart *o = chart_copy(c, parent);
		if (req->alias && *req->alias)
			chart_rename(o, req->alias);
		return o;
	}
	return NULL;
}

static bool listed(const struct chart *c, const struct chart *sub)
{
	for (size_t k = 0; k < c->ndeps; k++)
		if (c->deps[k].name && !strcmp(sub->name, c->deps[k].name) &&
		    chart_version_satisfies(c->deps[k].version ? c->deps[k].version : "", sub->version))
			return true;
	return false;
}

/* Rebuilds c->charts: unlisted subcharts as they are, then one (aliased) copy per dependency. */
static void apply_aliases(struct chart *c)
{
	struct chart **out = xcalloc(c->ncharts + c->ndeps + 1, sizeof(*out));
	size_t n = 0;
	bool *used = xcalloc(c->ncharts + 1, sizeof(bool));
	for (size_t i = 0; i < c->ncharts; i++)
		if (!listed(c, c->charts[i])) {
			out[n++] = c->charts[i];
			used[i] = true;
		}
	for (size_t k = 0; k < c->ndeps; k++) {
		struct chart *a = alias_dep(c->charts, c->ncharts, &c->deps[k], c);
		if (a)
			out[n++] = a;
		if (c->deps[k].alias && *c->deps[k].alias) {
			free(c->deps[k].name);
			c->deps[k].name = xstrdup(c->deps[k].alias);
		}
	}
	for (size_t i = 0; i < c->ncharts; i++)
		if (!used[i])
			chart_free(c->charts[i]);
	free(used);
	free(c->charts);
	c->charts = out;
	c->ncharts = n;
}

static bool dep_disabled(const struct chart *c, const char *name)
{
	for (size_t k = 0; k < c->ndeps; k++)
		if (!c->deps[k].enabled && c->deps[k].name && !strcmp(c->deps[k].name, name))
			return true;
	return false;
}

static void drop_disabled(struct chart *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->ncharts; i++) {
		if (dep_disabled(c, c->charts[i]->name))
			chart_free(c->charts[i]);
		else
			c->charts[n++] = c->charts[i];
	}
	c->ncharts = n;
	size_t m = 0;
	for (size_t k = 0; k < c->ndeps; k++) {
		if (!c->deps[k].enabled) {
			struct chart_dep tmp = c->deps[k];
			free(tmp.name);
			free(tmp.version);
			free(tmp.repository);
			free(tmp.condition);
			free(tmp.alias);
			for (size_t t = 0; t < tmp.ntags; t++)
				free(tmp.tags[t]);
			free(tmp.tags);
			value_unref(tmp.import_values);
		} else {
			c->deps[m++] = c->deps[k];
		}
	}
	c->ndeps = m;
}

static int dep_enabled(struct chart *c, const struct value *v, const char *path, struct tops_err *err)
{
	if (!c->ndeps && !c->deps)
		return 0;
	apply_aliases(c);
	for (size_t k = 0; k < c->ndeps; k++)
		c->deps[k].enabled = true;
	struct value *cvals = values_coalesce(c, v, false, err);
	if (!cvals)
		return -TOPS_EINVAL;
	dep_tags(c->deps, c->ndeps, cvals);
	dep_conditions(c->deps, c->ndeps, cvals, path);
	drop_disabled(c);
	int rc = 0;
	for (size_t i = 0; i < c->ncharts && rc == 0; i++) {
		char *sub = xasprintf("%s%s.", path, c->charts[i]->name);
		rc = dep_enabled(c->charts[i], cvals, sub, err);
		free(sub);
	}
	value_unref(cvals);
	return rc;
}

static struct value *path_to_map(const char *path, struct value *data)
{
	if (!strcmp(path, "."))
		return value_ref(data);
	char *copy = xstrdup(path);
	char *parts[64];
	int n = 0;
	for (char *save = NULL, *p = strtok_r(copy, ".", &save); p && n < 64; p = strtok_r(NULL, ".", &save))
		parts[n++] = p;
	struct value *cur = value_ref(data);
	for (int i = n - 1; i >= 0; i--) {
		struct value *m = value_map();
		value_map_set(m, parts[i], cur);
		cur = m;
	}
	free(copy);
	return cur;
}

static void import_one(struct value *b, struct value *cvals, const char *dep, const char *child,
		       const char *parent)
{
	char *p = xasprintf("%s.%s", dep, child);
	struct value *vv = values_table(cvals, p);
	free(p);
	if (!vv)
		return;
	struct value *m = path_to_map(parent, vv);
	values_coalesce_tables(b, m, true);
	value_unref(m);
}

static int import_values(struct chart *c, struct tops_err *err)
{
	if (!c->deps)
		return 0;
	struct value *cvals = values_coalesce(c, NULL, true, err);
	if (!cvals)
		return -TOPS_EINVAL;
	struct value *b = value_map();
	for (size_t k = 0; k < c->ndeps; k++) {
		const struct value *iv = c->deps[k].import_values;
		for (size_t i = 0; iv && i < iv->u.list.len; i++) {
			const struct value *e = iv->u.list.items[i];
			if (e->type == V_MAP) {
				const struct value *ch = value_map_get(e, "child"), *pa = value_map_get(e, "parent");
				if (!ch || !pa || ch->type != V_STRING || pa->type != V_STRING)
					continue;
				import_one(b, cvals, c->deps[k].name, ch->u.str.s, pa->u.str.s);
			} else if (e->type == V_STRING) {
				char *child = xasprintf("exports.%s", e->u.str.s);
				import_one(b, cvals, c->deps[k].name, child, ".");
				free(child);
			}
		}
	}
	struct value *copy = value_copy(cvals);
	values_coalesce_tables(copy, b, true);
	value_unref(c->values);
	c->values = copy;
	value_unref(b);
	value_unref(cvals);
	return 0;
}

static int dep_imports(struct chart *c, struct tops_err *err)
{
	for (size_t i = 0; i < c->ncharts; i++) {
		int rc = dep_imports(c->charts[i], err);
		if (rc < 0)
			return rc;
	}
	return import_values(c, err);
}

int values_process_dependencies(struct chart *c, const struct value *user, struct tops_err *err)
{
	int rc = dep_enabled(c, user, "", err);
	if (rc < 0)
		return rc;
	return dep_imports(c, err);
}

/* ---- values documents ---- */

struct value *values_merge_files(const char *const *paths, size_t n, struct tops_err *err)
{
	struct value *user = value_map();
	for (size_t i = 0; i < n; i++) {
		struct value *v = valuesfile_load(paths[i], err);
		if (!v) {
			value_unref(user);
			return NULL;
		}
		struct value *merged = values_merge_maps(user, v);
		value_unref(v);
		value_unref(user);
		user = merged;
	}
	return user;
}
