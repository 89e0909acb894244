/* metrics_ui — the console's glue to Prometheus (core/metrics) and the entry points of the
 * Metrics and Render views.
 *
 * One console runs per process, so the metrics state is a single instance owned by this module:
 * metrics_ui_start() creates it, metrics_ui_stop() frees it. Table cells (which have no ui
 * pointer) read it through the functions below; everything runs on the loop thread.
 *
 * Prometheus is --prometheus / prometheus.url from the config file, else a Service labelled
 * app.kubernetes.io/name=prometheus in the namespace or in `monitoring`, found with an async GET
 * through the API server and reached through its service proxy. When there is none, the
 * columns show "-" and the console says once how to configure it.
 */
#ifndef TOPS_TUI_METRICS_UI_H
#define TOPS_TUI_METRICS_UI_H

#include "core/prom/metrics.h"
#include "tui/tui.h"

/* Loads the config and starts metrics for ui->data's namespace (discovery is async). Never
 * fails: problems become one status message. */
void metrics_ui_start(struct ui *ui);
/* Stops refreshes and frees everything (call before ui->data's client goes away). */
void metrics_ui_stop(void);
/* The running metrics, or NULL while there is no Prometheus. Borrowed. */
const struct metrics *metrics_ui_metrics(void);
/* True while metrics run (a Prometheus is configured or found): the metric columns show only
 * then, so an 80-column screen keeps RESTARTS and AGE when there is no Prometheus. */
bool metrics_ui_on(void);
/* Changes whenever metrics_ui_metrics() or its data change (a refresh landed or failed, a new
 * Prometheus, a stop): views keep what they computed from the data until it changes. */
uint64_t metrics_ui_generation(void);
/* Where Prometheus is ("http://127.0.0.1:9090" or the proxy path), or why there is none. */
const char *metrics_ui_where(void);
/* The loaded config (NULL when it failed to load). Borrowed until metrics_ui_stop(). */
const struct tops_config *metrics_ui_config(void);

/* Pod cells: "120m 60%": usage and percent of the request (of the limit when only a limit is
 * set); with both, "120m 60%/30%" (of request / of limit). "-" when unknown.
 * mem false: CPU; true: working-set memory. */
void metrics_ui_pod_cell(const char *pod, bool mem, bool both, char *buf, size_t n);
/* Usage in millicores (cpu) or bytes (mem) for sorting; -1 when unknown. */
int64_t metrics_ui_pod_sort(const char *pod, bool mem);
/* PVC cell: "1.2Gi 45%" (used, % of capacity); capacity_hint is the claim's status capacity
 * ("10Gi", may be "") used when Prometheus has no capacity series. */
void metrics_ui_pvc_cell(const char *pvc, const char *capacity_hint, char *buf, size_t n);
/* Percent of the claim used (NaN when unknown). */
double metrics_ui_pvc_pct(const char *pvc, const char *capacity_hint);
/* The PVC warning threshold (percent used). */
#define METRICS_UI_PVC_WARN 85.0

/* Draws "Prometheus unreachable — last data 42 s ago" when refreshes fail; returns rows used
 * (0 or 1). */
int metrics_ui_banner(int y, int w);

/* Sparkline of v[0..n) in w cells (block glyphs, ASCII when not UTF-8), scaled 0..max; NaN is a
 * blank cell. Writes a NUL-terminated string into buf. */
void metrics_ui_sparkline(const double *v, size_t n, double max, char *buf, size_t cap);

/* Views (full screen, pushed on the ui): the Metrics dashboard and the Render view. */
struct pane *metrics_pane_new(struct ui *ui);
/* chart NULL and no values: the config's render.chart / render.values defaults. */
struct pane *render_pane_new(struct ui *ui, const char *chart, const char *const *values,
			     size_t nvalues);
/* `:metrics` and `:render [CHART] [-f FILE]...` for the command table. */
int metrics_command(struct ui *ui, const char *arg);
int render_command(struct ui *ui, const char *arg);

/* tui/pane_snapshots.c: the Snapshots view of a release (NULL: config render.release, else
 * "testops") in the console's namespace, and its `:snapshots [RELEASE]` command. */
struct pane *snapshots_pane_new(struct ui *ui, const char *release);
int snapshots_command(struct ui *ui, const char *arg);

#endif
