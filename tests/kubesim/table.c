/* table — see table.h. Columns follow kubectl 1.32's server-side printers. */
#include "tests/kubesim/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/kubesim/db.h"

struct col {
	const char *name, *type;
	int priority;
};

typedef void (*row_fn)(struct value *cells, const struct value *obj);

struct table_def {
	int kind;
	const struct col *cols;
	size_t ncols;
	row_fn row;
};

bool table_requested(const char *accept) { return accept && strstr(accept, "as=Table") != NULL; }

static double parse_ts(const char *ts)
{
	struct tm tm = {0};
	if (!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return (double)timegm(&tm);
}

static char *human_duration(double secs)
{
	long s = (long)secs;
	if (s < -1)
		return xstrdup("<invalid>");
	if (s < 0)
		s = 0;
	long m = s / 60, h = s / 3600, d = h / 24;
	if (s < 120)
		return xasprintf("%lds", s);
	if (m < 10)
		return s % 60 ? xasprintf("%ldm%lds", m, s % 60) : xasprintf("%ldm", m);
	if (m < 180)
		return xasprintf("%ldm", m);
	if (h < 8)
		return m % 60 ? xasprintf("%ldh%ldm", h, m % 60) : xasprintf("%ldh", h);
	if (h < 48)
		return xasprintf("%ldh", h);
	if (h < 24 * 8)
		return h % 24 ? xasprintf("%ldd%ldh", d, h % 24) : xasprintf("%ldd", d);
	if (d < 365 * 2)
		return xasprintf("%ldd", d);
	if (d < 365 * 8)
		return d % 365 ? xasprintf("%ldy%ldd", d / 365, d % 365) : xasprintf("%ldy", d / 365);
	return xasprintf("%ldy", d / 365);
}

/* While a row template is built, ages are left as slots "\x01SECONDS\x02" (the timestamp in
 * Unix seconds) and filled in when the row is served; see table_write_obj(). */
static bool age_slots;

char *table_age(const char *ts)
{
	if (!ts)
		return xstrdup("<unknown>");
	if (age_slots)
		return xasprintf("\x01%.0f\x02", parse_ts(ts));
	return human_duration(sim_wall() - parse_ts(ts));
}

static void cell_str(struct value *cells, const char *s) { value_list_push(cells, value_str(s ? s : "")); }
static void cell_own(struct value *cells, char *s) { value_list_push(cells, value_str(s)); free(s); }
static void cell_int(struct value *cells, int64_t i) { value_list_push(cells, value_int(i)); }
static void cell_age(struct value *cells, const struct value *o) { cell_own(cells, table_age(vstr(o, "metadata.creationTimestamp"))); }

static struct value *list_at(const struct value *o, const char *path)
{
	struct value *l = value_map_path(o, path);
	return l && l->type == V_LIST ? l : NULL;
}

static size_t list_len(const struct value *l) { return l ? l->u.list.len : 0; }

static void pod_status(const struct value *o, char **reason, int *ready, int *restarts, const char **last)
{
	const char *r = vstr(o, "status.reason") ?: vstr(o, "status.phase") ?: "Pending";
	struct value *cs = list_at(o, "status.containerStatuses");
	*ready = 0;
	*restarts = 0;
	*last = NULL;
	for (size_t i = list_len(cs); i-- > 0;) {
		struct value *c = cs->u.list.items[i];
		*restarts += (int)vint(c, "restartCount", 0);
		if (vstr(c, "lastState.terminated.finishedAt"))
			*last = vstr(c, "lastState.terminated.finishedAt");
		const char *w = vstr(c, "state.waiting.reason"), *t = vstr(c, "state.terminated.reason");
		if (w && *w)
			r = w;
		else if (t && *t)
			r = t;
		else if (value_map_path(c, "state.running") && value_truthy(value_map_get(c, "ready")))
			++*ready;
	}
	if (vstr(o, "metadata.deletionTimestamp"))
		r = "Terminating";
	*reason = xstrdup(r);
}

static void pod_row(struct value *cells, const struct value *o)
{
	char *reason;
	int ready, restarts;
	const char *last;
	pod_status(o, &reason, &ready, &restarts, &last);
	cell_str(cells, vstr(o, "metadata.name"));
	cell_own(cells, xasprintf("%d/%zu", ready, list_len(list_at(o, "spec.containers"))));
	cell_own(cells, reason);
	if (last && restarts) {
		char *ago = table_age(last);
		cell_own(cells, xasprintf("%d (%s ago)", restarts, ago));
		free(ago);
	} else {
		cell_own(cells, xasprintf("%d", restarts));
	}
	cell_age(cells, o);
	cell_str(cells, vstr(o, "status.podIP") ?: "<none>");
	cell_str(cells, vstr(o, "spec.nodeName") ?: "<none>");
	cell_str(cells, "<none>");
	cell_str(cells, "<none>");
}

static char *join_field(const struct value *l, const char *key)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < list_len(l); i++)
		sb_addf(&sb, "%s%s", i ? "," : "", vstr(l->u.list.items[i], key) ?: "");
	return sb_detach(&sb, NULL);
}

