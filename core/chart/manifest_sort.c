/* manifest_sort — splitting and ordering rendered manifests as Helm's releaseutil does. */
#include "core/chart/manifest_sort.h"
#include "core/base/yaml.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Helm's InstallOrder (pkg/releaseutil/kind_sorter.go). */
static const char *const install_order[] = {
	"PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange",
	"PodSecurityPolicy", "PodDisruptionBudget", "ServiceAccount", "Secret", "SecretList",
	"ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
	"CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service",
	"DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
	"HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress",
	"APIService", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
};

/* Hook events Helm knows; any other value makes Helm skip the document. */
static const char *const hook_events[] = {
	"pre-install", "post-install", "pre-delete", "post-delete", "pre-upgrade",
	"post-upgrade", "pre-rollback", "post-rollback", "test", "test-success",
};

static bool go_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void trim(const char **s, size_t *len)
{
	while (*len && go_space(**s))
		(*s)++, (*len)--;
	while (*len && go_space((*s)[*len - 1]))
		(*len)--;
}

static void push_doc(char ***docs, size_t *n, const char *s, size_t len)
{
	trim(&s, &len);
	if (!len)
		return;
	*docs = xrealloc(*docs, (*n + 1) * sizeof(char *));
	(*docs)[(*n)++] = xstrndup(s, len);
}

/* The regexp (?:^|\s*\n)---\s* applied left to right, as Go's Split does. */
void manifest_split(const char *text, size_t len, char ***docs, size_t *n)
{
	const char *s = text;
	size_t beg = 0, scan = 0;
	*docs = NULL;
	*n = 0;
	trim(&s, &len);
	if (len >= 3 && !strncmp(s, "---", 3)) {
		scan = 3;
		while (scan < len && go_space(s[scan]))
			scan++;
		beg = scan;
	}
	for (size_t q = scan; q + 3 <= len; q++) {
		if (strncmp(s + q, "---", 3) || q == 0 || s[q - 1] != '\n' || q - 1 < scan)
			continue;
		size_t start = q - 1;
		while (start > scan && go_space(s[start - 1]))
			start--;
		push_doc(docs, n, s + beg, start - beg);
		size_t end = q + 3;
		while (end < len && go_space(s[end]))
			end++;
		beg = scan = end;
		q = end - 1;
	}
	push_doc(docs, n, s + beg, len - beg);
}

static int kind_rank(const char *kind)
{
	for (size_t i = 0; i < ARRAY_LEN(install_order); i++)
		if (!strcmp(kind, install_order[i]))
			return (int)i;
	return -1;
}

struct ranked {
	struct manifest m;
	int rank;
	size_t idx;
};

