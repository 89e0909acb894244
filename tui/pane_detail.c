/* pane_detail — a describe-like view: metadata, owner chain, conditions, containers (state,
 * reason, last termination with exit code, image and imageID), volumes and claims, and the
 * object's recent events from the store. */
#include "tui/objview.h"

#include "core/kube/kstatus.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *jstr(const cJSON *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	const cJSON *v = o;
	for (char *save, *t = strtok_r(buf, ".", &save); t && v; t = strtok_r(NULL, ".", &save))
		v = cJSON_GetObjectItemCaseSensitive(v, t);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *jget(const cJSON *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	const cJSON *v = o;
	for (char *save, *t = strtok_r(buf, ".", &save); t && v; t = strtok_r(NULL, ".", &save))
		v = cJSON_GetObjectItemCaseSensitive(v, t);
	return v;
}

static void field(struct textview *tv, int indent, const char *k, const char *v)
{
	if (v && *v)
		tv_addf(tv, ROLE_NORMAL, "%*s%-14s %s", indent, "", k, v);
}

static void heading(struct textview *tv, const char *h)
{
	tv_addf(tv, ROLE_TITLE_FOCUS, "%s", h);
}

static void section_meta(struct objview *ov, const cJSON *obj)
{
	struct textview *tv = &ov->tv;
	field(tv, 0, "Name:", jstr(obj, "metadata.name"));
	field(tv, 0, "Namespace:", jstr(obj, "metadata.namespace"));
	field(tv, 0, "Kind:", jstr(obj, "kind"));
	field(tv, 0, "Created:", jstr(obj, "metadata.creationTimestamp"));
	const cJSON *labels = jget(obj, "metadata.labels");
	struct strbuf sb = STRBUF_INIT;
	for (const cJSON *l = labels ? labels->child : NULL; l; l = l->next)
		if (cJSON_IsString(l))
			sb_addf(&sb, "%s%s=%s", sb.len ? "," : "", l->string, l->valuestring);
	field(tv, 0, "Labels:", sb.len ? sb_str(&sb) : "<none>");
	sb_done(&sb);
}

/* Owner chain through the store: Pod -> ReplicaSet -> Deployment. */
static void section_owners(struct objview *ov, const cJSON *obj)
{
	const struct store *st = ov->ui->data->store;
	struct strbuf sb = STRBUF_INIT;
	const cJSON *owners = jget(obj, "metadata.ownerReferences");
	const cJSON *o = owners ? owners->child : NULL;
	const char *kind = o ? jstr(o, "kind") : NULL, *name = o ? jstr(o, "name") : NULL;
	for (int depth = 0; kind && name && depth < 8; depth++) {
		sb_addf(&sb, "%s%s/%s", sb.len ? " → " : "", kind, name);
		const struct kube_kind_info *ki = kube_kind_lookup(kind);
		const union st_record *r = ki ? store_get(st, ki->kind, ov->ns, name) : NULL;
		if (!r || r->meta.nowners == 0)
			break;
		kind = r->meta.owners[0].kind;
		name = r->meta.owners[0].name;
	}
	field(&ov->tv, 0, "Controlled By:", sb.len ? sb_str(&sb) : NULL);
	sb_done(&sb);
}

static void section_conditions(struct objview *ov, const cJSON *obj)
{
	const cJSON *conds = jget(obj, "status.conditions");
	if (!conds || !conds->child)
		return;
	heading(&ov->tv, "Conditions:");
	tv_addf(&ov->tv, ROLE_COLHDR, "  %-27s %-7s %-24s %s", "TYPE", "STATUS", "REASON", "MESSAGE");
	for (const cJSON *c = conds->child; c; c = c->next) {
		const char *status = jstr(c, "status");
		bool bad = status && strcmp(status, "True") != 0;
		tv_addf(&ov->tv, bad ? ROLE_WARN : ROLE_NORMAL, "  %-27s %-7s %-24s %s",
			jstr(c, "type") ? jstr(c, "type") : "", status ? status : "",
			jstr(c, "reason") ? jstr(c, "reason") : "", jstr(c, "message") ? jstr(c, "message") : "");
	}
}

