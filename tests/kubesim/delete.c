/* delete — see delete.h. Dependents are the objects whose controller ownerReference names the
 * owner (the store's index), so a delete never scans the store. */
#include "tests/kubesim/delete.h"

#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/api.h"
#include "tests/kubesim/ctrl.h"

#define FG_FINALIZER "foregroundDeletion"

struct del_opts {
	char *policy;   /* "Background", "Foreground", "Orphan" or NULL (the kind's default) */
	char *uid, *rv; /* preconditions or NULL */
	bool dry;
};

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

/* DeleteOptions from the query, else from the body (as kubectl and client-go send them). */
static void opts_read(const struct srv_req *r, struct del_opts *o)
{
	struct value *b = r->body_len ? value_from_json(r->body, r->body_len, NULL) : NULL;
	char *dry = srv_query_get(r->query, "dryRun");
	const struct value *bdry = b ? value_map_get(b, "dryRun") : NULL;
	memset(o, 0, sizeof(*o));
	o->policy = srv_query_get(r->query, "propagationPolicy");
	if (!o->policy && b)
		o->policy = dup_or_null(vstr(b, "propagationPolicy"));
	if (!o->policy && b && value_truthy(value_map_get(b, "orphanDependents")))
		o->policy = xstrdup("Orphan");
	o->uid = b ? dup_or_null(vstr(b, "preconditions.uid")) : NULL;
	o->rv = b ? dup_or_null(vstr(b, "preconditions.resourceVersion")) : NULL;
	o->dry = (dry && *dry) || (bdry && bdry->type == V_LIST && bdry->u.list.len);
	free(dry);
	value_unref(b);
}

static void opts_done(struct del_opts *o)
{
	free(o->policy), free(o->uid), free(o->rv);
}

static bool is_policy(const struct del_opts *o, const char *p) { return o->policy && !strcmp(o->policy, p); }

/* Kinds whose storage answers a delete with the object (ReturnDeletedObject), not a Status. */
static const int returns_object[] = {K_POD, K_SVC, K_SA, K_SC, K_NS};

static bool answers_object(int kind)
{
	for (size_t i = 0; i < ARRAY_LEN(returns_object); i++)
		if (returns_object[i] == kind)
			return true;
	return false;
}

static struct value *success_status(int kind, const struct value *obj)
{
	struct value *s = value_map(), *d;
	vset_str(s, "kind", "Status");
	vset_str(s, "apiVersion", "v1");
	value_map_set(s, "metadata", value_map());
	vset_str(s, "status", "Success");
	d = vmap(s, "details");
	vset_str(d, "name", vstr(obj, "metadata.name"));
	if (*kinds[kind].group)
		vset_str(d, "group", kinds[kind].group);
	vset_str(d, "kind", kinds[kind].resource);
	vset_str(d, "uid", vstr(obj, "metadata.uid"));
	return s;
}

/* ---- finalizers ---- */

static bool has_finalizers(const struct value *v)
{
	const struct value *f = value_map_path(v, "metadata.finalizers");
	return f && f->type == V_LIST && f->u.list.len;
}

static bool drop_finalizer(struct value *v, const char *name)
{
	struct value *f = value_map_path(v, "metadata.finalizers");
	for (size_t i = 0; f && f->type == V_LIST && i < f->u.list.len; i++) {
		struct value *e = f->u.list.items[i];
		if (e->type == V_STRING && !strcmp(e->u.str.s, name)) {
			value_unref(e);
			memmove(f->u.list.items + i, f->u.list.items + i + 1, (f->u.list.len - i - 1) * sizeof(e));
			f->u.list.len--;
			return true;
		}
	}
	return false;
}

/* deletionTimestamp (first time only) and, for foreground, the foregroundDeletion finalizer. */
static void mark(struct value *v, bool fg)
{
	struct value *md = vmap(v, "metadata");
	if (!vstr(md, "deletionTimestamp")) {
		value_map_set(md, "deletionTimestamp", value_str_own(sim_timestamp(sim_wall()), 20));
		vset_int(md, "deletionGracePeriodSeconds", 0);
	}
	if (!fg)
		return;
	struct value *f = value_map_get(md, "finalizers");
	if (!f || f->type != V_LIST) {
		f = value_list();
		value_map_set(md, "finalizers", f);
	}
	drop_finalizer(v, FG_FINALIZER);
	value_list_push(f, value_str(FG_FINALIZER));
}

/* ---- dependents ---- */

struct key {
	int kind;
	char *ns, *name;
};

