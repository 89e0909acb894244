#include "core/release/apply.h"

#include "core/diff/diff.h"
#include "core/release/obj.h"
#include "core/release/rest.h"

#include <stdlib.h>
#include <string.h>

#define MANAGED_BY "app.kubernetes.io/managed-by"
#define ANN_NAME "meta.helm.sh/release-name"
#define ANN_NS "meta.helm.sh/release-namespace"

static const char *obj_ns(const struct value *obj, const char *ns)
{
	if (diff_kind_cluster_scoped(obj_str(obj, "kind")))
		return NULL;
	const char *own = obj_str(obj, "metadata.namespace");
	return own && *own ? own : ns ? ns : "default";
}

char *apply_object_path(const struct value *obj, const char *ns)
{
	return diff_object_path(obj, ns);
}

void apply_set_owner(struct value *obj, const char *release, const char *ns)
{
	obj_set_str_in(obj, "metadata.labels", MANAGED_BY, "Helm");
	obj_set_str_in(obj, "metadata.annotations", ANN_NAME, release);
	obj_set_str_in(obj, "metadata.annotations", ANN_NS, ns);
}

static const char *meta_key(const struct value *live, const char *map, const char *key)
{
	const struct value *v = value_map_get(value_map_path(live, map), key);
	return v && v->type == V_STRING ? v->u.str.s : NULL;
}

/* helm's checkOwnership: one clause per missing or wrong key. */
static void ownership_clauses(const struct value *live, const char *release, const char *ns,
			      struct strbuf *sb)
{
	const struct { const char *what, *map, *key, *want; } rules[] = {
		{"label", "metadata.labels", MANAGED_BY, "Helm"},
		{"annotation", "metadata.annotations", ANN_NAME, release},
		{"annotation", "metadata.annotations", ANN_NS, ns},
	};
	for (size_t i = 0; i < ARRAY_LEN(rules); i++) {
		const char *have = meta_key(live, rules[i].map, rules[i].key);
		if (!have)
			sb_addf(sb, "; %s validation error: missing key \"%s\": must be set to \"%s\"",
				rules[i].what, rules[i].key, rules[i].want);
		else if (strcmp(have, rules[i].want) != 0)
			sb_addf(sb, "; %s validation error: key \"%s\" must equal \"%s\": current value is \"%s\"",
				rules[i].what, rules[i].key, rules[i].want, have);
	}
}

static void fill_get(struct rest_op *op, const struct value *obj, const char *ns)
{
	memset(op, 0, sizeof *op);
	op->method = "GET";
	op->path = apply_object_path(obj, ns);
}

int apply_check_ownership(struct kube_client *kc, struct value *const *objs, size_t n,
			  const struct apply_opts *o, const char *verb, struct tops_err *err)
{
	struct rest_op *ops = xcalloc(n + 1, sizeof *ops);
	for (size_t i = 0; i < n; i++)
		fill_get(&ops[i], objs[i], o->namespace_);
	int rc = rest_run(kc, ops, n, &(struct rest_policy){.parallel = o->parallel});
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (ops[i].status == 404)
			continue;
		if (ops[i].status >= 400) {
			rc = tops_err_set(err, ops[i].err.code ? ops[i].err.code : TOPS_EHTTP, "GET %s: %s",
					  ops[i].path, tops_err_msg(&ops[i].err));
			break;
		}
		struct value *live = value_from_json(ops[i].response, strlen(ops[i].response), NULL);
		struct strbuf sb = STRBUF_INIT;
		ownership_clauses(live, o->release, o->namespace_, &sb);
		if (sb.len) {
			const char *ns = obj_ns(objs[i], o->namespace_);
			rc = tops_err_set(err, TOPS_ECONFLICT,
					  "Unable to continue with %s: %s \"%s\"%s%s%s exists and cannot be "
					  "imported into the current release: invalid ownership metadata%s",
					  verb, obj_str(objs[i], "kind"), obj_str(objs[i], "metadata.name"),
					  ns ? " in namespace \"" : "", ns ? ns : "", ns ? "\"" : "", sb_str(&sb));
		}
		sb_done(&sb);
		value_unref(live);
	}
	if (rc == 0 && ops[0].rc < 0 && n)
		rc = tops_err_set(err, -ops[0].rc, "%s", tops_err_msg(&ops[0].err));
	for (size_t i = 0; i < n; i++)
		free((char *)ops[i].path);
	rest_ops_done(ops, n);
	free(ops);
	return rc;
}

/* "conflict with "mgr" using apps/v1: .spec.replicas" for each FieldManagerConflict cause,
 * else "field: message" for each 422 cause, else the Status message. */
static void describe_failure(const struct rest_op *op, struct strbuf *sb)
{
	struct value *st = op->response ? value_from_json(op->response, strlen(op->response), NULL) : NULL;
	const struct value *causes = value_map_path(st, "details.causes");
	size_t nc = causes && causes->type == V_LIST ? causes->u.list.len : 0;
	if (op->status == 409 && nc)
		sb_addf(sb, "Apply failed with %zu conflict%s: ", nc, nc == 1 ? "" : "s");
	for (size_t i = 0; i < nc; i++) {
		const struct value *c = causes->u.list.items[i];
		const char *f = obj_str(c, "field"), *m = obj_str(c, "message");
		if (op->status == 409)
			sb_addf(sb, "%s%s: %s", i ? "; " : "", m ? m : "conflict", f ? f : "");
		else
			sb_addf(sb, "%s%s: %s", i ? "; " : "", f ? f : "?", m ? m : "invalid");
	}
	if (!nc)
		sb_adds(sb, tops_err_msg(&op->err));
	if (op->status == 409 && nc)
		sb_adds(sb, " (--force-conflicts takes the fields)");
	value_unref(st);
}

