/* defaults — server-side defaulting (what the API server fills in), template hashing and
 * image checks. Part of the controllers (ctrl_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/base64.h"
#include "tests/kubesim/ctrl_int.h"
#include "tests/kubesim/select.h"

static void dflt_str(struct value *m, const char *key, const char *s)
{
	if (!value_map_get(m, key))
		vset_str(m, key, s);
}

static void dflt_int(struct value *m, const char *key, int64_t i)
{
	if (!value_map_get(m, key))
		vset_int(m, key, i);
}

static bool image_latest(const char *image)
{
	if (!image || strchr(image, '@'))
		return false;
	const char *slash = strrchr(image, '/'), *colon = strrchr(image, ':');
	if (!colon || (slash && colon < slash))
		return true;
	return strcmp(colon, ":latest") == 0;
}

static void container_defaults(struct value *c)
{
	if (c->type != V_MAP)
		return;
	dflt_str(c, "imagePullPolicy", image_latest(vstr(c, "image")) ? "Always" : "IfNotPresent");
	dflt_str(c, "terminationMessagePath", "/dev/termination-log");
	dflt_str(c, "terminationMessagePolicy", "File");
	if (!value_map_get(c, "resources"))
		value_map_set(c, "resources", value_map());
	struct value *ports = value_map_get(c, "ports");
	for (size_t i = 0; ports && ports->type == V_LIST && i < ports->u.list.len; i++)
		if (ports->u.list.items[i]->type == V_MAP)
			dflt_str(ports->u.list.items[i], "protocol", "TCP");
}

static void podspec_defaults(struct value *spec)
{
	if (!spec || spec->type != V_MAP)
		return;
	dflt_str(spec, "restartPolicy", "Always");
	dflt_int(spec, "terminationGracePeriodSeconds", 30);
	dflt_str(spec, "dnsPolicy", "ClusterFirst");
	dflt_str(spec, "schedulerName", "default-scheduler");
	if (!value_map_get(spec, "securityContext"))
		value_map_set(spec, "securityContext", value_map());
	const char *lists[] = {"containers", "initContainers"};
	for (size_t l = 0; l < 2; l++) {
		struct value *cs = value_map_get(spec, lists[l]);
		for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++)
			container_defaults(cs->u.list.items[i]);
	}
}

static void template_defaults(struct value *obj)
{
	struct value *spec = vmap(obj, "spec");
	struct value *tmpl = vmap(spec, "template");
	if (!value_map_get(tmpl, "metadata"))
		value_map_set(tmpl, "metadata", value_map());
	podspec_defaults(vmap(tmpl, "spec"));
	dflt_int(spec, "replicas", 1);
	dflt_int(spec, "revisionHistoryLimit", 10);
}

static void deploy_defaults(struct value *obj)
{
	template_defaults(obj);
	struct value *spec = vmap(obj, "spec");
	dflt_int(spec, "progressDeadlineSeconds", 600);
	struct value *st = vmap(spec, "strategy");
	dflt_str(st, "type", "RollingUpdate");
	if (strcmp(vstr(st, "type"), "RollingUpdate") == 0) {
		struct value *ru = vmap(st, "rollingUpdate");
		dflt_str(ru, "maxSurge", "25%");
		dflt_str(ru, "maxUnavailable", "25%");
	}
}

static void ds_defaults(struct value *obj)
{
	struct value *spec = vmap(obj, "spec"), *tmpl = vmap(spec, "template");
	if (!value_map_get(tmpl, "metadata"))
		value_map_set(tmpl, "metadata", value_map());
	podspec_defaults(vmap(tmpl, "spec"));
	dflt_int(spec, "revisionHistoryLimit", 10);
	struct value *us = vmap(spec, "updateStrategy");
	dflt_str(us, "type", "RollingUpdate");
	if (strcmp(vstr(us, "type") ?: "", "RollingUpdate") == 0) {
		struct value *ru = vmap(us, "rollingUpdate");
		dflt_int(ru, "maxUnavailable", 1);
		dflt_int(ru, "maxSurge", 0);
	}
}

static void sts_defaults(struct value *obj)
{
	template_defaults(obj);
	struct value *spec = vmap(obj, "spec");
	dflt_str(spec, "podManagementPolicy", "OrderedReady");
	struct value *us = vmap(spec, "updateStrategy");
	dflt_str(us, "type", "RollingUpdate");
	if (strcmp(vstr(us, "type") ?: "", "RollingUpdate") == 0)
		dflt_int(vmap(us, "rollingUpdate"), "partition", 0);
	struct value *ret = vmap(spec, "persistentVolumeClaimRetentionPolicy");
	dflt_str(ret, "whenDeleted", "Retain");
	dflt_str(ret, "whenScaled", "Retain");
	struct value *vcts = value_map_get(spec, "volumeClaimTemplates");
	for (size_t i = 0; vcts && vcts->type == V_LIST && i < vcts->u.list.len; i++) {
		struct value *t = vcts->u.list.items[i];
		if (t->type == V_MAP) {
			dflt_str(t, "apiVersion", "v1");
			dflt_str(t, "kind", "PersistentVolumeClaim");
			dflt_str(vmap(t, "spec"), "volumeMode", "Filesystem");
		}
	}
}

/* A Job's defaults as 1.32 fills them. The API's selector names the Job's uid, which is not
 * known before the object is stored; the job-name label selects the same pods. */
