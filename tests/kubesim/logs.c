/* logs — see logs.h. Line k of a container instance is stamped start + k * LINE_PERIOD
 * simulated seconds and its text depends only on pod, container and k. */
#include "tests/kubesim/logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/kubesim/api.h"
#include "tests/kubesim/db.h"

#define LINE_PERIOD 2.0
#define MAX_LINES 5000

struct follow {
	struct srv_conn *c;
	uv_timer_t timer;
	char *ns, *pod, *container;
	double base;
	long next;
	bool stamps;
};

static double parse_ts(const char *ts)
{
	struct tm tm = {0};
	if (!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return (double)timegm(&tm);
}

static void fmt_time(char *buf, size_t n, double t, bool nano)
{
	time_t s = (time_t)t;
	struct tm tm;
	gmtime_r(&s, &tm);
	size_t k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	int ms = (int)((t - (double)s) * 1000);
	snprintf(buf + k, n - k, nano ? ".%03d000000Z" : ".%03dZ", ms);
}

static void log_line(struct strbuf *sb, const char *pod, const char *container, double base, long k, bool stamps)
{
	static const char *const fmt[] = {
		"INFO  [%s] processed job %llu in %llums (queue=%llu)",
		"INFO  [%s] GET /api/v1/runs/%llu 200 %llums bytes=%llu",
		"DEBUG [%s] heartbeat seq=%llu lag=%llums workers=%llu",
		"WARN  [%s] slow query run=%llu took %llums rows=%llu",
		"INFO  [%s] snapshot chunk %llu flushed in %llums size=%llukB",
	};
	double t = base + (double)k * LINE_PERIOD;
	uint64_t h = sim_hash(pod, strlen(pod), sim_hash(container, strlen(container), (uint64_t)k + 1));
	char ts[48];
	if (stamps) {
		fmt_time(ts, sizeof(ts), t, true);
		sb_addf(sb, "%s ", ts);
	}
	fmt_time(ts, sizeof(ts), t, false);
	sb_addf(sb, "%s ", ts);
	sb_addf(sb, fmt[h % ARRAY_LEN(fmt)], container, (unsigned long long)(h >> 20) % 100000,
		(unsigned long long)(h >> 8) % 2000, (unsigned long long)(h >> 40) % 64);
	sb_addc(sb, '\n');
}

static const struct value *find_container(const struct value *pod, const char *name, size_t *idx)
{
	struct value *cs = value_map_path(pod, "spec.containers");
	for (size_t i = 0; cs && cs->type == V_LIST && i < cs->u.list.len; i++) {
		const char *n = vstr(cs->u.list.items[i], "name");
		if (n && (!name || strcmp(n, name) == 0)) {
			*idx = i;
			return cs->u.list.items[i];
		}
	}
	return NULL;
}

/* Checks the request; on success fills the container name and its status. */
static int pick(const struct value *pod, const char *want, const char **cname,
		const struct value **cstat, struct tops_err *err)
{
	struct value *cs = value_map_path(pod, "spec.containers");
	const char *pname = vstr(pod, "metadata.name");
	size_t idx;
	if (!want && cs && cs->type == V_LIST && cs->u.list.len > 1) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t i = 0; i < cs->u.list.len; i++)
			sb_addf(&sb, "%s%s", i ? " " : "", vstr(cs->u.list.items[i], "name") ?: "");
		tops_err_set(err, SIM_EBADREQ, "a container name must be specified for pod %s, choose one of: [%s]", pname, sb_str(&sb));
		sb_done(&sb);
		return -1;
	}
	if (!find_container(pod, want, &idx))
		return tops_err_set(err, SIM_EBADREQ, "container %s is not valid for pod %s", want ? want : "", pname);
	*cname = vstr(cs->u.list.items[idx], "name");
	*cstat = value_list_get(value_map_path(pod, "status.containerStatuses"), idx);
	return 0;
}

/* Line range [first, end) of the current or previous instance. */
static int line_range(const struct value *pod, const char *cname, const struct value *cst, bool previous,
		      double *base, long *end, struct tops_err *err)
{
	const char *pname = vstr(pod, "metadata.name");
	const char *start = NULL, *fin = NULL;
	if (previous) {
		start = vstr(cst, "lastState.terminated.startedAt");
		fin = vstr(cst, "lastState.terminated.finishedAt");
		if (!fin)
			return tops_err_set(err, SIM_EBADREQ, "previous terminated container \"%s\" in pod \"%s\" not found", cname, pname);
	} else if (vstr(cst, "state.running.startedAt")) {
		start = vstr(cst, "state.running.startedAt");
	} else if (vstr(cst, "lastState.terminated.finishedAt")) {
		start = vstr(cst, "lastState.terminated.startedAt");
		fin = vstr(cst, "lastState.terminated.finishedAt");
	} else {
		const char *why = vstr(cst, "state.waiting.reason") ?: "ContainerCreating";
		return tops_err_set(err, SIM_EBADREQ, "container \"%s\" in pod \"%s\" is waiting to start: %s", cname, pname, why);
	}
	*base = sim_from_wall(parse_ts(start));
	double stop = fin ? sim_from_wall(parse_ts(fin)) : sim_now();
	*end = stop > *base ? (long)((stop - *base) / LINE_PERIOD) + 1 : 1;
	return 0;
}

