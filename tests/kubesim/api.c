/* api — see api.h. */
#include "tests/kubesim/api.h"

#include <http_parser.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/base64.h"
#include "core/base/yaml.h"
#include "tests/kubesim/ctrl.h"
#include "tests/kubesim/delete.h"
#include "tests/kubesim/exec.h"
#include "tests/kubesim/logs.h"
#include "tests/kubesim/pfwd.h"
#include "tests/kubesim/metrics.h"
#include "tests/kubesim/patch.h"
#include "tests/kubesim/ssa.h"
#include "tests/kubesim/pb.h"
#include "tests/kubesim/select.h"
#include "tests/kubesim/table.h"
#include "tests/kubesim/valid.h"
#include "tests/kubesim/watch.h"

#define MAX_REQUEST_BODY 3145728

struct route {
	int kind;
	char *ns, *name, *sub;
};

static const struct {
	int code, http;
	const char *reason;
} err_map[] = {
	{TOPS_ENOENT, 404, "NotFound"},
	{SIM_EEXISTS, 409, "AlreadyExists"},
	{TOPS_ECONFLICT, 409, "Conflict"},
	{TOPS_EINVAL, 422, "Invalid"},
	{SIM_EBADREQ, 400, "BadRequest"},
	{TOPS_EGONE, 410, "Expired"},
	{SIM_ENOTALLOWED, 405, "MethodNotAllowed"},
	{TOPS_EHTTP, 415, "UnsupportedMediaType"},
};

int api_err_http(int code, const char **reason)
{
	for (size_t i = 0; i < ARRAY_LEN(err_map); i++)
		if (err_map[i].code == code) {
			*reason = err_map[i].reason;
			return err_map[i].http;
		}
	*reason = "InternalError";
	return 500;
}

struct value *api_status_value(int code, const char *reason, const char *msg)
{
	struct value *s = value_map();
	vset_str(s, "kind", "Status");
	vset_str(s, "apiVersion", "v1");
	value_map_set(s, "metadata", value_map());
	vset_str(s, "status", code < 400 ? "Success" : "Failure");
	vset_str(s, "message", msg);
	vset_str(s, "reason", reason);
	vset_int(s, "code", code);
	return s;
}

void api_reply_value(struct srv_conn *c, int code, const struct value *v)
{
	char *s = value_to_json(v, false, false);
	srv_respond(c, code, "application/json", s, strlen(s));
	free(s);
}

void api_reply_status(struct srv_conn *c, int code, const char *reason, const char *msg)
{
	struct value *s = api_status_value(code, reason, msg);
	api_reply_value(c, code, s);
	value_unref(s);
}

/* details.causes of a 422 from its words ("X is invalid: FIELD: Required value: ..."), one
 * cause per field as the API lists them: reason FieldValueRequired, FieldValueInvalid, ... */
static void add_causes(struct value *status, const char *msg)
{
	static const struct { const char *prefix, *reason; } types[] = {
		{"Required value", "FieldValueRequired"}, {"Invalid value", "FieldValueInvalid"},
		{"Too long", "FieldValueTooLong"}, {"Unsupported value", "FieldValueNotSupported"},
		{"Forbidden", "FieldValueForbidden"}, {"Duplicate value", "FieldValueDuplicate"},
	};
	const char *at = strstr(msg, " is invalid: ");
	if (!at)
		return;
	at += strlen(" is invalid: ");
	const char *colon = strstr(at, ": ");
	if (!colon)
		return;
	struct value *cause = value_map();
	const char *what = colon + 2, *reason = "FieldValueInvalid";
	for (size_t i = 0; i < ARRAY_LEN(types); i++)
		if (!strncmp(what, types[i].prefix, strlen(types[i].prefix)))
			reason = types[i].reason;
	vset_str(cause, "reason", reason);
	vset_str(cause, "message", what);
	value_map_set(cause, "field", value_str_own(xstrndup(at, (size_t)(colon - at)), (size_t)(colon - at)));
	struct value *causes = value_list();
	value_list_push(causes, cause);
	value_map_set(vmap(status, "details"), "causes", causes);
}

void api_reply_err(struct srv_conn *c, const struct tops_err *err, int kind, const char *name)
{
	const char *reason;
	int http = api_err_http(err->code, &reason);
	struct value *s = api_status_value(http, reason, tops_err_msg(err));
	if (http == 422)
		add_causes(s, tops_err_msg(err));
	if (kind >= 0) {
		struct value *d = vmap(s, "details");
		if (name)
			vset_str(d, "name", name);
		if (*kinds[kind].group)
			vset_str(d, "group", kinds[kind].group);
		vset_str(d, "kind", kinds[kind].resource);
	}
	api_reply_value(c, http, s);
	value_unref(s);
}