static void job_defaults(struct value *obj)
{
	struct value *spec = vmap(obj, "spec"), *tmpl = vmap(spec, "template");
	if (!value_map_get(spec, "completions") && !value_map_get(spec, "parallelism"))
		vset_int(spec, "completions", 1);
	dflt_int(spec, "parallelism", 1);
	dflt_int(spec, "backoffLimit", 6);
	dflt_str(spec, "completionMode", "NonIndexed");
	dflt_str(spec, "podReplacementPolicy", "TerminatingOrFailed");
	if (!value_map_get(spec, "suspend"))
		value_map_set(spec, "suspend", value_bool(false));
	if (!value_map_get(spec, "manualSelector"))
		value_map_set(spec, "manualSelector", value_bool(false));
	const char *name = vstr(obj, "metadata.name");
	struct value *labels = vmap(vmap(tmpl, "metadata"), "labels");
	if (name) {
		dflt_str(labels, "job-name", name);
		dflt_str(labels, "batch.kubernetes.io/job-name", name);
		if (!value_map_get(spec, "selector"))
			vset_str(vmap(vmap(spec, "selector"), "matchLabels"), "batch.kubernetes.io/job-name", name);
	}
	podspec_defaults(vmap(tmpl, "spec"));
}

static void svc_defaults(struct value *obj)
{
	struct value *spec = vmap(obj, "spec");
	dflt_str(spec, "type", "ClusterIP");
	dflt_str(spec, "sessionAffinity", "None");
	if (!value_map_get(spec, "clusterIP")) {
		uint64_t h = sim_hash(vstr(obj, "metadata.name") ?: "", strlen(vstr(obj, "metadata.name") ?: ""), 0);
		value_map_set(spec, "clusterIP", value_strf("10.96.%u.%u", (unsigned)(h >> 8) & 0xff, (unsigned)(h & 0xfd) + 2));
		struct value *ips = value_list();
		value_list_push(ips, value_ref(value_map_get(spec, "clusterIP")));
		value_map_set(spec, "clusterIPs", ips);
	}
	struct value *ports = value_map_get(spec, "ports");
	for (size_t i = 0; ports && ports->type == V_LIST && i < ports->u.list.len; i++) {
		struct value *p = ports->u.list.items[i];
		if (p->type != V_MAP)
			continue;
		dflt_str(p, "protocol", "TCP");
		if (!value_map_get(p, "targetPort") && value_map_get(p, "port"))
			value_map_set(p, "targetPort", value_ref(value_map_get(p, "port")));
	}
}

