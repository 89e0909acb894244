/* api — the route handlers: bodies checked, then a call into the operations, the reads or the
 * health cache. */
#include "serve/serve_int.h"

#include "serve/body.h"

#include "core/base/timefmt.h"
#include "core/chart/strvals.h"
#include "core/release/engine.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct body_field preview_fields[] = {
	{"chart", BT_STRING}, {"values", BT_OBJECT}, {"set", BT_STRINGS}, {"release", BT_STRING},
	{"namespace", BT_STRING}, {"ttl", BT_STRING}, {"dryRun", BT_BOOL}, {"timeout", BT_STRING},
};
static const struct body_field rollback_fields[] = {
	{"revision", BT_INT}, {"namespace", BT_STRING}, {"timeout", BT_STRING},
};
static const struct body_field seed_fields[] = {{"release", BT_STRING}, {"namespace", BT_STRING}};

static const char *ns_or_default(struct server *sv, const char *ns)
{
	return ns && *ns ? ns : kube_client_namespace(sv->kc);
}

static bool is_json(const struct req *rq)
{
	const char *ct = sb_str(&rq->content_type);
	return !*ct || !strncasecmp(ct, "application/json", 16);
}

static bool is_gzip(const struct req *rq)
{
	const char *ct = sb_str(&rq->content_type);
	return !strncasecmp(ct, "application/gzip", 16) || !strncasecmp(ct, "application/x-gzip", 18);
}

/* The JSON body against its fields; NULL after answering 400 or 415. */
static struct value *json_body(struct conn *c, const struct body_field *f, size_t n)
{
	const struct req *rq = conn_req(c);
	if (!is_json(rq)) {
		api_error(c, 415, NULL, NULL, "Content-Type %s: send application/json", sb_str(&rq->content_type));
		return NULL;
	}
	struct tops_err err = {0};
	struct value *b = body_parse(rq->body.buf ? rq->body.buf : "", rq->body.len, f, n, &err);
	if (!b)
		api_error(c, 400, NULL, NULL, "%s", tops_err_msg(&err));
	tops_err_clear(&err);
	return b;
}

void api_health(struct server *sv, struct conn *c, const char *arg, const char *actor)
{
	bool ready;
	char *j = health_json(sv->health, &ready);
	api_json(c, ready ? 200 : 503, j);
	free(j);
}

/* ---- preview ---- */

struct preview {
	const char *release, *ns, *chart;
	char *chart_path, *tmpdir;
	struct value *values;
	long ttl_s, timeout_ms;
	bool dry_run;
};

/* values + set into one map; false after answering 400. */
static bool preview_values(struct conn *c, const struct value *b, struct preview *p)
{
	struct value *v = value_map_get(b, "values"), *set = value_map_get(b, "set");
	p->values = v ? value_copy(v) : value_map();
	for (size_t i = 0; set && i < set->u.list.len; i++) {
		struct tops_err err = {0};
		if (strvals_parse_into(STRVALS_SET, set->u.list.items[i]->u.str.s, p->values, NULL, NULL, &err) < 0) {
			api_error(c, 400, NULL, NULL, "set[%zu]: %s", i, tops_err_msg(&err));
			tops_err_clear(&err);
			return false;
		}
	}
	return true;
}

static bool preview_durations(struct conn *c, const char *ttl, const char *timeout, struct preview *p)
{
	long t = ttl ? time_parse_duration_ms(ttl) : 0, to = timeout ? time_parse_duration_ms(timeout) : 300000;
	if (t < 0 || to <= 0) {
		api_error(c, 400, NULL, NULL, "%s \"%s\" is not a duration such as 30m or 1h30m",
			  t < 0 ? "ttl" : "timeout", t < 0 ? ttl : timeout);
		return false;
	}
	p->ttl_s = t / 1000, p->timeout_ms = to;
	return true;
}

