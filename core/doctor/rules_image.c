/* rules_image — the image rules: registry against the configured mirror, digest against the
 * release notes, and pull errors decoded from the kubelet's message. */
#include "core/doctor/rules.h"

#include <stdlib.h>
#include <string.h>

typedef void (*container_fn)(const struct doctor_input *in, const struct st_pod *p,
			     const struct st_container *c, struct doctor_report *out);

static void each_container(const struct doctor_input *in, container_fn fn, struct doctor_report *out)
{
	size_t n = 0;
	const union st_record **pods = in->store ? store_list(in->store, KK_POD, &n) : NULL;
	for (size_t i = 0; i < n; i++) {
		const struct st_pod *p = &pods[i]->pod;
		if (!doc_in_scope(in, &p->meta) || p->meta.deleted)
			continue;
		for (uint32_t j = 0; j < p->ninit; j++)
			fn(in, p, &p->init[j], out);
		for (uint32_t j = 0; j < p->ncontainers; j++)
			fn(in, p, &p->containers[j], out);
	}
	free(pods);
}

static bool pulling_fails(const struct st_container *c)
{
	return c->cur.state == ST_WAITING && (strcmp(c->cur.reason, "ErrImagePull") == 0 ||
					      strcmp(c->cur.reason, "ImagePullBackOff") == 0);
}

/* ---- image-registry ---- */

static void registry_one(const struct doctor_input *in, const struct st_pod *p,
			 const struct st_container *c, struct doctor_report *out)
{
	char *reg = doctor_image_registry(c->image);
	if (strcmp(reg, in->registry) != 0) {
		const char *key = in->registry_key ? in->registry_key : "global.imageRegistry";
		char *cause = xasprintf("image %s (container %s) comes from %s, not from the registry %s that %s "
					"configures%s", c->image, c->name, reg, in->registry, key,
					pulling_fails(c) ? ": the pull fails" : "");
		char *set = xasprintf("%s=%s", key, in->registry);
		char *fix = doc_upgrade(in, doc_release_of(in, &p->meta), p->meta.namespace_, set);
		doctor_add(out, "image-registry", pulling_fails(c) ? DOC_ERROR : DOC_WARNING, "pod",
			   p->meta.namespace_, p->meta.name, cause, fix, NULL, NULL);
		free(cause);
		free(set);
		free(fix);
	}
	free(reg);
}

void rule_image_registry(const struct doctor_input *in, struct doctor_report *out)
{
	if (in->registry && *in->registry)
		each_container(in, registry_one, out);
}

/* ---- image-digest ---- */

static const char *pin_version(const struct doctor_input *in)
{
	return in->chart_version ? in->chart_version : in->app_version ? in->app_version : "the newest release";
}

static void digest_one(const struct doctor_input *in, const struct st_pod *p,
		       const struct st_container *c, struct doctor_report *out)
{
	const char *at = strstr(c->image, "@sha256:");
	if (!at)
		return;
	char *repo = doctor_image_repo(c->image);
	const struct doctor_pin *pin = doctor_pin_find(in->pins, repo, in->chart_version, in->app_version);
	if (pin && strcmp(pin->digest, at + 1) != 0) {
		const char *base = strrchr(repo, '/') ? strrchr(repo, '/') + 1 : repo;
		char *cause = xasprintf("image %s (container %s) is pinned to %.19s..., but the release notes "
					"(%s) pin %s to %s for %s", c->image, c->name, at + 1, in->pins->file,
					repo, pin->digest, pin_version(in));
		char *set = xasprintf("%s.image.digest=%s", base, pin->digest);
		char *fix = doc_upgrade(in, doc_release_of(in, &p->meta), p->meta.namespace_, set);
		doctor_add(out, "image-digest", DOC_ERROR, "pod", p->meta.namespace_, p->meta.name, cause,
			   fix, NULL, NULL);
		free(cause);
		free(set);
		free(fix);
	}
	free(repo);
}

void rule_image_digest(const struct doctor_input *in, struct doctor_report *out)
{
	if (in->pins && in->pins->n)
		each_container(in, digest_one, out);
}

/* ---- image-pull ---- */

enum pull_class { PULL_NOTFOUND, PULL_UNAUTH, PULL_NOHOST, PULL_OTHER };

/* What the kubelet's (containerd's, CRI-O's, docker's) words say, first match wins. */
static const struct { const char *needle; enum pull_class cls; } pull_words[] = {
	{"no such host", PULL_NOHOST}, {"no route to host", PULL_NOHOST}, {"i/o timeout", PULL_NOHOST},
	{"connection refused", PULL_NOHOST}, {"dial tcp", PULL_NOHOST},
	{"unauthorized", PULL_UNAUTH}, {"authorization failed", PULL_UNAUTH},
	{"pull access denied", PULL_UNAUTH}, {"401", PULL_UNAUTH}, {"403 Forbidden", PULL_UNAUTH},
	{"denied", PULL_UNAUTH},
	{"not found", PULL_NOTFOUND}, {"manifest unknown", PULL_NOTFOUND}, {"NotFound", PULL_NOTFOUND},
	{"does not exist", PULL_NOTFOUND},
};

