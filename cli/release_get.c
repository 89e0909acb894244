#include "cli/release_get.h"
#include "cli/release_cli.h"

#include "core/base/yaml_emit.h"
#include "core/chart/values.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

struct get_args {
	const char *topic, *name, *output;
	long revision;
	bool all;
};

static void print_yaml(const struct value *v)
{
	char *s = v ? yaml_emit(v, NULL) : NULL;
	fputs(s ? s : "null\n", stdout);
	free(s);
}

static void get_manifest(const struct release *r, const struct get_args *a)
{
	(void)a;
	fputs(r->manifest ? r->manifest : "", stdout);
}

static void get_values(const struct release *r, const struct get_args *a)
{
	struct value *computed = NULL;
	const struct value *v = r->config;
	if (a->all) {
		const struct value *defaults = value_map_get(r->chart, "values");
		computed = values_merge_maps(defaults, r->config);
		v = computed;
	}
	if (a->output && !strcmp(a->output, "json") && v)
		rel_print_value(v, "json");
	else if (a->output && !strcmp(a->output, "json"))
		printf("null\n");
	else {
		if (!a->output || strcmp(a->output, "yaml"))
			printf("%s\n", a->all ? "COMPUTED VALUES:" : "USER-SUPPLIED VALUES:");
		print_yaml(v);
	}
	value_unref(computed);
}

static void get_notes(const struct release *r, const struct get_args *a)
{
	(void)a;
	if (r->info.notes && *r->info.notes)
		printf("NOTES:\n%s\n", r->info.notes);
}

static void get_hooks(const struct release *r, const struct get_args *a)
{
	(void)a;
	for (size_t i = 0; i < r->nhooks; i++)
		printf("---\n# Source: %s\n%s\n", r->hooks[i].path ? r->hooks[i].path : "",
		       r->hooks[i].manifest ? r->hooks[i].manifest : "");
}

static void get_metadata(const struct release *r, const struct get_args *a)
{
	(void)a;
	char *chart = rel_chart_cell(r), when[40];
	const struct value *ver = value_map_path(r->chart, "metadata.version");
	const struct value *name = value_map_path(r->chart, "metadata.name");
	time_t s = (time_t)r->info.last_deployed.sec;
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&s));
	printf("NAME: %s\nCHART: %s\nVERSION: %s\nAPP_VERSION: %s\nNAMESPACE: %s\nREVISION: %d\n"
	       "STATUS: %s\nDEPLOYED_AT: %s\n", r->name, name && name->type == V_STRING ? name->u.str.s : "",
	       ver && ver->type == V_STRING ? ver->u.str.s : "", rel_app_version(r), r->namespace_,
	       r->version, release_status_str(r->info.status), when);
	free(chart);
}

static void get_all(const struct release *r, const struct get_args *a)
{
	rel_print_block(stdout, r, false);
	get_values(r, a);
	printf("\nHOOKS:\n");
	get_hooks(r, a);
	printf("MANIFEST:\n");
	get_manifest(r, a);
	get_notes(r, a);
}

static const struct { const char *topic; void (*fn)(const struct release *, const struct get_args *); } topics[] = {
	{"manifest", get_manifest}, {"values", get_values}, {"notes", get_notes},
	{"hooks", get_hooks}, {"metadata", get_metadata}, {"all", get_all},
};

bool rel_get_topic(const char *word)
{
	for (size_t i = 0; word && i < ARRAY_LEN(topics); i++)
		if (!strcmp(word, topics[i].topic))
			return true;
	return false;
}

static int parse(int argc, char **argv, struct get_args *a)
{
	a->topic = argv[0];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--revision") && i + 1 < argc)
			a->revision = strtol(argv[++i], NULL, 10);
		else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
			a->output = argv[++i];
		else if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--all"))
			a->all = true;
		else if (argv[i][0] != '-' && !a->name)
			a->name = argv[i];
		else
			return fprintf(stderr, "tops: get %s: unknown flag or argument: %s\n", a->topic, argv[i]), -1;
	}
	if (!a->name)
		return fprintf(stderr, "tops: \"tops get %s\" requires a release name\n", a->topic), -1;
	return 0;
}

int rel_get(int argc, char **argv)
{
	struct get_args a = {0};
	if (parse(argc, argv, &a) < 0)
		return 2;
	struct kube_client *kc = rel_client();
	struct history h = {0};
	int code = !kc || rel_load(kc, rel_namespace(kc), a.name, &h);
	struct release *r = code ? NULL : a.revision ? history_get(&h, (int)a.revision) : history_last(&h);
	if (!code && !r) {
		fprintf(stderr, "tops: release: not found\n");
		code = 1;
	}
	for (size_t i = 0; r && i < ARRAY_LEN(topics); i++)
		if (!strcmp(a.topic, topics[i].topic))
			topics[i].fn(r, &a);
	history_done(&h);
	if (kc)
		kube_client_free(kc);
	return code;
}
