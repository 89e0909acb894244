/* store — interned compact records per kind, keyed by namespace/name, with subscribers. */
#include "core/base/timefmt.h"
#include "core/kube/store.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* --- interned strings (process-wide, locked: projection runs on worker threads) --- */

struct istr {
	struct istr *next;
	uint32_t hash, refs;
	size_t len;
	char s[];
};

static struct {
	pthread_mutex_t lock;
	struct istr **b;
	size_t nb, count, bytes;
} itab = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0};

static uint32_t hash_bytes(const char *s, size_t n, uint32_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void itab_grow(void)
{
	size_t nb = itab.nb ? itab.nb * 2 : 1024;
	struct istr **b = xcalloc(nb, sizeof *b);
	for (size_t i = 0; i < itab.nb; i++)
		for (struct istr *e = itab.b[i], *nx; e; e = nx) {
			nx = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	free(itab.b);
	itab.b = b;
	itab.nb = nb;
}

static const char *intern_n(const char *s, size_t n)
{
	if (!s || n == 0)
		return "";
	uint32_t h = hash_bytes(s, n, 2166136261u);
	pthread_mutex_lock(&itab.lock);
	if (itab.count >= itab.nb)
		itab_grow();
	struct istr **slot = &itab.b[h & (itab.nb - 1)], *e;
	for (e = *slot; e; e = e->next)
		if (e->hash == h && e->len == n && memcmp(e->s, s, n) == 0)
			break;
	if (!e) {
		e = xmalloc(sizeof *e + n + 1);
		e->hash = h;
		e->refs = 0;
		e->len = n;
		memcpy(e->s, s, n);
		e->s[n] = '\0';
		e->next = *slot;
		*slot = e;
		itab.count++;
		itab.bytes += sizeof *e + n + 1;
	}
	e->refs++;
	pthread_mutex_unlock(&itab.lock);
	return e->s;
}

static void intern_release(const char *s)
{
	if (!s || !*s)
		return;
	struct istr *e = (struct istr *)(void *)(s - offsetof(struct istr, s));
	pthread_mutex_lock(&itab.lock);
	if (--e->refs == 0) {
		struct istr **p = &itab.b[e->hash & (itab.nb - 1)];
		while (*p != e)
			p = &(*p)->next;
		*p = e->next;
		itab.count--;
		itab.bytes -= sizeof *e + e->len + 1;
		free(e);
	}
	pthread_mutex_unlock(&itab.lock);
}

void store_intern_stats(size_t *bytes, size_t *count)
{
	pthread_mutex_lock(&itab.lock);
	*bytes = itab.bytes + itab.nb * sizeof(void *);
	*count = itab.count;
	pthread_mutex_unlock(&itab.lock);
}

/* --- projection helpers --- */

/* Collects the interned strings a record holds, so freeing it releases them all. */
struct proj {
	struct st_meta *m;
	uint32_t n, cap;
	const char **held;          /* stack until it overflows, then heap */
	const char *stack[128];
};

static const char *hold(struct proj *p, const char *s)
{
	const char *r = intern_n(s, s ? strlen(s) : 0);
	if (!*r)
		return r;
	if (p->n == p->cap) {
		uint32_t cap = p->cap * 2;
		const char **h = xmalloc(cap * sizeof(char *));
		memcpy(h, p->held, p->n * sizeof(char *));
		if (p->held != p->stack)
			free(p->held);
		p->held = h;
		p->cap = cap;
	}
	p->held[p->n++] = r;
	return r;
}

/* Moves the held strings into the record, in one exact allocation. */
static void proj_finish(struct proj *p)
{
	p->m->nheld_ = p->n;
	p->m->held_ = xmalloc((p->n ? p->n : 1) * sizeof(char *));
	memcpy(p->m->held_, p->held, p->n * sizeof(char *));
	if (p->held != p->stack)
		free(p->held);
}

static const char *hstr(struct proj *p, const struct jd *o, const char *k)
{
	return hold(p, jd_str(o, k));
}

static int64_t jtime(const struct jd *o, const char *k)
{
	return time_parse_rfc3339(jd_str(o, k));
}

static void proj_labels(struct proj *p, const struct jd *labels)
{
	struct st_meta *m = p->m;
	int n = jd_is(labels, JD_OBJECT) ? jd_count(labels) : 0;
	if (n <= 0)
		return;
	m->labels = xcalloc((size_t)n, sizeof *m->labels);
	JD_FOREACH(it, labels) {
		if (!jd_is(it, JD_STRING) || !it->key)
			continue;
		m->labels[m->nlabels].key = hold(p, it->key);
		m->labels[m->nlabels++].val = hold(p, it->u.s);
	}
}

static void proj_owners(struct proj *p, const struct jd *owners)
{
	struct st_meta *m = p->m;
	int n = jd_is(owners, JD_ARRAY) ? jd_count(owners) : 0;
	if (n <= 0)
		return;
	m->owners = xcalloc((size_t)n, sizeof *m->owners);
	JD_FOREACH(it, owners) {
		struct st_owner *o = &m->owners[m->nowners++];
		o->kind = hstr(p, it, "kind");
		o->name = hstr(p, it, "name");
		o->uid = hstr(p, it, "uid");
		o->controller = jd_true(it, "controller");
	}
}

static int proj_meta(struct proj *p, const struct jd *obj, struct tops_err *err)
{
	const struct jd *md = jd_get(obj, "metadata");
	struct st_meta *m = p->m;
	if (!jd_str(md, "name"))
		return tops_err_set(err, TOPS_EINVAL, "object without metadata.name");
	m->name = hstr(p, md, "name");
	m->namespace_ = hstr(p, md, "namespace");
	m->uid = hstr(p, md, "uid");
	m->resource_version = hstr(p, md, "resourceVersion");
	m->created = jtime(md, "creationTimestamp");
	m->deleted = jtime(md, "deletionTimestamp");
	m->generation = jd_int(md, "generation", 0);
	m->grace_period = jd_int(md, "deletionGracePeriodSeconds", -1);
	proj_labels(p, jd_get(md, "labels"));
	proj_owners(p, jd_get(md, "ownerReferences"));
	return 0;
}

static void proj_conditions(struct proj *p, const struct jd *arr, struct st_cond **out, uint32_t *n)
{
	int cnt = jd_is(arr, JD_ARRAY) ? jd_count(arr) : 0;
	if (cnt <= 0)
		return;
	*out = xcalloc((size_t)cnt, sizeof **out);
	JD_FOREACH(it, arr) {
		struct st_cond *c = &(*out)[(*n)++];
		c->type = hstr(p, it, "type");
		c->status = hstr(p, it, "status");
		c->reason = hstr(p, it, "reason");
		c->message = hstr(p, it, "message");
		c->last_transition = jtime(it, "lastTransitionTime");
	}
}

static void proj_state(struct proj *p, const struct jd *st, struct st_state *s)
{
	const struct jd *w = jd_get(st, "waiting"), *r = jd_get(st, "running"), *t = jd_get(st, "terminated");
	s->state = ST_NOSTATE;
	if (jd_is(w, JD_OBJECT)) {
		s->state = ST_WAITING;
		s->reason = hstr(p, w, "reason");
		s->message = hstr(p, w, "message");
	} else if (jd_is(r, JD_OBJECT)) {
		s->state = ST_RUNNING;
		s->started_at = jtime(r, "startedAt");
	} else if (jd_is(t, JD_OBJECT)) {
		s->state = ST_TERMINATED;
		s->reason = hstr(p, t, "reason");
		s->message = hstr(p, t, "message");
		s->exit_code = (int32_t)jd_int(t, "exitCode", 0);
		s->signal = (int32_t)jd_int(t, "signal", 0);
		s->started_at = jtime(t, "startedAt");
		s->finished_at = jtime(t, "finishedAt");
	}
	if (!s->reason)
		s->reason = "";
	if (!s->message)
		s->message = "";
}

static const struct jd *spec_by_name(const struct jd *specs, const char *name)
{
	JD_FOREACH(it, specs) {
		const char *n = jd_str(it, "name");
		if (n && name && strcmp(n, name) == 0)
			return it;
	}
	return NULL;
}

static bool in_status(const struct jd *statuses, const char *name)
{
	JD_FOREACH(it, statuses) {
		const char *n = jd_str(it, "name");
		if (n && name && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

static void proj_container(struct proj *p, const struct jd *spec, const struct jd *st, struct st_container *c)
{
	c->name = hstr(p, st ? st : spec, "name");
	c->image = hold(p, spec && jd_str(spec, "image") ? jd_str(spec, "image") : jd_str(st, "image"));
	c->image_id = hstr(p, st, "imageID");
	const char *rp = jd_str(spec, "restartPolicy");
	c->sidecar = rp && strcmp(rp, "Always") == 0;
	c->cur.reason = c->cur.message = c->last.reason = c->last.message = "";
	c->cur.state = c->last.state = ST_NOSTATE;
	if (!st)
		return;
	c->has_status = true;
	c->ready = jd_true(st, "ready");
	c->has_started = jd_get(st, "started") != NULL;
	c->started = jd_true(st, "started");
	c->restarts = (int32_t)jd_int(st, "restartCount", 0);
	proj_state(p, jd_get(st, "state"), &c->cur);
	proj_state(p, jd_get(st, "lastState"), &c->last);
}

/* Status entries in status order, then spec-only containers. */
static void proj_containers(struct proj *p, const struct jd *specs, const struct jd *statuses,
			    struct st_container **out, uint32_t *n, uint32_t *nspec)
{
	int ns = jd_is(specs, JD_ARRAY) ? jd_count(specs) : 0;
	int nst = jd_is(statuses, JD_ARRAY) ? jd_count(statuses) : 0;
	*nspec = (uint32_t)(ns > 0 ? ns : 0);
	if (ns + nst <= 0)
		return;
	*out = xcalloc((size_t)(ns + nst), sizeof **out);
	if (nst > 0)
		JD_FOREACH(it, statuses)
			proj_container(p, spec_by_name(specs, jd_str(it, "name")), it, &(*out)[(*n)++]);
	if (ns > 0)
		JD_FOREACH(it, specs)
			if (!in_status(statuses, jd_str(it, "name")))
				proj_container(p, it, NULL, &(*out)[(*n)++]);
}

static void proj_pod(struct proj *p, const struct jd *obj, struct st_pod *pod)
{
	const struct jd *spec = jd_get(obj, "spec"), *st = jd_get(obj, "status");
	pod->phase = hstr(p, st, "phase");
	pod->reason = hstr(p, st, "reason");
	pod->message = hstr(p, st, "message");
	pod->node = hstr(p, spec, "nodeName");
	const struct jd *ips = jd_get(st, "podIPs");
	pod->pod_ip = hold(p, jd_count(ips) > 0 ? jd_str(jd_at(ips, 0), "ip")
							  : jd_str(st, "podIP"));
	pod->host_ip = hstr(p, st, "hostIP");
	pod->nominated_node = hstr(p, st, "nominatedNodeName");
	pod->start_time = jtime(st, "startTime");
	proj_containers(p, jd_get(spec, "containers"), jd_get(st, "containerStatuses"), &pod->containers,
			&pod->ncontainers, &pod->spec_containers);
	proj_containers(p, jd_get(spec, "initContainers"), jd_get(st, "initContainerStatuses"), &pod->init,
			&pod->ninit, &pod->spec_init);
	proj_conditions(p, jd_get(st, "conditions"), &pod->conditions, &pod->nconditions);
	const struct jd *gates = jd_get(spec, "readinessGates");
	int ng = jd_is(gates, JD_ARRAY) ? jd_count(gates) : 0;
	if (ng > 0) {
		pod->readiness_gates = xcalloc((size_t)ng, sizeof(char *));
		JD_FOREACH(it, gates)
			pod->readiness_gates[pod->ngates++] = hstr(p, it, "conditionType");
	}
}

static const char *access_mode_short(const char *m)
{
	static const char *const map[][2] = {{"ReadWriteOnce", "RWO"}, {"ReadOnlyMany", "ROX"},
					     {"ReadWriteMany", "RWX"}, {"ReadWriteOncePod", "RWOP"}};
	for (size_t i = 0; i < ARRAY_LEN(map); i++)
		if (strcmp(m, map[i][0]) == 0)
			return map[i][1];
	return m;
}

static void proj_pvc(struct proj *p, const struct jd *obj, struct st_pvc *pvc)
{
	const struct jd *spec = jd_get(obj, "spec"), *st = jd_get(obj, "status");
	pvc->phase = hstr(p, st, "phase");
	pvc->volume = hstr(p, spec, "volumeName");
	pvc->storage_class = hstr(p, spec, "storageClassName");
	if (!*pvc->storage_class)   /* the beta annotation kubectl still honours */
		pvc->storage_class = hstr(p, jd_get(jd_get(obj, "metadata"), "annotations"),
					  "volume.beta.kubernetes.io/storage-class");
	pvc->volume_attributes_class = hstr(p, spec, "volumeAttributesClassName");
	pvc->volume_mode = hstr(p, spec, "volumeMode");
	pvc->capacity = hstr(p, jd_get(st, "capacity"), "storage");
	pvc->requested = hstr(p, jd_get(jd_get(spec, "resources"), "requests"), "storage");
	struct strbuf sb = STRBUF_INIT;
	/* kubectl prints the status's access modes (empty until bound) */
	JD_FOREACH(it, jd_get(st, "accessModes")) {
		if (!jd_is(it, JD_STRING))
			continue;
		if (sb.len)
			sb_addc(&sb, ',');
		sb_adds(&sb, access_mode_short(it->u.s));
	}
	pvc->access_modes = hold(p, sb_str(&sb));
	sb_done(&sb);
	proj_conditions(p, jd_get(st, "conditions"), &pvc->conditions, &pvc->nconditions);
}

static const char *join_field(struct proj *p, const struct jd *arr, const char *key)
{
	struct strbuf sb = STRBUF_INIT;
	JD_FOREACH(it, arr) {
		if (sb.len)
			sb_addc(&sb, ',');
		sb_adds(&sb, jd_str(it, key) ? jd_str(it, key) : "");
	}
	const char *r = hold(p, sb_str(&sb));
	sb_done(&sb);
	return r;
}

static int cmp_json_key(const void *a, const void *b)
{
	return strcmp((*(const struct jd *const *)a)->key, (*(const struct jd *const *)b)->key);
}

/* "k=v,..." with keys sorted, as labels.FormatLabels / metav1.FormatLabelSelector print. */
static void add_sorted_labels(struct strbuf *sb, const struct jd *ml)
{
	int n = jd_is(ml, JD_OBJECT) ? jd_count(ml) : 0;
	if (n <= 0)
		return;
	const struct jd **v = xcalloc((size_t)n, sizeof *v);
	int k = 0;
	JD_FOREACH(it, ml)
		if (jd_is(it, JD_STRING) && it->key)
			v[k++] = it;
	qsort(v, (size_t)k, sizeof *v, cmp_json_key);
	for (int i = 0; i < k; i++)
		sb_addf(sb, "%s%s=%s", sb->len ? "," : "", v[i]->key, v[i]->u.s);
	free(v);
}

static const char *selector_text(struct proj *p, const struct jd *sel, bool plain_map)
{
	struct strbuf sb = STRBUF_INIT;
	const struct jd *exprs = plain_map ? NULL : jd_get(sel, "matchExpressions");
	add_sorted_labels(&sb, plain_map ? sel : jd_get(sel, "matchLabels"));
	JD_FOREACH(it, exprs) {
		const char *op = jd_str(it, "operator"), *key = jd_str(it, "key");
		if (!op || !key)
			continue;
		sb_addf(&sb, "%s%s%s", sb.len ? "," : "", strcmp(op, "DoesNotExist") ? "" : "!", key);
		if (!strcmp(op, "In") || !strcmp(op, "NotIn")) {
			sb_addf(&sb, " %s (", strcmp(op, "In") ? "notin" : "in");
			int i = 0;
			JD_FOREACH(v, jd_get(it, "values"))
				if (jd_is(v, JD_STRING))
					sb_addf(&sb, "%s%s", i++ ? "," : "", v->u.s);
			sb_addc(&sb, ')');
		}
	}
	const char *r = hold(p, sb_str(&sb));
	sb_done(&sb);
	return r;
}

/* A DaemonSet's counts in the workload record: desiredNumberScheduled is its spec_replicas,
 * currentNumberScheduled its replicas and current, numberReady, updatedNumberScheduled and
 * numberAvailable ready, updated and available. */
static void proj_daemonset(struct proj *p, const struct jd *spec, const struct jd *st, struct st_workload *w)
{
	w->spec_replicas = (int32_t)jd_int(st, "desiredNumberScheduled", 0);
	w->replicas = w->current = (int32_t)jd_int(st, "currentNumberScheduled", 0);
	w->ready = (int32_t)jd_int(st, "numberReady", 0);
	w->updated = (int32_t)jd_int(st, "updatedNumberScheduled", 0);
	w->available = (int32_t)jd_int(st, "numberAvailable", 0);
	w->strategy = hstr(p, jd_get(spec, "updateStrategy"), "type");
	const char *ns = selector_text(p, jd_get(jd_get(jd_get(spec, "template"), "spec"), "nodeSelector"), true);
	w->node_selector = *ns ? ns : "<none>";
}

static void proj_workload(struct proj *p, enum kube_kind k, const struct jd *obj, struct st_workload *w)
{
	const struct jd *spec = jd_get(obj, "spec"), *st = jd_get(obj, "status");
	const struct jd *ctrs = jd_get(jd_get(jd_get(spec, "template"), "spec"), "containers");
	w->spec_replicas = (int32_t)jd_int(spec, "replicas", 1);
	w->replicas = (int32_t)jd_int(st, "replicas", 0);
	w->updated = (int32_t)jd_int(st, "updatedReplicas", 0);
	w->ready = (int32_t)jd_int(st, "readyReplicas", 0);
	w->available = (int32_t)jd_int(st, "availableReplicas", 0);
	w->current = (int32_t)jd_int(st, "currentReplicas", 0);
	w->observed_generation = jd_int(st, "observedGeneration", 0);
	w->containers = join_field(p, ctrs, "name");
	w->images = join_field(p, ctrs, "image");
	w->selector = selector_text(p, jd_get(spec, "selector"), false);
	if (k == KK_STATEFULSET || k == KK_DAEMONSET) {
		w->revision = hstr(p, st, "updateRevision");
		w->current_revision = hstr(p, st, "currentRevision");
		w->strategy = hstr(p, jd_get(spec, "updateStrategy"), "type");
	} else {
		const struct jd *ann = jd_get(jd_get(obj, "metadata"), "annotations");
		w->revision = hstr(p, ann, "deployment.kubernetes.io/revision");
		w->current_revision = "";
		w->strategy = hstr(p, jd_get(spec, "strategy"), "type");
	}
	w->node_selector = "";
	if (k == KK_DAEMONSET)
		proj_daemonset(p, spec, st, w);
	proj_conditions(p, jd_get(st, "conditions"), &w->conditions, &w->nconditions);
}

static const char *join_strings(struct proj *p, const struct jd *arr, const char *key, struct strbuf *sb)
{
	JD_FOREACH(it, arr) {
		const char *v = key ? jd_str(it, key) : (jd_is(it, JD_STRING) ? it->u.s : NULL);
		if (v && *v)
			sb_addf(sb, "%s%s", sb->len ? "," : "", v);
	}
	(void)p;
	return sb_str(sb);
}

/* kubectl's getServiceExternalIP. */
static const char *svc_external(struct proj *p, const char *type, const struct jd *spec, const struct jd *st)
{
	struct strbuf sb = STRBUF_INIT;
	const char *r;
	if (!strcmp(type, "ClusterIP") || !strcmp(type, "NodePort")) {
		join_strings(p, jd_get(spec, "externalIPs"), NULL, &sb);
		r = hold(p, sb.len ? sb_str(&sb) : "<none>");
	} else if (!strcmp(type, "LoadBalancer")) {
		const struct jd *ing = jd_get(jd_get(st, "loadBalancer"), "ingress");
		JD_FOREACH(it, ing) {
			const char *v = jd_str(it, "ip") && *jd_str(it, "ip") ? jd_str(it, "ip") : jd_str(it, "hostname");
			if (v && *v)
				sb_addf(&sb, "%s%s", sb.len ? "," : "", v);
		}
		join_strings(p, jd_get(spec, "externalIPs"), NULL, &sb);
		r = hold(p, sb.len ? sb_str(&sb) : "<pending>");
	} else if (!strcmp(type, "ExternalName")) {
		r = hstr(p, spec, "externalName");
	} else {
		r = hold(p, "<unknown>");
	}
	sb_done(&sb);
	return r;
}

static void proj_service(struct proj *p, const struct jd *obj, struct st_service *s)
{
	const struct jd *spec = jd_get(obj, "spec");
	s->type = hold(p, jd_str(spec, "type") ? jd_str(spec, "type") : "ClusterIP");
	const struct jd *cip0 = jd_at(jd_get(spec, "clusterIPs"), 0);
	const char *cip = cip0 ? (jd_is(cip0, JD_STRING) ? cip0->u.s : NULL) : jd_str(spec, "clusterIP");
	s->cluster_ip = hold(p, cip && *cip ? cip : "<none>");
	s->external_ips = svc_external(p, s->type, spec, jd_get(obj, "status"));
	struct strbuf sb = STRBUF_INIT;
	JD_FOREACH(it, jd_get(spec, "ports")) {
		const char *proto = jd_str(it, "protocol") ? jd_str(it, "protocol") : "TCP";
		int64_t np = jd_int(it, "nodePort", 0);
		sb_addf(&sb, "%s%lld", sb.len ? "," : "", (long long)jd_int(it, "port", 0));
		if (np > 0)
			sb_addf(&sb, ":%lld", (long long)np);
		sb_addf(&sb, "/%s", proto);
	}
	s->ports = hold(p, sb.len ? sb_str(&sb) : "<none>");
	sb_done(&sb);
	const char *sel = selector_text(p, jd_get(spec, "selector"), true);
	s->selector = *sel ? sel : hold(p, "<none>");
}

static void proj_event(struct proj *p, const struct jd *obj, struct st_event *e)
{
	const struct jd *io = jd_get(obj, "involvedObject"), *src = jd_get(obj, "source");
	e->type = hstr(p, obj, "type");
	e->reason = hstr(p, obj, "reason");
	e->message = hstr(p, obj, "message");
	e->source = hold(p, jd_str(src, "component") ? jd_str(src, "component") : jd_str(obj, "reportingComponent"));
	e->obj_kind = hstr(p, io, "kind");
	e->obj_name = hstr(p, io, "name");
	e->obj_namespace = hstr(p, io, "namespace");
	e->obj_uid = hstr(p, io, "uid");
	e->obj_field = hstr(p, io, "fieldPath");
	e->count = (int32_t)jd_int(obj, "count", 0);
	e->first = jtime(obj, "firstTimestamp");
	e->last = jtime(obj, "lastTimestamp");
	e->event_time = jtime(obj, "eventTime");
}

union st_record *store_project(enum kube_kind k, const struct jd *obj, struct tops_err *err)
{
	union st_record *r = xcalloc(1, sizeof *r);
	struct proj p;
	p.m = &r->meta;
	p.n = 0;
	p.cap = ARRAY_LEN(p.stack);
	p.held = p.stack;
	if (proj_meta(&p, obj, err) < 0) {
		proj_finish(&p);
		store_record_free(k, r);
		return NULL;
	}
	switch (k) {
	case KK_POD: proj_pod(&p, obj, &r->pod); break;
	case KK_PVC: proj_pvc(&p, obj, &r->pvc); break;
	case KK_DEPLOYMENT: case KK_REPLICASET: case KK_STATEFULSET: case KK_DAEMONSET:
		proj_workload(&p, k, obj, &r->wl);
		break;
	case KK_SERVICE: proj_service(&p, obj, &r->svc); break;
	case KK_EVENT: proj_event(&p, obj, &r->ev); break;
	default: break;
	}
	proj_finish(&p);
	return r;
}

void store_record_free(enum kube_kind k, union st_record *r)
{
	if (!r)
		return;
	for (uint32_t i = 0; i < r->meta.nheld_; i++)
		intern_release(r->meta.held_[i]);
	free(r->meta.held_);
	free(r->meta.labels);
	free(r->meta.owners);
	switch (k) {
	case KK_POD:
		free(r->pod.containers);
		free(r->pod.init);
		free(r->pod.conditions);
		free(r->pod.readiness_gates);
		break;
	case KK_PVC: free(r->pvc.conditions); break;
	case KK_DEPLOYMENT: case KK_REPLICASET: case KK_STATEFULSET: case KK_DAEMONSET:
		free(r->wl.conditions);
		break;
	default: break;
	}
	free(r);
}

/* --- the store --- */

struct slot {
	uint32_t hash;
	union st_record *rec;   /* NULL: empty; TOMB: deleted */
};

#define TOMB ((union st_record *)(uintptr_t)1)

struct kind_table {
	struct slot *s;
	size_t cap, count, used;   /* used counts tombstones too */
};

struct sub {
	int id;
	store_notify_fn fn;
	void *ud;
};

struct store {
	struct kind_table t[KK__COUNT];
	struct sub *subs;
	size_t nsubs;
	int next_id;
};

static uint32_t key_hash(const char *ns, const char *name)
{
	uint32_t h = hash_bytes(ns, strlen(ns), 2166136261u);
	h = hash_bytes("/", 1, h);
	return hash_bytes(name, strlen(name), h) | 1;
}

struct store *store_new(void)
{
	return xcalloc(1, sizeof(struct store));
}

void store_free(struct store *s)
{
	if (!s)
		return;
	for (int k = 0; k < KK__COUNT; k++) {
		for (size_t i = 0; i < s->t[k].cap; i++)
			if (s->t[k].s[i].rec && s->t[k].s[i].rec != TOMB)
				store_record_free((enum kube_kind)k, s->t[k].s[i].rec);
		free(s->t[k].s);
	}
	free(s->subs);
	free(s);
}

static struct slot *find_slot(const struct kind_table *t, const char *ns, const char *name)
{
	if (!t->cap)
		return NULL;
	uint32_t h = key_hash(ns, name);
	for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct slot *sl = &t->s[i];
		if (!sl->rec)
			return NULL;
		if (sl->rec != TOMB && sl->hash == h && !strcmp(sl->rec->meta.name, name) &&
		    !strcmp(sl->rec->meta.namespace_, ns))
			return sl;
	}
}

static void table_insert(struct kind_table *t, union st_record *r);

static void table_grow(struct kind_table *t)
{
	struct kind_table old = *t;
	size_t cap = t->cap ? t->cap : 64;
	while (t->count * 2 >= cap)
		cap *= 2;
	t->s = xcalloc(cap, sizeof *t->s);
	t->cap = cap;
	t->count = t->used = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.s[i].rec && old.s[i].rec != TOMB)
			table_insert(t, old.s[i].rec);
	free(old.s);
}

static void table_insert(struct kind_table *t, union st_record *r)
{
	if ((t->used + 1) * 4 >= t->cap * 3)
		table_grow(t);
	uint32_t h = key_hash(r->meta.namespace_, r->meta.name);
	size_t i = h & (t->cap - 1);
	while (t->s[i].rec && t->s[i].rec != TOMB)
		i = (i + 1) & (t->cap - 1);
	if (!t->s[i].rec)
		t->used++;
	t->s[i] = (struct slot){h, r};
	t->count++;
}

static void notify(struct store *s, enum kube_kind k, enum st_op op, const union st_record *rec,
		   const union st_record *old)
{
	for (size_t i = 0; i < s->nsubs; i++)
		s->subs[i].fn(k, op, rec, old, s->subs[i].ud);
}

int store_apply(struct store *s, enum kube_kind k, enum st_op op, union st_record *rec)
{
	struct kind_table *t = &s->t[k];
	struct slot *sl = find_slot(t, rec->meta.namespace_, rec->meta.name);
	if (op == ST_DELETED) {
		if (!sl) {
			store_record_free(k, rec);
			return -1;
		}
		union st_record *gone = sl->rec;
		sl->rec = TOMB;
		t->count--;
		notify(s, k, ST_DELETED, gone, NULL);
		store_record_free(k, gone);
		store_record_free(k, rec);
		return ST_DELETED;
	}
	if (!sl) {
		table_insert(t, rec);
		notify(s, k, ST_ADDED, rec, NULL);
		return ST_ADDED;
	}
	union st_record *old = sl->rec;
	if (*rec->meta.resource_version &&
	    strcmp(old->meta.resource_version, rec->meta.resource_version) == 0) {
		store_record_free(k, rec);
		return -1;
	}
	sl->rec = rec;
	notify(s, k, ST_MODIFIED, rec, old);
	store_record_free(k, old);
	return ST_MODIFIED;
}

const union st_record *store_get(const struct store *s, enum kube_kind k, const char *ns,
				 const char *name)
{
	struct slot *sl = find_slot(&s->t[k], ns ? ns : "", name);
	return sl ? sl->rec : NULL;
}

size_t store_count(const struct store *s, enum kube_kind k)
{
	return s->t[k].count;
}

static int cmp_rec(const void *a, const void *b)
{
	const union st_record *x = *(const union st_record *const *)a;
	const union st_record *y = *(const union st_record *const *)b;
	int c = strcmp(x->meta.namespace_, y->meta.namespace_);
	return c ? c : strcmp(x->meta.name, y->meta.name);
}

const union st_record **store_list(const struct store *s, enum kube_kind k, size_t *n)
{
	const struct kind_table *t = &s->t[k];
	const union st_record **a = xcalloc(t->count + 1, sizeof *a);
	size_t m = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->s[i].rec && t->s[i].rec != TOMB)
			a[m++] = t->s[i].rec;
	qsort(a, m, sizeof *a, cmp_rec);
	*n = m;
	return a;
}

void store_foreach(const struct store *s, enum kube_kind k,
		   void (*fn)(const union st_record *r, void *ud), void *ud)
{
	const struct kind_table *t = &s->t[k];
	for (size_t i = 0; i < t->cap; i++)
		if (t->s[i].rec && t->s[i].rec != TOMB)
			fn(t->s[i].rec, ud);
}

int store_subscribe(struct store *s, store_notify_fn fn, void *ud)
{
	s->subs = xrealloc(s->subs, (s->nsubs + 1) * sizeof *s->subs);
	s->subs[s->nsubs] = (struct sub){++s->next_id, fn, ud};
	s->nsubs++;
	return s->next_id;
}

void store_unsubscribe(struct store *s, int id)
{
	for (size_t i = 0; i < s->nsubs; i++)
		if (s->subs[i].id == id) {
			memmove(&s->subs[i], &s->subs[i + 1], (s->nsubs - i - 1) * sizeof *s->subs);
			s->nsubs--;
			return;
		}
}

const char *store_label(const struct st_meta *m, const char *key)
{
	for (uint32_t i = 0; i < m->nlabels; i++)
		if (strcmp(m->labels[i].key, key) == 0)
			return m->labels[i].val;
	return NULL;
}

const char *store_label_lookup(const void *meta, const char *key)
{
	return store_label(meta, key);
}

const char *store_field_lookup(const void *ref, const char *key)
{
	const struct st_ref *r = ref;
	const union st_record *x = r->rec;
	if (!strcmp(key, "metadata.name"))
		return x->meta.name;
	if (!strcmp(key, "metadata.namespace"))
		return x->meta.namespace_;
	if (r->kind == KK_POD) {
		if (!strcmp(key, "status.phase"))
			return x->pod.phase;
		if (!strcmp(key, "spec.nodeName"))
			return x->pod.node;
		if (!strcmp(key, "status.podIP"))
			return x->pod.pod_ip;
	}
	if (r->kind == KK_EVENT) {
		static const struct { const char *k; size_t off; } ev[] = {
			{"type", offsetof(struct st_event, type)},
			{"reason", offsetof(struct st_event, reason)},
			{"involvedObject.kind", offsetof(struct st_event, obj_kind)},
			{"involvedObject.name", offsetof(struct st_event, obj_name)},
			{"involvedObject.namespace", offsetof(struct st_event, obj_namespace)},
			{"involvedObject.uid", offsetof(struct st_event, obj_uid)}};
		for (size_t i = 0; i < ARRAY_LEN(ev); i++)
			if (!strcmp(key, ev[i].k))
				return *(const char *const *)((const char *)&x->ev + ev[i].off);
	}
	if (r->kind == KK_SERVICE && !strcmp(key, "spec.type"))
		return x->svc.type;
	return NULL;
}

int store_delete(struct store *s, enum kube_kind k, const char *ns, const char *name)
{
	struct kind_table *t = &s->t[k];
	struct slot *sl = find_slot(t, ns ? ns : "", name);
	if (!sl)
		return -1;
	union st_record *gone = sl->rec;
	sl->rec = TOMB;
	t->count--;
	notify(s, k, ST_DELETED, gone, NULL);
	store_record_free(k, gone);
	return ST_DELETED;
}
