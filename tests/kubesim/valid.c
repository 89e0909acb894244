/* valid — see valid.h. Wording follows k8s.io/apimachinery's validation messages. */
#include "tests/kubesim/valid.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/base64.h"
#include "tests/kubesim/sim.h"

#define MAX_DATA 1048576 /* core.MaxSecretSize: Secret and ConfigMap data */

static bool is_type(const struct value *v, enum vtype t) { return v && v->type == t; }

static void cause(struct value *causes, const char *reason, const char *field, const char *msg)
{
	struct value *c = value_map();
	vset_str(c, "reason", reason);
	vset_str(c, "message", msg);
	vset_str(c, "field", field);
	value_list_push(causes, c);
}

static void required(struct value *causes, const char *field, const char *detail)
{
	char *m = xasprintf("Required value%s%s", detail ? ": " : "", detail ? detail : "");
	cause(causes, "FieldValueRequired", field, m);
	free(m);
}

static void invalid(struct value *causes, const char *field, const char *val, const char *detail)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "Invalid value: ");
	value_json_string(&sb, val, strlen(val), false);
	sb_addf(&sb, ": %s", detail);
	cause(causes, "FieldValueInvalid", field, sb_str(&sb));
	sb_done(&sb);
}

/* ---- names ---- */

enum name_rule { N_SUBDOMAIN, N_LABEL, N_1035, N_PATHSEG };

/* Kinds whose names are not DNS-1123 subdomains (apis/core/validation and apis/rbac). */
static const struct {
	int kind;
	enum name_rule rule;
} name_rules[] = {
	{K_NS, N_LABEL}, {K_SVC, N_1035}, {K_ROLE, N_PATHSEG}, {K_RB, N_PATHSEG},
	{K_CROLE, N_PATHSEG}, {K_CRB, N_PATHSEG},
};

static const struct {
	const char *msg, *examples;
	size_t max;
} rule_text[] = {
	[N_SUBDOMAIN] = {"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
			 "'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'", 253},
	[N_LABEL] = {"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
		     "'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?'", 63},
	[N_1035] = {"a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
		    "'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?'", 63},
};

