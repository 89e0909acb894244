/* tops list — helm's columns NAME NAMESPACE REVISION UPDATED STATUS CHART APP VERSION, the
 * newest revision of each release; deployed and failed ones unless -a or a status flag says
 * otherwise; -f REGEX filters names; -A every namespace. */
#include "cli/commands.h"
#include "cli/release_cli.h"

#include "core/base/options.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool wanted(const struct rel_args *a, enum release_status st)
{
	bool any = a->deployed || a->failed || a->pending || a->superseded || a->uninstalled;
	if (a->all && !any)
		return true;
	if (!any)
		return st == RS_DEPLOYED || st == RS_FAILED;
	return (a->deployed && st == RS_DEPLOYED) || (a->failed && st == RS_FAILED) ||
	       (a->superseded && st == RS_SUPERSEDED) || (a->uninstalled && st == RS_UNINSTALLED) ||
	       (a->pending && (st == RS_PENDING_INSTALL || st == RS_PENDING_UPGRADE || st == RS_PENDING_ROLLBACK));
}

/* helm list's UPDATED: Go's time.Time String() form. */
static char *updated(const struct release *r)
{
	time_t s = (time_t)r->info.last_deployed.sec;
	char a[40], b[16];
	struct tm tm;
	localtime_r(&s, &tm);
	strftime(a, sizeof a, "%Y-%m-%d %H:%M:%S", &tm);
	strftime(b, sizeof b, "%z %Z", &tm);
	return xasprintf("%s.%09ld %s", a, r->info.last_deployed.nsec, b);
}

static char **row_of(const struct release *r)
{
	char **row = xcalloc(7, sizeof *row);
	row[0] = xstrdup(r->name);
	row[1] = xstrdup(r->namespace_);
	row[2] = xasprintf("%d", r->version);
	row[3] = updated(r);
	row[4] = xstrdup(release_status_str(r->info.status));
	row[5] = rel_chart_cell(r);
	row[6] = xstrdup(rel_app_version(r));
	return row;
}

/* The newest record of each release that passes the filters. */
static size_t pick(const struct rel_args *a, const struct history *h, regex_t *re, struct release **out)
{
	size_t n = 0;
	for (size_t i = 0; i < h->n; i++) {
		const struct release *r = h->r[i], *next = i + 1 < h->n ? h->r[i + 1] : NULL;
		if (next && !strcmp(next->name, r->name) && !strcmp(next->namespace_, r->namespace_))
			continue; /* records are sorted by namespace, name, revision */
		if (wanted(a, r->info.status) && (!re || regexec(re, r->name, 0, NULL, 0) == 0))
			out[n++] = h->r[i];
	}
	return n;
}

static void print_table(struct release **r, size_t n)
{
	static const char *const hdr[] = {"NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"};
	char ***rows = xcalloc(n + 1, sizeof *rows);
	for (size_t i = 0; i < n; i++)
		rows[i] = row_of(r[i]);
	rel_table(stdout, hdr, 7, rows, n);
	for (size_t i = 0; i < n; i++) {
		for (int c = 0; c < 7; c++)
			free(rows[i][c]);
		free(rows[i]);
	}
	free(rows);
}

static int print_value(struct release **r, size_t n, const char *format)
{
	static const char *const keys[] = {"name", "namespace", "revision", "updated", "status", "chart", "app_version"};
	struct value *l = value_list();
	for (size_t i = 0; i < n; i++) {
		char **row = row_of(r[i]);
		struct value *e = value_map();
		for (int c = 0; c < 7; c++) {
			value_map_set(e, keys[c], value_str(row[c]));
			free(row[c]);
		}
		free(row);
		value_list_push(l, e);
	}
	int rc = rel_print_value(l, format);
	value_unref(l);
	return rc;
}

int cmd_list(int argc, char **argv)
{
	struct rel_args a;
	regex_t re;
	if (rel_parse(RC_LIST, argc, argv, &a) < 0)
		return rel_args_done(&a), 2;
	if (a.help)
		return rel_usage(RC_LIST, stdout), rel_args_done(&a), 0;
	if (a.filter && regcomp(&re, a.filter, REG_EXTENDED | REG_NOSUB)) {
		fprintf(stderr, "tops: --filter %s: not a regular expression\n", a.filter);
		return rel_args_done(&a), 2;
	}
	struct kube_client *kc = rel_client();
	struct history h = {0};
	int code = !kc || rel_load(kc, tops_opts.all_namespaces ? NULL : rel_namespace(kc), NULL, &h);
	struct release **r = xcalloc(h.n + 1, sizeof *r);
	size_t n = code ? 0 : pick(&a, &h, a.filter ? &re : NULL, r);
	if (!code && a.output && strcmp(a.output, "table"))
		code = print_value(r, n, a.output);
	else if (!code)
		print_table(r, n);
	free(r);
	if (a.filter)
		regfree(&re);
	history_done(&h);
	if (kc)
		kube_client_free(kc);
	rel_args_done(&a);
	return code;
}
