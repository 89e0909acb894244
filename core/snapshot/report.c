/* report — see report.h. Text and Markdown share the walk; only the decoration differs. */
#include "core/snapshot/report.h"
#include "core/snapshot/snaprecord.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct style {
	bool md;
	const char *h_open, *h_close, *item;
};

static const struct style text_style = {false, "", "", "  "};
static const struct style md_style = {true, "### ", "", "- "};

static const char *s_(const struct value *e, const char *k)
{
	return snaprecord_str(e, k, "(none)");
}

void snapreport_bytes(struct strbuf *out, double v)
{
	static const char *const units[] = {"Ki", "Mi", "Gi", "Ti"};
	if (isnan(v)) {
		sb_adds(out, "?");
		return;
	}
	int u = -1;
	while (fabs(v) >= 1024 && u < 3)
		v /= 1024, u++;
	if (u < 0)
		sb_addf(out, "%.0f", v);
	else
		sb_addf(out, "%.1f%s", v, units[u]);
}

static void num(struct strbuf *out, const struct value *e, const char *k, const char *unit)
{
	double v = snaprecord_num(e, k);
	if (isnan(v))
		sb_adds(out, "-");
	else if (unit && !strcmp(unit, "bytes"))
		snapreport_bytes(out, v);
	else
		sb_addf(out, "%.4g", v);
}

static void metric_line(const struct value *e, struct strbuf *out)
{
	const char *unit = snaprecord_str(e, "unit", NULL);
	sb_addf(out, "%s ", s_(e, "name"));
	num(out, e, "from", unit);
	sb_adds(out, " → ");
	num(out, e, "to", unit);
	double c = snaprecord_num(e, "changePercent");
	if (!isnan(c))
		sb_addf(out, " (%+.1f%%)", c);
	else if (snaprecord_str(e, "note", NULL))
		sb_addf(out, " (%s)", s_(e, "note"));
	const char *w = snaprecord_str(e, "worse", "none");
	if (strcmp(w, "none") != 0)
		sb_addf(out, ", limit %.4g%% %s", snaprecord_num(e, "thresholdPercent"), w);
}

void snapreport_line(const struct value *e, struct strbuf *out)
{
	const char *what = snaprecord_str(e, "what", NULL);
	if (!what && snaprecord_str(e, "kind", NULL)) {
		metric_line(e, out);
	} else if (!what && snaprecord_str(e, "pinned", NULL)) {
		sb_addf(out, "drift %s %s: pinned %s, running %s", s_(e, "workload"), s_(e, "container"),
			s_(e, "pinned"), s_(e, "running"));
	} else if (!what) {
		sb_addf(out, "pvc %s: ", s_(e, "name"));
		num(out, e, "usedFrom", "bytes");
		sb_adds(out, " → ");
		num(out, e, "usedTo", "bytes");
		double g = snaprecord_num(e, "growthPercent");
		if (!isnan(g))
			sb_addf(out, " (%+.1f%%)", g);
		if (strcmp(s_(e, "phaseFrom"), s_(e, "phaseTo")))
			sb_addf(out, ", phase %s → %s", s_(e, "phaseFrom"), s_(e, "phaseTo"));
		if (strcmp(s_(e, "capacityFrom"), s_(e, "capacityTo")))
			sb_addf(out, ", capacity %s → %s", s_(e, "capacityFrom"), s_(e, "capacityTo"));
	} else if (!strcmp(what, "value")) {
		sb_addf(out, "value %s: %s → %s", s_(e, "key"), s_(e, "from"), s_(e, "to"));
	} else if (!strcmp(what, "image") || !strcmp(what, "digest")) {
		sb_addf(out, "%s %s %s: %s → %s", what, s_(e, "workload"), s_(e, "container"), s_(e, "from"), s_(e, "to"));
	} else if (!strcmp(what, "replicas") || !strcmp(what, "restarts")) {
		sb_addf(out, "%s %s: %lld → %lld", what, s_(e, "workload"), (long long)snaprecord_int(e, "from", 0),
			(long long)snaprecord_int(e, "to", 0));
		if (!strcmp(what, "restarts"))
			sb_addf(out, " (+%lld)", (long long)snaprecord_int(e, "delta", 0));
	} else if (!strcmp(what, "workload not ready")) {
		sb_addf(out, "not ready %s: %lld/%lld ready", s_(e, "workload"), (long long)snaprecord_int(e, "ready", 0),
			(long long)snaprecord_int(e, "desired", 0));
	} else if (!strcmp(what, "pods not ready")) {
		sb_addf(out, "pods not ready: %lld → %lld", (long long)snaprecord_int(e, "from", 0),
			(long long)snaprecord_int(e, "to", 0));
	} else if (!strcmp(what, "object") || !strcmp(what, "config")) {
		sb_addf(out, "%s %s %s", what, s_(e, "ref"), s_(e, "change"));
	} else if (!strcmp(what, "revision")) {
		sb_addf(out, "revision %lld → %lld", (long long)snaprecord_int(e, "from", 0), (long long)snaprecord_int(e, "to", 0));
	} else {
		sb_addf(out, "%s %s → %s", what, s_(e, "from"), s_(e, "to"));
	}
}