static void pvc_defaults(struct value *obj)
{
	struct value *spec = vmap(obj, "spec");
	dflt_str(spec, "volumeMode", "Filesystem");
	if (!value_map_get(spec, "storageClassName") && sim_cfg.default_sc)
		vset_str(spec, "storageClassName", sim_cfg.default_sc);
	if (!vstr(obj, "status.phase"))
		vset_str(vmap(obj, "status"), "phase", "Pending");
}

/* A Secret's stringData is folded into data (base64) and never stored; type defaults to Opaque. */
static void secret_defaults(struct value *obj)
{
	struct value *sd = value_map_get(obj, "stringData");
	if (sd && sd->type == V_MAP) {
		struct value *data = vmap(obj, "data");
		for (size_t i = 0; i < sd->u.map.len; i++) {
			const struct value *v = sd->u.map.e[i].val;
			if (!v || v->type != V_STRING)
				continue;
			struct strbuf sb = STRBUF_INIT;
			base64_encode(&sb, v->u.str.s, v->u.str.len);
			value_map_set(data, sd->u.map.e[i].key, value_str(sb_str(&sb)));
			sb_done(&sb);
		}
	}
	value_map_del(obj, "stringData");
	dflt_str(obj, "type", "Opaque");
}

void ctrl_defaults(int kind, struct value *obj)
{
	if (!obj || obj->type != V_MAP)
		return;
	switch (kind) {
	case K_DEPLOY: deploy_defaults(obj); break;
	case K_RS: template_defaults(obj); break;
	case K_STS: sts_defaults(obj); break;
	case K_DS: ds_defaults(obj); break;
	case K_POD: podspec_defaults(vmap(obj, "spec")); break;
	case K_SVC: svc_defaults(obj); break;
	case K_PVC: pvc_defaults(obj); break;
	case K_NS: dflt_str(vmap(obj, "status"), "phase", "Active"); break;
	case K_SECRET: secret_defaults(obj); break;
	case K_JOB: job_defaults(obj); break;
	default: break;
	}
}

struct value *template_normal(const struct value *tmpl)
{
	struct value *t = value_copy(tmpl ? tmpl : value_null());
	if (t->type != V_MAP) {
		value_unref(t);
		t = value_map();
	}
	struct value *md = vmap(t, "metadata");
	struct value *labels = value_map_get(md, "labels");
	if (labels && labels->type == V_MAP)
		value_map_del(labels, "pod-template-hash");
	value_map_del(md, "creationTimestamp");
	podspec_defaults(vmap(t, "spec"));
	return t;
}

void template_hash(const struct value *tmpl, char *buf)
{
	static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
	struct value *t = template_normal(tmpl);
	char *json = value_to_json(t, false, false);
	uint64_t h = sim_hash(json, strlen(json), 0);
	for (int i = 0; i < 10; i++) {
		buf[i] = alpha[h % (sizeof(alpha) - 1)];
		h /= sizeof(alpha) - 1;
	}
	buf[10] = 0;
	free(json);
	value_unref(t);
}

const char *container_env(const struct value *c, const char *name)
{
	struct value *env = value_map_get(c, "env");
	for (size_t i = 0; env && env->type == V_LIST && i < env->u.list.len; i++) {
		const char *n = vstr(env->u.list.items[i], "name");
		if (n && strcmp(n, name) == 0)
			return vstr(env->u.list.items[i], "value") ?: "";
	}
	return NULL;
}

static char *image_registry(const char *image)
{
	const char *slash = strchr(image, '/');
	if (!slash)
		return xstrdup("docker.io");
	size_t n = (size_t)(slash - image);
	char *first = xstrndup(image, n);
	if (memchr(first, '.', n) || memchr(first, ':', n) || strcmp(first, "localhost") == 0)
		return first;
	free(first);
	return xstrdup("docker.io");
}

static bool list_has(const struct value *l, const char *s, bool prefix)
{
	for (size_t i = 0; l && l->type == V_LIST && i < l->u.list.len; i++) {
		struct value *x = l->u.list.items[i];
		if (x->type != V_STRING)
			continue;
		if (strcmp(x->u.str.s, s) == 0)
			return true;
		if (prefix && str_has_prefix(s, x->u.str.s) && s[x->u.str.len] == '/')
			return true;
	}
	return false;
}