struct value *api_parse_body(const struct srv_req *r, struct tops_err *err)
{
	if (strstr(r->content_type, "protobuf"))
		return pb_decode(r->body, r->body_len, err);
	if (strstr(r->content_type, "yaml")) {
		struct yaml_errpos pos;
		return yaml_load(r->body, r->body_len, "body", NULL, &pos, err);
	}
	struct value *v = value_from_json(r->body, r->body_len, err);
	if (!v)
		tops_err_set(err, SIM_EBADREQ, "the request body is not valid JSON: %s", tops_err_msg(err));
	return v;
}

/* ---- routing ---- */

static void route_done(struct route *rt)
{
	free(rt->ns); free(rt->name); free(rt->sub);
}

static int split(const char *path, char **seg, int max)
{
	int n = 0;
	const char *p = path;
	while (*p && n < max) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		seg[n++] = xstrndup(p, len);
		p += len;
	}
	return n;
}

/* Fills rt from rest segments "namespaces/NS/RES/NAME/SUB" or "RES/NAME/SUB". */
static bool parse_rest(const char *g, const char *v, char **s, int n, struct route *rt)
{
	int i = 0;
	if (n >= 3 && strcmp(s[0], "namespaces") == 0 && kind_by_resource(g, v, s[2]) >= 0) {
		rt->ns = xstrdup(s[1]);
		i = 2;
	}
	if (i >= n || n - i > 3)
		return false;
	rt->kind = kind_by_resource(g, v, s[i]);
	if (n - i >= 2)
		rt->name = xstrdup(s[i + 1]);
	if (n - i >= 3)
		rt->sub = xstrdup(s[i + 2]);
	return rt->kind >= 0;
}

static bool parse_route(const char *path, struct route *rt)
{
	char *s[10] = {0};
	int n = split(path, s, 10);
	bool ok = false;
	memset(rt, 0, sizeof(*rt));
	rt->kind = -1;
	if (n >= 3 && strcmp(s[0], "api") == 0)
		ok = parse_rest("", s[1], s + 2, n - 2, rt);
	else if (n >= 4 && strcmp(s[0], "apis") == 0)
		ok = parse_rest(s[1], s[2], s + 3, n - 3, rt);
	for (int i = 0; i < n; i++)
		free(s[i]);
	return ok;
}

/* ---- reads ---- */

static void reply_object(struct srv_conn *c, const struct srv_req *r, int code, int kind,
			 const struct value *v)
{
	if (table_requested(r->accept)) {
		struct value *t = table_new(kind);
		table_add_row(t, kind, v);
		api_reply_value(c, code, t);
		value_unref(t);
		return;
	}
	api_reply_value(c, code, v);
}

static void not_found(struct srv_conn *c, int kind, const char *name)
{
	struct tops_err err = {0};
	tops_err_set(&err, TOPS_ENOENT, "%s%s%s \"%s\" not found", kinds[kind].resource,
		     *kinds[kind].group ? "." : "", kinds[kind].group, name);
	api_reply_err(c, &err, kind, name);
	tops_err_clear(&err);
}

static void do_get(struct srv_conn *c, const struct srv_req *r, const struct route *rt)
{
	struct value *v = db_get(rt->kind, rt->ns, rt->name);
	if (!v) {
		not_found(c, rt->kind, rt->name);
		return;
	}
	reply_object(c, r, 200, rt->kind, v);
	value_unref(v);
}

/* The continue token as the API server makes it: base64 of {"v":"meta.k8s.io/v1","rv":RV,
 * "start":"NS/NAME\u0000"} (the key to go on after, and the list's resourceVersion). */
static char *cont_encode(const struct obj *o, uint64_t rv)
{
	struct strbuf key = STRBUF_INIT, js = STRBUF_INIT, out = STRBUF_INIT;
	if (*o->ns)
		sb_addf(&key, "%s/", o->ns);
	sb_adds(&key, o->name);
	sb_addc(&key, '\0');
	sb_addf(&js, "{\"v\":\"meta.k8s.io/v1\",\"rv\":%llu,\"start\":", (unsigned long long)rv);
	value_json_string(&js, key.buf, key.len, false);
	sb_addc(&js, '}');
	base64_encode(&out, js.buf, js.len);
	sb_done(&key), sb_done(&js);
	return sb_detach(&out, NULL);
}

static bool cont_decode(const char *tok, char **ns, char **name, uint64_t *rv)
{
	char *text = NULL;
	size_t n = 0;
	if (base64_decode(tok, strlen(tok), &text, &n) < 0)
		return false;
	struct value *v = value_from_json(text, n, NULL);
	const char *start = v ? vstr(v, "start") : NULL;
	struct value *r = v ? value_map_get(v, "rv") : NULL;
	bool ok = start && r && r->type == V_INT;
	if (ok) {
		const char *slash = strchr(start, '/');
		*ns = slash ? xstrndup(start, (size_t)(slash - start)) : xstrdup("");
		*name = xstrndup(slash ? slash + 1 : start, strcspn(slash ? slash + 1 : start, ""));
		*rv = (uint64_t)r->u.i;
	}
	value_unref(v);
	free(text);
	return ok;
}

