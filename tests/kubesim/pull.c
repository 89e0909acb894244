/* pull — the kubelet's words for an image pull that fails (containerd's), by cause: a registry
 * the site cannot reach (not in allowedRegistries: the name does not resolve offline), a digest
 * or tag the registry does not hold (not in mirrorDigests), a private registry without
 * imagePullSecrets (privateRegistries). */
#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/ctrl_int.h"

/* "docker.io/library/nginx:latest" as containerd names a reference. */
static char *full_ref(const char *image, char **reg, char **repo, char **tag)
{
	const char *slash = strchr(image, '/');
	size_t n = slash ? (size_t)(slash - image) : 0;
	bool host = slash && (memchr(image, '.', n) || memchr(image, ':', n) || (n == 9 && !strncmp(image, "localhost", 9)));
	*reg = host ? xstrndup(image, n) : xstrdup("docker.io");
	const char *path = host ? slash + 1 : image;
	const char *at = strchr(path, '@');
	size_t plen = at ? (size_t)(at - path) : strlen(path);
	const char *colon = memrchr(path, ':', plen);
	if (colon && memchr(colon, '/', plen - (size_t)(colon - path)))
		colon = NULL;
	size_t rlen = colon ? (size_t)(colon - path) : plen;
	char *r = xstrndup(path, rlen);
	*repo = !host && !strchr(r, '/') ? xasprintf("library/%s", r) : xstrdup(r);
	free(r);
	*tag = at ? xstrdup(at + 1) : colon ? xstrndup(colon + 1, plen - rlen - 1) : xstrdup("latest");
	return xasprintf("%s/%s%s%s", *reg, *repo, at ? "@" : ":", *tag);
}

static bool listed(const struct value *l, const char *s)
{
	for (size_t i = 0; l && l->type == V_LIST && i < l->u.list.len; i++)
		if (l->u.list.items[i]->type == V_STRING && strcmp(l->u.list.items[i]->u.str.s, s) == 0)
			return true;
	return false;
}

static bool has_pull_secrets(const struct value *pod)
{
	const struct value *s = value_map_path(pod, "spec.imagePullSecrets");
	return s && s->type == V_LIST && s->u.list.len;
}

char *image_pull_error(const struct value *pod, const char *image)
{
	const char *why;
	char *reg, *repo, *tag, *ref = full_ref(image ? image : "", &reg, &repo, &tag), *msg = NULL;
	bool ok = image_pullable(image, &why);
	const char *kind = ok ? NULL : strstr(why, "registry") ? "host" : strstr(why, "digest") ? "missing" : "invalid";
	if (!kind && listed(sim_cfg.private_registries, reg) && !has_pull_secrets(pod))
		kind = "auth";
	if (!kind)
		;
	else if (!strcmp(kind, "host"))
		msg = xasprintf("rpc error: code = Unknown desc = failed to pull and unpack image \"%s\": failed to resolve "
				"reference \"%s\": failed to do request: Head \"https://%s/v2/%s/manifests/%s\": dial tcp: "
				"lookup %.*s on 10.96.0.10:53: no such host", ref, ref, reg, repo, tag,
				(int)strcspn(reg, ":"), reg);
	else if (!strcmp(kind, "missing"))
		msg = xasprintf("rpc error: code = NotFound desc = failed to pull and unpack image \"%s\": failed to "
				"resolve reference \"%s\": %s: not found", ref, ref, ref);
	else if (!strcmp(kind, "auth"))
		msg = xasprintf("rpc error: code = Unknown desc = failed to pull and unpack image \"%s\": failed to "
				"resolve reference \"%s\": pull access denied, repository does not exist or may require "
				"authorization: server message: insufficient_scope: authorization failed", ref, ref);
	else
		msg = xasprintf("%s", why);
	free(reg);
	free(repo);
	free(tag);
	free(ref);
	return msg;
}
