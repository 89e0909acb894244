/* snapstore — see snapstore.h. */
#include "core/snapshot/snapstore.h"
#include "core/snapshot/snaprecord.h"

#include "core/release/audit.h"
#include "core/release/obj.h"
#include "core/release/rest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SELECTOR "owner%3Dtops%2Ctops-kind%3Dsnapshot"

static void audit(struct kube_client *kc, const char *action, const char *ns, const char *release,
		  int revision, const char *result, const char *error, int64_t started)
{
	struct audit_entry e = {.action = action, .namespace_ = ns, .release = release,
				.to_revision = revision, .result = result, .error = error,
				.started_ms = started, .ended_ms = now_wall() * 1000};
	struct tops_err ae = {0};
	audit_record(kc, &e, &ae);
	tops_err_clear(&ae);
}

static int post_cm(struct kube_client *kc, const struct value *rec, struct tops_err *err)
{
	const char *ns = snaprecord_str(rec, "release.namespace", "");
	struct value *cm = snaprecord_to_configmap(rec, err);
	if (!cm)
		return -err->code;
	char *body = value_to_json(cm, false, false), *path = xasprintf("/api/v1/namespaces/%s/configmaps", ns);
	long status = 0;
	int rc = rest_call(kc, "POST", path, body, "application/json", &status, NULL, err);
	value_unref(cm);
	free(body), free(path);
	return rc;
}

int snapstore_put(struct kube_client *kc, struct value *rec, const char *action, struct tops_err *err)
{
	int64_t started = now_wall() * 1000;
	const char *ns = snaprecord_str(rec, "release.namespace", "");
	const char *rel = snaprecord_str(rec, "release.name", "");
	int rev = (int)snaprecord_int(rec, "release.revision", 0);
	char *base = xstrdup(snaprecord_str(rec, "id", ""));
	bool take = !strcmp(action, "snapshot-take");
	int rc = post_cm(kc, rec, err);
	for (int k = 2; take && rc == -TOPS_ECONFLICT && k < 10; k++) {
		tops_err_clear(err);
		value_map_set(rec, "id", value_strf("%s-%d", base, k));
		rc = post_cm(kc, rec, err);
	}
	const char *id = snaprecord_str(rec, "id", "");
	if (rc == -TOPS_ECONFLICT) {
		tops_err_clear(err);
		rc = tops_err_set(err, TOPS_ECONFLICT, "snapshot %s already exists in namespace %s", id, ns);
	} else if (rc && rc != -TOPS_ETOOBIG) {
		tops_err_prefix(err, "storing snapshot %s (ConfigMap in namespace %s)", id, ns);
	}
	audit(kc, action, ns, rel, rev, rc == -TOPS_ETOOBIG ? "refused" : rc ? "failed" : "stored",
	      rc ? tops_err_msg(err) : NULL, started);
	free(base);
	return rc;
}

static int by_time(const void *a, const void *b)
{
	const struct value *x = *(struct value *const *)a, *y = *(struct value *const *)b;
	int c = strcmp(snaprecord_str(x, "takenAt", ""), snaprecord_str(y, "takenAt", ""));
	return c ? c : strcmp(snaprecord_str(x, "id", ""), snaprecord_str(y, "id", ""));
}

int snapstore_list(struct kube_client *kc, const char *ns, const char *release, struct value ***recs,
		   size_t *n, struct value **bad, struct tops_err *err)
{
	*recs = NULL;
	*n = 0;
	if (bad)
		*bad = value_list();
	struct strbuf sel = STRBUF_INIT;
	sb_adds(&sel, SELECTOR);
	if (release) {
		sb_adds(&sel, "%2Crelease%3D");
		kube_query_escape(&sel, release);
	}
	char *path = xasprintf("/api/v1/namespaces/%s/configmaps?labelSelector=%s", ns, sb_str(&sel));
	sb_done(&sel);
	struct value *list = NULL;
	int rc = rest_call(kc, "GET", path, NULL, NULL, NULL, &list, err);
	free(path);
	if (rc)
		return tops_err_prefix(err, "listing snapshots in namespace %s", ns);
	const struct value *items = value_map_get(list, "items");
	size_t cnt = items && items->type == V_LIST ? items->u.list.len : 0;
	*recs = xcalloc(cnt + 1, sizeof **recs);
	for (size_t i = 0; i < cnt; i++) {
		struct tops_err e = {0};
		struct value *r = NULL;
		if (snaprecord_from_configmap(items->u.list.items[i], &r, &e) == 0)
			(*recs)[(*n)++] = r;
		else if (bad)
			value_list_push(*bad, value_str(tops_err_msg(&e)));
		tops_err_clear(&e);
	}
	qsort(*recs, *n, sizeof **recs, by_time);
	value_unref(list);
	return 0;
}

void snapstore_list_free(struct value **recs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		value_unref(recs[i]);
	free(recs);
}

static int get_cm(struct kube_client *kc, const char *ns, const char *id, struct value **cm, struct tops_err *err)
{
	char *path = xasprintf("/api/v1/namespaces/%s/configmaps/%s", ns, id);
	int rc = rest_call(kc, "GET", path, NULL, NULL, NULL, cm, err);
	free(path);
	if (rc == -TOPS_ENOENT) {
		tops_err_clear(err);
		return tops_err_set(err, TOPS_ENOENT, "snapshot %s not found in namespace %s", id, ns);
	}
	if (rc)
		return rc;
	const char *owner = obj_str(value_map_path(*cm, "metadata.labels"), "owner");
	const char *kind = obj_str(value_map_path(*cm, "metadata.labels"), "tops-kind");
	if (!owner || strcmp(owner, "tops") || !kind || strcmp(kind, "snapshot")) {
		value_unref(*cm);
		*cm = NULL;
		return tops_err_set(err, TOPS_EINVAL, "ConfigMap %s in namespace %s is not a tops snapshot "
				    "(labels owner=tops, tops-kind=snapshot missing): left alone", id, ns);
	}
	return 0;
}

int snapstore_get(struct kube_client *kc, const char *ns, const char *id, struct value **out,
		  struct tops_err *err)
{
	*out = NULL;
	struct value *cm = NULL;
	int rc = get_cm(kc, ns, id, &cm, err);
	if (!rc)
		rc = snaprecord_from_configmap(cm, out, err);
	value_unref(cm);
	return rc;
}

int snapstore_delete(struct kube_client *kc, const char *ns, const char *id, struct tops_err *err)
{
	int64_t started = now_wall() * 1000;
	struct value *cm = NULL;
	int rc = get_cm(kc, ns, id, &cm, err);
	if (rc)
		return rc;
	const struct value *labels = value_map_path(cm, "metadata.labels");
	const char *rel = obj_str(labels, "release") ?: "";
	int rev = atoi(obj_str(labels, "revision") ?: "0");
	char *rv = xstrdup(obj_str(cm, "metadata.resourceVersion") ?: "");
	char *path = xasprintf("/api/v1/namespaces/%s/configmaps/%s", ns, id);
	char *body = xasprintf("{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"preconditions\":{\"resourceVersion\":\"%s\"}}", rv);
	rc = rest_call(kc, "DELETE", path, *rv ? body : NULL, "application/json", NULL, NULL, err);
	if (rc)
		tops_err_prefix(err, "deleting snapshot %s", id);
	audit(kc, "snapshot-delete", ns, rel, rev, rc ? "failed" : "deleted", rc ? tops_err_msg(err) : NULL, started);
	value_unref(cm);
	free(rv), free(path), free(body);
	return rc;
}
