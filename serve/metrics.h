/* metrics — the server's own numbers in Prometheus' text format (GET /metrics): requests by
 * route and code, their durations (a histogram per route), operations by kind and result,
 * open connections. Loop thread only. */
#ifndef TOPS_SERVE_METRICS_H
#define TOPS_SERVE_METRICS_H

#include <stddef.h>

struct smetrics;

/* routes: the route names (borrowed, static), n of them. Caller frees with smetrics_free(). */
struct smetrics *smetrics_new(const char *const *routes, size_t n);
void smetrics_free(struct smetrics *m);
/* One request answered: route index (n: no route), status, seconds it took. */
void smetrics_request(struct smetrics *m, size_t route, int status, double seconds);
/* One operation ended. */
void smetrics_operation(struct smetrics *m, const char *kind, const char *result);
/* The exposition text. Caller frees. */
char *smetrics_text(const struct smetrics *m, size_t open_conns, int running_ops);

#endif
