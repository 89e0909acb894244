/* podlife — pod lifecycle in simulated time (scheduling, image pulls, start, readiness,
 * crash loops), PVC binding and Service endpoints (ctrl_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/ctrl_int.h"
#include "tests/kubesim/sched.h"
#include "tests/kubesim/select.h"

static const char *const nodes[] = {"sim-node-1", "sim-node-2", "sim-node-3"};

static struct value *containers(struct value *pod)
{
	struct value *cs = value_map_path(pod, "spec.containers");
	return cs && cs->type == V_LIST ? cs : NULL;
}

static size_t ncontainers(struct value *pod)
{
	struct value *cs = containers(pod);
	return cs ? cs->u.list.len : 0;
}

static bool env_on(const struct value *c, const char *name)
{
	const char *v = container_env(c, name);
	return v && strcmp(v, "1") == 0;
}

/* Container statuses in spec order, created as needed. */
static struct value *cstatus(struct value *pod, size_t i)
{
	struct value *st = vmap(pod, "status");
	struct value *l = value_map_get(st, "containerStatuses");
	if (!l || l->type != V_LIST || l->u.list.len != ncontainers(pod)) {
		l = value_list();
		for (size_t j = 0; j < ncontainers(pod); j++) {
			struct value *c = containers(pod)->u.list.items[j], *cs = value_map();
			vset_str(cs, "name", vstr(c, "name") ?: "");
			vset_str(cs, "image", vstr(c, "image") ?: "");
			vset_str(cs, "imageID", "");
			vset_int(cs, "restartCount", 0);
			value_map_set(cs, "ready", value_bool(false));
			value_map_set(cs, "started", value_bool(false));
			value_map_set(cs, "state", value_map());
			value_map_set(cs, "lastState", value_map());
			value_list_push(l, cs);
		}
		value_map_set(st, "containerStatuses", l);
	}
	return l->u.list.items[i];
}

static void set_waiting(struct value *cs, const char *reason, const char *msg)
{
	struct value *state = value_map(), *w = vmap(state, "waiting");
	vset_str(w, "reason", reason);
	if (msg)
		vset_str(w, "message", msg);
	value_map_set(cs, "state", state);
	value_map_set(cs, "ready", value_bool(false));
}

static void set_running(struct value *cs)
{
	struct value *state = value_map();
	char *now = ctrl_now_ts();
	vset_str(vmap(state, "running"), "startedAt", now);
	free(now);
	value_map_set(cs, "state", state);
	value_map_set(cs, "started", value_bool(true));
}

static void pod_ready(struct value *pod, bool ready)
{
	struct value *st = vmap(pod, "status");
	const char *s = ready ? "True" : "False";
	ctrl_condition(st, "Ready", s, ready ? "" : "ContainersNotReady", ready ? "" : "containers with unready status", false);
	ctrl_condition(st, "ContainersReady", s, ready ? "" : "ContainersNotReady", ready ? "" : "containers with unready status", false);
}

