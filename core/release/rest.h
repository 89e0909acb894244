/* rest — the engine's API calls: one or many requests on the client's loop, bounded in
 * parallel (they share the client's connections: streams of one HTTP/2 connection where the
 * server speaks it), each retried with backoff on transient failures (connection errors,
 * 429, 500, 502, 503, 504). Writes the engine makes are idempotent (server-side apply, deletes
 * of named objects, updates guarded by resourceVersion), so a retry is safe.
 *
 * Blocking for the caller; the loop runs meanwhile, so timers on it (the lease renewal, the
 * watches of a wait) go on. Only for a client whose loop is not already running.
 */
#ifndef TOPS_REST_H
#define TOPS_REST_H

#include "core/kube/kube.h"

struct rest_op {
	/* in (borrowed for the call) */
	const char *method;          /* "GET", "PATCH", ... */
	const char *path;            /* API path with query */
	const char *body;            /* NULL: none */
	const char *content_type;
	/* out */
	long status;                 /* HTTP status; 0 when no reply arrived */
	char *response;              /* body (caller frees); NULL when none */
	int rc;                      /* 0, or the negative code of a transport failure */
	struct tops_err err;         /* words for a transport failure or an error status */
	int attempts;
};

/* The retry policy: attempts in all (default 5) and the first backoff (default 200 ms,
 * doubling, with jitter, capped at 5 s; a 429's Retry-After is not visible here, so 429 waits
 * at least 1 s). */
struct rest_policy {
	int attempts;
	long backoff_ms;
	int parallel;                /* requests in flight at once (default 16) */
};

/* Runs every op, at most policy->parallel at a time (policy NULL: defaults). Returns 0 when
 * all got a reply (check each op's status), else the first transport failure's code; every
 * op's fields are filled either way. Free the responses with rest_ops_done(). */
int rest_run(struct kube_client *kc, struct rest_op *ops, size_t n, const struct rest_policy *policy);
void rest_ops_done(struct rest_op *ops, size_t n);

/* One request, retried as rest_run() does. *out (NULL allowed) gets the parsed JSON reply of a
 * 2xx status. Returns 0 on 2xx; otherwise a negative code with err worded from the Kubernetes
 * Status (-TOPS_ENOENT for 404, -TOPS_ECONFLICT for 409, -TOPS_EAUTH for 401/403,
 * -TOPS_EHTTP otherwise) and *status set. */
int rest_call(struct kube_client *kc, const char *method, const char *path, const char *body,
	      const char *content_type, long *status, struct value **out, struct tops_err *err);

/* Waits ms on the client's loop (timers on it keep running). */
void rest_sleep(struct kube_client *kc, long ms);

/* A transient status worth a retry (429, 500, 502, 503, 504). */
bool rest_transient(long status);

#endif
