/* snapshot_cli — see snapshot_cli.h. */
#include "cli/snapshot_cli.h"

#include "core/base/config.h"
#include "core/base/options.h"
#include "core/kube/podexec.h"
#include "core/prom/promclient.h"
#include "core/snapshot/compare.h"
#include "core/snapshot/report.h"
#include "core/snapshot/snapmetrics.h"
#include "core/snapshot/snaprecord.h"
#include "core/snapshot/snapshot.h"
#include "core/snapshot/snapstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The exec client the golden set runs through. */
static snapshot_exec_fn exec_client(void)
{
	return podexec_run;
}

/* Prometheus as `tops top` finds it; when there is none, *why says so and metrics are left out. */
static struct promclient *prom_for(struct kube_client *kc, const char *ns, struct http **http, char **why)
{
	struct tops_config *cfg = NULL;
	struct promclient *pc = NULL;
	struct tops_err err = {0};
	*http = NULL;
	*why = NULL;
	if (config_load(&tops_opts, &cfg, &err) == 0 &&
	    promclient_from_config(kc->loop, cfg, kc, ns, &pc, http, &err) == 0) {
		config_free(cfg);
		return pc;
	}
	*why = xasprintf("no metrics: %s", tops_err_msg(&err));
	tops_err_clear(&err);
	config_free(cfg);
	return NULL;
}

static int take_into(struct kube_client *kc, const struct snap_take_args *a, struct value *queries,
		     struct value **rec, struct tops_err *err)
{
	struct http *http = NULL;
	char *why = NULL;
	struct promclient *pc = prom_for(kc, a->namespace_, &http, &why);
	struct snapshot_take_opts o = {
		.release = a->release, .namespace_ = a->namespace_, .label = a->label, .window_s = a->window_s,
		.queries = queries, .prom = pc, .prom_error = why, .no_runner = a->no_runner, .exec = exec_client()};
	int rc = snapshot_take(kc, &o, rec, err);
	promclient_free(pc);
	if (http)
		http_free(http);
	free(why);
	return rc;
}

int snap_cli_take(struct kube_client *kc, const struct snap_take_args *a, char **id)
{
	struct tops_err err = {0};
	struct value *queries = NULL, *rec = NULL;
	int rc = a->queries_path ? snapshot_queries_load(a->queries_path, &queries, &err) : 0;
	if (!rc)
		rc = take_into(kc, a, queries, &rec, &err);
	if (!rc)
		rc = snapstore_put(kc, rec, "snapshot-take", &err);
	if (rc) {
		fprintf(stderr, "tops: snapshot take: %s\n", tops_err_msg(&err));
	} else {
		const char *me = snaprecord_str(rec, "metrics.error", NULL);
		fprintf(stderr, "snapshot %s stored (ConfigMap in namespace %s; golden set %s%s%s%s%s)\n",
			snaprecord_str(rec, "id", ""), a->namespace_, snaprecord_str(rec, "golden.status", "?"),
			snaprecord_str(rec, "golden.reason", NULL) ? ": " : "", snaprecord_str(rec, "golden.reason", ""),
			me ? "; metrics: " : "", me ? me : "");
		if (id)
			*id = xstrdup(snaprecord_str(rec, "id", ""));
	}
	tops_err_clear(&err);
	value_unref(queries);
	value_unref(rec);
	return rc ? 1 : 0;
}

int snap_cli_compare(struct kube_client *kc, const char *ns, const char *release, const char *a,
		     const char *b, double max_regression, const char *format)
{
	struct tops_err err = {0};
	struct value **recs = NULL, *bad = NULL;
	size_t n = 0;
	const struct value *ra = NULL, *rb = NULL;
	int code = 3;
	if (snapstore_list(kc, ns, release, &recs, &n, &bad, &err) == 0 &&
	    snapcompare_pick(recs, n, a, b, &ra, &rb, &err) == 0) {
		struct snapcompare_opts o = {.max_regression = max_regression};
		struct value *rep = snapcompare_run(ra, rb, &o);
		struct strbuf out = STRBUF_INIT;
		if (snapreport_write(rep, format, &out, &err) == 0) {
			fputs(sb_str(&out), stdout);
			code = snapcompare_regressions(rep) ? 1 : 0;
		}
		sb_done(&out);
		value_unref(rep);
	}
	for (size_t i = 0; bad && i < bad->u.list.len; i++)
		fprintf(stderr, "tops: warning: %s\n", bad->u.list.items[i]->u.str.s);
	if (code == 3)
		fprintf(stderr, "tops: snapshot-compare: %s\n", tops_err_msg(&err));
	tops_err_clear(&err);
	value_unref(bad);
	snapstore_list_free(recs, n);
	return code;
}
