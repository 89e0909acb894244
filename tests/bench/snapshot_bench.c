/* snapshot_bench A.json B.json — the compare of two exported snapshots in the core alone:
 * decode both and compare them 20 times; prints the best milliseconds of decode+compare+text. */
#include "core/snapshot/compare.h"
#include "core/snapshot/report.h"
#include "core/snapshot/snaprecord.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	char *ta, *tb;
	size_t la, lb;
	struct tops_err err = {0};
	if (read_file(argv[1], 0, &ta, &la, &err) || read_file(argv[2], 0, &tb, &lb, &err)) {
		fprintf(stderr, "%s\n", tops_err_msg(&err));
		return 1;
	}
	double best = 1e9;
	for (int i = 0; i < 20; i++) {
		double t0 = ms_now();
		struct value *a, *b;
		if (snaprecord_decode(ta, la, &a, &err) || snaprecord_decode(tb, lb, &b, &err)) {
			fprintf(stderr, "%s\n", tops_err_msg(&err));
			return 1;
		}
		struct value *rep = snapcompare_run(a, b, NULL);
		struct strbuf out = STRBUF_INIT;
		snapreport_write(rep, "text", &out, &err);
		sb_done(&out);
		value_unref(rep), value_unref(a), value_unref(b);
		double t = ms_now() - t0;
		best = t < best ? t : best;
	}
	printf("%.2f\n", best);
	free(ta), free(tb);
	return 0;
}
