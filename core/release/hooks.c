#include "core/release/hooks.h"

#include "core/base/yaml.h"
#include "core/release/apply.h"
#include "core/release/obj.h"
#include "core/release/rest.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ANN "metadata.annotations"

static char **split_list(const char *s, size_t *n)
{
	char *copy = xstrdup(s ? s : ""), *save = NULL;
	char **out = xcalloc(strlen(copy) / 2 + 2, sizeof *out);
	*n = 0;
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		while (*p == ' ')
			p++;
		size_t l = strlen(p);
		while (l && p[l - 1] == ' ')
			p[--l] = 0;
		if (l)
			out[(*n)++] = xstrdup(p);
	}
	free(copy);
	return out;
}

static const char *annotation(const struct value *obj, const char *key)
{
	const struct value *v = value_map_get(value_map_path(obj, ANN), key);
	return v && v->type == V_STRING ? v->u.str.s : NULL;
}

static int hook_of(const struct manifest *m, struct release_hook *h, struct tops_err *err)
{
	struct value *obj = yaml_load(m->content, strlen(m->content), m->name, NULL, NULL, err);
	if (!obj || obj->type != V_MAP) {
		value_unref(obj);
		return err && err->code ? -err->code : tops_err_set(err, TOPS_EINVAL, "hook %s is not an object", m->name);
	}
	memset(h, 0, sizeof *h);
	h->name = xstrdup(obj_str(obj, "metadata.name") ? obj_str(obj, "metadata.name") : "");
	h->kind = xstrdup(m->kind);
	h->path = xstrdup(m->name);
	h->manifest = xstrdup(m->content);
	h->events = split_list(annotation(obj, "helm.sh/hook"), &h->nevents);
	const char *w = annotation(obj, "helm.sh/hook-weight");
	h->weight = w ? atoi(w) : 0;
	h->delete_policies = split_list(annotation(obj, "helm.sh/hook-delete-policy"), &h->ndelete);
	value_unref(obj);
	return 0;
}

int hooks_from_manifests(const struct manifest *m, size_t n, struct release_hook **out, size_t *nout,
			 struct tops_err *err)
{
	*out = xcalloc(n + 1, sizeof **out);
	*nout = 0;
	for (size_t i = 0; i < n; i++) {
		int rc = hook_of(&m[i], &(*out)[*nout], err);
		if (rc < 0)
			return rc;
		(*nout)++;
	}
	return 0;
}