static char *apply_path(const struct value *obj, const struct apply_opts *o)
{
	char *base = apply_object_path(obj, o->namespace_);
	char *p = xasprintf("%s?fieldManager=%s%s%s", base, o->field_manager ? o->field_manager : "tops",
			    o->force_conflicts ? "&force=true" : "", o->dry_run ? "&dryRun=All" : "");
	free(base);
	return p;
}

/* One kind's objects [from, to) in parallel. */
static int apply_group(struct kube_client *kc, struct value *const *objs, size_t from, size_t to,
		       const struct apply_opts *o, size_t *applied, struct strbuf *fail)
{
	size_t n = to - from;
	struct rest_op *ops = xcalloc(n, sizeof *ops);
	for (size_t i = 0; i < n; i++) {
		struct value *obj = objs[from + i];
		const char *ns = obj_ns(obj, o->namespace_);
		if (ns && !obj_str(obj, "metadata.namespace"))
			obj_set_str_in(obj, "metadata", "namespace", ns);
		if (o->release)
			apply_set_owner(obj, o->release, o->namespace_);
		ops[i] = (struct rest_op){.method = "PATCH", .path = apply_path(obj, o),
					  .body = value_to_json(obj, false, false),
					  .content_type = "application/apply-patch+yaml"};
	}
	int rc = rest_run(kc, ops, n, &(struct rest_policy){.parallel = o->parallel});
	for (size_t i = 0; i < n; i++) {
		char *ref = obj_ref(objs[from + i], false);
		bool ok = ops[i].rc == 0 && ops[i].status < 400;
		struct tops_err e = {0};
		if (!ok) {
			struct strbuf why = STRBUF_INIT;
			describe_failure(&ops[i], &why);
			tops_err_set(&e, ops[i].err.code ? ops[i].err.code : TOPS_EHTTP, "%s", sb_str(&why));
			sb_addf(fail, "%s%s: %s", fail->len ? "\n" : "", ref, sb_str(&why));
			sb_done(&why);
			rc = rc ? rc : -e.code;
		}
		*applied += ok;
		if (o->on_object)
			o->on_object(objs[from + i], ref, ok ? NULL : &e, o->ud);
		tops_err_clear(&e);
		free(ref);
		free((char *)ops[i].path);
		free((char *)ops[i].body);
	}
	rest_ops_done(ops, n);
	free(ops);
	return rc;
}

int apply_objects(struct kube_client *kc, struct value *const *objs, size_t n,
		  const struct apply_opts *o, size_t *applied, struct tops_err *err)
{
	struct strbuf fail = STRBUF_INIT;
	int rc = 0;
	*applied = 0;
	for (size_t from = 0; rc == 0 && from < n;) {
		size_t to = from + 1;
		const char *kind = obj_str(objs[from], "kind");
		while (to < n && kind && obj_str(objs[to], "kind") && !strcmp(kind, obj_str(objs[to], "kind")))
			to++;
		rc = apply_group(kc, objs, from, to, o, applied, &fail);
		from = to;
	}
	if (rc < 0)
		tops_err_set(err, -rc, "%s", sb_str(&fail));
	sb_done(&fail);
	return rc;
}

static bool keep_policy(const struct value *obj)
{
	const char *p = meta_key(obj, "metadata.annotations", "helm.sh/resource-policy");
	return p && strcmp(p, "keep") == 0;
}

int apply_delete(struct kube_client *kc, struct value *const *objs, size_t n,
		 const struct apply_opts *o, const char *policy, size_t *kept, struct tops_err *err)
{
	struct rest_op *ops = xcalloc(n + 1, sizeof *ops);
	size_t m = 0;
	*kept = 0;
	for (size_t k = n; k-- > 0;) {
		if (keep_policy(objs[k])) {
			(*kept)++;
			continue;
		}
		char *base = apply_object_path(objs[k], o->namespace_);
		ops[m].method = "DELETE";
		ops[m].path = xasprintf("%s?propagationPolicy=%s%s", base, policy ? policy : "Background",
					o->dry_run ? "&dryRun=All" : "");
		free(base);
		m++;
	}
	int rc = rest_run(kc, ops, m, &(struct rest_policy){.parallel = o->parallel});
	for (size_t i = 0; i < m; i++) {
		if (rc == 0 && ops[i].status >= 400 && ops[i].status != 404)
			rc = tops_err_set(err, ops[i].err.code ? ops[i].err.code : TOPS_EHTTP, "DELETE %s: %s",
					  ops[i].path, tops_err_msg(&ops[i].err));
		free((char *)ops[i].path);
	}
	if (rc < 0 && !err->msg)
		tops_err_set(err, -rc, "delete failed");
	rest_ops_done(ops, m);
	free(ops);
	return rc;
}
