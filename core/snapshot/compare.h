/* compare — what changed between two snapshots of a release, and whether it regressed.
 *
 * The report is a JSON map (docs/snapshots.md has its fields): a and b (id, label, revision,
 * takenAt), changes (revision, chart, appVersion, values keys — Secret-like values masked —,
 * images, digests, replicas, objects added / removed / changed), health (restarts +N, pods not
 * ready), drift (running digests that differ from the pinned ones, in b), pvcs (usage growth),
 * metrics (each with from, to, change in percent, its threshold and regression true/false),
 * golden (files added / removed / changed), objectStore, and regressions (a count).
 *
 * A regression is: a metric that got worse beyond its threshold (latency and error rate up,
 * throughput down; --max-regression, or the query's own threshold), or more pods not ready in
 * b than in a. Restarts, drift and golden changes are reported, not counted.
 */
#ifndef TOPS_SNAPCOMPARE_H
#define TOPS_SNAPCOMPARE_H

#include "core/base/value.h"

struct snapcompare_opts {
	double max_regression;       /* fraction: 0.10 for 10%; < 0: the default 10% */
};

/* Compares a (before) with b (after); both borrowed. Returns a new report map. */
struct value *snapcompare_run(const struct value *a, const struct value *b,
			      const struct snapcompare_opts *o);

/* The number of regressions in a report. */
int snapcompare_regressions(const struct value *report);

/* Parses "10%", "10", "0.5%" into a fraction (0.10); -1 when invalid. */
double snapcompare_parse_pct(const char *s);

/* The default pair among a release's snapshots (records, oldest first, borrowed): when the
 * newest is a "post", the newest "pre" before it; otherwise the newest "golden" older than the
 * newest snapshot, and the newest. a_id given (b_id NULL): a_id against the newest other one.
 * Sets *a and *b (borrowed from recs). 0, or -TOPS_ENOENT with err saying what is missing. */
struct tops_err;
int snapcompare_pick(struct value *const *recs, size_t n, const char *a_id, const char *b_id,
		     const struct value **a, const struct value **b, struct tops_err *err);

#endif