static bool regression(const struct value *e)
{
	const struct value *r = value_map_get(e, "regression");
	return r && r->type == V_BOOL && r->u.b;
}

static void section(struct strbuf *out, const struct style *st, const struct value *rep, const char *key,
		    const char *title)
{
	const struct value *l = value_map_get(rep, key);
	size_t n = l && l->type == V_LIST ? l->u.list.len : 0;
	sb_addf(out, "\n%s%s%s\n", st->h_open, title, st->h_close);
	if (!n)
		sb_addf(out, "%snone\n", st->item);
	for (size_t i = 0; i < n; i++) {
		const struct value *e = l->u.list.items[i];
		sb_adds(out, st->item);
		if (regression(e))
			sb_adds(out, st->md ? "**REGRESSION** " : "REGRESSION ");
		snapreport_line(e, out);
		sb_addc(out, '\n');
	}
}

static void golden(struct strbuf *out, const struct style *st, const struct value *rep)
{
	sb_addf(out, "\n%sGolden files%s\n", st->h_open, st->h_close);
	const struct value *c = value_map_path(rep, "golden.compared");
	if (!c || c->type != V_BOOL || !c->u.b) {
		sb_addf(out, "%snot compared (before: %s, after: %s)\n", st->item,
			snaprecord_str(rep, "golden.statusFrom", "none"), snaprecord_str(rep, "golden.statusTo", "none"));
		return;
	}
	static const char *const kinds[] = {"added", "removed", "changed"};
	size_t total = 0;
	for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
		char path[32];
		snprintf(path, sizeof path, "golden.%s", kinds[k]);
		const struct value *l = value_map_path(rep, path);
		for (size_t i = 0; l && l->type == V_LIST && i < l->u.list.len; i++, total++)
			sb_addf(out, "%s%s %s\n", st->item, kinds[k], l->u.list.items[i]->u.str.s);
	}
	if (!total)
		sb_addf(out, "%sunchanged\n", st->item);
}

static void header(struct strbuf *out, const struct style *st, const struct value *rep)
{
	sb_addf(out, "%ssnapshot-compare %s (namespace %s)%s\n", st->md ? "## " : "", s_(rep, "release"),
		s_(rep, "namespace"), "");
	static const char *const sides[] = {"a", "b"}, *const names[] = {"before", "after"};
	for (int i = 0; i < 2; i++) {
		char p[4][16];
		snprintf(p[0], 16, "%s.id", sides[i]), snprintf(p[1], 16, "%s.label", sides[i]);
		snprintf(p[2], 16, "%s.revision", sides[i]), snprintf(p[3], 16, "%s.takenAt", sides[i]);
		sb_addf(out, "%s%-6s %s (%s, revision %lld, %s)\n", st->item, names[i], s_(rep, p[0]), s_(rep, p[1]),
			(long long)snaprecord_int(rep, p[2], 0), s_(rep, p[3]));
	}
}

static void write_words(const struct value *rep, const struct style *st, struct strbuf *out)
{
	header(out, st, rep);
	section(out, st, rep, "changes", "Changes");
	section(out, st, rep, "health", "Health");
	section(out, st, rep, "drift", "Digest drift (running digest differs from the pinned one)");
	section(out, st, rep, "pvcs", "PVCs");
	char title[64];
	snprintf(title, sizeof title, "Metrics (max regression %.4g%%)", snaprecord_num(rep, "maxRegressionPercent"));
	section(out, st, rep, "metrics", title);
	const char *me = snaprecord_str(rep, "metricsTo", NULL);
	if (me)
		sb_addf(out, "%smetrics after: %s\n", st->item, me);
	golden(out, st, rep);
	sb_addf(out, "\n%sObject store%s\n%s%s → %s\n", st->h_open, st->h_close, st->item,
		snaprecord_str(rep, "objectStore.from", "unknown"), snaprecord_str(rep, "objectStore.to", "unknown"));
	int64_t n = snaprecord_int(rep, "regressions", 0);
	sb_addf(out, "\n%s%lld regression%s%s\n", st->md ? "**Result:** " : "Result: ", (long long)n,
		n == 1 ? "" : "s", n ? "" : " (no regression)");
}

int snapreport_write(const struct value *report, const char *format, struct strbuf *out,
		     struct tops_err *err)
{
	if (!format || !strcmp(format, "text")) {
		write_words(report, &text_style, out);
	} else if (!strcmp(format, "markdown") || !strcmp(format, "md")) {
		write_words(report, &md_style, out);
	} else if (!strcmp(format, "json")) {
		char *j = value_to_json(report, true, false);
		sb_adds(out, j);
		sb_addc(out, '\n');
		free(j);
	} else {
		return tops_err_set(err, TOPS_EINVAL, "unknown output format \"%s\": text, json or markdown", format);
	}
	return 0;
}
