/* tops history NAME — helm's columns: REVISION UPDATED STATUS CHART APP VERSION DESCRIPTION
 * (UPDATED in Go's ANSIC layout); -o json|yaml gives helm's field names. */
#include "cli/commands.h"
#include "cli/release_cli.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct value *history_value(struct release *const *r, size_t n)
{
	struct value *l = value_list();
	for (size_t i = 0; i < n; i++) {
		struct value *e = value_map();
		char when[40];
		time_t s = (time_t)r[i]->info.last_deployed.sec;
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&s));
		value_map_set(e, "revision", value_int(r[i]->version));
		value_map_set(e, "updated", value_str(when));
		value_map_set(e, "status", value_str(release_status_str(r[i]->info.status)));
		char *chart = rel_chart_cell(r[i]);
		value_map_set(e, "chart", value_str(chart));
		free(chart);
		value_map_set(e, "app_version", value_str(rel_app_version(r[i])));
		value_map_set(e, "description", value_str(r[i]->info.description ? r[i]->info.description : ""));
		value_list_push(l, e);
	}
	return l;
}

static void history_table(struct release *const *r, size_t n)
{
	static const char *const hdr[] = {"REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION"};
	char ***rows = xcalloc(n + 1, sizeof *rows);
	for (size_t i = 0; i < n; i++) {
		char **row = rows[i] = xcalloc(6, sizeof *row);
		char when[64];
		time_t s = (time_t)r[i]->info.last_deployed.sec;
		strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", localtime(&s));
		row[0] = xasprintf("%d", r[i]->version);
		row[1] = xstrdup(when);
		row[2] = xstrdup(release_status_str(r[i]->info.status));
		row[3] = rel_chart_cell(r[i]);
		row[4] = xstrdup(rel_app_version(r[i]));
		row[5] = xstrdup(r[i]->info.description ? r[i]->info.description : "");
	}
	rel_table(stdout, hdr, 6, rows, n);
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < 6; c++)
			free(rows[i][c]);
		free(rows[i]);
	}
	free(rows);
}

int cmd_history(int argc, char **argv)
{
	struct rel_args a;
	if (rel_parse(RC_HISTORY, argc, argv, &a) < 0 || (!a.help && a.npos != 1)) {
		if (a.npos != 1)
			fprintf(stderr, "tops: \"tops history\" requires 1 argument\n");
		return rel_args_done(&a), 2;
	}
	if (a.help)
		return rel_usage(RC_HISTORY, stdout), rel_args_done(&a), 0;
	struct kube_client *kc = rel_client();
	struct history h = {0};
	int code = !kc || rel_load(kc, rel_namespace(kc), a.pos[0], &h);
	size_t max = a.max ? (size_t)strtoul(a.max, NULL, 10) : 256, from = h.n > max ? h.n - max : 0;
	if (!code && !h.n) {
		fprintf(stderr, "tops: release: not found\n");
		code = 1;
	} else if (!code && a.output && strcmp(a.output, "table")) {
		struct value *v = history_value(h.r + from, h.n - from);
		code = rel_print_value(v, a.output);
		value_unref(v);
	} else if (!code) {
		history_table(h.r + from, h.n - from);
	}
	history_done(&h);
	if (kc)
		kube_client_free(kc);
	rel_args_done(&a);
	return code;
}