static bool preview_names(struct server *sv, struct conn *c, struct preview *p)
{
	if (!p->release || !engine_valid_name(p->release)) {
		api_error(c, 400, NULL, NULL, p->release ? "release \"%s\" is not a valid name (DNS-1123, at most "
			  "53 characters)" : "field \"release\" is required%s", p->release ? p->release : "");
		return false;
	}
	p->ns = ns_or_default(sv, p->ns);
	if (!engine_valid_name(p->ns)) {
		api_error(c, 400, NULL, NULL, "namespace \"%s\" is not a valid name", p->ns);
		return false;
	}
	return true;
}

static bool preview_chart(struct server *sv, struct conn *c, struct preview *p)
{
	struct tops_err err = {0};
	int rc;
	const struct req *rq = conn_req(c);
	if (is_gzip(rq)) {
		rc = chartsrc_upload(rq->body.buf, rq->body.len, &p->chart_path, &p->tmpdir, &err);
	} else if (!p->chart) {
		rc = tops_err_set(&err, TOPS_EINVAL, "field \"chart\" is required (a path under the chart "
				  "root), or upload the chart as application/gzip");
	} else if (!sv->chart_root) {
		rc = tops_err_set(&err, TOPS_EINVAL, "this server has no --chart-root: upload the chart "
				  "as application/gzip");
	} else {
		rc = chartsrc_resolve(sv->chart_root, p->chart, &p->chart_path, &err);
	}
	if (rc < 0)
		api_error(c, rc == -TOPS_ENOENT ? 404 : 400, NULL, NULL, "%s", tops_err_msg(&err));
	tops_err_clear(&err);
	return rc == 0;
}

/* An upload carries its chart in the body: the other fields come in the query. */
static struct value *query_body(struct conn *c)
{
	const struct req *rq = conn_req(c);
	struct value *b = value_map();
	char buf[1024];
	static const char *const keys[] = {"release", "namespace", "ttl", "timeout"};
	for (size_t i = 0; i < ARRAY_LEN(keys); i++)
		if (req_query_get(rq, keys[i], buf, sizeof buf))
			value_map_set(b, keys[i], value_str(buf));
	if (req_query_get(rq, "dryRun", buf, sizeof buf))
		value_map_set(b, "dryRun", value_bool(!strcmp(buf, "true") || !strcmp(buf, "1")));
	struct value *set = value_list();
	for (int i = 0; req_query_nth(rq, "set", i, buf, sizeof buf); i++)
		value_list_push(set, value_str(buf));
	value_map_set(b, "set", set);
	return b;
}

void api_preview(struct server *sv, struct conn *c, const char *arg, const char *actor)
{
	struct value *b = is_gzip(conn_req(c)) ? query_body(c) :
			  json_body(c, preview_fields, ARRAY_LEN(preview_fields));
	if (!b)
		return;
	struct preview p = {.release = body_str(b, "release"), .ns = body_str(b, "namespace"),
			    .chart = body_str(b, "chart"), .dry_run = body_bool(b, "dryRun")};
	if (preview_names(sv, c, &p) && preview_durations(c, body_str(b, "ttl"), body_str(b, "timeout"), &p) &&
	    preview_values(c, b, &p) && preview_chart(sv, c, &p)) {
		struct op_spec s = {.kind = OPK_PREVIEW, .release = p.release, .namespace_ = p.ns,
				    .chart = p.chart_path, .actor = actor, .tmpdir = p.tmpdir,
				    .values = p.values, .dry_run = p.dry_run, .timeout_ms = p.timeout_ms,
				    .ttl_s = p.ttl_s};
		struct tops_err err = {0};
		if (ops_start(sv->ops, &s, c, &err) < 0)
			api_error(c, 409, NULL, NULL, "%s", tops_err_msg(&err));
		tops_err_clear(&err);
	}
	free(p.chart_path), free(p.tmpdir);
	value_unref(p.values), value_unref(b);
}

/* ---- deletes and rollbacks ---- */

static void start_action(struct server *sv, struct conn *c, const struct op_spec *s)
{
	struct tops_err err = {0};
	if (!engine_valid_name(s->release) || !engine_valid_name(s->namespace_))
		api_error(c, 400, NULL, NULL, "\"%s/%s\" is not a valid namespace/release", s->namespace_, s->release);
	else if (ops_start(sv->ops, s, c, &err) < 0)
		api_error(c, 409, NULL, NULL, "%s", tops_err_msg(&err));
	tops_err_clear(&err);
}

