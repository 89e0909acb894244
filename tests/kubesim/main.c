/* kubesim — a Kubernetes API server simulator for tests and demos.
 * bin/kubesim [--listen 127.0.0.1:PORT] [--scenario FILE.yaml]... [--pods N] [--speed X] [--seed N]
 *             [--history N] [--bookmark-ms N] [--openapi-schemas DIR] */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/kubesim/api.h"
#include "tests/kubesim/ctrl.h"
#include "tests/kubesim/openapi.h"
#include "tests/kubesim/scenario.h"
#include "tests/kubesim/watch.h"

struct args {
	char host[64];
	int port, pods;
	const char *scenarios[32];
	int nscenarios;
	const char *openapi_schemas;
};

static void usage(void)
{
	fprintf(stderr, "usage: kubesim [--listen 127.0.0.1:PORT] [--scenario FILE.yaml]... [--pods N]\n"
			"               [--speed X] [--seed N] [--history N] [--bookmark-ms N]\n"
			"               [--openapi-schemas DIR]\n");
	exit(2);
}

static int parse_listen(const char *s, struct args *a)
{
	const char *colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(a->host))
		return -1;
	memcpy(a->host, s, (size_t)(colon - s));
	a->host[colon - s] = 0;
	a->port = atoi(colon + 1);
	if (strcmp(a->host, "127.0.0.1") != 0 && strcmp(a->host, "localhost") != 0) {
		fprintf(stderr, "kubesim: refusing to listen on %s: loopback only\n", a->host);
		exit(2);
	}
	strcpy(a->host, "127.0.0.1");
	return 0;
}

static void parse_args(int argc, char **argv, struct args *a)
{
	strcpy(a->host, "127.0.0.1");
	a->port = 0;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			usage();
		if (strcmp(o, "--listen") == 0 && parse_listen(v, a) == 0)
			;
		else if (strcmp(o, "--scenario") == 0 && a->nscenarios < 32)
			a->scenarios[a->nscenarios++] = v;
		else if (strcmp(o, "--pods") == 0)
			a->pods = atoi(v);
		else if (strcmp(o, "--speed") == 0 && atof(v) > 0)
			sim_cfg.speed = atof(v);
		else if (strcmp(o, "--seed") == 0)
			sim_cfg.seed = strtoull(v, NULL, 10);
		else if (strcmp(o, "--history") == 0 && atol(v) > 0)
			sim_cfg.history = (size_t)atol(v);
		else if (strcmp(o, "--bookmark-ms") == 0 && atol(v) > 0)
			watch_bookmark_ms = (unsigned)atol(v);
		else if (strcmp(o, "--openapi-schemas") == 0)
			a->openapi_schemas = v;
		else
			usage();
		i++;
	}
}

static void signal_cb(uv_signal_t *s, int signum)
{
	fflush(stdout);
	_exit(0);
}

int main(int argc, char **argv)
{
	struct args a = {0};
	struct tops_err err = {0};
	uv_signal_t sigterm, sigint;
	int port;
	parse_args(argc, argv, &a);
	signal(SIGPIPE, SIG_IGN);
	sim_loop = uv_default_loop();
	sim_clock_init();
	db_init(sim_cfg.history);
	watch_init();
	ctrl_init();
	scenario_base();
	for (int i = 0; i < a.nscenarios; i++)
		if (scenario_load(a.scenarios[i], &err)) {
			fprintf(stderr, "kubesim: %s\n", tops_err_msg(&err));
			tops_err_clear(&err);
			return 1;
		}
	if (a.pods > 0)
		scenario_pods(a.pods);
	if (a.openapi_schemas && openapi_load_dir(a.openapi_schemas, &err) < 0) {
		fprintf(stderr, "kubesim: %s\n", tops_err_msg(&err));
		return 1;
	}
	int rc = srv_listen(sim_loop, a.host, a.port, api_handle, api_delay, &port);
	if (rc) {
		fprintf(stderr, "kubesim: cannot listen on %s:%d: %s\n", a.host, a.port, uv_strerror(rc));
		return 1;
	}
	uv_signal_init(sim_loop, &sigterm);
	uv_signal_start(&sigterm, signal_cb, SIGTERM);
	uv_signal_init(sim_loop, &sigint);
	uv_signal_start(&sigint, signal_cb, SIGINT);
	printf("kubesim: listening on http://127.0.0.1:%d\n", port);
	fflush(stdout);
	return uv_run(sim_loop, UV_RUN_DEFAULT);
}
