/* podpick — target to pod; see podpick.h. */
#include "core/kube/podpick.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static int get_json(struct kube_client *kc, const char *path, cJSON **out, struct tops_err *err)
{
	long status = 0;
	char *body = NULL;
	*out = NULL;
	int rc = kube_request_sync(kc, "GET", path, NULL, NULL, &status, &body, err);
	if (rc == 0 && status != 200)
		rc = kube_status_error(status, body, err);
	if (rc == 0 && !(*out = cJSON_Parse(body)))
		rc = tops_err_set(err, TOPS_EINVAL, "the server's reply to %s is not JSON", path);
	free(body);
	return rc;
}

/* "a=b,c=d" from a map of labels (matchLabels or a Service's selector). */
static char *selector_of(const cJSON *m)
{
	struct strbuf sb = STRBUF_INIT;
	const cJSON *kv;
	cJSON_ArrayForEach(kv, m) {
		if (cJSON_IsString(kv))
			sb_addf(&sb, "%s%s=%s", sb.len ? "," : "", kv->string, kv->valuestring);
	}
	return sb.len ? sb_detach(&sb, NULL) : (sb_done(&sb), NULL);
}

static bool pod_ready(const cJSON *pod)
{
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(pod, "status"), "conditions")) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "type");
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(c, "status");
		if (cJSON_IsString(t) && !strcmp(t->valuestring, "Ready"))
			return cJSON_IsString(s) && !strcmp(s->valuestring, "True");
	}
	return false;
}

static int pod_rank(const cJSON *pod)
{
	const cJSON *ph = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(pod, "status"), "phase");
	bool deleting = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "deletionTimestamp") != NULL;
	bool running = cJSON_IsString(ph) && !strcmp(ph->valuestring, "Running");
	return deleting ? 0 : running ? (pod_ready(pod) ? 3 : 2) : 1;
}

static const char *pod_name(const cJSON *pod)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(pod, "metadata"), "name");
	return cJSON_IsString(n) ? n->valuestring : "";
}

/* The best pod of a label selector. */
static int best_pod(struct kube_client *kc, const char *ns, const char *sel, const char *target,
		    char **pod, struct tops_err *err)
{
	struct strbuf q = STRBUF_INIT;
	sb_adds(&q, "labelSelector=");
	kube_query_escape(&q, sel);
	char *path = kube_path(KK_POD, ns, NULL, sb_str(&q));
	sb_done(&q);
	cJSON *list = NULL;
	int rc = get_json(kc, path, &list, err);
	free(path);
	const cJSON *best = NULL, *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(list, "items")) {
		int r = pod_rank(p), br = best ? pod_rank(best) : -1;
		if (r > br || (r == br && strcmp(pod_name(p), pod_name(best)) < 0))
			best = p;
	}
	if (rc == 0 && (!best || pod_rank(best) < 2))
		rc = tops_err_set(err, TOPS_ENOENT, "no running pod for %s (selector %s)", target, sel);
	else if (rc == 0)
		*pod = xstrdup(pod_name(best));
	cJSON_Delete(list);
	return rc;
}

struct target_kind {
	const char *const names[4];
	enum kube_kind kind;
};

static const struct target_kind kinds_tab[] = {
	{{"pod", "pods", "po", NULL}, KK_POD},
	{{"deploy", "deployment", "deployments", NULL}, KK_DEPLOYMENT},
	{{"sts", "statefulset", "statefulsets", NULL}, KK_STATEFULSET},
	{{"rs", "replicaset", "replicasets", NULL}, KK_REPLICASET},
	{{"svc", "service", "services", NULL}, KK_SERVICE},
};

static int kind_of(const char *word, size_t n, enum kube_kind *k)
{
	for (size_t i = 0; i < ARRAY_LEN(kinds_tab); i++)
		for (size_t j = 0; kinds_tab[i].names[j]; j++)
			if (strlen(kinds_tab[i].names[j]) == n && !strncmp(kinds_tab[i].names[j], word, n)) {
				*k = kinds_tab[i].kind;
				return 0;
			}
	return -1;
}

static int from_object(struct kube_client *kc, const char *ns, enum kube_kind k, const char *name,
		       const char *target, char **pod, char **svc_ports, struct tops_err *err)
{
	char *path = kube_path(k, ns, name, NULL);
	cJSON *obj = NULL;
	int rc = get_json(kc, path, &obj, err);
	free(path);
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	const cJSON *sel = cJSON_GetObjectItemCaseSensitive(spec, "selector");
	char *s = rc ? NULL : selector_of(k == KK_SERVICE ? sel
						 : cJSON_GetObjectItemCaseSensitive(sel, "matchLabels"));
	if (rc == 0 && !s)
		rc = tops_err_set(err, TOPS_EINVAL, "%s has no label selector to find its pods", target);
	if (rc == 0)
		rc = best_pod(kc, ns, s, target, pod, err);
	if (rc == 0 && svc_ports && k == KK_SERVICE)
		*svc_ports = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(spec, "ports"));
	free(s);
	cJSON_Delete(obj);
	return rc;
}

int podpick_resolve(struct kube_client *kc, const char *ns, const char *target, char **pod,
		    char **svc_ports, struct tops_err *err)
{
	*pod = NULL;
	if (svc_ports)
		*svc_ports = NULL;
	const char *slash = strchr(target, '/');
	enum kube_kind k = KK_POD;
	if (slash && kind_of(target, (size_t)(slash - target), &k) < 0)
		return tops_err_set(err, TOPS_EINVAL, "%s: use POD, pod/NAME, deploy/NAME, sts/NAME, "
				    "rs/NAME or svc/NAME", target);
	const char *name = slash ? slash + 1 : target;
	if (!*name)
		return tops_err_set(err, TOPS_EINVAL, "%s: a name is needed", target);
	if (k == KK_POD) {
		*pod = xstrdup(name);
		return 0;
	}
	return from_object(kc, ns, k, name, target, pod, svc_ports, err);
}