static char *selector_text(const struct value *ml)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; ml && ml->type == V_MAP && i < ml->u.map.len; i++)
		sb_addf(&sb, "%s%s=%s", i ? "," : "", ml->u.map.e[i].key,
			ml->u.map.e[i].val->type == V_STRING ? ml->u.map.e[i].val->u.str.s : "");
	if (!sb.len)
		sb_adds(&sb, "<none>");
	return sb_detach(&sb, NULL);
}

static void workload_tail(struct value *cells, const struct value *o, bool selector)
{
	struct value *cs = list_at(o, "spec.template.spec.containers");
	cell_own(cells, join_field(cs, "name"));
	cell_own(cells, join_field(cs, "image"));
	if (selector)
		cell_own(cells, selector_text(value_map_path(o, "spec.selector.matchLabels")));
}

static void deploy_row(struct value *cells, const struct value *o)
{
	cell_str(cells, vstr(o, "metadata.name"));
	cell_own(cells, xasprintf("%lld/%lld", (long long)vint(o, "status.readyReplicas", 0), (long long)vint(o, "spec.replicas", 1)));
	cell_int(cells, vint(o, "status.updatedReplicas", 0));
	cell_int(cells, vint(o, "status.availableReplicas", 0));
	cell_age(cells, o);
	workload_tail(cells, o, true);
}

static void ds_row(struct value *cells, const struct value *o)
{
	cell_str(cells, vstr(o, "metadata.name"));
	static const char *const counts[] = {"status.desiredNumberScheduled", "status.currentNumberScheduled",
		"status.numberReady", "status.updatedNumberScheduled", "status.numberAvailable"};
	for (size_t i = 0; i < ARRAY_LEN(counts); i++)
		cell_int(cells, vint(o, counts[i], 0));
	cell_own(cells, selector_text(value_map_path(o, "spec.template.spec.nodeSelector")));
	cell_age(cells, o);
	workload_tail(cells, o, true);
}

static void rs_row(struct value *cells, const struct value *o)
{
	cell_str(cells, vstr(o, "metadata.name"));
	cell_int(cells, vint(o, "spec.replicas", 1));
	cell_int(cells, vint(o, "status.replicas", 0));
	cell_int(cells, vint(o, "status.readyReplicas", 0));
	cell_age(cells, o);
	workload_tail(cells, o, true);
}

static void sts_row(struct value *cells, const struct value *o)
{
	cell_str(cells, vstr(o, "metadata.name"));
	cell_own(cells, xasprintf("%lld/%lld", (long long)vint(o, "status.readyReplicas", 0), (long long)vint(o, "spec.replicas", 1)));
	cell_age(cells, o);
	workload_tail(cells, o, false);
}