struct list_state {
	const struct srv_req *r;
	const struct route *rt;
	struct selector *sel;
	long limit;
	size_t start;
	uint64_t rv;              /* the snapshot: the first page's resourceVersion */
	bool table;
};

/* The objects of one page, borrowed from the store (nothing changes it while we answer). */
struct page {
	struct obj **v;
	size_t len, cap, bytes;
	char *cont;               /* continue token or NULL */
};

static bool list_match(struct list_state *ls, const struct obj *o)
{
	if (!selector_needs_object(ls->sel))
		return selector_match(ls->sel, o->ns, o->name, o->labels, NULL);
	struct value *v = obj_value(o);
	bool ok = selector_match(ls->sel, o->ns, o->name, o->labels, v);
	value_unref(v);
	return ok;
}

static void page_push(struct page *pg, struct obj *o)
{
	if (pg->len == pg->cap) {
		pg->cap = pg->cap ? pg->cap * 2 : 64;
		pg->v = xrealloc(pg->v, pg->cap * sizeof(*pg->v));
	}
	pg->v[pg->len++] = o;
	pg->bytes += o->json->len + 1;
}

/* Collects the matching objects from ls->start: O(page) plus the objects skipped by selectors. */
static void list_collect(struct list_state *ls, struct page *pg)
{
	const char *ns = ls->rt->ns;
	struct obj *o;
	for (size_t i = ls->start; (o = db_at(ls->rt->kind, i)) != NULL; i++) {
		if (ns && strcmp(o->ns, ns) != 0)
			break;
		if (ls->limit > 0 && (long)pg->len >= ls->limit) {
			pg->cont = pg->len ? cont_encode(pg->v[pg->len - 1], ls->rv) : NULL;
			return;
		}
		if (list_match(ls, o))
			page_push(pg, o);
	}
}

static int list_start(struct list_state *ls, struct tops_err *err)
{
	char *cont = srv_query_get(ls->r->query, "continue");
	char *cns = NULL, *cname = NULL;
	const char *ns = ls->rt->ns;
	ls->start = ns ? db_ns_start(ls->rt->kind, ns) : 0;
	ls->rv = db_rv();
	if (cont && *cont) {
		if (!cont_decode(cont, &cns, &cname, &ls->rv)) {
			free(cont);
			return tops_err_set(err, SIM_EBADREQ, "continue key is not valid: illegal base64 data");
		}
		ls->start = db_after(ls->rt->kind, cns, cname);
	}
	free(cont); free(cns); free(cname);
	return 0;
}

/* A plain list: the stored JSON texts joined into one buffer sized up front. */
static void send_json_list(struct srv_conn *c, struct list_state *ls, struct page *pg)
{
	struct strbuf out = STRBUF_INIT;
	sb_grow(&out, pg->bytes + 256 + (pg->cont ? strlen(pg->cont) : 0));
	sb_addf(&out, "{\"kind\":\"%sList\",\"apiVersion\":\"%s\",\"metadata\":{\"resourceVersion\":\"%llu\"",
		kinds[ls->rt->kind].kind, kind_api_version(ls->rt->kind), (unsigned long long)ls->rv);
	if (pg->cont)
		sb_addf(&out, ",\"continue\":\"%s\"", pg->cont);
	sb_adds(&out, "},\"items\":[");
	for (size_t i = 0; i < pg->len; i++) {
		if (i)
			sb_addc(&out, ',');
		sb_add(&out, pg->v[i]->json->data, pg->v[i]->json->len);
	}
	sb_adds(&out, "]}");
	srv_respond_sb(c, 200, "application/json", &out);
}

/* A Table: the empty table's JSON ends with "rows":[]} (keys are sorted), so the rows are
 * written in place there one at a time instead of building one tree for the whole page. */
static void send_table_list(struct srv_conn *c, struct list_state *ls, struct page *pg)
{
	struct value *table = table_new(ls->rt->kind);
	struct value *md = vmap(table, "metadata");
	value_map_set(md, "resourceVersion", value_strf("%llu", (unsigned long long)ls->rv));
	if (pg->cont)
		vset_str(md, "continue", pg->cont);
	char *head = value_to_json(table, false, false);
	value_unref(table);
	size_t hl = strlen(head);
	struct strbuf out = STRBUF_INIT;
	sb_grow(&out, hl + pg->bytes / 2 + 64);
	sb_add(&out, head, hl - 2);
	for (size_t i = 0; i < pg->len; i++) {
		if (i)
			sb_addc(&out, ',');
		table_write_obj(&out, pg->v[i]);
	}
	sb_adds(&out, "]}");
	free(head);
	srv_respond_sb(c, 200, "application/json", &out);
}

static void send_list(struct srv_conn *c, struct list_state *ls)
{
	struct tops_err err = {0};
	if (list_start(ls, &err)) {
		api_reply_err(c, &err, ls->rt->kind, NULL);
		tops_err_clear(&err);
		return;
	}
	struct page pg = {0};
	list_collect(ls, &pg);
	if (ls->table)
		send_table_list(c, ls, &pg);
	else
		send_json_list(c, ls, &pg);
	free(pg.v);
	free(pg.cont);
}

