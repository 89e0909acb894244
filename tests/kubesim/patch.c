/* patch — see patch.h. Works on a deep copy of the target, mutated in place. */
#include "tests/kubesim/patch.h"

#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/sim.h"

static const struct {
	const char *ctype;
	enum patch_type type;
} ctypes[] = {
	{"application/json-patch+json", PATCH_JSON},
	{"application/merge-patch+json", PATCH_MERGE},
	{"application/strategic-merge-patch+json", PATCH_STRATEGIC},
	{"application/apply-patch+yaml", PATCH_APPLY},
	{"application/apply-patch+json", PATCH_APPLY},
};

enum patch_type patch_type_of(const char *ct)
{
	for (size_t i = 0; i < ARRAY_LEN(ctypes); i++)
		if (ct && str_has_prefix(ct, ctypes[i].ctype))
			return ctypes[i].type;
	return PATCH_UNKNOWN;
}

/* ---- JSON merge patch ---- */

static struct value *merge(struct value *target, const struct value *patch)
{
	if (!patch || patch->type != V_MAP) {
		value_unref(target);
		return value_copy(patch);
	}
	if (!target || target->type != V_MAP) {
		value_unref(target);
		target = value_map();
	}
	for (size_t i = 0; i < patch->u.map.len; i++) {
		const char *k = patch->u.map.e[i].key;
		struct value *pv = patch->u.map.e[i].val;
		if (pv->type == V_NULL) {
			value_map_del(target, k);
			continue;
		}
		struct value *cur = value_map_get(target, k);
		value_map_set(target, k, merge(cur ? value_ref(cur) : NULL, pv));
	}
	return target;
}

/* ---- strategic merge patch ---- */

static const struct {
	const char *field, *key;
} merge_keys[] = {
	{"containers", "name"}, {"initContainers", "name"}, {"ephemeralContainers", "name"},
	{"env", "name"}, {"volumes", "name"}, {"volumeMounts", "mountPath"},
	{"volumeDevices", "devicePath"}, {"imagePullSecrets", "name"}, {"conditions", "type"},
	{"hostAliases", "ip"}, {"ownerReferences", "uid"}, {"topologySpreadConstraints", "topologyKey"},
	{"resourceClaims", "name"},
};

const char *patch_merge_key(const char *field, const struct value *patch_list)
{
	if (strcmp(field, "ports") == 0) {
		for (size_t i = 0; patch_list && i < patch_list->u.list.len; i++)
			if (value_map_get(patch_list->u.list.items[i], "containerPort"))
				return "containerPort";
		return "port";
	}
	for (size_t i = 0; i < ARRAY_LEN(merge_keys); i++)
		if (strcmp(merge_keys[i].field, field) == 0)
			return merge_keys[i].key;
	return NULL;
}

static struct value *smp(struct value *target, const struct value *patch, struct tops_err *err);

static long find_by_key(const struct value *list, const char *key, const struct value *kv)
{
	for (size_t i = 0; list && i < list->u.list.len; i++) {
		struct value *e = list->u.list.items[i];
		if (e->type == V_MAP && value_equal(value_map_get(e, key), kv))
			return (long)i;
	}
	return -1;
}

static void list_remove(struct value *list, size_t i)
{
	value_unref(list->u.list.items[i]);
	memmove(list->u.list.items + i, list->u.list.items + i + 1,
		(list->u.list.len - i - 1) * sizeof(struct value *));
	list->u.list.len--;
}

static struct value *strip_directives(const struct value *v)
{
	struct value *c = value_copy(v);
	if (c->type == V_MAP)
		value_map_del(c, "$patch");
	return c;
}

static struct value *merge_list(struct value *target, const struct value *patch, const char *key,
				struct tops_err *err)
{
	struct value *out = value_list();
	for (size_t i = 0; target && target->type == V_LIST && i < target->u.list.len; i++)
		value_list_push(out, value_copy(target->u.list.items[i]));
	value_unref(target);
	for (size_t i = 0; i < patch->u.list.len; i++) {
		struct value *pe = patch->u.list.items[i];
		struct value *kv = pe->type == V_MAP ? value_map_get(pe, key) : NULL;
		const char *dir = pe->type == V_MAP ? vstr(pe, "$patch") : NULL;
		if (dir && strcmp(dir, "replace") == 0 && !kv) {
			value_unref(out);
			return value_list();
		}
		long at = kv ? find_by_key(out, key, kv) : -1;
		if (dir && strcmp(dir, "delete") == 0) {
			if (at >= 0)
				list_remove(out, (size_t)at);
		} else if (at >= 0) {
			out->u.list.items[at] = smp(out->u.list.items[at], pe, err);
		} else {
			value_list_push(out, strip_directives(pe));
		}
	}
	return out;
}

