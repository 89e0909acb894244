/* kstatus — kubectl's printer computations (kubectl 1.32 printers.go and duration.HumanDuration):
 * pod READY, STATUS, RESTARTS, AGE, and the columns of the other kinds, from store records.
 * All functions write into a caller buffer and return it; `now` is Unix seconds.
 */
#ifndef TOPS_KSTATUS_H
#define TOPS_KSTATUS_H

#include "core/kube/store.h"

/* Go's duration.HumanDuration: "45s", "5m12s", "3h4m", "2d3h", "400d", "<invalid>" for a
 * negative duration beyond clock skew. */
char *kstatus_human_duration(int64_t seconds, char *buf, size_t n);
/* translateTimestampSince: "<unknown>" for t == 0, else HumanDuration(now - t). */
char *kstatus_age(int64_t t, int64_t now, char *buf, size_t n);

/* When an event last happened, as the console shows it: lastTimestamp, else eventTime (events.k8s.io
 * series), else firstTimestamp, else the object's creation; 0 when none is set. */
int64_t kstatus_event_time(const struct st_event *e);

/* READY "ready/total" of the regular containers plus restartable init (sidecar) containers. */
char *kstatus_pod_ready(const struct st_pod *p, char *buf, size_t n);
/* STATUS exactly as kubectl prints it (Running, Pending, Completed, Init:0/2,
 * Init:CrashLoopBackOff, PodInitializing, ContainerCreating, CrashLoopBackOff, Terminating,
 * NodeLost, Evicted, Error, SchedulingGated, NotReady ...). */
char *kstatus_pod_status(const struct st_pod *p, char *buf, size_t n);
/* RESTARTS: "3" or "3 (5m ago)" (the most recent restart among the containers). */
char *kstatus_pod_restarts(const struct st_pod *p, int64_t now, char *buf, size_t n);
/* Number of restarts (sum over containers and restartable init containers). */
int kstatus_pod_restart_count(const struct st_pod *p);
/* kubectl's "pod is ready" (the Ready condition is True). */
bool kstatus_pod_is_ready(const struct st_pod *p);

#endif
