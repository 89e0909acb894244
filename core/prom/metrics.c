#include "core/prom/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mseries {
	char *key;
	float *ring;
	size_t head, count;   /* head: next write position */
	double last_t;
	bool stale;
};

struct mtable {
	struct mseries *s;    /* sorted by key */
	size_t n, cap;
	double fetched_to;    /* end of the last successful range */
};

struct qctx {
	struct metrics *m;
	enum metric_id id;
	double end;
};

struct metrics {
	struct metrics_opts o;
	struct qctx q[MET__COUNT];   /* the query in flight per metric (at most one) */
	struct mtable t[MET__COUNT];
	uv_timer_t timer;
	bool timer_init;
	size_t ring_cap;
	double step_s;
	int inflight;
	double last_ok;       /* wall seconds */
	char *last_err;
	double apply_ms;
	unsigned rounds;      /* refreshes started */
	bool closing;
};

static const struct { const char *name, *label; } meta[] = {
#define X(id, name, label) {name, label},
	METRICS_LIST(X)
#undef X
};

const char *metrics_name(enum metric_id id)
{
	return meta[id].name;
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct metrics *metrics_new(const struct metrics_opts *o)
{
	struct metrics *m = xcalloc(1, sizeof *m);
	m->o = *o;
	long refresh = o->cfg && o->cfg->refresh_ms > 0 ? o->cfg->refresh_ms : 10000;
	long window = o->cfg && o->cfg->window_ms > 0 ? o->cfg->window_ms : 15 * 60000;
	m->step_s = refresh / 1000.0;
	m->ring_cap = (size_t)(window / refresh) + 1;
	m->last_ok = -1;
	return m;
}

static void timer_close_cb(uv_handle_t *h)
{
	free(h->data);
}

static void tables_free(struct metrics *m)
{
	for (int i = 0; i < MET__COUNT; i++) {
		for (size_t j = 0; j < m->t[i].n; j++) {
			free(m->t[i].s[j].key);
			free(m->t[i].s[j].ring);
		}
		free(m->t[i].s);
		m->t[i] = (struct mtable){0};
	}
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	/* Queries in flight are cancelled: their callbacks never run, so nothing waits for them. */
	for (int id = 0; id < MET__COUNT; id++)
		promclient_cancel(m->o.pc, &m->q[id]);
	tables_free(m);
	free(m->last_err);
	m->closing = true;
	if (m->timer_init) {
		m->timer.data = m;
		uv_close((uv_handle_t *)&m->timer, timer_close_cb);
	} else {
		free(m);
	}
}

static struct mseries *series_find(const struct mtable *t, const char *key, size_t *pos)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->s[mid].key, key);
		if (c == 0)
			return &t->s[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos)
		*pos = lo;
	return NULL;
}

static int series_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mseries *)a)->key, ((const struct mseries *)b)->key);
}

/* Finds or appends (unsorted) a series; apply() sorts the table once afterwards, so a first
 * refresh with thousands of new series costs O(n log n), not O(n^2) moves. */
static struct mseries *series_get(struct metrics *m, struct mtable *t, size_t sorted, const char *key)
{
	struct mtable head = {.s = t->s, .n = sorted};
	struct mseries *s = series_find(&head, key, NULL);
	if (s)
		return s;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->s = xrealloc(t->s, t->cap * sizeof *t->s);
	}
	s = &t->s[t->n++];
	*s = (struct mseries){.key = xstrdup(key), .ring = xcalloc(m->ring_cap, sizeof(float))};
	return s;
}

static void ring_push(struct metrics *m, struct mseries *s, double v)
{
	s->ring[s->head] = (float)v;
	s->head = (s->head + 1) % m->ring_cap;
	if (s->count < m->ring_cap)
		s->count++;
}


static void apply(struct metrics *m, enum metric_id id, const struct prom_result *r, double end)
{
	struct mtable *t = &m->t[id];
	size_t sorted = t->n, hint = 0;
	for (size_t i = 0; i < t->n; i++)
		t->s[i].stale = true;
	for (size_t i = 0; i < r->nseries; i++) {
		const struct prom_series *ps = &r->series[i];
		const struct value *lv = meta[id].label ? value_map_get(ps->labels, meta[id].label) : NULL;
		const char *key = lv && lv->type == V_STRING ? lv->u.str.s : "";
		/* Prometheus answers in label order, like the table: try the next entry first. */
		struct mseries *s = hint < sorted && strcmp(t->s[hint].key, key) == 0 ? &t->s[hint] :
				    series_get(m, t, sorted, key);
		if ((size_t)(s - t->s) < sorted)
			hint = (size_t)(s - t->s) + 1;
		s->stale = false;
		for (size_t k = 0; k < ps->n; k++)
			if (ps->samples[k].t > s->last_t) {
				ring_push(m, s, ps->samples[k].v);
				s->last_t = ps->samples[k].t;
			}
	}
	if (t->n != sorted)
		qsort(t->s, t->n, sizeof *t->s, series_cmp);
	t->fetched_to = end;
}

static void query_cb(void *ud, int rc, struct prom_result *res, const char *msg)
{
	struct qctx *q = ud;
	struct metrics *m = q->m;
	m->inflight--;
	double t0 = cpu_ms();
	if (rc == 0 && res->type == PROM_MATRIX) {
		apply(m, q->id, res, q->end);
		m->last_ok = wall_now();
		free(m->last_err);
		m->last_err = NULL;
	} else if (rc) {
		free(m->last_err);
		m->last_err = xstrdup(msg ? msg : "Prometheus query failed");
	}
	m->apply_ms += cpu_ms() - t0;
	if (m->inflight == 0 && m->o.on_change)
		m->o.on_change(m->o.ud);
}

