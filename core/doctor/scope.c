/* scope — which objects a doctor run is about, and the words fixes share (rules.h). */
#include "core/doctor/rules.h"

#include "core/release/obj.h"

#include <stdlib.h>
#include <string.h>

#define INSTANCE "app.kubernetes.io/instance"

static bool ns_ok(const struct doctor_input *in, const char *ns)
{
	return !in->namespace_ || !*in->namespace_ || strcmp(in->namespace_, ns ? ns : "") == 0;
}

bool doc_in_scope(const struct doctor_input *in, const struct st_meta *m)
{
	if (!ns_ok(in, m->namespace_))
		return false;
	if (!in->release)
		return true;
	const char *inst = store_label(m, INSTANCE);
	return inst && strcmp(inst, in->release) == 0;
}

bool doc_value_in_scope(const struct doctor_input *in, const struct value *obj)
{
	if (!ns_ok(in, obj_str(obj, "metadata.namespace")))
		return false;
	if (!in->release)
		return true;
	const struct value *l = value_map_get(value_map_path(obj, "metadata.labels"), INSTANCE);
	const struct value *a = value_map_get(value_map_path(obj, "metadata.annotations"),
					      "meta.helm.sh/release-name");
	return (l && l->type == V_STRING && strcmp(l->u.str.s, in->release) == 0) ||
	       (a && a->type == V_STRING && strcmp(a->u.str.s, in->release) == 0);
}

const char *doc_release_of(const struct doctor_input *in, const struct st_meta *m)
{
	if (in->release)
		return in->release;
	const char *inst = m ? store_label(m, INSTANCE) : NULL;
	return inst && *inst ? inst : "RELEASE";
}

const char *doc_component(const struct st_meta *m)
{
	const char *c = store_label(m, "app.kubernetes.io/component");
	return c && *c ? c : "COMPONENT";
}

char *doc_upgrade(const struct doctor_input *in, const char *rel, const char *ns, const char *set)
{
	return xasprintf("tops upgrade %s %s -n %s --reuse-values --set %s", rel,
			 in->chart_ref ? in->chart_ref : "charts/testops", ns, set);
}

struct ev_find {
	const char *kind, *ns, *name, *reason, *prefix;
	const struct st_event *best;
};

static int64_t ev_time(const struct st_event *e)
{
	return e->last ? e->last : e->event_time ? e->event_time : e->meta.created;
}

static void ev_match(const union st_record *r, void *ud)
{
	struct ev_find *f = ud;
	const struct st_event *e = &r->ev;
	if (strcmp(e->obj_kind, f->kind) || strcmp(e->obj_name, f->name) ||
	    strcmp(e->obj_namespace[0] ? e->obj_namespace : e->meta.namespace_, f->ns))
		return;
	if ((f->reason && strcmp(e->reason, f->reason)) || (f->prefix && !str_has_prefix(e->message, f->prefix)))
		return;
	/* the newest; of two at one second the later name (names sort in creation order) */
	if (!f->best || ev_time(e) > ev_time(f->best) ||
	    (ev_time(e) == ev_time(f->best) && strcmp(e->meta.name, f->best->meta.name) > 0))
		f->best = e;
}

const struct st_event *doc_event(const struct doctor_input *in, const char *kind, const char *ns,
				 const char *name, const char *reason, const char *prefix)
{
	struct ev_find f = {kind, ns, name, reason, prefix, NULL};
	if (in->store)
		store_foreach(in->store, KK_EVENT, ev_match, &f);
	return f.best;
}

const char *doc_str(const struct value *obj, const char *path)
{
	const char *s = obj_str(obj, path);
	return s ? s : "";
}

int64_t doc_age(const struct doctor_input *in, const struct value *obj)
{
	int64_t ms = obj_time_ms(obj_str(obj, "metadata.creationTimestamp"));
	return ms ? in->now - ms / 1000 : -1;
}

const struct value *doc_find(const struct value *list, const char *ns, const char *name)
{
	for (size_t i = 0; list && list->type == V_LIST && i < list->u.list.len; i++) {
		const struct value *o = list->u.list.items[i];
		if (strcmp(doc_str(o, "metadata.name"), name) == 0 &&
		    (!ns || strcmp(doc_str(o, "metadata.namespace"), ns) == 0))
			return o;
	}
	return NULL;
}
