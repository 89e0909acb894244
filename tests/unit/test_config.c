/* Unit tests for core/config: defaults, file values, errors with file:line:col, query overrides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/config.h"
#include "core/prom/prom.h"

static char path[64];

static void write_cfg(const char *text)
{
	strcpy(path, "/tmp/tops-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
}

static void test_defaults_when_missing(void **state)
{
	(void)state;
	setenv("XDG_CONFIG_HOME", "/nonexistent-dir-for-tops", 1);
	unsetenv("TOPS_CONFIG");
	struct tops_opts o = {0};
	struct tops_config *c;
	assert_int_equal(config_load(&o, &c, NULL), 0);
	assert_null(c->prom_url);
	assert_int_equal(c->refresh_ms, 10000);
	assert_string_equal(c->rate, "1m");
	assert_null(config_prom_query(c, "cpu"));
	assert_string_equal(prom_query(c, "cpu"), prom_preset_query("cpu"));
	assert_int_equal(c->busy_refresh_ms, 2000);
	config_free(c);
}

static void test_values_and_overrides(void **state)
{
	(void)state;
	write_cfg("prometheus:\n  url: http://127.0.0.1:9999\n  refresh: 5s\n  rate: 2m\n"
		  "  queries:\n    cpu: my_cpu{ns=\"$namespace\"}\nrender:\n  chart: charts/x\n");
	struct tops_opts o = {.config = path};
	struct tops_config *c;
	assert_int_equal(config_load(&o, &c, NULL), 0);
	assert_string_equal(c->prom_url, "http://127.0.0.1:9999");
	assert_int_equal(c->refresh_ms, 5000);
	assert_string_equal(c->rate, "2m");
	assert_string_equal(config_prom_query(c, "cpu"), "my_cpu{ns=\"$namespace\"}");
	assert_string_equal(config_str(c, "render.chart"), "charts/x");
	assert_int_equal(c->busy_refresh_ms, 2000);
	config_free(c);
	unlink(path);
	write_cfg("console:\n  busyRefresh: 1s\n");
	assert_int_equal(config_load(&o, &c, NULL), 0);
	assert_int_equal(c->busy_refresh_ms, 1000);
	config_free(c);
	write_cfg("console:\n  busyRefresh: 4\n");
	assert_int_equal(config_load(&o, &c, NULL), 0);
	assert_int_equal(c->busy_refresh_ms, 4000);
	config_free(c);
	o.prometheus = "http://override:1";
	assert_int_equal(config_load(&o, &c, NULL), 0);
	assert_string_equal(c->prom_url, "http://override:1");
	config_free(c);
	unlink(path);
}

static void test_errors(void **state)
{
	(void)state;
	struct tops_err err = {0};
	struct tops_config *c;
	write_cfg("prometheus:\n  refresh: soon\n");
	struct tops_opts o = {.config = path};
	assert_true(config_load(&o, &c, &err) < 0);
	assert_non_null(strstr(err.msg, ":2:12: prometheus.refresh must be a duration"));
	tops_err_clear(&err);
	unlink(path);
	static const char *const bad_busy[] = {"console:\n  busyRefresh: 500ms\n",
					       "console:\n  busyRefresh: 11s\n",
					       "console:\n  busyRefresh: 1500ms\n"};
	for (size_t i = 0; i < sizeof bad_busy / sizeof bad_busy[0]; i++) {
		write_cfg(bad_busy[i]);
		assert_true(config_load(&o, &c, &err) < 0);
		assert_non_null(strstr(err.msg, ":2:16: console.busyRefresh must be whole seconds from 1s to 10s"));
		tops_err_clear(&err);
		unlink(path);
	}
	write_cfg("prometheus: [\n");
	assert_true(config_load(&o, &c, &err) < 0);
	assert_non_null(strstr(err.msg, path));
	tops_err_clear(&err);
	unlink(path);
	o.config = "/nonexistent/tops.yaml";
	assert_true(config_load(&o, &c, &err) < 0);
	tops_err_clear(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_when_missing),
		cmocka_unit_test(test_values_and_overrides),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