static void follow_closed_cb(uv_handle_t *h)
{
	struct follow *f = h->data;
	free(f->ns); free(f->pod); free(f->container);
	free(f);
}

static void follow_stop(void *data)
{
	struct follow *f = data;
	uv_close((uv_handle_t *)&f->timer, follow_closed_cb);
}

static void follow_cb(uv_timer_t *t)
{
	struct follow *f = t->data;
	if (!db_find(K_POD, f->ns, f->pod)) {
		srv_stream_end(f->c);
		follow_stop(f);
		return;
	}
	long end = (long)((sim_now() - f->base) / LINE_PERIOD) + 1;
	struct strbuf sb = STRBUF_INIT;
	for (; f->next < end; f->next++)
		log_line(&sb, f->pod, f->container, f->base, f->next, f->stamps);
	srv_stream_write(f->c, sb.buf, sb.len);
	sb_done(&sb);
}

static long param_long(const struct srv_req *r, const char *name, long dflt)
{
	char *v = srv_query_get(r->query, name);
	long x = v && *v ? atol(v) : dflt;
	free(v);
	return x;
}

static void start_follow(struct srv_conn *c, const char *ns, const char *pod, const char *cname,
			 double base, long next, bool stamps, const char *text, size_t len)
{
	struct follow *f = xcalloc(1, sizeof(*f));
	f->c = c;
	f->ns = xstrdup(ns);
	f->pod = xstrdup(pod);
	f->container = xstrdup(cname);
	f->base = base;
	f->next = next;
	f->stamps = stamps;
	uv_timer_init(sim_loop, &f->timer);
	f->timer.data = f;
	srv_stream_begin(c, 200, "text/plain", follow_stop, f);
	srv_stream_write(c, text, len);
	unsigned ms = (unsigned)(LINE_PERIOD * 1000 / sim_cfg.speed);
	uv_timer_start(&f->timer, follow_cb, ms < 50 ? 50 : ms, ms < 50 ? 50 : ms);
}

void logs_handle(struct srv_conn *c, const struct srv_req *r, const char *ns, const char *name)
{
	struct tops_err err = {0};
	struct value *pod = db_get(K_POD, ns, name);
	char *want = srv_query_get(r->query, "container");
	char *prev = srv_query_get(r->query, "previous"), *fol = srv_query_get(r->query, "follow");
	char *stamps = srv_query_get(r->query, "timestamps");
	const char *cname = NULL;
	const struct value *cst = NULL;
	double base = 0;
	long end = 0;
	if (!pod) {
		tops_err_set(&err, TOPS_ENOENT, "pods \"%s\" not found", name);
		goto fail;
	}
	if (pick(pod, want, &cname, &cst, &err) ||
	    line_range(pod, cname, cst, prev && strcmp(prev, "true") == 0, &base, &end, &err))
		goto fail;
	long tail = param_long(r, "tailLines", -1);
	long first = end > MAX_LINES ? end - MAX_LINES : 0;
	if (tail >= 0 && end - tail > first)
		first = end - tail;
	bool ts = stamps && strcmp(stamps, "true") == 0;
	struct strbuf sb = STRBUF_INIT;
	for (long k = first; k < end; k++)
		log_line(&sb, name, cname, base, k, ts);
	if (prev && strcmp(prev, "true") == 0 && strcmp(vstr(cst, "lastState.terminated.reason") ?: "", "OOMKilled") == 0)
		sb_addf(&sb, "fatal error: runtime: out of memory (%s killed at its memory limit)\n", cname);
	else if (prev && strcmp(prev, "true") == 0)
		sb_addf(&sb, "panic: KUBESIM_CRASH=1: %s exiting with code %lld\n", cname,
			(long long)vint(cst, "lastState.terminated.exitCode", 1));
	if (fol && strcmp(fol, "true") == 0 && !(prev && strcmp(prev, "true") == 0) && vstr(cst, "state.running.startedAt"))
		start_follow(c, ns, name, cname, base, end, ts, sb.buf ? sb.buf : "", sb.len);
	else
		srv_respond(c, 200, "text/plain", sb.buf ? sb.buf : "", sb.len);
	sb_done(&sb);
	goto done;
fail:
	api_reply_err(c, &err, K_POD, name);
done:
	tops_err_clear(&err);
	value_unref(pod);
	free(want); free(prev); free(fol); free(stamps);
}