static char **strv_copy(char *const *v, size_t n)
{
	char **out = xcalloc(n + 1, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(v[i]);
	return out;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

struct release_hook *hooks_copy(const struct release_hook *h, size_t n)
{
	struct release_hook *out = xcalloc(n + 1, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		out[i] = h[i];
		out[i].name = dup_or_null(h[i].name), out[i].kind = dup_or_null(h[i].kind);
		out[i].path = dup_or_null(h[i].path), out[i].manifest = dup_or_null(h[i].manifest);
		out[i].last_phase = dup_or_null(h[i].last_phase);
		out[i].output_log_policies = strv_copy(h[i].output_log_policies, h[i].noutput_log);
		out[i].events = strv_copy(h[i].events, h[i].nevents);
		out[i].delete_policies = strv_copy(h[i].delete_policies, h[i].ndelete);
	}
	return out;
}

static bool has(char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

bool hooks_have(const struct release_hook *h, size_t n, const char *event)
{
	for (size_t i = 0; i < n; i++)
		if (has(h[i].events, h[i].nevents, event))
			return true;
	return false;
}

static void say(const struct hooks_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct hooks_opts *o, const char *fmt, ...)
{
	if (!o->on_line)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	o->on_line(s, o->ud);
	free(s);
}

static struct release_time now_time(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (struct release_time){ts.tv_sec, ts.tv_nsec, 0};
}

/* ---- running one hook ---- */

int hooks_delete_and_wait(struct kube_client *kc, const char *path, struct tops_err *err)
{
	char *del = xasprintf("%s?propagationPolicy=Background", path);
	long status = 0;
	int rc = rest_call(kc, "DELETE", del, NULL, NULL, &status, NULL, err);
	free(del);
	if (rc == -TOPS_ENOENT) {
		tops_err_clear(err);
		return 0;
	}
	for (int i = 0; rc == 0 && i < 300; i++) { /* gone within 30 s, as helm's wait for deletion */
		rc = rest_call(kc, "GET", path, NULL, NULL, &status, NULL, err);
		if (rc == -TOPS_ENOENT) {
			tops_err_clear(err);
			return 0;
		}
		rest_sleep(kc, 100);
	}
	return rc < 0 ? rc : tops_err_set(err, TOPS_ETIMEOUT, "%s was not deleted within 30s", path);
}

/* 1 when done, -1 failed (*why set), 0 still running. */
static int job_state(const struct value *job, char **why)
{
	const struct value *conds = value_map_path(job, "status.conditions");
	for (size_t i = 0; conds && conds->type == V_LIST && i < conds->u.list.len; i++) {
		const struct value *c = conds->u.list.items[i];
		const char *t = obj_str(c, "type"), *s = obj_str(c, "status");
		if (!t || !s || strcmp(s, "True"))
			continue;
		if (!strcmp(t, "Complete"))
			return 1;
		if (!strcmp(t, "Failed")) {
			*why = xasprintf("%s: %s", obj_str(c, "reason") ? obj_str(c, "reason") : "Failed",
					 obj_str(c, "message") ? obj_str(c, "message") : "");
			return -1;
		}
	}
	return 0;
}

static int pod_state(const struct value *pod, char **why)
{
	const char *phase = obj_str(pod, "status.phase");
	if (phase && !strcmp(phase, "Succeeded"))
		return 1;
	if (!phase || strcmp(phase, "Failed"))
		return 0;
	const struct value *cs = value_map_path(pod, "status.containerStatuses");
	const struct value *c0 = cs && cs->type == V_LIST && cs->u.list.len ? cs->u.list.items[0] : NULL;
	*why = xasprintf("pod phase Failed (container %s exit code %lld)", c0 ? obj_str(c0, "name") : "?",
			 (long long)obj_int(c0, "state.terminated.exitCode", -1));
	return -1;
}

/* Waits for a Job or Pod hook to end; other kinds end when created. */
static int wait_hook(struct kube_client *kc, const char *kind, const char *path, const struct hooks_opts *o,
		     char **why, struct tops_err *err)
{
	int (*state)(const struct value *, char **) = !strcmp(kind, "Job") ? job_state :
						      !strcmp(kind, "Pod") ? pod_state : NULL;
	long timeout = o->timeout_ms > 0 ? o->timeout_ms : 300000;
	for (long waited = 0; state; waited += 200) {
		struct value *obj = NULL;
		int rc = rest_call(kc, "GET", path, NULL, NULL, NULL, &obj, err);
		int st = rc == 0 ? state(obj, why) : rc;
		value_unref(obj);
		if (st != 0)
			return st;
		if (waited >= timeout || (o->abort && *o->abort)) {
			*why = xstrdup(waited >= timeout ? "timed out waiting for the condition" : "interrupted");
			return -1;
		}
		rest_sleep(kc, 200);
	}
	return 1;
}

int hooks_wait_object(struct kube_client *kc, const char *kind, const char *name, const char *path,
		      const struct hooks_opts *o, struct tops_err *err)
{
	char *why = NULL;
	int st = wait_hook(kc, kind, path, o, &why, err);
	int rc = st == 1 ? 0 : st == -1 ? tops_err_set(err, TOPS_EINVAL, "%s %s: %s", kind, name, why ? why : "failed") : st;
	free(why);
	return rc;
}

static bool policy(const struct release_hook *h, const char *p)
{
	if (!h->ndelete && !strcmp(p, "before-hook-creation"))
		return true; /* helm's default */
	return has(h->delete_policies, h->ndelete, p);
}

static int run_one(struct kube_client *kc, struct release_hook *h, const char *event,
		   const struct hooks_opts *o, struct tops_err *err)
{
	struct value *obj = yaml_load(h->manifest, strlen(h->manifest), h->path, NULL, NULL, err);
	if (!obj)
		return -TOPS_EINVAL;
	char *path = apply_object_path(obj, o->namespace_), *why = NULL;
	struct apply_opts ao = {.namespace_ = o->namespace_, .field_manager = "tops"};
	size_t applied = 0;
	int rc = policy(h, "before-hook-creation") ? hooks_delete_and_wait(kc, path, err) : 0;
	say(o, "running %s hook %s (%s/%s)", event, h->path, h->kind, h->name);
	h->started_at = now_time();
	free(h->last_phase);
	h->last_phase = xstrdup("Running");
	if (rc == 0)
		rc = apply_objects(kc, &obj, 1, &ao, &applied, err);
	int st = rc < 0 ? rc : wait_hook(kc, h->kind, path, o, &why, err);
	h->completed_at = now_time();
	free(h->last_phase);
	h->last_phase = xstrdup(st == 1 ? "Succeeded" : "Failed");
	struct tops_err e = {0};
	if ((st == 1 && policy(h, "hook-succeeded")) || (st != 1 && policy(h, "hook-failed")))
		hooks_delete_and_wait(kc, path, &e);
	tops_err_clear(&e);
	if (st == -1 && why)
		rc = tops_err_set(err, TOPS_EINVAL, "%s hook %s failed: %s %s: %s", event, h->path, h->kind,
				  h->name, why);
	else if (st < 0 && rc == 0)
		rc = st;
	else if (rc < 0)
		tops_err_prefix(err, "%s hook %s", event, h->path);
	say(o, "%s hook %s %s", event, h->path, st == 1 ? "succeeded" : "failed");
	free(why), free(path);
	value_unref(obj);
	return rc < 0 ? rc : st == 1 ? 0 : -TOPS_EINVAL;
}

int hooks_run(struct kube_client *kc, struct release_hook *h, size_t n, const char *event,
	      const struct hooks_opts *o, struct tops_err *err)
{
	struct release_hook **order = xcalloc(n + 1, sizeof *order);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (has(h[i].events, h[i].nevents, event))
			order[m++] = &h[i];
	for (size_t i = 1; i < m; i++) /* stable: by weight, then by name, as helm sorts them */
		for (size_t j = i; j > 0 && (order[j]->weight < order[j - 1]->weight ||
			(order[j]->weight == order[j - 1]->weight && strcmp(order[j]->name, order[j - 1]->name) < 0)); j--) {
			struct release_hook *t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	int rc = 0;
	for (size_t i = 0; i < m && rc == 0; i++)
		rc = run_one(kc, order[i], event, o, err);
	free(order);
	return rc;
}