static void do_list(struct srv_conn *c, const struct srv_req *r, const struct route *rt)
{
	struct tops_err err = {0};
	char *ls_s = srv_query_get(r->query, "labelSelector");
	char *fs_s = srv_query_get(r->query, "fieldSelector");
	char *lim = srv_query_get(r->query, "limit");
	struct selector *sel = selector_parse(ls_s, fs_s, &err);
	free(ls_s); free(fs_s);
	if (!sel) {
		api_reply_err(c, &err, rt->kind, NULL);
		tops_err_clear(&err);
		free(lim);
		return;
	}
	if (srv_query_bool(r->query, "watch")) {
		watch_start(c, r, rt->kind, rt->ns, sel, table_requested(r->accept));
		free(lim);
		return;
	}
	struct list_state ls = {.r = r, .rt = rt, .sel = sel, .limit = lim ? atol(lim) : 0,
				.table = table_requested(r->accept)};
	send_list(c, &ls);
	selector_free(sel);
	free(lim);
}

/* ---- writes ---- */

static int check_body(const struct route *rt, struct value *v, struct tops_err *err)
{
	if (!v || v->type != V_MAP)
		return tops_err_set(err, SIM_EBADREQ, "the request body must be a JSON object");
	const char *k = vstr(v, "kind"), *av = vstr(v, "apiVersion");
	if (k && strcmp(k, kinds[rt->kind].kind) != 0)
		return tops_err_set(err, SIM_EBADREQ, "the API version in the data (%s) does not match the expected API version (%s)",
				    av ? av : "", kind_api_version(rt->kind));
	struct value *md = vmap(v, "metadata");
	const char *ns = vstr(md, "namespace");
	if (rt->ns && ns && strcmp(ns, rt->ns) != 0)
		return tops_err_set(err, SIM_EBADREQ, "the namespace of the provided object does not match the namespace sent on the request");
	if (rt->ns)
		vset_str(md, "namespace", rt->ns);
	if (rt->ns && !db_find(K_NS, "", rt->ns))
		return tops_err_set(err, TOPS_ENOENT, "namespaces \"%s\" not found", rt->ns);
	return 0;
}

static bool strict(const struct srv_req *r)
{
	char *fv = srv_query_get(r->query, "fieldValidation");
	bool yes = fv && !strcmp(fv, "Strict");
	free(fv);
	return yes;
}

/* Unknown fields: with fieldValidation=Strict a 400 (the decoder's words), else dropped as
 * the server's typed decoder drops them. 0, or -1 with the reply sent. */
static int unknown_fields(struct srv_conn *c, const struct srv_req *r, const struct route *rt,
			  struct value *v)
{
	if (!strict(r)) {
		valid_drop_unknown(rt->kind, v);
		return 0;
	}
	struct value *u = valid_unknown_fields(rt->kind, v);
	if (!u)
		return 0;
	struct strbuf msg = STRBUF_INIT;
	sb_adds(&msg, "strict decoding error: ");
	for (size_t i = 0; i < u->u.list.len; i++)
		sb_addf(&msg, "%sunknown field \"%s\"", i ? ", " : "", u->u.list.items[i]->u.str.s);
	api_reply_status(c, 400, "BadRequest", sb_str(&msg));
	sb_done(&msg);
	value_unref(u);
	return -1;
}

/* The checks of a write before it is stored, in the API server's order: the body's kind and
 * namespace, its fields, then validation (422 with causes). A Secret's stringData is folded
 * into data first. 0, or -1 with the reply sent. */
static int admit(struct srv_conn *c, const struct srv_req *r, const struct route *rt,
		 struct value *v, bool check_fields)
{
	struct tops_err err = {0};
	if (check_body(rt, v, &err) == 0 && check_fields && unknown_fields(c, r, rt, v))
		return -1;
	if (!err.code) {
		valid_normalise(rt->kind, v);
		struct value *causes = valid_causes(rt->kind, v);
		if (causes) {
			const char *name = vstr(v, "metadata.name");
			struct value *st = valid_status(rt->kind, name ? name : rt->name, causes);
			api_reply_value(c, 422, st);
			value_unref(st), value_unref(causes);
			return -1;
		}
		ctrl_validate(rt->kind, v, &err);
	}
	if (!err.code)
		return 0;
	api_reply_err(c, &err, rt->kind, v && v->type == V_MAP ? vstr(v, "metadata.name") : rt->name);
	tops_err_clear(&err);
	return -1;
}

static bool dry_run(const struct srv_req *r)
{
	char *d = srv_query_get(r->query, "dryRun");
	bool yes = d && *d;
	free(d);
	return yes;
}

/* The manager of a write: the fieldManager parameter, else the client's User-Agent up to the
 * first '/', as the API server names it ("kubectl-client-side-apply", "kubectl-edit", "tops"). */
