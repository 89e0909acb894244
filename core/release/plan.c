/* plan — diff of objects against the live cluster, and plan counts (see plan.h). */
#include "core/release/plan.h"

#include "core/base/yaml.h"
#include "core/chart/manifest_sort.h"
#include "core/diff/diff.h"
#include "core/release/obj.h"
#include "core/release/rest.h"

#include <stdlib.h>
#include <string.h>

static void plan_one(struct kube_client *kc, const struct value *obj, const char *ns, struct plan *p,
		     struct strbuf *diff)
{
	char *path = diff_object_path(obj, ns);
	struct value *live = NULL;
	struct tops_err err = {0};
	if (path && rest_call(kc, "GET", path, NULL, NULL, NULL, &live, &err) < 0)
		live = NULL; /* absent (or unreadable): shown as an addition */
	tops_err_clear(&err);
	struct diff_result r;
	if (diff_object_as(obj, live, ns, "tops", &r, &err) == 0) {
		p->add += r.status == DIFF_CREATED;
		p->change += r.status == DIFF_CHANGED;
		p->unchanged += r.status != DIFF_CREATED && r.status != DIFF_CHANGED;
		if (diff)
			diff_unified(&r, 3, diff);
		diff_result_done(&r);
	}
	tops_err_clear(&err);
	value_unref(live);
	free(path);
}

void plan_compute(struct kube_client *kc, struct value *const *objs, size_t n,
		  struct value *const *gone, size_t ngone, const char *ns, struct plan *p,
		  struct strbuf *diff)
{
	memset(p, 0, sizeof *p);
	for (size_t i = 0; i < n; i++)
		plan_one(kc, objs[i], ns, p, diff);
	for (size_t i = 0; i < ngone; i++) {
		if (diff) {
			char *ref = obj_ref(gone[i], false);
			sb_addf(diff, "--- live/%s (deleted: the new revision no longer has it)\n", ref);
			free(ref);
		}
		p->destroy++;
	}
}

void plan_line(const struct plan *p, char *buf, size_t n)
{
	snprintf(buf, n, "Plan: %d to add, %d to change, %d to destroy.", p->add, p->change, p->destroy);
}

struct value **plan_parse_manifest(const char *manifest, size_t *n, struct tops_err *err)
{
	char **docs = NULL;
	size_t nd = 0;
	*n = 0;
	manifest_split(manifest ? manifest : "", manifest ? strlen(manifest) : 0, &docs, &nd);
	struct value **objs = xcalloc(nd + 1, sizeof *objs);
	int rc = 0;
	for (size_t i = 0; i < nd; i++) {
		struct value *v = rc ? NULL : yaml_load(docs[i], strlen(docs[i]), "manifest", NULL, NULL, err);
		if (!v)
			rc = -TOPS_EINVAL;
		else if (v->type == V_MAP)
			objs[(*n)++] = v;
		else
			value_unref(v);
		free(docs[i]);
	}
	free(docs);
	if (rc < 0) {
		plan_objects_free(objs, *n);
		*n = 0;
		return NULL;
	}
	return objs;
}

void plan_objects_free(struct value **objs, size_t n)
{
	for (size_t i = 0; objs && i < n; i++)
		value_unref(objs[i]);
	free(objs);
}