bool image_pullable(const char *image, const char **why)
{
	if (!image || !*image) {
		*why = "InvalidImageName";
		return false;
	}
	struct value *regs = sim_cfg.registries;
	if (regs && regs->type == V_LIST && regs->u.list.len) {
		char *reg = image_registry(image);
		bool ok = list_has(regs, reg, false) || list_has(regs, image, true);
		free(reg);
		if (!ok) {
			*why = "registry not allowed (air-gapped: no route to host)";
			return false;
		}
	}
	const char *at = strstr(image, "@sha256:");
	if (at && sim_cfg.mirror && !list_has(sim_cfg.mirror, at + 1, false)) {
		*why = "manifest unknown: the mirror does not hold this digest";
		return false;
	}
	return true;
}

/* ---- validation: the shapes the controllers rely on, with the API server's wording ---- */

static int invalid(struct tops_err *err, int kind, const struct value *obj, const char *field,
		   const char *what)
{
	const char *name = vstr(obj, "metadata.name") ?: "";
	return tops_err_set(err, TOPS_EINVAL, "%s%s%s \"%s\" is invalid: %s: %s", kinds[kind].kind,
			    *kinds[kind].group ? "." : "", kinds[kind].group, name, field, what);
}

static bool is_type(const struct value *v, enum vtype t) { return v && v->type == t; }

static int check_containers(int kind, const struct value *obj, const struct value *spec, const char *at,
			    struct tops_err *err)
{
	char field[128];
	struct value *cs = value_map_get(spec, "containers");
	snprintf(field, sizeof(field), "%s.containers", at);
	if (!is_type(cs, V_LIST) || !cs->u.list.len)
		return invalid(err, kind, obj, field, "Required value");
	for (size_t i = 0; i < cs->u.list.len; i++) {
		struct value *c = cs->u.list.items[i];
		snprintf(field, sizeof(field), "%s.containers[%zu]", at, i);
		if (!is_type(c, V_MAP))
			return invalid(err, kind, obj, field, "Invalid value: must be an object");
		if (!is_type(value_map_get(c, "name"), V_STRING))
			return invalid(err, kind, obj, strcat(field, ".name"), "Required value");
		if (!is_type(value_map_get(c, "image"), V_STRING))
			return invalid(err, kind, obj, strcat(field, ".image"), "Required value");
		struct value *env = value_map_get(c, "env");
		if (env && !is_type(env, V_LIST))
			return invalid(err, kind, obj, strcat(field, ".env"), "Invalid value: must be a list");
	}
	return 0;
}

static int check_workload(int kind, const struct value *obj, struct tops_err *err)
{
	struct value *spec = value_map_get(obj, "spec");
	if (!is_type(spec, V_MAP))
		return invalid(err, kind, obj, "spec", "Required value");
	struct value *rep = value_map_get(spec, "replicas");
	if (rep && (!is_type(rep, V_INT) || rep->u.i < 0))
		return invalid(err, kind, obj, "spec.replicas", "Invalid value: must be a non-negative integer");
	struct value *sel = value_map_get(spec, "selector"), *tmpl = value_map_get(spec, "template");
	if (!is_type(sel, V_MAP) || (!value_map_get(sel, "matchLabels") && !value_map_get(sel, "matchExpressions")))
		return invalid(err, kind, obj, "spec.selector", "Required value");
	struct value *ml = value_map_get(sel, "matchLabels"), *me = value_map_get(sel, "matchExpressions");
	if ((ml && !is_type(ml, V_MAP)) || (me && !is_type(me, V_LIST)))
		return invalid(err, kind, obj, "spec.selector", "Invalid value: must be a label selector");
	if (!is_type(tmpl, V_MAP) || !is_type(value_map_get(tmpl, "spec"), V_MAP))
		return invalid(err, kind, obj, "spec.template", "Required value");
	struct value *labels = value_map_path(tmpl, "metadata.labels");
	if (!is_type(labels, V_MAP) || !selector_match_labelselector(sel, labels))
		return invalid(err, kind, obj, "spec.template.metadata.labels",
			       "Invalid value: `selector` does not match template `labels`");
	struct value *vcts = value_map_get(spec, "volumeClaimTemplates");
	for (size_t i = 0; vcts && i < (is_type(vcts, V_LIST) ? vcts->u.list.len : 1); i++)
		if (!is_type(vcts, V_LIST) || !is_type(vcts->u.list.items[i], V_MAP) ||
		    !vstr(vcts->u.list.items[i], "metadata.name"))
			return invalid(err, kind, obj, "spec.volumeClaimTemplates", "Invalid value: each needs metadata.name");
	return check_containers(kind, obj, value_map_get(tmpl, "spec"), "spec.template.spec", err);
}