static char *writer(const struct srv_req *r)
{
	char *m = srv_query_get(r->query, "fieldManager");
	if (m && *m)
		return m;
	free(m);
	size_t n = strcspn(r->user_agent, "/ ");
	return n ? xstrndup(r->user_agent, n) : xstrdup("unknown");
}

/* managedFields for a write that is not an apply. */
static void record_update(struct value *v, const struct value *old, const struct srv_req *r, int kind)
{
	char *mgr = writer(r);
	struct value *t = value_str_own(sim_timestamp(sim_wall()), 20);
	ssa_record_update(v, old, mgr, kind_api_version(kind), t->u.str.s);
	value_unref(t);
	free(mgr);
}

static void do_create(struct srv_conn *c, const struct srv_req *r, const struct route *rt)
{
	struct tops_err err = {0};
	struct value *v = api_parse_body(r, &err);
	if (!v) {
		api_reply_err(c, &err, rt->kind, NULL);
		tops_err_clear(&err);
		return;
	}
	if (admit(c, r, rt, v, true) == 0) {
		ctrl_defaults(rt->kind, v);
		record_update(v, NULL, r, rt->kind);
		if (!dry_run(r) && db_create(rt->kind, v, &err))
			api_reply_err(c, &err, rt->kind, vstr(v, "metadata.name"));
		else
			reply_object(c, r, 201, rt->kind, v);
	}
	tops_err_clear(&err);
	value_unref(v);
}

static bool is_status(const struct route *rt) { return rt->sub && strcmp(rt->sub, "status") == 0; }

static bool has_finalizers(const struct value *v)
{
	const struct value *f = value_map_path(v, "metadata.finalizers");
	return f && f->type == V_LIST && f->u.list.len;
}

/* The status subresource: only status (and the resourceVersion to check) come from v. */
static struct value *status_write(const struct route *rt, struct value *v)
{
	struct value *old = db_get(rt->kind, rt->ns, rt->name);
	if (!old)
		return v;
	value_map_set(old, "status", value_ref(value_map_get(v, "status") ?: value_null()));
	value_map_set(vmap(old, "metadata"), "resourceVersion",
		      value_ref(value_map_path(v, "metadata.resourceVersion") ?: value_str("")));
	value_unref(v);
	return old;
}

/* Stores v as the new version of the object named by rt; replies. Consumes v. An object
 * marked for deletion goes when its last finalizer is removed. */
static void finish_update(struct srv_conn *c, const struct srv_req *r, const struct route *rt,
			  struct value *v, bool check_rv, const struct value *old, bool applied)
{
	struct tops_err err = {0};
	const char *name = v && v->type == V_MAP ? vstr(v, "metadata.name") : NULL;
	if (!name || strcmp(name, rt->name) != 0) {
		tops_err_set(&err, SIM_EBADREQ, "the name of the object (%s) does not match the name on the URL (%s)",
			     name ? name : "", rt->name);
		goto fail;
	}
	if (admit(c, r, rt, v, !applied) < 0) {
		value_unref(v);
		return;
	}
	const char *del = old ? vstr(old, "metadata.deletionTimestamp") : NULL;
	if (del) /* set by the server only, and kept */
		vset_str(vmap(v, "metadata"), "deletionTimestamp", del);
	if (is_status(rt)) {
		v = status_write(rt, v);
	} else {
		ctrl_defaults(rt->kind, v);
		if (!applied)
			record_update(v, old, r, rt->kind);
	}
	if (!dry_run(r) && db_update(rt->kind, v, check_rv, !is_status(rt), &err))
		goto fail;
	if (!dry_run(r) && del && !has_finalizers(v)) {
		ctrl_delete(rt->kind, rt->ns ? rt->ns : "", rt->name, "Background", NULL, NULL);
		delete_owner_check(rt->kind, v);
	}
	reply_object(c, r, 200, rt->kind, v);
	value_unref(v);
	return;
fail:
	api_reply_err(c, &err, rt->kind, rt->name);
	tops_err_clear(&err);
	value_unref(v);
}

static void do_update(struct srv_conn *c, const struct srv_req *r, const struct route *rt)
{
	struct tops_err err = {0};
	struct value *v = api_parse_body(r, &err);
	if (!v) {
		api_reply_err(c, &err, rt->kind, rt->name);
		tops_err_clear(&err);
		return;
	}
	struct value *old = db_get(rt->kind, rt->ns, rt->name);
	finish_update(c, r, rt, v, true, old, false);
	value_unref(old);
}