static void state_line(struct textview *tv, const char *label, const cJSON *state)
{
	if (!state || !state->child)
		return;
	const cJSON *s = state->child;
	const char *reason = jstr(s, "reason");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(s, "exitCode");
	char extra[64] = "", name[32];
	if (cJSON_IsNumber(code))
		snprintf(extra, sizeof extra, "  exit code %d", code->valueint);
	snprintf(name, sizeof name, "%s", s->string);
	name[0] = (char)toupper((unsigned char)name[0]);
	const char *at = jstr(s, "finishedAt") ? jstr(s, "finishedAt") : jstr(s, "startedAt");
	bool failed = (cJSON_IsNumber(code) && code->valueint != 0) || (reason && strstr(reason, "BackOff"));
	enum tui_role role = strcmp(s->string, "running") == 0 ? ROLE_OK : failed ? ROLE_ERROR : ROLE_WARN;
	tv_addf(tv, role, "    %-14s %s%s%s%s%s%s%s", label, name, reason ? " (" : "", reason ? reason : "",
		reason ? ")" : "", extra, at ? "  since " : "", at ? at : "");
	const char *msg = jstr(s, "message");
	if (msg)
		tv_addf(tv, ROLE_DIM, "    %-14s %s", "", msg);
}

static const cJSON *status_for(const cJSON *statuses, const char *name)
{
	for (const cJSON *s = statuses ? statuses->child : NULL; s; s = s->next) {
		const char *n = jstr(s, "name");
		if (n && strcmp(n, name) == 0)
			return s;
	}
	return NULL;
}

static void containers(struct objview *ov, const cJSON *obj, const char *spec, const char *stat,
		       const char *title)
{
	const cJSON *list = jget(obj, spec), *statuses = jget(obj, stat);
	if (!list || !list->child)
		return;
	struct textview *tv = &ov->tv;
	heading(tv, title);
	for (const cJSON *c = list->child; c; c = c->next) {
		const char *name = jstr(c, "name");
		tv_addf(tv, ROLE_KEY, "  %s:", name ? name : "?");
		field(tv, 4, "Image:", jstr(c, "image"));
		const cJSON *s = status_for(statuses, name ? name : "");
		if (!s)
			continue;
		field(tv, 4, "Image ID:", jstr(s, "imageID"));
		state_line(tv, "State:", cJSON_GetObjectItemCaseSensitive(s, "state"));
		state_line(tv, "Last State:", cJSON_GetObjectItemCaseSensitive(s, "lastState"));
		const cJSON *ready = cJSON_GetObjectItemCaseSensitive(s, "ready");
		const cJSON *rc = cJSON_GetObjectItemCaseSensitive(s, "restartCount");
		tv_addf(tv, ROLE_NORMAL, "    %-14s %s   Restarts: %d", "Ready:",
			cJSON_IsTrue(ready) ? "true" : "false", cJSON_IsNumber(rc) ? rc->valueint : 0);
	}
}

static void section_volumes(struct objview *ov, const cJSON *obj)
{
	const cJSON *vols = jget(obj, "spec.volumes");
	if (!vols || !vols->child)
		return;
	heading(&ov->tv, "Volumes:");
	for (const cJSON *v = vols->child; v; v = v->next) {
		const char *name = jstr(v, "name");
		const char *claim = jstr(v, "persistentVolumeClaim.claimName");
		const cJSON *src = v->child;
		while (src && src->string && strcmp(src->string, "name") == 0)
			src = src->next;
		if (claim) {
			const union st_record *r = store_get(ov->ui->data->store, KK_PVC, ov->ns, claim);
			const char *phase = r ? r->pvc.phase : "not found";
			tv_addf(&ov->tv, r && strcmp(phase, "Bound") == 0 ? ROLE_NORMAL : ROLE_WARN,
				"  %-20s PersistentVolumeClaim %s (%s%s%s)", name ? name : "?", claim, phase,
				r && *r->pvc.capacity ? ", " : "", r ? r->pvc.capacity : "");
		} else {
			tv_addf(&ov->tv, ROLE_NORMAL, "  %-20s %s", name ? name : "?",
				src && src->string ? src->string : "");
		}
	}
}

struct ev_collect {
	const char *uid, *name, *kind;
	const struct st_event **v;
	size_t n;
};

