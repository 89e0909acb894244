/* api — the Kubernetes REST surface: routing, discovery, CRUD, lists with pagination,
 * metav1.Status errors. Also the reply helpers shared by the other request handlers. */
#ifndef KUBESIM_API_H
#define KUBESIM_API_H

#include "tests/kubesim/srv.h"
#include "tests/kubesim/db.h"

/* Top-level request handler and per-request delay (latency fault) for srv_listen(). */
void api_handle(struct srv_conn *c, const struct srv_req *r);
unsigned api_delay(const struct srv_req *r);

/* Replies with a metav1.Status for err (its code picks HTTP status and reason). */
void api_reply_err(struct srv_conn *c, const struct tops_err *err, int kind, const char *name);
/* Replies with a Status of the given HTTP code, reason and message. */
void api_reply_status(struct srv_conn *c, int code, const char *reason, const char *msg);
/* Replies with v as JSON (v borrowed). */
void api_reply_value(struct srv_conn *c, int code, const struct value *v);
/* metav1.Status as a value; new reference. */
struct value *api_status_value(int code, const char *reason, const char *msg);
/* HTTP status and reason for a tops_err code. */
int api_err_http(int code, const char **reason);

/* Parses a request body as JSON, or YAML for *yaml content types. New reference or NULL. */
struct value *api_parse_body(const struct srv_req *r, struct tops_err *err);

/* Admin endpoints under /sim/v1 (admin.c). */
void admin_handle(struct srv_conn *c, const struct srv_req *r);
/* Discovery and OpenAPI documents (discovery.c); returns false when path is not theirs. */
bool discovery_handle(struct srv_conn *c, const struct srv_req *r);

#endif