/* 409 with a FieldManagerConflict cause per field, worded as the API server words it. */
static void reply_conflicts(struct srv_conn *c, const struct route *rt, const struct value *conf)
{
	struct strbuf msg = STRBUF_INIT;
	struct value *causes = value_list();
	size_t n = conf->u.list.len;
	sb_addf(&msg, "Apply failed with %zu conflict%s: ", n, n == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		const struct value *e = conf->u.list.items[i];
		char *m = xasprintf("conflict with \"%s\" using %s", vstr(e, "manager"), vstr(e, "apiVersion"));
		sb_addf(&msg, "%s%s: %s", i ? "\n" : "", m, vstr(e, "field"));
		struct value *cause = value_map();
		vset_str(cause, "reason", "FieldManagerConflict");
		vset_str(cause, "message", m);
		vset_str(cause, "field", vstr(e, "field"));
		value_list_push(causes, cause);
		free(m);
	}
	struct value *st = api_status_value(409, "Conflict", sb_str(&msg));
	struct value *d = vmap(st, "details");
	vset_str(d, "name", rt->name);
	if (*kinds[rt->kind].group)
		vset_str(d, "group", kinds[rt->kind].group);
	vset_str(d, "kind", kinds[rt->kind].resource);
	value_map_set(d, "causes", causes);
	api_reply_value(c, 409, st);
	value_unref(st);
	sb_done(&msg);
}

/* PatchOptions are checked before anything else: an apply needs a fieldManager, force is
 * for applies only. 422 as the server answers (PatchOptions.meta.k8s.io). 0 or -1, replied. */
static int patch_options(struct srv_conn *c, const struct srv_req *r, enum patch_type pt)
{
	char *mgr = srv_query_get(r->query, "fieldManager"), *force = srv_query_get(r->query, "force");
	const char *field = NULL, *msg = NULL, *reason = NULL;
	if (pt == PATCH_APPLY && (!mgr || !*mgr))
		field = "fieldManager", msg = "Required value: is required for apply patch", reason = "FieldValueRequired";
	else if (pt != PATCH_APPLY && force)
		field = "force", msg = "Forbidden: may not be specified for non-apply patch", reason = "FieldValueForbidden";
	free(mgr), free(force);
	if (!field)
		return 0;
	char *text = xasprintf("PatchOptions.meta.k8s.io \"\" is invalid: %s: %s", field, msg);
	struct value *st = api_status_value(422, "Invalid", text), *d = vmap(st, "details");
	struct value *causes = value_list(), *cause = value_map();
	vset_str(d, "group", "meta.k8s.io");
	vset_str(d, "kind", "PatchOptions");
	vset_str(cause, "reason", reason);
	vset_str(cause, "message", msg);
	vset_str(cause, "field", field);
	value_list_push(causes, cause);
	value_map_set(d, "causes", causes);
	api_reply_value(c, 422, st);
	value_unref(st);
	free(text);
	return -1;
}

/* An apply configuration with fields the kind does not have: the structured merge refuses it
 * (whatever fieldValidation says), as a 500 with the field manager's words. 0 or -1, replied. */
static int apply_unknown(struct srv_conn *c, const struct route *rt, const struct value *doc)
{
	struct value *u = valid_unknown_fields(rt->kind, doc);
	if (!u)
		return 0;
	struct strbuf msg = STRBUF_INIT;
	sb_addf(&msg, "failed to create typed patch object (%s/%s; %s/%s, Kind=%s): ", rt->ns ? rt->ns : "",
		rt->name, kinds[rt->kind].group, kinds[rt->kind].version, kinds[rt->kind].kind);
	for (size_t i = 0; i < u->u.list.len; i++)
		sb_addf(&msg, "%s.%s: field not declared in schema", i ? "\n" : "", u->u.list.items[i]->u.str.s);
	struct value *st = api_status_value(500, "", sb_str(&msg));
	value_map_del(st, "reason");
	api_reply_value(c, 500, st);
	value_unref(st), value_unref(u);
	sb_done(&msg);
	return -1;
}

/* Server-side apply over cur (NULL: create): 0 with *out, or a reply already sent. */
static int apply_fields(struct srv_conn *c, const struct srv_req *r, const struct route *rt,
			const struct value *cur, const struct value *merged, const struct value *doc,
			struct value **out)
{
	char *mgr = srv_query_get(r->query, "fieldManager");
	struct value *t = value_str_own(sim_timestamp(sim_wall()), 20), *conf = NULL;
	int rc = 0;
	if (ssa_apply(cur, merged, doc, mgr, kind_api_version(rt->kind), t->u.str.s,
		      srv_query_bool(r->query, "force"), out, &conf)) {
		reply_conflicts(c, rt, conf);
		rc = -1;
	}
	value_unref(conf), value_unref(t);
	free(mgr);
	return rc;
}

static void apply_create(struct srv_conn *c, const struct srv_req *r, const struct route *rt,
			 struct value *doc)
{
	struct value *v = NULL;
	if (doc->type != V_MAP || apply_fields(c, r, rt, NULL, doc, doc, &v) < 0)
		return;
	struct tops_err err = {0};
	if (admit(c, r, rt, v, false) == 0) {
		ctrl_defaults(rt->kind, v);
		if (!dry_run(r) && db_create(rt->kind, v, &err))
			api_reply_err(c, &err, rt->kind, rt->name);
		else
			reply_object(c, r, 201, rt->kind, v);
	}
	tops_err_clear(&err);
	value_unref(v);
}