/* The dependents of uid, copied (the store's array changes with every write). */
static struct key *dependents(const char *uid, size_t *n)
{
	struct obj *const *owned = db_owned(uid, n);
	struct key *keys = xcalloc(*n + 1, sizeof(*keys));
	for (size_t i = 0; i < *n; i++)
		keys[i] = (struct key){owned[i]->kind, xstrdup(owned[i]->ns), xstrdup(owned[i]->name)};
	return keys;
}

static void keys_free(struct key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i].ns), free(keys[i].name);
	free(keys);
}

/* Orphan: the dependents lose their ownerReference to uid (others stay). */
static void orphan_dependents(const char *uid)
{
	size_t n;
	struct key *keys = dependents(uid, &n);
	for (size_t i = 0; i < n; i++) {
		struct value *v = db_get(keys[i].kind, keys[i].ns, keys[i].name);
		struct value *refs = v ? value_map_path(v, "metadata.ownerReferences") : NULL;
		for (size_t k = 0; refs && refs->type == V_LIST && k < refs->u.list.len; k++) {
			const char *ru = vstr(refs->u.list.items[k], "uid");
			if (ru && !strcmp(ru, uid)) {
				value_unref(refs->u.list.items[k]);
				memmove(refs->u.list.items + k, refs->u.list.items + k + 1,
					(refs->u.list.len - k - 1) * sizeof(*refs->u.list.items));
				refs->u.list.len--, k--;
			}
		}
		if (refs && !refs->u.list.len)
			value_map_del(vmap(v, "metadata"), "ownerReferences");
		if (v)
			db_update(keys[i].kind, v, false, true, NULL);
		value_unref(v);
	}
	keys_free(keys, n);
}

static struct value *delete_obj(int kind, const char *ns, const char *name, const char *policy);

/* A foreground owner goes once nothing depends on it: its finalizer is removed, and with no
 * other finalizer left, so is the object (and then maybe its own owner). */
static void fg_finish(int kind, const char *ns, const char *name)
{
	struct obj *o = db_find(kind, ns, name);
	size_t n = 0;
	if (!o || (db_owned(o->uid, &n), n))
		return;
	struct value *v = obj_value(o);
	if (vstr(v, "metadata.deletionTimestamp") && drop_finalizer(v, FG_FINALIZER)) {
		if (has_finalizers(v)) {
			db_update(kind, v, false, true, NULL);
		} else {
			ctrl_delete(kind, ns, name, "Background", NULL, NULL);
			delete_owner_check(kind, v);
		}
	}
	value_unref(v);
}

/* Foreground: the owner is marked, then every dependent is deleted in foreground too. */
static void delete_dependents(const char *uid)
{
	size_t n;
	struct key *keys = dependents(uid, &n);
	for (size_t i = 0; i < n; i++)
		value_unref(delete_obj(keys[i].kind, keys[i].ns, keys[i].name, "Foreground"));
	keys_free(keys, n);
}

/* Deletes one object by policy. Returns its last state (marked when something keeps it). */
static struct value *delete_obj(int kind, const char *ns, const char *name, const char *policy)
{
	struct obj *o = db_find(kind, ns, name);
	if (!o)
		return NULL;
	struct value *v = obj_value(o), *out = NULL;
	bool fg = policy && !strcmp(policy, "Foreground");
	char *uid = xstrdup(o->uid);
	if (policy && !strcmp(policy, "Orphan"))
		orphan_dependents(uid);
	if (!fg && !has_finalizers(v)) {
		ctrl_delete(kind, ns, name, "Background", &out, NULL);
		value_unref(v);
		free(uid);
		return out;
	}
	mark(v, fg);
	db_update(kind, v, false, true, NULL);
	if (fg) {
		delete_dependents(uid);
		fg_finish(kind, ns, name);
	}
	free(uid);
	return v;
}

void delete_owner_check(int kind, const struct value *obj)
{
	const struct value *refs = value_map_path(obj, "metadata.ownerReferences");
	for (size_t i = 0; refs && refs->type == V_LIST && i < refs->u.list.len; i++) {
		const struct value *ref = refs->u.list.items[i];
		int k = kind_by_kind(vstr(ref, "apiVersion"), vstr(ref, "kind") ?: "");
		if (k < 0 || !value_truthy(value_map_get(ref, "controller")) || !vstr(ref, "name"))
			continue;
		fg_finish(k, kinds[k].namespaced ? vstr(obj, "metadata.namespace") ?: "" : "", vstr(ref, "name"));
	}
}

/* ---- requests ---- */