void api_preview_delete(struct server *sv, struct conn *c, const char *arg, const char *actor)
{
	char ns[256];
	const char *n = req_query_get(conn_req(c), "namespace", ns, sizeof ns);
	struct op_spec s = {.kind = OPK_DELETE, .release = arg, .namespace_ = ns_or_default(sv, n),
			    .actor = actor, .timeout_ms = 300000};
	start_action(sv, c, &s);
}

void api_rollback(struct server *sv, struct conn *c, const char *arg, const char *actor)
{
	struct value *b = json_body(c, rollback_fields, ARRAY_LEN(rollback_fields));
	if (!b)
		return;
	struct value *rev = value_map_get(b, "revision");
	const char *to = body_str(b, "timeout");
	long tmo = to ? time_parse_duration_ms(to) : 300000;
	if (tmo <= 0 || (rev && (rev->type != V_INT || rev->u.i < 0)))
		api_error(c, 400, NULL, NULL, tmo <= 0 ? "timeout is not a duration such as 5m" :
			  "revision must be a whole number ≥ 0 (0: the previous one)");
	else {
		struct op_spec s = {.kind = OPK_ROLLBACK, .release = arg, .actor = actor,
				    .namespace_ = ns_or_default(sv, body_str(b, "namespace")),
				    .revision = rev ? (int)rev->u.i : 0, .timeout_ms = tmo};
		start_action(sv, c, &s);
	}
	value_unref(b);
}

/* ---- operations ---- */

void api_operation(struct server *sv, struct conn *c, const char *arg, const char *actor)
{
	struct op *op = ops_find(sv->ops, arg);
	if (!op)
		return api_error(c, 404, NULL, NULL, "no operation %s", arg);
	char *j = op_json(op);
	api_json(c, 200, j);
	free(j);
}

void api_operation_events(struct server *sv, struct conn *c, const char *arg, const char *actor)
{
	struct op *op = ops_find(sv->ops, arg);
	if (!op)
		return api_error(c, 404, NULL, NULL, "no operation %s", arg);
	ops_subscribe(sv->ops, op, c);
}

/* ---- releases ---- */

void api_releases(struct server *sv, struct conn *c, const char *arg, const char *actor)
{
	char ns[256];
	const char *n = req_query_get(conn_req(c), "namespace", ns, sizeof ns);
	reads_start(sv, c, n && *n ? n : NULL, NULL);
}

void api_release(struct server *sv, struct conn *c, const char *arg, const char *actor)
{
	char ns[256];
	const char *n = req_query_get(conn_req(c), "namespace", ns, sizeof ns);
	if (!engine_valid_name(arg))
		return api_error(c, 400, NULL, NULL, "\"%s\" is not a valid release name", arg);
	reads_start(sv, c, ns_or_default(sv, n), arg);
}

/* ---- snapshots ---- */

void api_snapshot_seed(struct server *sv, struct conn *c, const char *arg, const char *actor)
{
	struct value *b = json_body(c, seed_fields, ARRAY_LEN(seed_fields));
	if (!b)
		return;
	value_unref(b);
	api_error(c, 501, NULL, NULL, "snapshots are not part of this build of tops yet: POST "
		  "/v1/snapshots/seed cannot take a golden snapshot");
}

void api_snapshot_compare(struct server *sv, struct conn *c, const char *arg, const char *actor)
{
	api_error(c, 501, NULL, NULL, "snapshots are not part of this build of tops yet: GET "
		  "/v1/snapshots/compare cannot compare");
}

/* ---- the server itself ---- */

void api_metrics(struct server *sv, struct conn *c, const char *arg, const char *actor)
{
	char *t = smetrics_text(sv->metrics, srv_conns(sv->srv), ops_running(sv->ops));
	conn_respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", NULL, t, strlen(t));
	free(t);
}

void api_openapi(struct server *sv, struct conn *c, const char *arg, const char *actor)
{
	char *j = openapi_json();
	api_json(c, 200, j);
	free(j);
}
