/* Encoding a release record with a 1 MB manifest (base64(gzip(JSON)) as helm writes it). */
#include "core/release/record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int main(int argc, char **argv)
{
	char *text = NULL;
	size_t len = 0;
	struct tops_err err = {0};
	if (argc < 2 || read_file(argv[1], 0, &text, &len, &err) < 0) {
		fprintf(stderr, "usage: record_bench MANIFEST (%s)\n", tops_err_msg(&err));
		return 2;
	}
	struct release r = {.name = "bench", .namespace_ = "testops", .version = 1, .manifest = text};
	r.info.status = RS_DEPLOYED;
	double best = 1e9;
	for (int i = 0; i < 5; i++) {
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		char *enc = release_encode(&r);
		double ms = ms_since(&t0);
		best = ms < best ? ms : best;
		free(enc);
	}
	printf("bench record-encode: %.1f ms for a %zu byte manifest (best of 5; target <= 50)\n", best, len);
	free(text);
	return 0;
}
