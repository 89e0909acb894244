/* tops serve — the deployment API for CI (serve/): flags to serve_opts. */
#include "cli/commands.h"

#include "core/base/options.h"
#include "core/base/timefmt.h"
#include "serve/serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sflag { SF_LISTEN, SF_TOKEN_FILE, SF_TLS_CERT, SF_TLS_KEY, SF_CHART_ROOT, SF_READONLY,
	     SF_MAX_BODY, SF_MAX_CONNS, SF_HEADER_TIMEOUT, SF_REQUEST_TIMEOUT, SF_RATE, SF_BURST,
	     SF_RUNNER, SF_HEALTH_AUTH, SF_HEALTH_INTERVAL, SF_HELP };

/* Every flag of `tops serve`; --help is generated from this table. */
static const struct {
	const char *name;
	enum sflag id;
	const char *arg, *help;
} flags[] = {
	{"--listen", SF_LISTEN, "HOST:PORT", "address to listen on (default 127.0.0.1:8080; not loopback: needs TLS and --token-file)"},
	{"--token-file", SF_TOKEN_FILE, "FILE", "bearer tokens, lines \"NAME ROLE TOKEN\" (default $XDG_CONFIG_HOME/tops/serve-tokens, made on first start)"},
	{"--tls-cert", SF_TLS_CERT, "FILE", "TLS certificate chain (PEM)"},
	{"--tls-key", SF_TLS_KEY, "FILE", "TLS private key (PEM)"},
	{"--chart-root", SF_CHART_ROOT, "DIR", "charts named in a preview are paths under DIR (nothing outside it)"},
	{"--readonly", SF_READONLY, NULL, "refuse every mutating route (403)"},
	{"--max-body", SF_MAX_BODY, "SIZE", "request body limit (default 10MiB; KiB, MiB suffixes)"},
	{"--max-connections", SF_MAX_CONNS, "N", "open connections at most (default 256; more get 503)"},
	{"--header-timeout", SF_HEADER_TIMEOUT, "DURATION", "time for a request's headers, idle keep-alive included (default 10s)"},
	{"--request-timeout-body", SF_REQUEST_TIMEOUT, "DURATION", "time for a request's body after its headers (default 30s)"},
	{"--rate", SF_RATE, "N", "requests a second per client address (default 20; 0: no limit)"},
	{"--burst", SF_BURST, "N", "requests a client may send at once (default 40)"},
	{"--runner", SF_RUNNER, "NS/NAME", "the runner Deployment /v1/health checks (default testops-runner in the namespace)"},
	{"--health-auth", SF_HEALTH_AUTH, NULL, "GET /v1/health needs a read token too"},
	{"--health-interval", SF_HEALTH_INTERVAL, "DURATION", "how often the health checks run (default 1s)"},
	{"--help", SF_HELP, NULL, "this help"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: tops serve [flags]\n\nThe deployment API for CI over HTTP (docs/api.md): previews, "
		"health, releases,\nrollbacks, operations with Server-Sent Events, metrics.\n\nFlags:\n");
	for (size_t i = 0; i < ARRAY_LEN(flags); i++)
		fprintf(f, "  %s%s%-*s %s\n", flags[i].name, flags[i].arg ? " " : "",
			(int)(28 - strlen(flags[i].name) - (flags[i].arg ? 1 : 0)),
			flags[i].arg ? flags[i].arg : "", flags[i].help);
}

static long parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	static const struct { const char *suf; long mul; } sufs[] = {
		{"", 1}, {"B", 1}, {"KiB", 1024}, {"K", 1024}, {"MiB", 1 << 20}, {"M", 1 << 20}, {"GiB", 1L << 30}};
	for (size_t i = 0; i < ARRAY_LEN(sufs); i++)
		if (end != s && v >= 0 && !strcmp(end, sufs[i].suf))
			return (long)(v * (double)sufs[i].mul);
	return -1;
}

static int set_flag(struct serve_opts *o, enum sflag id, const char *v)
{
	long n;
	switch (id) {
	case SF_LISTEN: o->listen = v; return 0;
	case SF_TOKEN_FILE: o->token_file = v; return 0;
	case SF_TLS_CERT: o->tls_cert = v; return 0;
	case SF_TLS_KEY: o->tls_key = v; return 0;
	case SF_CHART_ROOT: o->chart_root = v; return 0;
	case SF_RUNNER: o->runner = v; return 0;
	case SF_READONLY: o->readonly = true; return 0;
	case SF_HEALTH_AUTH: o->health_auth = true; return 0;
	case SF_MAX_BODY: return (n = parse_size(v)) > 0 ? (o->max_body = (size_t)n, 0) : -1;
	case SF_MAX_CONNS: return (n = atol(v)) > 0 ? (o->max_conns = (size_t)n, 0) : -1;
	case SF_HEADER_TIMEOUT: return (o->header_timeout_ms = time_parse_duration_ms(v)) > 0 ? 0 : -1;
	case SF_REQUEST_TIMEOUT: return (o->request_timeout_ms = time_parse_duration_ms(v)) > 0 ? 0 : -1;
	case SF_HEALTH_INTERVAL: return (o->health_interval_ms = time_parse_duration_ms(v)) > 0 ? 0 : -1;
	case SF_RATE: o->rate = strtod(v, NULL); return o->rate >= 0 ? 0 : -1;
	case SF_BURST: o->burst = strtod(v, NULL); return o->burst >= 1 ? 0 : -1;
	case SF_HELP: return 0;
	}
	return -1;
}

/* One flag at argv[*i] ("--x v" or "--x=v"); -1 after printing the problem. */
static int take(struct serve_opts *o, int argc, char **argv, int *i, bool *help)
{
	const char *a = argv[*i], *eq = strchr(a, '=');
	size_t len = eq ? (size_t)(eq - a) : strlen(a);
	for (size_t k = 0; k < ARRAY_LEN(flags); k++) {
		if (strlen(flags[k].name) != len || strncmp(flags[k].name, a, len))
			continue;
		const char *v = eq ? eq + 1 : NULL;
		if (flags[k].arg && !v && *i + 1 < argc)
			v = argv[++*i];
		if (flags[k].arg && !v)
			return fprintf(stderr, "tops: %s needs %s\n", flags[k].name, flags[k].arg), -1;
		*help |= flags[k].id == SF_HELP;
		if (set_flag(o, flags[k].id, v) < 0)
			return fprintf(stderr, "tops: %s %s: not a valid %s\n", flags[k].name, v, flags[k].arg), -1;
		return 0;
	}
	fprintf(stderr, "tops: unknown flag %s for serve (see tops serve --help)\n", a);
	return -1;
}

int cmd_serve(int argc, char **argv)
{
	struct serve_opts o = {.listen = "127.0.0.1:8080", .max_body = 10 << 20, .max_conns = 256,
			       .header_timeout_ms = 10000, .request_timeout_ms = 30000, .rate = 20,
			       .burst = 40, .health_interval_ms = 1000, .readonly = tops_opts.readonly};
	bool help = false;
	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "-h"))
			help = true;
		else if (take(&o, argc, argv, &i, &help) < 0)
			return 2;
	if (help)
		return usage(stdout), 0;
	return serve_run(&o);
}
