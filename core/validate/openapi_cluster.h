/* openapi_cluster — the schemas a cluster serves (GET /openapi/v3 and its group-version
 * documents), fetched only for the group-versions asked for, in parallel, and cached on disk.
 *
 * The cache is $XDG_CACHE_HOME/tops/openapi/ (else ~/.cache/tops/openapi/), one folder per
 * server gitVersion (from /version):
 *   GITVERSION/root-SERVER.json      the /openapi/v3 listing of one server (host_port), reused
 *                                    for root_ttl_s seconds (its mtime), then fetched again
 *   GITVERSION/GV-HASH.json          a group-version document ("apis_apps_v1-<hash>.json"),
 *                                    keyed by the hash in its serverRelativeURL: the server
 *                                    serves that URL as immutable, so it is never fetched again
 * Files are written atomically (temp + rename). A cache file that does not parse is ignored
 * with a warning and fetched again. A kind missing from a cached listing makes the listing be
 * fetched once more (a CRD installed since).
 *
 * Blocking: for clients with a private loop (CLI commands, a worker thread's own client).
 */
#ifndef TOPS_OPENAPI_CLUSTER_H
#define TOPS_OPENAPI_CLUSTER_H

#include "core/kube/kube.h"
#include "core/validate/jsonschema.h"

struct openapi_cluster_opts {
	const char *cache_dir;     /* NULL: $XDG_CACHE_HOME/tops/openapi (~/.cache/tops/openapi) */
	long root_ttl_s;           /* 0: 300; < 0: always fetch the listing */
	/* Warnings (a corrupt cache file, a cache that cannot be written); NULL: stderr as
	 * "tops: warning: ...". msg borrowed. */
	void (*warn)(const char *msg, void *ud);
	void *ud;
};

/* What one session did, for tests and --debug. */
struct openapi_cluster_stats {
	size_t root_fetched, root_cached;   /* listings fetched / read from the cache */
	size_t docs_fetched, docs_cached;   /* group-version documents */
};

struct openapi_cluster;

/* Reads /version and the /openapi/v3 listing (cached or fetched) through kc (borrowed; must
 * outlive *out). -TOPS_ENOENT with err "the server has no /openapi/v3 ..." when it answers 404
 * (an old or minimal API server); other failures as kube_request_sync()'s. Caller frees with
 * openapi_cluster_free(). */
int openapi_cluster_open(struct kube_client *kc, const struct openapi_cluster_opts *o,
			 struct openapi_cluster **out, struct tops_err *err);
void openapi_cluster_free(struct openapi_cluster *oc);

/* Loads the documents of these apiVersions ("v1", "apps/v1", repeats allowed): from the cache,
 * the rest fetched at once, in parallel. apiVersions the server does not list are left out
 * (openapi_cluster_schema reports them missing). 0, or the first failure (the others loaded). */
int openapi_cluster_prefetch(struct openapi_cluster *oc, const char *const *api_versions, size_t n,
			     struct tops_err *err);

/* The compiled schema of kind in apiVersion (strict: unknown fields refused), loading its
 * document when needed. Borrowed: valid until openapi_cluster_free(). NULL with *missing set
 * when the cluster has no schema for it, NULL with err on a fetch or schema failure. *url
 * (borrowed, may be NULL) gets the document's URL for messages. */
const struct jsonschema *openapi_cluster_schema(struct openapi_cluster *oc, const char *api_version,
						const char *kind, bool strict, const char **url,
						bool *missing, struct tops_err *err);

/* The server's gitVersion ("v1.32.4"), borrowed. */
const char *openapi_cluster_version(const struct openapi_cluster *oc);
/* The cache folder used for this server's version (borrowed). */
const char *openapi_cluster_dir(const struct openapi_cluster *oc);
void openapi_cluster_get_stats(const struct openapi_cluster *oc, struct openapi_cluster_stats *st);

/* The apiVersions of a YAML stream's documents, read from their top-level "apiVersion:" lines
 * without parsing (for openapi_cluster_prefetch before validating). Appends new strings to
 * *out (caller frees each and the array). */
void openapi_scan_api_versions(const char *text, size_t len, char ***out, size_t *n);

#endif
