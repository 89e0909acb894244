#include "core/release/storage.h"

#include "core/release/obj.h"
#include "core/release/rest.h"

#include <stdlib.h>
#include <string.h>

bool storage_configmaps(void)
{
	const char *d = getenv("HELM_DRIVER");
	return d && (!strcmp(d, "configmap") || !strcmp(d, "configmaps"));
}

static const char *resource(void)
{
	return storage_configmaps() ? "configmaps" : "secrets";
}

void history_done(struct history *h)
{
	for (size_t i = 0; i < h->n; i++)
		release_free(h->r[i]);
	for (size_t i = 0; i < h->ncorrupt; i++)
		free(h->corrupt[i]);
	free(h->r), free(h->corrupt);
	memset(h, 0, sizeof *h);
}

struct release *history_last(const struct history *h)
{
	return h->n ? h->r[h->n - 1] : NULL;
}

struct release *history_deployed(const struct history *h)
{
	for (size_t i = h->n; i-- > 0;)
		if (h->r[i]->info.status == RS_DEPLOYED)
			return h->r[i];
	return NULL;
}

struct release *history_get(const struct history *h, int version)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->r[i]->version == version)
			return h->r[i];
	return NULL;
}

static int by_version(const void *a, const void *b)
{
	const struct release *x = *(struct release *const *)a, *y = *(struct release *const *)b;
	int c = strcmp(x->namespace_ ? x->namespace_ : "", y->namespace_ ? y->namespace_ : "");
	c = c ? c : strcmp(x->name ? x->name : "", y->name ? y->name : "");
	return c ? c : (x->version > y->version) - (x->version < y->version);
}

static void add_item(struct history *h, const struct value *item)
{
	struct release *r = NULL;
	struct tops_err e = {0};
	const char *name = obj_str(item, "metadata.name");
	if (release_from_object(item, &r, &e) < 0) {
		h->corrupt = xrealloc(h->corrupt, (h->ncorrupt + 1) * sizeof *h->corrupt);
		h->corrupt[h->ncorrupt++] = xasprintf("%s: %s", name ? name : "?", tops_err_msg(&e));
	} else {
		h->r = xrealloc(h->r, (h->n + 1) * sizeof *h->r);
		h->r[h->n++] = r;
	}
	tops_err_clear(&e);
}

int storage_load(struct kube_client *kc, const char *ns, const char *name, struct history *h,
		 struct tops_err *err)
{
	memset(h, 0, sizeof *h);
	char *sel = name ? xasprintf("owner%%3Dhelm%%2Cname%%3D%s", name) : xstrdup("owner%3Dhelm");
	char *path = ns && *ns ? xasprintf("/api/v1/namespaces/%s/%s?labelSelector=%s", ns, resource(), sel)
			       : xasprintf("/api/v1/%s?labelSelector=%s", resource(), sel);
	struct value *list = NULL;
	int rc = rest_call(kc, "GET", path, NULL, NULL, NULL, &list, err);
	if (rc == -TOPS_EAUTH)
		tops_err_prefix(err, "list %s in namespace %s (the release records) is forbidden", resource(),
				ns ? ns : "(all)");
	const struct value *items = value_map_get(list, "items");
	for (size_t i = 0; rc == 0 && items && items->type == V_LIST && i < items->u.list.len; i++)
		add_item(h, items->u.list.items[i]);
	if (h->n)
		qsort(h->r, h->n, sizeof *h->r, by_version);
	value_unref(list);
	free(sel), free(path);
	return rc;
}

int storage_write(struct kube_client *kc, const struct release *r, bool create, struct tops_err *err)
{
	bool cm = storage_configmaps();
	struct value *obj = cm ? release_to_configmap(r, create) : release_to_secret(r, create);
	char *body = value_to_json(obj, false, false);
	char *path = create ? xasprintf("/api/v1/namespaces/%s/%s", r->namespace_, resource())
			    : xasprintf("/api/v1/namespaces/%s/%s/%s", r->namespace_, resource(),
					obj_str(obj, "metadata.name"));
	int rc = rest_call(kc, create ? "POST" : "PUT", path, body, "application/json", NULL, NULL, err);
	value_unref(obj);
	free(body), free(path);
	return rc;
}

int storage_delete(struct kube_client *kc, const char *ns, const char *name, int version,
		   struct tops_err *err)
{
	char *path = xasprintf("/api/v1/namespaces/%s/%s/sh.helm.release.v1.%s.v%d", ns, resource(), name, version);
	int rc = rest_call(kc, "DELETE", path, NULL, NULL, NULL, NULL, err);
	free(path);
	return rc;
}