static void order_list(struct value *list, const struct value *order, const char *key)
{
	if (!list || list->type != V_LIST || !order || order->type != V_LIST || !key)
		return;
	size_t n = list->u.list.len, pos = 0;
	struct value **sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	bool *used = xcalloc(n ? n : 1, sizeof(bool));
	for (size_t i = 0; i < order->u.list.len; i++) {
		struct value *kv = value_map_get(order->u.list.items[i], key);
		long at = kv ? find_by_key(list, key, kv) : -1;
		if (at >= 0 && !used[at]) {
			used[at] = true;
			sorted[pos++] = list->u.list.items[at];
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!used[i])
			sorted[pos++] = list->u.list.items[i];
	memcpy(list->u.list.items, sorted, n * sizeof(*sorted));
	free(sorted);
	free(used);
}

static void delete_primitives(struct value *list, const struct value *del)
{
	for (size_t i = 0; list && list->type == V_LIST && i < list->u.list.len;) {
		bool hit = false;
		for (size_t j = 0; del && del->type == V_LIST && j < del->u.list.len; j++)
			hit = hit || value_equal(list->u.list.items[i], del->u.list.items[j]);
		if (hit)
			list_remove(list, i);
		else
			i++;
	}
}

static void retain_keys(struct value *target, const struct value *keys)
{
	if (!keys || keys->type != V_LIST)
		return;
	for (size_t i = 0; i < target->u.map.len;) {
		bool keep = false;
		for (size_t j = 0; j < keys->u.list.len; j++)
			keep = keep || (keys->u.list.items[j]->type == V_STRING &&
					strcmp(keys->u.list.items[j]->u.str.s, target->u.map.e[i].key) == 0);
		if (keep)
			i++;
		else
			value_map_del(target, target->u.map.e[i].key);
	}
}

/* Applies the $-directives of a map patch that refer to sibling fields, after the merge. */
static void apply_map_directives(struct value *target, const struct value *patch)
{
	for (size_t i = 0; i < patch->u.map.len; i++) {
		const char *k = patch->u.map.e[i].key;
		struct value *pv = patch->u.map.e[i].val;
		if (str_has_prefix(k, "$setElementOrder/")) {
			const char *f = k + strlen("$setElementOrder/");
			struct value *l = value_map_get(target, f);
			order_list(l, pv, patch_merge_key(f, pv));
		} else if (str_has_prefix(k, "$deleteFromPrimitiveList/")) {
			delete_primitives(value_map_get(target, k + strlen("$deleteFromPrimitiveList/")), pv);
		}
	}
	retain_keys(target, value_map_get(patch, "$retainKeys"));
}

static struct value *smp_field(struct value *cur, const char *k, const struct value *pv, struct tops_err *err)
{
	if (pv->type == V_LIST) {
		const char *key = patch_merge_key(k, pv);
		bool maps = pv->u.list.len && pv->u.list.items[0]->type == V_MAP;
		if (key && (maps || !pv->u.list.len) && (!cur || cur->type == V_LIST))
			return merge_list(cur, pv, key, err);
		value_unref(cur);
		return value_copy(pv);
	}
	return smp(cur, pv, err);
}

static struct value *smp(struct value *target, const struct value *patch, struct tops_err *err)
{
	if (!patch || patch->type != V_MAP) {
		value_unref(target);
		return value_copy(patch);
	}
	const char *dir = vstr(patch, "$patch");
	if (dir && strcmp(dir, "replace") == 0) {
		value_unref(target);
		return strip_directives(patch);
	}
	if (!target || target->type != V_MAP) {
		value_unref(target);
		target = value_map();
	}
	for (size_t i = 0; i < patch->u.map.len; i++) {
		const char *k = patch->u.map.e[i].key;
		struct value *pv = patch->u.map.e[i].val;
		if (k[0] == '$')
			continue;
		if (pv->type == V_NULL || (pv->type == V_MAP && vstr(pv, "$patch") &&
					   strcmp(vstr(pv, "$patch"), "delete") == 0)) {
			value_map_del(target, k);
			continue;
		}
		struct value *cur = value_map_get(target, k);
		value_map_set(target, k, smp_field(cur ? value_ref(cur) : NULL, k, pv, err));
	}
	apply_map_directives(target, patch);
	return target;
}

/* ---- JSON patch (RFC 6902) ---- */

static char *ptr_token(const char **p)
{
	const char *s = *p + 1, *e = strchr(s, '/');
	size_t n = e ? (size_t)(e - s) : strlen(s);
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
			sb_addc(&sb, s[i + 1] == '0' ? '~' : '/');
			i++;
		} else {
			sb_addc(&sb, s[i]);
		}
	}
	*p = s + n;
	return sb_detach(&sb, NULL);
}

/* Finds the parent container of path and the last token; NULL when a step is missing. */
static struct value *ptr_parent(struct value *root, const char *path, char **last)
{
	struct value *cur = root;
	const char *p = path;
	*last = NULL;
	if (*p != '/')
		return NULL;
	for (;;) {
		char *tok = ptr_token(&p);
		if (!*p) {
			*last = tok;
			return cur;
		}
		struct value *next = NULL;
		if (cur->type == V_MAP)
			next = value_map_get(cur, tok);
		else if (cur->type == V_LIST && tok[0] >= '0' && tok[0] <= '9')
			next = value_list_get(cur, (size_t)atol(tok));
		free(tok);
		if (!next)
			return NULL;
		cur = next;
	}
}