static void pvc_row(struct value *cells, const struct value *o)
{
	struct value *modes = list_at(o, "status.accessModes");
	struct strbuf sb = STRBUF_INIT;
	static const struct { const char *mode, *abbr; } ab[] = {
		{"ReadWriteOnce", "RWO"}, {"ReadOnlyMany", "ROX"}, {"ReadWriteMany", "RWX"}, {"ReadWriteOncePod", "RWOP"}};
	for (size_t i = 0; i < list_len(modes); i++)
		for (size_t j = 0; j < ARRAY_LEN(ab); j++)
			if (modes->u.list.items[i]->type == V_STRING && strcmp(modes->u.list.items[i]->u.str.s, ab[j].mode) == 0)
				sb_addf(&sb, "%s%s", sb.len ? "," : "", ab[j].abbr);
	cell_str(cells, vstr(o, "metadata.name"));
	cell_str(cells, vstr(o, "status.phase") ?: "Pending");
	cell_str(cells, vstr(o, "spec.volumeName"));
	cell_str(cells, vstr(o, "status.capacity.storage"));
	cell_own(cells, sb_detach(&sb, NULL));
	cell_str(cells, vstr(o, "spec.storageClassName") ?: "<unset>");
	cell_str(cells, vstr(o, "spec.volumeAttributesClassName") ?: "<unset>");
	cell_age(cells, o);
	cell_str(cells, vstr(o, "spec.volumeMode") ?: "Filesystem");
}

static void pv_row(struct value *cells, const struct value *o)
{
	struct value *am = list_at(o, "spec.accessModes");
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < list_len(am); i++)
		if (am->u.list.items[i]->type == V_STRING)
			sb_addf(&sb, "%s%s", i ? "," : "", strcmp(am->u.list.items[i]->u.str.s, "ReadWriteOnce") == 0 ? "RWO" :
				strcmp(am->u.list.items[i]->u.str.s, "ReadWriteMany") == 0 ? "RWX" : "ROX");
	cell_str(cells, vstr(o, "metadata.name"));
	cell_str(cells, vstr(o, "spec.capacity.storage"));
	cell_own(cells, sb_detach(&sb, NULL));
	cell_str(cells, vstr(o, "spec.persistentVolumeReclaimPolicy") ?: "Retain");
	cell_str(cells, vstr(o, "status.phase") ?: "Available");
	cell_own(cells, vstr(o, "spec.claimRef.name") ? xasprintf("%s/%s", vstr(o, "spec.claimRef.namespace") ?: "", vstr(o, "spec.claimRef.name")) : xstrdup(""));
	cell_str(cells, vstr(o, "spec.storageClassName"));
	cell_str(cells, "<unset>");
	cell_str(cells, "");
	cell_age(cells, o);
	cell_str(cells, vstr(o, "spec.volumeMode") ?: "Filesystem");
}

static void svc_row(struct value *cells, const struct value *o)
{
	struct value *ports = list_at(o, "spec.ports");
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < list_len(ports); i++) {
		struct value *p = ports->u.list.items[i];
		sb_addf(&sb, "%s%lld", i ? "," : "", (long long)vint(p, "port", 0));
		if (vint(p, "nodePort", 0))
			sb_addf(&sb, ":%lld", (long long)vint(p, "nodePort", 0));
		sb_addf(&sb, "/%s", vstr(p, "protocol") ?: "TCP");
	}
	cell_str(cells, vstr(o, "metadata.name"));
	cell_str(cells, vstr(o, "spec.type") ?: "ClusterIP");
	cell_str(cells, vstr(o, "spec.clusterIP") ?: "<none>");
	cell_str(cells, "<none>");
	cell_own(cells, sb.len ? sb_detach(&sb, NULL) : (sb_done(&sb), xstrdup("<none>")));
	cell_age(cells, o);
	cell_own(cells, selector_text(value_map_path(o, "spec.selector")));
}

