#include "core/base/timefmt.h"
#include "core/base/config.h"

#include "core/base/timefmt.h"
#include "core/base/yaml.h"

#include <stdlib.h>
#include <string.h>

static char *default_path(const struct tops_opts *opts, bool *explicit_)
{
	*explicit_ = true;
	if (opts && opts->config)
		return xstrdup(opts->config);
	const char *env = getenv("TOPS_CONFIG");
	if (env && *env)
		return xstrdup(env);
	*explicit_ = false;
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && *xdg)
		return xasprintf("%s/tops/config.yaml", xdg);
	const char *home = getenv("HOME");
	return home ? xasprintf("%s/.config/tops/config.yaml", home) : NULL;
}

const char *config_str(const struct tops_config *c, const char *dotted)
{
	const struct value *v = value_map_path(c->root, dotted);
	return v && v->type == V_STRING ? v->u.str.s : NULL;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int duration_setting(struct tops_config *c, const char *key, long dflt, long *out,
			    struct tops_err *err)
{
	const struct value *v = value_map_path(c->root, key);
	*out = dflt;
	if (!v)
		return 0;
	long ms = v->type == V_STRING ? time_parse_duration_ms(v->u.str.s) :
		  v->type == V_INT ? (long)v->u.i * 1000 : -1;
	if (ms <= 0)
		return tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: %s must be a duration such as 10s or 1m",
				    c->path, v->line, v->col, key);
	*out = ms;
	return 0;
}

static int busy_refresh_check(const struct tops_config *c, struct tops_err *err)
{
	if (c->busy_refresh_ms >= 1000 && c->busy_refresh_ms <= 10000 && c->busy_refresh_ms % 1000 == 0)
		return 0;
	const struct value *v = value_map_path(c->root, "console.busyRefresh");
	return tops_err_set(err, TOPS_EINVAL, "%s:%d:%d: console.busyRefresh must be whole seconds "
			    "from 1s to 10s", c->path, v->line, v->col);
}

static int read_token_file(struct tops_config *c, struct tops_err *err)
{
	const char *f = config_str(c, "prometheus.bearerTokenFile");
	if (!f || c->prom_bearer)
		return 0;
	char *tok;
	size_t n;
	if (read_file(f, 1 << 20, &tok, &n, err))
		return tops_err_prefix(err, "%s: prometheus.bearerTokenFile", c->path);
	while (n && (tok[n - 1] == '\n' || tok[n - 1] == '\r' || tok[n - 1] == ' '))
		tok[--n] = 0;
	c->prom_bearer = tok;
	return 0;
}

int config_load(const struct tops_opts *opts, struct tops_config **out, struct tops_err *err)
{
	bool explicit_;
	struct tops_config *c = xcalloc(1, sizeof *c);
	char *path = default_path(opts, &explicit_);
	struct tops_err lerr = {0};
	c->root = path ? yaml_load_file(path, NULL, &lerr) : NULL;
	if (!c->root && (explicit_ || lerr.code != TOPS_ENOENT) && path) {
		tops_err_set(err, lerr.code, "config: %s", lerr.msg);
		tops_err_clear(&lerr);
		free(path);
		config_free(c);
		return -err->code;
	}
	tops_err_clear(&lerr);
	if (!c->root || c->root->type != V_MAP) {
		value_unref(c->root);
		c->root = value_map();
	}
	c->path = path;
	c->prom_url = dup_or_null(opts && opts->prometheus ? opts->prometheus : config_str(c, "prometheus.url"));
	c->prom_bearer = dup_or_null(config_str(c, "prometheus.bearerToken"));
	c->prom_username = dup_or_null(config_str(c, "prometheus.username"));
	c->prom_password = dup_or_null(config_str(c, "prometheus.password"));
	c->rate = xstrdup(config_str(c, "prometheus.rate") ? config_str(c, "prometheus.rate") : "1m");
	if (duration_setting(c, "prometheus.refresh", 10000, &c->refresh_ms, err) ||
	    duration_setting(c, "prometheus.window", 15 * 60000, &c->window_ms, err) ||
	    duration_setting(c, "console.busyRefresh", 2000, &c->busy_refresh_ms, err) ||
	    busy_refresh_check(c, err) || read_token_file(c, err)) {
		config_free(c);
		return -err->code;
	}
	*out = c;
	return 0;
}

void config_free(struct tops_config *c)
{
	if (!c)
		return;
	value_unref(c->root);
	free(c->path);
	free(c->prom_url);
	free(c->prom_bearer);
	free(c->prom_username);
	free(c->prom_password);
	free(c->rate);
	free(c);
}

const char *config_prom_query(const struct tops_config *c, const char *name)
{
	const struct value *q = value_map_get(value_map_path(c->root, "prometheus.queries"), name);
	if (q && q->type == V_STRING)
		return q->u.str.s;
	return NULL;
}
