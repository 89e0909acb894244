/* openapi — the component schemas kubesim serves in its /openapi/v3 group documents, and the
 * way it serves them (as kube-openapi's handler3 does).
 *
 * With --openapi-schemas DIR kubesim reads standalone JSON schemas in kubeconform's layout
 * (kind[-group]-version.json, each with x-kubernetes-group-version-kind; read in place) and
 * turns each into OpenAPI v3 components the way the API server publishes them: the kind's
 * component (io.k8s.api.GROUP.VERSION.Kind) refers to ObjectMeta, KindSpec, KindStatus and
 * PodTemplateSpec through "allOf": [{"$ref"}] wrappers with "default": {}; int-or-string and
 * quantity unions become IntOrString and Quantity components; "null" leaves the type lists.
 * Without it the documents have no schemas (kubectl validates on the server anyway).
 */
#ifndef KUBESIM_OPENAPI_H
#define KUBESIM_OPENAPI_H

#include "tests/kubesim/srv.h"
#include "core/base/value.h"

/* Loads every *.json schema of dir. 0, or -1 with err naming the file. */
int openapi_load_dir(const char *dir, struct tops_err *err);

/* The components.schemas of group/version ("" for the core group): a new reference to a map
 * (empty when nothing was loaded for it). */
struct value *openapi_components(const char *group, const char *version);

/* The hash a serverRelativeURL carries for a document's JSON (hex, upper case). Caller frees. */
char *openapi_hash(const char *json, size_t len);

/* Answers GET /openapi/v3/KEY[?hash=H] with json as handler3 does: ETag (quoted hash); with a
 * hash that matches, Cache-Control "public, immutable" and an Expires a year on; with a hash
 * that does not, 301 to the current URL. Counts the request in sim_stats. */
void openapi_reply_doc(struct srv_conn *c, const struct srv_req *r, const char *key, const char *json);

/* A group document's JSON, built once (documents do not change while kubesim runs): build is
 * called the first time with group and version. Borrowed. */
const char *openapi_doc_json(const char *group, const char *version,
			     struct value *(*build)(const char *group, const char *version));

/* Requests for /openapi/v3 (the listing) and its documents served so far. */
extern unsigned long openapi_root_requests, openapi_doc_requests;

#endif
