/* admin — loopback admin API: POST /sim/v1/faults, GET /sim/v1/stats, POST /sim/v1/churn. */
#include <http_parser.h>
#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/openapi.h"
#include "tests/kubesim/api.h"
#include "tests/kubesim/ctrl.h"
#include "tests/kubesim/watch.h"

static double num(const struct value *v, const char *key, double dflt)
{
	struct value *x = value_map_get(v, key);
	if (x && x->type == V_INT)
		return (double)x->u.i;
	if (x && x->type == V_FLOAT)
		return x->u.f;
	return dflt;
}

static bool flag(const struct value *v, const char *key)
{
	struct value *x = value_map_get(v, key);
	return x && x->type == V_BOOL && x->u.b;
}

static struct value *faults_value(void)
{
	struct value *f = value_map();
	value_map_set(f, "error_rate", value_float(sim_faults.error_rate));
	vset_int(f, "status", sim_faults.status ? sim_faults.status : 500);
	vset_int(f, "latency_ms", sim_faults.latency_ms);
	value_map_set(f, "expire", value_bool(sim_faults.expire));
	vset_str(f, "forbid", sim_faults.forbid);
	vset_int(f, "fail_next", sim_faults.fail_next);
	return f;
}

static void do_faults(struct srv_conn *c, const struct srv_req *r)
{
	struct tops_err err = {0};
	struct value *v = value_from_json(r->body, r->body_len, &err);
	if (!v || v->type != V_MAP) {
		api_reply_status(c, 400, "BadRequest", v ? "expected a JSON object" : tops_err_msg(&err));
		tops_err_clear(&err);
		value_unref(v);
		return;
	}
	if (flag(v, "clear"))
		memset(&sim_faults, 0, sizeof(sim_faults));
	sim_faults.error_rate = num(v, "error_rate", sim_faults.error_rate);
	sim_faults.status = (int)num(v, "status", sim_faults.status);
	double lat = num(v, "latency_ms", sim_faults.latency_ms), rate = sim_faults.error_rate;
	sim_faults.latency_ms = (unsigned)(lat < 0 ? 0 : lat > 600000 ? 600000 : lat);
	sim_faults.error_rate = rate < 0 ? 0 : rate > 1 ? 1 : rate;
	if (flag(v, "expire"))
		sim_faults.expire = true;
	if (flag(v, "drop_watches"))
		watch_drop_all();
	double next = num(v, "fail_next", sim_faults.fail_next);
	sim_faults.fail_next = next < 0 ? 0 : (unsigned)next;
	struct value *fb = value_map_get(v, "forbid");
	if (fb && fb->type == V_STRING)
		snprintf(sim_faults.forbid, sizeof sim_faults.forbid, "%s", fb->u.str.s);
	value_unref(v);
	struct value *f = faults_value();
	api_reply_value(c, 200, f);
	value_unref(f);
}

static void do_stats(struct srv_conn *c)
{
	struct value *s = value_map(), *objs = value_map();
	for (int k = 0; k < K_COUNT; k++)
		if (db_count(k))
			vset_int(objs, kinds[k].resource, (int64_t)db_count(k));
	value_map_set(s, "objects", objs);
	vset_int(s, "open_watches", sim_stats.open_watches);
	vset_int(s, "watches_opened", (int64_t)sim_stats.watches_opened);
	vset_int(s, "requests", (int64_t)sim_stats.requests);
	vset_int(s, "errors_injected", (int64_t)sim_stats.errors_injected);
	vset_int(s, "openapi_root_requests", (int64_t)openapi_root_requests);
	vset_int(s, "openapi_doc_requests", (int64_t)openapi_doc_requests);
	value_map_set(s, "resourceVersion", value_strf("%llu", (unsigned long long)db_rv()));
	value_map_set(s, "oldestResourceVersion", value_strf("%llu", (unsigned long long)db_oldest_rv()));
	value_map_set(s, "faults", faults_value());
	value_map_set(s, "simTime", value_float(sim_now()));
	api_reply_value(c, 200, s);
	value_unref(s);
}

static void do_churn(struct srv_conn *c, const struct srv_req *r)
{
	struct value *v = value_from_json(r->body, r->body_len, NULL);
	int n = (int)num(v, "n", 10);
	value_unref(v);
	ctrl_churn(n);
	do_stats(c);
}

void admin_handle(struct srv_conn *c, const struct srv_req *r)
{
	if (strcmp(r->path, "/sim/v1/faults") == 0 && r->method == HTTP_POST)
		do_faults(c, r);
	else if (strcmp(r->path, "/sim/v1/stats") == 0 && r->method == HTTP_GET)
		do_stats(c);
	else if (strcmp(r->path, "/sim/v1/churn") == 0 && r->method == HTTP_POST)
		do_churn(c, r);
	else
		api_reply_status(c, 404, "NotFound", "unknown admin endpoint; see /sim/v1/faults, /sim/v1/stats, /sim/v1/churn");
}