/* 409 when a precondition does not hold, worded as the storage layer words it. */
static bool precondition_failed(struct srv_conn *c, int kind, const struct value *v, const struct del_opts *o)
{
	const char *uid = vstr(v, "metadata.uid") ?: "", *rv = vstr(v, "metadata.resourceVersion") ?: "";
	char *why = NULL;
	if (o->uid && strcmp(o->uid, uid))
		why = xasprintf("Precondition failed: UID in precondition: %s, UID in object meta: %s", o->uid, uid);
	else if (o->rv && strcmp(o->rv, rv))
		why = xasprintf("Precondition failed: ResourceVersion in precondition: %s, ResourceVersion in object meta: %s", o->rv, rv);
	if (!why)
		return false;
	struct tops_err err = {0};
	const char *name = vstr(v, "metadata.name");
	tops_err_set(&err, TOPS_ECONFLICT, "Operation cannot be fulfilled on %s%s%s \"%s\": %s", kinds[kind].resource,
		     *kinds[kind].group ? "." : "", kinds[kind].group, name, why);
	api_reply_err(c, &err, kind, name);
	tops_err_clear(&err);
	free(why);
	return true;
}

/* What a dry run would answer: the object marked, or as deleted. */
static struct value *dry_delete(struct value *v, const struct del_opts *o)
{
	if (is_policy(o, "Foreground") || has_finalizers(v))
		mark(v, is_policy(o, "Foreground"));
	return v;
}

void delete_handle(struct srv_conn *c, const struct srv_req *r, int kind, const char *ns, const char *name)
{
	struct del_opts o;
	struct value *v = db_get(kind, ns ? ns : "", name), *out;
	if (!v) {
		struct tops_err err = {0};
		tops_err_set(&err, TOPS_ENOENT, "%s%s%s \"%s\" not found", kinds[kind].resource,
			     *kinds[kind].group ? "." : "", kinds[kind].group, name);
		api_reply_err(c, &err, kind, name);
		tops_err_clear(&err);
		return;
	}
	opts_read(r, &o);
	if (precondition_failed(c, kind, v, &o)) {
		value_unref(v);
		opts_done(&o);
		return;
	}
	if (o.dry)
		out = dry_delete(value_ref(v), &o);
	else
		out = delete_obj(kind, ns ? ns : "", name, o.policy);
	if (!out)
		out = value_ref(v);
	bool kept = vstr(out, "metadata.deletionTimestamp") && has_finalizers(out);
	struct value *reply = kept || answers_object(kind) ? value_ref(out) : success_status(kind, out);
	api_reply_value(c, 200, reply);
	value_unref(reply), value_unref(out), value_unref(v);
	opts_done(&o);
}

static bool coll_match(const struct selector *sel, const struct obj *ob)
{
	if (!selector_needs_object(sel))
		return selector_match(sel, ob->ns, ob->name, ob->labels, NULL);
	struct value *v = obj_value(ob);
	bool ok = selector_match(sel, ob->ns, ob->name, ob->labels, v);
	value_unref(v);
	return ok;
}

void delete_collection(struct srv_conn *c, const struct srv_req *r, int kind, const char *ns,
		       const struct selector *sel)
{
	struct del_opts o;
	opts_read(r, &o);
	size_t n = 0, cap = 16;
	struct key *keys = xcalloc(cap, sizeof(*keys));
	struct obj *ob;
	for (size_t i = ns ? db_ns_start(kind, ns) : 0; (ob = db_at(kind, i)) && (!ns || !strcmp(ob->ns, ns)); i++) {
		if (!coll_match(sel, ob))
			continue;
		if (n == cap)
			keys = xrealloc(keys, (cap *= 2) * sizeof(*keys));
		keys[n++] = (struct key){kind, xstrdup(ob->ns), xstrdup(ob->name)};
	}
	struct value *list = value_map(), *items = value_list();
	vset_str(list, "apiVersion", kind_api_version(kind));
	value_map_set(list, "kind", value_strf("%sList", kinds[kind].kind));
	for (size_t i = 0; i < n; i++) {
		struct value *v = o.dry ? db_get(kind, keys[i].ns, keys[i].name)
				       : delete_obj(kind, keys[i].ns, keys[i].name, o.policy);
		if (v)
			value_list_push(items, v);
	}
	value_map_set(list, "items", items);
	value_map_set(vmap(list, "metadata"), "resourceVersion", value_strf("%llu", (unsigned long long)db_rv()));
	api_reply_value(c, 200, list);
	value_unref(list);
	keys_free(keys, n);
	opts_done(&o);
}