/* An apply over cur: the merged object, or NULL with the reply sent (a conflict, or nothing
 * changed: then cur is the answer and no new version is written). */
static struct value *apply_over(struct srv_conn *c, const struct srv_req *r, const struct route *rt,
				const struct value *cur, struct value *merged, const struct value *doc)
{
	struct value *applied = NULL;
	int rc = apply_fields(c, r, rt, cur, merged, doc, &applied);
	value_unref(merged);
	if (rc < 0)
		return NULL;
	valid_normalise(rt->kind, applied);
	if (value_equal_json(applied, cur)) {
		reply_object(c, r, 200, rt->kind, cur);
		value_unref(applied);
		return NULL;
	}
	return applied;
}

static void do_patch(struct srv_conn *c, const struct srv_req *r, const struct route *rt)
{
	struct tops_err err = {0};
	enum patch_type pt = patch_type_of(r->content_type);
	struct value *doc = NULL, *cur = NULL, *v = NULL;
	if (pt == PATCH_UNKNOWN) {
		tops_err_set(&err, TOPS_EHTTP, "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
		goto fail;
	}
	if (patch_options(c, r, pt) < 0)
		return;
	if (!(doc = api_parse_body(r, &err)))
		goto fail;
	if (pt == PATCH_APPLY && apply_unknown(c, rt, doc) < 0)
		goto done;
	cur = db_get(rt->kind, rt->ns, rt->name);
	if (!cur && pt == PATCH_APPLY) {
		apply_create(c, r, rt, doc);
		goto done;
	}
	if (!cur) {
		not_found(c, rt->kind, rt->name);
		goto done;
	}
	if (!(v = patch_apply(pt, cur, doc, &err)))
		goto fail;
	if (pt == PATCH_APPLY && !(v = apply_over(c, r, rt, cur, v, doc)))
		goto done;
	finish_update(c, r, rt, v, pt != PATCH_APPLY, cur, pt == PATCH_APPLY);
	goto done;
fail:
	api_reply_err(c, &err, rt->kind, rt->name);
	tops_err_clear(&err);
done:
	value_unref(doc);
	value_unref(cur);
}

static void do_delete(struct srv_conn *c, const struct srv_req *r, const struct route *rt)
{
	delete_handle(c, r, rt->kind, rt->ns, rt->name);
}

static void do_delete_collection(struct srv_conn *c, const struct srv_req *r, const struct route *rt)
{
	struct tops_err err = {0};
	char *ls_s = srv_query_get(r->query, "labelSelector"), *fs_s = srv_query_get(r->query, "fieldSelector");
	struct selector *sel = selector_parse(ls_s, fs_s, &err);
	free(ls_s), free(fs_s);
	if (!sel) {
		api_reply_err(c, &err, rt->kind, NULL);
		tops_err_clear(&err);
		return;
	}
	delete_collection(c, r, rt->kind, rt->ns, sel);
	selector_free(sel);
}

/* ---- /scale ---- */

static struct value *scale_of(int kind, const struct value *v)
{
	struct value *s = value_map(), *md = vmap(s, "metadata");
	vset_str(s, "kind", "Scale");
	vset_str(s, "apiVersion", "autoscaling/v1");
	const char *keys[] = {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"};
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		struct value *x = value_map_path(v, "metadata") ? value_map_get(value_map_path(v, "metadata"), keys[i]) : NULL;
		if (x)
			value_map_set(md, keys[i], value_ref(x));
	}
	vset_int(vmap(s, "spec"), "replicas", vint(v, "spec.replicas", 1));
	struct value *st = vmap(s, "status");
	vset_int(st, "replicas", vint(v, "status.replicas", 0));
	struct value *ml = value_map_path(v, "spec.selector.matchLabels");
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; ml && ml->type == V_MAP && i < ml->u.map.len; i++)
		sb_addf(&sb, "%s%s=%s", i ? "," : "", ml->u.map.e[i].key,
			ml->u.map.e[i].val->type == V_STRING ? ml->u.map.e[i].val->u.str.s : "");
	vset_str(st, "selector", sb_str(&sb));
	sb_done(&sb);
	return s;
}

