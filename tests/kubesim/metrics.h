/* metrics — /metrics in the Prometheus text format 0.0.4: cAdvisor-, kubelet- and
 * kube-state-metrics-style series plus TestOps application series, deterministic per seed. */
#ifndef KUBESIM_METRICS_H
#define KUBESIM_METRICS_H

#include "tests/kubesim/srv.h"

void metrics_handle(struct srv_conn *c, const struct srv_req *r);

#endif