static int ranked_cmp(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;
	if (a->rank < 0 && b->rank < 0) {
		int c = strcmp(a->m.kind, b->m.kind);
		if (c)
			return c;
	} else if (a->rank != b->rank) {
		if (a->rank < 0)
			return 1;
		if (b->rank < 0)
			return -1;
		return a->rank < b->rank ? -1 : 1;
	}
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void sort_by_kind(struct manifest *m, size_t n)
{
	struct ranked *r = xcalloc(n + 1, sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		r[i].m = m[i];
		r[i].rank = kind_rank(m[i].kind);
		r[i].idx = i;
	}
	qsort(r, n, sizeof(*r), ranked_cmp);
	for (size_t i = 0; i < n; i++)
		m[i] = r[i].m;
	free(r);
}

static void add(struct manifest **arr, size_t *n, struct manifest *m)
{
	*arr = xrealloc(*arr, (*n + 1) * sizeof(**arr));
	(*arr)[(*n)++] = *m;
}

/* Returns 1 for a hook, 0 for a plain manifest, -1 for an unknown hook (dropped). */
/* One event name (any case, blanks around it ignored); -1 when unknown. */
static int hook_event(const char *p, size_t len)
{
	trim(&p, &len);
	for (size_t i = 0; i < ARRAY_LEN(hook_events); i++)
		if (strlen(hook_events[i]) == len && !strncasecmp(p, hook_events[i], len))
			return (int)i;
	return -1;
}

/* Helm splits the annotation on ',' (empty parts included); any unknown part drops the hook. */
static int hook_kind(const char *hooks, bool *is_test)
{
	*is_test = false;
	for (const char *p = hooks;;) {
		size_t len = strcspn(p, ",");
		int ev = hook_event(p, len);
		if (ev < 0)
			return -1;
		if (ev >= 8)
			*is_test = true;
		if (!p[len])
			return 1;
		p += len + 1;
	}
}

static const char *json_kind(const struct value *v)
{
	switch (v->type) {
	case V_STRING: return "string";
	case V_INT: case V_FLOAT: return "number";
	case V_LIST: return "array";
	case V_MAP: return "object";
	case V_BOOL: return "bool";
	default: return "value";
	}
}

/* The checks json.Unmarshal into Helm's SimpleHead makes: NULL when the head is well typed,
 * else the Go type error's words. */
static char *head_type_error(const struct value *v)
{
	static const char *const strs[][2] = {
		{"apiVersion", "SimpleHead.apiVersion"}, {"kind", "SimpleHead.kind"},
	};
	if (v->type == V_NULL)
		return NULL;
	if (v->type != V_MAP)
		return xasprintf("cannot unmarshal %s into Go value of type releaseutil.SimpleHead", json_kind(v));
	for (size_t i = 0; i < ARRAY_LEN(strs); i++) {
		const struct value *f = value_map_get(v, strs[i][0]);
		if (f && f->type != V_NULL && f->type != V_STRING)
			return xasprintf("cannot unmarshal %s into Go struct field %s of type string", json_kind(f), strs[i][1]);
	}
	const struct value *md = value_map_get(v, "metadata");
	if (!md || md->type == V_NULL)
		return NULL;
	if (md->type != V_MAP)
		return xasprintf("cannot unmarshal %s into Go struct field SimpleHead.metadata of type struct", json_kind(md));
	const struct value *nm = value_map_get(md, "name"), *ann = value_map_get(md, "annotations");
	if (nm && nm->type != V_NULL && nm->type != V_STRING)
		return xasprintf("cannot unmarshal %s into Go struct field .metadata.name of type string", json_kind(nm));
	if (ann && ann->type != V_NULL && ann->type != V_MAP)
		return xasprintf("cannot unmarshal %s into Go struct field .metadata.annotations of type map[string]string", json_kind(ann));
	for (size_t i = 0; ann && ann->type == V_MAP && i < ann->u.map.len; i++) {
		const struct value *a = ann->u.map.e[i].val;
		if (a->type != V_NULL && a->type != V_STRING)
			return xasprintf("cannot unmarshal %s into Go struct field .metadata.annotations of type string", json_kind(a));
	}
	return NULL;
}

static int classify_doc(const char *name, const char *doc, struct manifest_set *set, struct tops_err *err)
{
	struct yaml_opts yo = {0};
	struct yaml_errpos pos = {0};
	struct value *v = yaml_load(doc, strlen(doc), name, &yo, &pos, err);
	if (!v) {
		if (pos.problem[0])
			return tops_err_set(err, TOPS_EINVAL,
					    "YAML parse error on %s: error converting YAML to JSON: yaml: line %d: %s",
					    name, pos.go_line ? pos.go_line : pos.line, pos.problem);
		return tops_err_prefix(err, "YAML parse error on %s", name);
	}
	char *terr = head_type_error(v);
	if (terr) {
		tops_err_set(err, TOPS_EINVAL, "YAML parse error on %s: error unmarshaling JSON: while decoding JSON: json: %s",
			     name, terr);
		free(terr);
		value_unref(v);
		return -TOPS_EINVAL;
	}
	const struct value *kind = value_map_get(v, "kind");
	const struct value *ann = value_map_path(v, "metadata.annotations");
	const struct value *hook = ann && ann->type == V_MAP ? value_map_get(ann, "helm.sh/hook") : NULL;
	struct manifest m = {
		.name = xstrdup(name), .content = xstrdup(doc),
		.kind = xstrdup(kind && kind->type == V_STRING ? kind->u.str.s : ""),
	};
	int hk = hook && hook->type == V_STRING ? hook_kind(hook->u.str.s, &m.is_test) : 0;
	value_unref(v);
	if (hk < 0) {
		free(m.name);
		free(m.content);
		free(m.kind);
		return 0;
	}
	m.is_hook = hk == 1;
	if (m.is_hook)
		add(&set->hooks, &set->nhooks, &m);
	else
		add(&set->manifests, &set->nmanifests, &m);
	return 0;
}

struct named {
	const char *name;
	size_t idx;
};

static int named_cmp(const void *a, const void *b)
{
	return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

int manifest_sort(const char *const *names, const char *const *texts, size_t n,
		  struct manifest_set *set, struct tops_err *err)
{
	struct named *order = xcalloc(n + 1, sizeof(*order));
	int rc = 0;
	memset(set, 0, sizeof(*set));
	for (size_t i = 0; i < n; i++)
		order[i] = (struct named){names[i], i};
	qsort(order, n, sizeof(*order), named_cmp);
	for (size_t k = 0; k < n && rc == 0; k++) {
		size_t i = order[k].idx;
		const char *base = strrchr(names[i], '/');
		base = base ? base + 1 : names[i];
		if (base[0] == '_')
			continue;
		char **docs;
		size_t nd;
		manifest_split(texts[i], strlen(texts[i]), &docs, &nd);
		for (size_t d = 0; d < nd; d++) {
			if (rc == 0)
				rc = classify_doc(names[i], docs[d], set, err);
			free(docs[d]);
		}
		free(docs);
	}
	free(order);
	if (rc < 0) {
		manifest_set_done(set);
		return rc;
	}
	sort_by_kind(set->manifests, set->nmanifests);
	sort_by_kind(set->hooks, set->nhooks);
	return 0;
}

static void manifests_free(struct manifest *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].content);
		free(m[i].kind);
	}
	free(m);
}

void manifest_set_done(struct manifest_set *set)
{
	manifests_free(set->manifests, set->nmanifests);
	manifests_free(set->hooks, set->nhooks);
	memset(set, 0, sizeof(*set));
}