static void event_row(struct value *cells, const struct value *o)
{
	const char *last = vstr(o, "lastTimestamp") ?: vstr(o, "eventTime") ?: vstr(o, "metadata.creationTimestamp");
	cell_own(cells, table_age(last));
	cell_str(cells, vstr(o, "type"));
	cell_str(cells, vstr(o, "reason"));
	const char *k = vstr(o, "involvedObject.kind") ?: "";
	char lower[64];
	size_t i;
	for (i = 0; k[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)(k[i] >= 'A' && k[i] <= 'Z' ? k[i] + 32 : k[i]);
	lower[i] = 0;
	cell_own(cells, xasprintf("%s/%s", lower, vstr(o, "involvedObject.name") ?: ""));
	cell_str(cells, vstr(o, "involvedObject.fieldPath"));
	cell_own(cells, xasprintf("%s%s%s", vstr(o, "source.component") ?: "", vstr(o, "source.host") ? ", " : "", vstr(o, "source.host") ?: ""));
	cell_str(cells, vstr(o, "message"));
	cell_own(cells, table_age(vstr(o, "firstTimestamp") ?: last));
	cell_int(cells, vint(o, "count", 1));
	cell_str(cells, vstr(o, "metadata.name"));
}

static void ns_row(struct value *cells, const struct value *o)
{
	cell_str(cells, vstr(o, "metadata.name"));
	cell_str(cells, vstr(o, "status.phase") ?: "Active");
	cell_age(cells, o);
}

static void node_row(struct value *cells, const struct value *o)
{
	cell_str(cells, vstr(o, "metadata.name"));
	cell_str(cells, "Ready");
	cell_str(cells, "<none>");
	cell_age(cells, o);
	cell_str(cells, vstr(o, "status.nodeInfo.kubeletVersion") ?: "v1.32.4");
}

static void ep_row(struct value *cells, const struct value *o)
{
	struct value *subsets = list_at(o, "subsets");
	struct strbuf sb = STRBUF_INIT;
	int n = 0;
	for (size_t i = 0; i < list_len(subsets); i++) {
		struct value *s = subsets->u.list.items[i];
		struct value *addrs = list_at(s, "addresses"), *ports = list_at(s, "ports");
		for (size_t a = 0; a < list_len(addrs); a++)
			for (size_t p = 0; p < (list_len(ports) ? list_len(ports) : 1); p++, n++) {
				if (n >= 3)
					continue;
				sb_addf(&sb, "%s%s", sb.len ? "," : "", vstr(addrs->u.list.items[a], "ip") ?: "");
				if (list_len(ports))
					sb_addf(&sb, ":%lld", (long long)vint(ports->u.list.items[p], "port", 0));
			}
	}
	if (n > 3)
		sb_addf(&sb, " + %d more...", n - 3);
	cell_str(cells, vstr(o, "metadata.name"));
	cell_own(cells, sb.len ? sb_detach(&sb, NULL) : (sb_done(&sb), xstrdup("<none>")));
	cell_age(cells, o);
}

static bool has_condition(const struct value *o, const char *type)
{
	struct value *conds = list_at(o, "status.conditions");
	for (size_t i = 0; i < list_len(conds); i++) {
		const char *t = vstr(conds->u.list.items[i], "type"), *s = vstr(conds->u.list.items[i], "status");
		if (t && s && !strcmp(t, type) && !strcmp(s, "True"))
			return true;
	}
	return false;
}

/* The first condition that holds names the status; a Job being deleted is Terminating. */
static const char *job_status(const struct value *o)
{
	if (has_condition(o, "Complete"))
		return "Complete";
	if (has_condition(o, "Failed"))
		return "Failed";
	if (vstr(o, "metadata.deletionTimestamp"))
		return "Terminating";
	if (has_condition(o, "Suspended"))
		return "Suspended";
	return has_condition(o, "FailureTarget") ? "FailureTarget" : "Running";
}

static void job_row(struct value *cells, const struct value *o)
{
	long long ok = (long long)vint(o, "status.succeeded", 0), par = (long long)vint(o, "spec.parallelism", 0);
	const char *start = vstr(o, "status.startTime"), *end = vstr(o, "status.completionTime");
	cell_str(cells, vstr(o, "metadata.name"));
	cell_str(cells, job_status(o));
	if (value_map_path(o, "spec.completions"))
		cell_own(cells, xasprintf("%lld/%lld", ok, (long long)vint(o, "spec.completions", 1)));
	else
		cell_own(cells, par > 1 ? xasprintf("%lld/1 of %lld", ok, par) : xasprintf("%lld/1", ok));
	if (!start)
		cell_str(cells, "");
	else if (!end)
		cell_own(cells, table_age(start)); /* still running: the time since it started */
	else
		cell_own(cells, human_duration(parse_ts(end) - parse_ts(start)));
	cell_age(cells, o);
	workload_tail(cells, o, true);
}

static void lease_row(struct value *cells, const struct value *o)
{
	cell_str(cells, vstr(o, "metadata.name"));
	cell_str(cells, vstr(o, "spec.holderIdentity"));
	cell_age(cells, o);
}

/* kubectl's PDB columns: MIN AVAILABLE and MAX UNAVAILABLE as given (an int or a percentage),
 * N/A for the one not set; ALLOWED DISRUPTIONS from the status. */
static char *int_or_na(const struct value *v)
{
	if (v && v->type == V_INT)
		return xasprintf("%lld", (long long)v->u.i);
	return xstrdup(v && v->type == V_STRING ? v->u.str.s : "N/A");
}

static void pdb_row(struct value *cells, const struct value *o)
{
	cell_str(cells, vstr(o, "metadata.name"));
	cell_own(cells, int_or_na(value_map_path(o, "spec.minAvailable")));
	cell_own(cells, int_or_na(value_map_path(o, "spec.maxUnavailable")));
	cell_int(cells, vint(o, "status.disruptionsAllowed", 0));
	cell_age(cells, o);
}

static void ingclass_row(struct value *cells, const struct value *o)
{
	cell_str(cells, vstr(o, "metadata.name"));
	cell_str(cells, vstr(o, "spec.controller"));
	const char *pk = vstr(o, "spec.parameters.kind"), *pn = vstr(o, "spec.parameters.name");
	cell_own(cells, pk && pn ? xasprintf("%s/%s", pk, pn) : xstrdup("<none>"));
	cell_age(cells, o);
}

/* CONTROLLER is "statefulset.apps/NAME" (the controller ownerReference, lowercased kind.group). */
static void crev_row(struct value *cells, const struct value *o)
{
	struct value *refs = list_at(o, "metadata.ownerReferences");
	char *ctl = xstrdup("<none>");
	for (size_t i = 0; i < list_len(refs); i++) {
		struct value *r = refs->u.list.items[i];
		if (!value_truthy(value_map_get(r, "controller")))
			continue;
		const char *av = vstr(r, "apiVersion") ?: "", *slash = strchr(av, '/');
		char *kind = xstrdup(vstr(r, "kind") ?: "");
		for (char *c = kind; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		free(ctl);
		ctl = slash ? xasprintf("%s.%.*s/%s", kind, (int)(slash - av), av, vstr(r, "name") ?: "")
			    : xasprintf("%s/%s", kind, vstr(r, "name") ?: "");
		free(kind);
	}
	cell_str(cells, vstr(o, "metadata.name"));
	cell_own(cells, ctl);
	cell_int(cells, vint(o, "revision", 0));
	cell_age(cells, o);
}

static void default_row(struct value *cells, const struct value *o)
{
	cell_str(cells, vstr(o, "metadata.name"));
	cell_age(cells, o);
}

#define S "string"
#define I "integer"
static const struct col pod_cols[] = {{"Name", S, 0}, {"Ready", S, 0}, {"Status", S, 0}, {"Restarts", S, 0},
	{"Age", S, 0}, {"IP", S, 1}, {"Node", S, 1}, {"Nominated Node", S, 1}, {"Readiness Gates", S, 1}};
static const struct col deploy_cols[] = {{"Name", S, 0}, {"Ready", S, 0}, {"Up-to-date", I, 0},
	{"Available", I, 0}, {"Age", S, 0}, {"Containers", S, 1}, {"Images", S, 1}, {"Selector", S, 1}};
static const struct col rs_cols[] = {{"Name", S, 0}, {"Desired", I, 0}, {"Current", I, 0}, {"Ready", I, 0},
	{"Age", S, 0}, {"Containers", S, 1}, {"Images", S, 1}, {"Selector", S, 1}};
static const struct col sts_cols[] = {{"Name", S, 0}, {"Ready", S, 0}, {"Age", S, 0},
	{"Containers", S, 1}, {"Images", S, 1}};
static const struct col ds_cols[] = {{"Name", S, 0}, {"Desired", I, 0}, {"Current", I, 0},
	{"Ready", I, 0}, {"Up-to-date", I, 0}, {"Available", I, 0}, {"Node Selector", S, 0},
	{"Age", S, 0}, {"Containers", S, 1}, {"Images", S, 1}, {"Selector", S, 1}};
static const struct col pvc_cols[] = {{"Name", S, 0}, {"Status", S, 0}, {"Volume", S, 0}, {"Capacity", S, 0},
	{"Access Modes", S, 0}, {"StorageClass", S, 0}, {"VolumeAttributesClass", S, 0}, {"Age", S, 0}, {"VolumeMode", S, 1}};
static const struct col pv_cols[] = {{"Name", S, 0}, {"Capacity", S, 0}, {"Access Modes", S, 0},
	{"Reclaim Policy", S, 0}, {"Status", S, 0}, {"Claim", S, 0}, {"StorageClass", S, 0},
	{"VolumeAttributesClass", S, 0}, {"Reason", S, 0}, {"Age", S, 0}, {"VolumeMode", S, 1}};
static const struct col svc_cols[] = {{"Name", S, 0}, {"Type", S, 0}, {"Cluster-IP", S, 0}, {"External-IP", S, 0},
	{"Port(s)", S, 0}, {"Age", S, 0}, {"Selector", S, 1}};
static const struct col event_cols[] = {{"Last Seen", S, 0}, {"Type", S, 0}, {"Reason", S, 0}, {"Object", S, 0},
	{"Subobject", S, 1}, {"Source", S, 1}, {"Message", S, 0}, {"First Seen", S, 1}, {"Count", I, 1}, {"Name", S, 1}};
static const struct col ns_cols[] = {{"Name", S, 0}, {"Status", S, 0}, {"Age", S, 0}};
static const struct col node_cols[] = {{"Name", S, 0}, {"Status", S, 0}, {"Roles", S, 0}, {"Age", S, 0}, {"Version", S, 0}};
static const struct col ep_cols[] = {{"Name", S, 0}, {"Endpoints", S, 0}, {"Age", S, 0}};
static const struct col job_cols[] = {{"Name", S, 0}, {"Status", S, 0}, {"Completions", S, 0},
	{"Duration", S, 0}, {"Age", S, 0}, {"Containers", S, 1}, {"Images", S, 1}, {"Selector", S, 1}};
static const struct col lease_cols[] = {{"Name", S, 0}, {"Holder", S, 0}, {"Age", S, 0}};
static const struct col crev_cols[] = {{"Name", S, 0}, {"Controller", S, 0}, {"Revision", I, 0}, {"Age", S, 0}};
static const struct col pdb_cols[] = {{"Name", S, 0}, {"Min Available", S, 0}, {"Max Unavailable", S, 0},
	{"Allowed Disruptions", I, 0}, {"Age", S, 0}};
static const struct col ingclass_cols[] = {{"Name", S, 0}, {"Controller", S, 0}, {"Parameters", S, 0}, {"Age", S, 0}};
static const struct col default_cols[] = {{"Name", S, 0}, {"Age", S, 0}};
#undef S
#undef I

#define DEF(k, c, r) {k, c, ARRAY_LEN(c), r}
static const struct table_def defs[] = {
	DEF(K_POD, pod_cols, pod_row), DEF(K_DEPLOY, deploy_cols, deploy_row), DEF(K_RS, rs_cols, rs_row),
	DEF(K_STS, sts_cols, sts_row), DEF(K_DS, ds_cols, ds_row), DEF(K_PVC, pvc_cols, pvc_row), DEF(K_SVC, svc_cols, svc_row),
	DEF(K_EVENT, event_cols, event_row), DEF(K_NS, ns_cols, ns_row), DEF(K_NODE, node_cols, node_row), DEF(K_EP, ep_cols, ep_row), DEF(K_PV, pv_cols, pv_row),
	DEF(K_JOB, job_cols, job_row), DEF(K_LEASE, lease_cols, lease_row), DEF(K_CREV, crev_cols, crev_row),
	DEF(K_PDB, pdb_cols, pdb_row), DEF(K_INGCLASS, ingclass_cols, ingclass_row),
};
static const struct table_def default_def = DEF(-1, default_cols, default_row);
#undef DEF

static const struct table_def *def_for(int kind)
{
	for (size_t i = 0; i < ARRAY_LEN(defs); i++)
		if (defs[i].kind == kind)
			return &defs[i];
	return &default_def;
}

struct value *table_new(int kind)
{
	const struct table_def *d = def_for(kind);
	struct value *t = value_map(), *cols = value_list();
	vset_str(t, "kind", "Table");
	vset_str(t, "apiVersion", "meta.k8s.io/v1");
	value_map_set(t, "metadata", value_map());
	for (size_t i = 0; i < d->ncols; i++) {
		struct value *c = value_map();
		vset_str(c, "name", d->cols[i].name);
		vset_str(c, "type", d->cols[i].type);
		vset_str(c, "format", strcmp(d->cols[i].name, "Name") == 0 ? "name" : "");
		vset_str(c, "description", d->cols[i].name);
		vset_int(c, "priority", d->cols[i].priority);
		value_list_push(cols, c);
	}
	value_map_set(t, "columnDefinitions", cols);
	value_map_set(t, "rows", value_list());
	return t;
}

void table_add_row(struct value *table, int kind, const struct value *obj)
{
	struct value *row = value_map(), *cells = value_list(), *po = value_map();
	def_for(kind)->row(cells, obj);
	value_map_set(row, "cells", cells);
	vset_str(po, "kind", "PartialObjectMetadata");
	vset_str(po, "apiVersion", "meta.k8s.io/v1");
	struct value *md = value_map_get(obj, "metadata");
	value_map_set(po, "metadata", md ? value_ref(md) : value_map());
	value_map_set(row, "object", po);
	value_list_push(value_map_get(table, "rows"), row);
}

/* Appends "metadata":... of the object's compact JSON text (reparsed only if need be). */
static void write_meta(struct strbuf *sb, const char *json, size_t len, const struct value *obj)
{
	sb_adds(sb, ",\"object\":{\"apiVersion\":\"meta.k8s.io/v1\",\"kind\":\"PartialObjectMetadata\",\"metadata\":");
	size_t ml;
	const char *md = json_member(json, len, "metadata", &ml);
	if (md) {
		sb_add(sb, md, ml);
	} else {
		struct value *v = obj ? NULL : value_from_json(json, len, NULL);
		struct value *m = value_map_get(obj ? obj : v, "metadata");
		char *mj = m ? value_to_json(m, false, false) : xstrdup("{}");
		sb_adds(sb, mj);
		free(mj);
		value_unref(v);
	}
	sb_adds(sb, "}}");
}

void table_write_row(struct strbuf *sb, int kind, const char *json, size_t len)
{
	struct value *obj = value_from_json(json, len, NULL);
	struct value *cells = value_list();
	def_for(kind)->row(cells, obj);
	char *cj = value_to_json(cells, false, false);
	sb_adds(sb, "{\"cells\":");
	sb_adds(sb, cj);
	write_meta(sb, json, len, obj);
	free(cj);
	value_unref(cells);
	value_unref(obj);
}

char *table_cells(int kind, const struct value *obj, const char *json, size_t len)
{
	/* Object text with a literal \u0001 would be mistaken for a slot: no template then. */
	if (memmem(json, len, "\\u0001", 6))
		return NULL;
	struct value *cells = value_list();
	age_slots = true;
	def_for(kind)->row(cells, obj);
	age_slots = false;
	char *cj = value_to_json(cells, false, false);
	value_unref(cells);
	return cj;
}

static void fill_slots(struct strbuf *sb, const char *t)
{
	static const char open[] = "\\u0001", close[] = "\\u0002";
	const char *p;
	double now = sim_wall();
	while ((p = strstr(t, open)) != NULL) {
		sb_add(sb, t, (size_t)(p - t));
		char *end;
		double secs = strtod(p + 6, &end);
		char *age = human_duration(now - secs);
		sb_adds(sb, age);
		free(age);
		t = strncmp(end, close, 6) == 0 ? end + 6 : end;
	}
	sb_adds(sb, t);
}

void table_write_obj(struct strbuf *sb, const struct obj *o)
{
	if (!o->cells) {
		table_write_row(sb, o->kind, o->json->data, o->json->len);
		return;
	}
	sb_adds(sb, "{\"cells\":");
	fill_slots(sb, o->cells);
	write_meta(sb, o->json->data, o->json->len, NULL);
}
