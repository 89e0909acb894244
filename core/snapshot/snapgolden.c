/* snapgolden — see snapgolden.h. */
#include "core/snapshot/snapgolden.h"
#include "core/snapshot/snaprecord.h"

#include "core/release/obj.h"
#include "core/release/rest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_REFRESH "make snapshot-refresh"

static void put(struct value *m, const char *k, const char *s)
{
	value_map_set(m, k, s ? value_str(s) : value_null());
}

struct value *snapgolden_parse_sums(const char *text)
{
	struct value *l = value_list();
	for (const char *p = text ? text : ""; *p;) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		size_t hex = 0;
		while (p + hex < end && isxdigit((unsigned char)p[hex]))
			hex++;
		if (hex == 64 && end - p > 66 && p[64] == ' ' && (p[65] == ' ' || p[65] == '*')) {
			struct value *m = value_map();
			value_map_set(m, "path", value_strn(p + 66, (size_t)(end - p - 66)));
			value_map_set(m, "sha256", value_strn(p, 64));
			value_list_push(l, m);
		}
		p = nl ? nl + 1 : end;
	}
	return l;
}

/* The runner workload: the first whose name has "runner" in it, else the first. */
static const struct value *runner_of(const struct value *rec)
{
	const struct value *wl = value_map_get(rec, "workloads");
	for (size_t i = 0; wl && wl->type == V_LIST && i < wl->u.list.len; i++)
		if (strstr(snaprecord_str(wl->u.list.items[i], "name", ""), "runner"))
			return wl->u.list.items[i];
	return value_list_get(wl, 0);
}

static char **split_argv(const char *cmd, size_t *n)
{
	char **argv = xcalloc(strlen(cmd) / 2 + 2, sizeof *argv);
	*n = 0;
	for (const char *p = cmd; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strcspn(p, " \t");
		if (len)
			argv[(*n)++] = xstrndup(p, len);
		p += len;
	}
	return argv;
}

static void free_argv(char **argv, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
}

static char *first_line(const char *s)
{
	size_t n = s ? strcspn(s, "\n") : 0;
	return xstrndup(s ? s : "", n > 200 ? 200 : n);
}

/* Runs argv; 0 with *out on exit status 0, else a reason in *why. */
static int run(struct kube_client *kc, const struct snapshot_take_opts *o, const char *pod, const char *cn,
	       const char *const *argv, char **out, char **why)
{
	char *so = NULL, *se = NULL;
	size_t sol = 0;
	int code = -1;
	struct tops_err e = {0};
	int rc = o->exec(kc, o->namespace_, pod, cn, argv, NULL, &so, &sol, &se, &code, &e);
	if (rc) {
		*why = xasprintf("exec %s in %s: %s", argv[0], pod, tops_err_msg(&e));
	} else if (code != 0) {
		char *l = first_line(se);
		*why = xasprintf("%s exited %d in %s%s%s", argv[0], code, pod, *l ? ": " : "", l);
		free(l);
		rc = -1;
	}
	tops_err_clear(&e);
	free(se);
	if (rc)
		free(so);
	else
		*out = so ? so : xstrdup("");
	return rc;
}

static struct value *golden_files(const char *listing)
{
	struct value *paths = value_list();
	for (const char *p = listing; *p;) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		while (p < end && isspace((unsigned char)*p))
			p++;
		const char *e = end;
		while (e > p && isspace((unsigned char)e[-1]))
			e--;
		if (e > p && *p == '/')
			value_list_push(paths, value_strn(p, (size_t)(e - p)));
		p = nl ? nl + 1 : end;
	}
	return paths;
}

static void collect_with(struct kube_client *kc, const struct snapshot_take_opts *o, struct value *g,
			 const char *pod, const char *cn, const char *cmd)
{
	size_t n;
	char **argv = split_argv(cmd, &n), *out = NULL, *why = NULL;
	if (!n || run(kc, o, pod, cn, (const char *const *)argv, &out, &why)) {
		put(g, "status", "failed");
		put(g, "reason", why ? why : "snapshot.refreshCommand is empty");
		free(why);
		free_argv(argv, n);
		return;
	}
	free_argv(argv, n);
	struct value *paths = golden_files(out);
	free(out);
	size_t np = paths->u.list.len;
	const char **sa = xcalloc(np + 2, sizeof *sa);
	sa[0] = "sha256sum";
	for (size_t i = 0; i < np; i++)
		sa[i + 1] = paths->u.list.items[i]->u.str.s;
	char *sums = NULL;
	if (np && run(kc, o, pod, cn, sa, &sums, &why)) {
		put(g, "status", "failed");
		put(g, "reason", why);
		free(why);
	} else {
		put(g, "status", "recorded");
		value_map_set(g, "files", snapgolden_parse_sums(sums));
		free(sums);
	}
	free(sa);
	value_unref(paths);
}

