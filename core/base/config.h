/* config — tops' own configuration file (YAML).
 *
 * Location: --config FILE, else $TOPS_CONFIG, else $XDG_CONFIG_HOME/tops/config.yaml (default
 * ~/.config/tops/config.yaml). A missing default file is not an error. Keys:
 *
 *   prometheus:
 *     url: http://127.0.0.1:9090      # like --prometheus
 *     bearerToken: ...                # or bearerTokenFile: /path
 *     username: ...                   # basic auth
 *     password: ...
 *     refresh: 10s                    # console refresh step
 *     rate: 1m                        # $rate in queries
 *     window: 15m                     # sparkline history
 *     queries: {cpu: "...", memory: "..."}   # override presets by name
 *   render:
 *     chart: charts/testops
 *     values: [deploy/offline-values.yaml]
 *   theme: default
 *   console:
 *     busyRefresh: 2s                 # redraw step while the cluster churns (1s to 10s)
 *     shell: /bin/sh                  # what `s` on a pod runs (words split at blanks)
 */
#ifndef TOPS_CONFIG_H
#define TOPS_CONFIG_H

#include "core/base/value.h"
#include "core/base/options.h"

struct tops_config {
	struct value *root;        /* the whole file (V_MAP; empty map when there is none) */
	char *path;                /* the file read, or NULL */
	char *prom_url;            /* --prometheus wins over the file */
	char *prom_bearer;
	char *prom_username, *prom_password;
	long refresh_ms;           /* default 10000 */
	char *rate;                /* default "1m" */
	long window_ms;            /* default 15 minutes */
	long busy_refresh_ms;      /* console.busyRefresh: default 2000, 1000..10000 */
};

/* Loads the config for these global options. Errors (bad YAML, bad duration) name file:line:col.
 * Caller frees with config_free(). */
int config_load(const struct tops_opts *opts, struct tops_config **out, struct tops_err *err);
void config_free(struct tops_config *c);
/* The config's override of the query for a preset name (prometheus.queries.NAME), or NULL.
 * Borrowed. prom_query() falls back to the built-in preset. */
const char *config_prom_query(const struct tops_config *c, const char *name);
/* A string setting by dotted path ("render.chart"), or NULL. Borrowed. */
const char *config_str(const struct tops_config *c, const char *dotted);

#endif
