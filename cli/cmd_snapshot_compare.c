/* tops snapshot-compare NAME [A [B]] — what changed between two snapshots and whether it
 * regressed (core/snapshot/compare.h). */
#include "cli/commands.h"
#include "cli/release_cli.h"
#include "cli/snapshot_cli.h"

#include "core/snapshot/compare.h"

#include <stdio.h>
#include <string.h>

static const char usage_text[] =
	"Usage: tops snapshot-compare NAME [A [B]] [--max-regression 10%] [-o text|json|markdown]\n\n"
	"Compares two snapshots of release NAME (IDs from `tops snapshot list NAME`). Without IDs:\n"
	"the newest snapshot against the newest `pre` before it when it is a `post` (the last\n"
	"upgrade), else against the newest `golden` before it; with A only: A against the newest.\n"
	"Reports changes (revision, chart, values keys with Secret-like values masked, images and\n"
	"digests, replicas, objects and config), health (restarts, pods not ready), digest drift,\n"
	"PVC growth, metrics (latency and error rate up, throughput down beyond --max-regression or\n"
	"a query's own threshold are regressions) and golden files added, removed and changed.\n\n"
	"  --max-regression PCT  allowed worsening of a metric (default 10%)\n"
	"  -o FORMAT             text (default), json (for tools) or markdown (for a CI comment)\n\n"
	"Exit status: 0 no regression, 1 regression, 2 usage error, 3 error.\n";

int cmd_snapshot_compare(int argc, char **argv)
{
	const char *pos[3] = {0}, *fmt = "text", *maxr = NULL;
	int npos = 0;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			fputs(usage_text, stdout);
			return 0;
		} else if ((!strcmp(s, "-o") || !strcmp(s, "--output")) && i + 1 < argc) {
			fmt = argv[++i];
		} else if (!strncmp(s, "--output=", 9) || !strncmp(s, "-o=", 3)) {
			fmt = strchr(s, '=') + 1;
		} else if (!strcmp(s, "--max-regression") && i + 1 < argc) {
			maxr = argv[++i];
		} else if (!strncmp(s, "--max-regression=", 17)) {
			maxr = s + 17;
		} else if (s[0] != '-' && npos < 3) {
			pos[npos++] = s;
		} else {
			fprintf(stderr, "tops: snapshot-compare: unexpected argument \"%s\"\n%s", s, usage_text);
			return 2;
		}
	}
	double thr = maxr ? snapcompare_parse_pct(maxr) : -1;
	if (!npos || (maxr && thr < 0) || (strcmp(fmt, "text") && strcmp(fmt, "json") && strcmp(fmt, "markdown"))) {
		fprintf(stderr, "tops: snapshot-compare: %s\n%s",
			!npos ? "name the release" : maxr && thr < 0 ? "--max-regression takes a percentage such as 10%"
			: "-o takes text, json or markdown", usage_text);
		return 2;
	}
	struct kube_client *kc = rel_client();
	if (!kc)
		return 3;
	int rc = snap_cli_compare(kc, rel_namespace(kc), pos[0], pos[1], pos[2], thr, fmt);
	kube_client_free(kc);
	return rc;
}
