/* tops — entry point: global flags, then dispatch through the command table. */
#include "cli/commands.h"
#include "core/base/options.h"
#include "core/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tops_opts tops_opts;

enum gkind { G_STR, G_BOOL };
struct gflag {
	const char *lng, *shrt;
	enum gkind kind;
	size_t off;
	const char *help;
};

#define OFF(f) offsetof(struct tops_opts, f)
static const struct gflag gflags[] = {
	{"--kubeconfig", NULL, G_STR, OFF(kubeconfig), "path to the kubeconfig file"},
	{"--context", NULL, G_STR, OFF(context), "kubeconfig context to use"},
	{"--namespace", "-n", G_STR, OFF(namespace_), "namespace"},
	{"--all-namespaces", "-A", G_BOOL, OFF(all_namespaces), "all namespaces"},
	{"--server", "-s", G_STR, OFF(server), "API server URL"},
	{"--token", NULL, G_STR, OFF(token), "bearer token"},
	{"--certificate-authority", NULL, G_STR, OFF(certificate_authority), "CA certificate file"},
	{"--client-certificate", NULL, G_STR, OFF(client_certificate), "client certificate file"},
	{"--client-key", NULL, G_STR, OFF(client_key), "client key file"},
	{"--insecure-skip-tls-verify", NULL, G_BOOL, OFF(insecure_skip_tls_verify), "do not verify the server certificate"},
	{"--request-timeout", NULL, G_STR, OFF(request_timeout), "timeout per request (e.g. 30s, 1m)"},
	{"--prometheus", NULL, G_STR, OFF(prometheus), "Prometheus base URL"},
	{"--metrics-url", NULL, G_STR, OFF(metrics_url), "scrape this /metrics endpoint directly"},
	{"--config", NULL, G_STR, OFF(config), "tops config file"},
	{"--readonly", NULL, G_BOOL, OFF(readonly), "refuse every action that changes the cluster"},
	{"--theme", NULL, G_STR, OFF(theme), "colour theme name or file"},
};

struct command {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
};
#define X(n, f, h) {n, f, h},
static const struct command commands[] = {TOPS_COMMANDS(X)};
#undef X

static void usage(FILE *f)
{
	fprintf(f, "tops — terminal deployment console for Kubernetes\n\n"
		   "Usage:\n  tops [global flags]                 open the console\n"
		   "  tops COMMAND [flags] [global flags]\n\nCommands:\n");
	int w = 0;
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		w = (int)strlen(commands[i].name) > w ? (int)strlen(commands[i].name) : w;
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(f, "  %-*s %s\n", w, commands[i].name, commands[i].help);
	fprintf(f, "\nGlobal flags:\n");
	for (size_t i = 0; i < ARRAY_LEN(gflags); i++) {
		char left[64];
		snprintf(left, sizeof left, "%s%s%s%s", gflags[i].shrt ? gflags[i].shrt : "",
			 gflags[i].shrt ? ", " : "", gflags[i].lng, gflags[i].kind == G_STR ? " VALUE" : "");
		fprintf(f, "  %-36s %s\n", left, gflags[i].help);
	}
	fprintf(f, "\nRun `tops COMMAND --help` for a command's flags. Exit status: 0 success,\n"
		   "1 the operation failed, 2 usage error.\n");
}

/* Matches argv[*i] against the global flags; consumes it (and its value). 1 matched, 0 not, -1 error. */
static int take_global(int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	for (size_t k = 0; k < ARRAY_LEN(gflags); k++) {
		const struct gflag *g = &gflags[k];
		size_t ll = strlen(g->lng);
		bool eq = strncmp(a, g->lng, ll) == 0 && a[ll] == '=';
		bool exact = strcmp(a, g->lng) == 0 || (g->shrt && strcmp(a, g->shrt) == 0);
		bool glued = g->shrt && g->kind == G_STR && strncmp(a, g->shrt, 2) == 0 && a[2] && a[1] != '-';
		if (!eq && !exact && !glued)
			continue;
		char *field = (char *)&tops_opts + g->off;
		if (g->kind == G_BOOL) {
			*(bool *)field = !eq || strcmp(a + ll + 1, "false") != 0;
			return 1;
		}
		const char *val = eq ? a + ll + 1 : glued ? a + 2 : (*i + 1 < argc ? argv[++*i] : NULL);
		if (!val) {
			fprintf(stderr, "tops: flag %s needs a value\n", a);
			return -1;
		}
		*(const char **)field = val;
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char **rest = xcalloc((size_t)argc + 1, sizeof(char *));
	int nrest = 0;
	bool after_dashdash = false;
	for (int i = 1; i < argc; i++) {
		if (!after_dashdash && strcmp(argv[i], "--") == 0) {
			after_dashdash = true;
			rest[nrest++] = argv[i];
			continue;
		}
		/* kubeconform's own flags (-n workers, ...) follow `validate`: pass them through. */
		bool raw = nrest > 0 && strcmp(rest[0], "validate") == 0;
		int r = after_dashdash || raw ? 0 : take_global(argc, argv, &i);
		if (r < 0) {
			free(rest);
			return 2;
		}
		if (r == 0)
			rest[nrest++] = argv[i];
	}
	if (nrest > 0 && (strcmp(rest[0], "--help") == 0 || strcmp(rest[0], "-h") == 0 ||
			  strcmp(rest[0], "help") == 0)) {
		usage(stdout);
		return 0;
	}
	const char *name = nrest > 0 ? rest[0] : "ui";
	for (size_t k = 0; k < ARRAY_LEN(commands); k++)
		if (strcmp(commands[k].name, name) == 0) {
			int rc = commands[k].fn(nrest > 0 ? nrest - 1 : 0, rest + (nrest > 0 ? 1 : 0));
			free(rest);
			return rc;
		}
	fprintf(stderr, "tops: unknown command \"%s\"\n", name);
	usage(stderr);
	free(rest);
	return 2;
}
