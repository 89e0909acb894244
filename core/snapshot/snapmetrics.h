/* snapmetrics — a snapshot's Prometheus part: per workload CPU and memory (p50, p95, max over
 * the window), the TestOps series (request rate, error rate, request latency p95, job duration
 * mean and p95, job throughput), the PVCs' used bytes and the queries of a queries file. All
 * queries are instant queries (subqueries for the quantiles), sent at once. */
#ifndef TOPS_SNAPMETRICS_H
#define TOPS_SNAPMETRICS_H

#include "core/snapshot/snapshot.h"

/* Fills rec's "metrics" map ({source, error, workloads, series, queries}) and the PVCs'
 * usedBytes. o->prom must run on kc's loop. Never fails: a Prometheus that does not answer is
 * metrics.error ("Prometheus unreachable at URL: ..."), its figures null. */
void snapmetrics_collect(struct kube_client *kc, const struct snapshot_take_opts *o, struct value *rec);

/* The PromQL regex alternation of names ("^(a|b\\.c)$" without the anchors: "a|b\\.c"),
 * dots escaped. Caller frees. */
char *snapmetrics_names_regex(const struct value *names);

/* Reads a queries file (YAML or JSON): a list, or a map with `queries:`, of
 * {name, query, worse: up|down|none (default up), threshold: "5%" (default --max-regression)}.
 * *out is a list of maps {name, query, worse, threshold (fraction or absent)}. Errors name the
 * file, line and column ("q.yaml:3:5: query 2 has no `query`"). */
int snapshot_queries_load(const char *path, struct value **out, struct tops_err *err);

#endif