static int check_labels(int kind, const struct value *obj, struct tops_err *err)
{
	const char *keys[] = {"labels", "annotations"};
	struct value *md = value_map_get(obj, "metadata");
	for (size_t k = 0; k < 2; k++) {
		struct value *m = md ? value_map_get(md, keys[k]) : NULL;
		if (m && m->type == V_NULL)
			continue;
		if (m && !is_type(m, V_MAP))
			return invalid(err, kind, obj, keys[k], "Invalid value: must be a map of strings");
		for (size_t i = 0; m && i < m->u.map.len; i++)
			if (!is_type(m->u.map.e[i].val, V_STRING))
				return invalid(err, kind, obj, keys[k], "Invalid value: values must be strings");
	}
	return 0;
}

/* A Job's pods run to an end: restartPolicy is Never or OnFailure, never the default Always. */
static int check_job(const struct value *obj, struct tops_err *err)
{
	struct value *spec = value_map_path(obj, "spec.template.spec");
	if (!is_type(spec, V_MAP))
		return invalid(err, K_JOB, obj, "spec.template.spec", "Required value");
	const char *rp = vstr(spec, "restartPolicy");
	if (!rp)
		return invalid(err, K_JOB, obj, "spec.template.spec.restartPolicy",
			       "Required value: valid values: \"OnFailure\", \"Never\"");
	if (strcmp(rp, "Never") && strcmp(rp, "OnFailure")) {
		char *what = xasprintf("Unsupported value: \"%s\": supported values: \"OnFailure\", \"Never\"", rp);
		int rc = invalid(err, K_JOB, obj, "spec.template.spec.restartPolicy", what);
		free(what);
		return rc;
	}
	return check_containers(K_JOB, obj, spec, "spec.template.spec", err);
}

int ctrl_validate(int kind, const struct value *obj, struct tops_err *err)
{
	if (!is_type(obj, V_MAP) || !is_type(value_map_get(obj, "metadata"), V_MAP))
		return tops_err_set(err, SIM_EBADREQ, "the object has no metadata");
	int rc = check_labels(kind, obj, err); /* names, fields and sizes: valid.c */
	if (rc)
		return rc;
	if (kind == K_DEPLOY || kind == K_RS || kind == K_STS || kind == K_DS)
		return check_workload(kind, obj, err);
	if (kind == K_JOB)
		return check_job(obj, err);
	if (kind == K_POD) {
		struct value *spec = value_map_get(obj, "spec");
		if (!is_type(spec, V_MAP))
			return invalid(err, kind, obj, "spec", "Required value");
		return check_containers(kind, obj, spec, "spec", err);
	}
	if (kind == K_SVC || kind == K_PVC) {
		struct value *spec = value_map_get(obj, "spec");
		if (spec && !is_type(spec, V_MAP))
			return invalid(err, kind, obj, "spec", "Invalid value: must be an object");
		struct value *sel = spec ? value_map_get(spec, "selector") : NULL;
		if (kind == K_SVC && sel && sel->type != V_NULL && !is_type(sel, V_MAP))
			return invalid(err, kind, obj, "spec.selector", "Invalid value: must be a map");
		struct value *ports = spec ? value_map_get(spec, "ports") : NULL;
		if (ports && !is_type(ports, V_LIST))
			return invalid(err, kind, obj, "spec.ports", "Invalid value: must be a list");
	}
	return 0;
}