static void ev_cb(const union st_record *r, void *ud)
{
	struct ev_collect *c = ud;
	const struct st_event *e = &r->ev;
	bool match = (*c->uid && strcmp(e->obj_uid, c->uid) == 0) ||
		     (strcmp(e->obj_name, c->name) == 0 && strcmp(e->obj_kind, c->kind) == 0);
	if (!match)
		return;
	c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n++] = e;
}

static int ev_cmp(const void *a, const void *b)
{
	int64_t x = kstatus_event_time(*(const struct st_event *const *)a);
	int64_t y = kstatus_event_time(*(const struct st_event *const *)b);
	return x < y ? -1 : x > y;
}

static void section_events(struct objview *ov, const cJSON *obj)
{
	struct ev_collect c = {jstr(obj, "metadata.uid") ? jstr(obj, "metadata.uid") : "", ov->name,
			       jstr(obj, "kind") ? jstr(obj, "kind") : "", NULL, 0};
	store_foreach(ov->ui->data->store, KK_EVENT, ev_cb, &c);
	heading(&ov->tv, "Events:");
	if (c.n == 0)
		tv_add(&ov->tv, ROLE_DIM, "  <none>", 8);
	qsort(c.v, c.n, sizeof *c.v, ev_cmp);
	int64_t now = now_wall();
	for (size_t i = c.n > 20 ? c.n - 20 : 0; i < c.n; i++) {
		char age[32];
		kstatus_age(kstatus_event_time(c.v[i]), now, age, sizeof age);
		tv_addf(&ov->tv, strcmp(c.v[i]->type, "Warning") == 0 ? ROLE_WARN : ROLE_NORMAL,
			"  %-8s %-8s %-22s %s", age, c.v[i]->type, c.v[i]->reason, c.v[i]->message);
	}
	free(c.v);
}

static void section_pod_status(struct objview *ov)
{
	const union st_record *r = store_get(ov->ui->data->store, KK_POD, ov->ns, ov->name);
	if (!r)
		return;
	char st[64], ready[32], node[300];
	kstatus_pod_status(&r->pod, st, sizeof st);
	kstatus_pod_ready(&r->pod, ready, sizeof ready);
	snprintf(node, sizeof node, "%s%s%s", r->pod.node, *r->pod.host_ip ? "/" : "", r->pod.host_ip);
	field(&ov->tv, 0, "Status:", st);
	field(&ov->tv, 0, "Ready:", ready);
	field(&ov->tv, 0, "Node:", node);
	field(&ov->tv, 0, "IP:", r->pod.pod_ip);
}

static void section_scalars(struct objview *ov, const cJSON *obj, const char *path, const char *title)
{
	const cJSON *o = jget(obj, path);
	if (!o || !o->child)
		return;
	heading(&ov->tv, title);
	for (const cJSON *c = o->child; c; c = c->next) {
		char num[32];
		const char *v = cJSON_IsString(c) ? c->valuestring : NULL;
		if (cJSON_IsNumber(c)) {
			snprintf(num, sizeof num, "%d", c->valueint);
			v = num;
		}
		if (v)
			tv_addf(&ov->tv, ROLE_NORMAL, "  %-22s %s", c->string, v);
	}
}

static void detail_fill(struct objview *ov, const cJSON *obj)
{
	section_meta(ov, obj);
	section_owners(ov, obj);
	if (ov->kind == KK_POD)
		section_pod_status(ov);
	else if (ov->kind != KK_EVENT)
		section_scalars(ov, obj, "status", "Status:");
	if (ov->kind == KK_EVENT) {
		field(&ov->tv, 0, "Reason:", jstr(obj, "reason"));
		field(&ov->tv, 0, "Message:", jstr(obj, "message"));
		field(&ov->tv, 0, "Object:", jstr(obj, "involvedObject.name"));
	}
	section_conditions(ov, obj);
	containers(ov, obj, "spec.initContainers", "status.initContainerStatuses", "Init Containers:");
	containers(ov, obj, "spec.containers", "status.containerStatuses", "Containers:");
	containers(ov, obj, "spec.template.spec.containers", "-", "Containers:");
	section_volumes(ov, obj);
	if (ov->kind != KK_EVENT)
		section_events(ov, obj);
}

struct pane *detail_new(struct ui *ui, enum kube_kind k, const char *ns, const char *name)
{
	return objview_new(ui, k, ns, name, "Describe", detail_fill);
}