/* Does pod require node (spec.nodeName, or a required node affinity on metadata.name In)? */
static bool pod_pinned(const struct value *pod, const char *node)
{
	const char *n = vstr(pod, "spec.nodeName");
	if (n)
		return !strcmp(n, node);
	struct value *terms = value_map_path(pod,
		"spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
	for (size_t t = 0; terms && terms->type == V_LIST && t < terms->u.list.len; t++) {
		struct value *mf = value_map_get(terms->u.list.items[t], "matchFields");
		for (size_t f = 0; mf && mf->type == V_LIST && f < mf->u.list.len; f++) {
			struct value *vals = value_map_get(mf->u.list.items[f], "values");
			if (strcmp(vstr(mf->u.list.items[f], "key") ?: "", "metadata.name"))
				continue;
			for (size_t v = 0; vals && vals->type == V_LIST && v < vals->u.list.len; v++)
				if (vals->u.list.items[v]->type == V_STRING && !strcmp(vals->u.list.items[v]->u.str.s, node))
					return true;
		}
	}
	return false;
}

/* No node fits: Pending with PodScheduled False and the scheduler's FailedScheduling event. */
static void pod_unschedulable(struct value *pod, const char *why)
{
	struct value *st = vmap(pod, "status");
	vset_str(st, "phase", "Pending");
	ctrl_condition(st, "PodScheduled", "False", "Unschedulable", why, false);
	ctrl_event(pod, "Warning", "FailedScheduling", why);
}

/* Returns false when no node fits (the scheduler tries again later). */
static bool pod_schedule(struct value *pod)
{
	const char *ns = vstr(pod, "metadata.namespace"), *name = vstr(pod, "metadata.name");
	uint64_t h = sim_hash(name, strlen(name), 0);
	char *why = NULL;
	const char *want = NULL;
	for (size_t i = 0; i < ARRAY_LEN(nodes); i++)   /* a DaemonSet pod's node affinity */
		if (pod_pinned(pod, nodes[i]))
			want = nodes[i], h = i;
	const char *node = sched_pick(pod, want ? want : nodes[h % ARRAY_LEN(nodes)], &why);
	if (node && want && strcmp(node, want)) {   /* the pinned node does not fit */
		node = NULL;
		why = xasprintf("0/%zu nodes are available: 1 node(s) didn't match Pod's node affinity/selector",
				db_count(K_NODE));
	}
	if (!node) {
		pod_unschedulable(pod, why);
		free(why);
		return false;
	}
	for (size_t i = 0; i < ARRAY_LEN(nodes); i++)   /* hostIP follows the node */
		if (!strcmp(nodes[i], node))
			h = i;
	vset_str(vmap(pod, "spec"), "nodeName", node);
	struct value *st = vmap(pod, "status");
	vset_str(st, "phase", "Pending");
	value_map_set(st, "hostIP", value_strf("10.0.0.%d", (int)(h % ARRAY_LEN(nodes)) + 11));
	vset_str(st, "qosClass", "BestEffort");
	char *now = ctrl_now_ts();
	vset_str(st, "startTime", now);
	free(now);
	ctrl_condition(st, "PodScheduled", "True", "", "", false);
	ctrl_condition(st, "Initialized", "True", "", "", false);
	pod_ready(pod, false);
	for (size_t i = 0; i < ncontainers(pod); i++)
		set_waiting(cstatus(pod, i), "ContainerCreating", NULL);
	char *msg = xasprintf("Successfully assigned %s/%s to %s", ns, name, node);
	ctrl_event(pod, "Normal", "Scheduled", msg);
	free(msg);
	return true;
}

/* Returns true when every image pulled; otherwise marks the failing containers. */
static bool pod_pull(struct value *pod)
{
	bool ok = true;
	for (size_t i = 0; i < ncontainers(pod); i++) {
		struct value *c = containers(pod)->u.list.items[i], *cs = cstatus(pod, i);
		const char *image = vstr(c, "image") ?: "";
		const char *prev = vstr(cs, "state.waiting.reason");
		char *msg, *why = image_pull_error(pod, image);
		if (!why)
			continue;
		ok = false;
		if (prev && strcmp(prev, "ErrImagePull") == 0) {
			msg = xasprintf("Back-off pulling image \"%s\"", image);
			set_waiting(cs, "ImagePullBackOff", msg);
			ctrl_event(pod, "Normal", "BackOff", msg);
		} else {
			msg = xasprintf("Pulling image \"%s\"", image);
			ctrl_event(pod, "Normal", "Pulling", msg);
			free(msg);
			msg = xasprintf("Failed to pull image \"%s\": %s", image, why);
			set_waiting(cs, "ErrImagePull", msg);
			ctrl_event(pod, "Warning", "Failed", msg);
			ctrl_event(pod, "Warning", "Failed", "Error: ErrImagePull");
		}
		free(why);
		free(msg);
	}
	return ok;
}

static void start_container(struct value *pod, size_t i, bool first)
{
	struct value *c = containers(pod)->u.list.items[i], *cs = cstatus(pod, i);
	const char *image = vstr(c, "image") ?: "", *cname = vstr(c, "name") ?: "";
	char *msg;
	if (first) {
		msg = xasprintf("Pulling image \"%s\"", image);
		ctrl_event(pod, "Normal", "Pulling", msg);
		free(msg);
		msg = xasprintf("Successfully pulled image \"%s\" in 1.2s (1.2s including waiting)", image);
	} else {
		msg = xasprintf("Container image \"%s\" already present on machine", image);
	}
	ctrl_event(pod, "Normal", "Pulled", msg);
	free(msg);
	msg = xasprintf("Created container: %s", cname);
	ctrl_event(pod, "Normal", "Created", msg);
	free(msg);
	msg = xasprintf("Started container %s", cname);
	ctrl_event(pod, "Normal", "Started", msg);
	free(msg);
	value_map_set(cs, "imageID", image_id(image));
	set_running(cs);
}

struct value *image_id(const char *image)
{
	const char *at = strstr(image, "@sha256:"), *slash = strrchr(image, '/');
	size_t end = at ? (size_t)(at - image) : strlen(image);
	const char *from = slash && slash < image + end ? slash : image;
	const char *colon = memchr(from, ':', end - (size_t)(from - image));
	size_t repo = colon ? (size_t)(colon - image) : end;
	if (at)
		return value_strf("%.*s%s", (int)repo, image, at);
	size_t n = strlen(image);
	return value_strf("%.*s@sha256:%016llx%016llx%016llx%016llx", (int)repo, image,
			  (unsigned long long)sim_hash(image, n, 0), (unsigned long long)sim_hash(image, n, 7),
			  (unsigned long long)sim_hash(image, n, 13), (unsigned long long)sim_hash(image, n, 29));
}

static void pod_start(struct value *pod)
{
	struct value *st = vmap(pod, "status");
	const char *name = vstr(pod, "metadata.name");
	uint64_t h = sim_hash(name, strlen(name), 0);
	vset_str(st, "phase", "Running");
	value_map_set(st, "podIP", value_strf("10.244.%u.%u", (unsigned)(h >> 8) % 250 + 1, (unsigned)h % 250 + 2));
	struct value *ips = value_list(), *ip = value_map();
	value_map_set(ip, "ip", value_ref(value_map_get(st, "podIP")));
	value_list_push(ips, ip);
	value_map_set(st, "podIPs", ips);
	for (size_t i = 0; i < ncontainers(pod); i++)
		start_container(pod, i, true);
}

static double crash_backoff(int64_t restarts)
{
	double b = 10;
	for (int64_t i = 1; i < restarts && b < 300; i++)
		b *= 2;
	return b > 300 ? 300 : b;
}

static bool restart_on_failure(const struct value *pod)
{
	return strcmp(vstr(pod, "spec.restartPolicy") ?: "", "OnFailure") == 0;
}

/* Does the container exit with an error and get restarted? KUBESIM_CRASH always; KUBESIM_FAIL
 * when the pod restarts failed containers (restartPolicy OnFailure: a Job's pod retries in place). */
static bool crashes(const struct value *pod, const struct value *c)
{
	return env_on(c, "KUBESIM_CRASH") || env_on(c, "KUBESIM_OOM") ||
	       (env_on(c, "KUBESIM_FAIL") && restart_on_failure(pod));
}

static bool any_crashes(struct value *pod)
{
	for (size_t i = 0; i < ncontainers(pod); i++)
		if (crashes(pod, containers(pod)->u.list.items[i]))
			return true;
	return false;
}

/* Crash-looping containers: running -> terminated/CrashLoopBackOff -> running again. */
static double pod_crashloop(struct value *pod)
{
	double next = -1;
	for (size_t i = 0; i < ncontainers(pod); i++) {
		struct value *c = containers(pod)->u.list.items[i], *cs = cstatus(pod, i);
		if (!crashes(pod, c))
			continue;
		if (value_map_path(cs, "state.running")) {
			struct value *last = value_map(), *t = vmap(last, "terminated");
			char *now = ctrl_now_ts();
			/* KUBESIM_OOM: the kernel's kill at the memory limit (137, OOMKilled);
			 * KUBESIM_EXIT_CODE: the code the process exits with (default 1) */
			bool oom = env_on(c, "KUBESIM_OOM");
			const char *code = container_env(c, "KUBESIM_EXIT_CODE");
			vset_int(t, "exitCode", oom ? 137 : code ? atoi(code) : 1);
			vset_str(t, "reason", oom ? "OOMKilled" : "Error");
			vset_str(t, "startedAt", vstr(cs, "state.running.startedAt") ?: now);
			vset_str(t, "finishedAt", now);
			free(now);
			value_map_set(cs, "lastState", last);
			int64_t rc = vint(cs, "restartCount", 0) + 1;
			vset_int(cs, "restartCount", rc);
			char *msg = xasprintf("back-off %.0fs restarting failed container=%s pod=%s", crash_backoff(rc),
					      vstr(c, "name") ?: "", vstr(pod, "metadata.name"));
			set_waiting(cs, "CrashLoopBackOff", msg);
			free(msg);
			msg = xasprintf("Back-off restarting failed container %s in pod %s", vstr(c, "name") ?: "", vstr(pod, "metadata.name"));
			ctrl_event(pod, "Warning", "BackOff", msg);
			free(msg);
			next = crash_backoff(rc);
		} else {
			start_container(pod, i, false);
			next = 3;
		}
	}
	pod_ready(pod, false);
	return next;
}

static bool any_env(struct value *pod, const char *name)
{
	for (size_t i = 0; i < ncontainers(pod); i++)
		if (env_on(containers(pod)->u.list.items[i], name))
			return true;
	return false;
}

/* Pods with restartPolicy Never or OnFailure (Jobs' pods, hooks, tests) run to an end: after
 * their run time every container terminates, exit 0 (Completed), or 1 (Error) when a container
 * has KUBESIM_FAIL=1, and the pod is Succeeded or Failed. */
static bool runs_to_end(const struct value *pod)
{
	const char *rp = vstr(pod, "spec.restartPolicy");
	return rp && (!strcmp(rp, "Never") || !strcmp(rp, "OnFailure"));
}

static void pod_finish(struct value *pod)
{
	bool failed = any_env(pod, "KUBESIM_FAIL");
	char *now = ctrl_now_ts();
	for (size_t i = 0; i < ncontainers(pod); i++) {
		struct value *cs = cstatus(pod, i), *state = value_map(), *t = vmap(state, "terminated");
		vset_int(t, "exitCode", failed ? 1 : 0);
		vset_str(t, "reason", failed ? "Error" : "Completed");
		vset_str(t, "startedAt", vstr(cs, "state.running.startedAt") ?: now);
		vset_str(t, "finishedAt", now);
		value_map_set(cs, "state", state);
		value_map_set(cs, "ready", value_bool(false));
		value_map_set(cs, "started", value_bool(false));
	}
	free(now);
	vset_str(vmap(pod, "status"), "phase", failed ? "Failed" : "Succeeded");
	ctrl_condition(vmap(pod, "status"), "Ready", "False", "PodCompleted", "", false);
	ctrl_condition(vmap(pod, "status"), "ContainersReady", "False", "PodCompleted", "", false);
}

/* The kubelet's words for a readiness probe that fails (the app answers 503, or nothing). */
static char *probe_message(const struct value *pod, const struct value *probe)
{
	const struct value *port = value_map_path(probe, "httpGet.port");
	if (value_map_path(probe, "httpGet"))
		return xstrdup("Readiness probe failed: HTTP probe failed with statuscode: 503");
	port = value_map_path(probe, "tcpSocket.port");
	if (port)
		return xasprintf("Readiness probe failed: dial tcp %s:%lld: connect: connection refused",
				 vstr(pod, "status.podIP") ?: "", port->type == V_INT ? (long long)port->u.i : 0LL);
	return xstrdup("Readiness probe failed: command exited with status 1");
}

/* KUBESIM_NEVER_READY containers with a readiness probe: an Unhealthy event every period (the
 * event's count grows). Returns the delay to the next probe, -1 without a probe. */
static double probe_fails(struct value *pod)
{
	double next = -1;
	for (size_t i = 0; i < ncontainers(pod); i++) {
		const struct value *c = containers(pod)->u.list.items[i];
		const struct value *probe = value_map_get(c, "readinessProbe");
		if (!env_on(c, "KUBESIM_NEVER_READY") || !probe || probe->type != V_MAP)
			continue;
		char *msg = probe_message(pod, probe);
		ctrl_event_at(pod, "Warning", "Unhealthy", msg, vstr(c, "name"));
		free(msg);
		double period = (double)vint(probe, "periodSeconds", 10);
		next = next < 0 || period < next ? period : next;
	}
	return next;
}

static double pod_advance(struct value *pod)
{
	const char *phase = vstr(pod, "status.phase");
	if (vstr(pod, "metadata.deletionTimestamp"))
		return -1;
	if (!vstr(pod, "spec.nodeName"))
		return pod_schedule(pod) ? sim_cfg.pull_delay : 60;
	if (!phase || strcmp(phase, "Pending") == 0) {
		if (!pod_pull(pod))
			return 5;
		pod_start(pod);
		if (any_crashes(pod))
			return 3;
		return sim_cfg.ready_delay;   /* NEVER_READY: its probe fails from then on */
	}
	if (strcmp(phase, "Running") != 0)
		return -1;
	if (any_crashes(pod))
		return pod_crashloop(pod);
	if (runs_to_end(pod) && !any_env(pod, "KUBESIM_NEVER_READY")) {
		pod_finish(pod);
		return -1;
	}
	if (any_env(pod, "KUBESIM_NEVER_READY"))
		return probe_fails(pod);
	for (size_t i = 0; i < ncontainers(pod); i++)
		value_map_set(cstatus(pod, i), "ready", value_bool(true));
	pod_ready(pod, true);
	return -1;
}

void pod_step(const char *ns, const char *name)
{
	struct value *pod = db_get(K_POD, ns, name);
	if (!pod)
		return;
	double next = pod_advance(pod);
	ctrl_save(K_POD, pod);
	value_unref(pod);
	if (next >= 0)
		ctrl_after(next, K_POD, ns, name);
}

/* ---- PVC binding ---- */

static bool class_known(const char *sc)
{
	if (!sc)
		return false;
	if (db_find(K_SC, "", sc))
		return true;
	struct value *l = sim_cfg.storage_classes;
	for (size_t i = 0; l && l->type == V_LIST && i < l->u.list.len; i++)
		if (l->u.list.items[i]->type == V_STRING && strcmp(l->u.list.items[i]->u.str.s, sc) == 0)
			return true;
	return false;
}

/* The volume a claim was provisioned with (reclaim policy Delete). */
static void pv_create(const struct value *pvc)
{
	struct value *pv = value_map(), *md = vmap(pv, "metadata"), *spec = vmap(pv, "spec");
	value_map_set(md, "name", value_strf("pvc-%s", vstr(pvc, "metadata.uid")));
	vset_str(vmap(md, "annotations"), "pv.kubernetes.io/provisioned-by", "kubesim.io/hostpath");
	const char *req = vstr(pvc, "spec.resources.requests.storage");
	vset_str(vmap(spec, "capacity"), "storage", req ? req : "1Gi");
	struct value *modes = value_map_path(pvc, "spec.accessModes");
	value_map_set(spec, "accessModes", modes ? value_copy(modes) : value_list());
	vset_str(spec, "persistentVolumeReclaimPolicy", "Delete");
	vset_str(spec, "storageClassName", vstr(pvc, "spec.storageClassName"));
	vset_str(spec, "volumeMode", vstr(pvc, "spec.volumeMode") ?: "Filesystem");
	value_map_set(vmap(spec, "hostPath"), "path", value_strf("/var/lib/kubesim/%s", vstr(md, "name")));
	struct value *ref = vmap(spec, "claimRef");
	vset_str(ref, "apiVersion", "v1");
	vset_str(ref, "kind", "PersistentVolumeClaim");
	vset_str(ref, "namespace", vstr(pvc, "metadata.namespace"));
	vset_str(ref, "name", vstr(pvc, "metadata.name"));
	vset_str(ref, "uid", vstr(pvc, "metadata.uid"));
	vset_str(vmap(pv, "status"), "phase", "Bound");
	ctrl_create(K_PV, pv);
	value_unref(pv);
}

/* A volume whose claim is gone is deleted (reclaim policy Delete). */
void pv_reconcile(const char *name)
{
	struct value *pv = db_get(K_PV, "", name);
	if (!pv)
		return;
	const char *ns = vstr(pv, "spec.claimRef.namespace"), *claim = vstr(pv, "spec.claimRef.name");
	struct obj *o = ns && claim ? db_find(K_PVC, ns, claim) : NULL;
	const char *uid = vstr(pv, "spec.claimRef.uid");
	if (!o || (uid && strcmp(o->uid, uid) != 0))
		db_delete(K_PV, "", name, NULL, NULL);
	value_unref(pv);
}

void pvc_reconcile(const char *ns, const char *name)
{
	struct value *pvc = db_get(K_PVC, ns, name);
	if (!pvc)
		return;
	const char *phase = vstr(pvc, "status.phase");
	const char *sc = vstr(pvc, "spec.storageClassName");
	if (phase && strcmp(phase, "Bound") == 0) {
		value_unref(pvc);
		return;
	}
	struct value *st = vmap(pvc, "status");
	if (!class_known(sc)) {
		vset_str(st, "phase", "Pending");
		char *msg = sc ? xasprintf("storageclass.storage.k8s.io \"%s\" not found", sc)
			       : xstrdup("no persistent volumes available for this claim and no storage class is set");
		ctrl_event(pvc, "Warning", sc ? "ProvisioningFailed" : "FailedBinding", msg);
		free(msg);
	} else {
		value_map_set(vmap(pvc, "spec"), "volumeName", value_strf("pvc-%s", vstr(pvc, "metadata.uid")));
		pv_create(pvc);
		vset_str(st, "phase", "Bound");
		struct value *modes = value_map_path(pvc, "spec.accessModes");
		value_map_set(st, "accessModes", modes ? value_copy(modes) : value_list());
		const char *req = vstr(pvc, "spec.resources.requests.storage");
		vset_str(vmap(st, "capacity"), "storage", req ? req : "1Gi");
		char *msg = xasprintf("Successfully provisioned volume pvc-%s", vstr(pvc, "metadata.uid"));
		ctrl_event(pvc, "Normal", "ProvisioningSucceeded", msg);
		free(msg);
	}
	ctrl_save(K_PVC, pvc);
	value_unref(pvc);
}

/* ---- Service endpoints ---- */

static struct value *ep_ports(const struct value *svc)
{
	struct value *out = value_list(), *ports = value_map_path(svc, "spec.ports");
	for (size_t i = 0; ports && ports->type == V_LIST && i < ports->u.list.len; i++) {
		struct value *p = ports->u.list.items[i], *e = value_map();
		if (vstr(p, "name"))
			vset_str(e, "name", vstr(p, "name"));
		struct value *tp = value_map_get(p, "targetPort");
		vset_int(e, "port", tp && tp->type == V_INT ? tp->u.i : vint(p, "port", 0));
		vset_str(e, "protocol", vstr(p, "protocol") ?: "TCP");
		value_list_push(out, e);
	}
	return out;
}

static struct value *ep_address(const struct obj *o)
{
	struct value *pod = obj_value(o), *a = value_map(), *ref = vmap(a, "targetRef");
	vset_str(a, "ip", vstr(pod, "status.podIP") ?: "");
	if (vstr(pod, "spec.nodeName"))
		vset_str(a, "nodeName", vstr(pod, "spec.nodeName"));
	vset_str(ref, "kind", "Pod");
	vset_str(ref, "namespace", o->ns);
	vset_str(ref, "name", o->name);
	vset_str(ref, "uid", o->uid);
	value_unref(pod);
	return a;
}

void svc_reconcile(const char *ns, const char *name)
{
	struct value *svc = db_get(K_SVC, ns, name);
	if (!svc)
		return;
	struct value *sel = value_map_path(svc, "spec.selector");
	struct value *ready = value_list(), *notready = value_list();
	for (size_t i = db_ns_start(K_POD, ns); sel && i < db_count(K_POD); i++) {
		struct obj *o = db_at(K_POD, i);
		if (strcmp(o->ns, ns) != 0)
			break;
		if (o->phase != 'R' || !selector_match_map(sel, o->labels))
			continue;
		struct value *l = o->ready ? ready : notready;
		if (l->u.list.len < 100)
			value_list_push(l, ep_address(o));
	}
	struct value *ep = value_map(), *subsets = value_list();
	vset_str(vmap(ep, "metadata"), "name", name);
	vset_str(vmap(ep, "metadata"), "namespace", ns);
	struct value *labels = value_map_path(svc, "metadata.labels");
	if (labels)
		value_map_set(vmap(ep, "metadata"), "labels", value_copy(labels));
	if (ready->u.list.len || notready->u.list.len) {
		struct value *s = value_map();
		if (ready->u.list.len)
			value_map_set(s, "addresses", value_ref(ready));
		if (notready->u.list.len)
			value_map_set(s, "notReadyAddresses", value_ref(notready));
		value_map_set(s, "ports", ep_ports(svc));
		value_list_push(subsets, s);
	}
	value_map_set(ep, "subsets", subsets);
	if (sel) {
		if (db_find(K_EP, ns, name))
			ctrl_save(K_EP, ep);
		else
			ctrl_create(K_EP, ep);
	}
	value_unref(ep);
	value_unref(ready);
	value_unref(notready);
	value_unref(svc);
}
