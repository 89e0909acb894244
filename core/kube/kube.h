/* kube — the Kubernetes resource kinds tops knows, API paths, label/field selectors, and a small
 * client object that bundles the kubeconfig with core/http (async calls for the console and
 * blocking ones for CLI commands).
 */
#ifndef TOPS_KUBE_H
#define TOPS_KUBE_H

#include "core/kube/http.h"
#include "core/kube/kubeconfig.h"
#include "core/base/options.h"
#include "core/base/value.h"

enum kube_kind {
	KK_POD,
	KK_PVC,
	KK_DEPLOYMENT,
	KK_REPLICASET,
	KK_STATEFULSET,
	KK_SERVICE,
	KK_EVENT,
	KK_DAEMONSET,
	KK__COUNT
};

struct kube_kind_info {
	enum kube_kind kind;
	const char *resource;      /* plural resource name: "pods" */
	const char *singular;      /* "pod" */
	const char *kind_name;     /* "Pod" */
	const char *group;         /* "" for the core group, "apps" ... */
	const char *version;       /* "v1" */
	const char *name_prefix;   /* -o name prefix: "pod", "deployment.apps" */
	const char *aliases[6];    /* short names and other accepted spellings, NULL-terminated */
};

/* Static table entry for a kind (never NULL for a valid kind). */
const struct kube_kind_info *kube_kind_info(enum kube_kind k);
/* Resolves what a user typed (kubectl's names and aliases: po, pods, pvc, deploy, rs, sts, svc,
 * ev, "deployments.apps", ...). NULL when unknown. Case-insensitive. */
const struct kube_kind_info *kube_kind_lookup(const char *name);

/* API path of a collection or object: "/api/v1/namespaces/NS/pods[/NAME][?QUERY]".
 * ns NULL or "" means all namespaces; name and query may be NULL. Caller frees. */
char *kube_path(enum kube_kind k, const char *ns, const char *name, const char *query);
/* Percent-encodes s for a URL query value into sb. */
void kube_query_escape(struct strbuf *sb, const char *s);
/* The continue token of a list page read from its raw text, before the page is parsed (to ask
 * for the next page meanwhile): only when `"continue":"` occurs exactly once and the token has
 * no escapes; NULL otherwise. Callers use the request made with it only when the parsed token
 * agrees. Caller frees. */
char *kube_scan_continue(const char *body, size_t len);

/* Label selectors (kubectl's syntax: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a, comma
 * separated) and field selectors (f=v, f==v, f!=v). */
struct kube_selector;
/* Parses s. *out is NULL for an empty selector (matches everything); caller frees with
 * kube_selector_free(). Error: -TOPS_EINVAL with the position in the message. */
int kube_selector_parse(const char *s, bool field, struct kube_selector **out, struct tops_err *err);
void kube_selector_free(struct kube_selector *sel);
/* Looks a key up for matching: returns the value (borrowed) or NULL when absent. */
typedef const char *(*kube_lookup_fn)(const void *obj, const char *key);
/* True when obj satisfies every requirement (sel NULL matches everything). */
bool kube_selector_match(const struct kube_selector *sel, kube_lookup_fn lookup, const void *obj);

/* A client for one cluster: kubeconfig + http on a loop. */
struct kube_client {
	uv_loop_t *loop;
	struct http *http;
	struct kubeconfig *kc;      /* owned */
	struct http_tls tls;        /* points into kc */
	long request_timeout_ms;    /* from --request-timeout; 0: none */
	bool own_loop;
};

/* Loads the kubeconfig (with the overrides in opts) and creates the client on loop (NULL: a
 * private loop owned by the client, for CLI commands). Caller frees with kube_client_free().
 * Errors are the kubeconfig's ("~/.kube/config:12:3: ...") or http's. */
int kube_client_new(uv_loop_t *loop, const struct tops_opts *opts, struct kube_client **out,
		    struct tops_err *err);
/* Cancels pending requests and frees the client (runs a private loop to completion). */
void kube_client_free(struct kube_client *c);
/* The namespace to use when none was given: -n, else the context's, else "default". Borrowed. */
const char *kube_client_namespace(const struct kube_client *c);

/* Starts an async request against the API server: fills url, auth and TLS into a copy of *rq
 * (rq->url is the API path, e.g. from kube_path()). NULL with err set on failure.
 * Exec credential plugins never block the loop: when the cached credential is missing or has
 * fewer than KUBECONFIG_EXEC_MARGIN seconds left, the plugin is started on the client's loop
 * and the request is returned held; every request made meanwhile waits for the same run. When
 * it ends the requests go out with the new credential, or end with on_done err -TOPS_EAUTH
 * and the plugin's error ("exec plugin CMD failed (exit status 1): <first stderr line>").
 * A 401 reply to a plugin user refreshes the credential and sends the request once more;
 * only a second 401 reaches on_done. http_cancel() works on held requests too. */
struct http_req *kube_request(struct kube_client *c, const struct http_request *rq,
			      struct tops_err *err);

/* Blocking request for CLI commands: runs the client's loop until the reply. *status gets the
 * HTTP status and *response the body (caller frees; may be NULL). Returns 0 when a reply arrived
 * (any status), or a negative code with err set (network, timeout, oversized reply). An HTTP
 * error status sets err from the Kubernetes Status message but still returns 0. Only for
 * clients with a private loop (or when the caller's loop is not running). */
int kube_request_sync(struct kube_client *c, const char *method, const char *path,
		      const char *body, const char *content_type, long *status, char **response,
		      struct tops_err *err);

/* Blocking GET of an API path, parsed as JSON into *out (new reference). A non-2xx reply is an
 * error worded from its Status (-TOPS_ENOENT for 404, so callers can treat "absent" apart);
 * a body that is not JSON is -TOPS_EINVAL naming the path. */
int kube_get_json(struct kube_client *c, const char *path, struct value **out, struct tops_err *err);

/* Describes a failed reply in words: the Kubernetes Status "message" when the body is one,
 * else "server returned HTTP NNN". Sets err (code TOPS_EHTTP, TOPS_ENOENT for 404, TOPS_EGONE
 * for 410, TOPS_EAUTH for 401/403, TOPS_ECONFLICT for 409) and returns the negative code. */
int kube_status_error(long status, const char *body, struct tops_err *err);

/* Opens a raw connection to the API server for an HTTP/1.1 Upgrade (exec, port-forward) with
 * the client's TLS, proxy and credentials, and writes into *head the start of the request the
 * caller completes and sends: "METHOD PREFIX+path HTTP/1.1\r\nHost: ...\r\nAuthorization: ...
 * \r\nUser-Agent: ...\r\n" (the caller adds its own headers and the blank line). path is an API
 * path with its query. Blocking (connect and TLS; an exec credential plugin runs first when its
 * credential is stale). Caller frees *conn with http_conn_free() and *head. Errors are the
 * connection's (-TOPS_ENET naming the URL) or the credential's (-TOPS_EAUTH). */
int kube_conn_open(struct kube_client *c, const char *method, const char *path,
		   struct http_conn **conn, char **head, struct tops_err *err);

#endif