static enum pull_class pull_classify(const char *msg)
{
	for (size_t i = 0; i < ARRAY_LEN(pull_words); i++)
		if (strcasestr(msg, pull_words[i].needle))
			return pull_words[i].cls;
	return PULL_OTHER;
}

/* The kubelet's own words: the ErrImagePull message, else the newest "Failed to pull" event. */
static const char *pull_message(const struct doctor_input *in, const struct st_pod *p,
				const struct st_container *c)
{
	if (str_has_prefix(c->cur.message, "Failed to pull") || strstr(c->cur.message, "rpc error"))
		return c->cur.message;
	char *want = xasprintf("Failed to pull image \"%s\"", c->image);
	const struct st_event *e = doc_event(in, "Pod", p->meta.namespace_, p->meta.name, "Failed", want);
	free(want);
	return e ? e->message : c->cur.message;
}

static char *pull_fix(const struct doctor_input *in, const struct st_pod *p, const char *image,
		      enum pull_class cls)
{
	const char *ns = p->meta.namespace_, *rel = doc_release_of(in, &p->meta);
	char *reg = doctor_image_registry(image), *repo = doctor_image_repo(image), *fix, *set;
	const struct doctor_pin *pin = doctor_pin_find(in->pins, repo, in->chart_version, in->app_version);
	bool other = in->registry && *in->registry && strcmp(reg, in->registry) != 0;
	if (cls == PULL_UNAUTH) {
		set = xasprintf("global.imagePullSecrets={%.*s-pull}", (int)strcspn(reg, ":"), reg);
		char *up = doc_upgrade(in, rel, ns, set);
		fix = xasprintf("kubectl -n %s create secret docker-registry %.*s-pull --docker-server=%s "
				"--docker-username=USER --docker-password=PASSWORD && %s", ns,
				(int)strcspn(reg, ":"), reg, reg, up);
		free(up);
	} else if (other || (cls == PULL_NOTFOUND && pin && !strstr(image, pin->digest))) {
		const char *base = strrchr(repo, '/') ? strrchr(repo, '/') + 1 : repo;
		set = other ? xasprintf("%s=%s", in->registry_key ? in->registry_key : "global.imageRegistry",
					in->registry)
			    : xasprintf("%s.image.digest=%s", base, pin->digest);
		fix = doc_upgrade(in, rel, ns, set);
	} else if (cls == PULL_NOTFOUND) {
		set = NULL;
		fix = xasprintf("skopeo list-tags docker://%s/%s (the tags the registry holds: mirror the "
				"missing one, or set one the release notes pin)", reg, repo);
	} else if (cls == PULL_NOHOST) {
		set = NULL;
		fix = xasprintf("getent hosts %.*s (on the node: the registry's name does not resolve or "
				"answer; use the mirror with --set global.imageRegistry=MIRROR)",
				(int)strcspn(reg, ":"), reg);
	} else {
		set = NULL;
		fix = xasprintf("kubectl -n %s describe pod %s", ns, p->meta.name);
	}
	free(set);
	free(reg);
	free(repo);
	return fix;
}

static const char *const class_words[] = {
	[PULL_NOTFOUND] = "the registry has no such image (tag or digest not found)",
	[PULL_UNAUTH] = "the registry refused the pull (unauthorized: no or wrong imagePullSecrets)",
	[PULL_NOHOST] = "the registry cannot be reached (no such host: air-gapped or wrong name)",
	[PULL_OTHER] = "the image cannot be pulled",
};

static void pull_one(const struct doctor_input *in, const struct st_pod *p,
		     const struct st_container *c, struct doctor_report *out)
{
	if (!pulling_fails(c))
		return;
	const char *msg = pull_message(in, p, c);
	enum pull_class cls = pull_classify(msg);
	char *cause = xasprintf("%s: container %s, image %s (%s: %s)", class_words[cls], c->name, c->image,
				c->cur.reason, msg);
	char *fix = pull_fix(in, p, c->image, cls);
	doctor_add(out, "image-pull", DOC_ERROR, "pod", p->meta.namespace_, p->meta.name, cause, fix, NULL, NULL);
	free(cause);
	free(fix);
}

void rule_image_pull(const struct doctor_input *in, struct doctor_report *out)
{
	each_container(in, pull_one, out);
}
