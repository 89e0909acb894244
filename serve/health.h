/* health — what GET /v1/health answers: the API itself, the cluster (reachable, version) and
 * the runner (its Deployment available and ready, its pods' readiness). The checks run on the
 * server's loop with async requests, refreshed every interval, so a health request costs no
 * call to the cluster and the loop never waits. */
#ifndef TOPS_SERVE_HEALTH_H
#define TOPS_SERVE_HEALTH_H

#include "core/kube/kube.h"

struct health;

/* Watches runner Deployment ns/name through kc (borrowed, on the loop). Caller frees with
 * health_free(). */
struct health *health_new(struct kube_client *kc, const char *ns, const char *name, long interval_ms);
void health_start(struct health *h);
/* The answer: its JSON (caller frees) and whether everything is ready (200) or not (503). */
char *health_json(const struct health *h, bool *ready);
/* Stops the timer and cancels requests; frees after the loop ran. */
void health_free(struct health *h);

#endif