static void do_scale(struct srv_conn *c, const struct srv_req *r, const struct route *rt)
{
	struct tops_err err = {0};
	struct value *cur = db_get(rt->kind, rt->ns, rt->name), *doc = NULL, *ns = NULL;
	if (!cur) {
		not_found(c, rt->kind, rt->name);
		return;
	}
	struct value *sc = scale_of(rt->kind, cur);
	if (r->method == HTTP_GET) {
		api_reply_value(c, 200, sc);
		goto done;
	}
	if (!(doc = api_parse_body(r, &err)))
		goto fail;
	if (r->method == HTTP_PATCH) {
		if (!(ns = patch_apply(patch_type_of(r->content_type), sc, doc, &err)))
			goto fail;
	} else {
		ns = value_ref(doc);
	}
	struct value *old = value_copy(cur);
	vset_int(vmap(cur, "spec"), "replicas", vint(ns, "spec.replicas", 1));
	record_update(cur, old, r, rt->kind); /* the scaler now owns spec.replicas */
	value_unref(old);
	if (db_update(rt->kind, cur, false, true, &err))
		goto fail;
	value_unref(sc);
	sc = scale_of(rt->kind, cur);
	api_reply_value(c, 200, sc);
	goto done;
fail:
	api_reply_err(c, &err, rt->kind, rt->name);
	tops_err_clear(&err);
done:
	value_unref(sc);
	value_unref(cur);
	value_unref(doc);
	value_unref(ns);
}

/* ---- dispatch ---- */

static void do_item(struct srv_conn *c, const struct srv_req *r, const struct route *rt)
{
	if (rt->sub && strcmp(rt->sub, "log") == 0 && rt->kind == K_POD && r->method == HTTP_GET)
		logs_handle(c, r, rt->ns, rt->name);
	else if (rt->sub && strcmp(rt->sub, "exec") == 0 && rt->kind == K_POD)
		exec_handle(c, r, rt->ns, rt->name);
	else if (rt->sub && strcmp(rt->sub, "portforward") == 0 && rt->kind == K_POD)
		pfwd_handle(c, r, rt->ns, rt->name);
	else if (rt->sub && strcmp(rt->sub, "scale") == 0 &&
		 (rt->kind == K_DEPLOY || rt->kind == K_RS || rt->kind == K_STS))
		do_scale(c, r, rt);
	else if (rt->sub && !is_status(rt))
		api_reply_status(c, 404, "NotFound", "the server could not find the requested resource");
	else if (r->method == HTTP_GET)
		do_get(c, r, rt);
	else if (r->method == HTTP_PUT)
		do_update(c, r, rt);
	else if (r->method == HTTP_PATCH)
		do_patch(c, r, rt);
	else if (r->method == HTTP_DELETE && !rt->sub)
		do_delete(c, r, rt);
	else
		api_reply_status(c, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

static void do_resource(struct srv_conn *c, const struct srv_req *r, const struct route *rt)
{
	if (rt->ns && !kinds[rt->kind].namespaced) {
		api_reply_status(c, 404, "NotFound", "the server could not find the requested resource");
		return;
	}
	if (rt->name) {
		do_item(c, r, rt);
		return;
	}
	if (r->method == HTTP_GET)
		do_list(c, r, rt);
	else if (r->method == HTTP_POST)
		do_create(c, r, rt);
	else if (r->method == HTTP_DELETE)
		do_delete_collection(c, r, rt);
	else
		api_reply_status(c, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

unsigned api_delay(const struct srv_req *r)
{
	return str_has_prefix(r->path, "/sim/") ? 0 : sim_faults.latency_ms;
}

/* The "forbid" fault: what RBAC would answer for a resource the user may not touch. */
static bool inject_forbidden(struct srv_conn *c, const struct srv_req *r)
{
	if (!sim_faults.forbid[0] || !str_has_prefix(r->path, sim_faults.forbid))
		return false;
	char *msg = xasprintf("%s is forbidden: User \"sim\" cannot %s this resource", r->path,
			      r->method == HTTP_GET ? "get" : r->method == HTTP_DELETE ? "delete" : "write");
	api_reply_status(c, 403, "Forbidden", msg);
	free(msg);
	return true;
}

static bool inject_error(struct srv_conn *c, const struct srv_req *r)
{
	if (inject_forbidden(c, r))
		return true;
	if (str_has_prefix(r->path, "/sim/"))
		return false;
	if (sim_faults.fail_next)
		sim_faults.fail_next--;
	else if (sim_faults.error_rate <= 0 || sim_randf() >= sim_faults.error_rate)
		return false;
	sim_stats.errors_injected++;
	int code = sim_faults.status ? sim_faults.status : 500;
	api_reply_status(c, code, code == 503 ? "ServiceUnavailable" : "InternalError",
			 "an error on the server (\"injected fault\") has prevented the request from succeeding");
	return true;
}

void api_handle(struct srv_conn *c, const struct srv_req *r)
{
	sim_stats.requests++;
	if (str_has_prefix(r->path, "/sim/")) {
		admin_handle(c, r);
		return;
	}
	if (inject_error(c, r))
		return;
	if (strcmp(r->path, "/metrics") == 0) {
		metrics_handle(c, r);
		return;
	}
	if (r->body_len > MAX_REQUEST_BODY) { /* the API server's limit on a request body */
		api_reply_status(c, 413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
		return;
	}
	struct route rt;
	if (parse_route(r->path, &rt)) {
		do_resource(c, r, &rt);
		route_done(&rt);
		return;
	}
	route_done(&rt);
	if (!discovery_handle(c, r))
		api_reply_status(c, 404, "NotFound", "the server could not find the requested resource");
}
