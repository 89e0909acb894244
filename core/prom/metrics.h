/* metrics — per-series ring buffers fed by periodic Prometheus range queries.
 *
 * Every refresh (default 10 s) issues ONE range query per metric for the whole namespace (never
 * one per pod), decoded off the loop thread by promclient, then appends the new samples to a ring
 * buffer per series (window / step samples, default 15 minutes). A series missing from the
 * latest answer is marked stale. Everything here runs on the loop thread.
 */
#ifndef TOPS_METRICS_H
#define TOPS_METRICS_H

#include "core/prom/promclient.h"

/* Metric ids: each names a query preset (core/prom.c, overridable in the config) and the label
 * that keys its series. */
#define METRICS_LIST(X) \
	X(MET_CPU, "cpu", "pod") \
	X(MET_MEM, "memory", "pod") \
	X(MET_CPU_REQ, "cpu_requests", "pod") \
	X(MET_CPU_LIM, "cpu_limits", "pod") \
	X(MET_MEM_REQ, "memory_requests", "pod") \
	X(MET_MEM_LIM, "memory_limits", "pod") \
	X(MET_NET_RX, "net_rx", "pod") \
	X(MET_NET_TX, "net_tx", "pod") \
	X(MET_RESTARTS, "restarts", "pod") \
	X(MET_PVC_USED, "pvc_used", "persistentvolumeclaim") \
	X(MET_PVC_CAP, "pvc_capacity", "persistentvolumeclaim") \
	X(MET_APP_RATE, "app_request_rate", NULL) \
	X(MET_APP_ERR, "app_error_ratio", NULL) \
	X(MET_APP_P99, "app_p99_seconds", NULL)

#define X(id, name, label) id,
enum metric_id { METRICS_LIST(X) MET__COUNT };
#undef X

struct metrics;

struct metrics_opts {
	uv_loop_t *loop;
	struct promclient *pc;          /* borrowed */
	const struct tops_config *cfg;  /* borrowed: queries, refresh, rate, window */
	const char *namespace_;
	void (*on_change)(void *ud);    /* after a refresh landed or failed (loop thread) */
	void *ud;
};

struct metrics *metrics_new(const struct metrics_opts *o);
void metrics_free(struct metrics *m);
/* Starts the refresh timer (first refresh immediately). */
void metrics_start(struct metrics *m);
/* Runs one refresh now (tests, or the console's `r`). */
void metrics_refresh(struct metrics *m);

/* Latest value of a series (NaN when none); key is the pod/PVC name ("" for app metrics). */
double metrics_last(const struct metrics *m, enum metric_id id, const char *key);
/* Copies up to max most recent samples (oldest first) into out; returns how many. */
size_t metrics_history(const struct metrics *m, enum metric_id id, const char *key, double *out,
		       size_t max);
bool metrics_stale(const struct metrics *m, enum metric_id id, const char *key);
/* Calls fn for every series of a metric (key borrowed). */
void metrics_each(const struct metrics *m, enum metric_id id,
		  void (*fn)(void *ud, const char *key, double last), void *ud);

/* Health: seconds since the last successful refresh (-1: never) and the last error (NULL when
 * the last refresh succeeded). Borrowed. */
double metrics_age(const struct metrics *m);
const char *metrics_error(const struct metrics *m);
const char *metrics_name(enum metric_id id);

/* Units like kubectl top: cores -> "12m" / "1.5", bytes -> "34Mi" / "1.2Gi". */
void metrics_fmt_cpu(char *buf, size_t n, double cores);
void metrics_fmt_bytes(char *buf, size_t n, double bytes);

/* Loop-thread CPU time (ms) spent applying the last refresh (for make bench). */
double metrics_last_apply_ms(const struct metrics *m);

#endif