static bool alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/* One label of [a-z0-9]([-a-z0-9]*[a-z0-9])?, from s up to n bytes. */
static bool label_ok(const char *s, size_t n)
{
	if (!n || !alnum_lower(s[0]) || !alnum_lower(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!alnum_lower(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool pattern_ok(enum name_rule rule, const char *s)
{
	size_t n = strlen(s);
	if (rule == N_LABEL)
		return label_ok(s, n);
	if (rule == N_1035)
		return label_ok(s, n) && isalpha((unsigned char)s[0]);
	for (const char *p = s;; ) { /* subdomain: labels joined by '.' */
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (!label_ok(p, len))
			return false;
		if (!dot)
			return true;
		p = dot + 1;
	}
}

static void check_path_segment(const char *name, const char *field, struct value *causes)
{
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		invalid(causes, field, name, "may not be '.' or '..'");
	else if (strchr(name, '/'))
		invalid(causes, field, name, "may not contain '/'");
	else if (strchr(name, '%'))
		invalid(causes, field, name, "may not contain '%'");
}

static void check_name(int kind, const char *name, const char *field, struct value *causes)
{
	enum name_rule rule = N_SUBDOMAIN;
	for (size_t i = 0; i < ARRAY_LEN(name_rules); i++)
		if (name_rules[i].kind == kind)
			rule = name_rules[i].rule;
	if (rule == N_PATHSEG) {
		check_path_segment(name, field, causes);
		return;
	}
	if (strlen(name) > rule_text[rule].max) {
		char *m = xasprintf("must be no more than %zu characters", rule_text[rule].max);
		invalid(causes, field, name, m);
		free(m);
	}
	if (!pattern_ok(rule, name)) {
		char *m = xasprintf("%s (e.g. %s)", rule_text[rule].msg, rule_text[rule].examples);
		invalid(causes, field, name, m);
		free(m);
	}
}

static void check_meta(int kind, const struct value *obj, struct value *causes)
{
	const char *name = vstr(obj, "metadata.name"), *gen = vstr(obj, "metadata.generateName");
	if ((!name || !*name) && (!gen || !*gen))
		required(causes, "metadata.name", "name or generateName is required");
	else if (name && *name)
		check_name(kind, name, "metadata.name", causes);
}

/* ---- pod templates ---- */

/* Where each kind keeps its pod spec. */
static const struct {
	int kind;
	const char *path;
} pod_specs[] = {
	{K_POD, "spec"}, {K_DEPLOY, "spec.template.spec"}, {K_RS, "spec.template.spec"},
	{K_STS, "spec.template.spec"}, {K_DS, "spec.template.spec"}, {K_JOB, "spec.template.spec"},
	{K_CRON, "spec.jobTemplate.spec.template.spec"},
};

static void check_container(const struct value *c, const char *at, struct value *causes)
{
	char *f = xasprintf("%s.name", at);
	const char *name = vstr(c, "name");
	if (!name || !*name)
		required(causes, f, NULL);
	else if (!label_ok(name, strlen(name)) || strlen(name) > 63)
		invalid(causes, f, name, "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
	free(f);
	const char *image = vstr(c, "image");
	if (!image || !*image) {
		f = xasprintf("%s.image", at);
		required(causes, f, NULL);
		free(f);
	}
}

static void check_pod_spec(int kind, const struct value *obj, struct value *causes)
{
	const char *path = NULL;
	for (size_t i = 0; i < ARRAY_LEN(pod_specs); i++)
		if (pod_specs[i].kind == kind)
			path = pod_specs[i].path;
	const struct value *spec = path ? value_map_path(obj, path) : NULL;
	if (!is_type(spec, V_MAP))
		return; /* not a pod holder, or a shape ctrl_validate refuses */
	const struct value *cs = value_map_get(spec, "containers");
	char *f = xasprintf("%s.containers", path);
	if (!is_type(cs, V_LIST) || !cs->u.list.len)
		required(causes, f, NULL);
	for (size_t i = 0; is_type(cs, V_LIST) && i < cs->u.list.len; i++) {
		char *at = xasprintf("%s[%zu]", f, i);
		if (is_type(cs->u.list.items[i], V_MAP))
			check_container(cs->u.list.items[i], at, causes);
		free(at);
	}
	free(f);
}

/* ---- data size ---- */

static size_t decoded_len(const struct value *v)
{
	char *out = NULL;
	size_t n = 0;
	if (!is_type(v, V_STRING) || base64_decode(v->u.str.s, v->u.str.len, &out, &n) < 0)
		n = is_type(v, V_STRING) ? v->u.str.len * 3 / 4 : 0;
	free(out);
	return n;
}

static size_t map_bytes(const struct value *m, bool base64)
{
	size_t n = 0;
	for (size_t i = 0; is_type(m, V_MAP) && i < m->u.map.len; i++) {
		const struct value *v = m->u.map.e[i].val;
		n += base64 ? decoded_len(v) : is_type(v, V_STRING) ? v->u.str.len : 0;
	}
	return n;
}

/* Secrets count data (decoded); ConfigMaps data plus binaryData and report the whole object. */
static void check_size(int kind, const struct value *obj, struct value *causes)
{
	size_t n;
	if (kind == K_SECRET)
		n = map_bytes(value_map_get(obj, "data"), true);
	else if (kind == K_CM)
		n = map_bytes(value_map_get(obj, "data"), false) + map_bytes(value_map_get(obj, "binaryData"), true);
	else
		return;
	if (n > MAX_DATA) {
		char *m = xasprintf("Too long: must have at most %d bytes", MAX_DATA);
		cause(causes, "FieldValueTooLong", kind == K_SECRET ? "data" : "", m);
		free(m);
	}
}

struct value *valid_causes(int kind, const struct value *obj)
{
	struct value *causes = value_list();
	check_meta(kind, obj, causes);
	check_pod_spec(kind, obj, causes);
	check_size(kind, obj, causes);
	if (causes->u.list.len)
		return causes;
	value_unref(causes);
	return NULL;
}

struct value *valid_status(int kind, const char *name, const struct value *causes)
{
	struct strbuf msg = STRBUF_INIT;
	size_t n = causes->u.list.len;
	sb_addf(&msg, "%s%s%s \"%s\" is invalid: %s", kinds[kind].kind, *kinds[kind].group ? "." : "",
		kinds[kind].group, name ? name : "", n > 1 ? "[" : "");
	for (size_t i = 0; i < n; i++)
		sb_addf(&msg, "%s%s: %s", i ? ", " : "", vstr(causes->u.list.items[i], "field"),
			vstr(causes->u.list.items[i], "message"));
	if (n > 1)
		sb_addc(&msg, ']');
	struct value *s = value_map();
	vset_str(s, "kind", "Status");
	vset_str(s, "apiVersion", "v1");
	value_map_set(s, "metadata", value_map());
	vset_str(s, "status", "Failure");
	vset_str(s, "message", sb_str(&msg));
	vset_str(s, "reason", "Invalid");
	struct value *d = vmap(s, "details");
	vset_str(d, "name", name ? name : "");
	if (*kinds[kind].group)
		vset_str(d, "group", kinds[kind].group);
	vset_str(d, "kind", kinds[kind].kind);
	value_map_set(d, "causes", value_copy(causes));
	vset_int(s, "code", 422);
	sb_done(&msg);
	return s;
}

/* ---- unknown fields (fieldValidation=Strict) ---- */

#define META_FIELDS "name generateName namespace selfLink uid resourceVersion generation " \
	"creationTimestamp deletionTimestamp deletionGracePeriodSeconds labels annotations " \
	"ownerReferences finalizers managedFields"
#define POD_SPEC_FIELDS "volumes initContainers containers ephemeralContainers restartPolicy " \
	"terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy nodeSelector " \
	"serviceAccountName serviceAccount automountServiceAccountToken nodeName hostNetwork " \
	"hostPID hostIPC shareProcessNamespace securityContext imagePullSecrets hostname " \
	"subdomain affinity schedulerName tolerations hostAliases priorityClassName priority " \
	"dnsConfig readinessGates runtimeClassName enableServiceLinks preemptionPolicy overhead " \
	"topologySpreadConstraints setHostnameAsFQDN os hostUsers schedulingGates resourceClaims resources"
#define WORKLOAD_TOP "apiVersion kind metadata spec status"

/* The fields of the common kinds at the levels checked; "" is the top level. */
static const struct {
	int kind;
	const char *path, *fields;
} known[] = {
	{-1, "metadata", META_FIELDS},
	{K_CM, "", "apiVersion kind metadata data binaryData immutable"},
	{K_SECRET, "", "apiVersion kind metadata data stringData type immutable"},
	{K_SA, "", "apiVersion kind metadata secrets imagePullSecrets automountServiceAccountToken"},
	{K_POD, "", WORKLOAD_TOP}, {K_POD, "spec", POD_SPEC_FIELDS},
	{K_DEPLOY, "", WORKLOAD_TOP},
	{K_DEPLOY, "spec", "replicas selector template strategy minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds"},
	{K_DEPLOY, "spec.template", "metadata spec"}, {K_DEPLOY, "spec.template.spec", POD_SPEC_FIELDS},
	{K_STS, "", WORKLOAD_TOP},
	{K_STS, "spec", "replicas selector template volumeClaimTemplates serviceName podManagementPolicy updateStrategy revisionHistoryLimit minReadySeconds persistentVolumeClaimRetentionPolicy ordinals"},
	{K_STS, "spec.template", "metadata spec"}, {K_STS, "spec.template.spec", POD_SPEC_FIELDS},
	{K_SVC, "", WORKLOAD_TOP},
	{K_SVC, "spec", "ports selector clusterIP clusterIPs type externalIPs sessionAffinity loadBalancerIP loadBalancerSourceRanges externalName externalTrafficPolicy healthCheckNodePort publishNotReadyAddresses sessionAffinityConfig ipFamilies ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy trafficDistribution"},
	{K_NS, "", WORKLOAD_TOP},
};

static bool word_in(const char *words, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = words; (p = strstr(p, w)) != NULL; p += n)
		if ((p == words || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/* Collects (into found, as "spec.foo") or drops the fields at path that fields does not list. */
static void unknown_at(struct value *obj, const char *path, const char *fields, struct value *found)
{
	struct value *m = *path ? value_map_path(obj, path) : obj;
	for (size_t i = 0; is_type(m, V_MAP) && i < m->u.map.len; i++) {
		const char *k = m->u.map.e[i].key;
		if (word_in(fields, k))
			continue;
		if (found) {
			value_list_push(found, value_strf("%s%s%s", path, *path ? "." : "", k));
		} else {
			value_map_del(m, k);
			i--;
		}
	}
}

static struct value *walk_known(int kind, struct value *obj, struct value *found)
{
	for (size_t i = 0; i < ARRAY_LEN(known); i++)
		if (known[i].kind == kind || known[i].kind < 0)
			unknown_at(obj, known[i].path, known[i].fields, found);
	if (found && !found->u.list.len) {
		value_unref(found);
		return NULL;
	}
	return found;
}

struct value *valid_unknown_fields(int kind, const struct value *obj)
{
	return walk_known(kind, (struct value *)obj, value_list());
}

void valid_drop_unknown(int kind, struct value *obj)
{
	walk_known(kind, obj, NULL);
}

/* ---- Secrets ---- */

void valid_normalise(int kind, struct value *obj)
{
	if (kind != K_SECRET || !is_type(obj, V_MAP))
		return;
	struct value *sd = value_map_get(obj, "stringData");
	if (is_type(sd, V_MAP) && sd->u.map.len) {
		struct value *data = vmap(obj, "data");
		for (size_t i = 0; i < sd->u.map.len; i++) {
			const struct value *v = sd->u.map.e[i].val;
			if (!is_type(v, V_STRING))
				continue;
			struct strbuf b = STRBUF_INIT;
			base64_encode(&b, v->u.str.s, v->u.str.len);
			value_map_set(data, sd->u.map.e[i].key, value_str(sb_str(&b)));
			sb_done(&b);
		}
	}
	value_map_del(obj, "stringData");
	const char *type = vstr(obj, "type");
	if (!type || !*type)
		vset_str(obj, "type", "Opaque");
}