void snapgolden_collect(struct kube_client *kc, const struct snapshot_take_opts *o,
			const struct release *r, struct value *rec)
{
	struct value *g = value_map();
	value_map_set(rec, "golden", g);
	value_map_set(g, "files", value_list());
	const struct value *vals = value_map_path(rec, "release.values");
	const struct value *cv = value_map_get(vals, "snapshot.refreshCommand");
	const char *cmd = cv && cv->type == V_STRING && *cv->u.str.s ? cv->u.str.s : DEFAULT_REFRESH;
	put(g, "command", cmd);
	if (o->no_runner) {
		put(g, "status", "skipped");
		put(g, "reason", "--no-runner");
		return;
	}
	if (!o->exec) {
		put(g, "status", "unavailable");
		put(g, "reason", "this tops has no exec client (the runner's golden set needs the exec API)");
		return;
	}
	const struct value *w = runner_of(rec);
	const struct value *p0 = value_list_get(value_map_get(w, "pods"), 0);
	const char *pod = p0 && p0->type == V_STRING ? p0->u.str.s : NULL;
	const char *cn = snaprecord_str(value_list_get(value_map_get(w, "images"), 0), "container", NULL);
	if (!pod) {
		put(g, "status", "failed");
		put(g, "reason", "the release has no runner pod to run the refresh command in");
		return;
	}
	put(g, "pod", pod);
	put(g, "container", cn);
	collect_with(kc, o, g, pod, cn, cmd);
	(void)r;
}

static bool store_object(const struct value *d)
{
	const struct value *cv = value_map_get(value_map_path(d, "metadata.labels"), "app.kubernetes.io/component");
	const char *comp = cv && cv->type == V_STRING ? cv->u.str.s : NULL;
	const char *name = obj_str(d, "metadata.name") ?: "";
	if (comp && (!strcmp(comp, "object-storage") || !strcmp(comp, "objectstore") || !strcmp(comp, "minio") ||
		     !strcmp(comp, "s3")))
		return true;
	return strstr(name, "minio") || strstr(name, "objectstore") || strstr(name, "object-storage") ||
	       strstr(name, "s3-emulator");
}

/* Ready addresses of a Service's Endpoints; -1 when they cannot be read. */
static int endpoints_ready(struct kube_client *kc, const char *ns, const char *svc)
{
	char *path = xasprintf("/api/v1/namespaces/%s/endpoints/%s", ns, svc);
	struct value *ep = NULL;
	struct tops_err e = {0};
	int rc = rest_call(kc, "GET", path, NULL, NULL, NULL, &ep, &e);
	free(path);
	tops_err_clear(&e);
	if (rc)
		return -1;
	int n = 0;
	const struct value *subs = value_map_get(ep, "subsets");
	for (size_t i = 0; subs && subs->type == V_LIST && i < subs->u.list.len; i++) {
		const struct value *a = value_map_get(subs->u.list.items[i], "addresses");
		n += a && a->type == V_LIST ? (int)a->u.list.len : 0;
	}
	value_unref(ep);
	return n;
}

static int64_t workload_ready(const struct value *rec, const char *name)
{
	const struct value *wl = value_map_get(rec, "workloads");
	for (size_t i = 0; wl && wl->type == V_LIST && i < wl->u.list.len; i++)
		if (!strcmp(snaprecord_str(wl->u.list.items[i], "name", ""), name))
			return snaprecord_int(wl->u.list.items[i], "ready", 0);
	return -1;
}

void snapgolden_object_store(struct kube_client *kc, struct value *rec, const struct release *r,
			     struct value **docs, size_t ndocs)
{
	struct value *os = value_map();
	value_map_set(rec, "objectStore", os);
	const struct value *vals = value_map_path(rec, "release.values");
	const struct value *ev = vals ? value_map_get(vals, "objectStorage.endpoint") : NULL;
	const char *endpoint = ev && ev->type == V_STRING ? ev->u.str.s : NULL;
	const struct value *em = vals ? value_map_get(vals, "objectStorage.emulator.enabled") : NULL;
	bool emulator = em && em->type == V_STRING && !strcmp(em->u.str.s, "true");
	put(os, "endpoint", endpoint && *endpoint ? endpoint : NULL);
	const char *svc = NULL, *work = NULL;
	for (size_t i = 0; i < ndocs; i++) {
		if (!docs[i] || docs[i]->type != V_MAP || !store_object(docs[i]))
			continue;
		const char *kind = obj_str(docs[i], "kind") ?: "";
		if (!strcmp(kind, "Service") && !svc)
			svc = obj_str(docs[i], "metadata.name");
		if ((!strcmp(kind, "Deployment") || !strcmp(kind, "StatefulSet")) && !work)
			work = obj_str(docs[i], "metadata.name");
	}
	if (!svc && !work) {
		bool external = endpoint && *endpoint;
		put(os, "status", external ? "external (not checked)" : emulator ? "unreachable" : "not configured");
		if (external)
			put(os, "detail", "the release bundles no object store; its endpoint is outside the cluster's view");
		else if (emulator)
			put(os, "detail", "objectStorage.emulator.enabled is true but the release has no emulator objects");
		return;
	}
	int64_t ready = work ? workload_ready(rec, work) : -1;
	int eps = svc ? endpoints_ready(kc, r->namespace_, svc) : -1;
	bool ok = (!work || ready > 0) && (!svc || eps > 0);
	put(os, "status", ok ? "reachable" : "unreachable");
	value_map_set(os, "detail", value_strf("%s%s: %lld ready pod(s); %s%s: %d ready endpoint(s)",
					       work ? "workload " : "no workload", work ? work : "", (long long)(ready < 0 ? 0 : ready),
					       svc ? "Service " : "no Service", svc ? svc : "", eps < 0 ? 0 : eps));
}