static bool list_index(const struct value *l, const char *tok, bool for_add, size_t *out)
{
	if (for_add && strcmp(tok, "-") == 0) {
		*out = l->u.list.len;
		return true;
	}
	if (!*tok || strspn(tok, "0123456789") != strlen(tok))
		return false;
	*out = (size_t)atol(tok);
	return *out < l->u.list.len + (for_add ? 1 : 0);
}

static int ptr_remove(struct value *root, const char *path, struct value **removed)
{
	char *last;
	struct value *parent = ptr_parent(root, path, &last);
	size_t idx;
	int rc = -1;
	if (parent && parent->type == V_MAP && value_map_get(parent, last)) {
		if (removed)
			*removed = value_ref(value_map_get(parent, last));
		value_map_del(parent, last);
		rc = 0;
	} else if (parent && parent->type == V_LIST && list_index(parent, last, false, &idx)) {
		if (removed)
			*removed = value_ref(parent->u.list.items[idx]);
		list_remove(parent, idx);
		rc = 0;
	}
	free(last);
	return rc;
}

/* Takes ownership of v. */
static int ptr_add(struct value *root, const char *path, struct value *v, bool replace)
{
	char *last;
	struct value *parent = ptr_parent(root, path, &last);
	size_t idx;
	int rc = -1;
	if (parent && parent->type == V_MAP && (!replace || value_map_get(parent, last))) {
		value_map_set(parent, last, v);
		v = NULL;
		rc = 0;
	} else if (parent && parent->type == V_LIST && list_index(parent, last, !replace, &idx)) {
		if (replace) {
			value_unref(parent->u.list.items[idx]);
			parent->u.list.items[idx] = v;
		} else {
			value_list_push(parent, v);
			memmove(parent->u.list.items + idx + 1, parent->u.list.items + idx,
				(parent->u.list.len - 1 - idx) * sizeof(struct value *));
			parent->u.list.items[idx] = v;
		}
		v = NULL;
		rc = 0;
	}
	value_unref(v);
	free(last);
	return rc;
}

static struct value *ptr_get(struct value *root, const char *path)
{
	if (!*path)
		return root;
	char *last;
	struct value *parent = ptr_parent(root, path, &last), *v = NULL;
	size_t idx;
	if (parent && parent->type == V_MAP)
		v = value_map_get(parent, last);
	else if (parent && parent->type == V_LIST && list_index(parent, last, false, &idx))
		v = parent->u.list.items[idx];
	free(last);
	return v;
}

static int json_op(struct value *root, const struct value *op, struct tops_err *err)
{
	const char *o = vstr(op, "op"), *path = vstr(op, "path"), *from = vstr(op, "from");
	struct value *val = value_map_get(op, "value"), *moved = NULL;
	if (!o || !path)
		return tops_err_set(err, SIM_EBADREQ, "json patch operation needs \"op\" and \"path\"");
	int rc = -1;
	if (strcmp(o, "add") == 0 && val)
		rc = ptr_add(root, path, value_copy(val), false);
	else if (strcmp(o, "replace") == 0 && val)
		rc = ptr_add(root, path, value_copy(val), true);
	else if (strcmp(o, "remove") == 0)
		rc = ptr_remove(root, path, NULL);
	else if (strcmp(o, "test") == 0)
		rc = ptr_get(root, path) && value_equal(ptr_get(root, path), val) ? 0 : -1;
	else if (strcmp(o, "copy") == 0 && from && ptr_get(root, from))
		rc = ptr_add(root, path, value_copy(ptr_get(root, from)), false);
	else if (strcmp(o, "move") == 0 && from && ptr_remove(root, from, &moved) == 0)
		rc = ptr_add(root, path, moved, false);
	if (rc)
		return tops_err_set(err, TOPS_EINTERNAL, "jsonpatch %s operation does not apply: doc is missing path: \"%s\"", o, path);
	return 0;
}

struct value *patch_apply(enum patch_type type, const struct value *obj, const struct value *doc,
			  struct tops_err *err)
{
	struct value *t = value_copy(obj);
	switch (type) {
	case PATCH_MERGE:
		return merge(t, doc);
	case PATCH_STRATEGIC:
	case PATCH_APPLY:
		if (!doc || doc->type != V_MAP)
			break;
		return smp(t, doc, err);
	case PATCH_JSON:
		if (!doc || doc->type != V_LIST)
			break;
		for (size_t i = 0; i < doc->u.list.len; i++)
			if (json_op(t, doc->u.list.items[i], err)) {
				value_unref(t);
				return NULL;
			}
		return t;
	default:
		break;
	}
	value_unref(t);
	tops_err_set(err, SIM_EBADREQ, "the patch document has the wrong shape for its content type");
	return NULL;
}