static char *expanded_query(struct metrics *m, enum metric_id id)
{
	struct value *vars = value_map();
	value_map_set(vars, "namespace", value_str(m->o.namespace_ ? m->o.namespace_ : "default"));
	value_map_set(vars, "pods", value_str(".*"));
	value_map_set(vars, "pod", value_str(".*"));
	value_map_set(vars, "pvc", value_str(".*"));
	value_map_set(vars, "rate", value_str(m->o.cfg && m->o.cfg->rate ? m->o.cfg->rate : "1m"));
	const char *tmpl = prom_query(m->o.cfg, meta[id].name);
	char *q = prom_expand(tmpl, vars);
	value_unref(vars);
	return q;
}

/* Requests and limits change only with a rollout: every sixth refresh is enough. */
static bool slow_metric(enum metric_id id)
{
	return id == MET_CPU_REQ || id == MET_CPU_LIM || id == MET_MEM_REQ || id == MET_MEM_LIM ||
	       id == MET_PVC_CAP;
}

void metrics_refresh(struct metrics *m)
{
	if (m->inflight > 0 || m->closing)
		return;   /* the previous refresh is still running: skip, never pile up */
	double now = wall_now();
	m->apply_ms = 0;
	for (int id = 0; id < MET__COUNT; id++) {
		if (slow_metric((enum metric_id)id) && m->rounds % 6 != 0)
			continue;
		double window = m->step_s * (double)(m->ring_cap - 1);
		double start = m->t[id].fetched_to > now - window ? m->t[id].fetched_to : now - window;
		struct qctx *q = &m->q[id];
		*q = (struct qctx){m, (enum metric_id)id, now};
		char *query = expanded_query(m, (enum metric_id)id);
		struct tops_err err = {0};
		if (promclient_query_range(m->o.pc, query, start, now, m->step_s, query_cb, q, &err) == 0) {
			m->inflight++;
		} else {
			free(m->last_err);
			m->last_err = xstrdup(tops_err_msg(&err));
		}
		tops_err_clear(&err);
		free(query);
	}
	m->rounds++;
	if (m->inflight == 0 && m->o.on_change)
		m->o.on_change(m->o.ud);
}

static void timer_cb(uv_timer_t *t)
{
	metrics_refresh(t->data);
}

void metrics_start(struct metrics *m)
{
	if (!m->timer_init) {
		uv_timer_init(m->o.loop, &m->timer);
		m->timer.data = m;
		m->timer_init = true;
	}
	uint64_t step = (uint64_t)(m->step_s * 1000);
	uv_timer_start(&m->timer, timer_cb, 0, step);
}

double metrics_last(const struct metrics *m, enum metric_id id, const char *key)
{
	const struct mseries *s = series_find(&m->t[id], key, NULL);
	if (!s || !s->count)
		return NAN;
	return s->ring[(s->head + m->ring_cap - 1) % m->ring_cap];
}

size_t metrics_history(const struct metrics *m, enum metric_id id, const char *key, double *out,
		       size_t max)
{
	const struct mseries *s = series_find(&m->t[id], key, NULL);
	if (!s)
		return 0;
	size_t n = s->count < max ? s->count : max;
	for (size_t i = 0; i < n; i++)
		out[i] = s->ring[(s->head + m->ring_cap - n + i) % m->ring_cap];
	return n;
}

bool metrics_stale(const struct metrics *m, enum metric_id id, const char *key)
{
	const struct mseries *s = series_find(&m->t[id], key, NULL);
	return !s || s->stale;
}

void metrics_each(const struct metrics *m, enum metric_id id,
		  void (*fn)(void *ud, const char *key, double last), void *ud)
{
	for (size_t i = 0; i < m->t[id].n; i++)
		fn(ud, m->t[id].s[i].key, metrics_last(m, id, m->t[id].s[i].key));
}

double metrics_age(const struct metrics *m)
{
	return m->last_ok < 0 ? -1 : wall_now() - m->last_ok;
}

const char *metrics_error(const struct metrics *m)
{
	return m->last_err;
}

double metrics_last_apply_ms(const struct metrics *m)
{
	return m->apply_ms;
}

void metrics_fmt_cpu(char *buf, size_t n, double cores)
{
	if (isnan(cores))
		snprintf(buf, n, "-");
	else if (cores < 10)
		snprintf(buf, n, "%.0fm", cores * 1000);
	else
		snprintf(buf, n, "%.1f", cores);
}

void metrics_fmt_bytes(char *buf, size_t n, double bytes)
{
	static const char *const units[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi"};
	if (isnan(bytes)) {
		snprintf(buf, n, "-");
		return;
	}
	size_t u = 0;
	double v = bytes;
	while (v >= 1024 && u + 1 < ARRAY_LEN(units) && (u < 2 || v >= 1024 * 10))
		v /= 1024, u++;
	if (u == 0)
		snprintf(buf, n, "%.0f", v);
	else if (v < 10 && u > 2)
		snprintf(buf, n, "%.1f%s", v, units[u]);
	else
		snprintf(buf, n, "%.0f%s", v, units[u]);
}
